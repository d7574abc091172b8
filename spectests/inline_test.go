package spectests

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"
	"gopkg.in/yaml.v3"

	"github.com/dvspec/go-dvspec/consensus/qbft"
	"github.com/dvspec/go-dvspec/spec/cluster"
)

// The steps of the qbft and dvc runners and the parts of the networking
// runner write containers inline, as a YAML value <x> next to its SSZ
// encoding <x>_ssz. checkInlineSSZ reads every such YAML value into its
// type (as another implementation would, from the documented conventions)
// and requires it to encode to the SSZ next to it.

// inlineType names the type of an inline container: a DV container name
// (dvContainers), AttestationData, one of the beacon-JSON types with its
// fork, or "bytes" (the hex itself).
type inlineType struct{ name, fork string }

// encodeInline reads a YAML value of the given type and returns its SSZ
// encoding (an empty encoding for YAML null).
func encodeInline(typ inlineType, n *yaml.Node) ([]byte, error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return []byte{}, nil
	}
	switch typ.name {
	case "bytes", "BLSSignature":
		var h Hex
		err := h.UnmarshalYAML(n)
		return h, err
	case "AttestationData":
		d := new(phase0.AttestationData)
		if err := decodeContainerYAML(n, d); err != nil {
			return nil, err
		}
		return d.MarshalSSZ()
	}
	if obj, err := newContainer(typ.name); err == nil {
		if err := decodeContainerYAML(n, obj); err != nil {
			return nil, err
		}
		return obj.MarshalSSZ()
	}
	var obj interface {
		json.Unmarshaler
		MarshalSSZ() ([]byte, error)
	}
	switch typ.name {
	case "BeaconBlock":
		o, err := beaconObject("BeaconBlock", typ.fork)
		if err != nil {
			return nil, err
		}
		obj = o.(interface {
			json.Unmarshaler
			MarshalSSZ() ([]byte, error)
		})
	case "Attestation":
		obj = new(phase0.Attestation)
	case "SingleAttestation":
		obj = new(electra.SingleAttestation)
	case "SyncCommitteeMessage":
		obj = new(altair.SyncCommitteeMessage)
	case "SyncCommitteeContribution":
		obj = new(altair.SyncCommitteeContribution)
	default:
		return nil, fmt.Errorf("no inline type %q", typ.name)
	}
	j, err := yamlToBeaconJSON(n)
	if err != nil {
		return nil, err
	}
	if err := obj.UnmarshalJSON(j); err != nil {
		return nil, fmt.Errorf("beacon JSON: %w", err)
	}
	return obj.MarshalSSZ()
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func scalar(n *yaml.Node, key string) string {
	if v := mapValue(n, key); v != nil {
		return v.Value
	}
	return ""
}

// shareType is the share container of a message kind.
var shareType = map[string]string{
	"attestation_share": "AttestationShare", "randao_share": "RandaoShare",
	"block_share": "BlockShare", "sync_committee_message_share": "SyncCommitteeMessageShare",
	"aggregation_share": "AggregationShare",
}

// dvcFieldType is the type of field key in the body of the dvc event or
// output named owner.
func dvcFieldType(owner, key string, body *yaml.Node) (inlineType, bool) {
	switch key {
	case "instance", "instances":
		return inlineType{name: "InstanceID"}, true
	case "duty":
		switch owner {
		case "serve_attestation_duty", "attester", "cache_attestation_data_for_vc":
			return inlineType{name: "AttestationDuty"}, true
		case "serve_proposer_duty", "proposer", "cache_block_for_vc":
			return inlineType{name: "ProposerDuty"}, true
		case "serve_sync_committee_duty", "sync_committee", "cache_sync_committee_contribution_for_vc":
			return inlineType{name: "SyncCommitteeDuty"}, true
		}
	case "data":
		return inlineType{name: "AttestationData"}, true
	case "share":
		switch owner {
		case "received_attestation_share":
			return inlineType{name: "AttestationShare"}, true
		case "received_randao_share":
			return inlineType{name: "RandaoShare"}, true
		case "received_block_share":
			return inlineType{name: "BlockShare"}, true
		case "received_sync_committee_message_share":
			return inlineType{name: "SyncCommitteeMessageShare"}, true
		}
	case "block":
		if owner == "submit_block" {
			return inlineType{name: "SignedVersionedBlock"}, true
		}
		return inlineType{name: "BeaconBlock", fork: scalar(body, "block_fork")}, true
	case "contribution":
		return inlineType{name: "SyncCommitteeContribution"}, true
	case "attestation":
		fork := scalar(body, "attestation_fork")
		v, err := DataVersion(fork)
		if err != nil {
			return inlineType{}, false
		}
		if v >= eth2spec.DataVersionElectra {
			return inlineType{name: "SingleAttestation"}, true
		}
		return inlineType{name: "Attestation"}, true
	case "message":
		if owner == "broadcast" {
			return inlineType{name: shareType[scalar(body, "message_kind")]}, true
		}
		return inlineType{name: "SyncCommitteeMessage"}, true
	case "value":
		if owner == "check_validity" {
			return inlineType{name: scalar(body, "value_type")}, true
		}
	}
	return inlineType{}, false
}

