package dvc

import (
	"errors"
	"testing"

	bitfield "github.com/OffchainLabs/go-bitfield"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

// Slots used below (minimal preset, 8 slots per epoch): 17 and 18 are in
// epoch 2, 25 in epoch 3, 33 in epoch 4.

func preDB(t testing.TB, records ...[3]uint64) *slashing.SlashingDB {
	db := slashing.New(testGVR)
	pk := testKeys(t, 4, 3).pk
	for _, r := range records {
		root := phase0.Root{0xdb, byte(r[2])}
		if err := db.InsertAttestation(pk, phase0.Epoch(r[0]), phase0.Epoch(r[1]), &root); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// TestAttesterScenarios are the attestation scenarios of the formal-spec
// digest, section 7 (Dafny main semantics; v2 variants where noted), named
// as the digest names them.
func TestAttesterScenarios(t *testing.T) {
	scenarios := []scenario{
		{
			name: "serve_first_duty_starts_instance",
			// The pre-state DB holds a vote for target 2 (root 0xdb01): the
			// instance's predicate is bound to that DB.
			pre: preDB(t, [3]uint64{1, 2, 1}),
			steps: func(c *cluster) []step {
				d := c.attDuty(17)
				return []step{{ev: ServeAttestationDuty{Duty: d}, want: []Output{c.startAtt(d)}, check: func(t *testing.T, st *State) {
					expect(t, st.CurrentAttestationDuty() == d && st.LatestAttestationDuty() == d, "current and latest must be the duty")
					err := ValidityFor(c.cfg(1), st, c.id(consensus.DutyAttester, 17))(encodeData(t, c.attData(17, 1)))
					expect(t, errors.Is(err, consensus.ErrSlashable), "a double vote w.r.t. the pre-state DB must be invalid, got %v", err)
					d25 := ValidityFor(c.cfg(1), st, c.id(consensus.DutyAttester, 25))(encodeData(t, c.attData(25, 1)))
					expect(t, errors.Is(d25, ErrNoInstance), "no instance at 25: %v", d25)
				}}}
			},
		},
		{
			name:  "serve_while_current_active_is_queued",
			setup: func(c *cluster) []Event { return []Event{ServeAttestationDuty{Duty: c.attDuty(17)}} },
			steps: func(c *cluster) []step {
				return []step{{ev: ServeAttestationDuty{Duty: c.attDuty(25)}, want: nil, check: func(t *testing.T, st *State) {
					expect(t, st.CurrentAttestationDuty().Slot == 17, "17 stays current")
					q := st.AttestationDutyQueue()
					expect(t, len(q) == 1 && q[0].Slot == 25, "25 is queued: %v", q)
				}}}
			},
		},
		{
			name: "decided_current_emits_share_multicast_to_all_peers_incl_self",
			setup: func(c *cluster) []Event {
				return []Event{ServeAttestationDuty{Duty: c.attDuty(17)}, ServeAttestationDuty{Duty: c.attDuty(25)}}
			},
			steps: func(c *cluster) []step {
				data := c.attData(17, 1)
				return []step{{ev: c.decided(data), want: []Output{
					c.signedAtt(1, data), c.bcast(c.attShare(1, data)), c.startAtt(c.attDuty(25)), c.update(consensus.DutyAttester, 17, 25),
				}, check: func(t *testing.T, st *State) {
					expect(t, c.dbHasAttestation(st, data), "decision in the DB")
					expect(t, st.CurrentAttestationDuty().Slot == 25, "next queued duty started")
				}}}
			},
		},
		{
			name: "decided_wrong_id_or_idle_is_noop",
			steps: func(c *cluster) []step {
				return []step{
					{ev: c.decided(c.attData(17, 1)), want: []Output{ignored(IgnoredNotCurrent, 17)}},
					{ev: ServeAttestationDuty{Duty: c.attDuty(17)}, want: []Output{c.startAtt(c.attDuty(17))}},
					{ev: c.decided(c.attData(25, 1)), want: []Output{ignored(IgnoredNotCurrent, 25)}, check: func(t *testing.T, st *State) {
						expect(t, st.CurrentAttestationDuty().Slot == 17, "17 stays current")
					}},
				}
			},
		},
		{
			// Dafny main accepts data whose slot differs from the id; v2 and
			// the Go spec ignore it.
			name:  "decided_data_slot_mismatch",
			setup: func(c *cluster) []Event { return []Event{ServeAttestationDuty{Duty: c.attDuty(17)}} },
			steps: func(c *cluster) []step {
				ev := AttestationConsensusDecided{ID: c.id(consensus.DutyAttester, 17), Data: c.attData(18, 1)}
				return []step{{ev: ev, want: []Output{ignored(IgnoredDecidedSlotMismatch, 17)}, check: func(t *testing.T, st *State) {
					expect(t, st.CurrentAttestationDuty().Slot == 17, "17 stays current")
				}}}
			},
		},
		{
			name: "decided_instance_remains_active_until_block",
			setup: func(c *cluster) []Event {
				return []Event{ServeAttestationDuty{Duty: c.attDuty(17)}, c.decided(c.attData(17, 1))}
			},
			steps: func(c *cluster) []step {
				data := c.attData(17, 1)
				return []step{
					{ev: ReceivedAttestationShare{Share: c.attShare(2, data)}, want: nil, check: func(t *testing.T, st *State) {
						expect(t, len(st.ActiveInstances(c.cfg(1))) == 1, "the decided instance is still active")
						expect(t, len(st.Snapshot().Attester.ReceivedShares) == 1, "the share was stored")
					}},
					{ev: c.imported(20, data), want: []Output{c.stop(consensus.DutyAttester, 17)}, check: func(t *testing.T, st *State) {
						expect(t, len(st.ActiveInstances(c.cfg(1))) == 0, "the block stopped it")
					}},
				}
			},
		},
		{
			name: "future_decided_head_skipped_while_current_active",
			setup: func(c *cluster) []Event {
				return []Event{ServeAttestationDuty{Duty: c.attDuty(17)}, c.imported(26, c.attData(25, 1))}
			},
			steps: func(c *cluster) []step {
				return []step{{ev: ServeAttestationDuty{Duty: c.attDuty(25)}, want: []Output{c.update(consensus.DutyAttester, 17)}, check: func(t *testing.T, st *State) {
					expect(t, c.dbHasAttestation(st, c.attData(25, 1)), "the on-chain decision for 25 is in the DB")
					expect(t, st.CurrentAttestationDuty().Slot == 17 && len(st.AttestationDutyQueue()) == 0, "17 current, 25 skipped")
					// Target 3 is now the minimum target: every slot-17 value
					// (target 2) is refused by EIP-3076 condition 5.
					err := ValidityFor(c.cfg(1), st, c.id(consensus.DutyAttester, 17))(encodeData(t, c.attData(17, 1)))
					expect(t, errors.Is(err, slashing.ErrTargetBelowMinimum), "refreshed predicate: %v", err)
				}}}
			},
		},
		{
			name: "block_decides_current_duty",
			setup: func(c *cluster) []Event {
				return []Event{
					ServeAttestationDuty{Duty: c.attDuty(17)}, ServeAttestationDuty{Duty: c.attDuty(25)},
					ReceivedAttestationShare{Share: c.attShare(2, c.attData(17, 1))},
				}
			},
			steps: func(c *cluster) []step {
				data := c.attData(17, 1)
				return []step{{ev: c.imported(20, data), want: []Output{
					c.stop(consensus.DutyAttester, 17), c.startAtt(c.attDuty(25)), c.update(consensus.DutyAttester, 25),
				}, check: func(t *testing.T, st *State) {
					expect(t, c.dbHasAttestation(st, data), "DB updated")
					expect(t, st.CurrentAttestationDuty().Slot == 25, "next duty started")
					snap := st.Snapshot().Attester
					expect(t, len(snap.ReceivedShares) == 0 && len(snap.SharesToBroadcast) == 0, "shares of 17 cleaned")
				}}}
			},
		},
		{
			name: "block_decides_future_slot_then_duty_served_is_skipped",
			setup: func(c *cluster) []Event {
				return []Event{ServeAttestationDuty{Duty: c.attDuty(17)}, c.decided(c.attData(17, 1)), c.imported(26, c.attData(17, 1), c.attData(25, 1))}
			},
			steps: func(c *cluster) []step {
				return []step{{ev: ServeAttestationDuty{Duty: c.attDuty(25)}, want: nil, check: func(t *testing.T, st *State) {
					expect(t, c.dbHasAttestation(st, c.attData(25, 1)), "decision for 25 in the DB")
					expect(t, st.CurrentAttestationDuty() == nil && len(st.ActiveInstances(c.cfg(1))) == 0, "no consensus for 25")
					expect(t, len(st.Snapshot().Attester.FutureDecided) == 0, "consumed")
				}}}
			},
		},
		{
			name: "block_for_past_slot_not_stored",
			setup: func(c *cluster) []Event {
				return []Event{ServeAttestationDuty{Duty: c.attDuty(17)}, c.decided(c.attData(17, 1)), ServeAttestationDuty{Duty: c.attDuty(25)}}
			},
			steps: func(c *cluster) []step {
				return []step{{ev: c.imported(26, c.attData(17, 1)), want: []Output{c.stop(consensus.DutyAttester, 17)}, check: func(t *testing.T, st *State) {
					expect(t, len(st.Snapshot().Attester.FutureDecided) == 0, "a past decision is not stored")
					expect(t, st.CurrentAttestationDuty().Slot == 25, "25 stays current")
				}}}
			},
		},
		{
			name:  "block_duplicate_decisions_merge",
			setup: func(c *cluster) []Event { return []Event{ServeAttestationDuty{Duty: c.attDuty(17)}} },
			steps: func(c *cluster) []step {
				a, b := c.attData(33, 1), c.attData(33, 2)
				return []step{
					{ev: c.imported(34, a), want: nil},
					{ev: c.imported(35, b), want: nil, check: func(t *testing.T, st *State) {
						fd := st.Snapshot().Attester.FutureDecided
						expect(t, len(fd) == 1 && sameData(fd[0], b), "the newer decision wins")
					}},
				}
			},
		},
		{
			name:  "block_attestation_not_mine",
			setup: func(c *cluster) []Event { return []Event{ServeAttestationDuty{Duty: c.attDuty(17)}} },
			steps: func(c *cluster) []step {
				data := c.attData(25, 1)
				noFuture := func(t *testing.T, st *State) {
					expect(t, len(st.Snapshot().Attester.FutureDecided) == 0, "nothing learnt")
				}
				unknown := c.imported(26, data)
				unknown.ValidatorIndex = nil
				notInCommittee := c.imported(26, data)
				notInCommittee.Committees = []*BeaconCommittee{committee(25, 0), {Slot: 25, Index: 1, Validators: []phase0.ValidatorIndex{1, 2, 3, 4, 5, 6, 7, 8}}}
				bitUnset := c.imported(26)
				bitUnset.Block = c.block(26, 7, phase0.BLSSignature{}, 0, c.onChainAtt(data, false))
				bitUnset.Committees = []*BeaconCommittee{committee(25, 0), committee(25, 1)}
				short := c.imported(26)
				short.Committees = []*BeaconCommittee{committee(25, 0), committee(25, 1)}
				bits := bitfield.NewBitlist(3) // the validator's position 5 (or 13) is beyond the bits
				bits.SetBitAt(0, true)
				if c.electra() {
					short.Block = c.block(26, 7, phase0.BLSSignature{}, 0, electraAtt(data, bits, 0, 1))
				} else {
					short.Block = c.block(26, 7, phase0.BLSSignature{}, 0, &phase0.Attestation{AggregationBits: bits, Data: data})
				}
				return []step{
					{ev: unknown, want: nil, check: noFuture},
					{ev: notInCommittee, want: nil, check: noFuture},
					{ev: bitUnset, want: nil, check: noFuture},
					{ev: short, want: nil, check: noFuture},
				}
			},
		},
		{
			// Dafny submits again for every share after the threshold; the
			// Go spec submits once (amendment A5).
			name: "share_threshold_reached_submits_once_per_share",
			setup: func(c *cluster) []Event {
				return []Event{ServeAttestationDuty{Duty: c.attDuty(17)}, c.decided(c.attData(17, 1))}
			},
			steps: func(c *cluster) []step {
				data := c.attData(17, 1)
				return []step{
					{ev: ReceivedAttestationShare{Share: c.attShare(1, data)}},
					{ev: ReceivedAttestationShare{Share: c.attShare(2, data)}},
					{ev: ReceivedAttestationShare{Share: c.attShare(3, data)}, want: []Output{c.submittedAtt(data)}},
					{ev: ReceivedAttestationShare{Share: c.attShare(4, data)}, want: []Output{ignored(IgnoredAlreadySubmitted, 17)}},
				}
			},
		},
		{
			name:  "share_below_threshold_no_submit",
			setup: func(c *cluster) []Event { return []Event{ServeAttestationDuty{Duty: c.attDuty(17)}} },
			steps: func(c *cluster) []step {
				data := c.attData(17, 1)
				return []step{
					{ev: ReceivedAttestationShare{Share: c.attShare(2, data)}},
					{ev: ReceivedAttestationShare{Share: c.attShare(3, data)}, check: func(t *testing.T, st *State) {
						// Dafny v2 drops the updated state here (defect D1).
						expect(t, len(st.Snapshot().Attester.ReceivedShares) == 2, "both shares kept")
					}},
				}
			},
		},
		{
			// Dafny resubmits the same attestation for a repeated share; the
			// Go spec ignores the repeat (amendment A5).
			name: "duplicate_share_after_threshold_resubmits_same_attestation",
			setup: func(c *cluster) []Event {
				d := c.attData(17, 1)
				return []Event{ServeAttestationDuty{Duty: c.attDuty(17)},
					ReceivedAttestationShare{Share: c.attShare(1, d)}, ReceivedAttestationShare{Share: c.attShare(2, d)}, ReceivedAttestationShare{Share: c.attShare(3, d)}}
			},
			steps: func(c *cluster) []step {
				return []step{{ev: ReceivedAttestationShare{Share: c.attShare(2, c.attData(17, 1))}, want: []Output{ignored(IgnoredDuplicateShare, 17)}}}
			},
		},
		{
			// Node 4's share of B sits in its own bucket; its share of A is
			// a valid share of A and counts (amendment A22).
			name:  "byzantine_share_different_data_not_combined",
			setup: func(c *cluster) []Event { return []Event{ServeAttestationDuty{Duty: c.attDuty(17)}} },
			steps: func(c *cluster) []step {
				a, b := c.attData(17, 1), c.attData(17, 2)
				return []step{
					{ev: ReceivedAttestationShare{Share: c.attShare(1, a)}},
					{ev: ReceivedAttestationShare{Share: c.attShare(2, a)}},
					{ev: ReceivedAttestationShare{Share: c.attShare(4, b)}},
					{ev: ReceivedAttestationShare{Share: c.attShare(4, a)}, want: []Output{c.submittedAtt(a)}},
					{ev: ReceivedAttestationShare{Share: c.attShare(3, a)}, want: []Output{ignored(IgnoredAlreadySubmitted, 17)}},
				}
			},
		},
		{
			name:  "signer_messages_per_slot_bounded",
			setup: func(c *cluster) []Event { return []Event{ServeAttestationDuty{Duty: c.attDuty(17)}} },
			steps: func(c *cluster) []step {
				var out []step
				for tag := byte(2); tag < 2+MaxMessagesPerSigner; tag++ {
					out = append(out, step{ev: ReceivedAttestationShare{Share: c.attShare(4, c.attData(17, tag))}})
				}
				return append(out,
					step{ev: ReceivedAttestationShare{Share: c.attShare(4, c.attData(17, 9))}, want: []Output{ignored(IgnoredSignerEquivocated, 17)}},
					// The stored ones already have the duty's fields: no room.
					step{ev: ReceivedAttestationShare{Share: c.attShare(4, c.attData(17, 1))}, want: []Output{ignored(IgnoredSignerEquivocated, 17)}, check: func(t *testing.T, st *State) {
						expect(t, len(st.Snapshot().Attester.ReceivedShares) == MaxMessagesPerSigner, "%d shares stored", len(st.Snapshot().Attester.ReceivedShares))
					}},
				)
			},
		},
		{
			// Before its duty the node cannot tell the odd bits from the
			// duty's: the share sits in a bucket of its own.
			name: "same_data_different_bits_bucketed_separately",
			fork: eth2spec.DataVersionDeneb,
			steps: func(c *cluster) []step {
				a := c.attData(17, 1)
				other := c.attShare(3, a)
				other.AggregationBits = bitfield.Bitlist{0x01, 0x01} // bit 0 of 8: the signature does not cover bits
				return []step{
					{ev: ReceivedAttestationShare{Share: c.attShare(1, a)}},
					{ev: ReceivedAttestationShare{Share: c.attShare(2, a)}},
					{ev: ReceivedAttestationShare{Share: other}, check: func(t *testing.T, st *State) {
						expect(t, len(st.Snapshot().Attester.ReceivedShares) == 3, "three shares in two buckets, none combined")
					}},
					{ev: ReceivedAttestationShare{Share: c.attShare(4, a)}, want: []Output{c.submittedAtt(a)}},
				}
			},
		},
		{
			// Issue 12: a relay's copy of node 3's share with other
			// aggregation bits, delivered before the genuine share, does not
			// keep the genuine one out (amendment A22).
			name: "forged_bits_copy_first_genuine_still_combines",
			fork: eth2spec.DataVersionDeneb,
			steps: func(c *cluster) []step {
				a := c.attData(17, 1)
				forged := c.attShare(3, a)
				forged.AggregationBits = bitfield.Bitlist{0x02, 0x01}
				return []step{
					{ev: ReceivedAttestationShare{Share: forged}},
					{ev: ReceivedAttestationShare{Share: c.attShare(1, a)}},
					{ev: ReceivedAttestationShare{Share: c.attShare(2, a)}},
					{ev: ReceivedAttestationShare{Share: c.attShare(3, a)}, want: []Output{c.submittedAtt(a)}},
				}
			},
		},
		{
			// The same with Electra's committee index, outside the signature
			// since data.index is 0.
			name: "forged_committee_index_copy_first_genuine_still_combines",
			steps: func(c *cluster) []step {
				a := c.attData(17, 1)
				forged := c.attShare(3, a)
				forged.CommitteeIndex = 0
				return []step{
					{ev: ReceivedAttestationShare{Share: forged}},
					{ev: ReceivedAttestationShare{Share: c.attShare(1, a)}},
					{ev: ReceivedAttestationShare{Share: c.attShare(2, a)}},
					{ev: ReceivedAttestationShare{Share: c.attShare(3, a)}, want: []Output{c.submittedAtt(a)}},
				}
			},
		},
		{
			name:  "forged_unsigned_fields_refused_once_duty_known",
			setup: func(c *cluster) []Event { return []Event{ServeAttestationDuty{Duty: c.attDuty(17)}} },
			steps: func(c *cluster) []step {
				a := c.attData(17, 1)
				bits := c.attShare(2, a)
				bits.AggregationBits = bitfield.Bitlist{0x02, 0x01}
				index := c.attShare(2, a)
				index.CommitteeIndex = 0
				return []step{
					{ev: ReceivedAttestationShare{Share: bits}, wantErr: ErrFieldsDiffer},
					{ev: ReceivedAttestationShare{Share: index}, wantErr: ErrInvalidShare},
					{ev: ReceivedAttestationShare{Share: c.attShare(2, a)}},
					{ev: ReceivedAttestationShare{Share: c.attShare(3, a)}},
					{ev: ReceivedAttestationShare{Share: c.attShare(4, a)}, want: []Output{c.submittedAtt(a)}},
				}
			},
		},
		{
			// A relay fills node 3's room at slot 17 with forged copies
			// before the duty; once the duty is served, the genuine share
			// (resent) still gets in.
			name: "forged_copies_before_duty_cannot_exhaust_signer_room",
			fork: eth2spec.DataVersionDeneb,
			steps: func(c *cluster) []step {
				a := c.attData(17, 1)
				var out []step
				for k := 0; k < MaxMessagesPerSigner; k++ {
					forged := c.attShare(3, a)
					forged.AggregationBits = bitfield.Bitlist{1 << k, 0x01}
					out = append(out, step{ev: ReceivedAttestationShare{Share: forged}})
				}
				return append(out,
					step{ev: ReceivedAttestationShare{Share: c.attShare(3, a)}, want: []Output{ignored(IgnoredSignerEquivocated, 17)}},
					step{ev: ServeAttestationDuty{Duty: c.attDuty(17)}, want: []Output{c.startAtt(c.attDuty(17))}},
					step{ev: ReceivedAttestationShare{Share: c.attShare(3, a)}},
					step{ev: ReceivedAttestationShare{Share: c.attShare(1, a)}},
					step{ev: ReceivedAttestationShare{Share: c.attShare(2, a)}, want: []Output{c.submittedAtt(a)}},
				)
			},
		},
		{
			name:  "invalid_signature_share_ignored_by_oracle",
			setup: func(c *cluster) []Event { return []Event{ServeAttestationDuty{Duty: c.attDuty(17)}} },
			steps: func(c *cluster) []step {
				a := c.attData(17, 1)
				garbage := c.attShare(2, a)
				garbage.Signature = phase0.BLSSignature{0xc0}
				impostor := c.attShare(2, a)
				impostor.ShareIndex = 3 // node 2's signature claimed as node 3's
				unknown := c.attShare(2, a)
				unknown.ShareIndex = 9
				wrongData := c.attShare(2, c.attData(17, 2))
				wrongData.Data = a // signature over other data
				return []step{
					{ev: ReceivedAttestationShare{Share: garbage}, wantErr: ErrInvalidShare},
					{ev: ReceivedAttestationShare{Share: impostor}, wantErr: ErrInvalidShare},
					{ev: ReceivedAttestationShare{Share: unknown}, wantErr: ErrInvalidShare},
					{ev: ReceivedAttestationShare{Share: wrongData}, wantErr: ErrInvalidShare, check: func(t *testing.T, st *State) {
						expect(t, len(st.Snapshot().Attester.ReceivedShares) == 0, "nothing stored")
					}},
				}
			},
		},
		{
			name: "share_filter_before_any_duty_accepted",
			steps: func(c *cluster) []step {
				return []step{{ev: ReceivedAttestationShare{Share: c.attShare(2, c.attData(17, 1))}, check: func(t *testing.T, st *State) {
					expect(t, len(st.Snapshot().Attester.ReceivedShares) == 1, "stored")
				}}}
			},
		},
		{
			name:  "share_filter_below_min_active_dropped",
			setup: func(c *cluster) []Event { return []Event{ServeAttestationDuty{Duty: c.attDuty(25)}} },
			steps: func(c *cluster) []step {
				return []step{{ev: ReceivedAttestationShare{Share: c.attShare(2, c.attData(17, 1))}, want: []Output{ignored(IgnoredShareFiltered, 17)}}}
			},
		},
		{
			name: "share_filter_idle_after_latest_accepted",
			setup: func(c *cluster) []Event {
				return []Event{ServeAttestationDuty{Duty: c.attDuty(17)}, c.decided(c.attData(17, 1)), c.imported(20, c.attData(17, 1))}
			},
			steps: func(c *cluster) []step {
				return []step{{ev: ReceivedAttestationShare{Share: c.attShare(2, c.attData(25, 1))}, check: func(t *testing.T, st *State) {
					expect(t, len(st.Snapshot().Attester.ReceivedShares) == 1, "stored")
				}}}
			},
		},
		{
			name: "share_filter_idle_at_latest_dropped",
			setup: func(c *cluster) []Event {
				return []Event{ServeAttestationDuty{Duty: c.attDuty(17)}, c.decided(c.attData(17, 1)), c.imported(20, c.attData(17, 1))}
			},
			steps: func(c *cluster) []step {
				return []step{{ev: ReceivedAttestationShare{Share: c.attShare(2, c.attData(17, 1))}, want: []Output{ignored(IgnoredShareFiltered, 17)}}}
			},
		},
		{
			// The Dafny TODO: with an older instance still active, shares of
			// a slot a block cleaned up are accepted again. Amendment A6
			// drops them.
			name: "share_readded_after_block_cleanup",
			setup: func(c *cluster) []Event {
				return []Event{
					ServeAttestationDuty{Duty: c.attDuty(17)}, c.decided(c.attData(17, 1)),
					ServeAttestationDuty{Duty: c.attDuty(25)}, c.decided(c.attData(25, 1)),
					c.imported(27, c.attData(25, 1)),
				}
			},
			steps: func(c *cluster) []step {
				return []step{{ev: ReceivedAttestationShare{Share: c.attShare(2, c.attData(25, 1))}, want: []Output{ignored(IgnoredSlotCompleted, 25)}}}
			},
		},
		{
			name: "resend_sends_all_pending",
			setup: func(c *cluster) []Event {
				return []Event{ServeAttestationDuty{Duty: c.attDuty(17)}, c.decided(c.attData(17, 1)), ServeAttestationDuty{Duty: c.attDuty(25)}, c.decided(c.attData(25, 1))}
			},
			steps: func(c *cluster) []step {
				return []step{{ev: ResendAttestationShares{}, want: []Output{c.bcast(c.attShare(1, c.attData(17, 1))), c.bcast(c.attShare(1, c.attData(25, 1)))}}}
			},
		},
		{
			name: "no_resend_after_block_inclusion",
			setup: func(c *cluster) []Event {
				return []Event{ServeAttestationDuty{Duty: c.attDuty(17)}, c.decided(c.attData(17, 1)), ServeAttestationDuty{Duty: c.attDuty(25)}, c.decided(c.attData(25, 1)),
					c.imported(26, c.attData(17, 1))}
			},
			steps: func(c *cluster) []step {
				return []step{{ev: ResendAttestationShares{}, want: []Output{c.bcast(c.attShare(1, c.attData(25, 1)))}}}
			},
		},
		{
			// Pre-Electra: the combined attestation is a phase0 Attestation
			// with the Ethereum-correct aggregation bits.
			name: "deneb_combined_attestation_has_committee_position_bits",
			fork: eth2spec.DataVersionDeneb,
			setup: func(c *cluster) []Event {
				d := c.attData(17, 1)
				return []Event{ServeAttestationDuty{Duty: c.attDuty(17)}, ReceivedAttestationShare{Share: c.attShare(1, d)}, ReceivedAttestationShare{Share: c.attShare(2, d)}}
			},
			steps: func(c *cluster) []step {
				return []step{{ev: ReceivedAttestationShare{Share: c.attShare(3, c.attData(17, 1))}, want: []Output{c.submittedAtt(c.attData(17, 1))}}}
			},
		},
		{
			// Electra: an imported block's attestation with committee bits
			// {0, 1}: the validator's vote is bit 8+5 (amendment A3).
			name:  "electra_imported_block_committee_bits",
			setup: func(c *cluster) []Event { return []Event{ServeAttestationDuty{Duty: c.attDuty(17)}} },
			steps: func(c *cluster) []step {
				return []step{{ev: c.imported(20, c.attData(17, 1)), want: []Output{c.stop(consensus.DutyAttester, 17)}, check: func(t *testing.T, st *State) {
					expect(t, c.dbHasAttestation(st, c.attData(17, 1)), "decision learnt from the Electra attestation")
				}}}
			},
		},
		{
			name:  "imported_block_missing_committee_is_an_error",
			setup: func(c *cluster) []Event { return []Event{ServeAttestationDuty{Duty: c.attDuty(17)}} },
			steps: func(c *cluster) []step {
				ev := c.imported(20, c.attData(17, 1))
				ev.Committees = ev.Committees[:1]
				wrongIndex := c.imported(20, c.attData(17, 1))
				other := phase0.ValidatorIndex(43)
				wrongIndex.ValidatorIndex = &other
				return []step{{ev: ev, wantErr: ErrInconsistentOracle}, {ev: wrongIndex, wantErr: ErrInconsistentOracle}}
			},
		},
		{
			// A decided value that this node's own predicate refuses is not
			// signed (spec.py asserts consensus_is_valid_attestation_data).
			name:  "decided_value_failing_own_predicate_not_signed",
			pre:   preDB(t, [3]uint64{1, 2, 1}),
			setup: func(c *cluster) []Event { return []Event{ServeAttestationDuty{Duty: c.attDuty(17)}} },
			steps: func(c *cluster) []step {
				return []step{{ev: c.decided(c.attData(17, 1)), want: []Output{ignored(IgnoredDecidedInvalid, 17)}, check: func(t *testing.T, st *State) {
					expect(t, st.CurrentAttestationDuty() == nil, "the duty is over")
					expect(t, len(st.Snapshot().Attester.SharesToBroadcast) == 0, "nothing signed")
				}}}
			},
		},
		{
			name: "share_beyond_horizon_dropped",
			setup: func(c *cluster) []Event {
				return []Event{ServeAttestationDuty{Duty: c.attDuty(17)}}
			},
			steps: func(c *cluster) []step {
				far := c.attData(17+16+1, 1) // latest 17 + 2 epochs + 1
				return []step{{ev: ReceivedAttestationShare{Share: c.attShare(2, far)}, want: []Output{ignored(IgnoredBeyondHorizon, far.Slot)}}}
			},
		},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, sc.run)
	}
}

func electraAtt(data *phase0.AttestationData, bits bitfield.Bitlist, committees ...int) any {
	cb := bitfield.Bitvector64(make([]byte, 1)) // Bitvector[MAX_COMMITTEES_PER_SLOT = 4] of the minimal preset
	for _, c := range committees {
		cb[c/8] |= 1 << (c % 8) // SetBitAt refuses a Bitvector64 of another size
	}
	return &electra.Attestation{AggregationBits: bits, Data: data, CommitteeBits: cb}
}

// TestAggregationBitsFormation is the digest's aggregation_bits_formation
// scenario: the Dafny get_aggregation_bits (index 0 gives [], index 3 gives
// [F, F, T]) and the Ethereum-correct form (amendment A1).
func TestAggregationBitsFormation(t *testing.T) {
	t.Run("aggregation_bits_formation", func(t *testing.T) {
		if got := DafnyAggregationBits(0); len(got) != 0 {
			t.Fatalf("index 0: %v", got)
		}
		if got := DafnyAggregationBits(3); len(got) != 3 || got[0] || got[1] || !got[2] {
			t.Fatalf("index 3: %v", got)
		}
		c := newCluster(t, 4, eth2spec.DataVersionElectra, ModeRemoteSigner)
		bits, err := AggregationBits(c.attDuty(17))
		if err != nil {
			t.Fatal(err)
		}
		if string(bits) != string(ethBits()) {
			t.Fatalf("Ethereum bits %x, want %x", []byte(bits), []byte(ethBits()))
		}
		for _, d := range []func(){
			func() { d := c.attDuty(17); d.CommitteeLength = 0; _, err = AggregationBits(d) },
			func() { d := c.attDuty(17); d.ValidatorCommitteeIndex = 8; _, err = AggregationBits(d) },
			func() { d := c.attDuty(17); d.CommitteeLength = 2049; _, err = AggregationBits(d) },
		} {
			d()
			if !errors.Is(err, ErrMalformedEvent) {
				t.Fatalf("malformed duty accepted: %v", err)
			}
		}
	})
}

// TestAttestationValidityVectors are the digest's slashing-predicate
// scenarios (item 17), run through ValidityFor on an active instance whose
// DB holds the listed records (source, target).
func TestAttestationValidityVectors(t *testing.T) {
	type tc struct {
		name    string
		fork    eth2spec.DataVersion
		records [][3]uint64
		slot    phase0.Slot // duty slot
		data    func(c *cluster) *phase0.AttestationData
		want    error
	}
	// Duty at slot 41 (epoch 5).
	cases := []tc{
		{"validity_empty_db", 0, nil, 41, func(c *cluster) *phase0.AttestationData { return c.attDataEpochs(41, 4, 5, 1) }, nil},
		{"validity_target_at_or_below_min_target", 0, [][3]uint64{{1, 6, 1}}, 41, func(c *cluster) *phase0.AttestationData { return c.attDataEpochs(41, 4, 5, 1) }, slashing.ErrTargetBelowMinimum},
		{"validity_source_below_min_source", 0, [][3]uint64{{3, 4, 1}}, 41, func(c *cluster) *phase0.AttestationData { return c.attDataEpochs(41, 2, 5, 1) }, slashing.ErrSourceBelowMinimum},
		{"validity_same_target_other_data", 0, [][3]uint64{{0, 1, 1}, {4, 5, 2}}, 41, func(c *cluster) *phase0.AttestationData { return c.attDataEpochs(41, 4, 5, 1) }, slashing.ErrDoubleVote},
		{"validity_new_surrounds_old", 0, [][3]uint64{{1, 2, 1}, {3, 4, 2}}, 41, func(c *cluster) *phase0.AttestationData { return c.attDataEpochs(41, 2, 5, 1) }, slashing.ErrSurroundsExisting},
		{"validity_old_surrounds_new", 0, [][3]uint64{{0, 1, 1}, {1, 6, 2}}, 41, func(c *cluster) *phase0.AttestationData { return c.attDataEpochs(41, 2, 5, 1) }, slashing.ErrSurroundedByExisting},
		{"validity_source_not_before_target", 0, nil, 41, func(c *cluster) *phase0.AttestationData { return c.attDataEpochs(41, 5, 5, 1) }, consensus.ErrSourceNotBeforeTarget},
		{"validity_wrong_slot", 0, nil, 41, func(c *cluster) *phase0.AttestationData { return c.attDataEpochs(42, 4, 5, 1) }, consensus.ErrSlotMismatch},
		{"validity_wrong_committee_index_deneb", eth2spec.DataVersionDeneb, nil, 41, func(c *cluster) *phase0.AttestationData {
			d := c.attDataEpochs(41, 4, 5, 1)
			d.Index = 0
			return d
		}, consensus.ErrCommitteeIndexMismatch},
		{"validity_nonzero_index_electra", 0, nil, 41, func(c *cluster) *phase0.AttestationData {
			d := c.attDataEpochs(41, 4, 5, 1)
			d.Index = 1
			return d
		}, consensus.ErrCommitteeIndexNotZero},
	}
	for _, x := range cases {
		t.Run(x.name, func(t *testing.T) {
			fork := x.fork
			if fork == 0 {
				fork = eth2spec.DataVersionElectra
			}
			c := newCluster(t, 4, fork, ModeRemoteSigner)
			st, err := NewState(c.cfg(1), preDB(t, x.records...))
			if err != nil {
				t.Fatal(err)
			}
			st, _, err = Step(c.cfg(1), st, ServeAttestationDuty{Duty: c.attDuty(x.slot)}, c.oracles(1))
			if err != nil {
				t.Fatal(err)
			}
			err = ValidityFor(c.cfg(1), st, c.id(consensus.DutyAttester, x.slot))(encodeData(t, x.data(c)))
			if x.want == nil && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if x.want != nil && !errors.Is(err, x.want) {
				t.Fatalf("got %v, want %v", err, x.want)
			}
		})
	}
	t.Run("validity_same_target_identical_data", func(t *testing.T) {
		// The repeat of the decided value stays valid (EIP-3076 repeat
		// exception; the Dafny rule has none).
		c := newCluster(t, 4, eth2spec.DataVersionElectra, ModeRemoteSigner)
		st := c.fresh(1)
		var err error
		for _, ev := range []Event{ServeAttestationDuty{Duty: c.attDuty(17)}, c.decided(c.attData(17, 1))} {
			if st, _, err = Step(c.cfg(1), st, ev, c.oracles(1)); err != nil {
				t.Fatal(err)
			}
		}
		v := ValidityFor(c.cfg(1), st, c.id(consensus.DutyAttester, 17))
		if err := v(encodeData(t, c.attData(17, 1))); err != nil {
			t.Fatalf("repeat refused: %v", err)
		}
		if err := v(encodeData(t, c.attData(17, 2))); !errors.Is(err, slashing.ErrDoubleVote) {
			t.Fatalf("other data at the decided target: %v", err)
		}
		if err := v([]byte{1, 2, 3}); !errors.Is(err, consensus.ErrInvalidValue) {
			t.Fatalf("garbage value: %v", err)
		}
	})
}

var _ = networking.KindAttestationShare
