package conformance

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/vc"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

// TestBlockChecks: two different blocks accepted in a slot fail safety;
// nodes publishing different blocks for a slot fail agreement.
func TestBlockChecks(t *testing.T) {
	in := Input{Blocks: map[phase0.Slot][]phase0.Root{3: {{1}, {1}}, 4: {{2}}}}
	if r := Safety(in); !r.Pass {
		t.Fatalf("one block per slot: %v", r.Errors)
	}
	in.Blocks[4] = append(in.Blocks[4], phase0.Root{3})
	if r := Safety(in); r.Pass {
		t.Fatal("two blocks accepted at slot 4 passed safety")
	}
	in.Submissions = []Submission{{Node: 1, Kind: KindBlock, Slot: 5, Body: [32]byte{7}}, {Node: 2, Kind: KindBlock, Slot: 5, Body: [32]byte{7}}}
	if r := Agreement(in); !r.Pass {
		t.Fatalf("same block: %v", r.Errors)
	}
	in.Submissions = append(in.Submissions, Submission{Node: 3, Kind: KindBlock, Slot: 5, Body: [32]byte{8}})
	if r := Agreement(in); r.Pass {
		t.Fatal("two different blocks at slot 5 passed agreement")
	}
}

func TestLivenessAndLatency(t *testing.T) {
	if r := Liveness(Input{}); r.Pass {
		t.Error("no duties passed liveness: a run that judged nothing must fail")
	}
	if r := Latency(Input{}); r.Pass {
		t.Error("no samples passed latency")
	}
	start := time.Unix(100, 0)
	var ds []Duty
	for i := 0; i < 10; i++ {
		d := Duty{Type: DutyAttester, Slot: phase0.Slot(i), Start: start}
		if i < 8 {
			d.Done = start.Add(time.Duration(i+1) * 100 * time.Millisecond)
		}
		ds = append(ds, d)
	}
	if r := Liveness(Input{Duties: ds}); r.Pass {
		t.Error("8 of 10 passed with every duty required")
	}
	if r := Liveness(Input{Duties: ds, MinLiveness: 0.8}); !r.Pass {
		t.Errorf("8 of 10 failed a 0.8 minimum: %v", r.Errors)
	}
	if r := Liveness(Input{Duties: ds, MinLiveness: 0.9}); r.Pass {
		t.Error("8 of 10 passed a 0.9 minimum")
	}
	// Samples 100..800 ms: nearest-rank p50 is the 4th, p99 the 8th.
	if r := Latency(Input{Duties: ds}); r.Detail != "p50=400ms p99=800ms samples=8" {
		t.Errorf("latency %q", r.Detail)
	}
}

// TestParseBlock reads slot and signature from both encodings the beacon
// API publishes a block in, with and without Deneb's block contents.
func TestParseBlock(t *testing.T) {
	var sig [96]byte
	for i := range sig {
		sig[i] = byte(i)
	}
	signed := make([]byte, 0, 200)
	signed = binary.LittleEndian.AppendUint32(signed, signedBlockMessageOffset)
	signed = append(signed, sig[:]...)
	signed = binary.LittleEndian.AppendUint64(signed, 42)
	signed = append(signed, make([]byte, 40)...) // the rest of the message
	contents := binary.LittleEndian.AppendUint32(nil, 12)
	contents = binary.LittleEndian.AppendUint32(contents, uint32(12+len(signed)))
	contents = binary.LittleEndian.AppendUint32(contents, uint32(12+len(signed)))
	contents = append(contents, signed...)
	sigHex := "0x" + hex.EncodeToString(sig[:])
	cases := []struct {
		name, ct string
		body     []byte
	}{
		{"ssz signed block", "application/octet-stream", signed},
		{"ssz block contents", "application/octet-stream", contents},
		{"json signed block", "application/json", []byte(fmt.Sprintf(`{"message":{"slot":"42","body":{}},"signature":"%s"}`, sigHex))},
		{"json block contents", "application/json", []byte(fmt.Sprintf(`{"signed_block":{"message":{"slot":"42"},"signature":"%s"},"kzg_proofs":[],"blobs":[]}`, sigHex))},
	}
	var ids [][32]byte
	for _, c := range cases {
		slot, id, ok := parseBlock(c.body, c.ct)
		if !ok || slot != 42 {
			t.Errorf("%s: slot %d ok %v", c.name, slot, ok)
		}
		ids = append(ids, id)
	}
	for i := range ids {
		if ids[i] != ids[0] {
			t.Errorf("%s: identity differs from the SSZ signed block's", cases[i].name)
		}
	}
	for _, bad := range [][]byte{nil, {1, 2, 3}, signed[:50], []byte(`{"message":{"slot":"x"}}`), []byte(`[`)} {
		for _, ct := range []string{"application/octet-stream", "application/json"} {
			if _, _, ok := parseBlock(bad, ct); ok {
				t.Errorf("%q (%s) parsed", bad, ct)
			}
		}
	}
}

