package dvc

import (
	"fmt"
	"slices"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
)

type committeeKey struct {
	slot  phase0.Slot
	index phase0.CommitteeIndex
}

// importedNewBlock is Dafny f_listen_for_new_imported_blocks for both flows
// (main for attestations, v2 for blocks). The block's attestations by this
// validator are decisions of past or future attester instances; the block
// itself, when this validator proposed it (amendment A7: the Dafny model
// assumes every imported block is the DV's own), is the decision of its
// proposer instance.
func (t *transition) importedNewBlock(e ImportedNewBlock) error {
	b := e.Block
	if b == nil || b.IsEmpty() {
		return fmt.Errorf("%w: missing imported block", ErrMalformedEvent)
	}
	slot, err := b.Slot()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMalformedEvent, err)
	}
	fork, err := t.cfg.Chain.ForkAtSlot(slot)
	if err != nil || fork.Name != b.Version {
		return fmt.Errorf("%w: %s block at slot %d does not have the shape of the fork in force", ErrMalformedEvent, b.Version, slot)
	}
	if e.ValidatorIndex != nil && *e.ValidatorIndex != t.cfg.Validator.Index {
		return fmt.Errorf("%w: the beacon state gives validator index %d, the config %d", ErrInconsistentOracle, *e.ValidatorIndex, t.cfg.Validator.Index)
	}
	mine, err := myAttestations(b, e.ValidatorIndex, e.Committees)
	if err != nil {
		return err
	}
	proposer, err := b.ProposerIndex()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMalformedEvent, err)
	}
	var header *phase0.BeaconBlockHeader
	if proposer == t.cfg.Validator.Index {
		if header, err = blockHeader(t.cfg.Chain, b); err != nil {
			return fmt.Errorf("%w: %w", ErrMalformedEvent, err)
		}
	}
	t.importAttestations(mine)
	if header != nil {
		t.importProposal(header)
	}
	return nil
}

// myAttestations is Dafny f_listen_for_new_imported_blocks_helper_1 and
// isMyAttestation: the data of every attestation of the block that has this
// validator's bit set, by slot. The committee of an attestation is looked up
// by (slot, committee index), not by committee index alone as in the Dafny
// bn_get_epoch_committees (amendment A2); from Electra on an attestation
// covers the committees of its committee_bits, whose members are
// concatenated in its aggregation bits in committee order (EIP-7549,
// amendment A3). Two different data for one slot violate the Dafny
// precondition and make the event inconsistent.
func myAttestations(b *eth2spec.VersionedBeaconBlock, vi *phase0.ValidatorIndex, committees []*BeaconCommittee) (map[phase0.Slot]*phase0.AttestationData, error) {
	mine := map[phase0.Slot]*phase0.AttestationData{}
	atts, err := b.Attestations()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedEvent, err)
	}
	if vi == nil {
		return mine, nil
	}
	byKey := map[committeeKey][]phase0.ValidatorIndex{}
	for _, c := range committees {
		if c == nil {
			return nil, fmt.Errorf("%w: nil committee", ErrMalformedEvent)
		}
		k := committeeKey{c.Slot, c.Index}
		if prev, ok := byKey[k]; ok && !slices.Equal(prev, c.Validators) {
			return nil, fmt.Errorf("%w: two committees for slot %d index %d", ErrInconsistentOracle, c.Slot, c.Index)
		}
		byKey[k] = c.Validators
	}
	lookup := func(slot phase0.Slot, index phase0.CommitteeIndex) ([]phase0.ValidatorIndex, error) {
		c, ok := byKey[committeeKey{slot, index}]
		if !ok {
			return nil, fmt.Errorf("%w: no committee for slot %d index %d", ErrInconsistentOracle, slot, index)
		}
		return c, nil
	}
	for i := range atts {
		a := &atts[i]
		data, err := a.Data()
		if err != nil || checkData(data) != nil {
			return nil, fmt.Errorf("%w: attestation %d without data", ErrMalformedEvent, i)
		}
		bits, err := a.AggregationBits()
		if err != nil {
			return nil, fmt.Errorf("%w: attestation %d: %w", ErrMalformedEvent, i, err)
		}
		isMine := false
		if a.Version < eth2spec.DataVersionElectra {
			committee, err := lookup(data.Slot, data.Index)
			if err != nil {
				return nil, err
			}
			if pos := slices.Index(committee, *vi); pos >= 0 && uint64(pos) < bits.Len() && bits.BitAt(uint64(pos)) {
				isMine = true
			}
		} else {
			cbits, err := a.CommitteeBits()
			if err != nil {
				return nil, fmt.Errorf("%w: attestation %d: %w", ErrMalformedEvent, i, err)
			}
			offset := uint64(0)
			for _, c := range cbits.BitIndices() {
				committee, err := lookup(data.Slot, phase0.CommitteeIndex(c))
				if err != nil {
					return nil, err
				}
				if pos := slices.Index(committee, *vi); pos >= 0 && offset+uint64(pos) < bits.Len() && bits.BitAt(offset+uint64(pos)) {
					isMine = true
				}
				offset += uint64(len(committee))
			}
		}
		if !isMine {
			continue
		}
		if prev, ok := mine[data.Slot]; ok && !sameData(prev, data) {
			return nil, fmt.Errorf("%w: two different attestations of the validator for slot %d in one block", ErrInconsistentOracle, data.Slot)
		}
		mine[data.Slot] = data
	}
	return mine, nil
}

