package qbftcases

import (
	"errors"
	"fmt"

	"github.com/dvspec/go-dvspec/consensus/qbft"
)

// Rule is one named rule case: node Self of an N-node cluster gets the
// setup inputs (each must succeed), then the input under test, about which
// the case states either Want (the kinds of its outputs, OutputKinds'
// notation) or Err (the error that drops it, leaving the state unchanged).
type Rule struct {
	// Name is "<group>/<case>"; the group names the rule (References).
	Name  string
	N     uint64
	Build func(c *Cluster) (self uint64, pre []Input, last Input)
	Want  string
	Err   error
	// Check, when set, states more about the outputs than their kinds.
	Check func(c *Cluster, i *qbft.Instance, out []qbft.Output) error
	// BadSignature says why the case carries a signature that does not
	// verify, on purpose (vectors list it as deliberately invalid).
	BadSignature string
	// Restore: the case is also run from a Snapshot of its setup state
	// (vectors qbft/restore).
	Restore bool
}

// References are the SPEC.md sections of a rule group.
var References = map[string][]string{
	"round0":        {"SPEC.md section 8.11 (Start, UponBlockTimeout, UponProposal)"},
	"n1":            {"SPEC.md section 8.11 (every rule, N = 1)"},
	"prepare":       {"SPEC.md section 8.11 (UponPrepare)"},
	"commit":        {"SPEC.md section 8.11 (UponCommit)", "SPEC.md section 8.12 (deciding on a commit quorum of any round)"},
	"timeout":       {"SPEC.md section 8.11 (Timeout)", "SPEC.md section 8.7 (round timers)"},
	"round_change":  {"SPEC.md section 8.11 (UponRoundChangeQuorum, UponRoundChangeJump)"},
	"proposal":      {"SPEC.md section 8.11 (UponProposal)", "SPEC.md section 8.9 (checking a received message)"},
	"own_value":     {"SPEC.md section 8.11 (SetOwnValue)"},
	"justification": {"SPEC.md section 8.10 (JustifyProposal)", "SPEC.md section 8.9"},
	"rc_message":    {"SPEC.md section 8.10 (JustifyRoundChange)", "SPEC.md section 8.9"},
	"header":        {"SPEC.md section 8.9 (checks of every message)", "SPEC.md section 8.4 (fields by type)"},
	"duplicate":     {"SPEC.md section 8.9 (duplicates; amendment: a copy of a stored message is dropped unchecked)"},
	"equivocation":  {"SPEC.md section 8.9 (equivocation)"},
	"decided":       {"SPEC.md section 8.11 (Receive DECIDED, after the decision)", "SPEC.md section 8.10 (JustifyDecided)", "SPEC.md section 8.9 (amendment: after the decision, messages other than ROUND_CHANGE are dropped unchecked)"},
}

// otherNode is a fresh instance of node self, used to check that a node's
// own messages validate at a peer.
func otherNode(c *Cluster, self uint64) *qbft.Instance {
	i, err := qbft.New(c.Config(self), c.ID, Validity(nil))
	if err != nil {
		panic(err)
	}
	return i
}

