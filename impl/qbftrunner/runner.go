// Package qbftrunner drives the pure QBFT instances of consensus/qbft for
// one node: it starts and stops instances, turns SetTimer outputs into
// timers that fire at the instance's origin plus the round deadline (the
// deadlines are cumulative from a time all nodes agree on, SPEC.md section
// 8.7), keeps messages that arrive before their instance starts, and
// forgets decided instances once they are old.
//
// A Runner is not safe for concurrent use: it belongs to the node's event
// loop, and its timers hand their expiry back to that loop through
// Hooks.AfterFunc. It makes no protocol decision of its own: every input
// goes to qbft.Instances and every output comes from it.
package qbftrunner

import (
	"errors"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/consensus/qbft"
)

// Hooks connect a Runner to the node.
type Hooks struct {
	// Broadcast sends msg to every other node of the cluster.
	Broadcast func(msg *qbft.SignedMessage)
	// Decide reports a decision (once per instance).
	Decide func(d qbft.Decide, origin time.Time)
	// AfterFunc runs f in the node's event loop once d has passed.
	AfterFunc func(d time.Duration, f func())
	// Now is the clock.
	Now func() time.Time
	// Rejected, when set, is told about inputs the instances refused
	// (invalid or equivocating messages, stale own values).
	Rejected func(id consensus.InstanceID, what string, err error)
	// Slot is the node's slot clock: the centre of the window of
	// instances whose early messages are kept (Limits).
	Slot func() phase0.Slot
	// Dropped, when set, is told about every message dropped before it
	// reached an instance, with the reason (one of the Err* reasons of
	// Limits, ErrBufferFull or ErrStopped).
	Dropped func(from uint64, id consensus.InstanceID, reason error)
}

// Limits of the whole early-message buffer (per sender and per slot window:
// Limits).
const (
	// MaxBufferedPerInstance bounds the messages kept for one instance that
	// has not started here yet.
	MaxBufferedPerInstance = 64
	// MaxBuffered bounds all buffered messages.
	MaxBuffered = 1 << 16
)

// Runner drives the QBFT instances of one node.
type Runner struct {
	engine *qbft.Instances
	hooks  Hooks

	limits   Limits
	active   map[consensus.InstanceID]*instance
	buffered map[consensus.InstanceID][]*qbft.SignedMessage
	nbuf     int
	nbytes   int
	senders  map[uint64]*budget
	stopped  map[consensus.InstanceID]phase0.Slot
	floor    phase0.Slot // messages for earlier slots are dropped
}

// budget is what one sender has in the early-message buffer.
type budget struct{ msgs, bytes int }

type instance struct {
	origin  time.Time
	decided bool
	round   uint64
	timer   uint64 // generation of the current timer
}

// New returns a runner over a fresh qbft.Instances for cfg, keeping early
// messages within limits.
func New(cfg qbft.Config, hooks Hooks, limits Limits) (*Runner, error) {
	e, err := qbft.NewInstances(cfg)
	if err != nil {
		return nil, err
	}
	if hooks.Broadcast == nil || hooks.Decide == nil || hooks.AfterFunc == nil || hooks.Now == nil || hooks.Slot == nil {
		return nil, errors.New("qbftrunner: Broadcast, Decide, AfterFunc, Now and Slot are required")
	}
	if err := limits.Validate(); err != nil {
		return nil, err
	}
	return &Runner{
		engine:   e,
		hooks:    hooks,
		limits:   limits,
		senders:  map[uint64]*budget{},
		active:   map[consensus.InstanceID]*instance{},
		buffered: map[consensus.InstanceID][]*qbft.SignedMessage{},
		stopped:  map[consensus.InstanceID]phase0.Slot{},
	}, nil
}

// Start starts instance id with its validity predicate. origin is the time
// the round deadlines count from (for a duty, its start in slot time).
// Messages that arrived for id before are delivered to it.
func (r *Runner) Start(id consensus.InstanceID, validity qbft.Validity, origin time.Time) error {
	out, err := r.engine.Start(id, validity)
	if err != nil {
		return err
	}
	delete(r.stopped, id)
	r.active[id] = &instance{origin: origin}
	r.handle(id, out)
	msgs := r.unbuffer(id)
	for _, m := range msgs {
		r.Receive(m)
	}
	return nil
}

