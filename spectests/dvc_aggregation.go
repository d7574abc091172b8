package spectests

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"gopkg.in/yaml.v3"
)

// AggregationEvent is one event of a dvc_aggregation steps.yaml (SPEC.md
// section 12, spec/dvc/aggduty). Name is the event's snake_case name; the
// fields it uses are set, containers as SSZ encodings.
//
//	event                                fields
//	serve_aggregator_duty                Duty (AttestationDuty), Committee (public keys in committee order)
//	serve_sync_contribution_duty         Duty (SyncCommitteeDuty), Slot, Subcommittees (index and public keys of each of the duty's subcommittees)
//	captured_beacon_committee_selection  ValidatorIndex, Slot, SelectionProof (the VC's partial proof)
//	captured_sync_committee_selection    ValidatorIndex, Slot, SubcommitteeIndex, SelectionProof
//	attestation_submitted                Data (AttestationData)
//	sync_committee_message_submitted     Slot, BeaconBlockRoot
//	aggregate_consensus_decided          Instance, Fork, Aggregate (phase0 Attestation before Electra, electra Attestation from it)
//	contribution_consensus_decided       Instance, Contributions (SyncCommitteeContribution each)
//	captured_aggregate_and_proof         Fork, Signed (SignedAggregateAndProof of Fork)
//	captured_contribution_and_proof      Signed (SignedContributionAndProof)
//	received_aggregation_share           Share (AggregationShare)
type AggregationEvent struct {
	Name              string
	Duty              []byte
	Committee         [][48]byte
	Slot              uint64
	Subcommittees     []AggregationSubcommittee
	ValidatorIndex    uint64
	SubcommitteeIndex uint64
	SelectionProof    [96]byte
	Data              []byte
	BeaconBlockRoot   [32]byte
	Instance          InstanceID
	Fork              string
	Aggregate         []byte
	Contributions     [][]byte
	Signed            []byte
	Share             []byte
}

// AggregationSubcommittee is a sync subcommittee's public keys in order.
type AggregationSubcommittee struct {
	Index      uint64
	PublicKeys [][48]byte
}

// ContributionValidity is one validity of a start_contribution_consensus.
type ContributionValidity struct {
	Slot, SubcommitteeIndex uint64
	BeaconBlockRoot         [32]byte
	Subcommittee            [][48]byte
}

// AggregationOutput is one output of a step, in the order produced.
//
//	output                                fields
//	broadcast                             MessageKind, Message (AggregationShare), To
//	ignored                               Reason, Slot
//	beacon_committee_selection_combined   ValidatorIndex, Slot, SelectionProof, Served, IsAggregator
//	sync_committee_selection_combined     ValidatorIndex, Slot, SubcommitteeIndex, SelectionProof, Served, IsAggregator
//	start_aggregate_consensus             Instance, Data, CommitteeIndex, Committee
//	start_contribution_consensus          Instance, Validities
//	cache_aggregate_and_proof_for_vc      Fork, Object (AggregateAndProof of Fork)
//	cache_contribution_and_proof_for_vc   Object (ContributionAndProof)
//	submit_aggregate_and_proof            Fork, Object (SignedAggregateAndProof of Fork)
//	submit_contribution_and_proof         Object (SignedContributionAndProof)
type AggregationOutput struct {
	Name              string
	MessageKind       string
	Message           []byte
	To                []uint64
	Reason            string
	Slot              uint64
	ValidatorIndex    uint64
	SubcommitteeIndex uint64
	SelectionProof    [96]byte
	Served            bool
	IsAggregator      bool
	Instance          InstanceID
	Data              []byte
	CommitteeIndex    uint64
	Committee         [][48]byte
	Validities        []ContributionValidity
	Fork              string
	Object            []byte
}

// AggregationDVC is one co-validator's aggregation state machine.
type AggregationDVC interface {
	// Step applies an event and returns its outputs, or the error that
	// refused it (the state must not change then).
	Step(ev AggregationEvent) ([]AggregationOutput, error)
}

