package spec

import (
	"fmt"
	"sort"
)

// ChainConfig is the configuration of a chain as consensus-specs splits it:
// preset values (SLOTS_PER_EPOCH, SYNC_COMMITTEE_SIZE, the list and
// bitvector sizes of the beacon containers) and config values (the
// aggregator targets, SYNC_COMMITTEE_SUBNET_COUNT, ...), as a beacon node
// reports them at /eth/v1/config/spec. The third part of a chain's
// configuration, the fork schedule, is spec/signing.ForkSchedule; both meet
// in spec/signing.Chain.
//
// Nothing in the spec branches on a preset's name: a chain is its values.
// Build one with NewChainConfig (or take a built-in, MainnetConfig and
// MinimalConfig); the typed fields are the values the DV protocol reads,
// Values holds every value by its consensus-specs name, the container
// sizes dynamic-ssz needs among them.
type ChainConfig struct {
	// PresetBase is PRESET_BASE as the beacon node reported it ("mainnet",
	// "minimal", "interop", ...). It is informational (logs, traces).
	PresetBase string
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
	// Values holds every numeric value of the configuration by its
	// consensus-specs name. Treat it as read-only: it is shared by copies.
	Values map[string]uint64
}

// RequiredChainValues are the values NewChainConfig refuses to do without:
// those the DV protocol reads and the sizes of every container a
// co-validator hashes, encodes or decodes (blocks and their bodies,
// aggregates, sync aggregates and contributions). The sizes of containers
// a co-validator never handles (the beacon state's vectors) are optional;
// dynamic-ssz keeps go-eth2-client's mainnet sizes for those it is not
// given.
var RequiredChainValues = append([]string{
	"SLOTS_PER_EPOCH", "EPOCHS_PER_SYNC_COMMITTEE_PERIOD",
	"TARGET_AGGREGATORS_PER_COMMITTEE", "TARGET_AGGREGATORS_PER_SYNC_SUBCOMMITTEE",
	"SYNC_COMMITTEE_SUBNET_COUNT",
}, ContainerSizeValues...)

// ContainerSizeValues are the values that size the containers a
// co-validator handles: the bitvectors of sync aggregates, contributions
// and Electra aggregates, and the block body lists.
var ContainerSizeValues = []string{
	"SYNC_COMMITTEE_SIZE", "MAX_COMMITTEES_PER_SLOT", "MAX_VALIDATORS_PER_COMMITTEE",
	// block body lists (phase0 .. electra)
	"MAX_PROPOSER_SLASHINGS", "MAX_ATTESTER_SLASHINGS", "MAX_ATTESTATIONS", "MAX_DEPOSITS",
	"MAX_VOLUNTARY_EXITS", "MAX_BYTES_PER_TRANSACTION", "MAX_TRANSACTIONS_PER_PAYLOAD",
	"MAX_EXTRA_DATA_BYTES", "MAX_WITHDRAWALS_PER_PAYLOAD", "MAX_BLS_TO_EXECUTION_CHANGES",
	"MAX_BLOB_COMMITMENTS_PER_BLOCK", "MAX_ATTESTER_SLASHINGS_ELECTRA", "MAX_ATTESTATIONS_ELECTRA",
	"MAX_DEPOSIT_REQUESTS_PER_PAYLOAD", "MAX_WITHDRAWAL_REQUESTS_PER_PAYLOAD",
	"MAX_CONSOLIDATION_REQUESTS_PER_PAYLOAD",
}

// MaxSlotsPerEpoch bounds SLOTS_PER_EPOCH: far above any real chain, low
// enough that epoch arithmetic and per-epoch duty tables stay small.
const MaxSlotsPerEpoch = 1 << 16

// goEth2ClientSyncSubnets is the SYNC_COMMITTEE_SUBNET_COUNT that
// go-eth2-client's SyncCommitteeContribution hard-codes in its size
// expression (SYNC_COMMITTEE_SIZE/4/8); consensus-specs has it as a
// constant too.
const goEth2ClientSyncSubnets = 4

