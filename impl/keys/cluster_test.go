package keys

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/bls"
)

var testDef struct {
	once sync.Once
	json []byte
	err  error
}

// testDefinition returns a fresh copy of a generated 4-operator,
// 2-validator definition.
func testDefinition(t testing.TB) *ClusterDefinition {
	t.Helper()
	testDef.once.Do(func() {
		dir, err := os.MkdirTemp("", "keys-cluster-")
		if err != nil {
			testDef.err = err
			return
		}
		defer os.RemoveAll(dir)
		def, err := GenerateDevnet(dir, DevnetConfig{Operators: 4, Validators: 2, Seed: []byte("cluster tests")})
		if err != nil {
			testDef.err = err
			return
		}
		testDef.json, testDef.err = def.MarshalJSON()
	})
	if testDef.err != nil {
		t.Fatal(testDef.err)
	}
	def, err := ParseClusterDefinition(testDef.json)
	if err != nil {
		t.Fatal(err)
	}
	return def
}

func TestClusterDefinitionJSONRoundTrip(t *testing.T) {
	def := testDefinition(t)
	again, err := def.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, testDef.json) {
		t.Fatal("encoding is not stable")
	}
	ssz, err := def.MarshalSSZ()
	if err != nil {
		t.Fatal(err)
	}
	var decoded ClusterDefinition
	if err := decoded.UnmarshalSSZ(ssz); err != nil {
		t.Fatal(err)
	}
	r1, _ := def.ClusterID()
	r2, _ := decoded.ClusterID()
	if r1 != r2 || r1 == (phase0.Root{}) {
		t.Fatal("SSZ round trip changes the cluster ID")
	}
	// The documented shape.
	var m map[string]any
	if err := json.Unmarshal(testDef.json, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"version", "name", "threshold", "network", "operators", "distributed_validators"} {
		if _, ok := m[k]; !ok {
			t.Errorf("no %q", k)
		}
	}
	if m["version"] != "1" || m["threshold"] != "3" {
		t.Errorf("version %v threshold %v", m["version"], m["threshold"])
	}
}

// TestClusterRootCoversEveryField: changing any field changes the cluster
// ID.
func TestClusterRootCoversEveryField(t *testing.T) {
	base := testDefinition(t)
	root, err := base.ClusterID()
	if err != nil {
		t.Fatal(err)
	}
	mutations := map[string]func(c *ClusterDefinition){
		"version":                      func(c *ClusterDefinition) { c.Version++ },
		"name":                         func(c *ClusterDefinition) { c.Name = append(c.Name, '!') },
		"threshold":                    func(c *ClusterDefinition) { c.Threshold++ },
		"network name":                 func(c *ClusterDefinition) { c.Network.Name = []byte("other") },
		"genesis validators root":      func(c *ClusterDefinition) { c.Network.GenesisValidatorsRoot[0] ^= 1 },
		"slots per epoch":              func(c *ClusterDefinition) { c.Network.SlotsPerEpoch = 8 },
		"fork version":                 func(c *ClusterDefinition) { c.Network.Forks[2].Version[3] ^= 1 },
		"fork epoch":                   func(c *ClusterDefinition) { c.Network.Forks[6].Epoch = 100 },
		"fork removed":                 func(c *ClusterDefinition) { c.Network.Forks = c.Network.Forks[:6] },
		"operator index":               func(c *ClusterDefinition) { c.Operators[1].Index = 7 },
		"operator order":               func(c *ClusterDefinition) { c.Operators[0], c.Operators[1] = c.Operators[1], c.Operators[0] },
		"node public key":              func(c *ClusterDefinition) { c.Operators[3].NodePublicKey[5] ^= 1 },
		"address":                      func(c *ClusterDefinition) { c.Operators[2].Address = []byte("/ip4/127.0.0.1/tcp/9999") },
		"validator public key":         func(c *ClusterDefinition) { c.Validators[1].PublicKey[7] ^= 1 },
		"validator index":              func(c *ClusterDefinition) { c.Validators[0].ValidatorIndex[0]++ },
		"validator index 0 -> unknown": func(c *ClusterDefinition) { c.Validators[0].ValidatorIndex = nil },
		"public share":                 func(c *ClusterDefinition) { c.Validators[1].PublicShares[2][9] ^= 1 },
		"validator order":              func(c *ClusterDefinition) { c.Validators[0], c.Validators[1] = c.Validators[1], c.Validators[0] },
		"validator removed":            func(c *ClusterDefinition) { c.Validators = c.Validators[:1] },
		"operator removed":             func(c *ClusterDefinition) { c.Operators = c.Operators[:3] },
	}
	seen := map[phase0.Root]string{root: "original"}
	for name, mutate := range mutations {
		c := testDefinition(t)
		mutate(c)
		r, err := c.ClusterID()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if prev, ok := seen[r]; ok {
			t.Errorf("%s gives the same cluster ID as %s", name, prev)
		}
		seen[r] = name
	}
}

