package beaconclient

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/OffchainLabs/go-bitfield"
	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/impl/simbeacon/simtest"
)

// deadURL returns a 127.0.0.1 URL nothing listens on.
func deadURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return "http://" + addr
}

// proxy serves a node's handler on 127.0.0.1, counting requests per path
// and letting a test replace the answer for chosen paths.
type proxy struct {
	url      string
	mu       sync.Mutex
	counts   map[string]int
	override map[string]http.HandlerFunc
}

func newProxy(t *testing.T, n *simbeacon.Node) *proxy {
	t.Helper()
	p := &proxy{counts: map[string]int{}, override: map[string]http.HandlerFunc{}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.counts[r.URL.Path]++
		h := p.override[r.URL.Path]
		p.mu.Unlock()
		if h != nil {
			h(w, r)
			return
		}
		n.Handler().ServeHTTP(w, r)
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	p.url = "http://" + l.Addr().String()
	return p
}

func (p *proxy) count(path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[path]
}

func (p *proxy) set(path string, h http.HandlerFunc) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.override[path] = h
}

// sameChain starts two simulated nodes of the same chain and clock.
func sameChain(t *testing.T) (*simbeacon.Node, *simbeacon.Node, *simbeacon.ManualClock) {
	t.Helper()
	clock := simbeacon.NewManualClock(simtest.Genesis)
	cfg := simbeacon.Config{Validators: 64, GenesisTime: simtest.Genesis, Clock: clock}
	a, _, _ := simtest.Start(t, cfg)
	b, _, _ := simtest.Start(t, cfg)
	return a, b, clock
}

func TestFailoverDeadThenLive(t *testing.T) {
	n, clock, live := simtest.Start(t, simbeacon.Config{Validators: 64})
	simtest.ToSlot(n, clock, 40)
	c := newClient(t, false, deadURL(t), live)
	ctx := ctxT(t)
	if c.Preferred() == live {
		t.Fatal("a new client should prefer its first URL")
	}
	duties, err := c.AttesterDuties(ctx, 1, []phase0.ValidatorIndex{0, 1})
	if err != nil || len(duties.Duties) != 2 {
		t.Fatalf("AttesterDuties through failover: %v, %v", duties, err)
	}
	if c.Preferred() != live {
		t.Fatalf("preferred = %s, want the live node %s", c.Preferred(), live)
	}
	s := simtest.Signer{T: t, Node: n}
	d := n.AttesterDuty(7, 1)
	simtest.ToSlot(n, clock, d.Slot)
	if err := c.SubmitAttestations(ctx, []*eth2spec.VersionedAttestation{s.Attestation(7, 1)}); err != nil {
		t.Fatalf("SubmitAttestations: %v", err)
	}
	if len(n.Accepted(7, simbeacon.KindAttestation)) != 1 {
		t.Fatal("attestation not accepted by the live node")
	}
}

