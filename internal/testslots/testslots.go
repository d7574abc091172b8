// Package testslots gives the slot length of tests that run a cluster on the
// wall clock (end-to-end devnets, a cluster against the standalone simulated
// beacon node).
package testslots

import (
	"os"
	"strconv"
	"testing"
)

// Default is the slot length of tests that run clusters on the wall clock.
// The nodes' schedulers, QBFT round timers and the simulated beacon node's
// acceptance windows all read that clock, so a slot must leave room for a
// busy machine: on 2 cores with a load average of 8, duties took up to 2.3 s
// from slot start to acceptance, and QBFT's first round alone lasts 1 s
// (SPEC.md 8.7). With 1- and 2-second slots 4 devnet tests failed under such
// load, and under the race detector a 1-second cluster lost a third of its
// duties; 4-second slots leave a round change plus that latency inside a
// sync committee message's 2-slot window. The tests assert outcomes (every
// duty accepted, nothing slashable), never latencies.
const Default = 4

// Seconds is the slot length for a test: DVSPEC_E2E_SLOT_SECONDS overrides
// Default (1 reproduces the main job's pace on an idle machine).
func Seconds(t testing.TB) uint64 {
	t.Helper()
	v := os.Getenv("DVSPEC_E2E_SLOT_SECONDS")
	if v == "" {
		return Default
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || n < 1 {
		t.Fatalf("DVSPEC_E2E_SLOT_SECONDS=%q: want a whole number of seconds, at least 1", v)
	}
	return n
}
