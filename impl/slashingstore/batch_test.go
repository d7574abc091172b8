package slashingstore

import (
	"fmt"
	"testing"
)

// TestRecordBatchIsSequentialRecording: one RecordBatch gives each record
// the verdict RecordAttestation / RecordBlock give it in turn on another
// store, and leaves the same history: refusals inside the batch (against
// the stored history and against the batch's own earlier records) do not
// stop the others.
func TestRecordBatchIsSequentialRecording(t *testing.T) {
	batchStore, _ := openTemp(t)
	seqStore, _ := openTemp(t)
	for _, s := range []*Store{batchStore, seqStore} {
		if err := s.RecordAttestation(pk1, att(2, 3, rootOfInt(1))); err != nil {
			t.Fatal(err)
		}
	}
	recs := []Record{
		{Pubkey: pk1, Attestation: att(3, 4, rootOfInt(2))},
		{Pubkey: pk1, Attestation: att(2, 3, rootOfInt(9))}, // double vote against the store
		{Pubkey: pk2, Attestation: att(1, 5, rootOfInt(3))},
		{Pubkey: pk2, Attestation: att(2, 4, rootOfInt(4))}, // surrounded by the batch's previous record
		{Pubkey: pk1, Attestation: att(3, 4, rootOfInt(2))}, // repeat of the first: allowed
		{Pubkey: pk1, Block: blk(7, rootOfInt(5))},
		{Pubkey: pk1, Block: blk(7, rootOfInt(6))}, // double proposal within the batch
		{Pubkey: pk2}, // neither kind
		{Pubkey: pk2, Attestation: att(5, 6, rootOfInt(7))},
	}
	errs := batchStore.RecordBatch(recs)
	if len(errs) != len(recs) {
		t.Fatalf("%d results for %d records", len(errs), len(recs))
	}
	for i, r := range recs {
		var want error
		switch {
		case r.Attestation != nil && r.Block == nil:
			want = seqStore.RecordAttestation(r.Pubkey, r.Attestation)
		case r.Block != nil && r.Attestation == nil:
			want = seqStore.RecordBlock(r.Pubkey, r.Block)
		default:
			if errs[i] == nil {
				t.Errorf("record %d (no attestation, no block) stored", i)
			}
			continue
		}
		if !sameVerdict(errs[i], want) {
			t.Errorf("record %d: batch %v, one by one %v", i, errs[i], want)
		}
	}
	if got, want := storeExport(t, batchStore), storeExport(t, seqStore); got != want {
		t.Errorf("histories differ:\nbatch %s\none by one %s", got, want)
	}
	refused := 0
	for _, err := range errs {
		if err != nil {
			refused++
		}
	}
	if refused != 4 {
		t.Errorf("%d records refused, want the 4 slashable or malformed ones", refused)
	}
}

// BenchmarkRecordBatch: n attestations of n validators in one durable
// write, against BenchmarkRecordAttestation's one write each.
func BenchmarkRecordBatch(b *testing.B) {
	for _, n := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			s, _ := openTemp(b)
			recs := make([]Record, n)
			for i := 0; i < b.N; i++ {
				for j := range recs {
					recs[j] = Record{Pubkey: pkOf(j), Attestation: att(uint64(i), uint64(i+1), rootOfInt(uint64(i)))}
				}
				for _, err := range s.RecordBatch(recs) {
					if err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

func pkOf(j int) (pk [48]byte) {
	pk[0], pk[1] = byte(j), byte(j>>8)
	pk[2] = 0xcc
	return pk
}
