package slashing

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"
	"github.com/google/go-cmp/cmp"
)

// The EIP-3076 public test suite (eth-clients/slashing-protection-interchange-tests),
// read from the directory named by DVSPEC_INTERCHANGE_DIR.

type suiteFile struct {
	Name                  string      `json:"name"`
	GenesisValidatorsRoot string      `json:"genesis_validators_root"`
	Steps                 []suiteStep `json:"steps"`
}

type suiteStep struct {
	ShouldSucceed         bool             `json:"should_succeed"`
	ContainsSlashableData bool             `json:"contains_slashable_data"`
	Interchange           json.RawMessage  `json:"interchange"`
	Blocks                []suiteBlock     `json:"blocks"`
	Attestations          []suiteAttestion `json:"attestations"`
}

type suiteBlock struct {
	Pubkey                string  `json:"pubkey"`
	Slot                  string  `json:"slot"`
	SigningRoot           *string `json:"signing_root"`
	ShouldSucceed         bool    `json:"should_succeed"`
	ShouldSucceedComplete *bool   `json:"should_succeed_complete"`
}

type suiteAttestion struct {
	Pubkey                string  `json:"pubkey"`
	SourceEpoch           string  `json:"source_epoch"`
	TargetEpoch           string  `json:"target_epoch"`
	SigningRoot           *string `json:"signing_root"`
	ShouldSucceed         bool    `json:"should_succeed"`
	ShouldSucceedComplete *bool   `json:"should_succeed_complete"`
}

// The test decodes the suite's values with its own helpers, not the
// package's parser.
func suiteHex(t *testing.T, s string, n int) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil || len(b) != n {
		t.Fatalf("suite value %q: not %d bytes of hex", s, n)
	}
	return b
}

func suiteUint(t *testing.T, s string) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("suite value %q: %v", s, err)
	}
	return v
}

func suiteRoot(t *testing.T, s *string) *phase0.Root {
	t.Helper()
	if s == nil {
		return nil
	}
	var r phase0.Root
	copy(r[:], suiteHex(t, *s, 32))
	return &r
}

func suitePubkey(t *testing.T, s string) phase0.BLSPubKey {
	t.Helper()
	var pk phase0.BLSPubKey
	copy(pk[:], suiteHex(t, s, 48))
	return pk
}

// runSuiteFile runs one suite file with one strategy and returns the number
// of checks that disagreed with the file (each is also reported with
// report).
func runSuiteFile(t *testing.T, f *suiteFile, minimal bool, report func(format string, args ...any)) (checks, failures int) {
	t.Helper()
	var gvr phase0.Root
	copy(gvr[:], suiteHex(t, f.GenesisValidatorsRoot, 32))
	db := New(gvr)
	for si, step := range f.Steps {
		before := db.Clone()
		rep, err := db.ImportInterchange(step.Interchange)
		checks++
		switch {
		case step.ShouldSucceed && err != nil:
			failures++
			report("step %d: import failed: %v", si, err)
			return checks, failures
		case !step.ShouldSucceed && err == nil:
			failures++
			report("step %d: import succeeded, want failure", si)
			return checks, failures
		case !step.ShouldSucceed:
			if d := cmp.Diff(before, db); d != "" {
				failures++
				report("step %d: failed import changed the DB (-before +after):\n%s", si, d)
			}
			continue
		}
		// contains_slashable_data: the file holds data slashable with respect
		// to itself or the DB. The report's slashable and stale counts
		// together must say the same.
		flagged := rep.SlashableBlocks+rep.SlashableAttestations+rep.StaleBlocks+rep.StaleAttestations > 0
		if flagged != step.ContainsSlashableData {
			failures++
			report("step %d: contains_slashable_data is %v, but the report is %+v", si, step.ContainsSlashableData, rep)
		}
		for bi, b := range step.Blocks {
			want := b.ShouldSucceed
			if !minimal {
				if b.ShouldSucceedComplete == nil {
					t.Fatalf("step %d block %d: no should_succeed_complete", si, bi)
				}
				want = *b.ShouldSucceedComplete
			}
			pk, slot, root := suitePubkey(t, b.Pubkey), phase0.Slot(suiteUint(t, b.Slot)), suiteRoot(t, b.SigningRoot)
			var err error
			if minimal {
				err = db.InsertBlockMinimal(pk, slot, root)
			} else {
				err = db.InsertBlock(pk, slot, root)
			}
			checks++
			if (err == nil) != want {
				failures++
				report("step %d block %d (slot %d): got err=%v, want success=%v", si, bi, slot, err, want)
			}
		}
		for ai, a := range step.Attestations {
			want := a.ShouldSucceed
			if !minimal {
				if a.ShouldSucceedComplete == nil {
					t.Fatalf("step %d attestation %d: no should_succeed_complete", si, ai)
				}
				want = *a.ShouldSucceedComplete
			}
			pk := suitePubkey(t, a.Pubkey)
			source, target := phase0.Epoch(suiteUint(t, a.SourceEpoch)), phase0.Epoch(suiteUint(t, a.TargetEpoch))
			root := suiteRoot(t, a.SigningRoot)
			var err error
			if minimal {
				err = db.InsertAttestationMinimal(pk, source, target, root)
			} else {
				err = db.InsertAttestation(pk, source, target, root)
			}
			checks++
			if (err == nil) != want {
				failures++
				report("step %d attestation %d (%d->%d): got err=%v, want success=%v", si, ai, source, target, err, want)
			}
		}
	}
	return checks, failures
}

