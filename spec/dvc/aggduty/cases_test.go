package aggduty_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty/aggcases"
	"github.com/dvspec/go-dvspec/spec/dvc/dvccases"
)

// TestCases runs every case of aggcases, the ones vectorgen renders into
// the dvc_aggregation vectors, on a genesis validators root of its own:
// the statements (exact outputs built from the keys) hold for any root.
func TestCases(t *testing.T) {
	env := aggcases.NewEnv(&dvccases.Env{GenesisValidatorsRoot: phase0.Root{0x61}})
	for _, sc := range aggcases.Scenarios() {
		t.Run(sc.Handler+"/"+sc.Name+"/"+sc.Fork.String()+"/"+sc.Mode.String(), func(t *testing.T) {
			if _, _, err := aggcases.Run(env.NewF(sc.Fork, sc.Mode), sc); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// withEvents is sc with every event of its steps passed through rewrite.
func withEvents(sc aggcases.Scenario, rewrite func(aggduty.Event) aggduty.Event) aggcases.Scenario {
	steps := sc.Steps
	sc.Steps = func(f *aggcases.F) []aggcases.Step {
		out := steps(f)
		for i := range out {
			out[i].Ev = rewrite(out[i].Ev)
		}
		return out
	}
	return sc
}

func caseName(sc aggcases.Scenario) string {
	return sc.Handler + "/" + sc.Name + "/" + sc.Fork.String() + "/" + sc.Mode.String()
}

// TestCasesWithParsedSubcommittees runs every case again with each sync
// contribution duty carrying its subcommittees' keys parsed ahead, as the
// node serves them: the outputs must be the very ones the case states.
func TestCasesWithParsedSubcommittees(t *testing.T) {
	env := aggcases.NewEnv(&dvccases.Env{GenesisValidatorsRoot: phase0.Root{0x61}})
	parsed := 0
	for _, sc := range aggcases.Scenarios() {
		if sc.Handler != "sync_contribution" {
			continue
		}
		sc = withEvents(sc, func(ev aggduty.Event) aggduty.Event {
			e, ok := ev.(aggduty.ServeSyncContributionDuty)
			if !ok {
				return ev
			}
			e.Parsed = map[uint64]*bls.PublicKeys{}
			for s, keys := range e.Subcommittees {
				if pk, err := bls.NewPublicKeys(keys); err == nil {
					e.Parsed[s] = pk
					parsed++
				}
			}
			return e
		})
		t.Run(caseName(sc), func(t *testing.T) {
			if _, _, err := aggcases.Run(env.NewF(sc.Fork, sc.Mode), sc); err != nil {
				t.Fatal(err)
			}
		})
	}
	if parsed == 0 {
		t.Fatal("no case served a sync contribution duty with parsed keys")
	}
}

// TestCasesWithParsedCommittees runs every case again with each aggregator
// duty carrying its committee's keys parsed ahead, as the node serves them
// (parsed), and with a parsed list of the same keys in another order
// (rotated), which must be ignored: the outputs must be the very ones the
// case states either way, and an aggregate instance's validity carries the
// served list only when it is the committee's.
func TestCasesWithParsedCommittees(t *testing.T) {
	env := aggcases.NewEnv(&dvccases.Env{GenesisValidatorsRoot: phase0.Root{0x61}})
	for _, rotate := range []bool{false, true} {
		served, started := 0, 0
		for _, sc := range aggcases.Scenarios() {
			if sc.Handler == "sync_contribution" {
				continue
			}
			var lists []*bls.PublicKeys
			sc = withEvents(sc, func(ev aggduty.Event) aggduty.Event {
				e, ok := ev.(aggduty.ServeAggregatorDuty)
				if !ok {
					return ev
				}
				keys := e.Committee
				if rotate && len(keys) > 1 {
					keys = append(slices.Clone(keys[1:]), keys[0])
				}
				pk, err := bls.NewPublicKeys(keys)
				if err != nil {
					t.Fatalf("%s: committee keys do not parse: %v", caseName(sc), err)
				}
				e.Parsed = pk
				lists = append(lists, pk)
				served++
				return e
			})
			t.Run(fmt.Sprintf("rotated=%v/%s", rotate, caseName(sc)), func(t *testing.T) {
				_, res, err := aggcases.Run(env.NewF(sc.Fork, sc.Mode), sc)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range res {
					for _, o := range r.Out {
						s, ok := o.(aggduty.StartAggregateConsensus)
						if !ok {
							continue
						}
						started++
						switch {
						case rotate && s.Validity.Parsed != nil:
							t.Fatal("a parsed list of other keys reached the aggregate's validity")
						case !rotate && (s.Validity.Parsed == nil || !slices.Contains(lists, s.Validity.Parsed)):
							t.Fatal("the served committee's parsed keys did not reach the aggregate's validity")
						}
					}
				}
			})
		}
		if served == 0 || started == 0 {
			t.Fatalf("rotated=%v: %d aggregator duties served with parsed keys, %d aggregate instances started", rotate, served, started)
		}
	}
}
