package simbeacon_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/dvspec/go-dvspec/spec"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/impl/beaconclient"
	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/impl/simbeacon/simtest"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// loadTemplate reads testdata/schema/name.json and resolves $ref.
func loadTemplate(t *testing.T, name string) any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "schema", name+".json"))
	if err != nil {
		t.Fatalf("template %s: %v", name, err)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("template %s: %v", name, err)
	}
	return resolveRefs(t, v)
}

func resolveRefs(t *testing.T, v any) any {
	switch x := v.(type) {
	case map[string]any:
		if ref, ok := x["$ref"].(string); ok && len(x) == 1 {
			return loadTemplate(t, ref)
		}
		out := map[string]any{}
		for k, e := range x {
			out[k] = resolveRefs(t, e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = resolveRefs(t, e)
		}
		return out
	}
	return v
}

var (
	reUint   = regexp.MustCompile(`^(0|[1-9][0-9]*)$`)
	reHex    = regexp.MustCompile(`^0x([0-9a-fA-F]{2})*$`)
	forks    = map[string]bool{"phase0": true, "altair": true, "bellatrix": true, "capella": true, "deneb": true, "electra": true, "fulu": true}
	statuses = map[string]bool{"pending_initialized": true, "pending_queued": true, "active_ongoing": true, "active_exiting": true,
		"active_slashed": true, "exited_unslashed": true, "exited_slashed": true, "withdrawal_possible": true, "withdrawal_done": true}
	hexLen = map[string]int{"root": 32, "pubkey": 48, "signature": 96, "version4": 4, "address": 20, "logsbloom": 256}
)

// conform checks got (decoded with UseNumber) against a template and
// returns every mismatch, each with its JSON path.
func conform(path string, tmpl, got any) []string {
	switch tt := tmpl.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want an object, got %T", path, got)}
		}
		var errs []string
		known := map[string]bool{}
		keys := make([]string, 0, len(tt))
		for k := range tt {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			name, optional := strings.CutPrefix(k, "?")
			known[name] = true
			v, ok := g[name]
			if !ok {
				if !optional {
					errs = append(errs, fmt.Sprintf("%s.%s: required field missing", path, name))
				}
				continue
			}
			errs = append(errs, conform(path+"."+name, tt[k], v)...)
		}
		for k := range g {
			if !known[k] {
				errs = append(errs, fmt.Sprintf("%s.%s: field not in the schema", path, k))
			}
		}
		return errs
	case []any:
		g, ok := got.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want an array, got %T", path, got)}
		}
		var errs []string
		for i, e := range g {
			errs = append(errs, conform(fmt.Sprintf("%s[%d]", path, i), tt[0], e)...)
		}
		return errs
	case string:
		return conformLeaf(path, tt, got)
	}
	return []string{fmt.Sprintf("%s: bad template %T", path, tmpl)}
}

func conformLeaf(path, kind string, got any) []string {
	bad := func(format string, args ...any) []string {
		return []string{fmt.Sprintf("%s: %s", path, fmt.Sprintf(format, args...))}
	}
	switch kind {
	case "number":
		if _, ok := got.(json.Number); !ok {
			return bad("want a JSON number, got %T %v", got, got)
		}
		return nil
	case "bool":
		if _, ok := got.(bool); !ok {
			return bad("want a boolean, got %T %v", got, got)
		}
		return nil
	case "array":
		if _, ok := got.([]any); !ok {
			return bad("want an array, got %T", got)
		}
		return nil
	}
	s, ok := got.(string)
	if !ok {
		return bad("want a string (%s), got %T %v", kind, got, got)
	}
	switch kind {
	case "uint64":
		if !reUint.MatchString(s) {
			return bad("%q is not a decimal integer string", s)
		}
	case "hex":
		if !reHex.MatchString(s) {
			return bad("%q is not 0x-prefixed hex", s)
		}
	case "bits":
		if !reHex.MatchString(s) || len(s) < 4 {
			return bad("%q is not 0x-prefixed hex of at least one byte", s)
		}
	case "string":
	case "fork":
		if !forks[s] {
			return bad("%q is not a consensus version", s)
		}
	case "status":
		if !statuses[s] {
			return bad("%q is not a validator status", s)
		}
	default:
		n, known := hexLen[kind]
		if !known {
			return bad("unknown template type %q", kind)
		}
		if !reHex.MatchString(s) || len(s) != 2+2*n {
			return bad("%q is not %d bytes of 0x hex (%s)", s, n, kind)
		}
	}
	return nil
}