// Run plays the rule on a fresh instance of its cluster c and checks its
// statement: the outputs of the last input, or its error with no output
// and the state unchanged; every broadcast validates at a fresh instance,
// and Check holds.
func Run(r Rule, c *Cluster) error {
	self, pre, last := r.Build(c)
	i, err := qbft.New(c.Config(self), c.ID, Validity(InvalidValues(append(append([]Input(nil), pre...), last))))
	if err != nil {
		return err
	}
	for k, x := range pre {
		if _, err := x.Apply(i); err != nil {
			return fmt.Errorf("setup input %d: %w", k, err)
		}
	}
	before, err := i.Snapshot().HashTreeRoot()
	if err != nil {
		return err
	}
	out, err := last.Apply(i)
	if r.Err != nil {
		if !errors.Is(err, r.Err) {
			return fmt.Errorf("error %v, want %v", err, r.Err)
		}
		if len(out) != 0 {
			return fmt.Errorf("rejected input produced outputs: %s", OutputKinds(out))
		}
		after, herr := i.Snapshot().HashTreeRoot()
		if herr != nil {
			return herr
		}
		if after != before {
			return errors.New("rejected input changed the state")
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("unexpected error %w", err)
	}
	if got := OutputKinds(out); got != r.Want {
		return fmt.Errorf("outputs %q, want %q", got, r.Want)
	}
	for _, b := range broadcasts(out) {
		if err := otherNode(c, self).Checker().ValidateMessage(b); err != nil {
			return fmt.Errorf("own %s(%d) does not validate: %w", b.Message.Type, b.Message.Round, err)
		}
	}
	if r.Check != nil {
		return r.Check(c, i, out)
	}
	return nil
}

// Rules are the rule cases, grouped by the rule of SPEC.md section 8 they
// exercise.
func Rules() []Rule {
	return []Rule{
		// --- round 0 (UponBlockTimeout, UponProposal) ---
		{Name: "round0/leader_proposes_own_value_on_start", N: 4, Want: "timer(0) PROPOSAL(0) PREPARE(0)",
			Build: func(c *Cluster) (uint64, []Input, Input) { return c.Leader(0), []Input{own(vA)}, start() }},
		{Name: "round0/leader_without_value_only_sets_timer", N: 4, Want: "timer(0)",
			Build: func(c *Cluster) (uint64, []Input, Input) { return c.Leader(0), nil, start() }},
		{Name: "round0/late_own_value_leader_proposes", N: 4, Want: "PROPOSAL(0) PREPARE(0)",
			Build: func(c *Cluster) (uint64, []Input, Input) { return c.Leader(0), []Input{start()}, own(vA) }},
		{Name: "round0/non_leader_own_value_no_output", N: 4, Want: "",
			Build: func(c *Cluster) (uint64, []Input, Input) { return selfNot(c, 0), []Input{start()}, own(vA) }},
		{Name: "round0/non_leader_prepares_leader_proposal", N: 4, Want: "PREPARE(0)",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return selfNot(c, 0), []Input{start()}, recv(c.Proposal(c.Leader(0), 0, vA, nil, nil))
			}},
		{Name: "round0/proposal_before_start_prepared_on_start", N: 4, Want: "timer(0) PREPARE(0)",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return selfNot(c, 0), []Input{recv(c.Proposal(c.Leader(0), 0, vA, nil, nil))}, start()
			}},
		{Name: "round0/start_twice", N: 4, Err: qbft.ErrAlreadyStarted,
			Build: func(c *Cluster) (uint64, []Input, Input) { return 1, []Input{start()}, start() }},
		{Name: "n1/single_node_decides_alone", N: 1, Want: "timer(0) PROPOSAL(0) PREPARE(0) COMMIT(0) decide(0,value-A) DECIDED(0)",
			Build: func(c *Cluster) (uint64, []Input, Input) { return 1, []Input{own(vA)}, start() }},

		// --- UponPrepare ---
		{Name: "prepare/quorum_sends_commit", N: 4, Want: "COMMIT(0)",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				s := selfNot(c, 0)
				o := c.Others(2, s)
				return s, cat(acceptedR0(c, vA), recv(c.Prepare(o[0], 0, qbft.Digest(vA)))), recv(c.Prepare(o[1], 0, qbft.Digest(vA)))
			}},
		{Name: "prepare/below_quorum_no_commit", N: 4, Want: "",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				s := selfNot(c, 0)
				return s, acceptedR0(c, vA), recv(c.Prepare(c.Others(1, s)[0], 0, qbft.Digest(vA)))
			}},
		{Name: "prepare/no_accepted_proposal_no_commit", N: 4, Want: "",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				s := selfNot(c, 0)
				o := c.Others(3, s)
				return s, cat(start(), recv(c.Prepare(o[0], 0, qbft.Digest(vA))), recv(c.Prepare(o[1], 0, qbft.Digest(vA)))), recv(c.Prepare(o[2], 0, qbft.Digest(vA)))
			}},
		{Name: "prepare/prepares_before_proposal_commit_on_proposal", N: 4, Want: "PREPARE(0) COMMIT(0)",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				s := selfNot(c, 0)
				o := c.Others(2, s)
				return s, cat(start(), recv(c.Prepare(o[0], 0, qbft.Digest(vA))), recv(c.Prepare(o[1], 0, qbft.Digest(vA)))), recv(c.Proposal(c.Leader(0), 0, vA, nil, nil))
			}},
		{Name: "prepare/commit_sent_once_per_round", N: 4, Want: "",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				s := selfNot(c, 0)
				return s, committedR0(c, s, vA), recv(c.Prepare(c.Others(3, s)[2], 0, qbft.Digest(vA)))
			},
			Restore: true,
		},
		{Name: "prepare/other_digest_does_not_count", N: 4, Want: "",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				s := selfNot(c, 0)
				o := c.Others(2, s)
				return s, cat(acceptedR0(c, vA), recv(c.Prepare(o[0], 0, qbft.Digest(vB)))), recv(c.Prepare(o[1], 0, qbft.Digest(vB)))
			}},
		{Name: "prepare/commit_again_in_next_round", N: 4, Want: "COMMIT(1)",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				s := selfNot(c, 0, 1)
				o := c.Others(2, s)
				// round 1: the leader re-proposes vA, justified by this node's
				// prepared round change and two unprepared ones.
				ownRC := c.PreparedRC(s, 1, 0, vA)
				just := append(Payloads(ownRC), c.RoundChanges(1, o...)...)
				p1 := c.Proposal(c.Leader(1), 1, vA, just, c.Prepares(0, vA, Seq(1, 3)...))
				return s, cat(committedR0(c, s, vA), timeout(0), recv(p1), recv(c.Prepare(o[0], 1, qbft.Digest(vA)))), recv(c.Prepare(o[1], 1, qbft.Digest(vA)))
			}},

		// --- UponCommit ---
		{Name: "commit/quorum_decides", N: 4, Want: "decide(0,value-A) DECIDED(0)",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				s := selfNot(c, 0)
				o := c.Others(2, s)
				return s, cat(committedR0(c, s, vA), recv(c.Commit(o[0], 0, qbft.Digest(vA)))), recv(c.Commit(o[1], 0, qbft.Digest(vA)))
			},
			Check: func(c *Cluster, i *qbft.Instance, out []qbft.Output) error {
				d := decideOf(out)
				if len(d.Commits) != 3 {
					return fmt.Errorf("decide carries %d commits, want 3", len(d.Commits))
				}
				if err := i.Checker().JustifyDecided(broadcasts(out)[0].Commits, 0, qbft.Digest(vA)); err != nil {
					return err
				}
				if _, _, ok := i.Decided(); !ok {
					return errors.New("not decided")
				}
				return nil
			},
			Restore: true,
		},
		{Name: "commit/below_quorum_no_decision", N: 4, Want: "",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				s := selfNot(c, 0)
				return s, committedR0(c, s, vA), recv(c.Commit(c.Others(1, s)[0], 0, qbft.Digest(vA)))
			}},
		{Name: "commit/duplicate_commit_counted_once", N: 4, Want: "",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				s := selfNot(c, 0)
				o := c.Others(1, s)
				return s, cat(committedR0(c, s, vA), recv(c.Commit(o[0], 0, qbft.Digest(vA)))), recv(c.Commit(o[0], 0, qbft.Digest(vA)))
			}},
		{Name: "commit/different_digests_do_not_add_up", N: 4, Want: "",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				s := selfNot(c, 0)
				o := c.Others(3, s)
				return s, cat(acceptedR0(c, vA), recv(c.Commit(o[0], 0, qbft.Digest(vA))), recv(c.Commit(o[1], 0, qbft.Digest(vA)))), recv(c.Commit(o[2], 0, qbft.Digest(vB)))
			}},
		{Name: "commit/late_quorum_decides_in_later_round", N: 4, Want: "decide(0,value-A) DECIDED(0)",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				s := selfNot(c, 0)
				o := c.Others(3, s)
				return s, cat(acceptedR0(c, vA), timeout(0), recv(c.Commit(o[0], 0, qbft.Digest(vA))), recv(c.Commit(o[1], 0, qbft.Digest(vA)))), recv(c.Commit(o[2], 0, qbft.Digest(vA)))
			}},
		{Name: "commit/quorum_for_unknown_value_waits", N: 4, Want: "",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				s := selfNot(c, 0)
				o := c.Others(3, s)
				return s, cat(start(), recv(c.Commit(o[0], 0, qbft.Digest(vA))), recv(c.Commit(o[1], 0, qbft.Digest(vA)))), recv(c.Commit(o[2], 0, qbft.Digest(vA)))
			}},
		{Name: "commit/quorum_decides_when_value_arrives", N: 4, Want: "decide(0,value-A) DECIDED(0)",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				s := selfNot(c, 0)
				o := c.Others(3, s)
				return s, cat(start(), recvAll(c.Commit(o[0], 0, qbft.Digest(vA)), c.Commit(o[1], 0, qbft.Digest(vA)), c.Commit(o[2], 0, qbft.Digest(vA)))), recv(c.Proposal(c.Leader(0), 0, vA, nil, nil))
			}},

		// --- UponRoundTimeout ---
		{Name: "timeout/round_change_unprepared", N: 4, Want: "timer(1) ROUND_CHANGE(1)",
			Build: func(c *Cluster) (uint64, []Input, Input) { return selfNot(c, 1), []Input{start()}, timeout(0) },
			Check: func(c *Cluster, i *qbft.Instance, out []qbft.Output) error {
				rc := broadcasts(out)[0]
				m := rc.Message
				if len(m.PreparedRound) != 0 || len(m.PreparedDigest) != 0 || len(rc.Value) != 0 || len(rc.Prepares) != 0 {
					return fmt.Errorf("unprepared round change carries prepared data: %+v", rc.Message)
				}
				if st := out[0].(qbft.SetTimer); st.Duration != qbft.RoundTimeout(1) || st.Deadline != qbft.RoundDeadline(1) {
					return fmt.Errorf("timer %+v", st)
				}
				return nil
			},
		},
		{Name: "timeout/round_change_carries_prepared_value_and_quorum", N: 4, Want: "timer(1) ROUND_CHANGE(1)",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				s := selfNot(c, 0, 1)
				return s, committedR0(c, s, vA), timeout(0)
			},
			Check: func(c *Cluster, i *qbft.Instance, out []qbft.Output) error {
				rc := broadcasts(out)[0]
				m := rc.Message
				if pr, pd, ok := m.Prepared(); !ok || pr != 0 || pd != qbft.Digest(vA) || string(rc.Value) != string(vA) || len(rc.Prepares) != 3 {
					return fmt.Errorf("prepared round change wrong: %+v", rc)
				}
				return i.Checker().ValidateMessage(rc)
			},
			Restore: true,
		},
		{Name: "timeout/stale_ignored", N: 4, Want: "",
			Build: func(c *Cluster) (uint64, []Input, Input) { return 1, []Input{start(), timeout(0)}, timeout(0) }},
		{Name: "timeout/before_start_ignored", N: 4, Want: "",
			Build: func(c *Cluster) (uint64, []Input, Input) { return 1, nil, timeout(0) }},

		// --- UponRoundChange, first branch: the leader's proposal ---
		{Name: "round_change/leader_quorum_proposes_fresh_own_value", N: 4, Want: "PROPOSAL(1) PREPARE(1)",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				s := c.Leader(1)
				o := c.Others(2, s)
				return s, cat(own(vB), start(), timeout(0), recv(c.RoundChange(o[0], 1, 0, nil, nil))), recv(c.RoundChange(o[1], 1, 0, nil, nil))
			},
			Check: func(c *Cluster, i *qbft.Instance, out []qbft.Output) error {
				p := broadcasts(out)[0]
				if string(p.Value) != string(vB) || len(p.RoundChanges) != 3 || len(p.Prepares) != 0 {
					return fmt.Errorf("proposal %s with %d rcs and %d prepares", p.Value, len(p.RoundChanges), len(p.Prepares))
				}
				return nil
			},
		},
		{Name: "round_change/leader_reproposes_highest_prepared_value", N: 4, Want: "PROPOSAL(1) PREPARE(1)",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				s := c.Leader(1)
				o := c.Others(2, s)
				return s, cat(own(vB), start(), timeout(0), recv(c.PreparedRC(o[0], 1, 0, vA))), recv(c.RoundChange(o[1], 1, 0, nil, nil))
			},
			Check: func(c *Cluster, i *qbft.Instance, out []qbft.Output) error {
				p := broadcasts(out)[0]
				if string(p.Value) != string(vA) || len(p.RoundChanges) != 3 || len(p.Prepares) != 3 {
					return fmt.Errorf("proposal %s with %d rcs and %d prepares, want value-A re-proposed", p.Value, len(p.RoundChanges), len(p.Prepares))
				}
				return nil
			},
			Restore: true,
		},
		{Name: "round_change/leader_picks_highest_of_several_prepared", N: 7, Want: "PROPOSAL(2) PREPARE(2)",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				s := c.Leader(2)
				o := c.Others(4, s)
				pre := cat(own(vC), start(), timeout(0), timeout(1),
					recv(c.PreparedRC(o[0], 2, 0, vA)), recv(c.PreparedRC(o[1], 2, 1, vB)), recv(c.RoundChange(o[2], 2, 0, nil, nil)))
				return s, pre, recv(c.RoundChange(o[3], 2, 0, nil, nil))
			},
			Check: func(c *Cluster, i *qbft.Instance, out []qbft.Output) error {
				if p := broadcasts(out)[0]; string(p.Value) != string(vB) {
					return fmt.Errorf("proposed %s, want value-B (prepared in round 1)", p.Value)
				}
				return nil
			},
		},
		{Name: "round_change/leader_waits_for_own_value", N: 4, Want: "",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				s := c.Leader(1)
				o := c.Others(2, s)
				return s, cat(start(), timeout(0), recv(c.RoundChange(o[0], 1, 0, nil, nil))), recv(c.RoundChange(o[1], 1, 0, nil, nil))
			},
			Restore: true,
		},
		{Name: "round_change/late_own_value_leader_proposes", N: 4, Want: "PROPOSAL(1) PREPARE(1)",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				s := c.Leader(1)
				o := c.Others(2, s)
				return s, cat(start(), timeout(0), recv(c.RoundChange(o[0], 1, 0, nil, nil)), recv(c.RoundChange(o[1], 1, 0, nil, nil))), own(vB)
			}},
		{Name: "round_change/non_leader_quorum_no_proposal", N: 4, Want: "",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				s := selfNot(c, 1)
				o := c.Others(2, s, c.Leader(1))
				return s, cat(own(vB), start(), timeout(0), recv(c.RoundChange(o[0], 1, 0, nil, nil))), recv(c.RoundChange(c.Leader(1), 1, 0, nil, nil))
			}},
		{Name: "round_change/leader_behind_jumps_and_proposes", N: 4, Want: "timer(1) ROUND_CHANGE(1) PROPOSAL(1) PREPARE(1)",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				s := c.Leader(1)
				o := c.Others(2, s)
				return s, cat(own(vB), start(), recv(c.RoundChange(o[0], 1, 0, nil, nil))), recv(c.RoundChange(o[1], 1, 0, nil, nil))
			}},

		// --- UponRoundChange, second branch: f+1 jump ---
		{Name: "round_change/f_plus_1_jump_to_min_round", N: 4, Want: "timer(3) ROUND_CHANGE(3)",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				s := selfNot(c, 3)
				o := c.Others(2, s)
				return s, cat(start(), recv(c.RoundChange(o[0], 3, 0, nil, nil))), recv(c.RoundChange(o[1], 5, 0, nil, nil))
			}},
		{Name: "round_change/f_plus_1_jump_n7_min_of_highest", N: 7, Want: "timer(4) ROUND_CHANGE(4)",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				s := selfNot(c, 4)
				o := c.Others(3, s)
				return s, cat(start(), recv(c.RoundChange(o[0], 9, 0, nil, nil)), recv(c.RoundChange(o[1], 6, 0, nil, nil))), recv(c.RoundChange(o[2], 4, 0, nil, nil))
			}},
		{Name: "round_change/jump_uses_each_senders_highest_round", N: 4, Want: "timer(3) ROUND_CHANGE(3)",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				s := selfNot(c, 3)
				o := c.Others(2, s)
				return s, cat(start(), recv(c.RoundChange(o[0], 2, 0, nil, nil)), recv(c.RoundChange(o[0], 7, 0, nil, nil))), recv(c.RoundChange(o[1], 3, 0, nil, nil))
			}},
		{Name: "round_change/f_senders_no_jump", N: 4, Want: "",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				s := selfNot(c, 0)
				return s, []Input{start()}, recv(c.RoundChange(c.Others(1, s)[0], 3, 0, nil, nil))
			}},
		{Name: "round_change/not_above_current_round_no_jump", N: 4, Want: "",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				s := selfNot(c, 1, 2)
				o := c.Others(2, s)
				return s, cat(start(), timeout(0), timeout(1), recv(c.RoundChange(o[0], 2, 0, nil, nil))), recv(c.RoundChange(o[1], 1, 0, nil, nil))
			}},

		// --- UponProposal: which rounds ---
		{Name: "proposal/higher_round_accepted_without_accepted_proposal", N: 4, Want: "timer(2) PREPARE(2)",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return selfNot(c, 0, 2), []Input{start()}, recv(c.JustifiedProposal(2, vB))
			}},
		{Name: "proposal/higher_round_accepted_after_accepted_proposal", N: 4, Want: "timer(1) PREPARE(1)",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return selfNot(c, 0, 1), acceptedR0(c, vA), recv(c.JustifiedProposal(1, vB))
			},
			Restore: true,
		},
		{Name: "proposal/past_round_not_accepted", N: 4, Want: "",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return selfNot(c, 1, 2), []Input{start(), timeout(0), timeout(1)}, recv(c.JustifiedProposal(1, vB))
			}},
		{Name: "proposal/second_proposal_same_round_equivocation", N: 4, Err: qbft.ErrEquivocation,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return selfNot(c, 0), acceptedR0(c, vA), recv(c.Proposal(c.Leader(0), 0, vB, nil, nil))
			}},
		{Name: "proposal/duplicate_idempotent", N: 4, Want: "",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return selfNot(c, 0), acceptedR0(c, vA), recv(c.Proposal(c.Leader(0), 0, vA, nil, nil))
			}},
		{Name: "proposal/non_leader_rejected", N: 4, Err: qbft.ErrNotLeader,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				s := selfNot(c, 0)
				return s, []Input{start()}, recv(c.Proposal(c.Others(1, c.Leader(0))[0], 0, vA, nil, nil))
			}},
		{Name: "proposal/wrong_instance_rejected", N: 4, Err: qbft.ErrWrongInstance,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				p := c.Proposal(c.Leader(0), 0, vA, nil, nil)
				p.Message.Instance = c.OtherID()
				return selfNot(c, 0), []Input{start()}, recv(c.Sign(p))
			}},
		{Name: "proposal/invalid_value_no_prepare", N: 4, Want: "",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return selfNot(c, 0), []Input{start()}, recv(c.Proposal(c.Leader(0), 0, []byte("bad-value"), nil, nil))
			},
			Check: func(c *Cluster, i *qbft.Instance, out []qbft.Output) error {
				if got := i.Snapshot().RejectedRounds; len(got) != 1 || got[0] != 0 {
					return fmt.Errorf("rejected rounds %v, want [0]", got)
				}
				return nil
			},
			Restore: true,
		},
		{Name: "proposal/invalid_reproposed_prepared_value_no_prepare", N: 4, Want: "",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				bad := []byte("bad-but-prepared")
				o := c.Others(2, c.Leader(1))
				just := append(Payloads(c.PreparedRC(c.Leader(1), 1, 0, bad)), c.RoundChanges(1, o...)...)
				p := c.Proposal(c.Leader(1), 1, bad, just, c.Prepares(0, bad, Seq(1, 3)...))
				return selfNot(c, 0, 1), []Input{start()}, recv(p)
			}},
		{Name: "proposal/digest_mismatch", N: 4, Err: qbft.ErrDigestMismatch,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				p := c.Proposal(c.Leader(0), 0, vA, nil, nil)
				p.Value = vB
				return selfNot(c, 0), []Input{start()}, recv(p)
			}},
		{Name: "proposal/empty_value", N: 4, Err: qbft.ErrValueSize,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				p := c.Proposal(c.Leader(0), 0, vA, nil, nil)
				p.Value = nil
				return selfNot(c, 0), []Input{start()}, recv(p)
			}},
		{Name: "proposal/round0_with_justification", N: 4, Err: qbft.ErrUnexpectedField,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return selfNot(c, 0), []Input{start()}, recv(c.Proposal(c.Leader(0), 0, vA, c.RoundChanges(1, 1, 2, 3), nil))
			}},

		// --- own value ---
		{Name: "own_value/invalid_rejected", N: 4, Err: qbft.ErrInvalidValue,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return c.Leader(0), []Input{start()}, own([]byte("bad-own"))
			}},
		{Name: "own_value/set_twice", N: 4, Err: qbft.ErrOwnValueSet,
			Build: func(c *Cluster) (uint64, []Input, Input) { return 1, []Input{own(vA)}, own(vB) }},
		{Name: "own_value/empty", N: 4, Err: qbft.ErrValueSize,
			Build: func(c *Cluster) (uint64, []Input, Input) { return 1, nil, own([]byte{}) }},

		// --- justifyProposal failures (round 1 proposals) ---
		{Name: "justification/prepared_round_not_below_round", N: 4, Err: qbft.ErrPreparedRoundNotLower,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				bad := c.Sign(mutate(c.RoundChange(1, 1, 0, nil, nil), func(m *qbft.SignedMessage) {
					m.Message.SetPrepared(1, qbft.Digest(vA))
				})).Payload()
				just := append([]*qbft.SignedPayload{bad}, c.RoundChanges(1, 2, 3)...)
				return selfNot(c, 1), []Input{start()}, recv(c.Proposal(c.Leader(1), 1, vA, just, c.Prepares(1, vA, 1, 2, 3)))
			}},
		{Name: "justification/prepared_fields_mismatch", N: 4, Err: qbft.ErrPreparedFieldsMismatch,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				bad := c.Sign(mutate(c.RoundChange(1, 1, 0, nil, nil), func(m *qbft.SignedMessage) { m.Message.PreparedRound = []uint64{0} })).Payload()
				just := append([]*qbft.SignedPayload{bad}, c.RoundChanges(1, 2, 3)...)
				return selfNot(c, 1), []Input{start()}, recv(c.Proposal(c.Leader(1), 1, vA, just, nil))
			}},
		{Name: "justification/fewer_than_quorum_prepares", N: 4, Err: qbft.ErrNoPrepareQuorum,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				just := append(Payloads(c.PreparedRC(1, 1, 0, vA)), c.RoundChanges(1, 2, 3)...)
				return selfNot(c, 1), []Input{start()}, recv(c.Proposal(c.Leader(1), 1, vA, just, c.Prepares(0, vA, 1, 2)))
			}},
		{Name: "justification/duplicate_prepare_senders_counted_once", N: 4, Err: qbft.ErrNoPrepareQuorum,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				just := append(Payloads(c.PreparedRC(1, 1, 0, vA)), c.RoundChanges(1, 2, 3)...)
				return selfNot(c, 1), []Input{start()}, recv(c.Proposal(c.Leader(1), 1, vA, just, c.Prepares(0, vA, 1, 2, 2)))
			}},
		{Name: "justification/prepares_for_other_digest", N: 4, Err: qbft.ErrDigestMismatch,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				just := append(Payloads(c.PreparedRC(1, 1, 0, vA)), c.RoundChanges(1, 2, 3)...)
				return selfNot(c, 1), []Input{start()}, recv(c.Proposal(c.Leader(1), 1, vA, just, c.Prepares(0, vB, 1, 2, 3)))
			}},
		{Name: "justification/prepares_for_other_round", N: 4, Err: qbft.ErrWrongRound,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				just := append(Payloads(c.PreparedRC(1, 2, 0, vA)), c.RoundChanges(2, 2, 3)...)
				return selfNot(c, 2), []Input{start()}, recv(c.Proposal(c.Leader(2), 2, vA, just, c.Prepares(1, vA, 1, 2, 3)))
			}},
		{Name: "justification/value_not_highest_prepared", N: 4, Err: qbft.ErrNotHighestPrepared,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				just := append(Payloads(c.PreparedRC(1, 2, 0, vA), c.PreparedRC(2, 2, 1, vB)), c.RoundChanges(2, 3)...)
				return selfNot(c, 2), []Input{start()}, recv(c.Proposal(c.Leader(2), 2, vA, just, c.Prepares(0, vA, 1, 2, 3)))
			}},
		{Name: "justification/fewer_than_quorum_round_changes", N: 4, Err: qbft.ErrNoRoundChangeQuorum,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return selfNot(c, 1), []Input{start()}, recv(c.Proposal(c.Leader(1), 1, vA, c.RoundChanges(1, 1, 2), nil))
			}},
		{Name: "justification/duplicate_rc_senders_counted_once", N: 4, Err: qbft.ErrNoRoundChangeQuorum,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return selfNot(c, 1), []Input{start()}, recv(c.Proposal(c.Leader(1), 1, vA, c.RoundChanges(1, 1, 2, 2), nil))
			}},
		{Name: "justification/rc_for_other_round", N: 4, Err: qbft.ErrWrongRound,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return selfNot(c, 1), []Input{start()}, recv(c.Proposal(c.Leader(1), 1, vA, c.RoundChanges(2, 1, 2, 3), nil))
			}},
		{Name: "justification/rc_for_other_instance", N: 4, Err: qbft.ErrWrongInstance,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				foreign := c.Sign(mutate(c.RoundChange(3, 1, 0, nil, nil), func(m *qbft.SignedMessage) { m.Message.Instance = c.OtherID() })).Payload()
				just := append(c.RoundChanges(1, 1, 2), foreign)
				return selfNot(c, 1), []Input{start()}, recv(c.Proposal(c.Leader(1), 1, vA, just, nil))
			}},
		{Name: "justification/forged_rc_signature", N: 4, Err: qbft.ErrBadSignature,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				just := c.RoundChanges(1, 1, 2, 3)
				just[2].Signature = just[1].Signature
				return selfNot(c, 1), []Input{start()}, recv(c.Proposal(c.Leader(1), 1, vA, just, nil))
			},
			BadSignature: "the third round change carries the second one's signature",
		},
		{Name: "justification/rc_from_unknown_sender", N: 4, Err: qbft.ErrUnknownSender,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return selfNot(c, 1), []Input{start()}, recv(c.Proposal(c.Leader(1), 1, vA, c.RoundChanges(1, 1, 2, 5), nil))
			},
			BadSignature: "a round change from sender 5 of 4 nodes (signed with node 1's key)",
		},
		{Name: "justification/prepare_in_round_change_list", N: 4, Err: qbft.ErrWrongType,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				just := append(c.RoundChanges(1, 1, 2), c.Prepares(1, vA, 3)...)
				return selfNot(c, 1), []Input{start()}, recv(c.Proposal(c.Leader(1), 1, vA, just, nil))
			}},
		{Name: "justification/fresh_value_with_prepares", N: 4, Err: qbft.ErrUnexpectedField,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return selfNot(c, 1), []Input{start()}, recv(c.Proposal(c.Leader(1), 1, vA, c.RoundChanges(1, 1, 2, 3), c.Prepares(0, vA, 1, 2, 3)))
			}},
		{Name: "justification/too_long", N: 4, Err: qbft.ErrJustificationTooLong,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return selfNot(c, 1), []Input{start()}, recv(c.Proposal(c.Leader(1), 1, vA, c.RoundChanges(1, 1, 2, 3, 4, 4), nil))
			}},
		{Name: "justification/wrapped_as_invalid_justification", N: 4, Err: qbft.ErrInvalidJustification,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return selfNot(c, 1), []Input{start()}, recv(c.Proposal(c.Leader(1), 1, vA, c.RoundChanges(2, 1, 2, 3), nil))
			}},

		// --- received ROUND_CHANGE checks (JustifyRoundChange) ---
		{Name: "rc_message/prepared_without_quorum_prepares", N: 4, Err: qbft.ErrNoPrepareQuorum,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 1, []Input{start()}, recv(c.RoundChange(2, 1, 0, vA, c.Prepares(0, vA, 1, 2)))
			}},
		{Name: "rc_message/prepared_round_not_below_round", N: 4, Err: qbft.ErrPreparedRoundNotLower,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 1, []Input{start()}, recv(c.RoundChange(2, 1, 1, vA, c.Prepares(1, vA, 1, 2, 3)))
			}},
		{Name: "rc_message/prepared_fields_mismatch", N: 4, Err: qbft.ErrPreparedFieldsMismatch,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				m := c.Sign(mutate(c.PreparedRC(2, 1, 0, vA), func(m *qbft.SignedMessage) { m.Message.PreparedDigest = nil }))
				return 1, []Input{start()}, recv(m)
			}},
		{Name: "rc_message/round_zero", N: 4, Err: qbft.ErrRoundChangeRoundZero,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 1, []Input{start()}, recv(c.RoundChange(2, 0, 0, nil, nil))
			}},
		{Name: "rc_message/value_does_not_match_prepared_digest", N: 4, Err: qbft.ErrDigestMismatch,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				m := mutate(c.PreparedRC(2, 1, 0, vA), func(m *qbft.SignedMessage) { m.Value = vB })
				return 1, []Input{start()}, recv(m)
			}},
		{Name: "rc_message/unprepared_with_value", N: 4, Err: qbft.ErrUnexpectedField,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 1, []Input{start()}, recv(mutate(c.RoundChange(2, 1, 0, nil, nil), func(m *qbft.SignedMessage) { m.Value = vA }))
			}},
		{Name: "rc_message/equivocation_keeps_first", N: 4, Err: qbft.ErrEquivocation,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 1, []Input{start(), recv(c.RoundChange(2, 3, 0, nil, nil))}, recv(c.PreparedRC(2, 3, 0, vA))
			}},

		// --- header checks on every message ---
		{Name: "header/sender_zero", N: 4, Err: qbft.ErrUnknownSender,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 1, []Input{start()}, recv(c.Prepare(0, 0, qbft.Digest(vA)))
			},
			BadSignature: "the message names sender 0, which has no node key (signed with node 1's key)",
		},
		{Name: "header/sender_above_n", N: 4, Err: qbft.ErrUnknownSender,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 1, []Input{start()}, recv(c.Prepare(5, 0, qbft.Digest(vA)))
			},
			BadSignature: "the message names sender 5 of 4 nodes, which has no node key (signed with node 1's key)",
		},
		{Name: "header/round_above_max", N: 4, Err: qbft.ErrRoundTooHigh,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 1, []Input{start()}, recv(c.Prepare(2, qbft.MaxRound+1, qbft.Digest(vA)))
			}},
		{Name: "header/max_round_accepted", N: 4, Want: "",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 1, []Input{start()}, recv(c.Prepare(2, qbft.MaxRound, qbft.Digest(vA)))
			}},
		{Name: "header/unknown_type", N: 4, Err: qbft.ErrUnknownType,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 1, []Input{start()}, recv(c.Sign(mutate(c.Prepare(2, 0, qbft.Digest(vA)), func(m *qbft.SignedMessage) { m.Message.Type = 9 })))
			}},
		{Name: "header/bad_signature", N: 4, Err: qbft.ErrBadSignature,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 1, []Input{start()}, recv(mutate(c.Prepare(2, 0, qbft.Digest(vA)), func(m *qbft.SignedMessage) { m.Signature[0] ^= 1 }))
			},
			BadSignature: "the signature's first byte is flipped",
		},
		{Name: "header/signed_by_other_node", N: 4, Err: qbft.ErrBadSignature,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 1, []Input{start()}, recv(mutate(c.Prepare(2, 0, qbft.Digest(vA)), func(m *qbft.SignedMessage) { m.Message.Sender = 3 }))
			},
			BadSignature: "node 2's signature on a message that names node 3 as its sender",
		},
		{Name: "header/wrong_instance", N: 4, Err: qbft.ErrWrongInstance,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 1, []Input{start()}, recv(c.Sign(mutate(c.Commit(2, 0, qbft.Digest(vA)), func(m *qbft.SignedMessage) { m.Message.Instance = c.OtherID() })))
			}},
		{Name: "header/prepare_with_value", N: 4, Err: qbft.ErrUnexpectedField,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 1, []Input{start()}, recv(mutate(c.Prepare(2, 0, qbft.Digest(vA)), func(m *qbft.SignedMessage) { m.Value = vA }))
			}},
		{Name: "header/commit_with_prepared_fields", N: 4, Err: qbft.ErrUnexpectedField,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 1, []Input{start()}, recv(c.Sign(mutate(c.Commit(2, 0, qbft.Digest(vA)), func(m *qbft.SignedMessage) { m.Message.PreparedRound = []uint64{0} })))
			}},
		{Name: "header/prepare_with_commits", N: 4, Err: qbft.ErrUnexpectedField,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 1, []Input{start()}, recv(mutate(c.Prepare(2, 0, qbft.Digest(vA)), func(m *qbft.SignedMessage) { m.Commits = c.Commits(0, vA, 1) }))
			}},
		{Name: "header/nil_message", N: 4, Err: qbft.ErrMalformed,
			Build: func(c *Cluster) (uint64, []Input, Input) { return 1, []Input{start()}, recv(nil) }},
		{Name: "duplicate/prepare_idempotent", N: 4, Want: "",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 1, []Input{start(), recv(c.Prepare(2, 0, qbft.Digest(vA)))}, recv(c.Prepare(2, 0, qbft.Digest(vA)))
			}},
		{Name: "equivocation/prepare_other_digest", N: 4, Err: qbft.ErrEquivocation,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 1, []Input{start(), recv(c.Prepare(2, 0, qbft.Digest(vA)))}, recv(c.Prepare(2, 0, qbft.Digest(vB)))
			}},

		// --- DECIDED (UponNewBlock) ---
		{Name: "decided/valid_decides", N: 4, Want: "decide(0,value-A)",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 4, []Input{start()}, recv(c.Decided(2, 0, vA, c.Commits(0, vA, 1, 2, 3)))
			}},
		{Name: "decided/before_start_decides", N: 4, Want: "decide(3,value-A)",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 4, nil, recv(c.Decided(2, 3, vA, c.Commits(3, vA, 1, 2, 3)))
			}},
		{Name: "decided/too_few_commits", N: 4, Err: qbft.ErrNoCommitQuorum,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 4, []Input{start()}, recv(c.Decided(2, 0, vA, c.Commits(0, vA, 1, 2)))
			}},
		{Name: "decided/duplicate_commit_senders", N: 4, Err: qbft.ErrNoCommitQuorum,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 4, []Input{start()}, recv(c.Decided(2, 0, vA, c.Commits(0, vA, 1, 2, 2)))
			}},
		{Name: "decided/foreign_commit", N: 4, Err: qbft.ErrWrongInstance,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				foreign := c.Sign(mutate(c.Commit(3, 0, qbft.Digest(vA)), func(m *qbft.SignedMessage) { m.Message.Instance = c.OtherID() })).Payload()
				return 4, []Input{start()}, recv(c.Decided(2, 0, vA, append(c.Commits(0, vA, 1, 2), foreign)))
			}},
		{Name: "decided/forged_seal", N: 4, Err: qbft.ErrBadSignature,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				commits := c.Commits(0, vA, 1, 2, 3)
				commits[2].Signature[5] ^= 0x40
				return 4, []Input{start()}, recv(c.Decided(2, 0, vA, commits))
			},
			BadSignature: "a bit of the third commit's signature is flipped",
		},
		{Name: "decided/commit_from_unknown_sender", N: 4, Err: qbft.ErrUnknownSender,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 4, []Input{start()}, recv(c.Decided(2, 0, vA, c.Commits(0, vA, 1, 2, 7)))
			},
			BadSignature: "a commit from sender 7 of 4 nodes (signed with node 1's key)",
		},
		{Name: "decided/commit_for_other_round", N: 4, Err: qbft.ErrWrongRound,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 4, []Input{start()}, recv(c.Decided(2, 0, vA, append(c.Commits(0, vA, 1, 2), c.Commits(1, vA, 3)...)))
			}},
		{Name: "decided/commit_for_other_digest", N: 4, Err: qbft.ErrDigestMismatch,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 4, []Input{start()}, recv(c.Decided(2, 0, vA, append(c.Commits(0, vA, 1, 2), c.Commits(0, vB, 3)...)))
			}},
		{Name: "decided/prepare_as_seal", N: 4, Err: qbft.ErrWrongType,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 4, []Input{start()}, recv(c.Decided(2, 0, vA, append(c.Commits(0, vA, 1, 2), c.Prepares(0, vA, 3)...)))
			}},
		{Name: "decided/value_mismatch", N: 4, Err: qbft.ErrDigestMismatch,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 4, []Input{start()}, recv(mutate(c.Decided(2, 0, vA, c.Commits(0, vA, 1, 2, 3)), func(m *qbft.SignedMessage) { m.Value = vB }))
			}},
		{Name: "decided/answers_round_change", N: 4, Want: "DECIDED(0)",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 4, []Input{start(), recv(c.Decided(2, 0, vA, c.Commits(0, vA, 1, 2, 3)))}, recv(c.RoundChange(1, 1, 0, nil, nil))
			},
			Check: func(c *Cluster, i *qbft.Instance, out []qbft.Output) error {
				d := broadcasts(out)[0]
				if d.Message.Sender != 4 || len(d.Commits) != 3 {
					return fmt.Errorf("answer %+v", d.Message)
				}
				return otherNode(c, 1).Checker().ValidateMessage(d)
			},
			Restore: true,
		},
		{Name: "decided/answers_each_round_once", N: 4, Want: "",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 4, []Input{start(), recv(c.Decided(2, 0, vA, c.Commits(0, vA, 1, 2, 3))), recv(c.RoundChange(1, 2, 0, nil, nil))}, recv(c.RoundChange(1, 1, 0, nil, nil))
			}},
		{Name: "decided/answers_higher_round_again", N: 4, Want: "DECIDED(0)",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 4, []Input{start(), recv(c.Decided(2, 0, vA, c.Commits(0, vA, 1, 2, 3))), recv(c.RoundChange(1, 1, 0, nil, nil))}, recv(c.RoundChange(1, 2, 0, nil, nil))
			}},
		{Name: "decided/no_timeout_after_decision", N: 4, Want: "",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 4, []Input{start(), recv(c.Decided(2, 0, vA, c.Commits(0, vA, 1, 2, 3)))}, timeout(0)
			}},

		// --- SPEC.md section 8.9 amendment: after the decision every message
		// but a ROUND_CHANGE is dropped unchecked; before it, a copy of a
		// stored message (same Message and signature) is dropped unchecked.
		{Name: "decided/late_commit_dropped", N: 4, Want: "",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 4, decidedPre(c), recv(c.Commit(1, 0, qbft.Digest(vA)))
			},
			Check: unchangedBy(4, decidedPre)},
		{Name: "decided/late_prepare_dropped", N: 4, Want: "",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 4, decidedPre(c), recv(c.Prepare(3, 0, qbft.Digest(vA)))
			},
			Check: unchangedBy(4, decidedPre)},
		{Name: "decided/late_proposal_dropped", N: 4, Want: "",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 4, decidedPre(c), recv(c.JustifiedProposal(1, vB))
			},
			Check: unchangedBy(4, decidedPre)},
		{Name: "decided/late_decided_of_other_round_dropped", N: 4, Want: "",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				return 4, decidedPre(c), recv(c.Decided(1, 1, vB, c.Commits(1, vB, 1, 2, 3)))
			},
			Check: unchangedBy(4, decidedPre)},
		{Name: "decided/late_invalid_commit_not_checked", N: 4, Want: "",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				m := c.Commit(1, 0, qbft.Digest(vA))
				m.Signature[5] ^= 0x40
				return 4, decidedPre(c), recv(m)
			},
			Check:        unchangedBy(4, decidedPre),
			BadSignature: "a bit of the late commit's signature is flipped: after the decision it is not checked",
		},
		{Name: "decided/late_foreign_commit_not_checked", N: 4, Want: "",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				foreign := c.Sign(mutate(c.Commit(3, 0, qbft.Digest(vA)), func(m *qbft.SignedMessage) { m.Message.Instance = c.OtherID() }))
				return 4, decidedPre(c), recv(foreign)
			},
			Check: unchangedBy(4, decidedPre)},
		{Name: "decided/late_invalid_round_change_still_rejected", N: 4, Err: qbft.ErrBadSignature,
			Build: func(c *Cluster) (uint64, []Input, Input) {
				m := c.RoundChange(1, 1, 0, nil, nil)
				m.Signature[5] ^= 0x40
				return 4, decidedPre(c), recv(m)
			},
			BadSignature: "a bit of the round change's signature is flipped: a ROUND_CHANGE is still checked after the decision",
		},
		{Name: "duplicate/stored_copy_with_broken_justification_not_checked", N: 4, Want: "",
			Build: func(c *Cluster) (uint64, []Input, Input) {
				rc := c.PreparedRC(1, 1, 0, vA)
				broken := *rc.Prepares[0]
				broken.Signature[5] ^= 0x40
				cp := mutate(rc, func(m *qbft.SignedMessage) {
					m.Prepares = append([]*qbft.SignedPayload{&broken}, rc.Prepares[1:]...)
				})
				return selfNot(c, 0, 1), []Input{start(), recv(rc)}, recv(cp)
			},
			BadSignature: "a bit of the first prepare of the copy's justification is flipped: a copy of a stored message is not checked",
		},
	}
}

// decidedPre is the setup of the late-message cases: node 4 started and
// decided value A in round 0 from a DECIDED of node 2.
func decidedPre(c *Cluster) []Input {
	return []Input{start(), recv(c.Decided(2, 0, vA, c.Commits(0, vA, 1, 2, 3)))}
}

// unchangedBy states that the instance's state is the one pre alone
// leaves on node self: the last input changed nothing.
func unchangedBy(self uint64, pre func(c *Cluster) []Input) func(c *Cluster, i *qbft.Instance, out []qbft.Output) error {
	return func(c *Cluster, i *qbft.Instance, _ []qbft.Output) error {
		ref, err := qbft.New(c.Config(self), c.ID, Validity(nil))
		if err != nil {
			return err
		}
		for k, x := range pre(c) {
			if _, err := x.Apply(ref); err != nil {
				return fmt.Errorf("reference input %d: %w", k, err)
			}
		}
		want, err := ref.Snapshot().HashTreeRoot()
		if err != nil {
			return err
		}
		got, err := i.Snapshot().HashTreeRoot()
		if err != nil {
			return err
		}
		if got != want {
			return errors.New("the dropped message changed the state")
		}
		return nil
	}
}
