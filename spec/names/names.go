package names

import (
	"errors"
	"slices"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/consensus/qbft"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/slashing"
	"github.com/dvspec/go-dvspec/spec/sszutil"
)

// The names of the spec/dvc events (steps.yaml, trace records, logs).
const (
	ServeAttestationDuty              = "serve_attestation_duty"
	AttestationConsensusDecided       = "attestation_consensus_decided"
	ReceivedAttestationShare          = "received_attestation_share"
	ImportedNewBlock                  = "imported_new_block"
	ResendAttestationShares           = "resend_attestation_shares"
	ServeProposerDuty                 = "serve_proposer_duty"
	ReceivedRandaoShare               = "received_randao_share"
	BlockConsensusDecided             = "block_consensus_decided"
	ReceivedBlockShare                = "received_block_share"
	ResendRandaoShares                = "resend_randao_shares"
	ResendBlockShares                 = "resend_block_shares"
	ServeSyncCommitteeDuty            = "serve_sync_committee_duty"
	SyncCommitteeConsensusDecided     = "sync_committee_consensus_decided"
	ReceivedSyncCommitteeMessageShare = "received_sync_committee_message_share"
	ResendSyncCommitteeMessageShares  = "resend_sync_committee_message_shares"
	CapturedAttestation               = "captured_attestation"
	CapturedRandaoReveal              = "captured_randao_reveal"
	CapturedBlock                     = "captured_block"
	CapturedSyncCommitteeMessage      = "captured_sync_committee_message"
	NewSlot                           = "new_slot"
	NoEvent                           = "no_event"
)

// The names of the spec/dvc outputs.
const (
	StartConsensus                      = "start_consensus"
	StopConsensus                       = "stop_consensus"
	UpdateValidity                      = "update_validity"
	Signed                              = "signed"
	Broadcast                           = "broadcast"
	SubmitAttestation                   = "submit_attestation"
	SubmitBlock                         = "submit_block"
	SubmitSyncCommitteeMessage          = "submit_sync_committee_message"
	CacheAttestationDataForVC           = "cache_attestation_data_for_vc"
	CacheBlockForVC                     = "cache_block_for_vc"
	CacheSyncCommitteeContributionForVC = "cache_sync_committee_contribution_for_vc"
	Ignored                             = "ignored"
)

// Event ties an event name to the spec/dvc type it names.
type Event struct {
	Name string
	Of   dvc.Event
}

// Events are the spec/dvc events, in the order of spec/dvc's events.go.
var Events = []Event{
	{ServeAttestationDuty, dvc.ServeAttestationDuty{}},
	{AttestationConsensusDecided, dvc.AttestationConsensusDecided{}},
	{ReceivedAttestationShare, dvc.ReceivedAttestationShare{}},
	{ImportedNewBlock, dvc.ImportedNewBlock{}},
	{ResendAttestationShares, dvc.ResendAttestationShares{}},
	{ServeProposerDuty, dvc.ServeProposerDuty{}},
	{ReceivedRandaoShare, dvc.ReceivedRandaoShare{}},
	{BlockConsensusDecided, dvc.BlockConsensusDecided{}},
	{ReceivedBlockShare, dvc.ReceivedBlockShare{}},
	{ResendRandaoShares, dvc.ResendRandaoShares{}},
	{ResendBlockShares, dvc.ResendBlockShares{}},
	{ServeSyncCommitteeDuty, dvc.ServeSyncCommitteeDuty{}},
	{SyncCommitteeConsensusDecided, dvc.SyncCommitteeConsensusDecided{}},
	{ReceivedSyncCommitteeMessageShare, dvc.ReceivedSyncCommitteeMessageShare{}},
	{ResendSyncCommitteeMessageShares, dvc.ResendSyncCommitteeMessageShares{}},
	{CapturedAttestation, dvc.CapturedAttestation{}},
	{CapturedRandaoReveal, dvc.CapturedRandaoReveal{}},
	{CapturedBlock, dvc.CapturedBlock{}},
	{CapturedSyncCommitteeMessage, dvc.CapturedSyncCommitteeMessage{}},
	{NewSlot, dvc.NewSlot{}},
	{NoEvent, dvc.NoEvent{}},
}

// Output ties an output name to the spec/dvc type it names.
type Output struct {
	Name string
	Of   dvc.Output
}

