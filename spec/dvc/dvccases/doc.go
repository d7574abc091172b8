// Package dvccases holds every DVC scenario of the conformance vectors,
// written once: a scenario is a co-validator, the setup events that give
// its pre-state, and steps (events or validity checks), each with what its
// author states (the names of the outputs or the error, and where given the
// exact outputs and what the state after it holds). Its TestScenarios runs
// them against spec/dvc (Run); tools/vectorgen renders the same runs as the
// dvc vectors and checks the same statements.
//
// The fixture (Fixture, built from an Env) derives every key and value the
// way vectors/README.md documents ("Keys"), on the mainnet preset. The
// package is not test-only because vectorgen imports it, and it is pure
// like the spec it exercises: no I/O, clocks, randomness or goroutines. An
// Env caches keys and fixtures and is not safe for concurrent use.
package dvccases
