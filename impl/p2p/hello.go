package p2p

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/dvspec/go-dvspec/spec/cluster"
)

// HelloProtocol is the one protocol whose ID does not carry the cluster
// ID: on every new connection each side sends the other, and answers, a
// Hello. The message protocols carry the cluster ID in their IDs, so two
// nodes with different cluster definitions but valid node keys connected
// and then silently exchanged nothing (issue 17: "3 peers connected",
// /readyz ok, every duty failed); the hello names the mismatch instead.
const HelloProtocol = protocol.ID("/dvspec/hello/1")

// maxHello bounds a hello on the wire.
const maxHello = 64 << 10

// helloTimeout bounds one hello exchange.
const helloTimeout = 5 * time.Second

// Hello is what a node says about itself when it connects: the cluster ID
// of its definition, a digest of each top-level field of the definition
// (so a peer can tell which part differs), and a random identifier of this
// process (so a peer can tell two processes using one node key apart).
type Hello struct {
	ClusterID string            `json:"cluster_id"`
	Fields    map[string]string `json:"fields"`
	Process   string            `json:"process"`
	Operator  uint64            `json:"operator"`
}

// newHello describes this process's view of the cluster.
func newHello(def *cluster.Definition, self uint64, clusterID [32]byte) (Hello, error) {
	var nonce [16]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return Hello{}, err
	}
	fields, err := fieldDigests(def)
	if err != nil {
		return Hello{}, err
	}
	return Hello{ClusterID: fmt.Sprintf("%#x", clusterID[:]), Fields: fields, Process: hex.EncodeToString(nonce[:]), Operator: self}, nil
}

// fieldDigests hashes each top-level field of the definition's JSON form.
func fieldDigests(def *cluster.Definition) (map[string]string, error) {
	b, err := json.Marshal(def)
	if err != nil {
		return nil, err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(top))
	for k, v := range top {
		d := sha256.Sum256(v)
		out[k] = hex.EncodeToString(d[:8])
	}
	return out, nil
}

