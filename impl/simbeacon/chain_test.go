package simbeacon

import (
	"crypto/sha256"
	"encoding/binary"
	"github.com/dvspec/go-dvspec/spec"
	"testing"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"
	dynssz "github.com/pk910/dynamic-ssz"
)

// computeShuffledIndex transcribes consensus-specs compute_shuffled_index
// (phase0 beacon-chain.md) statement by statement, as the reference the
// library is checked against.
func computeShuffledIndex(index, count uint64, seed [32]byte, rounds uint8) uint64 {
	for r := uint8(0); r < rounds; r++ {
		h := sha256.Sum256(append(seed[:], r))
		pivot := binary.LittleEndian.Uint64(h[:8]) % count
		flip := (pivot + count - index) % count
		position := max(index, flip)
		var buf []byte
		buf = append(buf, seed[:]...)
		buf = append(buf, r)
		buf = binary.LittleEndian.AppendUint32(buf, uint32(position/256))
		source := sha256.Sum256(buf)
		byteV := source[(position%256)/8]
		bit := (byteV >> (position % 8)) % 2
		if bit == 1 {
			index = flip
		}
	}
	return index
}

func TestShuffleMatchesSpec(t *testing.T) {
	for _, rounds := range []uint8{10, 90} {
		for _, n := range []uint64{1, 2, 7, 64, 300} {
			c := &chain{n: n, rounds: rounds}
			s := seed(phase0.Epoch(n), [4]byte{1})
			list := c.shuffled(s)
			for i := uint64(0); i < n; i++ {
				want := computeShuffledIndex(i, n, s, rounds)
				if got := c.shuffledIndex(i, n, s); got != want {
					t.Fatalf("rounds %d n %d: PermuteIndex(%d) = %d, spec %d", rounds, n, i, got, want)
				}
				if list[i] != want {
					t.Fatalf("rounds %d n %d: shuffled list[%d] = %d, spec %d", rounds, n, i, list[i], want)
				}
			}
		}
	}
}

