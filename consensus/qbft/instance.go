package qbft

import (
	"bytes"
	"slices"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
)

// Config is what a node needs to run QBFT instances in its cluster.
//
// Its N replaces the Dafny configuration's validators list: the nodes are the
// indices 1..N.
type Config struct {
	// N is the number of nodes, 1..MaxNodes; nodes are 1..N (their key
	// share index).
	N uint64
	// Self is this node's index, 1..N.
	Self uint64
	// Signer signs with this node's key.
	Signer Signer
	// Verifier holds the keys of nodes 1..N.
	Verifier Verifier
}

func (c *Config) validate() error {
	switch {
	case c.N == 0 || c.N > MaxNodes:
		return reject(ErrConfig, "N = %d, want 1..%d", c.N, MaxNodes)
	case c.Self == 0 || c.Self > c.N:
		return reject(ErrConfig, "self = %d, want 1..%d", c.Self, c.N)
	case c.Signer == nil || c.Verifier == nil:
		return reject(ErrConfig, "signer or verifier missing")
	}
	return nil
}

// Validity is the validity predicate of an instance: nil when value may be
// decided. It is the Dafny validateEthereumBlock / the DV model's
// validityPredicate (consensus.IsValidAttestationData and friends, bound to
// a duty and a slashing DB).
type Validity func(value []byte) error

// Instance is one node's state machine for one QBFT instance: the Dafny
// NodeState for one height, made event-driven. It is pure: no goroutines,
// clock, randomness or I/O; the same inputs in the same order give the same
// outputs, byte for byte. It is not safe for concurrent use.
//
// Inputs are Start, SetOwnValue, Receive and Timeout. Each runs the Dafny
// NodeNext: it applies the input, then the sub-steps (UponCommit,
// UponBlockTimeout, UponRoundChangeQuorum, UponProposal, UponPrepare,
// UponRoundChangeJump, in that priority) until none fires, and returns what
// they output. Before Start, received messages are checked and stored but
// no rule runs.
//
// Messages passed to Receive and returned in outputs are shared, not
// copied: neither the caller nor the instance may modify them afterwards.
type Instance struct {
	check    Checker
	self     uint64
	signer   Signer
	validity Validity

	started bool
	round   uint64

	ownDigest      *phase0.Root
	accepted       *phase0.Root
	proposedRound  *uint64
	committedRound *uint64
	preparedRound  *uint64
	preparedDigest *phase0.Root
	preparedJust   []*SignedPayload

	decided  *decision
	rejected map[uint64]bool
	answered []uint64

	rounds     map[uint64]*roundMsgs
	roundOrder []uint64 // keys of rounds, ascending
	values     map[phase0.Root][]byte
}

type decision struct {
	round   uint64
	digest  phase0.Root
	commits []*SignedPayload
	msg     *SignedMessage // this node's DECIDED, once made
}

// roundMsgs are the messages accepted for one round, at most one per
// sender and type (the first one).
type roundMsgs struct {
	proposal *SignedMessage
	prepares []*SignedMessage // index sender-1
	commits  []*SignedMessage
	rcs      []*SignedMessage
}

// New creates the instance id of node cfg.Self (the Dafny NodeInit: round 0,
// nothing received, nothing accepted or prepared). validity is applied to
// the value of every proposal the node processes and to its own value.
func New(cfg Config, id consensus.InstanceID, validity Validity) (*Instance, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if validity == nil {
		return nil, reject(ErrConfig, "nil validity predicate")
	}
	return &Instance{
		check:    Checker{ID: id, N: cfg.N, Verifier: cfg.Verifier},
		self:     cfg.Self,
		signer:   cfg.Signer,
		validity: validity,
		rejected: map[uint64]bool{},
		answered: make([]uint64, cfg.N),
		rounds:   map[uint64]*roundMsgs{},
		values:   map[phase0.Root][]byte{},
	}, nil
}

// ID returns the instance id.
func (i *Instance) ID() consensus.InstanceID { return i.check.ID }