// Active reports whether id is running here.
func (r *Runner) Active(id consensus.InstanceID) bool {
	_, ok := r.active[id]
	return ok
}

// Decided reports whether id is running here and has decided.
func (r *Runner) Decided(id consensus.InstanceID) bool {
	in, ok := r.active[id]
	return ok && in.decided
}

// Origin returns the origin of an active instance.
func (r *Runner) Origin(id consensus.InstanceID) (time.Time, bool) {
	in, ok := r.active[id]
	if !ok {
		return time.Time{}, false
	}
	return in.origin, true
}

// Round returns the current round of an active instance.
func (r *Runner) Round(id consensus.InstanceID) uint64 {
	if in, ok := r.active[id]; ok {
		return in.round
	}
	return 0
}

// Stop stops instances. Messages arriving for them later are dropped.
func (r *Runner) Stop(ids ...consensus.InstanceID) {
	r.engine.Stop(ids...)
	for _, id := range ids {
		delete(r.active, id)
		r.stopped[id] = id.Slot
		r.unbuffer(id)
	}
}

// SetOwnValue gives an active instance this node's candidate value.
func (r *Runner) SetOwnValue(id consensus.InstanceID, value []byte) error {
	if _, ok := r.active[id]; !ok {
		return qbft.ErrUnknownInstance
	}
	out, err := r.engine.SetOwnValue(id, value)
	r.handle(id, out)
	return err
}

// Receive delivers a message. A message whose value is larger than its
// duty type allows is dropped. A message for an instance that has not
// started here is kept until it starts if the instance's slot is within
// the window around the node's clock and its sender has budget left; one
// for a stopped instance is dropped. It reports whether the message was
// accepted, kept or dropped (for metrics) through the error: nil,
// ErrBuffered, a drop reason (also told to Hooks.Dropped), or the
// instance's rejection.
func (r *Runner) Receive(msg *qbft.SignedMessage) error {
	if msg == nil {
		return qbft.ErrMalformed
	}
	id := msg.Message.Instance
	if err := r.limits.CheckValue(msg); err != nil {
		return r.drop(msg, err)
	}
	if _, ok := r.active[id]; !ok {
		return r.keep(msg)
	}
	out, err := r.engine.Receive(msg)
	r.handle(id, out)
	if err != nil && r.hooks.Rejected != nil {
		r.hooks.Rejected(id, "message", err)
	}
	return err
}

// keep buffers a message for an instance that has not started here.
func (r *Runner) keep(msg *qbft.SignedMessage) error {
	id := msg.Message.Instance
	if _, stopped := r.stopped[id]; stopped || id.Slot < r.floor {
		return r.drop(msg, ErrStopped)
	}
	now := r.hooks.Slot()
	if !r.limits.InWindow(id.Slot, now) {
		return r.drop(msg, ErrOutsideWindow)
	}
	if len(r.buffered[id]) >= MaxBufferedPerInstance || r.nbuf >= MaxBuffered {
		return r.drop(msg, ErrBufferFull)
	}
	from := msg.Message.Sender
	size := msgSize(msg)
	over := func() bool {
		b := r.senders[from]
		return b != nil && (b.msgs+1 > r.limits.PerSenderMessages || b.bytes+size > r.limits.PerSenderBytes)
	}
	if over() {
		// The clock moved on since older messages were kept: what fell out
		// of the window no longer counts against the sender.
		r.evictOutside(now)
		if over() {
			return r.drop(msg, ErrSenderBudget)
		}
	}
	if size > r.limits.PerSenderBytes {
		return r.drop(msg, ErrSenderBudget)
	}
	b := r.senders[from]
	if b == nil {
		b = &budget{}
		r.senders[from] = b
	}
	r.buffered[id] = append(r.buffered[id], msg)
	r.nbuf++
	r.nbytes += size
	b.msgs++
	b.bytes += size
	return ErrBuffered
}

