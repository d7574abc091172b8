package main

import (
	"fmt"

	bitfield "github.com/OffchainLabs/go-bitfield"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"
	"gopkg.in/yaml.v3"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/versioned"
)

var aggRefs = []string{"SPEC.md section 12", "SPEC.md deviation 18 (the Python and Dafny sources have no aggregation)", "consensus-specs phase0/validator.md Aggregation, electra/validator.md (committee_bits)"}

// committeeKeys is a committee of n members: interop keys first..first+n-1.
func committeeKeys(first uint64, n int) ([]keyPair, []phase0.BLSPubKey, *yaml.Node) {
	var kp []keyPair
	var pks []phase0.BLSPubKey
	var nodes []*yaml.Node
	for i := range n {
		k := interop(first + uint64(i))
		kp, pks, nodes = append(kp, k), append(pks, k.Public), append(nodes, hexNode(k.Public[:]))
	}
	return kp, pks, seqNode(nodes...)
}

// aggregateOf is the aggregate signature of keys over root, verified
// under their aggregate public key (so the guard knows it).
func aggregateOf(keys []keyPair, root phase0.Root) phase0.BLSSignature {
	var sigs []bls.Signature
	var pks []bls.PublicKey
	for _, k := range keys {
		sigs = append(sigs, sign(k.Secret, root[:]))
		pks = append(pks, k.Public)
	}
	agg, err := bls.AggregateSignatures(sigs)
	if err != nil {
		panic(err)
	}
	apk, err := bls.AggregatePublicKeys(pks)
	if err != nil {
		panic(err)
	}
	return verified(apk, root[:], agg)
}

