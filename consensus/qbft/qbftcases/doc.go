// Package qbftcases holds the named QBFT rule cases of the conformance
// vectors, written once: consensus/qbft's unit tests run them
// (rules_test.go here) and tools/vectorgen renders them into
// vectors/general/phase0/qbft/rules and .../restore. A case is the inputs
// one node's instance gets and its author's statement about the last one
// (the kinds of its outputs, or the error that drops it); the outputs
// themselves always come from running the spec.
//
// The package is not test-only because vectorgen imports it, and it is
// pure like the spec it exercises: no I/O, clocks or randomness (keys
// come from consensus/qbft.TestKey's fixed seeds).
package qbftcases
