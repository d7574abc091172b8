package spectests

import (
	"fmt"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/dvc/slotcons/slotconscases"
	"github.com/dvspec/go-dvspec/spec/names"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

// RunSlotConsensus implements SlotConsensusImplementation with
// spec/dvc/slotcons; each member's predicate is the one spec/dvc's
// ValidityFor gives its active instance.
func (GoSpec) RunSlotConsensus(req SlotConsensusRequest) ([]SlotStepResult, error) {
	chain, err := SpecChainPreset(req.Preset, req.Chain)
	if err != nil {
		return nil, err
	}
	db, err := slashing.DecodeSlashingDB(req.SlashingDB)
	if err != nil {
		return nil, err
	}
	in := slotconscases.Input{Chain: chain, DB: db, Cluster: req.ClusterRoot}
	for i, m := range req.Members {
		st, err := slotStart(m)
		if err != nil {
			return nil, fmt.Errorf("member %d: %w", i, err)
		}
		in.Starts = append(in.Starts, st)
	}
	for _, s := range req.Steps {
		d, err := dutyTypeNamed(s.DutyType)
		if s.DutyType != "" && err != nil {
			return nil, err
		}
		in.Steps = append(in.Steps, slotconscases.StepInput{Op: slotconscases.Op(s.Op), Member: s.Member, Slot: phase0.Slot(s.Slot), Duty: d, Value: s.Value})
	}
	var out []SlotStepResult
	for _, r := range slotconscases.Execute(in) {
		x := SlotStepResult{Error: r.Err, Start: r.Start}
		if r.Slot != (consensus.InstanceID{}) {
			x.SlotInstance = &SlotInstance{DutyType: consensus.DutyType(r.Slot.DutyType).String(), Slot: uint64(r.Slot.Slot)}
		}
		for i, d := range r.Deliver {
			x.Deliveries = append(x.Deliveries, SlotDelivery{Validator: Hex(d.Validator[:]), Event: slotEventName(d.Event), Value: Hex(r.Values[i])})
		}
		for _, pk := range r.Excluded {
			x.Excluded = append(x.Excluded, Hex(pk[:]))
		}
		for _, s := range r.Stopped {
			x.Stopped = append(x.Stopped, SlotInstance{DutyType: consensus.DutyType(s.DutyType).String(), Slot: uint64(s.Slot)})
		}
		out = append(out, x)
	}
	return out, nil
}

func dutyTypeNamed(name string) (consensus.DutyType, error) {
	for d := consensus.DutyAttester; d.Valid(); d++ {
		if d.String() == name {
			return d, nil
		}
	}
	return 0, fmt.Errorf("unknown duty type %q", name)
}

// slotStart is the StartConsensus a member describes.
func slotStart(m SlotMember) (dvc.StartConsensus, error) {
	d, err := dutyTypeNamed(m.DutyType)
	if err != nil {
		return dvc.StartConsensus{}, err
	}
	id := consensus.InstanceID{Cluster: m.Cluster, Validator: m.Pubkey, DutyType: uint64(d), Slot: phase0.Slot(m.Slot)}
	switch d {
	case consensus.DutyAttester:
		return dvc.StartConsensus{ID: id, Attester: &spec.AttestationDuty{Pubkey: m.Pubkey, ValidatorIndex: phase0.ValidatorIndex(m.ValidatorIndex),
			CommitteeIndex: phase0.CommitteeIndex(m.CommitteeIndex), CommitteeLength: m.CommitteeLength, CommitteesAtSlot: m.CommitteesAtSlot,
			ValidatorCommitteeIndex: m.ValidatorCommitteeIndex, Slot: phase0.Slot(m.Slot)}}, nil
	case consensus.DutySyncCommittee:
		return dvc.StartConsensus{ID: id, SyncCommittee: &dvc.SyncCommitteeValidity{
			Duty: &spec.SyncCommitteeDuty{Pubkey: m.Pubkey, ValidatorIndex: phase0.ValidatorIndex(m.ValidatorIndex), ValidatorSyncCommitteeIndices: m.SyncCommitteeIndices},
			Slot: phase0.Slot(m.Slot), SubcommitteeIndex: m.SubcommitteeIndex}}, nil
	case consensus.DutyProposer:
		return dvc.StartConsensus{ID: id, Proposer: &dvc.ProposerValidity{Duty: &spec.ProposerDuty{Pubkey: m.Pubkey, ValidatorIndex: phase0.ValidatorIndex(m.ValidatorIndex), Slot: phase0.Slot(m.Slot)}}}, nil
	}
	return dvc.StartConsensus{}, fmt.Errorf("duty type %s cannot be a member", d)
}

func slotEventName(ev dvc.Event) string {
	switch ev.(type) {
	case dvc.AttestationConsensusDecided:
		return names.AttestationConsensusDecided
	case dvc.SyncCommitteeConsensusDecided:
		return names.SyncCommitteeConsensusDecided
	}
	return fmt.Sprintf("%T", ev)
}
