package node

import (
	"context"
	"sort"
	"time"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
)

// Proposal preparations: a beacon node builds a proposer's block with the
// fee recipient last given to POST /eth/v1/validator/prepare_beacon_proposer
// and forgets it after a few epochs (the beacon-APIs ask validator clients
// to send it every epoch), falling back to its own default. A DV's blocks
// must pay the cluster definition's fee recipient, which every honest
// co-validator's block validity predicate checks (SPEC.md deviation 15), so
// the node prepares at start and at the start of every epoch.

// preparationRetry is the pause between attempts after a failed POST.
const preparationRetry = 2 * time.Second

// preparations lists the fee recipient of every validator of the node, in
// validator index order.
func (n *Node) preparations() []*apiv1.ProposalPreparation {
	out := make([]*apiv1.ProposalPreparation, 0, len(n.list))
	for _, v := range n.list {
		if v.cfg.FeeRecipient == nil {
			continue
		}
		out = append(out, &apiv1.ProposalPreparation{ValidatorIndex: v.index, FeeRecipient: *v.cfg.FeeRecipient})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ValidatorIndex < out[b].ValidatorIndex })
	return out
}

// prepareOnce sends the preparations once.
func (n *Node) prepareOnce(ctx context.Context) error {
	p := n.preparations()
	if len(p) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return n.cfg.BeaconNode.SubmitProposalPreparations(ctx, p)
}

// prepareProposers runs until ctx is done: it sends the preparations now
// and at the start of every epoch, retrying a failure until the next
// epoch starts.
func (n *Node) prepareProposers(ctx context.Context) {
	for {
		now := n.now()
		slot, started := n.clock.SlotAt(now)
		if !started {
			slot = 0
		}
		next := n.clock.SlotStart(n.clock.EpochStart(n.clock.EpochOf(slot) + 1))
		for attempt := 1; ; attempt++ {
			err := n.prepareOnce(ctx)
			if err == nil {
				n.log.Debug("fee recipients prepared", "epoch", n.clock.EpochOf(slot), "validators", len(n.list))
				break
			}
			n.log.Warn("prepare_beacon_proposer failed; retrying", "attempt", attempt, "err", err)
			if !n.now().Add(preparationRetry).Before(next) || !sleepCtx(ctx, preparationRetry) {
				break
			}
		}
		if !sleepCtx(ctx, next.Sub(n.now())) {
			return
		}
	}
}

// sleepCtx waits d; it reports false when ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
