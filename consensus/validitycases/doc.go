// Package validitycases holds the attestation data, block and sync
// committee contribution validity cases of the conformance vectors,
// written once: the unit tests here run them against consensus's
// IsValidAttestationData, IsValidBlock and
// IsValidSyncCommitteeContribution, and tools/vectorgen renders them into
// vectors/<preset>/<fork>/consensus_validity. A case states how its value
// (and slashing DB) differ from a well-formed one, and the rule
// (spec/names) that refuses it; the value itself comes from the caller's
// fixtures.
//
// The aggregation and fork-boundary cases are still stated in
// tools/vectorgen only. The package is pure: no I/O, clocks or randomness.
package validitycases
