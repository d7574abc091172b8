// Package run assembles a DV node (impl/node) from its files and flags —
// the cluster definition, the node directory with its node key and share
// keystores, the slashing DB, beacon nodes, a signer, the libp2p transport,
// metrics and traces — and runs it. `dvnode run` and every node of
// `dvnode devnet` go through Start.
package run

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/impl/beaconclient"
	"github.com/dvspec/go-dvspec/impl/keys"
	"github.com/dvspec/go-dvspec/impl/metrics"
	"github.com/dvspec/go-dvspec/impl/node"
	"github.com/dvspec/go-dvspec/impl/p2p"
	"github.com/dvspec/go-dvspec/impl/remotesigner"
	"github.com/dvspec/go-dvspec/impl/slashingstore"
	"github.com/dvspec/go-dvspec/impl/validatorapi"
	"github.com/dvspec/go-dvspec/spec/cluster"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// SlashingDBFile is the slashing DB's file name in the data directory.
const SlashingDBFile = "slashing.db"

// Options configure a node.
type Options struct {
	// ClusterFile is cluster.json.
	ClusterFile string
	// NodeDir holds node-key.hex, keystores/ and keystore-password.txt
	// (impl/keys layout).
	NodeDir string
	// DataDir holds the slashing DB (default: NodeDir).
	DataDir string
	// BeaconURLs are the beacon nodes, in order of preference.
	BeaconURLs []string
	// SignerURL is an external Web3Signer-API signer (http://, https://
	// or unix:PATH); empty runs the embedded signer on the node's
	// keystores, called in process.
	SignerURL string
	// SignerTokenFile holds the signer's bearer token: the one sent to an
	// external signer, or the one the embedded signer requires when it is
	// served (SignerListen; default NodeDir/signer-token.txt, created with
	// a random token if missing).
	SignerTokenFile string
	// SignerCAFile (PEM) verifies an https signer's certificate instead of
	// the system roots; SignerClientCert and SignerClientKey (PEM) are a
	// client certificate to present to it.
	SignerCAFile, SignerClientCert, SignerClientKey string
	// SignerListen serves the embedded signer over HTTP, for other local
	// tools, and makes the node use it that way: host:port (bearer token
	// required) or unix:PATH (a socket only the node's user can open).
	// Empty: the node calls its signer in process and serves nothing.
	SignerListen string
	// Mode is the architecture: ModeRemoteSigner (default) or
	// ModeVCMiddleware.
	Mode string
	// ValidatorAPIAddr is where VC-middleware mode serves the validator
	// API to the validator client (host:port; required in that mode,
	// refused in the other).
	ValidatorAPIAddr string
	// P2PListen overrides the listen multiaddr of the cluster definition.
	P2PListen string
	// MetricsAddr serves /metrics, /livez, /readyz ("" : off).
	MetricsAddr string
	// Tracer records DVC steps (nil: off).
	Tracer node.Tracer
	// Logger (nil: discard).
	Logger *slog.Logger
	// Outbound rewrites outgoing messages (fault injection).
	Outbound node.Outbound
	// WrapTransport, if set, wraps the node's p2p transport (fault
	// injection on the receiving side: the devnet's forging relay).
	WrapTransport func(node.Transport) node.Transport
	// NoSync disables sync committee duties.
	NoSync bool
	// Consensus is ConsensusPerSlot (the default when empty: one consensus
	// per slot and duty kind for all the cluster's validators, SPEC.md
	// amendment A25) or ConsensusPerValidator (the literal form). Every
	// node of a cluster must use the same.
	Consensus string
	// NoAggregation leaves out the aggregation duties, which run by
	// default: the zero value means what dvnode run means without
	// --aggregation=false. It is node.Config.Aggregation negated.
	NoAggregation bool
	// InitSlashingDB accepts a slashing DB file that is empty, not a
	// slashing DB, or of another chain (moved aside, a new one created) or
	// cluster (history kept, the new cluster ID recorded); without it such
	// a file stops the node (slashingstore.Options.Init).
	InitSlashingDB bool
	// OnDuty is told every duty outcome.
	OnDuty func(node.DutyResult)
	// StartTimeout bounds waiting for the beacon node at start (default 30 s).
	StartTimeout time.Duration
}

