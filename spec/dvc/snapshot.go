package dvc

import (
	"fmt"
	"slices"

	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/slashing"
	"github.com/dvspec/go-dvspec/spec/sszutil"
)

// BucketRef names a bucket of received shares: the slot and the message
// root (networking.Message.MessageRoot) of its shares.
type BucketRef struct {
	Slot        phase0.Slot
	MessageRoot phase0.Root `ssz-size:"32"`
}

// PendingBlock is a decided block waiting for the validator client's
// signature (VC-middleware mode).
type PendingBlock struct {
	Duty  *spec.ProposerDuty
	Block *networking.VersionedBlock
}

// SyncInstance is a sync committee consensus instance and whether it has
// decided.
type SyncInstance struct {
	Duty              *spec.SyncCommitteeDuty
	Slot              phase0.Slot
	SubcommitteeIndex uint64
	Decided           bool
}

// AttesterSnapshot is the attestation part of DVCStateSnapshot (Dafny main
// DVCState). Optional values are lists of at most one element; maps are
// lists sorted by slot (shares by slot, message root, share index).
type AttesterSnapshot struct {
	CurrentDuty       []*spec.AttestationDuty        `ssz-max:"1"`
	LatestDuty        []*spec.AttestationDuty        `ssz-max:"1"`
	DutyQueue         []*spec.AttestationDuty        `ssz-max:"65536"`
	ActiveInstances   []*spec.AttestationDuty        `ssz-max:"65536"`
	ReceivedShares    []*networking.AttestationShare `ssz-max:"65536"`
	CombinedMessages  []*BucketRef                   `ssz-max:"65536"`
	SharesToBroadcast []*networking.AttestationShare `ssz-max:"65536"`
	FutureDecided     []*phase0.AttestationData      `ssz-max:"65536"`
	AwaitingVC        []*PendingAttestation          `ssz-max:"65536"`
	CompletedSlots    []uint64                       `ssz-max:"65536"`
}

// ProposerSnapshot is the block part of DVCStateSnapshot (Dafny v2
// NonInstrBlockDVCState).
type ProposerSnapshot struct {
	CurrentDuty             []*spec.ProposerDuty        `ssz-max:"1"`
	LatestDuty              []*spec.ProposerDuty        `ssz-max:"1"`
	ActiveInstances         []*ProposerValidity         `ssz-max:"65536"`
	ReceivedRandaoShares    []*networking.RandaoShare   `ssz-max:"65536"`
	RandaoSharesToBroadcast []*networking.RandaoShare   `ssz-max:"65536"`
	ReceivedBlockShares     []*networking.BlockShare    `ssz-max:"65536"`
	CombinedBlocks          []*BucketRef                `ssz-max:"65536"`
	BlockSharesToBroadcast  []*networking.BlockShare    `ssz-max:"65536"`
	FutureDecided           []*phase0.BeaconBlockHeader `ssz-max:"65536"`
	AwaitingVC              []*PendingBlock             `ssz-max:"65536"`
	CompletedSlots          []uint64                    `ssz-max:"65536"`
}

// SyncCommitteeSnapshot is the sync committee part of DVCStateSnapshot. The
// latest sync duty is the active instance with the highest slot.
type SyncCommitteeSnapshot struct {
	ActiveInstances   []*SyncInstance                         `ssz-max:"65536"`
	ReceivedShares    []*networking.SyncCommitteeMessageShare `ssz-max:"65536"`
	CombinedMessages  []*BucketRef                            `ssz-max:"65536"`
	SharesToBroadcast []*networking.SyncCommitteeMessageShare `ssz-max:"65536"`
	AwaitingVC        []*altair.SyncCommitteeContribution     `ssz-max:"65536"`
}

// DVCStateSnapshot is the SSZ container of a State: every field, maps as
// lists sorted by slot. Its encoding and hash tree root are what the
// conformance vectors state as pre- and post-states.
type DVCStateSnapshot struct {
	SlashingDB    *slashing.SlashingDB
	Attester      *AttesterSnapshot
	Proposer      *ProposerSnapshot
	SyncCommittee *SyncCommitteeSnapshot
}

func opt[T any](p *T) []*T {
	if p == nil {
		return []*T{}
	}
	return []*T{p}
}

func values[V any](m map[phase0.Slot]V) []V {
	out := make([]V, 0, len(m))
	for _, s := range sortedKeys(m) {
		out = append(out, m[s])
	}
	return out
}

