package bls

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"testing"

	herumi "github.com/herumi/bls-eth-go-binary/bls"
	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
)

// cluster is one shared key with everything the properties need.
type cluster struct {
	master    SecretKey
	masterPK  PublicKey
	coeffs    []SecretKey
	shares    []Share
	pubShares []PublicShare
	m, n      int
}

func newCluster(t testing.TB, keySeed []byte, m, n int, polySeed []byte) *cluster {
	t.Helper()
	master, err := DeriveMasterSK(keySeed)
	if err != nil {
		t.Fatalf("DeriveMasterSK: %v", err)
	}
	masterPK, err := master.PublicKey()
	if err != nil {
		t.Fatalf("PublicKey: %v", err)
	}
	coeffs, err := PolynomialFromSeed(master, m, polySeed)
	if err != nil {
		t.Fatalf("PolynomialFromSeed(m=%d): %v", m, err)
	}
	shares, err := Split(master, m, n, polySeed)
	if err != nil {
		t.Fatalf("Split(m=%d, n=%d): %v", m, n, err)
	}
	pub := make([]PublicShare, n)
	for i, s := range shares {
		if pub[i], err = s.PublicShare(); err != nil {
			t.Fatalf("PublicShare: %v", err)
		}
	}
	return &cluster{master: master, masterPK: masterPK, coeffs: coeffs, shares: shares, pubShares: pub, m: m, n: n}
}

func (c *cluster) partials(t testing.TB, msg []byte) []PartialSignature {
	t.Helper()
	parts := make([]PartialSignature, len(c.shares))
	for i, s := range c.shares {
		p, err := s.Sign(msg)
		if err != nil {
			t.Fatalf("Share.Sign: %v", err)
		}
		parts[i] = p
	}
	return parts
}

// pick returns k elements of xs in a random order chosen by rng.
func pick[T any](rng *rand.Rand, xs []T, k int) []T {
	perm := rng.Perm(len(xs))
	out := make([]T, k)
	for i := 0; i < k; i++ {
		out[i] = xs[perm[i]]
	}
	return out
}

func gopterParams(t *testing.T, runs int) *gopter.TestParameters {
	p := gopter.DefaultTestParameters()
	p.MinSuccessfulTests = runs
	t.Logf("gopter seed %d", p.Seed())
	return p
}

