package slashingstore

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"
	bolt "go.etcd.io/bbolt"

	"github.com/dvspec/go-dvspec/impl/remotesigner"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

// The store is what the embedded remote signer persists through.
var (
	_ remotesigner.SlashingStore = (*Store)(nil)
	_ remotesigner.RecordStore   = (*Store)(nil)
)

var (
	testGVR   = phase0.Root{0x99, 0x01}
	otherGVR  = phase0.Root{0x42}
	pk1       = phase0.BLSPubKey{0x01, 0xaa}
	pk2       = phase0.BLSPubKey{0x02, 0xbb}
	gvrHex    = fmt.Sprintf("%#x", testGVR[:])
	pk1Hex    = fmt.Sprintf("%#x", pk1[:])
	rootOfInt = func(i uint64) *phase0.Root {
		r := phase0.Root(sha256.Sum256([]byte(fmt.Sprint(i))))
		return &r
	}
)

func att(s, t uint64, root *phase0.Root) *slashing.SlashingDBAttestation {
	return &slashing.SlashingDBAttestation{SourceEpoch: phase0.Epoch(s), TargetEpoch: phase0.Epoch(t), SigningRoot: root}
}

func blk(slot uint64, root *phase0.Root) *slashing.SlashingDBBlock {
	return &slashing.SlashingDBBlock{Slot: phase0.Slot(slot), SigningRoot: root}
}

