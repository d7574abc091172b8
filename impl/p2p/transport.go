package p2p

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dvspec/go-dvspec/spec/cluster"
	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/connmgr"
	"github.com/libp2p/go-libp2p/core/control"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"
)

// Default protocol names and limits.
const (
	// ProtocolQBFT carries QBFT consensus messages. Proposals carry whole
	// blocks, hence the large default limit.
	ProtocolQBFT = "qbft"
	// ProtocolShares carries signature-share messages.
	ProtocolShares = "share"

	DefaultQBFTMaxMessageSize   = 16 << 20
	DefaultSharesMaxMessageSize = 1 << 20
	DefaultQueueLength          = 256
)

// Default timings.
const (
	DefaultDialTimeout  = 5 * time.Second
	DefaultWriteTimeout = 30 * time.Second
	DefaultReadTimeout  = 30 * time.Second
	DefaultMinBackoff   = 100 * time.Millisecond
	DefaultMaxBackoff   = 5 * time.Second
)

// Errors returned by Send, Broadcast, Handle and New.
var (
	ErrClosed       = errors.New("p2p: transport closed")
	ErrNotConnected = errors.New("p2p: peer not connected")
	ErrQueueFull    = errors.New("p2p: send queue full")
	ErrTooLarge     = errors.New("p2p: message larger than the protocol's limit")
	ErrUnknownPeer  = errors.New("p2p: not an operator of the cluster")
	ErrUnknownType  = errors.New("p2p: message type of no configured protocol")
)

// Protocol configures one protocol: one libp2p protocol ID, one stream per
// direction per peer, one size limit.
type Protocol struct {
	// Name is the protocol's name, [a-z0-9_.-]+. Message types of the
	// protocol are Name or Name/<anything>.
	Name string
	// MaxMessageSize is the largest payload accepted and sent, in bytes
	// (1..MaxMessageSizeLimit).
	MaxMessageSize int
	// QueueLength is the length of each peer's send queue (0:
	// DefaultQueueLength).
	QueueLength int
}

// DefaultProtocols are the protocols of a DV node: ProtocolQBFT with a
// 16 MiB limit and ProtocolShares with a 1 MiB limit.
func DefaultProtocols() []Protocol {
	return []Protocol{
		{Name: ProtocolQBFT, MaxMessageSize: DefaultQBFTMaxMessageSize, QueueLength: DefaultQueueLength},
		{Name: ProtocolShares, MaxMessageSize: DefaultSharesMaxMessageSize, QueueLength: DefaultQueueLength},
	}
}

// VerifyFunc checks a received message before delivery: from is the
// operator index of the authenticated sender. A non-nil error drops the
// message (counted as DropVerifyFailed). It runs on the stream's reader
// goroutine, concurrently for different peers, and must not keep or modify
// payload.
type VerifyFunc func(from uint64, msgType string, payload []byte) error

// Handler receives a message that passed Verify. It runs on the reader
// goroutine of the sender's stream: messages of one protocol from one peer
// are delivered one at a time in the order they were sent, and the next one
// waits until the handler returns, so a handler must return quickly (hand
// the message to a channel). Handlers of different peers or protocols run
// concurrently. The handler owns payload.
type Handler func(from uint64, payload []byte)

// Config configures a Transport.
type Config struct {
	// Cluster is the cluster definition: operator indices, Ed25519 node
	// public keys and addresses.
	Cluster *cluster.Definition
	// Self is this node's operator index (1..N).
	Self uint64
	// Key is this node's Ed25519 identity key; its public key must be
	// operator Self's node_public_key.
	Key ed25519.PrivateKey
	// ListenAddr overrides the listen multiaddr (default: operator Self's
	// address; a /dns* host listens on all interfaces).
	ListenAddr string
	// Protocols (nil: DefaultProtocols()).
	Protocols []Protocol
	// Logger (nil: discard).
	Logger *slog.Logger
	// Verify, when set, is called on every received message before
	// delivery.
	Verify VerifyFunc

	// DialTimeout bounds one dial or stream opening (0: 5 s).
	DialTimeout time.Duration
	// WriteTimeout bounds writing one frame (0: 30 s).
	WriteTimeout time.Duration
	// ReadTimeout bounds reading one frame once its first byte arrived
	// (0: 30 s). An idle stream waits for its next frame without limit.
	ReadTimeout time.Duration
	// MinBackoff and MaxBackoff bound the reconnect backoff (0: 100 ms and
	// 5 s).
	MinBackoff time.Duration
	MaxBackoff time.Duration
}

