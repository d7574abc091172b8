package dvccases

import (
	"fmt"

	bitfield "github.com/OffchainLabs/go-bitfield"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

// The DVC scenarios, each written once: TestScenarios runs them and
// vectorgen renders them as the dvc vectors. They were spec/dvc's table
// tests (and their port in vectorgen), named
// as there and as the formal-spec digest, section 7, names them. Their
// events are built as in the tests, on the mainnet preset (slots times 4,
// sl); the author's statements are the names of each event's outputs or
// its error, and the validity checks the tests make; the outputs
// themselves come from running the spec.

var (
	refAttester = []string{"SPEC.md section 7.2 (attester, Dafny main)", "spec/dvc/dvccases attesterScenarios"}
	refProposer = []string{"SPEC.md section 7.2 (proposer, Dafny v2)", "spec/dvc/dvccases proposerScenarios"}
	refSync     = []string{"SPEC.md section 7.2 (sync committee, c00dc1e, amendment A10)", "spec/dvc/dvccases syncScenarios"}
	refVC       = []string{"SPEC.md section 7.1 (the two architectures)", "spec/dvc/dvccases vcScenarios"}
)

func refs(base []string, more ...string) []string {
	return append(append([]string{}, base...), more...)
}

func dvcScenarios() []dvcScenario {
	var out []dvcScenario
	out = append(out, attesterScenarios()...)
	out = append(out, validityScenarios()...)
	out = append(out, proposerScenarios()...)
	out = append(out, syncScenarios()...)
	out = append(out, expiryScenarios()...)
	out = append(out, vcScenarios()...)
	out = append(out, robustnessScenarios()...)
	out = append(out, dvScenarios()...)
	return out
}

func attesterScenarios() []dvcScenario {
	s17, s18, s20, s25, s26, s27, s33, s34, s35 := sl(17), sl(18), sl(20), sl(25), sl(26), sl(27), sl(33), sl(34), sl(35)
	serve := func(f *dvf, slot phase0.Slot) dvc.Event { return dvc.ServeAttestationDuty{Duty: f.AttDuty(slot)} }
	share := func(f *dvf, i int, d *phase0.AttestationData) dvc.Event {
		return dvc.ReceivedAttestationShare{Share: f.AttShare(i, d)}
	}
	list := []dvcScenario{
		{name: "serve_first_duty_starts_instance",
			desc:   "The pre-state's slashing DB holds a vote (source 1, target 2). The first attester duty starts its consensus instance, whose predicate is bound to that DB.",
			proves: "serving a duty with no current duty starts its instance (f_check_for_next_queued_duty, f_start_next_duty); the predicate of the instance reads the slashing DB: a different vote for target 2 is a double vote, and an instance that does not run refuses every value",
			refs:   refs(refAttester, "SPEC.md section 6 (consensus validity)"),
			pre:    func(f *dvf) *slashing.SlashingDB { return f.dbWithAttestations([3]uint64{1, 2, 1}) },
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(serve(f, s17), "start_consensus").outputs(func(f *dvf) []dvc.Output {
					return []dvc.Output{f.startAtt(f.AttDuty(s17))}
				}).is(func(f *dvf, st *dvc.State, out []dvc.Output) error {
					return expect(st.CurrentAttestationDuty().Slot == s17 && st.LatestAttestationDuty().Slot == s17, "current and latest must be the duty")
				}),
					chk(f.checkAtt(s17, f.AttData(s17, 1), slashing.ErrDoubleVote)),
					chk(f.checkAtt(s25, f.AttData(s25, 1), dvc.ErrNoInstance))}
			}},
		{name: "serve_while_current_undecided_supersedes_it",
			desc:   "A second duty arrives while the first is undecided; then the first one's decision arrives.",
			proves: "a later duty supersedes the undecided current one (amendment A23, as Dafny v2 f_terminate_current_attestation_duty; Dafny main would queue it): the first is abandoned (duty_abandoned) and its instance stopped, the second starts; abandoning signs nothing, so a late decision of the first is not for the current duty",
			refs:   refs(refAttester, "SPEC.md section 7.7 (A23)"),
			setup:  func(f *dvf) []dvc.Event { return f.evs(serve(f, s17)) },
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(serve(f, s25), "stop_consensus ignored:duty_abandoned start_consensus").outputs(func(f *dvf) []dvc.Output {
					return []dvc.Output{f.stop(consensus.DutyAttester, s17), ignored(dvc.IgnoredDutyAbandoned, s17), f.startAtt(f.AttDuty(s25))}
				}).is(func(f *dvf, st *dvc.State, out []dvc.Output) error {
					return expect(st.CurrentAttestationDuty().Slot == s25 && len(st.AttestationDutyQueue()) == 0, "25 current, nothing queued")
				}),
					ev(f.Decided(f.AttData(s17, 1)), "ignored:decision_not_for_current_duty").outputs(func(f *dvf) []dvc.Output {
						return []dvc.Output{ignored(dvc.IgnoredNotCurrent, s17)}
					})}
			}},
		{name: "decided_current_emits_share_multicast_to_all_peers_incl_self", forks: []eth2spec.DataVersion{eth2spec.DataVersionPhase0, eth2spec.DataVersionFulu},
			desc:   "A duty is served and its instance decides.",
			proves: "on the decision of the current duty the node records it in its DB, signs its share (remote signer), multicasts it to every peer including itself and re-binds the predicate of the still active instance",
			refs:   refs(refAttester, "SPEC.md section 7.7 (A11, A19, A21)"),
			setup:  func(f *dvf) []dvc.Event { return f.evs(serve(f, s17)) },
			steps: func(f *dvf) []dvcStep {
				d := f.AttData(s17, 1)
				return []dvcStep{ev(f.Decided(d), "signed broadcast update_validity").outputs(func(f *dvf) []dvc.Output {
					return []dvc.Output{f.signedAtt(1, d), f.bcast(f.AttShare(1, d)), f.update(consensus.DutyAttester, s17)}
				}).is(func(f *dvf, st *dvc.State, out []dvc.Output) error {
					return joinErrs(expect(f.dbHasAttestation(st, d), "decision in the DB"), expect(st.CurrentAttestationDuty() == nil, "no duty current"))
				})}
			}},
		{name: "decided_wrong_id_or_idle_is_noop",
			desc:   "Decisions arrive for an instance that is not the current duty's: first with no duty at all, then for another slot than the current one.",
			proves: "a decision for no current duty or another slot is ignored (decision_not_for_current_duty) and changes nothing",
			refs:   refAttester,
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(f.Decided(f.AttData(s17, 1)), "ignored:decision_not_for_current_duty").outputs(func(f *dvf) []dvc.Output {
					return []dvc.Output{ignored(dvc.IgnoredNotCurrent, s17)}
				}),
					ev(serve(f, s17), "start_consensus").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{f.startAtt(f.AttDuty(s17))} }),
					ev(f.Decided(f.AttData(s25, 1)), "ignored:decision_not_for_current_duty").outputs(func(f *dvf) []dvc.Output {
						return []dvc.Output{ignored(dvc.IgnoredNotCurrent, s25)}
					}).is(func(f *dvf, st *dvc.State, out []dvc.Output) error {
						return expect(st.CurrentAttestationDuty().Slot == s17, "17 stays current")
					})}
			}},
		{name: "decided_data_slot_mismatch",
			desc:   "The current duty's instance decides attestation data of another slot.",
			proves: "decided data whose slot is not the instance's is ignored (decided_value_slot_mismatch; Dafny v2's check, amendment A12); the duty stays current",
			refs:   refs(refAttester, "SPEC.md section 7.7 (A12)"),
			setup:  func(f *dvf) []dvc.Event { return f.evs(serve(f, s17)) },
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(dvc.AttestationConsensusDecided{ID: f.ID(consensus.DutyAttester, s17), Data: f.AttData(s18, 1)}, "ignored:decided_value_slot_mismatch").outputs(func(f *dvf) []dvc.Output {
					return []dvc.Output{ignored(dvc.IgnoredDecidedSlotMismatch, s17)}
				}).is(func(f *dvf, st *dvc.State, out []dvc.Output) error {
					return expect(st.CurrentAttestationDuty().Slot == s17, "17 stays current")
				})}
			}},
		{name: "decided_instance_remains_active_until_block",
			desc:   "A duty decided; a share of it arrives; then a block shows the attestation.",
			proves: "a decided instance stays active (its shares are still accepted) until a block shows the decision, which stops it",
			refs:   refAttester,
			setup:  func(f *dvf) []dvc.Event { return f.evs(serve(f, s17), f.Decided(f.AttData(s17, 1))) },
			steps: func(f *dvf) []dvcStep {
				d := f.AttData(s17, 1)
				return []dvcStep{ev(share(f, 2, d), "").is(func(f *dvf, st *dvc.State, out []dvc.Output) error {
					return joinErrs(expect(len(st.ActiveInstances(f.Config(1))) == 1, "the decided instance is still active"),
						expect(len(st.Snapshot().Attester.ReceivedShares) == 1, "the share was stored"))
				}), ev(f.Imported(s20, d), "stop_consensus").outputs(func(f *dvf) []dvc.Output {
					return []dvc.Output{f.stop(consensus.DutyAttester, s17)}
				}).is(func(f *dvf, st *dvc.State, out []dvc.Output) error {
					return expect(len(st.ActiveInstances(f.Config(1))) == 0, "the block stopped it")
				})}
			}},
		{name: "future_decided_duty_served_supersedes_current",
			desc:   "While the duty at the first slot is current, a block shows the validator's attestation for a later slot; then that later duty is served.",
			proves: "the later duty supersedes the undecided current one (amendment A23: abandoned, its instance stopped) and, decided on chain, is skipped: its decision enters the DB and no consensus runs",
			refs:   refs(refAttester, "SPEC.md section 7.7 (A23)"),
			setup:  func(f *dvf) []dvc.Event { return f.evs(serve(f, s17), f.Imported(s26, f.AttData(s25, 1))) },
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(serve(f, s25), "stop_consensus ignored:duty_abandoned").outputs(func(f *dvf) []dvc.Output {
					return []dvc.Output{f.stop(consensus.DutyAttester, s17), ignored(dvc.IgnoredDutyAbandoned, s17)}
				}).is(func(f *dvf, st *dvc.State, out []dvc.Output) error {
					return joinErrs(expect(f.dbHasAttestation(st, f.AttData(s25, 1)), "the on-chain decision for 25 is in the DB"),
						expect(st.CurrentAttestationDuty() == nil && len(st.AttestationDutyQueue()) == 0, "17 abandoned, 25 skipped"))
				}),
					chk(f.checkAtt(s17, f.AttData(s17, 1), dvc.ErrNoInstance))}
			}},
		{name: "block_decides_current_duty",
			desc:   "A duty served and a share of it received; then a block shows the validator's attestation for it.",
			proves: "a block deciding the current duty stops its instance, records the decision and drops the slot's shares; the duty is done",
			refs:   refAttester,
			setup: func(f *dvf) []dvc.Event {
				return f.evs(serve(f, s17), share(f, 2, f.AttData(s17, 1)))
			},
			steps: func(f *dvf) []dvcStep {
				d := f.AttData(s17, 1)
				return []dvcStep{ev(f.Imported(s20, d), "stop_consensus").outputs(func(f *dvf) []dvc.Output {
					return []dvc.Output{f.stop(consensus.DutyAttester, s17)}
				}).is(func(f *dvf, st *dvc.State, out []dvc.Output) error {
					snap := st.Snapshot().Attester
					return joinErrs(expect(f.dbHasAttestation(st, d), "DB updated"), expect(st.CurrentAttestationDuty() == nil, "the duty is done"),
						expect(len(snap.ReceivedShares) == 0 && len(snap.SharesToBroadcast) == 0, "shares of 17 cleaned"))
				})}
			}},
		{name: "block_decides_future_slot_then_duty_served_is_skipped",
			desc:   "A block shows the validator's attestations for the decided current slot and for a later slot; then the later duty is served.",
			proves: "a decision for a future slot learnt from a block is kept; when its duty is served the decision goes to the DB and no consensus runs",
			refs:   refAttester,
			setup: func(f *dvf) []dvc.Event {
				return f.evs(serve(f, s17), f.Decided(f.AttData(s17, 1)), f.Imported(s26, f.AttData(s17, 1), f.AttData(s25, 1)))
			},
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(serve(f, s25), "").is(func(f *dvf, st *dvc.State, out []dvc.Output) error {
					return joinErrs(expect(f.dbHasAttestation(st, f.AttData(s25, 1)), "decision for 25 in the DB"),
						expect(st.CurrentAttestationDuty() == nil && len(st.ActiveInstances(f.Config(1))) == 0, "no consensus for 25"),
						expect(len(st.Snapshot().Attester.FutureDecided) == 0, "consumed"))
				})}
			}},
		{name: "block_for_past_slot_not_stored",
			desc:   "The first duty decided and the second is current; a block shows the first slot's attestation.",
			proves: "a block's decision for a slot at or below the latest duty is not stored as a future decision; its instance is stopped",
			refs:   refAttester,
			setup: func(f *dvf) []dvc.Event {
				return f.evs(serve(f, s17), f.Decided(f.AttData(s17, 1)), serve(f, s25))
			},
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(f.Imported(s26, f.AttData(s17, 1)), "stop_consensus").outputs(func(f *dvf) []dvc.Output {
					return []dvc.Output{f.stop(consensus.DutyAttester, s17)}
				}).is(func(f *dvf, st *dvc.State, out []dvc.Output) error {
					return joinErrs(expect(len(st.Snapshot().Attester.FutureDecided) == 0, "a past decision is not stored"),
						expect(st.CurrentAttestationDuty().Slot == s25, "25 stays current"))
				})}
			}},
		{name: "block_duplicate_decisions_merge",
			desc:   "Two blocks show two different attestations of the validator for the same future slot.",
			proves: "future decisions are kept one per slot, the newer replacing the older",
			refs:   refAttester,
			setup:  func(f *dvf) []dvc.Event { return f.evs(serve(f, s17)) },
			steps: func(f *dvf) []dvcStep {
				b := f.AttData(s33, 2)
				return []dvcStep{ev(f.Imported(s34, f.AttData(s33, 1)), ""), ev(f.Imported(s35, b), "").is(func(f *dvf, st *dvc.State, out []dvc.Output) error {
					fd := st.Snapshot().Attester.FutureDecided
					return expect(len(fd) == 1 && mustRoot(fd[0]) == mustRoot(b), "the newer decision wins")
				})}
			}},
		{name: "block_attestation_not_mine",
			desc:   "Blocks whose attestations are not the validator's: the validator is not in the registry at the block's state (validator_index null), not in the committee, its aggregation bit is unset, or the bitlist is too short to hold its position.",
			proves: "only attestations with the validator's own bit in its committee count as its decisions (isMyAttestation with the committees answered in the event, amendment A2): nothing is learnt",
			refs:   refs(refAttester, "SPEC.md section 7.7 (A2, A3, A18)"),
			setup:  func(f *dvf) []dvc.Event { return f.evs(serve(f, s17)) },
			steps: func(f *dvf) []dvcStep {
				d := f.AttData(s25, 1)
				unknown := f.Imported(s26, d)
				unknown.ValidatorIndex = nil
				notInCommittee := f.Imported(s26, d)
				notInCommittee.Committees = []*dvc.BeaconCommittee{committee(s25, 0), {Slot: s25, Index: 1, Validators: []phase0.ValidatorIndex{1, 2, 3, 4, 5, 6, 7, 8}}}
				bitUnset := f.Imported(s26)
				bitUnset.Block = f.block(s26, 7, f.revealOf(7, s26), 0, f.onChainAtt(d, false))
				bitUnset.Committees = []*dvc.BeaconCommittee{committee(s25, 0), committee(s25, 1)}
				short := f.Imported(s26)
				short.Committees = []*dvc.BeaconCommittee{committee(s25, 0), committee(s25, 1)}
				bits := bitfield.NewBitlist(3)
				bits.SetBitAt(0, true)
				root := f.AttInput(d).SigningRoot
				if f.electra() {
					short.Block = f.block(s26, 7, f.revealOf(7, s26), 0, electraAtt(d, bits, f.aggregateSig(root, 100), 0, 1))
				} else {
					short.Block = f.block(s26, 7, f.revealOf(7, s26), 0, &phase0.Attestation{AggregationBits: bits, Data: d, Signature: f.aggregateSig(root, 110)})
				}
				noFuture := func(f *dvf, st *dvc.State, out []dvc.Output) error {
					return expect(len(st.Snapshot().Attester.FutureDecided) == 0, "nothing learnt")
				}
				return []dvcStep{ev(unknown, "").is(noFuture), ev(notInCommittee, "").is(noFuture), ev(bitUnset, "").is(noFuture), ev(short, "").is(noFuture)}
			}},
		{name: "share_threshold_reached_submits_once_per_share", forks: []eth2spec.DataVersion{eth2spec.DataVersionPhase0, eth2spec.DataVersionAltair, eth2spec.DataVersionBellatrix, eth2spec.DataVersionCapella, eth2spec.DataVersionFulu},
			desc:   "The duty decided; the four nodes' shares arrive one by one (node 1's own share looped back first).",
			proves: "the threshold-th share combines and submits the attestation; a later share is stored and reported (already_combined), not submitted again (amendment A5; Dafny submits once per late share)",
			refs:   refs(refAttester, "SPEC.md section 7.7 (A5)", "SPEC.md section 7.8 (D5)"),
			setup:  func(f *dvf) []dvc.Event { return f.evs(serve(f, s17), f.Decided(f.AttData(s17, 1))) },
			steps: func(f *dvf) []dvcStep {
				d := f.AttData(s17, 1)
				return []dvcStep{ev(share(f, 1, d), ""), ev(share(f, 2, d), ""),
					ev(share(f, 3, d), "submit_attestation").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{f.submittedAtt(d)} }),
					ev(share(f, 4, d), "ignored:already_combined").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{ignored(dvc.IgnoredAlreadySubmitted, s17)} })}
			}},
		{name: "share_below_threshold_no_submit",
			desc:   "Two shares of one attestation arrive; the threshold is 3.",
			proves: "shares below the threshold are both kept (Dafny v2 drops the updated state here, defect D1) and nothing is submitted",
			refs:   refs(refAttester, "SPEC.md section 7.8 (D1)"),
			setup:  func(f *dvf) []dvc.Event { return f.evs(serve(f, s17)) },
			steps: func(f *dvf) []dvcStep {
				d := f.AttData(s17, 1)
				return []dvcStep{ev(share(f, 2, d), ""), ev(share(f, 3, d), "").is(func(f *dvf, st *dvc.State, out []dvc.Output) error {
					return expect(len(st.Snapshot().Attester.ReceivedShares) == 2, "both shares kept")
				})}
			}},
		{name: "duplicate_share_after_threshold_resubmits_same_attestation",
			desc:   "Three shares combined into the attestation; node 2's share arrives again.",
			proves: "a repeated share is a duplicate (duplicate_share), not a new submission (amendment A5; Dafny resubmits)",
			refs:   refs(refAttester, "SPEC.md section 7.7 (A5)"),
			setup: func(f *dvf) []dvc.Event {
				d := f.AttData(s17, 1)
				return f.evs(serve(f, s17), share(f, 1, d), share(f, 2, d), share(f, 3, d))
			},
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(share(f, 2, f.AttData(s17, 1)), "ignored:duplicate_share").outputs(func(f *dvf) []dvc.Output {
					return []dvc.Output{ignored(dvc.IgnoredDuplicateShare, s17)}
				})}
			}},
		{name: "byzantine_share_different_data_not_combined",
			desc:   "Nodes 1 and 2 share attestation data A; node 4 shares other data B, then A; node 3 shares A.",
			proves: "shares of different data are never combined together; a signer's second message for a slot is kept (amendment A22): node 4's share of A completes A's bucket, and node 3's share comes after the combination",
			refs:   refs(refAttester, "SPEC.md section 7.7 (A8, A22)"),
			setup:  func(f *dvf) []dvc.Event { return f.evs(serve(f, s17)) },
			steps: func(f *dvf) []dvcStep {
				a, b := f.AttData(s17, 1), f.AttData(s17, 2)
				return []dvcStep{ev(share(f, 1, a), ""), ev(share(f, 2, a), ""), ev(share(f, 4, b), ""),
					ev(share(f, 4, a), "submit_attestation").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{f.submittedAtt(a)} }),
					ev(share(f, 3, a), "ignored:already_combined").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{ignored(dvc.IgnoredAlreadySubmitted, s17)} })}
			}},
		{name: "signer_messages_per_slot_bounded",
			desc:   fmt.Sprintf("With the duty served, node 4 shares %d different attestation data for the slot, then a further one, then the data the others share.", dvc.MaxMessagesPerSigner),
			proves: fmt.Sprintf("at most %d messages of one signer are kept per slot (amendment A22; signer_already_signed_other_message beyond); a further share is not admitted when the signer's stored ones already have the duty's unsigned fields", dvc.MaxMessagesPerSigner),
			refs:   refs(refAttester, "SPEC.md section 7.7 (A8, A22)"),
			setup:  func(f *dvf) []dvc.Event { return f.evs(serve(f, s17)) },
			steps: func(f *dvf) []dvcStep {
				var out []dvcStep
				for tag := byte(2); tag < 2+dvc.MaxMessagesPerSigner; tag++ {
					out = append(out, ev(share(f, 4, f.AttData(s17, tag)), ""))
				}
				return append(out, ev(share(f, 4, f.AttData(s17, 9)), "ignored:signer_already_signed_other_message"),
					ev(share(f, 4, f.AttData(s17, 1)), "ignored:signer_already_signed_other_message").is(func(f *dvf, st *dvc.State, out []dvc.Output) error {
						n := len(st.Snapshot().Attester.ReceivedShares)
						return expect(n == dvc.MaxMessagesPerSigner, "%d shares stored", n)
					}))
			}},
		{name: "same_data_different_bits_bucketed_separately", fork: eth2spec.DataVersionDeneb,
			desc:   "Before its duty is served, the node receives node 3's share of the same data with other aggregation bits (bit 0 of 8; the signature does not cover the bits).",
			proves: "the bucket key is the whole message (data and bits, the Dafny (data, aggregation_bits)): the odd share sits in its own bucket and the others combine without it",
			refs:   refAttester,
			steps: func(f *dvf) []dvcStep {
				a := f.AttData(s17, 1)
				other := f.AttShare(3, a)
				other.AggregationBits = bitfield.Bitlist{0x01, 0x01}
				return []dvcStep{ev(share(f, 1, a), ""), ev(share(f, 2, a), ""), ev(dvc.ReceivedAttestationShare{Share: other}, "").is(func(f *dvf, st *dvc.State, out []dvc.Output) error {
					return expect(len(st.Snapshot().Attester.ReceivedShares) == 3, "three shares in two buckets, none combined")
				}), ev(share(f, 4, a), "submit_attestation").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{f.submittedAtt(a)} })}
			}},
		{name: "forged_bits_copy_first_genuine_still_combines", fork: eth2spec.DataVersionDeneb,
			desc:   "A relay delivers a copy of node 3's share with other aggregation bits (bit 1 instead of 5) before any genuine share; then nodes 1, 2 and 3's genuine shares arrive. The duty is not served yet, so the node cannot tell which bits are right.",
			proves: "a copy of an honest share with an unsigned field altered (pre-Electra aggregation bits), delivered first, does not keep the genuine share out (amendment A22; issue 12): the genuine shares combine",
			refs:   refs(refAttester, "SPEC.md section 7.7 (A22)", "SPEC.md section 7.1 (transport assumptions)"),
			steps: func(f *dvf) []dvcStep {
				a := f.AttData(s17, 1)
				forged := f.AttShare(3, a)
				forged.AggregationBits = bitfield.Bitlist{0x02, 0x01}
				return []dvcStep{ev(dvc.ReceivedAttestationShare{Share: forged}, ""), ev(share(f, 1, a), ""), ev(share(f, 2, a), ""), ev(share(f, 3, a), "submit_attestation").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{f.submittedAtt(a)} })}
			}},
		{name: "forged_committee_index_copy_first_genuine_still_combines", forks: []eth2spec.DataVersion{eth2spec.DataVersionFulu},
			desc:   "A relay delivers a copy of node 3's share with committee index 0 instead of 1 (from Electra data.index is 0, so the signature does not cover the committee index) before any genuine share; then nodes 1, 2 and 3's genuine shares arrive.",
			proves: "a copy of an honest share with its Electra committee index altered, delivered first, does not keep the genuine share out (amendment A22; issue 12): the genuine shares combine into the SingleAttestation of the duty's committee",
			refs:   refs(refAttester, "SPEC.md section 7.7 (A3, A22)", "SPEC.md section 7.1 (transport assumptions)"),
			steps: func(f *dvf) []dvcStep {
				a := f.AttData(s17, 1)
				forged := f.AttShare(3, a)
				forged.CommitteeIndex = 0
				return []dvcStep{ev(dvc.ReceivedAttestationShare{Share: forged}, ""), ev(share(f, 1, a), ""), ev(share(f, 2, a), ""), ev(share(f, 3, a), "submit_attestation").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{f.submittedAtt(a)} })}
			}},
		{name: "forged_unsigned_fields_refused_once_duty_known", forks: []eth2spec.DataVersion{eth2spec.DataVersionDeneb},
			desc:   "With the duty served, copies of node 2's share arrive with other aggregation bits and with committee index 0; then nodes 2, 3 and 4's genuine shares.",
			proves: "once the duty of the slot is served, a share whose aggregation bits, committee index or validator index differ from the duty's is refused (rejected_share, cause share_fields_differ; before Electra a committee index other than data.index is already malformed_share) and not stored (amendment A22); the genuine shares combine",
			refs:   refs(refAttester, "SPEC.md section 7.7 (A22)"),
			setup:  func(f *dvf) []dvc.Event { return f.evs(serve(f, s17)) },
			steps: func(f *dvf) []dvcStep {
				a := f.AttData(s17, 1)
				bits := f.AttShare(2, a)
				bits.AggregationBits = bitfield.Bitlist{0x02, 0x01}
				index := f.AttShare(2, a)
				index.CommitteeIndex = 0
				return []dvcStep{evErr(dvc.ReceivedAttestationShare{Share: bits}, dvc.ErrFieldsDiffer), evErr(dvc.ReceivedAttestationShare{Share: index}, dvc.ErrInvalidShare),
					ev(share(f, 2, a), ""), ev(share(f, 3, a), ""), ev(share(f, 4, a), "submit_attestation").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{f.submittedAtt(a)} })}
			}},
		{name: "forged_copies_before_duty_cannot_exhaust_signer_room", fork: eth2spec.DataVersionDeneb,
			desc:   fmt.Sprintf("Before the duty, a relay delivers %d copies of node 3's share with other aggregation bits, then node 3's genuine share; the duty is served; node 3's genuine share arrives again (resent), then nodes 1 and 2's.", dvc.MaxMessagesPerSigner),
			proves: "forged copies may fill a signer's room for a slot before the node knows the duty (the genuine share is then ignored), but once the duty is served a share with the duty's fields is admitted beyond the bound, once per signer and slot (amendment A22), and combines",
			refs:   refs(refAttester, "SPEC.md section 7.7 (A22)"),
			steps: func(f *dvf) []dvcStep {
				a := f.AttData(s17, 1)
				var out []dvcStep
				for k := 0; k < dvc.MaxMessagesPerSigner; k++ {
					forged := f.AttShare(3, a)
					forged.AggregationBits = bitfield.Bitlist{1 << k, 0x01}
					out = append(out, ev(dvc.ReceivedAttestationShare{Share: forged}, ""))
				}
				return append(out, ev(share(f, 3, a), "ignored:signer_already_signed_other_message").outputs(func(f *dvf) []dvc.Output {
					return []dvc.Output{ignored(dvc.IgnoredSignerEquivocated, s17)}
				}), ev(serve(f, s17), "start_consensus").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{f.startAtt(f.AttDuty(s17))} }),
					ev(share(f, 3, a), ""), ev(share(f, 1, a), ""), ev(share(f, 2, a), "submit_attestation").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{f.submittedAtt(a)} }))
			}},
		{name: "invalid_signature_share_ignored_by_oracle",
			desc:   "Shares that do not verify: the point at infinity as signature, node 2's signature claimed by node 3, share index 9, node 2's signature of other data.",
			proves: "every received share is verified against its signer's public share and refused otherwise (amendment A4; the Dafny DVC trusts the construct oracle): nothing is stored",
			refs:   refs(refAttester, "SPEC.md section 7.7 (A4)"),
			setup:  func(f *dvf) []dvc.Event { return f.evs(serve(f, s17)) },
			steps: func(f *dvf) []dvcStep {
				a := f.AttData(s17, 1)
				garbage := f.AttShare(2, a)
				garbage.Signature = infinitySignature
				impostor := f.AttShare(2, a)
				impostor.ShareIndex = 3
				unknown := f.AttShare(2, a)
				unknown.ShareIndex = 9
				wrongData := f.AttShare(2, f.AttData(s17, 2))
				wrongData.Data = a
				return []dvcStep{evErr(dvc.ReceivedAttestationShare{Share: garbage}, dvc.ErrInvalidShare),
					evErr(dvc.ReceivedAttestationShare{Share: impostor}, dvc.ErrInvalidShare),
					evErr(dvc.ReceivedAttestationShare{Share: unknown}, dvc.ErrInvalidShare),
					evErr(dvc.ReceivedAttestationShare{Share: wrongData}, dvc.ErrInvalidShare).is(func(f *dvf, st *dvc.State, out []dvc.Output) error {
						return expect(len(st.Snapshot().Attester.ReceivedShares) == 0, "nothing stored")
					})}
			}},
		{name: "share_filter_before_any_duty_accepted",
			desc:   "A share arrives before any duty was served.",
			proves: "with no duty yet every slot may still come (the Dafny share filter): the share is stored",
			refs:   refs(refAttester, "SPEC.md section 7.6 (share filter)"),
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(share(f, 2, f.AttData(s17, 1)), "").is(func(f *dvf, st *dvc.State, out []dvc.Output) error {
					return expect(len(st.Snapshot().Attester.ReceivedShares) == 1, "stored")
				})}
			}},
		{name: "share_filter_below_min_active_dropped",
			desc:   "A share for a slot below the lowest active instance arrives.",
			proves: "the share filter drops shares of slots below every active instance (share_slot_filtered)",
			refs:   refs(refAttester, "SPEC.md section 7.6 (share filter)"),
			setup:  func(f *dvf) []dvc.Event { return f.evs(serve(f, s25)) },
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(share(f, 2, f.AttData(s17, 1)), "ignored:share_slot_filtered").outputs(func(f *dvf) []dvc.Output {
					return []dvc.Output{ignored(dvc.IgnoredShareFiltered, s17)}
				})}
			}},
		{name: "share_filter_idle_after_latest_accepted",
			desc:   "The only duty decided and shown on chain; a share for a later slot arrives.",
			proves: "idle, the filter accepts shares of slots after the latest duty",
			refs:   refs(refAttester, "SPEC.md section 7.6 (share filter)"),
			setup: func(f *dvf) []dvc.Event {
				return f.evs(serve(f, s17), f.Decided(f.AttData(s17, 1)), f.Imported(s20, f.AttData(s17, 1)))
			},
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(share(f, 2, f.AttData(s25, 1)), "").is(func(f *dvf, st *dvc.State, out []dvc.Output) error {
					return expect(len(st.Snapshot().Attester.ReceivedShares) == 1, "stored")
				})}
			}},
		{name: "share_filter_idle_at_latest_dropped",
			desc:   "The only duty decided and shown on chain; a share for its slot arrives.",
			proves: "idle, the filter drops shares of the latest duty's slot and below (share_slot_filtered)",
			refs:   refs(refAttester, "SPEC.md section 7.6 (share filter)"),
			setup: func(f *dvf) []dvc.Event {
				return f.evs(serve(f, s17), f.Decided(f.AttData(s17, 1)), f.Imported(s20, f.AttData(s17, 1)))
			},
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(share(f, 2, f.AttData(s17, 1)), "ignored:share_slot_filtered").outputs(func(f *dvf) []dvc.Output {
					return []dvc.Output{ignored(dvc.IgnoredShareFiltered, s17)}
				})}
			}},
		{name: "share_readded_after_block_cleanup",
			desc:   "Two duties decided, the older instance still active; a block shows the newer one's attestation and cleans its shares; a share for that slot arrives again.",
			proves: "shares of a slot shown on chain are dropped (share_slot_completed; amendment A6, the Dafny TODO would accept and re-combine them)",
			refs:   refs(refAttester, "SPEC.md section 7.7 (A6)", "SPEC.md section 7.8 (D5)"),
			setup: func(f *dvf) []dvc.Event {
				return f.evs(serve(f, s17), f.Decided(f.AttData(s17, 1)), serve(f, s25), f.Decided(f.AttData(s25, 1)), f.Imported(s27, f.AttData(s25, 1)))
			},
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(share(f, 2, f.AttData(s25, 1)), "ignored:share_slot_completed").outputs(func(f *dvf) []dvc.Output {
					return []dvc.Output{ignored(dvc.IgnoredSlotCompleted, s25)}
				})}
			}},
		{name: "resend_sends_all_pending",
			desc:   "Two duties decided and signed; the resend event fires.",
			proves: "resending multicasts every own share not yet seen on chain, by slot",
			refs:   refAttester,
			setup: func(f *dvf) []dvc.Event {
				return f.evs(serve(f, s17), f.Decided(f.AttData(s17, 1)), serve(f, s25), f.Decided(f.AttData(s25, 1)))
			},
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(dvc.ResendAttestationShares{}, "broadcast broadcast").outputs(func(f *dvf) []dvc.Output {
					return []dvc.Output{f.bcast(f.AttShare(1, f.AttData(s17, 1))), f.bcast(f.AttShare(1, f.AttData(s25, 1)))}
				})}
			}},
		{name: "no_resend_after_block_inclusion",
			desc:   "Two duties decided and signed; a block shows the first; the resend event fires.",
			proves: "an own share whose attestation is on chain is not resent",
			refs:   refAttester,
			setup: func(f *dvf) []dvc.Event {
				return f.evs(serve(f, s17), f.Decided(f.AttData(s17, 1)), serve(f, s25), f.Decided(f.AttData(s25, 1)), f.Imported(s26, f.AttData(s17, 1)))
			},
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(dvc.ResendAttestationShares{}, "broadcast").outputs(func(f *dvf) []dvc.Output {
					return []dvc.Output{f.bcast(f.AttShare(1, f.AttData(s25, 1)))}
				})}
			}},
		{name: "deneb_combined_attestation_has_committee_position_bits", fork: eth2spec.DataVersionDeneb,
			desc:   "Before Electra: the third share of one attestation arrives.",
			proves: "the combined attestation is a phase0 Attestation whose aggregation bits have committee_length bits with bit validator_committee_index set (amendment A1)",
			refs:   refs(refAttester, "SPEC.md section 7.7 (A1)"),
			setup: func(f *dvf) []dvc.Event {
				d := f.AttData(s17, 1)
				return f.evs(serve(f, s17), share(f, 1, d), share(f, 2, d))
			},
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(share(f, 3, f.AttData(s17, 1)), "submit_attestation").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{f.submittedAtt(f.AttData(s17, 1))} })}
			}},
		{name: "electra_imported_block_committee_bits", forks: []eth2spec.DataVersion{eth2spec.DataVersionFulu},
			desc:   "Electra: a block's attestation covers committees 0 and 1; the validator's vote is bit 8+5.",
			proves: "from Electra the validator's bit is found through committee_bits, the committees' members concatenated in committee order (amendment A3)",
			refs:   refs(refAttester, "SPEC.md section 7.7 (A3)", "EIP-7549"),
			setup:  func(f *dvf) []dvc.Event { return f.evs(serve(f, s17)) },
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(f.Imported(s20, f.AttData(s17, 1)), "stop_consensus").outputs(func(f *dvf) []dvc.Output {
					return []dvc.Output{f.stop(consensus.DutyAttester, s17)}
				}).is(func(f *dvf, st *dvc.State, out []dvc.Output) error {
					return expect(f.dbHasAttestation(st, f.AttData(s17, 1)), "decision learnt from the Electra attestation")
				})}
			}},
		{name: "imported_block_missing_committee_is_an_error",
			desc:   "An imported block whose event lacks a committee its attestation needs, and one that answers another validator index than the configured one.",
			proves: "inconsistent beacon-state answers are an error (inconsistent_oracle, amendment A18) and change nothing",
			refs:   refs(refAttester, "SPEC.md section 7.7 (A18)"),
			setup:  func(f *dvf) []dvc.Event { return f.evs(serve(f, s17)) },
			steps: func(f *dvf) []dvcStep {
				missing := f.Imported(s20, f.AttData(s17, 1))
				missing.Committees = missing.Committees[:1]
				wrongIndex := f.Imported(s20, f.AttData(s17, 1))
				other := phase0.ValidatorIndex(43)
				wrongIndex.ValidatorIndex = &other
				return []dvcStep{evErr(missing, dvc.ErrInconsistentOracle), evErr(wrongIndex, dvc.ErrInconsistentOracle)}
			}},
		{name: "decided_value_failing_own_predicate_not_signed",
			desc:   "The pre-state DB holds another vote for the duty's target; the instance decides data this node's predicate refuses.",
			proves: "a decided value that fails the node's own predicate is not signed (decided_value_invalid, amendment A11; spec.py asserts consensus_is_valid_attestation_data) and the duty ends",
			refs:   refs(refAttester, "SPEC.md section 7.7 (A11)"),
			pre:    func(f *dvf) *slashing.SlashingDB { return f.dbWithAttestations([3]uint64{1, 2, 1}) },
			setup:  func(f *dvf) []dvc.Event { return f.evs(serve(f, s17)) },
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(f.Decided(f.AttData(s17, 1)), "ignored:decided_value_invalid").outputs(func(f *dvf) []dvc.Output {
					return []dvc.Output{ignored(dvc.IgnoredDecidedInvalid, s17)}
				}).is(func(f *dvf, st *dvc.State, out []dvc.Output) error {
					return joinErrs(expect(st.CurrentAttestationDuty() == nil, "the duty is over"),
						expect(len(st.Snapshot().Attester.SharesToBroadcast) == 0, "nothing signed"))
				})}
			}},
		{name: "share_beyond_horizon_dropped",
			desc:   "A share for the slot two epochs and one slot after the latest duty arrives.",
			proves: "shares more than two epochs beyond the latest duty are dropped (share_slot_beyond_horizon, amendment A8)",
			refs:   refs(refAttester, "SPEC.md section 7.7 (A8)"),
			setup:  func(f *dvf) []dvc.Event { return f.evs(serve(f, s17)) },
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(share(f, 2, f.AttData(s17+64+1, 1)), "ignored:share_slot_beyond_horizon").outputs(func(f *dvf) []dvc.Output {
					return []dvc.Output{ignored(dvc.IgnoredBeyondHorizon, s17+64+1)}
				})}
			}},
		{name: "aggregation_bits_formation", fork: eth2spec.DataVersionDeneb,
			desc:   "Duties with a committee length of 0, a position beyond the committee and a committee longer than 2048 are served, then a well-formed duty (committee of 8, position 5), decided and combined. The Dafny get_aggregation_bits(validator_index) would give 42 bits with the last set; the Ethereum bits are 8 bits with bit 5 set (0x2001).",
			proves: "the share and the combined attestation carry committee_length bits with bit validator_committee_index set (amendment A1), and a duty whose geometry cannot give such bits is malformed",
			refs:   refs(refAttester, "SPEC.md section 7.7 (A1)", "spec/dvc/aggregation_test.go TestAggregationBits"),
			steps: func(f *dvf) []dvcStep {
				zero, beyond, long := f.AttDuty(s17), f.AttDuty(s17), f.AttDuty(s17)
				zero.CommitteeLength = 0
				beyond.ValidatorCommitteeIndex = 8
				long.CommitteeLength = 2049
				d := f.AttData(s17, 1)
				return []dvcStep{evErr(dvc.ServeAttestationDuty{Duty: zero}, dvc.ErrMalformedEvent), evErr(dvc.ServeAttestationDuty{Duty: beyond}, dvc.ErrMalformedEvent),
					evErr(dvc.ServeAttestationDuty{Duty: long}, dvc.ErrMalformedEvent), ev(serve(f, s17), "start_consensus"),
					ev(f.Decided(d), "signed broadcast update_validity"), ev(share(f, 1, d), ""), ev(share(f, 2, d), ""), ev(share(f, 3, d), "submit_attestation")}
			}},
	}
	for i := range list {
		list[i].handler, list[i].both = "attester", true
	}
	return list
}