// thresholdProperties runs the threshold properties with M chosen by
// chooseM(n, r) for r a random integer.
func thresholdProperties(t *testing.T, chooseM func(n, r int) int) {
	props := gopter.NewProperties(gopterParams(t, 60))
	props.Property("threshold signing", prop.ForAll(
		func(keySeed []byte, n, r int, shuffle uint64) string {
			m := chooseM(n, r)
			rng := rand.New(rand.NewPCG(shuffle, uint64(n)))
			c := newCluster(t, keySeed, m, n, keySeed[:r%len(keySeed)])
			msg := []byte(fmt.Sprintf("attestation data root %d", shuffle))
			want, err := Sign(c.master, msg)
			if err != nil {
				return "Sign(master): " + err.Error()
			}
			parts := c.partials(t, msg)

			// Any M parts, in any order, recover the master signature.
			sub := pick(rng, parts, m)
			got, err := RecoverSignature(sub, m)
			if err != nil {
				return "RecoverSignature: " + err.Error()
			}
			if got != want {
				return fmt.Sprintf("m=%d n=%d: recovered signature differs from the master signature", m, n)
			}
			if !Verify(c.masterPK, msg, got) {
				return "recovered signature does not verify"
			}
			// So do all N parts (the M lowest indices are used).
			if all, err := RecoverSignature(pick(rng, parts, n), m); err != nil || all != want {
				return fmt.Sprintf("RecoverSignature(all %d parts) = %v", n, err)
			}

			// Any M public shares recover the master public key.
			pk, err := RecoverPublicKey(pick(rng, c.pubShares, m), m)
			if err != nil {
				return "RecoverPublicKey: " + err.Error()
			}
			if pk != c.masterPK {
				return "recovered public key differs from the master public key"
			}

			// Every partial verifies against its own public share only.
			for i := range parts {
				if !VerifyPartial(c.pubShares[i], msg, parts[i]) {
					return fmt.Sprintf("partial %d does not verify", i+1)
				}
			}

			if m > 1 {
				// M-1 parts are too few...
				few := pick(rng, parts, m-1)
				if _, err := RecoverSignature(few, m); !errors.Is(err, ErrTooFewShares) {
					return fmt.Sprintf("RecoverSignature(M-1 parts, M) = %v, want ErrTooFewShares", err)
				}
				// ...and interpolating them as if the threshold were M-1
				// gives a signature the master key rejects.
				bad, err := RecoverSignature(few, m-1)
				if err != nil {
					return "RecoverSignature(M-1, M-1): " + err.Error()
				}
				if bad == want || Verify(c.masterPK, msg, bad) {
					return "M-1 shares produced a valid master signature"
				}
				badPK, err := RecoverPublicKey(pick(rng, c.pubShares, m-1), m-1)
				if err != nil {
					return "RecoverPublicKey(M-1): " + err.Error()
				}
				if badPK == c.masterPK {
					return "M-1 public shares produced the master public key"
				}
			}

			// A corrupted partial fails VerifyPartial: a signature of another
			// message, or by another key (the master key, the neighbour share).
			victim := rng.IntN(n)
			wrongMsg, err := c.shares[victim].Sign(append([]byte("x"), msg...))
			if err != nil {
				return err.Error()
			}
			if VerifyPartial(c.pubShares[victim], msg, wrongMsg) {
				return "VerifyPartial accepts a partial signature of another message"
			}
			otherKey := PartialSignature{Index: parts[victim].Index, Signature: want}
			if m > 1 && VerifyPartial(c.pubShares[victim], msg, otherKey) {
				return "VerifyPartial accepts the master signature as a partial"
			}
			if n > 1 {
				neighbour := (victim + 1) % n
				swapped := PartialSignature{Index: parts[victim].Index, Signature: parts[neighbour].Signature}
				if m > 1 && VerifyPartial(c.pubShares[victim], msg, swapped) {
					return "VerifyPartial accepts another share's signature"
				}
				if VerifyPartial(c.pubShares[neighbour], msg, parts[victim]) {
					return "VerifyPartial accepts a partial under a public share with another index"
				}
			}
			// A corrupted part among the M used breaks the recovered signature.
			if m > 1 {
				used := pick(rng, parts, m)
				used[0] = PartialSignature{Index: used[0].Index, Signature: wrongMsg.Signature}
				if s, err := RecoverSignature(used, m); err != nil || Verify(c.masterPK, msg, s) {
					return fmt.Sprintf("recovery with a corrupted part: verifies or fails (%v)", err)
				}
			}
			return ""
		},
		gen.SliceOfN(32, gen.UInt8()),
		gen.IntRange(1, 10),
		gen.IntRange(0, 1<<20),
		gen.UInt64(),
	))
	props.TestingRun(t)
}

func TestThresholdTwoThirds(t *testing.T) {
	// M = ceil(2N/3), the DV spec's threshold.
	thresholdProperties(t, func(n, _ int) int { return (2*n + 2) / 3 })
}

func TestThresholdRandomM(t *testing.T) {
	thresholdProperties(t, func(n, r int) int { return 1 + r%n })
}

