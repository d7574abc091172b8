package replay

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/trace"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty/aggcases"
	"github.com/dvspec/go-dvspec/spec/dvc/dvccases"
)

// recordAgg writes the aggregation cases of fork (both architectures) as
// one trace, each case from its own aggregation_config record, the way
// the node writes them. It returns the path, the number of cases and of
// steps.
func recordAgg(t *testing.T, dir string, keep func(aggcases.Scenario) bool) (string, int, int) {
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
		if !keep(sc) {
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

func electraCases(sc aggcases.Scenario) bool { return sc.Fork == eth2spec.DataVersionElectra }

// TestReplayOfAggregation: a trace of the aggregation cases replays
// through aggduty.Step with no divergence, every step counted, the
// remote-signer steps answered with the recorded signatures.
func TestReplayOfAggregation(t *testing.T) {
	path, cases, steps := recordAgg(t, t.TempDir(), electraCases)
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

	// --keystore-dir: re-signed with the node's key share, the same
	// trace replays (the recorded signatures are the share's); with
	// another share's key, the node's own shares differ.
	fx := aggcases.NewEnv(&dvccases.Env{GenesisValidatorsRoot: phase0.Root{0x61}}).NewF(eth2spec.DataVersionElectra, dvc.ModeRemoteSigner)
	pub := fx.Config().PublicShares[aggcases.Node]
	for _, tc := range []struct {
		share   int
		diverge bool
	}{{aggcases.Node - 1, false}, {aggcases.Node, true}} {
		rep, err := Replay(path, Options{Signer: map[phase0.BLSPubKey]bls.SecretKey{pub: fx.Keys.Shares[tc.share].SecretKey}})
		if err != nil {
			t.Fatal(err)
		}
		if (rep.Divergence != nil) != tc.diverge {
			t.Fatalf("re-signed with share %d: divergence %+v", tc.share+1, rep.Divergence)
		}
	}
}

// TestReplayReportsAggregationDivergence: a tampered aggregation output
// or rejection is reported at its record.
func TestReplayReportsAggregationDivergence(t *testing.T) {
	path, _, _ := recordAgg(t, t.TempDir(), electraCases)
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
	path, _, _ := recordAgg(t, t.TempDir(), electraCases)
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

// TestDiffComparesAggregationDuties: two recordings of the same
// aggregation flows agree on every aggregation duty (served, decided,
// signed, submitted); a changed submission or decision is a difference.
func TestDiffComparesAggregationDuties(t *testing.T) {
	for _, mode := range []dvc.Mode{dvc.ModeRemoteSigner, dvc.ModeVCMiddleware} {
		// One run of each flow: the other cases decide other values at
		// the same slots, which a trace of one node would be wrong to do.
		flows := func(sc aggcases.Scenario) bool {
			return sc.Fork == eth2spec.DataVersionDeneb && sc.Mode == mode && (sc.Name == "aggregator_flow" || sc.Name == "contribution_flow")
		}
		t.Run(mode.String(), func(t *testing.T) {
			a, _, _ := recordAgg(t, t.TempDir(), flows)
			b, _, _ := recordAgg(t, t.TempDir(), flows)
			d, err := Diff(a, b, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Differences) != 0 || d.Same != d.Compared {
				t.Fatalf("differences between equal traces: %v", d.Differences)
			}
			full := map[string]int{}
			for k, s := range d.A {
				if s.Served && s.Decided != "" && s.Submitted != "" && len(s.Signed) >= 2 {
					full[k.Type]++
				}
			}
			if full["aggregator"] == 0 || full["sync_contribution"] == 0 {
				t.Fatalf("no aggregation duty served, decided, signed and submitted: %v (%d duties)", full, len(d.A))
			}
			// A byte of each signature, so that the message stays
			// readable: the aggregate and proof's follows its offset, the
			// contribution and proof's ends it.
			for _, tc := range []struct {
				out, want string
				at        func(n int) int
			}{
				{"submit_aggregate_and_proof", "submitted", func(int) int { return 10 }},
				{"submit_contribution_and_proof", "submitted", func(n int) int { return n - 1 }},
			} {
				tb := tamper(t, b, func(r *trace.Record) bool {
					for _, o := range r.Outputs {
						if f := o[tc.out]; f != nil {
							f.SignedSSZ[tc.at(len(f.SignedSSZ))] ^= 1
							return true
						}
					}
					return false
				})
				d, err := Diff(a, tb, 0, 0)
				if err != nil {
					t.Fatal(err)
				}
				if len(d.Differences) != 1 || !strings.Contains(d.Differences[0], tc.want) {
					t.Fatalf("%s tampered: differences %v", tc.out, d.Differences)
				}
			}
			tb := tamper(t, b, func(r *trace.Record) bool {
				if f := r.Event["aggregate_consensus_decided"]; f != nil {
					f.AttestationSSZ[len(f.AttestationSSZ)-1] ^= 1
					return true
				}
				return false
			})
			d, err = Diff(a, tb, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Differences) != 1 || !strings.Contains(d.Differences[0], "decided value") {
				t.Fatalf("decided aggregate tampered: differences %v", d.Differences)
			}
		})
	}
}
