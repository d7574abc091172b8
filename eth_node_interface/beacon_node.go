package ethnode

import (
	"context"

	"github.com/attestantio/go-eth2-client/api"
	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// The beacon node (BN) side of eth_node_interface.py. The Python functions
// take no context; every Go method takes one, so the driver of the pure
// state machine can bound each call by the duty's deadline and cancel it
// when the slot is over. The Python signatures return bare values; the Go
// ones return go-eth2-client's typed beacon-API values and an error.
//
// The interface is split by concern so a component can ask for only what it
// uses (a duty scheduler needs DutyProvider, not block publication);
// BeaconNode is all of them.

// ChainInfoProvider answers questions about the chain itself.
type ChainInfoProvider interface {
	// GenesisValidatorsRoot is bn_get_genesis_validators_root (HEAD):
	// GET /eth/v1/beacon/genesis, field genesis_validators_root.
	GenesisValidatorsRoot(ctx context.Context) (phase0.Root, error)

	// ForkVersion is bn_get_fork_version (HEAD): the fork version in force
	// at slot. The Python cites GET /eth/v1/beacon/states/{state_id}/fork,
	// which only describes one state; the answer for an arbitrary slot comes
	// from GET /eth/v1/config/fork_schedule and SLOTS_PER_EPOCH of
	// GET /eth/v1/config/spec.
	ForkVersion(ctx context.Context, slot phase0.Slot) (phase0.Version, error)

	// Genesis is new: GET /eth/v1/beacon/genesis (genesis time, genesis
	// validators root, genesis fork version).
	Genesis(ctx context.Context) (*apiv1.Genesis, error)

	// ForkSchedule is new: GET /eth/v1/config/fork_schedule.
	ForkSchedule(ctx context.Context) ([]*phase0.Fork, error)

	// StateFork is new: GET /eth/v1/beacon/states/{state_id}/fork, the Fork
	// object of one state (what Web3Signer's fork_info carries).
	StateFork(ctx context.Context, stateID string) (*phase0.Fork, error)

	// Spec is new: GET /eth/v1/config/spec, the chain's constants, presets
	// and configuration, decoded as go-eth2-client decodes them (numbers as
	// uint64, DOMAIN_* as DomainType, *_FORK_VERSION as Version,
	// SECONDS_PER_SLOT as time.Duration).
	Spec(ctx context.Context) (map[string]any, error)

	// NodeSyncing is new: GET /eth/v1/node/syncing.
	NodeSyncing(ctx context.Context) (*apiv1.SyncState, error)

	// NodeVersion is new: GET /eth/v1/node/version.
	NodeVersion(ctx context.Context) (string, error)
}

// DutyProvider fetches duties.
type DutyProvider interface {
	// AttesterDuties is bn_get_attestation_duties_for_epoch:
	// POST /eth/v1/validator/duties/attester/{epoch} with the validator
	// indices as the body.
	AttesterDuties(ctx context.Context, epoch phase0.Epoch, indices []phase0.ValidatorIndex) (*AttesterDuties, error)

	// ProposerDuties is bn_get_proposer_duties_for_epoch:
	// GET /eth/v1/validator/duties/proposer/{epoch}; like the Python it
	// returns every proposer of the epoch, not only the caller's.
	ProposerDuties(ctx context.Context, epoch phase0.Epoch) (*ProposerDuties, error)

	// SyncCommitteeDuties is bn_get_sync_committee_duties_for_epoch
	// (c00dc1e): POST /eth/v1/validator/duties/sync/{epoch}. (The Python
	// docstring links submitPoolSyncCommitteeSignatures by mistake.)
	SyncCommitteeDuties(ctx context.Context, epoch phase0.Epoch, indices []phase0.ValidatorIndex) ([]*apiv1.SyncCommitteeDuty, error)
}

// AttestationProvider covers the attester and aggregator duties.
type AttestationProvider interface {
	// ProduceAttestationData is bn_produce_attestation_data:
	// GET /eth/v1/validator/attestation_data?slot&committee_index. From
	// Electra on the returned data has index 0 whatever committee is asked.
	ProduceAttestationData(ctx context.Context, slot phase0.Slot, committeeIndex phase0.CommitteeIndex) (*phase0.AttestationData, error)

	// SubmitAttestations is bn_submit_attestation, batched as the endpoint
	// is: POST /eth/v2/beacon/pool/attestations with Eth-Consensus-Version.
	// Before Electra each entry is sent as its phase0 Attestation; from
	// Electra on as a SingleAttestation, which needs the entry's
	// ValidatorIndex and exactly one committee bit. All entries must share
	// one version.
	SubmitAttestations(ctx context.Context, attestations []*eth2spec.VersionedAttestation) error

	// AggregateAttestation is new (aggregator duty):
	// GET /eth/v2/validator/aggregate_attestation?attestation_data_root&slot&committee_index.
	AggregateAttestation(ctx context.Context, slot phase0.Slot, attestationDataRoot phase0.Root, committeeIndex phase0.CommitteeIndex) (*eth2spec.VersionedAttestation, error)

	// SubmitAggregateAndProofs is new (aggregator duty):
	// POST /eth/v2/validator/aggregate_and_proofs with Eth-Consensus-Version.
	SubmitAggregateAndProofs(ctx context.Context, aggregates []*eth2spec.VersionedSignedAggregateAndProof) error

	// BeaconCommitteeSelections is new (DVT aggregator selection):
	// POST /eth/v1/validator/beacon_committee_selections. A DV middleware
	// answers with combined selection proofs; a plain beacon node may answer
	// 501.
	BeaconCommitteeSelections(ctx context.Context, selections []*apiv1.BeaconCommitteeSelection) ([]*apiv1.BeaconCommitteeSelection, error)

	// SubmitBeaconCommitteeSubscriptions is new:
	// POST /eth/v1/validator/beacon_committee_subscriptions, so the beacon
	// node joins the subnets an aggregator needs.
	SubmitBeaconCommitteeSubscriptions(ctx context.Context, subscriptions []*apiv1.BeaconCommitteeSubscription) error
}

// BlockProvider covers the proposer duty.
type BlockProvider interface {
	// ProduceBlock is bn_produce_block: GET /eth/v3/validator/blocks/{slot}
	// with randao_reveal and graffiti. The Python cites produceBlockV2,
	// which beacon-APIs v4.0.0 removed; v3 may answer with a blinded block,
	// which the caller must check for (VersionedProposal.Blinded).
	ProduceBlock(ctx context.Context, slot phase0.Slot, randaoReveal phase0.BLSSignature, graffiti [32]byte) (*api.VersionedProposal, error)

	// SubmitBlock is bn_submit_block: POST /eth/v2/beacon/blocks with
	// Eth-Consensus-Version (the Python cites v1 publishBlock).
	SubmitBlock(ctx context.Context, block *api.VersionedSignedProposal) error

	// SubmitProposalPreparations is new:
	// POST /eth/v1/validator/prepare_beacon_proposer (fee recipients).
	SubmitProposalPreparations(ctx context.Context, preparations []*apiv1.ProposalPreparation) error

	// SubmitValidatorRegistrations is new:
	// POST /eth/v1/validator/register_validator (builder registrations).
	SubmitValidatorRegistrations(ctx context.Context, registrations []*api.VersionedSignedValidatorRegistration) error
}

// SyncCommitteeProvider covers the sync committee duties (Altair on).
type SyncCommitteeProvider interface {
	// ProduceSyncCommitteeContribution is
	// bn_produce_sync_committee_contribution (c00dc1e):
	// GET /eth/v1/validator/sync_committee_contribution?slot&subcommittee_index&beacon_block_root.
	ProduceSyncCommitteeContribution(ctx context.Context, slot phase0.Slot, subcommitteeIndex uint64, beaconBlockRoot phase0.Root) (*altair.SyncCommitteeContribution, error)

	// SubmitSyncCommitteeMessages is bn_submit_sync_committee_signature
	// (c00dc1e), batched as the endpoint is:
	// POST /eth/v1/beacon/pool/sync_committees. The Python
	// SyncCommitteeSignature is consensus-specs' SyncCommitteeMessage.
	SubmitSyncCommitteeMessages(ctx context.Context, messages []*altair.SyncCommitteeMessage) error

	// SubmitSyncCommitteeContributions is new (sync aggregator duty):
	// POST /eth/v1/validator/contribution_and_proofs.
	SubmitSyncCommitteeContributions(ctx context.Context, contributions []*altair.SignedContributionAndProof) error

	// SyncCommitteeSelections is new (DVT sync aggregator selection):
	// POST /eth/v1/validator/sync_committee_selections.
	SyncCommitteeSelections(ctx context.Context, selections []*SyncCommitteeSelection) ([]*SyncCommitteeSelection, error)

	// SubmitSyncCommitteeSubscriptions is new:
	// POST /eth/v1/validator/sync_committee_subscriptions.
	SubmitSyncCommitteeSubscriptions(ctx context.Context, subscriptions []*apiv1.SyncCommitteeSubscription) error
}

// StateProvider reads the validator registry and committees at a state.
// stateID is a beacon-API state id: head, genesis, finalized, justified, a
// slot or a 0x-prefixed state root.
type StateProvider interface {
	// Validators is new: POST /eth/v1/beacon/states/{state_id}/validators
	// filtered by index and public key (at least one of them must be given;
	// an unfiltered request would download the whole registry). Unknown
	// validators are simply absent from the answer.
	Validators(ctx context.Context, stateID string, indices []phase0.ValidatorIndex, pubkeys []phase0.BLSPubKey) (map[phase0.ValidatorIndex]*apiv1.Validator, error)

	// BeaconCommittees is new: GET /eth/v1/beacon/states/{state_id}/committees,
	// for the given epoch or, when epoch is nil, the state's epoch.
	BeaconCommittees(ctx context.Context, stateID string, epoch *phase0.Epoch) ([]*apiv1.BeaconCommittee, error)

	// ValidatorLiveness is new: POST /eth/v1/validator/liveness/{epoch}, which
	// validators the beacon node saw active in the epoch (doppelganger
	// protection, and how a devnet tells which duties succeeded).
	ValidatorLiveness(ctx context.Context, epoch phase0.Epoch, indices []phase0.ValidatorIndex) ([]*apiv1.ValidatorLiveness, error)

	// SubmitVoluntaryExit is new: POST /eth/v1/beacon/pool/voluntary_exits.
	SubmitVoluntaryExit(ctx context.Context, exit *phase0.SignedVoluntaryExit) error
}

// HeadEventHandler receives head events. It is called from the event
// stream's goroutine and must not block for long.
type HeadEventHandler func(ctx context.Context, event *apiv1.HeadEvent)

// EventProvider delivers the beacon node's server-sent events.
type EventProvider interface {
	// SubscribeHeadEvents is new: GET /eth/v1/events?topics=head
	// (text/event-stream). It returns once the subscription is set up;
	// events arrive on handler until ctx is done. A driver turns them into
	// clock-independent inputs (a new head, a changed dependent root).
	SubscribeHeadEvents(ctx context.Context, handler HeadEventHandler) error
}

// BeaconNode is every beacon-node function the DV node uses: the bn_*
// functions of eth_node_interface.py at HEAD and at c00dc1e, plus what the
// aggregation, sync committee, registration and exit duties need.
type BeaconNode interface {
	ChainInfoProvider
	DutyProvider
	AttestationProvider
	BlockProvider
	SyncCommitteeProvider
	StateProvider
	EventProvider
}
