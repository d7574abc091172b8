package cluster

import (
	"bytes"
	"crypto/ed25519"
	"math/rand/v2"
	"testing"
)

func TestValidateEd25519PublicKey(t *testing.T) {
	rng := rand.New(rand.NewChaCha8([32]byte{1}))
	for i := 0; i < 50; i++ {
		var seed [32]byte
		for j := range seed {
			seed[j] = byte(rng.Uint32())
		}
		pk := ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey)
		if err := ValidateEd25519PublicKey(pk); err != nil {
			t.Fatalf("valid key refused: %v", err)
		}
	}
	identity := make([]byte, 32)
	identity[0] = 1
	nonCanonical := bytes.Repeat([]byte{0xff}, 32)
	nonCanonical[31] = 0x7f // y = 2^255 - 1 >= p
	bad := [][]byte{identity, nonCanonical, make([]byte, 31)}
	// About half of all 32-byte strings are not curve points; find some.
	notPoints := 0
	for i := 0; i < 200 && notPoints < 5; i++ {
		var b [32]byte
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		b[31] &= 0x7f
		if ValidateEd25519PublicKey(b[:]) != nil {
			// Cross-check with the standard library: a string that does not
			// decode never verifies anything.
			if ed25519.Verify(b[:], []byte("m"), make([]byte, 64)) {
				t.Fatal("inconsistent with crypto/ed25519")
			}
			notPoints++
		}
	}
	if notPoints < 5 {
		t.Fatal("found no invalid encodings")
	}
	for _, b := range bad {
		if ValidateEd25519PublicKey(b) == nil {
			t.Errorf("accepted %x", b)
		}
	}
}

func TestValidateMultiaddr(t *testing.T) {
	good := []string{"/ip4/127.0.0.1/tcp/9000", "/ip6/::1/tcp/1", "/dns4/node1.example.org/tcp/13000",
		"/ip4/10.0.0.1/udp/9000/quic-v1", "/ip4/1.2.3.4/tcp/9000/p2p/12D3KooWabc"}
	bad := []string{"", "ip4/127.0.0.1/tcp/9000", "/ip4/127.0.0.1", "/ip4/::1/tcp/1", "/ip6/127.0.0.1/tcp/1",
		"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/tcp/65536", "/ip4/127.0.0.1/sctp/9000", "/ip4/127.0.0.1/tcp/9000/p2p",
		"/ip4/127.0.0.1/tcp/9000/", "/unix/x/tcp/1", "/ip4/127.0.0.1/tcp/09000", "/ip4/127.0.0.1/tcp/9000/http"}
	for _, a := range good {
		if err := ValidateMultiaddr(a); err != nil {
			t.Errorf("%s: %v", a, err)
		}
	}
	for _, a := range bad {
		if ValidateMultiaddr(a) == nil {
			t.Errorf("accepted %q", a)
		}
	}
}
