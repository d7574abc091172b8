package p2p

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dvspec/go-dvspec/spec/cluster"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

func startAll(t *testing.T, nodes ...*Transport) {
	t.Helper()
	for _, n := range nodes {
		if err := n.Start(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAllToAll: four nodes exchange QBFT and share messages in both
// directions between every pair; every message arrives once, from the
// right sender, in order per sender and protocol.
func TestAllToAll(t *testing.T) {
	const n = 4
	def, sks := testCluster(t, n)
	var nodes []*Transport
	var recv []*received
	for i := uint64(1); i <= n; i++ {
		tr := newNode(t, testConfig(def, sks, i))
		r := newReceived()
		for _, typ := range []string{"qbft", "share", "share/randao"} {
			if err := tr.Handle(typ, r.handler(typ)); err != nil {
				t.Fatal(err)
			}
		}
		nodes, recv = append(nodes, tr), append(recv, r)
	}
	startAll(t, nodes...)
	waitConnected(t, 10*time.Second, nodes...)

	const perSender = 30
	ctx := context.Background()
	for round := 0; round < perSender; round++ {
		for i, tr := range nodes {
			from := uint64(i + 1)
			if err := tr.Broadcast(ctx, "qbft", []byte(fmt.Sprintf("qbft %d %03d", from, round))); err != nil {
				t.Fatal(err)
			}
			for to := uint64(1); to <= n; to++ {
				if to == from {
					continue
				}
				typ := "share"
				if round%2 == 1 {
					typ = "share/randao"
				}
				if err := tr.Send(ctx, to, typ, []byte(fmt.Sprintf("share %d>%d %03d", from, to, round))); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	want := (n - 1) * perSender * 2
	for i, r := range recv {
		waitFor(t, 10*time.Second, fmt.Sprintf("node %d to receive %d messages", i+1, want), func() bool { return r.count() >= want })
	}
	time.Sleep(50 * time.Millisecond)
	for i, r := range recv {
		self := uint64(i + 1)
		msgs := r.snapshot()
		if len(msgs) != want {
			t.Fatalf("node %d received %d messages, want %d", self, len(msgs), want)
		}
		next := map[string]int{}
		for _, m := range msgs {
			if m.from == self || m.from < 1 || m.from > n {
				t.Fatalf("node %d: message from %d", self, m.from)
			}
			var kind string
			var from, to uint64
			var seq int
			switch m.msgType {
			case "qbft":
				if _, err := fmt.Sscanf(string(m.payload), "qbft %d %d", &from, &seq); err != nil {
					t.Fatal(err)
				}
				kind = "qbft"
			default:
				if _, err := fmt.Sscanf(string(m.payload), "share %d>%d %d", &from, &to, &seq); err != nil {
					t.Fatal(err)
				}
				if to != self {
					t.Fatalf("node %d got a share for %d", self, to)
				}
				kind = "share"
				if (seq%2 == 1) != (m.msgType == "share/randao") {
					t.Fatalf("node %d: %q delivered as %s", self, m.payload, m.msgType)
				}
			}
			if from != m.from {
				t.Fatalf("node %d: payload from %d delivered as from %d", self, from, m.from)
			}
			key := fmt.Sprintf("%s/%d", kind, from)
			if seq != next[key] {
				t.Fatalf("node %d: %s from %d: got #%d, want #%d (order per sender and protocol)", self, kind, from, seq, next[key])
			}
			next[key]++
		}
	}
	st := nodes[0].Stats()
	if st.ConnectedPeers != n-1 || st.Protocols["qbft"].MessagesSent != (n-1)*perSender || st.Protocols["qbft"].MessagesReceived != (n-1)*perSender {
		t.Fatalf("stats: %+v", st)
	}
	if st.Protocols["share"].BytesReceived == 0 || st.Protocols["share"].BytesSent == 0 {
		t.Fatalf("no bytes counted: %+v", st.Protocols["share"])
	}
}

// TestOutsiderRefused: a peer with a valid libp2p key that is not in the
// cluster cannot keep a connection, cannot open a stream, gets nothing
// delivered, and the transport refuses to dial it.
func TestOutsiderRefused(t *testing.T) {
	def, sks := testCluster(t, 2)
	n1 := newNode(t, testConfig(def, sks, 1))
	r := newReceived()
	if err := n1.Handle("qbft", r.handler("qbft")); err != nil {
		t.Fatal(err)
	}
	_, outsiderKey, _ := ed25519.GenerateKey(nil)
	out := rawHost(t, outsiderKey)
	info := peer.AddrInfo{ID: n1.PeerID(), Addrs: n1.Addrs()}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_ = out.Connect(ctx, info) // may report success: the refusal comes after the handshake
	clusterID, _ := def.ID()
	if s, err := out.NewStream(ctx, n1.PeerID(), ProtocolID(clusterID, "qbft")); err == nil {
		_, _ = s.Write(append(appendFrameHeader(nil, "qbft", 5), "hello"...))
		_ = s.Close()
	}
	waitFor(t, 3*time.Second, "the outsider to be disconnected", func() bool {
		return out.Network().Connectedness(n1.PeerID()) != network.Connected
	})
	time.Sleep(100 * time.Millisecond)
	if r.count() != 0 {
		t.Fatalf("the outsider's message was delivered: %+v", r.snapshot())
	}
	if got := n1.ConnectedPeers(); len(got) != 0 {
		t.Fatalf("connected peers %v", got)
	}
	if n1.Stats().GaterRefused == 0 {
		t.Fatal("no gater refusal counted")
	}
	// Outbound: the node refuses to dial the outsider.
	if err := n1.host.Connect(ctx, peer.AddrInfo{ID: out.ID(), Addrs: n1.Addrs()}); err == nil {
		t.Fatal("dialed a peer outside the cluster")
	}
	if err := n1.Send(ctx, 3, "qbft", []byte("x")); !errors.Is(err, ErrUnknownPeer) {
		t.Fatalf("Send to a non-operator: %v", err)
	}
}

// TestOversizeFrame: a frame announcing more than the protocol allows is
// refused as soon as its length is read: the stream is reset while the
// sender still has most of the frame unsent, the connection survives, and
// a new stream delivers again.
func TestOversizeFrame(t *testing.T) {
	def, sks := testCluster(t, 2)
	cfg := testConfig(def, sks, 1)
	cfg.Protocols = []Protocol{{Name: "qbft", MaxMessageSize: 1 << 20}, {Name: "share", MaxMessageSize: 1024}}
	n1 := newNode(t, cfg)
	r := newReceived()
	for _, typ := range []string{"qbft", "share"} {
		if err := n1.Handle(typ, r.handler(typ)); err != nil {
			t.Fatal(err)
		}
	}
	// Operator 2 is a raw host: it can write anything.
	h2 := rawHost(t, sks[1])
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h2.Connect(ctx, peer.AddrInfo{ID: n1.PeerID(), Addrs: n1.Addrs()}); err != nil {
		t.Fatal(err)
	}
	clusterID, _ := def.ID()
	share := ProtocolID(clusterID, "share")
	s, err := h2.NewStream(ctx, n1.PeerID(), share)
	if err != nil {
		t.Fatal(err)
	}
	// Announce 64 MiB, send only 1 KiB of it: a receiver that waited for
	// the payload would never reset.
	start := time.Now()
	if _, err := s.Write(append(appendFrameHeader(nil, "share", 64<<20), make([]byte, 1024)...)); err != nil {
		t.Fatal(err)
	}
	_ = s.SetReadDeadline(time.Now().Add(3 * time.Second))
	_, err = s.Read(make([]byte, 1))
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		t.Fatalf("stream not reset: %v", err)
	}
	t.Logf("oversize frame: stream reset after %v (%v)", time.Since(start), err)
	waitFor(t, 2*time.Second, "the drop to be counted", func() bool {
		return n1.Stats().Protocols["share"].ReceiveDropped[DropTooLarge] == 1
	})
	if st := n1.Stats().Protocols["share"]; st.BytesReceived != 0 || st.MessagesReceived != 0 {
		t.Fatalf("oversize frame counted as received: %+v", st)
	}
	if h2.Network().Connectedness(n1.PeerID()) != network.Connected {
		t.Fatal("the connection did not survive")
	}
	// A frame of exactly the limit on a new stream is delivered.
	s2, err := h2.NewStream(ctx, n1.PeerID(), share)
	if err != nil {
		t.Fatal(err)
	}
	okPayload := bytes.Repeat([]byte{7}, 1024)
	if _, err := s2.Write(append(appendFrameHeader(nil, "share", len(okPayload)), okPayload...)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "the next message", func() bool { return r.has(2, okPayload) })
	// The other protocol's stream was never affected.
	q, err := h2.NewStream(ctx, n1.PeerID(), ProtocolID(clusterID, "qbft"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.Write(append(appendFrameHeader(nil, "qbft", 3), "abc"...)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "the qbft message", func() bool { return r.has(2, []byte("abc")) })
	// A frame of another protocol's type and a malformed envelope are
	// dropped without losing the stream.
	bad := binary.AppendUvarint(nil, 4)
	bad = append(bad, 1, 2, 3, 4)
	frame := append(appendFrameHeader(nil, "share", 1), 'x')
	frame = append(frame, bad...)
	frame = append(frame, append(appendFrameHeader(nil, "qbft", 3), "def"...)...)
	if _, err := q.Write(frame); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "the message after two bad frames", func() bool { return r.has(2, []byte("def")) })
	if got := n1.Stats().Protocols["qbft"].ReceiveDropped[DropMalformed]; got != 2 {
		t.Fatalf("malformed drops %d, want 2", got)
	}
}

func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}

// TestLimitMismatchBetweenTransports: a sender with a larger limit than the
// receiver gets its oversize message dropped by the receiver (stream
// reset); later messages go through on a new stream. The first messages
// after the oversize one may be written into the stream before its reset
// reaches the sender, and are lost with it (a reset loses what is in
// flight), so the sender keeps sending until one arrives. The waits are
// failure bounds for a loaded machine, not margins the test measures.
func TestLimitMismatchBetweenTransports(t *testing.T) {
	const eventually = 60 * time.Second
	def, sks := testCluster(t, 2)
	cfg1 := testConfig(def, sks, 1)
	cfg1.Protocols = []Protocol{{Name: "qbft", MaxMessageSize: 1024}}
	cfg2 := testConfig(def, sks, 2)
	cfg2.Protocols = []Protocol{{Name: "qbft", MaxMessageSize: 1 << 20}}
	n1, n2 := newNode(t, cfg1), newNode(t, cfg2)
	r := newReceived()
	if err := n1.Handle("qbft", r.handler("qbft")); err != nil {
		t.Fatal(err)
	}
	startAll(t, n1, n2)
	waitConnected(t, eventually, n1, n2)
	ctx := context.Background()
	if err := n2.Send(ctx, 1, "qbft", make([]byte, 4096)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, eventually, "the oversize drop", func() bool {
		return n1.Stats().Protocols["qbft"].ReceiveDropped[DropTooLarge] == 1
	})
	sent, polls := 0, 0
	waitFor(t, eventually, "a message after the reset", func() bool {
		if r.count() > 0 {
			return true
		}
		if polls++; polls%20 != 1 { // a message every 20 polls
			return false
		}
		sent++
		if err := n2.Send(ctx, 1, "qbft", []byte(fmt.Sprintf("after %d", sent))); err != nil {
			t.Fatal(err)
		}
		return false
	})
	for _, m := range r.snapshot() {
		if m.from != 2 || !strings.HasPrefix(string(m.payload), "after ") {
			t.Fatalf("delivered %d bytes from %d, want only the messages after the oversize one", len(m.payload), m.from)
		}
	}
	if got := n1.Stats().Protocols["qbft"].ReceiveDropped[DropTooLarge]; got != 1 {
		t.Fatalf("oversize drops %d, want 1", got)
	}
	// The sender refuses what is over its own limit.
	if err := n1.Send(ctx, 2, "qbft", make([]byte, 1025)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Send over the limit: %v", err)
	}
}

// signedTestMessage is a toy upper-layer message: claimed sender (8 bytes
// big-endian), Ed25519 signature (64 bytes) over the body, body.
func signedTestMessage(sender uint64, sk ed25519.PrivateKey, body []byte) []byte {
	out := binary.BigEndian.AppendUint64(nil, sender)
	out = append(out, ed25519.Sign(sk, body)...)
	return append(out, body...)
}

// verifier checks the toy message as the node checks QBFT messages: the
// claimed sender must be the authenticated peer, and the signature must
// verify with that operator's node key.
func verifier(def *cluster.Definition) VerifyFunc {
	return func(from uint64, msgType string, payload []byte) error {
		if len(payload) < 72 {
			return errors.New("short message")
		}
		claimed := binary.BigEndian.Uint64(payload[:8])
		if claimed != from {
			return fmt.Errorf("message claims sender %d, the peer is %d", claimed, from)
		}
		op := def.Operator(from)
		if op == nil || !ed25519.Verify(op.NodePublicKey[:], payload[72:], payload[8:72]) {
			return errors.New("bad signature")
		}
		return nil
	}
}

func TestVerifyHookDropsBadMessages(t *testing.T) {
	def, sks := testCluster(t, 3)
	cfg1 := testConfig(def, sks, 1)
	var calls atomic.Int32
	inner := verifier(def)
	cfg1.Verify = func(from uint64, msgType string, payload []byte) error {
		calls.Add(1)
		return inner(from, msgType, payload)
	}
	n1, n2 := newNode(t, cfg1), newNode(t, testConfig(def, sks, 2))
	r := newReceived()
	if err := n1.Handle("qbft", r.handler("qbft")); err != nil {
		t.Fatal(err)
	}
	startAll(t, n1, n2)
	waitConnected(t, 10*time.Second, n1, n2)
	ctx := context.Background()
	good := signedTestMessage(2, sks[1], []byte("proposal"))
	forgedSig := signedTestMessage(2, sks[1], []byte("prepare"))
	forgedSig[20] ^= 1
	impersonation := signedTestMessage(3, sks[2], []byte("commit from 3, relayed by 2"))
	for _, m := range [][]byte{forgedSig, impersonation, []byte("short"), good} {
		if err := n2.Send(ctx, 1, "qbft", m); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 3*time.Second, "the good message", func() bool { return r.has(2, good) })
	time.Sleep(50 * time.Millisecond)
	if r.count() != 1 {
		t.Fatalf("delivered %d messages, want only the good one", r.count())
	}
	if got := n1.Stats().Protocols["qbft"].ReceiveDropped[DropVerifyFailed]; got != 3 {
		t.Fatalf("verify drops %d, want 3", got)
	}
	if got := calls.Load(); got != 4 {
		t.Fatalf("Verify called %d times, want 4", got)
	}
	// A type without a handler is dropped before Verify.
	if err := n2.Send(ctx, 1, "qbft/other", good); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "the no-handler drop", func() bool {
		return n1.Stats().Protocols["qbft"].ReceiveDropped[DropNoHandler] == 1
	})
}

// TestReconnectAfterRestart: a node that closes and comes back on the same
// port is reconnected by the others, and receives again, within a bounded
// time.
func TestReconnectAfterRestart(t *testing.T) {
	def, sks := testCluster(t, 3)
	n1, n2, n3 := newNode(t, testConfig(def, sks, 1)), newNode(t, testConfig(def, sks, 2)), newNode(t, testConfig(def, sks, 3))
	startAll(t, n1, n2, n3)
	waitConnected(t, 10*time.Second, n1, n2, n3)
	if err := n2.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the others to see 2 gone", func() bool {
		return len(n1.ConnectedPeers()) == 1 && len(n3.ConnectedPeers()) == 1
	})
	ctx := context.Background()
	if err := n1.Send(ctx, 2, "qbft", []byte("lost")); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("Send to a closed peer: %v", err)
	}
	if n1.Stats().Protocols["qbft"].SendDropped[DropNotConnected] == 0 {
		t.Fatal("drop not counted")
	}
	if err := n2.Send(ctx, 1, "qbft", []byte("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Send on a closed transport: %v", err)
	}
	// Down for a while, so the others back off.
	time.Sleep(700 * time.Millisecond)
	restarted := time.Now()
	n2b := newNode(t, testConfig(def, sks, 2))
	r := newReceived()
	if err := n2b.Handle("qbft", r.handler("qbft")); err != nil {
		t.Fatal(err)
	}
	// Not started: the others must reconnect on their own.
	waitFor(t, 5*time.Second, "1 and 3 to reconnect to the restarted 2", func() bool {
		return len(n2b.ConnectedPeers()) == 2
	})
	t.Logf("reconnected %v after the restart", time.Since(restarted))
	waitFor(t, 5*time.Second, "messages to the restarted node", func() bool {
		_ = n1.Send(ctx, 2, "qbft", []byte("from 1"))
		_ = n3.Send(ctx, 2, "qbft", []byte("from 3"))
		return r.has(1, []byte("from 1")) && r.has(3, []byte("from 3"))
	})
	if n1.Stats().Disconnects == 0 || n1.Stats().Connects < 3 {
		t.Fatalf("connection events not counted: %+v", n1.Stats())
	}
}

// TestReconnectAfterConnectionLoss: a connection closed under the
// transport is re-established by the reconnect loop.
func TestReconnectAfterConnectionLoss(t *testing.T) {
	def, sks := testCluster(t, 2)
	n1, n2 := newNode(t, testConfig(def, sks, 1)), newNode(t, testConfig(def, sks, 2))
	r := newReceived()
	if err := n2.Handle("share", r.handler("share")); err != nil {
		t.Fatal(err)
	}
	startAll(t, n1, n2)
	waitConnected(t, 10*time.Second, n1, n2)
	ctx := context.Background()
	if err := n1.Send(ctx, 2, "share", []byte("before")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "before", func() bool { return r.has(1, []byte("before")) })
	for i := 0; i < 3; i++ {
		if err := n1.host.Network().ClosePeer(n2.PeerID()); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 5*time.Second, "the link to come back", func() bool {
			_ = n1.Send(ctx, 2, "share", []byte(fmt.Sprintf("after %d", i)))
			return r.has(1, []byte(fmt.Sprintf("after %d", i)))
		})
	}
}

