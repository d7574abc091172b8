package node

import (
	"sync"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec/dvc"
)

// Overload handling (issue 16 item 4). The loop has three lanes:
// proposals, attestations, slot starts and everything else go first; sync
// committee work arriving from peers (shares, QBFT messages) and sync
// committee duties wait until the first lane is empty; aggregation work
// (issue 13: shares, QBFT messages, the beacon node's aggregates and
// contributions) waits until both are empty, except that it gets one turn
// in aggTurnEvery while it waits, so that a node kept busy by its other
// duties still aggregates (an aggregate never costs an attestation: its
// turn comes after aggTurnEvery turns of the other lanes, and its flow
// starts only after the attestation was submitted). Work whose duty can no longer be included (the DVC's expiry
// rule, SPEC.md amendment A23, applied to the node's clock) is shed: a
// peer's message before its signature is checked, and anything queued
// when its turn comes, so a node that falls behind spends no CPU on the
// past. Shed work is counted (dvnode_p2p_messages_dropped_total
// {reason="expired"}, dvnode_queue_dropped_total{queue="expired_duty"})
// and, once per epoch, a node that shed work or whose queues were long
// says so in its log with the numbers. Beyond the loop, a slot's sync
// committee signing and its aggregator duties wait for the node's
// attestations of the slot to be answered (attfirst.go).

// Loop lanes, in priority order.
const (
	laneFirst = iota
	laneSync
	laneAggregation
)

// aggTurnEvery is how many turns of the other lanes the loop takes at most
// while aggregation work waits.
const aggTurnEvery = 16

// laneOf is the lane of work of duty type d: sync committee messages, then
// both kinds of aggregation, wait behind the first lane.
func laneOf(d consensus.DutyType) int {
	switch d {
	case consensus.DutySyncCommittee, consensus.DutySlotSyncCommittee:
		return laneSync
	case consensus.DutyAggregator, consensus.DutySyncContribution:
		return laneAggregation
	}
	return laneFirst
}

// shareDuty is the duty type a share message belongs to (ok false for a
// kind this node does not shed or delay).
func shareDuty(m networking.Message) (consensus.DutyType, bool) {
	switch m.(type) {
	case *networking.AttestationShare:
		return consensus.DutyAttester, true
	case *networking.RandaoShare, *networking.BlockShare:
		return consensus.DutyProposer, true
	case *networking.SyncCommitteeMessageShare:
		return consensus.DutySyncCommittee, true
	case *networking.AggregationShare:
		// Low lane; never shed (expiredAt knows no aggregation rule).
		return consensus.DutyAggregator, true
	}
	return 0, false
}

// expiredAt is the DVC's expiry rule (spec/dvc NewSlot, A23): at slot now,
// an attestation of slot s is expired after AttestationLastSlot(s), a
// block or sync committee message after s + 1. Other duty types never.
func expiredAt(cfg *dvc.Config, d consensus.DutyType, s, now phase0.Slot) bool {
	switch d {
	case consensus.DutyAttester:
		return cfg.AttestationLastSlot(s) < now
	case consensus.DutyProposer, consensus.DutySyncCommittee:
		return s+1 < now
	}
	return false
}

// expired is expiredAt at this node's clock.
func (n *Node) expired(cfg *dvc.Config, d consensus.DutyType, s phase0.Slot) bool {
	return expiredAt(cfg, d, s, n.clockSlot())
}

// overloadStats is what the once-per-epoch report counts. Transport
// goroutines and the loop update it.
type overloadStats struct {
	mu       sync.Mutex
	shed     map[string]int // by what was shed: share, qbft, duty
	maxHigh  int
	maxLow   int
	reported phase0.Slot
}

func (o *overloadStats) addShed(what string) {
	o.mu.Lock()
	if o.shed == nil {
		o.shed = map[string]int{}
	}
	o.shed[what]++
	o.mu.Unlock()
}

func (o *overloadStats) sample(high, low int) {
	o.mu.Lock()
	o.maxHigh = max(o.maxHigh, high)
	o.maxLow = max(o.maxLow, low)
	o.mu.Unlock()
}

// take returns the counts since the last call and resets them.
func (o *overloadStats) take() (shed map[string]int, maxHigh, maxLow int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	shed, maxHigh, maxLow = o.shed, o.maxHigh, o.maxLow
	o.shed, o.maxHigh, o.maxLow = nil, 0, 0
	return shed, maxHigh, maxLow
}

// backlogReport is the queue length above which an epoch's report is
// written even when nothing was shed: a loop that has this much waiting
// at a slot start is behind.
const backlogReport = 1024

// shedDuty counts a queued duty or input shed for expiry.
func (n *Node) shedDuty() {
	n.cfg.Metrics.QueueDropped("expired_duty")
	n.over.addShed("duty")
}

// shedMessage counts a peer's message shed for expiry.
func (n *Node) shedMessage(protocol string) {
	n.cfg.Metrics.Dropped(protocol, "expired")
	n.over.addShed(protocol)
}

// reportOverload runs at each slot start: it samples the queues and, at
// the first slot of an epoch, logs the last epoch's numbers when the node
// shed work or its queues were long.
func (n *Node) reportOverload(slot phase0.Slot) {
	n.over.sample(len(n.inbox), len(n.lowbox)+len(n.aggbox))
	spe := phase0.Slot(n.cfg.Chain.SlotsPerEpoch)
	if spe == 0 || slot%spe != 0 {
		return
	}
	shed, hi, lo := n.over.take()
	total := 0
	for _, c := range shed {
		total += c
	}
	if total == 0 && hi < backlogReport && lo < backlogReport {
		return
	}
	n.log.Warn("node cannot keep up: work shed or queued over the last epoch",
		"epoch", uint64(slot/spe)-1, "shed_total", total, "shed_shares", shed[MsgShare], "shed_qbft", shed[MsgQBFT],
		"shed_duty_inputs", shed["duty"], "max_queue", hi, "max_queue_sync", lo, "validators", len(n.list))
}
