package node

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/impl/beaconclient"
	"github.com/dvspec/go-dvspec/impl/keys"
	"github.com/dvspec/go-dvspec/impl/metrics"
	"github.com/dvspec/go-dvspec/impl/remotesigner"
	"github.com/dvspec/go-dvspec/impl/slashingstore"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/cluster"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// scriptedSigner is the node's remote signer with faults: call k (from 1)
// fails with fail[k-1] while there are entries, then the real embedded
// signer answers. A non-nil gate holds every call until it is closed.
type scriptedSigner struct {
	ethnode.RemoteSigner
	gate  chan struct{}
	fail  []error
	calls atomic.Int32
}

func (s *scriptedSigner) Sign(ctx context.Context, pk phase0.BLSPubKey, req *ethnode.SignRequest) (phase0.BLSSignature, error) {
	k := int(s.calls.Add(1))
	if s.gate != nil {
		select {
		case <-s.gate:
		case <-ctx.Done():
			return phase0.BLSSignature{}, ctx.Err()
		}
	}
	if k <= len(s.fail) {
		return phase0.BLSSignature{}, s.fail[k-1]
	}
	return s.RemoteSigner.Sign(ctx, pk, req)
}

// eventLog is a Tracer that keeps the names of the stepped events, in
// order, and signals each one.
type eventLog struct {
	mu     sync.Mutex
	events []string
	stepCh chan string
}

func (l *eventLog) Init(uint64, *dvc.Config, *dvc.State) {}

func (l *eventLog) Step(_ uint64, _ *dvc.Config, ev dvc.Event, _ []dvc.Output, _ error, _ *dvc.State) {
	name := eventKey(ev)
	l.mu.Lock()
	l.events = append(l.events, name)
	l.mu.Unlock()
	if l.stepCh != nil {
		l.stepCh <- name
	}
}

func (l *eventLog) names() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.events...)
}

// eventKey names an event with the slot of its duty, so that the order of
// duties can be told apart.
func eventKey(ev dvc.Event) string {
	switch e := ev.(type) {
	case dvc.ServeAttestationDuty:
		return fmt.Sprintf("%s@%d", ev.EventName(), e.Duty.Slot)
	case dvc.AttestationConsensusDecided:
		return fmt.Sprintf("%s@%d", ev.EventName(), e.ID.Slot)
	}
	return ev.EventName()
}

type loopFixture struct {
	n      *Node
	v      *validator
	chain  signing.Chain
	signer *scriptedSigner
	log    *eventLog
	met    *metrics.Metrics
	now    *atomic.Int64 // unix nanoseconds the node's clock reads
}

