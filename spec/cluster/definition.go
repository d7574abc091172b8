package cluster

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// Version is the only cluster definition format version this spec reads.
// Version 1 (impl/keys before SPEC.md section 11) covered operator
// addresses in the cluster ID and had no fee recipients; its files are
// refused with a message saying so.
const Version = 2

// Size limits of the definition (SSZ list limits, so part of the cluster
// ID, except MaxAddressLength: addresses are not in the container).
const (
	MaxNameLength        = 256
	MaxNetworkNameLength = 64
	MaxAddressLength     = 256
	MaxForks             = 16
	MaxOperators         = spec.MaxCoValidators
)

// Definition is this spec's cluster definition (SPEC.md section 11; the
// sources have none): who the operators are, which distributed validators
// they run, with which threshold and fee recipients, on which chain. Its
// hash tree root is the cluster ID, the consensus.InstanceID.Cluster of
// every consensus instance of the cluster.
//
//	ClusterDefinition { version: uint64, name: ByteList[256], threshold: uint64,
//	                    network: ClusterNetwork,
//	                    operators: List[ClusterOperator, 256],
//	                    validators: List[ClusterValidator, 2**40] }
type Definition struct {
	Version    uint64
	Name       []byte `ssz-max:"256"`
	Threshold  uint64
	Network    *Network
	Operators  []*Operator  `ssz-max:"256"`
	Validators []*Validator `ssz-max:"1099511627776"`
}

// Network is the chain a cluster validates on (this spec).
//
//	ClusterNetwork { name: ByteList[64], genesis_validators_root: Root,
//	                 slots_per_epoch: uint64, forks: List[ClusterFork, 16] }
type Network struct {
	Name                  []byte `ssz-max:"64"`
	GenesisValidatorsRoot phase0.Root
	SlotsPerEpoch         uint64
	Forks                 []*Fork `ssz-max:"16"`
}

// Fork is one fork of the schedule (this spec); its name is implied by its
// position (phase0 first).
//
//	ClusterFork { version: Bytes4, epoch: uint64 }
type Fork struct {
	Version phase0.Version
	Epoch   phase0.Epoch
}

// Operator is one operator (co-validator node) of this spec's cluster
// definition. Its index is also the share index of its key shares.
//
//	ClusterOperator { index: uint64, node_public_key: Bytes32 }
//
// The operator's network address is carried with it (cluster.json has it)
// but is not part of the container: the cluster ID covers who the
// operators are, not where they are, so an operator whose address changes
// keeps the cluster (SPEC.md section 11.4). The node identity key
// authenticates every connection, so a wrong address can make a peer
// unreachable but never lets another node impersonate it.
type Operator struct {
	Index         uint64
	NodePublicKey [32]byte `ssz-size:"32"`

	// address is unexported so that the SSZ container (and the cluster ID)
	// does not see it.
	address string
}

// NewOperator returns an operator with its address.
func NewOperator(index uint64, nodePublicKey [32]byte, address string) *Operator {
	return &Operator{Index: index, NodePublicKey: nodePublicKey, address: address}
}

// Address is the operator's libp2p multiaddr (not covered by the cluster
// ID).
func (o *Operator) Address() string { return o.address }

// SetAddress changes the operator's address; the cluster ID does not
// change.
func (o *Operator) SetAddress(addr string) { o.address = addr }

// Validator is one distributed validator of this spec's cluster
// definition.
//
//	ClusterValidator { public_key: BLSPubkey, validator_index: List[uint64, 1],
//	                   fee_recipient: ExecutionAddress,
//	                   withdrawal_address: List[ExecutionAddress, 1],
//	                   public_shares: List[BLSPubkey, 256] }
//
// validator_index is empty when the index is not known yet;
// withdrawal_address is empty when the cluster does not record it (keys
// split after their deposit); public_shares holds the public key of
// operator i's share at position i-1. fee_recipient is the execution
// address every block of the validator must pay (SPEC.md section 6, rule
// fee_recipient).
type Validator struct {
	PublicKey         phase0.BLSPubKey
	ValidatorIndex    []uint64 `ssz-max:"1"`
	FeeRecipient      bellatrix.ExecutionAddress
	WithdrawalAddress []bellatrix.ExecutionAddress `ssz-max:"1"`
	PublicShares      []phase0.BLSPubKey           `ssz-max:"256"`
}

