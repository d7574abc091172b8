package dvc

import (
	"os"
	"strconv"
	"testing"
	"time"
)

// simSeed is the base seed of the simulation property test. Every run
// draws a fresh one, so CI explores new schedules each time, and logs it;
// DVSPEC_DVC_SEED=<seed> replays a run exactly (the schedules of one run
// are a deterministic function of the base seed and the schedule count).
func simSeed(t *testing.T) int64 {
	t.Helper()
	seed := time.Now().UnixNano()
	if v := os.Getenv("DVSPEC_DVC_SEED"); v != "" {
		s, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("DVSPEC_DVC_SEED=%q: want a decimal int64", v)
		}
		seed = s
	}
	t.Logf("simulation base seed %d; replay with DVSPEC_DVC_SEED=%d (and the same DVSPEC_DVC_SCHEDULES)", seed, seed)
	return seed
}
