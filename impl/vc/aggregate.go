package vc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/impl/beaconclient"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/versioned"
)

// Aggregate performs the aggregations of slot (aggregate attestations and
// sync committee contributions) without waiting; Run calls it at two
// thirds of the slot. It does nothing unless Config.Aggregation is set.
// Only the keys selected as aggregators (and selections that failed) give
// a Result.
func (v *VC) Aggregate(ctx context.Context, slot phase0.Slot) []Result {
	if !v.ready() {
		return nil
	}
	if !v.cfg.Aggregation {
		return nil
	}
	var out []Result
	out = append(out, v.aggregateAttestations(ctx, slot)...)
	out = append(out, v.contributions(ctx, slot)...)
	return v.report(out)
}

// Select makes, in VC-middleware mode (Config.Distributed), the
// aggregation selection proofs of the slot's attesters at the start of the
// slot, as Prysm's distributed mode does: the DV node answers them once
// the co-validators' shares are combined, before the aggregation at two
// thirds of the slot. Without Distributed (or Aggregation) it does
// nothing: the proofs were made with the epoch's duties.
func (v *VC) Select(ctx context.Context, slot phase0.Slot) {
	if !v.ready() || !v.cfg.Aggregation || !v.cfg.Distributed {
		return
	}
	d, err := v.dutiesOf(ctx, v.epochOf(slot))
	if err != nil {
		return
	}
	var duties []*apiv1.AttesterDuty
	for _, a := range d.attester {
		if a.Slot == slot {
			duties = append(duties, a)
		}
	}
	if len(duties) == 0 {
		return
	}
	proofs, errs := v.beaconSelections(ctx, duties)
	v.mu.Lock()
	for vi, p := range proofs {
		d.selProof[vi] = p
	}
	v.mu.Unlock()
	for vi, err := range errs {
		v.log.Debug("selection proof (made again when aggregating)", "validator", vi, "slot", slot, "err", err)
	}
}

// selectionKey names one selection proof: validator and, for sync, the
// subcommittee.
type selectionKey struct {
	index phase0.ValidatorIndex
	sub   uint64
}

func (v *VC) aggregateAttestations(ctx context.Context, slot phase0.Slot) []Result {
	d, err := v.dutiesOf(ctx, v.epochOf(slot))
	if err != nil {
		return nil
	}
	v.mu.Lock()
	var data map[phase0.CommitteeIndex]*phase0.AttestationData
	if sa := v.attested[slot]; sa != nil {
		data = sa.data
	}
	v.mu.Unlock()
	var duties []*apiv1.AttesterDuty
	for _, a := range d.attester {
		if a.Slot == slot && data[a.CommitteeIndex] != nil {
			duties = append(duties, a)
		}
	}
	if len(duties) == 0 {
		return nil
	}
	fail := func(a *apiv1.AttesterDuty, err error) Result {
		return Result{Type: DutyAggregate, Validator: a.ValidatorIndex, PubKey: a.PubKey, Slot: slot, Err: err}
	}
	var out []Result
	// The proofs were made when the epoch's duties arrived (for the
	// subscriptions); those that failed then are made again now.
	proofs := map[phase0.ValidatorIndex]phase0.BLSSignature{}
	var missing []*apiv1.AttesterDuty
	v.mu.Lock()
	for _, a := range duties {
		if p, ok := d.selProof[a.ValidatorIndex]; ok {
			proofs[a.ValidatorIndex] = p
		} else {
			missing = append(missing, a)
		}
	}
	v.mu.Unlock()
	got, selErr := v.beaconSelections(ctx, missing)
	for vi, p := range got {
		proofs[vi] = p
	}
	var signed []*eth2spec.VersionedSignedAggregateAndProof
	var owners []*apiv1.AttesterDuty
	for _, a := range duties {
		if err := selErr[a.ValidatorIndex]; err != nil {
			out = append(out, fail(a, err))
			continue
		}
		proof, ok := proofs[a.ValidatorIndex]
		if !ok || !v.config.IsAggregator(a.CommitteeLength, proof) {
			continue
		}
		sap, err := v.aggregateAndProof(ctx, a, data[a.CommitteeIndex], proof)
		if err != nil {
			out = append(out, fail(a, err))
			continue
		}
		signed = append(signed, sap)
		owners = append(owners, a)
	}
	for _, b := range batches(len(signed), v.pattern.SubmitBatch) {
		failed := itemFailures(v.bn.SubmitAggregateAndProofs(ctx, signed[b[0]:b[1]]), b[1]-b[0])
		for i := b[0]; i < b[1]; i++ {
			r := Result{Type: DutyAggregate, Validator: owners[i].ValidatorIndex, PubKey: owners[i].PubKey, Slot: slot, OK: true}
			if e, bad := failed[i-b[0]]; bad {
				r.OK, r.Err = false, e
			}
			out = append(out, r)
		}
	}
	return out
}

