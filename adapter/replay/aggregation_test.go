package replay

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/trace"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty/aggcases"
	"github.com/dvspec/go-dvspec/spec/dvc/dvccases"
)

// recordAgg writes the aggregation cases of fork (both architectures) as
// one trace, each case from its own aggregation_config record, the way
// the node writes them. It returns the path, the number of cases and of
// steps.
func recordAgg(t *testing.T, dir string, fork eth2spec.DataVersion) (string, int, int) {
	t.Helper()
	path := filepath.Join(dir, "agg.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := trace.NewWriter(f)
	env := aggcases.NewEnv(&dvccases.Env{GenesisValidatorsRoot: phase0.Root{0x61}})
	cases, steps := 0, 0
	for _, sc := range aggcases.Scenarios() {
		if sc.Fork != fork {
			continue
		}
		fx := env.NewF(sc.Fork, sc.Mode)
		evs, res, err := aggcases.Run(fx, sc)
		if err != nil {
			t.Fatal(err)
		}
		cfg := fx.Config()
		w.AggInit(aggcases.Node, cfg)
		for i := range evs {
			w.AggStep(aggcases.Node, cfg, evs[i].Ev, res[i].Out, res[i].Err)
		}
		cases++
		steps += len(evs)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path, cases, steps
}

// TestReplayOfAggregation: a trace of the aggregation cases replays
// through aggduty.Step with no divergence, every step counted, the
// remote-signer steps answered with the recorded signatures.
func TestReplayOfAggregation(t *testing.T) {
	path, cases, steps := recordAgg(t, t.TempDir(), eth2spec.DataVersionElectra)
	rep, err := Replay(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Divergence != nil {
		t.Fatalf("divergence: %+v", rep.Divergence)
	}
	if rep.AggMachines != cases || rep.AggSteps != steps || steps == 0 || rep.AggRejected == 0 {
		t.Fatalf("replayed %d aggregation steps (%d rejected) of %d machines, want %d steps of %d (some rejected)", rep.AggSteps, rep.AggRejected, rep.AggMachines, steps, cases)
	}
}

// TestReplayReportsAggregationDivergence: a tampered aggregation output
// or rejection is reported at its record.
func TestReplayReportsAggregationDivergence(t *testing.T) {
	path, _, _ := recordAgg(t, t.TempDir(), eth2spec.DataVersionElectra)
	output := func(name string, f func(*trace.Fields)) func(r *trace.Record) bool {
		return func(r *trace.Record) bool {
			for _, o := range r.Outputs {
				if x := o[name]; x != nil && r.Record == trace.KindAggStep {
					f(x)
					return true
				}
			}
			return false
		}
	}
	cases := []struct {
		name string
		f    func(r *trace.Record) bool
		want string
	}{
		{"submitted aggregate and proof", output("submit_aggregate_and_proof", func(f *trace.Fields) { f.SignedSSZ[len(f.SignedSSZ)-1] ^= 1 }), "field signed_ssz"},
		{"submitted contribution and proof", output("submit_contribution_and_proof", func(f *trace.Fields) { f.SignedSSZ[len(f.SignedSSZ)-1] ^= 1 }), "field signed_ssz"},
		{"aggregator or not", output("beacon_committee_selection_combined", func(f *trace.Fields) { v := !*f.IsAggregator; f.IsAggregator = &v }), "field is_aggregator"},
		{"validity", output("start_aggregate_consensus", func(f *trace.Fields) { f.Validity[0].Committee = f.Validity[0].Committee[1:] }), "field validity"},
		{"missing output", func(r *trace.Record) bool {
			if r.Record == trace.KindAggStep && len(r.Outputs) > 1 {
				r.Outputs = r.Outputs[:len(r.Outputs)-1]
				return true
			}
			return false
		}, "extra output"},
		{"rejection", func(r *trace.Record) bool {
			if r.Record == trace.KindAggStep && r.Error != "" {
				r.Error = "malformed_event"
				return true
			}
			return false
		}, "rejection"},
		{"rejected in the trace", func(r *trace.Record) bool {
			if r.Record == trace.KindAggStep && r.Error == "" && len(r.Outputs) > 0 && r.Event.Name() == "received_aggregation_share" {
				r.Outputs, r.Error = nil, "rejected_share"
				return true
			}
			return false
		}, "the trace has it rejected"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Replay(tamper(t, path, tc.f), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Divergence == nil || !strings.Contains(rep.Divergence.What, tc.want) {
				t.Fatalf("divergence %+v, want %q", rep.Divergence, tc.want)
			}
		})
	}
}

// TestAggStepBeforeConfig: an aggregation step without its machine's
// aggregation_config record is a divergence, not a crash.
func TestAggStepBeforeConfig(t *testing.T) {
	path, _, _ := recordAgg(t, t.TempDir(), eth2spec.DataVersionElectra)
	rep, err := Replay(tamper(t, path, func(r *trace.Record) bool {
		if r.Record == trace.KindAggStep {
			r.Node = 9
			return true
		}
		return false
	}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Divergence == nil || !strings.Contains(rep.Divergence.What, "before the machine's aggregation_config") {
		t.Fatalf("divergence %+v", rep.Divergence)
	}
}