//go:generate go tool dynssz-gen -legacy -package . -types Fork,Network,Operator,Validator,Definition -output definition_ssz.go

// ID is the cluster ID of this spec: hash_tree_root(ClusterDefinition)
// with every validator_index emptied, the root that goes into
// consensus.InstanceID.Cluster (SPEC.md section 11.4). A registry index is
// a fact of the chain, fixed by the validator key the ID already covers:
// a node that learns it from its beacon node at start must keep the ID of
// the file every operator holds. Validate the definition first.
func (c *Definition) ID() (phase0.Root, error) {
	unindexed := *c
	unindexed.Validators = make([]*Validator, len(c.Validators))
	for i, v := range c.Validators {
		if v == nil {
			return phase0.Root{}, fmt.Errorf("cluster definition: distributed_validators[%d] missing", i)
		}
		w := *v
		w.ValidatorIndex = nil
		unindexed.Validators[i] = &w
	}
	r, err := unindexed.HashTreeRoot()
	if err != nil {
		return phase0.Root{}, fmt.Errorf("cluster definition: %w", err)
	}
	return r, nil
}

// ForkSchedule returns the network's fork schedule.
func (n *Network) ForkSchedule() (signing.ForkSchedule, error) {
	forks := make([]signing.Fork, 0, len(n.Forks))
	for i, f := range n.Forks {
		if f == nil {
			return signing.ForkSchedule{}, fmt.Errorf("fork %d missing", i)
		}
		forks = append(forks, signing.Fork{Name: eth2spec.DataVersionPhase0 + eth2spec.DataVersion(i), Version: f.Version, Epoch: f.Epoch})
	}
	return signing.NewForkSchedule(forks...)
}

// Chain returns the signing.Chain of the network.
func (n *Network) Chain() (signing.Chain, error) {
	s, err := n.ForkSchedule()
	if err != nil {
		return signing.Chain{}, err
	}
	return signing.Chain{Forks: s, GenesisValidatorsRoot: n.GenesisValidatorsRoot, SlotsPerEpoch: n.SlotsPerEpoch}, nil
}

// NetworkFromSchedule builds a Network from a fork schedule.
func NetworkFromSchedule(name string, gvr phase0.Root, slotsPerEpoch uint64, s signing.ForkSchedule) *Network {
	n := &Network{Name: []byte(name), GenesisValidatorsRoot: gvr, SlotsPerEpoch: slotsPerEpoch}
	for _, f := range s.Forks() {
		n.Forks = append(n.Forks, &Fork{Version: f.Version, Epoch: f.Epoch})
	}
	return n
}

// Operator returns the operator with the given index (1..N), or nil.
func (c *Definition) Operator(index uint64) *Operator {
	if index == 0 || index > uint64(len(c.Operators)) {
		return nil
	}
	return c.Operators[index-1]
}

// Validator returns the distributed validator with the given public key,
// or nil.
func (c *Definition) Validator(pk phase0.BLSPubKey) *Validator {
	for _, v := range c.Validators {
		if v != nil && v.PublicKey == pk {
			return v
		}
	}
	return nil
}

// ShareKeyFor returns operator index's share public key of validator pk.
func (c *Definition) ShareKeyFor(pk phase0.BLSPubKey, index uint64) (phase0.BLSPubKey, error) {
	v := c.Validator(pk)
	if v == nil {
		return phase0.BLSPubKey{}, fmt.Errorf("cluster definition: no validator %#x", pk[:])
	}
	if index == 0 || index > uint64(len(v.PublicShares)) {
		return phase0.BLSPubKey{}, fmt.Errorf("cluster definition: no operator %d", index)
	}
	return v.PublicShares[index-1], nil
}

