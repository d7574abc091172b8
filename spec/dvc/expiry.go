package dvc

import (
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/spec"
)

// AttestationLastSlot is the last slot at which an attestation of slot s
// can still be included on chain (amendment A23, this spec, from
// consensus-specs process_attestation): s + SLOTS_PER_EPOCH before Deneb;
// from Deneb (EIP-7045) the last slot of the epoch after s's. A slot
// without a fork is treated as before Deneb (the shorter window).
func (c *Config) AttestationLastSlot(s phase0.Slot) phase0.Slot {
	spe := phase0.Slot(c.Chain.SlotsPerEpoch)
	if f, err := c.Chain.ForkAtSlot(s); err == nil && f.Name >= eth2spec.DataVersionDeneb {
		return (s/spe+2)*spe - 1
	}
	return s + spe
}

// newSlot is the NewSlot event (amendment A23): everything whose value can
// no longer be included at slot now expires. Attestations: an undecided
// current duty is abandoned, expired queued duties are dropped (a queued
// duty decided on chain is still skipped into the DB), expired instances
// (decided ones waiting for a block included) stop, their shares go;
// then the next queued duty may start. Blocks and sync committee messages:
// everything of a slot before now - 1.
func (t *transition) newSlot(now phase0.Slot) {
	attExpired := func(s phase0.Slot) bool { return t.cfg.AttestationLastSlot(s) < now }
	// A block of slot s published late can still become the chain's if
	// the proposer of s + 1 builds on it (or s + 1 is empty); a sync
	// committee message of slot s goes into the block of s + 1 (its
	// SyncAggregate signs the root of s). Both are useful until s + 1 ends.
	nextSlotOver := func(s phase0.Slot) bool { return s+1 < now }

	a := &t.s.att
	if a.current != nil && attExpired(a.current.Slot) {
		t.abandonAttestationDuty("its attestation can no longer be included at slot %d", now)
	}
	var queue []*spec.AttestationDuty
	for _, d := range a.queue {
		if _, decided := a.futureDecided[d.Slot]; attExpired(d.Slot) && !decided {
			t.ignore(IgnoredDutyAbandoned, d.Slot, "queued attestation duty expired at slot %d", now)
			continue
		}
		queue = append(queue, d)
	}
	a.queue = queue
	stopInstances(t, consensus.DutyAttester, a.instances, attExpired)
	a.rcvd.drop(attExpired)
	deleteSlots(a.toBroadcast, attExpired)
	deleteSlots(a.awaitingVC, attExpired)
	t.checkForNextQueuedDuty()

	p := &t.s.prop
	if p.current != nil && nextSlotOver(p.current.Slot) {
		t.ignore(IgnoredDutyAbandoned, p.current.Slot, "the proposal can no longer be included at slot %d", now)
		p.current = nil
	}
	stopInstances(t, consensus.DutyProposer, p.instances, nextSlotOver)
	p.rcvdRandao.drop(nextSlotOver)
	p.rcvdBlocks.drop(nextSlotOver)
	deleteSlots(p.randaoToBroadcast, nextSlotOver)
	deleteSlots(p.blockToBroadcast, nextSlotOver)
	deleteSlots(p.awaitingVC, nextSlotOver)

	t.expireSync(nextSlotOver)
}

// abandonAttestationDuty ends the undecided current attester duty without
// a signature (amendment A23): its instance stops.
func (t *transition) abandonAttestationDuty(why string, args ...any) {
	a := &t.s.att
	d := a.current
	a.current = nil
	delete(a.instances, d.Slot)
	t.emit(StopConsensus{IDs: []consensus.InstanceID{t.cfg.instanceID(consensus.DutyAttester, d.Slot)}})
	t.ignore(IgnoredDutyAbandoned, d.Slot, why, args...)
}

// stopInstances stops and forgets the instances of slots expired says.
func stopInstances[V any](t *transition, d consensus.DutyType, instances map[phase0.Slot]V, expired func(phase0.Slot) bool) {
	var ids []consensus.InstanceID
	for _, s := range sortedKeys(instances) {
		if expired(s) {
			ids = append(ids, t.cfg.instanceID(d, s))
			delete(instances, s)
		}
	}
	if len(ids) > 0 {
		t.emit(StopConsensus{IDs: ids})
	}
}

// expireSync stops the sync committee instances of slots expired says and
// drops their state (amendment A10: a message is only useful in its slot).
func (t *transition) expireSync(expired func(phase0.Slot) bool) {
	y := &t.s.sync
	stopInstances(t, consensus.DutySyncCommittee, y.instances, expired)
	y.rcvd.drop(expired)
	deleteSlots(y.toBroadcast, expired)
	deleteSlots(y.awaitingVC, expired)
}

func deleteSlots[V any](m map[phase0.Slot]V, expired func(phase0.Slot) bool) {
	for s := range m {
		if expired(s) {
			delete(m, s)
		}
	}
}
