package simbeacon

import (
	"fmt"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/bls"
)

// TestSeenSignaturesNeverAcceptWhatDoesNotVerify: a resubmitted valid
// signature is accepted from the seen-cache, but a different signature
// for the same validator and root, or the same signature under another
// validator or root, is still checked and refused.
func TestSeenSignaturesNeverAcceptWhatDoesNotVerify(t *testing.T) {
	r, err := newRegistry(4)
	if err != nil {
		t.Fatal(err)
	}
	sk, err := bls.InteropSecretKey(1)
	if err != nil {
		t.Fatal(err)
	}
	root := phase0.Root{1, 2, 3}
	sig, err := bls.Sign(sk, root[:])
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := r.verify(1, root, sig); err != nil {
			t.Fatalf("submission %d of a valid signature: %v", i+1, err)
		}
	}
	if len(r.seen.m) != 1 {
		t.Fatalf("seen-cache holds %d entries, want 1", len(r.seen.m))
	}
	other, err := bls.Sign(sk, []byte("another message"))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.verify(1, root, other); err == nil {
		t.Error("a signature of another message was accepted for a root already seen")
	}
	if err := r.verify(2, root, sig); err == nil {
		t.Error("validator 1's signature was accepted as validator 2's")
	}
	if err := r.verify(1, phase0.Root{9}, sig); err == nil {
		t.Error("a seen signature was accepted for another root")
	}
	if len(r.seen.m) != 1 {
		t.Errorf("refused signatures entered the seen-cache: %d entries", len(r.seen.m))
	}
}

// TestRegistryBuiltInParallel: the registry built on every core holds, at
// every index, the interop key of that index (derived here one by one), its
// deserialised form and its index in the reverse map; the genesis
// validators root does not depend on how far the key cache had grown.
func TestRegistryBuiltInParallel(t *testing.T) {
	const n = 37
	r, err := newRegistry(n)
	if err != nil {
		t.Fatal(err)
	}
	for i := uint64(0); i < n; i++ {
		sk, err := bls.InteropSecretKey(i)
		if err != nil {
			t.Fatal(err)
		}
		pk, err := sk.PublicKey()
		if err != nil {
			t.Fatal(err)
		}
		if r.pubkeys[i] != pk || r.validators[i].PublicKey != pk {
			t.Errorf("validator %d: key %#x, want %#x", i, r.pubkeys[i][:4], pk[:4])
		}
		if got := r.keys[i].Serialize(); string(got) != string(pk[:]) {
			t.Errorf("validator %d: deserialised key differs", i)
		}
		if r.byPubkey[pk] != phase0.ValidatorIndex(i) {
			t.Errorf("validator %d: reverse map says %d", i, r.byPubkey[pk])
		}
	}
	interopKeys.mu.Lock()
	interopKeys.pubs = nil
	interopKeys.mu.Unlock()
	again, err := newRegistry(n)
	if err != nil {
		t.Fatal(err)
	}
	if again.gvr != r.gvr {
		t.Error("genesis validators root differs after the key cache was rebuilt")
	}
}

// BenchmarkNewRegistry: the simulated beacon node's registry of n
// validators from scratch (interop keys derived, deserialised, hashed).
func BenchmarkNewRegistry(b *testing.B) {
	for _, n := range []uint64{3000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				interopKeys.mu.Lock()
				interopKeys.pubs = nil
				interopKeys.mu.Unlock()
				if _, err := newRegistry(n); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// aggregate, which decodes each distinct signature once, sums what
// bls.AggregateSignatures sums, repeated signatures included.
func TestAggregateDistinctDecodes(t *testing.T) {
	var sigs []phase0.BLSSignature
	for i := uint64(0); i < 3; i++ {
		sk, err := bls.InteropSecretKey(i)
		if err != nil {
			t.Fatal(err)
		}
		s, err := bls.Sign(sk, []byte("0123456789abcdef0123456789abcdef"))
		if err != nil {
			t.Fatal(err)
		}
		sigs = append(sigs, phase0.BLSSignature(s))
	}
	for _, list := range [][]phase0.BLSSignature{
		{sigs[0]}, {sigs[0], sigs[0]}, {sigs[1], sigs[0], sigs[1], sigs[2], sigs[1]}, {sigs[2], sigs[1], sigs[0]},
	} {
		got, err := aggregate(list)
		if err != nil {
			t.Fatal(err)
		}
		want, err := bls.AggregateSignatures(list)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%d signatures: aggregate %#x, bls.AggregateSignatures %#x", len(list), got[:8], want[:8])
		}
	}
	if _, err := aggregate(nil); err == nil {
		t.Error("an empty list aggregates")
	}
	if _, err := aggregate([]phase0.BLSSignature{{1}}); err == nil {
		t.Error("a signature that does not decode aggregates")
	}
}
