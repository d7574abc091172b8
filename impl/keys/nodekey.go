package keys

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"strconv"
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

var (
	edP = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	// edD = -121665/121666 mod p
	edD = func() *big.Int {
		num := new(big.Int).Sub(edP, big.NewInt(121665))
		inv := new(big.Int).ModInverse(big.NewInt(121666), edP)
		return num.Mul(num, inv).Mod(num, edP)
	}()
	edHalf = new(big.Int).Rsh(new(big.Int).Sub(edP, big.NewInt(1)), 1)
)

// ValidateEd25519PublicKey checks that pk is the canonical RFC 8032
// encoding of a point on the Ed25519 curve: 32 bytes, y < p, and x^2 =
// (y^2 - 1) / (d y^2 + 1) has a square root. The two points with x = 0
// (the identity and the point of order 2) are refused too: no honest key
// is either.
func ValidateEd25519PublicKey(pk []byte) error {
	if len(pk) != ed25519.PublicKeySize {
		return fmt.Errorf("ed25519 public key of %d bytes, want 32", len(pk))
	}
	le := make([]byte, 32)
	copy(le, pk)
	le[31] &= 0x7f
	be := make([]byte, 32)
	for i := range le {
		be[31-i] = le[i]
	}
	y := new(big.Int).SetBytes(be)
	if y.Cmp(edP) >= 0 {
		return errors.New("ed25519 public key: non-canonical y coordinate")
	}
	y2 := new(big.Int).Mul(y, y)
	y2.Mod(y2, edP)
	u := new(big.Int).Sub(y2, big.NewInt(1))
	u.Mod(u, edP)
	v := new(big.Int).Mul(edD, y2)
	v.Add(v, big.NewInt(1)).Mod(v, edP)
	vinv := new(big.Int).ModInverse(v, edP)
	if vinv == nil {
		return errors.New("ed25519 public key: not a curve point")
	}
	x2 := new(big.Int).Mul(u, vinv)
	x2.Mod(x2, edP)
	if x2.Sign() == 0 {
		return errors.New("ed25519 public key: degenerate point (x = 0)")
	}
	if new(big.Int).Exp(x2, edHalf, edP).Cmp(big.NewInt(1)) != 0 {
		return errors.New("ed25519 public key: not a curve point")
	}
	return nil
}

// ValidateMultiaddr checks an operator address: a libp2p multiaddr in text
// form, /<network>/<host>/<transport>/<port>[/<suffix>...], where network
// is ip4 (an IPv4 address), ip6 (an IPv6 address) or dns, dns4, dns6 (a
// host name), transport is tcp or udp with a port in 1..65535, and the
// optional suffix components are quic-v1, quic, ws, wss, webtransport,
// p2p/<peer id> (p2p takes a value). Other multiaddr protocols are refused.
func ValidateMultiaddr(addr string) error {
	if !strings.HasPrefix(addr, "/") {
		return fmt.Errorf("address %q: a multiaddr starts with /", addr)
	}
	parts := strings.Split(addr[1:], "/")
	if len(parts) < 4 {
		return fmt.Errorf("address %q: want /<ip4|ip6|dns|dns4|dns6>/<host>/<tcp|udp>/<port>", addr)
	}
	for _, p := range parts {
		if p == "" {
			return fmt.Errorf("address %q: empty component", addr)
		}
	}
	host := parts[1]
	switch parts[0] {
	case "ip4":
		if ip := net.ParseIP(host); ip == nil || ip.To4() == nil || strings.Contains(host, ":") {
			return fmt.Errorf("address %q: %q is not an IPv4 address", addr, host)
		}
	case "ip6":
		if ip := net.ParseIP(host); ip == nil || !strings.Contains(host, ":") {
			return fmt.Errorf("address %q: %q is not an IPv6 address", addr, host)
		}
	case "dns", "dns4", "dns6":
		if len(host) > 253 || strings.ContainsAny(host, " \t") {
			return fmt.Errorf("address %q: %q is not a host name", addr, host)
		}
	default:
		return fmt.Errorf("address %q: unsupported network protocol %q", addr, parts[0])
	}
	if parts[2] != "tcp" && parts[2] != "udp" {
		return fmt.Errorf("address %q: transport %q, want tcp or udp", addr, parts[2])
	}
	port, err := strconv.ParseUint(parts[3], 10, 16)
	if err != nil || port == 0 || (len(parts[3]) > 1 && parts[3][0] == '0') {
		return fmt.Errorf("address %q: port %q, want 1..65535", addr, parts[3])
	}
	for i := 4; i < len(parts); i++ {
		switch parts[i] {
		case "quic-v1", "quic", "ws", "wss", "webtransport":
		case "p2p":
			if i+1 >= len(parts) {
				return fmt.Errorf("address %q: p2p without a peer id", addr)
			}
			i++
		default:
			return fmt.Errorf("address %q: unsupported protocol %q", addr, parts[i])
		}
	}
	return nil
}
