// Package versioned owns the one rule that picks, or sets, the container of
// fork V in go-eth2-client's versioned attestation-family containers
// (VersionedAttestation, VersionedAggregateAndProof,
// VersionedSignedAggregateAndProof): phase0's container in the field of
// phase0..deneb, electra's in the field of electra and fulu
// (consensus-specs electra/beacon-chain.md modifies Attestation and with it
// AggregateAndProof and SignedAggregateAndProof; fulu keeps them).
//
// Written once here so that a new fork is added in one place, and so that a
// version without a field, or a field left nil, is an error rather than a
// nil container that panics further on. AggregateAndProofOf and
// SignedAggregateAndProofOf build on the same rule: the (signed) aggregate
// and proof in the fork of what it wraps.
package versioned

import (
	"errors"
	"fmt"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// Container is a fork's container: its SSZ, hash tree root and beacon-API
// JSON, as go-eth2-client generates them.
type Container interface {
	MarshalSSZ() ([]byte, error)
	UnmarshalSSZ(buf []byte) error
	HashTreeRoot() ([32]byte, error)
	MarshalJSON() ([]byte, error)
}

var (
	// ErrUnknownVersion marks a DataVersion with no field in the container.
	ErrUnknownVersion = errors.New("versioned: unknown fork version")
	// ErrMissing marks a nil versioned value or a nil field of its version.
	ErrMissing = errors.New("versioned: missing container")
	// ErrWrongType marks a container of the other fork family than the
	// version's.
	ErrWrongType = errors.New("versioned: container of another fork's type")
)

// slots are the fields of one versioned type: phase0..deneb hold P, electra
// and fulu hold E.
type slots[P, E any] struct {
	pre  [5]**P
	post [2]**E
}

// index is the field of version v: pre (0..4) or post (0..1); ok is false
// for a version the containers have no field for.
func index(v eth2spec.DataVersion) (i int, post, ok bool) {
	switch {
	case v >= eth2spec.DataVersionPhase0 && v < eth2spec.DataVersionElectra:
		return int(v - eth2spec.DataVersionPhase0), false, true
	case v >= eth2spec.DataVersionElectra && v <= eth2spec.DataVersionFulu:
		return int(v - eth2spec.DataVersionElectra), true, true
	}
	return 0, false, false
}

func get[P, E any, PP interface {
	*P
	Container
}, EP interface {
	*E
	Container
}](what string, v eth2spec.DataVersion, s slots[P, E]) (Container, error) {
	i, post, ok := index(v)
	switch {
	case !ok:
		return nil, fmt.Errorf("%w %v of %s", ErrUnknownVersion, v, what)
	case post && *s.post[i] != nil:
		return EP(*s.post[i]), nil
	case !post && *s.pre[i] != nil:
		return PP(*s.pre[i]), nil
	}
	return nil, fmt.Errorf("%w: %s %v without its %v field", ErrMissing, what, v, v)
}

func set[P, E any, PP interface {
	*P
	Container
}, EP interface {
	*E
	Container
}](what string, v eth2spec.DataVersion, s slots[P, E], c Container) error {
	i, post, ok := index(v)
	if !ok {
		return fmt.Errorf("%w %v of %s", ErrUnknownVersion, v, what)
	}
	if post {
		e, ok := c.(EP)
		if !ok {
			return fmt.Errorf("%w: %s %v takes %T, not %T", ErrWrongType, what, v, e, c)
		}
		if e == nil {
			return fmt.Errorf("%w: nil %s", ErrMissing, what)
		}
		*s.post[i] = (*E)(e)
		return nil
	}
	p, ok := c.(PP)
	if !ok {
		return fmt.Errorf("%w: %s %v takes %T, not %T", ErrWrongType, what, v, p, c)
	}
	if p == nil {
		return fmt.Errorf("%w: nil %s", ErrMissing, what)
	}
	*s.pre[i] = (*P)(p)
	return nil
}

// fresh is an empty container of version v's type, to decode into.
func fresh[P, E any, PP interface {
	*P
	Container
}, EP interface {
	*E
	Container
}](what string, v eth2spec.DataVersion) (Container, error) {
	_, post, ok := index(v)
	switch {
	case !ok:
		return nil, fmt.Errorf("%w %v of %s", ErrUnknownVersion, v, what)
	case post:
		return EP(new(E)), nil
	}
	return PP(new(P)), nil
}

func attestationSlots(a *eth2spec.VersionedAttestation) slots[phase0.Attestation, electra.Attestation] {
	return slots[phase0.Attestation, electra.Attestation]{
		pre:  [5]**phase0.Attestation{&a.Phase0, &a.Altair, &a.Bellatrix, &a.Capella, &a.Deneb},
		post: [2]**electra.Attestation{&a.Electra, &a.Fulu},
	}
}

func aggregateAndProofSlots(a *eth2spec.VersionedAggregateAndProof) slots[phase0.AggregateAndProof, electra.AggregateAndProof] {
	return slots[phase0.AggregateAndProof, electra.AggregateAndProof]{
		pre:  [5]**phase0.AggregateAndProof{&a.Phase0, &a.Altair, &a.Bellatrix, &a.Capella, &a.Deneb},
		post: [2]**electra.AggregateAndProof{&a.Electra, &a.Fulu},
	}
}

func signedAggregateAndProofSlots(a *eth2spec.VersionedSignedAggregateAndProof) slots[phase0.SignedAggregateAndProof, electra.SignedAggregateAndProof] {
	return slots[phase0.SignedAggregateAndProof, electra.SignedAggregateAndProof]{
		pre:  [5]**phase0.SignedAggregateAndProof{&a.Phase0, &a.Altair, &a.Bellatrix, &a.Capella, &a.Deneb},
		post: [2]**electra.SignedAggregateAndProof{&a.Electra, &a.Fulu},
	}
}

// Attestation is the container of a's version: *phase0.Attestation before
// Electra, *electra.Attestation from it (consensus-specs
// electra/beacon-chain.md Attestation).
func Attestation(a *eth2spec.VersionedAttestation) (Container, error) {
	if a == nil {
		return nil, fmt.Errorf("%w: nil attestation", ErrMissing)
	}
	return get[phase0.Attestation, electra.Attestation]("attestation", a.Version, attestationSlots(a))
}

// SetAttestation puts c in the field of a's version; a is unchanged on
// error (a version without a field, a nil c, or c of the other family).
func SetAttestation(a *eth2spec.VersionedAttestation, c Container) error {
	if a == nil {
		return fmt.Errorf("%w: nil attestation", ErrMissing)
	}
	return set("attestation", a.Version, attestationSlots(a), c)
}

// NewAttestation is an empty attestation container of version v's type,
// for a decoder to fill before SetAttestation.
func NewAttestation(v eth2spec.DataVersion) (Container, error) {
	return fresh[phase0.Attestation, electra.Attestation]("attestation", v)
}

// AggregateAndProof is the container of a's version: *phase0.AggregateAndProof
// before Electra, *electra.AggregateAndProof from it (consensus-specs
// electra/beacon-chain.md AggregateAndProof).
func AggregateAndProof(a *eth2spec.VersionedAggregateAndProof) (Container, error) {
	if a == nil {
		return nil, fmt.Errorf("%w: nil aggregate and proof", ErrMissing)
	}
	return get[phase0.AggregateAndProof, electra.AggregateAndProof]("aggregate and proof", a.Version, aggregateAndProofSlots(a))
}

// SetAggregateAndProof puts c in the field of a's version; a is unchanged on
// error.
func SetAggregateAndProof(a *eth2spec.VersionedAggregateAndProof, c Container) error {
	if a == nil {
		return fmt.Errorf("%w: nil aggregate and proof", ErrMissing)
	}
	return set("aggregate and proof", a.Version, aggregateAndProofSlots(a), c)
}

// NewAggregateAndProof is an empty aggregate-and-proof container of version
// v's type.
func NewAggregateAndProof(v eth2spec.DataVersion) (Container, error) {
	return fresh[phase0.AggregateAndProof, electra.AggregateAndProof]("aggregate and proof", v)
}

// SignedAggregateAndProof is the container of a's version:
// *phase0.SignedAggregateAndProof before Electra,
// *electra.SignedAggregateAndProof from it (consensus-specs
// electra/beacon-chain.md SignedAggregateAndProof).
func SignedAggregateAndProof(a *eth2spec.VersionedSignedAggregateAndProof) (Container, error) {
	if a == nil {
		return nil, fmt.Errorf("%w: nil signed aggregate and proof", ErrMissing)
	}
	return get[phase0.SignedAggregateAndProof, electra.SignedAggregateAndProof]("signed aggregate and proof", a.Version, signedAggregateAndProofSlots(a))
}

// SetSignedAggregateAndProof puts c in the field of a's version; a is
// unchanged on error.
func SetSignedAggregateAndProof(a *eth2spec.VersionedSignedAggregateAndProof, c Container) error {
	if a == nil {
		return fmt.Errorf("%w: nil signed aggregate and proof", ErrMissing)
	}
	return set("signed aggregate and proof", a.Version, signedAggregateAndProofSlots(a), c)
}

// NewSignedAggregateAndProof is an empty signed aggregate-and-proof
// container of version v's type.
func NewSignedAggregateAndProof(v eth2spec.DataVersion) (Container, error) {
	return fresh[phase0.SignedAggregateAndProof, electra.SignedAggregateAndProof]("signed aggregate and proof", v)
}
