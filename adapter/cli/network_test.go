package cli

import (
	"path/filepath"
	"strings"
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/keys"
	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/cluster"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// TestRunRefusesAnotherNetwork starts `dvnode run` against a beacon node
// whose chain differs from the cluster definition's in one field at a
// time: the node must exit with status 2 naming the field and both values.
func TestRunRefusesAnotherNetwork(t *testing.T) {
	custom, err := spec.MainnetConfig().WithSlotsPerEpoch(8)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := simbeacon.New(simbeacon.Config{Chain: custom, Validators: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	addr, err := sb.ListenAndServe("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	bn := sb.SigningChain()
	otherForks, err := signing.MinimalForkSchedule(eth2spec.DataVersionElectra)
	if err != nil {
		t.Fatal(err)
	}
	otherGVR := phase0.Root{0xde, 0xad}
	bnGVR := bn.GenesisValidatorsRoot
	// The first fork that differs is named: genesis, here.
	genesis, err := bn.Forks.Genesis()
	if err != nil {
		t.Fatal(err)
	}
	otherGenesis, err := otherForks.Genesis()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		network *cluster.Network
		want    []string
	}{
		{"genesis_validators_root", cluster.NetworkFromSchedule("devnet", otherGVR, 8, bn.Forks),
			[]string{"genesis validators root", hex0x(otherGVR[:]), hex0x(bnGVR[:])}},
		{"slots_per_epoch", cluster.NetworkFromSchedule("devnet", bnGVR, 32, bn.Forks),
			[]string{"slots per epoch: cluster definition 32, beacon node 8"}},
		{"fork_schedule", cluster.NetworkFromSchedule("devnet", bnGVR, 8, otherForks),
			[]string{"fork schedule: phase0", hex0x(otherGenesis.Version[:]), hex0x(genesis.Version[:])}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := keys.GenerateDevnet(dir, keys.DevnetConfig{Operators: 4, Validators: 1, Seed: []byte(tc.name), Network: tc.network}); err != nil {
				t.Fatal(err)
			}
			code, _, errs := runCLI("run", "--cluster", filepath.Join(dir, "cluster.json"), "--node-dir", keys.NodeDir(dir, 1), "--beacon-node-url", "http://"+addr)
			if code != ExitUsage {
				t.Fatalf("exit %d, want %d: %s", code, ExitUsage, errs)
			}
			for _, w := range tc.want {
				if !strings.Contains(errs, w) {
					t.Errorf("the error does not name %q:\n%s", w, errs)
				}
			}
		})
	}
}

func hex0x(b []byte) string { return "0x" + hexOf(b) }