// Checker returns the message checker of the instance (its id, N and
// verifier).
func (i *Instance) Checker() *Checker {
	c := i.check
	return &c
}

// Round returns the current round.
func (i *Instance) Round() uint64 { return i.round }

// Decided returns the decided value and round, or ok = false.
func (i *Instance) Decided() (value []byte, round uint64, ok bool) {
	if i.decided == nil {
		return nil, 0, false
	}
	return i.values[i.decided.digest], i.decided.round, true
}

// SetValidity replaces the validity predicate (the DV model re-binds the
// predicates of active instances when the slashing DB changes:
// f_update_att_consensus_engine_state). It applies to proposals processed
// from now on.
func (i *Instance) SetValidity(validity Validity) error {
	if validity == nil {
		return reject(ErrConfig, "nil validity predicate")
	}
	i.validity = validity
	return nil
}

// Start starts the instance (the Dafny consensus engine's start, and the
// paper's Algorithm 1 "start"): it sets the timer of round 0 and runs the
// rules, so a leader that already has its own value proposes. It fails with
// ErrAlreadyStarted when called twice.
func (i *Instance) Start() ([]Output, error) {
	if i.started {
		return nil, reject(ErrAlreadyStarted, "%s", i.check.ID)
	}
	i.started = true
	if i.decided != nil {
		return nil, nil
	}
	out := []Output{i.timer()}
	more, err := i.run()
	return append(out, more...), err
}

// SetOwnValue gives the node its own candidate value, which it proposes
// when it is a leader with nothing prepared to re-propose (the Dafny
// getNewBlock; the paper's input value). It may come before or after Start
// and at any round: a leader waits for it. The value must be 1..MaxValueSize
// bytes and pass the validity predicate (an honest leader never proposes a
// value it would not prepare); the first accepted value is kept.
func (i *Instance) SetOwnValue(value []byte) ([]Output, error) {
	if i.ownDigest != nil {
		return nil, reject(ErrOwnValueSet, "%s", i.check.ID)
	}
	if len(value) == 0 || len(value) > MaxValueSize {
		return nil, reject(ErrValueSize, "own value of %d bytes", len(value))
	}
	if err := i.validity(value); err != nil {
		return nil, reject(ErrInvalidValue, "own value: %w", err)
	}
	d := Digest(value)
	i.ownDigest = &d
	i.values[d] = value
	return i.run()
}

// Receive processes a message from the network. An invalid message
// (Checker.ValidateMessage) or an equivocation is dropped and the reason
// returned; the state does not change. A duplicate of an accepted message
// changes nothing. A valid DECIDED makes the instance decide (the Dafny
// UponNewBlock). Once decided, the instance answers a ROUND_CHANGE from a
// node with its DECIDED message, at most once per round of that node.
//
// Two kinds of message are ignored before any check, because checking
// them cannot change the outcome (SPEC.md section 8.9): after the decision
// every message but a ROUND_CHANGE, and before it a copy of a stored
// message (equal Message and signature: the stored one was checked, its
// justification too).
func (i *Instance) Receive(msg *SignedMessage) ([]Output, error) {
	if msg != nil {
		if i.decided != nil && msg.Message.Type != MsgRoundChange || i.decided == nil && i.storedCopy(msg) {
			return nil, nil
		}
	}
	if err := i.check.ValidateMessage(msg); err != nil {
		return nil, err
	}
	m := &msg.Message
	if i.decided != nil {
		return i.answerRoundChange(m)
	}
	if m.Type == MsgDecided {
		return i.UponNewBlock(msg), nil
	}
	dup, err := i.store(msg)
	if err != nil || dup {
		return nil, err
	}
	return i.run()
}

