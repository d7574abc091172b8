package spectests

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"
	"gopkg.in/yaml.v3"
)

// Share is a key share: SecretKey = f(Index) as 32 big-endian bytes.
type Share struct {
	Index     uint64
	SecretKey [32]byte
}

// PublicShare is the public key of a key share.
type PublicShare struct {
	Index     uint64
	PublicKey phase0.BLSPubKey
}

// PartialSignature is a signature by a key share.
type PartialSignature struct {
	Index     uint64
	Signature phase0.BLSSignature
}

// BLSImplementation runs the bls vectors (SPEC.md sections 1 and 5).
type BLSImplementation interface {
	ErrorNamer
	// Threshold is M for a cluster of n co-validators.
	Threshold(n int) int
	// Faulty is F for a cluster of n co-validators.
	Faulty(n int) int
	// Split shares secret M-of-N with the SPEC.md section 5 polynomial
	// derived from seed. Return ErrNotImplemented if the implementation
	// splits keys differently (e.g. by DKG): the split cases are then
	// skipped, the others still apply.
	Split(secret [32]byte, threshold, n int, seed []byte) ([]Share, error)
	// PublicKey is SkToPk.
	PublicKey(secret [32]byte) (phase0.BLSPubKey, error)
	// PartialSign signs message with a share.
	PartialSign(share Share, message []byte) (PartialSignature, error)
	// VerifyPartial reports whether part is pub's signature of message.
	VerifyPartial(pub PublicShare, message []byte, part PartialSignature) bool
	// RecoverSignature recombines partial signatures.
	RecoverSignature(parts []PartialSignature, threshold int) (phase0.BLSSignature, error)
	// RecoverPublicKey recombines public shares.
	RecoverPublicKey(parts []PublicShare, threshold int) (phase0.BLSPubKey, error)
}

func init() {
	register(Runner{
		Name:       "bls",
		Interface:  "spectests.BLSImplementation",
		Implements: func(impl any) bool { _, ok := impl.(BLSImplementation); return ok },
		Check:      func(c Case, impl any) error { return CheckBLSCase(c, impl.(BLSImplementation)) },
	})
}

// RunBLS runs every bls case under root as a subtest.
func RunBLS(t *testing.T, root string, impl BLSImplementation) {
	t.Helper()
	Run(t, root, "bls", impl)
}

type shareYAML struct {
	Index     uint64 `yaml:"index"`
	SecretKey Hex    `yaml:"secret_key"`
	PublicKey Hex    `yaml:"public_key"`
}

type partialYAML struct {
	Index     uint64 `yaml:"index"`
	Signature Hex    `yaml:"signature"`
}

type publicShareYAML struct {
	Index     uint64 `yaml:"index"`
	PublicKey Hex    `yaml:"public_key"`
}

type blsData struct {
	Input  yaml.Node `yaml:"input"`
	Output yaml.Node `yaml:"output"`
	Error  string    `yaml:"error"`
}

func decodeNode(n *yaml.Node, v any) error {
	if n.Kind == 0 {
		return fmt.Errorf("data.yaml: missing section")
	}
	// Re-encode and decode strictly, so unknown fields are refused.
	raw, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	return dec.Decode(v)
}

func (p partialYAML) value() (PartialSignature, error) {
	sig, err := p.Signature.Signature()
	return PartialSignature{Index: p.Index, Signature: sig}, err
}

func (p publicShareYAML) value() (PublicShare, error) {
	pk, err := p.PublicKey.PublicKey()
	return PublicShare{Index: p.Index, PublicKey: pk}, err
}

