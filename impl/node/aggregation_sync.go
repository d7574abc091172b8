package node

import (
	"context"
	"errors"
	"fmt"
	"sync"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/consensus/qbft"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty"
)

// Sync committee contributions (remote-signer mode): the sync half of the
// aggregation runtime. A sync committee member's contribution flow is
// served with its sync committee message duty, gated by that message's
// submission (aggduty.SyncCommitteeMessageSubmitted) and fetches the
// contributions at 2/3 of the slot, so a contribution can neither delay
// nor change a sync committee message.

// SyncCommitteeSource is the beacon node's sync committee in committee
// order (GET /eth/v1/beacon/states/{state_id}/sync_committees):
// impl/beaconclient.Client has it. The contribution validity predicate
// needs the keys of every member of a subcommittee, which no duty names;
// with a beacon node without it, contribution duties are not served.
type SyncCommitteeSource interface {
	SyncCommittee(ctx context.Context, stateID string, epoch *phase0.Epoch) ([]phase0.ValidatorIndex, error)
}

// syncKeys is one sync committee period's member keys in committee order,
// or the duties that wait for them.
type syncKeys struct {
	keys []phase0.BLSPubKey
	// parsed holds each subcommittee's keys checked with KeyValidate once
	// per period (nil where one failed): each contribution check then costs
	// one pairing instead of decoding 128 keys (36% of a devnet's CPU).
	parsed  []*bls.PublicKeys
	waiting []syncServe
}

type syncServe struct {
	d    *spec.SyncCommitteeDuty
	slot phase0.Slot
}

// syncPeriod is the sync committee period whose members sign at slot
// (altair: the committee of slot+1's period).
func (n *Node) syncPeriod(slot phase0.Slot) uint64 {
	per := n.cfg.Chain.ChainConfig().EpochsPerSyncCommitteePeriod
	if per == 0 {
		return 0
	}
	return uint64(n.clock.EpochOf(slot+1)) / per
}

// aggServeSync subscribes a sync committee member to its subnets and
// keeps its contribution duty at slot until the DV's sync committee
// message of the slot is submitted (aggSyncSubmitted).
func (n *Node) aggServeSync(v *validator, d *spec.SyncCommitteeDuty, slot phase0.Slot) {
	if n.agg == nil {
		return
	}
	n.aggSubscribeSync(v, d, slot, n.syncPeriod(slot))
	if n.cfg.VC != nil {
		// VC-middleware: the validator client may post its sync selection
		// proofs before its sync committee message, and the node signs
		// nothing; the gate still holds the contribution back until the
		// message is submitted.
		n.aggServeSyncNow(v, d, slot)
		return
	}
	k := aggDutyKey{v.index, slot}
	if !n.agg.syncOpen[k] {
		n.agg.syncOpen[k] = true
		n.agg.syncOpenAt[slot]++
	}
	if n.agg.syncServed[k] {
		return
	}
	n.agg.pendingSync[k] = d
	n.aggSyncKeys(slot)
}

// aggPrepareSync serves the contribution duty of a sync committee member
// at the start of its slot (remote-signer mode): the selection proofs are
// signed and combined in the slot's first third, where only a proposal
// runs, instead of after the sync committee message (a third of a slot
// later, when 512 members' messages and proofs otherwise pile onto the
// same signers and cores, and the contribution at 2/3 of the slot waits
// for the proofs' verdicts). The contribution instance still starts only
// after the gate (the DV's sync committee message submitted), so a
// contribution can neither delay nor change the message; a selection
// proof is a signature over (slot, subcommittee), never slashable, so
// signing it before the message costs nothing if the message fails. As
// validator clients do: Lighthouse computes its sync selection proofs
// slots ahead. Not while the node is behind: when a sync committee
// message of the previous slot is still on its way, the cores are not
// free at the slot's start, and the proofs would take them from the
// slot's proposal; the duty is then served at its message's submission,
// as the lowest priority (512 all seats at 2-s slots: 0 of 15 proposals
// with the proofs at every slot's start, 14 without).
func (n *Node) aggPrepareSync(v *validator, d *spec.SyncCommitteeDuty, slot phase0.Slot) {
	if n.agg == nil || n.cfg.VC != nil || slot > 0 && n.agg.syncOpenAt[slot-1] > 0 {
		return
	}
	k := aggDutyKey{v.index, slot}
	if n.agg.syncServed[k] {
		return
	}
	n.agg.syncServed[k] = true
	n.aggServeSyncNow(v, d, slot)
}

