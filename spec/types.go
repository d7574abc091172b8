package spec

import (
	"fmt"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/slashing"
)

// Ethereum scalar types. They are aliases of go-eth2-client's phase0 types so
// values move between the spec and the consensus types without conversion.
type (
	Slot           = phase0.Slot
	Epoch          = phase0.Epoch
	ValidatorIndex = phase0.ValidatorIndex
	CommitteeIndex = phase0.CommitteeIndex
	Root           = phase0.Root
	BLSPubKey      = phase0.BLSPubKey
	BLSSignature   = phase0.BLSSignature
	Version        = phase0.Version
	Domain         = phase0.Domain
	DomainType     = phase0.DomainType
)

// MaxCoValidators bounds the number of co-validators of one distributed
// validator (MAX_CO_VALIDATORS in SPEC.md). It is an SSZ list limit, so it
// is part of every hash tree root that contains a co-validator list.
const MaxCoValidators = 256

// MaxDistributedValidators bounds State.DistributedValidators. It equals the
// beacon chain's VALIDATOR_REGISTRY_LIMIT.
const MaxDistributedValidators = 1 << 40

// ValidatorIdentity is spec.py ValidatorIdentity: the identity of the
// Ethereum validator a distributed validator runs.
type ValidatorIdentity struct {
	// Pubkey is the validator's (combined) public key.
	Pubkey BLSPubKey
	// Index is the validator's index in the beacon state registry.
	Index ValidatorIndex
}

// CoValidator is spec.py CoValidator: one of the N nodes that hold a share of
// the validator key.
type CoValidator struct {
	ValidatorIdentity *ValidatorIdentity
	// Pubkey is the public key of this co-validator's key share.
	Pubkey BLSPubKey
	// Index is the share index, 1..N; it is the x coordinate of the share on
	// the secret-sharing polynomial (spec.py documents it as a ValidatorIndex
	// but it is not a beacon-chain index).
	Index uint64
}

// DistributedValidator is spec.py DistributedValidator: one Ethereum
// validator run by a set of co-validators, with its slashing protection.
type DistributedValidator struct {
	ValidatorIdentity *ValidatorIdentity
	CoValidators      []*CoValidator `ssz-max:"256"`
	SlashingDB        *slashing.SlashingDB
}

// State is spec.py State: every distributed validator a node takes part in.
type State struct {
	DistributedValidators []*DistributedValidator `ssz-max:"1099511627776"`
}

// Validate checks the structural invariants spec.py leaves implicit: a
// validator identity, 1..MaxCoValidators co-validators for that same
// validator with distinct share indices in 1..N, and a slashing DB.
func (dv *DistributedValidator) Validate() error {
	if dv == nil || dv.ValidatorIdentity == nil {
		return fmt.Errorf("distributed validator: missing validator identity")
	}
	n := len(dv.CoValidators)
	if n == 0 || n > MaxCoValidators {
		return fmt.Errorf("distributed validator %#x: %d co-validators, want 1..%d", dv.ValidatorIdentity.Pubkey, n, MaxCoValidators)
	}
	seen := make(map[uint64]bool, n)
	for _, cv := range dv.CoValidators {
		if cv == nil {
			return fmt.Errorf("distributed validator %#x: nil co-validator", dv.ValidatorIdentity.Pubkey)
		}
		if cv.Index < 1 || cv.Index > uint64(n) {
			return fmt.Errorf("distributed validator %#x: share index %d outside 1..%d", dv.ValidatorIdentity.Pubkey, cv.Index, n)
		}
		if seen[cv.Index] {
			return fmt.Errorf("distributed validator %#x: share index %d used twice", dv.ValidatorIdentity.Pubkey, cv.Index)
		}
		seen[cv.Index] = true
		if cv.ValidatorIdentity == nil || *cv.ValidatorIdentity != *dv.ValidatorIdentity {
			return fmt.Errorf("distributed validator %#x: co-validator %d belongs to another validator", dv.ValidatorIdentity.Pubkey, cv.Index)
		}
	}
	if dv.SlashingDB == nil {
		return fmt.Errorf("distributed validator %#x: missing slashing DB", dv.ValidatorIdentity.Pubkey)
	}
	return nil
}
