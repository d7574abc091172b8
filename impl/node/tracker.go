package node

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/impl/beaconclient"
)

// stage is how far a duty got on this node.
type stage int

const (
	stageStarted stage = iota
	// stageRandaoSigned: a proposer duty's RANDAO share went out.
	stageRandaoSigned
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
	origin time.Time
	stage  stage
	// at is when this node first reached each phase (zero: not yet); the
	// phases explain where a duty's latency went (DutyResult.Phases).
	at [numPhases]time.Time
	// ownValue is set once the beacon node gave this node's candidate
	// value; valueErr is the last failure to get it.
	ownValue bool
	valueErr error
	// invalid is why this node's own value failed the instance's
	// validity predicate (slashable against its history, for instance).
	invalid error
	// refused is the beacon node's refusal (4xx) of the submission;
	// submitErr any other failure to submit (5xx, no answer).
	refused   string
	submitErr error
}

// tracker follows each duty from its start to the beacon node accepting
// this node's submission, and explains a duty that misses its deadline by
// the stage that failed. It only observes: it never changes what the state
// machines do.
type tracker struct {
	n      *Node
	duties map[dutyKey]*dutyState
}

func newTracker(n *Node) *tracker { return &tracker{n: n, duties: map[dutyKey]*dutyState{}} }

func (t *tracker) start(typ consensus.DutyType, vi phase0.ValidatorIndex, slot phase0.Slot, origin time.Time) {
	k := dutyKey{typ, vi, slot}
	if _, ok := t.duties[k]; !ok {
		d := &dutyState{origin: origin}
		d.at[PhaseStarted] = t.n.now()
		t.duties[k] = d
	}
}

func (t *tracker) stage(typ consensus.DutyType, vi phase0.ValidatorIndex, slot phase0.Slot, s stage) {
	d := t.duties[dutyKey{typ, vi, slot}]
	if d == nil {
		return
	}
	if s > d.stage {
		d.stage = s
	}
	if p := stagePhase[s]; p != 0 && d.at[p].IsZero() {
		d.at[p] = t.n.now()
	}
}

// mark records that a duty reached phase p (the first time counts).
func (t *tracker) mark(typ consensus.DutyType, vi phase0.ValidatorIndex, slot phase0.Slot, p Phase) {
	if d := t.duties[dutyKey{typ, vi, slot}]; d != nil && d.at[p].IsZero() {
		d.at[p] = t.n.now()
	}
}

// ownValue records the outcome of fetching this node's candidate value.
func (t *tracker) ownValue(typ consensus.DutyType, vi phase0.ValidatorIndex, slot phase0.Slot, err error) {
	if d := t.duties[dutyKey{typ, vi, slot}]; d != nil {
		if err == nil {
			d.ownValue, d.valueErr = true, nil
			if d.at[PhaseValue].IsZero() {
				d.at[PhaseValue] = t.n.now()
			}
		} else if !d.ownValue {
			d.valueErr = err
		}
	}
}

// ownValueInvalid records that the beacon node's value failed the
// validity predicate, so this node could not propose it.
func (t *tracker) ownValueInvalid(typ consensus.DutyType, vi phase0.ValidatorIndex, slot phase0.Slot, err error) {
	if d := t.duties[dutyKey{typ, vi, slot}]; d != nil {
		d.invalid = err
	}
}

func (t *tracker) accepted(typ consensus.DutyType, vi phase0.ValidatorIndex, slot phase0.Slot, at time.Time) {
	k := dutyKey{typ, vi, slot}
	d := t.duties[k]
	if d == nil {
		return
	}
	d.at[PhaseAccepted] = at
	t.finish(k, d, true, "", "", at.Sub(d.origin))
}

// onChain records that a block the beacon node imported carries the
// duty's message: the DV did its duty, whichever node's submission got it
// there (this node may never combine once the block tells its DVC the
// duty is decided).
func (t *tracker) onChain(typ consensus.DutyType, vi phase0.ValidatorIndex, slot phase0.Slot, at time.Time) {
	t.accepted(typ, vi, slot, at)
}

// submitFailed records a failed submission: a 4xx is the beacon node
// refusing the message, anything else the beacon node failing.
func (t *tracker) submitFailed(typ consensus.DutyType, vi phase0.ValidatorIndex, slot phase0.Slot, msg string, err error) {
	d := t.duties[dutyKey{typ, vi, slot}]
	if d == nil {
		return
	}
	var be *beaconclient.Error
	if errors.As(err, &be) && be.StatusCode >= 400 && be.StatusCode < 500 {
		d.refused = msg
		return
	}
	if err == nil {
		err = errors.New(msg)
	}
	d.submitErr = err
}

// stuckKey is a validator's duty type.
type stuckKey struct {
	vi  phase0.ValidatorIndex
	typ consensus.DutyType
}

// stuck returns the validators' duty types with a duty that started at
// least age before now and is not done.
func (t *tracker) stuck(now time.Time, age time.Duration) map[stuckKey]bool {
	out := map[stuckKey]bool{}
	for k, d := range t.duties {
		if now.Sub(d.origin) >= age {
			out[stuckKey{k.vi, k.typ}] = true
		}
	}
	return out
}

// expire fails the duties whose deadline passed.
func (t *tracker) expire() {
	now := t.n.now()
	for k, d := range t.duties {
		if now.Sub(d.origin) < t.n.cfg.DutyDeadline {
			continue
		}
		reason, detail := d.reason(k.typ)
		t.finish(k, d, false, reason, detail, 0)
	}
}

