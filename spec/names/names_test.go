package names

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dvspec/go-dvspec/consensus/qbft"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec/dvc"
)

// methodTypes returns the receiver types of every method called method in
// the non-test Go files of dir.
func methodTypes(t *testing.T, dir, method string) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range af.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || fd.Name.Name != method {
				continue
			}
			if id, ok := fd.Recv.List[0].Type.(*ast.Ident); ok {
				out[id.Name] = true
			}
		}
	}
	return out
}

// TestEventsAreSpecDVC: the table names every spec/dvc event type, with
// the name its EventName method gives, and no name twice.
func TestEventsAreSpecDVC(t *testing.T) {
	types := methodTypes(t, "../dvc", "EventName")
	seen := map[string]bool{}
	for _, e := range Events {
		if got := e.Of.EventName(); got != e.Name {
			t.Errorf("%T: the table says %q, EventName %q", e.Of, e.Name, got)
		}
		if seen[e.Name] {
			t.Errorf("%q twice", e.Name)
		}
		seen[e.Name] = true
		delete(types, typeName(e.Of))
	}
	for ty := range types {
		t.Errorf("spec/dvc event %s is not in the table", ty)
	}
}

func TestOutputsAreSpecDVC(t *testing.T) {
	types := methodTypes(t, "../dvc", "OutputName")
	seen := map[string]bool{}
	for _, o := range Outputs {
		if got := o.Of.OutputName(); got != o.Name {
			t.Errorf("%T: the table says %q, OutputName %q", o.Of, o.Name, got)
		}
		if seen[o.Name] {
			t.Errorf("%q twice", o.Name)
		}
		seen[o.Name] = true
		delete(types, typeName(o.Of))
	}
	for ty := range types {
		t.Errorf("spec/dvc output %s is not in the table", ty)
	}
}

func TestSignKinds(t *testing.T) {
	for _, k := range SignKinds {
		if k.Of.String() != k.Name {
			t.Errorf("%d: the table says %q, String %q", k.Of, k.Name, k.Of.String())
		}
	}
	if dvc.SignKind(0).String() != "unknown" {
		t.Error("kind 0 has a name")
	}
}

func typeName(v any) string { return reflect.TypeOf(v).Name() }

func TestErrorNamesUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range Errors {
		if seen[e.Name] {
			t.Errorf("%q twice", e.Name)
		}
		seen[e.Name] = true
		if e.Err == nil && e.Runner != "dvc" {
			t.Errorf("%q: only dvc Ignored reasons have no sentinel", e.Name)
		}
	}
}

// TestRefusal: the outermost name, and the cause only where the runner
// documents one.
func TestRefusal(t *testing.T) {
	for _, c := range []struct {
		runner      string
		err         error
		name, cause string
	}{
		{"dvc", wrap(dvc.ErrInvalidShare, networking.ErrInvalidShare), "rejected_share", "invalid_share"},
		{"qbft", wrap(qbft.ErrInvalidJustification, qbft.ErrWrongRound), "invalid_justification", "wrong_round"},
		{"qbft", wrap(qbft.ErrInvalidJustification, networking.ErrInvalidShare), "invalid_justification", ""},
		{"dvc", dvc.ErrNotDecided, "not_decided", ""},
		{"dvc", errors.New("no name"), "", ""},
	} {
		name, cause := Refusal(c.runner, c.err)
		if name != c.name || cause != c.cause {
			t.Errorf("%s %v: (%q, %q), want (%q, %q)", c.runner, c.err, name, cause, c.name, c.cause)
		}
	}
}

func wrap(outer, inner error) error { return fmt.Errorf("%w: %w", outer, inner) }
