package run

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/beaconclient"
	"github.com/dvspec/go-dvspec/spec/cluster"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// ClusterNetwork is what a cluster definition says about its chain.
type ClusterNetwork struct {
	GenesisValidatorsRoot phase0.Root
	SlotsPerEpoch         uint64
	Forks                 signing.ForkSchedule
}

// SameNetwork checks that the beacon node serves the cluster's chain: the
// same genesis validators root, slots per epoch and fork schedule. A node
// on another chain would sign for the wrong domain or compute the wrong
// epochs and miss every duty without a word, so a difference is a
// configuration error naming the field and both values.
func SameNetwork(cluster ClusterNetwork, bn *beaconclient.Network) error {
	if cluster.GenesisValidatorsRoot != bn.GenesisValidatorsRoot {
		return cfgErr("wrong network: genesis validators root: cluster definition %#x, beacon node %#x", cluster.GenesisValidatorsRoot[:], bn.GenesisValidatorsRoot[:])
	}
	if cluster.SlotsPerEpoch != bn.Config.SlotsPerEpoch {
		return cfgErr("wrong network: slots per epoch: cluster definition %d, beacon node %d (SLOTS_PER_EPOCH)", cluster.SlotsPerEpoch, bn.Config.SlotsPerEpoch)
	}
	cf, bf := cluster.Forks.Forks(), bn.Forks.Forks()
	for i := 0; i < max(len(cf), len(bf)); i++ {
		switch {
		case i >= len(cf):
			return cfgErr("wrong network: fork schedule: cluster definition has no %s fork, beacon node %s", bf[i].Name, forkString(bf[i]))
		case i >= len(bf):
			return cfgErr("wrong network: fork schedule: cluster definition %s, beacon node has no %s fork", forkString(cf[i]), cf[i].Name)
		case cf[i] != bf[i]:
			return cfgErr("wrong network: fork schedule: %s: cluster definition %s, beacon node %s", cf[i].Name, forkString(cf[i]), forkString(bf[i]))
		}
	}
	return nil
}

func forkString(f signing.Fork) string {
	if f.Epoch == signing.FarFutureEpoch {
		return fmt.Sprintf("version %#x unscheduled", f.Version[:])
	}
	return fmt.Sprintf("version %#x at epoch %d", f.Version[:], f.Epoch)
}

// logStart states which chain the node runs on and where that came from.
func logStart(log *slog.Logger, def *cluster.Definition, chain signing.Chain, bn *beaconclient.Network, bnName string, genesis time.Time, slot time.Duration) error {
	id, err := def.ID()
	if err != nil {
		return cfgErr("cluster definition: %w", err)
	}
	epoch := phase0.Epoch(0)
	if now := time.Since(genesis); now > 0 {
		epoch = phase0.Epoch(uint64(now/slot) / chain.SlotsPerEpoch)
	}
	fork, err := chain.Forks.ForkAtEpoch(epoch)
	if err != nil {
		return cfgErr("cluster definition network: %w", err)
	}
	log.Info("starting",
		"network", string(def.Network.Name),
		"genesis_validators_root", fmt.Sprintf("%#x", chain.GenesisValidatorsRoot[:]),
		"config_source", fmt.Sprintf("beacon node %s /eth/v1/config/spec (PRESET_BASE %q, CONFIG_NAME %q)", bnName, bn.Config.PresetBase, bn.ConfigName),
		"slots_per_epoch", chain.SlotsPerEpoch,
		"seconds_per_slot", slot.Seconds(),
		"fork", fmt.Sprintf("%s (%#x) at epoch %d", fork.Name, fork.Version[:], epoch),
		"cluster_id", fmt.Sprintf("%#x", id[:]))
	return nil
}