// beaconSelections makes the aggregation selection proofs of duties (each
// for its own slot). In VC-middleware mode each proof made here is
// partial: whether the validator aggregates depends on the combined proof,
// which the DV node answers with, matched by validator and slot.
func (v *VC) beaconSelections(ctx context.Context, duties []*apiv1.AttesterDuty) (map[phase0.ValidatorIndex]phase0.BLSSignature, map[phase0.ValidatorIndex]error) {
	proofs := map[phase0.ValidatorIndex]phase0.BLSSignature{}
	errs := map[phase0.ValidatorIndex]error{}
	var sels []*apiv1.BeaconCommitteeSelection
	for _, a := range duties {
		k := v.keyOf(a.ValidatorIndex)
		if k == nil {
			errs[a.ValidatorIndex] = fmt.Errorf("no key for validator %d", a.ValidatorIndex)
			continue
		}
		in, err := v.chain.AggregationSlot(a.Slot)
		var sig phase0.BLSSignature
		if err == nil {
			sig, err = bls.Sign(k.sk, in.SigningRoot[:])
		}
		if err != nil {
			errs[a.ValidatorIndex] = err
			continue
		}
		proofs[a.ValidatorIndex] = sig
		sels = append(sels, &apiv1.BeaconCommitteeSelection{ValidatorIndex: a.ValidatorIndex, Slot: a.Slot, SelectionProof: sig})
	}
	if !v.cfg.Distributed || len(sels) == 0 {
		return proofs, errs
	}
	type key struct {
		vi   phase0.ValidatorIndex
		slot phase0.Slot
	}
	combined := map[key]phase0.BLSSignature{}
	var mu sync.Mutex
	bs := batches(len(sels), v.pattern.BeaconSelectionBatch)
	parallel(len(bs), func(i int) {
		b := bs[i]
		got, err := v.bn.BeaconCommitteeSelections(ctx, sels[b[0]:b[1]])
		if err == nil && v.pattern.SelectionsAllBack && len(got) != b[1]-b[0] {
			got, err = nil, fmt.Errorf("%d combined proofs for %d asked", len(got), b[1]-b[0])
		}
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			for _, s := range sels[b[0]:b[1]] {
				errs[s.ValidatorIndex] = fmt.Errorf("beacon committee selections: %w", err)
			}
		}
		for _, g := range got {
			if g != nil {
				combined[key{g.ValidatorIndex, g.Slot}] = g.SelectionProof
			}
		}
	})
	for _, s := range sels {
		if c, ok := combined[key{s.ValidatorIndex, s.Slot}]; ok {
			proofs[s.ValidatorIndex] = c
			continue
		}
		delete(proofs, s.ValidatorIndex)
		if errs[s.ValidatorIndex] == nil {
			errs[s.ValidatorIndex] = fmt.Errorf("beacon committee selections: no combined proof for validator %d at slot %d", s.ValidatorIndex, s.Slot)
		}
	}
	return proofs, errs
}

