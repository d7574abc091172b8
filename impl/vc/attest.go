package vc

import (
	"context"
	"errors"
	"fmt"

	"github.com/OffchainLabs/go-bitfield"
	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/beaconclient"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/slashing"
	"github.com/dvspec/go-dvspec/spec/versioned"
)

// slotAttestations is what the client signed in a slot, kept for the
// aggregation step of the same slot.
type slotAttestations struct {
	// data by committee index: what the client attested to.
	data map[phase0.CommitteeIndex]*phase0.AttestationData
	// syncRoot is the head root the sync committee messages signed.
	syncRoot *phase0.Root
}

// Attest performs the attestations and sync committee messages of slot
// without waiting (Run calls it at a third of the slot).
func (v *VC) Attest(ctx context.Context, slot phase0.Slot) []Result {
	if !v.ready() {
		return nil
	}
	var out []Result
	out = append(out, v.attest(ctx, slot)...)
	out = append(out, v.syncMessages(ctx, slot)...)
	v.prepare(ctx, slot)
	return v.report(out)
}

func (v *VC) attest(ctx context.Context, slot phase0.Slot) []Result {
	epoch := v.epochOf(slot)
	d, err := v.dutiesOf(ctx, epoch)
	if err != nil {
		v.log.Warn("no attester duties", "slot", slot, "err", err)
		return nil
	}
	var duties []*apiv1.AttesterDuty
	for _, a := range d.attester {
		if a.Slot == slot {
			duties = append(duties, a)
		}
	}
	if len(duties) == 0 {
		return nil
	}
	fail := func(a *apiv1.AttesterDuty, err error) Result {
		return Result{Type: DutyAttestation, Validator: a.ValidatorIndex, PubKey: a.PubKey, Slot: slot, Err: err}
	}
	version := v.forkAt(slot)
	perCommittee := version < eth2spec.DataVersionElectra || v.pattern.AttestationDataPerCommittee
	data := map[phase0.CommitteeIndex]*phase0.AttestationData{}
	dataErr := map[phase0.CommitteeIndex]error{}
	var shared *phase0.AttestationData
	var sharedErr error
	var out []Result
	var atts []*eth2spec.VersionedAttestation
	var owners []*apiv1.AttesterDuty
	for _, a := range duties {
		var ad *phase0.AttestationData
		if perCommittee {
			if _, asked := data[a.CommitteeIndex]; !asked && dataErr[a.CommitteeIndex] == nil {
				ad, err := v.bn.ProduceAttestationData(ctx, slot, a.CommitteeIndex)
				if err == nil {
					err = badAnswer(checkData(ad, slot, a.CommitteeIndex, version, v.epochOf(slot)))
				}
				if err != nil {
					dataErr[a.CommitteeIndex] = err
				} else {
					data[a.CommitteeIndex] = ad
				}
			}
			if err := dataErr[a.CommitteeIndex]; err != nil {
				out = append(out, fail(a, err))
				continue
			}
			ad = data[a.CommitteeIndex]
		} else {
			if shared == nil && sharedErr == nil {
				shared, sharedErr = v.bn.ProduceAttestationData(ctx, slot, a.CommitteeIndex)
				if sharedErr == nil {
					sharedErr = badAnswer(checkData(shared, slot, a.CommitteeIndex, version, v.epochOf(slot)))
				}
			}
			if sharedErr != nil {
				out = append(out, fail(a, sharedErr))
				continue
			}
			ad = shared
			data[a.CommitteeIndex] = shared
		}
		att, err := v.signAttestation(a, ad, version)
		if err != nil {
			out = append(out, fail(a, err))
			continue
		}
		atts = append(atts, att)
		owners = append(owners, a)
	}
	v.mu.Lock()
	sa := v.attested[slot]
	if sa == nil {
		sa = &slotAttestations{}
		v.attested[slot] = sa
	}
	sa.data = data
	v.mu.Unlock()
	for _, b := range batches(len(atts), v.pattern.SubmitBatch) {
		err := v.bn.SubmitAttestations(ctx, atts[b[0]:b[1]])
		failed := itemFailures(err, b[1]-b[0])
		for i := b[0]; i < b[1]; i++ {
			r := Result{Type: DutyAttestation, Validator: owners[i].ValidatorIndex, PubKey: owners[i].PubKey, Slot: slot, OK: true}
			if e, bad := failed[i-b[0]]; bad {
				r.OK, r.Err = false, e
			}
			out = append(out, r)
		}
	}
	return out
}

