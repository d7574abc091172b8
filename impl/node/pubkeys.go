package node

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// pubkeyCache keeps the registry's public keys by validator index for the
// life of the process (a validator's key never changes), so that the
// aggregation runtime asks the beacon node only for the indices it has
// not seen: the committees of an epoch name every active validator, and
// asking for all of them each epoch (a 300,000-validator registry: a
// JSON answer of about 100 MB per node, above the endpoint's read limit)
// took the simulated beacon node and the cluster down at 10,000
// validators. Safe for the fetch goroutines.
type pubkeyCache struct {
	mu   sync.Mutex
	keys map[phase0.ValidatorIndex]phase0.BLSPubKey
}

// pubkeyChunk is the most indices one POST validators request asks for
// (about 2.5 MB of JSON, well within the endpoint's read limit).
const pubkeyChunk = 8192

func newPubkeyCache() *pubkeyCache {
	return &pubkeyCache{keys: map[phase0.ValidatorIndex]phase0.BLSPubKey{}}
}

// get returns the known keys of indices and the indices not known yet
// (each once, ascending).
func (c *pubkeyCache) get(indices []phase0.ValidatorIndex) (map[phase0.ValidatorIndex]phase0.BLSPubKey, []phase0.ValidatorIndex) {
	c.mu.Lock()
	defer c.mu.Unlock()
	known := make(map[phase0.ValidatorIndex]phase0.BLSPubKey, len(indices))
	var missing []phase0.ValidatorIndex
	for _, vi := range indices {
		if pk, ok := c.keys[vi]; ok {
			known[vi] = pk
		} else {
			missing = append(missing, vi)
		}
	}
	return known, slices.Compact(slices.Sorted(slices.Values(missing)))
}

func (c *pubkeyCache) put(vals map[phase0.ValidatorIndex]*apiv1.Validator) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for vi, v := range vals {
		if v != nil && v.Validator != nil {
			c.keys[vi] = v.Validator.PublicKey
		}
	}
}

// validatorKeys returns the public keys of indices: from the cache, the
// rest from the beacon node in chunks (each retried within deadline). An
// index the beacon node does not know is an error naming it.
func (n *Node) validatorKeys(deadline time.Time, indices []phase0.ValidatorIndex) (map[phase0.ValidatorIndex]phase0.BLSPubKey, error) {
	known, missing := n.pubkeys.get(indices)
	for len(missing) > 0 {
		ask := missing[:min(len(missing), pubkeyChunk)]
		missing = missing[len(ask):]
		var vals map[phase0.ValidatorIndex]*apiv1.Validator
		err := n.retryBeaconNode(deadline, "validators", func(ctx context.Context) (err error) {
			vals, err = n.cfg.BeaconNode.Validators(ctx, "head", ask, nil)
			return err
		})
		if err != nil {
			return nil, err
		}
		n.pubkeys.put(vals)
		for _, vi := range ask {
			v := vals[vi]
			if v == nil || v.Validator == nil {
				return nil, fmt.Errorf("validator %d unknown to the beacon node", vi)
			}
			known[vi] = v.Validator.PublicKey
		}
	}
	return known, nil
}
