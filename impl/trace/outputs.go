package trace

import (
	"errors"
	"fmt"

	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/names"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// EncodeOutputs converts outputs.
func EncodeOutputs(chain signing.Chain, outs []dvc.Output) ([]Item, error) {
	res := make([]Item, 0, len(outs))
	for _, o := range outs {
		j, err := EncodeOutput(chain, o)
		if err != nil {
			return nil, err
		}
		res = append(res, j)
	}
	return res, nil
}

// EncodeOutput converts one output.
func EncodeOutput(chain signing.Chain, o dvc.Output) (Item, error) {
	if o == nil {
		return nil, errors.New("trace: nil output")
	}
	f := &Fields{}
	var err error
	switch x := o.(type) {
	case dvc.StartConsensus:
		f.Instance = encodeID(x.ID)
		switch {
		case x.Attester != nil:
			f.Attester = &DutyRef{}
			f.Attester.DutySSZ, err = ssz(x.Attester)
		case x.Proposer != nil:
			f.Proposer = &DutyRef{RandaoReveal: Hex(x.Proposer.RandaoReveal[:])}
			f.Proposer.DutySSZ, err = ssz(x.Proposer.Duty)
		case x.SyncCommittee != nil:
			f.SyncCommittee = &DutyRef{Slot: u64p(uint64(x.SyncCommittee.Slot)), SubcommitteeIndex: u64p(x.SyncCommittee.SubcommitteeIndex)}
			f.SyncCommittee.DutySSZ, err = ssz(x.SyncCommittee.Duty)
		}
	case dvc.StopConsensus:
		f.Instances = encodeIDs(x.IDs)
	case dvc.UpdateValidity:
		f.Instances = encodeIDs(x.IDs)
	case dvc.Signed:
		f.Kind = x.Kind.String()
		f.Slot = u64p(uint64(x.Slot))
		f.ObjectRoot, f.ForkVersion = Hex(x.Input.ObjectRoot[:]), Hex(x.Input.ForkVersion[:])
		f.Domain, f.SigningRoot = Hex(x.Input.Domain[:]), Hex(x.Input.SigningRoot[:])
		f.Signature = Hex(x.Signature[:])
	case dvc.Broadcast:
		if x.Message == nil {
			return nil, errors.New("trace: broadcast without message")
		}
		f.MessageKind = x.Message.Kind().String()
		f.MessageSSZ, err = ssz(x.Message)
		f.To = append([]uint64{}, x.To...)
	case dvc.SubmitAttestation:
		f.AttestationFork, f.AttestationSSZ, err = encodeSignedAttestation(x.Attestation)
	case dvc.SubmitBlock:
		f.BlockSSZ, err = ssz(x.Block)
	case dvc.SubmitSyncCommitteeMessage:
		f.MessageSSZ, err = ssz(x.Message)
	case dvc.CacheAttestationDataForVC:
		if f.DutySSZ, err = ssz(x.Duty); err == nil {
			f.DataSSZ, err = ssz(x.Data)
		}
	case dvc.CacheBlockForVC:
		if f.DutySSZ, err = ssz(x.Duty); err == nil {
			f.BlockFork, f.BlockSSZ, err = EncodeBlock(chain, x.Block)
		}
	case dvc.CacheSyncCommitteeContributionForVC:
		if f.DutySSZ, err = ssz(x.Duty); err == nil {
			f.ContributionSSZ, err = ssz(x.Contribution)
		}
	case dvc.Ignored:
		f.Reason = string(x.Reason)
		f.Slot = u64p(uint64(x.Slot))
		f.Detail = x.Detail
	default:
		return nil, fmt.Errorf("trace: unknown output %T", o)
	}
	if err != nil {
		return nil, fmt.Errorf("trace: %s: %w", o.OutputName(), err)
	}
	return Item{o.OutputName(): f}, nil
}

func encodeIDs(ids []consensus.InstanceID) []InstanceID {
	out := make([]InstanceID, 0, len(ids))
	for _, id := range ids {
		out = append(out, *encodeID(id))
	}
	return out
}

func decodeIDs(js []InstanceID) ([]consensus.InstanceID, error) {
	var out []consensus.InstanceID
	for i := range js {
		id, err := decodeID(&js[i])
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

// DecodeOutput converts one output back.
func DecodeOutput(chain signing.Chain, it Item) (dvc.Output, error) {
	return decodeItem(chain, it, "output", decodeOutput)
}

func decodeOutput(chain signing.Chain, name string, f *Fields) (dvc.Output, error) {
	switch name {
	case names.StartConsensus:
		id, err := decodeID(f.Instance)
		if err != nil {
			return nil, err
		}
		out := dvc.StartConsensus{ID: id}
		switch {
		case f.Attester != nil:
			out.Attester, err = decodeSSZ[spec.AttestationDuty](f.Attester.DutySSZ, "attester.duty_ssz")
		case f.Proposer != nil:
			var d *spec.ProposerDuty
			if d, err = decodeSSZ[spec.ProposerDuty](f.Proposer.DutySSZ, "proposer.duty_ssz"); err != nil {
				return nil, err
			}
			r, err := sig(f.Proposer.RandaoReveal, "proposer.randao_reveal")
			if err != nil {
				return nil, err
			}
			out.Proposer = &dvc.ProposerValidity{Duty: d, RandaoReveal: r}
		case f.SyncCommittee != nil:
			var d *spec.SyncCommitteeDuty
			if d, err = decodeSSZ[spec.SyncCommitteeDuty](f.SyncCommittee.DutySSZ, "sync_committee.duty_ssz"); err != nil {
				return nil, err
			}
			if f.SyncCommittee.Slot == nil || f.SyncCommittee.SubcommitteeIndex == nil {
				return nil, errors.New("sync_committee without slot or subcommittee_index")
			}
			out.SyncCommittee = &dvc.SyncCommitteeValidity{Duty: d, Slot: phase0.Slot(*f.SyncCommittee.Slot), SubcommitteeIndex: *f.SyncCommittee.SubcommitteeIndex}
		default:
			return nil, errors.New("start_consensus without attester, proposer or sync_committee")
		}
		return out, err
	case names.StopConsensus:
		ids, err := decodeIDs(f.Instances)
		return dvc.StopConsensus{IDs: ids}, err
	case names.UpdateValidity:
		ids, err := decodeIDs(f.Instances)
		return dvc.UpdateValidity{IDs: ids}, err
	case names.Signed:
		if f.Slot == nil {
			return nil, errors.New("missing slot")
		}
		var kind dvc.SignKind
		for k := dvc.SignAttestation; k <= dvc.SignSyncCommitteeMessage; k++ {
			if k.String() == f.Kind {
				kind = k
			}
		}
		if kind == 0 {
			return nil, fmt.Errorf("unknown kind %q", f.Kind)
		}
		var in signing.SigningInput
		var err error
		if in.ObjectRoot, err = root(f.ObjectRoot, "object_root"); err != nil {
			return nil, err
		}
		if in.ForkVersion, err = version4(f.ForkVersion, "fork_version"); err != nil {
			return nil, err
		}
		d, err := root(f.Domain, "domain")
		if err != nil {
			return nil, err
		}
		in.Domain = d
		if in.SigningRoot, err = root(f.SigningRoot, "signing_root"); err != nil {
			return nil, err
		}
		s, err := sig(f.Signature, "signature")
		return dvc.Signed{Kind: kind, Slot: phase0.Slot(*f.Slot), Input: in, Signature: s}, err
	case names.Broadcast:
		var m networking.Message
		var err error
		switch f.MessageKind {
		case networking.KindAttestationShare.String():
			m, err = decodeSSZ[networking.AttestationShare](f.MessageSSZ, "message_ssz")
		case networking.KindRandaoShare.String():
			m, err = decodeSSZ[networking.RandaoShare](f.MessageSSZ, "message_ssz")
		case networking.KindBlockShare.String():
			m, err = decodeSSZ[networking.BlockShare](f.MessageSSZ, "message_ssz")
		case networking.KindSyncCommitteeMessageShare.String():
			m, err = decodeSSZ[networking.SyncCommitteeMessageShare](f.MessageSSZ, "message_ssz")
		default:
			return nil, fmt.Errorf("unknown message_kind %q", f.MessageKind)
		}
		return dvc.Broadcast{Message: m, To: f.To}, err
	case names.SubmitAttestation:
		a, err := decodeSignedAttestation(f.AttestationFork, f.AttestationSSZ)
		return dvc.SubmitAttestation{Attestation: a}, err
	case names.SubmitBlock:
		b, err := decodeSSZ[networking.SignedVersionedBlock](f.BlockSSZ, "block_ssz")
		return dvc.SubmitBlock{Block: b}, err
	case names.SubmitSyncCommitteeMessage:
		m, err := decodeSSZ[altair.SyncCommitteeMessage](f.MessageSSZ, "message_ssz")
		return dvc.SubmitSyncCommitteeMessage{Message: m}, err
	case names.CacheAttestationDataForVC:
		d, err := decodeSSZ[spec.AttestationDuty](f.DutySSZ, "duty_ssz")
		if err != nil {
			return nil, err
		}
		data, err := decodeSSZ[phase0.AttestationData](f.DataSSZ, "data_ssz")
		return dvc.CacheAttestationDataForVC{Duty: d, Data: data}, err
	case names.CacheBlockForVC:
		d, err := decodeSSZ[spec.ProposerDuty](f.DutySSZ, "duty_ssz")
		if err != nil {
			return nil, err
		}
		b, err := DecodeBlock(chain, f.BlockFork, f.BlockSSZ)
		return dvc.CacheBlockForVC{Duty: d, Block: b}, err
	case names.CacheSyncCommitteeContributionForVC:
		d, err := decodeSSZ[spec.SyncCommitteeDuty](f.DutySSZ, "duty_ssz")
		if err != nil {
			return nil, err
		}
		c, err := decodeSSZ[altair.SyncCommitteeContribution](f.ContributionSSZ, "contribution_ssz")
		return dvc.CacheSyncCommitteeContributionForVC{Duty: d, Contribution: c}, err
	case names.Ignored:
		var slot uint64
		if f.Slot != nil {
			slot = *f.Slot
		}
		return dvc.Ignored{Reason: dvc.IgnoreReason(f.Reason), Slot: phase0.Slot(slot), Detail: f.Detail}, nil
	}
	return nil, errors.New("unknown output name")
}