func slotList(m map[phase0.Slot]bool) []uint64 {
	out := make([]uint64, 0, len(m))
	for _, s := range sortedKeys(m) {
		out = append(out, uint64(s))
	}
	return out
}

// Snapshot returns the state as a DVCStateSnapshot. The snapshot shares
// values with the state: do not modify it.
func (s *State) Snapshot() *DVCStateSnapshot {
	a, p, y := &s.att, &s.prop, &s.sync
	att := &AttesterSnapshot{
		CurrentDuty:       opt(a.current),
		LatestDuty:        opt(a.latest),
		DutyQueue:         append([]*spec.AttestationDuty{}, a.queue...),
		ActiveInstances:   values(a.instances),
		SharesToBroadcast: values(a.toBroadcast),
		FutureDecided:     values(a.futureDecided),
		AwaitingVC:        values(a.awaitingVC),
		CompletedSlots:    slotList(a.completed),
	}
	att.ReceivedShares, att.CombinedMessages = a.rcvd.all()
	prop := &ProposerSnapshot{
		CurrentDuty:             opt(p.current),
		LatestDuty:              opt(p.latest),
		ActiveInstances:         values(p.instances),
		RandaoSharesToBroadcast: values(p.randaoToBroadcast),
		BlockSharesToBroadcast:  values(p.blockToBroadcast),
		FutureDecided:           values(p.futureDecided),
		CompletedSlots:          slotList(p.completed),
	}
	prop.ReceivedRandaoShares, _ = p.rcvdRandao.all()
	prop.ReceivedBlockShares, prop.CombinedBlocks = p.rcvdBlocks.all()
	for _, pb := range values(p.awaitingVC) {
		prop.AwaitingVC = append(prop.AwaitingVC, &PendingBlock{Duty: pb.duty, Block: pb.versioned})
	}
	sync := &SyncCommitteeSnapshot{
		SharesToBroadcast: values(y.toBroadcast),
		AwaitingVC:        values(y.awaitingVC),
	}
	for _, inst := range values(y.instances) {
		v := inst.validity
		sync.ActiveInstances = append(sync.ActiveInstances, &SyncInstance{Duty: v.Duty, Slot: v.Slot, SubcommitteeIndex: v.SubcommitteeIndex, Decided: inst.decided})
	}
	sync.ReceivedShares, sync.CombinedMessages = y.rcvd.all()
	normalizeNil(att, prop, sync)
	return &DVCStateSnapshot{SlashingDB: s.db, Attester: att, Proposer: prop, SyncCommittee: sync}
}

// normalizeNil makes every list non-nil, so a snapshot and its decoded copy
// compare equal.
func normalizeNil(a *AttesterSnapshot, p *ProposerSnapshot, y *SyncCommitteeSnapshot) {
	if a.ReceivedShares == nil {
		a.ReceivedShares = []*networking.AttestationShare{}
	}
	if a.CombinedMessages == nil {
		a.CombinedMessages = []*BucketRef{}
	}
	if p.ReceivedRandaoShares == nil {
		p.ReceivedRandaoShares = []*networking.RandaoShare{}
	}
	if p.ReceivedBlockShares == nil {
		p.ReceivedBlockShares = []*networking.BlockShare{}
	}
	if p.CombinedBlocks == nil {
		p.CombinedBlocks = []*BucketRef{}
	}
	if p.AwaitingVC == nil {
		p.AwaitingVC = []*PendingBlock{}
	}
	if y.ActiveInstances == nil {
		y.ActiveInstances = []*SyncInstance{}
	}
	if y.ReceivedShares == nil {
		y.ReceivedShares = []*networking.SyncCommitteeMessageShare{}
	}
	if y.CombinedMessages == nil {
		y.CombinedMessages = []*BucketRef{}
	}
}

// HashTreeRoot is the hash tree root of the state's snapshot.
func (s *State) HashTreeRoot() (phase0.Root, error) {
	r, err := s.Snapshot().HashTreeRoot()
	return r, err
}

// DecodeSnapshot decodes an SSZ-encoded DVCStateSnapshot; the encoding must
// be canonical.
func DecodeSnapshot(b []byte) (*DVCStateSnapshot, error) {
	snap := new(DVCStateSnapshot)
	if err := sszutil.DecodeCanonical(b, snap); err != nil {
		return nil, fmt.Errorf("%w: snapshot: %w", ErrInvalidState, err)
	}
	return snap, nil
}