// Service is a running node with everything it opened.
type Service struct {
	Node     *node.Node
	Operator uint64
	// MetricsAddr is where /metrics, /livez and /readyz are served.
	MetricsAddr string
	// ValidatorAPIAddr is where the validator API is served (VC-middleware
	// mode), as bound.
	ValidatorAPIAddr string
	cancel           context.CancelFunc
	done             chan struct{}
	closers          []func() error
	once             sync.Once
	log              *slog.Logger
}

// The architectures of dvnode run --mode.
const (
	ModeRemoteSigner = "remote-signer"
	ModeVCMiddleware = "vc-middleware"
)

// The consensus forms of dvnode run --consensus.
const (
	ConsensusPerSlot      = "per-slot"
	ConsensusPerValidator = "per-validator"
)

// PerSlot reports whether consensus form c decides per slot; an unknown
// form is a configuration error naming the flag.
func PerSlot(c string) (bool, error) {
	switch c {
	case "", ConsensusPerSlot:
		return true, nil
	case ConsensusPerValidator:
		return false, nil
	}
	return false, cfgErr("--consensus %q: want %s or %s", c, ConsensusPerSlot, ConsensusPerValidator)
}

// checkMode refuses flags of the other architecture, naming them.
func checkMode(o Options) error {
	switch o.Mode {
	case "", ModeRemoteSigner:
		if o.ValidatorAPIAddr != "" {
			return cfgErr("--validator-api-addr is for --mode %s", ModeVCMiddleware)
		}
	case ModeVCMiddleware:
		if o.ValidatorAPIAddr == "" {
			return cfgErr("--mode %s needs --validator-api-addr (where the validator client connects)", ModeVCMiddleware)
		}
		for flag, v := range map[string]string{"--signer-url": o.SignerURL, "--signer-token-file": o.SignerTokenFile, "--signer-ca-file": o.SignerCAFile,
			"--signer-client-cert": o.SignerClientCert, "--signer-client-key": o.SignerClientKey, "--signer-listen": o.SignerListen} {
			if v != "" {
				return cfgErr("%s is for --mode %s (in --mode %s the validator client holds the key shares)", flag, ModeRemoteSigner, ModeVCMiddleware)
			}
		}
	default:
		return cfgErr("--mode %q: want %s or %s", o.Mode, ModeRemoteSigner, ModeVCMiddleware)
	}
	return nil
}

// capturer is the node seen by the validator API, which is built before
// the node (the node is given the API).
type capturer struct{ n *node.Node }

func (c *capturer) Capture(ctx context.Context, pk phase0.BLSPubKey, ev dvc.Event) error {
	if c.n == nil {
		return errors.New("node not started")
	}
	return c.n.Capture(ctx, pk, ev)
}

// ConfigError is a startup failure caused by the configuration (files,
// flags, a beacon node on another chain), as opposed to a runtime failure.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

func cfgErr(format string, args ...any) error { return &ConfigError{Err: fmt.Errorf(format, args...)} }

