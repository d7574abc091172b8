package slotcons

import (
	"errors"
	"fmt"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// Errors. Each is a rule with a stable name (Reason) used by the vectors.
var (
	// ErrNotBatched: the instance is not of a duty kind decided per slot
	// (proposals and aggregations stay per validator).
	ErrNotBatched = errors.New("not_batched")
	// ErrMalformed: a nil or inconsistent StartConsensus, or an ID that is
	// not a slot instance of this batcher.
	ErrMalformed = errors.New("malformed")
	// ErrWrongCluster: the instance belongs to another cluster.
	ErrWrongCluster = errors.New("wrong_cluster")
	// ErrDuplicateMember: the validator already has an instance at the slot.
	ErrDuplicateMember = errors.New("duplicate_member")
	// ErrNoBatch: no slot instance with that ID.
	ErrNoBatch = errors.New("no_slot_instance")
	// ErrAlreadyDecided: a slot instance decides once.
	ErrAlreadyDecided = errors.New("already_decided")
	// ErrSlotValue: the slot value breaks a slot-wide rule.
	ErrSlotValue = errors.New("invalid_slot_value")
	// ErrMemberRejects: a participating validator's own predicate refuses
	// the value derived for it.
	ErrMemberRejects = errors.New("member_rejects")
)

// Reason is the stable name of the first rule err wraps ("" for nil).
func Reason(err error) string {
	if err == nil {
		return ""
	}
	for _, e := range []error{ErrNotBatched, ErrMalformed, ErrWrongCluster, ErrDuplicateMember, ErrNoBatch, ErrAlreadyDecided, ErrSlotValue, ErrMemberRejects} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	return "other"
}

// SlotDutyType is the duty type of the slot instance that batches
// per-validator instances of duty type d, and false for a type that is not
// batched. Only attestations and sync committee messages are: their value
// is the same for every validator of a slot up to fields each validator's
// duty fixes. A block is its proposer's own; an aggregate differs per
// committee and per aggregator.
func SlotDutyType(d consensus.DutyType) (consensus.DutyType, bool) {
	switch d {
	case consensus.DutyAttester:
		return consensus.DutySlotAttester, true
	case consensus.DutySyncCommittee:
		return consensus.DutySlotSyncCommittee, true
	}
	return 0, false
}

// SlotInstanceID is the instance that decides slot's value for every
// validator of cluster whose per-validator instances have duty type d
// (attester or sync committee). The validator key is zero: the instance is
// the cluster's, and every co-validator node derives the same ID whatever
// validators it batches into it.
//
// It is this spec's (amendment A25), after ssv-spec's committee instance
// identifier (committee and slot, no validator).
func SlotInstanceID(cluster phase0.Root, d consensus.DutyType, slot phase0.Slot) (consensus.InstanceID, error) {
	t, ok := SlotDutyType(d)
	if !ok {
		return consensus.InstanceID{}, fmt.Errorf("%w: duty type %s", ErrNotBatched, d)
	}
	return consensus.InstanceID{Cluster: cluster, DutyType: uint64(t), Slot: slot}, nil
}

// EncodeAttesterSlotValue is the value of a slot attester instance:
// SSZ(AttestationData) with index 0, the slot-wide part of every
// attester's data (ssv-spec's BeaconVote, beacon_block_root, source and
// target, kept in the AttestationData container with its slot so that
// the encoding is a consensus-specs one; from Electra on it is every
// attester's data as is).
//
// It is this spec's (amendment A25).
func EncodeAttesterSlotValue(data *phase0.AttestationData) ([]byte, error) {
	if data == nil || data.Source == nil || data.Target == nil {
		return nil, fmt.Errorf("%w: missing attestation data", ErrSlotValue)
	}
	c := *data
	c.Index = 0
	return consensus.EncodeAttestationData(&c)
}

// EncodeSyncSlotValue is the value of a slot sync committee instance: the
// block root every sync committee message of the slot signs, as SSZ(Root)
// (its 32 bytes).
//
// It is this spec's (amendment A25).
func EncodeSyncSlotValue(root phase0.Root) []byte { return append([]byte(nil), root[:]...) }

// CheckSlotValue checks the rules of a slot value that hold for every
// validator alike (each validator's own predicate adds its duty's and its
// slashing DB's rules): for attesters, a canonical AttestationData of slot
// with index 0, target epoch the epoch of slot, and source before target
// (or the genesis attestation); for sync committee members, a non-zero
// root at a slot of Altair or later. slotType is DutySlotAttester or
// DutySlotSyncCommittee.
//
// It is this spec's (amendment A25): the slot-wide rules of
// consensus.IsValidAttestationData and
// consensus.IsValidSyncCommitteeContribution.
func CheckSlotValue(chain signing.Chain, slotType consensus.DutyType, slot phase0.Slot, value []byte) error {
	fork, err := chain.ForkAtSlot(slot)
	if err != nil {
		return fmt.Errorf("%w: fork at slot %d: %w", ErrSlotValue, slot, err)
	}
	switch slotType {
	case consensus.DutySlotAttester:
		data, err := consensus.DecodeAttestationData(value)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrSlotValue, err)
		}
		epoch, _ := chain.EpochAtSlot(slot)
		genesis := data.Source.Epoch == 0 && data.Target.Epoch == 0
		switch {
		case data.Slot != slot:
			return fmt.Errorf("%w: data slot %d, instance slot %d", ErrSlotValue, data.Slot, slot)
		case data.Index != 0:
			return fmt.Errorf("%w: index %d, a slot value has index 0", ErrSlotValue, data.Index)
		case data.Target.Epoch != epoch:
			return fmt.Errorf("%w: target epoch %d, slot %d is in epoch %d", ErrSlotValue, data.Target.Epoch, slot, epoch)
		case data.Source.Epoch >= data.Target.Epoch && !genesis:
			return fmt.Errorf("%w: source %d, target %d", ErrSlotValue, data.Source.Epoch, data.Target.Epoch)
		}
		return nil
	case consensus.DutySlotSyncCommittee:
		if fork.Name < eth2spec.DataVersionAltair {
			return fmt.Errorf("%w: slot %d is before sync committees", ErrSlotValue, slot)
		}
		if len(value) != len(phase0.Root{}) {
			return fmt.Errorf("%w: a block root is 32 bytes, got %d", ErrSlotValue, len(value))
		}
		if phase0.Root(value) == (phase0.Root{}) {
			return fmt.Errorf("%w: zero block root", ErrSlotValue)
		}
		return nil
	}
	return fmt.Errorf("%w: duty type %s is not a slot instance", ErrNotBatched, slotType)
}

