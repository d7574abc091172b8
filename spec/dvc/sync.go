package dvc

import (
	"fmt"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/networking"
)

// serveSyncCommitteeDuty is c00dc1e spec.py serve_sync_committee_duty made
// event-driven and per slot: the instance for (slot, subcommittee) starts.
// Sync committee messages are not slashable, so no slashing DB, no queue
// and no serialisation of instances are needed; a sync committee message
// is only useful in its slot, so serving slot s stops the instances of
// earlier slots and drops their shares (amendment A10). Slots must
// increase; the slot must be in Altair or later and the subcommittee one
// the validator belongs to.
func (t *transition) serveSyncCommitteeDuty(e ServeSyncCommitteeDuty) error {
	d := e.Duty
	if d == nil {
		return fmt.Errorf("%w: nil sync committee duty", ErrMalformedEvent)
	}
	if d.Pubkey != t.cfg.Validator.Pubkey || d.ValidatorIndex != t.cfg.Validator.Index {
		return fmt.Errorf("%w: sync committee duty of validator %d", ErrWrongValidator, d.ValidatorIndex)
	}
	fork, err := t.cfg.Chain.ForkAtSlot(e.Slot)
	if err != nil || fork.Name < eth2spec.DataVersionAltair {
		return fmt.Errorf("%w: no sync committees at slot %d", ErrMalformedEvent, e.Slot)
	}
	assigned := false
	for _, i := range d.ValidatorSyncCommitteeIndices {
		if t.cfg.Chain.ChainConfig().SyncSubcommitteeIndex(i) == e.SubcommitteeIndex {
			assigned = true
		}
	}
	if !assigned {
		return fmt.Errorf("%w: validator is not in sync subcommittee %d", ErrMalformedEvent, e.SubcommitteeIndex)
	}
	y := &t.s.sync
	if y.latest != nil && e.Slot <= y.latest.validity.Slot {
		return fmt.Errorf("%w: sync committee duty at slot %d after slot %d", ErrDutyOutOfOrder, e.Slot, y.latest.validity.Slot)
	}
	t.expireSync(func(s phase0.Slot) bool { return s < e.Slot })
	inst := &syncInstance{validity: SyncCommitteeValidity{Duty: d, Slot: e.Slot, SubcommitteeIndex: e.SubcommitteeIndex}}
	y.instances[e.Slot] = inst
	y.latest = inst
	v := inst.validity
	t.emit(StartConsensus{ID: t.cfg.instanceID(consensus.DutySyncCommittee, e.Slot), SyncCommittee: &v})
	return nil
}

// syncCommitteeConsensusDecided is the post-consensus half of c00dc1e
// serve_sync_committee_duty: the decided contribution's beacon block root
// is signed (remote-signer mode: the sync committee message share is
// stored and multicast) or the contribution is cached for the VC
// (cache_sync_committee_contribution_for_vc). A value failing this node's
// predicate is not signed.
func (t *transition) syncCommitteeConsensusDecided(e SyncCommitteeConsensusDecided) error {
	if err := t.checkID(e.ID, consensus.DutySyncCommittee); err != nil {
		return err
	}
	c := e.Contribution
	if c == nil {
		return fmt.Errorf("%w: missing decided contribution", ErrMalformedEvent)
	}
	y := &t.s.sync
	inst := y.instances[e.ID.Slot]
	if inst == nil || inst.decided {
		t.ignore(IgnoredNoInstance, e.ID.Slot, "no undecided sync committee instance at slot %d", e.ID.Slot)
		return nil
	}
	if c.Slot != e.ID.Slot {
		t.ignore(IgnoredDecidedSlotMismatch, e.ID.Slot, "decided contribution for slot %d", c.Slot)
		return nil
	}
	y.instances[e.ID.Slot] = &syncInstance{validity: inst.validity, decided: true}
	if y.latest == inst {
		y.latest = y.instances[e.ID.Slot]
	}
	if err := validSyncValue(t.cfg, inst.validity, c); err != nil {
		t.ignore(IgnoredDecidedInvalid, c.Slot, "%v", err)
		return nil
	}
	switch t.cfg.Mode {
	case ModeRemoteSigner:
		in, err := t.cfg.Chain.SyncCommitteeMessage(c.Slot, c.BeaconBlockRoot)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrMalformedEvent, err)
		}
		sig, err := t.o.Signer.SignSyncCommitteeMessage(c.Slot, c.BeaconBlockRoot, in)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrSigner, err)
		}
		share := &networking.SyncCommitteeMessageShare{Slot: c.Slot, BeaconBlockRoot: c.BeaconBlockRoot, ValidatorIndex: t.cfg.Validator.Index, Signature: sig, ShareIndex: t.cfg.ShareIndex}
		t.emit(Signed{Kind: SignSyncCommitteeMessage, Slot: c.Slot, Input: in, Signature: sig})
		y.toBroadcast[c.Slot] = share
		t.broadcast(share)
	case ModeVCMiddleware:
		y.awaitingVC[c.Slot] = c
		t.emit(CacheSyncCommitteeContributionForVC{Duty: inst.validity.Duty, Contribution: c})
	}
	return nil
}

