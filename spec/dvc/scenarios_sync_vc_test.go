package dvc

import (
	"testing"

	bitfield "github.com/OffchainLabs/go-bitfield"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// syncDuty: positions 3 and 17 of the sync committee, i.e. subcommittees 0
// and 2 in the minimal preset (8 members per subcommittee).
func (c *cluster) syncDuty() *spec.SyncCommitteeDuty {
	return &spec.SyncCommitteeDuty{Pubkey: c.keys.pk, ValidatorIndex: testValidatorIndex, ValidatorSyncCommitteeIndices: []uint64{3, 17}}
}

func (c *cluster) serveSync(slot phase0.Slot) ServeSyncCommitteeDuty {
	return ServeSyncCommitteeDuty{Duty: c.syncDuty(), Slot: slot, SubcommitteeIndex: 0}
}

func (c *cluster) contribution(slot phase0.Slot, tag byte) *altair.SyncCommitteeContribution {
	return &altair.SyncCommitteeContribution{Slot: slot, BeaconBlockRoot: phase0.Root{0xcc, tag, byte(slot)}, SubcommitteeIndex: 0, AggregationBits: make([]byte, c.chain.Config.SyncSubcommitteeSize()/8)}
}

func (c *cluster) syncInput(slot phase0.Slot, root phase0.Root) signing.SigningInput {
	in, err := c.chain.SyncCommitteeMessage(slot, root)
	if err != nil {
		c.t.Fatal(err)
	}
	return in
}

func (c *cluster) syncShare(i int, contrib *altair.SyncCommitteeContribution) *networking.SyncCommitteeMessageShare {
	return &networking.SyncCommitteeMessageShare{Slot: contrib.Slot, BeaconBlockRoot: contrib.BeaconBlockRoot, ValidatorIndex: testValidatorIndex,
		Signature: c.signShare(i, c.syncInput(contrib.Slot, contrib.BeaconBlockRoot).SigningRoot), ShareIndex: uint64(i)}
}

func (c *cluster) syncDecided(contrib *altair.SyncCommitteeContribution) SyncCommitteeConsensusDecided {
	return SyncCommitteeConsensusDecided{ID: c.id(consensus.DutySyncCommittee, contrib.Slot), Contribution: contrib}
}

func (c *cluster) startSync(slot phase0.Slot) StartConsensus {
	return StartConsensus{ID: c.id(consensus.DutySyncCommittee, slot), SyncCommittee: &SyncCommitteeValidity{Duty: c.syncDuty(), Slot: slot, SubcommitteeIndex: 0}}
}

// TestSyncCommitteeScenarios: the c00dc1e sync committee flow, event
// driven.
func TestSyncCommitteeScenarios(t *testing.T) {
	scenarios := []scenario{
		{
			name: "sync_duty_starts_instance",
			steps: func(c *cluster) []step {
				return []step{{ev: c.serveSync(20), want: []Output{c.startSync(20)}, check: func(t *testing.T, st *State) {
					v := ValidityFor(c.cfg(1), st, c.id(consensus.DutySyncCommittee, 20))
					good, _ := consensus.EncodeSyncCommitteeContribution(c.chain, c.contribution(20, 1))
					expect(t, v(good) == nil, "valid contribution refused")
					other := c.contribution(20, 1)
					other.SubcommitteeIndex = 2
					raw, _ := consensus.EncodeSyncCommitteeContribution(c.chain, other)
					expect(t, v(raw) != nil, "another subcommittee must be refused")
				}}}
			},
		},
		{
			name:  "sync_decided_signs_block_root",
			setup: func(c *cluster) []Event { return []Event{c.serveSync(20)} },
			steps: func(c *cluster) []step {
				contrib := c.contribution(20, 1)
				in := c.syncInput(20, contrib.BeaconBlockRoot)
				return []step{
					{ev: c.syncDecided(contrib), want: []Output{
						Signed{Kind: SignSyncCommitteeMessage, Slot: 20, Input: in, Signature: c.signShare(1, in.SigningRoot)},
						c.bcast(c.syncShare(1, contrib)),
					}},
					{ev: c.syncDecided(contrib), want: []Output{ignored(IgnoredNoInstance, 20)}},
				}
			},
		},
		{
			name:  "sync_shares_combine_once",
			setup: func(c *cluster) []Event { return []Event{c.serveSync(20)} },
			steps: func(c *cluster) []step {
				contrib := c.contribution(20, 1)
				msg := &altair.SyncCommitteeMessage{Slot: 20, BeaconBlockRoot: contrib.BeaconBlockRoot, ValidatorIndex: testValidatorIndex,
					Signature: c.signValidator(c.syncInput(20, contrib.BeaconBlockRoot).SigningRoot)}
				return []step{
					{ev: ReceivedSyncCommitteeMessageShare{Share: c.syncShare(2, contrib)}},
					{ev: ReceivedSyncCommitteeMessageShare{Share: c.syncShare(3, contrib)}},
					{ev: ReceivedSyncCommitteeMessageShare{Share: c.syncShare(4, contrib)}, want: []Output{SubmitSyncCommitteeMessage{Message: msg}}},
					{ev: ReceivedSyncCommitteeMessageShare{Share: c.syncShare(1, contrib)}, want: []Output{ignored(IgnoredAlreadySubmitted, 20)}},
				}
			},
		},
		{
			name:  "sync_new_slot_stops_old_instances",
			setup: func(c *cluster) []Event { return []Event{c.serveSync(20), c.syncDecided(c.contribution(20, 1))} },
			steps: func(c *cluster) []step {
				return []step{
					{ev: c.serveSync(21), want: []Output{c.stop(consensus.DutySyncCommittee, 20), c.startSync(21)}, check: func(t *testing.T, st *State) {
						expect(t, len(st.Snapshot().SyncCommittee.SharesToBroadcast) == 0, "old share dropped")
					}},
					{ev: ReceivedSyncCommitteeMessageShare{Share: c.syncShare(2, c.contribution(20, 1))}, want: []Output{ignored(IgnoredShareFiltered, 20)}},
					{ev: c.serveSync(21), wantErr: ErrDutyOutOfOrder},
				}
			},
		},
		{
			// Issue 12: the signature of a sync share covers the block root
			// and the epoch, not the slot; node 2's share of slot 20 moved
			// to slot 21 by a relay, delivered first, does not keep node
			// 2's genuine share of slot 21 out (amendment A22).
			name:  "sync_forged_slot_copy_first_genuine_still_combines",
			setup: func(c *cluster) []Event { return []Event{c.serveSync(21)} },
			steps: func(c *cluster) []step {
				contrib := c.contribution(21, 1)
				forged := c.syncShare(2, c.contribution(20, 1))
				forged.Slot = 21
				msg := &altair.SyncCommitteeMessage{Slot: 21, BeaconBlockRoot: contrib.BeaconBlockRoot, ValidatorIndex: testValidatorIndex,
					Signature: c.signValidator(c.syncInput(21, contrib.BeaconBlockRoot).SigningRoot)}
				return []step{
					{ev: ReceivedSyncCommitteeMessageShare{Share: forged}},
					{ev: ReceivedSyncCommitteeMessageShare{Share: c.syncShare(2, contrib)}},
					{ev: ReceivedSyncCommitteeMessageShare{Share: c.syncShare(3, contrib)}},
					{ev: ReceivedSyncCommitteeMessageShare{Share: c.syncShare(4, contrib)}, want: []Output{SubmitSyncCommitteeMessage{Message: msg}}},
				}
			},
		},
		{
			name:  "sync_forged_slot_copy_refused_after_decision",
			setup: func(c *cluster) []Event { return []Event{c.serveSync(21), c.syncDecided(c.contribution(21, 1))} },
			steps: func(c *cluster) []step {
				forged := c.syncShare(2, c.contribution(20, 1))
				forged.Slot = 21
				return []step{
					{ev: ReceivedSyncCommitteeMessageShare{Share: forged}, wantErr: ErrFieldsDiffer},
					{ev: ReceivedSyncCommitteeMessageShare{Share: c.syncShare(2, c.contribution(21, 1))}},
				}
			},
		},
		{
			name: "sync_duty_before_altair_rejected",
			fork: eth2spec.DataVersionPhase0,
			steps: func(c *cluster) []step {
				return []step{{ev: c.serveSync(20), wantErr: ErrMalformedEvent}}
			},
		},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, sc.run)
	}
}

