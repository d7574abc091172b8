package remotesigner

import (
	"context"
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
)

// BenchmarkSignAttestation signs one attestation per iteration through the
// embedded signer in process (the devnet's path): the slashing check and
// record on an in-memory DB holding the key's earlier attestations, and one
// BLS signature.
func BenchmarkSignAttestation(b *testing.B) {
	f := newSigner(b, nil)
	base := firstSlot(eth2spec.DataVersionElectra)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		epoch := phase0.Epoch(base/testSlotsPerEpoch) + phase0.Epoch(i+1)
		slot := phase0.Slot(epoch) * testSlotsPerEpoch
		req := ethnode.NewAttestationSignRequest(forkInfo(b, epoch), attData(slot, 0, epoch-1, epoch), nil)
		if _, err := f.srv.Sign(ctx, f.share, req); err != nil {
			b.Fatal(err)
		}
	}
}
