package qbft

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
)

// testID is the instance of most tests.
var testID = consensus.InstanceID{
	Cluster:   phase0.Root{0xc1},
	Validator: phase0.BLSPubKey{0xaa, 0x01},
	DutyType:  uint64(consensus.DutyAttester),
	Slot:      100,
}

// otherID differs from testID in the slot only.
var otherID = consensus.InstanceID{Cluster: testID.Cluster, Validator: testID.Validator, DutyType: testID.DutyType, Slot: 101}

var errBadValue = errors.New("value starts with 'bad'")

// testValidity accepts every value except those starting with "bad".
func testValidity(v []byte) error {
	if len(v) >= 3 && string(v[:3]) == "bad" {
		return errBadValue
	}
	return nil
}

// tcluster signs messages as any node of an n-node test cluster.
type tcluster struct {
	n        uint64
	id       consensus.InstanceID
	signers  []Ed25519Signer
	verifier Ed25519Verifier
}

var (
	clusterMu    sync.Mutex
	clusterCache = map[uint64]*tcluster{}
)

func newCluster(n uint64) *tcluster {
	clusterMu.Lock()
	defer clusterMu.Unlock()
	if c, ok := clusterCache[n]; ok {
		cc := *c
		cc.id = testID
		return &cc
	}
	c := &tcluster{n: n, id: testID, verifier: TestVerifier(n)}
	for i := uint64(1); i <= n; i++ {
		c.signers = append(c.signers, Ed25519Signer{Key: TestKey(i)})
	}
	clusterCache[n] = c
	cc := *c
	return &cc
}

func (c *tcluster) cfg(self uint64) Config {
	return Config{N: c.n, Self: self, Signer: c.signers[self-1], Verifier: c.verifier}
}

