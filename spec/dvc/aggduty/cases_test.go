package aggduty_test

import (
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"

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
