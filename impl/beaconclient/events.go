package beaconclient

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/attestantio/go-eth2-client/api"
	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
)

// resubscribeEvery is how often a beacon node that could not be subscribed
// to is tried again.
const resubscribeEvery = 3 * time.Second

// SubscribeHeadEvents subscribes to head events on every beacon node, so a
// node that dies does not silence the stream, and delivers each head (slot
// and block root) once, from whichever node reports it first. It fails
// only if no beacon node accepts the subscription; nodes that fail are
// retried in the background until ctx is done or the client is closed.
func (c *Client) SubscribeHeadEvents(ctx context.Context, handler ethnode.HeadEventHandler) error {
	if handler == nil {
		return invalid("no head event handler")
	}
	subCtx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-c.ctx.Done():
		case <-subCtx.Done():
		}
		cancel()
	}()
	d := newHeadDedup(64)
	deliver := func(ctx context.Context, ev *apiv1.HeadEvent) {
		if ev != nil && d.first(ev.Slot, ev.Block) {
			handler(ctx, ev)
		}
	}
	var errs []error
	var failed []*node
	for _, n := range c.nodes {
		if err := n.subscribeHead(subCtx, deliver); err != nil {
			errs = append(errs, newError(n.name, epEvents, err))
			failed = append(failed, n)
		}
	}
	if len(failed) == len(c.nodes) {
		cancel()
		return fmt.Errorf("head events: no beacon node accepted the subscription: %w", errors.Join(errs...))
	}
	for _, n := range failed {
		go func(n *node) {
			for {
				select {
				case <-subCtx.Done():
					return
				case <-time.After(resubscribeEvery):
					if n.subscribeHead(subCtx, deliver) == nil {
						return
					}
				}
			}
		}(n)
	}
	return nil
}

func (n *node) subscribeHead(ctx context.Context, deliver func(context.Context, *apiv1.HeadEvent)) error {
	return n.svc.Events(ctx, &api.EventsOpts{
		Topics:      []string{"head"},
		HeadHandler: deliver,
	})
}

// headDedup remembers the last heads delivered.
type headDedup struct {
	mu    sync.Mutex
	seen  map[headKey]bool
	order []headKey
	limit int
}

type headKey struct {
	slot  phase0.Slot
	block phase0.Root
}

func newHeadDedup(limit int) *headDedup {
	return &headDedup{seen: map[headKey]bool{}, limit: limit}
}

// first reports whether this head has not been delivered yet, and marks it.
func (d *headDedup) first(slot phase0.Slot, block phase0.Root) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	k := headKey{slot, block}
	if d.seen[k] {
		return false
	}
	d.seen[k] = true
	d.order = append(d.order, k)
	if len(d.order) > d.limit {
		delete(d.seen, d.order[0])
		d.order = d.order[1:]
	}
	return true
}
