package bls

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"

	herumi "github.com/herumi/bls-eth-go-binary/bls"
)

// MaxShares bounds the number of shares N (and so the threshold M) accepted
// by PolynomialFromSeed, Split and SplitWithPolynomial. The DV spec itself
// caps a cluster at 256 co-validators; the larger bound only keeps inputs
// finite.
const MaxShares = 1 << 16

// PolynomialInfoTag is the domain-separation prefix of the key_info used by
// PolynomialFromSeed.
const PolynomialInfoTag = "DVSPEC-BLS-POLYNOMIAL-V1"

// Share is one key share of a distributed validator: SecretKey = f(Index)
// for the sharing polynomial f. Index is the share's x coordinate, 1..N; the
// co-validator's CoValidator.Index in the DV spec.
type Share struct {
	Index     uint64
	SecretKey SecretKey
}

// PublicShare is the public key of a key share: PublicKey = f(Index)·G1.
type PublicShare struct {
	Index     uint64
	PublicKey PublicKey
}

// PartialSignature is a signature by one key share: Signature =
// f(Index)·H(msg).
type PartialSignature struct {
	Index     uint64
	Signature Signature
}

// PolynomialFromSeed returns the coefficients a_0, ..., a_{M-1} (M =
// threshold) of the secret-sharing polynomial f(x) = a_0 + a_1 x + ... +
// a_{M-1} x^{M-1} with a_0 = secret. The other coefficients are derived,
// deterministically, from the secret, the threshold and the seed with the
// EIP-2333 HKDF_mod_r function (identical to the IETF BLS KeyGen):
//
//	a_j = HKDF_mod_r(IKM = I2OSP(secret, 32) || seed,
//	                 key_info = "DVSPEC-BLS-POLYNOMIAL-V1" || I2OSP(M, 4) || I2OSP(j, 4))
//	for j = 1, ..., M-1
//
// where I2OSP is big-endian, || is concatenation, the tag is the 24 ASCII
// bytes of PolynomialInfoTag, and HKDF_mod_r (HKDF-SHA256, salt
// "BLS-SIG-KEYGEN-SALT-" re-hashed on each try, IKM || I2OSP(0, 1), key_info
// || I2OSP(48, 2), 48 output bytes reduced mod r, retried while zero) is
// exactly as in EIP-2333. Every coefficient is therefore in 1..r-1; in
// particular the polynomial has degree exactly M-1. The seed may have any
// length, including zero; the secret, of fixed length, comes first, so IKM
// parses uniquely.
//
// Why the secret is an input: a_1..a_{M-1} must be unknown to anyone who may
// hold a share. Were they a function of the seed alone, the seed would be a
// second master secret: seed plus any single share would reveal
// a_0 = f(i) - sum a_j i^j. Deriving them from the secret as well (as RFC
// 6979 and EdDSA derive nonces from the private key) keeps them as
// unpredictable as the secret itself even when the seed is public, reused or
// empty, while keeping Split a pure function. The seed then only
// diversifies: different seeds give independent sharings of the same key (a
// fresh seed is what a resharing needs). The threshold is in key_info so that
// sharings of one secret with different thresholds are independent too,
// instead of sharing their low-order coefficients.
//
// The secret must be valid and 1 <= threshold <= MaxShares.
func PolynomialFromSeed(secret SecretKey, threshold int, seed []byte) ([]SecretKey, error) {
	if err := secret.Validate(); err != nil {
		return nil, err
	}
	if threshold < 1 || threshold > MaxShares {
		return nil, fmt.Errorf("%w: threshold %d outside 1..%d", ErrInvalidThreshold, threshold, MaxShares)
	}
	coeffs := make([]SecretKey, threshold)
	coeffs[0] = secret
	ikm := make([]byte, 0, len(secret)+len(seed))
	ikm = append(append(ikm, secret[:]...), seed...)
	info := make([]byte, len(PolynomialInfoTag)+8)
	copy(info, PolynomialInfoTag)
	binary.BigEndian.PutUint32(info[len(PolynomialInfoTag):], uint32(threshold))
	for j := 1; j < threshold; j++ {
		binary.BigEndian.PutUint32(info[len(PolynomialInfoTag)+4:], uint32(j))
		a, err := hkdfModR(ikm, info)
		if err != nil {
			return nil, fmt.Errorf("coefficient %d: %w", j, err)
		}
		coeffs[j] = a
	}
	return coeffs, nil
}

