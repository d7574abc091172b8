package slashing

import (
	"errors"
	"fmt"
	"strings"

	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// Refusal reasons of the complete strategy (EIP-3076 "Conditions"). A check
// returns them wrapped in a *ConflictError; test with errors.Is.
var (
	// ErrSourceAfterTarget: the attestation's source epoch is greater than
	// its target epoch. No valid attestation has that shape (its source is a
	// justified checkpoint of the state at the target epoch, never later than
	// the target), so it is never signed.
	ErrSourceAfterTarget = errors.New("source epoch is after target epoch")
	// ErrDoubleVote: an attestation with the same target epoch and other
	// (or unknown) data was signed. EIP-3076 condition 3,
	// consensus-specs is_slashable_attestation_data (double vote).
	ErrDoubleVote = errors.New("double vote")
	// ErrSurroundsExisting: the new attestation surrounds a signed one
	// (new.source < old.source and old.target < new.target). EIP-3076
	// condition 3; the Python helper misses this direction.
	ErrSurroundsExisting = errors.New("surrounds a signed attestation")
	// ErrSurroundedByExisting: a signed attestation surrounds the new one
	// (old.source < new.source and new.target < old.target). EIP-3076
	// condition 3.
	ErrSurroundedByExisting = errors.New("surrounded by a signed attestation")
	// ErrTargetBelowMinimum: the target epoch is at or below the lowest
	// signed target epoch. EIP-3076 condition 5.
	ErrTargetBelowMinimum = errors.New("target epoch at or below the minimum signed target epoch")
	// ErrSourceBelowMinimum: the source epoch is below the lowest signed
	// source epoch. EIP-3076 condition 4.
	ErrSourceBelowMinimum = errors.New("source epoch below the minimum signed source epoch")
	// ErrDoubleProposal: a block with the same slot and another (or unknown)
	// signing root was signed. EIP-3076 condition 1, consensus-specs
	// process_proposer_slashing.
	ErrDoubleProposal = errors.New("double proposal")
	// ErrSlotBelowMinimum: the slot is at or below the lowest signed slot.
	// EIP-3076 condition 2.
	ErrSlotBelowMinimum = errors.New("slot at or below the minimum signed slot")
)

// Refusal reasons of the minimal strategy (EIP-3076 "Advice for Minimal
// Databases").
var (
	// ErrSourceBelowMaximum: the source epoch is below the highest signed
	// source epoch.
	ErrSourceBelowMaximum = errors.New("source epoch below the maximum signed source epoch")
	// ErrTargetBelowMaximum: the target epoch is at or below the highest
	// signed target epoch.
	ErrTargetBelowMaximum = errors.New("target epoch at or below the maximum signed target epoch")
	// ErrSlotBelowMaximum: the slot is at or below the highest signed slot.
	ErrSlotBelowMaximum = errors.New("slot at or below the maximum signed slot")
)

// Other errors.
var (
	// ErrNilDB is returned by every method called on a nil *SlashingDB: with
	// no history nothing is known to be safe.
	ErrNilDB = errors.New("slashing: nil slashing DB")
	// ErrHistoryFull: a validator's history already holds MaxSignedRecords
	// blocks (or attestations), the SSZ list limit.
	ErrHistoryFull = errors.New("slashing: signing history full")
	// ErrInvalidInterchange wraps every error about the content of an
	// interchange file (syntax, schema, values, version).
	ErrInvalidInterchange = errors.New("slashing: invalid interchange")
	// ErrGenesisValidatorsRootMismatch: the interchange belongs to another
	// chain than the DB.
	ErrGenesisValidatorsRootMismatch = errors.New("slashing: genesis validators root mismatch")
	// ErrUnsupportedVersion: the DB's InterchangeFormatVersion is not 5.
	ErrUnsupportedVersion = errors.New("slashing: unsupported interchange format version")
)

// ConflictError is a refusal to sign: it wraps one of the sentinel errors
// above (Err), and names the message that was refused and the signed record
// it conflicts with.
type ConflictError struct {
	// Err is the reason, one of the Err... sentinels.
	Err error
	// Pubkey is the validator key the message would be signed with.
	Pubkey phase0.BLSPubKey
	// Exactly one of Block and Attestation is set: the refused message.
	Block       *SlashingDBBlock
	Attestation *SlashingDBAttestation
	// The signed record the message conflicts with: for a watermark rule,
	// the record that holds the watermark. Both are nil for
	// ErrSourceAfterTarget, which needs no other record.
	ExistingBlock       *SlashingDBBlock
	ExistingAttestation *SlashingDBAttestation
}

// Error implements error.
func (e *ConflictError) Error() string {
	var sb strings.Builder
	sb.WriteString("slashing: refused to sign ")
	switch {
	case e.Block != nil:
		sb.WriteString(describeBlock(e.Block))
	case e.Attestation != nil:
		sb.WriteString(describeAttestation(e.Attestation))
	default:
		sb.WriteString("message")
	}
	fmt.Fprintf(&sb, " for pubkey %#x: %v", e.Pubkey[:], e.Err)
	switch {
	case e.ExistingBlock != nil:
		sb.WriteString(" (signed ")
		sb.WriteString(describeBlock(e.ExistingBlock))
		sb.WriteString(")")
	case e.ExistingAttestation != nil:
		sb.WriteString(" (signed ")
		sb.WriteString(describeAttestation(e.ExistingAttestation))
		sb.WriteString(")")
	}
	return sb.String()
}

// Unwrap returns the sentinel reason.
func (e *ConflictError) Unwrap() error { return e.Err }

func describeRoot(r *phase0.Root) string {
	if r == nil {
		return "absent"
	}
	return fmt.Sprintf("%#x", r[:])
}

func describeBlock(b *SlashingDBBlock) string {
	return fmt.Sprintf("block slot %d signing_root %s", b.Slot, describeRoot(b.SigningRoot))
}

func describeAttestation(a *SlashingDBAttestation) string {
	return fmt.Sprintf("attestation source_epoch %d target_epoch %d signing_root %s", a.SourceEpoch, a.TargetEpoch, describeRoot(a.SigningRoot))
}
