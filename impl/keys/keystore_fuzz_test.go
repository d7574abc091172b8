package keys

import (
	"encoding/json"
	"strings"
	"testing"
)

// deterministic is an io.Reader of a repeating byte pattern: keystore seeds
// that do not change from run to run.
type deterministic byte

func (d *deterministic) Read(p []byte) (int, error) {
	for i := range p {
		*d++
		p[i] = byte(*d)
	}
	return len(p), nil
}

// keystoreSeeds are keystores as `dvnode` writes them (EncryptKeystore),
// with both EIP-2335 KDFs at costs a fuzzer can afford, and their
// passwords.
func keystoreSeeds(t testing.TB) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, c := range []struct {
		pw  string
		kdf KDF
	}{
		{"correct horse", KDF{Function: "pbkdf2", Cost: 2}},
		{"pässwörd 𝔱𝔢𝔰𝔱🔑", KDF{Function: "scrypt", Cost: 4}},
		{"", KDF{Function: "pbkdf2", Cost: 1}},
	} {
		r := deterministic(len(c.pw))
		ks, err := EncryptKeystore(interop(t, 3), c.pw, c.kdf, &r, "seed", "m/12381/3600/0/0/0")
		if err != nil {
			t.Fatal(err)
		}
		b, err := ks.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		out[c.pw] = b
	}
	return out
}

// cheap reports whether decrypting a checked crypto module costs no more
// than a few milliseconds, so that the fuzzer does not spend its time in
// the KDF (the bounds themselves are TestKeystoreMalformed's and
// TestScryptMemoryBound's).
func cheap(ks *Keystore) bool {
	raw, _ := json.Marshal(ks.Crypto)
	var c cryptoParams
	if json.Unmarshal(raw, &c) != nil {
		return false
	}
	p := c.KDF.Params
	return p.C <= 1<<10 && p.N*p.R*p.P <= 1<<12
}

// FuzzKeystore parses and decrypts arbitrary keystore files with arbitrary
// passwords: no panic, no unbounded KDF (checkCrypto runs first), and a key
// that decrypts encrypts and decrypts back to itself.
func FuzzKeystore(f *testing.F) {
	for pw, b := range keystoreSeeds(f) {
		f.Add(b, pw)
		f.Add(b, pw+"x")
	}
	f.Fuzz(func(t *testing.T, data []byte, password string) {
		ks, err := ParseKeystore(data)
		if err != nil {
			return
		}
		if err := checkCrypto(ks.Crypto); err != nil || !cheap(ks) {
			return
		}
		sk, err := DecryptKeystore(ks, password)
		if err != nil {
			return
		}
		r := deterministic(0)
		again, err := EncryptKeystore(sk, password, KDF{Function: "pbkdf2", Cost: 1}, &r, "", "")
		if err != nil {
			t.Fatalf("a decrypted key does not encrypt: %v", err)
		}
		back, err := DecryptKeystore(again, password)
		if err != nil || back != sk {
			t.Fatalf("re-encrypted key does not decrypt to itself: %v", err)
		}
	})
}

// TestKeystoreSeedsDecrypt keeps the fuzz seeds honest: each decrypts with
// its password and not with another.
func TestKeystoreSeedsDecrypt(t *testing.T) {
	want := interop(t, 3)
	for pw, b := range keystoreSeeds(t) {
		ks, err := ParseKeystore(b)
		if err != nil {
			t.Fatal(err)
		}
		if sk, err := DecryptKeystore(ks, pw); err != nil || sk != want {
			t.Fatalf("seed with password %q: %v", pw, err)
		}
		if _, err := DecryptKeystore(ks, pw+"x"); err == nil {
			t.Fatalf("seed with password %q decrypts with another", pw)
		}
	}
}

// TestScryptMemoryBound: scrypt needs 128·n·r bytes, so n and r·p bounded
// one by one still let a keystore file ask for n=2^20, r=64: 8 GiB. The
// product is bounded; EIP-2335's standard parameters and the largest ones
// EncryptKeystore writes stay accepted.
func TestScryptMemoryBound(t *testing.T) {
	r := deterministic(0)
	base, err := EncryptKeystore(interop(t, 1), "pw", KDF{Function: "scrypt", Cost: 2}, &r, "", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		n, r, p int
		ok      bool
	}{
		{1 << 20, 64, 1, false},  // 8 GiB: n and r·p each within bounds
		{1 << 20, 8, 8, false},   // r·p = 64, n·r·p = 2^26
		{1 << 18, 64, 1, false},  // 2 GiB
		{1 << 18, 8, 1, true},    // EIP-2335 standard, 256 MiB
		{maxScryptN, 8, 1, true}, // EncryptKeystore's largest, 1 GiB
		{1 << 17, 1, 64, true},   // n·r·p = 2^23, 16 MiB
		{1 << 18, 1, 64, false},  // n·r·p = 2^24
		{1 << 21, 1, 1, false},   // n above maxScryptN
		{2, 1, 1, true},          // smallest
	} {
		raw, _ := json.Marshal(base)
		var ks Keystore
		if err := json.Unmarshal(raw, &ks); err != nil {
			t.Fatal(err)
		}
		params := ks.Crypto["kdf"].(map[string]any)["params"].(map[string]any)
		params["n"], params["r"], params["p"] = c.n, c.r, c.p
		err := checkCrypto(ks.Crypto)
		if (err == nil) != c.ok {
			t.Errorf("n=%d r=%d p=%d: accepted=%v, want %v (%v)", c.n, c.r, c.p, err == nil, c.ok, err)
		}
		if err != nil && !strings.Contains(err.Error(), "scrypt") {
			t.Errorf("n=%d r=%d p=%d: error does not name scrypt: %v", c.n, c.r, c.p, err)
		}
	}
}
