// Package conformance runs DV clusters through the conformance kit
// (impl/conformance): self-test runs in-process dvnode clusters through
// scenarios, and Serve runs the kit for any implementation started by
// hand from the instructions it prints.
package conformance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dvspec/go-dvspec/internal/freeports"

	"github.com/dvspec/go-dvspec/adapter/run"
	"github.com/dvspec/go-dvspec/impl/conformance"
	"github.com/dvspec/go-dvspec/impl/keys"
	"github.com/dvspec/go-dvspec/impl/remotesigner"
	"github.com/dvspec/go-dvspec/impl/vc"
	"github.com/dvspec/go-dvspec/spec/cluster"
)

// SelfTestConfig describes a self-test.
type SelfTestConfig struct {
	Nodes, Validators int
	Scenarios         []conformance.Scenario
	// SecondsPerSlot and MinLiveness, when set, override every
	// scenario's: longer slots for a loaded machine, where duties late by
	// the wall clock are refused by the chain.
	SecondsPerSlot uint64
	MinLiveness    float64
	// RecordingSigner makes every node sign through the kit's recording
	// Web3Signer endpoint holding its key shares (safety is then also
	// judged under the share keys); otherwise each node uses its
	// embedded signer.
	RecordingSigner bool
	// Modes are the architectures each scenario is run in: run.ModeRemoteSigner
	// and/or run.ModeVCMiddleware (empty: remote-signer only). In
	// VC-middleware mode a scripted validator client per node drives the
	// node's validator API and the scenario is reported as
	// <name>/vc-middleware.
	Modes []string
	// VCPatterns are the request patterns of the scripted validator
	// clients, node i using VCPatterns[(i-1) % len] (empty: default and
	// prysm alternating, so one cluster sees both).
	VCPatterns []vc.Pattern
	// ReportDir, when set, receives <scenario>.json per scenario.
	ReportDir string
	// Out receives the tables and the SCENARIO and CONFORMANCE lines.
	Out    io.Writer
	Logger *slog.Logger
}

// Summary counts scenario outcomes.
type Summary struct {
	Scenarios, Passed, Failed int
	Reports                   []*conformance.Report
}

// Line is the final machine-readable line.
func (s Summary) Line() string {
	return fmt.Sprintf("CONFORMANCE scenarios=%d passed=%d failed=%d", s.Scenarios, s.Passed, s.Failed)
}

// SelfTest runs an in-process dvnode cluster (remote-signer mode, each node
// with its embedded signer) through every scenario, one fresh cluster and
// chain per scenario.
func SelfTest(ctx context.Context, cfg SelfTestConfig) (Summary, error) {
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if len(cfg.Scenarios) == 0 {
		return Summary{}, errors.New("conformance: no scenarios")
	}
	modes := cfg.Modes
	if len(modes) == 0 {
		modes = []string{run.ModeRemoteSigner}
	}
	for _, m := range modes {
		if m != run.ModeRemoteSigner && m != run.ModeVCMiddleware {
			return Summary{}, fmt.Errorf("conformance: mode %q: want %s or %s", m, run.ModeRemoteSigner, run.ModeVCMiddleware)
		}
	}
	if len(cfg.VCPatterns) == 0 {
		cfg.VCPatterns = []vc.Pattern{vc.DefaultPattern(), vc.PrysmPattern()}
	}
	var sum Summary
	var startup time.Duration
	for _, mode := range modes {
		for _, sc := range cfg.Scenarios {
			if err := runOne(ctx, cfg, sc, mode, &sum, &startup); err != nil {
				return sum, err
			}
		}
	}
	fmt.Fprintln(cfg.Out, sum.Line())
	return sum, nil
}

func runOne(ctx context.Context, cfg SelfTestConfig, sc conformance.Scenario, mode string, sum *Summary, startup *time.Duration) error {
	if cfg.SecondsPerSlot != 0 {
		sc.SecondsPerSlot = cfg.SecondsPerSlot
	}
	if cfg.MinLiveness != 0 {
		sc.MinLiveness = cfg.MinLiveness
	}
	if mode == run.ModeVCMiddleware {
		sc.Name += "/" + run.ModeVCMiddleware
	}
	rep, kit, err := runDvnode(ctx, cfg, sc, mode, startup)
	// The nodes' peer-to-peer ports are chosen free and then bound by
	// the nodes, so another program may take one in between: that is
	// the kit's luck, not the cluster's fault, and a fresh cluster on
	// fresh ports is tried (twice at most).
	for try := 0; try < 2 && err != nil && strings.Contains(err.Error(), "address already in use"); try++ {
		fmt.Fprintf(cfg.Out, "KIT retry scenario=%s: %v\n", sc.Name, err)
		rep, kit, err = runDvnode(ctx, cfg, sc, mode, startup)
	}
	if err != nil {
		return fmt.Errorf("scenario %s: %w", sc.Name, err)
	}
	sum.Scenarios++
	if rep.Pass {
		sum.Passed++
	} else {
		sum.Failed++
	}
	sum.Reports = append(sum.Reports, rep)
	if err := rep.WriteTable(cfg.Out); err != nil {
		return err
	}
	if cfg.ReportDir != "" {
		if err := os.MkdirAll(cfg.ReportDir, 0o755); err != nil {
			return err
		}
		file := strings.ReplaceAll(sc.Name, "/", "-")
		if err := rep.WriteJSON(filepath.Join(cfg.ReportDir, file+".json")); err != nil {
			return err
		}
		if err := kit.WriteTrace(filepath.Join(cfg.ReportDir, file+".trace.jsonl")); err != nil {
			return err
		}
	}
	fmt.Fprintln(cfg.Out, rep.Line())
	return nil
}

