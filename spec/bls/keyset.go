package bls

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	herumi "github.com/herumi/bls-eth-go-binary/bls"
)

// PublicKeys is a list of public keys each checked with KeyValidate once,
// when the list is made (NewPublicKeys) or when a check first needs it
// (NewLazyPublicKeys). Verifying a signature over a subset of a list that
// does not change for a while (a sync subcommittee for a whole sync
// committee period) then costs one pairing check instead of decompressing
// and subgroup-checking every key on every call: Ethereum clients keep a
// validator public key cache for the same reason. A list made by
// NewPublicKeys never changes, so one value may be shared by any number of
// readers; a lazy one fills in its parsed keys as checks need them (one
// goroutine at a time). The zero value and nil hold no keys.
type PublicKeys struct {
	keys   []PublicKey
	points []herumi.PublicKey
	// lazy, when set, parses each key the first time a check needs it
	// (NewLazyPublicKeys); nil: every key was parsed by NewPublicKeys.
	lazy *lazyKeys
	memo VerifyMemo
}

// lazyKeys is the parse state of a lazily parsed list, shared by its
// WithMemo copies: a key is parsed once.
type lazyKeys struct {
	points []herumi.PublicKey
	state  []keyState
}

type keyState uint8

const (
	keyUnparsed keyState = iota
	keyParsed
	keyInvalid
)

// NewLazyPublicKeys is the list pks whose keys are parsed and validated
// (IETF KeyValidate) the first time a check needs them, each once: for a
// committee of which only a few members' keys are ever checked, or none
// (a beacon committee with no aggregator of the caller's), the caller
// pays for what it uses. FastAggregateVerify answers as over
// NewPublicKeys' list; a position whose key is invalid makes it false,
// as FastAggregateVerify over the raw keys is. Unlike NewPublicKeys'
// list, a lazy list changes as it is used: one goroutine at a time may use
// it (the pure layer has no locks; a node checks in its event loop). It
// keeps pks, not a copy (a node holds one for every committee its
// validators sit in): the caller must not change them.
func NewLazyPublicKeys(pks []PublicKey) *PublicKeys {
	// The points and their states are allocated at the first check: a
	// node holds such a list for every committee its validators sit in,
	// most of which no check ever reads.
	return &PublicKeys{keys: pks, lazy: &lazyKeys{}}
}

// VerifyMemo remembers FastAggregateVerify answers by a digest of their
// arguments (the keys at the positions, message, signature). A caller that checks one
// contribution or aggregate several times (the consensus validity
// predicate, then the decided value again) hands one in with WithMemo;
// it must give back only what was put under the same digest, so the
// answers stay FastAggregateVerify's. The spec holds none itself.
type VerifyMemo interface {
	Get(digest [32]byte) (valid, found bool)
	Put(digest [32]byte, valid bool)
}

// WithMemo returns the same keys answering FastAggregateVerify through m
// (nil: no memo). The parsed keys are shared, not copied.
func (s *PublicKeys) WithMemo(m VerifyMemo) *PublicKeys {
	if s == nil {
		return nil
	}
	c := *s
	c.memo = m
	return &c
}

// NewPublicKeys parses and validates every key of pks (IETF KeyValidate).
// The error wraps ErrInvalidPublicKey and names the first invalid position.
func NewPublicKeys(pks []PublicKey) (*PublicKeys, error) {
	s := &PublicKeys{keys: make([]PublicKey, len(pks)), points: make([]herumi.PublicKey, len(pks))}
	copy(s.keys, pks)
	for i := range pks {
		h, err := parsePublicKey(pks[i])
		if err != nil {
			return nil, fmt.Errorf("key %d: %w", i, err)
		}
		s.points[i] = *h
	}
	return s, nil
}

// Len is the number of keys.
func (s *PublicKeys) Len() int {
	if s == nil {
		return 0
	}
	return len(s.keys)
}

// Holds reports whether the list is exactly pks, in order. Callers use it
// to check that a parsed list they were handed is the one they mean to
// verify against (a mismatch falls back to parsing pks).
func (s *PublicKeys) Holds(pks []PublicKey) bool {
	if s.Len() != len(pks) {
		return false
	}
	for i := range pks {
		if s.keys[i] != pks[i] {
			return false
		}
	}
	return true
}

// FastAggregateVerify is FastAggregateVerify over the keys at positions
// (each in [0, Len()), repeats allowed, in any order): the same answer as
// FastAggregateVerify(keys at positions, msg, sig), without parsing the
// keys again. It returns false for no positions or a position out of range.
func (s *PublicKeys) FastAggregateVerify(positions []int, msg []byte, sig Signature) bool {
	if len(positions) == 0 {
		return false
	}
	if s == nil || s.memo == nil {
		return s.fastAggregateVerify(positions, msg, sig)
	}
	// The digest covers the keys at positions, not the positions: one memo
	// serves every list of a caller, and two committees' aggregates may
	// share positions, message and signature (from Electra every
	// committee of a slot signs the same data root).
	h := sha256.New()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(len(positions)))
	h.Write(b[:])
	for _, p := range positions {
		if p < 0 || p >= s.Len() {
			return false
		}
		h.Write(s.keys[p][:])
	}
	binary.LittleEndian.PutUint64(b[:], uint64(len(msg)))
	h.Write(b[:])
	h.Write(msg)
	h.Write(sig[:])
	var d [32]byte
	h.Sum(d[:0])
	if v, ok := s.memo.Get(d); ok {
		return v
	}
	v := s.fastAggregateVerify(positions, msg, sig)
	s.memo.Put(d, v)
	return v
}

func (s *PublicKeys) fastAggregateVerify(positions []int, msg []byte, sig Signature) bool {
	hpks, ok := s.pointsAt(positions)
	if !ok {
		return false
	}
	hsig, err := parseSignature(sig)
	if err != nil {
		return false
	}
	return hsig.FastAggregateVerify(hpks, cgoBytes(msg))
}

// pointsAt returns the parsed keys at positions (parsing those a lazy list
// has not parsed yet); false for a position out of range or an invalid
// key.
func (s *PublicKeys) pointsAt(positions []int) ([]herumi.PublicKey, bool) {
	if s == nil {
		return nil, false
	}
	points := s.points
	if l := s.lazy; l != nil {
		if l.points == nil {
			l.points, l.state = make([]herumi.PublicKey, len(s.keys)), make([]keyState, len(s.keys))
		}
		points = l.points
	}
	hpks := make([]herumi.PublicKey, len(positions))
	for i, p := range positions {
		if p < 0 || p >= s.Len() {
			return nil, false
		}
		if l := s.lazy; l != nil {
			switch l.state[p] {
			case keyInvalid:
				return nil, false
			case keyUnparsed:
				h, err := parsePublicKey(s.keys[p])
				if err != nil {
					l.state[p] = keyInvalid
					return nil, false
				}
				l.points[p], l.state[p] = *h, keyParsed
			}
		}
		hpks[i] = points[p]
	}
	return hpks, true
}
