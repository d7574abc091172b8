package trace_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"
	"github.com/google/go-cmp/cmp"

	"github.com/dvspec/go-dvspec/impl/trace"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty/aggcases"
	"github.com/dvspec/go-dvspec/spec/dvc/dvccases"
)

// aggSteps runs every aggregation case (both architectures, every fork)
// and hands each step with what the spec did to fn.
func aggSteps(t testing.TB, fn func(sc aggcases.Scenario, f *aggcases.F, ev aggduty.Event, res aggcases.StepResult)) {
	t.Helper()
	env := aggcases.NewEnv(&dvccases.Env{GenesisValidatorsRoot: phase0.Root{0x61}})
	for _, sc := range aggcases.Scenarios() {
		f := env.NewF(sc.Fork, sc.Mode)
		steps, res, err := aggcases.Run(f, sc)
		if err != nil {
			t.Fatalf("%s/%s: %v", sc.Name, sc.Fork, err)
		}
		for i := range steps {
			fn(sc, f, steps[i].Ev, res[i])
		}
	}
}

// TestAggEventsRoundTrip: every aggregation event of the cases, written to
// JSON and read back, is the event it was; every output encodes.
func TestAggEventsRoundTrip(t *testing.T) {
	seen := map[string]bool{}
	aggSteps(t, func(sc aggcases.Scenario, f *aggcases.F, ev aggduty.Event, res aggcases.StepResult) {
		it, err := trace.EncodeAggEvent(ev)
		if err != nil {
			t.Fatalf("%s: %v", ev.EventName(), err)
		}
		raw, err := json.Marshal(it)
		if err != nil {
			t.Fatal(err)
		}
		var back trace.Item
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatal(err)
		}
		got, err := trace.DecodeAggEvent(f.Config().Chain, back)
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", sc.Name, ev.EventName(), err, raw)
		}
		if d := cmp.Diff(ev, got); d != "" {
			t.Fatalf("%s %s: round trip (-want +got):\n%s", sc.Name, ev.EventName(), d)
		}
		seen[ev.EventName()] = true
		for _, o := range res.Out {
			if _, err := trace.EncodeAggOutput(f.Config().Chain, o); err != nil {
				t.Fatalf("%s: %v", o.OutputName(), err)
			}
			seen[o.OutputName()] = true
		}
	})
	for _, name := range []string{"serve_aggregator_duty", "serve_sync_contribution_duty", "captured_beacon_committee_selection",
		"captured_sync_committee_selection", "attestation_submitted", "sync_committee_message_submitted", "aggregate_consensus_decided",
		"contribution_consensus_decided", "captured_aggregate_and_proof", "captured_contribution_and_proof", "received_aggregation_share",
		"beacon_committee_selection_combined", "sync_committee_selection_combined", "start_aggregate_consensus",
		"start_contribution_consensus", "cache_aggregate_and_proof_for_vc", "cache_contribution_and_proof_for_vc",
		"submit_aggregate_and_proof", "submit_contribution_and_proof"} {
		if !seen[name] {
			t.Errorf("the cases never exercised %s", name)
		}
	}
}

// TestAggRecordsReadBack: the writer's aggregation records are read back
// as their own record kinds, with the event and outputs intact, and a
// version 1 reader's record kinds stay what they were.
func TestAggRecordsReadBack(t *testing.T) {
	env := aggcases.NewEnv(&dvccases.Env{GenesisValidatorsRoot: phase0.Root{0x61}})
	sc := aggcases.Scenarios()[0]
	f := env.NewF(sc.Fork, sc.Mode)
	steps, res, err := aggcases.Run(f, sc)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := trace.NewWriter(&buf)
	w.AggInit(aggcases.Node, f.Config())
	for i := range steps {
		w.AggStep(aggcases.Node, f.Config(), steps[i].Ev, res[i].Out, res[i].Err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var recs []*trace.Record
	if err := trace.Read(&buf, func(r *trace.Record) error { recs = append(recs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(steps)+1 || recs[0].Record != trace.KindAggConfig || recs[0].Version != trace.Version || recs[0].Config == nil {
		t.Fatalf("records: %d, first %+v", len(recs), recs[0])
	}
	for i, r := range recs[1:] {
		want, _ := trace.EncodeAggOutputs(f.Config().Chain, res[i].Out)
		if r.Record != trace.KindAggStep || r.Event.Name() != steps[i].Ev.EventName() || len(r.Outputs) != len(want) {
			t.Fatalf("record %d: %s %s with %d outputs, want %s with %d", i+1, r.Record, r.Event.Name(), len(r.Outputs), steps[i].Ev.EventName(), len(want))
		}
		if a, b := mustJSON(t, r.Outputs), mustJSON(t, want); len(want) > 0 && a != b {
			t.Fatalf("record %d outputs:\n%s\nwant\n%s", i+1, a, b)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAggDecodeRefusesBadInput: a malformed aggregation event is an
// error naming what is wrong, never a panic.
func TestAggDecodeRefusesBadInput(t *testing.T) {
	env := aggcases.NewEnv(&dvccases.Env{GenesisValidatorsRoot: phase0.Root{0x61}})
	chain := env.NewF(aggcases.Scenarios()[0].Fork, aggcases.Scenarios()[0].Mode).Config().Chain
	for _, c := range []struct{ in, want string }{
		{`{"serve_aggregator_duty":{}}`, "duty_ssz"},
		{`{"captured_beacon_committee_selection":{"slot":1}}`, "validator_index"},
		{`{"aggregate_consensus_decided":{"instance":{"cluster":"0x","validator":"0x","duty_type":4,"slot":1}}}`, "cluster"},
		{`{"sync_committee_message_submitted":{"slot":1,"beacon_block_root":"0x00"}}`, "beacon_block_root"},
		{`{"no_such_event":{}}`, "unknown"},
		{`{}`, "exactly one"},
	} {
		var it trace.Item
		if err := json.Unmarshal([]byte(c.in), &it); err != nil {
			t.Fatal(err)
		}
		_, err := trace.DecodeAggEvent(chain, it)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one naming %q", c.in, err, c.want)
		}
	}
}

// FuzzDecodeAggEvent: any input decodes to an event or an error, never a
// panic, and what decodes encodes back to JSON that decodes the same.
func FuzzDecodeAggEvent(f *testing.F) {
	var fx *aggcases.F
	seeds := 0
	aggSteps(f, func(sc aggcases.Scenario, fix *aggcases.F, ev aggduty.Event, _ aggcases.StepResult) {
		if fx == nil {
			fx = fix
		}
		if seeds < 200 {
			it, _ := trace.EncodeAggEvent(ev)
			b, _ := json.Marshal(it)
			f.Add(b)
			seeds++
		}
	})
	if fx == nil {
		f.Fatal("no cases")
	}
	chain := fx.Config().Chain
	f.Fuzz(func(t *testing.T, data []byte) {
		var it trace.Item
		if json.Unmarshal(data, &it) != nil {
			return
		}
		ev, err := trace.DecodeAggEvent(chain, it)
		if err != nil {
			return
		}
		again, err := trace.EncodeAggEvent(ev)
		if err != nil {
			t.Fatalf("decoded %T does not encode: %v", ev, err)
		}
		b, _ := json.Marshal(again)
		var back trace.Item
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		ev2, err := trace.DecodeAggEvent(chain, back)
		if err != nil {
			t.Fatalf("re-encoded event does not decode: %v", err)
		}
		if d := cmp.Diff(ev, ev2); d != "" {
			t.Fatalf("not stable:\n%s", d)
		}
	})
}
