package conformance

import (
	"strings"
	"testing"
)

func TestBuiltinScenariosParse(t *testing.T) {
	all, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"baseline": true, "bn_down": true, "slashable_offers": true, "divergent_views": true, "errors_slow": true,
		"late_head": true, "short_reorg": true, "double_proposal": true, "fork_boundary": true, "all_forks": true}
	for _, s := range all {
		delete(want, s.Name)
		if err := s.Validate(4); err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
		// At 1-s slots a block or sync committee message must reach the
		// chain within 1.5 s of the slot start; baseline, at the 1-s
		// default, failed liveness on a loaded machine where every 2-s
		// scenario passed.
		if s.secondsPerSlot() < 2 {
			t.Errorf("%s: %d-s slots, want at least 2", s.Name, s.secondsPerSlot())
		}
	}
	if len(want) > 0 {
		t.Errorf("missing built-in scenarios: %v", want)
	}
}

// TestBadScenarioNamesTheField checks that a bad scenario file is refused
// with the offending field named.
func TestBadScenarioNamesTheField(t *testing.T) {
	cases := map[string]string{
		`{"name":"x","slots":0}`:                                                               "slots",
		`{"name":"a b","slots":4}`:                                                             "name",
		`{"name":"x","slots":4,"sloots":3}`:                                                    "sloots",
		`{"name":"x","slots":4,"faults":[{"node":1,"kind":"explode"}]}`:                        "faults[0].kind",
		`{"name":"x","slots":4,"faults":[{"node":0,"kind":"down"}]}`:                           "faults[0].node",
		`{"name":"x","slots":4,"faults":[{"node":1,"kind":"slow"}]}`:                           "faults[0].delay_ms",
		`{"name":"x","slots":4,"faults":[{"node":1,"kind":"errors","status":404}]}`:            "faults[0].status",
		`{"name":"x","slots":4,"faults":[{"node":1,"kind":"down","from_slot":5,"to_slot":2}]}`: "faults[0].to_slot",
		`{"name":"x","slots":4,"min_liveness":2}`:                                              "min_liveness",
		`{"name":"x","slots":4,"faults":[{"node":1,"kind":"late_head"}]}`:                      "faults[0].delay_ms",
		`{"name":"x","slots":4,"faults":[{"node":1,"kind":"reorg","from_slot":1,"lag":1}]}`:    "faults[0]: a reorg",
		`{"name":"x","slots":4,"fork_epochs":{"merge":2}}`:                                     "fork_epochs",
		`{"name":"x","slots":4,"fork_epochs":{"altair":3,"bellatrix":1}}`:                      "fork_epochs",
		`not json`: "scenario",
	}
	for raw, field := range cases {
		_, err := Parse([]byte(raw))
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: error %v, want one naming %s", raw, err, field)
		}
	}
	s := Scenario{Name: "x", Slots: 4, Faults: []Fault{{Node: 5, Kind: FaultDown}}}
	if err := s.Validate(4); err == nil || !strings.Contains(err.Error(), "faults[0].node 5") {
		t.Errorf("node 5 of 4: %v", err)
	}
}
