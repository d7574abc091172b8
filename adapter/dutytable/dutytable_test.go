package dutytable

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/spec"
)

func TestPercentiles(t *testing.T) {
	var l []time.Duration
	for i := 100; i >= 1; i-- {
		l = append(l, time.Duration(i)*time.Millisecond)
	}
	p50, p95, p99 := Percentiles(l)
	if p50 != 50*time.Millisecond || p95 != 95*time.Millisecond || p99 != 99*time.Millisecond {
		t.Errorf("percentiles of 1..100 ms: %v %v %v", p50, p95, p99)
	}
	if a, b, c := Percentiles(nil); a != 0 || b != 0 || c != 0 {
		t.Error("percentiles of nothing are not zero")
	}
}

// The table counts a duty as succeeded exactly when the beacon node
// accepted a message of its kind, validator and slot, measures latency to
// the first acceptance, and prints one DUTY line per type.
func TestSummarize(t *testing.T) {
	t0 := time.Unix(1000, 0)
	duties := []Duty{
		{Type: TypeAttester, Validator: 1, Slot: 3, Start: t0},
		{Type: TypeAttester, Validator: 2, Slot: 3, Start: t0},
		{Type: TypeProposer, Validator: 1, Slot: 3, Start: t0},
		{Type: TypeSync, Validator: 1, Slot: 3, Start: t0},
	}
	recs := []simbeacon.Acceptance{
		{Validator: 1, Kind: simbeacon.KindAttestation, Slot: 3, At: t0.Add(300 * time.Millisecond)},
		{Validator: 1, Kind: simbeacon.KindAttestation, Slot: 3, At: t0.Add(100 * time.Millisecond)},
		// Another kind, slot or validator does not count.
		{Validator: 2, Kind: simbeacon.KindAggregateAndProof, Slot: 3, At: t0},
		{Validator: 2, Kind: simbeacon.KindAttestation, Slot: 4, At: t0},
		{Validator: 1, Kind: simbeacon.KindBlock, Slot: 3, At: t0.Add(2 * time.Second)},
	}
	tab := Summarize(recs, duties)
	if tab.Total.Count != 4 || tab.Total.Succeeded != 2 || tab.Total.Failed != 2 {
		t.Fatalf("total %+v, want 4 duties, 2 succeeded", tab.Total)
	}
	att := tab.ByType[TypeAttester]
	if att.Count != 2 || att.Succeeded != 1 || att.P50 != 100*time.Millisecond {
		t.Errorf("attester %+v, want 1 of 2 at 100 ms", att)
	}
	if sy := tab.ByType[TypeSync]; sy.Failed != 1 {
		t.Errorf("sync %+v, want failed", sy)
	}
	var out bytes.Buffer
	tab.Print(&out)
	tab.PrintSummary(&out)
	for _, want := range []string{
		"DUTY type=attester duties=2 succeeded=1 failed=1 p50_ms=100 p99_ms=100\n",
		"DUTY type=proposer duties=1 succeeded=1 failed=0 p50_ms=2000 p99_ms=2000\n",
		"DUTY type=sync_committee duties=1 succeeded=0 failed=1 p50_ms=0 p99_ms=0\n",
		"failed: attester validator 2 slot 3",
		"SUMMARY duties=4 succeeded=2 failed=2 p50_ms=100 p99_ms=2000\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// Assigned counts only the selected validators and slots, never a
// proposal at slot 0, and leaves sync duties out on request.
func TestAssigned(t *testing.T) {
	sb, err := simbeacon.New(simbeacon.Config{Validators: 16, Chain: spec.MinimalConfig(), SecondsPerSlot: 1, GenesisTime: time.Unix(0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	all := Assigned(sb, Selection{Validators: 16, Slots: 16})
	few := Assigned(sb, Selection{Validators: 4, Slots: 16, NoSync: true})
	counts := map[string]int{}
	for _, d := range all {
		counts[d.Type]++
		if d.Type == TypeProposer && d.Slot == 0 {
			t.Error("a proposal at genesis")
		}
	}
	// 16 validators, two 8-slot epochs: every validator attests once per
	// epoch and every slot but genesis has a proposer.
	if counts[TypeAttester] != 32 || counts[TypeProposer] != 15 || counts[TypeSync] == 0 {
		t.Errorf("counts %v", counts)
	}
	for _, d := range few {
		if d.Validator >= 4 || d.Type == TypeSync || d.Slot >= 16 {
			t.Errorf("unselected duty %+v", d)
		}
	}
	if len(few) == 0 || len(few) >= len(all) {
		t.Errorf("%d selected duties of %d", len(few), len(all))
	}
	if Assigned(sb, Selection{Validators: 4}) != nil {
		t.Error("duties with no slots")
	}
}
