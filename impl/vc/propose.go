package vc

import (
	"context"
	"fmt"

	"github.com/attestantio/go-eth2-client/api"
	apiv1deneb "github.com/attestantio/go-eth2-client/api/v1/deneb"
	apiv1electra "github.com/attestantio/go-eth2-client/api/v1/electra"
	apiv1fulu "github.com/attestantio/go-eth2-client/api/v1/fulu"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/capella"
	"github.com/attestantio/go-eth2-client/spec/deneb"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/beaconclient"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

// Propose performs the block proposal of slot, if one of the client's keys
// proposes, without waiting (Run calls it at the slot start).
func (v *VC) Propose(ctx context.Context, slot phase0.Slot) []Result {
	if !v.ready() {
		return nil
	}
	if slot == 0 {
		return nil
	}
	d, err := v.dutiesOf(ctx, v.epochOf(slot))
	if err != nil {
		v.log.Warn("no proposer duties", "slot", slot, "err", err)
		return nil
	}
	var out []Result
	for _, p := range d.proposer {
		if p.Slot != slot {
			continue
		}
		r := Result{Type: DutyProposal, Validator: p.ValidatorIndex, PubKey: p.PubKey, Slot: slot}
		r.Err = v.propose(ctx, slot, p.ValidatorIndex)
		r.OK = r.Err == nil
		out = append(out, r)
	}
	return v.report(out)
}

func (v *VC) propose(ctx context.Context, slot phase0.Slot, index phase0.ValidatorIndex) error {
	k := v.keyOf(index)
	if k == nil {
		return fmt.Errorf("no key for validator %d", index)
	}
	// In VC-middleware mode this reveal is a partial signature: the DV
	// node combines it with the other operators' before it asks its beacon
	// node for a block.
	rin, err := v.chain.RandaoReveal(v.epochOf(slot))
	if err != nil {
		return err
	}
	reveal, err := bls.Sign(k.sk, rin.SigningRoot[:])
	if err != nil {
		return err
	}
	produce := v.bn.ProduceBlock
	if v.cfg.Distributed {
		produce = v.bn.ProduceBlockFromMiddleware
	}
	prop, err := produce(ctx, slot, reveal, v.cfg.Graffiti)
	if err != nil {
		return fmt.Errorf("produce block: %w", err)
	}
	block, err := beaconclient.ProposalBlock(prop)
	if err != nil {
		return err
	}
	bslot, err := block.Slot()
	if err != nil {
		return badAnswer(fmt.Errorf("produced block: %w", err))
	}
	proposer, err := block.ProposerIndex()
	if err != nil {
		return badAnswer(fmt.Errorf("produced block: %w", err))
	}
	if bslot != slot || proposer != index {
		return badAnswer(fmt.Errorf("produced block is for slot %d proposer %d, asked slot %d proposer %d", bslot, proposer, slot, index))
	}
	in, err := v.chain.BeaconBlock(block)
	if err != nil {
		return err
	}
	root := in.SigningRoot
	if err := v.cfg.Slashing.RecordBlock(k.pub, &slashing.SlashingDBBlock{Slot: slot, SigningRoot: &root}); err != nil {
		return fmt.Errorf("slashing protection: %w", err)
	}
	sig, err := bls.Sign(k.sk, root[:])
	if err != nil {
		return err
	}
	signed, err := signedProposal(prop, sig)
	if err != nil {
		return err
	}
	if err := v.bn.SubmitBlock(ctx, signed); err != nil {
		return fmt.Errorf("publish block: %w", err)
	}
	return nil
}

// signedProposal attaches sig to the produced proposal, with its blobs and
// proofs from Deneb on.
func signedProposal(p *api.VersionedProposal, sig phase0.BLSSignature) (*api.VersionedSignedProposal, error) {
	out := &api.VersionedSignedProposal{Version: p.Version}
	switch p.Version {
	case eth2spec.DataVersionPhase0:
		out.Phase0 = &phase0.SignedBeaconBlock{Message: p.Phase0, Signature: sig}
	case eth2spec.DataVersionAltair:
		out.Altair = &altair.SignedBeaconBlock{Message: p.Altair, Signature: sig}
	case eth2spec.DataVersionBellatrix:
		out.Bellatrix = &bellatrix.SignedBeaconBlock{Message: p.Bellatrix, Signature: sig}
	case eth2spec.DataVersionCapella:
		out.Capella = &capella.SignedBeaconBlock{Message: p.Capella, Signature: sig}
	case eth2spec.DataVersionDeneb:
		out.Deneb = &apiv1deneb.SignedBlockContents{SignedBlock: &deneb.SignedBeaconBlock{Message: p.Deneb.Block, Signature: sig}, KZGProofs: nonNil(p.Deneb.KZGProofs), Blobs: nonNil(p.Deneb.Blobs)}
	case eth2spec.DataVersionElectra:
		out.Electra = &apiv1electra.SignedBlockContents{SignedBlock: &electra.SignedBeaconBlock{Message: p.Electra.Block, Signature: sig}, KZGProofs: nonNil(p.Electra.KZGProofs), Blobs: nonNil(p.Electra.Blobs)}
	case eth2spec.DataVersionFulu:
		out.Fulu = &apiv1fulu.SignedBlockContents{SignedBlock: &electra.SignedBeaconBlock{Message: p.Fulu.Block, Signature: sig}, KZGProofs: nonNil(p.Fulu.KZGProofs), Blobs: nonNil(p.Fulu.Blobs)}
	default:
		return nil, fmt.Errorf("unsupported proposal version %s", p.Version)
	}
	return out, nil
}

// nonNil keeps empty lists as [] in JSON, which the API requires.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
