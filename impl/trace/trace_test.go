package trace

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec/dvc"
)

// TestErrorNames: a trace names a rejection with the dvc vectors'
// error and cause (spec/names.Refusal), and an error the table does not
// name "other" rather than nothing.
func TestErrorNames(t *testing.T) {
	for _, c := range []struct {
		err         error
		name, cause string
	}{
		{fmt.Errorf("%w: %w", dvc.ErrInvalidShare, networking.ErrUnknownSigner), "rejected_share", "unknown_signer"},
		{fmt.Errorf("step: %w", dvc.ErrNotDecided), "not_decided", ""},
		{errors.New("disk on fire"), "other", ""},
		{nil, "", ""},
	} {
		if name, cause := ErrorNames(c.err); name != c.name || cause != c.cause {
			t.Errorf("%v: (%q, %q), want (%q, %q)", c.err, name, cause, c.name, c.cause)
		}
	}
}

func TestReadRefusesGarbage(t *testing.T) {
	for _, in := range []string{"{", `{"record":"weird","seq":1}` + "\n", `{"record":"step","validator":"abc"}` + "\n"} {
		err := Read(strings.NewReader(in), func(*Record) error { return nil })
		if err == nil {
			t.Errorf("%q accepted", in)
		}
	}
	var n int
	if err := Read(bytes.NewReader(nil), func(*Record) error { n++; return nil }); err != nil || n != 0 {
		t.Fatalf("empty trace: %v %d", err, n)
	}
}

// Create never truncates: an existing trace stays as it was and the new
// one goes to the first free numbered file.
func TestCreateKeepsExistingTraces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "node.trace")
	old := []byte("pre-crash records\n")
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".1", old, 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if w.Path() != path+".2" {
		t.Errorf("created %s, want %s.2", w.Path(), path)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + ".1"} {
		if b, err := os.ReadFile(p); err != nil || !bytes.Equal(b, old) {
			t.Errorf("%s changed: %q, %v", p, b, err)
		}
	}
	w2, err := Create(filepath.Join(dir, "fresh.trace"))
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	if w2.Path() != filepath.Join(dir, "fresh.trace") {
		t.Errorf("a free name was not used as given: %s", w2.Path())
	}
	if _, err := Create(filepath.Join(dir, "no-such-dir", "x")); err == nil {
		t.Error("a trace in a missing directory was created")
	}
}
