package main

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"
	dynssz "github.com/pk910/dynamic-ssz"
	"gopkg.in/yaml.v3"

	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/versioned"
)

func init() {
	register(generator{
		Runner:   "signing",
		Summary:  "object root, fork version, domain and signing root of every message a validator signs, on both sides of every fork boundary, phase0..fulu; refusals of messages in the wrong fork",
		Generate: genSigning,
	})
}

// How each message type is signed (SPEC.md section 3), for meta.yaml.
var signingRules = map[string]string{
	"attestation_data":               "DOMAIN_BEACON_ATTESTER with the fork version of the target epoch",
	"beacon_block":                   "DOMAIN_BEACON_PROPOSER with the fork version of the block's epoch, over hash_tree_root of that fork's BeaconBlock",
	"beacon_block_header":            "DOMAIN_BEACON_PROPOSER with the fork version of the slot's epoch: a header signs exactly as its block",
	"randao_reveal":                  "DOMAIN_RANDAO over hash_tree_root(uint64 epoch) with the fork version of that epoch",
	"aggregation_slot":               "DOMAIN_SELECTION_PROOF over hash_tree_root(uint64 slot) with the fork version of the slot's epoch",
	"aggregate_and_proof":            "DOMAIN_AGGREGATE_AND_PROOF with the fork version of the aggregate's slot; the phase0 container before Electra, the electra one from Electra on",
	"sync_committee_message":         "DOMAIN_SYNC_COMMITTEE over the beacon block root itself with the fork version of the slot's epoch",
	"sync_committee_selection_proof": "DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF over SyncAggregatorSelectionData with the fork version of the slot's epoch",
	"contribution_and_proof":         "DOMAIN_CONTRIBUTION_AND_PROOF with the fork version of the contribution's slot",
	"voluntary_exit":                 "DOMAIN_VOLUNTARY_EXIT: before Deneb get_domain at the current epoch (the previous fork version for an exit epoch before the current fork), from Deneb on CAPELLA_FORK_VERSION (EIP-7044)",
	"validator_registration":         "DOMAIN_APPLICATION_BUILDER with GENESIS_FORK_VERSION and a zero genesis validators root, whatever the fork",
	"deposit_message":                "DOMAIN_DEPOSIT with GENESIS_FORK_VERSION and a zero genesis validators root, whatever the fork",
}

type sigCase struct {
	preset, suite, name string
	chain               signing.Chain
	dirFork             eth2spec.DataVersion // fork directory: the fork in force at the message's epoch
	msgType             string
	msgFork             eth2spec.DataVersion // fork whose container definitions the message uses
	sszType             string
	obj                 sszObject // container messages
	basic               []byte    // basic-type messages (uint64, Root): the SSZ encoding
	value               *yaml.Node
	slot, currentEpoch  *uint64
	signer              *uint64
	compute             func() (signing.SigningInput, error)
	ka                  *knownAnswer
	wantErr             string
	note                string
}

func u64(v uint64) *uint64 { return &v }

