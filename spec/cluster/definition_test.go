package cluster

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
)

var testDef struct {
	once sync.Once
	json []byte
	err  error
}

// buildTestDefinition builds a 4-operator, 2-validator definition from
// interop keys 0 and 1 and node keys from fixed seeds, without file I/O.
func buildTestDefinition() (*Definition, error) {
	s, err := signing.MainnetVersionsFromGenesis(eth2spec.DataVersionFulu)
	if err != nil {
		return nil, err
	}
	def := &Definition{Version: Version, Name: []byte("devnet"), Threshold: 3,
		Network: NetworkFromSchedule("devnet", phase0.Root{0x97, 1}, 32, s)}
	for i := uint64(1); i <= 4; i++ {
		seed := sha256.Sum256([]byte{byte(i)})
		var pk [32]byte
		copy(pk[:], ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey))
		def.Operators = append(def.Operators, NewOperator(i, pk, fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", 9000+i-1)))
	}
	for v := uint64(0); v < 2; v++ {
		sk, err := bls.InteropSecretKey(v)
		if err != nil {
			return nil, err
		}
		pk, err := sk.PublicKey()
		if err != nil {
			return nil, err
		}
		shares, err := bls.Split(sk, 3, 4, []byte("cluster tests"))
		if err != nil {
			return nil, err
		}
		val := &Validator{PublicKey: pk, ValidatorIndex: []uint64{v}, FeeRecipient: bellatrix.ExecutionAddress{0xfe, byte(v + 1)}}
		if v == 0 {
			val.WithdrawalAddress = []bellatrix.ExecutionAddress{{0xaa, 1}}
		}
		for _, sh := range shares {
			spk, err := sh.SecretKey.PublicKey()
			if err != nil {
				return nil, err
			}
			val.PublicShares = append(val.PublicShares, spk)
		}
		def.Validators = append(def.Validators, val)
	}
	return def, def.Validate()
}

// testDefinition returns a fresh copy of the test definition.
func testDefinition(t testing.TB) *Definition {
	t.Helper()
	testDef.once.Do(func() {
		def, err := buildTestDefinition()
		if err != nil {
			testDef.err = err
			return
		}
		testDef.json, testDef.err = def.MarshalJSON()
	})
	if testDef.err != nil {
		t.Fatal(testDef.err)
	}
	def, err := Parse(testDef.json)
	if err != nil {
		t.Fatal(err)
	}
	return def
}

func TestDefinitionJSONRoundTrip(t *testing.T) {
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
	var decoded Definition
	if err := decoded.UnmarshalSSZ(ssz); err != nil {
		t.Fatal(err)
	}
	r1, _ := def.ID()
	r2, _ := decoded.ID()
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
	if m["version"] != "2" || m["threshold"] != "3" {
		t.Errorf("version %v threshold %v", m["version"], m["threshold"])
	}
}

// TestClusterRootCoversEveryField: changing any field but an operator's
// address (TestAddressNotInClusterID) or a validator's index
// (TestValidatorIndexNotInClusterID) changes the cluster ID.
func TestClusterRootCoversEveryField(t *testing.T) {
	base := testDefinition(t)
	root, err := base.ID()
	if err != nil {
		t.Fatal(err)
	}
	mutations := map[string]func(c *Definition){
		"version":                    func(c *Definition) { c.Version++ },
		"name":                       func(c *Definition) { c.Name = append(c.Name, '!') },
		"threshold":                  func(c *Definition) { c.Threshold++ },
		"network name":               func(c *Definition) { c.Network.Name = []byte("other") },
		"genesis validators root":    func(c *Definition) { c.Network.GenesisValidatorsRoot[0] ^= 1 },
		"slots per epoch":            func(c *Definition) { c.Network.SlotsPerEpoch = 8 },
		"fork version":               func(c *Definition) { c.Network.Forks[2].Version[3] ^= 1 },
		"fork epoch":                 func(c *Definition) { c.Network.Forks[6].Epoch = 100 },
		"fork removed":               func(c *Definition) { c.Network.Forks = c.Network.Forks[:6] },
		"operator index":             func(c *Definition) { c.Operators[1].Index = 7 },
		"operator order":             func(c *Definition) { c.Operators[0], c.Operators[1] = c.Operators[1], c.Operators[0] },
		"node public key":            func(c *Definition) { c.Operators[3].NodePublicKey[5] ^= 1 },
		"fee recipient":              func(c *Definition) { c.Validators[1].FeeRecipient[19] ^= 1 },
		"withdrawal address":         func(c *Definition) { c.Validators[0].WithdrawalAddress[0][3] ^= 1 },
		"withdrawal address removed": func(c *Definition) { c.Validators[0].WithdrawalAddress = nil },
		"validator public key":       func(c *Definition) { c.Validators[1].PublicKey[7] ^= 1 },
		"public share":               func(c *Definition) { c.Validators[1].PublicShares[2][9] ^= 1 },
		"validator order":            func(c *Definition) { c.Validators[0], c.Validators[1] = c.Validators[1], c.Validators[0] },
		"validator removed":          func(c *Definition) { c.Validators = c.Validators[:1] },
		"operator removed":           func(c *Definition) { c.Operators = c.Operators[:3] },
	}
	seen := map[phase0.Root]string{root: "original"}
	for name, mutate := range mutations {
		c := testDefinition(t)
		mutate(c)
		r, err := c.ID()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if prev, ok := seen[r]; ok {
			t.Errorf("%s gives the same cluster ID as %s", name, prev)
		}
		seen[r] = name
	}
}

func TestDefinitionValidation(t *testing.T) {
	if err := testDefinition(t).Validate(); err != nil {
		t.Fatal(err)
	}
	other, _ := bls.InteropSecretKey(99)
	otherPK, _ := other.PublicKey()
	cases := map[string]func(c *Definition){
		"tampered public share":          func(c *Definition) { c.Validators[0].PublicShares[1] = otherPK },
		"tampered last public share":     func(c *Definition) { c.Validators[0].PublicShares[3] = otherPK },
		"swapped public shares":          func(c *Definition) { s := c.Validators[0].PublicShares; s[0], s[1] = s[1], s[0] },
		"invalid public share":           func(c *Definition) { c.Validators[0].PublicShares[0][0] ^= 0xff },
		"missing public share":           func(c *Definition) { c.Validators[0].PublicShares = c.Validators[0].PublicShares[:3] },
		"shares of another validator":    func(c *Definition) { c.Validators[0].PublicShares = c.Validators[1].PublicShares },
		"wrong validator key":            func(c *Definition) { c.Validators[0].PublicKey = otherPK },
		"duplicate validator":            func(c *Definition) { c.Validators[1] = c.Validators[0] },
		"no validators":                  func(c *Definition) { c.Validators = nil },
		"duplicate operator key":         func(c *Definition) { c.Operators[1].NodePublicKey = c.Operators[0].NodePublicKey },
		"duplicate operator address":     func(c *Definition) { c.Operators[1].SetAddress(c.Operators[0].Address()) },
		"duplicate operator index":       func(c *Definition) { c.Operators[1].Index = 1 },
		"operator index 0":               func(c *Definition) { c.Operators[0].Index = 0 },
		"operators out of order":         func(c *Definition) { c.Operators[0], c.Operators[1] = c.Operators[1], c.Operators[0] },
		"invalid node key":               func(c *Definition) { c.Operators[0].NodePublicKey = [32]byte{1} },
		"bad address":                    func(c *Definition) { c.Operators[0].SetAddress("127.0.0.1:9000") },
		"threshold too low":              func(c *Definition) { c.Threshold = 2 },
		"threshold above N":              func(c *Definition) { c.Threshold = 5 },
		"threshold 0":                    func(c *Definition) { c.Threshold = 0 },
		"threshold 4 with degree-2 poly": func(c *Definition) { c.Threshold = 4 },
		"version 1":                      func(c *Definition) { c.Version = 1 },
		"version 3":                      func(c *Definition) { c.Version = 3 },
		"zero fee recipient":             func(c *Definition) { c.Validators[1].FeeRecipient = bellatrix.ExecutionAddress{} },
		"zero withdrawal address":        func(c *Definition) { c.Validators[0].WithdrawalAddress[0] = bellatrix.ExecutionAddress{} },
		"two withdrawal addresses": func(c *Definition) {
			c.Validators[0].WithdrawalAddress = append(c.Validators[0].WithdrawalAddress, c.Validators[0].WithdrawalAddress[0])
		},
		"empty name":                func(c *Definition) { c.Name = nil },
		"control character in name": func(c *Definition) { c.Name = []byte("a\nb") },
		"zero slots per epoch":      func(c *Definition) { c.Network.SlotsPerEpoch = 0 },
		"no forks":                  func(c *Definition) { c.Network.Forks = nil },
		"fork epochs decreasing":    func(c *Definition) { c.Network.Forks[1].Epoch = 10 },
		"duplicate fork version":    func(c *Definition) { c.Network.Forks[1].Version = c.Network.Forks[0].Version },
		"genesis fork not at 0":     func(c *Definition) { c.Network.Forks[0].Epoch = 1 },
		"no network":                func(c *Definition) { c.Network = nil },
		"two validator indices":     func(c *Definition) { c.Validators[0].ValidatorIndex = []uint64{1, 2} },
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

func TestParseStrict(t *testing.T) {
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
		if _, err := Parse([]byte(data)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// Errors name the field.
	named := map[string]struct{ data, field string }{
		"no fee recipient":       {strings.Replace(good, `"fee_recipient": "0x`, `"fee_recipientx": "0x`, 1), "fee_recipient"},
		"short fee recipient":    {strings.Replace(good, `"fee_recipient": "0x`, `"fee_recipient": "0x00`, 1), "distributed_validators[0].fee_recipient"},
		"zero fee recipient":     {strings.Replace(good, `"fee_recipient": "0xfe02`, `"fee_recipient": "0x0000`, 1), "distributed_validators[1].fee_recipient"},
		"short withdrawal":       {strings.Replace(good, `"withdrawal_address": "0x`, `"withdrawal_address": "0x00`, 1), "distributed_validators[0].withdrawal_address"},
		"version 1":              {strings.Replace(good, `"version": "2"`, `"version": "1"`, 1), "version 1"},
		"address":                {strings.Replace(good, `"/ip4/127.0.0.1/tcp/9001"`, `"127.0.0.1:9001"`, 1), "operators[1].address"},
		"missing threshold":      {strings.Replace(good, `"threshold": "3"`, `"threshold": ""`, 1), "threshold"},
		"public share off-curve": {strings.Replace(good, `"public_shares": [`+"\n"+`        "0x`, `"public_shares": [`+"\n"+`        "0x00`, 1), "distributed_validators[0].public_shares[0]"},
	}
	for name, c := range named {
		if c.data == good {
			t.Fatalf("%s: the fixture did not change", name)
		}
		_, err := Parse([]byte(c.data))
		if err == nil || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: error %v does not name %s", name, err, c.field)
		}
	}
	// validator_index may be null (unknown).
	c, err := Parse([]byte(strings.Replace(good, `"validator_index": "0"`, `"validator_index": null`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Validators[0].ValidatorIndex) != 0 {
		t.Fatal("null validator index decoded as known")
	}
	out, err := c.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	r1, _ := c.ID()
	r2, _ := back.ID()
	if r1 != r2 {
		t.Fatal("marshal/parse changes the definition")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"version":"1","name":"x","threshold":"1","network":{"name":"","genesis_validators_root":"0x00","slots_per_epoch":"1","forks":[]},"operators":[],"distributed_validators":[]}`))
	if def, err := buildTestDefinition(); err == nil {
		b, _ := def.MarshalJSON()
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			return
		}
		out, err := c.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatal(err)
		}
		r1, _ := c.ID()
		r2, _ := again.ID()
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
	for _, c := range []*Definition{testDefinition(t), func() *Definition {
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
		id, _ := c.ID()
		if got := strings.TrimSpace(string(out)); got != fmt.Sprintf("%#x", id[:]) {
			t.Fatalf("python %s, go %#x", got, id[:])
		}
	}
}

// TestValidatorIndexNotInClusterID: a node that learns its validators'
// indices from its beacon node at start keeps the ID of the file every
// operator holds (SPEC.md section 11.4), while the container's own root
// (the ssz_static vectors) still covers the index.
func TestValidatorIndexNotInClusterID(t *testing.T) {
	base := testDefinition(t)
	id, err := base.ID()
	if err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(c *Definition){
		"index changed": func(c *Definition) { c.Validators[0].ValidatorIndex[0]++ },
		"index unknown": func(c *Definition) { c.Validators[0].ValidatorIndex = nil },
	} {
		c := testDefinition(t)
		mutate(c)
		got, err := c.ID()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got != id {
			t.Errorf("%s: cluster ID %#x, want %#x", name, got, id)
		}
		root, err := c.HashTreeRoot()
		if err != nil {
			t.Fatal(err)
		}
		baseRoot, _ := base.HashTreeRoot()
		if root == baseRoot {
			t.Errorf("%s: the container root does not cover the index", name)
		}
	}
}

// TestAddressNotInClusterID: an operator that moves keeps the cluster
// (SPEC.md section 11.4), and the moved definition still validates.
func TestAddressNotInClusterID(t *testing.T) {
	base := testDefinition(t)
	root, err := base.ID()
	if err != nil {
		t.Fatal(err)
	}
	moved := testDefinition(t)
	moved.Operators[2].SetAddress("/dns4/node3.example.org/tcp/13000")
	if err := moved.Validate(); err != nil {
		t.Fatal(err)
	}
	r, err := moved.ID()
	if err != nil {
		t.Fatal(err)
	}
	if r != root {
		t.Fatal("a new address changes the cluster ID")
	}
	out, err := moved.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte("/dns4/node3.example.org/tcp/13000")) {
		t.Fatal("cluster.json lost the new address")
	}
}
