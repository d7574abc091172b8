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

// TestSeenClaimVerifiesOnce: copies of one signature submitted at once are
// verified once; a refused one is verified again by the next caller, whose
// answer it is.
func TestSeenClaimVerifiesOnce(t *testing.T) {
	var s seenSignatures
	k := seenKey{v: 1, root: phase0.Root{2}}
	first, done := s.claim(k)
	if first {
		t.Fatal("a new triple reported seen")
	}
	results := make(chan bool, 8)
	for range 8 {
		go func() {
			seen, d := s.claim(k)
			if d != nil {
				d(true)
			}
			results <- seen
		}()
	}
	done(true)
	for range 8 {
		if !<-results {
			t.Fatal("a copy claimed while the first was verified was verified again")
		}
	}
	k2 := seenKey{v: 2}
	_, done2 := s.claim(k2)
	done2(false)
	if seen, d := s.claim(k2); seen || d == nil {
		t.Fatal("a refused triple must be verified again")
	}
}
