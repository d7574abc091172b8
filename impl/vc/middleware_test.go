package vc_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/impl/slashingstore"
	"github.com/dvspec/go-dvspec/impl/vc"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// middleware is a test double of a DV node's validator API, just enough
// to run validator clients that hold key shares: per operator it maps the
// operator's share public keys to the validator keys and back, collects
// the operators' partial signatures of each message until it has M,
// combines them and sends the result to simbeacon once, and answers RANDAO
// reveals and selection proofs only when it can combine them. It decides
// nothing (simbeacon's answers are the same for every operator), which is
// the one thing the real validator API (branch vcapi) adds: consensus.
type middleware struct {
	target string
	m      int
	// toShare[op] maps validator pubkey hex to operator op's share hex.
	toShare map[uint64]map[string]string
	mu      sync.Mutex
	groups  map[string]*group
	errs    []string
}

type group struct {
	parts    []bls.PartialSignature
	seen     map[uint64]bool
	ready    chan struct{}
	template any
	path     []string
	// result of a forwarded request (block production).
	status int
	header http.Header
	body   []byte
}

func (m *middleware) fail(format string, args ...any) {
	m.mu.Lock()
	m.errs = append(m.errs, fmt.Sprintf(format, args...))
	m.mu.Unlock()
}

func (m *middleware) serve(t *testing.T, op uint64) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { m.handle(op, w, r) }))
	t.Cleanup(srv.Close)
	return srv.URL
}

func (m *middleware) replace(s string, op uint64, toShare bool) string {
	for val, share := range m.toShare[op] {
		if toShare {
			s = strings.ReplaceAll(s, val, share)
		} else {
			s = strings.ReplaceAll(s, share, val)
		}
	}
	return s
}

func (m *middleware) handle(op uint64, w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	p := r.URL.Path
	switch {
	case r.Method == http.MethodGet && strings.HasPrefix(p, "/eth/v3/validator/blocks/"):
		m.produce(op, w, r)
	case r.Method == http.MethodPost && (p == "/eth/v2/beacon/pool/attestations" || p == "/eth/v1/beacon/pool/sync_committees" ||
		p == "/eth/v2/validator/aggregate_and_proofs" || p == "/eth/v1/validator/contribution_and_proofs"):
		var items []any
		if err := decode(body, &items); err != nil {
			m.fail("%s: %v", p, err)
			http.Error(w, err.Error(), 400)
			return
		}
		for _, it := range items {
			m.partial(op, p, r.Header, it, "signature", true)
		}
		w.WriteHeader(200)
	case r.Method == http.MethodPost && p == "/eth/v2/beacon/blocks":
		var it any
		if err := decode(body, &it); err != nil {
			m.fail("%s (%s): %v", p, r.Header.Get("Content-Type"), err)
			http.Error(w, err.Error(), 400)
			return
		}
		m.partial(op, p, r.Header, it, "signature", false)
		w.WriteHeader(200)
	case r.Method == http.MethodPost && (p == "/eth/v1/validator/beacon_committee_selections" || p == "/eth/v1/validator/sync_committee_selections"):
		m.selections(op, w, r, body)
	default:
		m.forward(op, w, r, body)
	}
}

func decode(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

// sigAt finds the shallowest field named name (the signer's own
// signature; deeper ones belong to the contents, e.g. an aggregate's).
func sigAt(v any, name string) []string {
	type node struct {
		v    any
		path []string
	}
	queue := []node{{v, nil}}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		mp, ok := n.v.(map[string]any)
		if !ok {
			continue
		}
		if _, ok := mp[name]; ok {
			return append(n.path, name)
		}
		for k, c := range mp {
			queue = append(queue, node{c, append(append([]string(nil), n.path...), k)})
		}
	}
	return nil
}

func getAt(v any, path []string) (any, map[string]any) {
	var parent map[string]any
	for _, k := range path {
		parent = v.(map[string]any)
		v = parent[k]
	}
	return v, parent
}

// add records op's partial signature sig for the message named key and
// returns its group, and whether this call completed it.
func (m *middleware) add(key string, op uint64, sig string, template any, path []string) (*group, bool) {
	var s phase0.BLSSignature
	b, err := hex.DecodeString(strings.TrimPrefix(sig, "0x"))
	if err != nil || len(b) != len(s) {
		m.fail("%s: bad signature %q", key, sig)
		return nil, false
	}
	copy(s[:], b)
	m.mu.Lock()
	defer m.mu.Unlock()
	g := m.groups[key]
	if g == nil {
		g = &group{seen: map[uint64]bool{}, ready: make(chan struct{}), template: template, path: path}
		m.groups[key] = g
	}
	if g.seen[op] || len(g.parts) >= m.m {
		return g, false
	}
	g.seen[op] = true
	g.parts = append(g.parts, bls.PartialSignature{Index: op, Signature: s})
	return g, len(g.parts) == m.m
}

