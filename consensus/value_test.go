package consensus

import (
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

// TestBlockValueInTheChainsSizes: a block of the minimal config (32 sync
// committee bits) is a proposer value of the minimal chain that decodes
// and passes the validity predicate; it is not one of a mainnet-sized
// chain, whose blocks (512 bits) are not the minimal chain's either.
func TestBlockValueInTheChainsSizes(t *testing.T) {
	minimal := chainWith(t, eth2spec.DataVersionElectra)
	forks, err := signing.MinimalForkSchedule(eth2spec.DataVersionElectra)
	if err != nil {
		t.Fatal(err)
	}
	mainnetSized, err := spec.MainnetConfig().WithSlotsPerEpoch(8)
	if err != nil {
		t.Fatal(err)
	}
	custom, err := signing.NewChain(forks, phase0.Root{7}, mainnetSized)
	if err != nil {
		t.Fatal(err)
	}
	reveal := phase0.BLSSignature{0x55}
	duty := &spec.ProposerDuty{Pubkey: dvKey, Slot: 20, ValidatorIndex: 4}
	small := electraBlock(20, 4, reveal) // 4 bytes of sync bits
	big := electraBlock(20, 4, reveal)
	big.Electra.Body.SyncAggregate.SyncCommitteeBits = make([]byte, 64)

	for _, tc := range []struct {
		name  string
		chain signing.Chain
		block *eth2spec.VersionedBeaconBlock
		other *eth2spec.VersionedBeaconBlock
	}{
		{"minimal", minimal, small, big},
		{"mainnet_sizes_8_slot_epochs", custom, big, small},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := EncodeBlock(tc.chain, tc.block)
			if err != nil {
				t.Fatal(err)
			}
			back, err := DecodeBlock(tc.chain, v)
			if err != nil {
				t.Fatal(err)
			}
			if err := IsValidBlock(slashing.New(phase0.Root{7}), tc.chain, back, duty, reveal, nil); err != nil {
				t.Fatalf("the chain's own block refused: %v", err)
			}
			if _, err := EncodeBlock(tc.chain, tc.other); err == nil {
				t.Fatal("a block of the other size encoded")
			}
			if err := IsValidBlock(slashing.New(phase0.Root{7}), tc.chain, tc.other, duty, reveal, nil); err == nil {
				t.Fatal("a block of the other size is valid")
			}
		})
	}
	v, err := EncodeBlock(minimal, small)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeBlock(custom, v); err == nil {
		t.Fatal("a minimal block decoded with mainnet sizes")
	}
}
