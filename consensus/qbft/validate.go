package qbft

import (
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
)

// Checker checks received messages against everything that does not depend
// on the receiving node's state: the instance, the cluster size and the
// node keys. It is the stateless half of the Dafny validity predicates
// (isValidProposal without its round condition, validRoundChange,
// validSignedPrepareForHeightRoundAndDigest, validateCommit,
// isProposalJustification, ValidNewBlock).
type Checker struct {
	// ID is the instance every message must belong to.
	ID consensus.InstanceID
	// N is the number of nodes; senders are 1..N.
	N uint64
	// Verifier holds the node keys.
	Verifier Verifier
}

// ValidateMessage checks a received message and returns nil or the reason
// it must be dropped. In order:
//   - common header: a known type, this instance, a sender in 1..N, a round
//     at most MaxRound;
//   - the fields the type allows, the value's size and digest;
//   - PROPOSAL: the sender is Leader(id, round, N);
//   - the sender's signature;
//   - the justification: JustifyProposal (PROPOSAL), JustifyRoundChange
//     (ROUND_CHANGE), JustifyDecided (DECIDED).
//
// It is the stateless part of the Dafny isValidProposal (for PROPOSAL) and
// of the checks the Dafny model applies to every message it counts.
func (c *Checker) ValidateMessage(msg *SignedMessage) error {
	if msg == nil {
		return reject(ErrMalformed, "nil message")
	}
	m := &msg.Message
	if err := c.checkHeader(m); err != nil {
		return err
	}
	if len(msg.RoundChanges) > 0 && m.Type != MsgProposal {
		return reject(ErrUnexpectedField, "%s carries round changes", m.Type)
	}
	if len(msg.Prepares) > 0 && m.Type != MsgProposal && m.Type != MsgRoundChange {
		return reject(ErrUnexpectedField, "%s carries prepares", m.Type)
	}
	if len(msg.Commits) > 0 && m.Type != MsgDecided {
		return reject(ErrUnexpectedField, "%s carries commits", m.Type)
	}
	switch m.Type {
	case MsgProposal, MsgDecided:
		if err := noPreparedFields(m); err != nil {
			return err
		}
		if err := checkValue(msg.Value, m.Digest); err != nil {
			return err
		}
		if m.Type == MsgProposal {
			if leader := Leader(c.ID, m.Round, c.N); m.Sender != leader {
				return reject(ErrNotLeader, "sender %d, leader of round %d is %d", m.Sender, m.Round, leader)
			}
			if m.Round == 0 && (len(msg.RoundChanges) > 0 || len(msg.Prepares) > 0) {
				return reject(ErrUnexpectedField, "round 0 proposal carries a justification")
			}
		}
	case MsgPrepare, MsgCommit:
		if err := noPreparedFields(m); err != nil {
			return err
		}
		if len(msg.Value) > 0 {
			return reject(ErrUnexpectedField, "%s carries a value", m.Type)
		}
	case MsgRoundChange:
		if err := c.checkRoundChangePayload(m); err != nil {
			return err
		}
		if _, pd, ok := m.Prepared(); !ok {
			if len(msg.Value) > 0 || len(msg.Prepares) > 0 {
				return reject(ErrUnexpectedField, "unprepared round change carries a value or prepares")
			}
		} else if err := checkValue(msg.Value, pd); err != nil {
			return err
		}
	}
	if !verifyPayload(c.Verifier, m, msg.Signature) {
		return reject(ErrBadSignature, "%s from %d round %d", m.Type, m.Sender, m.Round)
	}
	switch m.Type {
	case MsgProposal:
		if m.Round > 0 {
			return c.JustifyProposal(msg.RoundChanges, msg.Prepares, m.Round, m.Digest)
		}
	case MsgRoundChange:
		return c.JustifyRoundChange(msg)
	case MsgDecided:
		return c.JustifyDecided(msg.Commits, m.Round, m.Digest)
	}
	return nil
}

