package main

import (
	"fmt"
	"slices"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/phase0"
	dynssz "github.com/pk910/dynamic-ssz"
	"gopkg.in/yaml.v3"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/consensus/validitycases"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/names"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

func init() {
	register(generator{
		Runner:   "consensus_validity",
		Summary:  "the validity predicates a co-validator applies to a proposed value (attestation data, block, sync committee contribution; aggregate and sync contribution of the aggregation duties), every rule per fork, with the named rule that refuses",
		Generate: genValidity,
	})
}

// minimalSSZ encodes containers whose shape depends on the preset with the
// minimal preset's sizes (only SYNC_COMMITTEE_SIZE matters for the
// containers used here).
var minimalSSZ = dynssz.NewDynSsz(map[string]any{"SYNC_COMMITTEE_SIZE": uint64(32)})

// presetSSZ is an SSZ object encoded with a preset's sizes.
type presetSSZ struct {
	obj any
	ds  *dynssz.DynSsz
}

func (p presetSSZ) MarshalSSZ() ([]byte, error)     { return p.ds.MarshalSSZ(p.obj) }
func (p presetSSZ) HashTreeRoot() ([32]byte, error) { return p.ds.HashTreeRoot(p.obj) }

type validityCase struct {
	preset, handler, suite, name string
	chain                        signing.Chain
	db                           *slashing.SlashingDB
	duty                         sszObject
	value                        sszObject
	valueNode                    *yaml.Node
	valueType                    string
	valueFork                    eth2spec.DataVersion
	inputs                       []any // extra key/value pairs for inputs.yaml
	check                        func() error
	want, wantSlashing           string
	description, proves          string
	refs                         []string
	keys                         *yaml.Node
	extraSSZ                     []extraSSZ // more SSZ inputs (name, container)
}

type extraSSZ struct {
	name string
	obj  sszObject
}

func (w *Writer) addValidity(vc validityCase) {
	c := &Case{Preset: vc.preset, Runner: "consensus_validity", Handler: vc.handler, Suite: vc.suite, Name: vc.name}
	c.Fork = vc.dirFork().String()
	var before []byte
	if vc.db != nil {
		before = mustSSZ(vc.db)
	}
	err := vc.check()
	if vc.db != nil && string(mustSSZ(vc.db)) != string(before) {
		panic(c.Path() + ": the predicate changed the slashing DB")
	}
	names := names.ErrorNames(err)
	got, gotSlashing := "", ""
	if len(names) > 0 {
		got = names[0]
		if len(names) > 1 {
			gotSlashing = names[1]
		}
	} else if err != nil {
		panic(fmt.Sprintf("%s: unnamed error %v", c.Path(), err))
	}
	if got != vc.want || gotSlashing != vc.wantSlashing {
		panic(fmt.Sprintf("%s: the spec says %q/%q (%v), the case expects %q/%q", c.Path(), got, gotSlashing, err, vc.want, vc.wantSlashing))
	}
	c.YAML("chain", chainNode(vc.chain))
	c.SSZ("duty", vc.duty, containerNode(vc.duty))
	if vc.db != nil {
		c.SSZ("slashing_db", vc.db, containerNode(vc.db))
	}
	c.SSZ("value", vc.value, vc.valueNode)
	for _, x := range vc.extraSSZ {
		c.SSZ(x.name, x.obj, containerNode(x.obj))
	}
	inputs := mapNode("value_ssz_type", vc.valueType, "value_fork", vc.valueFork.String())
	for i := 0; i+1 < len(vc.inputs); i += 2 {
		inputs.Content = append(inputs.Content, strNode(vc.inputs[i].(string)), toNode(vc.inputs[i+1]))
	}
	c.YAML("inputs", inputs)
	if vc.want == "" {
		c.YAML("output", mapNode("valid", true))
	} else if vc.wantSlashing == "" {
		c.YAML("output", mapNode("valid", false, "reason", vc.want))
	} else {
		c.YAML("output", mapNode("valid", false, "reason", vc.want, "slashing_reason", vc.wantSlashing))
	}
	proves := vc.proves
	if proves == "" {
		if vc.want == "" {
			proves = "the value passes every rule of the predicate, so an honest co-validator may decide it"
		} else {
			proves = "the predicate refuses the value by the rule " + vc.want
			if vc.wantSlashing != "" {
				proves += " (slashing rule " + vc.wantSlashing + ")"
			}
		}
	}
	c.Meta = Meta{Description: vc.description, Proves: proves, References: vc.refs, Keys: vc.keys}
	w.Add(c)
}

// dirFork is the fork in force at the value's slot.
func (vc validityCase) dirFork() eth2spec.DataVersion {
	switch v := vc.duty.(type) {
	case *spec.AttestationDuty:
		return forkAt(vc.chain, v.Slot)
	case *spec.ProposerDuty:
		return forkAt(vc.chain, v.Slot)
	}
	for i := 0; i+1 < len(vc.inputs); i += 2 {
		if vc.inputs[i] == "slot" {
			return forkAt(vc.chain, phase0.Slot(vc.inputs[i+1].(uint64)))
		}
	}
	panic("no slot")
}

func dbWith(atts [][2]phase0.Epoch, pubkey phase0.BLSPubKey, label string) *slashing.SlashingDB {
	db := slashing.New(testGenesisValidatorsRoot)
	for i, a := range atts {
		r := deriveRoot(fmt.Sprintf("%s/prior/%d", label, i))
		if err := db.InsertAttestation(pubkey, a[0], a[1], &r); err != nil {
			panic(err)
		}
	}
	return db
}

func genValidity(w *Writer) {
	genValidityAttestation(w)
	genValidityBlock(w)
	genValiditySync(w)
	genValidityAggregate(w)
	genValidityContribution(w)
}

var (
	attRefs = []string{"SPEC.md section 6", "consensus.py consensus_is_valid_attestation_data", "SPEC.md deviations 3, 4, 5, 6"}
)

func genValidityAttestation(w *Writer) {
	const v = 42
	k := interop(v)
	for _, preset := range []string{"mainnet", "minimal"} {
		forks := forkNames
		if preset == "minimal" {
			forks = []eth2spec.DataVersion{eth2spec.DataVersionPhase0, eth2spec.DataVersionDeneb, eth2spec.DataVersionElectra}
		}
		for _, fork := range forks {
			chain := fromGenesisChain(preset, fork)
			spe := chain.SlotsPerEpoch
			for _, tc := range validitycases.Attestations(fork, spe, preset == "minimal") {
				duty := &spec.AttestationDuty{Pubkey: k.Public, ValidatorIndex: v, CommitteeIndex: validitycases.DutyIndex, CommitteeLength: 128, CommitteesAtSlot: 64, ValidatorCommitteeIndex: 7, Slot: tc.DutyAt(spe)}
				label := fmt.Sprintf("validity/%s/%s/attestation/%s", preset, fork, tc.Name)
				data := attestationData(chain, tc.DataSlot(spe), tc.DataIndex(fork), label)
				data.Source.Epoch, data.Target.Epoch = tc.Vote()
				db := dbWith(tc.Prior, k.Public, label)
				if tc.PriorSame {
					in, err := chain.AttestationData(data)
					if err != nil {
						panic(err)
					}
					if err := spec.UpdateAttestationSlashingDB(db, data, in.SigningRoot, k.Public); err != nil {
						panic(err)
					}
				}
				w.addValidity(validityCase{preset: preset, handler: "attestation_data", suite: suiteOf(tc.Want), name: tc.Name, chain: chain, db: db,
					duty: duty, value: data, valueNode: jsonNode(data), valueType: "AttestationData", valueFork: fork,
					check: func() error { return consensus.IsValidAttestationData(db, chain, data, duty) },
					want:  tc.Want, wantSlashing: tc.WantSlashing, description: tc.Desc + fmt.Sprintf(" (%s, %s preset, every fork up to %s active from genesis)", fork, preset, fork),
					refs: attRefs, keys: interopKeysNode(v)})
			}
		}
	}
	// The Electra boundary on mainnet: the index rule follows the fork of
	// the slot.
	main := mainnetChain()
	electraSlot := phase0.Slot(uint64(forkStart(main, eth2spec.DataVersionElectra)) * 32)
	for _, b := range []struct {
		name  string
		slot  phase0.Slot
		index phase0.CommitteeIndex
		want  string
		desc  string
	}{
		{"last_deneb_slot_committee_index", electraSlot - 1, 3, "", "the last deneb slot with the duty's committee index: valid"},
		{"last_deneb_slot_index_zero", electraSlot - 1, 0, "committee_index_mismatch", "the last deneb slot with index 0: refused"},
		{"first_electra_slot_committee_index", electraSlot, 3, "committee_index_not_zero", "the first electra slot with the duty's committee index: refused"},
		{"first_electra_slot_index_zero", electraSlot, 0, "", "the first electra slot with index 0: valid"},
	} {
		duty := &spec.AttestationDuty{Pubkey: k.Public, ValidatorIndex: v, CommitteeIndex: 3, CommitteeLength: 128, CommitteesAtSlot: 64, ValidatorCommitteeIndex: 7, Slot: b.slot}
		data := attestationData(main, b.slot, b.index, "validity/mainnet/boundary/"+b.name)
		db := slashing.New(mainnetGenesisValidatorsRoot)
		w.addValidity(validityCase{preset: "mainnet", handler: "attestation_data", suite: "fork_boundary", name: b.name, chain: main, db: db,
			duty: duty, value: data, valueNode: jsonNode(data), valueType: "AttestationData", valueFork: forkAt(main, b.slot),
			check: func() error { return consensus.IsValidAttestationData(db, main, data, duty) },
			want:  b.want, description: b.desc + " on the mainnet fork schedule", refs: attRefs, keys: interopKeysNode(v)})
	}
}

func suiteOf(want string) string {
	if want == "" {
		return "valid"
	}
	return "invalid"
}

var blockRefs = []string{"SPEC.md section 6", "consensus.py consensus_is_valid_block (HEAD)", "SPEC.md deviation 9 (proposer index)"}

// feeAddress is the fee recipient a block case configures.
func feeAddress(f validitycases.Fee, block *eth2spec.VersionedBeaconBlock, label string) *bellatrix.ExecutionAddress {
	switch f {
	case validitycases.FeeSame:
		payload, err := block.ExecutionPayload()
		if err != nil {
			panic(err)
		}
		a, err := payload.FeeRecipient()
		if err != nil {
			panic(err)
		}
		return &a
	case validitycases.FeeOther:
		a := address(label + "/configured_fee_recipient")
		return &a
	}
	return nil
}

func genValidityBlock(w *Writer) {
	const v = 77
	k := interop(v)
	for _, fork := range forkNames {
		chain := fromGenesisChain("mainnet", fork)
		const epoch = 10
		slot := validitycases.BlockSlot
		duty := &spec.ProposerDuty{Pubkey: k.Public, ValidatorIndex: v, Slot: slot}
		reveal, err := chain.RandaoReveal(epoch)
		randao := signRoot(k, reveal, err)
		otherReveal, err := chain.RandaoReveal(epoch + 1)
		wrongReveal := signRoot(k, otherReveal, err)
		cases := validitycases.Blocks(fork)
		for _, tc := range cases {
			s := slot
			if tc.Slot != 0 {
				s = tc.Slot
			}
			prop := uint64(v)
			if tc.OtherProposer {
				prop = v + 1
			}
			shape := fork
			if tc.PreviousShape {
				shape = fork - 1
			}
			label := fmt.Sprintf("validity/mainnet/%s/block/%s", fork, tc.Name)
			block := buildBlock(chain, shape, s, prop, label)
			in := randao
			if tc.WrongReveal {
				in = wrongReveal
			}
			db := slashing.New(testGenesisValidatorsRoot)
			if tc.Prior != nil {
				r := deriveRoot(label + "/prior")
				if err := db.InsertBlock(k.Public, *tc.Prior, &r); err != nil {
					panic(err)
				}
			}
			if tc.PriorSame {
				si, err := chain.BeaconBlock(block)
				if err != nil {
					panic(err)
				}
				if err := spec.UpdateBlockSlashingDB(db, block, si.SigningRoot, k.Public); err != nil {
					panic(err)
				}
			}
			obj := blockObject(block)
			inputs := []any{"randao_reveal", Hex(in[:])}
			fee := feeAddress(tc.Fee, block, label)
			refs := blockRefs
			if fee != nil {
				inputs = append(inputs, "fee_recipient", Hex(fee[:]))
				refs = append(slices.Clone(blockRefs), "SPEC.md deviation 15 (fee recipient)")
			}
			w.addValidity(validityCase{preset: "mainnet", handler: "block", suite: suiteOf(tc.Want), name: tc.Name, chain: chain, db: db,
				duty: duty, value: obj, valueNode: jsonNode(obj), valueType: "BeaconBlock", valueFork: shape,
				inputs: inputs,
				check:  func() error { return consensus.IsValidBlock(db, chain, block, duty, in, fee) },
				want:   tc.Want, wantSlashing: tc.WantSlashing, description: tc.Desc + fmt.Sprintf(" (%s, every fork up to %s active from genesis)", fork, fork),
				refs: refs, keys: interopKeysNode(v)})
		}
	}
	// The Electra boundary on mainnet.
	main := mainnetChain()
	electraSlot := phase0.Slot(uint64(forkStart(main, eth2spec.DataVersionElectra)) * 32)
	for _, b := range []struct {
		name  string
		slot  phase0.Slot
		shape eth2spec.DataVersion
		want  string
	}{
		{"first_electra_slot_electra_block", electraSlot, eth2spec.DataVersionElectra, ""},
		{"first_electra_slot_deneb_block", electraSlot, eth2spec.DataVersionDeneb, "wrong_fork"},
		{"last_deneb_slot_deneb_block", electraSlot - 1, eth2spec.DataVersionDeneb, ""},
		{"last_deneb_slot_electra_block", electraSlot - 1, eth2spec.DataVersionElectra, "wrong_fork"},
	} {
		duty := &spec.ProposerDuty{Pubkey: k.Public, ValidatorIndex: v, Slot: b.slot}
		block := buildBlock(main, b.shape, b.slot, v, "validity/mainnet/boundary/"+b.name)
		reveal, err := block.RandaoReveal()
		if err != nil {
			panic(err)
		}
		db := slashing.New(mainnetGenesisValidatorsRoot)
		obj := blockObject(block)
		w.addValidity(validityCase{preset: "mainnet", handler: "block", suite: "fork_boundary", name: b.name, chain: main, db: db,
			duty: duty, value: obj, valueNode: jsonNode(obj), valueType: "BeaconBlock", valueFork: b.shape,
			inputs: []any{"randao_reveal", Hex(reveal[:])},
			check:  func() error { return consensus.IsValidBlock(db, main, block, duty, reveal, nil) },
			want:   b.want, description: fmt.Sprintf("a %s-shaped block at slot %d on the mainnet fork schedule", b.shape, b.slot),
			refs: blockRefs, keys: interopKeysNode(v)})
	}
}

var syncRefs = []string{"SPEC.md section 6", "c00dc1e consensus.py consensus_is_valid_sync_committee_contribution (empty in the source)", "SPEC.md deviation 8"}

func genValiditySync(w *Writer) {
	const v = 99
	k := interop(v)
	for _, preset := range []string{"mainnet", "minimal"} {
		p, err := spec.BuiltinConfig(preset)
		if err != nil {
			panic(err)
		}
		subSize := p.SyncCommitteeSize / p.SyncCommitteeSubnetCount
		positions := validitycases.SyncPositions(p, preset == "minimal")
		duty := &spec.SyncCommitteeDuty{Pubkey: k.Public, ValidatorIndex: v, ValidatorSyncCommitteeIndices: positions}
		for _, fork := range forkNames {
			chain := fromGenesisChain(preset, fork)
			slot := validitycases.SyncSlot(chain.SlotsPerEpoch)
			signChain := chain
			if fork == eth2spec.DataVersionPhase0 {
				signChain = fromGenesisChain(preset, eth2spec.DataVersionAltair)
			}
			cases := validitycases.Syncs(fork, p, preset == "minimal", chain.SlotsPerEpoch)
			for _, tc := range cases {
				cs := slot
				if tc.Slot != 0 {
					cs = tc.Slot
				}
				label := fmt.Sprintf("validity/%s/%s/sync/%s", preset, fork, tc.Name)
				root := deriveRoot(label + "/head")
				if tc.ZeroRoot {
					root = phase0.Root{}
				}
				msg, err := signChain.SyncCommitteeMessage(cs, root)
				bits := make([]byte, subSize/8)
				bits[0] = 0x01
				contribution := &altair.SyncCommitteeContribution{Slot: cs, BeaconBlockRoot: root, SubcommitteeIndex: tc.Sub,
					AggregationBits: bits, Signature: signRoot(k, msg, err)}
				var value sszObject = contribution
				if preset == "minimal" {
					value = presetSSZ{contribution, minimalSSZ}
				}
				w.addValidity(validityCase{preset: preset, handler: "sync_committee_contribution", suite: suiteOf(tc.Want), name: tc.Name, chain: chain,
					duty: duty, value: value, valueNode: jsonNode(contribution), valueType: "SyncCommitteeContribution", valueFork: fork,
					inputs: []any{"slot", uint64(slot)},
					check:  func() error { return consensus.IsValidSyncCommitteeContribution(chain, contribution, duty, slot) },
					want:   tc.Want, description: tc.Desc + fmt.Sprintf(" (%s preset: SYNC_COMMITTEE_SIZE %d, %d subnets; every fork up to %s active from genesis). The contribution has one participant, the validator, whose real sync committee signature it carries.", preset, p.SyncCommitteeSize, p.SyncCommitteeSubnetCount, fork),
					refs: syncRefs, keys: interopKeysNode(v)})
			}
		}
	}
}