func (w *Writer) addSigning(sc sigCase) {
	c := &Case{Preset: sc.preset, Fork: sc.dirFork.String(), Runner: "signing", Handler: sc.msgType, Suite: sc.suite, Name: sc.name}
	rule := signingRules[sc.msgType]
	if rule == "" {
		panic("no rule for " + sc.msgType)
	}
	refs := []string{"SPEC.md section 3 (signing)", "SPEC.md deviation 1 (fork version from the schedule, genesis validators root always included)", "consensus-specs compute_domain, get_domain, compute_signing_root"}
	if sc.ka != nil {
		refs = append(refs, "independent known answer "+sc.ka.Name+" in spec/signing/testdata/knownanswers/known_answers.json (gen.py, standard-library Python)")
	}
	c.Meta = Meta{References: refs}
	in, err := sc.compute()
	if sc.wantErr != "" {
		if err == nil {
			panic(fmt.Sprintf("%s: the spec signs it, the case expects %s", c.Path(), sc.wantErr))
		}
		c.Meta.Description = fmt.Sprintf("a %s that must not be signed: %s", sc.msgType, sc.note)
		c.Meta.Proves = "the implementation refuses to compute a signing root for it (" + sc.wantErr + ")"
	} else {
		if err != nil {
			panic(fmt.Sprintf("%s: %v", c.Path(), err))
		}
		c.Meta.Description = fmt.Sprintf("a %s on the %s chain of chain.yaml. %s", sc.msgType, sc.preset, sc.note)
		c.Meta.Proves = "the implementation signs a " + sc.msgType + " with " + rule
		if sc.ka != nil {
			for _, f := range []struct {
				what string
				got  []byte
				want string
			}{{"object_root", in.ObjectRoot[:], sc.ka.ObjectRoot}, {"fork_version", in.ForkVersion[:], sc.ka.ForkVersion},
				{"domain", in.Domain[:], sc.ka.Domain}, {"signing_root", in.SigningRoot[:], sc.ka.SigningRoot}} {
				if "0x"+hex.EncodeToString(f.got) != f.want {
					panic(fmt.Sprintf("%s: %s %#x disagrees with the known answer %s", c.Path(), f.what, f.got, f.want))
				}
			}
		}
	}
	c.YAML("chain", chainNode(sc.chain))
	if sc.obj != nil && sc.preset == "minimal" {
		// Preset-sized containers (blocks, Electra aggregates,
		// contributions) are encoded with the minimal preset's sizes; the
		// others encode the same in both presets.
		c.SSZ("message", presetSSZ{sc.obj, fullMinimalSSZ}, sc.value)
	} else if sc.obj != nil {
		c.SSZ("message", sc.obj, sc.value)
	} else {
		var root [32]byte
		switch len(sc.basic) {
		case 8:
			root = signing.Uint64Root(binary.LittleEndian.Uint64(sc.basic))
		case 32:
			copy(root[:], sc.basic)
		default:
			panic("basic message of unexpected size")
		}
		c.SSZBytes("message", sc.basic, root, sc.value)
	}
	inputs := mapNode("message_type", sc.msgType, "message_ssz_type", sc.sszType, "message_fork", sc.msgFork.String())
	if sc.slot != nil {
		inputs.Content = append(inputs.Content, strNode("slot"), uintNode(*sc.slot))
	}
	if sc.currentEpoch != nil {
		inputs.Content = append(inputs.Content, strNode("current_epoch"), uintNode(*sc.currentEpoch))
	}
	if sc.signer != nil && sc.wantErr == "" {
		inputs.Content = append(inputs.Content, strNode("signer"), mapNode("validator_index", *sc.signer, "public_key", interop(*sc.signer).pub()))
	}
	c.YAML("inputs", inputs)
	if sc.wantErr != "" {
		c.YAML("output", mapNode("error", sc.wantErr))
	} else {
		out := mapNode("object_root", Hex(in.ObjectRoot[:]), "fork_version", Hex(in.ForkVersion[:]), "domain", Hex(in.Domain[:]), "signing_root", Hex(in.SigningRoot[:]))
		if sc.signer != nil {
			sig := sign(interop(*sc.signer).Secret, in.SigningRoot[:])
			out.Content = append(out.Content, strNode("signature"), hexNode(sig[:]))
			c.Meta.Keys = interopKeysNode(*sc.signer)
		}
		c.YAML("output", out)
	}
	w.Add(c)
}

// --- known answers ----------------------------------------------------------

type knownAnswer struct {
	Name            string          `json:"name"`
	MessageType     string          `json:"message_type"`
	Fork            string          `json:"fork"`
	Message         json.RawMessage `json:"message"`
	Epoch           string          `json:"epoch"`
	Slot            string          `json:"slot"`
	CurrentEpoch    string          `json:"current_epoch"`
	BeaconBlockRoot string          `json:"beacon_block_root"`
	BlockCase       string          `json:"block_case"`
	ObjectRoot      string          `json:"object_root"`
	ForkVersion     string          `json:"fork_version"`
	Domain          string          `json:"domain"`
	SigningRoot     string          `json:"signing_root"`
}

// moduleRoot finds the directory holding go.mod, from the working
// directory upwards (go run ./tools/vectorgen runs at the root, go test in
// tools/vectorgen).
func moduleRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			panic("vectorgen: go.mod not found above the working directory")
		}
		dir = parent
	}
}

