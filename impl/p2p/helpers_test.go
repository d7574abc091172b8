package p2p

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dvspec/go-dvspec/internal/freeports"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/dvspec/go-dvspec/impl/keys"
	"github.com/dvspec/go-dvspec/spec/cluster"
)

var testSeed = []byte("go-dvspec p2p tests")

// freePorts returns n TCP ports of 127.0.0.1 that were free a moment ago
// (below the ephemeral range: internal/freeports).
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	base, err := freeports.Consecutive(n)
	if err != nil {
		t.Fatal(err)
	}
	ports := make([]int, n)
	for i := range ports {
		ports[i] = base + i
	}
	return ports
}

// testCluster is a cluster definition of n operators on 127.0.0.1 with
// devnet node keys (keys.NodeKeyFromSeed); it has no validators, which the
// transport does not need.
func testCluster(t testing.TB, n int) (*cluster.Definition, []ed25519.PrivateKey) {
	t.Helper()
	network, err := keys.DefaultDevnetNetwork(testSeed)
	if err != nil {
		t.Fatal(err)
	}
	def := &cluster.Definition{Version: cluster.Version, Name: []byte("p2p-test"), Threshold: uint64((2*n + 2) / 3), Network: network}
	var sks []ed25519.PrivateKey
	for i, port := range freePorts(t, n) {
		sk := keys.NodeKeyFromSeed(testSeed, uint64(i+1))
		sks = append(sks, sk)
		def.Operators = append(def.Operators, cluster.NewOperator(uint64(i+1), keys.NodePublicKey(sk), fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", port)))
	}
	return def, sks
}

func testConfig(def *cluster.Definition, sks []ed25519.PrivateKey, self uint64) Config {
	return Config{
		Cluster:      def,
		Self:         self,
		Key:          sks[self-1],
		DialTimeout:  2 * time.Second,
		WriteTimeout: 5 * time.Second,
		ReadTimeout:  5 * time.Second,
		MinBackoff:   50 * time.Millisecond,
		MaxBackoff:   500 * time.Millisecond,
	}
}

func newNode(t testing.TB, cfg Config) *Transport {
	t.Helper()
	tr, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func waitConnected(t testing.TB, timeout time.Duration, nodes ...*Transport) {
	t.Helper()
	waitFor(t, timeout, "full connectivity", func() bool {
		for _, n := range nodes {
			if len(n.ConnectedPeers()) != len(nodes)-1 {
				return false
			}
		}
		return true
	})
}

// received collects delivered messages.
type received struct {
	mu   sync.Mutex
	msgs []delivered
	ch   chan struct{}
}

type delivered struct {
	from    uint64
	msgType string
	payload []byte
}

func newReceived() *received { return &received{ch: make(chan struct{}, 1)} }

func (r *received) handler(msgType string) Handler {
	return func(from uint64, payload []byte) {
		r.mu.Lock()
		r.msgs = append(r.msgs, delivered{from, msgType, payload})
		r.mu.Unlock()
		select {
		case r.ch <- struct{}{}:
		default:
		}
	}
}

func (r *received) snapshot() []delivered {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivered(nil), r.msgs...)
}

func (r *received) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.msgs)
}

func (r *received) has(from uint64, payload []byte) bool {
	for _, m := range r.snapshot() {
		if m.from == from && bytes.Equal(m.payload, payload) {
			return true
		}
	}
	return false
}

// rawHost is a bare libp2p host with the transport's stack (TCP, Noise,
// yamux), used to act as a misbehaving cluster member or an outsider.
func rawHost(t testing.TB, sk ed25519.PrivateKey) host.Host {
	t.Helper()
	priv, err := crypto.UnmarshalEd25519PrivateKey(sk)
	if err != nil {
		t.Fatal(err)
	}
	h, err := libp2p.New(
		libp2p.Identity(priv),
		libp2p.NoListenAddrs,
		libp2p.Transport(tcp.NewTCPTransport, tcp.DisableReuseport()),
		libp2p.Security(noise.ID, noise.New),
		libp2p.Muxer(yamux.ID, yamux.DefaultTransport),
		libp2p.DisableRelay(),
		libp2p.DisableMetrics(),
		libp2p.Ping(false),
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func mustAddr(t testing.TB, s string) ma.Multiaddr {
	t.Helper()
	m, err := ma.NewMultiaddr(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// waitGoroutines waits until at most n goroutines run, and fails with a
// dump of the stacks if that does not happen in time.
func waitGoroutines(t testing.TB, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines, want at most %d:\n%s", runtime.NumGoroutine(), n, trimStacks(string(buf)))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func trimStacks(s string) string {
	if len(s) > 20000 {
		return s[:20000] + "\n..."
	}
	return strings.TrimSpace(s)
}