// aggServeSyncNow serves the contribution duty of a sync committee member
// at slot once the period's committee keys are known.
func (n *Node) aggServeSyncNow(v *validator, d *spec.SyncCommitteeDuty, slot phase0.Slot) {
	sk := n.aggSyncKeys(slot)
	if sk.keys != nil {
		n.aggServeSyncWith(v, d, slot, sk)
		return
	}
	sk.waiting = append(sk.waiting, syncServe{d, slot})
}

// aggSyncKeys returns the sync committee keys of slot's period, known or
// on their way (fetched when the period's first duty arrives, so that
// serving at the message's submission finds them).
func (n *Node) aggSyncKeys(slot phase0.Slot) *syncKeys {
	period := n.syncPeriod(slot)
	if sk := n.agg.sync[period]; sk != nil {
		return sk
	}
	sk := &syncKeys{}
	n.agg.sync[period] = sk
	epoch := n.clock.EpochOf(slot + 1)
	go func() {
		keys, err := n.fetchSyncCommitteeKeys(epoch, slot)
		var parsed []*bls.PublicKeys
		if err == nil {
			parsed = n.parseSubcommittees(period, keys)
		}
		n.post(func() {
			waiting := sk.waiting
			sk.waiting = nil
			if err != nil {
				// Asked again by the next slot's duties.
				delete(n.agg.sync, period)
				n.log.Warn("aggregation: no sync committee, contribution duties not served", "period", period, "err", err)
				return
			}
			sk.keys, sk.parsed = keys, parsed
			for p := range n.agg.sync {
				if p+1 < period {
					delete(n.agg.sync, p)
				}
			}
			for _, w := range waiting {
				if v := n.byIndex[w.d.ValidatorIndex]; v != nil {
					n.aggServeSyncWith(v, w.d, w.slot, sk)
				}
			}
		})
	}()
	return sk
}

func (n *Node) aggServeSyncWith(v *validator, d *spec.SyncCommitteeDuty, slot phase0.Slot, sk *syncKeys) {
	keys := sk.keys
	cc := n.cfg.Chain.ChainConfig()
	size := cc.SyncSubcommitteeSize()
	subs := map[uint64][]phase0.BLSPubKey{}
	parsed := map[uint64]*bls.PublicKeys{}
	for _, i := range d.ValidatorSyncCommitteeIndices {
		s := i / size
		if (s+1)*size > uint64(len(keys)) {
			n.log.Warn("aggregation: sync committee position out of range", "validator", v.index, "position", i, "members", len(keys))
			return
		}
		subs[s] = keys[s*size : (s+1)*size]
		if s < uint64(len(sk.parsed)) && sk.parsed[s] != nil {
			parsed[s] = sk.parsed[s]
		}
	}
	n.aggDeliver(v, aggduty.ServeSyncContributionDuty{Duty: d, Slot: slot, Subcommittees: subs, Parsed: parsed})
}