func loadKnownAnswers() []knownAnswer {
	raw, err := os.ReadFile(filepath.Join(moduleRoot(), "spec", "signing", "testdata", "knownanswers", "known_answers.json"))
	if err != nil {
		panic(err)
	}
	var out []knownAnswer
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		panic(err)
	}
	return out
}

func forkByName(name string) eth2spec.DataVersion {
	for _, f := range forkNames {
		if f.String() == name {
			return f
		}
	}
	panic("unknown fork " + name)
}

func kaUint(s string) uint64 {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		panic(err)
	}
	return v
}

func decodeInto(raw json.RawMessage, v any) {
	if err := json.Unmarshal(raw, v); err != nil {
		panic(err)
	}
}

// knownAnswerCases turns the known answers whose messages carry no BLS
// value into vectors: their expected outputs come from an implementation
// independent of this project's Go code. (Blocks, aggregates,
// contributions, registrations and deposits of the known answers carry
// random bytes where BLS values belong; those message types are generated
// below with real values instead.)
func knownAnswerCases(w *Writer) {
	chain := mainnetChain()
	answers := loadKnownAnswers()
	for i := range answers {
		ka := answers[i]
		parts := strings.Split(ka.Name, "/")
		if len(parts) != 3 {
			continue
		}
		sc := sigCase{preset: "mainnet", suite: "known_answer", name: parts[2], chain: chain, dirFork: forkByName(ka.Fork),
			msgType: ka.MessageType, msgFork: forkByName(ka.Fork), ka: &ka}
		switch ka.MessageType {
		case "attestation_data":
			data := &phase0.AttestationData{}
			decodeInto(ka.Message, data)
			sc.sszType, sc.obj, sc.value = "AttestationData", data, jsonNode(data)
			sc.signer = u64(deriveUint("signing/attester/"+ka.Name, 1<<21))
			sc.compute = func() (signing.SigningInput, error) { return chain.AttestationData(data) }
			sc.note = "The attester is the interop validator of inputs.yaml signer."
		case "beacon_block_header":
			h := &phase0.BeaconBlockHeader{}
			decodeInto(ka.Message, h)
			sc.sszType, sc.obj, sc.value = "BeaconBlockHeader", h, jsonNode(h)
			sc.signer = u64(uint64(h.ProposerIndex))
			sc.compute = func() (signing.SigningInput, error) { return chain.BeaconBlockHeader(h) }
			sc.note = "Signed by the proposer's interop key."
		case "randao_reveal":
			e := kaUint(ka.Epoch)
			sc.sszType, sc.basic, sc.value = "uint64", binary.LittleEndian.AppendUint64(nil, e), uintNode(e)
			sc.signer = u64(deriveUint("signing/proposer/"+ka.Name, 1<<21))
			sc.compute = func() (signing.SigningInput, error) { return chain.RandaoReveal(phase0.Epoch(e)) }
			sc.note = "The message is the epoch."
		case "aggregation_slot":
			s := kaUint(ka.Slot)
			sc.sszType, sc.basic, sc.value = "uint64", binary.LittleEndian.AppendUint64(nil, s), uintNode(s)
			sc.signer = u64(deriveUint("signing/aggregator/"+ka.Name, 1<<21))
			sc.compute = func() (signing.SigningInput, error) { return chain.AggregationSlot(phase0.Slot(s)) }
			sc.note = "The message is the slot."
		case "sync_committee_message":
			msg := &altair.SyncCommitteeMessage{}
			decodeInto(ka.Message, msg)
			root := msg.BeaconBlockRoot
			sc.sszType, sc.basic, sc.value = "Root", root[:], hexNode(root[:])
			sc.slot = u64(uint64(msg.Slot))
			sc.signer = u64(uint64(msg.ValidatorIndex))
			sc.compute = func() (signing.SigningInput, error) { return chain.SyncCommitteeMessage(msg.Slot, root) }
			sc.note = "The message is the beacon block root; the slot is in inputs.yaml."
		case "sync_committee_selection_proof":
			var j struct {
				Slot              string `json:"slot"`
				SubcommitteeIndex string `json:"subcommittee_index"`
			}
			decodeInto(ka.Message, &j)
			data := &altair.SyncAggregatorSelectionData{Slot: phase0.Slot(kaUint(j.Slot)), SubcommitteeIndex: kaUint(j.SubcommitteeIndex)}
			sc.sszType, sc.obj, sc.value = "SyncAggregatorSelectionData", data, containerNode(data)
			sc.signer = u64(deriveUint("signing/sync_aggregator/"+ka.Name, 1<<21))
			sc.compute = func() (signing.SigningInput, error) { return chain.SyncCommitteeSelectionProof(data) }
		case "voluntary_exit":
			exit := &phase0.VoluntaryExit{}
			decodeInto(ka.Message, exit)
			cur := kaUint(ka.CurrentEpoch)
			sc.sszType, sc.obj, sc.value = "VoluntaryExit", exit, jsonNode(exit)
			sc.currentEpoch = u64(cur)
			sc.signer = u64(uint64(exit.ValidatorIndex))
			sc.compute = func() (signing.SigningInput, error) { return chain.VoluntaryExit(exit, phase0.Epoch(cur)) }
			sc.note = fmt.Sprintf("Exit epoch %d verified at current epoch %d (inputs.yaml).", exit.Epoch, cur)
		default:
			continue
		}
		w.addSigning(sc)
	}
}