func TestAllDeadNamesEveryNode(t *testing.T) {
	d1, d2 := deadURL(t), deadURL(t)
	c := newClient(t, false, d1, d2)
	_, err := c.Genesis(ctxT(t))
	if err == nil {
		t.Fatal("Genesis on two dead nodes succeeded")
	}
	msg := err.Error()
	for _, want := range []string{d1, d2, "GET /eth/v1/beacon/genesis", "2 beacon nodes"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 0 {
		t.Errorf("error is not a transport *Error: %#v", e)
	}
}

func TestNoFailoverOnRejectedSubmission(t *testing.T) {
	a, b, clock := sameChain(t)
	pa, pb := newProxy(t, a), newProxy(t, b)
	c := newClient(t, false, pa.url, pb.url)
	ctx := ctxT(t)
	d := a.AttesterDuty(3, 0)
	simtest.ToSlot(a, clock, d.Slot)
	att := simtest.Signer{T: t, Node: a}.Attestation(3, 0)
	att.Electra.Signature[5] ^= 1
	err := c.SubmitAttestations(ctx, []*eth2spec.VersionedAttestation{att})
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != http.StatusBadRequest {
		t.Fatalf("error %v, want a 400 *Error", err)
	}
	if len(e.Failures) != 1 || e.Failures[0].Index != 0 {
		t.Fatalf("failures %+v, want one for item 0", e.Failures)
	}
	for _, want := range []string{pa.url, "POST /eth/v2/beacon/pool/attestations", "status 400"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if got := pb.count(ethnode.PathPoolAttestationsV2); got != 0 {
		t.Fatalf("the refused submission reached the second node %d times", got)
	}
	if len(a.Accepted(3, "")) != 0 || len(b.Accepted(3, "")) != 0 {
		t.Fatal("a refused attestation was recorded")
	}
}

func TestFailoverOn5xxAndRemembersHealthy(t *testing.T) {
	a, b, clock := sameChain(t)
	pa, pb := newProxy(t, a), newProxy(t, b)
	c := newClient(t, false, pa.url, pb.url)
	ctx := ctxT(t)
	pa.set(ethnode.PathPoolAttestationsV2, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"code":500,"message":"database on fire"}`))
	})
	d := a.AttesterDuty(4, 0)
	simtest.ToSlot(a, clock, d.Slot)
	att := simtest.Signer{T: t, Node: a}.Attestation(4, 0)
	if err := c.SubmitAttestations(ctx, []*eth2spec.VersionedAttestation{att}); err != nil {
		t.Fatalf("SubmitAttestations: %v", err)
	}
	if len(b.Accepted(4, simbeacon.KindAttestation)) != 1 {
		t.Fatal("the second node did not get the attestation")
	}
	if c.Preferred() != pb.url {
		t.Fatalf("preferred %s, want %s", c.Preferred(), pb.url)
	}
	// The next call starts at the healthy node.
	before := pa.count(ethnode.PathGenesis)
	if _, err := c.Genesis(ctx); err != nil {
		t.Fatal(err)
	}
	if pa.count(ethnode.PathGenesis) != before || pb.count(ethnode.PathGenesis) == 0 {
		t.Fatal("the call after a failover did not start at the healthy node")
	}
	// Both failing: the joined error names both and keeps the 500 message.
	pb.set(ethnode.PathPoolAttestationsV2, func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	err := c.SubmitAttestations(ctx, []*eth2spec.VersionedAttestation{att})
	if err == nil || !strings.Contains(err.Error(), "database on fire") || !strings.Contains(err.Error(), "status 503") {
		t.Fatalf("error %v", err)
	}
}

func TestFailoverOnTimeout(t *testing.T) {
	a, b, clock := sameChain(t)
	pa, pb := newProxy(t, a), newProxy(t, b)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	pa.set(ethnode.PathAttestationData, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	c, err := New(Config{URLs: []string{pa.url, pb.url}, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	simtest.ToSlot(a, clock, 5)
	start := time.Now()
	data, err := c.ProduceAttestationData(ctxT(t), 5, 0)
	if err != nil || data.Slot != 5 {
		t.Fatalf("ProduceAttestationData = %v, %v", data, err)
	}
	if pb.count(ethnode.PathAttestationData) != 1 {
		t.Fatal("the second node was not asked")
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("failover took %s", el)
	}
}

func TestReadFailsOverOn404(t *testing.T) {
	a, b, clock := sameChain(t)
	pa, pb := newProxy(t, a), newProxy(t, b)
	c := newClient(t, false, pa.url, pb.url)
	ctx := ctxT(t)
	d := b.AttesterDuty(9, 0)
	simtest.ToSlot(b, clock, d.Slot)
	// Only the second node saw the attestation, so only it can aggregate.
	c2 := newClient(t, false, pb.url)
	att := simtest.Signer{T: t, Node: b}.Attestation(9, 0)
	if err := c2.SubmitAttestations(ctx, []*eth2spec.VersionedAttestation{att}); err != nil {
		t.Fatal(err)
	}
	root, _ := att.Electra.Data.HashTreeRoot()
	agg, err := c.AggregateAttestation(ctx, d.Slot, root, d.CommitteeIndex)
	if err != nil || agg.Electra == nil {
		t.Fatalf("AggregateAttestation = %v, %v", agg, err)
	}
	if pa.count(ethnode.PathAggregateAttestation) != 1 || c.Preferred() != pb.url {
		t.Fatal("the read did not fail over from the node that answered 404")
	}
	// A 400 (malformed request) does not fail over.
	before := pb.count(ethnode.PathAttestationData)
	c3 := newClient(t, false, pa.url, pb.url)
	if _, err := c3.ProduceAttestationData(ctx, d.Slot, 1000); err == nil {
		t.Fatal("committee 1000 accepted")
	}
	if pb.count(ethnode.PathAttestationData) != before {
		t.Fatal("a 400 answer failed over")
	}
}

func TestCallerCancellationStops(t *testing.T) {
	a, b, _ := sameChain(t)
	pa, pb := newProxy(t, a), newProxy(t, b)
	pa.set(ethnode.PathGenesis, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	c := newClient(t, false, pa.url, pb.url)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := c.Genesis(ctx); err == nil {
		t.Fatal("Genesis succeeded")
	}
	if pb.count(ethnode.PathGenesis) != 0 {
		t.Fatal("a cancelled call failed over")
	}
}

func TestInvalidRequestsRefusedLocally(t *testing.T) {
	_, _, live := simtest.Start(t, simbeacon.Config{Validators: 8})
	c := newClient(t, false, live)
	ctx := ctxT(t)
	one := phase0.ValidatorIndex(1)
	cases := map[string]error{
		"no attestations":     c.SubmitAttestations(ctx, nil),
		"electra no index":    c.SubmitAttestations(ctx, []*eth2spec.VersionedAttestation{{Version: eth2spec.DataVersionElectra, Electra: electraAtt(nil)}}),
		"electra no bits":     c.SubmitAttestations(ctx, []*eth2spec.VersionedAttestation{{Version: eth2spec.DataVersionElectra, ValidatorIndex: &one, Electra: electraAtt([]byte{0, 0, 0, 0, 0, 0, 0, 0})}}),
		"electra two bits":    c.SubmitAttestations(ctx, []*eth2spec.VersionedAttestation{{Version: eth2spec.DataVersionElectra, ValidatorIndex: &one, Electra: electraAtt([]byte{3, 0, 0, 0, 0, 0, 0, 0})}}),
		"no duties indices":   func() error { _, err := c.AttesterDuties(ctx, 0, nil); return err }(),
		"no validators ids":   func() error { _, err := c.Validators(ctx, "head", nil, nil); return err }(),
		"no selections":       func() error { _, err := c.SyncCommitteeSelections(ctx, nil); return err }(),
		"no block":            c.SubmitBlock(ctx, nil),
		"no exit":             c.SubmitVoluntaryExit(ctx, nil),
		"no head handler":     c.SubscribeHeadEvents(ctx, nil),
		"no sync messages":    c.SubmitSyncCommitteeMessages(ctx, nil),
		"no contributions":    c.SubmitSyncCommitteeContributions(ctx, nil),
		"no aggregates":       c.SubmitAggregateAndProofs(ctx, nil),
		"no registrations":    c.SubmitValidatorRegistrations(ctx, nil),
		"no preparations":     c.SubmitProposalPreparations(ctx, nil),
		"no subscriptions":    c.SubmitBeaconCommitteeSubscriptions(ctx, nil),
		"no sync subs":        c.SubmitSyncCommitteeSubscriptions(ctx, nil),
		"no liveness indices": func() error { _, err := c.ValidatorLiveness(ctx, 0, nil); return err }(),
	}
	for name, err := range cases {
		if !errors.Is(err, errInvalidRequest) {
			t.Errorf("%s: error %v, want an invalid-request error", name, err)
		}
	}
}

func TestHeadEventsWithFailoverAndDedup(t *testing.T) {
	a, b, clock := sameChain(t)
	pa, pb := newProxy(t, a), newProxy(t, b)
	a.StartSlotLoop()
	b.StartSlotLoop()
	c := newClient(t, false, deadURL(t), pa.url, pb.url)
	var mu sync.Mutex
	var got []*apiv1.HeadEvent
	var calls atomic.Int64
	err := c.SubscribeHeadEvents(ctxT(t), func(_ context.Context, ev *apiv1.HeadEvent) {
		calls.Add(1)
		mu.Lock()
		got = append(got, ev)
		mu.Unlock()
	})
	if err != nil {
		t.Fatalf("SubscribeHeadEvents: %v", err)
	}
	waitFor(t, func() bool { return a.EventSubscribers() == 1 && b.EventSubscribers() == 1 })
	for slot := phase0.Slot(1); slot <= 3; slot++ {
		simtest.ToSlot(a, clock, slot)
		waitFor(t, func() bool { return calls.Load() >= int64(slot) })
	}
	time.Sleep(100 * time.Millisecond) // let any duplicate arrive
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 3 {
		t.Fatalf("%d head events delivered, want 3 (one per slot, deduplicated)", len(got))
	}
	for i, ev := range got {
		slot := phase0.Slot(i + 1)
		if ev.Slot != slot || ev.Block != simbeacon.BlockRoot(slot) || ev.State != simbeacon.StateRoot(slot) {
			t.Fatalf("event %d: %+v", i, ev)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func electraAtt(committeeBits []byte) *electra.Attestation {
	return &electra.Attestation{
		AggregationBits: bitfield.NewBitlist(4),
		Data:            &phase0.AttestationData{Source: &phase0.Checkpoint{}, Target: &phase0.Checkpoint{}},
		CommitteeBits:   committeeBits,
	}
}
