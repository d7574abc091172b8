// Package devnet runs a whole DV cluster on one machine: the embedded
// simulated beacon node (impl/simbeacon), N DV nodes with freshly split
// interop keys, each with its embedded remote signer and its slashing DB,
// connected over real libp2p on 127.0.0.1, for a number of slots. It can
// stop, restart and corrupt nodes on the way, shows progress, and ends
// with a summary of every duty the beacon node assigned, counted from the
// beacon node's own records of what it verified and accepted — not from
// the nodes' claims.
package devnet

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/dvspec/go-dvspec/internal/freeports"

	"github.com/dvspec/go-dvspec/adapter/dutytable"
	"github.com/dvspec/go-dvspec/adapter/run"
	"github.com/dvspec/go-dvspec/impl/keys"
	"github.com/dvspec/go-dvspec/impl/node"
	"github.com/dvspec/go-dvspec/impl/remotesigner"
	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/impl/trace"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/cluster"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// Config describes a devnet run.
type Config struct {
	Nodes      int
	Validators int
	// RegistrySize is the number of validators of the simulated chain
	// (default: Validators). The cluster runs validators 0..Validators-1;
	// a larger registry gives the cluster a realistic share of proposals
	// and sync committee seats instead of all of them.
	RegistrySize   int
	Slots          uint64
	SecondsPerSlot uint64
	// Preset names the built-in chain config of the simulated chain:
	// "mainnet" (default) or "minimal" (with the minimal fork versions).
	Preset string
	// SlotsPerEpoch overrides the preset's SLOTS_PER_EPOCH (a custom
	// config, as kurtosis-style devnets run: mainnet sizes, 8-slot epochs).
	SlotsPerEpoch uint64
	// DataDir holds cluster.json and node-<i>/ (default: a temporary
	// directory, removed at the end unless Keep).
	DataDir string
	Keep    bool
	// GenesisDelay is how far in the future genesis is (default: 3 s plus
	// 10 ms per validator: the nodes, started one after the other, each
	// decrypt their share keystores and build a state machine per
	// validator, about 8 ms of CPU per validator for the four of them on a
	// busy 2-core machine at 3,000 validators).
	GenesisDelay time.Duration
	// Grace is how many slots after the last one the run waits for late
	// acceptances (default 2).
	Grace uint64
	// StopAt maps a node to the slot at whose start it is stopped (killed:
	// no graceful shutdown); RestartAt to the slot it is started again.
	StopAt    map[uint64]uint64
	RestartAt map[uint64]uint64
	// StopOffset is how far into its slot a node is stopped (default 0:
	// at the slot start). A third of a slot plus a little kills a node
	// while it is doing its attester and sync committee duties.
	StopOffset time.Duration
	// Byzantine nodes send equivocating proposals and invalid shares.
	Byzantine []uint64
	// ForgingRelay, if not 0, is a node that also relays forged copies of
	// the other nodes' shares: every node receives, before each genuine
	// share of another node, copies with a field the signature does not
	// cover altered, from the relay and on the signer's connection (the
	// relay itself only the latter; forger.go).
	ForgingRelay uint64
	// Processes runs each node as a separate process (Exec with "run"
	// arguments); a stopped node is killed with SIGKILL.
	Processes bool
	// Exec is the command line prefix that runs dvnode (default:
	// os.Executable()).
	Exec []string
	// ChildEnv is added to the environment of node processes.
	ChildEnv []string
	// Trace writes every node's DVC steps (in-process: one file; processes:
	// one file per node start, <Trace>.node-<i>.<n>, n counting the starts
	// of node i from 1).
	Trace string
	// NoSync leaves sync committee duties out.
	NoSync bool
	// Consensus is run.ConsensusPerSlot (default when empty) or
	// run.ConsensusPerValidator, for every node.
	Consensus string
	// NoAggregation leaves out the aggregation duties, which the nodes run
	// by default (the zero value means what dvnode devnet means without
	// --aggregation=false): attestation aggregation and sync committee
	// contributions in remote-signer mode, attestation aggregation through
	// their validator clients in VC-middleware mode.
	NoAggregation bool
	// Out receives progress and the summary (nil: discard); Logger the
	// nodes' logs.
	Out    io.Writer
	Logger *slog.Logger
	// Seed makes the key split reproducible (default: random).
	Seed []byte
	// Metrics makes every in-process node serve /metrics, /livez and
	// /readyz on an ephemeral 127.0.0.1 port.
	Metrics bool
	// OnSlot, when set, is called at the start of every slot with the
	// metrics addresses of the running in-process nodes.
	OnSlot func(slot uint64, metricsAddrs map[uint64]string)
	// Report, when set, is written at the end: one JSON line per duty
	// (ReportLine).
	Report string
	// Mode is the nodes' architecture: run.ModeRemoteSigner (default) or
	// run.ModeVCMiddleware, where every node serves the validator API to a
	// validator client of its own, started with StartVC.
	Mode string
	// StartVC starts a node's validator client (VC-middleware mode); stop
	// ends it. The devnet stays independent of the client's package.
	StartVC func(ctx context.Context, p VCParams) (stop func(), err error)
}

