package consensus

import (
	"bytes"
	"errors"
	"testing"

	bitfield "github.com/OffchainLabs/go-bitfield"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/versioned"
)

func mainnetChain(t *testing.T, through eth2spec.DataVersion) signing.Chain {
	t.Helper()
	forks, err := signing.MinimalForkSchedule(through)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := signing.NewChain(forks, phase0.Root{7}, spec.MainnetConfig())
	if err != nil {
		t.Fatal(err)
	}
	return chain
}

func testAggregate(chain signing.Chain, fork eth2spec.DataVersion) *eth2spec.VersionedAttestation {
	bits := bitfield.NewBitlist(5)
	bits.SetBitAt(2, true)
	data := &phase0.AttestationData{Slot: 3, BeaconBlockRoot: phase0.Root{1}, Source: &phase0.Checkpoint{}, Target: &phase0.Checkpoint{Root: phase0.Root{2}}}
	var a versioned.Container = &phase0.Attestation{AggregationBits: bits, Data: data, Signature: phase0.BLSSignature{9}}
	if fork >= eth2spec.DataVersionElectra {
		cb := bitfield.NewBitvector64()[:(chain.ChainConfig().MaxCommitteesPerSlot+7)/8]
		cb[0] = 1
		a = &electra.Attestation{AggregationBits: bits, Data: data, Signature: phase0.BLSSignature{9}, CommitteeBits: cb}
	}
	out := &eth2spec.VersionedAttestation{Version: fork}
	if err := versioned.SetAttestation(out, a); err != nil {
		panic(err)
	}
	return out
}

// TestHollowAggregate: an aggregate whose version has no field, or whose
// field is nil, is refused by the value encoder and the validity check
// (never a nil dereference).
func TestHollowAggregate(t *testing.T) {
	for _, fork := range []eth2spec.DataVersion{eth2spec.DataVersionDeneb, eth2spec.DataVersionElectra, eth2spec.DataVersionFulu} {
		chain := chainWith(t, fork)
		data := &phase0.AttestationData{Slot: 3, Source: &phase0.Checkpoint{}, Target: &phase0.Checkpoint{}}
		full := testAggregate(chain, fork)
		hollow := map[string]*eth2spec.VersionedAttestation{
			"no_field":        {Version: fork},
			"unknown_version": {Version: eth2spec.DataVersionFulu + 1, Electra: full.Electra, Fulu: full.Fulu, Deneb: full.Deneb},
			"zero_version":    {Phase0: full.Deneb, Electra: full.Electra},
		}
		for name, agg := range hollow {
			if _, err := EncodeAggregate(chain, 3, agg); !errors.Is(err, ErrInvalidValue) {
				t.Errorf("%s %s: encoded: %v", fork, name, err)
			}
			err := IsValidAggregate(chain, agg, AggregateValidity{Data: data, Committee: []phase0.BLSPubKey{{1}}})
			if !errors.Is(err, ErrWrongFork) {
				t.Errorf("%s %s: validity %v, want ErrWrongFork", fork, name, err)
			}
		}
	}
}

