package qbft

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
)

// Property tests over the simulator. DVSPEC_QBFT_SCHEDULES sets the number
// of schedules (default ciSchedules, about half a minute on two cores;
// -short: 100); DVSPEC_SOAK=1 runs 10^6 (.ci/soak). Every run draws a fresh
// gopter seed and logs it, so CI explores new schedules each time;
// DVSPEC_QBFT_SEED=<seed> replays a run (with the same schedule count) and
// DVSPEC_QBFT_REPLAY="seed,n" replays the one schedule a failure names.

const ciSchedules = 10000

func scheduleCount(t *testing.T) int {
	if v := os.Getenv("DVSPEC_QBFT_SCHEDULES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			t.Fatalf("DVSPEC_QBFT_SCHEDULES=%q", v)
		}
		return n
	}
	if os.Getenv("DVSPEC_SOAK") == "1" {
		return 1000000
	}
	if testing.Short() {
		return 100
	}
	return ciSchedules
}

type simStats struct {
	mu                         sync.Mutex
	runs, decisions, delivered int
	reproposals, reproAfter    int
	maxRound                   uint64
	byN                        map[uint64]int
	rejected                   map[string]int
	maxTicks                   int64
}

func (st *simStats) add(sc *scenario, r simResult) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.runs++
	st.decisions += r.decisions
	st.delivered += r.delivered
	st.reproposals += r.reproposals
	st.reproAfter += r.reproposalsAfterDecision
	st.maxRound = max(st.maxRound, r.maxRound)
	st.byN[sc.n]++
	st.maxTicks = max(st.maxTicks, r.lastDecide)
	for k, v := range r.rejected {
		st.rejected[k] += v
	}
}

// TestPropertyAgreementValidityTermination runs random schedules with N
// from 1 to 10, at most F(N) crash-stop or byzantine nodes, drops, delays
// and duplicates before GST, and checks:
//   - agreement: no two honest nodes decide different values;
//   - validity: every honest decision passes the honest validity predicate;
//   - termination: every honest node that does not crash decides before
//     the horizon (GST + own values, plus F+3 rounds of RoundTimeoutMax).
func TestPropertyAgreementValidityTermination(t *testing.T) {
	if v := os.Getenv("DVSPEC_QBFT_REPLAY"); v != "" {
		var seed int64
		var n uint64
		if _, err := fmt.Sscanf(v, "%d,%d", &seed, &n); err != nil {
			t.Fatalf("DVSPEC_QBFT_REPLAY=%q: %v", v, err)
		}
		sc := randomScenario(seed, n)
		r := newSim(sc).run()
		t.Logf("%s\n%+v", sc, r)
		if msg := checkResult(sc, r); msg != "" {
			t.Fatal(msg)
		}
		return
	}
	count := scheduleCount(t)
	seed := time.Now().UnixNano() // fresh each run; logged below for replay
	if v := os.Getenv("DVSPEC_QBFT_SEED"); v != "" {
		s, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("DVSPEC_QBFT_SEED=%q", v)
		}
		seed = s
	}
	t.Logf("gopter seed %d; replay the run with DVSPEC_QBFT_SEED=%d (and the same DVSPEC_QBFT_SCHEDULES)", seed, seed)
	params := gopter.DefaultTestParametersWithSeed(seed)
	params.MinSuccessfulTests = count
	params.Workers = runtime.GOMAXPROCS(0)
	params.MaxShrinkCount = 50
	st := &simStats{byN: map[uint64]int{}, rejected: map[string]int{}}
	begin := time.Now()
	props := gopter.NewProperties(params)
	props.Property("agreement, validity, termination", prop.ForAll(
		func(seed int64, n uint64) string {
			sc := randomScenario(seed, n)
			r := newSim(sc).run()
			st.add(sc, r)
			return checkResult(sc, r)
		},
		gen.Int64(),
		gen.UInt64Range(1, 10),
	))
	props.TestingRun(t)
	t.Logf("%d schedules (gopter seed %d, %d workers) in %v: %d honest decisions, %d deliveries to honest nodes, highest decided round %d, last decision at tick %d",
		st.runs, seed, params.Workers, time.Since(begin).Round(time.Millisecond), st.decisions, st.delivered, st.maxRound, st.maxTicks)
	t.Logf("schedules per N: %v; honest re-proposals of a prepared value: %d (%d after an honest decision)", st.byN, st.reproposals, st.reproAfter)
	t.Logf("honest rejections by reason: %v", st.rejected)
}

func checkResult(sc *scenario, r simResult) string {
	if r.violation != "" {
		return fmt.Sprintf("%s [%s]", r.violation, sc)
	}
	if r.liveDone != r.live {
		return fmt.Sprintf("termination: %d of %d live honest nodes decided by tick %d [%s]", r.liveDone, r.live, sc.horizon, sc)
	}
	return ""
}
