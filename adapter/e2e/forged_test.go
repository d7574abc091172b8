package e2e

import (
	"bufio"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/dvspec/go-dvspec/adapter/devnet"
	"github.com/dvspec/go-dvspec/impl/trace"
)

// TestDevnetForgedCopiesDoNotBlockGenuineShares (issue 12, SPEC.md A22):
// node 4 relays forged copies of the other nodes' attestation and sync
// committee message shares, each delivered to every node before the
// genuine share, with a field the signature does not cover altered (aggregation
// bits, committee index, a sync share's slot within its epoch;
// adapter/devnet/forger.go). Every copy arrives twice:
//   - from node 4's connection (to nodes 1-3): impl/node's inbound check
//     drops it because its signer is not the sending peer (metric reason
//     wrong_sender);
//   - on the signer's own connection, as a gossip network without sender
//     authentication would deliver it: the transport cannot tell it from
//     the genuine share, so it reaches the DVC, which refuses it once the
//     duty is known (rejected_share, cause share_fields_differ) and before
//     that stores it in a bucket of its own (A22.2).
//
// Without A22 the first copy on the signer's connection takes the signer's
// place and the genuine share is ignored as equivocation. Checked by
// reverting A22 in spec/dvc admitShare locally (one message per signer and
// slot, no field check): every sync committee duty and some attester duties
// were then missing from the beacon node's records, and no share was
// refused as share_fields_differ; this test failed on both counts.
func TestDevnetForgedCopiesDoNotBlockGenuineShares(t *testing.T) {
	tracePath := filepath.Join(t.TempDir(), "trace.jsonl")
	const relay = 4
	n := slots(6, 12)
	wrongSender := map[uint64]float64{}
	res := runDevnet(t, devnet.Config{
		Nodes: 4, Validators: 8, Slots: n, SecondsPerSlot: max(2, slotSeconds(t)),
		ForgingRelay: relay, Trace: tracePath, Metrics: true, NoAggregation: true,
		OnSlot: func(slot uint64, addrs map[uint64]string) {
			if slot != n-1 {
				return
			}
			for i, a := range addrs {
				if i != relay {
					wrongSender[i] = droppedShares(t, a, "wrong_sender")
				}
			}
		},
	})
	checkAllAccepted(t, res)
	if res.Forged.AsRelay == 0 || res.Forged.AsSigner == 0 {
		t.Fatalf("no forged copies were delivered: %+v", res.Forged)
	}
	for i := uint64(1); i < relay; i++ {
		if wrongSender[i] == 0 {
			t.Errorf("node %d dropped no share as wrong_sender (scraped %v)", i, wrongSender)
		}
	}
	refused := 0
	err := trace.ReadFile(tracePath, func(r *trace.Record) error {
		if r.Record == trace.KindStep && r.Error == "rejected_share" && r.Cause == "share_fields_differ" {
			refused++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if refused == 0 {
		t.Error("no DVC refused a forged copy as share_fields_differ")
	}
	t.Logf("forged copies: %d from the relay, %d on the signers' connections; wrong_sender drops %v; DVC share_fields_differ refusals %d",
		res.Forged.AsRelay, res.Forged.AsSigner, wrongSender, refused)
}

// droppedShares reads a node's count of share messages dropped for reason.
func droppedShares(t *testing.T, addr, reason string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Errorf("metrics of %s: %v", addr, err)
		return 0
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	total := 0.0
	for sc.Scan() {
		l := sc.Text()
		if !strings.HasPrefix(l, "dvnode_p2p_messages_dropped_total{") || !strings.Contains(l, `protocol="share"`) || !strings.Contains(l, `reason="`+reason+`"`) {
			continue
		}
		if v, err := strconv.ParseFloat(l[strings.LastIndexByte(l, ' ')+1:], 64); err == nil {
			total += v
		}
	}
	return total
}
