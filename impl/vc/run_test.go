package vc_test

import (
	"context"
	"testing"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/impl/vc"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// TestRunDoesDutiesOnTime drives Run with simbeacon's manual clock through
// one epoch and a slot, a third of a slot at a time: each step must bring
// exactly the duties simbeacon assigns to that moment (the proposal at the
// slot start, attestations and sync messages at a third), all successful.
// The waits only guard against a hang; nothing depends on how long a step
// takes.
func TestRunDoesDutiesOnTime(t *testing.T) {
	f := newFixture(t, signing.ForkSchedule{})
	results := make(chan vc.Result, 4096)
	v := f.newVC(t, vc.Config{Keys: interopKeys(t, validators), OnDuty: func(r vc.Result) { results <- r }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- v.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	spe := f.node.ChainConfig().SlotsPerEpoch
	collect := func(n int, what string) []vc.Result {
		var out []vc.Result
		for len(out) < n {
			select {
			case r := <-results:
				out = append(out, r)
			case <-time.After(60 * time.Second):
				t.Fatalf("%s: %d of %d results arrived", what, len(out), n)
			}
		}
		return out
	}
	for s := phase0.Slot(1); s <= phase0.Slot(spe+1); s++ {
		f.at(s, 0)
		for _, r := range collect(1, "proposal") {
			if r.Type != vc.DutyProposal || r.Slot != s || r.Validator != f.node.Proposer(s) || !r.OK {
				t.Errorf("slot %d start: got %+v, want proposer %d's proposal", s, r, f.node.Proposer(s))
			}
		}
		attesters := map[phase0.ValidatorIndex]bool{}
		for i := phase0.ValidatorIndex(0); i < validators; i++ {
			if f.node.AttesterDuty(i, phase0.Epoch(uint64(s)/spe)).Slot == s {
				attesters[i] = true
			}
		}
		members := map[phase0.ValidatorIndex]bool{}
		for _, m := range f.node.SyncCommittee(s) {
			members[m] = true
		}
		f.at(s, 1)
		for _, r := range collect(len(attesters)+len(members), "attestations and sync messages") {
			ok := r.OK && r.Slot == s &&
				(r.Type == vc.DutyAttestation && attesters[r.Validator] || r.Type == vc.DutySyncMessage && members[r.Validator])
			if !ok {
				t.Errorf("slot %d, a third in: unexpected %+v", s, r)
			}
		}
		if !acceptedAt(f.node, f.node.Proposer(s), simbeacon.KindBlock, s) {
			t.Errorf("slot %d: block not accepted", s)
		}
	}
	select {
	case r := <-results:
		t.Errorf("result nobody expected: %+v", r)
	default:
	}
}

// TestAttestOnHead: with Pattern.AttestOnHead the attestations and sync
// messages of a slot go out when simbeacon's head event for the slot
// arrives; the clock is never moved to a third of the slot, so nothing
// else could start them.
func TestAttestOnHead(t *testing.T) {
	f := newFixture(t, signing.ForkSchedule{})
	results := make(chan vc.Result, 4096)
	v := f.newVC(t, vc.Config{Keys: interopKeys(t, validators), Pattern: vc.Pattern{Name: "on-head", AttestOnHead: true},
		OnDuty: func(r vc.Result) { results <- r }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- v.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	for f.node.EventSubscribers() == 0 {
		select {
		case <-done:
			t.Fatal("Run returned before subscribing")
		case <-time.After(10 * time.Millisecond):
		}
	}
	spe := f.node.ChainConfig().SlotsPerEpoch
	for s := phase0.Slot(spe); s < phase0.Slot(spe+3); s++ {
		f.at(s, 0)
		want := map[string]int{vc.DutyProposal: 1}
		for i := phase0.ValidatorIndex(0); i < validators; i++ {
			if f.node.AttesterDuty(i, phase0.Epoch(uint64(s)/spe)).Slot == s {
				want[vc.DutyAttestation]++
			}
		}
		members := map[phase0.ValidatorIndex]bool{}
		for _, m := range f.node.SyncCommittee(s) {
			members[m] = true
		}
		want[vc.DutySyncMessage] = len(members)
		got := map[string]int{}
		n := 0
		for _, c := range want {
			n += c
		}
		for i := 0; i < n; i++ {
			select {
			case r := <-results:
				if !r.OK || r.Slot != s {
					t.Errorf("slot %d: %+v", s, r)
				}
				got[r.Type]++
			case <-time.After(60 * time.Second):
				t.Fatalf("slot %d: only %v of %v arrived without the clock reaching a third of the slot", s, got, want)
			}
		}
		for k, c := range want {
			if got[k] != c {
				t.Errorf("slot %d: %d %s, want %d", s, got[k], k, c)
			}
		}
	}
}
