// Package qbft is QBFT, the consensus protocol of a distributed validator,
// as a pure, deterministic state machine per consensus instance: the Dafny
// QBFT L1 model (ConsenSys qbft-formal-spec-and-verification) and the IBFT
// paper (Moniz, arXiv 2002.03613) made concrete for one DV duty.
//
// An Instance takes inputs (Start, SetOwnValue, Receive, Timeout) and
// returns outputs (Broadcast, SetTimer, Decide); it has no goroutines,
// clock, randomness or I/O. Messages are SSZ containers signed with the
// sender's Ed25519 node key over a domain-separated root. Instances is the
// in-memory Engine that routes inputs to instances by consensus.InstanceID.
//
// SPEC.md section 8 states the rules, the message containers, the leader
// function, the timer schedule and every choice where the Dafny model, the
// paper and practice (ssv-spec, charon) differ.
package qbft

//go:generate go tool dynssz-gen -legacy -package . -types Message,SignedPayload,SignedMessage,Snapshot -output messages_ssz.go
//go:generate gofmt -w messages_ssz.go
