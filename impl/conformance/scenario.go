package conformance

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/signing"
)

// Scenario is one named script: how long the run is and what each node's
// beacon node does wrong when. Scenarios are JSON files (see
// adapter/CONFORMANCE.md for the format); the built-in ones live in
// scenarios/ and are embedded.
type Scenario struct {
	// Name identifies the scenario in reports (SCENARIO name=...).
	Name string `json:"name"`
	// Description says what the scenario proves.
	Description string `json:"description"`
	// Slots is the number of slots whose duties are judged (>= 1).
	Slots uint64 `json:"slots"`
	// SlotsPerEpoch overrides the chain's SLOTS_PER_EPOCH (0: 4, so that
	// checkpoints advance within a short run).
	SlotsPerEpoch uint64 `json:"slots_per_epoch,omitempty"`
	// SecondsPerSlot is the slot time (0: 1).
	SecondsPerSlot uint64 `json:"seconds_per_slot,omitempty"`
	// MinLiveness is the share of expected duties that must be done
	// (0: 1, every duty; faults are meant to stay within F).
	MinLiveness float64 `json:"min_liveness,omitempty"`
	// LivenessSkip names duty types (attester, proposer, sync_committee)
	// the liveness check leaves out, for a scenario whose adversity the
	// simulated chain itself cannot judge fairly; the description must say
	// why.
	LivenessSkip []string `json:"liveness_skip,omitempty"`
	// ForkEpochs schedules forks inside the run, by fork name (phase0 ..
	// fulu): the newest fork named is the last one scheduled, forks before
	// it not named activate at genesis, forks after it never (empty: every
	// fork through Electra at genesis).
	ForkEpochs map[string]uint64 `json:"fork_epochs,omitempty"`
	// Faults are applied to the named node's beacon endpoint.
	Faults []Fault `json:"faults,omitempty"`
}

// Fault kinds.
const (
	// FaultDown: the endpoint drops every connection (as a dead beacon
	// node would) during the slots.
	FaultDown = "down"
	// FaultErrors: every Every-th request answers Status (default 503).
	FaultErrors = "errors"
	// FaultSlow: every answer is delayed by DelayMillis.
	FaultSlow = "slow"
	// FaultDivergentHead: attestation data names the head of the slot
	// Lag slots back (a node whose beacon node lags: a different, valid
	// view).
	FaultDivergentHead = "divergent_head"
	// FaultSurroundOffer: attestation data names the genesis checkpoint as
	// its source, which surrounds the cluster's vote of the previous epoch
	// from epoch 3 on: an implementation must never sign it.
	FaultSurroundOffer = "surround_offer"
	// FaultLateHead: the slot's block reaches the beacon node DelayMillis
	// into the slot; until then attestation data names the previous
	// slot's block as head.
	FaultLateHead = "late_head"
	// FaultReorg: a short reorg in the beacon node's view. During the
	// slots the node's head is the block of slot FromSlot-1-Lag: the Lag
	// blocks after it, which the node had shown as head, are orphaned in
	// its view; after ToSlot it is back on the canonical chain.
	FaultReorg = "reorg"
	// FaultDoubleProposal: every block production request is answered
	// with a block of its own (the chain's block with the request's
	// graffiti replaced by a per-request one): a second, different block
	// for a slot the other nodes' beacon nodes offered, and a third if
	// the node asks again. At most one may ever be signed.
	FaultDoubleProposal = "double_proposal"
)

var faultKinds = map[string]bool{FaultDown: true, FaultErrors: true, FaultSlow: true, FaultDivergentHead: true, FaultSurroundOffer: true,
	FaultLateHead: true, FaultReorg: true, FaultDoubleProposal: true}

// Fault is scripted adversity on one node's beacon endpoint during slots
// [FromSlot, ToSlot] (ToSlot 0: to the end).
type Fault struct {
	Node        uint64 `json:"node"`
	Kind        string `json:"kind"`
	FromSlot    uint64 `json:"from_slot"`
	ToSlot      uint64 `json:"to_slot,omitempty"`
	Every       uint64 `json:"every,omitempty"`
	Status      int    `json:"status,omitempty"`
	DelayMillis uint64 `json:"delay_ms,omitempty"`
	Lag         uint64 `json:"lag,omitempty"`
}

// active reports whether f applies at slot.
func (f Fault) active(slot uint64) bool {
	return slot >= f.FromSlot && (f.ToSlot == 0 || slot <= f.ToSlot)
}

//go:embed scenarios/*.json
var builtin embed.FS

