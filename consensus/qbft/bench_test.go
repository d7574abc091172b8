package qbft

import (
	"fmt"
	"testing"
	"time"
)

// happyPathInputs are the messages a non-leader receives in a round-0
// happy path: the proposal, then the PREPAREs and COMMITs of all others.
func happyPathInputs(c *tcluster, self uint64) []*SignedMessage {
	msgs := []*SignedMessage{c.proposal(c.leader(0), 0, vA, nil, nil)}
	for k := uint64(1); k <= c.n; k++ {
		if k != self {
			msgs = append(msgs, c.prepare(k, 0, Digest(vA)))
		}
	}
	for k := uint64(1); k <= c.n; k++ {
		if k != self {
			msgs = append(msgs, c.commit(k, 0, Digest(vA)))
		}
	}
	return msgs
}

// BenchmarkReceiveHappyPath measures messages processed per second by one
// instance (checks with real Ed25519 signatures, rules, own signatures),
// feeding a fresh instance every message of a round-0 happy path.
func BenchmarkReceiveHappyPath(b *testing.B) {
	for _, n := range []uint64{4, 10} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			c := newCluster(n)
			self := c.notLeader(0)
			msgs := happyPathInputs(c, self)
			b.ReportAllocs()
			b.ResetTimer()
			processed := 0
			begin := time.Now()
			for k := 0; k < b.N; k++ {
				inst, _ := New(c.cfg(self), c.id, testValidity)
				if _, err := inst.Start(); err != nil {
					b.Fatal(err)
				}
				for _, m := range msgs {
					if _, err := inst.Receive(m); err != nil {
						b.Fatal(err)
					}
					processed++
				}
				if _, _, ok := inst.Decided(); !ok && len(msgs) >= int(2*Quorum(n)-1) {
					b.Fatal("no decision")
				}
			}
			b.ReportMetric(float64(processed)/time.Since(begin).Seconds(), "msgs/s")
			b.ReportMetric(float64(len(msgs)), "msgs/instance")
		})
	}
}

// BenchmarkDecodeReceive adds SSZ decoding (as from the wire) to
// BenchmarkReceiveHappyPath for n=4.
func BenchmarkDecodeReceive(b *testing.B) {
	c := newCluster(4)
	self := c.notLeader(0)
	var encs [][]byte
	for _, m := range happyPathInputs(c, self) {
		enc, _ := m.MarshalSSZ()
		encs = append(encs, enc)
	}
	b.ReportAllocs()
	b.ResetTimer()
	begin := time.Now()
	processed := 0
	for k := 0; k < b.N; k++ {
		inst, _ := New(c.cfg(self), c.id, testValidity)
		_, _ = inst.Start()
		for _, enc := range encs {
			m, err := DecodeSignedMessage(enc)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := inst.Receive(m); err != nil {
				b.Fatal(err)
			}
			processed++
		}
	}
	b.ReportMetric(float64(processed)/time.Since(begin).Seconds(), "msgs/s")
}

// latencyScenario is a synchronous network where every message takes
// exactly one tick: a tick is one message delay, and the round timers are
// counted at 100 ms per message delay (round 0 = 10 delays).
func latencyScenario(n uint64, leaderDown bool) *scenario {
	sc := &scenario{seed: 1, n: n, byz: make([]bool, n), crashAt: make([]int64, n), startAt: make([]int64, n),
		ownAt: make([]int64, n), skew: make([]int64, n), group: make([]int, n), starved: make([]bool, n),
		fixedDelay: 1, delta: 1, maxDelayPre: 1, horizon: 10000}
	for k := range sc.crashAt {
		sc.crashAt[k] = -1
	}
	if leaderDown {
		sc.crashAt[Leader(testID, 0, n)-1] = 0
	}
	return sc
}

// BenchmarkDecisionLatency reports the decision latency, in message delays,
// of the last honest node: the happy path (3: PROPOSAL, PREPARE, COMMIT)
// and a crashed round-0 leader (round 0 times out after 10 delays at 100 ms
// per delay, then ROUND_CHANGE, PROPOSAL, PREPARE, COMMIT).
func BenchmarkDecisionLatency(b *testing.B) {
	for _, tc := range []struct {
		name       string
		leaderDown bool
	}{{"happy", false}, {"leader_failure", true}} {
		for _, n := range []uint64{4, 10} {
			b.Run(fmt.Sprintf("%s/n=%d", tc.name, n), func(b *testing.B) {
				var last int64
				for k := 0; k < b.N; k++ {
					r := newSim(latencyScenario(n, tc.leaderDown)).run()
					if r.liveDone != r.live || r.violation != "" {
						b.Fatalf("%+v", r)
					}
					last = r.lastDecide
				}
				b.ReportMetric(float64(last), "delays")
			})
		}
	}
}

// BenchmarkReceiveLateDecided: a decided instance receiving a late COMMIT
// (most messages of a large cluster's instances arrive after the local
// decision).
func BenchmarkReceiveLateDecided(b *testing.B) {
	c := newCluster(4)
	i := c.instance(b, 1)
	if _, err := i.Start(); err != nil {
		b.Fatal(err)
	}
	if _, err := i.Receive(c.decided(2, 0, vA, c.commits(0, vA, 2, 3, 4))); err != nil {
		b.Fatal(err)
	}
	late := c.commit(4, 0, Digest(vA))
	b.ResetTimer()
	for k := 0; k < b.N; k++ {
		if _, err := i.Receive(late); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReceiveDuplicate: an undecided instance receiving a copy of a
// PREPARE it stored.
func BenchmarkReceiveDuplicate(b *testing.B) {
	c := newCluster(4)
	i := c.instance(b, 1)
	if _, err := i.Start(); err != nil {
		b.Fatal(err)
	}
	p := c.prepare(3, 0, Digest(vA))
	if _, err := i.Receive(p); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for k := 0; k < b.N; k++ {
		if _, err := i.Receive(p); err != nil {
			b.Fatal(err)
		}
	}
}
