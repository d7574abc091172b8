package bls

import (
	"fmt"
	"strconv"
	"testing"

	herumi "github.com/herumi/bls-eth-go-binary/bls"
)

// The Benchmark<Op> functions measure this package's API (value types in,
// value types out: every call decodes and subgroup-checks its points and
// encodes its result). The BenchmarkRaw<Op> functions do the same
// cryptographic work with herumi's API on already-decoded objects, so the
// ratio of the two is the cost of the wrapper.

var benchMsg = []byte("benchmark signing root 0123456789")

var splitSizes = []struct{ m, n int }{{3, 4}, {7, 10}}

func benchSecret(b *testing.B) SecretKey {
	sk, err := InteropSecretKey(11)
	if err != nil {
		b.Fatal(err)
	}
	return sk
}

func BenchmarkSplit(b *testing.B) {
	sk := benchSecret(b)
	for _, s := range splitSizes {
		b.Run(fmt.Sprintf("M=%d,N=%d", s.m, s.n), func(b *testing.B) {
			for b.Loop() {
				if _, err := Split(sk, s.m, s.n, benchMsg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSplitWithPolynomial(b *testing.B) {
	sk := benchSecret(b)
	for _, s := range splitSizes {
		coeffs, _ := PolynomialFromSeed(sk, s.m, benchMsg)
		b.Run(fmt.Sprintf("M=%d,N=%d", s.m, s.n), func(b *testing.B) {
			for b.Loop() {
				if _, err := SplitWithPolynomial(coeffs, s.n); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRawSplit evaluates the same polynomial with herumi's
// SecretKey.Set on decoded coefficients (no coefficient derivation).
func BenchmarkRawSplit(b *testing.B) {
	sk := benchSecret(b)
	for _, s := range splitSizes {
		coeffs, _ := PolynomialFromSeed(sk, s.m, benchMsg)
		msk := make([]herumi.SecretKey, len(coeffs))
		for j := range coeffs {
			if err := msk[j].Deserialize(coeffs[j][:]); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(fmt.Sprintf("M=%d,N=%d", s.m, s.n), func(b *testing.B) {
			out := make([]herumi.SecretKey, s.n)
			for b.Loop() {
				for i := 1; i <= s.n; i++ {
					var id herumi.ID
					if err := id.SetDecString(strconv.Itoa(i)); err != nil {
						b.Fatal(err)
					}
					if err := out[i-1].Set(msk, &id); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

func BenchmarkSign(b *testing.B) {
	sk := benchSecret(b)
	for b.Loop() {
		if _, err := Sign(sk, benchMsg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRawSign(b *testing.B) {
	sk := benchSecret(b)
	var h herumi.SecretKey
	if err := h.Deserialize(sk[:]); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		h.SignByte(benchMsg)
	}
}

func BenchmarkVerify(b *testing.B) {
	sk := benchSecret(b)
	pk, _ := sk.PublicKey()
	sig, _ := Sign(sk, benchMsg)
	for b.Loop() {
		if !Verify(pk, benchMsg, sig) {
			b.Fatal("verify failed")
		}
	}
}

func BenchmarkRawVerify(b *testing.B) {
	sk := benchSecret(b)
	var h herumi.SecretKey
	if err := h.Deserialize(sk[:]); err != nil {
		b.Fatal(err)
	}
	pk := h.GetPublicKey()
	sig := h.SignByte(benchMsg)
	for b.Loop() {
		if !sig.VerifyByte(pk, benchMsg) {
			b.Fatal("verify failed")
		}
	}
}

// BenchmarkRawVerifyDecode is BenchmarkRawVerify plus herumi's decoding
// (with the subgroup checks) of the key and the signature: the part of the
// wrapper's cost that is validation rather than overhead.
func BenchmarkRawVerifyDecode(b *testing.B) {
	sk := benchSecret(b)
	pkv, _ := sk.PublicKey()
	sigv, _ := Sign(sk, benchMsg)
	for b.Loop() {
		var pk herumi.PublicKey
		var sig herumi.Sign
		if pk.Deserialize(pkv[:]) != nil || sig.Deserialize(sigv[:]) != nil {
			b.Fatal("decode failed")
		}
		if !sig.VerifyByte(&pk, benchMsg) {
			b.Fatal("verify failed")
		}
	}
}

var recoverThresholds = []int{3, 7}

func benchParts(b *testing.B, m int) ([]PartialSignature, []PublicShare) {
	sk := benchSecret(b)
	shares, err := Split(sk, m, m, benchMsg)
	if err != nil {
		b.Fatal(err)
	}
	parts := make([]PartialSignature, m)
	pubs := make([]PublicShare, m)
	for i, s := range shares {
		parts[i], _ = s.Sign(benchMsg)
		pubs[i], _ = s.PublicShare()
	}
	return parts, pubs
}

func BenchmarkRecoverSignature(b *testing.B) {
	for _, m := range recoverThresholds {
		parts, _ := benchParts(b, m)
		b.Run(fmt.Sprintf("M=%d", m), func(b *testing.B) {
			for b.Loop() {
				if _, err := RecoverSignature(parts, m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRawRecoverSignature(b *testing.B) {
	for _, m := range recoverThresholds {
		parts, _ := benchParts(b, m)
		sigs := make([]herumi.Sign, m)
		ids := make([]herumi.ID, m)
		for i, p := range parts {
			if err := sigs[i].Deserialize(p.Signature[:]); err != nil {
				b.Fatal(err)
			}
			if err := ids[i].SetDecString(strconv.FormatUint(p.Index, 10)); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(fmt.Sprintf("M=%d", m), func(b *testing.B) {
			for b.Loop() {
				var sig herumi.Sign
				if err := sig.Recover(sigs, ids); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRecoverPublicKey(b *testing.B) {
	for _, m := range recoverThresholds {
		_, pubs := benchParts(b, m)
		b.Run(fmt.Sprintf("M=%d", m), func(b *testing.B) {
			for b.Loop() {
				if _, err := RecoverPublicKey(pubs, m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRawRecoverPublicKey(b *testing.B) {
	for _, m := range recoverThresholds {
		_, pubs := benchParts(b, m)
		pks := make([]herumi.PublicKey, m)
		ids := make([]herumi.ID, m)
		for i, p := range pubs {
			if err := pks[i].Deserialize(p.PublicKey[:]); err != nil {
				b.Fatal(err)
			}
			if err := ids[i].SetDecString(strconv.FormatUint(p.Index, 10)); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(fmt.Sprintf("M=%d", m), func(b *testing.B) {
			for b.Loop() {
				var pk herumi.PublicKey
				if err := pk.Recover(pks, ids); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRawRecoverSignatureDecode is BenchmarkRawRecoverSignature plus
// herumi's decoding, with subgroup checks, of the M partial signatures.
func BenchmarkRawRecoverSignatureDecode(b *testing.B) {
	for _, m := range recoverThresholds {
		parts, _ := benchParts(b, m)
		b.Run(fmt.Sprintf("M=%d", m), func(b *testing.B) {
			sigs := make([]herumi.Sign, m)
			ids := make([]herumi.ID, m)
			for b.Loop() {
				for i, p := range parts {
					if err := sigs[i].Deserialize(p.Signature[:]); err != nil {
						b.Fatal(err)
					}
					if err := ids[i].SetDecString(strconv.FormatUint(p.Index, 10)); err != nil {
						b.Fatal(err)
					}
				}
				var sig herumi.Sign
				if err := sig.Recover(sigs, ids); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRawRecoverPublicKeyDecode is BenchmarkRawRecoverPublicKey plus
// herumi's decoding, with subgroup checks, of the M public keys.
func BenchmarkRawRecoverPublicKeyDecode(b *testing.B) {
	for _, m := range recoverThresholds {
		_, pubs := benchParts(b, m)
		b.Run(fmt.Sprintf("M=%d", m), func(b *testing.B) {
			pks := make([]herumi.PublicKey, m)
			ids := make([]herumi.ID, m)
			for b.Loop() {
				for i, p := range pubs {
					if err := pks[i].Deserialize(p.PublicKey[:]); err != nil {
						b.Fatal(err)
					}
					if err := ids[i].SetDecString(strconv.FormatUint(p.Index, 10)); err != nil {
						b.Fatal(err)
					}
				}
				var pk herumi.PublicKey
				if err := pk.Recover(pks, ids); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
