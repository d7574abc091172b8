package simbeacon

import (
	"errors"
	"fmt"
	"time"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/bellatrix"

	"github.com/dvspec/go-dvspec/spec/signing"
)

// Config describes the simulated chain. The zero value of every field has a
// default, so Config{} is a 64-validator mainnet-preset chain with Electra
// from genesis, 12-second slots on the wall clock, starting now.
type Config struct {
	// Preset is "mainnet" (default) or "minimal"; it fixes the committee
	// parameters, the sync committee size and the SSZ shapes of
	// preset-dependent containers.
	Preset string
	// SecondsPerSlot overrides SECONDS_PER_SLOT (default: 12 mainnet,
	// 6 minimal). A devnet of DV nodes typically runs 1-second slots.
	SecondsPerSlot uint64
	// SlotsPerEpoch overrides SLOTS_PER_EPOCH (default: 32 mainnet,
	// 8 minimal).
	SlotsPerEpoch uint64
	// Validators is the number of genesis validators (default 64). Validator
	// i holds the interop key i (spec/bls.InteropSecretKey).
	Validators uint64
	// GenesisTime is the start of slot 0. Zero means the clock's reading at
	// construction, truncated to the second.
	GenesisTime time.Time
	// Forks is the fork schedule. Empty means every fork up to Electra
	// active from genesis and Fulu unscheduled, with the preset's fork
	// versions (signing.MainnetVersionsFromGenesis / MinimalForkSchedule).
	Forks signing.ForkSchedule
	// Clock supplies time (default SystemClock). Tests pass a ManualClock.
	Clock Clock
	// NodeVersion is served by /eth/v1/node/version.
	NodeVersion string
	// DepositChainID and DepositContract are served by
	// /eth/v1/config/deposit_contract and the spec (defaults: chain id 1337
	// and a fixed address, since no real deposit contract exists).
	DepositChainID uint64
	// DepositContract is the address served as the deposit contract.
	DepositContract bellatrix.ExecutionAddress
	// MaxBodyBytes bounds request bodies (default 16 MiB).
	MaxBodyBytes int64
}

// Defaults that Config leaves open.
const (
	defaultValidators  = 64
	defaultChainID     = 1337
	defaultNodeVersion = "simbeacon/go-dvspec (embedded beacon node)"
	defaultMaxBody     = 16 << 20
)

func (c Config) withDefaults() (Config, map[string]uint64, error) {
	if c.Preset == "" {
		c.Preset = "mainnet"
	}
	table, err := presetTable(c.Preset)
	if err != nil {
		return c, nil, err
	}
	if c.SecondsPerSlot == 0 {
		c.SecondsPerSlot = table["SECONDS_PER_SLOT"]
	}
	table["SECONDS_PER_SLOT"] = c.SecondsPerSlot
	if c.SlotsPerEpoch == 0 {
		c.SlotsPerEpoch = table["SLOTS_PER_EPOCH"]
	}
	table["SLOTS_PER_EPOCH"] = c.SlotsPerEpoch
	if c.Validators == 0 {
		c.Validators = defaultValidators
	}
	if c.Validators > 1<<20 {
		return c, nil, fmt.Errorf("simbeacon: %d validators is more than this simulation is built for (2^20)", c.Validators)
	}
	if c.Clock == nil {
		c.Clock = SystemClock{}
	}
	if c.GenesisTime.IsZero() {
		c.GenesisTime = c.Clock.Now().Truncate(time.Second)
	}
	if len(c.Forks.Forks()) == 0 {
		if c.Preset == "minimal" {
			c.Forks, err = signing.MinimalForkSchedule(eth2spec.DataVersionElectra)
		} else {
			c.Forks, err = signing.MainnetVersionsFromGenesis(eth2spec.DataVersionElectra)
		}
		if err != nil {
			return c, nil, err
		}
	}
	if n := len(c.Forks.Forks()); n != int(signing.LatestName) {
		return c, nil, fmt.Errorf("simbeacon: fork schedule has %d forks, want phase0..%s", n, signing.LatestName)
	}
	if c.NodeVersion == "" {
		c.NodeVersion = defaultNodeVersion
	}
	if c.DepositChainID == 0 {
		c.DepositChainID = defaultChainID
	}
	if c.DepositContract == (bellatrix.ExecutionAddress{}) {
		copy(c.DepositContract[:], []byte("dvspec-simbeacon-dc"))
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = defaultMaxBody
	}
	if c.SecondsPerSlot > 3600 || c.SlotsPerEpoch > 1024 {
		return c, nil, errors.New("simbeacon: seconds per slot must be at most 3600 and slots per epoch at most 1024")
	}
	if c.SlotsPerEpoch < 1 {
		return c, nil, errors.New("simbeacon: slots per epoch must be positive")
	}
	return c, table, nil
}