// newLoopFixture builds operator 2 of a generated 4-operator, 1-validator
// cluster with its real embedded signer behind signer faults, a beacon node
// that is down (127.0.0.1:1) and an in-memory transport. The node's clock
// reads fx.now.
func newLoopFixture(t testing.TB, signer *scriptedSigner) *loopFixture {
	t.Helper()
	dir := t.TempDir()
	forks, err := signing.MainnetVersionsFromGenesis(eth2spec.DataVersionElectra)
	if err != nil {
		t.Fatal(err)
	}
	gvr := phase0.Root{0x22}
	chain, err := signing.NewChain(forks, gvr, spec.MainnetConfig())
	if err != nil {
		t.Fatal(err)
	}
	def, err := keys.GenerateDevnet(dir, keys.DevnetConfig{Operators: 4, Validators: 1, Seed: []byte("loop"),
		Network: cluster.NetworkFromSchedule("devnet", gvr, 32, forks)})
	if err != nil {
		t.Fatal(err)
	}
	self := uint64(2)
	nodeDir := keys.NodeDir(dir, self)
	sks, err := remotesigner.LoadKeystores(remotesigner.KeystoreConfig{Dir: filepath.Join(nodeDir, keys.KeystoresDir), PasswordFile: filepath.Join(nodeDir, keys.KeystorePasswordFile)})
	if err != nil {
		t.Fatal(err)
	}
	store, err := slashingstore.Open(filepath.Join(dir, "slashing.db"), gvr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	srv, err := remotesigner.NewServer(remotesigner.Config{Keys: sks, Forks: forks, SlotsPerEpoch: 32, GenesisValidatorsRoot: gvr, Slashing: store})
	if err != nil {
		t.Fatal(err)
	}
	signer.RemoteSigner = srv
	nodeKey, err := keys.ReadNodeKeyFile(filepath.Join(nodeDir, keys.NodeKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	bn, err := beaconclient.New(beaconclient.Config{URLs: []string{"http://127.0.0.1:1"}, Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bn.Close)
	fx := &loopFixture{chain: chain, signer: signer, log: &eventLog{}, met: metrics.New(self, nil, nil), now: &atomic.Int64{}}
	genesis := time.Unix(1_700_000_000, 0)
	fx.now.Store(genesis.UnixNano())
	n, err := New(Config{Cluster: def, Self: self, NodeKey: nodeKey, Chain: chain,
		Genesis: genesis, SlotDuration: 12 * time.Second, BeaconNode: bn, Signer: signer, Slashing: store,
		Transport: NewMemNetwork().Endpoint(self), Tracer: fx.log, Metrics: fx.met,
		Now: func() time.Time { return time.Unix(0, fx.now.Load()) }})
	if err != nil {
		t.Fatal(err)
	}
	fx.n = n
	fx.v = n.vals[def.Validators[0].PublicKey]
	return fx
}

// startLoop runs the node's event loop until the test ends and returns
// settle, which waits until the loop has run everything posted before it.
func (fx *loopFixture) startLoop(t *testing.T) (settle func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	fx.n.ctx = ctx
	loopDone := make(chan struct{})
	go func() { defer close(loopDone); fx.n.loop(ctx) }()
	t.Cleanup(func() { cancel(); <-loopDone })
	return func() {
		done := make(chan struct{})
		fx.n.post(func() { close(done) })
		select {
		case <-done:
		case <-time.After(time.Minute):
			t.Fatal("the event loop does not turn")
		}
	}
}

// deliver posts ev to the validator's state machine in the loop.
func (fx *loopFixture) deliver(ev dvc.Event) { fx.n.post(func() { fx.n.deliver(fx.v, ev) }) }

// blockOnDecision serves the validator's attester duty of slot 3 and its
// decision, and checks the decision waits for its signature (the signer's
// gate is closed); it returns the instance.
func (fx *loopFixture) blockOnDecision(t *testing.T, settle func()) consensus.InstanceID {
	t.Helper()
	id := consensus.InstanceID{Cluster: fx.n.cluster, Validator: fx.v.pubkey, DutyType: uint64(consensus.DutyAttester), Slot: 3}
	fx.deliver(dvc.ServeAttestationDuty{Duty: fx.attDuty(3)})
	fx.deliver(dvc.AttestationConsensusDecided{ID: id, Data: fx.attData(3)})
	settle()
	if fx.v.blocked == nil {
		t.Fatalf("the decision did not wait for its signature; stepped: %v", fx.log.names())
	}
	return id
}

func (fx *loopFixture) attDuty(slot phase0.Slot) *spec.AttestationDuty {
	return &spec.AttestationDuty{Pubkey: fx.v.pubkey, ValidatorIndex: fx.v.index, CommitteeLength: 4, CommitteesAtSlot: 1, ValidatorCommitteeIndex: 1, Slot: slot}
}

func (fx *loopFixture) attData(slot phase0.Slot) *phase0.AttestationData {
	return &phase0.AttestationData{Slot: slot, BeaconBlockRoot: phase0.Root{byte(slot)}, Source: &phase0.Checkpoint{}, Target: &phase0.Checkpoint{}}
}

func (fx *loopFixture) attRequest(t *testing.T, slot phase0.Slot) *sigRequest {
	t.Helper()
	data := fx.attData(slot)
	in, err := fx.chain.AttestationData(data)
	if err != nil {
		t.Fatal(err)
	}
	return &sigRequest{key: sigKey{dvc.SignAttestation, in.SigningRoot}, in: in, data: data}
}

// TestSignRetriesTransientFailures: the node retries a signing request the
// signer failed transiently (5xx, or no answer at all), at most three
// attempts in all, and never retries a refusal (4xx: 412 is the signer's
// slashing protection; asking again cannot change it).
func TestSignRetriesTransientFailures(t *testing.T) {
	unavailable := ethnode.NewSignerError(503, "busy")
	internal := ethnode.NewSignerError(500, "oops")
	refused := ethnode.NewSignerError(412, "slashable")
	noAnswer := &ethnode.SignerError{Message: "POST /api/v1/eth2/sign", Err: errors.New("connection refused")}
	cases := []struct {
		name      string
		fail      []error
		wantCalls int32
		wantErr   bool
	}{
		{"succeeds first", nil, 1, false},
		{"two 5xx then success", []error{unavailable, internal}, 3, false},
		{"no answer then success", []error{noAnswer}, 2, false},
		{"5xx three times", []error{internal, internal, internal, internal}, 3, true},
		{"412 refusal", []error{refused}, 1, true},
		{"400 refusal", []error{ethnode.NewSignerError(400, "bad")}, 1, true},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := &scriptedSigner{fail: c.fail}
			fx := newLoopFixture(t, s)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			fx.n.ctx = ctx
			req := fx.attRequest(t, phase0.Slot(3+i))
			sig, err := fx.n.sign(fx.v, req)
			if got := s.calls.Load(); got != c.wantCalls {
				t.Errorf("%d signer calls, want %d", got, c.wantCalls)
			}
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v, want error %v", err, c.wantErr)
			}
			if err == nil && !fx.n.bls.Verify(fx.v.sharePub, req.in.SigningRoot[:], sig) {
				t.Error("the signature returned does not verify under the node's key share")
			}
			if c.wantErr && ethnode.StatusCode(err) != ethnode.StatusCode(c.fail[len(c.fail)-1]) {
				t.Errorf("error %v does not carry the signer's last status", err)
			}
		})
	}
}

// TestBlockedEventsDrainInOrder: while a step waits for its signature, the
// validator's later events queue behind it; when the signature arrives the
// waiting event is stepped first, then the queue in arrival order, and
// nothing is stepped twice or lost.
func TestBlockedEventsDrainInOrder(t *testing.T) {
	s := &scriptedSigner{gate: make(chan struct{})}
	fx := newLoopFixture(t, s)
	fx.log.stepCh = make(chan string, 64)
	settle := fx.startLoop(t)
	deliver := fx.deliver

	id := fx.blockOnDecision(t, settle)
	later := []dvc.Event{
		dvc.ServeAttestationDuty{Duty: fx.attDuty(35)},
		dvc.ServeAttestationDuty{Duty: fx.attDuty(67)},
	}
	for _, ev := range later {
		deliver(ev)
	}
	settle()
	if got := fx.log.names(); len(got) != 1 || len(fx.v.backlog) != len(later) {
		t.Fatalf("while blocked: stepped %v, backlog %d; want only the first duty stepped and %d queued", got, len(fx.v.backlog), len(later))
	}

	close(s.gate) // the signer answers
	want := []string{
		eventKey(dvc.ServeAttestationDuty{Duty: fx.attDuty(3)}),
		eventKey(dvc.AttestationConsensusDecided{ID: id}),
		eventKey(later[0]),
		eventKey(later[1]),
	}
	deadline := time.After(time.Minute)
	for len(fx.log.names()) < len(want) {
		select {
		case <-fx.log.stepCh:
		case <-deadline:
			t.Fatalf("stepped %v, want %v", fx.log.names(), want)
		}
	}
	settle()
	got := fx.log.names()
	for i, w := range want {
		if got[i] != w {
			t.Fatalf("step order %v, want %v first", got, want)
		}
	}
	// What follows is only the node's own share coming back to it.
	for _, name := range got[len(want):] {
		if name != (dvc.ReceivedAttestationShare{}).EventName() {
			t.Errorf("unexpected step after the queue: %s (all: %v)", name, got)
		}
	}
	if fx.v.blocked != nil || len(fx.v.backlog) != 0 {
		t.Errorf("still blocked %v with %d queued", fx.v.blocked, len(fx.v.backlog))
	}
	if c := s.calls.Load(); c != 1 {
		t.Errorf("%d signer calls, want 1", c)
	}
}

// counter reads one labelled counter of the node's metrics.
func counter(t *testing.T, m *metrics.Metrics, name string, labels map[string]string) float64 {
	t.Helper()
	fams, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	next:
		for _, mt := range f.GetMetric() {
			have := map[string]string{}
			for _, lp := range mt.GetLabel() {
				have[lp.GetName()] = lp.GetValue()
			}
			for k, v := range labels {
				if have[k] != v {
					continue next
				}
			}
			return mt.GetCounter().GetValue()
		}
	}
	return 0
}

