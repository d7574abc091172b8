package slashing

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"math/rand"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// An independent SSZ hash tree root, written from the SSZ spec
// (merkleize with a limit, mix_in_length), to check the generated code.

func sszHash(a, b [32]byte) [32]byte {
	return sha256.Sum256(append(a[:], b[:]...))
}

func merkleize(chunks [][32]byte, limit uint64) [32]byte {
	depth := 0
	for (uint64(1) << depth) < limit {
		depth++
	}
	layer := append([][32]byte(nil), chunks...)
	var zero [32]byte // zero hash of the current level
	for d := 0; d < depth; d++ {
		if len(layer)%2 == 1 {
			layer = append(layer, zero)
		}
		next := make([][32]byte, 0, len(layer)/2)
		for i := 0; i < len(layer); i += 2 {
			next = append(next, sszHash(layer[i], layer[i+1]))
		}
		layer = next
		zero = sszHash(zero, zero)
	}
	if len(layer) == 0 {
		return zero
	}
	return layer[0]
}

func mixInLength(root [32]byte, n uint64) [32]byte {
	var l [32]byte
	binary.LittleEndian.PutUint64(l[:], n)
	return sszHash(root, l)
}

func uint64Chunk(v uint64) [32]byte {
	var c [32]byte
	binary.LittleEndian.PutUint64(c[:], v)
	return c
}

func optionalRootHTR(r *phase0.Root) [32]byte {
	if r == nil {
		return mixInLength(merkleize(nil, 1), 0)
	}
	return mixInLength(merkleize([][32]byte{*r}, 1), 1)
}

func refBlockHTR(b *SlashingDBBlock) [32]byte {
	return merkleize([][32]byte{uint64Chunk(uint64(b.Slot)), optionalRootHTR(b.SigningRoot)}, 2)
}

func refAttestationHTR(a *SlashingDBAttestation) [32]byte {
	return merkleize([][32]byte{uint64Chunk(uint64(a.SourceEpoch)), uint64Chunk(uint64(a.TargetEpoch)), optionalRootHTR(a.SigningRoot)}, 3)
}

func refDataHTR(d *SlashingDBData) [32]byte {
	var c0, c1 [32]byte
	copy(c0[:], d.Pubkey[:32])
	copy(c1[:], d.Pubkey[32:])
	pubkey := merkleize([][32]byte{c0, c1}, 2)
	var blocks, atts [][32]byte
	for _, b := range d.SignedBlocks {
		blocks = append(blocks, refBlockHTR(b))
	}
	for _, a := range d.SignedAttestations {
		atts = append(atts, refAttestationHTR(a))
	}
	return merkleize([][32]byte{
		pubkey,
		mixInLength(merkleize(blocks, MaxSignedRecords), uint64(len(blocks))),
		mixInLength(merkleize(atts, MaxSignedRecords), uint64(len(atts))),
	}, 3)
}

func refDBHTR(db *SlashingDB) [32]byte {
	var data [][32]byte
	for _, d := range db.Data {
		data = append(data, refDataHTR(d))
	}
	return merkleize([][32]byte{
		uint64Chunk(db.InterchangeFormatVersion),
		db.GenesisValidatorsRoot,
		mixInLength(merkleize(data, MaxValidators), uint64(len(data))),
	}, 3)
}

func sampleDB() *SlashingDB {
	db := New(testGVR)
	db.Data = []*SlashingDBData{
		{
			Pubkey:       pk1,
			SignedBlocks: []*SlashingDBBlock{{Slot: 4}, {Slot: 10, SigningRoot: rootA}, {Slot: 12, SigningRoot: zeroRoot}},
			SignedAttestations: []*SlashingDBAttestation{
				{SourceEpoch: 1, TargetEpoch: 2},
				{SourceEpoch: 5, TargetEpoch: 6, SigningRoot: rootA},
			},
		},
		{Pubkey: pk2, SignedBlocks: []*SlashingDBBlock{}, SignedAttestations: []*SlashingDBAttestation{{SourceEpoch: 0, TargetEpoch: 0, SigningRoot: zeroRoot}}},
		{Pubkey: phase0.BLSPubKey{0x03}, SignedBlocks: []*SlashingDBBlock{{Slot: 1 << 63}}, SignedAttestations: []*SlashingDBAttestation{}},
	}
	return db
}

