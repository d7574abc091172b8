package trace

import (
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// TestConfigKeepsTheFeeRecipient: a replayed node applies the block rule
// the recorded node applied (with and without a fee recipient).
func TestConfigKeepsTheFeeRecipient(t *testing.T) {
	pk := func(i uint64) phase0.BLSPubKey {
		sk, err := bls.InteropSecretKey(i)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := sk.PublicKey()
		return p
	}
	forks, err := signing.MainnetVersionsFromGenesis(eth2spec.DataVersionElectra)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := signing.NewChain(forks, phase0.Root{1}, spec.MainnetConfig())
	if err != nil {
		t.Fatal(err)
	}
	fee := bellatrix.ExecutionAddress{0xfe, 9}
	config := func(f *bellatrix.ExecutionAddress) *dvc.Config {
		return &dvc.Config{Chain: chain, Validator: spec.ValidatorIdentity{Pubkey: pk(0), Index: 3},
			ShareIndex: 1, Peers: []uint64{1, 2, 3, 4}, PublicShares: map[uint64]phase0.BLSPubKey{1: pk(1), 2: pk(2), 3: pk(3), 4: pk(4)},
			Threshold: 3, Cluster: phase0.Root{2}, Mode: dvc.ModeRemoteSigner, FeeRecipient: f}
	}
	v := pk(0)
	for _, f := range []*bellatrix.ExecutionAddress{nil, &fee} {
		cfg := config(f)
		back, err := DecodeConfig(EncodeConfig(cfg), Hex(v[:]))
		if err != nil {
			t.Fatal(err)
		}
		if (back.FeeRecipient == nil) != (f == nil) || (f != nil && *back.FeeRecipient != *f) {
			t.Fatalf("fee recipient %v, recorded %v", back.FeeRecipient, f)
		}
	}
	bad := EncodeConfig(config(&fee))
	bad.FeeRecipient = bad.FeeRecipient[:19]
	if _, err := DecodeConfig(bad, Hex(v[:])); err == nil {
		t.Fatal("a 19-byte fee recipient was accepted")
	}
}
