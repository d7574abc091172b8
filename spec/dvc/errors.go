package dvc

import "errors"

// Errors of Step. Every error Step returns wraps one of them; the state is
// then unchanged and no output is produced.
var (
	// ErrInvalidConfig: Config.Validate failed.
	ErrInvalidConfig = errors.New("dvc: invalid config")
	// ErrInvalidState: a nil state, or a state built for another validator.
	ErrInvalidState = errors.New("dvc: invalid state")
	// ErrMalformedEvent: a nil or structurally invalid event.
	ErrMalformedEvent = errors.New("dvc: malformed event")
	// ErrWrongValidator: the event is for another distributed validator or
	// cluster.
	ErrWrongValidator = errors.New("dvc: event for another validator")
	// ErrDutyOutOfOrder: a duty whose slot is not above every duty of its
	// type served before (the Dafny preconditions of f_serve_*_duty and the
	// DV model's increasing duty sequence).
	ErrDutyOutOfOrder = errors.New("dvc: duty slot not increasing")
	// ErrInvalidShare: a share that fails verification (unknown signer,
	// invalid signature, malformed).
	ErrInvalidShare = errors.New("dvc: invalid share")
	// ErrFieldsDiffer: a share whose fields outside its signature differ
	// from the ones this node knows its slot needs (amendment A22); always
	// wrapped together with ErrInvalidShare, whose name vectors use.
	ErrFieldsDiffer = errors.New("dvc: share fields differ from the duty or decision")
	// ErrInconsistentOracle: the beacon-state answers carried by an
	// ImportedNewBlock contradict each other or the config, or lack a
	// committee an attestation needs.
	ErrInconsistentOracle = errors.New("dvc: inconsistent beacon-state data")
	// ErrWrongMode: a VC-middleware event in remote-signer mode, or a
	// remote-signer step without a signer.
	ErrWrongMode = errors.New("dvc: event not valid in this mode")
	// ErrSigner: the remote signer failed.
	ErrSigner = errors.New("dvc: signer failed")
	// ErrNotDecided: a VC submission for a value this DVC did not decide and
	// cache.
	ErrNotDecided = errors.New("dvc: VC submission for an undecided value")
)

// Errors of ValidityFor's predicates (besides the consensus.Err* rules).
var (
	// ErrNoInstance: the instance is not active in the state.
	ErrNoInstance = errors.New("dvc: no such active consensus instance")
	// ErrWrongSubcommittee: a sync committee contribution for another
	// subcommittee than the instance's.
	ErrWrongSubcommittee = errors.New("dvc: contribution for another subcommittee than the instance's")
)
