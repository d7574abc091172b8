package versioned

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// kind is one versioned type under test, driven through reflection on the
// go-eth2-client struct (field named after the fork) so that the expected
// field does not come from the code under test.
type kind struct {
	name   string
	newV   func(v eth2spec.DataVersion) any // *eth2spec.Versioned..., Version set
	pre    func() Container                 // a non-nil phase0-family container
	post   func() Container                 // a non-nil electra-family container
	get    func(any) (Container, error)
	set    func(any, Container) error
	fresh  func(eth2spec.DataVersion) (Container, error)
	nilGet func() (Container, error)
	nilSet func(Container) error
}

var kinds = []kind{
	{
		name: "attestation",
		newV: func(v eth2spec.DataVersion) any { return &eth2spec.VersionedAttestation{Version: v} },
		pre:  func() Container { return &phase0.Attestation{Data: &phase0.AttestationData{Slot: 7}} },
		post: func() Container { return &electra.Attestation{Data: &phase0.AttestationData{Slot: 8}} },
		get:  func(a any) (Container, error) { return Attestation(a.(*eth2spec.VersionedAttestation)) },
		set: func(a any, c Container) error {
			return SetAttestation(a.(*eth2spec.VersionedAttestation), c)
		},
		fresh:  NewAttestation,
		nilGet: func() (Container, error) { return Attestation(nil) },
		nilSet: func(c Container) error { return SetAttestation(nil, c) },
	},
	{
		name: "aggregate and proof",
		newV: func(v eth2spec.DataVersion) any { return &eth2spec.VersionedAggregateAndProof{Version: v} },
		pre:  func() Container { return &phase0.AggregateAndProof{AggregatorIndex: 3} },
		post: func() Container { return &electra.AggregateAndProof{AggregatorIndex: 4} },
		get:  func(a any) (Container, error) { return AggregateAndProof(a.(*eth2spec.VersionedAggregateAndProof)) },
		set: func(a any, c Container) error {
			return SetAggregateAndProof(a.(*eth2spec.VersionedAggregateAndProof), c)
		},
		fresh:  NewAggregateAndProof,
		nilGet: func() (Container, error) { return AggregateAndProof(nil) },
		nilSet: func(c Container) error { return SetAggregateAndProof(nil, c) },
	},
	{
		name: "signed aggregate and proof",
		newV: func(v eth2spec.DataVersion) any { return &eth2spec.VersionedSignedAggregateAndProof{Version: v} },
		pre:  func() Container { return &phase0.SignedAggregateAndProof{Signature: phase0.BLSSignature{1}} },
		post: func() Container { return &electra.SignedAggregateAndProof{Signature: phase0.BLSSignature{2}} },
		get: func(a any) (Container, error) {
			return SignedAggregateAndProof(a.(*eth2spec.VersionedSignedAggregateAndProof))
		},
		set: func(a any, c Container) error {
			return SetSignedAggregateAndProof(a.(*eth2spec.VersionedSignedAggregateAndProof), c)
		},
		fresh:  NewSignedAggregateAndProof,
		nilGet: func() (Container, error) { return SignedAggregateAndProof(nil) },
		nilSet: func(c Container) error { return SetSignedAggregateAndProof(nil, c) },
	},
}

// forks are every fork go-eth2-client has, with the family of its
// containers (consensus-specs: Attestation changes at Electra).
var forks = []struct {
	v       eth2spec.DataVersion
	field   string
	electra bool
}{
	{eth2spec.DataVersionPhase0, "Phase0", false},
	{eth2spec.DataVersionAltair, "Altair", false},
	{eth2spec.DataVersionBellatrix, "Bellatrix", false},
	{eth2spec.DataVersionCapella, "Capella", false},
	{eth2spec.DataVersionDeneb, "Deneb", false},
	{eth2spec.DataVersionElectra, "Electra", true},
	{eth2spec.DataVersionFulu, "Fulu", true},
}

var forkFields = []string{"Phase0", "Altair", "Bellatrix", "Capella", "Deneb", "Electra", "Fulu"}

