package qbft

import (
	"bytes"
	"container/heap"
	"errors"
	"fmt"
	"math/rand"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// A deterministic network simulator for property tests and benchmarks.
// Time is counted in ticks of simTick; a message delay is a whole number
// of ticks. Everything random comes from one seeded math/rand source, so a
// (seed, n) pair replays the same schedule.

const simTick = 100 * time.Millisecond

// maxSimEvents stops a runaway simulation (a rule that fires forever).
const maxSimEvents = 1 << 20

func ticks(d time.Duration) int64 { return int64((d + simTick - 1) / simTick) }

// scenario is one simulated schedule.
type scenario struct {
	seed        int64
	n           uint64
	byz         []bool  // index node-1
	crashAt     []int64 // -1: never crashes
	startAt     []int64
	ownAt       []int64 // -1: never learns its own value
	skew        []int64 // timer offset per node
	gst         int64   // global stabilisation time
	dropPre     float64 // drop probability before GST
	dupRate     float64 // duplicate probability (any time)
	maxDelayPre int64   // delay bound before GST
	delta       int64   // delay bound after GST
	fixedDelay  int64   // > 0: every delay is exactly this (benchmarks)
	restoreRate float64 // probability per event to replace the node's instance by Restore(Snapshot())
	horizon     int64   // simulation end
	byzRate     float64 // how often a byzantine node misbehaves
	group       []int   // before GST, messages between groups are mostly dropped
	dropCross   float64
	dropType    [6]float64 // before GST, drop probability per message type
	starved     []bool     // before GST, COMMITs and DECIDEDs to these nodes are mostly dropped
}

func (s *scenario) faults() (crashes, byzantine int) {
	for k := range s.byz {
		if s.byz[k] {
			byzantine++
		} else if s.crashAt[k] >= 0 {
			crashes++
		}
	}
	return
}

func (s *scenario) String() string {
	c, b := s.faults()
	return fmt.Sprintf("seed=%d n=%d crashes=%d byzantine=%d gst=%d drop=%.2f dup=%.2f delayPre=%d delta=%d horizon=%d",
		s.seed, s.n, c, b, s.gst, s.dropPre, s.dupRate, s.maxDelayPre, s.delta, s.horizon)
}

// randomScenario derives a schedule from (seed, n) with at most F(n) faults
// (crash-stop or byzantine), a GST after which every message between
// honest nodes arrives within delta ticks (4*delta + skew < round 0), and
// own values that arrive at most a little after GST.
func randomScenario(seed int64, n uint64) *scenario {
	rng := rand.New(rand.NewSource(seed))
	s := &scenario{seed: seed, n: n,
		byz: make([]bool, n), crashAt: make([]int64, n), startAt: make([]int64, n),
		ownAt: make([]int64, n), skew: make([]int64, n)}
	switch rng.Intn(4) {
	case 0:
		s.gst = 0
	case 1:
		s.gst = rng.Int63n(30)
	default:
		s.gst = rng.Int63n(150)
	}
	s.dropPre = rng.Float64() * 0.5
	s.dupRate = rng.Float64() * 0.2
	s.maxDelayPre = 1 + rng.Int63n(40)
	s.delta = 1 + rng.Int63n(2)
	s.byzRate = 0.1 + rng.Float64()*0.5
	if rng.Intn(2) == 0 {
		for t := MsgProposal; t <= MsgDecided; t++ {
			if rng.Intn(2) == 0 {
				s.dropType[t] = rng.Float64() * 0.9
			}
		}
	}
	s.starved = make([]bool, n)
	switch rng.Intn(4) {
	case 0: // a random subset
		for k := range s.starved {
			s.starved[k] = rng.Intn(4) != 0
		}
	case 1: // all but one: that node alone may decide before GST
		witness := rng.Intn(int(n))
		for k := range s.starved {
			s.starved[k] = k != witness
		}
		s.gst = max(s.gst, 40+rng.Int63n(120))
	}
	s.group = make([]int, n)
	if rng.Intn(2) == 0 {
		for k := range s.group {
			s.group[k] = rng.Intn(2)
		}
		s.dropCross = 0.7 + rng.Float64()*0.3
	}
	faults := rng.Intn(int(F(n)) + 1)
	perm := rng.Perm(int(n))
	for k := range s.crashAt {
		s.crashAt[k] = -1
	}
	for _, k := range perm[:faults] {
		if rng.Intn(10) < 6 {
			s.byz[k] = true
		} else if rng.Intn(3) == 0 {
			s.crashAt[k] = 0
		} else {
			s.crashAt[k] = rng.Int63n(s.gst + 60)
		}
	}
	last := s.gst
	for k := range s.startAt {
		if rng.Intn(5) == 0 {
			s.startAt[k] = rng.Int63n(s.gst + 20)
		} else {
			s.startAt[k] = rng.Int63n(4)
		}
		switch rng.Intn(6) {
		case 0:
			s.ownAt[k] = s.startAt[k] + rng.Int63n(s.gst+20)
		case 1:
			s.ownAt[k] = -1 // never: it must decide a value proposed by others
		default:
			s.ownAt[k] = rng.Int63n(5)
		}
		s.skew[k] = rng.Int63n(2)
		last = max(last, s.startAt[k], s.ownAt[k])
	}
	if s.ownAt[perm[len(perm)-1]] < 0 {
		s.ownAt[perm[len(perm)-1]] = rng.Int63n(5) // at least one honest node has a value
	}
	s.horizon = terminationBound(s, last)
	return s
}

// terminationBound is the tick by which every live honest node must have
// decided: the end of the first round r that starts after `last` (GST,
// every start and every own value) and whose leader is honest, never
// crashes and has a value. All honest nodes enter r at its start (within
// the timer skew), and r lasts at least 10 ticks > 4 * delta + skew, so r
// decides; a node that decided earlier answers the others' ROUND_CHANGEs
// for r with DECIDED. A small margin covers the skew and the last delivery.
func terminationBound(s *scenario, last int64) int64 {
	for r := uint64(0); r <= MaxRound; r++ {
		var start int64
		if r > 0 {
			start = ticks(RoundDeadline(r - 1))
		}
		l := Leader(testID, r, s.n) - 1
		if start >= last && !s.byz[l] && s.crashAt[l] < 0 && s.ownAt[l] >= 0 {
			return ticks(RoundDeadline(r)) + 5
		}
	}
	panic("no round with an honest leader")
}

// event kinds
const (
	evDeliver = iota
	evTimer
	evStart
	evOwn
)

type event struct {
	at    int64
	seq   uint64
	kind  int
	node  uint64
	data  []byte
	round uint64
}

type eventQueue []*event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(*event)) }
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// cachingVerifier memoises signature checks within one simulation (every
// node checks the same signatures).
type cachingVerifier struct {
	v     Verifier
	cache map[[32 + 64 + 8]byte]bool
}