func validityScenarios() []dvcScenario {
	s17, s20, s41 := sl(17), sl(20), sl(41)
	type tc struct {
		name    string
		fork    eth2spec.DataVersion
		records [][3]uint64
		data    func(f *dvf) *phase0.AttestationData
		want    error
		proves  string
	}
	cases := []tc{
		{"validity_empty_db", 0, nil, func(f *dvf) *phase0.AttestationData { return f.attDataEpochs(s41, 4, 5, 1) }, nil, "with an empty DB the duty's well-formed data is valid"},
		{"validity_target_at_or_below_min_target", 0, [][3]uint64{{1, 6, 1}}, func(f *dvf) *phase0.AttestationData { return f.attDataEpochs(s41, 4, 5, 1) }, slashing.ErrTargetBelowMinimum, "a target at or below the DB's minimum target is refused (slashable, target_below_minimum)"},
		{"validity_source_below_min_source", 0, [][3]uint64{{3, 4, 1}}, func(f *dvf) *phase0.AttestationData { return f.attDataEpochs(s41, 2, 5, 1) }, slashing.ErrSourceBelowMinimum, "a source below the DB's minimum source is refused (slashable, source_below_minimum)"},
		{"validity_same_target_other_data", 0, [][3]uint64{{0, 1, 1}, {4, 5, 2}}, func(f *dvf) *phase0.AttestationData { return f.attDataEpochs(s41, 4, 5, 1) }, slashing.ErrDoubleVote, "other data for a signed target is a double vote (slashable, double_vote)"},
		{"validity_new_surrounds_old", 0, [][3]uint64{{1, 2, 1}, {3, 4, 2}}, func(f *dvf) *phase0.AttestationData { return f.attDataEpochs(s41, 2, 5, 1) }, slashing.ErrSurroundsExisting, "a vote surrounding a signed one is refused (slashable, surrounds_existing)"},
		{"validity_old_surrounds_new", 0, [][3]uint64{{0, 1, 1}, {1, 6, 2}}, func(f *dvf) *phase0.AttestationData { return f.attDataEpochs(s41, 2, 5, 1) }, slashing.ErrSurroundedByExisting, "a vote surrounded by a signed one is refused (slashable, surrounded_by_existing)"},
		{"validity_source_not_before_target", 0, nil, func(f *dvf) *phase0.AttestationData { return f.attDataEpochs(s41, 5, 5, 1) }, consensus.ErrSourceNotBeforeTarget, "source must be before target (source_not_before_target)"},
		{"validity_wrong_slot", 0, nil, func(f *dvf) *phase0.AttestationData { return f.attDataEpochs(sl(42), 4, 5, 1) }, consensus.ErrSlotMismatch, "data of another slot than the duty's is refused (slot_mismatch)"},
		{"validity_wrong_committee_index_deneb", eth2spec.DataVersionDeneb, nil, func(f *dvf) *phase0.AttestationData {
			d := f.attDataEpochs(s41, 4, 5, 1)
			d.Index = 0
			return d
		}, consensus.ErrCommitteeIndexMismatch, "before Electra data.index must be the duty's committee index (committee_index_mismatch)"},
		{"validity_nonzero_index_electra", 0, nil, func(f *dvf) *phase0.AttestationData {
			d := f.attDataEpochs(s41, 4, 5, 1)
			d.Index = 1
			return d
		}, consensus.ErrCommitteeIndexNotZero, "from Electra data.index must be 0 (committee_index_not_zero, EIP-7549)"},
	}
	var out []dvcScenario
	for _, x := range cases {
		x := x
		out = append(out, dvcScenario{handler: "validity", name: x.name, fork: x.fork, both: true,
			desc:   "The DB holds the listed votes; the duty at slot 164 (epoch 5) is served and its instance's predicate is asked about one value.",
			proves: "the instance's validity predicate (ValidityFor: consensus.IsValidAttestationData against the node's DB): " + x.proves,
			refs:   []string{"SPEC.md section 6 (consensus validity)", "SPEC.md section 4 (slashing protection)", "spec/dvc/dvccases validityScenarios"},
			pre:    func(f *dvf) *slashing.SlashingDB { return f.dbWithAttestations(x.records...) },
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(dvc.ServeAttestationDuty{Duty: f.AttDuty(s41)}, "start_consensus"), chk(f.checkAtt(s41, x.data(f), x.want))}
			}})
	}
	out = append(out, dvcScenario{handler: "validity", name: "validity_same_target_identical_data", both: true,
		desc:   "The duty decided and its data signed; the still active instance's predicate is asked about the same data, other data and bytes that are no attestation data.",
		proves: "the repeat of the decided value stays valid (the EIP-3076 repeat exception; the Dafny rule has none), other data for the target is a double vote, and a value that does not decode is refused (invalid_value_encoding)",
		refs:   []string{"SPEC.md section 6", "SPEC.md section 7.7 (A21)", "spec/dvc/dvccases validityScenarios"},
		setup: func(f *dvf) []dvc.Event {
			return f.evs(dvc.ServeAttestationDuty{Duty: f.AttDuty(s17)}, f.Decided(f.AttData(s17, 1)))
		},
		steps: func(f *dvf) []dvcStep {
			garbage := &dvcCheck{id: f.ID(consensus.DutyAttester, s17), valueType: "bytes", value: []byte{1, 2, 3}, obj: []byte{1, 2, 3}, want: consensus.ErrInvalidValue}
			return []dvcStep{chk(f.checkAtt(s17, f.AttData(s17, 1), nil)), chk(f.checkAtt(s17, f.AttData(s17, 2), slashing.ErrDoubleVote)), chk(garbage)}
		}})
	for _, x := range []struct {
		name   string
		prior  []phase0.Slot
		same   bool
		want   error
		proves string
	}{
		{"block_validity_empty_db", nil, false, nil, "with an empty DB the DV's block with the combined reveal is valid"},
		{"block_validity_below_min_slot", []phase0.Slot{sl(24)}, false, slashing.ErrSlotBelowMinimum, "a block below the DB's minimum slot is refused (slot_below_minimum)"},
		{"block_validity_same_slot_different_root", []phase0.Slot{s20}, false, slashing.ErrDoubleProposal, "another block for a signed slot is a double proposal (double_proposal)"},
		{"block_validity_same_slot_same_root_ok", nil, true, nil, "the repeat of a signed block is valid (same signing root)"},
		{"block_validity_after_history", []phase0.Slot{sl(12)}, false, nil, "a block after the DB's history is valid"},
	} {
		x := x
		out = append(out, dvcScenario{handler: "validity", name: x.name, both: true,
			desc:   "The DB holds blocks at the listed slots; the proposer duty at slot 80 is served and the RANDAO shares combined, so the block instance runs; its predicate is asked about the DV's block.",
			proves: "the block instance's validity predicate (consensus.IsValidBlock with the combined reveal, against the node's DB): " + x.proves,
			refs:   []string{"SPEC.md section 6 (consensus validity)", "SPEC.md section 4", "spec/dvc/dvccases validityScenarios"},
			pre: func(f *dvf) *slashing.SlashingDB {
				db := f.dbWithBlocks(x.prior...)
				if x.same {
					root := f.BlockInput(f.DVBlock(s20, 1)).SigningRoot
					if err := db.InsertBlock(f.PK(), s20, &root); err != nil {
						panic(err)
					}
				}
				return db
			},
			setup: func(f *dvf) []dvc.Event { return f.ProposerReady(s20) },
			steps: func(f *dvf) []dvcStep { return []dvcStep{chk(f.checkBlock(s20, f.DVBlock(s20, 1), x.want))} }})
	}
	return out
}

