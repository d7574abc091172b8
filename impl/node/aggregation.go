package node

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sync"
	"time"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/consensus/qbft"
	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/impl/beaconclient"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// The aggregation runtime drives spec/dvc/aggduty (SPEC.md section 12) in
// remote-signer mode when Config.Aggregation is set: attestation
// aggregation here, sync committee contributions in aggregation_sync.go.
// Its state machine is separate from the validator's DVC: it is served
// after the attester (sync committee) duty, gated by the attestation's
// (sync committee message's) submission, and fetches the aggregate
// (contributions) at 2/3 of the slot, so it can neither delay nor change
// what the DVC signs. Its work runs in the loop's low lane (overload.go).
//
// The runtime's way in is aggDeliver (in the loop): any aggduty.Event,
// such as the Captured*Selection events of VC-middleware mode, is stepped
// there in arrival order per validator; outputs are executed by
// aggExecute.

// aggVal is one validator's aggregation state machine and its signatures.
type aggVal struct {
	st      *aggduty.State
	sigs    map[phase0.Root]sigResult
	blocked aggduty.Event
	backlog []aggduty.Event
}

// aggRunner holds the aggregation state of every validator of the node.
type aggRunner struct {
	vals  map[phase0.ValidatorIndex]*aggVal
	insts map[consensus.InstanceID]*aggInst
	// committees caches, per epoch, the committees' public keys (the
	// beacon state's get_beacon_committee), which the validity predicate
	// needs; pending collects the duties that wait for them.
	committees map[phase0.Epoch]map[committeeAt][]phase0.BLSPubKey
	// parsed holds the keys of the committees the node's validators sit
	// in as lazy lists (bls.NewLazyPublicKeys, ownCommittees): a key is
	// checked with KeyValidate the first time an aggregate's check needs
	// it, then never again, and a committee with no aggregator of the
	// node costs nothing (parsing every such committee's keys up front
	// took a third of the CPU of 10,000 validators in a 300,000
	// registry). Used in the loop only.
	parsed   map[committeeAt]*bls.PublicKeys
	pending  map[phase0.Epoch][]*spec.AttestationDuty
	fetching map[phase0.Epoch]bool
	duties   map[aggDutyKey]*spec.AttestationDuty
	// sync holds each sync committee period's member keys (the
	// contribution validity predicate needs them); syncSubs the
	// validators subscribed for a period.
	sync     map[uint64]*syncKeys
	syncSubs map[syncSubKey]bool
	// bv checks aggregation shares and signSem bounds aggregation signing
	// requests, apart from the DVC's: a burst of selection proofs (every
	// sync committee member's, every slot) never queues an attestation's
	// or a sync committee message's share or signature behind it.
	bv      *batchVerifier
	signSem chan struct{}
	// syncSelSem bounds the sync committee selection proofs apart: the
	// slot's burst of them (one per member and subcommittee) never queues
	// an AggregateAndProof or a ContributionAndProof behind it.
	syncSelSem chan struct{}
	// aggVerified remembers the signature checks of aggregates and
	// contributions (bls.PublicKeys.WithMemo on every parsed committee):
	// the spec checks a decided value again after the consensus validity
	// predicate checked it (about 5% of the CPU at 512 validators holding
	// every sync seat).
	aggVerified verifyMemo
	// pendingAtt and pendingSync are the duties whose aggregation flow
	// starts when the DV's attestation (sync committee message) of the
	// slot is submitted: the selection proofs are signed after the
	// duty's own signature, never in competition with it.
	pendingAtt  map[aggDutyKey]*spec.AttestationDuty
	pendingSync map[aggDutyKey]*spec.SyncCommitteeDuty
	// syncServed are the contribution duties served at their slot's start
	// (aggPrepareSync), which the sync committee duty does not serve again.
	syncServed map[aggDutyKey]bool
	// syncOpen are the sync committee duties served whose message is not
	// yet submitted, syncOpenAt their number by slot: the sign that the
	// node is behind (aggPrepareSync).
	syncOpen   map[aggDutyKey]bool
	syncOpenAt map[phase0.Slot]int
}

type aggInst struct {
	v   *validator
	typ consensus.DutyType
}