// Failure reasons: the stage that failed.
const (
	ReasonRandaoNotSigned     = "randao_not_signed"
	ReasonRandaoNotCombined   = "randao_not_combined"
	ReasonConsensusNotStarted = "consensus_not_started"
	ReasonNoOwnValue          = "no_own_value"
	ReasonOwnValueInvalid     = "own_value_invalid"
	ReasonBeaconNodeError     = "beacon_node_error"
	ReasonNoDecision          = "no_decision"
	ReasonNotSigned           = "not_signed"
	ReasonSharesNotCombined   = "shares_not_combined"
	ReasonRefusedByBeaconNode = "refused_by_beacon_node"
	ReasonNotAccepted         = "not_accepted"
)

// noAnswer is the detail of a fetch still unanswered at the deadline.
const noAnswer = "no answer from the beacon node in time"

// reason names the stage at which a failed duty stopped, and a detail (the
// beacon node's status and message where it failed). A duty whose own
// value never came is not blamed on consensus: without a value this node
// could not lead, and when no leader had one the instance could not
// decide.
func (d *dutyState) reason(typ consensus.DutyType) (string, string) {
	switch d.stage {
	case stageStarted:
		if typ == consensus.DutyProposer {
			return ReasonRandaoNotSigned, ""
		}
		return ReasonConsensusNotStarted, ""
	case stageRandaoSigned:
		return ReasonRandaoNotCombined, ""
	case stageConsensus:
		if !d.ownValue {
			if d.valueErr == nil {
				return ReasonNoOwnValue, noAnswer
			}
			if status := bnStatus(d.valueErr); status != 0 {
				return ReasonBeaconNodeError, statusDetail(status, d.valueErr)
			}
			return ReasonNoOwnValue, d.valueErr.Error()
		}
		if d.invalid != nil {
			return ReasonOwnValueInvalid, d.invalid.Error()
		}
		return ReasonNoDecision, ""
	case stageDecided:
		return ReasonNotSigned, ""
	case stageSigned:
		return ReasonSharesNotCombined, ""
	}
	if d.refused != "" {
		return ReasonRefusedByBeaconNode, d.refused
	}
	if d.submitErr != nil {
		return ReasonBeaconNodeError, statusDetail(bnStatus(d.submitErr), d.submitErr)
	}
	return ReasonNotAccepted, ""
}

// bnStatus is the HTTP status of a beacon node failure (0: none, or no
// answer).
func bnStatus(err error) int {
	var be *beaconclient.Error
	if errors.As(err, &be) {
		return be.StatusCode
	}
	return 0
}

func statusDetail(status int, err error) string {
	s := "no answer"
	if status != 0 {
		s = "status " + strconv.Itoa(status) + " " + http.StatusText(status)
	}
	return s + ": " + err.Error()
}

func (t *tracker) finish(k dutyKey, d *dutyState, ok bool, reason, detail string, latency time.Duration) {
	delete(t.duties, k)
	typ := k.typ.String()
	t.n.cfg.Metrics.Duty(typ, ok, reason, latency)
	phases := d.phases()
	if !ok {
		t.n.log.Warn("duty failed", "type", typ, "validator", k.vi, "slot", k.slot, "reason", reason, "detail", detail)
	} else {
		for p, at := range phases {
			if at >= 0 {
				t.n.cfg.Metrics.Phase(typ, Phase(p).String(), at)
			}
		}
		t.n.log.Debug("duty done", "type", typ, "validator", k.vi, "slot", k.slot, "latency", latency, "phases", phases)
	}
	if t.n.cfg.OnDuty != nil {
		t.n.cfg.OnDuty(DutyResult{Type: typ, Validator: k.vi, Slot: k.slot, OK: ok, Reason: reason, Detail: detail, Latency: latency, Phases: phases})
	}
}

// Phase is a point on a duty's way through this node, in the order a duty
// normally reaches them. Consensus starts before the own value is there
// (every node asks the beacon node once its instance runs), so PhaseValue
// usually comes after PhaseConsensus.
type Phase int

const (
	// PhaseStarted: the event loop took the duty from the scheduler.
	PhaseStarted Phase = iota
	// PhaseConsensus: the QBFT instance started (the RANDAO share is
	// combined first for a proposal).
	PhaseConsensus
	// PhaseValue: the beacon node gave this node's candidate value.
	PhaseValue
	// PhaseDecided: QBFT decided.
	PhaseDecided
	// PhaseSigned: this node's share of the decided duty was signed and
	// sent to the other nodes.
	PhaseSigned
	// PhaseCombined: threshold reached, the combined message was handed to
	// the submitter.
	PhaseCombined
	// PhaseAccepted: the beacon node accepted the submission.
	PhaseAccepted
	numPhases
)

var phaseNames = [numPhases]string{"started", "consensus", "value", "decided", "signed", "combined", "accepted"}

func (p Phase) String() string {
	if p < 0 || p >= numPhases {
		return "unknown"
	}
	return phaseNames[p]
}

// stagePhase is the phase a stage marks (0: none).
var stagePhase = map[stage]Phase{stageConsensus: PhaseConsensus, stageDecided: PhaseDecided, stageSigned: PhaseSigned, stageSubmitted: PhaseCombined}

// PhaseTimes are the offsets from a duty's start in slot time at which it
// reached each phase on this node, indexed by Phase; -1 where it did not.
type PhaseTimes [numPhases]time.Duration

func (d *dutyState) phases() PhaseTimes {
	var out PhaseTimes
	for p, at := range d.at {
		if at.IsZero() {
			out[p] = -1
		} else {
			out[p] = at.Sub(d.origin)
		}
	}
	return out
}
