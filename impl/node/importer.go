package node

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/impl/beaconclient"
	"github.com/dvspec/go-dvspec/spec/dvc"
)

// BlockSource is what block import needs from a beacon node besides
// ethnode.BeaconNode (impl/beaconclient.Client has it). A beacon node
// without it gets no block import: the node logs so and runs without.
type BlockSource interface {
	SignedBeaconBlock(ctx context.Context, blockID string) (*eth2spec.VersionedSignedBeaconBlock, error)
	SubscribeBlockEvents(ctx context.Context, handler beaconclient.BlockEventHandler) error
}

// importer follows the blocks the beacon node imports and feeds them to
// the DVCs as dvc.ImportedNewBlock (Dafny f_listen_for_new_imported_blocks):
// a duty already decided on chain is skipped, and the instances, shares
// and resends of decided slots are dropped. It listens to the block event
// stream; once a slot it also fetches by slot the blocks of past slots
// (since it started) that the stream did not deliver — all of them when
// the stream is down, the ones missed while it reconnected otherwise.
// Fetching blocks and committees runs in its own goroutine; only the
// steps run in the loop.
type importer struct {
	n     *Node
	src   BlockSource
	roots chan phase0.Root
	// imported remembers recent roots (bounded), so a block reported by
	// the stream and the poll is imported once; slots the slots whose
	// block was imported, checked the last slot the poll has looked at.
	imported map[phase0.Root]bool
	order    []phase0.Root
	slots    map[phase0.Slot]bool
	checked  phase0.Slot
	// committees caches the beacon committees of recent epochs.
	committees map[phase0.Epoch]map[committeeKey][]phase0.ValidatorIndex
}

type committeeKey struct {
	slot  phase0.Slot
	index phase0.CommitteeIndex
}

const importMemory = 256

// maxCatchUp bounds the blocks one poll fetches.
const maxCatchUp = 32

func newImporter(n *Node) *importer {
	src, ok := n.cfg.BeaconNode.(BlockSource)
	if !ok {
		return nil
	}
	return &importer{n: n, src: src, roots: make(chan phase0.Root, 64), imported: map[phase0.Root]bool{},
		slots: map[phase0.Slot]bool{}, committees: map[phase0.Epoch]map[committeeKey][]phase0.ValidatorIndex{}}
}

func (im *importer) run(ctx context.Context) {
	n := im.n
	if s, ok := n.clock.SlotAt(n.now()); ok {
		im.checked = s
	}
	if err := im.src.SubscribeBlockEvents(ctx, func(_ context.Context, ev *apiv1.BlockEvent) {
		select {
		case im.roots <- ev.Block:
		default:
			// A full queue drops: the poll fetches the block by slot.
		}
	}); err != nil {
		n.log.Warn("no block event stream; fetching each slot's block once the slot is over", "err", err)
	}
	t := time.NewTicker(n.cfg.SlotDuration)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case root := <-im.roots:
			im.importBlock(ctx, fmt.Sprintf("%#x", root), root)
		case <-t.C:
			im.catchUp(ctx)
		}
	}
}

// catchUp fetches the blocks of the slots before the current one that
// were not imported yet (a 404 is a slot without a block).
func (im *importer) catchUp(ctx context.Context) {
	cur, ok := im.n.clock.SlotAt(im.n.now())
	if !ok || cur == 0 {
		return
	}
	from := im.checked + 1
	if cur-1 >= maxCatchUp && from < cur-maxCatchUp {
		from = cur - maxCatchUp
	}
	for s := from; s < cur; s++ {
		if !im.slots[s] {
			im.importBlock(ctx, strconv.FormatUint(uint64(s), 10), phase0.Root{})
		}
	}
	if cur-1 > im.checked {
		im.checked = cur - 1
	}
	for s := range im.slots {
		if s+importMemory < cur {
			delete(im.slots, s)
		}
	}
}

// remember marks root imported, forgetting the oldest beyond importMemory.
func (im *importer) remember(root phase0.Root) {
	im.imported[root] = true
	im.order = append(im.order, root)
	if len(im.order) > importMemory {
		delete(im.imported, im.order[0])
		im.order = im.order[1:]
	}
}