// Split shares secret among n co-validators so that any threshold of them
// can sign: it is SplitWithPolynomial(PolynomialFromSeed(secret, threshold,
// seed), n). It requires 1 <= threshold <= n <= MaxShares.
func Split(secret SecretKey, threshold, n int, seed []byte) ([]Share, error) {
	if err := checkThreshold(threshold, n); err != nil {
		return nil, err
	}
	coeffs, err := PolynomialFromSeed(secret, threshold, seed)
	if err != nil {
		return nil, err
	}
	return SplitWithPolynomial(coeffs, n)
}

// SplitWithPolynomial evaluates the polynomial with coefficients coeffs
// (a_0 first; the threshold is M = len(coeffs)) at x = 1, ..., n (Shamir
// secret sharing): share i has Index i and SecretKey f(i) mod r. Every
// coefficient must be a valid secret key (non-zero, below r) and 1 <= M <= n
// <= MaxShares. A share that evaluates to zero (probability about n·2^-255)
// is reported as ErrDegenerate rather than returned.
func SplitWithPolynomial(coeffs []SecretKey, n int) ([]Share, error) {
	if len(coeffs) == 0 {
		return nil, fmt.Errorf("%w: no polynomial coefficients", ErrEmptyInput)
	}
	if err := checkThreshold(len(coeffs), n); err != nil {
		return nil, err
	}
	msk := make([]herumi.SecretKey, len(coeffs))
	for j := range coeffs {
		h, err := coeffs[j].toHerumi()
		if err != nil {
			return nil, fmt.Errorf("coefficient %d: %w", j, err)
		}
		msk[j] = *h
	}
	shares := make([]Share, n)
	for i := 1; i <= n; i++ {
		id, err := shareID(uint64(i))
		if err != nil {
			return nil, err
		}
		var s herumi.SecretKey
		if err := s.Set(msk, &id); err != nil {
			return nil, fmt.Errorf("%w: evaluating the polynomial at %d failed", ErrDegenerate, i)
		}
		sk, err := secretKeyFromHerumi(&s)
		if err != nil {
			return nil, fmt.Errorf("share %d: %w", i, err)
		}
		shares[i-1] = Share{Index: uint64(i), SecretKey: sk}
	}
	return shares, nil
}

// PublicPolynomial returns the Feldman commitments of a polynomial: a_j·G1
// for every coefficient, a_0·G1 (the validator public key) first. Every
// coefficient must be a valid secret key.
func PublicPolynomial(coeffs []SecretKey) ([]PublicKey, error) {
	if len(coeffs) == 0 {
		return nil, fmt.Errorf("%w: no polynomial coefficients", ErrEmptyInput)
	}
	if len(coeffs) > MaxShares {
		return nil, fmt.Errorf("%w: %d coefficients, at most %d", ErrInvalidThreshold, len(coeffs), MaxShares)
	}
	pks := make([]PublicKey, len(coeffs))
	for j := range coeffs {
		pk, err := coeffs[j].PublicKey()
		if err != nil {
			return nil, fmt.Errorf("coefficient %d: %w", j, err)
		}
		pks[j] = pk
	}
	return pks, nil
}

// PublicShareAt evaluates Feldman commitments (as returned by
// PublicPolynomial) at x = index: sum_j index^j · publicCoeffs[j], the public
// key of share index. Every commitment must pass KeyValidate and index must
// not be 0. (It is not called PublicShare because that is the type's name.)
func PublicShareAt(publicCoeffs []PublicKey, index uint64) (PublicKey, error) {
	if index == 0 {
		return PublicKey{}, ErrZeroIndex
	}
	if len(publicCoeffs) == 0 {
		return PublicKey{}, fmt.Errorf("%w: no public coefficients", ErrEmptyInput)
	}
	if len(publicCoeffs) > MaxShares {
		return PublicKey{}, fmt.Errorf("%w: %d public coefficients, at most %d", ErrInvalidThreshold, len(publicCoeffs), MaxShares)
	}
	mpk := make([]herumi.PublicKey, len(publicCoeffs))
	for j := range publicCoeffs {
		h, err := parsePublicKey(publicCoeffs[j])
		if err != nil {
			return PublicKey{}, fmt.Errorf("public coefficient %d: %w", j, err)
		}
		mpk[j] = *h
	}
	id, err := shareID(index)
	if err != nil {
		return PublicKey{}, err
	}
	var pub herumi.PublicKey
	if err := pub.Set(mpk, &id); err != nil {
		return PublicKey{}, fmt.Errorf("%w: evaluating the commitments at %d failed", ErrDegenerate, index)
	}
	return publicKeyFromHerumi(&pub)
}

