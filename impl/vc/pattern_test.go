package vc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/impl/vc"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// recorder sits between the client and simbeacon and records, per path,
// how many items each POST carried.
type recorder struct {
	mu     sync.Mutex
	items  map[string][]int
	status map[string][]int
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) { w.code = code; w.ResponseWriter.WriteHeader(code) }

func (r *recorder) wrap(t *testing.T, target string) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	r.items = map[string][]int{}
	r.status = map[string][]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodPost {
			body, _ := io.ReadAll(req.Body)
			req.Body = io.NopCloser(bytes.NewReader(body))
			var list []json.RawMessage
			n := -1
			if json.Unmarshal(body, &list) == nil {
				n = len(list)
			}
			r.mu.Lock()
			r.items[req.URL.Path] = append(r.items[req.URL.Path], n)
			r.mu.Unlock()
		}
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		proxy.ServeHTTP(sw, req)
		r.mu.Lock()
		r.status[req.URL.Path] = append(r.status[req.URL.Path], sw.code)
		r.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func (r *recorder) get(path string) []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int(nil), r.items[path]...)
}

func (r *recorder) statuses(path string) []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int(nil), r.status[path]...)
}

// TestDistributedSelectionsFollowPattern runs the client in VC-middleware
// mode (selection proofs through the DVT selection endpoints; simbeacon
// verifies full proofs and echoes them, as a DV node echoes combined
// ones) with two request patterns, and checks the shape of the selection
// traffic: Prysm's one sync selection per validator per subcommittee per
// request, the default one request per slot. Either way every aggregate
// and contribution must be accepted.
func TestDistributedSelectionsFollowPattern(t *testing.T) {
	for _, tc := range []struct {
		pattern vc.Pattern
		// wantPerRequest is the exact item count of every sync selection
		// request, 0 meaning "one request per slot".
		wantPerRequest int
	}{
		{vc.PrysmPattern(), 1},
		{vc.DefaultPattern(), 0},
	} {
		t.Run(tc.pattern.Name, func(t *testing.T) {
			f := newFixture(t, signing.ForkSchedule{})
			var rec recorder
			f.url = rec.wrap(t, f.url)
			var mu sync.Mutex
			var failed []vc.Result
			v := f.newVC(t, vc.Config{Keys: interopKeys(t, validators), Aggregation: true, Distributed: true, Pattern: tc.pattern,
				OnDuty: func(r vc.Result) {
					if !r.OK {
						mu.Lock()
						failed = append(failed, r)
						mu.Unlock()
					}
				}})
			ctx := context.Background()
			slots := []phase0.Slot{9, 10, 11}
			for _, s := range slots {
				f.at(s, 0)
				v.Select(ctx, s)
				f.at(s, 1)
				v.Attest(ctx, s)
				f.at(s, 2)
				v.Aggregate(ctx, s)
			}
			for _, r := range failed {
				t.Errorf("%s of validator %d at slot %d failed: %v", r.Type, r.Validator, r.Slot, r.Err)
			}
			// Subscriptions go out with the duties, and simbeacon checks
			// their shape and ranges.
			for _, p := range []string{"/eth/v1/validator/beacon_committee_subscriptions", "/eth/v1/validator/sync_committee_subscriptions"} {
				st := rec.statuses(p)
				if len(st) == 0 {
					t.Errorf("no %s", p)
				}
				for _, c := range st {
					if c != http.StatusOK {
						t.Errorf("%s answered %d", p, c)
					}
				}
			}
			sync := rec.get("/eth/v1/validator/sync_committee_selections")
			beacon := rec.get("/eth/v1/validator/beacon_committee_selections")
			// Beacon committee selections go out at the start of each
			// slot (Select, as Prysm's distributed mode asks them), one
			// request carrying the slot's attesters (both patterns batch
			// them); aggregating found them and asked nothing again.
			total := 0
			for _, n := range beacon {
				total += n
			}
			if len(sync) == 0 || len(beacon) != len(slots) || total != validators*len(slots)/int(f.node.Config().SlotsPerEpoch) {
				t.Fatalf("selection requests: sync %v, beacon %v (want one per slot, each with the slot's attesters)", sync, beacon)
			}
			for _, n := range sync {
				if tc.wantPerRequest > 0 && n != tc.wantPerRequest {
					t.Errorf("a sync selection request carried %d items, want %d: %v", n, tc.wantPerRequest, sync)
				}
			}
			if tc.wantPerRequest == 0 && len(sync) != len(slots) {
				t.Errorf("sync selection requests %v, want one per slot", sync)
			}
			for _, s := range slots {
				for _, m := range f.node.SyncCommittee(s) {
					if !acceptedAt(f.node, m, simbeacon.KindSyncCommitteeSelection, s) || !acceptedAt(f.node, m, simbeacon.KindContributionAndProof, s) {
						t.Errorf("slot %d: selection or contribution of validator %d not accepted", s, m)
					}
				}
			}
		})
	}
}