func (c *cachingVerifier) Verify(sender uint64, root phase0.Root, sig Signature) bool {
	var k [32 + 64 + 8]byte
	copy(k[:32], root[:])
	copy(k[32:96], sig[:])
	k[96] = byte(sender)
	k[97] = byte(sender >> 8)
	if ok, hit := c.cache[k]; hit {
		return ok
	}
	ok := c.v.Verify(sender, root, sig)
	c.cache[k] = ok
	return ok
}

type simNode struct {
	cfg       Config
	inst      *Instance
	byz       *byzantine
	decided   *Decide
	decidedAt int64
	ownValue  []byte
}

// simResult summarises a run.
type simResult struct {
	decisions  int            // honest nodes that decided
	live       int            // honest nodes that never crash
	liveDone   int            // of which decided
	lastDecide int64          // tick of the last honest decision
	maxRound   uint64         // highest decided round
	delivered  int            // deliveries to honest nodes
	rejected   map[string]int // honest rejections by reason
	violation  string         // "" when agreement and validity hold
	// reproposals counts honest proposals of a prepared value (a lock
	// carried across a round change), and how many came after an honest
	// node had decided (the case safety depends on).
	reproposals, reproposalsAfterDecision int
}

type sim struct {
	sc         *scenario
	rng        *rand.Rand
	restoreRng *rand.Rand // separate, so restoring does not change the network
	now        int64
	seq        uint64
	queue      eventQueue
	nodes      []*simNode
	values     [][]byte
	res        simResult
}

