package spectests

import (
	"bytes"
	"fmt"
	"testing"
)

// SSZObject is an SSZ container value: what generated SSZ code (fastssz,
// dynamic-ssz) provides.
type SSZObject interface {
	MarshalSSZ() ([]byte, error)
	HashTreeRoot() ([32]byte, error)
}

// SSZStaticImplementation runs the ssz_static vectors: the DV containers of
// SPEC.md. container is the handler directory, the container's SPEC.md
// name (ValidatorIdentity, ..., SlashingDB).
type SSZStaticImplementation interface {
	// SSZFromYAML builds a container from its value.yaml document (the YAML
	// conventions of vectors/README.md).
	SSZFromYAML(container string, valueYAML []byte) (SSZObject, error)
	// SSZDecode decodes an SSZ encoding. It must refuse every encoding that
	// is malformed or not the canonical encoding of what it decodes to
	// (SPEC.md deviation 13).
	SSZDecode(container string, serialized []byte) (SSZObject, error)
}

func init() {
	register(Runner{
		Name:       "ssz_static",
		Interface:  "spectests.SSZStaticImplementation",
		Implements: func(impl any) bool { _, ok := impl.(SSZStaticImplementation); return ok },
		Check:      func(c Case, impl any) error { return CheckSSZStaticCase(c, impl.(SSZStaticImplementation)) },
	})
}

// RunSSZStatic runs every ssz_static case under root as a subtest.
func RunSSZStatic(t *testing.T, root string, impl SSZStaticImplementation) {
	t.Helper()
	Run(t, root, "ssz_static", impl)
}

// CheckSSZStaticCase checks one ssz_static case:
//   - valid suites: the value of value.yaml encodes to serialized.ssz_snappy
//     and hashes to roots.yaml root, and decoding serialized.ssz_snappy
//     gives back the same encoding and root;
//   - ssz_invalid: decoding serialized.ssz_snappy fails.
func CheckSSZStaticCase(c Case, impl SSZStaticImplementation) error {
	serialized, err := c.ReadSSZ("serialized")
	if err != nil {
		return err
	}
	if c.Suite == "ssz_invalid" {
		obj, err := impl.SSZDecode(c.Handler, serialized)
		if err == nil {
			enc, _ := obj.MarshalSSZ()
			return fmt.Errorf("decoding the invalid encoding succeeded (re-encodes to %d bytes)", len(enc))
		}
		return nil
	}
	var roots struct {
		Root Hex `yaml:"root"`
	}
	if err := c.ReadYAML("roots.yaml", &roots); err != nil {
		return err
	}
	value, err := c.ReadFile("value.yaml")
	if err != nil {
		return err
	}
	obj, err := impl.SSZFromYAML(c.Handler, value)
	if err != nil {
		return fmt.Errorf("value.yaml: %w", err)
	}
	if err := sameSSZ("value.yaml", obj, serialized, roots.Root); err != nil {
		return err
	}
	dec, err := impl.SSZDecode(c.Handler, serialized)
	if err != nil {
		return fmt.Errorf("decode serialized.ssz_snappy: %w", err)
	}
	return sameSSZ("decoded serialized.ssz_snappy", dec, serialized, roots.Root)
}

func sameSSZ(what string, obj SSZObject, serialized []byte, root Hex) error {
	enc, err := obj.MarshalSSZ()
	if err != nil {
		return fmt.Errorf("%s: encode: %w", what, err)
	}
	if !bytes.Equal(enc, serialized) {
		return fmt.Errorf("%s encodes to %#x, want %#x", what, enc, serialized)
	}
	r, err := obj.HashTreeRoot()
	if err != nil {
		return fmt.Errorf("%s: hash tree root: %w", what, err)
	}
	if !bytes.Equal(r[:], root) {
		return fmt.Errorf("%s has root %#x, want %s", what, r, root)
	}
	return nil
}