// checkData refuses attestation data that cannot be the slot's: an honest
// client signs nothing a beacon node got wrong.
func checkData(ad *phase0.AttestationData, slot phase0.Slot, index phase0.CommitteeIndex, version eth2spec.DataVersion, epoch phase0.Epoch) error {
	switch {
	case ad == nil || ad.Source == nil || ad.Target == nil:
		return errors.New("attestation data: incomplete")
	case ad.Slot != slot:
		return fmt.Errorf("attestation data: slot %d, asked for %d", ad.Slot, slot)
	case ad.Target.Epoch != epoch:
		return fmt.Errorf("attestation data: target epoch %d in epoch %d", ad.Target.Epoch, epoch)
	case ad.Source.Epoch > ad.Target.Epoch:
		return fmt.Errorf("attestation data: source epoch %d after target epoch %d", ad.Source.Epoch, ad.Target.Epoch)
	case version >= eth2spec.DataVersionElectra && ad.Index != 0:
		return fmt.Errorf("attestation data: index %d, Electra requires 0", ad.Index)
	case version < eth2spec.DataVersionElectra && ad.Index != index:
		return fmt.Errorf("attestation data: committee %d, asked for %d", ad.Index, index)
	}
	return nil
}

// signAttestation records the attestation in the slashing store, then
// signs it: nothing is signed that the store refused.
func (v *VC) signAttestation(a *apiv1.AttesterDuty, ad *phase0.AttestationData, version eth2spec.DataVersion) (*eth2spec.VersionedAttestation, error) {
	k := v.keyOf(a.ValidatorIndex)
	if k == nil {
		return nil, fmt.Errorf("no key for validator %d", a.ValidatorIndex)
	}
	if a.ValidatorCommitteeIndex >= a.CommitteeLength || a.CommitteeLength > v.config.MaxValidatorsPerCommittee {
		return nil, fmt.Errorf("duty: position %d in a committee of %d (at most %d)", a.ValidatorCommitteeIndex, a.CommitteeLength, v.config.MaxValidatorsPerCommittee)
	}
	in, err := v.chain.AttestationData(ad)
	if err != nil {
		return nil, err
	}
	root := in.SigningRoot
	if err := v.cfg.Slashing.RecordAttestation(k.pub, &slashing.SlashingDBAttestation{SourceEpoch: ad.Source.Epoch, TargetEpoch: ad.Target.Epoch, SigningRoot: &root}); err != nil {
		return nil, fmt.Errorf("slashing protection: %w", err)
	}
	sig, err := bls.Sign(k.sk, root[:])
	if err != nil {
		return nil, err
	}
	return attestationOf(version, a, ad, sig, v.config.MaxCommitteesPerSlot)
}

// attestationOf is the attestation of version that duty a signs with sig:
// phase0's container before Electra; from it electra's, with the committee
// bit and the attester's index (a SingleAttestation is made of them when
// submitted). spec/versioned puts it in the version's field.
func attestationOf(version eth2spec.DataVersion, a *apiv1.AttesterDuty, ad *phase0.AttestationData, sig phase0.BLSSignature, maxCommittees uint64) (*eth2spec.VersionedAttestation, error) {
	bits := bitfield.NewBitlist(a.CommitteeLength)
	bits.SetBitAt(a.ValidatorCommitteeIndex, true)
	out := &eth2spec.VersionedAttestation{Version: version}
	var att versioned.Container = &phase0.Attestation{AggregationBits: bits, Data: ad, Signature: sig}
	if version >= eth2spec.DataVersionElectra {
		if uint64(a.CommitteeIndex) >= maxCommittees {
			return nil, fmt.Errorf("duty: committee %d of at most %d", a.CommitteeIndex, maxCommittees)
		}
		cb := make(bitfield.Bitvector64, (maxCommittees+7)/8)
		cb[a.CommitteeIndex/8] |= 1 << (a.CommitteeIndex % 8)
		vi := a.ValidatorIndex
		out.ValidatorIndex = &vi
		att = &electra.Attestation{AggregationBits: bits, Data: ad, Signature: sig, CommitteeBits: cb}
	}
	if err := versioned.SetAttestation(out, att); err != nil {
		return nil, fmt.Errorf("unsupported fork %s: %w", version, err)
	}
	return out, nil
}

