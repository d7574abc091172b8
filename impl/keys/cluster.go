package keys

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// ClusterDefinitionVersion is the only cluster definition format version.
const ClusterDefinitionVersion = 1

// Size limits of the cluster definition (SSZ list limits, so part of the
// cluster ID).
const (
	MaxClusterNameLength = 256
	MaxNetworkNameLength = 64
	MaxAddressLength     = 256
	MaxForks             = 16
	MaxOperators         = spec.MaxCoValidators
)

// ClusterDefinition is the cluster definition: who the operators are, which
// distributed validators they run, with which threshold, on which chain.
// It is an SSZ container; its hash tree root is the cluster ID, the
// consensus.InstanceID.Cluster of every consensus instance of the cluster.
// The JSON file form (cluster.json) is described in README.md and read by
// ParseClusterDefinition.
//
//	ClusterDefinition { version: uint64, name: ByteList[256], threshold: uint64,
//	                    network: ClusterNetwork,
//	                    operators: List[ClusterOperator, 256],
//	                    validators: List[ClusterValidator, 2**40] }
type ClusterDefinition struct {
	Version    uint64
	Name       []byte `ssz-max:"256"`
	Threshold  uint64
	Network    *ClusterNetwork
	Operators  []*ClusterOperator  `ssz-max:"256"`
	Validators []*ClusterValidator `ssz-max:"1099511627776"`
}

// ClusterNetwork is the chain a cluster validates on.
//
//	ClusterNetwork { name: ByteList[64], genesis_validators_root: Root,
//	                 slots_per_epoch: uint64, forks: List[ClusterFork, 16] }
type ClusterNetwork struct {
	Name                  []byte `ssz-max:"64"`
	GenesisValidatorsRoot phase0.Root
	SlotsPerEpoch         uint64
	Forks                 []*ClusterFork `ssz-max:"16"`
}

// ClusterFork is one fork of the schedule; its name is implied by its
// position (phase0 first).
//
//	ClusterFork { version: Bytes4, epoch: uint64 }
type ClusterFork struct {
	Version phase0.Version
	Epoch   phase0.Epoch
}

// ClusterOperator is one operator (co-validator node). Its index is also
// the share index of its key shares.
//
//	ClusterOperator { index: uint64, node_public_key: Bytes32, address: ByteList[256] }
type ClusterOperator struct {
	Index         uint64
	NodePublicKey [32]byte `ssz-size:"32"`
	Address       []byte   `ssz-max:"256"`
}

// ClusterValidator is one distributed validator.
//
//	ClusterValidator { public_key: BLSPubkey, validator_index: List[uint64, 1],
//	                   public_shares: List[BLSPubkey, 256] }
//
// validator_index is empty when the index is not known yet; public_shares
// holds the public key of operator i's share at position i-1.
type ClusterValidator struct {
	PublicKey      phase0.BLSPubKey
	ValidatorIndex []uint64           `ssz-max:"1"`
	PublicShares   []phase0.BLSPubKey `ssz-max:"256"`
}

//go:generate go tool dynssz-gen -legacy -package . -types ClusterFork,ClusterNetwork,ClusterOperator,ClusterValidator,ClusterDefinition -output cluster_ssz.go

// ClusterID is the hash tree root of the definition: the cluster root that
// goes into consensus.InstanceID.Cluster. Validate the definition first.
func (c *ClusterDefinition) ClusterID() (phase0.Root, error) {
	r, err := c.HashTreeRoot()
	if err != nil {
		return phase0.Root{}, fmt.Errorf("cluster definition: %w", err)
	}
	return r, nil
}

