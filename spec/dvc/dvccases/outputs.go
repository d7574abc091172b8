package dvccases

import (
	"errors"
	"fmt"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

// The outputs the scenarios state in full, built independently of the
// spec from the fixture's keys.

var outputCmp = []cmp.Option{cmpopts.IgnoreFields(dvc.Ignored{}, "Detail"), cmpopts.EquateEmpty()}

// outputsEqual compares outputs in full (an Ignored's Detail aside).
func outputsEqual(got, want []dvc.Output) error {
	if diff := cmp.Diff(want, got, outputCmp...); diff != "" {
		return fmt.Errorf("outputs (-want +got):\n%s", diff)
	}
	return nil
}

func (f *dvf) signedAtt(i int, d *phase0.AttestationData) dvc.Signed {
	in := f.AttInput(d)
	return dvc.Signed{Kind: dvc.SignAttestation, Slot: d.Slot, Input: in, Signature: f.signShare(i, in.SigningRoot)}
}

func (f *dvf) bcast(m networking.Message) dvc.Broadcast {
	return dvc.Broadcast{Message: m, To: f.Peers()}
}

// submittedAtt is the combined attestation, signed by the validator key.
func (f *dvf) submittedAtt(d *phase0.AttestationData) dvc.SubmitAttestation {
	sig := f.SignValidator(f.AttInput(d).SigningRoot)
	if f.electra() {
		return dvc.SubmitAttestation{Attestation: &networking.SignedAttestation{Version: f.Fork,
			Electra: &electra.SingleAttestation{CommitteeIndex: 1, AttesterIndex: f.vi(), Data: d, Signature: sig}}}
	}
	return dvc.SubmitAttestation{Attestation: &networking.SignedAttestation{Version: f.Fork,
		Phase0: &phase0.Attestation{AggregationBits: ethBits(), Data: d, Signature: sig}}}
}

func (f *dvf) startAtt(d *spec.AttestationDuty) dvc.StartConsensus {
	return dvc.StartConsensus{ID: f.ID(consensus.DutyAttester, d.Slot), Attester: d}
}

func (f *dvf) ids(d consensus.DutyType, slots ...phase0.Slot) []consensus.InstanceID {
	var ids []consensus.InstanceID
	for _, s := range slots {
		ids = append(ids, f.ID(d, s))
	}
	return ids
}

func (f *dvf) stop(d consensus.DutyType, slots ...phase0.Slot) dvc.StopConsensus {
	return dvc.StopConsensus{IDs: f.ids(d, slots...)}
}

func (f *dvf) update(d consensus.DutyType, slots ...phase0.Slot) dvc.UpdateValidity {
	return dvc.UpdateValidity{IDs: f.ids(d, slots...)}
}

func ignored(r dvc.IgnoreReason, slot phase0.Slot) dvc.Ignored {
	return dvc.Ignored{Reason: r, Slot: slot}
}

// dbHasAttestation reports whether the state's DB holds d with its
// signing root.
func (f *dvf) dbHasAttestation(st *dvc.State, d *phase0.AttestationData) bool {
	root := f.AttInput(d).SigningRoot
	data := slashing.GetSlashingDBDataForPubkey(st.SlashingDB(), f.PK())
	for _, r := range data.SignedAttestations {
		if r.SourceEpoch == d.Source.Epoch && r.TargetEpoch == d.Target.Epoch && r.SigningRoot != nil && *r.SigningRoot == root {
			return true
		}
	}
	return false
}

// expect returns an error with the message when cond is false.
func expect(cond bool, format string, args ...any) error {
	if !cond {
		return fmt.Errorf(format, args...)
	}
	return nil
}

// joinErrs joins the errors of several statements.
func joinErrs(errs ...error) error { return errors.Join(errs...) }

func (f *dvf) startProp(slot phase0.Slot) dvc.StartConsensus {
	return dvc.StartConsensus{ID: f.ID(consensus.DutyProposer, slot), Proposer: &dvc.ProposerValidity{Duty: f.PropDuty(slot), RandaoReveal: f.Reveal(slot)}}
}

func (f *dvf) signedRandao(i int, slot phase0.Slot) dvc.Signed {
	in := f.RandaoInput(slot)
	return dvc.Signed{Kind: dvc.SignRandaoReveal, Slot: slot, Input: in, Signature: f.signShare(i, in.SigningRoot)}
}

func (f *dvf) signedBlock(i int, b *eth2spec.VersionedBeaconBlock) dvc.Signed {
	in := f.BlockInput(b)
	slot, _ := b.Slot()
	return dvc.Signed{Kind: dvc.SignBlock, Slot: slot, Input: in, Signature: f.signShare(i, in.SigningRoot)}
}

func (f *dvf) submittedBlock(b *eth2spec.VersionedBeaconBlock) dvc.SubmitBlock {
	return dvc.SubmitBlock{Block: &networking.SignedVersionedBlock{Block: f.Versioned(b), Signature: f.SignValidator(f.BlockInput(b).SigningRoot)}}
}

// dbHasBlock reports whether the state's DB holds b with its signing root.
func (f *dvf) dbHasBlock(st *dvc.State, b *eth2spec.VersionedBeaconBlock) bool {
	root := f.BlockInput(b).SigningRoot
	slot, _ := b.Slot()
	data := slashing.GetSlashingDBDataForPubkey(st.SlashingDB(), f.PK())
	for _, r := range data.SignedBlocks {
		if r.Slot == slot && r.SigningRoot != nil && *r.SigningRoot == root {
			return true
		}
	}
	return false
}

func (f *dvf) startSync(slot phase0.Slot) dvc.StartConsensus {
	return dvc.StartConsensus{ID: f.ID(consensus.DutySyncCommittee, slot), SyncCommittee: &dvc.SyncCommitteeValidity{Duty: f.SyncDuty(), Slot: slot, SubcommitteeIndex: 0}}
}

func (f *dvf) signedSync(i int, slot phase0.Slot, root phase0.Root) dvc.Signed {
	in := f.SyncInput(slot, root)
	return dvc.Signed{Kind: dvc.SignSyncCommitteeMessage, Slot: slot, Input: in, Signature: f.signShare(i, in.SigningRoot)}
}

// submittedSync is the combined sync committee message of c's block root.
func (f *dvf) submittedSync(c *altair.SyncCommitteeContribution) dvc.SubmitSyncCommitteeMessage {
	return dvc.SubmitSyncCommitteeMessage{Message: &altair.SyncCommitteeMessage{Slot: c.Slot, BeaconBlockRoot: c.BeaconBlockRoot, ValidatorIndex: f.vi(),
		Signature: f.SignValidator(f.SyncInput(c.Slot, c.BeaconBlockRoot).SigningRoot)}}
}
