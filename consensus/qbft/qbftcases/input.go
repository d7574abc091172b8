package qbftcases

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/dvspec/go-dvspec/consensus/qbft"
)

// Input is one input of a node's instance: exactly one of Start, Own,
// Timeout and Receive (Msg, possibly nil: a nil message is a case too).
type Input struct {
	Start   bool
	Own     []byte
	Timeout *uint64
	Msg     *qbft.SignedMessage
}

// Apply gives the input to the instance.
func (x Input) Apply(i *qbft.Instance) ([]qbft.Output, error) {
	switch {
	case x.Start:
		return i.Start()
	case x.Own != nil:
		return i.SetOwnValue(x.Own)
	case x.Timeout != nil:
		return i.Timeout(*x.Timeout)
	}
	return i.Receive(x.Msg)
}

func start() Input                     { return Input{Start: true} }
func own(v []byte) Input               { return Input{Own: v} }
func timeout(r uint64) Input           { return Input{Timeout: &r} }
func recv(m *qbft.SignedMessage) Input { return Input{Msg: m} }
func recvAll(ms ...*qbft.SignedMessage) []Input {
	out := make([]Input, len(ms))
	for k, m := range ms {
		out[k] = recv(m)
	}
	return out
}

func cat(parts ...any) []Input {
	var out []Input
	for _, p := range parts {
		switch p := p.(type) {
		case Input:
			out = append(out, p)
		case []Input:
			out = append(out, p...)
		default:
			panic("cat: bad part")
		}
	}
	return out
}

// The values of the cases. A value starting with "bad" is one the
// validity predicate refuses (InvalidValues).
var (
	ValueA = []byte("value-A")
	ValueB = []byte("value-B")
	ValueC = []byte("value-C")

	vA, vB, vC = ValueA, ValueB, ValueC
)

// InvalidValues are the values of inputs the cases' validity predicate
// refuses: those starting with "bad", sorted, once each. The vectors list
// them in config.yaml, so an implementation needs no rule about prefixes.
func InvalidValues(inputs []Input) [][]byte {
	seen := map[string]bool{}
	var out [][]byte
	add := func(v []byte) {
		if bytes.HasPrefix(v, []byte("bad")) && !seen[string(v)] {
			seen[string(v)] = true
			out = append(out, v)
		}
	}
	for _, x := range inputs {
		add(x.Own)
		if x.Msg != nil {
			add(x.Msg.Value)
		}
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i], out[j]) < 0 })
	return out
}

// ErrInvalidTestValue is the refusal of Validity.
var ErrInvalidTestValue = errors.New("invalid test value")

// Validity refuses exactly the listed values.
func Validity(invalid [][]byte) qbft.Validity {
	return func(v []byte) error {
		for _, x := range invalid {
			if bytes.Equal(x, v) {
				return ErrInvalidTestValue
			}
		}
		return nil
	}
}

// OutputKinds describes outputs compactly, as the cases state them:
// "timer(1) PROPOSAL(1) PREPARE(1)", "decide(0,value-A)".
func OutputKinds(out []qbft.Output) string {
	s := make([]string, 0, len(out))
	for _, o := range out {
		switch o := o.(type) {
		case qbft.Broadcast:
			s = append(s, fmt.Sprintf("%s(%d)", o.Msg.Message.Type, o.Msg.Message.Round))
		case qbft.SetTimer:
			s = append(s, fmt.Sprintf("timer(%d)", o.Round))
		case qbft.Decide:
			s = append(s, fmt.Sprintf("decide(%d,%s)", o.Round, o.Value))
		}
	}
	return strings.Join(s, " ")
}

func broadcasts(out []qbft.Output) []*qbft.SignedMessage {
	var msgs []*qbft.SignedMessage
	for _, o := range out {
		if b, ok := o.(qbft.Broadcast); ok {
			msgs = append(msgs, b.Msg)
		}
	}
	return msgs
}

func decideOf(out []qbft.Output) *qbft.Decide {
	for _, o := range out {
		if d, ok := o.(qbft.Decide); ok {
			return &d
		}
	}
	return nil
}

func acceptedR0(c *Cluster, v []byte) []Input {
	return []Input{start(), recv(c.Proposal(c.Leader(0), 0, v, nil, nil))}
}

func committedR0(c *Cluster, self uint64, v []byte) []Input {
	o := c.Others(2, self)
	return cat(acceptedR0(c, v), recv(c.Prepare(o[0], 0, qbft.Digest(v))), recv(c.Prepare(o[1], 0, qbft.Digest(v))))
}

func selfNot(c *Cluster, rounds ...uint64) uint64 { return c.NotLeader(rounds...) }

// mutate returns a changed copy of m (its signature unchanged: re-sign it
// with Sign where the case wants a valid one).
func mutate(m *qbft.SignedMessage, f func(*qbft.SignedMessage)) *qbft.SignedMessage {
	c := *m
	f(&c)
	return &c
}
