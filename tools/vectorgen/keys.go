package main

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"
	"gopkg.in/yaml.v3"

	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// Keys (vectors/README.md, "Keys"). Every key in the vectors is either
//   - the interop key of a validator index i (bls.InteropSecretKey):
//     SK = int.from_bytes(sha256(i as 32-byte little endian), "little") mod r;
//     the validator with beacon index i signs with interop key i; or
//   - a share of such a key: bls.Split(interop key v, M, N, seed) with the
//     seed written in the case (meta.yaml keys, or the input itself).
// Every other 32-byte value (roots, hashes, addresses) is derive(label):
// sha256 of a label written in the code, so nothing depends on randomness.

type keyPair struct {
	Index  uint64
	Secret bls.SecretKey
	Public bls.PublicKey
}

var interopCache = map[uint64]keyPair{}

func (k keyPair) pub() Hex { return Hex(k.Public[:]) }

func interop(i uint64) keyPair {
	if k, ok := interopCache[i]; ok {
		return k
	}
	sk, err := bls.InteropSecretKey(i)
	if err != nil {
		panic(err)
	}
	pk, err := sk.PublicKey()
	if err != nil {
		panic(err)
	}
	k := keyPair{Index: i, Secret: sk, Public: pk}
	interopCache[i] = k
	return k
}

// signerKeys documents a signer in meta.yaml.
func interopKeysNode(indices ...uint64) *yaml.Node {
	items := make([]*yaml.Node, 0, len(indices))
	for _, i := range indices {
		items = append(items, mapNode("interop_index", i, "public_key", interop(i).pub()))
	}
	return mapNode("derivation", "interop: SK = int.from_bytes(sha256(i.to_bytes(32, 'little')), 'little') mod r", "validators", seqNode(items...))
}

// cluster is a distributed validator used by the vectors: interop key v
// split M-of-N with a documented seed.
type cluster struct {
	Validator keyPair
	N, M      int
	Seed      string
	Shares    []bls.Share
	Public    []bls.PublicShare
}

func clusterSeed(v uint64, n int) string { return fmt.Sprintf("dvspec/vectors/cluster/%d/%d", v, n) }

var clusterCache = map[string]*cluster{}

func newCluster(v uint64, n int) *cluster {
	seed := clusterSeed(v, n)
	if c, ok := clusterCache[seed]; ok {
		return c
	}
	m := spec.Threshold(n)
	k := interop(v)
	shares, err := bls.Split(k.Secret, m, n, []byte(seed))
	if err != nil {
		panic(err)
	}
	c := &cluster{Validator: k, N: n, M: m, Seed: seed, Shares: shares}
	for _, s := range shares {
		p, err := s.PublicShare()
		if err != nil {
			panic(err)
		}
		c.Public = append(c.Public, p)
	}
	clusterCache[seed] = c
	return c
}

func (c *cluster) keysNode() *yaml.Node {
	shares := make([]*yaml.Node, 0, len(c.Public))
	for _, p := range c.Public {
		shares = append(shares, mapNode("index", p.Index, "public_key", Hex(p.PublicKey[:])))
	}
	return mapNode(
		"validator", mapNode("interop_index", c.Validator.Index, "public_key", Hex(c.Validator.Public[:])),
		"threshold", c.M, "n", c.N,
		"split_seed", c.Seed,
		"derivation", "shares = spec/bls.Split(interop secret key, threshold, n, split_seed as UTF-8 bytes) (SPEC.md section 5)",
		"shares", seqNode(shares...),
	)
}

// derive returns sha256("dvspec/vectors/" + label): a documented
// pseudo-random 32-byte value.
func derive(label string) [32]byte { return sha256.Sum256([]byte("dvspec/vectors/" + label)) }

func deriveRoot(label string) phase0.Root { return phase0.Root(derive(label)) }

// deriveUint returns a documented pseudo-random number below max.
func deriveUint(label string, max uint64) uint64 {
	d := derive(label)
	return binary.LittleEndian.Uint64(d[:8]) % max
}