func proposerScenarios() []dvcScenario {
	s20, s28 := sl(20), sl(28)
	randao := func(f *dvf, i int, slot phase0.Slot) dvc.Event {
		return dvc.ReceivedRandaoShare{Share: f.RandaoShare(i, slot)}
	}
	bshare := func(f *dvf, i int, b *eth2spec.VersionedBeaconBlock) dvc.Event {
		return dvc.ReceivedBlockShare{Share: f.BlockShare(i, b)}
	}
	list := []dvcScenario{
		{name: "randao_share_before_duty_then_start",
			desc:   "Two peers' RANDAO shares arrive before the proposer duty; the duty is served; the node's own share arrives.",
			proves: "RANDAO shares of a future slot are kept; serving the duty signs and multicasts the own share; the threshold-th share combines the reveal and starts the block instance with it",
			refs:   refProposer,
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(randao(f, 2, s20), ""), ev(randao(f, 3, s20), ""), ev(dvc.ServeProposerDuty{Duty: f.PropDuty(s20)}, "signed broadcast").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{f.signedRandao(1, s20), f.bcast(f.RandaoShare(1, s20))} }),
					ev(randao(f, 1, s20), "start_consensus").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{f.startProp(s20)} })}
			}},
		{name: "randao_share_after_own_duty_accepted_without_instance",
			desc:   "The proposer duty served (no instance yet); the RANDAO shares arrive.",
			proves: "with a current duty and no instance the share filter accepts the duty's shares (the v2 implementation's fourth disjunct, amendment A14; the v2 spec drops them, defect D3) and the threshold starts consensus",
			refs:   refs(refProposer, "SPEC.md section 7.7 (A14)", "SPEC.md section 7.8 (D3)"),
			setup:  func(f *dvf) []dvc.Event { return f.evs(dvc.ServeProposerDuty{Duty: f.PropDuty(s20)}) },
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(randao(f, 2, s20), ""), ev(randao(f, 3, s20), ""), ev(randao(f, 1, s20), "start_consensus").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{f.startProp(s20)} })}
			}},
		{name: "randao_threshold_starts_instance_once",
			desc:   "The block instance runs; a fourth RANDAO share arrives.",
			proves: "consensus starts once: a share after the threshold is only stored",
			refs:   refProposer,
			setup:  func(f *dvf) []dvc.Event { return f.ProposerReady(s20) },
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(randao(f, 4, s20), "").is(func(f *dvf, st *dvc.State, out []dvc.Output) error {
					return expect(len(st.ActiveInstances(f.Config(1))) == 1, "one instance")
				})}
			}},
		{name: "decided_block_signed_and_broadcast", forks: []eth2spec.DataVersion{eth2spec.DataVersionDeneb, eth2spec.DataVersionFulu},
			desc:   "The block instance decides the DV's block.",
			proves: "the decided block enters the DB, the share is signed and multicast, the duty ends (amendment A15) and the predicate, re-bound, still accepts the block but refuses another block of the slot",
			refs:   refs(refProposer, "SPEC.md section 7.7 (A11, A15)"),
			setup:  func(f *dvf) []dvc.Event { return f.ProposerReady(s20) },
			steps: func(f *dvf) []dvcStep {
				b := f.DVBlock(s20, 1)
				return []dvcStep{ev(f.BlockDecided(b), "signed broadcast update_validity").outputs(func(f *dvf) []dvc.Output {
					return []dvc.Output{f.signedBlock(1, b), f.bcast(f.BlockShare(1, b)), f.update(consensus.DutyProposer, s20)}
				}).is(func(f *dvf, st *dvc.State, out []dvc.Output) error {
					return joinErrs(expect(f.dbHasBlock(st, b), "block in the DB"), expect(st.CurrentProposerDuty() == nil, "duty over (v2 implementation)"))
				}), chk(f.checkBlock(s20, b, nil)),
					chk(f.checkBlock(s20, f.DVBlock(s20, 2), slashing.ErrDoubleProposal))}
			}},
		{name: "block_share_threshold_submits", forks: []eth2spec.DataVersion{eth2spec.DataVersionDeneb, eth2spec.DataVersionFulu},
			desc:   "The block decided; the four nodes' block shares arrive one by one.",
			proves: "below the threshold the shares are kept (Dafny v2 loses them, defect D1); the threshold-th share combines and submits the signed block; a later share is not submitted again",
			refs:   refs(refProposer, "SPEC.md section 7.8 (D1)", "SPEC.md section 7.7 (A5)"),
			setup:  func(f *dvf) []dvc.Event { return append(f.ProposerReady(s20), f.BlockDecided(f.DVBlock(s20, 1))) },
			steps: func(f *dvf) []dvcStep {
				b := f.DVBlock(s20, 1)
				return []dvcStep{ev(bshare(f, 1, b), ""), ev(bshare(f, 2, b), "").is(func(f *dvf, st *dvc.State, out []dvc.Output) error {
					return expect(len(st.Snapshot().Proposer.ReceivedBlockShares) == 2, "both shares kept")
				}),
					ev(bshare(f, 3, b), "submit_block").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{f.submittedBlock(b)} }), ev(bshare(f, 4, b), "ignored:already_combined").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{ignored(dvc.IgnoredAlreadySubmitted, s20)} })}
			}},
		{name: "block_shares_of_different_blocks_not_combined",
			desc:   "Nodes 1 and 2 share block A, node 4 block B, node 3 block A.",
			proves: "block shares combine only with shares of the same block",
			refs:   refProposer,
			setup:  func(f *dvf) []dvc.Event { return f.ProposerReady(s20) },
			steps: func(f *dvf) []dvcStep {
				a, b := f.DVBlock(s20, 1), f.DVBlock(s20, 2)
				return []dvcStep{ev(bshare(f, 1, a), ""), ev(bshare(f, 2, a), ""), ev(bshare(f, 4, b), ""), ev(bshare(f, 3, a), "submit_block").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{f.submittedBlock(a)} })}
			}},
		{name: "imported_block_for_current_slot_cancels",
			desc:   "The block instance runs; a block of the DV for the slot is imported.",
			proves: "a block of the DV at the current slot stops the instance, enters the DB, ends the duty and drops the slot's RANDAO shares (amendment A16)",
			refs:   refs(refProposer, "SPEC.md section 7.7 (A16)"),
			setup:  func(f *dvf) []dvc.Event { return f.ProposerReady(s20) },
			steps: func(f *dvf) []dvcStep {
				b := f.DVBlock(s20, 1)
				return []dvcStep{ev(f.ImportedDV(b), "stop_consensus").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{f.stop(consensus.DutyProposer, s20)} }).is(func(f *dvf, st *dvc.State, out []dvc.Output) error {
					return joinErrs(expect(f.dbHasBlock(st, b), "the on-chain block is in the DB"), expect(st.CurrentProposerDuty() == nil, "duty over"),
						expect(len(st.Snapshot().Proposer.ReceivedRandaoShares) == 0 && len(st.Snapshot().Proposer.RandaoSharesToBroadcast) == 0, "RANDAO shares dropped"))
				})}
			}},
		{name: "imported_block_future_slot_skips_duty",
			desc:   "A block of the DV for a future slot is imported; then that slot's duty is served.",
			proves: "a future decision learnt from a block is kept; serving the duty still signs and multicasts the RANDAO share (v2 order, defect D6 kept) but records the block and runs no consensus",
			refs:   refs(refProposer, "SPEC.md section 7.8 (D6)"),
			steps: func(f *dvf) []dvcStep {
				b := f.DVBlock(s28, 1)
				return []dvcStep{ev(f.ImportedDV(b), ""), ev(dvc.ServeProposerDuty{Duty: f.PropDuty(s28)}, "signed broadcast").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{f.signedRandao(1, s28), f.bcast(f.RandaoShare(1, s28))} }).is(func(f *dvf, st *dvc.State, out []dvc.Output) error {
					return joinErrs(expect(f.dbHasBlock(st, b), "block in the DB"), expect(st.CurrentProposerDuty() == nil && len(st.ActiveInstances(f.Config(1))) == 0, "no consensus"))
				})}
			}},
		{name: "imported_block_of_other_proposer_ignored",
			desc:   "The block instance runs; another validator's block for the slot is imported.",
			proves: "only a block with the DV's proposer index is its decision (amendment A7; the v2 model takes any block, defect D4): the instance keeps running",
			refs:   refs(refProposer, "SPEC.md section 7.7 (A7)", "SPEC.md section 7.8 (D4)"),
			setup:  func(f *dvf) []dvc.Event { return f.ProposerReady(s20) },
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(f.ImportedDV(f.block(s20, 7, f.Reveal(s20), 1)), "").is(func(f *dvf, st *dvc.State, out []dvc.Output) error {
					return expect(st.CurrentProposerDuty() != nil && len(st.ActiveInstances(f.Config(1))) == 1, "instance still running")
				})}
			}},
		{name: "block_decided_with_wrong_randao_not_signed",
			desc:   "The instance decides a block whose RANDAO reveal is not the combined one (the point at infinity).",
			proves: "a decided block failing the node's own predicate is not signed (decided_value_invalid, amendment A11)",
			refs:   refs(refProposer, "SPEC.md section 7.7 (A11)"),
			setup:  func(f *dvf) []dvc.Event { return f.ProposerReady(s20) },
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(f.BlockDecided(f.block(s20, f.vi(), infinitySignature, 1)), "ignored:decided_value_invalid").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{ignored(dvc.IgnoredDecidedInvalid, s20)} })}
			}},
		{name: "resend_randao_and_block_shares",
			desc:   "The block decided and signed; the two resend events fire.",
			proves: "the own RANDAO and block shares are multicast again on their resend events",
			refs:   refProposer,
			setup:  func(f *dvf) []dvc.Event { return append(f.ProposerReady(s20), f.BlockDecided(f.DVBlock(s20, 1))) },
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(dvc.ResendRandaoShares{}, "broadcast").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{f.bcast(f.RandaoShare(1, s20))} }),
					ev(dvc.ResendBlockShares{}, "broadcast").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{f.bcast(f.BlockShare(1, f.DVBlock(s20, 1)))} })}
			}},
	}
	for i := range list {
		list[i].handler, list[i].both = "proposer", true
	}
	return list
}

