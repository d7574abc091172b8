package devnet

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/node"
)

// ReportLine is one line of --report: a duty the beacon node assigned, its
// outcome as the beacon node recorded it, and why it failed as the nodes
// saw it.
type ReportLine struct {
	Type string `json:"type"`
	// Validator and Slot are JSON numbers (not the beacon API's quoted
	// decimals), for jq and scripts.
	Validator uint64 `json:"validator"`
	Slot      uint64 `json:"slot"`
	// Outcome is "succeeded" (the beacon node accepted a valid signature
	// of the duty) or "failed".
	Outcome string `json:"outcome"`
	// Reason is empty for a success; for a failure, the stage most
	// in-process nodes named (impl/node's duty outcomes: no_decision,
	// consensus_not_started, not_signed, ...), or "not_accepted" when no
	// node reported one (nodes run as processes, or all down).
	Reason string `json:"reason"`
	// LatencyMS is from the duty's start to the beacon node's acceptance.
	LatencyMS int64 `json:"latency_ms,omitempty"`
	// Nodes holds each reporting node's own reason, by node index.
	Nodes map[string]string `json:"nodes,omitempty"`
}

type dutyID struct {
	typ  string
	v    phase0.ValidatorIndex
	slot phase0.Slot
}

// nodeReasons collects the in-process nodes' failed duty outcomes.
type nodeReasons struct {
	mu sync.Mutex
	m  map[dutyID]map[uint64]string
	// phases are the nodes' succeeded duties' phase times.
	phases *phaseStats
}

func newNodeReasons() *nodeReasons {
	return &nodeReasons{m: map[dutyID]map[uint64]string{}, phases: newPhaseStats()}
}

// record is node i's OnDuty.
func (r *nodeReasons) record(i uint64) func(node.DutyResult) {
	return func(d node.DutyResult) {
		r.mu.Lock()
		defer r.mu.Unlock()
		if d.OK {
			r.phases.add(d)
			return
		}
		k := dutyID{d.Type, d.Validator, d.Slot}
		if r.m[k] == nil {
			r.m[k] = map[uint64]string{}
		}
		r.m[k][i] = d.Reason
	}
}

// phaseLines summarises the phases of the nodes' succeeded duties.
func (r *nodeReasons) phaseLines() []PhaseLine {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.phases.lines()
}

// lines builds the report of duties.
func (r *nodeReasons) lines(duties []Duty) []ReportLine {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]ReportLine, 0, len(duties))
	for _, d := range duties {
		l := ReportLine{Type: d.Type, Validator: uint64(d.Validator), Slot: uint64(d.Slot), Outcome: "succeeded"}
		if d.Accepted {
			l.LatencyMS = d.Latency.Milliseconds()
			out = append(out, l)
			continue
		}
		l.Outcome, l.Reason = "failed", "not_accepted"
		if byNode := r.m[dutyID{d.Type, d.Validator, d.Slot}]; len(byNode) > 0 {
			l.Nodes = map[string]string{}
			count := map[string]int{}
			for i, reason := range byNode {
				l.Nodes[strconv.FormatUint(i, 10)] = reason
				count[reason]++
			}
			reasons := make([]string, 0, len(count))
			for reason := range count {
				reasons = append(reasons, reason)
			}
			sort.Slice(reasons, func(a, b int) bool {
				if count[reasons[a]] != count[reasons[b]] {
					return count[reasons[a]] > count[reasons[b]]
				}
				return reasons[a] < reasons[b]
			})
			l.Reason = reasons[0]
		}
		out = append(out, l)
	}
	return out
}

// WriteReport writes one JSON line per duty to path.
func WriteReport(path string, lines []ReportLine) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for i := range lines {
		if err := enc.Encode(&lines[i]); err != nil {
			f.Close()
			return fmt.Errorf("report: %w", err)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("report: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// ReadReport reads a report written by WriteReport.
func ReadReport(path string) ([]ReportLine, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []ReportLine
	for i, s := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if s == "" {
			continue
		}
		var l ReportLine
		if err := json.Unmarshal([]byte(s), &l); err != nil {
			return nil, fmt.Errorf("report line %d: %w", i+1, err)
		}
		out = append(out, l)
	}
	return out, nil
}
