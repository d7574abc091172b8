package networking

import (
	"fmt"

	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/signing"
)

// AggregationShareType names what an AggregationShare's signature signs.
// The values are part of the container and never change meaning.
type AggregationShareType uint64

const (
	// ShareSelectionProof: the slot selection proof of an attester
	// (consensus-specs get_slot_signature).
	ShareSelectionProof AggregationShareType = 1
	// ShareSyncSelectionProof: the sync committee selection proof of one
	// subcommittee (altair get_sync_committee_selection_proof).
	ShareSyncSelectionProof AggregationShareType = 2
	// ShareAggregateAndProof: the AggregateAndProof of the decided
	// aggregate (get_aggregate_and_proof_signature).
	ShareAggregateAndProof AggregationShareType = 3
	// ShareContributionAndProof: the ContributionAndProof of the decided
	// contribution (get_contribution_and_proof_signature).
	ShareContributionAndProof AggregationShareType = 4
)

// String returns the lower-case name used in vectors and logs.
func (t AggregationShareType) String() string {
	switch t {
	case ShareSelectionProof:
		return "selection_proof"
	case ShareSyncSelectionProof:
		return "sync_selection_proof"
	case ShareAggregateAndProof:
		return "aggregate_and_proof"
	case ShareContributionAndProof:
		return "contribution_and_proof"
	}
	return fmt.Sprintf("aggregation_share_type_%d", uint64(t))
}

// AggregationShare is one co-validator's partial signature of an
// aggregation-duty object (this spec; the Python and Dafny sources have no
// aggregation, SPEC.md deviation 18). It follows ssv-spec's
// PartialSignatureMessage: the share carries the signing root, not the
// object, because every co-validator can rebuild the object itself (the
// selection data from Slot and SubcommitteeIndex; the AggregateAndProof and
// ContributionAndProof from the value the cluster decided and the combined
// selection proof).
//
//   - Type: an AggregationShareType.
//   - Slot: the duty's slot.
//   - SubcommitteeIndex: the sync subcommittee (sync types only; zero
//     otherwise).
//   - ValidatorIndex: the distributed validator's index.
//   - SigningRoot: the root the signature signs. For the selection proof
//     types it must be the one Slot and SubcommitteeIndex give
//     (Verifier.SigningInput checks it); for the two others the receiver
//     compares it with the root of its own decided object.
//   - Signature: the sender's partial signature of SigningRoot.
//   - ShareIndex: the sender's share index, 1..N.
type AggregationShare struct {
	Type              uint64
	Slot              phase0.Slot
	SubcommitteeIndex uint64
	ValidatorIndex    phase0.ValidatorIndex
	SigningRoot       phase0.Root         `ssz-size:"32"`
	Signature         phase0.BLSSignature `ssz-size:"96"`
	ShareIndex        uint64
}

// Kind implements Message.
func (*AggregationShare) Kind() MessageKind { return KindAggregationShare }

// Signer implements Message.
func (s *AggregationShare) Signer() uint64 { return s.ShareIndex }

// PartialSignature implements Message.
func (s *AggregationShare) PartialSignature() phase0.BLSSignature { return s.Signature }

// SignedSlot implements Message.
func (s *AggregationShare) SignedSlot() (phase0.Slot, error) { return s.Slot, nil }

// Validator implements Message.
func (s *AggregationShare) Validator() (phase0.ValidatorIndex, error) {
	return s.ValidatorIndex, nil
}

// MessageRoot implements Message.
func (s *AggregationShare) MessageRoot() (phase0.Root, error) {
	c := *s
	c.Signature, c.ShareIndex = phase0.BLSSignature{}, 0
	return rootOf(&c)
}

// aggregationSigningInput checks an aggregation share's structure and
// returns what it signs: for a selection proof, the input the slot (and
// subcommittee) give, which must be the carried root; for an
// AggregateAndProof or ContributionAndProof, the carried root (the
// receiver checks it against its decided object).
func aggregationSigningInput(chain signing.Chain, s *AggregationShare) (signing.SigningInput, error) {
	var in signing.SigningInput
	var err error
	switch AggregationShareType(s.Type) {
	case ShareSelectionProof:
		if s.SubcommitteeIndex != 0 {
			return in, fmt.Errorf("%w: selection proof share with subcommittee %d", ErrMalformedShare, s.SubcommitteeIndex)
		}
		in, err = chain.AggregationSlot(s.Slot)
	case ShareSyncSelectionProof:
		if s.SubcommitteeIndex >= chain.ChainConfig().SyncCommitteeSubnetCount {
			return in, fmt.Errorf("%w: sync subcommittee %d of %d", ErrMalformedShare, s.SubcommitteeIndex, chain.ChainConfig().SyncCommitteeSubnetCount)
		}
		in, err = chain.SyncCommitteeSelectionProof(&altair.SyncAggregatorSelectionData{Slot: s.Slot, SubcommitteeIndex: s.SubcommitteeIndex})
	case ShareAggregateAndProof:
		if s.SubcommitteeIndex != 0 {
			return in, fmt.Errorf("%w: aggregate and proof share with subcommittee %d", ErrMalformedShare, s.SubcommitteeIndex)
		}
		return signing.SigningInput{SigningRoot: s.SigningRoot}, nil
	case ShareContributionAndProof:
		if s.SubcommitteeIndex >= chain.ChainConfig().SyncCommitteeSubnetCount {
			return in, fmt.Errorf("%w: sync subcommittee %d of %d", ErrMalformedShare, s.SubcommitteeIndex, chain.ChainConfig().SyncCommitteeSubnetCount)
		}
		return signing.SigningInput{SigningRoot: s.SigningRoot}, nil
	default:
		return in, fmt.Errorf("%w: unknown aggregation share type %d", ErrMalformedShare, s.Type)
	}
	if err != nil {
		return in, fmt.Errorf("%w: %w", ErrMalformedShare, err)
	}
	if in.SigningRoot != s.SigningRoot {
		return in, fmt.Errorf("%w: %s share signs %#x, slot %d gives %#x", ErrMalformedShare, AggregationShareType(s.Type), s.SigningRoot[:4], s.Slot, in.SigningRoot[:4])
	}
	return in, nil
}

// ConstructAggregationSignature combines aggregation shares of one message
// into the validator's signature of their signing root, with the checks of
// ConstructSignedAttestation (this spec: the counterpart of the
// construct_signed_* functions for the aggregation duties, deviation 18).
// The caller puts the signature into the object it rebuilt.
func ConstructAggregationSignature(v Verifier, shares []*AggregationShare) (phase0.BLSSignature, error) {
	_, sig, err := combine(v, shares)
	return sig, err
}
