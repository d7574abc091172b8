package slotconscases

import (
	"crypto/sha256"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/spec/dvc/slotcons"
)

// S is the cases' slot: the sixth slot of epoch 10 (mainnet preset).
const S = phase0.Slot(10*32 + 5)

func root(label string) phase0.Root {
	return phase0.Root(sha256.Sum256([]byte("dvspec/vectors/slotcons/" + label)))
}

// AttValue is a slot attester value at slot with source and target
// epochs and a head block root labelled head.
func AttValue(slot phase0.Slot, source, target phase0.Epoch, head string) []byte {
	d := &phase0.AttestationData{Slot: slot, BeaconBlockRoot: root(head),
		Source: &phase0.Checkpoint{Epoch: source, Root: root("checkpoint/" + string(rune('a'+source%26)))},
		Target: &phase0.Checkpoint{Epoch: target, Root: root("target")}}
	v, err := slotcons.EncodeAttesterSlotValue(d)
	if err != nil {
		panic(err)
	}
	return v
}

func withIndex(v []byte, index phase0.CommitteeIndex) []byte {
	d, err := consensus.DecodeAttestationData(v)
	if err != nil {
		panic(err)
	}
	d.Index = index
	out, err := consensus.EncodeAttestationData(d)
	if err != nil {
		panic(err)
	}
	return out
}

var (
	honest = AttValue(S, 9, 10, "head")
	other  = AttValue(S, 9, 10, "other-head")
)

func att(v uint64, committee phase0.CommitteeIndex) Member {
	return Member{Validator: v, Duty: consensus.DutyAttester, Slot: S, Committee: committee}
}

func syncm(v, position uint64) Member {
	return Member{Validator: v, Duty: consensus.DutySyncCommittee, Slot: S, Position: position}
}

func add(m int, start bool) Step { return Step{Op: OpAdd, Member: m, WantStart: start} }

func attOp(op Op, v []byte, wantErr string, deliver ...int) Step {
	return Step{Op: op, Slot: S, Duty: consensus.DutyAttester, Value: v, WantErr: wantErr, WantDeliver: deliver}
}

func syncOp(op Op, v []byte, wantErr string, deliver ...int) Step {
	return Step{Op: op, Slot: S, Duty: consensus.DutySyncCommittee, Value: v, WantErr: wantErr, WantDeliver: deliver}
}