// TestShareSafety: two signatures by one share key on one target with
// different roots fail safety; a refused request and other keys do not.
func TestShareSafety(t *testing.T) {
	data := func(root byte) *phase0.AttestationData {
		return &phase0.AttestationData{Slot: 9, BeaconBlockRoot: phase0.Root{root}, Source: &phase0.Checkpoint{Epoch: 1}, Target: &phase0.Checkpoint{Epoch: 2}}
	}
	at := time.Unix(1, 0)
	in := Input{SigningRequests: []SigningRequest{
		{Node: 1, Pubkey: phase0.BLSPubKey{1}, Kind: KindAttestation, Data: data(1), SigningRoot: phase0.Root{1}, Signed: true, At: at},
		{Node: 2, Pubkey: phase0.BLSPubKey{2}, Kind: KindAttestation, Data: data(2), SigningRoot: phase0.Root{2}, Signed: true, At: at},
		{Node: 1, Pubkey: phase0.BLSPubKey{1}, Kind: KindAttestation, Data: data(3), SigningRoot: phase0.Root{3}, Signed: false, At: at.Add(time.Second)},
		{Node: 1, Pubkey: phase0.BLSPubKey{1}, Kind: KindBlock, Slot: 9, SigningRoot: phase0.Root{4}, Signed: true, At: at},
	}}
	if r := Safety(in); !r.Pass {
		t.Fatalf("no slashable signature: %v", r.Errors)
	}
	in.SigningRequests[2].Signed = true
	if r := Safety(in); r.Pass {
		t.Fatal("a double vote under share 1 passed safety")
	}
	in.SigningRequests[2].Signed = false
	in.SigningRequests = append(in.SigningRequests, SigningRequest{Node: 1, Pubkey: phase0.BLSPubKey{1}, Kind: KindBlock, Slot: 9, SigningRoot: phase0.Root{5}, Signed: true, At: at.Add(time.Second)})
	if r := Safety(in); r.Pass {
		t.Fatal("a double proposal under share 1 passed safety")
	}
}

// TestAnswersCheck: a duty the scripted validator client refused as
// slashable fails the answers check; a duty lost to a timeout does not
// (liveness judges it); the check exists only when VCs drove the nodes.
func TestAnswersCheck(t *testing.T) {
	timeout := vc.Result{Type: vc.DutyAttestation, Validator: 1, Slot: 3, Err: errors.New("context deadline exceeded")}
	in := Input{VCMode: true, VCResults: []VCResult{
		{Node: 1, Pattern: "default", Result: vc.Result{Type: vc.DutyAttestation, Validator: 1, Slot: 2, OK: true}},
		{Node: 2, Pattern: "prysm", Result: timeout},
	}}
	if r := Answers(in); !r.Pass {
		t.Fatalf("a timeout failed the answers check: %v", r.Errors)
	} else if len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "deadline exceeded") {
		t.Errorf("the timeout is not noted with its reason: %q", r.Notes)
	}
	if n := len(Judge(in)); n != 6 {
		t.Errorf("VC mode: %d checks, want 6", n)
	}
	if n := len(Judge(Input{})); n != 5 {
		t.Errorf("remote-signer mode: %d checks, want 5", n)
	}
	refused := vc.Result{Type: vc.DutyAttestation, Validator: 1, Slot: 4, Err: fmt.Errorf("slashing protection: %w", &slashing.ConflictError{Err: slashing.ErrSurroundsExisting})}
	in.VCResults = append(in.VCResults, VCResult{Node: 3, Pattern: "default", Result: refused})
	r := Answers(in)
	if r.Pass || len(r.Errors) != 1 || !strings.Contains(r.Errors[0], "node 3") {
		t.Fatalf("a slashable answer passed or was misreported: pass=%v %v", r.Pass, r.Errors)
	}
	if r := Answers(Input{VCMode: true}); r.Pass {
		t.Error("no VC results passed: a run where no client did anything must fail")
	}
}

// TestLivenessSaysWhy: a duty not done is reported as never submitted, or
// as submitted (when, by whom) and refused with the chain's reason, so a
// run that fails liveness says whose part failed.
func TestLivenessSaysWhy(t *testing.T) {
	start := time.Unix(100, 0)
	in := Input{
		Duties: []Duty{
			{Type: DutyProposer, Validator: 3, Slot: 7, Start: start},
			{Type: DutySync, Validator: 4, Slot: 7, Start: start.Add(time.Second)},
		},
		Submissions: []Submission{{Node: 2, Kind: KindBlock, Validator: 3, Slot: 7, At: start.Add(2500 * time.Millisecond), Refused: "400 slot 7 is not the current slot 8"}},
	}
	r := Liveness(in)
	if r.Pass || len(r.Errors) != 2 {
		t.Fatalf("pass=%v errors=%q", r.Pass, r.Errors)
	}
	if e := r.Errors[0]; !strings.Contains(e, "node 2's at +2500ms") || !strings.Contains(e, "not the current slot 8") {
		t.Errorf("refused block: %q", e)
	}
	if e := r.Errors[1]; !strings.Contains(e, "no node submitted it") {
		t.Errorf("missing sync message: %q", e)
	}
	if !strings.Contains(r.Detail, "1 never submitted, 1 submitted and refused") {
		t.Errorf("detail %q", r.Detail)
	}
}
