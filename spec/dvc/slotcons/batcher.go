package slotcons

import (
	"fmt"
	"sort"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// Predicate returns the validity predicate of a per-validator instance (a
// driver passes dvc.ValidityFor of the validator's latest state), or nil
// when the node no longer knows the instance.
type Predicate func(id consensus.InstanceID) func(value []byte) error

// Member is one per-validator instance in a slot instance.
type Member struct {
	Start dvc.StartConsensus
	// Excluded is why the member no longer takes part in the slot
	// predicate (Screen): its own predicate refused this node's own
	// candidate value. It still receives the decision.
	Excluded string
}

// Delivery is a decided event for one validator's state machine.
type Delivery struct {
	// Validator is the validator whose state machine gets Event.
	Validator phase0.BLSPubKey
	Event     dvc.Event
}

// batch is one slot instance.
type batch struct {
	members map[phase0.BLSPubKey]*Member
	decided []byte // nil until decided
}

// Batcher holds a node's slot instances. The zero value is not usable;
// use New.
type Batcher struct {
	cluster phase0.Root
	chain   signing.Chain
	batches map[consensus.InstanceID]*batch
}

// New returns an empty Batcher for a cluster on chain.
func New(cluster phase0.Root, chain signing.Chain) *Batcher {
	return &Batcher{cluster: cluster, chain: chain, batches: map[consensus.InstanceID]*batch{}}
}

// Added is what Add tells the driver.
type Added struct {
	// Slot is the slot instance the per-validator instance joined.
	Slot consensus.InstanceID
	// Start: the slot instance is new; the driver starts it (QBFT, with
	// Validity as its predicate, and this node's candidate value).
	Start bool
	// Deliver is the member's decided event when the slot instance had
	// already decided (a duty that started late here: its validator
	// queued it behind an undecided one, or this node's beacon node gave
	// it late).
	Deliver []Delivery
}

// Add batches a StartConsensus output of a validator's state machine into
// the slot instance of its slot and duty kind, creating it if needed.
//
// It is this spec's (amendment A25): ssv-spec's committee runner takes
// every validator duty of the committee and slot into one consensus;
// charon's scheduler one per slot and duty type.
func (b *Batcher) Add(start dvc.StartConsensus) (Added, error) {
	id := start.ID
	if id.Cluster != b.cluster {
		return Added{}, fmt.Errorf("%w: instance %s", ErrWrongCluster, id)
	}
	sid, err := SlotInstanceID(b.cluster, consensus.DutyType(id.DutyType), id.Slot)
	if err != nil {
		return Added{}, err
	}
	switch consensus.DutyType(id.DutyType) {
	case consensus.DutyAttester:
		if start.Attester == nil || start.Attester.Slot != id.Slot || start.Attester.Pubkey != id.Validator {
			return Added{}, fmt.Errorf("%w: attester instance %s without its duty", ErrMalformed, id)
		}
	case consensus.DutySyncCommittee:
		if start.SyncCommittee == nil || start.SyncCommittee.Duty == nil || start.SyncCommittee.Slot != id.Slot || start.SyncCommittee.Duty.Pubkey != id.Validator {
			return Added{}, fmt.Errorf("%w: sync committee instance %s without its validity input", ErrMalformed, id)
		}
	}
	bt := b.batches[sid]
	if bt != nil && bt.members[id.Validator] != nil {
		return Added{}, fmt.Errorf("%w: %s", ErrDuplicateMember, id)
	}
	var deliver []Delivery
	if bt != nil && bt.decided != nil {
		_, ev, err := MemberValue(b.chain, start, bt.decided)
		if err != nil {
			return Added{}, err
		}
		deliver = []Delivery{{Validator: id.Validator, Event: ev}}
	}
	added := Added{Slot: sid, Deliver: deliver}
	if bt == nil {
		bt = &batch{members: map[phase0.BLSPubKey]*Member{}}
		b.batches[sid] = bt
		added.Start = true
	}
	bt.members[id.Validator] = &Member{Start: start}
	return added, nil
}

// Members returns the per-validator instances of a slot instance, sorted
// by validator key (nil if there is none).
func (b *Batcher) Members(sid consensus.InstanceID) []Member {
	bt := b.batches[sid]
	if bt == nil {
		return nil
	}
	out := make([]Member, 0, len(bt.members))
	for _, pk := range sortedKeys(bt.members) {
		out = append(out, *bt.members[pk])
	}
	return out
}

// Decided returns a slot instance's decided value (nil if undecided).
func (b *Batcher) Decided(sid consensus.InstanceID) []byte {
	if bt := b.batches[sid]; bt != nil {
		return bt.decided
	}
	return nil
}

// Validity is the predicate of a slot instance, evaluated when it runs
// (so against the members and slashing DBs of that moment): the value
// passes CheckSlotValue and, for every member not excluded, its own
// predicate accepts the value derived for it (MemberValue). A member whose
// instance the driver no longer knows (pred returns nil) is skipped. The
// error names the first refusing member in key order.
//
// It is this spec's (amendment A25), as ssv-spec checks a BeaconVote
// against every share's slashing protection.
func (b *Batcher) Validity(sid consensus.InstanceID, pred Predicate) func(value []byte) error {
	return func(value []byte) error {
		bt := b.batches[sid]
		if bt == nil {
			return fmt.Errorf("%w: %s", ErrNoBatch, sid)
		}
		if err := CheckSlotValue(b.chain, consensus.DutyType(sid.DutyType), sid.Slot, value); err != nil {
			return err
		}
		for _, pk := range sortedKeys(bt.members) {
			m := bt.members[pk]
			if m.Excluded != "" {
				continue
			}
			if err := memberAccepts(b.chain, m, value, pred); err != nil {
				return fmt.Errorf("%w: validator %#x: %w", ErrMemberRejects, pk[:6], err)
			}
		}
		return nil
	}
}

func memberAccepts(chain signing.Chain, m *Member, value []byte, pred Predicate) error {
	p := pred(m.Start.ID)
	if p == nil {
		return nil
	}
	mv, _, err := MemberValue(chain, m.Start, value)
	if err != nil {
		return err
	}
	return p(mv)
}

// Screen takes this node's own candidate value (from its beacon node) for
// a slot instance and excludes from the slot predicate every member whose
// own predicate refuses the value derived for it, returning them sorted by
// key. Such a validator could not sign this slot's honest value anyway
// (its slashing DB refuses it: an imported or stale history); keeping it
// in the predicate would make this node refuse every value and cost every
// other validator the slot. An excluded member still gets the decision,
// and its state machine refuses it by its own check. A value that fails
// CheckSlotValue excludes no one: the fault is the value's.
//
// It is this spec's (amendment A25; the sources have no slot instance).
func (b *Batcher) Screen(sid consensus.InstanceID, own []byte, pred Predicate) ([]phase0.BLSPubKey, error) {
	bt := b.batches[sid]
	if bt == nil {
		return nil, fmt.Errorf("%w: %s", ErrNoBatch, sid)
	}
	if err := CheckSlotValue(b.chain, consensus.DutyType(sid.DutyType), sid.Slot, own); err != nil {
		return nil, err
	}
	var out []phase0.BLSPubKey
	for _, pk := range sortedKeys(bt.members) {
		m := bt.members[pk]
		if m.Excluded != "" {
			continue
		}
		if err := memberAccepts(b.chain, m, own, pred); err != nil {
			m.Excluded = err.Error()
			out = append(out, pk)
		}
	}
	return out, nil
}

// Decide records the decision of a slot instance and returns every
// member's decided event, sorted by validator key. Each validator's state
// machine then applies its literal rules to its own value, so no
// validator signs what its per-validator form would refuse.
//
// It is this spec's (amendment A25): ssv-spec's committee runner and
// charon's fan-out of one decided value to every duty of the slot.
func (b *Batcher) Decide(sid consensus.InstanceID, value []byte) ([]Delivery, error) {
	bt := b.batches[sid]
	if bt == nil {
		return nil, fmt.Errorf("%w: %s", ErrNoBatch, sid)
	}
	if bt.decided != nil {
		return nil, fmt.Errorf("%w: %s", ErrAlreadyDecided, sid)
	}
	if err := CheckSlotValue(b.chain, consensus.DutyType(sid.DutyType), sid.Slot, value); err != nil {
		return nil, err
	}
	var out []Delivery
	for _, pk := range sortedKeys(bt.members) {
		_, ev, err := MemberValue(b.chain, bt.members[pk].Start, value)
		if err != nil {
			return nil, err
		}
		out = append(out, Delivery{Validator: pk, Event: ev})
	}
	bt.decided = append([]byte(nil), value...)
	return out, nil
}

// Remove takes per-validator instances out of their slot instances (their
// state machine stopped them: StopConsensus). It returns the slot
// instances left without members, sorted; the driver stops them and they
// are forgotten. Unknown IDs are ignored.
func (b *Batcher) Remove(ids ...consensus.InstanceID) []consensus.InstanceID {
	var emptied []consensus.InstanceID
	for _, id := range ids {
		sid, err := SlotInstanceID(b.cluster, consensus.DutyType(id.DutyType), id.Slot)
		if err != nil || id.Cluster != b.cluster {
			continue
		}
		bt := b.batches[sid]
		if bt == nil || bt.members[id.Validator] == nil {
			continue
		}
		delete(bt.members, id.Validator)
		if len(bt.members) == 0 {
			delete(b.batches, sid)
			emptied = append(emptied, sid)
		}
	}
	sort.Slice(emptied, func(i, j int) bool {
		if emptied[i].Slot != emptied[j].Slot {
			return emptied[i].Slot < emptied[j].Slot
		}
		return emptied[i].DutyType < emptied[j].DutyType
	})
	return emptied
}

// Prune forgets the slot instances of slots before slot and returns them,
// sorted (a driver's bound on memory: members whose state machine never
// stopped them, such as decided attestations never seen on chain).
func (b *Batcher) Prune(slot phase0.Slot) []consensus.InstanceID {
	var out []consensus.InstanceID
	for sid := range b.batches {
		if sid.Slot < slot {
			out = append(out, sid)
			delete(b.batches, sid)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Slot != out[j].Slot {
			return out[i].Slot < out[j].Slot
		}
		return out[i].DutyType < out[j].DutyType
	})
	return out
}

func sortedKeys(m map[phase0.BLSPubKey]*Member) []phase0.BLSPubKey {
	out := make([]phase0.BLSPubKey, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return string(out[i][:]) < string(out[j][:]) })
	return out
}