// TestSelectionsAllBack: a DV node that answers fewer combined selection
// proofs than asked (one was not combined in time) fails only the missing
// one, unless the pattern takes an answer only whole (Prysm), which fails
// every selection of the request.
func TestSelectionsAllBack(t *testing.T) {
	for _, tc := range []struct {
		allBack  bool
		wantFail int // of the slot's 8 attesters
	}{{false, 1}, {true, 8}} {
		f := newFixture(t, signing.ForkSchedule{})
		target := f.url
		short := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			req, _ := http.NewRequestWithContext(r.Context(), r.Method, target+r.URL.RequestURI(), bytes.NewReader(body))
			req.Header = r.Header.Clone()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			defer resp.Body.Close()
			out, _ := io.ReadAll(resp.Body)
			if r.URL.Path == "/eth/v1/validator/beacon_committee_selections" && resp.StatusCode == http.StatusOK {
				var ans struct {
					Data []json.RawMessage `json:"data"`
				}
				if json.Unmarshal(out, &ans) == nil && len(ans.Data) > 0 {
					ans.Data = ans.Data[:len(ans.Data)-1]
					out, _ = json.Marshal(ans)
				}
			}
			for k, v := range resp.Header {
				w.Header()[k] = v
			}
			w.Header().Del("Content-Length") // the answer may be shorter
			w.WriteHeader(resp.StatusCode)
			_, _ = w.Write(out)
		}))
		t.Cleanup(short.Close)
		f.url = short.URL
		var mu sync.Mutex
		failed := 0
		v := f.newVC(t, vc.Config{Keys: interopKeys(t, validators), Aggregation: true, Distributed: true, NoSync: true,
			Pattern: vc.Pattern{Name: "test", SelectionsAllBack: tc.allBack},
			OnDuty: func(r vc.Result) {
				if r.Type == vc.DutyAggregate && !r.OK {
					mu.Lock()
					failed++
					mu.Unlock()
				}
			}})
		ctx := context.Background()
		f.at(9, 1)
		v.Attest(ctx, 9)
		f.at(9, 2)
		v.Aggregate(ctx, 9)
		if failed != tc.wantFail {
			t.Errorf("SelectionsAllBack %v: %d aggregations failed, want %d", tc.allBack, failed, tc.wantFail)
		}
	}
}

// TestSyncSelectionsNotServed: a DV node that runs no sync contributions
// answers sync_committee_selections 501; the client stops asking (one
// request, not one per slot) and still aggregates attestations.
func TestSyncSelectionsNotServed(t *testing.T) {
	f := newFixture(t, signing.ForkSchedule{})
	target, _ := url.Parse(f.url)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var mu sync.Mutex
	asked := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/eth/v1/validator/sync_committee_selections" {
			mu.Lock()
			asked++
			mu.Unlock()
			http.Error(w, `{"code":501,"message":"not served"}`, http.StatusNotImplemented)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	f.url = srv.URL
	aggregated := 0
	v := f.newVC(t, vc.Config{Keys: interopKeys(t, validators), Aggregation: true, Distributed: true,
		OnDuty: func(r vc.Result) {
			if r.Type == vc.DutyAggregate && r.OK {
				mu.Lock()
				aggregated++
				mu.Unlock()
			}
		}})
	ctx := context.Background()
	for _, s := range []phase0.Slot{9, 10, 11} {
		f.at(s, 1)
		v.Attest(ctx, s)
		f.at(s, 2)
		v.Aggregate(ctx, s)
	}
	if asked != 1 || aggregated == 0 {
		t.Fatalf("%d sync selection requests (want 1), %d aggregates", asked, aggregated)
	}
}

