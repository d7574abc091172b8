package aggduty

import (
	"fmt"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"
)

type apiv1BeaconCommitteeSelection = apiv1.BeaconCommitteeSelection

// aggregateAndProof is consensus-specs get_aggregate_and_proof in the
// aggregate's fork shape.
func aggregateAndProof(aggregator phase0.ValidatorIndex, a *eth2spec.VersionedAttestation, proof phase0.BLSSignature) *eth2spec.VersionedAggregateAndProof {
	out := &eth2spec.VersionedAggregateAndProof{Version: a.Version}
	p0 := func(att *phase0.Attestation) *phase0.AggregateAndProof {
		return &phase0.AggregateAndProof{AggregatorIndex: aggregator, Aggregate: att, SelectionProof: proof}
	}
	switch a.Version {
	case eth2spec.DataVersionPhase0:
		out.Phase0 = p0(a.Phase0)
	case eth2spec.DataVersionAltair:
		out.Altair = p0(a.Altair)
	case eth2spec.DataVersionBellatrix:
		out.Bellatrix = p0(a.Bellatrix)
	case eth2spec.DataVersionCapella:
		out.Capella = p0(a.Capella)
	case eth2spec.DataVersionDeneb:
		out.Deneb = p0(a.Deneb)
	case eth2spec.DataVersionElectra:
		out.Electra = &electra.AggregateAndProof{AggregatorIndex: aggregator, Aggregate: a.Electra, SelectionProof: proof}
	case eth2spec.DataVersionFulu:
		out.Fulu = &electra.AggregateAndProof{AggregatorIndex: aggregator, Aggregate: a.Fulu, SelectionProof: proof}
	}
	return out
}

func signedAggregateAndProof(ap *eth2spec.VersionedAggregateAndProof, sig phase0.BLSSignature) *eth2spec.VersionedSignedAggregateAndProof {
	out := &eth2spec.VersionedSignedAggregateAndProof{Version: ap.Version}
	p0 := func(m *phase0.AggregateAndProof) *phase0.SignedAggregateAndProof {
		return &phase0.SignedAggregateAndProof{Message: m, Signature: sig}
	}
	switch ap.Version {
	case eth2spec.DataVersionPhase0:
		out.Phase0 = p0(ap.Phase0)
	case eth2spec.DataVersionAltair:
		out.Altair = p0(ap.Altair)
	case eth2spec.DataVersionBellatrix:
		out.Bellatrix = p0(ap.Bellatrix)
	case eth2spec.DataVersionCapella:
		out.Capella = p0(ap.Capella)
	case eth2spec.DataVersionDeneb:
		out.Deneb = p0(ap.Deneb)
	case eth2spec.DataVersionElectra:
		out.Electra = &electra.SignedAggregateAndProof{Message: ap.Electra, Signature: sig}
	case eth2spec.DataVersionFulu:
		out.Fulu = &electra.SignedAggregateAndProof{Message: ap.Fulu, Signature: sig}
	}
	return out
}

// splitSignedAggregateAndProof returns the message and the signature of a
// signed aggregate and proof, checking that its version's field is set.
func splitSignedAggregateAndProof(s *eth2spec.VersionedSignedAggregateAndProof) (*eth2spec.VersionedAggregateAndProof, phase0.BLSSignature, error) {
	if s == nil {
		return nil, phase0.BLSSignature{}, fmt.Errorf("missing signed aggregate and proof")
	}
	out := &eth2spec.VersionedAggregateAndProof{Version: s.Version}
	var sig phase0.BLSSignature
	var ok bool
	p0 := func(m *phase0.SignedAggregateAndProof) *phase0.AggregateAndProof {
		if m == nil || m.Message == nil || m.Message.Aggregate == nil || m.Message.Aggregate.Data == nil {
			return nil
		}
		sig, ok = m.Signature, true
		return m.Message
	}
	el := func(m *electra.SignedAggregateAndProof) *electra.AggregateAndProof {
		if m == nil || m.Message == nil || m.Message.Aggregate == nil || m.Message.Aggregate.Data == nil {
			return nil
		}
		sig, ok = m.Signature, true
		return m.Message
	}
	switch s.Version {
	case eth2spec.DataVersionPhase0:
		out.Phase0 = p0(s.Phase0)
	case eth2spec.DataVersionAltair:
		out.Altair = p0(s.Altair)
	case eth2spec.DataVersionBellatrix:
		out.Bellatrix = p0(s.Bellatrix)
	case eth2spec.DataVersionCapella:
		out.Capella = p0(s.Capella)
	case eth2spec.DataVersionDeneb:
		out.Deneb = p0(s.Deneb)
	case eth2spec.DataVersionElectra:
		out.Electra = el(s.Electra)
	case eth2spec.DataVersionFulu:
		out.Fulu = el(s.Fulu)
	}
	if !ok {
		return nil, sig, fmt.Errorf("%s signed aggregate and proof without its message", s.Version)
	}
	return out, sig, nil
}

func aggregatorIndex(ap *eth2spec.VersionedAggregateAndProof) phase0.ValidatorIndex {
	if ap.Version >= eth2spec.DataVersionElectra {
		if ap.Electra != nil {
			return ap.Electra.AggregatorIndex
		}
		return ap.Fulu.AggregatorIndex
	}
	return p0Message(ap).AggregatorIndex
}

func aggregateSlot(ap *eth2spec.VersionedAggregateAndProof) phase0.Slot {
	if ap.Version >= eth2spec.DataVersionElectra {
		if ap.Electra != nil {
			return ap.Electra.Aggregate.Data.Slot
		}
		return ap.Fulu.Aggregate.Data.Slot
	}
	return p0Message(ap).Aggregate.Data.Slot
}

func p0Message(ap *eth2spec.VersionedAggregateAndProof) *phase0.AggregateAndProof {
	for _, m := range []*phase0.AggregateAndProof{ap.Phase0, ap.Altair, ap.Bellatrix, ap.Capella, ap.Deneb} {
		if m != nil {
			return m
		}
	}
	return nil
}
