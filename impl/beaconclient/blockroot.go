package beaconclient

import (
	"context"

	"github.com/attestantio/go-eth2-client/api"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
)

const epBlockRoot = "GET " + ethnode.PathBlockRoot

// BlockRoot fetches the root of a block (GET /eth/v1/beacon/blocks/{block_id}/root):
// a validator client signs its sync committee message over the head's.
// It is not part of ethnode.BeaconNode: the DV node takes the root from
// the attestation data it agreed on.
func (c *Client) BlockRoot(ctx context.Context, blockID string) (phase0.Root, error) {
	if blockID == "" {
		return phase0.Root{}, invalid("no block id")
	}
	return call(c, ctx, epBlockRoot, false, func(ctx context.Context, n *node) (phase0.Root, error) {
		r, err := n.svc.BeaconBlockRoot(ctx, &api.BeaconBlockRootOpts{Block: blockID})
		if err != nil {
			return phase0.Root{}, err
		}
		if r.Data == nil {
			return phase0.Root{}, invalid("empty block root")
		}
		return *r.Data, nil
	})
}