// Start builds the node and runs it in the background until Stop, Kill or
// ctx is done.
func Start(ctx context.Context, o Options) (_ *Service, err error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = 30 * time.Second
	}
	if err := checkMode(o); err != nil {
		return nil, err
	}
	s := &Service{done: make(chan struct{}), log: log}
	defer func() {
		if err != nil {
			s.closeAll()
		}
	}()
	def, err := keys.LoadClusterDefinition(o.ClusterFile)
	if err != nil {
		return nil, cfgErr("cluster definition: %w", err)
	}
	nodeKey, err := keys.ReadNodeKeyFile(filepath.Join(o.NodeDir, keys.NodeKeyFile))
	if err != nil {
		return nil, cfgErr("node key: %w", err)
	}
	unlock, err := lockNodeDir(o.NodeDir)
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, unlock)
	self, err := operatorOf(def, nodeKey)
	if err != nil {
		return nil, err
	}
	s.Operator = self
	log = log.With("node", self)
	s.log = log
	clusterForks, err := def.Network.ForkSchedule()
	if err != nil {
		return nil, cfgErr("cluster definition network: %w", err)
	}
	if len(o.BeaconURLs) == 0 {
		return nil, cfgErr("no beacon node URL (--beacon-node-url)")
	}
	bn, err := beaconclient.New(beaconclient.Config{URLs: o.BeaconURLs})
	if err != nil {
		return nil, cfgErr("%w", err)
	}
	s.closers = append(s.closers, func() error { bn.Close(); return nil })
	bnNet, err := beaconNetwork(ctx, bn, o.StartTimeout)
	if err != nil {
		return nil, err
	}
	if err := SameNetwork(ClusterNetwork{GenesisValidatorsRoot: def.Network.GenesisValidatorsRoot, SlotsPerEpoch: def.Network.SlotsPerEpoch, Forks: clusterForks}, bnNet); err != nil {
		return nil, err
	}
	genesis, slotDur := bnNet.GenesisTime, bnNet.SlotDuration
	chain, err := signing.NewChain(clusterForks, def.Network.GenesisValidatorsRoot, bnNet.Config)
	if err != nil {
		return nil, cfgErr("%w", err)
	}
	if err := logStart(log, def, chain, bnNet, bn.Preferred(), genesis, slotDur); err != nil {
		return nil, err
	}
	if err := resolveIndices(ctx, bn, def); err != nil {
		return nil, err
	}
	dataDir := o.DataDir
	if dataDir == "" {
		dataDir = o.NodeDir
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, cfgErr("data directory: %w", err)
	}
	clusterID, err := def.ID()
	if err != nil {
		return nil, cfgErr("cluster definition: %w", err)
	}
	dbPath := filepath.Join(dataDir, SlashingDBFile)
	if _, err := os.Stat(dbPath); errors.Is(err, os.ErrNotExist) {
		log.Info("no slashing DB yet: creating one", "path", dbPath)
	}
	store, err := slashingstore.OpenWithOptions(dbPath, chain.GenesisValidatorsRoot, slashingstore.Options{
		ClusterID: clusterID, Init: o.InitSlashingDB,
		Notice: func(msg string) {
			log.Warn("slashing DB: "+msg, "data_dir", dataDir, "note", "a node that signed before from another data directory must not run from this one")
		},
	})
	if err != nil {
		if slashingstore.Foreign(err) {
			return nil, cfgErr("slashing DB: %w; --init-slashing-db makes a new one (moving the file aside) or, for another cluster ID of this chain, keeps its history for this cluster", err)
		}
		return nil, cfgErr("slashing DB: %w", err)
	}
	s.closers = append(s.closers, store.Close)
	var (
		signer           ethnode.RemoteSigner
		recordBeforeSign bool
		vapi             *validatorapi.Server
		capt             = &capturer{}
	)
	if o.Mode == ModeVCMiddleware {
		var vals []validatorapi.Validator
		for _, v := range def.Validators {
			vals = append(vals, validatorapi.Validator{Pubkey: v.PublicKey, SharePubkey: v.PublicShares[self-1], Index: phase0.ValidatorIndex(v.ValidatorIndex[0])})
		}
		vapi, err = validatorapi.New(validatorapi.Config{
			BeaconURL: o.BeaconURLs[0], Chain: chain, Genesis: genesis, SlotDuration: slotDur,
			Validators: vals, Node: capt, Logger: log.With("component", "validatorapi"),
		})
		if err != nil {
			return nil, cfgErr("%w", err)
		}
	} else if signer, recordBeforeSign, err = s.signer(o, def, self, chain, store, log); err != nil {
		return nil, err
	}
	tctx, tcancel := context.WithCancel(context.Background())
	s.closers = append(s.closers, func() error { tcancel(); return nil })
	protos := p2p.DefaultProtocols()
	for i := range protos {
		protos[i].QueueLength = 1 << 14
	}
	tr, err := p2p.New(tctx, p2p.Config{Cluster: def, Self: self, Key: nodeKey, ListenAddr: o.P2PListen, Protocols: protos, Logger: log.With("component", "p2p")})
	if err != nil {
		return nil, cfgErr("p2p: %w", err)
	}
	s.closers = append(s.closers, tr.Close)
	var nd *node.Node
	m := metrics.New(self, func() int { return len(tr.ConnectedPeers()) }, func() int {
		if nd == nil {
			return 0
		}
		return nd.QueueLength()
	})
	// A fault injector made before the beacon node was asked (dvnode run
	// --byzantine) learns the chain's sizes here, before any message.
	if cs, ok := o.Outbound.(interface{ SetChain(signing.Chain) }); ok {
		cs.SetChain(chain)
	}
	var vc ethnode.ValidatorClientAPI
	if vapi != nil {
		vc = vapi
		vapi.SetMetrics(m)
	}
	var transport node.Transport = node.P2P{T: tr}
	if o.WrapTransport != nil {
		transport = o.WrapTransport(transport)
	}
	perSlot, err := PerSlot(o.Consensus)
	if err != nil {
		return nil, err
	}
	nd, err = node.New(node.Config{
		Cluster: def, Self: self, NodeKey: nodeKey, Chain: chain,
		Genesis: genesis, SlotDuration: slotDur,
		BeaconNode: bn, Signer: signer, Slashing: store, RecordBeforeSign: recordBeforeSign,
		Transport: transport, Outbound: o.Outbound, Logger: log, Metrics: m, Tracer: o.Tracer,
		NoSync: o.NoSync, OnDuty: o.OnDuty, VC: vc, Aggregation: !o.NoAggregation, ConsensusPerSlot: perSlot,
	})
	if err != nil {
		return nil, cfgErr("%w", err)
	}
	s.Node = nd
	capt.n = nd
	rctx, cancel := context.WithCancel(ctx)
	s.cancel = cancel
	if o.MetricsAddr != "" {
		addr, err := metrics.Serve(rctx, o.MetricsAddr, metrics.Handler(m, metrics.Health{Live: nd.Live, Ready: nd.Ready}))
		if err != nil {
			cancel()
			return nil, cfgErr("%w", err)
		}
		s.MetricsAddr = addr.String()
		log.Info("metrics and health endpoints", "addr", addr.String())
	}
	if vapi != nil {
		ln, err := net.Listen("tcp", o.ValidatorAPIAddr)
		if err != nil {
			cancel()
			return nil, cfgErr("--validator-api-addr: %w", err)
		}
		s.ValidatorAPIAddr = ln.Addr().String()
		go func() {
			if err := vapi.ServeListener(rctx, ln); err != nil {
				log.Error("validator API stopped", "err", err)
			}
		}()
		log.Info("validator API for the validator client (VC-middleware mode)", "addr", s.ValidatorAPIAddr, "beacon_node", o.BeaconURLs[0])
	}
	if err := tr.Start(); err != nil {
		cancel()
		return nil, fmt.Errorf("p2p: %w", err)
	}
	go func() {
		defer close(s.done)
		_ = nd.Run(rctx)
	}()
	return s, nil
}

