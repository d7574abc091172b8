package beaconclient

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/attestantio/go-eth2-client/api"
	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
)

const epSignedBlock = "GET " + ethnode.PathSignedBlockV2

// SignedBeaconBlock fetches a block the beacon node imported:
// GET /eth/v2/beacon/blocks/{block_id} (a root, a slot, "head",
// "finalized" or "genesis").
func (c *Client) SignedBeaconBlock(ctx context.Context, blockID string) (*eth2spec.VersionedSignedBeaconBlock, error) {
	if blockID == "" {
		return nil, invalid("no block id")
	}
	return call(c, ctx, epSignedBlock, false, func(ctx context.Context, n *node) (*eth2spec.VersionedSignedBeaconBlock, error) {
		r, err := n.blockService(ctx).SignedBeaconBlock(ctx, &api.SignedBeaconBlockOpts{Block: blockID})
		if err != nil {
			return nil, err
		}
		if r.Data == nil {
			return nil, errors.New("empty block")
		}
		return r.Data, nil
	})
}

// BlockEventHandler receives block events.
type BlockEventHandler func(ctx context.Context, event *apiv1.BlockEvent)

// SubscribeBlockEvents subscribes to block events (every block the beacon
// node imports, head or not) on every beacon node, and delivers each block
// once, from whichever node reports it first. Like SubscribeHeadEvents it
// fails only if no beacon node accepts the subscription, and retries the
// others in the background.
func (c *Client) SubscribeBlockEvents(ctx context.Context, handler BlockEventHandler) error {
	if handler == nil {
		return invalid("no block event handler")
	}
	subCtx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-c.ctx.Done():
		case <-subCtx.Done():
		}
		cancel()
	}()
	d := newHeadDedup(256)
	deliver := func(ctx context.Context, ev *apiv1.BlockEvent) {
		if ev != nil && d.first(ev.Slot, ev.Block) {
			handler(ctx, ev)
		}
	}
	subscribe := func(n *node) error {
		return n.svc.Events(subCtx, &api.EventsOpts{Topics: []string{"block"}, BlockHandler: deliver})
	}
	var errs []error
	var failed []*node
	for _, n := range c.nodes {
		if err := subscribe(n); err != nil {
			errs = append(errs, newError(n.name, epEvents, err))
			failed = append(failed, n)
		}
	}
	if len(failed) == len(c.nodes) {
		cancel()
		return fmt.Errorf("block events: no beacon node accepted the subscription: %w", errors.Join(errs...))
	}
	for _, n := range failed {
		go func(n *node) {
			for {
				select {
				case <-subCtx.Done():
					return
				case <-time.After(resubscribeEvery):
					if subscribe(n) == nil {
						return
					}
				}
			}
		}(n)
	}
	return nil
}
