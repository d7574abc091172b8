package signing_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
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

	"github.com/dvspec/go-dvspec/spec/signing"
)

// The known answers in testdata/knownanswers/known_answers.json come from
// testdata/knownanswers/gen.py, an SSZ and signing implementation written
// independently of this package and of go-eth2-client from the
// consensus-specs markdown (see the README.md there).

const knownAnswersFile = "testdata/knownanswers/known_answers.json"

// kaMainnetGenesisValidatorsRoot is the mainnet genesis validators root.
var kaMainnetGenesisValidatorsRoot = phase0.Root{
	0x4b, 0x36, 0x3d, 0xb9, 0x4e, 0x28, 0x61, 0x20, 0xd7, 0x6e, 0xb9, 0x05, 0x34, 0x0f, 0xdd, 0x4e,
	0x54, 0xbf, 0xe9, 0xf0, 0x6b, 0xf3, 0x3f, 0xf6, 0xcf, 0x5a, 0xd2, 0x7f, 0x51, 0x1b, 0xfe, 0x95,
}

func kaChain() signing.Chain {
	return signing.Chain{
		Forks:                 signing.MainnetForkSchedule(),
		GenesisValidatorsRoot: kaMainnetGenesisValidatorsRoot,
		SlotsPerEpoch:         32,
	}
}

type knownAnswer struct {
	Name        string          `json:"name"`
	MessageType string          `json:"message_type"`
	Fork        string          `json:"fork"`
	Message     json.RawMessage `json:"message"`

	// Extra inputs, present for some message types.
	Epoch           string `json:"epoch"`
	Slot            string `json:"slot"`
	CurrentEpoch    string `json:"current_epoch"`
	BeaconBlockRoot string `json:"beacon_block_root"`
	BlockCase       string `json:"block_case"`

	ObjectRoot  string `json:"object_root"`
	ForkVersion string `json:"fork_version"`
	Domain      string `json:"domain"`
	SigningRoot string `json:"signing_root"`
}

var kaForkNames = []string{"phase0", "altair", "bellatrix", "capella", "deneb", "electra", "fulu"}

func kaVersion(t *testing.T, fork string) eth2spec.DataVersion {
	t.Helper()
	for i, name := range kaForkNames {
		if name == fork {
			return eth2spec.DataVersionPhase0 + eth2spec.DataVersion(i)
		}
	}
	t.Fatalf("unknown fork %q", fork)
	return eth2spec.DataVersionUnknown
}

func loadKnownAnswers(t *testing.T) []knownAnswer {
	t.Helper()
	raw, err := os.ReadFile(filepath.FromSlash(knownAnswersFile))
	if err != nil {
		t.Fatalf("known answers: %v", err)
	}
	var cases []knownAnswer
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cases); err != nil {
		t.Fatalf("known answers: %v", err)
	}
	return cases
}

func kaHex(t *testing.T, what, s string, n int) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil || !strings.HasPrefix(s, "0x") || len(b) != n {
		t.Fatalf("%s: bad %d-byte hex %q (%v)", what, n, s, err)
	}
	return b
}

func kaUint(t *testing.T, what, s string) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("%s: bad decimal %q: %v", what, s, err)
	}
	return v
}

// kaDecode unmarshals the case's message into v with go-eth2-client's JSON
// decoder, then checks that marshalling v again gives back the same JSON
// document, so that nothing in the known answer was silently dropped.
func kaDecode(t *testing.T, c knownAnswer, v interface{}) {
	t.Helper()
	if err := json.Unmarshal(c.Message, v); err != nil {
		t.Fatalf("decode %s message: %v", c.MessageType, err)
	}
	again, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("re-encode %s message: %v", c.MessageType, err)
	}
	var want, got interface{}
	if err := json.Unmarshal(c.Message, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(again, &got); err != nil {
		t.Fatal(err)
	}
	if diff := kaJSONDiff("message", want, got); diff != "" {
		t.Fatalf("%s message does not survive a go-eth2-client round trip: %s", c.MessageType, diff)
	}
}

