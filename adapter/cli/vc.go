package cli

import (
	"context"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/attestantio/go-eth2-client/spec/bellatrix"

	"github.com/dvspec/go-dvspec/impl/beaconclient"
	"github.com/dvspec/go-dvspec/impl/remotesigner"
	"github.com/dvspec/go-dvspec/impl/slashingstore"
	"github.com/dvspec/go-dvspec/impl/vc"
)

// cmdVC is "dvnode vc": the repo's small validator client (impl/vc)
// against any beacon API, a beacon node or a DV node's validator API. It
// prints a DUTY line per duty and a SUMMARY line at the end, and exits 1
// if a duty failed.
func cmdVC(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dvnode vc", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bnURL := fs.String("beacon-node-url", "", "beacon API base URL (a beacon node, or a DV node's validator API)")
	ksDir := fs.String("keystores", "", "directory of EIP-2335 keystores (key shares in VC-middleware mode)")
	pwFile := fs.String("password-file", "", "file holding the keystores' password")
	dbPath := fs.String("slashing-db", "", "the client's slashing protection DB (created if absent)")
	distributed := fs.Bool("distributed", false, "VC-middleware mode: the keys are key shares; selection proofs go through the DVT selection endpoints")
	pattern := fs.String("pattern", "default", "request pattern: default or prysm")
	noAggregation := noAggregationFlag(fs, "aggregate attestations and sync committee contributions, on by default as in dvnode run and devnet; against a DV node's validator API both sides must agree (a node run with --aggregation=false refuses the selection requests, counted as failed duties); --aggregation=false turns them off")
	noSync := fs.Bool("no-sync", false, "no sync committee duties")
	feeRecipient := fs.String("fee-recipient", "", "0x-prefixed execution address sent with prepare_beacon_proposer")
	graffiti := fs.String("graffiti", "", "graffiti of proposed blocks (at most 32 bytes)")
	slots := fs.Uint64("slots", 0, "stop after this many slots (0: until interrupted)")
	level := fs.String("log-level", "info", "debug, info, warn or error")
	format := fs.String("log-format", "text", "text or json")
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	fail := func(err error) int { fmt.Fprintln(stderr, "dvnode vc:", err); return ExitUsage }
	log, err := newLogger(stderr, *level, *format)
	if err != nil {
		return fail(err)
	}
	if *bnURL == "" || *ksDir == "" || *pwFile == "" || *dbPath == "" {
		fmt.Fprintln(stderr, "dvnode vc: --beacon-node-url, --keystores, --password-file and --slashing-db are required")
		fs.Usage()
		return ExitUsage
	}
	cfg := vc.Config{BeaconURL: *bnURL, Distributed: *distributed, Aggregation: !noAggregation(), NoSync: *noSync, Logger: log}
	switch *pattern {
	case "default":
		cfg.Pattern = vc.DefaultPattern()
	case "prysm":
		cfg.Pattern = vc.PrysmPattern()
	default:
		return fail(fmt.Errorf("--pattern %q: want default or prysm", *pattern))
	}
	if len(*graffiti) > 32 {
		return fail(fmt.Errorf("--graffiti: %d bytes, at most 32", len(*graffiti)))
	}
	copy(cfg.Graffiti[:], *graffiti)
	if *feeRecipient != "" {
		b, err := hex.DecodeString(strings.TrimPrefix(*feeRecipient, "0x"))
		if err != nil || len(b) != len(bellatrix.ExecutionAddress{}) || !strings.HasPrefix(*feeRecipient, "0x") {
			return fail(fmt.Errorf("--fee-recipient %q: want a 0x-prefixed 20-byte address", *feeRecipient))
		}
		copy(cfg.FeeRecipient[:], b)
	}
	if cfg.Keys, err = remotesigner.LoadKeystores(remotesigner.KeystoreConfig{Dir: *ksDir, PasswordFile: *pwFile}); err != nil {
		return fail(fmt.Errorf("--keystores: %w", err))
	}
	// The slashing DB is bound to a chain: ask the beacon node which one
	// before opening it.
	bn, err := beaconclient.New(beaconclient.Config{URLs: []string{*bnURL}})
	if err != nil {
		return fail(fmt.Errorf("--beacon-node-url: %w", err))
	}
	gctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	g, err := bn.Genesis(gctx)
	cancel()
	bn.Close()
	if err != nil {
		fmt.Fprintln(stderr, "dvnode vc: beacon node:", err)
		return ExitFailure
	}
	store, err := slashingstore.Open(*dbPath, g.GenesisValidatorsRoot)
	if err != nil {
		return fail(fmt.Errorf("--slashing-db: %w", err))
	}
	defer store.Close()
	cfg.Slashing = store
	var mu sync.Mutex
	var total, failed int
	cfg.OnDuty = func(r vc.Result) {
		mu.Lock()
		defer mu.Unlock()
		total++
		status := "ok"
		if !r.OK {
			failed++
			status = "failed"
		}
		line := fmt.Sprintf("DUTY type=%s validator=%d slot=%d status=%s", r.Type, r.Validator, r.Slot, status)
		if r.Err != nil {
			line += fmt.Sprintf(" error=%q", r.Err.Error())
		}
		fmt.Fprintln(stdout, line)
	}
	v, err := vc.New(cfg)
	if err != nil {
		return fail(err)
	}
	defer v.Close()
	if err := v.Start(ctx); err != nil {
		fmt.Fprintln(stderr, "dvnode vc:", err)
		return ExitFailure
	}
	rctx := ctx
	if *slots > 0 {
		genesis, slot := v.SlotClock()
		now := time.Now()
		first := time.Duration(0)
		if now.After(genesis) {
			first = now.Sub(genesis) / slot * slot
		}
		// Run to the start of the last slot's successor, past its
		// aggregation step.
		end := genesis.Add(first + time.Duration(*slots+1)*slot)
		var c context.CancelFunc
		rctx, c = context.WithDeadline(ctx, end)
		defer c()
	}
	if err := v.Run(rctx); err != nil {
		fmt.Fprintln(stderr, "dvnode vc:", err)
		return ExitFailure
	}
	mu.Lock()
	defer mu.Unlock()
	fmt.Fprintf(stdout, "SUMMARY duties=%d succeeded=%d failed=%d\n", total, total-failed, failed)
	if failed > 0 {
		return ExitFailure
	}
	return ExitOK
}
