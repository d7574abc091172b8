package aggduty_test

import (
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
		steps := sc.Steps
		sc.Steps = func(f *aggcases.F) []aggcases.Step {
			out := steps(f)
			for i := range out {
				ev, ok := out[i].Ev.(aggduty.ServeSyncContributionDuty)
				if !ok {
					continue
				}
				ev.Parsed = map[uint64]*bls.PublicKeys{}
				for s, keys := range ev.Subcommittees {
					if pk, err := bls.NewPublicKeys(keys); err == nil {
						ev.Parsed[s] = pk
						parsed++
					}
				}
				out[i].Ev = ev
			}
			return out
		}
		t.Run(sc.Handler+"/"+sc.Name+"/"+sc.Fork.String()+"/"+sc.Mode.String(), func(t *testing.T) {
			if _, _, err := aggcases.Run(env.NewF(sc.Fork, sc.Mode), sc); err != nil {
				t.Fatal(err)
			}
		})
	}
	if parsed == 0 {
		t.Fatal("no case served a sync contribution duty with parsed keys")
	}
}
