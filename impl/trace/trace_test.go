package trace

import (
	"bytes"
	"errors"
	"fmt"
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
