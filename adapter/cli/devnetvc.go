package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/dvspec/go-dvspec/adapter/devnet"
	"github.com/dvspec/go-dvspec/impl/beaconclient"
	"github.com/dvspec/go-dvspec/impl/slashingstore"
	"github.com/dvspec/go-dvspec/impl/vc"
)

// devnetVC starts a node's validator client in a VC-middleware devnet. It
// is a variable so that tests can put a misbehaving client in its place.
var devnetVC = StartDevnetVC

// StartDevnetVC is devnet.Config.StartVC for VC-middleware devnets: it runs the repository's validator client (impl/vc) in
// VC-middleware mode against one node's validator API: it holds that node's
// key shares and keeps its own EIP-3076 record over them, as an operator's
// own validator client would.
func StartDevnetVC(ctx context.Context, p devnet.VCParams) (func(), error) {
	return startDevnetVC(ctx, p, vc.DefaultPattern())
}

// DevnetVCWithPattern is StartDevnetVC with validator clients that send
// their requests in pattern (vc.PrysmPattern: Prysm's batching and its
// whole-answer rule for the DVT selection endpoints).
func DevnetVCWithPattern(pattern vc.Pattern) func(context.Context, devnet.VCParams) (func(), error) {
	return func(ctx context.Context, p devnet.VCParams) (func(), error) { return startDevnetVC(ctx, p, pattern) }
}

func startDevnetVC(ctx context.Context, p devnet.VCParams, pattern vc.Pattern) (func(), error) {
	bn, err := beaconclient.New(beaconclient.Config{URLs: []string{p.BeaconURL}})
	if err != nil {
		return nil, err
	}
	gctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	g, err := bn.Genesis(gctx)
	cancel()
	bn.Close()
	if err != nil {
		return nil, fmt.Errorf("validator client of node %d: genesis: %w", p.Node, err)
	}
	store, err := slashingstore.Open(p.SlashingDB, g.GenesisValidatorsRoot)
	if err != nil {
		return nil, fmt.Errorf("validator client of node %d: %w", p.Node, err)
	}
	v, err := vc.New(vc.Config{BeaconURL: p.BeaconURL, Keys: p.Keys, Slashing: store, Distributed: true, NoSync: p.NoSync, Aggregation: p.Aggregation, Logger: p.Logger, Pattern: pattern})
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("validator client of node %d: %w", p.Node, err)
	}
	rctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := v.Run(rctx); err != nil && rctx.Err() == nil {
			p.Logger.Error("validator client stopped", "node", p.Node, "err", err)
		}
	}()
	return func() {
		stop()
		<-done
		v.Close()
		store.Close()
	}, nil
}
