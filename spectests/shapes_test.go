package spectests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestVectorShapes walks every case and checks each of its YAML files
// that FileShapes documents against its shape, and that every YAML file
// other than the container parts and meta.yaml is documented.
func TestVectorShapes(t *testing.T) {
	containerParts := map[string]bool{"meta.yaml": true, "roots.yaml": true, "pre.yaml": true, "post.yaml": true, "value.yaml": true,
		"message.yaml": true, "duty.yaml": true, "slashing_db.yaml": true, "decided_data.yaml": true}
	checked := map[string]int{}
	for _, c := range allCases(t) {
		entries, err := os.ReadDir(c.Dir())
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".yaml") || containerParts[e.Name()] {
				continue
			}
			shape := FileShapes[c.Runner][e.Name()]
			if shape == nil {
				t.Errorf("%s: %s has no documented shape", c.Path(), e.Name())
				continue
			}
			raw, err := os.ReadFile(filepath.Join(c.Dir(), e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			var n yaml.Node
			if err := yaml.Unmarshal(raw, &n); err != nil {
				t.Errorf("%s: %s: %v", c.Path(), e.Name(), err)
				continue
			}
			for _, msg := range CheckShape(e.Name(), &n, shape) {
				t.Errorf("%s: %s", c.Path(), msg)
			}
			checked[c.Runner+"/"+e.Name()]++
		}
	}
	for runner, files := range FileShapes {
		for f := range files {
			if checked[runner+"/"+f] == 0 {
				t.Errorf("%s %s: a documented shape no case has", runner, f)
			}
		}
	}
}

// TestCheckShapeCatches: the checker refuses what the README does not
// document: an unknown key, a missing one, a container without its
// encoding, two alternatives at once.
func TestCheckShapeCatches(t *testing.T) {
	s := FileShapes["networking"]["output.yaml"]
	for doc, bad := range map[string]bool{
		"error: below_threshold\n":                             false,
		"error: below_threshold\ncause: x\n":                   true,
		"combined_type: X\ncombined: {}\n":                     true,
		"combined_type: X\ncombined: {}\ncombined_ssz: '0x'\n": false,
	} {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(doc), &n); err != nil {
			t.Fatal(err)
		}
		if got := len(CheckShape("output.yaml", &n, s)) > 0; got != bad {
			t.Errorf("%q: refused %v, want %v", doc, got, bad)
		}
	}
	q := FileShapes["qbft"]["steps.yaml"]
	var n yaml.Node
	if err := yaml.Unmarshal([]byte("- start: {}\n  timeout: {round: 0}\n  outputs: []\n  state_root: '0x00'\n- outputs: []\n  state_root: '0x00'\n"), &n); err != nil {
		t.Fatal(err)
	}
	if msgs := CheckShape("steps.yaml", &n, q); len(msgs) != 2 {
		t.Errorf("two inputs in one step and none in another: %v", msgs)
	}
}
