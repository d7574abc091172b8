package validitycases

import (
	"fmt"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// Epoch is the epoch of the duty of every attestation case (but the
// genesis attestation's).
const Epoch = phase0.Epoch(10)

// DutyIndex is the committee index of the duty of every attestation case.
const DutyIndex = phase0.CommitteeIndex(3)

// DutySlot is the duty's slot: the sixth slot of Epoch.
func DutySlot(slotsPerEpoch uint64) phase0.Slot { return phase0.Slot(uint64(Epoch)*slotsPerEpoch + 5) }

// Attestation is one attestation data case: a duty for committee DutyIndex
// at slot DutySlot (or Duty), data for that slot and committee voting
// (Epoch-1, Epoch), with the fields a case sets replaced, checked against a
// slashing DB holding Prior (source, target) votes.
type Attestation struct {
	Name, Desc string
	// Duty is the duty's slot when not DutySlot, Slot the data's when not
	// the duty's.
	Duty, Slot phase0.Slot
	// Index is the data's committee index; nil: the fork's right one
	// (DutyIndex, from Electra 0).
	Index          *phase0.CommitteeIndex
	Source, Target *phase0.Epoch
	Prior          [][2]phase0.Epoch
	// PriorSame: the DB also holds this very data's signing root.
	PriorSame bool
	// Want names the rule that refuses the data ("" for valid), and
	// WantSlashing the slashing rule under "slashable".
	Want, WantSlashing string
}

// Attestations are the attestation data cases of fork with slotsPerEpoch
// slots per epoch; minimal adds the case of a minimal-preset chain.
func Attestations(fork eth2spec.DataVersion, slotsPerEpoch uint64, minimal bool) []Attestation {
	ci := func(i phase0.CommitteeIndex) *phase0.CommitteeIndex { return &i }
	ep := func(e phase0.Epoch) *phase0.Epoch { return &e }
	slot := DutySlot(slotsPerEpoch)
	cases := []Attestation{
		{Name: "valid", Desc: "well-formed data for the duty, empty slashing DB"},
		{Name: "valid_after_history", Desc: "well-formed data after earlier votes (8, 9)", Prior: [][2]phase0.Epoch{{8, 9}}},
		{Name: "valid_repeat_of_signed_data", Desc: "the DB already holds this very data's signing root: deciding it again is safe (a restarted node can help finish the duty)", PriorSame: true},
		{Name: "slot_mismatch", Desc: "data for the next slot", Slot: slot + 1, Want: "slot_mismatch"},
		{Name: "target_not_epoch_of_slot", Desc: "target epoch one past the slot's epoch", Target: ep(Epoch + 1), Want: "target_epoch_mismatch"},
		{Name: "far_future_target", Desc: "target epoch 2**40: a byzantine leader's attempt to block every later attestation through the surround rule (SPEC.md deviation 4)", Target: ep(1 << 40), Want: "target_epoch_mismatch"},
		{Name: "source_equals_target", Desc: "source = target = the slot's epoch (not genesis)", Source: ep(Epoch), Want: "source_not_before_target"},
		{Name: "source_after_target", Desc: "source after target", Source: ep(Epoch + 1), Want: "source_not_before_target"},
		{Name: "double_vote", Desc: "the DB holds another vote for the target epoch", Prior: [][2]phase0.Epoch{{9, 10}}, Want: "slashable", WantSlashing: "double_vote"},
		{Name: "surrounded_by_signed", Desc: "the DB holds (5, 6) and (8, 11), which surrounds the data's (9, 10)", Prior: [][2]phase0.Epoch{{5, 6}, {8, 11}}, Want: "slashable", WantSlashing: "surrounded_by_existing"},
		{Name: "surrounds_signed", Desc: "the data (7, 10) surrounds the DB's (8, 9)", Source: ep(7), Prior: [][2]phase0.Epoch{{5, 6}, {8, 9}}, Want: "slashable", WantSlashing: "surrounds_existing"},
		{Name: "target_below_minimum", Desc: "the DB holds (11, 12): the data's target 10 is below it", Prior: [][2]phase0.Epoch{{11, 12}}, Want: "slashable", WantSlashing: "target_below_minimum"},
	}
	if fork >= eth2spec.DataVersionElectra {
		cases = append(cases, Attestation{Name: "duty_committee_index_refused", Desc: "the duty's committee index (3) in the data: from Electra on the index must be 0 (EIP-7549)", Index: ci(DutyIndex), Want: "committee_index_not_zero"})
	} else {
		cases = append(cases,
			Attestation{Name: "index_zero_refused", Desc: "index 0 while the duty's committee is 3: before Electra the index is the committee", Index: ci(0), Want: "committee_index_mismatch"},
			Attestation{Name: "other_committee", Desc: "another committee's index", Index: ci(4), Want: "committee_index_mismatch"})
	}
	if minimal {
		cases = append(cases, Attestation{Name: "target_with_mainnet_arithmetic", Desc: fmt.Sprintf("target epoch %d, the slot's epoch with 32 slots per epoch: the minimal preset has 8", uint64(slot)/32), Target: ep(phase0.Epoch(uint64(slot) / 32)), Want: "target_epoch_mismatch"})
	}
	if fork == eth2spec.DataVersionPhase0 {
		cases = append(cases, Attestation{Name: "genesis_attestation", Desc: "the genesis attestation: slot 3, source = target = epoch 0 (SPEC.md deviation 5)", Duty: 3, Slot: 3, Source: ep(0), Target: ep(0)})
	}
	return cases
}

// DataIndex is the committee index of the case's data on fork.
func (a *Attestation) DataIndex(fork eth2spec.DataVersion) phase0.CommitteeIndex {
	switch {
	case a.Index != nil:
		return *a.Index
	case fork >= eth2spec.DataVersionElectra:
		return 0
	}
	return DutyIndex
}

// DutyAt is the slot of the case's duty.
func (a *Attestation) DutyAt(slotsPerEpoch uint64) phase0.Slot {
	if a.Duty != 0 {
		return a.Duty
	}
	return DutySlot(slotsPerEpoch)
}

// DataSlot is the slot of the case's data.
func (a *Attestation) DataSlot(slotsPerEpoch uint64) phase0.Slot {
	if a.Slot != 0 {
		return a.Slot
	}
	return a.DutyAt(slotsPerEpoch)
}

// Vote is the (source, target) of the case's data.
func (a *Attestation) Vote() (source, target phase0.Epoch) {
	source, target = Epoch-1, Epoch
	if a.Source != nil {
		source = *a.Source
	}
	if a.Target != nil {
		target = *a.Target
	}
	return source, target
}
