package vc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/beaconclient"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// key is one signing key with the validator it belongs to.
type key struct {
	sk    bls.SecretKey
	pub   phase0.BLSPubKey
	index phase0.ValidatorIndex
	known bool // index resolved
}

// VC is a validator client. Build it with New; Start (or Run) connects.
type VC struct {
	cfg     Config
	log     *slog.Logger
	clock   Clock
	bn      *beaconclient.Client
	pattern Pattern

	mu       sync.Mutex
	started  bool
	keys     map[phase0.BLSPubKey]*key
	byIndex  map[phase0.ValidatorIndex]*key
	chain    signing.Chain
	config   spec.ChainConfig
	genesis  time.Time
	slotDur  time.Duration
	duties   map[phase0.Epoch]*epochDuties
	attested map[phase0.Slot]*slotAttestations
	prepared map[phase0.Epoch]bool
	fetchMu  sync.Mutex // one duty fetch at a time
	// head is the highest slot a head event reported (haveHead: any);
	// headWaiters are closed when a head reaches their slot.
	head        phase0.Slot
	haveHead    bool
	headWaiters map[phase0.Slot][]chan struct{}
	// noSyncSelections: the node answered sync_committee_selections 501
	// (it runs no sync contributions): contributions are not tried again.
	noSyncSelections atomic.Bool
}

// New checks cfg and builds the client; it does no I/O. Errors name the
// Config field at fault.
func New(cfg Config) (*VC, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	v := &VC{cfg: cfg, log: cfg.Logger, clock: cfg.Clock, pattern: cfg.Pattern,
		keys: map[phase0.BLSPubKey]*key{}, byIndex: map[phase0.ValidatorIndex]*key{},
		duties: map[phase0.Epoch]*epochDuties{}, attested: map[phase0.Slot]*slotAttestations{},
		prepared: map[phase0.Epoch]bool{}, headWaiters: map[phase0.Slot][]chan struct{}{}}
	if v.log == nil {
		v.log = slog.New(slog.DiscardHandler)
	}
	if v.clock == nil {
		v.clock = wallClock{}
	}
	if v.pattern == (Pattern{}) {
		v.pattern = DefaultPattern()
	}
	for i, sk := range cfg.Keys {
		pub, err := sk.PublicKey()
		if err != nil {
			return nil, fmt.Errorf("vc: Config.Keys[%d]: %w", i, err)
		}
		if _, dup := v.keys[pub]; dup {
			return nil, fmt.Errorf("vc: Config.Keys[%d]: public key %#x given twice", i, pub[:])
		}
		v.keys[pub] = &key{sk: sk, pub: pub}
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = 12 * time.Second
	}
	bn, err := beaconclient.New(beaconclient.Config{URLs: []string{cfg.BeaconURL}, Timeout: timeout})
	if err != nil {
		return nil, fmt.Errorf("vc: Config.BeaconURL: %w", err)
	}
	v.bn = bn
	return v, nil
}

// Close releases the HTTP client.
func (v *VC) Close() { v.bn.Close() }

// Start reads the chain from the beacon API and finds the validator index
// of every key, retrying (every half second) until the beacon node answers
// or ctx ends. Keys the beacon node does not know are looked up again
// every epoch.
func (v *VC) Start(ctx context.Context) error {
	v.mu.Lock()
	started := v.started
	v.mu.Unlock()
	if started {
		return nil
	}
	var last error
	for {
		last = v.start(ctx)
		if last == nil {
			break
		}
		var cfgErr *configError
		if errors.As(last, &cfgErr) {
			return last
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("vc: beacon node not ready: %w", last)
		case <-v.clock.After(500 * time.Millisecond):
		}
	}
	v.mu.Lock()
	v.started = true
	v.mu.Unlock()
	return nil
}

// configError is a start failure that waiting does not cure (the beacon
// node serves another chain than Config.Chain).
type configError struct{ err error }

func (e *configError) Error() string { return e.err.Error() }
func (e *configError) Unwrap() error { return e.err }

