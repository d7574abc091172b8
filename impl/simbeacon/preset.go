package simbeacon

import (
	"fmt"

	eth2spec "github.com/attestantio/go-eth2-client/spec"

	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// sharedConstants are the same in both presets: consensus-specs constants
// and configuration values the validator side of a client reads.
var sharedConstants = map[string]uint64{
	"GENESIS_SLOT": 0, "GENESIS_EPOCH": 0, "BASE_REWARDS_PER_EPOCH": 4, "DEPOSIT_CONTRACT_TREE_DEPTH": 32,
	"JUSTIFICATION_BITS_LENGTH": 4, "INTERVALS_PER_SLOT": 3,
	"TARGET_AGGREGATORS_PER_COMMITTEE": 16, "TARGET_AGGREGATORS_PER_SYNC_SUBCOMMITTEE": 16,
	"SYNC_COMMITTEE_SUBNET_COUNT": 4, "ATTESTATION_SUBNET_COUNT": 64, "ATTESTATION_SUBNET_EXTRA_BITS": 0,
	"ATTESTATION_SUBNET_PREFIX_BITS": 6, "SUBNETS_PER_NODE": 2, "EPOCHS_PER_SUBNET_SUBSCRIPTION": 256,
	"ATTESTATION_PROPAGATION_SLOT_RANGE": 32, "MAXIMUM_GOSSIP_CLOCK_DISPARITY": 500,
	"MAX_REQUEST_BLOCKS": 1024, "MAX_REQUEST_BLOCKS_DENEB": 128, "MAX_PAYLOAD_SIZE": 10485760,
	"MIN_VALIDATOR_WITHDRAWABILITY_DELAY": 256, "SECONDS_PER_ETH1_BLOCK": 14,
	"INACTIVITY_SCORE_BIAS": 4, "INACTIVITY_SCORE_RECOVERY_RATE": 16, "EJECTION_BALANCE": 16000000000,
	"PROPOSER_SCORE_BOOST": 40, "REORG_HEAD_WEIGHT_THRESHOLD": 20, "REORG_PARENT_WEIGHT_THRESHOLD": 160,
	"REORG_MAX_EPOCHS_SINCE_FINALIZATION": 2, "MAX_BLOBS_PER_BLOCK": 6, "BLOB_SIDECAR_SUBNET_COUNT": 6,
	"MAX_BLOBS_PER_BLOCK_ELECTRA": 9, "BLOB_SIDECAR_SUBNET_COUNT_ELECTRA": 9,
	"MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS": 4096, "NUMBER_OF_CUSTODY_GROUPS": 128,
	"DATA_COLUMN_SIDECAR_SUBNET_COUNT": 128, "SAMPLES_PER_SLOT": 8, "CUSTODY_REQUIREMENT": 4,
	"VALIDATOR_CUSTODY_REQUIREMENT": 8, "BALANCE_PER_ADDITIONAL_CUSTODY_GROUP": 32000000000,
	"MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS": 4096, "GENESIS_DELAY": 0,
	"MAX_REQUEST_BLOB_SIDECARS": 768, "MAX_REQUEST_BLOB_SIDECARS_ELECTRA": 1152,
	"MAX_REQUEST_DATA_COLUMN_SIDECARS": 16384, "PROPOSER_REORG_CUTOFF_BPS": 1667,
	"ATTESTATION_DUE_BPS": 3333, "AGGREGATE_DUE_BPS": 6667, "SYNC_MESSAGE_DUE_BPS": 3333,
	"CONTRIBUTION_DUE_BPS": 6667,
	"FAR_FUTURE_EPOCH":     ^uint64(0), "TERMINAL_BLOCK_HASH_ACTIVATION_EPOCH": ^uint64(0),
}

// hexConstants are the 0x-valued constants of /eth/v1/config/spec other
// than fork versions.
var hexConstants = map[string]string{
	"DOMAIN_BEACON_PROPOSER": "0x00000000", "DOMAIN_BEACON_ATTESTER": "0x01000000", "DOMAIN_RANDAO": "0x02000000",
	"DOMAIN_DEPOSIT": "0x03000000", "DOMAIN_VOLUNTARY_EXIT": "0x04000000", "DOMAIN_SELECTION_PROOF": "0x05000000",
	"DOMAIN_AGGREGATE_AND_PROOF": "0x06000000", "DOMAIN_SYNC_COMMITTEE": "0x07000000",
	"DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF": "0x08000000", "DOMAIN_CONTRIBUTION_AND_PROOF": "0x09000000",
	"DOMAIN_BLS_TO_EXECUTION_CHANGE": "0x0a000000", "DOMAIN_APPLICATION_MASK": "0x00000001",
	"DOMAIN_APPLICATION_BUILDER": "0x00000001",
	"BLS_WITHDRAWAL_PREFIX":      "0x00", "ETH1_ADDRESS_WITHDRAWAL_PREFIX": "0x01", "COMPOUNDING_WITHDRAWAL_PREFIX": "0x02",
	"TERMINAL_BLOCK_HASH":           "0x0000000000000000000000000000000000000000000000000000000000000000",
	"MESSAGE_DOMAIN_INVALID_SNAPPY": "0x00000000", "MESSAGE_DOMAIN_VALID_SNAPPY": "0x01000000",
}

// RequiredValues are the chain config values the simulation reads beyond
// those every spec.ChainConfig has: committee shuffling and blob sampling.
var RequiredValues = []string{"TARGET_COMMITTEE_SIZE", "SHUFFLE_ROUND_COUNT", "CELLS_PER_EXT_BLOB", "MAX_BLOBS_PER_BLOCK", "MAX_BLOBS_PER_BLOCK_ELECTRA", "CUSTODY_REQUIREMENT"}

// valueTable is the chain config's values over the shared constants: what
// /eth/v1/config/spec serves as numbers.
func valueTable(c spec.ChainConfig) (map[string]uint64, error) {
	out := make(map[string]uint64, len(c.Values)+len(sharedConstants))
	for k, v := range sharedConstants {
		out[k] = v
	}
	for k, v := range c.Values {
		out[k] = v
	}
	for _, k := range RequiredValues {
		if _, ok := out[k]; !ok {
			return nil, fmt.Errorf("simbeacon: chain config: %s missing", k)
		}
	}
	return out, nil
}

// BuiltinChain is the chain of a simulated beacon node chosen by flags: the
// built-in config named preset ("" is mainnet), with slotsPerEpoch in place
// of its SLOTS_PER_EPOCH when not 0, and its fork schedule (empty:
// simbeacon's default, the mainnet versions; the minimal versions for the
// minimal config). Errors name the flag (--preset, --slots-per-epoch).
func BuiltinChain(preset string, slotsPerEpoch uint64) (spec.ChainConfig, signing.ForkSchedule, error) {
	if preset == "" {
		preset = "mainnet"
	}
	cc, err := spec.BuiltinConfig(preset)
	if err != nil {
		return spec.ChainConfig{}, signing.ForkSchedule{}, fmt.Errorf("--preset: %w", err)
	}
	if slotsPerEpoch != 0 {
		if cc, err = cc.WithSlotsPerEpoch(slotsPerEpoch); err != nil {
			return spec.ChainConfig{}, signing.ForkSchedule{}, fmt.Errorf("--slots-per-epoch: %w", err)
		}
	}
	var forks signing.ForkSchedule
	if preset == "minimal" {
		if forks, err = signing.MinimalForkSchedule(eth2spec.DataVersionElectra); err != nil {
			return spec.ChainConfig{}, signing.ForkSchedule{}, err
		}
	}
	return cc, forks, nil
}
