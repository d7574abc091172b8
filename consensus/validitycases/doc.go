// Package validitycases holds the attestation data validity cases of the
// conformance vectors, written once: the unit test here runs them against
// consensus.IsValidAttestationData and tools/vectorgen renders them into
// vectors/<preset>/<fork>/consensus_validity/attestation_data. A case
// states how its data and slashing DB differ from a well-formed vote, and
// the rule (spec/names) that refuses it; the data itself comes from the
// caller's fixtures.
//
// The block, sync contribution and aggregation cases are still stated in
// tools/vectorgen only. The package is pure: no I/O, clocks or randomness.
package validitycases
