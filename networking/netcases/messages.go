package netcases

import (
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/signing"
)

func (nc *Cluster) vi() phase0.ValidatorIndex { return phase0.ValidatorIndex(nc.Keys.ValidatorIndex) }

func (nc *Cluster) sign(i int, in signing.SigningInput, err error) phase0.BLSSignature {
	if err != nil {
		panic(err)
	}
	return nc.env.Sign(nc.Keys.Shares[i-1].SecretKey, in.SigningRoot[:])
}

// attDuty is the validator's attester duty of the messages: committee 5
// of 16 members, the validator at position 9.
func (nc *Cluster) attDuty() *spec.AttestationDuty {
	return &spec.AttestationDuty{Pubkey: nc.Keys.ValidatorPublic, ValidatorIndex: nc.vi(),
		CommitteeIndex: 5, CommitteeLength: 16, CommitteesAtSlot: 8, ValidatorCommitteeIndex: 9, Slot: nc.Slot}
}

func (nc *Cluster) attData(tag string) *phase0.AttestationData {
	index := phase0.CommitteeIndex(5)
	if nc.Fork >= eth2spec.DataVersionElectra {
		index = 0
	}
	return nc.env.AttestationData(nc.Chain, nc.Slot, index, nc.Label+"/"+tag)
}

func (nc *Cluster) attShare(i int, data *phase0.AttestationData) *networking.AttestationShare {
	bits, err := dvc.AggregationBits(nc.attDuty())
	if err != nil {
		panic(err)
	}
	in, err := nc.Chain.AttestationData(data)
	return &networking.AttestationShare{Data: data, AggregationBits: bits, CommitteeIndex: 5, ValidatorIndex: nc.vi(),
		Signature: nc.sign(i, in, err), ShareIndex: uint64(i)}
}

func (nc *Cluster) randaoShare(i int, slot phase0.Slot) *networking.RandaoShare {
	in, err := nc.Chain.RandaoReveal(phase0.Epoch(uint64(slot) / nc.Chain.SlotsPerEpoch))
	return &networking.RandaoShare{Slot: slot, ValidatorIndex: nc.vi(), Signature: nc.sign(i, in, err), ShareIndex: uint64(i)}
}

func (nc *Cluster) block(tag string) *eth2spec.VersionedBeaconBlock {
	return nc.env.Block(nc.Chain, nc.Fork, nc.Slot, nc.Keys.ValidatorIndex, nc.Label+"/block/"+tag)
}

func (nc *Cluster) blockShare(i int, b *eth2spec.VersionedBeaconBlock) *networking.BlockShare {
	vb, err := networking.NewVersionedBlock(nc.Chain, b)
	if err != nil {
		panic(err)
	}
	in, err := nc.Chain.BeaconBlock(b)
	return &networking.BlockShare{Block: vb, Signature: nc.sign(i, in, err), ShareIndex: uint64(i)}
}

func (nc *Cluster) syncShare(i int, tag string) *networking.SyncCommitteeMessageShare {
	root := nc.env.Root(nc.Label + "/head/" + tag)
	in, err := nc.Chain.SyncCommitteeMessage(nc.Slot, root)
	return &networking.SyncCommitteeMessageShare{Slot: nc.Slot, BeaconBlockRoot: root, ValidatorIndex: nc.vi(),
		Signature: nc.sign(i, in, err), ShareIndex: uint64(i)}
}

// selectionShare is node i's share of the validator's slot selection proof
// (an aggregation share of type selection_proof, SPEC.md section 12).
func (nc *Cluster) selectionShare(i int, slot phase0.Slot) *networking.AggregationShare {
	in, err := nc.Chain.AggregationSlot(slot)
	return &networking.AggregationShare{Type: uint64(networking.ShareSelectionProof), Slot: slot, ValidatorIndex: nc.vi(),
		SigningRoot: in.SigningRoot, Signature: nc.sign(i, in, err), ShareIndex: uint64(i)}
}

// messages builds the shares of one kind: msg(i, tag) is node i's share
// of the message tagged tag.
type messages struct {
	kind networking.MessageKind
	msg  func(i int, tag string) networking.Message
}

func kindsFor(nc *Cluster) []messages {
	out := []messages{
		{networking.KindAttestationShare, func(i int, tag string) networking.Message { return nc.attShare(i, nc.attData(tag)) }},
		{networking.KindRandaoShare, func(i int, tag string) networking.Message {
			slot := nc.Slot
			if tag != "a" {
				slot += phase0.Slot(nc.Chain.SlotsPerEpoch) // another epoch: another message
			}
			return nc.randaoShare(i, slot)
		}},
		{networking.KindBlockShare, func(i int, tag string) networking.Message { return nc.blockShare(i, nc.block(tag)) }},
	}
	if nc.Fork >= eth2spec.DataVersionAltair {
		out = append(out, messages{networking.KindSyncCommitteeMessageShare, func(i int, tag string) networking.Message { return nc.syncShare(i, tag) }})
	}
	out = append(out, messages{networking.KindAggregationShare, func(i int, tag string) networking.Message {
		slot := nc.Slot
		if tag != "a" {
			slot++ // another slot: another selection proof
		}
		return nc.selectionShare(i, slot)
	}})
	return out
}

func kindIndex(list []messages, k networking.MessageKind) int {
	for i, m := range list {
		if m.kind == k {
			return i
		}
	}
	panic("no messages of kind " + k.String())
}

func setSignature(m networking.Message, sig phase0.BLSSignature) {
	switch s := m.(type) {
	case *networking.AttestationShare:
		s.Signature = sig
	case *networking.RandaoShare:
		s.Signature = sig
	case *networking.BlockShare:
		s.Signature = sig
	case *networking.SyncCommitteeMessageShare:
		s.Signature = sig
	case *networking.AggregationShare:
		s.Signature = sig
	}
}

func setShareIndex(m networking.Message, i uint64) {
	switch s := m.(type) {
	case *networking.AttestationShare:
		s.ShareIndex = i
	case *networking.RandaoShare:
		s.ShareIndex = i
	case *networking.BlockShare:
		s.ShareIndex = i
	case *networking.SyncCommitteeMessageShare:
		s.ShareIndex = i
	case *networking.AggregationShare:
		s.ShareIndex = i
	}
}

// setValidatorIndex makes a share name another validator index (blocks
// carry the proposer in the block itself and are left unchanged).
func setValidatorIndex(m networking.Message, v uint64) {
	switch s := m.(type) {
	case *networking.AttestationShare:
		s.ValidatorIndex = phase0.ValidatorIndex(v)
	case *networking.RandaoShare:
		s.ValidatorIndex = phase0.ValidatorIndex(v)
	case *networking.SyncCommitteeMessageShare:
		s.ValidatorIndex = phase0.ValidatorIndex(v)
	case *networking.AggregationShare:
		s.ValidatorIndex = phase0.ValidatorIndex(v)
	}
}

// resignAs signs m again with node i's share of nc (after its fields
// changed).
func resignAs(nc *Cluster, m networking.Message, i int) networking.Message {
	in, err := (networking.Verifier{Chain: nc.Chain}).SigningInput(m)
	setSignature(m, nc.sign(i, in, err))
	return m
}