func syncScenarios() []dvcScenario {
	s20, s21 := sl(20), sl(21)
	sshare := func(f *dvf, i int, c *altair.SyncCommitteeContribution) dvc.Event {
		return dvc.ReceivedSyncCommitteeMessageShare{Share: f.SyncShare(i, c)}
	}
	list := []dvcScenario{
		{name: "sync_duty_starts_instance",
			desc:   "The sync committee duty (positions 3 and 300: subcommittees 0 and 2) is served for a slot and subcommittee 0.",
			proves: "the duty starts a consensus instance per slot whose predicate accepts a contribution of its subcommittee and refuses another subcommittee's (wrong_subcommittee)",
			refs:   refSync,
			steps: func(f *dvf) []dvcStep {
				other := f.Contribution(s20, 1)
				other.SubcommitteeIndex = 2
				return []dvcStep{ev(f.ServeSync(s20), "start_consensus").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{f.startSync(s20)} }), chk(f.checkSync(s20, f.Contribution(s20, 1), nil)), chk(f.checkSync(s20, other, dvc.ErrWrongSubcommittee))}
			}},
		{name: "sync_decided_signs_block_root",
			desc:   "The instance decides a contribution; the decision event arrives again.",
			proves: "the node signs the decided contribution's beacon block root (a sync committee message share) and multicasts it, once (no_such_instance after)",
			refs:   refSync,
			setup:  func(f *dvf) []dvc.Event { return f.evs(f.ServeSync(s20)) },
			steps: func(f *dvf) []dvcStep {
				c := f.Contribution(s20, 1)
				return []dvcStep{ev(f.SyncDecided(c), "signed broadcast").outputs(func(f *dvf) []dvc.Output {
					return []dvc.Output{f.signedSync(1, s20, c.BeaconBlockRoot), f.bcast(f.SyncShare(1, c))}
				}),
					ev(f.SyncDecided(c), "ignored:no_such_instance").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{ignored(dvc.IgnoredNoInstance, s20)} })}
			}},
		{name: "sync_shares_combine_once", forks: []eth2spec.DataVersion{eth2spec.DataVersionAltair, eth2spec.DataVersionFulu},
			desc:   "Three peers' sync committee message shares arrive, then the node's own.",
			proves: "the threshold-th share combines and submits the sync committee message, once",
			refs:   refs(refSync, "SPEC.md section 7.7 (A5)"),
			setup:  func(f *dvf) []dvc.Event { return f.evs(f.ServeSync(s20)) },
			steps: func(f *dvf) []dvcStep {
				c := f.Contribution(s20, 1)
				return []dvcStep{ev(sshare(f, 2, c), ""), ev(sshare(f, 3, c), ""), ev(sshare(f, 4, c), "submit_sync_committee_message").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{f.submittedSync(c)} }),
					ev(sshare(f, 1, c), "ignored:already_combined").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{ignored(dvc.IgnoredAlreadySubmitted, s20)} })}
			}},
		{name: "sync_new_slot_stops_old_instances",
			desc:   "The duty of one slot decided; the next slot's duty is served; a share of the old slot arrives; the new slot is served again.",
			proves: "a later slot stops the earlier instances and drops their state (amendment A10); old shares are filtered; a slot is served once (duty_out_of_order)",
			refs:   refs(refSync, "SPEC.md section 7.7 (A10, A17)"),
			setup:  func(f *dvf) []dvc.Event { return f.evs(f.ServeSync(s20), f.SyncDecided(f.Contribution(s20, 1))) },
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(f.ServeSync(s21), "stop_consensus start_consensus").outputs(func(f *dvf) []dvc.Output {
					return []dvc.Output{f.stop(consensus.DutySyncCommittee, s20), f.startSync(s21)}
				}).is(func(f *dvf, st *dvc.State, out []dvc.Output) error {
					return expect(len(st.Snapshot().SyncCommittee.SharesToBroadcast) == 0, "old share dropped")
				}),
					ev(sshare(f, 2, f.Contribution(s20, 1)), "ignored:share_slot_filtered").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{ignored(dvc.IgnoredShareFiltered, s20)} }),
					evErr(f.ServeSync(s21), dvc.ErrDutyOutOfOrder)}
			}},
		{name: "sync_resend_shares",
			desc:   "The sync committee instance decided and the share signed; the resend event fires. (Not a scenario of the tests: it covers the resend event of the sync committee flow.)",
			proves: "the own sync committee message share of the current sync slot is multicast again",
			refs:   refs(refSync, "spec/dvc/events.go ResendSyncCommitteeMessageShares"),
			setup:  func(f *dvf) []dvc.Event { return f.evs(f.ServeSync(s20), f.SyncDecided(f.Contribution(s20, 1))) },
			steps:  func(f *dvf) []dvcStep { return []dvcStep{ev(dvc.ResendSyncCommitteeMessageShares{}, "broadcast")} }},
		{name: "sync_forged_slot_copy_first_genuine_still_combines", forks: []eth2spec.DataVersion{eth2spec.DataVersionAltair},
			desc:   "The duty of a slot is served. A relay delivers node 2's share of the previous slot (same epoch) relabelled with this slot, before node 2's genuine share; then nodes 2, 3 and 4's genuine shares arrive.",
			proves: "a sync committee message share's signature covers the block root and the epoch, not the slot within it; a copy moved to another slot, delivered first, does not keep the genuine share out (amendment A22; issue 12): the genuine shares combine",
			refs:   refs(refSync, "SPEC.md section 7.7 (A22)", "SPEC.md section 7.1 (transport assumptions)"),
			setup:  func(f *dvf) []dvc.Event { return f.evs(f.ServeSync(s21)) },
			steps: func(f *dvf) []dvcStep {
				c := f.Contribution(s21, 1)
				forged := f.SyncShare(2, f.Contribution(s20, 1))
				forged.Slot = s21
				return []dvcStep{ev(dvc.ReceivedSyncCommitteeMessageShare{Share: forged}, ""), ev(sshare(f, 2, c), ""), ev(sshare(f, 3, c), ""), ev(sshare(f, 4, c), "submit_sync_committee_message").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{f.submittedSync(c)} })}
			}},
		{name: "sync_forged_slot_copy_refused_after_decision",
			desc:   "The duty of a slot is served and decided; a relay delivers node 2's share of the previous slot relabelled with this slot; then node 2's genuine share.",
			proves: "once the node decided the slot's contribution, a share of the slot with another block root is refused (rejected_share, cause share_fields_differ; amendment A22); the genuine share is stored",
			refs:   refs(refSync, "SPEC.md section 7.7 (A22)"),
			setup:  func(f *dvf) []dvc.Event { return f.evs(f.ServeSync(s21), f.SyncDecided(f.Contribution(s21, 1))) },
			steps: func(f *dvf) []dvcStep {
				forged := f.SyncShare(2, f.Contribution(s20, 1))
				forged.Slot = s21
				return []dvcStep{evErr(dvc.ReceivedSyncCommitteeMessageShare{Share: forged}, dvc.ErrFieldsDiffer), ev(sshare(f, 2, f.Contribution(s21, 1)), "")}
			}},
		{name: "sync_duty_before_altair_rejected", fork: eth2spec.DataVersionPhase0,
			desc:   "A sync committee duty on a phase0 chain.",
			proves: "there are no sync committees before Altair: the duty is malformed",
			refs:   refSync,
			steps:  func(f *dvf) []dvcStep { return []dvcStep{evErr(f.ServeSync(s20), dvc.ErrMalformedEvent)} }},
	}
	for i := range list {
		list[i].handler, list[i].both = "sync_committee", true
	}
	return list
}

