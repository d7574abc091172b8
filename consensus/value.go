package consensus

import (
	"encoding/binary"
	"errors"
	"fmt"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/capella"
	"github.com/attestantio/go-eth2-client/spec/deneb"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/sszutil"
)

// This file defines the bytes a consensus instance agrees on for each duty
// type (the Python consensus_on_* functions return typed values; a QBFT
// instance agrees on bytes, so the encoding is part of the spec):
//
//	DutyAttester:      SSZ(AttestationData)
//	DutyProposer:      SSZ(BlockValue{fork_version: Version,
//	                                  block: ByteList[MAX_BEACON_BLOCK_SIZE]})
//	                   where block is SSZ(BeaconBlock) of the fork whose
//	                   version is fork_version, and that fork must be the one
//	                   in force at the block's slot
//	DutySyncCommittee: SSZ(altair.SyncCommitteeContribution)
//
// BlockValue is byte-for-byte the networking.VersionedBlock container (its
// SSZ encoding is fork_version || uint32 offset 8 || block), so a block moves
// between consensus and the share messages unchanged. Every decoder accepts
// only canonical encodings (sszutil.DecodeCanonical).

// MaxBeaconBlockSize is MAX_BEACON_BLOCK_SIZE, the SSZ limit of the block
// bytes in a proposer value: the 10 MiB MAX_PAYLOAD_SIZE of consensus-specs
// p2p (the QBFT value limit) minus the 8-byte BlockValue header, so that an
// encoded value always fits a QBFT message.
const MaxBeaconBlockSize = 10485760 - blockValueHeader

const blockValueHeader = 8

// ErrInvalidValue wraps every decoding failure of a consensus value.
var ErrInvalidValue = errors.New("consensus: invalid value encoding")

// EncodeAttestationData is the attester consensus value: SSZ(AttestationData).
//
// It encodes the value consensus.py consensus_on_attestation decides.
func EncodeAttestationData(data *phase0.AttestationData) ([]byte, error) {
	if data == nil || data.Source == nil || data.Target == nil {
		return nil, fmt.Errorf("%w: missing attestation data or checkpoint", ErrInvalidValue)
	}
	return data.MarshalSSZ()
}

// DecodeAttestationData decodes an attester consensus value; the encoding
// must be canonical.
func DecodeAttestationData(value []byte) (*phase0.AttestationData, error) {
	data := new(phase0.AttestationData)
	if err := sszutil.DecodeCanonical(value, data); err != nil {
		return nil, fmt.Errorf("%w: attestation data: %w", ErrInvalidValue, err)
	}
	return data, nil
}

// EncodeSyncCommitteeContribution is the sync committee consensus value
// (c00dc1e consensus_on_sync_committee_contribution):
// SSZ(altair.SyncCommitteeContribution).
//
// It encodes the value c00dc1e consensus.py
// consensus_on_sync_committee_contribution decides.
//
// The aggregation bits are a Bitvector[SYNC_COMMITTEE_SIZE //
// SYNC_COMMITTEE_SUBNET_COUNT], so the encoding has the sizes of chain.
func EncodeSyncCommitteeContribution(chain signing.Chain, c *altair.SyncCommitteeContribution) ([]byte, error) {
	if c == nil {
		return nil, fmt.Errorf("%w: missing sync committee contribution", ErrInvalidValue)
	}
	if want := chain.ChainConfig().SyncSubcommitteeSize() / 8; uint64(len(c.AggregationBits)) != want {
		return nil, fmt.Errorf("%w: sync committee contribution with %d bytes of aggregation bits, the chain config has %d", ErrInvalidValue, len(c.AggregationBits), want)
	}
	out, err := chain.MarshalSSZ(c)
	if err != nil {
		return nil, fmt.Errorf("%w: sync committee contribution: %w", ErrInvalidValue, err)
	}
	return out, nil
}

// DecodeSyncCommitteeContribution decodes a sync committee consensus value;
// the encoding must be canonical, in the sizes of chain.
func DecodeSyncCommitteeContribution(chain signing.Chain, value []byte) (*altair.SyncCommitteeContribution, error) {
	c := new(altair.SyncCommitteeContribution)
	if err := chain.DecodeCanonical(value, c); err != nil {
		return nil, fmt.Errorf("%w: sync committee contribution: %w", ErrInvalidValue, err)
	}
	return c, nil
}

// EncodeBlock is the proposer consensus value: SSZ(BlockValue) with the
// version of the block's fork in chain and the fork's SSZ block. The block's
// fork must be the one in force at its slot.
//
// It encodes the value consensus.py consensus_on_block decides.
func EncodeBlock(chain signing.Chain, block *eth2spec.VersionedBeaconBlock) ([]byte, error) {
	version, raw, err := MarshalBlockSSZ(chain, block)
	if err != nil {
		return nil, err
	}
	out := make([]byte, blockValueHeader, blockValueHeader+len(raw))
	copy(out[:4], version[:])
	binary.LittleEndian.PutUint32(out[4:8], blockValueHeader)
	return append(out, raw...), nil
}

// DecodeBlock decodes a proposer consensus value: a canonical BlockValue
// whose fork version is a fork of chain, whose block is the canonical SSZ of
// that fork's BeaconBlock, and whose fork is the one in force at the block's
// slot.
func DecodeBlock(chain signing.Chain, value []byte) (*eth2spec.VersionedBeaconBlock, error) {
	if len(value) < blockValueHeader {
		return nil, fmt.Errorf("%w: block value of %d bytes", ErrInvalidValue, len(value))
	}
	if off := binary.LittleEndian.Uint32(value[4:8]); off != blockValueHeader {
		return nil, fmt.Errorf("%w: block value offset %d, want %d", ErrInvalidValue, off, blockValueHeader)
	}
	var version phase0.Version
	copy(version[:], value[:4])
	return UnmarshalBlockSSZ(chain, version, value[blockValueHeader:])
}

