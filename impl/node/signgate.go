package node

import (
	"context"
	"sync"
)

// signGate orders a node's signing requests by lane (issue 16 item 4):
// a sync committee signature is asked for only while no proposal, RANDAO
// or attestation signature of the node is in flight. With consensus per
// slot a validator's attestation and its sync committee messages are
// decided together, and the signer, its slashing record and the share
// checks then served them in whatever order the goroutines ran, so the
// attestation waited for the slot's sync committee signatures (8 validators,
// 1-s slots: signed 34 ms after the duty's start at p50). A high request
// never waits for a low one; low requests wait only for the high requests
// already in flight, each bounded by the sign timeout.
type signGate struct {
	mu   sync.Mutex
	high int
	idle chan struct{} // closed when high falls to 0; nil while high is 0
}

// enterHigh counts a high request in flight until the returned func runs.
func (g *signGate) enterHigh() (leave func()) {
	g.mu.Lock()
	g.high++
	if g.idle == nil {
		g.idle = make(chan struct{})
	}
	g.mu.Unlock()
	return func() {
		g.mu.Lock()
		g.high--
		if g.high == 0 {
			close(g.idle)
			g.idle = nil
		}
		g.mu.Unlock()
	}
}

// waitLow returns when no high request is in flight, or false when ctx
// ends first.
func (g *signGate) waitLow(ctx context.Context) bool {
	for {
		g.mu.Lock()
		idle := g.idle
		g.mu.Unlock()
		if idle == nil {
			return true
		}
		select {
		case <-idle:
		case <-ctx.Done():
			return false
		}
	}
}
