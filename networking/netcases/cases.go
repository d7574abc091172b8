package netcases

import (
	"fmt"

	bitfield "github.com/OffchainLabs/go-bitfield"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// Keys are a distributed validator: registry index (and interop key)
// ValidatorIndex split M-of-N.
type Keys struct {
	ValidatorIndex  uint64
	ValidatorPublic bls.PublicKey
	N, M            int
	Shares          []bls.Share
	Public          []bls.PublicShare
}

// Env is what the cases are built from. Every field is required.
type Env struct {
	// Keys returns validator v's key split over n nodes (M = spec.Threshold(n)).
	Keys func(v uint64, n int) *Keys
	// Chain returns the chain of the cases of a fork (every fork up to it
	// active from genesis).
	Chain func(fork eth2spec.DataVersion) signing.Chain
	// AttestationData, Block and Root return a beacon object distinct for
	// each label.
	AttestationData func(c signing.Chain, slot phase0.Slot, index phase0.CommitteeIndex, label string) *phase0.AttestationData
	Block           func(c signing.Chain, fork eth2spec.DataVersion, slot phase0.Slot, proposer uint64, label string) *eth2spec.VersionedBeaconBlock
	Root            func(label string) phase0.Root
	// Sign signs msg with sk (vectorgen records every signature it makes).
	Sign func(sk bls.SecretKey, msg []byte) bls.Signature
}

// Cluster is the distributed validator whose shares sign the messages of a
// case, on the chain of a fork.
type Cluster struct {
	Keys  *Keys
	Chain signing.Chain
	Fork  eth2spec.DataVersion
	Slot  phase0.Slot
	Label string
	env   *Env
}

// Invalid is a value a case carries on purpose, and why.
type Invalid struct {
	Value []byte
	Why   string
}

// Case is one networking case: the shares, the cluster whose public
// shares verify them, and what the case's author states (Err, or nil for
// a combination).
type Case struct {
	Suite, Name, Desc, Proves string
	Cluster                   *Cluster
	Kind                      networking.MessageKind
	Shares                    []networking.Message
	// PublicKeys are the keys whose public shares the combiner is given;
	// nil: Cluster.Keys.
	PublicKeys *Keys
	Err        error
	Invalid    []Invalid
}

// Public returns the keys whose public shares verify the case's shares.
func (c *Case) Public() *Keys {
	if c.PublicKeys != nil {
		return c.PublicKeys
	}
	return c.Cluster.Keys
}

// Verifier is the combiner of the case: the validator key of the cluster,
// the public shares of Public().
func (c *Case) Verifier() networking.Verifier {
	pubs := map[uint64]phase0.BLSPubKey{}
	for _, p := range c.Public().Public {
		pubs[p.Index] = p.PublicKey
	}
	return networking.Verifier{Chain: c.Cluster.Chain, ValidatorPubkey: c.Cluster.Keys.ValidatorPublic, PublicShares: pubs, Threshold: c.Cluster.Keys.M}
}

// Forks are the forks of the cases, in order.
var Forks = []eth2spec.DataVersion{
	eth2spec.DataVersionPhase0, eth2spec.DataVersionAltair, eth2spec.DataVersionBellatrix, eth2spec.DataVersionCapella,
	eth2spec.DataVersionDeneb, eth2spec.DataVersionElectra, eth2spec.DataVersionFulu,
}

// Slot is the slot of every networking message (epoch 385 on mainnet).
const Slot = phase0.Slot(12345)

func (e *Env) cluster(v uint64, n int, fork eth2spec.DataVersion) *Cluster {
	return &Cluster{Keys: e.Keys(v, n), Chain: e.Chain(fork), Fork: fork, Slot: Slot,
		Label: fmt.Sprintf("networking/%d/%d/%s", v, n, fork), env: e}
}

// Cases returns every networking case: on each fork, validator 42 split
// 3-of-4 (every case for Deneb and Electra, the threshold case otherwise,
// except where a fork brings a kind: blocks on every fork, all kinds on
// phase0 and Fulu, sync messages on Altair), then all shares of validator
// 43 split over 1 and 7 nodes on Electra.
func Cases(env Env) ([]Case, error) {
	if err := env.check(); err != nil {
		return nil, err
	}
	e := &env
	var out []Case
	for _, fork := range Forks {
		nc := e.cluster(42, 4, fork)
		full := fork == eth2spec.DataVersionDeneb || fork == eth2spec.DataVersionElectra
		for _, k := range kindsFor(nc) {
			if !full && k.kind != networking.KindBlockShare && fork != eth2spec.DataVersionPhase0 && fork != eth2spec.DataVersionFulu && !(fork == eth2spec.DataVersionAltair && k.kind == networking.KindSyncCommitteeMessageShare) {
				continue
			}
			out = append(out, kindCases(nc, k, full)...)
		}
	}
	// Other cluster sizes.
	for _, n := range []int{1, 7} {
		nc := e.cluster(43, n, eth2spec.DataVersionElectra)
		for _, k := range kindsFor(nc) {
			var shares []networking.Message
			for i := n; i >= 1; i-- {
				shares = append(shares, k.msg(i, "a"))
			}
			out = append(out, Case{Suite: "valid", Name: fmt.Sprintf("n%d_all_shares", n), Cluster: nc, Kind: k.kind, Shares: shares,
				Desc:   fmt.Sprintf("All %d shares, in descending share index order.", n),
				Proves: fmt.Sprintf("with N = %d the implementation combines the %d shares with the smallest indices, whatever their order, into the validator's signature", n, nc.Keys.M)})
		}
	}
	return out, nil
}

func (e *Env) check() error {
	for _, f := range []struct {
		name string
		set  bool
	}{{"Keys", e.Keys != nil}, {"Chain", e.Chain != nil}, {"AttestationData", e.AttestationData != nil},
		{"Block", e.Block != nil}, {"Root", e.Root != nil}, {"Sign", e.Sign != nil}} {
		if !f.set {
			return fmt.Errorf("netcases: Env.%s is nil", f.name)
		}
	}
	return nil
}

func kindCases(nc *Cluster, k messages, full bool) []Case {
	var out []Case
	add := func(c Case) {
		c.Cluster, c.Kind = nc, k.kind
		out = append(out, c)
	}
	m := nc.Keys.M
	sh := func(idx ...int) []networking.Message {
		out := make([]networking.Message, len(idx))
		for j, i := range idx {
			out[j] = k.msg(i, "a")
		}
		return out
	}
	add(Case{Suite: "valid", Name: "threshold_shares", Shares: sh(1, 2, 3),
		Desc:   "The shares of nodes 1, 2 and 3: exactly the threshold.",
		Proves: "the implementation verifies each share and recombines them (Lagrange interpolation at 0) into the validator's signature, which verifies under the validator key"})
	if !full {
		return out
	}
	add(Case{Suite: "valid", Name: "all_shares_unordered", Shares: sh(4, 2, 3, 1),
		Desc:   "All four shares, in the order 4, 2, 3, 1.",
		Proves: "the implementation verifies all shares and combines the threshold shares with the smallest indices (1, 2, 3); the result is the validator's signature"})
	add(Case{Suite: "valid", Name: "other_subset", Shares: sh(2, 3, 4),
		Desc:   "The shares of nodes 2, 3 and 4.",
		Proves: "any threshold subset recombines to the same validator signature"})
	add(Case{Suite: "invalid", Name: "below_threshold", Shares: sh(1, 2), Err: networking.ErrBelowThreshold,
		Desc: fmt.Sprintf("Two shares; the threshold is %d.", m), Proves: "the implementation refuses to combine fewer than M shares (below_threshold)"})
	add(Case{Suite: "invalid", Name: "no_shares", Shares: nil, Err: networking.ErrBelowThreshold,
		Desc: "No share at all.", Proves: "an empty share set is below the threshold (below_threshold)"})
	mixed := append(sh(1, 2), k.msg(3, "b"))
	add(Case{Suite: "invalid", Name: "mixed_data", Shares: mixed, Err: networking.ErrMixedData,
		Desc:   "The shares of nodes 1 and 2 of one message and node 3's share of another message (another message root).",
		Proves: "the implementation combines only shares of the same message: equal message roots, the share's root with signature and share_index zeroed (mixed_data)"})
	// Node 3's signature of another message on a share of this one.
	forged := k.msg(3, "a")
	setSignature(forged, k.msg(3, "b").PartialSignature())
	add(Case{Suite: "invalid", Name: "invalid_share", Shares: append(sh(1, 2), forged), Err: networking.ErrInvalidShare,
		Desc:   "Node 3's share carries node 3's signature of another message.",
		Proves: "the implementation verifies every share under its signer's public share before combining (invalid_share)"})
	impostor := k.msg(2, "a")
	setShareIndex(impostor, 3)
	add(Case{Suite: "invalid", Name: "impostor_share", Shares: append(sh(1, 2), impostor), Err: networking.ErrInvalidShare,
		Desc:   "Node 2's share resent with share index 3: the signature is node 2's.",
		Proves: "a share must verify under the public share of the index it claims (invalid_share)"})
	garbage := k.msg(3, "a")
	notAPoint := phase0.BLSSignature{0x8f}
	for i := 1; i < 96; i++ {
		notAPoint[i] = 0x11
	}
	setSignature(garbage, notAPoint)
	add(Case{Suite: "invalid", Name: "signature_not_a_point", Shares: append(sh(1, 2), garbage), Err: networking.ErrInvalidShare,
		Desc:    "Node 3's share carries 96 bytes that are not a G2 point.",
		Proves:  "a share whose signature does not decode is an invalid share, not a crash (invalid_share)",
		Invalid: []Invalid{{Value: notAPoint[:], Why: "not a point of G2 (a compressed encoding whose x coordinate is not on the curve)"}}})
	add(Case{Suite: "invalid", Name: "duplicate_signer", Shares: sh(1, 2, 2), Err: networking.ErrDuplicateSigner,
		Desc: "Node 2's share twice, with node 1's.", Proves: "two shares of one signer are refused, not counted twice towards the threshold (duplicate_signer)"})
	unknown := k.msg(3, "a")
	setShareIndex(unknown, 9)
	add(Case{Suite: "invalid", Name: "unknown_signer", Shares: append(sh(1, 2), unknown), Err: networking.ErrUnknownSigner,
		Desc: "Node 3's share with share index 9; the cluster has indices 1..4.", Proves: "a share index that is not the cluster's is refused (unknown_signer)"})
	zero := k.msg(3, "a")
	setShareIndex(zero, 0)
	add(Case{Suite: "invalid", Name: "share_index_zero", Shares: append(sh(1, 2), zero), Err: networking.ErrUnknownSigner,
		Desc: "Node 3's share with share index 0 (the index of the secret itself).", Proves: "share index 0 is never a signer (unknown_signer)"})
	// Shares of another validator's sharing whose public shares are given:
	// each share verifies, the combination is the other validator's
	// signature.
	other := &Cluster{Keys: nc.env.Keys(44, 4), Chain: nc.Chain, Fork: nc.Fork, Slot: nc.Slot, Label: nc.Label, env: nc.env}
	var otherShares []networking.Message
	for _, i := range []int{1, 2, 3} {
		ks := kindsFor(other)
		s := ks[kindIndex(ks, k.kind)].msg(i, "a")
		setValidatorIndex(s, nc.Keys.ValidatorIndex)
		otherShares = append(otherShares, resignAs(other, s, i))
	}
	add(Case{Suite: "invalid", Name: "invalid_combination", Shares: otherShares, PublicKeys: other.Keys, Err: networking.ErrInvalidCombination,
		Desc:   "The combiner is given the public shares of validator 44's sharing (split 3-of-4) and validator 42's public key; the shares are signed by validator 44's key shares, so each verifies under its public share.",
		Proves: "the implementation verifies the combined signature under the validator key and refuses a combination that does not verify (invalid_combination)"})
	if forge, field := forgeUnsigned(nc, k.kind); forge != nil {
		var forgedAll []networking.Message
		for i := 1; i <= m; i++ {
			forgedAll = append(forgedAll, forge(k.msg(i, "a")))
		}
		add(Case{Suite: "valid", Name: "forged_unsigned_field_copies_combine", Shares: forgedAll,
			Desc:   fmt.Sprintf("Copies of the shares of nodes 1, 2 and 3 in which a relay altered %s, which the signature does not cover.", field),
			Proves: "the signature of a share does not cover " + field + ": each altered copy verifies under its signer's public share and the copies combine into a signature that verifies under the validator key, so neither a share's verification nor the combination can tell a forged copy from the genuine share, and a receiver must not let the first copy it sees stand for the signer (SPEC.md section 7.7, amendment A22; issue 12)"})
		add(Case{Suite: "invalid", Name: "forged_unsigned_field_copy_with_genuine", Shares: append(sh(1, 2), forge(k.msg(3, "a"))), Err: networking.ErrMixedData,
			Desc:   fmt.Sprintf("The genuine shares of nodes 1 and 2 and a copy of node 3's share in which a relay altered %s.", field),
			Proves: "a copy with an altered unsigned field is another message (another message root): it is never combined with the genuine shares (mixed_data; SPEC.md section 7.7, amendment A22)"})
	}
	switch k.kind {
	case networking.KindAttestationShare:
		two := nc.attShare(3, nc.attData("a"))
		bits := bitfield.NewBitlist(16)
		bits.SetBitAt(9, true)
		bits.SetBitAt(10, true)
		two.AggregationBits = bits
		add(Case{Suite: "invalid", Name: "two_aggregation_bits", Shares: append(sh(1, 2), two), Err: networking.ErrMixedData,
			Desc:   "Node 3's share has aggregation bits 9 and 10 set: its message root differs from the others'.",
			Proves: "aggregation bits are part of the message: a share with other bits is another message (mixed_data)"})
		all := []networking.Message{}
		for i := 1; i <= 3; i++ {
			s := nc.attShare(i, nc.attData("a"))
			s.AggregationBits = bits
			all = append(all, s)
		}
		add(Case{Suite: "invalid", Name: "aggregation_bits_not_one_bit", Shares: all, Err: networking.ErrMalformedShare,
			Desc:   "Three shares of one message whose aggregation bits have two bits set.",
			Proves: "an attestation share must have exactly one aggregation bit set (malformed_share)"})
	case networking.KindBlockShare:
		var cut []networking.Message
		for i := 1; i <= 3; i++ {
			s := nc.blockShare(i, nc.block("a"))
			s.Block.Block = s.Block.Block[:len(s.Block.Block)-1]
			cut = append(cut, s)
		}
		add(Case{Suite: "invalid", Name: "truncated_block", Shares: cut, Err: networking.ErrMalformedShare,
			Desc:   "Three shares of a block whose SSZ encoding lost its last byte.",
			Proves: "the block of a block share must decode as its fork's BeaconBlock (malformed_share)"})
	}
	return out
}

// forgeUnsigned returns how a relay alters a share of kind without
// invalidating its signature (amendment A22), and what it alters; nil for
// kinds whose signature covers every field.
func forgeUnsigned(nc *Cluster, k networking.MessageKind) (func(networking.Message) networking.Message, string) {
	switch k {
	case networking.KindAttestationShare:
		if nc.Fork >= eth2spec.DataVersionElectra {
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
