package remotesigner

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

// batchingStore is a BatchRecordStore that holds its first write until
// released, counts writes, and refuses attestations of target epoch
// refuse.
type batchingStore struct {
	recordingStore
	release chan struct{}
	refuse  phase0.Epoch
	mu      sync.Mutex
	writes  [][]BatchRecord
}

func (s *batchingStore) RecordBatch(recs []BatchRecord) []error {
	s.mu.Lock()
	first := len(s.writes) == 0
	s.writes = append(s.writes, recs)
	s.mu.Unlock()
	if first {
		<-s.release
	}
	errs := make([]error, len(recs))
	for i, r := range recs {
		if r.Attestation != nil && r.Attestation.TargetEpoch == s.refuse {
			errs[i] = &slashing.ConflictError{Err: slashing.ErrDoubleVote, Pubkey: r.Pubkey, Attestation: r.Attestation}
		}
	}
	return errs
}

// TestGroupCommit: requests that arrive while a write is under way share
// the next write; each request returns only after its own record's write,
// with its own verdict (a record the store refuses gets no signature, the
// others of its batch are signed).
func TestGroupCommit(t *testing.T) {
	store := &batchingStore{release: make(chan struct{}), refuse: 6}
	f := newSigner(t, store)
	ctx := context.Background()
	const n = 8
	type result struct {
		epoch phase0.Epoch
		sig   phase0.BLSSignature
		err   error
	}
	results := make(chan result, n)
	sign := func(e phase0.Epoch) {
		req := ethnode.NewAttestationSignRequest(forkInfo(t, e), attData(phase0.Slot(e)*testSlotsPerEpoch, 0, e-1, e), nil)
		sig, err := f.srv.Sign(ctx, f.share, req)
		results <- result{e, sig, err}
	}
	go sign(1)
	// Wait until the first request holds the write, then queue the rest.
	for {
		store.mu.Lock()
		w := len(store.writes)
		store.mu.Unlock()
		if w == 1 {
			break
		}
		runtime.Gosched()
	}
	for e := phase0.Epoch(2); e <= n; e++ {
		go sign(e)
	}
	for {
		f.srv.group.mu.Lock()
		queued := len(f.srv.group.pending)
		f.srv.group.mu.Unlock()
		if queued == n-1 {
			break
		}
		runtime.Gosched()
	}
	select {
	case r := <-results:
		t.Fatalf("request for epoch %d returned before its record was written", r.epoch)
	default:
	}
	close(store.release)
	for i := 0; i < n; i++ {
		r := <-results
		if r.epoch == store.refuse {
			if !errors.Is(r.err, ethnode.ErrSlashingRefused) {
				t.Errorf("epoch %d: refused by the store, got %v", r.epoch, r.err)
			}
			continue
		}
		if r.err != nil {
			t.Errorf("epoch %d: %v", r.epoch, r.err)
			continue
		}
		req := ethnode.NewAttestationSignRequest(forkInfo(t, r.epoch), attData(phase0.Slot(r.epoch)*testSlotsPerEpoch, 0, r.epoch-1, r.epoch), nil)
		in, err := req.SigningInput(f.srv.chain)
		if err != nil {
			t.Fatal(err)
		}
		if !bls.Verify(f.share, in.SigningRoot[:], r.sig) {
			t.Errorf("epoch %d: signature does not verify", r.epoch)
		}
	}
	if len(store.writes) != 2 || len(store.writes[1]) != n-1 {
		sizes := []int{}
		for _, w := range store.writes {
			sizes = append(sizes, len(w))
		}
		t.Errorf("writes of %v records, want [1 %d]", sizes, n-1)
	}
	if store.atts != 0 || store.saves != 0 {
		t.Errorf("%d single records and %d saves besides the batches", store.atts, store.saves)
	}
}
