package slashing

import (
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"
	"github.com/google/go-cmp/cmp"
	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
)

// Property tests. Every oracle here is written from the definitions
// (consensus-specs is_slashable_attestation_data and
// process_proposer_slashing, EIP-3076 conditions), not from the package.

func propParams() *gopter.TestParameters {
	p := gopter.DefaultTestParametersWithSeed(20251031)
	p.MinSuccessfulTests = 400
	p.MaxSize = 40
	return p
}

// Small value spaces make collisions (double votes, surrounds, repeats)
// frequent.
var propKeys = []phase0.BLSPubKey{{0x01}, {0x02}, {0x03}}

// propRoot maps 0 to an absent root, 1 to a present zero root, and n >= 2
// to a distinct present root.
func propRoot(n uint8) *phase0.Root {
	switch n {
	case 0:
		return nil
	case 1:
		return &phase0.Root{}
	}
	return &phase0.Root{0xf0, n}
}

type attOp struct {
	Key, Source, Target, Root uint8
}

type blockOp struct {
	Key, Slot, Root uint8
}

func genAttOp(maxEpoch uint8) gopter.Gen {
	return gen.Struct(reflect.TypeOf(attOp{}), map[string]gopter.Gen{
		"Key":    gen.UInt8Range(0, 1),
		"Source": gen.UInt8Range(0, maxEpoch),
		"Target": gen.UInt8Range(0, maxEpoch),
		"Root":   gen.UInt8Range(0, 3),
	})
}

func genBlockOp() gopter.Gen {
	return gen.Struct(reflect.TypeOf(blockOp{}), map[string]gopter.Gen{
		"Key":  gen.UInt8Range(0, 1),
		"Slot": gen.UInt8Range(0, 12),
		"Root": gen.UInt8Range(0, 3),
	})
}

// sameAttMessage: the two records are known to be one message (same epochs
// and the same present signing root).
func sameAttMessage(a, b *SlashingDBAttestation) bool {
	return a.SourceEpoch == b.SourceEpoch && a.TargetEpoch == b.TargetEpoch &&
		a.SigningRoot != nil && b.SigningRoot != nil && *a.SigningRoot == *b.SigningRoot
}

// slashablePair is consensus-specs is_slashable_attestation_data, both
// orders, with "data_1 != data_2" decided by the signing root (unknown roots
// are assumed different).
func slashablePair(a, b *SlashingDBAttestation) bool {
	doubleVote := !sameAttMessage(a, b) && a.TargetEpoch == b.TargetEpoch
	aSurroundsB := a.SourceEpoch < b.SourceEpoch && b.TargetEpoch < a.TargetEpoch
	bSurroundsA := b.SourceEpoch < a.SourceEpoch && a.TargetEpoch < b.TargetEpoch
	return doubleVote || aSurroundsB || bSurroundsA
}

// oracleAttestation is the complete strategy written from EIP-3076: refuse
// source > target; allow a repeat; refuse what is slashable with a record
// (condition 3); refuse below the watermarks (conditions 4 and 5).
func oracleAttestation(hist []*SlashingDBAttestation, a *SlashingDBAttestation) bool {
	if a.SourceEpoch > a.TargetEpoch {
		return false
	}
	for _, h := range hist {
		if sameAttMessage(h, a) {
			return true
		}
	}
	for _, h := range hist {
		if slashablePair(h, a) {
			return false
		}
	}
	for _, h := range hist {
		if a.TargetEpoch <= h.TargetEpoch && !anyTargetBelow(hist, h.TargetEpoch) {
			return false // a.target <= min target
		}
		if a.SourceEpoch < h.SourceEpoch && !anySourceBelow(hist, h.SourceEpoch) {
			return false // a.source < min source
		}
	}
	return true
}

func anyTargetBelow(hist []*SlashingDBAttestation, e phase0.Epoch) bool {
	for _, h := range hist {
		if h.TargetEpoch < e {
			return true
		}
	}
	return false
}

func anySourceBelow(hist []*SlashingDBAttestation, e phase0.Epoch) bool {
	for _, h := range hist {
		if h.SourceEpoch < e {
			return true
		}
	}
	return false
}