// TestLagrangeMatchesBigInt checks the herumi-based code against an
// independent computation with math/big over r: the shares are the
// polynomial's values at x = index (so herumi's ID for "i" is x = i), the
// secret is f(0) recovered by Lagrange from any M shares, and
// RecoverSignature / RecoverPublicKey equal sum(lambda_i * part_i) with the
// math/big lambdas.
func TestLagrangeMatchesBigInt(t *testing.T) {
	props := gopter.NewProperties(gopterParams(t, 60))
	props.Property("math/big Lagrange agrees with herumi", prop.ForAll(
		func(keySeed []byte, n, r int, shuffle uint64) string {
			m := 1 + r%n
			rng := rand.New(rand.NewPCG(shuffle, 7))
			c := newCluster(t, keySeed, m, n, []byte("lagrange"))
			if skBig(c.coeffs[0]).Cmp(skBig(c.master)) != 0 {
				return "a_0 is not the secret"
			}
			for _, s := range c.shares {
				if evalPolyBig(c.coeffs, s.Index).Cmp(skBig(s.SecretKey)) != 0 {
					return fmt.Sprintf("share %d is not f(%d)", s.Index, s.Index)
				}
			}
			sub := pick(rng, c.shares, m)
			xs := make([]uint64, m)
			for i, s := range sub {
				xs[i] = s.Index
			}
			lambdas := lagrangeAtZero(xs)
			acc := new(big.Int)
			for i, s := range sub {
				acc.Add(acc, new(big.Int).Mul(lambdas[i], skBig(s.SecretKey)))
			}
			if acc.Mod(acc, rBig).Cmp(skBig(c.master)) != 0 {
				return "math/big Lagrange of the shares is not the secret"
			}

			// The same lambdas in the exponent, with herumi's plain group
			// operations, against RecoverSignature / RecoverPublicKey.
			msg := []byte("lagrange in the exponent")
			var sigAcc herumi.G2
			var pkAcc herumi.G1
			parts := make([]PartialSignature, m)
			pubs := make([]PublicShare, m)
			for i, s := range sub {
				p, err := s.Sign(msg)
				if err != nil {
					return err.Error()
				}
				ps, err := s.PublicShare()
				if err != nil {
					return err.Error()
				}
				parts[i], pubs[i] = p, ps
				var fr herumi.Fr
				if err := fr.SetString(lambdas[i].String(), 10); err != nil {
					return err.Error()
				}
				var hs herumi.Sign
				if err := hs.Deserialize(p.Signature[:]); err != nil {
					return err.Error()
				}
				var term herumi.G2
				herumi.G2Mul(&term, herumi.CastFromSign(&hs), &fr)
				herumi.G2Add(&sigAcc, &sigAcc, &term)
				var hp herumi.PublicKey
				if err := hp.Deserialize(ps.PublicKey[:]); err != nil {
					return err.Error()
				}
				var pterm herumi.G1
				herumi.G1Mul(&pterm, herumi.CastFromPublicKey(&hp), &fr)
				herumi.G1Add(&pkAcc, &pkAcc, &pterm)
			}
			got, err := RecoverSignature(parts, m)
			if err != nil {
				return err.Error()
			}
			var want Signature
			copy(want[:], herumi.CastToSign(&sigAcc).Serialize())
			if got != want {
				return "RecoverSignature differs from sum(lambda_i * sig_i)"
			}
			gotPK, err := RecoverPublicKey(pubs, m)
			if err != nil {
				return err.Error()
			}
			var wantPK PublicKey
			copy(wantPK[:], herumi.CastToPublicKey(&pkAcc).Serialize())
			if gotPK != wantPK || gotPK != c.masterPK {
				return "RecoverPublicKey differs from sum(lambda_i * pk_i)"
			}
			return ""
		},
		gen.SliceOfN(32, gen.UInt8()),
		gen.IntRange(1, 10),
		gen.IntRange(0, 1<<20),
		gen.UInt64(),
	))
	props.TestingRun(t)
}

