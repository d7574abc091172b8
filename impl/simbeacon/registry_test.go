package simbeacon

import (
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
