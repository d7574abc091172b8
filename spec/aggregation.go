package spec

import (
	"crypto/sha256"
	"encoding/binary"
)

// IsAggregator is consensus-specs (phase0 validator.md) is_aggregator: an
// attester aggregates for its committee when the hash of its slot selection
// proof falls in the 1/modulo bucket,
// modulo = max(1, committee_length / TARGET_AGGREGATORS_PER_COMMITTEE).
func (p ChainConfig) IsAggregator(committeeLength uint64, slotSignature BLSSignature) bool {
	modulo := max(uint64(1), committeeLength/p.TargetAggregatorsPerCommittee)
	h := sha256.Sum256(slotSignature[:])
	return binary.LittleEndian.Uint64(h[:8])%modulo == 0
}

// IsSyncCommitteeAggregator is consensus-specs (altair validator.md)
// is_sync_committee_aggregator, with
// modulo = max(1, SYNC_COMMITTEE_SIZE / SYNC_COMMITTEE_SUBNET_COUNT /
// TARGET_AGGREGATORS_PER_SYNC_SUBCOMMITTEE).
func (p ChainConfig) IsSyncCommitteeAggregator(selectionProof BLSSignature) bool {
	modulo := max(uint64(1), p.SyncCommitteeSize/p.SyncCommitteeSubnetCount/p.TargetAggregatorsPerSyncSubcommittee)
	h := sha256.Sum256(selectionProof[:])
	return binary.LittleEndian.Uint64(h[:8])%modulo == 0
}

// SyncSubcommitteeIndex returns the subcommittee (and so the subnet) of a
// position in the sync committee: index / (SYNC_COMMITTEE_SIZE /
// SYNC_COMMITTEE_SUBNET_COUNT), as in altair validator.md
// compute_subnets_for_sync_committee.
func (p ChainConfig) SyncSubcommitteeIndex(validatorSyncCommitteeIndex uint64) uint64 {
	return validatorSyncCommitteeIndex / (p.SyncCommitteeSize / p.SyncCommitteeSubnetCount)
}
