package vc

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// epochDuties are the client's duties of one epoch, as the beacon node
// gave them, restricted to the client's keys.
type epochDuties struct {
	attester []*apiv1.AttesterDuty
	proposer []*apiv1.ProposerDuty
	sync     []*apiv1.SyncCommitteeDuty
	// selProof are the attesters' aggregation selection proofs (combined
	// ones in VC-middleware mode), made with the duties so that the
	// subscriptions can say who aggregates.
	selProof map[phase0.ValidatorIndex]phase0.BLSSignature
	// attDep and propDep are the dependent roots the beacon node gave
	// with the attester and proposer duties: a head event with others
	// means a re-org changed the shuffling, and the duties are fetched
	// again.
	attDep, propDep phase0.Root
}

// dutiesOf returns the duties of epoch, fetching them once. A duty whose
// public key is not one of the client's is dropped: the beacon API
// answers with the keys it was asked about, so a mismatch is the beacon
// node's error, and signing for it would be impossible.
func (v *VC) dutiesOf(ctx context.Context, epoch phase0.Epoch) (*epochDuties, error) {
	// Cached duties never wait behind a fetch of another epoch (whose
	// selection round may wait for the other operators).
	v.mu.Lock()
	cached := v.duties[epoch]
	v.mu.Unlock()
	if cached != nil {
		return cached, nil
	}
	v.fetchMu.Lock()
	defer v.fetchMu.Unlock()
	v.mu.Lock()
	d := v.duties[epoch]
	v.mu.Unlock()
	if d != nil {
		return d, nil
	}
	if err := v.resolve(ctx, false); err != nil {
		v.log.Warn("validator lookup failed", "err", err)
	}
	v.mu.Lock()
	indices := make([]phase0.ValidatorIndex, 0, len(v.byIndex))
	for i := range v.byIndex {
		indices = append(indices, i)
	}
	// Every client of a DV asks, and so acts, in the same order: a
	// middleware that waits for the other operators' partial signatures
	// of an item then sees them together.
	slices.Sort(indices)
	altair := v.forkAt(phase0.Slot(uint64(epoch)*v.chain.SlotsPerEpoch)) >= eth2spec.DataVersionAltair
	v.mu.Unlock()
	d = &epochDuties{}
	if len(indices) > 0 {
		att, err := v.bn.AttesterDuties(ctx, epoch, indices)
		if err != nil {
			return nil, fmt.Errorf("attester duties of epoch %d: %w", epoch, err)
		}
		d.attDep = att.DependentRoot
		for _, a := range att.Duties {
			if a != nil && v.owns(a.ValidatorIndex, a.PubKey) {
				d.attester = append(d.attester, a)
			}
		}
		if altair && !v.cfg.NoSync {
			sd, err := v.bn.SyncCommitteeDuties(ctx, epoch, indices)
			if err != nil {
				return nil, fmt.Errorf("sync committee duties of epoch %d: %w", epoch, err)
			}
			for _, s := range sd {
				if s != nil && v.owns(s.ValidatorIndex, s.PubKey) {
					d.sync = append(d.sync, s)
				}
			}
		}
	}
	prop, err := v.bn.ProposerDuties(ctx, epoch)
	if err != nil {
		return nil, fmt.Errorf("proposer duties of epoch %d: %w", epoch, err)
	}
	d.propDep = prop.DependentRoot
	for _, p := range prop.Duties {
		if p != nil && v.owns(p.ValidatorIndex, p.PubKey) {
			d.proposer = append(d.proposer, p)
		}
	}
	slices.SortFunc(d.attester, func(a, b *apiv1.AttesterDuty) int { return cmp.Compare(a.ValidatorIndex, b.ValidatorIndex) })
	slices.SortFunc(d.sync, func(a, b *apiv1.SyncCommitteeDuty) int { return cmp.Compare(a.ValidatorIndex, b.ValidatorIndex) })
	v.subscribe(ctx, epoch, d)
	v.mu.Lock()
	v.duties[epoch] = d
	v.mu.Unlock()
	return d, nil
}