// newAggRunner: its verifier lingers linger on both lanes (all of it is
// aggregation work, where a few milliseconds cost nothing).
func newAggRunner(b blsMemo, linger time.Duration) *aggRunner {
	return &aggRunner{
		bv: newBatchVerifier(b, 1, linger, linger), signSem: make(chan struct{}, 16), syncSelSem: make(chan struct{}, 16), aggVerified: verifyMemo{newMemo(1 << 12)},
		pendingAtt: map[aggDutyKey]*spec.AttestationDuty{}, pendingSync: map[aggDutyKey]*spec.SyncCommitteeDuty{},
		syncServed: map[aggDutyKey]bool{}, syncOpen: map[aggDutyKey]bool{}, syncOpenAt: map[phase0.Slot]int{},
		vals: map[phase0.ValidatorIndex]*aggVal{}, insts: map[consensus.InstanceID]*aggInst{},
		committees: map[phase0.Epoch]map[committeeAt][]phase0.BLSPubKey{},
		parsed:     map[committeeAt]*bls.PublicKeys{},
		pending:    map[phase0.Epoch][]*spec.AttestationDuty{},
		fetching:   map[phase0.Epoch]bool{},
		duties:     map[aggDutyKey]*spec.AttestationDuty{},
		sync:       map[uint64]*syncKeys{},
		syncSubs:   map[syncSubKey]bool{},
	}
}

func (n *Node) aggOf(v *validator) *aggVal {
	a := n.agg.vals[v.index]
	if a == nil {
		a = &aggVal{st: aggduty.NewState(), sigs: map[phase0.Root]sigResult{}}
		n.agg.vals[v.index] = a
		n.aggTraceInit(v)
	}
	return a
}

// aggregationTime is 2/3 of the slot, when the aggregate is fetched
// (consensus-specs validator.md).
func (n *Node) aggregationTime(slot phase0.Slot) time.Time {
	return n.clock.SlotStart(slot).Add(2 * n.cfg.SlotDuration / 3)
}

// atAggregationTime runs f at the aggregation time of slot (now when it
// has passed), off the loop: f starts a beacon node request, which must
// not wait for the loop's turn (the low lane waits behind every
// attestation and proposal), and only its answer goes to the loop. f must
// not touch the loop's state.
func (n *Node) atAggregationTime(slot phase0.Slot, f func()) {
	if wait := n.aggregationTime(slot).Sub(n.now()); wait > 0 {
		time.AfterFunc(wait, f)
		return
	}
	go f()
}

// aggServeAttester keeps the aggregator duty of an attester duty until
// the DV's attestation is submitted (aggAttested).
func (n *Node) aggServeAttester(v *validator, d *spec.AttestationDuty) {
	if n.agg == nil {
		return
	}
	if n.cfg.VC != nil {
		// VC-middleware: the validator client may post its selection
		// proof before its attestation, and the node signs nothing.
		n.aggServeAttesterNow(v, d)
		return
	}
	n.agg.pendingAtt[aggDutyKey{v.index, d.Slot}] = d
	n.aggCommittees(n.clock.EpochOf(d.Slot), d.Slot)
}

// aggPrefetch asks for the committees of slot's epoch and of the next at
// every slot start, ahead of their first attester duties (the committees
// of the next epoch are known a whole epoch ahead): a node new to a large
// registry resolves every committee member's key once (a 300,000-validator
// registry took each node of a devnet about 15 CPU-s), and the aggregator
// duties of the epoch's first slots were lost waiting for it. Nothing
// happens for committees known or on their way.
func (n *Node) aggPrefetch(slot phase0.Slot) {
	if n.agg == nil {
		return
	}
	epoch := n.clock.EpochOf(slot)
	n.aggCommittees(epoch, slot)
	n.aggCommittees(epoch+1, slot)
}

// aggCommittees starts fetching the committee keys of epoch unless they
// are known or on their way; the duties waiting for them are served when
// they arrive. They are fetched when the first attester duty of the epoch
// arrives, so that serving at the attestation's submission finds them.
func (n *Node) aggCommittees(epoch phase0.Epoch, slot phase0.Slot) {
	if _, ok := n.agg.committees[epoch]; ok || n.agg.fetching[epoch] {
		return
	}
	n.agg.fetching[epoch] = true
	go func() {
		cs, err := n.fetchCommitteeKeys(epoch, slot)
		n.post(func() {
			delete(n.agg.fetching, epoch)
			waiting := n.agg.pending[epoch]
			delete(n.agg.pending, epoch)
			if err != nil {
				// Asked again by the epoch's next duty.
				n.log.Warn("aggregation: no committees, the waiting aggregator duties are not served", "epoch", epoch, "duties", len(waiting), "err", err)
				return
			}
			n.agg.committees[epoch] = cs
			maps.Copy(n.agg.parsed, n.ownCommittees(cs))
			for e := range n.agg.committees {
				if e+2 < epoch {
					delete(n.agg.committees, e)
				}
			}
			for c := range n.agg.parsed {
				if n.clock.EpochOf(c.slot)+2 < epoch {
					delete(n.agg.parsed, c)
				}
			}
			for _, d := range waiting {
				if v := n.byIndex[d.ValidatorIndex]; v != nil {
					n.aggServeWith(v, d, cs)
				}
			}
		})
	}()
}

