package qbft

import (
	"time"

	"github.com/dvspec/go-dvspec/consensus"
)

// Output is one effect of an input: Broadcast, SetTimer or Decide. Outputs
// are returned in the order the rules produced them.
type Output interface {
	isOutput()
}

// Broadcast asks the driver to send Msg to every other node of the cluster
// (the Dafny Multicast to validators(blockchain)). The instance has already
// processed its own message; the driver must not deliver it back (doing so
// is harmless: it is a duplicate).
type Broadcast struct {
	Msg *SignedMessage
}

// SetTimer asks the driver to call Timeout(Round) on the instance when
// Deadline has passed since the instance's origin (RoundDeadline). Duration
// is RoundTimeout(Round), the length of the round, for information. A new
// SetTimer replaces the previous one; Timeout for a round the instance has
// left is ignored, so a driver need not cancel timers.
type SetTimer struct {
	Instance consensus.InstanceID
	Round    uint64
	Duration time.Duration
	Deadline time.Duration
}

// Decide reports the decision: Value, decided in Round by the quorum of
// COMMITs Commits (sorted by sender). It is output once per instance; the
// instance stops its timers and round activity.
type Decide struct {
	Instance consensus.InstanceID
	Value    []byte
	Round    uint64
	Commits  []*SignedPayload
}

func (Broadcast) isOutput() {}
func (SetTimer) isOutput()  {}
func (Decide) isOutput()    {}
