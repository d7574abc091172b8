package validitycases_test

import (
	"testing"

	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/consensus/validitycases"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/names"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// TestSyncs runs every sync contribution case on the unit tests' own
// fixtures (one participant, a placeholder signature: the predicate does
// not verify it) and checks the rule its author names.
func TestSyncs(t *testing.T) {
	for _, preset := range []string{"minimal", "mainnet"} {
		p, err := spec.BuiltinConfig(preset)
		if err != nil {
			t.Fatal(err)
		}
		minimal := preset == "minimal"
		duty := &spec.SyncCommitteeDuty{Pubkey: phase0.BLSPubKey{0xa9}, ValidatorIndex: 5, ValidatorSyncCommitteeIndices: validitycases.SyncPositions(p, minimal)}
		for _, fork := range forks {
			schedule, err := signing.MinimalForkSchedule(fork)
			if err != nil {
				t.Fatal(err)
			}
			chain, err := signing.NewChain(schedule, phase0.Root{7}, p)
			if err != nil {
				t.Fatal(err)
			}
			slot := validitycases.SyncSlot(chain.SlotsPerEpoch)
			cases := validitycases.Syncs(fork, p, minimal, chain.SlotsPerEpoch)
			if len(cases) == 0 {
				t.Fatalf("%s/%s: no cases", preset, fork)
			}
			for _, c := range cases {
				cs := slot
				if c.Slot != 0 {
					cs = c.Slot
				}
				root := phase0.Root{4}
				if c.ZeroRoot {
					root = phase0.Root{}
				}
				bits := make([]byte, p.SyncCommitteeSize/p.SyncCommitteeSubnetCount/8)
				bits[0] = 0x01
				contribution := &altair.SyncCommitteeContribution{Slot: cs, BeaconBlockRoot: root, SubcommitteeIndex: c.Sub, AggregationBits: bits, Signature: phase0.BLSSignature{0xc0}}
				err := consensus.IsValidSyncCommitteeContribution(chain, contribution, duty, slot)
				got := append(names.ErrorNames(err), "")
				if got[0] != c.Want || (err != nil && got[0] == "") {
					t.Errorf("%s/%s/%s: got %v, the case states %q", preset, fork, c.Name, err, c.Want)
				}
			}
		}
	}
}
