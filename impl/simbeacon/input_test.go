package simbeacon_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/impl/simbeacon"
)

// TestBadInput sends malformed requests to every kind of endpoint. Each
// gets the standard error code and body, and none changes anything: no
// acceptance is recorded and no pool entry appears.
func TestBadInput(t *testing.T) {
	h := newHarness(t, simbeacon.Config{Validators: 64, MaxBodyBytes: 1 << 16})
	const epoch = phase0.Epoch(1)
	const v = phase0.ValidatorIndex(2)
	duty := h.n.AttesterDuty(v, epoch)
	toSlot(h, duty.Slot)
	good := h.s.SingleAttestation(v, epoch)
	goodJSON, _ := json.Marshal([]*electra.SingleAttestation{good})
	asMap := func() []map[string]any {
		var m []map[string]any
		_ = json.Unmarshal(goodJSON, &m)
		return m
	}
	edit := func(f func(m map[string]any)) []byte {
		m := asMap()
		f(m[0])
		b, _ := json.Marshal(m)
		return b
	}
	jsonCT := map[string]string{ethnode.HeaderConsensusVersion: "electra", "Content-Type": "application/json"}
	pool := ethnode.PathPoolAttestationsV2
	type tc struct {
		name, method, path string
		headers            map[string]string
		body               any
		status             int
		reason             string
	}
	cases := []tc{
		{"malformed JSON", "POST", pool, jsonCT, `[{"committee_index":`, 400, "malformed JSON"},
		{"trailing data", "POST", pool, jsonCT, string(goodJSON) + ` []`, 400, "after the top-level value"},
		{"empty body", "POST", pool, jsonCT, "", 400, "empty request body"},
		{"empty list", "POST", pool, jsonCT, "[]", 400, "empty"},
		{"object instead of list", "POST", pool, jsonCT, string(goodJSON[1 : len(goodJSON)-1]), 400, "invalid request body"},
		{"number instead of string", "POST", pool, jsonCT, edit(func(m map[string]any) { m["attester_index"] = 2 }), 400, "invalid request body"},
		{"negative index", "POST", pool, jsonCT, edit(func(m map[string]any) { m["attester_index"] = "-2" }), 400, "invalid"},
		{"index overflows uint64", "POST", pool, jsonCT, edit(func(m map[string]any) { m["attester_index"] = "18446744073709551616" }), 400, "invalid"},
		{"unknown key", "POST", pool, jsonCT, edit(func(m map[string]any) { m["aggregation_bits"] = "0x01" }), 400, "unknown field"},
		{"unknown nested key", "POST", pool, jsonCT, edit(func(m map[string]any) { m["data"].(map[string]any)["extra"] = "1" }), 400, "unknown field"},
		{"missing field", "POST", pool, jsonCT, edit(func(m map[string]any) { delete(m, "signature") }), 400, "signature missing"},
		{"missing nested field", "POST", pool, jsonCT, edit(func(m map[string]any) { delete(m["data"].(map[string]any), "target") }), 400, "invalid request body"},
		{"hex without 0x", "POST", pool, jsonCT, edit(func(m map[string]any) { m["signature"] = strings.TrimPrefix(m["signature"].(string), "0x") }), 400, "0x prefix"},
		{"short signature", "POST", pool, jsonCT, edit(func(m map[string]any) { m["signature"] = m["signature"].(string)[:190] }), 400, "signature"},
		{"non-hex signature", "POST", pool, jsonCT, edit(func(m map[string]any) { m["signature"] = "0x" + strings.Repeat("zz", 96) }), 400, "signature"},
		{"null item", "POST", pool, jsonCT, "[null]", 400, "missing attestation"},
		{"missing version header", "POST", pool, map[string]string{"Content-Type": "application/json"}, goodJSON, 400, "missing Eth-Consensus-Version"},
		{"unknown version header", "POST", pool, map[string]string{ethnode.HeaderConsensusVersion: "gloas", "Content-Type": "application/json"}, goodJSON, 400, "unsupported Eth-Consensus-Version"},
		{"upper-case version header", "POST", pool, map[string]string{ethnode.HeaderConsensusVersion: "ELECTRA", "Content-Type": "application/json"}, goodJSON, 400, "unsupported"},
		{"text/plain body", "POST", pool, map[string]string{ethnode.HeaderConsensusVersion: "electra", "Content-Type": "text/plain"}, goodJSON, 415, "not supported"},
		{"SSZ to a JSON-only endpoint", "POST", pool, map[string]string{ethnode.HeaderConsensusVersion: "electra", "Content-Type": "application/octet-stream"}, goodJSON, 415, "not supported"},
		{"body too large", "POST", pool, jsonCT, bytes.Repeat([]byte(" "), 1<<17), 413, "exceeds"},
		{"duties: empty list", "POST", "/eth/v1/validator/duties/attester/1", jsonCT, "[]", 400, "must not be empty"},
		{"duties: numbers", "POST", "/eth/v1/validator/duties/attester/1", jsonCT, "[1,2]", 400, "invalid request body"},
		{"duties: unknown validator", "POST", "/eth/v1/validator/duties/attester/1", jsonCT, `["64"]`, 400, "invalid validator index 64"},
		{"duties: epoch too far", "POST", "/eth/v1/validator/duties/attester/9", jsonCT, `["1"]`, 400, "more than one epoch"},
		{"duties: epoch not a number", "POST", "/eth/v1/validator/duties/attester/x", jsonCT, `["1"]`, 400, "invalid epoch"},
		{"proposer duties: epoch -2", "GET", "/eth/v1/validator/duties/proposer/-2", nil, nil, 400, "invalid epoch"},
		{"attestation data: missing slot", "GET", "/eth/v1/validator/attestation_data?committee_index=0", nil, nil, 400, "missing query parameter slot"},
		{"attestation data: slot twice", "GET", "/eth/v1/validator/attestation_data?slot=1&slot=2&committee_index=0", nil, nil, 400, "given 2 times"},
		{"attestation data: future slot", "GET", "/eth/v1/validator/attestation_data?slot=999&committee_index=0", nil, nil, 400, "has not started"},
		{"attestation data: no such committee", "GET", "/eth/v1/validator/attestation_data?slot=1&committee_index=5", nil, nil, 400, "has 1 committees"},
		{"attestation data: Accept SSZ only is fine", "GET", "/eth/v1/validator/attestation_data?slot=1&committee_index=0", map[string]string{"Accept": "application/octet-stream"}, nil, 200, ""},
		{"duties: Accept SSZ only", "GET", "/eth/v1/validator/duties/proposer/1", map[string]string{"Accept": "application/octet-stream"}, nil, 200, ""},
		{"aggregate: short root", "GET", "/eth/v2/validator/aggregate_attestation?attestation_data_root=0x01&slot=1&committee_index=0", nil, nil, 400, "32 bytes"},
		{"aggregate: unknown root", "GET", fmt.Sprintf("/eth/v2/validator/aggregate_attestation?attestation_data_root=0x%s&slot=1&committee_index=0", strings.Repeat("00", 32)), nil, nil, 404, "no attestation"},
		{"state: bad id", "GET", "/eth/v1/beacon/states/current/fork", nil, nil, 400, "invalid state id"},
		{"state: future slot", "GET", "/eth/v1/beacon/states/999999/fork", nil, nil, 404, "state not found"},
		{"state: unknown root", "GET", "/eth/v1/beacon/states/0x" + strings.Repeat("ab", 32) + "/fork", nil, nil, 404, "state not found"},
		{"block: bad id", "GET", "/eth/v1/beacon/blocks/latest/root", nil, nil, 400, "invalid block id"},
		{"validators: bad id", "GET", "/eth/v1/beacon/states/head/validators?id=0xzz", nil, nil, 400, "validator id"},
		{"validators: bad status", "GET", "/eth/v1/beacon/states/head/validators?status=sleeping", nil, nil, 400, "invalid validator status"},
		{"validators: too many ids", "GET", "/eth/v1/beacon/states/head/validators?id=" + strings.Repeat("1,", 64) + "1", nil, nil, 414, "too many"},
		{"validators POST: unknown key", "POST", "/eth/v1/beacon/states/head/validators", jsonCT, `{"ids":["1"],"colour":"blue"}`, 400, "unknown field"},
		{"validator: unknown", "GET", "/eth/v1/beacon/states/head/validators/4096", nil, nil, 404, "validator not found"},
		{"committees: slot outside epoch", "GET", "/eth/v1/beacon/states/head/committees?epoch=0&slot=40", nil, nil, 400, "does not belong"},
		{"committees: epoch too far", "GET", "/eth/v1/beacon/states/genesis/committees?epoch=5", nil, nil, 400, "more than one epoch"},
		{"events: no topics", "GET", "/eth/v1/events", nil, nil, 400, "topics"},
		{"events: unknown topic", "GET", "/eth/v1/events?topics=gossip", nil, nil, 400, "invalid topic"},
		{"health: bad syncing_status", "GET", "/eth/v1/node/health?syncing_status=42", nil, nil, 400, "syncing_status"},
		{"liveness: future epoch", "POST", "/eth/v1/validator/liveness/99", jsonCT, `["1"]`, 400, "after the current epoch"},
		{"sync duties: too far", "POST", "/eth/v1/validator/duties/sync/9999", jsonCT, `["1"]`, 400, "period"},
		{"subscriptions: impossible committee", "POST", ethnode.PathBeaconCommitteeSubs, jsonCT, `[{"validator_index":"1","committee_index":"3","committees_at_slot":"2","slot":"1","is_aggregator":false}]`, 400, "impossible"},
		{"subscriptions: boolean as string", "POST", ethnode.PathBeaconCommitteeSubs, jsonCT, `[{"validator_index":"1","committee_index":"0","committees_at_slot":"1","slot":"1","is_aggregator":"false"}]`, 400, "invalid request body"},
		{"prepare proposer: short address", "POST", ethnode.PathPrepareBeaconProp, jsonCT, `[{"validator_index":"1","fee_recipient":"0x01"}]`, 400, "invalid request body"},
		{"leading zeros", "POST", pool, jsonCT, edit(func(m map[string]any) { m["attester_index"] = "0002" }), 400, "canonical form"},
		{"sync selections: number", "POST", ethnode.PathSyncCommitteeSel, jsonCT, `[{"validator_index":1,"slot":"1","subcommittee_index":"0","selection_proof":"0x00"}]`, 400, "invalid request body"},
		{"unknown endpoint", "GET", "/eth/v1/beacon/pool/attestations", nil, nil, 404, "not found"},
		{"v1 pool attestations is gone", "POST", "/eth/v1/beacon/pool/attestations", jsonCT, goodJSON, 404, "not found"},
		{"wrong method", "GET", pool, nil, nil, 405, "not allowed"},
	}
	for _, c := range cases {
		st, body := h.do(c.method, c.path, c.headers, c.body)
		if st != c.status {
			t.Errorf("%s: status %d, want %d: %s", c.name, st, c.status, body)
			continue
		}
		if c.status == 200 {
			continue
		}
		var em ethnode.ErrorMessage
		err := json.Unmarshal(body, &em)
		text := em.Message
		for _, f := range em.Failures {
			text += " | " + f.Message
		}
		if err != nil || em.Code != c.status || !strings.Contains(text, c.reason) {
			t.Errorf("%s: body %s, want code %d and a message containing %q", c.name, body, c.status, c.reason)
		}
	}
	if got := h.n.AllAccepted(); len(got) != 0 {
		t.Fatalf("bad input recorded %d acceptances", len(got))
	}
	root, _ := good.Data.HashTreeRoot()
	if st, _ := h.do("GET", fmt.Sprintf("/eth/v2/validator/aggregate_attestation?attestation_data_root=%s&slot=%d&committee_index=%d", hex0x(root[:]), duty.Slot, duty.CommitteeIndex), nil, nil); st != http.StatusNotFound {
		t.Fatalf("bad input reached the pool (status %d)", st)
	}
	// And the good one still goes in.
	if st, body := h.post(pool, version("electra"), goodJSON); st != http.StatusOK {
		t.Fatalf("valid attestation after bad input: %d %s", st, body)
	}
}

