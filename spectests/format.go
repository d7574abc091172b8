package spectests

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/attestantio/go-eth2-client/spec/phase0"
	"gopkg.in/yaml.v3"
)

// Hex is a byte string as the vectors write it: a '0x'-prefixed,
// lower-case hex YAML string.
type Hex []byte

// UnmarshalYAML implements yaml.Unmarshaler.
func (h *Hex) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		return fmt.Errorf("line %d: want a 0x-hex string, got %s", n.Line, n.Tag)
	}
	b, err := parseHex(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*h = b
	return nil
}

func parseHex(s string) ([]byte, error) {
	if !strings.HasPrefix(s, "0x") {
		return nil, fmt.Errorf("%q is not 0x-prefixed", s)
	}
	if strings.ToLower(s) != s {
		return nil, fmt.Errorf("%q is not lower-case hex", s)
	}
	b, err := hex.DecodeString(s[2:])
	if err != nil {
		return nil, fmt.Errorf("%q: %w", s, err)
	}
	return b, nil
}

func (h Hex) String() string { return "0x" + hex.EncodeToString(h) }

func (h Hex) fixed(n int) ([]byte, error) {
	if len(h) != n {
		return nil, fmt.Errorf("%s is %d bytes, want %d", h, len(h), n)
	}
	return h, nil
}

// Root returns h as a 32-byte root.
func (h Hex) Root() (phase0.Root, error) {
	var r phase0.Root
	b, err := h.fixed(32)
	copy(r[:], b)
	return r, err
}

// PublicKey returns h as a 48-byte BLS public key.
func (h Hex) PublicKey() (phase0.BLSPubKey, error) {
	var r phase0.BLSPubKey
	b, err := h.fixed(48)
	copy(r[:], b)
	return r, err
}

// Signature returns h as a 96-byte BLS signature.
func (h Hex) Signature() (phase0.BLSSignature, error) {
	var r phase0.BLSSignature
	b, err := h.fixed(96)
	copy(r[:], b)
	return r, err
}

// Fork is one entry of chain.yaml fork_schedule.
type Fork struct {
	// Name is the consensus-specs fork name: phase0, altair, ... fulu.
	Name    string
	Version phase0.Version
	// Epoch is the activation epoch; 2**64-1 (FAR_FUTURE_EPOCH) when the
	// fork is not scheduled.
	Epoch uint64
}

// Chain is chain.yaml: what a signing root depends on besides the message.
type Chain struct {
	GenesisValidatorsRoot phase0.Root
	SlotsPerEpoch         uint64
	// Forks is the fork schedule, genesis (phase0) first.
	Forks []Fork
}

type chainYAML struct {
	GenesisValidatorsRoot Hex    `yaml:"genesis_validators_root"`
	SlotsPerEpoch         uint64 `yaml:"slots_per_epoch"`
	ForkSchedule          []struct {
		Fork    string `yaml:"fork"`
		Version Hex    `yaml:"version"`
		Epoch   uint64 `yaml:"epoch"`
	} `yaml:"fork_schedule"`
}

// ReadChain reads chain.yaml.
func (c Case) ReadChain() (Chain, error) {
	var y chainYAML
	if err := c.ReadYAML("chain.yaml", &y); err != nil {
		return Chain{}, err
	}
	out := Chain{SlotsPerEpoch: y.SlotsPerEpoch}
	var err error
	if out.GenesisValidatorsRoot, err = y.GenesisValidatorsRoot.Root(); err != nil {
		return Chain{}, caseError("chain.yaml", "genesis_validators_root: %v", err)
	}
	for _, f := range y.ForkSchedule {
		v, err := f.Version.fixed(4)
		if err != nil {
			return Chain{}, caseError("chain.yaml", "fork %s: %v", f.Fork, err)
		}
		out.Forks = append(out.Forks, Fork{Name: f.Fork, Version: phase0.Version(v), Epoch: f.Epoch})
	}
	return out, nil
}

// ErrorNamer maps an implementation's errors to the result names of the
// vectors (vectors/README.md, "Named results"). It returns every name the
// error carries, outermost first: a consensus_validity refusal for
// slashing is ["slashable", "double_vote"]. Every interface below that can
// fail by a named rule embeds it.
type ErrorNamer interface {
	ErrorNames(err error) []string
}

// expectResult compares an implementation's error with the expected result
// name ("ok" or a name).
func expectResult(namer ErrorNamer, err error, want string) error {
	if errors.Is(err, ErrNotImplemented) {
		return err
	}
	if want == "ok" || want == "" {
		if err != nil {
			return fmt.Errorf("want ok, got error %v", err)
		}
		return nil
	}
	if err == nil {
		return fmt.Errorf("want %s, got ok", want)
	}
	names := namer.ErrorNames(err)
	if len(names) == 0 || names[0] != want {
		return fmt.Errorf("want %s, got %v (%v)", want, names, err)
	}
	return nil
}