// importBlock fetches block id (a known root, or zero when id is a slot), the
// committees its attestations refer to, and hands it to the DVCs it
// concerns.
func (im *importer) importBlock(ctx context.Context, id string, known phase0.Root) {
	n := im.n
	if known != (phase0.Root{}) && im.imported[known] {
		return
	}
	cctx, cancel := context.WithTimeout(ctx, n.fetchTimeout())
	defer cancel()
	signed, err := im.src.SignedBeaconBlock(cctx, id)
	if err != nil {
		if bnStatus(err) != 404 {
			n.cfg.Metrics.BNError("signed_block")
			n.log.Debug("fetching an imported block failed", "block", id, "err", err)
		}
		return
	}
	// The event's root is the beacon node's; a computed one is only as
	// good as the client's container sizes for the chain's preset.
	root := known
	if root == (phase0.Root{}) {
		if root, err = signed.Root(); err != nil {
			return
		}
	}
	if im.imported[root] {
		return
	}
	block, err := unsignedBlock(signed)
	var slot phase0.Slot
	if err == nil {
		slot, err = block.Slot()
	}
	if err != nil {
		n.log.Warn("an imported block cannot be read", "block", id, "err", err)
		return
	}
	committees, members, err := im.committeesOf(cctx, block)
	if err != nil {
		n.log.Debug("committees of an imported block unavailable", "block", id, "err", err)
		return
	}
	im.remember(root)
	im.slots[slot] = true
	proposer, _ := block.ProposerIndex()
	attested := attestersOf(block, committees)
	at := n.now()
	n.post(func() {
		n.tracker.onChain(consensus.DutyProposer, proposer, slot, at)
		for vi, slots := range attested {
			for _, s := range slots {
				n.tracker.onChain(consensus.DutyAttester, vi, s, at)
			}
		}
		for _, v := range n.list {
			// A block concerns the DVC of its proposer and of every
			// member of the committees its attestations name; to any
			// other DVC the event would find nothing of its own.
			if v.index != proposer && !members[v.index] {
				continue
			}
			vi := v.index
			n.deliver(v, dvc.ImportedNewBlock{Block: block, ValidatorIndex: &vi, Committees: committees})
		}
	})
}

// committeesOf returns the committees an imported block's attestations
// refer to (bn_get_epoch_committees, answered from the beacon node at the
// block's slot and carried in the event), and the set of their members.
func (im *importer) committeesOf(ctx context.Context, b *eth2spec.VersionedBeaconBlock) ([]*dvc.BeaconCommittee, map[phase0.ValidatorIndex]bool, error) {
	atts, err := b.Attestations()
	if err != nil {
		return nil, nil, err
	}
	slot, err := b.Slot()
	if err != nil {
		return nil, nil, err
	}
	need := map[committeeKey]bool{}
	for _, a := range atts {
		data, err := a.Data()
		if err != nil || data == nil {
			return nil, nil, errors.New("attestation without data")
		}
		if a.Version < eth2spec.DataVersionElectra {
			need[committeeKey{data.Slot, data.Index}] = true
			continue
		}
		bits, err := a.CommitteeBits()
		if err != nil {
			return nil, nil, err
		}
		for _, c := range bits.BitIndices() {
			need[committeeKey{data.Slot, phase0.CommitteeIndex(c)}] = true
		}
	}
	var out []*dvc.BeaconCommittee
	members := map[phase0.ValidatorIndex]bool{}
	for k := range need {
		epoch := phase0.Epoch(uint64(k.slot) / im.n.cfg.Chain.SlotsPerEpoch)
		byKey, err := im.epochCommittees(ctx, epoch, slot)
		if err != nil {
			return nil, nil, err
		}
		vals, ok := byKey[k]
		if !ok {
			return nil, nil, fmt.Errorf("the beacon node has no committee %d at slot %d", k.index, k.slot)
		}
		out = append(out, &dvc.BeaconCommittee{Slot: k.slot, Index: k.index, Validators: vals})
		for _, v := range vals {
			members[v] = true
		}
	}
	sortCommittees(out)
	return out, members, nil
}

// epochCommittees fetches (once) the committees of epoch at the state of
// slot at.
func (im *importer) epochCommittees(ctx context.Context, epoch phase0.Epoch, at phase0.Slot) (map[committeeKey][]phase0.ValidatorIndex, error) {
	if m, ok := im.committees[epoch]; ok {
		return m, nil
	}
	cs, err := im.n.cfg.BeaconNode.BeaconCommittees(ctx, strconv.FormatUint(uint64(at), 10), &epoch)
	if err != nil {
		return nil, err
	}
	m := map[committeeKey][]phase0.ValidatorIndex{}
	for _, c := range cs {
		if c != nil {
			m[committeeKey{c.Slot, c.Index}] = c.Validators
		}
	}
	for e := range im.committees {
		if e+3 < epoch {
			delete(im.committees, e)
		}
	}
	im.committees[epoch] = m
	return m, nil
}