func newSim(sc *scenario) *sim {
	s := &sim{sc: sc, rng: rand.New(rand.NewSource(sc.seed ^ 0x5eed)), restoreRng: rand.New(rand.NewSource(sc.seed ^ 0x7e57)), res: simResult{rejected: map[string]int{}}}
	c := newCluster(sc.n)
	cv := &cachingVerifier{v: c.verifier, cache: map[[104]byte]bool{}}
	for k := uint64(1); k <= sc.n; k++ {
		cfg := Config{N: sc.n, Self: k, Signer: c.signers[k-1], Verifier: cv}
		validity := testValidity
		if sc.byz[k-1] {
			validity = func([]byte) error { return nil }
		}
		inst, err := New(cfg, testID, validity)
		if err != nil {
			panic(err)
		}
		node := &simNode{cfg: cfg, inst: inst, ownValue: fmt.Appendf(nil, "ok-%d-node-%d", sc.seed, k)}
		if sc.byz[k-1] {
			b := &byzantine{self: k, signer: c.signers[k-1], rng: rand.New(rand.NewSource(sc.seed + int64(k))), rate: sc.byzRate}
			node.byz = b
			// A byzantine leader proposes an invalid value to everyone
			// half of the time.
			node.ownValue = fmt.Appendf(nil, "ok-byz-%d", k)
			if b.rng.Intn(2) == 0 {
				node.ownValue = fmt.Appendf(nil, "bad-byz-%d", k)
			}
		}
		s.nodes = append(s.nodes, node)
		s.push(&event{at: sc.startAt[k-1], kind: evStart, node: k})
		if sc.ownAt[k-1] >= 0 {
			s.push(&event{at: sc.ownAt[k-1], kind: evOwn, node: k})
		}
	}
	return s
}

func (s *sim) push(e *event) {
	s.seq++
	e.seq = s.seq
	heap.Push(&s.queue, e)
}

func (s *sim) crashed(k uint64) bool {
	c := s.sc.crashAt[k-1]
	return c >= 0 && s.now >= c
}

func (s *sim) delay() int64 {
	if s.sc.fixedDelay > 0 {
		return s.sc.fixedDelay
	}
	if s.now >= s.sc.gst {
		return 1 + s.rng.Int63n(s.sc.delta)
	}
	return 1 + s.rng.Int63n(s.sc.maxDelayPre)
}

// send schedules delivery of data from node `from` to node `to`, with the
// network's drops and duplicates (drops only before GST, never after).
func (s *sim) send(from, to uint64, typ MsgType, data []byte) {
	if from == to {
		return
	}
	if s.now < s.sc.gst {
		drop := s.sc.dropPre
		if typ.Valid() {
			drop = max(drop, s.sc.dropType[typ])
		}
		if s.sc.starved[to-1] && (typ == MsgCommit || typ == MsgDecided) {
			drop = max(drop, 0.95)
		}
		if s.sc.group[from-1] != s.sc.group[to-1] {
			drop = max(drop, s.sc.dropCross)
		}
		if s.rng.Float64() < drop {
			return
		}
	}
	s.push(&event{at: s.now + s.delay(), kind: evDeliver, node: to, data: data})
	if s.sc.dupRate > 0 && s.rng.Float64() < s.sc.dupRate {
		s.push(&event{at: s.now + s.delay() + s.rng.Int63n(5), kind: evDeliver, node: to, data: data})
	}
}

func (s *sim) broadcast(from uint64, msg *SignedMessage) {
	data, err := msg.MarshalSSZ()
	if err != nil {
		panic(err)
	}
	for to := uint64(1); to <= s.sc.n; to++ {
		s.send(from, to, msg.Message.Type, data)
	}
}

func (s *sim) handle(k uint64, out []Output) {
	node := s.nodes[k-1]
	for _, o := range out {
		switch o := o.(type) {
		case Broadcast:
			if node.byz == nil && o.Msg.Message.Type == MsgProposal && len(o.Msg.Prepares) > 0 {
				s.res.reproposals++
				if s.res.decisions > 0 {
					s.res.reproposalsAfterDecision++
				}
			}
			if node.byz != nil {
				node.byz.broadcast(s, o.Msg)
			} else {
				s.broadcast(k, o.Msg)
			}
		case SetTimer:
			at := max(s.now, ticks(o.Deadline)+s.sc.skew[k-1])
			s.push(&event{at: at, kind: evTimer, node: k, round: o.Round})
		case Decide:
			if node.byz != nil {
				continue
			}
			if node.decided != nil {
				s.res.violation = fmt.Sprintf("node %d decided twice", k)
				continue
			}
			d := o
			node.decided, node.decidedAt = &d, s.now
			s.res.decisions++
			s.res.lastDecide = s.now
			s.res.maxRound = max(s.res.maxRound, o.Round)
			if err := testValidity(o.Value); err != nil {
				s.res.violation = fmt.Sprintf("validity: node %d decided %s: %v", k, o.Value, err)
			}
			for j, other := range s.nodes {
				if other.byz == nil && other.decided != nil && !bytes.Equal(other.decided.Value, o.Value) {
					s.res.violation = fmt.Sprintf("agreement: node %d decided %s, node %d decided %s", k, o.Value, j+1, other.decided.Value)
				}
			}
		}
	}
}

