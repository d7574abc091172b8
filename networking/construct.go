package networking

import (
	"errors"
	"fmt"
	"slices"

	bitfield "github.com/OffchainLabs/go-bitfield"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// Named failures of share verification and of the construct_signed_*
// functions. Every error these functions return wraps exactly one of them
// (test with errors.Is).
var (
	// ErrBelowThreshold: fewer shares than the threshold M.
	ErrBelowThreshold = errors.New("networking: fewer shares than the threshold")
	// ErrMixedData: the shares are not all of the same message (their
	// message roots differ).
	ErrMixedData = errors.New("networking: shares of different messages")
	// ErrInvalidShare: a share's signature does not verify under the public
	// share of its signer.
	ErrInvalidShare = errors.New("networking: invalid signature share")
	// ErrDuplicateSigner: two shares carry the same share index.
	ErrDuplicateSigner = errors.New("networking: two shares from one signer")
	// ErrUnknownSigner: a share index that is not one of the cluster's.
	ErrUnknownSigner = errors.New("networking: unknown signer")
	// ErrInvalidCombination: the combined signature does not verify under
	// the validator public key (or recombination failed).
	ErrInvalidCombination = errors.New("networking: combined signature does not verify")
)

// VerifyFunc checks a BLS signature: consensus-specs bls.Verify. A Verifier
// may be given a memoising implementation; the result must be exactly
// bls.Verify's.
type VerifyFunc func(pubkey phase0.BLSPubKey, msg []byte, sig phase0.BLSSignature) bool

// Verifier holds what share verification and combination need: the chain
// (signing roots), the validator public key, the public key share of every
// share index, and the threshold M. It replaces the Python's implicit
// access to the distributed validator's co-validator list.
// RecoverFunc is the signature of bls.RecoverSignature.
type RecoverFunc func(parts []bls.PartialSignature, threshold int) (bls.Signature, error)

type Verifier struct {
	Chain           signing.Chain
	ValidatorPubkey phase0.BLSPubKey
	PublicShares    map[uint64]phase0.BLSPubKey
	Threshold       int
	// Verify is bls.Verify when nil.
	Verify VerifyFunc
	// Recover is bls.RecoverSignature when nil; when set it must return
	// exactly what bls.RecoverSignature returns (bls.RecoverSignatureWith
	// over decoded points the caller kept, for example).
	Recover RecoverFunc
	// PublicSharesChecked says the caller has established that
	// PublicShares are a threshold-M sharing of ValidatorPubkey
	// (spec/cluster.CheckPublicShares). The combined signature of M
	// verified shares then verifies under ValidatorPubkey by linearity,
	// and combination does not check it again (this spec, SPEC.md
	// amendment A24). False: checked, as construct_signed_* does.
	PublicSharesChecked bool
}

func (v Verifier) verify(pk phase0.BLSPubKey, root phase0.Root, sig phase0.BLSSignature) bool {
	if v.Verify != nil {
		return v.Verify(pk, root[:], sig)
	}
	return bls.Verify(pk, root[:], sig)
}

// SigningInput returns the signing input of what m's signature signs, after
// checking m's structure:
//   - attestation share: the attestation data (DOMAIN_BEACON_ATTESTER, fork
//     of the target epoch); the aggregation bits must be a well-formed
//     bitlist with exactly one bit set, and before Electra the committee
//     index must equal data.index;
//   - RANDAO share: the epoch of the slot (DOMAIN_RANDAO);
//   - block share: the decoded block (DOMAIN_BEACON_PROPOSER, fork of the
//     block's epoch, the block in that fork's shape);
//   - sync committee message share: the beacon block root
//     (DOMAIN_SYNC_COMMITTEE, Altair and later).
func (v Verifier) SigningInput(m Message) (signing.SigningInput, error) {
	switch s := m.(type) {
	case *AttestationShare:
		if s == nil {
			break
		}
		if err := checkAttestationShape(v.Chain, s); err != nil {
			return signing.SigningInput{}, err
		}
		in, err := v.Chain.AttestationData(s.Data)
		if err != nil {
			return signing.SigningInput{}, fmt.Errorf("%w: %w", ErrMalformedShare, err)
		}
		return in, nil
	case *RandaoShare:
		if s == nil {
			break
		}
		epoch, err := v.Chain.EpochAtSlot(s.Slot)
		if err != nil {
			return signing.SigningInput{}, fmt.Errorf("%w: %w", ErrMalformedShare, err)
		}
		in, err := v.Chain.RandaoReveal(epoch)
		if err != nil {
			return signing.SigningInput{}, fmt.Errorf("%w: %w", ErrMalformedShare, err)
		}
		return in, nil
	case *BlockShare:
		if s == nil {
			break
		}
		b, err := s.Block.Decode(v.Chain)
		if err != nil {
			return signing.SigningInput{}, fmt.Errorf("%w: %w", ErrMalformedShare, err)
		}
		in, err := v.Chain.BeaconBlock(b)
		if err != nil {
			return signing.SigningInput{}, fmt.Errorf("%w: %w", ErrMalformedShare, err)
		}
		return in, nil
	case *SyncCommitteeMessageShare:
		if s == nil {
			break
		}
		in, err := v.Chain.SyncCommitteeMessage(s.Slot, s.BeaconBlockRoot)
		if err != nil {
			return signing.SigningInput{}, fmt.Errorf("%w: %w", ErrMalformedShare, err)
		}
		return in, nil
	case *AggregationShare:
		if s == nil {
			break
		}
		return aggregationSigningInput(v.Chain, s)
	}
	return signing.SigningInput{}, fmt.Errorf("%w: missing or unknown message", ErrMalformedShare)
}

func checkAttestationShape(chain signing.Chain, s *AttestationShare) error {
	if s.Data == nil || s.Data.Source == nil || s.Data.Target == nil {
		return fmt.Errorf("%w: attestation share without data or checkpoint", ErrMalformedShare)
	}
	bits := s.AggregationBits
	if len(bits) == 0 || bits[len(bits)-1] == 0 {
		return fmt.Errorf("%w: aggregation bits are not a terminated bitlist", ErrMalformedShare)
	}
	if bits.Len() == 0 || bits.Len() > MaxValidatorsPerCommittee {
		return fmt.Errorf("%w: aggregation bits of length %d", ErrMalformedShare, bits.Len())
	}
	if bits.Count() != 1 {
		return fmt.Errorf("%w: %d aggregation bits set, want 1", ErrMalformedShare, bits.Count())
	}
	fork, err := chain.ForkAtSlot(s.Data.Slot)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMalformedShare, err)
	}
	if fork.Name < eth2spec.DataVersionElectra && s.CommitteeIndex != s.Data.Index {
		return fmt.Errorf("%w: committee index %d, data index %d before Electra", ErrMalformedShare, s.CommitteeIndex, s.Data.Index)
	}
	return nil
}

