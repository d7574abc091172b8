// Package trace records what a DV node's co-validator state machines did —
// every event given to spec/dvc.Step and the outputs it returned — as JSON
// lines that anyone can replay through the pure spec (adapter/replay) or
// compare with another node's (dvnode diff). adapter/TRACE.md is the format
// for other implementations; this package is its Go reader and writer.
//
// A trace is a sequence of records. A "config" record starts (or, after a
// restart, restarts) the state machine of one (node, validator): it holds
// the static configuration and the starting state as the SPEC.md
// DVCStateSnapshot. A "step" record holds one event, its outputs in order
// (or the error the event was rejected with) and the hash tree root of the
// state after it. Containers are carried as 0x-hex of their canonical SSZ
// encoding (the SPEC.md or consensus-specs container the field names), so
// that any language can read them with its SSZ library; small structures
// are JSON objects whose keys are the SPEC.md field names.
package trace

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Version is the trace format version, the "version" of every config
// record. Version 2 added the aggregation records (KindAggConfig,
// KindAggStep); a version 1 reader stops at them with "unknown record"
// rather than misreading them, and a version 1 trace is a version 2 trace
// without them.
const Version = 2

// Record kinds.
const (
	KindConfig = "config"
	KindStep   = "step"
	// KindAggConfig starts the aggregation state machine
	// (spec/dvc/aggduty) of one (node, validator): the static
	// configuration, the same as the DVC's; its state is always
	// aggduty.NewState.
	KindAggConfig = "aggregation_config"
	// KindAggStep is one step of that machine: an aggduty event and its
	// outputs or rejection. It has no state_root (the aggregation state
	// has no SSZ form).
	KindAggStep = "aggregation_step"
)

// Record is one line of a trace.
type Record struct {
	// Record is KindConfig or KindStep.
	Record string `json:"record"`
	// Seq numbers the records of one writer from 1.
	Seq uint64 `json:"seq"`
	// Node is the co-validator's share index (operator index).
	Node uint64 `json:"node"`
	// Validator is the distributed validator's public key.
	Validator Hex `json:"validator"`
	// Time is the node's wall clock (RFC 3339, informative only).
	Time string `json:"time,omitempty"`

	// Config record.
	Version int     `json:"version,omitempty"`
	Config  *Config `json:"config,omitempty"`
	// State is the SSZ DVCStateSnapshot the machine starts from.
	State Hex `json:"state,omitempty"`

	// Step record: the event and its outputs, named and shaped as in the
	// dvc vectors' steps.yaml.
	Event   Item   `json:"event,omitempty"`
	Outputs []Item `json:"outputs,omitempty"`
	// Error names the rejection of the event as the dvc vectors do
	// (outputs are then empty and the state unchanged), Cause the reason
	// behind it, and ErrorMessage is the implementation's text.
	Error        string `json:"error,omitempty"`
	Cause        string `json:"cause,omitempty"`
	ErrorMessage string `json:"error_message,omitempty"`
	// StateRoot is the hash tree root of the DVCStateSnapshot after the
	// step (config records: of the starting state).
	StateRoot Hex `json:"state_root,omitempty"`
}

// Hex is a byte string written as 0x-prefixed lower-case hex.
type Hex []byte

// MarshalJSON implements json.Marshaler.
func (h Hex) MarshalJSON() ([]byte, error) {
	return json.Marshal("0x" + hex.EncodeToString(h))
}

// UnmarshalJSON implements json.Unmarshaler.
func (h *Hex) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if !strings.HasPrefix(s, "0x") {
		return errors.New("hex string without 0x")
	}
	v, err := hex.DecodeString(s[2:])
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// String is the 0x form.
func (h Hex) String() string { return "0x" + hex.EncodeToString(h) }

func root(h Hex, what string) (out [32]byte, err error) {
	if len(h) != 32 {
		return out, fmt.Errorf("%s: %d bytes, want 32", what, len(h))
	}
	copy(out[:], h)
	return out, nil
}

func pubkey(h Hex, what string) (out [48]byte, err error) {
	if len(h) != 48 {
		return out, fmt.Errorf("%s: %d bytes, want 48", what, len(h))
	}
	copy(out[:], h)
	return out, nil
}

func sig(h Hex, what string) (out [96]byte, err error) {
	if len(h) != 96 {
		return out, fmt.Errorf("%s: %d bytes, want 96", what, len(h))
	}
	copy(out[:], h)
	return out, nil
}

func version4(h Hex, what string) (out [4]byte, err error) {
	if len(h) != 4 {
		return out, fmt.Errorf("%s: %d bytes, want 4", what, len(h))
	}
	copy(out[:], h)
	return out, nil
}