// TestPrysmSyncAggregatorLastSeat reproduces how Prysm v6.0.4 decides that
// a validator aggregates sync committee contributions: from the selection
// proof of its last sync committee position only. With one aggregator in
// eight per subcommittee, a validator the protocol selects in an earlier
// subcommittee but not in the one of its last position contributes
// nothing under the Prysm pattern, and exactly the selected subcommittees
// otherwise. The expectation is computed here from the interop keys, not
// taken from the client.
func TestPrysmSyncAggregatorLastSeat(t *testing.T) {
	chain := spec.MinimalConfig()
	// One aggregator in 32/4/1 = 8 per subcommittee (the minimal preset
	// selects everyone). The served table is the one the client reads.
	chain.TargetAggregatorsPerSyncSubcommittee = 1
	values := map[string]uint64{}
	for k, v := range chain.Values {
		values[k] = v
	}
	values["TARGET_AGGREGATORS_PER_SYNC_SUBCOMMITTEE"] = 1
	chain.Values = values
	// Eight validators hold four of the 32 seats each, mostly in more
	// than one subcommittee, as on a devnet.
	const count = 8
	keys := interopKeys(t, int(count))
	slots := []phase0.Slot{9, 10, 11, 12, 13, 14, 15, 16}
	for _, last := range []bool{false, true} {
		f := newFixtureChain(t, signing.ForkSchedule{}, chain, count)
		p := vc.DefaultPattern()
		p.SyncAggregatorLastSeat = last
		v := f.newVC(t, vc.Config{Keys: keys, Aggregation: true, Pattern: p})
		ctx := context.Background()
		sc := f.node.SigningChain()
		subSize := chain.SyncCommitteeSize / chain.SyncCommitteeSubnetCount
		lost := 0
		for _, s := range slots {
			f.at(s, 1)
			v.Attest(ctx, s)
			f.at(s, 2)
			v.Aggregate(ctx, s)
			// Per member: is it selected in some subcommittee, and in the
			// subcommittee of its last position?
			anySel := map[phase0.ValidatorIndex]bool{}
			lastSel := map[phase0.ValidatorIndex]bool{}
			for pos, m := range f.node.SyncCommittee(s) {
				sub := uint64(pos) / subSize
				in, err := sc.SyncCommitteeSelectionProof(&altair.SyncAggregatorSelectionData{Slot: s, SubcommitteeIndex: sub})
				if err != nil {
					t.Fatal(err)
				}
				sig, err := bls.Sign(keys[m], in.SigningRoot[:])
				if err != nil {
					t.Fatal(err)
				}
				sel := chain.IsSyncCommitteeAggregator(sig)
				anySel[m] = anySel[m] || sel
				lastSel[m] = sel // positions ascend: the last one wins
			}
			for m, a := range anySel {
				want := a && (!last || lastSel[m])
				if a && !want {
					lost++
				}
				if got := acceptedAt(f.node, m, simbeacon.KindContributionAndProof, s); got != want {
					t.Errorf("last seat %v, slot %d, validator %d: contribution accepted %v, want %v (selected somewhere %v, in its last subcommittee %v)",
						last, s, m, got, want, a, lastSel[m])
				}
			}
		}
		if last && lost == 0 {
			t.Fatalf("no validator at slots %v is selected only before its last subcommittee: the test shows nothing", slots)
		}
	}
}