func (c *Checker) checkHeader(m *Message) error {
	if !m.Type.Valid() {
		return reject(ErrUnknownType, "type %d", uint64(m.Type))
	}
	if m.Instance != c.ID {
		return reject(ErrWrongInstance, "%s, want %s", m.Instance, c.ID)
	}
	if m.Sender == 0 || m.Sender > c.N {
		return reject(ErrUnknownSender, "sender %d, nodes 1..%d", m.Sender, c.N)
	}
	if m.Round > MaxRound {
		return reject(ErrRoundTooHigh, "round %d", m.Round)
	}
	if len(m.PreparedRound) > 1 || len(m.PreparedDigest) > 1 {
		return reject(ErrMalformed, "optional field with more than one element")
	}
	return nil
}

func noPreparedFields(m *Message) error {
	if m.hasPreparedFields() {
		return reject(ErrUnexpectedField, "%s carries prepared fields", m.Type)
	}
	return nil
}

func checkValue(value []byte, digest phase0.Root) error {
	if len(value) == 0 || len(value) > MaxValueSize {
		return reject(ErrValueSize, "value of %d bytes", len(value))
	}
	if Digest(value) != digest {
		return reject(ErrDigestMismatch, "digest %#x", digest[:])
	}
	return nil
}

// checkRoundChangePayload is the payload part of the Dafny validRoundChange
// (without the expected round): round >= 1, zero digest, prepared fields
// both absent or both present with PreparedRound < Round.
func (c *Checker) checkRoundChangePayload(m *Message) error {
	if m.Round == 0 {
		return reject(ErrRoundChangeRoundZero, "from %d", m.Sender)
	}
	if m.Digest != (phase0.Root{}) {
		return reject(ErrUnexpectedField, "round change with a non-zero digest")
	}
	if len(m.PreparedRound) != len(m.PreparedDigest) {
		return reject(ErrPreparedFieldsMismatch, "from %d round %d", m.Sender, m.Round)
	}
	if pr, _, ok := m.Prepared(); ok && pr >= m.Round {
		return reject(ErrPreparedRoundNotLower, "prepared round %d, round %d", pr, m.Round)
	}
	return nil
}

// checkEntry checks one justification entry: type, instance, sender, round,
// digest (when want is not nil), fields and signature.
func (c *Checker) checkEntry(p *SignedPayload, typ MsgType, round uint64, digest *phase0.Root) error {
	if p == nil {
		return reject(ErrMalformed, "nil entry")
	}
	m := &p.Message
	if m.Type != typ {
		return reject(ErrWrongType, "%s, want %s", m.Type, typ)
	}
	if err := c.checkHeader(m); err != nil {
		return err
	}
	if m.Round != round {
		return reject(ErrWrongRound, "round %d, want %d", m.Round, round)
	}
	if typ == MsgRoundChange {
		if err := c.checkRoundChangePayload(m); err != nil {
			return err
		}
	} else {
		if err := noPreparedFields(m); err != nil {
			return err
		}
		if m.Digest != *digest {
			return reject(ErrDigestMismatch, "%s digest %#x, want %#x", typ, m.Digest[:], digest[:])
		}
	}
	if !verifyPayload(c.Verifier, m, p.Signature) {
		return reject(ErrBadSignature, "%s from %d round %d", typ, m.Sender, m.Round)
	}
	return nil
}

// checkQuorum checks every entry of list and that they come from at least
// Quorum(N) distinct senders (an entry repeated or a sender signing twice
// counts once).
func (c *Checker) checkQuorum(list []*SignedPayload, typ MsgType, round uint64, digest *phase0.Root, noQuorum error) error {
	if uint64(len(list)) > c.N {
		return reject(ErrJustificationTooLong, "%d %s entries, %d nodes", len(list), typ, c.N)
	}
	seen := make(map[uint64]bool, len(list))
	for i, p := range list {
		if err := c.checkEntry(p, typ, round, digest); err != nil {
			return reject(ErrInvalidJustification, "%s[%d]: %w", typ, i, err)
		}
		seen[p.Message.Sender] = true
	}
	if q := Quorum(c.N); uint64(len(seen)) < q {
		return reject(noQuorum, "%d distinct senders, quorum %d", len(seen), q)
	}
	return nil
}

