package simbeacon_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/impl/simbeacon/simtest"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// harness is a simulated node with raw HTTP helpers, for tests that send
// exactly the bytes they mean to.
type harness struct {
	t     *testing.T
	n     *simbeacon.Node
	clock *simbeacon.ManualClock
	url   string
	s     simtest.Signer
}

func newHarness(t *testing.T, cfg simbeacon.Config) *harness {
	t.Helper()
	n, clock, url := simtest.Start(t, cfg)
	return &harness{t: t, n: n, clock: clock, url: url, s: simtest.Signer{T: t, Node: n}}
}

func (h *harness) do(method, path string, headers map[string]string, body any) (int, []byte) {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			h.t.Fatalf("marshal: %v", err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, h.url+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

func (h *harness) post(path string, headers map[string]string, body any) (int, []byte) {
	h.t.Helper()
	return h.do(http.MethodPost, path, headers, body)
}

// version is the Eth-Consensus-Version header of a fork.
func version(v string) map[string]string { return map[string]string{ethnode.HeaderConsensusVersion: v} }

// refused asserts a 400 whose message (or one of whose failures) contains
// reason, and that nothing was recorded since before.
func (h *harness) refused(name string, status int, body []byte, reason string, before int) {
	h.t.Helper()
	if status != http.StatusBadRequest {
		h.t.Errorf("%s: status %d, want 400: %s", name, status, body)
		return
	}
	var em ethnode.ErrorMessage
	if err := json.Unmarshal(body, &em); err != nil || em.Code != http.StatusBadRequest {
		h.t.Errorf("%s: not a standard error body: %s", name, body)
		return
	}
	text := em.Message
	for _, f := range em.Failures {
		text += " | " + f.Message
	}
	if !strings.Contains(text, reason) {
		h.t.Errorf("%s: reason %q lacks %q", name, text, reason)
	}
	if got := len(h.n.AllAccepted()); got != before {
		h.t.Errorf("%s: %d acceptances recorded by a refused request", name, got-before)
	}
}

// signWith signs objectRoot under an explicit domain, so a test can use
// the wrong domain type, fork version or genesis validators root.
func (h *harness) signWith(v phase0.ValidatorIndex, objectRoot phase0.Root, domainType phase0.DomainType, version phase0.Version, gvr phase0.Root) phase0.BLSSignature {
	h.t.Helper()
	domain, err := signing.ComputeDomain(domainType, version, gvr)
	if err != nil {
		h.t.Fatal(err)
	}
	root, err := signing.ComputeSigningRootFromObjectRoot(objectRoot, domain)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.s.Sign(v, root)
}

func (h *harness) forkVersion(name string) phase0.Version {
	for _, f := range h.n.Config().Forks.Forks() {
		if f.Name.String() == name {
			return f.Version
		}
	}
	h.t.Fatalf("no fork %s", name)
	return phase0.Version{}
}

// infinity is the compressed G2 point at infinity; garbage is 96 bytes
// that are not a G2 point at all.
var (
	infinity = phase0.BLSSignature{0xc0}
	garbage  = func() phase0.BLSSignature {
		var s phase0.BLSSignature
		for i := range s {
			s[i] = 0xff
		}
		return s
	}()
)

// aggregateOf sums signatures (test setup, inputs known valid).
func aggregateOf(t *testing.T, sigs ...phase0.BLSSignature) phase0.BLSSignature {
	t.Helper()
	s, err := bls.AggregateSignatures(sigs)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// trySign signs message as SignedRoot does, or returns the infinity
// signature when the message cannot be hashed in the chain's preset (a
// deliberately mis-shaped message, refused before its signature is read).
func (h *harness) trySign(v phase0.ValidatorIndex, message any, domainType phase0.DomainType, epoch phase0.Epoch) phase0.BLSSignature {
	root, err := h.n.SigningRoot(message, domainType, epoch)
	if err != nil {
		return infinity
	}
	return h.s.Sign(v, root)
}
