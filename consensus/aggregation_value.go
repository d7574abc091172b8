package consensus

import (
	"fmt"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/versioned"
)

// The values of the aggregation instances (SPEC.md section 12):
//
//	DutyAggregator:       SSZ(Attestation) of the fork in force at the
//	                      instance's slot (phase0's container before
//	                      Electra, Electra's from Electra on), in the
//	                      chain's sizes; the slot gives the fork, so no
//	                      version is carried
//	DutySyncContribution: SSZ(List[SyncCommitteeContribution,
//	                      SYNC_COMMITTEE_SUBNET_COUNT]): the contributions
//	                      of the subcommittees the validator aggregates for,
//	                      ascending; a contribution has a fixed size, so the
//	                      list is their concatenation

// EncodeAggregate is the aggregator consensus value (this spec, deviation
// 18): the aggregate's SSZ in the shape and sizes of the fork in force at
// slot.
func EncodeAggregate(chain signing.Chain, slot phase0.Slot, agg *eth2spec.VersionedAttestation) ([]byte, error) {
	fork, err := chain.ForkAtSlot(slot)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidValue, err)
	}
	if agg == nil || agg.Version != fork.Name {
		return nil, fmt.Errorf("%w: aggregate is not in the shape of %s, in force at slot %d", ErrInvalidValue, fork.Name, slot)
	}
	c, err := versioned.Attestation(agg)
	if err != nil {
		return nil, fmt.Errorf("%w: missing %s aggregate: %w", ErrInvalidValue, fork.Name, err)
	}
	switch a := c.(type) {
	case *electra.Attestation:
		if a.Data == nil {
			return nil, fmt.Errorf("%w: missing %s aggregate", ErrInvalidValue, fork.Name)
		}
		if want := (chain.ChainConfig().MaxCommitteesPerSlot + 7) / 8; uint64(len(a.CommitteeBits)) != want {
			return nil, fmt.Errorf("%w: %d bytes of committee bits, the chain config has %d", ErrInvalidValue, len(a.CommitteeBits), want)
		}
	case *phase0.Attestation:
		if a.Data == nil {
			return nil, fmt.Errorf("%w: missing %s aggregate", ErrInvalidValue, fork.Name)
		}
	}
	out, err := chain.MarshalSSZ(c)
	if err != nil {
		return nil, fmt.Errorf("%w: aggregate: %w", ErrInvalidValue, err)
	}
	return out, nil
}

// DecodeAggregate decodes an aggregator consensus value of the instance at
// slot; the encoding must be canonical, in the chain's sizes.
func DecodeAggregate(chain signing.Chain, slot phase0.Slot, value []byte) (*eth2spec.VersionedAttestation, error) {
	fork, err := chain.ForkAtSlot(slot)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidValue, err)
	}
	a, err := versioned.NewAttestation(fork.Name)
	if err != nil {
		return nil, fmt.Errorf("%w: aggregate: %w", ErrInvalidValue, err)
	}
	if err := chain.DecodeCanonical(value, a); err != nil {
		return nil, fmt.Errorf("%w: aggregate: %w", ErrInvalidValue, err)
	}
	out := &eth2spec.VersionedAttestation{Version: fork.Name}
	if err := versioned.SetAttestation(out, a); err != nil {
		return nil, fmt.Errorf("%w: aggregate: %w", ErrInvalidValue, err)
	}
	return out, nil
}

// EncodeContributions is the sync contribution consensus value (this
// spec, deviation 18): SSZ(List[SyncCommitteeContribution,
// SYNC_COMMITTEE_SUBNET_COUNT]) in the chain's sizes, one to
// SYNC_COMMITTEE_SUBNET_COUNT contributions.
func EncodeContributions(chain signing.Chain, cs []*altair.SyncCommitteeContribution) ([]byte, error) {
	if len(cs) == 0 || uint64(len(cs)) > chain.ChainConfig().SyncCommitteeSubnetCount {
		return nil, fmt.Errorf("%w: %d contributions, 1..%d allowed", ErrInvalidValue, len(cs), chain.ChainConfig().SyncCommitteeSubnetCount)
	}
	var out []byte
	for i, c := range cs {
		b, err := EncodeSyncCommitteeContribution(chain, c)
		if err != nil {
			return nil, fmt.Errorf("contribution %d: %w", i, err)
		}
		out = append(out, b...)
	}
	return out, nil
}

// DecodeContributions decodes a sync contribution consensus value: a
// non-empty whole number of canonical contributions, at most
// SYNC_COMMITTEE_SUBNET_COUNT.
func DecodeContributions(chain signing.Chain, value []byte) ([]*altair.SyncCommitteeContribution, error) {
	size := 8 + 32 + 8 + int(chain.ChainConfig().SyncSubcommitteeSize()/8) + 96
	n := len(value) / size
	if len(value) == 0 || len(value)%size != 0 || uint64(n) > chain.ChainConfig().SyncCommitteeSubnetCount {
		return nil, fmt.Errorf("%w: %d bytes are not 1..%d contributions of %d bytes", ErrInvalidValue, len(value), chain.ChainConfig().SyncCommitteeSubnetCount, size)
	}
	out := make([]*altair.SyncCommitteeContribution, 0, n)
	for i := range n {
		c, err := DecodeSyncCommitteeContribution(chain, value[i*size:(i+1)*size])
		if err != nil {
			return nil, fmt.Errorf("contribution %d: %w", i, err)
		}
		out = append(out, c)
	}
	return out, nil
}
