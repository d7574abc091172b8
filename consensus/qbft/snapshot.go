package qbft

import (
	"bytes"
	"maps"
	"slices"

	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// Clone returns an independent copy of the instance (messages and values,
// which are immutable, are shared). The copy has the same signer, verifier
// and validity predicate.
func (i *Instance) Clone() *Instance {
	c := *i
	c.ownDigest = cloneRoot(i.ownDigest)
	c.accepted = cloneRoot(i.accepted)
	c.proposedRound = cloneU64(i.proposedRound)
	c.committedRound = cloneU64(i.committedRound)
	c.preparedRound = cloneU64(i.preparedRound)
	c.preparedDigest = cloneRoot(i.preparedDigest)
	c.preparedJust = slices.Clone(i.preparedJust)
	if i.decided != nil {
		d := *i.decided
		d.commits = slices.Clone(i.decided.commits)
		c.decided = &d
	}
	c.rejected = maps.Clone(i.rejected)
	c.answered = slices.Clone(i.answered)
	c.rounds = make(map[uint64]*roundMsgs, len(i.rounds))
	for r, rm := range i.rounds {
		c.rounds[r] = &roundMsgs{
			proposal: rm.proposal,
			prepares: slices.Clone(rm.prepares),
			commits:  slices.Clone(rm.commits),
			rcs:      slices.Clone(rm.rcs),
		}
	}
	c.roundOrder = slices.Clone(i.roundOrder)
	c.values = maps.Clone(i.values)
	return &c
}

func cloneRoot(r *phase0.Root) *phase0.Root {
	if r == nil {
		return nil
	}
	return optRoot(*r)
}

func cloneU64(v *uint64) *uint64 {
	if v == nil {
		return nil
	}
	return optU64(*v)
}

// Snapshot returns the instance's state as an SSZ container. It is
// deterministic: two instances that received the same inputs in the same
// order have byte-identical snapshots. Restore inverts it.
func (i *Instance) Snapshot() *Snapshot {
	s := &Snapshot{
		Instance:              i.check.ID,
		N:                     i.check.N,
		Self:                  i.self,
		Started:               i.started,
		Round:                 i.round,
		OwnDigest:             listRoot(i.ownDigest),
		AcceptedDigest:        listRoot(i.accepted),
		ProposedRound:         listU64(i.proposedRound),
		CommittedRound:        listU64(i.committedRound),
		PreparedRound:         listU64(i.preparedRound),
		PreparedDigest:        listRoot(i.preparedDigest),
		PreparedJustification: slices.Clone(i.preparedJust),
		Answered:              slices.Clone(i.answered),
	}
	if i.decided != nil {
		s.DecidedRound = []uint64{i.decided.round}
		s.DecidedDigest = []phase0.Root{i.decided.digest}
		s.DecidedCommits = slices.Clone(i.decided.commits)
	}
	for r, bad := range i.rejected {
		if bad {
			s.RejectedRounds = append(s.RejectedRounds, r)
		}
	}
	slices.Sort(s.RejectedRounds)
	strip := func(m *SignedMessage) *SignedMessage {
		c := *m
		c.Value = nil
		return &c
	}
	for _, r := range i.roundOrder {
		rm := i.rounds[r]
		if rm.proposal != nil {
			s.Messages = append(s.Messages, strip(rm.proposal))
		}
		for _, list := range [][]*SignedMessage{rm.prepares, rm.commits, rm.rcs} {
			for _, m := range list {
				if m != nil {
					s.Messages = append(s.Messages, strip(m))
				}
			}
		}
	}
	digests := slices.SortedFunc(maps.Keys(i.values), func(a, b phase0.Root) int { return bytes.Compare(a[:], b[:]) })
	for _, d := range digests {
		s.Values = append(s.Values, i.values[d])
	}
	return s
}

// Restore rebuilds an instance from a snapshot, with cfg's signer and
// verifier and the validity predicate (no Dafny counterpart). cfg.N and
// cfg.Self must match the snapshot. Every message, justification and
// digest of the snapshot is checked as Receive would check it, so a
// snapshot cannot smuggle in a state the rules could not reach by
// accepting valid messages; the returned error wraps ErrConfig.
func Restore(s *Snapshot, cfg Config, validity Validity) (*Instance, error) {
	if s == nil {
		return nil, reject(ErrConfig, "nil snapshot")
	}
	if cfg.N != s.N || cfg.Self != s.Self {
		return nil, reject(ErrConfig, "snapshot of node %d of %d, config node %d of %d", s.Self, s.N, cfg.Self, cfg.N)
	}
	i, err := New(cfg, s.Instance, validity)
	if err != nil {
		return nil, err
	}
	bad := func(format string, args ...any) (*Instance, error) {
		return nil, reject(ErrConfig, "snapshot: "+format, args...)
	}
	if s.Round > MaxRound || uint64(len(s.Answered)) != s.N || len(s.Messages) > MaxSnapshotMessages || len(s.Values) > MaxSnapshotMessages {
		return bad("round %d, %d answered entries, %d messages, %d values", s.Round, len(s.Answered), len(s.Messages), len(s.Values))
	}
	for k, v := range s.Values {
		if len(v) == 0 || len(v) > MaxValueSize {
			return bad("value %d has %d bytes", k, len(v))
		}
		d := Digest(v)
		if prev := Digest(s.Values[max(k, 1)-1]); k > 0 && bytes.Compare(prev[:], d[:]) >= 0 {
			return bad("values not sorted by digest")
		}
		i.values[d] = v
	}
	known := func(l []phase0.Root) bool {
		for _, d := range l {
			if _, ok := i.values[d]; !ok {
				return false
			}
		}
		return true
	}
	last := -1
	for k, stored := range s.Messages {
		if stored == nil {
			return bad("message %d is nil", k)
		}
		m := *stored
		switch {
		case m.Message.Type == MsgProposal:
			m.Value = i.values[m.Message.Digest]
		case m.Message.Type == MsgRoundChange && len(m.Message.PreparedDigest) == 1:
			m.Value = i.values[m.Message.PreparedDigest[0]]
		}
		if err := i.check.ValidateMessage(&m); err != nil {
			return bad("message %d: %w", k, err)
		}
		if m.Message.Type == MsgDecided {
			return bad("message %d is a DECIDED", k)
		}
		key := int(m.Message.Round)<<20 | int(m.Message.Type)<<16 | int(m.Message.Sender)
		if key <= last {
			return bad("messages not sorted by (round, type, sender)")
		}
		last = key
		if _, err := i.store(&m); err != nil {
			return bad("message %d: %w", k, err)
		}
	}
	if !known(s.OwnDigest) || !known(s.AcceptedDigest) || !known(s.PreparedDigest) || !known(s.DecidedDigest) {
		return bad("digest without a value")
	}
	if len(s.PreparedRound) != len(s.PreparedDigest) || len(s.DecidedRound) != len(s.DecidedDigest) {
		return bad("optional fields not paired")
	}
	i.started = s.Started
	i.round = s.Round
	i.ownDigest = ptrRoot(s.OwnDigest)
	i.accepted = ptrRoot(s.AcceptedDigest)
	i.proposedRound = ptrU64(s.ProposedRound)
	i.committedRound = ptrU64(s.CommittedRound)
	if len(s.PreparedRound) == 1 {
		if err := i.check.checkQuorum(s.PreparedJustification, MsgPrepare, s.PreparedRound[0], &s.PreparedDigest[0], ErrNoPrepareQuorum); err != nil {
			return bad("prepared justification: %w", err)
		}
		i.preparedRound = ptrU64(s.PreparedRound)
		i.preparedDigest = ptrRoot(s.PreparedDigest)
		i.preparedJust = slices.Clone(s.PreparedJustification)
	} else if len(s.PreparedJustification) > 0 {
		return bad("prepared justification without a prepared value")
	}
	if len(s.DecidedRound) == 1 {
		if err := i.check.JustifyDecided(s.DecidedCommits, s.DecidedRound[0], s.DecidedDigest[0]); err != nil {
			return bad("decided commits: %w", err)
		}
		i.decided = &decision{round: s.DecidedRound[0], digest: s.DecidedDigest[0], commits: slices.Clone(s.DecidedCommits)}
	} else if len(s.DecidedCommits) > 0 {
		return bad("decided commits without a decision")
	}
	for k, r := range s.RejectedRounds {
		if r > MaxRound || (k > 0 && r <= s.RejectedRounds[k-1]) {
			return bad("rejected rounds not ascending or above MaxRound")
		}
		i.rejected[r] = true
	}
	copy(i.answered, s.Answered)
	return i, nil
}