// subscribe tells the beacon node which committees the client's
// validators attest in (and which of them aggregate) and which sync
// committee positions they hold, as validator clients do when duties
// arrive, so that it joins the subnets. A failure is logged: the duties
// themselves do not depend on it.
func (v *VC) subscribe(ctx context.Context, epoch phase0.Epoch, d *epochDuties) {
	d.selProof = map[phase0.ValidatorIndex]phase0.BLSSignature{}
	// A DV node answers selections once its co-validators' shares are
	// combined, at the duty's slot: in VC-middleware mode they are asked
	// for then (Select), so that fetching duties never waits for them.
	if v.cfg.Aggregation && !v.cfg.Distributed && len(d.attester) > 0 {
		proofs, errs := v.beaconSelections(ctx, d.attester)
		d.selProof = proofs
		for vi, err := range errs {
			v.log.Warn("selection proof", "validator", vi, "epoch", epoch, "err", err)
		}
	}
	if len(d.attester) > 0 {
		subs := make([]*apiv1.BeaconCommitteeSubscription, 0, len(d.attester))
		for _, a := range d.attester {
			p, ok := d.selProof[a.ValidatorIndex]
			subs = append(subs, &apiv1.BeaconCommitteeSubscription{
				ValidatorIndex: a.ValidatorIndex, Slot: a.Slot, CommitteeIndex: a.CommitteeIndex,
				CommitteesAtSlot: a.CommitteesAtSlot, IsAggregator: ok && v.config.IsAggregator(a.CommitteeLength, p),
			})
		}
		if err := v.bn.SubmitBeaconCommitteeSubscriptions(ctx, subs); err != nil {
			v.log.Warn("beacon committee subscriptions", "epoch", epoch, "err", err)
		}
	}
	if len(d.sync) > 0 {
		period := v.config.SyncCommitteePeriodAtEpoch(epoch)
		until := phase0.Epoch((period + 1) * v.config.EpochsPerSyncCommitteePeriod)
		subs := make([]*apiv1.SyncCommitteeSubscription, 0, len(d.sync))
		for _, s := range d.sync {
			idx := make([]phase0.CommitteeIndex, len(s.ValidatorSyncCommitteeIndices))
			for i, x := range s.ValidatorSyncCommitteeIndices {
				idx[i] = phase0.CommitteeIndex(x)
			}
			subs = append(subs, &apiv1.SyncCommitteeSubscription{ValidatorIndex: s.ValidatorIndex, SyncCommitteeIndices: idx, UntilEpoch: until})
		}
		if err := v.bn.SubmitSyncCommitteeSubscriptions(ctx, subs); err != nil {
			v.log.Warn("sync committee subscriptions", "epoch", epoch, "err", err)
		}
	}
}

// onHead wakes the steps waiting for a head (Pattern.AttestOnHead) and
// drops the cached duties a head event shows stale: during epoch
// e, previous_duty_dependent_root is what e's attester duties depend on,
// current_duty_dependent_root what e's proposer duties and e+1's attester
// duties depend on (beacon-APIs eventstream). Zero roots (a beacon node
// that does not send them) are ignored.
func (v *VC) onHead(_ context.Context, ev *apiv1.HeadEvent) {
	if ev == nil {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.chain.SlotsPerEpoch == 0 {
		return
	}
	if !v.haveHead || ev.Slot > v.head {
		v.head, v.haveHead = ev.Slot, true
	}
	for sl, ws := range v.headWaiters {
		if sl <= ev.Slot {
			for _, w := range ws {
				close(w)
			}
			delete(v.headWaiters, sl)
		}
	}
	e := v.epochOf(ev.Slot)
	var zero phase0.Root
	stale := func(have, now phase0.Root) bool { return now != zero && have != now }
	if d := v.duties[e]; d != nil && (stale(d.attDep, ev.PreviousDutyDependentRoot) || stale(d.propDep, ev.CurrentDutyDependentRoot)) {
		v.log.Info("duties changed by a re-org: fetching them again", "epoch", e)
		delete(v.duties, e)
	}
	if d := v.duties[e+1]; d != nil && stale(d.attDep, ev.CurrentDutyDependentRoot) {
		v.log.Info("duties changed by a re-org: fetching them again", "epoch", e+1)
		delete(v.duties, e+1)
	}
}

// owns tells whether the duty of (index, pubkey) is the client's.
func (v *VC) owns(index phase0.ValidatorIndex, pub phase0.BLSPubKey) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	k := v.byIndex[index]
	return k != nil && k.pub == pub
}

func (v *VC) keyOf(index phase0.ValidatorIndex) *key {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.byIndex[index]
}
