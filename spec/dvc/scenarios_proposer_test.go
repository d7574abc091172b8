package dvc

import (
	"errors"
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

func (c *cluster) startProp(slot phase0.Slot) StartConsensus {
	return StartConsensus{ID: c.id(consensus.DutyProposer, slot), Proposer: &ProposerValidity{Duty: c.propDuty(slot), RandaoReveal: c.reveal(slot)}}
}

func (c *cluster) signedRandao(i int, slot phase0.Slot) Signed {
	in := c.randaoInput(slot)
	return Signed{Kind: SignRandaoReveal, Slot: slot, Input: in, Signature: c.signShare(i, in.SigningRoot)}
}

func (c *cluster) signedBlock(i int, b *eth2spec.VersionedBeaconBlock) Signed {
	in := c.blockInput(b)
	slot, _ := b.Slot()
	return Signed{Kind: SignBlock, Slot: slot, Input: in, Signature: c.signShare(i, in.SigningRoot)}
}

func (c *cluster) submittedBlock(b *eth2spec.VersionedBeaconBlock) SubmitBlock {
	return SubmitBlock{Block: &networking.SignedVersionedBlock{Block: c.versioned(b), Signature: c.signValidator(c.blockInput(b).SigningRoot)}}
}

func (c *cluster) blockDecided(b *eth2spec.VersionedBeaconBlock) BlockConsensusDecided {
	slot, _ := b.Slot()
	return BlockConsensusDecided{ID: c.id(consensus.DutyProposer, slot), Block: b}
}

// proposerReady serves the duty at slot and delivers the RANDAO shares of
// nodes 1..m, so the block instance is running.
func (c *cluster) proposerReady(slot phase0.Slot) []Event {
	evs := []Event{ServeProposerDuty{Duty: c.propDuty(slot)}}
	for i := 1; i <= c.m; i++ {
		evs = append(evs, ReceivedRandaoShare{Share: c.randaoShare(i, slot)})
	}
	return evs
}

func blockDB(t testing.TB, slots ...phase0.Slot) *slashing.SlashingDB {
	db := slashing.New(testGVR)
	pk := testKeys(t, 4, 3).pk
	for _, s := range slots {
		if err := db.InsertBlock(pk, s, &phase0.Root{0xbb, byte(s)}); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// TestProposerScenarios are the block scenarios of the formal-spec digest,
// section 7 (Dafny internal_dvt_proofs_v2 semantics with the amendments).
func TestProposerScenarios(t *testing.T) {
	scenarios := []scenario{
		{
			name: "randao_share_before_duty_then_start",
			steps: func(c *cluster) []step {
				return []step{
					{ev: ReceivedRandaoShare{Share: c.randaoShare(2, 20)}},
					{ev: ReceivedRandaoShare{Share: c.randaoShare(3, 20)}},
					{ev: ServeProposerDuty{Duty: c.propDuty(20)}, want: []Output{c.signedRandao(1, 20), c.bcast(c.randaoShare(1, 20))}},
					{ev: ReceivedRandaoShare{Share: c.randaoShare(1, 20)}, want: []Output{c.startProp(20)}},
				}
			},
		},
		{
			// The v2 functional spec's share filter lacks the "current duty,
			// no instance" disjunct and would drop these (defect D3).
			name:  "randao_share_after_own_duty_accepted_without_instance",
			setup: func(c *cluster) []Event { return []Event{ServeProposerDuty{Duty: c.propDuty(20)}} },
			steps: func(c *cluster) []step {
				return []step{
					{ev: ReceivedRandaoShare{Share: c.randaoShare(2, 20)}},
					{ev: ReceivedRandaoShare{Share: c.randaoShare(3, 20)}},
					{ev: ReceivedRandaoShare{Share: c.randaoShare(1, 20)}, want: []Output{c.startProp(20)}},
				}
			},
		},
		{
			name:  "randao_threshold_starts_instance_once",
			setup: func(c *cluster) []Event { return c.proposerReady(20) },
			steps: func(c *cluster) []step {
				return []step{{ev: ReceivedRandaoShare{Share: c.randaoShare(4, 20)}, want: nil, check: func(t *testing.T, st *State) {
					expect(t, len(st.ActiveInstances(c.cfg(1))) == 1, "one instance")
				}}}
			},
		},
		{
			name:  "decided_block_signed_and_broadcast",
			setup: func(c *cluster) []Event { return c.proposerReady(20) },
			steps: func(c *cluster) []step {
				b := c.dvBlock(20, 1)
				return []step{{ev: c.blockDecided(b), want: []Output{c.signedBlock(1, b), c.bcast(c.blockShare(1, b)), c.update(consensus.DutyProposer, 20)}, check: func(t *testing.T, st *State) {
					expect(t, c.dbHasBlock(st, b), "block in the DB")
					expect(t, st.CurrentProposerDuty() == nil, "duty over (v2 implementation)")
					v := ValidityFor(c.cfg(1), st, c.id(consensus.DutyProposer, 20))
					expect(t, v(mustEncodeBlock(t, c, b)) == nil, "the decided block stays valid")
					err := v(mustEncodeBlock(t, c, c.dvBlock(20, 2)))
					expect(t, errors.Is(err, slashing.ErrDoubleProposal), "another block at the slot: %v", err)
				}}}
			},
		},
		{
			name: "block_share_threshold_submits",
			setup: func(c *cluster) []Event {
				return append(c.proposerReady(20), c.blockDecided(c.dvBlock(20, 1)))
			},
			steps: func(c *cluster) []step {
				b := c.dvBlock(20, 1)
				return []step{
					{ev: ReceivedBlockShare{Share: c.blockShare(1, b)}},
					{ev: ReceivedBlockShare{Share: c.blockShare(2, b)}, check: func(t *testing.T, st *State) {
						// Dafny v2 drops the updated state here (defect D1).
						expect(t, len(st.Snapshot().Proposer.ReceivedBlockShares) == 2, "both shares kept")
					}},
					{ev: ReceivedBlockShare{Share: c.blockShare(3, b)}, want: []Output{c.submittedBlock(b)}},
					{ev: ReceivedBlockShare{Share: c.blockShare(4, b)}, want: []Output{ignored(IgnoredAlreadySubmitted, 20)}},
				}
			},
		},
		{
			name:  "block_shares_of_different_blocks_not_combined",
			setup: func(c *cluster) []Event { return c.proposerReady(20) },
			steps: func(c *cluster) []step {
				a, b := c.dvBlock(20, 1), c.dvBlock(20, 2)
				return []step{
					{ev: ReceivedBlockShare{Share: c.blockShare(1, a)}},
					{ev: ReceivedBlockShare{Share: c.blockShare(2, a)}},
					{ev: ReceivedBlockShare{Share: c.blockShare(4, b)}},
					{ev: ReceivedBlockShare{Share: c.blockShare(3, a)}, want: []Output{c.submittedBlock(a)}},
				}
			},
		},
		{
			name:  "imported_block_for_current_slot_cancels",
			setup: func(c *cluster) []Event { return c.proposerReady(20) },
			steps: func(c *cluster) []step {
				b := c.dvBlock(20, 1)
				return []step{{ev: c.importedDV(b), want: []Output{c.stop(consensus.DutyProposer, 20)}, check: func(t *testing.T, st *State) {
					expect(t, c.dbHasBlock(st, b), "the on-chain block is in the DB")
					expect(t, st.CurrentProposerDuty() == nil, "duty over")
					snap := st.Snapshot().Proposer
					expect(t, len(snap.ReceivedRandaoShares) == 0 && len(snap.RandaoSharesToBroadcast) == 0, "RANDAO shares dropped")
				}}}
			},
		},
		{
			name: "imported_block_future_slot_skips_duty",
			steps: func(c *cluster) []step {
				b := c.dvBlock(28, 1)
				return []step{
					{ev: c.importedDV(b), want: nil},
					// v2 signs and multicasts the RANDAO share before it
					// checks for an on-chain decision.
					{ev: ServeProposerDuty{Duty: c.propDuty(28)}, want: []Output{c.signedRandao(1, 28), c.bcast(c.randaoShare(1, 28))}, check: func(t *testing.T, st *State) {
						expect(t, c.dbHasBlock(st, b), "block in the DB")
						expect(t, st.CurrentProposerDuty() == nil && len(st.ActiveInstances(c.cfg(1))) == 0, "no consensus")
					}},
				}
			},
		},
		{
			// Amendment A7: the Dafny model treats every imported block as
			// the DV's; only blocks with the DV's proposer index count.
			name:  "imported_block_of_other_proposer_ignored",
			setup: func(c *cluster) []Event { return c.proposerReady(20) },
			steps: func(c *cluster) []step {
				other := c.block(20, 7, c.reveal(20), 1)
				return []step{{ev: c.importedDV(other), want: nil, check: func(t *testing.T, st *State) {
					expect(t, st.CurrentProposerDuty() != nil && len(st.ActiveInstances(c.cfg(1))) == 1, "instance still running")
				}}}
			},
		},
		{
			name:  "block_decided_with_wrong_randao_not_signed",
			setup: func(c *cluster) []Event { return c.proposerReady(20) },
			steps: func(c *cluster) []step {
				b := c.block(20, testValidatorIndex, phase0.BLSSignature{0xc0}, 1)
				return []step{{ev: c.blockDecided(b), want: []Output{ignored(IgnoredDecidedInvalid, 20)}}}
			},
		},
		{
			name:  "resend_randao_and_block_shares",
			setup: func(c *cluster) []Event { return append(c.proposerReady(20), c.blockDecided(c.dvBlock(20, 1))) },
			steps: func(c *cluster) []step {
				return []step{
					{ev: ResendRandaoShares{}, want: []Output{c.bcast(c.randaoShare(1, 20))}},
					{ev: ResendBlockShares{}, want: []Output{c.bcast(c.blockShare(1, c.dvBlock(20, 1)))}},
				}
			},
		},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, sc.run)
	}
}

func mustEncodeBlock(t testing.TB, c *cluster, b *eth2spec.VersionedBeaconBlock) []byte {
	t.Helper()
	v, err := consensus.EncodeBlock(c.chain, b)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestBlockValidityVectors are the digest's is_slashable_block scenarios,
// run through ValidityFor on a running block instance.
func TestBlockValidityVectors(t *testing.T) {
	cases := []struct {
		name  string
		prior []phase0.Slot
		same  bool // the prior record at slot 20 is the candidate block itself
		want  error
	}{
		{"block_validity_empty_db", nil, false, nil},
		{"block_validity_below_min_slot", []phase0.Slot{24}, false, slashing.ErrSlotBelowMinimum},
		{"block_validity_same_slot_different_root", []phase0.Slot{20}, false, slashing.ErrDoubleProposal},
		{"block_validity_same_slot_same_root_ok", nil, true, nil},
		{"block_validity_after_history", []phase0.Slot{12}, false, nil},
	}
	for _, x := range cases {
		t.Run(x.name, func(t *testing.T) {
			c := newCluster(t, 4, eth2spec.DataVersionElectra, ModeRemoteSigner)
			b := c.dvBlock(20, 1)
			db := blockDB(t, x.prior...)
			if x.same {
				if err := db.InsertBlock(c.keys.pk, 20, &[]phase0.Root{c.blockInput(b).SigningRoot}[0]); err != nil {
					t.Fatal(err)
				}
			}
			st, err := NewState(c.cfg(1), db)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range c.proposerReady(20) {
				if st, _, err = Step(c.cfg(1), st, ev, c.oracles(1)); err != nil {
					t.Fatal(err)
				}
			}
			err = ValidityFor(c.cfg(1), st, c.id(consensus.DutyProposer, 20))(mustEncodeBlock(t, c, b))
			if x.want == nil && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if x.want != nil && !errors.Is(err, x.want) {
				t.Fatalf("got %v, want %v", err, x.want)
			}
		})
	}
}