// Outputs are the spec/dvc outputs, in the order of spec/dvc's outputs.go.
var Outputs = []Output{
	{StartConsensus, dvc.StartConsensus{}},
	{StopConsensus, dvc.StopConsensus{}},
	{UpdateValidity, dvc.UpdateValidity{}},
	{Signed, dvc.Signed{}},
	{Broadcast, dvc.Broadcast{}},
	{SubmitAttestation, dvc.SubmitAttestation{}},
	{SubmitBlock, dvc.SubmitBlock{}},
	{SubmitSyncCommitteeMessage, dvc.SubmitSyncCommitteeMessage{}},
	{CacheAttestationDataForVC, dvc.CacheAttestationDataForVC{}},
	{CacheBlockForVC, dvc.CacheBlockForVC{}},
	{CacheSyncCommitteeContributionForVC, dvc.CacheSyncCommitteeContributionForVC{}},
	{Ignored, dvc.Ignored{}},
}

// The names of what a signed output signed (dvc.SignKind).
const (
	SignAttestation          = "attestation"
	SignRandaoReveal         = "randao_reveal"
	SignBlock                = "block"
	SignSyncCommitteeMessage = "sync_committee_message"
)

// SignKind ties a sign kind name to the spec/dvc kind it names.
type SignKind struct {
	Name string
	Of   dvc.SignKind
}

// SignKinds are the kinds of dvc.Signed outputs.
var SignKinds = []SignKind{
	{SignAttestation, dvc.SignAttestation},
	{SignRandaoReveal, dvc.SignRandaoReveal},
	{SignBlock, dvc.SignBlock},
	{SignSyncCommitteeMessage, dvc.SignSyncCommitteeMessage},
}

// The names of a QBFT instance's inputs and outputs (qbft vectors'
// steps.yaml; consensus/qbft Instance methods and Output types).
const (
	QBFTStart       = "start"
	QBFTSetOwnValue = "set_own_value"
	QBFTReceive     = "receive"
	QBFTTimeout     = "timeout"
	QBFTBroadcast   = "broadcast"
	QBFTSetTimer    = "set_timer"
	QBFTDecide      = "decide"
)

// Error ties a result name used in the vectors (a snake_case string in
// output.yaml, steps.yaml or data.yaml), trace records and logs to the Go
// spec's error sentinel. The vectors never contain Go error text; other
// implementations map their own errors to these names.
type Error struct {
	// Runner is the runner whose vectors use the name.
	Runner string
	// Name is the name written in the vectors.
	Name string
	// Err is the Go spec sentinel; errors.Is(err, Err) identifies it. It
	// is nil for the reasons of dvc Ignored outputs, which are string
	// constants (GoSymbol names them), not errors.
	Err error
	// GoSymbol is the sentinel's qualified name, for documentation.
	GoSymbol string
}

