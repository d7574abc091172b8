package qbftrunner

import (
	"sort"
	"testing"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/consensus/qbft"
	"github.com/dvspec/go-dvspec/spec"
)

// net is four runners wired together in one goroutine with a manual clock.
type net struct {
	t       *testing.T
	now     time.Time
	runners []*Runner
	queue   []func()
	timers  []timer
	decided map[uint64][]byte
	down    map[uint64]bool
	slot    phase0.Slot // the nodes' slot clock
}

type timer struct {
	at time.Time
	f  func()
}

func newNet(t *testing.T, n uint64) *net {
	w := &net{t: t, now: time.Unix(1000, 0), decided: map[uint64][]byte{}, down: map[uint64]bool{}, slot: 8}
	for i := uint64(1); i <= n; i++ {
		self := i
		r, err := New(qbft.Config{N: n, Self: i, Signer: qbft.Ed25519Signer{Key: qbft.TestKey(i)}, Verifier: qbft.TestVerifier(n)}, Hooks{
			Broadcast: func(m *qbft.SignedMessage) {
				for j := range w.runners {
					to := uint64(j + 1)
					if to != self && !w.down[self] && !w.down[to] {
						w.queue = append(w.queue, func() { _ = w.runners[to-1].Receive(m) })
					}
				}
			},
			Decide:    func(d qbft.Decide, _ time.Time) { w.decided[self] = d.Value },
			AfterFunc: func(d time.Duration, f func()) { w.timers = append(w.timers, timer{w.now.Add(d), f}) },
			Now:       func() time.Time { return w.now },
			Slot:      func() phase0.Slot { return w.slot },
		}, DefaultLimits(spec.MainnetConfig()))
		if err != nil {
			t.Fatal(err)
		}
		w.runners = append(w.runners, r)
	}
	return w
}

// settle delivers messages, then fires timers in time order, until idle or
// the deadline.
func (w *net) settle(until time.Time) {
	for {
		for len(w.queue) > 0 {
			f := w.queue[0]
			w.queue = w.queue[1:]
			f()
		}
		if len(w.timers) == 0 {
			return
		}
		sort.SliceStable(w.timers, func(i, j int) bool { return w.timers[i].at.Before(w.timers[j].at) })
		next := w.timers[0]
		if next.at.After(until) {
			return
		}
		w.timers = w.timers[1:]
		if next.at.After(w.now) {
			w.now = next.at
		}
		next.f()
	}
}

func acceptAll() qbft.Validity { return func([]byte) error { return nil } }

func TestDecideWithEarlyMessagesAndACrashedLeader(t *testing.T) {
	for _, crashLeader := range []bool{false, true} {
		w := newNet(t, 4)
		id := consensus.InstanceID{Cluster: phase0.Root{1}, DutyType: 1, Slot: 9}
		leader := qbft.Leader(id, 0, 4)
		if crashLeader {
			w.down[leader] = true
		}
		origin := w.now
		// Node 1 starts late: messages reach it before its instance exists.
		order := []uint64{2, 3, 4, 1}
		for _, i := range order {
			if w.down[i] {
				continue
			}
			if err := w.runners[i-1].Start(id, acceptAll(), origin); err != nil {
				t.Fatal(err)
			}
			if err := w.runners[i-1].SetOwnValue(id, []byte{byte(i)}); err != nil {
				t.Fatal(err)
			}
			if i == 2 {
				for len(w.queue) > 0 { // deliver what node 2 sent before node 1 started
					f := w.queue[0]
					w.queue = w.queue[1:]
					f()
				}
				if _, buffered := w.runners[0].Counts(); !crashLeader && leader == 2 && buffered == 0 {
					t.Error("node 1 kept no early message")
				}
			}
		}
		w.settle(origin.Add(20 * time.Second))
		var want []byte
		for i := uint64(1); i <= 4; i++ {
			if w.down[i] {
				continue
			}
			got, ok := w.decided[i]
			if !ok {
				t.Fatalf("crashed leader %v: node %d did not decide", crashLeader, i)
			}
			if want == nil {
				want = got
			} else if string(got) != string(want) {
				t.Fatalf("disagreement: %x vs %x", got, want)
			}
			if crashLeader && w.runners[i-1].Round(id) == 0 {
				t.Errorf("node %d decided in round 0 with the leader down", i)
			}
		}
		if crashLeader && !w.now.After(origin.Add(qbft.RoundDeadline(0)-time.Millisecond)) {
			t.Errorf("decided before the round-0 deadline with the leader down")
		}
	}
}

func TestStopAndPrune(t *testing.T) {
	w := newNet(t, 4)
	id := consensus.InstanceID{DutyType: 1, Slot: 3}
	r := w.runners[0]
	if err := r.Start(id, acceptAll(), w.now); err != nil {
		t.Fatal(err)
	}
	r.Stop(id)
	if r.Active(id) {
		t.Fatal("stopped instance still active")
	}
	msg := &qbft.SignedMessage{Message: qbft.Message{Type: qbft.MsgPrepare, Instance: id, Sender: 2}}
	if err := r.Receive(msg); err != ErrStopped {
		t.Fatalf("message for a stopped instance: %v", err)
	}
	later := consensus.InstanceID{DutyType: 1, Slot: 8}
	if err := r.Receive(&qbft.SignedMessage{Message: qbft.Message{Type: qbft.MsgPrepare, Instance: later, Sender: 2}}); err != ErrBuffered {
		t.Fatalf("early message: %v", err)
	}
	r.Prune(10)
	if _, b := r.Counts(); b != 0 {
		t.Fatalf("%d messages kept after pruning", b)
	}
	if err := r.Receive(&qbft.SignedMessage{Message: qbft.Message{Type: qbft.MsgPrepare, Instance: later, Sender: 2}}); err != ErrStopped {
		t.Fatalf("message below the floor: %v", err)
	}
}