// restore replaces the node's instance by one restored from its encoded
// snapshot: behaviour must not change.
func (s *sim) restore(node *simNode) {
	enc, err := node.inst.Snapshot().MarshalSSZ()
	if err != nil {
		s.res.violation = fmt.Sprintf("snapshot: %v", err)
		return
	}
	snap, err := DecodeSnapshot(enc)
	if err != nil {
		s.res.violation = fmt.Sprintf("decode snapshot: %v", err)
		return
	}
	inst, err := Restore(snap, node.cfg, node.inst.validity)
	if err != nil {
		s.res.violation = fmt.Sprintf("restore: %v", err)
		return
	}
	node.inst = inst
}

// allLiveDecided reports whether every honest node that never crashes has
// decided.
func (s *sim) allLiveDecided() bool {
	for k, node := range s.nodes {
		if node.byz == nil && s.sc.crashAt[k] < 0 && node.decided == nil {
			return false
		}
	}
	return true
}

func (s *sim) run() simResult {
	for events := 0; s.queue.Len() > 0 && s.res.violation == ""; events++ {
		if events > maxSimEvents {
			s.res.violation = fmt.Sprintf("runaway: more than %d events", maxSimEvents)
			break
		}
		e := heap.Pop(&s.queue).(*event)
		if e.at > s.sc.horizon {
			break
		}
		s.now = e.at
		k := e.node
		node := s.nodes[k-1]
		if s.crashed(k) {
			continue
		}
		if s.sc.restoreRate > 0 && s.restoreRng.Float64() < s.sc.restoreRate {
			s.restore(node)
		}
		var out []Output
		var err error
		switch e.kind {
		case evStart:
			out, err = node.inst.Start()
		case evOwn:
			out, err = node.inst.SetOwnValue(node.ownValue)
		case evTimer:
			out, err = node.inst.Timeout(e.round)
		case evDeliver:
			if node.byz != nil {
				out = node.byz.receive(s, e.data)
				break
			}
			s.res.delivered++
			msg, derr := DecodeSignedMessage(e.data)
			if derr != nil {
				s.res.rejected["decode"]++
				continue
			}
			out, err = node.inst.Receive(msg)
			if err != nil {
				s.res.rejected[reasonOf(err)]++
				err = nil
			}
		}
		if err != nil {
			s.res.violation = fmt.Sprintf("node %d: unexpected error %v", k, err)
		}
		s.handle(k, out)
		if s.allLiveDecided() {
			break
		}
	}
	for k, node := range s.nodes {
		if node.byz == nil && s.sc.crashAt[k] < 0 {
			s.res.live++
			if node.decided != nil {
				s.res.liveDone++
			}
		}
	}
	return s.res
}

// reasonOf names the sentinel an error wraps first.
func reasonOf(err error) string {
	for _, r := range []error{ErrMalformed, ErrWrongInstance, ErrUnknownType, ErrUnknownSender, ErrRoundTooHigh,
		ErrBadSignature, ErrValueSize, ErrDigestMismatch, ErrUnexpectedField, ErrNotLeader, ErrRoundChangeRoundZero,
		ErrPreparedFieldsMismatch, ErrPreparedRoundNotLower, ErrJustificationTooLong, ErrInvalidJustification,
		ErrNoRoundChangeQuorum, ErrNoPrepareQuorum, ErrNoCommitQuorum, ErrNotHighestPrepared, ErrEquivocation} {
		if errors.Is(err, r) {
			return r.Error()
		}
	}
	return "other: " + err.Error()
}

// byzantine drives a byzantine node: it runs an honest instance to know
// what to say, then distorts, withholds, equivocates, forges and replays.
type byzantine struct {
	self   uint64
	signer Signer
	rng    *rand.Rand
	rate   float64
	seen   [][]byte
}

func (b *byzantine) sign(m *SignedMessage) *SignedMessage {
	sig, err := Sign(&m.Message, b.signer)
	if err != nil {
		panic(err)
	}
	m.Signature = sig
	return m
}

func (b *byzantine) altValue() []byte {
	if b.rng.Intn(3) == 0 {
		return fmt.Appendf(nil, "bad-byz-%d-%d", b.self, b.rng.Intn(4))
	}
	return fmt.Appendf(nil, "ok-byz-%d-%d", b.self, b.rng.Intn(4))
}

