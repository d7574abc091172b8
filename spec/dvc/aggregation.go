package dvc

import (
	"fmt"

	bitfield "github.com/OffchainLabs/go-bitfield"

	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
)

// DafnyAggregationBits is Dafny get_aggregation_bits(index): a sequence of
// index booleans with only the last (position index-1) true, so index 0
// gives the empty sequence. The Dafny model calls it with the duty's
// validator_index; the Go spec does not use it (amendment A1, see
// AggregationBits) and keeps it only so vectors can show the difference.
//
// It is Dafny f_get_aggregation_bits, kept for vectors that show the quirk.
func DafnyAggregationBits(index uint64) []bool {
	out := make([]bool, index)
	if index > 0 {
		out[index-1] = true
	}
	return out
}

// AggregationBits is the Ethereum-correct replacement of Dafny
// get_aggregation_bits (amendment A1): a bitlist of committee_length bits
// with bit validator_committee_index set, which is what consensus-specs
// (validator.md, "Construct attestation") puts in an unaggregated
// attestation.
func AggregationBits(duty *spec.AttestationDuty) (bitfield.Bitlist, error) {
	if duty == nil {
		return nil, fmt.Errorf("%w: nil attestation duty", ErrMalformedEvent)
	}
	if duty.CommitteeLength == 0 || duty.CommitteeLength > networking.MaxValidatorsPerCommittee {
		return nil, fmt.Errorf("%w: committee length %d outside 1..%d", ErrMalformedEvent, duty.CommitteeLength, networking.MaxValidatorsPerCommittee)
	}
	if duty.ValidatorCommitteeIndex >= duty.CommitteeLength {
		return nil, fmt.Errorf("%w: validator committee index %d not below committee length %d", ErrMalformedEvent, duty.ValidatorCommitteeIndex, duty.CommitteeLength)
	}
	bits := bitfield.NewBitlist(duty.CommitteeLength)
	bits.SetBitAt(duty.ValidatorCommitteeIndex, true)
	return bits, nil
}