func TestSSZBlockEncoding(t *testing.T) {
	b := &SlashingDBBlock{Slot: 0x0102}
	got, err := b.MarshalSSZ()
	if err != nil {
		t.Fatal(err)
	}
	// Slot (8 bytes LE), then the offset of the List[Root, 1] (12), then the
	// list: nothing for an absent root.
	want := []byte{0x02, 0x01, 0, 0, 0, 0, 0, 0, 12, 0, 0, 0}
	if !bytes.Equal(got, want) {
		t.Fatalf("absent root: got %x, want %x", got, want)
	}
	b.SigningRoot = rootA
	got, err = b.MarshalSSZ()
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, rootA[:]...)
	if !bytes.Equal(got, want) {
		t.Fatalf("present root: got %x, want %x", got, want)
	}
	// A present zero root is one element, not an empty list.
	b.SigningRoot = zeroRoot
	got, _ = b.MarshalSSZ()
	if len(got) != 44 {
		t.Fatalf("zero root encodes in %d bytes, want 44", len(got))
	}
	var back SlashingDBBlock
	if err := back.UnmarshalSSZ(got); err != nil {
		t.Fatal(err)
	}
	if back.SigningRoot == nil || *back.SigningRoot != (phase0.Root{}) {
		t.Fatalf("zero root decoded as %v", back.SigningRoot)
	}
	var absent SlashingDBBlock
	if err := absent.UnmarshalSSZ(want[:12]); err != nil {
		t.Fatal(err)
	}
	if absent.SigningRoot != nil {
		t.Fatal("empty list decoded as a present root")
	}
}

func TestSSZAttestationEncoding(t *testing.T) {
	a := &SlashingDBAttestation{SourceEpoch: 3, TargetEpoch: 0x0400}
	got, err := a.MarshalSSZ()
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{3, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0}
	if !bytes.Equal(got, want) {
		t.Fatalf("got %x, want %x", got, want)
	}
}

func TestSSZHashTreeRoot(t *testing.T) {
	db := sampleDB()
	got, err := db.HashTreeRoot()
	if err != nil {
		t.Fatal(err)
	}
	if want := refDBHTR(db); got != want {
		t.Fatalf("DB root %x, reference %x", got, want)
	}
	for _, b := range []*SlashingDBBlock{{Slot: 5}, {Slot: 5, SigningRoot: zeroRoot}, {Slot: 5, SigningRoot: rootA}} {
		got, err := b.HashTreeRoot()
		if err != nil {
			t.Fatal(err)
		}
		if want := refBlockHTR(b); got != want {
			t.Fatalf("block %+v root %x, reference %x", b, got, want)
		}
	}
	// Absent and zero roots must hash differently.
	r1, _ := (&SlashingDBBlock{Slot: 5}).HashTreeRoot()
	r2, _ := (&SlashingDBBlock{Slot: 5, SigningRoot: zeroRoot}).HashTreeRoot()
	if r1 == r2 {
		t.Fatal("absent and zero signing roots have the same hash tree root")
	}
	empty, _ := New(testGVR).HashTreeRoot()
	if want := refDBHTR(New(testGVR)); empty != want {
		t.Fatalf("empty DB root %x, reference %x", empty, want)
	}
}

func TestSSZRoundTrip(t *testing.T) {
	for name, db := range map[string]*SlashingDB{"sample": sampleDB(), "empty": New(testGVR)} {
		enc, err := db.MarshalSSZ()
		if err != nil {
			t.Fatal(err)
		}
		if len(enc) != db.SizeSSZ() {
			t.Fatalf("%s: %d bytes, SizeSSZ says %d", name, len(enc), db.SizeSSZ())
		}
		var back SlashingDB
		if err := back.UnmarshalSSZ(enc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d := cmp.Diff(db, &back, cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("%s: round trip differs:\n%s", name, d)
		}
		strict, err := DecodeSlashingDB(enc)
		if err != nil {
			t.Fatalf("%s: DecodeSlashingDB: %v", name, err)
		}
		if d := cmp.Diff(db, strict, cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("%s: strict decode differs:\n%s", name, d)
		}
		// The decoded DB works.
		if err := strict.CheckAttestation(pk1, 5, 6, rootA); err != nil && name == "sample" {
			t.Fatalf("repeat refused after decode: %v", err)
		}
	}
}

// encodeBlockRaw encodes a SlashingDBBlock with an arbitrary signing root
// list payload.
func encodeBlockRaw(slot uint64, rootPayload []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, slot)
	b = binary.LittleEndian.AppendUint32(b, 12)
	return append(b, rootPayload...)
}

