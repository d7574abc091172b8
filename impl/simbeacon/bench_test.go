package simbeacon_test

import (
	"bytes"
	"encoding/json"
	"github.com/dvspec/go-dvspec/spec"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/impl/simbeacon/simtest"
)

// BenchmarkSubmitAttestation is the node's per-attestation cost (decode,
// checks, one pairing), the dominant load of a devnet: 512 validators
// attest once per epoch each.
func BenchmarkSubmitAttestation(b *testing.B) {
	clock := simbeacon.NewManualClock(simtest.Genesis)
	n, err := simbeacon.New(simbeacon.Config{Chain: spec.MinimalConfig(), Validators: 512, GenesisTime: simtest.Genesis, Clock: clock})
	if err != nil {
		b.Fatal(err)
	}
	s := simtest.Signer{T: b, Node: n}
	const epoch = phase0.Epoch(1)
	d := n.AttesterDuty(0, epoch)
	simtest.ToSlot(n, clock, d.Slot)
	body, _ := json.Marshal([]*electra.SingleAttestation{s.SingleAttestation(0, epoch)})
	h := n.Handler()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest(http.MethodPost, ethnode.PathPoolAttestationsV2, bytes.NewReader(body))
		req.Header.Set(ethnode.HeaderConsensusVersion, "electra")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}

// BenchmarkAttesterDuties is the cost of a duties request for 512
// validators once the epoch's shuffling is cached.
func BenchmarkAttesterDuties(b *testing.B) {
	clock := simbeacon.NewManualClock(simtest.Genesis)
	n, err := simbeacon.New(simbeacon.Config{Chain: spec.MinimalConfig(), Validators: 512, GenesisTime: simtest.Genesis, Clock: clock})
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, 512)
	for i := range ids {
		ids[i] = strconv.Itoa(i)
	}
	body, _ := json.Marshal(ids)
	h := n.Handler()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest(http.MethodPost, "/eth/v1/validator/duties/attester/0", bytes.NewReader(body))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}