// unbuffer removes and returns the messages kept for id, giving their
// senders their budget back.
func (r *Runner) unbuffer(id consensus.InstanceID) []*qbft.SignedMessage {
	msgs := r.buffered[id]
	delete(r.buffered, id)
	for _, m := range msgs {
		size := msgSize(m)
		r.nbuf--
		r.nbytes -= size
		if b := r.senders[m.Message.Sender]; b != nil {
			b.msgs--
			b.bytes -= size
			if b.msgs == 0 {
				delete(r.senders, m.Message.Sender)
			}
		}
	}
	return msgs
}

// evictOutside forgets kept messages of instances outside the window.
func (r *Runner) evictOutside(now phase0.Slot) {
	for id := range r.buffered {
		if !r.limits.InWindow(id.Slot, now) {
			r.unbuffer(id)
		}
	}
}

// drop tells Hooks.Dropped and returns the reason.
func (r *Runner) drop(msg *qbft.SignedMessage, reason error) error {
	if r.hooks.Dropped != nil {
		r.hooks.Dropped(msg.Message.Sender, msg.Message.Instance, reason)
	}
	return reason
}

// Errors of Receive that are not rejections by the instance.
var (
	ErrBuffered   = errors.New("qbftrunner: instance not started here yet; message kept")
	ErrBufferFull = errors.New("qbftrunner: early-message buffer full; message dropped")
	ErrStopped    = errors.New("qbftrunner: instance stopped; message dropped")
)

// timeout is the expiry of the timer of round for id.
func (r *Runner) timeout(id consensus.InstanceID, round, gen uint64) {
	in, ok := r.active[id]
	if !ok || in.timer != gen || in.decided {
		return
	}
	out, err := r.engine.Timeout(id, round)
	r.handle(id, out)
	if err != nil && r.hooks.Rejected != nil {
		r.hooks.Rejected(id, "timeout", err)
	}
}

// handle carries out an instance's outputs.
func (r *Runner) handle(id consensus.InstanceID, out []qbft.Output) {
	for _, o := range out {
		switch o := o.(type) {
		case qbft.Broadcast:
			r.hooks.Broadcast(o.Msg)
		case qbft.SetTimer:
			in, ok := r.active[o.Instance]
			if !ok {
				continue
			}
			in.round = o.Round
			in.timer++
			gen, round := in.timer, o.Round
			d := in.origin.Add(o.Deadline).Sub(r.hooks.Now())
			if d < 0 {
				d = 0
			}
			r.hooks.AfterFunc(d, func() { r.timeout(o.Instance, round, gen) })
		case qbft.Decide:
			in, ok := r.active[o.Instance]
			if !ok {
				continue
			}
			in.decided = true
			in.round = o.Round
			r.hooks.Decide(o, in.origin)
		}
	}
}

// Prune forgets what belongs to slots before minSlot: decided instances
// (which only answer lagging peers), messages kept for instances that never
// started here, and the record of stopped instances. Undecided instances
// keep running until the caller stops them (their rounds end at MaxRound).
func (r *Runner) Prune(minSlot phase0.Slot) {
	if minSlot > r.floor {
		r.floor = minSlot
	}
	var old []consensus.InstanceID
	for id, in := range r.active {
		if id.Slot < minSlot && in.decided {
			old = append(old, id)
		}
	}
	r.engine.Stop(old...)
	for _, id := range old {
		delete(r.active, id)
	}
	for id := range r.buffered {
		if id.Slot < minSlot {
			r.unbuffer(id)
		}
	}
	for id, s := range r.stopped {
		if s < minSlot {
			delete(r.stopped, id)
		}
	}
}

// Counts returns the number of active instances and of buffered messages.
func (r *Runner) Counts() (active, buffered int) { return len(r.active), r.nbuf }

// Buffered returns the messages and bytes (SSZ size) kept in the
// early-message buffer, in all and for sender from.
func (r *Runner) Buffered(from uint64) (msgs, bytes, fromMsgs, fromBytes int) {
	if b := r.senders[from]; b != nil {
		fromMsgs, fromBytes = b.msgs, b.bytes
	}
	return r.nbuf, r.nbytes, fromMsgs, fromBytes
}
