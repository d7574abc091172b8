package conformance

import (
	"context"
	"fmt"
	"io"
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
)

// feeRecipient is the fee recipient the printed instructions give every
// validator ("KIT" in ASCII, then zeros): any address works on the
// simulated chain.
const feeRecipient = "0x4b49540000000000000000000000000000000000"

// ServeConfig describes a kit run for an implementation started by hand
// (or by a script) from the printed instructions.
type ServeConfig struct {
	Nodes, Validators int
	Scenario          conformance.Scenario
	// BasePort is node 1's beacon endpoint port (0: any free range).
	BasePort int
	// Dir receives validator_keys/ and report.json (must be empty or
	// absent).
	Dir string
	// GenesisDelay is the time to split the keys and start the nodes
	// (default 60 s).
	GenesisDelay time.Duration
	// KDF protects the written validator keystores (zero: insecure-fast,
	// since these are interop keys of a throwaway chain).
	KDF keys.KDF
	// Mode is the implementation's architecture: run.ModeRemoteSigner
	// (default) or run.ModeVCMiddleware, where the kit runs one scripted
	// validator client per node against the node's validator API.
	Mode string
	// VCBasePort is node 1's validator API port in VC-middleware mode;
	// node i's is VCBasePort+i-1 on 127.0.0.1 (0: a free range).
	VCBasePort int
	// SharesDir holds each node's key shares for its scripted validator
	// client, as SharesDir/node-<i>/keystores/*.json with
	// SharesDir/node-<i>/keystore-password.txt (dvnode create cluster's
	// layout; default Dir/cluster). They are read once every node has
	// connected.
	SharesDir string
	// VCPatterns are the scripted clients' request patterns, node i using
	// VCPatterns[(i-1) % len] (empty: default and prysm alternating).
	VCPatterns []vc.Pattern
	// Ready, when set, is called once the instructions are printed, with
	// the kit (tests start the nodes from it).
	Ready func(k *conformance.Kit)
	Out   io.Writer
}

