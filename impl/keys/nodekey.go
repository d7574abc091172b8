package keys

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Node identity keys are Ed25519 (libp2p's default key type). A node key
// file holds the 32-byte Ed25519 private key seed (RFC 8032's "private
// key"), as 64 lower-case hex characters and a newline, with mode 0600;
// the public key is derived from it. NodeKeyFromSeed derives a key
// deterministically for devnets.

// NodeKeyFile is the devnet file name of a node's identity key.
const NodeKeyFile = "node-key.hex"

// NodeKeyInfo is the domain-separation prefix of NodeKeyFromSeed.
const NodeKeyInfo = "DVSPEC-NODE-KEY-V1"

// GenerateNodeKey returns a new Ed25519 node key from random (nil means
// crypto/rand).
func GenerateNodeKey(random io.Reader) (ed25519.PrivateKey, error) {
	_, sk, err := ed25519.GenerateKey(random)
	return sk, err
}

// NodeKeyFromSeed derives operator index's node key from a devnet seed:
// the Ed25519 private key seed is SHA-256("DVSPEC-NODE-KEY-V1" || seed ||
// I2OSP(index, 8)). Anyone who knows the seed knows the key: for devnets
// and tests only.
func NodeKeyFromSeed(seed []byte, index uint64) ed25519.PrivateKey {
	h := sha256.New()
	h.Write([]byte(NodeKeyInfo))
	h.Write(seed)
	var b [8]byte
	for i := 0; i < 8; i++ {
		b[i] = byte(index >> (56 - 8*i))
	}
	h.Write(b[:])
	return ed25519.NewKeyFromSeed(h.Sum(nil))
}

// NodePublicKey returns the 32-byte public key of a node key.
func NodePublicKey(sk ed25519.PrivateKey) [32]byte {
	var pk [32]byte
	copy(pk[:], sk.Public().(ed25519.PublicKey))
	return pk
}

// WriteNodeKeyFile writes the node key's seed as hex with mode 0600.
func WriteNodeKeyFile(path string, sk ed25519.PrivateKey) error {
	if len(sk) != ed25519.PrivateKeySize {
		return errors.New("node key: wrong length")
	}
	return writeFileAtomic(path, []byte(hex.EncodeToString(sk.Seed())+"\n"), 0o600)
}

// ReadNodeKeyFile reads a node key file. It refuses a file that group or
// others may read or write (as ssh does for private keys), and anything but
// 64 hex characters (surrounding white space aside).
func ReadNodeKeyFile(path string) (ed25519.PrivateKey, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("node key %s: permissions %#o are too open, want 0600", path, st.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	seed, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("node key %s: want %d bytes of hex", path, ed25519.SeedSize)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// ReadNodeKeystoreFile and WriteNodeKeystoreFile store a node key in an
// EIP-2335 style encrypted file instead: the keystore's secret is the
// 32-byte Ed25519 seed, its "pubkey" the Ed25519 public key (hex), its
// "path" empty and its description "dvspec node identity key (ed25519)".

// WriteNodeKeystoreFile writes the node key as an encrypted keystore.
func WriteNodeKeystoreFile(path string, sk ed25519.PrivateKey, password string, kdf KDF, random io.Reader) error {
	m, err := encryptSecret(sk.Seed(), password, kdf, random)
	if err != nil {
		return err
	}
	id, err := newUUID(random)
	if err != nil {
		return err
	}
	pk := NodePublicKey(sk)
	return WriteKeystoreFile(path, &Keystore{
		Crypto: m, Description: "dvspec node identity key (ed25519)",
		Pubkey: hex.EncodeToString(pk[:]), UUID: id, Version: 4,
	})
}

// ReadNodeKeystoreFile reads a node key written by WriteNodeKeystoreFile.
func ReadNodeKeystoreFile(path, password string) (ed25519.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	ks, err := ParseKeystore(data)
	if err != nil {
		return nil, err
	}
	if err := checkCrypto(ks.Crypto); err != nil {
		return nil, err
	}
	seed, err := decryptCrypto(ks.Crypto, password)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	sk := ed25519.NewKeyFromSeed(seed)
	clear(seed)
	pk := NodePublicKey(sk)
	if ks.Pubkey != "" && !strings.EqualFold(strings.TrimPrefix(ks.Pubkey, "0x"), hex.EncodeToString(pk[:])) {
		return nil, fmt.Errorf("%s: decrypted key does not match the file's public key", path)
	}
	return sk, nil
}
