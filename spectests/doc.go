// Package spectests runs the language-neutral conformance vectors of the DV
// spec (vectors/, format in vectors/README.md) against an implementation.
//
// `go test ./spectests` runs every vector against the Go spec of this
// repository (GoSpec), checks the vectors themselves (file shapes, YAML
// and SSZ parts agree, inline <x>/<x>_ssz pairs agree, every root
// recomputed, the DV container roots also from the YAML with an
// independent SPEC.md schema, no placeholder BLS values, every Ed25519
// signature of the qbft vectors verified), and proves that the vectors
// catch deliberately broken implementations (broken_test.go,
// broken_phaseb_test.go).
//
// # Plugging in another implementation
//
// Each runner has a small interface; an implementation provides the ones
// it can and runs them from its own tests:
//
//	runner              interface                   run all cases as subtests
//	ssz_static          SSZStaticImplementation     RunSSZStatic(t, root, impl)
//	bls                 BLSImplementation           RunBLS(t, root, impl)
//	signing             SigningImplementation       RunSigning(t, root, impl)
//	slashing            SlashingImplementation      RunSlashing(t, root, impl)
//	consensus_validity  ValidityImplementation      RunValidity(t, root, impl)
//	qbft                QBFTImplementation          RunQBFT(t, root, impl)
//	dvc                 DVCImplementation           RunDVC(t, root, impl)
//	networking          NetworkingImplementation    RunNetworking(t, root, impl)
//	dvc_aggregation     AggregationImplementation   RunDVCAggregation(t, root, impl)
//
// RunAll(t, root, impl) runs every runner whose interface impl implements.
// Check(root, runner, impl) returns one Result per case instead of failing
// a test, for tools and for asserting that particular cases fail. A method
// returning ErrNotImplemented skips the case instead of failing it.
// Arguments are plain values and SSZ encodings, so an implementation does
// not have to share types with this repository; errors are compared
// through the implementation's ErrorNames, which maps them to the names of
// the vectors (spec/names.Errors, also ErrorTable here, lists them with
// the Go spec's sentinels).
//
// The three state-machine runners hand an implementation the case's
// configuration and then one input at a time:
//
//   - qbft: NewQBFTInstance(QBFTConfig) returns a QBFTInstance (node keys
//     as Ed25519 seeds and public keys, the values the validity predicate
//     refuses); its Start, SetOwnValue, Receive (the SSZ SignedMessage) and
//     Timeout return []QBFTOutput (broadcast: the SSZ SignedMessage;
//     set_timer: round, duration and deadline in milliseconds; decide:
//     value, round, SSZ commits). RestoreQBFTInstance starts from a
//     Snapshot (handler restore); QBFTParams answers the parameter
//     functions (handler params).
//   - dvc: NewDVC(DVCConfig, pre-state SSZ DVCStateSnapshot) returns a DVC;
//     its Step(DVCEvent) returns []DVCOutput, Validity applies an active
//     instance's predicate to a consensus value. Events and outputs carry
//     their containers as SSZ (DVCEvent and DVCOutput list which fields
//     each uses); the key share of the node under test is in
//     DVCConfig.SignerSecretKey (remote-signer mode).
//   - networking: CombineShares(CombineRequest) returns the combined
//     message's SSZ type name and encoding.
//
// Snapshot (qbft and dvc) may return ErrNotImplemented: the outputs are
// still checked, the state roots and post-states are not.
//
// For example, a QBFT implementation in Go behind a thin adapter:
//
//	type myQBFT struct{} // the adapter of the implementation under test
//
//	func (myQBFT) NewQBFTInstance(cfg spectests.QBFTConfig) (spectests.QBFTInstance, error) {
//		node := mylib.NewNode(cfg.N, cfg.Self, ed25519.NewKeyFromSeed(cfg.SelfSeed[:]), cfg.NodePublicKeys)
//		inst := node.NewInstance(cfg.Instance, func(v []byte) bool { return !slices.ContainsFunc(cfg.InvalidValues, func(x []byte) bool { return bytes.Equal(x, v) }) })
//		return myInstance{inst}, nil // Start/SetOwnValue/Receive/Timeout convert outputs to []QBFTOutput
//	}
//	func (myQBFT) RestoreQBFTInstance(spectests.QBFTConfig, []byte) (spectests.QBFTInstance, error) {
//		return nil, spectests.ErrNotImplemented // skips the restore cases
//	}
//	func (myQBFT) QBFTParams(q spectests.QBFTParamsQuery) (uint64, error) { ... }
//	func (myQBFT) ErrorNames(err error) []string { ... } // mylib.ErrNotLeader -> "not_leader", ...
//
//	func TestQBFTVectors(t *testing.T) { spectests.RunQBFT(t, "path/to/go-dvspec/vectors", myQBFT{}) }
//
// and a co-validator, a DVC whose Step converts DVCEvent to its own events
// (decoding the SSZ fields by the event's Name) and its outputs back:
//
//	func (myDVC) NewDVC(cfg spectests.DVCConfig, pre []byte) (spectests.DVC, error) {
//		st, err := mydvc.LoadSnapshot(pre) // the SPEC.md DVCStateSnapshot
//		...
//	}
//	func TestDVCVectors(t *testing.T) { spectests.RunDVC(t, "path/to/go-dvspec/vectors", myDVC{}) }
//
// GoSpec's adapters (gospec_qbft.go, gospec_dvc.go, gospec_networking.go)
// are complete examples; ExampleCheck_networking shows an implementation
// checked case by case.
//
// # Adding a runner
//
// A runner is a directory of vectors plus a registered Runner. To add one:
// write a generator in tools/vectorgen (a file with a generator registered
// in init), define the runner's interface, Check<Runner>Case and
// Run<Runner> in a file of this package, register a Runner in its init
// function, implement the interface on GoSpec, add the file shape to
// caseFiles in format_test.go, and add the result names to spec/names.Errors.
// TestEveryRunnerHasHarnessAndCases fails until every runner directory in
// vectors/ has a harness runner and the reverse.
package spectests
