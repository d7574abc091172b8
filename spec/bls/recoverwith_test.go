package bls

import (
	"errors"
	"testing"

	herumi "github.com/herumi/bls-eth-go-binary/bls"
)

// TestRecoverSignatureWithDecodedParts: recovery from parts some of which
// the caller decoded gives RecoverSignature's answer, for any subset of
// decoded parts; a part the decoder does not know is checked as before.
func TestRecoverSignatureWithDecodedParts(t *testing.T) {
	secret, err := InteropSecretKey(9)
	if err != nil {
		t.Fatal(err)
	}
	shares, err := Split(secret, 3, 4, []byte("recover with"))
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("signing root")
	var parts []PartialSignature
	for _, s := range shares {
		p, err := s.Sign(msg)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, p)
	}
	want, err := RecoverSignature(parts, 3)
	if err != nil {
		t.Fatal(err)
	}
	for mask := range 1 << len(parts) {
		known := map[Signature]*herumi.Sign{}
		for i, p := range parts {
			if mask&(1<<i) != 0 {
				h, err := parseNonInfinitySignature(p.Signature)
				if err != nil {
					t.Fatal(err)
				}
				known[p.Signature] = h
			}
		}
		got, err := RecoverSignatureWith(parts, 3, func(s Signature) *herumi.Sign { return known[s] })
		if err != nil || got != want {
			t.Fatalf("decoded parts %04b: %#x, %v; want %#x", mask, got[:4], err, want[:4])
		}
	}
	bad := append([]PartialSignature(nil), parts...)
	bad[3].Signature = Signature{0x01}
	if _, err := RecoverSignatureWith(bad, 3, func(Signature) *herumi.Sign { return nil }); !errors.Is(err, ErrInvalidSignature) {
		t.Fatalf("an undecodable part the decoder does not know: %v", err)
	}
}
