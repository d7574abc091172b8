package node

import (
	"context"
	"errors"
	"sync"

	"github.com/dvspec/go-dvspec/impl/p2p"
)

// P2P adapts impl/p2p's libp2p transport to Transport.
type P2P struct{ T *p2p.Transport }

// Broadcast implements Transport.
func (p P2P) Broadcast(ctx context.Context, msgType string, payload []byte) error {
	return p.T.Broadcast(ctx, msgType, payload)
}

// Send implements Transport.
func (p P2P) Send(ctx context.Context, to uint64, msgType string, payload []byte) error {
	return p.T.Send(ctx, to, msgType, payload)
}

// Handle implements Transport.
func (p P2P) Handle(msgType string, h func(from uint64, payload []byte)) error {
	return p.T.Handle(msgType, p2p.Handler(h))
}

// ConnectedPeers implements Transport.
func (p P2P) ConnectedPeers() []uint64 { return p.T.ConnectedPeers() }

// Problems reports peers refused for another cluster definition and node
// keys seen in two processes (readiness).
func (p P2P) Problems() []string { return p.T.Problems() }

// MemNetwork connects nodes in one process without sockets (unit tests).
// Each endpoint delivers in order, from its own goroutine.
type MemNetwork struct {
	mu    sync.Mutex
	nodes map[uint64]*MemEndpoint
}

// NewMemNetwork returns an empty network.
func NewMemNetwork() *MemNetwork { return &MemNetwork{nodes: map[uint64]*MemEndpoint{}} }

// MemEndpoint is one node's Transport on a MemNetwork.
type MemEndpoint struct {
	net      *MemNetwork
	self     uint64
	mu       sync.Mutex
	handlers map[string]func(uint64, []byte)
	queue    chan memMsg
	down     bool
	stop     chan struct{}
}

type memMsg struct {
	from    uint64
	msgType string
	payload []byte
}

// Endpoint returns (creating or reviving) node i's endpoint. A revived
// endpoint has no handlers until they are registered again.
func (m *MemNetwork) Endpoint(i uint64) *MemEndpoint {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.nodes[i]; e != nil && !e.down {
		return e
	}
	e := &MemEndpoint{net: m, self: i, handlers: map[string]func(uint64, []byte){}, queue: make(chan memMsg, 1<<16), stop: make(chan struct{})}
	m.nodes[i] = e
	go e.run()
	return e
}

// Down disconnects node i (its messages and those to it are lost).
func (m *MemNetwork) Down(i uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.nodes[i]; e != nil && !e.down {
		e.down = true
		close(e.stop)
	}
}

func (e *MemEndpoint) run() {
	for {
		select {
		case <-e.stop:
			return
		case m := <-e.queue:
			e.mu.Lock()
			h := e.handlers[m.msgType]
			e.mu.Unlock()
			if h != nil {
				h(m.from, m.payload)
			}
		}
	}
}

var errMemDown = errors.New("memnetwork: peer not connected")

func (e *MemEndpoint) deliver(to uint64, msgType string, payload []byte) error {
	e.net.mu.Lock()
	dst := e.net.nodes[to]
	me := e.net.nodes[e.self]
	e.net.mu.Unlock()
	if dst == nil || dst.down || me != e || e.down {
		return errMemDown
	}
	select {
	case dst.queue <- memMsg{from: e.self, msgType: msgType, payload: payload}:
		return nil
	default:
		return errors.New("memnetwork: queue full")
	}
}

// Broadcast implements Transport.
func (e *MemEndpoint) Broadcast(_ context.Context, msgType string, payload []byte) error {
	e.net.mu.Lock()
	var to []uint64
	for i := range e.net.nodes {
		if i != e.self {
			to = append(to, i)
		}
	}
	e.net.mu.Unlock()
	var errs []error
	for _, i := range to {
		if err := e.deliver(i, msgType, payload); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Send implements Transport.
func (e *MemEndpoint) Send(_ context.Context, to uint64, msgType string, payload []byte) error {
	return e.deliver(to, msgType, payload)
}

// Handle implements Transport.
func (e *MemEndpoint) Handle(msgType string, h func(from uint64, payload []byte)) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.handlers[msgType] = h
	return nil
}

// ConnectedPeers implements Transport.
func (e *MemEndpoint) ConnectedPeers() []uint64 {
	e.net.mu.Lock()
	defer e.net.mu.Unlock()
	var out []uint64
	for i, n := range e.net.nodes {
		if i != e.self && !n.down {
			out = append(out, i)
		}
	}
	return out
}
