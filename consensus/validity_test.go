package consensus

import (
	"errors"
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/deneb"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

var dvKey = phase0.BLSPubKey{0xa9}

func chainWith(t *testing.T, through eth2spec.DataVersion) signing.Chain {
	t.Helper()
	forks, err := signing.MinimalForkSchedule(through)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := signing.NewChain(forks, phase0.Root{7}, spec.MinimalConfig())
	if err != nil {
		t.Fatal(err)
	}
	return chain
}

func attData(slot phase0.Slot, index phase0.CommitteeIndex, source, target phase0.Epoch) *phase0.AttestationData {
	return &phase0.AttestationData{
		Slot: slot, Index: index, BeaconBlockRoot: phase0.Root{1},
		Source: &phase0.Checkpoint{Epoch: source, Root: phase0.Root{2}},
		Target: &phase0.Checkpoint{Epoch: target, Root: phase0.Root{3}},
	}
}

func TestIsValidAttestationData(t *testing.T) {
	duty := &spec.AttestationDuty{Pubkey: dvKey, Slot: 17, CommitteeIndex: 3, CommitteeLength: 10}
	// Slot 17 with 8 slots per epoch is in epoch 2.
	cases := []struct {
		name  string
		fork  eth2spec.DataVersion
		data  *phase0.AttestationData
		prior [][2]phase0.Epoch // attestations already in the DB (source, target)
		want  error
	}{
		{"deneb_valid", eth2spec.DataVersionDeneb, attData(17, 3, 1, 2), nil, nil},
		{"electra_valid_index_zero", eth2spec.DataVersionElectra, attData(17, 0, 1, 2), nil, nil},
		{"electra_duty_committee_index_refused", eth2spec.DataVersionElectra, attData(17, 3, 1, 2), nil, ErrCommitteeIndexNotZero},
		{"deneb_index_zero_refused", eth2spec.DataVersionDeneb, attData(17, 0, 1, 2), nil, ErrCommitteeIndexMismatch},
		{"wrong_slot", eth2spec.DataVersionElectra, attData(18, 0, 1, 2), nil, ErrSlotMismatch},
		{"target_not_epoch_of_slot", eth2spec.DataVersionElectra, attData(17, 0, 1, 3), nil, ErrTargetEpochMismatch},
		{"far_future_target", eth2spec.DataVersionElectra, attData(17, 0, 1, 1<<40), nil, ErrTargetEpochMismatch},
		{"source_equals_target", eth2spec.DataVersionElectra, attData(17, 0, 2, 2), nil, ErrSourceNotBeforeTarget},
		{"source_after_target", eth2spec.DataVersionElectra, attData(17, 0, 3, 2), nil, ErrSourceNotBeforeTarget},
		{"double_vote", eth2spec.DataVersionElectra, attData(17, 0, 1, 2), [][2]phase0.Epoch{{1, 2}}, ErrSlashable},
		{"surrounded", eth2spec.DataVersionElectra, attData(17, 0, 1, 2), [][2]phase0.Epoch{{0, 3}}, ErrSlashable},
		{"target_below_min", eth2spec.DataVersionElectra, attData(17, 0, 1, 2), [][2]phase0.Epoch{{1, 5}}, ErrSlashable},
		{"later_than_history", eth2spec.DataVersionElectra, attData(17, 0, 1, 2), [][2]phase0.Epoch{{0, 1}}, nil},
		{"nil_data", eth2spec.DataVersionElectra, nil, nil, ErrMissingValue},
		{"nil_checkpoint", eth2spec.DataVersionElectra, &phase0.AttestationData{Slot: 17}, nil, ErrMissingValue},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := slashing.New(phase0.Root{7})
			for i, p := range tc.prior {
				r := phase0.Root{0xee, byte(i)}
				if err := db.InsertAttestation(dvKey, p[0], p[1], &r); err != nil {
					t.Fatal(err)
				}
			}
			before := db.Clone()
			err := IsValidAttestationData(db, chainWith(t, tc.fork), tc.data, duty)
			if tc.want == nil && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if len(db.Data) != len(before.Data) || (len(db.Data) > 0 && len(db.Data[0].SignedAttestations) != len(before.Data[0].SignedAttestations)) {
				t.Fatal("the predicate changed the slashing DB")
			}
		})
	}
}

