package dvspec

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The pure layer is what makes vectors possible: same input, same output, byte
// for byte. DESIGN.md states the rule (no goroutines, wall clock, randomness,
// network or disk); this test enforces it on the non-test sources of every
// pure-layer package, so the rule cannot erode one import at a time.
var pureRoots = []string{"spec", "consensus", "networking", "eth_node_interface"}

// forbiddenImports are the standard-library packages through which code
// reaches I/O, the clock, randomness, concurrency or the runtime. A path
// ending in "/" forbids every package under it too.
var forbiddenImports = []string{
	"os", "os/",
	"net", "net/",
	"io/ioutil", "io/fs",
	"syscall", "runtime", "runtime/", "unsafe", "C",
	"time",
	"math/rand", "math/rand/",
	"crypto/rand",
	"sync", "sync/",
	"log", "log/",
	"context",
	"path/filepath",
	"plugin", "embed",
}

// allowedUse lets a forbidden package be imported by one pure-layer package
// for a named set of its identifiers, each with the reason it is harmless.
// Any other identifier of that package in that package is a violation.
type allowedUse struct {
	pkgDir string   // relative to the module root
	path   string   // import path
	idents []string // identifiers that may be selected from it
	reason string
}

var allowedUses = []allowedUse{
	{
		pkgDir: "consensus/qbft",
		path:   "time",
		idents: []string{"Duration", "Second", "Millisecond"},
		reason: "round-timer lengths are stated as time.Duration constants (SPEC.md 8.7); the state machine only names them in TimerOutput, it never reads a clock",
	},
	{
		pkgDir: "eth_node_interface",
		path:   "context",
		idents: []string{"Context"},
		reason: "the BN, RS and VC interfaces take a context.Context so impl can cancel their I/O; the pure layer declares the method sets and never creates or waits on a context",
	},
	{
		pkgDir: "eth_node_interface",
		path:   "net/http",
		idents: []string{"StatusBadRequest", "StatusNotFound", "StatusPreconditionFailed", "StatusInternalServerError"},
		reason: "the Web3Signer API's refusals are HTTP status codes (SignerError); only the constants are named, no client or server",
	},
	{
		pkgDir: "spec/cluster",
		path:   "net/netip",
		idents: []string{"ParseAddr"},
		reason: "an operator address is checked by parsing its host as an IP literal: a pure function of the string, no lookup and no socket",
	},
}

// allowedThirdParty are the only non-standard, non-module import path
// prefixes the pure layer may use: each is a deterministic library.
var allowedThirdParty = map[string]string{
	"github.com/attestantio/go-eth2-client/": "consensus types and their SSZ roots (DESIGN.md: never hand-write BeaconBlock); the pure layer imports its spec/ and api/ type packages, never its http client",
	"github.com/herumi/bls-eth-go-binary/":   "threshold BLS (DESIGN.md); key generation by CSPRNG is refused below by forbiddenSelectors",
	"github.com/pk910/dynamic-ssz":           "SSZ encoding and hash-tree-root of DV containers",
	"github.com/OffchainLabs/go-bitfield":    "aggregation bits as go-eth2-client defines them",
	"golang.org/x/crypto/hkdf":               "EIP-2333 key derivation (spec/bls keys.go), a pure function of its seed",
	"github.com/holiman/uint256":             "256-bit integers of execution payloads (go-eth2-client's base fee type), pure arithmetic",
	"github.com/google/go-cmp/":              "structural comparison, with which the conformance case packages (spec/dvc/dvccases) state expected outputs",
}

// forbiddenSelectors are names that draw randomness or touch the outside
// world through a type's method rather than a package import (herumi's
// SetByCSPRNG seeds a key from the OS random source).
var forbiddenSelectors = []string{"SetByCSPRNG", "SetRandFunc"}

const modulePath = "github.com/dvspec/go-dvspec"

type purityViolation struct {
	pos token.Position
	msg string
}

func (v purityViolation) String() string { return fmt.Sprintf("%s: %s", v.pos, v.msg) }

