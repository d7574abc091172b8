package slashing

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"
	"github.com/google/go-cmp/cmp"
)

// hexOf writes 0x followed by the given bytes then zero bytes up to n.
func hexOf(n int, prefix ...byte) string {
	b := make([]byte, n)
	copy(b, prefix)
	return fmt.Sprintf("0x%x", b)
}

var (
	gvrHex = hexOf(32, 0x99, 0x01)
	pk1Hex = hexOf(48, 0x01, 0xaa)
	pk2Hex = hexOf(48, 0x02, 0xbb)
)

// interchangeDoc builds an interchange file from a data array literal.
func interchangeDoc(data string) string {
	return `{"metadata":{"interchange_format_version":"5","genesis_validators_root":"` + gvrHex + `"},"data":[` + data + `]}`
}

func TestImportRejectsMalformed(t *testing.T) {
	entry := func(blocks, atts string) string {
		return `{"pubkey":"` + pk1Hex + `","signed_blocks":[` + blocks + `],"signed_attestations":[` + atts + `]}`
	}
	validEntry := entry(`{"slot":"1"}`, `{"source_epoch":"1","target_epoch":"2"}`)
	meta := `"metadata":{"interchange_format_version":"5","genesis_validators_root":"` + gvrHex + `"}`
	tests := []struct {
		name, doc string
		want      error  // the sentinel
		mention   string // text the message must contain
	}{
		{"empty input", ``, ErrInvalidInterchange, "end of input"},
		{"not JSON", `hello`, ErrInvalidInterchange, ""},
		{"top-level array", `[]`, ErrInvalidInterchange, "expected an object"},
		{"top-level null", `null`, ErrInvalidInterchange, "expected an object"},
		{"truncated", interchangeDoc(validEntry)[:60], ErrInvalidInterchange, ""},
		{"trailing object", interchangeDoc(validEntry) + `{}`, ErrInvalidInterchange, "trailing"},
		{"trailing garbage", interchangeDoc(validEntry) + `x`, ErrInvalidInterchange, "trailing"},
		{"missing metadata", `{"data":[]}`, ErrInvalidInterchange, `missing field "metadata"`},
		{"missing data", `{` + meta + `}`, ErrInvalidInterchange, `missing field "data"`},
		{"unknown top-level field", `{` + meta + `,"data":[],"comment":"x"}`, ErrInvalidInterchange, `unknown field "comment"`},
		{"duplicate data", `{` + meta + `,"data":[],"data":[]}`, ErrInvalidInterchange, `duplicate field "data"`},
		{"duplicate metadata", `{` + meta + `,` + meta + `,"data":[]}`, ErrInvalidInterchange, `duplicate field "metadata"`},
		{"data null", `{` + meta + `,"data":null}`, ErrInvalidInterchange, "data: expected an array, got null"},
		{"data object", `{` + meta + `,"data":{}}`, ErrInvalidInterchange, "data: expected an array"},
		{"metadata array", `{"metadata":[],"data":[]}`, ErrInvalidInterchange, "metadata: expected an object"},
		{"version 4", `{"metadata":{"interchange_format_version":"4","genesis_validators_root":"` + gvrHex + `"},"data":[]}`, ErrInvalidInterchange, "interchange_format_version"},
		{"version as number", `{"metadata":{"interchange_format_version":5,"genesis_validators_root":"` + gvrHex + `"},"data":[]}`, ErrInvalidInterchange, "interchange_format_version: expected a string, got a number"},
		{"version 05", `{"metadata":{"interchange_format_version":"05","genesis_validators_root":"` + gvrHex + `"},"data":[]}`, ErrInvalidInterchange, "interchange_format_version"},
		{"missing version", `{"metadata":{"genesis_validators_root":"` + gvrHex + `"},"data":[]}`, ErrInvalidInterchange, `missing field "interchange_format_version"`},
		{"missing gvr", `{"metadata":{"interchange_format_version":"5"},"data":[]}`, ErrInvalidInterchange, `missing field "genesis_validators_root"`},
		{"unknown metadata field", `{"metadata":{"interchange_format_version":"5","genesis_validators_root":"` + gvrHex + `","x":"y"},"data":[]}`, ErrInvalidInterchange, `metadata: unknown field "x"`},
		{"gvr short", `{"metadata":{"interchange_format_version":"5","genesis_validators_root":"0x9901"},"data":[]}`, ErrInvalidInterchange, "genesis_validators_root"},
		{"gvr without 0x", `{"metadata":{"interchange_format_version":"5","genesis_validators_root":"` + gvrHex[2:] + `"},"data":[]}`, ErrInvalidInterchange, "0x-prefixed"},
		{"gvr with 0X", `{"metadata":{"interchange_format_version":"5","genesis_validators_root":"0X` + gvrHex[2:] + `"},"data":[]}`, ErrInvalidInterchange, "0x-prefixed"},
		{"gvr not hex", `{"metadata":{"interchange_format_version":"5","genesis_validators_root":"0x` + strings.Repeat("zz", 32) + `"},"data":[]}`, ErrInvalidInterchange, "not valid hex"},
		{"other gvr", `{"metadata":{"interchange_format_version":"5","genesis_validators_root":"` + hexOf(32, 0x98) + `"},"data":[]}`, ErrGenesisValidatorsRootMismatch, "genesis_validators_root"},
		{"entry null", interchangeDoc(`null`), ErrInvalidInterchange, "data[0]: expected an object, got null"},
		{"missing pubkey", interchangeDoc(`{"signed_blocks":[],"signed_attestations":[]}`), ErrInvalidInterchange, `data[0]: missing field "pubkey"`},
		{"missing signed_blocks", interchangeDoc(`{"pubkey":"` + pk1Hex + `","signed_attestations":[]}`), ErrInvalidInterchange, `missing field "signed_blocks"`},
		{"missing signed_attestations", interchangeDoc(`{"pubkey":"` + pk1Hex + `","signed_blocks":[]}`), ErrInvalidInterchange, `missing field "signed_attestations"`},
		{"signed_blocks null", interchangeDoc(`{"pubkey":"` + pk1Hex + `","signed_blocks":null,"signed_attestations":[]}`), ErrInvalidInterchange, "signed_blocks: expected an array"},
		{"pubkey 47 bytes", interchangeDoc(`{"pubkey":"` + hexOf(47, 1) + `","signed_blocks":[],"signed_attestations":[]}`), ErrInvalidInterchange, "data[0].pubkey"},
		{"pubkey 49 bytes", interchangeDoc(`{"pubkey":"` + hexOf(49, 1) + `","signed_blocks":[],"signed_attestations":[]}`), ErrInvalidInterchange, "data[0].pubkey"},
		{"pubkey number", interchangeDoc(`{"pubkey":1,"signed_blocks":[],"signed_attestations":[]}`), ErrInvalidInterchange, "data[0].pubkey: expected a string"},
		{"unknown entry field", interchangeDoc(`{"pubkey":"` + pk1Hex + `","signed_blocks":[],"signed_attestations":[],"index":"3"}`), ErrInvalidInterchange, `unknown field "index"`},
		{"block missing slot", interchangeDoc(entry(`{"signing_root":"`+hexOf(32)+`"}`, ``)), ErrInvalidInterchange, `signed_blocks[0]: missing field "slot"`},
		{"slot as number", interchangeDoc(entry(`{"slot":1}`, ``)), ErrInvalidInterchange, "slot: expected a string, got a number"},
		{"slot negative", interchangeDoc(entry(`{"slot":"-1"}`, ``)), ErrInvalidInterchange, "signed_blocks[0].slot"},
		{"slot plus sign", interchangeDoc(entry(`{"slot":"+1"}`, ``)), ErrInvalidInterchange, "signed_blocks[0].slot"},
		{"slot with space", interchangeDoc(entry(`{"slot":" 1"}`, ``)), ErrInvalidInterchange, "signed_blocks[0].slot"},
		{"slot decimal point", interchangeDoc(entry(`{"slot":"1.0"}`, ``)), ErrInvalidInterchange, "signed_blocks[0].slot"},
		{"slot hex", interchangeDoc(entry(`{"slot":"0x1"}`, ``)), ErrInvalidInterchange, "signed_blocks[0].slot"},
		{"slot empty", interchangeDoc(entry(`{"slot":""}`, ``)), ErrInvalidInterchange, "signed_blocks[0].slot"},
		{"slot overflow", interchangeDoc(entry(`{"slot":"18446744073709551616"}`, ``)), ErrInvalidInterchange, "uint64"},
		{"block root null", interchangeDoc(entry(`{"slot":"1","signing_root":null}`, ``)), ErrInvalidInterchange, "signing_root: expected a string, got null"},
		{"block root 31 bytes", interchangeDoc(entry(`{"slot":"1","signing_root":"`+hexOf(31)+`"}`, ``)), ErrInvalidInterchange, "signed_blocks[0].signing_root"},
		{"block root 33 bytes", interchangeDoc(entry(`{"slot":"1","signing_root":"`+hexOf(33)+`"}`, ``)), ErrInvalidInterchange, "signed_blocks[0].signing_root"},
		{"block root odd length", interchangeDoc(entry(`{"slot":"1","signing_root":"`+hexOf(32)+`0"}`, ``)), ErrInvalidInterchange, "signing_root"},
		{"unknown block field", interchangeDoc(entry(`{"slot":"1","proposer_index":"2"}`, ``)), ErrInvalidInterchange, `unknown field "proposer_index"`},
		{"duplicate slot field", interchangeDoc(entry(`{"slot":"1","slot":"2"}`, ``)), ErrInvalidInterchange, `duplicate field "slot"`},
		{"attestation missing source", interchangeDoc(entry(``, `{"target_epoch":"2"}`)), ErrInvalidInterchange, `missing field "source_epoch"`},
		{"attestation missing target", interchangeDoc(entry(``, `{"source_epoch":"2"}`)), ErrInvalidInterchange, `missing field "target_epoch"`},
		{"target not decimal", interchangeDoc(entry(``, `{"source_epoch":"1","target_epoch":"abc"}`)), ErrInvalidInterchange, "signed_attestations[0].target_epoch"},
		{"source array", interchangeDoc(entry(``, `{"source_epoch":["1"],"target_epoch":"2"}`)), ErrInvalidInterchange, "source_epoch: expected a string, got an array"},
		{"attestation root bad", interchangeDoc(entry(``, `{"source_epoch":"1","target_epoch":"2","signing_root":"0x"}`)), ErrInvalidInterchange, "signed_attestations[0].signing_root"},
		{"unknown attestation field", interchangeDoc(entry(``, `{"source_epoch":"1","target_epoch":"2","slot":"3"}`)), ErrInvalidInterchange, `unknown field "slot"`},
		{"bad record after good entries", interchangeDoc(validEntry + `,` + entry(`{"slot":"5"}`, `{"source_epoch":"3","target_epoch":"4"},{"source_epoch":"4","target_epoch":"5x"}`)), ErrInvalidInterchange, "data[1]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := buildDB([]histAtt{{pk1, 0, 1, rootA}, {pk2, 3, 4, nil}}, []histBlock{{pk1, 1, nil}}, false)
			before := db.Clone()
			rep, err := db.ImportInterchange([]byte(tc.doc))
			if err == nil {
				t.Fatalf("import accepted: report %+v", rep)
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %q does not wrap %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.mention) {
				t.Fatalf("error %q does not mention %q", err, tc.mention)
			}
			if d := cmp.Diff(before, db); d != "" {
				t.Fatalf("failed import changed the DB:\n%s", d)
			}
			if rep != (ImportReport{}) {
				t.Fatalf("failed import returned a report: %+v", rep)
			}
		})
	}
}

