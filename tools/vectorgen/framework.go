package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/golang/snappy"
	"gopkg.in/yaml.v3"
)

// A generator writes the cases of one runner. Later phases add a runner
// (qbft, dvc, networking) by adding a file with a generator and a register
// call in its init function; nothing else in vectorgen changes.
type generator struct {
	// Runner is the directory name under <preset>/<fork>/.
	Runner string
	// Summary is one line for vectors/README.md.
	Summary string
	// Generate adds the runner's cases to w.
	Generate func(w *Writer)
}

var generators []generator

func register(g generator) {
	for _, o := range generators {
		if o.Runner == g.Runner {
			panic("vectorgen: runner registered twice: " + g.Runner)
		}
	}
	generators = append(generators, g)
	sort.Slice(generators, func(i, j int) bool { return generators[i].Runner < generators[j].Runner })
}

// Meta is meta.yaml: what a case is for. Every case has one.
type Meta struct {
	// Description says what the case sets up and does.
	Description string `yaml:"description"`
	// Proves says which rule of the spec the case pins down: what a
	// conforming implementation demonstrates by passing it.
	Proves string `yaml:"proves"`
	// References name the spec text the case checks (SPEC.md sections and
	// deviations, consensus-specs functions, EIPs).
	References []string `yaml:"references"`
	// Keys documents where every key of the case comes from, so another
	// language can re-derive it (vectors/README.md, "Keys").
	Keys *yaml.Node `yaml:"keys,omitempty"`
	// DeliberatelyInvalid lists the BLS values of the case that are invalid
	// on purpose (a malformed point, a signature that must not verify). Any
	// other 48-byte value in the case is a valid public key and any other
	// 96-byte value a signature vectorgen verified.
	DeliberatelyInvalid []InvalidValue `yaml:"deliberately_invalid,omitempty"`
}

// InvalidValue is one entry of Meta.DeliberatelyInvalid.
type InvalidValue struct {
	Value Hex    `yaml:"value"`
	Why   string `yaml:"why"`
}

// Case is one vector case: a directory
// <preset>/<fork>/<runner>/<handler>/<suite>/<name>/ with meta.yaml and its
// parts.
type Case struct {
	Preset, Fork, Runner, Handler, Suite, Name string
	Meta                                       Meta

	files map[string][]byte
	roots []rootEntry
}

type rootEntry struct {
	name string
	root [32]byte
}

// sszObject is a generated SSZ container.
type sszObject interface {
	MarshalSSZ() ([]byte, error)
	HashTreeRoot() ([32]byte, error)
}

// Path is the case directory relative to the vectors root.
func (c *Case) Path() string {
	return filepath.ToSlash(filepath.Join(c.Preset, c.Fork, c.Runner, c.Handler, c.Suite, c.Name))
}

func (c *Case) put(name string, data []byte) {
	if c.files == nil {
		c.files = map[string][]byte{}
	}
	if _, dup := c.files[name]; dup {
		panic(fmt.Sprintf("%s: part %s written twice", c.Path(), name))
	}
	c.files[name] = data
}

// YAML writes <part>.yaml.
func (c *Case) YAML(part string, v any) { c.put(part+".yaml", encodeYAML(v)) }

// File writes a part verbatim (interchange files).
func (c *Case) File(name string, data []byte) { c.put(name, data) }

// SSZ writes <part>.ssz_snappy (the snappy block-compressed SSZ encoding),
// <part>.yaml (value, the same object in YAML) and records the object's
// hash tree root for roots.yaml under the part's name.
func (c *Case) SSZ(part string, obj sszObject, value *yaml.Node) {
	enc, err := obj.MarshalSSZ()
	if err != nil {
		panic(fmt.Sprintf("%s: %s: marshal: %v", c.Path(), part, err))
	}
	root, err := obj.HashTreeRoot()
	if err != nil {
		panic(fmt.Sprintf("%s: %s: root: %v", c.Path(), part, err))
	}
	c.SSZBytes(part, enc, root, value)
}

// SSZBytes is SSZ for an encoding and root computed elsewhere (basic
// types, preset-specific encodings).
func (c *Case) SSZBytes(part string, enc []byte, root [32]byte, value *yaml.Node) {
	c.put(part+".ssz_snappy", snappy.Encode(nil, enc))
	c.YAML(part, value)
	c.roots = append(c.roots, rootEntry{part, root})
}

