package qbft

import "github.com/dvspec/go-dvspec/spec/sszutil"

// DecodeSignedMessage decodes a SignedMessage from its SSZ encoding, the
// wire format of QBFT messages (no Dafny counterpart). It is strict: the
// encoding must be the canonical one (sszutil.DecodeCanonical, which also
// turns a panic of the generated decoder into an error) and no list entry
// may be missing. Errors wrap ErrMalformed. The result still has to pass
// Checker.ValidateMessage (Receive does it).
func DecodeSignedMessage(buf []byte) (*SignedMessage, error) {
	m := new(SignedMessage)
	if err := sszutil.DecodeCanonical(buf, m); err != nil {
		return nil, reject(ErrMalformed, "SignedMessage: %v", err)
	}
	for _, list := range [][]*SignedPayload{m.RoundChanges, m.Prepares, m.Commits} {
		for _, p := range list {
			if p == nil {
				return nil, reject(ErrMalformed, "nil justification entry")
			}
		}
	}
	return m, nil
}

// DecodeSnapshot decodes a Snapshot from its SSZ encoding, strictly as
// DecodeSignedMessage does. Restore checks its content.
func DecodeSnapshot(buf []byte) (*Snapshot, error) {
	s := new(Snapshot)
	if err := sszutil.DecodeCanonical(buf, s); err != nil {
		return nil, reject(ErrMalformed, "Snapshot: %v", err)
	}
	for _, m := range s.Messages {
		if m == nil {
			return nil, reject(ErrMalformed, "nil message")
		}
	}
	return s, nil
}
