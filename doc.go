// Package dvspec is the root of go-dvspec, the executable reference
// implementation of the Ethereum Distributed Validator specification.
//
// The root package holds no code of its own; its test checks that every Go
// symbol named in SPEC.md's function table exists, so the table cannot rot.
// The specification lives in spec/, consensus/, networking/ and
// eth_node_interface/; see README.md for the layout.
package dvspec
