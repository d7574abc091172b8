package simbeacon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/phase0"
	dynssz "github.com/pk910/dynamic-ssz"

	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// Node is an embedded, simulated beacon node. It serves the beacon API
// (beacon-APIs v4.0.0 shapes) for a deterministic chain of interop
// validators, verifies every signature submitted to it and records what it
// accepted. Create it with New; serve Handler() or call Serve.
type Node struct {
	cfg     Config
	table   map[string]uint64
	preset  spec.ChainConfig
	reg     *registry
	chain   *chain
	signing signing.Chain
	ssz     *dynssz.DynSsz
	specMap map[string]any
	rec     *recorder
	pools   *pools
	events  *eventHub
	// imported are the blocks it accepted, served to block importers.
	imported *importedBlocks
	routes   []route

	mu            sync.Mutex
	feeRecipients map[phase0.ValidatorIndex]bellatrix.ExecutionAddress

	srvMu   sync.Mutex
	servers []*http.Server
	stop    chan struct{}
	stopped sync.Once
	loop    sync.Once
	wg      sync.WaitGroup
}

// New builds a simulated node from cfg.
func New(cfg Config) (*Node, error) {
	cfg, table, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	reg, err := newRegistry(cfg.Validators)
	if err != nil {
		return nil, err
	}
	n := &Node{
		cfg:           cfg,
		table:         table,
		preset:        cfg.Chain,
		reg:           reg,
		chain:         newChain(cfg.Validators, table, cfg.Forks),
		rec:           newRecorder(),
		pools:         newPools(),
		events:        newEventHub(),
		imported:      newImportedBlocks(),
		feeRecipients: map[phase0.ValidatorIndex]bellatrix.ExecutionAddress{},
		stop:          make(chan struct{}),
	}
	if n.signing, err = signing.NewChain(cfg.Forks, reg.gvr, n.preset); err != nil {
		return nil, err
	}
	n.ssz = n.signing.SSZ
	n.specMap = n.buildSpec()
	n.routes = n.buildRoutes()
	return n, nil
}

// Handler returns the beacon-API HTTP handler.
func (n *Node) Handler() http.Handler { return http.HandlerFunc(n.serveHTTP) }

// Serve serves the beacon API on l until Close. It also starts the slot
// loop that emits head events.
func (n *Node) Serve(l net.Listener) error {
	srv := &http.Server{Handler: n.Handler(), ReadHeaderTimeout: 10 * time.Second}
	n.srvMu.Lock()
	select {
	case <-n.stop:
		n.srvMu.Unlock()
		return http.ErrServerClosed
	default:
	}
	n.servers = append(n.servers, srv)
	n.srvMu.Unlock()
	n.StartSlotLoop()
	err := srv.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// ListenAndServe listens on addr (for example "127.0.0.1:5052") and serves
// in a goroutine. It returns the bound address, so ":0" picks a free port.
func (n *Node) ListenAndServe(addr string) (string, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("simbeacon: listen on %s: %w", addr, err)
	}
	go func() { _ = n.Serve(l) }()
	return l.Addr().String(), nil
}

// Close stops the servers, the slot loop and every event stream.
func (n *Node) Close() error {
	n.stopped.Do(func() { close(n.stop) })
	n.srvMu.Lock()
	servers := n.servers
	n.servers = nil
	n.srvMu.Unlock()
	var errs []error
	for _, s := range servers {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		if err := s.Shutdown(ctx); err != nil {
			errs = append(errs, s.Close())
		}
		cancel()
	}
	n.wg.Wait()
	return errors.Join(errs...)
}

// GenesisValidatorsRoot is the root of the genesis validator registry.
func (n *Node) GenesisValidatorsRoot() phase0.Root { return n.reg.gvr }

// GenesisTime is the start of slot 0.
func (n *Node) GenesisTime() time.Time { return n.cfg.GenesisTime }

// SigningChain is the spec/signing view of this chain (fork schedule,
// genesis validators root, slots per epoch): what a validator client of
// this chain signs with.
func (n *Node) SigningChain() signing.Chain { return n.signing }

// ChainConfig is the chain config of this chain (with the configured slots
// per epoch): what /eth/v1/config/spec serves.
func (n *Node) ChainConfig() spec.ChainConfig { return n.preset }

// Config returns the configuration with every default filled in.
func (n *Node) Config() Config { return n.cfg }

// slotDuration is SECONDS_PER_SLOT.
func (n *Node) slotDuration() time.Duration {
	return time.Duration(n.cfg.SecondsPerSlot) * time.Second
}

// slotStart is the time slot begins.
func (n *Node) slotStart(slot phase0.Slot) time.Time {
	return n.cfg.GenesisTime.Add(time.Duration(slot) * n.slotDuration())
}

// CurrentSlot is the slot at the clock's reading (0 before genesis).
func (n *Node) CurrentSlot() phase0.Slot { return n.slotAt(n.cfg.Clock.Now()) }

func (n *Node) slotAt(t time.Time) phase0.Slot {
	if t.Before(n.cfg.GenesisTime) {
		return 0
	}
	return phase0.Slot(t.Sub(n.cfg.GenesisTime) / n.slotDuration())
}

// CurrentEpoch is the epoch of CurrentSlot.
func (n *Node) CurrentEpoch() phase0.Epoch { return n.chain.epochOf(n.CurrentSlot()) }

// clockDisparity is MAXIMUM_GOSSIP_CLOCK_DISPARITY.
const clockDisparity = 500 * time.Millisecond

// isCurrentSlot is the p2p is_current_slot rule: slot has started (with the
// disparity allowance) and has not ended more than the allowance ago.
func (n *Node) isCurrentSlot(slot phase0.Slot) bool {
	now := n.cfg.Clock.Now()
	start := n.slotStart(slot)
	return !now.Before(start.Add(-clockDisparity)) && now.Before(start.Add(n.slotDuration()+clockDisparity))
}

// slotNotInFuture reports whether slot has started (with the allowance).
func (n *Node) slotNotInFuture(slot phase0.Slot) bool {
	return !n.cfg.Clock.Now().Before(n.slotStart(slot).Add(-clockDisparity))
}

func u64s(v uint64) string { return strconv.FormatUint(v, 10) }
