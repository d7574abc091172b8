package main

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/spec/dvc/slotcons/slotconscases"
	"github.com/dvspec/go-dvspec/spectests"
)

func init() {
	register(generator{
		Runner:   "slot_consensus",
		Summary:  "consensus per slot (SPEC.md amendment A25): per-validator attester and sync committee instances batched into one instance per slot and duty kind, its predicate (every member's own, after screening by the node's own value), the fan-out of the decision to each validator, bad inputs",
		Generate: genSlotConsensus,
	})
}

func genSlotConsensus(w *Writer) {
	env := &slotconscases.Env{GenesisValidatorsRoot: testGenesisValidatorsRoot}
	for _, x := range slotconscases.Cases() {
		if msg := env.Check(x, env.Run(x)); msg != "" {
			panic(fmt.Sprintf("slot_consensus/%s/%s: the spec differs from the case's author: %s", x.Handler, x.Name, msg))
		}
		in := env.Input(x)
		c := &Case{Preset: "mainnet", Fork: x.Fork.String(), Runner: "slot_consensus", Handler: x.Handler, Suite: "steps", Name: x.Name}
		c.Meta = Meta{
			Description: x.Description,
			Proves:      x.Proves,
			References: []string{"SPEC.md section 7.7, amendment A25 (consensus per slot)", "SPEC.md section 6 (validity predicates)",
				"ssv-spec committee consensus (BeaconVote)", "consensus-specs get_attestation_data (one head, source and target per slot)"},
			Keys: mapNode("validators", "interop keys of the members' validator indices (vectors/README.md, Keys); only public keys are used",
				"cluster_root", "sha256(\"dvspec/vectors/slotcons/cluster\"); another cluster: sha256(\"dvspec/vectors/slotcons/other\")",
				"signing_roots", "slashing records: sha256(\"dvspec/vectors/slotcons/db/<n>\")"),
		}
		c.YAML("chain", chainNode(in.Chain))
		c.SSZ("pre", in.DB, containerNode(in.DB))
		req := spectests.SlotConsensusRequest{Chain: vectorChain(in.Chain), Preset: "mainnet", ClusterRoot: in.Cluster, SlashingDB: mustSSZ(in.DB)}
		var members, steps []*yaml.Node
		for _, s := range in.Starts {
			m := spectests.SlotMember{Cluster: s.ID.Cluster, DutyType: consensus.DutyType(s.ID.DutyType).String(), Slot: uint64(s.ID.Slot), Pubkey: s.ID.Validator}
			n := mapNode("cluster", Hex(s.ID.Cluster[:]), "duty_type", m.DutyType, "slot", m.Slot, "validator_pubkey", Hex(s.ID.Validator[:]))
			switch {
			case s.Attester != nil:
				d := s.Attester
				m.ValidatorIndex, m.CommitteeIndex, m.CommitteeLength, m.CommitteesAtSlot, m.ValidatorCommitteeIndex = uint64(d.ValidatorIndex), uint64(d.CommitteeIndex), d.CommitteeLength, d.CommitteesAtSlot, d.ValidatorCommitteeIndex
				n.Content = append(n.Content, mapNode("validator_index", m.ValidatorIndex, "committee_index", m.CommitteeIndex, "committee_length", m.CommitteeLength,
					"committees_at_slot", m.CommitteesAtSlot, "validator_committee_index", m.ValidatorCommitteeIndex).Content...)
			case s.SyncCommittee != nil:
				v := s.SyncCommittee
				m.ValidatorIndex, m.SyncCommitteeIndices, m.SubcommitteeIndex = uint64(v.Duty.ValidatorIndex), v.Duty.ValidatorSyncCommitteeIndices, v.SubcommitteeIndex
				idx := make([]*yaml.Node, 0, len(m.SyncCommitteeIndices))
				for _, i := range m.SyncCommitteeIndices {
					idx = append(idx, uintNode(i))
				}
				n.Content = append(n.Content, mapNode("validator_index", m.ValidatorIndex, "validator_sync_committee_indices", seqNode(idx...), "subcommittee_index", m.SubcommitteeIndex).Content...)
			case s.Proposer != nil:
				m.ValidatorIndex = uint64(s.Proposer.Duty.ValidatorIndex)
				n.Content = append(n.Content, mapNode("validator_index", m.ValidatorIndex).Content...)
			}
			req.Members = append(req.Members, m)
			members = append(members, n)
		}
		for _, s := range in.Steps {
			st := spectests.SlotStep{Op: string(s.Op), Member: s.Member}
			n := mapNode("op", st.Op)
			switch s.Op {
			case slotconscases.OpAdd, slotconscases.OpRemove:
				n.Content = append(n.Content, mapNode("member", s.Member).Content...)
			default:
				st.DutyType, st.Slot, st.Value = s.Duty.String(), uint64(s.Slot), s.Value
				n.Content = append(n.Content, mapNode("duty_type", st.DutyType, "slot", st.Slot, "value", Hex(s.Value)).Content...)
			}
			req.Steps = append(req.Steps, st)
			steps = append(steps, n)
		}
		c.YAML("inputs", mapNode("cluster_root", Hex(in.Cluster[:]), "members", seqNode(members...), "steps", seqNode(steps...)))
		res, err := spectests.GoSpec{}.RunSlotConsensus(req)
		if err != nil {
			panic(fmt.Sprintf("%s: %v", c.Path(), err))
		}
		var outs []*yaml.Node
		for _, r := range res {
			n := mapNode()
			if r.Error != "" {
				n.Content = append(n.Content, mapNode("error", r.Error).Content...)
			}
			if r.SlotInstance != nil {
				n.Content = append(n.Content, mapNode("slot_instance", mapNode("duty_type", r.SlotInstance.DutyType, "slot", r.SlotInstance.Slot)).Content...)
			}
			if r.Start {
				n.Content = append(n.Content, mapNode("start", true).Content...)
			}
			if len(r.Deliveries) > 0 {
				var ds []*yaml.Node
				for _, d := range r.Deliveries {
					ds = append(ds, mapNode("validator", Hex(d.Validator), "event", d.Event, "value", Hex(d.Value)))
				}
				n.Content = append(n.Content, mapNode("deliveries", seqNode(ds...)).Content...)
			}
			if len(r.Excluded) > 0 {
				var xs []*yaml.Node
				for _, x := range r.Excluded {
					xs = append(xs, hexNode(x))
				}
				n.Content = append(n.Content, mapNode("excluded", seqNode(xs...)).Content...)
			}
			if len(r.Stopped) > 0 {
				var xs []*yaml.Node
				for _, x := range r.Stopped {
					xs = append(xs, mapNode("duty_type", x.DutyType, "slot", x.Slot))
				}
				n.Content = append(n.Content, mapNode("stopped", seqNode(xs...)).Content...)
			}
			outs = append(outs, n)
		}
		c.YAML("output", mapNode("steps", seqNode(outs...)))
		w.Add(c)
	}
}
