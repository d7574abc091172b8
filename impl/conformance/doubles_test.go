package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// behaviour is how a test double chooses what to submit, given what each
// node's endpoint offered (node 1 first). It returns, per node, the data to
// submit (nil: submit nothing).
type behaviour func(offers []*phase0.AttestationData, slot phase0.Slot) []*phase0.AttestationData

// leaderValue is what a cluster that agrees on node 1's offer submits,
// with no validity or slashing check: every node submits the leader's.
func leaderValue(offers []*phase0.AttestationData, _ phase0.Slot) []*phase0.AttestationData {
	out := make([]*phase0.AttestationData, len(offers))
	for i := range out {
		out[i] = offers[0]
	}
	return out
}

var doubles = map[string]behaviour{
	// honest is the control: the leader's value, on a scenario without
	// slashable offers, is what a correct cluster submits.
	"honest": leaderValue,
	// no_consensus: each node signs what its own beacon node offered.
	"no_consensus": func(offers []*phase0.AttestationData, _ phase0.Slot) []*phase0.AttestationData {
		return offers
	},
	// no_slashing_protection: agrees on the leader's value but never
	// checks it against what it signed before.
	"no_slashing_protection": leaderValue,
	// never_submits: does the work and submits nothing.
	"never_submits": func(offers []*phase0.AttestationData, _ phase0.Slot) []*phase0.AttestationData {
		return make([]*phase0.AttestationData, len(offers))
	},
	// unoffered: submits a head vote nobody was offered (the valid,
	// known block of the slot before; at slot 0 there is none, so it
	// submits the leader's value there).
	"unoffered": func(offers []*phase0.AttestationData, slot phase0.Slot) []*phase0.AttestationData {
		d := *offers[0]
		if slot >= 1 {
			d.BeaconBlockRoot = simbeacon.BlockRoot(slot - 1)
		}
		out := make([]*phase0.AttestationData, len(offers))
		for i := range out {
			out[i] = &d
		}
		return out
	},
}

func scenarioNamed(t *testing.T, name string) Scenario {
	t.Helper()
	all, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no built-in scenario %s", name)
	return Scenario{}
}

// runDouble drives a 4-node cluster of the double through scenario on a
// manual clock, over the kit's real endpoints, and judges its attester
// duties (the doubles do nothing else).
func runDouble(t *testing.T, b behaviour, sc Scenario) *Report {
	t.Helper()
	const nodes, validators = 4, 8
	clock := simbeacon.NewManualClock(time.Unix(1_800_000_000, 0))
	k, err := New(Config{Nodes: nodes, Validators: validators, Scenario: sc, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	sb := k.Beacon()
	spe := sb.ChainConfig().SlotsPerEpoch
	slotDur := time.Duration(sc.secondsPerSlot()) * time.Second
	client := &http.Client{Timeout: 10 * time.Second}
	for s := phase0.Slot(0); uint64(s) < sc.Slots; s++ {
		clock.Set(k.Genesis().Add(time.Duration(s)*slotDur + slotDur/3))
		for v := 0; v < validators; v++ {
			d := sb.AttesterDuty(phase0.ValidatorIndex(v), phase0.Epoch(uint64(s)/spe))
			if d == nil || d.Slot != s {
				continue
			}
			offers := make([]*phase0.AttestationData, nodes)
			for i := range offers {
				offers[i] = fetchData(t, client, k.URL(uint64(i+1)), s)
			}
			for i, data := range b(offers, s) {
				if data != nil {
					submit(t, client, k.Chain(), k.URL(uint64(i+1)), d.ValidatorIndex, d.CommitteeIndex, data)
				}
			}
		}
	}
	// A fault that changed no answer would make the case prove nothing.
	for _, f := range k.fronts {
		for _, a := range f.Applied() {
			if a.Applied == 0 {
				t.Errorf("node %d fault %s never applied", a.Node, a.Kind)
			}
		}
	}
	in := k.Input()
	var att []Duty
	for _, d := range in.Duties {
		if d.Type == DutyAttester {
			att = append(att, d)
		}
	}
	in.Duties = att
	return NewReport(sc, in)
}

func fetchData(t *testing.T, c *http.Client, url string, slot phase0.Slot) *phase0.AttestationData {
	t.Helper()
	resp, err := c.Get(fmt.Sprintf("%s/eth/v1/validator/attestation_data?slot=%d&committee_index=0", url, slot))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Data *phase0.AttestationData `json:"data"`
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("attestation_data: %s", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Data == nil {
		t.Fatalf("attestation_data: %v", err)
	}
	return body.Data
}

func submit(t *testing.T, c *http.Client, chain signing.Chain, url string, v phase0.ValidatorIndex, committee phase0.CommitteeIndex, data *phase0.AttestationData) {
	t.Helper()
	sk, err := bls.InteropSecretKey(uint64(v))
	if err != nil {
		t.Fatal(err)
	}
	// The double signs with the whole validator key: the kit judges what
	// is submitted, not how it was signed.
	in, err := chain.AttestationData(data)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := bls.Sign(sk, in.SigningRoot[:])
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal([]*electra.SingleAttestation{{CommitteeIndex: committee, AttesterIndex: v, Data: data, Signature: sig}})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, url+"/eth/v2/beacon/pool/attestations", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Eth-Consensus-Version", "electra")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// TestDoublesFailTheirCheck runs each test double through the scenario
// that exposes it and requires exactly the check it was built to fail to
// fail (the honest control passes everything on the same scenarios).
func TestDoublesFailTheirCheck(t *testing.T) {
	cases := []struct {
		double, scenario string
		fails            string // "" : every check passes
	}{
		{"honest", "baseline", ""},
		{"honest", "divergent_views", ""},
		{"honest", "late_head", ""},
		{"honest", "short_reorg", ""},
		{"no_consensus", "short_reorg", CheckAgreement},
		{"no_consensus", "divergent_views", CheckAgreement},
		{"no_slashing_protection", "slashable_offers", CheckSafety},
		{"never_submits", "baseline", CheckLiveness},
		{"unoffered", "baseline", CheckValidity},
	}
	for _, c := range cases {
		t.Run(c.double+"/"+c.scenario, func(t *testing.T) {
			r := runDouble(t, doubles[c.double], scenarioNamed(t, c.scenario))
			for _, res := range r.Checks {
				want := res.Check != c.fails
				// A slashable value the chain refuses is also a duty not
				// done: liveness may fail alongside safety, never instead.
				if c.fails == CheckSafety && res.Check == CheckLiveness {
					continue
				}
				// Nodes that submit different data for one validator and
				// slot have also made a double vote under its key.
				if c.fails == CheckAgreement && res.Check == CheckSafety {
					continue
				}
				// Nothing done leaves latency nothing to measure.
				if c.fails == CheckLiveness && res.Check == CheckLatency {
					continue
				}
				if res.Pass != want {
					t.Errorf("%s: pass=%v, want %v (%s; %v)", res.Check, res.Pass, want, res.Detail, res.Errors)
				}
			}
			if c.fails != "" && r.Pass {
				t.Errorf("report passes; want %s to fail", c.fails)
			}
		})
	}
}
