package metrics

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(body)
}

// TestHealthEndpoints: /livez and /readyz answer 200 "ok" when healthy and
// 503 with every reason otherwise.
func TestHealthEndpoints(t *testing.T) {
	var live error
	var reasons []string
	h := Handler(nil, Health{Live: func() error { return live }, Ready: func() []string { return reasons }})
	for _, path := range []string{"/livez", "/readyz"} {
		if code, body := get(t, h, path); code != http.StatusOK || body != "ok\n" {
			t.Errorf("%s healthy: %d %q", path, code, body)
		}
	}
	live = errors.New("event loop stuck for 12s")
	reasons = []string{"beacon node not reachable", "1 peers connected, 2 needed for the threshold"}
	if code, body := get(t, h, "/livez"); code != http.StatusServiceUnavailable || !strings.Contains(body, "stuck") {
		t.Errorf("/livez stuck: %d %q", code, body)
	}
	code, body := get(t, h, "/readyz")
	if code != http.StatusServiceUnavailable {
		t.Errorf("/readyz not ready: status %d", code)
	}
	for _, r := range reasons {
		if !strings.Contains(body, r) {
			t.Errorf("/readyz body %q lacks the reason %q", body, r)
		}
	}
	if code, _ := get(t, h, "/metrics"); code != http.StatusNotFound {
		t.Errorf("/metrics without metrics: status %d, want 404", code)
	}
}

// TestMetricsExposition: what the node records shows up under its names
// and labels, and a nil *Metrics (a node without metrics) is a no-op.
func TestMetricsExposition(t *testing.T) {
	var none *Metrics
	none.Duty("attester", true, "", time.Second)
	none.Signed("attestation", time.Millisecond, nil)
	none.Slot(3)

	m := New(2, func() int { return 3 }, func() int { return 7 })
	m.Duty("attester", true, "", 150*time.Millisecond)
	m.Duty("proposer", false, "no_decision", 0)
	m.Decided("attester", 100*time.Millisecond, 1)
	m.Signed("attestation", 2*time.Millisecond, errors.New("refused"))
	m.Step("received_attestation_share", "rejected_share")
	m.Dropped("qbft", "bad_signature")
	m.Slot(42)
	code, body := get(t, Handler(m, Health{}), "/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d", code)
	}
	for _, want := range []string{
		`dvnode_duties_total{node="2",outcome="success",reason="",type="attester"} 1`,
		`dvnode_duties_total{node="2",outcome="failed",reason="no_decision",type="proposer"} 1`,
		`dvnode_duty_latency_seconds_count{node="2",type="attester"} 1`,
		`dvnode_consensus_rounds_count{node="2",type="attester"} 1`,
		`dvnode_signing_errors_total{kind="attestation",node="2"} 1`,
		`dvnode_dvc_step_errors_total{event="received_attestation_share",kind="rejected_share",node="2"} 1`,
		`dvnode_p2p_messages_dropped_total{node="2",protocol="qbft",reason="bad_signature"} 1`,
		`dvnode_slot{node="2"} 42`,
		`dvnode_peers_connected{node="2"} 3`,
		`dvnode_event_queue_length{node="2"} 7`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, `dvnode_duty_latency_seconds_count{node="2",type="proposer"}`) {
		t.Error("a failed duty's latency was observed")
	}
}