func TestConfigAndAPIErrors(t *testing.T) {
	def, sks := testCluster(t, 2)
	ctx := context.Background()
	bad := []struct {
		name string
		mod  func(*Config)
	}{
		{"no cluster", func(c *Config) { c.Cluster = nil }},
		{"no key", func(c *Config) { c.Key = nil }},
		{"key of another operator", func(c *Config) { c.Key = sks[1] }},
		{"self not an operator", func(c *Config) { c.Self = 9 }},
		{"bad protocol name", func(c *Config) { c.Protocols = []Protocol{{Name: "Q/x", MaxMessageSize: 1}} }},
		{"duplicate protocol", func(c *Config) {
			c.Protocols = []Protocol{{Name: "a", MaxMessageSize: 1}, {Name: "a", MaxMessageSize: 1}}
		}},
		{"limit too large", func(c *Config) { c.Protocols = []Protocol{{Name: "a", MaxMessageSize: MaxMessageSizeLimit + 1}} }},
		{"zero limit", func(c *Config) { c.Protocols = []Protocol{{Name: "a"}} }},
		{"udp listen address", func(c *Config) { c.ListenAddr = "/ip4/127.0.0.1/udp/9000/quic-v1" }},
		{"garbage listen address", func(c *Config) { c.ListenAddr = "127.0.0.1:9000" }},
	}
	for _, b := range bad {
		cfg := testConfig(def, sks, 1)
		b.mod(&cfg)
		if tr, err := New(ctx, cfg); err == nil {
			tr.Close()
			t.Errorf("%s: accepted", b.name)
		}
	}
	// An address whose /p2p part names another key.
	def2, sks2 := testCluster(t, 2)
	id1, _ := PeerID(def2.Operators[0].NodePublicKey)
	def2.Operators[1].SetAddress(def2.Operators[1].Address() + "/p2p/" + id1.String())
	if tr, err := New(ctx, testConfig(def2, sks2, 1)); err == nil {
		tr.Close()
		t.Error("accepted an address naming another peer")
	}

	tr := newNode(t, testConfig(def, sks, 1))
	if err := tr.Handle("other", func(uint64, []byte) {}); !errors.Is(err, ErrUnknownType) {
		t.Errorf("Handle of an unknown protocol: %v", err)
	}
	if err := tr.Handle("qbft/", func(uint64, []byte) {}); !errors.Is(err, ErrUnknownType) {
		t.Errorf("Handle of a bad type: %v", err)
	}
	if err := tr.Send(ctx, 1, "qbft", nil); !errors.Is(err, ErrUnknownPeer) {
		t.Errorf("Send to self: %v", err)
	}
	if err := tr.Send(ctx, 2, "qbft", nil); !errors.Is(err, ErrNotConnected) {
		t.Errorf("Send before connecting: %v", err)
	}
	if err := tr.Broadcast(ctx, "share", []byte("x")); !errors.Is(err, ErrNotConnected) {
		t.Errorf("Broadcast before connecting: %v", err)
	}
	if err := tr.Start(); err != nil {
		t.Fatal(err)
	}
	if err := tr.Start(); err == nil {
		t.Error("started twice")
	}
	tr.Close()
	tr.Close()
	if err := tr.Start(); !errors.Is(err, ErrClosed) {
		t.Errorf("Start after Close: %v", err)
	}
	if err := tr.Broadcast(ctx, "share", nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Broadcast after Close: %v", err)
	}
}

