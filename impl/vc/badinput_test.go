package vc_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/impl/vc"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

// liar is a beacon node that rewrites every attestation_data answer with
// edit (as JSON: the request is made JSON-only so the answer can be
// rewritten).
func liar(t *testing.T, target string, edit func(data map[string]any)) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.URL.Path != "/eth/v1/validator/attestation_data" || resp.StatusCode != 200 {
			return nil
		}
		var body struct {
			Data map[string]any `json:"data"`
		}
		raw, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(raw, &body); err != nil {
			return err
		}
		edit(body.Data)
		out, _ := json.Marshal(body)
		resp.Body = io.NopCloser(strings.NewReader(string(out)))
		resp.ContentLength = int64(len(out))
		resp.Header.Del("Content-Length")
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/eth/v1/validator/attestation_data" {
			r.Header.Set("Accept", "application/json")
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestWrongAttestationDataChangesNothing: attestation data whose target is
// not the slot's epoch is refused before anything is recorded or signed:
// every attester of the slot reports the failure, simbeacon gets nothing,
// and the slashing DB stays empty (so the bad offer cannot block a later
// honest attestation either).
func TestWrongAttestationDataChangesNothing(t *testing.T) {
	f := newFixture(t, signing.ForkSchedule{})
	f.url = liar(t, f.url, func(d map[string]any) { d["target"].(map[string]any)["epoch"] = "99" })
	v := f.newVC(t, vc.Config{Keys: interopKeys(t, validators), NoSync: true})
	slot := phase0.Slot(9)
	f.at(slot, 1)
	rs := v.Attest(context.Background(), slot)
	if len(rs) == 0 {
		t.Fatal("no attester at the slot")
	}
	for _, r := range rs {
		if r.OK || r.Err == nil || !strings.Contains(r.Err.Error(), "target epoch 99") {
			t.Errorf("validator %d: OK=%v err=%v, want a refusal naming the target epoch", r.Validator, r.OK, r.Err)
		}
		if !vc.IsBadAnswer(r.Err) {
			t.Errorf("validator %d: %v is not classed as a bad answer", r.Validator, r.Err)
		}
		if got := f.node.Accepted(r.Validator, simbeacon.KindAttestation); len(got) != 0 {
			t.Errorf("validator %d: simbeacon accepted %v", r.Validator, got)
		}
	}
	db, err := f.store.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range db.Data {
		if len(d.SignedAttestations) != 0 {
			t.Errorf("slashing DB records %d attestations of %#x", len(d.SignedAttestations), d.Pubkey[:8])
		}
	}
}

// TestDoubleVoteOfferRefused: the beacon node offers, for a slot the
// client already attested, data with another head (a double vote): the
// client's slashing protection refuses every one, and simbeacon holds
// exactly the first attestations and no offence.
func TestDoubleVoteOfferRefused(t *testing.T) {
	f := newFixture(t, signing.ForkSchedule{})
	var mu sync.Mutex
	asked := 0
	f.url = liar(t, f.url, func(d map[string]any) {
		mu.Lock()
		defer mu.Unlock()
		asked++
		if asked > 1 {
			d["beacon_block_root"] = "0x" + strings.Repeat("ee", 32)
		}
	})
	v := f.newVC(t, vc.Config{Keys: interopKeys(t, validators), NoSync: true})
	slot := phase0.Slot(9)
	f.at(slot, 1)
	first := v.Attest(context.Background(), slot)
	if len(first) == 0 {
		t.Fatal("no attester at the slot")
	}
	for _, r := range first {
		if !r.OK {
			t.Fatalf("first attestation of validator %d failed: %v", r.Validator, r.Err)
		}
	}
	second := v.Attest(context.Background(), slot)
	if len(second) != len(first) {
		t.Fatalf("%d results the second time, %d the first", len(second), len(first))
	}
	for _, r := range second {
		if r.OK || !errors.Is(r.Err, slashing.ErrDoubleVote) {
			t.Errorf("validator %d: OK=%v err=%v, want a double-vote refusal", r.Validator, r.OK, r.Err)
		}
		if !vc.IsBadAnswer(r.Err) {
			t.Errorf("validator %d: %v is not classed as a bad answer", r.Validator, r.Err)
		}
		if got := f.node.Accepted(r.Validator, simbeacon.KindAttestation); len(got) != 1 {
			t.Errorf("validator %d: %d attestations accepted, want 1", r.Validator, len(got))
		}
	}
	if off := f.node.Offences(); len(off) != 0 {
		t.Errorf("simbeacon saw offences: %+v", off)
	}
}
