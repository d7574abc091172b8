// Package node is the runtime of a DV node: it wraps the pure co-validator
// state machines (spec/dvc, one per distributed validator) and the pure
// QBFT instances (consensus/qbft, through impl/qbftrunner) into a running
// node with real I/O — a beacon node, a remote signer, a durable slashing
// DB and a transport to the other co-validators — and adds no protocol
// logic of its own: every decision is made by spec/dvc or consensus/qbft.
//
// One goroutine, the event loop, owns every DVC state and every QBFT
// instance, so the pure machines need no locks. It is fed by:
//
//   - the scheduler (impl/scheduler): duties at their standard times, slot
//     ticks;
//   - the transport: QBFT messages and share messages, decoded and their
//     signatures checked in the transport's goroutines first (the checks
//     are memoised, so the state machines, which check again, do not pay
//     twice);
//   - QBFT round timers, which fire at the instance's origin (the duty's
//     start in slot time) plus the round deadline;
//   - workers: beacon-node answers (the leader's own value), signing
//     results, submission results.
//
// Outputs that need I/O are handed to workers and never block the loop.
// A signing request is the one place where a DVC step needs an answer
// from outside: the step is run with a signer that knows the signatures
// obtained so far; when it needs a new one the step fails without effect
// (spec/dvc: a signer failure changes nothing), the request goes to a
// worker (slashing-DB record, then the remote signer), and the same event
// is stepped again when the signature is there. Events for that validator
// wait meanwhile, so each validator's events are stepped in arrival order.
package node

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/attestantio/go-eth2-client/api"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/consensus/qbft"
	"github.com/dvspec/go-dvspec/impl/qbftrunner"
	"github.com/dvspec/go-dvspec/impl/scheduler"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

// Node is one running DV node.
type Node struct {
	cfg     Config
	log     *slog.Logger
	now     func() time.Time
	clock   scheduler.SlotClock
	cluster phase0.Root
	n       uint64

	vals    map[phase0.BLSPubKey]*validator
	byIndex map[phase0.ValidatorIndex]*validator
	list    []*validator

	qbft   *qbftrunner.Runner
	limits qbftrunner.Limits
	in     *inbound
	drops  *dropLog
	insts  map[consensus.InstanceID]*instCtx
	edVer  qbft.Verifier
	bls    blsMemo
	bv     *batchVerifier

	inbox  chan func()
	lowbox chan func() // sync committee work: after inbox (overload.go)
	aggbox chan func() // aggregation work: after lowbox (overload.go)
	// aggWaited counts the loop's turns taken by the other lanes while
	// aggregation work waited (overload.go, aggTurnEvery).
	aggWaited int
	local     []func()
	over      overloadStats
	ctx       context.Context
	// running is closed once Run has set ctx (Capture waits for it).
	running chan struct{}
	// lastOuts are the outputs of the latest step (read by Capture).
	lastOuts []dvc.Output

	sendq   chan outMsg
	subm    *submitter
	tracker *tracker
	imp     *importer
	sched   *scheduler.Scheduler
	signSem chan struct{}

	attData   map[attKey]*attFetch
	proposals map[phase0.Slot][]*api.VersionedProposal
	agg       *aggRunner // nil unless Config.Aggregation
	slots     *slotState // nil unless Config.ConsensusPerSlot
	att       *attFirst  // nil in VC-middleware mode
	pubkeys   *pubkeyCache

	lastTurn atomic.Int64
	ready    readiness
	wg       sync.WaitGroup
	slot     phase0.Slot
}

type readiness struct {
	bn, signer atomic.Bool
}

// validator is one distributed validator's co-validator state machine.
type validator struct {
	cfg      *dvc.Config
	st       *dvc.State
	index    phase0.ValidatorIndex
	pubkey   phase0.BLSPubKey
	sharePub phase0.BLSPubKey
	verifier networking.Verifier

	sigs    map[sigKey]sigResult
	blocked dvc.Event
	backlog []dvc.Event
}

// instCtx is what the loop knows about a running consensus instance.
type instCtx struct {
	v      *validator
	start  dvc.StartConsensus
	origin time.Time
	typ    consensus.DutyType
}