// expiryScenarios are the expiry scenarios (amendment A23): mainnet slots, so slot sl(17) is in epoch 2 (64..95).
func expiryScenarios() []dvcScenario {
	s17, s20, s21, s28, s33 := sl(17), sl(20), sl(21), sl(28), sl(33)
	serve := func(f *dvf, slot phase0.Slot) dvc.Event { return dvc.ServeAttestationDuty{Duty: f.AttDuty(slot)} }
	tick := func(slot phase0.Slot) dvc.Event { return dvc.NewSlot{Slot: slot} }
	refExpiry := []string{"SPEC.md section 7.7 (A23)", "spec/dvc/dvccases expiryScenarios"}
	// none states that a step outputs nothing at all.
	none := func(*dvf) []dvc.Output { return nil }
	list := []dvcScenario{
		{name: "new_slot_expires_undecided_attestation_duty",
			desc:   "An attester duty at a slot of epoch 2 stays undecided; slots 127 (the last of epoch 3) and 128 begin; its decision arrives late; a later duty is served.",
			proves: "from Deneb (EIP-7045) an attestation can be included until the end of the next epoch: at slot 128 the undecided duty is abandoned (duty_abandoned) and its instance stopped; abandoning signs nothing (a late decision is not for the current duty); the next duty starts",
			refs:   refExpiry,
			setup:  func(f *dvf) []dvc.Event { return f.evs(serve(f, s17)) },
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(tick(127), "").outputs(none),
					ev(tick(128), "stop_consensus ignored:duty_abandoned").outputs(func(f *dvf) []dvc.Output {
						return []dvc.Output{f.stop(consensus.DutyAttester, s17), ignored(dvc.IgnoredDutyAbandoned, s17)}
					}),
					ev(f.Decided(f.AttData(s17, 1)), "ignored:decision_not_for_current_duty").outputs(func(f *dvf) []dvc.Output {
						return []dvc.Output{ignored(dvc.IgnoredNotCurrent, s17)}
					}),
					ev(serve(f, s33), "start_consensus").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{f.startAtt(f.AttDuty(s33))} })}
			}},
		{name: "new_slot_expires_attestation_duty_pre_deneb", fork: eth2spec.DataVersionCapella,
			desc:   "Capella: an attester duty at slot 68 stays undecided; slots 100 and 101 begin.",
			proves: "before Deneb an attestation can be included for SLOTS_PER_EPOCH slots: at slot 101 the undecided duty is abandoned and its instance stopped",
			refs:   refExpiry,
			setup:  func(f *dvf) []dvc.Event { return f.evs(serve(f, s17)) },
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(tick(100), "").outputs(none), ev(tick(101), "stop_consensus ignored:duty_abandoned").outputs(func(f *dvf) []dvc.Output {
					return []dvc.Output{f.stop(consensus.DutyAttester, s17), ignored(dvc.IgnoredDutyAbandoned, s17)}
				})}
			}},
		{name: "new_slot_stops_decided_attestation_instance",
			desc:   "An attester duty decided and a peer's share of it received; its attestation is never seen on chain; slot 128 begins; the resend event fires.",
			proves: "a decided instance waiting for its attestation on chain stops when the attestation can no longer be included; its shares are dropped (nothing left to resend); the signed decision stays in the slashing DB",
			refs:   refExpiry,
			setup: func(f *dvf) []dvc.Event {
				d := f.AttData(s17, 1)
				return f.evs(serve(f, s17), f.Decided(d), dvc.ReceivedAttestationShare{Share: f.AttShare(2, d)})
			},
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(tick(128), "stop_consensus").outputs(func(f *dvf) []dvc.Output {
					return []dvc.Output{f.stop(consensus.DutyAttester, s17)}
				}), ev(dvc.ResendAttestationShares{}, "").outputs(none)}
			}},
		{name: "new_slot_expires_proposer_duty",
			desc:   "A proposer duty's block instance runs (RANDAO reveal combined); the next slot begins, then the one after; the block decision arrives late.",
			proves: "a block of slot s can be built on until slot s + 1 ends: when slot s + 2 begins the undecided duty is abandoned, its instance stopped, its RANDAO shares dropped; a late decision is not signed",
			refs:   refExpiry,
			setup:  func(f *dvf) []dvc.Event { return f.ProposerReady(s20) },
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(tick(s20+1), "").outputs(none),
					ev(tick(s20+2), "ignored:duty_abandoned stop_consensus").outputs(func(f *dvf) []dvc.Output {
						return []dvc.Output{ignored(dvc.IgnoredDutyAbandoned, s20), f.stop(consensus.DutyProposer, s20)}
					}),
					ev(f.BlockDecided(f.DVBlock(s20, 1)), "ignored:decision_not_for_current_duty").outputs(func(f *dvf) []dvc.Output {
						return []dvc.Output{ignored(dvc.IgnoredNotCurrent, s20)}
					})}
			}},
		{name: "later_proposer_duty_supersedes_undecided",
			desc:   "A proposer duty's block instance runs undecided; a later proposer duty is served.",
			proves: "a later proposer duty supersedes the undecided one (amendment A23): abandoned, its instance stopped; the new duty's RANDAO share is signed and multicast",
			refs:   refExpiry,
			setup:  func(f *dvf) []dvc.Event { return f.ProposerReady(s20) },
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(dvc.ServeProposerDuty{Duty: f.PropDuty(s28)}, "ignored:duty_abandoned stop_consensus signed broadcast").outputs(func(f *dvf) []dvc.Output {
					return []dvc.Output{ignored(dvc.IgnoredDutyAbandoned, s20), f.stop(consensus.DutyProposer, s20), f.signedRandao(1, s28), f.bcast(f.RandaoShare(1, s28))}
				})}
			}},
		{name: "new_slot_expires_sync_instance",
			desc:   "A sync committee instance decided and its share signed; the next slot begins, then the one after; a later slot's duty is served.",
			proves: "a sync committee message of slot s is included in the block of slot s + 1: its instance and state expire when slot s + 2 begins (amendment A23; serving a later slot stops it earlier, A10)",
			refs:   refExpiry,
			setup:  func(f *dvf) []dvc.Event { return f.evs(f.ServeSync(s20), f.SyncDecided(f.Contribution(s20, 1))) },
			steps: func(f *dvf) []dvcStep {
				return []dvcStep{ev(tick(s20+1), "").outputs(none), ev(tick(s20+2), "stop_consensus").outputs(func(f *dvf) []dvc.Output {
					return []dvc.Output{f.stop(consensus.DutySyncCommittee, s20)}
				}), ev(f.ServeSync(s21), "start_consensus").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{f.startSync(s21)} })}
			}},
	}
	for i := range list {
		list[i].handler, list[i].both = "expiry", true
	}
	return list
}

