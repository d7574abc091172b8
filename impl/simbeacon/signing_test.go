package simbeacon_test

import (
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// TestMainnetRootsMatchSpecSigning: on the mainnet preset the node's
// dynamic-SSZ signing roots of blocks, aggregates and proofs, and
// contributions and proofs are exactly spec/signing's, so what the node
// verifies is what the spec signs.
func TestMainnetRootsMatchSpecSigning(t *testing.T) {
	h := newHarness(t, simbeacon.Config{Validators: 64})
	slot := phase0.Slot(40)
	toSlot(h, slot)
	chain := h.n.SigningChain()
	const epoch = phase0.Epoch(1)

	block := h.electraBlock(slot).Block
	got, err := h.n.SigningRoot(block, signing.DomainBeaconProposer, epoch)
	if err != nil {
		t.Fatal(err)
	}
	want, err := chain.BeaconBlock(&eth2spec.VersionedBeaconBlock{Version: eth2spec.DataVersionElectra, Electra: block})
	if err != nil || got != want.SigningRoot {
		t.Fatalf("block: node %#x, spec %#x (%v)", got, want.SigningRoot, err)
	}

	att := h.s.Attestation(3, epoch).Electra
	ap := &electra.AggregateAndProof{AggregatorIndex: 3, Aggregate: att, SelectionProof: h.s.SelectionProof(3, att.Data.Slot)}
	got, err = h.n.SigningRoot(ap, signing.DomainAggregateAndProof, epoch)
	if err != nil {
		t.Fatal(err)
	}
	want, err = chain.AggregateAndProof(&eth2spec.VersionedAggregateAndProof{Version: eth2spec.DataVersionElectra, Electra: ap})
	if err != nil || got != want.SigningRoot {
		t.Fatalf("aggregate and proof: node %#x, spec %#x (%v)", got, want.SigningRoot, err)
	}

	cp := &altair.ContributionAndProof{AggregatorIndex: 1, Contribution: &altair.SyncCommitteeContribution{Slot: slot, AggregationBits: make([]byte, 16)}, SelectionProof: phase0.BLSSignature{1}}
	got, err = h.n.SigningRoot(cp, signing.DomainContributionAndProof, epoch)
	if err != nil {
		t.Fatal(err)
	}
	want, err = chain.ContributionAndProof(cp)
	if err != nil || got != want.SigningRoot {
		t.Fatalf("contribution and proof: node %#x, spec %#x (%v)", got, want.SigningRoot, err)
	}
}