// PublicShare returns the public key of the share, with its index. The index
// must not be 0 and the key must be valid.
func (s Share) PublicShare() (PublicShare, error) {
	if s.Index == 0 {
		return PublicShare{}, ErrZeroIndex
	}
	pk, err := s.SecretKey.PublicKey()
	if err != nil {
		return PublicShare{}, fmt.Errorf("share %d: %w", s.Index, err)
	}
	return PublicShare{Index: s.Index, PublicKey: pk}, nil
}

// Sign returns the share's partial signature of msg: Sign(s.SecretKey, msg)
// tagged with s.Index. The index must not be 0.
func (s Share) Sign(msg []byte) (PartialSignature, error) {
	if s.Index == 0 {
		return PartialSignature{}, ErrZeroIndex
	}
	sig, err := Sign(s.SecretKey, msg)
	if err != nil {
		return PartialSignature{}, fmt.Errorf("share %d: %w", s.Index, err)
	}
	return PartialSignature{Index: s.Index, Signature: sig}, nil
}

// VerifyPartial reports whether part is the signature of msg by the share
// whose public key is pub: the indices must be equal and non-zero, pub must
// pass KeyValidate and part's signature must be a valid, non-infinity
// subgroup point that Verify accepts. It never returns an error.
func VerifyPartial(pub PublicShare, msg []byte, part PartialSignature) bool {
	if pub.Index == 0 || pub.Index != part.Index {
		return false
	}
	hpk, err := parsePublicKey(pub.PublicKey)
	if err != nil {
		return false
	}
	hsig, err := parseNonInfinitySignature(part.Signature)
	if err != nil {
		return false
	}
	return hsig.VerifyByte(hpk, cgoBytes(msg))
}

// RecoverSignature recombines partial signatures into the signature of the
// shared key by Lagrange interpolation at x = 0 (in the exponent):
// sum_i lambda_i · sig_i with lambda_i = prod_{j != i} x_j / (x_j - x_i).
//
// Rules, checked in this order:
//   - 1 <= threshold <= MaxShares (ErrInvalidThreshold);
//   - len(parts) >= threshold (ErrTooFewShares);
//   - no index is 0 (ErrZeroIndex) and no two parts share an index
//     (ErrDuplicateIndex), over all parts;
//   - every part's signature is a valid subgroup point other than infinity
//     (ErrInvalidSignature), over all parts, used or not.
//
// It then uses exactly threshold parts: those with the threshold smallest
// indices, so the result depends only on the set of parts, not on their
// order. Parts are not verified here; callers verify them first with
// VerifyPartial, since one bad part among those used yields a signature that
// does not verify. An infinity result is reported as ErrDegenerate.
func RecoverSignature(parts []PartialSignature, threshold int) (Signature, error) {
	return RecoverSignatureWith(parts, threshold, nil)
}

// SignatureDecoder returns a signature its caller has already decoded and
// found to be a subgroup point other than infinity (the checks
// RecoverSignature makes of every part), or nil when it has not.
type SignatureDecoder func(Signature) *herumi.Sign