// Serve runs the kit for an external implementation: it writes the
// chain's validator keystores, prints the endpoints and what to start,
// waits for every node to connect (until genesis), runs the scenario and
// writes the report.
func Serve(ctx context.Context, cfg ServeConfig) (*conformance.Report, error) {
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	if cfg.Dir == "" {
		return nil, fmt.Errorf("conformance: --out is required")
	}
	if ents, err := os.ReadDir(cfg.Dir); err == nil && len(ents) > 0 {
		return nil, fmt.Errorf("conformance: --out %s is not empty", cfg.Dir)
	}
	if cfg.GenesisDelay <= 0 {
		cfg.GenesisDelay = 60 * time.Second
	}
	if cfg.KDF == (keys.KDF{}) {
		cfg.KDF = keys.KDFInsecureFast
	}
	vcMode := false
	switch cfg.Mode {
	case "", run.ModeRemoteSigner:
	case run.ModeVCMiddleware:
		vcMode = true
	default:
		return nil, fmt.Errorf("conformance: --mode %q: want %s or %s", cfg.Mode, run.ModeRemoteSigner, run.ModeVCMiddleware)
	}
	if cfg.SharesDir == "" {
		cfg.SharesDir = filepath.Join(cfg.Dir, "cluster")
	}
	if len(cfg.VCPatterns) == 0 {
		cfg.VCPatterns = []vc.Pattern{vc.DefaultPattern(), vc.PrysmPattern()}
	}
	kit, err := conformance.New(conformance.Config{Nodes: cfg.Nodes, Validators: cfg.Validators, Scenario: cfg.Scenario, BasePort: cfg.BasePort, GenesisDelay: cfg.GenesisDelay})
	if err != nil {
		return nil, err
	}
	defer kit.Close()
	ksDir := filepath.Join(cfg.Dir, "validator_keys")
	if err := kit.WriteKeystores(ksDir, cfg.KDF); err != nil {
		return nil, err
	}
	p2p, err := freeports.Consecutive(cfg.Nodes)
	if err != nil {
		return nil, err
	}
	vcBase := cfg.VCBasePort
	if vcMode && vcBase == 0 {
		if vcBase, err = freeports.Consecutive(cfg.Nodes); err != nil {
			return nil, err
		}
	}
	vcURL := func(i uint64) string { return fmt.Sprintf("http://127.0.0.1:%d", vcBase+int(i)-1) }
	out := cfg.Out
	fmt.Fprintf(out, "KIT scenario=%s nodes=%d validators=%d genesis=%s (in %s)\n", cfg.Scenario.Name, cfg.Nodes, cfg.Validators, kit.Genesis().UTC().Format(time.RFC3339), time.Until(kit.Genesis()).Round(time.Second))
	for i := uint64(1); i <= uint64(cfg.Nodes); i++ {
		if vcMode {
			fmt.Fprintf(out, "KIT node=%d beacon_url=%s validator_api=%s\n", i, kit.URL(i), vcURL(i))
		} else {
			fmt.Fprintf(out, "KIT node=%d beacon_url=%s\n", i, kit.URL(i))
		}
	}
	clusterDir := filepath.Join(cfg.Dir, "cluster")
	fmt.Fprintf(out, "Validator keystores (interop keys 0..%d): %s (password in password.txt)\n", cfg.Validators-1, ksDir)
	fmt.Fprintf(out, "Split them with your implementation's tool, or with dvnode:\n")
	fmt.Fprintf(out, "  dvnode create cluster --split-existing-keys %s --password-file %s --beacon-node-url %s --nodes %d --base-port %d --fee-recipient %s --kdf insecure-fast --out %s\n",
		ksDir, filepath.Join(ksDir, "password.txt"), kit.URL(1), cfg.Nodes, p2p, feeRecipient, clusterDir)
	if vcMode {
		fmt.Fprintf(out, "Put node i's key shares (EIP-2335) in %s/node-<i>/keystores/ with the password in %s/node-<i>/keystore-password.txt (dvnode create cluster does).\n", cfg.SharesDir, cfg.SharesDir)
		fmt.Fprintf(out, "Then start node i before genesis against beacon_url i, serving its validator API at validator_api i; the kit runs one validator client per node there. For dvnode:\n")
		for i := uint64(1); i <= uint64(cfg.Nodes); i++ {
			fmt.Fprintf(out, "  dvnode run --mode vc-middleware --cluster %s --node-dir %s --beacon-node-url %s --validator-api-addr %s\n",
				filepath.Join(clusterDir, "cluster.json"), keys.NodeDir(clusterDir, i), kit.URL(i), strings.TrimPrefix(vcURL(i), "http://"))
		}
	} else {
		fmt.Fprintf(out, "Then start node i against beacon_url i before genesis, for dvnode:\n")
		for i := uint64(1); i <= uint64(cfg.Nodes); i++ {
			fmt.Fprintf(out, "  dvnode run --cluster %s --node-dir %s --beacon-node-url %s --signer-listen 127.0.0.1:0\n",
				filepath.Join(clusterDir, "cluster.json"), keys.NodeDir(clusterDir, i), kit.URL(i))
		}
	}
	if cfg.Ready != nil {
		cfg.Ready(kit)
	}
	wctx, cancel := context.WithDeadline(ctx, kit.Genesis())
	missing := kit.WaitConnected(wctx)
	cancel()
	if len(missing) > 0 {
		fmt.Fprintf(out, "KIT warning: nodes %v made no request before genesis; running anyway\n", missing)
	} else {
		fmt.Fprintf(out, "KIT connected nodes=%d\n", cfg.Nodes)
	}
	if vcMode {
		for i := uint64(1); i <= uint64(cfg.Nodes); i++ {
			nodeDir := keys.NodeDir(cfg.SharesDir, i)
			sks, err := remotesigner.LoadKeystores(remotesigner.KeystoreConfig{
				Dir: filepath.Join(nodeDir, keys.KeystoresDir), PasswordFile: filepath.Join(nodeDir, keys.KeystorePasswordFile),
			})
			if err != nil {
				return nil, fmt.Errorf("conformance: key shares of node %d for its validator client: %w", i, err)
			}
			stop, err := kit.StartVC(ctx, conformance.VCConfig{Node: i, URL: vcURL(i), Keys: sks, Dir: cfg.Dir, Pattern: cfg.VCPatterns[int(i-1)%len(cfg.VCPatterns)]})
			if err != nil {
				return nil, err
			}
			defer stop()
			fmt.Fprintf(out, "KIT validator_client node=%d url=%s pattern=%s keys=%d\n", i, vcURL(i), cfg.VCPatterns[int(i-1)%len(cfg.VCPatterns)].Name, len(sks))
		}
	}
	rep, err := kit.Run(ctx)
	if err != nil {
		return nil, err
	}
	if err := rep.WriteTable(out); err != nil {
		return nil, err
	}
	path := filepath.Join(cfg.Dir, "report.json")
	if err := rep.WriteJSON(path); err != nil {
		return nil, err
	}
	tpath := filepath.Join(cfg.Dir, "submissions.trace.jsonl")
	if err := kit.WriteTrace(tpath); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "report: %s\nsubmissions (trace format, for dvnode diff): %s\n", path, tpath)
	fmt.Fprintln(out, rep.Line())
	return rep, nil
}