func (m *middleware) combined(g *group) string {
	sig, err := bls.RecoverSignature(g.parts, m.m)
	if err != nil {
		m.fail("combine: %v", err)
	}
	return "0x" + hex.EncodeToString(sig[:])
}

// partial takes one signed item; the M-th partial sends the combined item
// to simbeacon (as a one-item list when list is set).
func (m *middleware) partial(op uint64, path string, h http.Header, item any, field string, list bool) {
	at := sigAt(item, field)
	if at == nil {
		m.fail("%s: no %s", path, field)
		return
	}
	sig, parent := getAt(item, at)
	delete(parent, at[len(at)-1])
	keyb, _ := json.Marshal(item)
	s, _ := sig.(string)
	g, complete := m.add(path+string(keyb), op, s, item, at)
	if !complete {
		return
	}
	_, parent = getAt(g.template, at)
	parent[at[len(at)-1]] = m.combined(g)
	var out any = g.template
	if list {
		out = []any{g.template}
	}
	b, _ := json.Marshal(out)
	req, _ := http.NewRequest(http.MethodPost, m.target+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if v := h.Get("Eth-Consensus-Version"); v != "" {
		req.Header.Set("Eth-Consensus-Version", v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		m.fail("%s: %v", path, err)
		return
	}
	rb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		m.fail("%s: simbeacon refused the combined message: %d %s", path, resp.StatusCode, rb)
	}
}

func (m *middleware) wait(g *group, r *http.Request) bool {
	select {
	case <-g.ready:
		return true
	case <-r.Context().Done():
	case <-time.After(60 * time.Second):
	}
	m.fail("%s: waited in vain for %d partial signatures", r.URL.Path, m.m)
	return false
}

// produce combines the RANDAO reveals, asks simbeacon once, and gives
// every operator the same block.
func (m *middleware) produce(op uint64, w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	reveal := q.Get("randao_reveal")
	q.Del("randao_reveal")
	key := "produce " + r.URL.Path + "?" + q.Encode()
	g, complete := m.add(key, op, reveal, nil, nil)
	if g == nil {
		http.Error(w, "bad reveal", 400)
		return
	}
	if complete {
		q.Set("randao_reveal", m.combined(g))
		req, _ := http.NewRequest(http.MethodGet, m.target+r.URL.Path+"?"+q.Encode(), nil)
		req.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			m.fail("produce: %v", err)
			g.status = 500
		} else {
			g.status, g.header = resp.StatusCode, resp.Header
			g.body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		close(g.ready)
	}
	if !m.wait(g, r) {
		http.Error(w, "no combination", 503)
		return
	}
	for k, v := range g.header {
		w.Header()[k] = v
	}
	w.WriteHeader(g.status)
	_, _ = w.Write(g.body)
}

// selections answers with combined selection proofs, each verified by
// simbeacon (which echoes full proofs).
func (m *middleware) selections(op uint64, w http.ResponseWriter, r *http.Request, body []byte) {
	var items []any
	if err := decode(body, &items); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	var groups []*group
	for _, it := range items {
		mp, _ := it.(map[string]any)
		sig, _ := mp["selection_proof"].(string)
		delete(mp, "selection_proof")
		keyb, _ := json.Marshal(mp)
		g, complete := m.add(r.URL.Path+string(keyb), op, sig, mp, []string{"selection_proof"})
		if g == nil {
			http.Error(w, "bad proof", 400)
			return
		}
		if complete {
			g.template.(map[string]any)["selection_proof"] = m.combined(g)
			close(g.ready)
		}
		groups = append(groups, g)
	}
	var out []any
	for _, g := range groups {
		if !m.wait(g, r) {
			http.Error(w, "no combination", 503)
			return
		}
		out = append(out, g.template)
	}
	b, _ := json.Marshal(out)
	m.forward(op, w, r, b)
}

// forward passes a request to simbeacon with the share keys turned into
// validator keys, and the answer back with the validator keys turned into
// the operator's share keys.
func (m *middleware) forward(op uint64, w http.ResponseWriter, r *http.Request, body []byte) {
	u, _ := url.Parse(m.target + r.URL.Path)
	u.RawQuery = m.replace(r.URL.RawQuery, op, false)
	req, _ := http.NewRequestWithContext(r.Context(), r.Method, u.String(), bytes.NewReader([]byte(m.replace(string(body), op, false))))
	req.Header = r.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), 502)
		return
	}
	defer resp.Body.Close()
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		w.(http.Flusher).Flush()
		buf := make([]byte, 4096)
		for {
			k, err := resp.Body.Read(buf)
			if k > 0 {
				if _, werr := w.Write(buf[:k]); werr != nil {
					return
				}
				w.(http.Flusher).Flush()
			}
			if err != nil {
				return
			}
		}
	}
	rb, _ := io.ReadAll(resp.Body)
	if strings.Contains(resp.Header.Get("Content-Type"), "json") {
		rb = []byte(m.replace(string(rb), op, true))
	}
	for k, v := range resp.Header {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(rb)
}