// kaJSONDiff describes the first difference between two decoded JSON
// documents, or returns "". Hex strings compare case-insensitively
// (go-eth2-client writes execution addresses with an EIP-55 checksum).
func kaJSONDiff(path string, want, got interface{}) string {
	switch w := want.(type) {
	case map[string]interface{}:
		g, ok := got.(map[string]interface{})
		if !ok {
			return fmt.Sprintf("%s: got %T, want an object", path, got)
		}
		for k := range w {
			if _, ok := g[k]; !ok {
				return fmt.Sprintf("%s.%s: missing after the round trip", path, k)
			}
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				return fmt.Sprintf("%s.%s: not in the known answer", path, k)
			}
			if d := kaJSONDiff(path+"."+k, w[k], g[k]); d != "" {
				return d
			}
		}
		return ""
	case []interface{}:
		g, ok := got.([]interface{})
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s: got %v, want %d elements", path, got, len(w))
		}
		for i := range w {
			if d := kaJSONDiff(fmt.Sprintf("%s[%d]", path, i), w[i], g[i]); d != "" {
				return d
			}
		}
		return ""
	case string:
		g, ok := got.(string)
		if ok && (g == w || strings.HasPrefix(w, "0x") && strings.EqualFold(g, w)) {
			return ""
		}
		return fmt.Sprintf("%s: got %v, want %q", path, got, w)
	default:
		if reflect.DeepEqual(want, got) {
			return ""
		}
		return fmt.Sprintf("%s: got %v, want %v", path, got, want)
	}
}

// kaBlock decodes a beacon block case into a VersionedBeaconBlock.
func kaBlock(t *testing.T, c knownAnswer) *eth2spec.VersionedBeaconBlock {
	t.Helper()
	v := &eth2spec.VersionedBeaconBlock{Version: kaVersion(t, c.Fork)}
	switch v.Version {
	case eth2spec.DataVersionPhase0:
		v.Phase0 = &phase0.BeaconBlock{}
		kaDecode(t, c, v.Phase0)
	case eth2spec.DataVersionAltair:
		v.Altair = &altair.BeaconBlock{}
		kaDecode(t, c, v.Altair)
	case eth2spec.DataVersionBellatrix:
		v.Bellatrix = &bellatrix.BeaconBlock{}
		kaDecode(t, c, v.Bellatrix)
	case eth2spec.DataVersionCapella:
		v.Capella = &capella.BeaconBlock{}
		kaDecode(t, c, v.Capella)
	case eth2spec.DataVersionDeneb:
		v.Deneb = &deneb.BeaconBlock{}
		kaDecode(t, c, v.Deneb)
	case eth2spec.DataVersionElectra:
		v.Electra = &electra.BeaconBlock{}
		kaDecode(t, c, v.Electra)
	case eth2spec.DataVersionFulu:
		// Fulu changes no block container: fulu blocks are electra.BeaconBlock.
		v.Fulu = &electra.BeaconBlock{}
		kaDecode(t, c, v.Fulu)
	default:
		t.Fatalf("no block type for %s", c.Fork)
	}
	return v
}

// kaAggregateAndProof decodes an aggregate-and-proof case; the container is
// the phase0 one before Electra and the electra one from Electra on.
func kaAggregateAndProof(t *testing.T, c knownAnswer) *eth2spec.VersionedAggregateAndProof {
	t.Helper()
	v := &eth2spec.VersionedAggregateAndProof{Version: kaVersion(t, c.Fork)}
	switch v.Version {
	case eth2spec.DataVersionElectra, eth2spec.DataVersionFulu:
		p := &electra.AggregateAndProof{}
		kaDecode(t, c, p)
		if v.Version == eth2spec.DataVersionElectra {
			v.Electra = p
		} else {
			v.Fulu = p
		}
	default:
		p := &phase0.AggregateAndProof{}
		kaDecode(t, c, p)
		switch v.Version {
		case eth2spec.DataVersionPhase0:
			v.Phase0 = p
		case eth2spec.DataVersionAltair:
			v.Altair = p
		case eth2spec.DataVersionBellatrix:
			v.Bellatrix = p
		case eth2spec.DataVersionCapella:
			v.Capella = p
		case eth2spec.DataVersionDeneb:
			v.Deneb = p
		}
	}
	return v
}