// ownCommittees are lazy key lists, with the node's memo of checks, of
// the committees of cs that hold one of the node's validators.
func (n *Node) ownCommittees(cs map[committeeAt][]phase0.BLSPubKey) map[committeeAt]*bls.PublicKeys {
	out := map[committeeAt]*bls.PublicKeys{}
	for c, keys := range cs {
		if slices.ContainsFunc(keys, func(k phase0.BLSPubKey) bool { return n.vals[k] != nil }) {
			out[c] = bls.NewLazyPublicKeys(keys).WithMemo(n.agg.aggVerified)
		}
	}
	return out
}

// aggServeAttesterNow serves the aggregator duty of an attester duty once
// the committee's keys are known.
func (n *Node) aggServeAttesterNow(v *validator, d *spec.AttestationDuty) {
	epoch := n.clock.EpochOf(d.Slot)
	if cs, ok := n.agg.committees[epoch]; ok {
		n.aggServeWith(v, d, cs)
		return
	}
	n.agg.pending[epoch] = append(n.agg.pending[epoch], d)
	n.aggCommittees(epoch, d.Slot)
}

func (n *Node) aggServeWith(v *validator, d *spec.AttestationDuty, cs map[committeeAt][]phase0.BLSPubKey) {
	ev, ok := n.aggServeEvent(d, cs)
	if !ok {
		n.log.Warn("aggregation: the committee does not match the duty", "validator", v.index, "slot", d.Slot, "keys", len(ev.Committee), "length", d.CommitteeLength)
		return
	}
	n.agg.duties[aggDutyKey{v.index, d.Slot}] = d
	n.aggDeliver(v, ev)
}

// aggServeEvent is the serve event of d with its committee's keys from cs
// and their lazy key list (ownCommittees; the spec ignores a list that is
// not exactly the keys); false when the keys are not the duty's committee
// length.
func (n *Node) aggServeEvent(d *spec.AttestationDuty, cs map[committeeAt][]phase0.BLSPubKey) (aggduty.ServeAggregatorDuty, bool) {
	at := committeeAt{d.Slot, d.CommitteeIndex}
	ev := aggduty.ServeAggregatorDuty{Duty: d, Committee: cs[at], Parsed: n.agg.parsed[at]}
	return ev, uint64(len(ev.Committee)) == d.CommitteeLength
}

