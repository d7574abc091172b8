package validatorapi

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/spec/dvc"
)

// Body limits: what a VC sends (a block with blobs is the largest) and
// what a beacon node answers to a translated request.
const (
	maxRequest  = 64 << 20
	maxResponse = 64 << 20
)

// routes registers the served endpoints; everything else is proxied.
func (s *Server) routes() {
	m := http.NewServeMux()
	h := func(pattern, name string, f func(w http.ResponseWriter, r *http.Request)) {
		m.Handle(pattern, s.counted(name, http.HandlerFunc(f)))
	}
	// Translated (share keys <-> validator keys).
	h("POST /eth/v1/beacon/states/{state}/validators", "validators", s.translated(nil))
	h("GET /eth/v1/beacon/states/{state}/validators", "validators", s.translated(nil))
	h("GET /eth/v1/beacon/states/{state}/validators/{id}", "validator", s.translated(nil))
	h("POST /eth/v1/validator/duties/attester/{epoch}", "attester_duties", s.translated(s.learnAttesters))
	h("GET /eth/v1/validator/duties/proposer/{epoch}", "proposer_duties", s.translated(s.learnProposers))
	h("POST /eth/v1/validator/duties/sync/{epoch}", "sync_duties", s.translated(s.learnSync))
	// Decided values.
	h("GET /eth/v1/validator/attestation_data", "attestation_data", s.attestationData)
	h("GET /eth/v3/validator/blocks/{slot}", "produce_block_v3", s.produceBlock)
	h("GET /eth/v1/beacon/blocks/head/root", "head_root", s.headRoot)
	// Captured submissions.
	h("POST /eth/v1/beacon/pool/attestations", "submit_attestations_v1", s.submitAttestations)
	h("POST /eth/v2/beacon/pool/attestations", "submit_attestations_v2", s.submitAttestations)
	h("POST /eth/v1/beacon/blocks", "submit_block_v1", s.submitBlock)
	h("POST /eth/v2/beacon/blocks", "submit_block_v2", s.submitBlock)
	h("POST /eth/v1/beacon/pool/sync_committees", "submit_sync_committee_messages", s.submitSyncMessages)
	// Aggregation (selections.go, aggregates.go).
	h("POST /eth/v1/validator/beacon_committee_selections", "beacon_committee_selections", s.beaconCommitteeSelections)
	h("POST /eth/v1/validator/sync_committee_selections", "sync_committee_selections", s.syncCommitteeSelections)
	h("GET /eth/v1/validator/aggregate_attestation", "aggregate_attestation_v1", s.aggregateAttestation)
	h("GET /eth/v2/validator/aggregate_attestation", "aggregate_attestation_v2", s.aggregateAttestation)
	h("POST /eth/v1/validator/aggregate_and_proofs", "submit_aggregate_and_proofs_v1", s.submitAggregateAndProofs)
	h("POST /eth/v2/validator/aggregate_and_proofs", "submit_aggregate_and_proofs_v2", s.submitAggregateAndProofs)
	h("GET /eth/v1/validator/sync_committee_contribution", "sync_committee_contribution", s.syncCommitteeContribution)
	h("POST /eth/v1/validator/contribution_and_proofs", "submit_contribution_and_proofs", s.submitContributionAndProofs)
	// Signed with a key share, these would reach the beacon node as invalid
	// signatures: refused until their DV flow exists.
	for _, p := range []string{
		"POST /eth/v1/beacon/blinded_blocks", "POST /eth/v2/beacon/blinded_blocks",
		"POST /eth/v1/validator/register_validator",
		"POST /eth/v1/beacon/pool/voluntary_exits",
	} {
		h(p, "not_served", func(w http.ResponseWriter, r *http.Request) {
			writeError(w, http.StatusNotImplemented, fmt.Sprintf("%s %s is not served by this DV node in VC-middleware mode (the request is signed with a key share)", r.Method, r.URL.Path))
		})
	}
	m.Handle("/", s.counted("proxy", s.proxy))
	s.mux = m
}

