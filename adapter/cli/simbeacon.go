package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/dvspec/go-dvspec/adapter/simserve"
)

func cmdSimbeacon(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dvnode simbeacon", flag.ContinueOnError)
	fs.SetOutput(stderr)
	vals := fs.Int("validators", 8, "validators of the simulated chain (interop keys 0..V-1)")
	count := fs.Int("count-validators", 0, "count the duties of validators 0..N-1 only (default: all; the others run elsewhere)")
	listen := fs.String("listen", "127.0.0.1:5052", "address of the beacon API")
	slots := fs.Uint64("slots", 16, "number of slots to count; the server exits after them (plus 2 slots of grace)")
	sps := fs.Uint64("seconds-per-slot", 1, "slot length in seconds")
	preset := fs.String("preset", "mainnet", "mainnet or minimal")
	spe := fs.Uint64("slots-per-epoch", 0, "SLOTS_PER_EPOCH (default: the preset's)")
	ksOut := fs.String("keystores-out", "", "write the validators' EIP-2335 keystores and password.txt into this directory, for splitting")
	delay := fs.Duration("genesis-delay", 0, "time from start to genesis, for splitting keys and starting nodes (default 180s)")
	noSync := fs.Bool("no-sync", false, "leave sync committee duties out of the table")
	quiet := fs.Bool("quiet", false, "no per-slot progress lines")
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "dvnode simbeacon: unexpected argument %q\n", fs.Arg(0))
		return ExitUsage
	}
	cfg := simserve.Config{
		Validators: *vals, CountValidators: *count, Listen: *listen, Slots: *slots, SecondsPerSlot: *sps,
		Preset: *preset, SlotsPerEpoch: *spe, KeystoresOut: *ksOut, GenesisDelay: *delay, NoSync: *noSync, Out: stdout,
	}
	if *quiet {
		cfg.Out = io.Discard
	}
	res, err := simserve.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "dvnode simbeacon:", err)
		if errors.Is(err, simserve.ErrConfig) {
			return ExitUsage
		}
		return ExitFailure
	}
	res.Print(stdout)
	if res.Failed() {
		return ExitFailure
	}
	return ExitOK
}
