package qbft

import (
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"
)

func finalRoots(t *testing.T, s *sim) []phase0.Root {
	t.Helper()
	var roots []phase0.Root
	for _, node := range s.nodes {
		roots = append(roots, snapRoot(t, node.inst))
	}
	return roots
}

// TestSimulationDeterministic: the same schedule gives byte-identical final
// states, and replacing instances by Restore(Snapshot()) at random moments
// changes nothing (the snapshot holds the whole state).
func TestSimulationDeterministic(t *testing.T) {
	runs := 60
	if testing.Short() {
		runs = 10
	}
	for k := 0; k < runs; k++ {
		seed := int64(7919 * (k + 1))
		n := uint64(1 + k%10)
		a := newSim(randomScenario(seed, n))
		ra := a.run()
		b := newSim(randomScenario(seed, n))
		rb := b.run()
		sc := randomScenario(seed, n)
		sc.restoreRate = 0.05
		c := newSim(sc)
		rc := c.run()
		for _, r := range []simResult{ra, rb, rc} {
			if msg := checkResult(sc, r); msg != "" {
				t.Fatal(msg)
			}
		}
		if ra.delivered != rb.delivered || ra.lastDecide != rb.lastDecide || ra.delivered != rc.delivered || ra.lastDecide != rc.lastDecide {
			t.Fatalf("seed %d n %d: runs differ: %+v / %+v / %+v", seed, n, ra, rb, rc)
		}
		fa, fb, fc := finalRoots(t, a), finalRoots(t, b), finalRoots(t, c)
		for j := range fa {
			if fa[j] != fb[j] || fa[j] != fc[j] {
				t.Fatalf("seed %d n %d: node %d final state differs between runs", seed, n, j+1)
			}
		}
	}
}
