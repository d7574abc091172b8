package create

import (
	"context"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/beaconclient"
	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/spec/cluster"
	"github.com/dvspec/go-dvspec/spec/signing"
)

type knownNetwork struct {
	gvr      phase0.Root
	versions [7]phase0.Version
	epochs   [7]phase0.Epoch
}

func root(s string) phase0.Root {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		panic("create: bad root constant " + s)
	}
	return phase0.Root(b)
}

func version(v uint32) phase0.Version {
	return phase0.Version{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
}

// knownNetworks are the public chains a cluster can be created for
// offline: genesis validators root, fork versions and epochs of the
// eth-clients configs (phase0 .. fulu), 32 slots per epoch.
var knownNetworks = map[string]knownNetwork{
	"mainnet": {
		gvr:      root("4b363db94e286120d76eb905340fdd4e54bfe9f06bf33ff6cf5ad27f511bfe95"),
		versions: [7]phase0.Version{version(0x00000000), version(0x01000000), version(0x02000000), version(0x03000000), version(0x04000000), version(0x05000000), version(0x06000000)},
		epochs:   [7]phase0.Epoch{0, 74240, 144896, 194048, 269568, 364032, 411392},
	},
	"sepolia": {
		gvr:      root("d8ea171f3c94aea21ebc42a1ed61052acf3f9209c00e4efbaaddac09ed9b8078"),
		versions: [7]phase0.Version{version(0x90000069), version(0x90000070), version(0x90000071), version(0x90000072), version(0x90000073), version(0x90000074), version(0x90000075)},
		epochs:   [7]phase0.Epoch{0, 50, 100, 56832, 132608, 222464, 272640},
	},
	"hoodi": {
		gvr:      root("212f13fc4df078b6cb7db228f1c8307566dcecf900867401a92023d7ba99cb5f"),
		versions: [7]phase0.Version{version(0x10000910), version(0x20000910), version(0x30000910), version(0x40000910), version(0x50000910), version(0x60000910), version(0x70000910)},
		epochs:   [7]phase0.Epoch{0, 0, 0, 0, 0, 2048, 50688},
	},
}

// NetworkNames lists the names --network accepts.
func NetworkNames() []string {
	out := []string{"devnet"}
	for n := range knownNetworks {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// NetworkByName returns a known network. "devnet" is the chain of the
// embedded simulated beacon node (dvnode devnet) with registrySize
// validators, whose genesis validators root depends on that size.
func NetworkByName(name string, registrySize int) (*cluster.Network, error) {
	if name == "devnet" {
		if registrySize < 1 {
			return nil, fmt.Errorf("--network devnet: the simulated chain's registry size must be at least 1")
		}
		probe, err := simbeacon.New(simbeacon.Config{Validators: uint64(registrySize), GenesisTime: time.Unix(0, 0)})
		if err != nil {
			return nil, fmt.Errorf("--network devnet: %w", err)
		}
		defer probe.Close()
		c := probe.SigningChain()
		return cluster.NetworkFromSchedule("devnet", c.GenesisValidatorsRoot, c.SlotsPerEpoch, c.Forks), nil
	}
	k, ok := knownNetworks[name]
	if !ok {
		return nil, fmt.Errorf("--network %q: want one of %s, or --beacon-node-url", name, strings.Join(NetworkNames(), ", "))
	}
	forks := make([]signing.Fork, 7)
	for i := range forks {
		forks[i] = signing.Fork{Name: eth2spec.DataVersionPhase0 + eth2spec.DataVersion(i), Version: k.versions[i], Epoch: k.epochs[i]}
	}
	s, err := signing.NewForkSchedule(forks...)
	if err != nil {
		return nil, fmt.Errorf("--network %s: %w", name, err)
	}
	return cluster.NetworkFromSchedule(name, k.gvr, 32, s), nil
}

// forkKeys are the /eth/v1/config/spec keys of the forks after phase0.
var forkKeys = []string{"ALTAIR", "BELLATRIX", "CAPELLA", "DENEB", "ELECTRA", "FULU"}

// NetworkFromBeaconNode reads the chain from a beacon node: the genesis
// validators root from /eth/v1/beacon/genesis, and SLOTS_PER_EPOCH, the
// genesis fork version and every <FORK>_FORK_VERSION and _FORK_EPOCH
// from /eth/v1/config/spec, cross-checked with
// /eth/v1/config/fork_schedule. The network is named by CONFIG_NAME.
func NetworkFromBeaconNode(ctx context.Context, url string) (*cluster.Network, error) {
	bn, err := beaconclient.New(beaconclient.Config{URLs: []string{url}})
	if err != nil {
		return nil, fmt.Errorf("--beacon-node-url: %w", err)
	}
	defer bn.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	g, err := bn.Genesis(ctx)
	if err != nil {
		return nil, fmt.Errorf("--beacon-node-url %s: genesis: %w", url, err)
	}
	sp, err := bn.Spec(ctx)
	if err != nil {
		return nil, fmt.Errorf("--beacon-node-url %s: spec: %w", url, err)
	}
	spe, ok := sp["SLOTS_PER_EPOCH"].(uint64)
	if !ok || spe == 0 {
		return nil, fmt.Errorf("--beacon-node-url %s: spec: no valid SLOTS_PER_EPOCH", url)
	}
	gv, ok := sp["GENESIS_FORK_VERSION"].(phase0.Version)
	if !ok {
		return nil, fmt.Errorf("--beacon-node-url %s: spec: no GENESIS_FORK_VERSION", url)
	}
	if gv != g.GenesisForkVersion {
		return nil, fmt.Errorf("--beacon-node-url %s: spec GENESIS_FORK_VERSION %#x, genesis says %#x", url, gv[:], g.GenesisForkVersion[:])
	}
	forks := []signing.Fork{{Name: eth2spec.DataVersionPhase0, Version: gv, Epoch: 0}}
	for i, k := range forkKeys {
		v, vok := sp[k+"_FORK_VERSION"].(phase0.Version)
		e, eok := sp[k+"_FORK_EPOCH"].(uint64)
		if !vok || !eok {
			// A beacon node that does not know a fork knows none after it.
			break
		}
		forks = append(forks, signing.Fork{Name: eth2spec.DataVersionPhase0 + eth2spec.DataVersion(i+1), Version: v, Epoch: phase0.Epoch(e)})
	}
	s, err := signing.NewForkSchedule(forks...)
	if err != nil {
		return nil, fmt.Errorf("--beacon-node-url %s: %w", url, err)
	}
	// The fork schedule endpoint must tell the same story as the spec.
	sched, err := bn.ForkSchedule(ctx)
	if err != nil {
		return nil, fmt.Errorf("--beacon-node-url %s: fork schedule: %w", url, err)
	}
	for _, f := range sched {
		for _, want := range forks {
			if f != nil && f.CurrentVersion == want.Version && f.Epoch != want.Epoch {
				return nil, fmt.Errorf("--beacon-node-url %s: fork %#x at epoch %d in /eth/v1/config/fork_schedule, %d in /eth/v1/config/spec", url, want.Version[:], f.Epoch, want.Epoch)
			}
		}
	}
	name, _ := sp["CONFIG_NAME"].(string)
	if len(name) > cluster.MaxNetworkNameLength {
		name = name[:cluster.MaxNetworkNameLength]
	}
	return cluster.NetworkFromSchedule(name, g.GenesisValidatorsRoot, spe, s), nil
}
