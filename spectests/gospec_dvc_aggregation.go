package spectests

import (
	"fmt"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty"
	"github.com/dvspec/go-dvspec/spec/versioned"
)

var _ AggregationImplementation = GoSpec{}

// GoAggregation is spec/dvc/aggduty behind the AggregationDVC interface.
type GoAggregation struct {
	Cfg *dvc.Config
	O   aggduty.Oracles
	St  *aggduty.State
}

// NewAggregationDVC implements AggregationImplementation.
func (GoSpec) NewAggregationDVC(c DVCConfig) (AggregationDVC, error) {
	cfg, _, err := SpecDVCConfig(c)
	if err != nil {
		return nil, err
	}
	var o aggduty.Oracles
	if c.SignerSecretKey != nil {
		o.Signer = aggduty.KeyShareSigner{Share: bls.Share{Index: c.ShareIndex, SecretKey: bls.SecretKey(*c.SignerSecretKey)}}
	}
	return &GoAggregation{Cfg: cfg, O: o, St: aggduty.NewState()}, nil
}

// Step implements AggregationDVC.
func (g *GoAggregation) Step(ev AggregationEvent) ([]AggregationOutput, error) {
	e, err := DecodeAggregationEvent(ev)
	if err != nil {
		return nil, err
	}
	next, out, err := aggduty.Step(g.Cfg, g.St, e, g.O)
	if err != nil {
		return nil, err
	}
	g.St = next
	return EncodeAggregationOutputs(out)
}

func pubkeys(list [][48]byte) []phase0.BLSPubKey {
	out := make([]phase0.BLSPubKey, len(list))
	for i, k := range list {
		out[i] = k
	}
	return out
}

func vectorKeys(list []phase0.BLSPubKey) [][48]byte {
	out := make([][48]byte, len(list))
	for i, k := range list {
		out[i] = k
	}
	return out
}

// DecodeAggregationEvent turns an AggregationEvent into the aggduty event
// it encodes; a container that does not decode makes it malformed.
func DecodeAggregationEvent(ev AggregationEvent) (aggduty.Event, error) {
	switch ev.Name {
	case "serve_aggregator_duty":
		d := new(spec.AttestationDuty)
		if err := decode(ev.Duty, d); err != nil {
			return nil, malformed("duty", err)
		}
		return aggduty.ServeAggregatorDuty{Duty: d, Committee: pubkeys(ev.Committee)}, nil
	case "serve_sync_contribution_duty":
		d := new(spec.SyncCommitteeDuty)
		if err := decode(ev.Duty, d); err != nil {
			return nil, malformed("duty", err)
		}
		subs := map[uint64][]phase0.BLSPubKey{}
		for _, s := range ev.Subcommittees {
			subs[s.Index] = pubkeys(s.PublicKeys)
		}
		return aggduty.ServeSyncContributionDuty{Duty: d, Slot: phase0.Slot(ev.Slot), Subcommittees: subs}, nil
	case "captured_beacon_committee_selection":
		return aggduty.CapturedBeaconCommitteeSelection{Selection: &apiv1.BeaconCommitteeSelection{
			ValidatorIndex: phase0.ValidatorIndex(ev.ValidatorIndex), Slot: phase0.Slot(ev.Slot), SelectionProof: ev.SelectionProof}}, nil
	case "captured_sync_committee_selection":
		return aggduty.CapturedSyncCommitteeSelection{Selection: &ethnode.SyncCommitteeSelection{
			ValidatorIndex: phase0.ValidatorIndex(ev.ValidatorIndex), Slot: phase0.Slot(ev.Slot), SubcommitteeIndex: ev.SubcommitteeIndex, SelectionProof: ev.SelectionProof}}, nil
	case "attestation_submitted":
		d := new(phase0.AttestationData)
		if err := decode(ev.Data, d); err != nil {
			return nil, malformed("data", err)
		}
		return aggduty.AttestationSubmitted{Data: d}, nil
	case "sync_committee_message_submitted":
		return aggduty.SyncCommitteeMessageSubmitted{Slot: phase0.Slot(ev.Slot), BeaconBlockRoot: ev.BeaconBlockRoot}, nil
	case "aggregate_consensus_decided":
		a, err := decodeAggregate(ev.Fork, ev.Aggregate)
		if err != nil {
			return nil, malformed("aggregate", err)
		}
		return aggduty.AggregateConsensusDecided{ID: SpecInstanceID(ev.Instance), Aggregate: a}, nil
	case "contribution_consensus_decided":
		var cs []*altair.SyncCommitteeContribution
		for _, b := range ev.Contributions {
			c := new(altair.SyncCommitteeContribution)
			if err := decode(b, c); err != nil {
				return nil, malformed("contribution", err)
			}
			cs = append(cs, c)
		}
		return aggduty.ContributionConsensusDecided{ID: SpecInstanceID(ev.Instance), Contributions: cs}, nil
	case "captured_aggregate_and_proof":
		s, err := decodeSignedAggregateAndProof(ev.Fork, ev.Signed)
		if err != nil {
			return nil, malformed("signed aggregate and proof", err)
		}
		return aggduty.CapturedAggregateAndProof{Signed: s}, nil
	case "captured_contribution_and_proof":
		s := new(altair.SignedContributionAndProof)
		if err := decode(ev.Signed, s); err != nil {
			return nil, malformed("signed contribution and proof", err)
		}
		return aggduty.CapturedContributionAndProof{Signed: s}, nil
	case "received_aggregation_share":
		s := new(networking.AggregationShare)
		if err := decode(ev.Share, s); err != nil {
			return nil, malformed("share", err)
		}
		return aggduty.ReceivedAggregationShare{Share: s}, nil
	}
	return nil, fmt.Errorf("%w: unknown event %q", dvc.ErrMalformedEvent, ev.Name)
}

