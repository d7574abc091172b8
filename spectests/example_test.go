package spectests_test

import (
	"errors"
	"fmt"

	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec/slashing"
	"github.com/dvspec/go-dvspec/spectests"
)

// myClient stands for another implementation's slashing protection. Here
// it keeps its history in the Go spec's DB; a real client loads the SSZ
// SlashingDB of pre.ssz_snappy into its own store and wraps that store in
// a spectests.SlashingDB.
type myClient struct{}

func (myClient) LoadSlashingDB(ssz []byte) (spectests.SlashingDB, error) {
	return spectests.GoSpec{}.LoadSlashingDB(ssz)
}

// ErrorNames maps the client's errors to the names of the vectors
// (vectors/README.md, "Named results").
func (myClient) ErrorNames(err error) []string {
	for _, e := range []struct {
		name   string
		target error
	}{
		{"source_after_target", slashing.ErrSourceAfterTarget},
		{"double_vote", slashing.ErrDoubleVote},
		{"target_below_minimum", slashing.ErrTargetBelowMinimum},
		{"source_below_minimum", slashing.ErrSourceBelowMinimum},
		{"surrounds_existing", slashing.ErrSurroundsExisting},
		{"surrounded_by_existing", slashing.ErrSurroundedByExisting},
		{"double_proposal", slashing.ErrDoubleProposal},
		{"slot_below_minimum", slashing.ErrSlotBelowMinimum},
		{"source_below_maximum", slashing.ErrSourceBelowMaximum},
		{"target_below_maximum", slashing.ErrTargetBelowMaximum},
		{"slot_below_maximum", slashing.ErrSlotBelowMaximum},
		{"invalid_interchange", slashing.ErrInvalidInterchange},
		{"genesis_validators_root_mismatch", slashing.ErrGenesisValidatorsRootMismatch},
	} {
		if errors.Is(err, e.target) {
			return []string{e.name}
		}
	}
	return nil
}

// An implementation plugs into the harness by implementing the runner's
// interface. In a Go test it runs every case as a subtest:
//
//	func TestSlashingVectors(t *testing.T) {
//		spectests.RunSlashing(t, "path/to/go-dvspec/vectors", myClient{})
//	}
//
// Check returns the results instead, without failing anything.
func ExampleCheck() {
	results, err := spectests.Check("../vectors", "slashing", myClient{})
	if err != nil {
		fmt.Println(err)
		return
	}
	failed := 0
	for _, r := range results {
		if r.Err != nil {
			failed++
			fmt.Println(r.Case.Path(), r.Err)
		}
	}
	fmt.Println("failed:", failed)
	// Output: failed: 0
}

// myCombiner stands for another implementation's share combination. Here
// it uses the Go spec's networking package through GoSpec; a real client
// decodes the SSZ shares into its own types, combines them with its own
// BLS library and encodes the result.
type myCombiner struct{}

func (myCombiner) CombineShares(req spectests.CombineRequest) (spectests.CombineResult, error) {
	return spectests.GoSpec{}.CombineShares(req)
}

// ErrorNames maps the combiner's errors to the names of the vectors.
func (myCombiner) ErrorNames(err error) []string {
	for _, e := range []struct {
		name   string
		target error
	}{
		{"below_threshold", networking.ErrBelowThreshold},
		{"mixed_data", networking.ErrMixedData},
		{"invalid_share", networking.ErrInvalidShare},
		{"duplicate_signer", networking.ErrDuplicateSigner},
		{"unknown_signer", networking.ErrUnknownSigner},
		{"invalid_combination", networking.ErrInvalidCombination},
		{"malformed_share", networking.ErrMalformedShare},
	} {
		if errors.Is(err, e.target) {
			return []string{e.name}
		}
	}
	return nil
}

// An implementation of the networking runner, checked case by case. The
// qbft and dvc runners plug in the same way (QBFTImplementation,
// DVCImplementation; see the package documentation).
func ExampleCheck_networking() {
	results, err := spectests.Check("../vectors", "networking", myCombiner{})
	if err != nil {
		fmt.Println(err)
		return
	}
	failed := 0
	for _, r := range results {
		if r.Err != nil {
			failed++
			fmt.Println(r.Case.Path(), r.Err)
		}
	}
	fmt.Println("failed:", failed)
	// Output: failed: 0
}
