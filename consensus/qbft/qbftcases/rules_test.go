package qbftcases

import (
	"strings"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
)

// The unit tests' instances: consensus/qbft's test instance, and one of
// another cluster and validator, whose leaders differ, so a case that
// named a node by index where it meant a role would fail on one of them.
var testIDs = []consensus.InstanceID{
	{Cluster: phase0.Root{0xc1}, Validator: phase0.BLSPubKey{0xaa, 0x01}, DutyType: uint64(consensus.DutyAttester), Slot: 100},
	{Cluster: phase0.Root{0x5e}, Validator: phase0.BLSPubKey{0xbb, 0x02}, DutyType: uint64(consensus.DutyProposer), Slot: 7},
}

func TestRules(t *testing.T) {
	for _, id := range testIDs {
		for _, r := range Rules() {
			t.Run(r.Name, func(t *testing.T) {
				if err := Run(r, NewCluster(r.N, id)); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// TestRulesWellFormed holds the case list to what vectorgen needs: unique
// names, a known group, exactly one statement.
func TestRulesWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Rules() {
		group, _, ok := strings.Cut(r.Name, "/")
		if !ok || References[group] == nil {
			t.Errorf("%s: no group with references", r.Name)
		}
		if seen[r.Name] {
			t.Errorf("%s: duplicate name", r.Name)
		}
		seen[r.Name] = true
		if r.Err != nil && r.Want != "" {
			t.Errorf("%s: states both outputs and an error", r.Name)
		}
	}
}

// TestClusterScenarios: every live node of every cluster scenario decides
// the deciding round's leader's value in that round.
func TestClusterScenarios(t *testing.T) {
	for _, id := range testIDs {
		for _, sc := range ClusterScenarios() {
			c := NewCluster(sc.N, id)
			decided, err := RunCluster(sc, c, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := sc.CheckDecisions(c, decided); err != nil {
				t.Error(err)
			}
		}
	}
}
