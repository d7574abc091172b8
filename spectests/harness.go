package spectests

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/golang/snappy"
	"gopkg.in/yaml.v3"
)

// ErrNotImplemented is returned (wrapped or not) by an implementation for
// what it does not implement; the harness then reports the case as skipped
// instead of failed.
var ErrNotImplemented = errors.New("spectests: not implemented")

// Case is one vector case: the directory
// <root>/<preset>/<fork>/<runner>/<handler>/<suite>/<name>/.
type Case struct {
	Root                                       string
	Preset, Fork, Runner, Handler, Suite, Name string
}

// Path is the case directory relative to the vectors root, slash-separated.
func (c Case) Path() string {
	return strings.Join([]string{c.Preset, c.Fork, c.Runner, c.Handler, c.Suite, c.Name}, "/")
}

// Dir is the case directory.
func (c Case) Dir() string { return filepath.Join(c.Root, filepath.FromSlash(c.Path())) }

// Has reports whether the case has the named file.
func (c Case) Has(name string) bool {
	_, err := os.Stat(filepath.Join(c.Dir(), name))
	return err == nil
}

// ReadFile reads a file of the case.
func (c Case) ReadFile(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join(c.Dir(), name))
}

// ReadYAML decodes a YAML file of the case into v, refusing unknown fields.
func (c Case) ReadYAML(name string, v any) error {
	raw, err := c.ReadFile(name)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// ReadSSZ reads <part>.ssz_snappy and returns the SSZ bytes (snappy block
// format, as in consensus-spec-tests).
func (c Case) ReadSSZ(part string) ([]byte, error) {
	raw, err := c.ReadFile(part + ".ssz_snappy")
	if err != nil {
		return nil, err
	}
	out, err := snappy.Decode(nil, raw)
	if err != nil {
		return nil, fmt.Errorf("%s.ssz_snappy: snappy: %w", part, err)
	}
	return out, nil
}

// Roots reads roots.yaml: part name to hash tree root.
func (c Case) Roots() (map[string]Hex, error) {
	out := map[string]Hex{}
	if err := c.ReadYAML("roots.yaml", &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Cases lists the cases of a runner under root, sorted by path. It fails
// when the tree does not have the layout of vectors/README.md.
func Cases(root, runner string) ([]Case, error) {
	var out []Case
	presets, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	for _, p := range presets {
		if !p.IsDir() {
			continue
		}
		forks, err := os.ReadDir(filepath.Join(root, p.Name()))
		if err != nil {
			return nil, err
		}
		for _, f := range forks {
			base := filepath.Join(root, p.Name(), f.Name(), runner)
			if _, err := os.Stat(base); err != nil {
				continue
			}
			err := filepath.WalkDir(base, func(path string, d os.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if d.IsDir() {
					return nil
				}
				if d.Name() != "meta.yaml" {
					return nil
				}
				rel, err := filepath.Rel(base, filepath.Dir(path))
				if err != nil {
					return err
				}
				parts := strings.Split(filepath.ToSlash(rel), "/")
				if len(parts) != 3 {
					return fmt.Errorf("%s: a case must be <handler>/<suite>/<case> under the runner", path)
				}
				out = append(out, Case{Root: root, Preset: p.Name(), Fork: f.Name(), Runner: runner, Handler: parts[0], Suite: parts[1], Name: parts[2]})
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path() < out[j].Path() })
	return out, nil
}

// Result is the outcome of one case.
type Result struct {
	Case Case
	// Err is nil when the case passed.
	Err error
	// Skipped is true when the implementation returned ErrNotImplemented.
	Skipped bool
}

// Runner is one runner of the vectors: the directory name under
// <preset>/<fork>/, the Go interface an implementation provides for it, and
// the function that checks one case. Later runners (qbft, dvc, networking)
// are added by registering one more Runner from an init function in this
// package.
type Runner struct {
	// Name is the runner's directory name.
	Name string
	// Interface names the Go interface the runner needs, for messages.
	Interface string
	// Implements reports whether impl implements the runner's interface.
	Implements func(impl any) bool
	// Check runs one case against impl, which implements the interface.
	Check func(c Case, impl any) error
}

var runners []Runner

func register(r Runner) {
	for _, o := range runners {
		if o.Name == r.Name {
			panic("spectests: runner registered twice: " + r.Name)
		}
	}
	runners = append(runners, r)
	sort.Slice(runners, func(i, j int) bool { return runners[i].Name < runners[j].Name })
}

// Runners returns every registered runner, sorted by name.
func Runners() []Runner { return append([]Runner(nil), runners...) }

func runnerByName(name string) (Runner, bool) {
	for _, r := range runners {
		if r.Name == name {
			return r, true
		}
	}
	return Runner{}, false
}

// RunnersInTree lists the runner directories present under root.
func RunnersInTree(root string) ([]string, error) {
	seen := map[string]bool{}
	presets, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	for _, p := range presets {
		if !p.IsDir() {
			continue
		}
		forks, err := os.ReadDir(filepath.Join(root, p.Name()))
		if err != nil {
			return nil, err
		}
		for _, f := range forks {
			rs, err := os.ReadDir(filepath.Join(root, p.Name(), f.Name()))
			if err != nil {
				return nil, err
			}
			for _, r := range rs {
				if r.IsDir() {
					seen[r.Name()] = true
				}
			}
		}
	}
	out := make([]string, 0, len(seen))
	for r := range seen {
		out = append(out, r)
	}
	sort.Strings(out)
	return out, nil
}

// checkCase runs one case and never panics: a panic in an implementation
// fails the case.
func checkCase(r Runner, c Case, impl any) (res Result) {
	res.Case = c
	defer func() {
		if p := recover(); p != nil {
			res.Err = fmt.Errorf("panic: %v", p)
		}
	}()
	err := r.Check(c, impl)
	if errors.Is(err, ErrNotImplemented) {
		res.Skipped = true
		return res
	}
	res.Err = err
	return res
}

// Check runs every case of the named runner under root against impl and
// returns one result per case, without failing anything: use it to assert
// which cases an implementation fails.
func Check(root, runner string, impl any) ([]Result, error) {
	r, ok := runnerByName(runner)
	if !ok {
		return nil, fmt.Errorf("spectests: no runner %q", runner)
	}
	if !r.Implements(impl) {
		return nil, fmt.Errorf("spectests: %T does not implement %s", impl, r.Interface)
	}
	cases, err := Cases(root, runner)
	if err != nil {
		return nil, err
	}
	out := make([]Result, 0, len(cases))
	for _, c := range cases {
		out = append(out, checkCase(r, c, impl))
	}
	return out, nil
}

// Run runs every case of the named runner as a subtest of t named by the
// case path. A runner with no case under root fails the test.
func Run(t *testing.T, root, runner string, impl any) {
	t.Helper()
	r, ok := runnerByName(runner)
	if !ok {
		t.Fatalf("spectests: no runner %q", runner)
	}
	if !r.Implements(impl) {
		t.Fatalf("spectests: %T does not implement %s", impl, r.Interface)
	}
	cases, err := Cases(root, runner)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatalf("spectests: no %s case under %s", runner, root)
	}
	for _, c := range cases {
		t.Run(c.Path(), func(t *testing.T) {
			res := checkCase(r, c, impl)
			switch {
			case res.Skipped:
				t.Skip(res.Err)
			case res.Err != nil:
				t.Error(res.Err)
			}
		})
	}
}

// RunAll runs every runner found under root whose interface impl
// implements; the other runners are reported as skipped. A runner
// directory without a registered runner fails the test: the harness must
// know every kind of vector it is given.
func RunAll(t *testing.T, root string, impl any) {
	t.Helper()
	names, err := RunnersInTree(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Fatalf("spectests: no vectors under %s", root)
	}
	for _, name := range names {
		r, ok := runnerByName(name)
		if !ok {
			t.Errorf("spectests: vectors of runner %q have no registered harness runner", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			if !r.Implements(impl) {
				t.Skipf("%T does not implement %s", impl, r.Interface)
			}
			Run(t, root, name, impl)
		})
	}
}

// caseError prefixes an error with the file it concerns.
func caseError(file string, format string, args ...any) error {
	return fmt.Errorf("%s: %s", file, fmt.Sprintf(format, args...))
}