// New builds a node: it checks the configuration, loads the slashing DB
// from the store into every validator's DVC state and registers the
// transport handlers. Run starts it.
func New(cfg Config) (*Node, error) {
	if cfg.Cluster == nil {
		return nil, errors.New("node: no cluster definition")
	}
	if cfg.BeaconNode == nil || cfg.Slashing == nil || cfg.Transport == nil {
		return nil, errors.New("node: beacon node, slashing store and transport are required")
	}
	if (cfg.Signer == nil) == (cfg.VC == nil) {
		// One or the other: the mode is the architecture of every DVC.
		return nil, errors.New("node: exactly one of a remote signer (remote-signer mode) and a VC-facing API (VC-middleware mode) is required")
	}
	if cfg.SlotDuration <= 0 || cfg.Genesis.IsZero() {
		return nil, errors.New("node: no slot clock (genesis time and slot duration)")
	}
	if cfg.Chain.SSZ == nil || cfg.Chain.Config.SlotsPerEpoch == 0 {
		// The network check (cluster definition against beacon node) is
		// the caller's; a chain without its config would hash with
		// mainnet sizes whatever the chain is.
		return nil, errors.New("node: the chain has no chain config (build it with signing.NewChain)")
	}
	n := uint64(len(cfg.Cluster.Operators))
	if cfg.Self == 0 || cfg.Self > n {
		return nil, fmt.Errorf("node: operator index %d is not in the cluster (1..%d)", cfg.Self, n)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.DutyDeadline <= 0 {
		cfg.DutyDeadline = 2 * cfg.SlotDuration
	}
	if cfg.SignTimeout <= 0 {
		cfg.SignTimeout = min(cfg.SlotDuration, 5*time.Second)
	}
	cluster, err := cfg.Cluster.ID()
	if err != nil {
		return nil, fmt.Errorf("node: %w", err)
	}
	nd := &Node{
		cfg:       cfg,
		log:       cfg.Logger,
		now:       cfg.Now,
		clock:     scheduler.SlotClock{Genesis: cfg.Genesis, SlotDuration: cfg.SlotDuration, SlotsPerEpoch: cfg.Chain.SlotsPerEpoch},
		cluster:   cluster,
		n:         n,
		vals:      map[phase0.BLSPubKey]*validator{},
		byIndex:   map[phase0.ValidatorIndex]*validator{},
		insts:     map[consensus.InstanceID]*instCtx{},
		bls:       newBLSMemo(),
		inbox:     make(chan func(), 1<<16),
		running:   make(chan struct{}),
		lowbox:    make(chan func(), 1<<16),
		aggbox:    make(chan func(), 1<<16),
		sendq:     make(chan outMsg, 1<<16),
		signSem:   make(chan struct{}, 64),
		attData:   map[attKey]*attFetch{},
		proposals: map[phase0.Slot][]*api.VersionedProposal{},
		pubkeys:   newPubkeyCache(),
	}
	nd.limits = qbftrunner.DefaultLimits(cfg.Chain.ChainConfig())
	nd.in = newInbound(MaxInboundBytesPerPeer)
	nd.drops = newDropLog(cfg.Logger, nd.now)
	nd.tracker = newTracker(nd)
	if err := checkAggregationVC(cfg); err != nil {
		return nil, err
	}
	if !cfg.NoBlockImport {
		nd.imp = newImporter(nd)
	}
	if cfg.ConsensusPerSlot {
		nd.slots = newSlotState(cluster, nd)
	}
	if cfg.VC == nil {
		nd.att = newAttFirst()
	}
	workers, lowLinger := runtime.NumCPU(), cfg.SlotDuration/250
	if workers == 1 {
		lowLinger = 0 // its one worker would hold attestation shares back
	}
	nd.bv = newBatchVerifier(nd.bls, workers, lowLinger, 0)
	if cfg.Aggregation {
		nd.agg = newAggRunner(nd.bls, cfg.SlotDuration/250)
	}
	if err := nd.loadValidators(); err != nil {
		return nil, err
	}
	ed := qbft.Ed25519Verifier{}
	for _, op := range cfg.Cluster.Operators {
		ed.Keys = append(ed.Keys, op.NodePublicKey[:])
	}
	nd.edVer = edMemo{m: newMemo(1 << 18), inner: ed}
	if len(cfg.NodeKey) != ed25519.PrivateKeySize || string(cfg.NodeKey.Public().(ed25519.PublicKey)) != string(cfg.Cluster.Operators[cfg.Self-1].NodePublicKey[:]) {
		return nil, fmt.Errorf("node: the node key is not operator %d's node key in the cluster definition", cfg.Self)
	}
	nd.qbft, err = qbftrunner.New(qbft.Config{N: n, Self: cfg.Self, Signer: qbft.Ed25519Signer{Key: cfg.NodeKey}, Verifier: nd.edVer}, qbftrunner.Hooks{
		Broadcast: nd.broadcastQBFT,
		Decide:    nd.decided,
		AfterFunc: func(d time.Duration, f func()) { time.AfterFunc(d, func() { nd.post(f) }) },
		Now:       nd.now,
		Rejected:  nd.qbftRejected,
		Slot:      nd.clockSlot,
		Dropped:   nd.qbftDropped,
	}, nd.limits)
	if err != nil {
		return nil, fmt.Errorf("node: %w", err)
	}
	if err := cfg.Transport.Handle(MsgQBFT, nd.onQBFT); err != nil {
		return nil, fmt.Errorf("node: %w", err)
	}
	if err := cfg.Transport.Handle(MsgShare, nd.onShare); err != nil {
		return nil, fmt.Errorf("node: %w", err)
	}
	idx := map[phase0.ValidatorIndex]phase0.BLSPubKey{}
	for _, v := range nd.list {
		idx[v.index] = v.pubkey
	}
	nd.sched, err = scheduler.New(scheduler.Config{
		Clock: nd.clock, Duties: cfg.BeaconNode, Validators: idx, Chain: cfg.Chain,
		Sink: sink{nd}, Logger: cfg.Logger.With("component", "scheduler"), Now: nd.now, NoSync: cfg.NoSync,
	})
	if err != nil {
		return nil, err
	}
	nd.subm = newSubmitter(nd)
	nd.lastTurn.Store(nd.now().UnixNano())
	return nd, nil
}

// loadValidators builds the DVC configuration and state of every
// distributed validator of the cluster, starting from the slashing DB on
// disk. The store keeps records under the key that signed them (this
// node's share public key, as the embedded signer does); the DVC keeps its
// history under the validator's public key (spec.py), so each validator's
// records are re-keyed.
func (n *Node) loadValidators() error {
	c := n.cfg
	db, err := c.Slashing.Load(c.Chain.GenesisValidatorsRoot)
	if err != nil {
		return fmt.Errorf("node: loading the slashing DB: %w", err)
	}
	var peers []uint64
	for i := uint64(1); i <= n.n; i++ {
		peers = append(peers, i)
	}
	for _, cv := range c.Cluster.Validators {
		if len(cv.ValidatorIndex) != 1 {
			return fmt.Errorf("node: validator %#x has no validator index (resolve it before starting the node)", cv.PublicKey[:8])
		}
		shares := map[uint64]phase0.BLSPubKey{}
		for i, pk := range cv.PublicShares {
			shares[uint64(i+1)] = pk
		}
		fee := cv.FeeRecipient
		dcfg := &dvc.Config{
			FeeRecipient: &fee,
			Chain:        c.Chain,
			Validator:    spec.ValidatorIdentity{Pubkey: cv.PublicKey, Index: phase0.ValidatorIndex(cv.ValidatorIndex[0])},
			ShareIndex:   c.Self,
			Peers:        peers,
			PublicShares: shares,
			Threshold:    int(c.Cluster.Threshold),
			Cluster:      n.cluster,
			Mode:         n.mode(),
			// Config.Cluster is a validated definition (A24).
			PublicSharesChecked: true,
		}
		own := slashing.New(c.Chain.GenesisValidatorsRoot)
		if d := slashing.GetSlashingDBDataForPubkey(db, shares[c.Self]); d != nil {
			dd := d.Clone()
			dd.Pubkey = cv.PublicKey
			own.Data = append(own.Data, dd)
		}
		st, err := dvc.NewState(dcfg, own)
		if err != nil {
			return fmt.Errorf("node: validator %#x: %w", cv.PublicKey[:8], err)
		}
		v := &validator{
			cfg: dcfg, st: st, index: dcfg.Validator.Index, pubkey: cv.PublicKey, sharePub: shares[c.Self],
			sigs: map[sigKey]sigResult{},
		}
		v.verifier = networking.Verifier{Chain: c.Chain, ValidatorPubkey: cv.PublicKey, PublicShares: shares, Threshold: dcfg.Threshold, Verify: n.bls.Verify, Recover: n.bls.Recover, PublicSharesChecked: true}
		if _, dup := n.byIndex[v.index]; dup {
			return fmt.Errorf("node: validator index %d given twice", v.index)
		}
		n.vals[v.pubkey] = v
		n.byIndex[v.index] = v
		n.list = append(n.list, v)
	}
	sort.Slice(n.list, func(i, j int) bool { return n.list[i].index < n.list[j].index })
	return nil
}

// mode is the DVC architecture: VC-middleware when the node serves a
// validator client, remote-signer otherwise.
func (n *Node) mode() dvc.Mode {
	if n.cfg.VC != nil {
		return dvc.ModeVCMiddleware
	}
	return dvc.ModeRemoteSigner
}

// Validators returns the indices of the node's validators.
func (n *Node) Validators() []phase0.ValidatorIndex {
	out := make([]phase0.ValidatorIndex, 0, len(n.list))
	for _, v := range n.list {
		out = append(out, v.index)
	}
	return out
}

// Run runs the node until ctx is done, then stops it: the scheduler stops,
// queued submissions get a short grace period, and Run returns.
func (n *Node) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	n.ctx = ctx
	close(n.running)
	if n.cfg.Tracer != nil {
		for _, v := range n.list {
			n.cfg.Tracer.Init(n.cfg.Self, v.cfg, v.st)
		}
	}
	// Submissions outlive the loop briefly, so that what was combined
	// just before a shutdown still reaches the beacon node.
	subCtx, subCancel := context.WithCancel(context.Background())
	defer subCancel()
	n.wg.Add(4)
	go func() { defer n.wg.Done(); n.prepareProposers(ctx) }()
	go func() { defer n.wg.Done(); n.sender(ctx) }()
	go func() { defer n.wg.Done(); n.subm.run(subCtx) }()
	go func() { defer n.wg.Done(); n.health(ctx) }()
	if n.imp != nil {
		n.wg.Add(1)
		go func() { defer n.wg.Done(); n.imp.run(ctx) }()
	} else {
		n.log.Info("no block import: decided duties are learnt from consensus only")
	}
	schedDone := make(chan struct{})
	go func() { defer close(schedDone); _ = n.sched.Run(ctx) }()
	// The committees are asked for at once, before genesis too (the
	// beacon node has the genesis state): the first slot's aggregator
	// duties need them.
	n.post(func() { n.aggPrefetch(n.clockSlot()) })
	n.log.Info("node running", "operator", n.cfg.Self, "validators", len(n.list), "cluster", fmt.Sprintf("%#x", n.cluster[:8]),
		"genesis", n.cfg.Genesis.UTC().Format(time.RFC3339), "slot_duration", n.cfg.SlotDuration)
	n.loop(ctx)
	<-schedDone
	grace := time.Now().Add(2 * time.Second)
	for (len(n.subm.atts) > 0 || len(n.subm.syncs) > 0) && time.Now().Before(grace) {
		time.Sleep(10 * time.Millisecond)
	}
	subCancel()
	n.wg.Wait()
	n.log.Info("node stopped", "operator", n.cfg.Self)
	return nil
}

