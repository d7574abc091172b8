package bls

import (
	"encoding/binary"
	"errors"
	"testing"
)

// fuzzPartsRecord is the size of one encoded part in FuzzRecoverSignature's
// input: an 8-byte big-endian index followed by a 96-byte signature.
const fuzzPartsRecord = 8 + 96

func encodeParts(parts []PartialSignature) []byte {
	var out []byte
	for _, p := range parts {
		out = binary.BigEndian.AppendUint64(out, p.Index)
		out = append(out, p.Signature[:]...)
	}
	return out
}

// FuzzRecoverSignature feeds arbitrary parts and thresholds to
// RecoverSignature. It must never panic; a success must return a valid,
// non-infinity signature, and the rules it documents must hold.
func FuzzRecoverSignature(f *testing.F) {
	secret, _ := InteropSecretKey(0)
	shares, _ := Split(secret, 3, 4, []byte("fuzz"))
	msg := []byte("fuzz message")
	parts := make([]PartialSignature, len(shares))
	for i, s := range shares {
		parts[i], _ = s.Sign(msg)
	}
	pk, _ := secret.PublicKey()
	f.Add(encodeParts(parts), 3)
	f.Add(encodeParts(parts[:3]), 3)
	f.Add(encodeParts(parts[1:]), 2)
	f.Add(encodeParts(append(parts[:2:2], parts[0])), 2)
	f.Add(encodeParts([]PartialSignature{{Index: 0, Signature: parts[0].Signature}}), 1)
	f.Add(make([]byte, fuzzPartsRecord*2), 2)
	f.Add([]byte{0xc0}, 1)
	f.Fuzz(func(t *testing.T, data []byte, threshold int) {
		var in []PartialSignature
		for len(data) >= fuzzPartsRecord && len(in) < 16 {
			var p PartialSignature
			p.Index = binary.BigEndian.Uint64(data)
			copy(p.Signature[:], data[8:fuzzPartsRecord])
			in = append(in, p)
			data = data[fuzzPartsRecord:]
		}
		sig, err := RecoverSignature(in, threshold)
		if err != nil {
			var known bool
			for _, e := range []error{ErrInvalidThreshold, ErrTooFewShares, ErrZeroIndex, ErrDuplicateIndex, ErrInvalidSignature, ErrDegenerate} {
				known = known || errors.Is(err, e)
			}
			if !known {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		if threshold < 1 || len(in) < threshold {
			t.Fatalf("success with threshold %d and %d parts", threshold, len(in))
		}
		if ValidateSignature(sig) != nil || sig[0] == 0xc0 {
			t.Fatalf("recovered an invalid or infinity signature %x", sig[:])
		}
		// If the inputs are genuine partials of the fuzz key, the result is
		// the master signature.
		genuine := true
		for _, p := range in {
			genuine = genuine && p.Index >= 1 && p.Index <= 4 && p.Signature == parts[p.Index-1].Signature
		}
		if genuine && threshold >= 3 && !Verify(pk, msg, sig) {
			t.Fatal("genuine partials did not recover a valid signature")
		}
	})
}

// FuzzVerify feeds arbitrary public keys, messages and signatures to the
// verification functions. They must never panic, and must accept only valid
// encodings.
func FuzzVerify(f *testing.F) {
	sk, _ := InteropSecretKey(1)
	pk, _ := sk.PublicKey()
	msg := []byte("fuzz verify")
	sig, _ := Sign(sk, msg)
	f.Add(pk[:], msg, sig[:])
	f.Add(pk[:], []byte{}, sig[:])
	f.Add(make([]byte, 48), msg, make([]byte, 96))
	f.Add(append([]byte{0xc0}, make([]byte, 47)...), msg, append([]byte{0xc0}, make([]byte, 95)...))
	f.Fuzz(func(t *testing.T, pkBytes, m, sigBytes []byte) {
		var p PublicKey
		var s Signature
		copy(p[:], pkBytes)
		copy(s[:], sigBytes)
		ok := Verify(p, m, s)
		if ok && (KeyValidate(p) != nil || ValidateSignature(s) != nil) {
			t.Fatal("Verify accepted an invalid encoding")
		}
		if FastAggregateVerify([]PublicKey{p}, m, s) != ok {
			t.Fatal("FastAggregateVerify of one key disagrees with Verify")
		}
		if VerifyPartial(PublicShare{Index: 1, PublicKey: p}, m, PartialSignature{Index: 1, Signature: s}) != (ok && s[0] != 0xc0) {
			t.Fatal("VerifyPartial disagrees with Verify")
		}
		_, _ = AggregateSignatures([]Signature{s, sig})
		_, _ = AggregatePublicKeys([]PublicKey{p, pk})
		_, _ = RecoverPublicKey([]PublicShare{{Index: 1, PublicKey: p}, {Index: 2, PublicKey: pk}}, 2)
		_, _ = PublicShareAt([]PublicKey{pk, p}, 2)
	})
}

// FuzzSecretKey feeds arbitrary scalars and seeds to the key functions.
func FuzzSecretKey(f *testing.F) {
	f.Add(make([]byte, 32), []byte("seed"), 2, 3)
	f.Add([]byte{0x73, 0xed, 0xa7, 0x53}, []byte{}, 1, 1)
	f.Fuzz(func(t *testing.T, skBytes, seed []byte, m, n int) {
		var sk SecretKey
		copy(sk[:], skBytes)
		_, errPK := sk.PublicKey()
		if (errPK == nil) != (sk.Validate() == nil) {
			t.Fatal("PublicKey and Validate disagree")
		}
		if n > 64 {
			n = 64 // keep each input fast; the bound is checked elsewhere
		}
		shares, err := Split(sk, m, n, seed)
		if err == nil && (sk.Validate() != nil || m < 1 || m > n || len(shares) != n) {
			t.Fatal("Split accepted invalid input")
		}
		_, _ = DeriveChildSK(sk, uint32(m))
		_, _ = DeriveMasterSK(seed)
	})
}