// TestSendQueueOverflowDrops: the event loop never waits on the network; a
// full send queue drops the message and counts it, and the queue keeps what
// it held.
func TestSendQueueOverflowDrops(t *testing.T) {
	fx := newLoopFixture(t, &scriptedSigner{})
	for len(fx.n.sendq) < cap(fx.n.sendq) {
		fx.n.sendq <- outMsg{msgType: MsgShare, payload: []byte{1}}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fx.n.send(MsgShare, []byte{2}, fx.n.others())
		fx.n.send(MsgQBFT, []byte{3}, fx.n.others())
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("send blocked on a full queue")
	}
	if got := len(fx.n.sendq); got != cap(fx.n.sendq) {
		t.Fatalf("queue holds %d, want %d", got, cap(fx.n.sendq))
	}
	for _, typ := range []string{MsgShare, MsgQBFT} {
		if got := counter(t, fx.met, "dvnode_p2p_messages_dropped_total", map[string]string{"protocol": typ}); got != 1 {
			t.Errorf("dropped %s messages counted %v, want 1", typ, got)
		}
	}
	if m := <-fx.n.sendq; m.payload[0] != 1 {
		t.Errorf("the queue's head changed: %v", m.payload)
	}
}

// TestPostToFullInboxReturnsOnShutdown: a transport goroutine posting to a
// full event-loop queue waits (backpressure), and is released when the node
// stops instead of hanging for good.
func TestPostToFullInboxReturnsOnShutdown(t *testing.T) {
	fx := newLoopFixture(t, &scriptedSigner{})
	ctx, cancel := context.WithCancel(context.Background())
	fx.n.ctx = ctx
	for len(fx.n.inbox) < cap(fx.n.inbox) {
		fx.n.inbox <- func() {}
	}
	ran := atomic.Bool{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fx.n.post(func() { ran.Store(true) })
	}()
	select {
	case <-done:
		t.Fatal("post returned while the queue was full and the node running")
	case <-time.After(50 * time.Millisecond):
	}
	cancel()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("post still waits after the node stopped")
	}
	if ran.Load() {
		t.Fatal("a post refused at shutdown ran")
	}
}

