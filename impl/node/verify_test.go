package node

import (
	"testing"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/bls"
)

// sameRootJobs are n share signatures of one message by interop keys
// 20.., with the signature of job bad (if in range) replaced by a
// signature of the same message under another key.
func sameRootJobs(t testing.TB, n, bad int) ([]verifyJob, []bool) {
	t.Helper()
	root := [32]byte{0xaa, 0x55}
	var jobs []verifyJob
	var want []bool
	for i := 0; i < n; i++ {
		k, err := bls.InteropSecretKey(uint64(20 + i))
		if err != nil {
			t.Fatal(err)
		}
		p, err := k.PublicKey()
		if err != nil {
			t.Fatal(err)
		}
		if i == bad {
			if k, err = bls.InteropSecretKey(99); err != nil {
				t.Fatal(err)
			}
		}
		s, err := bls.Sign(k, root[:])
		if err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, verifyJob{pk: p, root: root, sig: s})
		want = append(want, bls.Verify(p, root[:], s))
	}
	return jobs, want
}

// TestBatchSameMessage: signatures of one message are checked with one
// pairing equation, and the answers are still bls.Verify's, with an
// invalid signature anywhere in the group, mixed with other messages, and
// with the same job twice.
func TestBatchSameMessage(t *testing.T) {
	for _, bad := range []int{-1, 0, 3, 7} {
		jobs, want := sameRootJobs(t, 8, bad)
		other, wantOther := sameRootJobs(t, 1, -1)
		other[0].root = [32]byte{1}
		wantOther[0] = false // a signature of another message
		batch := append(append(append([]verifyJob{}, jobs...), other...), jobs[1])
		bv := &batchVerifier{b: newBLSMemo()}
		bv.check(batch)
		for i, j := range batch {
			w := false
			switch {
			case i < len(jobs):
				w = want[i]
			case i == len(jobs):
				w = wantOther[0]
			default:
				w = want[1]
			}
			got, ok := bv.b.m.get(j.key())
			if !ok || got != w {
				t.Errorf("bad=%d job %d: %v (known %v), want %v", bad, i, got, ok, w)
			}
		}
	}
	// The equation alone: true for valid signatures, false with one
	// forged (so the group is never passed by the fallback by accident).
	jobs, _ := sameRootJobs(t, 4, -1)
	bv := &batchVerifier{b: newBLSMemo()}
	if !bv.sameMessage(jobs, []int{0, 1, 2, 3}) {
		t.Error("valid signatures of one message fail the equation")
	}
	jobs, _ = sameRootJobs(t, 4, 2)
	if bv.sameMessage(jobs, []int{0, 1, 2, 3}) {
		t.Error("a forged signature passes the equation")
	}
	// Swapped signatures of two keys: each sum matches, each pair does
	// not; the random coefficients catch it.
	jobs, _ = sameRootJobs(t, 2, -1)
	jobs[0].sig, jobs[1].sig = jobs[1].sig, jobs[0].sig
	if bv.sameMessage(jobs, []int{0, 1}) {
		t.Error("swapped signatures pass the equation")
	}
}

// TestBatchVerifierLanes: a worker takes proposal and attestation shares
// before queued sync committee shares, each batch holds one lane, and only
// one worker at a time takes the low lane.
func TestBatchVerifierLanes(t *testing.T) {
	bv := &batchVerifier{hi: make(chan verifyJob, 8), lo: make(chan verifyJob, 8), wake: make(chan struct{}, 16)}
	for i := 0; i < 3; i++ {
		bv.submit(verifyJob{low: true, root: [32]byte{byte(i)}})
	}
	bv.submit(verifyJob{pk: phase0.BLSPubKey{1}})
	first, low := bv.next()
	if len(first) != 1 || first[0].low || low {
		t.Fatalf("first batch %v (low %v), want the one first-lane job", first, low)
	}
	second, low := bv.next()
	if len(second) != 3 || !low {
		t.Fatalf("second batch holds %d jobs (low %v), want the 3 low-lane ones", len(second), low)
	}
	for _, j := range second {
		if !j.low {
			t.Error("a first-lane job in the low-lane batch")
		}
	}
	// While the low lane is held, another worker takes only first-lane
	// jobs.
	bv.submit(verifyJob{low: true})
	if b, _ := bv.next(); b != nil {
		t.Errorf("a second worker took %d low-lane jobs while the lane was held", len(b))
	}
	bv.submit(verifyJob{})
	if b, l := bv.next(); len(b) != 1 || l {
		t.Errorf("first-lane job not taken while the low lane is held: %v", b)
	}
	bv.lowBusy.Store(false)
	if b, l := bv.next(); len(b) != 1 || !l {
		t.Errorf("low-lane job not taken after the lane was released: %v", b)
	}
}

