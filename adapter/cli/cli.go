// Package cli is the dvnode command line: run, devnet, create cluster, vc,
// slashing-db, replay, diff and version. adapter/cmd/dvnode calls Main; tests call it
// too (and re-execute the test binary as a node process).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"

	"github.com/dvspec/go-dvspec/adapter/devnet"
	"github.com/dvspec/go-dvspec/adapter/replay"
	"github.com/dvspec/go-dvspec/adapter/run"
	"github.com/dvspec/go-dvspec/impl/keys"
	"github.com/dvspec/go-dvspec/impl/node"
	"github.com/dvspec/go-dvspec/impl/trace"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitFailure = 1 // a run failed, a duty failed, a replay diverged
	ExitUsage   = 2 // bad flags or configuration
)

const usage = `dvnode: the go-dvspec reference distributed-validator node

Commands:
  dvnode run          run one node of a cluster (remote-signer or VC-middleware mode)
  dvnode devnet       run a whole cluster against the embedded beacon node
  dvnode create cluster  make a cluster: split existing keys or make new ones
  dvnode simbeacon    serve the simulated beacon node alone, for nodes started separately
  dvnode slashing-db  import | export the slashing DB (EIP-3076)
  dvnode vc           the repo's small validator client against any beacon API
  dvnode replay FILE  run a trace through the pure spec; report the first divergence
  dvnode diff A B     compare two traces duty by duty
  dvnode conformance  self-test | serve | scenarios: the black-box conformance kit
  dvnode version

Run "dvnode <command> -h" for the flags of a command.
`

// Main runs the command line args (without the program name) and returns
// the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return ExitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch args[0] {
	case "run":
		return cmdRun(ctx, args[1:], stdout, stderr)
	case "devnet":
		return cmdDevnet(ctx, args[1:], stdout, stderr)
	case "create":
		return cmdCreate(ctx, args[1:], stdout, stderr)
	case "simbeacon":
		return cmdSimbeacon(ctx, args[1:], stdout, stderr)
	case "slashing-db":
		return cmdSlashing(args[1:], stdout, stderr)
	case "vc":
		return cmdVC(ctx, args[1:], stdout, stderr)
	case "replay":
		return cmdReplay(args[1:], stdout, stderr)
	case "diff":
		return cmdDiff(args[1:], stdout, stderr)
	case "conformance":
		return cmdConformance(ctx, args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "dvnode (go-dvspec) trace format", trace.Version)
		return ExitOK
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return ExitOK
	}
	fmt.Fprintf(stderr, "dvnode: unknown command %q\n\n%s", args[0], usage)
	return ExitUsage
}

// parse parses flags that may come before, between or after the
// positional arguments, which it returns.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