func vcScenarios() []dvcScenario {
	s17, s20 := sl(17), sl(20)
	single := func(f *dvf, d *phase0.AttestationData, sig phase0.BLSSignature) dvc.CapturedAttestation {
		return dvc.CapturedAttestation{Attestation: &networking.SignedAttestation{Version: f.Fork, Electra: &electra.SingleAttestation{CommitteeIndex: 1, AttesterIndex: f.vi(), Data: d, Signature: sig}}}
	}
	list := []dvcScenario{
		{name: "vc_attestation_cached_then_captured_and_broadcast", forks: []eth2spec.DataVersion{eth2spec.DataVersionFulu},
			desc:   "VC middleware: the instance decides; the validator client submits its attestation signed with the node's key share, twice; the resend event fires.",
			proves: "the decided data is cached for the VC and enters the DB at decision time; the VC's submission is verified against the node's public share and multicast as its share, once (already_captured), and resent",
			refs:   refs(refVC, "eth_node_interface.py cache_attestation_data_for_vc, capture_threshold_signed_attestation (c00dc1e)"),
			setup:  func(f *dvf) []dvc.Event { return f.evs(dvc.ServeAttestationDuty{Duty: f.AttDuty(s17)}) },
			steps: func(f *dvf) []dvcStep {
				d := f.AttData(s17, 1)
				att := single(f, d, f.AttShare(1, d).Signature)
				return []dvcStep{ev(f.Decided(d), "cache_attestation_data_for_vc update_validity").outputs(func(f *dvf) []dvc.Output {
					return []dvc.Output{dvc.CacheAttestationDataForVC{Duty: f.AttDuty(s17), Data: d}, f.update(consensus.DutyAttester, s17)}
				}).is(func(f *dvf, st *dvc.State, out []dvc.Output) error {
					return expect(f.dbHasAttestation(st, d), "the DB is updated at decision time")
				}),
					ev(att, "broadcast").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{f.bcast(f.AttShare(1, d))} }), ev(att, "ignored:already_captured").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{ignored(dvc.IgnoredAlreadyCaptured, s17)} }),
					ev(dvc.ResendAttestationShares{}, "broadcast").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{f.bcast(f.AttShare(1, d))} })}
			}},
		{name: "vc_capture_for_undecided_or_other_data_rejected",
			desc:   "VC middleware: a VC submission before the decision, one for other data after it, and one signed with another node's key share.",
			proves: "the middleware only forwards the VC's signature of the decided data under the node's own key share (not_decided, rejected_share)",
			refs:   refVC,
			setup:  func(f *dvf) []dvc.Event { return f.evs(dvc.ServeAttestationDuty{Duty: f.AttDuty(s17)}) },
			steps: func(f *dvf) []dvcStep {
				d, other := f.AttData(s17, 1), f.AttData(s17, 2)
				return []dvcStep{evErr(single(f, d, f.AttShare(1, d).Signature), dvc.ErrNotDecided),
					ev(f.Decided(d), "cache_attestation_data_for_vc update_validity").outputs(func(f *dvf) []dvc.Output {
						return []dvc.Output{dvc.CacheAttestationDataForVC{Duty: f.AttDuty(s17), Data: d}, f.update(consensus.DutyAttester, s17)}
					}),
					evErr(single(f, other, f.AttShare(1, other).Signature), dvc.ErrNotDecided),
					evErr(single(f, d, f.AttShare(2, d).Signature), dvc.ErrInvalidShare)}
			}},
		{name: "vc_randao_captured_block_cached_then_captured",
			desc:   "VC middleware, a proposal: the duty is served; the VC's RANDAO reveal share is captured; the RANDAO shares combine; the block is decided and cached; the VC signs another block, then the decided one.",
			proves: "the VC's RANDAO share is captured and multicast (amendment A9; c00dc1e has no RANDAO), the reveal combines as in remote-signer mode, the decided block is cached, and only the VC's signature of the decided block becomes the node's block share",
			refs:   refs(refVC, "SPEC.md section 7.7 (A9)"),
			steps: func(f *dvf) []dvcStep {
				b, other := f.DVBlock(s20, 1), f.DVBlock(s20, 2)
				return []dvcStep{ev(dvc.ServeProposerDuty{Duty: f.PropDuty(s20)}, ""),
					ev(dvc.CapturedRandaoReveal{Slot: s20, RandaoReveal: f.RandaoShare(1, s20).Signature}, "broadcast").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{f.bcast(f.RandaoShare(1, s20))} }),
					ev(dvc.ReceivedRandaoShare{Share: f.RandaoShare(1, s20)}, ""), ev(dvc.ReceivedRandaoShare{Share: f.RandaoShare(2, s20)}, ""),
					ev(dvc.ReceivedRandaoShare{Share: f.RandaoShare(3, s20)}, "start_consensus").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{f.startProp(s20)} }),
					ev(f.BlockDecided(b), "cache_block_for_vc update_validity").outputs(func(f *dvf) []dvc.Output {
						return []dvc.Output{dvc.CacheBlockForVC{Duty: f.PropDuty(s20), Block: b}, f.update(consensus.DutyProposer, s20)}
					}),
					evErr(dvc.CapturedBlock{Block: other, Signature: f.BlockShare(1, other).Signature}, dvc.ErrNotDecided),
					ev(dvc.CapturedBlock{Block: b, Signature: f.BlockShare(1, b).Signature}, "broadcast").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{f.bcast(f.BlockShare(1, b))} })}
			}},
		{name: "vc_sync_cached_then_captured",
			desc:   "VC middleware, sync committee: the contribution is decided and cached; the VC's sync committee message is captured.",
			proves: "the decided contribution is cached for the VC and the VC's message, verified, becomes the node's share",
			refs:   refs(refVC, "eth_node_interface.py cache_sync_committee_contribution_for_vc, capture_threshold_signed_sync_committee_signature (c00dc1e)"),
			setup:  func(f *dvf) []dvc.Event { return f.evs(f.ServeSync(s20)) },
			steps: func(f *dvf) []dvcStep {
				c := f.Contribution(s20, 1)
				sh := f.SyncShare(1, c)
				msg := &altair.SyncCommitteeMessage{Slot: s20, BeaconBlockRoot: c.BeaconBlockRoot, ValidatorIndex: f.vi(), Signature: sh.Signature}
				return []dvcStep{ev(f.SyncDecided(c), "cache_sync_committee_contribution_for_vc").outputs(func(f *dvf) []dvc.Output {
					return []dvc.Output{dvc.CacheSyncCommitteeContributionForVC{Duty: f.SyncDuty(), Contribution: c}}
				}),
					ev(dvc.CapturedSyncCommitteeMessage{Message: msg}, "broadcast").outputs(func(f *dvf) []dvc.Output { return []dvc.Output{f.bcast(sh)} })}
			}},
	}
	list = append(list, dvcScenario{name: "vc_capture_after_block_inclusion_ignored",
		desc:   "VC middleware: the block and the attestation are decided and cached, then blocks show them on chain before the validator client submits its signatures. (Not a scenario of the tests: it pins what a late VC submission does.)",
		proves: "a VC submission for a slot already shown on chain is ignored (share_slot_completed): no share is broadcast and nothing waits for the VC any more",
		refs:   refs(refVC, "SPEC.md section 7.7 (A6)"),
		steps: func(f *dvf) []dvcStep {
			b := f.DVBlock(s20, 1)
			d := f.AttData(s17, 1)
			return []dvcStep{ev(dvc.ServeProposerDuty{Duty: f.PropDuty(s20)}, ""),
				ev(dvc.CapturedRandaoReveal{Slot: s20, RandaoReveal: f.RandaoShare(1, s20).Signature}, "broadcast"),
				ev(dvc.ReceivedRandaoShare{Share: f.RandaoShare(2, s20)}, ""), ev(dvc.ReceivedRandaoShare{Share: f.RandaoShare(3, s20)}, ""),
				ev(dvc.ReceivedRandaoShare{Share: f.RandaoShare(4, s20)}, "start_consensus"),
				ev(f.BlockDecided(b), "cache_block_for_vc update_validity"), ev(f.ImportedDV(b), "stop_consensus"),
				ev(dvc.CapturedBlock{Block: b, Signature: f.BlockShare(1, b).Signature}, "ignored:share_slot_completed"),
				ev(dvc.ServeAttestationDuty{Duty: f.AttDuty(s17)}, "start_consensus"),
				ev(f.Decided(d), "cache_attestation_data_for_vc update_validity"), ev(f.Imported(sl(18), d), "stop_consensus"),
				ev(single(f, d, f.AttShare(1, d).Signature), "ignored:share_slot_completed")}
		}})
	for i := range list {
		list[i].handler, list[i].primary = "vc_middleware", dvc.ModeVCMiddleware
	}
	list = append(list, dvcScenario{handler: "vc_middleware", name: "vc_events_rejected_in_remote_signer_mode", primary: dvc.ModeRemoteSigner,
		desc:   "Remote-signer mode: well-formed VC submissions (a RANDAO reveal share, a block, an attestation, a sync committee message, each signed with the node's key share) arrive.",
		proves: "VC-middleware events are refused in remote-signer mode (wrong_mode)",
		refs:   refVC,
		steps: func(f *dvf) []dvcStep {
			d := f.AttData(s17, 1)
			b := f.DVBlock(s20, 1)
			c := f.Contribution(s20, 1)
			return []dvcStep{
				evErr(dvc.CapturedRandaoReveal{Slot: s20, RandaoReveal: f.RandaoShare(1, s20).Signature}, dvc.ErrWrongMode),
				evErr(dvc.CapturedBlock{Block: b, Signature: f.BlockShare(1, b).Signature}, dvc.ErrWrongMode),
				evErr(single(f, d, f.AttShare(1, d).Signature), dvc.ErrWrongMode),
				evErr(dvc.CapturedSyncCommitteeMessage{Message: &altair.SyncCommitteeMessage{Slot: s20, BeaconBlockRoot: c.BeaconBlockRoot, ValidatorIndex: f.vi(),
					Signature: f.SyncShare(1, c).Signature}}, dvc.ErrWrongMode)}
		}})
	return list
}