// VCParams is what a node's validator client is started with.
type VCParams struct {
	// Node is the operator index.
	Node uint64
	// BeaconURL is the node's validator API.
	BeaconURL string
	// Keys are the node's key shares.
	Keys []bls.SecretKey
	// SlashingDB is the client's own slashing DB file.
	SlashingDB string
	// NoSync leaves sync committee duties out.
	NoSync bool
	// Aggregation makes the client aggregate (through the node's DVT
	// selection endpoints) as its node does.
	Aggregation bool
	// Logger is the client's log.
	Logger *slog.Logger
}

// Result is the outcome of a run.
type Result struct {
	// Table is the duty accounting (Duties, ByType, Total), shared with
	// dvnode simbeacon.
	dutytable.Table
	Offences  []simbeacon.Offence
	CPUUser   time.Duration
	CPUSystem time.Duration
	Wall      time.Duration
	// RunCPU and RunWall are measured from genesis to the end (setup —
	// key generation, keystore decryption, the beacon node's registry —
	// excluded).
	RunCPU  time.Duration
	RunWall time.Duration
	DataDir string
	// Byzantine counts what each in-process byzantine node sent.
	Byzantine map[uint64]ByzantineStats
	// Forged counts the forged share copies delivered (ForgingRelay).
	Forged ForgeCounts
	// Report is one line per duty, with the nodes' reasons for failures.
	Report []ReportLine
	// Phases say where the in-process nodes' succeeded duties spent their
	// latency, by duty type (none when the nodes run as processes).
	Phases []PhaseLine
}

// ByzantineStats counts a byzantine node's misbehaviour.
type ByzantineStats struct {
	Equivocations, BadShares uint64
}

// Duty is one duty the beacon node assigned to a distributed validator.
type Duty = dutytable.Duty

// TypeStats summarises the duties of one type.
type TypeStats = dutytable.TypeStats

// Duty types as the summary names them.
const (
	TypeAttester = dutytable.TypeAttester
	TypeProposer = dutytable.TypeProposer
	TypeSync     = dutytable.TypeSync
	// TypeAggregator is an attestation aggregation duty and
	// TypeSyncContribution a sync committee contribution duty
	// (remote-signer mode, unless --aggregation=false).
	TypeAggregator       = dutytable.TypeAggregator
	TypeSyncContribution = dutytable.TypeSyncContribution
)

// aggregating reports whether the nodes run aggregation duties.
func (c *Config) aggregating() bool { return !c.NoAggregation }