// Transport is one node's connection to its co-validators.
type Transport struct {
	cfg    Config
	log    *slog.Logger
	host   host.Host
	selfID peer.ID
	peers  map[uint64]*peerState
	byID   map[peer.ID]*peerState
	protos map[string]*protoState
	order  []uint64 // other operators, ascending

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// hostUsers counts the goroutines that open streams or dial (writers,
	// dial loops, hello initiators): shutdown waits for them before it
	// closes the libp2p host, whose NewStream and Connect read state that
	// Close tears down (a writer opening a stream during Close made
	// libp2p dereference nil).
	hostUsers sync.WaitGroup

	mu      sync.Mutex
	closed  bool
	started bool

	hmu      sync.RWMutex
	handlers map[string]Handler

	hello  Hello
	hellos *hellos

	counters transportCounters
}

type protoState struct {
	Protocol
	id       protocol.ID
	maxFrame uint64
	counters protoCounters
}

type peerState struct {
	index     uint64
	id        peer.ID
	addrs     []ma.Multiaddr
	kick      chan struct{}
	connected atomic.Bool
	// mismatched is set while the peer's last hello named another
	// cluster ID: it is not counted as connected, and redialled slowly.
	mismatched atomic.Bool
	writers    map[string]*writer

	mu      sync.Mutex
	inbound map[string]network.Stream // the current inbound stream per protocol
}

// adoptInbound makes s the peer's inbound stream of the protocol and resets
// the previous one: a sender writes one stream per protocol at a time and
// opens a new one only after the old one failed, so this bounds what a
// misbehaving operator can make the node hold to one frame per protocol.
func (p *peerState) adoptInbound(proto string, s network.Stream) {
	p.mu.Lock()
	old := p.inbound[proto]
	p.inbound[proto] = s
	p.mu.Unlock()
	if old != nil {
		old.Reset()
	}
}

func (p *peerState) releaseInbound(proto string, s network.Stream) {
	p.mu.Lock()
	if p.inbound[proto] == s {
		delete(p.inbound, proto)
	}
	p.mu.Unlock()
}