// AggregationImplementation runs the dvc_aggregation vectors.
type AggregationImplementation interface {
	ErrorNamer
	// NewAggregationDVC builds the co-validator of config.yaml in the
	// empty aggregation state.
	NewAggregationDVC(cfg DVCConfig) (AggregationDVC, error)
}

func init() {
	register(Runner{
		Name:       "dvc_aggregation",
		Interface:  "spectests.AggregationImplementation",
		Implements: func(impl any) bool { _, ok := impl.(AggregationImplementation); return ok },
		Check:      func(c Case, impl any) error { return CheckDVCAggregationCase(c, impl.(AggregationImplementation)) },
	})
}

// RunDVCAggregation runs every dvc_aggregation case under root as a
// subtest.
func RunDVCAggregation(t *testing.T, root string, impl AggregationImplementation) {
	t.Helper()
	Run(t, root, "dvc_aggregation", impl)
}

type aggKeysYAML []Hex

func (k aggKeysYAML) keys() ([][48]byte, error) {
	out := make([][48]byte, 0, len(k))
	for _, h := range k {
		b, err := h.fixed(48)
		if err != nil {
			return nil, err
		}
		out = append(out, [48]byte(b))
	}
	return out, nil
}

// aggFieldsYAML holds every field an event or output of steps.yaml may
// have; containers are read from their <field>_ssz encodings.
type aggFieldsYAML struct {
	Instance      *instanceYAML `yaml:"instance"`
	InstanceSSZ   Hex           `yaml:"instance_ssz"`
	Duty          yaml.Node     `yaml:"duty"`
	DutySSZ       Hex           `yaml:"duty_ssz"`
	Committee     aggKeysYAML   `yaml:"committee"`
	Slot          *uint64       `yaml:"slot"`
	Subcommittees []struct {
		Index      uint64      `yaml:"index"`
		PublicKeys aggKeysYAML `yaml:"public_keys"`
	} `yaml:"subcommittees"`
	ValidatorIndex    *uint64   `yaml:"validator_index"`
	SubcommitteeIndex *uint64   `yaml:"subcommittee_index"`
	SelectionProof    Hex       `yaml:"selection_proof"`
	Served            *bool     `yaml:"served"`
	IsAggregator      *bool     `yaml:"is_aggregator"`
	Data              yaml.Node `yaml:"data"`
	DataSSZ           Hex       `yaml:"data_ssz"`
	BeaconBlockRoot   Hex       `yaml:"beacon_block_root"`
	AggregateFork     string    `yaml:"aggregate_fork"`
	Aggregate         yaml.Node `yaml:"aggregate"`
	AggregateSSZ      Hex       `yaml:"aggregate_ssz"`
	Contributions     yaml.Node `yaml:"contributions"`
	ContributionsSSZ  []Hex     `yaml:"contributions_ssz"`
	APFork            string    `yaml:"aggregate_and_proof_fork"`
	AP                yaml.Node `yaml:"aggregate_and_proof"`
	APSSZ             Hex       `yaml:"aggregate_and_proof_ssz"`
	SignedAP          yaml.Node `yaml:"signed_aggregate_and_proof"`
	SignedAPSSZ       Hex       `yaml:"signed_aggregate_and_proof_ssz"`
	CP                yaml.Node `yaml:"contribution_and_proof"`
	CPSSZ             Hex       `yaml:"contribution_and_proof_ssz"`
	SignedCP          yaml.Node `yaml:"signed_contribution_and_proof"`
	SignedCPSSZ       Hex       `yaml:"signed_contribution_and_proof_ssz"`
	Share             yaml.Node `yaml:"share"`
	ShareSSZ          Hex       `yaml:"share_ssz"`
	MessageKind       string    `yaml:"message_kind"`
	Message           yaml.Node `yaml:"message"`
	MessageSSZ        Hex       `yaml:"message_ssz"`
	To                []uint64  `yaml:"to"`
	Reason            string    `yaml:"reason"`
	CommitteeIndex    *uint64   `yaml:"committee_index"`
	Validities        []struct {
		Slot              uint64      `yaml:"slot"`
		SubcommitteeIndex uint64      `yaml:"subcommittee_index"`
		BeaconBlockRoot   Hex         `yaml:"beacon_block_root"`
		Subcommittee      aggKeysYAML `yaml:"subcommittee"`
	} `yaml:"validities"`
}

