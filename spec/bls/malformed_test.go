package bls

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
)

// The bls12-381-tests "not_in_G1"/"not_in_G2" encodings are points on the
// curve outside the prime-order subgroup: checked here with math/big, so their
// rejection below can only come from the subgroup check.
const (
	notInG1 = "8123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	notInG2 = "8123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

func TestWrongSubgroupPoints(t *testing.T) {
	// G1: y^2 = x^3 + 4 over Fp; the compressed x is the 381 low bits.
	b := mustHex(t, notInG1)
	b[0] &= 0x1f
	x := new(big.Int).SetBytes(b)
	rhs := new(big.Int).Exp(x, big.NewInt(3), pBig)
	rhs.Add(rhs, big.NewInt(4))
	if x.Cmp(pBig) >= 0 || !isSquareModP(rhs) {
		t.Fatal("test point is not on the G1 curve")
	}
	// G2: y^2 = x^3 + 4(1+i) over Fp2 = Fp[i]/(i^2+1); x = x0 + x1·i with x1
	// first in the encoding. A non-zero a0 + a1·i is a square in Fp2 iff its
	// norm a0^2 + a1^2 is a square in Fp.
	b2 := mustHex(t, notInG2)
	b2[0] &= 0x1f
	x1 := new(big.Int).SetBytes(b2[:48])
	x0 := new(big.Int).SetBytes(b2[48:])
	sq0 := new(big.Int).Sub(new(big.Int).Mul(x0, x0), new(big.Int).Mul(x1, x1))
	sq1 := new(big.Int).Mul(big.NewInt(2), new(big.Int).Mul(x0, x1))
	cu0 := new(big.Int).Sub(new(big.Int).Mul(sq0, x0), new(big.Int).Mul(sq1, x1))
	cu1 := new(big.Int).Add(new(big.Int).Mul(sq0, x1), new(big.Int).Mul(sq1, x0))
	a0 := cu0.Add(cu0, big.NewInt(4))
	a1 := cu1.Add(cu1, big.NewInt(4))
	a0.Mod(a0, pBig)
	a1.Mod(a1, pBig)
	norm := new(big.Int).Add(new(big.Int).Mul(a0, a0), new(big.Int).Mul(a1, a1))
	if !isSquareModP(norm) {
		t.Fatal("test point is not on the G2 curve")
	}

	pk := hexPK(t, notInG1)
	sig := hexSig(t, notInG2)
	good, _ := InteropSecretKey(0)
	goodPK, _ := good.PublicKey()
	goodSig, _ := Sign(good, []byte("m"))

	if err := KeyValidate(pk); !errors.Is(err, ErrInvalidPublicKey) {
		t.Errorf("KeyValidate(not in G1) = %v", err)
	}
	if err := ValidateSignature(sig); !errors.Is(err, ErrInvalidSignature) {
		t.Errorf("ValidateSignature(not in G2) = %v", err)
	}
	if Verify(pk, []byte("m"), goodSig) || Verify(goodPK, []byte("m"), sig) {
		t.Error("Verify accepts a point outside the subgroup")
	}
	if FastAggregateVerify([]PublicKey{goodPK, pk}, []byte("m"), goodSig) {
		t.Error("FastAggregateVerify accepts a key outside G1")
	}
	if _, err := AggregatePublicKeys([]PublicKey{goodPK, pk}); !errors.Is(err, ErrInvalidPublicKey) {
		t.Errorf("AggregatePublicKeys(not in G1) = %v", err)
	}
	if _, err := AggregateSignatures([]Signature{goodSig, sig}); !errors.Is(err, ErrInvalidSignature) {
		t.Errorf("AggregateSignatures(not in G2) = %v", err)
	}
	if _, err := RecoverPublicKey([]PublicShare{{1, goodPK}, {2, pk}}, 2); !errors.Is(err, ErrInvalidPublicKey) {
		t.Errorf("RecoverPublicKey(not in G1) = %v", err)
	}
	if VerifyPartial(PublicShare{1, pk}, []byte("m"), PartialSignature{1, goodSig}) ||
		VerifyPartial(PublicShare{1, goodPK}, []byte("m"), PartialSignature{1, sig}) {
		t.Error("VerifyPartial accepts a point outside the subgroup")
	}
}

func TestAggregatePublicKeysErrors(t *testing.T) {
	sk, _ := InteropSecretKey(6)
	pk, _ := sk.PublicKey()
	neg := skFromBig(t, new(big.Int).Sub(rBig, skBig(sk))) // -sk mod r
	negPK, err := neg.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := AggregatePublicKeys([]PublicKey{pk, negPK}); !errors.Is(err, ErrDegenerate) {
		t.Errorf("pk + (-pk) = %v, want ErrDegenerate", err)
	}
	if _, err := AggregatePublicKeys(nil); !errors.Is(err, ErrEmptyInput) {
		t.Errorf("AggregatePublicKeys(nil) = %v", err)
	}
	var inf PublicKey
	inf[0] = 0xc0
	if _, err := AggregatePublicKeys([]PublicKey{pk, inf}); !errors.Is(err, ErrInvalidPublicKey) {
		t.Errorf("AggregatePublicKeys(infinity) = %v", err)
	}
	if agg, err := AggregatePublicKeys([]PublicKey{pk}); err != nil || agg != pk {
		t.Errorf("AggregatePublicKeys(one key) = %v", err)
	}
}

// Random bytes are (with overwhelming probability) not valid points; every
// entry point must report that, never panic.
func TestRandomBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 43))
	good, _ := InteropSecretKey(7)
	goodPK, _ := good.PublicKey()
	msg := []byte("msg")
	goodSig, _ := Sign(good, msg)
	for k := 0; k < 200; k++ {
		var pk PublicKey
		var sig Signature
		for i := range pk {
			pk[i] = byte(rng.Uint32())
		}
		for i := range sig {
			sig[i] = byte(rng.Uint32())
		}
		if KeyValidate(pk) == nil {
			t.Fatalf("random public key %x accepted", pk[:])
		}
		if ValidateSignature(sig) == nil {
			t.Fatalf("random signature %x accepted", sig[:])
		}
		if Verify(pk, msg, goodSig) || Verify(goodPK, msg, sig) || FastAggregateVerify([]PublicKey{pk}, msg, goodSig) {
			t.Fatal("Verify accepted random bytes")
		}
		if _, err := RecoverSignature([]PartialSignature{{1, goodSig}, {2, sig}}, 2); !errors.Is(err, ErrInvalidSignature) {
			t.Fatalf("RecoverSignature(random) = %v", err)
		}
		if _, err := RecoverPublicKey([]PublicShare{{1, goodPK}, {2, pk}}, 2); !errors.Is(err, ErrInvalidPublicKey) {
			t.Fatalf("RecoverPublicKey(random) = %v", err)
		}
		if _, err := PublicShareAt([]PublicKey{goodPK, pk}, 3); !errors.Is(err, ErrInvalidPublicKey) {
			t.Fatalf("PublicShareAt(random) = %v", err)
		}
		// A random 32-byte scalar is either valid or rejected, never a panic.
		var sk SecretKey
		for i := range sk {
			sk[i] = byte(rng.Uint32())
		}
		_, errPK := sk.PublicKey()
		if (errPK == nil) != (sk.Validate() == nil) {
			t.Fatalf("PublicKey and Validate disagree on a random scalar")
		}
		if (errPK == nil) != (skBig(sk).Cmp(rBig) < 0 && skBig(sk).Sign() > 0) {
			t.Fatal("Validate disagrees with 0 < sk < r")
		}
	}
}

