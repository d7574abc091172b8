package dvccases

import (
	"strings"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

// --- scenarios -------------------------------------------------------------

// dvcStep is one step of a scenario: an event or a validity check, with
// what the scenario's author states about it.
type dvcStep struct {
	ev    dvc.Event
	check *dvcCheck
	// want is the author's statement of the outputs' names (outputNames
	// notation); "-" states nothing.
	want    string
	wantErr error
	// then states more about the step: its exact outputs, the state after
	// it.
	then func(f *dvf, st *dvc.State, out []dvc.Output) error
}

// is adds a further statement to a step.
func (s dvcStep) is(then func(f *dvf, st *dvc.State, out []dvc.Output) error) dvcStep {
	s.then = then
	return s
}

// outputs states a step's exact outputs.
func (s dvcStep) outputs(want func(f *dvf) []dvc.Output) dvcStep {
	prev := s.then
	s.then = func(f *dvf, st *dvc.State, out []dvc.Output) error {
		if err := outputsEqual(out, want(f)); err != nil {
			return err
		}
		if prev != nil {
			return prev(f, st, out)
		}
		return nil
	}
	return s
}

// dvcCheck applies the validity predicate of instance id to a value.
type dvcCheck struct {
	id        consensus.InstanceID
	valueType string
	value     []byte
	// obj is the value as a Go object (AttestationData, VersionedBlock,
	// SyncCommitteeContribution or, for value_type bytes, the bytes).
	obj  any
	want error // nil: valid
}

func ev(e dvc.Event, want string) dvcStep        { return dvcStep{ev: e, want: want} }
func evErr(e dvc.Event, err error) dvcStep       { return dvcStep{ev: e, wantErr: err} }
func chk(c *dvcCheck) dvcStep                    { return dvcStep{check: c} }
func evAny(e dvc.Event) dvcStep                  { return dvcStep{ev: e, want: "-"} }
func (f *dvf) evs(list ...dvc.Event) []dvc.Event { return list }

func (f *dvf) checkAtt(slot phase0.Slot, d *phase0.AttestationData, want error) *dvcCheck {
	v, err := consensus.EncodeAttestationData(d)
	if err != nil {
		panic(err)
	}
	return &dvcCheck{id: f.ID(consensus.DutyAttester, slot), valueType: "AttestationData", value: v, obj: d, want: want}
}

func (f *dvf) checkBlock(slot phase0.Slot, b *eth2spec.VersionedBeaconBlock, want error) *dvcCheck {
	v, err := consensus.EncodeBlock(f.Chain, b)
	if err != nil {
		panic(err)
	}
	return &dvcCheck{id: f.ID(consensus.DutyProposer, slot), valueType: "VersionedBlock", value: v, obj: f.Versioned(b), want: want}
}

func (f *dvf) checkSync(slot phase0.Slot, c *altair.SyncCommitteeContribution, want error) *dvcCheck {
	v, err := consensus.EncodeSyncCommitteeContribution(f.Chain, c)
	if err != nil {
		panic(err)
	}
	return &dvcCheck{id: f.ID(consensus.DutySyncCommittee, slot), valueType: "SyncCommitteeContribution", value: v, obj: c, want: want}
}

// dvcScenario is a named scenario, on the mainnet preset (the slots of
// spec/dvc's former minimal-preset tables times 4).
type dvcScenario struct {
	handler, name string
	fork          eth2spec.DataVersion
	n, node       int
	// primary is the architecture the author's statements are about;
	// both also runs it in the other architecture (checked against the
	// primary run: same errors, same submissions, same validity verdicts,
	// same slashing DB).
	primary dvc.Mode
	both    bool
	pre     func(f *dvf) *slashing.SlashingDB
	setup   func(f *dvf) []dvc.Event
	steps   func(f *dvf) []dvcStep
	desc    string
	proves  string
	refs    []string
	invalid func(f *dvf) []InvalidValue
	// forks are further forks the scenario runs in (its directory is per
	// fork): the shapes of attestations and blocks differ.
	forks []eth2spec.DataVersion
	// assert checks the outputs of all steps of the primary run (for the
	// DV-level scenarios, whose events come from a simulation); it returns
	// what is wrong.
	assert func(f *dvf, out []dvc.Output) string
}

// outputNames describes outputs as the scenarios' authors state them:
// "signed broadcast ignored:already_combined".
func outputNames(out []dvc.Output) string {
	s := make([]string, 0, len(out))
	for _, o := range out {
		if ig, ok := o.(dvc.Ignored); ok {
			s = append(s, "ignored:"+string(ig.Reason))
			continue
		}
		s = append(s, o.OutputName())
	}
	return strings.Join(s, " ")
}
