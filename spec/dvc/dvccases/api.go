package dvccases

import (
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

// Scenario is one named DVC scenario: a co-validator (node Node of an
// N-node cluster, in fork Fork) built in the Primary architecture from
// the pre-state slashing DB Pre, brought to its starting state by Setup
// (events that must succeed), then given Steps, each with its author's
// statement. With Both it also runs in the other architecture, where it
// must refuse the same events and submit the same messages. The outputs
// themselves always come from running the spec.
type Scenario struct {
	Handler, Name string
	Fork          eth2spec.DataVersion
	N, Node       int
	Primary       dvc.Mode
	Both          bool
	Pre           func(f *Fixture) *slashing.SlashingDB
	Setup         func(f *Fixture) []dvc.Event
	Steps         func(f *Fixture) []Step
	Description   string
	Proves        string
	References    []string
	Invalid       func(f *Fixture) []InvalidValue
	// Forks are further forks the scenario runs in.
	Forks []eth2spec.DataVersion
	// Assert checks the outputs of all steps of the primary run and
	// returns what is wrong ("" when nothing is).
	Assert func(f *Fixture, out []dvc.Output) string
}

// Step is an event (Ev) or a validity check (Check) and what its author
// states: the names of the event's outputs (Want, OutputNames notation;
// "-" states nothing) or its error (WantErr).
type Step struct {
	Ev      dvc.Event
	Check   *Check
	Want    string
	WantErr error
	// Then, when set, states more: the exact outputs, or what the state
	// after the step holds; it returns what is wrong.
	Then func(f *Fixture, st *dvc.State, out []dvc.Output) error
}

// Check applies the validity predicate of instance ID to a value.
type Check struct {
	ID        consensus.InstanceID
	ValueType string
	// Value is the encoded consensus value; Obj the same value as a Go
	// object (AttestationData, VersionedBlock, SyncCommitteeContribution,
	// or the bytes themselves for value type "bytes").
	Value []byte
	Obj   any
	// Want is the error the predicate gives (nil: valid).
	Want error
}

// Scenarios are every scenario, with the defaults filled in (4 nodes,
// node 1, Electra, remote signer).
func Scenarios() []Scenario {
	var out []Scenario
	for _, sc := range dvcScenarios() {
		x := Scenario{Handler: sc.handler, Name: sc.name, Fork: sc.fork, N: sc.n, Node: sc.node, Primary: sc.primary, Both: sc.both,
			Pre: sc.pre, Setup: sc.setup, Description: sc.desc, Proves: sc.proves, References: sc.refs, Invalid: sc.invalid,
			Forks: sc.forks, Assert: sc.assert}
		steps := sc.steps
		x.Steps = func(f *Fixture) []Step {
			in := steps(f)
			out := make([]Step, len(in))
			for i, s := range in {
				out[i] = Step{Ev: s.ev, Want: s.want, WantErr: s.wantErr, Then: s.then}
				if c := s.check; c != nil {
					out[i].Check = &Check{ID: c.id, ValueType: c.valueType, Value: c.value, Obj: c.obj, Want: c.want}
				}
			}
			return out
		}
		if x.N == 0 {
			x.N = 4
		}
		if x.Node == 0 {
			x.Node = 1
		}
		if x.Fork == eth2spec.DataVersionUnknown {
			x.Fork = eth2spec.DataVersionElectra
		}
		if x.Primary == 0 {
			x.Primary = dvc.ModeRemoteSigner
		}
		out = append(out, x)
	}
	return out
}

// OutputNames describes outputs as the scenarios state them:
// "signed broadcast ignored:already_combined".
func OutputNames(out []dvc.Output) string { return outputNames(out) }

// Slot maps a slot of spec/dvc's minimal-preset tests to the mainnet slot
// in the same position of the same epoch (times 4), as the scenarios do.
func Slot(x uint64) phase0.Slot { return sl(x) }
