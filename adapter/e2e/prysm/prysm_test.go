package prysm

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestPrysmDevnet runs run.sh: minutes of a real chain, and a build of Prysm
// and geth the first time (about 2.4 GB of module cache), so it is opt-in.
// The script's own check decides; the test also wants the verdict lines, so
// a script that exits 0 without checking anything fails.
//
// DVSPEC_E2E_PRYSM_MODE=vc-middleware runs the nodes in VC-middleware mode
// behind four Prysm validator clients (run.sh's MODE);
// DVSPEC_E2E_PRYSM_AGGREGATION=1 has the nodes aggregate (AGGREGATION).
func TestPrysmDevnet(t *testing.T) {
	if os.Getenv("DVSPEC_E2E_PRYSM") != "1" {
		t.Skip("opt-in: DVSPEC_E2E_PRYSM=1 runs dvnode against Prysm v6.0.4 + geth v1.15.9 (run.sh)")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Fatal("bash is required:", err)
	}
	mode := os.Getenv("DVSPEC_E2E_PRYSM_MODE")
	if mode == "" {
		mode = "remote-signer"
	}
	if mode != "remote-signer" && mode != "vc-middleware" {
		t.Fatalf("DVSPEC_E2E_PRYSM_MODE=%q: want remote-signer or vc-middleware", mode)
	}
	aggregation := os.Getenv("DVSPEC_E2E_PRYSM_AGGREGATION") == "1"
	// Before go test's own timeout kills this process, stop the script
	// with SIGTERM: its exit trap stops the devnet and the nodes by PID.
	ctx := context.Background()
	if dl, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-time.Minute))
		defer cancel()
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "bash", "run.sh")
	cmd.Env = append(os.Environ(), "MODE="+mode, "AGGREGATION=")
	if aggregation {
		cmd.Env = append(cmd.Env, "AGGREGATION=1")
	}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 45 * time.Second
	cmd.Stdout = io.MultiWriter(os.Stdout, &out)
	cmd.Stderr = os.Stderr
	err := cmd.Run()
	if err != nil {
		t.Fatalf("run.sh: %v", err)
	}
	want := []string{"ONCHAIN mode=" + mode, "ONCHAIN result=pass"}
	if aggregation {
		want = append(want, "BEACON aggregates result=pass")
	}
	for _, w := range want {
		if !strings.Contains(out.String(), w) {
			t.Errorf("run.sh exited 0 without %q", w)
		}
	}
}
