package devnet

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/dvspec/go-dvspec/impl/node"
)

func TestReportLines(t *testing.T) {
	r := newNodeReasons()
	r.record(1)(node.DutyResult{Type: TypeAttester, Validator: 2, Slot: 30, Reason: "no_decision"})
	r.record(2)(node.DutyResult{Type: TypeAttester, Validator: 2, Slot: 30, Reason: "no_decision"})
	r.record(3)(node.DutyResult{Type: TypeAttester, Validator: 2, Slot: 30, Reason: "consensus_not_started"})
	// A success reported by a node does not make a reason.
	r.record(1)(node.DutyResult{Type: TypeProposer, Validator: 5, Slot: 31, OK: true})
	duties := []Duty{
		{Type: TypeAttester, Validator: 2, Slot: 30},
		{Type: TypeProposer, Validator: 5, Slot: 31},
		{Type: TypeSync, Validator: 1, Slot: 31, Accepted: true, Latency: 250 * time.Millisecond},
	}
	got := r.lines(duties)
	want := []ReportLine{
		{Type: TypeAttester, Validator: 2, Slot: 30, Outcome: "failed", Reason: "no_decision", Nodes: map[string]string{"1": "no_decision", "2": "no_decision", "3": "consensus_not_started"}},
		{Type: TypeProposer, Validator: 5, Slot: 31, Outcome: "failed", Reason: "not_accepted"},
		{Type: TypeSync, Validator: 1, Slot: 31, Outcome: "succeeded", LatencyMS: 250},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("lines\n got %+v\nwant %+v", got, want)
	}
	path := filepath.Join(t.TempDir(), "R")
	if err := WriteReport(path, got); err != nil {
		t.Fatal(err)
	}
	back, err := ReadReport(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, want) {
		t.Fatalf("read back %+v", back)
	}
}
