package node

import (
	"context"
	"errors"
	"fmt"

	"github.com/OffchainLabs/go-bitfield"
	"github.com/attestantio/go-eth2-client/api"
	apiv1deneb "github.com/attestantio/go-eth2-client/api/v1/deneb"
	apiv1electra "github.com/attestantio/go-eth2-client/api/v1/electra"
	apiv1fulu "github.com/attestantio/go-eth2-client/api/v1/fulu"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/deneb"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/impl/beaconclient"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// submitter sends combined messages to the beacon node. Attestations and
// sync committee messages are batched: a worker takes what is queued when
// it is free, so a burst becomes one request and a lone message goes out at
// once.
type submitter struct {
	n     *Node
	atts  chan subItem[*eth2spec.VersionedAttestation]
	syncs chan subItem[*altair.SyncCommitteeMessage]
}

type subItem[T any] struct {
	item T
	typ  consensus.DutyType
	vi   phase0.ValidatorIndex
	slot phase0.Slot
}

func newSubmitter(n *Node) *submitter {
	return &submitter{n: n, atts: make(chan subItem[*eth2spec.VersionedAttestation], 1<<14), syncs: make(chan subItem[*altair.SyncCommitteeMessage], 1<<14)}
}

const maxBatch = 512

func (s *submitter) run(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		batchLoop(ctx, s.syncs, func(items []subItem[*altair.SyncCommitteeMessage]) {
			msgs := make([]*altair.SyncCommitteeMessage, len(items))
			for i, it := range items {
				msgs[i] = it.item
			}
			c, cancel := context.WithTimeout(ctx, s.n.cfg.SlotDuration)
			err := s.n.cfg.BeaconNode.SubmitSyncCommitteeMessages(c, msgs)
			cancel()
			report(s.n, items, err, "submit_sync_committee_messages")
		})
	}()
	batchLoop(ctx, s.atts, func(items []subItem[*eth2spec.VersionedAttestation]) {
		// One request carries one version.
		byVersion := map[eth2spec.DataVersion][]subItem[*eth2spec.VersionedAttestation]{}
		for _, it := range items {
			byVersion[it.item.Version] = append(byVersion[it.item.Version], it)
		}
		for _, group := range byVersion {
			atts := make([]*eth2spec.VersionedAttestation, len(group))
			for i, it := range group {
				atts[i] = it.item
			}
			c, cancel := context.WithTimeout(ctx, s.n.cfg.SlotDuration)
			err := s.n.cfg.BeaconNode.SubmitAttestations(c, atts)
			cancel()
			report(s.n, group, err, "submit_attestations")
		}
	})
	<-done
}

func batchLoop[T any](ctx context.Context, ch chan subItem[T], submit func([]subItem[T])) {
	for {
		var batch []subItem[T]
		select {
		case <-ctx.Done():
			return
		case it := <-ch:
			batch = append(batch, it)
		}
	drain:
		for len(batch) < maxBatch {
			select {
			case it := <-ch:
				batch = append(batch, it)
			default:
				break drain
			}
		}
		submit(batch)
	}
}

// report hands a batch's outcome to the loop: an item the beacon node
// refused (named in the error's failures, or all of them when the error
// names none) failed; the others were accepted.
func report[T any](n *Node, items []subItem[T], err error, call string) {
	failed := map[int]string{}
	if err != nil {
		n.cfg.Metrics.BNError(call)
		var be *beaconclient.Error
		if errors.As(err, &be) && len(be.Failures) > 0 {
			for _, f := range be.Failures {
				failed[f.Index] = f.Message
			}
		} else {
			for i := range items {
				failed[i] = err.Error()
			}
		}
		n.log.Warn("beacon node refused a submission", "call", call, "items", len(items), "refused", len(failed), "err", err)
	}
	at := n.now()
	n.post(func() {
		for i, it := range items {
			if it.typ == consensus.DutyAttester {
				n.attestationAnswered(it.slot)
			}
			if msg, bad := failed[i]; bad {
				n.tracker.submitFailed(it.typ, it.vi, it.slot, msg, err)
			} else {
				n.tracker.accepted(it.typ, it.vi, it.slot, at)
			}
		}
	})
}