// Timeout is the Dafny UponRoundTimeout (the paper's Algorithm 3 "upon
// expiration of timer"): when round is the current round, not MaxRound, and
// the instance is started and undecided, the node moves to round+1, clears
// its accepted proposal, sets the timer of the new round and broadcasts a
// ROUND_CHANGE carrying its prepared round, digest, value and prepare
// quorum. Other timeouts are stale and ignored.
func (i *Instance) Timeout(round uint64) ([]Output, error) {
	if !i.started || i.decided != nil || round != i.round || round >= MaxRound {
		return nil, nil
	}
	out, err := i.changeRound(round + 1)
	if err != nil {
		return out, err
	}
	more, err := i.run()
	return append(out, more...), err
}

// run applies the sub-steps until none fires (the Dafny NodeNext).
func (i *Instance) run() ([]Output, error) {
	var out []Output
	rules := []func() ([]Output, bool, error){
		i.UponCommit,
		i.UponBlockTimeout,
		i.UponRoundChangeQuorum,
		i.UponProposal,
		i.UponPrepare,
		i.UponRoundChangeJump,
	}
	for {
		fired := false
		for _, rule := range rules {
			o, ok, err := rule()
			out = append(out, o...)
			if err != nil {
				return out, err
			}
			if ok {
				fired = true
				break
			}
		}
		if !fired {
			return out, nil
		}
	}
}

func (i *Instance) active() bool { return i.started && i.decided == nil }

func (i *Instance) quorum() uint64 { return Quorum(i.check.N) }

func (i *Instance) timer() SetTimer {
	return SetTimer{Instance: i.check.ID, Round: i.round, Duration: RoundTimeout(i.round), Deadline: RoundDeadline(i.round)}
}

// enterRound moves to round r > i.round with no accepted proposal.
func (i *Instance) enterRound(r uint64) Output {
	i.round = r
	i.accepted = nil
	return i.timer()
}

// UponCommit is the Dafny UponCommit (the paper's Algorithm 2 "upon
// receiving a quorum Qcommit of valid COMMIT messages"): when COMMITs for
// one (round, digest) from at least Quorum(N) distinct senders were
// accepted and the value with that digest is known, the node decides it.
// Unlike Dafny (current round and accepted proposal only), any round
// counts, as in the paper and ssv-spec: a node that moved on still decides
// on a late commit quorum. Among several, the lowest round and then the
// lowest digest is taken (all are equal unless more than F nodes are
// byzantine). Outputs Decide, then Broadcast of this node's DECIDED (the
// Dafny NewBlock with its commit seals).
func (i *Instance) UponCommit() ([]Output, bool, error) {
	if !i.active() {
		return nil, false, nil
	}
	q := i.quorum()
	for _, r := range i.roundOrder {
		rm := i.rounds[r]
		if countNonNil(rm.commits) < q {
			continue
		}
		var best *phase0.Root
		for _, c := range rm.commits {
			if c == nil {
				continue
			}
			d := c.Message.Digest
			if best != nil && bytes.Compare(d[:], best[:]) >= 0 {
				continue
			}
			if _, known := i.values[d]; !known || countDigest(rm.commits, d) < q {
				continue
			}
			best = &d
		}
		if best == nil {
			continue
		}
		commits := firstPayloads(rm.commits, *best, q)
		dmsg, err := i.makeDecided(r, *best, commits)
		if err != nil {
			return nil, false, err
		}
		i.decided = &decision{round: r, digest: *best, commits: commits, msg: dmsg}
		return []Output{i.decideOutput(), Broadcast{Msg: dmsg}}, true, nil
	}
	return nil, false, nil
}

// UponNewBlock is the Dafny UponNewBlock for a valid DECIDED message (checked
// by Receive): the node decides its value. It does not broadcast; it
// answers later ROUND_CHANGEs with a DECIDED of its own.
func (i *Instance) UponNewBlock(msg *SignedMessage) []Output {
	if i.decided != nil {
		return nil
	}
	m := &msg.Message
	i.values[m.Digest] = msg.Value
	i.decided = &decision{round: m.Round, digest: m.Digest, commits: canonicalPayloads(msg.Commits, i.quorum())}
	return []Output{i.decideOutput()}
}

