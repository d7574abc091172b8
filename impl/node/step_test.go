package node

import (
	"errors"
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// panickingSigner stands for a bug inside Step: spec/dvc.Step calls the
// signer oracle and does not recover.
type panickingSigner struct{ dvc.Signer }

func (panickingSigner) SignAttestation(*phase0.AttestationData, signing.SigningInput) (phase0.BLSSignature, error) {
	panic("a bug")
}

// TestStepSpecReportsAPanicOfTheSpec: a panic inside spec/dvc.Step reaches
// the node as errSpecPanic (a kind no vector has), with the state kept,
// instead of passing for a refused input.
func TestStepSpecReportsAPanicOfTheSpec(t *testing.T) {
	forks, err := signing.MainnetVersionsFromGenesis(eth2spec.DataVersionElectra)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := signing.NewChain(forks, phase0.Root{0x11}, spec.MainnetConfig())
	if err != nil {
		t.Fatal(err)
	}
	sk, _ := bls.InteropSecretKey(1)
	pk, _ := sk.PublicKey()
	cfg := &dvc.Config{Chain: chain, Validator: spec.ValidatorIdentity{Pubkey: pk, Index: 7},
		ShareIndex: 1, Peers: []uint64{1}, PublicShares: map[uint64]phase0.BLSPubKey{1: pk}, Threshold: 1, Mode: dvc.ModeRemoteSigner}
	st, err := dvc.NewState(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	o := dvc.Oracles{Signer: panickingSigner{}}
	duty := &spec.AttestationDuty{Pubkey: pk, ValidatorIndex: 7, CommitteeLength: 4, CommitteesAtSlot: 1, ValidatorCommitteeIndex: 1, Slot: 3}
	st, _, err = stepSpec(cfg, st, dvc.ServeAttestationDuty{Duty: duty}, o)
	if err != nil {
		t.Fatal(err)
	}
	data := &phase0.AttestationData{Slot: 3, BeaconBlockRoot: phase0.Root{1}, Source: &phase0.Checkpoint{}, Target: &phase0.Checkpoint{}}
	id := consensus.InstanceID{Validator: pk, DutyType: uint64(consensus.DutyAttester), Slot: 3}
	next, outs, err := stepSpec(cfg, st, dvc.AttestationConsensusDecided{ID: id, Data: data}, o)
	if !errors.Is(err, errSpecPanic) {
		t.Fatalf("got %v, want errSpecPanic", err)
	}
	if errors.Is(err, dvc.ErrMalformedEvent) || next != st || outs != nil {
		t.Fatalf("a panic must keep the state and output nothing: %v %v", next == st, outs)
	}
}
