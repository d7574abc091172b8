package dvc

import (
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
)

// Event is an input of the co-validator state machine: one of the types
// below. The Dafny Event (attestations, branch main) and BlockEvent (branch
// internal_dvt_proofs_v2) are merged, and the sync committee and
// VC-middleware events are added.
type Event interface {
	// EventName is the snake_case name used in vectors.
	EventName() string
}

// ServeAttestationDuty is spec.py serve_attestation_duty (HEAD and c00dc1e;
// its pre-consensus half) and Dafny f_serve_attestation_duty (main), with
// f_check_for_next_queued_duty and f_start_next_duty: the Dafny event
// ServeAttstationDuty(attestation_duty), the beacon node's attester duty
// delivered at its slot (spec.py schedules it "1/3rd way through the
// slot").
type ServeAttestationDuty struct {
	Duty *spec.AttestationDuty
}

// AttestationConsensusDecided is Dafny f_att_consensus_decided (main) and
// the post-consensus half of spec.py serve_attestation_duty: the Dafny
// event AttConsensusDecided(id, decided_attestation_data), the attester
// consensus instance ID decided Data (the end of consensus_on_attestation).
type AttestationConsensusDecided struct {
	ID   consensus.InstanceID
	Data *phase0.AttestationData
}

// ReceivedAttestationShare is Dafny f_listen_for_attestation_shares (main)
// and spec.py attestation_combination (HEAD) /
// threshold_attestation_combination (c00dc1e): the Dafny event
// ReceivedAttestationShare, a share from a peer (or from this node, looped
// back) as networking.py listen_for_attestation_signature_shares /
// listen_for_threshold_signed_attestations delivers it.
type ReceivedAttestationShare struct {
	Share *networking.AttestationShare
}

// BeaconCommittee is one beacon committee at the state of an imported
// block: the validators of committee Index at Slot, in committee order.
// It is the resolved answer of the Dafny oracle bn_get_epoch_committees.
type BeaconCommittee struct {
	Slot       phase0.Slot
	Index      phase0.CommitteeIndex
	Validators []phase0.ValidatorIndex
}

// ImportedNewBlock is Dafny f_listen_for_new_imported_blocks, main
// (attestations) and v2 (blocks): the Dafny event ImportedNewBlock(block),
// the beacon node imported Block. The answers of
// the beacon-state oracles the Dafny model calls at the block's state root
// are carried in the event (so a trace is self-contained and Step stays a
// function of its arguments):
//   - ValidatorIndex is bn_get_validator_index(state_root, dv_pubkey): nil
//     when the validator is not in the registry at that state;
//   - Committees are bn_get_epoch_committees(state_root, index) for every
//     (slot, committee index) an attestation of the block refers to
//     (before Electra data.index; from Electra on every bit of
//     committee_bits). A missing committee is an error.
type ImportedNewBlock struct {
	Block          *eth2spec.VersionedBeaconBlock
	ValidatorIndex *phase0.ValidatorIndex
	Committees     []*BeaconCommittee
}

// ResendAttestationShares is Dafny f_resend_attestation_share (main): the
// event ResendAttestationShares, multicast again every own attestation
// share not yet seen on chain.
//
// It is Dafny f_resend_attestation_shares.
type ResendAttestationShares struct{}

// ServeProposerDuty is spec.py serve_proposer_duty (HEAD; its RANDAO half)
// and Dafny f_serve_proposer_duty (v2) with f_broadcast_randao_share and
// f_check_for_next_duty: the event ServeProposerDuty(proposer_duty), the
// beacon node's proposer duty at its slot.
type ServeProposerDuty struct {
	Duty *spec.ProposerDuty
}

// ReceivedRandaoShare is Dafny f_listen_for_randao_shares (v2) with
// f_start_consensus_if_can_construct_randao_share, and HEAD spec.py
// randao_reveal_combination: the event ReceiveRandaoShare, a share as HEAD
// listen_for_randao_reveal_signature_shares delivers it.
//
// Its share filter is Dafny v2 is_slot_for_current_or_future_instances,
// amended (A14, D3).
type ReceivedRandaoShare struct {
	Share *networking.RandaoShare
}

// BlockConsensusDecided is Dafny f_block_consensus_decided (v2) and the
// post-consensus half of spec.py serve_proposer_duty: the event
// BlockConsensusDecided(id, block), the end of consensus_on_block.
type BlockConsensusDecided struct {
	ID    consensus.InstanceID
	Block *eth2spec.VersionedBeaconBlock
}

// ReceivedBlockShare is Dafny f_listen_for_block_signature_shares (v2) and
// spec.py block_combination (HEAD) / threshold_signed_block_combination
// (c00dc1e): the event ReceiveSignedBeaconBlock(block_share), as
// listen_for_block_signature_shares / listen_for_threshold_signed_blocks
// deliver it.
type ReceivedBlockShare struct {
	Share *networking.BlockShare
}

// ResendRandaoShares is Dafny f_resend_randao_shares (v2), the event
// ResendRandaoRevealSignatureShare.
type ResendRandaoShares struct{}

// ResendBlockShares is Dafny f_resend_block_shares (v2), the event
// ResendBlockShare.
type ResendBlockShares struct{}

