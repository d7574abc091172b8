package node

import (
	"context"
	"testing"
	"time"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/spec/dvc"
)

// FuzzInboundShare hands the node arbitrary share payloads from arbitrary
// peers, as its transport does with what arrives in a p2p envelope: the
// decoding, the sender and validator checks, the batch verifier and the
// validator's state machine must take any of them without a panic, and the
// event loop must keep turning. Seeds: the attestation share this node
// really broadcasts for a decided duty, from itself and from another peer.
func FuzzInboundShare(f *testing.F) {
	fx := newLoopFixture(f, &scriptedSigner{})
	fx.n.bv = newBatchVerifier(fx.n.bls, 1, 0, 0) // one worker: jobs finish in order
	ctx, cancel := context.WithCancel(context.Background())
	fx.n.ctx = ctx
	loopDone := make(chan struct{})
	go func() { defer close(loopDone); fx.n.loop(ctx) }()
	f.Cleanup(func() { cancel(); <-loopDone })

	// settle waits until the batch verifier and then the loop have handled
	// everything handed to them before.
	settle := func(tb testing.TB) {
		verified := make(chan struct{})
		fx.n.bv.submit(verifyJob{done: func() { close(verified) }})
		done := make(chan struct{})
		select {
		case <-verified:
		case <-time.After(time.Minute):
			tb.Fatal("the batch verifier does not turn")
		}
		fx.n.post(func() { close(done) })
		select {
		case <-done:
		case <-time.After(time.Minute):
			tb.Fatal("the event loop does not turn")
		}
	}

	id := consensus.InstanceID{Cluster: fx.n.cluster, Validator: fx.v.pubkey, DutyType: uint64(consensus.DutyAttester), Slot: 3}
	fx.n.post(func() { fx.n.deliver(fx.v, dvc.ServeAttestationDuty{Duty: fx.attDuty(3)}) })
	fx.n.post(func() {
		fx.n.deliver(fx.v, dvc.AttestationConsensusDecided{ID: id, Data: fx.attData(3)})
	})
	var share []byte
	deadline := time.After(time.Minute)
	for share == nil {
		select {
		case m := <-fx.n.sendq:
			if m.msgType == MsgShare {
				share = m.payload
			}
		case <-deadline:
			f.Fatal("the node broadcast no share")
		}
	}
	settle(f)
	f.Add(uint8(fx.n.cfg.Self), share)
	f.Add(uint8(1), share)
	f.Add(uint8(fx.n.cfg.Self), share[:len(share)/2])

	f.Fuzz(func(t *testing.T, from uint8, payload []byte) {
		fx.n.onShare(uint64(from%6), payload)
		settle(t)
		for len(fx.n.sendq) > 0 { // nobody sends; keep the queue from filling
			<-fx.n.sendq
		}
	})
}
