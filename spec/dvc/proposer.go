package dvc

import (
	"bytes"
	"fmt"
	"maps"
	"slices"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/signing"
)

func (t *transition) checkProposerDuty(d *spec.ProposerDuty) error {
	if d == nil {
		return fmt.Errorf("%w: nil proposer duty", ErrMalformedEvent)
	}
	if d.Pubkey != t.cfg.Validator.Pubkey || d.ValidatorIndex != t.cfg.Validator.Index {
		return fmt.Errorf("%w: proposer duty of validator %d", ErrWrongValidator, d.ValidatorIndex)
	}
	if _, err := t.cfg.Chain.ForkAtSlot(d.Slot); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformedEvent, err)
	}
	return nil
}

// serveProposerDuty is Dafny f_serve_proposer_duty and
// f_broadcast_randao_share (v2), the first half of HEAD spec.py
// serve_proposer_duty: the duty becomes current and latest; in
// remote-signer mode the RANDAO reveal share is signed
// (rs_sign_randao_reveal), stored for resending and multicast (in
// VC-middleware mode it comes from the VC, CapturedRandaoReveal); then
// f_check_for_next_duty. Duties must come in increasing slot order.
func (t *transition) serveProposerDuty(d *spec.ProposerDuty) error {
	if err := t.checkProposerDuty(d); err != nil {
		return err
	}
	p := &t.s.prop
	if p.latest != nil && d.Slot <= p.latest.Slot {
		return fmt.Errorf("%w: proposer duty at slot %d after slot %d", ErrDutyOutOfOrder, d.Slot, p.latest.Slot)
	}
	if p.current != nil {
		// Amendment A23: a later duty supersedes the undecided one.
		old := p.current.Slot
		t.ignore(IgnoredDutyAbandoned, old, "superseded by the proposer duty at slot %d", d.Slot)
		stopInstances(t, consensus.DutyProposer, p.instances, func(s phase0.Slot) bool { return s == old })
	}
	p.current, p.latest = d, d
	if t.cfg.Mode == ModeRemoteSigner {
		epoch, err := t.cfg.Chain.EpochAtSlot(d.Slot)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrMalformedEvent, err)
		}
		in, err := t.cfg.Chain.RandaoReveal(epoch)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrMalformedEvent, err)
		}
		sig, err := t.o.Signer.SignRandaoReveal(epoch, in)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrSigner, err)
		}
		share := &networking.RandaoShare{Slot: d.Slot, ValidatorIndex: d.ValidatorIndex, Signature: sig, ShareIndex: t.cfg.ShareIndex}
		t.emit(Signed{Kind: SignRandaoReveal, Slot: d.Slot, Input: in, Signature: sig})
		p.randaoToBroadcast[d.Slot] = share
		t.broadcast(share)
	}
	t.checkForNextProposerDuty(d)
	return nil
}

// checkForNextProposerDuty is Dafny f_check_for_next_duty (v2): a duty whose
// block was already seen on chain is skipped (the block goes into the
// slashing DB); otherwise consensus starts if the RANDAO reveal can be
// combined.
func (t *transition) checkForNextProposerDuty(d *spec.ProposerDuty) {
	p := &t.s.prop
	if h, ok := p.futureDecided[d.Slot]; ok {
		t.addBlockToDB(h)
		p.current = nil
		delete(p.futureDecided, d.Slot)
		return
	}
	t.startBlockConsensusIfRandaoReady()
}

// startBlockConsensusIfRandaoReady is Dafny
// f_start_consensus_if_can_construct_randao_share (v2), HEAD spec.py
// randao_reveal_combination followed by consensus_on_block: when a duty is
// current, has no instance yet, and its slot's RANDAO shares reach the
// threshold, the reveal is combined (construct_signed_randao_reveal, which
// verifies) and the block instance starts with it.
func (t *transition) startBlockConsensusIfRandaoReady() {
	p := &t.s.prop
	if p.current == nil {
		return
	}
	slot := p.current.Slot
	if _, ok := p.instances[slot]; ok {
		return
	}
	ss := p.rcvdRandao.slots[slot]
	if ss == nil {
		return
	}
	for _, root := range slices.SortedFunc(maps.Keys(ss.buckets), func(x, y phase0.Root) int { return bytes.Compare(x[:], y[:]) }) {
		bk := ss.buckets[root]
		if len(bk.shares) < t.cfg.Threshold {
			continue
		}
		reveal, err := networking.ConstructSignedRandaoReveal(t.v, bk.sortedShares())
		if err != nil {
			t.ignore(IgnoredCombineFailed, slot, "RANDAO reveal %#x: %v", root[:8], err)
			continue
		}
		v := &ProposerValidity{Duty: p.current, RandaoReveal: reveal}
		p.instances[slot] = v
		t.emit(StartConsensus{ID: t.cfg.instanceID(consensus.DutyProposer, slot), Proposer: v})
		return
	}
}