func checkJSON(t *testing.T, what, template string, body []byte) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var got any
	if err := dec.Decode(&got); err != nil {
		t.Errorf("%s: body is not JSON (%v): %.200s", what, err, body)
		return
	}
	for _, e := range conform("$", loadTemplate(t, template), got) {
		t.Errorf("%s (%s): %s", what, template, e)
	}
}

// exchange is one recorded HTTP request and response.
type exchange struct {
	method, path, query   string
	reqHeader, respHeader http.Header
	reqBody, respBody     []byte
	status                int
}

// recorder serves a node's handler on 127.0.0.1 and records every exchange.
type recorder struct {
	mu   sync.Mutex
	list []exchange
	url  string
}

type captureWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (c *captureWriter) WriteHeader(s int) { c.status = s; c.ResponseWriter.WriteHeader(s) }
func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	c.body.Write(b)
	return c.ResponseWriter.Write(b)
}
func (c *captureWriter) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func newRecorder(t *testing.T, n *simbeacon.Node) *recorder {
	t.Helper()
	rec := &recorder{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		cw := &captureWriter{ResponseWriter: w}
		n.Handler().ServeHTTP(cw, r)
		if r.URL.Path == ethnode.PathEvents {
			return
		}
		rec.mu.Lock()
		rec.list = append(rec.list, exchange{method: r.Method, path: r.URL.Path, query: r.URL.RawQuery, reqHeader: r.Header.Clone(),
			respHeader: w.Header().Clone(), reqBody: body, respBody: cw.body.Bytes(), status: cw.status})
		rec.mu.Unlock()
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	rec.url = "http://" + l.Addr().String()
	return rec
}

// route maps a request to its templates. req is "" for bodiless requests;
// resp is "" for bodiless 200 answers; "%s" in a name is replaced by
// "electra" or "phase0" after the exchange's fork.
type route struct {
	method, pattern, req, resp string
	consensusHeader            bool // request carries Eth-Consensus-Version
}

var routes = []route{
	{"GET", ethnode.PathGenesis, "", "resp_genesis", false},
	{"GET", ethnode.PathStateRoot, "", "resp_state_root", false},
	{"GET", ethnode.PathStateFork, "", "resp_state_fork", false},
	{"GET", ethnode.PathFinalityCheckpoints, "", "resp_finality_checkpoints", false},
	{"GET", ethnode.PathStateValidators, "", "resp_validators", false},
	{"POST", ethnode.PathStateValidators, "req_validators", "resp_validators", false},
	{"GET", ethnode.PathStateValidator, "", "resp_validator", false},
	{"GET", ethnode.PathStateCommittees, "", "resp_committees", false},
	{"GET", ethnode.PathBlockHeader, "", "resp_header", false},
	{"GET", ethnode.PathBlockRoot, "", "resp_block_root", false},
	{"POST", ethnode.PathPublishBlockV2, "req_publish_block_%s", "", true},
	{"POST", ethnode.PathPoolAttestationsV2, "req_pool_attestations_%s", "", true},
	{"POST", ethnode.PathPoolSyncCommittees, "req_sync_committee_messages", "", false},
	{"POST", ethnode.PathPoolVoluntaryExits, "req_voluntary_exit", "", false},
	{"GET", ethnode.PathNodeIdentity, "", "resp_node_identity", false},
	{"GET", ethnode.PathNodeVersion, "", "resp_node_version", false},
	{"GET", ethnode.PathNodeSyncing, "", "resp_node_syncing", false},
	{"GET", ethnode.PathNodeHealth, "", "", false},
	{"GET", ethnode.PathForkSchedule, "", "resp_fork_schedule", false},
	{"GET", ethnode.PathSpec, "", "-", false}, // "-": checked by TestSpecConfig
	{"GET", ethnode.PathDepositContract, "", "resp_deposit_contract", false},
	{"POST", ethnode.PathAttesterDuties, "req_index_list", "resp_attester_duties", false},
	{"GET", ethnode.PathProposerDuties, "", "resp_proposer_duties", false},
	{"POST", ethnode.PathSyncCommitteeDuties, "req_index_list", "resp_sync_duties", false},
	{"GET", ethnode.PathProduceBlockV3, "", "resp_produce_block_%s", false},
	{"GET", ethnode.PathAttestationData, "", "resp_attestation_data", false},
	{"GET", ethnode.PathAggregateAttestation, "", "resp_aggregate_attestation_%s", false},
	{"POST", ethnode.PathAggregateAndProofs, "req_aggregate_and_proofs_%s", "", true},
	{"POST", ethnode.PathBeaconCommitteeSubs, "req_beacon_committee_subscriptions", "", false},
	{"POST", ethnode.PathSyncCommitteeSubs, "req_sync_committee_subscriptions", "", false},
	{"POST", ethnode.PathBeaconCommitteeSel, "req_beacon_committee_selections", "resp_beacon_committee_selections", false},
	{"POST", ethnode.PathSyncCommitteeSel, "req_sync_committee_selections", "resp_sync_committee_selections", false},
	{"GET", ethnode.PathSyncContribution, "", "resp_sync_contribution", false},
	{"POST", ethnode.PathContributionAndProof, "req_contribution_and_proofs", "", false},
	{"POST", ethnode.PathPrepareBeaconProp, "req_prepare_beacon_proposer", "", false},
	{"POST", ethnode.PathRegisterValidator, "req_register_validator", "", false},
	{"POST", ethnode.PathLiveness, "req_index_list", "resp_liveness", false},
}

func matchPattern(pattern, path string) bool {
	p := strings.Split(strings.Trim(pattern, "/"), "/")
	s := strings.Split(strings.Trim(path, "/"), "/")
	if len(p) != len(s) {
		return false
	}
	for i := range p {
		if !strings.HasPrefix(p[i], "{") && p[i] != s[i] {
			return false
		}
	}
	return true
}

// shapeName is the template family of a fork's containers: the Electra
// shapes from Electra on, the phase0 shapes before.
func shapeName(version string) string {
	if version == "electra" || version == "fulu" {
		return "electra"
	}
	return "phase0"
}

// checkExchanges validates every recorded exchange and returns the routes
// seen.
func checkExchanges(t *testing.T, rec *recorder, fork eth2spec.DataVersion) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, e := range rec.list {
		var rt *route
		for i := range routes {
			if routes[i].method == e.method && matchPattern(routes[i].pattern, e.path) {
				rt = &routes[i]
			}
		}
		what := fmt.Sprintf("%s %s?%s -> %d", e.method, e.path, e.query, e.status)
		if rt == nil {
			t.Errorf("%s: not a route of the schema table", what)
			continue
		}
		seen[rt.method+" "+rt.pattern] = true
		version := shapeName(fork.String())
		if rt.consensusHeader {
			h := e.reqHeader.Get(ethnode.HeaderConsensusVersion)
			if h != fork.String() {
				t.Errorf("%s: request %s = %q, want %q", what, ethnode.HeaderConsensusVersion, h, fork)
			}
		}
		if rt.req != "" && e.reqHeader.Get("Content-Type") != "application/octet-stream" {
			checkJSON(t, what+" request", strings.ReplaceAll(rt.req, "%s", version), e.reqBody)
		}
		switch {
		case e.status >= 400:
			if bytes.Contains(e.respBody, []byte(`"failures"`)) {
				checkJSON(t, what+" error", "indexed_error", e.respBody)
			} else {
				checkJSON(t, what+" error", "error", e.respBody)
			}
			// The flow asks a pre-Altair chain for sync duties on purpose.
			if !(fork < eth2spec.DataVersionAltair && rt.pattern == ethnode.PathSyncCommitteeDuties && e.status == http.StatusBadRequest) {
				t.Errorf("%s: unexpected error answer %s", what, e.respBody)
			}
		case e.respHeader.Get("Content-Type") == "application/octet-stream":
			if e.respHeader.Get(ethnode.HeaderConsensusVersion) == "" && e.path != "/eth/v1/validator/attestation_data" {
				t.Errorf("%s: SSZ answer without %s", what, ethnode.HeaderConsensusVersion)
			}
		case rt.resp == "-":
		case rt.resp == "":
			if len(e.respBody) != 0 {
				t.Errorf("%s: want no body, got %.200s", what, e.respBody)
			}
		default:
			checkJSON(t, what+" response", strings.ReplaceAll(rt.resp, "%s", version), e.respBody)
		}
		if strings.HasPrefix(rt.pattern, "/eth/v3/validator/blocks") || rt.pattern == ethnode.PathAggregateAttestation {
			if got := e.respHeader.Get(ethnode.HeaderConsensusVersion); got != fork.String() {
				t.Errorf("%s: response %s = %q, want %q", what, ethnode.HeaderConsensusVersion, got, fork)
			}
		}
		if strings.HasPrefix(rt.pattern, "/eth/v3/validator/blocks") {
			for _, h := range []string{ethnode.HeaderPayloadBlinded, ethnode.HeaderPayloadValue, ethnode.HeaderBlockValue} {
				if e.respHeader.Get(h) == "" {
					t.Errorf("%s: response lacks %s", what, h)
				}
			}
		}
	}
	return seen
}

