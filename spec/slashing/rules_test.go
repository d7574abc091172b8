package slashing

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"
	"github.com/google/go-cmp/cmp"
)

var (
	pk1 = phase0.BLSPubKey{0x01, 0xaa}
	pk2 = phase0.BLSPubKey{0x02, 0xbb}

	rootA    = &phase0.Root{0xaa}
	rootB    = &phase0.Root{0xbb}
	rootC    = &phase0.Root{0xcc}
	zeroRoot = &phase0.Root{}
	testGVR  = phase0.Root{0x99, 0x01}
)

func rootCopy(r *phase0.Root) *phase0.Root {
	if r == nil {
		return nil
	}
	c := *r
	return &c
}

// A history record in a test table: which key, and the record.
type histAtt struct {
	pk             phase0.BLSPubKey
	source, target phase0.Epoch
	root           *phase0.Root
}

type histBlock struct {
	pk   phase0.BLSPubKey
	slot phase0.Slot
	root *phase0.Root
}

// buildDB builds a DB from literal records, without the package's insert
// code, one entry per record's key in order of first appearance (or one entry
// per record when split is set, to model a malformed DB).
func buildDB(atts []histAtt, blocks []histBlock, split bool) *SlashingDB {
	db := &SlashingDB{InterchangeFormatVersion: 5, GenesisValidatorsRoot: testGVR}
	entry := func(pk phase0.BLSPubKey) *SlashingDBData {
		if !split {
			for _, d := range db.Data {
				if d.Pubkey == pk {
					return d
				}
			}
		}
		d := &SlashingDBData{Pubkey: pk}
		db.Data = append(db.Data, d)
		return d
	}
	for _, a := range atts {
		d := entry(a.pk)
		d.SignedAttestations = append(d.SignedAttestations, &SlashingDBAttestation{SourceEpoch: a.source, TargetEpoch: a.target, SigningRoot: rootCopy(a.root)})
	}
	for _, b := range blocks {
		d := entry(b.pk)
		d.SignedBlocks = append(d.SignedBlocks, &SlashingDBBlock{Slot: b.slot, SigningRoot: rootCopy(b.root)})
	}
	return db
}

func errName(err error) string {
	if err == nil {
		return "<allowed>"
	}
	return err.Error()
}

