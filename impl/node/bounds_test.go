package node

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/consensus/qbft"
	"github.com/dvspec/go-dvspec/impl/beaconclient"
	"github.com/dvspec/go-dvspec/impl/keys"
	"github.com/dvspec/go-dvspec/impl/remotesigner"
	"github.com/dvspec/go-dvspec/impl/slashingstore"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/cluster"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// attackedNode is operator 1 of a 4-node, 1-validator cluster, with its
// event loop turning, and the node key of operator 3 (the byzantine one).
func attackedNode(t *testing.T) (*Node, *cluster.Definition, qbft.Signer) {
	t.Helper()
	return nodeWith(t, NewMemNetwork().Endpoint(1))
}

// nodeWith is attackedNode on transport tr.
func nodeWith(t *testing.T, tr Transport) (*Node, *cluster.Definition, qbft.Signer) {
	t.Helper()
	dir := t.TempDir()
	forks, err := signing.MainnetVersionsFromGenesis(eth2spec.DataVersionElectra)
	if err != nil {
		t.Fatal(err)
	}
	gvr := phase0.Root{0x17}
	chain, err := signing.NewChain(forks, gvr, spec.MainnetConfig())
	if err != nil {
		t.Fatal(err)
	}
	def, err := keys.GenerateDevnet(dir, keys.DevnetConfig{Operators: 4, Validators: 1, Seed: []byte("bounds"),
		Network: cluster.NetworkFromSchedule("devnet", gvr, 32, forks)})
	if err != nil {
		t.Fatal(err)
	}
	key := func(i uint64) []byte {
		k, err := keys.ReadNodeKeyFile(filepath.Join(keys.NodeDir(dir, i), keys.NodeKeyFile))
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	store, err := slashingstore.Open(filepath.Join(dir, "slashing.db"), gvr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	bn, err := beaconclient.New(beaconclient.Config{URLs: []string{"http://127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bn.Close)
	signer, err := remotesigner.NewServer(remotesigner.Config{Forks: forks, SlotsPerEpoch: 32, GenesisValidatorsRoot: gvr, Slashing: store})
	if err != nil {
		t.Fatal(err)
	}
	n, err := New(Config{Cluster: def, Self: 1, NodeKey: key(1), Chain: chain,
		Genesis: time.Now().Add(-100 * time.Second), SlotDuration: time.Second, BeaconNode: bn, Signer: signer, Slashing: store,
		Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	n.ctx = ctx
	go func() { defer close(done); n.loop(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return n, def, qbft.Ed25519Signer{Key: key(3)}
}

// byzantineProposal is a validly signed round-0 proposal of operator 3
// for the first slot from `from` where it leads round 0.
func byzantineProposal(t *testing.T, n *Node, def *cluster.Definition, s qbft.Signer, d consensus.DutyType, from phase0.Slot, value []byte) (phase0.Slot, []byte) {
	return byzantineProposalTo(t, nil, n, def, s, d, from, value)
}

// byzantineProposalTo is byzantineProposal encoding into buf, so that the
// attacker's own allocations do not blur the node's memory figures.
func byzantineProposalTo(t *testing.T, buf []byte, n *Node, def *cluster.Definition, s qbft.Signer, d consensus.DutyType, from phase0.Slot, value []byte) (phase0.Slot, []byte) {
	t.Helper()
	id := consensus.InstanceID{Cluster: n.cluster, Validator: def.Validators[0].PublicKey, DutyType: uint64(d), Slot: from}
	for qbft.Leader(id, 0, 4) != 3 {
		id.Slot++
	}
	m := &qbft.SignedMessage{Message: qbft.Message{Type: qbft.MsgProposal, Instance: id, Sender: 3, Digest: qbft.Digest(value)}, Value: value}
	sig, err := qbft.Sign(&m.Message, s)
	if err != nil {
		t.Fatal(err)
	}
	m.Signature = sig
	b, err := m.MarshalSSZTo(buf[:0])
	if err != nil {
		t.Fatal(err)
	}
	return id.Slot, b
}

// sync waits until the loop has run everything posted before.
func (n *Node) sync() {
	done := make(chan struct{})
	n.post(func() { close(done) })
	<-done
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestByzantineProposalFlood reproduces the memory attack of issue 17
// through the node's message handler: a co-validator sends 100 validly
// signed round-0 proposals with 10 MiB values for slots beyond 10^9, then
// 100 for the next slots. None of the first is kept; of the second, the
// early-message buffer keeps no more than the sender's budget.
func TestByzantineProposalFlood(t *testing.T) {
	n, def, s := attackedNode(t)
	value := make([]byte, 10<<20)
	buf := make([]byte, 0, 11<<20)
	before := heapInUse() // the attacker's two buffers included
	slot := phase0.Slot(1_000_000_000)
	for i := range 100 {
		value[0] = byte(i)
		var b []byte
		slot, b = byzantineProposalTo(t, buf, n, def, s, consensus.DutyProposer, slot, value)
		slot++
		n.onQBFT(3, b)
	}
	n.sync()
	var msgs int
	n.post(func() { msgs, _, _, _ = n.qbft.Buffered(3) })
	n.sync()
	if msgs != 0 {
		t.Fatalf("%d far-future proposals kept", msgs)
	}
	far := heapInUse()
	near := n.clockSlot() + 1
	for i := range 100 {
		value[0] = byte(i)
		// A fresh buffer: the node may keep these, and a decoded message
		// may share its payload's bytes.
		_, b := byzantineProposal(t, n, def, s, consensus.DutyProposer, near, value)
		n.onQBFT(3, b)
	}
	n.sync()
	var bytes, total int
	n.post(func() { total, _, msgs, bytes = n.qbft.Buffered(3) })
	n.sync()
	after := heapInUse()
	t.Logf("heap in use: %d MiB at start, %d MiB after 100 far-future 10 MiB proposals, %d MiB after 100 near ones (%d kept, %d MiB); VmHWM %s",
		before>>20, far>>20, after>>20, msgs, bytes>>20, vmHWM())
	if msgs == 0 || bytes > n.limits.PerSenderBytes || total != msgs {
		t.Fatalf("kept %d messages of node 3 (%d bytes, %d in all); budget %d bytes", msgs, bytes, total, n.limits.PerSenderBytes)
	}
	if far > before+16<<20 {
		t.Fatalf("far-future proposals grew the heap from %d to %d MiB", before>>20, far>>20)
	}
	if after > before+uint64(n.limits.PerSenderBytes)+32<<20 {
		t.Fatalf("near proposals grew the heap from %d to %d MiB, beyond the sender's budget", before>>20, after>>20)
	}
}

// TestOversizedValueRefusedBeforeVerification: an attester message with a
// value larger than attestation data is dropped by its size alone.
func TestOversizedValueRefusedBeforeVerification(t *testing.T) {
	n, def, s := attackedNode(t)
	_, b := byzantineProposal(t, n, def, s, consensus.DutyAttester, n.clockSlot(), make([]byte, 129))
	n.onQBFT(3, b)
	n.sync()
	if total, _, _, _ := n.qbft.Buffered(3); total != 0 {
		t.Fatalf("%d messages kept", total)
	}
	got := n.drops.lines[dropKey{3, MsgQBFT, "value_too_large"}]
	if got == nil || got.last.IsZero() {
		t.Fatalf("no log line about the dropped message: %+v", n.drops.lines)
	}
}

// vmHWM is the process's peak resident set size (Linux), for the log.
func vmHWM() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:"))
		}
	}
	return "unknown"
}

// TestPeerBacklogBounded: while a validator waits for its signer, a peer's
// event that needs a signature itself queues behind it only up to
// MaxPeerBacklog (one that needs none is stepped at once, queueing
// nothing); the node's own events still queue.
func TestPeerBacklogBounded(t *testing.T) {
	n, _, _ := attackedNode(t)
	v := n.list[0]
	duty := &spec.AttestationDuty{Pubkey: v.pubkey, ValidatorIndex: v.index, CommitteeLength: 4, CommitteesAtSlot: 1, ValidatorCommitteeIndex: 1, Slot: 3}
	id := consensus.InstanceID{Cluster: n.cluster, Validator: v.pubkey, DutyType: uint64(consensus.DutyAttester), Slot: 3}
	data := &phase0.AttestationData{Slot: 3, Source: &phase0.Checkpoint{}, Target: &phase0.Checkpoint{}}
	needsSignature := dvc.AttestationConsensusDecided{ID: id, Data: data}
	share := dvc.ReceivedAttestationShare{Share: &networking.AttestationShare{Data: data, ValidatorIndex: v.index, ShareIndex: 3}}
	var served error
	var got, afterShare, own int
	n.post(func() {
		served = n.step(v, dvc.ServeAttestationDuty{Duty: duty})
		v.blocked = dvc.NewSlot{Slot: 3} // waiting for its signer
		for range MaxPeerBacklog + 100 {
			n.deliverFromPeer(3, v, needsSignature)
		}
		got = len(v.backlog)
		n.deliverFromPeer(3, v, share)
		afterShare = len(v.backlog)
		n.deliver(v, needsSignature)
		own = len(v.backlog)
		v.blocked, v.backlog = nil, nil
	})
	n.sync()
	if served != nil {
		t.Fatalf("serving the duty: %v", served)
	}
	if got != MaxPeerBacklog || afterShare != MaxPeerBacklog || own != MaxPeerBacklog+1 {
		t.Fatalf("backlog %d after the peer's events (want %d), %d after a peer's share (stepped, want %d), %d after the node's own",
			got, MaxPeerBacklog, afterShare, MaxPeerBacklog, own)
	}
}

// problemTransport is a transport that reports a refused peer.
type problemTransport struct {
	*MemEndpoint
	problems []string
}

func (p problemTransport) Problems() []string { return p.problems }

// TestReadyReportsTransportProblems: /readyz lists what the transport
// reports (impl/p2p: a peer refused for another cluster ID, a node key in
// two processes).
func TestReadyReportsTransportProblems(t *testing.T) {
	want := "peer 4 has cluster ID 0xbb, ours is 0xaa (differs: name)"
	n, _, _ := nodeWith(t, problemTransport{NewMemNetwork().Endpoint(1), []string{want}})
	got := strings.Join(n.Ready(), "; ")
	if !strings.Contains(got, want) {
		t.Fatalf("Ready() = %q, lacks %q", got, want)
	}
}
