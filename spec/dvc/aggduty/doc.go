// Package aggduty is the co-validator state machine of the aggregation
// duties of one distributed validator: attestation aggregation and sync
// committee contributions (SPEC.md section 12). The Python and Dafny
// sources are silent on both; the flow follows ssv-spec (partial signatures
// of the selection proof, consensus on the aggregate, partial signatures of
// the AggregateAndProof) and charon (the DVT selection endpoints of the
// beacon API in VC-middleware mode); SPEC.md deviation 18 states it.
//
// It is a machine of its own, next to spec/dvc's, because its state is per
// slot, never slashable and never persisted, and because an aggregate must
// never cost an attestation: it shares no state with the attester flow and
// starts a consensus only after the AttestationSubmitted (or
// SyncCommitteeMessageSubmitted) event that the node delivers once the
// attestation (sync committee message) is on its way to the beacon node.
// Like spec/dvc it is pure: Step is a function of its arguments.
package aggduty
