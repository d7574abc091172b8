package main

import (
	"errors"
	"fmt"

	bitfield "github.com/OffchainLabs/go-bitfield"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"
	"gopkg.in/yaml.v3"

	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/dvc"
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

// netCluster is a distributed validator whose shares sign the messages of
// a networking case, on the chain of a fork.
type netCluster struct {
	cl    *cluster
	chain signing.Chain
	fork  eth2spec.DataVersion
	slot  phase0.Slot
	label string
}

// netSlot is the slot of every networking message (epoch 385).
const netSlot = phase0.Slot(12345)

func newNetCluster(v uint64, n int, fork eth2spec.DataVersion) *netCluster {
	return &netCluster{cl: newCluster(v, n), chain: fromGenesisChain("mainnet", fork), fork: fork, slot: netSlot,
		label: fmt.Sprintf("networking/%d/%d/%s", v, n, fork)}
}

func (nc *netCluster) share(i int) bls.Share { return nc.cl.Shares[i-1] }

// attDuty is the validator's attester duty of the messages: committee 5
// of 16 members, the validator at position 9.
func (nc *netCluster) attDuty() *spec.AttestationDuty {
	return &spec.AttestationDuty{Pubkey: nc.cl.Validator.Public, ValidatorIndex: phase0.ValidatorIndex(nc.cl.Validator.Index),
		CommitteeIndex: 5, CommitteeLength: 16, CommitteesAtSlot: 8, ValidatorCommitteeIndex: 9, Slot: nc.slot}
}

func (nc *netCluster) attData(tag string) *phase0.AttestationData {
	index := phase0.CommitteeIndex(5)
	if nc.fork >= eth2spec.DataVersionElectra {
		index = 0
	}
	return attestationData(nc.chain, nc.slot, index, nc.label+"/"+tag)
}

func mustIn(in signing.SigningInput, err error) signing.SigningInput {
	if err != nil {
		panic(err)
	}
	return in
}

func (nc *netCluster) attShare(i int, data *phase0.AttestationData) *networking.AttestationShare {
	bits, err := dvc.AggregationBits(nc.attDuty())
	if err != nil {
		panic(err)
	}
	in := mustIn(nc.chain.AttestationData(data))
	return &networking.AttestationShare{Data: data, AggregationBits: bits, CommitteeIndex: 5, ValidatorIndex: phase0.ValidatorIndex(nc.cl.Validator.Index),
		Signature: sign(nc.share(i).SecretKey, in.SigningRoot[:]), ShareIndex: uint64(i)}
}

func (nc *netCluster) randaoShare(i int, slot phase0.Slot) *networking.RandaoShare {
	in := mustIn(nc.chain.RandaoReveal(phase0.Epoch(uint64(slot) / nc.chain.SlotsPerEpoch)))
	return &networking.RandaoShare{Slot: slot, ValidatorIndex: phase0.ValidatorIndex(nc.cl.Validator.Index),
		Signature: sign(nc.share(i).SecretKey, in.SigningRoot[:]), ShareIndex: uint64(i)}
}

func (nc *netCluster) block(tag string) *eth2spec.VersionedBeaconBlock {
	return buildBlock(nc.chain, nc.fork, nc.slot, nc.cl.Validator.Index, nc.label+"/block/"+tag)
}

func (nc *netCluster) blockShare(i int, b *eth2spec.VersionedBeaconBlock) *networking.BlockShare {
	vb, err := networking.NewVersionedBlock(nc.chain, b)
	if err != nil {
		panic(err)
	}
	in := mustIn(nc.chain.BeaconBlock(b))
	return &networking.BlockShare{Block: vb, Signature: sign(nc.share(i).SecretKey, in.SigningRoot[:]), ShareIndex: uint64(i)}
}

func (nc *netCluster) syncShare(i int, tag string) *networking.SyncCommitteeMessageShare {
	root := deriveRoot(nc.label + "/head/" + tag)
	in := mustIn(nc.chain.SyncCommitteeMessage(nc.slot, root))
	return &networking.SyncCommitteeMessageShare{Slot: nc.slot, BeaconBlockRoot: root, ValidatorIndex: phase0.ValidatorIndex(nc.cl.Validator.Index),
		Signature: sign(nc.share(i).SecretKey, in.SigningRoot[:]), ShareIndex: uint64(i)}
}

// netCase is one networking case: the shares, the cluster whose public
// shares verify them, and what the case's author states (wantErr, or nil
// for a combination).
type netCase struct {
	suite, name, desc, proves string
	nc                        *netCluster
	kind                      networking.MessageKind
	shares                    []networking.Message
	pubCluster                *cluster // public shares given to the combiner (default nc.cl)
	wantErr                   error
	invalid                   []InvalidValue
}

func (w *Writer) addNetworking(x netCase) {
	pub := x.pubCluster
	if pub == nil {
		pub = x.nc.cl
	}
	c := &Case{Preset: "mainnet", Fork: x.nc.fork.String(), Runner: "networking", Handler: x.kind.String(), Suite: x.suite, Name: x.name}
	keys := x.nc.cl.keysNode()
	if x.pubCluster != nil {
		keys = mapNode("signing_cluster", x.nc.cl.keysNode(), "public_shares_cluster", x.pubCluster.keysNode())
	}
	c.Meta = Meta{
		Description: fmt.Sprintf("%s of validator %d (%d-of-%d) at slot %d on a mainnet chain with %s from genesis. %s",
			x.kind, x.nc.cl.Validator.Index, x.nc.cl.M, x.nc.cl.N, x.nc.slot, x.nc.fork, x.desc),
		Proves:              x.proves,
		References:          []string{"SPEC.md section 7, amendment A4 (verify every share, combine the M with the smallest indices, verify the result)", "SPEC.md section 7.5 (share messages)", "networking.py construct_signed_* (HEAD, c00dc1e)", "spec/bls.RecoverSignature (SPEC.md section 5)"},
		Keys:                keys,
		DeliberatelyInvalid: x.invalid,
	}
	c.YAML("chain", chainNode(x.nc.chain))
	pubs := make([]*yaml.Node, 0, len(pub.Public))
	var req spectests.CombineRequest
	req.Chain = vectorChain(x.nc.chain)
	req.Preset = "mainnet"
	req.ValidatorPublicKey = x.nc.cl.Validator.Public
	req.Threshold = x.nc.cl.M
	req.Kind = x.kind.String()
	for _, p := range pub.Public {
		pubs = append(pubs, mapNode("index", p.Index, "public_key", Hex(p.PublicKey[:])))
		req.PublicShares = append(req.PublicShares, spectests.PublicShare{Index: p.Index, PublicKey: p.PublicKey})
	}
	shares := make([]*yaml.Node, 0, len(x.shares))
	for _, s := range x.shares {
		enc, err := s.MarshalSSZ()
		if err != nil {
			panic(err)
		}
		req.Shares = append(req.Shares, enc)
		shares = append(shares, mapNode("share", containerNode(s), "share_ssz", Hex(enc)))
	}
	c.YAML("inputs", mapNode("kind", x.kind.String(), "validator_public_key", Hex(x.nc.cl.Validator.Public[:]), "threshold", x.nc.cl.M,
		"public_shares", seqNode(pubs...), "shares", seqNode(shares...)))
	res, err := spectests.GoSpec{}.CombineShares(req)
	if x.wantErr != nil {
		if !errors.Is(err, x.wantErr) {
			panic(fmt.Sprintf("%s: the spec gives %v, the case's author states %v", c.Path(), err, x.wantErr))
		}
		out := mapNode()
		errorFields("networking", out, err)
		c.YAML("output", out)
	} else {
		if err != nil {
			panic(fmt.Sprintf("%s: %v", c.Path(), err))
		}
		c.YAML("output", mapNode("combined_type", res.Type, "combined", combinedNode(x.nc, x.shares[0], res), "combined_ssz", Hex(res.Combined)))
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
func combinedNode(nc *netCluster, first networking.Message, res spectests.CombineResult) *yaml.Node {
	v := networking.Verifier{Chain: nc.chain}
	in, err := v.SigningInput(first)
	if err != nil {
		panic(err)
	}
	pk := nc.cl.Validator.Public
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

// netMessages builds the shares of one kind: msg(i, tag) is node i's share
// of the message tagged tag.
type netMessages struct {
	kind networking.MessageKind
	msg  func(i int, tag string) networking.Message
}

func kindsFor(nc *netCluster) []netMessages {
	out := []netMessages{
		{networking.KindAttestationShare, func(i int, tag string) networking.Message { return nc.attShare(i, nc.attData(tag)) }},
		{networking.KindRandaoShare, func(i int, tag string) networking.Message {
			slot := nc.slot
			if tag != "a" {
				slot += phase0.Slot(nc.chain.SlotsPerEpoch) // another epoch: another message
			}
			return nc.randaoShare(i, slot)
		}},
		{networking.KindBlockShare, func(i int, tag string) networking.Message { return nc.blockShare(i, nc.block(tag)) }},
	}
	if nc.fork >= eth2spec.DataVersionAltair {
		out = append(out, netMessages{networking.KindSyncCommitteeMessageShare, func(i int, tag string) networking.Message { return nc.syncShare(i, tag) }})
	}
	out = append(out, netMessages{networking.KindAggregationShare, func(i int, tag string) networking.Message {
		slot := nc.slot
		if tag != "a" {
			slot++ // another slot: another selection proof
		}
		return nc.selectionShare(i, slot)
	}})
	return out
}

// selectionShare is node i's share of the validator's slot selection proof
// (an aggregation share of type selection_proof, SPEC.md section 12).
func (nc *netCluster) selectionShare(i int, slot phase0.Slot) *networking.AggregationShare {
	in := mustIn(nc.chain.AggregationSlot(slot))
	return &networking.AggregationShare{Type: uint64(networking.ShareSelectionProof), Slot: slot, ValidatorIndex: phase0.ValidatorIndex(nc.cl.Validator.Index),
		SigningRoot: in.SigningRoot, Signature: sign(nc.share(i).SecretKey, in.SigningRoot[:]), ShareIndex: uint64(i)}
}

func genNetworking(w *Writer) {
	for _, fork := range forkNames {
		nc := newNetCluster(42, 4, fork)
		full := fork == eth2spec.DataVersionDeneb || fork == eth2spec.DataVersionElectra
		for _, k := range kindsFor(nc) {
			if !full && k.kind != networking.KindBlockShare && fork != eth2spec.DataVersionPhase0 && fork != eth2spec.DataVersionFulu && !(fork == eth2spec.DataVersionAltair && k.kind == networking.KindSyncCommitteeMessageShare) {
				continue
			}
			genNetworkingKind(w, nc, k, full)
		}
	}
	// Other cluster sizes.
	for _, n := range []int{1, 7} {
		nc := newNetCluster(43, n, eth2spec.DataVersionElectra)
		for _, k := range kindsFor(nc) {
			m := nc.cl.M
			var shares []networking.Message
			for i := n; i >= 1; i-- {
				shares = append(shares, k.msg(i, "a"))
			}
			w.addNetworking(netCase{suite: "valid", name: fmt.Sprintf("n%d_all_shares", n), nc: nc, kind: k.kind, shares: shares,
				desc:   fmt.Sprintf("All %d shares, in descending share index order.", n),
				proves: fmt.Sprintf("with N = %d the implementation combines the %d shares with the smallest indices, whatever their order, into the validator's signature", n, m)})
		}
	}
}

func genNetworkingKind(w *Writer, nc *netCluster, k netMessages, full bool) {
	m := nc.cl.M
	sh := func(idx ...int) []networking.Message {
		out := make([]networking.Message, len(idx))
		for j, i := range idx {
			out[j] = k.msg(i, "a")
		}
		return out
	}
	w.addNetworking(netCase{suite: "valid", name: "threshold_shares", nc: nc, kind: k.kind, shares: sh(1, 2, 3),
		desc:   "The shares of nodes 1, 2 and 3: exactly the threshold.",
		proves: "the implementation verifies each share and recombines them (Lagrange interpolation at 0) into the validator's signature, which verifies under the validator key"})
	if !full {
		return
	}
	w.addNetworking(netCase{suite: "valid", name: "all_shares_unordered", nc: nc, kind: k.kind, shares: sh(4, 2, 3, 1),
		desc:   "All four shares, in the order 4, 2, 3, 1.",
		proves: "the implementation verifies all shares and combines the threshold shares with the smallest indices (1, 2, 3); the result is the validator's signature"})
	w.addNetworking(netCase{suite: "valid", name: "other_subset", nc: nc, kind: k.kind, shares: sh(2, 3, 4),
		desc:   "The shares of nodes 2, 3 and 4.",
		proves: "any threshold subset recombines to the same validator signature"})
	w.addNetworking(netCase{suite: "invalid", name: "below_threshold", nc: nc, kind: k.kind, shares: sh(1, 2), wantErr: networking.ErrBelowThreshold,
		desc: fmt.Sprintf("Two shares; the threshold is %d.", m), proves: "the implementation refuses to combine fewer than M shares (below_threshold)"})
	w.addNetworking(netCase{suite: "invalid", name: "no_shares", nc: nc, kind: k.kind, shares: nil, wantErr: networking.ErrBelowThreshold,
		desc: "No share at all.", proves: "an empty share set is below the threshold (below_threshold)"})
	mixed := append(sh(1, 2), k.msg(3, "b"))
	w.addNetworking(netCase{suite: "invalid", name: "mixed_data", nc: nc, kind: k.kind, shares: mixed, wantErr: networking.ErrMixedData,
		desc:   "The shares of nodes 1 and 2 of one message and node 3's share of another message (another message root).",
		proves: "the implementation combines only shares of the same message: equal message roots, the share's root with signature and share_index zeroed (mixed_data)"})
	// Node 3's signature of another message on a share of this one.
	forged := k.msg(3, "a")
	setSignature(forged, k.msg(3, "b").PartialSignature())
	w.addNetworking(netCase{suite: "invalid", name: "invalid_share", nc: nc, kind: k.kind, shares: append(sh(1, 2), forged), wantErr: networking.ErrInvalidShare,
		desc:   "Node 3's share carries node 3's signature of another message.",
		proves: "the implementation verifies every share under its signer's public share before combining (invalid_share)"})
	impostor := k.msg(2, "a")
	setShareIndex(impostor, 3)
	w.addNetworking(netCase{suite: "invalid", name: "impostor_share", nc: nc, kind: k.kind, shares: append(sh(1, 2), impostor), wantErr: networking.ErrInvalidShare,
		desc:   "Node 2's share resent with share index 3: the signature is node 2's.",
		proves: "a share must verify under the public share of the index it claims (invalid_share)"})
	garbage := k.msg(3, "a")
	notAPoint := phase0.BLSSignature{0x8f}
	for i := 1; i < 96; i++ {
		notAPoint[i] = 0x11
	}
	setSignature(garbage, notAPoint)
	w.addNetworking(netCase{suite: "invalid", name: "signature_not_a_point", nc: nc, kind: k.kind, shares: append(sh(1, 2), garbage), wantErr: networking.ErrInvalidShare,
		desc:    "Node 3's share carries 96 bytes that are not a G2 point.",
		proves:  "a share whose signature does not decode is an invalid share, not a crash (invalid_share)",
		invalid: []InvalidValue{{Value: Hex(notAPoint[:]), Why: "not a point of G2 (a compressed encoding whose x coordinate is not on the curve)"}}})
	w.addNetworking(netCase{suite: "invalid", name: "duplicate_signer", nc: nc, kind: k.kind, shares: sh(1, 2, 2), wantErr: networking.ErrDuplicateSigner,
		desc: "Node 2's share twice, with node 1's.", proves: "two shares of one signer are refused, not counted twice towards the threshold (duplicate_signer)"})
	unknown := k.msg(3, "a")
	setShareIndex(unknown, 9)
	w.addNetworking(netCase{suite: "invalid", name: "unknown_signer", nc: nc, kind: k.kind, shares: append(sh(1, 2), unknown), wantErr: networking.ErrUnknownSigner,
		desc: "Node 3's share with share index 9; the cluster has indices 1..4.", proves: "a share index that is not the cluster's is refused (unknown_signer)"})
	zero := k.msg(3, "a")
	setShareIndex(zero, 0)
	w.addNetworking(netCase{suite: "invalid", name: "share_index_zero", nc: nc, kind: k.kind, shares: append(sh(1, 2), zero), wantErr: networking.ErrUnknownSigner,
		desc: "Node 3's share with share index 0 (the index of the secret itself).", proves: "share index 0 is never a signer (unknown_signer)"})
	// Shares of another validator's sharing whose public shares are given:
	// each share verifies, the combination is the other validator's
	// signature.
	other := &netCluster{cl: newCluster(44, 4), chain: nc.chain, fork: nc.fork, slot: nc.slot, label: nc.label}
	var otherShares []networking.Message
	for _, i := range []int{1, 2, 3} {
		ks := kindsFor(other)
		s := ks[kindIndex(ks, k.kind)].msg(i, "a")
		setValidatorIndex(s, nc.cl.Validator.Index)
		otherShares = append(otherShares, resignAs(other, s, i))
	}
	w.addNetworking(netCase{suite: "invalid", name: "invalid_combination", nc: nc, kind: k.kind, shares: otherShares, pubCluster: other.cl, wantErr: networking.ErrInvalidCombination,
		desc:   "The combiner is given the public shares of validator 44's sharing (split 3-of-4) and validator 42's public key; the shares are signed by validator 44's key shares, so each verifies under its public share.",
		proves: "the implementation verifies the combined signature under the validator key and refuses a combination that does not verify (invalid_combination)"})
	if forge, field := forgeUnsigned(nc, k.kind); forge != nil {
		var forgedAll []networking.Message
		for i := 1; i <= m; i++ {
			forgedAll = append(forgedAll, forge(k.msg(i, "a")))
		}
		w.addNetworking(netCase{suite: "valid", name: "forged_unsigned_field_copies_combine", nc: nc, kind: k.kind, shares: forgedAll,
			desc:   fmt.Sprintf("Copies of the shares of nodes 1, 2 and 3 in which a relay altered %s, which the signature does not cover.", field),
			proves: "the signature of a share does not cover " + field + ": each altered copy verifies under its signer's public share and the copies combine into a signature that verifies under the validator key, so neither a share's verification nor the combination can tell a forged copy from the genuine share, and a receiver must not let the first copy it sees stand for the signer (SPEC.md section 7.7, amendment A22; issue 12)"})
		w.addNetworking(netCase{suite: "invalid", name: "forged_unsigned_field_copy_with_genuine", nc: nc, kind: k.kind, shares: append(sh(1, 2), forge(k.msg(3, "a"))), wantErr: networking.ErrMixedData,
			desc:   fmt.Sprintf("The genuine shares of nodes 1 and 2 and a copy of node 3's share in which a relay altered %s.", field),
			proves: "a copy with an altered unsigned field is another message (another message root): it is never combined with the genuine shares (mixed_data; SPEC.md section 7.7, amendment A22)"})
	}
	switch k.kind {
	case networking.KindAttestationShare:
		two := nc.attShare(3, nc.attData("a"))
		bits := bitfield.NewBitlist(16)
		bits.SetBitAt(9, true)
		bits.SetBitAt(10, true)
		two.AggregationBits = bits
		w.addNetworking(netCase{suite: "invalid", name: "two_aggregation_bits", nc: nc, kind: k.kind, shares: append(sh(1, 2), two), wantErr: networking.ErrMixedData,
			desc:   "Node 3's share has aggregation bits 9 and 10 set: its message root differs from the others'.",
			proves: "aggregation bits are part of the message: a share with other bits is another message (mixed_data)"})
		all := []networking.Message{}
		for i := 1; i <= 3; i++ {
			s := nc.attShare(i, nc.attData("a"))
			s.AggregationBits = bits
			all = append(all, s)
		}
		w.addNetworking(netCase{suite: "invalid", name: "aggregation_bits_not_one_bit", nc: nc, kind: k.kind, shares: all, wantErr: networking.ErrMalformedShare,
			desc:   "Three shares of one message whose aggregation bits have two bits set.",
			proves: "an attestation share must have exactly one aggregation bit set (malformed_share)"})
	case networking.KindBlockShare:
		var cut []networking.Message
		for i := 1; i <= 3; i++ {
			s := nc.blockShare(i, nc.block("a"))
			s.Block.Block = s.Block.Block[:len(s.Block.Block)-1]
			cut = append(cut, s)
		}
		w.addNetworking(netCase{suite: "invalid", name: "truncated_block", nc: nc, kind: k.kind, shares: cut, wantErr: networking.ErrMalformedShare,
			desc:   "Three shares of a block whose SSZ encoding lost its last byte.",
			proves: "the block of a block share must decode as its fork's BeaconBlock (malformed_share)"})
	}
}

// forgeUnsigned returns how a relay alters a share of kind without
// invalidating its signature (amendment A22), and what it alters; nil for
// kinds whose signature covers every field.
func forgeUnsigned(nc *netCluster, k networking.MessageKind) (func(networking.Message) networking.Message, string) {
	switch k {
	case networking.KindAttestationShare:
		if nc.fork >= eth2spec.DataVersionElectra {
			return func(m networking.Message) networking.Message {
				c := *m.(*networking.AttestationShare)
				c.CommitteeIndex = 6
				return &c
			}, "the committee index (5 becomes 6; from Electra data.index is 0)"
		}
		return func(m networking.Message) networking.Message {
			c := *m.(*networking.AttestationShare)
			bits := bitfield.NewBitlist(16)
			bits.SetBitAt(3, true)
			c.AggregationBits = bits
			return &c
		}, "the aggregation bits (bit 3 instead of 9)"
	case networking.KindSyncCommitteeMessageShare:
		return func(m networking.Message) networking.Message {
			c := *m.(*networking.SyncCommitteeMessageShare)
			c.Slot++
			return &c
		}, "the slot within the epoch (the next slot of the same epoch)"
	}
	return nil, ""
}

func kindIndex(list []netMessages, k networking.MessageKind) int {
	for i, m := range list {
		if m.kind == k {
			return i
		}
	}
	panic(fmt.Sprintf("no messages of kind %s", k))
}

func setSignature(m networking.Message, sig phase0.BLSSignature) {
	switch s := m.(type) {
	case *networking.AttestationShare:
		s.Signature = sig
	case *networking.RandaoShare:
		s.Signature = sig
	case *networking.BlockShare:
		s.Signature = sig
	case *networking.SyncCommitteeMessageShare:
		s.Signature = sig
	case *networking.AggregationShare:
		s.Signature = sig
	}
}

func setShareIndex(m networking.Message, i uint64) {
	switch s := m.(type) {
	case *networking.AttestationShare:
		s.ShareIndex = i
	case *networking.RandaoShare:
		s.ShareIndex = i
	case *networking.BlockShare:
		s.ShareIndex = i
	case *networking.SyncCommitteeMessageShare:
		s.ShareIndex = i
	case *networking.AggregationShare:
		s.ShareIndex = i
	}
}

// setValidatorIndex makes a share name another validator index (blocks
// carry the proposer in the block itself and are left unchanged).
func setValidatorIndex(m networking.Message, v uint64) {
	switch s := m.(type) {
	case *networking.AttestationShare:
		s.ValidatorIndex = phase0.ValidatorIndex(v)
	case *networking.RandaoShare:
		s.ValidatorIndex = phase0.ValidatorIndex(v)
	case *networking.SyncCommitteeMessageShare:
		s.ValidatorIndex = phase0.ValidatorIndex(v)
	case *networking.AggregationShare:
		s.ValidatorIndex = phase0.ValidatorIndex(v)
	}
}

// resignAs signs m again with node i's share of nc (after its fields
// changed).
func resignAs(nc *netCluster, m networking.Message, i int) networking.Message {
	in, err := (networking.Verifier{Chain: nc.chain}).SigningInput(m)
	if err != nil {
		panic(err)
	}
	setSignature(m, sign(nc.share(i).SecretKey, in.SigningRoot[:]))
	return m
}