// loop is the event loop.
func (n *Node) loop(ctx context.Context) {
	for {
		for len(n.local) > 0 {
			f := n.local[0]
			n.local[0] = nil
			n.local = n.local[1:]
			f()
		}
		n.lastTurn.Store(n.now().UnixNano())
		// The first lane first: sync committee work only runs when no
		// proposal, attestation or slot start waits, aggregation work
		// when no sync committee work waits either, except for one turn
		// in aggTurnEvery (overload.go).
		if len(n.aggbox) > 0 && n.aggWaited >= aggTurnEvery {
			n.aggWaited = 0
			(<-n.aggbox)()
			continue
		}
		if len(n.aggbox) > 0 {
			n.aggWaited++
		}
		select {
		case <-ctx.Done():
			return
		case f := <-n.inbox:
			f()
			continue
		default:
		}
		select {
		case <-ctx.Done():
			return
		case f := <-n.inbox:
			f()
			continue
		case f := <-n.lowbox:
			f()
			continue
		default:
		}
		select {
		case <-ctx.Done():
			return
		case f := <-n.inbox:
			f()
		case f := <-n.lowbox:
			f()
		case f := <-n.aggbox:
			n.aggWaited = 0
			f()
		}
	}
}

// post hands f to the event loop (from any goroutine); it waits while the
// loop's queue is full, which slows the transport down.
func (n *Node) post(f func()) {
	if n.ctx == nil {
		return
	}
	select {
	case n.inbox <- f:
	case <-n.ctx.Done():
	}
}