// MarshalBlockSSZ returns the fork version of block's fork in chain and the
// fork's SSZ encoding of the block. It fails when the block is empty, its
// version has no entry in chain's fork schedule, the block is larger than
// MaxBeaconBlockSize, or its fork is not the one in force at its slot.
func MarshalBlockSSZ(chain signing.Chain, block *eth2spec.VersionedBeaconBlock) (phase0.Version, []byte, error) {
	if block == nil || block.IsEmpty() {
		return phase0.Version{}, nil, fmt.Errorf("%w: missing block", ErrInvalidValue)
	}
	if err := chain.CheckBlockShape(block); err != nil {
		return phase0.Version{}, nil, fmt.Errorf("%w: %w", ErrInvalidValue, err)
	}
	var (
		raw []byte
		err error
	)
	switch block.Version {
	case eth2spec.DataVersionPhase0:
		raw, err = marshal(chain, block.Phase0)
	case eth2spec.DataVersionAltair:
		raw, err = marshal(chain, block.Altair)
	case eth2spec.DataVersionBellatrix:
		raw, err = marshal(chain, block.Bellatrix)
	case eth2spec.DataVersionCapella:
		raw, err = marshal(chain, block.Capella)
	case eth2spec.DataVersionDeneb:
		raw, err = marshal(chain, block.Deneb)
	case eth2spec.DataVersionElectra:
		raw, err = marshal(chain, block.Electra)
	case eth2spec.DataVersionFulu:
		raw, err = marshal(chain, block.Fulu)
	default:
		return phase0.Version{}, nil, fmt.Errorf("%w: unsupported block version %s", ErrInvalidValue, block.Version)
	}
	if err != nil {
		return phase0.Version{}, nil, fmt.Errorf("%w: %s block: %w", ErrInvalidValue, block.Version, err)
	}
	if len(raw) > MaxBeaconBlockSize {
		return phase0.Version{}, nil, fmt.Errorf("%w: block of %d bytes exceeds %d", ErrInvalidValue, len(raw), MaxBeaconBlockSize)
	}
	fork, err := forkOfBlock(chain, block)
	if err != nil {
		return phase0.Version{}, nil, err
	}
	return fork.Version, raw, nil
}

// UnmarshalBlockSSZ decodes raw as the BeaconBlock of the fork whose version
// is version in chain. The encoding must be canonical and the fork must be
// the one in force at the block's slot.
func UnmarshalBlockSSZ(chain signing.Chain, version phase0.Version, raw []byte) (*eth2spec.VersionedBeaconBlock, error) {
	if len(raw) > MaxBeaconBlockSize {
		return nil, fmt.Errorf("%w: block of %d bytes exceeds %d", ErrInvalidValue, len(raw), MaxBeaconBlockSize)
	}
	var name eth2spec.DataVersion
	for _, f := range chain.Forks.Forks() {
		if f.Version == version {
			name = f.Name
		}
	}
	out := &eth2spec.VersionedBeaconBlock{Version: name}
	var err error
	switch name {
	case eth2spec.DataVersionPhase0:
		out.Phase0 = new(phase0.BeaconBlock)
		err = chain.DecodeCanonical(raw, out.Phase0)
	case eth2spec.DataVersionAltair:
		out.Altair = new(altair.BeaconBlock)
		err = chain.DecodeCanonical(raw, out.Altair)
	case eth2spec.DataVersionBellatrix:
		out.Bellatrix = new(bellatrix.BeaconBlock)
		err = chain.DecodeCanonical(raw, out.Bellatrix)
	case eth2spec.DataVersionCapella:
		out.Capella = new(capella.BeaconBlock)
		err = chain.DecodeCanonical(raw, out.Capella)
	case eth2spec.DataVersionDeneb:
		out.Deneb = new(deneb.BeaconBlock)
		err = chain.DecodeCanonical(raw, out.Deneb)
	case eth2spec.DataVersionElectra:
		out.Electra = new(electra.BeaconBlock)
		err = chain.DecodeCanonical(raw, out.Electra)
	case eth2spec.DataVersionFulu:
		out.Fulu = new(electra.BeaconBlock)
		err = chain.DecodeCanonical(raw, out.Fulu)
	default:
		return nil, fmt.Errorf("%w: fork version %#x is not in the fork schedule", ErrInvalidValue, version[:])
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s block: %w", ErrInvalidValue, name, err)
	}
	if _, err := forkOfBlock(chain, out); err != nil {
		return nil, err
	}
	return out, nil
}

func marshal[T any, P interface {
	*T
	sszutil.Codec
}](chain signing.Chain, b P) ([]byte, error) {
	if b == nil {
		return nil, errors.New("missing block")
	}
	return chain.MarshalSSZ(b)
}

// forkOfBlock returns the fork in force at the block's slot and checks that
// the block has that fork's shape.
func forkOfBlock(chain signing.Chain, block *eth2spec.VersionedBeaconBlock) (signing.Fork, error) {
	slot, err := block.Slot()
	if err != nil {
		return signing.Fork{}, fmt.Errorf("%w: %w", ErrInvalidValue, err)
	}
	fork, err := chain.ForkAtSlot(slot)
	if err != nil {
		return signing.Fork{}, fmt.Errorf("%w: fork at slot %d: %w", ErrInvalidValue, slot, err)
	}
	if fork.Name != block.Version {
		return signing.Fork{}, fmt.Errorf("%w: %s block at slot %d, where %s is in force", ErrInvalidValue, block.Version, slot, fork.Name)
	}
	return fork, nil
}
