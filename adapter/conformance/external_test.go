package conformance_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dvspec/go-dvspec/adapter/cli"
	adconf "github.com/dvspec/go-dvspec/adapter/conformance"
	"github.com/dvspec/go-dvspec/adapter/run"
	"github.com/dvspec/go-dvspec/impl/conformance"
)

const childEnv = "DVNODE_CONFORMANCE_CHILD"

// TestMain lets the test binary act as dvnode, so that the external test
// runs the printed commands as separate processes.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestExternalProcesses runs the kit as a client team would: `serve`
// prints what to start, and the test starts exactly those commands, as
// separate dvnode processes, then requires every check to pass. The
// scenario is bn_down (shortened), so the out-of-process nodes also ride
// out a dead beacon node.
func TestExternalProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs dvnode processes for a few seconds")
	}
	t.Parallel()
	all, err := conformance.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var sc conformance.Scenario
	for _, s := range all {
		if s.Name == "bn_down" {
			sc = s
		}
	}
	sc.Slots = 7
	sc.Faults[0].ToSlot = 4
	// As TestSelfTestShort: 3-second slots for a loaded machine, every
	// duty done (node 2's beacon node is down, but F = 1 may fail).
	sc.SecondsPerSlot = 3
	runExternal(t, sc, run.ModeRemoteSigner)
}

// TestExternalVCMiddleware: the same for an implementation in
// VC-middleware mode: the printed `dvnode run --mode vc-middleware` lines
// are started as processes, and the kit drives each node's validator API
// with its own scripted validator client holding that node's key shares.
func TestExternalVCMiddleware(t *testing.T) {
	if testing.Short() {
		t.Skip("runs dvnode processes for a few seconds")
	}
	t.Parallel()
	all, err := conformance.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var sc conformance.Scenario
	for _, s := range all {
		if s.Name == "baseline" {
			sc = s
		}
	}
	sc.Slots = 6
	sc.SecondsPerSlot = 3
	rep := runExternal(t, sc, run.ModeVCMiddleware)
	if a := rep.Result(conformance.CheckAnswers); a == nil || !strings.Contains(a.Detail, "by 4 scripted validator clients") {
		t.Fatalf("answers check missing or not from 4 clients: %+v", a)
	}
}

func runExternal(t *testing.T, sc conformance.Scenario, mode string) *conformance.Report {
	dir := t.TempDir()
	var out bytes.Buffer
	var procs []*exec.Cmd
	defer func() {
		for _, p := range procs {
			_ = p.Process.Kill()
			_ = p.Wait()
		}
	}()
	command := func(line string) *exec.Cmd {
		args := strings.Fields(line)[1:] // drop "dvnode"
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), childEnv+"=1")
		return cmd
	}
	rep, err := adconf.Serve(t.Context(), adconf.ServeConfig{
		Nodes: 4, Validators: 4, Scenario: sc, Dir: filepath.Join(dir, "kit"), GenesisDelay: 20 * time.Second, Out: &out, Mode: mode,
		Ready: func(*conformance.Kit) {
			for _, line := range strings.Split(out.String(), "\n") {
				line = strings.TrimSpace(line)
				switch {
				case strings.HasPrefix(line, "dvnode create cluster "):
					if b, err := command(line).CombinedOutput(); err != nil {
						t.Errorf("%s: %v\n%s", line, err, b)
					}
				case strings.HasPrefix(line, "dvnode run "):
					cmd := command(line + " --log-level warn")
					cmd.Stderr = os.Stderr
					if err := cmd.Start(); err != nil {
						t.Errorf("%s: %v", line, err)
						continue
					}
					procs = append(procs, cmd)
				}
			}
			if len(procs) != 4 {
				t.Errorf("started %d nodes from the instructions, want 4:\n%s", len(procs), out.String())
			}
		},
	})
	t.Log(out.String())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "KIT connected nodes=4") {
		t.Error("the kit did not see every node connect before genesis")
	}
	if !rep.Pass {
		t.Fatalf("%s", rep.Line())
	}
	return rep
}
