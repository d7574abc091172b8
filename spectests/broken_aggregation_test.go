package spectests

import (
	"slices"
	"testing"
)

// Broken implementations of the dvc_aggregation runner, each with one bug
// a real client could have.

// brokenAggregation wraps the Go spec and changes its outputs with bug.
type brokenAggregation struct {
	GoSpec
	bug func([]AggregationOutput) []AggregationOutput
}

type brokenAggregationDVC struct {
	AggregationDVC
	bug func([]AggregationOutput) []AggregationOutput
}

func (b brokenAggregation) NewAggregationDVC(cfg DVCConfig) (AggregationDVC, error) {
	d, err := b.GoSpec.NewAggregationDVC(cfg)
	return brokenAggregationDVC{d, b.bug}, err
}

func (b brokenAggregationDVC) Step(ev AggregationEvent) ([]AggregationOutput, error) {
	out, err := b.AggregationDVC.Step(ev)
	return b.bug(out), err
}

// alwaysAggregator reports every combined selection proof as an
// aggregator's (is_aggregator not evaluated).
func alwaysAggregator(out []AggregationOutput) []AggregationOutput {
	for i := range out {
		if out[i].Name == "beacon_committee_selection_combined" || out[i].Name == "sync_committee_selection_combined" {
			out[i].IsAggregator = true
		}
	}
	return out
}

// servedOnly combines a selection proof only once its duty is served (the
// node before the Prysm finding): the early answers are missing.
func servedOnly(out []AggregationOutput) []AggregationOutput {
	var kept []AggregationOutput
	for _, o := range out {
		if (o.Name == "beacon_committee_selection_combined" || o.Name == "sync_committee_selection_combined") && !o.Served {
			continue
		}
		kept = append(kept, o)
	}
	return kept
}

// othersOnly multicasts shares to the peers but not to this node, whose own
// share then never counts.
func othersOnly(out []AggregationOutput) []AggregationOutput {
	for i := range out {
		if out[i].Name == "broadcast" {
			out[i].To = slices.DeleteFunc(slices.Clone(out[i].To), func(p uint64) bool { return p == 1 })
		}
	}
	return out
}

func TestBrokenAggregationImplementationsAreCaught(t *testing.T) {
	for _, b := range []struct {
		name     string
		bug      func([]AggregationOutput) []AggregationOutput
		mustFail []string
	}{
		{"is_aggregator not evaluated", alwaysAggregator, []string{
			"mainnet/electra/dvc_aggregation/aggregator/remote_signer/not_aggregator",
			"mainnet/phase0/dvc_aggregation/aggregator/vc_middleware/not_aggregator",
			"mainnet/deneb/dvc_aggregation/sync_contribution/remote_signer/not_aggregator",
			"mainnet/deneb/dvc_aggregation/sync_contribution/vc_middleware/contribution_flow",
		}},
		{"selections combined only once served", servedOnly, []string{
			"mainnet/phase0/dvc_aggregation/aggregator/vc_middleware/selection_ahead_of_duty",
			"mainnet/electra/dvc_aggregation/aggregator/vc_middleware/selection_ahead_expiry",
			"mainnet/deneb/dvc_aggregation/sync_contribution/vc_middleware/selections_before_duty",
		}},
		{"shares not multicast to self", othersOnly, []string{
			"mainnet/phase0/dvc_aggregation/aggregator/remote_signer/aggregator_flow",
			"mainnet/fulu/dvc_aggregation/aggregator/vc_middleware/aggregator_flow",
			"mainnet/altair/dvc_aggregation/sync_contribution/remote_signer/contribution_flow",
		}},
	} {
		t.Run(b.name, func(t *testing.T) {
			results, err := Check(vectorsRoot, "dvc_aggregation", brokenAggregation{bug: b.bug})
			if err != nil {
				t.Fatal(err)
			}
			var failed []string
			for _, r := range results {
				if r.Err != nil {
					failed = append(failed, r.Case.Path())
				}
			}
			for _, want := range b.mustFail {
				if !slices.Contains(failed, want) {
					t.Errorf("the vectors do not catch the bug in %s", want)
				}
			}
			if len(failed) == len(results) {
				t.Errorf("every case fails: the broken implementation is broken everywhere, not in one rule")
			}
			t.Logf("%d of %d cases catch the bug", len(failed), len(results))
		})
	}
}