// TestGoldenShapes runs the full client flow through a recorder, on a
// phase0 chain (phase0 containers), an Electra chain and a Fulu chain
// (Electra containers), in JSON, and checks every request the client sent
// and every answer the node gave against the hand-written templates. The
// endpoints the client never calls are called directly. Every route must
// be exercised.
func TestGoldenShapes(t *testing.T) {
	covered := map[string]bool{}
	for _, fork := range []eth2spec.DataVersion{eth2spec.DataVersionPhase0, eth2spec.DataVersionElectra, eth2spec.DataVersionFulu} {
		t.Run(fork.String(), func(t *testing.T) {
			sched, err := signing.MainnetVersionsFromGenesis(fork)
			if err != nil {
				t.Fatal(err)
			}
			n, clock, _ := simtest.Start(t, simbeacon.Config{Validators: 64, Forks: sched})
			rec := newRecorder(t, n)
			c, err := beaconclient.New(beaconclient.Config{URLs: []string{rec.url}, EnforceJSON: true})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(c.Close)
			simtest.Exercise(t, c, n, clock)
			for _, p := range []string{
				"/eth/v1/node/identity", "/eth/v1/node/health", "/eth/v1/config/deposit_contract",
				"/eth/v1/beacon/states/head/root", "/eth/v1/beacon/states/finalized/finality_checkpoints",
				"/eth/v1/beacon/states/head/validators?id=1,2&id=0x" + strings.Repeat("00", 48),
				"/eth/v1/beacon/states/genesis/validators/5", "/eth/v1/beacon/headers/head", "/eth/v1/beacon/blocks/head/root",
			} {
				resp, err := http.Get(rec.url + p)
				if err != nil {
					t.Fatal(err)
				}
				_ = resp.Body.Close()
			}
			for k := range checkExchanges(t, rec, fork) {
				covered[k] = true
			}
		})
	}
	for _, rt := range routes {
		if !covered[rt.method+" "+rt.pattern] {
			t.Errorf("route %s %s never exercised", rt.method, rt.pattern)
		}
	}
}

