package trace

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/dvspec/go-dvspec/spectests"
)

// TestErrorNamesAreTheVectors: the names a trace gives rejections are the
// dvc vectors' names (spectests.ErrorTable), so a trace and a vector speak
// one vocabulary.
func TestErrorNamesAreTheVectors(t *testing.T) {
	for _, k := range append(append([]namedErr(nil), dvcErrors...), causes...) {
		err := fmt.Errorf("wrapped: %w", k.err)
		if names := spectests.SpecErrorNames(err); !slices.Contains(names, k.name) {
			t.Errorf("%v is %q in traces but %v in the vectors", k.err, k.name, names)
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
