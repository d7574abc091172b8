package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVectorsUpToDate regenerates every vector in memory and requires the
// committed vectors/ to be byte-identical: the vectors never drift from the
// code that defines them. CI runs it through `go test ./...`; the same
// check is `go run ./tools/vectorgen -check vectors`.
func TestVectorsUpToDate(t *testing.T) {
	files, err := generate(nil)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := readTree(filepath.Join(moduleRoot(), "vectors"))
	if err != nil {
		t.Fatal(err)
	}
	if diffs := diffTrees(files, committed); len(diffs) > 0 {
		if len(diffs) > 20 {
			diffs = append(diffs[:20], "...")
		}
		t.Fatalf("vectors/ differs from a fresh generation in %d files; run `go run ./tools/vectorgen -out vectors`:\n%s",
			len(diffs), strings.Join(diffs, "\n"))
	}
}

// TestGenerationIsDeterministic generates twice, to a directory the second
// time, and compares: no map order, clock or randomness reaches the output.
func TestGenerationIsDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("generates twice")
	}
	first, err := generate(nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "vectors")
	if err := run(dir, "", nil); err != nil {
		t.Fatal(err)
	}
	second, err := readTree(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diffs := diffTrees(first, second); len(diffs) > 0 {
		t.Fatalf("two generations differ: %v", diffs)
	}
	// -check agrees, and finds a change.
	if err := run("", dir, nil); err != nil {
		t.Fatalf("-check on a fresh generation: %v", err)
	}
	readme := filepath.Join(dir, "README.md")
	if err := os.WriteFile(readme, append(bytes.Clone(second["README.md"]), '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run("", dir, nil); err == nil {
		t.Fatal("-check missed a changed file")
	}
	// -out refuses to replace a directory it did not write.
	foreign := t.TempDir()
	if err := os.WriteFile(filepath.Join(foreign, "precious.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(foreign, "", nil); err == nil {
		t.Fatal("replaced a directory vectorgen did not generate")
	}
}

func TestSnakeCase(t *testing.T) {
	for in, want := range map[string]string{
		"ValidatorSyncCommitteeIndices": "validator_sync_committee_indices",
		"SlashingDB":                    "slashing_db",
		"ETH1Data":                      "eth1_data",
		"RANDAOReveal":                  "randao_reveal",
		"Pubkey":                        "pubkey",
		"InterchangeFormatVersion":      "interchange_format_version",
	} {
		if got := snakeCase(in); got != want {
			t.Errorf("snakeCase(%s) = %s, want %s", in, got, want)
		}
	}
}