func decodeAggregate(fork string, b []byte) (*eth2spec.VersionedAttestation, error) {
	v, err := DataVersion(fork)
	if err != nil {
		return nil, err
	}
	return decodeVersioned(v, b, decode, versioned.NewAttestation, &eth2spec.VersionedAttestation{Version: v}, versioned.SetAttestation)
}

func decodeSignedAggregateAndProof(fork string, b []byte) (*eth2spec.VersionedSignedAggregateAndProof, error) {
	v, err := DataVersion(fork)
	if err != nil {
		return nil, err
	}
	return decodeVersioned(v, b, decode, versioned.NewSignedAggregateAndProof, &eth2spec.VersionedSignedAggregateAndProof{Version: v}, versioned.SetSignedAggregateAndProof)
}

// EncodeAggregationOutputs converts aggduty outputs to AggregationOutputs.
func EncodeAggregationOutputs(out []aggduty.Output) ([]AggregationOutput, error) {
	res := make([]AggregationOutput, 0, len(out))
	for _, o := range out {
		x := AggregationOutput{Name: o.OutputName()}
		var err error
		switch o := o.(type) {
		case dvc.Broadcast:
			x.MessageKind, x.To = o.Message.Kind().String(), o.To
			x.Message, err = sszOf(o.Message)
		case dvc.Ignored:
			x.Reason, x.Slot = string(o.Reason), uint64(o.Slot)
		case aggduty.BeaconCommitteeSelectionCombined:
			s := o.Selection
			x.ValidatorIndex, x.Slot, x.SelectionProof, x.Served, x.IsAggregator = uint64(s.ValidatorIndex), uint64(s.Slot), s.SelectionProof, o.Served, o.IsAggregator
		case aggduty.SyncCommitteeSelectionCombined:
			s := o.Selection
			x.ValidatorIndex, x.Slot, x.SubcommitteeIndex, x.SelectionProof, x.Served, x.IsAggregator = uint64(s.ValidatorIndex), uint64(s.Slot), s.SubcommitteeIndex, s.SelectionProof, o.Served, o.IsAggregator
		case aggduty.StartAggregateConsensus:
			x.Instance, x.CommitteeIndex, x.Committee = VectorInstanceID(o.ID), uint64(o.Validity.CommitteeIndex), vectorKeys(o.Validity.Committee)
			x.Data, err = sszOf(o.Validity.Data)
		case aggduty.StartContributionConsensus:
			x.Instance = VectorInstanceID(o.ID)
			for _, v := range o.Validity {
				x.Validities = append(x.Validities, ContributionValidity{Slot: uint64(v.Slot), SubcommitteeIndex: v.SubcommitteeIndex,
					BeaconBlockRoot: v.BeaconBlockRoot, Subcommittee: vectorKeys(v.Subcommittee)})
			}
		case aggduty.CacheAggregateAndProofForVC:
			var c versioned.Container
			if c, err = versioned.AggregateAndProof(o.AggregateAndProof); err == nil {
				x.Fork = o.AggregateAndProof.Version.String()
				x.Object, err = sszOf(c)
			}
		case aggduty.CacheContributionAndProofForVC:
			x.Object, err = sszOf(o.ContributionAndProof)
		case aggduty.SubmitAggregateAndProof:
			var c versioned.Container
			if c, err = versioned.SignedAggregateAndProof(o.Signed); err == nil {
				x.Fork = o.Signed.Version.String()
				x.Object, err = sszOf(c)
			}
		case aggduty.SubmitContributionAndProof:
			x.Object, err = sszOf(o.Signed)
		default:
			return nil, fmt.Errorf("unknown aggregation output %T", o)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", x.Name, err)
		}
		res = append(res, x)
	}
	return res, nil
}
