package spectests

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/capella"
	"github.com/attestantio/go-eth2-client/spec/deneb"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"
	"gopkg.in/yaml.v3"

	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// The tests of this file check the vectors themselves, with the Go spec as
// the reader: the layout and file shapes of vectors/README.md, that every
// YAML part and its SSZ part hold the same value, that every root in
// roots.yaml is the hash tree root of its part (for the DV containers, also
// recomputed from the YAML with the hand-written SPEC.md schema of
// schema_test.go), and that no BLS value is a placeholder.

type metaYAML struct {
	Description         string    `yaml:"description"`
	Proves              string    `yaml:"proves"`
	References          []string  `yaml:"references"`
	Keys                yaml.Node `yaml:"keys"`
	DeliberatelyInvalid []struct {
		Value Hex    `yaml:"value"`
		Why   string `yaml:"why"`
	} `yaml:"deliberately_invalid"`
}

// caseFiles is the file shape of each runner (vectors/README.md): required
// files, and patterns of the optional ones.
var caseFiles = map[string]struct {
	required []string
	optional []string
}{
	"ssz_static":         {[]string{"meta.yaml", "serialized.ssz_snappy"}, []string{"value.yaml", "roots.yaml"}},
	"bls":                {[]string{"meta.yaml", "data.yaml"}, nil},
	"signing":            {[]string{"meta.yaml", "chain.yaml", "inputs.yaml", "message.yaml", "message.ssz_snappy", "output.yaml", "roots.yaml"}, nil},
	"slashing":           {[]string{"meta.yaml", "pre.yaml", "pre.ssz_snappy", "steps.yaml", "post.yaml", "post.ssz_snappy", "roots.yaml"}, []string{`interchange_\d+\.json`, `export_\d+\.json`}},
	"consensus_validity": {[]string{"meta.yaml", "chain.yaml", "duty.yaml", "duty.ssz_snappy", "value.yaml", "value.ssz_snappy", "inputs.yaml", "output.yaml", "roots.yaml"}, []string{"slashing_db.yaml", "slashing_db.ssz_snappy", "decided_data.yaml", "decided_data.ssz_snappy"}},
	// qbft: params cases have data.yaml only; every other case config.yaml,
	// steps.yaml, post and roots.yaml, and restore cases pre (checked by
	// checkQBFTShape).
	"qbft":       {[]string{"meta.yaml"}, []string{"data.yaml", "config.yaml", "steps.yaml", "post.yaml", "post.ssz_snappy", "pre.yaml", "pre.ssz_snappy", "roots.yaml"}},
	"dvc":        {[]string{"meta.yaml", "chain.yaml", "config.yaml", "pre.yaml", "pre.ssz_snappy", "steps.yaml", "post.yaml", "post.ssz_snappy", "roots.yaml"}, nil},
	"networking": {[]string{"meta.yaml", "chain.yaml", "inputs.yaml", "output.yaml"}, nil},
	// dvc_aggregation: the aggregation state starts empty and has no
	// snapshot (spec/dvc/aggduty).
	"dvc_aggregation": {[]string{"meta.yaml", "chain.yaml", "config.yaml", "steps.yaml"}, nil},
	"slot_consensus":  {[]string{"meta.yaml", "chain.yaml", "pre.ssz_snappy", "pre.yaml", "roots.yaml", "inputs.yaml", "output.yaml"}, nil},
}

// checkQBFTShape requires the file set of each qbft handler.
func checkQBFTShape(t *testing.T, c Case) {
	want := []string{"config.yaml", "steps.yaml", "post.yaml", "post.ssz_snappy", "roots.yaml"}
	switch c.Handler {
	case "params":
		want = []string{"data.yaml"}
	case "restore":
		want = append(want, "pre.yaml", "pre.ssz_snappy")
	}
	entries, err := os.ReadDir(c.Dir())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		if e.Name() != "meta.yaml" {
			got = append(got, e.Name())
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("qbft %s case has %v, want %v", c.Handler, got, want)
	}
}