func loadSuite(t *testing.T) (files []string, dir string) {
	t.Helper()
	dir = os.Getenv("DVSPEC_INTERCHANGE_DIR")
	if dir == "" {
		t.Skip("DVSPEC_INTERCHANGE_DIR is not set")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no *.json files in %s", dir)
	}
	return files, dir
}

func readSuiteFile(t *testing.T, path string) *suiteFile {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f suiteFile
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(f.Steps) == 0 {
		t.Fatalf("%s: no steps", path)
	}
	return &f
}

// TestInterchangeSuite runs every file of the EIP-3076 suite with the
// complete strategy (should_succeed_complete) and requires all to pass, then
// with the minimal strategy (should_succeed) and reports the result.
func TestInterchangeSuite(t *testing.T) {
	files, _ := loadSuite(t)
	passedComplete, passedMinimal, totalChecks := 0, 0, 0
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		f := readSuiteFile(t, path)
		t.Run(name, func(t *testing.T) {
			checks, failures := runSuiteFile(t, f, false, t.Errorf)
			totalChecks += checks
			if failures == 0 {
				passedComplete++
			}
			var minimalLog []string
			_, minFailures := runSuiteFile(t, f, true, func(format string, args ...any) {
				minimalLog = append(minimalLog, "minimal: "+fmt.Sprintf(format, args...))
			})
			if minFailures == 0 {
				passedMinimal++
			} else {
				for _, l := range minimalLog {
					t.Log(l)
				}
			}
		})
	}
	t.Logf("EIP-3076 suite: %d files, %d checks; complete strategy: %d/%d files pass; minimal strategy: %d/%d files pass",
		len(files), totalChecks, passedComplete, len(files), passedMinimal, len(files))
}

// TestInterchangeSuiteMinimal requires the minimal strategy to pass the
// whole suite too (should_succeed).
func TestInterchangeSuiteMinimal(t *testing.T) {
	files, _ := loadSuite(t)
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		f := readSuiteFile(t, path)
		t.Run(name, func(t *testing.T) {
			runSuiteFile(t, f, true, t.Errorf)
		})
	}
}

// TestInterchangeSuiteRoundTrip imports every successful suite step, then
// checks that the export imports into a fresh DB as the same DB, and that
// exporting that gives the same bytes.
func TestInterchangeSuiteRoundTrip(t *testing.T) {
	files, _ := loadSuite(t)
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		f := readSuiteFile(t, path)
		t.Run(name, func(t *testing.T) {
			var gvr phase0.Root
			copy(gvr[:], suiteHex(t, f.GenesisValidatorsRoot, 32))
			db := New(gvr)
			for _, step := range f.Steps {
				if _, err := db.ImportInterchange(step.Interchange); err != nil && step.ShouldSucceed {
					t.Fatal(err)
				}
			}
			if err := db.Validate(); err != nil {
				t.Fatalf("imported DB is not canonical: %v", err)
			}
			out, err := db.ExportInterchange()
			if err != nil {
				t.Fatal(err)
			}
			fresh := New(gvr)
			if _, err := fresh.ImportInterchange(out); err != nil {
				t.Fatalf("re-import of export: %v", err)
			}
			if d := cmp.Diff(db, fresh); d != "" {
				t.Fatalf("export/import round trip differs (-db +fresh):\n%s", d)
			}
			out2, err := fresh.ExportInterchange()
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != string(out2) {
				t.Fatalf("second export differs")
			}
		})
	}
}
