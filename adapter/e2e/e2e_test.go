// Package e2e runs whole clusters: 4 dvnode nodes over real libp2p on
// 127.0.0.1 with their embedded signers and slashing DBs against the
// embedded simulated beacon node, which verifies every signature it is
// given. The duties are counted from the beacon node's records.
package e2e

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/adapter/cli"
	"github.com/dvspec/go-dvspec/adapter/devnet"
	"github.com/dvspec/go-dvspec/adapter/replay"
	"github.com/dvspec/go-dvspec/adapter/run"
	"github.com/dvspec/go-dvspec/impl/keys"
	"github.com/dvspec/go-dvspec/impl/slashingstore"
	"github.com/dvspec/go-dvspec/impl/trace"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

const childEnv = "DVNODE_E2E_CHILD"

// TestMain lets the test binary act as dvnode when a test runs nodes as
// separate processes (it re-executes itself with DVNODE_E2E_CHILD=1).
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// long reports whether the longer variants were asked for.
func long() bool { return os.Getenv("DVSPEC_E2E_LONG") != "" }

func slots(short, full uint64) uint64 {
	if long() {
		return full
	}
	return short
}

type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func runDevnet(t *testing.T, cfg devnet.Config) *devnet.Result {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end devnet (-short)")
	}
	// The devnets of this package run side by side: each uses a fraction
	// of a core, and their slots are long enough for it.
	t.Parallel()
	cfg.Out = logWriter{t}
	res, err := devnet.Run(t.Context(), cfg)
	if err != nil {
		t.Fatalf("devnet: %v", err)
	}
	var b bytes.Buffer
	res.Print(&b)
	t.Log(b.String())
	return res
}

// checkAllAccepted asserts that every duty the beacon node assigned to the
// cluster was accepted by it (it accepts only signatures that verify) and
// that nothing slashable reached it.
func checkAllAccepted(t *testing.T, res *devnet.Result) {
	t.Helper()
	if res.Total.Count == 0 {
		t.Fatal("no duty was assigned")
	}
	for _, d := range res.Duties {
		if !d.Accepted {
			t.Errorf("%s duty of validator %d at slot %d was not accepted by the beacon node", d.Type, d.Validator, d.Slot)
		}
	}
	for _, o := range res.Offences {
		t.Errorf("slashable message reached the beacon node: %+v", o)
	}
	if res.ByType[devnet.TypeProposer] == nil || res.ByType[devnet.TypeSync] == nil {
		t.Errorf("expected proposer and sync committee duties, got %v", res.ByType)
	}
}

// TestDevnetEveryDutyAccepted is the main job in small: 4 nodes, every duty accepted with a valid signature, the nodes' metrics
// and health endpoints up, and the trace replays through the spec without
// divergence, every node of the cluster agreeing on every duty.
func TestDevnetEveryDutyAccepted(t *testing.T) {
	dir := t.TempDir()
	tracePath := filepath.Join(dir, "trace.jsonl")
	scraped := false
	res := runDevnet(t, devnet.Config{
		Nodes: 4, Validators: 8, Slots: slots(8, 16), SecondsPerSlot: slotSeconds(t), Trace: tracePath, Metrics: true, NoAggregation: true,
		OnSlot: func(slot uint64, addrs map[uint64]string) {
			if slot != 5 || len(addrs) != 4 {
				return
			}
			scraped = true
			for i, a := range addrs {
				for path, want := range map[string]string{"/metrics": `dvnode_duties_total{node="`, "/livez": "ok", "/readyz": "ok"} {
					resp, err := http.Get("http://" + a + path)
					if err != nil {
						t.Errorf("node %d %s: %v", i, path, err)
						continue
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
						t.Errorf("node %d %s: status %d, body lacks %q:\n%.400s", i, path, resp.StatusCode, want, body)
					}
				}
			}
		},
	})
	checkAllAccepted(t, res)
	if !scraped {
		t.Error("metrics were not scraped")
	}
	rep, err := replay.Replay(tracePath, replay.Options{})
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	if rep.Divergence != nil || rep.Steps == 0 {
		var b bytes.Buffer
		rep.Print(&b)
		t.Fatalf("replay: %s", b.String())
	}
	sums, err := replay.Summaries(tracePath, 0)
	if err != nil {
		t.Fatal(err)
	}
	for k, s := range sums {
		if len(s.Conflicts) > 0 {
			t.Errorf("nodes disagree on %+v: %v", k, s.Conflicts)
		}
	}
}

// TestDevnetOneNodeDown stops one node for good (F = 1 of 4): every duty
// must still be done. Slots of at least 2 s: with 1-second slots a duty
// whose round-0 leader is down cannot finish in its slot, because QBFT's
// first round lasts 1 s (SPEC.md section 8.7).
func TestDevnetOneNodeDown(t *testing.T) {
	report := filepath.Join(t.TempDir(), "report.jsonl")
	res := runDevnet(t, devnet.Config{
		Nodes: 4, Validators: 8, Slots: slots(8, 16), SecondsPerSlot: max(2, slotSeconds(t)),
		StopAt: map[uint64]uint64{4: 2}, Report: report, NoAggregation: true,
	})
	checkAllAccepted(t, res)
	// --report: one line per duty the beacon node assigned, with its
	// outcome.
	lines, err := devnet.ReadReport(report)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != len(res.Duties) {
		t.Fatalf("report has %d lines for %d duties", len(lines), len(res.Duties))
	}
	for i, l := range lines {
		d := res.Duties[i]
		if l.Type != d.Type || l.Validator != uint64(d.Validator) || l.Slot != uint64(d.Slot) || (l.Outcome == "succeeded") != d.Accepted {
			t.Fatalf("report line %d %+v for duty %+v", i+1, l, d)
		}
	}
}

