package ethnode

// Beacon-API paths (beacon-APIs v4.0.0), written as in the published
// OpenAPI document with {placeholders}. Clients, the simulated beacon node
// and the golden tests share them, so a path exists in exactly one place.
// The v1 pool attestation and aggregate endpoints are absent on purpose:
// v4.0.0 removed them in favour of the v2 ones.
const (
	PathGenesis              = "/eth/v1/beacon/genesis"
	PathStateRoot            = "/eth/v1/beacon/states/{state_id}/root"
	PathStateFork            = "/eth/v1/beacon/states/{state_id}/fork"
	PathFinalityCheckpoints  = "/eth/v1/beacon/states/{state_id}/finality_checkpoints"
	PathStateValidators      = "/eth/v1/beacon/states/{state_id}/validators"
	PathStateValidator       = "/eth/v1/beacon/states/{state_id}/validators/{validator_id}"
	PathStateCommittees      = "/eth/v1/beacon/states/{state_id}/committees"
	PathStateSyncCommittees  = "/eth/v1/beacon/states/{state_id}/sync_committees"
	PathBlockHeader          = "/eth/v1/beacon/headers/{block_id}"
	PathBlockRoot            = "/eth/v1/beacon/blocks/{block_id}/root"
	PathPublishBlockV2       = "/eth/v2/beacon/blocks"
	PathSignedBlockV2        = "/eth/v2/beacon/blocks/{block_id}"
	PathPoolAttestationsV2   = "/eth/v2/beacon/pool/attestations"
	PathPoolSyncCommittees   = "/eth/v1/beacon/pool/sync_committees"
	PathPoolVoluntaryExits   = "/eth/v1/beacon/pool/voluntary_exits"
	PathNodeIdentity         = "/eth/v1/node/identity"
	PathNodeVersion          = "/eth/v1/node/version"
	PathNodeSyncing          = "/eth/v1/node/syncing"
	PathNodeHealth           = "/eth/v1/node/health"
	PathForkSchedule         = "/eth/v1/config/fork_schedule"
	PathSpec                 = "/eth/v1/config/spec"
	PathDepositContract      = "/eth/v1/config/deposit_contract"
	PathAttesterDuties       = "/eth/v1/validator/duties/attester/{epoch}"
	PathProposerDuties       = "/eth/v1/validator/duties/proposer/{epoch}"
	PathSyncCommitteeDuties  = "/eth/v1/validator/duties/sync/{epoch}"
	PathProduceBlockV3       = "/eth/v3/validator/blocks/{slot}"
	PathAttestationData      = "/eth/v1/validator/attestation_data"
	PathAggregateAttestation = "/eth/v2/validator/aggregate_attestation"
	PathAggregateAndProofs   = "/eth/v2/validator/aggregate_and_proofs"
	PathBeaconCommitteeSubs  = "/eth/v1/validator/beacon_committee_subscriptions"
	PathSyncCommitteeSubs    = "/eth/v1/validator/sync_committee_subscriptions"
	PathBeaconCommitteeSel   = "/eth/v1/validator/beacon_committee_selections"
	PathSyncCommitteeSel     = "/eth/v1/validator/sync_committee_selections"
	PathSyncContribution     = "/eth/v1/validator/sync_committee_contribution"
	PathContributionAndProof = "/eth/v1/validator/contribution_and_proofs"
	PathPrepareBeaconProp    = "/eth/v1/validator/prepare_beacon_proposer"
	PathRegisterValidator    = "/eth/v1/validator/register_validator"
	PathLiveness             = "/eth/v1/validator/liveness/{epoch}"
	PathEvents               = "/eth/v1/events"
)

// Beacon-API headers the validator flow depends on.
const (
	// HeaderConsensusVersion names the fork of a versioned request or
	// response body (lower-case fork name, e.g. "electra").
	HeaderConsensusVersion = "Eth-Consensus-Version"
	// HeaderPayloadBlinded says whether a produced block is blinded.
	HeaderPayloadBlinded = "Eth-Execution-Payload-Blinded"
	// HeaderPayloadValue is the execution payload value in Wei.
	HeaderPayloadValue = "Eth-Execution-Payload-Value"
	// HeaderBlockValue is the consensus block value in Wei.
	HeaderBlockValue = "Eth-Consensus-Block-Value"
)
