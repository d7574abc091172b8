package qbft

import (
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"
	"github.com/dvspec/go-dvspec/spec"
)

func TestQuorumAndF(t *testing.T) {
	for n := uint64(1); n <= MaxNodes; n++ {
		q, f := Quorum(n), F(n)
		if q != uint64(spec.Threshold(int(n))) || f != uint64(spec.Faulty(int(n))) {
			t.Fatalf("n=%d: Quorum %d F %d, spec.Threshold %d spec.Faulty %d", n, q, f, spec.Threshold(int(n)), spec.Faulty(int(n)))
		}
		// Two quorums intersect in more than f nodes (safety) and the n-f
		// honest nodes form a quorum (liveness).
		if 2*q <= n+f || n-f < q {
			t.Fatalf("n=%d: quorum %d, f %d breaks intersection or availability", n, q, f)
		}
		// The paper's quorum, ceil((n+f+1)/2), agrees for n <= 19.
		if paper := (n + f + 2) / 2; n <= 19 && paper != q {
			t.Fatalf("n=%d: Dafny quorum %d, paper %d", n, q, paper)
		}
	}
	if Quorum(0) != 0 || F(0) != 0 {
		t.Fatal("n=0")
	}
}

func TestLeaderRotation(t *testing.T) {
	for n := uint64(1); n <= 16; n++ {
		for slot := phase0.Slot(0); slot < 5; slot++ {
			id := testID
			id.Slot = slot
			seen := map[uint64]bool{}
			for r := uint64(0); r < n; r++ {
				l := Leader(id, r, n)
				if l < 1 || l > n {
					t.Fatalf("leader %d out of 1..%d", l, n)
				}
				seen[l] = true
			}
			if uint64(len(seen)) != n {
				t.Fatalf("n=%d: rounds 0..n-1 have %d distinct leaders", n, len(seen))
			}
			// The next slot shifts the rotation by one.
			next := id
			next.Slot++
			if Leader(next, 0, n) != Leader(id, 1, n) {
				t.Fatalf("n=%d: slot+1 does not shift the rotation", n)
			}
		}
	}
	// Validators of one slot spread over the leaders.
	counts := map[uint64]int{}
	for v := 0; v < 400; v++ {
		id := testID
		id.Validator[10] = byte(v)
		id.Validator[11] = byte(v >> 8)
		counts[Leader(id, 0, 4)]++
	}
	for l := uint64(1); l <= 4; l++ {
		if counts[l] < 60 {
			t.Fatalf("leader %d chosen for %d of 400 validators: %v", l, counts[l], counts)
		}
	}
	if Leader(testID, 0, 0) != 0 {
		t.Fatal("n=0")
	}
}

func TestRoundTimeoutSchedule(t *testing.T) {
	var sum int64
	for r := uint64(0); r <= MaxRound; r++ {
		d := RoundTimeout(r)
		if d < RoundTimeoutBase || d > RoundTimeoutMax || (r > 0 && d < RoundTimeout(r-1)) {
			t.Fatalf("round %d: %v", r, d)
		}
		sum += int64(d)
		if int64(RoundDeadline(r)) != sum {
			t.Fatalf("round %d: deadline %v, sum %v", r, RoundDeadline(r), sum)
		}
	}
	if RoundDeadline(MaxRound+10) != RoundDeadline(MaxRound) || RoundTimeout(1<<62) != RoundTimeoutMax {
		t.Fatal("schedule beyond MaxRound")
	}
}
