package slashing

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// fuzzBaseDB is the DB every FuzzImportInterchange input is imported into:
// canonical, with history for pk1.
func fuzzBaseDB(tb testing.TB) *SlashingDB {
	db := New(testGVR)
	for _, err := range []error{
		db.InsertBlock(pk1, 10, rootA),
		db.InsertBlock(pk1, 12, nil),
		db.InsertAttestation(pk1, 1, 2, rootA),
		db.InsertAttestation(pk1, 2, 5, nil),
	} {
		if err != nil {
			tb.Fatal(err)
		}
	}
	return db
}

// addSuiteSeeds adds the interchanges of the EIP-3076 suite (when
// DVSPEC_INTERCHANGE_DIR is set) as seeds, rewritten to testGVR.
func addSuiteSeeds(f *testing.F) {
	dir := os.Getenv("DVSPEC_INTERCHANGE_DIR")
	if dir == "" {
		return
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, path := range files {
		raw, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		var sf suiteFile
		if json.Unmarshal(raw, &sf) != nil {
			continue
		}
		for _, step := range sf.Steps {
			f.Add(bytes.ReplaceAll(step.Interchange, []byte(sf.GenesisValidatorsRoot), []byte(gvrHex)))
		}
	}
}

func FuzzImportInterchange(f *testing.F) {
	f.Add([]byte(interchangeDoc(``)))
	f.Add([]byte(interchangeDoc(`{"pubkey":"` + pk1Hex + `","signed_blocks":[{"slot":"10","signing_root":"` + hexOf(32, 0xaa) + `"},{"slot":"3"}],"signed_attestations":[{"source_epoch":"0","target_epoch":"9"},{"source_epoch":"8","target_epoch":"7"}]}`)))
	f.Add([]byte(interchangeDoc(`{"pubkey":"` + pk2Hex + `","signed_blocks":[],"signed_attestations":[]},{"pubkey":"` + pk2Hex + `","signed_blocks":[{"slot":"18446744073709551615"}],"signed_attestations":[]}`)))
	f.Add([]byte(`{"metadata":{},"data":[]}`))
	f.Add([]byte(`[`))
	if out, err := fuzzBaseDB(f).ExportInterchange(); err == nil {
		f.Add(out)
	}
	addSuiteSeeds(f)

	f.Fuzz(func(t *testing.T, data []byte) {
		db := fuzzBaseDB(t)
		before := db.Clone()
		rep, err := db.ImportInterchange(data)
		if err != nil {
			if !reflect.DeepEqual(before, db) {
				t.Fatalf("failed import changed the DB:\n%s", cmp.Diff(before, db))
			}
			return
		}
		if err := db.Validate(); err != nil {
			t.Fatalf("import produced a non-canonical DB: %v", err)
		}
		if rep.NewBlocks > rep.Blocks || rep.NewAttestations > rep.Attestations ||
			rep.SlashableBlocks > rep.Blocks || rep.SlashableAttestations > rep.Attestations ||
			rep.StaleBlocks > rep.Blocks || rep.StaleAttestations > rep.Attestations ||
			rep.NewValidators > rep.Validators {
			t.Fatalf("inconsistent report %+v", rep)
		}
		// Union: nothing known before is lost.
		for _, d := range before.Data {
			for _, b := range d.SignedBlocks {
				if !hasBlockRecord(db, d.Pubkey, b) {
					t.Fatalf("import lost block %+v of %x", b, d.Pubkey[:4])
				}
			}
			for _, a := range d.SignedAttestations {
				if !hasAttestationRecord(db, d.Pubkey, a.SourceEpoch, a.TargetEpoch, a.SigningRoot) {
					t.Fatalf("import lost attestation %+v of %x", a, d.Pubkey[:4])
				}
			}
		}
		out, err := db.ExportInterchange()
		if err != nil {
			t.Fatalf("export: %v", err)
		}
		fresh := New(testGVR)
		if _, err := fresh.ImportInterchange(out); err != nil {
			t.Fatalf("re-import of export: %v", err)
		}
		if !reflect.DeepEqual(db, fresh) {
			t.Fatalf("Import(Export(db)) != db:\n%s", cmp.Diff(db, fresh))
		}
	})
}

func hasBlockRecord(db *SlashingDB, pk phase0.BLSPubKey, b *SlashingDBBlock) bool {
	for _, d := range db.Data {
		if d.Pubkey != pk {
			continue
		}
		for _, r := range d.SignedBlocks {
			if r.Slot == b.Slot && cmp.Equal(r.SigningRoot, b.SigningRoot) {
				return true
			}
		}
	}
	return false
}

func FuzzUnmarshalSlashingDB(f *testing.F) {
	for _, db := range []*SlashingDB{New(testGVR), sampleDB(), fuzzBaseDB(f)} {
		enc, err := db.MarshalSSZ()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc)
	}
	f.Add([]byte{})
	f.Add(make([]byte, 44))

	f.Fuzz(func(t *testing.T, data []byte) {
		var db SlashingDB
		if err := db.UnmarshalSSZ(data); err == nil {
			enc, err := db.MarshalSSZ()
			if err != nil {
				t.Fatalf("decoded value does not encode: %v", err)
			}
			var again SlashingDB
			if err := again.UnmarshalSSZ(enc); err != nil {
				t.Fatalf("re-encoding does not decode: %v", err)
			}
			if d := cmp.Diff(&db, &again, cmpopts.EquateEmpty()); d != "" {
				t.Fatalf("decode(encode(decode(x))) != decode(x):\n%s", d)
			}
			if _, err := db.HashTreeRoot(); err != nil {
				t.Fatalf("hash tree root: %v", err)
			}
			// The checks and the export work on whatever was decoded.
			for _, d := range db.Data {
				_ = db.CheckAttestation(d.Pubkey, 3, 4, rootA)
				_ = db.CheckBlock(d.Pubkey, 3, nil)
				_ = db.CheckAttestationMinimal(d.Pubkey, 3, 4, rootA)
				_ = db.CheckBlockMinimal(d.Pubkey, 3, nil)
			}
			if db.InterchangeFormatVersion == InterchangeFormatVersion {
				if _, err := db.ExportInterchange(); err != nil {
					t.Fatalf("export of decoded DB: %v", err)
				}
			}
		}
		strict, err := DecodeSlashingDB(data)
		if err == nil {
			enc, err := strict.MarshalSSZ()
			if err != nil || !bytes.Equal(enc, data) {
				t.Fatalf("strictly decoded value does not re-encode to the input")
			}
			if err := strict.Validate(); err != nil {
				t.Fatalf("strictly decoded DB does not validate: %v", err)
			}
		}
	})
}