func TestCheckAttestationTable(t *testing.T) {
	type attempt struct {
		pk             phase0.BLSPubKey
		source, target phase0.Epoch
		root           *phase0.Root
	}
	tests := []struct {
		name         string
		hist         []histAtt
		split        bool
		try          attempt
		wantComplete error // nil: allowed
		wantMinimal  error
		// wantExisting, when set, is the record the complete refusal names.
		wantExisting *SlashingDBAttestation
	}{
		{name: "empty DB", try: attempt{pk1, 10, 20, rootA}},
		{name: "empty DB genesis 0->0", try: attempt{pk1, 0, 0, rootA}},
		{name: "empty DB absent root", try: attempt{pk1, 10, 20, nil}},
		{name: "empty DB source == target", try: attempt{pk1, 7, 7, rootA}},
		{name: "empty DB source > target", try: attempt{pk1, 21, 20, rootA},
			wantComplete: ErrSourceAfterTarget, wantMinimal: ErrSourceAfterTarget},
		{name: "source > target with history", hist: []histAtt{{pk1, 1, 2, rootA}}, try: attempt{pk1, 30, 29, rootA},
			wantComplete: ErrSourceAfterTarget, wantMinimal: ErrSourceAfterTarget},
		{name: "source > target is never a repeat", hist: []histAtt{{pk1, 8, 7, rootA}}, try: attempt{pk1, 8, 7, rootA},
			wantComplete: ErrSourceAfterTarget, wantMinimal: ErrSourceAfterTarget},
		{name: "double vote other source", hist: []histAtt{{pk1, 10, 20, rootA}}, try: attempt{pk1, 11, 20, rootB},
			wantComplete: ErrDoubleVote, wantMinimal: ErrTargetBelowMaximum,
			wantExisting: &SlashingDBAttestation{SourceEpoch: 10, TargetEpoch: 20, SigningRoot: rootA}},
		{name: "double vote same epochs other root", hist: []histAtt{{pk1, 10, 20, rootA}}, try: attempt{pk1, 10, 20, rootB},
			wantComplete: ErrDoubleVote, wantMinimal: ErrTargetBelowMaximum},
		{name: "re-sign identical root", hist: []histAtt{{pk1, 10, 20, rootA}}, try: attempt{pk1, 10, 20, rootA},
			wantComplete: nil, wantMinimal: ErrTargetBelowMaximum},
		{name: "re-sign with absent new root", hist: []histAtt{{pk1, 10, 20, rootA}}, try: attempt{pk1, 10, 20, nil},
			wantComplete: ErrDoubleVote, wantMinimal: ErrTargetBelowMaximum},
		{name: "re-sign over absent stored root", hist: []histAtt{{pk1, 10, 20, nil}}, try: attempt{pk1, 10, 20, rootA},
			wantComplete: ErrDoubleVote, wantMinimal: ErrTargetBelowMaximum},
		{name: "both roots absent", hist: []histAtt{{pk1, 10, 20, nil}}, try: attempt{pk1, 10, 20, nil},
			wantComplete: ErrDoubleVote, wantMinimal: ErrTargetBelowMaximum},
		{name: "zero root vs zero root", hist: []histAtt{{pk1, 10, 20, zeroRoot}}, try: attempt{pk1, 10, 20, zeroRoot},
			wantComplete: nil, wantMinimal: ErrTargetBelowMaximum},
		{name: "zero root vs absent root", hist: []histAtt{{pk1, 10, 20, zeroRoot}}, try: attempt{pk1, 10, 20, nil},
			wantComplete: ErrDoubleVote, wantMinimal: ErrTargetBelowMaximum},
		{name: "absent root vs zero root", hist: []histAtt{{pk1, 10, 20, nil}}, try: attempt{pk1, 10, 20, zeroRoot},
			wantComplete: ErrDoubleVote, wantMinimal: ErrTargetBelowMaximum},
		{name: "repeat wins over other conflicts", hist: []histAtt{{pk1, 10, 20, rootB}, {pk1, 10, 20, rootA}, {pk1, 5, 30, nil}}, try: attempt{pk1, 10, 20, rootA},
			wantComplete: nil, wantMinimal: ErrTargetBelowMaximum},
		{name: "new surrounds existing", hist: []histAtt{{pk1, 1, 2, rootA}, {pk1, 10, 20, rootA}}, try: attempt{pk1, 5, 25, rootB},
			wantComplete: ErrSurroundsExisting, wantMinimal: ErrSourceBelowMaximum,
			wantExisting: &SlashingDBAttestation{SourceEpoch: 10, TargetEpoch: 20, SigningRoot: rootA}},
		{name: "new surrounds existing by one", hist: []histAtt{{pk1, 1, 2, rootA}, {pk1, 10, 20, rootA}}, try: attempt{pk1, 9, 21, rootB},
			wantComplete: ErrSurroundsExisting, wantMinimal: ErrSourceBelowMaximum},
		{name: "new surrounds existing, minimal sees only the source", hist: []histAtt{{pk1, 10, 20, rootA}, {pk1, 15, 25, rootA}}, try: attempt{pk1, 12, 26, rootB},
			wantComplete: ErrSurroundsExisting, wantMinimal: ErrSourceBelowMaximum},
		{name: "existing surrounds new", hist: []histAtt{{pk1, 1, 2, rootA}, {pk1, 10, 20, rootA}}, try: attempt{pk1, 11, 19, rootB},
			wantComplete: ErrSurroundedByExisting, wantMinimal: ErrTargetBelowMaximum,
			wantExisting: &SlashingDBAttestation{SourceEpoch: 10, TargetEpoch: 20, SigningRoot: rootA}},
		{name: "same source larger target is no surround", hist: []histAtt{{pk1, 10, 20, rootA}}, try: attempt{pk1, 10, 21, rootB}},
		{name: "larger source and target is no surround", hist: []histAtt{{pk1, 10, 20, rootA}}, try: attempt{pk1, 11, 21, rootB}},
		{name: "same source as maximum", hist: []histAtt{{pk1, 10, 20, rootA}, {pk1, 12, 22, rootA}}, try: attempt{pk1, 12, 23, rootB}},
		{name: "target below minimum", hist: []histAtt{{pk1, 10, 20, rootA}}, try: attempt{pk1, 10, 15, rootB},
			wantComplete: ErrTargetBelowMinimum, wantMinimal: ErrTargetBelowMaximum,
			wantExisting: &SlashingDBAttestation{SourceEpoch: 10, TargetEpoch: 20, SigningRoot: rootA}},
		{name: "target far below minimum", hist: []histAtt{{pk1, 10, 20, rootA}}, try: attempt{pk1, 0, 1, rootB},
			wantComplete: ErrTargetBelowMinimum, wantMinimal: ErrSourceBelowMaximum},
		{name: "source below minimum", hist: []histAtt{{pk1, 10, 20, rootA}}, try: attempt{pk1, 5, 25, rootB},
			wantComplete: ErrSourceBelowMinimum, wantMinimal: ErrSourceBelowMaximum,
			wantExisting: &SlashingDBAttestation{SourceEpoch: 10, TargetEpoch: 20, SigningRoot: rootA}},
		{name: "minimum source and target from different records", hist: []histAtt{{pk1, 3, 40, rootA}, {pk1, 20, 21, rootA}}, try: attempt{pk1, 2, 41, rootB},
			wantComplete: ErrSourceBelowMinimum, wantMinimal: ErrSourceBelowMaximum},
		{name: "gap between records: complete allows, minimal refuses", hist: []histAtt{{pk1, 1, 2, rootA}, {pk1, 10, 20, rootA}}, try: attempt{pk1, 3, 5, rootB},
			wantComplete: nil, wantMinimal: ErrSourceBelowMaximum},
		{name: "gap but surrounding a gap record", hist: []histAtt{{pk1, 1, 2, rootA}, {pk1, 4, 5, rootA}, {pk1, 10, 20, rootA}}, try: attempt{pk1, 3, 6, rootB},
			wantComplete: ErrSurroundsExisting, wantMinimal: ErrSourceBelowMaximum},
		{name: "imported source > target record: surrounded", hist: []histAtt{{pk1, 5, 2, nil}}, try: attempt{pk1, 6, 1, rootA},
			wantComplete: ErrSourceAfterTarget, wantMinimal: ErrSourceAfterTarget},
		{name: "imported source > target record: below minimum source", hist: []histAtt{{pk1, 5, 2, nil}}, try: attempt{pk1, 3, 4, rootA},
			wantComplete: ErrSourceBelowMinimum, wantMinimal: ErrSourceBelowMaximum},
		{name: "imported source > target record: sensible only", hist: []histAtt{{pk1, 5, 2, nil}, {pk1, 6, 7, nil}}, try: attempt{pk1, 6, 8, rootA}},
		{name: "other key is independent", hist: []histAtt{{pk1, 10, 20, rootA}}, try: attempt{pk2, 10, 20, rootB}},
		{name: "other key is independent, low epochs", hist: []histAtt{{pk1, 10, 20, rootA}}, try: attempt{pk2, 0, 1, nil}},
		{name: "other key's history does not protect", hist: []histAtt{{pk1, 10, 20, rootA}, {pk2, 1, 2, rootA}}, try: attempt{pk2, 2, 3, rootA}},
		{name: "malformed DB: second entry of the key is read", split: true, hist: []histAtt{{pk1, 10, 20, rootA}, {pk1, 30, 40, rootB}}, try: attempt{pk1, 31, 40, rootC},
			wantComplete: ErrDoubleVote, wantMinimal: ErrTargetBelowMaximum},
		{name: "malformed DB: repeat in second entry", split: true, hist: []histAtt{{pk1, 10, 20, rootA}, {pk1, 30, 40, rootB}}, try: attempt{pk1, 30, 40, rootB},
			wantComplete: nil, wantMinimal: ErrTargetBelowMaximum},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, minimal := range []bool{false, true} {
				db := buildDB(tc.hist, nil, tc.split)
				want := tc.wantComplete
				check, insert := db.CheckAttestation, db.InsertAttestation
				if minimal {
					want = tc.wantMinimal
					check, insert = db.CheckAttestationMinimal, db.InsertAttestationMinimal
				}
				strategy := map[bool]string{false: "complete", true: "minimal"}[minimal]
				before := db.Clone()
				err := check(tc.try.pk, tc.try.source, tc.try.target, tc.try.root)
				if (want == nil) != (err == nil) || (want != nil && !errors.Is(err, want)) {
					t.Fatalf("%s: got %s, want %v", strategy, errName(err), want)
				}
				if d := cmp.Diff(before, db); d != "" {
					t.Fatalf("%s: check changed the DB:\n%s", strategy, d)
				}
				if err != nil {
					var ce *ConflictError
					if !errors.As(err, &ce) {
						t.Fatalf("%s: error %T is not a *ConflictError", strategy, err)
					}
					if ce.Pubkey != tc.try.pk || ce.Attestation == nil || ce.Attestation.SourceEpoch != tc.try.source || ce.Attestation.TargetEpoch != tc.try.target || ce.Block != nil {
						t.Fatalf("%s: ConflictError names the wrong attempt: %+v", strategy, ce)
					}
					if !strings.Contains(err.Error(), fmt.Sprintf("%#x", tc.try.pk[:])) {
						t.Fatalf("%s: message %q does not name the pubkey", strategy, err)
					}
					if (ce.ExistingAttestation == nil) != errors.Is(err, ErrSourceAfterTarget) {
						t.Fatalf("%s: ExistingAttestation = %+v for %v", strategy, ce.ExistingAttestation, ce.Err)
					}
					if !minimal && tc.wantExisting != nil {
						if d := cmp.Diff(tc.wantExisting, ce.ExistingAttestation); d != "" {
							t.Fatalf("conflicting record differs (-want +got):\n%s", d)
						}
					}
				}
				if !minimal {
					slashable := IsSlashableAttestationData(db, &phase0.AttestationData{
						Source: &phase0.Checkpoint{Epoch: tc.try.source},
						Target: &phase0.Checkpoint{Epoch: tc.try.target},
					}, tc.try.root, tc.try.pk)
					if slashable != (want != nil) {
						t.Fatalf("IsSlashableAttestationData = %v, want %v", slashable, want != nil)
					}
				}

				// Insert: on refusal nothing changes; on success the record is
				// present exactly once, and a repeat adds nothing.
				countBefore := countAttestations(db, tc.try.pk)
				wasPresent := hasAttestationRecord(db, tc.try.pk, tc.try.source, tc.try.target, tc.try.root)
				err = insert(tc.try.pk, tc.try.source, tc.try.target, tc.try.root)
				if (want == nil) != (err == nil) || (want != nil && !errors.Is(err, want)) {
					t.Fatalf("%s insert: got %s, want %v", strategy, errName(err), want)
				}
				if err != nil {
					if d := cmp.Diff(before, db); d != "" {
						t.Fatalf("%s: refused insert changed the DB:\n%s", strategy, d)
					}
					continue
				}
				if !hasAttestationRecord(db, tc.try.pk, tc.try.source, tc.try.target, tc.try.root) {
					t.Fatalf("%s: inserted record missing", strategy)
				}
				wantCount := countBefore + 1
				if wasPresent {
					wantCount = countBefore
				}
				if got := countAttestations(db, tc.try.pk); got != wantCount {
					t.Fatalf("%s: %d records after insert, want %d", strategy, got, wantCount)
				}
				// Whatever was allowed once is a repeat under the complete
				// strategy when its root is present.
				if tc.try.root != nil {
					if err := db.CheckAttestation(tc.try.pk, tc.try.source, tc.try.target, tc.try.root); err != nil {
						t.Fatalf("%s: re-signing the inserted attestation refused: %v", strategy, err)
					}
				}
			}
		})
	}
}

