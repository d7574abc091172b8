package versioned

import (
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// AggregateAndProofOf is consensus-specs get_aggregate_and_proof
// (phase0/validator.md) in the aggregate's fork: the AggregateAndProof of
// a's family (electra/beacon-chain.md modifies it with Attestation), in
// the field of a's version. An attestation without its version's field is
// an error, never an aggregate and proof around a nil aggregate.
func AggregateAndProofOf(aggregator phase0.ValidatorIndex, a *eth2spec.VersionedAttestation, proof phase0.BLSSignature) (*eth2spec.VersionedAggregateAndProof, error) {
	c, err := Attestation(a)
	if err != nil {
		return nil, err
	}
	var m Container
	switch att := c.(type) {
	case *phase0.Attestation:
		m = &phase0.AggregateAndProof{AggregatorIndex: aggregator, Aggregate: att, SelectionProof: proof}
	case *electra.Attestation:
		m = &electra.AggregateAndProof{AggregatorIndex: aggregator, Aggregate: att, SelectionProof: proof}
	}
	out := &eth2spec.VersionedAggregateAndProof{Version: a.Version}
	if err := SetAggregateAndProof(out, m); err != nil {
		return nil, err
	}
	return out, nil
}

// SignedAggregateAndProofOf is the SignedAggregateAndProof of ap and its
// signature sig (consensus-specs phase0/validator.md, "Broadcast
// aggregate"), in the container and field of ap's version.
func SignedAggregateAndProofOf(ap *eth2spec.VersionedAggregateAndProof, sig phase0.BLSSignature) (*eth2spec.VersionedSignedAggregateAndProof, error) {
	c, err := AggregateAndProof(ap)
	if err != nil {
		return nil, err
	}
	var s Container
	switch m := c.(type) {
	case *phase0.AggregateAndProof:
		s = &phase0.SignedAggregateAndProof{Message: m, Signature: sig}
	case *electra.AggregateAndProof:
		s = &electra.SignedAggregateAndProof{Message: m, Signature: sig}
	}
	out := &eth2spec.VersionedSignedAggregateAndProof{Version: ap.Version}
	if err := SetSignedAggregateAndProof(out, s); err != nil {
		return nil, err
	}
	return out, nil
}
