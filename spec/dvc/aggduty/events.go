package aggduty

import (
	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
)

// Event is an input of Step: one of the types below, passed by value.
type Event interface {
	// EventName is the snake_case name used in vectors.
	EventName() string
}

// ServeAggregatorDuty is this spec's (deviation 18) start of the
// aggregation flow of an attester duty: every attester may be an
// aggregator, which only the combined slot selection proof tells
// (consensus-specs validator.md "Aggregation selection"). Committee is the
// public keys of the duty's committee in committee order
// (get_beacon_committee), which the aggregate's validity predicate needs;
// its length must be the duty's committee length. In remote-signer mode
// the own selection proof share is signed and multicast at once.
//
// Parsed is optionally the committee's keys checked with KeyValidate once
// (a node keeps a lazy list, bls.NewLazyPublicKeys, per epoch and
// committee); a list that does not hold exactly Committee is ignored. It only saves work: the outputs
// are the same without it, and it is not part of the event's encoding in
// vectors and traces.
type ServeAggregatorDuty struct {
	Duty      *spec.AttestationDuty
	Committee []phase0.BLSPubKey
	Parsed    *bls.PublicKeys
}

// ServeSyncContributionDuty starts the contribution flow of a sync
// committee member at Slot (this spec, deviation 18): one selection proof
// per subcommittee the validator sits in (altair validator.md
// get_sync_committee_selection_proof). Subcommittees maps each of those
// subcommittees to the public keys of its positions in order (the sync
// committee's pubkeys, SYNC_COMMITTEE_SIZE / SYNC_COMMITTEE_SUBNET_COUNT of
// them); it must name exactly the duty's subcommittees.
//
// Parsed optionally maps subcommittees to their keys already checked with
// KeyValidate (a node keeps them for the sync committee period); a list
// that does not hold exactly the subcommittee's keys is ignored. It only
// saves work: the outputs are the same without it, and it is not part of
// the event's encoding in vectors and traces.
type ServeSyncContributionDuty struct {
	Duty          *spec.SyncCommitteeDuty
	Slot          phase0.Slot
	Subcommittees map[uint64][]phase0.BLSPubKey
	Parsed        map[uint64]*bls.PublicKeys
}

// CapturedBeaconCommitteeSelection is the VC-middleware way in of a slot
// selection proof share: the validator client posted its partial selection
// proof to POST /eth/v1/validator/beacon_committee_selections (the DVT
// endpoint of the beacon API). The answer is the
// BeaconCommitteeSelectionCombined output.
type CapturedBeaconCommitteeSelection struct {
	Selection *apiv1.BeaconCommitteeSelection
}

// CapturedSyncCommitteeSelection is the VC-middleware way in of a sync
// selection proof share: POST /eth/v1/validator/sync_committee_selections.
// The answer is the SyncCommitteeSelectionCombined output.
type CapturedSyncCommitteeSelection struct {
	Selection *ethnode.SyncCommitteeSelection
}

// AttestationSubmitted tells that the distributed validator's attestation
// for Data (the value its attester instance decided) was submitted: the
// gate after which an aggregator instance may start, so that an aggregate
// can neither delay nor change an attestation.
type AttestationSubmitted struct {
	Data *phase0.AttestationData
}

// SyncCommitteeMessageSubmitted tells that the validator's sync committee
// message of Slot, signing BeaconBlockRoot, was submitted: the gate of the
// slot's contribution instance.
type SyncCommitteeMessageSubmitted struct {
	Slot            phase0.Slot
	BeaconBlockRoot phase0.Root
}

// AggregateConsensusDecided is the end of an aggregator instance: the
// cluster decided Aggregate (the beacon node's aggregate for the decided
// data, GET /eth/v2/validator/aggregate_attestation).
type AggregateConsensusDecided struct {
	ID        consensus.InstanceID
	Aggregate *eth2spec.VersionedAttestation
}

// ContributionConsensusDecided is the end of a sync contribution instance:
// the cluster decided one contribution per subcommittee the validator
// aggregates for, in ascending subcommittee order (ssv-spec decides a
// slot's contributions in one instance, as the InstanceID has no
// subcommittee).
type ContributionConsensusDecided struct {
	ID            consensus.InstanceID
	Contributions []*altair.SyncCommitteeContribution
}

// CapturedAggregateAndProof is the VC-middleware way in of an
// AggregateAndProof share: the validator client posted its partially
// signed aggregate and proof (POST /eth/v2/validator/aggregate_and_proofs).
type CapturedAggregateAndProof struct {
	Signed *eth2spec.VersionedSignedAggregateAndProof
}

// CapturedContributionAndProof is the VC-middleware way in of a
// ContributionAndProof share (POST /eth/v1/validator/contribution_and_proofs).
type CapturedContributionAndProof struct {
	Signed *altair.SignedContributionAndProof
}

// ReceivedAggregationShare is a co-validator's aggregation share (this
// node's own included, looped back).
type ReceivedAggregationShare struct {
	Share *networking.AggregationShare
}

// EventName implements Event.
func (ServeAggregatorDuty) EventName() string { return "serve_aggregator_duty" }

// EventName implements Event.
func (ServeSyncContributionDuty) EventName() string { return "serve_sync_contribution_duty" }

// EventName implements Event.
func (CapturedBeaconCommitteeSelection) EventName() string {
	return "captured_beacon_committee_selection"
}

// EventName implements Event.
func (CapturedSyncCommitteeSelection) EventName() string {
	return "captured_sync_committee_selection"
}

// EventName implements Event.
func (AttestationSubmitted) EventName() string { return "attestation_submitted" }

// EventName implements Event.
func (SyncCommitteeMessageSubmitted) EventName() string { return "sync_committee_message_submitted" }

// EventName implements Event.
func (AggregateConsensusDecided) EventName() string { return "aggregate_consensus_decided" }

// EventName implements Event.
func (ContributionConsensusDecided) EventName() string { return "contribution_consensus_decided" }

// EventName implements Event.
func (CapturedAggregateAndProof) EventName() string { return "captured_aggregate_and_proof" }

// EventName implements Event.
func (CapturedContributionAndProof) EventName() string { return "captured_contribution_and_proof" }

// EventName implements Event.
func (ReceivedAggregationShare) EventName() string { return "received_aggregation_share" }
