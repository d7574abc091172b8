package validitycases_test

import (
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/consensus/validitycases"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/names"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

var forks = []eth2spec.DataVersion{
	eth2spec.DataVersionPhase0, eth2spec.DataVersionAltair, eth2spec.DataVersionBellatrix, eth2spec.DataVersionCapella,
	eth2spec.DataVersionDeneb, eth2spec.DataVersionElectra, eth2spec.DataVersionFulu,
}

// TestAttestations runs every attestation case on the unit tests' own
// fixtures (minimal and mainnet chains with the fork from genesis, plain
// roots) and checks the rule its author names, and that the predicate
// leaves the slashing DB as it was.
func TestAttestations(t *testing.T) {
	pk := phase0.BLSPubKey{0xa9}
	gvr := phase0.Root{7}
	for _, preset := range []string{"minimal", "mainnet"} {
		cfg, err := spec.BuiltinConfig(preset)
		if err != nil {
			t.Fatal(err)
		}
		for _, fork := range forks {
			// The fork versions do not matter to the predicate: minimal's
			// schedule with every fork up to fork from genesis serves both.
			schedule, err := signing.MinimalForkSchedule(fork)
			if err != nil {
				t.Fatal(err)
			}
			chain, err := signing.NewChain(schedule, gvr, cfg)
			if err != nil {
				t.Fatal(err)
			}
			spe := chain.SlotsPerEpoch
			cases := validitycases.Attestations(fork, spe, preset == "minimal")
			if len(cases) == 0 {
				t.Fatalf("%s/%s: no cases", preset, fork)
			}
			for _, c := range cases {
				duty := &spec.AttestationDuty{Pubkey: pk, ValidatorIndex: 5, CommitteeIndex: validitycases.DutyIndex, CommitteeLength: 16, CommitteesAtSlot: 4, ValidatorCommitteeIndex: 2, Slot: c.DutyAt(spe)}
				source, target := c.Vote()
				data := &phase0.AttestationData{Slot: c.DataSlot(spe), Index: c.DataIndex(fork), BeaconBlockRoot: phase0.Root{1},
					Source: &phase0.Checkpoint{Epoch: source, Root: phase0.Root{2}}, Target: &phase0.Checkpoint{Epoch: target, Root: phase0.Root{3}}}
				db := slashing.New(gvr)
				for i, p := range c.Prior {
					r := phase0.Root{0xee, byte(i)}
					if err := db.InsertAttestation(pk, p[0], p[1], &r); err != nil {
						t.Fatal(err)
					}
				}
				if c.PriorSame {
					in, err := chain.AttestationData(data)
					if err != nil {
						t.Fatal(err)
					}
					if err := spec.UpdateAttestationSlashingDB(db, data, in.SigningRoot, pk); err != nil {
						t.Fatal(err)
					}
				}
				before, err := db.MarshalSSZ()
				if err != nil {
					t.Fatal(err)
				}
				err = consensus.IsValidAttestationData(db, chain, data, duty)
				got := append(names.ErrorNames(err), "", "")
				if got[0] != c.Want || got[1] != c.WantSlashing {
					t.Errorf("%s/%s/%s: got %v, the case states %q/%q", preset, fork, c.Name, err, c.Want, c.WantSlashing)
				}
				if err != nil && got[0] == "" {
					t.Errorf("%s/%s/%s: unnamed error %v", preset, fork, c.Name, err)
				}
				after, err := db.MarshalSSZ()
				if err != nil {
					t.Fatal(err)
				}
				if string(after) != string(before) {
					t.Errorf("%s/%s/%s: the predicate changed the slashing DB", preset, fork, c.Name)
				}
			}
		}
	}
}