// The secret key never appears in formatted output or in error messages.
func TestSecretKeyRedaction(t *testing.T) {
	sk, _ := InteropSecretKey(0)
	share := Share{Index: 3, SecretKey: sk}
	coeffs := []SecretKey{sk}
	leaks := func(s string) bool {
		lower := strings.ToLower(s)
		return strings.Contains(lower, hex.EncodeToString(sk[:4])) ||
			strings.Contains(lower, hex.EncodeToString(sk[len(sk)-4:])) ||
			strings.Contains(s, fmt.Sprint(sk[:4])[1:8]) || // decimal bytes "37 41 9"
			strings.Contains(s, skBig(sk).String()[:12])
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%d", "%q", "%08b"} {
		for _, v := range []any{sk, &sk, share, &share, coeffs} {
			out := fmt.Sprintf(verb, v)
			if leaks(out) {
				t.Errorf("fmt %s of %T leaks the key: %s", verb, v, out)
			}
		}
	}
	if sk.String() != redacted || sk.GoString() != redacted {
		t.Error("String/GoString not redacted")
	}
	// Errors from operations that had a secret key in hand.
	over := skFromBig(t, new(big.Int).Add(rBig, big.NewInt(12345))) // >= r
	var errs []error
	_, err := Sign(over, nil)
	errs = append(errs, err)
	_, err = over.PublicKey()
	errs = append(errs, err)
	_, err = Split(over, 2, 3, nil)
	errs = append(errs, err)
	_, err = Split(sk, 4, 3, nil)
	errs = append(errs, err)
	_, err = SplitWithPolynomial([]SecretKey{sk, over}, 3)
	errs = append(errs, err)
	_, err = DeriveChildSK(over, 1)
	errs = append(errs, err)
	_, err = PublicPolynomial([]SecretKey{sk, over})
	errs = append(errs, err)
	for i, err := range errs {
		if err == nil {
			t.Errorf("error %d: nil", i)
			continue
		}
		msg := err.Error()
		if leaks(msg) || strings.Contains(strings.ToLower(msg), hex.EncodeToString(over[28:])) || strings.Contains(msg, skBig(over).String()[:12]) {
			t.Errorf("error %d leaks a secret key: %s", i, msg)
		}
	}
	// The boundary: r-1 is valid, r is not.
	if err := skFromBig(t, new(big.Int).Sub(rBig, big.NewInt(1))).Validate(); err != nil {
		t.Errorf("r-1 rejected: %v", err)
	}
	if err := skFromBig(t, new(big.Int).Set(rBig)).Validate(); !errors.Is(err, ErrInvalidSecretKey) {
		t.Errorf("r accepted: %v", err)
	}
}