func (i *Instance) decideOutput() Decide {
	return Decide{Instance: i.check.ID, Value: i.values[i.decided.digest], Round: i.decided.round, Commits: i.decided.commits}
}

func (i *Instance) makeDecided(r uint64, d phase0.Root, commits []*SignedPayload) (*SignedMessage, error) {
	return i.sign(&SignedMessage{
		Message: Message{Type: MsgDecided, Instance: i.check.ID, Round: r, Sender: i.self, Digest: d},
		Value:   i.values[d],
		Commits: commits,
	})
}

// answerRoundChange is the decided node's reply to a lagging peer (as
// charon answers a ROUND-CHANGE after deciding with its commit quorum):
// bounded to once per (sender, higher round).
func (i *Instance) answerRoundChange(m *Message) ([]Output, error) {
	if m.Type != MsgRoundChange || m.Sender == i.self || m.Round <= i.answered[m.Sender-1] {
		return nil, nil
	}
	if i.decided.msg == nil {
		dmsg, err := i.makeDecided(i.decided.round, i.decided.digest, i.decided.commits)
		if err != nil {
			return nil, err
		}
		i.decided.msg = dmsg
	}
	i.answered[m.Sender-1] = m.Round
	return []Output{Broadcast{Msg: i.decided.msg}}, nil
}

// UponBlockTimeout is the Dafny UponBlockTimeout (the paper's Algorithm 1
// line "if leader(λ, r) = p_i then broadcast PRE-PREPARE"): in round 0, the
// leader of round 0 that has not proposed yet and knows its own value
// proposes it, with no justification. A leader without its value waits for
// SetOwnValue (the Dafny block time is the arrival of the value here).
func (i *Instance) UponBlockTimeout() ([]Output, bool, error) {
	if !i.active() || i.round != 0 || i.proposedRound != nil || i.accepted != nil ||
		i.ownDigest == nil || Leader(i.check.ID, 0, i.check.N) != i.self {
		return nil, false, nil
	}
	out, err := i.propose(0, i.values[*i.ownDigest], nil, nil)
	return out, err == nil, err
}

// UponRoundChangeQuorum is the first branch of the Dafny UponRoundChange
// (the paper's Algorithm 3 "upon receiving a quorum Qrc of valid
// ROUND-CHANGE messages ... if leader"): for the highest round r such that
// this node is Leader(id, r, N), has not proposed in r, r > round or (r ==
// round and no proposal accepted in r), and ROUND_CHANGEs for r from at
// least Quorum(N) distinct senders were accepted, it proposes in r. The
// justification is Quorum(N) of those ROUND_CHANGEs, highest prepared round
// first (then by sender); if the first is prepared, the value is its
// prepared value with its prepare quorum (the paper's HighestPrepared),
// otherwise the node's own value, waiting for it when it is not known yet.
// Entering r > round sets the timer of r.
func (i *Instance) UponRoundChangeQuorum() ([]Output, bool, error) {
	if !i.active() {
		return nil, false, nil
	}
	q := i.quorum()
	for k := len(i.roundOrder) - 1; k >= 0; k-- {
		r := i.roundOrder[k]
		if r < i.round {
			break
		}
		if r == 0 || Leader(i.check.ID, r, i.check.N) != i.self ||
			(i.proposedRound != nil && *i.proposedRound >= r) || (r == i.round && i.accepted != nil) {
			continue
		}
		var rcs []*SignedMessage
		for _, rc := range i.rounds[r].rcs {
			if rc != nil {
				rcs = append(rcs, rc)
			}
		}
		if uint64(len(rcs)) < q {
			continue
		}
		slices.SortStableFunc(rcs, func(a, b *SignedMessage) int {
			pa, _, oka := a.Message.Prepared()
			pb, _, okb := b.Message.Prepared()
			switch {
			case oka && !okb:
				return -1
			case !oka && okb:
				return 1
			case oka && pa != pb:
				return -cmpU64(pa, pb)
			}
			return cmpU64(a.Message.Sender, b.Message.Sender)
		})
		rcs = rcs[:q]
		var value []byte
		var prepares []*SignedPayload
		if _, pd, ok := rcs[0].Message.Prepared(); ok {
			best := rcs[0]
			value = i.values[pd]
			prepares = canonicalPayloads(best.Prepares, q)
		} else {
			if i.ownDigest == nil {
				continue
			}
			value = i.values[*i.ownDigest]
		}
		just := make([]*SignedPayload, len(rcs))
		for j, rc := range rcs {
			just[j] = rc.Payload()
		}
		slices.SortFunc(just, func(a, b *SignedPayload) int { return cmpU64(a.Message.Sender, b.Message.Sender) })
		out, err := i.propose(r, value, just, prepares)
		return out, err == nil, err
	}
	return nil, false, nil
}

