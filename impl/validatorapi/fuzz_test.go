package validatorapi

import (
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// FuzzDecodeSignedProposal: whatever a VC posts as a block, SSZ or JSON of
// any version, decoding returns a proposal or an error and never panics.
func FuzzDecodeSignedProposal(f *testing.F) {
	forks, err := signing.MinimalForkSchedule(eth2spec.DataVersionDeneb)
	if err != nil {
		f.Fatal(err)
	}
	chain, err := signing.NewChain(forks, phase0.Root{1}, spec.MinimalConfig())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint8(eth2spec.DataVersionDeneb), []byte{}, true)
	f.Add(uint8(eth2spec.DataVersionCapella), make([]byte, 300), true)
	f.Add(uint8(eth2spec.DataVersionElectra), []byte(`{"signed_block":{"message":{}}}`), false)
	f.Fuzz(func(t *testing.T, v uint8, body []byte, ssz bool) {
		p, err := decodeSignedProposal(chain, eth2spec.DataVersion(v%8), body, ssz)
		if err == nil {
			_, _, _ = unsigned(p)
		}
	})
}
