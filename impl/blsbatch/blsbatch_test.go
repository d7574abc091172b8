package blsbatch

import (
	"fmt"
	"testing"

	herumi "github.com/herumi/bls-eth-go-binary/bls"

	"github.com/dvspec/go-dvspec/spec/bls"
)

var msg = []byte("0123456789abcdef0123456789abcdef")

// signed returns n interop keys from 10 on, decoded, and their signatures of
// m decoded (with the subgroup check).
func signed(t testing.TB, n int, m []byte) ([]*herumi.Sign, []*herumi.PublicKey) {
	t.Helper()
	sigs := make([]*herumi.Sign, n)
	pubs := make([]*herumi.PublicKey, n)
	for i := 0; i < n; i++ {
		sk, err := bls.InteropSecretKey(uint64(10 + i))
		if err != nil {
			t.Fatal(err)
		}
		pk, err := sk.PublicKey()
		if err != nil {
			t.Fatal(err)
		}
		s, err := bls.Sign(sk, m)
		if err != nil {
			t.Fatal(err)
		}
		if !bls.Verify(pk, m, s) {
			t.Fatalf("key %d: its signature does not verify", i)
		}
		sigs[i], pubs[i] = new(herumi.Sign), new(herumi.PublicKey)
		if err := sigs[i].Deserialize(s[:]); err != nil {
			t.Fatal(err)
		}
		if err := pubs[i].Deserialize(pk[:]); err != nil {
			t.Fatal(err)
		}
	}
	return sigs, pubs
}

func TestSameMessage(t *testing.T) {
	sigs, pubs := signed(t, 6, msg)
	for n := 1; n <= len(sigs); n++ {
		if !SameMessage(sigs[:n], pubs[:n], msg) {
			t.Errorf("%d valid signatures of one message fail the equation", n)
		}
	}
	if SameMessage(sigs, pubs, []byte("another message")) {
		t.Error("signatures pass for a message they do not sign")
	}
	other, _ := signed(t, 1, []byte("another message"))
	for bad := range sigs {
		forged := append([]*herumi.Sign(nil), sigs...)
		forged[bad] = other[0]
		if SameMessage(forged, pubs, msg) {
			t.Errorf("signature %d of another message passes", bad)
		}
		swapped := append([]*herumi.PublicKey(nil), pubs...)
		swapped[bad] = pubs[(bad+1)%len(pubs)]
		if SameMessage(sigs, swapped, msg) {
			t.Errorf("signature %d under another key passes", bad)
		}
	}
	var zero herumi.PublicKey
	for name, c := range map[string]struct {
		sigs []*herumi.Sign
		pubs []*herumi.PublicKey
	}{
		"empty":      {nil, nil},
		"fewer keys": {sigs, pubs[1:]},
		"nil key":    {sigs[:2], []*herumi.PublicKey{pubs[0], nil}},
		"zero key":   {sigs[:2], []*herumi.PublicKey{pubs[0], &zero}},
		"nil sig":    {[]*herumi.Sign{sigs[0], nil}, pubs[:2]},
	} {
		if SameMessage(c.sigs, c.pubs, msg) {
			t.Errorf("%s: passes", name)
		}
	}
}

// TestSameMessageCancellingErrors: two invalid signatures whose errors
// cancel in a plain sum (sig_0 + E, sig_1 - E) pass an unweighted
// aggregate check but not the randomly weighted equation.
func TestSameMessageCancellingErrors(t *testing.T) {
	sigs, pubs := signed(t, 2, msg)
	e, _ := signed(t, 1, []byte("the error term"))
	var a, b herumi.Sign
	a, b = *sigs[0], *sigs[1]
	a.Add(e[0])
	herumi.G2Sub(herumi.CastFromSign(&b), herumi.CastFromSign(&b), herumi.CastFromSign(e[0]))
	if a.VerifyByte(pubs[0], msg) || b.VerifyByte(pubs[1], msg) {
		t.Fatal("the altered signatures still verify on their own")
	}
	// The plain aggregate passes: the weights are what refuse the pair.
	sum := a
	sum.Add(&b)
	if !sum.FastAggregateVerify([]herumi.PublicKey{*pubs[0], *pubs[1]}, msg) {
		t.Fatal("the cancelling pair fails the plain aggregate check: the test does not build what it claims")
	}
	if SameMessage([]*herumi.Sign{&a, &b}, pubs, msg) {
		t.Error("two invalid signatures whose errors cancel pass")
	}
}

// BenchmarkSameMessage: n signatures of one message, one equation against
// n single verifications.
func BenchmarkSameMessage(b *testing.B) {
	for _, n := range []int{16, 512} {
		sigs, pubs := signed(b, n, msg)
		b.Run(fmt.Sprintf("batch/%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if !SameMessage(sigs, pubs, msg) {
					b.Fatal("fails")
				}
			}
		})
		b.Run(fmt.Sprintf("single/%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				for j := range sigs {
					if !sigs[j].VerifyByte(pubs[j], msg) {
						b.Fatal("fails")
					}
				}
			}
		})
	}
}

// H(msg) is cached by message: after a message's hash is cached, its
// signatures still fail against another message, and messages past the
// cache's two generations are hashed again and still verify.
func TestHashCacheKeyedByMessage(t *testing.T) {
	other := []byte("fedcba9876543210fedcba9876543210")
	sigs, pubs := signed(t, 3, msg)
	for round := 0; round < 2; round++ {
		if !SameMessage(sigs, pubs, msg) {
			t.Fatalf("round %d: valid signatures refused", round)
		}
		if SameMessage(sigs, pubs, other) {
			t.Fatalf("round %d: signatures of one message pass for another", round)
		}
	}
	for i := 0; i < 2*hashCacheLimit+1; i++ {
		if _, ok := hashes.get([]byte(fmt.Sprintf("filler %d", i))); !ok {
			t.Fatal("a message could not be hashed")
		}
	}
	if _, cached := hashes.cur[string(msg)]; cached {
		t.Fatal("the cache kept more than two generations")
	}
	if !SameMessage(sigs, pubs, msg) || SameMessage(sigs, pubs, other) {
		t.Fatal("answers changed after the message left the cache")
	}
}
