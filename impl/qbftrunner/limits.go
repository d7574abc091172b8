package qbftrunner

import (
	"errors"
	"fmt"

	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/consensus/qbft"
	"github.com/dvspec/go-dvspec/spec"
)

// Limits bound what a byzantine co-validator can make a node keep. Without
// them one peer holding a valid node key could send validly signed
// proposals with 10 MiB values for instances far in the future, which the
// early-message buffer would keep until their slot came (issue 17: 100 of
// them took a node to 1.5 GB).
type Limits struct {
	// Behind and Ahead are the slot window, around the node's clock, of
	// the instances whose messages are kept before the instance starts
	// here. Ahead covers peers whose clock or beacon node is a little
	// ahead; Behind covers duties that start late here (queued behind an
	// undecided one) while the others already run them.
	Behind, Ahead phase0.Slot
	// PerSenderMessages and PerSenderBytes are one sender's budget in the
	// early-message buffer (bytes counted as SSZ size). A sender over
	// budget loses its newest messages, never another sender's.
	PerSenderMessages int
	PerSenderBytes    int
	// MaxValue is the largest value a message may carry, per duty type. A
	// duty type without an entry is refused.
	MaxValue map[consensus.DutyType]int
}

// DefaultLimits are the limits for a chain with the given config: a window of one epoch and two slots behind (an attestation can
// be included for an epoch after its slot, so its duty may start that
// late) and two slots ahead; 16,384 messages and 24 MiB per sender (two
// largest proposals, and the early PREPAREs and COMMITs of a few thousand
// validators' attestations, a few hundred bytes each); and
// each duty type's largest encoded value (consensus/value.go).
func DefaultLimits(cfg spec.ChainConfig) Limits {
	return Limits{
		Behind:            phase0.Slot(cfg.SlotsPerEpoch) + 2,
		Ahead:             2,
		PerSenderMessages: 16384,
		PerSenderBytes:    24 << 20,
		MaxValue:          DefaultMaxValue(cfg),
	}
}

// DefaultMaxValue is the largest encoding of each duty type's consensus
// value on a chain with config cfg (consensus/value.go): SSZ
// AttestationData (128 bytes); SyncCommitteeContribution, whose
// aggregation bits are SYNC_COMMITTEE_SIZE / SYNC_COMMITTEE_SUBNET_COUNT
// bits (160 bytes on mainnet); a block value is at most the 10 MiB gossip
// limit.
func DefaultMaxValue(cfg spec.ChainConfig) map[consensus.DutyType]int {
	syncBits := 16 // mainnet: 512 / 4 bits
	if cfg.SyncCommitteeSubnetCount > 0 {
		syncBits = int((cfg.SyncCommitteeSize/cfg.SyncCommitteeSubnetCount + 7) / 8)
	}
	// An aggregate (consensus/aggregation_value.go): Electra's Attestation
	// is the larger shape, an offset, data, signature, committee bits and
	// a bitlist of up to MAX_VALIDATORS_PER_COMMITTEE *
	// MAX_COMMITTEES_PER_SLOT bits; contributions: up to
	// SYNC_COMMITTEE_SUBNET_COUNT fixed-size ones. Committee bits count at
	// least 8 bytes, go-eth2-client's Bitvector64, whatever the chain's size.
	maxBits := cfg.MaxValidatorsPerCommittee * max(1, cfg.MaxCommitteesPerSlot)
	if maxBits == 0 {
		maxBits = 2048 * 64 // mainnet
	}
	aggregate := 4 + (&phase0.AttestationData{}).SizeSSZ() + 96 + max(8, int((cfg.MaxCommitteesPerSlot+7)/8)) + int(maxBits/8+1)
	subnets := max(1, int(cfg.SyncCommitteeSubnetCount))
	if cfg.SyncCommitteeSubnetCount == 0 {
		subnets = 4 // mainnet
	}
	contributions := subnets * ((&altair.SyncCommitteeContribution{}).SizeSSZ() - 16 + syncBits)
	return map[consensus.DutyType]int{
		consensus.DutyAggregator:       aggregate,
		consensus.DutySyncContribution: contributions,
		consensus.DutyAttester:         (&phase0.AttestationData{}).SizeSSZ(),
		consensus.DutySyncCommittee:    (&altair.SyncCommitteeContribution{}).SizeSSZ() - 16 + syncBits,
		consensus.DutyProposer:         consensus.MaxBeaconBlockSize + 8,
		// Consensus per slot (SPEC.md A25): AttestationData with index 0,
		// and a block root.
		consensus.DutySlotAttester:      (&phase0.AttestationData{}).SizeSSZ(),
		consensus.DutySlotSyncCommittee: len(phase0.Root{}),
	}
}

// Validate reports the first limit that is missing or out of range,
// naming it.
func (l Limits) Validate() error {
	switch {
	case l.PerSenderMessages <= 0:
		return fmt.Errorf("qbftrunner: Limits.PerSenderMessages %d, want > 0", l.PerSenderMessages)
	case l.PerSenderBytes <= 0:
		return fmt.Errorf("qbftrunner: Limits.PerSenderBytes %d, want > 0", l.PerSenderBytes)
	case len(l.MaxValue) == 0:
		return errors.New("qbftrunner: Limits.MaxValue is empty")
	}
	for d, n := range l.MaxValue {
		if n < 0 {
			return fmt.Errorf("qbftrunner: Limits.MaxValue[%s] %d, want >= 0", d, n)
		}
	}
	return nil
}

// Reasons a message is dropped before it reaches an instance. They are
// metric label values and log fields, so they never change.
var (
	ErrValueTooLarge = errors.New("value_too_large")
	ErrUnknownDuty   = errors.New("unknown_duty_type")
	ErrOutsideWindow = errors.New("outside_slot_window")
	ErrSenderBudget  = errors.New("sender_budget")
)

// CheckValue refuses a message whose value is larger than its duty type
// allows. It is safe for concurrent use (the node calls it in transport
// goroutines, before checking signatures).
func (l Limits) CheckValue(msg *qbft.SignedMessage) error {
	max, ok := l.MaxValue[consensus.DutyType(msg.Message.Instance.DutyType)]
	if !ok {
		return ErrUnknownDuty
	}
	if len(msg.Value) > max {
		return fmt.Errorf("%w: %d bytes, %s allows %d", ErrValueTooLarge, len(msg.Value), consensus.DutyType(msg.Message.Instance.DutyType), max)
	}
	return nil
}

// InWindow reports whether an instance of slot s may have messages kept
// while the node's clock is at slot now.
func (l Limits) InWindow(s, now phase0.Slot) bool {
	if s > now {
		return s-now <= l.Ahead
	}
	return now-s <= l.Behind
}

// msgSize is what a buffered message counts against its sender's budget:
// its SSZ size (the justifications are about 100 bytes each).
func msgSize(m *qbft.SignedMessage) int {
	return m.SizeSSZ()
}