// StaticSSZ writes the ssz_static shape of consensus-spec-tests:
// value.yaml, serialized.ssz_snappy and roots.yaml {root}.
func (c *Case) StaticSSZ(obj sszObject, value *yaml.Node) {
	enc, err := obj.MarshalSSZ()
	if err != nil {
		panic(fmt.Sprintf("%s: marshal: %v", c.Path(), err))
	}
	root, err := obj.HashTreeRoot()
	if err != nil {
		panic(fmt.Sprintf("%s: root: %v", c.Path(), err))
	}
	c.put("serialized.ssz_snappy", snappy.Encode(nil, enc))
	c.YAML("value", value)
	c.YAML("roots", mapNode("root", Hex(root[:])))
}

func (c *Case) finish() {
	c.YAML("meta", c.Meta)
	if len(c.roots) > 0 {
		n := mapNode()
		sort.Slice(c.roots, func(i, j int) bool { return c.roots[i].name < c.roots[j].name })
		for _, r := range c.roots {
			n.Content = append(n.Content, strNode(r.name), hexNode(r.root[:]))
		}
		c.YAML("roots", n)
	}
}

// Writer collects the cases of every generator.
type Writer struct {
	cases map[string]*Case
	order []string
	guard *guard
}

var pathComponent = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// Add registers a finished case. The case must carry a description, what
// it proves and at least one reference.
func (w *Writer) Add(c *Case) {
	for _, p := range []string{c.Preset, c.Fork, c.Runner, c.Handler, c.Suite, c.Name} {
		if !pathComponent.MatchString(p) {
			panic(fmt.Sprintf("bad path component %q in %s", p, c.Path()))
		}
	}
	if c.Meta.Description == "" || c.Meta.Proves == "" || len(c.Meta.References) == 0 {
		panic(fmt.Sprintf("%s: meta.yaml needs description, proves and references", c.Path()))
	}
	p := c.Path()
	if _, dup := w.cases[p]; dup {
		panic("duplicate case " + p)
	}
	c.finish()
	w.cases[p] = c
	w.order = append(w.order, p)
}

// generate runs every generator (or those named in only) and returns the
// files of the vectors tree, keyed by slash-separated path.
func generate(only []string) (map[string][]byte, error) {
	theGuard = newGuard()
	dvcEnv = newDVCEnv()
	w := &Writer{cases: map[string]*Case{}, guard: theGuard}
	var ran []generator
	for _, g := range generators {
		if len(only) > 0 && !slices.Contains(only, g.Runner) {
			continue
		}
		g.Generate(w)
		ran = append(ran, g)
	}
	files := map[string][]byte{}
	for _, p := range w.order {
		c := w.cases[p]
		if c.Runner == "" {
			return nil, fmt.Errorf("%s: no runner", p)
		}
		if err := w.guard.scan(c); err != nil {
			return nil, err
		}
		for name, data := range c.files {
			files[p+"/"+name] = data
		}
	}
	files["README.md"] = readme(w, ran)
	return files, nil
}

// writeTree writes files under dir, which must not exist or be empty.
func writeTree(dir string, files map[string][]byte) error {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, files[n], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// readTree reads every regular file under dir.
func readTree(dir string) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[filepath.ToSlash(rel)] = data
		return nil
	})
	return out, err
}

// diffTrees lists the differences between two trees, sorted.
func diffTrees(want, got map[string][]byte) []string {
	var diffs []string
	for n, w := range want {
		g, ok := got[n]
		switch {
		case !ok:
			diffs = append(diffs, "missing: "+n)
		case !bytes.Equal(w, g):
			diffs = append(diffs, "differs: "+n)
		}
	}
	for n := range got {
		if _, ok := want[n]; !ok {
			diffs = append(diffs, "extra:   "+n)
		}
	}
	sort.Strings(diffs)
	return diffs
}

// readmeMarker starts every generated vectors/README.md; vectorgen only
// replaces a directory whose README.md starts with it (or an empty one).
const readmeMarker = "<!-- Generated by tools/vectorgen. Do not edit: edit tools/vectorgen/README.tmpl.md and regenerate. -->"

func isGeneratedTree(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	if len(entries) == 0 {
		return true, nil
	}
	data, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		return false, nil
	}
	return strings.HasPrefix(string(data), readmeMarker), nil
}