// VerifyShare checks one share: its structure (SigningInput), that its
// signer is one of the cluster's share indices, and that its signature is a
// valid signature of the signing root under the signer's public share
// (spec/bls.VerifyPartial semantics). It is the per-share step of every
// construct_signed_* function; the co-validator runs it on receipt.
//
// It is the Dafny predicate is_owner_of_att_share made concrete: the share
// verifies under the public key share of its claimed signer.
func (v Verifier) VerifyShare(m Message) error {
	in, err := v.SigningInput(m)
	if err != nil {
		return err
	}
	return v.VerifySignature(m, in.SigningRoot)
}

// VerifySignature checks that m's signer is one of the cluster's share
// indices and that m's signature verifies under its public share over
// signingRoot (the caller computed it with SigningInput).
func (v Verifier) VerifySignature(m Message, signingRoot phase0.Root) error {
	root := signingRoot
	idx := m.Signer()
	pk, ok := v.PublicShares[idx]
	if idx == 0 || !ok {
		return fmt.Errorf("%w: share index %d", ErrUnknownSigner, idx)
	}
	if !v.verify(pk, root, m.PartialSignature()) {
		return fmt.Errorf("%w: share index %d over signing root %#x", ErrInvalidShare, idx, root[:])
	}
	return nil
}

// combine is the common core of the construct_signed_* functions: the
// shares must be non-empty, of one message, from distinct signers, at least
// the threshold in number, each valid; the threshold shares with the
// smallest indices are combined (spec/bls.RecoverSignature) and the result
// must verify under the validator key (unless v.PublicSharesChecked, A24). It returns the signing input and
// the combined signature.
func combine[M Message](v Verifier, shares []M) (signing.SigningInput, phase0.BLSSignature, error) {
	fail := func(err error) (signing.SigningInput, phase0.BLSSignature, error) {
		return signing.SigningInput{}, phase0.BLSSignature{}, err
	}
	if len(shares) == 0 {
		return fail(fmt.Errorf("%w: no shares", ErrBelowThreshold))
	}
	var first phase0.Root
	seen := make(map[uint64]bool, len(shares))
	for i, s := range shares {
		if Message(s) == nil || isNil(s) {
			return fail(fmt.Errorf("%w: share %d is nil", ErrMalformedShare, i))
		}
		r, err := s.MessageRoot()
		if err != nil {
			return fail(err)
		}
		if i == 0 {
			first = r
		} else if r != first {
			return fail(fmt.Errorf("%w: share %d (signer %d)", ErrMixedData, i, s.Signer()))
		}
		if seen[s.Signer()] {
			return fail(fmt.Errorf("%w: share index %d", ErrDuplicateSigner, s.Signer()))
		}
		seen[s.Signer()] = true
	}
	if v.Threshold < 1 || len(shares) < v.Threshold {
		return fail(fmt.Errorf("%w: %d shares, threshold %d", ErrBelowThreshold, len(shares), v.Threshold))
	}
	in, err := v.SigningInput(shares[0])
	if err != nil {
		return fail(err)
	}
	parts := make([]bls.PartialSignature, 0, len(shares))
	for _, s := range shares {
		if err := v.VerifySignature(s, in.SigningRoot); err != nil {
			return fail(err)
		}
		parts = append(parts, bls.PartialSignature{Index: s.Signer(), Signature: s.PartialSignature()})
	}
	recover := v.Recover
	if recover == nil {
		recover = bls.RecoverSignature
	}
	sig, err := recover(parts, v.Threshold)
	if err != nil {
		return fail(fmt.Errorf("%w: %w", ErrInvalidCombination, err))
	}
	if !v.PublicSharesChecked && !v.verify(v.ValidatorPubkey, in.SigningRoot, sig) {
		return fail(fmt.Errorf("%w: over signing root %#x", ErrInvalidCombination, in.SigningRoot[:]))
	}
	return in, sig, nil
}

