package validatorapi

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// FuzzDecodeSignedProposal: whatever a VC posts as a block, SSZ or JSON of
// any version, decoding returns a proposal or an error and never panics.
func FuzzDecodeSignedProposal(f *testing.F) {
	forks, err := signing.MinimalForkSchedule(eth2spec.DataVersionDeneb)
	if err != nil {
		f.Fatal(err)
	}
	chain, err := signing.NewChain(forks, phase0.Root{1}, spec.MinimalConfig())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint8(eth2spec.DataVersionDeneb), []byte{}, true)
	f.Add(uint8(eth2spec.DataVersionCapella), make([]byte, 300), true)
	f.Add(uint8(eth2spec.DataVersionElectra), []byte(`{"signed_block":{"message":{}}}`), false)
	f.Fuzz(func(t *testing.T, v uint8, body []byte, ssz bool) {
		p, err := decodeSignedProposal(chain, eth2spec.DataVersion(v%8), body, ssz)
		if err == nil {
			_, _, _ = unsigned(p)
		}
	})
}

// FuzzAggregationBodies: whatever a VC posts to the aggregation endpoints
// (any JSON, any version header), the answer is a status, never a panic.
func FuzzAggregationBodies(f *testing.F) {
	paths := []string{
		"/eth/v1/validator/beacon_committee_selections", "/eth/v1/validator/sync_committee_selections",
		"/eth/v1/validator/aggregate_and_proofs", "/eth/v2/validator/aggregate_and_proofs",
		"/eth/v1/validator/contribution_and_proofs",
	}
	f.Add(uint8(3), []byte(`[{}]`), "deneb")
	f.Add(uint8(3), []byte(`[{"message":{"aggregator_index":"42"}}]`), "electra")
	f.Add(uint8(2), []byte(`[null]`), "")
	f.Add(uint8(4), []byte(`[{"message":{"aggregator_index":"42","contribution":{}}}]`), "")
	f.Fuzz(func(t *testing.T, p uint8, body []byte, version string) {
		af := newAggFixture(t)
		req := httptest.NewRequest(http.MethodPost, paths[int(p)%len(paths)], bytes.NewReader(body))
		if version != "" {
			req.Header.Set("Eth-Consensus-Version", version)
		}
		w := httptest.NewRecorder()
		af.srv.Handler().ServeHTTP(w, req)
		if w.Code == 0 {
			t.Fatal("no status")
		}
	})
}
