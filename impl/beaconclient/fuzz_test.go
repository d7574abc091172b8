package beaconclient

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/impl/simbeacon/simtest"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// answerProxy stands between the client and the simulated beacon node: a
// request whose path starts with prefix gets the scripted answer, every
// other request the simulated node's own. In recording mode it keeps the
// simulated node's answer to the prefix instead.
type answerProxy struct {
	mu       sync.Mutex
	prefix   string
	status   int
	ctype    string
	body     []byte
	record   bool
	recorded []byte
	real     *httputil.ReverseProxy
}

func (p *answerProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	prefix, status, ctype, body, record := p.prefix, p.status, p.ctype, p.body, p.record
	p.mu.Unlock()
	if prefix == "" || !strings.HasPrefix(r.URL.Path, prefix) {
		p.real.ServeHTTP(w, r)
		return
	}
	if record {
		rec := httptest.NewRecorder()
		p.real.ServeHTTP(rec, r)
		p.mu.Lock()
		p.recorded = rec.Body.Bytes()
		p.mu.Unlock()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (p *answerProxy) set(prefix string, status int, ctype string, body []byte, record bool) {
	p.mu.Lock()
	p.prefix, p.status, p.ctype, p.body, p.record, p.recorded = prefix, status, ctype, body, record, nil
	p.mu.Unlock()
}

// beaconCall is one client call and the path prefix of the request it makes.
type beaconCall struct {
	prefix string
	call   func(ctx context.Context, c *Client) error
}

func beaconCalls(s simtest.Signer, slot phase0.Slot, msg *altair.SyncCommitteeMessage) []beaconCall {
	epoch := phase0.Epoch(2)
	idx := []phase0.ValidatorIndex{0, 1, 2, 3}
	reveal := s.RandaoReveal(slot)
	proof := s.SyncSelectionProof(msg.ValidatorIndex, slot, 0)
	return []beaconCall{
		{ethnode.PathGenesis, func(ctx context.Context, c *Client) error { _, err := c.Genesis(ctx); return err }},
		{ethnode.PathForkSchedule, func(ctx context.Context, c *Client) error { _, err := c.ForkSchedule(ctx); return err }},
		{"/eth/v1/beacon/states/head/fork", func(ctx context.Context, c *Client) error { _, err := c.StateFork(ctx, "head"); return err }},
		{ethnode.PathSpec, func(ctx context.Context, c *Client) error { _, err := c.Spec(ctx); return err }},
		{ethnode.PathNodeSyncing, func(ctx context.Context, c *Client) error { _, err := c.NodeSyncing(ctx); return err }},
		{ethnode.PathNodeVersion, func(ctx context.Context, c *Client) error { _, err := c.NodeVersion(ctx); return err }},
		{"/eth/v1/validator/duties/attester/", func(ctx context.Context, c *Client) error {
			_, err := c.AttesterDuties(ctx, epoch, idx)
			return err
		}},
		{"/eth/v1/validator/duties/proposer/", func(ctx context.Context, c *Client) error { _, err := c.ProposerDuties(ctx, epoch); return err }},
		{"/eth/v1/validator/duties/sync/", func(ctx context.Context, c *Client) error {
			_, err := c.SyncCommitteeDuties(ctx, epoch, idx)
			return err
		}},
		{ethnode.PathAttestationData, func(ctx context.Context, c *Client) error {
			_, err := c.ProduceAttestationData(ctx, slot, 0)
			return err
		}},
		{"/eth/v3/validator/blocks/", func(ctx context.Context, c *Client) error {
			_, err := c.ProduceBlock(ctx, slot, reveal, [32]byte{})
			return err
		}},
		{ethnode.PathSyncContribution, func(ctx context.Context, c *Client) error {
			_, err := c.ProduceSyncCommitteeContribution(ctx, slot, 0, simbeacon.BlockRoot(slot))
			return err
		}},
		{"/eth/v1/beacon/states/head/validators", func(ctx context.Context, c *Client) error {
			_, err := c.Validators(ctx, "head", idx, nil)
			return err
		}},
		{ethnode.PathSyncCommitteeSel, func(ctx context.Context, c *Client) error {
			_, err := c.SyncCommitteeSelections(ctx, []*ethnode.SyncCommitteeSelection{{ValidatorIndex: msg.ValidatorIndex, Slot: slot, SubcommitteeIndex: 0, SelectionProof: proof}})
			return err
		}},
		{ethnode.PathPoolSyncCommittees, func(ctx context.Context, c *Client) error {
			return c.SubmitSyncCommitteeMessages(ctx, []*altair.SyncCommitteeMessage{msg})
		}},
	}
}

// FuzzBeaconNodeAnswers gives the beacon client arbitrary answers (status,
// content type, body) to each call the node makes, while every other
// request (go-eth2-client's start-up reads) reaches a real simulated beacon
// node. No call may panic or hang past its timeout; a failure must be an
// error the node can act on. Seeds: the simulated node's real answers to
// each call, recorded through the same proxy, JSON and SSZ.
func FuzzBeaconNodeAnswers(f *testing.F) {
	forks, err := signing.MinimalForkSchedule(eth2spec.DataVersionElectra)
	if err != nil {
		f.Fatal(err)
	}
	n, clock, realURL := simtest.Start(f, simbeacon.Config{Chain: builtin(f, "minimal"), Validators: 64, Forks: forks})
	slot := phase0.Slot(2 * n.ChainConfig().SlotsPerEpoch)
	simtest.ToSlot(n, clock, slot)
	target, err := url.Parse(realURL)
	if err != nil {
		f.Fatal(err)
	}
	proxy := &answerProxy{real: httputil.NewSingleHostReverseProxy(target)}
	srv := httptest.NewServer(proxy) // 127.0.0.1
	f.Cleanup(srv.Close)
	signer := simtest.Signer{T: f, Node: n}
	// The sync committee signs the slot, so that a contribution exists.
	var msgs []*altair.SyncCommitteeMessage
	seen := map[phase0.ValidatorIndex]bool{}
	for _, v := range n.SyncCommittee(slot) {
		if !seen[v] {
			seen[v] = true
			msgs = append(msgs, signer.SyncMessage(v, slot))
		}
	}
	direct, err := New(Config{URLs: []string{realURL}, Timeout: 5 * time.Second})
	if err != nil {
		f.Fatal(err)
	}
	if err := direct.SubmitSyncCommitteeMessages(context.Background(), msgs); err != nil {
		f.Fatal(err)
	}
	direct.Close()
	calls := beaconCalls(signer, slot, msgs[0])

	run := func(enforceJSON bool, k int) error {
		c, err := New(Config{URLs: []string{srv.URL}, Timeout: 2 * time.Second, EnforceJSON: enforceJSON})
		if err != nil {
			return err
		}
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return calls[k].call(ctx, c)
	}
	for k, c := range calls {
		for _, enforce := range []bool{true, false} {
			proxy.set(c.prefix, 0, "", nil, true)
			err := run(enforce, k)
			proxy.mu.Lock()
			body := proxy.recorded
			proxy.mu.Unlock()
			if err != nil {
				f.Fatalf("recording the real answer to %s (json %v): %v", c.prefix, enforce, err)
			}
			which := uint8(k)
			if enforce {
				which |= 0x80
			}
			ctype := "application/octet-stream"
			if json := bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) || bytes.HasPrefix(bytes.TrimSpace(body), []byte("[")); json {
				ctype = "application/json"
			}
			f.Add(which, uint16(200), ctype, body)
		}
	}
	f.Add(uint8(0), uint16(500), "application/json", []byte(`{"code":500,"message":"internal"}`))
	f.Add(uint8(len(calls)-1), uint16(400), "application/json", []byte(`{"code":400,"message":"some failed","failures":[{"index":0,"message":"bad"}]}`))

	f.Fuzz(func(t *testing.T, which uint8, status uint16, ctype string, body []byte) {
		k := int(which&0x7f) % len(calls)
		code := int(status%500) + 100
		proxy.set(calls[k].prefix, code, ctype, body, false)
		err := run(which&0x80 != 0, k)
		if err == nil {
			return
		}
		var e *Error
		if !errors.As(err, &e) && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, io.ErrUnexpectedEOF) {
			// Every failure the node sees carries the node and endpoint
			// (Error), so that it can log and fail over.
			t.Fatalf("call %s: error %T is not a beaconclient.Error: %v", calls[k].prefix, err, err)
		}
	})
}