// TestStaleDutiesExpire: at a slot start, every duty whose deadline passed
// is reported failed with the stage it reached, once, and forgotten; a
// duty still within its deadline is kept; fetched attestation data and
// proposals for slots more than two behind are dropped.
func TestStaleDutiesExpire(t *testing.T) {
	fx := newLoopFixture(t, &scriptedSigner{})
	var results []DutyResult
	fx.n.cfg.OnDuty = func(r DutyResult) { results = append(results, r) }
	slot := func(s phase0.Slot) time.Time { return fx.n.clock.SlotStart(s) }

	fx.n.tracker.start(consensus.DutyAttester, fx.v.index, 1, slot(1))
	fx.n.tracker.start(consensus.DutyProposer, fx.v.index, 2, slot(2))
	fx.n.tracker.stage(consensus.DutyProposer, fx.v.index, 2, stageConsensus)
	fx.n.tracker.start(consensus.DutySyncCommittee, fx.v.index, 3, slot(3))
	for _, s := range []phase0.Slot{1, 2, 3, 4} {
		fx.n.attData[attKey{slot: s}] = &attFetch{}
		fx.n.proposals[s] = nil
	}

	// Slot 4 starts: the deadline is two slots, so the duties of slots 1
	// and 2 have expired and that of slot 3 has not.
	fx.now.Store(slot(4).UnixNano())
	fx.n.slotStarted(4)
	if len(results) != 2 {
		t.Fatalf("results %+v, want the duties of slots 1 and 2", results)
	}
	reasons := map[phase0.Slot]string{}
	for _, r := range results {
		if r.OK || r.Reason == "" || r.Slot > 2 {
			t.Errorf("result %+v: want a failure with a reason for slot 1 or 2", r)
		}
		reasons[r.Slot] = r.Reason
	}
	if reasons[1] == reasons[2] {
		t.Errorf("a duty that never reached consensus and one that did not decide have the same reason %q", reasons[1])
	}
	if _, ok := fx.n.tracker.duties[dutyKey{consensus.DutySyncCommittee, fx.v.index, 3}]; !ok {
		t.Error("the duty within its deadline was dropped")
	}
	for s := range fx.n.proposals {
		if s+2 < 4 {
			t.Errorf("proposal of slot %d kept at slot 4", s)
		}
	}
	if _, ok := fx.n.attData[attKey{slot: 1}]; ok {
		t.Error("attestation data of slot 1 kept at slot 4")
	}
	if _, ok := fx.n.attData[attKey{slot: 2}]; !ok {
		t.Error("attestation data of slot 2 dropped at slot 4")
	}

	// The next slot reports nothing twice, and the remaining duty once.
	results = nil
	fx.now.Store(slot(5).UnixNano())
	fx.n.slotStarted(5)
	if len(results) != 1 || results[0].Slot != 3 || results[0].OK {
		t.Fatalf("results at slot 5: %+v, want the duty of slot 3 failed", results)
	}
	if len(fx.n.tracker.duties) != 0 {
		t.Errorf("duties left: %v", fx.n.tracker.duties)
	}
}