// runDvnode returns the report and the (closed) kit, whose record stays
// readable.
//
// startup is the genesis delay to give the cluster (at least 3 s plus a
// little per validator); it grows to twice the slowest start seen.
func runDvnode(ctx context.Context, cfg SelfTestConfig, sc conformance.Scenario, mode string, startup *time.Duration) (*conformance.Report, *conformance.Kit, error) {
	delay := max(*startup, 3*time.Second+time.Duration(cfg.Validators)*4*time.Millisecond)
	created := time.Now()
	kit, err := conformance.New(conformance.Config{
		Nodes: cfg.Nodes, Validators: cfg.Validators, Scenario: sc,
		GenesisDelay: delay,
	})
	if err != nil {
		return nil, nil, err
	}
	defer kit.Close()
	dir, err := os.MkdirTemp("", "dvnode-conformance-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir)
	chain := kit.Chain()
	p2p, err := freeports.Consecutive(cfg.Nodes)
	if err != nil {
		return nil, nil, err
	}
	seed := make([]byte, 32)
	_, _ = rand.Read(seed)
	if _, err := keys.GenerateDevnet(dir, keys.DevnetConfig{
		Name: "conformance", Operators: cfg.Nodes, Validators: cfg.Validators, Seed: seed,
		Network:  cluster.NetworkFromSchedule("conformance", chain.GenesisValidatorsRoot, chain.SlotsPerEpoch, chain.Forks),
		BasePort: p2p,
	}); err != nil {
		return nil, nil, err
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var svcs []*run.Service
	defer func() {
		for _, s := range svcs {
			s.Stop()
		}
	}()
	for i := uint64(1); i <= uint64(cfg.Nodes); i++ {
		nodeDir := keys.NodeDir(dir, i)
		o := run.Options{
			ClusterFile:  filepath.Join(dir, "cluster.json"),
			NodeDir:      nodeDir,
			BeaconURLs:   []string{kit.URL(i)},
			SignerListen: "127.0.0.1:0",
			Logger:       cfg.Logger.With("node", i),
			// The kit counts no aggregation duty (adapter/CONFORMANCE.md):
			// the self-test leaves them out, as it always has, rather
			// than spend CPU on them.
			NoAggregation: true,
		}
		vcMode := mode == run.ModeVCMiddleware
		if vcMode {
			o.Mode, o.ValidatorAPIAddr, o.SignerListen = run.ModeVCMiddleware, "127.0.0.1:0", ""
		} else if cfg.RecordingSigner {
			if o.SignerURL, o.SignerTokenFile, err = recordingSigner(kit, i, nodeDir); err != nil {
				return nil, nil, fmt.Errorf("node %d signer: %w", i, err)
			}
			o.SignerListen = ""
		}
		svc, err := run.Start(rctx, o)
		if err != nil {
			return nil, nil, fmt.Errorf("node %d: %w", i, err)
		}
		svcs = append(svcs, svc)
		if vcMode {
			sks, err := remotesigner.LoadKeystores(remotesigner.KeystoreConfig{
				Dir: filepath.Join(nodeDir, keys.KeystoresDir), PasswordFile: filepath.Join(nodeDir, keys.KeystorePasswordFile),
			})
			if err != nil {
				return nil, nil, fmt.Errorf("node %d key shares: %w", i, err)
			}
			stop, err := kit.StartVC(rctx, conformance.VCConfig{
				Node: i, URL: "http://" + svc.ValidatorAPIAddr, Keys: sks, Dir: nodeDir,
				Pattern: cfg.VCPatterns[int(i-1)%len(cfg.VCPatterns)], Logger: cfg.Logger.With("node", i, "component", "vc"),
			})
			if err != nil {
				return nil, nil, err
			}
			defer stop()
		}
	}
	// A cluster that comes up after slot 0 has started loses its first
	// duties to the kit's schedule, not through its own fault: the margin
	// is printed, and the next scenario's genesis is put far enough out
	// for a start as slow as this one.
	took := time.Since(created)
	margin := time.Until(kit.Genesis())
	fmt.Fprintf(cfg.Out, "KIT started scenario=%s nodes=%d took=%s before_genesis=%s\n", sc.Name, cfg.Nodes, took.Round(time.Millisecond), margin.Round(time.Millisecond))
	if d := 2 * took; d > *startup {
		*startup = d
	}
	rep, err := kit.Run(rctx)
	return rep, kit, err
}

// recordingSigner serves node i's key shares from the kit's recording
// signer, with a fresh bearer token written into the node directory.
func recordingSigner(kit *conformance.Kit, i uint64, nodeDir string) (url, tokenFile string, err error) {
	sks, err := remotesigner.LoadKeystores(remotesigner.KeystoreConfig{
		Dir:          filepath.Join(nodeDir, keys.KeystoresDir),
		PasswordFile: filepath.Join(nodeDir, keys.KeystorePasswordFile),
	})
	if err != nil {
		return "", "", err
	}
	raw := make([]byte, 24)
	_, _ = rand.Read(raw)
	token := hex.EncodeToString(raw)
	tokenFile = filepath.Join(nodeDir, "kit-signer-token.txt")
	if err := os.WriteFile(tokenFile, []byte(token), 0o600); err != nil {
		return "", "", err
	}
	url, err = kit.StartSigner(i, remotesigner.Config{Keys: sks, AuthToken: token})
	return url, tokenFile, err
}
