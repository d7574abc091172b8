package qbft

import (
	"errors"
	"fmt"
)

// Reasons an input is rejected. Every error this package returns for a
// rejected input wraps exactly one of them first (a justification error
// wraps ErrInvalidJustification and then the entry's own reason), so tests
// and vectors can name the rule that failed. A rejected input never changes
// the state of an instance.
var (
	// ErrMalformed: the message could not be decoded or is nil.
	ErrMalformed = errors.New("malformed message")
	// ErrWrongInstance: the message is for another consensus instance.
	ErrWrongInstance = errors.New("message for another instance")
	// ErrUnknownType: the message type is not one of the five types.
	ErrUnknownType = errors.New("unknown message type")
	// ErrUnknownSender: the sender is not a node index 1..N.
	ErrUnknownSender = errors.New("sender is not a node of the cluster")
	// ErrRoundTooHigh: the round is above MaxRound.
	ErrRoundTooHigh = errors.New("round above MaxRound")
	// ErrWrongType: a justification entry has the wrong message type.
	ErrWrongType = errors.New("justification entry of the wrong message type")
	// ErrWrongRound: a justification entry is for another round than the
	// one it must justify.
	ErrWrongRound = errors.New("justification entry for the wrong round")
	// ErrBadSignature: the signature is not the sender's over the message.
	ErrBadSignature = errors.New("invalid signature")
	// ErrValueSize: a value is empty where one is required, or larger than
	// MaxValueSize.
	ErrValueSize = errors.New("value missing or too large")
	// ErrDigestMismatch: a value does not hash to the digest that refers to it.
	ErrDigestMismatch = errors.New("value does not match its digest")
	// ErrUnexpectedField: the message carries a field its type does not use
	// (a value, a justification list, prepared fields, a non-zero digest).
	ErrUnexpectedField = errors.New("field not allowed for this message type")
	// ErrNotLeader: a PROPOSAL from a node that is not the round's leader.
	ErrNotLeader = errors.New("proposal sender is not the round's leader")
	// ErrRoundChangeRoundZero: a ROUND_CHANGE for round 0 (no round is
	// entered by a round change to 0).
	ErrRoundChangeRoundZero = errors.New("round change for round 0")
	// ErrPreparedFieldsMismatch: one of PreparedRound and PreparedDigest is
	// present and the other absent.
	ErrPreparedFieldsMismatch = errors.New("prepared round and prepared digest not both present or both absent")
	// ErrPreparedRoundNotLower: a ROUND_CHANGE whose PreparedRound is not
	// below its round.
	ErrPreparedRoundNotLower = errors.New("prepared round not below the round")
	// ErrJustificationTooLong: a justification list has more than N entries.
	ErrJustificationTooLong = errors.New("justification has more entries than nodes")
	// ErrInvalidJustification: an entry of a justification is not valid.
	ErrInvalidJustification = errors.New("invalid justification entry")
	// ErrNoRoundChangeQuorum: fewer than Quorum(N) distinct senders of
	// ROUND_CHANGEs justify a proposal.
	ErrNoRoundChangeQuorum = errors.New("round changes from fewer than a quorum of senders")
	// ErrNoPrepareQuorum: fewer than Quorum(N) distinct senders of PREPAREs
	// justify a prepared value.
	ErrNoPrepareQuorum = errors.New("prepares from fewer than a quorum of senders")
	// ErrNoCommitQuorum: fewer than Quorum(N) distinct senders of COMMITs in
	// a DECIDED.
	ErrNoCommitQuorum = errors.New("commits from fewer than a quorum of senders")
	// ErrNotHighestPrepared: the proposed value is not the value of a
	// highest prepared ROUND_CHANGE of the justification.
	ErrNotHighestPrepared = errors.New("proposal value is not the highest prepared value")
	// ErrEquivocation: the sender already sent a different message of this
	// type for this round; the first one is kept.
	ErrEquivocation = errors.New("equivocation: sender sent a different message of this type and round")
	// ErrAlreadyStarted: Start on a started instance, or Engine.Start on an
	// active instance id.
	ErrAlreadyStarted = errors.New("instance already started")
	// ErrOwnValueSet: SetOwnValue after the own value was set.
	ErrOwnValueSet = errors.New("own value already set")
	// ErrInvalidValue: the own value fails the validity predicate.
	ErrInvalidValue = errors.New("value fails the validity predicate")
	// ErrUnknownInstance: Engine input for an instance that is not active.
	ErrUnknownInstance = errors.New("no active instance with this id")
	// ErrSigner: this node's Signer failed.
	ErrSigner = errors.New("signer failed")
	// ErrConfig: an invalid Config, self index or snapshot.
	ErrConfig = errors.New("invalid configuration")
)

func reject(reason error, format string, args ...any) error {
	return fmt.Errorf("qbft: %w: "+format, append([]any{reason}, args...)...)
}
