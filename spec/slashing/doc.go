// Package slashing is EIP-3076 slashing protection for the distributed
// validator spec: the slashing DB types of utils/types.py, the checks of
// utils/helpers/slashing_db.py, and the EIP-3076 (version 5) interchange
// format.
//
// It translates the Python helpers and fixes them (SPEC.md, "Deviations and
// amendments"):
//
//   - The Python pair check only runs
//     eth2spec.is_slashable_attestation_data(past, new), so an attestation
//     that surrounds an earlier one is accepted. Here both surround
//     directions are refused.
//   - The Python compares the stored signing root with hash_tree_root of the
//     message. Here the caller passes the real signing root
//     (compute_signing_root with the domain), as EIP-3076 defines it.
//   - The Python update_* helpers assert; here every refusal is an error
//     value that wraps a named sentinel (ErrDoubleVote, ...) in a
//     *ConflictError that names the record it conflicts with.
//   - The Dafny model refuses any attestation with an already-used target
//     epoch, even an identical re-signing. Here a repeat signing (same
//     epochs or slot and the same, present signing root) is allowed, as
//     EIP-3076 conditions 2 and 5 require.
//
// Two strategies are offered. The complete strategy (CheckAttestation,
// CheckBlock, InsertAttestation, InsertBlock) keeps every signed message and
// enforces all five EIP-3076 conditions; it is the default. The minimal
// strategy (CheckAttestationMinimal, CheckBlockMinimal, ...) only compares
// with the highest slot and epochs signed so far.
//
// A signing root is optional: a nil *phase0.Root means "unknown" (the
// interchange file omitted it). An unknown root never equals anything, so it
// never allows a repeat signing. A present all-zero root is an ordinary
// value and equals another present all-zero root.
//
// The package is pure: no I/O, goroutines, clock or randomness. Interchange
// files are read and written as []byte.
package slashing

//go:generate go tool dynssz-gen -legacy -package . -types SlashingDBBlock,SlashingDBAttestation,SlashingDBData,SlashingDB -output slashingdb_ssz.go
