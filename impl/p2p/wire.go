package p2p

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Wire format (see the package documentation):
//
//	frame    = uvarint(len(envelope)) || envelope
//	envelope = SSZ Envelope { msg_type: ByteList[64], payload: ByteList[2**25] }
//	         = uint32_le(8) || uint32_le(8 + len(msg_type)) || msg_type || payload

// MaxMsgTypeLength bounds a message type (the SSZ list limit of
// Envelope.msg_type).
const MaxMsgTypeLength = 64

// MaxMessageSizeLimit is the largest MaxMessageSize a protocol may have (the
// SSZ list limit of Envelope.payload, 32 MiB).
const MaxMessageSizeLimit = 1 << 25

// envelopeFixed is the fixed part of an envelope: two 4-byte offsets.
const envelopeFixed = 8

// maxUvarintLen is the longest uvarint frame header read; 5 bytes already
// cover 2^35, far above any frame this package accepts.
const maxUvarintLen = binary.MaxVarintLen64

var (
	errBadEnvelope = errors.New("malformed envelope")
	errBadVarint   = errors.New("malformed frame length")
)

// envelopeSize is the encoded size of an envelope.
func envelopeSize(msgType string, payload []byte) int {
	return envelopeFixed + len(msgType) + len(payload)
}

// appendFrameHeader appends the frame length and the envelope up to (not
// including) the payload.
func appendFrameHeader(dst []byte, msgType string, payloadLen int) []byte {
	n := envelopeFixed + len(msgType) + payloadLen
	dst = binary.AppendUvarint(dst, uint64(n))
	dst = binary.LittleEndian.AppendUint32(dst, envelopeFixed)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(envelopeFixed+len(msgType)))
	return append(dst, msgType...)
}

// EncodeEnvelope returns the SSZ encoding of Envelope{msgType, payload}
// (without the frame length). It is what other implementations must put
// after the uvarint length of each frame.
func EncodeEnvelope(msgType string, payload []byte) []byte {
	out := make([]byte, 0, envelopeSize(msgType, payload))
	out = binary.LittleEndian.AppendUint32(out, envelopeFixed)
	out = binary.LittleEndian.AppendUint32(out, uint32(envelopeFixed+len(msgType)))
	out = append(out, msgType...)
	return append(out, payload...)
}

// DecodeEnvelope decodes an envelope strictly: the first offset must be 8,
// the second within the buffer, and the message type at most 64 bytes of
// valid message-type characters. The payload aliases buf.
func DecodeEnvelope(buf []byte) (msgType string, payload []byte, err error) {
	if len(buf) < envelopeFixed {
		return "", nil, fmt.Errorf("%w: %d bytes", errBadEnvelope, len(buf))
	}
	o1 := binary.LittleEndian.Uint32(buf[0:4])
	o2 := binary.LittleEndian.Uint32(buf[4:8])
	if o1 != envelopeFixed {
		return "", nil, fmt.Errorf("%w: first offset %d", errBadEnvelope, o1)
	}
	if o2 < o1 || uint64(o2) > uint64(len(buf)) {
		return "", nil, fmt.Errorf("%w: second offset %d of %d bytes", errBadEnvelope, o2, len(buf))
	}
	if o2-o1 > MaxMsgTypeLength {
		return "", nil, fmt.Errorf("%w: message type of %d bytes", errBadEnvelope, o2-o1)
	}
	msgType = string(buf[o1:o2])
	if err := validMsgType(msgType); err != nil {
		return "", nil, fmt.Errorf("%w: %v", errBadEnvelope, err)
	}
	return msgType, buf[o2:], nil
}

// validMsgType checks a message type: 1..64 bytes of [a-z0-9_.-] and '/'
// separators, no empty component.
func validMsgType(t string) error {
	if t == "" || len(t) > MaxMsgTypeLength {
		return fmt.Errorf("message type of %d bytes, want 1..%d", len(t), MaxMsgTypeLength)
	}
	prev := byte('/')
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '_', c == '.', c == '-':
		case c == '/':
			if prev == '/' {
				return fmt.Errorf("message type %q has an empty component", t)
			}
		default:
			return fmt.Errorf("message type %q: character %q not allowed (want [a-z0-9_.-] and /)", t, c)
		}
		prev = c
	}
	if prev == '/' {
		return fmt.Errorf("message type %q has an empty component", t)
	}
	return nil
}

// readFrameLength reads a minimal uvarint frame length. first is called
// after the first byte arrived (to arm the read deadline of the rest of the
// frame: an idle stream may wait for its next frame without a deadline).
func readFrameLength(r *bufio.Reader, first func()) (uint64, error) {
	var x uint64
	var s uint
	for i := 0; i < maxUvarintLen; i++ {
		b, err := r.ReadByte()
		if err != nil {
			if i > 0 && errors.Is(err, io.EOF) {
				return 0, io.ErrUnexpectedEOF
			}
			return 0, err
		}
		if i == 0 && first != nil {
			first()
		}
		if b < 0x80 {
			if i > 0 && b == 0 {
				return 0, fmt.Errorf("%w: not minimally encoded", errBadVarint)
			}
			if i == maxUvarintLen-1 && b > 1 {
				return 0, fmt.Errorf("%w: overflow", errBadVarint)
			}
			return x | uint64(b)<<s, nil
		}
		x |= uint64(b&0x7f) << s
		s += 7
	}
	return 0, fmt.Errorf("%w: overflow", errBadVarint)
}
