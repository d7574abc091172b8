package validatorapi

import (
	"context"
	"sync"

	"github.com/attestantio/go-eth2-client/api"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec"
)

// key is one duty of one validator (its validator public key).
type key struct {
	pk   phase0.BLSPubKey
	slot phase0.Slot
}

type attEntry struct {
	duty *spec.AttestationDuty
	data *phase0.AttestationData
}

// cache holds the decided values the node handed over until the VC asks,
// and what the server learnt from the duties it answered. Waiters are woken
// by closing changed.
type cache struct {
	mu        sync.Mutex
	changed   chan struct{}
	atts      map[key]*attEntry
	blocks    map[key]*api.VersionedProposal
	syncs     map[key]*altair.SyncCommitteeContribution
	proposers map[phase0.Slot]phase0.BLSPubKey
	// What the duties answered to the VC say the VC will ask for: the
	// node's validators attesting at a slot (with their committee), and
	// those in the sync committee in an epoch.
	attDuties map[phase0.Slot]map[phase0.BLSPubKey]phase0.CommitteeIndex
	syncVals  map[phase0.Epoch]map[phase0.BLSPubKey]bool
}

func newCache() *cache {
	return &cache{
		changed:   make(chan struct{}),
		atts:      map[key]*attEntry{},
		blocks:    map[key]*api.VersionedProposal{},
		syncs:     map[key]*altair.SyncCommitteeContribution{},
		proposers: map[phase0.Slot]phase0.BLSPubKey{},
		attDuties: map[phase0.Slot]map[phase0.BLSPubKey]phase0.CommitteeIndex{},
		syncVals:  map[phase0.Epoch]map[phase0.BLSPubKey]bool{},
	}
}

// keepSlots is how long values stay: a VC asks within its duty's slot,
// a late one within the next epochs at most.
const keepSlots = 128

// update runs f under the lock, prunes old entries and wakes the waiters.
func (c *cache) update(slot phase0.Slot, f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f()
	if slot > keepSlots {
		old := slot - keepSlots
		for k := range c.atts {
			if k.slot < old {
				delete(c.atts, k)
			}
		}
		for k := range c.blocks {
			if k.slot < old {
				delete(c.blocks, k)
			}
		}
		for k := range c.syncs {
			if k.slot < old {
				delete(c.syncs, k)
			}
		}
		for s := range c.proposers {
			if s < old {
				delete(c.proposers, s)
			}
		}
		for s := range c.attDuties {
			if s < old {
				delete(c.attDuties, s)
			}
		}
	}
	close(c.changed)
	c.changed = make(chan struct{})
}

// wait calls f under the lock until it returns true or ctx ends.
func (c *cache) wait(ctx context.Context, f func() bool) bool {
	for {
		c.mu.Lock()
		if f() {
			c.mu.Unlock()
			return true
		}
		ch := c.changed
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return false
		}
	}
}

// read calls f under the lock.
func (c *cache) read(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f()
}
