package spectests

import (
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/dvspec/go-dvspec/spec/names"
)

// Shape is the documented form of a YAML document of the vectors, down to
// the containers (whose fields SPEC.md and consensus-specs define, and
// whose encodings the format tests check). vectors/README.md prints every
// shape (section "File shapes"), and TestVectorShapes checks every file of
// every case against it, so the README and the files cannot drift apart.
type Shape struct {
	// Keys: the value is a mapping with exactly these keys (optional ones
	// may be absent), plus one of OneOf when OneOf is set.
	Keys []Key
	// OneOf: the mapping has exactly one of these keys.
	OneOf []Key
	// Elem: the value is a sequence of Elem.
	Elem *Shape
	// Any value (a scalar, a container, null) when Keys, OneOf and Elem
	// are unset.
}

// Key is one key of a mapping.
type Key struct {
	Name     string
	Optional bool
	// SSZ: the key is an inline container with its encoding twin
	// <Name>_ssz next to it (present exactly when the key is).
	SSZ   bool
	Shape *Shape
}

// The notation of the README: k (any value), k? (optional), k+ssz (a
// container and its k_ssz encoding), k: {...} (a mapping), [...] (a list),
// one of <a | b> (exactly one key of these).

func req(name string, s *Shape) Key { return Key{Name: name, Shape: s} }
func opt(name string, s *Shape) Key { return Key{Name: name, Optional: true, Shape: s} }
func ssz(name string) Key           { return Key{Name: name, SSZ: true} }
func optSSZ(name string) Key        { return Key{Name: name, SSZ: true, Optional: true} }
func mapOf(ks ...Key) *Shape        { return &Shape{Keys: ks} }
func listOf(s *Shape) *Shape        { return &Shape{Elem: s} }
func plainKeys(names ...string) []Key {
	out := make([]Key, len(names))
	for i, n := range names {
		out[i] = Key{Name: n}
	}
	return out
}
func plain(names ...string) *Shape { return mapOf(plainKeys(names...)...) }

var (
	refusal    = []Key{opt("error", nil), opt("cause", nil)}
	chainShape = mapOf(req("genesis_validators_root", nil), req("slots_per_epoch", nil),
		req("fork_schedule", listOf(plain("fork", "version", "epoch"))))
	indexedKey = plain("index", "public_key")
)

// dvcEventFields are the fields of each dvc event (vectors/README.md dvc).
var dvcEventFields = map[string][]Key{
	names.ServeAttestationDuty:              {ssz("duty")},
	names.ServeProposerDuty:                 {ssz("duty")},
	names.ServeSyncCommitteeDuty:            {ssz("duty"), req("slot", nil), req("subcommittee_index", nil)},
	names.AttestationConsensusDecided:       {ssz("instance"), ssz("data")},
	names.BlockConsensusDecided:             {ssz("instance"), req("block_fork", nil), ssz("block")},
	names.SyncCommitteeConsensusDecided:     {ssz("instance"), ssz("contribution")},
	names.ReceivedAttestationShare:          {ssz("share")},
	names.ReceivedRandaoShare:               {ssz("share")},
	names.ReceivedBlockShare:                {ssz("share")},
	names.ReceivedSyncCommitteeMessageShare: {ssz("share")},
	names.ImportedNewBlock: {req("block_fork", nil), ssz("block"), req("validator_index", nil),
		req("committees", listOf(plain("slot", "index", "validators")))},
	names.CapturedAttestation:              {req("attestation_fork", nil), ssz("attestation")},
	names.CapturedRandaoReveal:             {req("slot", nil), req("randao_reveal", nil)},
	names.CapturedBlock:                    {req("block_fork", nil), ssz("block"), req("signature", nil)},
	names.CapturedSyncCommitteeMessage:     {ssz("message")},
	names.ResendAttestationShares:          nil,
	names.ResendRandaoShares:               nil,
	names.ResendBlockShares:                nil,
	names.ResendSyncCommitteeMessageShares: nil,
	names.NewSlot:                          {req("slot", nil)},
	names.NoEvent:                          nil,
}

// dvcOutputFields are the fields of each dvc output.
var dvcOutputFields = map[string]*Shape{
	names.StartConsensus: {Keys: []Key{ssz("instance")}, OneOf: []Key{
		req("attester", mapOf(ssz("duty"))),
		req("proposer", mapOf(ssz("duty"), req("randao_reveal", nil))),
		req("sync_committee", mapOf(ssz("duty"), req("slot", nil), req("subcommittee_index", nil))),
	}},
	names.StopConsensus:                       mapOf(ssz("instances")),
	names.UpdateValidity:                      mapOf(ssz("instances")),
	names.Signed:                              plain("kind", "slot", "object_root", "fork_version", "domain", "signing_root", "signature"),
	names.Broadcast:                           mapOf(req("message_kind", nil), ssz("message"), req("to", nil)),
	names.SubmitAttestation:                   mapOf(req("attestation_fork", nil), ssz("attestation")),
	names.SubmitBlock:                         mapOf(ssz("block")),
	names.SubmitSyncCommitteeMessage:          mapOf(ssz("message")),
	names.CacheAttestationDataForVC:           mapOf(ssz("duty"), ssz("data")),
	names.CacheBlockForVC:                     mapOf(ssz("duty"), req("block_fork", nil), ssz("block")),
	names.CacheSyncCommitteeContributionForVC: mapOf(ssz("duty"), ssz("contribution")),
	names.Ignored:                             plain("reason", "slot"),
}