func (v *VC) start(ctx context.Context) error {
	g, err := v.bn.Genesis(ctx)
	if err != nil {
		return fmt.Errorf("genesis: %w", err)
	}
	sp, err := v.bn.Spec(ctx)
	if err != nil {
		return fmt.Errorf("spec: %w", err)
	}
	n, err := beaconclient.NetworkFromSpec(g, sp)
	if err != nil {
		return &configError{fmt.Errorf("vc: %w", err)}
	}
	chain, err := signing.NewChain(n.Forks, n.GenesisValidatorsRoot, n.Config)
	if err != nil {
		return &configError{fmt.Errorf("vc: the beacon node's chain: %w", err)}
	}
	if c := v.cfg.Chain; c != nil {
		if c.GenesisValidatorsRoot != g.GenesisValidatorsRoot {
			return &configError{fmt.Errorf("vc: Config.Chain genesis validators root %#x is not the beacon node's %#x", c.GenesisValidatorsRoot[:], g.GenesisValidatorsRoot[:])}
		}
		if c.SlotsPerEpoch != chain.SlotsPerEpoch {
			return &configError{fmt.Errorf("vc: Config.Chain has %d slots per epoch, the beacon node %d", c.SlotsPerEpoch, chain.SlotsPerEpoch)}
		}
		chain = *c
	}
	v.mu.Lock()
	v.chain, v.config, v.genesis, v.slotDur = chain, chain.ChainConfig(), n.GenesisTime, n.SlotDuration
	v.mu.Unlock()
	return v.resolve(ctx, true)
}

// resolve looks up the validator index of every key without one. With
// needOne it fails when no key at all is known.
func (v *VC) resolve(ctx context.Context, needOne bool) error {
	v.mu.Lock()
	var missing []phase0.BLSPubKey
	for pub, k := range v.keys {
		if !k.known {
			missing = append(missing, pub)
		}
	}
	v.mu.Unlock()
	if len(missing) == 0 {
		return nil
	}
	vals, err := v.bn.Validators(ctx, "head", nil, missing)
	if err != nil {
		return fmt.Errorf("validators: %w", err)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	for idx, val := range vals {
		if val == nil || val.Validator == nil {
			continue
		}
		k := v.keys[val.Validator.PublicKey]
		if k == nil || k.known {
			continue
		}
		k.index, k.known = idx, true
		v.byIndex[idx] = k
	}
	if needOne && len(v.byIndex) == 0 {
		return fmt.Errorf("the beacon node knows none of the %d keys", len(v.keys))
	}
	if n := len(v.keys) - len(v.byIndex); n > 0 {
		v.log.Warn("keys without a validator", "count", n)
	}
	return nil
}

// Chain is the signing chain in use (after Start).
func (v *VC) Chain() signing.Chain {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.chain
}

// SlotClock returns the chain's genesis time and slot duration (after
// Start).
func (v *VC) SlotClock() (genesis time.Time, slot time.Duration) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.genesis, v.slotDur
}

// Indices returns the validator indices of the client's keys (after Start).
func (v *VC) Indices() []phase0.ValidatorIndex {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make([]phase0.ValidatorIndex, 0, len(v.byIndex))
	for i := range v.byIndex {
		out = append(out, i)
	}
	slices.Sort(out)
	return out
}

// ready tells whether Start has succeeded; the duty steps do nothing
// before (they need the chain).
func (v *VC) ready() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.started {
		v.log.Warn("duty step before Start: nothing done")
	}
	return v.started
}

func (v *VC) slotStart(s phase0.Slot) time.Time {
	return v.genesis.Add(time.Duration(s) * v.slotDur)
}

func (v *VC) epochOf(s phase0.Slot) phase0.Epoch {
	return phase0.Epoch(uint64(s) / v.chain.SlotsPerEpoch)
}

func (v *VC) forkAt(s phase0.Slot) eth2spec.DataVersion {
	f, err := v.chain.ForkAtSlot(s)
	if err != nil {
		return eth2spec.DataVersionUnknown
	}
	return f.Name
}