// oracleAttestationMinimal: refuse source > target, source below any
// recorded source, target at or below any recorded target.
func oracleAttestationMinimal(hist []*SlashingDBAttestation, a *SlashingDBAttestation) bool {
	if a.SourceEpoch > a.TargetEpoch {
		return false
	}
	for _, h := range hist {
		if a.SourceEpoch < h.SourceEpoch || a.TargetEpoch <= h.TargetEpoch {
			return false
		}
	}
	return true
}

// oracleBlock: allow a repeat (same slot, same present root); refuse another
// block at a recorded slot (condition 1) or at or below the lowest recorded
// slot (condition 2).
func oracleBlock(hist []*SlashingDBBlock, b *SlashingDBBlock) bool {
	for _, h := range hist {
		if h.Slot == b.Slot && h.SigningRoot != nil && b.SigningRoot != nil && *h.SigningRoot == *b.SigningRoot {
			return true
		}
	}
	for _, h := range hist {
		if h.Slot == b.Slot {
			return false
		}
	}
	lowest := true
	for _, h := range hist {
		if h.Slot < b.Slot {
			lowest = false
		}
	}
	return len(hist) == 0 || !lowest
}

func oracleBlockMinimal(hist []*SlashingDBBlock, b *SlashingDBBlock) bool {
	for _, h := range hist {
		if b.Slot <= h.Slot {
			return false
		}
	}
	return true
}

// historyAtts lists the attestation records of key in db, from every entry.
func historyAtts(db *SlashingDB, key phase0.BLSPubKey) []*SlashingDBAttestation {
	var out []*SlashingDBAttestation
	for _, d := range db.Data {
		if d.Pubkey == key {
			out = append(out, d.SignedAttestations...)
		}
	}
	return out
}

func historyBlocks(db *SlashingDB, key phase0.BLSPubKey) []*SlashingDBBlock {
	var out []*SlashingDBBlock
	for _, d := range db.Data {
		if d.Pubkey == key {
			out = append(out, d.SignedBlocks...)
		}
	}
	return out
}

// dbFromOps builds a DB from arbitrary (possibly slashable, possibly
// source > target) records, without the package's insert code.
func dbFromOps(atts []attOp, blocks []blockOp) *SlashingDB {
	var ha []histAtt
	for _, o := range atts {
		ha = append(ha, histAtt{propKeys[o.Key], phase0.Epoch(o.Source), phase0.Epoch(o.Target), propRoot(o.Root)})
	}
	var hb []histBlock
	for _, o := range blocks {
		hb = append(hb, histBlock{propKeys[o.Key], phase0.Slot(o.Slot), propRoot(o.Root)})
	}
	return buildDB(ha, hb, false)
}