// NewChainConfig is this spec's reading of a chain configuration: it takes
// the numeric values of /eth/v1/config/spec (preset and config values by
// their consensus-specs names) and returns the chain config, or an error
// naming the first value that is missing or unusable. Values beyond the
// required ones are kept (they size other containers); presetBase is kept
// for display only.
func NewChainConfig(presetBase string, values map[string]uint64) (ChainConfig, error) {
	for _, name := range RequiredChainValues {
		if _, ok := values[name]; !ok {
			return ChainConfig{}, fmt.Errorf("chain config: %s missing", name)
		}
	}
	v := make(map[string]uint64, len(values))
	for k, x := range values {
		v[k] = x
	}
	c := ChainConfig{
		PresetBase:                           presetBase,
		SlotsPerEpoch:                        v["SLOTS_PER_EPOCH"],
		SyncCommitteeSize:                    v["SYNC_COMMITTEE_SIZE"],
		EpochsPerSyncCommitteePeriod:         v["EPOCHS_PER_SYNC_COMMITTEE_PERIOD"],
		TargetAggregatorsPerCommittee:        v["TARGET_AGGREGATORS_PER_COMMITTEE"],
		TargetAggregatorsPerSyncSubcommittee: v["TARGET_AGGREGATORS_PER_SYNC_SUBCOMMITTEE"],
		SyncCommitteeSubnetCount:             v["SYNC_COMMITTEE_SUBNET_COUNT"],
		MaxCommitteesPerSlot:                 v["MAX_COMMITTEES_PER_SLOT"],
		MaxValidatorsPerCommittee:            v["MAX_VALIDATORS_PER_COMMITTEE"],
		Values:                               v,
	}
	if err := c.check(); err != nil {
		return ChainConfig{}, fmt.Errorf("chain config: %w", err)
	}
	return c, nil
}

func (c ChainConfig) check() error {
	switch {
	case c.SlotsPerEpoch == 0 || c.SlotsPerEpoch > MaxSlotsPerEpoch:
		return fmt.Errorf("SLOTS_PER_EPOCH %d, want 1..%d", c.SlotsPerEpoch, MaxSlotsPerEpoch)
	case c.EpochsPerSyncCommitteePeriod == 0:
		return fmt.Errorf("EPOCHS_PER_SYNC_COMMITTEE_PERIOD is zero")
	case c.TargetAggregatorsPerCommittee == 0:
		return fmt.Errorf("TARGET_AGGREGATORS_PER_COMMITTEE is zero")
	case c.TargetAggregatorsPerSyncSubcommittee == 0:
		return fmt.Errorf("TARGET_AGGREGATORS_PER_SYNC_SUBCOMMITTEE is zero")
	case c.SyncCommitteeSubnetCount != goEth2ClientSyncSubnets:
		// The Ethereum types this spec uses cannot represent another count.
		return fmt.Errorf("SYNC_COMMITTEE_SUBNET_COUNT %d, want %d", c.SyncCommitteeSubnetCount, goEth2ClientSyncSubnets)
	case c.SyncCommitteeSize == 0 || c.SyncCommitteeSize%(8*c.SyncCommitteeSubnetCount) != 0:
		// Each subcommittee's bits must fill whole bytes: the contribution
		// bitvector is SYNC_COMMITTEE_SIZE/SUBNETS/8 bytes.
		return fmt.Errorf("SYNC_COMMITTEE_SIZE %d, want a positive multiple of %d", c.SyncCommitteeSize, 8*c.SyncCommitteeSubnetCount)
	case c.MaxCommitteesPerSlot == 0 || c.MaxCommitteesPerSlot > 64:
		// Electra's committee bits are a Bitvector64 in go-eth2-client.
		return fmt.Errorf("MAX_COMMITTEES_PER_SLOT %d, want 1..64", c.MaxCommitteesPerSlot)
	case c.MaxValidatorsPerCommittee == 0:
		return fmt.Errorf("MAX_VALIDATORS_PER_COMMITTEE is zero")
	}
	return nil
}