// TestBatchVerifierDone: every submitted job's done runs, whichever lane,
// with several workers racing for the low lane.
func TestBatchVerifierDone(t *testing.T) {
	bv := newBatchVerifier(newBLSMemo(), 3, 0, 0)
	jobs, _ := sameRootJobs(t, 8, 2)
	done := make(chan int, 200)
	for i := 0; i < 200; i++ {
		j := jobs[i%len(jobs)]
		j.low = i%3 != 0
		i := i
		j.done = func() { done <- i }
		bv.submit(j)
	}
	seen := map[int]bool{}
	for len(seen) < 200 {
		seen[<-done] = true
	}
}

// TestLowLaneLingers: a small low-lane batch waits for the shares that
// arrive meanwhile and is checked as one batch with them; the first lane
// never waits (the node's verifier lingers on its low lane only).
func TestLowLaneLingers(t *testing.T) {
	jobs, want := sameRootJobs(t, 10, 4)
	bv := &batchVerifier{b: newBLSMemo(), hi: make(chan verifyJob, 64), lo: make(chan verifyJob, 64), wake: make(chan struct{}, 64), lowLinger: time.Hour}
	lingering, release := make(chan struct{}), make(chan struct{})
	bv.sleep = func(time.Duration) {
		lingering <- struct{}{}
		<-release
	}
	sizes := make(chan int, 10)
	bv.checked = func(b []verifyJob, low bool) {
		if low {
			sizes <- len(b)
		} else {
			sizes <- -len(b)
		}
	}
	go bv.work()
	go bv.work()
	done := make(chan struct{}, len(jobs)+1)
	j := jobs[0]
	j.low, j.done = true, func() { done <- struct{}{} }
	bv.submit(j)
	<-lingering
	// The first lane is served by the other worker meanwhile.
	hi := jobs[1]
	hi.done = func() { done <- struct{}{} }
	bv.submit(hi)
	if n := <-sizes; n != -1 {
		t.Fatalf("first-lane batch of %d while the low lane lingers, want 1", n)
	}
	for _, j := range jobs[2:] {
		j.low, j.done = true, func() { done <- struct{}{} }
		bv.submit(j)
	}
	close(release)
	if n := <-sizes; n != len(jobs)-1 {
		t.Fatalf("low-lane batch of %d after lingering, want %d", n, len(jobs)-1)
	}
	for range len(jobs) {
		<-done
	}
	for i, j := range jobs {
		if got, ok := bv.b.m.get(j.key()); !ok || got != want[i] {
			t.Errorf("job %d: memo %v (found %v), want %v", i, got, ok, want[i])
		}
	}
}

// TestFirstLaneLingers: the aggregation runtime's verifier (one worker)
// lingers on its first lane too.
func TestFirstLaneLingers(t *testing.T) {
	jobs, _ := sameRootJobs(t, 5, -1)
	bv := newBatchVerifier(newBLSMemo(), 1, time.Hour, time.Hour)
	lingering, release := make(chan struct{}), make(chan struct{})
	bv.sleep = func(time.Duration) {
		lingering <- struct{}{}
		<-release
	}
	sizes := make(chan int, 5)
	bv.checked = func(b []verifyJob, low bool) { sizes <- len(b) }
	bv.submit(jobs[0])
	<-lingering
	for _, j := range jobs[1:] {
		bv.submit(j)
	}
	close(release)
	if n := <-sizes; n != len(jobs) {
		t.Fatalf("first-lane batch of %d after lingering, want %d", n, len(jobs))
	}
}
