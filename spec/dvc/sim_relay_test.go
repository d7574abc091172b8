package dvc

import (
	"testing"

	bitfield "github.com/OffchainLabs/go-bitfield"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"
	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"

	"github.com/dvspec/go-dvspec/networking"
)

// The byzantine-relay mode of the simulation (issue 12, amendment A22): a
// relay sits between the nodes and, before it delivers an honest
// attestation share, delivers one or two copies of it with fields outside
// the signature altered (aggregation bits, committee index). The copies
// verify. The genuine shares must still combine into the duty's
// attestation at every slot.

// relayForgeries delivers forged copies of the honest share d carries to
// its receiver, ahead of it.
func (w *world) relayForgeries(d delivery) {
	s, ok := d.msg.(*networking.AttestationShare)
	if !ok {
		return
	}
	for k := w.rng.Intn(3); k > 0; k-- {
		c := *s
		switch w.rng.Intn(3) {
		case 0, 1: // another single bit of the 8 (bit 5 is the duty's)
			bits := bitfield.NewBitlist(8)
			bits.SetBitAt(uint64([]int{0, 1, 2, 3, 4, 6, 7}[w.rng.Intn(7)]), true)
			c.AggregationBits = bits
		default: // another committee: Electra's data.index is 0; before, data.index must match, so the copy is malformed
			c.CommitteeIndex = phase0.CommitteeIndex(2 + w.rng.Intn(3))
		}
		w.step(d.to, ReceivedAttestationShare{Share: &c}, true)
	}
}

// genuineFields reports whether a combined attestation carries the fields
// of the fixture's duty (attDuty): a relay's forged bucket that reached the
// threshold combines into one that does not.
func (w *world) genuineFields(a *networking.SignedAttestation) bool {
	switch {
	case a.Electra != nil:
		return a.Electra.CommitteeIndex == 1 && a.Electra.AttesterIndex == testValidatorIndex
	case a.Phase0 != nil:
		return string(a.Phase0.AggregationBits) == string(ethBits())
	}
	return false
}

// TestSimulationByzantineRelayKeepsLiveness: clusters of 4 and 7 nodes (up
// to one byzantine) behind a byzantine relay, no loss; after a random
// schedule runs to quiescence, every attestation that M honest nodes
// signed has been combined with the duty's fields, and the safety theorem
// holds.
func TestSimulationByzantineRelayKeepsLiveness(t *testing.T) {
	for _, sz := range []struct{ n, schedules, steps int }{{4, 20, 1500}, {7, 6, 3000}} {
		params := gopter.DefaultTestParameters()
		params.MinSuccessfulTests = simBudget(t, sz.schedules)
		params.MaxShrinkCount = 0
		params.Rng.Seed(int64(sz.n) * 104729)
		props := gopter.NewProperties(params)
		forged, combined := 0, 0
		props.Property("a relay's forged copies never keep the genuine shares from combining", prop.ForAll(
			func(seed int64, byz int, electra bool, vc bool) bool {
				o := worldOpts{n: sz.n, byz: byz % 2, fork: eth2spec.DataVersionDeneb, mode: ModeRemoteSigner, epochs: 4, proposer: 1, pDup: 0.1, relay: true}
				if electra {
					o.fork = eth2spec.DataVersionElectra
				}
				if vc {
					o.mode = ModeVCMiddleware
				}
				w := newWorld(t, seed, o)
				w.run(sz.steps)
				w.quiesce(50)
				forged += w.byzErrors
				// Every data M honest nodes signed (a duty a node abandons
				// for a later one, amendment A23, it does not sign) must
				// have been combined with the duty's fields.
				for r, signers := range w.attSigners {
					honest := 0
					for i := range signers {
						if !w.byz[int(i)] {
							honest++
						}
					}
					if honest < w.c.m {
						continue
					}
					dr, _ := w.attData[r].HashTreeRoot()
					if w.submittedAtts[dr] == nil {
						t.Errorf("N=%d seed=%d byzantine=%d fork=%s mode=%s: %d honest nodes signed the data of slot %d, no genuine attestation combined", sz.n, seed, o.byz, o.fork, o.mode, honest, w.attData[r].Slot)
						return false
					}
					combined++
				}
				return !t.Failed()
			},
			gen.Int64(), gen.IntRange(0, 1), gen.Bool(), gen.Bool(),
		))
		props.TestingRun(t)
		t.Logf("N=%d: %d attestations signed by M honest nodes, all combined behind the relay; %d forged or byzantine messages refused", sz.n, combined, forged)
	}
}