// submitAttestation converts a combined attestation to the shape the
// beacon API takes and queues it.
func (n *Node) submitAttestation(v *validator, a *networking.SignedAttestation) {
	data := a.Data()
	if data == nil {
		return
	}
	out := &eth2spec.VersionedAttestation{Version: a.Version}
	switch {
	case a.Electra != nil:
		// Bitvector[MAX_COMMITTEES_PER_SLOT] in the chain's size (Bitvector64
		// is only its Go type; its SetBitAt refuses any other length).
		cb := make(bitfield.Bitvector64, (n.cfg.Chain.ChainConfig().MaxCommitteesPerSlot+7)/8)
		if ci := uint64(a.Electra.CommitteeIndex); ci < n.cfg.Chain.ChainConfig().MaxCommitteesPerSlot {
			cb[ci/8] |= 1 << (ci % 8)
		}
		att := &electra.Attestation{AggregationBits: bitfield.NewBitlist(1), Data: a.Electra.Data, Signature: a.Electra.Signature, CommitteeBits: cb}
		vi := a.Electra.AttesterIndex
		out.ValidatorIndex = &vi
		if a.Version == eth2spec.DataVersionFulu {
			out.Fulu = att
		} else {
			out.Version = eth2spec.DataVersionElectra
			out.Electra = att
		}
	case a.Phase0 != nil:
		switch a.Version {
		case eth2spec.DataVersionPhase0:
			out.Phase0 = a.Phase0
		case eth2spec.DataVersionAltair:
			out.Altair = a.Phase0
		case eth2spec.DataVersionBellatrix:
			out.Bellatrix = a.Phase0
		case eth2spec.DataVersionCapella:
			out.Capella = a.Phase0
		default:
			out.Deneb = a.Phase0
		}
	default:
		return
	}
	n.tracker.stage(consensus.DutyAttester, v.index, data.Slot, stageSubmitted)
	defer n.aggAttested(v, data)
	select {
	case n.subm.atts <- subItem[*eth2spec.VersionedAttestation]{item: out, typ: consensus.DutyAttester, vi: v.index, slot: data.Slot}:
	default:
		n.cfg.Metrics.QueueDropped("attestation_submissions")
		n.log.Warn("attestation submission queue full; dropped", "validator", v.index, "slot", data.Slot)
	}
}

// submitSync queues a combined sync committee message.
func (n *Node) submitSync(v *validator, m *altair.SyncCommitteeMessage) {
	n.tracker.stage(consensus.DutySyncCommittee, v.index, m.Slot, stageSubmitted)
	defer n.aggSyncSubmitted(v, m.Slot, m.BeaconBlockRoot)
	select {
	case n.subm.syncs <- subItem[*altair.SyncCommitteeMessage]{item: m, typ: consensus.DutySyncCommittee, vi: v.index, slot: m.Slot}:
	default:
		n.cfg.Metrics.QueueDropped("sync_committee_submissions")
		n.log.Warn("sync committee submission queue full; dropped", "validator", v.index, "slot", m.Slot)
	}
}

// submitBlock publishes a combined block. From Deneb on the beacon API
// takes the block with its blobs: those of the proposal this node produced
// for the slot when it is the same block, none otherwise (the DV spec
// agrees on the block only).
func (n *Node) submitBlock(v *validator, sb *networking.SignedVersionedBlock) {
	signed, err := sb.ToVersioned(n.cfg.Chain)
	if err != nil {
		n.log.Error("combined block does not decode", "err", err)
		return
	}
	slot, err := signed.Slot()
	if err != nil {
		return
	}
	root, err := signedBlockRoot(n.cfg.Chain, signed)
	if err != nil {
		n.log.Error("combined block does not hash", "err", err)
		return
	}
	var own *api.VersionedProposal
	for _, p := range n.proposals[slot] {
		if b, err := beaconclient.ProposalBlock(p); err == nil {
			if r, err := n.cfg.Chain.BlockRoot(b); err == nil && r == root {
				own = p
			}
		}
	}
	prop, err := signedProposal(signed, own)
	if err != nil {
		n.log.Error("cannot publish the combined block", "slot", slot, "err", err)
		return
	}
	n.tracker.stage(consensus.DutyProposer, v.index, slot, stageSubmitted)
	vi := v.index
	go func() {
		ctx, cancel := context.WithTimeout(n.ctx, n.cfg.SlotDuration)
		defer cancel()
		err := n.cfg.BeaconNode.SubmitBlock(ctx, prop)
		report(n, []subItem[struct{}]{{typ: consensus.DutyProposer, vi: vi, slot: slot}}, err, "submit_block")
	}()
}