// New builds the transport of operator cfg.Self and starts listening.
// Inbound connections from cluster peers are accepted, and Send works to
// connected peers, from now on; Start begins dialing. ctx bounds the
// transport's life: when it is done the transport closes as if Close had
// been called.
func New(ctx context.Context, cfg Config) (*Transport, error) {
	if err := normalize(&cfg); err != nil {
		return nil, err
	}
	t := &Transport{
		cfg:      cfg,
		log:      cfg.Logger,
		peers:    make(map[uint64]*peerState),
		byID:     make(map[peer.ID]*peerState),
		protos:   make(map[string]*protoState),
		handlers: make(map[string]Handler),
	}
	clusterID, err := cfg.Cluster.ID()
	if err != nil {
		return nil, fmt.Errorf("p2p: %w", err)
	}
	if t.hello, err = newHello(cfg.Cluster, cfg.Self, clusterID); err != nil {
		return nil, fmt.Errorf("p2p: %w", err)
	}
	t.hellos = newHellos()
	for _, p := range cfg.Protocols {
		t.protos[p.Name] = &protoState{
			Protocol: p,
			id:       ProtocolID(clusterID, p.Name),
			maxFrame: uint64(envelopeFixed + MaxMsgTypeLength + p.MaxMessageSize),
		}
	}
	var self *cluster.Operator
	for i, op := range cfg.Cluster.Operators {
		if op == nil || op.Index != uint64(i+1) {
			return nil, fmt.Errorf("p2p: operator %d missing or out of order (want indices 1..N)", i+1)
		}
		id, err := PeerID(op.NodePublicKey)
		if err != nil {
			return nil, fmt.Errorf("p2p: operator %d: %w", op.Index, err)
		}
		if op.Index == cfg.Self {
			self, t.selfID = op, id
			continue
		}
		addrs, err := peerAddrs(op.Address(), id)
		if err != nil {
			return nil, fmt.Errorf("p2p: operator %d: %w", op.Index, err)
		}
		if _, _, _, ok := tcpParts(addrs[0]); !ok {
			cfg.Logger.Warn("p2p: operator address is not TCP; this node cannot dial it (it can still dial us)", "peer", op.Index, "address", op.Address())
		}
		if _, dup := t.byID[id]; dup || id == t.selfID {
			return nil, fmt.Errorf("p2p: operator %d: node key used by another operator", op.Index)
		}
		ps := &peerState{index: op.Index, id: id, addrs: addrs, kick: make(chan struct{}, 1), writers: make(map[string]*writer), inbound: make(map[string]network.Stream)}
		t.peers[op.Index] = ps
		t.byID[id] = ps
		t.order = append(t.order, op.Index)
	}
	slices.Sort(t.order)
	if self == nil {
		return nil, fmt.Errorf("p2p: operator %d is not in the cluster", cfg.Self)
	}
	if pub := cfg.Key.Public().(ed25519.PublicKey); !slices.Equal([]byte(pub), self.NodePublicKey[:]) {
		return nil, fmt.Errorf("p2p: the node key's public key %x is not operator %d's node_public_key %x", []byte(pub), cfg.Self, self.NodePublicKey[:])
	}
	listen := cfg.ListenAddr
	if listen == "" {
		listen = self.Address()
	}
	laddr, err := listenAddr(listen)
	if err != nil {
		return nil, err
	}
	priv, err := crypto.UnmarshalEd25519PrivateKey(cfg.Key)
	if err != nil {
		return nil, fmt.Errorf("p2p: node key: %w", err)
	}

	t.host, err = libp2p.New(
		libp2p.Identity(priv),
		libp2p.ListenAddrs(laddr),
		// TCP only, without SO_REUSEPORT: a node restarting on its port
		// must be able to bind it again while old connections linger in
		// TIME_WAIT, and dials use ephemeral source ports.
		libp2p.Transport(tcp.NewTCPTransport, tcp.DisableReuseport()),
		libp2p.Security(noise.ID, noise.New),
		libp2p.Muxer(yamux.ID, yamux.DefaultTransport),
		libp2p.ConnectionGater(&gater{t: t}),
		libp2p.ConnectionManager(&connmgr.NullConnMgr{}),
		libp2p.DisableRelay(),
		libp2p.DisableMetrics(),
		libp2p.DisableIdentifyAddressDiscovery(),
		libp2p.ForceReachabilityPublic(),
		libp2p.Ping(false),
		libp2p.UserAgent("go-dvspec"),
	)
	if err != nil {
		return nil, fmt.Errorf("p2p: libp2p host on %s: %w", laddr, err)
	}
	for _, ps := range t.peers {
		t.host.Peerstore().AddAddrs(ps.id, ps.addrs, peerstore.PermanentAddrTTL)
	}
	t.ctx, t.cancel = context.WithCancel(ctx)
	t.host.Network().Notify(&network.NotifyBundle{
		ConnectedF:    t.onConnected,
		DisconnectedF: t.onDisconnected,
	})
	// Connections accepted before Notify took effect (their hellos wait
	// for the handler below).
	for _, c := range t.host.Network().Conns() {
		t.onConnected(t.host.Network(), c)
	}
	t.host.SetStreamHandler(HelloProtocol, t.helloHandler)
	for _, name := range sortedKeys(t.protos) {
		ps := t.protos[name]
		t.host.SetStreamHandler(ps.id, t.streamHandler(ps))
	}
	for _, idx := range t.order {
		p := t.peers[idx]
		for _, name := range sortedKeys(t.protos) {
			w := &writer{t: t, peer: p, proto: t.protos[name], queue: make(chan outMsg, t.protos[name].QueueLength)}
			p.writers[name] = w
			t.wg.Add(1)
			t.hostUsers.Add(1)
			go w.run()
		}
	}
	// Close when ctx is done.
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		<-t.ctx.Done()
		t.shutdown()
	}()
	t.log.Info("p2p transport listening", "self", cfg.Self, "peer_id", t.selfID, "addrs", t.host.Addrs())
	return t, nil
}

func normalize(cfg *Config) error {
	if cfg.Cluster == nil {
		return errors.New("p2p: no cluster definition")
	}
	if len(cfg.Key) != ed25519.PrivateKeySize {
		return errors.New("p2p: no valid Ed25519 node key")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Protocols == nil {
		cfg.Protocols = DefaultProtocols()
	}
	seen := make(map[string]bool)
	for i := range cfg.Protocols {
		p := &cfg.Protocols[i]
		if err := validMsgType(p.Name); err != nil || strings.Contains(p.Name, "/") {
			return fmt.Errorf("p2p: protocol name %q: want [a-z0-9_.-]+", p.Name)
		}
		if seen[p.Name] {
			return fmt.Errorf("p2p: protocol %q configured twice", p.Name)
		}
		seen[p.Name] = true
		if p.MaxMessageSize <= 0 || p.MaxMessageSize > MaxMessageSizeLimit {
			return fmt.Errorf("p2p: protocol %q: MaxMessageSize %d, want 1..%d", p.Name, p.MaxMessageSize, MaxMessageSizeLimit)
		}
		if p.QueueLength <= 0 {
			p.QueueLength = DefaultQueueLength
		}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.DialTimeout, DefaultDialTimeout)
	def(&cfg.WriteTimeout, DefaultWriteTimeout)
	def(&cfg.ReadTimeout, DefaultReadTimeout)
	def(&cfg.MinBackoff, DefaultMinBackoff)
	def(&cfg.MaxBackoff, DefaultMaxBackoff)
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = cfg.MinBackoff
	}
	return nil
}