func TestGenesisAttestationAccepted(t *testing.T) {
	duty := &spec.AttestationDuty{Pubkey: dvKey, Slot: 3}
	db := slashing.New(phase0.Root{7})
	if err := IsValidAttestationData(db, chainWith(t, eth2spec.DataVersionElectra), attData(3, 0, 0, 0), duty); err != nil {
		t.Fatalf("genesis attestation refused: %v", err)
	}
}

// TestRepeatOfSignedDataIsValid: identical data already in the DB (same
// signing root) may be decided again; a node that restarted after signing
// can then help finish the duty.
func TestRepeatOfSignedDataIsValid(t *testing.T) {
	chain := chainWith(t, eth2spec.DataVersionElectra)
	duty := &spec.AttestationDuty{Pubkey: dvKey, Slot: 17}
	data := attData(17, 0, 1, 2)
	in, err := chain.AttestationData(data)
	if err != nil {
		t.Fatal(err)
	}
	db := slashing.New(phase0.Root{7})
	if err := spec.UpdateAttestationSlashingDB(db, data, in.SigningRoot, dvKey); err != nil {
		t.Fatal(err)
	}
	if err := IsValidAttestationData(db, chain, data, duty); err != nil {
		t.Fatalf("repeat of the signed data refused: %v", err)
	}
	other := attData(17, 0, 1, 2)
	other.BeaconBlockRoot = phase0.Root{9}
	if err := IsValidAttestationData(db, chain, other, duty); !errors.Is(err, ErrSlashable) {
		t.Fatalf("different data for a signed target: got %v, want ErrSlashable", err)
	}
}

func electraBlock(slot phase0.Slot, proposer phase0.ValidatorIndex, reveal phase0.BLSSignature) *eth2spec.VersionedBeaconBlock {
	return &eth2spec.VersionedBeaconBlock{Version: eth2spec.DataVersionElectra, Electra: &electra.BeaconBlock{
		Slot: slot, ProposerIndex: proposer, Body: &electra.BeaconBlockBody{
			RANDAOReveal: reveal, ETH1Data: &phase0.ETH1Data{}, SyncAggregate: &altair.SyncAggregate{SyncCommitteeBits: make([]byte, 4)},
			ExecutionPayload: &deneb.ExecutionPayload{}, ExecutionRequests: &electra.ExecutionRequests{},
		},
	}}
}

