package networking

import (
	"encoding/binary"
	"errors"
	"fmt"

	bitfield "github.com/OffchainLabs/go-bitfield"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/capella"
	"github.com/attestantio/go-eth2-client/spec/deneb"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/sszutil"
)

// MaxValidatorsPerCommittee is MAX_VALIDATORS_PER_COMMITTEE (2048 in every
// preset), the SSZ limit of AttestationShare.AggregationBits.
const MaxValidatorsPerCommittee = 2048

// MaxBeaconBlockSize is the SSZ limit of VersionedBlock.Block; it equals
// consensus.MaxBeaconBlockSize so that a VersionedBlock is exactly a proposer
// consensus value.
const MaxBeaconBlockSize = consensus.MaxBeaconBlockSize

// VersionedBlock is a beacon block of any fork: the fork's version (as in
// the fork schedule of the chain) and the fork's SSZ encoding of its
// BeaconBlock. Its SSZ encoding is the proposer consensus value
// (consensus.EncodeBlock). The fork must be the one in force at the block's
// slot. Build it with NewVersionedBlock and read it with Decode.
type VersionedBlock struct {
	ForkVersion phase0.Version `ssz-size:"4"`
	Block       []byte         `ssz-max:"10485752"`
}

// SignedVersionedBlock is a VersionedBlock with a signature: the combined
// signed block construct_signed_block returns (consensus-specs
// SignedBeaconBlock with the fork carried alongside).
type SignedVersionedBlock struct {
	Block     *VersionedBlock
	Signature phase0.BLSSignature `ssz-size:"96"`
}

// AttestationShare is one co-validator's signature share of an attestation:
// HEAD's attestation signature share (an Attestation whose signature is a
// share; the Python marks its aggregation bits TODO) and c00dc1e's threshold
// signed attestation, with the sender's share index. The Dafny
// AttestationShare is {aggregation_bits, data, signature}; this container
// adds the committee index and validator index a post-Electra
// SingleAttestation needs, and the share index the combination needs.
//
//   - AggregationBits: committee_length bits with bit
//     validator_committee_index set (amendment: the Dafny model sets bit
//     validator_index - 1).
//   - CommitteeIndex: the duty's committee index (equal to data.index before
//     Electra; data.index is 0 from Electra on).
//   - ValidatorIndex: the distributed validator's index (the
//     SingleAttestation attester_index).
//   - Signature: the sender's partial signature of the attestation signing
//     root (DOMAIN_BEACON_ATTESTER, fork of the target epoch).
//   - ShareIndex: the sender's share index, 1..N.
type AttestationShare struct {
	Data            *phase0.AttestationData
	AggregationBits bitfield.Bitlist `ssz-max:"2048"`
	CommitteeIndex  phase0.CommitteeIndex
	ValidatorIndex  phase0.ValidatorIndex
	Signature       phase0.BLSSignature `ssz-size:"96"`
	ShareIndex      uint64
}

// RandaoShare is one co-validator's RANDAO reveal signature share (HEAD
// randao_reveal_signature_share; Dafny RandaoShare without the duty and the
// signing root, which the receiver recomputes): the partial signature of
// the epoch of Slot under DOMAIN_RANDAO.
type RandaoShare struct {
	Slot           phase0.Slot
	ValidatorIndex phase0.ValidatorIndex
	Signature      phase0.BLSSignature `ssz-size:"96"`
	ShareIndex     uint64
}

// BlockShare is one co-validator's block signature share (HEAD
// block_signature_share, a SignedBeaconBlock whose signature is a share;
// c00dc1e threshold signed block): the partial signature of the block's
// signing root (DOMAIN_BEACON_PROPOSER, fork of the block's epoch).
type BlockShare struct {
	Block      *VersionedBlock
	Signature  phase0.BLSSignature `ssz-size:"96"`
	ShareIndex uint64
}

