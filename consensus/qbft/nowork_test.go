package qbft

import (
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// countingVerifier counts signature checks.
type countingVerifier struct {
	inner Verifier
	n     *int
}

func (v countingVerifier) Verify(sender uint64, root phase0.Root, sig Signature) bool {
	*v.n++
	return v.inner.Verify(sender, root, sig)
}

func (c *tcluster) countingInstance(t *testing.T, self uint64, n *int) *Instance {
	t.Helper()
	cfg := c.cfg(self)
	cfg.Verifier = countingVerifier{inner: c.verifier, n: n}
	i, err := New(cfg, c.id, testValidity)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// A decided instance ignores a late PREPARE or COMMIT without checking it
// (even a forged one), and still answers a ROUND_CHANGE, checked.
func TestDecidedIgnoresLateMessagesUnchecked(t *testing.T) {
	c := newCluster(4)
	checks := 0
	i := c.countingInstance(t, 1, &checks)
	if _, err := i.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := i.Receive(c.decided(2, 0, vA, c.commits(0, vA, 2, 3, 4))); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := i.Decided(); !ok {
		t.Fatal("not decided")
	}
	before, root := checks, snapRoot(t, i)
	forged := mutate(c.prepare(3, 0, Digest(vA)), func(m *SignedMessage) { m.Signature[0] ^= 1 })
	for _, m := range []*SignedMessage{forged, c.commit(4, 0, Digest(vA)), c.prepare(2, 1, Digest(vB))} {
		out, err := i.Receive(m)
		if err != nil || len(out) != 0 {
			t.Fatalf("late %s: out %s, err %v; want nothing", m.Message.Type, outputKinds(out), err)
		}
	}
	if checks != before {
		t.Fatalf("%d signature checks for late messages; want 0", checks-before)
	}
	if snapRoot(t, i) != root {
		t.Fatal("state changed")
	}
	out, err := i.Receive(c.rc(3, 1, 0, nil, nil))
	if err != nil || len(broadcasts(out)) != 1 || broadcasts(out)[0].Message.Type != MsgDecided {
		t.Fatalf("round change after decision: out %s, err %v; want a DECIDED", outputKinds(out), err)
	}
	if checks == before {
		t.Fatal("round change answered unchecked")
	}
	badRC := mutate(c.rc(4, 1, 0, nil, nil), func(m *SignedMessage) { m.Signature[0] ^= 1 })
	if _, err := i.Receive(badRC); err == nil {
		t.Fatal("forged round change accepted after decision")
	}
}

// A copy of a stored message is not checked again; a message with the same
// Message but another signature is.
func TestStoredCopyNotRechecked(t *testing.T) {
	c := newCluster(4)
	checks := 0
	i := c.countingInstance(t, 1, &checks)
	if _, err := i.Start(); err != nil {
		t.Fatal(err)
	}
	p := c.prepare(3, 0, Digest(vA))
	if _, err := i.Receive(p); err != nil {
		t.Fatal(err)
	}
	before, root := checks, snapRoot(t, i)
	if before == 0 {
		t.Fatal("first copy not checked")
	}
	if out, err := i.Receive(mutate(p, func(*SignedMessage) {})); err != nil || len(out) != 0 {
		t.Fatalf("copy: out %s, err %v", outputKinds(out), err)
	}
	if checks != before {
		t.Fatalf("copy checked %d times; want 0", checks-before)
	}
	forged := mutate(p, func(m *SignedMessage) { m.Signature[0] ^= 1 })
	if _, err := i.Receive(forged); err == nil {
		t.Fatal("same message with a forged signature accepted")
	}
	if snapRoot(t, i) != root {
		t.Fatal("state changed")
	}
}