func (i *Instance) propose(r uint64, value []byte, rcs, prepares []*SignedPayload) ([]Output, error) {
	msg, err := i.sign(&SignedMessage{
		Message:      Message{Type: MsgProposal, Instance: i.check.ID, Round: r, Sender: i.self, Digest: Digest(value)},
		Value:        value,
		RoundChanges: rcs,
		Prepares:     prepares,
	})
	if err != nil {
		return nil, err
	}
	var out []Output
	if r > i.round {
		out = append(out, i.enterRound(r))
	}
	i.proposedRound = optU64(r)
	i.mustStore(msg)
	return append(out, Broadcast{Msg: msg}), nil
}

// IsValidProposal is the state-dependent part of the Dafny isValidProposal
// for an accepted (already checked) proposal of round r: r > round, or r ==
// round and no proposal was accepted in this round. The Dafny model
// requires a proposal to be accepted in the current round before it takes
// one of a higher round; this spec takes a justified higher-round proposal
// in any case, as ssv-spec and charon do (see SPEC.md section 8).
func (i *Instance) IsValidProposal(r uint64) bool {
	return r > i.round || (r == i.round && i.accepted == nil)
}

// UponProposal is the Dafny UponProposal (the paper's Algorithm 2 "upon
// receiving a valid PRE-PREPARE"): among the accepted proposals for which
// IsValidProposal holds and whose round was not rejected, take the highest
// round r; apply the validity predicate to its value; if it fails, the
// round is marked rejected (no PREPARE; the rule fired without output);
// otherwise the node moves to r if r > round (setting the timer of r),
// records the proposal as accepted and broadcasts PREPARE(r, digest).
func (i *Instance) UponProposal() ([]Output, bool, error) {
	if !i.active() {
		return nil, false, nil
	}
	for k := len(i.roundOrder) - 1; k >= 0; k-- {
		r := i.roundOrder[k]
		if r < i.round {
			break
		}
		p := i.rounds[r].proposal
		if p == nil || i.rejected[r] || !i.IsValidProposal(r) {
			continue
		}
		if err := i.validity(p.Value); err != nil {
			i.rejected[r] = true
			return nil, true, nil
		}
		d := p.Message.Digest
		prep, err := i.sign(&SignedMessage{Message: Message{Type: MsgPrepare, Instance: i.check.ID, Round: r, Sender: i.self, Digest: d}})
		if err != nil {
			return nil, false, err
		}
		var out []Output
		if r > i.round {
			out = append(out, i.enterRound(r))
		}
		i.accepted = &d
		i.mustStore(prep)
		return append(out, Broadcast{Msg: prep}), true, nil
	}
	return nil, false, nil
}

