package dvc

import (
	"fmt"
	"slices"

	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// Mode is the architecture a co-validator runs in.
type Mode uint8

const (
	// ModeRemoteSigner is the HEAD architecture: the DVC sits between the
	// beacon node and a remote signer holding the key share, and asks the
	// signer (Oracles.Signer) to sign every decided value.
	ModeRemoteSigner Mode = 1
	// ModeVCMiddleware is the c00dc1e architecture: the DVC sits between
	// the beacon node and an ordinary validator client holding the key
	// share; it caches decided values for the VC (Cache*ForVC outputs) and
	// captures the VC's signed submissions (Captured* events).
	ModeVCMiddleware Mode = 2
)

// String returns the name used in vectors.
func (m Mode) String() string {
	switch m {
	case ModeRemoteSigner:
		return "remote_signer"
	case ModeVCMiddleware:
		return "vc_middleware"
	}
	return fmt.Sprintf("mode_%d", uint8(m))
}

// Config is the static configuration of one co-validator of one
// distributed validator: what the Dafny DVCState holds but never changes
// (dv_pubkey, peers, the rs key, the construct_* oracles' key material),
// plus the chain data that replaces bn_get_fork_version.
type Config struct {
	// Chain gives every signing root, the fork at every slot and the chain
	// config (SLOTS_PER_EPOCH, the sync committee geometry, the sizes of
	// the containers decided on).
	Chain signing.Chain
	// Validator is the distributed validator's identity (Dafny dv_pubkey,
	// and its registry index).
	Validator spec.ValidatorIdentity
	// ShareIndex is this co-validator's share index, 1..N.
	ShareIndex uint64
	// Peers are the share indices of all co-validators, this one included
	// (the Dafny DV model sets peers = all_nodes). Shares are multicast to
	// all of them.
	Peers []uint64
	// PublicShares maps every share index in Peers to its public key share.
	PublicShares map[uint64]phase0.BLSPubKey
	// Threshold is M, the number of shares that combine (spec.Threshold).
	Threshold int
	// PublicSharesChecked: the caller has checked that PublicShares are a
	// threshold sharing of the validator key (spec/cluster.CheckPublicShares,
	// run when a cluster definition is loaded); combination then skips the
	// combined signature's check (networking.Verifier.PublicSharesChecked,
	// amendment A24). Vectors leave it false.
	PublicSharesChecked bool
	// Cluster is the cluster root put into every consensus.InstanceID.
	Cluster phase0.Root
	// Mode is remote-signer or VC-middleware.
	Mode Mode
	// FeeRecipient is the execution address the validator's blocks must
	// pay (the cluster definition's fee_recipient): the block validity
	// predicate refuses a decided block of Bellatrix or later that pays
	// another (SPEC.md deviation 15). Nil applies no such rule, as in the
	// sources.
	FeeRecipient *bellatrix.ExecutionAddress
}

// Validate checks the configuration: a known mode, a chain with a fork
// schedule and SLOTS_PER_EPOCH equal to its config's, 1..256 distinct
// non-zero peers including ShareIndex, a valid public share for every peer
// and none for anyone else, and 1 <= Threshold <= N.
func (c *Config) Validate() error {
	if c == nil {
		return fmt.Errorf("%w: nil config", ErrInvalidConfig)
	}
	if c.Mode != ModeRemoteSigner && c.Mode != ModeVCMiddleware {
		return fmt.Errorf("%w: unknown mode %d", ErrInvalidConfig, c.Mode)
	}
	if _, err := c.Chain.Forks.Genesis(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	// A Chain literal can carry a SlotsPerEpoch its config does not have;
	// NewChain never builds one.
	if cc := c.Chain.ChainConfig(); c.Chain.SlotsPerEpoch == 0 || c.Chain.SlotsPerEpoch != cc.SlotsPerEpoch {
		return fmt.Errorf("%w: chain slots per epoch %d, its config %d", ErrInvalidConfig, c.Chain.SlotsPerEpoch, cc.SlotsPerEpoch)
	}
	n := len(c.Peers)
	if n == 0 || n > spec.MaxCoValidators {
		return fmt.Errorf("%w: %d peers, want 1..%d", ErrInvalidConfig, n, spec.MaxCoValidators)
	}
	seen := map[uint64]bool{}
	for _, p := range c.Peers {
		if p == 0 || seen[p] {
			return fmt.Errorf("%w: peer share index %d zero or repeated", ErrInvalidConfig, p)
		}
		seen[p] = true
		pk, ok := c.PublicShares[p]
		if !ok {
			return fmt.Errorf("%w: no public share for share index %d", ErrInvalidConfig, p)
		}
		if err := bls.KeyValidate(pk); err != nil {
			return fmt.Errorf("%w: public share %d: %w", ErrInvalidConfig, p, err)
		}
	}
	if len(c.PublicShares) != n {
		return fmt.Errorf("%w: %d public shares for %d peers", ErrInvalidConfig, len(c.PublicShares), n)
	}
	if !seen[c.ShareIndex] {
		return fmt.Errorf("%w: own share index %d is not a peer", ErrInvalidConfig, c.ShareIndex)
	}
	if c.Threshold < 1 || c.Threshold > n {
		return fmt.Errorf("%w: threshold %d outside 1..%d", ErrInvalidConfig, c.Threshold, n)
	}
	if err := bls.KeyValidate(c.Validator.Pubkey); err != nil {
		return fmt.Errorf("%w: validator key: %w", ErrInvalidConfig, err)
	}
	return nil
}

// sortedPeers returns the peers in ascending share-index order: the
// recipients of every Broadcast.
func (c *Config) sortedPeers() []uint64 {
	p := slices.Clone(c.Peers)
	slices.Sort(p)
	return p
}

// verifier returns the share verifier of the cluster.
func (c *Config) verifier(o Oracles) networking.Verifier {
	return networking.Verifier{
		Chain:           c.Chain,
		ValidatorPubkey: c.Validator.Pubkey,
		PublicShares:    c.PublicShares,
		Threshold:       c.Threshold,
		Verify:          o.Verify,
		Recover:         o.Recover,

		PublicSharesChecked: c.PublicSharesChecked,
	}
}

// instanceID is the consensus instance of a duty of this validator.
func (c *Config) instanceID(d consensus.DutyType, slot phase0.Slot) consensus.InstanceID {
	return consensus.InstanceID{Cluster: c.Cluster, Validator: c.Validator.Pubkey, DutyType: uint64(d), Slot: slot}
}