// Feldman commitments evaluated at i equal the public key of share i.
func TestPublicPolynomial(t *testing.T) {
	c := newCluster(t, []byte("feldman commitments test seed 0123456789"), 4, 7, []byte("seed"))
	commitments, err := PublicPolynomial(c.coeffs)
	if err != nil {
		t.Fatal(err)
	}
	if commitments[0] != c.masterPK {
		t.Error("commitment 0 is not the master public key")
	}
	for _, ps := range c.pubShares {
		got, err := PublicShareAt(commitments, ps.Index)
		if err != nil {
			t.Fatal(err)
		}
		if got != ps.PublicKey {
			t.Errorf("PublicShareAt(%d) differs from the share's public key", ps.Index)
		}
	}
	// An index past N is still a point of the same polynomial.
	extra, err := PublicShareAt(commitments, 1000)
	if err != nil {
		t.Fatal(err)
	}
	skExtra := skFromBig(t, evalPolyBig(c.coeffs, 1000))
	if pk, _ := skExtra.PublicKey(); pk != extra {
		t.Error("PublicShareAt(1000) is not f(1000)·G1")
	}
	if _, err := PublicShareAt(commitments, 0); !errors.Is(err, ErrZeroIndex) {
		t.Errorf("PublicShareAt(0) = %v", err)
	}
	if _, err := PublicShareAt(nil, 1); !errors.Is(err, ErrEmptyInput) {
		t.Errorf("PublicShareAt(nil) = %v", err)
	}
	var inf PublicKey
	inf[0] = 0xc0
	if _, err := PublicShareAt([]PublicKey{commitments[0], inf}, 1); !errors.Is(err, ErrInvalidPublicKey) {
		t.Errorf("PublicShareAt(infinity commitment) = %v", err)
	}
	if _, err := PublicPolynomial(nil); !errors.Is(err, ErrEmptyInput) {
		t.Errorf("PublicPolynomial(nil) = %v", err)
	}
	if _, err := PublicPolynomial([]SecretKey{c.master, {}}); !errors.Is(err, ErrInvalidSecretKey) {
		t.Errorf("PublicPolynomial(zero coefficient) = %v", err)
	}
}

