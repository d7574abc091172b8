package node

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/impl/beaconclient"
	"github.com/dvspec/go-dvspec/impl/simbeacon"
)

func bnErr(status int) error {
	return &beaconclient.Error{BeaconNode: "http://bn", Endpoint: "GET /eth/v3/validator/blocks/{slot}", StatusCode: status, Message: "boom", Err: errors.New("boom")}
}

// A 5xx or no answer is retried until the beacon node answers; a 4xx is
// not; nothing is tried once the deadline leaves no time.
func TestRetryUntil(t *testing.T) {
	base := time.Unix(1000, 0)
	var clock atomic.Int64 // simulated milliseconds, advanced by every attempt
	now := func() time.Time { return base.Add(time.Duration(clock.Load()) * time.Millisecond) }
	run := func(deadlineMS int64, answers ...error) (int, error) {
		clock.Store(0)
		tries := 0
		err := retryUntil(context.Background(), base.Add(time.Duration(deadlineMS)*time.Millisecond), now, time.Second, time.Millisecond, 2*time.Millisecond, func(context.Context) error {
			clock.Add(100)
			tries++
			if tries <= len(answers) {
				return answers[tries-1]
			}
			return nil
		})
		return tries, err
	}
	if tries, err := run(10_000, bnErr(500), bnErr(503), bnErr(0)); err != nil || tries != 4 {
		t.Errorf("5xx and no answer: %d tries, %v; want success at the 4th", tries, err)
	}
	if tries, err := run(10_000, bnErr(400)); bnStatus(err) != 400 || tries != 1 {
		t.Errorf("400: %d tries, %v; want one try and the refusal", tries, err)
	}
	if tries, err := run(10_000, errors.New("decode")); err == nil || tries != 1 {
		t.Errorf("a local error: %d tries, %v; want one try", tries, err)
	}
	// Attempts take 100 ms each: with 250 ms there is room for 3.
	if tries, err := run(250, bnErr(500), bnErr(500), bnErr(500), bnErr(500)); bnStatus(err) != 500 || tries != 3 {
		t.Errorf("deadline: %d tries, %v; want 3 and the last 500", tries, err)
	}
}

