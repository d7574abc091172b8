package simbeacon_test

import (
	"net/http"
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/impl/beaconclient"
	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// TestForkTransition runs a chain with Deneb at genesis and Electra at
// epoch 2: containers, versions and signing domains switch at the
// boundary, and a message declared with the other fork is refused.
func TestForkTransition(t *testing.T) {
	var forks []signing.Fork
	for _, f := range signing.MainnetForkSchedule().Forks() {
		switch {
		case f.Name <= eth2spec.DataVersionDeneb:
			f.Epoch = 0
		case f.Name == eth2spec.DataVersionElectra:
			f.Epoch = 2
		default:
			f.Epoch = signing.FarFutureEpoch
		}
		forks = append(forks, f)
	}
	sched, err := signing.NewForkSchedule(forks...)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, simbeacon.Config{Validators: 64, Forks: sched})
	c, err := beaconclient.New(beaconclient.Config{URLs: []string{h.url}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := t.Context()
	for _, tc := range []struct {
		epoch   phase0.Epoch
		version eth2spec.DataVersion
	}{{1, eth2spec.DataVersionDeneb}, {2, eth2spec.DataVersionElectra}} {
		const v = phase0.ValidatorIndex(12)
		d := h.n.AttesterDuty(v, tc.epoch)
		toSlot(h, d.Slot)
		data, err := c.ProduceAttestationData(ctx, d.Slot, d.CommitteeIndex)
		if err != nil {
			t.Fatal(err)
		}
		wantIndex := d.CommitteeIndex
		if tc.version >= eth2spec.DataVersionElectra {
			wantIndex = 0
		}
		if data.Index != wantIndex {
			t.Fatalf("epoch %d: data index %d for committee %d", tc.epoch, data.Index, d.CommitteeIndex)
		}
		att := h.s.Attestation(v, tc.epoch)
		if att.Version != tc.version {
			t.Fatalf("epoch %d: attestation version %s", tc.epoch, att.Version)
		}
		// The same attestation declared with the other fork is refused.
		other := "electra"
		if tc.version == eth2spec.DataVersionElectra {
			other = "deneb"
		}
		var body any = []any{att.Deneb}
		if att.Electra != nil {
			body = []any{h.s.SingleAttestation(v, tc.epoch)}
		}
		st, resp := h.post(ethnode.PathPoolAttestationsV2, version(other), body)
		h.refused("declared "+other, st, resp, "", len(h.n.AllAccepted()))
		if err := c.SubmitAttestations(ctx, []*eth2spec.VersionedAttestation{att}); err != nil {
			t.Fatalf("epoch %d: %v", tc.epoch, err)
		}
		slot := phase0.Slot(uint64(tc.epoch)*32 + 5)
		toSlot(h, slot)
		p, err := c.ProduceBlock(ctx, slot, h.s.RandaoReveal(slot), [32]byte{})
		if err != nil || p.Version != tc.version {
			t.Fatalf("epoch %d: block %v, %v", tc.epoch, p, err)
		}
		if err := c.SubmitBlock(ctx, h.s.SignProposal(p)); err != nil {
			t.Fatalf("epoch %d: %v", tc.epoch, err)
		}
		if fv, err := c.ForkVersion(ctx, slot); err != nil || fv != h.forkVersion(tc.version.String()) {
			t.Fatalf("epoch %d: fork version %#x, %v", tc.epoch, fv, err)
		}
	}
	if st, _ := h.do(http.MethodGet, "/eth/v1/beacon/states/head/fork", nil, nil); st != http.StatusOK {
		t.Fatal("state fork")
	}
	if len(h.n.AllAccepted()) != 4 || len(h.n.Offences()) != 0 {
		t.Fatalf("acceptances %d, offences %d", len(h.n.AllAccepted()), len(h.n.Offences()))
	}
}
