package bls

import "testing"

// request is shaped like the node's signing request: a signing root next
// to Go pointers in one allocation.
type request struct {
	data *[]byte
	root [32]byte
	next *request
}

// TestMessageInsidePointerStruct: a message that is a slice of an array
// field of a struct holding Go pointers is signed and verified like any
// other. Passed to herumi as is, cgo's pointer check panicked ("Go pointer
// to unpinned Go pointer"), which impl/node's signing path hit.
func TestMessageInsidePointerStruct(t *testing.T) {
	sk, err := InteropSecretKey(5)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := sk.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	b := []byte{1}
	r := &request{data: &b, root: [32]byte{7, 7, 7}}
	r.next = r
	sig, err := Sign(sk, r.root[:])
	if err != nil {
		t.Fatal(err)
	}
	if !Verify(pk, r.root[:], sig) {
		t.Fatal("signature over a root inside a pointer struct does not verify")
	}
	if !FastAggregateVerify([]PublicKey{pk}, r.root[:], sig) {
		t.Fatal("fast aggregate verify fails over a root inside a pointer struct")
	}
	part, err := Share{Index: 1, SecretKey: sk}.Sign(r.root[:])
	if err != nil {
		t.Fatal(err)
	}
	if !VerifyPartial(PublicShare{Index: 1, PublicKey: pk}, r.root[:], part) {
		t.Fatal("partial signature over a root inside a pointer struct does not verify")
	}
}