type aggStepYAML struct {
	Event   map[string]aggFieldsYAML   `yaml:"event"`
	Outputs []map[string]aggFieldsYAML `yaml:"outputs"`
	Error   string                     `yaml:"error"`
	Cause   string                     `yaml:"cause"`
}

func u64(p *uint64) uint64 {
	if p == nil {
		return 0
	}
	return *p
}

func root32(h Hex) ([32]byte, error) {
	if len(h) == 0 {
		return [32]byte{}, nil
	}
	b, err := h.fixed(32)
	return [32]byte(b), err
}

// common reads the fields events and outputs share.
func (f aggFieldsYAML) common() (slot, vi, sub uint64, proof [96]byte, id InstanceID, err error) {
	slot, vi, sub = u64(f.Slot), u64(f.ValidatorIndex), u64(f.SubcommitteeIndex)
	if proof, err = sig96(f.SelectionProof); err != nil {
		return
	}
	if f.Instance != nil {
		id, err = f.Instance.id()
	}
	return
}

func (f aggFieldsYAML) event(name string) (AggregationEvent, error) {
	ev := AggregationEvent{Name: name, Duty: f.DutySSZ, Data: f.DataSSZ, Aggregate: f.AggregateSSZ, Share: f.ShareSSZ}
	var err error
	if ev.Slot, ev.ValidatorIndex, ev.SubcommitteeIndex, ev.SelectionProof, ev.Instance, err = f.common(); err != nil {
		return ev, err
	}
	if ev.Committee, err = f.Committee.keys(); err != nil {
		return ev, err
	}
	for _, s := range f.Subcommittees {
		keys, err := s.PublicKeys.keys()
		if err != nil {
			return ev, err
		}
		ev.Subcommittees = append(ev.Subcommittees, AggregationSubcommittee{Index: s.Index, PublicKeys: keys})
	}
	if ev.BeaconBlockRoot, err = root32(f.BeaconBlockRoot); err != nil {
		return ev, err
	}
	for _, c := range f.ContributionsSSZ {
		ev.Contributions = append(ev.Contributions, c)
	}
	switch name {
	case "aggregate_consensus_decided":
		ev.Fork = f.AggregateFork
	case "captured_aggregate_and_proof":
		ev.Fork, ev.Signed = f.APFork, f.SignedAPSSZ
	case "captured_contribution_and_proof":
		ev.Signed = f.SignedCPSSZ
	}
	return ev, nil
}

func (f aggFieldsYAML) output(name string) (AggregationOutput, error) {
	o := AggregationOutput{Name: name, MessageKind: f.MessageKind, Message: f.MessageSSZ, To: f.To, Reason: f.Reason, Data: f.DataSSZ,
		CommitteeIndex: u64(f.CommitteeIndex)}
	var err error
	if o.Slot, o.ValidatorIndex, o.SubcommitteeIndex, o.SelectionProof, o.Instance, err = f.common(); err != nil {
		return o, err
	}
	if f.IsAggregator != nil {
		o.IsAggregator = *f.IsAggregator
	}
	if f.Served != nil {
		o.Served = *f.Served
	}
	if o.Committee, err = f.Committee.keys(); err != nil {
		return o, err
	}
	for _, v := range f.Validities {
		cv := ContributionValidity{Slot: v.Slot, SubcommitteeIndex: v.SubcommitteeIndex}
		if cv.BeaconBlockRoot, err = root32(v.BeaconBlockRoot); err != nil {
			return o, err
		}
		if cv.Subcommittee, err = v.Subcommittee.keys(); err != nil {
			return o, err
		}
		o.Validities = append(o.Validities, cv)
	}
	switch name {
	case "cache_aggregate_and_proof_for_vc":
		o.Fork, o.Object = f.APFork, f.APSSZ
	case "cache_contribution_and_proof_for_vc":
		o.Object = f.CPSSZ
	case "submit_aggregate_and_proof":
		o.Fork, o.Object = f.APFork, f.SignedAPSSZ
	case "submit_contribution_and_proof":
		o.Object = f.SignedCPSSZ
	}
	return o, nil
}