func allCases(t *testing.T) []Case {
	t.Helper()
	names, err := RunnersInTree(vectorsRoot)
	if err != nil {
		t.Fatal(err)
	}
	var out []Case
	for _, r := range names {
		cs, err := Cases(vectorsRoot, r)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, cs...)
	}
	return out
}

func TestEveryRunnerHasHarnessAndCases(t *testing.T) {
	names, err := RunnersInTree(vectorsRoot)
	if err != nil {
		t.Fatal(err)
	}
	var registered []string
	for _, r := range Runners() {
		registered = append(registered, r.Name)
		if !r.Implements(GoSpec{}) {
			t.Errorf("GoSpec does not implement %s", r.Interface)
		}
	}
	if !slices.Equal(names, registered) {
		t.Errorf("runners in vectors/ %v, registered harness runners %v: each must have the other", names, registered)
	}
	for _, r := range names {
		if _, ok := caseFiles[r]; !ok {
			t.Errorf("runner %s: no file shape in format_test.go", r)
		}
	}
}

func TestGoSpecSkipsNothing(t *testing.T) {
	for _, r := range Runners() {
		results, err := Check(vectorsRoot, r.Name, GoSpec{})
		if err != nil {
			t.Fatal(err)
		}
		for _, res := range results {
			if res.Skipped || res.Err != nil {
				t.Errorf("%s: skipped=%v err=%v", res.Case.Path(), res.Skipped, res.Err)
			}
		}
	}
}

var hexToken = regexp.MustCompile(`0x[0-9a-f]+`)

func TestVectorFormat(t *testing.T) {
	cases := allCases(t)
	if len(cases) == 0 {
		t.Fatal("no vectors")
	}
	for _, c := range cases {
		t.Run(c.Path(), func(t *testing.T) {
			checkFiles(t, c)
			invalid := checkMeta(t, c)
			checkBLSValues(t, c, invalid)
			checkParts(t, c)
			checkInlineSSZ(t, c)
		})
	}
}

func checkFiles(t *testing.T, c Case) {
	shape := caseFiles[c.Runner]
	entries, err := os.ReadDir(c.Dir())
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, e := range entries {
		have[e.Name()] = true
		ok := slices.Contains(shape.required, e.Name())
		for _, p := range shape.optional {
			ok = ok || regexp.MustCompile("^"+p+"$").MatchString(e.Name())
		}
		if !ok {
			t.Errorf("unexpected file %s", e.Name())
		}
	}
	for _, r := range shape.required {
		if !have[r] {
			t.Errorf("missing %s", r)
		}
	}
	if c.Runner == "ssz_static" && (c.Suite == "ssz_invalid") == (have["value.yaml"] || have["roots.yaml"]) {
		t.Errorf("ssz_static: value.yaml and roots.yaml exist exactly in the valid suites")
	}
	if c.Runner == "qbft" {
		checkQBFTShape(t, c)
	}
}

func checkMeta(t *testing.T, c Case) map[string]bool {
	var m metaYAML
	if err := c.ReadYAML("meta.yaml", &m); err != nil {
		t.Fatal(err)
	}
	if m.Description == "" || m.Proves == "" || len(m.References) == 0 {
		t.Error("meta.yaml: description, proves and references are required")
	}
	invalid := map[string]bool{}
	for _, v := range m.DeliberatelyInvalid {
		if v.Why == "" {
			t.Errorf("meta.yaml: deliberately invalid %s without a reason", v.Value)
		}
		invalid[v.Value.String()] = true
	}
	return invalid
}