func TestSSZMalformed(t *testing.T) {
	enc, err := sampleDB().MarshalSSZ()
	if err != nil {
		t.Fatal(err)
	}
	// Fixed part: version 8, gvr 32, offset 4.
	for n := 0; n < 44; n++ {
		var db SlashingDB
		if err := db.UnmarshalSSZ(enc[:n]); err == nil {
			t.Fatalf("%d-byte prefix decoded", n)
		}
		if _, err := DecodeSlashingDB(enc[:n]); err == nil {
			t.Fatalf("%d-byte prefix strictly decoded", n)
		}
	}
	mutate := func(f func(b []byte) []byte) []byte {
		return f(append([]byte(nil), enc...))
	}
	cases := map[string][]byte{
		"first offset too small": mutate(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[40:], 43); return b }),
		"first offset too large": mutate(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[40:], 45); return b }),
		"data offsets unaligned": mutate(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[44:], 7); return b }),
		"data offset past end":   mutate(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[48:], uint32(len(b))); return b }),
		"data offsets decrease":  mutate(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[48:], 12); return b }),
		"data offset zero":       mutate(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[44:], 0); return b }),
	}
	for name, buf := range cases {
		var db SlashingDB
		if err := db.UnmarshalSSZ(buf); err == nil {
			t.Errorf("%s: decoded", name)
		}
		if _, err := DecodeSlashingDB(buf); err == nil {
			t.Errorf("%s: strictly decoded", name)
		}
	}

	// A signing root list must hold 0 or 1 whole roots. The generated decoder
	// does not check the element size (dynamic-ssz v1.3.2), so these are
	// caught by DecodeSlashingDB's canonical re-encoding.
	for name, payload := range map[string][]byte{
		"root of 31 bytes": make([]byte, 31),
		"root of 33 bytes": make([]byte, 33),
		"two roots":        make([]byte, 64),
		"one byte":         {1},
	} {
		data := &SlashingDBData{Pubkey: pk1}
		good, _ := data.MarshalSSZ()
		// Hand-build SlashingDBData with one block: pubkey, two offsets, the
		// block list (one offset + block), the empty attestation list.
		blk := encodeBlockRaw(9, payload)
		body := append([]byte(nil), good[:48]...)
		body = binary.LittleEndian.AppendUint32(body, 56)
		body = binary.LittleEndian.AppendUint32(body, uint32(56+4+len(blk)))
		body = binary.LittleEndian.AppendUint32(body, 4)
		body = append(body, blk...)
		dbBytes := append(binary.LittleEndian.AppendUint64(nil, 5), testGVR[:]...)
		dbBytes = binary.LittleEndian.AppendUint32(dbBytes, 44)
		dbBytes = binary.LittleEndian.AppendUint32(dbBytes, 4)
		dbBytes = append(dbBytes, body...)
		if _, err := DecodeSlashingDB(dbBytes); err == nil {
			t.Errorf("%s: strictly decoded", name)
		}
		// The same layout with a proper root decodes, so the test is sound.
		body32 := append([]byte(nil), good[:48]...)
		blk32 := encodeBlockRaw(9, rootA[:])
		body32 = binary.LittleEndian.AppendUint32(body32, 56)
		body32 = binary.LittleEndian.AppendUint32(body32, uint32(56+4+len(blk32)))
		body32 = binary.LittleEndian.AppendUint32(body32, 4)
		body32 = append(body32, blk32...)
		ok := append(binary.LittleEndian.AppendUint64(nil, 5), testGVR[:]...)
		ok = binary.LittleEndian.AppendUint32(ok, 44)
		ok = binary.LittleEndian.AppendUint32(ok, 4)
		ok = append(ok, body32...)
		got, err := DecodeSlashingDB(ok)
		if err != nil {
			t.Fatalf("control case: %v", err)
		}
		if got.Data[0].SignedBlocks[0].Slot != 9 || *got.Data[0].SignedBlocks[0].SigningRoot != *rootA {
			t.Fatalf("control case decoded %+v", got.Data[0].SignedBlocks[0])
		}
	}

	// Canonical SSZ of a non-canonical DB (unsorted keys) is refused by the
	// strict decoder.
	unsorted := sampleDB()
	unsorted.Data[0], unsorted.Data[1] = unsorted.Data[1], unsorted.Data[0]
	buf, err := unsorted.MarshalSSZ()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeSlashingDB(buf); err == nil {
		t.Fatal("unsorted DB strictly decoded")
	}
}

// TestSSZMutationsNeverPanic flips, truncates and extends a valid encoding
// many times; decoding must return (an error or a value), never panic.
func TestSSZMutationsNeverPanic(t *testing.T) {
	enc, err := sampleDB().MarshalSSZ()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(7))
	for i := 0; i < 20000; i++ {
		buf := append([]byte(nil), enc...)
		switch rng.Intn(4) {
		case 0:
			buf[rng.Intn(len(buf))] = byte(rng.Intn(256))
		case 1:
			buf = buf[:rng.Intn(len(buf))]
		case 2:
			pos := rng.Intn(len(buf) - 3)
			binary.LittleEndian.PutUint32(buf[pos:], rng.Uint32()%uint32(2*len(buf)))
		case 3:
			buf = append(buf, make([]byte, rng.Intn(70))...)
		}
		var db SlashingDB
		if db.UnmarshalSSZ(buf) == nil {
			if _, err := db.MarshalSSZ(); err != nil {
				t.Fatalf("decoded value does not re-encode: %v", err)
			}
			_ = db.CheckAttestation(pk1, 3, 4, nil)
		}
		_, _ = DecodeSlashingDB(buf)
	}
}