// TestContextEndsTransport: cancelling New's context closes the transport.
func TestContextEndsTransport(t *testing.T) {
	def, sks := testCluster(t, 2)
	ctx, cancel := context.WithCancel(context.Background())
	tr, err := New(ctx, testConfig(def, sks, 1))
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	waitFor(t, 3*time.Second, "the transport to close", func() bool {
		return errors.Is(tr.Broadcast(context.Background(), "qbft", nil), ErrClosed)
	})
	tr.Close()
}

// TestNoGoroutineLeak: after Close of every node nothing of the transports
// keeps running. The baseline is taken after one warm-up cluster so that
// libp2p's lazily started process-wide goroutines are already there.
func TestNoGoroutineLeak(t *testing.T) {
	run := func() {
		def, sks := testCluster(t, 3)
		var nodes []*Transport
		for i := uint64(1); i <= 3; i++ {
			tr, err := New(context.Background(), testConfig(def, sks, i))
			if err != nil {
				t.Fatal(err)
			}
			r := newReceived()
			_ = tr.Handle("qbft", r.handler("qbft"))
			nodes = append(nodes, tr)
		}
		startAll(t, nodes...)
		waitConnected(t, 10*time.Second, nodes...)
		for _, n := range nodes {
			_ = n.Broadcast(context.Background(), "qbft", make([]byte, 100<<10))
		}
		time.Sleep(100 * time.Millisecond)
		for _, n := range nodes {
			n.Close()
		}
	}
	run()
	time.Sleep(200 * time.Millisecond)
	base := runtime.NumGoroutine()
	run()
	waitGoroutines(t, base, 5*time.Second)
}