// Cases are every slot consensus case.
func Cases() []Case {
	three := []Member{att(11, 3), att(12, 7), att(13, 3)}
	batch := []Step{add(0, true), add(1, false), add(2, false), attOp(OpValidity, honest, ""), attOp(OpDecide, honest, "", 0, 1, 2)}
	headRoot := root("head")
	return []Case{
		{Handler: "attester", Name: "batch_electra", Fork: eth2spec.DataVersionElectra, Members: three, Steps: batch,
			Description: "three attesters of slot S in two committees (Electra): the first StartConsensus creates the slot instance, the others join it; the slot value is decided once",
			Proves:      "one slot instance per slot for every attester; each validator's decided data is the slot value as is (index 0, EIP-7549)"},
		{Handler: "attester", Name: "batch_deneb", Fork: eth2spec.DataVersionDeneb, Members: three, Steps: batch,
			Description: "the same three attesters before Electra",
			Proves:      "before Electra each validator's decided data is the slot value with index set to its duty's committee index"},
		{Handler: "attester", Name: "member_rejects", Fork: eth2spec.DataVersionElectra, Members: three,
			DB: [][4]uint64{{12, 9, 10, 1}},
			Steps: []Step{add(0, true), add(1, false), add(2, false),
				attOp(OpValidity, honest, "member_rejects"),
				{Op: OpScreen, Slot: S, Duty: consensus.DutyAttester, Value: honest, WantExcluded: []int{1}},
				attOp(OpValidity, honest, ""),
				attOp(OpValidity, other, ""),
				attOp(OpDecide, honest, "", 0, 1, 2)},
			Description: "validator 12 already signed another attestation with target 10 (its slashing DB): its predicate refuses the slot value; screening this node's own (beacon node) value excludes it from the slot predicate; it still receives the decision",
			Proves:      "a validator whose own history refuses the honest value does not make its node refuse the slot for every other validator; its DVC re-checks the decision with its own DB and does not sign (spec/dvc decided_invalid)"},
		{Handler: "attester", Name: "byzantine_values", Fork: eth2spec.DataVersionElectra, Members: three[:2],
			DB: [][4]uint64{{11, 8, 9, 2}, {12, 8, 9, 3}},
			Steps: []Step{add(0, true), add(1, false),
				attOp(OpValidity, withIndex(honest, 3), "invalid_slot_value"),
				attOp(OpValidity, AttValue(S, 9, 11, "head"), "invalid_slot_value"),
				attOp(OpValidity, AttValue(S, 10, 10, "head"), "invalid_slot_value"),
				attOp(OpValidity, AttValue(S+1, 9, 10, "head"), "invalid_slot_value"),
				attOp(OpValidity, AttValue(S, 7, 10, "head"), "member_rejects"),
				attOp(OpValidity, []byte{1, 2, 3}, "invalid_slot_value"),
				attOp(OpValidity, honest, "")},
			Description: "values a byzantine leader could propose: a non-zero index, a target that is not the slot's epoch, source not before target, another slot, a source below the validators' last source (surrounding their votes of epoch 9), bytes that do not decode",
			Proves:      "the slot predicate refuses what any participating validator's per-validator predicate refuses, so a byzantine leader's value is refused (round change) as in the per-validator form"},
		{Handler: "attester", Name: "late_join", Fork: eth2spec.DataVersionDeneb, Members: three,
			Steps: []Step{add(0, true), add(1, false), attOp(OpDecide, honest, "", 0, 1),
				{Op: OpAdd, Member: 2, WantDeliver: []int{2}},
				attOp(OpDecide, other, "already_decided")},
			Description: "validator 13's duty starts here after the slot instance decided (its DVC queued it behind an undecided duty)",
			Proves:      "a late member receives the decided value at once; a slot instance decides once"},
		{Handler: "attester", Name: "refused_inputs", Fork: eth2spec.DataVersionElectra,
			Members: []Member{att(11, 3), {Validator: 12, Slot: S, Proposer: true}, {Validator: 13, Duty: consensus.DutyAttester, Slot: S, OtherCluster: true}},
			Steps: []Step{add(0, true), {Op: OpAdd, Member: 0, WantErr: "duplicate_member"}, {Op: OpAdd, Member: 1, WantErr: "not_batched"},
				{Op: OpAdd, Member: 2, WantErr: "wrong_cluster"},
				{Op: OpDecide, Slot: S + 1, Duty: consensus.DutyAttester, Value: AttValue(S+1, 9, 10, "head"), WantErr: "no_slot_instance"},
				attOp(OpDecide, honest, "", 0)},
			Description: "a second StartConsensus of the same validator and slot, a proposer instance, an instance of another cluster, a decision for a slot without an instance",
			Proves:      "bad inputs are refused with a named error and leave the batcher unchanged (the last step still decides for the one member)"},
		{Handler: "sync_committee", Name: "batch", Fork: eth2spec.DataVersionElectra,
			Members: []Member{syncm(21, 3), syncm(22, 130), syncm(23, 300)},
			Steps: []Step{add(0, true), add(1, false), add(2, false),
				syncOp(OpValidity, make([]byte, 32), "invalid_slot_value"),
				syncOp(OpValidity, headRoot[:8], "invalid_slot_value"),
				syncOp(OpValidity, slotcons.EncodeSyncSlotValue(headRoot), ""),
				syncOp(OpDecide, slotcons.EncodeSyncSlotValue(headRoot), "", 0, 1, 2)},
			Description: "three sync committee members in subcommittees 0, 1 and 2 at slot S; the slot value is the block root",
			Proves:      "one slot instance for every sync committee member; each member's decided contribution names the slot's root in its own subcommittee; a zero or short root is refused"},
		{Handler: "mixed", Name: "other_node_duty_set", Fork: eth2spec.DataVersionDeneb,
			Members: []Member{att(13, 3), syncm(22, 130), att(14, 9)},
			Steps: []Step{add(0, true), add(1, true), add(2, false),
				attOp(OpDecide, honest, "", 0, 2),
				syncOp(OpDecide, slotcons.EncodeSyncSlotValue(headRoot), "", 1)},
			Description: "another node of the cluster whose duty set differs from attester/batch_deneb's (validator 13 in common, 11 and 12 absent, 14 present) and from sync_committee/batch's (22 in common)",
			Proves:      "the slot instance is the same whatever validators a node batches, and a validator both nodes have gets the same value from the same decision (compare validator 13's value with attester/batch_deneb and 22's with sync_committee/batch), so honest nodes' shares combine"},
		{Handler: "mixed", Name: "attesters_and_sync", Fork: eth2spec.DataVersionElectra,
			Members: []Member{att(11, 3), syncm(11, 3), att(12, 4), syncm(22, 200)},
			Steps: []Step{add(0, true), add(1, true), add(2, false), add(3, false),
				attOp(OpDecide, honest, "", 0, 2),
				syncOp(OpDecide, slotcons.EncodeSyncSlotValue(headRoot), "", 1, 3),
				{Op: OpRemove, Member: 0}, {Op: OpRemove, Member: 2, WantStopped: 1},
				{Op: OpRemove, Member: 2}},
			Description: "validator 11 attests and is in the sync committee at S, with another attester and another sync member: two slot instances, one per duty kind; removing the attesters' instances (their DVCs stopped them) empties the attester slot instance",
			Proves:      "the duty kinds are decided separately; a slot instance is stopped when none of its members remains; removing an unknown instance is ignored"},
	}
}