// Run starts the client if needed, then performs every duty at its time
// until ctx ends: the proposal at the slot start, attestations and sync
// committee messages at a third of the slot, aggregates and contributions
// at two thirds. It returns nil when ctx ends, once the duties already
// started are done (each is bounded by an epoch).
func (v *VC) Run(ctx context.Context) error {
	if err := v.Start(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	// The clock drives the duties; head events only tell of re-orgs.
	// Subscribing waits for the stream's first answer, which a validator
	// API may never give: the duties do not wait for it.
	go func() {
		if err := v.bn.SubscribeHeadEvents(ctx, v.onHead); err != nil && ctx.Err() == nil {
			v.log.Warn("no head events: duties are not refreshed after a re-org", "err", err)
		}
	}()
	var wg sync.WaitGroup
	defer wg.Wait()
	// Start at the current slot: its steps still ahead are done, the others
	// skipped as too late.
	var next phase0.Slot
	if now := v.clock.Now(); !now.Before(v.genesis) {
		next = phase0.Slot(now.Sub(v.genesis) / v.slotDur)
	}
	for ; ; next++ {
		var head <-chan struct{}
		if v.pattern.AttestOnHead {
			head = v.headAt(next)
		}
		steps := []struct {
			at    time.Time
			early <-chan struct{} // starts the step before at
			do    func(context.Context, phase0.Slot)
		}{
			{v.slotStart(next), nil, func(c context.Context, s phase0.Slot) { v.Propose(c, s) }},
			{v.slotStart(next), nil, func(c context.Context, s phase0.Slot) { v.Select(c, s) }},
			{v.slotStart(next).Add(v.slotDur / 3), head, func(c context.Context, s phase0.Slot) { v.Attest(c, s) }},
			{v.slotStart(next).Add(2 * v.slotDur / 3), nil, func(c context.Context, s phase0.Slot) {
				v.Aggregate(c, s)
				// Next epoch's duties are fetched ahead, so that its first
				// proposal does not wait for them.
				if _, err := v.dutiesOf(c, v.epochOf(s)+1); err != nil {
					v.log.Debug("prefetching duties", "err", err)
				}
			}},
		}
		for _, st := range steps {
			d := st.at.Sub(v.clock.Now())
			if d < 0 {
				if d < -v.slotDur/3 {
					continue // too late for this step: a real VC skips it too
				}
				d = 0
			}
			select {
			case <-ctx.Done():
				return nil
			case <-v.clock.After(d):
			case <-st.early:
			}
			if ctx.Err() != nil {
				return nil
			}
			if v.clock.Now().Sub(st.at) > v.slotDur/3 {
				continue // woken too late (a head event long after its slot)
			}
			wg.Add(1)
			go func(do func(context.Context, phase0.Slot), s phase0.Slot) {
				defer wg.Done()
				// A duty started is finished even when ctx ends meanwhile
				// (a cancelled publication helps nobody); an epoch, the
				// longest an attestation stays useful, bounds it.
				c, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Duration(v.chain.SlotsPerEpoch)*v.slotDur)
				defer cancel()
				do(c, s)
			}(st.do, next)
		}
		if next%phase0.Slot(v.chain.SlotsPerEpoch) == 0 {
			v.prune(next)
		}
	}
}

// prune drops what belongs to slots long past.
func (v *VC) prune(s phase0.Slot) {
	v.mu.Lock()
	defer v.mu.Unlock()
	e := v.epochOf(s)
	for ep := range v.duties {
		if ep+1 < e {
			delete(v.duties, ep)
		}
	}
	for sl := range v.attested {
		if sl+phase0.Slot(2*v.chain.SlotsPerEpoch) < s {
			delete(v.attested, sl)
		}
	}
	for ep := range v.prepared {
		if ep+1 < e {
			delete(v.prepared, ep)
		}
	}
	for sl, ws := range v.headWaiters {
		if sl+phase0.Slot(2*v.chain.SlotsPerEpoch) < s {
			for _, w := range ws {
				close(w)
			}
			delete(v.headWaiters, sl)
		}
	}
}

// headAt returns a channel closed once a head event for slot (or later)
// has arrived.
func (v *VC) headAt(slot phase0.Slot) <-chan struct{} {
	v.mu.Lock()
	defer v.mu.Unlock()
	ch := make(chan struct{})
	if v.haveHead && v.head >= slot {
		close(ch)
		return ch
	}
	v.headWaiters[slot] = append(v.headWaiters[slot], ch)
	return ch
}

func (v *VC) report(results []Result) []Result {
	for _, r := range results {
		if r.OK {
			v.log.Debug("duty done", "type", r.Type, "validator", r.Validator, "slot", r.Slot)
		} else {
			v.log.Warn("duty failed", "type", r.Type, "validator", r.Validator, "slot", r.Slot, "err", r.Err)
		}
		if v.cfg.OnDuty != nil {
			v.cfg.OnDuty(r)
		}
	}
	return results
}

// parallel runs do(i) for i in [0, n) at once and waits for all: batched
// requests of one step go out together, as a middleware that answers an
// item only once the other operators sent theirs may hold each one.
func parallel(n int, do func(i int)) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); do(i) }()
	}
	wg.Wait()
}

// batches splits n items into batches of at most size (0: one batch).
func batches(n, size int) [][2]int {
	if n == 0 {
		return nil
	}
	if size <= 0 || size >= n {
		return [][2]int{{0, n}}
	}
	var out [][2]int
	for i := 0; i < n; i += size {
		out = append(out, [2]int{i, min(i+size, n)})
	}
	return out
}