// MemberValue is the per-validator consensus value (consensus/value.go
// encoding) and the decided event that the slot value gives the validator
// whose per-validator instance start describes: for an attester the slot's
// data with index set to the duty's committee index before Electra (0 from
// Electra on, EIP-7549); for a sync committee member a contribution of its
// instance's slot and subcommittee naming the slot's block root, with empty
// aggregation bits and the infinity signature (the DVC signs only the
// root; consensus.IsValidSyncCommitteeContribution reads nothing else).
// The slot value must pass CheckSlotValue.
//
// It is this spec's (amendment A25), as ssv-spec's committee runner
// completes the BeaconVote with each validator's slot and committee index.
func MemberValue(chain signing.Chain, start dvc.StartConsensus, slotValue []byte) ([]byte, dvc.Event, error) {
	switch consensus.DutyType(start.ID.DutyType) {
	case consensus.DutyAttester:
		d := start.Attester
		if d == nil {
			return nil, nil, fmt.Errorf("%w: attester instance without its duty", ErrMalformed)
		}
		data, err := consensus.DecodeAttestationData(slotValue)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrSlotValue, err)
		}
		fork, err := chain.ForkAtSlot(data.Slot)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: fork at slot %d: %w", ErrSlotValue, data.Slot, err)
		}
		if fork.Name < eth2spec.DataVersionElectra {
			data.Index = d.CommitteeIndex
		}
		value, err := consensus.EncodeAttestationData(data)
		if err != nil {
			return nil, nil, err
		}
		return value, dvc.AttestationConsensusDecided{ID: start.ID, Data: data}, nil
	case consensus.DutySyncCommittee:
		sv := start.SyncCommittee
		if sv == nil {
			return nil, nil, fmt.Errorf("%w: sync committee instance without its validity input", ErrMalformed)
		}
		if len(slotValue) != len(phase0.Root{}) {
			return nil, nil, fmt.Errorf("%w: a block root is 32 bytes, got %d", ErrSlotValue, len(slotValue))
		}
		var infinity phase0.BLSSignature
		infinity[0] = 0xc0
		c := &altair.SyncCommitteeContribution{
			Slot: sv.Slot, BeaconBlockRoot: phase0.Root(slotValue), SubcommitteeIndex: sv.SubcommitteeIndex,
			AggregationBits: make([]byte, (chain.ChainConfig().SyncSubcommitteeSize()+7)/8), Signature: infinity,
		}
		value, err := consensus.EncodeSyncCommitteeContribution(chain, c)
		if err != nil {
			return nil, nil, err
		}
		return value, dvc.SyncCommitteeConsensusDecided{ID: start.ID, Contribution: c}, nil
	}
	return nil, nil, fmt.Errorf("%w: duty type %s", ErrNotBatched, consensus.DutyType(start.ID.DutyType))
}
