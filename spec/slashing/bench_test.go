package slashing

import (
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// benchDB holds n attestations and n blocks for pk1 (and a second key).
func benchDB(b *testing.B, n int) *SlashingDB {
	db := New(testGVR)
	for i := 0; i < n; i++ {
		r := phase0.Root{byte(i), byte(i >> 8), byte(i >> 16)}
		if err := db.InsertAttestation(pk1, phase0.Epoch(i), phase0.Epoch(i+1), &r); err != nil {
			b.Fatal(err)
		}
		if err := db.InsertBlock(pk1, phase0.Slot(i), &r); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.InsertAttestation(pk2, 0, 1, nil); err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkCheckAttestation checks a new, safe attestation against 10k
// records (the full scan, the common case).
func BenchmarkCheckAttestation(b *testing.B) {
	db := benchDB(b, 10000)
	r := phase0.Root{0xff}
	for b.Loop() {
		if err := db.CheckAttestation(pk1, 10000, 10001, &r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckAttestationRefused checks a double vote against 10k records.
func BenchmarkCheckAttestationRefused(b *testing.B) {
	db := benchDB(b, 10000)
	r := phase0.Root{0xff}
	for b.Loop() {
		if err := db.CheckAttestation(pk1, 9998, 9999, &r); err == nil {
			b.Fatal("allowed")
		}
	}
}

func BenchmarkCheckAttestationMinimal(b *testing.B) {
	db := benchDB(b, 10000)
	r := phase0.Root{0xff}
	for b.Loop() {
		if err := db.CheckAttestationMinimal(pk1, 10000, 10001, &r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckBlock(b *testing.B) {
	db := benchDB(b, 10000)
	r := phase0.Root{0xff}
	for b.Loop() {
		if err := db.CheckBlock(pk1, 10000, &r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInsertAttestation appends to a history of 10k+ records.
func BenchmarkInsertAttestation(b *testing.B) {
	db := benchDB(b, 10000)
	r := phase0.Root{0xff}
	e := phase0.Epoch(10000)
	for b.Loop() {
		if err := db.InsertAttestation(pk1, e, e+1, &r); err != nil {
			b.Fatal(err)
		}
		e++
	}
}

// BenchmarkExportImport10k round-trips 20k records through the interchange.
func BenchmarkExportImport10k(b *testing.B) {
	db := benchDB(b, 10000)
	for b.Loop() {
		out, err := db.ExportInterchange()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := New(testGVR).ImportInterchange(out); err != nil {
			b.Fatal(err)
		}
	}
}
