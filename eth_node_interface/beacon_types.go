package ethnode

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// AttesterDuties is the answer of getAttesterDuties. The dependent root is
// kept with the duties because a driver must compare it with later head
// events to notice a re-org that changed the shuffling (beacon-APIs
// getAttesterDuties description); go-eth2-client leaves it in an untyped
// metadata map.
type AttesterDuties struct {
	// DependentRoot is the block root the shuffling depends on.
	DependentRoot phase0.Root
	// ExecutionOptimistic is true if the answer rests on an unverified
	// execution payload.
	ExecutionOptimistic bool
	// Duties are the requested validators' duties.
	Duties []*apiv1.AttesterDuty
}

// ProposerDuties is the answer of getProposerDuties, with its dependent root
// for the same reason as AttesterDuties.
type ProposerDuties struct {
	// DependentRoot is the block root the proposer shuffling depends on.
	DependentRoot phase0.Root
	// ExecutionOptimistic is true if the answer rests on an unverified
	// execution payload.
	ExecutionOptimistic bool
	// Duties are the epoch's proposers, one per slot.
	Duties []*apiv1.ProposerDuty
}

// SyncCommitteeSelection is the beacon-API SyncCommitteeSelection of the
// DVT endpoint submitSyncCommitteeSelections. go-eth2-client v0.29.0 has no
// type for it (it models only the beacon committee selection), so the JSON
// shape is defined here: every number a decimal string, the proof 0x-hex.
type SyncCommitteeSelection struct {
	// ValidatorIndex is the validator that made the selection proof.
	ValidatorIndex phase0.ValidatorIndex
	// Slot is the slot of the sync committee contribution duty.
	Slot phase0.Slot
	// SubcommitteeIndex is the sync subcommittee the proof is for.
	SubcommitteeIndex uint64
	// SelectionProof is the signature of SyncAggregatorSelectionData: a
	// partial one from a DV member, the combined one in the answer.
	SelectionProof phase0.BLSSignature
}

type bnSyncSelectionJSON struct {
	ValidatorIndex    *string `json:"validator_index"`
	Slot              *string `json:"slot"`
	SubcommitteeIndex *string `json:"subcommittee_index"`
	SelectionProof    *string `json:"selection_proof"`
}

// MarshalJSON writes the beacon-API shape.
func (s *SyncCommitteeSelection) MarshalJSON() ([]byte, error) {
	v := strconv.FormatUint(uint64(s.ValidatorIndex), 10)
	sl := strconv.FormatUint(uint64(s.Slot), 10)
	sc := strconv.FormatUint(s.SubcommitteeIndex, 10)
	p := "0x" + hex.EncodeToString(s.SelectionProof[:])
	return json.Marshal(&bnSyncSelectionJSON{ValidatorIndex: &v, Slot: &sl, SubcommitteeIndex: &sc, SelectionProof: &p})
}

// UnmarshalJSON reads the beacon-API shape. Every field is required, numbers
// must be decimal strings and the proof 0x-prefixed hex of 96 bytes: a
// lenient decoder here would let a malformed selection reach the signature
// check with a wrong value.
func (s *SyncCommitteeSelection) UnmarshalJSON(input []byte) error {
	var raw bnSyncSelectionJSON
	if err := json.Unmarshal(input, &raw); err != nil {
		return fmt.Errorf("sync committee selection: %w", err)
	}
	var err error
	var v, sl uint64
	if v, err = bnDecimal("validator_index", raw.ValidatorIndex); err != nil {
		return err
	}
	if sl, err = bnDecimal("slot", raw.Slot); err != nil {
		return err
	}
	if s.SubcommitteeIndex, err = bnDecimal("subcommittee_index", raw.SubcommitteeIndex); err != nil {
		return err
	}
	if raw.SelectionProof == nil {
		return errors.New("sync committee selection: selection_proof missing")
	}
	b, ok := strings.CutPrefix(*raw.SelectionProof, "0x")
	if !ok {
		return errors.New("sync committee selection: selection_proof lacks the 0x prefix")
	}
	proof, err := hex.DecodeString(b)
	if err != nil || len(proof) != len(s.SelectionProof) {
		return fmt.Errorf("sync committee selection: selection_proof is not %d bytes of hex", len(s.SelectionProof))
	}
	s.ValidatorIndex, s.Slot = phase0.ValidatorIndex(v), phase0.Slot(sl)
	copy(s.SelectionProof[:], proof)
	return nil
}

func bnDecimal(field string, s *string) (uint64, error) {
	if s == nil {
		return 0, fmt.Errorf("sync committee selection: %s missing", field)
	}
	v, err := strconv.ParseUint(*s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("sync committee selection: %s: %q is not a decimal uint64", field, *s)
	}
	return v, nil
}

// ErrorMessage is the beacon-API error body: ErrorMessage
// {code, message, stacktraces?} and, for pool and publish endpoints that
// take lists, IndexedErrorMessage {code, message, failures}. Keeping the
// failures with the error lets a caller tell which of its messages a beacon
// node refused and why.
type ErrorMessage struct {
	// Code is the HTTP status (or a more specific code).
	Code int `json:"code"`
	// Message says what went wrong.
	Message string `json:"message"`
	// Stacktraces are optional debug traces.
	Stacktraces []string `json:"stacktraces,omitempty"`
	// Failures list the refused items of a list request.
	Failures []IndexedFailure `json:"failures,omitempty"`
}

// IndexedFailure is one entry of IndexedErrorMessage.failures: the position
// of the refused item in the request list and the reason.
type IndexedFailure struct {
	// Index is the item's position in the request list.
	Index int `json:"index"`
	// Message is why the item was refused.
	Message string `json:"message"`
}

// Error makes an ErrorMessage usable as an error.
func (e *ErrorMessage) Error() string {
	if len(e.Failures) == 0 {
		return fmt.Sprintf("%d: %s", e.Code, e.Message)
	}
	parts := make([]string, 0, len(e.Failures))
	for _, f := range e.Failures {
		parts = append(parts, fmt.Sprintf("[%d] %s", f.Index, f.Message))
	}
	return fmt.Sprintf("%d: %s: %s", e.Code, e.Message, strings.Join(parts, "; "))
}