func (v *VC) aggregateAndProof(ctx context.Context, a *apiv1.AttesterDuty, ad *phase0.AttestationData, proof phase0.BLSSignature) (*eth2spec.VersionedSignedAggregateAndProof, error) {
	k := v.keyOf(a.ValidatorIndex)
	if k == nil {
		return nil, fmt.Errorf("no key for validator %d", a.ValidatorIndex)
	}
	dataRoot, err := ad.HashTreeRoot()
	if err != nil {
		return nil, err
	}
	agg, err := v.bn.AggregateAttestation(ctx, a.Slot, dataRoot, a.CommitteeIndex)
	if err != nil {
		return nil, fmt.Errorf("aggregate attestation: %w", err)
	}
	if agg == nil || agg.IsEmpty() {
		return nil, fmt.Errorf("aggregate attestation: empty answer")
	}
	got, err := agg.Data()
	if err != nil {
		return nil, fmt.Errorf("aggregate attestation: %w", err)
	}
	if r, err := got.HashTreeRoot(); err != nil || r != dataRoot {
		return nil, fmt.Errorf("aggregate attestation: not of the data the client attested to")
	}
	ap, err := versioned.AggregateAndProofOf(a.ValidatorIndex, agg, proof)
	if err != nil {
		return nil, fmt.Errorf("aggregate attestation: %w", err)
	}
	in, err := v.chain.AggregateAndProof(ap)
	if err != nil {
		return nil, err
	}
	sig, err := bls.Sign(k.sk, in.SigningRoot[:])
	if err != nil {
		return nil, err
	}
	return versioned.SignedAggregateAndProofOf(ap, sig)
}