// TestMiddlewareModeWithKeyShares runs four clients, each holding one
// share (threshold 3) of eight validators' keys, in VC-middleware mode
// through the middleware double against simbeacon, which verifies only
// combined signatures against the validator keys. Every duty of the eight
// validators must be accepted: so every partial signature the clients
// made was right, made with the share, and under the share public key the
// client looked its validator up by.
// dvCluster is four clients holding key shares (threshold 3) of eight
// validators behind the middleware double: the proposers of slots
// first..first+3, then the lowest indices.
type dvCluster struct {
	vcs       []*vc.VC
	mw        *middleware
	members   []phase0.ValidatorIndex
	inCluster map[phase0.ValidatorIndex]bool
}

func newDVCluster(t *testing.T, f *fixture, first phase0.Slot, onDuty func(vc.Result)) *dvCluster {
	t.Helper()
	const n, threshold = 4, 3
	inCluster := map[phase0.ValidatorIndex]bool{}
	var cluster []phase0.ValidatorIndex
	add := func(v phase0.ValidatorIndex) {
		if !inCluster[v] && len(cluster) < 8 {
			inCluster[v] = true
			cluster = append(cluster, v)
		}
	}
	for s := first; s <= first+3; s++ {
		add(f.node.Proposer(s))
	}
	for v := phase0.ValidatorIndex(0); len(cluster) < 8; v++ {
		add(v)
	}
	mw := &middleware{target: f.url, m: threshold, toShare: map[uint64]map[string]string{}, groups: map[string]*group{}}
	shares := make([][]bls.SecretKey, n+1)
	for _, v := range cluster {
		sk, err := bls.InteropSecretKey(uint64(v))
		if err != nil {
			t.Fatal(err)
		}
		pub, err := simbeacon.InteropPublicKey(uint64(v))
		if err != nil {
			t.Fatal(err)
		}
		ss, err := bls.Split(sk, threshold, n, []byte(fmt.Sprintf("vc test %d", v)))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range ss {
			sp, err := s.SecretKey.PublicKey()
			if err != nil {
				t.Fatal(err)
			}
			if mw.toShare[s.Index] == nil {
				mw.toShare[s.Index] = map[string]string{}
			}
			mw.toShare[s.Index][hex.EncodeToString(pub[:])] = hex.EncodeToString(sp[:])
			shares[s.Index] = append(shares[s.Index], s.SecretKey)
		}
	}
	c := &dvCluster{mw: mw, members: cluster, inCluster: inCluster}
	for op := uint64(1); op <= n; op++ {
		store, err := slashingstore.Open(filepath.Join(t.TempDir(), "slashing.db"), f.node.GenesisValidatorsRoot())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = store.Close() })
		ff := *f
		ff.url = mw.serve(t, op)
		c.vcs = append(c.vcs, ff.newVC(t, vc.Config{Keys: shares[op], Slashing: store, Distributed: true, Aggregation: true,
			Pattern: vc.PrysmPattern(), OnDuty: onDuty}))
	}
	return c
}

func (c *dvCluster) checkMiddleware(t *testing.T) {
	t.Helper()
	c.mw.mu.Lock()
	defer c.mw.mu.Unlock()
	for _, e := range c.mw.errs {
		t.Error("middleware:", e)
	}
}