// kaSyncSelectionData decodes the consensus JSON of SyncAggregatorSelectionData,
// which go-eth2-client gives no JSON methods.
func kaSyncSelectionData(t *testing.T, c knownAnswer) *altair.SyncAggregatorSelectionData {
	t.Helper()
	var j struct {
		Slot              string `json:"slot"`
		SubcommitteeIndex string `json:"subcommittee_index"`
	}
	dec := json.NewDecoder(bytes.NewReader(c.Message))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		t.Fatalf("decode sync aggregator selection data: %v", err)
	}
	return &altair.SyncAggregatorSelectionData{
		Slot:              phase0.Slot(kaUint(t, "slot", j.Slot)),
		SubcommitteeIndex: kaUint(t, "subcommittee_index", j.SubcommitteeIndex),
	}
}

// kaDecimalMessage checks that a message that is a bare uint64 (randao epoch,
// selection-proof slot) agrees with the named extra input and returns it.
func kaDecimalMessage(t *testing.T, c knownAnswer, extra string) uint64 {
	t.Helper()
	var s string
	if err := json.Unmarshal(c.Message, &s); err != nil {
		t.Fatalf("message: %v", err)
	}
	if s != extra {
		t.Fatalf("message %q disagrees with extra input %q", s, extra)
	}
	return kaUint(t, "message", s)
}

// kaSign runs the Chain method that matches the case.
func kaSign(t *testing.T, chain signing.Chain, c knownAnswer) (signing.SigningInput, error) {
	t.Helper()
	switch c.MessageType {
	case "attestation_data":
		data := &phase0.AttestationData{}
		kaDecode(t, c, data)
		return chain.AttestationData(data)
	case "beacon_block":
		return chain.BeaconBlock(kaBlock(t, c))
	case "beacon_block_header":
		header := &phase0.BeaconBlockHeader{}
		kaDecode(t, c, header)
		return chain.BeaconBlockHeader(header)
	case "randao_reveal":
		return chain.RandaoReveal(phase0.Epoch(kaDecimalMessage(t, c, c.Epoch)))
	case "aggregation_slot":
		return chain.AggregationSlot(phase0.Slot(kaDecimalMessage(t, c, c.Slot)))
	case "aggregate_and_proof":
		return chain.AggregateAndProof(kaAggregateAndProof(t, c))
	case "sync_committee_message":
		msg := &altair.SyncCommitteeMessage{}
		kaDecode(t, c, msg)
		if uint64(msg.Slot) != kaUint(t, "slot", c.Slot) ||
			!bytes.Equal(msg.BeaconBlockRoot[:], kaHex(t, "beacon_block_root", c.BeaconBlockRoot, 32)) {
			t.Fatalf("sync committee message disagrees with the slot/beacon_block_root inputs")
		}
		return chain.SyncCommitteeMessage(msg.Slot, msg.BeaconBlockRoot)
	case "sync_committee_selection_proof":
		return chain.SyncCommitteeSelectionProof(kaSyncSelectionData(t, c))
	case "contribution_and_proof":
		cp := &altair.ContributionAndProof{}
		kaDecode(t, c, cp)
		return chain.ContributionAndProof(cp)
	case "voluntary_exit":
		exit := &phase0.VoluntaryExit{}
		kaDecode(t, c, exit)
		return chain.VoluntaryExit(exit, phase0.Epoch(kaUint(t, "current_epoch", c.CurrentEpoch)))
	case "validator_registration":
		reg := &apiv1.ValidatorRegistration{}
		kaDecode(t, c, reg)
		return chain.ValidatorRegistration(reg)
	case "deposit_message":
		msg := &phase0.DepositMessage{}
		kaDecode(t, c, msg)
		return chain.DepositMessage(msg)
	}
	t.Fatalf("unknown message type %q", c.MessageType)
	return signing.SigningInput{}, nil
}

