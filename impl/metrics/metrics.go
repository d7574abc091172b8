// Package metrics holds a DV node's Prometheus metrics and serves them with
// the health endpoints:
//
//	GET /metrics   Prometheus text format
//	GET /livez     200 while the node's event loop is turning (503 otherwise)
//	GET /readyz    200 when the node can do duties: beacon node answered,
//	               signer up, enough peers connected (503 with the reasons)
//
// Every method of Metrics accepts a nil receiver, so a node without
// metrics passes nil.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are one node's metrics, registered in their own registry (an
// in-process devnet runs several nodes).
type Metrics struct {
	Registry *prometheus.Registry

	duties          *prometheus.CounterVec
	dutyLatency     *prometheus.HistogramVec
	dutyPhase       *prometheus.HistogramVec
	consensusTime   *prometheus.HistogramVec
	consensusRounds *prometheus.HistogramVec
	timeouts        *prometheus.CounterVec
	signLatency     *prometheus.HistogramVec
	signErrors      *prometheus.CounterVec
	bnErrors        *prometheus.CounterVec
	steps           *prometheus.CounterVec
	stepErrors      *prometheus.CounterVec
	ignored         *prometheus.CounterVec
	received        *prometheus.CounterVec
	dropped         *prometheus.CounterVec
	queueDropped    *prometheus.CounterVec
	slot            prometheus.Gauge
	vcRequests      *prometheus.CounterVec
}

// New creates the metrics of a node. peers, when set, reports the number
// of connected cluster peers; queue the length of the event loop's queue.
func New(node uint64, peers func() int, queue func() int) *Metrics {
	reg := prometheus.NewRegistry()
	labels := prometheus.Labels{"node": fmt.Sprint(node)}
	f := func(name, help string) prometheus.Opts {
		return prometheus.Opts{Namespace: "dvnode", Name: name, Help: help, ConstLabels: labels}
	}
	h := func(name, help string, buckets []float64) prometheus.HistogramOpts {
		return prometheus.HistogramOpts{Namespace: "dvnode", Name: name, Help: help, ConstLabels: labels, Buckets: buckets}
	}
	lat := []float64{.01, .025, .05, .1, .2, .3, .5, .75, 1, 1.5, 2, 3, 5, 8, 12, 20}
	m := &Metrics{
		Registry:        reg,
		duties:          prometheus.NewCounterVec(prometheus.CounterOpts(f("duties_total", "Duties by type and outcome (success: this node's submission was accepted by its beacon node; failed: deadline passed without it).")), []string{"type", "outcome", "reason"}),
		dutyLatency:     prometheus.NewHistogramVec(h("duty_latency_seconds", "From the duty's start in slot time to the beacon node accepting this node's submission.", lat), []string{"type"}),
		dutyPhase:       prometheus.NewHistogramVec(h("duty_phase_seconds", "From the duty's start in slot time to the moment a succeeded duty reached each phase on this node (started, consensus, value, decided, signed, combined, accepted): where its latency went.", []float64{.001, .0025, .005, .01, .025, .05, .1, .2, .3, .5, .75, 1, 2, 4, 8, 12}), []string{"type", "phase"}),
		consensusTime:   prometheus.NewHistogramVec(h("consensus_duration_seconds", "From the duty's start in slot time to the QBFT decision.", lat), []string{"type"}),
		consensusRounds: prometheus.NewHistogramVec(h("consensus_rounds", "Round in which QBFT decided.", []float64{0, 1, 2, 3, 4, 6, 8, 16}), []string{"type"}),
		timeouts:        prometheus.NewCounterVec(prometheus.CounterOpts(f("consensus_timeouts_total", "QBFT round timer expiries.")), []string{"type"}),
		signLatency:     prometheus.NewHistogramVec(h("signing_latency_seconds", "Slashing-DB record plus remote-signer call.", []float64{.0005, .001, .002, .005, .01, .02, .05, .1, .25, .5, 1, 2}), []string{"kind"}),
		signErrors:      prometheus.NewCounterVec(prometheus.CounterOpts(f("signing_errors_total", "Refused or failed signing requests.")), []string{"kind"}),
		bnErrors:        prometheus.NewCounterVec(prometheus.CounterOpts(f("beacon_node_errors_total", "Failed beacon-node calls.")), []string{"call"}),
		steps:           prometheus.NewCounterVec(prometheus.CounterOpts(f("dvc_steps_total", "Events given to the DVC state machine.")), []string{"event"}),
		stepErrors:      prometheus.NewCounterVec(prometheus.CounterOpts(f("dvc_step_errors_total", "Events the DVC state machine rejected.")), []string{"event", "kind"}),
		ignored:         prometheus.NewCounterVec(prometheus.CounterOpts(f("dvc_ignored_total", "Ignored outputs of the DVC state machine by reason.")), []string{"reason"}),
		received:        prometheus.NewCounterVec(prometheus.CounterOpts(f("p2p_messages_received_total", "Messages received from peers.")), []string{"protocol"}),
		dropped:         prometheus.NewCounterVec(prometheus.CounterOpts(f("p2p_messages_dropped_total", "Messages dropped by this node (undecodable, failed checks, unknown validator, queue full).")), []string{"protocol", "reason"}),
		queueDropped:    prometheus.NewCounterVec(prometheus.CounterOpts(f("queue_dropped_total", "Items a full internal queue dropped, by queue.")), []string{"queue"}),
		slot:            prometheus.NewGauge(prometheus.GaugeOpts(f("slot", "Current slot."))),
		vcRequests:      prometheus.NewCounterVec(prometheus.CounterOpts(f("vc_requests_total", "Requests of the validator client to the validator API (VC-middleware mode), by endpoint (\"proxy\": passed to the beacon node) and HTTP status.")), []string{"endpoint", "status"}),
	}
	reg.MustRegister(m.duties, m.dutyLatency, m.dutyPhase, m.consensusTime, m.consensusRounds, m.timeouts, m.signLatency, m.signErrors,
		m.bnErrors, m.steps, m.stepErrors, m.ignored, m.received, m.dropped, m.queueDropped, m.slot, m.vcRequests)
	if peers != nil {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts(f("peers_connected", "Connected cluster peers.")), func() float64 { return float64(peers()) }))
	}
	if queue != nil {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts(f("event_queue_length", "Inputs waiting for the event loop.")), func() float64 { return float64(queue()) }))
	}
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Duty counts a finished duty.
func (m *Metrics) Duty(typ string, ok bool, reason string, latency time.Duration) {
	if m == nil {
		return
	}
	outcome := "success"
	if !ok {
		outcome = "failed"
	} else {
		m.dutyLatency.WithLabelValues(typ).Observe(latency.Seconds())
	}
	m.duties.WithLabelValues(typ, outcome, reason).Inc()
}