// noAggregationFlag registers --aggregation, on unless
// --aggregation=false, and returns the NoAggregation of run.Options and
// devnet.Config it means once fs is parsed. Their zero value is the
// default; the flag only mirrors it (TestAggregationFlagIsTheZeroValue).
func noAggregationFlag(fs *flag.FlagSet, usage string) func() bool {
	on := fs.Bool("aggregation", true, usage)
	return func() bool { return !*on }
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dvnode run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cluster := fs.String("cluster", "", "cluster definition (cluster.json)")
	nodeDir := fs.String("node-dir", "", "node directory: node-key.hex, keystores/, keystore-password.txt")
	dataDir := fs.String("data-dir", "", "where the slashing DB lives (default: --node-dir)")
	var bns multi
	fs.Var(&bns, "beacon-node-url", "beacon node URL (repeat, or comma-separate, for failover)")
	signerURL := fs.String("signer-url", "", "external Web3Signer-API signer: http(s)://host:port or unix:PATH (default: the embedded signer on the node's keystores, in process)")
	signerToken := fs.String("signer-token-file", "", "the signer's bearer token: sent to --signer-url, or required by the embedded signer served with --signer-listen host:port (default NODE_DIR/"+run.SignerTokenFile+", created if missing)")
	signerCA := fs.String("signer-ca-file", "", "PEM CA certificate(s) that verify an https --signer-url (default: the system roots)")
	signerCert := fs.String("signer-client-cert", "", "PEM client certificate presented to an https --signer-url (with --signer-client-key)")
	signerKey := fs.String("signer-client-key", "", "PEM key of --signer-client-cert")
	signerListen := fs.String("signer-listen", "", "serve the embedded signer over HTTP on host:port (bearer token required) or unix:PATH (socket mode 0600), and use it that way")
	listen := fs.String("p2p-listen", "", "libp2p listen multiaddr (default: the operator's address in the cluster definition)")
	metricsAddr := fs.String("metrics-addr", "", "serve /metrics, /livez and /readyz on this address (e.g. 127.0.0.1:9100)")
	tracePath := fs.String("trace", "", "record every DVC event and its outputs in this file (JSON lines, adapter/TRACE.md)")
	level := fs.String("log-level", "info", "debug, info, warn or error")
	format := fs.String("log-format", "text", "text or json")
	noSync := fs.Bool("no-sync", false, "do not perform sync committee duties")
	consensusForm := fs.String("consensus", run.ConsensusPerSlot, "per-slot (one consensus per slot and duty kind for all the cluster's validators, SPEC.md A25) or per-validator (the literal form); every node of a cluster must use the same")
	noAggregation := noAggregationFlag(fs, "perform aggregation duties: attestation aggregation and sync committee contributions (in vc-middleware mode attestation aggregation through the validator API); --aggregation=false turns them off")
	initDB := fs.Bool("init-slashing-db", false, "accept a slashing DB file that is empty, foreign or of another chain (moved aside, a new one made) or of another cluster ID (history kept)")
	byz := fs.Bool("byzantine", false, "fault injection for devnets: send equivocating proposals and invalid shares")
	mode := fs.String("mode", run.ModeRemoteSigner, "architecture: remote-signer (the node signs through a Web3Signer-API signer) or vc-middleware (a validator client holding the key shares connects to --validator-api-addr)")
	vapiAddr := fs.String("validator-api-addr", "", "vc-middleware mode: serve the validator API (beacon API for the validator client) on this address, e.g. 127.0.0.1:5052")
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	log, err := newLogger(stderr, *level, *format)
	if err != nil {
		fmt.Fprintln(stderr, "dvnode run:", err)
		return ExitUsage
	}
	var urls []string
	for _, b := range bns {
		for _, u := range strings.Split(b, ",") {
			if u = strings.TrimSpace(u); u != "" {
				urls = append(urls, u)
			}
		}
	}
	if *cluster == "" || *nodeDir == "" || len(urls) == 0 {
		fmt.Fprintln(stderr, "dvnode run: --cluster, --node-dir and --beacon-node-url are required")
		fs.Usage()
		return ExitUsage
	}
	o := run.Options{
		ClusterFile: *cluster, NodeDir: *nodeDir, DataDir: *dataDir, BeaconURLs: urls, SignerURL: *signerURL,
		SignerTokenFile: *signerToken, SignerCAFile: *signerCA, SignerClientCert: *signerCert, SignerClientKey: *signerKey,
		SignerListen: *signerListen, InitSlashingDB: *initDB, P2PListen: *listen, MetricsAddr: *metricsAddr, Logger: log, NoSync: *noSync,
		NoAggregation: noAggregation(), Mode: *mode, ValidatorAPIAddr: *vapiAddr, Consensus: *consensusForm,
	}
	if *byz {
		ob, err := byzantineFor(*cluster, *nodeDir)
		if err != nil {
			fmt.Fprintln(stderr, "dvnode run:", err)
			return ExitUsage
		}
		o.Outbound = ob
	}
	var tw *trace.Writer
	if *tracePath != "" {
		if tw, err = trace.Create(*tracePath); err != nil {
			fmt.Fprintln(stderr, "dvnode run:", err)
			return ExitUsage
		}
		// An existing trace is kept: this run's goes to a numbered file.
		log.Info("recording the trace", "file", tw.Path())
		o.Tracer = tw
	}
	svc, err := run.Start(ctx, o)
	if err != nil {
		fmt.Fprintln(stderr, "dvnode run:", err)
		if tw != nil {
			_ = tw.Close()
		}
		var ce *run.ConfigError
		if errors.As(err, &ce) {
			return ExitUsage
		}
		return ExitFailure
	}
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case <-svc.Done():
	}
	svc.Stop()
	if tw != nil {
		if err := tw.Close(); err != nil {
			// A trace cut short is a failed run: it is the record of it.
			fmt.Fprintln(stderr, "dvnode run: trace:", err)
			return ExitFailure
		}
	}
	return ExitOK
}