// postLane is post, into the lane of duty type d.
func (n *Node) postLane(d consensus.DutyType, f func()) {
	box := n.lowbox
	switch laneOf(d) {
	case laneFirst:
		n.post(f)
		return
	case laneAggregation:
		box = n.aggbox
	}
	if n.ctx == nil {
		return
	}
	select {
	case box <- f:
	case <-n.ctx.Done():
	}
}

// later queues f in the loop after the current input (used inside the
// loop, so that state machines are never re-entered).
func (n *Node) later(f func()) { n.local = append(n.local, f) }

// Capture hands the state machine of validator pk an event from the
// validator client (VC-middleware mode: dvc.CapturedAttestation,
// CapturedRandaoReveal, CapturedBlock, CapturedSyncCommitteeMessage) and
// waits for its step: the error is the state machine's refusal (its state
// unchanged), which the VC-facing API returns to the validator client. It
// is the seam impl/validatorapi calls; the event loop stays the only owner
// of the DVC states.
func (n *Node) Capture(ctx context.Context, pk phase0.BLSPubKey, ev dvc.Event) error {
	v := n.vals[pk]
	if v == nil {
		return fmt.Errorf("node: no validator %#x", pk[:8])
	}
	select {
	case <-n.running:
	case <-ctx.Done():
		return ctx.Err()
	}
	done := make(chan error, 1)
	select {
	case n.inbox <- func() { n.deliverCaptured(v, ev, done) }:
	case <-ctx.Done():
		return ctx.Err()
	case <-n.ctx.Done():
		return n.ctx.Err()
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-n.ctx.Done():
		return n.ctx.Err()
	}
}