// MainnetConfig returns the built-in consensus-specs mainnet configuration.
func MainnetConfig() ChainConfig { return mustBuiltin("mainnet") }

// MinimalConfig returns the built-in consensus-specs minimal configuration.
func MinimalConfig() ChainConfig { return mustBuiltin("minimal") }

func mustBuiltin(name string) ChainConfig {
	c, err := NewChainConfig(name, builtinValues[name])
	if err != nil {
		panic("spec: built-in " + name + " config: " + err.Error()) // the tables are constants
	}
	return c
}

// BuiltinConfig returns the built-in configuration of the named
// consensus-specs preset, for offline use: "mainnet" or "minimal".
func BuiltinConfig(name string) (ChainConfig, error) {
	if _, ok := builtinValues[name]; !ok {
		return ChainConfig{}, fmt.Errorf("no built-in chain config %q (want mainnet or minimal)", name)
	}
	return mustBuiltin(name), nil
}

// BuiltinConfigNames lists the built-in configurations.
func BuiltinConfigNames() []string {
	out := make([]string, 0, len(builtinValues))
	for k := range builtinValues {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// WithSlotsPerEpoch returns a copy of c with SLOTS_PER_EPOCH replaced: the
// custom configuration of devnets (kurtosis-style chains run mainnet sizes
// with 8-slot epochs).
func (c ChainConfig) WithSlotsPerEpoch(n uint64) (ChainConfig, error) {
	v := make(map[string]uint64, len(c.Values))
	for k, x := range c.Values {
		v[k] = x
	}
	v["SLOTS_PER_EPOCH"] = n
	return NewChainConfig(c.PresetBase, v)
}

// SSZSpec returns the values in the form dynamic-ssz takes to size
// go-eth2-client's containers (their dynssz tags name these values).
func (c ChainConfig) SSZSpec() map[string]any {
	out := make(map[string]any, len(c.Values))
	for k, v := range c.Values {
		out[k] = v
	}
	return out
}

// HasMainnetSizes reports whether every container a co-validator handles
// has the mainnet preset's shape in c (so go-eth2-client's generated,
// mainnet-sized code encodes it). A chain with another PRESET_BASE may
// have them (Prysm's "interop"); a chain called mainnet that does not is
// treated by its values.
func (c ChainConfig) HasMainnetSizes() bool {
	m := builtinValues["mainnet"]
	for _, k := range ContainerSizeValues {
		if v, ok := c.Values[k]; !ok || v != m[k] {
			return false
		}
	}
	return true
}

// SyncSubcommitteeSize is SYNC_COMMITTEE_SIZE // SYNC_COMMITTEE_SUBNET_COUNT,
// the number of aggregation bits of a sync committee contribution.
func (c ChainConfig) SyncSubcommitteeSize() uint64 {
	if c.SyncCommitteeSubnetCount == 0 {
		return 0
	}
	return c.SyncCommitteeSize / c.SyncCommitteeSubnetCount
}

// EpochAtSlot is consensus-specs compute_epoch_at_slot.
func (c ChainConfig) EpochAtSlot(slot Slot) Epoch {
	return Epoch(uint64(slot) / c.SlotsPerEpoch)
}

// StartSlotAtEpoch is consensus-specs compute_start_slot_at_epoch. It
// saturates at the largest slot instead of wrapping, so a far-future epoch
// never maps to an early slot.
func (c ChainConfig) StartSlotAtEpoch(epoch Epoch) Slot {
	if uint64(epoch) > ^uint64(0)/c.SlotsPerEpoch {
		return Slot(^uint64(0))
	}
	return Slot(uint64(epoch) * c.SlotsPerEpoch)
}

// SyncCommitteePeriodAtEpoch is consensus-specs
// compute_sync_committee_period.
func (c ChainConfig) SyncCommitteePeriodAtEpoch(epoch Epoch) uint64 {
	return uint64(epoch) / c.EpochsPerSyncCommitteePeriod
}