// statusWriter remembers the status for the metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
	msg    string // of a refusal, for the log
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *Server) counted(name string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		s.cfg.Metrics.VCRequest(name, sw.status)
		if sw.status >= 400 && name != "proxy" {
			s.log.Info("validator client request refused", "endpoint", name, "status", sw.status, "message", sw.msg)
		}
	})
}

func writeError(w http.ResponseWriter, code int, msg string) {
	if sw, ok := w.(*statusWriter); ok {
		sw.msg = msg
	}
	writeJSON(w, code, &ethnode.ErrorMessage{Code: code, Message: msg})
}

func writeFailures(w http.ResponseWriter, msg string, failures []ethnode.IndexedFailure) {
	if sw, ok := w.(*statusWriter); ok {
		sw.msg = (&ethnode.ErrorMessage{Code: http.StatusBadRequest, Message: msg, Failures: failures}).Error()
	}
	writeJSON(w, http.StatusBadRequest, &ethnode.ErrorMessage{Code: http.StatusBadRequest, Message: msg, Failures: failures})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code, b = http.StatusInternalServerError, []byte(`{"code":500,"message":"encoding the answer failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

// statusOf maps a refusal of the DVC (or of the node) to the beacon API's
// status: what the VC sent is wrong (400), or the node could not take it
// now (503).
func statusOf(err error) int {
	var sc interface{ StatusCode() int }
	if errors.As(err, &sc) {
		return sc.StatusCode()
	}
	switch {
	case errors.Is(err, dvc.ErrInvalidShare), errors.Is(err, dvc.ErrNotDecided), errors.Is(err, dvc.ErrMalformedEvent),
		errors.Is(err, dvc.ErrWrongValidator), errors.Is(err, dvc.ErrWrongMode), errors.Is(err, dvc.ErrDutyOutOfOrder):
		return http.StatusBadRequest
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// waitCtx bounds a wait for a decided value by the request and Timeout.
func (s *Server) waitCtx(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), s.cfg.Timeout)
}

// translated passes a request to the beacon node with the VC's share keys
// replaced by the validators' keys, and the answer back with the reverse
// replacement. learn, when set, reads the beacon node's (untranslated)
// answer first.
func (s *Server) translated(learn func(r *http.Request, body []byte)) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
		if err != nil || len(body) > maxRequest {
			writeError(w, http.StatusBadRequest, "request body unreadable or too large")
			return
		}
		u := *s.bn
		u.Path = s.bn.Path + r.URL.Path
		q := r.URL.Query()
		for k, vs := range q {
			for i := range vs {
				vs[i] = s.toVal.Replace(vs[i])
			}
			q[k] = vs
		}
		u.RawQuery = q.Encode()
		u.Path = s.toVal.Replace(u.Path)
		req, err := http.NewRequestWithContext(r.Context(), r.Method, u.String(), bytes.NewReader([]byte(s.toVal.Replace(string(body)))))
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		for _, h := range []string{"Content-Type", "Accept"} {
			if v := r.Header.Get(h); v != "" {
				req.Header.Set(h, v)
			}
		}
		// The answer is rewritten, so it is asked for as JSON.
		req.Header.Set("Accept", "application/json")
		resp, err := s.http.Do(req)
		if err != nil {
			writeError(w, http.StatusBadGateway, "beacon node: "+err.Error())
			return
		}
		defer resp.Body.Close()
		out, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
		if err != nil || len(out) > maxResponse {
			writeError(w, http.StatusBadGateway, "beacon node answer unreadable or too large")
			return
		}
		if resp.StatusCode/100 == 2 && learn != nil {
			learn(r, out)
		}
		for _, h := range []string{"Content-Type", "Eth-Consensus-Version"} {
			if v := resp.Header.Get(h); v != "" {
				w.Header().Set(h, v)
			}
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write([]byte(s.toShare.Replace(string(out))))
	}
}

// learnProposers remembers which of the node's validators propose when.
func (s *Server) learnProposers(_ *http.Request, body []byte) {
	var resp struct {
		Data []struct {
			Pubkey phase0.BLSPubKey `json:"pubkey"`
			Slot   string           `json:"slot"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &resp) != nil {
		return
	}
	for _, d := range resp.Data {
		slot, err := strconv.ParseUint(d.Slot, 10, 64)
		if err != nil || s.byPub[d.Pubkey] == nil {
			continue
		}
		s.cache.update(phase0.Slot(slot), func() { s.cache.proposers[phase0.Slot(slot)] = d.Pubkey })
	}
}

