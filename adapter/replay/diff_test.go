package replay

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/trace"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty/aggcases"
)

// TestDiffOutputOverEveryDutyKind: on one trace with both step and
// aggregation records, a submission tampered in the second trace is
// printed as exactly one DIFF line naming its duty (type, slot,
// validator) and both digests, whichever of the five duty kinds it
// belongs to. The expected lines are built from the traces' bytes
// (sha256 of the submitted containers, slots read from them with
// go-eth2-client), not from the diff's own helpers; they pin the output
// format that diff had before its duty kinds shared one table.
func TestDiffOutputOverEveryDutyKind(t *testing.T) {
	dir := t.TempDir()
	steps, _ := newCluster(t).record(t.TempDir())
	agg, _, _ := recordAgg(t, t.TempDir(), func(sc aggcases.Scenario) bool {
		return sc.Fork == eth2spec.DataVersionDeneb && sc.Mode == dvc.ModeRemoteSigner && (sc.Name == "aggregator_flow" || sc.Name == "contribution_flow")
	})
	var both []byte
	for _, p := range []string{steps, agg} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		both = append(both, b...)
	}
	mixed := filepath.Join(dir, "mixed.jsonl")
	if err := os.WriteFile(mixed, both, 0o644); err != nil {
		t.Fatal(err)
	}
	self, err := Diff(mixed, mixed, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := self.Compared
	var out bytes.Buffer
	self.Print(&out)
	if want := fmt.Sprintf("%d duties compared: %d the same, 0 different; 0 submitted by one side only\n", n, n); out.String() != want || n < 5 {
		t.Fatalf("a trace against itself printed %q, want %q (at least one duty of each of the five kinds)", out.String(), want)
	}

	abbrev := func(b []byte) string {
		h := sha256.Sum256(b)
		return trace.Hex(h[:]).String()[:18] + "…"
	}
	for _, tc := range []struct {
		out, typ string
		field    func(*trace.Fields) []byte
		at       func(n int) int
		slot     func(raw []byte) uint64
		// whole: the duty's submission is this one container, so its
		// digests can be computed here; a sync contribution digests all
		// its subcommittees' parts, of which one is tampered.
		whole bool
	}{
		{"submit_attestation", "attester", func(f *trace.Fields) []byte { return f.AttestationSSZ }, func(n int) int { return n - 1 },
			func(raw []byte) uint64 { return 5 }, true},
		{"submit_block", "proposer", func(f *trace.Fields) []byte { return f.BlockSSZ }, func(int) int { return 10 },
			func(raw []byte) uint64 { return 6 }, true},
		{"submit_sync_committee_message", "sync_committee", func(f *trace.Fields) []byte { return f.MessageSSZ }, func(n int) int { return n - 1 },
			func(raw []byte) uint64 { return binary.LittleEndian.Uint64(raw[:8]) }, true},
		{"submit_aggregate_and_proof", "aggregator", func(f *trace.Fields) []byte { return f.SignedSSZ }, func(int) int { return 10 },
			func(raw []byte) uint64 {
				a := new(phase0.SignedAggregateAndProof)
				if err := a.UnmarshalSSZ(raw); err != nil {
					t.Fatal(err)
				}
				return uint64(a.Message.Aggregate.Data.Slot)
			}, true},
		{"submit_contribution_and_proof", "sync_contribution", func(f *trace.Fields) []byte { return f.SignedSSZ }, func(n int) int { return n - 1 },
			func(raw []byte) uint64 {
				c := new(altair.SignedContributionAndProof)
				if err := c.UnmarshalSSZ(raw); err != nil {
					t.Fatal(err)
				}
				return uint64(c.Message.Contribution.Slot)
			}, false},
	} {
		t.Run(tc.out, func(t *testing.T) {
			var before, after []byte
			var validator string
			tampered := tamper(t, mixed, func(r *trace.Record) bool {
				for _, o := range r.Outputs {
					if f := o[tc.out]; f != nil {
						raw := tc.field(f)
						before = bytes.Clone(raw)
						raw[tc.at(len(raw))] ^= 1
						after = raw
						validator = r.Validator.String()
						return true
					}
				}
				return false
			})
			d, err := Diff(mixed, tampered, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			d.Print(&got)
			line := fmt.Sprintf("DIFF %s slot %d validator %s: submitted: A ", tc.typ, tc.slot(before), validator[:18]+"…")
			if tc.whole {
				line += fmt.Sprintf("%s, B %s\n", abbrev(before), abbrev(after))
			}
			tail := fmt.Sprintf("%d duties compared: %d the same, 1 different; 0 submitted by one side only\n", n, n-1)
			s := got.String()
			if tc.whole && s != line+tail || !tc.whole && (!bytes.HasPrefix(got.Bytes(), []byte(line)) || !bytes.HasSuffix(got.Bytes(), []byte(tail)) || bytes.Count(got.Bytes(), []byte("\n")) != 2) {
				t.Fatalf("printed\n%s\nwant\n%s…\n%s", s, line, tail)
			}
		})
	}
}
