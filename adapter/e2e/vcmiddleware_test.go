package e2e

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/dvspec/go-dvspec/adapter/cli"
	"github.com/dvspec/go-dvspec/adapter/devnet"
	"github.com/dvspec/go-dvspec/adapter/replay"
	"github.com/dvspec/go-dvspec/adapter/run"
	"github.com/dvspec/go-dvspec/impl/vc"
)

// TestDevnetVCMiddleware runs the other architecture: every node serves the
// validator API to a validator client of its own (impl/vc, over HTTP, with
// the node's key shares and its own slashing DB), combines the partial
// signatures the clients send, and every duty must be accepted by the beacon
// node; the trace, validator-client events included, replays without
// divergence. The clients aggregate too (--aggregation), and the
// aggregation steps replay as well.
func TestDevnetVCMiddleware(t *testing.T) {
	tracePath := filepath.Join(t.TempDir(), "trace.jsonl")
	res := runDevnet(t, devnet.Config{
		Nodes: 4, Validators: 8, Slots: slots(8, 16), SecondsPerSlot: slotSeconds(t), Trace: tracePath,
		Mode: run.ModeVCMiddleware, StartVC: cli.StartDevnetVC,
	})
	checkAllAccepted(t, res)
	// The clients aggregate through the nodes' DVT selection and
	// aggregate endpoints; the beacon node accepted every aggregate
	// (checkAllAccepted), and there were some.
	if a := res.ByType[devnet.TypeAggregator]; a == nil || a.Count == 0 {
		t.Errorf("no aggregator duty in VC-middleware mode: %v", res.ByType)
	}
	// Sync committee contributions too: the clients' sync selections
	// through sync_committee_selections, the contributions the nodes
	// decided through the validator API, accepted by simbeacon.
	if c := res.ByType[devnet.TypeSyncContribution]; c == nil || c.Count == 0 {
		t.Errorf("no sync contribution duty in VC-middleware mode: %v", res.ByType)
	}
	rep, err := replay.Replay(tracePath, replay.Options{})
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	if rep.Divergence != nil || rep.Steps == 0 || rep.AggSteps == 0 {
		var b bytes.Buffer
		rep.Print(&b)
		t.Fatalf("replay: %s", b.String())
	}
}

// TestDevnetVCMiddlewarePrysmPattern: the validator clients send their
// requests as Prysm v6.0.4's does (one sync selection per validator and
// subcommittee per request, an answer taken only when it holds every
// selection asked); every duty, aggregates and contributions included,
// is accepted.
func TestDevnetVCMiddlewarePrysmPattern(t *testing.T) {
	res := runDevnet(t, devnet.Config{
		Nodes: 4, Validators: 8, Slots: slots(8, 16), SecondsPerSlot: slotSeconds(t),
		Mode: run.ModeVCMiddleware, StartVC: cli.DevnetVCWithPattern(vc.PrysmPattern()),
	})
	checkAllAccepted(t, res)
	for _, typ := range []string{devnet.TypeAggregator, devnet.TypeSyncContribution} {
		if d := res.ByType[typ]; d == nil || d.Count == 0 {
			t.Errorf("no %s duty with the Prysm pattern: %v", typ, res.ByType)
		}
	}
}
