package node

import (
	"context"
	"fmt"

	"github.com/attestantio/go-eth2-client/api"
	apiv1deneb "github.com/attestantio/go-eth2-client/api/v1/deneb"
	apiv1electra "github.com/attestantio/go-eth2-client/api/v1/electra"
	apiv1fulu "github.com/attestantio/go-eth2-client/api/v1/fulu"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/deneb"

	"github.com/dvspec/go-dvspec/impl/beaconclient"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

// cacheAttestationForVC records the decided attestation in the durable
// slashing DB under this node's share key, then hands it to the VC-facing
// API: the VC signs it with that share, so the node keeps the history a
// restart needs (the DVC state itself is in memory only).
func (n *Node) cacheAttestationForVC(v *validator, o dvc.CacheAttestationDataForVC) {
	in, err := n.cfg.Chain.AttestationData(o.Data)
	if err != nil {
		n.log.Error("decided attestation data does not hash", "validator", v.index, "err", err)
		return
	}
	root := in.SigningRoot
	rec := &slashing.SlashingDBAttestation{SourceEpoch: o.Data.Source.Epoch, TargetEpoch: o.Data.Target.Epoch, SigningRoot: &root}
	n.toVC(func(ctx context.Context) error {
		if err := n.cfg.Slashing.RecordAttestation(v.sharePub, rec); err != nil {
			return fmt.Errorf("recording the attestation of slot %d: %w", o.Data.Slot, err)
		}
		return n.cfg.VC.CacheAttestationDataForVC(ctx, o.Data, o.Duty)
	})
}

// cacheBlockForVC records the decided block in the durable slashing DB and
// hands it to the VC-facing API as the beacon API's proposal: from Deneb on
// with the blobs of this node's own proposal when it is the decided block
// (none otherwise, as for submitBlock).
func (n *Node) cacheBlockForVC(v *validator, o dvc.CacheBlockForVC) {
	in, err := n.cfg.Chain.BeaconBlock(o.Block)
	if err != nil {
		n.log.Error("decided block does not hash", "validator", v.index, "err", err)
		return
	}
	root := in.SigningRoot
	slot := o.Duty.Slot
	var own *api.VersionedProposal
	if br, err := n.cfg.Chain.BlockRoot(o.Block); err == nil {
		for _, p := range n.proposals[slot] {
			if b, err := beaconclient.ProposalBlock(p); err == nil {
				if r, err := n.cfg.Chain.BlockRoot(b); err == nil && r == br {
					own = p
				}
			}
		}
	}
	prop, err := proposalOf(o.Block, own)
	if err != nil {
		n.log.Error("cannot hand the decided block to the VC", "validator", v.index, "slot", slot, "err", err)
		return
	}
	rec := &slashing.SlashingDBBlock{Slot: slot, SigningRoot: &root}
	n.toVC(func(ctx context.Context) error {
		if err := n.cfg.Slashing.RecordBlock(v.sharePub, rec); err != nil {
			return fmt.Errorf("recording the block of slot %d: %w", slot, err)
		}
		return n.cfg.VC.CacheBlockForVC(ctx, prop, o.Duty)
	})
}

// proposalOf is the beacon API's (unblinded) proposal of a block: from
// Deneb on the block contents, with own's blobs and proofs when own is the
// same block.
func proposalOf(b *eth2spec.VersionedBeaconBlock, own *api.VersionedProposal) (*api.VersionedProposal, error) {
	if b == nil || b.IsEmpty() {
		return nil, fmt.Errorf("no block")
	}
	out := &api.VersionedProposal{Version: b.Version}
	var (
		proofs []deneb.KZGProof
		blobs  []deneb.Blob
	)
	switch b.Version {
	case eth2spec.DataVersionPhase0:
		out.Phase0 = b.Phase0
	case eth2spec.DataVersionAltair:
		out.Altair = b.Altair
	case eth2spec.DataVersionBellatrix:
		out.Bellatrix = b.Bellatrix
	case eth2spec.DataVersionCapella:
		out.Capella = b.Capella
	case eth2spec.DataVersionDeneb:
		if own != nil && own.Deneb != nil {
			proofs, blobs = own.Deneb.KZGProofs, own.Deneb.Blobs
		}
		out.Deneb = &apiv1deneb.BlockContents{Block: b.Deneb, KZGProofs: nonNil(proofs), Blobs: nonNil(blobs)}
	case eth2spec.DataVersionElectra:
		if own != nil && own.Electra != nil {
			proofs, blobs = own.Electra.KZGProofs, own.Electra.Blobs
		}
		out.Electra = &apiv1electra.BlockContents{Block: b.Electra, KZGProofs: nonNil(proofs), Blobs: nonNil(blobs)}
	case eth2spec.DataVersionFulu:
		if own != nil && own.Fulu != nil {
			proofs, blobs = own.Fulu.KZGProofs, own.Fulu.Blobs
		}
		out.Fulu = &apiv1fulu.BlockContents{Block: b.Fulu, KZGProofs: nonNil(proofs), Blobs: nonNil(blobs)}
	default:
		return nil, fmt.Errorf("unsupported block version %s", b.Version)
	}
	return out, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