func countAttestations(db *SlashingDB, pk phase0.BLSPubKey) int {
	n := 0
	for _, d := range db.Data {
		if d.Pubkey == pk {
			n += len(d.SignedAttestations)
		}
	}
	return n
}

func hasAttestationRecord(db *SlashingDB, pk phase0.BLSPubKey, s, t phase0.Epoch, root *phase0.Root) bool {
	for _, d := range db.Data {
		if d.Pubkey != pk {
			continue
		}
		for _, a := range d.SignedAttestations {
			if a.SourceEpoch == s && a.TargetEpoch == t && cmp.Equal(a.SigningRoot, root) {
				return true
			}
		}
	}
	return false
}

func TestCheckBlockTable(t *testing.T) {
	type attempt struct {
		pk   phase0.BLSPubKey
		slot phase0.Slot
		root *phase0.Root
	}
	tests := []struct {
		name         string
		hist         []histBlock
		split        bool
		try          attempt
		wantComplete error
		wantMinimal  error
		wantExisting *SlashingDBBlock
	}{
		{name: "empty DB", try: attempt{pk1, 10, rootA}},
		{name: "empty DB slot 0", try: attempt{pk1, 0, rootA}},
		{name: "empty DB absent root", try: attempt{pk1, 10, nil}},
		{name: "re-sign identical root", hist: []histBlock{{pk1, 10, rootA}}, try: attempt{pk1, 10, rootA},
			wantComplete: nil, wantMinimal: ErrSlotBelowMaximum},
		{name: "same slot different root", hist: []histBlock{{pk1, 10, rootA}}, try: attempt{pk1, 10, rootB},
			wantComplete: ErrDoubleProposal, wantMinimal: ErrSlotBelowMaximum,
			wantExisting: &SlashingDBBlock{Slot: 10, SigningRoot: rootA}},
		{name: "same slot absent stored root", hist: []histBlock{{pk1, 10, nil}}, try: attempt{pk1, 10, rootA},
			wantComplete: ErrDoubleProposal, wantMinimal: ErrSlotBelowMaximum},
		{name: "same slot absent new root", hist: []histBlock{{pk1, 10, rootA}}, try: attempt{pk1, 10, nil},
			wantComplete: ErrDoubleProposal, wantMinimal: ErrSlotBelowMaximum},
		{name: "same slot both roots absent", hist: []histBlock{{pk1, 10, nil}}, try: attempt{pk1, 10, nil},
			wantComplete: ErrDoubleProposal, wantMinimal: ErrSlotBelowMaximum},
		{name: "zero root vs zero root", hist: []histBlock{{pk1, 10, zeroRoot}}, try: attempt{pk1, 10, zeroRoot},
			wantComplete: nil, wantMinimal: ErrSlotBelowMaximum},
		{name: "zero root vs absent", hist: []histBlock{{pk1, 10, zeroRoot}}, try: attempt{pk1, 10, nil},
			wantComplete: ErrDoubleProposal, wantMinimal: ErrSlotBelowMaximum},
		{name: "slot below minimum", hist: []histBlock{{pk1, 10, rootA}}, try: attempt{pk1, 9, rootB},
			wantComplete: ErrSlotBelowMinimum, wantMinimal: ErrSlotBelowMaximum,
			wantExisting: &SlashingDBBlock{Slot: 10, SigningRoot: rootA}},
		{name: "slot 0 below minimum", hist: []histBlock{{pk1, 10, rootA}, {pk1, 3, rootA}}, try: attempt{pk1, 0, rootB},
			wantComplete: ErrSlotBelowMinimum, wantMinimal: ErrSlotBelowMaximum,
			wantExisting: &SlashingDBBlock{Slot: 3, SigningRoot: rootA}},
		{name: "gap: complete allows, minimal refuses", hist: []histBlock{{pk1, 10, rootA}, {pk1, 20, rootB}}, try: attempt{pk1, 15, rootC},
			wantComplete: nil, wantMinimal: ErrSlotBelowMaximum,
			wantExisting: nil},
		{name: "above maximum", hist: []histBlock{{pk1, 10, rootA}, {pk1, 20, rootB}}, try: attempt{pk1, 21, rootC}},
		{name: "repeat among slashable records", hist: []histBlock{{pk1, 10, rootA}, {pk1, 10, rootB}}, try: attempt{pk1, 10, rootB},
			wantComplete: nil, wantMinimal: ErrSlotBelowMaximum},
		{name: "other key independent", hist: []histBlock{{pk1, 10, rootA}}, try: attempt{pk2, 10, rootB}},
		{name: "other key independent, low slot", hist: []histBlock{{pk1, 10, rootA}}, try: attempt{pk2, 1, nil}},
		{name: "malformed DB: second entry read", split: true, hist: []histBlock{{pk1, 10, rootA}, {pk1, 20, rootB}}, try: attempt{pk1, 20, rootC},
			wantComplete: ErrDoubleProposal, wantMinimal: ErrSlotBelowMaximum},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, minimal := range []bool{false, true} {
				db := buildDB(nil, tc.hist, tc.split)
				want := tc.wantComplete
				check, insert := db.CheckBlock, db.InsertBlock
				if minimal {
					want = tc.wantMinimal
					check, insert = db.CheckBlockMinimal, db.InsertBlockMinimal
				}
				strategy := map[bool]string{false: "complete", true: "minimal"}[minimal]
				before := db.Clone()
				err := check(tc.try.pk, tc.try.slot, tc.try.root)
				if (want == nil) != (err == nil) || (want != nil && !errors.Is(err, want)) {
					t.Fatalf("%s: got %s, want %v", strategy, errName(err), want)
				}
				if err != nil {
					var ce *ConflictError
					if !errors.As(err, &ce) {
						t.Fatalf("%s: error %T is not a *ConflictError", strategy, err)
					}
					if ce.Pubkey != tc.try.pk || ce.Block == nil || ce.Block.Slot != tc.try.slot || ce.ExistingBlock == nil || ce.Attestation != nil {
						t.Fatalf("%s: ConflictError fields wrong: %+v", strategy, ce)
					}
					if !minimal && tc.wantExisting != nil {
						if d := cmp.Diff(tc.wantExisting, ce.ExistingBlock); d != "" {
							t.Fatalf("conflicting record differs (-want +got):\n%s", d)
						}
					}
				}
				if !minimal {
					if got := IsSlashableBlock(db, tc.try.slot, tc.try.root, tc.try.pk); got != (want != nil) {
						t.Fatalf("IsSlashableBlock = %v, want %v", got, want != nil)
					}
				}
				err = insert(tc.try.pk, tc.try.slot, tc.try.root)
				if (want == nil) != (err == nil) || (want != nil && !errors.Is(err, want)) {
					t.Fatalf("%s insert: got %s, want %v", strategy, errName(err), want)
				}
				if err != nil {
					if d := cmp.Diff(before, db); d != "" {
						t.Fatalf("%s: refused insert changed the DB:\n%s", strategy, d)
					}
					continue
				}
				found := 0
				for _, d := range db.Data {
					for _, b := range d.SignedBlocks {
						if d.Pubkey == tc.try.pk && b.Slot == tc.try.slot && cmp.Equal(b.SigningRoot, tc.try.root) {
							found++
						}
					}
				}
				if found != 1 {
					t.Fatalf("%s: inserted block stored %d times, want 1", strategy, found)
				}
			}
		})
	}
}

