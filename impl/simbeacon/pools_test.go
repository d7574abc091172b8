package simbeacon

import (
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/bls"
)

// TestSyncPoolCopiesKeepVersion: a copy of a pooled sync committee message
// (every node of a distributed validator submits the same one) leaves the
// pool's version, and with it the memoised contributions, as they were; a
// new or changed message moves it. The decoded signature is the one given.
func TestSyncPoolCopiesKeepVersion(t *testing.T) {
	p := newPools()
	k := syncKey{slot: 5, root: phase0.Root{1}}
	sk, err := bls.InteropSecretKey(3)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := bls.Sign(sk, []byte("root"))
	if err != nil {
		t.Fatal(err)
	}
	other, err := bls.Sign(sk, []byte("other root"))
	if err != nil {
		t.Fatal(err)
	}
	p.addSyncMessage(k, 7, sig, nil)
	_, v1 := p.syncMessages(k)
	p.addSyncMessage(k, 7, sig, nil)
	if _, v := p.syncMessages(k); v != v1 {
		t.Fatalf("a copy moved the version %d -> %d", v1, v)
	}
	p.addSyncMessage(k, 8, sig, nil)
	_, v2 := p.syncMessages(k)
	p.addSyncMessage(k, 7, other, nil)
	_, v3 := p.syncMessages(k)
	if v2 == v1 || v3 == v2 {
		t.Fatalf("versions %d, %d, %d: a new and a changed message must each move it", v1, v2, v3)
	}
	h, err := p.syncSignature(k, sig)
	if err != nil {
		t.Fatal(err)
	}
	if got := phase0.BLSSignature(h.Serialize()); got != sig {
		t.Fatalf("decoded %#x, want %#x", got[:4], sig[:4])
	}
	if h2, _ := p.syncSignature(k, sig); h2 != h {
		t.Fatal("the signature was decoded twice")
	}
	if _, err := p.syncSignature(k, phase0.BLSSignature{0x01}); err == nil {
		t.Fatal("a signature that is no point decoded")
	}
}

// TestSeenClaimVerifiesOnce: copies of one signature claimed while the
// first is being verified wait for its answer: verified, they are seen
// (not verified again); refused, exactly one of them verifies it again
// (the answer is its own) and the others wait for that one. The first
// verification ends only once every copy is waiting (the waiting hook
// says so), so the waiting branch is what the test exercises, every run.
func TestSeenClaimVerifiesOnce(t *testing.T) {
	for _, firstVerified := range []bool{true, false} {
		const copies = 8
		var s seenSignatures
		waiting := make(chan struct{}, 4*copies)
		s.waiting = func(seenKey) { waiting <- struct{}{} }
		k := seenKey{v: 1, root: phase0.Root{2}}
		first, done := s.claim(k)
		if first || done == nil {
			t.Fatal("a new triple reported seen")
		}
		results := make(chan bool, copies)
		for range copies {
			go func() {
				seen, d := s.claim(k)
				if d != nil {
					d(true) // a copy that verifies it finds it valid
				}
				results <- seen
			}()
		}
		for n := 0; n < copies; {
			select {
			case <-waiting:
				n++
			case seen := <-results:
				t.Fatalf("first verified %v: a copy returned (seen %v) while the first was still being verified", firstVerified, seen)
			}
		}
		done(firstVerified)
		verifiedAgain := 0
		for range copies {
			if !<-results {
				verifiedAgain++
			}
		}
		want := 0
		if !firstVerified {
			want = 1
		}
		if verifiedAgain != want {
			t.Errorf("first verified %v: %d copies verified it again, want %d", firstVerified, verifiedAgain, want)
		}
		if seen, d := s.claim(k); !seen || d != nil {
			t.Errorf("first verified %v: the triple is not seen after a verification succeeded", firstVerified)
		}
	}
	// A refused triple is not remembered: the next caller verifies it.
	var s seenSignatures
	k := seenKey{v: 2}
	_, done := s.claim(k)
	done(false)
	if seen, d := s.claim(k); seen || d == nil {
		t.Fatal("a refused triple must be verified again")
	}
}
