package qbftrunner

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/consensus/qbft"
	"github.com/dvspec/go-dvspec/spec"
)

// proposal is a validly signed round-0 proposal of sender for id with
// value.
// The instance's validator key is varied until sender leads round 0, as a
// byzantine co-validator would choose its instances.
func proposal(t testing.TB, sender uint64, id consensus.InstanceID, value []byte) *qbft.SignedMessage {
	t.Helper()
	for k := 0; qbft.Leader(id, 0, 4) != sender; k++ {
		id.Validator[47] = byte(k)
	}
	m := &qbft.SignedMessage{Message: qbft.Message{Type: qbft.MsgProposal, Instance: id, Round: 0, Sender: sender, Digest: qbft.Digest(value)}, Value: value}
	sig, err := qbft.Sign(&m.Message, qbft.Ed25519Signer{Key: qbft.TestKey(sender)})
	if err != nil {
		t.Fatal(err)
	}
	m.Signature = sig
	c := qbft.Checker{ID: id, N: 4, Verifier: qbft.TestVerifier(4)}
	if err := c.ValidateMessage(m); err != nil {
		t.Fatalf("the test's proposal is not valid: %v", err)
	}
	return m
}

type dropLog struct {
	from   []uint64
	reason []error
}

func limitedRunner(t *testing.T, slot *phase0.Slot, l Limits, drops *dropLog) *Runner {
	t.Helper()
	r, err := New(qbft.Config{N: 4, Self: 1, Signer: qbft.Ed25519Signer{Key: qbft.TestKey(1)}, Verifier: qbft.TestVerifier(4)}, Hooks{
		Broadcast: func(*qbft.SignedMessage) {},
		Decide:    func(qbft.Decide, time.Time) {},
		AfterFunc: func(time.Duration, func()) {},
		Now:       func() time.Time { return time.Unix(0, 0) },
		Slot:      func() phase0.Slot { return *slot },
		Dropped: func(from uint64, _ consensus.InstanceID, reason error) {
			drops.from = append(drops.from, from)
			drops.reason = append(drops.reason, reason)
		},
	}, l)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestFarFutureProposalsAreNotKept reproduces the memory attack of issue
// 17: a byzantine co-validator sends 100 validly signed round-0 proposals
// with 10 MiB values for slots beyond 10^9. None is kept, each is refused
// with its reason and the heap does not grow by what was sent.
func TestFarFutureProposalsAreNotKept(t *testing.T) {
	slot := phase0.Slot(1000)
	var drops dropLog
	r := limitedRunner(t, &slot, DefaultLimits(spec.MainnetConfig()), &drops)
	value := make([]byte, 10<<20)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := range 100 {
		for _, d := range []consensus.DutyType{consensus.DutyProposer, consensus.DutyAttester} {
			value[0] = byte(i)
			id := consensus.InstanceID{Validator: phase0.BLSPubKey{1}, DutyType: uint64(d), Slot: 1_000_000_000 + phase0.Slot(i)}
			err := r.Receive(proposal(t, 2, id, value))
			want := ErrOutsideWindow
			if d == consensus.DutyAttester {
				want = ErrValueTooLarge
			}
			if !errors.Is(err, want) {
				t.Fatalf("proposal %d (%s): %v, want %v", i, d, err, want)
			}
		}
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if msgs, bytes, _, _ := r.Buffered(2); msgs != 0 || bytes != 0 {
		t.Fatalf("%d messages (%d bytes) kept", msgs, bytes)
	}
	if len(drops.reason) != 200 || drops.from[0] != 2 {
		t.Fatalf("%d drops reported (first from %v), want 200 from node 2", len(drops.reason), drops.from[:1])
	}
	// 2 GiB were sent; what stays is the test's own 10 MiB value.
	grown := int64(after.HeapInuse) - int64(before.HeapInuse)
	t.Logf("heap in use: %d MiB before, %d MiB after 200 proposals of 10 MiB", before.HeapInuse>>20, after.HeapInuse>>20)
	if grown > 16<<20 {
		t.Fatalf("heap grew by %d MiB", grown>>20)
	}
}

// TestSenderBudget sends large proposals for instances inside the window:
// the sender keeps at most its budget, another sender is not affected, and
// the budget comes back when the instances start.
func TestSenderBudget(t *testing.T) {
	slot := phase0.Slot(1000)
	l := DefaultLimits(spec.MainnetConfig())
	var drops dropLog
	r := limitedRunner(t, &slot, l, &drops)
	value := make([]byte, 10<<20)
	var ids []consensus.InstanceID
	kept := 0
	for i := range 100 {
		value[0] = byte(i)
		id := consensus.InstanceID{Validator: phase0.BLSPubKey{byte(i)}, DutyType: uint64(consensus.DutyProposer), Slot: 1001}
		m := proposal(t, 2, id, value)
		switch err := r.Receive(m); {
		case errors.Is(err, ErrBuffered):
			kept++
			ids = append(ids, m.Message.Instance)
		case errors.Is(err, ErrSenderBudget):
		default:
			t.Fatalf("proposal %d: %v", i, err)
		}
	}
	_, _, fromMsgs, fromBytes := r.Buffered(2)
	if fromBytes > l.PerSenderBytes || kept != fromMsgs || kept == 0 || kept >= 100 {
		t.Fatalf("sender kept %d messages, %d bytes; budget %d bytes", fromMsgs, fromBytes, l.PerSenderBytes)
	}
	// Node 3's small messages still fit.
	small := consensus.InstanceID{Validator: phase0.BLSPubKey{1}, DutyType: uint64(consensus.DutyAttester), Slot: 999}
	if err := r.Receive(proposal(t, 3, small, make([]byte, 128))); !errors.Is(err, ErrBuffered) {
		t.Fatalf("another sender's message: %v", err)
	}
	// Starting the instances delivers the kept messages and frees the budget.
	for _, id := range ids {
		if err := r.Start(id, acceptAll(), time.Unix(0, 0)); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, m, b := r.Buffered(2); m != 0 || b != 0 {
		t.Fatalf("after the instances started node 2 still has %d messages, %d bytes", m, b)
	}
}

// TestWindowMovesWithTheClock: messages kept for slots the clock has left
// behind stop counting against their sender once it is over budget.
func TestWindowMovesWithTheClock(t *testing.T) {
	slot := phase0.Slot(100)
	l := DefaultLimits(spec.MainnetConfig())
	l.PerSenderMessages = 2
	var drops dropLog
	r := limitedRunner(t, &slot, l, &drops)
	for i := range 3 {
		id := consensus.InstanceID{Validator: phase0.BLSPubKey{byte(i)}, DutyType: uint64(consensus.DutyAttester), Slot: 100}
		err := r.Receive(proposal(t, 2, id, []byte{byte(i)}))
		if want := map[bool]error{true: ErrBuffered, false: ErrSenderBudget}[i < 2]; !errors.Is(err, want) {
			t.Fatalf("message %d: %v, want %v", i, err, want)
		}
	}
	slot = 100 + l.Behind + 1
	id := consensus.InstanceID{Validator: phase0.BLSPubKey{9}, DutyType: uint64(consensus.DutyAttester), Slot: slot}
	if err := r.Receive(proposal(t, 2, id, []byte{9})); !errors.Is(err, ErrBuffered) {
		t.Fatalf("after the clock moved: %v", err)
	}
	if msgs, _, m, _ := r.Buffered(2); msgs != 1 || m != 1 {
		t.Fatalf("kept %d messages (%d of node 2), want only the new one", msgs, m)
	}
	old := consensus.InstanceID{DutyType: uint64(consensus.DutyAttester), Slot: slot - l.Behind - 1}
	if err := r.Receive(proposal(t, 3, old, []byte{1})); !errors.Is(err, ErrOutsideWindow) {
		t.Fatalf("message behind the window: %v", err)
	}
	ahead := consensus.InstanceID{DutyType: uint64(consensus.DutyAttester), Slot: slot + l.Ahead + 1}
	if err := r.Receive(proposal(t, 3, ahead, []byte{1})); !errors.Is(err, ErrOutsideWindow) {
		t.Fatalf("message ahead of the window: %v", err)
	}
}

func TestLimitsValidate(t *testing.T) {
	for name, mut := range map[string]func(*Limits){
		"PerSenderMessages": func(l *Limits) { l.PerSenderMessages = 0 },
		"PerSenderBytes":    func(l *Limits) { l.PerSenderBytes = -1 },
		"MaxValue":          func(l *Limits) { l.MaxValue = nil },
	} {
		l := DefaultLimits(spec.MainnetConfig())
		mut(&l)
		err := l.Validate()
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := DefaultLimits(spec.MinimalConfig()).Validate(); err != nil {
		t.Fatal(err)
	}
	// consensus-specs sizes: AttestationData 8+8+32+2*(8+32) = 128 bytes;
	// SyncCommitteeContribution 8+32+8+bits+96, bits 512/4/8 = 16 bytes on
	// mainnet, 32/4/8 = 1 on minimal.
	for name, tc := range map[string]struct {
		cfg        spec.ChainConfig
		att, syncC int
	}{"mainnet": {spec.MainnetConfig(), 128, 160}, "minimal": {spec.MinimalConfig(), 128, 145}} {
		mv := DefaultMaxValue(tc.cfg)
		if mv[consensus.DutyAttester] != tc.att || mv[consensus.DutySyncCommittee] != tc.syncC {
			t.Errorf("%s: limits %v, want attester %d, sync committee %d", name, mv, tc.att, tc.syncC)
		}
	}
}