func TestInsertKeepsCanonicalOrder(t *testing.T) {
	db := New(testGVR)
	steps := []func() error{
		func() error { return db.InsertBlock(pk2, 20, rootA) },
		func() error { return db.InsertBlock(pk1, 10, rootA) },
		func() error { return db.InsertBlock(pk1, 30, nil) },
		func() error { return db.InsertBlock(pk1, 20, rootB) }, // gap
		func() error { return db.InsertBlock(pk1, 20, rootB) }, // repeat
		func() error { return db.InsertAttestation(pk1, 1, 2, rootA) },
		func() error { return db.InsertAttestation(pk1, 10, 20, rootA) },
		func() error { return db.InsertAttestation(pk1, 3, 5, nil) }, // gap
		func() error { return db.InsertAttestation(pk1, 10, 20, rootA) },
		func() error { return db.InsertAttestation(pk2, 0, 0, zeroRoot) },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	want := &SlashingDB{
		InterchangeFormatVersion: 5,
		GenesisValidatorsRoot:    testGVR,
		Data: []*SlashingDBData{
			{
				Pubkey: pk1,
				SignedBlocks: []*SlashingDBBlock{
					{Slot: 10, SigningRoot: rootA}, {Slot: 20, SigningRoot: rootB}, {Slot: 30},
				},
				SignedAttestations: []*SlashingDBAttestation{
					{SourceEpoch: 1, TargetEpoch: 2, SigningRoot: rootA},
					{SourceEpoch: 3, TargetEpoch: 5},
					{SourceEpoch: 10, TargetEpoch: 20, SigningRoot: rootA},
				},
			},
			{
				Pubkey:             pk2,
				SignedBlocks:       []*SlashingDBBlock{{Slot: 20, SigningRoot: rootA}},
				SignedAttestations: []*SlashingDBAttestation{{SourceEpoch: 0, TargetEpoch: 0, SigningRoot: zeroRoot}},
			},
		},
	}
	if d := cmp.Diff(want, db); d != "" {
		t.Fatalf("DB differs (-want +got):\n%s", d)
	}
	if err := db.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestInsertDoesNotAliasCallerRoot(t *testing.T) {
	db := New(testGVR)
	r := phase0.Root{1}
	if err := db.InsertAttestation(pk1, 1, 2, &r); err != nil {
		t.Fatal(err)
	}
	if err := db.InsertBlock(pk1, 1, &r); err != nil {
		t.Fatal(err)
	}
	r[0] = 2
	if got := db.Data[0].SignedAttestations[0].SigningRoot[0]; got != 1 {
		t.Fatalf("stored attestation root follows the caller's variable: %d", got)
	}
	if got := db.Data[0].SignedBlocks[0].SigningRoot[0]; got != 1 {
		t.Fatalf("stored block root follows the caller's variable: %d", got)
	}
}

func TestWatermarks(t *testing.T) {
	empty := &SlashingDBData{}
	if _, ok := empty.MinSlot(); ok {
		t.Fatal("MinSlot of empty history is ok")
	}
	for name, f := range map[string]func() (phase0.Epoch, bool){
		"MinSourceEpoch": empty.MinSourceEpoch, "MinTargetEpoch": empty.MinTargetEpoch,
		"MaxSourceEpoch": empty.MaxSourceEpoch, "MaxTargetEpoch": empty.MaxTargetEpoch,
	} {
		if _, ok := f(); ok {
			t.Fatalf("%s of empty history is ok", name)
		}
	}
	if _, ok := empty.MaxSlot(); ok {
		t.Fatal("MaxSlot of empty history is ok")
	}
	var nilData *SlashingDBData
	if _, ok := nilData.MinTargetEpoch(); ok {
		t.Fatal("MinTargetEpoch of nil history is ok")
	}

	d := &SlashingDBData{
		SignedBlocks: []*SlashingDBBlock{{Slot: 7}, {Slot: 3}, nil, {Slot: 12}},
		SignedAttestations: []*SlashingDBAttestation{
			{SourceEpoch: 4, TargetEpoch: 9}, {SourceEpoch: 2, TargetEpoch: 30}, nil, {SourceEpoch: 8, TargetEpoch: 5},
		},
	}
	check := func(name string, got uint64, ok bool, want uint64) {
		t.Helper()
		if !ok || got != want {
			t.Fatalf("%s = %d, %v; want %d, true", name, got, ok, want)
		}
	}
	v, ok := d.MinSlot()
	check("MinSlot", uint64(v), ok, 3)
	v, ok = d.MaxSlot()
	check("MaxSlot", uint64(v), ok, 12)
	e, ok := d.MinSourceEpoch()
	check("MinSourceEpoch", uint64(e), ok, 2)
	e, ok = d.MinTargetEpoch()
	check("MinTargetEpoch", uint64(e), ok, 5)
	e, ok = d.MaxSourceEpoch()
	check("MaxSourceEpoch", uint64(e), ok, 8)
	e, ok = d.MaxTargetEpoch()
	check("MaxTargetEpoch", uint64(e), ok, 30)
}

func TestGetSlashingDBDataForPubkey(t *testing.T) {
	db := buildDB([]histAtt{{pk1, 1, 2, rootA}}, nil, false)
	before := db.Clone()
	got := GetSlashingDBDataForPubkey(db, pk2)
	if got == nil || got.Pubkey != pk2 || got.SignedBlocks == nil || got.SignedAttestations == nil || len(got.SignedBlocks)+len(got.SignedAttestations) != 0 {
		t.Fatalf("absent key: got %+v, want an empty non-nil history for pk2", got)
	}
	if d := cmp.Diff(before, db); d != "" {
		t.Fatalf("lookup of an absent key changed the DB:\n%s", d)
	}
	if got := GetSlashingDBDataForPubkey(db, pk1); got != db.Data[0] {
		t.Fatalf("present key: got %p, want the DB's entry %p", got, db.Data[0])
	}
	if got := GetSlashingDBDataForPubkey(nil, pk1); got == nil || got.Pubkey != pk1 {
		t.Fatalf("nil DB: got %+v", got)
	}
}

func TestNilAndInvalidInputs(t *testing.T) {
	var db *SlashingDB
	if err := db.CheckAttestation(pk1, 1, 2, rootA); !errors.Is(err, ErrNilDB) {
		t.Fatalf("CheckAttestation on nil DB: %v", err)
	}
	if err := db.CheckBlock(pk1, 1, rootA); !errors.Is(err, ErrNilDB) {
		t.Fatalf("CheckBlock on nil DB: %v", err)
	}
	if err := db.CheckAttestationMinimal(pk1, 1, 2, rootA); !errors.Is(err, ErrNilDB) {
		t.Fatalf("CheckAttestationMinimal on nil DB: %v", err)
	}
	if err := db.CheckBlockMinimal(pk1, 1, rootA); !errors.Is(err, ErrNilDB) {
		t.Fatalf("CheckBlockMinimal on nil DB: %v", err)
	}
	if err := db.InsertAttestation(pk1, 1, 2, rootA); !errors.Is(err, ErrNilDB) {
		t.Fatalf("InsertAttestation on nil DB: %v", err)
	}
	if err := db.InsertBlock(pk1, 1, rootA); !errors.Is(err, ErrNilDB) {
		t.Fatalf("InsertBlock on nil DB: %v", err)
	}
	if !IsSlashableBlock(nil, 1, rootA, pk1) {
		t.Fatal("IsSlashableBlock on nil DB allows")
	}
	if _, err := db.ImportInterchange([]byte("{}")); !errors.Is(err, ErrNilDB) {
		t.Fatalf("ImportInterchange on nil DB: %v", err)
	}
	if _, err := db.ExportInterchange(); !errors.Is(err, ErrNilDB) {
		t.Fatalf("ExportInterchange on nil DB: %v", err)
	}
	if db.Clone() != nil {
		t.Fatal("Clone of nil DB is not nil")
	}

	fresh := New(testGVR)
	for name, data := range map[string]*phase0.AttestationData{
		"nil data":   nil,
		"nil source": {Target: &phase0.Checkpoint{Epoch: 2}},
		"nil target": {Source: &phase0.Checkpoint{Epoch: 1}},
	} {
		if !IsSlashableAttestationData(fresh, data, rootA, pk1) {
			t.Fatalf("%s: IsSlashableAttestationData allows", name)
		}
	}
	if IsSlashableAttestationData(fresh, &phase0.AttestationData{Source: &phase0.Checkpoint{Epoch: 1}, Target: &phase0.Checkpoint{Epoch: 2}}, rootA, pk1) {
		t.Fatal("IsSlashableAttestationData refuses on an empty DB")
	}
}

func TestCloneIsDeep(t *testing.T) {
	db := buildDB([]histAtt{{pk1, 1, 2, rootA}}, []histBlock{{pk1, 5, rootB}}, false)
	c := db.Clone()
	if d := cmp.Diff(db, c); d != "" {
		t.Fatalf("clone differs:\n%s", d)
	}
	c.Data[0].SignedAttestations[0].SigningRoot[0] = 0x11
	c.Data[0].SignedBlocks[0].Slot = 99
	c.Data[0].Pubkey[0] = 0x77
	c.GenesisValidatorsRoot[0] = 0x55
	if db.Data[0].SignedAttestations[0].SigningRoot[0] != 0xaa || db.Data[0].SignedBlocks[0].Slot != 5 || db.Data[0].Pubkey != pk1 || db.GenesisValidatorsRoot != testGVR {
		t.Fatal("modifying the clone modified the original")
	}
}

func TestNewDB(t *testing.T) {
	db := New(testGVR)
	if db.InterchangeFormatVersion != 5 || db.GenesisValidatorsRoot != testGVR || db.Data == nil || len(db.Data) != 0 {
		t.Fatalf("New: %+v", db)
	}
	if err := db.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestValidate(t *testing.T) {
	good := func() *SlashingDB {
		return &SlashingDB{InterchangeFormatVersion: 5, Data: []*SlashingDBData{
			{Pubkey: pk1, SignedBlocks: []*SlashingDBBlock{{Slot: 1}, {Slot: 1, SigningRoot: zeroRoot}, {Slot: 1, SigningRoot: rootA}, {Slot: 2}},
				SignedAttestations: []*SlashingDBAttestation{{SourceEpoch: 1, TargetEpoch: 2}, {SourceEpoch: 0, TargetEpoch: 3}, {SourceEpoch: 1, TargetEpoch: 3}, {SourceEpoch: 1, TargetEpoch: 3, SigningRoot: rootA}}},
			{Pubkey: pk2},
		}}
	}
	if err := good().Validate(); err != nil {
		t.Fatalf("canonical DB refused: %v", err)
	}
	bad := map[string]func(db *SlashingDB){
		"version":             func(db *SlashingDB) { db.InterchangeFormatVersion = 4 },
		"nil entry":           func(db *SlashingDB) { db.Data[1] = nil },
		"unsorted keys":       func(db *SlashingDB) { db.Data[0], db.Data[1] = db.Data[1], db.Data[0] },
		"duplicate key":       func(db *SlashingDB) { db.Data[1].Pubkey = pk1 },
		"nil block":           func(db *SlashingDB) { db.Data[0].SignedBlocks[2] = nil },
		"unsorted blocks":     func(db *SlashingDB) { db.Data[0].SignedBlocks[3].Slot = 0 },
		"duplicate block":     func(db *SlashingDB) { db.Data[0].SignedBlocks[1].SigningRoot = nil },
		"nil attestation":     func(db *SlashingDB) { db.Data[0].SignedAttestations[0] = nil },
		"unsorted attestions": func(db *SlashingDB) { db.Data[0].SignedAttestations[1].SourceEpoch = 5 },
		"duplicate attestation": func(db *SlashingDB) {
			db.Data[0].SignedAttestations[3].SigningRoot = nil
		},
	}
	for name, mutate := range bad {
		db := good()
		mutate(db)
		if err := db.Validate(); err == nil {
			t.Errorf("%s: Validate accepted", name)
		}
	}
	var nilDB *SlashingDB
	if err := nilDB.Validate(); !errors.Is(err, ErrNilDB) {
		t.Fatalf("nil: %v", err)
	}
}