// StateFromSnapshot rebuilds a State from its snapshot (a conformance
// vector's pre-state). It checks the structure: every duty, share and
// instance belongs to cfg's validator, slots are unique, at most one share
// per signer and slot, shares and instances sit at the slots they name.
// Share signatures are not re-verified: a snapshot is trusted state, not
// network input.
func StateFromSnapshot(cfg *Config, snap *DVCStateSnapshot) (*State, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if snap == nil || snap.SlashingDB == nil || snap.Attester == nil || snap.Proposer == nil || snap.SyncCommittee == nil {
		return nil, fmt.Errorf("%w: incomplete snapshot", ErrInvalidState)
	}
	bad := func(format string, args ...any) (*State, error) {
		return nil, fmt.Errorf("%w: "+format, append([]any{ErrInvalidState}, args...)...)
	}
	st := &State{db: snap.SlashingDB.Clone()}
	vi, pk := cfg.Validator.Index, cfg.Validator.Pubkey
	okAtt := func(d *spec.AttestationDuty) bool { return d != nil && d.Pubkey == pk && d.ValidatorIndex == vi }
	okProp := func(d *spec.ProposerDuty) bool { return d != nil && d.Pubkey == pk && d.ValidatorIndex == vi }

	// Attester part.
	as := snap.Attester
	a := attesterState{}.thaw()
	if len(as.CurrentDuty) > 1 || len(as.LatestDuty) > 1 {
		return bad("optional duty with more than one element")
	}
	if len(as.CurrentDuty) == 1 {
		a.current = as.CurrentDuty[0]
	}
	if len(as.LatestDuty) == 1 {
		a.latest = as.LatestDuty[0]
	}
	for _, d := range append(append(slices.Clone(as.DutyQueue), as.CurrentDuty...), as.LatestDuty...) {
		if !okAtt(d) {
			return bad("attestation duty of another validator")
		}
	}
	a.queue = slices.Clone(as.DutyQueue)
	for _, d := range as.ActiveInstances {
		if !okAtt(d) || a.instances[d.Slot] != nil {
			return bad("attester instance of another validator or repeated slot")
		}
		a.instances[d.Slot] = d
	}
	if err := fillBook(&a.rcvd, as.ReceivedShares, as.CombinedMessages, vi); err != nil {
		return nil, err
	}
	for _, s := range as.SharesToBroadcast {
		if s == nil || s.Data == nil || s.ValidatorIndex != vi || a.toBroadcast[s.Data.Slot] != nil {
			return bad("attestation share to broadcast")
		}
		a.toBroadcast[s.Data.Slot] = s
	}
	for _, d := range as.FutureDecided {
		if checkData(d) != nil || a.futureDecided[d.Slot] != nil {
			return bad("future decided attestation data")
		}
		a.futureDecided[d.Slot] = d
	}
	for _, pa := range as.AwaitingVC {
		if pa == nil || !okAtt(pa.Duty) || checkData(pa.Data) != nil || pa.Data.Slot != pa.Duty.Slot || a.awaitingVC[pa.Duty.Slot] != nil {
			return bad("pending VC attestation")
		}
		a.awaitingVC[pa.Duty.Slot] = pa
	}
	for _, s := range as.CompletedSlots {
		a.completed[phase0.Slot(s)] = true
	}
	st.att = a

	// Proposer part.
	ps := snap.Proposer
	p := proposerState{}.thaw()
	if len(ps.CurrentDuty) > 1 || len(ps.LatestDuty) > 1 {
		return bad("optional duty with more than one element")
	}
	if len(ps.CurrentDuty) == 1 {
		if p.current = ps.CurrentDuty[0]; !okProp(p.current) {
			return bad("proposer duty of another validator")
		}
	}
	if len(ps.LatestDuty) == 1 {
		if p.latest = ps.LatestDuty[0]; !okProp(p.latest) {
			return bad("proposer duty of another validator")
		}
	}
	for _, v := range ps.ActiveInstances {
		if v == nil || !okProp(v.Duty) || p.instances[v.Duty.Slot] != nil {
			return bad("proposer instance")
		}
		p.instances[v.Duty.Slot] = v
	}
	if err := fillBook(&p.rcvdRandao, ps.ReceivedRandaoShares, nil, vi); err != nil {
		return nil, err
	}
	if err := fillBook(&p.rcvdBlocks, ps.ReceivedBlockShares, ps.CombinedBlocks, vi); err != nil {
		return nil, err
	}
	for _, s := range ps.RandaoSharesToBroadcast {
		if s == nil || s.ValidatorIndex != vi || p.randaoToBroadcast[s.Slot] != nil {
			return bad("RANDAO share to broadcast")
		}
		p.randaoToBroadcast[s.Slot] = s
	}
	for _, s := range ps.BlockSharesToBroadcast {
		if s == nil {
			return bad("block share to broadcast")
		}
		slot, err := s.SignedSlot()
		v, verr := s.Validator()
		if err != nil || verr != nil || v != vi || p.blockToBroadcast[slot] != nil {
			return bad("block share to broadcast")
		}
		p.blockToBroadcast[slot] = s
	}
	for _, h := range ps.FutureDecided {
		if h == nil || p.futureDecided[h.Slot] != nil {
			return bad("future decided block")
		}
		p.futureDecided[h.Slot] = h
	}
	for _, pb := range ps.AwaitingVC {
		if pb == nil || !okProp(pb.Duty) || p.awaitingVC[pb.Duty.Slot] != nil {
			return bad("pending VC block")
		}
		b, err := pb.Block.Decode(cfg.Chain)
		if err != nil {
			return bad("pending VC block: %v", err)
		}
		p.awaitingVC[pb.Duty.Slot] = &pendingBlock{duty: pb.Duty, block: b, versioned: pb.Block}
	}
	for _, s := range ps.CompletedSlots {
		p.completed[phase0.Slot(s)] = true
	}
	st.prop = p

	// Sync committee part.
	ys := snap.SyncCommittee
	y := syncState{}.thaw()
	for _, in := range ys.ActiveInstances {
		if in == nil || in.Duty == nil || in.Duty.Pubkey != pk || in.Duty.ValidatorIndex != vi || y.instances[in.Slot] != nil {
			return bad("sync committee instance")
		}
		inst := &syncInstance{validity: SyncCommitteeValidity{Duty: in.Duty, Slot: in.Slot, SubcommitteeIndex: in.SubcommitteeIndex}, decided: in.Decided}
		y.instances[in.Slot] = inst
		if y.latest == nil || in.Slot > y.latest.validity.Slot {
			y.latest = inst
		}
	}
	if err := fillBook(&y.rcvd, ys.ReceivedShares, ys.CombinedMessages, vi); err != nil {
		return nil, err
	}
	for _, s := range ys.SharesToBroadcast {
		if s == nil || s.ValidatorIndex != vi || y.toBroadcast[s.Slot] != nil {
			return bad("sync committee share to broadcast")
		}
		y.toBroadcast[s.Slot] = s
	}
	for _, c := range ys.AwaitingVC {
		if c == nil || y.awaitingVC[c.Slot] != nil {
			return bad("pending VC contribution")
		}
		y.awaitingVC[c.Slot] = c
	}
	st.sync = y
	return st, nil
}

