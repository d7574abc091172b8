package qbftcases

import (
	"fmt"
	"slices"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/consensus/qbft"
)

// Cluster signs messages as any node of an n-node cluster running one
// instance. The instance ID is a parameter because the unit tests and the
// vectors use different (both fixed) IDs; a case must hold for any ID, so
// it names nodes by role (Leader, NotLeader), never by a fixed index that
// only happens to be the leader.
type Cluster struct {
	N        uint64
	ID       consensus.InstanceID
	Signers  []qbft.Ed25519Signer
	Verifier qbft.Ed25519Verifier
}

// NewCluster returns the cluster of nodes 1..n with consensus/qbft.TestKey
// keys.
func NewCluster(n uint64, id consensus.InstanceID) *Cluster {
	c := &Cluster{N: n, ID: id, Verifier: qbft.TestVerifier(n)}
	for i := uint64(1); i <= n; i++ {
		c.Signers = append(c.Signers, qbft.Ed25519Signer{Key: qbft.TestKey(i)})
	}
	return c
}

// Config is node self's instance configuration.
func (c *Cluster) Config(self uint64) qbft.Config {
	return qbft.Config{N: c.N, Self: self, Signer: c.Signers[self-1], Verifier: c.Verifier}
}

// OtherID differs from the cluster's instance in the slot only.
func (c *Cluster) OtherID() consensus.InstanceID {
	id := c.ID
	id.Slot++
	return id
}

// Leader is the leader of round r.
func (c *Cluster) Leader(r uint64) uint64 { return qbft.Leader(c.ID, r, c.N) }

// NotLeader returns the lowest node that leads none of the rounds.
func (c *Cluster) NotLeader(rounds ...uint64) uint64 {
	for i := uint64(1); i <= c.N; i++ {
		if !slices.ContainsFunc(rounds, func(r uint64) bool { return c.Leader(r) == i }) {
			return i
		}
	}
	panic("qbftcases: every node leads one of the rounds")
}

// Others returns k nodes other than the excluded ones, ascending.
func (c *Cluster) Others(k int, exclude ...uint64) []uint64 {
	var out []uint64
	for i := uint64(1); i <= c.N && len(out) < k; i++ {
		if !slices.Contains(exclude, i) {
			out = append(out, i)
		}
	}
	if len(out) < k {
		panic(fmt.Sprintf("qbftcases: only %d other nodes", len(out)))
	}
	return out
}

// Sign signs msg in place with the key of its sender; a sender without a
// key (0 or above n) gets node 1's, so its signature is wrong.
func (c *Cluster) Sign(msg *qbft.SignedMessage) *qbft.SignedMessage {
	s := msg.Message.Sender
	if s == 0 || s > c.N {
		s = 1
	}
	sig, err := qbft.Sign(&msg.Message, c.Signers[s-1])
	if err != nil {
		panic(err)
	}
	msg.Signature = sig
	return msg
}

// Msg is an unsigned message header of the cluster's instance.
func (c *Cluster) Msg(typ qbft.MsgType, sender, round uint64, digest phase0.Root) qbft.Message {
	return qbft.Message{Type: typ, Instance: c.ID, Round: round, Sender: sender, Digest: digest}
}

// Proposal is a signed PROPOSAL of value with its justification.
func (c *Cluster) Proposal(sender, round uint64, value []byte, rcs, prepares []*qbft.SignedPayload) *qbft.SignedMessage {
	return c.Sign(&qbft.SignedMessage{Message: c.Msg(qbft.MsgProposal, sender, round, qbft.Digest(value)), Value: value, RoundChanges: rcs, Prepares: prepares})
}

// Prepare is a signed PREPARE.
func (c *Cluster) Prepare(sender, round uint64, d phase0.Root) *qbft.SignedMessage {
	return c.Sign(&qbft.SignedMessage{Message: c.Msg(qbft.MsgPrepare, sender, round, d)})
}

// Commit is a signed COMMIT.
func (c *Cluster) Commit(sender, round uint64, d phase0.Root) *qbft.SignedMessage {
	return c.Sign(&qbft.SignedMessage{Message: c.Msg(qbft.MsgCommit, sender, round, d)})
}

// RoundChange is a signed ROUND_CHANGE; value nil means not prepared.
func (c *Cluster) RoundChange(sender, round uint64, preparedRound uint64, value []byte, prepares []*qbft.SignedPayload) *qbft.SignedMessage {
	m := &qbft.SignedMessage{Message: c.Msg(qbft.MsgRoundChange, sender, round, phase0.Root{})}
	if value != nil {
		m.Message.SetPrepared(preparedRound, qbft.Digest(value))
		m.Value = value
		m.Prepares = prepares
	}
	return c.Sign(m)
}

// Decided is a signed DECIDED carrying its commit seal.
func (c *Cluster) Decided(sender, round uint64, value []byte, commits []*qbft.SignedPayload) *qbft.SignedMessage {
	return c.Sign(&qbft.SignedMessage{Message: c.Msg(qbft.MsgDecided, sender, round, qbft.Digest(value)), Value: value, Commits: commits})
}

// Payloads returns the signed payloads of msgs.
func Payloads(msgs ...*qbft.SignedMessage) []*qbft.SignedPayload {
	out := make([]*qbft.SignedPayload, len(msgs))
	for i, m := range msgs {
		out[i] = m.Payload()
	}
	return out
}

// Prepares returns PREPAREs for (round, digest of value) from senders.
func (c *Cluster) Prepares(round uint64, value []byte, senders ...uint64) []*qbft.SignedPayload {
	var out []*qbft.SignedPayload
	for _, s := range senders {
		out = append(out, c.Prepare(s, round, qbft.Digest(value)).Payload())
	}
	return out
}

// Commits returns COMMITs for (round, digest of value) from senders.
func (c *Cluster) Commits(round uint64, value []byte, senders ...uint64) []*qbft.SignedPayload {
	var out []*qbft.SignedPayload
	for _, s := range senders {
		out = append(out, c.Commit(s, round, qbft.Digest(value)).Payload())
	}
	return out
}

// RoundChanges returns unprepared ROUND_CHANGE payloads for round from
// senders.
func (c *Cluster) RoundChanges(round uint64, senders ...uint64) []*qbft.SignedPayload {
	var out []*qbft.SignedPayload
	for _, s := range senders {
		out = append(out, c.RoundChange(s, round, 0, nil, nil).Payload())
	}
	return out
}

// PreparedRC is a ROUND_CHANGE for round from sender, prepared in round pr
// with v and a quorum of PREPAREs.
func (c *Cluster) PreparedRC(sender, round, pr uint64, v []byte) *qbft.SignedMessage {
	return c.RoundChange(sender, round, pr, v, c.Prepares(pr, v, Seq(1, qbft.Quorum(c.N))...))
}

// JustifiedProposal is a proposal for round r > 0 from its leader with
// fresh value v and unprepared round changes from the first quorum nodes.
func (c *Cluster) JustifiedProposal(r uint64, v []byte) *qbft.SignedMessage {
	return c.Proposal(c.Leader(r), r, v, c.RoundChanges(r, Seq(1, qbft.Quorum(c.N))...), nil)
}

// Seq is from, from+1, .., to.
func Seq(from, to uint64) []uint64 {
	var out []uint64
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}
