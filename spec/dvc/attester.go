package dvc

import (
	"bytes"
	"fmt"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
)

// checkAttestationDuty checks that a duty is this validator's and well
// formed (committee geometry, a known fork at its slot).
func (t *transition) checkAttestationDuty(d *spec.AttestationDuty) error {
	if d == nil {
		return fmt.Errorf("%w: nil attestation duty", ErrMalformedEvent)
	}
	if d.Pubkey != t.cfg.Validator.Pubkey || d.ValidatorIndex != t.cfg.Validator.Index {
		return fmt.Errorf("%w: attestation duty of validator %d", ErrWrongValidator, d.ValidatorIndex)
	}
	if _, err := AggregationBits(d); err != nil {
		return err
	}
	if _, err := t.cfg.Chain.ForkAtSlot(d.Slot); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformedEvent, err)
	}
	return nil
}

// serveAttestationDuty is Dafny f_serve_attestation_duty (main), spec.py
// serve_attestation_duty: queue the duty, then f_check_for_next_queued_duty.
// The Dafny preconditions (the duty's and the queued duties' slots are not
// active instances; the DV model delivers duties in increasing slot order)
// are checked: a duty whose slot is not above the latest and every queued
// duty is ErrDutyOutOfOrder. Amendment A23: the new duty supersedes an
// undecided current duty (abandoned, its instance stopped) and the queued
// duties not decided on chain, as Dafny v2 f_terminate_current_attestation_duty
// does, so an instance that never decides cannot hold up later duties.
func (t *transition) serveAttestationDuty(d *spec.AttestationDuty) error {
	if err := t.checkAttestationDuty(d); err != nil {
		return err
	}
	a := &t.s.att
	last := a.latest
	if n := len(a.queue); n > 0 {
		last = a.queue[n-1]
	}
	if last != nil && d.Slot <= last.Slot {
		return fmt.Errorf("%w: attestation duty at slot %d after slot %d", ErrDutyOutOfOrder, d.Slot, last.Slot)
	}
	if _, ok := a.instances[d.Slot]; ok {
		return fmt.Errorf("%w: slot %d already has an instance", ErrDutyOutOfOrder, d.Slot)
	}
	// Amendment A23: the later duty supersedes the undecided current one
	// and every queued one (a queued duty decided on chain is still skipped
	// into the DB below).
	if a.current != nil {
		t.abandonAttestationDuty("superseded by the attestation duty at slot %d", d.Slot)
	}
	var queue []*spec.AttestationDuty
	for _, q := range a.queue {
		if _, decided := a.futureDecided[q.Slot]; decided {
			queue = append(queue, q)
			continue
		}
		t.ignore(IgnoredDutyAbandoned, q.Slot, "superseded by the attestation duty at slot %d", d.Slot)
	}
	a.queue = append(queue, d)
	t.checkForNextQueuedDuty()
	return nil
}

// checkForNextQueuedDuty is Dafny f_check_for_next_queued_duty: while the
// queue's head was already decided on chain, or no duty is current, pop the
// head; a decided head is skipped (its decision goes into the slashing DB,
// which re-binds every active predicate), otherwise it is started.
func (t *transition) checkForNextQueuedDuty() {
	a := &t.s.att
	for len(a.queue) > 0 {
		head := a.queue[0]
		if data, ok := a.futureDecided[head.Slot]; ok {
			a.queue = a.queue[1:]
			delete(a.futureDecided, head.Slot)
			t.addAttestationToDB(data)
			continue
		}
		if a.current != nil {
			return
		}
		a.queue = a.queue[1:]
		t.startNextAttestationDuty(head)
		return
	}
}

// startNextAttestationDuty is Dafny f_start_next_duty: the duty becomes
// current and latest and its consensus instance starts.
func (t *transition) startNextAttestationDuty(d *spec.AttestationDuty) {
	a := &t.s.att
	a.current, a.latest = d, d
	a.instances[d.Slot] = d
	t.emit(StartConsensus{ID: t.cfg.instanceID(consensus.DutyAttester, d.Slot), Attester: d})
}

// addAttestationToDB is Dafny f_update_attestation_slashing_db followed by
// updateConsensusInstanceValidityCheck, with the real EIP-3076 signing
// root (spec.UpdateAttestationSlashingDB). A refusal (the DB holds a
// conflicting record, which the model rules out) is recorded as Ignored.
func (t *transition) addAttestationToDB(data *phase0.AttestationData) bool {
	in, err := t.cfg.Chain.AttestationData(data)
	if err == nil {
		err = spec.UpdateAttestationSlashingDB(t.db(), data, in.SigningRoot, t.cfg.Validator.Pubkey)
	}
	if err != nil {
		t.ignore(IgnoredSlashingDBRefused, data.Slot, "%v", err)
		return false
	}
	t.refreshAtt = true
	return true
}

