// Package scheduler keeps slot time and serves a DV node its duties at the
// standard times: it fetches the attester, proposer and sync committee
// duties of the node's validators from the beacon node one epoch ahead,
// and hands each duty to a Sink when it is due — a proposer duty at the
// start of its slot, attester and sync committee duties one third into the
// slot (consensus-specs validator guide; spec.py schedules the attestation
// "1/3rd way through the slot"). It decides nothing about the duties
// themselves: what to do with them is spec/dvc's business.
package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// SlotClock converts between wall time and slots.
type SlotClock struct {
	Genesis       time.Time
	SlotDuration  time.Duration
	SlotsPerEpoch uint64
}

// SlotAt returns the slot at t (0 before genesis, with ok false).
func (c SlotClock) SlotAt(t time.Time) (phase0.Slot, bool) {
	if t.Before(c.Genesis) || c.SlotDuration <= 0 {
		return 0, false
	}
	return phase0.Slot(t.Sub(c.Genesis) / c.SlotDuration), true
}

// SlotStart is the start of slot s.
func (c SlotClock) SlotStart(s phase0.Slot) time.Time {
	return c.Genesis.Add(time.Duration(s) * c.SlotDuration)
}

// AttestationTime is one third into slot s: when attester and sync
// committee duties start.
func (c SlotClock) AttestationTime(s phase0.Slot) time.Time {
	return c.SlotStart(s).Add(c.SlotDuration / 3)
}

// EpochOf is the epoch of slot s.
func (c SlotClock) EpochOf(s phase0.Slot) phase0.Epoch {
	return phase0.Epoch(uint64(s) / c.SlotsPerEpoch)
}

// EpochStart is the first slot of epoch e.
func (c SlotClock) EpochStart(e phase0.Epoch) phase0.Slot {
	return phase0.Slot(uint64(e) * c.SlotsPerEpoch)
}

// Sink receives duties when they are due, and slot ticks. Calls come from
// the scheduler's goroutine, in time order; an implementation hands them to
// its event loop and returns.
type Sink interface {
	// SlotStarted is called at the start of every slot, before its duties.
	SlotStarted(slot phase0.Slot)
	// ServeProposerDuty is called at the start of the duty's slot.
	ServeProposerDuty(d *spec.ProposerDuty)
	// ServeAttestationDuty is called one third into the duty's slot.
	ServeAttestationDuty(d *spec.AttestationDuty)
	// ServeSyncCommitteeDuty is called one third into slot for a validator
	// of the sync committee that signs at slot, with the lowest
	// subcommittee it belongs to.
	ServeSyncCommitteeDuty(d *spec.SyncCommitteeDuty, slot phase0.Slot, subcommittee uint64)
	// PrepareSyncCommitteeDuty is called at the start of slot, after its
	// proposer duties, for a validator of the sync committee that signs at
	// slot, when the duties of slot's sync committee are known by then. It
	// precedes the duty's ServeSyncCommitteeDuty: work that needs neither
	// the slot's head nor the validator's sync committee message (the sync
	// committee selection proofs, whose aggregator verdicts the
	// contribution at 2/3 of the slot waits for) can use the slot's first
	// third, where only a proposal runs. A sink must not rely on it: with
	// duties fetched late it is not called.
	PrepareSyncCommitteeDuty(d *spec.SyncCommitteeDuty, slot phase0.Slot)
}

// Config configures a Scheduler.
type Config struct {
	Clock SlotClock
	// Duties is the beacon node.
	Duties ethnode.DutyProvider
	// Validators are the node's validators by index.
	Validators map[phase0.ValidatorIndex]phase0.BLSPubKey
	// Chain says from which epoch sync committees exist, and its config
	// gives the epoch length and the sync subcommittee size.
	Chain  signing.Chain
	Sink   Sink
	Logger *slog.Logger
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// NoSync disables sync committee duties.
	NoSync bool
}

// Scheduler serves duties to a Sink. Run drives it.
type Scheduler struct {
	cfg     Config
	log     *slog.Logger
	indices []phase0.ValidatorIndex

	mu     sync.Mutex
	epochs map[phase0.Epoch]*epochDuties
}

