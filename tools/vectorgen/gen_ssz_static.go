package main

import (
	"encoding/binary"
	"fmt"

	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

func init() {
	register(generator{
		Runner:  "ssz_static",
		Summary: "every DV container of SPEC.md (duties, identities, slashing DB, share messages, QBFT messages and snapshot, instance id, DVC state snapshot) and the cluster definition: YAML value, canonical SSZ encoding and hash tree root; malformed encodings that must be refused",
		Generate: func(w *Writer) {
			genSSZStatic(w)
		},
	})
}

const sszRef = "SPEC.md section 2 (types) and section 4 (slashing DB containers)"

func sszCase(w *Writer, container, suite, name, description string, obj sszObject) {
	c := &Case{Preset: "general", Fork: "phase0", Runner: "ssz_static", Handler: container, Suite: suite, Name: name}
	c.Meta = Meta{
		Description: description,
		Proves:      "the implementation's " + container + " has the SPEC.md field order, types and list limits: it encodes the value to exactly serialized.ssz_snappy, decodes it back, and hashes it to roots.yaml root",
		References:  []string{sszRef, "consensus-specs ssz/simple-serialize.md"},
	}
	c.StaticSSZ(obj, containerNode(obj))
	w.Add(c)
}

func sszInvalidCase(w *Writer, container, name, description string, serialized []byte) {
	c := &Case{Preset: "general", Fork: "phase0", Runner: "ssz_static", Handler: container, Suite: "ssz_invalid", Name: name}
	c.Meta = Meta{
		Description: description,
		Proves:      "the implementation refuses this encoding of " + container + ": only the canonical encoding of a value is accepted (SPEC.md deviation 13)",
		References:  []string{sszRef, "SPEC.md deviation 13 (canonical SSZ only)", "consensus-specs ssz/simple-serialize.md (deserialization)"},
	}
	c.put("serialized.ssz_snappy", snappyBlock(serialized))
	w.Add(c)
}

func rootPtr(r phase0.Root) *phase0.Root { return &r }

// sampleSlashingDB is a small, canonical slashing DB: the histories of
// the given interop validators, with a documented set of records.
func sampleSlashingDB(gvr phase0.Root, validators ...uint64) *slashing.SlashingDB {
	db := slashing.New(gvr)
	for _, v := range validators {
		pk := interop(v).Public
		for i, slot := range []phase0.Slot{96, 130, 161} {
			r := deriveRoot(fmt.Sprintf("ssz_static/slashing_db/%d/block/%d", v, i))
			if err := db.InsertBlock(pk, slot, &r); err != nil {
				panic(err)
			}
		}
		for i, st := range [][2]phase0.Epoch{{2, 3}, {3, 4}, {4, 5}} {
			r := deriveRoot(fmt.Sprintf("ssz_static/slashing_db/%d/attestation/%d", v, i))
			if err := db.InsertAttestation(pk, st[0], st[1], &r); err != nil {
				panic(err)
			}
		}
		// An imported record without a signing root (EIP-3076 allows it).
		if err := db.InsertAttestation(pk, 5, 6, nil); err != nil {
			panic(err)
		}
	}
	return db
}

func distributedValidator(cl *cluster, db *slashing.SlashingDB) *spec.DistributedValidator {
	id := &spec.ValidatorIdentity{Pubkey: cl.Validator.Public, Index: phase0.ValidatorIndex(cl.Validator.Index)}
	dv := &spec.DistributedValidator{ValidatorIdentity: id, SlashingDB: db}
	for _, p := range cl.Public {
		dv.CoValidators = append(dv.CoValidators, &spec.CoValidator{ValidatorIdentity: id, Pubkey: p.PublicKey, Index: p.Index})
	}
	if err := dv.Validate(); err != nil {
		panic(err)
	}
	return dv
}

// aggregatorDuty is an aggregator duty whose selection proof is the real
// slot signature of the validator on mainnet.
func aggregatorDuty(v uint64, slot phase0.Slot, committee phase0.CommitteeIndex) *spec.AggregatorDuty {
	k := interop(v)
	in, err := mainnetChain().AggregationSlot(slot)
	if err != nil {
		panic(err)
	}
	return &spec.AggregatorDuty{
		Attestation: &spec.AttestationDuty{
			Pubkey: k.Public, ValidatorIndex: phase0.ValidatorIndex(v), CommitteeIndex: committee,
			CommitteeLength: 128, CommitteesAtSlot: 64, ValidatorCommitteeIndex: 17, Slot: slot,
		},
		SelectionProof: sign(k.Secret, in.SigningRoot[:]),
	}
}

// contributionDuty is a sync contribution duty whose selection proof is the
// real sync committee selection proof of the validator on mainnet.
func contributionDuty(v uint64, slot phase0.Slot, sub uint64) *spec.SyncCommitteeContributionDuty {
	k := interop(v)
	in, err := mainnetChain().SyncCommitteeSelectionProof(&altair.SyncAggregatorSelectionData{Slot: slot, SubcommitteeIndex: sub})
	if err != nil {
		panic(err)
	}
	return &spec.SyncCommitteeContributionDuty{
		Pubkey: k.Public, ValidatorIndex: phase0.ValidatorIndex(v), Slot: slot, SubcommitteeIndex: sub,
		SelectionProof: sign(k.Secret, in.SigningRoot[:]),
	}
}

func genSSZStatic(w *Writer) {
	altairSlot := phase0.Slot(74240 * 32)

	// ValidatorIdentity
	sszCase(w, "ValidatorIdentity", "ssz_realistic", "interop_0", "validator 0 with its interop public key", &spec.ValidatorIdentity{Pubkey: interop(0).Public, Index: 0})
	for i := 0; i < 3; i++ {
		v := deriveUint(fmt.Sprintf("ssz_static/ValidatorIdentity/%d", i), 1<<21)
		sszCase(w, "ValidatorIdentity", "ssz_random", fmt.Sprintf("case_%d", i),
			fmt.Sprintf("validator %d (index derived from a label) with its interop public key", v),
			&spec.ValidatorIdentity{Pubkey: interop(v).Public, Index: phase0.ValidatorIndex(v)})
	}

	// CoValidator
	cl4 := newCluster(0, 4)
	id0 := &spec.ValidatorIdentity{Pubkey: cl4.Validator.Public, Index: 0}
	for _, p := range cl4.Public {
		sszCase(w, "CoValidator", "ssz_realistic", fmt.Sprintf("share_%d_of_4", p.Index),
			fmt.Sprintf("co-validator %d of validator 0 split 3-of-4 (seed %q)", p.Index, cl4.Seed),
			&spec.CoValidator{ValidatorIdentity: id0, Pubkey: p.PublicKey, Index: p.Index})
	}

	// DistributedValidator
	gvr := mainnetGenesisValidatorsRoot
	sszCase(w, "DistributedValidator", "ssz_realistic", "n4_empty_history",
		"validator 0 split 3-of-4, empty slashing DB", distributedValidator(cl4, slashing.New(gvr)))
	sszCase(w, "DistributedValidator", "ssz_realistic", "n4_with_history",
		"validator 0 split 3-of-4, slashing DB with blocks and attestations (one without a signing root)",
		distributedValidator(cl4, sampleSlashingDB(gvr, 0)))
	for _, n := range []int{1, 3, 7, 10} {
		cl := newCluster(uint64(n), n)
		sszCase(w, "DistributedValidator", "ssz_realistic", fmt.Sprintf("n%d", n),
			fmt.Sprintf("validator %d split %d-of-%d (seed %q), slashing DB with its history", n, cl.M, n, cl.Seed),
			distributedValidator(cl, sampleSlashingDB(gvr, uint64(n))))
	}

	// State
	sszCase(w, "State", "ssz_zero", "empty", "a node with no distributed validator", &spec.State{DistributedValidators: []*spec.DistributedValidator{}})
	sszCase(w, "State", "ssz_realistic", "two_validators",
		"a node in two clusters: validator 0 (3-of-4) and validator 7 (5-of-7)",
		&spec.State{DistributedValidators: []*spec.DistributedValidator{
			distributedValidator(cl4, sampleSlashingDB(gvr, 0)),
			distributedValidator(newCluster(7, 7), sampleSlashingDB(gvr, 7)),
		}})

	// AttestationDuty, ProposerDuty
	sszCase(w, "AttestationDuty", "ssz_realistic", "mainnet_slot", "an attester duty of validator 0",
		&spec.AttestationDuty{Pubkey: interop(0).Public, ValidatorIndex: 0, CommitteeIndex: 5, CommitteeLength: 412, CommitteesAtSlot: 64, ValidatorCommitteeIndex: 200, Slot: 11649031})
	sszCase(w, "ProposerDuty", "ssz_realistic", "mainnet_slot", "a proposer duty of validator 0",
		&spec.ProposerDuty{Pubkey: interop(0).Public, ValidatorIndex: 0, Slot: 11649031})
	for i := 0; i < 3; i++ {
		l := fmt.Sprintf("ssz_static/duty/%d", i)
		v := deriveUint(l+"/validator", 1<<21)
		sszCase(w, "AttestationDuty", "ssz_random", fmt.Sprintf("case_%d", i), "an attester duty with fields derived from labels",
			&spec.AttestationDuty{
				Pubkey: interop(v).Public, ValidatorIndex: phase0.ValidatorIndex(v),
				CommitteeIndex: phase0.CommitteeIndex(deriveUint(l+"/committee", 64)), CommitteeLength: deriveUint(l+"/length", 2048),
				CommitteesAtSlot: 1 + deriveUint(l+"/committees", 64), ValidatorCommitteeIndex: deriveUint(l+"/position", 2048),
				Slot: phase0.Slot(deriveUint(l+"/slot", 1<<40)),
			})
		sszCase(w, "ProposerDuty", "ssz_random", fmt.Sprintf("case_%d", i), "a proposer duty with fields derived from labels",
			&spec.ProposerDuty{Pubkey: interop(v).Public, ValidatorIndex: phase0.ValidatorIndex(v), Slot: phase0.Slot(deriveUint(l+"/slot", 1<<40))})
	}
	sszCase(w, "ProposerDuty", "ssz_max", "max_uint64", "every integer at 2**64-1",
		&spec.ProposerDuty{Pubkey: interop(1).Public, ValidatorIndex: ^phase0.ValidatorIndex(0), Slot: ^phase0.Slot(0)})

	// SyncCommitteeDuty
	sszCase(w, "SyncCommitteeDuty", "ssz_realistic", "two_positions", "a sync committee member at positions 3 and 130 (subcommittees 0 and 1 on mainnet)",
		&spec.SyncCommitteeDuty{Pubkey: interop(0).Public, ValidatorIndex: 0, ValidatorSyncCommitteeIndices: []uint64{3, 130}})
	sszCase(w, "SyncCommitteeDuty", "ssz_lengthy", "no_positions", "an empty list of positions",
		&spec.SyncCommitteeDuty{Pubkey: interop(0).Public, ValidatorIndex: 0, ValidatorSyncCommitteeIndices: []uint64{}})
	all := make([]uint64, spec.MaxSyncCommitteeSize)
	for i := range all {
		all[i] = uint64(i)
	}
	sszCase(w, "SyncCommitteeDuty", "ssz_lengthy", "max_positions", "all 512 positions: the list at its limit",
		&spec.SyncCommitteeDuty{Pubkey: interop(2).Public, ValidatorIndex: 2, ValidatorSyncCommitteeIndices: all})

	// AggregatorDuty, SyncCommitteeContributionDuty: real selection proofs.
	sszCase(w, "AggregatorDuty", "ssz_realistic", "mainnet_electra",
		"validator 0 aggregating at slot 11649031 (electra); the selection proof is its real slot signature on mainnet",
		aggregatorDuty(0, 11649031, 5))
	sszCase(w, "AggregatorDuty", "ssz_realistic", "mainnet_phase0",
		"validator 3 aggregating at slot 1000 (phase0); the selection proof is its real slot signature on mainnet",
		aggregatorDuty(3, 1000, 9))
	sszCase(w, "SyncCommitteeContributionDuty", "ssz_realistic", "mainnet_altair",
		"validator 0 aggregating subcommittee 1 at the first altair slot; the selection proof is its real sync selection proof on mainnet",
		contributionDuty(0, altairSlot, 1))
	sszCase(w, "SyncCommitteeContributionDuty", "ssz_realistic", "mainnet_fulu",
		"validator 5 aggregating subcommittee 3 at slot 13164600 (fulu); real sync selection proof on mainnet",
		contributionDuty(5, 13164600, 3))

	// Slashing DB containers.
	sszCase(w, "SlashingDBBlock", "ssz_zero", "zero", "slot 0 and no signing root", &slashing.SlashingDBBlock{})
	sszCase(w, "SlashingDBBlock", "ssz_realistic", "with_root", "a block record with its signing root",
		&slashing.SlashingDBBlock{Slot: 11649031, SigningRoot: rootPtr(deriveRoot("ssz_static/block_root"))})
	sszCase(w, "SlashingDBBlock", "ssz_realistic", "zero_root", "a present all-zero signing root, which differs from an absent one",
		&slashing.SlashingDBBlock{Slot: 5, SigningRoot: rootPtr(phase0.Root{})})
	sszCase(w, "SlashingDBAttestation", "ssz_zero", "zero", "epochs 0 and no signing root", &slashing.SlashingDBAttestation{})
	sszCase(w, "SlashingDBAttestation", "ssz_realistic", "with_root", "an attestation record with its signing root",
		&slashing.SlashingDBAttestation{SourceEpoch: 364031, TargetEpoch: 364032, SigningRoot: rootPtr(deriveRoot("ssz_static/attestation_root"))})
	sszCase(w, "SlashingDBAttestation", "ssz_realistic", "no_root", "an imported attestation record without a signing root",
		&slashing.SlashingDBAttestation{SourceEpoch: 10, TargetEpoch: 11})
	sszCase(w, "SlashingDBData", "ssz_realistic", "empty_history", "a key with no record",
		&slashing.SlashingDBData{Pubkey: interop(0).Public, SignedBlocks: []*slashing.SlashingDBBlock{}, SignedAttestations: []*slashing.SlashingDBAttestation{}})
	sszCase(w, "SlashingDBData", "ssz_realistic", "history", "the history of validator 0",
		sampleSlashingDB(gvr, 0).Data[0])
	sszCase(w, "SlashingDB", "ssz_zero", "zero", "version 0, zero genesis validators root, no data (the SSZ zero value; the spec's DBs carry version 5)",
		&slashing.SlashingDB{Data: []*slashing.SlashingDBData{}})
	sszCase(w, "SlashingDB", "ssz_realistic", "empty", "a new mainnet DB (slashing.New)", slashing.New(gvr))
	sszCase(w, "SlashingDB", "ssz_realistic", "three_validators", "the histories of validators 0, 1 and 2, sorted by public key",
		sampleSlashingDB(gvr, 0, 1, 2))

	genSSZInvalid(w)
	genSSZStaticDV(w)
}

func mustSSZ(obj sszObject) []byte {
	b, err := obj.MarshalSSZ()
	if err != nil {
		panic(err)
	}
	return b
}

func genSSZInvalid(w *Writer) {
	block := mustSSZ(&slashing.SlashingDBBlock{Slot: 7, SigningRoot: rootPtr(deriveRoot("ssz_invalid/root"))})
	// Fixed part: slot (8) + offset (4); the list payload follows.
	sszInvalidCase(w, "SlashingDBBlock", "root_31_bytes", "the signing root list holds 31 bytes: not a whole Root", block[:len(block)-1])
	sszInvalidCase(w, "SlashingDBBlock", "root_33_bytes", "the signing root list holds 33 bytes: not a whole number of Roots", append(append([]byte{}, block...), 0))
	two := append(append([]byte{}, block...), block[12:]...)
	sszInvalidCase(w, "SlashingDBBlock", "two_roots", "the signing root list holds two Roots; its limit is 1", two)
	badOffset := append([]byte{}, block...)
	binary.LittleEndian.PutUint32(badOffset[8:12], 13)
	sszInvalidCase(w, "SlashingDBBlock", "bad_offset", "the offset of the signing root list is 13, not the end of the fixed part (12)", badOffset)
	sszInvalidCase(w, "SlashingDBBlock", "truncated", "11 bytes: shorter than the fixed part", block[:11])

	att := mustSSZ(&slashing.SlashingDBAttestation{SourceEpoch: 1, TargetEpoch: 2})
	sszInvalidCase(w, "SlashingDBAttestation", "truncated", "19 bytes: shorter than the fixed part (20)", att[:19])

	id := mustSSZ(&spec.ValidatorIdentity{Pubkey: interop(0).Public, Index: 3})
	sszInvalidCase(w, "ValidatorIdentity", "trailing_byte", "57 bytes: a fixed-size container with a trailing byte", append(append([]byte{}, id...), 0))
	sszInvalidCase(w, "ValidatorIdentity", "truncated", "55 bytes: one byte short", id[:55])

	duty := mustSSZ(&spec.AttestationDuty{Pubkey: interop(0).Public, Slot: 9})
	sszInvalidCase(w, "AttestationDuty", "trailing_byte", "97 bytes: a fixed-size container with a trailing byte", append(append([]byte{}, duty...), 0))

	sync := mustSSZ(&spec.SyncCommitteeDuty{Pubkey: interop(0).Public, ValidatorSyncCommitteeIndices: []uint64{1, 2}})
	sszInvalidCase(w, "SyncCommitteeDuty", "unaligned_list", "the index list holds 15 bytes: not a whole number of uint64", sync[:len(sync)-1])
	over := make([]uint64, spec.MaxSyncCommitteeSize+1)
	overEnc := append(append([]byte{}, sync[:60]...), make([]byte, 8*len(over))...)
	sszInvalidCase(w, "SyncCommitteeDuty", "list_over_limit", "513 indices; the limit is 512", overEnc)
	badFirst := append([]byte{}, sync...)
	binary.LittleEndian.PutUint32(badFirst[56:60], 64)
	sszInvalidCase(w, "SyncCommitteeDuty", "bad_offset", "the first offset is 64, not the end of the fixed part (60)", badFirst)

	db := mustSSZ(sampleSlashingDB(mainnetGenesisValidatorsRoot, 0))
	sszInvalidCase(w, "SlashingDB", "truncated_history", "a one-validator DB missing its last byte", db[:len(db)-1])

	agg := aggregatorDuty(0, 11649031, 5)
	aggEnc := mustSSZ(agg)
	sszInvalidCase(w, "AggregatorDuty", "truncated", "191 bytes: one byte short", aggEnc[:191])
}