// ProtocolID is the libp2p protocol ID of a protocol of the cluster with
// the given cluster ID: /dvspec/<cluster id, hex>/<name>/1. Nodes with
// different cluster definitions never agree on a protocol.
func ProtocolID(clusterID [32]byte, name string) protocol.ID {
	return protocol.ID("/dvspec/" + hex.EncodeToString(clusterID[:]) + "/" + name + "/1")
}

// PeerID is the libp2p peer ID of an Ed25519 node public key.
func PeerID(nodePublicKey [32]byte) (peer.ID, error) {
	pk, err := crypto.UnmarshalEd25519PublicKey(nodePublicKey[:])
	if err != nil {
		return "", err
	}
	return peer.IDFromPublicKey(pk)
}

// peerAddrs parses an operator address, checking a /p2p suffix against
// the operator's key.
func peerAddrs(addr string, id peer.ID) ([]ma.Multiaddr, error) {
	m, err := ma.NewMultiaddr(addr)
	if err != nil {
		return nil, fmt.Errorf("address %q: %w", addr, err)
	}
	tpt, pid := peer.SplitAddr(m)
	if pid != "" && pid != id {
		return nil, fmt.Errorf("address %q names peer %s, the node key is %s", addr, pid, id)
	}
	if tpt == nil {
		return nil, fmt.Errorf("address %q has no transport part", addr)
	}
	return []ma.Multiaddr{tpt}, nil
}

// listenAddr turns an operator address into a TCP listen address: a /dns*
// host listens on every interface of its family; a /p2p suffix is dropped.
func listenAddr(addr string) (ma.Multiaddr, error) {
	m, err := ma.NewMultiaddr(addr)
	if err != nil {
		return nil, fmt.Errorf("p2p: listen address %q: %w", addr, err)
	}
	m, _ = peer.SplitAddr(m)
	if m == nil {
		return nil, fmt.Errorf("p2p: listen address %q has no transport part", addr)
	}
	host, port, family, ok := tcpParts(m)
	if !ok {
		return nil, fmt.Errorf("p2p: listen address %q: want /ip4|ip6|dns|dns4|dns6/<host>/tcp/<port> (only TCP is enabled)", addr)
	}
	switch family {
	case "dns", "dns4":
		family, host = "ip4", "0.0.0.0"
	case "dns6":
		family, host = "ip6", "::"
	}
	return ma.NewMultiaddr("/" + family + "/" + host + "/tcp/" + port)
}

// tcpParts splits /<ip4|ip6|dns|dns4|dns6>/<host>/tcp/<port>; ok is false
// for any other shape (UDP, QUIC, WebSocket, ...).
func tcpParts(m ma.Multiaddr) (host, port, family string, ok bool) {
	if len(m) != 2 {
		return "", "", "", false
	}
	switch m[0].Protocol().Code {
	case ma.P_IP4, ma.P_IP6, ma.P_DNS, ma.P_DNS4, ma.P_DNS6:
	default:
		return "", "", "", false
	}
	if m[1].Protocol().Code != ma.P_TCP {
		return "", "", "", false
	}
	return m[0].Value(), m[1].Value(), m[0].Protocol().Name, true
}

// Start begins dialing the other operators and keeps reconnecting to every
// one that is not connected (see the package documentation).
func (t *Transport) Start() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed || t.ctx.Err() != nil {
		return ErrClosed
	}
	if t.started {
		return errors.New("p2p: already started")
	}
	t.started = true
	for _, idx := range t.order {
		t.wg.Add(1)
		t.hostUsers.Add(1)
		go t.dialLoop(t.peers[idx])
	}
	return nil
}

// Close stops the transport: it closes every connection and stream, drops
// the queued messages and waits for every goroutine of the transport
// (including running handlers) to return. It is safe to call more than
// once. It must not be called from a Handler or the Verify function (it would
// wait for itself).
func (t *Transport) Close() error {
	t.cancel()
	t.wg.Wait()
	return nil
}

// shutdown runs once, when the lifetime context is done.
func (t *Transport) shutdown() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	// No goroutine starts using the host once closed is set (Start and
	// trackHost check it); those running end with the context, a writer
	// within its WriteTimeout.
	t.hostUsers.Wait()
	t.host.RemoveStreamHandler(HelloProtocol)
	for _, ps := range t.protos {
		t.host.RemoveStreamHandler(ps.id)
	}
	if err := t.host.Close(); err != nil {
		t.log.Warn("p2p: closing the libp2p host", "err", err)
	}
	t.log.Info("p2p transport closed", "self", t.cfg.Self)
}