// genValidityAggregate writes the aggregate predicate's cases: the
// validator (interop 120) sits at position 0 of a committee of 6 (interop
// 120..125), committee index 2 of the slot.
func genValidityAggregate(w *Writer) {
	const v, n = 120, 6
	keys, pks, committeeNode := committeeKeys(v, n)
	for _, fork := range forkNames {
		chain := fromGenesisChain("mainnet", fork)
		slot := phase0.Slot(10*chain.SlotsPerEpoch + 3)
		electraOn := fork >= eth2spec.DataVersionElectra
		duty := &spec.AttestationDuty{Pubkey: keys[0].Public, ValidatorIndex: v, CommitteeIndex: 2, CommitteeLength: n, CommitteesAtSlot: 4, ValidatorCommitteeIndex: 0, Slot: slot}
		label := fmt.Sprintf("validity/mainnet/%s/aggregate", fork)
		decided := &phase0.AttestationData{Slot: slot, Index: 2, BeaconBlockRoot: deriveRoot(label + "/head"),
			Source: &phase0.Checkpoint{Epoch: 9, Root: deriveRoot(label + "/source")}, Target: &phase0.Checkpoint{Epoch: 10, Root: deriveRoot(label + "/target")}}
		if electraOn {
			decided.Index = 0
		}
		type ac struct {
			name, desc, want string
			data             *phase0.AttestationData
			bits             []int
			length           int
			signers          []int // default: bits
			committee        int   // committee bit (Electra), default 2
			shape            eth2spec.DataVersion
		}
		other := *decided
		other.BeaconBlockRoot = deriveRoot(label + "/other-head")
		cases := []ac{
			{name: "valid_three_participants", desc: "an aggregate of positions 0, 2 and 5 over the decided data"},
			{name: "valid_one_participant", desc: "an aggregate of position 3 alone (the validator need not be in it)", bits: []int{3}},
			{name: "data_mismatch", desc: "an aggregate over another head than the decided data", data: &other, want: "data_mismatch"},
			{name: "no_participant", desc: "no aggregation bit set (the signature is the aggregate of position 0, as if bit 0 were set)", bits: []int{}, signers: []int{0}, want: "no_participant"},
			{name: "bits_shape", desc: "aggregation bits of committee length 7 for a committee of 6", length: 7, want: "bits_shape"},
			{name: "aggregate_signature", desc: "bits 0 and 2 set, signature of positions 0 and 3", bits: []int{0, 2}, signers: []int{0, 3}, want: "aggregate_signature"},
		}
		if electraOn {
			cases = append(cases, ac{name: "committee_bits", desc: "committee bit 1 set instead of the duty's committee 2", committee: 1, want: "committee_bits"})
		}
		if fork == eth2spec.DataVersionDeneb {
			cases = append(cases, ac{name: "wrong_fork", desc: "the aggregate in Electra's shape while Deneb is in force", shape: eth2spec.DataVersionElectra, want: "wrong_fork"})
		}
		for _, tc := range cases {
			data := decided
			if tc.data != nil {
				data = tc.data
			}
			bitsIdx := []int{0, 2, 5}
			if tc.bits != nil {
				bitsIdx = tc.bits
			}
			signers := bitsIdx
			if tc.signers != nil {
				signers = tc.signers
			}
			length := n
			if tc.length != 0 {
				length = tc.length
			}
			committee := 2
			if tc.committee != 0 {
				committee = tc.committee
			}
			shape := fork
			if tc.shape != 0 {
				shape = tc.shape
			}
			in, err := chain.AttestationData(data)
			if err != nil {
				panic(err)
			}
			var sk []keyPair
			for _, s := range signers {
				sk = append(sk, keys[s])
			}
			bits := bitfield.NewBitlist(uint64(length))
			for _, b := range bitsIdx {
				bits.SetBitAt(uint64(b), true)
			}
			sig := aggregateOf(sk, in.SigningRoot)
			var a versioned.Container = &phase0.Attestation{AggregationBits: bits, Data: data, Signature: sig}
			if shape >= eth2spec.DataVersionElectra {
				cb := bitfield.NewBitvector64()
				cb.SetBitAt(uint64(committee), true)
				a = &electra.Attestation{AggregationBits: bits, Data: data, Signature: sig, CommitteeBits: cb}
			}
			agg := &eth2spec.VersionedAttestation{Version: shape}
			if err := versioned.SetAttestation(agg, a); err != nil {
				panic(err)
			}
			vcase := validityCase{preset: "mainnet", handler: "aggregate", suite: suiteOf(tc.want), name: tc.name, chain: chain,
				duty: duty, value: a, valueNode: jsonNode(a), valueType: "Attestation", valueFork: shape,
				inputs: []any{"committee", committeeNode},
				check: func() error {
					return consensus.IsValidAggregate(chain, agg, consensus.AggregateValidity{Data: decided, CommitteeIndex: duty.CommitteeIndex, Committee: pks})
				},
				want: tc.want, description: tc.desc + fmt.Sprintf(" (mainnet preset, every fork up to %s active from genesis; committee of %d: interop keys %d..%d in order; decided_data is what the validator attested).", fork, n, v, v+n-1),
				refs: aggRefs, keys: interopKeysNode(v, v+1, v+2, v+3, v+4, v+5)}
			vcase.extraSSZ = []extraSSZ{{"decided_data", decided}}
			w.addValidity(vcase)
		}
	}
}

