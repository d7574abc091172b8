package node

import (
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
)

// stage is how far a duty got on this node.
type stage int

const (
	stageStarted stage = iota
	stageConsensus
	stageDecided
	stageSigned
	stageSubmitted
)

type dutyKey struct {
	typ  consensus.DutyType
	vi   phase0.ValidatorIndex
	slot phase0.Slot
}

type dutyState struct {
	origin  time.Time
	stage   stage
	refused string
}

// tracker follows each duty from its start to the beacon node accepting
// this node's submission, and explains a duty that misses its deadline by
// the stage it reached. It only observes: it never changes what the state
// machines do.
type tracker struct {
	n      *Node
	duties map[dutyKey]*dutyState
}

func newTracker(n *Node) *tracker { return &tracker{n: n, duties: map[dutyKey]*dutyState{}} }

func (t *tracker) start(typ consensus.DutyType, vi phase0.ValidatorIndex, slot phase0.Slot, origin time.Time) {
	k := dutyKey{typ, vi, slot}
	if _, ok := t.duties[k]; !ok {
		t.duties[k] = &dutyState{origin: origin}
	}
}

func (t *tracker) stage(typ consensus.DutyType, vi phase0.ValidatorIndex, slot phase0.Slot, s stage) {
	if d := t.duties[dutyKey{typ, vi, slot}]; d != nil && s > d.stage {
		d.stage = s
	}
}

func (t *tracker) accepted(typ consensus.DutyType, vi phase0.ValidatorIndex, slot phase0.Slot, at time.Time) {
	k := dutyKey{typ, vi, slot}
	d := t.duties[k]
	if d == nil {
		return
	}
	t.finish(k, d, true, "", at.Sub(d.origin))
}

func (t *tracker) refused(typ consensus.DutyType, vi phase0.ValidatorIndex, slot phase0.Slot, msg string) {
	if d := t.duties[dutyKey{typ, vi, slot}]; d != nil {
		d.refused = msg
	}
}

// expire fails the duties whose deadline passed.
func (t *tracker) expire() {
	now := t.n.now()
	for k, d := range t.duties {
		if now.Sub(d.origin) < t.n.cfg.DutyDeadline {
			continue
		}
		reason := d.stage.reason(k.typ)
		if d.refused != "" {
			reason = "refused_by_beacon_node"
		}
		t.finish(k, d, false, reason, 0)
	}
}

func (s stage) reason(typ consensus.DutyType) string {
	switch s {
	case stageStarted:
		if typ == consensus.DutyProposer {
			return "randao_not_combined"
		}
		return "consensus_not_started"
	case stageConsensus:
		return "no_decision"
	case stageDecided:
		return "not_signed"
	case stageSigned:
		return "shares_not_combined"
	}
	return "not_accepted"
}

func (t *tracker) finish(k dutyKey, d *dutyState, ok bool, reason string, latency time.Duration) {
	delete(t.duties, k)
	typ := k.typ.String()
	t.n.cfg.Metrics.Duty(typ, ok, reason, latency)
	if !ok {
		t.n.log.Warn("duty failed", "type", typ, "validator", k.vi, "slot", k.slot, "reason", reason, "refusal", d.refused)
	} else {
		t.n.log.Debug("duty done", "type", typ, "validator", k.vi, "slot", k.slot, "latency", latency)
	}
	if t.n.cfg.OnDuty != nil {
		t.n.cfg.OnDuty(DutyResult{Type: typ, Validator: k.vi, Slot: k.slot, OK: ok, Reason: reason, Latency: latency})
	}
}
