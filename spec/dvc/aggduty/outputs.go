package aggduty

import (
	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"

	"github.com/dvspec/go-dvspec/consensus"
	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/spec/dvc"
)

// Output is an action Step asks the node to take. Besides the types below,
// Step emits dvc.Broadcast (multicast a share) and dvc.Ignored.
type Output = dvc.Output

// BeaconCommitteeSelectionCombined: the slot selection proof of the
// validator was combined. In VC-middleware mode Selection is the answer of
// POST /eth/v1/validator/beacon_committee_selections. A proof may be
// combined before its duty is served (this spec, SPEC.md section 12: a VC
// asks for an epoch's selections ahead); it is then reported with Served
// false and IsAggregator false, and once more when the duty is served,
// with Served true and IsAggregator consensus-specs is_aggregator of it
// (the node passes it in its beacon committee subscription).
type BeaconCommitteeSelectionCombined struct {
	Selection    *apiv1.BeaconCommitteeSelection
	Served       bool
	IsAggregator bool
}

// SyncCommitteeSelectionCombined: the sync selection proof of one
// subcommittee was combined. In VC-middleware mode Selection is the answer
// of POST /eth/v1/validator/sync_committee_selections. As with
// BeaconCommitteeSelectionCombined, a proof combined before its duty is
// served is reported with Served false, and again when the duty is served
// (which names the validator's subcommittees) with Served true and
// IsAggregator is_sync_committee_aggregator of it.
type SyncCommitteeSelectionCombined struct {
	Selection    *ethnode.SyncCommitteeSelection
	Served       bool
	IsAggregator bool
}

// StartAggregateConsensus starts the aggregator instance ID: the node
// proposes the beacon node's aggregate for the validity's data and
// committee (GET /eth/v2/validator/aggregate_attestation, at 2/3 of the
// slot), and the instance decides under consensus.IsValidAggregate with
// Validity.
type StartAggregateConsensus struct {
	ID       consensus.InstanceID
	Validity consensus.AggregateValidity
}

// StartContributionConsensus starts the sync contribution instance ID: the
// node proposes, for each validity in order, the beacon node's
// contribution (GET /eth/v1/validator/sync_committee_contribution, at 2/3
// of the slot); the instance decides under IsValidContributions.
type StartContributionConsensus struct {
	ID       consensus.InstanceID
	Validity []consensus.ContributionValidity
}

// CacheAggregateAndProofForVC (VC-middleware mode): the aggregate and
// proof the validator client is to sign; the node serves its aggregate
// from GET /eth/v2/validator/aggregate_attestation.
type CacheAggregateAndProofForVC struct {
	AggregateAndProof *eth2spec.VersionedAggregateAndProof
}

// CacheContributionAndProofForVC (VC-middleware mode): the contribution
// and proof the validator client is to sign; the node serves its
// contribution from GET /eth/v1/validator/sync_committee_contribution.
type CacheContributionAndProofForVC struct {
	ContributionAndProof *altair.ContributionAndProof
}

// SubmitAggregateAndProof is POST /eth/v2/validator/aggregate_and_proofs
// of the combined signed aggregate and proof.
type SubmitAggregateAndProof struct {
	Signed *eth2spec.VersionedSignedAggregateAndProof
}

// SubmitContributionAndProof is POST /eth/v1/validator/contribution_and_proofs
// of the combined signed contribution and proof.
type SubmitContributionAndProof struct {
	Signed *altair.SignedContributionAndProof
}

// OutputName implements Output.
func (BeaconCommitteeSelectionCombined) OutputName() string {
	return "beacon_committee_selection_combined"
}

// OutputName implements Output.
func (SyncCommitteeSelectionCombined) OutputName() string {
	return "sync_committee_selection_combined"
}

// OutputName implements Output.
func (StartAggregateConsensus) OutputName() string { return "start_aggregate_consensus" }

// OutputName implements Output.
func (StartContributionConsensus) OutputName() string { return "start_contribution_consensus" }

// OutputName implements Output.
func (CacheAggregateAndProofForVC) OutputName() string { return "cache_aggregate_and_proof_for_vc" }

// OutputName implements Output.
func (CacheContributionAndProofForVC) OutputName() string {
	return "cache_contribution_and_proof_for_vc"
}

// OutputName implements Output.
func (SubmitAggregateAndProof) OutputName() string { return "submit_aggregate_and_proof" }

// OutputName implements Output.
func (SubmitContributionAndProof) OutputName() string { return "submit_contribution_and_proof" }