func (c *tcluster) instance(t testing.TB, self uint64) *Instance {
	t.Helper()
	i, err := New(c.cfg(self), c.id, testValidity)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

func (c *tcluster) leader(r uint64) uint64 { return Leader(c.id, r, c.n) }

// notLeader returns a node that is not the leader of any of the rounds.
func (c *tcluster) notLeader(rounds ...uint64) uint64 {
	for i := uint64(1); i <= c.n; i++ {
		ok := true
		for _, r := range rounds {
			if c.leader(r) == i {
				ok = false
			}
		}
		if ok {
			return i
		}
	}
	panic("no such node")
}

// others returns k nodes other than the excluded ones, ascending.
func (c *tcluster) others(k int, exclude ...uint64) []uint64 {
	var out []uint64
	for i := uint64(1); i <= c.n && len(out) < k; i++ {
		skip := false
		for _, e := range exclude {
			if e == i {
				skip = true
			}
		}
		if !skip {
			out = append(out, i)
		}
	}
	if len(out) < k {
		panic(fmt.Sprintf("only %d other nodes", len(out)))
	}
	return out
}

// sign signs msg with the key of msg.Message.Sender (0 or > n: key of
// node 1, so the signature is wrong).
func (c *tcluster) sign(msg *SignedMessage) *SignedMessage {
	s := msg.Message.Sender
	if s == 0 || s > c.n {
		s = 1
	}
	sig, err := Sign(&msg.Message, c.signers[s-1])
	if err != nil {
		panic(err)
	}
	msg.Signature = sig
	return msg
}

func (c *tcluster) msg(typ MsgType, sender, round uint64, digest phase0.Root) Message {
	return Message{Type: typ, Instance: c.id, Round: round, Sender: sender, Digest: digest}
}

func (c *tcluster) proposal(sender, round uint64, value []byte, rcs, prepares []*SignedPayload) *SignedMessage {
	return c.sign(&SignedMessage{Message: c.msg(MsgProposal, sender, round, Digest(value)), Value: value, RoundChanges: rcs, Prepares: prepares})
}

func (c *tcluster) prepare(sender, round uint64, d phase0.Root) *SignedMessage {
	return c.sign(&SignedMessage{Message: c.msg(MsgPrepare, sender, round, d)})
}

func (c *tcluster) commit(sender, round uint64, d phase0.Root) *SignedMessage {
	return c.sign(&SignedMessage{Message: c.msg(MsgCommit, sender, round, d)})
}

// rc makes a ROUND_CHANGE; value nil means not prepared.
func (c *tcluster) rc(sender, round uint64, preparedRound uint64, value []byte, prepares []*SignedPayload) *SignedMessage {
	m := &SignedMessage{Message: c.msg(MsgRoundChange, sender, round, phase0.Root{})}
	if value != nil {
		m.Message.SetPrepared(preparedRound, Digest(value))
		m.Value = value
		m.Prepares = prepares
	}
	return c.sign(m)
}

func (c *tcluster) decided(sender, round uint64, value []byte, commits []*SignedPayload) *SignedMessage {
	return c.sign(&SignedMessage{Message: c.msg(MsgDecided, sender, round, Digest(value)), Value: value, Commits: commits})
}

func payloads(msgs ...*SignedMessage) []*SignedPayload {
	out := make([]*SignedPayload, len(msgs))
	for i, m := range msgs {
		out[i] = m.Payload()
	}
	return out
}

// prepares returns PREPAREs for (round, digest of value) from senders.
func (c *tcluster) prepares(round uint64, value []byte, senders ...uint64) []*SignedPayload {
	var out []*SignedPayload
	for _, s := range senders {
		out = append(out, c.prepare(s, round, Digest(value)).Payload())
	}
	return out
}

func (c *tcluster) commits(round uint64, value []byte, senders ...uint64) []*SignedPayload {
	var out []*SignedPayload
	for _, s := range senders {
		out = append(out, c.commit(s, round, Digest(value)).Payload())
	}
	return out
}

// rcs returns unprepared ROUND_CHANGE payloads for round from senders.
func (c *tcluster) rcs(round uint64, senders ...uint64) []*SignedPayload {
	var out []*SignedPayload
	for _, s := range senders {
		out = append(out, c.rc(s, round, 0, nil, nil).Payload())
	}
	return out
}

func seq(from, to uint64) []uint64 {
	var out []uint64
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

// snapRoot is the hash tree root of an instance's snapshot.
func snapRoot(t testing.TB, i *Instance) phase0.Root {
	t.Helper()
	r, err := i.Snapshot().HashTreeRoot()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// outputKinds describes outputs compactly, e.g. "timer(1) PROPOSAL(1) PREPARE(1)".
func outputKinds(out []Output) string {
	s := ""
	for k, o := range out {
		if k > 0 {
			s += " "
		}
		switch o := o.(type) {
		case Broadcast:
			s += fmt.Sprintf("%s(%d)", o.Msg.Message.Type, o.Msg.Message.Round)
		case SetTimer:
			s += fmt.Sprintf("timer(%d)", o.Round)
		case Decide:
			s += fmt.Sprintf("decide(%d,%s)", o.Round, o.Value)
		}
	}
	return s
}

// broadcasts returns the broadcast messages of out.
func broadcasts(out []Output) []*SignedMessage {
	var msgs []*SignedMessage
	for _, o := range out {
		if b, ok := o.(Broadcast); ok {
			msgs = append(msgs, b.Msg)
		}
	}
	return msgs
}

func decideOf(out []Output) *Decide {
	for _, o := range out {
		if d, ok := o.(Decide); ok {
			return &d
		}
	}
	return nil
}

// The values of the tests (the rule cases are consensus/qbft/qbftcases').
var (
	vA = []byte("value-A")
	vB = []byte("value-B")
	vC = []byte("value-C")
)

// justifiedProposal is a proposal for round r > 0 from its leader with
// fresh value v and unprepared round changes from the first quorum nodes.
func (c *tcluster) justifiedProposal(r uint64, v []byte) *SignedMessage {
	return c.proposal(c.leader(r), r, v, c.rcs(r, seq(1, Quorum(c.n))...), nil)
}

func mutate(m *SignedMessage, f func(*SignedMessage)) *SignedMessage {
	c := *m
	f(&c)
	return &c
}

// preparedRC is a ROUND_CHANGE for round from sender, prepared in round pr
// with v and a quorum of PREPAREs.
func (c *tcluster) preparedRC(sender, round, pr uint64, v []byte) *SignedMessage {
	return c.rc(sender, round, pr, v, c.prepares(pr, v, seq(1, Quorum(c.n))...))
}
