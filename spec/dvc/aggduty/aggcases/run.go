package aggcases

import (
	"errors"
	"fmt"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty"
)

var outputCmp = []cmp.Option{
	cmpopts.IgnoreFields(dvc.Ignored{}, "Detail"),
	cmpopts.IgnoreFields(consensus.ContributionValidity{}, "Parsed"),
	cmpopts.IgnoreFields(consensus.AggregateValidity{}, "Parsed"),
	cmpopts.EquateEmpty(),
}

// OutputsEqual compares outputs in full (an Ignored's Detail aside, and a
// validity's parsed keys, which only carry work already done).
func OutputsEqual(got, want []aggduty.Output) error {
	if diff := cmp.Diff(want, got, outputCmp...); diff != "" {
		return fmt.Errorf("outputs (-want +got):\n%s", diff)
	}
	return nil
}

// StepResult is what the spec did at one step.
type StepResult struct {
	Out []aggduty.Output
	Err error
}

// Run plays the scenario against the spec from the empty state and checks
// every statement: the exact outputs, or the error with the input state
// returned and no output. It returns the steps' results, as vectorgen
// writes them.
func Run(f *F, sc Scenario) ([]Step, []StepResult, error) {
	cfg, o := f.Config(), f.Oracles()
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	s := aggduty.NewState()
	steps := sc.Steps(f)
	var res []StepResult
	for k, step := range steps {
		next, out, err := aggduty.Step(cfg, s, step.Ev, o)
		res = append(res, StepResult{Out: out, Err: err})
		if step.WantErr != nil {
			if !errors.Is(err, step.WantErr) {
				return nil, nil, fmt.Errorf("step %d (%s): the spec gives %v, the author states %v", k, step.Ev.EventName(), err, step.WantErr)
			}
			if next != s || len(out) != 0 {
				return nil, nil, fmt.Errorf("step %d (%s): a refused event must return its input state and no output", k, step.Ev.EventName())
			}
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("step %d (%s): %w", k, step.Ev.EventName(), err)
		}
		if err := OutputsEqual(out, step.Want); err != nil {
			return nil, nil, fmt.Errorf("step %d (%s): %w", k, step.Ev.EventName(), err)
		}
		s = next
	}
	return steps, res, nil
}