func TestIsValidBlock(t *testing.T) {
	chain := chainWith(t, eth2spec.DataVersionElectra)
	reveal := phase0.BLSSignature{0x55}
	duty := &spec.ProposerDuty{Pubkey: dvKey, Slot: 20, ValidatorIndex: 4}
	denebShaped := &eth2spec.VersionedBeaconBlock{Version: eth2spec.DataVersionDeneb, Deneb: &deneb.BeaconBlock{Slot: 20, ProposerIndex: 4, Body: &deneb.BeaconBlockBody{RANDAOReveal: reveal}}}
	cases := []struct {
		name  string
		block *eth2spec.VersionedBeaconBlock
		prior []phase0.Slot
		want  error
		fee   *bellatrix.ExecutionAddress
	}{
		{"valid", electraBlock(20, 4, reveal), nil, nil, nil},
		{"fee_recipient_matches", electraBlock(20, 4, reveal), nil, nil, &bellatrix.ExecutionAddress{}},
		{"fee_recipient_differs", electraBlock(20, 4, reveal), nil, ErrFeeRecipientMismatch, &bellatrix.ExecutionAddress{0xfe}},
		{"fee_recipient_payload_missing", func() *eth2spec.VersionedBeaconBlock {
			b := electraBlock(20, 4, reveal)
			b.Electra.Body.ExecutionPayload = nil
			return b
		}(), nil, ErrMissingValue, &bellatrix.ExecutionAddress{}},
		{"fee_recipient_pre_bellatrix", &eth2spec.VersionedBeaconBlock{Version: eth2spec.DataVersionAltair, Altair: &altair.BeaconBlock{Slot: 20, ProposerIndex: 4,
			Body: &altair.BeaconBlockBody{RANDAOReveal: reveal, ETH1Data: &phase0.ETH1Data{}, SyncAggregate: &altair.SyncAggregate{SyncCommitteeBits: make([]byte, 4)}}}},
			nil, nil, &bellatrix.ExecutionAddress{0xfe}},
		{"wrong_slot", electraBlock(21, 4, reveal), nil, ErrSlotMismatch, nil},
		{"wrong_proposer", electraBlock(20, 5, reveal), nil, ErrProposerIndexMismatch, nil},
		{"wrong_randao", electraBlock(20, 4, phase0.BLSSignature{0x56}), nil, ErrRandaoRevealMismatch, nil},
		{"wrong_fork_shape", denebShaped, nil, ErrWrongFork, nil},
		{"double_proposal", electraBlock(20, 4, reveal), []phase0.Slot{20}, ErrSlashable, nil},
		{"below_min_slot", electraBlock(20, 4, reveal), []phase0.Slot{25}, ErrSlashable, nil},
		{"after_history", electraBlock(20, 4, reveal), []phase0.Slot{19}, nil, nil},
		{"empty", &eth2spec.VersionedBeaconBlock{}, nil, ErrMissingValue, nil},
		{"nil", nil, nil, ErrMissingValue, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := slashing.New(phase0.Root{7})
			for _, s := range tc.prior {
				if err := db.InsertBlock(dvKey, s, &phase0.Root{0xbb}); err != nil {
					t.Fatal(err)
				}
			}
			c := chain
			if tc.block != nil && tc.block.Version == eth2spec.DataVersionAltair {
				c = chainWith(t, eth2spec.DataVersionAltair)
			}
			err := IsValidBlock(db, c, tc.block, duty, reveal, tc.fee)
			if tc.want == nil && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestIsValidSyncCommitteeContribution(t *testing.T) {
	// The minimal chain config: subcommittee size 32/4 = 8.
	electraChain := chainWith(t, eth2spec.DataVersionElectra)
	duty := &spec.SyncCommitteeDuty{Pubkey: dvKey, ValidatorIndex: 1, ValidatorSyncCommitteeIndices: []uint64{3, 17}} // subcommittees 0 and 2
	contribution := func(slot phase0.Slot, sub uint64, root phase0.Root) *altair.SyncCommitteeContribution {
		return &altair.SyncCommitteeContribution{Slot: slot, SubcommitteeIndex: sub, BeaconBlockRoot: root, AggregationBits: make([]byte, 1)}
	}
	cases := []struct {
		name  string
		chain signing.Chain
		c     *altair.SyncCommitteeContribution
		want  error
	}{
		{"valid_subcommittee_0", electraChain, contribution(9, 0, phase0.Root{1}), nil},
		{"valid_subcommittee_2", electraChain, contribution(9, 2, phase0.Root{1}), nil},
		{"unassigned_subcommittee", electraChain, contribution(9, 1, phase0.Root{1}), ErrSubcommitteeNotAssigned},
		{"wrong_slot", electraChain, contribution(10, 0, phase0.Root{1}), ErrSlotMismatch},
		{"zero_root", electraChain, contribution(9, 0, phase0.Root{}), ErrZeroBlockRoot},
		{"phase0", chainWith(t, eth2spec.DataVersionPhase0), contribution(9, 0, phase0.Root{1}), ErrWrongFork},
		{"nil", electraChain, nil, ErrMissingValue},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := IsValidSyncCommitteeContribution(tc.chain, tc.c, duty, 9)
			if tc.want == nil && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestDutyTypeNames(t *testing.T) {
	for d, want := range map[DutyType]string{DutyAttester: "attester", DutyProposer: "proposer", DutySyncCommittee: "sync_committee", DutyAggregator: "aggregator", DutySyncContribution: "sync_contribution", 9: "duty_type_9"} {
		if d.String() != want {
			t.Errorf("%d: %q, want %q", uint64(d), d.String(), want)
		}
	}
	if DutyType(0).Valid() || DutyType(8).Valid() || !DutySlotSyncCommittee.Valid() || !DutySyncCommittee.Valid() || !DutySyncContribution.Valid() {
		t.Error("Valid")
	}
}