// learnSync remembers which of the node's validators are in the sync
// committee in the epoch: the head root waits for their decisions.
func (s *Server) learnSync(r *http.Request, body []byte) {
	epoch, err := strconv.ParseUint(r.PathValue("epoch"), 10, 64)
	if err != nil {
		return
	}
	var resp struct {
		Data []struct {
			Pubkey phase0.BLSPubKey `json:"pubkey"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &resp) != nil {
		return
	}
	s.cache.update(0, func() {
		m := map[phase0.BLSPubKey]bool{}
		for _, d := range resp.Data {
			if s.byPub[d.Pubkey] != nil {
				m[d.Pubkey] = true
			}
		}
		s.cache.syncVals[phase0.Epoch(epoch)] = m
	})
}

// learnAttesters remembers which of the node's validators attest when:
// attestation data waits for their decisions.
func (s *Server) learnAttesters(_ *http.Request, body []byte) {
	var resp struct {
		Data []struct {
			Pubkey         phase0.BLSPubKey `json:"pubkey"`
			Slot           string           `json:"slot"`
			CommitteeIndex string           `json:"committee_index"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &resp) != nil {
		return
	}
	for _, d := range resp.Data {
		slot, err1 := strconv.ParseUint(d.Slot, 10, 64)
		ci, err2 := strconv.ParseUint(d.CommitteeIndex, 10, 64)
		if err1 != nil || err2 != nil || s.byPub[d.Pubkey] == nil {
			continue
		}
		s.cache.update(phase0.Slot(slot), func() {
			m := s.cache.attDuties[phase0.Slot(slot)]
			if m == nil {
				m = map[phase0.BLSPubKey]phase0.CommitteeIndex{}
				s.cache.attDuties[phase0.Slot(slot)] = m
			}
			m[d.Pubkey] = phase0.CommitteeIndex(ci)
		})
	}
}

// proposerAt is the node's validator proposing at slot: from the duties
// the VC was answered, else asked of the beacon node.
func (s *Server) proposerAt(ctx context.Context, slot phase0.Slot) (phase0.BLSPubKey, bool) {
	var (
		pk phase0.BLSPubKey
		ok bool
	)
	s.cache.read(func() { pk, ok = s.cache.proposers[slot] })
	if ok {
		return pk, true
	}
	u := *s.bn
	u.Path = s.bn.Path + "/eth/v1/validator/duties/proposer/" + strconv.FormatUint(uint64(s.epochOf(slot)), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return pk, false
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.http.Do(req)
	if err != nil {
		return pk, false
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil || resp.StatusCode != http.StatusOK {
		return pk, false
	}
	s.learnProposers(nil, body)
	s.cache.read(func() { pk, ok = s.cache.proposers[slot] })
	return pk, ok
}

func parseSlot(v string) (phase0.Slot, error) {
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid slot %q", v)
	}
	return phase0.Slot(n), nil
}

func queryHex(q url.Values, name string, n int) ([]byte, error) {
	v := q.Get(name)
	if len(v) < 2 || v[:2] != "0x" {
		return nil, fmt.Errorf("%s: want 0x-prefixed hex", name)
	}
	b, err := hex.DecodeString(v[2:])
	if err != nil || len(b) != n {
		return nil, fmt.Errorf("%s: want %d bytes of hex", name, n)
	}
	return b, nil
}
