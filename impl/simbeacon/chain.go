package simbeacon

import (
	"crypto/sha256"
	"encoding/binary"
	"sync"

	"github.com/attestantio/go-eth2-client/spec/phase0"
	shuffle "github.com/protolambda/eth2-shuffle"

	"github.com/dvspec/go-dvspec/spec/signing"
)

// Tags of the deterministic roots. README.md gives the formulas; any
// implementation that wants to reproduce the simulated chain needs them.
const (
	tagBlockRoot = "dvspec-simbeacon-block-root"
	tagStateRoot = "dvspec-simbeacon-state-root"
	tagRandaoMix = "dvspec-simbeacon-randao-mix"
	tagExecBlock = "dvspec-simbeacon-execution-block"
)

func taggedRoot(tag string, v uint64) phase0.Root {
	buf := make([]byte, 0, len(tag)+8)
	buf = append(buf, tag...)
	buf = binary.LittleEndian.AppendUint64(buf, v)
	return sha256.Sum256(buf)
}

// BlockRoot is the root of the simulated block at slot: every slot has a
// block, and its root is sha256(tag || uint64_le(slot)). The chain never
// forks, so a slot identifies its block.
func BlockRoot(slot phase0.Slot) phase0.Root { return taggedRoot(tagBlockRoot, uint64(slot)) }

// StateRoot is the root of the simulated post-state of slot.
func StateRoot(slot phase0.Slot) phase0.Root { return taggedRoot(tagStateRoot, uint64(slot)) }

// randaoMix stands in for the RANDAO mix get_seed reads for epoch.
func randaoMix(epoch phase0.Epoch) phase0.Root { return taggedRoot(tagRandaoMix, uint64(epoch)) }

// seed is consensus-specs get_seed with the synthetic mix:
// sha256(domain_type || uint64_le(epoch) || mix(epoch)).
func seed(epoch phase0.Epoch, domain phase0.DomainType) [32]byte {
	mix := randaoMix(epoch)
	buf := make([]byte, 0, 4+8+32)
	buf = append(buf, domain[:]...)
	buf = binary.LittleEndian.AppendUint64(buf, uint64(epoch))
	buf = append(buf, mix[:]...)
	return sha256.Sum256(buf)
}

func sha256Fn(in []byte) []byte {
	h := sha256.Sum256(in)
	return h[:]
}

// chain derives everything about the simulated chain from the epoch or
// slot: committees, proposers, sync committees, checkpoints. Results are
// cached per epoch (per period for sync committees), so a request costs a
// map lookup after the first one of its epoch.
type chain struct {
	n                uint64
	slotsPerEpoch    uint64
	maxCommittees    uint64
	targetCommittee  uint64
	rounds           uint8
	syncSize         uint64
	syncSubnets      uint64
	epochsPerPeriod  uint64
	forks            signing.ForkSchedule
	mu               sync.Mutex
	committees       map[phase0.Epoch]*epochCommittees
	syncCommittees   map[uint64]*syncCommittee
	committeesMaxAge int
}

// epochCommittees is the shuffling of one epoch.
type epochCommittees struct {
	perSlot    uint64
	committees [][]phase0.ValidatorIndex // by (slot % SLOTS_PER_EPOCH) * perSlot + index
	duty       []assignment              // by validator index
	proposers  []phase0.ValidatorIndex   // by slot % SLOTS_PER_EPOCH
}

type assignment struct {
	slot      phase0.Slot
	committee phase0.CommitteeIndex
	position  uint64
	length    uint64
}

// syncCommittee is the sync committee of one period.
type syncCommittee struct {
	members   []phase0.ValidatorIndex
	positions map[phase0.ValidatorIndex][]uint64
}

func newChain(n uint64, table map[string]uint64, forks signing.ForkSchedule) *chain {
	return &chain{
		n:                n,
		slotsPerEpoch:    table["SLOTS_PER_EPOCH"],
		maxCommittees:    table["MAX_COMMITTEES_PER_SLOT"],
		targetCommittee:  table["TARGET_COMMITTEE_SIZE"],
		rounds:           uint8(table["SHUFFLE_ROUND_COUNT"]),
		syncSize:         table["SYNC_COMMITTEE_SIZE"],
		syncSubnets:      table["SYNC_COMMITTEE_SUBNET_COUNT"],
		epochsPerPeriod:  table["EPOCHS_PER_SYNC_COMMITTEE_PERIOD"],
		forks:            forks,
		committees:       map[phase0.Epoch]*epochCommittees{},
		syncCommittees:   map[uint64]*syncCommittee{},
		committeesMaxAge: 8,
	}
}