// Builtin returns the embedded scenarios, sorted by name.
func Builtin() ([]Scenario, error) {
	names, err := fs.Glob(builtin, "scenarios/*.json")
	if err != nil {
		return nil, err
	}
	var out []Scenario
	for _, n := range names {
		raw, err := builtin.ReadFile(n)
		if err != nil {
			return nil, err
		}
		s, err := Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Load reads a scenario file.
func Load(path string) (Scenario, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Scenario{}, err
	}
	s, err := Parse(raw)
	if err != nil {
		return Scenario{}, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// Parse decodes and validates a scenario; unknown fields are an error, so
// a misspelt field never silently means its default.
func Parse(raw []byte) (Scenario, error) {
	var s Scenario
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Scenario{}, fmt.Errorf("scenario: %w", err)
	}
	if err := s.Validate(0); err != nil {
		return Scenario{}, err
	}
	return s, nil
}

// Validate checks the scenario; nodes > 0 also checks the faults' node
// numbers against the cluster size.
func (s Scenario) Validate(nodes int) error {
	var errs []error
	if strings.TrimSpace(s.Name) == "" || strings.ContainsAny(s.Name, " \t\n=") {
		errs = append(errs, fmt.Errorf("name %q: want a non-empty word without spaces or '='", s.Name))
	}
	if s.Slots < 1 || s.Slots > 4096 {
		errs = append(errs, fmt.Errorf("slots %d: want 1..4096", s.Slots))
	}
	if s.SlotsPerEpoch > 1024 {
		errs = append(errs, fmt.Errorf("slots_per_epoch %d: want at most 1024", s.SlotsPerEpoch))
	}
	if s.SecondsPerSlot > 60 {
		errs = append(errs, fmt.Errorf("seconds_per_slot %d: want at most 60", s.SecondsPerSlot))
	}
	if s.MinLiveness < 0 || s.MinLiveness > 1 {
		errs = append(errs, fmt.Errorf("min_liveness %v: want 0..1", s.MinLiveness))
	}
	for i, d := range s.LivenessSkip {
		if d != DutyAttester && d != DutyProposer && d != DutySync {
			errs = append(errs, fmt.Errorf("liveness_skip[%d] %q: want attester, proposer or sync_committee", i, d))
		}
	}
	for i, f := range s.Faults {
		if !faultKinds[f.Kind] {
			errs = append(errs, fmt.Errorf("faults[%d].kind %q: want one of down, errors, slow, divergent_head, surround_offer, late_head, reorg, double_proposal", i, f.Kind))
		}
		if f.Node < 1 || (nodes > 0 && f.Node > uint64(nodes)) {
			errs = append(errs, fmt.Errorf("faults[%d].node %d: no such node", i, f.Node))
		}
		if f.ToSlot != 0 && f.ToSlot < f.FromSlot {
			errs = append(errs, fmt.Errorf("faults[%d].to_slot %d is before from_slot %d", i, f.ToSlot, f.FromSlot))
		}
		if (f.Kind == FaultSlow || f.Kind == FaultLateHead) && (f.DelayMillis == 0 || f.DelayMillis > 60000) {
			errs = append(errs, fmt.Errorf("faults[%d].delay_ms %d: want 1..60000", i, f.DelayMillis))
		}
		if f.Kind == FaultErrors && f.Status != 0 && (f.Status < 500 || f.Status > 599) {
			errs = append(errs, fmt.Errorf("faults[%d].status %d: want a 5xx status", i, f.Status))
		}
		if (f.Kind == FaultDivergentHead || f.Kind == FaultReorg) && (f.Lag < 1 || f.Lag > 8) {
			errs = append(errs, fmt.Errorf("faults[%d].lag %d: want 1..8 (the beacon node knows heads that recent)", i, f.Lag))
		}
	}
	for i, f := range s.Faults {
		if f.Kind == FaultReorg && (f.FromSlot < f.Lag+1 || f.ToSlot == 0) {
			errs = append(errs, fmt.Errorf("faults[%d]: a reorg needs from_slot > lag (%d) and a to_slot", i, f.Lag))
		}
	}
	if _, err := s.forkSchedule(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("scenario %q: %w", s.Name, errors.Join(errs...))
	}
	return nil
}

// forkSchedule builds the chain's fork schedule from ForkEpochs (mainnet
// fork versions); the zero schedule means simbeacon's default.
func (s Scenario) forkSchedule() (signing.ForkSchedule, error) {
	if len(s.ForkEpochs) == 0 {
		return signing.ForkSchedule{}, nil
	}
	latest := eth2spec.DataVersionPhase0
	for name := range s.ForkEpochs {
		v, ok := forkByName(name)
		if !ok {
			return signing.ForkSchedule{}, fmt.Errorf("fork_epochs: %q: want a fork name phase0 .. %s", name, signing.LatestName)
		}
		latest = max(latest, v)
	}
	base, err := signing.MainnetVersionsFromGenesis(latest)
	if err != nil {
		return signing.ForkSchedule{}, fmt.Errorf("fork_epochs: %w", err)
	}
	forks := base.Forks()
	for i := range forks {
		if e, ok := s.ForkEpochs[forks[i].Name.String()]; ok {
			forks[i].Epoch = phase0.Epoch(e)
		}
	}
	sched, err := signing.NewForkSchedule(forks...)
	if err != nil {
		return signing.ForkSchedule{}, fmt.Errorf("fork_epochs: %w", err)
	}
	return sched, nil
}

func forkByName(name string) (eth2spec.DataVersion, bool) {
	for v := eth2spec.DataVersionPhase0; v <= signing.LatestName; v++ {
		if v.String() == name {
			return v, true
		}
	}
	return 0, false
}

func (s Scenario) slotsPerEpoch() uint64 {
	if s.SlotsPerEpoch == 0 {
		return 4
	}
	return s.SlotsPerEpoch
}

func (s Scenario) secondsPerSlot() uint64 {
	if s.SecondsPerSlot == 0 {
		return 1
	}
	return s.SecondsPerSlot
}

func (s Scenario) minLiveness() float64 {
	if s.MinLiveness == 0 {
		return 1
	}
	return s.MinLiveness
}

// faulty returns the nodes with any fault.
func (s Scenario) faulty() map[uint64]bool {
	m := map[uint64]bool{}
	for _, f := range s.Faults {
		m[f.Node] = true
	}
	return m
}
