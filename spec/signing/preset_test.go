package signing

import (
	"crypto/sha256"
	"encoding/binary"
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec"
)

// merkle is an independent, minimal SSZ merkleization of chunks padded to a
// power of two, written from the SSZ spec for this test only.
func merkle(chunks ...[32]byte) [32]byte {
	n := 1
	for n < len(chunks) {
		n *= 2
	}
	layer := make([][32]byte, n)
	copy(layer, chunks)
	for len(layer) > 1 {
		next := make([][32]byte, len(layer)/2)
		for i := range next {
			next[i] = sha256.Sum256(append(layer[2*i][:], layer[2*i+1][:]...))
		}
		layer = next
	}
	return layer[0]
}

func u64(v uint64) (c [32]byte) {
	binary.LittleEndian.PutUint64(c[:8], v)
	return c
}

func bytesRoot(b []byte) [32]byte {
	var chunks [][32]byte
	for i := 0; i < len(b); i += 32 {
		var c [32]byte
		copy(c[:], b[i:])
		chunks = append(chunks, c)
	}
	return merkle(chunks...)
}

// TestMinimalPresetContributionAndProof hashes a minimal-preset contribution
// (aggregation bits: SYNC_COMMITTEE_SIZE / SYNC_COMMITTEE_SUBNET_COUNT = 8
// bits) by hand and checks the chain of a minimal network signs exactly
// that. The mainnet-sized Go type alone cannot even hash it.
func TestMinimalPresetContributionAndProof(t *testing.T) {
	forks, err := MinimalForkSchedule(eth2spec.DataVersionElectra)
	if err != nil {
		t.Fatal(err)
	}
	gvr := phase0.Root{0x11}
	chain, err := NewChain(forks, gvr, spec.MinimalConfig())
	if err != nil {
		t.Fatal(err)
	}
	cp := &altair.ContributionAndProof{
		AggregatorIndex: 7,
		Contribution: &altair.SyncCommitteeContribution{
			Slot: 20, BeaconBlockRoot: phase0.Root{0xbb}, SubcommitteeIndex: 2,
			AggregationBits: []byte{0x05}, Signature: phase0.BLSSignature{0xc0},
		},
		SelectionProof: phase0.BLSSignature{0xd0},
	}
	c := cp.Contribution
	var bits [32]byte
	bits[0] = 0x05
	contributionRoot := merkle(u64(20), c.BeaconBlockRoot, u64(2), bits, bytesRoot(c.Signature[:]))
	want := merkle(u64(7), contributionRoot, bytesRoot(cp.SelectionProof[:]))

	in, err := chain.ContributionAndProof(cp)
	if err != nil {
		t.Fatal(err)
	}
	if in.ObjectRoot != want {
		t.Fatalf("object root %#x, want %#x", in.ObjectRoot, want)
	}
	domain, err := ComputeDomain(DomainContributionAndProof, phase0.Version{5, 0, 0, 1}, gvr)
	if err != nil {
		t.Fatal(err)
	}
	if in.Domain != domain || in.SigningRoot != merkle(want, domain) {
		t.Fatalf("domain or signing root differ from the hand computation")
	}
	// The mainnet chain refuses the minimal-sized value instead of hashing
	// a wrong shape or panicking.
	mainnet := Chain{Forks: forks, GenesisValidatorsRoot: gvr, SlotsPerEpoch: 8}
	if _, err := mainnet.ContributionAndProof(cp); err == nil {
		t.Fatal("mainnet-sized hashing accepted an 8-bit contribution")
	}
}

func TestNewChainTakesSlotsPerEpochFromTheConfig(t *testing.T) {
	custom, err := spec.MainnetConfig().WithSlotsPerEpoch(8)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewChain(MainnetForkSchedule(), phase0.Root{}, custom)
	if err != nil {
		t.Fatal(err)
	}
	if c.SlotsPerEpoch != 8 || c.ChainConfig().SlotsPerEpoch != 8 || c.SSZ == nil {
		t.Fatalf("custom chain: SSZ=%v slots=%d", c.SSZ, c.SlotsPerEpoch)
	}
	if e, _ := c.EpochAtSlot(17); e != 2 {
		t.Fatalf("slot 17 in epoch %d on an 8-slot chain", e)
	}
	if _, err := NewChain(MainnetForkSchedule(), phase0.Root{}, spec.ChainConfig{PresetBase: "gnosis", SlotsPerEpoch: 16}); err == nil {
		t.Fatal("a chain config without values accepted")
	}
}