// TestLargeMessage: a QBFT message of exactly the default 16 MiB limit
// arrives intact (yamux windows and the resource manager allow it), and a
// share sent right after it arrives too, on its own stream.
func TestLargeMessage(t *testing.T) {
	def, sks := testCluster(t, 2)
	n1, n2 := newNode(t, testConfig(def, sks, 1)), newNode(t, testConfig(def, sks, 2))
	r := newReceived()
	for _, typ := range []string{"qbft", "share"} {
		if err := n2.Handle(typ, r.handler(typ)); err != nil {
			t.Fatal(err)
		}
	}
	startAll(t, n1, n2)
	waitConnected(t, 10*time.Second, n1, n2)
	big := make([]byte, DefaultQBFTMaxMessageSize)
	for i := range big {
		big[i] = byte(i * 7)
	}
	ctx := context.Background()
	start := time.Now()
	if err := n1.Send(ctx, 2, "qbft", big); err != nil {
		t.Fatal(err)
	}
	if err := n1.Send(ctx, 2, "share", []byte("small")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "the 16 MiB message", func() bool { return r.count() == 2 })
	t.Logf("16 MiB delivered in %v", time.Since(start))
	msgs := r.snapshot()
	var gotBig []byte
	for _, m := range msgs {
		if m.msgType == "qbft" {
			gotBig = m.payload
		}
	}
	if !bytes.Equal(gotBig, big) {
		t.Fatal("the large message arrived corrupted")
	}
	if err := n1.Send(ctx, 2, "qbft", append(big, 0)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("16 MiB + 1: %v", err)
	}
}

