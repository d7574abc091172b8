package dvccases

import (
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/dvc"
)

// TestScenarios runs every DVC scenario, the same ones vectorgen renders
// into the dvc vectors, in its primary architecture and, where it says
// so, in the other, on a cluster root and genesis validators root of
// their own: the statements hold for any root.
func TestScenarios(t *testing.T) {
	env := &Env{GenesisValidatorsRoot: phase0.Root{0x61}}
	for _, sc := range Scenarios() {
		for _, fork := range append([]eth2spec.DataVersion{sc.Fork}, sc.Forks...) {
			x := sc
			x.Fork = fork
			t.Run(x.Handler+"/"+x.Name+"/"+x.Fork.String(), func(t *testing.T) {
				prim, err := Run(env, x, x.Primary)
				if err != nil {
					t.Fatal(err)
				}
				if !x.Both {
					return
				}
				other := dvc.ModeVCMiddleware
				if x.Primary == dvc.ModeVCMiddleware {
					other = dvc.ModeRemoteSigner
				}
				alt, err := Run(env, x, other)
				if err != nil {
					t.Fatalf("%s: %v", other, err)
				}
				if err := Agree(prim, alt); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}
