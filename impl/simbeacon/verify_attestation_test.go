package simbeacon_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/OffchainLabs/go-bitfield"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/impl/simbeacon/simtest"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// copyData deep-copies attestation data.
func copyData(d *phase0.AttestationData) *phase0.AttestationData {
	c := *d
	src, tgt := *d.Source, *d.Target
	c.Source, c.Target = &src, &tgt
	return &c
}

// TestSingleAttestationVerification submits one valid SingleAttestation
// and every way of getting it wrong; each wrong one gets 400 with an
// indexed failure naming the problem and changes nothing.
func TestSingleAttestationVerification(t *testing.T) {
	h := newHarness(t, simbeacon.Config{Validators: 64})
	const epoch = phase0.Epoch(2)
	const v = phase0.ValidatorIndex(10)
	duty := h.n.AttesterDuty(v, epoch)
	slot := duty.Slot
	// A validator of the same slot in another position, one in another
	// committee or slot, for the membership cases.
	var mate, stranger phase0.ValidatorIndex = 999, 999
	for w := phase0.ValidatorIndex(0); w < 64; w++ {
		d := h.n.AttesterDuty(w, epoch)
		if w != v && d.Slot == slot && d.CommitteeIndex == duty.CommitteeIndex && mate == 999 {
			mate = w
		}
		if d.Slot != slot && stranger == 999 {
			stranger = w
		}
	}
	if mate == 999 || stranger == 999 {
		t.Fatal("test setup: no committee mate or stranger")
	}
	h.clock.Set(h.n.GenesisTime()) // before the slot: "future" first
	good := h.s.SingleAttestation(v, epoch)
	gvr := h.n.GenesisValidatorsRoot()
	electraV := h.forkVersion("electra")
	dataRoot, _ := good.Data.HashTreeRoot()

	submit := func(a *electra.SingleAttestation, hdr string) (int, []byte) {
		return h.post(ethnode.PathPoolAttestationsV2, version(hdr), []*electra.SingleAttestation{a})
	}
	mutate := func(f func(a *electra.SingleAttestation)) *electra.SingleAttestation {
		c := *good
		c.Data = copyData(good.Data)
		f(&c)
		return &c
	}
	resign := func(a *electra.SingleAttestation, signer phase0.ValidatorIndex) *electra.SingleAttestation {
		a.Signature = h.s.Sign(signer, h.s.AttestationRoot(a.Data))
		return a
	}

	st, body := submit(good, "electra")
	h.refused("future slot", st, body, "in the future", 0)

	toSlot(h, slot)
	cases := []struct {
		name   string
		att    *electra.SingleAttestation
		header string
		reason string
	}{
		{"signed by another validator's key", resign(mutate(func(a *electra.SingleAttestation) {}), mate), "electra", "does not verify under the public key of validator 10"},
		{"attester index of a committee mate", mutate(func(a *electra.SingleAttestation) { a.AttesterIndex = mate }), "electra", fmt.Sprintf("public key of validator %d", mate)},
		{"attester not in the committee", mutate(func(a *electra.SingleAttestation) { a.AttesterIndex = stranger }), "electra", "not a member of committee"},
		{"unknown validator", mutate(func(a *electra.SingleAttestation) { a.AttesterIndex = 5000 }), "electra", "unknown validator 5000"},
		{"committee index out of range", mutate(func(a *electra.SingleAttestation) { a.CommitteeIndex = 7 }), "electra", "out of range"},
		{"wrong domain (proposer)", mutate(func(a *electra.SingleAttestation) {
			a.Signature = h.signWith(v, dataRoot, signing.DomainBeaconProposer, electraV, gvr)
		}), "electra", "does not verify"},
		{"wrong domain (selection proof)", mutate(func(a *electra.SingleAttestation) {
			a.Signature = h.signWith(v, dataRoot, signing.DomainSelectionProof, electraV, gvr)
		}), "electra", "does not verify"},
		{"wrong fork version (deneb)", mutate(func(a *electra.SingleAttestation) {
			a.Signature = h.signWith(v, dataRoot, signing.DomainBeaconAttester, h.forkVersion("deneb"), gvr)
		}), "electra", "does not verify"},
		{"wrong genesis validators root", mutate(func(a *electra.SingleAttestation) {
			a.Signature = h.signWith(v, dataRoot, signing.DomainBeaconAttester, electraV, phase0.Root{})
		}), "electra", "does not verify"},
		{"signature over other data", mutate(func(a *electra.SingleAttestation) {
			other := copyData(a.Data)
			other.BeaconBlockRoot = simbeacon.BlockRoot(slot - 1)
			a.Signature = h.s.Sign(v, h.s.AttestationRoot(other))
		}), "electra", "does not verify"},
		{"tampered head after signing", mutate(func(a *electra.SingleAttestation) { a.Data.BeaconBlockRoot = simbeacon.BlockRoot(slot - 2) }), "electra", "does not verify"},
		{"tampered signature", mutate(func(a *electra.SingleAttestation) { a.Signature[40] ^= 0x01 }), "electra", "signature"},
		{"infinity signature", mutate(func(a *electra.SingleAttestation) { a.Signature = infinity }), "electra", "point at infinity"},
		{"malformed signature bytes", mutate(func(a *electra.SingleAttestation) { a.Signature = garbage }), "electra", "not a valid compressed G2 point"},
		{"head not a known block", resign(mutate(func(a *electra.SingleAttestation) { a.Data.BeaconBlockRoot = phase0.Root{1} }), v), "electra", "beacon_block_root"},
		{"wrong source", resign(mutate(func(a *electra.SingleAttestation) { a.Data.Source.Epoch = 0 }), v), "electra", "justified checkpoint"},
		{"wrong target root", resign(mutate(func(a *electra.SingleAttestation) { a.Data.Target.Root = phase0.Root{2} }), v), "electra", "epoch boundary root"},
		{"target epoch not the slot's", resign(mutate(func(a *electra.SingleAttestation) { a.Data.Target.Epoch = epoch + 1 }), v), "electra", "target epoch"},
		{"data index not 0 from Electra", resign(mutate(func(a *electra.SingleAttestation) { a.Data.Index = 1 }), v), "electra", "must be 0"},
		{"declared fulu on an electra chain", good, "fulu", "is in electra, but the message is declared fulu"},
		{"too old", resign(mutate(func(a *electra.SingleAttestation) {
			a.Data = h.n.AttestationData(0, 0)
			a.CommitteeIndex = h.n.AttesterDuty(v, 0).CommitteeIndex
		}), v), "electra", "too old"},
	}
	for _, tc := range cases {
		st, body := submit(tc.att, tc.header)
		h.refused(tc.name, st, body, tc.reason, 0)
	}
	if st, body := submit(good, "electra"); st != http.StatusOK {
		t.Fatalf("valid attestation refused: %d %s", st, body)
	}
	if st, body := submit(good, "electra"); st != http.StatusOK {
		t.Fatalf("repeated attestation refused: %d %s", st, body)
	}
	acc := h.n.Accepted(v, simbeacon.KindAttestation)
	if len(acc) != 1 || acc[0].Slot != slot || !acc[0].At.Equal(h.clock.Now()) {
		t.Fatalf("acceptances %+v", acc)
	}
	// A second vote for the same target with another head is a double vote.
	double := resign(mutate(func(a *electra.SingleAttestation) { a.Data.BeaconBlockRoot = simbeacon.BlockRoot(slot - 1) }), v)
	st, body = submit(double, "electra")
	h.refused("double vote", st, body, "double_vote", 1)
	if off := h.n.Offences(); len(off) != 1 || off[0].Kind != "double_vote" || off[0].Validator != v {
		t.Fatalf("offences %+v", off)
	}
	// Mixed batch: the valid item is accepted, the bad one reported by index.
	mateAtt := h.s.SingleAttestation(mate, epoch)
	bad := mutate(func(a *electra.SingleAttestation) { a.Signature = infinity })
	st, body = h.post(ethnode.PathPoolAttestationsV2, version("electra"), []*electra.SingleAttestation{bad, mateAtt})
	h.refused("mixed batch", st, body, "point at infinity", 2)
	var em ethnode.ErrorMessage
	if err := json.Unmarshal(body, &em); err != nil || len(em.Failures) != 1 || em.Failures[0].Index != 0 {
		t.Fatalf("mixed batch failures: %s", body)
	}
	if len(h.n.Accepted(mate, simbeacon.KindAttestation)) != 1 {
		t.Fatal("the valid item of a mixed batch was not accepted")
	}
}

