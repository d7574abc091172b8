package bls

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"math/big"
	"strings"
	"testing"
)

// rBig is the BLS12-381 subgroup order, typed in independently of the
// package's own constant.
var rBig = mustBig("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001", 16)

// pBig is the BLS12-381 base field modulus.
var pBig = mustBig("1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab", 16)

func mustBig(s string, base int) *big.Int {
	v, ok := new(big.Int).SetString(s, base)
	if !ok {
		panic("bad integer literal " + s)
	}
	return v
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func hexPK(t testing.TB, s string) PublicKey {
	t.Helper()
	var pk PublicKey
	b := mustHex(t, s)
	if len(b) != len(pk) {
		t.Fatalf("public key %q has %d bytes", s, len(b))
	}
	copy(pk[:], b)
	return pk
}

func hexSig(t testing.TB, s string) Signature {
	t.Helper()
	var sig Signature
	b := mustHex(t, s)
	if len(b) != len(sig) {
		t.Fatalf("signature %q has %d bytes", s, len(b))
	}
	copy(sig[:], b)
	return sig
}

func hexSK(t testing.TB, s string) SecretKey {
	t.Helper()
	return skFromBig(t, mustBig(strings.TrimPrefix(s, "0x"), 16))
}

func decSK(t testing.TB, s string) SecretKey {
	t.Helper()
	return skFromBig(t, mustBig(s, 10))
}

func skFromBig(t testing.TB, v *big.Int) SecretKey {
	t.Helper()
	var sk SecretKey
	if v.Sign() < 0 || v.BitLen() > 256 {
		t.Fatalf("scalar out of range")
	}
	v.FillBytes(sk[:])
	return sk
}

func skBig(sk SecretKey) *big.Int { return new(big.Int).SetBytes(sk[:]) }

// evalPolyBig is Horner's rule modulo r.
func evalPolyBig(coeffs []SecretKey, x uint64) *big.Int {
	acc := new(big.Int)
	xb := new(big.Int).SetUint64(x)
	for j := len(coeffs) - 1; j >= 0; j-- {
		acc.Mul(acc, xb)
		acc.Add(acc, skBig(coeffs[j]))
		acc.Mod(acc, rBig)
	}
	return acc
}

// lagrangeAtZero returns lambda_i = prod_{j != i} x_j / (x_j - x_i) mod r.
func lagrangeAtZero(xs []uint64) []*big.Int {
	out := make([]*big.Int, len(xs))
	for i := range xs {
		num, den := big.NewInt(1), big.NewInt(1)
		xi := new(big.Int).SetUint64(xs[i])
		for j := range xs {
			if j == i {
				continue
			}
			xj := new(big.Int).SetUint64(xs[j])
			num.Mul(num, xj).Mod(num, rBig)
			d := new(big.Int).Sub(xj, xi)
			den.Mul(den, d).Mod(den, rBig)
		}
		inv := new(big.Int).ModInverse(den, rBig)
		out[i] = num.Mul(num, inv).Mod(num, rBig)
	}
	return out
}

// isSquareModP reports whether a is a square in Fp (Euler's criterion).
func isSquareModP(a *big.Int) bool {
	a = new(big.Int).Mod(a, pBig)
	if a.Sign() == 0 {
		return true
	}
	e := new(big.Int).Rsh(new(big.Int).Sub(pBig, big.NewInt(1)), 1)
	return new(big.Int).Exp(a, e, pBig).Cmp(big.NewInt(1)) == 0
}

// refHKDFModR is EIP-2333 HKDF_mod_r written from the EIP text with
// crypto/hmac and math/big only, independent of the package's
// x/crypto/hkdf-and-herumi implementation.
func refHKDFModR(ikm, keyInfo []byte) *big.Int {
	hmacSHA256 := func(key, data []byte) []byte {
		m := hmac.New(sha256.New, key)
		m.Write(data)
		return m.Sum(nil)
	}
	salt := []byte("BLS-SIG-KEYGEN-SALT-")
	for {
		d := sha256.Sum256(salt)
		salt = d[:]
		prk := hmacSHA256(salt, append(append([]byte(nil), ikm...), 0))
		info := append(append([]byte(nil), keyInfo...), 0, 48)
		var okm, block []byte
		for counter := byte(1); len(okm) < 48; counter++ {
			block = hmacSHA256(prk, append(append(append([]byte(nil), block...), info...), counter))
			okm = append(okm, block...)
		}
		sk := new(big.Int).SetBytes(okm[:48])
		sk.Mod(sk, rBig)
		if sk.Sign() != 0 {
			return sk
		}
	}
}