// RecoverSignature uses the threshold parts with the smallest indices, so a
// wrong part at a higher index is ignored and one at a lower index is not,
// and the input order does not matter.
func TestRecoverSelection(t *testing.T) {
	c := newCluster(t, []byte("selection test seed, thirty-two bytes or more"), 3, 5, nil)
	msg := []byte("block root")
	want, _ := Sign(c.master, msg)
	parts := c.partials(t, msg)
	stranger, _ := Sign(c.shares[0].SecretKey, []byte("other message"))

	withBadTop := append([]PartialSignature(nil), parts[:3]...)
	withBadTop = append(withBadTop, PartialSignature{Index: 5, Signature: stranger})
	if got, err := RecoverSignature(withBadTop, 3); err != nil || got != want {
		t.Errorf("a wrong part at the highest index changed the result (%v)", err)
	}
	withBadLow := append([]PartialSignature{{Index: 1, Signature: stranger}}, parts[1:]...)
	if got, err := RecoverSignature(withBadLow, 3); err != nil || got == want {
		t.Errorf("a wrong part at the lowest index did not change the result (%v)", err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for k := 0; k < 10; k++ {
		if got, err := RecoverSignature(pick(rng, parts, 5), 3); err != nil || got != want {
			t.Fatalf("shuffled input: %v", err)
		}
	}
	// The caller's slice is not reordered.
	rev := []PartialSignature{parts[4], parts[3], parts[2]}
	if _, err := RecoverSignature(rev, 3); err != nil {
		t.Fatal(err)
	}
	if rev[0].Index != 5 || rev[2].Index != 3 {
		t.Error("RecoverSignature reordered its input")
	}
}

func TestRecoverErrors(t *testing.T) {
	c := newCluster(t, []byte("error test seed, thirty-two bytes or more...."), 3, 4, []byte("s"))
	msg := []byte("msg")
	parts := c.partials(t, msg)
	var inf, zero Signature
	inf[0] = 0xc0
	notInG2 := hexSig(t, "8123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	with := func(i int, p PartialSignature) []PartialSignature {
		out := append([]PartialSignature(nil), parts...)
		out[i] = p
		return out
	}
	cases := []struct {
		name      string
		parts     []PartialSignature
		threshold int
		want      error
	}{
		{"threshold 0", parts, 0, ErrInvalidThreshold},
		{"threshold -1", parts, -1, ErrInvalidThreshold},
		{"threshold above MaxShares", parts, MaxShares + 1, ErrInvalidThreshold},
		{"too few", parts[:2], 3, ErrTooFewShares},
		{"none", nil, 1, ErrTooFewShares},
		{"zero index", with(2, PartialSignature{Index: 0, Signature: parts[2].Signature}), 3, ErrZeroIndex},
		{"duplicate index", with(3, PartialSignature{Index: 1, Signature: parts[3].Signature}), 3, ErrDuplicateIndex},
		{"duplicate identical part", with(3, parts[0]), 3, ErrDuplicateIndex},
		{"infinity part", with(1, PartialSignature{Index: 2, Signature: inf}), 3, ErrInvalidSignature},
		{"all-zero part", with(1, PartialSignature{Index: 2, Signature: zero}), 3, ErrInvalidSignature},
		{"not in G2", with(0, PartialSignature{Index: 1, Signature: notInG2}), 3, ErrInvalidSignature},
		{"malformed unused part", with(3, PartialSignature{Index: 4, Signature: zero}), 3, ErrInvalidSignature},
	}
	for _, tc := range cases {
		if _, err := RecoverSignature(tc.parts, tc.threshold); !errors.Is(err, tc.want) {
			t.Errorf("RecoverSignature %s: %v, want %v", tc.name, err, tc.want)
		}
	}

	var infPK, zeroPK PublicKey
	infPK[0] = 0xc0
	withPK := func(i int, p PublicShare) []PublicShare {
		out := append([]PublicShare(nil), c.pubShares...)
		out[i] = p
		return out
	}
	pkCases := []struct {
		name      string
		parts     []PublicShare
		threshold int
		want      error
	}{
		{"threshold 0", c.pubShares, 0, ErrInvalidThreshold},
		{"too few", c.pubShares[:2], 3, ErrTooFewShares},
		{"zero index", withPK(0, PublicShare{Index: 0, PublicKey: c.pubShares[0].PublicKey}), 3, ErrZeroIndex},
		{"duplicate index", withPK(1, PublicShare{Index: 3, PublicKey: c.pubShares[1].PublicKey}), 3, ErrDuplicateIndex},
		{"infinity key", withPK(1, PublicShare{Index: 2, PublicKey: infPK}), 3, ErrInvalidPublicKey},
		{"all-zero key", withPK(1, PublicShare{Index: 2, PublicKey: zeroPK}), 3, ErrInvalidPublicKey},
	}
	for _, tc := range pkCases {
		if _, err := RecoverPublicKey(tc.parts, tc.threshold); !errors.Is(err, tc.want) {
			t.Errorf("RecoverPublicKey %s: %v, want %v", tc.name, err, tc.want)
		}
	}

	// VerifyPartial: index 0 and mismatched indices are rejected.
	if VerifyPartial(PublicShare{Index: 0, PublicKey: c.pubShares[0].PublicKey}, msg, PartialSignature{Index: 0, Signature: parts[0].Signature}) {
		t.Error("VerifyPartial accepts index 0")
	}
	if VerifyPartial(c.pubShares[0], msg, PartialSignature{Index: 2, Signature: parts[0].Signature}) {
		t.Error("VerifyPartial accepts mismatched indices")
	}
	if VerifyPartial(c.pubShares[0], msg, PartialSignature{Index: 1, Signature: inf}) {
		t.Error("VerifyPartial accepts the infinity signature")
	}
}

func TestSplitErrors(t *testing.T) {
	secret, _ := InteropSecretKey(3)
	var overR SecretKey
	copy(overR[:], rBig.Bytes()) // exactly r
	allFF := SecretKey{}
	for i := range allFF {
		allFF[i] = 0xff
	}
	cases := []struct {
		name   string
		secret SecretKey
		m, n   int
		want   error
	}{
		{"threshold above n", secret, 5, 4, ErrInvalidThreshold},
		{"threshold 0", secret, 0, 4, ErrInvalidThreshold},
		{"n 0", secret, 1, 0, ErrInvalidThreshold},
		{"negative", secret, -1, -1, ErrInvalidThreshold},
		{"n above MaxShares", secret, 1, MaxShares + 1, ErrInvalidThreshold},
		{"zero secret", SecretKey{}, 2, 3, ErrInvalidSecretKey},
		{"secret r", overR, 2, 3, ErrInvalidSecretKey},
		{"secret 2^256-1", allFF, 2, 3, ErrInvalidSecretKey},
	}
	for _, tc := range cases {
		if _, err := Split(tc.secret, tc.m, tc.n, []byte("seed")); !errors.Is(err, tc.want) {
			t.Errorf("Split %s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := SplitWithPolynomial(nil, 3); !errors.Is(err, ErrEmptyInput) {
		t.Errorf("SplitWithPolynomial(nil) = %v", err)
	}
	if _, err := SplitWithPolynomial([]SecretKey{secret, {}}, 3); !errors.Is(err, ErrInvalidSecretKey) {
		t.Errorf("SplitWithPolynomial(zero coefficient) = %v", err)
	}
	if _, err := SplitWithPolynomial([]SecretKey{secret, secret}, 1); !errors.Is(err, ErrInvalidThreshold) {
		t.Errorf("SplitWithPolynomial(M=2, n=1) = %v", err)
	}
	if _, err := PolynomialFromSeed(secret, MaxShares+1, nil); !errors.Is(err, ErrInvalidThreshold) {
		t.Errorf("PolynomialFromSeed(MaxShares+1) = %v", err)
	}
	if _, err := (Share{Index: 0, SecretKey: secret}).Sign([]byte("m")); !errors.Is(err, ErrZeroIndex) {
		t.Errorf("Share{0}.Sign = %v", err)
	}
	if _, err := (Share{Index: 0, SecretKey: secret}).PublicShare(); !errors.Is(err, ErrZeroIndex) {
		t.Errorf("Share{0}.PublicShare = %v", err)
	}
	// A hand-made polynomial works like a derived one: f(x) = s + x.
	one := SecretKey{31: 1}
	shares, err := SplitWithPolynomial([]SecretKey{secret, one}, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range shares {
		want := new(big.Int).Add(skBig(secret), new(big.Int).SetUint64(s.Index))
		if skBig(s.SecretKey).Cmp(want.Mod(want, rBig)) != 0 {
			t.Errorf("f(%d) != s + %d", s.Index, s.Index)
		}
	}
}

// Splitting is deterministic, and the seed and the threshold each change the
// polynomial.
func TestPolynomialDerivation(t *testing.T) {
	secret, _ := InteropSecretKey(4)
	a, _ := PolynomialFromSeed(secret, 4, []byte("seed A"))
	a2, _ := PolynomialFromSeed(secret, 4, []byte("seed A"))
	b, _ := PolynomialFromSeed(secret, 4, []byte("seed B"))
	a5, _ := PolynomialFromSeed(secret, 5, []byte("seed A"))
	other, _ := InteropSecretKey(5)
	o, _ := PolynomialFromSeed(other, 4, []byte("seed A"))
	for j := 1; j < 4; j++ {
		if a[j] != a2[j] {
			t.Errorf("a_%d not deterministic", j)
		}
		if a[j] == b[j] || a[j] == a5[j] || a[j] == o[j] {
			t.Errorf("a_%d does not depend on seed, threshold and secret", j)
		}
		if a[j].Validate() != nil {
			t.Errorf("a_%d invalid", j)
		}
	}
	// Cross-check with an HKDF written here with crypto/hmac only.
	for trial := 0; trial < 20; trial++ {
		seed := binary.BigEndian.AppendUint64(nil, uint64(trial*7919))
		m := 2 + trial%5
		coeffs, err := PolynomialFromSeed(secret, m, seed)
		if err != nil {
			t.Fatal(err)
		}
		for j := 1; j < m; j++ {
			info := append([]byte("DVSPEC-BLS-POLYNOMIAL-V1"), binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, uint32(m)), uint32(j))...)
			want := refHKDFModR(append(append([]byte(nil), secret[:]...), seed...), info)
			if skBig(coeffs[j]).Cmp(want) != 0 {
				t.Fatalf("trial %d: a_%d differs from the reference HKDF_mod_r", trial, j)
			}
		}
	}
	if _, err := DeriveMasterSK(make([]byte, 31)); !errors.Is(err, ErrInvalidSeed) {
		t.Errorf("DeriveMasterSK(31 bytes) = %v", err)
	}
	if _, err := DeriveChildSK(SecretKey{}, 0); !errors.Is(err, ErrInvalidSecretKey) {
		t.Errorf("DeriveChildSK(zero parent) = %v", err)
	}
}