// track registers a goroutine the transport did not start (a libp2p stream
// handler) so Close waits for it; false when closed.
func (t *Transport) track() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.wg.Add(1)
	return true
}

// trackHost is track for a goroutine that opens streams: shutdown also
// waits for it before closing the host.
func (t *Transport) trackHost() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.wg.Add(1)
	t.hostUsers.Add(1)
	return true
}

// Self is this node's operator index.
func (t *Transport) Self() uint64 { return t.cfg.Self }

// PeerID is this node's libp2p peer ID.
func (t *Transport) PeerID() peer.ID { return t.selfID }

// Addrs are the addresses the transport listens on (with the actual port
// when the configured port was 0).
func (t *Transport) Addrs() []ma.Multiaddr { return t.host.Addrs() }

// Handle registers the handler of a message type (nil removes it). The
// type must belong to a configured protocol (its name, or name/...).
// Messages of a type without a handler are dropped (DropNoHandler).
func (t *Transport) Handle(msgType string, h Handler) error {
	if _, err := t.protocolOf(msgType); err != nil {
		return err
	}
	t.hmu.Lock()
	defer t.hmu.Unlock()
	if h == nil {
		delete(t.handlers, msgType)
	} else {
		t.handlers[msgType] = h
	}
	return nil
}

func (t *Transport) handler(msgType string) Handler {
	t.hmu.RLock()
	defer t.hmu.RUnlock()
	return t.handlers[msgType]
}

func (t *Transport) protocolOf(msgType string) (*protoState, error) {
	if err := validMsgType(msgType); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnknownType, err)
	}
	name, _, _ := strings.Cut(msgType, "/")
	ps, ok := t.protos[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownType, msgType)
	}
	return ps, nil
}

// Send queues a message for operator to. It returns once the message is
// queued, not when it is delivered; payload must not be modified
// afterwards. It fails at once with ErrNotConnected when the peer is not
// connected (the message is dropped: the DV protocol re-sends shares and
// QBFT has round timers), and waits for room in a full queue until ctx is
// done (then ErrQueueFull). Delivery is in order per peer and protocol;
// a message can be lost when a connection breaks, and in rare cases
// (a write failing after the frame left) delivered twice.
func (t *Transport) Send(ctx context.Context, to uint64, msgType string, payload []byte) error {
	ps, err := t.checkSend(msgType, payload)
	if err != nil {
		return err
	}
	p, ok := t.peers[to]
	if !ok {
		if to == t.cfg.Self {
			return fmt.Errorf("%w: %d is this node (deliver to yourself directly)", ErrUnknownPeer, to)
		}
		return fmt.Errorf("%w: %d", ErrUnknownPeer, to)
	}
	return t.enqueue(ctx, p, ps, outMsg{msgType: msgType, payload: payload})
}

// Broadcast sends the message to every other operator, as Send does; it is
// not delivered to this node (the caller handles its own message). It
// queues to every connected peer without waiting, then waits (until ctx is
// done) for room in the queues that were full. The error joins the
// per-peer failures (ErrNotConnected, ErrQueueFull), each naming the peer;
// peers that did not fail have the message queued.
func (t *Transport) Broadcast(ctx context.Context, msgType string, payload []byte) error {
	ps, err := t.checkSend(msgType, payload)
	if err != nil {
		return err
	}
	m := outMsg{msgType: msgType, payload: payload}
	var errs []error
	var full []*peerState
	for _, idx := range t.order {
		p := t.peers[idx]
		switch err := t.tryEnqueue(p, ps, m); {
		case errors.Is(err, ErrQueueFull):
			full = append(full, p)
		case err != nil:
			errs = append(errs, fmt.Errorf("peer %d: %w", idx, err))
		}
	}
	for _, p := range full {
		if err := t.enqueue(ctx, p, ps, m); err != nil {
			errs = append(errs, fmt.Errorf("peer %d: %w", p.index, err))
		}
	}
	return errors.Join(errs...)
}

func (t *Transport) checkSend(msgType string, payload []byte) (*protoState, error) {
	ps, err := t.protocolOf(msgType)
	if err != nil {
		return nil, err
	}
	if len(payload) > ps.MaxMessageSize {
		return nil, fmt.Errorf("%w: %d bytes, %s allows %d", ErrTooLarge, len(payload), ps.Name, ps.MaxMessageSize)
	}
	if t.ctx.Err() != nil {
		return nil, ErrClosed
	}
	return ps, nil
}

// tryEnqueue queues without waiting.
func (t *Transport) tryEnqueue(p *peerState, ps *protoState, m outMsg) error {
	if !t.usable(p) {
		ps.counters.dropSend(DropNotConnected)
		return ErrNotConnected
	}
	select {
	case p.writers[ps.Name].queue <- m:
		return nil
	default:
		return ErrQueueFull
	}
}