// Phase records when a succeeded duty reached a phase, from its start.
func (m *Metrics) Phase(typ, phase string, at time.Duration) {
	if m != nil {
		m.dutyPhase.WithLabelValues(typ, phase).Observe(at.Seconds())
	}
}

// Decided records a QBFT decision.
func (m *Metrics) Decided(typ string, since time.Duration, round uint64) {
	if m == nil {
		return
	}
	m.consensusTime.WithLabelValues(typ).Observe(since.Seconds())
	m.consensusRounds.WithLabelValues(typ).Observe(float64(round))
}

// Timeout counts a round timer expiry.
func (m *Metrics) Timeout(typ string) {
	if m != nil {
		m.timeouts.WithLabelValues(typ).Inc()
	}
}

// Signed records a signing request.
func (m *Metrics) Signed(kind string, d time.Duration, err error) {
	if m == nil {
		return
	}
	if err != nil {
		m.signErrors.WithLabelValues(kind).Inc()
		return
	}
	m.signLatency.WithLabelValues(kind).Observe(d.Seconds())
}

// BNError counts a failed beacon-node call.
func (m *Metrics) BNError(call string) {
	if m != nil {
		m.bnErrors.WithLabelValues(call).Inc()
	}
}

// Step counts an event and, when err is set, its rejection kind.
func (m *Metrics) Step(event, errKind string) {
	if m == nil {
		return
	}
	m.steps.WithLabelValues(event).Inc()
	if errKind != "" {
		m.stepErrors.WithLabelValues(event, errKind).Inc()
	}
}

// Ignored counts an Ignored output.
func (m *Metrics) Ignored(reason string) {
	if m != nil {
		m.ignored.WithLabelValues(reason).Inc()
	}
}

// Received counts a received message.
func (m *Metrics) Received(protocol string) {
	if m != nil {
		m.received.WithLabelValues(protocol).Inc()
	}
}

// QueueDropped counts an item a full internal queue dropped.
func (m *Metrics) QueueDropped(queue string) {
	if m != nil {
		m.queueDropped.WithLabelValues(queue).Inc()
	}
}

// Dropped counts a dropped message.
func (m *Metrics) Dropped(protocol, reason string) {
	if m != nil {
		m.dropped.WithLabelValues(protocol, reason).Inc()
	}
}

// Slot sets the current slot.
func (m *Metrics) Slot(s uint64) {
	if m != nil {
		m.slot.Set(float64(s))
	}
}

// VCRequest counts a validator-client request answered with status.
func (m *Metrics) VCRequest(endpoint string, status int) {
	if m != nil {
		m.vcRequests.WithLabelValues(endpoint, fmt.Sprint(status)).Inc()
	}
}

// Health answers the health endpoints.
type Health struct {
	// Live reports whether the event loop turned recently.
	Live func() error
	// Ready reports why the node cannot do duties (nil: ready).
	Ready func() []string
}

// Handler serves /metrics, /livez and /readyz.
func Handler(m *Metrics, h Health) http.Handler {
	mux := http.NewServeMux()
	if m != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
	}
	mux.HandleFunc("GET /livez", func(w http.ResponseWriter, _ *http.Request) {
		if h.Live != nil {
			if err := h.Live(); err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if h.Ready != nil {
			if reasons := h.Ready(); len(reasons) > 0 {
				http.Error(w, strings.Join(reasons, "\n"), http.StatusServiceUnavailable)
				return
			}
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	return mux
}

// Serve serves Handler on addr until ctx is done; it returns the bound
// address once listening.
func Serve(ctx context.Context, addr string, handler http.Handler) (net.Addr, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err
		}
	}()
	return l.Addr(), nil
}
