package dvspec

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// symbolRef matches a Go symbol as SPEC.md writes it in a table cell:
// `dir/path.Name` or `dir/path.Type.Method`, relative to the module root.
var symbolRef = regexp.MustCompile("`([a-z_][a-z0-9_/]*)\\.([A-Z][A-Za-z0-9_]*)(?:\\.([A-Z][A-Za-z0-9_]*))?`")

type declared struct {
	names   map[string]bool   // funcs, types, consts, vars
	methods map[string]bool   // "Type.Method", interface methods included
	docs    map[string]string // "Name" or "Type.Method" -> doc comment
}

func declarations(t *testing.T, dir string) declared {
	t.Helper()
	d := declared{names: map[string]bool{}, methods: map[string]bool{}, docs: map[string]string{}}
	pkgs, err := parser.ParseDir(token.NewFileSet(), dir, func(fi os.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		t.Fatalf("parse %s: %v", dir, err)
	}
	for _, pkg := range pkgs {
		for _, f := range pkg.Files {
			for _, decl := range f.Decls {
				switch x := decl.(type) {
				case *ast.FuncDecl:
					if x.Recv == nil || len(x.Recv.List) == 0 {
						d.names[x.Name.Name] = true
						d.docs[x.Name.Name] = x.Doc.Text()
						continue
					}
					key := receiverName(x.Recv.List[0].Type) + "." + x.Name.Name
					d.methods[key] = true
					d.docs[key] = x.Doc.Text()
				case *ast.GenDecl:
					for _, spec := range x.Specs {
						switch s := spec.(type) {
						case *ast.TypeSpec:
							d.names[s.Name.Name] = true
							d.docs[s.Name.Name] = firstDoc(s.Doc, x.Doc)
							if it, ok := s.Type.(*ast.InterfaceType); ok {
								for _, m := range it.Methods.List {
									for _, n := range m.Names {
										key := s.Name.Name + "." + n.Name
										d.methods[key] = true
										d.docs[key] = m.Doc.Text()
									}
								}
							}
						case *ast.ValueSpec:
							for _, n := range s.Names {
								d.names[n.Name] = true
								d.docs[n.Name] = firstDoc(s.Doc, x.Doc)
							}
						}
					}
				}
			}
		}
	}
	return d
}

func firstDoc(docs ...*ast.CommentGroup) string {
	for _, d := range docs {
		if t := d.Text(); t != "" {
			return t
		}
	}
	return ""
}

// sourceName is a Python or Dafny function name in a table cell.
var sourceName = regexp.MustCompile("`([a-z][a-z0-9_]*)`")

// pureLayer lists the directories of the specification proper, whose
// translations must name their origin in their doc comments.
var pureLayer = []string{"spec", "consensus", "networking", "eth_node_interface"}

func inPureLayer(dir string) bool {
	for _, p := range pureLayer {
		if dir == p || strings.HasPrefix(dir, p+"/") {
			return true
		}
	}
	return false
}

func receiverName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.StarExpr:
		return receiverName(x.X)
	case *ast.IndexExpr:
		return receiverName(x.X)
	case *ast.IndexListExpr:
		return receiverName(x.X)
	case *ast.Ident:
		return x.Name
	}
	return ""
}

// TestSpecTableSymbolsExist parses every table row of SPEC.md and fails if a
// Go symbol it names does not exist in the named package directory.
func TestSpecTableSymbolsExist(t *testing.T) {
	f, err := os.Open("SPEC.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	cache := map[string]declared{}
	checked := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if !strings.HasPrefix(strings.TrimSpace(text), "|") {
			continue
		}
		// A row whose first cell names a Python or Dafny function maps that
		// function to Go: at least one Go symbol of the pure layer in that
		// row (the translation; the others may be the types it uses) must
		// say where it comes from in its doc comment.
		var origins []string
		if cells := strings.Split(text, "|"); len(cells) > 2 {
			for _, o := range sourceName.FindAllStringSubmatch(cells[1], -1) {
				origins = append(origins, o[1])
			}
		}
		pureSymbols, namedOrigin := 0, false
		for _, m := range symbolRef.FindAllStringSubmatch(text, -1) {
			dir, name, method := m[1], m[2], m[3]
			if _, err := os.Stat(filepath.Join(dir)); err != nil {
				t.Errorf("SPEC.md:%d: %s: no package directory %q", line, m[0], dir)
				continue
			}
			decls, ok := cache[dir]
			if !ok {
				decls = declarations(t, dir)
				cache[dir] = decls
			}
			key := name
			if method != "" {
				key = name + "." + method
			}
			switch {
			case method != "" && !decls.methods[key]:
				t.Errorf("SPEC.md:%d: %s: method %s not declared in %s", line, m[0], key, dir)
				continue
			case method == "" && !decls.names[name]:
				t.Errorf("SPEC.md:%d: %s: %s not declared in %s", line, m[0], name, dir)
				continue
			}
			checked++
			if inPureLayer(dir) {
				pureSymbols++
				namedOrigin = namedOrigin || docNamesOrigin(decls.docs[key], origins)
			}
		}
		if len(origins) > 0 && pureSymbols > 0 && !namedOrigin {
			t.Errorf("SPEC.md:%d: no Go symbol of this row names %v in its doc comment", line, origins)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	// A table that names nothing would make this test vacuous.
	if checked < 20 {
		t.Fatalf("SPEC.md tables name only %d Go symbols; the parser or the tables are broken", checked)
	}
	t.Logf("checked %d symbol references", checked)
}

// docNamesOrigin reports whether a doc comment names one of the source
// functions (Python snake_case or Dafny names).
func docNamesOrigin(doc string, origins []string) bool {
	for _, o := range origins {
		if strings.Contains(doc, o) {
			return true
		}
	}
	return false
}

// TestSymbolRefPattern pins the cell syntax the table test relies on, so a
// regression in the pattern cannot silently make every row pass.
func TestSymbolRefPattern(t *testing.T) {
	for cell, want := range map[string][]string{
		"`spec/signing.ComputeDomain`":           {"spec/signing", "ComputeDomain", ""},
		"`spec/slashing.SlashingDB.CheckBlock`":  {"spec/slashing", "SlashingDB", "CheckBlock"},
		"`eth_node_interface.BeaconNode.Submit`": {"eth_node_interface", "BeaconNode", "Submit"},
	} {
		m := symbolRef.FindStringSubmatch(cell)
		if m == nil || m[1] != want[0] || m[2] != want[1] || m[3] != want[2] {
			t.Errorf("%s parsed as %q, want %q", cell, m, want)
		}
	}
	if symbolRef.MatchString("`serve_attestation_duty`") {
		t.Error("a Python name must not parse as a Go symbol")
	}
}

// TestSpecTableCatchesMissingSymbol proves the checker reports a symbol that
// does not exist (a checker that accepts everything would be worthless).
func TestSpecTableCatchesMissingSymbol(t *testing.T) {
	d := declarations(t, "spec/signing")
	if !d.names["ComputeDomain"] {
		t.Fatal("ComputeDomain not found: the declaration scan is broken")
	}
	if d.names["ComputeDomainThatDoesNotExist"] || d.methods["Chain.NoSuchMethod"] {
		t.Fatal("the declaration scan invents symbols")
	}
	if !d.methods["Chain.AttestationData"] {
		t.Fatal("method Chain.AttestationData not found: receiver parsing is broken")
	}
}