// setFields lists the fork fields of a versioned value that are not nil.
func setFields(a any) []string {
	var out []string
	v := reflect.ValueOf(a).Elem()
	for _, f := range forkFields {
		if !v.FieldByName(f).IsNil() {
			out = append(out, f)
		}
	}
	return out
}

func TestEveryFork(t *testing.T) {
	for _, k := range kinds {
		for _, f := range forks {
			t.Run(k.name+"/"+f.v.String(), func(t *testing.T) {
				own, other := k.pre(), k.post()
				if f.electra {
					own, other = other, own
				}

				// Set, then get: the container lands in the fork's field only.
				a := k.newV(f.v)
				if err := k.set(a, own); err != nil {
					t.Fatalf("set: %v", err)
				}
				if got := setFields(a); !reflect.DeepEqual(got, []string{f.field}) {
					t.Fatalf("fields set %v, want [%s]", got, f.field)
				}
				if fv := reflect.ValueOf(a).Elem().FieldByName(f.field).Interface(); fv != any(own) {
					t.Fatalf("field %s holds %v, want the container set", f.field, fv)
				}
				got, err := k.get(a)
				if err != nil || got != own {
					t.Fatalf("get = %v, %v; want the container set", got, err)
				}

				// Get of a value built by hand, field named after the fork.
				b := k.newV(f.v)
				reflect.ValueOf(b).Elem().FieldByName(f.field).Set(reflect.ValueOf(own))
				if got, err := k.get(b); err != nil || got != own {
					t.Fatalf("get of hand-built = %v, %v", got, err)
				}

				// The version's field missing, another set: missing.
				c := k.newV(f.v)
				for _, name := range forkFields {
					if name != f.field {
						fv := reflect.ValueOf(c).Elem().FieldByName(name)
						if fv.Type() == reflect.TypeOf(own) {
							fv.Set(reflect.ValueOf(own))
						}
					}
				}
				if got, err := k.get(c); !errors.Is(err, ErrMissing) || got != nil {
					t.Fatalf("get without its field = %v, %v; want ErrMissing", got, err)
				}

				// The other family's container, or a typed nil: refused, value unchanged.
				d := k.newV(f.v)
				if err := k.set(d, other); !errors.Is(err, ErrWrongType) {
					t.Fatalf("set of the other family: %v, want ErrWrongType", err)
				}
				nilOwn := reflect.Zero(reflect.TypeOf(own)).Interface().(Container)
				if err := k.set(d, nilOwn); !errors.Is(err, ErrMissing) {
					t.Fatalf("set of a typed nil: %v, want ErrMissing", err)
				}
				if err := k.set(d, nil); !errors.Is(err, ErrWrongType) {
					t.Fatalf("set of nil: %v, want ErrWrongType", err)
				}
				if got := setFields(d); len(got) != 0 {
					t.Fatalf("refused set changed fields %v", got)
				}

				// An empty container of the fork's type.
				e, err := k.fresh(f.v)
				if err != nil || reflect.TypeOf(e) != reflect.TypeOf(own) {
					t.Fatalf("new = %T, %v; want %T", e, err, own)
				}
				if !reflect.ValueOf(e).Elem().IsZero() {
					t.Fatalf("new container is not empty: %v", e)
				}
			})
		}
	}
}

func TestUnknownVersionAndNil(t *testing.T) {
	for _, k := range kinds {
		for _, v := range []eth2spec.DataVersion{eth2spec.DataVersionUnknown, eth2spec.DataVersionFulu + 1, 255} {
			a := k.newV(v)
			if got, err := k.get(a); !errors.Is(err, ErrUnknownVersion) || got != nil {
				t.Errorf("%s %d: get = %v, %v; want ErrUnknownVersion", k.name, v, got, err)
			}
			if err := k.set(a, k.pre()); !errors.Is(err, ErrUnknownVersion) {
				t.Errorf("%s %d: set: %v, want ErrUnknownVersion", k.name, v, err)
			}
			if got := setFields(a); len(got) != 0 {
				t.Errorf("%s %d: refused set changed fields %v", k.name, v, got)
			}
			if got, err := k.fresh(v); !errors.Is(err, ErrUnknownVersion) || got != nil {
				t.Errorf("%s %d: new = %v, %v; want ErrUnknownVersion", k.name, v, got, err)
			}
		}
		if got, err := k.nilGet(); !errors.Is(err, ErrMissing) || got != nil {
			t.Errorf("%s: get of nil = %v, %v; want ErrMissing", k.name, got, err)
		}
		if err := k.nilSet(k.pre()); !errors.Is(err, ErrMissing) {
			t.Errorf("%s: set on nil: %v, want ErrMissing", k.name, err)
		}
		if _, err := k.nilGet(); err == nil || !strings.Contains(err.Error(), k.name) {
			t.Errorf("%s: error %v does not name the container", k.name, err)
		}
	}
}

