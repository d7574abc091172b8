// Package simserve is dvnode simbeacon: the simulated beacon node
// (impl/simbeacon) as a standalone server that any DV node — this one or
// another implementation — can be pointed at. It can write the EIP-2335
// keystores of its interop validators for splitting, serves the beacon API
// for a number of slots, and then prints the duty table of dvnode devnet
// (adapter/dutytable), counted from what it verified and accepted.
package simserve

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/dvspec/go-dvspec/adapter/dutytable"
	"github.com/dvspec/go-dvspec/impl/keys"
	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// Config describes a run.
type Config struct {
	// Validators is the chain's validator count; validator i holds interop
	// key i.
	Validators int
	// CountValidators is how many validators (0..CountValidators-1) the
	// duty table counts (default: all): the ones a DV cluster runs when
	// other validator clients run the rest.
	CountValidators int
	// Listen is the beacon API's address (default 127.0.0.1:5052; port 0
	// picks a free one).
	Listen string
	// Slots is how many slots are counted; the server stops Grace slots
	// after the last one.
	Slots          uint64
	SecondsPerSlot uint64
	// Preset is mainnet or minimal; SlotsPerEpoch overrides the preset's
	// (0: the preset's).
	Preset        string
	SlotsPerEpoch uint64
	// KeystoresOut, when set, receives keystore-<i>.json for every
	// validator i, all encrypted with the password in password.txt (also
	// copied to keystore-<i>.txt, the per-keystore convention of other
	// tools).
	KeystoresOut string
	// KDF protects the keystores (zero: keys.KDFInsecureFast, since
	// interop keys are public anyway).
	KDF keys.KDF
	// GenesisDelay is how long after start genesis is: the time operators
	// have to split the keys and start their nodes (default 180 s: scrypt
	// keystores cost about a second each to write and to read).
	GenesisDelay time.Duration
	// Grace is how many slots after the last one acceptances still count
	// (default 2).
	Grace  uint64
	NoSync bool
	// Out receives the start line, per-slot progress and nothing else;
	// the caller prints the Result.
	Out io.Writer
	// OnListen, when set, is called with the bound address once the
	// beacon API is served.
	OnListen func(addr string)
}

// Result is a run's outcome.
type Result struct {
	dutytable.Table
	Offences []simbeacon.Offence
	Addr     string
}

// Failed reports whether the run failed: a duty not accepted, or anything
// slashable submitted.
func (r *Result) Failed() bool { return r.Total.Failed > 0 || len(r.Offences) > 0 }

// Print writes the duty table, the DUTY lines, any SLASHABLE lines and the
// SUMMARY line.
func (r *Result) Print(out io.Writer) {
	r.Table.Print(out)
	dutytable.PrintOffences(out, r.Offences)
	r.Table.PrintSummary(out)
}

// ErrConfig marks a bad configuration: a flag out of range, an address
// that cannot be listened on, a keystore directory that cannot be written.
var ErrConfig = errors.New("bad configuration")

func (c *Config) defaults() error {
	if err := c.check(); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return nil
}

func (c *Config) check() error {
	if c.Validators < 1 {
		return errors.New("simbeacon: --validators must be at least 1")
	}
	if c.CountValidators == 0 {
		c.CountValidators = c.Validators
	}
	if c.CountValidators < 0 || c.CountValidators > c.Validators {
		return fmt.Errorf("simbeacon: --count-validators %d: want 1..%d (--validators)", c.CountValidators, c.Validators)
	}
	if c.Slots < 1 {
		return errors.New("simbeacon: --slots must be at least 1")
	}
	if c.SecondsPerSlot < 1 {
		return errors.New("simbeacon: --seconds-per-slot must be at least 1 (the simulated beacon node keeps whole seconds)")
	}
	if c.Preset != "" && c.Preset != "mainnet" && c.Preset != "minimal" {
		return fmt.Errorf("simbeacon: --preset %q: want mainnet or minimal", c.Preset)
	}
	if c.Listen == "" {
		c.Listen = "127.0.0.1:5052"
	}
	if c.KDF == (keys.KDF{}) {
		c.KDF = keys.KDFInsecureFast
	}
	if c.GenesisDelay < 0 {
		return fmt.Errorf("simbeacon: --genesis-delay %s is negative", c.GenesisDelay)
	}
	if c.GenesisDelay == 0 {
		c.GenesisDelay = 180 * time.Second
	}
	if c.Grace == 0 {
		c.Grace = 2
	}
	if c.Out == nil {
		c.Out = io.Discard
	}
	return nil
}