func TestKnownAnswers(t *testing.T) {
	chain := kaChain()
	for _, c := range loadKnownAnswers(t) {
		t.Run(c.Name, func(t *testing.T) {
			got, err := kaSign(t, chain, c)
			if err != nil {
				t.Fatalf("%s: %v", c.MessageType, err)
			}
			for _, f := range []struct {
				what      string
				got, want []byte
			}{
				{"object_root", got.ObjectRoot[:], kaHex(t, "object_root", c.ObjectRoot, 32)},
				{"fork_version", got.ForkVersion[:], kaHex(t, "fork_version", c.ForkVersion, 4)},
				{"domain", got.Domain[:], kaHex(t, "domain", c.Domain, 32)},
				{"signing_root", got.SigningRoot[:], kaHex(t, "signing_root", c.SigningRoot, 32)},
			} {
				if !bytes.Equal(f.got, f.want) {
					t.Errorf("%s = %#x, want %#x", f.what, f.got, f.want)
				}
			}
			// The package's free functions must agree with the Chain methods.
			var domainType phase0.DomainType
			copy(domainType[:], got.Domain[:4])
			gvr := kaMainnetGenesisValidatorsRoot
			if c.MessageType == "validator_registration" || c.MessageType == "deposit_message" {
				gvr = phase0.Root{}
			}
			domain, err := signing.ComputeDomain(domainType, got.ForkVersion, gvr)
			if err != nil || domain != got.Domain {
				t.Errorf("ComputeDomain(%#x, %#x) = %#x, %v; want %#x", domainType, got.ForkVersion, domain, err, got.Domain)
			}
			root, err := signing.ComputeSigningRootFromObjectRoot(got.ObjectRoot, got.Domain)
			if err != nil || root != got.SigningRoot {
				t.Errorf("ComputeSigningRootFromObjectRoot = %#x, %v; want %#x", root, err, got.SigningRoot)
			}
		})
	}
}

// kaMinimumCases is how many cases of each message type the known answers
// must hold at least; a truncated or partially regenerated file fails here.
var kaMinimumCases = map[string]int{
	"attestation_data":               21,
	"beacon_block":                   19,
	"beacon_block_header":            19,
	"randao_reveal":                  14,
	"aggregation_slot":               14,
	"aggregate_and_proof":            19,
	"sync_committee_message":         13,
	"sync_committee_selection_proof": 13,
	"contribution_and_proof":         13,
	"voluntary_exit":                 16,
	"validator_registration":         3,
	"deposit_message":                4,
}

func TestKnownAnswerCoverage(t *testing.T) {
	cases := loadKnownAnswers(t)
	count := map[string]int{}
	perFork := map[string]map[string]int{}
	names := map[string]bool{}
	for _, c := range cases {
		if names[c.Name] {
			t.Errorf("case %q appears twice", c.Name)
		}
		names[c.Name] = true
		if _, ok := kaMinimumCases[c.MessageType]; !ok {
			t.Errorf("case %q: unknown message type %q", c.Name, c.MessageType)
		}
		count[c.MessageType]++
		if perFork[c.MessageType] == nil {
			perFork[c.MessageType] = map[string]int{}
		}
		perFork[c.MessageType][c.Fork]++
	}
	for typ, want := range kaMinimumCases {
		if count[typ] < want {
			t.Errorf("%s: %d cases, want at least %d", typ, count[typ], want)
		}
	}
	for _, typ := range []string{"beacon_block", "beacon_block_header", "aggregate_and_proof", "attestation_data", "randao_reveal", "aggregation_slot"} {
		for _, fork := range kaForkNames {
			if perFork[typ][fork] == 0 {
				t.Errorf("%s: no %s case", typ, fork)
			}
		}
	}
	for _, typ := range []string{"sync_committee_message", "sync_committee_selection_proof", "contribution_and_proof", "voluntary_exit"} {
		for _, fork := range kaForkNames[1:] {
			if perFork[typ][fork] == 0 {
				t.Errorf("%s: no %s case", typ, fork)
			}
		}
	}
	// Voluntary exits must cover both sides of EIP-7044.
	var preDeneb, crossDeneb int
	deneb, err := signing.MainnetForkSchedule().ByName(eth2spec.DataVersionDeneb)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if c.MessageType != "voluntary_exit" {
			continue
		}
		exit := &phase0.VoluntaryExit{}
		if err := json.Unmarshal(c.Message, exit); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		current := phase0.Epoch(kaUint(t, "current_epoch", c.CurrentEpoch))
		switch {
		case current < deneb.Epoch:
			preDeneb++
		case exit.Epoch < deneb.Epoch:
			crossDeneb++
		}
	}
	if preDeneb < 3 || crossDeneb < 3 {
		t.Errorf("voluntary exits: %d fully pre-Deneb and %d pre-Deneb exits verified after Deneb, want at least 3 of each", preDeneb, crossDeneb)
	}
	t.Logf("%d known answers: %v", len(cases), count)
}