// Through the real client: a beacon node answering 500 twice and then
// the attestation data gives the data.
func TestRetryThroughBeaconClient(t *testing.T) {
	sb, err := simbeacon.New(simbeacon.Config{Validators: 8, SecondsPerSlot: 1, GenesisTime: time.Now().Add(-10 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/eth/v1/validator/attestation_data") && calls.Add(1) <= 2 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"code":500,"message":"not ready"}`))
			return
		}
		sb.Handler().ServeHTTP(w, r)
	}))
	defer srv.Close()
	c, err := beaconclient.New(beaconclient.Config{URLs: []string{srv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	var data *phase0.AttestationData
	err = retryUntil(context.Background(), time.Now().Add(time.Minute), time.Now, 5*time.Second, time.Millisecond, time.Millisecond, func(ctx context.Context) (err error) {
		data, err = c.ProduceAttestationData(ctx, 5, 0)
		return err
	})
	if err != nil || data == nil || data.Slot != 5 {
		t.Fatalf("data %v, err %v", data, err)
	}
	if calls.Load() != 3 {
		t.Errorf("%d calls, want 3", calls.Load())
	}
}

// A failed duty is blamed on the stage that failed, with the beacon
// node's status where it failed.
func TestFailureReasons(t *testing.T) {
	var got []DutyResult
	now := time.Unix(1000, 0)
	n := &Node{log: slog.New(slog.DiscardHandler), now: func() time.Time { return now }}
	n.cfg.DutyDeadline = time.Second
	n.cfg.OnDuty = func(r DutyResult) { got = append(got, r) }
	tr := newTracker(n)
	P, A, S := consensus.DutyProposer, consensus.DutyAttester, consensus.DutySyncCommittee
	type step func(slot phase0.Slot)
	cases := []struct {
		typ    consensus.DutyType
		steps  []step
		reason string
		detail string
	}{
		{P, nil, ReasonRandaoNotSigned, ""},
		{P, []step{func(s phase0.Slot) { tr.stage(P, 1, s, stageRandaoSigned) }}, ReasonRandaoNotCombined, ""},
		// The case: RANDAO signed, then block production failed
		// with a 500.
		{P, []step{
			func(s phase0.Slot) { tr.stage(P, 1, s, stageRandaoSigned) },
			func(s phase0.Slot) { tr.stage(P, 1, s, stageConsensus) },
			func(s phase0.Slot) { tr.ownValue(P, 1, s, bnErr(500)) },
		}, ReasonBeaconNodeError, "status 500"},
		{A, []step{func(s phase0.Slot) { tr.stage(A, 1, s, stageConsensus) }}, ReasonNoOwnValue, "no answer"},
		{A, []step{
			func(s phase0.Slot) { tr.stage(A, 1, s, stageConsensus) },
			func(s phase0.Slot) { tr.ownValue(A, 1, s, bnErr(0)) },
		}, ReasonNoOwnValue, "boom"},
		{A, []step{
			func(s phase0.Slot) { tr.stage(A, 1, s, stageConsensus) },
			func(s phase0.Slot) { tr.ownValue(A, 1, s, bnErr(500)) },
			func(s phase0.Slot) { tr.ownValue(A, 1, s, nil) },
		}, ReasonNoDecision, ""},
		{P, []step{
			func(s phase0.Slot) { tr.stage(P, 1, s, stageConsensus) },
			func(s phase0.Slot) { tr.ownValue(P, 1, s, nil) },
			func(s phase0.Slot) { tr.ownValueInvalid(P, 1, s, errors.New("slashable against the DB")) },
		}, ReasonOwnValueInvalid, "slashable"},
		{S, []step{func(s phase0.Slot) { tr.stage(S, 1, s, stageDecided) }}, ReasonNotSigned, ""},
		{S, []step{func(s phase0.Slot) { tr.stage(S, 1, s, stageSigned) }}, ReasonSharesNotCombined, ""},
		{A, []step{
			func(s phase0.Slot) { tr.stage(A, 1, s, stageSubmitted) },
			func(s phase0.Slot) { tr.submitFailed(A, 1, s, "bad signature", bnErr(400)) },
		}, ReasonRefusedByBeaconNode, "bad signature"},
		{P, []step{
			func(s phase0.Slot) { tr.stage(P, 1, s, stageSubmitted) },
			func(s phase0.Slot) { tr.submitFailed(P, 1, s, "boom", bnErr(502)) },
		}, ReasonBeaconNodeError, "status 502"},
		{A, []step{func(s phase0.Slot) { tr.stage(A, 1, s, stageSubmitted) }}, ReasonNotAccepted, ""},
	}
	for i, c := range cases {
		slot := phase0.Slot(i + 1)
		got = nil
		tr.start(c.typ, 1, slot, now)
		for _, s := range c.steps {
			s(slot)
		}
		now = now.Add(500 * time.Millisecond)
		tr.expire()
		if len(got) != 0 {
			t.Fatalf("case %d: failed before its deadline", i)
		}
		now = now.Add(600 * time.Millisecond)
		tr.expire()
		if len(got) != 1 || got[0].OK || got[0].Slot != slot {
			t.Fatalf("case %d: outcomes %+v", i, got)
		}
		if got[0].Reason != c.reason || !strings.Contains(got[0].Detail, c.detail) {
			t.Errorf("case %d: reason %q detail %q, want %q with %q", i, got[0].Reason, got[0].Detail, c.reason, c.detail)
		}
	}
	// A block carrying the duty's message: the DV did it, even though this
	// node's own combination never happened.
	tr.start(P, 3, 98, now)
	tr.stage(P, 3, 98, stageSigned)
	tr.onChain(P, 3, 98, now.Add(time.Millisecond))
	now = now.Add(2 * time.Second)
	tr.expire()
	if len(got) != 2 || !got[1].OK || got[1].Slot != 98 {
		t.Fatalf("a duty shown on chain: %+v", got)
	}
	got = got[:1]
	// Accepted: success, not a failure.
	tr.start(A, 2, 99, now)
	tr.accepted(A, 2, 99, now.Add(time.Millisecond))
	if len(got) != 2 || !got[1].OK {
		t.Errorf("accepted duty: %+v", got)
	}
}

// Resends go to the duties at least a slot old and not done.
func TestStuckDuties(t *testing.T) {
	now := time.Unix(1000, 0)
	n := &Node{log: slog.New(slog.DiscardHandler), now: func() time.Time { return now }}
	tr := newTracker(n)
	tr.start(consensus.DutyAttester, 1, 5, now.Add(-1500*time.Millisecond))
	tr.start(consensus.DutyProposer, 1, 6, now.Add(-500*time.Millisecond))
	tr.start(consensus.DutySyncCommittee, 2, 5, now.Add(-time.Second))
	tr.start(consensus.DutyAttester, 3, 5, now.Add(-2*time.Second))
	tr.onChain(consensus.DutyAttester, 3, 5, now)
	got := tr.stuck(now, time.Second)
	want := map[stuckKey]bool{{1, consensus.DutyAttester}: true, {2, consensus.DutySyncCommittee}: true}
	if len(got) != len(want) {
		t.Fatalf("stuck %v, want %v", got, want)
	}
	for k := range want {
		if !got[k] {
			t.Errorf("%v not stuck", k)
		}
	}
}
