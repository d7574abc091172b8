package dvc

import (
	"bytes"
	"maps"
	"slices"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

// MaxStoredShares bounds the received shares of each kind a state holds
// (and the SSZ lists of the snapshot). Beyond it new shares are dropped
// (Ignored share_store_full); with at most MaxMessagesPerSigner messages
// per signer and slot and the slot horizon (amendment A8) an honest
// cluster never reaches it.
const MaxStoredShares = 1 << 16

// MaxMessagesPerSigner bounds the distinct messages (message roots) of one
// signer stored for one slot (amendment A22). An honest signer sends one;
// the others are room for copies of its share whose unsigned fields a
// relay altered (they verify, since the signature does not cover those
// fields) and for a byzantine signer's second messages, so that neither
// can keep the genuine share out. A share whose unsigned fields match what
// this node knows the slot needs is admitted beyond the bound once per
// signer and slot (see admitShare), so forged copies that arrive before
// the duty cannot exhaust the room either.
const MaxMessagesPerSigner = 4

// MaxStateList bounds every other per-slot collection of the state (duty
// queue, instances, shares to broadcast, decisions learnt from blocks,
// completed slots); it is the SSZ list limit of the snapshot.
const MaxStateList = 1 << 16

// State is the dynamic state of one co-validator of one distributed
// validator: everything the Dafny DVCState (attestations, branch main) and
// NonInstrBlockDVCState (blocks, branch internal_dvt_proofs_v2) hold that
// changes, plus the sync committee and VC-middleware state.
//
// A State is immutable: Step returns a new State and never changes the one
// it is given, so a caller may keep both (the conformance vectors state a
// pre-state and a post-state). The new state shares every unchanged part
// with the old one; a part that changes is copied first (the slashing DB
// by its record pointers, which is O(history) pointer copies and only when
// the DB changes). Read it through its accessors and Snapshot.
type State struct {
	db   *slashing.SlashingDB
	att  attesterState
	prop proposerState
	sync syncState
}

// attesterState is the attestation part (Dafny main DVCState).
type attesterState struct {
	current       *spec.AttestationDuty                        // current_attestation_duty
	latest        *spec.AttestationDuty                        // latest_attestation_duty
	queue         []*spec.AttestationDuty                      // attestation_duties_queue
	instances     map[phase0.Slot]*spec.AttestationDuty        // active_attestation_consensus_instances
	rcvd          shareBook[*networking.AttestationShare]      // rcvd_attestation_shares
	toBroadcast   map[phase0.Slot]*networking.AttestationShare // attestation_shares_to_broadcast
	futureDecided map[phase0.Slot]*phase0.AttestationData      // future_att_consensus_instances_already_decided
	awaitingVC    map[phase0.Slot]*PendingAttestation          // VC-middleware: decided, not yet signed by the VC
	completed     map[phase0.Slot]bool                         // slots an imported block cleaned up (amendment A6)
}

// PendingAttestation is a decided attestation waiting for the validator
// client's signature (VC-middleware mode).
type PendingAttestation struct {
	Duty *spec.AttestationDuty
	Data *phase0.AttestationData
}

// proposerState is the block part (Dafny v2 NonInstrBlockDVCState).
type proposerState struct {
	current           *spec.ProposerDuty                        // current_proposer_duty
	latest            *spec.ProposerDuty                        // latest_proposer_duty
	instances         map[phase0.Slot]*ProposerValidity         // block_consensus_engine_state.active_consensus_instances
	rcvdRandao        shareBook[*networking.RandaoShare]        // rcvd_randao_shares
	randaoToBroadcast map[phase0.Slot]*networking.RandaoShare   // randao_shares_to_broadcast
	rcvdBlocks        shareBook[*networking.BlockShare]         // rcvd_block_shares
	blockToBroadcast  map[phase0.Slot]*networking.BlockShare    // block_shares_to_broadcast
	futureDecided     map[phase0.Slot]*phase0.BeaconBlockHeader // future_consensus_instances_on_blocks_already_decided
	awaitingVC        map[phase0.Slot]*pendingBlock             // VC-middleware
	completed         map[phase0.Slot]bool                      // amendment A6
}

type pendingBlock struct {
	duty      *spec.ProposerDuty
	block     *eth2spec.VersionedBeaconBlock
	versioned *networking.VersionedBlock
}

// syncState is the sync committee part (c00dc1e, made event-driven).
type syncState struct {
	latest      *syncInstance
	instances   map[phase0.Slot]*syncInstance
	rcvd        shareBook[*networking.SyncCommitteeMessageShare]
	toBroadcast map[phase0.Slot]*networking.SyncCommitteeMessageShare
	awaitingVC  map[phase0.Slot]*altair.SyncCommitteeContribution
}

type syncInstance struct {
	validity SyncCommitteeValidity
	decided  bool
}

// NewState returns the initial state (Dafny Init): no duty, no instance,
// no share, and a copy of the given slashing DB (an empty one for the
// chain's genesis validators root when db is nil). It validates cfg.
func NewState(cfg *Config, db *slashing.SlashingDB) (*State, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if db == nil {
		db = slashing.New(cfg.Chain.GenesisValidatorsRoot)
	} else {
		db = db.Clone()
	}
	return &State{db: db}, nil
}

// SlashingDB returns a copy of the state's slashing DB.
func (s *State) SlashingDB() *slashing.SlashingDB { return s.db.Clone() }

// CurrentAttestationDuty is Dafny current_attestation_duty (nil when idle).
func (s *State) CurrentAttestationDuty() *spec.AttestationDuty { return s.att.current }

// LatestAttestationDuty is Dafny latest_attestation_duty.
func (s *State) LatestAttestationDuty() *spec.AttestationDuty { return s.att.latest }

// AttestationDutyQueue is Dafny attestation_duties_queue.
func (s *State) AttestationDutyQueue() []*spec.AttestationDuty { return slices.Clone(s.att.queue) }

// CurrentProposerDuty is Dafny current_proposer_duty.
func (s *State) CurrentProposerDuty() *spec.ProposerDuty { return s.prop.current }

// LatestProposerDuty is Dafny latest_proposer_duty.
func (s *State) LatestProposerDuty() *spec.ProposerDuty { return s.prop.latest }

// ActiveInstances returns the running consensus instances of every duty
// type (Dafny active_*_consensus_instances.Keys), sorted by duty type and
// slot.
func (s *State) ActiveInstances(cfg *Config) []consensus.InstanceID {
	var out []consensus.InstanceID
	for _, slot := range sortedKeys(s.att.instances) {
		out = append(out, cfg.instanceID(consensus.DutyAttester, slot))
	}
	for _, slot := range sortedKeys(s.prop.instances) {
		out = append(out, cfg.instanceID(consensus.DutyProposer, slot))
	}
	for _, slot := range sortedKeys(s.sync.instances) {
		out = append(out, cfg.instanceID(consensus.DutySyncCommittee, slot))
	}
	return out
}

// maxLatestSlot is the highest slot of any duty served so far: the
// reference of the share horizon (amendment A8).
func (s *State) maxLatestSlot() (phase0.Slot, bool) {
	var (
		m  phase0.Slot
		ok bool
	)
	see := func(slot phase0.Slot) {
		if !ok || slot > m {
			m, ok = slot, true
		}
	}
	if s.att.latest != nil {
		see(s.att.latest.Slot)
	}
	if s.prop.latest != nil {
		see(s.prop.latest.Slot)
	}
	if s.sync.latest != nil {
		see(s.sync.latest.validity.Slot)
	}
	return m, ok
}

func sortedKeys[V any](m map[phase0.Slot]V) []phase0.Slot {
	return slices.Sorted(maps.Keys(m))
}

func cloneMap[V any](m map[phase0.Slot]V) map[phase0.Slot]V {
	if m == nil {
		return map[phase0.Slot]V{}
	}
	return maps.Clone(m)
}

// thaw returns a copy of the attester state whose maps and slices may be
// changed without touching the original (values are never mutated in
// place, so copying the containers suffices).
func (a attesterState) thaw() attesterState {
	a.queue = slices.Clone(a.queue)
	a.instances = cloneMap(a.instances)
	a.rcvd = a.rcvd.thaw()
	a.toBroadcast = cloneMap(a.toBroadcast)
	a.futureDecided = cloneMap(a.futureDecided)
	a.awaitingVC = cloneMap(a.awaitingVC)
	a.completed = cloneMap(a.completed)
	return a
}

func (p proposerState) thaw() proposerState {
	p.instances = cloneMap(p.instances)
	p.rcvdRandao = p.rcvdRandao.thaw()
	p.randaoToBroadcast = cloneMap(p.randaoToBroadcast)
	p.rcvdBlocks = p.rcvdBlocks.thaw()
	p.blockToBroadcast = cloneMap(p.blockToBroadcast)
	p.futureDecided = cloneMap(p.futureDecided)
	p.awaitingVC = cloneMap(p.awaitingVC)
	p.completed = cloneMap(p.completed)
	return p
}

func (y syncState) thaw() syncState {
	y.instances = cloneMap(y.instances)
	y.rcvd = y.rcvd.thaw()
	y.toBroadcast = cloneMap(y.toBroadcast)
	y.awaitingVC = cloneMap(y.awaitingVC)
	return y
}

// shareBook holds the received shares of one kind: per slot, buckets of
// shares of the same message (the Dafny rcvd_*_shares map slot -> message
// -> set of shares), a few messages per signer and slot (amendment A22),
// and whether a bucket was already combined and submitted (amendment A5).
type shareBook[M networking.Message] struct {
	slots map[phase0.Slot]*slotShares[M]
	count int
}

type slotShares[M networking.Message] struct {
	buckets  map[phase0.Root]*bucket[M]
	bySigner map[uint64][]phase0.Root // message roots, in arrival order
}

type bucket[M networking.Message] struct {
	shares    map[uint64]M
	submitted bool
}

// thaw copies the outer map; slots are copied when they change (with).
func (b shareBook[M]) thaw() shareBook[M] {
	b.slots = cloneMap(b.slots)
	return b
}

// signerRoots returns the message roots of the shares signer sent for
// slot, in arrival order.
func (b shareBook[M]) signerRoots(slot phase0.Slot, signer uint64) []phase0.Root {
	if ss := b.slots[slot]; ss != nil {
		return ss.bySigner[signer]
	}
	return nil
}

// signerShares returns the shares signer sent for slot, in arrival order.
func (b shareBook[M]) signerShares(slot phase0.Slot, signer uint64) []M {
	ss := b.slots[slot]
	if ss == nil {
		return nil
	}
	var out []M
	for _, r := range ss.bySigner[signer] {
		if bk := ss.buckets[r]; bk != nil {
			out = append(out, bk.shares[signer])
		}
	}
	return out
}

func (b shareBook[M]) bucket(slot phase0.Slot, root phase0.Root) *bucket[M] {
	if ss := b.slots[slot]; ss != nil {
		return ss.buckets[root]
	}
	return nil
}

// with adds share to the bucket (slot, root) and returns the new bucket.
// The book must have been thawed.
func (b *shareBook[M]) with(slot phase0.Slot, root phase0.Root, share M) *bucket[M] {
	old := b.slots[slot]
	ss := &slotShares[M]{buckets: map[phase0.Root]*bucket[M]{}, bySigner: map[uint64][]phase0.Root{}}
	if old != nil {
		ss.buckets = maps.Clone(old.buckets)
		ss.bySigner = maps.Clone(old.bySigner)
	}
	nb := &bucket[M]{shares: map[uint64]M{}}
	if ob := ss.buckets[root]; ob != nil {
		nb.shares = maps.Clone(ob.shares)
		nb.submitted = ob.submitted
	}
	nb.shares[share.Signer()] = share
	ss.buckets[root] = nb
	if !slices.Contains(ss.bySigner[share.Signer()], root) {
		// A new slice: the old state may share the previous one.
		ss.bySigner[share.Signer()] = append(slices.Clone(ss.bySigner[share.Signer()]), root)
	}
	b.slots[slot] = ss
	b.count++
	return nb
}

// markSubmitted records that the bucket (slot, root) was combined.
func (b *shareBook[M]) markSubmitted(slot phase0.Slot, root phase0.Root) {
	old := b.slots[slot]
	if old == nil || old.buckets[root] == nil {
		return
	}
	ss := &slotShares[M]{buckets: maps.Clone(old.buckets), bySigner: old.bySigner}
	nb := *old.buckets[root]
	nb.submitted = true
	ss.buckets[root] = &nb
	b.slots[slot] = ss
}

// drop removes every share of the given slots.
func (b *shareBook[M]) drop(slots func(phase0.Slot) bool) {
	for slot, ss := range b.slots {
		if slots(slot) {
			for _, bk := range ss.buckets {
				b.count -= len(bk.shares)
			}
			delete(b.slots, slot)
		}
	}
}

// sortedShares returns the bucket's shares by ascending share index.
func (bk *bucket[M]) sortedShares() []M {
	out := make([]M, 0, len(bk.shares))
	for _, i := range slices.Sorted(maps.Keys(bk.shares)) {
		out = append(out, bk.shares[i])
	}
	return out
}

// all returns every share, sorted by (slot, message root, share index), and
// the submitted buckets, sorted by (slot, message root).
func (b shareBook[M]) all() (shares []M, submitted []*BucketRef) {
	for _, slot := range sortedKeys(b.slots) {
		ss := b.slots[slot]
		roots := slices.SortedFunc(maps.Keys(ss.buckets), func(x, y phase0.Root) int { return bytes.Compare(x[:], y[:]) })
		for _, r := range roots {
			bk := ss.buckets[r]
			shares = append(shares, bk.sortedShares()...)
			if bk.submitted {
				submitted = append(submitted, &BucketRef{Slot: slot, MessageRoot: r})
			}
		}
	}
	return shares, submitted
}

func minSlot[V any](m map[phase0.Slot]V) (phase0.Slot, bool) {
	if len(m) == 0 {
		return 0, false
	}
	var lo phase0.Slot
	first := true
	for k := range m {
		if first || k < lo {
			lo, first = k, false
		}
	}
	return lo, true
}