// hexTokens returns the 0x-hex values of a file: in YAML every scalar that
// is one, except the values of keys ending in _ssz (SSZ encodings written
// next to the value they encode, which checkInlineSSZ compares with it); in
// JSON every 0x-hex substring.
func hexTokens(t *testing.T, name string, raw []byte) []string {
	if !strings.HasSuffix(name, ".yaml") {
		var out []string
		for _, m := range hexToken.FindAll(raw, -1) {
			out = append(out, string(m))
		}
		return out
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var out []string
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		switch n.Kind {
		case yaml.DocumentNode, yaml.SequenceNode:
			for _, c := range n.Content {
				walk(c)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if !strings.HasSuffix(n.Content[i].Value, "_ssz") {
					walk(n.Content[i+1])
				}
			}
		case yaml.ScalarNode:
			if hexToken.FindString(n.Value) == n.Value && n.Value != "" {
				out = append(out, n.Value)
			}
		}
	}
	walk(&doc)
	return out
}

// checkBLSValues requires every 48-byte value to be a valid public key and
// every 96-byte value a valid G2 point (the signing harness and vectorgen
// verify the signatures themselves), except the listed invalid values.
func checkBLSValues(t *testing.T, c Case, invalid map[string]bool) {
	entries, err := os.ReadDir(c.Dir())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == "meta.yaml" || !(strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".json")) {
			continue
		}
		raw, err := c.ReadFile(e.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range hexTokens(t, e.Name(), raw) {
			if invalid[s] {
				continue
			}
			b, err := hex.DecodeString(s[2:])
			if err != nil {
				continue
			}
			switch len(b) {
			case 48:
				if err := bls.KeyValidate(phase0.BLSPubKey(b)); err != nil {
					t.Errorf("%s: %s is not a valid public key", e.Name(), s)
				}
			case 96:
				if err := bls.ValidateSignature(phase0.BLSSignature(b)); err != nil {
					t.Errorf("%s: %s is not a valid signature point", e.Name(), s)
				}
			}
		}
	}
}

// partType names the SSZ type of a part: a SPEC.md container, a
// consensus-specs container (with its fork), uint64 or Root.
type partType struct {
	name, fork string
	preset     spec.ChainConfig
}

func (c Case) partTypes(t *testing.T) map[string]partType {
	preset := spec.MainnetConfig()
	if c.Preset == "minimal" {
		preset = spec.MinimalConfig()
	}
	switch c.Runner {
	case "ssz_static":
		return nil // checked by the runner itself and by the schema below
	case "slashing":
		return map[string]partType{"pre": {name: "SlashingDB"}, "post": {name: "SlashingDB"}}
	case "dvc":
		return map[string]partType{"pre": {name: "DVCStateSnapshot"}, "post": {name: "DVCStateSnapshot"}}
	case "qbft":
		if c.Handler == "params" {
			return nil
		}
		out := map[string]partType{"post": {name: "Snapshot"}}
		if c.Has("pre.ssz_snappy") {
			out["pre"] = partType{name: "Snapshot"}
		}
		return out
	case "networking":
		return nil
	case "signing":
		var in signingInputs
		if err := c.ReadYAML("inputs.yaml", &in); err != nil {
			t.Fatal(err)
		}
		return map[string]partType{"message": {name: in.MessageSSZType, fork: in.MessageFork, preset: preset}}
	case "consensus_validity":
		var in validityInputs
		if err := c.ReadYAML("inputs.yaml", &in); err != nil {
			t.Fatal(err)
		}
		duty := map[string]string{"attestation_data": "AttestationDuty", "block": "ProposerDuty", "sync_committee_contribution": "SyncCommitteeDuty",
			"aggregate": "AttestationDuty", "sync_contribution": "SyncCommitteeDuty"}[c.Handler]
		out := map[string]partType{"duty": {name: duty}, "value": {name: in.ValueSSZType, fork: in.ValueFork, preset: preset}}
		if c.Has("slashing_db.ssz_snappy") {
			out["slashing_db"] = partType{name: "SlashingDB"}
		}
		if c.Has("decided_data.ssz_snappy") {
			out["decided_data"] = partType{name: "AttestationData", fork: in.ValueFork}
		}
		return out
	}
	return nil
}