func TestPropertyAttestations(t *testing.T) {
	properties := gopter.NewProperties(propParams())

	properties.Property("complete: accepted attestations are never slashable, and the check is the EIP-3076 rule", prop.ForAll(
		func(history, ops []attOp) string {
			db := dbFromOps(history, nil)
			if len(history)%3 == 0 {
				db = New(testGVR) // often start empty
			}
			type signed struct {
				key phase0.BLSPubKey
				att *SlashingDBAttestation
			}
			var accepted []signed
			for i, o := range ops {
				key := propKeys[o.Key]
				a := &SlashingDBAttestation{SourceEpoch: phase0.Epoch(o.Source), TargetEpoch: phase0.Epoch(o.Target), SigningRoot: propRoot(o.Root)}
				hist := historyAtts(db, key)
				want := oracleAttestation(hist, a)
				before := db.Clone()
				err := db.InsertAttestation(key, a.SourceEpoch, a.TargetEpoch, a.SigningRoot)
				if (err == nil) != want {
					return fmt.Sprintf("op %d %+v: insert err=%v, oracle allows=%v, history=%s", i, o, err, want, fmtAtts(hist))
				}
				if err != nil {
					if !reflect.DeepEqual(before, db) {
						return fmt.Sprintf("op %d: refused insert changed the DB", i)
					}
					continue
				}
				// Safety: the new message is one already known, or slashable with
				// no record at all.
				repeat := false
				for _, h := range hist {
					if sameAttMessage(h, a) {
						repeat = true
					}
				}
				if !repeat {
					if a.SourceEpoch > a.TargetEpoch {
						return fmt.Sprintf("op %d: accepted source > target", i)
					}
					for _, h := range hist {
						if slashablePair(h, a) {
							return fmt.Sprintf("op %d: accepted %+v slashable with %+v", i, *a, *h)
						}
					}
				}
				accepted = append(accepted, signed{key, a})
			}
			// Starting from an empty DB, everything signed in this run is
			// pairwise non-slashable. (From an imported history that is already
			// slashable, re-signing two conflicting known messages is allowed.)
			for i := range accepted {
				if len(history)%3 != 0 {
					break
				}
				for j := i + 1; j < len(accepted); j++ {
					if accepted[i].key == accepted[j].key && slashablePair(accepted[i].att, accepted[j].att) {
						return fmt.Sprintf("signed pair is slashable: %+v and %+v", *accepted[i].att, *accepted[j].att)
					}
				}
			}
			if len(history)%3 == 0 {
				if err := db.Validate(); err != nil {
					return "DB built by inserts is not canonical: " + err.Error()
				}
			}
			return ""
		},
		gen.SliceOf(genAttOp(10)), gen.SliceOf(genAttOp(12)),
	))

	properties.Property("minimal: the check is the max-watermark rule and accepted attestations are never slashable", prop.ForAll(
		func(history, ops []attOp) string {
			db := dbFromOps(history, nil)
			var accepted []*SlashingDBAttestation
			var acceptedKeys []phase0.BLSPubKey
			for i, o := range ops {
				key := propKeys[o.Key]
				a := &SlashingDBAttestation{SourceEpoch: phase0.Epoch(o.Source), TargetEpoch: phase0.Epoch(o.Target), SigningRoot: propRoot(o.Root)}
				hist := historyAtts(db, key)
				want := oracleAttestationMinimal(hist, a)
				// Whatever the minimal strategy allows, the complete one allows.
				if want && db.CheckAttestation(key, a.SourceEpoch, a.TargetEpoch, a.SigningRoot) != nil {
					return fmt.Sprintf("op %d: minimal allows but complete refuses %+v", i, *a)
				}
				before := db.Clone()
				err := db.InsertAttestationMinimal(key, a.SourceEpoch, a.TargetEpoch, a.SigningRoot)
				if (err == nil) != want {
					return fmt.Sprintf("op %d %+v: insert err=%v, oracle allows=%v", i, o, err, want)
				}
				if err != nil {
					if !reflect.DeepEqual(before, db) {
						return fmt.Sprintf("op %d: refused insert changed the DB", i)
					}
					continue
				}
				for _, h := range hist {
					if slashablePair(h, a) {
						return fmt.Sprintf("op %d: accepted %+v slashable with %+v", i, *a, *h)
					}
				}
				accepted = append(accepted, a)
				acceptedKeys = append(acceptedKeys, key)
			}
			for i := range accepted {
				for j := i + 1; j < len(accepted); j++ {
					if acceptedKeys[i] == acceptedKeys[j] && slashablePair(accepted[i], accepted[j]) {
						return "signed pair is slashable"
					}
				}
			}
			return ""
		},
		gen.SliceOf(genAttOp(10)), gen.SliceOf(genAttOp(12)),
	))

	properties.TestingRun(t)
}

