package main

import (
	"fmt"

	"github.com/attestantio/go-eth2-client/spec/phase0"
	"gopkg.in/yaml.v3"

	"github.com/dvspec/go-dvspec/spec/names"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

func init() {
	register(generator{
		Runner:   "slashing",
		Summary:  "EIP-3076 slashing protection: every rule of the complete and minimal strategies as single checks, with their precedence, as sequences of signings, and interchange import/export",
		Generate: genSlashing,
	})
}

const slashingRef = "SPEC.md section 4 (slashing protection)"

// Slashing cases use interop validators 0 ("alice"), 1 ("bob") and 2; every
// signing root is root(label) = sha256("dvspec/vectors/slashing/root/" +
// label), or absent.

func sroot(label string) *phase0.Root {
	r := deriveRoot("slashing/root/" + label)
	return &r
}

func pk(v uint64) phase0.BLSPubKey { return interop(v).Public }

// step is one entry of steps.yaml.
type step struct {
	kind     string // check_attestation, insert_attestation, check_block, insert_block, import_interchange, export_interchange
	v        uint64
	source   phase0.Epoch
	target   phase0.Epoch
	slot     phase0.Slot
	root     *phase0.Root
	strategy string // complete (default) or minimal
	want     string // ok or a result name
	file     []byte // import: the interchange file
	export   string // export: complete or minimal
}

func att(kind string, v uint64, s, t phase0.Epoch, root *phase0.Root, want string) step {
	return step{kind: kind + "_attestation", v: v, source: s, target: t, root: root, want: want}
}

func blk(kind string, v uint64, slot phase0.Slot, root *phase0.Root, want string) step {
	return step{kind: kind + "_block", v: v, slot: slot, root: root, want: want}
}

func minimal(s step) step { s.strategy = "minimal"; return s }

func importStep(file []byte, want string) step {
	return step{kind: "import_interchange", file: file, want: want}
}

func exportStep(strategy string) step { return step{kind: "export_interchange", export: strategy} }

// record is a pre-state record: an attestation or a block.
type record struct {
	v     uint64
	block bool
	slot  phase0.Slot
	s, t  phase0.Epoch
	root  *phase0.Root
}

func ra(v uint64, s, t phase0.Epoch, root *phase0.Root) record {
	return record{v: v, s: s, t: t, root: root}
}
func rb(v uint64, slot phase0.Slot, root *phase0.Root) record {
	return record{v: v, block: true, slot: slot, root: root}
}

type slashingScenario struct {
	handler, suite, name string
	description, proves  string
	refs                 []string
	pre                  []record
	steps                []step
}

func optRootNode(r *phase0.Root) *yaml.Node {
	if r == nil {
		return toNode(nil)
	}
	return hexNode(r[:])
}

func resultName(err error) string {
	if err == nil {
		return "ok"
	}
	names := names.ErrorNames(err)
	if len(names) == 0 {
		return "unnamed error: " + err.Error()
	}
	return names[0]
}

func addSlashing(w *Writer, sc slashingScenario) {
	c := &Case{Preset: "general", Fork: "phase0", Runner: "slashing", Handler: sc.handler, Suite: sc.suite, Name: sc.name}
	refs := append([]string{slashingRef, "EIP-3076"}, sc.refs...)
	keys := map[uint64]bool{}
	db := slashing.New(mainnetGenesisValidatorsRoot)
	for _, r := range sc.pre {
		keys[r.v] = true
		var err error
		if r.block {
			err = db.InsertBlock(pk(r.v), r.slot, r.root)
		} else {
			err = db.InsertAttestation(pk(r.v), r.s, r.t, r.root)
		}
		if err != nil {
			// Histories the rules would refuse to build (slashable data)
			// come in through an interchange import, as in real life.
			if _, ierr := db.ImportInterchange(singleRecordInterchange(r)); ierr != nil {
				panic(ierr)
			}
		}
	}
	c.SSZ("pre", db, containerNode(db))
	var stepNodes []*yaml.Node
	files := 0
	for i, s := range sc.steps {
		var err error
		strategy := s.strategy
		if strategy == "" {
			strategy = "complete"
		}
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		add := func(k string, v any) { n.Content = append(n.Content, strNode(k), toNode(v)) }
		switch s.kind {
		case "check_attestation", "insert_attestation":
			keys[s.v] = true
			add(s.kind, mapNode("pubkey", interop(s.v).pub(), "source_epoch", uint64(s.source), "target_epoch", uint64(s.target), "signing_root", optRootNode(s.root)))
			add("strategy", strategy)
			switch {
			case s.kind == "check_attestation" && strategy == "complete":
				err = db.CheckAttestation(pk(s.v), s.source, s.target, s.root)
			case s.kind == "check_attestation":
				err = db.CheckAttestationMinimal(pk(s.v), s.source, s.target, s.root)
			case strategy == "complete":
				err = db.InsertAttestation(pk(s.v), s.source, s.target, s.root)
			default:
				err = db.InsertAttestationMinimal(pk(s.v), s.source, s.target, s.root)
			}
		case "check_block", "insert_block":
			keys[s.v] = true
			add(s.kind, mapNode("pubkey", interop(s.v).pub(), "slot", uint64(s.slot), "signing_root", optRootNode(s.root)))
			add("strategy", strategy)
			switch {
			case s.kind == "check_block" && strategy == "complete":
				err = db.CheckBlock(pk(s.v), s.slot, s.root)
			case s.kind == "check_block":
				err = db.CheckBlockMinimal(pk(s.v), s.slot, s.root)
			case strategy == "complete":
				err = db.InsertBlock(pk(s.v), s.slot, s.root)
			default:
				err = db.InsertBlockMinimal(pk(s.v), s.slot, s.root)
			}
		case "import_interchange":
			name := fmt.Sprintf("interchange_%d.json", i)
			c.File(name, s.file)
			files++
			add(s.kind, name)
			_, err = db.ImportInterchange(s.file)
		case "export_interchange":
			var out []byte
			if s.export == "minimal" {
				out, err = db.ExportInterchangeMinimal()
			} else {
				out, err = db.ExportInterchange()
			}
			if err != nil {
				panic(err)
			}
			name := fmt.Sprintf("export_%d.json", i)
			c.File(name, out)
			add(s.kind, s.export)
			add("expected", name)
			stepNodes = append(stepNodes, n)
			continue
		default:
			panic(s.kind)
		}
		got := resultName(err)
		if got != s.want {
			panic(fmt.Sprintf("%s: step %d (%s): the spec says %s (%v), the case expects %s", c.Path(), i, s.kind, got, err, s.want))
		}
		add("result", s.want)
		stepNodes = append(stepNodes, n)
	}
	c.YAML("steps", seqNode(stepNodes...))
	c.SSZ("post", db, containerNode(db))
	var vs []uint64
	for v := uint64(0); v < 8; v++ {
		if keys[v] {
			vs = append(vs, v)
		}
	}
	c.Meta = Meta{Description: sc.description, Proves: sc.proves, References: refs, Keys: interopKeysNode(vs...)}
	w.Add(c)
}

// singleRecordInterchange is an interchange file holding one record.
func singleRecordInterchange(r record) []byte {
	if r.block {
		return interchange(mainnetGenesisValidatorsRoot, entry(r.v, []string{blockJSON(r.slot, r.root)}, nil))
	}
	return interchange(mainnetGenesisValidatorsRoot, entry(r.v, nil, []string{attJSON(r.s, r.t, r.root)}))
}

func blockJSON(slot phase0.Slot, root *phase0.Root) string {
	if root == nil {
		return fmt.Sprintf(`{"slot": "%d"}`, slot)
	}
	return fmt.Sprintf(`{"slot": "%d", "signing_root": "%#x"}`, slot, root[:])
}

func attJSON(s, t phase0.Epoch, root *phase0.Root) string {
	if root == nil {
		return fmt.Sprintf(`{"source_epoch": "%d", "target_epoch": "%d"}`, s, t)
	}
	return fmt.Sprintf(`{"source_epoch": "%d", "target_epoch": "%d", "signing_root": "%#x"}`, s, t, root[:])
}

func join(items []string, indent string) string {
	if len(items) == 0 {
		return "[]"
	}
	out := "[\n"
	for i, it := range items {
		out += indent + "  " + it
		if i+1 < len(items) {
			out += ","
		}
		out += "\n"
	}
	return out + indent + "]"
}

func entry(v uint64, blocks, atts []string) string {
	return fmt.Sprintf("{\n      \"pubkey\": \"%#x\",\n      \"signed_blocks\": %s,\n      \"signed_attestations\": %s\n    }",
		[]byte(interop(v).pub()), join(blocks, "      "), join(atts, "      "))
}

func interchange(gvr phase0.Root, entries ...string) []byte {
	return []byte(fmt.Sprintf("{\n  \"metadata\": {\n    \"interchange_format_version\": \"5\",\n    \"genesis_validators_root\": \"%#x\"\n  },\n  \"data\": %s\n}\n",
		gvr[:], join(entries, "  ")))
}

func genSlashing(w *Writer) {
	genSlashingAttestation(w)
	genSlashingBlock(w)
	genSlashingSequence(w)
	genSlashingInterchange(w)
}

// history is the attestation history of alice (validator 0) most single
// checks start from: three consecutive votes, min source 10, min target 11.
func history() []record {
	return []record{ra(0, 10, 11, sroot("h1")), ra(0, 11, 12, sroot("h2")), ra(0, 12, 14, sroot("h3"))}
}

func genSlashingAttestation(w *Writer) {
	ruleRef := func(r string) []string { return []string{"SPEC.md section 4, complete strategy rule " + r} }
	single := func(name, desc, proves string, refs []string, pre []record, s step) {
		addSlashing(w, slashingScenario{handler: "attestation", suite: "complete", name: name, description: desc, proves: proves, refs: refs, pre: pre, steps: []step{s}})
	}
	single("empty_db", "alice's first attestation (1, 2) on an empty DB", "an attestation with no history is safe", ruleRef("1-7"),
		nil, att("check", 0, 1, 2, sroot("a"), "ok"))
	single("genesis_vote", "the genesis attestation (0, 0) on an empty DB", "source = target is allowed by slashing protection (only source > target is refused)", ruleRef("1"),
		nil, att("check", 0, 0, 0, sroot("a"), "ok"))
	single("after_history", "(14, 15) after alice's history (10, 11), (11, 12), (12, 14)", "an attestation later than every record is safe", ruleRef("1-7"),
		history(), att("check", 0, 14, 15, sroot("a"), "ok"))
	single("gap_after_history", "(14, 20) after alice's history: skipping epochs is safe", "a later attestation with a target gap is safe", ruleRef("1-7"),
		history(), att("check", 0, 14, 20, sroot("a"), "ok"))
	single("other_validator_history", "alice's (1, 2) while bob has signed (0, 100)", "histories are per public key: bob's records never refuse alice's messages", ruleRef("1-7"),
		[]record{ra(1, 0, 100, sroot("b"))}, att("check", 0, 1, 2, sroot("a"), "ok"))
	single("repeat_same_root", "alice re-signs (12, 14) with the same signing root", "re-signing the identical message is allowed (EIP-3076 repeat signing; SPEC.md deviation 11)",
		append(ruleRef("2"), "SPEC.md deviation 11"), history(), att("check", 0, 12, 14, sroot("h3"), "ok"))
	single("repeat_zero_root", "a record and a new attestation both with a present all-zero signing root", "a present zero root is an ordinary value: it makes a repeat",
		ruleRef("2"), []record{ra(0, 3, 4, &phase0.Root{})}, att("check", 0, 3, 4, &phase0.Root{}, "ok"))
	single("repeat_absent_new_root", "alice signs (12, 14) again without a signing root", "an absent root is unknown and never makes a repeat: the same target is a double vote",
		ruleRef("2, 3"), history(), att("check", 0, 12, 14, nil, "double_vote"))
	single("repeat_absent_stored_root", "the record (3, 4) has no signing root; alice signs (3, 4) with a root", "a stored absent root never makes a repeat",
		ruleRef("2, 3"), []record{ra(0, 3, 4, nil)}, att("check", 0, 3, 4, sroot("a"), "double_vote"))
	single("repeat_both_absent", "record and new attestation (3, 4) both without a signing root", "two absent roots are not equal: double vote",
		ruleRef("2, 3"), []record{ra(0, 3, 4, nil)}, att("check", 0, 3, 4, nil, "double_vote"))
	single("double_vote", "alice signs (11, 12) with another root", "a second vote for a target epoch is refused (EIP-3076 condition 3)",
		ruleRef("3"), history(), att("check", 0, 11, 12, sroot("x"), "double_vote"))
	single("double_vote_other_source", "alice signs (10, 12) with the root of her (11, 12) vote", "the same target with another source is a double vote even with the same root",
		ruleRef("3"), history(), att("check", 0, 10, 12, sroot("h2"), "double_vote"))
	single("target_below_minimum", "alice signs (9, 10): target 10 is below her lowest target 11", "EIP-3076 condition 5: target <= min target is refused",
		ruleRef("4"), history(), att("check", 0, 9, 10, sroot("x"), "target_below_minimum"))
	single("between_records", "history (10, 11), (20, 30); alice signs (12, 13): above the minimum target, no double vote, in no surround",
		"an attestation between records, above the minimum target and not in a surround, is safe under the complete strategy", ruleRef("4-7"),
		[]record{ra(0, 10, 11, sroot("p")), ra(0, 20, 30, sroot("q"))}, att("check", 0, 12, 13, sroot("x"), "ok"))
	single("surrounds_existing", "history (10, 11), (11, 12), (12, 14); alice signs (11, 15), which surrounds (12, 14)",
		"a vote surrounding a signed one is refused (EIP-3076 condition 3; the Python helper misses this direction: SPEC.md deviation 10)",
		append(ruleRef("6"), "SPEC.md deviation 10"), history(), att("check", 0, 11, 15, sroot("x"), "surrounds_existing"))
	single("surrounds_existing_wide", "history (1, 2), (5, 6); alice signs (3, 8), which surrounds (5, 6)",
		"a vote surrounding a signed one is refused", append(ruleRef("6"), "SPEC.md deviation 10"),
		[]record{ra(0, 1, 2, sroot("p")), ra(0, 5, 6, sroot("q"))}, att("check", 0, 3, 8, sroot("x"), "surrounds_existing"))
	single("surrounded_by_existing", "history (10, 11), (12, 16); alice signs (13, 15), which (12, 16) surrounds",
		"a vote surrounded by a signed one is refused (EIP-3076 condition 3)", ruleRef("7"),
		[]record{ra(0, 10, 11, sroot("p")), ra(0, 12, 16, sroot("q"))}, att("check", 0, 13, 15, sroot("x"), "surrounded_by_existing"))
	single("surrounded_by_absent_root", "history (10, 11) and (12, 16) without a root; alice signs (13, 15)",
		"a record without a signing root still surrounds", ruleRef("7"),
		[]record{ra(0, 10, 11, sroot("p")), ra(0, 12, 16, nil)}, att("check", 0, 13, 15, sroot("x"), "surrounded_by_existing"))
	single("source_after_target", "alice signs (5, 4) on an empty DB", "source > target is refused before anything else: no valid attestation has it",
		ruleRef("1"), nil, att("check", 0, 5, 4, sroot("x"), "source_after_target"))
	single("same_epochs_not_surround", "history (10, 14); alice signs (10, 15) and bob nothing",
		"equal source epochs are not a surround (the inequalities are strict)", ruleRef("6, 7"),
		[]record{ra(0, 10, 14, sroot("p"))}, att("check", 0, 10, 15, sroot("x"), "ok"))

	// Precedence: several rules apply, the first in SPEC.md order names it.
	prec := func(name, desc, want string, pre []record, s step) {
		addSlashing(w, slashingScenario{handler: "attestation", suite: "precedence", name: name, description: desc,
			proves: "when several rules refuse, the first in SPEC.md section 4 order is reported: " + want,
			refs:   ruleRef("1-7 (order)"), pre: pre, steps: []step{s}})
	}
	prec("source_after_target_before_double_vote", "history (10, 11); alice signs (12, 11): source > target and a double vote", "source_after_target",
		[]record{ra(0, 10, 11, sroot("p"))}, att("check", 0, 12, 11, sroot("x"), "source_after_target"))
	prec("double_vote_before_surround", "history (5, 6), (8, 9), (6, 12); alice signs (7, 12): a double vote with (6, 12) that also surrounds (8, 9)", "double_vote",
		[]record{ra(0, 5, 6, sroot("p")), ra(0, 8, 9, sroot("q")), ra(0, 6, 12, sroot("r"))}, att("check", 0, 7, 12, sroot("x"), "double_vote"))
	prec("target_minimum_before_surrounded", "history (2, 20), (5, 6); alice signs (3, 5): target below the minimum 6 and surrounded by (2, 20)", "target_below_minimum",
		[]record{ra(0, 2, 20, sroot("p")), ra(0, 5, 6, sroot("q"))}, att("check", 0, 3, 5, sroot("x"), "target_below_minimum"))
	prec("source_minimum_before_surrounds", "history (10, 11); alice signs (9, 13): source below the minimum 10, and it surrounds (10, 11)", "source_below_minimum",
		[]record{ra(0, 10, 11, sroot("p"))}, att("check", 0, 9, 13, sroot("x"), "source_below_minimum"))
	prec("surrounds_before_surrounded", "history (1, 20), (6, 7); alice signs (5, 8): it surrounds (6, 7) and (1, 20) surrounds it", "surrounds_existing",
		[]record{ra(0, 1, 20, sroot("p")), ra(0, 6, 7, sroot("q"))}, att("check", 0, 5, 8, sroot("x"), "surrounds_existing"))
	prec("repeat_before_everything", "history (1, 20) and (6, 7), imported although slashable; alice re-signs (6, 7) with its root", "ok (repeat)",
		[]record{ra(0, 1, 20, sroot("p")), ra(0, 6, 7, sroot("q"))}, att("check", 0, 6, 7, sroot("q"), "ok"))

	// Minimal strategy.
	mhist := []record{ra(0, 10, 12, sroot("p")), ra(0, 5, 13, sroot("q"))}
	mini := func(name, desc, proves string, pre []record, s step) {
		addSlashing(w, slashingScenario{handler: "attestation", suite: "minimal", name: name, description: desc, proves: proves,
			refs: []string{"SPEC.md section 4, minimal strategy", "EIP-3076 advice for minimal databases"}, pre: pre, steps: []step{minimal(s)}})
	}
	mini("above_maxima", "history (10, 12), (5, 13); alice signs (10, 14)", "an attestation at or above the maximum source and above the maximum target is safe",
		mhist, att("check", 0, 10, 14, sroot("x"), "ok"))
	mini("source_below_maximum", "history (10, 12), (5, 13); alice signs (9, 14)", "source < max source is refused",
		mhist, att("check", 0, 9, 14, sroot("x"), "source_below_maximum"))
	mini("target_below_maximum", "history (10, 12), (5, 13); alice signs (10, 13)", "target <= max target is refused",
		mhist, att("check", 0, 10, 13, sroot("x"), "target_below_maximum"))
	mini("no_repeat_exception", "history (10, 12), (5, 13); alice re-signs (5, 13) with the same root", "the minimal strategy has no repeat exception",
		mhist, att("check", 0, 5, 13, sroot("q"), "source_below_maximum"))
	mini("gap_refused", "history (10, 11), (20, 30); alice signs (12, 13), which the complete strategy allows", "the minimal strategy refuses what lies below its watermarks",
		[]record{ra(0, 10, 11, sroot("p")), ra(0, 20, 30, sroot("q"))}, att("check", 0, 12, 13, sroot("x"), "source_below_maximum"))
	mini("source_after_target", "alice signs (5, 4) on an empty DB", "source > target is refused by both strategies",
		nil, att("check", 0, 5, 4, sroot("x"), "source_after_target"))
	mini("empty_db", "alice signs (1, 2) on an empty DB", "an attestation with no history is safe", nil, att("check", 0, 1, 2, sroot("x"), "ok"))
}

func genSlashingBlock(w *Writer) {
	bh := []record{rb(0, 100, sroot("b100")), rb(0, 110, sroot("b110"))}
	single := func(name, desc, proves, rule string, pre []record, s step) {
		addSlashing(w, slashingScenario{handler: "block", suite: "complete", name: name, description: desc, proves: proves,
			refs: []string{"SPEC.md section 4, complete strategy block rule " + rule}, pre: pre, steps: []step{s}})
	}
	single("empty_db", "alice proposes at slot 5 on an empty DB", "a first block is safe", "1-4", nil, blk("check", 0, 5, sroot("x"), "ok"))
	single("after_history", "history 100, 110; alice proposes at 111", "a later block is safe", "1-4", bh, blk("check", 0, 111, sroot("x"), "ok"))
	single("between_records", "history 100, 110; alice proposes at 105", "the complete strategy allows a slot above the minimum that was not signed", "4", bh, blk("check", 0, 105, sroot("x"), "ok"))
	single("other_validator_history", "bob proposed at 100; alice proposes at 100", "histories are per key", "1-4",
		[]record{rb(1, 100, sroot("b"))}, blk("check", 0, 100, sroot("x"), "ok"))
	single("repeat_same_root", "alice re-signs her block at 110", "re-signing the identical block is allowed", "2", bh, blk("check", 0, 110, sroot("b110"), "ok"))
	single("double_proposal", "alice proposes another block at 110", "a second block for a slot is refused (EIP-3076 condition 1)", "3", bh, blk("check", 0, 110, sroot("x"), "double_proposal"))
	single("double_proposal_absent_new_root", "alice proposes at 110 without a signing root", "an absent root never makes a repeat", "2, 3", bh, blk("check", 0, 110, nil, "double_proposal"))
	single("double_proposal_absent_stored_root", "the record at 7 has no root; alice proposes at 7", "a stored absent root never makes a repeat", "2, 3",
		[]record{rb(0, 7, nil)}, blk("check", 0, 7, sroot("x"), "double_proposal"))
	single("slot_below_minimum", "history 100, 110; alice proposes at 90", "a slot below the lowest signed slot is refused (EIP-3076 condition 2)", "4", bh, blk("check", 0, 90, sroot("x"), "slot_below_minimum"))
	single("slot_zero_root", "a record at 3 with a present zero root; alice re-signs it with the zero root", "a present zero root is a value", "2",
		[]record{rb(0, 3, &phase0.Root{})}, blk("check", 0, 3, &phase0.Root{}, "ok"))
	mini := func(name, desc, proves string, pre []record, s step) {
		addSlashing(w, slashingScenario{handler: "block", suite: "minimal", name: name, description: desc, proves: proves,
			refs: []string{"SPEC.md section 4, minimal strategy", "EIP-3076 advice for minimal databases"}, pre: pre, steps: []step{minimal(s)}})
	}
	mini("above_maximum", "history 100, 110; alice proposes at 111", "a slot above the maximum is safe", bh, blk("check", 0, 111, sroot("x"), "ok"))
	mini("between_records", "history 100, 110; alice proposes at 105", "the minimal strategy refuses slot <= max slot", bh, blk("check", 0, 105, sroot("x"), "slot_below_maximum"))
	mini("no_repeat_exception", "history 100, 110; alice re-signs her block at 110", "the minimal strategy has no repeat exception", bh, blk("check", 0, 110, sroot("b110"), "slot_below_maximum"))
}

func genSlashingSequence(w *Writer) {
	seq := func(suite, name, desc, proves string, pre []record, steps ...step) {
		addSlashing(w, slashingScenario{handler: "sequence", suite: suite, name: name, description: desc, proves: proves,
			refs: []string{"spec.py update_attestation_slashing_db / update_block_slashing_db (SPEC.md deviations 6, 7, 12)"}, pre: pre, steps: steps})
	}
	seq("complete", "attest_every_epoch", "alice attests for epochs 1 to 4, re-signs epoch 2, then tries a second vote for epoch 2 and a stale vote",
		"each signing is recorded (a new key's first record is kept: deviation 12), a repeat stores nothing, refusals change nothing; post is the resulting DB",
		nil,
		att("insert", 0, 0, 1, sroot("e1"), "ok"), att("insert", 0, 1, 2, sroot("e2"), "ok"), att("insert", 0, 2, 3, sroot("e3"), "ok"),
		att("insert", 0, 3, 4, sroot("e4"), "ok"), att("insert", 0, 1, 2, sroot("e2"), "ok"), att("insert", 0, 1, 2, sroot("e2x"), "double_vote"),
		att("insert", 0, 0, 1, sroot("e1x"), "double_vote"), att("check", 0, 0, 5, sroot("x"), "surrounds_existing"), att("insert", 0, 4, 5, sroot("e5"), "ok"))
	seq("complete", "surrounds_in_both_directions", "alice signs (1, 2) and (5, 6), then tries (3, 8) which surrounds (5, 6), signs (6, 12), then tries (7, 9) which (6, 12) surrounds",
		"both surround directions are refused during normal operation (SPEC.md deviation 10)", nil,
		att("insert", 0, 1, 2, sroot("p"), "ok"), att("insert", 0, 5, 6, sroot("q"), "ok"), att("insert", 0, 3, 8, sroot("x"), "surrounds_existing"),
		att("insert", 0, 6, 12, sroot("r"), "ok"), att("insert", 0, 7, 9, sroot("y"), "surrounded_by_existing"), att("insert", 0, 12, 13, sroot("s"), "ok"))
	seq("complete", "blocks_and_attestations_of_two_validators", "alice and bob propose and attest, interleaved, with conflicts for each",
		"blocks and attestations, and the histories of different keys, are independent; the DB stays sorted by public key",
		nil,
		blk("insert", 0, 64, sroot("a64"), "ok"), blk("insert", 1, 64, sroot("b64"), "ok"), att("insert", 1, 1, 2, sroot("b12"), "ok"),
		att("insert", 0, 1, 2, sroot("a12"), "ok"), blk("insert", 0, 64, sroot("a64x"), "double_proposal"), blk("insert", 1, 63, sroot("b63"), "slot_below_minimum"),
		blk("insert", 0, 70, nil, "ok"), blk("insert", 0, 70, nil, "double_proposal"), att("insert", 1, 1, 2, sroot("b12"), "ok"),
		blk("insert", 2, 1, sroot("c1"), "ok"))
	seq("complete", "refusals_leave_db_unchanged", "alice has a history; every kind of refused attempt follows",
		"a refused signing records nothing: post equals pre", history(),
		att("insert", 0, 11, 12, sroot("x"), "double_vote"), att("insert", 0, 9, 10, sroot("x"), "target_below_minimum"),
		att("insert", 0, 9, 15, sroot("x"), "source_below_minimum"), att("insert", 0, 11, 15, sroot("x"), "surrounds_existing"),
		att("insert", 0, 5, 4, sroot("x"), "source_after_target"))
	seq("minimal", "attest_with_watermarks", "alice attests with the minimal strategy, then tries to fill a gap and to repeat",
		"the minimal strategy records what it accepts and refuses anything at or below its watermarks", nil,
		minimal(att("insert", 0, 1, 2, sroot("p"), "ok")), minimal(att("insert", 0, 2, 5, sroot("q"), "ok")),
		minimal(att("insert", 0, 2, 3, sroot("x"), "target_below_maximum")), minimal(att("insert", 0, 2, 5, sroot("q"), "target_below_maximum")),
		minimal(att("insert", 0, 5, 6, sroot("r"), "ok")), minimal(blk("insert", 0, 10, sroot("b10"), "ok")),
		minimal(blk("insert", 0, 10, sroot("b10"), "slot_below_maximum")), minimal(blk("insert", 0, 11, sroot("b11"), "ok")))
	seq("minimal", "mixed_strategies", "a DB written by the complete strategy is then read with the minimal strategy",
		"both strategies read the same DB; the minimal strategy refuses everything the complete one does and more",
		[]record{ra(0, 10, 11, sroot("p")), ra(0, 20, 30, sroot("q"))},
		att("check", 0, 12, 13, sroot("x"), "ok"), minimal(att("check", 0, 12, 13, sroot("x"), "source_below_maximum")),
		minimal(att("insert", 0, 30, 31, sroot("r"), "ok")), att("check", 0, 12, 13, sroot("x"), "ok"))
}

func genSlashingInterchange(w *Writer) {
	gvr := mainnetGenesisValidatorsRoot
	ic := func(suite, name, desc, proves string, pre []record, steps ...step) {
		addSlashing(w, slashingScenario{handler: "interchange", suite: suite, name: name, description: desc, proves: proves,
			refs: []string{"SPEC.md section 4 (interchange)", "EIP-3076 interchange format version 5"}, pre: pre, steps: steps})
	}
	full := interchange(gvr,
		entry(0, []string{blockJSON(100, sroot("b100")), blockJSON(110, nil)}, []string{attJSON(10, 11, sroot("a11")), attJSON(11, 12, nil)}),
		entry(1, nil, []string{attJSON(0, 100, sroot("bob"))}))
	ic("import", "into_empty_db", "an interchange with two keys, blocks and attestations (some without signing roots) is imported into an empty DB, then checked against",
		"import stores every record; the imported history then governs signing", nil,
		importStep(full, "ok"),
		att("check", 0, 11, 12, nil, "double_vote"), att("check", 0, 10, 11, sroot("a11"), "ok"), att("check", 1, 50, 60, sroot("x"), "target_below_minimum"),
		blk("check", 0, 110, sroot("x"), "double_proposal"), blk("check", 0, 100, sroot("b100"), "ok"), exportStep("complete"))
	ic("import", "union_merge", "alice has a history; an interchange adds older and newer records for her and a history for bob",
		"import is a union merge: the history only grows, never loses a record", []record{ra(0, 20, 21, sroot("p")), rb(0, 500, sroot("q"))},
		importStep(full, "ok"), exportStep("complete"))
	slashable := interchange(gvr, entry(0, []string{blockJSON(5, sroot("x5")), blockJSON(5, sroot("y5"))},
		[]string{attJSON(1, 10, sroot("p")), attJSON(2, 9, sroot("q")), attJSON(3, 10, sroot("r"))}))
	ic("import", "slashable_data", "an interchange whose own records are slashable (a double proposal, a surround, a double vote) is imported",
		"slashable records are imported, not refused: they only make the checks stricter (SPEC.md section 4)", nil,
		importStep(slashable, "ok"), blk("check", 0, 5, sroot("x5"), "ok"), blk("check", 0, 6, sroot("z"), "ok"),
		att("check", 0, 1, 10, sroot("p"), "ok"), exportStep("complete"))
	ic("import", "duplicate_entries", "an interchange lists alice twice and repeats a record",
		"entries of one key are merged and identical records stored once",
		nil, importStep(interchange(gvr, entry(0, []string{blockJSON(7, sroot("b7"))}, nil), entry(0, []string{blockJSON(7, sroot("b7")), blockJSON(8, nil)}, []string{attJSON(1, 2, nil)})), "ok"),
		exportStep("complete"))
	ic("export", "complete_and_minimal", "alice and bob sign a few messages; the DB is exported with both strategies",
		"the complete export lists every record sorted (keys by public key bytes, blocks by slot, attestations by target then source); the minimal export one block and one attestation per key at the maxima, without roots",
		nil,
		att("insert", 1, 3, 4, sroot("b34"), "ok"), att("insert", 0, 1, 2, sroot("a12"), "ok"), att("insert", 0, 2, 3, nil, "ok"), blk("insert", 0, 10, nil, "ok"),
		blk("insert", 0, 20, sroot("a20"), "ok"), blk("insert", 1, 9, sroot("b9"), "ok"), exportStep("complete"), exportStep("minimal"))
	ic("export", "empty_db", "an empty DB is exported", "an empty DB exports an empty data list with the DB's metadata", nil, exportStep("complete"), exportStep("minimal"))
	ic("import", "minimal_export_round_trip", "a minimal export (one record per key, no roots) is imported into an empty DB",
		"a DB that imports a minimal export refuses whatever the exporting minimal DB refused", nil,
		importStep(interchange(gvr, entry(0, []string{blockJSON(110, nil)}, []string{attJSON(12, 14, nil)})), "ok"),
		blk("check", 0, 110, sroot("x"), "double_proposal"), blk("check", 0, 109, sroot("x"), "slot_below_minimum"),
		att("check", 0, 12, 14, sroot("x"), "double_vote"), att("check", 0, 11, 13, sroot("x"), "target_below_minimum"), att("check", 0, 14, 15, sroot("x"), "ok"))

	// Invalid files: refused as a whole, DB unchanged (post = pre).
	pre := []record{ra(0, 20, 21, sroot("p"))}
	valid := string(interchange(gvr, entry(0, []string{blockJSON(3, nil)}, nil)))
	bad := func(name, desc, want string, file string) {
		ic("invalid", name, desc, "the implementation refuses the whole file ("+want+") and leaves the DB unchanged (post = pre)", pre, importStep([]byte(file), want))
	}
	bad("other_chain", "the file's genesis_validators_root is not the DB's", "genesis_validators_root_mismatch",
		string(interchange(testGenesisValidatorsRoot, entry(0, []string{blockJSON(3, nil)}, nil))))
	bad("version_4", "interchange_format_version is \"4\"", "invalid_interchange", replaceOnce(valid, `"interchange_format_version": "5"`, `"interchange_format_version": "4"`))
	bad("version_as_number", "interchange_format_version is the number 5, not a string", "invalid_interchange", replaceOnce(valid, `"interchange_format_version": "5"`, `"interchange_format_version": 5`))
	bad("slot_as_number", "a slot is a JSON number", "invalid_interchange", replaceOnce(valid, `"slot": "3"`, `"slot": 3`))
	bad("slot_negative", "a slot is \"-3\"", "invalid_interchange", replaceOnce(valid, `"slot": "3"`, `"slot": "-3"`))
	bad("slot_overflow", "a slot is 2**64", "invalid_interchange", replaceOnce(valid, `"slot": "3"`, `"slot": "18446744073709551616"`))
	bad("unknown_field", "a block carries an unknown field", "invalid_interchange", replaceOnce(valid, `"slot": "3"`, `"slot": "3", "proposer": "1"`))
	bad("missing_signed_attestations", "an entry has no signed_attestations", "invalid_interchange", replaceOnce(valid, ",\n      \"signed_attestations\": []", ""))
	bad("duplicate_field", "the metadata repeats a field", "invalid_interchange", replaceOnce(valid, `"interchange_format_version": "5"`, `"interchange_format_version": "5", "interchange_format_version": "5"`))
	bad("short_pubkey", "a public key of 47 bytes", "invalid_interchange", replaceOnce(valid, fmt.Sprintf("%#x", pk(0)), fmt.Sprintf("%#x", pk(0))[:96]))
	bad("short_signing_root", "a signing root of 31 bytes", "invalid_interchange",
		replaceOnce(string(interchange(gvr, entry(0, []string{blockJSON(3, sroot("r"))}, nil))), fmt.Sprintf("%#x", sroot("r")[:]), fmt.Sprintf("%#x", sroot("r")[:31])))
	bad("trailing_data", "a second JSON value after the object", "invalid_interchange", valid+"{}\n")
	bad("null_data", "data is null", "invalid_interchange", replaceOnce(string(interchange(gvr)), `"data": []`, `"data": null`))
	bad("later_entry_invalid", "the first entry is valid, the second has a bad slot: nothing is imported", "invalid_interchange",
		string(interchange(gvr, entry(0, []string{blockJSON(3, nil)}, nil), replaceOnce(entry(1, []string{blockJSON(4, nil)}, nil), `"slot": "4"`, `"slot": "0x4"`))))
}

func replaceOnce(s, old, new string) string {
	for i := 0; i+len(old) <= len(s); i++ {
		if s[i:i+len(old)] == old {
			return s[:i] + new + s[i+len(old):]
		}
	}
	panic("replaceOnce: not found: " + old)
}