// TestErrorShapes checks the standard error bodies: ErrorMessage for a bad
// request and an unknown endpoint, IndexedErrorMessage for a pool refusal.
func TestErrorShapes(t *testing.T) {
	n, clock, url := simtest.Start(t, simbeacon.Config{Validators: 16})
	simtest.ToSlot(n, clock, 3)
	for _, tc := range []struct {
		method, path, body string
		status             int
		template           string
	}{
		{"GET", "/eth/v1/no/such/endpoint", "", 404, "error"},
		{"GET", "/eth/v1/validator/attestation_data?slot=x&committee_index=0", "", 400, "error"},
		{"DELETE", "/eth/v1/beacon/genesis", "", 405, "error"},
		{"POST", "/eth/v1/beacon/pool/sync_committees", `[{"slot":"3","beacon_block_root":"0x` + strings.Repeat("11", 32) + `","validator_index":"1","signature":"0x` + strings.Repeat("00", 96) + `"}]`, 400, "indexed_error"},
	} {
		req, _ := http.NewRequest(tc.method, url+tc.path, strings.NewReader(tc.body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: status %d, want %d: %s", tc.method, tc.path, resp.StatusCode, tc.status, body)
		}
		if resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s: content type %q", tc.method, tc.path, resp.Header.Get("Content-Type"))
		}
		checkJSON(t, tc.method+" "+tc.path, tc.template, body)
		var em ethnode.ErrorMessage
		if err := json.Unmarshal(body, &em); err != nil || em.Code != tc.status || em.Message == "" {
			t.Errorf("%s %s: error body %s", tc.method, tc.path, body)
		}
	}
}

