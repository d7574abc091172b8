package simbeacon

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
)

// apiError is an error with the beacon-API status and body it maps to.
type apiError struct {
	status   int
	message  string
	failures []ethnode.IndexedFailure
}

// Error formats the status and message.
func (e *apiError) Error() string { return fmt.Sprintf("%d: %s", e.status, e.message) }

func badRequest(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, message: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) *apiError {
	return &apiError{status: http.StatusNotFound, message: fmt.Sprintf(format, args...)}
}

// request is what a handler sees: the HTTP request, its path parameters and
// its (size-limited) body.
type request struct {
	*http.Request
	params map[string]string
	body   []byte
}

type handlerFunc func(w http.ResponseWriter, r *request) *apiError

type route struct {
	method   string
	segments []string
	handle   handlerFunc
}

func (n *Node) serveHTTP(w http.ResponseWriter, r *http.Request) {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	var allowed []string
	for _, rt := range n.routes {
		params, ok := matchRoute(rt.segments, segs)
		if !ok {
			continue
		}
		if rt.method != r.Method {
			allowed = append(allowed, rt.method)
			continue
		}
		req := &request{Request: r, params: params}
		if r.Body != nil && r.Method == http.MethodPost {
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, n.cfg.MaxBodyBytes))
			if err != nil {
				var tooLarge *http.MaxBytesError
				if errors.As(err, &tooLarge) {
					writeError(w, &apiError{status: http.StatusRequestEntityTooLarge, message: fmt.Sprintf("request body exceeds %d bytes", n.cfg.MaxBodyBytes)})
					return
				}
				writeError(w, badRequest("reading the request body: %v", err))
				return
			}
			req.body = body
		}
		if aerr := rt.handle(w, req); aerr != nil {
			writeError(w, aerr)
		}
		return
	}
	if len(allowed) > 0 {
		sort.Strings(allowed)
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, &apiError{status: http.StatusMethodNotAllowed, message: fmt.Sprintf("method %s not allowed on %s", r.Method, r.URL.Path)})
		return
	}
	writeError(w, notFound("endpoint %s %s not found", r.Method, r.URL.Path))
}

func matchRoute(pattern, segs []string) (map[string]string, bool) {
	if len(pattern) != len(segs) {
		return nil, false
	}
	var params map[string]string
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			if segs[i] == "" {
				return nil, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[p[1:len(p)-1]] = segs[i]
			continue
		}
		if p != segs[i] {
			return nil, false
		}
	}
	return params, true
}

func newRoute(method, path string, h handlerFunc) route {
	return route{method: method, segments: strings.Split(strings.Trim(path, "/"), "/"), handle: h}
}

