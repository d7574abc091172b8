package dvc

import (
	"errors"
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
)

// The attester scenarios and the attestation validity scenarios are
// spec/dvc/dvccases' (its TestScenarios runs them; vectorgen renders them
// as the dvc vectors). What stays here is the unit test of the two
// aggregation-bits functions.

// TestAggregationBits: the Dafny get_aggregation_bits (index 0 gives [],
// index 3 gives [F, F, T]) and the Ethereum-correct form (amendment A1),
// which refuses a duty whose position is not in its committee.
func TestAggregationBits(t *testing.T) {
	if got := DafnyAggregationBits(0); len(got) != 0 {
		t.Fatalf("index 0: %v", got)
	}
	if got := DafnyAggregationBits(3); len(got) != 3 || got[0] || got[1] || !got[2] {
		t.Fatalf("index 3: %v", got)
	}
	c := newCluster(t, 4, eth2spec.DataVersionElectra, ModeRemoteSigner)
	bits, err := AggregationBits(c.attDuty(17))
	if err != nil {
		t.Fatal(err)
	}
	if string(bits) != string(ethBits()) {
		t.Fatalf("Ethereum bits %x, want %x", []byte(bits), []byte(ethBits()))
	}
	for _, d := range []func(){
		func() { d := c.attDuty(17); d.CommitteeLength = 0; _, err = AggregationBits(d) },
		func() { d := c.attDuty(17); d.ValidatorCommitteeIndex = 8; _, err = AggregationBits(d) },
		func() { d := c.attDuty(17); d.CommitteeLength = 2049; _, err = AggregationBits(d) },
	} {
		d()
		if !errors.Is(err, ErrMalformedEvent) {
			t.Fatalf("malformed duty accepted: %v", err)
		}
	}
}
