package signing

import (
	"encoding/binary"
	"fmt"

	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// Signature domain types (consensus-specs, phase0 and altair beacon-chain.md;
// builder-specs for DOMAIN_APPLICATION_BUILDER).
var (
	DomainBeaconProposer              = phase0.DomainType{0x00, 0x00, 0x00, 0x00}
	DomainBeaconAttester              = phase0.DomainType{0x01, 0x00, 0x00, 0x00}
	DomainRandao                      = phase0.DomainType{0x02, 0x00, 0x00, 0x00}
	DomainDeposit                     = phase0.DomainType{0x03, 0x00, 0x00, 0x00}
	DomainVoluntaryExit               = phase0.DomainType{0x04, 0x00, 0x00, 0x00}
	DomainSelectionProof              = phase0.DomainType{0x05, 0x00, 0x00, 0x00}
	DomainAggregateAndProof           = phase0.DomainType{0x06, 0x00, 0x00, 0x00}
	DomainSyncCommittee               = phase0.DomainType{0x07, 0x00, 0x00, 0x00}
	DomainSyncCommitteeSelectionProof = phase0.DomainType{0x08, 0x00, 0x00, 0x00}
	DomainContributionAndProof        = phase0.DomainType{0x09, 0x00, 0x00, 0x00}
	DomainApplicationBuilder          = phase0.DomainType{0x00, 0x00, 0x00, 0x01}
)

// HashRooter is any SSZ object with a hash tree root: every go-eth2-client
// consensus type and every DV container.
type HashRooter interface {
	HashTreeRoot() ([32]byte, error)
}

// ComputeForkDataRoot is consensus-specs compute_fork_data_root.
func ComputeForkDataRoot(currentVersion phase0.Version, genesisValidatorsRoot phase0.Root) (phase0.Root, error) {
	root, err := (&phase0.ForkData{CurrentVersion: currentVersion, GenesisValidatorsRoot: genesisValidatorsRoot}).HashTreeRoot()
	if err != nil {
		return phase0.Root{}, fmt.Errorf("fork data root: %w", err)
	}
	return root, nil
}

// ComputeDomain is consensus-specs compute_domain: the domain type followed
// by the first 28 bytes of the fork data root. Unlike the Python helper's
// callers, every caller here passes a fork version, never an epoch.
func ComputeDomain(domainType phase0.DomainType, forkVersion phase0.Version, genesisValidatorsRoot phase0.Root) (phase0.Domain, error) {
	forkDataRoot, err := ComputeForkDataRoot(forkVersion, genesisValidatorsRoot)
	if err != nil {
		return phase0.Domain{}, err
	}
	var d phase0.Domain
	copy(d[:4], domainType[:])
	copy(d[4:], forkDataRoot[:28])
	return d, nil
}

// ComputeSigningRootFromObjectRoot is consensus-specs compute_signing_root
// for an object whose hash tree root is already known:
// hash_tree_root(SigningData(object_root, domain)).
func ComputeSigningRootFromObjectRoot(objectRoot phase0.Root, domain phase0.Domain) (phase0.Root, error) {
	root, err := (&phase0.SigningData{ObjectRoot: objectRoot, Domain: domain}).HashTreeRoot()
	if err != nil {
		return phase0.Root{}, fmt.Errorf("signing root: %w", err)
	}
	return root, nil
}

// ComputeSigningRoot is consensus-specs compute_signing_root.
func ComputeSigningRoot(object HashRooter, domain phase0.Domain) (phase0.Root, error) {
	objectRoot, err := object.HashTreeRoot()
	if err != nil {
		return phase0.Root{}, fmt.Errorf("object root: %w", err)
	}
	return ComputeSigningRootFromObjectRoot(objectRoot, domain)
}

// Uint64Root is the SSZ hash tree root of a uint64 (an Epoch or a Slot): the
// little-endian value in the first 8 bytes of a zero chunk.
func Uint64Root(v uint64) phase0.Root {
	var r phase0.Root
	binary.LittleEndian.PutUint64(r[:8], v)
	return r
}