// parseSubcommittees parses each sync subcommittee's keys once for the
// period (off the event loop). A subcommittee whose keys do not parse is
// left nil: the spec then decodes them per check and refuses what it must.
func (n *Node) parseSubcommittees(period uint64, keys []phase0.BLSPubKey) []*bls.PublicKeys {
	size := n.cfg.Chain.ChainConfig().SyncSubcommitteeSize()
	if size == 0 {
		return nil
	}
	out := make([]*bls.PublicKeys, uint64(len(keys))/size)
	for s := range out {
		pk, err := bls.NewPublicKeys(keys[uint64(s)*size : uint64(s+1)*size])
		if err != nil {
			n.log.Warn("aggregation: sync subcommittee keys do not parse", "period", period, "subcommittee", s, "err", err)
			continue
		}
		out[s] = pk.WithMemo(n.agg.aggVerified)
	}
	return out
}

// fetchSyncCommitteeKeys resolves the sync committee of epoch's period to
// its members' public keys, in committee order.
func (n *Node) fetchSyncCommitteeKeys(epoch phase0.Epoch, slot phase0.Slot) ([]phase0.BLSPubKey, error) {
	src, ok := n.cfg.BeaconNode.(SyncCommitteeSource)
	if !ok {
		return nil, errors.New("the beacon node client does not read sync committees")
	}
	deadline := n.clock.SlotStart(slot).Add(n.cfg.SlotDuration)
	var members []phase0.ValidatorIndex
	err := n.retryBeaconNode(deadline, "sync_committees", func(ctx context.Context) (err error) {
		members, err = src.SyncCommittee(ctx, "head", &epoch)
		return err
	})
	if err != nil {
		return nil, err
	}
	if uint64(len(members)) != n.cfg.Chain.ChainConfig().SyncCommitteeSize {
		return nil, fmt.Errorf("sync committee of %d members, want %d", len(members), n.cfg.Chain.ChainConfig().SyncCommitteeSize)
	}
	known, err := n.validatorKeys(deadline, members)
	if err != nil {
		return nil, err
	}
	keys := make([]phase0.BLSPubKey, len(members))
	for i, vi := range members {
		keys[i] = known[vi]
	}
	return keys, nil
}

// aggSubscribeSync subscribes the validator to its sync committee subnets
// for the period, once (sync_committee_subscriptions, until the period's
// end).
func (n *Node) aggSubscribeSync(v *validator, d *spec.SyncCommitteeDuty, slot phase0.Slot, period uint64) {
	k := syncSubKey{v.index, period}
	if n.agg.syncSubs[k] {
		return
	}
	n.agg.syncSubs[k] = true
	for o := range n.agg.syncSubs {
		if o.period+1 < period {
			delete(n.agg.syncSubs, o)
		}
	}
	until := phase0.Epoch((period + 1) * n.cfg.Chain.ChainConfig().EpochsPerSyncCommitteePeriod)
	idx := make([]phase0.CommitteeIndex, 0, len(d.ValidatorSyncCommitteeIndices))
	for _, i := range d.ValidatorSyncCommitteeIndices {
		idx = append(idx, phase0.CommitteeIndex(i))
	}
	sub := &apiv1.SyncCommitteeSubscription{ValidatorIndex: v.index, SyncCommitteeIndices: idx, UntilEpoch: until}
	go func() {
		ctx, cancel := context.WithTimeout(n.ctx, n.fetchTimeout())
		defer cancel()
		if err := n.cfg.BeaconNode.SubmitSyncCommitteeSubscriptions(ctx, []*apiv1.SyncCommitteeSubscription{sub}); err != nil {
			n.cfg.Metrics.BNError("sync_committee_subscriptions")
			n.log.Debug("sync committee subscription failed", "validator", v.index, "slot", slot, "err", err)
		}
	}()
}

type syncSubKey struct {
	vi     phase0.ValidatorIndex
	period uint64
}