// chain is the simulated chain's config (a built-in one, with
// SlotsPerEpoch if set) and fork schedule (empty: simbeacon's default,
// mainnet versions; the minimal ones for the minimal config).
func (c *Config) chain() (spec.ChainConfig, signing.ForkSchedule, error) {
	return simbeacon.BuiltinChain(c.Preset, c.SlotsPerEpoch)
}

// Run serves the simulated beacon node until its slots and the grace
// period are over, or ctx is done (then it returns ctx's error and no
// result).
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	// The beacon API reports genesis in whole seconds.
	genesis := time.Now().Add(cfg.GenesisDelay).Truncate(time.Second).Add(time.Second)
	chain, forks, err := cfg.chain()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	sb, err := simbeacon.New(simbeacon.Config{
		Validators: uint64(cfg.Validators), SecondsPerSlot: cfg.SecondsPerSlot, GenesisTime: genesis,
		Chain: chain, Forks: forks,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	defer sb.Close()
	if cfg.KeystoresOut != "" {
		if err := WriteKeystores(cfg.KeystoresOut, cfg.Validators, cfg.KDF); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
	}
	addr, err := sb.ListenAndServe(cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("%w: --listen: %w", ErrConfig, err)
	}
	c := sb.Config()
	fmt.Fprintf(cfg.Out, "simbeacon: beacon API http://%s; %d validators (%d counted), %s preset, %d slots per epoch, %d-s slots, %d slots; genesis %s (in %s); genesis validators root %#x\n",
		addr, cfg.Validators, cfg.CountValidators, c.Chain.PresetBase, c.SlotsPerEpoch, c.SecondsPerSlot, cfg.Slots,
		genesis.UTC().Format(time.RFC3339), time.Until(genesis).Round(time.Second), sb.GenesisValidatorsRoot())
	if cfg.KeystoresOut != "" {
		fmt.Fprintf(cfg.Out, "simbeacon: keystores of validators 0..%d in %s (password in %s)\n", cfg.Validators-1, cfg.KeystoresOut, filepath.Join(cfg.KeystoresOut, PasswordFile))
	}
	if cfg.OnListen != nil {
		cfg.OnListen(addr)
	}
	duties := dutytable.Assigned(sb, dutytable.Selection{Validators: cfg.CountValidators, Slots: cfg.Slots, NoSync: cfg.NoSync})
	slotDur := time.Duration(c.SecondsPerSlot) * time.Second
	for slot := uint64(0); slot <= cfg.Slots+cfg.Grace; slot++ {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Until(genesis.Add(time.Duration(slot) * slotDur))):
		}
		if slot > 0 {
			dutytable.Progress(cfg.Out, sb.AllAccepted(), duties, slot-1, cfg.Slots)
		}
	}
	return &Result{Table: *dutytable.Summarize(sb.AllAccepted(), duties), Offences: sb.Offences(), Addr: addr}, nil
}

// PasswordFile is the name of the keystores' password file.
const PasswordFile = "password.txt"

// KeystoreName is the file name of validator i's keystore.
func KeystoreName(i int) string { return fmt.Sprintf("keystore-%d.json", i) }

// WriteKeystores writes the EIP-2335 keystores of interop validators
// 0..n-1 into dir (created if needed), encrypted with one new random
// password written to PasswordFile, and, per keystore, keystore-<i>.txt
// with the same password. Existing files of those names are replaced.
func WriteKeystores(dir string, n int, kdf keys.KDF) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("simbeacon: --keystores-out: %w", err)
	}
	var pw [16]byte
	if _, err := rand.Read(pw[:]); err != nil {
		return err
	}
	password := hex.EncodeToString(pw[:])
	if err := os.WriteFile(filepath.Join(dir, PasswordFile), []byte(password+"\n"), 0o600); err != nil {
		return fmt.Errorf("simbeacon: --keystores-out: %w", err)
	}
	for i := 0; i < n; i++ {
		sk, err := bls.InteropSecretKey(uint64(i))
		if err != nil {
			return err
		}
		ks, err := keys.EncryptKeystore(sk, password, kdf, nil, fmt.Sprintf("simbeacon interop validator %d", i), "")
		if err != nil {
			return err
		}
		base := filepath.Join(dir, KeystoreName(i))
		if err := keys.WriteKeystoreFile(base, ks); err != nil {
			return fmt.Errorf("simbeacon: --keystores-out: %w", err)
		}
		txt := base[:len(base)-len(".json")] + ".txt"
		if err := os.WriteFile(txt, []byte(password+"\n"), 0o600); err != nil {
			return fmt.Errorf("simbeacon: --keystores-out: %w", err)
		}
	}
	return nil
}
