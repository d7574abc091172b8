// Package aggcases holds the scenarios of the aggregation state machine
// (spec/dvc/aggduty, SPEC.md section 12) written once: aggduty's tests run
// them and tools/vectorgen renders the same runs into the dvc_aggregation
// vectors. Every step states its exact outputs (or its error), built here
// from the case's keys and the signing helpers of spec/signing, never by
// running the state machine: selection proofs and aggregate signatures are
// signed with the secret keys, is_aggregator is computed from its
// consensus-specs formula, and the threshold combination is stated as the
// validator key's own signature.
package aggcases