// checkPairs compares every <key>/<key>_ssz pair of a mapping body, with
// typeOf naming the types.
func checkPairs(t *testing.T, where string, body *yaml.Node, typeOf func(key string) (inlineType, bool)) {
	if body == nil || body.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(body.Content); i += 2 {
		key := body.Content[i].Value
		sszNode := mapValue(body, key+"_ssz")
		if sszNode == nil {
			continue
		}
		typ, ok := typeOf(key)
		if !ok {
			t.Errorf("%s: no type for %s", where, key)
			continue
		}
		value := body.Content[i+1]
		if sszNode.Kind == yaml.SequenceNode {
			if value.Kind != yaml.SequenceNode || len(value.Content) != len(sszNode.Content) {
				t.Errorf("%s: %s and %s_ssz differ in length", where, key, key)
				continue
			}
			for j := range value.Content {
				compareInline(t, fmt.Sprintf("%s.%s[%d]", where, key, j), typ, value.Content[j], sszNode.Content[j])
			}
			continue
		}
		compareInline(t, where+"."+key, typ, value, sszNode)
	}
}

func compareInline(t *testing.T, where string, typ inlineType, value, sszNode *yaml.Node) {
	var want Hex
	if err := want.UnmarshalYAML(sszNode); err != nil {
		t.Errorf("%s_ssz: %v", where, err)
		return
	}
	got, err := encodeInline(typ, value)
	if err != nil {
		t.Errorf("%s (%s): %v", where, typ.name, err)
		return
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: the YAML value encodes to %d bytes that differ from %s_ssz (%d bytes)", where, len(got), where, len(want))
	}
}

func readDoc(t *testing.T, c Case, name string) *yaml.Node {
	raw, err := c.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	n, err := parseYAMLDocument(raw)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return n
}