func oneOfFields(m map[string][]Key) []Key {
	var out []Key
	for n, ks := range m {
		out = append(out, req(n, mapOf(ks...)))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func oneOfShapes(m map[string]*Shape) []Key {
	var out []Key
	for n, s := range m {
		out = append(out, req(n, s))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// FileShapes are the documented YAML files of each runner, by runner and
// file name ("<runner>/<handler>" for a handler's own shape). The parts
// that hold one container (pre, post, value, message, duty, slashing_db)
// are SPEC.md or consensus-specs containers, checked against their SSZ
// twins instead; meta.yaml is common to every runner.
var FileShapes = map[string]map[string]*Shape{
	"bls": {
		"data.yaml": {Keys: []Key{req("input", mapOf(
			opt("n", nil), opt("secret_key", nil), opt("threshold", nil), opt("seed", nil), opt("message", nil),
			opt("public_key", nil), opt("share", plain("index", "secret_key")), opt("public_share", indexedKey),
			opt("partial_signature", plain("index", "signature")), opt("partial_signatures", listOf(plain("index", "signature"))),
			opt("public_shares", listOf(indexedKey)))), opt("output", nil), opt("error", nil)}},
	},
	"signing": {
		"chain.yaml": chainShape,
		"inputs.yaml": mapOf(req("message_type", nil), req("message_ssz_type", nil), req("message_fork", nil), opt("slot", nil),
			opt("current_epoch", nil), opt("signer", plain("validator_index", "public_key"))),
		"output.yaml": mapOf(opt("object_root", nil), opt("fork_version", nil), opt("domain", nil), opt("signing_root", nil),
			opt("signature", nil), opt("error", nil)),
	},
	"slashing": {
		"steps.yaml": listOf(&Shape{
			Keys: []Key{opt("strategy", nil), opt("result", nil), opt("expected", nil)},
			OneOf: []Key{
				req("check_attestation", plain("pubkey", "source_epoch", "target_epoch", "signing_root")),
				req("insert_attestation", plain("pubkey", "source_epoch", "target_epoch", "signing_root")),
				req("check_block", plain("pubkey", "slot", "signing_root")),
				req("insert_block", plain("pubkey", "slot", "signing_root")),
				req("import_interchange", nil),
				req("export_interchange", nil),
			}}),
	},
	"consensus_validity": {
		"chain.yaml": chainShape,
		"inputs.yaml": mapOf(req("value_ssz_type", nil), req("value_fork", nil), opt("randao_reveal", nil), opt("fee_recipient", nil), opt("slot", nil),
			opt("subcommittee_index", nil), opt("beacon_block_root", nil), opt("committee", nil)),
		"output.yaml": mapOf(req("valid", nil), opt("reason", nil), opt("slashing_reason", nil)),
	},
	"qbft": {
		"config.yaml": mapOf(req("instance", nil), req("n", nil), req("self", nil), req("quorum", nil), req("f", nil),
			req("nodes", listOf(plain("index", "seed", "public_key"))), req("invalid_values", nil)),
		"data.yaml": mapOf(req("queries", listOf(mapOf(req("function", nil), opt("n", nil), opt("round", nil), opt("instance", nil), req("output", nil))))),
		"steps.yaml": listOf(&Shape{
			Keys: append([]Key{req("outputs", listOf(&Shape{OneOf: []Key{
				req(names.QBFTBroadcast, mapOf(ssz("message"))),
				req(names.QBFTSetTimer, plain("round", "duration_ms", "deadline_ms")),
				req(names.QBFTDecide, mapOf(req("round", nil), req("value", nil), ssz("commits"))),
			}})), req("state_root", nil)}, refusal...),
			OneOf: []Key{
				req(names.QBFTStart, nil),
				req(names.QBFTSetOwnValue, plain("value")),
				req(names.QBFTReceive, mapOf(ssz("message"))),
				req(names.QBFTTimeout, plain("round")),
			}}),
	},
	"dvc": {
		"chain.yaml": chainShape,
		"config.yaml": mapOf(req("preset", nil), req("validator", plain("pubkey", "index")), req("share_index", nil), req("peers", nil),
			req("public_shares", listOf(indexedKey)), req("threshold", nil), req("cluster", nil), req("mode", nil),
			opt("signer", plain("share_index", "secret_key"))),
		"steps.yaml": listOf(&Shape{
			Keys: append([]Key{opt("outputs", listOf(&Shape{OneOf: oneOfShapes(dvcOutputFields)})), req("state_root", nil), opt("valid", nil)}, refusal...),
			OneOf: []Key{
				req("event", &Shape{OneOf: oneOfFields(dvcEventFields)}),
				req("check_validity", mapOf(ssz("instance"), req("value_type", nil), ssz("value"))),
			}}),
	},
	"networking": {
		"chain.yaml": chainShape,
		"inputs.yaml": mapOf(req("kind", nil), req("validator_public_key", nil), req("threshold", nil),
			req("public_shares", listOf(indexedKey)), req("shares", listOf(mapOf(ssz("share"))))),
		"output.yaml": mapOf(opt("combined_type", nil), optSSZ("combined"), opt("error", nil)),
	},
	"slot_consensus": {
		"chain.yaml": chainShape,
		"inputs.yaml": mapOf(req("cluster_root", nil),
			req("members", listOf(mapOf(req("cluster", nil), req("duty_type", nil), req("slot", nil), req("validator_pubkey", nil), req("validator_index", nil),
				opt("committee_index", nil), opt("committee_length", nil), opt("committees_at_slot", nil), opt("validator_committee_index", nil),
				opt("validator_sync_committee_indices", nil), opt("subcommittee_index", nil)))),
			req("steps", listOf(mapOf(req("op", nil), opt("member", nil), opt("duty_type", nil), opt("slot", nil), opt("value", nil))))),
		"output.yaml": mapOf(req("steps", listOf(mapOf(opt("error", nil), opt("slot_instance", plain("duty_type", "slot")), opt("start", nil),
			opt("deliveries", listOf(plain("validator", "event", "value"))), opt("excluded", nil), opt("stopped", listOf(plain("duty_type", "slot"))))))),
	},
}

// CheckShape returns how the YAML value n differs from s (nil when it has
// the shape); where prefixes the messages.
func CheckShape(where string, n *yaml.Node, s *Shape) []string {
	if s == nil {
		return nil
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if s.Elem != nil {
		if n.Kind != yaml.SequenceNode {
			return []string{where + ": not a list"}
		}
		var out []string
		for i, e := range n.Content {
			out = append(out, CheckShape(fmt.Sprintf("%s[%d]", where, i), e, s.Elem)...)
		}
		return out
	}
	if s.Keys == nil && s.OneOf == nil {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return []string{where + ": not a mapping"}
	}
	have := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		have[n.Content[i].Value] = n.Content[i+1]
	}
	var out []string
	known := map[string]bool{}
	check := func(k Key) {
		known[k.Name] = true
		v, ok := have[k.Name]
		if k.SSZ {
			known[k.Name+"_ssz"] = true
			if _, twin := have[k.Name+"_ssz"]; twin != ok {
				out = append(out, fmt.Sprintf("%s: %s and %s_ssz must come together", where, k.Name, k.Name))
			}
		}
		if !ok {
			if !k.Optional {
				out = append(out, fmt.Sprintf("%s: missing %s", where, k.Name))
			}
			return
		}
		out = append(out, CheckShape(where+"."+k.Name, v, k.Shape)...)
	}
	for _, k := range s.Keys {
		check(k)
	}
	if s.OneOf != nil {
		var found []string
		for _, k := range s.OneOf {
			if _, ok := have[k.Name]; ok {
				found = append(found, k.Name)
				check(k)
			} else {
				known[k.Name] = true
				if k.SSZ {
					known[k.Name+"_ssz"] = true
				}
			}
		}
		if len(found) != 1 {
			out = append(out, fmt.Sprintf("%s: want exactly one of %s, have %v", where, keyNames(s.OneOf), found))
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i].Value; !known[k] {
			out = append(out, fmt.Sprintf("%s: undocumented key %s", where, k))
		}
	}
	return out
}

func keyNames(ks []Key) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = k.Name
	}
	return strings.Join(s, "|")
}

// String writes the shape in the README's notation.
func (s *Shape) String() string {
	if s == nil {
		return ""
	}
	if s.Elem != nil {
		return "[" + s.Elem.String() + "]"
	}
	if s.Keys == nil && s.OneOf == nil {
		return "{}"
	}
	var parts []string
	for _, k := range s.Keys {
		parts = append(parts, k.String())
	}
	if s.OneOf != nil {
		alts := make([]string, len(s.OneOf))
		for i, k := range s.OneOf {
			alts[i] = k.String()
		}
		parts = append(parts, "one of <"+strings.Join(alts, " | ")+">")
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// String writes the key in the README's notation.
func (k Key) String() string {
	s := k.Name
	if k.SSZ {
		s += "+ssz"
	}
	if k.Optional {
		s += "?"
	}
	if k.Shape != nil {
		s += ": " + k.Shape.String()
	}
	return s
}