// ForkSchedule returns the network's fork schedule.
func (n *ClusterNetwork) ForkSchedule() (signing.ForkSchedule, error) {
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
func (n *ClusterNetwork) Chain() (signing.Chain, error) {
	s, err := n.ForkSchedule()
	if err != nil {
		return signing.Chain{}, err
	}
	return signing.Chain{Forks: s, GenesisValidatorsRoot: n.GenesisValidatorsRoot, SlotsPerEpoch: n.SlotsPerEpoch}, nil
}

// NetworkFromSchedule builds a ClusterNetwork from a fork schedule.
func NetworkFromSchedule(name string, gvr phase0.Root, slotsPerEpoch uint64, s signing.ForkSchedule) *ClusterNetwork {
	n := &ClusterNetwork{Name: []byte(name), GenesisValidatorsRoot: gvr, SlotsPerEpoch: slotsPerEpoch}
	for _, f := range s.Forks() {
		n.Forks = append(n.Forks, &ClusterFork{Version: f.Version, Epoch: f.Epoch})
	}
	return n
}

// Operator returns the operator with the given index (1..N), or nil.
func (c *ClusterDefinition) Operator(index uint64) *ClusterOperator {
	if index == 0 || index > uint64(len(c.Operators)) {
		return nil
	}
	return c.Operators[index-1]
}

// Validator returns the distributed validator with the given public key,
// or nil.
func (c *ClusterDefinition) Validator(pk phase0.BLSPubKey) *ClusterValidator {
	for _, v := range c.Validators {
		if v != nil && v.PublicKey == pk {
			return v
		}
	}
	return nil
}

// Validate checks everything a cluster definition must satisfy:
//
//   - version 1; a non-empty printable UTF-8 name of at most 256 bytes;
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
//     and for each exactly N public shares, valid and distinct, such that
//     the first M (M = threshold) recover the validator public key
//     (bls.RecoverPublicKey), every other share lies on the same polynomial
//     (the first M-1 shares together with share j recover the same key, for
//     every j > M, so any M shares do), and, for M > 1, the first M-1 shares
//     alone do not (the polynomial has degree exactly M-1).
func (c *ClusterDefinition) Validate() error {
	if c == nil {
		return errors.New("cluster definition: missing")
	}
	if c.Version != ClusterDefinitionVersion {
		return fmt.Errorf("cluster definition: version %d, want %d", c.Version, ClusterDefinitionVersion)
	}
	if err := checkText("name", c.Name, 1, MaxClusterNameLength); err != nil {
		return err
	}
	if err := c.Network.validate(); err != nil {
		return err
	}
	n := len(c.Operators)
	if n < 1 || n > MaxOperators {
		return fmt.Errorf("cluster definition: %d operators, want 1..%d", n, MaxOperators)
	}
	keys := map[[32]byte]uint64{}
	addrs := map[string]uint64{}
	for i, op := range c.Operators {
		if op == nil {
			return fmt.Errorf("cluster definition: operator %d missing", i+1)
		}
		if op.Index != uint64(i+1) {
			return fmt.Errorf("cluster definition: operator at position %d has index %d; operators are listed with indices 1..%d in order", i+1, op.Index, n)
		}
		if err := ValidateEd25519PublicKey(op.NodePublicKey[:]); err != nil {
			return fmt.Errorf("cluster definition: operator %d: %w", op.Index, err)
		}
		if prev, ok := keys[op.NodePublicKey]; ok {
			return fmt.Errorf("cluster definition: operators %d and %d have the same node public key", prev, op.Index)
		}
		keys[op.NodePublicKey] = op.Index
		if len(op.Address) > MaxAddressLength {
			return fmt.Errorf("cluster definition: operator %d: address longer than %d bytes", op.Index, MaxAddressLength)
		}
		if err := ValidateMultiaddr(string(op.Address)); err != nil {
			return fmt.Errorf("cluster definition: operator %d: %w", op.Index, err)
		}
		if prev, ok := addrs[string(op.Address)]; ok {
			return fmt.Errorf("cluster definition: operators %d and %d have the same address %s", prev, op.Index, op.Address)
		}
		addrs[string(op.Address)] = op.Index
	}
	minM := spec.Threshold(n)
	if c.Threshold < uint64(minM) || c.Threshold > uint64(n) {
		return fmt.Errorf("cluster definition: threshold %d outside %d..%d (ceil(2N/3)..N for N=%d)", c.Threshold, minM, n, n)
	}
	if len(c.Validators) == 0 {
		return errors.New("cluster definition: no distributed validators")
	}
	seen := map[phase0.BLSPubKey]int{}
	for i, v := range c.Validators {
		if v == nil {
			return fmt.Errorf("cluster definition: distributed validator %d missing", i)
		}
		if j, ok := seen[v.PublicKey]; ok {
			return fmt.Errorf("cluster definition: distributed validators %d and %d have the same public key %#x", j, i, v.PublicKey[:])
		}
		seen[v.PublicKey] = i
		if err := v.validate(n, int(c.Threshold)); err != nil {
			return fmt.Errorf("cluster definition: distributed validator %d (%#x): %w", i, v.PublicKey[:], err)
		}
	}
	return nil
}

func (n *ClusterNetwork) validate() error {
	if n == nil {
		return errors.New("cluster definition: network missing")
	}
	if err := checkText("network name", n.Name, 0, MaxNetworkNameLength); err != nil {
		return err
	}
	if n.SlotsPerEpoch == 0 {
		return errors.New("cluster definition: network slots_per_epoch is zero")
	}
	if len(n.Forks) > MaxForks {
		return fmt.Errorf("cluster definition: %d forks, at most %d", len(n.Forks), MaxForks)
	}
	if len(n.Forks) > int(signing.LatestName) {
		return fmt.Errorf("cluster definition: %d forks; this implementation knows %d (phase0..%s)", len(n.Forks), int(signing.LatestName), signing.LatestName)
	}
	if _, err := n.ForkSchedule(); err != nil {
		return fmt.Errorf("cluster definition: network: %w", err)
	}
	return nil
}

func (v *ClusterValidator) validate(n, m int) error {
	if err := bls.KeyValidate(v.PublicKey); err != nil {
		return err
	}
	if len(v.ValidatorIndex) > 1 {
		return errors.New("more than one validator index")
	}
	if len(v.PublicShares) != n {
		return fmt.Errorf("%d public shares for %d operators", len(v.PublicShares), n)
	}
	parts := make([]bls.PublicShare, n)
	distinct := map[phase0.BLSPubKey]int{}
	for i, pk := range v.PublicShares {
		if err := bls.KeyValidate(pk); err != nil {
			return fmt.Errorf("public share of operator %d: %w", i+1, err)
		}
		if j, ok := distinct[pk]; ok {
			return fmt.Errorf("operators %d and %d have the same public share", j, i+1)
		}
		distinct[pk] = i + 1
		parts[i] = bls.PublicShare{Index: uint64(i + 1), PublicKey: pk}
	}
	got, err := bls.RecoverPublicKey(parts[:m], m)
	if err != nil {
		return fmt.Errorf("recovering the public key: %w", err)
	}
	if got != v.PublicKey {
		return fmt.Errorf("public shares 1..%d recover %#x, not the validator public key", m, got[:])
	}
	for j := m; j < n; j++ {
		set := append(append([]bls.PublicShare{}, parts[:m-1]...), parts[j])
		got, err := bls.RecoverPublicKey(set, m)
		if err != nil {
			return fmt.Errorf("recovering with share %d: %w", j+1, err)
		}
		if got != v.PublicKey {
			return fmt.Errorf("public share of operator %d is not on the sharing polynomial", j+1)
		}
	}
	if m > 1 {
		got, err := bls.RecoverPublicKey(parts[:m-1], m-1)
		if err == nil && got == v.PublicKey {
			return fmt.Errorf("%d shares already recover the key: the threshold is not %d", m-1, m)
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

// ---- JSON file form ----

type clusterJSON struct {
	Version               string           `json:"version"`
	Name                  string           `json:"name"`
	Threshold             string           `json:"threshold"`
	Network               *networkJSON     `json:"network"`
	Operators             []*operatorJSON  `json:"operators"`
	DistributedValidators []*validatorJSON `json:"distributed_validators"`
}

type networkJSON struct {
	Name                  string      `json:"name"`
	GenesisValidatorsRoot string      `json:"genesis_validators_root"`
	SlotsPerEpoch         string      `json:"slots_per_epoch"`
	Forks                 []*forkJSON `json:"forks"`
}

type forkJSON struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Epoch   string `json:"epoch"`
}

type operatorJSON struct {
	Index         string `json:"index"`
	NodePublicKey string `json:"node_public_key"`
	Address       string `json:"address"`
}

type validatorJSON struct {
	PublicKey      string   `json:"public_key"`
	ValidatorIndex *string  `json:"validator_index"`
	PublicShares   []string `json:"public_shares"`
}

func u64(v uint64) string { return strconv.FormatUint(v, 10) }

// MarshalJSON writes the cluster.json form (see README.md).
func (c *ClusterDefinition) MarshalJSON() ([]byte, error) {
	if c.Network == nil {
		return nil, errors.New("cluster definition: network missing")
	}
	out := clusterJSON{
		Version:   u64(c.Version),
		Name:      string(c.Name),
		Threshold: u64(c.Threshold),
		Network: &networkJSON{
			Name:                  string(c.Network.Name),
			GenesisValidatorsRoot: hex0x(c.Network.GenesisValidatorsRoot[:]),
			SlotsPerEpoch:         u64(c.Network.SlotsPerEpoch),
			Forks:                 []*forkJSON{},
		},
		Operators:             []*operatorJSON{},
		DistributedValidators: []*validatorJSON{},
	}
	for i, f := range c.Network.Forks {
		if f == nil {
			return nil, fmt.Errorf("cluster definition: fork %d missing", i)
		}
		out.Network.Forks = append(out.Network.Forks, &forkJSON{
			Name:    (eth2spec.DataVersionPhase0 + eth2spec.DataVersion(i)).String(),
			Version: hex0x(f.Version[:]),
			Epoch:   u64(uint64(f.Epoch)),
		})
	}
	for i, op := range c.Operators {
		if op == nil {
			return nil, fmt.Errorf("cluster definition: operator %d missing", i+1)
		}
		out.Operators = append(out.Operators, &operatorJSON{
			Index: u64(op.Index), NodePublicKey: hex0x(op.NodePublicKey[:]), Address: string(op.Address),
		})
	}
	for i, v := range c.Validators {
		if v == nil {
			return nil, fmt.Errorf("cluster definition: distributed validator %d missing", i)
		}
		vj := &validatorJSON{PublicKey: hex0x(v.PublicKey[:]), PublicShares: []string{}}
		if len(v.ValidatorIndex) > 0 {
			s := u64(v.ValidatorIndex[0])
			vj.ValidatorIndex = &s
		}
		for _, pk := range v.PublicShares {
			vj.PublicShares = append(vj.PublicShares, hex0x(pk[:]))
		}
		out.DistributedValidators = append(out.DistributedValidators, vj)
	}
	b, err := json.MarshalIndent(&out, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// ParseClusterDefinition reads the cluster.json form strictly (unknown
// fields, missing fields, numbers that are not decimal strings, hex of the
// wrong length are all errors) and validates the result.
func ParseClusterDefinition(data []byte) (*ClusterDefinition, error) {
	c, err := decodeClusterJSON(data)
	if err != nil {
		return nil, fmt.Errorf("cluster definition: %w", err)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// LoadClusterDefinition reads, parses and validates a cluster.json file.
func LoadClusterDefinition(path string) (*ClusterDefinition, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := ParseClusterDefinition(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// WriteClusterDefinition validates c and writes it as cluster.json (mode
// 0644: it holds no secret).
func WriteClusterDefinition(path string, c *ClusterDefinition) error {
	if err := c.Validate(); err != nil {
		return err
	}
	b, err := c.MarshalJSON()
	if err != nil {
		return err
	}
	return writeFileAtomic(path, b, 0o644)
}

func decodeClusterJSON(data []byte) (*ClusterDefinition, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var j clusterJSON
	if err := dec.Decode(&j); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON object")
	}
	c := &ClusterDefinition{Name: []byte(j.Name)}
	var err error
	if c.Version, err = parseDecimal("version", j.Version); err != nil {
		return nil, err
	}
	if c.Threshold, err = parseDecimal("threshold", j.Threshold); err != nil {
		return nil, err
	}
	if j.Network == nil {
		return nil, errors.New("network: missing")
	}
	c.Network = &ClusterNetwork{Name: []byte(j.Network.Name)}
	if err := parseHexInto("network.genesis_validators_root", j.Network.GenesisValidatorsRoot, c.Network.GenesisValidatorsRoot[:]); err != nil {
		return nil, err
	}
	if c.Network.SlotsPerEpoch, err = parseDecimal("network.slots_per_epoch", j.Network.SlotsPerEpoch); err != nil {
		return nil, err
	}
	if len(j.Network.Forks) > MaxForks {
		return nil, fmt.Errorf("network.forks: %d entries, at most %d", len(j.Network.Forks), MaxForks)
	}
	for i, f := range j.Network.Forks {
		if f == nil {
			return nil, fmt.Errorf("network.forks[%d]: missing", i)
		}
		want := (eth2spec.DataVersionPhase0 + eth2spec.DataVersion(i)).String()
		if f.Name != want {
			return nil, fmt.Errorf("network.forks[%d]: name %q, want %q (forks are listed phase0 first, without gaps)", i, f.Name, want)
		}
		cf := &ClusterFork{}
		if err := parseHexInto(fmt.Sprintf("network.forks[%d].version", i), f.Version, cf.Version[:]); err != nil {
			return nil, err
		}
		e, err := parseDecimal(fmt.Sprintf("network.forks[%d].epoch", i), f.Epoch)
		if err != nil {
			return nil, err
		}
		cf.Epoch = phase0.Epoch(e)
		c.Network.Forks = append(c.Network.Forks, cf)
	}
	if len(j.Operators) > MaxOperators {
		return nil, fmt.Errorf("operators: %d entries, at most %d", len(j.Operators), MaxOperators)
	}
	for i, o := range j.Operators {
		if o == nil {
			return nil, fmt.Errorf("operators[%d]: missing", i)
		}
		op := &ClusterOperator{Address: []byte(o.Address)}
		if op.Index, err = parseDecimal(fmt.Sprintf("operators[%d].index", i), o.Index); err != nil {
			return nil, err
		}
		if err := parseHexInto(fmt.Sprintf("operators[%d].node_public_key", i), o.NodePublicKey, op.NodePublicKey[:]); err != nil {
			return nil, err
		}
		c.Operators = append(c.Operators, op)
	}
	for i, v := range j.DistributedValidators {
		if v == nil {
			return nil, fmt.Errorf("distributed_validators[%d]: missing", i)
		}
		cv := &ClusterValidator{}
		if err := parseHexInto(fmt.Sprintf("distributed_validators[%d].public_key", i), v.PublicKey, cv.PublicKey[:]); err != nil {
			return nil, err
		}
		if v.ValidatorIndex != nil {
			idx, err := parseDecimal(fmt.Sprintf("distributed_validators[%d].validator_index", i), *v.ValidatorIndex)
			if err != nil {
				return nil, err
			}
			cv.ValidatorIndex = []uint64{idx}
		}
		if len(v.PublicShares) > MaxOperators {
			return nil, fmt.Errorf("distributed_validators[%d].public_shares: %d entries, at most %d", i, len(v.PublicShares), MaxOperators)
		}
		for k, s := range v.PublicShares {
			var pk phase0.BLSPubKey
			if err := parseHexInto(fmt.Sprintf("distributed_validators[%d].public_shares[%d]", i, k), s, pk[:]); err != nil {
				return nil, err
			}
			cv.PublicShares = append(cv.PublicShares, pk)
		}
		c.Validators = append(c.Validators, cv)
	}
	return c, nil
}

func hex0x(b []byte) string { return "0x" + hex.EncodeToString(b) }

// parseHexInto parses 0x-prefixed hex of exactly len(dst) bytes into dst.
func parseHexInto(field, s string, dst []byte) error {
	if !strings.HasPrefix(s, "0x") {
		return fmt.Errorf("%s: %q is not 0x-prefixed hex", field, s)
	}
	b, err := hex.DecodeString(s[2:])
	if err != nil {
		return fmt.Errorf("%s: %q is not hex", field, s)
	}
	if len(b) != len(dst) {
		return fmt.Errorf("%s: %d bytes, want %d", field, len(b), len(dst))
	}
	copy(dst, b)
	return nil
}

// parseDecimal parses a uint64 written as a decimal string without sign or
// leading zeros.
func parseDecimal(field, s string) (uint64, error) {
	if s == "" {
		return 0, fmt.Errorf("%s: missing", field)
	}
	if len(s) > 1 && s[0] == '0' {
		return 0, fmt.Errorf("%s: %q has leading zeros", field, s)
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %q is not a decimal uint64", field, s)
	}
	return v, nil
}
