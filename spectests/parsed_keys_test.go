package spectests

import (
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/spec/bls"
)

// parsedKeysSpec is the Go spec with the sync contribution predicate given
// its subcommittee as parsed keys (consensus.ContributionValidity.Parsed),
// as the node does; parsed counts the cases where the keys parsed.
type parsedKeysSpec struct {
	GoSpec
	parsed *int
}

func (p parsedKeysSpec) IsValidContribution(preset string, chain Chain, value []byte, slot, subcommitteeIndex uint64, beaconBlockRoot phase0.Root, subcommittee []phase0.BLSPubKey) error {
	keys, err := bls.NewPublicKeys(subcommittee)
	if err == nil {
		*p.parsed++
	}
	return isValidContribution(preset, chain, value, consensus.ContributionValidity{
		Slot: phase0.Slot(slot), SubcommitteeIndex: subcommitteeIndex, BeaconBlockRoot: beaconBlockRoot,
		Subcommittee: subcommittee, Parsed: keys,
	})
}

// TestParsedSubcommitteeKeysPassValidityVectors: the predicate answers every
// consensus_validity vector the same with its keys parsed ahead.
func TestParsedSubcommitteeKeysPassValidityVectors(t *testing.T) {
	var parsed int
	RunValidity(t, vectorsRoot, parsedKeysSpec{parsed: &parsed})
	if parsed == 0 {
		t.Fatal("no contribution case ran with parsed keys")
	}
	t.Logf("%d contribution cases ran with parsed keys", parsed)
}