// normAgg makes empty slices nil so outputs compare by value.
func normAgg(list []AggregationOutput) []AggregationOutput {
	out := make([]AggregationOutput, len(list))
	for i, o := range list {
		v := reflect.ValueOf(&o).Elem()
		for j := 0; j < v.NumField(); j++ {
			if f := v.Field(j); f.Kind() == reflect.Slice && f.Len() == 0 {
				f.Set(reflect.Zero(f.Type()))
			}
		}
		out[i] = o
	}
	return out
}

// diffAgg names the first field in which two output lists differ.
func diffAgg(got, want []AggregationOutput) string {
	if len(got) != len(want) {
		names := func(l []AggregationOutput) []string {
			var n []string
			for _, o := range l {
				n = append(n, o.Name)
			}
			return n
		}
		return fmt.Sprintf("outputs %v, want %v", names(got), names(want))
	}
	for i := range got {
		g, w := reflect.ValueOf(got[i]), reflect.ValueOf(want[i])
		for j := 0; j < g.NumField(); j++ {
			if !reflect.DeepEqual(g.Field(j).Interface(), w.Field(j).Interface()) {
				return fmt.Sprintf("output %d (%s): %s is %v, want %v", i, want[i].Name, g.Type().Field(j).Name, g.Field(j).Interface(), w.Field(j).Interface())
			}
		}
	}
	return ""
}

// CheckDVCAggregationCase runs one dvc_aggregation case: it builds the
// co-validator of config.yaml in the empty aggregation state and runs
// steps.yaml in order, comparing every event's outputs (in order, by
// value, containers by their SSZ encodings) or its named error.
func CheckDVCAggregationCase(c Case, impl AggregationImplementation) error {
	cfg, err := c.ReadDVCConfig()
	if err != nil {
		return err
	}
	d, err := impl.NewAggregationDVC(cfg)
	if err != nil {
		return fmt.Errorf("config.yaml: %w", err)
	}
	var steps []aggStepYAML
	if err := c.ReadYAML("steps.yaml", &steps); err != nil {
		return err
	}
	for i, s := range steps {
		if err := runAggStep(impl, d, s); err != nil {
			return fmt.Errorf("steps.yaml step %d: %w", i, err)
		}
	}
	return nil
}

func runAggStep(impl AggregationImplementation, d AggregationDVC, s aggStepYAML) error {
	name, fields, err := oneKey(s.Event)
	if err != nil {
		return fmt.Errorf("event: %w", err)
	}
	ev, err := fields.event(name)
	if err != nil {
		return fmt.Errorf("event %s: %w", name, err)
	}
	want := make([]AggregationOutput, 0, len(s.Outputs))
	for k, item := range s.Outputs {
		oname, of, err := oneKey(item)
		if err != nil {
			return fmt.Errorf("output %d: %w", k, err)
		}
		o, err := of.output(oname)
		if err != nil {
			return fmt.Errorf("output %d (%s): %w", k, oname, err)
		}
		want = append(want, o)
	}
	got, err := d.Step(ev)
	if errors.Is(err, ErrNotImplemented) {
		return err
	}
	if err := expectNamed(impl, err, s.Error, s.Cause); err != nil {
		return fmt.Errorf("event %s: %w", name, err)
	}
	if s.Error != "" {
		if len(got) != 0 {
			return fmt.Errorf("event %s: refused with %d outputs", name, len(got))
		}
		return nil
	}
	if msg := diffAgg(normAgg(got), normAgg(want)); msg != "" {
		return fmt.Errorf("event %s: %s", name, msg)
	}
	return nil
}