// genValidityContribution writes the contribution predicate's cases: a
// subcommittee whose positions are interop keys 130.., the validator's
// signed root, one or two participants.
func genValidityContribution(w *Writer) {
	for _, preset := range []string{"mainnet", "minimal"} {
		p, err := spec.BuiltinConfig(preset)
		if err != nil {
			panic(err)
		}
		size := int(p.SyncCommitteeSize / p.SyncCommitteeSubnetCount)
		var keys []keyPair
		var pks []phase0.BLSPubKey
		var nodes []*yaml.Node
		for i := range size {
			k := interop(130 + uint64(i%8)) // a validator may hold several positions
			keys, pks, nodes = append(keys, k), append(pks, k.Public), append(nodes, hexNode(k.Public[:]))
		}
		for _, fork := range forkNames[1:] {
			chain := fromGenesisChain(preset, fork)
			slot := phase0.Slot(10*chain.SlotsPerEpoch + 1)
			label := fmt.Sprintf("validity/%s/%s/contribution", preset, fork)
			root := deriveRoot(label + "/head")
			const sub = 1
			type cc struct {
				name, desc, want string
				cslot            phase0.Slot
				sub              uint64
				root             *phase0.Root
				bits             []int
				signers          []int
			}
			other := deriveRoot(label + "/other")
			cases := []cc{
				{name: "valid_two_participants", desc: "positions 0 and 5 of subcommittee 1 over the signed root"},
				{name: "block_root_mismatch", desc: "a contribution for another root than the validator signed", root: &other, want: "block_root_mismatch"},
				{name: "subcommittee_mismatch", desc: "a contribution for subcommittee 2, the instance's is 1", sub: 2, want: "subcommittee_mismatch"},
				{name: "slot_mismatch", desc: "a contribution for the next slot", cslot: slot + 1, want: "slot_mismatch"},
				{name: "no_participant", desc: "no bit set", bits: []int{}, signers: []int{0}, want: "no_participant"},
				{name: "aggregate_signature", desc: "bits 0 and 5, signature of position 0 alone", signers: []int{0}, want: "aggregate_signature"},
			}
			for _, tc := range cases {
				cs, csub, croot := slot, uint64(sub), root
				if tc.cslot != 0 {
					cs = tc.cslot
				}
				if tc.sub != 0 {
					csub = tc.sub
				}
				if tc.root != nil {
					croot = *tc.root
				}
				bitsIdx := []int{0, 5}
				if tc.bits != nil {
					bitsIdx = tc.bits
				}
				signers := bitsIdx
				if tc.signers != nil {
					signers = tc.signers
				}
				in, err := chain.SyncCommitteeMessage(cs, croot)
				if err != nil {
					panic(err)
				}
				var sk []keyPair
				for _, s := range signers {
					sk = append(sk, keys[s])
				}
				bits := make([]byte, (size+7)/8)
				for _, b := range bitsIdx {
					bits[b/8] |= 1 << (b % 8)
				}
				contribution := &altair.SyncCommitteeContribution{Slot: cs, BeaconBlockRoot: croot, SubcommitteeIndex: csub, AggregationBits: bits, Signature: aggregateOf(sk, in.SigningRoot)}
				var value sszObject = contribution
				if preset == "minimal" {
					value = presetSSZ{contribution, minimalSSZ}
				}
				duty := &spec.SyncCommitteeDuty{Pubkey: keys[3].Public, ValidatorIndex: 133, ValidatorSyncCommitteeIndices: []uint64{uint64(size) + 3}}
				w.addValidity(validityCase{preset: preset, handler: "sync_contribution", suite: suiteOf(tc.want), name: tc.name, chain: chain,
					duty: duty, value: value, valueNode: jsonNode(contribution), valueType: "SyncCommitteeContribution", valueFork: fork,
					inputs: []any{"slot", uint64(slot), "subcommittee_index", uint64(sub), "beacon_block_root", hexNode(root[:]), "committee", seqNode(nodes...)},
					check: func() error {
						return consensus.IsValidContribution(chain, contribution, consensus.ContributionValidity{Slot: slot, SubcommitteeIndex: sub, BeaconBlockRoot: root, Subcommittee: pks})
					},
					want: tc.want, description: tc.desc + fmt.Sprintf(" (%s preset, every fork up to %s active from genesis; subcommittee of %d positions, position i is interop key 130 + i mod 8; the duty names the validator, it is not an input of the predicate).", preset, fork, size),
					refs: aggRefs, keys: interopKeysNode(130, 131, 132, 133, 134, 135, 136, 137)})
			}
		}
	}
}