func checkInlineSSZ(t *testing.T, c Case) {
	switch c.Runner {
	case "qbft":
		if c.Handler == "params" {
			return
		}
		steps := readDoc(t, c, "steps.yaml")
		for i, s := range steps.Content {
			for j := 0; j+1 < len(s.Content); j += 2 {
				k, v := s.Content[j].Value, s.Content[j+1]
				where := fmt.Sprintf("steps.yaml[%d].%s", i, k)
				switch k {
				case "receive":
					checkPairs(t, where, v, func(string) (inlineType, bool) { return inlineType{name: "SignedMessage"}, true })
				case "outputs":
					for o, out := range v.Content {
						kind, body := out.Content[0].Value, out.Content[1]
						checkPairs(t, fmt.Sprintf("%s[%d].%s", where, o, kind), body, func(key string) (inlineType, bool) {
							if key == "commits" {
								return inlineType{name: "SignedPayload"}, true
							}
							return inlineType{name: "SignedMessage"}, true
						})
					}
				}
			}
		}
	case "networking":
		in := readDoc(t, c, "inputs.yaml")
		kind := scalar(in, "kind")
		for i, s := range mapValue(in, "shares").Content {
			checkPairs(t, fmt.Sprintf("inputs.yaml shares[%d]", i), s, func(string) (inlineType, bool) { return inlineType{name: shareType[kind]}, true })
		}
		out := readDoc(t, c, "output.yaml")
		checkPairs(t, "output.yaml", out, func(string) (inlineType, bool) { return inlineType{name: scalar(out, "combined_type")}, true })
	case "dvc":
		steps := readDoc(t, c, "steps.yaml")
		for i, s := range steps.Content {
			where := fmt.Sprintf("steps.yaml[%d]", i)
			if ev := mapValue(s, "event"); ev != nil {
				name, body := ev.Content[0].Value, ev.Content[1]
				checkPairs(t, where+"."+name, body, func(key string) (inlineType, bool) { return dvcFieldType(name, key, body) })
			}
			if cv := mapValue(s, "check_validity"); cv != nil {
				checkPairs(t, where+".check_validity", cv, func(key string) (inlineType, bool) { return dvcFieldType("check_validity", key, cv) })
			}
			if outs := mapValue(s, "outputs"); outs != nil {
				for o, out := range outs.Content {
					name, body := out.Content[0].Value, out.Content[1]
					w := fmt.Sprintf("%s.outputs[%d].%s", where, o, name)
					checkPairs(t, w, body, func(key string) (inlineType, bool) { return dvcFieldType(name, key, body) })
					for _, sub := range []string{"attester", "proposer", "sync_committee"} {
						if sb := mapValue(body, sub); sb != nil {
							checkPairs(t, w+"."+sub, sb, func(key string) (inlineType, bool) { return dvcFieldType(sub, key, sb) })
						}
					}
				}
			}
		}
	}
}