// TestSecondInboundStreamReplacesFirst: an operator holds at most one
// inbound stream per protocol open at the node; opening another resets the
// first.
func TestSecondInboundStreamReplacesFirst(t *testing.T) {
	def, sks := testCluster(t, 2)
	n1 := newNode(t, testConfig(def, sks, 1))
	r := newReceived()
	if err := n1.Handle("qbft", r.handler("qbft")); err != nil {
		t.Fatal(err)
	}
	h2 := rawHost(t, sks[1])
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h2.Connect(ctx, peer.AddrInfo{ID: n1.PeerID(), Addrs: n1.Addrs()}); err != nil {
		t.Fatal(err)
	}
	clusterID, _ := def.ID()
	pid := ProtocolID(clusterID, "qbft")
	s1, err := h2.NewStream(ctx, n1.PeerID(), pid)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s1.Write(append(appendFrameHeader(nil, "qbft", 2), "s1"...)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "s1's message", func() bool { return r.has(2, []byte("s1")) })
	s2, err := h2.NewStream(ctx, n1.PeerID(), pid)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Write(append(appendFrameHeader(nil, "qbft", 2), "s2"...)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "s2's message", func() bool { return r.has(2, []byte("s2")) })
	_ = s1.SetReadDeadline(time.Now().Add(3 * time.Second))
	if _, err := s1.Read(make([]byte, 1)); err == nil || errors.Is(err, io.EOF) || isTimeout(err) {
		t.Fatalf("the first stream was not reset: %v", err)
	}
}