type epochDuties struct {
	proposers map[phase0.Slot][]*spec.ProposerDuty
	// proposerRoot is the proposer duties' dependent root.
	proposerRoot phase0.Root
	attesters    map[phase0.Slot][]*spec.AttestationDuty
	sync         []*spec.SyncCommitteeDuty // duties of the epoch's sync committee period
	syncOK       bool
	ok           bool
}

// New returns a scheduler.
func New(cfg Config) (*Scheduler, error) {
	if cfg.Duties == nil || cfg.Sink == nil || cfg.Clock.SlotDuration <= 0 || cfg.Clock.SlotsPerEpoch == 0 {
		return nil, fmt.Errorf("scheduler: duties, sink and a slot clock are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Scheduler{cfg: cfg, log: cfg.Logger, epochs: map[phase0.Epoch]*epochDuties{}}
	for i := range cfg.Validators {
		s.indices = append(s.indices, i)
	}
	sort.Slice(s.indices, func(a, b int) bool { return s.indices[a] < s.indices[b] })
	return s, nil
}

// Run serves duties until ctx is done. It waits for genesis, fetches the
// current and the next epoch's duties, then, slot by slot, fires the
// duties due and fetches each next epoch at the start of an epoch. A duty
// whose time passed before Run got to it is still served if its slot is
// not over (late is better than never); earlier slots are skipped, except
// at the start: the attester duties of the current epoch's earlier slots
// are served first (their attestations can still be included, SPEC.md
// amendment A23), so that a node started mid-epoch (a restart) takes part
// in the instances its peers still run for them.
func (s *Scheduler) Run(ctx context.Context) error {
	c := s.cfg.Clock
	now := s.cfg.Now()
	slot, started := c.SlotAt(now)
	if !started {
		slot = 0
	}
	epoch := c.EpochOf(slot)
	go s.fetch(ctx, epoch)
	go s.fetch(ctx, epoch+1)
	catchUp := started
	for {
		// Slot start: proposer duties.
		if err := s.sleepUntil(ctx, c.SlotStart(slot)); err != nil {
			return nil
		}
		// A new epoch fetches the duties of the next one, also when the
		// epoch's first slot was skipped or run late (a fell-behind loop,
		// a suspended machine): otherwise a whole epoch has no duties.
		if e := c.EpochOf(slot); e > epoch {
			for f := max(epoch+2, e); f <= e+1; f++ {
				go s.fetch(ctx, f)
			}
			epoch = e
		}
		if s.cfg.Now().Before(c.SlotStart(slot + 1)) {
			s.cfg.Sink.SlotStarted(slot)
			ed := s.waitEpoch(ctx, c.EpochOf(slot), c.SlotStart(slot+1))
			if ed != nil && ed.ok {
				s.refreshProposers(ctx, c.EpochOf(slot), ed)
				for _, d := range ed.proposers[slot] {
					s.cfg.Sink.ServeProposerDuty(d)
				}
			}
			s.prepareSync(slot)
			// One third in: attester and sync committee duties.
			if err := s.sleepUntil(ctx, c.AttestationTime(slot)); err != nil {
				return nil
			}
			if ed != nil {
				if catchUp {
					for past := c.EpochStart(c.EpochOf(slot)); past < slot; past++ {
						for _, d := range ed.attesters[past] {
							s.cfg.Sink.ServeAttestationDuty(d)
						}
					}
				}
				for _, d := range ed.attesters[slot] {
					s.cfg.Sink.ServeAttestationDuty(d)
				}
			}
			catchUp = false
			s.serveSync(ctx, slot)
		}
		slot++
		if n, ok := c.SlotAt(s.cfg.Now()); ok && n > slot {
			s.log.Warn("scheduler fell behind; skipping slots", "from", slot, "to", n)
			slot = n
		}
	}
}

// serveSync fires the sync committee duties of slot: the committee that
// signs at slot is the one of the period of epoch(slot+1) (altair
// get_sync_subcommittee_pubkeys), so its duties come from that epoch.
func (s *Scheduler) serveSync(ctx context.Context, slot phase0.Slot) {
	if s.cfg.NoSync || !s.syncAt(slot) {
		return
	}
	ed := s.waitEpoch(ctx, s.cfg.Clock.EpochOf(slot+1), s.cfg.Clock.SlotStart(slot+1))
	if ed == nil || !ed.syncOK {
		return
	}
	for _, d := range ed.sync {
		sub, ok := lowestSubcommittee(s.cfg.Chain.ChainConfig(), d)
		if ok {
			s.cfg.Sink.ServeSyncCommitteeDuty(d, slot, sub)
		}
	}
}

// prepareSync announces the sync committee duties of slot at its start
// when they are already fetched: it never waits, so a late fetch delays
// neither the slot's attester duties nor the serveSync that follows.
func (s *Scheduler) prepareSync(slot phase0.Slot) {
	if s.cfg.NoSync || !s.syncAt(slot) {
		return
	}
	s.mu.Lock()
	ed := s.epochs[s.cfg.Clock.EpochOf(slot+1)]
	s.mu.Unlock()
	if ed == nil || !ed.ok || !ed.syncOK {
		return
	}
	for _, d := range ed.sync {
		if _, ok := lowestSubcommittee(s.cfg.Chain.ChainConfig(), d); ok {
			s.cfg.Sink.PrepareSyncCommitteeDuty(d, slot)
		}
	}
}

func lowestSubcommittee(p spec.ChainConfig, d *spec.SyncCommitteeDuty) (uint64, bool) {
	var best uint64
	found := false
	for _, i := range d.ValidatorSyncCommitteeIndices {
		sc := p.SyncSubcommitteeIndex(i)
		if !found || sc < best {
			best, found = sc, true
		}
	}
	return best, found
}

func (s *Scheduler) syncAt(slot phase0.Slot) bool {
	f, err := s.cfg.Chain.ForkAtSlot(slot)
	return err == nil && f.Name >= eth2spec.DataVersionAltair
}

func (s *Scheduler) sleepUntil(ctx context.Context, t time.Time) error {
	d := t.Sub(s.cfg.Now())
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// waitEpoch returns the duties of epoch, waiting for a fetch in progress
// until deadline.
func (s *Scheduler) waitEpoch(ctx context.Context, epoch phase0.Epoch, deadline time.Time) *epochDuties {
	for {
		s.mu.Lock()
		ed := s.epochs[epoch]
		s.mu.Unlock()
		if ed != nil && ed.ok {
			return ed
		}
		if !s.cfg.Now().Before(deadline) || ctx.Err() != nil {
			return ed
		}
		t := time.NewTimer(20 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// fetch gets the duties of epoch, retrying until they arrive, the epoch is
// over or ctx is done.
func (s *Scheduler) fetch(ctx context.Context, epoch phase0.Epoch) {
	end := s.cfg.Clock.SlotStart(s.cfg.Clock.EpochStart(epoch + 1))
	for attempt := 0; ; attempt++ {
		ed, err := s.fetchOnce(ctx, epoch)
		if err == nil {
			// Counted before ed is published: from then on the run loop may
			// replace its proposer duties (refreshProposers).
			proposers, attesters, sync := count(ed.proposers), count(ed.attesters), len(ed.sync)
			s.mu.Lock()
			s.epochs[epoch] = ed
			for e := range s.epochs {
				if e+2 < epoch {
					delete(s.epochs, e)
				}
			}
			s.mu.Unlock()
			s.log.Debug("duties fetched", "epoch", epoch, "proposer", proposers, "attester", attesters, "sync", sync)
			return
		}
		s.log.Warn("fetching duties failed; retrying", "epoch", epoch, "attempt", attempt+1, "err", err)
		if !s.cfg.Now().Before(end) {
			return
		}
		t := time.NewTimer(time.Second)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

func count[T any](m map[phase0.Slot][]T) int {
	n := 0
	for _, v := range m {
		n += len(v)
	}
	return n
}

// refreshProposers fetches the epoch's proposer duties again at every slot
// start and keeps the answer when its dependent root differs. The duties of
// an epoch are fetched one epoch ahead, and they are final only once the
// beacon node has the last block of the previous epoch (beacon-APIs'
// dependent_root): a beacon node that lags the clock answers from an older
// head, and the DV would propose in another validator's slot and miss its
// own. Lighthouse's validator client polls proposer duties every slot for
// the same reason. A failed or slow fetch keeps what is known.
func (s *Scheduler) refreshProposers(ctx context.Context, epoch phase0.Epoch, ed *epochDuties) {
	if len(s.indices) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Clock.SlotDuration/6)
	defer cancel()
	prop, err := s.cfg.Duties.ProposerDuties(ctx, epoch)
	if err != nil {
		s.log.Debug("refreshing proposer duties failed; keeping the known ones", "epoch", epoch, "err", err)
		return
	}
	if prop.DependentRoot == ed.proposerRoot {
		return
	}
	proposers := map[phase0.Slot][]*spec.ProposerDuty{}
	for _, d := range prop.Duties {
		if pk, ok := s.cfg.Validators[d.ValidatorIndex]; !ok || pk != d.PubKey {
			continue
		}
		proposers[d.Slot] = append(proposers[d.Slot], spec.ProposerDutyFromAPI(d))
	}
	// Prysm answers for the next epoch under its head's root, so the root
	// changes every epoch; only a change of the duties is news.
	lvl := slog.LevelDebug
	if !sameProposers(ed.proposers, proposers) {
		lvl = slog.LevelInfo
	}
	s.log.Log(ctx, lvl, "proposer duties under a new dependent root", "epoch", epoch,
		"old_root", fmt.Sprintf("%#x", ed.proposerRoot[:]), "new_root", fmt.Sprintf("%#x", prop.DependentRoot[:]),
		"old", count(ed.proposers), "new", count(proposers))
	s.mu.Lock()
	ed.proposers, ed.proposerRoot = proposers, prop.DependentRoot
	s.mu.Unlock()
}

func sameProposers(a, b map[phase0.Slot][]*spec.ProposerDuty) bool {
	if len(a) != len(b) {
		return false
	}
	for slot, da := range a {
		db := b[slot]
		if len(da) != len(db) {
			return false
		}
		for i := range da {
			if da[i].ValidatorIndex != db[i].ValidatorIndex || da[i].Pubkey != db[i].Pubkey {
				return false
			}
		}
	}
	return true
}

func (s *Scheduler) fetchOnce(ctx context.Context, epoch phase0.Epoch) (*epochDuties, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ed := &epochDuties{proposers: map[phase0.Slot][]*spec.ProposerDuty{}, attesters: map[phase0.Slot][]*spec.AttestationDuty{}}
	if len(s.indices) == 0 {
		ed.ok, ed.syncOK = true, true
		return ed, nil
	}
	att, err := s.cfg.Duties.AttesterDuties(ctx, epoch, s.indices)
	if err != nil {
		return nil, fmt.Errorf("attester duties: %w", err)
	}
	for _, d := range att.Duties {
		if pk, ok := s.cfg.Validators[d.ValidatorIndex]; !ok || pk != d.PubKey {
			continue
		}
		ed.attesters[d.Slot] = append(ed.attesters[d.Slot], spec.AttestationDutyFromAPI(d))
	}
	prop, err := s.cfg.Duties.ProposerDuties(ctx, epoch)
	if err != nil {
		return nil, fmt.Errorf("proposer duties: %w", err)
	}
	for _, d := range prop.Duties {
		if pk, ok := s.cfg.Validators[d.ValidatorIndex]; !ok || pk != d.PubKey {
			continue
		}
		ed.proposers[d.Slot] = append(ed.proposers[d.Slot], spec.ProposerDutyFromAPI(d))
	}
	ed.proposerRoot = prop.DependentRoot
	ed.ok = true
	if !s.cfg.NoSync && s.syncAt(s.cfg.Clock.EpochStart(epoch)) {
		var sd []*apiv1.SyncCommitteeDuty
		if sd, err = s.cfg.Duties.SyncCommitteeDuties(ctx, epoch, s.indices); err != nil {
			return nil, fmt.Errorf("sync committee duties: %w", err)
		}
		for _, d := range sd {
			if pk, ok := s.cfg.Validators[d.ValidatorIndex]; !ok || pk != d.PubKey {
				continue
			}
			ed.sync = append(ed.sync, spec.SyncCommitteeDutyFromAPI(d))
		}
		sort.Slice(ed.sync, func(a, b int) bool { return ed.sync[a].ValidatorIndex < ed.sync[b].ValidatorIndex })
	}
	ed.syncOK = true
	return ed, nil
}