func (v *VC) contributions(ctx context.Context, slot phase0.Slot) []Result {
	if v.cfg.NoSync || v.forkAt(slot) < eth2spec.DataVersionAltair || v.noSyncSelections.Load() {
		return nil
	}
	d, err := v.dutiesOf(ctx, v.epochOf(slot+1))
	if err != nil || len(d.sync) == 0 {
		return nil
	}
	v.mu.Lock()
	var root *phase0.Root
	if sa := v.attested[slot]; sa != nil {
		root = sa.syncRoot
	}
	v.mu.Unlock()
	if root == nil {
		return nil // no sync message signed in this slot: nothing to aggregate
	}
	type item struct {
		duty *apiv1.SyncCommitteeDuty
		sub  uint64
	}
	var items []item
	proofs := map[selectionKey]phase0.BLSSignature{}
	var sels []*ethnode.SyncCommitteeSelection
	var out []Result
	for _, s := range d.sync {
		k := v.keyOf(s.ValidatorIndex)
		if k == nil {
			continue
		}
		seen := map[uint64]bool{}
		for _, pos := range s.ValidatorSyncCommitteeIndices {
			if uint64(pos) >= v.config.SyncCommitteeSize {
				out = append(out, Result{Type: DutyContribution, Validator: s.ValidatorIndex, PubKey: s.PubKey, Slot: slot,
					Err: fmt.Errorf("duty: sync committee position %d of %d", pos, v.config.SyncCommitteeSize)})
				continue
			}
			sub := v.config.SyncSubcommitteeIndex(uint64(pos))
			if seen[sub] {
				continue
			}
			seen[sub] = true
			in, err := v.chain.SyncCommitteeSelectionProof(&altair.SyncAggregatorSelectionData{Slot: slot, SubcommitteeIndex: sub})
			var sig phase0.BLSSignature
			if err == nil {
				sig, err = bls.Sign(k.sk, in.SigningRoot[:])
			}
			if err != nil {
				out = append(out, Result{Type: DutyContribution, Validator: s.ValidatorIndex, PubKey: s.PubKey, Slot: slot, Err: err})
				continue
			}
			items = append(items, item{s, sub})
			proofs[selectionKey{s.ValidatorIndex, sub}] = sig
			sels = append(sels, &ethnode.SyncCommitteeSelection{ValidatorIndex: s.ValidatorIndex, Slot: slot, SubcommitteeIndex: sub, SelectionProof: sig})
		}
	}
	selErr := map[selectionKey]error{}
	if v.cfg.Distributed {
		combined := map[selectionKey]phase0.BLSSignature{}
		var mu sync.Mutex
		bs := batches(len(sels), v.pattern.SyncSelectionBatch)
		parallel(len(bs), func(i int) {
			b := bs[i]
			got, err := v.bn.SyncCommitteeSelections(ctx, sels[b[0]:b[1]])
			if be := (*beaconclient.Error)(nil); errors.As(err, &be) && be.StatusCode == http.StatusNotImplemented && !v.noSyncSelections.Swap(true) {
				v.log.Warn("the DV node does not serve sync committee selections: no contributions from now on", "err", err)
			}
			if err == nil && v.pattern.SelectionsAllBack && len(got) != b[1]-b[0] {
				got, err = nil, fmt.Errorf("%d combined proofs for %d asked", len(got), b[1]-b[0])
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				for _, s := range sels[b[0]:b[1]] {
					selErr[selectionKey{s.ValidatorIndex, s.SubcommitteeIndex}] = fmt.Errorf("sync committee selections: %w", err)
				}
			}
			for _, g := range got {
				if g != nil && g.Slot == slot {
					combined[selectionKey{g.ValidatorIndex, g.SubcommitteeIndex}] = g.SelectionProof
				}
			}
		})
		for sk := range proofs {
			if c, ok := combined[sk]; ok {
				proofs[sk] = c
			} else {
				if selErr[sk] == nil {
					selErr[sk] = fmt.Errorf("sync committee selections: no combined proof for validator %d subcommittee %d", sk.index, sk.sub)
				}
				delete(proofs, sk)
			}
		}
	}
	// selected tells, under SyncAggregatorLastSeat, whether the proof of
	// the subcommittee of a validator's last position selects it.
	selected := map[phase0.ValidatorIndex]bool{}
	if v.pattern.SyncAggregatorLastSeat {
		for _, it := range items {
			pos := it.duty.ValidatorSyncCommitteeIndices
			last := v.config.SyncSubcommitteeIndex(uint64(pos[len(pos)-1]))
			p, ok := proofs[selectionKey{it.duty.ValidatorIndex, last}]
			selected[it.duty.ValidatorIndex] = ok && v.config.IsSyncCommitteeAggregator(p)
		}
	}
	var signed []*altair.SignedContributionAndProof
	var owners []*apiv1.SyncCommitteeDuty
	for _, it := range items {
		sk := selectionKey{it.duty.ValidatorIndex, it.sub}
		fail := func(err error) Result {
			return Result{Type: DutyContribution, Validator: it.duty.ValidatorIndex, PubKey: it.duty.PubKey, Slot: slot, Err: err}
		}
		if err := selErr[sk]; err != nil {
			out = append(out, fail(err))
			continue
		}
		proof, ok := proofs[sk]
		if !ok || !v.config.IsSyncCommitteeAggregator(proof) {
			continue
		}
		if v.pattern.SyncAggregatorLastSeat && !selected[it.duty.ValidatorIndex] {
			continue
		}
		k := v.keyOf(it.duty.ValidatorIndex)
		c, err := v.bn.ProduceSyncCommitteeContribution(ctx, slot, it.sub, *root)
		if err != nil {
			out = append(out, fail(fmt.Errorf("sync committee contribution: %w", err)))
			continue
		}
		if c == nil || c.Slot != slot || c.SubcommitteeIndex != it.sub || c.BeaconBlockRoot != *root {
			out = append(out, fail(fmt.Errorf("sync committee contribution: not the one asked for")))
			continue
		}
		cp := &altair.ContributionAndProof{AggregatorIndex: it.duty.ValidatorIndex, Contribution: c, SelectionProof: proof}
		in, err := v.chain.ContributionAndProof(cp)
		var sig phase0.BLSSignature
		if err == nil {
			sig, err = bls.Sign(k.sk, in.SigningRoot[:])
		}
		if err != nil {
			out = append(out, fail(err))
			continue
		}
		signed = append(signed, &altair.SignedContributionAndProof{Message: cp, Signature: sig})
		owners = append(owners, it.duty)
	}
	for _, b := range batches(len(signed), v.pattern.SubmitBatch) {
		failed := itemFailures(v.bn.SubmitSyncCommitteeContributions(ctx, signed[b[0]:b[1]]), b[1]-b[0])
		for i := b[0]; i < b[1]; i++ {
			r := Result{Type: DutyContribution, Validator: owners[i].ValidatorIndex, PubKey: owners[i].PubKey, Slot: slot, OK: true}
			if e, bad := failed[i-b[0]]; bad {
				r.OK, r.Err = false, e
			}
			out = append(out, r)
		}
	}
	return out
}
