// Package slotcons is consensus per slot (this spec, SPEC.md amendment
// A25, after ssv-spec's committee consensus and charon's one consensus per
// slot and duty type): the attester and sync committee instances that the
// per-validator co-validator state machines (spec/dvc) of one node start
// for one slot are batched into one QBFT instance per slot and duty kind,
// whose value is the slot-wide part of their values (the attestation data
// with committee index 0; the block root sync committee members sign). On
// decision each validator's state machine receives its own decided event,
// derived from the slot value and its own duty, and runs its literal logic
// unchanged: validity re-check against its slashing DB, DB update,
// signing.
//
// The package is pure and deterministic (no I/O, clocks, goroutines or
// randomness); a Batcher is a value a driver owns, like a dvc.State, and
// every method leaves it unchanged when it returns an error.
package slotcons
