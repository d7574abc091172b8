package dvc

import (
	"fmt"
	"slices"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

// Step is the co-validator's transition function, Dafny f_process_event
// (DVC_Spec_NonInstr on branch main for attestations, Non_Instr_Block_DVC on
// branch internal_dvt_proofs_v2 for blocks) extended with the sync
// committee flow of c00dc1e and the VC-middleware architecture: it returns
// the state after ev and the outputs ev produces, in order.
//
// Step never changes st. A bad event (nil, a pointer to an event, malformed,
// for another validator or cluster, with an invalid share signature, out of
// order) returns an error wrapping one of the Err* values, st itself and
// no output. An event the model ignores returns an unchanged copy of st
// and an Ignored output saying why. Events are values: a pointer to an
// event is refused (ErrMalformedEvent), so each event has one form in
// traces and vectors.
//
// Step does not recover from panics. Bad input never makes it panic: the
// decoders of outside bytes it calls (sszutil.DecodeCanonical,
// signing.Chain.HashTreeRoot) turn a generated decoder's or hasher's panic
// on malformed input into an error. Any other panic is a bug in the spec
// and surfaces as one, instead of passing for a refused input in a trace
// or a vector.
//
// The new state and the outputs share values with the event (duties, data,
// shares, blocks) and with each other: treat all of them as immutable.
//
// Step checks cfg cheaply; call cfg.Validate (NewState does) once when the
// configuration is built. StepRemoteSigner and StepVCMiddleware are the two
// architecture entry points; Step itself serves both, as cfg.Mode says.
func Step(cfg *Config, st *State, ev Event, o Oracles) (*State, []Output, error) {
	if err := cfg.quickCheck(); err != nil {
		return st, nil, err
	}
	if st == nil || st.db == nil {
		return st, nil, fmt.Errorf("%w: nil state or slashing DB", ErrInvalidState)
	}
	if cfg.Mode == ModeRemoteSigner && o.Signer == nil {
		return st, nil, fmt.Errorf("%w: remote-signer mode without a signer", ErrWrongMode)
	}
	ns := *st
	t := &transition{cfg: cfg, o: o, s: &ns, v: cfg.verifier(o)}
	if err := t.dispatch(ev); err != nil {
		return st, nil, err
	}
	t.finish()
	return t.s, t.out, nil
}

// StepRemoteSigner is Step for the remote-signer architecture (HEAD
// spec.py): cfg.Mode must be ModeRemoteSigner and o.Signer set.
func StepRemoteSigner(cfg *Config, st *State, ev Event, o Oracles) (*State, []Output, error) {
	if cfg == nil || cfg.Mode != ModeRemoteSigner {
		return st, nil, fmt.Errorf("%w: config is not in remote-signer mode", ErrWrongMode)
	}
	return Step(cfg, st, ev, o)
}

// StepVCMiddleware is Step for the VC-middleware architecture (c00dc1e
// spec.py): cfg.Mode must be ModeVCMiddleware; no signer is used.
func StepVCMiddleware(cfg *Config, st *State, ev Event, o Oracles) (*State, []Output, error) {
	if cfg == nil || cfg.Mode != ModeVCMiddleware {
		return st, nil, fmt.Errorf("%w: config is not in VC-middleware mode", ErrWrongMode)
	}
	return Step(cfg, st, ev, o)
}

// quickCheck is the part of Validate that costs nothing: Step runs it on
// every call so that a broken config fails instead of panicking.
func (c *Config) quickCheck() error {
	if c == nil {
		return fmt.Errorf("%w: nil config", ErrInvalidConfig)
	}
	if c.Mode != ModeRemoteSigner && c.Mode != ModeVCMiddleware {
		return fmt.Errorf("%w: unknown mode %d", ErrInvalidConfig, c.Mode)
	}
	if c.Chain.SlotsPerEpoch == 0 || c.Chain.ChainConfig().SlotsPerEpoch != c.Chain.SlotsPerEpoch {
		return fmt.Errorf("%w: slots per epoch", ErrInvalidConfig)
	}
	if len(c.Peers) == 0 || c.Threshold < 1 || c.Threshold > len(c.Peers) {
		return fmt.Errorf("%w: peers or threshold", ErrInvalidConfig)
	}
	if _, ok := c.PublicShares[c.ShareIndex]; !ok || c.ShareIndex == 0 {
		return fmt.Errorf("%w: no public share for own share index %d", ErrInvalidConfig, c.ShareIndex)
	}
	return nil
}

// transition is one Step in progress: the new state being built (whose
// parts are copied before they change), the outputs so far, and which
// validity predicates the slashing DB changes re-bound.
type transition struct {
	cfg *Config
	o   Oracles
	v   networking.Verifier
	s   *State
	out []Output

	dbOwned     bool
	refreshAtt  bool
	refreshProp bool
}

func (t *transition) emit(o ...Output) { t.out = append(t.out, o...) }

func (t *transition) ignore(reason IgnoreReason, slot phase0.Slot, format string, args ...any) {
	t.emit(Ignored{Reason: reason, Slot: slot, Detail: fmt.Sprintf(format, args...)})
}

func (t *transition) dispatch(ev Event) error {
	switch e := ev.(type) {
	case ServeAttestationDuty:
		t.s.att = t.s.att.thaw()
		return t.serveAttestationDuty(e.Duty)
	case AttestationConsensusDecided:
		t.s.att = t.s.att.thaw()
		return t.attestationConsensusDecided(e)
	case ReceivedAttestationShare:
		t.s.att = t.s.att.thaw()
		return t.receivedAttestationShare(e.Share)
	case ResendAttestationShares:
		t.resend(sortedValues(t.s.att.toBroadcast))
		return nil
	case CapturedAttestation:
		if err := t.requireVC(); err != nil {
			return err
		}
		t.s.att = t.s.att.thaw()
		return t.capturedAttestation(e.Attestation)
	case ImportedNewBlock:
		t.s.att = t.s.att.thaw()
		t.s.prop = t.s.prop.thaw()
		return t.importedNewBlock(e)
	case ServeProposerDuty:
		t.s.prop = t.s.prop.thaw()
		return t.serveProposerDuty(e.Duty)
	case ReceivedRandaoShare:
		t.s.prop = t.s.prop.thaw()
		return t.receivedRandaoShare(e.Share)
	case BlockConsensusDecided:
		t.s.prop = t.s.prop.thaw()
		return t.blockConsensusDecided(e)
	case ReceivedBlockShare:
		t.s.prop = t.s.prop.thaw()
		return t.receivedBlockShare(e.Share)
	case ResendRandaoShares:
		t.resend(sortedValues(t.s.prop.randaoToBroadcast))
		return nil
	case ResendBlockShares:
		t.resend(sortedValues(t.s.prop.blockToBroadcast))
		return nil
	case CapturedRandaoReveal:
		if err := t.requireVC(); err != nil {
			return err
		}
		t.s.prop = t.s.prop.thaw()
		return t.capturedRandaoReveal(e)
	case CapturedBlock:
		if err := t.requireVC(); err != nil {
			return err
		}
		t.s.prop = t.s.prop.thaw()
		return t.capturedBlock(e)
	case ServeSyncCommitteeDuty:
		t.s.sync = t.s.sync.thaw()
		return t.serveSyncCommitteeDuty(e)
	case SyncCommitteeConsensusDecided:
		t.s.sync = t.s.sync.thaw()
		return t.syncCommitteeConsensusDecided(e)
	case ReceivedSyncCommitteeMessageShare:
		t.s.sync = t.s.sync.thaw()
		return t.receivedSyncCommitteeMessageShare(e.Share)
	case ResendSyncCommitteeMessageShares:
		t.resend(sortedValues(t.s.sync.toBroadcast))
		return nil
	case CapturedSyncCommitteeMessage:
		if err := t.requireVC(); err != nil {
			return err
		}
		t.s.sync = t.s.sync.thaw()
		return t.capturedSyncCommitteeMessage(e.Message)
	case NewSlot:
		t.s.att = t.s.att.thaw()
		t.s.prop = t.s.prop.thaw()
		t.s.sync = t.s.sync.thaw()
		t.newSlot(e.Slot)
		return nil
	case NoEvent:
		return nil
	case nil:
		return fmt.Errorf("%w: nil event", ErrMalformedEvent)
	}
	return fmt.Errorf("%w: unknown event %T (events are passed by value)", ErrMalformedEvent, ev)
}

func (t *transition) requireVC() error {
	if t.cfg.Mode != ModeVCMiddleware {
		return fmt.Errorf("%w: VC submissions exist only in VC-middleware mode", ErrWrongMode)
	}
	return nil
}

// checkID checks that a decision is for this cluster, validator and duty
// type.
func (t *transition) checkID(id consensus.InstanceID, d consensus.DutyType) error {
	if id.Cluster != t.cfg.Cluster || id.Validator != t.cfg.Validator.Pubkey {
		return fmt.Errorf("%w: instance %s", ErrWrongValidator, id)
	}
	if id.DutyType != uint64(d) {
		return fmt.Errorf("%w: instance %s is not a %s instance", ErrMalformedEvent, id, d)
	}
	return nil
}

// resend is Dafny f_resend_*_shares: multicast every stored own share.
func (t *transition) resend(shares []networking.Message) {
	for _, m := range shares {
		t.broadcast(m)
	}
}

// broadcast is Dafny multicast(m, peers): every peer, this node included.
func (t *transition) broadcast(m networking.Message) {
	t.emit(Broadcast{Message: m, To: t.cfg.sortedPeers()})
}

func sortedValues[M networking.Message](m map[phase0.Slot]M) []networking.Message {
	out := make([]networking.Message, 0, len(m))
	for _, s := range sortedKeys(m) {
		out = append(out, m[s])
	}
	return out
}

// db returns the slashing DB for writing: on first use in a step it copies
// the record lists of the validator's history (records themselves are
// never changed in place), so the previous state keeps its DB.
func (t *transition) db() *slashing.SlashingDB {
	if !t.dbOwned {
		t.s.db = cowDB(t.s.db, t.cfg.Validator.Pubkey)
		t.dbOwned = true
	}
	return t.s.db
}

func cowDB(db *slashing.SlashingDB, pubkey phase0.BLSPubKey) *slashing.SlashingDB {
	out := &slashing.SlashingDB{
		InterchangeFormatVersion: db.InterchangeFormatVersion,
		GenesisValidatorsRoot:    db.GenesisValidatorsRoot,
		Data:                     slices.Clone(db.Data),
	}
	for i, d := range out.Data {
		if d != nil && d.Pubkey == pubkey {
			c := *d
			c.SignedBlocks = slices.Clone(d.SignedBlocks)
			c.SignedAttestations = slices.Clone(d.SignedAttestations)
			out.Data[i] = &c
		}
	}
	return out
}

// finish emits the coalesced UpdateValidity output (Dafny refresh) and
// prunes the completed-slot sets below the share filter's floor.
func (t *transition) finish() {
	var ids []consensus.InstanceID
	if t.refreshAtt {
		for _, s := range sortedKeys(t.s.att.instances) {
			ids = append(ids, t.cfg.instanceID(consensus.DutyAttester, s))
		}
	}
	if t.refreshProp {
		for _, s := range sortedKeys(t.s.prop.instances) {
			ids = append(ids, t.cfg.instanceID(consensus.DutyProposer, s))
		}
	}
	if len(ids) > 0 {
		t.emit(UpdateValidity{IDs: ids})
	}
	var attLatest, propLatest *phase0.Slot
	if t.s.att.latest != nil {
		attLatest = &t.s.att.latest.Slot
	}
	if t.s.prop.latest != nil {
		propLatest = &t.s.prop.latest.Slot
	}
	t.s.att.completed = pruneCompleted(t.s.att.completed, t.s.att.instances, attLatest)
	t.s.prop.completed = pruneCompleted(t.s.prop.completed, t.s.prop.instances, propLatest)
}

// pruneCompleted drops completed slots below the floor of the Dafny share
// filter (min active instance, else latest+1): such shares are dropped by
// the filter anyway, and the floor never decreases, so the set stays
// bounded. It returns a new map when it removes anything.
func pruneCompleted[V any](completed map[phase0.Slot]bool, active map[phase0.Slot]V, latest *phase0.Slot) map[phase0.Slot]bool {
	var floor phase0.Slot
	if lo, ok := minSlot(active); ok {
		floor = lo
	} else if latest != nil {
		floor = *latest + 1
	} else {
		return completed
	}
	prune := false
	for s := range completed {
		if s < floor {
			prune = true
			break
		}
	}
	if !prune {
		return completed
	}
	out := make(map[phase0.Slot]bool, len(completed))
	for s := range completed {
		if s >= floor {
			out[s] = true
		}
	}
	return out
}

// dafnyShareFilter is the Dafny share filter (main
// f_listen_for_attestation_shares, v2 is_slot_for_current_or_future_instances
// of the implementation): a share for slot s is kept iff
//
//	(no active instance and no duty yet)
//	or (some active instance and min(active) <= s)
//	or (no active instance and a current duty with slot <= s)
//	or (no active instance, no current duty, and latest.slot < s).
//
// The third disjunct is dead code for attestations (a current attestation
// duty always has an instance) and v2's functional spec drops it; for
// blocks it is not dead (a current proposer duty waits for the RANDAO
// reveal without an instance), and without it the v2 spec drops every
// RANDAO share for the node's own current duty (defect D3 in SPEC.md section 7.8).
func dafnyShareFilter[V any](active map[phase0.Slot]V, current, latest *phase0.Slot, s phase0.Slot) bool {
	lo, any := minSlot(active)
	switch {
	case !any && latest == nil:
		return true
	case any && lo <= s:
		return true
	case !any && current != nil && *current <= s:
		return true
	case !any && current == nil && latest != nil && *latest < s:
		return true
	}
	return false
}

// fieldCheck tells whether a share's fields that its signature does not
// cover (amendment A22) are the ones this node knows the slot needs: known
// is false when the node does not know them yet, err is non-nil when they
// differ.
type fieldCheck[M networking.Message] func(M) (known bool, err error)

// admitShare runs the checks every received share goes through, in this
// order, and stores it: the share is for this validator (error), well
// formed with a known signer (error), passes accept (the Dafny filter and
// the completed-slot check; Ignored), is within the slot horizon
// (amendment A8; Ignored), has the unsigned fields fields expects where it
// knows them (error; amendment A22), is not a repeat (Ignored), is not one
// message too many of its signer for the slot (Ignored; amendment A22),
// fits the store (Ignored), and its signature verifies under its signer's
// public share (error). It returns the share's bucket after the share was
// added, or nil when it was ignored.
func admitShare[M networking.Message](t *transition, book *shareBook[M], share M, accept func(phase0.Slot) (IgnoreReason, bool), fields fieldCheck[M]) (*bucket[M], phase0.Slot, phase0.Root, error) {
	fail := func(err error) (*bucket[M], phase0.Slot, phase0.Root, error) {
		return nil, 0, phase0.Root{}, err
	}
	if isNilMessage(share) {
		return fail(fmt.Errorf("%w: nil share", ErrMalformedEvent))
	}
	vi, err := share.Validator()
	if err != nil {
		return fail(fmt.Errorf("%w: %w", ErrInvalidShare, err))
	}
	if vi != t.cfg.Validator.Index {
		return fail(fmt.Errorf("%w: share for validator %d, this is validator %d", ErrWrongValidator, vi, t.cfg.Validator.Index))
	}
	slot, err := share.SignedSlot()
	if err != nil {
		return fail(fmt.Errorf("%w: %w", ErrInvalidShare, err))
	}
	in, err := t.v.SigningInput(share)
	if err != nil {
		return fail(fmt.Errorf("%w: %w", ErrInvalidShare, err))
	}
	if _, ok := t.cfg.PublicShares[share.Signer()]; !ok || share.Signer() == 0 {
		return fail(fmt.Errorf("%w: %w: share index %d", ErrInvalidShare, networking.ErrUnknownSigner, share.Signer()))
	}
	root, err := share.MessageRoot()
	if err != nil {
		return fail(fmt.Errorf("%w: %w", ErrInvalidShare, err))
	}
	if reason, ok := accept(slot); !ok {
		t.ignore(reason, slot, "%s from share index %d", share.Kind(), share.Signer())
		return nil, slot, root, nil
	}
	if ref, ok := t.s.maxLatestSlot(); ok && slot > ref+t.horizon() {
		t.ignore(IgnoredBeyondHorizon, slot, "slot %d beyond latest duty slot %d + %d", slot, ref, t.horizon())
		return nil, slot, root, nil
	}
	known, err := fields(share)
	if err != nil {
		return fail(fmt.Errorf("%w: %s from share index %d: %w", ErrInvalidShare, share.Kind(), share.Signer(), err))
	}
	roots := book.signerRoots(slot, share.Signer())
	switch {
	case slices.Contains(roots, root):
		if old := book.bucket(slot, root).shares[share.Signer()]; old.PartialSignature() == share.PartialSignature() {
			t.ignore(IgnoredDuplicateShare, slot, "%s from share index %d", share.Kind(), share.Signer())
			return nil, slot, root, nil
		}
		// Same message, other signature: BLS signatures are unique, so
		// this one cannot verify; the check below reports it.
	case len(roots) >= MaxMessagesPerSigner && !(known && !anyKnownGood(book.signerShares(slot, share.Signer()), fields)):
		t.ignore(IgnoredSignerEquivocated, slot, "share index %d already sent %d other %s messages for slot %d", share.Signer(), len(roots), share.Kind(), slot)
		return nil, slot, root, nil
	}
	if book.count >= MaxStoredShares {
		t.ignore(IgnoredStoreFull, slot, "%d shares stored", book.count)
		return nil, slot, root, nil
	}
	if err := t.v.VerifySignature(share, in.SigningRoot); err != nil {
		return fail(fmt.Errorf("%w: %w", ErrInvalidShare, err))
	}
	if slices.Contains(roots, root) {
		return fail(fmt.Errorf("%w: second valid signature of one message", ErrInvalidShare))
	}
	return book.with(slot, root, share), slot, root, nil
}

// anyKnownGood reports whether one of shares has the unsigned fields the
// node knows its slot needs.
func anyKnownGood[M networking.Message](shares []M, fields fieldCheck[M]) bool {
	for _, s := range shares {
		if known, err := fields(s); known && err == nil {
			return true
		}
	}
	return false
}

// unknownFields is the fieldCheck of share kinds whose signature covers
// every field that matters (RANDAO shares: a copy moved to another slot of
// the same epoch is the genuine share of that slot; block shares: the
// block root covers the block).
func unknownFields[M networking.Message](M) (bool, error) { return false, nil }

// horizon is how far beyond the latest duty a share's slot may be
// (amendment A8): two epochs.
func (t *transition) horizon() phase0.Slot {
	return phase0.Slot(2 * t.cfg.Chain.SlotsPerEpoch)
}

func isNilMessage(m networking.Message) bool {
	switch x := m.(type) {
	case nil:
		return true
	case *networking.AttestationShare:
		return x == nil
	case *networking.RandaoShare:
		return x == nil
	case *networking.BlockShare:
		return x == nil
	case *networking.SyncCommitteeMessageShare:
		return x == nil
	}
	return false
}

// combineOnce combines a bucket that reached the threshold and has not been
// combined yet (amendment A5: Dafny submits again on every later share),
// emitting the output construct builds.
func combineOnce[M networking.Message](t *transition, book *shareBook[M], bk *bucket[M], slot phase0.Slot, root phase0.Root, construct func([]M) (Output, error)) {
	if bk == nil {
		return
	}
	if bk.submitted {
		t.ignore(IgnoredAlreadySubmitted, slot, "message %#x already combined", root[:8])
		return
	}
	if len(bk.shares) < t.cfg.Threshold {
		return
	}
	o, err := construct(bk.sortedShares())
	if err != nil {
		t.ignore(IgnoredCombineFailed, slot, "%v", err)
		return
	}
	book.markSubmitted(slot, root)
	t.emit(o)
}