// beaconObject returns an empty consensus-specs container.
func beaconObject(name, fork string) (any, error) {
	v, err := DataVersion(fork)
	if err != nil {
		return nil, err
	}
	switch name {
	case "AttestationData":
		return new(phase0.AttestationData), nil
	case "BeaconBlockHeader":
		return new(phase0.BeaconBlockHeader), nil
	case "VoluntaryExit":
		return new(phase0.VoluntaryExit), nil
	case "DepositMessage":
		return new(phase0.DepositMessage), nil
	case "ValidatorRegistrationV1":
		return new(apiv1.ValidatorRegistration), nil
	case "SyncAggregatorSelectionData":
		return new(altair.SyncAggregatorSelectionData), nil
	case "ContributionAndProof":
		return new(altair.ContributionAndProof), nil
	case "SyncCommitteeContribution":
		return new(altair.SyncCommitteeContribution), nil
	case "Attestation":
		if v >= eth2spec.DataVersionElectra {
			return new(electra.Attestation), nil
		}
		return new(phase0.Attestation), nil
	case "AggregateAndProof":
		if v >= eth2spec.DataVersionElectra {
			return new(electra.AggregateAndProof), nil
		}
		return new(phase0.AggregateAndProof), nil
	case "BeaconBlock":
		switch v {
		case eth2spec.DataVersionPhase0:
			return new(phase0.BeaconBlock), nil
		case eth2spec.DataVersionAltair:
			return new(altair.BeaconBlock), nil
		case eth2spec.DataVersionBellatrix:
			return new(bellatrix.BeaconBlock), nil
		case eth2spec.DataVersionCapella:
			return new(capella.BeaconBlock), nil
		case eth2spec.DataVersionDeneb:
			return new(deneb.BeaconBlock), nil
		default:
			return new(electra.BeaconBlock), nil
		}
	}
	return nil, fmt.Errorf("unknown SSZ type %q", name)
}

// partFromYAML reads <part>.yaml into the part's type and returns its SSZ
// encoding and hash tree root.
func partFromYAML(c Case, part string, pt partType) ([]byte, [32]byte, error) {
	raw, err := c.ReadFile(part + ".yaml")
	if err != nil {
		return nil, [32]byte{}, err
	}
	n, err := parseYAMLDocument(raw)
	if err != nil {
		return nil, [32]byte{}, err
	}
	switch pt.name {
	case "uint64":
		v, err := yamlUint(n)
		return binary.LittleEndian.AppendUint64(nil, v), signing.Uint64Root(v), err
	case "Root":
		var h Hex
		if err := h.UnmarshalYAML(n); err != nil {
			return nil, [32]byte{}, err
		}
		r, err := h.Root()
		return r[:], r, err
	}
	if s, ok := specSchemas[pt.name]; ok {
		// A DV container: the hand-written schema gives the root from the
		// YAML alone; the generated code gives the encoding.
		root, err := schemaRoot(s, n)
		if err != nil {
			return nil, root, fmt.Errorf("schema root: %w", err)
		}
		obj, err := newContainer(pt.name)
		if err != nil {
			return nil, root, err
		}
		if err := decodeContainerYAML(n, obj); err != nil {
			return nil, root, err
		}
		enc, err := obj.MarshalSSZ()
		return enc, root, err
	}
	obj, err := beaconObject(pt.name, pt.fork)
	if err != nil {
		return nil, [32]byte{}, err
	}
	if u, ok := obj.(json.Unmarshaler); ok {
		j, err := yamlToBeaconJSON(n)
		if err != nil {
			return nil, [32]byte{}, err
		}
		if err := u.UnmarshalJSON(j); err != nil {
			return nil, [32]byte{}, fmt.Errorf("beacon JSON: %w", err)
		}
	} else if err := decodeContainerYAML(n, obj); err != nil {
		return nil, [32]byte{}, err
	}
	ds := PresetSSZ(pt.preset)
	enc, err := ds.MarshalSSZ(obj)
	if err != nil {
		return nil, [32]byte{}, err
	}
	root, err := ds.HashTreeRoot(obj)
	return enc, root, err
}

