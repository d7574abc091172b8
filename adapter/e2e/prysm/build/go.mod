// The pinned toolchain of the opt-in Prysm end-to-end test (../run.sh):
// Prysm v6.0.4 (beacon-chain, validator, prysmctl) and geth v1.15.9, built
// from the Go module proxy at exactly these versions. A module of its own so
// none of it reaches go-dvspec's go.mod.
module dvspec-e2e-prysm-build

go 1.24.0

require (
	github.com/OffchainLabs/prysm/v6 v6.0.4
	github.com/ethereum/go-ethereum v1.15.9
)