// TestVCMiddlewareScenarios: the c00dc1e architecture. The DVC caches the
// decided value for the VC, captures the VC's submission signed with its
// key share, and broadcasts it as this node's share.
func TestVCMiddlewareScenarios(t *testing.T) {
	scenarios := []scenario{
		{
			name: "vc_attestation_cached_then_captured_and_broadcast",
			mode: ModeVCMiddleware,
			setup: func(c *cluster) []Event {
				return []Event{ServeAttestationDuty{Duty: c.attDuty(17)}}
			},
			steps: func(c *cluster) []step {
				data := c.attData(17, 1)
				share := c.attShare(1, data)
				vcAtt := &networking.SignedAttestation{Version: c.fork, Electra: &electra.SingleAttestation{CommitteeIndex: 1, AttesterIndex: testValidatorIndex, Data: data, Signature: share.Signature}}
				return []step{
					{ev: c.decided(data), want: []Output{CacheAttestationDataForVC{Duty: c.attDuty(17), Data: data}, c.update(consensus.DutyAttester, 17)}, check: func(t *testing.T, st *State) {
						expect(t, c.dbHasAttestation(st, data), "the DB is updated at decision time")
					}},
					{ev: CapturedAttestation{Attestation: vcAtt}, want: []Output{c.bcast(share)}},
					{ev: CapturedAttestation{Attestation: vcAtt}, want: []Output{ignored(IgnoredAlreadyCaptured, 17)}},
					{ev: ResendAttestationShares{}, want: []Output{c.bcast(share)}},
				}
			},
		},
		{
			name:  "vc_capture_for_undecided_or_other_data_rejected",
			mode:  ModeVCMiddleware,
			setup: func(c *cluster) []Event { return []Event{ServeAttestationDuty{Duty: c.attDuty(17)}} },
			steps: func(c *cluster) []step {
				data := c.attData(17, 1)
				mk := func(d *phase0.AttestationData, sig phase0.BLSSignature) CapturedAttestation {
					return CapturedAttestation{Attestation: &networking.SignedAttestation{Version: c.fork, Electra: &electra.SingleAttestation{CommitteeIndex: 1, AttesterIndex: testValidatorIndex, Data: d, Signature: sig}}}
				}
				other := c.attData(17, 2)
				return []step{
					{ev: mk(data, c.attShare(1, data).Signature), wantErr: ErrNotDecided},
					{ev: c.decided(data), want: []Output{CacheAttestationDataForVC{Duty: c.attDuty(17), Data: data}, c.update(consensus.DutyAttester, 17)}},
					{ev: mk(other, c.attShare(1, other).Signature), wantErr: ErrNotDecided},
					{ev: mk(data, c.attShare(2, data).Signature), wantErr: ErrInvalidShare},
				}
			},
		},
		{
			name: "vc_randao_captured_block_cached_then_captured",
			mode: ModeVCMiddleware,
			steps: func(c *cluster) []step {
				b := c.dvBlock(20, 1)
				return []step{
					{ev: ServeProposerDuty{Duty: c.propDuty(20)}, want: nil},
					{ev: CapturedRandaoReveal{Slot: 20, RandaoReveal: c.randaoShare(1, 20).Signature}, want: []Output{c.bcast(c.randaoShare(1, 20))}},
					{ev: ReceivedRandaoShare{Share: c.randaoShare(1, 20)}},
					{ev: ReceivedRandaoShare{Share: c.randaoShare(2, 20)}},
					{ev: ReceivedRandaoShare{Share: c.randaoShare(3, 20)}, want: []Output{c.startProp(20)}},
					{ev: c.blockDecided(b), want: []Output{CacheBlockForVC{Duty: c.propDuty(20), Block: b}, c.update(consensus.DutyProposer, 20)}},
					{ev: CapturedBlock{Block: c.dvBlock(20, 2), Signature: c.blockShare(1, c.dvBlock(20, 2)).Signature}, wantErr: ErrNotDecided},
					{ev: CapturedBlock{Block: b, Signature: c.blockShare(1, b).Signature}, want: []Output{c.bcast(c.blockShare(1, b))}},
				}
			},
		},
		{
			name:  "vc_sync_cached_then_captured",
			mode:  ModeVCMiddleware,
			setup: func(c *cluster) []Event { return []Event{c.serveSync(20)} },
			steps: func(c *cluster) []step {
				contrib := c.contribution(20, 1)
				share := c.syncShare(1, contrib)
				msg := &altair.SyncCommitteeMessage{Slot: 20, BeaconBlockRoot: contrib.BeaconBlockRoot, ValidatorIndex: testValidatorIndex, Signature: share.Signature}
				return []step{
					{ev: c.syncDecided(contrib), want: []Output{CacheSyncCommitteeContributionForVC{Duty: c.syncDuty(), Contribution: contrib}}},
					{ev: CapturedSyncCommitteeMessage{Message: msg}, want: []Output{c.bcast(share)}},
				}
			},
		},
		{
			name: "vc_events_rejected_in_remote_signer_mode",
			steps: func(c *cluster) []step {
				return []step{
					{ev: CapturedRandaoReveal{Slot: 20}, wantErr: ErrWrongMode},
					{ev: CapturedBlock{}, wantErr: ErrWrongMode},
					{ev: CapturedAttestation{}, wantErr: ErrWrongMode},
					{ev: CapturedSyncCommitteeMessage{}, wantErr: ErrWrongMode},
				}
			},
		},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, sc.run)
	}
}

