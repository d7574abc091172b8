package vc

import (
	"errors"
	"testing"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/versioned"
)

// TestContainersOfEveryFork builds the attestation of every fork from
// phase0 to fulu (the client's runs reach only deneb and electra) and, as
// the client's aggregation does, its aggregate and proof and signed
// aggregate and proof, and reads them back with go-eth2-client's own
// per-version accessors: each value is where that fork's field is, and of
// its shape. A version without a field is an error, not a container put
// in another fork's field.
func TestContainersOfEveryFork(t *testing.T) {
	duty := &apiv1.AttesterDuty{ValidatorIndex: 9, CommitteeIndex: 3, CommitteeLength: 5, ValidatorCommitteeIndex: 2, Slot: 40}
	ad := &phase0.AttestationData{Slot: 40, BeaconBlockRoot: phase0.Root{1}, Source: &phase0.Checkpoint{Epoch: 3, Root: phase0.Root{2}}, Target: &phase0.Checkpoint{Epoch: 5, Root: phase0.Root{3}}}
	sig, proof, aggSig := phase0.BLSSignature{0xa1}, phase0.BLSSignature{0xb2}, phase0.BLSSignature{0xc3}
	for v := eth2spec.DataVersionPhase0; v <= eth2spec.DataVersionFulu; v++ {
		t.Run(v.String(), func(t *testing.T) {
			att, err := attestationOf(v, duty, ad, sig, 64)
			if err != nil {
				t.Fatal(err)
			}
			if d, err := att.Data(); err != nil || d != ad {
				t.Fatalf("attestation data %v, %v", d, err)
			}
			if s, err := att.Signature(); err != nil || s != sig {
				t.Fatalf("attestation signature %x, %v", s, err)
			}
			if b, err := att.AggregationBits(); err != nil || b.Len() != 5 || !b.BitAt(2) || b.Count() != 1 {
				t.Fatalf("aggregation bits %v, %v", b, err)
			}
			electra := v >= eth2spec.DataVersionElectra
			cb, err := att.CommitteeBits()
			if electra && (err != nil || !cb.BitAt(3) || cb.Count() != 1) || !electra && err == nil {
				t.Fatalf("committee bits %v, %v", cb, err)
			}
			if electra != (att.ValidatorIndex != nil && *att.ValidatorIndex == 9) {
				t.Fatalf("validator index %v", att.ValidatorIndex)
			}

			ap, err := versioned.AggregateAndProofOf(duty.ValidatorIndex, att, proof)
			if err != nil {
				t.Fatal(err)
			}
			if ap.Version != v {
				t.Fatalf("aggregate and proof of %v", ap.Version)
			}
			if i, err := ap.AggregatorIndex(); err != nil || i != 9 {
				t.Fatalf("aggregator %d, %v", i, err)
			}
			if p, err := ap.SelectionProof(); err != nil || p != proof {
				t.Fatalf("selection proof %x, %v", p, err)
			}
			if _, err := ap.HashTreeRoot(); err != nil {
				t.Fatal(err)
			}

			signed, err := versioned.SignedAggregateAndProofOf(ap, aggSig)
			if err != nil {
				t.Fatal(err)
			}
			if s, err := signed.Signature(); err != nil || s != aggSig || signed.Version != v {
				t.Fatalf("signature %x, %v (version %v)", s, err, signed.Version)
			}
			if s, err := signed.Slot(); err != nil || s != 40 {
				t.Fatalf("slot %d, %v", s, err)
			}
			if p, err := signed.SelectionProof(); err != nil || p != proof {
				t.Fatalf("signed selection proof %x, %v", p, err)
			}
		})
	}

	// Versions without a field: an error naming the fork, nothing built.
	for _, v := range []eth2spec.DataVersion{eth2spec.DataVersionUnknown, eth2spec.DataVersionFulu + 1} {
		if att, err := attestationOf(v, duty, ad, sig, 64); err == nil || !errors.Is(err, versioned.ErrUnknownVersion) {
			t.Errorf("attestation of %v: %v, %v", v, att, err)
		}
	}
	// A committee beyond MAX_COMMITTEES_PER_SLOT has no committee bit.
	far := *duty
	far.CommitteeIndex = 64
	if _, err := attestationOf(eth2spec.DataVersionElectra, &far, ad, sig, 64); err == nil {
		t.Error("electra attestation of committee 64 of at most 64 built")
	}
}
