package sszutil

import (
	"errors"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"
)

func TestDecodeCanonical(t *testing.T) {
	cp := &phase0.Checkpoint{Epoch: 7, Root: phase0.Root{1}}
	raw, err := cp.MarshalSSZ()
	if err != nil {
		t.Fatal(err)
	}
	var back phase0.Checkpoint
	if err := DecodeCanonical(raw, &back); err != nil || back != *cp {
		t.Fatalf("canonical encoding refused: %v", err)
	}
	if err := DecodeCanonical(raw[:len(raw)-1], &back); err == nil {
		t.Error("truncated encoding accepted")
	}
	if err := DecodeCanonical(append(raw, 0), &back); err == nil {
		t.Error("trailing byte accepted")
	}
}

type lenient struct{ v byte }

func (l *lenient) MarshalSSZ() ([]byte, error) { return []byte{l.v}, nil }
func (l *lenient) UnmarshalSSZ(b []byte) error {
	if len(b) == 0 {
		return errors.New("empty")
	}
	l.v = b[0] // ignores the rest, like the lenient generated decoders
	return nil
}

type panicky struct{}

func (panicky) MarshalSSZ() ([]byte, error) { return nil, nil }
func (panicky) UnmarshalSSZ([]byte) error   { panic("boom") }

func TestDecodeCanonicalCatchesLenientDecoders(t *testing.T) {
	if err := DecodeCanonical([]byte{1, 2}, &lenient{}); !errors.Is(err, ErrNonCanonical) {
		t.Errorf("got %v, want ErrNonCanonical", err)
	}
	if err := DecodeCanonical([]byte{1}, &lenient{}); err != nil {
		t.Errorf("canonical input refused: %v", err)
	}
	if err := DecodeCanonical([]byte{1}, panicky{}); err == nil {
		t.Error("decoder panic not turned into an error")
	}
}
