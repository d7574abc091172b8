package beaconclient

import (
	"maps"
	"strings"
	"testing"
	"time"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/impl/simbeacon/simtest"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// TestNetworkFromTheBeaconNode reads the chain of a simulated beacon node
// running a custom config (mainnet sizes, 8-slot epochs) over HTTP: the
// values, the fork schedule and the genesis are the node's own.
func TestNetworkFromTheBeaconNode(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  spec.ChainConfig
		spe  uint64
	}{
		{"minimal", spec.MinimalConfig(), 0},
		{"mainnet_8_slot_epochs", spec.MainnetConfig(), 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, _, url := simtest.Start(t, simbeacon.Config{Chain: tc.cfg, SlotsPerEpoch: tc.spe, Validators: 8})
			got, err := newClient(t, false, url).Network(ctxT(t))
			if err != nil {
				t.Fatal(err)
			}
			want := n.ChainConfig()
			for _, k := range spec.RequiredChainValues {
				if got.Config.Values[k] != want.Values[k] {
					t.Errorf("%s: beacon node %d, read %d", k, want.Values[k], got.Config.Values[k])
				}
			}
			if got.Config.SlotsPerEpoch != want.SlotsPerEpoch || got.Config.SyncCommitteeSize != want.SyncCommitteeSize {
				t.Errorf("read %d slots per epoch and a sync committee of %d, the node has %d and %d", got.Config.SlotsPerEpoch, got.Config.SyncCommitteeSize, want.SlotsPerEpoch, want.SyncCommitteeSize)
			}
			if got.GenesisValidatorsRoot != n.GenesisValidatorsRoot() || !got.GenesisTime.Equal(n.GenesisTime()) {
				t.Error("genesis differs")
			}
			if g, w := got.Forks.Forks(), n.SigningChain().Forks.Forks(); len(g) != len(w) {
				t.Fatalf("%d forks read, the node has %d", len(g), len(w))
			} else {
				for i := range g {
					if g[i] != w[i] {
						t.Errorf("fork %d: read %+v, the node has %+v", i, g[i], w[i])
					}
				}
			}
		})
	}
}

// TestNetworkFromSpecAcceptsAnyPresetBase is Prysm's devnet answer:
// PRESET_BASE interop, mainnet sizes, SLOTS_PER_EPOCH 8. A missing value
// is named.
func TestNetworkFromSpecAcceptsAnyPresetBase(t *testing.T) {
	sp := map[string]any{}
	for k, v := range spec.MainnetConfig().Values {
		sp[k] = v
	}
	// go-eth2-client parses SECONDS_PER_SLOT as a duration.
	sp["PRESET_BASE"], sp["CONFIG_NAME"], sp["SECONDS_PER_SLOT"] = "interop", "interop", 4*time.Second
	sp["SLOTS_PER_EPOCH"] = uint64(8)
	for i, k := range forkKeys {
		sp[k+"_FORK_VERSION"] = phase0.Version{0x20, 0, 0, 0x89 + byte(i)}
		if i > 0 {
			sp[k+"_FORK_EPOCH"] = uint64(0)
		}
	}
	sp["FULU_FORK_EPOCH"] = uint64(signing.FarFutureEpoch)
	g := &apiv1.Genesis{GenesisTime: time.Unix(1700000000, 0), GenesisValidatorsRoot: phase0.Root{1}}
	n, err := NetworkFromSpec(g, sp)
	if err != nil {
		t.Fatal(err)
	}
	if n.Config.PresetBase != "interop" || n.Config.SlotsPerEpoch != 8 || n.Config.SyncCommitteeSize != 512 || n.SlotDuration != 4*time.Second {
		t.Fatalf("read %+v", n.Config)
	}
	if f, _ := n.Forks.ForkAtEpoch(5); f.Name != eth2spec.DataVersionElectra || f.Version != (phase0.Version{0x20, 0, 0, 0x8e}) {
		t.Fatalf("fork at epoch 5: %+v", f)
	}
	// A beacon node that does not know Fulu has a schedule through Electra.
	noFulu := maps.Clone(sp)
	delete(noFulu, "FULU_FORK_VERSION")
	delete(noFulu, "FULU_FORK_EPOCH")
	if n, err := NetworkFromSpec(g, noFulu); err != nil || len(n.Forks.Forks()) != 6 {
		t.Fatalf("without Fulu: %v", err)
	}
	for _, drop := range []string{"SLOTS_PER_EPOCH", "MAX_BLOB_COMMITMENTS_PER_BLOCK", "GENESIS_FORK_VERSION", "ELECTRA_FORK_VERSION", "CAPELLA_FORK_EPOCH", "SECONDS_PER_SLOT"} {
		bad := maps.Clone(sp)
		delete(bad, drop)
		if _, err := NetworkFromSpec(g, bad); err == nil || !strings.Contains(err.Error(), drop) {
			t.Errorf("without %s: %v", drop, err)
		}
	}
}