func TestReadPayload(t *testing.T) {
	for _, n := range []int{0, 1, 1 << 20, 1<<20 + 1, 5<<20 + 3} {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(i)
		}
		got, err := readPayload(bytes.NewReader(data), uint64(n))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%d bytes: %v", n, err)
		}
		if n > 0 {
			if _, err := readPayload(bytes.NewReader(data[:n-1]), uint64(n)); err == nil {
				t.Fatalf("%d bytes: a short read succeeded", n)
			}
		}
	}
}

func TestListenAddr(t *testing.T) {
	for in, want := range map[string]string{
		"/ip4/127.0.0.1/tcp/9000":   "/ip4/127.0.0.1/tcp/9000",
		"/ip6/::1/tcp/9000":         "/ip6/::1/tcp/9000",
		"/dns4/node1.example/tcp/9": "/ip4/0.0.0.0/tcp/9",
		"/dns/node1.example/tcp/9":  "/ip4/0.0.0.0/tcp/9",
		"/dns6/node1.example/tcp/9": "/ip6/::/tcp/9",
		"/ip4/10.0.0.1/tcp/9000/p2p/12D3KooWBmwkafWE2fqfzS96VoTZPhbvN8e4RqZ45iqXrTjAZ3ts": "/ip4/10.0.0.1/tcp/9000",
	} {
		got, err := listenAddr(in)
		if err != nil || got.String() != want {
			t.Errorf("%s: %v %v, want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"/ip4/127.0.0.1/udp/9000/quic-v1", "/ip4/127.0.0.1/tcp/9000/ws", "/ip4/127.0.0.1", "/p2p/12D3KooWBmwkafWE2fqfzS96VoTZPhbvN8e4RqZ45iqXrTjAZ3ts", "nonsense"} {
		if got, err := listenAddr(in); err == nil {
			t.Errorf("%s: accepted as %s", in, got)
		}
	}
}