// ValidatorShares maps each validator's public key to this node's share
// public key and its registry index: what the VC-facing API translates.
func (n *Node) ValidatorShares() []ValidatorShare {
	out := make([]ValidatorShare, 0, len(n.list))
	for _, v := range n.list {
		out = append(out, ValidatorShare{Pubkey: v.pubkey, SharePubkey: v.sharePub, Index: v.index})
	}
	return out
}

// ValidatorShare is one distributed validator as this node's validator
// client knows it.
type ValidatorShare struct {
	Pubkey      phase0.BLSPubKey
	SharePubkey phase0.BLSPubKey
	Index       phase0.ValidatorIndex
}

// QueueLength is the number of inputs waiting for the loop.
func (n *Node) QueueLength() int { return len(n.inbox) + len(n.lowbox) + len(n.aggbox) }

// Live reports whether the event loop turned within the last ten seconds.
func (n *Node) Live() error {
	last := time.Unix(0, n.lastTurn.Load())
	if d := n.now().Sub(last); d > 10*time.Second {
		return fmt.Errorf("event loop stuck for %s", d.Round(time.Second))
	}
	return nil
}

// Ready returns why the node cannot do duties now (nil: ready).
func (n *Node) Ready() []string {
	var out []string
	if !n.ready.bn.Load() {
		out = append(out, "beacon node not reachable")
	}
	if !n.ready.signer.Load() {
		out = append(out, "remote signer not reachable")
	}
	need := int(n.cfg.Cluster.Threshold) - 1
	if got := len(n.cfg.Transport.ConnectedPeers()); got < need {
		out = append(out, fmt.Sprintf("%d peers connected, %d needed for the threshold", got, need))
	}
	if pr, ok := n.cfg.Transport.(interface{ Problems() []string }); ok {
		out = append(out, pr.Problems()...)
	}
	return out
}

// health keeps the loop turning (liveness) and checks the beacon node and
// the signer (readiness).
func (n *Node) health(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	check := func() {
		c, cancel := context.WithTimeout(ctx, 3*time.Second)
		_, err := n.cfg.BeaconNode.NodeSyncing(c)
		n.ready.bn.Store(err == nil)
		n.ready.signer.Store(n.cfg.Signer == nil || n.cfg.Signer.Upcheck(c) == nil)
		cancel()
	}
	check()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n.post(func() {})
			if i%5 == 4 {
				check()
			}
		}
	}
}

