package spectests

import (
	"fmt"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// ValidityImplementation runs the consensus_validity vectors (SPEC.md
// section 6): the predicates a co-validator applies to a value proposed in
// consensus. Every container argument is an SSZ encoding: the SPEC.md
// SlashingDB and duty containers, and the consensus-specs value of the
// given fork (preset-sized where the preset matters).
type ValidityImplementation interface {
	ErrorNamer
	// IsValidAttestationData is consensus_is_valid_attestation_data.
	IsValidAttestationData(preset string, chain Chain, slashingDB, duty, data []byte) error
	// IsValidBlock is consensus_is_valid_block; randaoReveal is the reveal
	// the cluster combined before consensus; feeRecipient is the
	// validator's configured fee recipient, nil when none is configured
	// (SPEC.md deviation 15).
	IsValidBlock(preset string, chain Chain, slashingDB, duty []byte, blockFork string, block []byte, randaoReveal phase0.BLSSignature, feeRecipient *bellatrix.ExecutionAddress) error
	// IsValidSyncCommitteeContribution is
	// consensus_is_valid_sync_committee_contribution for the duty at slot.
	IsValidSyncCommitteeContribution(preset string, chain Chain, duty, contribution []byte, slot uint64) error
}

// AggregationValidityImplementation runs the consensus_validity handlers
// aggregate and sync_contribution (SPEC.md section 12). It is separate from
// ValidityImplementation so that an implementation without aggregation
// keeps running the other handlers; these cases fail for it, naming this
// interface.
type AggregationValidityImplementation interface {
	// IsValidAggregate is the aggregator instance's predicate: value is the
	// aggregate (an Attestation of valueFork), decidedData the SSZ
	// AttestationData the validator decided, duty its AttestationDuty, and
	// committee the committee's public keys in order.
	IsValidAggregate(preset string, chain Chain, duty, decidedData []byte, valueFork string, value []byte, committee []phase0.BLSPubKey) error
	// IsValidContribution is the sync contribution predicate for one
	// subcommittee: value is a SyncCommitteeContribution of the preset.
	IsValidContribution(preset string, chain Chain, value []byte, slot, subcommitteeIndex uint64, beaconBlockRoot phase0.Root, subcommittee []phase0.BLSPubKey) error
}

func init() {
	register(Runner{
		Name:       "consensus_validity",
		Interface:  "spectests.ValidityImplementation",
		Implements: func(impl any) bool { _, ok := impl.(ValidityImplementation); return ok },
		Check:      func(c Case, impl any) error { return CheckValidityCase(c, impl.(ValidityImplementation)) },
	})
}

// RunValidity runs every consensus_validity case under root as a subtest.
func RunValidity(t *testing.T, root string, impl ValidityImplementation) {
	t.Helper()
	Run(t, root, "consensus_validity", impl)
}

type validityInputs struct {
	ValueSSZType string  `yaml:"value_ssz_type"`
	ValueFork    string  `yaml:"value_fork"`
	RandaoReveal Hex     `yaml:"randao_reveal"`
	FeeRecipient Hex     `yaml:"fee_recipient"`
	Slot         *uint64 `yaml:"slot"`
	// Aggregation handlers (SPEC.md section 12).
	Committee         []Hex   `yaml:"committee"`
	SubcommitteeIndex *uint64 `yaml:"subcommittee_index"`
	BeaconBlockRoot   Hex     `yaml:"beacon_block_root"`
}

type validityOutput struct {
	Valid          bool   `yaml:"valid"`
	Reason         string `yaml:"reason"`
	SlashingReason string `yaml:"slashing_reason"`
}

// CheckValidityCase checks one consensus_validity case: the predicate must
// accept the value when output.yaml says valid, and otherwise refuse it by
// the named reason (and, for "slashable", the named slashing rule).
func CheckValidityCase(c Case, impl ValidityImplementation) error {
	var in validityInputs
	if err := c.ReadYAML("inputs.yaml", &in); err != nil {
		return err
	}
	var out validityOutput
	if err := c.ReadYAML("output.yaml", &out); err != nil {
		return err
	}
	if out.Valid == (out.Reason != "") {
		return caseError("output.yaml", "valid must be true exactly when no reason is given")
	}
	chain, err := c.ReadChain()
	if err != nil {
		return err
	}
	duty, err := c.ReadSSZ("duty")
	if err != nil {
		return err
	}
	value, err := c.ReadSSZ("value")
	if err != nil {
		return err
	}
	var db []byte
	if c.Handler == "aggregate" || c.Handler == "sync_contribution" {
		err = checkAggregationValidity(c, chain, impl, in, duty, value)
	} else if c.Handler != "sync_committee_contribution" {
		if db, err = c.ReadSSZ("slashing_db"); err != nil {
			return err
		}
	}
	switch c.Handler {
	case "aggregate", "sync_contribution":
	case "attestation_data":
		err = impl.IsValidAttestationData(c.Preset, chain, db, duty, value)
	case "block":
		reveal, rerr := in.RandaoReveal.Signature()
		if rerr != nil {
			return caseError("inputs.yaml", "randao_reveal: %v", rerr)
		}
		var fee *bellatrix.ExecutionAddress
		if in.FeeRecipient != nil {
			if len(in.FeeRecipient) != len(bellatrix.ExecutionAddress{}) {
				return caseError("inputs.yaml", "fee_recipient: %d bytes, want 20", len(in.FeeRecipient))
			}
			fee = new(bellatrix.ExecutionAddress)
			copy(fee[:], in.FeeRecipient)
		}
		err = impl.IsValidBlock(c.Preset, chain, db, duty, in.ValueFork, value, reveal, fee)
	case "sync_committee_contribution":
		if in.Slot == nil {
			return caseError("inputs.yaml", "no slot")
		}
		err = impl.IsValidSyncCommitteeContribution(c.Preset, chain, duty, value, *in.Slot)
	default:
		return fmt.Errorf("unknown consensus_validity handler %q", c.Handler)
	}
	if out.Valid {
		if err != nil {
			return fmt.Errorf("want valid, got %w", err)
		}
		return nil
	}
	if err := expectResult(impl, err, out.Reason); err != nil {
		return err
	}
	if out.SlashingReason != "" {
		names := impl.ErrorNames(err)
		if len(names) < 2 || names[1] != out.SlashingReason {
			return fmt.Errorf("want slashing reason %s, got %v (%v)", out.SlashingReason, names, err)
		}
	}
	return nil
}

func checkAggregationValidity(c Case, chain Chain, impl ValidityImplementation, in validityInputs, duty, value []byte) error {
	agg, ok := impl.(AggregationValidityImplementation)
	if !ok {
		return fmt.Errorf("the implementation is not a spectests.AggregationValidityImplementation")
	}
	keys := make([]phase0.BLSPubKey, len(in.Committee))
	for i, h := range in.Committee {
		pk, err := h.PublicKey()
		if err != nil {
			return caseError("inputs.yaml", "committee[%d]: %v", i, err)
		}
		keys[i] = pk
	}
	if c.Handler == "aggregate" {
		data, err := c.ReadSSZ("decided_data")
		if err != nil {
			return err
		}
		return agg.IsValidAggregate(c.Preset, chain, duty, data, in.ValueFork, value, keys)
	}
	if in.Slot == nil || in.SubcommitteeIndex == nil || len(in.BeaconBlockRoot) != 32 {
		return caseError("inputs.yaml", "slot, subcommittee_index and a 32-byte beacon_block_root are required")
	}
	return agg.IsValidContribution(c.Preset, chain, value, *in.Slot, *in.SubcommitteeIndex, phase0.Root(in.BeaconBlockRoot), keys)
}