// TestBadEvents: every malformed, foreign or out-of-order event is an error
// that leaves the state unchanged (the harness checks that) and never
// panics (Step does not recover: a panic fails the test).
func TestBadEvents(t *testing.T) {
	scenarios := []scenario{{
		name:  "bad_events_rejected",
		setup: func(c *cluster) []Event { return []Event{ServeAttestationDuty{Duty: c.attDuty(17)}} },
		steps: func(c *cluster) []step {
			foreign := c.attDuty(25)
			foreign.ValidatorIndex = 43
			otherCluster := c.decided(c.attData(17, 1))
			otherCluster.ID.Cluster = phase0.Root{1}
			wrongType := c.decided(c.attData(17, 1))
			wrongType.ID.DutyType = uint64(consensus.DutyProposer)
			foreignShare := c.attShare(2, c.attData(17, 1))
			foreignShare.ValidatorIndex = 43
			noBits := c.attShare(2, c.attData(17, 1))
			noBits.AggregationBits = nil
			twoBits := c.attShare(2, c.attData(17, 1))
			twoBits.AggregationBits = bitfield.Bitlist{0x03, 0x01}
			var nilDuty *ServeAttestationDuty
			badBlockShare := c.blockShare(2, c.dvBlock(20, 1))
			badBlockShare.Block.Block = badBlockShare.Block.Block[:20]
			return []step{
				{ev: nil, wantErr: ErrMalformedEvent},
				{ev: nilDuty, wantErr: ErrMalformedEvent},
				{ev: ServeAttestationDuty{}, wantErr: ErrMalformedEvent},
				{ev: ServeAttestationDuty{Duty: foreign}, wantErr: ErrWrongValidator},
				{ev: ServeAttestationDuty{Duty: c.attDuty(17)}, wantErr: ErrDutyOutOfOrder},
				{ev: ServeAttestationDuty{Duty: c.attDuty(9)}, wantErr: ErrDutyOutOfOrder},
				{ev: otherCluster, wantErr: ErrWrongValidator},
				{ev: wrongType, wantErr: ErrMalformedEvent},
				{ev: AttestationConsensusDecided{ID: c.id(consensus.DutyAttester, 17)}, wantErr: ErrMalformedEvent},
				{ev: ReceivedAttestationShare{}, wantErr: ErrMalformedEvent},
				{ev: ReceivedAttestationShare{Share: &networking.AttestationShare{}}, wantErr: ErrWrongValidator},
				{ev: ReceivedAttestationShare{Share: &networking.AttestationShare{ValidatorIndex: testValidatorIndex}}, wantErr: ErrInvalidShare},
				{ev: ReceivedAttestationShare{Share: foreignShare}, wantErr: ErrWrongValidator},
				{ev: ReceivedAttestationShare{Share: noBits}, wantErr: ErrInvalidShare},
				{ev: ReceivedAttestationShare{Share: twoBits}, wantErr: ErrInvalidShare},
				{ev: ReceivedBlockShare{Share: badBlockShare}, wantErr: ErrInvalidShare},
				{ev: ReceivedBlockShare{Share: &networking.BlockShare{}}, wantErr: ErrInvalidShare},
				{ev: ReceivedRandaoShare{Share: &networking.RandaoShare{ValidatorIndex: testValidatorIndex, Slot: 20, ShareIndex: 2}}, wantErr: ErrInvalidShare},
				{ev: ImportedNewBlock{}, wantErr: ErrMalformedEvent},
				{ev: ImportedNewBlock{Block: &eth2spec.VersionedBeaconBlock{Version: eth2spec.DataVersionElectra}}, wantErr: ErrMalformedEvent},
				{ev: BlockConsensusDecided{ID: c.id(consensus.DutyProposer, 20)}, wantErr: ErrMalformedEvent},
				{ev: ServeProposerDuty{}, wantErr: ErrMalformedEvent},
				{ev: ServeSyncCommitteeDuty{}, wantErr: ErrMalformedEvent},
				{ev: c.serveSync(20), want: []Output{c.startSync(20)}},
				{ev: ServeSyncCommitteeDuty{Duty: c.syncDuty(), Slot: 30, SubcommitteeIndex: 1}, wantErr: ErrMalformedEvent},
				{ev: SyncCommitteeConsensusDecided{ID: c.id(consensus.DutySyncCommittee, 20)}, wantErr: ErrMalformedEvent},
				{ev: NoEvent{}, want: nil},
				// Events are values (one form in traces and vectors).
				{ev: &NoEvent{}, wantErr: ErrMalformedEvent},
				{ev: &ServeAttestationDuty{Duty: c.attDuty(25)}, wantErr: ErrMalformedEvent},
			}
		},
	}}
	for _, sc := range scenarios {
		t.Run(sc.name, sc.run)
	}
}