// variant returns an equivocating version of msg, re-signed.
func (b *byzantine) variant(msg *SignedMessage) *SignedMessage {
	c := *msg
	switch msg.Message.Type {
	case MsgProposal:
		c.Value = b.altValue()
		c.Message.Digest = Digest(c.Value)
	case MsgPrepare, MsgCommit:
		c.Message.Digest = Digest(b.altValue())
	case MsgRoundChange:
		if c.Message.hasPreparedFields() { // hide the lock (valid)
			c.Message.PreparedRound, c.Message.PreparedDigest, c.Value, c.Prepares = nil, nil, nil, nil
		} else { // claim a lock without prepares (invalid)
			c.Value = b.altValue()
			c.Message.SetPrepared(0, Digest(c.Value))
		}
	case MsgDecided:
		c.Commits = c.Commits[:len(c.Commits)/2]
	}
	return b.sign(&c)
}

// forged returns a message that must be rejected or is merely noise.
func (b *byzantine) forged(s *sim, msg *SignedMessage) []byte {
	c := *msg
	switch b.rng.Intn(7) {
	case 0: // another instance, validly signed
		c.Message.Instance = otherID
		b.sign(&c)
	case 1: // claims another sender
		c.Message.Sender = 1 + uint64(b.rng.Intn(int(s.sc.n)))
		b.sign(&c)
		c.Message.Sender = 1 + uint64(b.rng.Intn(int(s.sc.n)))
	case 2: // round beyond MaxRound
		c.Message.Round = MaxRound + 1 + uint64(b.rng.Intn(100))
		b.sign(&c)
	case 3: // garbage bytes
		buf := make([]byte, b.rng.Intn(400))
		b.rng.Read(buf)
		return buf
	case 4: // a bit flip in a real encoding
		data, _ := msg.MarshalSSZ()
		if len(data) > 0 {
			data[b.rng.Intn(len(data))] ^= 1 << b.rng.Intn(8)
		}
		return data
	case 5: // a proposal with a forged justification
		r := msg.Message.Round + 1
		p := &SignedMessage{Message: Message{Type: MsgProposal, Instance: testID, Round: r, Sender: b.self, Digest: Digest([]byte("ok-forged"))}, Value: []byte("ok-forged")}
		for j := uint64(0); j < Quorum(s.sc.n); j++ {
			rc := Message{Type: MsgRoundChange, Instance: testID, Round: r, Sender: b.self}
			if j > 0 {
				rc.Sender = j
			}
			sig, _ := Sign(&rc, b.signer)
			p.RoundChanges = append(p.RoundChanges, &SignedPayload{Message: rc, Signature: sig})
		}
		b.sign(p)
		data, _ := p.MarshalSSZ()
		return data
	default: // a DECIDED with forged seals
		d := &SignedMessage{Message: Message{Type: MsgDecided, Instance: testID, Round: msg.Message.Round, Sender: b.self, Digest: Digest([]byte("ok-forged"))}, Value: []byte("ok-forged")}
		for j := uint64(1); j <= Quorum(s.sc.n); j++ {
			cm := Message{Type: MsgCommit, Instance: testID, Round: msg.Message.Round, Sender: j, Digest: d.Message.Digest}
			sig, _ := Sign(&cm, b.signer)
			d.Commits = append(d.Commits, &SignedPayload{Message: cm, Signature: sig})
		}
		b.sign(d)
		data, _ := d.MarshalSSZ()
		return data
	}
	data, _ := c.MarshalSSZ()
	return data
}

func (b *byzantine) broadcast(s *sim, msg *SignedMessage) {
	honest, _ := msg.MarshalSSZ()
	var alt []byte
	for to := uint64(1); to <= s.sc.n; to++ {
		if to == b.self {
			continue
		}
		if b.rng.Float64() >= b.rate {
			s.send(b.self, to, msg.Message.Type, honest)
			continue
		}
		switch b.rng.Intn(4) {
		case 0: // withhold
		case 1: // equivocate: the same variant to every recipient picked
			if alt == nil {
				alt, _ = b.variant(msg).MarshalSSZ()
			}
			s.send(b.self, to, msg.Message.Type, alt)
		case 2:
			s.send(b.self, to, 0, b.forged(s, msg))
		default: // twice
			s.send(b.self, to, msg.Message.Type, honest)
			s.send(b.self, to, msg.Message.Type, honest)
		}
	}
}

// receive feeds the byzantine node's own instance and sometimes replays.
func (b *byzantine) receive(s *sim, data []byte) []Output {
	if len(b.seen) < 512 {
		b.seen = append(b.seen, data)
	}
	if b.rng.Float64() < b.rate/4 && len(b.seen) > 0 {
		to := 1 + uint64(b.rng.Intn(int(s.sc.n)))
		s.send(b.self, to, 0, b.seen[b.rng.Intn(len(b.seen))])
	}
	msg, err := DecodeSignedMessage(data)
	if err != nil {
		return nil
	}
	node := s.nodes[b.self-1]
	out, _ := node.inst.Receive(msg)
	return out
}
