// Package networking is the DV spec's networking.py, both versions: the
// signature-share messages co-validators exchange (SSZ containers, each
// naming the sender's share index), and the construct_signed_* functions
// that verify shares and combine a threshold of them into a message signed
// by the validator key.
//
// HEAD (remote-signer design) exchanges attestation, block and RANDAO reveal
// signature shares; c00dc1e (VC-middleware design) exchanges "threshold
// signed" attestations, blocks and sync committee signatures captured from
// the validator client. Both are the same messages here: a share is what the
// key share signed, wherever it was signed.
//
// broadcast_* and listen_for_* have no body in the Python spec; in the
// executable spec they are the co-validator state machine's Broadcast output
// and Received*Share events (package spec/dvc). The package is pure: no I/O,
// goroutines, clock or randomness.
package networking

//go:generate go tool dynssz-gen -legacy -package . -types VersionedBlock,SignedVersionedBlock,AttestationShare,RandaoShare,BlockShare,SyncCommitteeMessageShare,AggregationShare -output messages_ssz.go
//go:generate gofmt -w messages_ssz.go
