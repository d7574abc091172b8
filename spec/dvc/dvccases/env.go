package dvccases

import (
	"crypto/sha256"
	"fmt"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// Env is what the scenarios' fixtures are built from: the keys and roots
// the vectors document (vectors/README.md, "Keys"), and hooks for the
// caller. vectorgen records every signature a fixture makes (its guard
// refuses to write one it did not see verified) and derives the cluster
// root from the cluster definition, which lives in impl/keys; the unit
// tests need neither.
type Env struct {
	// GenesisValidatorsRoot is the chain's.
	GenesisValidatorsRoot phase0.Root
	// ClusterRoot returns the cluster root of the instance IDs for the
	// keys of an n-node cluster; nil: a root derived from the label
	// "dvc/cluster/<n>" (the scenarios hold for any root).
	ClusterRoot func(keys *Keys, chain signing.Chain) phase0.Root
	// Witness, when set, is told every signature a fixture makes, after
	// the fixture verified it.
	Witness func(pk bls.PublicKey, msg []byte, sig bls.Signature)
	// SimulatedOutput, when set, is given every output of the other nodes
	// of a simulated cluster (the DV-level scenarios), whose signatures
	// reach the node under test.
	SimulatedOutput func(f *Fixture, node int, o dvc.Output)

	interops map[uint64]KeyPair
	clusters map[int]*Keys
	fixtures map[string]*dvf
}

// KeyPair is the interop key of a validator index.
type KeyPair struct {
	Index  uint64
	Secret bls.SecretKey
	Public bls.PublicKey
}

// Keys are the distributed validator of the scenarios: interop key
// Validator.Index split M-of-N with Seed (bls.Split).
type Keys struct {
	Validator KeyPair
	N, M      int
	Seed      string
	Shares    []bls.Share
	Public    []bls.PublicShare
}

// Validator is the registry index (and interop key) of the scenarios'
// distributed validator.
const Validator = dvcValidator

// ClusterSeed is the split seed of interop key v over n nodes
// (vectors/README.md, "Keys").
func ClusterSeed(v uint64, n int) string { return fmt.Sprintf("dvspec/vectors/cluster/%d/%d", v, n) }

func (e *Env) interop(i uint64) KeyPair {
	if k, ok := e.interops[i]; ok {
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
	k := KeyPair{Index: i, Secret: sk, Public: pk}
	if e.interops == nil {
		e.interops = map[uint64]KeyPair{}
	}
	e.interops[i] = k
	return k
}

// keys returns the scenarios' validator split over n nodes.
func (e *Env) keys(n int) *Keys {
	if c, ok := e.clusters[n]; ok {
		return c
	}
	seed := ClusterSeed(dvcValidator, n)
	m := spec.Threshold(n)
	k := e.interop(dvcValidator)
	shares, err := bls.Split(k.Secret, m, n, []byte(seed))
	if err != nil {
		panic(err)
	}
	c := &Keys{Validator: k, N: n, M: m, Seed: seed, Shares: shares}
	for _, s := range shares {
		p, err := s.PublicShare()
		if err != nil {
			panic(err)
		}
		c.Public = append(c.Public, p)
	}
	if e.clusters == nil {
		e.clusters = map[int]*Keys{}
	}
	e.clusters[n] = c
	return c
}

// verified checks that sig is pk's signature of msg (a fixture never
// makes an invalid one by accident) and tells the witness.
func (e *Env) verified(pk bls.PublicKey, msg []byte, sig bls.Signature) bls.Signature {
	if !bls.Verify(pk, msg, sig) {
		panic(fmt.Sprintf("dvccases: a fixture signature does not verify: pubkey %#x", pk[:8]))
	}
	if e.Witness != nil {
		e.Witness(pk, msg, sig)
	}
	return sig
}

func (f *dvf) sign(sk bls.SecretKey, msg []byte) bls.Signature {
	sig, err := bls.Sign(sk, msg)
	if err != nil {
		panic(err)
	}
	pk, err := sk.PublicKey()
	if err != nil {
		panic(err)
	}
	return f.env.verified(pk, msg, sig)
}

// Fixture is the fixture of the scenarios: validator 42 split n ways, a
// mainnet chain with every fork up to fork active from genesis, in the
// given architecture. Fixtures are cached per Env.
type Fixture = dvf

// NewFixture returns the fixture of (n, fork, mode).
func (e *Env) NewFixture(n int, fork eth2spec.DataVersion, mode dvc.Mode) *Fixture {
	key := fmt.Sprintf("%d/%s/%d", n, fork, mode)
	if f, ok := e.fixtures[key]; ok {
		return f
	}
	forks, err := signing.MainnetVersionsFromGenesis(fork)
	if err != nil {
		panic(err)
	}
	chain, err := signing.NewChain(forks, e.GenesisValidatorsRoot, spec.MainnetConfig())
	if err != nil {
		panic(err)
	}
	f := &dvf{N: n, M: spec.Threshold(n), Fork: fork, Chain: chain, Preset: spec.MainnetConfig(), Keys: e.keys(n), Mode: mode, env: e}
	if e.ClusterRoot != nil {
		f.ClusterRoot = e.ClusterRoot(f.Keys, chain)
	} else {
		f.ClusterRoot = deriveRoot(fmt.Sprintf("dvc/cluster/%d", n))
	}
	if e.fixtures == nil {
		e.fixtures = map[string]*dvf{}
	}
	e.fixtures[key] = f
	return f
}

// The documented pseudo-random values of the vectors: sha256 of
// "dvspec/vectors/" + a label written in the code.
func derive(label string) [32]byte { return sha256.Sum256([]byte("dvspec/vectors/" + label)) }

func deriveRoot(label string) phase0.Root { return phase0.Root(derive(label)) }

func address(label string) bellatrix.ExecutionAddress {
	var a bellatrix.ExecutionAddress
	d := derive(label)
	copy(a[:], d[:])
	return a
}

func bytesOf(label string, n int) []byte {
	out := make([]byte, 0, n)
	for i := 0; len(out) < n; i++ {
		d := derive(fmt.Sprintf("%s/%d", label, i))
		out = append(out, d[:]...)
	}
	return out[:n]
}

// infinitySignature is the point at infinity (an empty aggregate).
var infinitySignature = bls.Signature{0xc0}

func mustIn(in signing.SigningInput, err error) signing.SigningInput {
	if err != nil {
		panic(err)
	}
	return in
}

func forkAt(c signing.Chain, slot phase0.Slot) eth2spec.DataVersion {
	f, err := c.ForkAtSlot(slot)
	if err != nil {
		panic(err)
	}
	return f.Name
}

// InvalidValue is a value a scenario makes invalid on purpose, and why.
type InvalidValue struct {
	Value []byte
	Why   string
}