func TestImportErrorNamesFieldAndPubkey(t *testing.T) {
	doc := interchangeDoc(`{"signed_attestations":[{"source_epoch":"1","target_epoch":"2"},{"source_epoch":"1","target_epoch":"two"}],"signed_blocks":[],"pubkey":"` + pk2Hex + `"}`)
	_, err := New(testGVR).ImportInterchange([]byte(doc))
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"data[0]", pk2Hex, "signed_attestations[1].target_epoch", `"two"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestImportAcceptsEdgeValues(t *testing.T) {
	upperRoot := "0x" + strings.ToUpper(strings.Repeat("ab", 32))
	doc := `
	{
	  "data": [
	    {
	      "signed_attestations": [{"target_epoch": "18446744073709551615", "signing_root": "` + upperRoot + `", "source_epoch": "007"}],
	      "pubkey": "` + pk1Hex + `",
	      "signed_blocks": [{"slot": "18446744073709551615"}, {"slot": "0", "signing_root": "` + hexOf(32) + `"}]
	    }
	  ],
	  "metadata": {"genesis_validators_root": "` + gvrHex + `", "interchange_format_version": "5"}
	}
	`
	db := New(testGVR)
	if _, err := db.ImportInterchange([]byte(doc)); err != nil {
		t.Fatal(err)
	}
	var ab phase0.Root
	for i := range ab {
		ab[i] = 0xab
	}
	want := &SlashingDB{InterchangeFormatVersion: 5, GenesisValidatorsRoot: testGVR, Data: []*SlashingDBData{{
		Pubkey:             pk1,
		SignedBlocks:       []*SlashingDBBlock{{Slot: 0, SigningRoot: zeroRoot}, {Slot: 18446744073709551615}},
		SignedAttestations: []*SlashingDBAttestation{{SourceEpoch: 7, TargetEpoch: 18446744073709551615, SigningRoot: &ab}},
	}}}
	if d := cmp.Diff(want, db); d != "" {
		t.Fatalf("(-want +got):\n%s", d)
	}
}

func TestImportUnionMerge(t *testing.T) {
	db := New(testGVR)
	if err := db.InsertBlock(pk1, 10, rootA); err != nil {
		t.Fatal(err)
	}
	if err := db.InsertAttestation(pk1, 5, 6, rootA); err != nil {
		t.Fatal(err)
	}
	doc := interchangeDoc(
		`{"pubkey":"` + pk2Hex + `","signed_blocks":[{"slot":"3"}],"signed_attestations":[]},` +
			`{"pubkey":"` + pk1Hex + `","signed_blocks":[{"slot":"10","signing_root":"` + hexOf(32, 0xaa) + `"},{"slot":"4"}],"signed_attestations":[{"source_epoch":"5","target_epoch":"6","signing_root":"` + hexOf(32, 0xaa) + `"}]},` +
			`{"pubkey":"` + pk1Hex + `","signed_blocks":[{"slot":"4"},{"slot":"12","signing_root":"` + hexOf(32, 0xbb) + `"}],"signed_attestations":[{"source_epoch":"1","target_epoch":"2"}]}`)
	rep, err := db.ImportInterchange([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := &SlashingDB{InterchangeFormatVersion: 5, GenesisValidatorsRoot: testGVR, Data: []*SlashingDBData{
		{
			Pubkey:       pk1,
			SignedBlocks: []*SlashingDBBlock{{Slot: 4}, {Slot: 10, SigningRoot: rootA}, {Slot: 12, SigningRoot: rootB}},
			SignedAttestations: []*SlashingDBAttestation{
				{SourceEpoch: 1, TargetEpoch: 2},
				{SourceEpoch: 5, TargetEpoch: 6, SigningRoot: rootA},
			},
		},
		{Pubkey: pk2, SignedBlocks: []*SlashingDBBlock{{Slot: 3}}, SignedAttestations: []*SlashingDBAttestation{}},
	}}
	if d := cmp.Diff(want, db); d != "" {
		t.Fatalf("(-want +got):\n%s", d)
	}
	// Blocks in file: 10/A (present), 4, 4 (the same unknown block twice:
	// each may be another block), 12/B, 3.
	wantRep := ImportReport{
		Validators: 2, NewValidators: 1,
		Blocks: 5, Attestations: 2,
		NewBlocks: 3, NewAttestations: 1,
		SlashableBlocks: 2, SlashableAttestations: 0,
		// Below the DB's minimum slot 10 / source 5 / target 6 before the
		// import: slot 4 twice, attestation 1->2.
		StaleBlocks: 2, StaleAttestations: 1,
	}
	if rep != wantRep {
		t.Fatalf("report %+v, want %+v", rep, wantRep)
	}
	// The merged history now refuses what the file recorded.
	if err := db.CheckBlock(pk1, 12, rootC); !errors.Is(err, ErrDoubleProposal) {
		t.Fatalf("block at imported slot 12: %v", err)
	}
	if err := db.CheckBlock(pk1, 4, rootC); !errors.Is(err, ErrDoubleProposal) {
		t.Fatalf("block at imported slot 4: %v", err)
	}
	if err := db.CheckBlock(pk1, 3, rootC); !errors.Is(err, ErrSlotBelowMinimum) {
		t.Fatalf("block below imported minimum: %v", err)
	}
	if err := db.CheckAttestation(pk1, 1, 3, rootC); err != nil {
		t.Fatalf("attestation in the gap refused: %v", err)
	}
	if err := db.CheckAttestation(pk1, 0, 7, rootC); !errors.Is(err, ErrSourceBelowMinimum) {
		t.Fatalf("attestation below imported minimum source: %v", err)
	}
}

func TestImportReportSlashable(t *testing.T) {
	tests := []struct {
		name      string
		hist      []histAtt
		histBlock []histBlock
		data      string
		wantB     int
		wantA     int
		wantNew   int
		staleB    int
		staleA    int
	}{
		{name: "same present block", histBlock: []histBlock{{pk1, 10, rootA}},
			data: `"signed_blocks":[{"slot":"10","signing_root":"` + hexOf(32, 0xaa) + `"}],"signed_attestations":[]`},
		{name: "block without root at a known slot", histBlock: []histBlock{{pk1, 10, rootA}},
			data: `"signed_blocks":[{"slot":"10"}],"signed_attestations":[]`, wantB: 1, wantNew: 1, staleB: 1},
		{name: "two rootless blocks at one slot", data: `"signed_blocks":[{"slot":"20"},{"slot":"20"}],"signed_attestations":[]`, wantB: 2, wantNew: 1},
		{name: "the same block twice", data: `"signed_blocks":[{"slot":"20","signing_root":"` + hexOf(32, 1) + `"},{"slot":"20","signing_root":"` + hexOf(32, 1) + `"}],"signed_attestations":[]`, wantNew: 1},
		{name: "two blocks at one slot", data: `"signed_blocks":[{"slot":"20","signing_root":"` + hexOf(32) + `"},{"slot":"20","signing_root":"` + hexOf(32, 0xb) + `"}],"signed_attestations":[]`, wantB: 2, wantNew: 2},
		{name: "repeat attestation", hist: []histAtt{{pk1, 1, 2, rootA}},
			data: `"signed_blocks":[],"signed_attestations":[{"source_epoch":"1","target_epoch":"2","signing_root":"` + hexOf(32, 0xaa) + `"}]`},
		{name: "surrounds a known attestation", hist: []histAtt{{pk1, 1, 2, rootA}},
			data: `"signed_blocks":[],"signed_attestations":[{"source_epoch":"0","target_epoch":"10"}]`, wantA: 1, wantNew: 1, staleA: 1},
		{name: "surrounded by a known attestation", hist: []histAtt{{pk1, 0, 10, rootA}},
			data: `"signed_blocks":[],"signed_attestations":[{"source_epoch":"1","target_epoch":"2"}]`, wantA: 1, wantNew: 1, staleA: 1},
		{name: "stale block", histBlock: []histBlock{{pk1, 40, nil}},
			data: `"signed_blocks":[{"slot":"20"}],"signed_attestations":[]`, wantNew: 1, staleB: 1},
		{name: "new root at the minimum slot", histBlock: []histBlock{{pk1, 40, rootA}},
			data: `"signed_blocks":[{"slot":"40","signing_root":"` + hexOf(32, 0xbb) + `"}],"signed_attestations":[]`, wantB: 1, wantNew: 1, staleB: 1},
		{name: "newer block is not stale", histBlock: []histBlock{{pk1, 40, rootA}},
			data: `"signed_blocks":[{"slot":"41"}],"signed_attestations":[]`, wantNew: 1},
		{name: "stale attestation", hist: []histAtt{{pk1, 12, 13, nil}},
			data: `"signed_blocks":[],"signed_attestations":[{"source_epoch":"10","target_epoch":"11"}]`, wantNew: 1, staleA: 1},
		{name: "newer attestation is not stale", hist: []histAtt{{pk1, 5, 10, nil}},
			data: `"signed_blocks":[],"signed_attestations":[{"source_epoch":"5","target_epoch":"11"}]`, wantNew: 1},
		{name: "source after target", data: `"signed_blocks":[],"signed_attestations":[{"source_epoch":"8","target_epoch":"7"}]`, wantA: 1, wantNew: 1},
		{name: "double vote in the file", data: `"signed_blocks":[],"signed_attestations":[{"source_epoch":"2","target_epoch":"3","signing_root":"` + hexOf(32) + `"},{"source_epoch":"2","target_epoch":"3","signing_root":"` + hexOf(32, 1) + `"}]`, wantA: 2, wantNew: 2},
		{name: "rootless attestation twice", data: `"signed_blocks":[],"signed_attestations":[{"source_epoch":"2","target_epoch":"3"},{"source_epoch":"2","target_epoch":"3"}]`, wantA: 2, wantNew: 1},
		{name: "a chain is not slashable", data: `"signed_blocks":[],"signed_attestations":[{"source_epoch":"1","target_epoch":"2"},{"source_epoch":"2","target_epoch":"3"},{"source_epoch":"3","target_epoch":"4"},{"source_epoch":"0","target_epoch":"1"}]`, wantNew: 4},
		{name: "other key's history is irrelevant", hist: []histAtt{{pk2, 0, 10, rootA}}, histBlock: []histBlock{{pk2, 5, nil}},
			data: `"signed_blocks":[{"slot":"5"}],"signed_attestations":[{"source_epoch":"1","target_epoch":"2"}]`, wantNew: 2},
		{name: "one surround among several", data: `"signed_blocks":[],"signed_attestations":[{"source_epoch":"1","target_epoch":"2"},{"source_epoch":"3","target_epoch":"9"},{"source_epoch":"4","target_epoch":"5"},{"source_epoch":"9","target_epoch":"10"}]`, wantA: 2, wantNew: 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := buildDB(tc.hist, tc.histBlock, false)
			rep, err := db.ImportInterchange([]byte(interchangeDoc(`{"pubkey":"` + pk1Hex + `",` + tc.data + `}`)))
			if err != nil {
				t.Fatal(err)
			}
			if rep.SlashableBlocks != tc.wantB || rep.SlashableAttestations != tc.wantA || rep.NewBlocks+rep.NewAttestations != tc.wantNew ||
				rep.StaleBlocks != tc.staleB || rep.StaleAttestations != tc.staleA {
				t.Fatalf("report %+v, want %d/%d slashable blocks/attestations, %d new records, %d/%d stale", rep, tc.wantB, tc.wantA, tc.wantNew, tc.staleB, tc.staleA)
			}
		})
	}
}

func TestImportMergesDuplicateDBEntries(t *testing.T) {
	// A malformed DB with two entries for pk1: the import merges them.
	db := buildDB([]histAtt{{pk1, 1, 2, nil}, {pk1, 3, 4, nil}}, nil, true)
	if _, err := db.ImportInterchange([]byte(interchangeDoc(`{"pubkey":"` + pk1Hex + `","signed_blocks":[],"signed_attestations":[{"source_epoch":"5","target_epoch":"6"}]}`))); err != nil {
		t.Fatal(err)
	}
	want := &SlashingDB{InterchangeFormatVersion: 5, GenesisValidatorsRoot: testGVR, Data: []*SlashingDBData{{
		Pubkey:       pk1,
		SignedBlocks: []*SlashingDBBlock{},
		SignedAttestations: []*SlashingDBAttestation{
			{SourceEpoch: 1, TargetEpoch: 2}, {SourceEpoch: 3, TargetEpoch: 4}, {SourceEpoch: 5, TargetEpoch: 6},
		},
	}}}
	if d := cmp.Diff(want, db); d != "" {
		t.Fatalf("(-want +got):\n%s", d)
	}
}

func TestImportEmptyEntryAndVersionCheck(t *testing.T) {
	db := New(testGVR)
	if _, err := db.ImportInterchange([]byte(interchangeDoc(`{"pubkey":"` + pk2Hex + `","signed_blocks":[],"signed_attestations":[]}`))); err != nil {
		t.Fatal(err)
	}
	want := &SlashingDB{InterchangeFormatVersion: 5, GenesisValidatorsRoot: testGVR, Data: []*SlashingDBData{{
		Pubkey: pk2, SignedBlocks: []*SlashingDBBlock{}, SignedAttestations: []*SlashingDBAttestation{},
	}}}
	if d := cmp.Diff(want, db); d != "" {
		t.Fatalf("(-want +got):\n%s", d)
	}
	db.InterchangeFormatVersion = 4
	before := db.Clone()
	if _, err := db.ImportInterchange([]byte(interchangeDoc(``))); !errors.Is(err, ErrUnsupportedVersion) {
		t.Fatalf("import into a version-4 DB: %v", err)
	}
	if _, err := db.ExportInterchange(); !errors.Is(err, ErrUnsupportedVersion) {
		t.Fatalf("export of a version-4 DB: %v", err)
	}
	if d := cmp.Diff(before, db); d != "" {
		t.Fatalf("DB changed:\n%s", d)
	}
}

func TestExportExact(t *testing.T) {
	max := phase0.Epoch(18446744073709551615)
	db := &SlashingDB{InterchangeFormatVersion: 5, GenesisValidatorsRoot: testGVR, Data: []*SlashingDBData{
		{Pubkey: pk2, SignedAttestations: []*SlashingDBAttestation{{SourceEpoch: max, TargetEpoch: max}}},
		{
			Pubkey:       pk1,
			SignedBlocks: []*SlashingDBBlock{{Slot: 20}, {Slot: 10, SigningRoot: rootA}, {Slot: 20}},
			SignedAttestations: []*SlashingDBAttestation{
				{SourceEpoch: 10, TargetEpoch: 20, SigningRoot: zeroRoot},
				{SourceEpoch: 1, TargetEpoch: 2},
				{SourceEpoch: 0, TargetEpoch: 2, SigningRoot: rootB},
			},
		},
	}}
	before := db.Clone()
	got, err := db.ExportInterchange()
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "metadata": {
    "interchange_format_version": "5",
    "genesis_validators_root": "` + gvrHex + `"
  },
  "data": [
    {
      "pubkey": "` + pk1Hex + `",
      "signed_blocks": [
        {
          "slot": "10",
          "signing_root": "` + hexOf(32, 0xaa) + `"
        },
        {
          "slot": "20"
        }
      ],
      "signed_attestations": [
        {
          "source_epoch": "0",
          "target_epoch": "2",
          "signing_root": "` + hexOf(32, 0xbb) + `"
        },
        {
          "source_epoch": "1",
          "target_epoch": "2"
        },
        {
          "source_epoch": "10",
          "target_epoch": "20",
          "signing_root": "` + hexOf(32) + `"
        }
      ]
    },
    {
      "pubkey": "` + pk2Hex + `",
      "signed_blocks": [],
      "signed_attestations": [
        {
          "source_epoch": "18446744073709551615",
          "target_epoch": "18446744073709551615"
        }
      ]
    }
  ]
}
`
	if d := cmp.Diff(want, string(got)); d != "" {
		t.Fatalf("export differs (-want +got):\n%s", d)
	}
	if d := cmp.Diff(before, db); d != "" {
		t.Fatalf("export changed the DB:\n%s", d)
	}

	// An empty DB exports an empty data array.
	empty, err := New(testGVR).ExportInterchange()
	if err != nil {
		t.Fatal(err)
	}
	wantEmpty := "{\n  \"metadata\": {\n    \"interchange_format_version\": \"5\",\n    \"genesis_validators_root\": \"" + gvrHex + "\"\n  },\n  \"data\": []\n}\n"
	if string(empty) != wantEmpty {
		t.Fatalf("empty export:\n%s\nwant:\n%s", empty, wantEmpty)
	}
}