// enqueue queues, waiting for room until ctx is done.
func (t *Transport) enqueue(ctx context.Context, p *peerState, ps *protoState, m outMsg) error {
	err := t.tryEnqueue(p, ps, m)
	if !errors.Is(err, ErrQueueFull) {
		return err
	}
	select {
	case p.writers[ps.Name].queue <- m:
		return nil
	case <-ctx.Done():
		ps.counters.dropSend(DropQueueFull)
		return fmt.Errorf("%w: %v", ErrQueueFull, ctx.Err())
	case <-t.ctx.Done():
		ps.counters.dropSend(DropClosed)
		return ErrClosed
	}
}

// ConnectedPeers returns the operator indices of the connected peers,
// ascending; a peer whose cluster ID differs is not one.
func (t *Transport) ConnectedPeers() []uint64 {
	var out []uint64
	for _, idx := range t.order {
		if t.usable(t.peers[idx]) {
			out = append(out, idx)
		}
	}
	return out
}

func (t *Transport) isConnected(p *peerState) bool {
	return t.host.Network().Connectedness(p.id) == network.Connected
}

// usable reports whether messages can go to p: connected, same cluster.
func (t *Transport) usable(p *peerState) bool {
	return !p.mismatched.Load() && t.isConnected(p)
}

// Stats returns a snapshot of the counters.
func (t *Transport) Stats() Stats {
	s := Stats{
		ConnectedPeers:    len(t.ConnectedPeers()),
		DialAttempts:      t.counters.dialAttempts.Load(),
		DialFailures:      t.counters.dialFailures.Load(),
		Connects:          t.counters.connects.Load(),
		Disconnects:       t.counters.disconnects.Load(),
		GaterRefused:      t.counters.gaterRefused.Load(),
		ClusterMismatches: t.counters.clusterMismatch.Load(),
		DuplicateKeys:     t.counters.duplicateKey.Load(),
		Protocols:         make(map[string]ProtocolStats, len(t.protos)),
	}
	for name, ps := range t.protos {
		s.Protocols[name] = ps.counters.snapshot()
	}
	return s
}

// ---- connection events and reconnects ----

func (t *Transport) onConnected(_ network.Network, c network.Conn) {
	p, ok := t.byID[c.RemotePeer()]
	if !ok {
		return
	}
	if !p.connected.Swap(true) {
		t.counters.connects.Add(1)
		t.log.Info("p2p peer connected", "peer", p.index, "direction", c.Stat().Direction.String(), "remote", c.RemoteMultiaddr())
	}
	go t.sayHello(p, c)
	kick(p)
}

func (t *Transport) onDisconnected(n network.Network, c network.Conn) {
	p, ok := t.byID[c.RemotePeer()]
	if !ok {
		return
	}
	t.forgetConn(p, c)
	if n.Connectedness(p.id) == network.Connected {
		return
	}
	if p.connected.Swap(false) {
		t.counters.disconnects.Add(1)
		t.log.Info("p2p peer disconnected", "peer", p.index)
	}
	kick(p)
}

