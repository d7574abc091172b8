package node

import (
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec"
)

// TestPrepareSyncOnlyWhenKeepingUp: a contribution duty is served at its
// slot's start unless a sync committee message of the previous slot is
// still on its way (the node is behind); it is then left to the sync
// committee duty, served at its message's submission; a duty served early
// is not served again by its sync committee duty.
func TestPrepareSyncOnlyWhenKeepingUp(t *testing.T) {
	fx := newLoopFixture(t, &scriptedSigner{})
	fx.n.agg = newAggRunner(fx.n.bls, 0)
	settle := fx.startLoop(t)
	d := &spec.SyncCommitteeDuty{Pubkey: fx.v.pubkey, ValidatorIndex: fx.v.index, ValidatorSyncCommitteeIndices: []uint64{3}}
	state := func(slot phase0.Slot) (early, pending bool) {
		fx.n.post(func() {
			k := aggDutyKey{fx.v.index, slot}
			early, pending = fx.n.agg.syncServed[k], fx.n.agg.pendingSync[k] != nil
		})
		settle()
		return early, pending
	}
	// Slot 4's message is served and not yet submitted when slot 5 starts.
	fx.n.post(func() { fx.n.aggServeSync(fx.v, d, 4) })
	fx.n.post(func() { fx.n.aggPrepareSync(fx.v, d, 5) })
	if early, _ := state(5); early {
		t.Fatal("served at the slot's start while the previous slot's message was on its way")
	}
	fx.n.post(func() { fx.n.aggServeSync(fx.v, d, 5) })
	if early, pending := state(5); early || !pending {
		t.Fatalf("slot 5: early %v, waiting for its message %v; want the submission path", early, pending)
	}
	// Both messages submitted: slot 6 is served at its start, and its sync
	// committee duty does not serve it again.
	fx.n.post(func() {
		fx.n.aggSyncSubmitted(fx.v, 4, phase0.Root{4})
		fx.n.aggSyncSubmitted(fx.v, 5, phase0.Root{5})
	})
	fx.n.post(func() { fx.n.aggPrepareSync(fx.v, d, 6) })
	if early, _ := state(6); !early {
		t.Fatal("not served at the slot's start though the node kept up")
	}
	fx.n.post(func() { fx.n.aggServeSync(fx.v, d, 6) })
	if _, pending := state(6); pending {
		t.Fatal("served early and held for its message as well")
	}
	var open int
	fx.n.post(func() { open = len(fx.n.agg.syncOpenAt) })
	settle()
	if open != 1 { // slot 6's message, not yet submitted
		t.Fatalf("%d slots with open messages, want 1", open)
	}
}
