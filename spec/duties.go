package spec

import (
	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
)

// MaxSyncCommitteeSize is SYNC_COMMITTEE_SIZE of the mainnet preset, the SSZ
// limit of SyncCommitteeDuty.ValidatorSyncCommitteeIndices in every preset.
const MaxSyncCommitteeSize = 512

// AttestationDuty is utils/types.py AttestationDuty: the attester duty the
// beacon API returns (GET/POST /eth/v1/validator/duties/attester/{epoch}).
// The field order is the Python order; SPEC.md defines the SSZ container.
type AttestationDuty struct {
	Pubkey                  BLSPubKey
	ValidatorIndex          ValidatorIndex
	CommitteeIndex          CommitteeIndex
	CommitteeLength         uint64
	CommitteesAtSlot        uint64
	ValidatorCommitteeIndex uint64
	Slot                    Slot
}

// ProposerDuty is utils/types.py ProposerDuty: the proposer duty the beacon
// API returns (GET /eth/v1/validator/duties/proposer/{epoch}).
type ProposerDuty struct {
	Pubkey         BLSPubKey
	ValidatorIndex ValidatorIndex
	Slot           Slot
}

// SyncCommitteeDuty is utils/types.py SyncCommitteeDuty (c00dc1e): the sync
// committee duty the beacon API returns for a sync committee period
// (POST /eth/v1/validator/duties/sync/{epoch}). It has no slot: the
// validator signs in every slot of the period.
type SyncCommitteeDuty struct {
	Pubkey                        BLSPubKey
	ValidatorIndex                ValidatorIndex
	ValidatorSyncCommitteeIndices []uint64 `ssz-max:"512"`
}

// AggregatorDuty is the duty of an attester whose slot selection proof
// passes IsAggregator: it must publish an aggregate and proof for its
// committee. The beacon API has no aggregator-duty endpoint; a validator
// derives it from its attester duty and its selection proof (the DVT
// endpoint POST /eth/v1/validator/beacon_committee_selections combines the
// proof of a distributed validator).
type AggregatorDuty struct {
	Attestation    *AttestationDuty
	SelectionProof BLSSignature
}

// SyncCommitteeContributionDuty is the duty of a sync committee member whose
// sync selection proof passes IsSyncCommitteeAggregator for a subcommittee in
// a slot: it must publish a contribution and proof (DVT endpoint
// POST /eth/v1/validator/sync_committee_selections).
type SyncCommitteeContributionDuty struct {
	Pubkey            BLSPubKey
	ValidatorIndex    ValidatorIndex
	Slot              Slot
	SubcommitteeIndex uint64
	SelectionProof    BLSSignature
}

// AttestationDutyFromAPI converts the beacon API attester duty.
func AttestationDutyFromAPI(d *apiv1.AttesterDuty) *AttestationDuty {
	return &AttestationDuty{
		Pubkey:                  d.PubKey,
		ValidatorIndex:          d.ValidatorIndex,
		CommitteeIndex:          d.CommitteeIndex,
		CommitteeLength:         d.CommitteeLength,
		CommitteesAtSlot:        d.CommitteesAtSlot,
		ValidatorCommitteeIndex: d.ValidatorCommitteeIndex,
		Slot:                    d.Slot,
	}
}

// API converts the duty back to the beacon API shape.
func (d *AttestationDuty) API() *apiv1.AttesterDuty {
	return &apiv1.AttesterDuty{
		PubKey:                  d.Pubkey,
		Slot:                    d.Slot,
		ValidatorIndex:          d.ValidatorIndex,
		CommitteeIndex:          d.CommitteeIndex,
		CommitteeLength:         d.CommitteeLength,
		CommitteesAtSlot:        d.CommitteesAtSlot,
		ValidatorCommitteeIndex: d.ValidatorCommitteeIndex,
	}
}

// ProposerDutyFromAPI converts the beacon API proposer duty.
func ProposerDutyFromAPI(d *apiv1.ProposerDuty) *ProposerDuty {
	return &ProposerDuty{Pubkey: d.PubKey, ValidatorIndex: d.ValidatorIndex, Slot: d.Slot}
}

// API converts the duty back to the beacon API shape.
func (d *ProposerDuty) API() *apiv1.ProposerDuty {
	return &apiv1.ProposerDuty{PubKey: d.Pubkey, Slot: d.Slot, ValidatorIndex: d.ValidatorIndex}
}

// SyncCommitteeDutyFromAPI converts the beacon API sync committee duty.
func SyncCommitteeDutyFromAPI(d *apiv1.SyncCommitteeDuty) *SyncCommitteeDuty {
	out := &SyncCommitteeDuty{Pubkey: d.PubKey, ValidatorIndex: d.ValidatorIndex}
	for _, i := range d.ValidatorSyncCommitteeIndices {
		out.ValidatorSyncCommitteeIndices = append(out.ValidatorSyncCommitteeIndices, uint64(i))
	}
	return out
}

// API converts the duty back to the beacon API shape.
func (d *SyncCommitteeDuty) API() *apiv1.SyncCommitteeDuty {
	out := &apiv1.SyncCommitteeDuty{PubKey: d.Pubkey, ValidatorIndex: d.ValidatorIndex}
	for _, i := range d.ValidatorSyncCommitteeIndices {
		out.ValidatorSyncCommitteeIndices = append(out.ValidatorSyncCommitteeIndices, CommitteeIndex(i))
	}
	return out
}
