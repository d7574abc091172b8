package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	keystorev4 "github.com/wealdtech/go-eth2-wallet-encryptor-keystorev4"
	"golang.org/x/crypto/pbkdf2"
	"golang.org/x/crypto/scrypt"
	"golang.org/x/text/unicode/norm"

	"github.com/dvspec/go-dvspec/spec/bls"
)

// EIP-2335 keystores.
//
// Encryption is implemented here (EIP-2335: KDF, AES-128-CTR, SHA-256
// checksum) so that the salt, IV and UUID can come from a caller-supplied
// random source: devnet generation passes a deterministic one, so the same
// seed gives byte-identical files. Decryption is done by
// github.com/wealdtech/go-eth2-wallet-encryptor-keystorev4, an independent
// implementation, after the parameters have been checked (it would panic on
// a bad IV and run any KDF cost it is given); the tests cross-check both
// directions.

// KDF selects the key-derivation function of a new keystore and its cost:
// the PBKDF2 iteration count c, or the scrypt parameter n (with r = 8,
// p = 1, as in EIP-2335).
type KDF struct {
	Function string // "pbkdf2" or "scrypt"
	Cost     int
}

var (
	// KDFPBKDF2 is EIP-2335's standard PBKDF2-HMAC-SHA256, c = 262144.
	KDFPBKDF2 = KDF{Function: "pbkdf2", Cost: 1 << 18}
	// KDFScrypt is EIP-2335's standard scrypt, n = 262144, r = 8, p = 1
	// (256 MiB of memory and about a second per keystore).
	KDFScrypt = KDF{Function: "scrypt", Cost: 1 << 18}
	// KDFInsecureFast is PBKDF2 with c = 1024: about a millisecond per
	// keystore instead of a tenth of a second or more. It is for tests and
	// local devnets only, where key material is public anyway; a keystore
	// written with it resists password guessing 256 times less than a
	// standard one. Every EIP-2335 reader accepts it (the cost is a
	// parameter in the file).
	KDFInsecureFast = KDF{Function: "pbkdf2", Cost: 1 << 10}
)

// Limits on the cost a keystore being read may ask for, so a hostile file
// cannot make the reader spend unbounded time or memory.
const (
	maxPBKDF2Cost = 1 << 22
	maxScryptN    = 1 << 20
	maxScryptWork = 1 << 23 // n·r·p; 4 × EIP-2335's standard 2^18·8·1
)

// ErrWrongPassword is returned when a keystore's checksum does not match:
// the password is wrong (or the file was altered).
var ErrWrongPassword = errors.New("keystore: wrong password")

// Keystore is an EIP-2335 (version 4) keystore file.
type Keystore struct {
	Crypto      map[string]any `json:"crypto"`
	Description string         `json:"description"`
	Pubkey      string         `json:"pubkey"`
	Path        string         `json:"path"`
	UUID        string         `json:"uuid"`
	Version     int            `json:"version"`
}

