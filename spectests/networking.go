package spectests

import (
	"bytes"
	"fmt"
	"testing"

	"gopkg.in/yaml.v3"
)

// CombineRequest is one networking case: a set of signature shares of one
// distributed validator and what combining them needs (SPEC.md section 7,
// amendment A4; networking.py construct_signed_*).
type CombineRequest struct {
	Chain Chain
	// Preset is the directory preset (mainnet or minimal).
	Preset string
	// ValidatorPublicKey is the distributed validator's public key.
	ValidatorPublicKey [48]byte
	// PublicShares are the cluster's public key shares, by share index.
	PublicShares []PublicShare
	// Threshold is M.
	Threshold int
	// Kind is attestation_share, randao_share, block_share or
	// sync_committee_message_share.
	Kind string
	// Shares are the SSZ encodings of the shares, in the order given.
	Shares [][]byte
}

// CombineResult is the combined message: Type names its SSZ type and
// Combined is its SSZ encoding.
//
//	kind                          Type
//	attestation_share             Attestation (phase0, before Electra) or SingleAttestation (Electra on)
//	randao_share                  BLSSignature (the 96-byte reveal)
//	block_share                   SignedVersionedBlock
//	sync_committee_message_share  SyncCommitteeMessage
type CombineResult struct {
	Type     string
	Combined []byte
}

// NetworkingImplementation runs the networking vectors.
type NetworkingImplementation interface {
	ErrorNamer
	// CombineShares verifies every share against its signer's public
	// share, combines the threshold shares with the smallest share indices
	// and verifies the result under the validator key, or fails with a
	// named error (below_threshold, mixed_data, invalid_share,
	// duplicate_signer, unknown_signer, invalid_combination,
	// malformed_share).
	CombineShares(req CombineRequest) (CombineResult, error)
}

func init() {
	register(Runner{
		Name:       "networking",
		Interface:  "spectests.NetworkingImplementation",
		Implements: func(impl any) bool { _, ok := impl.(NetworkingImplementation); return ok },
		Check:      func(c Case, impl any) error { return CheckNetworkingCase(c, impl.(NetworkingImplementation)) },
	})
}

// RunNetworking runs every networking case under root as a subtest.
func RunNetworking(t *testing.T, root string, impl NetworkingImplementation) {
	t.Helper()
	Run(t, root, "networking", impl)
}

type networkingInputs struct {
	Kind               string            `yaml:"kind"`
	ValidatorPublicKey Hex               `yaml:"validator_public_key"`
	Threshold          int               `yaml:"threshold"`
	PublicShares       []publicShareYAML `yaml:"public_shares"`
	Shares             []struct {
		Share    yaml.Node `yaml:"share"`
		ShareSSZ Hex       `yaml:"share_ssz"`
	} `yaml:"shares"`
}

type networkingOutput struct {
	CombinedType string    `yaml:"combined_type"`
	Combined     yaml.Node `yaml:"combined"`
	CombinedSSZ  Hex       `yaml:"combined_ssz"`
	Error        string    `yaml:"error"`
	Cause        string    `yaml:"cause"`
}

func readPublicShares(list []publicShareYAML) ([]PublicShare, error) {
	out := make([]PublicShare, 0, len(list))
	for _, p := range list {
		pk, err := p.PublicKey.PublicKey()
		if err != nil {
			return nil, fmt.Errorf("public share %d: %w", p.Index, err)
		}
		out = append(out, PublicShare{Index: p.Index, PublicKey: pk})
	}
	return out, nil
}

// CheckNetworkingCase checks one networking case: combining the shares of
// inputs.yaml must give output.yaml's combined message (type and SSZ
// encoding), or fail with its named error.
func CheckNetworkingCase(c Case, impl NetworkingImplementation) error {
	chain, err := c.ReadChain()
	if err != nil {
		return err
	}
	var in networkingInputs
	if err := c.ReadYAML("inputs.yaml", &in); err != nil {
		return err
	}
	var out networkingOutput
	if err := c.ReadYAML("output.yaml", &out); err != nil {
		return err
	}
	pk, err := in.ValidatorPublicKey.PublicKey()
	if err != nil {
		return caseError("inputs.yaml", "validator_public_key: %v", err)
	}
	pubs, err := readPublicShares(in.PublicShares)
	if err != nil {
		return caseError("inputs.yaml", "%v", err)
	}
	req := CombineRequest{Chain: chain, Preset: c.Preset, ValidatorPublicKey: pk, PublicShares: pubs, Threshold: in.Threshold, Kind: in.Kind}
	for _, s := range in.Shares {
		req.Shares = append(req.Shares, s.ShareSSZ)
	}
	got, err := impl.CombineShares(req)
	if out.Error != "" {
		if err == nil {
			return fmt.Errorf("want error %s, got a combined %s", out.Error, got.Type)
		}
		return expectNamed(impl, err, out.Error, out.Cause)
	}
	if err != nil {
		return fmt.Errorf("want a combined %s, got error %w", out.CombinedType, err)
	}
	if got.Type != out.CombinedType {
		return fmt.Errorf("combined type %s, want %s", got.Type, out.CombinedType)
	}
	if !bytes.Equal(got.Combined, out.CombinedSSZ) {
		return fmt.Errorf("combined %s %#x, want %s", got.Type, got.Combined, out.CombinedSSZ)
	}
	return nil
}