// --- generated messages -----------------------------------------------------

type forkSpan struct {
	fork        eth2spec.DataVersion
	first, last phase0.Epoch
}

func spans(c signing.Chain, farFuture phase0.Epoch) []forkSpan {
	fs := c.Forks.Forks()
	var out []forkSpan
	for i, f := range fs {
		last := farFuture
		if i+1 < len(fs) && fs[i+1].Epoch != signing.FarFutureEpoch {
			last = fs[i+1].Epoch - 1
		}
		if f.Epoch == signing.FarFutureEpoch {
			continue
		}
		out = append(out, forkSpan{f.Name, f.Epoch, last})
	}
	return out
}

func blockCase(c signing.Chain, preset, suite, name string, fork eth2spec.DataVersion, slot phase0.Slot, proposer uint64, wantErr, note string) sigCase {
	b := buildBlock(c, fork, slot, proposer, fmt.Sprintf("signing/%s/block/%s/%s", preset, fork, name))
	obj := blockObject(b)
	return sigCase{preset: preset, suite: suite, name: name, chain: c, dirFork: forkAt(c, slot), msgType: "beacon_block", msgFork: fork,
		sszType: "BeaconBlock", obj: obj, value: jsonNode(obj), signer: u64(proposer), wantErr: wantErr, note: note,
		compute: func() (signing.SigningInput, error) { return c.BeaconBlock(b) }}
}

func aggregateCase(c signing.Chain, preset, suite, name string, fork eth2spec.DataVersion, slot phase0.Slot, aggregator uint64, wantErr, note string) sigCase {
	ap := aggregateAndProof(c, fork, slot, aggregator, fmt.Sprintf("signing/%s/aggregate/%s/%s", preset, fork, name))
	obj := must(versioned.AggregateAndProof(ap))
	return sigCase{preset: preset, suite: suite, name: name, chain: c, dirFork: forkAt(c, slot), msgType: "aggregate_and_proof", msgFork: fork,
		sszType: "AggregateAndProof", obj: obj, value: jsonNode(obj), signer: u64(aggregator), wantErr: wantErr, note: note,
		compute: func() (signing.SigningInput, error) { return c.AggregateAndProof(ap) }}
}

func contributionCase(c, signChain signing.Chain, preset, suite, name string, slot phase0.Slot, aggregator, sub uint64, wantErr, note string) sigCase {
	cp := contributionAndProof(signChain, slot, aggregator, sub, fmt.Sprintf("signing/%s/contribution/%s", preset, name))
	return sigCase{preset: preset, suite: suite, name: name, chain: c, dirFork: forkAt(c, slot), msgType: "contribution_and_proof", msgFork: forkAt(c, slot),
		sszType: "ContributionAndProof", obj: cp, value: jsonNode(cp), signer: u64(aggregator), wantErr: wantErr, note: note,
		compute: func() (signing.SigningInput, error) { return c.ContributionAndProof(cp) }}
}