// writeError writes the standard error body: ErrorMessage, or
// IndexedErrorMessage when there are per-item failures.
func writeError(w http.ResponseWriter, e *apiError) {
	body := ethnode.ErrorMessage{Code: e.status, Message: e.message, Failures: e.failures}
	writeJSON(w, e.status, &body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		data, _ = json.Marshal(&ethnode.ErrorMessage{Code: status, Message: "encoding the response: " + err.Error()})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

func writeSSZ(w http.ResponseWriter, data []byte, headers map[string]string) {
	for k, v := range headers {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

// Response envelopes of beacon-APIs v4.0.0, field for field.
type (
	dataEnvelope struct {
		Data any `json:"data"`
	}
	stateEnvelope struct {
		ExecutionOptimistic bool `json:"execution_optimistic"`
		Finalized           bool `json:"finalized"`
		Data                any  `json:"data"`
	}
	dutiesEnvelope struct {
		DependentRoot       string `json:"dependent_root"`
		ExecutionOptimistic bool   `json:"execution_optimistic"`
		Data                any    `json:"data"`
	}
	optimisticEnvelope struct {
		ExecutionOptimistic bool `json:"execution_optimistic"`
		Data                any  `json:"data"`
	}
	versionedEnvelope struct {
		Version string `json:"version"`
		Data    any    `json:"data"`
	}
)

// negotiate picks the response media type from the Accept header: SSZ when
// sszOK and preferred, JSON otherwise, or a 406 when the client accepts
// neither.
func negotiate(r *request, sszOK bool) (ssz bool, aerr *apiError) {
	accept := r.Header.Get("Accept")
	if strings.TrimSpace(accept) == "" {
		return false, nil
	}
	bestJSON, bestSSZ := -1.0, -1.0
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if qs, ok := params["q"]; ok {
			if v, err := strconv.ParseFloat(qs, 64); err == nil {
				q = v
			}
		}
		switch mt {
		case "application/json":
			bestJSON = max(bestJSON, q)
		case "application/octet-stream":
			bestSSZ = max(bestSSZ, q)
		case "*/*", "application/*":
			bestJSON = max(bestJSON, q)
			bestSSZ = max(bestSSZ, q)
		}
	}
	if !sszOK {
		bestSSZ = -1
	}
	switch {
	case bestSSZ > 0 && bestSSZ > bestJSON:
		return true, nil
	case bestJSON > 0:
		return false, nil
	case bestSSZ > 0:
		return true, nil
	}
	return false, &apiError{status: http.StatusNotAcceptable, message: fmt.Sprintf("accepted media types %q not supported", accept)}
}

// bodyIsSSZ reports whether a POST body is SSZ, refusing content types the
// endpoint does not take with 415.
func bodyIsSSZ(r *request, sszOK bool) (bool, *apiError) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return false, nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false, &apiError{status: http.StatusUnsupportedMediaType, message: fmt.Sprintf("unparsable Content-Type %q", ct)}
	}
	switch {
	case mt == "application/json":
		return false, nil
	case mt == "application/octet-stream" && sszOK:
		return true, nil
	}
	return false, &apiError{status: http.StatusUnsupportedMediaType, message: fmt.Sprintf("Content-Type %q not supported on this endpoint", mt)}
}

// decodeStrict decodes a JSON request body into v (a go-eth2-client type or
// a slice of them) and refuses what a lenient decoder would let through:
// trailing data, unknown keys, JSON numbers where the API wants decimal
// strings, and hex without 0x. go-eth2-client's decoders already refuse
// missing fields and malformed values; the remaining checks compare the
// input's shape with the canonical re-encoding of what was decoded.
func decodeStrict(body []byte, v any) *apiError {
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("empty request body")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var input any
	if err := dec.Decode(&input); err != nil {
		return badRequest("malformed JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("malformed JSON: data after the top-level value")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return badRequest("invalid request body: %v", err)
	}
	canonical, err := json.Marshal(v)
	if err != nil {
		return badRequest("invalid request body: %v", err)
	}
	cdec := json.NewDecoder(bytes.NewReader(canonical))
	cdec.UseNumber()
	var want any
	if err := cdec.Decode(&want); err != nil {
		return badRequest("invalid request body: %v", err)
	}
	if msg := compareShape("body", input, want); msg != "" {
		return badRequest("invalid request body: %s", msg)
	}
	return nil
}

// compareShape returns a description of the first place where got differs
// from want, the canonical re-encoding: an unknown or missing key, a
// different JSON type, a different list length, a missing 0x prefix, or a
// string the decoder did not read back unchanged (a short fee recipient
// padded with zeros, a decimal with leading zeros).
func compareShape(path string, got, want any) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: want an object, got %s", path, jsonKind(got))
		}
		keys := make([]string, 0, len(g))
		for k := range g {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if _, ok := w[k]; !ok {
				return fmt.Sprintf("%s.%s: unknown field", path, k)
			}
		}
		keys = keys[:0]
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			gv, ok := g[k]
			if !ok {
				return fmt.Sprintf("%s.%s: missing field", path, k)
			}
			if msg := compareShape(path+"."+k, gv, w[k]); msg != "" {
				return msg
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok {
			return fmt.Sprintf("%s: want an array, got %s", path, jsonKind(got))
		}
		if len(g) != len(w) {
			return fmt.Sprintf("%s: array of %d entries decodes to %d", path, len(g), len(w))
		}
		for i := range w {
			if msg := compareShape(fmt.Sprintf("%s[%d]", path, i), g[i], w[i]); msg != "" {
				return msg
			}
		}
	case string:
		g, ok := got.(string)
		if !ok {
			return fmt.Sprintf("%s: want a string, got %s", path, jsonKind(got))
		}
		if strings.HasPrefix(w, "0x") {
			if !strings.HasPrefix(g, "0x") {
				return fmt.Sprintf("%s: hex value without the 0x prefix", path)
			}
			// Hex is case-insensitive; any other difference means the
			// decoder padded, truncated or reinterpreted the value.
			if !strings.EqualFold(g, w) {
				return fmt.Sprintf("%s: %q is not a valid value of this field", path, truncate(g))
			}
		} else if g != w {
			return fmt.Sprintf("%s: %q is not in canonical form (%q)", path, truncate(g), truncate(w))
		}
	case json.Number:
		if _, ok := got.(json.Number); !ok {
			return fmt.Sprintf("%s: want a number, got %s", path, jsonKind(got))
		}
	case bool:
		if _, ok := got.(bool); !ok {
			return fmt.Sprintf("%s: want a boolean, got %s", path, jsonKind(got))
		}
	case nil:
		if got != nil {
			return fmt.Sprintf("%s: want null, got %s", path, jsonKind(got))
		}
	}
	return ""
}

func jsonKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// decodeIndexList decodes a body that is a non-empty JSON array of decimal
// uint64 strings (duties, liveness).
func decodeIndexList(body []byte) ([]uint64, *apiError) {
	var raw []string
	if aerr := decodeStrict(body, &raw); aerr != nil {
		return nil, aerr
	}
	if len(raw) == 0 {
		return nil, badRequest("the index list must not be empty")
	}
	out := make([]uint64, len(raw))
	for i, s := range raw {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return nil, badRequest("index %d: %q is not a decimal uint64", i, s)
		}
		out[i] = v
	}
	return out, nil
}

// queryUint parses a required (or optional) decimal query parameter.
func queryUint(r *request, name string, required bool) (uint64, bool, *apiError) {
	vals, ok := r.URL.Query()[name]
	if !ok || len(vals) == 0 {
		if required {
			return 0, false, badRequest("missing query parameter %s", name)
		}
		return 0, false, nil
	}
	if len(vals) > 1 {
		return 0, false, badRequest("query parameter %s given %d times", name, len(vals))
	}
	v, err := strconv.ParseUint(vals[0], 10, 64)
	if err != nil {
		return 0, false, badRequest("query parameter %s: %q is not a decimal uint64", name, vals[0])
	}
	return v, true, nil
}

func pathUint(r *request, name string) (uint64, *apiError) {
	v, err := strconv.ParseUint(r.params[name], 10, 64)
	if err != nil {
		return 0, badRequest("invalid %s: %q", name, r.params[name])
	}
	return v, nil
}

// queryHex parses a required 0x-prefixed hex query parameter of n bytes.
func queryHex(r *request, name string, n int) ([]byte, *apiError) {
	vals := r.URL.Query()[name]
	if len(vals) != 1 {
		return nil, badRequest("query parameter %s must be given once", name)
	}
	return parseHex(name, vals[0], n)
}

func parseHex(name, s string, n int) ([]byte, *apiError) {
	h, ok := strings.CutPrefix(s, "0x")
	if !ok {
		return nil, badRequest("%s: %q lacks the 0x prefix", name, s)
	}
	b, err := hexDecode(h)
	if err != nil || len(b) != n {
		return nil, badRequest("%s: %q is not %d bytes of hex", name, s, n)
	}
	return b, nil
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