// NormalizePassword is the EIP-2335 password normalisation: NFKD, then the
// C0 control codes (U+0000..U+001F) and DEL (U+007F) removed. Passwords
// containing C1 control codes (U+0080..U+009F) are refused by
// EncryptKeystore: EIP-2335 strips them too, but the keystorev4 reader does
// not, so such a keystore would not be portable.
func NormalizePassword(password string) string {
	var b strings.Builder
	for _, r := range norm.NFKD.String(password) {
		if r < 0x20 || r == 0x7f {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func hasC1(s string) bool {
	for _, r := range norm.NFKD.String(s) {
		if r >= 0x80 && r <= 0x9f {
			return true
		}
	}
	return false
}

// EncryptKeystore returns an EIP-2335 keystore of the BLS secret key sk
// protected by password. random supplies the salt (32 bytes), the IV (16)
// and the UUID (16), in that order; nil means crypto/rand. description and
// path (an EIP-2334 path, empty for a key share) are copied into the file.
func EncryptKeystore(sk bls.SecretKey, password string, kdf KDF, random io.Reader, description, path string) (*Keystore, error) {
	pk, err := sk.PublicKey()
	if err != nil {
		return nil, err
	}
	cryptoModule, err := encryptSecret(sk[:], password, kdf, random)
	if err != nil {
		return nil, err
	}
	id, err := newUUID(random)
	if err != nil {
		return nil, err
	}
	return &Keystore{
		Crypto:      cryptoModule,
		Description: description,
		Pubkey:      hex.EncodeToString(pk[:]),
		Path:        path,
		UUID:        id,
		Version:     4,
	}, nil
}

// encryptSecret builds the EIP-2335 crypto module of secret.
func encryptSecret(secret []byte, password string, kdf KDF, random io.Reader) (map[string]any, error) {
	if random == nil {
		random = rand.Reader
	}
	if hasC1(password) {
		return nil, errors.New("keystore: password contains C1 control characters (U+0080..U+009F)")
	}
	pw := []byte(NormalizePassword(password))
	salt := make([]byte, 32)
	iv := make([]byte, 16)
	if _, err := io.ReadFull(random, salt); err != nil {
		return nil, fmt.Errorf("keystore: salt: %w", err)
	}
	if _, err := io.ReadFull(random, iv); err != nil {
		return nil, fmt.Errorf("keystore: iv: %w", err)
	}
	var (
		dk     []byte
		params map[string]any
		err    error
	)
	switch kdf.Function {
	case "pbkdf2":
		if kdf.Cost < 1 || kdf.Cost > maxPBKDF2Cost {
			return nil, fmt.Errorf("keystore: pbkdf2 cost %d outside 1..%d", kdf.Cost, maxPBKDF2Cost)
		}
		dk = pbkdf2.Key(pw, salt, kdf.Cost, 32, sha256.New)
		params = map[string]any{"dklen": 32, "c": kdf.Cost, "prf": "hmac-sha256", "salt": hex.EncodeToString(salt)}
	case "scrypt":
		if kdf.Cost < 2 || kdf.Cost > maxScryptN || kdf.Cost&(kdf.Cost-1) != 0 {
			return nil, fmt.Errorf("keystore: scrypt n %d is not a power of two in 2..%d", kdf.Cost, maxScryptN)
		}
		if dk, err = scrypt.Key(pw, salt, kdf.Cost, 8, 1, 32); err != nil {
			return nil, fmt.Errorf("keystore: scrypt: %w", err)
		}
		params = map[string]any{"dklen": 32, "n": kdf.Cost, "r": 8, "p": 1, "salt": hex.EncodeToString(salt)}
	default:
		return nil, fmt.Errorf("keystore: unknown KDF %q", kdf.Function)
	}
	block, err := aes.NewCipher(dk[:16])
	if err != nil {
		return nil, err
	}
	ct := make([]byte, len(secret))
	cipher.NewCTR(block, iv).XORKeyStream(ct, secret)
	sum := sha256.Sum256(append(append([]byte{}, dk[16:32]...), ct...))
	return map[string]any{
		"kdf":      map[string]any{"function": kdf.Function, "params": params, "message": ""},
		"checksum": map[string]any{"function": "sha256", "params": map[string]any{}, "message": hex.EncodeToString(sum[:])},
		"cipher":   map[string]any{"function": "aes-128-ctr", "params": map[string]any{"iv": hex.EncodeToString(iv)}, "message": hex.EncodeToString(ct)},
	}, nil
}

// newUUID returns an RFC 4122 version-4 UUID made of 16 bytes of random.
func newUUID(random io.Reader) (string, error) {
	if random == nil {
		random = rand.Reader
	}
	var u [16]byte
	if _, err := io.ReadFull(random, u[:]); err != nil {
		return "", fmt.Errorf("keystore: uuid: %w", err)
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// cryptoParams is the part of the crypto module checked before decryption.
type cryptoParams struct {
	KDF struct {
		Function string `json:"function"`
		Params   struct {
			DKLen int    `json:"dklen"`
			C     int    `json:"c"`
			PRF   string `json:"prf"`
			N     int    `json:"n"`
			R     int    `json:"r"`
			P     int    `json:"p"`
			Salt  string `json:"salt"`
		} `json:"params"`
	} `json:"kdf"`
	Checksum struct {
		Function string `json:"function"`
		Message  string `json:"message"`
	} `json:"checksum"`
	Cipher struct {
		Function string `json:"function"`
		Params   struct {
			IV string `json:"iv"`
		} `json:"params"`
		Message string `json:"message"`
	} `json:"cipher"`
}

// checkCrypto validates a crypto module so that decrypting it can neither
// panic nor run without bound.
func checkCrypto(m map[string]any) error {
	raw, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("keystore: crypto: %w", err)
	}
	var c cryptoParams
	if err := json.Unmarshal(raw, &c); err != nil {
		return fmt.Errorf("keystore: crypto: %w", err)
	}
	p := c.KDF.Params
	if p.DKLen < 32 || p.DKLen > 64 {
		return fmt.Errorf("keystore: kdf dklen %d outside 32..64", p.DKLen)
	}
	switch c.KDF.Function {
	case "pbkdf2":
		if p.PRF != "hmac-sha256" {
			return fmt.Errorf("keystore: unsupported pbkdf2 prf %q", p.PRF)
		}
		if p.C < 1 || p.C > maxPBKDF2Cost {
			return fmt.Errorf("keystore: pbkdf2 c %d outside 1..%d", p.C, maxPBKDF2Cost)
		}
	case "scrypt":
		if p.N < 2 || p.N > maxScryptN || p.N&(p.N-1) != 0 || p.R < 1 || p.P < 1 || p.R*p.P > 64 {
			return fmt.Errorf("keystore: scrypt parameters n=%d r=%d p=%d out of bounds", p.N, p.R, p.P)
		}
		// scrypt holds 128·n·r bytes and does work proportional to n·r·p:
		// n and r·p each within bounds still allowed n=2^20, r=64, an 8 GiB
		// allocation from one keystore file. The bound is 4 times EIP-2335's
		// standard n=2^18, r=8, p=1 (256 MiB).
		if p.N*p.R*p.P > maxScryptWork {
			return fmt.Errorf("keystore: scrypt parameters n=%d r=%d p=%d: n·r·p above %d (memory 128·n·r bytes)", p.N, p.R, p.P, maxScryptWork)
		}
	default:
		return fmt.Errorf("keystore: unsupported kdf %q", c.KDF.Function)
	}
	if c.Checksum.Function != "sha256" {
		return fmt.Errorf("keystore: unsupported checksum %q", c.Checksum.Function)
	}
	if c.Cipher.Function != "aes-128-ctr" {
		return fmt.Errorf("keystore: unsupported cipher %q", c.Cipher.Function)
	}
	if iv, err := hex.DecodeString(c.Cipher.Params.IV); err != nil || len(iv) != 16 {
		return errors.New("keystore: cipher iv must be 16 bytes of hex")
	}
	if msg, err := hex.DecodeString(c.Cipher.Message); err != nil || len(msg) != 32 {
		return errors.New("keystore: cipher message must be 32 bytes of hex")
	}
	return nil
}

// DecryptKeystore returns the BLS secret key of an EIP-2335 keystore. The
// decrypted key must be valid and, when the file names a public key, match
// it. A wrong password gives an error wrapping ErrWrongPassword.
func DecryptKeystore(ks *Keystore, password string) (_ bls.SecretKey, err error) {
	if ks == nil {
		return bls.SecretKey{}, errors.New("keystore: nil")
	}
	if ks.Version != 4 {
		return bls.SecretKey{}, fmt.Errorf("keystore: version %d, want 4", ks.Version)
	}
	if err := checkCrypto(ks.Crypto); err != nil {
		return bls.SecretKey{}, err
	}
	secret, err := decryptCrypto(ks.Crypto, password)
	if err != nil {
		return bls.SecretKey{}, err
	}
	var sk bls.SecretKey
	copy(sk[:], secret)
	clear(secret)
	pk, err := sk.PublicKey()
	if err != nil {
		return bls.SecretKey{}, fmt.Errorf("keystore: decrypted key: %w", err)
	}
	if ks.Pubkey != "" && !strings.EqualFold(strings.TrimPrefix(ks.Pubkey, "0x"), hex.EncodeToString(pk[:])) {
		return bls.SecretKey{}, fmt.Errorf("keystore: decrypted key has public key %#x, the file says %s", pk[:], ks.Pubkey)
	}
	return sk, nil
}

// decryptCrypto runs the keystorev4 decryptor on a checked crypto module.
func decryptCrypto(m map[string]any, password string) (_ []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("keystore: decryption failed: %v", r)
		}
	}()
	secret, err := keystorev4.New().Decrypt(m, password)
	if err != nil {
		if err.Error() == "invalid checksum" {
			return nil, ErrWrongPassword
		}
		return nil, fmt.Errorf("keystore: %w", err)
	}
	if len(secret) != 32 {
		return nil, fmt.Errorf("keystore: secret of %d bytes, want 32", len(secret))
	}
	return secret, nil
}

// ParseKeystore parses an EIP-2335 keystore file's contents.
func ParseKeystore(data []byte) (*Keystore, error) {
	var ks Keystore
	if err := json.Unmarshal(data, &ks); err != nil {
		return nil, fmt.Errorf("keystore: %w", err)
	}
	if ks.Crypto == nil {
		return nil, errors.New("keystore: no crypto module")
	}
	return &ks, nil
}

// Marshal returns the keystore as indented JSON with a trailing newline;
// the output is a deterministic function of the keystore (struct fields in
// declaration order, map keys sorted).
func (ks *Keystore) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(ks, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// ReadKeystoreFile reads and decrypts a keystore file.
func ReadKeystoreFile(path, password string) (bls.SecretKey, *Keystore, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return bls.SecretKey{}, nil, err
	}
	ks, err := ParseKeystore(data)
	if err != nil {
		return bls.SecretKey{}, nil, fmt.Errorf("%s: %w", path, err)
	}
	sk, err := DecryptKeystore(ks, password)
	if err != nil {
		return bls.SecretKey{}, nil, fmt.Errorf("%s: %w", path, err)
	}
	return sk, ks, nil
}

// WriteKeystoreFile writes a keystore with mode 0600.
func WriteKeystoreFile(path string, ks *Keystore) error {
	b, err := ks.Marshal()
	if err != nil {
		return err
	}
	return writeFileAtomic(path, b, 0o600)
}

// ReadPasswordFile reads a password file: its contents with one trailing
// newline ("\n" or "\r\n") removed, as Lighthouse and Teku read them.
func ReadPasswordFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	s := strings.TrimSuffix(string(b), "\n")
	s = strings.TrimSuffix(s, "\r")
	return s, nil
}

// writeFileAtomic writes data to path through a temporary file in the same
// directory, synced and renamed into place.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	return writeFileRenamed(path, data, mode, true)
}

// writeFileRenamed is writeFileAtomic, the sync optional.
func writeFileRenamed(path string, data []byte, mode os.FileMode, sync bool) error {
	dir := "."
	if i := strings.LastIndexByte(path, os.PathSeparator); i >= 0 {
		dir = path[:i]
	}
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if sync {
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