// TestDevnetByzantineNode makes one node byzantine: it sends equivocating
// proposals when it leads and only invalid shares. Every duty must still
// be done, and the honest nodes' state machines must have rejected its
// shares.
func TestDevnetByzantineNode(t *testing.T) {
	tracePath := filepath.Join(t.TempDir(), "trace.jsonl")
	res := runDevnet(t, devnet.Config{
		Nodes: 4, Validators: 8, Slots: slots(8, 16), SecondsPerSlot: max(2, slotSeconds(t)),
		Byzantine: []uint64{3}, Trace: tracePath, NoAggregation: true,
	})
	checkAllAccepted(t, res)
	st := res.Byzantine[3]
	if st.BadShares == 0 || st.Equivocations == 0 {
		t.Errorf("the byzantine node did not misbehave: %+v", st)
	}
	rejected := 0
	err := trace.ReadFile(tracePath, func(r *trace.Record) error {
		if r.Record == trace.KindStep && r.Node != 3 && r.Error == "rejected_share" {
			rejected++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rejected == 0 {
		t.Error("no honest node rejected a share of the byzantine node")
	}
	t.Logf("byzantine node: %d equivocating proposals, %d invalid shares; %d shares rejected by honest nodes", st.Equivocations, st.BadShares, rejected)
}

// TestCrashRestartNoSlashableShare runs the nodes as separate processes,
// kills one with SIGKILL while it does its attester and sync committee
// duties, and restarts it from its data directory two slots later. Every
// duty must be done; the restarted node must start from the slashing DB
// it synced before every signature (its DVC states hold that history); and
// nothing it ever signed may be slashable.
func TestCrashRestartNoSlashableShare(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "devnet")
	tracePrefix := filepath.Join(dir, "trace")
	sps := max(2, slotSeconds(t))
	slotDur := time.Duration(sps) * time.Second
	res := runDevnet(t, devnet.Config{
		Nodes: 4, Validators: 8, Slots: slots(9, 16), SecondsPerSlot: sps, DataDir: data, Keep: true,
		Processes: true, Exec: []string{os.Args[0]}, ChildEnv: []string{childEnv + "=1"},
		StopAt: map[uint64]uint64{2: 3}, RestartAt: map[uint64]uint64{2: 5}, StopOffset: slotDur/3 + 80*time.Millisecond,
		Trace: tracePrefix, NoAggregation: true,
	})
	checkAllAccepted(t, res)

	def, err := keys.LoadClusterDefinition(filepath.Join(data, "cluster.json"))
	if err != nil {
		t.Fatal(err)
	}
	store, err := slashingstore.Open(filepath.Join(keys.NodeDir(data, 2), run.SlashingDBFile), def.Network.GenesisValidatorsRoot)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Snapshot()
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	records := 0
	for _, d := range db.Data {
		records += len(d.SignedBlocks) + len(d.SignedAttestations)
		if msg := slashablePair(d); msg != "" {
			t.Errorf("node 2 signed slashable messages with key %#x: %s", d.Pubkey[:8], msg)
		}
	}
	if records == 0 {
		t.Fatal("node 2 signed nothing slashable-protected")
	}
	// The restarted node's state machines started from its disk DB.
	restarted := tracePrefix + ".node-2.2"
	withHistory := 0
	err = trace.ReadFile(restarted, func(r *trace.Record) error {
		if r.Record != trace.KindConfig {
			return nil
		}
		snap, err := dvc.DecodeSnapshot(r.State)
		if err != nil {
			return err
		}
		for _, d := range snap.SlashingDB.Data {
			if len(d.SignedBlocks)+len(d.SignedAttestations) > 0 {
				withHistory++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("trace of the restarted node: %v", err)
	}
	if withHistory == 0 {
		t.Error("no state machine of the restarted node started with its slashing history")
	}
	rep, err := replay.Replay(restarted, replay.Options{})
	if err != nil || rep.Divergence != nil {
		t.Errorf("replay of the restarted node: %v %+v", err, rep)
	}
}

// slashablePair reports a slashable pair among one key's records.
func slashablePair(d *slashing.SlashingDBData) string {
	root := func(r *phase0.Root) string {
		if r == nil {
			return ""
		}
		return r.String()
	}
	for i, a := range d.SignedAttestations {
		for _, b := range d.SignedAttestations[i+1:] {
			switch {
			case a.TargetEpoch == b.TargetEpoch && root(a.SigningRoot) != root(b.SigningRoot):
				return "double vote"
			case a.SourceEpoch < b.SourceEpoch && b.TargetEpoch < a.TargetEpoch,
				b.SourceEpoch < a.SourceEpoch && a.TargetEpoch < b.TargetEpoch:
				return "surround vote"
			}
		}
	}
	for i, a := range d.SignedBlocks {
		for _, b := range d.SignedBlocks[i+1:] {
			if a.Slot == b.Slot && root(a.SigningRoot) != root(b.SigningRoot) {
				return "double proposal"
			}
		}
	}
	return ""
}
