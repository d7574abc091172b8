// Package sszutil holds the one SSZ rule every decoder of outside input in
// go-dvspec follows: an encoding is accepted only if it is canonical, i.e.
// re-encoding the decoded value gives back exactly the input bytes.
//
// The generated decoders (dynamic-ssz v1.3.2) are lenient in places: an
// optional-list field (List[Root, 1]) accepts any payload length and keeps
// the first 32 bytes. Two different byte strings would then decode to the
// same value, so a hash of the bytes and the hash tree root of the value
// would disagree. Checking canonicity here closes that class of bugs for
// every container at once.
package sszutil

import (
	"bytes"
	"errors"
	"fmt"

	dynssz "github.com/pk910/dynamic-ssz"
)

// Codec is a generated SSZ container.
type Codec interface {
	MarshalSSZ() ([]byte, error)
	UnmarshalSSZ(buf []byte) error
}

// ErrNonCanonical marks an encoding that decodes but is not the canonical
// encoding of what it decodes to.
var ErrNonCanonical = errors.New("ssz: non-canonical encoding")

// DecodeCanonical decodes buf into obj and fails unless buf is the
// canonical encoding of the result. It never panics: a panic inside a
// generated decoder is turned into an error.
func DecodeCanonical(buf []byte, obj Codec) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("ssz: decoder panicked: %v", r)
		}
	}()
	if err := obj.UnmarshalSSZ(buf); err != nil {
		return fmt.Errorf("ssz: %w", err)
	}
	again, err := obj.MarshalSSZ()
	if err != nil {
		return fmt.Errorf("ssz: re-encode: %w", err)
	}
	if !bytes.Equal(again, buf) {
		return ErrNonCanonical
	}
	return nil
}

// DecodeCanonicalWith is DecodeCanonical with the container sizes of ds (a
// chain whose preset sizes are not go-eth2-client's mainnet defaults).
func DecodeCanonicalWith(ds *dynssz.DynSsz, buf []byte, obj any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("ssz: decoder panicked: %v", r)
		}
	}()
	if err := ds.UnmarshalSSZ(obj, buf); err != nil {
		return fmt.Errorf("ssz: %w", err)
	}
	again, err := ds.MarshalSSZ(obj)
	if err != nil {
		return fmt.Errorf("ssz: re-encode: %w", err)
	}
	if !bytes.Equal(again, buf) {
		return ErrNonCanonical
	}
	return nil
}