func (c *chain) epochOf(slot phase0.Slot) phase0.Epoch {
	return phase0.Epoch(uint64(slot) / c.slotsPerEpoch)
}

func (c *chain) startSlot(epoch phase0.Epoch) phase0.Slot {
	return phase0.Slot(uint64(epoch) * c.slotsPerEpoch)
}

func (c *chain) fork(epoch phase0.Epoch) signing.Fork {
	f, _ := c.forks.ForkAtEpoch(epoch) // a validated schedule always answers
	return f
}

// committeesPerSlot is consensus-specs get_committee_count_per_slot.
func (c *chain) committeesPerSlot() uint64 {
	return max(1, min(c.maxCommittees, c.n/c.slotsPerEpoch/c.targetCommittee))
}

// shuffled returns the active validators (all of them) in shuffled order:
// out[i] = indices[compute_shuffled_index(i, n, seed)].
func (c *chain) shuffled(s [32]byte) []uint64 {
	out := make([]uint64, c.n)
	for i := range out {
		out[i] = uint64(i)
	}
	// UnshuffleList yields out[i] = in[compute_shuffled_index(i)], the order
	// compute_committee reads; shuffle_test.go checks this against a direct
	// transcription of compute_shuffled_index.
	shuffle.UnshuffleList(sha256Fn, out, c.rounds, s)
	return out
}

// shuffledIndex is consensus-specs compute_shuffled_index.
func (c *chain) shuffledIndex(index, count uint64, s [32]byte) uint64 {
	return shuffle.PermuteIndex(sha256Fn, c.rounds, index, count, s)
}

// epoch returns the (cached) committees and proposers of epoch.
func (c *chain) epoch(epoch phase0.Epoch) *epochCommittees {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ec, ok := c.committees[epoch]; ok {
		return ec
	}
	ec := c.compute(epoch)
	if len(c.committees) >= c.committeesMaxAge {
		// Keep the cache small: evict the epoch farthest from this one.
		var far phase0.Epoch
		var farDist uint64
		for e := range c.committees {
			d := uint64(e - epoch)
			if e < epoch {
				d = uint64(epoch - e)
			}
			if d >= farDist {
				far, farDist = e, d
			}
		}
		delete(c.committees, far)
	}
	c.committees[epoch] = ec
	return ec
}

func (c *chain) compute(epoch phase0.Epoch) *epochCommittees {
	perSlot := c.committeesPerSlot()
	count := perSlot * c.slotsPerEpoch
	order := c.shuffled(seed(epoch, signing.DomainBeaconAttester))
	ec := &epochCommittees{
		perSlot:    perSlot,
		committees: make([][]phase0.ValidatorIndex, count),
		duty:       make([]assignment, c.n),
		proposers:  make([]phase0.ValidatorIndex, c.slotsPerEpoch),
	}
	start := c.startSlot(epoch)
	for k := uint64(0); k < count; k++ {
		// compute_committee: the k-th of count equal slices.
		lo, hi := c.n*k/count, c.n*(k+1)/count
		members := make([]phase0.ValidatorIndex, 0, hi-lo)
		slot := start + phase0.Slot(k/perSlot)
		ci := phase0.CommitteeIndex(k % perSlot)
		for pos, i := range order[lo:hi] {
			members = append(members, phase0.ValidatorIndex(i))
			ec.duty[i] = assignment{slot: slot, committee: ci, position: uint64(pos), length: hi - lo}
		}
		ec.committees[k] = members
	}
	proposerSeed := seed(epoch, signing.DomainBeaconProposer)
	for i := uint64(0); i < c.slotsPerEpoch; i++ {
		slot := start + phase0.Slot(i)
		buf := append(proposerSeed[:0:0], proposerSeed[:]...)
		buf = binary.LittleEndian.AppendUint64(buf, uint64(slot))
		// compute_proposer_index with every effective balance at
		// MAX_EFFECTIVE_BALANCE accepts its first candidate.
		ec.proposers[i] = phase0.ValidatorIndex(c.shuffledIndex(0, c.n, sha256.Sum256(buf)))
	}
	return ec
}

