package bls

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/attestantio/go-eth2-client/spec/phase0"
	herumi "github.com/herumi/bls-eth-go-binary/bls"
)

func init() {
	// herumi's Init is not thread-safe and must precede every other call;
	// package initialisation runs exactly once, before any caller can reach
	// this package. A failure here means the linked library does not support
	// BLS12-381 on this platform: nothing in the package could work, so it is
	// the one place that panics (it does not depend on any input).
	if err := herumi.Init(herumi.BLS12_381); err != nil {
		panic(fmt.Sprintf("bls: initialising herumi BLS12-381: %v", err))
	}
	// Ethereum's ciphersuite: BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_
	// (hash-to-curve draft 07 and later, identical to RFC 9380 for G2).
	if err := herumi.SetETHmode(herumi.EthModeDraft07); err != nil {
		panic(fmt.Sprintf("bls: selecting the Ethereum BLS mode: %v", err))
	}
	// Deserialising a public key or a signature checks that the point lies in
	// the prime-order subgroup (IETF KeyValidate / signature_subgroup_check).
	herumi.VerifyPublicKeyOrder(true)
	herumi.VerifySignatureOrder(true)
}

// SecretKey is a BLS secret key: the scalar SK as I2OSP(SK, 32), that is 32
// bytes big-endian, as in EIP-2333 and the IETF BLS signature draft. A valid
// secret key satisfies 0 < SK < r, where r is the order of the BLS12-381
// subgroups; every function taking a SecretKey rejects other values with an
// error wrapping ErrInvalidSecretKey.
//
// The value never appears in formatted output or in errors: SecretKey
// implements fmt.Formatter, fmt.Stringer and fmt.GoStringer and prints a
// fixed redaction marker for every verb.
type SecretKey [32]byte

// PublicKey is a BLS public key: a G1 point in the 48-byte compressed
// Zcash/Ethereum encoding (consensus-specs BLSPubkey).
type PublicKey = phase0.BLSPubKey

// Signature is a BLS signature: a G2 point in the 96-byte compressed
// Zcash/Ethereum encoding (consensus-specs BLSSignature).
type Signature = phase0.BLSSignature

// Sentinel errors. Every error returned by this package wraps exactly one of
// them, so callers can classify failures with errors.Is.
var (
	// ErrInvalidSecretKey: the scalar is zero or not below r.
	ErrInvalidSecretKey = errors.New("bls: invalid secret key")
	// ErrInvalidPublicKey: not the compressed encoding of a G1 point in the
	// prime-order subgroup, or the point at infinity (IETF KeyValidate).
	ErrInvalidPublicKey = errors.New("bls: invalid public key")
	// ErrInvalidSignature: not the compressed encoding of a G2 point in the
	// prime-order subgroup, or (where the function says so) the point at
	// infinity.
	ErrInvalidSignature = errors.New("bls: invalid signature")
	// ErrInvalidSeed: a key-derivation seed is too short.
	ErrInvalidSeed = errors.New("bls: invalid seed")
	// ErrInvalidThreshold: a threshold or share count is out of range.
	ErrInvalidThreshold = errors.New("bls: invalid threshold")
	// ErrZeroIndex: a share index is 0, which is the secret's own x
	// coordinate and never a share.
	ErrZeroIndex = errors.New("bls: share index 0")
	// ErrDuplicateIndex: two shares carry the same index.
	ErrDuplicateIndex = errors.New("bls: duplicate share index")
	// ErrTooFewShares: fewer shares than the threshold.
	ErrTooFewShares = errors.New("bls: too few shares")
	// ErrEmptyInput: an aggregation or polynomial input is empty.
	ErrEmptyInput = errors.New("bls: empty input")
	// ErrDegenerate: a computation produced the zero scalar or the point at
	// infinity where a key or signature was expected. With honest inputs this
	// happens with probability about 2^-255.
	ErrDegenerate = errors.New("bls: degenerate result")
)

// curveOrder is r = 0x73eda753...00000001, big-endian.
var curveOrder = [32]byte{
	0x73, 0xed, 0xa7, 0x53, 0x29, 0x9d, 0x7d, 0x48, 0x33, 0x39, 0xd8, 0x08, 0x09, 0xa1, 0xd8, 0x05,
	0x53, 0xbd, 0xa4, 0x02, 0xff, 0xfe, 0x5b, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01,
}

const redacted = "bls.SecretKey(REDACTED)"

// String returns a fixed marker; it never reveals the key.
func (sk SecretKey) String() string { return redacted }