// ServeSyncCommitteeDuty is c00dc1e serve_sync_committee_duty made a
// per-slot event: the validator's sync committee duty (for the period), the
// slot to sign for, and the subcommittee whose contribution the cluster
// agrees on (one the validator is a member of).
type ServeSyncCommitteeDuty struct {
	Duty              *spec.SyncCommitteeDuty
	Slot              phase0.Slot
	SubcommitteeIndex uint64
}

// SyncCommitteeConsensusDecided is the end of c00dc1e
// consensus_on_sync_committee_contribution: the sync committee instance ID
// decided Contribution, whose beacon block root every share signs.
type SyncCommitteeConsensusDecided struct {
	ID           consensus.InstanceID
	Contribution *altair.SyncCommitteeContribution
}

// ReceivedSyncCommitteeMessageShare is c00dc1e spec.py
// threshold_signed_sync_committee_signature_combination, a share as
// listen_for_threshold_signed_sync_committee_signatures delivers it.
type ReceivedSyncCommitteeMessageShare struct {
	Share *networking.SyncCommitteeMessageShare
}

// ResendSyncCommitteeMessageShares multicasts again the own sync committee
// message shares of the current sync slot (the Dafny resend, applied to
// sync committee messages).
type ResendSyncCommitteeMessageShares struct{}

// CapturedAttestation is c00dc1e capture_threshold_signed_attestation: the
// validator client submitted Attestation, signed with its key share, for
// data this DVC cached (VC-middleware mode only).
type CapturedAttestation struct {
	Attestation *networking.SignedAttestation
}

// CapturedRandaoReveal is the VC-middleware counterpart of HEAD's RANDAO
// share (c00dc1e has none; see SPEC.md section 7, amendment A9): the validator
// client asked for a block at Slot with RandaoReveal, its key share's
// signature of the epoch.
type CapturedRandaoReveal struct {
	Slot         phase0.Slot
	RandaoReveal phase0.BLSSignature
}

// CapturedBlock is c00dc1e capture_threshold_signed_block: the validator
// client submitted Block signed with its key share.
type CapturedBlock struct {
	Block     *eth2spec.VersionedBeaconBlock
	Signature phase0.BLSSignature
}

// CapturedSyncCommitteeMessage is c00dc1e
// capture_threshold_signed_sync_committee_signature.
type CapturedSyncCommitteeMessage struct {
	Message *altair.SyncCommitteeMessage
}

// NewSlot is the slot clock, which the pure layer does not have
// (amendment A23, this spec): slot Slot of the beacon chain has begun.
// Every duty, instance and share whose value can no longer be included
// on chain by then expires (an attestation after its inclusion window, a
// block or a sync committee message after the slot that follows its own): an undecided duty stops being current (the
// next queued duty may start), its instance and every expired instance
// stop, and their shares are dropped. Nothing is signed. Slots need not
// increase; an earlier slot than one seen before expires nothing new.
type NewSlot struct {
	Slot phase0.Slot
}

// NoEvent is Dafny NoEvent: nothing happens (f_process_event returns the
// state unchanged).
type NoEvent struct{}

// EventName implements Event.
func (NewSlot) EventName() string { return "new_slot" }

// EventName implements Event.
func (ServeAttestationDuty) EventName() string { return "serve_attestation_duty" }

// EventName implements Event.
func (AttestationConsensusDecided) EventName() string { return "attestation_consensus_decided" }

// EventName implements Event.
func (ReceivedAttestationShare) EventName() string { return "received_attestation_share" }

// EventName implements Event.
func (ImportedNewBlock) EventName() string { return "imported_new_block" }

// EventName implements Event.
func (ResendAttestationShares) EventName() string { return "resend_attestation_shares" }

// EventName implements Event.
func (ServeProposerDuty) EventName() string { return "serve_proposer_duty" }

// EventName implements Event.
func (ReceivedRandaoShare) EventName() string { return "received_randao_share" }

// EventName implements Event.
func (BlockConsensusDecided) EventName() string { return "block_consensus_decided" }

// EventName implements Event.
func (ReceivedBlockShare) EventName() string { return "received_block_share" }

// EventName implements Event.
func (ResendRandaoShares) EventName() string { return "resend_randao_shares" }

// EventName implements Event.
func (ResendBlockShares) EventName() string { return "resend_block_shares" }

// EventName implements Event.
func (ServeSyncCommitteeDuty) EventName() string { return "serve_sync_committee_duty" }

// EventName implements Event.
func (SyncCommitteeConsensusDecided) EventName() string { return "sync_committee_consensus_decided" }

// EventName implements Event.
func (ReceivedSyncCommitteeMessageShare) EventName() string {
	return "received_sync_committee_message_share"
}

// EventName implements Event.
func (ResendSyncCommitteeMessageShares) EventName() string {
	return "resend_sync_committee_message_shares"
}

// EventName implements Event.
func (CapturedAttestation) EventName() string { return "captured_attestation" }

// EventName implements Event.
func (CapturedRandaoReveal) EventName() string { return "captured_randao_reveal" }

// EventName implements Event.
func (CapturedBlock) EventName() string { return "captured_block" }

// EventName implements Event.
func (CapturedSyncCommitteeMessage) EventName() string { return "captured_sync_committee_message" }

// EventName implements Event.
func (NoEvent) EventName() string { return "no_event" }