func openTemp(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "slashing.db")
	s, err := Open(path, testGVR)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func mustExport(t *testing.T, db *slashing.SlashingDB) string {
	t.Helper()
	b, err := db.ExportInterchange()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func storeExport(t *testing.T, s *Store) string {
	t.Helper()
	b, err := s.ExportInterchange()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRoundTrip(t *testing.T) {
	s, path := openTemp(t)
	ref := slashing.New(testGVR)
	for i := uint64(1); i <= 20; i++ {
		a := att(i-1, i, rootOfInt(i))
		if err := s.RecordAttestation(pk1, a); err != nil {
			t.Fatal(err)
		}
		if err := ref.InsertAttestation(pk1, a.SourceEpoch, a.TargetEpoch, a.SigningRoot); err != nil {
			t.Fatal(err)
		}
		if i%4 == 0 {
			b := blk(i*32, rootOfInt(1000+i))
			if err := s.RecordBlock(pk2, b); err != nil {
				t.Fatal(err)
			}
			if err := ref.InsertBlock(pk2, b.Slot, b.SigningRoot); err != nil {
				t.Fatal(err)
			}
		}
	}
	// An unknown root is stored as unknown.
	if err := s.RecordBlock(pk1, blk(7, nil)); err != nil {
		t.Fatal(err)
	}
	if err := ref.InsertBlock(pk1, 7, nil); err != nil {
		t.Fatal(err)
	}
	got, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	gotSSZ, err := got.MarshalSSZ()
	if err != nil {
		t.Fatal(err)
	}
	wantSSZ, err := ref.MarshalSSZ()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(gotSSZ, wantSSZ) {
		t.Fatalf("snapshot differs from the spec DB:\n%s\n%s", mustExport(t, got), mustExport(t, ref))
	}
	loaded, err := s.Load(testGVR)
	if err != nil {
		t.Fatal(err)
	}
	if mustExport(t, loaded) != mustExport(t, ref) {
		t.Fatal("Load differs from Snapshot")
	}
	if _, err := s.Load(otherGVR); !errors.Is(err, ErrWrongChain) {
		t.Fatalf("Load of another chain: %v, want ErrWrongChain", err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("file mode %#o, want 0600", st.Mode().Perm())
	}
}

func TestPersistenceAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "slashing.db")
	s, err := Open(path, testGVR)
	if err != nil {
		t.Fatal(err)
	}
	for i := uint64(1); i <= 5; i++ {
		if err := s.RecordAttestation(pk1, att(i-1, i, rootOfInt(i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RecordBlock(pk1, blk(100, rootOfInt(100))); err != nil {
		t.Fatal(err)
	}
	before := storeExport(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	if _, err := Open(path, otherGVR); !errors.Is(err, ErrWrongChain) {
		t.Fatalf("open for another chain: %v, want ErrWrongChain", err)
	}
	s, err = Open(path, testGVR)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if after := storeExport(t, s); after != before {
		t.Fatalf("history changed across reopen:\n%s\n%s", before, after)
	}
	// The reopened store still protects: a double vote and a double
	// proposal are refused, the repeat is allowed.
	if err := s.RecordAttestation(pk1, att(4, 5, rootOfInt(999))); !errors.Is(err, slashing.ErrDoubleVote) {
		t.Fatalf("double vote after reopen: %v", err)
	}
	if err := s.RecordBlock(pk1, blk(100, rootOfInt(1))); !errors.Is(err, slashing.ErrDoubleProposal) {
		t.Fatalf("double proposal after reopen: %v", err)
	}
	if err := s.RecordAttestation(pk1, att(4, 5, rootOfInt(5))); err != nil {
		t.Fatalf("repeat signing after reopen: %v", err)
	}
}

func TestSecondOpenIsLocked(t *testing.T) {
	_, path := openTemp(t)
	_, err := OpenWithOptions(path, testGVR, Options{LockTimeout: 50 * 1e6})
	if err == nil || !errors.Is(err, bolt.ErrTimeout) {
		t.Fatalf("second open of a locked file: %v, want a lock timeout", err)
	}
}

func TestRefuseSlashableLeavesFileUnchanged(t *testing.T) {
	s, path := openTemp(t)
	for _, a := range []*slashing.SlashingDBAttestation{att(2, 3, rootOfInt(3)), att(3, 4, rootOfInt(4)), att(10, 12, rootOfInt(12))} {
		if err := s.RecordAttestation(pk1, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RecordBlock(pk1, blk(50, rootOfInt(50))); err != nil {
		t.Fatal(err)
	}
	want := fileHash(t, path)
	export := storeExport(t, s)
	cases := []struct {
		name string
		do   func() error
		want error
	}{
		{"double vote", func() error { return s.RecordAttestation(pk1, att(3, 4, rootOfInt(77))) }, slashing.ErrDoubleVote},
		{"double vote, unknown root", func() error { return s.RecordAttestation(pk1, att(3, 4, nil)) }, slashing.ErrDoubleVote},
		{"surrounds", func() error { return s.RecordAttestation(pk1, att(9, 13, rootOfInt(13))) }, slashing.ErrSurroundsExisting},
		{"surrounded", func() error { return s.RecordAttestation(pk1, att(11, 11, rootOfInt(11))) }, slashing.ErrSurroundedByExisting},
		{"target at minimum", func() error { return s.RecordAttestation(pk1, att(0, 3, rootOfInt(1))) }, slashing.ErrDoubleVote},
		{"target below minimum", func() error { return s.RecordAttestation(pk1, att(0, 2, rootOfInt(2))) }, slashing.ErrTargetBelowMinimum},
		{"source after target", func() error { return s.RecordAttestation(pk1, att(20, 19, rootOfInt(19))) }, slashing.ErrSourceAfterTarget},
		{"double proposal", func() error { return s.RecordBlock(pk1, blk(50, rootOfInt(51))) }, slashing.ErrDoubleProposal},
		{"slot below minimum", func() error { return s.RecordBlock(pk1, blk(49, rootOfInt(49))) }, slashing.ErrSlotBelowMinimum},
		{"nil record", func() error { return s.RecordAttestation(pk1, nil) }, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.do()
			if err == nil {
				t.Fatal("accepted")
			}
			if c.want != nil {
				if !errors.Is(err, c.want) {
					t.Fatalf("got %v, want %v", err, c.want)
				}
				var ce *slashing.ConflictError
				if !errors.As(err, &ce) {
					t.Fatalf("%v is not a *slashing.ConflictError", err)
				}
			}
			if got := fileHash(t, path); got != want {
				t.Fatal("a refused record changed the file")
			}
			if storeExport(t, s) != export {
				t.Fatal("a refused record changed the history")
			}
		})
	}
	// The check-only calls agree and write nothing either.
	if err := s.CheckAttestation(pk1, att(3, 4, rootOfInt(77))); !errors.Is(err, slashing.ErrDoubleVote) {
		t.Fatalf("CheckAttestation: %v", err)
	}
	if err := s.CheckBlock(pk1, blk(51, nil)); err != nil {
		t.Fatalf("CheckBlock: %v", err)
	}
	if err := s.CheckAttestation(pk2, att(1, 2, nil)); err != nil {
		t.Fatalf("CheckAttestation of a new key: %v", err)
	}
	if got := fileHash(t, path); got != want {
		t.Fatal("a check changed the file")
	}
}

func interchange(gvr, version, data string) []byte {
	return []byte(`{"metadata":{"interchange_format_version":"` + version + `","genesis_validators_root":"` + gvr + `"},"data":[` + data + `]}`)
}

func TestImportBadFileChangesNothing(t *testing.T) {
	s, path := openTemp(t)
	if err := s.RecordAttestation(pk1, att(1, 2, rootOfInt(2))); err != nil {
		t.Fatal(err)
	}
	good := `{"pubkey":"` + pk1Hex + `","signed_blocks":[{"slot":"5"}],"signed_attestations":[{"source_epoch":"2","target_epoch":"3"}]}`
	want := fileHash(t, path)
	export := storeExport(t, s)
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"wrong genesis validators root", interchange(fmt.Sprintf("%#x", otherGVR[:]), "5", good), slashing.ErrGenesisValidatorsRootMismatch},
		{"wrong version", interchange(gvrHex, "4", good), slashing.ErrInvalidInterchange},
		{"malformed JSON", []byte(`{"metadata":`), slashing.ErrInvalidInterchange},
		{"empty", nil, slashing.ErrInvalidInterchange},
		{"bad second entry", interchange(gvrHex, "5", good+`,{"pubkey":"0x01","signed_blocks":[],"signed_attestations":[]}`), slashing.ErrInvalidInterchange},
		{"unknown field", interchange(gvrHex, "5", strings.Replace(good, `"slot":"5"`, `"slot":"5","x":"1"`, 1)), slashing.ErrInvalidInterchange},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep, err := s.ImportInterchange(c.data)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if rep != (slashing.ImportReport{}) {
				t.Fatalf("report of a failed import: %+v", rep)
			}
			if fileHash(t, path) != want || storeExport(t, s) != export {
				t.Fatal("a refused import changed the store")
			}
		})
	}
	// The good file imports, reports like the spec, and protects.
	ref := slashing.New(testGVR)
	if err := ref.InsertAttestation(pk1, 1, 2, rootOfInt(2)); err != nil {
		t.Fatal(err)
	}
	wantRep, err := ref.ImportInterchange(interchange(gvrHex, "5", good))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.ImportInterchange(interchange(gvrHex, "5", good))
	if err != nil {
		t.Fatal(err)
	}
	if rep != wantRep {
		t.Fatalf("report %+v, spec's %+v", rep, wantRep)
	}
	if storeExport(t, s) != mustExport(t, ref) {
		t.Fatal("import result differs from the spec's")
	}
	if err := s.RecordBlock(pk1, blk(5, rootOfInt(5))); !errors.Is(err, slashing.ErrDoubleProposal) {
		t.Fatalf("block at an imported slot with an unknown root: %v", err)
	}
}

// randomOps applies the same random records and imports to the store and to
// an in-memory spec DB.
func TestExportEqualsSpecExport(t *testing.T) {
	s, _ := openTemp(t)
	ref := slashing.New(testGVR)
	rng := rand.New(rand.NewPCG(1, 2))
	keys := []phase0.BLSPubKey{pk1, pk2, {0x03}}
	for i := 0; i < 300; i++ {
		pk := keys[rng.IntN(len(keys))]
		var root *phase0.Root
		if rng.IntN(5) > 0 {
			root = rootOfInt(uint64(rng.IntN(4)))
		}
		switch rng.IntN(10) {
		case 0:
			// An import of a random (possibly slashable) history.
			doc := fmt.Sprintf(`{"pubkey":"%#x","signed_blocks":[{"slot":"%d"}],"signed_attestations":[{"source_epoch":"%d","target_epoch":"%d"}]}`,
				pk[:], rng.IntN(40), rng.IntN(30), rng.IntN(30))
			data := interchange(gvrHex, "5", doc)
			r1, e1 := ref.ImportInterchange(data)
			r2, e2 := s.ImportInterchange(data)
			if (e1 == nil) != (e2 == nil) || r1 != r2 {
				t.Fatalf("import: spec %v %+v, store %v %+v", e1, r1, e2, r2)
			}
		case 1, 2, 3:
			slot := uint64(rng.IntN(40))
			e1 := ref.InsertBlock(pk, phase0.Slot(slot), root)
			e2 := s.RecordBlock(pk, blk(slot, root))
			if !sameVerdict(e1, e2) {
				t.Fatalf("block %d: spec %v, store %v", slot, e1, e2)
			}
		default:
			src, tgt := uint64(rng.IntN(30)), uint64(rng.IntN(30))
			e1 := ref.InsertAttestation(pk, phase0.Epoch(src), phase0.Epoch(tgt), root)
			e2 := s.RecordAttestation(pk, att(src, tgt, root))
			if !sameVerdict(e1, e2) {
				t.Fatalf("attestation %d/%d: spec %v, store %v", src, tgt, e1, e2)
			}
		}
	}
	if got, want := storeExport(t, s), mustExport(t, ref); got != want {
		t.Fatalf("export differs from the spec's:\n%s\n%s", got, want)
	}
}

// sameVerdict reports whether two check results agree: both nil, or both
// wrapping the same sentinel.
func sameVerdict(a, b error) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	var ca, cb *slashing.ConflictError
	if errors.As(a, &ca) && errors.As(b, &cb) {
		return ca.Err == cb.Err
	}
	return false
}

// TestSubsetCheckMatchesSpec checks the claim of the package doc: the check
// on the stored subset gives the verdict of the spec's check on the whole
// history, on random histories that include slashable and irregular
// (source > target) records stored by Save.
func TestSubsetCheckMatchesSpec(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	s, _ := openTemp(t)
	for round := 0; round < 40; round++ {
		pk := phase0.BLSPubKey{byte(round), 0x77}
		full := slashing.New(testGVR)
		d := &slashing.SlashingDBData{Pubkey: pk}
		n := rng.IntN(25)
		for i := 0; i < n; i++ {
			var root *phase0.Root
			if rng.IntN(4) > 0 {
				root = rootOfInt(uint64(rng.IntN(3)))
			}
			d.SignedAttestations = append(d.SignedAttestations, att(uint64(rng.IntN(20)), uint64(rng.IntN(20)), root))
			d.SignedBlocks = append(d.SignedBlocks, blk(uint64(rng.IntN(20)), root))
		}
		full.Data = []*slashing.SlashingDBData{d}
		if err := s.Save(full); err != nil {
			t.Fatal(err)
		}
		for q := 0; q < 200; q++ {
			var root *phase0.Root
			if rng.IntN(4) > 0 {
				root = rootOfInt(uint64(rng.IntN(3)))
			}
			src, tgt := uint64(rng.IntN(22)), uint64(rng.IntN(22))
			want := full.CheckAttestation(pk, phase0.Epoch(src), phase0.Epoch(tgt), root)
			got := s.CheckAttestation(pk, att(src, tgt, root))
			if !sameVerdict(want, got) {
				t.Fatalf("round %d, attestation %d/%d: spec %v, store %v", round, src, tgt, want, got)
			}
			slot := uint64(rng.IntN(22))
			want = full.CheckBlock(pk, phase0.Slot(slot), root)
			got = s.CheckBlock(pk, blk(slot, root))
			if !sameVerdict(want, got) {
				t.Fatalf("round %d, block %d: spec %v, store %v", round, slot, want, got)
			}
		}
	}
}

func TestSaveMergesAndRefusesOtherChain(t *testing.T) {
	s, path := openTemp(t)
	if err := s.RecordAttestation(pk1, att(1, 2, rootOfInt(2))); err != nil {
		t.Fatal(err)
	}
	want := fileHash(t, path)
	other := slashing.New(otherGVR)
	if err := other.InsertAttestation(pk1, 5, 6, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(other); !errors.Is(err, ErrWrongChain) {
		t.Fatalf("Save of another chain's DB: %v", err)
	}
	if fileHash(t, path) != want {
		t.Fatal("a refused Save changed the file")
	}
	// Save of a DB that lacks the stored record keeps it.
	db := slashing.New(testGVR)
	if err := db.InsertAttestation(pk2, 3, 4, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(db); err != nil {
		t.Fatal(err)
	}
	ref := slashing.New(testGVR)
	_ = ref.InsertAttestation(pk1, 1, 2, rootOfInt(2))
	_ = ref.InsertAttestation(pk2, 3, 4, nil)
	if storeExport(t, s) != mustExport(t, ref) {
		t.Fatal("Save did not merge")
	}
}

func TestOpenRefusesForeignFiles(t *testing.T) {
	dir := t.TempDir()
	// Not a bbolt file.
	junk := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(junk, bytes.Repeat([]byte("x"), 8192), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(junk, testGVR); err == nil {
		t.Fatal("opened a file that is not a bbolt database")
	}
	// A bbolt file of something else.
	foreign := filepath.Join(dir, "foreign.db")
	db, err := bolt.Open(foreign, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("other")); return err }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(foreign, testGVR); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("foreign bbolt file: %v, want ErrCorrupt", err)
	}
	// A slashing store of a later schema.
	later := filepath.Join(dir, "later.db")
	s, err := Open(later, testGVR)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keySchemaVersion, u64(2)) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(later, testGVR); err == nil || !strings.Contains(err.Error(), "schema version 2") {
		t.Fatalf("later schema: %v", err)
	}
	// A missing directory.
	if _, err := Open(filepath.Join(dir, "no", "such", "dir.db"), testGVR); err == nil {
		t.Fatal("opened a file in a missing directory")
	}
}

func TestCorruptRecordIsAnError(t *testing.T) {
	s, _ := openTemp(t)
	if err := s.RecordAttestation(pk1, att(1, 2, nil)); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketValidators).Bucket(pk1[:]).Bucket(bucketAttestations).Put([]byte{1, 2, 3}, []byte{})
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Snapshot(); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Snapshot of a corrupt record: %v", err)
	}
	if err := s.RecordAttestation(pk1, att(2, 3, nil)); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("RecordAttestation over a corrupt record: %v", err)
	}
}

func BenchmarkRecordAttestation(b *testing.B) {
	for _, history := range []int{0, 10000} {
		b.Run(fmt.Sprintf("history=%d", history), func(b *testing.B) {
			s, _ := openTemp(b)
			if history > 0 {
				db := slashing.New(testGVR)
				d := &slashing.SlashingDBData{Pubkey: pk1}
				for i := 1; i <= history; i++ {
					d.SignedAttestations = append(d.SignedAttestations, att(uint64(i-1), uint64(i), rootOfInt(uint64(i))))
				}
				db.Data = []*slashing.SlashingDBData{d}
				if err := s.Save(db); err != nil {
					b.Fatal(err)
				}
			}
			next := uint64(history)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				next++
				if err := s.RecordAttestation(pk1, att(next-1, next, rootOfInt(next))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRecordBlock(b *testing.B) {
	s, _ := openTemp(b)
	for i := 0; i < b.N; i++ {
		if err := s.RecordBlock(pk1, blk(uint64(i+1), rootOfInt(uint64(i)))); err != nil {
			b.Fatal(err)
		}
	}
}