// TestAggregateValueRoundTrip: every fork, both presets' sizes: the value
// decodes to an aggregate that encodes to the same bytes; a truncated value
// and an aggregate of another fork are refused.
func TestAggregateValueRoundTrip(t *testing.T) {
	forks := []eth2spec.DataVersion{eth2spec.DataVersionPhase0, eth2spec.DataVersionAltair, eth2spec.DataVersionBellatrix,
		eth2spec.DataVersionCapella, eth2spec.DataVersionDeneb, eth2spec.DataVersionElectra, eth2spec.DataVersionFulu}
	for _, fork := range forks {
		for name, chain := range map[string]signing.Chain{"minimal": chainWith(t, fork), "mainnet": mainnetChain(t, fork)} {
			agg := testAggregate(chain, fork)
			v, err := EncodeAggregate(chain, 3, agg)
			if err != nil {
				t.Fatalf("%s %s: %v", fork, name, err)
			}
			back, err := DecodeAggregate(chain, 3, v)
			if err != nil {
				t.Fatalf("%s %s: %v", fork, name, err)
			}
			again, err := EncodeAggregate(chain, 3, back)
			if err != nil || !bytes.Equal(v, again) {
				t.Fatalf("%s %s: round trip differs (%v)", fork, name, err)
			}
			if _, err := DecodeAggregate(chain, 3, v[:len(v)-1]); !errors.Is(err, ErrInvalidValue) {
				t.Fatalf("%s %s: truncated value: %v", fork, name, err)
			}
			other := eth2spec.DataVersionElectra
			if fork >= eth2spec.DataVersionElectra {
				other = eth2spec.DataVersionDeneb
			}
			if _, err := EncodeAggregate(chain, 3, testAggregate(chain, other)); !errors.Is(err, ErrInvalidValue) {
				t.Fatalf("%s %s: %s aggregate encoded: %v", fork, name, other, err)
			}
		}
	}
}

// TestContributionsValue: one to SYNC_COMMITTEE_SUBNET_COUNT contributions
// round-trip; none, too many, or a partial one are refused.
func TestContributionsValue(t *testing.T) {
	chain := chainWith(t, eth2spec.DataVersionDeneb)
	size := chain.ChainConfig().SyncSubcommitteeSize() / 8
	c := func(sub uint64) *altair.SyncCommitteeContribution {
		return &altair.SyncCommitteeContribution{Slot: 5, BeaconBlockRoot: phase0.Root{3}, SubcommitteeIndex: sub, AggregationBits: make([]byte, size), Signature: phase0.BLSSignature{1}}
	}
	cs := []*altair.SyncCommitteeContribution{c(0), c(2)}
	v, err := EncodeContributions(chain, cs)
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeContributions(chain, v)
	if err != nil || len(back) != 2 || back[1].SubcommitteeIndex != 2 {
		t.Fatalf("%v %+v", err, back)
	}
	for name, bad := range map[string][]byte{"empty": nil, "partial": v[:len(v)-3], "five": bytes.Repeat(v[:len(v)/2], 5)} {
		if _, err := DecodeContributions(chain, bad); !errors.Is(err, ErrInvalidValue) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := EncodeContributions(chain, nil); !errors.Is(err, ErrInvalidValue) {
		t.Errorf("no contributions encoded: %v", err)
	}
	if _, err := EncodeContributions(chain, []*altair.SyncCommitteeContribution{c(0), c(1), c(2), c(3), c(0)}); !errors.Is(err, ErrInvalidValue) {
		t.Errorf("five contributions encoded: %v", err)
	}
}

// FuzzDecodeAggregationValues: no input panics the decoders, and what
// decodes re-encodes to the same bytes.
func FuzzDecodeAggregationValues(f *testing.F) {
	f.Add([]byte{0x01}, uint8(0))
	f.Add(make([]byte, 240), uint8(5))
	f.Fuzz(func(t *testing.T, b []byte, fork uint8) {
		forks := []eth2spec.DataVersion{eth2spec.DataVersionPhase0, eth2spec.DataVersionDeneb, eth2spec.DataVersionElectra, eth2spec.DataVersionFulu}
		chain := chainWith(t, forks[int(fork)%len(forks)])
		if a, err := DecodeAggregate(chain, 3, b); err == nil {
			again, err := EncodeAggregate(chain, 3, a)
			if err != nil || !bytes.Equal(again, b) {
				t.Fatalf("decoded aggregate does not re-encode: %v", err)
			}
		}
		if cs, err := DecodeContributions(chain, b); err == nil {
			again, err := EncodeContributions(chain, cs)
			if err != nil || !bytes.Equal(again, b) {
				t.Fatalf("decoded contributions do not re-encode: %v", err)
			}
		}
	})
}