// TestKnownAnswerBlockRootIsHeaderRoot checks, for every block, that the
// block root equals the root of the header built from it, and that the
// matching header case carries that header.
func TestKnownAnswerBlockRootIsHeaderRoot(t *testing.T) {
	cases := loadKnownAnswers(t)
	headers := map[string]knownAnswer{}
	for _, c := range cases {
		if c.MessageType == "beacon_block_header" {
			headers[c.BlockCase] = c
		}
	}
	seen := map[string]bool{}
	for _, c := range cases {
		if c.MessageType != "beacon_block" {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			block := kaBlock(t, c)
			blockRoot, err := block.Root()
			if err != nil {
				t.Fatal(err)
			}
			slot, err1 := block.Slot()
			proposer, err2 := block.ProposerIndex()
			parent, err3 := block.ParentRoot()
			state, err4 := block.StateRoot()
			body, err5 := block.BodyRoot()
			for _, err := range []error{err1, err2, err3, err4, err5} {
				if err != nil {
					t.Fatal(err)
				}
			}
			header := &phase0.BeaconBlockHeader{Slot: slot, ProposerIndex: proposer, ParentRoot: parent, StateRoot: state, BodyRoot: body}
			headerRoot, err := header.HashTreeRoot()
			if err != nil {
				t.Fatal(err)
			}
			if blockRoot != headerRoot {
				t.Errorf("block root %#x != header root %#x", blockRoot, headerRoot)
			}
			hc, ok := headers[c.Name]
			if !ok {
				t.Fatalf("no beacon_block_header case for %s", c.Name)
			}
			fromCase := &phase0.BeaconBlockHeader{}
			if err := json.Unmarshal(hc.Message, fromCase); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(fromCase, header) {
				t.Errorf("header case %s = %v, want %v", hc.Name, fromCase, header)
			}
			if hc.ObjectRoot != c.ObjectRoot || hc.SigningRoot != c.SigningRoot {
				t.Errorf("header case %s signs %s/%s, block signs %s/%s", hc.Name, hc.ObjectRoot, hc.SigningRoot, c.ObjectRoot, c.SigningRoot)
			}
			seen[c.Fork] = true
		})
	}
	for _, fork := range kaForkNames {
		if !seen[fork] {
			t.Errorf("no %s block", fork)
		}
	}
}

func kaFirstSlot(t *testing.T, name eth2spec.DataVersion) phase0.Slot {
	t.Helper()
	f, err := signing.MainnetForkSchedule().ByName(name)
	if err != nil {
		t.Fatal(err)
	}
	return phase0.Slot(uint64(f.Epoch) * 32)
}

// kaSetBlockSlot moves a decoded block to another slot.
func kaSetBlockSlot(t *testing.T, b *eth2spec.VersionedBeaconBlock, slot phase0.Slot) {
	t.Helper()
	switch b.Version {
	case eth2spec.DataVersionPhase0:
		b.Phase0.Slot = slot
	case eth2spec.DataVersionAltair:
		b.Altair.Slot = slot
	case eth2spec.DataVersionBellatrix:
		b.Bellatrix.Slot = slot
	case eth2spec.DataVersionCapella:
		b.Capella.Slot = slot
	case eth2spec.DataVersionDeneb:
		b.Deneb.Slot = slot
	case eth2spec.DataVersionElectra:
		b.Electra.Slot = slot
	case eth2spec.DataVersionFulu:
		b.Fulu.Slot = slot
	default:
		t.Fatalf("unknown version %s", b.Version)
	}
}

// TestKnownAnswerRefusesBlockOfWrongFork moves each known-answer block one
// slot outside its fork (to the last slot before it, and to the first slot of
// the next fork) and expects the block to be refused.
func TestKnownAnswerRefusesBlockOfWrongFork(t *testing.T) {
	chain := kaChain()
	for _, c := range loadKnownAnswers(t) {
		if c.MessageType != "beacon_block" || !strings.HasSuffix(c.Name, "/full") {
			continue
		}
		version := kaVersion(t, c.Fork)
		var slots []phase0.Slot
		if version > eth2spec.DataVersionPhase0 {
			slots = append(slots, kaFirstSlot(t, version)-1)
		}
		if version < signing.LatestName {
			slots = append(slots, kaFirstSlot(t, version+1))
		}
		for _, slot := range slots {
			t.Run(fmt.Sprintf("%s/at_slot_%d", c.Name, slot), func(t *testing.T) {
				block := kaBlock(t, c)
				kaSetBlockSlot(t, block, slot)
				if in, err := chain.BeaconBlock(block); err == nil {
					t.Errorf("%s block at slot %d accepted: %+v", version, slot, in)
				}
			})
		}
	}
	// Electra and fulu blocks share a Go type: relabel each as the other.
	for _, c := range loadKnownAnswers(t) {
		if c.MessageType != "beacon_block" || !strings.HasSuffix(c.Name, "/full") {
			continue
		}
		block := kaBlock(t, c)
		switch block.Version {
		case eth2spec.DataVersionElectra:
			block.Version, block.Fulu, block.Electra = eth2spec.DataVersionFulu, block.Electra, nil
		case eth2spec.DataVersionFulu:
			block.Version, block.Electra, block.Fulu = eth2spec.DataVersionElectra, block.Fulu, nil
		default:
			continue
		}
		if in, err := chain.BeaconBlock(block); err == nil {
			t.Errorf("%s relabelled %s accepted: %+v", c.Name, block.Version, in)
		}
	}
}

