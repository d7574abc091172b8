package p2p

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dvspec/go-dvspec/impl/keys"
	"github.com/dvspec/go-dvspec/spec/cluster"
)

// fileCluster is a 4-operator, 1-validator cluster written as cluster.json
// (listening on free ports of 127.0.0.1), read back from the file; and the
// definition read from a copy of that file with one byte of the cluster
// name changed.
func fileCluster(t *testing.T) (def, changed *cluster.Definition, sks []ed25519.PrivateKey) {
	t.Helper()
	dir := t.TempDir()
	gen, err := keys.GenerateDevnet(dir, keys.DevnetConfig{Name: "hello-test", Operators: 4, Validators: 1, Seed: testSeed})
	if err != nil {
		t.Fatal(err)
	}
	for i, port := range freePorts(t, 4) {
		gen.Operators[i] = cluster.NewOperator(gen.Operators[i].Index, gen.Operators[i].NodePublicKey, fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", port))
		sks = append(sks, keys.NodeKeyFromSeed(testSeed, uint64(i+1)))
		if keys.NodePublicKey(sks[i]) != gen.Operators[i].NodePublicKey {
			t.Fatal("devnet node keys are not NodeKeyFromSeed's")
		}
	}
	path := filepath.Join(dir, "cluster.json")
	if err := keys.WriteClusterDefinition(path, gen); err != nil {
		t.Fatal(err)
	}
	if def, err = keys.LoadClusterDefinition(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte("hello-test"))
	if i < 0 {
		t.Fatalf("the name is not in %s", path)
	}
	b[i+len("hello-tes")] = 'x' // one byte
	other := filepath.Join(dir, "cluster-changed.json")
	if err := os.WriteFile(other, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if changed, err = keys.LoadClusterDefinition(other); err != nil {
		t.Fatal(err)
	}
	return def, changed, sks
}

// TestClusterMismatchRefused: a node whose cluster.json differs in one byte
// is refused by its peers, which name both cluster IDs and the field that
// differs, do not count it as connected, and exchange nothing with it; it
// says the same about them.
func TestClusterMismatchRefused(t *testing.T) {
	def, other, sks := fileCluster(t)
	ours, _ := def.ID()
	theirs, _ := other.ID()
	if ours == theirs {
		t.Fatal("the changed byte does not change the cluster ID")
	}
	var nodes []*Transport
	for i := uint64(1); i <= 4; i++ {
		cfg := testConfig(def, sks, i)
		if i == 4 {
			cfg.Cluster = other
		}
		nodes = append(nodes, newNode(t, cfg))
	}
	got := newReceived()
	for _, n := range nodes[:3] {
		if err := n.Handle("qbft", got.handler("qbft")); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range nodes {
		if err := n.Start(); err != nil {
			t.Fatal(err)
		}
	}
	waitConnected(t, 20*time.Second, nodes[:3]...)
	wantOurs, wantTheirs := fmt.Sprintf("%#x", ours[:]), fmt.Sprintf("%#x", theirs[:])
	for i, n := range nodes[:3] {
		waitFor(t, 20*time.Second, fmt.Sprintf("node %d to refuse node 4", i+1), func() bool { return len(n.Mismatches()) == 1 })
		m := n.Mismatches()[0]
		if m.Peer != 4 || m.Ours != wantOurs || m.Theirs != wantTheirs || strings.Join(m.Differs, ",") != "name" {
			t.Fatalf("node %d: %+v", i+1, m)
		}
		p := strings.Join(n.Problems(), "; ")
		for _, want := range []string{wantOurs, wantTheirs, "peer 4", "differs: name"} {
			if !strings.Contains(p, want) {
				t.Errorf("node %d's problems %q lack %q", i+1, p, want)
			}
		}
		if peers := n.ConnectedPeers(); len(peers) != 2 || peers[len(peers)-1] == 4 {
			t.Errorf("node %d counts as connected %v", i+1, peers)
		}
		if s := n.Stats(); s.ClusterMismatches == 0 {
			t.Errorf("node %d counted no mismatch", i+1)
		}
	}
	waitFor(t, 20*time.Second, "node 4 to refuse the others", func() bool { return len(nodes[3].Mismatches()) == 3 })
	if len(nodes[3].ConnectedPeers()) != 0 {
		t.Errorf("node 4 counts as connected %v", nodes[3].ConnectedPeers())
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := nodes[3].Broadcast(ctx, "qbft", []byte("hello")); err == nil {
		t.Error("node 4 could broadcast to a cluster it does not belong to")
	}
	got.mu.Lock()
	defer got.mu.Unlock()
	for _, m := range got.msgs {
		if m.from == 4 {
			t.Fatal("a message of node 4 was delivered")
		}
	}
}

// TestMatchingHelloNoProblems: in a cluster that agrees, nobody reports a
// mismatch or a duplicate key.
func TestMatchingHelloNoProblems(t *testing.T) {
	def, sks := testCluster(t, 3)
	var nodes []*Transport
	for i := uint64(1); i <= 3; i++ {
		nodes = append(nodes, newNode(t, testConfig(def, sks, i)))
	}
	for _, n := range nodes {
		if err := n.Start(); err != nil {
			t.Fatal(err)
		}
	}
	waitConnected(t, 20*time.Second, nodes...)
	// Hellos travel after the connection; give them a moment to arrive.
	waitFor(t, 10*time.Second, "hellos", func() bool {
		for _, n := range nodes {
			n.hellos.mu.Lock()
			k := len(n.hellos.byConn)
			n.hellos.mu.Unlock()
			if k < 2 {
				return false
			}
		}
		return true
	})
	for i, n := range nodes {
		if p := n.Problems(); len(p) != 0 {
			t.Errorf("node %d: %v", i+1, p)
		}
	}
}

// TestDuplicateNodeKeyReported: a second process with operator 3's node
// key (listening elsewhere) connects to node 1 while the first is
// connected; node 1 reports the key in use twice.
func TestDuplicateNodeKeyReported(t *testing.T) {
	def, sks := testCluster(t, 3)
	n1 := newNode(t, testConfig(def, sks, 1))
	n3 := newNode(t, testConfig(def, sks, 3))
	for _, n := range []*Transport{n1, n3} {
		if err := n.Start(); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 20*time.Second, "node 1 and node 3 connected", func() bool { return len(n1.ConnectedPeers()) == 1 })
	cfg := testConfig(def, sks, 3)
	cfg.ListenAddr = fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", freePorts(t, 1)[0])
	twin := newNode(t, cfg)
	if err := twin.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "node 1 to report node 3's key in two processes", func() bool {
		return strings.Contains(strings.Join(n1.Problems(), ";"), "operator 3's node key is used by 2 processes")
	})
	if n1.Stats().DuplicateKeys == 0 {
		t.Error("no duplicate key counted")
	}
	twin.Close()
	waitFor(t, 20*time.Second, "the report to end when the twin stops", func() bool { return len(n1.Problems()) == 0 })
}

// TestRestartIsNoDuplicate: a node that stops and starts again (a new
// process with the same key) is not reported as a duplicate.
func TestRestartIsNoDuplicate(t *testing.T) {
	def, sks := testCluster(t, 3)
	n1 := newNode(t, testConfig(def, sks, 1))
	n3 := newNode(t, testConfig(def, sks, 3))
	for _, n := range []*Transport{n1, n3} {
		if err := n.Start(); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 20*time.Second, "node 1 and node 3 connected", func() bool { return len(n1.ConnectedPeers()) == 1 })
	n3.Close()
	waitFor(t, 20*time.Second, "node 1 to see node 3 go", func() bool { return len(n1.ConnectedPeers()) == 0 })
	again := newNode(t, testConfig(def, sks, 3))
	if err := again.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "node 3 back", func() bool { return len(n1.ConnectedPeers()) == 1 })
	// Past the confirmation delay a duplicate would have been reported.
	time.Sleep(duplicateConfirm + time.Second)
	if p := n1.Problems(); len(p) != 0 {
		t.Fatalf("a restart reported as %v", p)
	}
}
