package consensus

import (
	"fmt"

	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// DutyType names the kind of value a consensus instance decides. The values
// are part of the InstanceID container and so of every QBFT message root;
// they never change meaning.
type DutyType uint64

const (
	// DutyAttester decides the AttestationData of an attestation duty.
	DutyAttester DutyType = 1
	// DutyProposer decides the BeaconBlock of a proposer duty.
	DutyProposer DutyType = 2
	// DutySyncCommittee decides the SyncCommitteeContribution whose beacon
	// block root a sync committee member signs (c00dc1e
	// consensus_on_sync_committee_contribution).
	DutySyncCommittee DutyType = 3
	// DutyAggregator decides the aggregate attestation an aggregating
	// distributed validator publishes (this spec, SPEC.md section 12).
	DutyAggregator DutyType = 4
	// DutySyncContribution decides the sync committee contribution a sync
	// subcommittee aggregator publishes (this spec, SPEC.md section 12).
	DutySyncContribution DutyType = 5
	// DutySlotAttester decides, once per slot for every attester of the
	// cluster, the slot-wide attestation data (this spec, amendment A25;
	// spec/dvc/slotcons). Its instance IDs carry the zero validator key.
	DutySlotAttester DutyType = 6
	// DutySlotSyncCommittee decides, once per slot for every sync
	// committee member of the cluster, the block root they sign (this
	// spec, amendment A25).
	DutySlotSyncCommittee DutyType = 7
)

// String returns the lower-case name used in vectors and logs.
func (d DutyType) String() string {
	switch d {
	case DutyAttester:
		return "attester"
	case DutyProposer:
		return "proposer"
	case DutySyncCommittee:
		return "sync_committee"
	case DutyAggregator:
		return "aggregator"
	case DutySyncContribution:
		return "sync_contribution"
	case DutySlotAttester:
		return "slot_attester"
	case DutySlotSyncCommittee:
		return "slot_sync_committee"
	}
	return fmt.Sprintf("duty_type_%d", uint64(d))
}

// Valid reports whether d is a known duty type.
func (d DutyType) Valid() bool {
	return d >= DutyAttester && d <= DutySlotSyncCommittee
}

// InstanceID identifies one consensus instance: one duty of one distributed
// validator of one cluster at one slot. The Dafny model identifies an
// instance by its slot alone because it models a single validator with one
// duty type; a node that runs several validators, duty types and clusters
// needs all four fields, and the cluster binds every QBFT message to one
// cluster so it cannot be replayed in another cluster that shares an
// operator.
type InstanceID struct {
	// Cluster is the hash tree root of the cluster definition (zero in
	// single-cluster tests and vectors).
	Cluster phase0.Root
	// Validator is the distributed validator's public key.
	Validator phase0.BLSPubKey
	// DutyType is a DutyType.
	DutyType uint64
	// Slot is the duty's slot.
	Slot phase0.Slot
}

// String is a compact, log-friendly form.
func (id InstanceID) String() string {
	return fmt.Sprintf("%s/%#x/slot=%d", DutyType(id.DutyType), id.Validator[:6], id.Slot)
}