// fetchCommitteeKeys resolves an epoch's beacon committees to public keys:
// from the committees endpoint, or, when its answer is refused (
// go-eth2-client refuses an empty committee, as a small registry has),
// from the attester duties of the whole registry, each of which names its
// committee, its position and its key.
func (n *Node) fetchCommitteeKeys(epoch phase0.Epoch, slot phase0.Slot) (map[committeeAt][]phase0.BLSPubKey, error) {
	// Until the end of the next slot: an aggregate is asked for until then.
	deadline := n.aggregateDeadline(slot)
	// One attempt: the refusal this falls back from is not transient.
	ctx, cancel := context.WithTimeout(n.ctx, n.fetchTimeout())
	comms, err := n.cfg.BeaconNode.BeaconCommittees(ctx, "head", &epoch)
	cancel()
	if err == nil {
		return n.committeeKeys(deadline, epoch, comms)
	}
	n.log.Debug("aggregation: committees endpoint refused, using attester duties", "epoch", epoch, "err", err)
	// The registry's size is unknown: ask for indices in doubling ranges
	// until the answer has fewer validators than asked for.
	vals := map[phase0.ValidatorIndex]*apiv1.Validator{}
	for size := 1024; size <= 1<<20; size *= 2 {
		ask := make([]phase0.ValidatorIndex, size)
		for i := range ask {
			ask[i] = phase0.ValidatorIndex(i)
		}
		err = n.retryBeaconNode(deadline, "validators", func(ctx context.Context) (err error) {
			vals, err = n.cfg.BeaconNode.Validators(ctx, "head", ask, nil)
			return err
		})
		if err != nil {
			return nil, err
		}
		if len(vals) < size {
			break
		}
	}
	indices := make([]phase0.ValidatorIndex, 0, len(vals))
	for vi := range vals {
		indices = append(indices, vi)
	}
	var duties *ethnode.AttesterDuties
	err = n.retryBeaconNode(deadline, "attester_duties", func(ctx context.Context) (err error) {
		duties, err = n.cfg.BeaconNode.AttesterDuties(ctx, epoch, indices)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := map[committeeAt][]phase0.BLSPubKey{}
	for _, d := range duties.Duties {
		if d == nil || d.CommitteeLength == 0 || d.ValidatorCommitteeIndex >= d.CommitteeLength || d.CommitteeLength > networking.MaxValidatorsPerCommittee {
			return nil, fmt.Errorf("malformed attester duty in epoch %d", epoch)
		}
		k := committeeAt{d.Slot, d.CommitteeIndex}
		keys := out[k]
		if keys == nil {
			keys = make([]phase0.BLSPubKey, d.CommitteeLength)
			out[k] = keys
		}
		if uint64(len(keys)) != d.CommitteeLength {
			return nil, fmt.Errorf("committee %d at slot %d given two lengths", d.CommitteeIndex, d.Slot)
		}
		keys[d.ValidatorCommitteeIndex] = d.PubKey
	}
	for k, keys := range out {
		for i, pk := range keys {
			if pk == (phase0.BLSPubKey{}) {
				return nil, fmt.Errorf("committee %d at slot %d: no duty for position %d", k.index, k.slot, i)
			}
		}
	}
	return out, nil
}

// committeeKeys resolves committees' indices to public keys.
func (n *Node) committeeKeys(deadline time.Time, epoch phase0.Epoch, comms []*apiv1.BeaconCommittee) (map[committeeAt][]phase0.BLSPubKey, error) {
	// Only the committees one of the node's validators sits in serve an
	// aggregator duty.
	var mine []*apiv1.BeaconCommittee
	var ask []phase0.ValidatorIndex
	for _, c := range comms {
		if c == nil || n.clock.EpochOf(c.Slot) != epoch || !slices.ContainsFunc(c.Validators, n.isOwnValidator) {
			continue
		}
		mine = append(mine, c)
		ask = append(ask, c.Validators...)
	}
	keys, err := n.validatorKeys(deadline, ask)
	if err != nil {
		return nil, err
	}
	out := map[committeeAt][]phase0.BLSPubKey{}
	for _, c := range mine {
		ck := make([]phase0.BLSPubKey, len(c.Validators))
		for i, vi := range c.Validators {
			ck[i] = keys[vi]
		}
		out[committeeAt{c.Slot, c.Index}] = ck
	}
	return out, nil
}

// isOwnValidator reports whether vi is one of the node's validators
// (byIndex is fixed at New: safe off the loop).
func (n *Node) isOwnValidator(vi phase0.ValidatorIndex) bool { return n.byIndex[vi] != nil }

// committeeAt names one beacon committee of an epoch.
type committeeAt struct {
	slot  phase0.Slot
	index phase0.CommitteeIndex
}

// aggAttested is the gate: the DV's attestation for data.Slot was handed to
// the submitter.
func (n *Node) aggAttested(v *validator, data *phase0.AttestationData) {
	if n.agg == nil {
		return
	}
	k := aggDutyKey{v.index, data.Slot}
	if d := n.agg.pendingAtt[k]; d != nil {
		delete(n.agg.pendingAtt, k)
		n.afterAttestations(data.Slot, func() { n.aggServeAttesterNow(v, d) })
	}
	n.aggDeliver(v, aggduty.AttestationSubmitted{Data: data})
}

// onAggShare is onShare for a kind-5 share (transport goroutine): within
// the sender's inbound budget, its signature checked in the batch
// verifier first (the state machine's own check then finds the answer in
// the memo), delivered in the loop's low lane. A share whose slot is more
// than a slot past is shed: an aggregate or a contribution is fetched and
// agreed on within its slot, so an older share can change nothing.
func (n *Node) onAggShare(from uint64, v *validator, s *networking.AggregationShare, size int) {
	if n.agg == nil {
		n.cfg.Metrics.Dropped(MsgShare, "aggregation_off")
		return
	}
	late := func() bool { return s.Slot+1 < n.clockSlot() }
	if late() {
		n.shedMessage(MsgShare)
		return
	}
	if !n.in.take(from, size) {
		n.cfg.Metrics.Dropped(MsgShare, errInboundBudget.Error())
		n.drops.dropped(from, MsgShare, errInboundBudget.Error(), nil, nil)
		return
	}
	deliver := func() {
		n.postLane(consensus.DutyAggregator, func() {
			n.in.give(from, size)
			if late() {
				n.shedMessage(MsgShare)
				return
			}
			n.aggDeliver(v, aggduty.ReceivedAggregationShare{Share: s})
		})
	}
	pk, known := v.cfg.PublicShares[s.ShareIndex]
	if !known {
		deliver() // the state machine rejects it and says why
		return
	}
	n.agg.bv.submit(verifyJob{pk: pk, root: s.SigningRoot, sig: s.Signature, low: aggShareLow(s), done: deliver})
}

// aggShareLow puts the sync committee selection proofs, every member's
// every slot and signed ahead at the slot's start (aggPrepareSync), in the
// aggregation verifier's low lane: the shares that finish a duty close to
// its deadline (an AggregateAndProof, a ContributionAndProof) and the
// attesters' few selection proofs are checked before them.
func aggShareLow(s *networking.AggregationShare) bool {
	return s.Type == uint64(networking.ShareSyncSelectionProof)
}

func (n *Node) aggDeliver(v *validator, ev aggduty.Event) {
	a := n.aggOf(v)
	if a.blocked != nil {
		if len(a.backlog) >= MaxPeerBacklog {
			n.cfg.Metrics.QueueDropped("aggregation_backlog")
			return
		}
		a.backlog = append(a.backlog, ev)
		return
	}
	n.aggStep(v, a, ev)
}

var errAggSpecPanic = errors.New("node: spec/dvc/aggduty.Step panicked (a bug in the spec)")

func (n *Node) aggStep(v *validator, a *aggVal, ev aggduty.Event) {
	signer := &aggSigner{a: a}
	next, outs, err := func() (next *aggduty.State, outs []aggduty.Output, err error) {
		defer func() {
			if r := recover(); r != nil {
				next, outs, err = a.st, nil, fmt.Errorf("%w: %v", errAggSpecPanic, r)
			}
		}()
		return aggduty.Step(v.cfg, a.st, ev, aggduty.Oracles{Signer: signer, Verify: n.bls.Verify, Recover: n.bls.Recover})
	}()
	n.aggTraceStep(v, ev, outs, err)
	if err != nil && signer.missing != nil && errors.Is(err, errNeedSignature) {
		a.blocked = ev
		n.aggRequestSignature(v, a, signer.missing)
		return
	}
	if err != nil {
		n.cfg.Metrics.Step(ev.EventName(), "rejected")
		n.log.Debug("aggregation event rejected", "validator", v.index, "event", ev.EventName(), "err", err)
		return
	}
	a.st = next
	for _, o := range outs {
		n.aggExecute(v, o)
	}
}

func (n *Node) aggDrain(v *validator, a *aggVal) {
	for a.blocked == nil && len(a.backlog) > 0 {
		ev := a.backlog[0]
		a.backlog[0] = nil
		a.backlog = a.backlog[1:]
		n.aggStep(v, a, ev)
	}
}

func (n *Node) aggExecute(v *validator, o aggduty.Output) {
	if n.aggForVC(v, o) {
		return
	}
	switch o := o.(type) {
	case dvc.Broadcast:
		payload, err := networking.MarshalMessage(o.Message)
		if err != nil {
			n.log.Error("encoding an aggregation share failed", "err", err)
			return
		}
		var others []uint64
		for _, to := range o.To {
			if to == n.cfg.Self {
				if m, _ := o.Message.(*networking.AggregationShare); m != nil {
					n.aggLoopBack(v, m)
				}
			} else {
				others = append(others, to)
			}
		}
		n.send(MsgShare, payload, others)
	case aggduty.BeaconCommitteeSelectionCombined:
		// A proof combined ahead of its duty is only the VC's answer;
		// the served report subscribes and counts.
		if o.Selection == nil || !o.Served {
			return
		}
		slot := o.Selection.Slot
		if o.IsAggregator {
			n.tracker.start(consensus.DutyAggregator, v.index, slot, n.aggregationTime(slot))
		}
		n.aggSubscribe(v, slot, o.IsAggregator)
	case aggduty.SyncCommitteeSelectionCombined:
		if o.Selection != nil && o.Served && o.IsAggregator {
			n.tracker.start(consensus.DutySyncContribution, v.index, o.Selection.Slot, n.aggregationTime(o.Selection.Slot))
		}
	case aggduty.StartAggregateConsensus:
		n.aggStartConsensus(v, o)
	case aggduty.StartContributionConsensus:
		n.aggStartContributionConsensus(v, o)
	case aggduty.SubmitAggregateAndProof:
		n.aggSubmit(v, o.Signed)
	case aggduty.SubmitContributionAndProof:
		n.aggSubmitContribution(v, o.Signed)
	case dvc.Ignored:
		n.cfg.Metrics.Ignored(string(o.Reason))
	}
}

// aggLoopBack hands the node's own share to its state machine, which
// checks it like any other (the remote signer's answer is not trusted):
// through the batch verifier first, so the check costs a share of a
// multi-pairing instead of a pairing in the loop.
func (n *Node) aggLoopBack(v *validator, m *networking.AggregationShare) {
	deliver := func() {
		n.postLane(consensus.DutyAggregator, func() { n.aggDeliver(v, aggduty.ReceivedAggregationShare{Share: m}) })
	}
	pk, ok := v.cfg.PublicShares[m.ShareIndex]
	if !ok {
		n.later(func() { n.aggDeliver(v, aggduty.ReceivedAggregationShare{Share: m}) })
		return
	}
	// Not from the loop: submit waits while the verifier's queue is full.
	go n.agg.bv.submit(verifyJob{pk: pk, root: m.SigningRoot, sig: m.Signature, low: aggShareLow(m), done: deliver})
}

// memoValidity memoises a validity predicate by value: QBFT checks the
// same value several times (own value, proposal, round changes), and an
// aggregate's or a contribution's check aggregates many public keys.
func memoValidity(f func([]byte) error) func([]byte) error {
	var mu sync.Mutex
	seen := map[[32]byte]error{}
	return func(value []byte) error {
		k := sha256.Sum256(value)
		mu.Lock()
		err, ok := seen[k]
		mu.Unlock()
		if ok {
			return err
		}
		err = f(value)
		mu.Lock()
		if len(seen) < 64 {
			seen[k] = err
		}
		mu.Unlock()
		return err
	}
}

// aggSubscribe tells the beacon node whether the validator aggregates for
// its committee at slot (beacon_committee_subscriptions, is_aggregator).
func (n *Node) aggSubscribe(v *validator, slot phase0.Slot, isAggregator bool) {
	d := n.aggDuty(v, slot)
	if d == nil {
		return
	}
	sub := &apiv1.BeaconCommitteeSubscription{ValidatorIndex: v.index, Slot: slot, CommitteeIndex: d.CommitteeIndex, CommitteesAtSlot: d.CommitteesAtSlot, IsAggregator: isAggregator}
	go func() {
		ctx, cancel := context.WithTimeout(n.ctx, n.fetchTimeout())
		defer cancel()
		if err := n.cfg.BeaconNode.SubmitBeaconCommitteeSubscriptions(ctx, []*apiv1.BeaconCommitteeSubscription{sub}); err != nil {
			n.cfg.Metrics.BNError("beacon_committee_subscriptions")
			n.log.Debug("beacon committee subscription failed", "validator", v.index, "slot", slot, "err", err)
		}
	}()
}

// aggDuty is the attester duty the aggregation flow of slot was served with.
func (n *Node) aggDuty(v *validator, slot phase0.Slot) *spec.AttestationDuty {
	return n.agg.duties[aggDutyKey{v.index, slot}]
}

type aggDutyKey struct {
	vi   phase0.ValidatorIndex
	slot phase0.Slot
}

func (n *Node) aggStartConsensus(v *validator, o aggduty.StartAggregateConsensus) {
	id := o.ID
	origin := n.aggregationTime(id.Slot)
	val := o.Validity
	chain := n.cfg.Chain
	validity := memoValidity(func(value []byte) error {
		agg, err := consensus.DecodeAggregate(chain, id.Slot, value)
		if err != nil {
			return err
		}
		return consensus.IsValidAggregate(chain, agg, val)
	})
	if err := n.qbft.Start(id, validity, origin); err != nil {
		n.log.Warn("starting aggregate consensus failed", "instance", id, "err", err)
		return
	}
	n.agg.insts[id] = &aggInst{v: v, typ: consensus.DutyAggregator}
	n.tracker.stage(consensus.DutyAggregator, v.index, id.Slot, stageConsensus)
	n.atAggregationTime(id.Slot, func() {
		root, err := val.Data.HashTreeRoot()
		if err != nil {
			return
		}
		deadline := n.aggregateDeadline(id.Slot)
		go func() {
			var agg *eth2spec.VersionedAttestation
			err := n.aggFetch(deadline, "aggregate_attestation", func(ctx context.Context) (err error) {
				agg, err = n.cfg.BeaconNode.AggregateAttestation(ctx, id.Slot, root, val.CommitteeIndex)
				return err
			})
			var value []byte
			if err == nil {
				value, err = consensus.EncodeAggregate(chain, id.Slot, agg)
			}
			n.postLane(consensus.DutyAggregator, func() {
				n.aggOwnValue(consensus.DutyAggregator, v, id, value, err)
			})
		}()
	})
}

// aggFetch is retryBeaconNode for an aggregate or a contribution, which
// also retries a 404: the beacon node answers it while the attestations
// (sync committee messages) it aggregates have not reached it yet, which
// on a loaded network is after 2/3 of the slot.
func (n *Node) aggFetch(deadline time.Time, call string, attempt func(context.Context) error) error {
	return retryUntil(n.ctx, deadline, n.now, n.fetchTimeout(), n.cfg.SlotDuration/32, n.cfg.SlotDuration/8, func(ctx context.Context) error {
		err := attempt(ctx)
		if err == nil || retryable(err) {
			if err != nil {
				n.cfg.Metrics.BNError(call)
			}
			return err
		}
		var be *beaconclient.Error
		if errors.As(err, &be) && be.StatusCode == http.StatusNotFound {
			n.cfg.Metrics.BNError(call)
			return notYet{err}
		}
		return err
	})
}

// notYet is a 404 that aggFetch retries.
type notYet struct{ error }

func (e notYet) Unwrap() error { return e.error }

func (notYet) retryAgain() bool { return true }

// aggregateDeadline is how long the aggregate of slot is asked for: to the
// end of the next slot. An aggregate propagates for
// ATTESTATION_PROPAGATION_SLOT_RANGE slots; the fetch at 2/3 of the slot
// is a third of a slot from the slot's end, which a loaded beacon node
// (every aggregator of every committee asks at once) can miss.
func (n *Node) aggregateDeadline(slot phase0.Slot) time.Time {
	return n.clock.SlotStart(slot + 2)
}

// aggDecided turns a decided aggregation instance into the aggregation
// machine's event; it reports whether the instance was one.
func (n *Node) aggDecided(d qbft.Decide, origin time.Time) bool {
	if n.agg == nil {
		return false
	}
	ai := n.agg.insts[d.Instance]
	if ai == nil {
		return false
	}
	delete(n.agg.insts, d.Instance)
	id, value, v := d.Instance, d.Value, ai.v
	n.cfg.Metrics.Decided(ai.typ.String(), n.now().Sub(origin), d.Round)
	n.tracker.stage(ai.typ, v.index, id.Slot, stageDecided)
	if ai.typ == consensus.DutySyncContribution {
		n.later(func() {
			cs, err := consensus.DecodeContributions(n.cfg.Chain, value)
			if err != nil {
				n.log.Error("decided contributions do not decode", "instance", id, "err", err)
				return
			}
			n.aggDeliver(v, aggduty.ContributionConsensusDecided{ID: id, Contributions: cs})
		})
		return true
	}
	n.later(func() {
		agg, err := consensus.DecodeAggregate(n.cfg.Chain, id.Slot, value)
		if err != nil {
			n.log.Error("decided aggregate does not decode", "instance", id, "err", err)
			return
		}
		n.aggDeliver(v, aggduty.AggregateConsensusDecided{ID: id, Aggregate: agg})
	})
	return true
}

func (n *Node) aggSubmit(v *validator, s *eth2spec.VersionedSignedAggregateAndProof) {
	slot, err := s.Slot()
	if err != nil {
		n.log.Error("aggregate and proof without a slot", "validator", v.index, "err", err)
		return
	}
	n.tracker.stage(consensus.DutyAggregator, v.index, slot, stageSubmitted)
	go func() {
		ctx, cancel := context.WithTimeout(n.ctx, n.fetchTimeout())
		defer cancel()
		err := n.cfg.BeaconNode.SubmitAggregateAndProofs(ctx, []*eth2spec.VersionedSignedAggregateAndProof{s})
		report(n, []subItem[*eth2spec.VersionedSignedAggregateAndProof]{{item: s, typ: consensus.DutyAggregator, vi: v.index, slot: slot}}, err, "aggregate_and_proofs")
	}()
}

// aggSigner is the aggduty.Signer of one step, as loopSigner is for the DVC.
type aggSigner struct {
	a       *aggVal
	missing *aggSigRequest
}

type aggSigRequest struct {
	in   signing.SigningInput
	slot phase0.Slot
	req  func(fi *ethnode.ForkInfo, root *phase0.Root) *ethnode.SignRequest
	kind string
}

// kindSyncSelectionProof is the signing kind (metrics label) of a sync
// committee selection proof.
const kindSyncSelectionProof = "sync_selection_proof"

func (s *aggSigner) lookup(r *aggSigRequest) (phase0.BLSSignature, error) {
	if res, ok := s.a.sigs[r.in.SigningRoot]; ok {
		return res.sig, res.err
	}
	s.missing = r
	return phase0.BLSSignature{}, errNeedSignature
}

func epochOf(chain signing.Chain, slot phase0.Slot) phase0.Epoch {
	if chain.SlotsPerEpoch == 0 {
		return 0
	}
	return phase0.Epoch(uint64(slot) / chain.SlotsPerEpoch)
}

func (s *aggSigner) SignSelectionProof(slot phase0.Slot, in signing.SigningInput) (phase0.BLSSignature, error) {
	return s.lookup(&aggSigRequest{in: in, kind: "aggregation_slot", slot: slot, req: func(fi *ethnode.ForkInfo, root *phase0.Root) *ethnode.SignRequest {
		return ethnode.NewAggregationSlotSignRequest(fi, slot, root)
	}})
}

func (s *aggSigner) SignSyncSelectionProof(data *altair.SyncAggregatorSelectionData, in signing.SigningInput) (phase0.BLSSignature, error) {
	return s.lookup(&aggSigRequest{in: in, kind: kindSyncSelectionProof, slot: data.Slot, req: func(fi *ethnode.ForkInfo, root *phase0.Root) *ethnode.SignRequest {
		return ethnode.NewSyncCommitteeSelectionProofSignRequest(fi, data, root)
	}})
}

func (s *aggSigner) SignAggregateAndProof(ap *eth2spec.VersionedAggregateAndProof, in signing.SigningInput) (phase0.BLSSignature, error) {
	slot := aggregateAndProofSlot(ap)
	return s.lookup(&aggSigRequest{in: in, kind: "aggregate_and_proof", slot: slot, req: func(fi *ethnode.ForkInfo, root *phase0.Root) *ethnode.SignRequest {
		return ethnode.NewAggregateAndProofSignRequest(fi, ap, root)
	}})
}

func (s *aggSigner) SignContributionAndProof(cp *altair.ContributionAndProof, in signing.SigningInput) (phase0.BLSSignature, error) {
	var slot phase0.Slot
	if cp.Contribution != nil {
		slot = cp.Contribution.Slot
	}
	return s.lookup(&aggSigRequest{in: in, kind: "contribution_and_proof", slot: slot, req: func(fi *ethnode.ForkInfo, root *phase0.Root) *ethnode.SignRequest {
		return ethnode.NewContributionAndProofSignRequest(fi, cp, root)
	}})
}

func (n *Node) aggRequestSignature(v *validator, a *aggVal, r *aggSigRequest) {
	sem := n.agg.signSem
	if r.kind == kindSyncSelectionProof {
		sem = n.agg.syncSelSem
	}
	go func() {
		select {
		case sem <- struct{}{}:
		case <-n.ctx.Done():
			return
		}
		start := n.now()
		sig, err := n.aggSign(v, r)
		<-sem
		n.cfg.Metrics.Signed(r.kind, n.now().Sub(start), err)
		if err != nil && n.ctx.Err() == nil {
			n.log.Warn("aggregation signing failed", "validator", v.index, "kind", r.kind, "err", err)
		}
		n.post(func() {
			a.sigs[r.in.SigningRoot] = sigResult{sig: sig, err: err}
			ev := a.blocked
			a.blocked = nil
			if ev != nil {
				n.aggStep(v, a, ev)
			}
			// A step may need several signatures (one selection proof per
			// sync subcommittee): those obtained are kept until the step
			// goes through, or it would ask for them again forever.
			if a.blocked == nil {
				clear(a.sigs)
			}
			n.aggDrain(v, a)
		})
	}()
}

func (n *Node) aggSign(v *validator, r *aggSigRequest) (phase0.BLSSignature, error) {
	ctx, cancel := context.WithTimeout(n.ctx, n.cfg.SignTimeout)
	defer cancel()
	chain := n.cfg.Chain
	fi, err := ethnode.ForkInfoAt(chain.Forks, chain.GenesisValidatorsRoot, epochOf(chain, r.slot))
	if err != nil {
		return phase0.BLSSignature{}, err
	}
	root := r.in.SigningRoot
	return n.cfg.Signer.Sign(ctx, v.sharePub, r.req(fi, &root))
}

// aggSlotStarted forgets what old slots left behind.
func (n *Node) aggSlotStarted(slot phase0.Slot) {
	if n.agg == nil {
		return
	}
	keep := phase0.Slot(2 * n.cfg.Chain.SlotsPerEpoch)
	for k := range n.agg.duties {
		if k.slot+keep < slot {
			delete(n.agg.duties, k)
		}
	}
	for id := range n.agg.insts {
		if id.Slot+keep < slot {
			delete(n.agg.insts, id)
		}
	}
	for k := range n.agg.pendingAtt {
		if k.slot+keep < slot {
			delete(n.agg.pendingAtt, k)
		}
	}
	for k := range n.agg.pendingSync {
		if k.slot+keep < slot {
			delete(n.agg.pendingSync, k)
		}
	}
	for k := range n.agg.syncServed {
		if k.slot+keep < slot {
			delete(n.agg.syncServed, k)
		}
	}
	// A message never submitted (its duty failed) stops counting after
	// its slot and the next: it says nothing of the node's pace then.
	for k := range n.agg.syncOpen {
		if k.slot+2 < slot {
			delete(n.agg.syncOpen, k)
			if n.agg.syncOpenAt[k.slot]--; n.agg.syncOpenAt[k.slot] <= 0 {
				delete(n.agg.syncOpenAt, k.slot)
			}
		}
	}
}

// aggregateAndProofSlot is the slot of an unsigned AggregateAndProof (0
// when it has none: the signing request then fails on its fork info, or
// signs under genesis; the signing root is fixed by the spec either way).
func aggregateAndProofSlot(ap *eth2spec.VersionedAggregateAndProof) phase0.Slot {
	for _, p := range []*phase0.AggregateAndProof{ap.Phase0, ap.Altair, ap.Bellatrix, ap.Capella, ap.Deneb} {
		if p != nil && p.Aggregate != nil && p.Aggregate.Data != nil {
			return p.Aggregate.Data.Slot
		}
	}
	for _, p := range []*electra.AggregateAndProof{ap.Electra, ap.Fulu} {
		if p != nil && p.Aggregate != nil && p.Aggregate.Data != nil {
			return p.Aggregate.Data.Slot
		}
	}
	return 0
}
