package qbft

import (
	"crypto/sha256"
	"encoding/binary"
	"time"

	"github.com/dvspec/go-dvspec/consensus"
)

// Limits. They bound every SSZ list of this package and the memory of an
// instance; they are part of the hash tree roots of the containers.
const (
	// MaxNodes bounds N, the number of nodes of a cluster, and every
	// justification list (= MAX_CO_VALIDATORS of SPEC.md).
	MaxNodes = 256
	// MaxRound is the highest round a message may carry; a message for a
	// higher round is rejected and a node at MaxRound ignores its timeout.
	// With the timer schedule below round MaxRound ends 375 s (about 31
	// slots) after the instance's origin, later than any duty is useful.
	MaxRound = 64
	// MaxValueSize bounds a value (beacon MAX_PAYLOAD_SIZE, 10 MiB).
	MaxValueSize = 10 * 1024 * 1024
	// MaxSnapshotMessages bounds Snapshot.Messages and Snapshot.Values:
	// (MaxRound+1) rounds * MaxNodes senders * 4 stored types < 2^17.
	MaxSnapshotMessages = 1 << 17
)

// Quorum is the Dafny quorum(n) = floor((2n-1)/3) + 1, which equals
// ceil(2n/3) (spec.Threshold) for every n >= 1 and the paper's
// ceil((n+f+1)/2) for every n from 1 to 19. It returns 0 for n = 0.
func Quorum(n uint64) uint64 {
	if n == 0 {
		return 0
	}
	return (2*n-1)/3 + 1
}

// F is the Dafny f(n) = floor((n-1)/3): the number of byzantine nodes a
// cluster of n nodes tolerates (spec.Faulty). It returns 0 for n = 0.
func F(n uint64) uint64 {
	if n == 0 {
		return 0
	}
	return (n - 1) / 3
}

// Leader is the proposer of round r of instance id in a cluster of n nodes
// (the Dafny proposer(round, blockchain), made per duty). It returns a node
// index 1..n (0 when n = 0):
//
//	s      = uint64_le(sha256(id.Cluster || id.Validator || uint64_le(id.DutyType))[0:8])
//	leader = 1 + ((s mod n) + (id.Slot mod n) + (r mod n)) mod n
//
// Consecutive rounds rotate through all n nodes (so among any f+1
// consecutive rounds one has an honest leader), consecutive slots shift the
// rotation (as Dafny's offset by the previous block's proposer and charon's
// slot + duty type), and s spreads the validators and duty types of one slot
// over different leaders.
func Leader(id consensus.InstanceID, r uint64, n uint64) uint64 {
	if n == 0 {
		return 0
	}
	s := leaderSeed(id)
	return 1 + (s%n+uint64(id.Slot)%n+r%n)%n
}

func leaderSeed(id consensus.InstanceID) uint64 {
	var buf [32 + 48 + 8]byte
	copy(buf[0:32], id.Cluster[:])
	copy(buf[32:80], id.Validator[:])
	binary.LittleEndian.PutUint64(buf[80:], id.DutyType)
	h := sha256.Sum256(buf[:])
	return binary.LittleEndian.Uint64(h[0:8])
}

// Round timer schedule.
const (
	// RoundTimeoutBase is the length of round 0.
	RoundTimeoutBase = 1 * time.Second
	// RoundTimeoutIncrement is added per round.
	RoundTimeoutIncrement = 1 * time.Second
	// RoundTimeoutMax caps the length of a round.
	RoundTimeoutMax = 6 * time.Second
)

// RoundTimeout is the length of round r (the Dafny roundTimeout(r), the
// paper's t(r)):
//
//	RoundTimeout(r) = min(1 s + r * 1 s, 6 s)
//
// so rounds last 1, 2, 3, 4, 5, 6, 6, ... seconds. Round 0 is short because a
// duty must finish within its slot; the growth lets a slow network catch up
// (partial synchrony needs rounds longer than the unknown delay bound); the
// cap keeps a node that is behind from waiting long once the network heals.
// See RoundDeadline for when a round ends.
func RoundTimeout(r uint64) time.Duration {
	if r >= uint64((RoundTimeoutMax-RoundTimeoutBase)/RoundTimeoutIncrement) {
		return RoundTimeoutMax
	}
	return RoundTimeoutBase + time.Duration(r)*RoundTimeoutIncrement
}

// RoundDeadline is the time, counted from the instance's origin, at which
// round r ends: the sum of RoundTimeout(0..r). Deadlines are cumulative, as
// in the Dafny model (whose timer is not reset on a timeout or a round
// jump): every node that is in round r times out at the same moment whatever
// way it entered the round, so honest nodes stay in step after the network
// heals. The origin is a time all nodes agree on (for a duty: its start in
// the slot clock, e.g. the slot start for a proposer duty). Rounds above
// MaxRound end with MaxRound.
//
//	RoundDeadline(r) = (r+1)(r+2)/2 s           for r <= 4
//	RoundDeadline(r) = 15 s + (r-4) * 6 s       for r >= 4
func RoundDeadline(r uint64) time.Duration {
	if r > MaxRound {
		r = MaxRound
	}
	var d time.Duration
	for i := uint64(0); i <= r; i++ {
		d += RoundTimeout(i)
	}
	return d
}