// SyncCommitteeMessageShare is one co-validator's sync committee signature
// share (c00dc1e SyncCommitteeSignature {slot, beacon_block_root,
// validator_index, signature}) with the sender's share index: the partial
// signature of the beacon block root under DOMAIN_SYNC_COMMITTEE.
type SyncCommitteeMessageShare struct {
	Slot            phase0.Slot
	BeaconBlockRoot phase0.Root `ssz-size:"32"`
	ValidatorIndex  phase0.ValidatorIndex
	Signature       phase0.BLSSignature `ssz-size:"96"`
	ShareIndex      uint64
}

// MessageKind tags the share messages on the wire (MarshalMessage). The
// values never change meaning.
type MessageKind uint8

const (
	KindAttestationShare          MessageKind = 1
	KindRandaoShare               MessageKind = 2
	KindBlockShare                MessageKind = 3
	KindSyncCommitteeMessageShare MessageKind = 4
	KindAggregationShare          MessageKind = 5
)

// String returns the lower-case name used in vectors and logs.
func (k MessageKind) String() string {
	switch k {
	case KindAttestationShare:
		return "attestation_share"
	case KindRandaoShare:
		return "randao_share"
	case KindBlockShare:
		return "block_share"
	case KindSyncCommitteeMessageShare:
		return "sync_committee_message_share"
	case KindAggregationShare:
		return "aggregation_share"
	}
	return fmt.Sprintf("message_kind_%d", uint8(k))
}

// Message is a signature-share message: one of *AttestationShare,
// *RandaoShare, *BlockShare, *SyncCommitteeMessageShare, *AggregationShare.
type Message interface {
	sszutil.Codec
	HashTreeRoot() ([32]byte, error)
	// Kind is the message's wire tag.
	Kind() MessageKind
	// Signer is the sender's share index.
	Signer() uint64
	// SignedSlot is the slot of the duty the share is for.
	SignedSlot() (phase0.Slot, error)
	// Validator is the index of the distributed validator it signs for.
	Validator() (phase0.ValidatorIndex, error)
	// MessageRoot is the hash tree root of the message with its signature
	// and share index set to zero: shares of the same message (the same
	// thing to combine) have the same message root.
	MessageRoot() (phase0.Root, error)
	// PartialSignature is the share's signature.
	PartialSignature() phase0.BLSSignature
}

// Kind implements Message.
func (*AttestationShare) Kind() MessageKind { return KindAttestationShare }

// Kind implements Message.
func (*RandaoShare) Kind() MessageKind { return KindRandaoShare }

// Kind implements Message.
func (*BlockShare) Kind() MessageKind { return KindBlockShare }

// Kind implements Message.
func (*SyncCommitteeMessageShare) Kind() MessageKind { return KindSyncCommitteeMessageShare }

// Signer implements Message.
func (s *AttestationShare) Signer() uint64 { return s.ShareIndex }

// Signer implements Message.
func (s *RandaoShare) Signer() uint64 { return s.ShareIndex }

// Signer implements Message.
func (s *BlockShare) Signer() uint64 { return s.ShareIndex }

// Signer implements Message.
func (s *SyncCommitteeMessageShare) Signer() uint64 { return s.ShareIndex }

// PartialSignature implements Message.
func (s *AttestationShare) PartialSignature() phase0.BLSSignature { return s.Signature }

// PartialSignature implements Message.
func (s *RandaoShare) PartialSignature() phase0.BLSSignature { return s.Signature }

// PartialSignature implements Message.
func (s *BlockShare) PartialSignature() phase0.BLSSignature { return s.Signature }

// PartialSignature implements Message.
func (s *SyncCommitteeMessageShare) PartialSignature() phase0.BLSSignature { return s.Signature }

// ErrMalformedShare marks a share that is structurally invalid (missing
// fields, bad aggregation bits, undecodable block).
var ErrMalformedShare = errors.New("networking: malformed share")

// SignedSlot implements Message.
func (s *AttestationShare) SignedSlot() (phase0.Slot, error) {
	if s.Data == nil {
		return 0, fmt.Errorf("%w: attestation share without data", ErrMalformedShare)
	}
	return s.Data.Slot, nil
}

// SignedSlot implements Message.
func (s *RandaoShare) SignedSlot() (phase0.Slot, error) { return s.Slot, nil }