// TestKnownAnswerRefusesAggregateOfWrongFork relabels known-answer aggregates
// across the Electra boundary.
func TestKnownAnswerRefusesAggregateOfWrongFork(t *testing.T) {
	chain := kaChain()
	electraSlot := kaFirstSlot(t, eth2spec.DataVersionElectra)
	for _, c := range loadKnownAnswers(t) {
		if c.MessageType != "aggregate_and_proof" {
			continue
		}
		switch c.Fork {
		case "deneb":
			ap := kaAggregateAndProof(t, c)
			ap.Deneb.Aggregate.Data.Slot = electraSlot
			if _, err := chain.AggregateAndProof(ap); err == nil {
				t.Errorf("%s: deneb aggregate at electra slot %d accepted", c.Name, electraSlot)
			}
		case "electra":
			ap := kaAggregateAndProof(t, c)
			ap.Electra.Aggregate.Data.Slot = electraSlot - 1
			if _, err := chain.AggregateAndProof(ap); err == nil {
				t.Errorf("%s: electra aggregate at deneb slot %d accepted", c.Name, electraSlot-1)
			}
		}
	}
}

// TestKnownAnswerRefusesSyncCommitteeInPhase0 expects every sync committee
// message type to be refused before Altair, including the last phase0 slot,
// for which altair/validator.md says no signatures are produced.
func TestKnownAnswerRefusesSyncCommitteeInPhase0(t *testing.T) {
	chain := kaChain()
	lastPhase0 := kaFirstSlot(t, eth2spec.DataVersionAltair) - 1
	for _, slot := range []phase0.Slot{0, 12345, lastPhase0} {
		if in, err := chain.SyncCommitteeMessage(slot, phase0.Root{1}); err == nil {
			t.Errorf("sync committee message at phase0 slot %d accepted: %+v", slot, in)
		}
		if in, err := chain.SyncCommitteeSelectionProof(&altair.SyncAggregatorSelectionData{Slot: slot, SubcommitteeIndex: 1}); err == nil {
			t.Errorf("sync committee selection proof at phase0 slot %d accepted: %+v", slot, in)
		}
		cp := &altair.ContributionAndProof{Contribution: &altair.SyncCommitteeContribution{
			Slot: slot, AggregationBits: make([]byte, 16),
		}}
		if in, err := chain.ContributionAndProof(cp); err == nil {
			t.Errorf("contribution and proof at phase0 slot %d accepted: %+v", slot, in)
		}
	}
	// The same messages one slot later, in Altair, are accepted.
	firstAltair := lastPhase0 + 1
	if _, err := chain.SyncCommitteeMessage(firstAltair, phase0.Root{1}); err != nil {
		t.Errorf("sync committee message at the first altair slot refused: %v", err)
	}
	if _, err := chain.SyncCommitteeSelectionProof(&altair.SyncAggregatorSelectionData{Slot: firstAltair, SubcommitteeIndex: 1}); err != nil {
		t.Errorf("sync committee selection proof at the first altair slot refused: %v", err)
	}
	cp := &altair.ContributionAndProof{Contribution: &altair.SyncCommitteeContribution{
		Slot: firstAltair, AggregationBits: make([]byte, 16),
	}}
	if _, err := chain.ContributionAndProof(cp); err != nil {
		t.Errorf("contribution and proof at the first altair slot refused: %v", err)
	}
}
