package e2e

import (
	"testing"

	"github.com/dvspec/go-dvspec/adapter/devnet"
)

// TestDevnetTwoNodesDownThenBack is issue 17's outage: two of four nodes
// stop at slot 20 (a quorum is gone) and start again at slot 33, in the
// next epoch. The attester duties of slots 20..31 cannot be decided by the
// two left, and the restarted nodes do not serve them (they start in a
// later epoch), so those two keep undecided attester duties; before
// SPEC.md amendment A23 these stayed current for good and every later
// duty of their validators was queued behind them. Now a later duty
// supersedes an undecided one, so every duty from slot 34 on must be done,
// for every validator.
func TestDevnetTwoNodesDownThenBack(t *testing.T) {
	res := runDevnet(t, devnet.Config{
		Nodes: 4, Validators: 16, Slots: 64, SecondsPerSlot: 2, NoSync: true, NoAggregation: true,
		StopAt: map[uint64]uint64{3: 20, 4: 20}, RestartAt: map[uint64]uint64{3: 33, 4: 33},
	})
	outage, outageDone, later := 0, 0, map[string]int{}
	for _, d := range res.Duties {
		switch {
		case d.Slot >= 34:
			later[d.Type]++
			if !d.Accepted {
				t.Errorf("%s duty of validator %d at slot %d (after the outage) was not done", d.Type, d.Validator, d.Slot)
			}
		case d.Type == devnet.TypeAttester && d.Slot >= 20 && d.Slot < 32:
			outage++
			if d.Accepted {
				outageDone++
			}
		}
	}
	for _, o := range res.Offences {
		t.Errorf("slashable message reached the beacon node: %+v", o)
	}
	if outage == 0 || later[devnet.TypeAttester] == 0 {
		t.Fatalf("the run has %d attester duties in the outage and %d after: it does not test the outage", outage, later[devnet.TypeAttester])
	}
	t.Logf("attester duties in the outage: %d (%d done); duties from slot 34: %v", outage, outageDone, later)
}