// GoString returns a fixed marker; it never reveals the key (%#v).
func (sk SecretKey) GoString() string { return redacted }

// Format implements fmt.Formatter so that no verb (%x, %d, %v, %+v, %#v, ...)
// prints the key bytes.
func (sk SecretKey) Format(f fmt.State, verb rune) {
	_, _ = f.Write([]byte(redacted))
}

// Validate reports whether sk is a valid secret key, 0 < SK < r. The error
// wraps ErrInvalidSecretKey and does not contain the key.
func (sk SecretKey) Validate() error {
	if sk == (SecretKey{}) {
		return fmt.Errorf("%w: zero scalar", ErrInvalidSecretKey)
	}
	if bytes.Compare(sk[:], curveOrder[:]) >= 0 {
		return fmt.Errorf("%w: scalar not below the group order r", ErrInvalidSecretKey)
	}
	return nil
}

// PublicKey returns SkToPk(SK) = SK·G1 (IETF BLS signature draft, SkToPk).
func (sk SecretKey) PublicKey() (PublicKey, error) {
	h, err := sk.toHerumi()
	if err != nil {
		return PublicKey{}, err
	}
	return publicKeyFromHerumi(h.GetPublicKey())
}

// cgoBytes returns msg in memory of its own for a herumi call. cgo refuses
// (panics) a pointer into an allocation that holds Go pointers, so a caller
// passing a slice of an array field of such a struct (root[:] of a request
// holding *AttestationData, say) would crash the process; a copy never
// does. Messages are signing roots and other short strings: the copy costs
// nothing next to a pairing.
func cgoBytes(msg []byte) []byte {
	if len(msg) == 0 {
		return msg
	}
	return append(make([]byte, 0, len(msg)), msg...)
}

// Sign returns the Ethereum BLS signature of msg under sk: IETF
// CoreSign(SK, msg) with the proof-of-possession ciphersuite
// BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_ (consensus-specs bls.Sign).
func Sign(sk SecretKey, msg []byte) (Signature, error) {
	h, err := sk.toHerumi()
	if err != nil {
		return Signature{}, err
	}
	return signatureFromHerumi(h.SignByte(cgoBytes(msg))), nil
}

// Verify is consensus-specs bls.Verify, i.e. IETF CoreVerify of the
// proof-of-possession ciphersuite: it reports whether sig is a signature of
// msg under pk. It returns false, never an error, for an invalid public key
// (KeyValidate fails, including the infinity key) or a signature that is not
// a valid subgroup point.
func Verify(pk PublicKey, msg []byte, sig Signature) bool {
	hpk, err := parsePublicKey(pk)
	if err != nil {
		return false
	}
	hsig, err := parseSignature(sig)
	if err != nil {
		return false
	}
	return hsig.VerifyByte(hpk, cgoBytes(msg))
}

// AggregateSignatures is IETF Aggregate (consensus-specs bls.Aggregate): the
// sum of the signatures. The list must be non-empty and every entry a valid
// subgroup point. As in the Ethereum BLS test vectors
// (aggregate_infinity_signature), the point at infinity is accepted here and
// may be returned.
func AggregateSignatures(sigs []Signature) (Signature, error) {
	if len(sigs) == 0 {
		return Signature{}, fmt.Errorf("%w: no signatures to aggregate", ErrEmptyInput)
	}
	hs := make([]herumi.Sign, len(sigs))
	for i := range sigs {
		h, err := parseSignature(sigs[i])
		if err != nil {
			return Signature{}, fmt.Errorf("signature %d: %w", i, err)
		}
		hs[i] = *h
	}
	var agg herumi.Sign
	agg.Aggregate(hs)
	return signatureFromHerumi(&agg), nil
}

// AggregatePublicKeys is consensus-specs eth_aggregate_pubkeys (Altair): the
// sum of a non-empty list of public keys that each pass KeyValidate, whose
// result must itself pass KeyValidate (an infinity result is an error
// wrapping ErrDegenerate).
func AggregatePublicKeys(pks []PublicKey) (PublicKey, error) {
	if len(pks) == 0 {
		return PublicKey{}, fmt.Errorf("%w: no public keys to aggregate", ErrEmptyInput)
	}
	var agg herumi.PublicKey
	for i := range pks {
		h, err := parsePublicKey(pks[i])
		if err != nil {
			return PublicKey{}, fmt.Errorf("public key %d: %w", i, err)
		}
		if i == 0 {
			agg = *h
		} else {
			agg.Add(h)
		}
	}
	return publicKeyFromHerumi(&agg)
}

