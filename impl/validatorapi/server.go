// Package validatorapi is the validator-facing beacon API of a DV node in
// VC-middleware mode (SPEC.md section 10): an ordinary validator client,
// holding this node's key shares, talks to it as to a beacon node.
//
// The endpoints where the DV must agree on what is signed are served here:
// attestation data, block production and the head root of sync committee
// messages answer with the value the cluster decided (waiting for
// consensus within the request's timeout); attestations, blocks and sync
// committee messages the VC signed with its share become the DVC's
// Captured* events, and the DVC's refusal comes back as the beacon API's
// 400 with its message. Duties and validator lookups are passed to the
// beacon node with the share public keys the VC holds translated to the
// validators' keys and back. Every other request is proxied unchanged.
//
// The server never touches a DVC state: it hands events to the node's
// event loop (Capturer) and is handed the decided values (the
// ethnode.ValidatorClientAPI methods, the DVC's Cache*ForVC outputs).
package validatorapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/metrics"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// Capturer delivers an event of the validator client to validator pk's
// state machine and returns the step's error (impl/node.Node.Capture).
type Capturer interface {
	Capture(ctx context.Context, pk phase0.BLSPubKey, ev dvc.Event) error
}

// Validator is one distributed validator as the VC knows it: the VC holds
// SharePubkey (this node's share), the beacon chain knows Pubkey.
type Validator struct {
	Pubkey      phase0.BLSPubKey
	SharePubkey phase0.BLSPubKey
	Index       phase0.ValidatorIndex
}

// Config configures a Server.
type Config struct {
	// BeaconURL is the beacon node the requests are passed to.
	BeaconURL string
	// Chain is the network (fork at a slot, chain config).
	Chain signing.Chain
	// Genesis and SlotDuration are the slot clock.
	Genesis      time.Time
	SlotDuration time.Duration
	// Validators are the node's distributed validators.
	Validators []Validator
	// Node receives the captured events.
	Node Capturer
	// Timeout bounds how long a request waits for a decided value
	// (default: one slot).
	Timeout time.Duration
	// Metrics counts requests by endpoint and status (nil: none).
	Metrics *metrics.Metrics
	// Logger (nil: discard).
	Logger *slog.Logger
}

// Server is the validator API of one node.
type Server struct {
	cfg     Config
	log     *slog.Logger
	bn      *url.URL
	proxy   *httputil.ReverseProxy
	http    *http.Client
	byPub   map[phase0.BLSPubKey]*Validator
	byShare map[phase0.BLSPubKey]*Validator
	byIndex map[phase0.ValidatorIndex]*Validator
	toVal   *strings.Replacer // share pubkey hex -> validator pubkey hex
	toShare *strings.Replacer // validator pubkey hex -> share pubkey hex
	cache   *cache
	agg     *aggCache
	mux     *http.ServeMux
}

// New checks the configuration (errors name the field) and builds the
// server; it does no I/O.
func New(cfg Config) (*Server, error) {
	u, err := url.Parse(cfg.BeaconURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("validatorapi: BeaconURL %q is not an http(s) URL", cfg.BeaconURL)
	}
	if cfg.Node == nil {
		return nil, errors.New("validatorapi: Node is required")
	}
	if cfg.SlotDuration <= 0 || cfg.Genesis.IsZero() {
		return nil, errors.New("validatorapi: Genesis and SlotDuration are required")
	}
	if cfg.Chain.SlotsPerEpoch == 0 {
		return nil, errors.New("validatorapi: Chain has no SLOTS_PER_EPOCH")
	}
	if len(cfg.Validators) == 0 {
		return nil, errors.New("validatorapi: Validators is empty")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = cfg.SlotDuration
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		cfg: cfg, log: cfg.Logger, bn: u,
		http:    &http.Client{Timeout: 30 * time.Second},
		byPub:   map[phase0.BLSPubKey]*Validator{},
		byShare: map[phase0.BLSPubKey]*Validator{},
		byIndex: map[phase0.ValidatorIndex]*Validator{},
		cache:   newCache(),
		agg:     newAggCache(),
	}
	var toVal, toShare []string
	for i := range cfg.Validators {
		v := &cfg.Validators[i]
		if _, dup := s.byShare[v.SharePubkey]; dup {
			return nil, fmt.Errorf("validatorapi: Validators: share key %#x given twice", v.SharePubkey[:8])
		}
		if _, dup := s.byPub[v.Pubkey]; dup {
			return nil, fmt.Errorf("validatorapi: Validators: validator key %#x given twice", v.Pubkey[:8])
		}
		s.byPub[v.Pubkey], s.byShare[v.SharePubkey], s.byIndex[v.Index] = v, v, v
		sh, vh := fmt.Sprintf("%#x", v.SharePubkey[:]), fmt.Sprintf("%#x", v.Pubkey[:])
		// Beacon-API JSON carries keys as lower-case 0x hex.
		toVal = append(toVal, sh, vh)
		toShare = append(toShare, vh, sh)
	}
	s.toVal, s.toShare = strings.NewReplacer(toVal...), strings.NewReplacer(toShare...)
	s.proxy = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(u); r.Out.Host = u.Host },
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			writeError(w, http.StatusBadGateway, "beacon node: "+err.Error())
		},
	}
	s.routes()
	return s, nil
}

// Handler is the HTTP handler of the API.
func (s *Server) Handler() http.Handler { return s.mux }

// Serve serves the API on addr until ctx ends.
func (s *Server) Serve(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("validatorapi: %w", err)
	}
	return s.ServeListener(ctx, ln)
}

// ServeListener is Serve on a listener (tests and devnet pick a port).
func (s *Server) ServeListener(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s.mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		c, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(c)
	}()
	s.log.Info("validator API listening", "addr", ln.Addr().String())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("validatorapi: %w", err)
	}
	return nil
}

// currentSlot is the slot of the wall clock.
func (s *Server) currentSlot() phase0.Slot {
	d := time.Since(s.cfg.Genesis)
	if d < 0 {
		return 0
	}
	return phase0.Slot(d / s.cfg.SlotDuration)
}

func (s *Server) epochOf(slot phase0.Slot) phase0.Epoch {
	return phase0.Epoch(uint64(slot) / s.cfg.Chain.SlotsPerEpoch)
}

// SetMetrics sets the metrics after New (the node's metrics are made after
// the server the node is given).
func (s *Server) SetMetrics(m *metrics.Metrics) { s.cfg.Metrics = m }