func genSigning(w *Writer) {
	knownAnswerCases(w)

	// Mainnet: blocks, aggregates and contributions with real signatures
	// inside, on both sides of every fork boundary.
	main := mainnetChain()
	for _, s := range spans(main, 1<<40) {
		firstSlot := phase0.Slot(uint64(s.first) * 32)
		if s.fork == eth2spec.DataVersionPhase0 {
			firstSlot = 1
		}
		lastSlot := phase0.Slot(uint64(s.last)*32 + 31)
		for _, pos := range []struct {
			name string
			slot phase0.Slot
		}{{"first_slot", firstSlot}, {"last_slot", lastSlot}} {
			label := fmt.Sprintf("%s/%s", s.fork, pos.name)
			note := fmt.Sprintf("Slot %d, the %s of %s.", pos.slot, strings.ReplaceAll(pos.name, "_", " "), s.fork)
			if s.fork == eth2spec.DataVersionFulu && pos.name == "last_slot" {
				note = fmt.Sprintf("Slot %d, far in fulu.", pos.slot)
			}
			w.addSigning(blockCase(main, "mainnet", "generated", pos.name, s.fork, pos.slot, 1000+deriveUint("signing/proposer/"+label, 1<<20), "",
				note+" The body carries a real RANDAO reveal, a signed voluntary exit and, from the fork that introduced them, a BLS-to-execution change, blob commitment and deposit request with real signatures."))
			w.addSigning(aggregateCase(main, "mainnet", "generated", pos.name, s.fork, pos.slot, 1000+deriveUint("signing/aggregator/"+label, 1<<20), "",
				note+" The selection proof and the single-participant aggregate signature are real."))
			if s.fork >= eth2spec.DataVersionAltair {
				w.addSigning(contributionCase(main, main, "mainnet", "generated", pos.name, pos.slot, 1000+deriveUint("signing/sync/"+label, 1<<20), deriveUint("signing/sub/"+label, 4), "",
					note+" The selection proof and the single-participant contribution signature are real."))
			}
		}
	}
	for i, v := range []uint64{11, 12, 13} {
		reg := validatorRegistration(v, fmt.Sprintf("signing/registration/%d", i))
		w.addSigning(sigCase{preset: "mainnet", suite: "generated", name: fmt.Sprintf("interop_%d", v), chain: main, dirFork: eth2spec.DataVersionPhase0,
			msgType: "validator_registration", msgFork: eth2spec.DataVersionPhase0, sszType: "ValidatorRegistrationV1", obj: reg, value: jsonNode(reg),
			signer: u64(v), note: "The registration of an interop validator; the domain does not depend on the fork.",
			compute: func() (signing.SigningInput, error) { return main.ValidatorRegistration(reg) }})
	}
	for _, d := range []struct {
		v      uint64
		amount phase0.Gwei
	}{{21, 32000000000}, {22, 1000000000}, {23, 2048000000000}} {
		msg := depositMessage(d.v, d.amount)
		w.addSigning(sigCase{preset: "mainnet", suite: "generated", name: fmt.Sprintf("interop_%d_%d_gwei", d.v, d.amount), chain: main, dirFork: eth2spec.DataVersionPhase0,
			msgType: "deposit_message", msgFork: eth2spec.DataVersionPhase0, sszType: "DepositMessage", obj: msg, value: jsonNode(msg),
			signer: u64(d.v), note: "A deposit of an interop key with BLS withdrawal credentials; the domain does not depend on the fork.",
			compute: func() (signing.SigningInput, error) { return main.DepositMessage(msg) }})
	}

	genSigningMinimal(w)
	genSigningInvalid(w)
}

// fullMinimalSSZ encodes and hashes go-eth2-client containers with every
// size of the minimal preset.
var fullMinimalSSZ = func() *dynssz.DynSsz {
	return dynssz.NewDynSsz(spec.MinimalConfig().SSZSpec())
}()

