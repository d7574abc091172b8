// Package bls is the threshold BLS layer of the distributed validator spec:
// Ethereum BLS signatures (BLS12-381, minimal-pubkey-size, proof-of-possession
// ciphersuite BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_) plus Shamir secret
// sharing of a validator key over the scalar field and Lagrange recombination
// of signature shares and public key shares.
//
// A distributed validator splits one validator secret key s into N shares
// f(1), ..., f(N) of a polynomial f of degree M-1 with f(0) = s. Any M
// partial signatures sig_i = f(i)·H(m) recombine, by Lagrange interpolation
// at x = 0, into the signature s·H(m) of the validator key; fewer than M do
// not. Share indices are the x coordinates: share i is f(i), i = 1..N, and 0
// is never a share index.
//
// The package is pure: every function is deterministic (keys and polynomials
// derive from explicit inputs, see PolynomialFromSeed), performs no I/O,
// starts no goroutines and reads no clock or randomness. Bad input (malformed
// encodings, points outside the prime-order subgroups, the infinity public
// key, zero or duplicate share indices, too few shares, out-of-range
// thresholds) is reported as an error wrapping one of the Err* sentinels; it
// never causes a panic.
//
// Values are plain byte arrays so they compare with == and serialise as they
// are: SecretKey is a 32-byte big-endian scalar, PublicKey and Signature are
// go-eth2-client's phase0.BLSPubKey (48-byte compressed G1) and
// phase0.BLSSignature (96-byte compressed G2) in the Zcash/Ethereum encoding.
// SecretKey never prints its value (see SecretKey.Format).
//
// The arithmetic is herumi's bls-eth-go-binary (mcl), initialised once in
// Ethereum mode (EthModeDraft07, i.e. the hash-to-curve of RFC 9380 with the
// proof-of-possession DST) with the subgroup checks of public key and
// signature deserialisation switched on.
package bls
