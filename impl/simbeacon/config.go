package simbeacon

import (
	"errors"
	"fmt"
	"time"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/bellatrix"

	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// Config describes the simulated chain. The zero value of every field has a
// default, so Config{} is a 64-validator chain with the mainnet config and
// Electra from genesis, 12-second slots on the wall clock, starting now.
type Config struct {
	// Chain is the chain config served at /eth/v1/config/spec (default
	// spec.MainnetConfig()): the committee parameters, the sync committee
	// size and the SSZ shapes of preset-dependent containers. Any config
	// whose values the simulation needs (RequiredValues) works.
	Chain spec.ChainConfig
	// SecondsPerSlot overrides SECONDS_PER_SLOT (default: the config's, or
	// 12). A devnet of DV nodes typically runs 1-second slots.
	SecondsPerSlot uint64
	// SlotsPerEpoch overrides the config's SLOTS_PER_EPOCH (a custom
	// config, as kurtosis-style devnets run).
	SlotsPerEpoch uint64
	// Validators is the number of genesis validators (default 64). Validator
	// i holds the interop key i (spec/bls.InteropSecretKey).
	Validators uint64
	// GenesisTime is the start of slot 0. Zero means the clock's reading at
	// construction, truncated to the second.
	GenesisTime time.Time
	// Forks is the fork schedule. Empty means every fork up to Electra
	// active from genesis and Fulu unscheduled, with mainnet's fork
	// versions (signing.MainnetVersionsFromGenesis).
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
	var err error
	if c.Chain.SlotsPerEpoch == 0 {
		c.Chain = spec.MainnetConfig()
	}
	if c.SlotsPerEpoch > 1024 {
		return c, nil, errors.New("simbeacon: slots per epoch must be at most 1024")
	}
	if c.SlotsPerEpoch != 0 && c.SlotsPerEpoch != c.Chain.SlotsPerEpoch {
		if c.Chain, err = c.Chain.WithSlotsPerEpoch(c.SlotsPerEpoch); err != nil {
			return c, nil, fmt.Errorf("simbeacon: %w", err)
		}
	}
	c.SlotsPerEpoch = c.Chain.SlotsPerEpoch
	table, err := valueTable(c.Chain)
	if err != nil {
		return c, nil, err
	}
	if c.SecondsPerSlot == 0 {
		c.SecondsPerSlot = table["SECONDS_PER_SLOT"]
	}
	if c.SecondsPerSlot == 0 {
		c.SecondsPerSlot = 12
	}
	table["SECONDS_PER_SLOT"] = c.SecondsPerSlot
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
		if c.Forks, err = signing.MainnetVersionsFromGenesis(eth2spec.DataVersionElectra); err != nil {
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
