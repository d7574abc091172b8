package dvc

import (
	"os"
	"strconv"
	"testing"
	"time"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"
	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
)

// TestDVScenarios are the DV-level scenarios of the formal-spec digest,
// section 7.
func TestDVScenarios(t *testing.T) {
	t.Run("dv_n4_all_honest_one_attestation_per_slot", func(t *testing.T) {
		for _, mode := range []Mode{ModeRemoteSigner, ModeVCMiddleware} {
			w := newWorld(t, 1, worldOpts{n: 4, fork: eth2spec.DataVersionElectra, mode: mode, epochs: 5, proposer: 1})
			w.quiesce(50)
			perSlot := map[phase0.Slot]int{}
			for _, d := range w.submittedAtts {
				perSlot[d.Slot]++
			}
			for _, d := range w.duties {
				if d.att && perSlot[d.slot] != 1 {
					t.Fatalf("%s: slot %d has %d distinct attestations, want 1", mode, d.slot, perSlot[d.slot])
				}
				if !d.att && w.submittedBlocks[d.slot] == nil {
					t.Fatalf("%s: no block for proposer slot %d", mode, d.slot)
				}
			}
		}
	})
	t.Run("dv_byzantine_conflicting_shares_cannot_complete_second_attestation", func(t *testing.T) {
		w := newWorld(t, 2, worldOpts{n: 4, byz: 1, fork: eth2spec.DataVersionElectra, mode: ModeRemoteSigner, epochs: 3})
		var byz int
		for i := range w.byz {
			byz = i
		}
		// The byzantine node signs, for every duty slot, data other than
		// any candidate (tag 7) and sends it to every honest node.
		for _, d := range w.duties {
			other := w.c.attDataEpochs(d.slot, phase0.Epoch(uint64(d.slot)/8)-1, phase0.Epoch(uint64(d.slot)/8), 7)
			share := w.c.attShare(byz, other)
			w.recordShare(share)
			for _, i := range w.honest() {
				w.net = append(w.net, delivery{to: i, msg: share, byz: true})
			}
		}
		w.quiesce(50)
		for _, d := range w.submittedAtts {
			if d.BeaconBlockRoot[1] == 7 {
				t.Fatal("the byzantine data was combined")
			}
		}
		if len(w.submittedAtts) != len(w.duties) {
			t.Fatalf("%d attestations for %d duties", len(w.submittedAtts), len(w.duties))
		}
	})
	t.Run("dv_below_quorum_no_attestation", func(t *testing.T) {
		// Nodes 3 and 4 crashed: consensus is forced to decide, but only two
		// shares (M = 3) can ever exist.
		c := newCluster(t, 4, eth2spec.DataVersionElectra, ModeRemoteSigner)
		data := c.attData(17, 1)
		states := map[int]*State{1: c.fresh(1), 2: c.fresh(2)}
		var shares []Event
		for i, st := range states {
			var err error
			var out []Output
			for _, ev := range []Event{ServeAttestationDuty{Duty: c.attDuty(17)}, c.decided(data)} {
				if st, out, err = Step(c.cfg(i), st, ev, c.oracles(i)); err != nil {
					t.Fatal(err)
				}
			}
			for _, o := range out {
				if b, ok := o.(Broadcast); ok {
					shares = append(shares, ReceivedAttestationShare{Share: b.Message.(*networking.AttestationShare)})
				}
			}
			states[i] = st
		}
		for i, st := range states {
			for _, ev := range shares {
				next, out, err := Step(c.cfg(i), st, ev, c.oracles(i))
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range out {
					if _, ok := o.(SubmitAttestation); ok {
						t.Fatal("an attestation was combined from two shares")
					}
				}
				st = next
			}
		}
	})
	t.Run("quorum_table_n1_to_10", func(t *testing.T) {
		// M = ceil(2N/3) (Dafny quorum(n) = floor((2n-1)/3)+1), F = floor((N-1)/3).
		wantM := []int{1, 2, 2, 3, 4, 4, 5, 6, 6, 7}
		wantF := []int{0, 0, 0, 1, 1, 1, 2, 2, 2, 3}
		for n := 1; n <= 10; n++ {
			m, f := spec.Threshold(n), spec.Faulty(n)
			if m != wantM[n-1] || f != wantF[n-1] || m != (2*n-1)/3+1 {
				t.Fatalf("n=%d: M=%d F=%d", n, m, f)
			}
			if n-f < m {
				t.Fatalf("n=%d: honest nodes cannot reach the threshold", n)
			}
			if 2*m-n <= f {
				t.Fatalf("n=%d: two quorums may intersect only in faulty nodes", n)
			}
		}
	})
}

