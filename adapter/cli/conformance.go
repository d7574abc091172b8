package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	adconf "github.com/dvspec/go-dvspec/adapter/conformance"
	"github.com/dvspec/go-dvspec/adapter/run"
	"github.com/dvspec/go-dvspec/impl/conformance"
	"github.com/dvspec/go-dvspec/impl/vc"
)

const conformanceUsage = `dvnode conformance: the black-box conformance kit (adapter/CONFORMANCE.md)

  dvnode conformance self-test [flags]   run dvnode clusters through the scenarios
  dvnode conformance serve [flags]       serve the kit for an implementation you start
  dvnode conformance scenarios           list the built-in scenarios
`

func cmdConformance(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, conformanceUsage)
		return ExitUsage
	}
	switch args[0] {
	case "self-test":
		return cmdConformanceSelfTest(ctx, args[1:], stdout, stderr)
	case "serve":
		return cmdConformanceServe(ctx, args[1:], stdout, stderr)
	case "scenarios":
		all, err := conformance.Builtin()
		if err != nil {
			fmt.Fprintln(stderr, "dvnode conformance:", err)
			return ExitFailure
		}
		for _, s := range all {
			fmt.Fprintf(stdout, "%-18s %s\n", s.Name, s.Description)
		}
		return ExitOK
	case "-h", "--help", "help":
		fmt.Fprint(stdout, conformanceUsage)
		return ExitOK
	}
	fmt.Fprintf(stderr, "dvnode conformance: unknown command %q\n%s", args[0], conformanceUsage)
	return ExitUsage
}

// scenarios resolves --scenario values: built-in names or JSON files
// (empty: every built-in scenario).
func scenarios(names []string) ([]conformance.Scenario, error) {
	all, err := conformance.Builtin()
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return all, nil
	}
	var out []conformance.Scenario
	for _, n := range names {
		found := false
		for _, s := range all {
			if s.Name == n {
				out = append(out, s)
				found = true
			}
		}
		if found {
			continue
		}
		if !strings.HasSuffix(n, ".json") {
			return nil, fmt.Errorf("--scenario %s: no built-in scenario of that name (dvnode conformance scenarios lists them) and not a .json file", n)
		}
		s, err := conformance.Load(n)
		if err != nil {
			return nil, fmt.Errorf("--scenario: %w", err)
		}
		out = append(out, s)
	}
	return out, nil
}

func cmdConformanceSelfTest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dvnode conformance self-test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	nodes := fs.Int("nodes", 4, "cluster size N")
	vals := fs.Int("validators", 8, "distributed validators (interop keys 0..V-1)")
	var names multi
	fs.Var(&names, "scenario", "built-in scenario name or scenario JSON file (repeatable; default: every built-in scenario)")
	reportDir := fs.String("report-dir", "", "write <scenario>.json reports here")
	sps := fs.Uint64("seconds-per-slot", 0, "override every scenario's slot time (longer slots for a loaded machine)")
	minLive := fs.Float64("min-liveness", 0, "override every scenario's share of duties that must be done (0..1)")
	recSigner := fs.Bool("recording-signer", true, "nodes sign through the kit's recording Web3Signer endpoints (safety judged under the share keys too); false: each node's embedded signer")
	level := fs.String("log-level", "error", "node log level: debug, info, warn or error")
	modeFlag := fs.String("mode", "both", "architecture the dvnode clusters run in: remote-signer, vc-middleware (a scripted validator client per node) or both")
	patFlag := fs.String("vc-patterns", "default,prysm", "request patterns of the scripted validator clients (vc-middleware), node i using the ((i-1) mod n)-th: default, prysm")
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	modes, pats, err := modesAndPatterns(*modeFlag, *patFlag)
	if err != nil {
		fmt.Fprintln(stderr, "dvnode conformance self-test:", err)
		return ExitUsage
	}
	scs, err := scenarios(names)
	if err != nil {
		fmt.Fprintln(stderr, "dvnode conformance self-test:", err)
		return ExitUsage
	}
	if *sps > 60 || *minLive < 0 || *minLive > 1 {
		fmt.Fprintln(stderr, "dvnode conformance self-test: --seconds-per-slot must be at most 60 and --min-liveness within 0..1")
		return ExitUsage
	}
	for _, s := range scs {
		if err := s.Validate(*nodes); err != nil {
			fmt.Fprintln(stderr, "dvnode conformance self-test:", err)
			return ExitUsage
		}
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(*level)); err != nil {
		fmt.Fprintln(stderr, "dvnode conformance self-test: --log-level:", err)
		return ExitUsage
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lv}))
	sum, err := adconf.SelfTest(ctx, adconf.SelfTestConfig{Nodes: *nodes, Validators: *vals, Scenarios: scs, ReportDir: *reportDir, SecondsPerSlot: *sps, MinLiveness: *minLive, RecordingSigner: *recSigner, Modes: modes, VCPatterns: pats, Out: stdout, Logger: log})
	if err != nil {
		fmt.Fprintln(stderr, "dvnode conformance self-test:", err)
		return ExitFailure
	}
	if sum.Failed > 0 {
		return ExitFailure
	}
	return ExitOK
}

func cmdConformanceServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dvnode conformance serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	nodes := fs.Int("nodes", 4, "cluster size N: one beacon endpoint per node")
	vals := fs.Int("validators", 8, "distributed validators (interop keys 0..V-1)")
	name := fs.String("scenario", "baseline", "built-in scenario name or scenario JSON file")
	basePort := fs.Int("base-port", 0, "port of node 1's beacon endpoint; node i gets base+i-1 on 127.0.0.1 (default: a free range)")
	out := fs.String("out", "", "directory for validator_keys/ and report.json (required; must be empty)")
	delay := fs.Duration("genesis-delay", 60*time.Second, "time until slot 0: to split the keys and start the nodes")
	modeFlag := fs.String("mode", run.ModeRemoteSigner, "the implementation's architecture: remote-signer, or vc-middleware (the kit runs a scripted validator client per node against its validator API)")
	vcBase := fs.Int("vc-base-port", 0, "vc-middleware: port of node 1's validator API; node i's is base+i-1 on 127.0.0.1 (default: a free range)")
	shares := fs.String("shares-dir", "", "vc-middleware: node i's key shares are DIR/node-<i>/keystores/ with DIR/node-<i>/keystore-password.txt (default: OUT/cluster)")
	patFlag := fs.String("vc-patterns", "default,prysm", "vc-middleware: request patterns of the scripted validator clients, node i using the ((i-1) mod n)-th: default, prysm")
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	if *modeFlag == "both" {
		fmt.Fprintln(stderr, "dvnode conformance serve: --mode: want remote-signer or vc-middleware")
		return ExitUsage
	}
	modes, pats, err := modesAndPatterns(*modeFlag, *patFlag)
	if err != nil {
		fmt.Fprintln(stderr, "dvnode conformance serve:", err)
		return ExitUsage
	}
	scs, err := scenarios([]string{*name})
	if err == nil && len(scs) != 1 {
		err = errors.New("--scenario: want exactly one")
	}
	if err != nil {
		fmt.Fprintln(stderr, "dvnode conformance serve:", err)
		return ExitUsage
	}
	if *out == "" {
		fmt.Fprintln(stderr, "dvnode conformance serve: --out is required")
		return ExitUsage
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(stderr, "dvnode conformance serve:", err)
		return ExitUsage
	}
	rep, err := adconf.Serve(ctx, adconf.ServeConfig{Nodes: *nodes, Validators: *vals, Scenario: scs[0], BasePort: *basePort, Dir: *out, GenesisDelay: *delay, Mode: modes[0], VCBasePort: *vcBase, SharesDir: *shares, VCPatterns: pats, Out: stdout})
	if err != nil {
		fmt.Fprintln(stderr, "dvnode conformance serve:", err)
		return ExitUsage
	}
	if !rep.Pass {
		return ExitFailure
	}
	return ExitOK
}

// modesAndPatterns reads --mode and --vc-patterns.
func modesAndPatterns(mode, patterns string) ([]string, []vc.Pattern, error) {
	var modes []string
	switch mode {
	case run.ModeRemoteSigner, run.ModeVCMiddleware:
		modes = []string{mode}
	case "both":
		modes = []string{run.ModeRemoteSigner, run.ModeVCMiddleware}
	default:
		return nil, nil, fmt.Errorf("--mode %q: want %s, %s or both", mode, run.ModeRemoteSigner, run.ModeVCMiddleware)
	}
	known := conformance.Patterns()
	var pats []vc.Pattern
	for _, n := range strings.Split(patterns, ",") {
		p, ok := known[strings.TrimSpace(n)]
		if !ok {
			return nil, nil, fmt.Errorf("--vc-patterns: %q: want a comma-separated list of default, prysm", n)
		}
		pats = append(pats, p)
	}
	return modes, pats, nil
}
