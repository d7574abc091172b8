package conformance

import (
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/spec/bls"
)

// TestDoubleProposalOffers: under double_proposal, node 1's endpoint
// answers a block request with a block no other node is offered, and a
// repeated request for the same slot with yet another; node 2's endpoint
// offers the chain's block every time.
func TestDoubleProposalOffers(t *testing.T) {
	sc := scenarioNamed(t, "double_proposal")
	clock := simbeacon.NewManualClock(time.Unix(1_800_000_000, 0))
	k, err := New(Config{Nodes: 4, Validators: 8, Scenario: sc, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	slot := phase0.Slot(3)
	clock.Set(k.Genesis().Add(time.Duration(uint64(slot)*sc.secondsPerSlot())*time.Second + 100*time.Millisecond))
	proposer := k.Beacon().Proposer(slot)
	sk, err := bls.InteropSecretKey(uint64(proposer))
	if err != nil {
		t.Fatal(err)
	}
	in, err := k.Chain().RandaoReveal(phase0.Epoch(uint64(slot) / k.Beacon().ChainConfig().SlotsPerEpoch))
	if err != nil {
		t.Fatal(err)
	}
	reveal, err := bls.Sign(sk, in.SigningRoot[:])
	if err != nil {
		t.Fatal(err)
	}
	get := func(node uint64) string {
		t.Helper()
		url := fmt.Sprintf("%s/eth/v3/validator/blocks/%d?randao_reveal=0x%s", k.URL(node), slot, hex.EncodeToString(reveal[:]))
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("node %d: %s %s", node, resp.Status, b)
		}
		return string(b)
	}
	honest1, honest2 := get(2), get(2)
	if honest1 != honest2 {
		t.Fatal("node 2's endpoint offered two different blocks without a fault")
	}
	first, second := get(1), get(1)
	if first == honest1 || second == honest1 || first == second {
		t.Fatalf("node 1's offers are not all different: own1=%v own2=%v repeat=%v", first == honest1, second == honest1, first == second)
	}
	if a := k.fronts[0].Applied(); len(a) != 1 || a[0].Applied != 2 {
		t.Errorf("double_proposal applied %+v, want 2", a)
	}
}