// RecoverSignatureWith is RecoverSignature taking the parts' decoded points
// from decoded where it has them (nil: none): the same answer, without
// decompressing and subgroup-checking again a partial signature a batch
// verifier just decoded. decoded must answer only for exactly the bytes
// it decoded.
func RecoverSignatureWith(parts []PartialSignature, threshold int, decoded SignatureDecoder) (Signature, error) {
	order, err := selectShares(len(parts), threshold, func(i int) uint64 { return parts[i].Index })
	if err != nil {
		return Signature{}, err
	}
	sigs := make([]herumi.Sign, len(parts))
	for i := range parts {
		if decoded != nil {
			if h := decoded(parts[i].Signature); h != nil {
				sigs[i] = *h
				continue
			}
		}
		h, err := parseNonInfinitySignature(parts[i].Signature)
		if err != nil {
			return Signature{}, fmt.Errorf("partial signature of share %d: %w", parts[i].Index, err)
		}
		sigs[i] = *h
	}
	used := make([]herumi.Sign, threshold)
	ids := make([]herumi.ID, threshold)
	for k, i := range order[:threshold] {
		used[k] = sigs[i]
		id, err := shareID(parts[i].Index)
		if err != nil {
			return Signature{}, err
		}
		ids[k] = id
	}
	var sig herumi.Sign
	if err := sig.Recover(used, ids); err != nil {
		return Signature{}, fmt.Errorf("%w: Lagrange interpolation failed", ErrDegenerate)
	}
	if sig.IsZero() {
		return Signature{}, fmt.Errorf("%w: recovered signature is the point at infinity", ErrDegenerate)
	}
	return signatureFromHerumi(&sig), nil
}

// RecoverPublicKey recombines public key shares into the shared public key
// by Lagrange interpolation at x = 0, with exactly the rules of
// RecoverSignature: 1 <= threshold <= MaxShares, at least threshold parts,
// non-zero distinct indices, every key passing KeyValidate (over all parts),
// and the threshold parts with the smallest indices are used. An infinity
// result is reported as ErrDegenerate.
func RecoverPublicKey(parts []PublicShare, threshold int) (PublicKey, error) {
	order, err := selectShares(len(parts), threshold, func(i int) uint64 { return parts[i].Index })
	if err != nil {
		return PublicKey{}, err
	}
	pks := make([]herumi.PublicKey, len(parts))
	for i := range parts {
		h, err := parsePublicKey(parts[i].PublicKey)
		if err != nil {
			return PublicKey{}, fmt.Errorf("public key of share %d: %w", parts[i].Index, err)
		}
		pks[i] = *h
	}
	used := make([]herumi.PublicKey, threshold)
	ids := make([]herumi.ID, threshold)
	for k, i := range order[:threshold] {
		used[k] = pks[i]
		id, err := shareID(parts[i].Index)
		if err != nil {
			return PublicKey{}, err
		}
		ids[k] = id
	}
	var pub herumi.PublicKey
	if err := pub.Recover(used, ids); err != nil {
		return PublicKey{}, fmt.Errorf("%w: Lagrange interpolation failed", ErrDegenerate)
	}
	return publicKeyFromHerumi(&pub)
}

// checkThreshold validates 1 <= threshold <= n <= MaxShares.
func checkThreshold(threshold, n int) error {
	if n < 1 || n > MaxShares {
		return fmt.Errorf("%w: %d shares, want 1..%d", ErrInvalidThreshold, n, MaxShares)
	}
	if threshold < 1 || threshold > n {
		return fmt.Errorf("%w: threshold %d outside 1..%d", ErrInvalidThreshold, threshold, n)
	}
	return nil
}

// selectShares validates the threshold and the indices of n parts and
// returns the positions of all parts sorted by ascending index.
func selectShares(n, threshold int, index func(int) uint64) ([]int, error) {
	if threshold < 1 || threshold > MaxShares {
		return nil, fmt.Errorf("%w: threshold %d outside 1..%d", ErrInvalidThreshold, threshold, MaxShares)
	}
	if n < threshold {
		return nil, fmt.Errorf("%w: %d shares, threshold %d", ErrTooFewShares, n, threshold)
	}
	order := make([]int, n)
	for i := range order {
		if index(i) == 0 {
			return nil, fmt.Errorf("%w (position %d)", ErrZeroIndex, i)
		}
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(index(a), index(b)) })
	for k := 1; k < n; k++ {
		if index(order[k]) == index(order[k-1]) {
			return nil, fmt.Errorf("%w: %d", ErrDuplicateIndex, index(order[k]))
		}
	}
	return order, nil
}

// shareID maps a share index to herumi's ID with the field element x =
// index (herumi parses the decimal string as an integer in Fr; the tests
// check the mapping against an independent evaluation).
func shareID(index uint64) (herumi.ID, error) {
	var id herumi.ID
	if index == 0 {
		return id, ErrZeroIndex
	}
	if err := id.SetDecString(strconv.FormatUint(index, 10)); err != nil {
		return id, fmt.Errorf("%w: share index %d not representable", ErrDegenerate, index)
	}
	return id, nil
}