// fillBook rebuilds a share book from a snapshot's share list and combined
// buckets.
func fillBook[M networking.Message](b *shareBook[M], shares []M, combined []*BucketRef, vi phase0.ValidatorIndex) error {
	for _, s := range shares {
		if isNilMessage(s) {
			return fmt.Errorf("%w: nil share", ErrInvalidState)
		}
		v, err := s.Validator()
		if err != nil || v != vi {
			return fmt.Errorf("%w: received share of another validator", ErrInvalidState)
		}
		slot, err := s.SignedSlot()
		if err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidState, err)
		}
		root, err := s.MessageRoot()
		if err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidState, err)
		}
		if roots := b.signerRoots(slot, s.Signer()); slices.Contains(roots, root) {
			return fmt.Errorf("%w: two shares of signer %d for one message at slot %d", ErrInvalidState, s.Signer(), slot)
		} else if len(roots) > MaxMessagesPerSigner {
			return fmt.Errorf("%w: more than %d messages of signer %d at slot %d", ErrInvalidState, MaxMessagesPerSigner+1, s.Signer(), slot)
		}
		if b.count >= MaxStoredShares {
			return fmt.Errorf("%w: too many shares", ErrInvalidState)
		}
		b.with(slot, root, s)
	}
	for _, ref := range combined {
		if ref == nil || b.bucket(ref.Slot, ref.MessageRoot) == nil {
			return fmt.Errorf("%w: combined bucket without shares", ErrInvalidState)
		}
		b.markSubmitted(ref.Slot, ref.MessageRoot)
	}
	return nil
}
