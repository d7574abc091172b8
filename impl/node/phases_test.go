package node

import (
	"log/slog"
	"testing"
	"time"

	"github.com/dvspec/go-dvspec/consensus"
)

// TestDutyPhases: a succeeded duty reports, for each phase, the offset
// from its start in slot time at which the node first reached it (a stage
// reached again later does not move it), -1 for a phase it skipped; a
// failed duty reports the phases it reached.
func TestDutyPhases(t *testing.T) {
	var got []DutyResult
	origin := time.Unix(1000, 0)
	now := origin
	n := &Node{log: slog.New(slog.DiscardHandler), now: func() time.Time { return now }}
	n.cfg.DutyDeadline = 10 * time.Second
	n.cfg.OnDuty = func(r DutyResult) { got = append(got, r) }
	tr := newTracker(n)
	A, S := consensus.DutyAttester, consensus.DutySyncCommittee
	at := func(ms int) { now = origin.Add(time.Duration(ms) * time.Millisecond) }

	at(2)
	tr.start(A, 1, 5, origin)
	tr.start(S, 1, 5, origin)
	at(3)
	tr.stage(A, 1, 5, stageConsensus)
	at(7)
	tr.ownValue(A, 1, 5, nil)
	at(20)
	tr.stage(A, 1, 5, stageDecided)
	at(25)
	tr.stage(A, 1, 5, stageDecided) // again: the first time counts
	at(40)
	tr.stage(A, 1, 5, stageSigned)
	at(55)
	tr.stage(A, 1, 5, stageSubmitted)
	tr.accepted(A, 1, 5, origin.Add(61*time.Millisecond))
	if len(got) != 1 || !got[0].OK {
		t.Fatalf("results %+v, want the attestation succeeded", got)
	}
	want := PhaseTimes{2, 3, 7, 20, 40, 55, 61}
	for p := range want {
		want[p] *= time.Millisecond
	}
	if got[0].Phases != want {
		t.Errorf("phases %v, want %v", got[0].Phases, want)
	}

	// The sync committee duty decided and then expired: the phases it
	// reached, -1 for the others.
	at(30)
	tr.stage(S, 1, 5, stageDecided)
	at(11000)
	tr.expire()
	if len(got) != 2 || got[1].OK {
		t.Fatalf("results %+v, want the sync committee duty failed", got)
	}
	ph := got[1].Phases
	if ph[PhaseStarted] != 2*time.Millisecond || ph[PhaseDecided] != 30*time.Millisecond {
		t.Errorf("failed duty phases %v: started and decided wrong", ph)
	}
	for _, p := range []Phase{PhaseConsensus, PhaseValue, PhaseSigned, PhaseCombined, PhaseAccepted} {
		if ph[p] != -1 {
			t.Errorf("phase %s of the failed duty is %v, want -1 (not reached)", p, ph[p])
		}
	}
}
