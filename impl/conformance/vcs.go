package conformance

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/dvspec/go-dvspec/impl/slashingstore"
	"github.com/dvspec/go-dvspec/impl/vc"
	"github.com/dvspec/go-dvspec/spec/bls"
)

// VCResult is one duty outcome of a scripted validator client.
type VCResult struct {
	Node    uint64
	Pattern string
	vc.Result
}

// VCConfig is one scripted validator client (VC-middleware mode).
type VCConfig struct {
	// Node is the cluster node whose validator API the client drives.
	Node uint64
	// URL is that node's validator API.
	URL string
	// Keys are the node's key shares.
	Keys []bls.SecretKey
	// Pattern is the request pattern of the client family reproduced.
	Pattern vc.Pattern
	// Dir receives the client's slashing-protection DB.
	Dir    string
	Logger *slog.Logger
}

// Patterns returns the request patterns the kit's scripted validator
// clients can reproduce, by name.
func Patterns() map[string]vc.Pattern {
	return map[string]vc.Pattern{"default": vc.DefaultPattern(), "prysm": vc.PrysmPattern()}
}

// StartVC runs a scripted validator client against one node's validator
// API until ctx ends or the returned stop is called. The client holds the
// node's key shares, keeps its own EIP-3076 protection over them, checks
// every answer (attestation data for the slot and epoch asked, a block for
// the slot and proposer asked, nothing slashable) and signs only what
// passes; every duty outcome is recorded for the answers check.
func (k *Kit) StartVC(ctx context.Context, cfg VCConfig) (stop func(), err error) {
	if cfg.Node < 1 || cfg.Node > uint64(k.cfg.Nodes) {
		return nil, fmt.Errorf("conformance: validator client for node %d: no such node", cfg.Node)
	}
	if cfg.Dir == "" {
		return nil, fmt.Errorf("conformance: validator client of node %d: VCConfig.Dir is empty", cfg.Node)
	}
	chain := k.sb.SigningChain()
	store, err := slashingstore.Open(filepath.Join(cfg.Dir, fmt.Sprintf("vc-%d-slashing.db", cfg.Node)), chain.GenesisValidatorsRoot)
	if err != nil {
		return nil, fmt.Errorf("conformance: validator client of node %d: %w", cfg.Node, err)
	}
	name := cfg.Pattern.Name
	if name == "" {
		name = vc.DefaultPattern().Name
	}
	k.mu.Lock()
	k.vcMode = true
	k.mu.Unlock()
	v, err := vc.New(vc.Config{
		BeaconURL: cfg.URL, Keys: cfg.Keys, Slashing: store, Distributed: true, Chain: &chain,
		Pattern: cfg.Pattern, Logger: cfg.Logger, Timeout: 2 * k.slotDuration(),
		OnDuty: func(r vc.Result) { k.rec.addVC(VCResult{Node: cfg.Node, Pattern: name, Result: r}) },
	})
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("conformance: validator client of node %d: %w", cfg.Node, err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := v.Run(rctx); err != nil && rctx.Err() == nil && cfg.Logger != nil {
			cfg.Logger.Error("scripted validator client stopped", "node", cfg.Node, "err", err)
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			<-done
			v.Close()
			store.Close()
		})
	}, nil
}

func (k *Kit) slotDuration() time.Duration {
	return time.Duration(k.cfg.Scenario.secondsPerSlot()) * time.Second
}