// TestPeerSharesDoNotWaitBehindBlockedStep: while the validator's
// attestation decision waits for its signature, a peer's share is stepped
// at once, and the node's own later events still wait behind the decision
// in arrival order.
func TestPeerSharesDoNotWaitBehindBlockedStep(t *testing.T) {
	s := &scriptedSigner{gate: make(chan struct{})}
	fx := newLoopFixture(t, s)
	fx.log.stepCh = make(chan string, 64)
	settle := fx.startLoop(t)
	deliver := fx.deliver

	id := fx.blockOnDecision(t, settle)
	laterDuty := dvc.ServeAttestationDuty{Duty: fx.attDuty(35)}
	deliver(laterDuty)
	share := dvc.ReceivedAttestationShare{Share: &networking.AttestationShare{Data: fx.attData(3), ValidatorIndex: fx.v.index, ShareIndex: 3}}
	fx.n.post(func() { fx.n.deliverFromPeer(3, fx.v, share) })
	settle()
	got := fx.log.names()
	if len(got) != 2 || got[1] != eventKey(share) {
		t.Fatalf("while the decision waits: stepped %v, want the duty, then the peer's share", got)
	}
	if len(fx.v.backlog) != 1 {
		t.Fatalf("%d events queued, want the later duty alone", len(fx.v.backlog))
	}

	close(s.gate)
	want := []string{eventKey(dvc.AttestationConsensusDecided{ID: id}), eventKey(laterDuty)}
	deadline := time.After(time.Minute)
	for len(fx.log.names()) < 2+len(want) {
		select {
		case <-fx.log.stepCh:
		case <-deadline:
			t.Fatalf("stepped %v after the signature", fx.log.names())
		}
	}
	settle()
	got = fx.log.names()
	if got[2] != want[0] || got[3] != want[1] {
		t.Fatalf("step order %v: want the decision, then the queued duty", got)
	}
	if fx.v.blocked != nil || len(fx.v.backlog) != 0 {
		t.Errorf("still blocked %v with %d queued", fx.v.blocked, len(fx.v.backlog))
	}
}