// importAttestations is the attestation half of Dafny main
// f_listen_for_new_imported_blocks: the decisions seen on chain are merged
// into the future decisions (new ones win); those at or below the latest
// duty are dropped from it (they are in the slashing DB already); every
// instance of a decided slot stops and its shares, own share and
// VC-pending value are dropped; a decided current duty goes into the
// slashing DB and the next queued duty may start. Decided slots are
// remembered (amendment A6) so their shares are not accepted again.
func (t *transition) importAttestations(mine map[phase0.Slot]*phase0.AttestationData) {
	a := &t.s.att
	all := cloneMap(a.futureDecided)
	for s, d := range mine {
		all[s] = d
	}
	future := map[phase0.Slot]*phase0.AttestationData{}
	for s, d := range all {
		if a.latest == nil || s > a.latest.Slot {
			future[s] = d
		}
	}
	a.futureDecided = future
	var stop []consensus.InstanceID
	for _, s := range sortedKeys(all) {
		if _, ok := a.instances[s]; ok {
			stop = append(stop, t.cfg.instanceID(consensus.DutyAttester, s))
			delete(a.instances, s)
		}
		delete(a.toBroadcast, s)
		delete(a.awaitingVC, s)
		if len(a.completed) < MaxStateList {
			a.completed[s] = true
		}
	}
	a.rcvd.drop(func(s phase0.Slot) bool { _, ok := all[s]; return ok })
	if len(stop) > 0 {
		t.emit(StopConsensus{IDs: stop})
	}
	if a.current != nil {
		if d, ok := all[a.current.Slot]; ok {
			t.addAttestationToDB(d)
			a.current = nil
			t.checkForNextQueuedDuty()
		}
	}
}

// importProposal is the block half: Dafny v2 f_listen_for_new_imported_blocks
// for a block this validator proposed, with the RANDAO shares of the slot
// dropped too (the v2 model never drops them).
func (t *transition) importProposal(h *phase0.BeaconBlockHeader) {
	p := &t.s.prop
	all := cloneMap(p.futureDecided)
	all[h.Slot] = h
	future := map[phase0.Slot]*phase0.BeaconBlockHeader{}
	for s, x := range all {
		if p.latest == nil || s > p.latest.Slot {
			future[s] = x
		}
	}
	p.futureDecided = future
	var stop []consensus.InstanceID
	for _, s := range sortedKeys(all) {
		if _, ok := p.instances[s]; ok {
			stop = append(stop, t.cfg.instanceID(consensus.DutyProposer, s))
			delete(p.instances, s)
		}
		delete(p.blockToBroadcast, s)
		delete(p.randaoToBroadcast, s)
		delete(p.awaitingVC, s)
		if len(p.completed) < MaxStateList {
			p.completed[s] = true
		}
	}
	in := func(s phase0.Slot) bool { _, ok := all[s]; return ok }
	p.rcvdBlocks.drop(in)
	p.rcvdRandao.drop(in)
	if len(stop) > 0 {
		t.emit(StopConsensus{IDs: stop})
	}
	if p.current != nil {
		if x, ok := all[p.current.Slot]; ok {
			t.addBlockToDB(x)
			p.current = nil
		}
	}
}