func TestClusterDefinitionValidation(t *testing.T) {
	if err := testDefinition(t).Validate(); err != nil {
		t.Fatal(err)
	}
	other, _ := bls.InteropSecretKey(99)
	otherPK, _ := other.PublicKey()
	cases := map[string]func(c *ClusterDefinition){
		"tampered public share":          func(c *ClusterDefinition) { c.Validators[0].PublicShares[1] = otherPK },
		"tampered last public share":     func(c *ClusterDefinition) { c.Validators[0].PublicShares[3] = otherPK },
		"swapped public shares":          func(c *ClusterDefinition) { s := c.Validators[0].PublicShares; s[0], s[1] = s[1], s[0] },
		"invalid public share":           func(c *ClusterDefinition) { c.Validators[0].PublicShares[0][0] ^= 0xff },
		"missing public share":           func(c *ClusterDefinition) { c.Validators[0].PublicShares = c.Validators[0].PublicShares[:3] },
		"shares of another validator":    func(c *ClusterDefinition) { c.Validators[0].PublicShares = c.Validators[1].PublicShares },
		"wrong validator key":            func(c *ClusterDefinition) { c.Validators[0].PublicKey = otherPK },
		"duplicate validator":            func(c *ClusterDefinition) { c.Validators[1] = c.Validators[0] },
		"no validators":                  func(c *ClusterDefinition) { c.Validators = nil },
		"duplicate operator key":         func(c *ClusterDefinition) { c.Operators[1].NodePublicKey = c.Operators[0].NodePublicKey },
		"duplicate operator address":     func(c *ClusterDefinition) { c.Operators[1].Address = c.Operators[0].Address },
		"duplicate operator index":       func(c *ClusterDefinition) { c.Operators[1].Index = 1 },
		"operator index 0":               func(c *ClusterDefinition) { c.Operators[0].Index = 0 },
		"operators out of order":         func(c *ClusterDefinition) { c.Operators[0], c.Operators[1] = c.Operators[1], c.Operators[0] },
		"invalid node key":               func(c *ClusterDefinition) { c.Operators[0].NodePublicKey = [32]byte{1} },
		"bad address":                    func(c *ClusterDefinition) { c.Operators[0].Address = []byte("127.0.0.1:9000") },
		"threshold too low":              func(c *ClusterDefinition) { c.Threshold = 2 },
		"threshold above N":              func(c *ClusterDefinition) { c.Threshold = 5 },
		"threshold 0":                    func(c *ClusterDefinition) { c.Threshold = 0 },
		"threshold 4 with degree-2 poly": func(c *ClusterDefinition) { c.Threshold = 4 },
		"version 2":                      func(c *ClusterDefinition) { c.Version = 2 },
		"empty name":                     func(c *ClusterDefinition) { c.Name = nil },
		"control character in name":      func(c *ClusterDefinition) { c.Name = []byte("a\nb") },
		"zero slots per epoch":           func(c *ClusterDefinition) { c.Network.SlotsPerEpoch = 0 },
		"no forks":                       func(c *ClusterDefinition) { c.Network.Forks = nil },
		"fork epochs decreasing":         func(c *ClusterDefinition) { c.Network.Forks[1].Epoch = 10 },
		"duplicate fork version":         func(c *ClusterDefinition) { c.Network.Forks[1].Version = c.Network.Forks[0].Version },
		"genesis fork not at 0":          func(c *ClusterDefinition) { c.Network.Forks[0].Epoch = 1 },
		"no network":                     func(c *ClusterDefinition) { c.Network = nil },
		"two validator indices":          func(c *ClusterDefinition) { c.Validators[0].ValidatorIndex = []uint64{1, 2} },
	}
	for name, mutate := range cases {
		c := testDefinition(t)
		mutate(c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// Dropping an operator and its shares keeps the sharing consistent only
	// if the threshold still fits: 3 of 3 with a degree-2 polynomial is fine.
	c := testDefinition(t)
	c.Operators = c.Operators[:3]
	for _, v := range c.Validators {
		v.PublicShares = v.PublicShares[:3]
	}
	if err := c.Validate(); err != nil {
		t.Errorf("3-of-3 subset: %v", err)
	}
}

func TestParseClusterDefinitionStrict(t *testing.T) {
	good := string(testDef.json)
	if good == "" {
		testDefinition(t)
		good = string(testDef.json)
	}
	replace := func(old, new string) string {
		if !strings.Contains(good, old) {
			t.Fatalf("fixture lacks %q", old)
		}
		return strings.Replace(good, old, new, 1)
	}
	bad := map[string]string{
		"unknown field":         replace(`"name": "devnet"`, `"name": "devnet", "extra": 1`),
		"number not string":     replace(`"threshold": "3"`, `"threshold": 3`),
		"leading zero":          replace(`"threshold": "3"`, `"threshold": "03"`),
		"fork name out of line": replace(`"name": "altair"`, `"name": "bellatrix"`),
		"short node key":        replace(`"node_public_key": "0x`, `"node_public_key": "0x00`),
		"hex without 0x":        replace(`"genesis_validators_root": "0x`, `"genesis_validators_root": "`),
		"trailing data":         good + "{}",
		"not JSON":              "{",
		"null network":          replace(`"network": {`, `"network": null, "x": {`),
	}
	for name, data := range bad {
		if _, err := ParseClusterDefinition([]byte(data)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// validator_index may be null (unknown).
	c, err := ParseClusterDefinition([]byte(strings.Replace(good, `"validator_index": "0"`, `"validator_index": null`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Validators[0].ValidatorIndex) != 0 {
		t.Fatal("null validator index decoded as known")
	}
	path := filepath.Join(t.TempDir(), "cluster.json")
	if err := WriteClusterDefinition(path, c); err != nil {
		t.Fatal(err)
	}
	back, err := LoadClusterDefinition(path)
	if err != nil {
		t.Fatal(err)
	}
	r1, _ := c.ClusterID()
	r2, _ := back.ClusterID()
	if r1 != r2 {
		t.Fatal("write/load changes the definition")
	}
}

func FuzzParseClusterDefinition(f *testing.F) {
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"version":"1","name":"x","threshold":"1","network":{"name":"","genesis_validators_root":"0x00","slots_per_epoch":"1","forks":[]},"operators":[],"distributed_validators":[]}`))
	if dir, err := os.MkdirTemp("", "fuzz-cluster-"); err == nil {
		if def, err := GenerateDevnet(dir, DevnetConfig{Operators: 1, Validators: 1, Seed: []byte("f")}); err == nil {
			b, _ := def.MarshalJSON()
			f.Add(b)
		}
		os.RemoveAll(dir)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseClusterDefinition(data)
		if err != nil {
			return
		}
		out, err := c.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseClusterDefinition(out)
		if err != nil {
			t.Fatal(err)
		}
		r1, _ := c.ClusterID()
		r2, _ := again.ClusterID()
		if r1 != r2 {
			t.Fatal("re-encoding changes the cluster ID")
		}
	})
}

// TestClusterRootIndependent compares the cluster ID with
// testdata/cluster_root.py, a standalone SSZ implementation (skipped when
// python3 is not installed).
func TestClusterRootIndependent(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	for _, c := range []*ClusterDefinition{testDefinition(t), func() *ClusterDefinition {
		c := testDefinition(t)
		c.Validators[1].ValidatorIndex = nil
		c.Network.Forks = c.Network.Forks[:5]
		return c
	}()} {
		b, err := c.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "cluster.json")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(py, "testdata/cluster_root.py", path).Output()
		if err != nil {
			t.Fatal(err)
		}
		id, _ := c.ClusterID()
		if got := strings.TrimSpace(string(out)); got != fmt.Sprintf("%#x", id[:]) {
			t.Fatalf("python %s, go %#x", got, id[:])
		}
	}
}
