package trace

import (
	"strings"
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// TestConfigKeepsTheChainConfig: a trace of a custom chain (mainnet sizes,
// 8-slot epochs, PRESET_BASE interop) replays with exactly that chain, not
// with whatever a preset name would give.
func TestConfigKeepsTheChainConfig(t *testing.T) {
	custom, err := spec.MainnetConfig().WithSlotsPerEpoch(8)
	if err != nil {
		t.Fatal(err)
	}
	custom.PresetBase = "interop"
	forks, err := signing.MainnetVersionsFromGenesis(eth2spec.DataVersionElectra)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := signing.NewChain(forks, phase0.Root{3}, custom)
	if err != nil {
		t.Fatal(err)
	}
	sk, err := bls.InteropSecretKey(1)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := sk.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	cfg := &dvc.Config{
		Chain: chain, Validator: spec.ValidatorIdentity{Pubkey: pk, Index: 1}, ShareIndex: 1,
		Peers: []uint64{1}, PublicShares: map[uint64]phase0.BLSPubKey{1: pk}, Threshold: 1, Mode: dvc.ModeRemoteSigner,
	}
	enc := EncodeConfig(cfg)
	if enc.Preset != "interop" || enc.ChainConfig["SLOTS_PER_EPOCH"] != 8 || enc.SlotsPerEpoch != 8 {
		t.Fatalf("encoded %q, %d slots per epoch", enc.Preset, enc.ChainConfig["SLOTS_PER_EPOCH"])
	}
	back, err := DecodeConfig(enc, Hex(pk[:]))
	if err != nil {
		t.Fatal(err)
	}
	if got := back.Chain.ChainConfig(); got.SlotsPerEpoch != 8 || got.SyncCommitteeSize != 512 || back.Chain.SlotsPerEpoch != 8 {
		t.Fatalf("replayed with %d slots per epoch, sync committee %d", got.SlotsPerEpoch, got.SyncCommitteeSize)
	}
	old := *enc
	old.ChainConfig = nil
	if _, err := DecodeConfig(&old, Hex(pk[:])); err == nil || !strings.Contains(err.Error(), "chain_config") {
		t.Fatalf("a config without chain_config: %v", err)
	}
}