// forkNames are the consensus-spec-tests fork directory names.
var forkNames = []eth2spec.DataVersion{
	eth2spec.DataVersionPhase0, eth2spec.DataVersionAltair, eth2spec.DataVersionBellatrix,
	eth2spec.DataVersionCapella, eth2spec.DataVersionDeneb, eth2spec.DataVersionElectra,
	eth2spec.DataVersionFulu,
}

// mainnetGenesisValidatorsRoot is the mainnet genesis validators root.
var mainnetGenesisValidatorsRoot = phase0.Root{
	0x4b, 0x36, 0x3d, 0xb9, 0x4e, 0x28, 0x61, 0x20, 0xd7, 0x6e, 0xb9, 0x05, 0x34, 0x0f, 0xdd, 0x4e,
	0x54, 0xbf, 0xe9, 0xf0, 0x6b, 0xf3, 0x3f, 0xf6, 0xcf, 0x5a, 0xd2, 0x7f, 0x51, 0x1b, 0xfe, 0x95,
}

// testGenesisValidatorsRoot is the genesis validators root of the test
// chains (every fork from genesis): derive("genesis_validators_root").
var testGenesisValidatorsRoot = deriveRoot("genesis_validators_root")

// mainnetChain is mainnet: its fork schedule and genesis validators root.
func mainnetChain() signing.Chain {
	return mustChain(signing.MainnetForkSchedule(), mainnetGenesisValidatorsRoot, spec.MainnetConfig())
}

func mustChain(forks signing.ForkSchedule, gvr phase0.Root, cc spec.ChainConfig) signing.Chain {
	c, err := signing.NewChain(forks, gvr, cc)
	if err != nil {
		panic(err)
	}
	return c
}

// fromGenesisChain is a test chain of the preset on which every fork up to
// fork is active from genesis (mainnet or minimal fork versions).
func fromGenesisChain(preset string, fork eth2spec.DataVersion) signing.Chain {
	var (
		s   signing.ForkSchedule
		err error
	)
	switch preset {
	case "mainnet":
		s, err = signing.MainnetVersionsFromGenesis(fork)
	case "minimal":
		s, err = signing.MinimalForkSchedule(fork)
	default:
		panic(preset)
	}
	if err != nil {
		panic(err)
	}
	cc, err := spec.BuiltinConfig(preset)
	if err != nil {
		panic(err)
	}
	return mustChain(s, testGenesisValidatorsRoot, cc)
}

// minimalStaircaseChain is the minimal-preset chain whose forks activate
// one epoch after another: altair at epoch 1, bellatrix at 2, ... fulu at
// 6. With 8 slots per epoch every fork boundary lies within 56 slots, which
// exercises the epoch arithmetic of the minimal preset.
func minimalStaircaseChain() signing.Chain {
	forks := make([]signing.Fork, 0, len(forkNames))
	for i, f := range forkNames {
		forks = append(forks, signing.Fork{Name: f, Version: phase0.Version{byte(i), 0, 0, 1}, Epoch: phase0.Epoch(i)})
	}
	s, err := signing.NewForkSchedule(forks...)
	if err != nil {
		panic(err)
	}
	return mustChain(s, testGenesisValidatorsRoot, spec.MinimalConfig())
}

// chainNode is chain.yaml.
func chainNode(c signing.Chain) *yaml.Node {
	forks := make([]*yaml.Node, 0, 7)
	for _, f := range c.Forks.Forks() {
		forks = append(forks, mapNode("fork", f.Name.String(), "version", Hex(f.Version[:]), "epoch", uint64(f.Epoch)))
	}
	return mapNode(
		"genesis_validators_root", Hex(c.GenesisValidatorsRoot[:]),
		"slots_per_epoch", c.SlotsPerEpoch,
		"fork_schedule", seqNode(forks...),
	)
}

func forkAt(c signing.Chain, slot phase0.Slot) eth2spec.DataVersion {
	f, err := c.ForkAtSlot(slot)
	if err != nil {
		panic(err)
	}
	return f.Name
}

func forkStart(c signing.Chain, name eth2spec.DataVersion) phase0.Epoch {
	f, err := c.Forks.ByName(name)
	if err != nil {
		panic(err)
	}
	return f.Epoch
}
