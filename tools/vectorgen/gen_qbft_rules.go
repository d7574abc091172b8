package main

import (
	"github.com/dvspec/go-dvspec/consensus/qbft"
)

// qbftRules are the named cases of consensus/qbft TestRules
// (rules_test.go), ported: the same inputs, built with the same helpers,
// and the author's statement about the last input (the kinds of its
// outputs, or the error that drops it). The check functions of TestRules
// are not ported: the vectors state every output in full.
func qbftRules() []qbftRule {
	return []qbftRule{
		// --- round 0 (UponBlockTimeout, UponProposal) ---
		{name: "round0/leader_proposes_own_value_on_start", n: 4, want: "timer(0) PROPOSAL(0) PREPARE(0)",
			build: func(c *qc) (uint64, []qin, qin) { return c.leader(0), []qin{own(vA)}, start() }},
		{name: "round0/leader_without_value_only_sets_timer", n: 4, want: "timer(0)",
			build: func(c *qc) (uint64, []qin, qin) { return c.leader(0), nil, start() }},
		{name: "round0/late_own_value_leader_proposes", n: 4, want: "PROPOSAL(0) PREPARE(0)",
			build: func(c *qc) (uint64, []qin, qin) { return c.leader(0), []qin{start()}, own(vA) }},
		{name: "round0/non_leader_own_value_no_output", n: 4, want: "",
			build: func(c *qc) (uint64, []qin, qin) { return selfNot(c, 0), []qin{start()}, own(vA) }},
		{name: "round0/non_leader_prepares_leader_proposal", n: 4, want: "PREPARE(0)",
			build: func(c *qc) (uint64, []qin, qin) {
				return selfNot(c, 0), []qin{start()}, recv(c.proposal(c.leader(0), 0, vA, nil, nil))
			}},
		{name: "round0/proposal_before_start_prepared_on_start", n: 4, want: "timer(0) PREPARE(0)",
			build: func(c *qc) (uint64, []qin, qin) {
				return selfNot(c, 0), []qin{recv(c.proposal(c.leader(0), 0, vA, nil, nil))}, start()
			}},
		{name: "round0/start_twice", n: 4, err: qbft.ErrAlreadyStarted,
			build: func(c *qc) (uint64, []qin, qin) { return 1, []qin{start()}, start() }},
		{name: "n1/single_node_decides_alone", n: 1, want: "timer(0) PROPOSAL(0) PREPARE(0) COMMIT(0) decide(0,value-A) DECIDED(0)",
			build: func(c *qc) (uint64, []qin, qin) { return 1, []qin{own(vA)}, start() }},

		// --- UponPrepare ---
		{name: "prepare/quorum_sends_commit", n: 4, want: "COMMIT(0)",
			build: func(c *qc) (uint64, []qin, qin) {
				s := selfNot(c, 0)
				o := c.others(2, s)
				return s, cat(acceptedR0(c, vA), recv(c.prepare(o[0], 0, qbft.Digest(vA)))), recv(c.prepare(o[1], 0, qbft.Digest(vA)))
			}},
		{name: "prepare/below_quorum_no_commit", n: 4, want: "",
			build: func(c *qc) (uint64, []qin, qin) {
				s := selfNot(c, 0)
				return s, acceptedR0(c, vA), recv(c.prepare(c.others(1, s)[0], 0, qbft.Digest(vA)))
			}},
		{name: "prepare/no_accepted_proposal_no_commit", n: 4, want: "",
			build: func(c *qc) (uint64, []qin, qin) {
				s := selfNot(c, 0)
				o := c.others(3, s)
				return s, cat(start(), recv(c.prepare(o[0], 0, qbft.Digest(vA))), recv(c.prepare(o[1], 0, qbft.Digest(vA)))), recv(c.prepare(o[2], 0, qbft.Digest(vA)))
			}},
		{name: "prepare/prepares_before_proposal_commit_on_proposal", n: 4, want: "PREPARE(0) COMMIT(0)",
			build: func(c *qc) (uint64, []qin, qin) {
				s := selfNot(c, 0)
				o := c.others(2, s)
				return s, cat(start(), recv(c.prepare(o[0], 0, qbft.Digest(vA))), recv(c.prepare(o[1], 0, qbft.Digest(vA)))), recv(c.proposal(c.leader(0), 0, vA, nil, nil))
			}},
		{name: "prepare/commit_sent_once_per_round", n: 4, want: "",
			build: func(c *qc) (uint64, []qin, qin) {
				s := selfNot(c, 0)
				return s, committedR0(c, s, vA), recv(c.prepare(c.others(3, s)[2], 0, qbft.Digest(vA)))
			}},
		{name: "prepare/other_digest_does_not_count", n: 4, want: "",
			build: func(c *qc) (uint64, []qin, qin) {
				s := selfNot(c, 0)
				o := c.others(2, s)
				return s, cat(acceptedR0(c, vA), recv(c.prepare(o[0], 0, qbft.Digest(vB)))), recv(c.prepare(o[1], 0, qbft.Digest(vB)))
			}},
		{name: "prepare/commit_again_in_next_round", n: 4, want: "COMMIT(1)",
			build: func(c *qc) (uint64, []qin, qin) {
				s := selfNot(c, 0, 1)
				o := c.others(2, s)
				// round 1: the leader re-proposes vA, justified by this node's
				// prepared round change and two unprepared ones.
				ownRC := c.preparedRC(s, 1, 0, vA)
				just := append(payloads(ownRC), c.rcs(1, o...)...)
				p1 := c.proposal(c.leader(1), 1, vA, just, c.prepares(0, vA, seq(1, 3)...))
				return s, cat(committedR0(c, s, vA), timeout(0), recv(p1), recv(c.prepare(o[0], 1, qbft.Digest(vA)))), recv(c.prepare(o[1], 1, qbft.Digest(vA)))
			}},

		// --- UponCommit ---
		{name: "commit/quorum_decides", n: 4, want: "decide(0,value-A) DECIDED(0)",
			build: func(c *qc) (uint64, []qin, qin) {
				s := selfNot(c, 0)
				o := c.others(2, s)
				return s, cat(committedR0(c, s, vA), recv(c.commit(o[0], 0, qbft.Digest(vA)))), recv(c.commit(o[1], 0, qbft.Digest(vA)))
			}},
		{name: "commit/below_quorum_no_decision", n: 4, want: "",
			build: func(c *qc) (uint64, []qin, qin) {
				s := selfNot(c, 0)
				return s, committedR0(c, s, vA), recv(c.commit(c.others(1, s)[0], 0, qbft.Digest(vA)))
			}},
		{name: "commit/duplicate_commit_counted_once", n: 4, want: "",
			build: func(c *qc) (uint64, []qin, qin) {
				s := selfNot(c, 0)
				o := c.others(1, s)
				return s, cat(committedR0(c, s, vA), recv(c.commit(o[0], 0, qbft.Digest(vA)))), recv(c.commit(o[0], 0, qbft.Digest(vA)))
			}},
		{name: "commit/different_digests_do_not_add_up", n: 4, want: "",
			build: func(c *qc) (uint64, []qin, qin) {
				s := selfNot(c, 0)
				o := c.others(3, s)
				return s, cat(acceptedR0(c, vA), recv(c.commit(o[0], 0, qbft.Digest(vA))), recv(c.commit(o[1], 0, qbft.Digest(vA)))), recv(c.commit(o[2], 0, qbft.Digest(vB)))
			}},
		{name: "commit/late_quorum_decides_in_later_round", n: 4, want: "decide(0,value-A) DECIDED(0)",
			build: func(c *qc) (uint64, []qin, qin) {
				s := selfNot(c, 0)
				o := c.others(3, s)
				return s, cat(acceptedR0(c, vA), timeout(0), recv(c.commit(o[0], 0, qbft.Digest(vA))), recv(c.commit(o[1], 0, qbft.Digest(vA)))), recv(c.commit(o[2], 0, qbft.Digest(vA)))
			}},
		{name: "commit/quorum_for_unknown_value_waits", n: 4, want: "",
			build: func(c *qc) (uint64, []qin, qin) {
				s := selfNot(c, 0)
				o := c.others(3, s)
				return s, cat(start(), recv(c.commit(o[0], 0, qbft.Digest(vA))), recv(c.commit(o[1], 0, qbft.Digest(vA)))), recv(c.commit(o[2], 0, qbft.Digest(vA)))
			}},
		{name: "commit/quorum_decides_when_value_arrives", n: 4, want: "decide(0,value-A) DECIDED(0)",
			build: func(c *qc) (uint64, []qin, qin) {
				s := selfNot(c, 0)
				o := c.others(3, s)
				return s, cat(start(), recvAll(c.commit(o[0], 0, qbft.Digest(vA)), c.commit(o[1], 0, qbft.Digest(vA)), c.commit(o[2], 0, qbft.Digest(vA)))), recv(c.proposal(c.leader(0), 0, vA, nil, nil))
			}},

		// --- UponRoundTimeout ---
		{name: "timeout/round_change_unprepared", n: 4, want: "timer(1) ROUND_CHANGE(1)",
			build: func(c *qc) (uint64, []qin, qin) { return selfNot(c, 1), []qin{start()}, timeout(0) }},
		{name: "timeout/round_change_carries_prepared_value_and_quorum", n: 4, want: "timer(1) ROUND_CHANGE(1)",
			build: func(c *qc) (uint64, []qin, qin) {
				s := selfNot(c, 0, 1)
				return s, committedR0(c, s, vA), timeout(0)
			}},
		{name: "timeout/stale_ignored", n: 4, want: "",
			build: func(c *qc) (uint64, []qin, qin) { return 1, []qin{start(), timeout(0)}, timeout(0) }},
		{name: "timeout/before_start_ignored", n: 4, want: "",
			build: func(c *qc) (uint64, []qin, qin) { return 1, nil, timeout(0) }},

		// --- UponRoundChange, first branch: the leader's proposal ---
		{name: "round_change/leader_quorum_proposes_fresh_own_value", n: 4, want: "PROPOSAL(1) PREPARE(1)",
			build: func(c *qc) (uint64, []qin, qin) {
				s := c.leader(1)
				o := c.others(2, s)
				return s, cat(own(vB), start(), timeout(0), recv(c.rc(o[0], 1, 0, nil, nil))), recv(c.rc(o[1], 1, 0, nil, nil))
			}},
		{name: "round_change/leader_reproposes_highest_prepared_value", n: 4, want: "PROPOSAL(1) PREPARE(1)",
			build: func(c *qc) (uint64, []qin, qin) {
				s := c.leader(1)
				o := c.others(2, s)
				return s, cat(own(vB), start(), timeout(0), recv(c.preparedRC(o[0], 1, 0, vA))), recv(c.rc(o[1], 1, 0, nil, nil))
			}},
		{name: "round_change/leader_picks_highest_of_several_prepared", n: 7, want: "PROPOSAL(2) PREPARE(2)",
			build: func(c *qc) (uint64, []qin, qin) {
				s := c.leader(2)
				o := c.others(4, s)
				pre := cat(own(vC), start(), timeout(0), timeout(1),
					recv(c.preparedRC(o[0], 2, 0, vA)), recv(c.preparedRC(o[1], 2, 1, vB)), recv(c.rc(o[2], 2, 0, nil, nil)))
				return s, pre, recv(c.rc(o[3], 2, 0, nil, nil))
			}},
		{name: "round_change/leader_waits_for_own_value", n: 4, want: "",
			build: func(c *qc) (uint64, []qin, qin) {
				s := c.leader(1)
				o := c.others(2, s)
				return s, cat(start(), timeout(0), recv(c.rc(o[0], 1, 0, nil, nil))), recv(c.rc(o[1], 1, 0, nil, nil))
			}},
		{name: "round_change/late_own_value_leader_proposes", n: 4, want: "PROPOSAL(1) PREPARE(1)",
			build: func(c *qc) (uint64, []qin, qin) {
				s := c.leader(1)
				o := c.others(2, s)
				return s, cat(start(), timeout(0), recv(c.rc(o[0], 1, 0, nil, nil)), recv(c.rc(o[1], 1, 0, nil, nil))), own(vB)
			}},
		{name: "round_change/non_leader_quorum_no_proposal", n: 4, want: "",
			build: func(c *qc) (uint64, []qin, qin) {
				s := selfNot(c, 1)
				o := c.others(2, s, c.leader(1))
				return s, cat(own(vB), start(), timeout(0), recv(c.rc(o[0], 1, 0, nil, nil))), recv(c.rc(c.leader(1), 1, 0, nil, nil))
			}},
		{name: "round_change/leader_behind_jumps_and_proposes", n: 4, want: "timer(1) ROUND_CHANGE(1) PROPOSAL(1) PREPARE(1)",
			build: func(c *qc) (uint64, []qin, qin) {
				s := c.leader(1)
				o := c.others(2, s)
				return s, cat(own(vB), start(), recv(c.rc(o[0], 1, 0, nil, nil))), recv(c.rc(o[1], 1, 0, nil, nil))
			}},

		// --- UponRoundChange, second branch: f+1 jump ---
		{name: "round_change/f_plus_1_jump_to_min_round", n: 4, want: "timer(3) ROUND_CHANGE(3)",
			build: func(c *qc) (uint64, []qin, qin) {
				s := selfNot(c, 3)
				o := c.others(2, s)
				return s, cat(start(), recv(c.rc(o[0], 3, 0, nil, nil))), recv(c.rc(o[1], 5, 0, nil, nil))
			}},
		{name: "round_change/f_plus_1_jump_n7_min_of_highest", n: 7, want: "timer(4) ROUND_CHANGE(4)",
			build: func(c *qc) (uint64, []qin, qin) {
				s := selfNot(c, 4)
				o := c.others(3, s)
				return s, cat(start(), recv(c.rc(o[0], 9, 0, nil, nil)), recv(c.rc(o[1], 6, 0, nil, nil))), recv(c.rc(o[2], 4, 0, nil, nil))
			}},
		{name: "round_change/jump_uses_each_senders_highest_round", n: 4, want: "timer(3) ROUND_CHANGE(3)",
			build: func(c *qc) (uint64, []qin, qin) {
				s := selfNot(c, 3)
				o := c.others(2, s)
				return s, cat(start(), recv(c.rc(o[0], 2, 0, nil, nil)), recv(c.rc(o[0], 7, 0, nil, nil))), recv(c.rc(o[1], 3, 0, nil, nil))
			}},
		{name: "round_change/f_senders_no_jump", n: 4, want: "",
			build: func(c *qc) (uint64, []qin, qin) {
				s := selfNot(c, 0)
				return s, []qin{start()}, recv(c.rc(c.others(1, s)[0], 3, 0, nil, nil))
			}},
		{name: "round_change/not_above_current_round_no_jump", n: 4, want: "",
			build: func(c *qc) (uint64, []qin, qin) {
				s := selfNot(c, 1, 2)
				o := c.others(2, s)
				return s, cat(start(), timeout(0), timeout(1), recv(c.rc(o[0], 2, 0, nil, nil))), recv(c.rc(o[1], 1, 0, nil, nil))
			}},

		// --- UponProposal: which rounds ---
		{name: "proposal/higher_round_accepted_without_accepted_proposal", n: 4, want: "timer(2) PREPARE(2)",
			build: func(c *qc) (uint64, []qin, qin) {
				return selfNot(c, 0, 2), []qin{start()}, recv(c.justifiedProposal(2, vB))
			}},
		{name: "proposal/higher_round_accepted_after_accepted_proposal", n: 4, want: "timer(1) PREPARE(1)",
			build: func(c *qc) (uint64, []qin, qin) {
				return selfNot(c, 0, 1), acceptedR0(c, vA), recv(c.justifiedProposal(1, vB))
			}},
		{name: "proposal/past_round_not_accepted", n: 4, want: "",
			build: func(c *qc) (uint64, []qin, qin) {
				return selfNot(c, 1, 2), []qin{start(), timeout(0), timeout(1)}, recv(c.justifiedProposal(1, vB))
			}},
		{name: "proposal/second_proposal_same_round_equivocation", n: 4, err: qbft.ErrEquivocation,
			build: func(c *qc) (uint64, []qin, qin) {
				return selfNot(c, 0), acceptedR0(c, vA), recv(c.proposal(c.leader(0), 0, vB, nil, nil))
			}},
		{name: "proposal/duplicate_idempotent", n: 4, want: "",
			build: func(c *qc) (uint64, []qin, qin) {
				return selfNot(c, 0), acceptedR0(c, vA), recv(c.proposal(c.leader(0), 0, vA, nil, nil))
			}},
		{name: "proposal/non_leader_rejected", n: 4, err: qbft.ErrNotLeader,
			build: func(c *qc) (uint64, []qin, qin) {
				s := selfNot(c, 0)
				return s, []qin{start()}, recv(c.proposal(c.others(1, c.leader(0))[0], 0, vA, nil, nil))
			}},
		{name: "proposal/wrong_instance_rejected", n: 4, err: qbft.ErrWrongInstance,
			build: func(c *qc) (uint64, []qin, qin) {
				p := c.proposal(c.leader(0), 0, vA, nil, nil)
				p.Message.Instance = otherID
				return selfNot(c, 0), []qin{start()}, recv(c.sign(p))
			}},
		{name: "proposal/invalid_value_no_prepare", n: 4, want: "",
			build: func(c *qc) (uint64, []qin, qin) {
				return selfNot(c, 0), []qin{start()}, recv(c.proposal(c.leader(0), 0, []byte("bad-value"), nil, nil))
			}},
		{name: "proposal/invalid_reproposed_prepared_value_no_prepare", n: 4, want: "",
			build: func(c *qc) (uint64, []qin, qin) {
				bad := []byte("bad-but-prepared")
				o := c.others(2, c.leader(1))
				just := append(payloads(c.preparedRC(c.leader(1), 1, 0, bad)), c.rcs(1, o...)...)
				p := c.proposal(c.leader(1), 1, bad, just, c.prepares(0, bad, seq(1, 3)...))
				return selfNot(c, 0, 1), []qin{start()}, recv(p)
			}},
		{name: "proposal/digest_mismatch", n: 4, err: qbft.ErrDigestMismatch,
			build: func(c *qc) (uint64, []qin, qin) {
				p := c.proposal(c.leader(0), 0, vA, nil, nil)
				p.Value = vB
				return selfNot(c, 0), []qin{start()}, recv(p)
			}},
		{name: "proposal/empty_value", n: 4, err: qbft.ErrValueSize,
			build: func(c *qc) (uint64, []qin, qin) {
				p := c.proposal(c.leader(0), 0, vA, nil, nil)
				p.Value = nil
				return selfNot(c, 0), []qin{start()}, recv(p)
			}},
		{name: "proposal/round0_with_justification", n: 4, err: qbft.ErrUnexpectedField,
			build: func(c *qc) (uint64, []qin, qin) {
				return selfNot(c, 0), []qin{start()}, recv(c.proposal(c.leader(0), 0, vA, c.rcs(1, 1, 2, 3), nil))
			}},

		// --- own value ---
		{name: "own_value/invalid_rejected", n: 4, err: qbft.ErrInvalidValue,
			build: func(c *qc) (uint64, []qin, qin) { return c.leader(0), []qin{start()}, own([]byte("bad-own")) }},
		{name: "own_value/set_twice", n: 4, err: qbft.ErrOwnValueSet,
			build: func(c *qc) (uint64, []qin, qin) { return 1, []qin{own(vA)}, own(vB) }},
		{name: "own_value/empty", n: 4, err: qbft.ErrValueSize,
			build: func(c *qc) (uint64, []qin, qin) { return 1, nil, own([]byte{}) }},

		// --- justifyProposal failures (round 1 proposals) ---
		{name: "justification/prepared_round_not_below_round", n: 4, err: qbft.ErrPreparedRoundNotLower,
			build: func(c *qc) (uint64, []qin, qin) {
				bad := c.sign(mutate(c.rc(1, 1, 0, nil, nil), func(m *qbft.SignedMessage) {
					m.Message.SetPrepared(1, qbft.Digest(vA))
				})).Payload()
				just := append([]*qbft.SignedPayload{bad}, c.rcs(1, 2, 3)...)
				return selfNot(c, 1), []qin{start()}, recv(c.proposal(c.leader(1), 1, vA, just, c.prepares(1, vA, 1, 2, 3)))
			}},
		{name: "justification/prepared_fields_mismatch", n: 4, err: qbft.ErrPreparedFieldsMismatch,
			build: func(c *qc) (uint64, []qin, qin) {
				bad := c.sign(mutate(c.rc(1, 1, 0, nil, nil), func(m *qbft.SignedMessage) { m.Message.PreparedRound = []uint64{0} })).Payload()
				just := append([]*qbft.SignedPayload{bad}, c.rcs(1, 2, 3)...)
				return selfNot(c, 1), []qin{start()}, recv(c.proposal(c.leader(1), 1, vA, just, nil))
			}},
		{name: "justification/fewer_than_quorum_prepares", n: 4, err: qbft.ErrNoPrepareQuorum,
			build: func(c *qc) (uint64, []qin, qin) {
				just := append(payloads(c.preparedRC(1, 1, 0, vA)), c.rcs(1, 2, 3)...)
				return selfNot(c, 1), []qin{start()}, recv(c.proposal(c.leader(1), 1, vA, just, c.prepares(0, vA, 1, 2)))
			}},
		{name: "justification/duplicate_prepare_senders_counted_once", n: 4, err: qbft.ErrNoPrepareQuorum,
			build: func(c *qc) (uint64, []qin, qin) {
				just := append(payloads(c.preparedRC(1, 1, 0, vA)), c.rcs(1, 2, 3)...)
				return selfNot(c, 1), []qin{start()}, recv(c.proposal(c.leader(1), 1, vA, just, c.prepares(0, vA, 1, 2, 2)))
			}},
		{name: "justification/prepares_for_other_digest", n: 4, err: qbft.ErrDigestMismatch,
			build: func(c *qc) (uint64, []qin, qin) {
				just := append(payloads(c.preparedRC(1, 1, 0, vA)), c.rcs(1, 2, 3)...)
				return selfNot(c, 1), []qin{start()}, recv(c.proposal(c.leader(1), 1, vA, just, c.prepares(0, vB, 1, 2, 3)))
			}},
		{name: "justification/prepares_for_other_round", n: 4, err: qbft.ErrWrongRound,
			build: func(c *qc) (uint64, []qin, qin) {
				just := append(payloads(c.preparedRC(1, 2, 0, vA)), c.rcs(2, 2, 3)...)
				return selfNot(c, 2), []qin{start()}, recv(c.proposal(c.leader(2), 2, vA, just, c.prepares(1, vA, 1, 2, 3)))
			}},
		{name: "justification/value_not_highest_prepared", n: 4, err: qbft.ErrNotHighestPrepared,
			build: func(c *qc) (uint64, []qin, qin) {
				just := append(payloads(c.preparedRC(1, 2, 0, vA), c.preparedRC(2, 2, 1, vB)), c.rcs(2, 3)...)
				return selfNot(c, 2), []qin{start()}, recv(c.proposal(c.leader(2), 2, vA, just, c.prepares(0, vA, 1, 2, 3)))
			}},
		{name: "justification/fewer_than_quorum_round_changes", n: 4, err: qbft.ErrNoRoundChangeQuorum,
			build: func(c *qc) (uint64, []qin, qin) {
				return selfNot(c, 1), []qin{start()}, recv(c.proposal(c.leader(1), 1, vA, c.rcs(1, 1, 2), nil))
			}},
		{name: "justification/duplicate_rc_senders_counted_once", n: 4, err: qbft.ErrNoRoundChangeQuorum,
			build: func(c *qc) (uint64, []qin, qin) {
				return selfNot(c, 1), []qin{start()}, recv(c.proposal(c.leader(1), 1, vA, c.rcs(1, 1, 2, 2), nil))
			}},
		{name: "justification/rc_for_other_round", n: 4, err: qbft.ErrWrongRound,
			build: func(c *qc) (uint64, []qin, qin) {
				return selfNot(c, 1), []qin{start()}, recv(c.proposal(c.leader(1), 1, vA, c.rcs(2, 1, 2, 3), nil))
			}},
		{name: "justification/rc_for_other_instance", n: 4, err: qbft.ErrWrongInstance,
			build: func(c *qc) (uint64, []qin, qin) {
				foreign := c.sign(mutate(c.rc(3, 1, 0, nil, nil), func(m *qbft.SignedMessage) { m.Message.Instance = otherID })).Payload()
				just := append(c.rcs(1, 1, 2), foreign)
				return selfNot(c, 1), []qin{start()}, recv(c.proposal(c.leader(1), 1, vA, just, nil))
			}},
		{name: "justification/forged_rc_signature", n: 4, err: qbft.ErrBadSignature,
			build: func(c *qc) (uint64, []qin, qin) {
				just := c.rcs(1, 1, 2, 3)
				just[2].Signature = just[1].Signature
				return selfNot(c, 1), []qin{start()}, recv(c.proposal(c.leader(1), 1, vA, just, nil))
			}},
		{name: "justification/rc_from_unknown_sender", n: 4, err: qbft.ErrUnknownSender,
			build: func(c *qc) (uint64, []qin, qin) {
				return selfNot(c, 1), []qin{start()}, recv(c.proposal(c.leader(1), 1, vA, c.rcs(1, 1, 2, 5), nil))
			}},
		{name: "justification/prepare_in_round_change_list", n: 4, err: qbft.ErrWrongType,
			build: func(c *qc) (uint64, []qin, qin) {
				just := append(c.rcs(1, 1, 2), c.prepares(1, vA, 3)...)
				return selfNot(c, 1), []qin{start()}, recv(c.proposal(c.leader(1), 1, vA, just, nil))
			}},
		{name: "justification/fresh_value_with_prepares", n: 4, err: qbft.ErrUnexpectedField,
			build: func(c *qc) (uint64, []qin, qin) {
				return selfNot(c, 1), []qin{start()}, recv(c.proposal(c.leader(1), 1, vA, c.rcs(1, 1, 2, 3), c.prepares(0, vA, 1, 2, 3)))
			}},
		{name: "justification/too_long", n: 4, err: qbft.ErrJustificationTooLong,
			build: func(c *qc) (uint64, []qin, qin) {
				return selfNot(c, 1), []qin{start()}, recv(c.proposal(c.leader(1), 1, vA, c.rcs(1, 1, 2, 3, 4, 4), nil))
			}},
		{name: "justification/wrapped_as_invalid_justification", n: 4, err: qbft.ErrInvalidJustification,
			build: func(c *qc) (uint64, []qin, qin) {
				return selfNot(c, 1), []qin{start()}, recv(c.proposal(c.leader(1), 1, vA, c.rcs(2, 1, 2, 3), nil))
			}},

		// --- received ROUND_CHANGE checks (JustifyRoundChange) ---
		{name: "rc_message/prepared_without_quorum_prepares", n: 4, err: qbft.ErrNoPrepareQuorum,
			build: func(c *qc) (uint64, []qin, qin) {
				return 1, []qin{start()}, recv(c.rc(2, 1, 0, vA, c.prepares(0, vA, 1, 2)))
			}},
		{name: "rc_message/prepared_round_not_below_round", n: 4, err: qbft.ErrPreparedRoundNotLower,
			build: func(c *qc) (uint64, []qin, qin) {
				return 1, []qin{start()}, recv(c.rc(2, 1, 1, vA, c.prepares(1, vA, 1, 2, 3)))
			}},
		{name: "rc_message/prepared_fields_mismatch", n: 4, err: qbft.ErrPreparedFieldsMismatch,
			build: func(c *qc) (uint64, []qin, qin) {
				m := c.sign(mutate(c.preparedRC(2, 1, 0, vA), func(m *qbft.SignedMessage) { m.Message.PreparedDigest = nil }))
				return 1, []qin{start()}, recv(m)
			}},
		{name: "rc_message/round_zero", n: 4, err: qbft.ErrRoundChangeRoundZero,
			build: func(c *qc) (uint64, []qin, qin) { return 1, []qin{start()}, recv(c.rc(2, 0, 0, nil, nil)) }},
		{name: "rc_message/value_does_not_match_prepared_digest", n: 4, err: qbft.ErrDigestMismatch,
			build: func(c *qc) (uint64, []qin, qin) {
				m := mutate(c.preparedRC(2, 1, 0, vA), func(m *qbft.SignedMessage) { m.Value = vB })
				return 1, []qin{start()}, recv(m)
			}},
		{name: "rc_message/unprepared_with_value", n: 4, err: qbft.ErrUnexpectedField,
			build: func(c *qc) (uint64, []qin, qin) {
				return 1, []qin{start()}, recv(mutate(c.rc(2, 1, 0, nil, nil), func(m *qbft.SignedMessage) { m.Value = vA }))
			}},
		{name: "rc_message/equivocation_keeps_first", n: 4, err: qbft.ErrEquivocation,
			build: func(c *qc) (uint64, []qin, qin) {
				return 1, []qin{start(), recv(c.rc(2, 3, 0, nil, nil))}, recv(c.preparedRC(2, 3, 0, vA))
			}},

		// --- header checks on every message ---
		{name: "header/sender_zero", n: 4, err: qbft.ErrUnknownSender,
			build: func(c *qc) (uint64, []qin, qin) { return 1, []qin{start()}, recv(c.prepare(0, 0, qbft.Digest(vA))) }},
		{name: "header/sender_above_n", n: 4, err: qbft.ErrUnknownSender,
			build: func(c *qc) (uint64, []qin, qin) { return 1, []qin{start()}, recv(c.prepare(5, 0, qbft.Digest(vA))) }},
		{name: "header/round_above_max", n: 4, err: qbft.ErrRoundTooHigh,
			build: func(c *qc) (uint64, []qin, qin) {
				return 1, []qin{start()}, recv(c.prepare(2, qbft.MaxRound+1, qbft.Digest(vA)))
			}},
		{name: "header/max_round_accepted", n: 4, want: "",
			build: func(c *qc) (uint64, []qin, qin) {
				return 1, []qin{start()}, recv(c.prepare(2, qbft.MaxRound, qbft.Digest(vA)))
			}},
		{name: "header/unknown_type", n: 4, err: qbft.ErrUnknownType,
			build: func(c *qc) (uint64, []qin, qin) {
				return 1, []qin{start()}, recv(c.sign(mutate(c.prepare(2, 0, qbft.Digest(vA)), func(m *qbft.SignedMessage) { m.Message.Type = 9 })))
			}},
		{name: "header/bad_signature", n: 4, err: qbft.ErrBadSignature,
			build: func(c *qc) (uint64, []qin, qin) {
				return 1, []qin{start()}, recv(mutate(c.prepare(2, 0, qbft.Digest(vA)), func(m *qbft.SignedMessage) { m.Signature[0] ^= 1 }))
			}},
		{name: "header/signed_by_other_node", n: 4, err: qbft.ErrBadSignature,
			build: func(c *qc) (uint64, []qin, qin) {
				return 1, []qin{start()}, recv(mutate(c.prepare(2, 0, qbft.Digest(vA)), func(m *qbft.SignedMessage) { m.Message.Sender = 3 }))
			}},
		{name: "header/wrong_instance", n: 4, err: qbft.ErrWrongInstance,
			build: func(c *qc) (uint64, []qin, qin) {
				return 1, []qin{start()}, recv(c.sign(mutate(c.commit(2, 0, qbft.Digest(vA)), func(m *qbft.SignedMessage) { m.Message.Instance = otherID })))
			}},
		{name: "header/prepare_with_value", n: 4, err: qbft.ErrUnexpectedField,
			build: func(c *qc) (uint64, []qin, qin) {
				return 1, []qin{start()}, recv(mutate(c.prepare(2, 0, qbft.Digest(vA)), func(m *qbft.SignedMessage) { m.Value = vA }))
			}},
		{name: "header/commit_with_prepared_fields", n: 4, err: qbft.ErrUnexpectedField,
			build: func(c *qc) (uint64, []qin, qin) {
				return 1, []qin{start()}, recv(c.sign(mutate(c.commit(2, 0, qbft.Digest(vA)), func(m *qbft.SignedMessage) { m.Message.PreparedRound = []uint64{0} })))
			}},
		{name: "header/prepare_with_commits", n: 4, err: qbft.ErrUnexpectedField,
			build: func(c *qc) (uint64, []qin, qin) {
				return 1, []qin{start()}, recv(mutate(c.prepare(2, 0, qbft.Digest(vA)), func(m *qbft.SignedMessage) { m.Commits = c.commits(0, vA, 1) }))
			}},
		{name: "header/nil_message", n: 4, err: qbft.ErrMalformed,
			build: func(c *qc) (uint64, []qin, qin) { return 1, []qin{start()}, recv(nil) }},
		{name: "duplicate/prepare_idempotent", n: 4, want: "",
			build: func(c *qc) (uint64, []qin, qin) {
				return 1, []qin{start(), recv(c.prepare(2, 0, qbft.Digest(vA)))}, recv(c.prepare(2, 0, qbft.Digest(vA)))
			}},
		{name: "equivocation/prepare_other_digest", n: 4, err: qbft.ErrEquivocation,
			build: func(c *qc) (uint64, []qin, qin) {
				return 1, []qin{start(), recv(c.prepare(2, 0, qbft.Digest(vA)))}, recv(c.prepare(2, 0, qbft.Digest(vB)))
			}},

		// --- DECIDED (UponNewBlock) ---
		{name: "decided/valid_decides", n: 4, want: "decide(0,value-A)",
			build: func(c *qc) (uint64, []qin, qin) {
				return 4, []qin{start()}, recv(c.decided(2, 0, vA, c.commits(0, vA, 1, 2, 3)))
			}},
		{name: "decided/before_start_decides", n: 4, want: "decide(3,value-A)",
			build: func(c *qc) (uint64, []qin, qin) {
				return 4, nil, recv(c.decided(2, 3, vA, c.commits(3, vA, 1, 2, 3)))
			}},
		{name: "decided/too_few_commits", n: 4, err: qbft.ErrNoCommitQuorum,
			build: func(c *qc) (uint64, []qin, qin) {
				return 4, []qin{start()}, recv(c.decided(2, 0, vA, c.commits(0, vA, 1, 2)))
			}},
		{name: "decided/duplicate_commit_senders", n: 4, err: qbft.ErrNoCommitQuorum,
			build: func(c *qc) (uint64, []qin, qin) {
				return 4, []qin{start()}, recv(c.decided(2, 0, vA, c.commits(0, vA, 1, 2, 2)))
			}},
		{name: "decided/foreign_commit", n: 4, err: qbft.ErrWrongInstance,
			build: func(c *qc) (uint64, []qin, qin) {
				foreign := c.sign(mutate(c.commit(3, 0, qbft.Digest(vA)), func(m *qbft.SignedMessage) { m.Message.Instance = otherID })).Payload()
				return 4, []qin{start()}, recv(c.decided(2, 0, vA, append(c.commits(0, vA, 1, 2), foreign)))
			}},
		{name: "decided/forged_seal", n: 4, err: qbft.ErrBadSignature,
			build: func(c *qc) (uint64, []qin, qin) {
				commits := c.commits(0, vA, 1, 2, 3)
				commits[2].Signature[5] ^= 0x40
				return 4, []qin{start()}, recv(c.decided(2, 0, vA, commits))
			}},
		{name: "decided/commit_from_unknown_sender", n: 4, err: qbft.ErrUnknownSender,
			build: func(c *qc) (uint64, []qin, qin) {
				return 4, []qin{start()}, recv(c.decided(2, 0, vA, c.commits(0, vA, 1, 2, 7)))
			}},
		{name: "decided/commit_for_other_round", n: 4, err: qbft.ErrWrongRound,
			build: func(c *qc) (uint64, []qin, qin) {
				return 4, []qin{start()}, recv(c.decided(2, 0, vA, append(c.commits(0, vA, 1, 2), c.commits(1, vA, 3)...)))
			}},
		{name: "decided/commit_for_other_digest", n: 4, err: qbft.ErrDigestMismatch,
			build: func(c *qc) (uint64, []qin, qin) {
				return 4, []qin{start()}, recv(c.decided(2, 0, vA, append(c.commits(0, vA, 1, 2), c.commits(0, vB, 3)...)))
			}},
		{name: "decided/prepare_as_seal", n: 4, err: qbft.ErrWrongType,
			build: func(c *qc) (uint64, []qin, qin) {
				return 4, []qin{start()}, recv(c.decided(2, 0, vA, append(c.commits(0, vA, 1, 2), c.prepares(0, vA, 3)...)))
			}},
		{name: "decided/value_mismatch", n: 4, err: qbft.ErrDigestMismatch,
			build: func(c *qc) (uint64, []qin, qin) {
				return 4, []qin{start()}, recv(mutate(c.decided(2, 0, vA, c.commits(0, vA, 1, 2, 3)), func(m *qbft.SignedMessage) { m.Value = vB }))
			}},
		{name: "decided/answers_round_change", n: 4, want: "DECIDED(0)",
			build: func(c *qc) (uint64, []qin, qin) {
				return 4, []qin{start(), recv(c.decided(2, 0, vA, c.commits(0, vA, 1, 2, 3)))}, recv(c.rc(1, 1, 0, nil, nil))
			}},
		{name: "decided/answers_each_round_once", n: 4, want: "",
			build: func(c *qc) (uint64, []qin, qin) {
				return 4, []qin{start(), recv(c.decided(2, 0, vA, c.commits(0, vA, 1, 2, 3))), recv(c.rc(1, 2, 0, nil, nil))}, recv(c.rc(1, 1, 0, nil, nil))
			}},
		{name: "decided/answers_higher_round_again", n: 4, want: "DECIDED(0)",
			build: func(c *qc) (uint64, []qin, qin) {
				return 4, []qin{start(), recv(c.decided(2, 0, vA, c.commits(0, vA, 1, 2, 3))), recv(c.rc(1, 1, 0, nil, nil))}, recv(c.rc(1, 2, 0, nil, nil))
			}},
		{name: "decided/no_timeout_after_decision", n: 4, want: "",
			build: func(c *qc) (uint64, []qin, qin) {
				return 4, []qin{start(), recv(c.decided(2, 0, vA, c.commits(0, vA, 1, 2, 3)))}, timeout(0)
			}},
	}
}