// TestSpecConfig checks /eth/v1/config/spec: every value is a decimal or
// 0x string (BLOB_SCHEDULE an array of such objects), and every constant a
// validator client reads is present.
func TestSpecConfig(t *testing.T) {
	for _, preset := range []string{"mainnet", "minimal"} {
		_, _, url := simtest.Start(t, simbeacon.Config{Chain: builtin(t, preset), Validators: 8})
		resp, err := http.Get(url + ethnode.PathSpec)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Data map[string]any `json:"data"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		_ = resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range body.Data {
			switch x := v.(type) {
			case string:
				if !reUint.MatchString(x) && !reHex.MatchString(x) && k != "PRESET_BASE" && k != "CONFIG_NAME" {
					t.Errorf("%s %s = %q: neither a decimal nor 0x hex", preset, k, x)
				}
			case []any:
				if k != "BLOB_SCHEDULE" {
					t.Errorf("%s %s is an array", preset, k)
				}
			default:
				t.Errorf("%s %s = %v (%T): spec values are strings", preset, k, v, v)
			}
		}
		for _, k := range []string{
			"PRESET_BASE", "CONFIG_NAME", "SECONDS_PER_SLOT", "SLOT_DURATION_MS", "SLOTS_PER_EPOCH", "GENESIS_FORK_VERSION",
			"ALTAIR_FORK_VERSION", "ALTAIR_FORK_EPOCH", "BELLATRIX_FORK_VERSION", "BELLATRIX_FORK_EPOCH", "CAPELLA_FORK_VERSION",
			"CAPELLA_FORK_EPOCH", "DENEB_FORK_VERSION", "DENEB_FORK_EPOCH", "ELECTRA_FORK_VERSION", "ELECTRA_FORK_EPOCH",
			"FULU_FORK_VERSION", "FULU_FORK_EPOCH", "DOMAIN_BEACON_PROPOSER", "DOMAIN_BEACON_ATTESTER", "DOMAIN_RANDAO",
			"DOMAIN_DEPOSIT", "DOMAIN_VOLUNTARY_EXIT", "DOMAIN_SELECTION_PROOF", "DOMAIN_AGGREGATE_AND_PROOF",
			"DOMAIN_SYNC_COMMITTEE", "DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF", "DOMAIN_CONTRIBUTION_AND_PROOF",
			"DOMAIN_APPLICATION_BUILDER", "DOMAIN_BLS_TO_EXECUTION_CHANGE", "TARGET_AGGREGATORS_PER_COMMITTEE",
			"TARGET_AGGREGATORS_PER_SYNC_SUBCOMMITTEE", "SYNC_COMMITTEE_SIZE", "SYNC_COMMITTEE_SUBNET_COUNT",
			"EPOCHS_PER_SYNC_COMMITTEE_PERIOD", "MAX_COMMITTEES_PER_SLOT", "TARGET_COMMITTEE_SIZE", "SHUFFLE_ROUND_COUNT",
			"MAX_VALIDATORS_PER_COMMITTEE", "FAR_FUTURE_EPOCH", "DEPOSIT_CHAIN_ID", "DEPOSIT_CONTRACT_ADDRESS",
			"MAX_EFFECTIVE_BALANCE", "MAX_EFFECTIVE_BALANCE_ELECTRA", "MAX_BLOB_COMMITMENTS_PER_BLOCK", "BLOB_SCHEDULE",
			"ATTESTATION_SUBNET_COUNT", "EPOCHS_PER_SUBNET_SUBSCRIPTION", "MIN_GENESIS_TIME", "GENESIS_DELAY",
		} {
			if _, ok := body.Data[k]; !ok {
				t.Errorf("%s spec lacks %s", preset, k)
			}
		}
		want := map[string]string{"mainnet": "32", "minimal": "8"}[preset]
		if body.Data["SLOTS_PER_EPOCH"] != want || body.Data["PRESET_BASE"] != preset || body.Data["DOMAIN_BEACON_ATTESTER"] != "0x01000000" {
			t.Errorf("%s spec: SLOTS_PER_EPOCH %v PRESET_BASE %v DOMAIN_BEACON_ATTESTER %v", preset, body.Data["SLOTS_PER_EPOCH"], body.Data["PRESET_BASE"], body.Data["DOMAIN_BEACON_ATTESTER"])
		}
	}
}

// TestEventShapes reads the raw event stream: a head event per slot and a
// block event per accepted block, each in the published shape.
func TestEventShapes(t *testing.T) {
	n, clock, url := simtest.Start(t, simbeacon.Config{Validators: 64})
	resp, err := http.Get(url + "/eth/v1/events?topics=head,block")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	events := make(chan [2]string, 16)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		var event string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				events <- [2]string{event, strings.TrimPrefix(line, "data: ")}
			}
		}
	}()
	waitFor(t, func() bool { return n.EventSubscribers() == 1 })
	next := func() [2]string {
		select {
		case ev := <-events:
			return ev
		case <-time.After(10 * time.Second):
			t.Fatal("no event within 10s")
		}
		return [2]string{}
	}
	simtest.ToSlot(n, clock, 32) // an epoch transition
	ev := next()
	if ev[0] != "head" {
		t.Fatalf("event %q", ev[0])
	}
	checkJSON(t, "head event", "event_head", []byte(ev[1]))
	var head struct {
		Slot            string `json:"slot"`
		EpochTransition bool   `json:"epoch_transition"`
	}
	_ = json.Unmarshal([]byte(ev[1]), &head)
	if head.Slot != "32" || !head.EpochTransition {
		t.Errorf("head event %s", ev[1])
	}
	// A block event when a block is accepted.
	s := simtest.Signer{T: t, Node: n}
	c, err := beaconclient.New(beaconclient.Config{URLs: []string{url}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	slot := phase0.Slot(33)
	simtest.ToSlot(n, clock, slot)
	if ev := next(); ev[0] != "head" {
		t.Fatalf("event %q", ev[0])
	}
	p, err := c.ProduceBlock(t.Context(), slot, s.RandaoReveal(slot), [32]byte{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SubmitBlock(t.Context(), s.SignProposal(p)); err != nil {
		t.Fatal(err)
	}
	ev = next()
	if ev[0] != "block" {
		t.Fatalf("event %q", ev[0])
	}
	checkJSON(t, "block event", "event_block", []byte(ev[1]))
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func builtin(t testing.TB, preset string) spec.ChainConfig {
	t.Helper()
	c, err := spec.BuiltinConfig(preset)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