// validSyncValue is consensus.IsValidSyncCommitteeContribution plus the
// instance's subcommittee.
func validSyncValue(cfg *Config, v SyncCommitteeValidity, c *altair.SyncCommitteeContribution) error {
	if err := consensus.IsValidSyncCommitteeContribution(cfg.Chain, c, v.Duty, v.Slot); err != nil {
		return err
	}
	if c.SubcommitteeIndex != v.SubcommitteeIndex {
		return fmt.Errorf("%w: contribution for subcommittee %d, instance for %d", ErrWrongSubcommittee, c.SubcommitteeIndex, v.SubcommitteeIndex)
	}
	return nil
}

// capturedSyncCommitteeMessage is c00dc1e
// capture_threshold_signed_sync_committee_signature: the VC's sync
// committee message for the decided block root becomes this node's share.
func (t *transition) capturedSyncCommitteeMessage(m *altair.SyncCommitteeMessage) error {
	if m == nil {
		return fmt.Errorf("%w: missing sync committee message", ErrMalformedEvent)
	}
	if m.ValidatorIndex != t.cfg.Validator.Index {
		return fmt.Errorf("%w: sync committee message of validator %d", ErrWrongValidator, m.ValidatorIndex)
	}
	y := &t.s.sync
	c := y.awaitingVC[m.Slot]
	if c == nil {
		if prev := y.toBroadcast[m.Slot]; prev != nil && prev.Signature == m.Signature {
			t.ignore(IgnoredAlreadyCaptured, m.Slot, "sync committee message already captured")
			return nil
		}
		if y.latest != nil && m.Slot < y.latest.validity.Slot {
			t.ignore(IgnoredSlotCompleted, m.Slot, "the sync committee slot %d is over", m.Slot)
			return nil
		}
		return fmt.Errorf("%w: no decided contribution awaits the VC at slot %d", ErrNotDecided, m.Slot)
	}
	if c.BeaconBlockRoot != m.BeaconBlockRoot {
		return fmt.Errorf("%w: the VC signed another block root than the decided one at slot %d", ErrNotDecided, m.Slot)
	}
	share := &networking.SyncCommitteeMessageShare{Slot: m.Slot, BeaconBlockRoot: m.BeaconBlockRoot, ValidatorIndex: m.ValidatorIndex, Signature: m.Signature, ShareIndex: t.cfg.ShareIndex}
	if err := t.v.VerifyShare(share); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidShare, err)
	}
	delete(y.awaitingVC, m.Slot)
	y.toBroadcast[m.Slot] = share
	t.broadcast(share)
	return nil
}

// receivedSyncCommitteeMessageShare is c00dc1e
// threshold_signed_sync_committee_signature_combination: shares for the
// latest sync slot or later are bucketed by message; the first time a
// bucket reaches the threshold the message is constructed
// (construct_signed_sync_committee_signature, which verifies) and
// submitted (bn_submit_sync_committee_signature).
func (t *transition) receivedSyncCommitteeMessageShare(share *networking.SyncCommitteeMessageShare) error {
	y := &t.s.sync
	accept := func(s phase0.Slot) (IgnoreReason, bool) {
		if y.latest != nil && s < y.latest.validity.Slot {
			return IgnoredShareFiltered, false
		}
		return "", true
	}
	bk, slot, root, err := admitShare(t, &y.rcvd, share, accept, t.syncFields)
	if err != nil {
		return err
	}
	combineOnce(t, &y.rcvd, bk, slot, root, func(shares []*networking.SyncCommitteeMessageShare) (Output, error) {
		m, err := networking.ConstructSignedSyncCommitteeSignature(t.v, shares)
		if err != nil {
			return nil, err
		}
		return SubmitSyncCommitteeMessage{Message: m}, nil
	})
	return nil
}

// syncFields is the fieldCheck of sync committee message shares (amendment
// A22): the signature covers the block root and the epoch, not the slot
// within it, so a relay can move an honest share to another slot of the
// epoch. Once this node decided the slot's contribution it knows the one
// block root an honest share of that slot signs (QBFT agreement) and
// refuses any other.
func (t *transition) syncFields(share *networking.SyncCommitteeMessageShare) (bool, error) {
	y := &t.s.sync
	var root phase0.Root
	switch own, vc := y.toBroadcast[share.Slot], y.awaitingVC[share.Slot]; {
	case own != nil:
		root = own.BeaconBlockRoot
	case vc != nil:
		root = vc.BeaconBlockRoot
	default:
		return false, nil
	}
	if share.BeaconBlockRoot != root {
		return true, fmt.Errorf("%w: block root %#x at slot %d, decided %#x", ErrFieldsDiffer, share.BeaconBlockRoot[:4], share.Slot, root[:4])
	}
	return true, nil
}