func byzantineFor(clusterFile, nodeDir string) (node.Outbound, error) {
	def, err := keys.LoadClusterDefinition(clusterFile)
	if err != nil {
		return nil, err
	}
	nk, err := keys.ReadNodeKeyFile(nodeDir + "/" + keys.NodeKeyFile)
	if err != nil {
		return nil, err
	}
	ch, err := def.Network.Chain()
	if err != nil {
		return nil, err
	}
	return &devnet.Byzantine{Key: nk, Chain: ch}, nil
}

// parseAt parses "node@slot".
func parseAt(s string) (uint64, uint64, error) {
	a, b, ok := strings.Cut(s, "@")
	if !ok {
		return 0, 0, fmt.Errorf("%q: want NODE@SLOT", s)
	}
	n, err1 := strconv.ParseUint(a, 10, 64)
	sl, err2 := strconv.ParseUint(b, 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("%q: want NODE@SLOT with decimal numbers", s)
	}
	return n, sl, nil
}

func cmdDevnet(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dvnode devnet", flag.ContinueOnError)
	fs.SetOutput(stderr)
	nodes := fs.Int("nodes", 4, "number of nodes (operators)")
	vals := fs.Int("validators", 8, "number of distributed validators (interop keys 0..V-1, split among the nodes)")
	registry := fs.Int("registry-size", 0, "validators of the simulated chain (default: --validators; larger gives the cluster a mainnet-like share of proposals and sync committee seats)")
	slots := fs.Uint64("slots", 16, "number of slots to run")
	sps := fs.Uint64("seconds-per-slot", 1, "slot length in seconds")
	preset := fs.String("preset", "mainnet", "built-in chain config of the simulated chain: mainnet or minimal")
	spe := fs.Uint64("slots-per-epoch", 0, "override the preset's SLOTS_PER_EPOCH (a custom config; default: the preset's)")
	dataDir := fs.String("data-dir", "", "directory for cluster.json and the node directories (default: temporary, removed afterwards)")
	keep := fs.Bool("keep", false, "keep the temporary data directory")
	var stops, restarts, byz multi
	fs.Var(&stops, "stop-node", "NODE@SLOT: kill node NODE at the start of SLOT (repeatable)")
	fs.Var(&restarts, "restart-node", "NODE@SLOT: start a stopped node again at SLOT from its data directory (repeatable)")
	fs.Var(&byz, "byzantine", "NODE: make NODE byzantine: equivocating proposals, invalid shares (repeatable)")
	procs := fs.Bool("processes", false, "run every node as a separate dvnode process (a stopped node gets SIGKILL)")
	tracePath := fs.String("trace", "", "record the nodes' DVC steps in this file (with --processes: FILE.node-<i>.<n>, one per start of node i)")
	noSync := fs.Bool("no-sync", false, "leave out sync committee duties")
	consensusForm := fs.String("consensus", run.ConsensusPerSlot, "per-slot (one consensus per slot and duty kind for all the cluster's validators, SPEC.md A25) or per-validator (the literal form)")
	noAggregation := noAggregationFlag(fs, "the nodes perform aggregation duties: attestation aggregation and sync committee contributions (in --mode vc-middleware their validator clients aggregate attestations through them); --aggregation=false turns them off")
	level := fs.String("log-level", "warn", "node log level: debug, info, warn or error")
	quiet := fs.Bool("quiet", false, "no per-slot progress lines")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	report := fs.String("report", "", "write one JSON line per duty to this file: type, validator, slot, outcome (succeeded|failed), reason (the nodes' stage, e.g. no_decision)")
	mode := fs.String("mode", run.ModeRemoteSigner, "node architecture: remote-signer, or vc-middleware (each node serves the validator API to a validator client of its own holding its key shares)")
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, "dvnode devnet:", err)
			return ExitUsage
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(stderr, "dvnode devnet:", err)
			return ExitUsage
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	log, err := newLogger(stderr, *level, "text")
	if err != nil {
		fmt.Fprintln(stderr, "dvnode devnet:", err)
		return ExitUsage
	}
	cfg := devnet.Config{
		Nodes: *nodes, Validators: *vals, RegistrySize: *registry, Slots: *slots, SecondsPerSlot: *sps, DataDir: *dataDir, Keep: *keep,
		Preset: *preset, SlotsPerEpoch: *spe,
		StopAt: map[uint64]uint64{}, RestartAt: map[uint64]uint64{}, Processes: *procs, Trace: *tracePath,
		NoSync: *noSync, Consensus: *consensusForm, NoAggregation: noAggregation(), Out: stdout, Logger: log, Report: *report, Mode: *mode, StartVC: devnetVC,
	}
	if *quiet {
		cfg.Out = io.Discard
	}
	for _, s := range stops {
		n, sl, err := parseAt(s)
		if err != nil {
			fmt.Fprintln(stderr, "dvnode devnet: --stop-node", err)
			return ExitUsage
		}
		if prev, dup := cfg.StopAt[n]; dup {
			fmt.Fprintf(stderr, "dvnode devnet: --stop-node %s: node %d already stops at slot %d (one stop per node)\n", s, n, prev)
			return ExitUsage
		}
		cfg.StopAt[n] = sl
	}
	for _, s := range restarts {
		n, sl, err := parseAt(s)
		if err != nil {
			fmt.Fprintln(stderr, "dvnode devnet: --restart-node", err)
			return ExitUsage
		}
		if prev, dup := cfg.RestartAt[n]; dup {
			fmt.Fprintf(stderr, "dvnode devnet: --restart-node %s: node %d already restarts at slot %d (one restart per node)\n", s, n, prev)
			return ExitUsage
		}
		cfg.RestartAt[n] = sl
	}
	for _, b := range byz {
		n, err := strconv.ParseUint(b, 10, 64)
		if err != nil {
			fmt.Fprintf(stderr, "dvnode devnet: --byzantine %q: want a node index\n", b)
			return ExitUsage
		}
		cfg.Byzantine = append(cfg.Byzantine, n)
	}
	res, err := devnet.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "dvnode devnet:", err)
		return ExitFailure
	}
	res.Print(stdout)
	if res.Total.Failed > 0 || len(res.Offences) > 0 {
		return ExitFailure
	}
	return ExitOK
}