// FastAggregateVerify is IETF FastAggregateVerify (consensus-specs
// bls.FastAggregateVerify): it reports whether sig is an aggregate signature
// of the one message msg by every key in pks. It returns false for an empty
// key list (this is the IETF function, not consensus-specs'
// eth_fast_aggregate_verify, which accepts the infinity signature for an
// empty list), for any key failing KeyValidate and for an invalid signature.
func FastAggregateVerify(pks []PublicKey, msg []byte, sig Signature) bool {
	if len(pks) == 0 {
		return false
	}
	hpks := make([]herumi.PublicKey, len(pks))
	for i := range pks {
		h, err := parsePublicKey(pks[i])
		if err != nil {
			return false
		}
		hpks[i] = *h
	}
	hsig, err := parseSignature(sig)
	if err != nil {
		return false
	}
	return hsig.FastAggregateVerify(hpks, cgoBytes(msg))
}

// KeyValidate is IETF KeyValidate: pk must be the canonical compressed
// encoding of a G1 point in the prime-order subgroup other than the point at
// infinity. The error wraps ErrInvalidPublicKey.
func KeyValidate(pk PublicKey) error {
	_, err := parsePublicKey(pk)
	return err
}

// ValidateSignature reports whether sig is the canonical compressed encoding
// of a G2 point in the prime-order subgroup (IETF signature_to_point followed
// by signature_subgroup_check). The point at infinity passes. The error wraps
// ErrInvalidSignature.
func ValidateSignature(sig Signature) error {
	_, err := parseSignature(sig)
	return err
}

// toHerumi converts a validated secret key. Errors never include the key:
// herumi's own deserialisation error quotes the input bytes, so it is
// replaced, not wrapped.
func (sk SecretKey) toHerumi() (*herumi.SecretKey, error) {
	if err := sk.Validate(); err != nil {
		return nil, err
	}
	var h herumi.SecretKey
	if err := h.Deserialize(sk[:]); err != nil {
		return nil, fmt.Errorf("%w: rejected by the BLS library", ErrInvalidSecretKey)
	}
	return &h, nil
}

// secretKeyFromHerumi serialises a herumi scalar (32 bytes big-endian in
// Ethereum mode). A zero scalar is reported as ErrDegenerate.
func secretKeyFromHerumi(h *herumi.SecretKey) (SecretKey, error) {
	if h.IsZero() {
		return SecretKey{}, fmt.Errorf("%w: zero scalar", ErrDegenerate)
	}
	b := h.Serialize()
	var sk SecretKey
	if len(b) != len(sk) {
		return SecretKey{}, fmt.Errorf("%w: scalar serialised to %d bytes", ErrDegenerate, len(b))
	}
	copy(sk[:], b)
	return sk, nil
}

func parsePublicKey(pk PublicKey) (*herumi.PublicKey, error) {
	var h herumi.PublicKey
	if err := h.Deserialize(pk[:]); err != nil {
		return nil, fmt.Errorf("%w: %#x is not a compressed G1 point in the prime-order subgroup", ErrInvalidPublicKey, pk[:])
	}
	if h.IsZero() {
		return nil, fmt.Errorf("%w: the point at infinity", ErrInvalidPublicKey)
	}
	return &h, nil
}

func publicKeyFromHerumi(h *herumi.PublicKey) (PublicKey, error) {
	if h.IsZero() {
		return PublicKey{}, fmt.Errorf("%w: public key is the point at infinity", ErrDegenerate)
	}
	var pk PublicKey
	copy(pk[:], h.Serialize())
	return pk, nil
}

func parseSignature(sig Signature) (*herumi.Sign, error) {
	var h herumi.Sign
	if err := h.Deserialize(sig[:]); err != nil {
		return nil, fmt.Errorf("%w: %#x is not a compressed G2 point in the prime-order subgroup", ErrInvalidSignature, sig[:])
	}
	return &h, nil
}

// parseNonInfinitySignature is parseSignature that also rejects the point at
// infinity, which no valid key share ever signs.
func parseNonInfinitySignature(sig Signature) (*herumi.Sign, error) {
	h, err := parseSignature(sig)
	if err != nil {
		return nil, err
	}
	if h.IsZero() {
		return nil, fmt.Errorf("%w: the point at infinity", ErrInvalidSignature)
	}
	return h, nil
}

func signatureFromHerumi(h *herumi.Sign) Signature {
	var sig Signature
	copy(sig[:], h.Serialize())
	return sig
}