// SignedSlot implements Message. It reads the slot, the first field of every
// fork's BeaconBlock, without decoding the block.
func (s *BlockShare) SignedSlot() (phase0.Slot, error) {
	if s.Block == nil || len(s.Block.Block) < 16 {
		return 0, fmt.Errorf("%w: block share without a block", ErrMalformedShare)
	}
	return phase0.Slot(binary.LittleEndian.Uint64(s.Block.Block[:8])), nil
}

// SignedSlot implements Message.
func (s *SyncCommitteeMessageShare) SignedSlot() (phase0.Slot, error) { return s.Slot, nil }

// Validator implements Message.
func (s *AttestationShare) Validator() (phase0.ValidatorIndex, error) { return s.ValidatorIndex, nil }

// Validator implements Message.
func (s *RandaoShare) Validator() (phase0.ValidatorIndex, error) { return s.ValidatorIndex, nil }

// Validator implements Message: the block's proposer index, the second field
// of every fork's BeaconBlock.
func (s *BlockShare) Validator() (phase0.ValidatorIndex, error) {
	if s.Block == nil || len(s.Block.Block) < 16 {
		return 0, fmt.Errorf("%w: block share without a block", ErrMalformedShare)
	}
	return phase0.ValidatorIndex(binary.LittleEndian.Uint64(s.Block.Block[8:16])), nil
}

// Validator implements Message.
func (s *SyncCommitteeMessageShare) Validator() (phase0.ValidatorIndex, error) {
	return s.ValidatorIndex, nil
}

// MessageRoot implements Message.
func (s *AttestationShare) MessageRoot() (phase0.Root, error) {
	if s.Data == nil || s.Data.Source == nil || s.Data.Target == nil {
		return phase0.Root{}, fmt.Errorf("%w: attestation share without data", ErrMalformedShare)
	}
	c := *s
	c.Signature, c.ShareIndex = phase0.BLSSignature{}, 0
	return rootOf(&c)
}

// MessageRoot implements Message.
func (s *RandaoShare) MessageRoot() (phase0.Root, error) {
	c := *s
	c.Signature, c.ShareIndex = phase0.BLSSignature{}, 0
	return rootOf(&c)
}

// MessageRoot implements Message.
func (s *BlockShare) MessageRoot() (phase0.Root, error) {
	if s.Block == nil {
		return phase0.Root{}, fmt.Errorf("%w: block share without a block", ErrMalformedShare)
	}
	c := *s
	c.Signature, c.ShareIndex = phase0.BLSSignature{}, 0
	return rootOf(&c)
}

// MessageRoot implements Message.
func (s *SyncCommitteeMessageShare) MessageRoot() (phase0.Root, error) {
	c := *s
	c.Signature, c.ShareIndex = phase0.BLSSignature{}, 0
	return rootOf(&c)
}

func rootOf(m interface{ HashTreeRoot() ([32]byte, error) }) (phase0.Root, error) {
	r, err := m.HashTreeRoot()
	if err != nil {
		return phase0.Root{}, fmt.Errorf("%w: %w", ErrMalformedShare, err)
	}
	return r, nil
}

// NewVersionedBlock wraps block: its fork's version in chain and its SSZ
// encoding. The block's fork must be the one in force at its slot.
func NewVersionedBlock(chain signing.Chain, block *eth2spec.VersionedBeaconBlock) (*VersionedBlock, error) {
	version, raw, err := consensus.MarshalBlockSSZ(chain, block)
	if err != nil {
		return nil, err
	}
	return &VersionedBlock{ForkVersion: version, Block: raw}, nil
}

// Decode returns the block: the fork version must be a fork of chain, the
// bytes the canonical SSZ of that fork's BeaconBlock, and the fork the one
// in force at the block's slot.
func (b *VersionedBlock) Decode(chain signing.Chain) (*eth2spec.VersionedBeaconBlock, error) {
	if b == nil {
		return nil, fmt.Errorf("%w: missing versioned block", ErrMalformedShare)
	}
	return consensus.UnmarshalBlockSSZ(chain, b.ForkVersion, b.Block)
}

