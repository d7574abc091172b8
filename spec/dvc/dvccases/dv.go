package dvccases

import (
	"fmt"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec/dvc"
)

// The DV-level scenarios of spec/dvc's dv_test.go (TestDVScenarios) as
// single-node vectors: the whole cluster is simulated here (remote-signer
// mode, every live node running the spec, a consensus oracle that decides
// the candidate value as soon as a node starts an instance, every
// broadcast delivered to every live recipient in FIFO order), and the
// events node 1 received, in order, are its vector. The property the test
// asserts is checked on node 1's outputs.

// dvDuty is a duty of the simulated cluster.
type dvDuty struct {
	att  bool
	slot phase0.Slot
}

type dvSim struct {
	f      *dvf
	alive  []int
	states map[int]*dvc.State
	queue  []dvDelivery
	trace  []dvc.Event // node 1's events
}

type dvDelivery struct {
	to int
	ev dvc.Event
}

func (s *dvSim) isAlive(i int) bool {
	for _, a := range s.alive {
		if a == i {
			return true
		}
	}
	return false
}

func (s *dvSim) run() {
	for len(s.queue) > 0 {
		d := s.queue[0]
		s.queue = s.queue[1:]
		if d.to == 1 {
			s.trace = append(s.trace, d.ev)
		}
		next, out, err := dvc.Step(s.f.Config(d.to), s.states[d.to], d.ev, s.f.Oracles(d.to))
		if err != nil {
			panic(fmt.Sprintf("dv simulation: node %d %s: %v", d.to, d.ev.EventName(), err))
		}
		s.states[d.to] = next
		for _, o := range out {
			if s.f.env.SimulatedOutput != nil {
				s.f.env.SimulatedOutput(s.f, d.to, o)
			}
			switch o := o.(type) {
			case dvc.Broadcast:
				for _, to := range o.To {
					if s.isAlive(int(to)) {
						s.queue = append(s.queue, dvDelivery{int(to), receivedShare(o.Message)})
					}
				}
			case dvc.StartConsensus:
				var dec dvc.Event
				switch consensus.DutyType(o.ID.DutyType) {
				case consensus.DutyAttester:
					dec = s.f.Decided(s.f.AttData(o.ID.Slot, 1))
				case consensus.DutyProposer:
					dec = s.f.BlockDecided(s.f.DVBlock(o.ID.Slot, 1))
				}
				s.queue = append(s.queue, dvDelivery{d.to, dec})
			}
		}
	}
}

func receivedShare(m networking.Message) dvc.Event {
	switch x := m.(type) {
	case *networking.AttestationShare:
		return dvc.ReceivedAttestationShare{Share: x}
	case *networking.RandaoShare:
		return dvc.ReceivedRandaoShare{Share: x}
	case *networking.BlockShare:
		return dvc.ReceivedBlockShare{Share: x}
	case *networking.SyncCommitteeMessageShare:
		return dvc.ReceivedSyncCommitteeMessageShare{Share: x}
	}
	panic("unknown share")
}

// simulate runs the cluster through the duties (byzantine: node byz sends
// every honest node its share of other data, tag 7, before each attester
// duty) and returns node 1's events.
func simulate(env *Env, alive []int, byz int, duties []dvDuty) []dvc.Event {
	f := env.NewFixture(4, eth2spec.DataVersionElectra, dvc.ModeRemoteSigner)
	s := &dvSim{f: f, alive: alive, states: map[int]*dvc.State{}}
	for _, i := range alive {
		st, err := dvc.NewState(f.Config(i), nil)
		if err != nil {
			panic(err)
		}
		s.states[i] = st
	}
	for _, d := range duties {
		if byz != 0 && d.att {
			bad := f.AttShare(byz, f.AttData(d.slot, 7))
			for _, i := range alive {
				s.queue = append(s.queue, dvDelivery{i, dvc.ReceivedAttestationShare{Share: bad}})
			}
		}
		for _, i := range alive {
			if d.att {
				s.queue = append(s.queue, dvDelivery{i, dvc.ServeAttestationDuty{Duty: f.AttDuty(d.slot)}})
			} else {
				s.queue = append(s.queue, dvDelivery{i, dvc.ServeProposerDuty{Duty: f.PropDuty(d.slot)}})
			}
		}
		s.run()
	}
	return s.trace
}

// lazyTrace memoizes a simulation per Env.
func lazyTrace(sim func(env *Env) []dvc.Event) func(env *Env) []dvc.Event {
	done := map[*Env][]dvc.Event{}
	return func(env *Env) []dvc.Event {
		if t, ok := done[env]; ok {
			return t
		}
		t := sim(env)
		done[env] = t
		return t
	}
}

func traceSteps(trace []dvc.Event) []dvcStep {
	out := make([]dvcStep, len(trace))
	for i, e := range trace {
		out[i] = evAny(e)
	}
	return out
}