// addBlockToDB is Dafny f_update_block_slashing_db with the real signing
// root, followed by f_update_block_consensus_engine_state.
func (t *transition) addBlockToDB(h *phase0.BeaconBlockHeader) bool {
	in, err := t.cfg.Chain.BeaconBlockHeader(h)
	if err == nil {
		err = t.db().InsertBlock(t.cfg.Validator.Pubkey, h.Slot, &in.SigningRoot)
	}
	if err != nil {
		t.ignore(IgnoredSlashingDBRefused, h.Slot, "%v", err)
		return false
	}
	t.refreshProp = true
	return true
}

// receivedRandaoShare is Dafny f_listen_for_randao_shares (v2), HEAD
// listen_for_randao_reveal_signature_shares: a share passing admitShare is
// stored (shares may arrive before this node's own duty), then consensus
// starts if it can.
func (t *transition) receivedRandaoShare(share *networking.RandaoShare) error {
	p := &t.s.prop
	_, _, _, err := admitShare(t, &p.rcvdRandao, share, t.proposerAccept, unknownFields[*networking.RandaoShare])
	if err != nil {
		return err
	}
	t.startBlockConsensusIfRandaoReady()
	return nil
}

// proposerAccept is the Dafny share filter for RANDAO and block shares plus
// the completed-slot check (amendment A6).
func (t *transition) proposerAccept(s phase0.Slot) (IgnoreReason, bool) {
	p := &t.s.prop
	var cur, lat *phase0.Slot
	if p.current != nil {
		cur = &p.current.Slot
	}
	if p.latest != nil {
		lat = &p.latest.Slot
	}
	if !dafnyShareFilter(p.instances, cur, lat, s) {
		return IgnoredShareFiltered, false
	}
	if p.completed[s] {
		return IgnoredSlotCompleted, false
	}
	return "", true
}

// blockConsensusDecided is Dafny f_block_consensus_decided (v2), the
// post-consensus half of HEAD spec.py serve_proposer_duty: the decided
// block for the current duty goes into the slashing DB and is signed
// (rs_sign_block; stored and multicast) or cached for the VC
// (cache_block_for_vc). The duty stops being current (the v2
// implementation does; the v2 functional spec leaves it current). The
// block must pass this node's own predicate (spec.py asserts
// consensus_is_valid_block) or it is not signed.
func (t *transition) blockConsensusDecided(e BlockConsensusDecided) error {
	if err := t.checkID(e.ID, consensus.DutyProposer); err != nil {
		return err
	}
	if e.Block == nil || e.Block.IsEmpty() {
		return fmt.Errorf("%w: missing decided block", ErrMalformedEvent)
	}
	slot, err := e.Block.Slot()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMalformedEvent, err)
	}
	p := &t.s.prop
	if p.current == nil || p.current.Slot != e.ID.Slot {
		t.ignore(IgnoredNotCurrent, e.ID.Slot, "no current proposer duty at slot %d", e.ID.Slot)
		return nil
	}
	if slot != e.ID.Slot {
		t.ignore(IgnoredDecidedSlotMismatch, e.ID.Slot, "decided block for slot %d", slot)
		return nil
	}
	inst := p.instances[slot]
	if inst == nil {
		t.ignore(IgnoredNoInstance, slot, "no block instance was started for slot %d", slot)
		return nil
	}
	duty := p.current
	vb, verr := networking.NewVersionedBlock(t.cfg.Chain, e.Block)
	if err := consensus.IsValidBlock(t.s.db, t.cfg.Chain, e.Block, duty, inst.RandaoReveal, t.cfg.FeeRecipient); err != nil || verr != nil {
		if err == nil {
			err = verr
		}
		t.ignore(IgnoredDecidedInvalid, slot, "%v", err)
		p.current = nil
		return nil
	}
	in, err := t.cfg.Chain.BeaconBlock(e.Block)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMalformedEvent, err)
	}
	if err := spec.UpdateBlockSlashingDB(t.db(), e.Block, in.SigningRoot, t.cfg.Validator.Pubkey); err != nil {
		t.ignore(IgnoredSlashingDBRefused, slot, "%v", err)
		p.current = nil
		return nil
	}
	t.refreshProp = true
	switch t.cfg.Mode {
	case ModeRemoteSigner:
		sig, err := t.o.Signer.SignBlock(e.Block, in)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrSigner, err)
		}
		share := &networking.BlockShare{Block: vb, Signature: sig, ShareIndex: t.cfg.ShareIndex}
		t.emit(Signed{Kind: SignBlock, Slot: slot, Input: in, Signature: sig})
		p.blockToBroadcast[slot] = share
		t.broadcast(share)
	case ModeVCMiddleware:
		p.awaitingVC[slot] = &pendingBlock{duty: duty, block: e.Block, versioned: vb}
		t.emit(CacheBlockForVC{Duty: duty, Block: e.Block})
	}
	p.current = nil
	return nil
}

