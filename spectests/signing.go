package spectests

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/bls"
)

// SigningRequest is one signing case: a message and what its signing root
// depends on.
type SigningRequest struct {
	Chain Chain
	// Preset is the directory preset, mainnet or minimal: the sizes of
	// preset-dependent containers (blocks, Electra aggregates, sync
	// committee contributions) and so their hash tree roots.
	Preset string
	// MessageType is the handler: attestation_data, beacon_block,
	// beacon_block_header, randao_reveal, aggregation_slot,
	// aggregate_and_proof, sync_committee_message,
	// sync_committee_selection_proof, contribution_and_proof,
	// voluntary_exit, validator_registration or deposit_message.
	MessageType string
	// MessageSSZType is the SSZ type of Message (inputs.yaml
	// message_ssz_type): a consensus-specs container name, uint64 or Root.
	MessageSSZType string
	// MessageFork is the fork whose container definitions Message uses.
	MessageFork string
	// Message is the SSZ encoding of the signed object: the container, the
	// uint64 epoch (randao_reveal) or slot (aggregation_slot), or the
	// beacon block root (sync_committee_message).
	Message []byte
	// Slot is set for sync_committee_message.
	Slot *uint64
	// CurrentEpoch is set for voluntary_exit: the epoch at which the chain
	// verifies the exit.
	CurrentEpoch *uint64
}

// SigningRoots is what a signer needs for one message.
type SigningRoots struct {
	ObjectRoot  phase0.Root
	ForkVersion phase0.Version
	Domain      phase0.Domain
	SigningRoot phase0.Root
}

// SigningImplementation runs the signing vectors (SPEC.md section 3).
type SigningImplementation interface {
	// SigningRoots computes the signing input of the message, or refuses
	// the message with an error. Refusals are named in the vectors
	// (wrong_fork, before_altair, future_exit), but the Go spec gives them
	// no sentinel, so only the presence of an error is checked.
	SigningRoots(req SigningRequest) (SigningRoots, error)
}

func init() {
	register(Runner{
		Name:       "signing",
		Interface:  "spectests.SigningImplementation",
		Implements: func(impl any) bool { _, ok := impl.(SigningImplementation); return ok },
		Check:      func(c Case, impl any) error { return CheckSigningCase(c, impl.(SigningImplementation)) },
	})
}

// RunSigning runs every signing case under root as a subtest.
func RunSigning(t *testing.T, root string, impl SigningImplementation) {
	t.Helper()
	Run(t, root, "signing", impl)
}

type signingInputs struct {
	MessageType    string  `yaml:"message_type"`
	MessageSSZType string  `yaml:"message_ssz_type"`
	MessageFork    string  `yaml:"message_fork"`
	Slot           *uint64 `yaml:"slot"`
	CurrentEpoch   *uint64 `yaml:"current_epoch"`
	Signer         *struct {
		ValidatorIndex uint64 `yaml:"validator_index"`
		PublicKey      Hex    `yaml:"public_key"`
	} `yaml:"signer"`
}

type signingOutput struct {
	ObjectRoot  Hex    `yaml:"object_root"`
	ForkVersion Hex    `yaml:"fork_version"`
	Domain      Hex    `yaml:"domain"`
	SigningRoot Hex    `yaml:"signing_root"`
	Signature   Hex    `yaml:"signature"`
	Error       string `yaml:"error"`
}

// CheckSigningCase checks one signing case: the implementation's object
// root, fork version, domain and signing root must equal output.yaml, or it
// must refuse the message when output.yaml names an error. The signature in
// output.yaml (by inputs.yaml signer over signing_root) is checked as part
// of the vector's integrity.
func CheckSigningCase(c Case, impl SigningImplementation) error {
	var in signingInputs
	if err := c.ReadYAML("inputs.yaml", &in); err != nil {
		return err
	}
	if in.MessageType != c.Handler {
		return caseError("inputs.yaml", "message_type %s in handler %s", in.MessageType, c.Handler)
	}
	var out signingOutput
	if err := c.ReadYAML("output.yaml", &out); err != nil {
		return err
	}
	chain, err := c.ReadChain()
	if err != nil {
		return err
	}
	msg, err := c.ReadSSZ("message")
	if err != nil {
		return err
	}
	got, err := impl.SigningRoots(SigningRequest{
		Chain: chain, Preset: c.Preset, MessageType: in.MessageType, MessageSSZType: in.MessageSSZType, MessageFork: in.MessageFork,
		Message: msg, Slot: in.Slot, CurrentEpoch: in.CurrentEpoch,
	})
	if out.Error != "" {
		if err == nil {
			return fmt.Errorf("want a refusal (%s), got signing root %#x", out.Error, got.SigningRoot)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("want a signing root, got error %w", err)
	}
	for _, f := range []struct {
		name      string
		got, want []byte
	}{
		{"object_root", got.ObjectRoot[:], out.ObjectRoot},
		{"fork_version", got.ForkVersion[:], out.ForkVersion},
		{"domain", got.Domain[:], out.Domain},
		{"signing_root", got.SigningRoot[:], out.SigningRoot},
	} {
		if !bytes.Equal(f.got, f.want) {
			return fmt.Errorf("%s = %#x, want %s", f.name, f.got, Hex(f.want))
		}
	}
	if len(out.Signature) > 0 {
		if in.Signer == nil {
			return caseError("inputs.yaml", "output has a signature but no signer")
		}
		pk, err := in.Signer.PublicKey.PublicKey()
		if err != nil {
			return err
		}
		sig, err := out.Signature.Signature()
		if err != nil {
			return err
		}
		if !bls.Verify(pk, out.SigningRoot, sig) {
			return caseError("output.yaml", "vector integrity: signature does not verify under the signer's key")
		}
	}
	return nil
}
