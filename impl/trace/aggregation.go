package trace

import (
	"errors"
	"fmt"
	"slices"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/sszutil"
	"github.com/dvspec/go-dvspec/spec/versioned"
)

// Subcommittee is one entry of serve_sync_contribution_duty's
// subcommittees: the public keys of a sync subcommittee's positions.
type Subcommittee struct {
	Index   uint64 `json:"index"`
	Pubkeys []Hex  `json:"pubkeys"`
}

// Validity is one aggregation validity of a start_aggregate_consensus
// (data_ssz, committee_index, committee) or start_contribution_consensus
// (slot, subcommittee_index, beacon_block_root, committee) output.
type Validity struct {
	DataSSZ           Hex     `json:"data_ssz,omitempty"`
	CommitteeIndex    *uint64 `json:"committee_index,omitempty"`
	Slot              *uint64 `json:"slot,omitempty"`
	SubcommitteeIndex *uint64 `json:"subcommittee_index,omitempty"`
	BeaconBlockRoot   Hex     `json:"beacon_block_root,omitempty"`
	Committee         []Hex   `json:"committee"`
}

func encodeKeys(ks []phase0.BLSPubKey) []Hex {
	out := make([]Hex, 0, len(ks))
	for _, k := range ks {
		out = append(out, Hex(k[:]))
	}
	return out
}