// committee returns the committee (slot, index), or nil if there is none.
func (c *chain) committee(slot phase0.Slot, index phase0.CommitteeIndex) []phase0.ValidatorIndex {
	ec := c.epoch(c.epochOf(slot))
	if uint64(index) >= ec.perSlot {
		return nil
	}
	return ec.committees[(uint64(slot)%c.slotsPerEpoch)*ec.perSlot+uint64(index)]
}

func (c *chain) proposer(slot phase0.Slot) phase0.ValidatorIndex {
	return c.epoch(c.epochOf(slot)).proposers[uint64(slot)%c.slotsPerEpoch]
}

func (c *chain) period(epoch phase0.Epoch) uint64 { return uint64(epoch) / c.epochsPerPeriod }

// sync returns the (cached) sync committee of a period.
func (c *chain) sync(period uint64) *syncCommittee {
	c.mu.Lock()
	defer c.mu.Unlock()
	if sc, ok := c.syncCommittees[period]; ok {
		return sc
	}
	s := seed(phase0.Epoch(period*c.epochsPerPeriod), signing.DomainSyncCommittee)
	sc := &syncCommittee{members: make([]phase0.ValidatorIndex, c.syncSize), positions: map[phase0.ValidatorIndex][]uint64{}}
	for i := uint64(0); i < c.syncSize; i++ {
		// get_next_sync_committee_indices with equal maximal balances:
		// every candidate is accepted, so position i holds the validator at
		// shuffled position i mod n.
		v := phase0.ValidatorIndex(c.shuffledIndex(i%c.n, c.n, s))
		sc.members[i] = v
		sc.positions[v] = append(sc.positions[v], i)
	}
	if len(c.syncCommittees) >= 4 {
		for p := range c.syncCommittees {
			if p+2 < period || p > period+2 {
				delete(c.syncCommittees, p)
			}
		}
	}
	c.syncCommittees[period] = sc
	return sc
}

// syncForMessageSlot is the committee whose members sign at slot: the
// committee of slot+1's period (altair get_sync_subcommittee_pubkeys:
// members of a period sign from the last slot of the previous period).
func (c *chain) syncForMessageSlot(slot phase0.Slot) *syncCommittee {
	return c.sync(c.period(c.epochOf(slot + 1)))
}

func (c *chain) subcommitteeSize() uint64 { return c.syncSize / c.syncSubnets }

// checkpoint of the boundary block of epoch.
func (c *chain) checkpoint(epoch phase0.Epoch) *phase0.Checkpoint {
	return &phase0.Checkpoint{Epoch: epoch, Root: BlockRoot(c.startSlot(epoch))}
}

// justified is the current justified checkpoint during epoch: the previous
// epoch's boundary (the genesis checkpoint in epochs 0 and 1).
func (c *chain) justified(epoch phase0.Epoch) *phase0.Checkpoint {
	if epoch == 0 {
		return c.checkpoint(0)
	}
	return c.checkpoint(epoch - 1)
}

// previousJustified is the justified checkpoint one epoch earlier.
func (c *chain) previousJustified(epoch phase0.Epoch) *phase0.Checkpoint {
	if epoch < 2 {
		return c.checkpoint(0)
	}
	return c.checkpoint(epoch - 2)
}

// finalized is the finalized checkpoint during epoch: two epochs back.
func (c *chain) finalized(epoch phase0.Epoch) *phase0.Checkpoint {
	return c.previousJustified(epoch)
}

// attestationData is what an honest attester of slot signs here.
func (c *chain) attestationData(slot phase0.Slot, index phase0.CommitteeIndex) *phase0.AttestationData {
	epoch := c.epochOf(slot)
	return &phase0.AttestationData{
		Slot:            slot,
		Index:           index,
		BeaconBlockRoot: BlockRoot(slot),
		Source:          c.justified(epoch),
		Target:          c.checkpoint(epoch),
	}
}

// dependentRoot is the block root at slot-1 of start, or the genesis block
// root when that underflows (beacon-APIs dependent_root).
func (c *chain) dependentRoot(start phase0.Slot) phase0.Root {
	if start == 0 {
		return BlockRoot(0)
	}
	return BlockRoot(start - 1)
}

func (c *chain) attesterDependentRoot(epoch phase0.Epoch) phase0.Root {
	if epoch == 0 {
		return BlockRoot(0)
	}
	return c.dependentRoot(c.startSlot(epoch - 1))
}

func (c *chain) proposerDependentRoot(epoch phase0.Epoch) phase0.Root {
	return c.dependentRoot(c.startSlot(epoch))
}
