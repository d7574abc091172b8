package vc_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/impl/simbeacon/simtest"
	"github.com/dvspec/go-dvspec/impl/slashingstore"
	"github.com/dvspec/go-dvspec/impl/vc"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

const validators = 64

// electraAtEpoch1 is the minimal schedule with everything up to Deneb at
// genesis and Electra from epoch 1: the run crosses the boundary where
// attestations change shape (Attestation to SingleAttestation).
func electraAtEpoch1(t *testing.T) signing.ForkSchedule {
	t.Helper()
	base, err := signing.MinimalForkSchedule(eth2spec.DataVersionFulu)
	if err != nil {
		t.Fatal(err)
	}
	forks := base.Forks()
	for i := range forks {
		switch {
		case forks[i].Name == eth2spec.DataVersionElectra:
			forks[i].Epoch = 1
		case forks[i].Name > eth2spec.DataVersionElectra:
			forks[i].Epoch = signing.FarFutureEpoch
		}
	}
	s, err := signing.NewForkSchedule(forks...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func interopKeys(t *testing.T, n int) []bls.SecretKey {
	t.Helper()
	out := make([]bls.SecretKey, n)
	for i := range out {
		sk, err := bls.InteropSecretKey(uint64(i))
		if err != nil {
			t.Fatal(err)
		}
		out[i] = sk
	}
	return out
}

type fixture struct {
	node  *simbeacon.Node
	clock *simbeacon.ManualClock
	url   string
	store *slashingstore.Store
}

func newFixture(t *testing.T, forks signing.ForkSchedule) *fixture {
	t.Helper()
	return newFixtureChain(t, forks, spec.MinimalConfig(), validators)
}

// newFixtureChain is newFixture on a chain config and validator count of
// the test's own.
func newFixtureChain(t *testing.T, forks signing.ForkSchedule, chain spec.ChainConfig, count uint64) *fixture {
	t.Helper()
	n, clock, url := simtest.Start(t, simbeacon.Config{Chain: chain, Validators: count, Forks: forks})
	store, err := slashingstore.Open(filepath.Join(t.TempDir(), "slashing.db"), n.GenesisValidatorsRoot())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	return &fixture{node: n, clock: clock, url: url, store: store}
}

func (f *fixture) newVC(t *testing.T, cfg vc.Config) *vc.VC {
	t.Helper()
	cfg.BeaconURL = f.url
	if cfg.Slashing == nil {
		cfg.Slashing = f.store
	}
	cfg.Clock = f.clock
	v, err := vc.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := v.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return v
}

func (f *fixture) at(slot phase0.Slot, thirds int) {
	d := time.Duration(f.node.Config().SecondsPerSlot) * time.Second
	f.clock.Set(f.node.GenesisTime().Add(time.Duration(slot)*d + time.Duration(thirds)*d/3))
}

// acceptedAt tells whether simbeacon accepted a message of kind from
// validator v for slot.
func acceptedAt(n *simbeacon.Node, v phase0.ValidatorIndex, kind simbeacon.Kind, slot phase0.Slot) bool {
	for _, a := range n.Accepted(v, kind) {
		if a.Slot == slot {
			return true
		}
	}
	return false
}

// TestEveryDutyAccepted runs a plain (non-DV) client holding every
// validator's full key against simbeacon for two epochs across the Electra
// boundary, step by step on a manual clock, and checks against simbeacon's
// own duty assignment that every attestation, proposal, sync committee
// message, aggregate and contribution was accepted.
func TestEveryDutyAccepted(t *testing.T) {
	f := newFixture(t, electraAtEpoch1(t))
	var mu sync.Mutex
	var failed []vc.Result
	v := f.newVC(t, vc.Config{Keys: interopKeys(t, validators), Aggregation: true, OnDuty: func(r vc.Result) {
		if !r.OK {
			mu.Lock()
			failed = append(failed, r)
			mu.Unlock()
		}
	}})
	ctx := context.Background()
	spe := f.node.ChainConfig().SlotsPerEpoch
	last := phase0.Slot(2*spe - 1)
	counts := map[string]int{}
	for s := phase0.Slot(1); s <= last; s++ {
		f.at(s, 0)
		for _, r := range v.Propose(ctx, s) {
			counts[r.Type]++
		}
		f.at(s, 1)
		for _, r := range v.Attest(ctx, s) {
			counts[r.Type]++
		}
		f.at(s, 2)
		for _, r := range v.Aggregate(ctx, s) {
			counts[r.Type]++
		}
	}
	for _, r := range failed {
		t.Errorf("%s of validator %d at slot %d failed: %v", r.Type, r.Validator, r.Slot, r.Err)
	}
	for s := phase0.Slot(1); s <= last; s++ {
		epoch := phase0.Epoch(uint64(s) / spe)
		if p := f.node.Proposer(s); !acceptedAt(f.node, p, simbeacon.KindBlock, s) {
			t.Errorf("slot %d: no block of proposer %d accepted", s, p)
		}
		for i := phase0.ValidatorIndex(0); i < validators; i++ {
			if d := f.node.AttesterDuty(i, epoch); d.Slot == s {
				if !acceptedAt(f.node, i, simbeacon.KindAttestation, s) {
					t.Errorf("slot %d: attestation of validator %d not accepted", s, i)
				}
				// Committees of 4 are under TARGET_AGGREGATORS_PER_COMMITTEE
				// (16): is_aggregator's modulo is 1, every attester aggregates.
				if d.CommitteeLength < 16 && !acceptedAt(f.node, i, simbeacon.KindAggregateAndProof, s) {
					t.Errorf("slot %d: aggregate of validator %d not accepted", s, i)
				}
			}
		}
		for _, m := range f.node.SyncCommittee(s) {
			if !acceptedAt(f.node, m, simbeacon.KindSyncCommitteeMessage, s) {
				t.Errorf("slot %d: sync committee message of validator %d not accepted", s, m)
			}
			// 8 per subcommittee, under TARGET_AGGREGATORS_PER_SYNC_SUBCOMMITTEE
			// (16): every member aggregates.
			if !acceptedAt(f.node, m, simbeacon.KindContributionAndProof, s) {
				t.Errorf("slot %d: contribution of validator %d not accepted", s, m)
			}
		}
	}
	if off := f.node.Offences(); len(off) != 0 {
		t.Errorf("simbeacon saw offences: %+v", off)
	}
	t.Logf("results by type: %v", counts)
}

// TestSlashableOfferRefused gives the client a slashing history in which
// its key already attested with a later target and proposed a different
// block at a slot: the client must sign neither the attestation nor the
// block the beacon node then offers, must say why, and simbeacon must have
// accepted nothing from that validator.
func TestSlashableOfferRefused(t *testing.T) {
	f := newFixture(t, signing.ForkSchedule{})
	spe := f.node.ChainConfig().SlotsPerEpoch
	// A slot in epoch 1 with a proposer, and an attester of that epoch.
	slot := phase0.Slot(spe + 1)
	proposer := f.node.Proposer(slot)
	attester := proposer
	duty := f.node.AttesterDuty(attester, 1)
	key, err := bls.InteropSecretKey(uint64(proposer))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := key.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	other := phase0.Root{0xee}
	// Surrounds every attestation of epoch 1 (source 0, target 1).
	if err := f.store.RecordAttestation(pub, &slashing.SlashingDBAttestation{SourceEpoch: 0, TargetEpoch: 5, SigningRoot: &other}); err != nil {
		t.Fatal(err)
	}
	if err := f.store.RecordBlock(pub, &slashing.SlashingDBBlock{Slot: slot, SigningRoot: &other}); err != nil {
		t.Fatal(err)
	}
	v := f.newVC(t, vc.Config{Keys: []bls.SecretKey{key}})
	ctx := context.Background()
	f.at(slot, 0)
	checkRefused(t, v.Propose(ctx, slot), vc.DutyProposal, slashing.ErrDoubleProposal)
	f.at(duty.Slot, 1)
	checkRefused(t, v.Attest(ctx, duty.Slot), vc.DutyAttestation, nil)
	for _, k := range []simbeacon.Kind{simbeacon.KindBlock, simbeacon.KindAttestation} {
		if got := f.node.Accepted(proposer, k); len(got) != 0 {
			t.Errorf("simbeacon accepted %d %s of the protected validator: %+v", len(got), k, got)
		}
	}
}

func checkRefused(t *testing.T, rs []vc.Result, typ string, want error) {
	t.Helper()
	n := 0
	for _, r := range rs {
		if r.Type != typ {
			continue
		}
		n++
		var ce *slashing.ConflictError
		if r.OK || !errors.As(r.Err, &ce) {
			t.Errorf("%s at slot %d: OK=%v err=%v, want a slashing refusal", typ, r.Slot, r.OK, r.Err)
			continue
		}
		if want != nil && !errors.Is(r.Err, want) {
			t.Errorf("%s: refused for %v, want %v", typ, r.Err, want)
		}
	}
	if n != 1 {
		t.Errorf("%d %s results, want 1", n, typ)
	}
}