// CheckBLSCase checks one bls case (data.yaml: input, and output or error).
func CheckBLSCase(c Case, impl BLSImplementation) error {
	var d blsData
	if err := c.ReadYAML("data.yaml", &d); err != nil {
		return err
	}
	expect := func(err error) error { return expectResult(impl, err, d.Error) }
	switch c.Handler {
	case "threshold":
		var in struct {
			N int `yaml:"n"`
		}
		var out struct {
			Threshold int `yaml:"threshold"`
			Faulty    int `yaml:"faulty"`
		}
		if err := decodeNode(&d.Input, &in); err != nil {
			return err
		}
		if err := decodeNode(&d.Output, &out); err != nil {
			return err
		}
		if m := impl.Threshold(in.N); m != out.Threshold {
			return fmt.Errorf("Threshold(%d) = %d, want %d", in.N, m, out.Threshold)
		}
		if f := impl.Faulty(in.N); f != out.Faulty {
			return fmt.Errorf("Faulty(%d) = %d, want %d", in.N, f, out.Faulty)
		}
		return nil

	case "split":
		var in struct {
			SecretKey Hex `yaml:"secret_key"`
			Threshold int `yaml:"threshold"`
			N         int `yaml:"n"`
			Seed      Hex `yaml:"seed"`
		}
		if err := decodeNode(&d.Input, &in); err != nil {
			return err
		}
		var secret [32]byte
		if len(in.SecretKey) != 32 {
			return fmt.Errorf("secret_key: %d bytes", len(in.SecretKey))
		}
		copy(secret[:], in.SecretKey)
		shares, err := impl.Split(secret, in.Threshold, in.N, in.Seed)
		if d.Error != "" || err != nil {
			return expect(err)
		}
		var out struct {
			PublicKey Hex         `yaml:"public_key"`
			Shares    []shareYAML `yaml:"shares"`
		}
		if err := decodeNode(&d.Output, &out); err != nil {
			return err
		}
		if len(shares) != len(out.Shares) {
			return fmt.Errorf("%d shares, want %d", len(shares), len(out.Shares))
		}
		for i, want := range out.Shares {
			got := shares[i]
			if got.Index != want.Index || !bytes.Equal(got.SecretKey[:], want.SecretKey) {
				return fmt.Errorf("share %d: index %d secret %#x, want index %d secret %s", i, got.Index, got.SecretKey, want.Index, want.SecretKey)
			}
			pk, err := impl.PublicKey(got.SecretKey)
			if err != nil {
				return fmt.Errorf("share %d: public key: %w", want.Index, err)
			}
			if !bytes.Equal(pk[:], want.PublicKey) {
				return fmt.Errorf("share %d: public key %#x, want %s", want.Index, pk, want.PublicKey)
			}
		}
		pk, err := impl.PublicKey(secret)
		if err != nil {
			return err
		}
		if !bytes.Equal(pk[:], out.PublicKey) {
			return fmt.Errorf("public key %#x, want %s", pk, out.PublicKey)
		}
		return nil

	case "partial_sign":
		var in struct {
			Share   shareYAML `yaml:"share"`
			Message Hex       `yaml:"message"`
		}
		if err := decodeNode(&d.Input, &in); err != nil {
			return err
		}
		var sh Share
		sh.Index = in.Share.Index
		if len(in.Share.SecretKey) != 32 {
			return fmt.Errorf("share secret_key: %d bytes", len(in.Share.SecretKey))
		}
		copy(sh.SecretKey[:], in.Share.SecretKey)
		part, err := impl.PartialSign(sh, in.Message)
		if d.Error != "" || err != nil {
			return expect(err)
		}
		var out partialYAML
		if err := decodeNode(&d.Output, &out); err != nil {
			return err
		}
		if part.Index != out.Index || !bytes.Equal(part.Signature[:], out.Signature) {
			return fmt.Errorf("partial signature %d %#x, want %d %s", part.Index, part.Signature, out.Index, out.Signature)
		}
		return nil

	case "verify_partial":
		var in struct {
			PublicShare      publicShareYAML `yaml:"public_share"`
			Message          Hex             `yaml:"message"`
			PartialSignature partialYAML     `yaml:"partial_signature"`
		}
		if err := decodeNode(&d.Input, &in); err != nil {
			return err
		}
		var want bool
		if err := d.Output.Decode(&want); err != nil {
			return err
		}
		pub, err := in.PublicShare.value()
		if err != nil {
			return err
		}
		part, err := in.PartialSignature.value()
		if err != nil {
			return err
		}
		if got := impl.VerifyPartial(pub, in.Message, part); got != want {
			return fmt.Errorf("VerifyPartial = %v, want %v", got, want)
		}
		return nil

	case "recover_signature":
		var in struct {
			Threshold         int           `yaml:"threshold"`
			Message           Hex           `yaml:"message"`
			PublicKey         Hex           `yaml:"public_key"`
			PartialSignatures []partialYAML `yaml:"partial_signatures"`
		}
		if err := decodeNode(&d.Input, &in); err != nil {
			return err
		}
		parts := make([]PartialSignature, len(in.PartialSignatures))
		for i, p := range in.PartialSignatures {
			v, err := p.value()
			if err != nil {
				return err
			}
			parts[i] = v
		}
		sig, err := impl.RecoverSignature(parts, in.Threshold)
		if d.Error != "" || err != nil {
			return expect(err)
		}
		var want Hex
		if err := d.Output.Decode(&want); err != nil {
			return err
		}
		if !bytes.Equal(sig[:], want) {
			return fmt.Errorf("recovered %#x, want %s", sig, want)
		}
		return nil

	case "recover_public_key":
		var in struct {
			Threshold    int               `yaml:"threshold"`
			PublicShares []publicShareYAML `yaml:"public_shares"`
		}
		if err := decodeNode(&d.Input, &in); err != nil {
			return err
		}
		parts := make([]PublicShare, len(in.PublicShares))
		for i, p := range in.PublicShares {
			v, err := p.value()
			if err != nil {
				return err
			}
			parts[i] = v
		}
		pk, err := impl.RecoverPublicKey(parts, in.Threshold)
		if d.Error != "" || err != nil {
			return expect(err)
		}
		var want Hex
		if err := d.Output.Decode(&want); err != nil {
			return err
		}
		if !bytes.Equal(pk[:], want) {
			return fmt.Errorf("recovered %#x, want %s", pk, want)
		}
		return nil
	}
	return fmt.Errorf("unknown bls handler %q", c.Handler)
}
