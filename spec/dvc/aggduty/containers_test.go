package aggduty

import (
	"errors"
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/versioned"
)

var allForks = []eth2spec.DataVersion{
	eth2spec.DataVersionPhase0, eth2spec.DataVersionAltair, eth2spec.DataVersionBellatrix,
	eth2spec.DataVersionCapella, eth2spec.DataVersionDeneb, eth2spec.DataVersionElectra, eth2spec.DataVersionFulu,
}

func testAttestation(t *testing.T, v eth2spec.DataVersion, slot phase0.Slot) *eth2spec.VersionedAttestation {
	t.Helper()
	data := &phase0.AttestationData{Slot: slot, Source: &phase0.Checkpoint{}, Target: &phase0.Checkpoint{}}
	a := &eth2spec.VersionedAttestation{Version: v}
	var c versioned.Container = &phase0.Attestation{Data: data}
	if v >= eth2spec.DataVersionElectra {
		c = &electra.Attestation{Data: data}
	}
	if err := versioned.SetAttestation(a, c); err != nil {
		t.Fatal(err)
	}
	return a
}

// The containers built for a decided aggregate, signed, and taken apart
// again give back the aggregator, slot and signature, in every fork.
func TestAggregateAndProofRoundTrip(t *testing.T) {
	for _, v := range allForks {
		t.Run(v.String(), func(t *testing.T) {
			att := testAttestation(t, v, 77)
			ap, err := versioned.AggregateAndProofOf(9, att, phase0.BLSSignature{3})
			if err != nil {
				t.Fatal(err)
			}
			if ap.Version != v {
				t.Fatalf("version %v, want %v", ap.Version, v)
			}
			s, err := versioned.SignedAggregateAndProofOf(ap, phase0.BLSSignature{4})
			if err != nil {
				t.Fatal(err)
			}
			sp, err := splitSignedAggregateAndProof(s)
			if err != nil {
				t.Fatal(err)
			}
			if sp.aggregator != 9 || sp.slot != 77 || sp.signature != (phase0.BLSSignature{4}) || sp.message.Version != v {
				t.Fatalf("split = aggregator %d slot %d signature %x version %v", sp.aggregator, sp.slot, sp.signature[:1], sp.message.Version)
			}
			want, _ := versioned.AggregateAndProof(ap)
			got, err := versioned.AggregateAndProof(sp.message)
			if err != nil || got != want {
				t.Fatalf("split message %v, %v; want the signed message", got, err)
			}
		})
	}
}

// Malformed input is an error, never a panic.
func TestMalformedContainers(t *testing.T) {
	if _, err := versioned.AggregateAndProofOf(1, nil, phase0.BLSSignature{}); !errors.Is(err, versioned.ErrMissing) {
		t.Errorf("nil aggregate: %v", err)
	}
	if _, err := versioned.AggregateAndProofOf(1, &eth2spec.VersionedAttestation{Version: eth2spec.DataVersionDeneb}, phase0.BLSSignature{}); !errors.Is(err, versioned.ErrMissing) {
		t.Errorf("aggregate without its field: %v", err)
	}
	if _, err := versioned.SignedAggregateAndProofOf(&eth2spec.VersionedAggregateAndProof{Version: eth2spec.DataVersionUnknown}, phase0.BLSSignature{}); !errors.Is(err, versioned.ErrUnknownVersion) {
		t.Errorf("unknown version: %v", err)
	}
	if _, err := splitSignedAggregateAndProof(nil); !errors.Is(err, versioned.ErrMissing) {
		t.Errorf("nil signed: %v", err)
	}
	for _, v := range allForks {
		hollow := []*eth2spec.VersionedSignedAggregateAndProof{{Version: v}}
		if v >= eth2spec.DataVersionElectra {
			for _, m := range []*electra.SignedAggregateAndProof{{}, {Message: &electra.AggregateAndProof{}}, {Message: &electra.AggregateAndProof{Aggregate: &electra.Attestation{}}}} {
				s := &eth2spec.VersionedSignedAggregateAndProof{Version: v}
				if err := versioned.SetSignedAggregateAndProof(s, m); err != nil {
					t.Fatal(err)
				}
				hollow = append(hollow, s)
			}
		} else {
			for _, m := range []*phase0.SignedAggregateAndProof{{}, {Message: &phase0.AggregateAndProof{}}, {Message: &phase0.AggregateAndProof{Aggregate: &phase0.Attestation{}}}} {
				s := &eth2spec.VersionedSignedAggregateAndProof{Version: v}
				if err := versioned.SetSignedAggregateAndProof(s, m); err != nil {
					t.Fatal(err)
				}
				hollow = append(hollow, s)
			}
		}
		for i, s := range hollow {
			if _, err := splitSignedAggregateAndProof(s); err == nil {
				t.Errorf("%v hollow %d: split accepted it", v, i)
			}
		}
	}
}