func toSlot(h *harness, slot phase0.Slot) { simtest.ToSlot(h.n, h.clock, slot) }

// TestPhase0AttestationVerification covers the pre-Electra attestation:
// aggregation bits must have the committee's length and exactly one bit,
// and that bit names the signer.
func TestPhase0AttestationVerification(t *testing.T) {
	sched, _ := signing.MainnetVersionsFromGenesis(eth2spec.DataVersionDeneb)
	h := newHarness(t, simbeacon.Config{Validators: 128, Forks: sched})
	const epoch = phase0.Epoch(1)
	const v = phase0.ValidatorIndex(20)
	duty := h.n.AttesterDuty(v, epoch)
	toSlot(h, duty.Slot)
	good := h.s.Attestation(v, epoch).Deneb
	if duty.CommitteeLength < 2 {
		t.Fatal("test setup: committee of one")
	}
	other := (duty.ValidatorCommitteeIndex + 1) % duty.CommitteeLength
	mutate := func(f func(a *phase0.Attestation)) *phase0.Attestation {
		c := *good
		c.Data = copyData(good.Data)
		c.AggregationBits = append(bitfield.Bitlist(nil), good.AggregationBits...)
		f(&c)
		return &c
	}
	cases := []struct {
		name   string
		att    *phase0.Attestation
		reason string
	}{
		{"bit pointing at another validator", mutate(func(a *phase0.Attestation) {
			a.AggregationBits = bitfield.NewBitlist(duty.CommitteeLength)
			a.AggregationBits.SetBitAt(other, true)
		}), "does not verify"},
		{"two bits", mutate(func(a *phase0.Attestation) { a.AggregationBits.SetBitAt(other, true) }), "exactly one aggregation bit"},
		{"no bits", mutate(func(a *phase0.Attestation) { a.AggregationBits = bitfield.NewBitlist(duty.CommitteeLength) }), "exactly one aggregation bit"},
		{"bits of the wrong length", mutate(func(a *phase0.Attestation) {
			a.AggregationBits = bitfield.NewBitlist(duty.CommitteeLength + 1)
			a.AggregationBits.SetBitAt(duty.ValidatorCommitteeIndex, true)
		}), "aggregation bits have length"},
		{"committee index out of range", mutate(func(a *phase0.Attestation) {
			a.Data.Index = 63
			a.Signature = h.s.Sign(v, h.s.AttestationRoot(a.Data))
		}), "out of range"},
		{"wrong domain", mutate(func(a *phase0.Attestation) {
			root, _ := a.Data.HashTreeRoot()
			a.Signature = h.signWith(v, root, signing.DomainRandao, h.forkVersion("deneb"), h.n.GenesisValidatorsRoot())
		}), "does not verify"},
	}
	for _, tc := range cases {
		st, body := h.post(ethnode.PathPoolAttestationsV2, version("deneb"), []*phase0.Attestation{tc.att})
		h.refused(tc.name, st, body, tc.reason, 0)
	}
	st, body := h.post(ethnode.PathPoolAttestationsV2, version("electra"), []*phase0.Attestation{good})
	h.refused("phase0 attestation under an electra header", st, body, "invalid request body", 0)
	if st, body := h.post(ethnode.PathPoolAttestationsV2, version("deneb"), []*phase0.Attestation{good}); st != http.StatusOK {
		t.Fatalf("valid attestation refused: %d %s", st, body)
	}
	if len(h.n.Accepted(v, simbeacon.KindAttestation)) != 1 {
		t.Fatal("valid attestation not recorded")
	}
}
