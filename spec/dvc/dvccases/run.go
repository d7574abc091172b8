package dvccases

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/names"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

// Result is what a run of a scenario in one architecture did: the error
// names of its events, its submissions and validity verdicts, in order,
// and its final state.
type Result struct {
	Errors, Submissions, Verdicts []string
	Post                          *dvc.State
}

// Run plays the scenario in mode against the spec and checks it: setup
// events succeed; a refused event leaves the state unchanged and outputs
// nothing; in the primary architecture every statement holds (the output
// names, the error, the validity verdicts, Assert). In the VC-middleware
// run of a remote-signer scenario the validator client's submissions
// follow each cached value, as vectorgen writes them. vectorgen renders
// the same runs into the dvc vectors and checks the same statements.
func Run(env *Env, sc Scenario, mode dvc.Mode) (*Result, error) {
	f := env.NewFixture(sc.N, sc.Fork, mode)
	cfg, o := f.Config(sc.Node), f.Oracles(sc.Node)
	primary := mode == sc.Primary
	st, err := dvc.NewState(cfg, pre(sc, f))
	if err != nil {
		return nil, err
	}
	auto := mode == dvc.ModeVCMiddleware && sc.Primary == dvc.ModeRemoteSigner
	var queue []dvc.Event
	if sc.Setup != nil {
		queue = sc.Setup(f)
	}
	for len(queue) > 0 {
		e := queue[0]
		queue = queue[1:]
		next, out, err := dvc.Step(cfg, st, e, o)
		if err != nil {
			return nil, fmt.Errorf("setup event %s: %w", e.EventName(), err)
		}
		st = next
		if auto {
			queue = append(f.VCCaptures(sc.Node, e, out, st), queue...)
		}
	}
	type item struct {
		s    Step
		auto bool
	}
	var items []item
	for _, s := range sc.Steps(f) {
		items = append(items, item{s: s})
	}
	r := &Result{}
	var all []dvc.Output
	for k := 0; len(items) > 0; k++ {
		it := items[0]
		items = items[1:]
		s := it.s
		if c := s.Check; c != nil {
			err := dvc.ValidityFor(cfg, st, c.ID)(c.Value)
			if (err == nil) != (c.Want == nil) || (c.Want != nil && !errors.Is(err, c.Want)) {
				return nil, fmt.Errorf("check %d: the predicate gives %v, the author states %v", k, err, c.Want)
			}
			verdict := "valid"
			if err != nil {
				verdict = strings.Join(names.ErrorNames(err), "/")
			}
			r.Verdicts = append(r.Verdicts, verdict)
			continue
		}
		before, err := st.HashTreeRoot()
		if err != nil {
			return nil, err
		}
		next, out, err := dvc.Step(cfg, st, s.Ev, o)
		if !it.auto {
			r.Errors = append(r.Errors, strings.Join(names.ErrorNames(err), "/"))
		}
		// Step never changes its input state, refused or not.
		if after, herr := st.HashTreeRoot(); herr != nil || after != before {
			return nil, fmt.Errorf("step %d (%s) changed its input state", k, s.Ev.EventName())
		}
		if err != nil && (len(out) != 0 || next != st) {
			return nil, fmt.Errorf("step %d (%s): a refused event must return its input state and no output", k, s.Ev.EventName())
		}
		if primary && !it.auto {
			switch {
			case s.WantErr != nil:
				if !errors.Is(err, s.WantErr) {
					return nil, fmt.Errorf("step %d (%s): the spec gives %v, the author states %v", k, s.Ev.EventName(), err, s.WantErr)
				}
			case err != nil:
				return nil, fmt.Errorf("step %d (%s): %w", k, s.Ev.EventName(), err)
			case s.Want != "-" && OutputNames(out) != s.Want:
				return nil, fmt.Errorf("step %d (%s): the spec outputs %q, the author states %q", k, s.Ev.EventName(), OutputNames(out), s.Want)
			}
		}
		if primary && !it.auto && s.Then != nil {
			if err := s.Then(f, next, out); err != nil {
				return nil, fmt.Errorf("step %d (%s): %w", k, s.Ev.EventName(), err)
			}
		}
		if err != nil {
			continue
		}
		if err := snapshotRoundTrip(cfg, next); err != nil {
			return nil, fmt.Errorf("step %d (%s): %w", k, s.Ev.EventName(), err)
		}
		all = append(all, out...)
		for _, x := range out {
			switch x.(type) {
			case dvc.SubmitAttestation, dvc.SubmitBlock, dvc.SubmitSyncCommitteeMessage:
				// JSON follows the pointers, so equal messages compare equal.
				b, err := json.Marshal(x)
				if err != nil {
					return nil, err
				}
				r.Submissions = append(r.Submissions, x.OutputName()+" "+string(b))
			}
		}
		st = next
		if auto {
			var ins []item
			for _, c := range f.VCCaptures(sc.Node, s.Ev, out, st) {
				ins = append(ins, item{s: Step{Ev: c, Want: "-"}, auto: true})
			}
			items = append(ins, items...)
		}
	}
	r.Post = st
	if primary && sc.Assert != nil {
		if msg := sc.Assert(f, all); msg != "" {
			return nil, errors.New(msg)
		}
	}
	return r, nil
}

func pre(sc Scenario, f *Fixture) *slashing.SlashingDB {
	if sc.Pre == nil {
		return nil
	}
	return sc.Pre(f)
}

// Agree checks that the run of the other architecture refused the same
// events, submitted the same messages, gave the same validity verdicts
// and kept the same slashing DB as the primary run.
func Agree(primary, other *Result) error {
	for _, c := range []struct {
		what string
		a, b []string
	}{{"errors", primary.Errors, other.Errors}, {"submissions", primary.Submissions, other.Submissions}, {"validity verdicts", primary.Verdicts, other.Verdicts}} {
		if !slices.Equal(c.a, c.b) {
			return fmt.Errorf("the %s differ between the architectures: %v, %v", c.what, c.a, c.b)
		}
	}
	a, err := primary.Post.SlashingDB().MarshalSSZ()
	if err != nil {
		return err
	}
	b, err := other.Post.SlashingDB().MarshalSSZ()
	if err != nil {
		return err
	}
	if !bytes.Equal(a, b) {
		return errors.New("the slashing DBs differ between the architectures")
	}
	return nil
}

// snapshotRoundTrip checks that the state's snapshot survives SSZ and
// StateFromSnapshot unchanged (SPEC.md section 7.5).
func snapshotRoundTrip(cfg *dvc.Config, st *dvc.State) error {
	raw, err := st.Snapshot().MarshalSSZ()
	if err != nil {
		return err
	}
	snap, err := dvc.DecodeSnapshot(raw)
	if err != nil {
		return err
	}
	back, err := dvc.StateFromSnapshot(cfg, snap)
	if err != nil {
		return err
	}
	again, err := back.Snapshot().MarshalSSZ()
	if err != nil {
		return err
	}
	if !bytes.Equal(again, raw) {
		return errors.New("the state's snapshot does not round-trip")
	}
	return nil
}
