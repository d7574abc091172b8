package aggcases

import (
	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty"
)

type (
	apiSelection  = apiv1.BeaconCommitteeSelection
	syncSelection = ethnode.SyncCommitteeSelection
	outs          = []aggduty.Output
)

// Step is an event and its author's statement: its exact outputs (Want;
// an Ignored's Detail aside) or the error that refuses it (WantErr).
type Step struct {
	Ev      aggduty.Event
	Want    []aggduty.Output
	WantErr error
}

// Scenario is one case of the node under test (node 1 of 4) in Fork and
// Mode, from the empty state.
type Scenario struct {
	Handler, Name       string
	Fork                eth2spec.DataVersion
	Mode                dvc.Mode
	Description, Proves string
	References          []string
	Steps               func(f *F) []Step
}

func st(ev aggduty.Event, want ...aggduty.Output) Step { return Step{Ev: ev, Want: want} }
func stErr(ev aggduty.Event, err error) Step           { return Step{Ev: ev, WantErr: err} }
func recv(s *networking.AggregationShare) aggduty.ReceivedAggregationShare {
	return aggduty.ReceivedAggregationShare{Share: s}
}

var (
	allForks  = []eth2spec.DataVersion{eth2spec.DataVersionPhase0, eth2spec.DataVersionAltair, eth2spec.DataVersionBellatrix, eth2spec.DataVersionCapella, eth2spec.DataVersionDeneb, eth2spec.DataVersionElectra, eth2spec.DataVersionFulu}
	syncForks = allForks[1:]
	bothModes = []dvc.Mode{dvc.ModeRemoteSigner, dvc.ModeVCMiddleware}
	refAgg    = []string{"SPEC.md section 12 (aggregation duties)", "SPEC.md deviation 18", "consensus-specs validator.md (Attestation aggregation)"}
	refSync   = []string{"SPEC.md section 12 (aggregation duties)", "SPEC.md deviation 18", "consensus-specs altair validator.md (Sync committee aggregation)"}
)

// base is the first slot the cases search from (epoch 2 on mainnet).
const base = phase0.Slot(64)

// selection is the slot selection proof exchange of slot ending with the
// third share, whose step outputs the combined proof and then last.
func (f *F) selection(slot phase0.Slot, last ...aggduty.Output) []Step {
	var steps []Step
	if f.Mode == dvc.ModeRemoteSigner {
		steps = append(steps, st(f.Serve(slot), f.Bcast(f.SelShare(1, slot))))
	} else {
		steps = append(steps, st(f.Serve(slot)),
			st(aggduty.CapturedBeaconCommitteeSelection{Selection: &apiSelection{ValidatorIndex: f.vi(), Slot: slot, SelectionProof: f.SelShare(1, slot).Signature}},
				f.Bcast(f.SelShare(1, slot))))
	}
	return append(steps, st(recv(f.SelShare(1, slot))), st(recv(f.SelShare(2, slot))),
		st(recv(f.SelShare(3, slot)), append(outs{f.Combined(slot)}, last...)...))
}

// decided is the aggregator instance's decision of agg and the exchange
// of AggregateAndProof shares up to the submission.
func (f *F) decided(slot phase0.Slot, agg *eth2spec.VersionedAttestation) []Step {
	ap := f.AP(agg, slot)
	dec := aggduty.AggregateConsensusDecided{ID: f.ID(consensus.DutyAggregator, slot), Aggregate: agg}
	var steps []Step
	if f.Mode == dvc.ModeRemoteSigner {
		steps = append(steps, st(dec, f.Bcast(f.APShare(1, ap, slot))))
	} else {
		steps = append(steps, st(dec, aggduty.CacheAggregateAndProofForVC{AggregateAndProof: ap}),
			st(aggduty.CapturedAggregateAndProof{Signed: SignedAP(ap, f.APShare(1, ap, slot).Signature)}, f.Bcast(f.APShare(1, ap, slot))))
	}
	return append(steps, st(recv(f.APShare(1, ap, slot))), st(recv(f.APShare(2, ap, slot))),
		st(recv(f.APShare(3, ap, slot)), f.Submitted(ap)))
}