// UponPrepare is the Dafny UponPrepare (the paper's Algorithm 2 "upon
// receiving a quorum of valid PREPARE messages"): when a proposal was
// accepted in the current round, PREPAREs for (round, its digest) from at
// least Quorum(N) distinct senders were accepted, and this node has not
// sent a COMMIT in this round, it records the value as prepared (round,
// digest and Quorum(N) of those PREPAREs, lowest senders first) and
// broadcasts COMMIT(round, digest). A COMMIT is sent at most once per round.
func (i *Instance) UponPrepare() ([]Output, bool, error) {
	if !i.active() || i.accepted == nil || (i.committedRound != nil && *i.committedRound >= i.round) {
		return nil, false, nil
	}
	rm := i.rounds[i.round]
	d := *i.accepted
	q := i.quorum()
	if rm == nil || countDigest(rm.prepares, d) < q {
		return nil, false, nil
	}
	commit, err := i.sign(&SignedMessage{Message: Message{Type: MsgCommit, Instance: i.check.ID, Round: i.round, Sender: i.self, Digest: d}})
	if err != nil {
		return nil, false, err
	}
	i.preparedRound = optU64(i.round)
	i.preparedDigest = optRoot(d)
	i.preparedJust = firstPayloads(rm.prepares, d, q)
	i.committedRound = optU64(i.round)
	i.mustStore(commit)
	return []Output{Broadcast{Msg: commit}}, true, nil
}

// UponRoundChangeJump is the second branch of the Dafny UponRoundChange (the
// paper's Algorithm 3 "upon receiving a set Frc of f+1 valid ROUND-CHANGE
// messages" with rounds above the current one): take, per sender, its
// highest accepted ROUND_CHANGE round above the current round; when at
// least F(N)+1 senders have one, Frc is the F(N)+1 senders with the highest
// of these rounds and the node moves to the smallest round in Frc (the
// highest round that F(N)+1 nodes, so at least one honest node, have
// reached), clears its accepted proposal, sets the timer and broadcasts a
// ROUND_CHANGE.
func (i *Instance) UponRoundChangeJump() ([]Output, bool, error) {
	if !i.active() {
		return nil, false, nil
	}
	highest := make([]uint64, i.check.N)
	for k := len(i.roundOrder) - 1; k >= 0; k-- {
		r := i.roundOrder[k]
		if r <= i.round {
			break
		}
		for s, rc := range i.rounds[r].rcs {
			if rc != nil && highest[s] == 0 {
				highest[s] = r
			}
		}
	}
	var rs []uint64
	for _, r := range highest {
		if r > 0 {
			rs = append(rs, r)
		}
	}
	f := F(i.check.N)
	if uint64(len(rs)) < f+1 {
		return nil, false, nil
	}
	slices.Sort(rs)
	slices.Reverse(rs)
	out, err := i.changeRound(rs[f])
	return out, err == nil, err
}

// changeRound moves to round r > i.round and broadcasts this node's
// ROUND_CHANGE for r (the Dafny createRoundChange).
func (i *Instance) changeRound(r uint64) ([]Output, error) {
	rc := &SignedMessage{Message: Message{Type: MsgRoundChange, Instance: i.check.ID, Round: r, Sender: i.self}}
	if i.preparedRound != nil {
		rc.Message.SetPrepared(*i.preparedRound, *i.preparedDigest)
		rc.Value = i.values[*i.preparedDigest]
		rc.Prepares = i.preparedJust
	}
	rc, err := i.sign(rc)
	if err != nil {
		return nil, err
	}
	out := []Output{i.enterRound(r)}
	i.mustStore(rc)
	return append(out, Broadcast{Msg: rc}), nil
}

func (i *Instance) sign(msg *SignedMessage) (*SignedMessage, error) {
	sig, err := Sign(&msg.Message, i.signer)
	if err != nil {
		return nil, reject(ErrSigner, "%s round %d: %w", msg.Message.Type, msg.Message.Round, err)
	}
	msg.Signature = sig
	return msg, nil
}

func (i *Instance) roundMsgs(r uint64) *roundMsgs {
	rm := i.rounds[r]
	if rm == nil {
		n := i.check.N
		rm = &roundMsgs{prepares: make([]*SignedMessage, n), commits: make([]*SignedMessage, n), rcs: make([]*SignedMessage, n)}
		i.rounds[r] = rm
		k, _ := slices.BinarySearch(i.roundOrder, r)
		i.roundOrder = slices.Insert(i.roundOrder, k, r)
	}
	return rm
}

