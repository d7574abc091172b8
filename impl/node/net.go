package node

import (
	"context"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus/qbft"
	"github.com/dvspec/go-dvspec/impl/qbftrunner"
	"github.com/dvspec/go-dvspec/networking"
)

// outMsg is a message waiting for the sender goroutine: to every other
// operator (to nil) or to the listed ones, each with its own payload when
// per is set.
type outMsg struct {
	msgType string
	payload []byte
	to      []uint64
	per     map[uint64][]byte
}

// send queues a message for the sender goroutine; it never blocks the loop
// (a full queue drops the message: QBFT has round timers and shares are
// re-sent by the protocol's resend events).
func (n *Node) send(msgType string, payload []byte, to []uint64) {
	if len(to) == 0 {
		return
	}
	m := outMsg{msgType: msgType, payload: payload}
	if len(to) != int(n.n)-1 {
		m.to = to
	}
	if n.cfg.Outbound != nil {
		switch msgType {
		case MsgQBFT:
			m.per = n.cfg.Outbound.QBFT(payload, to)
		case MsgShare:
			m.per = n.cfg.Outbound.Share(payload, to)
		}
		if m.per == nil {
			return
		}
	}
	select {
	case n.sendq <- m:
	default:
		n.cfg.Metrics.Dropped(msgType, "send_queue_full")
		n.cfg.Metrics.QueueDropped("send")
	}
}

// others are the operators other than this node.
func (n *Node) others() []uint64 {
	out := make([]uint64, 0, n.n-1)
	for i := uint64(1); i <= n.n; i++ {
		if i != n.cfg.Self {
			out = append(out, i)
		}
	}
	return out
}

// sender writes queued messages to the transport.
func (n *Node) sender(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-n.sendq:
			sctx, cancel := context.WithTimeout(ctx, time.Second)
			switch {
			case m.per != nil:
				for to, p := range m.per {
					if p != nil {
						_ = n.cfg.Transport.Send(sctx, to, m.msgType, p)
					}
				}
			case m.to == nil:
				_ = n.cfg.Transport.Broadcast(sctx, m.msgType, m.payload)
			default:
				for _, to := range m.to {
					_ = n.cfg.Transport.Send(sctx, to, m.msgType, m.payload)
				}
			}
			cancel()
		}
	}
}

// broadcastQBFT sends one of this node's QBFT messages to every other node.
func (n *Node) broadcastQBFT(msg *qbft.SignedMessage) {
	b, err := msg.MarshalSSZ()
	if err != nil {
		n.log.Error("encoding a QBFT message failed", "err", err)
		return
	}
	n.send(MsgQBFT, b, n.others())
}

// onQBFT receives a QBFT message (transport goroutine): it decodes it,
// checks that its sender is the authenticated peer and that it belongs to
// one of this cluster's validators, checks its signatures and
// justifications (memoised, so the instance's own check is cheap), and
// hands it to the loop.
func (n *Node) onQBFT(from uint64, payload []byte) {
	n.cfg.Metrics.Received(MsgQBFT)
	msg, err := qbft.DecodeSignedMessage(payload)
	if err != nil {
		n.cfg.Metrics.Dropped(MsgQBFT, "malformed")
		return
	}
	id := msg.Message.Instance
	if msg.Message.Sender != from || id.Cluster != n.cluster {
		n.cfg.Metrics.Dropped(MsgQBFT, "wrong_sender_or_cluster")
		return
	}
	vcfg, dt, ok := n.qbftTarget(id) // slotcons.go
	if !ok {
		n.cfg.Metrics.Dropped(MsgQBFT, "unknown_validator")
		return
	}
	if n.expired(vcfg, dt, id.Slot) {
		n.shedMessage(MsgQBFT) // overload.go: no CPU for the past
		return
	}
	// The cheap bounds first: no signature is checked, and nothing is
	// queued, for a value larger than its duty type allows or an instance
	// too far ahead of this node's clock to start soon.
	if err := n.limits.CheckValue(msg); err != nil {
		n.qbftDropped(from, id, err)
		return
	}
	if id.Slot > n.clockSlot()+n.limits.Ahead {
		n.qbftDropped(from, id, qbftrunner.ErrOutsideWindow)
		return
	}
	c := qbft.Checker{ID: id, N: n.n, Verifier: n.edVer}
	if err := c.ValidateMessage(msg); err != nil {
		n.cfg.Metrics.Dropped(MsgQBFT, "invalid")
		n.drops.dropped(from, MsgQBFT, "invalid", &id, err)
		return
	}
	size := len(payload)
	if !n.in.take(from, size) {
		n.qbftDropped(from, id, errInboundBudget)
		return
	}
	n.postLane(dt, func() {
		n.in.give(from, size)
		if n.expired(vcfg, dt, id.Slot) {
			n.shedMessage(MsgQBFT)
			return
		}
		_ = n.qbft.Receive(msg)
	})
}

// clockSlot is the slot of this node's clock (0 before genesis).
func (n *Node) clockSlot() phase0.Slot {
	s, _ := n.clock.SlotAt(n.now())
	return s
}

// onShare receives a share message (transport goroutine): it decodes it,
// finds its validator and checks its signature (memoised), then hands it
// to the validator's state machine, which decides what it is worth (an
// invalid share is rejected there, and the trace shows it).
func (n *Node) onShare(from uint64, payload []byte) {
	n.cfg.Metrics.Received(MsgShare)
	m, err := networking.UnmarshalMessage(payload)
	if err != nil {
		n.cfg.Metrics.Dropped(MsgShare, "malformed")
		return
	}
	if m.Signer() != from {
		n.cfg.Metrics.Dropped(MsgShare, "wrong_sender")
		return
	}
	vi, err := m.Validator()
	if err != nil {
		n.cfg.Metrics.Dropped(MsgShare, "malformed")
		return
	}
	v := n.byIndex[vi]
	if v == nil {
		n.cfg.Metrics.Dropped(MsgShare, "unknown_validator")
		return
	}
	if as, ok := m.(*networking.AggregationShare); ok {
		n.onAggShare(from, v, as, len(payload))
		return
	}
	ev := receivedEvent(m)
	if ev == nil {
		return
	}
	dt, shed := shareDuty(m)
	slot, err := m.SignedSlot()
	shed = shed && err == nil
	if shed && n.expired(v.cfg, dt, slot) {
		n.shedMessage(MsgShare) // overload.go: no CPU for the past
		return
	}
	size := len(payload)
	if !n.in.take(from, size) {
		n.cfg.Metrics.Dropped(MsgShare, errInboundBudget.Error())
		n.drops.dropped(from, MsgShare, errInboundBudget.Error(), nil, nil)
		return
	}
	deliver := func() {
		n.postLane(dt, func() {
			n.in.give(from, size)
			if shed && n.expired(v.cfg, dt, slot) {
				n.shedMessage(MsgShare)
				return
			}
			n.deliverFromPeer(from, v, ev)
		})
	}
	in, err := v.verifier.SigningInput(m)
	pk, known := v.cfg.PublicShares[m.Signer()]
	if err != nil || !known {
		deliver() // the DVC rejects it and says why
		return
	}
	// Check the signature in the batch verifier first (the DVC's own check
	// then finds the answer in the memo).
	n.bv.submit(verifyJob{pk: pk, root: in.SigningRoot, sig: m.PartialSignature(), low: laneOf(dt) != laneFirst, done: deliver})
}
