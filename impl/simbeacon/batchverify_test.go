package simbeacon

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
)

// notInG2 is the bls12-381-tests "not_in_G2" encoding: a point on the G2
// curve outside the prime-order subgroup (spec/bls/malformed_test.go checks
// that it is on the curve), so only the subgroup check refuses it.
const notInG2 = "8123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

const syncTestSlot = phase0.Slot(12)

// syncNode is a node on chain with validators, its clock a third into
// syncTestSlot.
func syncNode(t testing.TB, chain spec.ChainConfig, validators uint64) *Node {
	t.Helper()
	genesis := time.Unix(1_700_000_000, 0)
	clock := NewManualClock(genesis)
	n, err := New(Config{Chain: chain, Validators: validators, GenesisTime: genesis, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	d := time.Duration(n.Config().SecondsPerSlot) * time.Second
	clock.Set(genesis.Add(time.Duration(syncTestSlot)*d + d/3))
	return n
}

// syncMessage is validator v's sync committee message at syncTestSlot
// signed with signer's interop key.
func syncMessage(t testing.TB, n *Node, v, signer phase0.ValidatorIndex) *altair.SyncCommitteeMessage {
	t.Helper()
	root := BlockRoot(syncTestSlot)
	in, err := n.signing.SyncCommitteeMessage(syncTestSlot, root)
	if err != nil {
		t.Fatal(err)
	}
	sk, err := bls.InteropSecretKey(uint64(signer))
	if err != nil {
		t.Fatal(err)
	}
	sig, err := bls.Sign(sk, in.SigningRoot[:])
	if err != nil {
		t.Fatal(err)
	}
	return &altair.SyncCommitteeMessage{Slot: syncTestSlot, BeaconBlockRoot: root, ValidatorIndex: v, Signature: sig}
}

// acceptOneByOne is the path before batching: each message's rules, its
// signature verified alone (registry.verify, with the seen-cache), then
// admission, message after message.
func acceptOneByOne(n *Node, items []*altair.SyncCommitteeMessage) []error {
	errs := make([]error, len(items))
	for i, m := range items {
		c, err := n.checkSyncMessage(m)
		if err == nil {
			if err = n.reg.verify(c.v, c.root, c.sig); err != nil {
				err = syncMessageError(m, err)
			} else {
				n.admitSyncMessage(m, c.root, nil)
			}
		}
		errs[i] = err
	}
	return errs
}

// members returns the distinct members of the sync committee at
// syncTestSlot, and a validator outside it (or the registry's size if
// every validator is in it).
func members(n *Node) ([]phase0.ValidatorIndex, phase0.ValidatorIndex) {
	var out []phase0.ValidatorIndex
	in := map[phase0.ValidatorIndex]bool{}
	for _, v := range n.SyncCommittee(syncTestSlot) {
		if !in[v] {
			in[v] = true
			out = append(out, v)
		}
	}
	for v := phase0.ValidatorIndex(0); v < phase0.ValidatorIndex(n.reg.size()); v++ {
		if !in[v] {
			return out, v
		}
	}
	return out, phase0.ValidatorIndex(n.reg.size())
}

func postSync(t testing.TB, n *Node, items []*altair.SyncCommitteeMessage) (int, map[int]string) {
	t.Helper()
	body, err := json.Marshal(items)
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	n.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodPost, ethnode.PathPoolSyncCommittees, bytes.NewReader(body)))
	failures := map[int]string{}
	if w.Code != http.StatusOK {
		var e struct {
			Failures []ethnode.IndexedFailure `json:"failures"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
			t.Fatalf("status %d, body %s: %v", w.Code, w.Body, err)
		}
		for _, f := range e.Failures {
			failures[f.Index] = f.Message
		}
	}
	return w.Code, failures
}

// TestSyncBatchAnswersAsOneByOne: a request mixing valid messages with one
// signed by another key, a malformed signature, a point outside the
// subgroup, the point at infinity, copies of a valid and of the forged
// message and messages refused by the rules gets, index by index, the
// answers the one-by-one path gives; exactly the planted items are
// refused; the accepted messages are recorded and pooled alike.
func TestSyncBatchAnswersAsOneByOne(t *testing.T) {
	batch := syncNode(t, spec.MinimalConfig(), 64)
	alone := syncNode(t, spec.MinimalConfig(), 64)
	mem, outsider := members(batch)
	if uint64(outsider) == batch.reg.size() {
		t.Fatal("test setup: every validator is in the sync committee")
	}
	if len(mem) < 12 {
		t.Fatalf("test setup: %d sync committee members", len(mem))
	}
	var items []*altair.SyncCommitteeMessage
	for _, v := range mem[:10] {
		items = append(items, syncMessage(t, batch, v, v))
	}
	bad := map[int]string{}
	plant := func(i int, m *altair.SyncCommitteeMessage, why string) {
		items = slices.Insert(items, i, m)
		shifted := map[int]string{}
		for j, w := range bad {
			if j >= i {
				j++
			}
			shifted[j] = w
		}
		shifted[i] = why
		bad = shifted
	}
	forged := syncMessage(t, batch, mem[10], mem[11])
	plant(3, forged, "does not verify under the public key")
	var sub phase0.BLSSignature
	if _, err := hex.Decode(sub[:], []byte(notInG2)); err != nil {
		t.Fatal(err)
	}
	withSig := func(v phase0.ValidatorIndex, sig phase0.BLSSignature) *altair.SyncCommitteeMessage {
		m := syncMessage(t, batch, v, v)
		m.Signature = sig
		return m
	}
	plant(5, withSig(mem[11], sub), "in the subgroup")
	var garbage phase0.BLSSignature
	for i := range garbage {
		garbage[i] = 0xff
	}
	plant(0, withSig(mem[11], garbage), "not a valid compressed G2 point")
	plant(8, withSig(mem[11], phase0.BLSSignature{0xc0}), "point at infinity")
	items = append(items, syncMessage(t, batch, mem[1], mem[1])) // a copy: accepted again
	plant(len(items), forged, "does not verify under the public key")
	plant(2, syncMessage(t, batch, outsider, outsider), "not in the sync committee")
	plant(len(items), syncMessage(t, batch, 64, 0), "unknown validator")
	plant(1, nil, "missing sync committee message")
	notHead := syncMessage(t, batch, mem[2], mem[2])
	notHead.BeaconBlockRoot = BlockRoot(syncTestSlot - 1)
	plant(len(items), notHead, "is not the head")

	status, failures := postSync(t, batch, items)
	want := acceptOneByOne(alone, items)
	if status != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", status)
	}
	for i := range items {
		got, refused := failures[i]
		switch {
		case want[i] == nil && refused:
			t.Errorf("item %d: refused (%s); one by one it is accepted", i, got)
		case want[i] != nil && !refused:
			t.Errorf("item %d: accepted; one by one it is refused: %v", i, want[i])
		case want[i] != nil && got != want[i].Error():
			t.Errorf("item %d: %q, one by one %q", i, got, want[i])
		}
		why, planted := bad[i]
		if planted != refused {
			t.Errorf("item %d: refused %v, planted bad %v (%s)", i, refused, planted, why)
		}
		if planted && refused && !bytes.Contains([]byte(got), []byte(why)) {
			t.Errorf("item %d: %q does not say %q", i, got, why)
		}
	}
	strip := func(as []Acceptance) []Acceptance {
		for i := range as {
			as[i].At = time.Time{}
		}
		return as
	}
	if got, w := strip(batch.AllAccepted()), strip(alone.AllAccepted()); !slices.Equal(got, w) || len(got) != 10 {
		t.Errorf("accepted %d messages %v, one by one %d %v (want 10)", len(got), got, len(w), w)
	}
	k := syncKey{slot: syncTestSlot, root: BlockRoot(syncTestSlot)}
	gotPool, _ := batch.pools.syncMessages(k)
	wantPool, _ := alone.pools.syncMessages(k)
	if fmt.Sprint(gotPool) != fmt.Sprint(wantPool) {
		t.Errorf("pool %v, one by one %v", gotPool, wantPool)
	}
	// The equation failed (the forged signature), so every signature of
	// the group was verified alone: 10 valid ones and the forged one.
	if e, s := batch.reg.counts.equations.Load(), batch.reg.counts.single.Load(); e != 1 || s != 11 {
		t.Errorf("%d equations and %d single verifications, want 1 and 11", e, s)
	}
}

// TestSyncBatchAllValid: a slot's valid messages are all accepted with one
// pairing equation and no single verification; their decoded signatures
// are in the pool's decode cache; sent again they are accepted from the
// seen-cache without verification.
func TestSyncBatchAllValid(t *testing.T) {
	n := syncNode(t, spec.MinimalConfig(), 64)
	mem, _ := members(n)
	var items []*altair.SyncCommitteeMessage
	for _, v := range mem {
		items = append(items, syncMessage(t, n, v, v))
	}
	for round := 0; round < 2; round++ {
		if status, failures := postSync(t, n, items); status != http.StatusOK {
			t.Fatalf("round %d: status %d, failures %v", round, status, failures)
		}
		c := &n.reg.counts
		if e, b, s := c.equations.Load(), c.batched.Load(), c.single.Load(); e != 1 || b != int64(len(items)) || s != 0 {
			t.Errorf("round %d: %d equations verified %d signatures, %d single verifications; want 1, %d, 0", round, e, b, s, len(items))
		}
	}
	if got := len(n.AllAccepted()); got != len(items) {
		t.Errorf("%d accepted, want %d", got, len(items))
	}
	k := syncKey{slot: syncTestSlot, root: BlockRoot(syncTestSlot)}
	n.pools.mu.Lock()
	cached := len(n.pools.syncParsed[k])
	n.pools.mu.Unlock()
	if cached != len(items) {
		t.Errorf("%d decoded signatures cached, want %d", cached, len(items))
	}
}

// TestSyncBatchConcurrentCopies: requests carrying the same messages at
// once (every node of a cluster submits them) verify each signature once
// in all, however their claims interleave, and all are accepted.
func TestSyncBatchConcurrentCopies(t *testing.T) {
	n := syncNode(t, spec.MinimalConfig(), 64)
	mem, _ := members(n)
	var items []*altair.SyncCommitteeMessage
	for _, v := range mem {
		items = append(items, syncMessage(t, n, v, v))
	}
	const requests = 4
	var wg sync.WaitGroup
	errs := make([][]error, requests)
	for r := range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each request lists the messages in another order.
			own := append([]*altair.SyncCommitteeMessage(nil), items...)
			for i := range own {
				j := (i*(r+1) + r) % len(own)
				own[i], own[j] = own[j], own[i]
			}
			errs[r] = n.acceptSyncMessages(own)
		}()
	}
	wg.Wait()
	for r, es := range errs {
		for i, err := range es {
			if err != nil {
				t.Errorf("request %d item %d: %v", r, i, err)
			}
		}
	}
	c := &n.reg.counts
	if b, s := c.batched.Load(), c.single.Load(); b+s != int64(len(items)) {
		t.Errorf("%d signatures verified by equations and %d alone; %d distinct messages", b, s, len(items))
	}
}

// BenchmarkSyncMessages512: one request of 512 sync committee messages of
// one slot (a 512-validator chain whose validators hold every seat, as the
// all-seats devnet), from a cold seen-cache: batched against one by one.
func BenchmarkSyncMessages512(b *testing.B) {
	n := syncNode(b, spec.MainnetConfig(), 512)
	mem, _ := members(n)
	if len(mem) != 512 {
		b.Fatalf("test setup: %d distinct members, want 512", len(mem))
	}
	items := make([]*altair.SyncCommitteeMessage, len(mem))
	err := parallel(uint64(len(mem)), func(i uint64) error {
		items[i] = syncMessage(b, n, mem[i], mem[i])
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		accept func(*Node, []*altair.SyncCommitteeMessage) []error
	}{
		{"batch", (*Node).acceptSyncMessages},
		{"one-by-one", acceptOneByOne},
	} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				n.reg.seen.mu.Lock()
				n.reg.seen.m = nil
				n.reg.seen.mu.Unlock()
				for j, err := range c.accept(n, items) {
					if err != nil {
						b.Fatalf("item %d: %v", j, err)
					}
				}
			}
		})
	}
}
