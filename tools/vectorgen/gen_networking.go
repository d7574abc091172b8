package main

import (
	"errors"
	"fmt"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"
	"gopkg.in/yaml.v3"

	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/networking/netcases"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spectests"
)

func init() {
	register(generator{
		Runner:   "networking",
		Summary:  "threshold combination of share messages (attestation, RANDAO, block, sync committee message; networking.py construct_signed_*): share sets to the combined message, or the named failure",
		Generate: genNetworking,
	})
}

// netEnv is what the networking cases are built from: the documented
// clusters, chains and beacon objects, signed through the guard.
func netEnv() netcases.Env {
	return netcases.Env{
		Keys: func(v uint64, n int) *netcases.Keys {
			c := newCluster(v, n)
			return &netcases.Keys{ValidatorIndex: c.Validator.Index, ValidatorPublic: c.Validator.Public, N: c.N, M: c.M, Shares: c.Shares, Public: c.Public}
		},
		Chain:           func(fork eth2spec.DataVersion) signing.Chain { return fromGenesisChain("mainnet", fork) },
		AttestationData: attestationData,
		Block:           buildBlock,
		Root:            deriveRoot,
		Sign:            sign,
	}
}

func genNetworking(w *Writer) {
	cases, err := netcases.Cases(netEnv())
	if err != nil {
		panic(err)
	}
	for _, x := range cases {
		w.addNetworking(x)
	}
}

func (w *Writer) addNetworking(x netcases.Case) {
	nc := x.Cluster
	cl := newCluster(nc.Keys.ValidatorIndex, nc.Keys.N)
	pub := x.Public()
	c := &Case{Preset: "mainnet", Fork: nc.Fork.String(), Runner: "networking", Handler: x.Kind.String(), Suite: x.Suite, Name: x.Name}
	keys := cl.keysNode()
	if x.PublicKeys != nil {
		keys = mapNode("signing_cluster", cl.keysNode(), "public_shares_cluster", newCluster(pub.ValidatorIndex, pub.N).keysNode())
	}
	var invalid []InvalidValue
	for _, v := range x.Invalid {
		invalid = append(invalid, InvalidValue{Value: Hex(v.Value), Why: v.Why})
	}
	c.Meta = Meta{
		Description: fmt.Sprintf("%s of validator %d (%d-of-%d) at slot %d on a mainnet chain with %s from genesis. %s",
			x.Kind, nc.Keys.ValidatorIndex, nc.Keys.M, nc.Keys.N, nc.Slot, nc.Fork, x.Desc),
		Proves:              x.Proves,
		References:          []string{"SPEC.md section 7, amendment A4 (verify every share, combine the M with the smallest indices, verify the result)", "SPEC.md section 7.5 (share messages)", "networking.py construct_signed_* (HEAD, c00dc1e)", "spec/bls.RecoverSignature (SPEC.md section 5)"},
		Keys:                keys,
		DeliberatelyInvalid: invalid,
	}
	c.YAML("chain", chainNode(nc.Chain))
	pubs := make([]*yaml.Node, 0, len(pub.Public))
	var req spectests.CombineRequest
	req.Chain = vectorChain(nc.Chain)
	req.Preset = "mainnet"
	req.ValidatorPublicKey = nc.Keys.ValidatorPublic
	req.Threshold = nc.Keys.M
	req.Kind = x.Kind.String()
	for _, p := range pub.Public {
		pubs = append(pubs, mapNode("index", p.Index, "public_key", Hex(p.PublicKey[:])))
		req.PublicShares = append(req.PublicShares, spectests.PublicShare{Index: p.Index, PublicKey: p.PublicKey})
	}
	shares := make([]*yaml.Node, 0, len(x.Shares))
	for _, s := range x.Shares {
		enc, err := s.MarshalSSZ()
		if err != nil {
			panic(err)
		}
		req.Shares = append(req.Shares, enc)
		shares = append(shares, mapNode("share", containerNode(s), "share_ssz", Hex(enc)))
	}
	c.YAML("inputs", mapNode("kind", x.Kind.String(), "validator_public_key", Hex(nc.Keys.ValidatorPublic[:]), "threshold", nc.Keys.M,
		"public_shares", seqNode(pubs...), "shares", seqNode(shares...)))
	res, err := spectests.GoSpec{}.CombineShares(req)
	if x.Err != nil {
		if !errors.Is(err, x.Err) {
			panic(fmt.Sprintf("%s: the spec gives %v, the case's author states %v", c.Path(), err, x.Err))
		}
		out := mapNode()
		errorFields("networking", out, err)
		c.YAML("output", out)
	} else {
		if err != nil {
			panic(fmt.Sprintf("%s: %v", c.Path(), err))
		}
		c.YAML("output", mapNode("combined_type", res.Type, "combined", combinedNode(nc, x.Shares[0], res), "combined_ssz", Hex(res.Combined)))
	}
	w.Add(c)
}

// vectorChain is chain.yaml as the harness reads it.
func vectorChain(c signing.Chain) spectests.Chain {
	out := spectests.Chain{GenesisValidatorsRoot: c.GenesisValidatorsRoot, SlotsPerEpoch: c.SlotsPerEpoch}
	for _, f := range c.Forks.Forks() {
		out.Forks = append(out.Forks, spectests.Fork{Name: f.Name.String(), Version: f.Version, Epoch: uint64(f.Epoch)})
	}
	return out
}

// combinedNode renders a combined message and checks its signature under
// the validator key.
func combinedNode(nc *netcases.Cluster, first networking.Message, res spectests.CombineResult) *yaml.Node {
	v := networking.Verifier{Chain: nc.Chain}
	in, err := v.SigningInput(first)
	if err != nil {
		panic(err)
	}
	pk := nc.Keys.ValidatorPublic
	switch res.Type {
	case "Attestation":
		a := new(phase0.Attestation)
		if err := a.UnmarshalSSZ(res.Combined); err != nil {
			panic(err)
		}
		verified(pk, in.SigningRoot[:], a.Signature)
		return jsonNode(a)
	case "SingleAttestation":
		a := new(electra.SingleAttestation)
		if err := a.UnmarshalSSZ(res.Combined); err != nil {
			panic(err)
		}
		verified(pk, in.SigningRoot[:], a.Signature)
		return jsonNode(a)
	case "BLSSignature":
		verified(pk, in.SigningRoot[:], phase0.BLSSignature(res.Combined))
		return hexNode(res.Combined)
	case "SignedVersionedBlock":
		b := new(networking.SignedVersionedBlock)
		if err := b.UnmarshalSSZ(res.Combined); err != nil {
			panic(err)
		}
		verified(pk, in.SigningRoot[:], b.Signature)
		return containerNode(b)
	case "SyncCommitteeMessage":
		m := new(altair.SyncCommitteeMessage)
		if err := m.UnmarshalSSZ(res.Combined); err != nil {
			panic(err)
		}
		verified(pk, in.SigningRoot[:], m.Signature)
		return jsonNode(m)
	}
	panic("unknown combined type " + res.Type)
}
