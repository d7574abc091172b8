package vc

import (
	"errors"

	"github.com/dvspec/go-dvspec/spec/slashing"
)

// answerError marks a duty failure that is the beacon API's fault: an
// answer the client refused to sign (attestation data for another slot or
// epoch, a block for another slot or proposer). A conformance harness
// driving a DV node's validator API counts these against the node, and not
// a timeout or a refused submission.
type answerError struct{ err error }

func (e *answerError) Error() string { return e.err.Error() }
func (e *answerError) Unwrap() error { return e.err }

func badAnswer(err error) error {
	if err == nil {
		return nil
	}
	return &answerError{err}
}

// IsBadAnswer reports whether a duty failed because the client refused
// what the beacon API answered: invalid for the duty, or slashable under
// the client's own protection (a *slashing.ConflictError).
func IsBadAnswer(err error) bool {
	var a *answerError
	var c *slashing.ConflictError
	return errors.As(err, &a) || errors.As(err, &c)
}
