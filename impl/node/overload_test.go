package node

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/signing"
)

func electraConfig(t *testing.T) *dvc.Config {
	t.Helper()
	forks, err := signing.MainnetVersionsFromGenesis(eth2spec.DataVersionElectra)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := signing.NewChain(forks, phase0.Root{0x11}, spec.MainnetConfig())
	if err != nil {
		t.Fatal(err)
	}
	return &dvc.Config{Chain: chain}
}

// The shedding rule is the DVC's expiry (A23): with 32-slot epochs from
// Deneb an attestation of slot 40 (epoch 1) is useful to the end of epoch
// 2 (slot 95); a block or sync committee message of slot 40 through slot
// 41.
func TestExpiredAt(t *testing.T) {
	cfg := electraConfig(t)
	for _, c := range []struct {
		d    consensus.DutyType
		now  phase0.Slot
		want bool
	}{
		{consensus.DutyAttester, 41, false},
		{consensus.DutyAttester, 95, false},
		{consensus.DutyAttester, 96, true},
		{consensus.DutyProposer, 41, false},
		{consensus.DutyProposer, 42, true},
		{consensus.DutySyncCommittee, 40, false},
		{consensus.DutySyncCommittee, 41, false},
		{consensus.DutySyncCommittee, 42, true},
		{consensus.DutyAggregator, 1000, false},
		{consensus.DutyType(9), 1000, false},
	} {
		if got := expiredAt(cfg, c.d, 40, c.now); got != c.want {
			t.Errorf("%s of slot 40 at slot %d: expired %v, want %v", c.d, c.now, got, c.want)
		}
	}
}

// The loop runs every waiting input of the first lane before any sync
// committee input, and those before any aggregation input, whatever the
// order they were posted in.
func TestLoopFirstLaneFirst(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := &Node{log: slog.New(slog.DiscardHandler), now: time.Now, inbox: make(chan func(), 16), lowbox: make(chan func(), 16), aggbox: make(chan func(), 16), ctx: ctx}
	var order []string
	n.postLane(consensus.DutySyncCommittee, func() { order = append(order, "sync1") })
	n.postLane(consensus.DutyAttester, func() { order = append(order, "att") })
	n.postLane(consensus.DutyAggregator, func() { order = append(order, "agg") })
	n.postLane(consensus.DutySyncCommittee, func() { order = append(order, "sync2") })
	n.postLane(consensus.DutySyncContribution, func() { order = append(order, "contrib") })
	n.postLane(consensus.DutyProposer, func() { order = append(order, "block") })
	n.postLane(consensus.DutyAggregator, func() { cancel() })
	n.loop(ctx)
	if got := strings.Join(order, ","); got != "att,block,sync1,sync2,agg,contrib" {
		t.Fatalf("order %s, want att,block,sync1,sync2,agg,contrib", got)
	}
}

// Aggregation work does not starve behind a first lane that never
// empties: it gets one turn in aggTurnEvery.
func TestLoopAggregationNotStarved(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := &Node{log: slog.New(slog.DiscardHandler), now: time.Now, inbox: make(chan func(), 4), lowbox: make(chan func(), 4), aggbox: make(chan func(), 4), ctx: ctx}
	first := 0
	var busy func()
	busy = func() {
		first++
		if first > 100*aggTurnEvery {
			cancel() // starved
			return
		}
		n.inbox <- busy // the first lane always has work
	}
	n.inbox <- busy
	aggAt := -1
	n.postLane(consensus.DutyAggregator, func() {
		aggAt = first
		cancel()
	})
	n.loop(ctx)
	if aggAt < 0 {
		t.Fatalf("the aggregation input did not run in %d first-lane inputs", first)
	}
	if aggAt > aggTurnEvery {
		t.Fatalf("the aggregation input ran after %d first-lane inputs, want at most %d", aggAt, aggTurnEvery)
	}
}

// A node that shed work says so once per epoch, at the epoch's first slot,
// with the numbers; an epoch without shed work or long queues is quiet.
func TestOverloadReportOncePerEpoch(t *testing.T) {
	var buf bytes.Buffer
	cfg := electraConfig(t)
	n := &Node{log: slog.New(slog.NewTextHandler(&buf, nil)), inbox: make(chan func(), 16), lowbox: make(chan func(), 16), aggbox: make(chan func(), 16)}
	n.cfg.Chain = cfg.Chain
	for i := 0; i < 3; i++ {
		n.shedMessage(MsgShare)
	}
	n.shedDuty()
	for s := phase0.Slot(33); s < 64; s++ {
		n.reportOverload(s)
	}
	if buf.Len() != 0 {
		t.Fatalf("report before the epoch ended: %s", buf.String())
	}
	n.reportOverload(64)
	line := buf.String()
	if strings.Count(line, "cannot keep up") != 1 || !strings.Contains(line, "shed_total=4") || !strings.Contains(line, "shed_shares=3") ||
		!strings.Contains(line, "shed_duty_inputs=1") || !strings.Contains(line, "epoch=1") {
		t.Fatalf("report %q", line)
	}
	buf.Reset()
	for s := phase0.Slot(65); s <= 96; s++ {
		n.reportOverload(s)
	}
	if buf.Len() != 0 {
		t.Fatalf("report of a quiet epoch: %s", buf.String())
	}
}