func cmdReplay(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dvnode replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	nodeF := fs.Uint64("node", 0, "replay only this node's records (0: all)")
	ksDir := fs.String("keystore-dir", "", "re-sign with the node's key shares from this directory instead of using the recorded signatures")
	pwFile := fs.String("password-file", "", "password file of --keystore-dir")
	verbose := fs.Bool("v", false, "print every step")
	pos, err := parse(fs, args)
	if err != nil {
		return ExitUsage
	}
	if len(pos) != 1 {
		fmt.Fprintln(stderr, "dvnode replay: want exactly one trace file")
		return ExitUsage
	}
	opts := replay.Options{Node: *nodeF, Out: stdout, Verbose: *verbose}
	if *ksDir != "" {
		if *pwFile == "" {
			fmt.Fprintln(stderr, "dvnode replay: --keystore-dir needs --password-file")
			return ExitUsage
		}
		signer, err := replay.KeystoreSigner(*ksDir, *pwFile)
		if err != nil {
			fmt.Fprintln(stderr, "dvnode replay:", err)
			return ExitUsage
		}
		opts.Signer = signer
	}
	rep, err := replay.Replay(pos[0], opts)
	if err != nil {
		fmt.Fprintln(stderr, "dvnode replay:", err)
		return ExitFailure
	}
	rep.Print(stdout)
	if rep.Divergence != nil {
		return ExitFailure
	}
	return ExitOK
}

func cmdDiff(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dvnode diff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	na := fs.Uint64("node-a", 0, "take only this node's records from A (0: all)")
	nb := fs.Uint64("node-b", 0, "take only this node's records from B (0: all)")
	pos, err := parse(fs, args)
	if err != nil {
		return ExitUsage
	}
	if len(pos) != 2 {
		fmt.Fprintln(stderr, "dvnode diff: want two trace files")
		return ExitUsage
	}
	d, err := replay.Diff(pos[0], pos[1], *na, *nb)
	if err != nil {
		fmt.Fprintln(stderr, "dvnode diff:", err)
		return ExitFailure
	}
	d.Print(stdout)
	if len(d.Differences) > 0 {
		return ExitFailure
	}
	return ExitOK
}