// store accepts a checked message into the state: at most one per (round,
// type, sender), the first one. It reports a duplicate (same Message) and
// returns ErrEquivocation for a different one.
func (i *Instance) store(msg *SignedMessage) (dup bool, err error) {
	m := &msg.Message
	rm := i.roundMsgs(m.Round)
	var slot **SignedMessage
	switch m.Type {
	case MsgProposal:
		slot = &rm.proposal
	case MsgPrepare:
		slot = &rm.prepares[m.Sender-1]
	case MsgCommit:
		slot = &rm.commits[m.Sender-1]
	case MsgRoundChange:
		slot = &rm.rcs[m.Sender-1]
	default:
		return false, reject(ErrUnknownType, "type %d cannot be stored", uint64(m.Type))
	}
	if old := *slot; old != nil {
		if sameMessage(&old.Message, m) {
			return true, nil
		}
		return false, reject(ErrEquivocation, "%s from %d round %d", m.Type, m.Sender, m.Round)
	}
	*slot = msg
	switch {
	case m.Type == MsgProposal:
		i.values[m.Digest] = msg.Value
	case m.Type == MsgRoundChange && len(m.PreparedDigest) == 1:
		i.values[m.PreparedDigest[0]] = msg.Value
	}
	return false, nil
}

// storedCopy reports whether msg has the Message and signature of a stored
// message, looking without creating anything.
func (i *Instance) storedCopy(msg *SignedMessage) bool {
	m := &msg.Message
	rm := i.rounds[m.Round]
	if rm == nil || m.Sender < 1 || m.Sender > i.check.N {
		return false
	}
	var old *SignedMessage
	switch m.Type {
	case MsgProposal:
		old = rm.proposal
	case MsgPrepare:
		old = rm.prepares[m.Sender-1]
	case MsgCommit:
		old = rm.commits[m.Sender-1]
	case MsgRoundChange:
		old = rm.rcs[m.Sender-1]
	}
	return old != nil && old.Signature == msg.Signature && sameMessage(&old.Message, m)
}

// mustStore stores a message this node just made; it cannot conflict with
// an accepted one (the rules make at most one per round and type).
func (i *Instance) mustStore(msg *SignedMessage) {
	_, _ = i.store(msg)
}

func sameMessage(a, b *Message) bool {
	if a.Type != b.Type || a.Instance != b.Instance || a.Round != b.Round || a.Sender != b.Sender || a.Digest != b.Digest {
		return false
	}
	return slices.Equal(a.PreparedRound, b.PreparedRound) && slices.Equal(a.PreparedDigest, b.PreparedDigest)
}

func countNonNil(msgs []*SignedMessage) uint64 {
	var n uint64
	for _, m := range msgs {
		if m != nil {
			n++
		}
	}
	return n
}

func countDigest(msgs []*SignedMessage, d phase0.Root) uint64 {
	var n uint64
	for _, m := range msgs {
		if m != nil && m.Message.Digest == d {
			n++
		}
	}
	return n
}

// firstPayloads returns the payloads of the first q messages (by sender)
// with digest d.
func firstPayloads(msgs []*SignedMessage, d phase0.Root, q uint64) []*SignedPayload {
	var out []*SignedPayload
	for _, m := range msgs {
		if m != nil && m.Message.Digest == d && uint64(len(out)) < q {
			out = append(out, m.Payload())
		}
	}
	return out
}

// canonicalPayloads returns list with one entry per sender (the first),
// sorted by sender and cut to q entries.
func canonicalPayloads(list []*SignedPayload, q uint64) []*SignedPayload {
	out := make([]*SignedPayload, 0, len(list))
	for _, p := range list {
		if !slices.ContainsFunc(out, func(o *SignedPayload) bool { return o.Message.Sender == p.Message.Sender }) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b *SignedPayload) int { return cmpU64(a.Message.Sender, b.Message.Sender) })
	if uint64(len(out)) > q {
		out = out[:q]
	}
	return out
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