func TestExportMinimalExact(t *testing.T) {
	db := buildDB(
		[]histAtt{{pk1, 3, 9, rootA}, {pk1, 7, 8, rootB}, {pk1, 1, 2, nil}},
		[]histBlock{{pk1, 5, rootA}, {pk1, 40, nil}, {pk2, 6, rootC}},
		false,
	)
	got, err := db.ExportInterchangeMinimal()
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "metadata": {
    "interchange_format_version": "5",
    "genesis_validators_root": "` + gvrHex + `"
  },
  "data": [
    {
      "pubkey": "` + pk1Hex + `",
      "signed_blocks": [
        {
          "slot": "40"
        }
      ],
      "signed_attestations": [
        {
          "source_epoch": "7",
          "target_epoch": "9"
        }
      ]
    },
    {
      "pubkey": "` + pk2Hex + `",
      "signed_blocks": [
        {
          "slot": "6"
        }
      ],
      "signed_attestations": []
    }
  ]
}
`
	if d := cmp.Diff(want, string(got)); d != "" {
		t.Fatalf("minimal export differs (-want +got):\n%s", d)
	}
}

func TestExportImportRoundTripFixed(t *testing.T) {
	db := New(testGVR)
	for _, op := range []error{
		db.InsertBlock(pk1, 1, nil),
		db.InsertBlock(pk1, 3, zeroRoot),
		db.InsertBlock(pk2, 3, rootA),
		db.InsertAttestation(pk1, 0, 0, zeroRoot),
		db.InsertAttestation(pk1, 0, 1, nil),
		db.InsertAttestation(pk2, 5, 9, rootB),
	} {
		if op != nil {
			t.Fatal(op)
		}
	}
	out, err := db.ExportInterchange()
	if err != nil {
		t.Fatal(err)
	}
	fresh := New(testGVR)
	rep, err := fresh.ImportInterchange(out)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(db, fresh); d != "" {
		t.Fatalf("round trip differs (-want +got):\n%s", d)
	}
	if rep.SlashableBlocks+rep.SlashableAttestations != 0 || rep.NewBlocks != 3 || rep.NewAttestations != 3 || rep.NewValidators != 2 {
		t.Fatalf("report %+v", rep)
	}
}