func checkParts(t *testing.T, c Case) {
	if c.Runner == "ssz_static" {
		if c.Suite == "ssz_invalid" {
			return
		}
		raw, err := c.ReadFile("value.yaml")
		if err != nil {
			t.Fatal(err)
		}
		n, err := parseYAMLDocument(raw)
		if err != nil {
			t.Fatal(err)
		}
		root, err := schemaRoot(specSchemas[c.Handler], n)
		if err != nil {
			t.Fatalf("value.yaml against the SPEC.md schema: %v", err)
		}
		var roots struct {
			Root Hex `yaml:"root"`
		}
		if err := c.ReadYAML("roots.yaml", &roots); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(root[:], roots.Root) {
			t.Errorf("the SPEC.md schema gives root %#x, roots.yaml says %s", root, roots.Root)
		}
		return
	}
	types := c.partTypes(t)
	if types == nil {
		return
	}
	roots, err := c.Roots()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for n := range roots {
		names = append(names, n)
	}
	sort.Strings(names)
	var parts []string
	for n := range types {
		parts = append(parts, n)
	}
	sort.Strings(parts)
	if !slices.Equal(names, parts) {
		t.Errorf("roots.yaml has %v, the case has SSZ parts %v", names, parts)
	}
	for _, part := range parts {
		want, err := c.ReadSSZ(part)
		if err != nil {
			t.Fatal(err)
		}
		enc, root, err := partFromYAML(c, part, types[part])
		if err != nil {
			t.Errorf("%s.yaml: %v", part, err)
			continue
		}
		if !bytes.Equal(enc, want) {
			t.Errorf("%s.yaml encodes to %d bytes that differ from %s.ssz_snappy (%d bytes)", part, len(enc), part, len(want))
		}
		if !bytes.Equal(root[:], roots[part]) {
			t.Errorf("%s: root %#x, roots.yaml says %s", part, root, roots[part])
		}
	}
}

// TestBLSVectorIntegrity verifies the signatures of the bls vectors with
// the Go spec: partial signatures under their share's key, recombined
// signatures under the validator key (and, in suite
// not_the_validator_signature, not under it).
func TestBLSVectorIntegrity(t *testing.T) {
	cases, err := Cases(vectorsRoot, "bls")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if c.Suite == "invalid" {
			continue
		}
		var d blsData
		if err := c.ReadYAML("data.yaml", &d); err != nil {
			t.Fatal(err)
		}
		switch c.Handler {
		case "partial_sign":
			var in struct {
				Share   shareYAML `yaml:"share"`
				Message Hex       `yaml:"message"`
			}
			var out partialYAML
			if err := decodeNode(&d.Input, &in); err != nil {
				t.Fatal(err)
			}
			if err := decodeNode(&d.Output, &out); err != nil {
				t.Fatal(err)
			}
			var sk bls.SecretKey
			copy(sk[:], in.Share.SecretKey)
			pk, err := sk.PublicKey()
			sig, serr := out.Signature.Signature()
			if err != nil || serr != nil || !bls.Verify(pk, in.Message, sig) {
				t.Errorf("%s: the partial signature does not verify under the share's key", c.Path())
			}
		case "recover_signature":
			var in struct {
				Threshold         int           `yaml:"threshold"`
				Message           Hex           `yaml:"message"`
				PublicKey         Hex           `yaml:"public_key"`
				PartialSignatures []partialYAML `yaml:"partial_signatures"`
			}
			var out Hex
			if err := decodeNode(&d.Input, &in); err != nil {
				t.Fatal(err)
			}
			if err := d.Output.Decode(&out); err != nil {
				t.Fatal(err)
			}
			pk, err := in.PublicKey.PublicKey()
			sig, serr := out.Signature()
			if err != nil || serr != nil {
				t.Fatalf("%s: %v %v", c.Path(), err, serr)
			}
			want := c.Suite == "valid"
			if bls.Verify(pk, in.Message, sig) != want {
				t.Errorf("%s: recombined signature verifies=%v, want %v", c.Path(), !want, want)
			}
		}
	}
}