// signer builds the remote signer: an external Web3Signer (the node then
// records every slashable signing in its own slashing DB first), or the
// embedded signer over the node's keystores with the node's slashing DB as
// its record store (it records before it signs).
func (s *Service) signer(o Options, def *cluster.Definition, self uint64, chain signing.Chain, store *slashingstore.Store, log *slog.Logger) (ethnode.RemoteSigner, bool, error) {
	need := map[phase0.BLSPubKey]bool{}
	for _, v := range def.Validators {
		need[v.PublicShares[self-1]] = true
	}
	if o.SignerURL != "" && o.SignerListen != "" {
		return nil, false, cfgErr("--signer-listen serves the embedded signer; it does not go with --signer-url")
	}
	if o.SignerURL != "" {
		c, err := externalSigner(o)
		if err != nil {
			return nil, false, err
		}
		return c, true, nil
	}
	if o.SignerCAFile != "" || o.SignerClientCert != "" || o.SignerClientKey != "" {
		return nil, false, cfgErr("--signer-ca-file, --signer-client-cert and --signer-client-key are for an external signer (--signer-url)")
	}
	sks, err := remotesigner.LoadKeystores(remotesigner.KeystoreConfig{
		Dir:          filepath.Join(o.NodeDir, keys.KeystoresDir),
		PasswordFile: filepath.Join(o.NodeDir, keys.KeystorePasswordFile),
	})
	if err != nil {
		return nil, false, cfgErr("share keystores: %w", err)
	}
	have := map[phase0.BLSPubKey]bool{}
	for _, sk := range sks {
		pk, err := sk.PublicKey()
		if err != nil {
			return nil, false, cfgErr("share keystores: %w", err)
		}
		have[pk] = true
	}
	for pk := range need {
		if !have[pk] {
			return nil, false, cfgErr("share keystores: no keystore for operator %d's share %#x of the cluster definition", self, pk[:])
		}
	}
	var token string
	if o.SignerListen != "" && !strings.HasPrefix(o.SignerListen, "unix:") {
		path := o.SignerTokenFile
		if path == "" {
			path = filepath.Join(o.NodeDir, SignerTokenFile)
		}
		if token, err = ensureToken(path, log); err != nil {
			return nil, false, err
		}
	} else if o.SignerTokenFile != "" {
		if token, err = readToken(o.SignerTokenFile); err != nil {
			return nil, false, err
		}
	}
	srv, err := remotesigner.NewServer(remotesigner.Config{
		Keys: sks, Forks: chain.Forks, ChainConfig: chain.Config, GenesisValidatorsRoot: chain.GenesisValidatorsRoot,
		Slashing: batchStore{store}, Logger: log.With("component", "signer"), AuthToken: token,
	})
	if err != nil {
		return nil, false, cfgErr("embedded signer: %w", err)
	}
	if o.SignerListen == "" {
		log.Info("embedded signer in process (not served)")
		return srv, false, nil
	}
	addr, err := srv.Start(o.SignerListen)
	if err != nil {
		return nil, false, cfgErr("--signer-listen: %w", err)
	}
	s.closers = append(s.closers, srv.Close)
	url := "unix:" + strings.TrimPrefix(o.SignerListen, "unix:")
	if addr.Network() == "tcp" {
		url = "http://" + addr.String()
	}
	c, err := remotesigner.NewClient(url, remotesigner.WithBearerToken(token))
	if err != nil {
		return nil, false, err
	}
	return c, false, nil
}