// FuzzPoolAttestations: any body, under any version header, is answered
// with a status (never a panic), and a non-200 answer records nothing.
func FuzzPoolAttestations(f *testing.F) {
	f.Add([]byte(`[{"committee_index":"0","attester_index":"1","data":{"slot":"1","index":"0","beacon_block_root":"0x00","source":{"epoch":"0","root":"0x00"},"target":{"epoch":"0","root":"0x00"}},"signature":"0x00"}]`), "electra")
	f.Add([]byte(`[{"aggregation_bits":"0x01","data":null,"signature":"0x"}]`), "deneb")
	f.Add([]byte(`[[[[[[`), "electra")
	f.Add([]byte(`null`), "phase0")
	h := newHarness(&testing.T{}, simbeacon.Config{Validators: 8})
	f.Fuzz(func(t *testing.T, body []byte, v string) {
		for _, r := range v {
			if r < 0x20 || r > 0x7e {
				t.Skip("not a value an HTTP client can send in a header")
			}
		}
		h.t = t
		before := len(h.n.AllAccepted())
		st, _ := h.post(ethnode.PathPoolAttestationsV2, map[string]string{ethnode.HeaderConsensusVersion: v, "Content-Type": "application/json"}, body)
		if st == 0 || (st != http.StatusOK && len(h.n.AllAccepted()) != before) {
			t.Fatalf("status %d, acceptances %d -> %d", st, before, len(h.n.AllAccepted()))
		}
	})
}