func checkData(d *phase0.AttestationData) error {
	if d == nil || d.Source == nil || d.Target == nil {
		return fmt.Errorf("%w: attestation data without checkpoints", ErrMalformedEvent)
	}
	return nil
}

// attestationConsensusDecided is Dafny f_att_consensus_decided and the
// post-consensus half of spec.py serve_attestation_duty: a decision for the
// current duty goes into the slashing DB and is signed (remote-signer:
// rs_sign_attestation, the share is stored for resending and multicast to
// every peer) or cached for the VC (VC-middleware:
// cache_attestation_data_for_vc); then the duty stops being current and the
// next queued duty may start. The instance stays active until a block shows
// the attestation included. Amendments: the decided value's slot must be
// the instance's (Dafny v2), and the value must pass this node's own
// validity predicate (spec.py asserts consensus_is_valid_attestation_data)
// or it is not signed.
func (t *transition) attestationConsensusDecided(e AttestationConsensusDecided) error {
	if err := t.checkID(e.ID, consensus.DutyAttester); err != nil {
		return err
	}
	if err := checkData(e.Data); err != nil {
		return err
	}
	a := &t.s.att
	if a.current == nil || a.current.Slot != e.ID.Slot {
		t.ignore(IgnoredNotCurrent, e.ID.Slot, "no current attestation duty at slot %d", e.ID.Slot)
		return nil
	}
	if e.Data.Slot != e.ID.Slot {
		t.ignore(IgnoredDecidedSlotMismatch, e.ID.Slot, "decided data for slot %d", e.Data.Slot)
		return nil
	}
	duty := a.current
	if err := consensus.IsValidAttestationData(t.s.db, t.cfg.Chain, e.Data, duty); err != nil {
		t.ignore(IgnoredDecidedInvalid, duty.Slot, "%v", err)
		a.current = nil
		t.checkForNextQueuedDuty()
		return nil
	}
	in, err := t.cfg.Chain.AttestationData(e.Data)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMalformedEvent, err)
	}
	if !t.addAttestationToDB(e.Data) {
		a.current = nil
		t.checkForNextQueuedDuty()
		return nil
	}
	switch t.cfg.Mode {
	case ModeRemoteSigner:
		sig, err := t.o.Signer.SignAttestation(e.Data, in)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrSigner, err)
		}
		share, err := ownAttestationShare(t.cfg, duty, e.Data, sig)
		if err != nil {
			return err
		}
		t.emit(Signed{Kind: SignAttestation, Slot: duty.Slot, Input: in, Signature: sig})
		a.toBroadcast[duty.Slot] = share
		t.broadcast(share)
	case ModeVCMiddleware:
		a.awaitingVC[duty.Slot] = &PendingAttestation{Duty: duty, Data: e.Data}
		t.emit(CacheAttestationDataForVC{Duty: duty, Data: e.Data})
	}
	a.current = nil
	t.checkForNextQueuedDuty()
	return nil
}

// ownAttestationShare builds this node's attestation share for a duty.
func ownAttestationShare(cfg *Config, duty *spec.AttestationDuty, data *phase0.AttestationData, sig phase0.BLSSignature) (*networking.AttestationShare, error) {
	bits, err := AggregationBits(duty)
	if err != nil {
		return nil, err
	}
	return &networking.AttestationShare{
		Data:            data,
		AggregationBits: bits,
		CommitteeIndex:  duty.CommitteeIndex,
		ValidatorIndex:  duty.ValidatorIndex,
		Signature:       sig,
		ShareIndex:      cfg.ShareIndex,
	}, nil
}

