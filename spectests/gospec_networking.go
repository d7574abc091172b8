package spectests

import (
	"fmt"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/sszutil"
)

var _ NetworkingImplementation = GoSpec{}

// DecodeShare decodes the SSZ encoding of a share message of the named
// kind (networking.MessageKind names: attestation_share, randao_share,
// block_share, sync_committee_message_share, aggregation_share), canonical encodings only. A
// failure wraps networking.ErrMalformedShare.
func DecodeShare(kind string, b []byte) (networking.Message, error) {
	var m networking.Message
	switch kind {
	case networking.KindAttestationShare.String():
		m = new(networking.AttestationShare)
	case networking.KindRandaoShare.String():
		m = new(networking.RandaoShare)
	case networking.KindBlockShare.String():
		m = new(networking.BlockShare)
	case networking.KindSyncCommitteeMessageShare.String():
		m = new(networking.SyncCommitteeMessageShare)
	case networking.KindAggregationShare.String():
		m = new(networking.AggregationShare)
	default:
		return nil, fmt.Errorf("%w: unknown share kind %q", networking.ErrMalformedShare, kind)
	}
	if err := sszutil.DecodeCanonical(b, m); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", networking.ErrMalformedShare, kind, err)
	}
	return m, nil
}

// SpecPresetChain converts chain.yaml and the directory preset to the Go
// spec's signing.Chain (signing.NewChain: beacon containers hashed with the
// preset's sizes).
func SpecPresetChain(c Chain, preset string) (signing.Chain, error) {
	base, err := SpecChain(c)
	if err != nil {
		return signing.Chain{}, err
	}
	if preset == "" || preset == "general" {
		return base, nil
	}
	p, err := spec.BuiltinConfig(preset)
	if err != nil {
		return signing.Chain{}, err
	}
	if p.SlotsPerEpoch != c.SlotsPerEpoch {
		return signing.Chain{}, fmt.Errorf("chain.yaml slots_per_epoch %d, preset %s has %d", c.SlotsPerEpoch, preset, p.SlotsPerEpoch)
	}
	return signing.NewChain(base.Forks, base.GenesisValidatorsRoot, p)
}

// CombineShares implements NetworkingImplementation with
// networking.ConstructSigned*.
func (GoSpec) CombineShares(req CombineRequest) (CombineResult, error) {
	chain, err := SpecPresetChain(req.Chain, req.Preset)
	if err != nil {
		return CombineResult{}, err
	}
	pubs := make(map[uint64]phase0.BLSPubKey, len(req.PublicShares))
	for _, p := range req.PublicShares {
		pubs[p.Index] = p.PublicKey
	}
	v := networking.Verifier{Chain: chain, ValidatorPubkey: req.ValidatorPublicKey, PublicShares: pubs, Threshold: req.Threshold}
	msgs := make([]networking.Message, 0, len(req.Shares))
	for _, b := range req.Shares {
		m, err := DecodeShare(req.Kind, b)
		if err != nil {
			return CombineResult{}, err
		}
		msgs = append(msgs, m)
	}
	return CombineWith(v, req.Kind, msgs)
}

// CombineWith runs the construct_signed_* function of kind on decoded
// shares and encodes the result.
func CombineWith(v networking.Verifier, kind string, msgs []networking.Message) (CombineResult, error) {
	switch kind {
	case networking.KindAttestationShare.String():
		shares := make([]*networking.AttestationShare, len(msgs))
		for i, m := range msgs {
			shares[i] = m.(*networking.AttestationShare)
		}
		a, err := networking.ConstructSignedAttestation(v, shares)
		if err != nil {
			return CombineResult{}, err
		}
		return EncodeSignedAttestation(a)
	case networking.KindRandaoShare.String():
		shares := make([]*networking.RandaoShare, len(msgs))
		for i, m := range msgs {
			shares[i] = m.(*networking.RandaoShare)
		}
		sig, err := networking.ConstructSignedRandaoReveal(v, shares)
		if err != nil {
			return CombineResult{}, err
		}
		return CombineResult{Type: "BLSSignature", Combined: sig[:]}, nil
	case networking.KindBlockShare.String():
		shares := make([]*networking.BlockShare, len(msgs))
		for i, m := range msgs {
			shares[i] = m.(*networking.BlockShare)
		}
		b, err := networking.ConstructSignedBlock(v, shares)
		if err != nil {
			return CombineResult{}, err
		}
		enc, err := b.MarshalSSZ()
		return CombineResult{Type: "SignedVersionedBlock", Combined: enc}, err
	case networking.KindSyncCommitteeMessageShare.String():
		shares := make([]*networking.SyncCommitteeMessageShare, len(msgs))
		for i, m := range msgs {
			shares[i] = m.(*networking.SyncCommitteeMessageShare)
		}
		m, err := networking.ConstructSignedSyncCommitteeSignature(v, shares)
		if err != nil {
			return CombineResult{}, err
		}
		enc, err := m.MarshalSSZ()
		return CombineResult{Type: "SyncCommitteeMessage", Combined: enc}, err
	case networking.KindAggregationShare.String():
		shares := make([]*networking.AggregationShare, len(msgs))
		for i, m := range msgs {
			shares[i] = m.(*networking.AggregationShare)
		}
		sig, err := networking.ConstructAggregationSignature(v, shares)
		if err != nil {
			return CombineResult{}, err
		}
		return CombineResult{Type: "BLSSignature", Combined: sig[:]}, nil
	}
	return CombineResult{}, fmt.Errorf("%w: unknown share kind %q", networking.ErrMalformedShare, kind)
}

// EncodeSignedAttestation returns the SSZ type name and encoding of a
// combined attestation: a phase0 Attestation before Electra, a
// SingleAttestation from Electra on.
func EncodeSignedAttestation(a *networking.SignedAttestation) (CombineResult, error) {
	switch {
	case a == nil:
		return CombineResult{}, fmt.Errorf("%w: nil attestation", networking.ErrMalformedShare)
	case a.Electra != nil:
		enc, err := a.Electra.MarshalSSZ()
		return CombineResult{Type: "SingleAttestation", Combined: enc}, err
	case a.Phase0 != nil:
		enc, err := a.Phase0.MarshalSSZ()
		return CombineResult{Type: "Attestation", Combined: enc}, err
	}
	return CombineResult{}, fmt.Errorf("%w: empty attestation", networking.ErrMalformedShare)
}
