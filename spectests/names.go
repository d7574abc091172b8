package spectests

import (
	"errors"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/slashing"
	"github.com/dvspec/go-dvspec/spec/sszutil"
)

// NamedError ties a result name used in the vectors (a snake_case string
// in output.yaml, steps.yaml or data.yaml) to the Go spec's error sentinel.
// The vectors never contain Go error text; other implementations map their
// own errors to these names.
type NamedError struct {
	// Runner is the runner whose vectors use the name.
	Runner string
	// Name is the name written in the vectors.
	Name string
	// Err is the Go spec sentinel; errors.Is(err, Err) identifies it.
	Err error
	// GoSymbol is the sentinel's qualified name, for documentation.
	GoSymbol string
}

// ErrorTable lists every named result of the vectors, outermost wrapper
// first: a consensus_validity rejection for slashing ("slashable") wraps a
// slashing reason ("double_vote"), so consensus names precede slashing
// names. GoSpec.ErrorNames and vectorgen both read this table, and
// vectors/README.md prints it, so the mapping exists in one place only.
var ErrorTable = []NamedError{
	{"consensus_validity", "missing_value", consensus.ErrMissingValue, "consensus.ErrMissingValue"},
	{"consensus_validity", "slot_mismatch", consensus.ErrSlotMismatch, "consensus.ErrSlotMismatch"},
	{"consensus_validity", "committee_index_mismatch", consensus.ErrCommitteeIndexMismatch, "consensus.ErrCommitteeIndexMismatch"},
	{"consensus_validity", "committee_index_not_zero", consensus.ErrCommitteeIndexNotZero, "consensus.ErrCommitteeIndexNotZero"},
	{"consensus_validity", "source_not_before_target", consensus.ErrSourceNotBeforeTarget, "consensus.ErrSourceNotBeforeTarget"},
	{"consensus_validity", "target_epoch_mismatch", consensus.ErrTargetEpochMismatch, "consensus.ErrTargetEpochMismatch"},
	{"consensus_validity", "slashable", consensus.ErrSlashable, "consensus.ErrSlashable"},
	{"consensus_validity", "randao_reveal_mismatch", consensus.ErrRandaoRevealMismatch, "consensus.ErrRandaoRevealMismatch"},
	{"consensus_validity", "proposer_index_mismatch", consensus.ErrProposerIndexMismatch, "consensus.ErrProposerIndexMismatch"},
	{"consensus_validity", "wrong_fork", consensus.ErrWrongFork, "consensus.ErrWrongFork"},
	{"consensus_validity", "subcommittee_not_assigned", consensus.ErrSubcommitteeNotAssigned, "consensus.ErrSubcommitteeNotAssigned"},
	{"consensus_validity", "zero_block_root", consensus.ErrZeroBlockRoot, "consensus.ErrZeroBlockRoot"},

	{"slashing", "source_after_target", slashing.ErrSourceAfterTarget, "slashing.ErrSourceAfterTarget"},
	{"slashing", "double_vote", slashing.ErrDoubleVote, "slashing.ErrDoubleVote"},
	{"slashing", "target_below_minimum", slashing.ErrTargetBelowMinimum, "slashing.ErrTargetBelowMinimum"},
	{"slashing", "source_below_minimum", slashing.ErrSourceBelowMinimum, "slashing.ErrSourceBelowMinimum"},
	{"slashing", "surrounds_existing", slashing.ErrSurroundsExisting, "slashing.ErrSurroundsExisting"},
	{"slashing", "surrounded_by_existing", slashing.ErrSurroundedByExisting, "slashing.ErrSurroundedByExisting"},
	{"slashing", "double_proposal", slashing.ErrDoubleProposal, "slashing.ErrDoubleProposal"},
	{"slashing", "slot_below_minimum", slashing.ErrSlotBelowMinimum, "slashing.ErrSlotBelowMinimum"},
	{"slashing", "source_below_maximum", slashing.ErrSourceBelowMaximum, "slashing.ErrSourceBelowMaximum"},
	{"slashing", "target_below_maximum", slashing.ErrTargetBelowMaximum, "slashing.ErrTargetBelowMaximum"},
	{"slashing", "slot_below_maximum", slashing.ErrSlotBelowMaximum, "slashing.ErrSlotBelowMaximum"},
	{"slashing", "history_full", slashing.ErrHistoryFull, "slashing.ErrHistoryFull"},
	{"slashing", "invalid_interchange", slashing.ErrInvalidInterchange, "slashing.ErrInvalidInterchange"},
	{"slashing", "genesis_validators_root_mismatch", slashing.ErrGenesisValidatorsRootMismatch, "slashing.ErrGenesisValidatorsRootMismatch"},
	{"slashing", "unsupported_version", slashing.ErrUnsupportedVersion, "slashing.ErrUnsupportedVersion"},

	{"bls", "invalid_secret_key", bls.ErrInvalidSecretKey, "bls.ErrInvalidSecretKey"},
	{"bls", "invalid_public_key", bls.ErrInvalidPublicKey, "bls.ErrInvalidPublicKey"},
	{"bls", "invalid_signature", bls.ErrInvalidSignature, "bls.ErrInvalidSignature"},
	{"bls", "invalid_seed", bls.ErrInvalidSeed, "bls.ErrInvalidSeed"},
	{"bls", "invalid_threshold", bls.ErrInvalidThreshold, "bls.ErrInvalidThreshold"},
	{"bls", "zero_index", bls.ErrZeroIndex, "bls.ErrZeroIndex"},
	{"bls", "duplicate_index", bls.ErrDuplicateIndex, "bls.ErrDuplicateIndex"},
	{"bls", "too_few_shares", bls.ErrTooFewShares, "bls.ErrTooFewShares"},
	{"bls", "empty_input", bls.ErrEmptyInput, "bls.ErrEmptyInput"},
	{"bls", "degenerate", bls.ErrDegenerate, "bls.ErrDegenerate"},

	{"ssz_static", "non_canonical", sszutil.ErrNonCanonical, "sszutil.ErrNonCanonical"},
}

// SpecErrorNames returns the names of ErrorTable whose sentinel err wraps,
// in table order (outermost first). It is how the Go spec's errors are
// named in the vectors.
func SpecErrorNames(err error) []string {
	if err == nil {
		return nil
	}
	var names []string
	for _, e := range ErrorTable {
		if errors.Is(err, e.Err) {
			names = append(names, e.Name)
		}
	}
	return names
}
