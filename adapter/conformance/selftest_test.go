package conformance

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dvspec/go-dvspec/adapter/replay"
	"github.com/dvspec/go-dvspec/adapter/run"
	"github.com/dvspec/go-dvspec/impl/conformance"
	"github.com/dvspec/go-dvspec/impl/trace"
)

// TestSelfTestShort is the short form of `dvnode conformance self-test`:
// in-process dvnode clusters through the baseline, once in remote-signer
// mode (through the recording signers) and once in VC-middleware mode (a
// scripted validator client per node, default and Prysm request patterns),
// judged by the kit; then `dvnode diff` compares the two runs' submission
// traces duty by duty (TestExternalProcesses runs node processes).
func TestSelfTestShort(t *testing.T) {
	if testing.Short() {
		t.Skip("runs dvnode clusters for a few seconds")
	}
	t.Parallel()
	all, err := conformance.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var scs []conformance.Scenario
	for _, s := range all {
		// Shortened so that go test stays quick on a busy machine; the
		// full scenarios run in `dvnode conformance self-test`.
		if s.Name == "baseline" {
			s.Slots = 6
			scs = append(scs, s)
		}
	}
	dir := t.TempDir()
	var out bytes.Buffer
	sum, err := SelfTest(context.Background(), SelfTestConfig{
		Nodes: 4, Validators: 4, Scenarios: scs, Out: &out, ReportDir: dir,
		Modes: []string{run.ModeRemoteSigner, run.ModeVCMiddleware},
		// go test runs on machines shared with other builds, where a
		// block or sync message late by the wall clock is refused by the
		// chain: 3-second slots. Every duty must still be done; a miss is
		// reported with its cause (never submitted, or refused and why).
		SecondsPerSlot: 3,
		// Through the recording signers: safety under share keys too.
		RecordingSigner: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(out.String())
	if sum.Scenarios != 2 || sum.Failed != 0 {
		t.Fatalf("%s", sum.Line())
	}
	// The recording signers saw the nodes' signing requests.
	if d := sum.Reports[0].Result(conformance.CheckSafety).Detail; !strings.Contains(d, "share keys") {
		t.Errorf("safety judged no share-key signatures: %s", d)
	}
	vcRep := sum.Reports[1]
	if vcRep.Scenario != "baseline/vc-middleware" {
		t.Errorf("second scenario reported as %q", vcRep.Scenario)
	}
	if a := vcRep.Result(conformance.CheckAnswers); a == nil || !strings.Contains(a.Detail, "by 4 scripted validator clients") {
		t.Fatalf("answers check missing or not from 4 clients: %+v", a)
	}

	// The two runs, diffed as two implementations' would be.
	a, b := filepath.Join(dir, "baseline.trace.jsonl"), filepath.Join(dir, "baseline-vc-middleware.trace.jsonl")
	d, err := replay.Diff(a, b, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	d.Print(&sb)
	t.Log(sb.String())
	attesterSame := 0
	for k, x := range d.A {
		y := d.B[k]
		if k.Type == "attester" && y != nil && x.Submitted != "" && x.Submitted == y.Submitted {
			attesterSame++
		}
	}
	if attesterSame == 0 {
		t.Fatalf("no attestation submitted identically by both runs: the chain, keys and decided values are the same, so the combined attestations must be")
	}
	// Attestations and sync committee messages depend only on the chain
	// (the same in both runs) and the validator keys; blocks carry the
	// run's genesis time in their payload, so only they may differ.
	for _, line := range d.Differences {
		if !strings.HasPrefix(line, "proposer ") {
			t.Errorf("runs differ on more than blocks: %s", line)
		}
	}
	// Diff sees a difference: the same trace with one attestation of one
	// node altered is reported at that duty.
	tampered := filepath.Join(dir, "tampered.trace.jsonl")
	duty := tamperAttestation(t, a, tampered)
	d2, err := replay.Diff(a, tampered, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, line := range d2.Differences {
		if strings.Contains(line, duty) {
			found = true
		}
	}
	if !found || len(d2.Differences) != 1 {
		t.Fatalf("tampered attestation of %q: differences %q", duty, d2.Differences)
	}
}

// tamperAttestation copies the trace at from to to with the last byte of
// the first submitted attestation's signature flipped, and returns the
// duty's prefix as DiffReport names it.
func tamperAttestation(t *testing.T, from, to string) string {
	t.Helper()
	in, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	var outLines []string
	duty := ""
	sc := bufio.NewScanner(bytes.NewReader(in))
	sc.Buffer(nil, trace.MaxLine)
	for sc.Scan() {
		line := sc.Text()
		var r trace.Record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		if duty == "" && len(r.Outputs) == 1 && r.Outputs[0]["submit_attestation"] != nil {
			f := r.Outputs[0]["submit_attestation"]
			f.AttestationSSZ[len(f.AttestationSSZ)-1] ^= 1
			raw, err := json.Marshal(&r)
			if err != nil {
				t.Fatal(err)
			}
			line = string(raw)
			duty = "attester slot "
		}
		outLines = append(outLines, line)
	}
	if duty == "" {
		t.Fatal("no attestation in the trace")
	}
	if err := os.WriteFile(to, []byte(strings.Join(outLines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return duty
}