// TestAggregateAndProofOfEveryFork: from an attestation of each fork, the
// aggregate and proof and its signed form are of that fork, read back with
// go-eth2-client's own per-version accessors; an attestation or aggregate
// and proof without its version's field, or nil, is ErrMissing, and an
// unknown version ErrUnknownVersion.
func TestAggregateAndProofOfEveryFork(t *testing.T) {
	data := &phase0.AttestationData{Slot: 40, Source: &phase0.Checkpoint{}, Target: &phase0.Checkpoint{}}
	proof, sig := phase0.BLSSignature{0xb2}, phase0.BLSSignature{0xc3}
	for v := eth2spec.DataVersionPhase0; v <= eth2spec.DataVersionFulu; v++ {
		a := &eth2spec.VersionedAttestation{Version: v}
		var c Container = &phase0.Attestation{AggregationBits: []byte{0x03}, Data: data}
		if v >= eth2spec.DataVersionElectra {
			c = &electra.Attestation{AggregationBits: []byte{0x03}, Data: data, CommitteeBits: make([]byte, 8)}
		}
		if err := SetAttestation(a, c); err != nil {
			t.Fatal(err)
		}
		ap, err := AggregateAndProofOf(9, a, proof)
		if err != nil {
			t.Fatalf("%v: %v", v, err)
		}
		if i, err := ap.AggregatorIndex(); err != nil || i != 9 || ap.Version != v {
			t.Fatalf("%v: aggregator %d, %v, version %v", v, i, err, ap.Version)
		}
		if p, err := ap.SelectionProof(); err != nil || p != proof {
			t.Fatalf("%v: selection proof %x, %v", v, p, err)
		}
		s, err := SignedAggregateAndProofOf(ap, sig)
		if err != nil {
			t.Fatalf("%v: %v", v, err)
		}
		if got, err := s.Signature(); err != nil || got != sig || s.Version != v {
			t.Fatalf("%v: signature %x, %v, version %v", v, got, err, s.Version)
		}
		if slot, err := s.Slot(); err != nil || slot != 40 {
			t.Fatalf("%v: slot %d, %v", v, slot, err)
		}
	}
	for _, tc := range []struct {
		name string
		err  error
		call func() error
	}{
		{"nil attestation", ErrMissing, func() error { _, err := AggregateAndProofOf(1, nil, proof); return err }},
		{"deneb attestation without its field", ErrMissing, func() error {
			_, err := AggregateAndProofOf(1, &eth2spec.VersionedAttestation{Version: eth2spec.DataVersionDeneb, Electra: &electra.Attestation{}}, proof)
			return err
		}},
		{"unknown version", ErrUnknownVersion, func() error {
			_, err := AggregateAndProofOf(1, &eth2spec.VersionedAttestation{Version: eth2spec.DataVersionFulu + 1}, proof)
			return err
		}},
		{"nil aggregate and proof", ErrMissing, func() error { _, err := SignedAggregateAndProofOf(nil, sig); return err }},
		{"fulu aggregate and proof without its field", ErrMissing, func() error {
			_, err := SignedAggregateAndProofOf(&eth2spec.VersionedAggregateAndProof{Version: eth2spec.DataVersionFulu, Electra: &electra.AggregateAndProof{}}, sig)
			return err
		}},
	} {
		if err := tc.call(); !errors.Is(err, tc.err) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.err)
		}
	}
}
