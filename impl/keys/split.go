package keys

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/cluster"
)

// SplitResult is a validator key shared among N operators.
type SplitResult struct {
	// ValidatorPublicKey is the public key of the shared key.
	ValidatorPublicKey phase0.BLSPubKey
	// Threshold is M: any M shares sign for the validator.
	Threshold int
	// Shares holds share i (index i, secret f(i)) at position i-1.
	Shares []bls.Share
	// PublicShares holds the public key of share i at position i-1.
	PublicShares []phase0.BLSPubKey
}

// SplitKey shares the validator secret key sk among n operators with
// threshold m (0 means spec.Threshold(n) = ceil(2n/3)) by bls.Split, whose
// polynomial coefficients are derived from sk, m and polySeed (SPEC.md
// section 5: a_j = HKDF_mod_r(I2OSP(sk, 32) || polySeed, "DVSPEC-BLS-
// POLYNOMIAL-V1" || I2OSP(m, 4) || I2OSP(j, 4))). The same inputs always
// give the same shares; a different polySeed gives an independent sharing.
// The polynomial seed is an explicit input so splits are reproducible; it
// need not be secret (the coefficients also depend on sk), but reusing it
// for a resharing gives the same shares again.
//
// m must satisfy spec.Threshold(n) <= m <= n. The result is checked: the
// first m public shares must recover the validator public key, and every
// other share must lie on the same polynomial.
func SplitKey(sk bls.SecretKey, n, m int, polySeed []byte) (*SplitResult, error) {
	if n < 1 || n > cluster.MaxOperators {
		return nil, fmt.Errorf("split: %d operators, want 1..%d", n, cluster.MaxOperators)
	}
	if m == 0 {
		m = spec.Threshold(n)
	}
	if m < spec.Threshold(n) || m > n {
		return nil, fmt.Errorf("split: threshold %d outside %d..%d", m, spec.Threshold(n), n)
	}
	pk, err := sk.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("split: %w", err)
	}
	shares, err := bls.Split(sk, m, n, polySeed)
	if err != nil {
		return nil, fmt.Errorf("split: %w", err)
	}
	res := &SplitResult{ValidatorPublicKey: pk, Threshold: m, Shares: shares}
	for _, s := range shares {
		ps, err := s.PublicShare()
		if err != nil {
			return nil, fmt.Errorf("split: %w", err)
		}
		res.PublicShares = append(res.PublicShares, ps.PublicKey)
	}
	if err := cluster.CheckPublicShares(pk, res.PublicShares, m); err != nil {
		return nil, fmt.Errorf("split: the shares do not recover the validator key: %w", err)
	}
	return res, nil
}

// ParseSecretKeyHex parses a BLS secret key given as 64 hex characters
// (0x prefix optional).
func ParseSecretKeyHex(s string) (bls.SecretKey, error) {
	b, err := hex.DecodeString(strings.TrimPrefix(strings.TrimSpace(s), "0x"))
	if err != nil || len(b) != 32 {
		return bls.SecretKey{}, errors.New("secret key: want 32 bytes of hex")
	}
	var sk bls.SecretKey
	copy(sk[:], b)
	clear(b)
	if err := sk.Validate(); err != nil {
		return bls.SecretKey{}, err
	}
	return sk, nil
}

// Layout of a node directory (the same for a split and for a devnet):
//
//	node-<i>/keystores/keystore-<share public key hex>.json   EIP-2335, mode 0600
//	node-<i>/keystore-password.txt                            mode 0600
//
// impl/remotesigner loads exactly this (KeystoreDir and PasswordFile).
const (
	KeystoresDir         = "keystores"
	KeystorePasswordFile = "keystore-password.txt"
)

// NodeDir returns the directory of operator index under root.
func NodeDir(root string, index uint64) string {
	return filepath.Join(root, fmt.Sprintf("node-%d", index))
}

// ShareKeystoreName is the file name of a share keystore.
func ShareKeystoreName(sharePublicKey phase0.BLSPubKey) string {
	return "keystore-" + hex.EncodeToString(sharePublicKey[:]) + ".json"
}

// WriteShareKeystore encrypts one share of the validator validatorPK and
// writes it to dir/keystore-<share public key>.json. random supplies the
// keystore's salt, IV and UUID (nil: crypto/rand).
func WriteShareKeystore(dir string, validatorPK phase0.BLSPubKey, share bls.Share, password string, kdf KDF, random io.Reader) (string, error) {
	return writeShareKeystore(dir, validatorPK, share, password, kdf, random, true)
}

// writeShareKeystore is WriteShareKeystore, the file's sync optional.
func writeShareKeystore(dir string, validatorPK phase0.BLSPubKey, share bls.Share, password string, kdf KDF, random io.Reader, sync bool) (string, error) {
	ps, err := share.PublicShare()
	if err != nil {
		return "", err
	}
	desc := fmt.Sprintf("dvspec key share %d of validator %#x", share.Index, validatorPK[:])
	ks, err := EncryptKeystore(share.SecretKey, password, kdf, random, desc, "")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, ShareKeystoreName(ps.PublicKey))
	b, err := ks.Marshal()
	if err != nil {
		return "", err
	}
	return path, writeFileRenamed(path, b, 0o600, sync)
}

// WriteSplit writes the shares of a split into outDir/node-<i>/ (the node
// layout above), encrypting share i with passwords[i-1] (a single password
// is used for every node when len(passwords) == 1) and writing that
// password to node-<i>/keystore-password.txt. Existing keystore files are
// overwritten; other files are left alone.
func WriteSplit(outDir string, res *SplitResult, passwords []string, kdf KDF, random io.Reader) error {
	if len(passwords) != 1 && len(passwords) != len(res.Shares) {
		return fmt.Errorf("split: %d passwords for %d shares", len(passwords), len(res.Shares))
	}
	for i, s := range res.Shares {
		pw := passwords[0]
		if len(passwords) > 1 {
			pw = passwords[i]
		}
		dir := NodeDir(outDir, s.Index)
		if err := os.MkdirAll(filepath.Join(dir, KeystoresDir), 0o700); err != nil {
			return err
		}
		if _, err := WriteShareKeystore(filepath.Join(dir, KeystoresDir), res.ValidatorPublicKey, s, pw, kdf, random); err != nil {
			return err
		}
		if err := writeFileAtomic(filepath.Join(dir, KeystorePasswordFile), []byte(pw+"\n"), 0o600); err != nil {
			return err
		}
	}
	return nil
}
