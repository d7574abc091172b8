package slashingstore

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"
)

var (
	clusterA = phase0.Root{0xaa}
	clusterB = phase0.Root{0xbb}
)

// withRecord creates a store for cluster at path holding one attestation
// of pk1 and closes it.
func withRecord(t *testing.T, path string, gvr, cluster phase0.Root) {
	t.Helper()
	s, err := OpenWithOptions(path, gvr, Options{ClusterID: cluster})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RecordAttestation(pk1, att(1, 2, rootOfInt(2))); err != nil {
		t.Fatal(err)
	}
	s.Close()
}

func TestEmptyFileRefusedUnlessInit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "slashing.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenWithOptions(path, testGVR, Options{ClusterID: clusterA}); !errors.Is(err, ErrEmptyFile) || !Foreign(err) {
		t.Fatalf("0-byte file: %v, want ErrEmptyFile", err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != 0 {
		t.Fatalf("the refused open changed the file: %v %v", fi, err)
	}
	var notes []string
	s, err := OpenWithOptions(path, testGVR, Options{ClusterID: clusterA, Init: true, Notice: func(m string) { notes = append(notes, m) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if c, _ := s.ClusterID(); c != clusterA || len(notes) != 1 || !strings.Contains(notes[0], "empty") {
		t.Fatalf("cluster %x, notices %q", c, notes)
	}
}

func TestOtherClusterRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "slashing.db")
	withRecord(t, path, testGVR, clusterA)
	before := fileHash(t, path)
	_, err := OpenWithOptions(path, testGVR, Options{ClusterID: clusterB})
	if !errors.Is(err, ErrWrongCluster) || !strings.Contains(err.Error(), "0xaa") || !strings.Contains(err.Error(), "0xbb") {
		t.Fatalf("other cluster: %v, want ErrWrongCluster naming both", err)
	}
	if fileHash(t, path) != before {
		t.Fatal("the refused open changed the file")
	}
	// With Init the history is kept and the new cluster recorded.
	s, err := OpenWithOptions(path, testGVR, Options{ClusterID: clusterB, Init: true})
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := s.ClusterID(); c != clusterB {
		t.Fatalf("cluster %x after Init", c)
	}
	if err := s.RecordAttestation(pk1, att(1, 2, rootOfInt(3))); err == nil {
		t.Fatal("the history was lost: a double vote was recorded")
	}
	s.Close()
	// Same cluster: opens; no cluster given: opens without checking.
	for _, c := range []phase0.Root{clusterB, {}} {
		s, err := OpenWithOptions(path, testGVR, Options{ClusterID: c})
		if err != nil {
			t.Fatalf("cluster %x: %v", c, err)
		}
		s.Close()
	}
}

// TestLegacyFileAdopted: a store written before cluster IDs were recorded
// records the cluster it is opened for, once.
func TestLegacyFileAdopted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "slashing.db")
	withRecord(t, path, testGVR, phase0.Root{})
	var notes []string
	s, err := OpenWithOptions(path, testGVR, Options{ClusterID: clusterA, Notice: func(m string) { notes = append(notes, m) }})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if len(notes) != 1 {
		t.Fatalf("notices %q", notes)
	}
	if _, err := OpenWithOptions(path, testGVR, Options{ClusterID: clusterB}); !errors.Is(err, ErrWrongCluster) {
		t.Fatalf("after adoption another cluster: %v", err)
	}
}

// TestForeignFilesMovedAsideWithInit: a file that is not a slashing store,
// or is another chain's, is refused; with Init it is renamed, byte for
// byte, and a new store created.
func TestForeignFilesMovedAsideWithInit(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.db")
	content := bytes.Repeat([]byte("x"), 8192)
	if err := os.WriteFile(junk, content, 0o600); err != nil {
		t.Fatal(err)
	}
	chain := filepath.Join(dir, "chain.db")
	withRecord(t, chain, phase0.Root{0x01}, clusterA)
	chainBytes, err := os.ReadFile(chain)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string][]byte{junk: content, chain: chainBytes} {
		if _, err := OpenWithOptions(path, testGVR, Options{ClusterID: clusterA}); !Foreign(err) {
			t.Fatalf("%s: %v, want a foreign-file refusal", filepath.Base(path), err)
		}
		s, err := OpenWithOptions(path, testGVR, Options{ClusterID: clusterA, Init: true})
		if err != nil {
			t.Fatalf("%s with Init: %v", filepath.Base(path), err)
		}
		s.Close()
		aside, _ := filepath.Glob(path + ".foreign-*")
		if len(aside) != 1 {
			t.Fatalf("%s: moved aside to %v", filepath.Base(path), aside)
		}
		got, err := os.ReadFile(aside[0])
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s: the file moved aside differs (%v)", filepath.Base(path), err)
		}
	}
}