func fmtAtts(hist []*SlashingDBAttestation) string {
	var parts []string
	for _, h := range hist {
		r := "absent"
		if h.SigningRoot != nil {
			r = hex.EncodeToString(h.SigningRoot[:2])
		}
		parts = append(parts, fmt.Sprintf("(%d,%d,%s)", h.SourceEpoch, h.TargetEpoch, r))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func TestPropertyBlocks(t *testing.T) {
	properties := gopter.NewProperties(propParams())
	properties.Property("complete and minimal block checks are the EIP-3076 rules; no double proposal is signed", prop.ForAll(
		func(history, ops []blockOp, minimal bool) string {
			db := dbFromOps(nil, history)
			var signed []*SlashingDBBlock
			var signedKeys []phase0.BLSPubKey
			for i, o := range ops {
				key := propKeys[o.Key]
				b := &SlashingDBBlock{Slot: phase0.Slot(o.Slot), SigningRoot: propRoot(o.Root)}
				hist := historyBlocks(db, key)
				want := oracleBlock(hist, b)
				insert := db.InsertBlock
				if minimal {
					want = oracleBlockMinimal(hist, b)
					insert = db.InsertBlockMinimal
				}
				before := db.Clone()
				err := insert(key, b.Slot, b.SigningRoot)
				if (err == nil) != want {
					return fmt.Sprintf("op %d %+v: err=%v, oracle allows=%v", i, o, err, want)
				}
				if err != nil {
					if !reflect.DeepEqual(before, db) {
						return fmt.Sprintf("op %d: refused insert changed the DB", i)
					}
					continue
				}
				// Safety: a new block is a repeat of a known one, or at a slot
				// with no other record.
				repeat := false
				for _, h := range hist {
					if h.Slot == b.Slot && h.SigningRoot != nil && b.SigningRoot != nil && *h.SigningRoot == *b.SigningRoot {
						repeat = true
					}
				}
				if repeat {
					continue
				}
				for _, h := range hist {
					if h.Slot == b.Slot {
						return fmt.Sprintf("op %d: signed a second block at slot %d", i, b.Slot)
					}
				}
				signed = append(signed, b)
				signedKeys = append(signedKeys, key)
			}
			for i := range signed {
				for j := i + 1; j < len(signed); j++ {
					same := signed[i].SigningRoot != nil && signed[j].SigningRoot != nil && *signed[i].SigningRoot == *signed[j].SigningRoot
					if signedKeys[i] == signedKeys[j] && signed[i].Slot == signed[j].Slot && !same {
						return fmt.Sprintf("double proposal signed at slot %d", signed[i].Slot)
					}
				}
			}
			return ""
		},
		gen.SliceOf(genBlockOp()), gen.SliceOf(genBlockOp()), gen.Bool(),
	))
	properties.TestingRun(t)
}

// interchangeFromOps writes an interchange file by hand (not with the
// package's exporter), one data entry per op group; keys may repeat.
func interchangeFromOps(gvr phase0.Root, atts []attOp, blocks []blockOp) []byte {
	var sb strings.Builder
	fmt.Fprintf(&sb, `{"metadata":{"interchange_format_version":"5","genesis_validators_root":"0x%x"},"data":[`, gvr[:])
	first := true
	entry := func(key phase0.BLSPubKey, bs []blockOp, as []attOp) {
		if !first {
			sb.WriteString(",")
		}
		first = false
		fmt.Fprintf(&sb, `{"pubkey":"0x%x","signed_blocks":[`, key[:])
		for i, b := range bs {
			if i > 0 {
				sb.WriteString(",")
			}
			fmt.Fprintf(&sb, `{"slot":"%d"`, b.Slot)
			if r := propRoot(b.Root); r != nil {
				fmt.Fprintf(&sb, `,"signing_root":"0x%x"`, r[:])
			}
			sb.WriteString("}")
		}
		sb.WriteString(`],"signed_attestations":[`)
		for i, a := range as {
			if i > 0 {
				sb.WriteString(",")
			}
			fmt.Fprintf(&sb, `{"source_epoch":"%d","target_epoch":"%d"`, a.Source, a.Target)
			if r := propRoot(a.Root); r != nil {
				fmt.Fprintf(&sb, `,"signing_root":"0x%x"`, r[:])
			}
			sb.WriteString("}")
		}
		sb.WriteString("]}")
	}
	// Split the records into entries by key, in chunks of up to 3, so that
	// duplicate pubkey entries occur.
	for ki, key := range propKeys {
		var bs []blockOp
		var as []attOp
		for _, b := range blocks {
			if int(b.Key) == ki {
				bs = append(bs, b)
			}
		}
		for _, a := range atts {
			if int(a.Key) == ki {
				as = append(as, a)
			}
		}
		for len(bs) > 0 || len(as) > 0 {
			nb, na := min(3, len(bs)), min(3, len(as))
			entry(key, bs[:nb], as[:na])
			bs, as = bs[nb:], as[na:]
		}
	}
	sb.WriteString("]}")
	return []byte(sb.String())
}

// recordSet is a history as a set of (key, record) strings.
func recordSet(db *SlashingDB) map[string]bool {
	out := make(map[string]bool)
	for _, d := range db.Data {
		for _, b := range d.SignedBlocks {
			out[fmt.Sprintf("%x b %d %s", d.Pubkey[:1], b.Slot, describeRootTest(b.SigningRoot))] = true
		}
		for _, a := range d.SignedAttestations {
			out[fmt.Sprintf("%x a %d %d %s", d.Pubkey[:1], a.SourceEpoch, a.TargetEpoch, describeRootTest(a.SigningRoot))] = true
		}
	}
	return out
}

func describeRootTest(r *phase0.Root) string {
	if r == nil {
		return "-"
	}
	return hex.EncodeToString(r[:])
}

// bruteSlashableCounts counts the imported records that conflict with
// another record occurrence (old or imported) of the same key, by pairs.
func bruteSlashableCounts(old *SlashingDB, atts []attOp, blocks []blockOp) (nb, na int) {
	for i, o := range blocks {
		key := propKeys[o.Key]
		b := &SlashingDBBlock{Slot: phase0.Slot(o.Slot), SigningRoot: propRoot(o.Root)}
		others := historyBlocks(old, key)
		for j, p := range blocks {
			if j != i && p.Key == o.Key {
				others = append(others, &SlashingDBBlock{Slot: phase0.Slot(p.Slot), SigningRoot: propRoot(p.Root)})
			}
		}
		for _, p := range others {
			same := p.SigningRoot != nil && b.SigningRoot != nil && *p.SigningRoot == *b.SigningRoot
			if p.Slot == b.Slot && !same {
				nb++
				break
			}
		}
	}
	for i, o := range atts {
		key := propKeys[o.Key]
		a := &SlashingDBAttestation{SourceEpoch: phase0.Epoch(o.Source), TargetEpoch: phase0.Epoch(o.Target), SigningRoot: propRoot(o.Root)}
		if a.SourceEpoch > a.TargetEpoch {
			na++
			continue
		}
		others := historyAtts(old, key)
		for j, p := range atts {
			if j != i && p.Key == o.Key {
				others = append(others, &SlashingDBAttestation{SourceEpoch: phase0.Epoch(p.Source), TargetEpoch: phase0.Epoch(p.Target), SigningRoot: propRoot(p.Root)})
			}
		}
		for _, p := range others {
			if slashablePair(p, a) {
				na++
				break
			}
		}
	}
	return nb, na
}

// bruteStaleCounts counts the imported records not already in old that lie
// at or below every old slot / target epoch of their key, or below every old
// source epoch.
func bruteStaleCounts(old *SlashingDB, atts []attOp, blocks []blockOp) (nb, na int) {
	for _, o := range blocks {
		hist := historyBlocks(old, propKeys[o.Key])
		b := &SlashingDBBlock{Slot: phase0.Slot(o.Slot), SigningRoot: propRoot(o.Root)}
		known, belowAll := false, len(hist) > 0
		for _, h := range hist {
			if h.Slot == b.Slot && cmp.Equal(h.SigningRoot, b.SigningRoot) {
				known = true
			}
			if b.Slot > h.Slot {
				belowAll = false
			}
		}
		if belowAll && !known {
			nb++
		}
	}
	for _, o := range atts {
		hist := historyAtts(old, propKeys[o.Key])
		a := &SlashingDBAttestation{SourceEpoch: phase0.Epoch(o.Source), TargetEpoch: phase0.Epoch(o.Target), SigningRoot: propRoot(o.Root)}
		known, targetBelowAll, sourceBelowAll := false, len(hist) > 0, len(hist) > 0
		for _, h := range hist {
			if h.SourceEpoch == a.SourceEpoch && h.TargetEpoch == a.TargetEpoch && cmp.Equal(h.SigningRoot, a.SigningRoot) {
				known = true
			}
			if a.TargetEpoch > h.TargetEpoch {
				targetBelowAll = false
			}
			if a.SourceEpoch >= h.SourceEpoch {
				sourceBelowAll = false
			}
		}
		if (targetBelowAll || sourceBelowAll) && !known {
			na++
		}
	}
	return nb, na
}

func TestPropertyInterchange(t *testing.T) {
	properties := gopter.NewProperties(propParams())

	properties.Property("import is a union merge, the report is exact, and Import(Export(db)) == db", prop.ForAll(
		func(oldAtts, fileAtts []attOp, oldBlocks, fileBlocks []blockOp, insertOps []attOp) string {
			db := New(testGVR)
			if _, err := db.ImportInterchange(interchangeFromOps(testGVR, oldAtts, oldBlocks)); err != nil {
				return "first import: " + err.Error()
			}
			for _, o := range insertOps {
				_ = db.InsertAttestation(propKeys[o.Key], phase0.Epoch(o.Source), phase0.Epoch(o.Target), propRoot(o.Root))
			}
			old := db.Clone()
			file := interchangeFromOps(testGVR, fileAtts, fileBlocks)
			rep, err := db.ImportInterchange(file)
			if err != nil {
				return "second import: " + err.Error()
			}
			if err := db.Validate(); err != nil {
				return "imported DB not canonical: " + err.Error()
			}
			// Union: old records + file records, nothing else.
			want := recordSet(old)
			for _, b := range fileBlocks {
				want[fmt.Sprintf("%x b %d %s", propKeys[b.Key][:1], b.Slot, describeRootTest(propRoot(b.Root)))] = true
			}
			for _, a := range fileAtts {
				want[fmt.Sprintf("%x a %d %d %s", propKeys[a.Key][:1], a.Source, a.Target, describeRootTest(propRoot(a.Root)))] = true
			}
			got := recordSet(db)
			if !reflect.DeepEqual(want, got) {
				return "import is not the union: " + cmp.Diff(want, got)
			}
			if rep.Blocks != len(fileBlocks) || rep.Attestations != len(fileAtts) {
				return fmt.Sprintf("report counts %d/%d records, file has %d/%d", rep.Blocks, rep.Attestations, len(fileBlocks), len(fileAtts))
			}
			if n := len(got) - len(recordSet(old)); rep.NewBlocks+rep.NewAttestations != n {
				return fmt.Sprintf("report counts %d+%d new records, DB grew by %d", rep.NewBlocks, rep.NewAttestations, n)
			}
			nb, na := bruteSlashableCounts(old, fileAtts, fileBlocks)
			if rep.SlashableBlocks != nb || rep.SlashableAttestations != na {
				return fmt.Sprintf("report counts %d/%d slashable, brute force %d/%d", rep.SlashableBlocks, rep.SlashableAttestations, nb, na)
			}
			sb, sa := bruteStaleCounts(old, fileAtts, fileBlocks)
			if rep.StaleBlocks != sb || rep.StaleAttestations != sa {
				return fmt.Sprintf("report counts %d/%d stale, brute force %d/%d", rep.StaleBlocks, rep.StaleAttestations, sb, sa)
			}

			out, err := db.ExportInterchange()
			if err != nil {
				return "export: " + err.Error()
			}
			fresh := New(testGVR)
			if _, err := fresh.ImportInterchange(out); err != nil {
				return "re-import: " + err.Error()
			}
			if !reflect.DeepEqual(db, fresh) {
				return "Import(Export(db)) != db:\n" + cmp.Diff(db, fresh)
			}
			// Importing the same file again changes nothing.
			again := db.Clone()
			if _, err := again.ImportInterchange(file); err != nil {
				return "repeat import: " + err.Error()
			}
			if !reflect.DeepEqual(db, again) {
				return "repeat import changed the DB:\n" + cmp.Diff(db, again)
			}
			return ""
		},
		gen.SliceOf(genAttOp(8)), gen.SliceOf(genAttOp(8)), gen.SliceOf(genBlockOp()), gen.SliceOf(genBlockOp()), gen.SliceOf(genAttOp(10)),
	))

	properties.Property("a failed import leaves the DB deep-equal to before", prop.ForAll(
		func(oldAtts, fileAtts []attOp, fileBlocks []blockOp, mutation uint8) string {
			db := dbFromOps(oldAtts, nil)
			before := db.Clone()
			file := string(interchangeFromOps(testGVR, fileAtts, fileBlocks))
			var bad string
			head := file[:len(file)-2] // without the closing "]}"
			if strings.HasSuffix(head, "[") {
				head += `{"pubkey":"0x` + strings.Repeat("cd", 48) + `","signed_blocks":[],"signed_attestations":[]}`
			}
			goodKey := `"pubkey":"0x` + strings.Repeat("ab", 48) + `"`
			switch mutation % 8 {
			case 0:
				bad = strings.Replace(file, `"genesis_validators_root":"0x99`, `"genesis_validators_root":"0x98`, 1)
			case 1:
				bad = strings.Replace(file, `"interchange_format_version":"5"`, `"interchange_format_version":"4"`, 1)
			case 2:
				bad = head + `,{` + goodKey + `,"signed_blocks":[{"slot":"1"}],"signed_attestations":[{"source_epoch":"1","target_epoch":"x"}]}]}`
			case 3:
				bad = head + `,{` + goodKey + `,"signed_blocks":[],"signed_attestations":[],"extra":"1"}]}`
			case 4:
				bad = file + "{}"
			case 5:
				bad = file[:len(file)/2]
			case 6:
				bad = head + `,{` + goodKey + `,"signed_blocks":[{"slot":"1","signing_root":"0x` + strings.Repeat("00", 31) + `"}],"signed_attestations":[]}]}`
			case 7:
				bad = head + `],"data":[]}`
			}
			if _, err := db.ImportInterchange([]byte(bad)); err == nil {
				return "corrupted import succeeded: " + bad
			}
			if d := cmp.Diff(before, db); d != "" {
				return "failed import changed the DB:\n" + d
			}
			return ""
		},
		gen.SliceOf(genAttOp(8)), gen.SliceOf(genAttOp(8)), gen.SliceOf(genBlockOp()), gen.UInt8(),
	))

	properties.Property("the minimal export carries exactly the minimal strategy", prop.ForAll(
		func(history []attOp, blocks []blockOp, tries []attOp, blockTries []blockOp) string {
			db := dbFromOps(history, blocks)
			out, err := db.ExportInterchangeMinimal()
			if err != nil {
				return "export: " + err.Error()
			}
			minDB := New(testGVR)
			if _, err := minDB.ImportInterchange(out); err != nil {
				return "import of minimal export: " + err.Error()
			}
			for _, o := range tries {
				key := propKeys[o.Key]
				s, tt, r := phase0.Epoch(o.Source), phase0.Epoch(o.Target), propRoot(o.Root)
				want := db.CheckAttestationMinimal(key, s, tt, r) == nil
				if got := minDB.CheckAttestation(key, s, tt, r) == nil; got != want {
					return fmt.Sprintf("attestation %+v: complete check on minimal export allows=%v, minimal check on DB allows=%v", o, got, want)
				}
				if got := minDB.CheckAttestationMinimal(key, s, tt, r) == nil; got != want {
					return fmt.Sprintf("attestation %+v: minimal check on minimal export allows=%v, want %v", o, got, want)
				}
			}
			for _, o := range blockTries {
				key := propKeys[o.Key]
				want := db.CheckBlockMinimal(key, phase0.Slot(o.Slot), propRoot(o.Root)) == nil
				if got := minDB.CheckBlock(key, phase0.Slot(o.Slot), propRoot(o.Root)) == nil; got != want {
					return fmt.Sprintf("block %+v: complete check on minimal export allows=%v, want %v", o, got, want)
				}
			}
			return ""
		},
		gen.SliceOf(genAttOp(10)), gen.SliceOf(genBlockOp()), gen.SliceOf(genAttOp(12)), gen.SliceOf(genBlockOp()),
	))

	properties.TestingRun(t)
}

// TestPropertyOraclesCanFail makes sure the oracles above are not vacuous:
// each refuses and allows something.
func TestPropertyOraclesCanFail(t *testing.T) {
	h := []*SlashingDBAttestation{{SourceEpoch: 10, TargetEpoch: 20, SigningRoot: rootA}}
	cases := []struct {
		a    *SlashingDBAttestation
		want bool
	}{
		{&SlashingDBAttestation{SourceEpoch: 10, TargetEpoch: 20, SigningRoot: rootA}, true},
		{&SlashingDBAttestation{SourceEpoch: 10, TargetEpoch: 20, SigningRoot: rootB}, false},
		{&SlashingDBAttestation{SourceEpoch: 9, TargetEpoch: 21}, false},
		{&SlashingDBAttestation{SourceEpoch: 10, TargetEpoch: 19}, false},
		{&SlashingDBAttestation{SourceEpoch: 9, TargetEpoch: 20}, false},
		{&SlashingDBAttestation{SourceEpoch: 20, TargetEpoch: 21}, true},
	}
	for _, c := range cases {
		if got := oracleAttestation(h, c.a); got != c.want {
			t.Errorf("oracle(%+v) = %v, want %v", *c.a, got, c.want)
		}
	}
	if !errors.Is(New(testGVR).CheckAttestation(pk1, 2, 1, nil), ErrSourceAfterTarget) {
		t.Fatal("source > target allowed")
	}
}