func robustnessScenarios() []dvcScenario {
	s17, s20 := sl(17), sl(20)
	return []dvcScenario{{handler: "robustness", name: "bad_events_rejected", both: true,
		desc:   "Malformed, foreign and out-of-order events, each with its wire form: empty encodings where a container is missing, a duty of validator 43, the current duty again, an earlier duty, a decision of another cluster or duty type, shares without a valid shape, blocks that do not decode, a sync duty for a subcommittee the validator is not in; then NoEvent. (spec/dvc's Go-level nil events, which have no wire form, are the empty encodings here.)",
		proves: "every bad event is refused with its named error and leaves the state unchanged (the state root after each step is the one before); nothing is output",
		refs:   []string{"SPEC.md section 7.1 (bad events)", "spec/dvc/dvccases robustnessScenarios"},
		setup:  func(f *dvf) []dvc.Event { return f.evs(dvc.ServeAttestationDuty{Duty: f.AttDuty(s17)}) },
		invalid: func(f *dvf) []InvalidValue {
			return []InvalidValue{{Value: make([]byte, 96), Why: "a zero signature, not a G2 point: the share must be refused"}}
		},
		steps: func(f *dvf) []dvcStep {
			foreign := f.AttDuty(sl(25))
			foreign.ValidatorIndex = 43
			otherCluster := f.Decided(f.AttData(s17, 1))
			otherCluster.ID.Cluster = phase0.Root{1}
			wrongType := f.Decided(f.AttData(s17, 1))
			wrongType.ID.DutyType = uint64(consensus.DutyProposer)
			emptyShare := &networking.AttestationShare{Data: &phase0.AttestationData{Source: &phase0.Checkpoint{}, Target: &phase0.Checkpoint{}}, AggregationBits: bitfield.Bitlist{0x01}}
			lengthZero := *emptyShare
			lengthZero.ValidatorIndex = f.vi()
			foreignShare := f.AttShare(2, f.AttData(s17, 1))
			foreignShare.ValidatorIndex = 43
			noBitSet := f.AttShare(2, f.AttData(s17, 1))
			noBitSet.AggregationBits = bitfield.Bitlist{0x00, 0x01}
			twoBits := f.AttShare(2, f.AttData(s17, 1))
			twoBits.AggregationBits = bitfield.Bitlist{0x03, 0x01}
			badBlockShare := f.BlockShare(2, f.DVBlock(s20, 1))
			badBlockShare.Block.Block = badBlockShare.Block.Block[:20]
			return []dvcStep{
				evErr(dvc.ServeAttestationDuty{}, dvc.ErrMalformedEvent),
				evErr(dvc.ServeAttestationDuty{Duty: foreign}, dvc.ErrWrongValidator),
				evErr(dvc.ServeAttestationDuty{Duty: f.AttDuty(s17)}, dvc.ErrDutyOutOfOrder),
				evErr(dvc.ServeAttestationDuty{Duty: f.AttDuty(sl(9))}, dvc.ErrDutyOutOfOrder),
				evErr(otherCluster, dvc.ErrWrongValidator),
				evErr(wrongType, dvc.ErrMalformedEvent),
				evErr(dvc.AttestationConsensusDecided{ID: f.ID(consensus.DutyAttester, s17)}, dvc.ErrMalformedEvent),
				evErr(dvc.ReceivedAttestationShare{}, dvc.ErrMalformedEvent),
				evErr(dvc.ReceivedAttestationShare{Share: emptyShare}, dvc.ErrWrongValidator),
				evErr(dvc.ReceivedAttestationShare{Share: &lengthZero}, dvc.ErrInvalidShare),
				evErr(dvc.ReceivedAttestationShare{Share: foreignShare}, dvc.ErrWrongValidator),
				evErr(dvc.ReceivedAttestationShare{Share: noBitSet}, dvc.ErrInvalidShare),
				evErr(dvc.ReceivedAttestationShare{Share: twoBits}, dvc.ErrInvalidShare),
				evErr(dvc.ReceivedBlockShare{Share: badBlockShare}, dvc.ErrInvalidShare),
				evErr(dvc.ReceivedBlockShare{Share: &networking.BlockShare{Block: &networking.VersionedBlock{}, Signature: f.signShare(2, f.RandaoInput(s20).SigningRoot), ShareIndex: 2}}, dvc.ErrInvalidShare),
				evErr(dvc.ReceivedRandaoShare{Share: &networking.RandaoShare{ValidatorIndex: f.vi(), Slot: s20, ShareIndex: 2}}, dvc.ErrInvalidShare),
				evErr(dvc.ImportedNewBlock{}, dvc.ErrMalformedEvent),
				evErr(dvc.BlockConsensusDecided{ID: f.ID(consensus.DutyProposer, s20)}, dvc.ErrMalformedEvent),
				evErr(dvc.ServeProposerDuty{}, dvc.ErrMalformedEvent),
				evErr(dvc.ServeSyncCommitteeDuty{}, dvc.ErrMalformedEvent),
				ev(f.ServeSync(s20), "start_consensus"),
				evErr(dvc.ServeSyncCommitteeDuty{Duty: f.SyncDuty(), Slot: sl(30), SubcommitteeIndex: 1}, dvc.ErrMalformedEvent),
				evErr(dvc.SyncCommitteeConsensusDecided{ID: f.ID(consensus.DutySyncCommittee, s20)}, dvc.ErrMalformedEvent),
				ev(dvc.NoEvent{}, ""),
			}
		}}}
}