func kick(p *peerState) {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// dialLoop keeps one peer connected: while it is disconnected it dials,
// waiting between failed dials with a backoff that doubles from MinBackoff
// to MaxBackoff, with ±20% jitter; a disconnect wakes it at once. While
// connected it sleeps until a disconnect (and re-checks every MaxBackoff).
func (t *Transport) dialLoop(p *peerState) {
	defer t.wg.Done()
	defer t.hostUsers.Done()
	backoff := t.cfg.MinBackoff
	timer := time.NewTimer(0)
	defer timer.Stop()
	wait := func(d time.Duration) bool {
		timer.Reset(d)
		select {
		case <-t.ctx.Done():
			return false
		case <-p.kick:
			timer.Stop()
			return true
		case <-timer.C:
			return true
		}
	}
	<-timer.C
	for t.ctx.Err() == nil {
		if p.mismatched.Load() {
			// Its definition differs: try again now and then (it may be
			// fixed), not at every disconnect.
			select {
			case <-t.ctx.Done():
				return
			case <-time.After(t.cfg.MaxBackoff):
			}
			if p.mismatched.Load() && t.isConnected(p) {
				_ = t.host.Network().ClosePeer(p.id)
			}
		}
		if t.isConnected(p) {
			backoff = t.cfg.MinBackoff
			if !wait(t.cfg.MaxBackoff) {
				return
			}
			continue
		}
		t.counters.dialAttempts.Add(1)
		ctx, cancel := context.WithTimeout(t.ctx, t.cfg.DialTimeout)
		err := t.host.Connect(network.WithForceDirectDial(ctx, "dvspec reconnect"), peer.AddrInfo{ID: p.id})
		cancel()
		if err == nil {
			backoff = t.cfg.MinBackoff
			continue
		}
		if t.ctx.Err() != nil {
			return
		}
		t.counters.dialFailures.Add(1)
		t.log.Debug("p2p dial failed", "peer", p.index, "backoff", backoff, "err", err)
		d := time.Duration(float64(backoff) * (0.8 + 0.4*rand.Float64()))
		backoff = min(2*backoff, t.cfg.MaxBackoff)
		if !wait(d) {
			return
		}
	}
}

// ---- the gater ----

// gater admits cluster operators only: it refuses to dial any other peer
// and drops any connection (inbound or outbound) whose authenticated peer
// is not an operator, right after the Noise handshake.
type gater struct{ t *Transport }

func (g *gater) admitted(p peer.ID) bool {
	_, ok := g.t.byID[p]
	return ok
}

func (g *gater) InterceptPeerDial(p peer.ID) bool {
	if !g.admitted(p) {
		g.t.counters.gaterRefused.Add(1)
		return false
	}
	return true
}

func (g *gater) InterceptAddrDial(p peer.ID, _ ma.Multiaddr) bool { return g.admitted(p) }

func (g *gater) InterceptAccept(network.ConnMultiaddrs) bool { return true }

func (g *gater) InterceptSecured(dir network.Direction, p peer.ID, addrs network.ConnMultiaddrs) bool {
	if !g.admitted(p) {
		g.t.counters.gaterRefused.Add(1)
		g.t.log.Debug("p2p refused a peer outside the cluster", "peer_id", p, "direction", dir.String(), "remote", addrs.RemoteMultiaddr())
		return false
	}
	return true
}

func (g *gater) InterceptUpgraded(network.Conn) (bool, control.DisconnectReason) { return true, 0 }

// ---- sending ----

type outMsg struct {
	msgType string
	payload []byte
}

// writer owns the outbound stream of one protocol to one peer.
type writer struct {
	t      *Transport
	peer   *peerState
	proto  *protoState
	queue  chan outMsg
	stream network.Stream
	buf    []byte
}

// smallFrame is the payload size up to which a frame is written with one
// Write call (header and payload copied into one buffer).
const smallFrame = 64 << 10

func (w *writer) run() {
	defer w.t.wg.Done()
	defer w.t.hostUsers.Done()
	defer func() {
		if w.stream != nil {
			w.stream.Reset()
		}
		// Count what is left as dropped.
		for {
			select {
			case <-w.queue:
				w.proto.counters.dropSend(DropClosed)
			default:
				return
			}
		}
	}()
	for {
		select {
		case <-w.t.ctx.Done():
			return
		case m := <-w.queue:
			w.write(m)
		}
	}
}

// write writes one frame, on the current stream or a new one; when the
// write fails it retries once on a fresh stream (the old one may have died
// with its connection or been reset by the receiver).
func (w *writer) write(m outMsg) {
	for attempt := 0; attempt < 2; attempt++ {
		if w.stream == nil {
			if !w.t.isConnected(w.peer) {
				w.proto.counters.dropSend(DropNotConnected)
				return
			}
			ctx, cancel := context.WithTimeout(w.t.ctx, w.t.cfg.DialTimeout)
			s, err := w.t.host.NewStream(network.WithNoDial(ctx, "dvspec: the reconnect loop dials"), w.peer.id, w.proto.id)
			cancel()
			if err != nil {
				w.proto.counters.dropSend(DropStreamError)
				w.t.log.Debug("p2p: opening a stream failed", "peer", w.peer.index, "protocol", w.proto.Name, "err", err)
				return
			}
			w.stream = s
		}
		n, err := w.writeFrame(m)
		if err == nil {
			w.proto.counters.msgsSent.Add(1)
			w.proto.counters.bytesSent.Add(uint64(n))
			return
		}
		w.t.log.Debug("p2p: write failed", "peer", w.peer.index, "protocol", w.proto.Name, "attempt", attempt, "err", err)
		w.stream.Reset()
		w.stream = nil
		if w.t.ctx.Err() != nil {
			break
		}
	}
	w.proto.counters.dropSend(DropWriteError)
}

func (w *writer) writeFrame(m outMsg) (int, error) {
	if err := w.stream.SetWriteDeadline(time.Now().Add(w.t.cfg.WriteTimeout)); err != nil {
		return 0, err
	}
	w.buf = appendFrameHeader(w.buf[:0], m.msgType, len(m.payload))
	n := len(w.buf) + len(m.payload)
	if len(m.payload) <= smallFrame {
		w.buf = append(w.buf, m.payload...)
		if _, err := w.stream.Write(w.buf); err != nil {
			return 0, err
		}
	} else {
		if _, err := w.stream.Write(w.buf); err != nil {
			return 0, err
		}
		if _, err := w.stream.Write(m.payload); err != nil {
			return 0, err
		}
	}
	if cap(w.buf) > 4*smallFrame {
		w.buf = nil
	}
	return n, nil
}

// ---- receiving ----

func (t *Transport) streamHandler(ps *protoState) network.StreamHandler {
	return func(s network.Stream) {
		if !t.track() {
			s.Reset()
			return
		}
		defer t.wg.Done()
		p, ok := t.byID[s.Conn().RemotePeer()]
		if !ok {
			// The gater admits operators only; this is a second line.
			s.Reset()
			return
		}
		p.adoptInbound(ps.Name, s)
		defer p.releaseInbound(ps.Name, s)
		if err := t.readStream(s, p, ps); err != nil {
			t.log.Debug("p2p: inbound stream ended", "peer", p.index, "protocol", ps.Name, "err", err)
			s.Reset()
			return
		}
		s.Close()
	}
}

// readStream reads frames until the stream ends (nil) or fails.
func (t *Transport) readStream(s network.Stream, p *peerState, ps *protoState) error {
	r := bufio.NewReaderSize(s, 32<<10)
	for {
		if err := s.SetReadDeadline(time.Time{}); err != nil {
			return err
		}
		n, err := readFrameLength(r, func() { _ = s.SetReadDeadline(time.Now().Add(t.cfg.ReadTimeout)) })
		switch {
		case err == nil:
		case errors.Is(err, io.EOF):
			return nil
		case errors.Is(err, errBadVarint):
			ps.counters.dropRecv(DropMalformed)
			return err
		default:
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				return err
			}
			ps.counters.dropRecv(DropTruncated)
			return err
		}
		if n > ps.maxFrame {
			// Refused before reading the payload; the stream cannot be
			// resynchronised, so it is reset (the connection and the
			// other streams go on; the sender opens a new stream).
			ps.counters.dropRecv(DropTooLarge)
			t.log.Warn("p2p: frame over the limit", "peer", p.index, "protocol", ps.Name, "length", n, "limit", ps.maxFrame)
			return fmt.Errorf("frame of %d bytes over the limit of %d", n, ps.maxFrame)
		}
		buf, err := readPayload(r, n)
		if err != nil {
			ps.counters.dropRecv(DropTruncated)
			return err
		}
		size := uint64(binaryUvarintLen(n)) + n
		msgType, payload, err := DecodeEnvelope(buf)
		if err != nil {
			ps.counters.dropRecv(DropMalformed)
			t.log.Debug("p2p: malformed envelope", "peer", p.index, "protocol", ps.Name, "err", err)
			continue
		}
		if name, _, _ := strings.Cut(msgType, "/"); name != ps.Name {
			ps.counters.dropRecv(DropMalformed)
			t.log.Debug("p2p: message type of another protocol", "peer", p.index, "protocol", ps.Name, "type", msgType)
			continue
		}
		if len(payload) > ps.MaxMessageSize {
			ps.counters.dropRecv(DropTooLarge)
			continue
		}
		h := t.handler(msgType)
		if h == nil {
			ps.counters.dropRecv(DropNoHandler)
			continue
		}
		if t.cfg.Verify != nil {
			if err := t.cfg.Verify(p.index, msgType, payload); err != nil {
				ps.counters.dropRecv(DropVerifyFailed)
				t.log.Warn("p2p: message failed verification", "peer", p.index, "type", msgType, "err", err)
				continue
			}
		}
		ps.counters.msgsRecv.Add(1)
		ps.counters.bytesRecv.Add(size)
		h(p.index, payload)
	}
}

// readPayload reads n bytes. Above 1 MiB the buffer grows (doubling) as
// data arrives instead of being allocated at once, so a peer that
// announces a large frame must send it to make the node hold it.
func readPayload(r io.Reader, n uint64) ([]byte, error) {
	const step = 1 << 20
	if n <= step {
		buf := make([]byte, n)
		_, err := io.ReadFull(r, buf)
		return buf, err
	}
	buf := make([]byte, 0, step)
	for uint64(len(buf)) < n {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, int(min(uint64(cap(buf)), n-uint64(len(buf)))))
		}
		end := min(uint64(cap(buf)), n)
		m, err := io.ReadFull(r, buf[len(buf):end])
		buf = buf[:len(buf)+m]
		if err != nil {
			return nil, err
		}
	}
	return buf, nil
}

func binaryUvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
