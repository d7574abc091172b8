package qbft

import (
	"bytes"
)

// DecodeSignedMessage decodes a SignedMessage from its SSZ encoding, the
// wire format of QBFT messages (no Dafny counterpart). It is strict: the
// encoding must be the canonical one (re-encoding the result gives buf
// back) and no list entry may be missing. Errors wrap ErrMalformed. The
// result still has to pass Checker.ValidateMessage (Receive does it).
func DecodeSignedMessage(buf []byte) (*SignedMessage, error) {
	m := new(SignedMessage)
	if err := m.UnmarshalSSZ(buf); err != nil {
		return nil, reject(ErrMalformed, "decode SSZ: %v", err)
	}
	for _, list := range [][]*SignedPayload{m.RoundChanges, m.Prepares, m.Commits} {
		for _, p := range list {
			if p == nil {
				return nil, reject(ErrMalformed, "nil justification entry")
			}
		}
	}
	enc, err := m.MarshalSSZ()
	if err != nil {
		return nil, reject(ErrMalformed, "re-encode: %v", err)
	}
	if !bytes.Equal(enc, buf) {
		return nil, reject(ErrMalformed, "not the canonical encoding of a SignedMessage")
	}
	return m, nil
}

// DecodeSnapshot decodes a Snapshot from its SSZ encoding, strictly as
// DecodeSignedMessage does. Restore checks its content.
func DecodeSnapshot(buf []byte) (*Snapshot, error) {
	s := new(Snapshot)
	if err := s.UnmarshalSSZ(buf); err != nil {
		return nil, reject(ErrMalformed, "decode SSZ: %v", err)
	}
	for _, m := range s.Messages {
		if m == nil {
			return nil, reject(ErrMalformed, "nil message")
		}
	}
	enc, err := s.MarshalSSZ()
	if err != nil {
		return nil, reject(ErrMalformed, "re-encode: %v", err)
	}
	if !bytes.Equal(enc, buf) {
		return nil, reject(ErrMalformed, "not the canonical encoding of a Snapshot")
	}
	return s, nil
}