// aggSyncSubmitted is the contribution flow's gate: the DV's sync
// committee message of slot, signing root, was handed to the submitter.
func (n *Node) aggSyncSubmitted(v *validator, slot phase0.Slot, root phase0.Root) {
	if n.agg == nil {
		return
	}
	k := aggDutyKey{v.index, slot}
	if n.agg.syncOpen[k] {
		delete(n.agg.syncOpen, k)
		if n.agg.syncOpenAt[slot]--; n.agg.syncOpenAt[slot] == 0 {
			delete(n.agg.syncOpenAt, slot)
		}
	}
	if d := n.agg.pendingSync[k]; d != nil {
		delete(n.agg.pendingSync, k)
		n.aggServeSyncNow(v, d, slot)
	}
	n.aggDeliver(v, aggduty.SyncCommitteeMessageSubmitted{Slot: slot, BeaconBlockRoot: root})
}

func (n *Node) aggStartContributionConsensus(v *validator, o aggduty.StartContributionConsensus) {
	id := o.ID
	origin := n.aggregationTime(id.Slot)
	vs := o.Validity
	chain := n.cfg.Chain
	validity := memoValidity(func(value []byte) error {
		cs, err := consensus.DecodeContributions(chain, value)
		if err != nil {
			return err
		}
		return consensus.IsValidContributions(chain, cs, vs)
	})
	if err := n.qbft.Start(id, validity, origin); err != nil {
		n.log.Warn("starting contribution consensus failed", "instance", id, "err", err)
		return
	}
	n.agg.insts[id] = &aggInst{v: v, typ: consensus.DutySyncContribution}
	n.tracker.stage(consensus.DutySyncContribution, v.index, id.Slot, stageConsensus)
	n.atAggregationTime(id.Slot, func() {
		// A contribution is gossiped in its slot only (altair p2p
		// interface: contribution.slot is the current slot).
		deadline := n.clock.SlotStart(id.Slot + 1)
		go func() {
			// One request per subcommittee, at once: the window is a third
			// of a slot.
			cs := make([]*altair.SyncCommitteeContribution, len(vs))
			errs := make([]error, len(vs))
			var wg sync.WaitGroup
			for i, cv := range vs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = n.aggFetch(deadline, "sync_committee_contribution", func(ctx context.Context) (err error) {
						cs[i], err = n.cfg.BeaconNode.ProduceSyncCommitteeContribution(ctx, id.Slot, cv.SubcommitteeIndex, cv.BeaconBlockRoot)
						return err
					})
				}()
			}
			wg.Wait()
			err := errors.Join(errs...)
			var value []byte
			if err == nil {
				value, err = consensus.EncodeContributions(chain, cs)
			}
			n.postLane(consensus.DutySyncContribution, func() {
				n.aggOwnValue(consensus.DutySyncContribution, v, id, value, err)
			})
		}()
	})
}

// aggOwnValue gives an aggregation instance this node's value from the
// beacon node.
func (n *Node) aggOwnValue(typ consensus.DutyType, v *validator, id consensus.InstanceID, value []byte, err error) {
	n.tracker.ownValue(typ, v.index, id.Slot, err)
	if err != nil {
		n.cfg.Metrics.BNError(typ.String() + "_value")
		n.log.Warn("no value for an aggregation instance", "instance", id, "type", typ, "err", err)
		return
	}
	if err := n.qbft.SetOwnValue(id, value); err != nil && errors.Is(err, qbft.ErrInvalidValue) {
		n.tracker.ownValueInvalid(typ, v.index, id.Slot, err)
	}
}

func (n *Node) aggSubmitContribution(v *validator, s *altair.SignedContributionAndProof) {
	if s == nil || s.Message == nil || s.Message.Contribution == nil {
		return
	}
	slot := s.Message.Contribution.Slot
	n.tracker.stage(consensus.DutySyncContribution, v.index, slot, stageSubmitted)
	go func() {
		ctx, cancel := context.WithTimeout(n.ctx, n.fetchTimeout())
		defer cancel()
		err := n.cfg.BeaconNode.SubmitSyncCommitteeContributions(ctx, []*altair.SignedContributionAndProof{s})
		report(n, []subItem[*altair.SignedContributionAndProof]{{item: s, typ: consensus.DutySyncContribution, vi: v.index, slot: slot}}, err, "contribution_and_proofs")
	}()
}