// differing lists the fields whose digests differ (or that one side
// lacks), sorted.
func differing(a, b map[string]string) []string {
	var out []string
	for k, v := range a {
		if b[k] != v {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Mismatch is a peer refused because its cluster definition differs.
type Mismatch struct {
	Peer   uint64
	Ours   string
	Theirs string
	// Differs names the definition's top-level fields that differ; empty
	// when the peer sent no field digests.
	Differs []string
	Since   time.Time
}

func (m Mismatch) String() string {
	s := fmt.Sprintf("peer %d has cluster ID %s, ours is %s", m.Peer, m.Theirs, m.Ours)
	if len(m.Differs) > 0 {
		s += " (differs: " + strings.Join(m.Differs, ", ") + ")"
	}
	return s
}

// hellos is a transport's record of what its peers said.
type hellos struct {
	mu sync.Mutex
	// byConn is the process identifier each open connection's peer gave.
	byConn map[network.Conn]string
	// mismatch is the last mismatch per peer (cleared by a matching hello).
	mismatch map[uint64]Mismatch
	// dup is set per peer while two of its connections name different
	// processes.
	dup map[uint64]string
}

func newHellos() *hellos {
	return &hellos{byConn: map[network.Conn]string{}, mismatch: map[uint64]Mismatch{}, dup: map[uint64]string{}}
}

// sayHello runs the exchange on a new connection, from the side whose
// Connected notification fired: it opens a hello stream, writes this
// node's hello and reads the peer's answer. The peer's stream handler
// reads it and answers with its own, so each side learns the other's.
func (t *Transport) sayHello(p *peerState, c network.Conn) {
	if !t.trackHost() {
		return
	}
	defer t.wg.Done()
	defer t.hostUsers.Done()
	ctx, cancel := context.WithTimeout(t.ctx, helloTimeout)
	defer cancel()
	s, err := t.host.NewStream(network.WithNoDial(ctx, "hello"), p.id, HelloProtocol)
	if err != nil {
		t.log.Debug("p2p: hello stream", "peer", p.index, "err", err)
		return
	}
	_ = s.SetDeadline(time.Now().Add(helloTimeout))
	if err := writeHello(s, t.hello); err != nil {
		s.Reset()
		return
	}
	h, err := readHello(s)
	if err != nil {
		t.log.Debug("p2p: hello answer", "peer", p.index, "err", err)
		s.Reset()
		return
	}
	s.Close()
	t.heard(p, s.Conn(), h)
}

// helloHandler answers a peer's hello with this node's.
func (t *Transport) helloHandler(s network.Stream) {
	if !t.track() {
		s.Reset()
		return
	}
	defer t.wg.Done()
	p, ok := t.byID[s.Conn().RemotePeer()]
	if !ok {
		s.Reset()
		return
	}
	_ = s.SetDeadline(time.Now().Add(helloTimeout))
	h, err := readHello(s)
	if err != nil {
		t.log.Debug("p2p: hello", "peer", p.index, "err", err)
		s.Reset()
		return
	}
	if err := writeHello(s, t.hello); err != nil {
		s.Reset()
		return
	}
	// Wait for the opener to read the answer (it closes its side), so a
	// refusal below does not cut the answer that tells it why.
	_ = s.CloseWrite()
	_, _ = io.Copy(io.Discard, io.LimitReader(s, 1))
	s.Close()
	t.heard(p, s.Conn(), h)
}

// A hello on the wire is uvarint(len) || JSON.
func writeHello(s network.Stream, h Hello) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	_, err = s.Write(append(binary.AppendUvarint(nil, uint64(len(b))), b...))
	return err
}

func readHello(s network.Stream) (Hello, error) {
	n, err := binary.ReadUvarint(oneByte{s})
	if err != nil {
		return Hello{}, err
	}
	if n > maxHello {
		return Hello{}, fmt.Errorf("hello of %d bytes, limit %d", n, maxHello)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(s, b); err != nil {
		return Hello{}, err
	}
	var h Hello
	if err := json.Unmarshal(b, &h); err != nil {
		return Hello{}, fmt.Errorf("malformed hello: %w", err)
	}
	return h, nil
}

// heard acts on a peer's hello received on connection c: a peer with
// another cluster ID is refused (its connections closed, the mismatch
// logged and kept for Problems); two open connections of one peer that
// name different processes mean two processes use one node key.
func (t *Transport) heard(p *peerState, c network.Conn, h Hello) {
	ours := t.hello.ClusterID
	t.hellos.mu.Lock()
	if h.ClusterID != ours {
		m := Mismatch{Peer: p.index, Ours: ours, Theirs: h.ClusterID, Differs: differing(t.hello.Fields, h.Fields), Since: time.Now()}
		old, seen := t.hellos.mismatch[p.index]
		if !seen || old.Theirs != m.Theirs {
			t.hellos.mismatch[p.index] = m
		} else {
			m.Since = old.Since
		}
		p.mismatched.Store(true)
		t.hellos.mu.Unlock()
		t.counters.clusterMismatch.Add(1)
		if !seen || old.Theirs != m.Theirs {
			t.log.Error("p2p: peer refused: its cluster definition differs from ours", "peer", p.index,
				"their_cluster_id", m.Theirs, "our_cluster_id", m.Ours, "differs", strings.Join(m.Differs, ","))
		}
		_ = t.host.Network().ClosePeer(p.id)
		return
	}
	if _, was := t.hellos.mismatch[p.index]; was {
		delete(t.hellos.mismatch, p.index)
		t.log.Info("p2p: peer's cluster definition now matches ours", "peer", p.index)
	}
	p.mismatched.Store(false)
	t.hellos.byConn[c] = h.Process
	twice := len(t.processes(p)) > 1
	t.hellos.mu.Unlock()
	if twice {
		// A restarted node's old connection may not have closed yet:
		// report only what lasts.
		// The wait is a tracked goroutine, not a time.AfterFunc, so that
		// Close waits for it and it never reads a closed host.
		if t.trackHost() {
			go func() {
				defer t.wg.Done()
				defer t.hostUsers.Done()
				timer := time.NewTimer(duplicateConfirm)
				defer timer.Stop()
				select {
				case <-t.ctx.Done():
				case <-timer.C:
					t.confirmDuplicate(p)
				}
			}()
		}
	}
}

// duplicateConfirm is how long two processes must stay connected with one
// node key before it is reported.
const duplicateConfirm = 2 * time.Second

// processes maps the process identifiers of p's open connections to one
// of their remote addresses. hellos.mu must be held.
func (t *Transport) processes(p *peerState) map[string]string {
	procs := map[string]string{}
	for _, oc := range t.host.Network().ConnsToPeer(p.id) {
		if proc, ok := t.hellos.byConn[oc]; ok {
			procs[proc] = oc.RemoteMultiaddr().String()
		}
	}
	return procs
}

// confirmDuplicate reports p's node key in use by two processes if it
// still is.
func (t *Transport) confirmDuplicate(p *peerState) {
	if t.ctx.Err() != nil {
		return
	}
	t.hellos.mu.Lock()
	procs := t.processes(p)
	if len(procs) < 2 {
		t.hellos.mu.Unlock()
		return
	}
	addrs := make([]string, 0, len(procs))
	for _, a := range procs {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	report := fmt.Sprintf("operator %d's node key is used by %d processes at once (from %s)", p.index, len(procs), strings.Join(addrs, ", "))
	first := t.hellos.dup[p.index] == ""
	t.hellos.dup[p.index] = report
	t.hellos.mu.Unlock()
	if first {
		t.counters.duplicateKey.Add(1)
		t.log.Error("p2p: "+report+": only one may run; the other may sign what this one does not", "peer", p.index)
	}
}

// forgetConn drops what a closed connection's peer said; a duplicate-key
// report ends once the peer's open connections name one process again.
func (t *Transport) forgetConn(p *peerState, c network.Conn) {
	t.hellos.mu.Lock()
	defer t.hellos.mu.Unlock()
	delete(t.hellos.byConn, c)
	if t.hellos.dup[p.index] == "" {
		return
	}
	procs := map[string]bool{}
	for _, oc := range t.host.Network().ConnsToPeer(p.id) {
		if oc == c {
			continue
		}
		if proc, ok := t.hellos.byConn[oc]; ok {
			procs[proc] = true
		}
	}
	if len(procs) <= 1 {
		delete(t.hellos.dup, p.index)
		t.log.Info("p2p: the operator's node key is used by one process again", "peer", p.index)
	}
}

// Mismatches returns the peers refused for another cluster definition,
// by operator index.
func (t *Transport) Mismatches() []Mismatch {
	t.hellos.mu.Lock()
	defer t.hellos.mu.Unlock()
	out := make([]Mismatch, 0, len(t.hellos.mismatch))
	for _, m := range t.hellos.mismatch {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Peer < out[j].Peer })
	return out
}

// Problems describes, for readiness, the peers refused for another
// cluster definition and the node keys used by two processes.
func (t *Transport) Problems() []string {
	var out []string
	for _, m := range t.Mismatches() {
		out = append(out, m.String())
	}
	t.hellos.mu.Lock()
	for _, idx := range t.order {
		if d := t.hellos.dup[idx]; d != "" {
			out = append(out, d)
		}
	}
	t.hellos.mu.Unlock()
	return out
}

// oneByte reads a stream byte by byte, so that reading the length prefix
// consumes nothing after it.
type oneByte struct{ r io.Reader }

func (o oneByte) ReadByte() (byte, error) {
	var b [1]byte
	_, err := io.ReadFull(o.r, b[:])
	return b[0], err
}