// genSigningMinimal signs messages on the minimal preset's staircase chain
// (a fork per epoch, 8 slots per epoch), where every fork boundary is a few
// slots apart: it pins the epoch arithmetic (slot / SLOTS_PER_EPOCH) and the
// minimal fork versions. The chain is signing.NewChain's with the minimal
// preset, so the containers whose shape depends on the preset (blocks with
// a 32-bit sync aggregate, Electra aggregates with 4 committee bits, sync
// contributions with 8 aggregation bits) have the minimal shape and root.
func genSigningMinimal(w *Writer) {
	stair := minimalStaircaseChain()
	c, err := signing.NewChain(stair.Forks, stair.GenesisValidatorsRoot, spec.MinimalConfig())
	if err != nil {
		panic(err)
	}
	for _, s := range spans(c, 20) {
		for _, pos := range []struct {
			name string
			slot phase0.Slot
		}{{"first_slot", phase0.Slot(uint64(s.first) * 8)}, {"last_slot", phase0.Slot(uint64(s.last)*8 + 7)}} {
			slot := pos.slot
			epoch := phase0.Epoch(uint64(slot) / 8)
			label := fmt.Sprintf("signing/minimal/%s/%s", s.fork, pos.name)
			note := fmt.Sprintf("Slot %d (epoch %d), the %s of %s on the staircase chain.", slot, epoch, strings.ReplaceAll(pos.name, "_", " "), s.fork)
			index := phase0.CommitteeIndex(2)
			if s.fork >= eth2spec.DataVersionElectra {
				index = 0
			}
			data := attestationData(c, slot, index, label)
			w.addSigning(sigCase{preset: "minimal", suite: "fork_staircase", name: pos.name, chain: c, dirFork: s.fork, msgType: "attestation_data", msgFork: s.fork,
				sszType: "AttestationData", obj: data, value: jsonNode(data), signer: u64(deriveUint(label+"/attester", 1<<20)), note: note,
				compute: func() (signing.SigningInput, error) { return c.AttestationData(data) }})
			header := &phase0.BeaconBlockHeader{Slot: slot, ProposerIndex: phase0.ValidatorIndex(deriveUint(label+"/proposer", 1<<20)),
				ParentRoot: deriveRoot(label + "/parent"), StateRoot: deriveRoot(label + "/state"), BodyRoot: deriveRoot(label + "/body")}
			w.addSigning(sigCase{preset: "minimal", suite: "fork_staircase", name: pos.name, chain: c, dirFork: s.fork, msgType: "beacon_block_header", msgFork: s.fork,
				sszType: "BeaconBlockHeader", obj: header, value: jsonNode(header), signer: u64(uint64(header.ProposerIndex)), note: note,
				compute: func() (signing.SigningInput, error) { return c.BeaconBlockHeader(header) }})
			w.addSigning(sigCase{preset: "minimal", suite: "fork_staircase", name: pos.name, chain: c, dirFork: s.fork, msgType: "randao_reveal", msgFork: s.fork,
				sszType: "uint64", basic: binary.LittleEndian.AppendUint64(nil, uint64(epoch)), value: uintNode(uint64(epoch)),
				signer: u64(uint64(header.ProposerIndex)), note: note + " The message is the epoch.",
				compute: func() (signing.SigningInput, error) { return c.RandaoReveal(epoch) }})
			w.addSigning(sigCase{preset: "minimal", suite: "fork_staircase", name: pos.name, chain: c, dirFork: s.fork, msgType: "aggregation_slot", msgFork: s.fork,
				sszType: "uint64", basic: binary.LittleEndian.AppendUint64(nil, uint64(slot)), value: uintNode(uint64(slot)),
				signer: u64(deriveUint(label+"/aggregator", 1<<20)), note: note + " The message is the slot.",
				compute: func() (signing.SigningInput, error) { return c.AggregationSlot(slot) }})
			if s.fork <= eth2spec.DataVersionDeneb {
				w.addSigning(aggregateCase(c, "minimal", "fork_staircase", pos.name, s.fork, slot, deriveUint(label+"/aggregator", 1<<20), "",
					note+" The phase0 AggregateAndProof container is the same in both presets."))
			} else {
				w.addSigning(aggregateCase(c, "minimal", "fork_staircase", pos.name, s.fork, slot, deriveUint(label+"/aggregator", 1<<20), "",
					note+" The electra AggregateAndProof of the minimal preset: committee_bits is a Bitvector[4] (MAX_COMMITTEES_PER_SLOT), one byte."))
			}
			w.addSigning(blockCase(c, "minimal", "fork_staircase", pos.name, s.fork, slot, deriveUint(label+"/proposer", 1<<20), "",
				note+" A block of the minimal preset (from altair its sync aggregate has SYNC_COMMITTEE_SIZE = 32 bits) with a real RANDAO reveal, exit and, from their forks, BLS-to-execution change and deposit request."))
			if s.fork >= eth2spec.DataVersionAltair {
				root := deriveRoot(label + "/head")
				w.addSigning(sigCase{preset: "minimal", suite: "fork_staircase", name: pos.name, chain: c, dirFork: s.fork, msgType: "sync_committee_message", msgFork: s.fork,
					sszType: "Root", basic: root[:], value: hexNode(root[:]), slot: u64(uint64(slot)),
					signer: u64(deriveUint(label+"/sync", 1<<20)), note: note + " The message is the beacon block root; the slot is in inputs.yaml.",
					compute: func() (signing.SigningInput, error) { return c.SyncCommitteeMessage(slot, root) }})
				w.addSigning(contributionCase(c, c, "minimal", "fork_staircase", pos.name, slot, deriveUint(label+"/sync", 1<<20), deriveUint(label+"/sub", 4), "",
					note+" A contribution of the minimal preset: its aggregation bits are a Bitvector[8] (32 / 4 subnets)."))
				sel := &altair.SyncAggregatorSelectionData{Slot: slot, SubcommitteeIndex: deriveUint(label+"/sub", 4)}
				w.addSigning(sigCase{preset: "minimal", suite: "fork_staircase", name: pos.name, chain: c, dirFork: s.fork, msgType: "sync_committee_selection_proof", msgFork: s.fork,
					sszType: "SyncAggregatorSelectionData", obj: sel, value: containerNode(sel), signer: u64(deriveUint(label+"/sync", 1<<20)), note: note,
					compute: func() (signing.SigningInput, error) { return c.SyncCommitteeSelectionProof(sel) }})
			}
		}
	}
	// Voluntary exits across the staircase: the state fork's previous
	// version before Deneb, Capella's version from Deneb on.
	for _, e := range []struct {
		name           string
		exit, current  phase0.Epoch
		validatorLabel string
	}{
		{"phase0_exit_in_phase0", 0, 0, "a"},
		{"phase0_exit_in_altair", 0, 1, "b"},
		{"altair_exit_in_bellatrix", 1, 2, "c"},
		{"altair_exit_in_capella", 1, 3, "d"},
		{"capella_exit_in_deneb", 3, 4, "e"},
		{"phase0_exit_in_deneb", 0, 4, "f"},
		{"deneb_exit_in_electra", 4, 5, "g"},
		{"electra_exit_in_fulu", 5, 6, "h"},
		{"fulu_exit_in_fulu", 7, 9, "i"},
	} {
		v := deriveUint("signing/minimal/exit/"+e.validatorLabel, 1<<20)
		exit := &phase0.VoluntaryExit{Epoch: e.exit, ValidatorIndex: phase0.ValidatorIndex(v)}
		cur := e.current
		w.addSigning(sigCase{preset: "minimal", suite: "fork_staircase", name: e.name, chain: c, dirFork: forkAt(c, phase0.Slot(uint64(cur)*8)),
			msgType: "voluntary_exit", msgFork: forkAt(c, phase0.Slot(uint64(cur)*8)), sszType: "VoluntaryExit", obj: exit, value: jsonNode(exit),
			currentEpoch: u64(uint64(cur)), signer: u64(v), note: fmt.Sprintf("Exit epoch %d verified at current epoch %d.", e.exit, cur),
			compute: func() (signing.SigningInput, error) { return c.VoluntaryExit(exit, cur) }})
	}
}

