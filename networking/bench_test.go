package networking

import (
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/bls"
)

// BenchmarkVerifyShare: one attestation share's check on receipt (signing
// root and one BLS verification).
func BenchmarkVerifyShare(b *testing.B) {
	f := newFixture(b, eth2spec.DataVersionElectra)
	s := f.attShare(1, f.data(17, 1))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := f.v.VerifyShare(s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConstructSignedAttestation: 3-of-4 combination with every share
// checked again (the pure spec with bls.Verify).
func BenchmarkConstructSignedAttestation(b *testing.B) {
	f := newFixture(b, eth2spec.DataVersionElectra)
	benchConstruct(b, f, f.v)
}

// BenchmarkConstructSignedAttestationSharesKnown: the same with the shares'
// checks answered from a memo, as in the node, where every share was
// checked on receipt: what a node pays to combine (threshold recovery and
// the combined signature's check).
func BenchmarkConstructSignedAttestationSharesKnown(b *testing.B) {
	f := newFixture(b, eth2spec.DataVersionElectra)
	benchConstruct(b, f, knownShares(f))
}

// BenchmarkConstructSignedAttestationPublicSharesChecked: the node's
// combination with amendment A24 (no check of the combined signature).
func BenchmarkConstructSignedAttestationPublicSharesChecked(b *testing.B) {
	f := newFixture(b, eth2spec.DataVersionElectra)
	v := knownShares(f)
	v.PublicSharesChecked = true
	benchConstruct(b, f, v)
}

// knownShares is f's verifier with the shares' checks memoised.
func knownShares(f *fixture) Verifier {
	known := map[phase0.BLSSignature]bool{}
	v := f.v
	v.Verify = func(pk phase0.BLSPubKey, msg []byte, sig phase0.BLSSignature) bool {
		if ok, found := known[sig]; found {
			return ok
		}
		ok := bls.Verify(pk, msg, sig)
		if pk != f.pk {
			known[sig] = ok
		}
		return ok
	}
	return v
}

func benchConstruct(b *testing.B, f *fixture, v Verifier) {
	d := f.data(17, 1)
	shares := []*AttestationShare{f.attShare(1, d), f.attShare(2, d), f.attShare(4, d)}
	if _, err := ConstructSignedAttestation(v, shares); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ConstructSignedAttestation(v, shares); err != nil {
			b.Fatal(err)
		}
	}
}
