package node

import (
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/impl/qbftrunner"
)

// MaxInboundBytesPerPeer bounds the bytes of one peer's messages that wait,
// decoded, between the transport and the event loop (the loop's inbox and
// the share verifier's queue). Both queues wait rather than drop, so
// without it a peer whose messages arrive faster than the loop turns
// could fill them with 10 MiB proposals; with it, that peer loses its own
// messages and nobody else's.
const MaxInboundBytesPerPeer = 32 << 20

// errInboundBudget is the reason a message over its peer's inbound budget
// is dropped.
var errInboundBudget = errors.New("inbound_budget")

// inbound counts, per peer, the bytes of its messages on their way to the
// loop. It is safe for concurrent use.
type inbound struct {
	mu    sync.Mutex
	bytes map[uint64]int
	max   int
}

func newInbound(max int) *inbound { return &inbound{bytes: map[uint64]int{}, max: max} }

// take reserves n bytes for peer; false when its budget would be exceeded.
func (in *inbound) take(peer uint64, n int) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.bytes[peer]+n > in.max {
		return false
	}
	in.bytes[peer] += n
	return true
}

// give returns n bytes to peer's budget.
func (in *inbound) give(peer uint64, n int) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.bytes[peer] -= n; in.bytes[peer] <= 0 {
		delete(in.bytes, peer)
	}
}

// dropLogEvery is the shortest interval between two log lines about the
// same peer, protocol and reason.
const dropLogEvery = 10 * time.Second

// dropLog writes a rate-limited warning when a peer's messages are
// dropped for a reason that points at the peer (not, say, a message for an
// instance that already ended), with how many were dropped since the last
// line. It is safe for concurrent use.
type dropLog struct {
	mu    sync.Mutex
	log   *slog.Logger
	now   func() time.Time
	lines map[dropKey]*dropLine
}

type dropKey struct {
	peer          uint64
	proto, reason string
}

type dropLine struct {
	last    time.Time
	dropped int
}

func newDropLog(log *slog.Logger, now func() time.Time) *dropLog {
	return &dropLog{log: log, now: now, lines: map[dropKey]*dropLine{}}
}

// dropped records one dropped message of peer and logs when the last line
// for the same cause is older than dropLogEvery.
func (d *dropLog) dropped(peer uint64, proto, reason string, id *consensus.InstanceID, detail error) {
	d.mu.Lock()
	k := dropKey{peer, proto, reason}
	l := d.lines[k]
	if l == nil {
		l = &dropLine{}
		d.lines[k] = l
	}
	l.dropped++
	now := d.now()
	if !l.last.IsZero() && now.Sub(l.last) < dropLogEvery {
		d.mu.Unlock()
		return
	}
	n := l.dropped
	l.last, l.dropped = now, 0
	d.mu.Unlock()
	attrs := []any{"peer", peer, "protocol", proto, "reason", reason, "dropped", n, "since", dropLogEvery}
	if id != nil {
		attrs = append(attrs, "instance", id.String())
	}
	if detail != nil {
		attrs = append(attrs, "detail", detail.Error())
	}
	d.log.Warn("dropping a peer's messages", attrs...)
}

// qbftDropped is the runner's Hooks.Dropped: a metric for every drop, a
// log line for those that point at the sender.
func (n *Node) qbftDropped(from uint64, id consensus.InstanceID, reason error) {
	r := dropReason(reason)
	n.cfg.Metrics.Dropped(MsgQBFT, r)
	switch {
	case errors.Is(reason, qbftrunner.ErrStopped):
		return // late messages of an instance that ended here are normal
	}
	n.drops.dropped(from, MsgQBFT, r, &id, reason)
}

// dropReason is the label value of a drop reason: the sentinel's text.
func dropReason(err error) string {
	for _, s := range []error{qbftrunner.ErrValueTooLarge, qbftrunner.ErrUnknownDuty, qbftrunner.ErrOutsideWindow,
		qbftrunner.ErrSenderBudget, qbftrunner.ErrBufferFull, qbftrunner.ErrStopped, errInboundBudget} {
		if errors.Is(err, s) {
			switch s {
			case qbftrunner.ErrBufferFull:
				return "buffer_full"
			case qbftrunner.ErrStopped:
				return "instance_stopped"
			}
			return s.Error()
		}
	}
	return "other"
}