// Errors lists every named result, outermost wrapper first: a dvc error
// wraps the networking or consensus error behind it ("rejected_share"
// wraps "invalid_share"), a qbft justification error wraps the entry's
// reason ("invalid_justification" wraps "wrong_round"), a
// consensus_validity rejection for slashing ("slashable") wraps a slashing
// reason ("double_vote"), so dvc names precede qbft, networking, consensus
// and slashing names. Names are unique across the table.
var Errors = []Error{
	{"dvc", "invalid_config", dvc.ErrInvalidConfig, "dvc.ErrInvalidConfig"},
	{"dvc", "invalid_state", dvc.ErrInvalidState, "dvc.ErrInvalidState"},
	{"dvc", "malformed_event", dvc.ErrMalformedEvent, "dvc.ErrMalformedEvent"},
	{"dvc", "wrong_validator", dvc.ErrWrongValidator, "dvc.ErrWrongValidator"},
	{"dvc", "duty_out_of_order", dvc.ErrDutyOutOfOrder, "dvc.ErrDutyOutOfOrder"},
	{"dvc", "rejected_share", dvc.ErrInvalidShare, "dvc.ErrInvalidShare"},
	{"dvc", "share_fields_differ", dvc.ErrFieldsDiffer, "dvc.ErrFieldsDiffer"},
	{"dvc", "inconsistent_oracle", dvc.ErrInconsistentOracle, "dvc.ErrInconsistentOracle"},
	{"dvc", "wrong_mode", dvc.ErrWrongMode, "dvc.ErrWrongMode"},
	{"dvc", "remote_signer_failed", dvc.ErrSigner, "dvc.ErrSigner"},
	{"dvc", "not_decided", dvc.ErrNotDecided, "dvc.ErrNotDecided"},
	{"dvc", "no_instance", dvc.ErrNoInstance, "dvc.ErrNoInstance"},
	{"dvc", "wrong_subcommittee", dvc.ErrWrongSubcommittee, "dvc.ErrWrongSubcommittee"},
	{"dvc", string(dvc.IgnoredNotCurrent), nil, "dvc.IgnoredNotCurrent"},
	{"dvc", string(dvc.IgnoredDecidedSlotMismatch), nil, "dvc.IgnoredDecidedSlotMismatch"},
	{"dvc", string(dvc.IgnoredDecidedInvalid), nil, "dvc.IgnoredDecidedInvalid"},
	{"dvc", string(dvc.IgnoredSlashingDBRefused), nil, "dvc.IgnoredSlashingDBRefused"},
	{"dvc", string(dvc.IgnoredShareFiltered), nil, "dvc.IgnoredShareFiltered"},
	{"dvc", string(dvc.IgnoredSlotCompleted), nil, "dvc.IgnoredSlotCompleted"},
	{"dvc", string(dvc.IgnoredBeyondHorizon), nil, "dvc.IgnoredBeyondHorizon"},
	{"dvc", string(dvc.IgnoredDuplicateShare), nil, "dvc.IgnoredDuplicateShare"},
	{"dvc", string(dvc.IgnoredSignerEquivocated), nil, "dvc.IgnoredSignerEquivocated"},
	{"dvc", string(dvc.IgnoredAlreadySubmitted), nil, "dvc.IgnoredAlreadySubmitted"},
	{"dvc", string(dvc.IgnoredCombineFailed), nil, "dvc.IgnoredCombineFailed"},
	{"dvc", string(dvc.IgnoredStoreFull), nil, "dvc.IgnoredStoreFull"},
	{"dvc", string(dvc.IgnoredAlreadyCaptured), nil, "dvc.IgnoredAlreadyCaptured"},
	{"dvc", string(dvc.IgnoredNoInstance), nil, "dvc.IgnoredNoInstance"},
	{"dvc", string(dvc.IgnoredDutyAbandoned), nil, "dvc.IgnoredDutyAbandoned"},

	{"qbft", "invalid_justification", qbft.ErrInvalidJustification, "qbft.ErrInvalidJustification"},
	{"qbft", "malformed_message", qbft.ErrMalformed, "qbft.ErrMalformed"},
	{"qbft", "wrong_instance", qbft.ErrWrongInstance, "qbft.ErrWrongInstance"},
	{"qbft", "unknown_type", qbft.ErrUnknownType, "qbft.ErrUnknownType"},
	{"qbft", "unknown_sender", qbft.ErrUnknownSender, "qbft.ErrUnknownSender"},
	{"qbft", "round_too_high", qbft.ErrRoundTooHigh, "qbft.ErrRoundTooHigh"},
	{"qbft", "wrong_type", qbft.ErrWrongType, "qbft.ErrWrongType"},
	{"qbft", "wrong_round", qbft.ErrWrongRound, "qbft.ErrWrongRound"},
	{"qbft", "bad_signature", qbft.ErrBadSignature, "qbft.ErrBadSignature"},
	{"qbft", "value_size", qbft.ErrValueSize, "qbft.ErrValueSize"},
	{"qbft", "digest_mismatch", qbft.ErrDigestMismatch, "qbft.ErrDigestMismatch"},
	{"qbft", "unexpected_field", qbft.ErrUnexpectedField, "qbft.ErrUnexpectedField"},
	{"qbft", "not_leader", qbft.ErrNotLeader, "qbft.ErrNotLeader"},
	{"qbft", "round_change_round_zero", qbft.ErrRoundChangeRoundZero, "qbft.ErrRoundChangeRoundZero"},
	{"qbft", "prepared_fields_mismatch", qbft.ErrPreparedFieldsMismatch, "qbft.ErrPreparedFieldsMismatch"},
	{"qbft", "prepared_round_not_lower", qbft.ErrPreparedRoundNotLower, "qbft.ErrPreparedRoundNotLower"},
	{"qbft", "justification_too_long", qbft.ErrJustificationTooLong, "qbft.ErrJustificationTooLong"},
	{"qbft", "no_round_change_quorum", qbft.ErrNoRoundChangeQuorum, "qbft.ErrNoRoundChangeQuorum"},
	{"qbft", "no_prepare_quorum", qbft.ErrNoPrepareQuorum, "qbft.ErrNoPrepareQuorum"},
	{"qbft", "no_commit_quorum", qbft.ErrNoCommitQuorum, "qbft.ErrNoCommitQuorum"},
	{"qbft", "not_highest_prepared", qbft.ErrNotHighestPrepared, "qbft.ErrNotHighestPrepared"},
	{"qbft", "equivocation", qbft.ErrEquivocation, "qbft.ErrEquivocation"},
	{"qbft", "already_started", qbft.ErrAlreadyStarted, "qbft.ErrAlreadyStarted"},
	{"qbft", "own_value_set", qbft.ErrOwnValueSet, "qbft.ErrOwnValueSet"},
	{"qbft", "invalid_value", qbft.ErrInvalidValue, "qbft.ErrInvalidValue"},
	{"qbft", "unknown_instance", qbft.ErrUnknownInstance, "qbft.ErrUnknownInstance"},
	{"qbft", "node_signer_failed", qbft.ErrSigner, "qbft.ErrSigner"},
	{"qbft", "invalid_qbft_config", qbft.ErrConfig, "qbft.ErrConfig"},

	{"networking", "below_threshold", networking.ErrBelowThreshold, "networking.ErrBelowThreshold"},
	{"networking", "mixed_data", networking.ErrMixedData, "networking.ErrMixedData"},
	{"networking", "invalid_share", networking.ErrInvalidShare, "networking.ErrInvalidShare"},
	{"networking", "duplicate_signer", networking.ErrDuplicateSigner, "networking.ErrDuplicateSigner"},
	{"networking", "unknown_signer", networking.ErrUnknownSigner, "networking.ErrUnknownSigner"},
	{"networking", "invalid_combination", networking.ErrInvalidCombination, "networking.ErrInvalidCombination"},
	{"networking", "malformed_share", networking.ErrMalformedShare, "networking.ErrMalformedShare"},

	{"dvc", "invalid_value_encoding", consensus.ErrInvalidValue, "consensus.ErrInvalidValue"},
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
	{"consensus_validity", "fee_recipient_mismatch", consensus.ErrFeeRecipientMismatch, "consensus.ErrFeeRecipientMismatch"},
	{"consensus_validity", "data_mismatch", consensus.ErrDataMismatch, "consensus.ErrDataMismatch"},
	{"consensus_validity", "block_root_mismatch", consensus.ErrBlockRootMismatch, "consensus.ErrBlockRootMismatch"},
	{"consensus_validity", "bits_shape", consensus.ErrBitsShape, "consensus.ErrBitsShape"},
	{"consensus_validity", "no_participant", consensus.ErrNoParticipant, "consensus.ErrNoParticipant"},
	{"consensus_validity", "committee_bits", consensus.ErrCommitteeBits, "consensus.ErrCommitteeBits"},
	{"consensus_validity", "aggregate_signature", consensus.ErrAggregateSignature, "consensus.ErrAggregateSignature"},
	{"consensus_validity", "subcommittee_mismatch", consensus.ErrSubcommitteeMismatch, "consensus.ErrSubcommitteeMismatch"},

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

// ErrorNames returns the names of Errors whose sentinel err wraps, in
// table order (outermost first).
func ErrorNames(err error) []string {
	if err == nil {
		return nil
	}
	var names []string
	for _, e := range Errors {
		if e.Err != nil && errors.Is(err, e.Err) {
			names = append(names, e.Name)
		}
	}
	return names
}

// causeRunners are, per runner, the runners whose names a refusal's cause
// may come from: the reason of a justification entry (qbft), the share
// verification failure inside rejected_share and the slashing rule inside
// slashable (dvc). Deeper causes (a block's decoding error) are not named.
var causeRunners = map[string][]string{
	"qbft": {"qbft"},
	"dvc":  {"networking", "slashing"},
}

// causeNames are, per runner, further names a refusal's cause may be: the
// field mismatch inside rejected_share (dvc, SPEC.md amendment A22).
var causeNames = map[string][]string{
	"dvc": {"share_fields_differ"},
}

// Refusal names a refusal of a runner's input as the vectors (error,
// cause), traces and logs do: name is the outermost name ("" when err has
// none), cause the next one when it is a documented cause of that runner
// ("" otherwise).
func Refusal(runner string, err error) (name, cause string) {
	names := ErrorNames(err)
	if len(names) == 0 {
		return "", ""
	}
	if len(names) > 1 {
		for _, e := range Errors {
			if e.Name == names[1] && (slices.Contains(causeRunners[runner], e.Runner) || slices.Contains(causeNames[runner], e.Name)) {
				return names[0], names[1]
			}
		}
	}
	return names[0], ""
}
