package spectests

import (
	"slices"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/spec/bls"
)

// parsedKeysSpec is the Go spec with the aggregation predicates given their
// committee (subcommittee) as parsed keys (consensus.AggregateValidity.Parsed,
// consensus.ContributionValidity.Parsed), as the node does. With rotate the
// parsed list is the keys in another order, which the predicates must
// ignore. aggregates and contributions count the cases whose keys parsed.
type parsedKeysSpec struct {
	GoSpec
	rotate                   bool
	aggregates, contribution *int
}

// parse parses keys (rotated by one with p.rotate) and counts it in n; nil
// when they do not parse (the vector's committee holds an invalid key).
func (p parsedKeysSpec) parse(keys []phase0.BLSPubKey, n *int) *bls.PublicKeys {
	if p.rotate && len(keys) > 1 {
		keys = append(slices.Clone(keys[1:]), keys[0])
	}
	pk, err := bls.NewPublicKeys(keys)
	if err != nil {
		return nil
	}
	*n++
	return pk
}

func (p parsedKeysSpec) IsValidAggregate(preset string, chain Chain, duty, decidedData []byte, valueFork string, value []byte, committee []phase0.BLSPubKey) error {
	return isValidAggregate(preset, chain, duty, decidedData, valueFork, value, committee, p.parse(committee, p.aggregates))
}

func (p parsedKeysSpec) IsValidContribution(preset string, chain Chain, value []byte, slot, subcommitteeIndex uint64, beaconBlockRoot phase0.Root, subcommittee []phase0.BLSPubKey) error {
	return isValidContribution(preset, chain, value, consensus.ContributionValidity{
		Slot: phase0.Slot(slot), SubcommitteeIndex: subcommitteeIndex, BeaconBlockRoot: beaconBlockRoot,
		Subcommittee: subcommittee, Parsed: p.parse(subcommittee, p.contribution),
	})
}

// TestParsedSubcommitteeKeysPassValidityVectors: the aggregation
// predicates answer every consensus_validity vector the same with their
// keys parsed ahead, and with a parsed list of the keys in another order
// (ignored: it is not the committee).
func TestParsedSubcommitteeKeysPassValidityVectors(t *testing.T) {
	for _, rotate := range []bool{false, true} {
		var aggregates, contributions int
		name := "parsed"
		if rotate {
			name = "rotated"
		}
		t.Run(name, func(t *testing.T) {
			RunValidity(t, vectorsRoot, parsedKeysSpec{rotate: rotate, aggregates: &aggregates, contribution: &contributions})
		})
		if aggregates == 0 || contributions == 0 {
			t.Fatalf("%s: %d aggregate and %d contribution cases ran with parsed keys", name, aggregates, contributions)
		}
		t.Logf("%s: %d aggregate and %d contribution cases ran with parsed keys", name, aggregates, contributions)
	}
}
