package keys

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	keystorev4 "github.com/wealdtech/go-eth2-wallet-encryptor-keystorev4"

	"github.com/dvspec/go-dvspec/spec/bls"
)

func interop(t testing.TB, i uint64) bls.SecretKey {
	t.Helper()
	sk, err := bls.InteropSecretKey(i)
	if err != nil {
		t.Fatal(err)
	}
	return sk
}

func TestKeystoreRoundTrip(t *testing.T) {
	sk := interop(t, 3)
	pk, _ := sk.PublicKey()
	for _, kdf := range []KDF{KDFInsecureFast, {Function: "scrypt", Cost: 1 << 10}, {Function: "pbkdf2", Cost: 1}} {
		for _, pw := range []string{"correct horse", "", "pässwörd 𝔱𝔢𝔰𝔱🔑", "tab\there"} {
			ks, err := EncryptKeystore(sk, pw, kdf, nil, "test", "m/12381/3600/0/0/0")
			if err != nil {
				t.Fatal(err)
			}
			data, err := ks.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			parsed, err := ParseKeystore(data)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecryptKeystore(parsed, pw)
			if err != nil {
				t.Fatalf("%s %q: %v", kdf.Function, pw, err)
			}
			if got != sk {
				t.Fatal("decrypted a different key")
			}
			if parsed.Pubkey != hex.EncodeToString(pk[:]) || parsed.Version != 4 || parsed.Path != "m/12381/3600/0/0/0" {
				t.Fatalf("metadata %+v", parsed)
			}
			if _, err := DecryptKeystore(parsed, pw+"x"); !errors.Is(err, ErrWrongPassword) {
				t.Fatalf("wrong password: %v", err)
			}
		}
	}
	// EIP-2335 normalisation: control characters are not part of the
	// password, NFKD-equivalent spellings are the same password.
	ks, err := EncryptKeystore(sk, "a\u0007b\u00e9", KDFInsecureFast, nil, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecryptKeystore(ks, "abe\u0301"); err != nil {
		t.Fatalf("normalised password: %v", err)
	}
	if _, err := EncryptKeystore(sk, "a\u0085b", KDFInsecureFast, nil, "", ""); err == nil {
		t.Fatal("accepted a C1 control character")
	}
	if _, err := EncryptKeystore(sk, "x", KDF{Function: "argon2", Cost: 1}, nil, "", ""); err == nil {
		t.Fatal("accepted an unknown KDF")
	}
	if _, err := EncryptKeystore(sk, "x", KDF{Function: "scrypt", Cost: 1000}, nil, "", ""); err == nil {
		t.Fatal("accepted scrypt n that is not a power of two")
	}
}

// TestKeystoreInterop: keystores written by the independent keystorev4
// encryptor decrypt here, and ours decrypt with keystorev4.
func TestKeystoreInterop(t *testing.T) {
	sk := interop(t, 5)
	for _, cipher := range []string{"pbkdf2", "scrypt"} {
		enc := keystorev4.New(keystorev4.WithCipher(cipher), keystorev4.WithCost(t, 10))
		m, err := enc.Encrypt(sk[:], "pässword")
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecryptKeystore(&Keystore{Crypto: m, Version: 4}, "pässword")
		if err != nil || got != sk {
			t.Fatalf("%s: %v", cipher, err)
		}
	}
	ks, err := EncryptKeystore(sk, "pässword", KDF{Function: "scrypt", Cost: 1 << 10}, nil, "", "")
	if err != nil {
		t.Fatal(err)
	}
	secret, err := keystorev4.New().Decrypt(ks.Crypto, "pässword")
	if err != nil || !bytes.Equal(secret, sk[:]) {
		t.Fatalf("keystorev4 decrypt: %v", err)
	}
}

// TestKeystoreMalformed: hostile or broken keystores are refused without
// panicking or running an unbounded KDF.
func TestKeystoreMalformed(t *testing.T) {
	sk := interop(t, 1)
	base, err := EncryptKeystore(sk, "pw", KDFInsecureFast, nil, "", "")
	if err != nil {
		t.Fatal(err)
	}
	mutate := func(path []string, value any) *Keystore {
		raw, _ := json.Marshal(base)
		var ks Keystore
		json.Unmarshal(raw, &ks)
		m := ks.Crypto
		for _, p := range path[:len(path)-1] {
			m = m[p].(map[string]any)
		}
		m[path[len(path)-1]] = value
		return &ks
	}
	cases := map[string]*Keystore{
		"short iv":         mutate([]string{"cipher", "params", "iv"}, "00"),
		"huge pbkdf2 cost": mutate([]string{"kdf", "params", "c"}, 1<<30),
		"scrypt, no n":     mutate([]string{"kdf", "function"}, "scrypt"),
		"huge scrypt n": func() *Keystore {
			ks := mutate([]string{"kdf", "function"}, "scrypt")
			p := ks.Crypto["kdf"].(map[string]any)["params"].(map[string]any)
			p["n"], p["r"], p["p"] = 1<<24, 8, 1
			return ks
		}(),
		"unknown cipher":    mutate([]string{"cipher", "function"}, "aes-256-gcm"),
		"unknown checksum":  mutate([]string{"checksum", "function"}, "md5"),
		"short dklen":       mutate([]string{"kdf", "params", "dklen"}, 16),
		"bad cipher text":   mutate([]string{"cipher", "message"}, "zz"),
		"wrong prf":         mutate([]string{"kdf", "params", "prf"}, "hmac-sha512"),
		"cipher text short": mutate([]string{"cipher", "message"}, "00"),
	}
	for name, ks := range cases {
		if _, err := DecryptKeystore(ks, "pw"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	wrongPK := *base
	wrongPK.Pubkey = strings.Repeat("ab", 48)
	if _, err := DecryptKeystore(&wrongPK, "pw"); err == nil {
		t.Error("accepted a keystore whose pubkey does not match")
	}
	v3 := *base
	v3.Version = 3
	if _, err := DecryptKeystore(&v3, "pw"); err == nil {
		t.Error("accepted version 3")
	}
	if _, err := ParseKeystore([]byte(`{"version": 4}`)); err == nil {
		t.Error("accepted a keystore without crypto")
	}
}

func TestSplitKey(t *testing.T) {
	sk := interop(t, 7)
	pk, _ := sk.PublicKey()
	msg := []byte("any message")
	master, err := bls.Sign(sk, msg)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 3, 4, 7} {
		res, err := SplitKey(sk, n, 0, []byte("seed"))
		if err != nil {
			t.Fatal(err)
		}
		m := res.Threshold
		if res.ValidatorPublicKey != pk || len(res.Shares) != n || len(res.PublicShares) != n {
			t.Fatalf("n=%d: %+v", n, res)
		}
		// Write the shares as keystores, read them back, and check that
		// every M-subset signs as the validator and M-1 shares do not.
		dir := t.TempDir()
		if err := WriteSplit(dir, res, []string{"pw"}, KDFInsecureFast, nil); err != nil {
			t.Fatal(err)
		}
		var parts []bls.PartialSignature
		for i := 1; i <= n; i++ {
			node := NodeDir(dir, uint64(i))
			pw, err := ReadPasswordFile(filepath.Join(node, KeystorePasswordFile))
			if err != nil {
				t.Fatal(err)
			}
			share, ks, err := ReadKeystoreFile(filepath.Join(node, KeystoresDir, ShareKeystoreName(res.PublicShares[i-1])), pw)
			if err != nil {
				t.Fatal(err)
			}
			if ks.Path != "" || !strings.Contains(ks.Description, "share") {
				t.Errorf("share keystore metadata %q %q", ks.Path, ks.Description)
			}
			p, err := (bls.Share{Index: uint64(i), SecretKey: share}).Sign(msg)
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, p)
		}
		for mask := 0; mask < 1<<n; mask++ {
			var subset []bls.PartialSignature
			for i := 0; i < n; i++ {
				if mask&(1<<i) != 0 {
					subset = append(subset, parts[i])
				}
			}
			if len(subset) == m {
				sig, err := bls.RecoverSignature(subset, m)
				if err != nil || sig != master {
					t.Fatalf("n=%d subset %b does not give the validator signature: %v", n, mask, err)
				}
			}
			if len(subset) == m-1 && m > 1 {
				sig, err := bls.RecoverSignature(subset, m-1)
				if err == nil && bls.Verify(pk, msg, sig) {
					t.Fatalf("n=%d: %d shares sign for the validator", n, m-1)
				}
			}
		}
	}
	// Determinism and seed dependence.
	a, _ := SplitKey(sk, 4, 0, []byte("seed"))
	b, _ := SplitKey(sk, 4, 0, []byte("seed"))
	c, _ := SplitKey(sk, 4, 0, []byte("other seed"))
	if a.PublicShares[0] != b.PublicShares[0] || a.PublicShares[0] == c.PublicShares[0] {
		t.Fatal("split is not a deterministic function of the seed")
	}
	if _, err := SplitKey(sk, 4, 2, nil); err == nil {
		t.Error("accepted threshold 2 of 4")
	}
	if _, err := SplitKey(sk, 4, 5, nil); err == nil {
		t.Error("accepted threshold 5 of 4")
	}
	if r, err := SplitKey(sk, 4, 4, nil); err != nil || r.Threshold != 4 {
		t.Errorf("threshold 4 of 4: %v", err)
	}
	// Splitting a key given as a keystore or as hex.
	ks, _ := EncryptKeystore(sk, "pw", KDFInsecureFast, nil, "", "")
	path := filepath.Join(t.TempDir(), "k.json")
	if err := WriteKeystoreFile(path, ks); err != nil {
		t.Fatal(err)
	}
	fromFile, _, err := ReadKeystoreFile(path, "pw")
	if err != nil || fromFile != sk {
		t.Fatal(err)
	}
	fromHex, err := ParseSecretKeyHex("0x" + hex.EncodeToString(sk[:]) + "\n")
	if err != nil || fromHex != sk {
		t.Fatal(err)
	}
	if _, err := ParseSecretKeyHex(strings.Repeat("ff", 32)); err == nil {
		t.Error("accepted a scalar above r")
	}
}

func TestNodeKeys(t *testing.T) {
	dir := t.TempDir()
	sk := NodeKeyFromSeed([]byte("seed"), 1)
	if !bytes.Equal(sk, NodeKeyFromSeed([]byte("seed"), 1)) || bytes.Equal(sk, NodeKeyFromSeed([]byte("seed"), 2)) {
		t.Fatal("node keys are not a function of seed and index")
	}
	path := filepath.Join(dir, NodeKeyFile)
	if err := WriteNodeKeyFile(path, sk); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode())
	}
	got, err := ReadNodeKeyFile(path)
	if err != nil || !bytes.Equal(got, sk) {
		t.Fatal(err)
	}
	os.Chmod(path, 0o644)
	if _, err := ReadNodeKeyFile(path); err == nil {
		t.Fatal("read a world-readable node key")
	}
	enc := filepath.Join(dir, "node-key.json")
	if err := WriteNodeKeystoreFile(enc, sk, "pw", KDFInsecureFast, nil); err != nil {
		t.Fatal(err)
	}
	got, err = ReadNodeKeystoreFile(enc, "pw")
	if err != nil || !bytes.Equal(got, sk) {
		t.Fatal(err)
	}
	if _, err := ReadNodeKeystoreFile(enc, "wrong"); !errors.Is(err, ErrWrongPassword) {
		t.Fatal(err)
	}
	gen, err := GenerateNodeKey(nil)
	if err != nil || len(gen) != ed25519.PrivateKeySize {
		t.Fatal(err)
	}
}

