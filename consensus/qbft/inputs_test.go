package qbft

// The inputs of the package's own tests (fuzz, snapshot, sim); the rule
// cases live in consensus/qbft/qbftcases, which vectorgen renders too.

// in is one input of a table case.
type in struct {
	start   bool
	own     []byte
	timeout *uint64
	msg     *SignedMessage
}

func start() in                { return in{start: true} }
func own(v []byte) in          { return in{own: v} }
func timeout(r uint64) in      { return in{timeout: &r} }
func recv(m *SignedMessage) in { return in{msg: m} }
func recvAll(ms ...*SignedMessage) []in {
	out := make([]in, len(ms))
	for k, m := range ms {
		out[k] = recv(m)
	}
	return out
}

func (x in) apply(i *Instance) ([]Output, error) {
	switch {
	case x.start:
		return i.Start()
	case x.own != nil:
		return i.SetOwnValue(x.own)
	case x.timeout != nil:
		return i.Timeout(*x.timeout)
	default:
		return i.Receive(x.msg)
	}
}

func cat(parts ...any) []in {
	var out []in
	for _, p := range parts {
		switch p := p.(type) {
		case in:
			out = append(out, p)
		case []in:
			out = append(out, p...)
		default:
			panic("cat: bad part")
		}
	}
	return out
}

// acceptedR0 are the inputs that make node self (not the round-0 leader)
// start and accept the round-0 proposal of v.
func acceptedR0(c *tcluster, v []byte) []in {
	return []in{start(), recv(c.proposal(c.leader(0), 0, v, nil, nil))}
}

// committedR0 additionally delivers two PREPAREs from others, so node self
// prepared v and sent its COMMIT in round 0.
func committedR0(c *tcluster, self uint64, v []byte) []in {
	o := c.others(2, self)
	return cat(acceptedR0(c, v), recv(c.prepare(o[0], 0, Digest(v))), recv(c.prepare(o[1], 0, Digest(v))))
}

// selfNot returns a node that is neither of the given nodes' leader rounds.
func selfNot(c *tcluster, rounds ...uint64) uint64 { return c.notLeader(rounds...) }