// SignerTokenFile is the default bearer token file of the embedded signer
// served over TCP, in the node directory.
const SignerTokenFile = "signer-token.txt"

// externalSigner is the client of an external signer, with its token and
// TLS settings.
func externalSigner(o Options) (*remotesigner.Client, error) {
	var opts []remotesigner.ClientOption
	if o.SignerTokenFile != "" {
		token, err := readToken(o.SignerTokenFile)
		if err != nil {
			return nil, err
		}
		opts = append(opts, remotesigner.WithBearerToken(token))
	}
	if o.SignerCAFile != "" || o.SignerClientCert != "" || o.SignerClientKey != "" {
		if !strings.HasPrefix(o.SignerURL, "https://") {
			return nil, cfgErr("--signer-ca-file, --signer-client-cert and --signer-client-key need an https --signer-url, not %q", o.SignerURL)
		}
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if o.SignerCAFile != "" {
			pem, err := os.ReadFile(o.SignerCAFile)
			if err != nil {
				return nil, cfgErr("--signer-ca-file: %w", err)
			}
			cfg.RootCAs = x509.NewCertPool()
			if !cfg.RootCAs.AppendCertsFromPEM(pem) {
				return nil, cfgErr("--signer-ca-file %s: no PEM certificate in it", o.SignerCAFile)
			}
		}
		if (o.SignerClientCert == "") != (o.SignerClientKey == "") {
			return nil, cfgErr("--signer-client-cert and --signer-client-key go together")
		}
		if o.SignerClientCert != "" {
			cert, err := tls.LoadX509KeyPair(o.SignerClientCert, o.SignerClientKey)
			if err != nil {
				return nil, cfgErr("--signer-client-cert/--signer-client-key: %w", err)
			}
			cfg.Certificates = []tls.Certificate{cert}
		}
		opts = append(opts, remotesigner.WithTLS(cfg))
	}
	c, err := remotesigner.NewClient(o.SignerURL, opts...)
	if err != nil {
		return nil, cfgErr("--signer-url: %w", err)
	}
	return c, nil
}

// readToken reads a bearer token file (one line).
func readToken(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", cfgErr("--signer-token-file: %w", err)
	}
	token := strings.TrimSpace(string(b))
	if len(token) < remotesigner.MinAuthTokenLength || strings.ContainsAny(token, " \t\r\n") {
		return "", cfgErr("--signer-token-file %s: the token must be one line of at least %d characters without white space", path, remotesigner.MinAuthTokenLength)
	}
	return token, nil
}

// ensureToken reads the token file, creating it (mode 0600) with a random
// token when it does not exist.
func ensureToken(path string, log *slog.Logger) (string, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		var b [32]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", err
		}
		token := hex.EncodeToString(b[:])
		if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
			return "", cfgErr("--signer-token-file: %w", err)
		}
		log.Info("embedded signer: created a bearer token", "file", path)
		return token, nil
	}
	return readToken(path)
}

