// Package consensus is the DV spec's consensus.py: the validity predicates
// a consensus instance applies to proposed values, and the identity of a
// consensus instance. The protocol itself, QBFT, is in consensus/qbft.
//
// The Python spec leaves consensus_on_attestation and consensus_on_block as
// `pass` ("some leader-based, safety-favouring consensus"); the executable
// spec models starting and stopping an instance as explicit outputs of the
// co-validator state machine and the decision as an event, as the Dafny
// model does.
package consensus

//go:generate go tool dynssz-gen -legacy -package . -types InstanceID -output instance_ssz.go
