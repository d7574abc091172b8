package consensus

import (
	"errors"
	"testing"

	bitfield "github.com/OffchainLabs/go-bitfield"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// signedCommittee is an Electra aggregate of a committee of n interop keys
// in which every member but each sixteenth from the sixth signed the data.
type signedCommittee struct {
	chain signing.Chain
	data  *phase0.AttestationData
	keys  []phase0.BLSPubKey
	agg   *eth2spec.VersionedAttestation
}

const parsedCommitteeIndex = phase0.CommitteeIndex(1)

func newSignedCommittee(tb testing.TB, n int) signedCommittee {
	tb.Helper()
	forks, err := signing.MainnetVersionsFromGenesis(eth2spec.DataVersionElectra)
	if err != nil {
		tb.Fatal(err)
	}
	chain, err := signing.NewChain(forks, phase0.Root{7}, spec.MainnetConfig())
	if err != nil {
		tb.Fatal(err)
	}
	data := &phase0.AttestationData{Slot: 40, BeaconBlockRoot: phase0.Root{1},
		Source: &phase0.Checkpoint{Epoch: 0, Root: phase0.Root{2}}, Target: &phase0.Checkpoint{Epoch: 1, Root: phase0.Root{3}}}
	in, err := chain.AttestationData(data)
	if err != nil {
		tb.Fatal(err)
	}
	keys := make([]phase0.BLSPubKey, n)
	bits := bitfield.NewBitlist(uint64(n))
	var sigs []phase0.BLSSignature
	for i := range keys {
		sk, err := bls.InteropSecretKey(uint64(1000 + i))
		if err != nil {
			tb.Fatal(err)
		}
		if keys[i], err = sk.PublicKey(); err != nil {
			tb.Fatal(err)
		}
		if i%16 == 5 {
			continue
		}
		sig, err := bls.Sign(sk, in.SigningRoot[:])
		if err != nil {
			tb.Fatal(err)
		}
		sigs = append(sigs, sig)
		bits.SetBitAt(uint64(i), true)
	}
	sig, err := bls.AggregateSignatures(sigs)
	if err != nil {
		tb.Fatal(err)
	}
	cb := bitfield.NewBitvector64()[:(chain.ChainConfig().MaxCommitteesPerSlot+7)/8]
	cb.SetBitAt(uint64(parsedCommitteeIndex), true)
	agg := &eth2spec.VersionedAttestation{Version: eth2spec.DataVersionElectra,
		Electra: &electra.Attestation{AggregationBits: bits, Data: data, Signature: sig, CommitteeBits: cb}}
	return signedCommittee{chain: chain, data: data, keys: keys, agg: agg}
}

func (s signedCommittee) validity(committee []phase0.BLSPubKey, parsed *bls.PublicKeys) AggregateValidity {
	return AggregateValidity{Data: s.data, CommitteeIndex: parsedCommitteeIndex, Committee: committee, Parsed: parsed}
}

// TestAggregateParsedKeysIgnoredUnlessTheCommittee: parsed keys give the
// predicate's answer only when they are exactly the committee's. A list
// under which the signature verifies does not make it valid for a committee
// under which it does not, and a list of other keys does not refuse a valid
// aggregate.
func TestAggregateParsedKeysIgnoredUnlessTheCommittee(t *testing.T) {
	s := newSignedCommittee(t, 16)
	right, err := bls.NewPublicKeys(s.keys)
	if err != nil {
		t.Fatal(err)
	}
	// Another committee: the first member replaced by a key that did not
	// sign (it sets the same bit).
	other := append([]phase0.BLSPubKey(nil), s.keys...)
	sk, err := bls.InteropSecretKey(7)
	if err != nil {
		t.Fatal(err)
	}
	if other[0], err = sk.PublicKey(); err != nil {
		t.Fatal(err)
	}
	otherParsed, err := bls.NewPublicKeys(other)
	if err != nil {
		t.Fatal(err)
	}
	reversed := append([]phase0.BLSPubKey(nil), s.keys...)
	for i, j := 0, len(reversed)-1; i < j; i, j = i+1, j-1 {
		reversed[i], reversed[j] = reversed[j], reversed[i]
	}
	reversedParsed, err := bls.NewPublicKeys(reversed)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		committee []phase0.BLSPubKey
		parsed    *bls.PublicKeys
		want      error
	}{
		{"committee_only", s.keys, nil, nil},
		{"parsed_committee", s.keys, right, nil},
		{"parsed_other_keys_ignored", s.keys, otherParsed, nil},
		{"parsed_reversed_ignored", s.keys, reversedParsed, nil},
		{"parsed_prefix_ignored", s.keys, mustParse(t, s.keys[:8]), nil},
		{"other_committee", other, nil, ErrAggregateSignature},
		{"other_committee_parsed", other, otherParsed, ErrAggregateSignature},
		{"other_committee_with_signers_parsed", other, right, ErrAggregateSignature},
		{"reversed_committee_with_signers_parsed", reversed, right, ErrAggregateSignature},
		{"short_committee_with_signers_parsed", s.keys[:15], right, ErrBitsShape},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := IsValidAggregate(s.chain, s.agg, s.validity(tc.committee, tc.parsed))
			if tc.want == nil && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func mustParse(tb testing.TB, keys []phase0.BLSPubKey) *bls.PublicKeys {
	tb.Helper()
	pk, err := bls.NewPublicKeys(keys)
	if err != nil {
		tb.Fatal(err)
	}
	return pk
}

// BenchmarkIsValidAggregate128: the aggregate of a 128-member committee
// (120 participants), its keys decoded per call (committee) or parsed
// once ahead (parsed), as the node holds them per epoch and committee.
func BenchmarkIsValidAggregate128(b *testing.B) {
	s := newSignedCommittee(b, 128)
	parsed := mustParse(b, s.keys)
	for _, bc := range []struct {
		name   string
		parsed *bls.PublicKeys
	}{{"committee", nil}, {"parsed", parsed}} {
		b.Run(bc.name, func(b *testing.B) {
			v := s.validity(s.keys, bc.parsed)
			for b.Loop() {
				if err := IsValidAggregate(s.chain, s.agg, v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
