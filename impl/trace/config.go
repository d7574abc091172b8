package trace

import (
	"errors"
	"fmt"
	"sort"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/names"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// Config is spec/dvc.Config in JSON.
type Config struct {
	// Mode is "remote_signer" or "vc_middleware".
	Mode string `json:"mode"`
	// Preset is PRESET_BASE as the beacon node reported it (informative).
	Preset string `json:"preset"`
	// ChainConfig holds every numeric value of the chain config by its
	// consensus-specs name (spec.ChainConfig.Values): the trace replays
	// with exactly the chain's sizes, whatever its preset was called.
	ChainConfig           map[string]uint64 `json:"chain_config"`
	GenesisValidatorsRoot Hex               `json:"genesis_validators_root"`
	SlotsPerEpoch         uint64            `json:"slots_per_epoch"`
	// Forks is the fork schedule, phase0 first.
	Forks []Fork `json:"forks"`
	// ValidatorIndex is the distributed validator's registry index (its
	// public key is the record's validator).
	ValidatorIndex uint64        `json:"validator_index"`
	ShareIndex     uint64        `json:"share_index"`
	Threshold      int           `json:"threshold"`
	Cluster        Hex           `json:"cluster"`
	PublicShares   []PublicShare `json:"public_shares"`
	// FeeRecipient is the validator's configured fee recipient, absent
	// when none is (spec/dvc.Config.FeeRecipient).
	FeeRecipient Hex `json:"fee_recipient,omitempty"`
}

// Fork is one entry of the fork schedule.
type Fork struct {
	Name    string `json:"name"`
	Version Hex    `json:"version"`
	Epoch   uint64 `json:"epoch"`
}

// PublicShare is the public key share of one co-validator (the peers are
// exactly the share indices listed).
type PublicShare struct {
	Index  uint64 `json:"index"`
	Pubkey Hex    `json:"pubkey"`
}

// EncodeConfig converts a DVC configuration.
func EncodeConfig(cfg *dvc.Config) *Config {
	out := &Config{
		Mode:                  cfg.Mode.String(),
		Preset:                cfg.Chain.ChainConfig().PresetBase,
		ChainConfig:           cfg.Chain.ChainConfig().Values,
		GenesisValidatorsRoot: Hex(cfg.Chain.GenesisValidatorsRoot[:]),
		SlotsPerEpoch:         cfg.Chain.SlotsPerEpoch,
		ValidatorIndex:        uint64(cfg.Validator.Index),
		ShareIndex:            cfg.ShareIndex,
		Threshold:             cfg.Threshold,
		Cluster:               Hex(cfg.Cluster[:]),
	}
	if cfg.FeeRecipient != nil {
		out.FeeRecipient = Hex(cfg.FeeRecipient[:])
	}
	for _, f := range cfg.Chain.Forks.Forks() {
		out.Forks = append(out.Forks, Fork{Name: f.Name.String(), Version: Hex(f.Version[:]), Epoch: uint64(f.Epoch)})
	}
	peers := append([]uint64(nil), cfg.Peers...)
	sort.Slice(peers, func(i, j int) bool { return peers[i] < peers[j] })
	for _, p := range peers {
		pk := cfg.PublicShares[p]
		out.PublicShares = append(out.PublicShares, PublicShare{Index: p, Pubkey: Hex(pk[:])})
	}
	return out
}

// DecodeConfig rebuilds the DVC configuration of validator pk.
func DecodeConfig(c *Config, pk Hex) (*dvc.Config, error) {
	if c == nil {
		return nil, fmt.Errorf("trace: config record without config")
	}
	var mode dvc.Mode
	switch c.Mode {
	case dvc.ModeRemoteSigner.String():
		mode = dvc.ModeRemoteSigner
	case dvc.ModeVCMiddleware.String():
		mode = dvc.ModeVCMiddleware
	default:
		return nil, fmt.Errorf("trace: unknown mode %q", c.Mode)
	}
	if len(c.ChainConfig) == 0 {
		return nil, errors.New("trace: config record without chain_config (written before chain configs were recorded: re-record it)")
	}
	cc, err := spec.NewChainConfig(c.Preset, c.ChainConfig)
	if err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	if c.SlotsPerEpoch != cc.SlotsPerEpoch {
		return nil, fmt.Errorf("trace: slots_per_epoch %d, chain_config SLOTS_PER_EPOCH %d", c.SlotsPerEpoch, cc.SlotsPerEpoch)
	}
	var forks []signing.Fork
	for i, f := range c.Forks {
		v, err := version4(f.Version, "fork version")
		if err != nil {
			return nil, fmt.Errorf("trace: %w", err)
		}
		name := eth2spec.DataVersionPhase0 + eth2spec.DataVersion(i)
		if name.String() != f.Name {
			return nil, fmt.Errorf("trace: fork %d is %q, want %q", i, f.Name, name)
		}
		forks = append(forks, signing.Fork{Name: name, Version: v, Epoch: phase0.Epoch(f.Epoch)})
	}
	sched, err := signing.NewForkSchedule(forks...)
	if err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	gvr, err := root(c.GenesisValidatorsRoot, "genesis validators root")
	if err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	chain, err := signing.NewChain(sched, gvr, cc)
	if err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	vpk, err := pubkey(pk, "validator")
	if err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	cluster, err := root(c.Cluster, "cluster")
	if err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	cfg := &dvc.Config{
		Chain:        chain,
		Validator:    spec.ValidatorIdentity{Pubkey: vpk, Index: phase0.ValidatorIndex(c.ValidatorIndex)},
		ShareIndex:   c.ShareIndex,
		PublicShares: map[uint64]phase0.BLSPubKey{},
		Threshold:    c.Threshold,
		Cluster:      cluster,
		Mode:         mode,
	}
	if c.FeeRecipient != nil {
		if len(c.FeeRecipient) != len(bellatrix.ExecutionAddress{}) {
			return nil, fmt.Errorf("trace: fee recipient of %d bytes, want 20", len(c.FeeRecipient))
		}
		cfg.FeeRecipient = new(bellatrix.ExecutionAddress)
		copy(cfg.FeeRecipient[:], c.FeeRecipient)
	}
	for _, s := range c.PublicShares {
		p, err := pubkey(s.Pubkey, "public share")
		if err != nil {
			return nil, fmt.Errorf("trace: %w", err)
		}
		cfg.Peers = append(cfg.Peers, s.Index)
		cfg.PublicShares[s.Index] = p
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	return cfg, nil
}

// ErrorNames names an error of Step as the dvc vectors do
// (spec/names.Refusal): the spec/dvc rejection ("other" for an error the
// table does not name) and, when documented, the networking or slashing
// reason behind it.
func ErrorNames(err error) (name, cause string) {
	if err == nil {
		return "", ""
	}
	name, cause = names.Refusal("dvc", err)
	if name == "" {
		name = "other"
	}
	return name, cause
}