// chain returns the simulated chain's config and fork schedule (an empty
// schedule: simbeacon's default).
func (c Config) chain() (spec.ChainConfig, signing.ForkSchedule, error) {
	return simbeacon.BuiltinChain(c.Preset, c.SlotsPerEpoch)
}

// Run runs the devnet until its slots are over (plus the grace period) or
// ctx is done.
func Run(ctx context.Context, cfg Config) (res *Result, err error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	out := cfg.Out
	log := cfg.Logger
	wallStart := time.Now()
	cpu0 := rusage()

	dir := cfg.DataDir
	if dir == "" {
		d, err := os.MkdirTemp("", "dvnode-devnet-")
		if err != nil {
			return nil, err
		}
		dir = d
		if !cfg.Keep {
			defer os.RemoveAll(dir)
		}
	}
	// The beacon node's registry fixes the genesis validators root, which
	// the cluster definition needs before the beacon node runs.
	chainCfg, forks, err := cfg.chain()
	if err != nil {
		return nil, err
	}
	sbCfg := simbeacon.Config{
		Chain: chainCfg, SlotsPerEpoch: cfg.SlotsPerEpoch, Forks: forks,
		Validators: uint64(cfg.RegistrySize), SecondsPerSlot: cfg.SecondsPerSlot, GenesisTime: time.Unix(0, 0),
	}
	probe, err := simbeacon.New(sbCfg)
	if err != nil {
		return nil, err
	}
	chain := probe.SigningChain()
	base, err := freeports.Consecutive(cfg.Nodes)
	if err != nil {
		return nil, err
	}
	seed := cfg.Seed
	if seed == nil {
		seed = make([]byte, 32)
		_, _ = rand.Read(seed)
	}
	def, err := keys.GenerateDevnet(dir, keys.DevnetConfig{
		Operators: cfg.Nodes, Validators: cfg.Validators, Seed: seed,
		Network:  cluster.NetworkFromSchedule("devnet", chain.GenesisValidatorsRoot, chain.SlotsPerEpoch, chain.Forks),
		BasePort: base,
	})
	if err != nil {
		return nil, fmt.Errorf("devnet keys: %w", err)
	}
	// The beacon API reports genesis in whole seconds.
	genesis := time.Now().Add(cfg.GenesisDelay).Truncate(time.Second).Add(time.Second)
	sbCfg.GenesisTime = genesis
	sb, err := simbeacon.New(sbCfg)
	if err != nil {
		return nil, err
	}
	defer sb.Close()
	addr, err := sb.ListenAndServe("127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	bnURL := "http://" + addr
	fmt.Fprintf(out, "devnet: %d nodes (threshold %d), %d validators (registry %d), %d slots of %d s, %s config with %d-slot epochs, genesis in %s; beacon node %s; data %s\n",
		cfg.Nodes, def.Threshold, cfg.Validators, cfg.RegistrySize, cfg.Slots, cfg.SecondsPerSlot, chainCfg.PresetBase, sb.ChainConfig().SlotsPerEpoch, time.Until(genesis).Round(100*time.Millisecond), bnURL, dir)

	var tw *trace.Writer
	if cfg.Trace != "" && !cfg.Processes {
		if tw, err = trace.Create(cfg.Trace); err != nil {
			return nil, err
		}
		if tw.Path() != cfg.Trace {
			fmt.Fprintf(out, "devnet: %s exists; the trace goes to %s\n", cfg.Trace, tw.Path())
		}
		defer func() {
			// A trace that could not be written makes the run fail: it
			// is the run's record.
			if cerr := tw.Close(); cerr != nil && err == nil {
				res, err = nil, fmt.Errorf("trace: %w", cerr)
			}
		}()
	}
	byz := map[uint64]bool{}
	for _, b := range cfg.Byzantine {
		byz[b] = true
	}
	nodes := &fleet{cfg: cfg, dir: dir, bnURL: bnURL, log: log, tracer: tw, chain: sb.SigningChain(), byz: byz, procs: map[uint64]*nodeProcess{}, svcs: map[uint64]*run.Service{}, vcs: map[uint64]func(){}, byzOut: map[uint64]*Byzantine{}, reasons: newNodeReasons()}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for i := uint64(1); i <= uint64(cfg.Nodes); i++ {
		if err := nodes.start(rctx, i); err != nil {
			nodes.stopAll()
			return nil, fmt.Errorf("node %d: %w", i, err)
		}
	}
	slotDur := time.Duration(cfg.SecondsPerSlot) * time.Second
	end := cfg.Slots + cfg.Grace
	sel := dutytable.Selection{Validators: cfg.Validators, Slots: cfg.Slots, NoSync: cfg.NoSync}
	duties := dutytable.Assigned(sb, sel)
	if cfg.aggregating() {
		agg, err := dutytable.AggregationDuties(sb, sel)
		if err != nil {
			nodes.stopAll()
			return nil, fmt.Errorf("devnet: aggregation duties: %w", err)
		}
		duties = append(duties, agg...)
	}
	var cpuGenesis cpuTimes
	for slot := uint64(0); slot < end; slot++ {
		at := genesis.Add(time.Duration(slot) * slotDur)
		select {
		case <-rctx.Done():
			nodes.stopAll()
			return nil, rctx.Err()
		case <-time.After(time.Until(at)):
		}
		if slot == 0 {
			cpuGenesis = rusage()
		}
		if slot > 0 {
			dutytable.Progress(out, sb.AllAccepted(), duties, slot-1, cfg.Slots)
		}
		if cfg.OnSlot != nil {
			cfg.OnSlot(slot, nodes.metricsAddrs())
		}
		for i := uint64(1); i <= uint64(cfg.Nodes); i++ {
			if s, ok := cfg.StopAt[i]; ok && s == slot {
				time.Sleep(time.Until(at.Add(cfg.StopOffset)))
				fmt.Fprintf(out, "slot %d: stopping node %d (no graceful shutdown)\n", slot, i)
				nodes.kill(i)
			}
			if s, ok := cfg.RestartAt[i]; ok && s == slot {
				fmt.Fprintf(out, "slot %d: restarting node %d from its data directory\n", slot, i)
				if err := nodes.start(rctx, i); err != nil {
					fmt.Fprintf(out, "slot %d: restarting node %d failed: %v\n", slot, i, err)
				}
			}
		}
	}
	nodes.stopAll()
	res = &Result{Table: *dutytable.Summarize(sb.AllAccepted(), duties)}
	res.Offences = sb.Offences()
	res.Report = nodes.reasons.lines(res.Duties)
	res.Phases = nodes.reasons.phaseLines()
	if cfg.Report != "" {
		if err := WriteReport(cfg.Report, res.Report); err != nil {
			return nil, err
		}
	}
	cpu1 := rusage()
	res.CPUUser, res.CPUSystem = cpu1.user-cpu0.user, cpu1.sys-cpu0.sys
	res.Wall = time.Since(wallStart)
	res.RunCPU = cpu1.user + cpu1.sys - cpuGenesis.user - cpuGenesis.sys
	res.RunWall = time.Since(genesis)
	res.DataDir = dir
	res.Forged = nodes.forged.snapshot()
	res.Byzantine = map[uint64]ByzantineStats{}
	for i, b := range nodes.byzOut {
		b.mu.Lock()
		res.Byzantine[i] = ByzantineStats{Equivocations: b.Equivocations, BadShares: b.BadShares}
		b.mu.Unlock()
	}
	return res, nil
}

func (c *Config) defaults() error {
	if c.Nodes < 1 || c.Nodes > 64 {
		return fmt.Errorf("devnet: --nodes %d, want 1..64", c.Nodes)
	}
	if c.Validators < 1 {
		return errors.New("devnet: --validators must be at least 1")
	}
	if c.RegistrySize == 0 {
		c.RegistrySize = c.Validators
	}
	if c.RegistrySize < c.Validators {
		return fmt.Errorf("devnet: --registry-size %d is smaller than --validators %d", c.RegistrySize, c.Validators)
	}
	if c.Slots < 1 {
		return errors.New("devnet: --slots must be at least 1")
	}
	if c.SecondsPerSlot < 1 {
		return errors.New("devnet: --seconds-per-slot must be at least 1 (the simulated beacon node keeps whole seconds)")
	}
	if c.GenesisDelay <= 0 {
		c.GenesisDelay = 3*time.Second + time.Duration(c.Validators)*10*time.Millisecond
		if c.Processes {
			c.GenesisDelay += 2 * time.Second
		}
	}
	if c.Grace == 0 {
		c.Grace = 2
	}
	if c.Out == nil {
		c.Out = io.Discard
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	switch c.Mode {
	case "", run.ModeRemoteSigner:
	case run.ModeVCMiddleware:
		if c.StartVC == nil {
			return fmt.Errorf("devnet: --mode %s needs a validator client per node, and none is built in", run.ModeVCMiddleware)
		}
		if c.Processes {
			return fmt.Errorf("devnet: --mode %s runs in process only (not with --processes)", run.ModeVCMiddleware)
		}
	default:
		return fmt.Errorf("devnet: --mode %q: want %s or %s", c.Mode, run.ModeRemoteSigner, run.ModeVCMiddleware)
	}
	if _, err := run.PerSlot(c.Consensus); err != nil {
		return fmt.Errorf("devnet: %w", err)
	}
	for i, s := range c.StopAt {
		if i < 1 || i > uint64(c.Nodes) {
			return fmt.Errorf("devnet: --stop-node %d@%d: no such node", i, s)
		}
		if r, ok := c.RestartAt[i]; ok && r <= s {
			return fmt.Errorf("devnet: node %d restarts at slot %d, before it stops at %d", i, r, s)
		}
	}
	for i := range c.RestartAt {
		if _, ok := c.StopAt[i]; !ok {
			return fmt.Errorf("devnet: --restart-node %d without --stop-node", i)
		}
	}
	for _, b := range c.Byzantine {
		if b < 1 || b > uint64(c.Nodes) {
			return fmt.Errorf("devnet: --byzantine %d: no such node", b)
		}
	}
	if r := c.ForgingRelay; r != 0 && (r > uint64(c.Nodes) || c.Processes) {
		return fmt.Errorf("devnet: ForgingRelay %d: want a node of 1..%d, in process (not with --processes)", r, c.Nodes)
	}
	if c.Processes && len(c.Exec) == 0 {
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		c.Exec = []string{exe}
	}
	return nil
}

// fleet starts and stops the nodes.
type fleet struct {
	cfg    Config
	dir    string
	bnURL  string
	log    *slog.Logger
	tracer *trace.Writer
	// chain is the simulated chain's signing chain (its config sizes the
	// byzantine nodes' forged values).
	chain  signing.Chain
	byz    map[uint64]bool
	byzOut map[uint64]*Byzantine
	forged ForgeStats
	// reasons are the in-process nodes' duty failures, for the report.
	reasons *nodeReasons
	mu      sync.Mutex
	procs   map[uint64]*nodeProcess
	svcs    map[uint64]*run.Service
	starts  map[uint64]int
	// vcs stop the nodes' validator clients (VC-middleware mode).
	vcs map[uint64]func()
}

func (f *fleet) start(ctx context.Context, i uint64) error {
	nodeDir := keys.NodeDir(f.dir, i)
	if f.cfg.Processes {
		return f.startProcess(ctx, i, nodeDir)
	}
	o := run.Options{
		ClusterFile:   filepath.Join(f.dir, "cluster.json"),
		NodeDir:       nodeDir,
		BeaconURLs:    []string{f.bnURL},
		Logger:        f.log,
		NoSync:        f.cfg.NoSync,
		Consensus:     f.cfg.Consensus,
		NoAggregation: f.cfg.NoAggregation,
		// Served over HTTP with its bearer token, so that every devnet
		// exercises the client a production signer is used through.
		SignerListen: "127.0.0.1:0",
		OnDuty:       f.reasons.record(i),
	}
	if f.tracer != nil {
		o.Tracer = f.tracer
	}
	if f.byz[i] {
		nk, err := keys.ReadNodeKeyFile(filepath.Join(nodeDir, keys.NodeKeyFile))
		if err != nil {
			return err
		}
		b := &Byzantine{Self: i, Key: nk, Chain: f.chain}
		f.mu.Lock()
		if old := f.byzOut[i]; old != nil {
			b = old
		}
		f.byzOut[i] = b
		f.mu.Unlock()
		o.Outbound = b
	}
	if r := f.cfg.ForgingRelay; r != 0 {
		o.WrapTransport = func(t node.Transport) node.Transport {
			return &forgingRelay{Transport: t, relay: r, self: i, slotsPerEpoch: f.chain.SlotsPerEpoch, stats: &f.forged}
		}
	}
	if f.cfg.Metrics {
		o.MetricsAddr = "127.0.0.1:0"
	}
	vcMode := f.cfg.Mode == run.ModeVCMiddleware
	if vcMode {
		o.Mode, o.ValidatorAPIAddr, o.SignerListen = run.ModeVCMiddleware, "127.0.0.1:0", ""
	}
	svc, err := run.Start(ctx, o)
	if err != nil {
		return err
	}
	var stopVC func()
	if vcMode {
		// The node's share keystores are the validator client's keys.
		sks, err := remotesigner.LoadKeystores(remotesigner.KeystoreConfig{
			Dir: filepath.Join(nodeDir, keys.KeystoresDir), PasswordFile: filepath.Join(nodeDir, keys.KeystorePasswordFile),
		})
		if err == nil {
			stopVC, err = f.cfg.StartVC(ctx, VCParams{Node: i, BeaconURL: "http://" + svc.ValidatorAPIAddr, Keys: sks,
				SlashingDB: filepath.Join(nodeDir, "vc-slashing.db"), NoSync: f.cfg.NoSync, Aggregation: f.cfg.aggregating(), Logger: f.log.With("node", i, "component", "vc")})
		}
		if err != nil {
			svc.Kill()
			return fmt.Errorf("devnet: validator client of node %d: %w", i, err)
		}
	}
	f.mu.Lock()
	f.svcs[i] = svc
	if stopVC != nil {
		f.vcs[i] = stopVC
	}
	f.mu.Unlock()
	return nil
}

func (f *fleet) startProcess(ctx context.Context, i uint64, nodeDir string) error {
	args := append([]string(nil), f.cfg.Exec[1:]...)
	args = append(args, "run",
		"--cluster", filepath.Join(f.dir, "cluster.json"),
		"--node-dir", nodeDir,
		"--beacon-node-url", f.bnURL,
		"--signer-listen", "127.0.0.1:0",
		"--log-level", "warn")
	if f.cfg.Trace != "" {
		f.mu.Lock()
		if f.starts == nil {
			f.starts = map[uint64]int{}
		}
		f.starts[i]++
		n := f.starts[i]
		f.mu.Unlock()
		args = append(args, "--trace", fmt.Sprintf("%s.node-%d.%d", f.cfg.Trace, i, n))
	}
	if !f.cfg.aggregating() {
		args = append(args, "--aggregation=false")
	}
	if f.cfg.NoSync {
		args = append(args, "--no-sync")
	}
	if f.cfg.Consensus != "" {
		args = append(args, "--consensus", f.cfg.Consensus)
	}
	if f.byz[i] {
		args = append(args, "--byzantine")
	}
	cmd := exec.Command(f.cfg.Exec[0], args...)
	cmd.Env = append(os.Environ(), f.cfg.ChildEnv...)
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	p := &nodeProcess{cmd: cmd, exited: make(chan struct{})}
	f.mu.Lock()
	f.procs[i] = p
	f.mu.Unlock()
	go func() { _ = cmd.Wait(); close(p.exited) }()
	return nil
}

// nodeProcess is a node run as a separate process; exited is closed once
// it has been reaped.
type nodeProcess struct {
	cmd    *exec.Cmd
	exited chan struct{}
}

func (f *fleet) metricsAddrs() map[uint64]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[uint64]string{}
	for i, s := range f.svcs {
		if s.MetricsAddr != "" {
			out[i] = s.MetricsAddr
		}
	}
	return out
}

// kill stops node i without a graceful shutdown.
func (f *fleet) kill(i uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p := f.procs[i]; p != nil {
		_ = p.cmd.Process.Kill()
		delete(f.procs, i)
	}
	if stop := f.vcs[i]; stop != nil {
		stop()
		delete(f.vcs, i)
	}
	if s := f.svcs[i]; s != nil {
		s.Kill()
		delete(f.svcs, i)
	}
}

func (f *fleet) stopAll() {
	f.mu.Lock()
	svcs := f.svcs
	procs := f.procs
	vcs := f.vcs
	f.svcs, f.procs, f.vcs = map[uint64]*run.Service{}, map[uint64]*nodeProcess{}, map[uint64]func(){}
	f.mu.Unlock()
	for _, stop := range vcs {
		stop()
	}
	var wg sync.WaitGroup
	for _, s := range svcs {
		wg.Add(1)
		go func(s *run.Service) { defer wg.Done(); s.Stop() }(s)
	}
	for _, p := range procs {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		wg.Add(1)
		go func(p *nodeProcess) {
			defer wg.Done()
			select {
			case <-p.exited:
			case <-time.After(10 * time.Second):
				_ = p.cmd.Process.Kill()
				<-p.exited
			}
		}(p)
	}
	wg.Wait()
}

// Print writes the summary table, the DUTY lines and the final SUMMARY
// line.
func (r *Result) Print(out io.Writer) {
	r.Table.Print(out)
	byz := make([]uint64, 0, len(r.Byzantine))
	for i := range r.Byzantine {
		byz = append(byz, i)
	}
	sort.Slice(byz, func(a, b int) bool { return byz[a] < byz[b] })
	for _, i := range byz {
		st := r.Byzantine[i]
		fmt.Fprintf(out, "byzantine node %d sent %d equivocating proposals and %d invalid shares\n", i, st.Equivocations, st.BadShares)
	}
	dutytable.PrintOffences(out, r.Offences)
	PrintPhases(out, r.Phases)
	fmt.Fprintf(out, "cpu user=%.2fs sys=%.2fs wall=%.2fs; from genesis: cpu=%.2fs wall=%.2fs (%.2f cores) (whole process: nodes, signers and beacon node)\n",
		r.CPUUser.Seconds(), r.CPUSystem.Seconds(), r.Wall.Seconds(), r.RunCPU.Seconds(), r.RunWall.Seconds(), r.RunCPU.Seconds()/max(r.RunWall.Seconds(), 1e-9))
	r.Table.PrintSummary(out)
}

type cpuTimes struct{ user, sys time.Duration }

// rusage is this process's CPU time plus that of its reaped children.
func rusage() cpuTimes {
	var self, kids syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids)
	tv := func(t syscall.Timeval) time.Duration {
		return time.Duration(t.Sec)*time.Second + time.Duration(t.Usec)*time.Microsecond
	}
	return cpuTimes{user: tv(self.Utime) + tv(kids.Utime), sys: tv(self.Stime) + tv(kids.Stime)}
}

var _ node.Outbound = (*Byzantine)(nil)