// checkPurity reports every way the parsed file breaks the pure-layer rule.
// pkgDir is the file's package directory relative to the module root; it
// selects the allowlist entries that apply.
func checkPurity(fset *token.FileSet, pkgDir string, f *ast.File) []purityViolation {
	var out []purityViolation
	report := func(p token.Pos, format string, args ...any) {
		out = append(out, purityViolation{fset.Position(p), fmt.Sprintf(format, args...)})
	}
	// restricted maps a local import name to the identifiers it may select.
	restricted := map[string][]string{}
	for _, imp := range f.Imports {
		path, err := strconv.Unquote(imp.Path.Value)
		if err != nil {
			report(imp.Pos(), "unreadable import %s", imp.Path.Value)
			continue
		}
		if strings.HasPrefix(path, modulePath+"/impl") || strings.HasPrefix(path, modulePath+"/adapter") {
			report(imp.Pos(), "import %q: dependencies point downwards only; the pure layer never imports impl or adapter", path)
			continue
		}
		if !isForbiddenImport(path) {
			if isThirdParty(path) && !thirdPartyAllowed(path) {
				report(imp.Pos(), "import %q: third-party package not in the pure layer's allowlist", path)
			}
			continue
		}
		allowed := false
		for _, a := range allowedUses {
			if a.pkgDir == pkgDir && a.path == path {
				local := filepath.Base(path)
				if imp.Name != nil {
					local = imp.Name.Name
				}
				if local == "_" || local == "." {
					break // a blank or dot import hides what is used: never allowed
				}
				restricted[local] = a.idents
				allowed = true
				break
			}
		}
		if !allowed {
			report(imp.Pos(), "import %q: I/O, clock, randomness, concurrency or runtime package in the pure layer", path)
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.GoStmt:
			report(x.Pos(), "go statement: the pure layer starts no goroutines")
		case *ast.SelectorExpr:
			if id, ok := x.X.(*ast.Ident); ok {
				if idents, ok := restricted[id.Name]; ok && !slices.Contains(idents, x.Sel.Name) {
					report(x.Pos(), "%s.%s: only %s may be used from this package here", id.Name, x.Sel.Name, strings.Join(idents, ", "))
				}
			}
			if slices.Contains(forbiddenSelectors, x.Sel.Name) {
				report(x.Pos(), "%s: draws randomness", x.Sel.Name)
			}
		}
		return true
	})
	return out
}

func isForbiddenImport(path string) bool {
	for _, p := range forbiddenImports {
		if path == p || (strings.HasSuffix(p, "/") && strings.HasPrefix(path, p)) {
			return true
		}
	}
	return false
}

// isThirdParty is true for an import outside the standard library and this
// module (a standard-library path has no dot in its first element).
func isThirdParty(path string) bool {
	if path == modulePath || strings.HasPrefix(path, modulePath+"/") {
		return false
	}
	first, _, _ := strings.Cut(path, "/")
	return strings.Contains(first, ".")
}

func thirdPartyAllowed(path string) bool {
	for prefix := range allowedThirdParty {
		if path == strings.TrimSuffix(prefix, "/") || strings.HasPrefix(path, prefix) {
			return true
		}
		if !strings.HasSuffix(prefix, "/") && strings.HasPrefix(path, prefix+"/") {
			return true
		}
	}
	return false
}

