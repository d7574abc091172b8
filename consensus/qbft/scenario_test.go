package qbft

import (
	"fmt"
	"testing"
)

// TestScenarios runs whole clusters on a synchronous network (every
// message takes one message delay, 100 ms, so round 0 lasts 10 delays).
func TestScenarios(t *testing.T) {
	for _, n := range []uint64{1, 4, 7, 10} {
		t.Run(fmt.Sprintf("happy_path_round0/n=%d", n), func(t *testing.T) {
			s := newSim(latencyScenario(n, false))
			r := s.run()
			leader := Leader(testID, 0, n)
			want := s.nodes[leader-1].ownValue
			if r.violation != "" || r.liveDone != int(n) || r.maxRound != 0 || (n > 1 && r.lastDecide != 3) {
				t.Fatalf("%+v", r)
			}
			for k, node := range s.nodes {
				if string(node.decided.Value) != string(want) || node.decided.Round != 0 {
					t.Fatalf("node %d decided %s in round %d, want the round-0 leader's %s", k+1, node.decided.Value, node.decided.Round, want)
				}
			}
		})
		if n == 1 {
			continue
		}
		t.Run(fmt.Sprintf("leader_down_new_leader_fresh_value/n=%d", n), func(t *testing.T) {
			s := newSim(latencyScenario(n, true))
			r := s.run()
			want := s.nodes[Leader(testID, 1, n)-1].ownValue
			// Round 0 ends at 10 delays; then ROUND_CHANGE, PROPOSAL,
			// PREPARE, COMMIT.
			if r.violation != "" || r.liveDone != int(n)-1 || r.lastDecide != 14 {
				t.Fatalf("%+v", r)
			}
			for k, node := range s.nodes {
				if node.decided == nil {
					continue
				}
				if string(node.decided.Value) != string(want) || node.decided.Round != 1 {
					t.Fatalf("node %d decided %s in round %d, want the round-1 leader's %s", k+1, node.decided.Value, node.decided.Round, want)
				}
			}
		})
	}
}