func decodeKeys(hs []Hex, what string) ([]phase0.BLSPubKey, error) {
	out := make([]phase0.BLSPubKey, 0, len(hs))
	for i, h := range hs {
		k, err := pubkey(h, fmt.Sprintf("%s[%d]", what, i))
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

// encodeContainer is the fork name and SSZ of c, the container of fork v
// (spec/versioned picks it).
func encodeContainer(v eth2spec.DataVersion, c versioned.Container) (string, Hex, error) {
	raw, err := ssz(c)
	return v.String(), raw, err
}

// decodeContainer decodes raw as the container of the named fork, newC
// (spec/versioned) giving the fork's empty container.
func decodeContainer(fork string, raw Hex, what string, newC func(eth2spec.DataVersion) (versioned.Container, error)) (eth2spec.DataVersion, versioned.Container, error) {
	v, err := dataVersion(fork)
	if err != nil {
		return 0, nil, err
	}
	c, err := newC(v)
	if err != nil {
		return 0, nil, err
	}
	if raw == nil {
		return 0, nil, fmt.Errorf("missing %s", what)
	}
	if err := sszutil.DecodeCanonical(raw, c); err != nil {
		return 0, nil, fmt.Errorf("%s: %w", what, err)
	}
	return v, c, nil
}

func encodeVersionedAttestation(a *eth2spec.VersionedAttestation) (string, Hex, error) {
	c, err := versioned.Attestation(a)
	if err != nil {
		return "", nil, err
	}
	return encodeContainer(a.Version, c)
}

func decodeVersionedAttestation(fork string, raw Hex) (*eth2spec.VersionedAttestation, error) {
	v, c, err := decodeContainer(fork, raw, "attestation_ssz", versioned.NewAttestation)
	if err != nil {
		return nil, err
	}
	out := &eth2spec.VersionedAttestation{Version: v}
	if err := versioned.SetAttestation(out, c); err != nil {
		return nil, err
	}
	return out, nil
}

func encodeSignedAggregateAndProof(s *eth2spec.VersionedSignedAggregateAndProof) (string, Hex, error) {
	c, err := versioned.SignedAggregateAndProof(s)
	if err != nil {
		return "", nil, err
	}
	return encodeContainer(s.Version, c)
}

func decodeSignedAggregateAndProof(fork string, raw Hex) (*eth2spec.VersionedSignedAggregateAndProof, error) {
	v, c, err := decodeContainer(fork, raw, "signed_ssz", versioned.NewSignedAggregateAndProof)
	if err != nil {
		return nil, err
	}
	out := &eth2spec.VersionedSignedAggregateAndProof{Version: v}
	if err := versioned.SetSignedAggregateAndProof(out, c); err != nil {
		return nil, err
	}
	return out, nil
}

func encodeAggregateAndProof(s *eth2spec.VersionedAggregateAndProof) (string, Hex, error) {
	c, err := versioned.AggregateAndProof(s)
	if err != nil {
		return "", nil, err
	}
	return encodeContainer(s.Version, c)
}

// EncodeAggEvent converts an event of the aggregation state machine
// (spec/dvc/aggduty).
func EncodeAggEvent(ev aggduty.Event) (Item, error) {
	if ev == nil {
		return nil, errors.New("trace: nil aggregation event")
	}
	f := &Fields{}
	var err error
	switch x := ev.(type) {
	case aggduty.ServeAggregatorDuty:
		f.DutySSZ, err = sszNonNil(x.Duty, x.Duty == nil)
		f.Committee = encodeKeys(x.Committee)
	case aggduty.ServeSyncContributionDuty:
		f.DutySSZ, err = sszNonNil(x.Duty, x.Duty == nil)
		f.Slot = u64p(uint64(x.Slot))
		subs := make([]uint64, 0, len(x.Subcommittees))
		for s := range x.Subcommittees {
			subs = append(subs, s)
		}
		slices.Sort(subs)
		f.Subcommittees = []Subcommittee{}
		for _, s := range subs {
			f.Subcommittees = append(f.Subcommittees, Subcommittee{Index: s, Pubkeys: encodeKeys(x.Subcommittees[s])})
		}
	case aggduty.CapturedBeaconCommitteeSelection:
		if x.Selection == nil {
			return nil, errors.New("trace: captured_beacon_committee_selection: missing selection")
		}
		f.ValidatorIndex, f.Slot = u64p(uint64(x.Selection.ValidatorIndex)), u64p(uint64(x.Selection.Slot))
		f.SelectionProof = Hex(x.Selection.SelectionProof[:])
	case aggduty.CapturedSyncCommitteeSelection:
		if x.Selection == nil {
			return nil, errors.New("trace: captured_sync_committee_selection: missing selection")
		}
		f.ValidatorIndex, f.Slot = u64p(uint64(x.Selection.ValidatorIndex)), u64p(uint64(x.Selection.Slot))
		f.SubcommitteeIndex = u64p(x.Selection.SubcommitteeIndex)
		f.SelectionProof = Hex(x.Selection.SelectionProof[:])
	case aggduty.AttestationSubmitted:
		f.DataSSZ, err = sszNonNil(x.Data, x.Data == nil)
	case aggduty.SyncCommitteeMessageSubmitted:
		f.Slot = u64p(uint64(x.Slot))
		f.BeaconBlockRoot = Hex(x.BeaconBlockRoot[:])
	case aggduty.AggregateConsensusDecided:
		f.Instance = encodeID(x.ID)
		f.AttestationFork, f.AttestationSSZ, err = encodeVersionedAttestation(x.Aggregate)
	case aggduty.ContributionConsensusDecided:
		f.Instance = encodeID(x.ID)
		f.ContributionsSSZ = []Hex{}
		for _, c := range x.Contributions {
			var h Hex
			if h, err = sszNonNil(c, c == nil); err != nil {
				break
			}
			f.ContributionsSSZ = append(f.ContributionsSSZ, h)
		}
	case aggduty.CapturedAggregateAndProof:
		f.Fork, f.SignedSSZ, err = encodeSignedAggregateAndProof(x.Signed)
	case aggduty.CapturedContributionAndProof:
		f.SignedSSZ, err = sszNonNil(x.Signed, x.Signed == nil)
	case aggduty.ReceivedAggregationShare:
		f.ShareSSZ, err = sszNonNil(x.Share, x.Share == nil)
	default:
		return nil, fmt.Errorf("trace: unknown aggregation event %T (events are values)", ev)
	}
	if err != nil {
		return nil, fmt.Errorf("trace: %s: %w", ev.EventName(), err)
	}
	return Item{ev.EventName(): f}, nil
}

func sszNonNil(m marshaler, isNil bool) (Hex, error) {
	if isNil {
		return nil, errors.New("missing container")
	}
	return ssz(m)
}

// DecodeAggEvent converts an aggregation event back.
func DecodeAggEvent(chain signing.Chain, it Item) (aggduty.Event, error) {
	return decodeItem(chain, it, "aggregation event", decodeAggEvent)
}

func decodeAggEvent(_ signing.Chain, name string, f *Fields) (aggduty.Event, error) {
	switch name {
	case aggduty.ServeAggregatorDuty{}.EventName():
		d, err := decodeSSZ[spec.AttestationDuty](f.DutySSZ, "duty_ssz")
		if err != nil {
			return nil, err
		}
		ks, err := decodeKeys(f.Committee, "committee")
		return aggduty.ServeAggregatorDuty{Duty: d, Committee: ks}, err
	case aggduty.ServeSyncContributionDuty{}.EventName():
		d, err := decodeSSZ[spec.SyncCommitteeDuty](f.DutySSZ, "duty_ssz")
		if err != nil {
			return nil, err
		}
		if f.Slot == nil {
			return nil, errors.New("missing slot")
		}
		subs := map[uint64][]phase0.BLSPubKey{}
		for _, s := range f.Subcommittees {
			if _, dup := subs[s.Index]; dup {
				return nil, fmt.Errorf("subcommittee %d twice", s.Index)
			}
			ks, err := decodeKeys(s.Pubkeys, fmt.Sprintf("subcommittees[%d]", s.Index))
			if err != nil {
				return nil, err
			}
			subs[s.Index] = ks
		}
		return aggduty.ServeSyncContributionDuty{Duty: d, Slot: phase0.Slot(*f.Slot), Subcommittees: subs}, nil
	case aggduty.CapturedBeaconCommitteeSelection{}.EventName():
		if f.ValidatorIndex == nil || f.Slot == nil {
			return nil, errors.New("missing validator_index or slot")
		}
		p, err := sig(f.SelectionProof, "selection_proof")
		return aggduty.CapturedBeaconCommitteeSelection{Selection: &apiv1.BeaconCommitteeSelection{
			ValidatorIndex: phase0.ValidatorIndex(*f.ValidatorIndex), Slot: phase0.Slot(*f.Slot), SelectionProof: p}}, err
	case aggduty.CapturedSyncCommitteeSelection{}.EventName():
		if f.ValidatorIndex == nil || f.Slot == nil || f.SubcommitteeIndex == nil {
			return nil, errors.New("missing validator_index, slot or subcommittee_index")
		}
		p, err := sig(f.SelectionProof, "selection_proof")
		return aggduty.CapturedSyncCommitteeSelection{Selection: &ethnode.SyncCommitteeSelection{
			ValidatorIndex: phase0.ValidatorIndex(*f.ValidatorIndex), Slot: phase0.Slot(*f.Slot),
			SubcommitteeIndex: *f.SubcommitteeIndex, SelectionProof: p}}, err
	case aggduty.AttestationSubmitted{}.EventName():
		d, err := decodeSSZ[phase0.AttestationData](f.DataSSZ, "data_ssz")
		return aggduty.AttestationSubmitted{Data: d}, err
	case aggduty.SyncCommitteeMessageSubmitted{}.EventName():
		if f.Slot == nil {
			return nil, errors.New("missing slot")
		}
		r, err := root(f.BeaconBlockRoot, "beacon_block_root")
		return aggduty.SyncCommitteeMessageSubmitted{Slot: phase0.Slot(*f.Slot), BeaconBlockRoot: r}, err
	case aggduty.AggregateConsensusDecided{}.EventName():
		id, err := decodeID(f.Instance)
		if err != nil {
			return nil, err
		}
		a, err := decodeVersionedAttestation(f.AttestationFork, f.AttestationSSZ)
		return aggduty.AggregateConsensusDecided{ID: id, Aggregate: a}, err
	case aggduty.ContributionConsensusDecided{}.EventName():
		id, err := decodeID(f.Instance)
		if err != nil {
			return nil, err
		}
		out := aggduty.ContributionConsensusDecided{ID: id}
		for i, h := range f.ContributionsSSZ {
			c, err := decodeSSZ[altair.SyncCommitteeContribution](h, fmt.Sprintf("contributions_ssz[%d]", i))
			if err != nil {
				return nil, err
			}
			out.Contributions = append(out.Contributions, c)
		}
		return out, nil
	case aggduty.CapturedAggregateAndProof{}.EventName():
		s, err := decodeSignedAggregateAndProof(f.Fork, f.SignedSSZ)
		return aggduty.CapturedAggregateAndProof{Signed: s}, err
	case aggduty.CapturedContributionAndProof{}.EventName():
		s, err := decodeSSZ[altair.SignedContributionAndProof](f.SignedSSZ, "signed_ssz")
		return aggduty.CapturedContributionAndProof{Signed: s}, err
	case aggduty.ReceivedAggregationShare{}.EventName():
		s, err := decodeSSZ[networking.AggregationShare](f.ShareSSZ, "share_ssz")
		return aggduty.ReceivedAggregationShare{Share: s}, err
	}
	return nil, errors.New("unknown aggregation event name")
}

// EncodeAggOutputs converts the outputs of the aggregation state machine.
func EncodeAggOutputs(chain signing.Chain, outs []aggduty.Output) ([]Item, error) {
	res := make([]Item, 0, len(outs))
	for _, o := range outs {
		j, err := EncodeAggOutput(chain, o)
		if err != nil {
			return nil, err
		}
		res = append(res, j)
	}
	return res, nil
}

// EncodeAggOutput converts one aggregation output; dvc.Broadcast and
// dvc.Ignored are written as the DVC's are.
func EncodeAggOutput(chain signing.Chain, o aggduty.Output) (Item, error) {
	if o == nil {
		return nil, errors.New("trace: nil output")
	}
	f := &Fields{}
	var err error
	switch x := o.(type) {
	case dvc.Broadcast, dvc.Ignored:
		return EncodeOutput(chain, o)
	case aggduty.BeaconCommitteeSelectionCombined:
		if x.Selection == nil {
			return nil, errors.New("trace: beacon_committee_selection_combined without selection")
		}
		f.ValidatorIndex, f.Slot = u64p(uint64(x.Selection.ValidatorIndex)), u64p(uint64(x.Selection.Slot))
		f.SelectionProof = Hex(x.Selection.SelectionProof[:])
		f.IsAggregator = &x.IsAggregator
	case aggduty.SyncCommitteeSelectionCombined:
		if x.Selection == nil {
			return nil, errors.New("trace: sync_committee_selection_combined without selection")
		}
		f.ValidatorIndex, f.Slot = u64p(uint64(x.Selection.ValidatorIndex)), u64p(uint64(x.Selection.Slot))
		f.SubcommitteeIndex = u64p(x.Selection.SubcommitteeIndex)
		f.SelectionProof = Hex(x.Selection.SelectionProof[:])
		f.IsAggregator = &x.IsAggregator
	case aggduty.StartAggregateConsensus:
		f.Instance = encodeID(x.ID)
		v := Validity{CommitteeIndex: u64p(uint64(x.Validity.CommitteeIndex)), Committee: encodeKeys(x.Validity.Committee)}
		v.DataSSZ, err = sszNonNil(x.Validity.Data, x.Validity.Data == nil)
		f.Validity = []Validity{v}
	case aggduty.StartContributionConsensus:
		f.Instance = encodeID(x.ID)
		f.Validity = []Validity{}
		for _, c := range x.Validity {
			f.Validity = append(f.Validity, Validity{Slot: u64p(uint64(c.Slot)), SubcommitteeIndex: u64p(c.SubcommitteeIndex),
				BeaconBlockRoot: Hex(c.BeaconBlockRoot[:]), Committee: encodeKeys(c.Subcommittee)})
		}
	case aggduty.CacheAggregateAndProofForVC:
		f.Fork, f.AggregateAndProofSSZ, err = encodeAggregateAndProof(x.AggregateAndProof)
	case aggduty.CacheContributionAndProofForVC:
		f.ContributionAndProofSSZ, err = sszNonNil(x.ContributionAndProof, x.ContributionAndProof == nil)
	case aggduty.SubmitAggregateAndProof:
		f.Fork, f.SignedSSZ, err = encodeSignedAggregateAndProof(x.Signed)
	case aggduty.SubmitContributionAndProof:
		f.SignedSSZ, err = sszNonNil(x.Signed, x.Signed == nil)
	default:
		return nil, fmt.Errorf("trace: unknown aggregation output %T", o)
	}
	if err != nil {
		return nil, fmt.Errorf("trace: %s: %w", o.OutputName(), err)
	}
	return Item{o.OutputName(): f}, nil
}
