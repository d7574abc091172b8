package qbft

import (
	"errors"
	"slices"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
)

func TestEngine(t *testing.T) {
	c := newCluster(4)
	self := c.notLeader(0)
	e, err := NewInstances(c.cfg(self))
	if err != nil {
		t.Fatal(err)
	}
	ids := []consensus.InstanceID{otherID, testID}
	for _, id := range ids {
		out, err := e.Start(id, testValidity)
		if err != nil || outputKinds(out) != "timer(0)" {
			t.Fatalf("start %s: %s %v", id, outputKinds(out), err)
		}
	}
	if _, err := e.Start(testID, testValidity); !errors.Is(err, ErrAlreadyStarted) {
		t.Fatalf("second start: %v", err)
	}
	if got := e.Active(); !slices.Equal(got, []consensus.InstanceID{testID, otherID}) {
		t.Fatalf("active %v", got)
	}
	// Routing by instance id.
	out, err := e.Receive(c.proposal(c.leader(0), 0, vA, nil, nil))
	if err != nil || outputKinds(out) != "PREPARE(0)" {
		t.Fatalf("receive: %s %v", outputKinds(out), err)
	}
	if e.Instance(otherID).Round() != 0 || e.Instance(testID).accepted == nil {
		t.Fatal("message routed to the wrong instance")
	}
	if out, err := e.Timeout(otherID, 0); err != nil || outputKinds(out) != "timer(1) ROUND_CHANGE(1)" {
		t.Fatalf("timeout: %s %v", outputKinds(out), err)
	}
	if _, err := e.SetOwnValue(otherID, vB); err != nil {
		t.Fatal(err)
	}
	// Re-binding the validity predicate applies to later proposals.
	if err := e.SetValidity(otherID, func([]byte) error { return errBadValue }); err != nil {
		t.Fatal(err)
	}
	c2 := newCluster(4)
	c2.id = otherID
	if out, err := e.Receive(c2.justifiedProposal(1, vC)); err != nil || len(out) != 0 {
		t.Fatalf("proposal failing the re-bound predicate: %s %v", outputKinds(out), err)
	}
	if got := e.Instance(otherID).Snapshot().RejectedRounds; !slices.Equal(got, []uint64{1}) {
		t.Fatalf("rejected rounds %v", got)
	}
	e.Stop(otherID, consensus.InstanceID{Slot: 999})
	if got := e.Active(); !slices.Equal(got, []consensus.InstanceID{testID}) {
		t.Fatalf("active after stop %v", got)
	}
	for _, err := range []error{
		e.SetValidity(otherID, testValidity),
		func() error { _, err := e.Timeout(otherID, 0); return err }(),
		func() error { _, err := e.SetOwnValue(otherID, vA); return err }(),
		func() error { _, err := e.Receive(c.prepare(1, 0, Digest(vA))); _ = err; return nil }(),
	} {
		if err != nil && !errors.Is(err, ErrUnknownInstance) {
			t.Fatalf("stopped instance: %v", err)
		}
	}
	p := c.sign(mutate(c.prepare(1, 0, Digest(vA)), func(m *SignedMessage) { m.Message.Instance = otherID }))
	if _, err := e.Receive(p); !errors.Is(err, ErrUnknownInstance) {
		t.Fatalf("message for a stopped instance: %v", err)
	}
	if _, err := e.Receive(nil); !errors.Is(err, ErrMalformed) {
		t.Fatal(err)
	}
	// Start after stop creates a fresh instance.
	if _, err := e.Start(otherID, testValidity); err != nil || e.Instance(otherID).Round() != 0 {
		t.Fatalf("restart: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	c := newCluster(4)
	for _, cfg := range []Config{
		{N: 0, Self: 1, Signer: c.signers[0], Verifier: c.verifier},
		{N: MaxNodes + 1, Self: 1, Signer: c.signers[0], Verifier: c.verifier},
		{N: 4, Self: 5, Signer: c.signers[0], Verifier: c.verifier},
		{N: 4, Self: 1, Verifier: c.verifier},
		{N: 4, Self: 1, Signer: c.signers[0]},
	} {
		if _, err := New(cfg, testID, testValidity); !errors.Is(err, ErrConfig) {
			t.Fatalf("%+v: %v", cfg, err)
		}
		if _, err := NewInstances(cfg); !errors.Is(err, ErrConfig) {
			t.Fatalf("%+v: %v", cfg, err)
		}
	}
	if _, err := New(c.cfg(1), testID, nil); !errors.Is(err, ErrConfig) {
		t.Fatal(err)
	}
	i := c.instance(t, 1)
	if err := i.SetValidity(nil); !errors.Is(err, ErrConfig) {
		t.Fatal(err)
	}
}

type failingSigner struct{}

func (failingSigner) Sign(phase0.Root) (Signature, error) {
	return Signature{}, errors.New("hsm offline")
}

func TestSignerFailure(t *testing.T) {
	c := newCluster(4)
	cfg := c.cfg(c.leader(0))
	cfg.Signer = failingSigner{}
	i, err := New(cfg, testID, testValidity)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := i.SetOwnValue(vA); err != nil {
		t.Fatal(err)
	}
	before := snapRoot(t, i)
	out, err := i.Start()
	if !errors.Is(err, ErrSigner) || outputKinds(out) != "timer(0)" {
		t.Fatalf("%s %v", outputKinds(out), err)
	}
	// Only the start itself took effect; the proposal was not made.
	if i.proposedRound != nil || snapRoot(t, i) == before {
		t.Fatal("state after a signer failure")
	}
}
