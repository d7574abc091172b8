// Package dvc is the co-validator (DVC) of a distributed validator as an
// executable state machine: the Dafny DVC model (ConsenSys
// distributed-validator-formal-specs-and-verification; attestations from
// branch main, block proposal from branch internal_dvt_proofs_v2) with the
// vocabulary and both architectures of the Python spec
// (ethereum/distributed-validator-specs spec.py: remote-signer at HEAD,
// VC-middleware with sync committee at c00dc1e).
//
// Step(cfg, state, event, oracles) returns the next state and the outputs
// of one event; it performs no I/O, starts no goroutines, reads no clock
// (time comes in as the NewSlot event) and draws no randomness. Consensus is not called: the state machine
// outputs StartConsensus and StopConsensus, and decisions come back as
// events; a consensus driver asks ValidityFor for the validity predicate
// of an instance. The signer (remote-signer mode) is the one oracle Step
// calls; the beacon-state data the Dafny model reads when a block is
// imported travels inside the ImportedNewBlock event.
//
// SPEC.md section 7 maps every spec.py, networking.py, eth_node_interface.py and
// Dafny function to its Go symbol, draws the state machine, defines the SSZ
// containers and lists every amendment with its reason.
package dvc

//go:generate go tool dynssz-gen -legacy -package . -types BucketRef,PendingAttestation,ProposerValidity,PendingBlock,SyncInstance,AttesterSnapshot,ProposerSnapshot,SyncCommitteeSnapshot,DVCStateSnapshot -output snapshot_ssz.go
//go:generate gofmt -w snapshot_ssz.go
