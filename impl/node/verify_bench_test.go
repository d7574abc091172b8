package node

import (
	"fmt"
	"testing"

	"github.com/dvspec/go-dvspec/spec/bls"
)

// BenchmarkBatchCheck: the batch verifier checking n share signatures of
// different validators and messages (one verification memo per
// iteration, so every signature is checked).
func BenchmarkBatchCheck(b *testing.B) {
	var jobs []verifyJob
	for i := uint64(0); i < 8; i++ {
		sk, err := bls.InteropSecretKey(i)
		if err != nil {
			b.Fatal(err)
		}
		pk, err := sk.PublicKey()
		if err != nil {
			b.Fatal(err)
		}
		root := [32]byte{byte(i), 7}
		sig, err := bls.Sign(sk, root[:])
		if err != nil {
			b.Fatal(err)
		}
		jobs = append(jobs, verifyJob{pk: pk, root: root, sig: sig})
	}
	defer func(m int) { minBatch = m }(minBatch)
	for _, c := range []struct{ n, min int }{{1, 2}, {2, 3}, {2, 2}, {3, 4}, {3, 2}, {4, 2}, {8, 2}} {
		n := c.n
		minBatch = c.min
		b.Run(fmt.Sprintf("n=%d/multi=%v", n, n >= c.min), func(b *testing.B) {
			keys := newBLSMemo().keys
			for i := 0; i < b.N; i++ {
				bv := &batchVerifier{b: blsMemo{m: newMemo(64), keys: keys}}
				bv.check(jobs[:n])
			}
		})
	}
}

// BenchmarkBatchSameMessage: n share signatures of one message (a slot's
// sync committee shares) checked with one pairing equation, against the
// same n checked with herumi MultiVerify.
func BenchmarkBatchSameMessage(b *testing.B) {
	for _, n := range []int{2, 4, 8, 32} {
		jobs, _ := sameRootJobs(b, n, -1)
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		keys := newBLSMemo().keys
		b.Run(fmt.Sprintf("n=%d/equation", n), func(b *testing.B) {
			bv := &batchVerifier{b: blsMemo{m: newMemo(64), keys: keys}}
			for i := 0; i < b.N; i++ {
				if !bv.sameMessage(jobs, idx) {
					b.Fatal("valid batch failed")
				}
			}
		})
		b.Run(fmt.Sprintf("n=%d/multiverify", n), func(b *testing.B) {
			bv := &batchVerifier{b: blsMemo{m: newMemo(64), keys: keys}}
			for i := 0; i < b.N; i++ {
				if !bv.multi(jobs, idx) {
					b.Fatal("valid batch failed")
				}
			}
		})
	}
}