// attestersOf are the validators whose attestations a block carries, with
// the slots attested: for the duty tracker, which counts a duty whose
// attestation is on chain as done. (The DVC reads the block itself; this
// only observes.)
func attestersOf(b *eth2spec.VersionedBeaconBlock, committees []*dvc.BeaconCommittee) map[phase0.ValidatorIndex][]phase0.Slot {
	out := map[phase0.ValidatorIndex][]phase0.Slot{}
	atts, err := b.Attestations()
	if err != nil {
		return out
	}
	byKey := map[committeeKey][]phase0.ValidatorIndex{}
	for _, c := range committees {
		byKey[committeeKey{c.Slot, c.Index}] = c.Validators
	}
	for _, a := range atts {
		data, err := a.Data()
		if err != nil || data == nil {
			continue
		}
		bits, err := a.AggregationBits()
		if err != nil {
			continue
		}
		var indices []phase0.CommitteeIndex
		if a.Version < eth2spec.DataVersionElectra {
			indices = []phase0.CommitteeIndex{data.Index}
		} else if cb, err := a.CommitteeBits(); err == nil {
			for _, c := range cb.BitIndices() {
				indices = append(indices, phase0.CommitteeIndex(c))
			}
		}
		offset := uint64(0)
		for _, ci := range indices {
			members := byKey[committeeKey{data.Slot, ci}]
			for pos, v := range members {
				if p := offset + uint64(pos); p < bits.Len() && bits.BitAt(p) {
					out[v] = append(out[v], data.Slot)
				}
			}
			offset += uint64(len(members))
		}
	}
	return out
}

func sortCommittees(cs []*dvc.BeaconCommittee) {
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].Slot != cs[j].Slot {
			return cs[i].Slot < cs[j].Slot
		}
		return cs[i].Index < cs[j].Index
	})
}

// unsignedBlock is the message of a signed block.
func unsignedBlock(s *eth2spec.VersionedSignedBeaconBlock) (*eth2spec.VersionedBeaconBlock, error) {
	b := &eth2spec.VersionedBeaconBlock{Version: s.Version}
	missing := fmt.Errorf("%s block without a message", s.Version)
	switch s.Version {
	case eth2spec.DataVersionPhase0:
		if s.Phase0 == nil || s.Phase0.Message == nil {
			return nil, missing
		}
		b.Phase0 = s.Phase0.Message
	case eth2spec.DataVersionAltair:
		if s.Altair == nil || s.Altair.Message == nil {
			return nil, missing
		}
		b.Altair = s.Altair.Message
	case eth2spec.DataVersionBellatrix:
		if s.Bellatrix == nil || s.Bellatrix.Message == nil {
			return nil, missing
		}
		b.Bellatrix = s.Bellatrix.Message
	case eth2spec.DataVersionCapella:
		if s.Capella == nil || s.Capella.Message == nil {
			return nil, missing
		}
		b.Capella = s.Capella.Message
	case eth2spec.DataVersionDeneb:
		if s.Deneb == nil || s.Deneb.Message == nil {
			return nil, missing
		}
		b.Deneb = s.Deneb.Message
	case eth2spec.DataVersionElectra:
		if s.Electra == nil || s.Electra.Message == nil {
			return nil, missing
		}
		b.Electra = s.Electra.Message
	case eth2spec.DataVersionFulu:
		if s.Fulu == nil || s.Fulu.Message == nil {
			return nil, missing
		}
		b.Fulu = s.Fulu.Message
	default:
		return nil, fmt.Errorf("unsupported block version %s", s.Version)
	}
	return b, nil
}

// resendStuck steps the Resend* events (Dafny f_resend_*) for the
// validators with a duty that started at least a slot ago and that this
// node has not seen accepted: their own shares go out again, in case the
// first multicast was lost. A duty gets about one resend before its
// deadline (two slots), so a node that is merely slow is not loaded with
// more messages. A share decided on chain is no longer resent (the DVC
// drops it on block import). It runs in the loop at every slot start,
// after expired duties are gone.
func (n *Node) resendStuck() {
	due := n.tracker.stuck(n.now(), n.cfg.SlotDuration)
	if len(due) == 0 {
		return
	}
	for _, v := range n.list {
		if due[stuckKey{v.index, consensus.DutyAttester}] {
			n.deliver(v, dvc.ResendAttestationShares{})
		}
		if due[stuckKey{v.index, consensus.DutyProposer}] {
			n.deliver(v, dvc.ResendRandaoShares{})
			n.deliver(v, dvc.ResendBlockShares{})
		}
		if due[stuckKey{v.index, consensus.DutySyncCommittee}] {
			n.deliver(v, dvc.ResendSyncCommitteeMessageShares{})
		}
	}
}
