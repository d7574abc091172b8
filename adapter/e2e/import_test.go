package e2e

import (
	"path/filepath"
	"testing"

	"github.com/dvspec/go-dvspec/adapter/devnet"
	"github.com/dvspec/go-dvspec/adapter/replay"
	"github.com/dvspec/go-dvspec/impl/trace"
)

// TestBlockImport: the nodes follow the beacon node's block events and
// step every imported block into the DVCs it concerns. The DV proposes
// every block (it holds the whole registry), so each node imports each
// proposal, and the blocks carry the previous slot's attestations, so the
// attesters' DVCs learn their decisions from the chain: every such step
// is accepted and stops the decided instance, and the trace still replays
// through the spec without divergence.
func TestBlockImport(t *testing.T) {
	dir := t.TempDir()
	tracePath := filepath.Join(dir, "trace.jsonl")
	const slots = 6
	res := runDevnet(t, devnet.Config{Nodes: 4, Validators: 32, Slots: slots, SecondsPerSlot: slotSeconds(t), NoSync: true, Trace: tracePath, NoAggregation: true})
	for _, d := range res.Duties {
		if !d.Accepted {
			t.Errorf("%s duty of validator %d at slot %d was not accepted", d.Type, d.Validator, d.Slot)
		}
	}
	type key struct{ node, slot uint64 }
	proposals := map[key]bool{}
	withAttestations, rejected := 0, 0
	err := trace.ReadFile(tracePath, func(r *trace.Record) error {
		if r.Record != trace.KindStep {
			return nil
		}
		f := r.Event["imported_new_block"]
		if f == nil {
			return nil
		}
		if r.Error != "" {
			rejected++
			t.Errorf("node %d rejected an imported block: %s %s", r.Node, r.Error, r.ErrorMessage)
			return nil
		}
		stops := 0
		for _, o := range r.Outputs {
			if o["stop_consensus"] != nil {
				stops++
			}
		}
		if stops == 0 {
			t.Errorf("node %d: an imported block stopped no instance", r.Node)
		}
		if len(f.Committees) > 0 {
			withAttestations++
		}
		// The block's slot is its first 8 bytes (little endian).
		var slot uint64
		for i := 7; i >= 0; i-- {
			slot = slot<<8 | uint64(f.BlockSSZ[i])
		}
		proposals[key{r.Node, slot}] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Blocks of slots 1..slots-1 are counted duties; the grace slots may
	// add more.
	for node := uint64(1); node <= 4; node++ {
		for s := uint64(1); s < slots; s++ {
			if !proposals[key{node, s}] {
				t.Errorf("node %d did not import the block of slot %d", node, s)
			}
		}
	}
	if withAttestations == 0 {
		t.Error("no imported block carried the DV's attestations")
	}
	rep, err := replay.Replay(tracePath, replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Divergence != nil {
		t.Fatalf("divergence: %+v", rep.Divergence)
	}
}