func cat(parts ...[]Step) []Step {
	var out []Step
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func submitted(d *phase0.AttestationData) aggduty.AttestationSubmitted {
	return aggduty.AttestationSubmitted{Data: d}
}

// Scenarios are every case, expanded over their forks and architectures.
func Scenarios() []Scenario {
	var out []Scenario
	for _, fork := range allForks {
		for _, mode := range bothModes {
			out = append(out, Scenario{Handler: "aggregator", Name: "aggregator_flow", Fork: fork, Mode: mode,
				Description: "The validator's selection proof shares (its own, then two peers') combine into a proof that makes it an aggregator of its 32-member committee; its attestation is submitted; the cluster decides the beacon node's aggregate of two committee members; the AggregateAndProof shares combine and the signed aggregate and proof is submitted.",
				Proves:      "the attestation aggregation flow: selection proof shares combined at the threshold (is_aggregator from the combined proof), the instance started only after the attestation's submission with the decided data, committee index and committee keys as its validity, the AggregateAndProof of the decided aggregate in the fork's shape (phase0 before Electra, committee_bits from Electra) signed share by share and combined under the validator key",
				References:  refAgg,
				Steps: func(f *F) []Step {
					s := f.AggSlot(base, true)
					d := f.AttData(s, 1)
					return cat(f.selection(s), []Step{st(submitted(d), f.Start(d))}, f.decided(s, f.Aggregate(d, CommitteeIndex, CommitteePosition, 3)))
				}})
		}
	}
	for _, fork := range []eth2spec.DataVersion{eth2spec.DataVersionPhase0, eth2spec.DataVersionElectra} {
		for _, mode := range bothModes {
			out = append(out, aggregatorCases(fork, mode)...)
		}
	}
	for _, fork := range syncForks {
		for _, mode := range bothModes {
			out = append(out, Scenario{Handler: "sync_contribution", Name: "contribution_flow", Fork: fork, Mode: mode,
				Description: "The validator holds sync committee positions in subcommittees 0, 1 and 2; its sync selection proofs (one per subcommittee, in VC-middleware mode one sync_committee_selections request per subcommittee as Prysm sends them) combine so that it aggregates for subcommittees 0 and 2 and not 1; its sync committee message is submitted; the cluster decides one contribution per aggregator subcommittee; the ContributionAndProof shares combine and both are submitted.",
				Proves:      "the sync contribution flow: a selection proof per subcommittee, is_sync_committee_aggregator per subcommittee, one instance for the slot started after the sync committee message's submission with a validity per aggregator subcommittee (ascending), one ContributionAndProof per decided contribution, each combined and submitted",
				References:  refSync,
				Steps:       func(f *F) []Step { return f.contributionFlow(true) }})
		}
	}
	for _, mode := range bothModes {
		out = append(out, syncCases(eth2spec.DataVersionDeneb, mode)...)
	}
	out = append(out, Scenario{Handler: "sync_contribution", Name: "no_sync_committees_in_phase0", Fork: eth2spec.DataVersionPhase0, Mode: dvc.ModeRemoteSigner,
		Description: "A sync contribution duty is served at a phase0 slot.",
		Proves:      "sync committees exist from Altair: the duty is refused as malformed and nothing is signed",
		References:  refSync,
		Steps: func(f *F) []Step {
			return []Step{stErr(f.ServeSync(base, SyncPositions...), dvc.ErrMalformedEvent)}
		}})
	return out
}

func aggregatorCases(fork eth2spec.DataVersion, mode dvc.Mode) []Scenario {
	sc := func(name, desc, proves string, steps func(f *F) []Step) Scenario {
		return Scenario{Handler: "aggregator", Name: name, Fork: fork, Mode: mode, Description: desc, Proves: proves, References: refAgg, Steps: steps}
	}
	list := []Scenario{
		sc("not_aggregator", "The combined selection proof does not make the validator an aggregator of its 32-member committee (modulo 2); its attestation is submitted; a decision for the slot's aggregator instance arrives anyway.",
			"is_aggregator false: the combined proof is reported with is_aggregator false (the beacon committee subscription's flag), no instance starts, a decision is ignored (no_such_instance) and nothing is signed",
			func(f *F) []Step {
				s := f.AggSlot(base, false)
				d := f.AttData(s, 1)
				return cat(f.selection(s), []Step{st(submitted(d)),
					st(aggduty.AggregateConsensusDecided{ID: f.ID(consensus.DutyAggregator, s), Aggregate: f.Aggregate(d, CommitteeIndex, CommitteePosition)}, Ignored(dvc.IgnoredNoInstance, s))})
			}),
		sc("selection_below_threshold", "Only the validator's own and one peer's selection proof shares arrive (threshold 3 of 4); the attestation is submitted.",
			"selection proof shares below the threshold combine into nothing: no proof, no is_aggregator, no instance",
			func(f *F) []Step {
				s := f.AggSlot(base, true)
				d := f.AttData(s, 1)
				steps := f.selection(s)
				return append(steps[:len(steps)-1], st(submitted(d)))
			}),
		sc("forged_selection_share", "A selection proof share claiming share index 3 carries share 2's signature, then one signs another slot's root; then share 3's genuine share arrives.",
			"a selection proof share is verified under its signer's public share and its slot's signing root before it counts: forged shares are refused (invalid_share) with the state unchanged, the genuine one completes the threshold",
			func(f *F) []Step {
				s := f.AggSlot(base, true)
				forged := *f.SelShare(2, s)
				forged.ShareIndex = 3
				other := *f.SelShare(3, s+1)
				other.Slot = s
				steps := f.selection(s)
				last := steps[len(steps)-1]
				return append(steps[:len(steps)-1], stErr(recv(&forged), dvc.ErrInvalidShare), stErr(recv(&other), dvc.ErrInvalidShare), last)
			}),
		sc("gated_on_attestation_submission", "The attestation is submitted before the selection proof is combined; a second submission of the slot follows the start.",
			"the aggregator instance starts only once both the proof says aggregator and the attestation was submitted, whichever comes last; a repeated submission is ignored (already_combined)",
			func(f *F) []Step {
				s := f.AggSlot(base, true)
				d := f.AttData(s, 1)
				return cat([]Step{st(submitted(d))}, f.selection(s, f.Start(d)), []Step{st(submitted(d), Ignored(dvc.IgnoredAlreadySubmitted, s))})
			}),
		sc("invalid_aggregate_decided", "The aggregator instance decides values that fail its validity predicate: an aggregate of other data, one with no participant, one whose signature is not its participants'; a decision of the instance once more.",
			"a decided aggregate is checked against the validity (data, bits, signature) before the AggregateAndProof is signed: an invalid one is ignored (decided_value_invalid) and nothing is signed; the instance's decision is taken once (no_such_instance afterwards)",
			func(f *F) []Step {
				s := f.AggSlot(base, true)
				d := f.AttData(s, 1)
				id := f.ID(consensus.DutyAggregator, s)
				return cat(f.selection(s), []Step{st(submitted(d), f.Start(d)),
					st(aggduty.AggregateConsensusDecided{ID: id, Aggregate: f.Aggregate(f.AttData(s, 2), CommitteeIndex, CommitteePosition)}, Ignored(dvc.IgnoredDecidedInvalid, s)),
					st(aggduty.AggregateConsensusDecided{ID: id, Aggregate: f.Aggregate(d, CommitteeIndex, CommitteePosition)}, Ignored(dvc.IgnoredNoInstance, s))})
			}),
		sc("aggregate_share_of_other_root", "After the decision a peer's AggregateAndProof share signs another aggregate's root; a peer's share arrives twice.",
			"AggregateAndProof shares must sign the decided object's root (share_fields_differ, refused); a repeated share is ignored (duplicate_share)",
			func(f *F) []Step {
				s := f.AggSlot(base, true)
				d := f.AttData(s, 1)
				agg := f.Aggregate(d, CommitteeIndex, CommitteePosition, 3)
				steps := cat(f.selection(s), []Step{st(submitted(d), f.Start(d))}, f.decided(s, agg))
				other := f.APShare(2, f.AP(f.Aggregate(d, CommitteeIndex, CommitteePosition), s), s)
				n := len(steps)
				return append(steps[:n-2:n-2], stErr(recv(other), dvc.ErrFieldsDiffer), steps[n-2], st(steps[n-2].Ev, Ignored(dvc.IgnoredDuplicateShare, s)), steps[n-1])
			}),
		sc("expiry", "A duty's selection proof is combined; a duty 40 slots later is served; a late share and a decision of the first slot arrive, and a share far beyond the latest duty.",
			"the aggregation state keeps an epoch of slots: serving a later duty forgets older flows, whose shares are then ignored (share_slot_completed) and whose decisions find no instance; a share of an epoch more than two after the latest duty's is ignored (share_slot_beyond_horizon)",
			func(f *F) []Step {
				s := f.AggSlot(base, true)
				later := s + 40
				// The first slot of the third epoch after later's.
				far := (later/32 + 3) * 32
				serve := st(f.Serve(later))
				if f.Mode == dvc.ModeRemoteSigner {
					serve = st(f.Serve(later), f.Bcast(f.SelShare(1, later)))
				}
				return cat(f.selection(s), []Step{serve,
					st(recv(f.SelShare(4, s)), Ignored(dvc.IgnoredSlotCompleted, s)),
					st(aggduty.AggregateConsensusDecided{ID: f.ID(consensus.DutyAggregator, s), Aggregate: f.Aggregate(f.AttData(s, 1), CommitteeIndex, CommitteePosition)}, Ignored(dvc.IgnoredNoInstance, s)),
					st(recv(f.SelShare(2, far)), Ignored(dvc.IgnoredBeyondHorizon, far))})
			}),
	}
	if mode == dvc.ModeVCMiddleware {
		list = append(list, aheadCases(sc)...)
	}
	if fork < eth2spec.DataVersionElectra {
		list = append(list, sc("submitted_other_committee", "The submitted attestation's data names another committee than the duty's.",
			"before Electra the aggregate is for the duty's committee: a submission of another committee's data starts no instance (submitted_value_mismatch)",
			func(f *F) []Step {
				s := f.AggSlot(base, true)
				d := f.AttData(s, 1)
				d.Index = 0
				return cat(f.selection(s), []Step{st(submitted(d), Ignored(aggduty.IgnoredGateMismatch, s))})
			}))
	} else {
		list = append(list, sc("decided_other_committee_bits", "The aggregator instance decides an Electra aggregate whose committee_bits name committee 0, not the duty's committee 1.",
			"from Electra the aggregate's committee_bits must name exactly the duty's committee (EIP-7549): decided_value_invalid, nothing signed",
			func(f *F) []Step {
				s := f.AggSlot(base, true)
				d := f.AttData(s, 1)
				return cat(f.selection(s), []Step{st(submitted(d), f.Start(d)),
					st(aggduty.AggregateConsensusDecided{ID: f.ID(consensus.DutyAggregator, s), Aggregate: f.Aggregate(d, 0, CommitteePosition)}, Ignored(dvc.IgnoredDecidedInvalid, s))})
			}))
	}
	if mode == dvc.ModeVCMiddleware {
		list = append(list, sc("repeated_selection_request_answered_again", "After the proof is combined the validator client posts the same partial selection proof again (a retried beacon_committee_selections request).",
			"the DVT endpoint answers a repeated request with the combined proof again; the partial proof is not multicast twice (already_captured)",
			func(f *F) []Step {
				s := f.AggSlot(base, true)
				return append(f.selection(s), st(aggduty.CapturedBeaconCommitteeSelection{Selection: &apiSelection{ValidatorIndex: f.vi(), Slot: s, SelectionProof: f.SelShare(1, s).Signature}},
					Ignored(dvc.IgnoredAlreadyCaptured, s), f.Combined(s)))
			}),
			sc("vc_submissions_refused", "The validator client posts a partial selection proof that is not its key share's, then, after the decision, a partially signed aggregate and proof of another aggregate than the decided one.",
				"a VC's partial selection proof must verify under the node's public share (rejected_share) and its aggregate and proof must be the decided object (not_decided); both are refused with the state unchanged",
				func(f *F) []Step {
					s := f.AggSlot(base, true)
					d := f.AttData(s, 1)
					agg := f.Aggregate(d, CommitteeIndex, CommitteePosition, 3)
					other := f.AP(f.Aggregate(d, CommitteeIndex, CommitteePosition), s)
					steps := f.selection(s)
					bad := stErr(aggduty.CapturedBeaconCommitteeSelection{Selection: &apiSelection{ValidatorIndex: f.vi(), Slot: s, SelectionProof: f.SelShare(2, s).Signature}}, dvc.ErrInvalidShare)
					return cat(steps[:1], []Step{bad}, steps[1:], []Step{st(submitted(d), f.Start(d))}, f.decided(s, agg)[:1],
						[]Step{stErr(aggduty.CapturedAggregateAndProof{Signed: SignedAP(other, f.APShare(1, other, s).Signature)}, dvc.ErrNotDecided)})
				}))
	}
	list = append(list, sc("share_of_other_validator", "A selection proof share of another validator index arrives.",
		"a share names the validator it is for: another validator's is refused (wrong_validator), state unchanged",
		func(f *F) []Step {
			s := f.AggSlot(base, true)
			sh := *f.SelShare(2, s)
			sh.ValidatorIndex = 43
			return append(f.selection(s)[:1:1], stErr(recv(&sh), dvc.ErrWrongValidator))
		}))
	if mode == dvc.ModeRemoteSigner {
		list = append(list, sc("vc_submission_in_remote_signer_mode", "A validator client's beacon committee selection reaches a node in remote-signer mode.",
			"the DVT selection endpoints exist only in VC-middleware mode: wrong_mode, state unchanged",
			func(f *F) []Step {
				s := f.AggSlot(base, true)
				return []Step{st(f.Serve(s), f.Bcast(f.SelShare(1, s))),
					stErr(aggduty.CapturedBeaconCommitteeSelection{Selection: &apiSelection{ValidatorIndex: f.vi(), Slot: s, SelectionProof: f.SelShare(1, s).Signature}}, dvc.ErrWrongMode)}
			}))
	}
	return list
}

// syncSelection is the sync selection proof exchange of slot for
// positions: the duty, then per subcommittee the three shares, the third
// outputting the combined proof.
func (f *F) syncSelectionSteps(slot phase0.Slot, positions []uint64) []Step {
	subs := subsOf(positions)
	var steps []Step
	if f.Mode == dvc.ModeRemoteSigner {
		var bc outs
		for _, s := range subs {
			bc = append(bc, f.Bcast(f.SyncSelShare(1, slot, s)))
		}
		steps = append(steps, st(f.ServeSync(slot, positions...), bc...))
	} else {
		steps = append(steps, st(f.ServeSync(slot, positions...)))
		for _, s := range subs {
			steps = append(steps, st(aggduty.CapturedSyncCommitteeSelection{Selection: &syncSelection{ValidatorIndex: f.vi(), Slot: slot, SubcommitteeIndex: s,
				SelectionProof: f.SyncSelShare(1, slot, s).Signature}}, f.Bcast(f.SyncSelShare(1, slot, s))))
		}
	}
	for _, s := range subs {
		steps = append(steps, st(recv(f.SyncSelShare(1, slot, s))), st(recv(f.SyncSelShare(2, slot, s))),
			st(recv(f.SyncSelShare(3, slot, s)), f.SyncCombined(slot, s)))
	}
	return steps
}

// syncRoot is the block root the validator's sync committee message
// signed.
func syncRoot(slot phase0.Slot) phase0.Root { return phase0.Root{0x5c, byte(slot), byte(slot >> 8)} }

// contributionFlow is the whole flow at the first slot where the validator
// aggregates for subcommittees 0 and 2 and not 1; with submit, through to
// the submissions.
func (f *F) contributionFlow(submit bool) []Step {
	subs := subsOf(SyncPositions)
	slot := f.SyncSlot(base, subs, []bool{true, false, true})
	root := syncRoot(slot)
	steps := cat(f.syncSelectionSteps(slot, SyncPositions),
		[]Step{st(aggduty.SyncCommitteeMessageSubmitted{Slot: slot, BeaconBlockRoot: root}, f.StartSync(slot, root, SyncPositions, 0, 2))})
	if !submit {
		return steps
	}
	c0 := f.Contribution(slot, 0, root, SyncPositions, 5, 9)
	c2 := f.Contribution(slot, 2, root, SyncPositions, 44)
	cps := []*altair.ContributionAndProof{f.CP(c0), f.CP(c2)}
	dec := aggduty.ContributionConsensusDecided{ID: f.ID(consensus.DutySyncContribution, slot), Contributions: []*altair.SyncCommitteeContribution{c0, c2}}
	if f.Mode == dvc.ModeRemoteSigner {
		steps = append(steps, st(dec, f.Bcast(f.CPShare(1, cps[0])), f.Bcast(f.CPShare(1, cps[1]))))
	} else {
		steps = append(steps, st(dec, aggduty.CacheContributionAndProofForVC{ContributionAndProof: cps[0]}, aggduty.CacheContributionAndProofForVC{ContributionAndProof: cps[1]}))
		for _, cp := range cps {
			steps = append(steps, st(aggduty.CapturedContributionAndProof{Signed: &altair.SignedContributionAndProof{Message: cp, Signature: f.CPShare(1, cp).Signature}},
				f.Bcast(f.CPShare(1, cp))))
		}
	}
	for _, cp := range cps {
		steps = append(steps, st(recv(f.CPShare(1, cp))), st(recv(f.CPShare(2, cp))), st(recv(f.CPShare(3, cp)), f.SubmittedCP(cp)))
	}
	return steps
}

func syncCases(fork eth2spec.DataVersion, mode dvc.Mode) []Scenario {
	sc := func(name, desc, proves string, steps func(f *F) []Step) Scenario {
		return Scenario{Handler: "sync_contribution", Name: name, Fork: fork, Mode: mode, Description: desc, Proves: proves, References: refSync, Steps: steps}
	}
	var extra []Scenario
	if mode == dvc.ModeVCMiddleware {
		extra = append(extra, sc("selections_before_duty", "The validator client posts its partial sync selection proofs, one request per subcommittee as Prysm does, and the peers' shares arrive, all before the node serves the contribution duty.",
			"a selection proof is the slot's signature and needs no duty: shares that precede the duty combine at the threshold (the validator client's answer, not yet judged), and serving the duty judges every subcommittee's proof at once (is_sync_committee_aggregator, ascending subcommittees)",
			func(f *F) []Step {
				subs := subsOf(SyncPositions)
				slot := f.SyncSlot(base, subs, []bool{true, false, true})
				var steps []Step
				var combined outs
				for _, s := range subs {
					steps = append(steps, st(aggduty.CapturedSyncCommitteeSelection{Selection: &syncSelection{ValidatorIndex: f.vi(), Slot: slot, SubcommitteeIndex: s,
						SelectionProof: f.SyncSelShare(1, slot, s).Signature}}, f.Bcast(f.SyncSelShare(1, slot, s))))
					steps = append(steps, st(recv(f.SyncSelShare(1, slot, s))), st(recv(f.SyncSelShare(2, slot, s))),
						st(recv(f.SyncSelShare(3, slot, s)), f.SyncEarly(slot, s)))
					combined = append(combined, f.SyncCombined(slot, s))
				}
				return append(steps, st(f.ServeSync(slot, SyncPositions...), combined...))
			}))
	}
	return append(extra,
		sc("not_aggregator", "The validator's sync selection proofs make it an aggregator in none of its subcommittees 0, 1, 2; its sync committee message is submitted.",
			"is_sync_committee_aggregator false in every subcommittee: each combined proof is reported with is_aggregator false and no instance starts",
			func(f *F) []Step {
				slot := f.SyncSlot(base, subsOf(SyncPositions), []bool{false, false, false})
				return cat(f.syncSelectionSteps(slot, SyncPositions), []Step{st(aggduty.SyncCommitteeMessageSubmitted{Slot: slot, BeaconBlockRoot: syncRoot(slot)})})
			}),
		sc("invalid_contributions_decided", "The contribution instance decides contributions of another block root than the one the validator signed, then the right ones with the subcommittees swapped.",
			"decided contributions are checked (one per aggregator subcommittee, ascending, the signed block root, valid signatures) before anything is signed: an invalid decision is ignored (decided_value_invalid) and the instance's decision is taken once",
			func(f *F) []Step {
				steps := f.contributionFlow(false)
				slot := steps[0].Ev.(aggduty.ServeSyncContributionDuty).Slot
				other := phase0.Root{0xee}
				id := f.ID(consensus.DutySyncContribution, slot)
				return append(steps,
					st(aggduty.ContributionConsensusDecided{ID: id, Contributions: []*altair.SyncCommitteeContribution{
						f.Contribution(slot, 0, other, SyncPositions, 5), f.Contribution(slot, 2, other, SyncPositions, 44)}}, Ignored(dvc.IgnoredDecidedInvalid, slot)),
					st(aggduty.ContributionConsensusDecided{ID: id, Contributions: []*altair.SyncCommitteeContribution{
						f.Contribution(slot, 2, syncRoot(slot), SyncPositions, 44), f.Contribution(slot, 0, syncRoot(slot), SyncPositions, 5)}}, Ignored(dvc.IgnoredNoInstance, slot)))
			}),
		sc("gated_on_sync_committee_message_submission", "The validator's sync committee message is submitted before its sync selection proofs are combined.",
			"the contribution instance starts as soon as every subcommittee's proof is combined and the message was submitted, whichever comes last: here with the last subcommittee's proof",
			func(f *F) []Step {
				subs := subsOf(SyncPositions)
				slot := f.SyncSlot(base, subs, []bool{true, false, true})
				root := syncRoot(slot)
				steps := f.syncSelectionSteps(slot, SyncPositions)
				n := len(steps)
				last := steps[n-1]
				last.Want = append(last.Want, f.StartSync(slot, root, SyncPositions, 0, 2))
				return append(append([]Step{st(aggduty.SyncCommitteeMessageSubmitted{Slot: slot, BeaconBlockRoot: root})}, steps[:n-1]...), last)
			}),
		sc("expiry", "A contribution duty's selection proofs are combined; a contribution duty 40 slots later is served; a late share and a decision of the first slot arrive.",
			"a contribution flow is forgotten once a duty more than an epoch later is served: its late shares are ignored (share_slot_completed) and its decision finds no instance",
			func(f *F) []Step {
				subs := subsOf(SyncPositions)
				slot := f.SyncSlot(base, subs, []bool{true, false, true})
				later := slot + 40
				serve := st(f.ServeSync(later, SyncPositions...))
				if f.Mode == dvc.ModeRemoteSigner {
					var bc outs
					for _, s := range subs {
						bc = append(bc, f.Bcast(f.SyncSelShare(1, later, s)))
					}
					serve = st(f.ServeSync(later, SyncPositions...), bc...)
				}
				root := syncRoot(slot)
				return cat(f.syncSelectionSteps(slot, SyncPositions), []Step{serve,
					st(recv(f.SyncSelShare(4, slot, 0)), Ignored(dvc.IgnoredSlotCompleted, slot)),
					st(aggduty.ContributionConsensusDecided{ID: f.ID(consensus.DutySyncContribution, slot), Contributions: []*altair.SyncCommitteeContribution{
						f.Contribution(slot, 0, root, SyncPositions, 5), f.Contribution(slot, 2, root, SyncPositions, 44)}}, Ignored(dvc.IgnoredNoInstance, slot))})
			}),
		sc("share_of_foreign_subcommittee", "A sync selection proof share arrives for subcommittee 3, where the validator holds no position.",
			"shares of subcommittees the validator is not in are ignored (share_slot_filtered): they could never complete",
			func(f *F) []Step {
				steps := f.contributionFlow(false)
				slot := steps[0].Ev.(aggduty.ServeSyncContributionDuty).Slot
				return append(steps[:1:1], st(recv(f.SyncSelShare(2, slot, 3)), Ignored(dvc.IgnoredShareFiltered, slot)))
			}),
	)
}

// captureSel is the VC's partial selection proof of slot (share 1's).
func (f *F) captureSel(slot phase0.Slot) aggduty.CapturedBeaconCommitteeSelection {
	return aggduty.CapturedBeaconCommitteeSelection{Selection: &apiSelection{ValidatorIndex: f.vi(), Slot: slot, SelectionProof: f.SelShare(1, slot).Signature}}
}

// early is the exchange of slot's selection proof before its duty is
// served, as a VC sends it ahead (Prysm with --distributed asks for every
// duty of the current and the next epoch at once): captured, broadcast,
// combined at the third share with the proof not yet judged.
func (f *F) early(slot phase0.Slot) []Step {
	return []Step{st(f.captureSel(slot), f.Bcast(f.SelShare(1, slot))),
		st(recv(f.SelShare(1, slot))), st(recv(f.SelShare(2, slot))),
		st(recv(f.SelShare(3, slot)), f.Early(slot))}
}

// aheadCases are the VC-middleware cases of selection proofs asked before
// their duty (SPEC.md section 12, "Selections ahead of the duty").
func aheadCases(sc func(name, desc, proves string, steps func(f *F) []Step) Scenario) []Scenario {
	return []Scenario{
		sc("selection_ahead_of_duty", "The validator client posts its partial selection proof of a slot whose duty is not served yet and the peers' shares arrive: the proof combines; the VC asks again; the duty is served; the attestation is submitted.",
			"a selection proof needs only the validator and the slot: it is combined at the threshold before the duty (answered with served false, is_aggregator false, and again to a repeated request), judged when the duty is served (is_aggregator from the committee length), and the aggregator instance then starts after the attestation's submission",
			func(f *F) []Step {
				s := f.AggSlot(base, true)
				d := f.AttData(s, 1)
				return cat(f.early(s), []Step{
					st(f.captureSel(s), Ignored(dvc.IgnoredAlreadyCaptured, s), f.Early(s)),
					st(f.Serve(s), f.Combined(s)),
					st(submitted(d), f.Start(d))})
			}),
		sc("selection_ahead_not_aggregator", "A selection proof combined before its duty; the duty's committee makes the validator no aggregator; its attestation is submitted.",
			"an early proof is judged by the served duty like any other: is_aggregator false starts nothing",
			func(f *F) []Step {
				s := f.AggSlot(base, false)
				return cat(f.early(s), []Step{st(f.Serve(s), f.Combined(s)), st(submitted(f.AttData(s, 1)))})
			}),
		sc("selections_ahead_bounded", "Before any duty is served, selection proof shares arrive for 64 slots (two epochs) and then for one more slot, which the VC also posts; then a duty is served and the VC posts a selection proof for the last slot of the second epoch after the duty's, and one for the slot after it.",
			"what waits for its duty is bounded: at most two epochs of slots (2 * SLOTS_PER_EPOCH) per flow kind hold shares without a served duty; a share for one more slot is ignored (share_store_full) and a VC's selection for it refused; once a duty is served the horizon ends with the second epoch after the duty's epoch (a VC asking at an epoch's start for the next epoch's duties, the latest duty early in the epoch before), a VC's selection beyond it is refused with the state unchanged",
			func(f *F) []Step {
				spe := phase0.Slot(f.Config().Chain.SlotsPerEpoch)
				var steps []Step
				for i := phase0.Slot(0); i < 2*spe; i++ {
					steps = append(steps, st(recv(f.SelShare(2, base+i))))
				}
				extra := base + 2*spe
				steps = append(steps, st(recv(f.SelShare(2, extra)), Ignored(dvc.IgnoredStoreFull, extra)),
					stErr(f.captureSel(extra), dvc.ErrDutyOutOfOrder))
				s := f.AggSlot(base, true)
				serve := st(f.Serve(s))
				edge := (s/spe+3)*spe - 1
				return append(steps, serve, st(f.captureSel(edge), f.Bcast(f.SelShare(1, edge))), stErr(f.captureSel(edge+1), dvc.ErrDutyOutOfOrder))
			}),
		sc("selection_ahead_expiry", "A selection proof is combined for a slot whose duty never comes; a duty 40 slots later is served; a share of the first slot arrives.",
			"an early proof whose duty is not served expires with its slot: serving a duty more than an epoch later forgets it, and its shares are then ignored (share_slot_completed)",
			func(f *F) []Step {
				s := f.AggSlot(base, true)
				later := s + 40
				return cat(f.early(s), []Step{st(f.Serve(later)), st(recv(f.SelShare(4, s)), Ignored(dvc.IgnoredSlotCompleted, s))})
			}),
	}
}