// Validate checks everything this spec's cluster definition must satisfy
// (SPEC.md section 11.3):
//
//   - version 2; a non-empty printable UTF-8 name of at most 256 bytes;
//   - network: a name of at most 64 printable bytes, slots_per_epoch > 0,
//     a valid fork schedule (signing.NewForkSchedule: phase0 first at
//     epoch 0, no gaps, epochs non-decreasing, versions distinct);
//   - 1..256 operators listed in index order with indices exactly 1..N,
//     every node public key a well-formed Ed25519 point, node keys and
//     addresses distinct, every address a supported multiaddr
//     (ValidateMultiaddr);
//   - spec.Threshold(N) <= threshold <= N: a lower threshold lets two
//     disjoint groups sign, a higher one can never be reached;
//   - at least one distributed validator, public keys distinct and valid,
//     a non-zero fee recipient (fees paid to the zero address are burned),
//     at most one withdrawal address, non-zero, and exactly N public
//     shares, valid and distinct, such that the first M (M = threshold)
//     recover the validator public key (bls.RecoverPublicKey), every other
//     share lies on the same polynomial (the first M-1 shares together
//     with share j recover the same key, for every j > M, so any M shares
//     do), and, for M > 1, the first M-1 shares alone do not (the
//     polynomial has degree exactly M-1).
func (c *Definition) Validate() error {
	if c == nil {
		return errors.New("cluster definition: missing")
	}
	if c.Version != Version {
		if c.Version == 1 {
			return errors.New("cluster definition: version 1 is no longer read (its cluster ID covered operator addresses and it had no fee recipients); create the cluster again")
		}
		return fmt.Errorf("cluster definition: version %d, want %d", c.Version, Version)
	}
	if err := checkText("name", c.Name, 1, MaxNameLength); err != nil {
		return err
	}
	if err := c.Network.validate(); err != nil {
		return err
	}
	n := len(c.Operators)
	if n < 1 || n > MaxOperators {
		return fmt.Errorf("cluster definition: operators: %d, want 1..%d", n, MaxOperators)
	}
	keys := map[[32]byte]uint64{}
	addrs := map[string]uint64{}
	for i, op := range c.Operators {
		if op == nil {
			return fmt.Errorf("cluster definition: operators[%d] missing", i)
		}
		if op.Index != uint64(i+1) {
			return fmt.Errorf("cluster definition: operators[%d].index is %d; operators are listed with indices 1..%d in order", i, op.Index, n)
		}
		if err := ValidateEd25519PublicKey(op.NodePublicKey[:]); err != nil {
			return fmt.Errorf("cluster definition: operators[%d].node_public_key: %w", i, err)
		}
		if prev, ok := keys[op.NodePublicKey]; ok {
			return fmt.Errorf("cluster definition: operators %d and %d have the same node public key", prev, op.Index)
		}
		keys[op.NodePublicKey] = op.Index
		if len(op.address) > MaxAddressLength {
			return fmt.Errorf("cluster definition: operators[%d].address longer than %d bytes", i, MaxAddressLength)
		}
		if err := ValidateMultiaddr(op.address); err != nil {
			return fmt.Errorf("cluster definition: operators[%d].address: %w", i, err)
		}
		if prev, ok := addrs[op.address]; ok {
			return fmt.Errorf("cluster definition: operators %d and %d have the same address %s", prev, op.Index, op.address)
		}
		addrs[op.address] = op.Index
	}
	minM := spec.Threshold(n)
	if c.Threshold < uint64(minM) || c.Threshold > uint64(n) {
		return fmt.Errorf("cluster definition: threshold %d outside %d..%d (ceil(2N/3)..N for N=%d)", c.Threshold, minM, n, n)
	}
	if len(c.Validators) == 0 {
		return errors.New("cluster definition: distributed_validators: none")
	}
	seen := map[phase0.BLSPubKey]int{}
	for i, v := range c.Validators {
		if v == nil {
			return fmt.Errorf("cluster definition: distributed_validators[%d] missing", i)
		}
		if j, ok := seen[v.PublicKey]; ok {
			return fmt.Errorf("cluster definition: distributed_validators[%d] and [%d] have the same public key %#x", j, i, v.PublicKey[:])
		}
		seen[v.PublicKey] = i
		if err := v.validate(n, int(c.Threshold)); err != nil {
			return fmt.Errorf("cluster definition: distributed_validators[%d].%w (validator %#x)", i, err, v.PublicKey[:])
		}
	}
	return nil
}

