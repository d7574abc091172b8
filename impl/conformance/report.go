package conformance

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
)

// Report is the judgement of one scenario run.
type Report struct {
	Scenario string   `json:"scenario"`
	Pass     bool     `json:"pass"`
	Checks   []Result `json:"checks"`
	// Faults says how often each scripted fault changed an answer.
	Faults []FaultLine `json:"faults,omitempty"`
	// Submissions are what the nodes submitted, in arrival order, for
	// comparing two implementations' runs.
	Submissions []SubmissionLine `json:"submissions"`
}

// FaultLine is one scripted fault and how many answers it changed.
type FaultLine struct {
	Node    uint64 `json:"node"`
	Kind    string `json:"kind"`
	Applied uint64 `json:"applied"`
}

// SubmissionLine is a submission as the report writes it.
type SubmissionLine struct {
	Node      uint64 `json:"node"`
	Kind      string `json:"kind"`
	Validator uint64 `json:"validator,omitempty"`
	Slot      uint64 `json:"slot"`
	// Root is the attestation data root, or for a block the SHA-256 of
	// its signature.
	Root string `json:"root"`
	// Refused is the chain's answer to a refused block.
	Refused string `json:"refused,omitempty"`
}

// NewReport judges in for scenario s.
func NewReport(s Scenario, in Input) *Report {
	r := &Report{Scenario: s.Name, Pass: true, Checks: Judge(in)}
	for _, c := range r.Checks {
		r.Pass = r.Pass && c.Pass
	}
	subs := append([]Submission(nil), in.Submissions...)
	sort.SliceStable(subs, func(i, j int) bool { return subs[i].At.Before(subs[j].At) })
	for _, x := range subs {
		line := SubmissionLine{Node: x.Node, Kind: x.Kind, Slot: uint64(x.Slot)}
		switch x.Kind {
		case KindAttestation:
			line.Validator = uint64(x.Validator)
			if root, err := x.Data.HashTreeRoot(); err == nil {
				line.Root = "0x" + hex.EncodeToString(root[:])
			}
		case KindBlock:
			line.Root = "0x" + hex.EncodeToString(x.Body[:])
			line.Refused = x.Refused
		}
		r.Submissions = append(r.Submissions, line)
	}
	return r
}

// Result returns the result of the named check (nil if absent).
func (r *Report) Result(check string) *Result {
	for i := range r.Checks {
		if r.Checks[i].Check == check {
			return &r.Checks[i]
		}
	}
	return nil
}

// Line is the machine-readable summary line of the scenario.
func (r *Report) Line() string {
	result := "pass"
	if !r.Pass {
		result = "fail"
	}
	var failed []string
	for _, c := range r.Checks {
		if !c.Pass {
			failed = append(failed, c.Check)
		}
	}
	line := fmt.Sprintf("SCENARIO name=%s result=%s checks=%d", r.Scenario, result, len(r.Checks))
	if len(failed) > 0 {
		line += " failed=" + strings.Join(failed, ",")
	}
	return line
}

// WriteTable writes the report for people: one row per check, then the
// errors of failed checks.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "scenario %s\n", r.Scenario)
	fmt.Fprintln(tw, "CHECK\tRESULT\tDETAIL")
	for _, c := range r.Checks {
		res := "pass"
		if !c.Pass {
			res = "FAIL"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Check, res, c.Detail)
	}
	for _, f := range r.Faults {
		fmt.Fprintf(tw, "fault\tnode %d %s\tapplied %d times\n", f.Node, f.Kind, f.Applied)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	refused := 0
	for _, s := range r.Submissions {
		if s.Refused != "" {
			if refused == 0 {
				fmt.Fprintf(w, "  block of slot %d from node %d refused by the chain: %s\n", s.Slot, s.Node, s.Refused)
			}
			refused++
		}
	}
	if refused > 1 {
		fmt.Fprintf(w, "  (%d block submissions refused in all)\n", refused)
	}
	for _, c := range r.Checks {
		for _, e := range c.Errors {
			if _, err := fmt.Fprintf(w, "  %s: %s\n", c.Check, e); err != nil {
				return err
			}
		}
		for _, n := range c.Notes {
			if _, err := fmt.Fprintf(w, "  %s (note): %s\n", c.Check, n); err != nil {
				return err
			}
		}
	}
	return nil
}

// WriteJSON writes the report as one JSON document to path.
func (r *Report) WriteJSON(path string) error {
	raw, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(raw, '\n'), 0o644)
}
