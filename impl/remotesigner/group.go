package remotesigner

import (
	"errors"
	"sync"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/slashing"
)

// BatchRecordStore is a RecordStore that can store several records in one
// durable write (impl/slashingstore's Store). The server then records by
// group commit: whatever requests wait while one write is under way go
// into the next, each request still returning only once its own record is
// durable (or refused).
type BatchRecordStore interface {
	RecordStore
	// RecordBatch stores the records in one durable write and returns one
	// result per record (nil: stored, or a repeat of a stored record), as
	// RecordAttestation / RecordBlock would for each in turn.
	RecordBatch([]BatchRecord) []error
}

// BatchRecord is one signing for RecordBatch: an attestation or a block
// (exactly one) of Pubkey.
type BatchRecord struct {
	Pubkey      phase0.BLSPubKey
	Attestation *slashing.SlashingDBAttestation
	Block       *slashing.SlashingDBBlock
}

type slashingstoreRecord struct {
	pubkey phase0.BLSPubKey
	att    *slashing.SlashingDBAttestation
	block  *slashing.SlashingDBBlock
}

// groupCommit is leader/follower group commit without a timer: the first
// request finding no write under way writes everything queued, again and
// again until the queue is empty; requests arriving meanwhile queue and
// wait for their result. A lone request is written at once.
type groupCommit struct {
	mu      sync.Mutex
	pending []*pendingRecord
	writing bool
}

type pendingRecord struct {
	rec  BatchRecord
	done chan error
}

func (g *groupCommit) record(store BatchRecordStore, r slashingstoreRecord) error {
	p := &pendingRecord{rec: BatchRecord{Pubkey: r.pubkey, Attestation: r.att, Block: r.block}, done: make(chan error, 1)}
	g.mu.Lock()
	g.pending = append(g.pending, p)
	if g.writing {
		g.mu.Unlock()
		return <-p.done
	}
	g.writing = true
	for len(g.pending) > 0 {
		batch := g.pending
		g.pending = nil
		g.mu.Unlock()
		recs := make([]BatchRecord, len(batch))
		for i, b := range batch {
			recs[i] = b.rec
		}
		errs := store.RecordBatch(recs)
		for i, b := range batch {
			var err error
			if i < len(errs) {
				err = errs[i]
			} else {
				err = errShortBatch
			}
			b.done <- err
		}
		g.mu.Lock()
	}
	g.writing = false
	g.mu.Unlock()
	return <-p.done
}

// errShortBatch: a store answered fewer results than records (a bug of
// the store); the records without one are refused.
var errShortBatch = errors.New("remote signer: the slashing store answered fewer results than records")