// capturedAttestation is c00dc1e capture_threshold_signed_attestation: the
// VC's attestation, signed with its key share, for the data this DVC
// decided and cached, becomes this node's share: it is verified against
// the node's public share, stored for resending and multicast.
func (t *transition) capturedAttestation(att *networking.SignedAttestation) error {
	data := att.Data()
	if err := checkData(data); err != nil {
		return err
	}
	a := &t.s.att
	p := a.awaitingVC[data.Slot]
	if p == nil {
		if prev := a.toBroadcast[data.Slot]; prev != nil && prev.Signature == att.Signature() {
			t.ignore(IgnoredAlreadyCaptured, data.Slot, "attestation already captured")
			return nil
		}
		if _, running := a.instances[data.Slot]; a.completed[data.Slot] || (!running && a.latest != nil && data.Slot <= a.latest.Slot) {
			t.ignore(IgnoredSlotCompleted, data.Slot, "the attestation of slot %d is already on chain", data.Slot)
			return nil
		}
		return fmt.Errorf("%w: no decided attestation data awaits the VC at slot %d", ErrNotDecided, data.Slot)
	}
	if !sameData(p.Data, data) {
		return fmt.Errorf("%w: the VC signed other attestation data than the decided one at slot %d", ErrNotDecided, data.Slot)
	}
	share, err := ownAttestationShare(t.cfg, p.Duty, p.Data, att.Signature())
	if err != nil {
		return err
	}
	switch {
	case att.Electra != nil:
		if att.Electra.CommitteeIndex != p.Duty.CommitteeIndex || att.Electra.AttesterIndex != p.Duty.ValidatorIndex {
			return fmt.Errorf("%w: VC attestation for committee %d, attester %d", ErrMalformedEvent, att.Electra.CommitteeIndex, att.Electra.AttesterIndex)
		}
	case att.Phase0 != nil:
		if string(att.Phase0.AggregationBits) != string(share.AggregationBits) {
			return fmt.Errorf("%w: VC attestation aggregation bits differ from the duty's", ErrMalformedEvent)
		}
	}
	if err := t.v.VerifyShare(share); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidShare, err)
	}
	delete(a.awaitingVC, data.Slot)
	a.toBroadcast[data.Slot] = share
	t.broadcast(share)
	return nil
}

func sameData(x, y *phase0.AttestationData) bool {
	rx, err1 := x.HashTreeRoot()
	ry, err2 := y.HashTreeRoot()
	return err1 == nil && err2 == nil && rx == ry
}

// receivedAttestationShare is Dafny f_listen_for_attestation_shares with
// spec.py attestation_combination: a share that passes the checks of
// admitShare joins its (slot, message) bucket; the first time a bucket holds
// the threshold of shares, they are combined (construct_signed_attestation,
// which verifies) and the attestation is submitted (bn_submit_attestation).
func (t *transition) receivedAttestationShare(share *networking.AttestationShare) error {
	a := &t.s.att
	accept := func(s phase0.Slot) (IgnoreReason, bool) {
		var cur, lat *phase0.Slot
		if a.current != nil {
			cur = &a.current.Slot
		}
		if a.latest != nil {
			lat = &a.latest.Slot
		}
		if !dafnyShareFilter(a.instances, cur, lat, s) {
			return IgnoredShareFiltered, false
		}
		if a.completed[s] {
			return IgnoredSlotCompleted, false
		}
		return "", true
	}
	bk, slot, root, err := admitShare(t, &a.rcvd, share, accept, t.attestationFields)
	if err != nil {
		return err
	}
	combineOnce(t, &a.rcvd, bk, slot, root, func(shares []*networking.AttestationShare) (Output, error) {
		att, err := networking.ConstructSignedAttestation(t.v, shares)
		if err != nil {
			return nil, err
		}
		return SubmitAttestation{Attestation: att}, nil
	})
	return nil
}

// attestationFields is the fieldCheck of attestation shares (amendment
// A22): the signature covers the attestation data only, not the
// aggregation bits, the committee index (from Electra, where data.index is
// 0) or the validator index, so a relay can alter them in a copy of an
// honest share. Once this node was served the duty of the share's slot, it
// knows all three and refuses a share with others.
func (t *transition) attestationFields(share *networking.AttestationShare) (bool, error) {
	d := t.s.att.dutyAt(share.Data.Slot)
	if d == nil {
		return false, nil
	}
	bits, err := AggregationBits(d)
	if err != nil {
		return false, nil // a served duty was checked; unreachable
	}
	switch {
	case !bytes.Equal(share.AggregationBits, bits):
		return true, fmt.Errorf("%w: aggregation bits %#x, the duty's are %#x", ErrFieldsDiffer, []byte(share.AggregationBits), []byte(bits))
	case share.CommitteeIndex != d.CommitteeIndex:
		return true, fmt.Errorf("%w: committee index %d, the duty's is %d", ErrFieldsDiffer, share.CommitteeIndex, d.CommitteeIndex)
	case share.ValidatorIndex != d.ValidatorIndex:
		return true, fmt.Errorf("%w: validator index %d, the duty's is %d", ErrFieldsDiffer, share.ValidatorIndex, d.ValidatorIndex)
	}
	return true, nil
}

// dutyAt returns the served attestation duty of slot (running or queued),
// or nil.
func (a *attesterState) dutyAt(slot phase0.Slot) *spec.AttestationDuty {
	if d := a.instances[slot]; d != nil {
		return d
	}
	for _, d := range a.queue {
		if d.Slot == slot {
			return d
		}
	}
	return nil
}