// genSigningInvalid writes messages the spec refuses to sign.
func genSigningInvalid(w *Writer) {
	main := mainnetChain()
	electraSlot := phase0.Slot(uint64(forkStart(main, eth2spec.DataVersionElectra)) * 32)
	altairSlot := phase0.Slot(uint64(forkStart(main, eth2spec.DataVersionAltair)) * 32)
	w.addSigning(blockCase(main, "mainnet", "invalid", "deneb_block_at_electra_slot", eth2spec.DataVersionDeneb, electraSlot, 77, "wrong_fork",
		"a deneb-shaped block at the first electra slot"))
	w.addSigning(blockCase(main, "mainnet", "invalid", "electra_block_at_deneb_slot", eth2spec.DataVersionElectra, electraSlot-1, 78, "wrong_fork",
		"an electra-shaped block at the last deneb slot"))
	w.addSigning(blockCase(main, "mainnet", "invalid", "phase0_block_at_altair_slot", eth2spec.DataVersionPhase0, altairSlot, 79, "wrong_fork",
		"a phase0-shaped block at the first altair slot"))
	w.addSigning(aggregateCase(main, "mainnet", "invalid", "deneb_aggregate_at_electra_slot", eth2spec.DataVersionDeneb, electraSlot, 80, "wrong_fork",
		"a phase0 AggregateAndProof container at the first electra slot, where the electra container is in force"))
	w.addSigning(aggregateCase(main, "mainnet", "invalid", "electra_aggregate_at_deneb_slot", eth2spec.DataVersionElectra, electraSlot-1, 81, "wrong_fork",
		"an electra AggregateAndProof container at the last deneb slot"))

	lastPhase0 := altairSlot - 1
	root := deriveRoot("signing/invalid/head")
	w.addSigning(sigCase{preset: "mainnet", suite: "invalid", name: "last_phase0_slot", chain: main, dirFork: eth2spec.DataVersionPhase0,
		msgType: "sync_committee_message", msgFork: eth2spec.DataVersionPhase0, sszType: "Root", basic: root[:], value: hexNode(root[:]), slot: u64(uint64(lastPhase0)),
		wantErr: "before_altair", note: "a sync committee message at the last phase0 slot, before sync committees exist",
		compute: func() (signing.SigningInput, error) { return main.SyncCommitteeMessage(lastPhase0, root) }})
	sel := &altair.SyncAggregatorSelectionData{Slot: lastPhase0, SubcommitteeIndex: 1}
	w.addSigning(sigCase{preset: "mainnet", suite: "invalid", name: "last_phase0_slot", chain: main, dirFork: eth2spec.DataVersionPhase0,
		msgType: "sync_committee_selection_proof", msgFork: eth2spec.DataVersionPhase0, sszType: "SyncAggregatorSelectionData", obj: sel, value: containerNode(sel),
		wantErr: "before_altair", note: "a sync committee selection proof at the last phase0 slot",
		compute: func() (signing.SigningInput, error) { return main.SyncCommitteeSelectionProof(sel) }})
	// The signatures inside are made as if altair were active (a chain
	// with altair from genesis and mainnet's root), so they are real.
	asIfAltair := fromGenesisChain("mainnet", eth2spec.DataVersionAltair)
	asIfAltair.GenesisValidatorsRoot = mainnetGenesisValidatorsRoot
	w.addSigning(contributionCase(main, asIfAltair, "mainnet", "invalid", "last_phase0_slot", lastPhase0, 82, 2, "before_altair",
		"a contribution and proof at the last phase0 slot (its inner signatures are made with altair's domain, as if altair were active)"))

	exit := &phase0.VoluntaryExit{Epoch: 364033, ValidatorIndex: 83}
	w.addSigning(sigCase{preset: "mainnet", suite: "invalid", name: "future_exit", chain: main, dirFork: eth2spec.DataVersionElectra,
		msgType: "voluntary_exit", msgFork: eth2spec.DataVersionElectra, sszType: "VoluntaryExit", obj: exit, value: jsonNode(exit), currentEpoch: u64(364032),
		wantErr: "future_exit", note: "an exit for epoch 364033 verified at epoch 364032: process_voluntary_exit refuses exits from the future",
		compute: func() (signing.SigningInput, error) { return main.VoluntaryExit(exit, 364032) }})
}