// TestStepRejectsBadConfigAndState: a broken config or state is an error,
// not a panic.
func TestStepRejectsBadConfigAndState(t *testing.T) {
	c := newCluster(t, 4, eth2spec.DataVersionElectra, ModeRemoteSigner)
	st := c.fresh(1)
	ev := ServeAttestationDuty{Duty: c.attDuty(17)}
	if _, _, err := Step(nil, st, ev, c.oracles(1)); err == nil {
		t.Fatal("nil config accepted")
	}
	if _, _, err := Step(c.cfg(1), nil, ev, c.oracles(1)); err == nil {
		t.Fatal("nil state accepted")
	}
	if _, _, err := Step(c.cfg(1), st, ev, Oracles{}); err == nil {
		t.Fatal("remote-signer mode without a signer accepted")
	}
	bad := c.cfg(1)
	bad.Threshold = 9
	if _, _, err := Step(bad, st, ev, c.oracles(1)); err == nil {
		t.Fatal("threshold above N accepted")
	}
	if err := bad.Validate(); err == nil {
		t.Fatal("Validate accepted threshold above N")
	}
	if _, _, err := StepVCMiddleware(c.cfg(1), st, ev, c.oracles(1)); err == nil {
		t.Fatal("VC entry point accepted a remote-signer config")
	}
	if _, _, err := StepRemoteSigner(c.cfg(1), st, ev, c.oracles(1)); err != nil {
		t.Fatalf("remote-signer entry point: %v", err)
	}
	vc := newCluster(t, 4, eth2spec.DataVersionElectra, ModeVCMiddleware)
	if _, _, err := StepVCMiddleware(vc.cfg(1), vc.fresh(1), ev, Oracles{}); err != nil {
		t.Fatalf("VC entry point: %v", err)
	}
	for _, mut := range []func(*Config){
		func(c *Config) { c.Mode = 0 },
		func(c *Config) { c.ShareIndex = 9 },
		func(c *Config) { c.Peers = append(c.Peers, 2) },
		func(c *Config) { c.PublicShares = map[uint64]phase0.BLSPubKey{1: c.PublicShares[1]} },
		func(c *Config) { c.Chain.SlotsPerEpoch = 32 },
		func(c *Config) { c.Validator.Pubkey = phase0.BLSPubKey{1} },
	} {
		x := c.cfg(1)
		mut(x)
		if err := x.Validate(); err == nil {
			t.Fatal("Validate accepted a broken config")
		}
	}
}