func testNode(t *testing.T, cfg Config) *Node {
	t.Helper()
	if cfg.Clock == nil {
		cfg.GenesisTime = time.Unix(1_700_000_000, 0)
		cfg.Clock = NewManualClock(cfg.GenesisTime)
	}
	n, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCommitteeShapes: committees per slot follow
// get_committee_count_per_slot, every validator sits in exactly one
// committee per epoch, the sizes differ by at most one, and two nodes of
// the same configuration agree.
func TestCommitteeShapes(t *testing.T) {
	for _, tc := range []struct {
		preset  string
		n       uint64
		perSlot uint64
	}{
		{"mainnet", 64, 1}, {"mainnet", 8192, 2}, {"mainnet", 300000, 64}, {"minimal", 64, 2}, {"minimal", 512, 4},
	} {
		if tc.n > 1000 {
			// The formula alone; building 300k keys is not the point.
			c := newChain(tc.n, mustTable(t, tc.preset), testNode(t, Config{Validators: 8}).cfg.Forks)
			if got := c.committeesPerSlot(); got != tc.perSlot {
				t.Errorf("%s n=%d: %d committees per slot, want %d", tc.preset, tc.n, got, tc.perSlot)
			}
			continue
		}
		a := testNode(t, Config{Chain: builtin(t, tc.preset), Validators: tc.n})
		b := testNode(t, Config{Chain: builtin(t, tc.preset), Validators: tc.n})
		for _, epoch := range []phase0.Epoch{0, 1, 7} {
			ec := a.chain.epoch(epoch)
			if ec.perSlot != tc.perSlot {
				t.Fatalf("%s n=%d: %d committees per slot, want %d", tc.preset, tc.n, ec.perSlot, tc.perSlot)
			}
			seen := map[phase0.ValidatorIndex]bool{}
			minSize, maxSize := tc.n, uint64(0)
			for k, cm := range ec.committees {
				minSize, maxSize = min(minSize, uint64(len(cm))), max(maxSize, uint64(len(cm)))
				for pos, v := range cm {
					if seen[v] {
						t.Fatalf("validator %d twice in epoch %d", v, epoch)
					}
					seen[v] = true
					d := a.AttesterDuty(v, epoch)
					wantSlot := a.chain.startSlot(epoch) + phase0.Slot(uint64(k)/ec.perSlot)
					if d.Slot != wantSlot || uint64(d.CommitteeIndex) != uint64(k)%ec.perSlot || d.ValidatorCommitteeIndex != uint64(pos) || d.CommitteeLength != uint64(len(cm)) {
						t.Fatalf("duty of %d disagrees with committee %d: %+v", v, k, d)
					}
				}
				if got := b.Committee(a.chain.startSlot(epoch)+phase0.Slot(uint64(k)/ec.perSlot), phase0.CommitteeIndex(uint64(k)%ec.perSlot)); len(got) != len(cm) || (len(cm) > 0 && got[0] != cm[0]) {
					t.Fatal("two nodes of one configuration disagree")
				}
			}
			if uint64(len(seen)) != tc.n || maxSize-minSize > 1 {
				t.Fatalf("epoch %d: %d validators seated, committee sizes %d..%d", epoch, len(seen), minSize, maxSize)
			}
		}
		// Shufflings of different epochs differ.
		if a.chain.epoch(1).committees[0][0] == a.chain.epoch(2).committees[0][0] && a.chain.epoch(2).committees[0][0] == a.chain.epoch(3).committees[0][0] {
			t.Errorf("%s n=%d: the shuffling does not change between epochs", tc.preset, tc.n)
		}
	}
}

func mustTable(t *testing.T, preset string) map[string]uint64 {
	t.Helper()
	tb, err := valueTable(builtin(t, preset))
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// TestProposersAndSyncCommittee: proposers are deterministic and spread
// over the registry; sync committees have SYNC_COMMITTEE_SIZE members and
// change each period; the message committee at the last slot of a period
// is the next period's.
func TestProposersAndSyncCommittee(t *testing.T) {
	n := testNode(t, Config{Chain: spec.MinimalConfig(), Validators: 64})
	m := testNode(t, Config{Chain: spec.MinimalConfig(), Validators: 64})
	distinct := map[phase0.ValidatorIndex]bool{}
	for s := phase0.Slot(0); s < 64; s++ {
		p := n.Proposer(s)
		if p != m.Proposer(s) || uint64(p) >= 64 {
			t.Fatalf("proposer of %d: %d vs %d", s, p, m.Proposer(s))
		}
		distinct[p] = true
	}
	if len(distinct) < 20 {
		t.Fatalf("only %d distinct proposers in 64 slots", len(distinct))
	}
	p0, p1 := n.chain.sync(0), n.chain.sync(1)
	if len(p0.members) != 32 || len(p1.members) != 32 {
		t.Fatalf("sync committee sizes %d %d", len(p0.members), len(p1.members))
	}
	same := 0
	for i := range p0.members {
		if p0.members[i] == p1.members[i] {
			same++
		}
	}
	if same == 32 {
		t.Fatal("sync committee does not change between periods")
	}
	last := n.chain.startSlot(8) - 1 // last slot of period 0 (8 epochs of 8 slots)
	if got := n.SyncCommittee(last); got[0] != p1.members[0] {
		t.Fatal("the last slot of a period is not signed by the next period's committee")
	}
	if got := n.SyncCommittee(last - 1); got[0] != p0.members[0] {
		t.Fatal("the second-to-last slot of a period is not signed by its own committee")
	}
	// A small registry repeats members (i mod n) rather than failing.
	small := testNode(t, Config{Chain: spec.MinimalConfig(), Validators: 5})
	if len(small.chain.sync(0).members) != 32 {
		t.Fatal("a registry smaller than the sync committee")
	}
}

// TestCheckpointsAdvance: source is the previous epoch's boundary, target
// this epoch's, epoch 0 is 0/0, and finality trails by two epochs.
func TestCheckpointsAdvance(t *testing.T) {
	n := testNode(t, Config{Validators: 8})
	d0 := n.AttestationData(5, 0)
	if d0.Source.Epoch != 0 || d0.Target.Epoch != 0 || d0.Source.Root != BlockRoot(0) || d0.Target.Root != BlockRoot(0) {
		t.Fatalf("epoch 0 data %+v", d0)
	}
	for e := phase0.Epoch(1); e < 5; e++ {
		slot := n.chain.startSlot(e) + 3
		d := n.AttestationData(slot, 0)
		if d.Source.Epoch != e-1 || d.Source.Root != BlockRoot(n.chain.startSlot(e-1)) || d.Target.Epoch != e || d.Target.Root != BlockRoot(n.chain.startSlot(e)) || d.BeaconBlockRoot != BlockRoot(slot) {
			t.Fatalf("epoch %d data %+v", e, d)
		}
		if f := n.chain.finalized(e); e >= 2 && f.Epoch != e-2 {
			t.Fatalf("finalized during %d: %d", e, f.Epoch)
		}
	}
	if BlockRoot(1) == BlockRoot(2) || StateRoot(1) == BlockRoot(1) {
		t.Fatal("roots collide")
	}
}

// TestGenesisValidatorsRoot checks the hand-written list merkleization
// against dynamic-ssz hashing a List[Validator, 2^40].
func TestGenesisValidatorsRoot(t *testing.T) {
	type registryList struct {
		Validators []*phase0.Validator `ssz-max:"1099511627776"`
	}
	for _, count := range []uint64{1, 3, 64} {
		n := testNode(t, Config{Validators: count})
		want, err := dynssz.NewDynSsz(nil).HashTreeRoot(&registryList{Validators: n.reg.validators})
		if err != nil {
			t.Fatal(err)
		}
		// A one-field container's root is its field's root.
		if n.GenesisValidatorsRoot() != want {
			t.Fatalf("%d validators: root %#x, dynamic-ssz %#x", count, n.GenesisValidatorsRoot(), want)
		}
	}
}

func TestManualClock(t *testing.T) {
	start := time.Unix(100, 0)
	c := NewManualClock(start)
	a := c.After(2 * time.Second)
	b := c.After(time.Second)
	select {
	case <-a:
		t.Fatal("fired early")
	case <-b:
		t.Fatal("fired early")
	default:
	}
	c.Advance(1500 * time.Millisecond)
	select {
	case <-b:
	default:
		t.Fatal("1s timer did not fire at 1.5s")
	}
	select {
	case <-a:
		t.Fatal("2s timer fired at 1.5s")
	default:
	}
	c.Set(start.Add(5 * time.Second))
	<-a
	if !c.Now().Equal(start.Add(5 * time.Second)) {
		t.Fatal("Now")
	}
	<-c.After(0)
}

// TestSlotClock: slots follow the configured duration from genesis, and
// is_current_slot allows MAXIMUM_GOSSIP_CLOCK_DISPARITY on both sides.
func TestSlotClock(t *testing.T) {
	g := time.Unix(1_700_000_000, 0)
	clock := NewManualClock(g.Add(-time.Hour))
	n := testNode(t, Config{Validators: 8, SecondsPerSlot: 1, SlotsPerEpoch: 4, GenesisTime: g, Clock: clock})
	if n.CurrentSlot() != 0 {
		t.Fatal("before genesis")
	}
	clock.Set(g.Add(9*time.Second + 100*time.Millisecond))
	if n.CurrentSlot() != 9 || n.CurrentEpoch() != 2 {
		t.Fatalf("slot %d epoch %d", n.CurrentSlot(), n.CurrentEpoch())
	}
	if !n.isCurrentSlot(9) || !n.isCurrentSlot(8) || n.isCurrentSlot(7) || n.isCurrentSlot(10) {
		t.Fatal("disparity window at 9.1s")
	}
	clock.Set(g.Add(9*time.Second + 600*time.Millisecond))
	if !n.isCurrentSlot(10) || n.isCurrentSlot(8) {
		t.Fatal("disparity window at 9.6s")
	}
}

func builtin(t testing.TB, preset string) spec.ChainConfig {
	t.Helper()
	c, err := spec.BuiltinConfig(preset)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
