package p2p

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"

	dynssz "github.com/pk910/dynamic-ssz"
)

// sszEnvelope is the envelope's SSZ shape, for an independent encoding.
type sszEnvelope struct {
	MsgType []byte `ssz-max:"64"`
	Payload []byte `ssz-max:"33554432"`
}

func TestEnvelopeIsSSZ(t *testing.T) {
	ds := dynssz.NewDynSsz(nil)
	for _, c := range []struct {
		typ     string
		payload []byte
	}{
		{"qbft", nil},
		{"qbft", []byte{1, 2, 3}},
		{"share/attestation", bytes.Repeat([]byte{0xab}, 1000)},
		{strings.Repeat("a", 64), []byte("x")},
	} {
		want, err := ds.MarshalSSZ(&sszEnvelope{MsgType: []byte(c.typ), Payload: c.payload})
		if err != nil {
			t.Fatal(err)
		}
		got := EncodeEnvelope(c.typ, c.payload)
		if !bytes.Equal(got, want) {
			t.Fatalf("%q: encoding %x, dynamic-ssz %x", c.typ, got, want)
		}
		frame := appendFrameHeader(nil, c.typ, len(c.payload))
		frame = append(frame, c.payload...)
		if !bytes.Equal(frame, append(binary.AppendUvarint(nil, uint64(len(want))), want...)) {
			t.Fatalf("%q: frame is not uvarint(len) || envelope", c.typ)
		}
		typ, payload, err := DecodeEnvelope(got)
		if err != nil || typ != c.typ || !bytes.Equal(payload, c.payload) {
			t.Fatalf("%q: decoded %q %x %v", c.typ, typ, payload, err)
		}
		var back sszEnvelope
		if err := ds.UnmarshalSSZ(&back, got); err != nil || string(back.MsgType) != c.typ || !bytes.Equal(back.Payload, c.payload) {
			t.Fatalf("%q: dynamic-ssz decodes %+v %v", c.typ, back, err)
		}
	}
}

func TestDecodeEnvelopeRejects(t *testing.T) {
	le := func(a, b uint32, rest string) []byte {
		out := binary.LittleEndian.AppendUint32(nil, a)
		out = binary.LittleEndian.AppendUint32(out, b)
		return append(out, rest...)
	}
	for name, buf := range map[string][]byte{
		"empty":                  nil,
		"short":                  {8, 0, 0, 0},
		"first offset 9":         le(9, 12, "qbftx"),
		"second before first":    le(8, 7, "qbft"),
		"second past the end":    le(8, 13, "qbft"),
		"empty type":             le(8, 8, "payload"),
		"type of 65 bytes":       le(8, 8+65, strings.Repeat("a", 65)),
		"upper case":             le(8, 12, "QBFT"),
		"empty component":        le(8, 13, "qbft/"),
		"leading slash":          le(8, 13, "/qbft"),
		"double slash":           le(8, 14, "qb//ft"),
		"control character":      le(8, 12, "qb\nt"),
		"non-ASCII":              le(8, 13, "qbf\xc3\xa9"),
		"second offset overflow": le(8, 0xffffffff, "qbft"),
	} {
		if _, _, err := DecodeEnvelope(buf); !errors.Is(err, errBadEnvelope) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestReadFrameLength(t *testing.T) {
	read := func(b []byte) (uint64, error) {
		return readFrameLength(bufio.NewReader(bytes.NewReader(b)), nil)
	}
	for _, v := range []uint64{0, 1, 127, 128, 300, 16 << 20, 1<<63 + 5, ^uint64(0)} {
		got, err := read(binary.AppendUvarint(nil, v))
		if err != nil || got != v {
			t.Fatalf("%d: got %d %v", v, got, err)
		}
	}
	for name, b := range map[string][]byte{
		"not minimal":   {0x80, 0x00},
		"not minimal 2": {0xff, 0x80, 0x00},
		"overflow":      {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02},
		"eleven bytes":  {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01},
	} {
		if _, err := read(b); !errors.Is(err, errBadVarint) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := read(nil); !errors.Is(err, io.EOF) {
		t.Errorf("empty: %v", err)
	}
	if _, err := read([]byte{0x80}); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("cut: %v", err)
	}
}

func FuzzDecodeEnvelope(f *testing.F) {
	f.Add(EncodeEnvelope("qbft", []byte("payload")))
	f.Add(EncodeEnvelope("share/attestation", nil))
	f.Add([]byte{8, 0, 0, 0, 8, 0, 0, 0})
	f.Fuzz(func(t *testing.T, buf []byte) {
		typ, payload, err := DecodeEnvelope(buf)
		if err != nil {
			return
		}
		if !bytes.Equal(EncodeEnvelope(typ, payload), buf) {
			t.Fatalf("accepted a non-canonical envelope %x", buf)
		}
	})
}

func FuzzReadFrameLength(f *testing.F) {
	f.Add(binary.AppendUvarint(nil, 300))
	f.Add([]byte{0x80, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := readFrameLength(bufio.NewReader(bytes.NewReader(b)), nil)
		if err != nil {
			return
		}
		enc := binary.AppendUvarint(nil, v)
		if !bytes.HasPrefix(b, enc) {
			t.Fatalf("accepted %x as %d (canonical %x)", b, v, enc)
		}
	})
}
