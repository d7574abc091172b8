package node

import (
	"errors"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/consensus/qbft"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/dvc/slotcons"
)

// Consensus per slot (SPEC.md amendment A25, Config.ConsensusPerSlot):
// the attester and sync committee instances the validators' state machines
// start are batched by spec/dvc/slotcons into one QBFT instance per slot
// and duty kind; its decision reaches each state machine as that
// validator's own decided event. Proposals and aggregations keep their
// per-validator instances (outputs.go, aggregation.go).

// slotState is the node's batcher (nil: per-validator consensus).
type slotState struct {
	b *slotcons.Batcher
	// origin of each running slot instance (decision latency metric).
	origin map[consensus.InstanceID]time.Time
}

func newSlotState(cluster phase0.Root, n *Node) *slotState {
	return &slotState{b: slotcons.New(cluster, n.cfg.Chain), origin: map[consensus.InstanceID]time.Time{}}
}

// memberType is the per-validator duty type a slot duty type batches.
func memberType(d consensus.DutyType) (consensus.DutyType, bool) {
	switch d {
	case consensus.DutySlotAttester:
		return consensus.DutyAttester, true
	case consensus.DutySlotSyncCommittee:
		return consensus.DutySyncCommittee, true
	}
	return d, false
}

// qbftTarget is what an incoming QBFT message's instance means to this
// node: the config whose expiry rule applies, the duty type of its lane
// and expiry, and false when the node has no such instance kind.
func (n *Node) qbftTarget(id consensus.InstanceID) (*dvc.Config, consensus.DutyType, bool) {
	dt := consensus.DutyType(id.DutyType)
	if mt, slot := memberType(dt); slot {
		// The instance is the cluster's; the expiry rule depends on the
		// chain only, the same in every validator's config.
		if n.slots == nil || len(n.list) == 0 || id.Validator != (phase0.BLSPubKey{}) {
			return nil, dt, false
		}
		return n.list[0].cfg, mt, true
	}
	v, ok := n.vals[id.Validator]
	if !ok {
		return nil, dt, false
	}
	return v.cfg, dt, true
}

// slotStart batches a StartConsensus into its slot instance, starting the
// instance and asking the beacon node for this node's candidate when it
// is new. It returns false for an instance that is not batched.
func (n *Node) slotStart(v *validator, o dvc.StartConsensus) bool {
	if n.slots == nil {
		return false
	}
	typ := consensus.DutyType(o.ID.DutyType)
	if _, ok := slotcons.SlotDutyType(typ); !ok {
		return false
	}
	added, err := n.slots.b.Add(o)
	if err != nil {
		n.log.Warn("batching a consensus instance failed", "instance", o.ID, "err", err)
		return true
	}
	n.tracker.stage(typ, v.index, o.ID.Slot, stageConsensus)
	n.slotDeliver(typ, o.ID.Slot, added.Deliver)
	if !added.Start {
		return true
	}
	sid := added.Slot
	origin := n.dutyOrigin(o.ID)
	if err := n.qbft.Start(sid, n.slots.b.Validity(sid, n.slotPredicate), origin); err != nil {
		n.log.Warn("starting the slot consensus failed", "instance", sid, "err", err)
		return true
	}
	n.slots.origin[sid] = origin
	n.fetchSlotValue(sid, typ)
	return true
}

// slotPredicate is each member's own predicate against its latest state.
func (n *Node) slotPredicate(id consensus.InstanceID) func([]byte) error {
	v := n.vals[id.Validator]
	if v == nil {
		return nil
	}
	return dvc.ValidityFor(v.cfg, v.st, id)
}

// fetchSlotValue obtains this node's candidate slot value from the beacon
// node (the slot's attestation data, shared with every other request for
// it), screens it against the members' predicates and gives it to the
// instance.
func (n *Node) fetchSlotValue(sid consensus.InstanceID, typ consensus.DutyType) {
	n.attestationData(attKey{sid.Slot, 0}, func(data *phase0.AttestationData, err error) {
		var value []byte
		if err == nil {
			if typ == consensus.DutyAttester {
				value, err = slotcons.EncodeAttesterSlotValue(data)
			} else {
				value = slotcons.EncodeSyncSlotValue(data.BeaconBlockRoot)
			}
		}
		members := n.slots.b.Members(sid)
		for _, m := range members {
			if v := n.vals[m.Start.ID.Validator]; v != nil {
				n.tracker.ownValue(typ, v.index, sid.Slot, err)
			}
		}
		if err != nil {
			n.cfg.Metrics.BNError(typ.String() + "_value")
			n.log.Warn("no own value for the slot consensus", "instance", sid, "err", err)
			return
		}
		excluded, err := n.slots.b.Screen(sid, value, n.slotPredicate)
		if err != nil {
			if !errors.Is(err, slotcons.ErrNoBatch) {
				n.log.Warn("the beacon node's slot value fails the slot-wide rules", "instance", sid, "err", err)
			}
			return
		}
		for _, pk := range excluded {
			if v := n.vals[pk]; v != nil {
				n.tracker.ownValueInvalid(typ, v.index, sid.Slot, errors.New("the validator's own predicate refuses the beacon node's slot value"))
				n.log.Warn("validator left out of the slot predicate: its own predicate refuses the beacon node's value", "validator", v.index, "instance", sid)
			}
		}
		if err := n.qbft.SetOwnValue(sid, value); err != nil && !errors.Is(err, errStale) {
			n.log.Debug("own slot value not taken", "instance", sid, "err", err)
		}
	})
}

// slotDecided fans a slot instance's decision out to its members' state
// machines (false: not a slot instance).
func (n *Node) slotDecided(d qbft.Decide) bool {
	mt, ok := memberType(consensus.DutyType(d.Instance.DutyType))
	if !ok || n.slots == nil {
		return false
	}
	out, err := n.slots.b.Decide(d.Instance, d.Value)
	if err != nil {
		n.log.Error("slot decision not handed out", "instance", d.Instance, "err", err)
		return true
	}
	if origin, ok := n.slots.origin[d.Instance]; ok {
		n.cfg.Metrics.Decided(consensus.DutyType(d.Instance.DutyType).String(), n.now().Sub(origin), d.Round)
	}
	n.slotDeliver(mt, d.Instance.Slot, out)
	return true
}

func (n *Node) slotDeliver(typ consensus.DutyType, slot phase0.Slot, out []slotcons.Delivery) {
	for _, dl := range out {
		v := n.vals[dl.Validator]
		if v == nil {
			continue
		}
		n.tracker.stage(typ, v.index, slot, stageDecided)
		ev := dl.Event
		if typ == consensus.DutySyncCommittee {
			n.later(func() { n.afterAttestations(slot, func() { n.deliver(v, ev) }) })
			continue
		}
		n.later(func() { n.deliver(v, ev) })
	}
}

// slotStop takes stopped per-validator instances out of their slot
// instances and stops the slot instances left without members.
func (n *Node) slotStop(ids []consensus.InstanceID) {
	if n.slots == nil {
		return
	}
	for _, sid := range n.slots.b.Remove(ids...) {
		n.qbft.Stop(sid)
		delete(n.slots.origin, sid)
	}
}

// slotPrune forgets the slot instances of slots before slot.
func (n *Node) slotPrune(slot phase0.Slot) {
	if n.slots == nil {
		return
	}
	for _, sid := range n.slots.b.Prune(slot) {
		delete(n.slots.origin, sid)
	}
}