func isNil[M Message](m M) bool {
	switch x := any(m).(type) {
	case *AttestationShare:
		return x == nil
	case *RandaoShare:
		return x == nil
	case *BlockShare:
		return x == nil
	case *SyncCommitteeMessageShare:
		return x == nil
	case *AggregationShare:
		return x == nil
	}
	return true
}

// ConstructSignedAttestation is networking.py construct_signed_attestation
// (HEAD: from attestation signature shares; c00dc1e: from threshold signed
// attestations). It verifies every share against its signer's public share,
// combines the threshold shares with the smallest indices, verifies the
// result under the validator key, and returns the attestation in the shape
// of the fork in force at the data's slot (SignedAttestation). Failures:
// ErrBelowThreshold, ErrMixedData, ErrDuplicateSigner, ErrUnknownSigner,
// ErrInvalidShare, ErrMalformedShare, ErrInvalidCombination.
//
// It is also the Dafny oracle construct_signed_attestation_signature made
// concrete.
func ConstructSignedAttestation(v Verifier, shares []*AttestationShare) (*SignedAttestation, error) {
	_, sig, err := combine(v, shares)
	if err != nil {
		return nil, err
	}
	s := shares[0]
	fork, err := v.Chain.ForkAtSlot(s.Data.Slot)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedShare, err)
	}
	data := cloneData(s.Data)
	if fork.Name >= eth2spec.DataVersionElectra {
		return &SignedAttestation{Version: fork.Name, Electra: &electra.SingleAttestation{
			CommitteeIndex: s.CommitteeIndex, AttesterIndex: s.ValidatorIndex, Data: data, Signature: sig,
		}}, nil
	}
	return &SignedAttestation{Version: fork.Name, Phase0: &phase0.Attestation{
		AggregationBits: bitfield.Bitlist(slices.Clone([]byte(s.AggregationBits))), Data: data, Signature: sig,
	}}, nil
}

// ConstructSignedRandaoReveal is networking.py construct_signed_randao_reveal
// (HEAD): the combined RANDAO reveal of the shares' epoch, with the checks
// of ConstructSignedAttestation.
//
// It is also the Dafny v2 oracle construct_complete_signed_randao_reveal made
// concrete.
func ConstructSignedRandaoReveal(v Verifier, shares []*RandaoShare) (phase0.BLSSignature, error) {
	_, sig, err := combine(v, shares)
	return sig, err
}

// ConstructSignedBlock is networking.py construct_signed_block (HEAD: from
// block signature shares; c00dc1e: from threshold signed blocks): the block
// signed by the validator key, with the checks of
// ConstructSignedAttestation.
//
// It is also the Dafny v2 oracle construct_complete_signed_block made
// concrete.
func ConstructSignedBlock(v Verifier, shares []*BlockShare) (*SignedVersionedBlock, error) {
	_, sig, err := combine(v, shares)
	if err != nil {
		return nil, err
	}
	b := shares[0].Block
	return &SignedVersionedBlock{Block: &VersionedBlock{ForkVersion: b.ForkVersion, Block: slices.Clone(b.Block)}, Signature: sig}, nil
}

// ConstructSignedSyncCommitteeSignature is c00dc1e networking.py
// construct_signed_sync_committee_signature: the sync committee message
// signed by the validator key, with the checks of
// ConstructSignedAttestation.
func ConstructSignedSyncCommitteeSignature(v Verifier, shares []*SyncCommitteeMessageShare) (*altair.SyncCommitteeMessage, error) {
	_, sig, err := combine(v, shares)
	if err != nil {
		return nil, err
	}
	s := shares[0]
	return &altair.SyncCommitteeMessage{Slot: s.Slot, BeaconBlockRoot: s.BeaconBlockRoot, ValidatorIndex: s.ValidatorIndex, Signature: sig}, nil
}

func cloneData(d *phase0.AttestationData) *phase0.AttestationData {
	c := *d
	src, tgt := *d.Source, *d.Target
	c.Source, c.Target = &src, &tgt
	return &c
}
