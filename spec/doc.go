// Package spec is the executable translation of the Ethereum Distributed
// Validator specification (ethereum/distributed-validator-specs, src/dvspec):
// the data types of spec.py and utils/types.py, the duty shapes the beacon
// API returns, the thresholds, and the spec.py functions that update the
// slashing DB.
//
// Sub-packages hold the rest of the pure layer: spec/signing (domains and
// signing roots per fork), spec/slashing (EIP-3076 slashing protection) and
// spec/bls (threshold BLS). Nothing in this tree performs I/O, starts
// goroutines, reads a clock or draws randomness: the same inputs always give
// the same outputs, which is what makes the conformance vectors honest.
//
// SPEC.md at the repository root maps every Python and Dafny function to its
// Go symbol and records every deviation from the sources.
package spec

//go:generate go tool dynssz-gen -legacy -package . -types ValidatorIdentity,CoValidator,DistributedValidator,State,AttestationDuty,ProposerDuty,SyncCommitteeDuty,AggregatorDuty,SyncCommitteeContributionDuty -output types_ssz.go
