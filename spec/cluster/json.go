package cluster

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/phase0"
)

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
	PublicKey         string   `json:"public_key"`
	ValidatorIndex    *string  `json:"validator_index"`
	FeeRecipient      string   `json:"fee_recipient"`
	WithdrawalAddress *string  `json:"withdrawal_address"`
	PublicShares      []string `json:"public_shares"`
}

func u64(v uint64) string { return strconv.FormatUint(v, 10) }

// MarshalJSON writes this spec's cluster.json form (SPEC.md section 11.2):
// two-space indented, one field per line, a final newline.
func (c *Definition) MarshalJSON() ([]byte, error) {
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
			Index: u64(op.Index), NodePublicKey: hex0x(op.NodePublicKey[:]), Address: op.address,
		})
	}
	for i, v := range c.Validators {
		if v == nil {
			return nil, fmt.Errorf("cluster definition: distributed validator %d missing", i)
		}
		vj := &validatorJSON{PublicKey: hex0x(v.PublicKey[:]), FeeRecipient: hex0x(v.FeeRecipient[:]), PublicShares: []string{}}
		if len(v.WithdrawalAddress) > 0 {
			s := hex0x(v.WithdrawalAddress[0][:])
			vj.WithdrawalAddress = &s
		}
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

// Parse reads this spec's cluster.json form (SPEC.md section 11.2)
// strictly (unknown fields, missing fields, numbers that are not decimal
// strings, hex of the wrong length are all errors, each naming the field)
// and validates the result.
func Parse(data []byte) (*Definition, error) {
	c, err := decodeJSON(data)
	if err != nil {
		return nil, fmt.Errorf("cluster definition: %w", err)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

func decodeJSON(data []byte) (*Definition, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var j clusterJSON
	if err := dec.Decode(&j); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON object")
	}
	c := &Definition{Name: []byte(j.Name)}
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
	c.Network = &Network{Name: []byte(j.Network.Name)}
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
		cf := &Fork{}
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
		op := &Operator{address: o.Address}
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
		cv := &Validator{}
		if err := parseHexInto(fmt.Sprintf("distributed_validators[%d].public_key", i), v.PublicKey, cv.PublicKey[:]); err != nil {
			return nil, err
		}
		if err := parseHexInto(fmt.Sprintf("distributed_validators[%d].fee_recipient", i), v.FeeRecipient, cv.FeeRecipient[:]); err != nil {
			return nil, err
		}
		if v.WithdrawalAddress != nil {
			var a bellatrix.ExecutionAddress
			if err := parseHexInto(fmt.Sprintf("distributed_validators[%d].withdrawal_address", i), *v.WithdrawalAddress, a[:]); err != nil {
				return nil, err
			}
			cv.WithdrawalAddress = []bellatrix.ExecutionAddress{a}
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
