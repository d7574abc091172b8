package conformance

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/dvspec/go-dvspec/adapter/run"
	"github.com/dvspec/go-dvspec/impl/conformance"
)

// TestSelfTestShort is the short form of `dvnode conformance self-test`:
// an in-process dvnode cluster through the baseline, judged by the kit
// (TestExternalProcesses runs bn_down with node processes alongside).
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
		switch s.Name {
		case "baseline":
			s.Slots = 6
			scs = append(scs, s)
		}
	}
	var out bytes.Buffer
	sum, err := SelfTest(context.Background(), SelfTestConfig{
		Nodes: 4, Validators: 4, Scenarios: scs, Out: &out,
		// go test runs on machines shared with other builds, where a
		// duty late by the wall clock is refused by the chain: longer
		// slots, and most (not all) duties done. Safety, validity and
		// agreement stay absolute.
		SecondsPerSlot: 3, MinLiveness: 0.8,
		// Through the recording signers: safety under share keys too.
		RecordingSigner: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(out.String())
	if sum.Scenarios != 1 || sum.Failed != 0 {
		t.Fatalf("%s", sum.Line())
	}
	// The recording signers saw the nodes' signing requests.
	if d := sum.Reports[0].Result(conformance.CheckSafety).Detail; !strings.Contains(d, "share keys") {
		t.Errorf("safety judged no share-key signatures: %s", d)
	}
}

// TestSelfTestVCMiddlewareShort: the baseline with dvnode in VC-middleware
// mode, a scripted validator client per node (default and Prysm request
// patterns alternating) driving each node's validator API; the answers
// check judges what the clients were given.
func TestSelfTestVCMiddlewareShort(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a dvnode cluster for a few seconds")
	}
	t.Parallel()
	all, err := conformance.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var scs []conformance.Scenario
	for _, s := range all {
		if s.Name == "baseline" {
			s.Slots = 6
			scs = append(scs, s)
		}
	}
	var out bytes.Buffer
	sum, err := SelfTest(context.Background(), SelfTestConfig{
		Nodes: 4, Validators: 4, Scenarios: scs, Out: &out, Modes: []string{run.ModeVCMiddleware},
		SecondsPerSlot: 3, MinLiveness: 0.8,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(out.String())
	if sum.Scenarios != 1 || sum.Failed != 0 {
		t.Fatalf("%s", sum.Line())
	}
	rep := sum.Reports[0]
	if rep.Scenario != "baseline/vc-middleware" {
		t.Errorf("scenario reported as %q", rep.Scenario)
	}
	a := rep.Result(conformance.CheckAnswers)
	if a == nil || !strings.Contains(a.Detail, "by 4 scripted validator clients") {
		t.Fatalf("answers check missing or not from 4 clients: %+v", a)
	}
}