// TestQBFTSignatures verifies every Ed25519 signature of the qbft vectors
// (every message received and broadcast, every justification entry, every
// decision's commits, the pre- and post-state's messages) under the node
// key of its sender, from config.yaml; the signatures that do not verify
// must be the case's deliberately invalid ones, each of which must fail
// somewhere. The ssz_static qbft containers are checked with the
// documented test keys.
func TestQBFTSignatures(t *testing.T) {
	cases, err := Cases(vectorsRoot, "qbft")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if c.Handler == "params" {
			continue
		}
		cfg, err := c.ReadQBFTConfig()
		if err != nil {
			t.Fatal(err)
		}
		var meta metaYAML
		if err := c.ReadYAML("meta.yaml", &meta); err != nil {
			t.Fatal(err)
		}
		declared := map[string]bool{}
		for _, v := range meta.DeliberatelyInvalid {
			declared[v.Value.String()] = true
		}
		bad := map[string]bool{}
		check := func(m *qbft.Message, sig qbft.Signature) {
			root, err := qbft.SigningRoot(m)
			if err != nil {
				t.Fatal(err)
			}
			if m.Sender == 0 || m.Sender > cfg.N || !ed25519.Verify(cfg.NodePublicKeys[m.Sender-1][:], root[:], sig[:]) {
				bad[Hex(sig[:]).String()] = true
			}
		}
		checkMsg := func(m *qbft.SignedMessage) {
			check(&m.Message, m.Signature)
			for _, l := range [][]*qbft.SignedPayload{m.RoundChanges, m.Prepares, m.Commits} {
				for _, p := range l {
					check(&p.Message, p.Signature)
				}
			}
		}
		var steps []qbftStep
		if err := c.ReadYAML("steps.yaml", &steps); err != nil {
			t.Fatal(err)
		}
		for _, s := range steps {
			if s.Receive != nil && len(s.Receive.MessageSSZ) > 0 {
				m, err := qbft.DecodeSignedMessage(s.Receive.MessageSSZ)
				if err != nil {
					t.Fatalf("%s: %v", c.Path(), err)
				}
				checkMsg(m)
			}
			outs, err := parseQBFTOutputs(s.Outputs)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range outs {
				if o.Kind == "broadcast" {
					m, err := qbft.DecodeSignedMessage(o.Message)
					if err != nil {
						t.Fatal(err)
					}
					checkMsg(m)
				}
				for _, cm := range o.Commits {
					p := new(qbft.SignedPayload)
					if err := p.UnmarshalSSZ(cm); err != nil {
						t.Fatal(err)
					}
					check(&p.Message, p.Signature)
				}
			}
		}
		for _, part := range []string{"pre", "post"} {
			if !c.Has(part + ".ssz_snappy") {
				continue
			}
			raw, err := c.ReadSSZ(part)
			if err != nil {
				t.Fatal(err)
			}
			snap, err := qbft.DecodeSnapshot(raw)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range snap.Messages {
				checkMsg(m)
			}
			for _, l := range [][]*qbft.SignedPayload{snap.PreparedJustification, snap.DecidedCommits} {
				for _, p := range l {
					check(&p.Message, p.Signature)
				}
			}
		}
		for s := range bad {
			if !declared[s] {
				t.Errorf("%s: signature %s does not verify and is not declared deliberately invalid", c.Path(), s[:18])
			}
		}
		for s := range declared {
			if !bad[s] {
				t.Errorf("%s: declared invalid signature %s verifies everywhere it appears", c.Path(), s[:18])
			}
		}
	}
	// ssz_static: the documented test keys.
	keys := make([][32]byte, 10)
	for i := range keys {
		keys[i] = [32]byte(qbft.TestKey(uint64(i + 1)).Public().(ed25519.PublicKey))
	}
	for _, container := range []string{"SignedPayload", "SignedMessage", "Snapshot"} {
		cs, err := Cases(vectorsRoot, "ssz_static")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			if c.Handler != container || c.Suite == "ssz_invalid" {
				continue
			}
			raw, err := c.ReadSSZ("serialized")
			if err != nil {
				t.Fatal(err)
			}
			var payloads []*qbft.SignedPayload
			switch container {
			case "SignedPayload":
				p := new(qbft.SignedPayload)
				if err := p.UnmarshalSSZ(raw); err != nil {
					t.Fatal(err)
				}
				payloads = append(payloads, p)
			case "SignedMessage":
				m, err := qbft.DecodeSignedMessage(raw)
				if err != nil {
					t.Fatal(err)
				}
				payloads = append(append(append(append(payloads, m.Payload()), m.RoundChanges...), m.Prepares...), m.Commits...)
			case "Snapshot":
				s, err := qbft.DecodeSnapshot(raw)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range s.Messages {
					payloads = append(append(append(append(payloads, m.Payload()), m.RoundChanges...), m.Prepares...), m.Commits...)
				}
				payloads = append(append(payloads, s.PreparedJustification...), s.DecidedCommits...)
			}
			for _, p := range payloads {
				root, err := qbft.SigningRoot(&p.Message)
				if err != nil {
					t.Fatal(err)
				}
				if p.Message.Sender == 0 || p.Message.Sender > 10 || !ed25519.Verify(keys[p.Message.Sender-1][:], root[:], p.Signature[:]) {
					t.Errorf("%s: a signature does not verify under the test key of node %d", c.Path(), p.Message.Sender)
				}
			}
		}
	}
}

// TestDVCClusterRoots requires the cluster of every dvc case to be the
// cluster ID of the cluster definition its meta.yaml names (the ssz_static
// ClusterDefinition case of its fork): its hash tree root with every
// validator_index emptied (SPEC.md section 11.4).
func TestDVCClusterRoots(t *testing.T) {
	cases, err := Cases(vectorsRoot, "dvc")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		cfg, err := c.ReadDVCConfig()
		if err != nil {
			t.Fatal(err)
		}
		def := Case{Root: vectorsRoot, Preset: "general", Fork: "phase0", Runner: "ssz_static", Handler: "ClusterDefinition", Suite: "ssz_realistic",
			Name: fmt.Sprintf("dvc_%d_of_%d_%s", cfg.Threshold, len(cfg.Peers), c.Fork)}
		raw, err := def.ReadSSZ("serialized")
		if err != nil {
			t.Fatalf("%s: %v", c.Path(), err)
		}
		var d cluster.Definition
		if err := d.UnmarshalSSZ(raw); err != nil {
			t.Fatalf("%s: %v", def.Path(), err)
		}
		id, err := d.ID()
		if err != nil {
			t.Fatalf("%s: %v", def.Path(), err)
		}
		if id != cfg.Cluster {
			t.Errorf("%s: cluster %#x is not the cluster ID of %s (%#x)", c.Path(), cfg.Cluster, def.Path(), id)
		}
	}
}