// treeOf reads every file under dir: relative path -> mode and contents.
func treeOf(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			out[rel+"/"] = info.Mode().String()
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[rel] = info.Mode().String() + "\n" + string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDevnetDeterministic(t *testing.T) {
	cfg := DevnetConfig{Operators: 4, Validators: 3, InteropStart: 5, Seed: []byte("devnet seed")}
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	defA, err := GenerateDevnet(a, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := GenerateDevnet(b, cfg); err != nil {
		t.Fatal(err)
	}
	ta, tb := treeOf(t, a), treeOf(t, b)
	if len(ta) != 2+4*(2+2+3) { // root, cluster.json; per node: 2 directories, key, password, 3 keystores
		t.Fatalf("%d entries: %v", len(ta), keysOf(ta))
	}
	for k, v := range ta {
		if tb[k] != v {
			t.Fatalf("%s differs between two runs with the same seed", k)
		}
	}
	other := cfg
	other.Seed = []byte("another seed")
	if _, err := GenerateDevnet(c, other); err != nil {
		t.Fatal(err)
	}
	if treeOf(t, c)["cluster.json"] == ta["cluster.json"] {
		t.Fatal("the seed does not matter")
	}
	// The files are what the README promises.
	def, err := LoadClusterDefinition(filepath.Join(a, "cluster.json"))
	if err != nil {
		t.Fatal(err)
	}
	idA, _ := defA.ID()
	idLoaded, _ := def.ID()
	if idA != idLoaded {
		t.Fatal("cluster.json does not load to the generated definition")
	}
	if def.Threshold != 3 || len(def.Operators) != 4 || len(def.Validators) != 3 || def.Validators[0].ValidatorIndex[0] != 5 {
		t.Fatalf("definition %+v", def)
	}
	for i := uint64(1); i <= 4; i++ {
		node := NodeDir(a, i)
		nk, err := ReadNodeKeyFile(filepath.Join(node, NodeKeyFile))
		if err != nil {
			t.Fatal(err)
		}
		if NodePublicKey(nk) != def.Operators[i-1].NodePublicKey {
			t.Fatalf("node %d key does not match cluster.json", i)
		}
		pw, err := ReadPasswordFile(filepath.Join(node, KeystorePasswordFile))
		if err != nil || pw != DevnetPassword(cfg.Seed, i) {
			t.Fatalf("node %d password: %v", i, err)
		}
		for k, v := range def.Validators {
			sk, _, err := ReadKeystoreFile(filepath.Join(node, KeystoresDir, ShareKeystoreName(v.PublicShares[i-1])), pw)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := SplitKey(interop(t, 5+uint64(k)), 4, 0, DevnetPolynomialSeed(cfg.Seed, 5+uint64(k)))
			if sk != want.Shares[i-1].SecretKey {
				t.Fatalf("node %d validator %d: wrong share", i, k)
			}
		}
	}
	if _, err := GenerateDevnet(t.TempDir(), DevnetConfig{Operators: 4, Validators: 1}); err == nil {
		t.Error("accepted an empty seed")
	}
	if _, err := GenerateDevnet(t.TempDir(), DevnetConfig{Operators: 4, Validators: 1, Seed: []byte("s"), Threshold: 2}); err == nil {
		t.Error("accepted threshold 2 of 4")
	}
}

func keysOf(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestDevnetExampleClusterID pins the README example: the derivations of
// GenerateDevnet and the cluster ID must not change by accident.
func TestDevnetExampleClusterID(t *testing.T) {
	def, err := GenerateDevnet(t.TempDir(), DevnetConfig{Operators: 4, Validators: 1, Seed: []byte("example")})
	if err != nil {
		t.Fatal(err)
	}
	id, err := def.ID()
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(id[:]); got != "19679ff261cdad0217243fd83f255b8ec851793bdda08a10c07c3ad6b680cd0a" {
		t.Fatalf("cluster ID %s", got)
	}
	if def.Operators[0].NodePublicKey[0] != 0x69 || def.Validators[0].PublicShares[0][0] != 0xa0 {
		t.Fatal("example keys changed")
	}
}