// ValidRoundChange is the Dafny validRoundChange(sPayload, height, round,
// validators): p is a ROUND_CHANGE of this instance for round, from a node
// 1..N, correctly signed, whose prepared fields are both absent or both
// present with PreparedRound < round.
func (c *Checker) ValidRoundChange(p *SignedPayload, round uint64) error {
	return c.checkEntry(p, MsgRoundChange, round, nil)
}

// ValidSignedPrepare is the Dafny validSignedPrepareForHeightRoundAndDigest:
// p is a PREPARE of this instance for (round, digest) from a node 1..N,
// correctly signed.
func (c *Checker) ValidSignedPrepare(p *SignedPayload, round uint64, digest phase0.Root) error {
	return c.checkEntry(p, MsgPrepare, round, &digest)
}

// ValidateCommit is the Dafny validateCommit: p is a COMMIT of this instance
// for (round, digest) from a node 1..N, correctly signed. The Dafny commit
// seal (a second signature over the block) is the COMMIT's own signature
// here: its author is the sender by construction.
func (c *Checker) ValidateCommit(p *SignedPayload, round uint64, digest phase0.Root) error {
	return c.checkEntry(p, MsgCommit, round, &digest)
}

// JustifyProposal is the Dafny isProposalJustification for round > 0 (the
// paper's JUSTIFY-PRE-PREPARE, Algorithm 4): roundChanges are valid
// ROUND_CHANGEs for round (ValidRoundChange) from at least Quorum(N)
// distinct senders, and
//   - if none of them is prepared, prepares is empty (a fresh value);
//   - otherwise some ROUND_CHANGE with the highest PreparedRound has
//     PreparedDigest == digest (Dafny: digest of the block re-stamped to the
//     prepared round; values carry no round here), and prepares are valid
//     PREPAREs for (that round, digest) from at least Quorum(N) distinct
//     senders.
//
// The Dafny fresh-value branch also checks the block's validity; here the
// validity predicate is the receiving instance's and is applied when the
// proposal is processed (Instance.UponProposal), for every proposal.
// Round 0 proposals carry no justification (see ValidateMessage).
func (c *Checker) JustifyProposal(roundChanges, prepares []*SignedPayload, round uint64, digest phase0.Root) error {
	if err := c.checkQuorum(roundChanges, MsgRoundChange, round, nil, ErrNoRoundChangeQuorum); err != nil {
		return err
	}
	var pr uint64
	prepared := false
	for _, rc := range roundChanges {
		if r, _, ok := rc.Message.Prepared(); ok && (!prepared || r > pr) {
			pr, prepared = r, true
		}
	}
	if !prepared {
		if len(prepares) > 0 {
			return reject(ErrUnexpectedField, "fresh-value proposal carries prepares")
		}
		return nil
	}
	found := false
	for _, rc := range roundChanges {
		if r, d, ok := rc.Message.Prepared(); ok && r == pr && d == digest {
			found = true
			break
		}
	}
	if !found {
		return reject(ErrNotHighestPrepared, "highest prepared round %d has no round change with digest %#x", pr, digest[:])
	}
	return c.checkQuorum(prepares, MsgPrepare, pr, &digest, ErrNoPrepareQuorum)
}

// JustifyRoundChange is the paper's JUSTIFY-ROUND-CHANGE (Algorithm 4) for
// one message, as ssv-spec and charon apply it on receipt: a prepared
// ROUND_CHANGE carries valid PREPAREs for (PreparedRound, PreparedDigest)
// from at least Quorum(N) distinct senders. (The Dafny model instead looks
// for the prepares among the messages the node received itself.)
func (c *Checker) JustifyRoundChange(msg *SignedMessage) error {
	pr, pd, ok := msg.Message.Prepared()
	if !ok {
		return nil
	}
	return c.checkQuorum(msg.Prepares, MsgPrepare, pr, &pd, ErrNoPrepareQuorum)
}

// JustifyDecided is the Dafny ValidNewBlock for one instance: commits are
// valid COMMITs (ValidateCommit) for (round, digest) from at least
// Quorum(N) distinct senders.
func (c *Checker) JustifyDecided(commits []*SignedPayload, round uint64, digest phase0.Root) error {
	return c.checkQuorum(commits, MsgCommit, round, &digest, ErrNoCommitQuorum)
}
