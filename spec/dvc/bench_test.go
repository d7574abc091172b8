package dvc

import (
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/slashing"
)

// BenchmarkStepDecidedLargeDB measures a decision (DB insert, signing,
// share) on a state whose slashing DB holds 20k attestations: the cost of
// Step's copy-on-write of the DB.
func BenchmarkStepDecidedLargeDB(b *testing.B) {
	c := newCluster(b, 4, eth2spec.DataVersionElectra, ModeRemoteSigner)
	db := slashing.New(testGVR)
	for e := uint64(1); e <= 20000; e++ {
		r := phase0.Root{byte(e), byte(e >> 8), byte(e >> 16)}
		if err := db.InsertAttestation(c.keys.pk, phase0.Epoch(e-1), phase0.Epoch(e), &r); err != nil {
			b.Fatal(err)
		}
	}
	cfg, o := c.cfg(1), c.oracles(1)
	st, err := NewState(cfg, db)
	if err != nil {
		b.Fatal(err)
	}
	slot := phase0.Slot(8 * 20005)
	st, _, err = Step(cfg, st, ServeAttestationDuty{Duty: c.attDuty(slot)}, o)
	if err != nil {
		b.Fatal(err)
	}
	ev := c.decided(c.attDataEpochs(slot, 20000, 20005, 1))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := Step(cfg, st, ev, o); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStepAttestationShare measures receiving one valid share (the
// signature check dominates).
func BenchmarkStepAttestationShare(b *testing.B) {
	c := newCluster(b, 4, eth2spec.DataVersionElectra, ModeRemoteSigner)
	cfg, o := c.cfg(1), c.oracles(1)
	st := c.fresh(1)
	st, _, _ = Step(cfg, st, ServeAttestationDuty{Duty: c.attDuty(17)}, o)
	ev := ReceivedAttestationShare{Share: c.attShare(2, c.attData(17, 1))}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := Step(cfg, st, ev, o); err != nil {
			b.Fatal(err)
		}
	}
}