// capturedRandaoReveal is the VC-middleware RANDAO share (amendment A9):
// the VC's reveal for the current duty, signed with its key share, becomes
// this node's RANDAO share.
func (t *transition) capturedRandaoReveal(e CapturedRandaoReveal) error {
	p := &t.s.prop
	if prev := p.randaoToBroadcast[e.Slot]; prev != nil {
		if prev.Signature == e.RandaoReveal {
			t.ignore(IgnoredAlreadyCaptured, e.Slot, "RANDAO reveal already captured")
			return nil
		}
		return fmt.Errorf("%w: a second, different RANDAO reveal from the VC for slot %d", ErrInvalidShare, e.Slot)
	}
	if p.current == nil || p.current.Slot != e.Slot {
		if p.completed[e.Slot] || (p.latest != nil && e.Slot <= p.latest.Slot) {
			t.ignore(IgnoredSlotCompleted, e.Slot, "the proposer duty of slot %d is over", e.Slot)
			return nil
		}
		return fmt.Errorf("%w: no current proposer duty at slot %d", ErrNotDecided, e.Slot)
	}
	share := &networking.RandaoShare{Slot: e.Slot, ValidatorIndex: t.cfg.Validator.Index, Signature: e.RandaoReveal, ShareIndex: t.cfg.ShareIndex}
	if err := t.v.VerifyShare(share); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidShare, err)
	}
	p.randaoToBroadcast[e.Slot] = share
	t.broadcast(share)
	return nil
}

// capturedBlock is c00dc1e capture_threshold_signed_block: the VC's block,
// signed with its key share, for the block this DVC decided and cached,
// becomes this node's block share.
func (t *transition) capturedBlock(e CapturedBlock) error {
	if e.Block == nil || e.Block.IsEmpty() {
		return fmt.Errorf("%w: missing block", ErrMalformedEvent)
	}
	slot, err := e.Block.Slot()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMalformedEvent, err)
	}
	p := &t.s.prop
	pend := p.awaitingVC[slot]
	if pend == nil {
		if prev := p.blockToBroadcast[slot]; prev != nil && prev.Signature == e.Signature {
			t.ignore(IgnoredAlreadyCaptured, slot, "block already captured")
			return nil
		}
		if _, running := p.instances[slot]; p.completed[slot] || (!running && p.latest != nil && slot <= p.latest.Slot) {
			t.ignore(IgnoredSlotCompleted, slot, "the block of slot %d is already on chain", slot)
			return nil
		}
		return fmt.Errorf("%w: no decided block awaits the VC at slot %d", ErrNotDecided, slot)
	}
	got, err1 := t.cfg.Chain.BlockRoot(e.Block)
	want, err2 := t.cfg.Chain.BlockRoot(pend.block)
	if err1 != nil || err2 != nil || got != want {
		return fmt.Errorf("%w: the VC signed another block than the decided one at slot %d", ErrNotDecided, slot)
	}
	share := &networking.BlockShare{Block: pend.versioned, Signature: e.Signature, ShareIndex: t.cfg.ShareIndex}
	if err := t.v.VerifyShare(share); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidShare, err)
	}
	delete(p.awaitingVC, slot)
	p.blockToBroadcast[slot] = share
	t.broadcast(share)
	return nil
}

// receivedBlockShare is Dafny f_listen_for_block_signature_shares (v2) with
// HEAD spec.py block_combination: shares are bucketed per slot and block;
// the first time a bucket reaches the threshold the signed block is
// constructed (construct_signed_block, which verifies) and submitted
// (bn_submit_block). The v2 functional spec drops the updated state when
// the threshold is not reached (defect D1); the share is kept here.
func (t *transition) receivedBlockShare(share *networking.BlockShare) error {
	p := &t.s.prop
	bk, slot, root, err := admitShare(t, &p.rcvdBlocks, share, t.proposerAccept, unknownFields[*networking.BlockShare])
	if err != nil {
		return err
	}
	combineOnce(t, &p.rcvdBlocks, bk, slot, root, func(shares []*networking.BlockShare) (Output, error) {
		b, err := networking.ConstructSignedBlock(t.v, shares)
		if err != nil {
			return nil, err
		}
		return SubmitBlock{Block: b}, nil
	})
	return nil
}

// blockHeader returns the header of a block (same hash tree root). The body
// is hashed with the chain's sizes: go-eth2-client's BodyRoot hashes with
// the mainnet sizes whatever the chain.
func blockHeader(chain signing.Chain, b *eth2spec.VersionedBeaconBlock) (*phase0.BeaconBlockHeader, error) {
	slot, err := b.Slot()
	if err != nil {
		return nil, err
	}
	proposer, err := b.ProposerIndex()
	if err != nil {
		return nil, err
	}
	parent, err := b.ParentRoot()
	if err != nil {
		return nil, err
	}
	state, err := b.StateRoot()
	if err != nil {
		return nil, err
	}
	body, err := chain.BlockBodyRoot(b)
	if err != nil {
		return nil, err
	}
	return &phase0.BeaconBlockHeader{Slot: slot, ProposerIndex: proposer, ParentRoot: parent, StateRoot: state, BodyRoot: body}, nil
}
