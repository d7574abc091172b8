package beaconclient

import (
	"context"
	"fmt"
	"time"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// Network is the chain a beacon node serves, as it reports it: genesis
// (/eth/v1/beacon/genesis), chain config and fork schedule
// (/eth/v1/config/spec).
type Network struct {
	GenesisTime           time.Time
	GenesisValidatorsRoot phase0.Root
	SlotDuration          time.Duration
	// ConfigName is CONFIG_NAME (informative; may be empty).
	ConfigName string
	Config     spec.ChainConfig
	Forks      signing.ForkSchedule
}

// Network fetches the beacon node's genesis and configuration.
func (c *Client) Network(ctx context.Context) (*Network, error) {
	g, err := c.Genesis(ctx)
	if err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	sp, err := c.Spec(ctx)
	if err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	return NetworkFromSpec(g, sp)
}

// forkKeys are the /eth/v1/config/spec key prefixes of each fork's version
// and epoch, phase0 (genesis) first, in the order of signing.ForkSchedule.
var forkKeys = []string{"GENESIS", "ALTAIR", "BELLATRIX", "CAPELLA", "DENEB", "ELECTRA", "FULU"}

// NetworkFromSpec builds the Network from a genesis and a spec map as
// go-eth2-client parses /eth/v1/config/spec (integers as uint64, fork
// versions as phase0.Version, durations as time.Duration). Any PRESET_BASE
// is accepted: the chain is its values. A missing or malformed value is an
// error naming it.
func NetworkFromSpec(g *apiv1.Genesis, sp map[string]any) (*Network, error) {
	if g == nil {
		return nil, fmt.Errorf("beacon node: no genesis")
	}
	values := map[string]uint64{}
	for k, v := range sp {
		switch x := v.(type) {
		case uint64:
			values[k] = x
		case time.Duration:
			if k == "SECONDS_PER_SLOT" {
				values[k] = uint64(x / time.Second)
			}
		}
	}
	presetBase, _ := sp["PRESET_BASE"].(string)
	cfg, err := spec.NewChainConfig(presetBase, values)
	if err != nil {
		return nil, fmt.Errorf("beacon node spec: %w", err)
	}
	dur, ok := sp["SECONDS_PER_SLOT"].(time.Duration)
	if s, isInt := sp["SECONDS_PER_SLOT"].(uint64); isInt {
		dur, ok = time.Duration(s)*time.Second, true
	}
	if ms, ok2 := sp["SLOT_DURATION_MS"].(uint64); ok2 && ms > 0 {
		dur, ok = time.Duration(ms)*time.Millisecond, true
	}
	if !ok || dur <= 0 {
		return nil, fmt.Errorf("beacon node spec: SECONDS_PER_SLOT missing")
	}
	genesis, ok := sp["GENESIS_FORK_VERSION"].(phase0.Version)
	if !ok {
		return nil, fmt.Errorf("beacon node spec: GENESIS_FORK_VERSION missing")
	}
	forks := []signing.Fork{{Name: eth2spec.DataVersionPhase0, Version: genesis}}
	for i, name := range forkKeys[1:] {
		version, vok := sp[name+"_FORK_VERSION"].(phase0.Version)
		e, eok := sp[name+"_FORK_EPOCH"].(uint64)
		if !vok && !eok {
			// A beacon node that does not know a fork knows none after it
			// (as dvnode create cluster reads it).
			break
		}
		if !vok || !eok {
			return nil, fmt.Errorf("beacon node spec: %s_FORK_VERSION and %s_FORK_EPOCH: one without the other", name, name)
		}
		forks = append(forks, signing.Fork{Name: eth2spec.DataVersionPhase0 + eth2spec.DataVersion(i+1), Version: version, Epoch: phase0.Epoch(e)})
	}
	sched, err := signing.NewForkSchedule(forks...)
	if err != nil {
		return nil, fmt.Errorf("beacon node spec: %w", err)
	}
	name, _ := sp["CONFIG_NAME"].(string)
	return &Network{
		GenesisTime: g.GenesisTime, GenesisValidatorsRoot: g.GenesisValidatorsRoot, SlotDuration: dur,
		ConfigName: name, Config: cfg, Forks: sched,
	}, nil
}
