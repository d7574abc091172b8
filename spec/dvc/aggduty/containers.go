package aggduty

import (
	"fmt"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/versioned"
)

type apiv1BeaconCommitteeSelection = apiv1.BeaconCommitteeSelection

// splitAggregateAndProof is a signed aggregate and proof taken apart: its
// message (in its fork shape), the message's aggregator and aggregate slot,
// and the signature.
type splitAggregateAndProof struct {
	message    *eth2spec.VersionedAggregateAndProof
	aggregator phase0.ValidatorIndex
	slot       phase0.Slot
	signature  phase0.BLSSignature
}

// splitSignedAggregateAndProof takes a signed aggregate and proof apart,
// checking that its version's field, message, aggregate and data are set.
func splitSignedAggregateAndProof(s *eth2spec.VersionedSignedAggregateAndProof) (splitAggregateAndProof, error) {
	c, err := versioned.SignedAggregateAndProof(s)
	if err != nil {
		return splitAggregateAndProof{}, err
	}
	var out splitAggregateAndProof
	var m versioned.Container
	var data *phase0.AttestationData
	switch x := c.(type) {
	case *phase0.SignedAggregateAndProof:
		if x.Message != nil && x.Message.Aggregate != nil {
			m, out.aggregator, data = x.Message, x.Message.AggregatorIndex, x.Message.Aggregate.Data
		}
		out.signature = x.Signature
	case *electra.SignedAggregateAndProof:
		if x.Message != nil && x.Message.Aggregate != nil {
			m, out.aggregator, data = x.Message, x.Message.AggregatorIndex, x.Message.Aggregate.Data
		}
		out.signature = x.Signature
	}
	if data == nil {
		return splitAggregateAndProof{}, fmt.Errorf("%s signed aggregate and proof without its message", s.Version)
	}
	out.slot = data.Slot
	out.message = &eth2spec.VersionedAggregateAndProof{Version: s.Version}
	if err := versioned.SetAggregateAndProof(out.message, m); err != nil {
		return splitAggregateAndProof{}, err
	}
	return out, nil
}
