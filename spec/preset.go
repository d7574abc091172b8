package spec

import "fmt"

// Preset holds the consensus-specs preset constants the DV protocol reads.
// Only the values that change behaviour here are listed; the rest of the
// beacon preset belongs to the beacon node.
type Preset struct {
	// Name is "mainnet" or "minimal", as in consensus-spec-tests.
	Name string
	// SlotsPerEpoch is SLOTS_PER_EPOCH.
	SlotsPerEpoch uint64
	// SyncCommitteeSize is SYNC_COMMITTEE_SIZE.
	SyncCommitteeSize uint64
	// EpochsPerSyncCommitteePeriod is EPOCHS_PER_SYNC_COMMITTEE_PERIOD.
	EpochsPerSyncCommitteePeriod uint64
	// TargetAggregatorsPerCommittee is TARGET_AGGREGATORS_PER_COMMITTEE.
	TargetAggregatorsPerCommittee uint64
	// TargetAggregatorsPerSyncSubcommittee is TARGET_AGGREGATORS_PER_SYNC_SUBCOMMITTEE.
	TargetAggregatorsPerSyncSubcommittee uint64
	// SyncCommitteeSubnetCount is SYNC_COMMITTEE_SUBNET_COUNT.
	SyncCommitteeSubnetCount uint64
	// MaxCommitteesPerSlot is MAX_COMMITTEES_PER_SLOT.
	MaxCommitteesPerSlot uint64
	// MaxValidatorsPerCommittee is MAX_VALIDATORS_PER_COMMITTEE.
	MaxValidatorsPerCommittee uint64
}

// MainnetPreset returns the consensus-specs mainnet preset values.
func MainnetPreset() Preset {
	return Preset{
		Name:                                 "mainnet",
		SlotsPerEpoch:                        32,
		SyncCommitteeSize:                    512,
		EpochsPerSyncCommitteePeriod:         256,
		TargetAggregatorsPerCommittee:        16,
		TargetAggregatorsPerSyncSubcommittee: 16,
		SyncCommitteeSubnetCount:             4,
		MaxCommitteesPerSlot:                 64,
		MaxValidatorsPerCommittee:            2048,
	}
}

// MinimalPreset returns the consensus-specs minimal preset values.
func MinimalPreset() Preset {
	return Preset{
		Name:                                 "minimal",
		SlotsPerEpoch:                        8,
		SyncCommitteeSize:                    32,
		EpochsPerSyncCommitteePeriod:         8,
		TargetAggregatorsPerCommittee:        16,
		TargetAggregatorsPerSyncSubcommittee: 16,
		SyncCommitteeSubnetCount:             4,
		MaxCommitteesPerSlot:                 4,
		MaxValidatorsPerCommittee:            2048,
	}
}

// PresetByName returns the named preset.
func PresetByName(name string) (Preset, error) {
	switch name {
	case "mainnet":
		return MainnetPreset(), nil
	case "minimal":
		return MinimalPreset(), nil
	}
	return Preset{}, fmt.Errorf("unknown preset %q (want mainnet or minimal)", name)
}

// EpochAtSlot is consensus-specs compute_epoch_at_slot.
func (p Preset) EpochAtSlot(slot Slot) Epoch {
	return Epoch(uint64(slot) / p.SlotsPerEpoch)
}

// StartSlotAtEpoch is consensus-specs compute_start_slot_at_epoch. It
// saturates at the largest slot instead of wrapping, so a far-future epoch
// never maps to an early slot.
func (p Preset) StartSlotAtEpoch(epoch Epoch) Slot {
	if uint64(epoch) > ^uint64(0)/p.SlotsPerEpoch {
		return Slot(^uint64(0))
	}
	return Slot(uint64(epoch) * p.SlotsPerEpoch)
}

// SyncCommitteePeriodAtEpoch is consensus-specs
// compute_sync_committee_period.
func (p Preset) SyncCommitteePeriodAtEpoch(epoch Epoch) uint64 {
	return uint64(epoch) / p.EpochsPerSyncCommitteePeriod
}