// TestPureLayerPurity fails when a non-test source file of a pure-layer
// package imports an I/O, clock, randomness, concurrency or runtime package
// (beyond the justified allowlist), or starts a goroutine.
func TestPureLayerPurity(t *testing.T) {
	fset := token.NewFileSet()
	files := 0
	for _, root := range pureRoots {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == "testdata" {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			files++
			for _, v := range checkPurity(fset, filepath.ToSlash(filepath.Dir(path)), f) {
				t.Error(v)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("walking %s: %v", root, err)
		}
	}
	// A walk that found nothing (run from another directory, a renamed tree)
	// would pass vacuously.
	if files < 50 {
		t.Fatalf("checked only %d pure-layer files; expected the whole pure layer", files)
	}
}

// TestPurityCheckCatches proves the check can fail: each synthetic source
// breaks the rule in one way and must be reported; the clean ones must not.
func TestPurityCheckCatches(t *testing.T) {
	cases := []struct {
		name, pkgDir, src string
		want              string // substring of the expected violation; "" = clean
	}{
		{"os", "spec", `package spec; import "os"; var _ = os.Args`, `import "os"`},
		{"netip parse where allowed", "spec/cluster", `package cluster; import "net/netip"; var _, _ = netip.ParseAddr("::1")`, ""},
		{"net/http status code", "spec", `package spec; import "net/http"; const _ = http.StatusOK`, `import "net/http"`},
		{"net/http client where status codes are allowed", "eth_node_interface", `package ethnode; import "net/http"; var _ = http.Get`, "http.Get"},
		{"status codes where allowed", "eth_node_interface", `package ethnode; import "net/http"; const _ = http.StatusNotFound`, ""},
		{"io/ioutil", "spec", `package spec; import "io/ioutil"; var _ = ioutil.Discard`, `import "io/ioutil"`},
		{"wall clock", "spec/dvc", `package dvc; import "time"; func f() { _ = time.Now() }`, `import "time"`},
		{"wall clock where durations are allowed", "consensus/qbft", `package qbft; import "time"; func f() { _ = time.Now() }`, "time.Now"},
		{"renamed time import", "consensus/qbft", `package qbft; import t "time"; func f() { _ = t.Since }`, "t.Since"},
		{"dot import", "consensus/qbft", `package qbft; import . "time"; var _ Duration`, `import "time"`},
		{"durations where allowed", "consensus/qbft", `package qbft; import "time"; const d = 2 * time.Second; var _ time.Duration = d`, ""},
		{"math/rand", "networking", `package networking; import "math/rand"; var _ = rand.Int`, `import "math/rand"`},
		{"math/rand/v2", "networking", `package networking; import "math/rand/v2"; var _ = rand.Int`, `import "math/rand/v2"`},
		{"crypto/rand", "spec/bls", `package bls; import "crypto/rand"; var _ = rand.Reader`, `import "crypto/rand"`},
		{"sync", "spec/dvc", `package dvc; import "sync"; var mu sync.Mutex`, `import "sync"`},
		{"sync/atomic", "spec/dvc", `package dvc; import "sync/atomic"; var n atomic.Int64`, `import "sync/atomic"`},
		{"context outside eth_node_interface", "spec", `package spec; import "context"; var _ context.Context`, `import "context"`},
		{"context cancel in eth_node_interface", "eth_node_interface", `package ethnode; import "context"; var _ = context.Background`, "context.Background"},
		{"goroutine", "spec/dvc", `package dvc; func f() { go func() {}() }`, "go statement"},
		{"csprng key", "spec/bls", `package bls; import herumi "github.com/herumi/bls-eth-go-binary/bls"; func f() { var sk herumi.SecretKey; sk.SetByCSPRNG() }`, "SetByCSPRNG"},
		{"unknown third party", "spec", `package spec; import "github.com/example/io"; var _ = io.X`, "third-party"},
		{"allowed third party", "spec", `package spec; import "github.com/attestantio/go-eth2-client/spec/phase0"; var _ phase0.Slot`, ""},
		{"module import", "spec/dvc", `package dvc; import "github.com/dvspec/go-dvspec/spec"; var _ spec.AttestationDuty`, ""},
		{"impl import", "spec/dvc", `package dvc; import "github.com/dvspec/go-dvspec/impl/keys"; var _ keys.X`, "downwards"},
		{"pure stdlib", "spec", `package spec; import ("bytes"; "errors"; "io"); var _ = bytes.Equal; var _ = errors.New; var _ = io.EOF`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, "synthetic.go", c.src, parser.SkipObjectResolution)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			got := checkPurity(fset, c.pkgDir, f)
			if c.want == "" {
				if len(got) != 0 {
					t.Fatalf("clean source reported: %v", got)
				}
				return
			}
			for _, v := range got {
				if strings.Contains(v.msg, c.want) {
					return
				}
			}
			t.Fatalf("want a violation containing %q, got %v", c.want, got)
		})
	}
}
