package bls

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"

	herumi "github.com/herumi/bls-eth-go-binary/bls"
	"golang.org/x/crypto/hkdf"
)

// InteropSecretKey returns the deterministic test key of validator index
// given by the eth2 interop "mocked start" keygen (ethereum/eth2.0-pm,
// interop/mocked_start/keygen.py):
//
//	SK = int.from_bytes(sha256(index.to_bytes(32, "little")), "little") mod r
//
// These keys are public knowledge; they exist for tests and vectors only.
func InteropSecretKey(index uint64) (SecretKey, error) {
	var le [32]byte
	binary.LittleEndian.PutUint64(le[:8], index)
	digest := sha256.Sum256(le[:])
	var fr herumi.Fr
	if err := fr.SetLittleEndianMod(digest[:]); err != nil {
		return SecretKey{}, fmt.Errorf("%w: interop key %d: reducing the digest failed", ErrDegenerate, index)
	}
	sk, err := secretKeyFromHerumi(herumi.CastToSecretKey(&fr))
	if err != nil {
		return SecretKey{}, fmt.Errorf("interop key %d: %w", index, err)
	}
	return sk, nil
}

// DeriveMasterSK is EIP-2333 derive_master_SK: HKDF_mod_r(seed) with an empty
// key_info. The seed (normally a BIP-39 seed) must be at least 32 bytes;
// shorter seeds are rejected with ErrInvalidSeed.
func DeriveMasterSK(seed []byte) (SecretKey, error) {
	if len(seed) < 32 {
		return SecretKey{}, fmt.Errorf("%w: EIP-2333 requires at least 32 bytes of seed, got %d", ErrInvalidSeed, len(seed))
	}
	return hkdfModR(seed, nil)
}

// DeriveChildSK is EIP-2333 derive_child_SK: the hardened child key number
// index of parent, HKDF_mod_r(parent_SK_to_lamport_PK(parent, index)).
//
// parent_SK_to_lamport_PK is implemented as in the EIP: salt = I2OSP(index,
// 4); lamport_0 and lamport_1 are the 255 32-byte chunks of
// HKDF-Expand(HKDF-Extract(salt, IKM), "", 8160) for IKM = I2OSP(parent, 32)
// and for its bitwise complement; the compressed Lamport public key is
// SHA256 of the concatenation of SHA256 of every chunk, lamport_0 first.
func DeriveChildSK(parent SecretKey, index uint32) (SecretKey, error) {
	if err := parent.Validate(); err != nil {
		return SecretKey{}, err
	}
	var salt [4]byte
	binary.BigEndian.PutUint32(salt[:], index)
	ikm := parent // I2OSP(parent_SK, 32): SecretKey is already that encoding.
	var notIKM [32]byte
	for i := range ikm {
		notIKM[i] = ^ikm[i]
	}
	lamportPK := sha256.New()
	for _, seed := range [][]byte{ikm[:], notIKM[:]} {
		if err := writeLamportChunkHashes(lamportPK, seed, salt[:]); err != nil {
			return SecretKey{}, err
		}
	}
	compressed := lamportPK.Sum(nil)
	return hkdfModR(compressed, nil)
}

const (
	lamportChunks    = 255 // EIP-2333: L = K * 255
	lamportChunkSize = 32  // K, the SHA256 digest size
)

// writeLamportChunkHashes writes SHA256(chunk) for every chunk of EIP-2333
// IKM_to_lamport_SK(ikm, salt) to w.
func writeLamportChunkHashes(w io.Writer, ikm, salt []byte) error {
	prk := hkdf.Extract(sha256.New, ikm, salt)
	okm := make([]byte, lamportChunks*lamportChunkSize)
	if _, err := io.ReadFull(hkdf.Expand(sha256.New, prk, nil), okm); err != nil {
		return fmt.Errorf("%w: HKDF-Expand: %v", ErrDegenerate, err)
	}
	for i := 0; i < lamportChunks; i++ {
		h := sha256.Sum256(okm[i*lamportChunkSize : (i+1)*lamportChunkSize])
		if _, err := w.Write(h[:]); err != nil {
			return err
		}
	}
	return nil
}

// hkdfModRSalt is the initial salt of EIP-2333 HKDF_mod_r and IETF KeyGen.
const hkdfModRSalt = "BLS-SIG-KEYGEN-SALT-"

// hkdfModROutputLen is L = ceil((3 * ceil(log2(r))) / 16) = 48.
const hkdfModROutputLen = 48

// hkdfModR is EIP-2333 HKDF_mod_r(IKM, key_info), which equals the KeyGen of
// the IETF BLS signature draft (versions 04 and later):
//
//	salt = "BLS-SIG-KEYGEN-SALT-"; SK = 0
//	while SK == 0:
//	    salt = SHA256(salt)
//	    PRK  = HKDF-Extract(salt, IKM || I2OSP(0, 1))
//	    OKM  = HKDF-Expand(PRK, key_info || I2OSP(L, 2), L)   # L = 48
//	    SK   = OS2IP(OKM) mod r
//
// The result is never zero.
func hkdfModR(ikm, keyInfo []byte) (SecretKey, error) {
	salt := []byte(hkdfModRSalt)
	ikm0 := make([]byte, 0, len(ikm)+1)
	ikm0 = append(append(ikm0, ikm...), 0)
	info := make([]byte, 0, len(keyInfo)+2)
	info = binary.BigEndian.AppendUint16(append(info, keyInfo...), hkdfModROutputLen)
	okm := make([]byte, hkdfModROutputLen)
	for {
		digest := sha256.Sum256(salt)
		salt = digest[:]
		prk := hkdf.Extract(sha256.New, ikm0, salt)
		if _, err := io.ReadFull(hkdf.Expand(sha256.New, prk, info), okm); err != nil {
			return SecretKey{}, fmt.Errorf("%w: HKDF-Expand: %v", ErrDegenerate, err)
		}
		var fr herumi.Fr
		if err := fr.SetBigEndianMod(okm); err != nil {
			return SecretKey{}, fmt.Errorf("%w: reducing HKDF output modulo r failed", ErrDegenerate)
		}
		if fr.IsZero() {
			continue // probability about 2^-255; EIP-2333 re-hashes the salt
		}
		return secretKeyFromHerumi(herumi.CastToSecretKey(&fr))
	}
}