func TestMiddlewareModeWithKeyShares(t *testing.T) {
	f := newFixture(t, signing.ForkSchedule{})
	spe := f.node.ChainConfig().SlotsPerEpoch
	first, last := phase0.Slot(spe), phase0.Slot(2*spe-1)
	var mu sync.Mutex
	var failed []vc.Result
	dc := newDVCluster(t, f, first, func(r vc.Result) {
		if !r.OK {
			mu.Lock()
			failed = append(failed, r)
			mu.Unlock()
		}
	})
	vcs, cluster, inCluster := dc.vcs, dc.members, dc.inCluster
	all := func(step func(*vc.VC, context.Context, phase0.Slot) []vc.Result, s phase0.Slot) {
		var wg sync.WaitGroup
		for _, v := range vcs {
			wg.Add(1)
			go func() { defer wg.Done(); step(v, context.Background(), s) }()
		}
		wg.Wait()
	}
	for s := first; s <= last; s++ {
		f.at(s, 0)
		all((*vc.VC).Propose, s)
		f.at(s, 1)
		all((*vc.VC).Attest, s)
		f.at(s, 2)
		all((*vc.VC).Aggregate, s)
	}
	dc.checkMiddleware(t)
	for _, r := range failed {
		t.Errorf("%s of validator %d at slot %d failed: %v", r.Type, r.Validator, r.Slot, r.Err)
	}
	counts := map[simbeacon.Kind]int{}
	for s := first; s <= last; s++ {
		if p := f.node.Proposer(s); inCluster[p] {
			if !acceptedAt(f.node, p, simbeacon.KindBlock, s) {
				t.Errorf("slot %d: block of validator %d not accepted", s, p)
			}
			counts[simbeacon.KindBlock]++
		}
		for _, v := range cluster {
			if f.node.AttesterDuty(v, phase0.Epoch(uint64(s)/spe)).Slot == s {
				for _, k := range []simbeacon.Kind{simbeacon.KindAttestation, simbeacon.KindAggregateAndProof} {
					if !acceptedAt(f.node, v, k, s) {
						t.Errorf("slot %d: %s of validator %d not accepted", s, k, v)
					}
					counts[k]++
				}
			}
		}
		for _, v := range f.node.SyncCommittee(s) {
			if inCluster[v] {
				for _, k := range []simbeacon.Kind{simbeacon.KindSyncCommitteeMessage, simbeacon.KindContributionAndProof} {
					if !acceptedAt(f.node, v, k, s) {
						t.Errorf("slot %d: %s of validator %d not accepted", s, k, v)
					}
					counts[k]++
				}
			}
		}
	}
	if counts[simbeacon.KindBlock] == 0 || counts[simbeacon.KindAttestation] == 0 {
		t.Errorf("the run exercised too little: %v", counts)
	}
	t.Logf("duties checked: %v", counts)
}

// TestMiddlewareModeRun is the same cluster driven by Run on a manual
// clock, a third of a slot at a time, as the devnet runs it: each step
// must bring, from every client, exactly the duties simbeacon assigns to
// the cluster's validators at that moment, all successful (duties fetched
// and selection rounds made ahead by Run included).
func TestMiddlewareModeRun(t *testing.T) {
	f := newFixture(t, signing.ForkSchedule{})
	cfg := f.node.ChainConfig()
	spe := cfg.SlotsPerEpoch
	first := phase0.Slot(spe)
	results := make(chan vc.Result, 1<<14)
	dc := newDVCluster(t, f, first, func(r vc.Result) { results <- r })
	f.at(first, 0)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, v := range dc.vcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := v.Run(ctx); err != nil {
				t.Errorf("Run: %v", err)
			}
		}()
	}
	defer func() { cancel(); wg.Wait() }()
	n := len(dc.vcs)
	expect := func(s phase0.Slot, want map[string]int, when string) {
		t.Helper()
		total := 0
		for _, c := range want {
			total += c * n
		}
		got := map[string]int{}
		for i := 0; i < total; i++ {
			select {
			case r := <-results:
				if !r.OK || r.Slot != s {
					t.Errorf("slot %d %s: %s of validator %d at slot %d: OK=%v %v", s, when, r.Type, r.Validator, r.Slot, r.OK, r.Err)
				}
				got[r.Type]++
			case <-time.After(60 * time.Second):
				t.Fatalf("slot %d %s: got %v, want %v from each of %d clients", s, when, got, want, n)
			}
		}
		for k, c := range want {
			if got[k] != c*n {
				t.Errorf("slot %d %s: %d %s, want %d", s, when, got[k], k, c*n)
			}
		}
	}
	for s := first; s <= first+3; s++ {
		f.at(s, 0)
		expect(s, map[string]int{vc.DutyProposal: 1}, "start")
		attesters, members, subs := 0, map[phase0.ValidatorIndex]bool{}, map[[2]uint64]bool{}
		for _, v := range dc.members {
			if f.node.AttesterDuty(v, phase0.Epoch(uint64(s)/spe)).Slot == s {
				attesters++
			}
		}
		for pos, v := range f.node.SyncCommittee(s) {
			if dc.inCluster[v] {
				members[v] = true
				subs[[2]uint64{uint64(v), cfg.SyncSubcommitteeIndex(uint64(pos))}] = true
			}
		}
		f.at(s, 1)
		expect(s, map[string]int{vc.DutyAttestation: attesters, vc.DutySyncMessage: len(members)}, "a third in")
		// Committees of 4 and subcommittees of 8 are under the aggregator
		// targets (16): every attester and member aggregates.
		f.at(s, 2)
		expect(s, map[string]int{vc.DutyAggregate: attesters, vc.DutyContribution: len(subs)}, "two thirds in")
	}
	dc.checkMiddleware(t)
}