// sink receives the scheduler's duties and hands them to the loop.
type sink struct{ n *Node }

func (s sink) SlotStarted(slot phase0.Slot) {
	s.n.post(func() { s.n.slotStarted(slot) })
}

func (s sink) ServeProposerDuty(d *spec.ProposerDuty) {
	s.n.post(func() {
		v := s.n.vals[d.Pubkey]
		if v == nil {
			return
		}
		s.n.tracker.start(consensus.DutyProposer, v.index, d.Slot, s.n.clock.SlotStart(d.Slot))
		if s.n.expired(v.cfg, consensus.DutyProposer, d.Slot) {
			s.n.shedDuty()
			return
		}
		s.n.deliver(v, dvc.ServeProposerDuty{Duty: d})
	})
}

func (s sink) ServeAttestationDuty(d *spec.AttestationDuty) {
	s.n.post(func() {
		v := s.n.vals[d.Pubkey]
		if v == nil {
			return
		}
		s.n.tracker.start(consensus.DutyAttester, v.index, d.Slot, s.n.clock.AttestationTime(d.Slot))
		if s.n.expired(v.cfg, consensus.DutyAttester, d.Slot) {
			s.n.shedDuty()
			return
		}
		s.n.attestationServed(d.Slot)
		s.n.deliver(v, dvc.ServeAttestationDuty{Duty: d})
		s.n.aggServeAttester(v, d)
	})
}

func (s sink) ServeSyncCommitteeDuty(d *spec.SyncCommitteeDuty, slot phase0.Slot, sub uint64) {
	s.n.postLane(consensus.DutySyncCommittee, func() {
		v := s.n.vals[d.Pubkey]
		if v == nil {
			return
		}
		s.n.tracker.start(consensus.DutySyncCommittee, v.index, slot, s.n.clock.AttestationTime(slot))
		if s.n.expired(v.cfg, consensus.DutySyncCommittee, slot) {
			s.n.shedDuty()
			return
		}
		s.n.deliver(v, dvc.ServeSyncCommitteeDuty{Duty: d, Slot: slot, SubcommitteeIndex: sub})
		s.n.aggServeSync(v, d, slot)
	})
}

func (s sink) PrepareSyncCommitteeDuty(d *spec.SyncCommitteeDuty, slot phase0.Slot) {
	s.n.postLane(consensus.DutySyncContribution, func() {
		if v := s.n.vals[d.Pubkey]; v != nil && !s.n.expired(v.cfg, consensus.DutySyncCommittee, slot) {
			s.n.aggPrepareSync(v, d, slot)
		}
	})
}

// slotStarted runs at every slot start: it tells every state machine the
// slot began (dvc.NewSlot: what can no longer be included expires, SPEC.md
// amendment A23, and the QBFT instances it stops are freed), expires the
// tracked duties and forgets what old slots left behind.
func (n *Node) slotStarted(slot phase0.Slot) {
	n.slot = slot
	n.cfg.Metrics.Slot(uint64(slot))
	for _, v := range n.list {
		n.deliver(v, dvc.NewSlot{Slot: slot})
	}
	n.tracker.expire()
	n.reportOverload(slot)
	n.aggSlotStarted(slot)
	n.aggPrefetch(slot)
	if slot > 0 {
		n.attFirstPrune(slot - 1)
	}
	n.resendStuck()
	keep := phase0.Slot(2 * n.cfg.Chain.SlotsPerEpoch)
	if slot > keep {
		n.qbft.Prune(slot - keep)
		n.slotPrune(slot - keep)
		for id := range n.insts {
			if id.Slot < slot-keep && !n.qbft.Active(id) {
				delete(n.insts, id)
			}
		}
	}
	for k := range n.attData {
		if k.slot+2 < slot {
			delete(n.attData, k)
		}
	}
	for s := range n.proposals {
		if s+2 < slot {
			delete(n.proposals, s)
		}
	}
}

// dutyOrigin is the start of a duty in slot time: the origin of its QBFT
// round deadlines.
func (n *Node) dutyOrigin(id consensus.InstanceID) time.Time {
	if consensus.DutyType(id.DutyType) == consensus.DutyProposer {
		return n.clock.SlotStart(id.Slot)
	}
	return n.clock.AttestationTime(id.Slot)
}