// signedBlockRoot is the root of the signed block's message in the chain's
// sizes (go-eth2-client's HashTreeRoot has the mainnet sizes).
func signedBlockRoot(chain signing.Chain, b *eth2spec.VersionedSignedBeaconBlock) (phase0.Root, error) {
	switch b.Version {
	case eth2spec.DataVersionPhase0:
		return chain.HashTreeRoot(b.Phase0.Message)
	case eth2spec.DataVersionAltair:
		return chain.HashTreeRoot(b.Altair.Message)
	case eth2spec.DataVersionBellatrix:
		return chain.HashTreeRoot(b.Bellatrix.Message)
	case eth2spec.DataVersionCapella:
		return chain.HashTreeRoot(b.Capella.Message)
	case eth2spec.DataVersionDeneb:
		return chain.HashTreeRoot(b.Deneb.Message)
	case eth2spec.DataVersionElectra:
		return chain.HashTreeRoot(b.Electra.Message)
	case eth2spec.DataVersionFulu:
		return chain.HashTreeRoot(b.Fulu.Message)
	}
	return phase0.Root{}, fmt.Errorf("unsupported block version %s", b.Version)
}

// signedProposal builds the beacon API's signed proposal of a block.
func signedProposal(b *eth2spec.VersionedSignedBeaconBlock, own *api.VersionedProposal) (*api.VersionedSignedProposal, error) {
	out := &api.VersionedSignedProposal{Version: b.Version}
	var (
		proofs []deneb.KZGProof
		blobs  []deneb.Blob
	)
	commitments := 0
	switch b.Version {
	case eth2spec.DataVersionPhase0:
		out.Phase0 = b.Phase0
		return out, nil
	case eth2spec.DataVersionAltair:
		out.Altair = b.Altair
		return out, nil
	case eth2spec.DataVersionBellatrix:
		out.Bellatrix = b.Bellatrix
		return out, nil
	case eth2spec.DataVersionCapella:
		out.Capella = b.Capella
		return out, nil
	case eth2spec.DataVersionDeneb:
		commitments = len(b.Deneb.Message.Body.BlobKZGCommitments)
		if own != nil && own.Deneb != nil {
			proofs, blobs = own.Deneb.KZGProofs, own.Deneb.Blobs
		}
	case eth2spec.DataVersionElectra:
		commitments = len(b.Electra.Message.Body.BlobKZGCommitments)
		if own != nil && own.Electra != nil {
			proofs, blobs = own.Electra.KZGProofs, own.Electra.Blobs
		}
	case eth2spec.DataVersionFulu:
		commitments = len(b.Fulu.Message.Body.BlobKZGCommitments)
		if own != nil && own.Fulu != nil {
			proofs, blobs = own.Fulu.KZGProofs, own.Fulu.Blobs
		}
	default:
		return nil, fmt.Errorf("unsupported block version %s", b.Version)
	}
	if commitments > 0 && len(blobs) == 0 {
		return nil, errors.New("the block commits to blobs this node does not have")
	}
	if proofs == nil {
		proofs = []deneb.KZGProof{}
	}
	if blobs == nil {
		blobs = []deneb.Blob{}
	}
	switch b.Version {
	case eth2spec.DataVersionDeneb:
		out.Deneb = &apiv1deneb.SignedBlockContents{SignedBlock: b.Deneb, KZGProofs: proofs, Blobs: blobs}
	case eth2spec.DataVersionElectra:
		out.Electra = &apiv1electra.SignedBlockContents{SignedBlock: b.Electra, KZGProofs: proofs, Blobs: blobs}
	default:
		out.Fulu = &apiv1fulu.SignedBlockContents{SignedBlock: b.Fulu, KZGProofs: proofs, Blobs: blobs}
	}
	return out, nil
}
