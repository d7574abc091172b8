package trace

import (
	"errors"
	"fmt"
	"slices"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty"
	"github.com/dvspec/go-dvspec/spec/signing"
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

// electraOn tells the container family of a fork: phase0 containers before
// Electra, electra ones from it (consensus-specs electra/beacon-chain.md).
func electraOn(v eth2spec.DataVersion) bool { return v >= eth2spec.DataVersionElectra }

func encodeVersionedAttestation(a *eth2spec.VersionedAttestation) (string, Hex, error) {
	if a == nil {
		return "", nil, errors.New("missing aggregate")
	}
	var m marshaler
	switch a.Version {
	case eth2spec.DataVersionPhase0:
		m = a.Phase0
	case eth2spec.DataVersionAltair:
		m = a.Altair
	case eth2spec.DataVersionBellatrix:
		m = a.Bellatrix
	case eth2spec.DataVersionCapella:
		m = a.Capella
	case eth2spec.DataVersionDeneb:
		m = a.Deneb
	case eth2spec.DataVersionElectra:
		m = a.Electra
	case eth2spec.DataVersionFulu:
		m = a.Fulu
	}
	return encodeVersioned(a.Version, m)
}

// encodeVersioned is the fork name and SSZ of the container m of fork v (a
// typed nil pointer when the versioned value lacks it).
func encodeVersioned(v eth2spec.DataVersion, m marshaler) (string, Hex, error) {
	if m == nil || isNilPtr(m) {
		return "", nil, fmt.Errorf("no container for fork %v", v)
	}
	raw, err := ssz(m)
	return v.String(), raw, err
}

func isNilPtr(m marshaler) bool {
	switch x := m.(type) {
	case *phase0.Attestation:
		return x == nil
	case *electra.Attestation:
		return x == nil
	case *phase0.AggregateAndProof:
		return x == nil
	case *electra.AggregateAndProof:
		return x == nil
	case *phase0.SignedAggregateAndProof:
		return x == nil
	case *electra.SignedAggregateAndProof:
		return x == nil
	}
	return false
}

func decodeVersionedAttestation(fork string, raw Hex) (*eth2spec.VersionedAttestation, error) {
	v, err := dataVersion(fork)
	if err != nil {
		return nil, err
	}
	out := &eth2spec.VersionedAttestation{Version: v}
	if electraOn(v) {
		a, err := decodeSSZ[electra.Attestation](raw, "attestation_ssz")
		if err != nil {
			return nil, err
		}
		if v == eth2spec.DataVersionElectra {
			out.Electra = a
		} else {
			out.Fulu = a
		}
		return out, nil
	}
	a, err := decodeSSZ[phase0.Attestation](raw, "attestation_ssz")
	if err != nil {
		return nil, err
	}
	switch v {
	case eth2spec.DataVersionPhase0:
		out.Phase0 = a
	case eth2spec.DataVersionAltair:
		out.Altair = a
	case eth2spec.DataVersionBellatrix:
		out.Bellatrix = a
	case eth2spec.DataVersionCapella:
		out.Capella = a
	case eth2spec.DataVersionDeneb:
		out.Deneb = a
	default:
		return nil, fmt.Errorf("fork %q has no attestation", fork)
	}
	return out, nil
}

func encodeSignedAggregateAndProof(s *eth2spec.VersionedSignedAggregateAndProof) (string, Hex, error) {
	if s == nil {
		return "", nil, errors.New("missing signed aggregate and proof")
	}
	var m marshaler
	switch s.Version {
	case eth2spec.DataVersionPhase0:
		m = s.Phase0
	case eth2spec.DataVersionAltair:
		m = s.Altair
	case eth2spec.DataVersionBellatrix:
		m = s.Bellatrix
	case eth2spec.DataVersionCapella:
		m = s.Capella
	case eth2spec.DataVersionDeneb:
		m = s.Deneb
	case eth2spec.DataVersionElectra:
		m = s.Electra
	case eth2spec.DataVersionFulu:
		m = s.Fulu
	}
	return encodeVersioned(s.Version, m)
}

func decodeSignedAggregateAndProof(fork string, raw Hex) (*eth2spec.VersionedSignedAggregateAndProof, error) {
	v, err := dataVersion(fork)
	if err != nil {
		return nil, err
	}
	out := &eth2spec.VersionedSignedAggregateAndProof{Version: v}
	if electraOn(v) {
		a, err := decodeSSZ[electra.SignedAggregateAndProof](raw, "signed_ssz")
		if err != nil {
			return nil, err
		}
		if v == eth2spec.DataVersionElectra {
			out.Electra = a
		} else {
			out.Fulu = a
		}
		return out, nil
	}
	a, err := decodeSSZ[phase0.SignedAggregateAndProof](raw, "signed_ssz")
	if err != nil {
		return nil, err
	}
	switch v {
	case eth2spec.DataVersionPhase0:
		out.Phase0 = a
	case eth2spec.DataVersionAltair:
		out.Altair = a
	case eth2spec.DataVersionBellatrix:
		out.Bellatrix = a
	case eth2spec.DataVersionCapella:
		out.Capella = a
	case eth2spec.DataVersionDeneb:
		out.Deneb = a
	default:
		return nil, fmt.Errorf("fork %q has no aggregate and proof", fork)
	}
	return out, nil
}

func encodeAggregateAndProof(s *eth2spec.VersionedAggregateAndProof) (string, Hex, error) {
	if s == nil {
		return "", nil, errors.New("missing aggregate and proof")
	}
	var m marshaler
	switch s.Version {
	case eth2spec.DataVersionPhase0:
		m = s.Phase0
	case eth2spec.DataVersionAltair:
		m = s.Altair
	case eth2spec.DataVersionBellatrix:
		m = s.Bellatrix
	case eth2spec.DataVersionCapella:
		m = s.Capella
	case eth2spec.DataVersionDeneb:
		m = s.Deneb
	case eth2spec.DataVersionElectra:
		m = s.Electra
	case eth2spec.DataVersionFulu:
		m = s.Fulu
	}
	return encodeVersioned(s.Version, m)
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