// operatorOf finds the operator whose node public key is the node key's.
func operatorOf(def *cluster.Definition, key ed25519.PrivateKey) (uint64, error) {
	pub := key.Public().(ed25519.PublicKey)
	for _, op := range def.Operators {
		if string(op.NodePublicKey[:]) == string(pub) {
			return op.Index, nil
		}
	}
	return 0, cfgErr("node key: its public key %x is not an operator of the cluster definition", []byte(pub))
}

// beaconNetwork waits for the beacon node and returns the chain it serves.
func beaconNetwork(ctx context.Context, bn *beaconclient.Client, wait time.Duration) (*beaconclient.Network, error) {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	var lastErr error
	for {
		g, err := bn.Genesis(ctx)
		if err == nil {
			sp, err := bn.Spec(ctx)
			if err != nil {
				return nil, fmt.Errorf("beacon node spec: %w", err)
			}
			n, err := beaconclient.NetworkFromSpec(g, sp)
			if err != nil {
				// The beacon node answered with a configuration this node
				// cannot run on: a configuration error, not an outage.
				return nil, cfgErr("%w", err)
			}
			return n, nil
		}
		lastErr = err
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("beacon node not reachable: %w", lastErr)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// resolveIndices fills the validator indices the cluster definition leaves
// open from the beacon node's registry, and checks the ones it gives
// against it (the cluster ID does not cover them, SPEC.md section 11.4, so
// a wrong one would otherwise go unnoticed until every duty failed).
func resolveIndices(ctx context.Context, bn *beaconclient.Client, def *cluster.Definition) error {
	keys := make([]phase0.BLSPubKey, 0, len(def.Validators))
	for _, v := range def.Validators {
		keys = append(keys, v.PublicKey)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	got, err := bn.Validators(ctx, "head", nil, keys)
	if err != nil {
		return fmt.Errorf("resolving validator indices: %w", err)
	}
	byKey := map[phase0.BLSPubKey]phase0.ValidatorIndex{}
	for i, v := range got {
		if v.Validator != nil {
			byKey[v.Validator.PublicKey] = i
		}
	}
	for k, v := range def.Validators {
		i, ok := byKey[v.PublicKey]
		if !ok {
			return cfgErr("validator %#x is not in the beacon node's registry", v.PublicKey[:])
		}
		if len(v.ValidatorIndex) == 0 {
			v.ValidatorIndex = []uint64{uint64(i)}
		} else if v.ValidatorIndex[0] != uint64(i) {
			return cfgErr("cluster definition distributed_validators[%d].validator_index: %d, but the beacon node's registry has validator %#x at index %d", k, v.ValidatorIndex[0], v.PublicKey[:], i)
		}
	}
	return nil
}

// Stop stops the node gracefully and closes what it opened.
func (s *Service) Stop() {
	s.once.Do(func() {
		if s.cancel != nil {
			s.cancel()
			select {
			case <-s.done:
			case <-time.After(10 * time.Second):
				s.log.Warn("node did not stop within 10 s")
			}
		}
		s.closeAll()
	})
}

// Kill abandons the node as a crash would: its context is cancelled and
// its files and sockets are closed at once, without waiting for the event
// loop or in-flight work. The slashing DB was synced before every
// signature, so nothing a restart needs is lost.
func (s *Service) Kill() {
	s.once.Do(func() {
		if s.cancel != nil {
			s.cancel()
		}
		s.closeAll()
	})
}

// Done is closed when the node's event loop has returned.
func (s *Service) Done() <-chan struct{} { return s.done }

func (s *Service) closeAll() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		if err := s.closers[i](); err != nil {
			s.log.Debug("closing", "err", err)
		}
	}
	s.closers = nil
}

// batchStore lets the embedded signer record by group commit into the
// node's slashing DB (remotesigner.BatchRecordStore over
// slashingstore.Store.RecordBatch).
type batchStore struct{ *slashingstore.Store }

func (b batchStore) RecordBatch(recs []remotesigner.BatchRecord) []error {
	out := make([]slashingstore.Record, len(recs))
	for i, r := range recs {
		out[i] = slashingstore.Record{Pubkey: r.Pubkey, Attestation: r.Attestation, Block: r.Block}
	}
	return b.Store.RecordBatch(out)
}
