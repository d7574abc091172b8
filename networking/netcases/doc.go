// Package netcases holds the networking cases of the conformance vectors,
// written once: the unit test here runs them against networking's
// construct_signed_* functions and tools/vectorgen renders them into
// vectors/general/<fork>/networking. A case is a set of share messages and
// its author's statement about combining them (a combination, or the named
// error); the combined message itself always comes from running the spec.
//
// The package is not test-only because vectorgen imports it, and it is
// pure like the spec it exercises: no I/O, clocks or randomness. What the
// vectors document about keys, roots and beacon objects (vectors/README.md,
// "Keys") lives in vectorgen and reaches the cases through Env, so the
// vectors and the unit test run the same cases on their own fixtures.
package netcases
