package node

import (
	"context"
	"slices"
	"testing"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/consensus/qbft"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/dvc/slotcons"
)

// In per-slot mode a validator's attester instance is batched: the node
// runs the slot instance, not the per-validator one; the slot's decision
// reaches the validator's state machine as its own decided event; a
// message for a slot instance is taken only in that mode and only with
// the zero validator key.
func TestPerSlotConsensusBatchesAndFansOut(t *testing.T) {
	fx := newLoopFixture(t, &scriptedSigner{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fx.n.ctx = ctx
	sid, _ := slotcons.SlotInstanceID(fx.n.cluster, consensus.DutyAttester, 40)
	if _, _, ok := fx.n.qbftTarget(sid); ok {
		t.Fatal("a per-validator node takes slot instance messages")
	}
	fx.n.slots = newSlotState(fx.n.cluster, fx.n)
	if _, dt, ok := fx.n.qbftTarget(sid); !ok || dt != consensus.DutyAttester {
		t.Fatalf("slot instance message: ok %v lane %s", ok, dt)
	}
	bad := sid
	bad.Validator = fx.v.pubkey
	if _, _, ok := fx.n.qbftTarget(bad); ok {
		t.Fatal("a slot instance with a validator key is taken")
	}

	fx.n.deliver(fx.v, dvc.ServeAttestationDuty{Duty: fx.attDuty(40)})
	own := consensus.InstanceID{Cluster: fx.n.cluster, Validator: fx.v.pubkey, DutyType: uint64(consensus.DutyAttester), Slot: 40}
	if fx.n.qbft.Active(own) || !fx.n.qbft.Active(sid) {
		t.Fatalf("per-validator instance active %v, slot instance active %v", fx.n.qbft.Active(own), fx.n.qbft.Active(sid))
	}
	data := fx.attData(40)
	data.Target.Epoch = 1 // slot 40 is in epoch 1
	value, err := slotcons.EncodeAttesterSlotValue(data)
	if err != nil {
		t.Fatal(err)
	}
	fx.n.decided(qbft.Decide{Instance: sid, Value: value}, fx.n.dutyOrigin(own))
	for len(fx.n.local) > 0 {
		f := fx.n.local[0]
		fx.n.local = fx.n.local[1:]
		f()
	}
	// The step waits for its signature (node.go), or has run.
	ev, waiting := fx.v.blocked.(dvc.AttestationConsensusDecided)
	if !slices.Contains(fx.log.names(), "attestation_consensus_decided@40") && (!waiting || ev.ID != own || ev.Data.Index != 0) {
		t.Fatalf("the validator's machine got no decision: stepped %v, waiting %v", fx.log.names(), fx.v.blocked)
	}
	if d := fx.n.slots.b.Decided(sid); d == nil {
		t.Fatal("the slot instance is not recorded as decided")
	}
	// Its state machine stops the instance when the slot expires; the
	// slot instance, now without members, stops too.
	fx.n.slotStop([]consensus.InstanceID{own})
	if fx.n.qbft.Active(sid) || fx.n.slots.b.Members(sid) != nil {
		t.Fatal("the emptied slot instance still runs")
	}
}
