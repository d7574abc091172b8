// Package spectests runs the language-neutral conformance vectors of the DV
// spec (vectors/, format in vectors/README.md) against an implementation.
//
// `go test ./spectests` runs every vector against the Go spec of this
// repository (GoSpec), checks the vectors themselves (file shapes, YAML
// and SSZ parts agree, every root recomputed, the DV container roots also
// from the YAML with an independent SPEC.md schema, no placeholder BLS
// values), and proves that the vectors catch deliberately broken
// implementations (broken_test.go).
//
// # Plugging in another implementation
//
// Each runner has a small interface; an implementation provides the ones
// it can and runs them from its own tests:
//
//	runner              interface                 run all cases as subtests
//	ssz_static          SSZStaticImplementation   RunSSZStatic(t, root, impl)
//	bls                 BLSImplementation         RunBLS(t, root, impl)
//	signing             SigningImplementation     RunSigning(t, root, impl)
//	slashing            SlashingImplementation    RunSlashing(t, root, impl)
//	consensus_validity  ValidityImplementation    RunValidity(t, root, impl)
//
// RunAll(t, root, impl) runs every runner whose interface impl implements.
// Check(root, runner, impl) returns one Result per case instead of failing
// a test, for tools and for asserting that particular cases fail. A method
// returning ErrNotImplemented skips the case instead of failing it.
// Arguments are plain values and SSZ encodings, so an implementation does
// not have to share types with this repository; errors are compared
// through the implementation's ErrorNames, which maps them to the names of
// the vectors (ErrorTable lists them with the Go spec's sentinels).
//
// # Adding a runner (qbft, dvc, networking)
//
// A runner is a directory of vectors plus a registered Runner. To add one:
// write a generator in tools/vectorgen (a file with a generator registered
// in init), define the runner's interface, Check<Runner>Case and
// Run<Runner> in a file of this package, register a Runner in its init
// function, implement the interface on GoSpec, add the file shape to
// caseFiles in format_test.go, and add the result names to ErrorTable.
// TestEveryRunnerHasHarnessAndCases fails until every runner directory in
// vectors/ has a harness runner and the reverse.
package spectests