// simBudget returns how many schedules to run per cluster size: about a
// minute in total on 2 cores by default; DVSPEC_DVC_SCHEDULES sets the
// count, DVSPEC_SOAK=1 multiplies the default so that the three sizes run
// 10^5 schedules in all (.ci/soak).
func simBudget(t *testing.T, def int) int {
	if s := os.Getenv("DVSPEC_DVC_SCHEDULES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("DVSPEC_DVC_SCHEDULES=%q", s)
		}
		return n
	}
	if os.Getenv("DVSPEC_SOAK") == "1" {
		return def * 513 // 195 schedules by default: 100035 in all
	}
	if testing.Short() {
		return max(1, def/10)
	}
	return def
}

// TestSimulationNoSlashableSignatures is the simulation property test: for
// N = 4, 7, 10 co-validators, up to F byzantine, random duty sequences,
// random interleavings with message loss and duplication, byzantine shares
// (real signatures over arbitrary data and garbage), imported blocks, both
// architectures and the Deneb and Electra shapes, nothing the validator key
// could sign is slashable (Dafny lem_non_slashable_attestations; v2 block
// theorem). See world for the model.
func TestSimulationNoSlashableSignatures(t *testing.T) {
	sizes := []struct {
		n, schedules, steps, epochs int
	}{
		{4, 120, 1500, 6},
		{7, 50, 3000, 5},
		{10, 25, 5000, 4},
	}
	total := 0
	start := time.Now()
	base := simSeed(t)
	for _, sz := range sizes {
		count := simBudget(t, sz.schedules)
		params := gopter.DefaultTestParameters()
		params.MinSuccessfulTests = count
		params.MaxShrinkCount = 0
		params.Rng.Seed(base + int64(sz.n)*7919)
		props := gopter.NewProperties(params)
		ran, events, atts, blocks, decided, byzErr := 0, 0, 0, 0, 0, 0
		props.Property("no two signable attestations are slashable, no two signable blocks share a slot", prop.ForAll(
			func(seed int64, byz int, electra bool, vc bool, lossPct int) bool {
				f := spec.Faulty(sz.n)
				o := worldOpts{n: sz.n, byz: byz % (f + 1), fork: eth2spec.DataVersionDeneb, mode: ModeRemoteSigner,
					epochs: sz.epochs, proposer: 2, pLoss: float64(lossPct) / 100, pDup: 0.1}
				if electra {
					o.fork = eth2spec.DataVersionElectra
				}
				if vc {
					o.mode = ModeVCMiddleware
				}
				defer func() {
					if t.Failed() {
						t.Logf("failing schedule: N=%d seed=%d byzantine=%d fork=%s mode=%s loss=%d%%", sz.n, seed, o.byz, o.fork, o.mode, lossPct)
					}
				}()
				w := newWorld(t, seed, o)
				w.run(sz.steps)
				ran++
				events += w.events
				atts += len(w.submittedAtts)
				blocks += len(w.submittedBlocks)
				byzErr += w.byzErrors
				for _, in := range w.inst {
					if in.decided != nil {
						decided++
					}
				}
				return !t.Failed()
			},
			gen.Int64(), gen.IntRange(0, 3), gen.Bool(), gen.Bool(), gen.IntRange(0, 30),
		))
		props.TestingRun(t)
		total += ran
		t.Logf("N=%d: %d schedules, %d events, %d instances decided, %d attestations and %d blocks combined, %d byzantine messages rejected",
			sz.n, ran, events, decided, atts, blocks, byzErr)
	}
	t.Logf("%d simulated schedules in %s", total, time.Since(start).Round(time.Millisecond))
}

var _ = consensus.DutyAttester