// itemFailures maps a pool submission's error to the items it failed: the
// indexed failures when the beacon node named them, every item otherwise.
func itemFailures(err error, n int) map[int]error {
	if err == nil {
		return nil
	}
	out := map[int]error{}
	var be *beaconclient.Error
	if errors.As(err, &be) && len(be.Failures) > 0 {
		for _, f := range be.Failures {
			if int(f.Index) >= 0 && int(f.Index) < n {
				out[int(f.Index)] = fmt.Errorf("%s: %s", be.Endpoint, f.Message)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	for i := 0; i < n; i++ {
		out[i] = err
	}
	return out
}

// syncMessages signs the head root for every sync committee position the
// client holds at slot. The committee that signs at slot is the one of
// epoch(slot+1)'s period (altair validator.md), so the duties are that
// epoch's.
func (v *VC) syncMessages(ctx context.Context, slot phase0.Slot) []Result {
	if v.cfg.NoSync || v.forkAt(slot) < eth2spec.DataVersionAltair {
		return nil
	}
	d, err := v.dutiesOf(ctx, v.epochOf(slot+1))
	if err != nil {
		v.log.Warn("no sync committee duties", "slot", slot, "err", err)
		return nil
	}
	if len(d.sync) == 0 {
		return nil
	}
	var out []Result
	root, err := v.bn.BlockRoot(ctx, "head")
	if err != nil {
		for _, s := range d.sync {
			out = append(out, Result{Type: DutySyncMessage, Validator: s.ValidatorIndex, PubKey: s.PubKey, Slot: slot, Err: fmt.Errorf("head block root: %w", err)})
		}
		return out
	}
	in, err := v.chain.SyncCommitteeMessage(slot, root)
	var msgs []*altair.SyncCommitteeMessage
	var owners []*apiv1.SyncCommitteeDuty
	for _, s := range d.sync {
		k := v.keyOf(s.ValidatorIndex)
		var sig phase0.BLSSignature
		e := err
		if e == nil && k == nil {
			e = fmt.Errorf("no key for validator %d", s.ValidatorIndex)
		}
		if e == nil {
			sig, e = bls.Sign(k.sk, in.SigningRoot[:])
		}
		if e != nil {
			out = append(out, Result{Type: DutySyncMessage, Validator: s.ValidatorIndex, PubKey: s.PubKey, Slot: slot, Err: e})
			continue
		}
		msgs = append(msgs, &altair.SyncCommitteeMessage{Slot: slot, BeaconBlockRoot: root, ValidatorIndex: s.ValidatorIndex, Signature: sig})
		owners = append(owners, s)
	}
	v.mu.Lock()
	sa := v.attested[slot]
	if sa == nil {
		sa = &slotAttestations{}
		v.attested[slot] = sa
	}
	sa.syncRoot = &root
	v.mu.Unlock()
	for _, b := range batches(len(msgs), v.pattern.SubmitBatch) {
		failed := itemFailures(v.bn.SubmitSyncCommitteeMessages(ctx, msgs[b[0]:b[1]]), b[1]-b[0])
		for i := b[0]; i < b[1]; i++ {
			r := Result{Type: DutySyncMessage, Validator: owners[i].ValidatorIndex, PubKey: owners[i].PubKey, Slot: slot, OK: true}
			if e, bad := failed[i-b[0]]; bad {
				r.OK, r.Err = false, e
			}
			out = append(out, r)
		}
	}
	return out
}

// prepare sends the fee recipient of every validator once per epoch, as
// validator clients do so the beacon node builds payloads for them.
func (v *VC) prepare(ctx context.Context, slot phase0.Slot) {
	var zero [20]byte
	if v.cfg.FeeRecipient == zero || v.forkAt(slot) < eth2spec.DataVersionBellatrix {
		return
	}
	epoch := v.epochOf(slot)
	v.mu.Lock()
	if v.prepared[epoch] {
		v.mu.Unlock()
		return
	}
	v.prepared[epoch] = true
	var preps []*apiv1.ProposalPreparation
	for i := range v.byIndex {
		preps = append(preps, &apiv1.ProposalPreparation{ValidatorIndex: i, FeeRecipient: v.cfg.FeeRecipient})
	}
	v.mu.Unlock()
	if len(preps) == 0 {
		return
	}
	if err := v.bn.SubmitProposalPreparations(ctx, preps); err != nil {
		v.log.Warn("prepare_beacon_proposer failed", "err", err)
		v.mu.Lock()
		delete(v.prepared, epoch) // try again at the next slot
		v.mu.Unlock()
	}
}