func (n *Network) validate() error {
	if n == nil {
		return errors.New("cluster definition: network missing")
	}
	if err := checkText("network.name", n.Name, 0, MaxNetworkNameLength); err != nil {
		return err
	}
	if n.SlotsPerEpoch == 0 {
		return errors.New("cluster definition: network.slots_per_epoch is zero")
	}
	if len(n.Forks) > MaxForks {
		return fmt.Errorf("cluster definition: network.forks: %d, at most %d", len(n.Forks), MaxForks)
	}
	if len(n.Forks) > int(signing.LatestName) {
		return fmt.Errorf("cluster definition: network.forks: %d; this implementation knows %d (phase0..%s)", len(n.Forks), int(signing.LatestName), signing.LatestName)
	}
	if _, err := n.ForkSchedule(); err != nil {
		return fmt.Errorf("cluster definition: network.forks: %w", err)
	}
	return nil
}

func (v *Validator) validate(n, m int) error {
	if err := bls.KeyValidate(v.PublicKey); err != nil {
		return fmt.Errorf("public_key: %w", err)
	}
	if len(v.ValidatorIndex) > 1 {
		return errors.New("validator_index: more than one")
	}
	if v.FeeRecipient == (bellatrix.ExecutionAddress{}) {
		return errors.New("fee_recipient: the zero address (fees paid to it are burned)")
	}
	if len(v.WithdrawalAddress) > 1 {
		return errors.New("withdrawal_address: more than one")
	}
	if len(v.WithdrawalAddress) == 1 && v.WithdrawalAddress[0] == (bellatrix.ExecutionAddress{}) {
		return errors.New("withdrawal_address: the zero address")
	}
	if len(v.PublicShares) != n {
		return fmt.Errorf("public_shares: %d for %d operators", len(v.PublicShares), n)
	}
	return CheckPublicShares(v.PublicKey, v.PublicShares, m)
}

// CheckPublicShares checks that shares (entry i-1 the public key of share
// index i) are a threshold-m sharing of the validator key pk (this spec,
// SPEC.md section 11.3): every share valid and distinct, the first m
// recover pk, every further share lies on the same polynomial, and for
// m > 1 the first m-1 shares alone do not recover pk.
func CheckPublicShares(pk phase0.BLSPubKey, shares []phase0.BLSPubKey, m int) error {
	n := len(shares)
	if m < 1 || m > n {
		return fmt.Errorf("threshold %d outside 1..%d", m, n)
	}
	parts := make([]bls.PublicShare, n)
	distinct := map[phase0.BLSPubKey]int{}
	for i, pk := range shares {
		if err := bls.KeyValidate(pk); err != nil {
			return fmt.Errorf("public_shares[%d]: %w", i, err)
		}
		if j, ok := distinct[pk]; ok {
			return fmt.Errorf("public_shares: operators %d and %d have the same public share", j, i+1)
		}
		distinct[pk] = i + 1
		parts[i] = bls.PublicShare{Index: uint64(i + 1), PublicKey: pk}
	}
	got, err := bls.RecoverPublicKey(parts[:m], m)
	if err != nil {
		return fmt.Errorf("public_shares: recovering the public key: %w", err)
	}
	if got != pk {
		return fmt.Errorf("public_shares: 1..%d recover %#x, not the validator public key", m, got[:])
	}
	for j := m; j < n; j++ {
		set := append(append([]bls.PublicShare{}, parts[:m-1]...), parts[j])
		got, err := bls.RecoverPublicKey(set, m)
		if err != nil {
			return fmt.Errorf("public_shares: recovering with share %d: %w", j+1, err)
		}
		if got != pk {
			return fmt.Errorf("public_shares[%d] is not on the sharing polynomial", j)
		}
	}
	if m > 1 {
		got, err := bls.RecoverPublicKey(parts[:m-1], m-1)
		if err == nil && got == pk {
			return fmt.Errorf("public_shares: %d shares already recover the key: the threshold is not %d", m-1, m)
		}
	}
	return nil
}

// checkText requires printable UTF-8 of min..max bytes.
func checkText(field string, b []byte, min, max int) error {
	if len(b) < min || len(b) > max {
		return fmt.Errorf("cluster definition: %s of %d bytes, want %d..%d", field, len(b), min, max)
	}
	if !utf8.Valid(b) {
		return fmt.Errorf("cluster definition: %s is not UTF-8", field)
	}
	for _, r := range string(b) {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("cluster definition: %s contains a non-printable character", field)
		}
	}
	return nil
}
