package dvc

import (
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// Output is an effect of a transition: one of the types below. The Dafny
// Outputs (att_shares_sent, attestations_submitted; v2 sent_randao_shares,
// sent_block_shares, submitted_data) become Broadcast and Submit* values;
// starting and stopping consensus, which Dafny expresses through the
// consensus-engine state, become StartConsensus and StopConsensus; the
// remote-signer calls become Signed; the VC-middleware caches become
// Cache*ForVC. Outputs are listed in the order they happen.
type Output interface {
	// OutputName is the snake_case name used in vectors.
	OutputName() string
}

// ProposerValidity is the input of a proposer instance's validity predicate
// besides the slashing DB: the duty and the combined RANDAO reveal (Dafny
// BlockConsensusValidityCheckState without the closure).
type ProposerValidity struct {
	Duty         *spec.ProposerDuty
	RandaoReveal phase0.BLSSignature
}

// SyncCommitteeValidity is the input of a sync committee instance's
// validity predicate: the duty, the slot and the subcommittee.
type SyncCommitteeValidity struct {
	Duty              *spec.SyncCommitteeDuty
	Slot              phase0.Slot
	SubcommitteeIndex uint64
}

// StartConsensus is Dafny startConsensusInstance / f_start_*_consensus_instance:
// start the consensus instance ID, whose validity predicate is
// ValidityFor(cfg, state, ID) (Attester, Proposer or SyncCommittee holds its
// inputs other than the slashing DB; exactly one is set).
//
// It is Dafny f_start_next_duty's start of an instance and
// consensus_engine.dfy f_start_att_consensus_instance /
// f_start_block_consensus_instance, as an output.
type StartConsensus struct {
	ID            consensus.InstanceID
	Attester      *spec.AttestationDuty
	Proposer      *ProposerValidity
	SyncCommittee *SyncCommitteeValidity
}

// StopConsensus is Dafny stopConsensusInstances: stop the instances (sorted
// by slot).
//
// It is consensus_engine.dfy f_stop_att_consensus_instances /
// f_stop_block_consensus_instances, as an output.
type StopConsensus struct {
	IDs []consensus.InstanceID
}

// UpdateValidity is Dafny updateConsensusInstanceValidityCheck: the slashing
// DB changed, so the validity predicates of these still-active instances
// changed; a driver that caches predicates re-binds them to
// ValidityFor(cfg, new state, id).
//
// It is consensus_engine.dfy f_update_att_consensus_engine_state and
// f_update_block_consensus_instance_validity_check_states (the re-binding of
// every active instance's predicate to the new slashing DB), made explicit.
type UpdateValidity struct {
	IDs []consensus.InstanceID
}

// SignKind names what a Signed output signed.
type SignKind uint8

const (
	SignAttestation          SignKind = 1
	SignRandaoReveal         SignKind = 2
	SignBlock                SignKind = 3
	SignSyncCommitteeMessage SignKind = 4
)

// String returns the name used in vectors.
func (k SignKind) String() string {
	switch k {
	case SignAttestation:
		return "attestation"
	case SignRandaoReveal:
		return "randao_reveal"
	case SignBlock:
		return "block"
	case SignSyncCommitteeMessage:
		return "sync_committee_message"
	}
	return "unknown"
}

// Signed records a call of the remote signer (rs_sign_*) and its result: the
// key share signed Input.SigningRoot (fork version Input.ForkVersion) for
// the duty at Slot and returned Signature.
type Signed struct {
	Kind      SignKind
	Slot      phase0.Slot
	Input     signing.SigningInput
	Signature phase0.BLSSignature
}

// Broadcast is Dafny multicast(msg, peers) / networking.py broadcast_*: send
// Message to every co-validator in To (all peers, this node included).
//
// It is networking.py broadcast_attestation_signature_share,
// broadcast_randao_reveal_signature_share and broadcast_block_signature_share
// (HEAD), and broadcast_threshold_signed_attestation,
// broadcast_threshold_signed_block and
// broadcast_threshold_signed_sync_committee_signature (c00dc1e), as an output
// instead of a call.
type Broadcast struct {
	Message networking.Message
	To      []uint64
}

// SubmitAttestation is bn_submit_attestation: the combined attestation.
type SubmitAttestation struct {
	Attestation *networking.SignedAttestation
}

// SubmitBlock is bn_submit_block: the combined signed block.
type SubmitBlock struct {
	Block *networking.SignedVersionedBlock
}

// SubmitSyncCommitteeMessage is c00dc1e bn_submit_sync_committee_signature.
type SubmitSyncCommitteeMessage struct {
	Message *altair.SyncCommitteeMessage
}

// CacheAttestationDataForVC is c00dc1e cache_attestation_data_for_vc.
type CacheAttestationDataForVC struct {
	Duty *spec.AttestationDuty
	Data *phase0.AttestationData
}

// CacheBlockForVC is c00dc1e cache_block_for_vc.
type CacheBlockForVC struct {
	Duty  *spec.ProposerDuty
	Block *eth2spec.VersionedBeaconBlock
}

// CacheSyncCommitteeContributionForVC is c00dc1e
// cache_sync_committee_contribution_for_vc.
type CacheSyncCommitteeContributionForVC struct {
	Duty         *spec.SyncCommitteeDuty
	Contribution *altair.SyncCommitteeContribution
}

// Ignored records that an event (or part of one) had no effect and why:
// every "else return the unchanged state" branch of the Dafny model, every
// amendment that drops something, and a duty that ends without a signature
// (duty_abandoned, amendment A23). Reason is stable and part of the
// vectors; Detail is for humans.
type Ignored struct {
	Reason IgnoreReason
	Slot   phase0.Slot
	Detail string
}

// IgnoreReason is the stable code of an Ignored output.
type IgnoreReason string

// Reasons for Ignored outputs.
const (
	// The decision is not for the current duty (Dafny: id != current.slot
	// or no current duty).
	IgnoredNotCurrent IgnoreReason = "decision_not_for_current_duty"
	// The decided value's slot differs from the instance's (Dafny v2 check).
	IgnoredDecidedSlotMismatch IgnoreReason = "decided_value_slot_mismatch"
	// The decided value fails this node's own validity predicate (Python
	// asserts consensus_is_valid_*): it is not signed.
	IgnoredDecidedInvalid IgnoreReason = "decided_value_invalid"
	// The slashing DB refused a value learnt from consensus or a block.
	IgnoredSlashingDBRefused IgnoreReason = "slashing_db_refused"
	// The Dafny share filter dropped the share (slot of no current or
	// future instance).
	IgnoredShareFiltered IgnoreReason = "share_slot_filtered"
	// The share's slot was already shown on chain (amendment A6).
	IgnoredSlotCompleted IgnoreReason = "share_slot_completed"
	// The share's slot is too far beyond the latest duty (amendment A8).
	IgnoredBeyondHorizon IgnoreReason = "share_slot_beyond_horizon"
	// The same share was received before.
	IgnoredDuplicateShare IgnoreReason = "duplicate_share"
	// The signer already sent MaxMessagesPerSigner other messages for the
	// slot (amendments A8, A22).
	IgnoredSignerEquivocated IgnoreReason = "signer_already_signed_other_message"
	// The share's message was already combined and submitted (amendment A5).
	IgnoredAlreadySubmitted IgnoreReason = "already_combined"
	// The shares could not be combined (should not happen: every stored
	// share was verified).
	IgnoredCombineFailed IgnoreReason = "combination_failed"
	// The share store reached its limit (amendment A8).
	IgnoredStoreFull IgnoreReason = "share_store_full"
	// A VC submission for something already captured.
	IgnoredAlreadyCaptured IgnoreReason = "already_captured"
	// A decision for an instance that is not running or already decided.
	IgnoredNoInstance IgnoreReason = "no_such_instance"
	// An undecided duty stopped being current without a signature: its
	// value can no longer be included on chain (NewSlot), or a later duty
	// of its type was served (amendment A23). Slot is the duty's.
	IgnoredDutyAbandoned IgnoreReason = "duty_abandoned"
)

// OutputName implements Output.
func (StartConsensus) OutputName() string { return "start_consensus" }

// OutputName implements Output.
func (StopConsensus) OutputName() string { return "stop_consensus" }

// OutputName implements Output.
func (UpdateValidity) OutputName() string { return "update_validity" }

// OutputName implements Output.
func (Signed) OutputName() string { return "signed" }

// OutputName implements Output.
func (Broadcast) OutputName() string { return "broadcast" }

// OutputName implements Output.
func (SubmitAttestation) OutputName() string { return "submit_attestation" }

// OutputName implements Output.
func (SubmitBlock) OutputName() string { return "submit_block" }

// OutputName implements Output.
func (SubmitSyncCommitteeMessage) OutputName() string { return "submit_sync_committee_message" }

// OutputName implements Output.
func (CacheAttestationDataForVC) OutputName() string { return "cache_attestation_data_for_vc" }

// OutputName implements Output.
func (CacheBlockForVC) OutputName() string { return "cache_block_for_vc" }

// OutputName implements Output.
func (CacheSyncCommitteeContributionForVC) OutputName() string {
	return "cache_sync_committee_contribution_for_vc"
}

// OutputName implements Output.
func (Ignored) OutputName() string { return "ignored" }