// submissions counts node 1's submitted attestations per slot (and checks
// their data is the candidate, tag 1) and its submitted blocks per slot.
func submissions(f *dvf, out []dvc.Output) (map[phase0.Slot]int, map[phase0.Slot]int, string) {
	atts, blocks := map[phase0.Slot]int{}, map[phase0.Slot]int{}
	for _, o := range out {
		switch o := o.(type) {
		case dvc.SubmitAttestation:
			d := o.Attestation.Data()
			if r, _ := d.HashTreeRoot(); r != mustRoot(f.AttData(d.Slot, 1)) {
				return nil, nil, fmt.Sprintf("slot %d: submitted data other than the decided candidate", d.Slot)
			}
			atts[d.Slot]++
		case dvc.SubmitBlock:
			b, err := o.Block.Block.Decode(f.Chain)
			if err != nil {
				return nil, nil, err.Error()
			}
			slot, _ := b.Slot()
			blocks[slot]++
		}
	}
	return atts, blocks, ""
}

func mustRoot(o interface{ HashTreeRoot() ([32]byte, error) }) [32]byte {
	r, err := o.HashTreeRoot()
	if err != nil {
		panic(err)
	}
	return r
}

func dvScenarios() []dvcScenario {
	dvRefs := []string{"SPEC.md section 7.9 (DV level)", "spec/dvc/dv_test.go TestDVScenarios"}
	allDuties := []dvDuty{{true, sl(9)}, {true, sl(17)}, {false, sl(20)}, {true, sl(25)}}
	attDuties := []dvDuty{{true, sl(9)}, {true, sl(17)}, {true, sl(25)}}
	// The simulations run once per Env, when a fixture first asks.
	honest := lazyTrace(func(env *Env) []dvc.Event { return simulate(env, []int{1, 2, 3, 4}, 0, allDuties) })
	byzantine := lazyTrace(func(env *Env) []dvc.Event { return simulate(env, []int{1, 2, 3}, 4, attDuties) })
	belowQuorum := lazyTrace(func(env *Env) []dvc.Event { return simulate(env, []int{1, 2}, 0, []dvDuty{{true, sl(17)}}) })
	return []dvcScenario{
		{handler: "dv", name: "dv_n4_all_honest_one_attestation_per_slot", both: true,
			desc:   "Four honest nodes serve attester duties at slots 36, 68 and 100 and a proposer duty at slot 80; consensus decides each node's candidate; every share reaches every node. The steps are node 1's events in delivery order.",
			proves: "in an honest cluster each node submits exactly one attestation per attester slot (the decided data) and the block of the proposer slot",
			refs:   dvRefs,
			steps:  func(f *dvf) []dvcStep { return traceSteps(honest(f.env)) },
			assert: func(f *dvf, out []dvc.Output) string {
				atts, blocks, msg := submissions(f, out)
				if msg != "" {
					return msg
				}
				for _, d := range allDuties {
					if d.att && atts[d.slot] != 1 {
						return fmt.Sprintf("slot %d: %d attestations", d.slot, atts[d.slot])
					}
					if !d.att && blocks[d.slot] != 1 {
						return fmt.Sprintf("slot %d: %d blocks", d.slot, blocks[d.slot])
					}
				}
				return ""
			}},
		{handler: "dv", name: "dv_byzantine_conflicting_shares_cannot_complete_second_attestation", both: true,
			desc:   "Nodes 1, 2 and 3 are honest; node 4 is byzantine and, before each of the attester duties at slots 36, 68 and 100, sends every honest node its real share of other data (tag 7). The steps are node 1's events in delivery order.",
			proves: "the byzantine share is never combined (its signer's honest share would be an equivocation and is dropped; its data never reaches the threshold): node 1 submits exactly the honest attestation of every slot",
			refs:   dvRefs,
			steps:  func(f *dvf) []dvcStep { return traceSteps(byzantine(f.env)) },
			assert: func(f *dvf, out []dvc.Output) string {
				atts, _, msg := submissions(f, out)
				if msg != "" {
					return msg
				}
				for _, d := range attDuties {
					if atts[d.slot] != 1 {
						return fmt.Sprintf("slot %d: %d attestations", d.slot, atts[d.slot])
					}
				}
				return ""
			}},
		{handler: "dv", name: "dv_below_quorum_no_attestation", both: true,
			desc:   "Nodes 3 and 4 crashed; nodes 1 and 2 serve the duty at slot 68, consensus decides, their two shares reach both. The steps are node 1's events.",
			proves: "two shares (M = 3) never give an attestation: node 1 submits nothing",
			refs:   dvRefs,
			steps:  func(f *dvf) []dvcStep { return traceSteps(belowQuorum(f.env)) },
			assert: func(f *dvf, out []dvc.Output) string {
				atts, _, msg := submissions(f, out)
				if msg != "" {
					return msg
				}
				if len(atts) != 0 {
					return fmt.Sprintf("%d attestations from two shares", len(atts))
				}
				return ""
			}},
	}
}
