package run

import (
	"bytes"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/beaconclient"
	"github.com/dvspec/go-dvspec/impl/keys"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/cluster"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// TestStartLineStatesTheChain: the start-up line names the network, the
// genesis validators root, where the config came from, the slots per
// epoch, the fork and the cluster ID.
func TestStartLineStatesTheChain(t *testing.T) {
	custom, err := spec.MainnetConfig().WithSlotsPerEpoch(8)
	if err != nil {
		t.Fatal(err)
	}
	custom.PresetBase = "interop"
	forks, err := signing.MainnetVersionsFromGenesis(eth2spec.DataVersionElectra)
	if err != nil {
		t.Fatal(err)
	}
	gvr := phase0.Root{0x42, 0x17}
	dir := t.TempDir()
	if _, err := keys.GenerateDevnet(dir, keys.DevnetConfig{Operators: 4, Validators: 1, Seed: []byte("log"), Network: cluster.NetworkFromSchedule("kurtosis", gvr, 8, forks)}); err != nil {
		t.Fatal(err)
	}
	def, err := keys.LoadClusterDefinition(filepath.Join(dir, "cluster.json"))
	if err != nil {
		t.Fatal(err)
	}
	chain, err := signing.NewChain(forks, gvr, custom)
	if err != nil {
		t.Fatal(err)
	}
	bn := &beaconclient.Network{Config: custom, ConfigName: "testnet-x", Forks: forks, GenesisValidatorsRoot: gvr}
	if err := SameNetwork(ClusterNetwork{GenesisValidatorsRoot: gvr, SlotsPerEpoch: 8, Forks: forks}, bn); err != nil {
		t.Fatalf("the same chain refused: %v", err)
	}
	var buf bytes.Buffer
	genesis := time.Now().Add(-20 * 4 * time.Second) // slot 20: epoch 2 of 8-slot epochs
	if err := logStart(slog.New(slog.NewTextHandler(&buf, nil)), def, chain, bn, "http://bn", genesis, 4*time.Second); err != nil {
		t.Fatal(err)
	}
	id, err := def.ID()
	if err != nil {
		t.Fatal(err)
	}
	line := buf.String()
	for _, want := range []string{
		"network=kurtosis", fmt.Sprintf("genesis_validators_root=%#x", gvr[:]), "http://bn /eth/v1/config/spec",
		`PRESET_BASE \"interop\"`, `CONFIG_NAME \"testnet-x\"`, "slots_per_epoch=8", "electra (0x05000000) at epoch 2",
		fmt.Sprintf("cluster_id=%#x", id[:]),
	} {
		if !strings.Contains(line, want) {
			t.Errorf("start line lacks %q:\n%s", want, line)
		}
	}
}