// ToVersioned returns the go-eth2-client form of the signed block, which
// beacon-node clients submit.
func (s *SignedVersionedBlock) ToVersioned(chain signing.Chain) (*eth2spec.VersionedSignedBeaconBlock, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: missing signed block", ErrMalformedShare)
	}
	b, err := s.Block.Decode(chain)
	if err != nil {
		return nil, err
	}
	out := &eth2spec.VersionedSignedBeaconBlock{Version: b.Version}
	switch b.Version {
	case eth2spec.DataVersionPhase0:
		out.Phase0 = &phase0.SignedBeaconBlock{Message: b.Phase0, Signature: s.Signature}
	case eth2spec.DataVersionAltair:
		out.Altair = &altair.SignedBeaconBlock{Message: b.Altair, Signature: s.Signature}
	case eth2spec.DataVersionBellatrix:
		out.Bellatrix = &bellatrix.SignedBeaconBlock{Message: b.Bellatrix, Signature: s.Signature}
	case eth2spec.DataVersionCapella:
		out.Capella = &capella.SignedBeaconBlock{Message: b.Capella, Signature: s.Signature}
	case eth2spec.DataVersionDeneb:
		out.Deneb = &deneb.SignedBeaconBlock{Message: b.Deneb, Signature: s.Signature}
	case eth2spec.DataVersionElectra:
		out.Electra = &electra.SignedBeaconBlock{Message: b.Electra, Signature: s.Signature}
	case eth2spec.DataVersionFulu:
		out.Fulu = &electra.SignedBeaconBlock{Message: b.Fulu, Signature: s.Signature}
	}
	return out, nil
}

// SignedAttestation is the combined attestation construct_signed_attestation
// returns, in the shape the beacon node accepts at the attestation's slot:
// before Electra a phase0 Attestation (aggregation bits, data, signature);
// from Electra on an electra.SingleAttestation (committee index, attester
// index, data, signature), as POST /eth/v2/beacon/pool/attestations
// requires. Exactly one of Phase0 and Electra is set, as Version says.
type SignedAttestation struct {
	Version eth2spec.DataVersion
	Phase0  *phase0.Attestation
	Electra *electra.SingleAttestation
}

// Data returns the attestation data.
func (a *SignedAttestation) Data() *phase0.AttestationData {
	switch {
	case a == nil:
		return nil
	case a.Electra != nil:
		return a.Electra.Data
	case a.Phase0 != nil:
		return a.Phase0.Data
	}
	return nil
}

// Signature returns the attestation's signature.
func (a *SignedAttestation) Signature() phase0.BLSSignature {
	switch {
	case a == nil:
		return phase0.BLSSignature{}
	case a.Electra != nil:
		return a.Electra.Signature
	case a.Phase0 != nil:
		return a.Phase0.Signature
	}
	return phase0.BLSSignature{}
}

// MarshalMessage is the wire encoding of a share message: the MessageKind
// byte followed by the message's SSZ encoding.
func MarshalMessage(m Message) ([]byte, error) {
	if m == nil {
		return nil, fmt.Errorf("%w: nil message", ErrMalformedShare)
	}
	raw, err := m.MarshalSSZ()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedShare, err)
	}
	return append([]byte{byte(m.Kind())}, raw...), nil
}

// UnmarshalMessage decodes the wire encoding of a share message; the SSZ
// part must be canonical (sszutil.DecodeCanonical).
func UnmarshalMessage(b []byte) (Message, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty message", ErrMalformedShare)
	}
	var m Message
	switch MessageKind(b[0]) {
	case KindAttestationShare:
		m = new(AttestationShare)
	case KindRandaoShare:
		m = new(RandaoShare)
	case KindBlockShare:
		m = new(BlockShare)
	case KindSyncCommitteeMessageShare:
		m = new(SyncCommitteeMessageShare)
	case KindAggregationShare:
		m = new(AggregationShare)
	default:
		return nil, fmt.Errorf("%w: unknown message kind %d", ErrMalformedShare, b[0])
	}
	if err := sszutil.DecodeCanonical(b[1:], m); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrMalformedShare, m.Kind(), err)
	}
	return m, nil
}
