package dvccases

import (
	"fmt"

	bitfield "github.com/OffchainLabs/go-bitfield"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/capella"
	"github.com/attestantio/go-eth2-client/spec/deneb"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"
	"github.com/holiman/uint256"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

// The distributed validator of the dvc vectors: registry index 42, interop
// key 42, split M-of-N with the standard cluster seed.
const dvcValidator = 42

// dvf is the fixture of a dvc case (spec/dvc's test cluster, on mainnet):
// validator 42 split M-of-N, a mainnet chain with every fork up to fork
// active from genesis, the cluster root of the cluster's definition.
type dvf struct {
	N, M        int
	Fork        eth2spec.DataVersion
	Chain       signing.Chain
	Preset      spec.ChainConfig
	Keys        *Keys
	Mode        dvc.Mode
	ClusterRoot phase0.Root
	env         *Env
}

// sl maps a slot of spec/dvc's tests (minimal preset, 8 slots per epoch)
// to the mainnet slot in the same position of the same epoch: times 4.
func sl(x uint64) phase0.Slot { return phase0.Slot(4 * x) }

func (f *dvf) vi() phase0.ValidatorIndex { return phase0.ValidatorIndex(dvcValidator) }
func (f *dvf) PK() phase0.BLSPubKey      { return f.Keys.Validator.Public }

func (f *dvf) Peers() []uint64 {
	out := make([]uint64, f.N)
	for j := range out {
		out[j] = uint64(j + 1)
	}
	return out
}

func (f *dvf) Config(i int) *dvc.Config {
	pubs := map[uint64]phase0.BLSPubKey{}
	for _, p := range f.Keys.Public {
		pubs[p.Index] = p.PublicKey
	}
	return &dvc.Config{Chain: f.Chain, Validator: spec.ValidatorIdentity{Pubkey: f.PK(), Index: f.vi()},
		ShareIndex: uint64(i), Peers: f.Peers(), PublicShares: pubs, Threshold: f.M, Cluster: f.ClusterRoot, Mode: f.Mode}
}

func (f *dvf) Oracles(i int) dvc.Oracles {
	if f.Mode == dvc.ModeVCMiddleware {
		return dvc.Oracles{}
	}
	return dvc.Oracles{Signer: dvc.KeyShareSigner{Share: f.Keys.Shares[i-1]}}
}

func (f *dvf) ID(d consensus.DutyType, slot phase0.Slot) consensus.InstanceID {
	return consensus.InstanceID{Cluster: f.ClusterRoot, Validator: f.PK(), DutyType: uint64(d), Slot: slot}
}

func (f *dvf) electra() bool { return f.Fork >= eth2spec.DataVersionElectra }

func (f *dvf) epoch(slot phase0.Slot) phase0.Epoch { return phase0.Epoch(uint64(slot) / 32) }

// attDuty is the validator's attester duty: committee 1 of 2, 8 members,
// the validator at position 5 (so the Dafny bits, from validator index 42,
// and the Ethereum bits differ).
func (f *dvf) AttDuty(slot phase0.Slot) *spec.AttestationDuty {
	return &spec.AttestationDuty{Pubkey: f.PK(), ValidatorIndex: f.vi(), CommitteeIndex: 1, CommitteeLength: 8, CommitteesAtSlot: 2,
		ValidatorCommitteeIndex: 5, Slot: slot}
}

func (f *dvf) AttData(slot phase0.Slot, tag byte) *phase0.AttestationData {
	t := f.epoch(slot)
	return f.attDataEpochs(slot, t-1, t, tag)
}

func (f *dvf) attDataEpochs(slot phase0.Slot, source, target phase0.Epoch, tag byte) *phase0.AttestationData {
	index := phase0.CommitteeIndex(1)
	if f.electra() {
		index = 0
	}
	return &phase0.AttestationData{Slot: slot, Index: index, BeaconBlockRoot: deriveRoot(fmt.Sprintf("dvc/head/%d/%d", slot, tag)),
		Source: &phase0.Checkpoint{Epoch: source, Root: deriveRoot(fmt.Sprintf("dvc/checkpoint/%d", source))},
		Target: &phase0.Checkpoint{Epoch: target, Root: deriveRoot(fmt.Sprintf("dvc/checkpoint/%d/%d", target, tag))}}
}

func (f *dvf) AttInput(d *phase0.AttestationData) signing.SigningInput {
	return mustIn(f.Chain.AttestationData(d))
}

func (f *dvf) signShare(i int, root phase0.Root) phase0.BLSSignature {
	return f.sign(f.Keys.Shares[i-1].SecretKey, root[:])
}

func (f *dvf) SignValidator(root phase0.Root) phase0.BLSSignature {
	return f.sign(f.Keys.Validator.Secret, root[:])
}

// ethBits is the Ethereum aggregation bits of attDuty: 8 bits, bit 5 set.
func ethBits() bitfield.Bitlist { return bitfield.Bitlist{0x20, 0x01} }

func (f *dvf) AttShare(i int, d *phase0.AttestationData) *networking.AttestationShare {
	return &networking.AttestationShare{Data: d, AggregationBits: ethBits(), CommitteeIndex: 1, ValidatorIndex: f.vi(),
		Signature: f.signShare(i, f.AttInput(d).SigningRoot), ShareIndex: uint64(i)}
}

func (f *dvf) Decided(d *phase0.AttestationData) dvc.AttestationConsensusDecided {
	return dvc.AttestationConsensusDecided{ID: f.ID(consensus.DutyAttester, d.Slot), Data: d}
}

// revealOf is validator v's RANDAO reveal for the epoch of slot.
func (f *dvf) revealOf(v uint64, slot phase0.Slot) phase0.BLSSignature {
	in := mustIn(f.Chain.RandaoReveal(f.epoch(slot)))
	return f.sign(f.env.interop(v).Secret, in.SigningRoot[:])
}

// block is a small block of the fixture's fork (Deneb or Electra shape)
// at slot by proposer with the given reveal, graffiti tag and
// attestations; its sync aggregate is empty (infinity signature).
func (f *dvf) block(slot phase0.Slot, proposer phase0.ValidatorIndex, reveal phase0.BLSSignature, tag byte, atts ...any) *eth2spec.VersionedBeaconBlock {
	eth1 := &phase0.ETH1Data{DepositRoot: deriveRoot("dvc/eth1/deposit_root"), DepositCount: 1000, BlockHash: bytesOf("dvc/eth1/block_hash", 32)}
	sa := &altair.SyncAggregate{SyncCommitteeBits: bitfield.NewBitvector512(), SyncCommitteeSignature: infinitySignature}
	graffiti := [32]byte{tag}
	payload := &deneb.ExecutionPayload{ParentHash: phase0.Hash32(deriveRoot("dvc/el/parent")), FeeRecipient: address("dvc/el/fee"),
		StateRoot: deriveRoot(fmt.Sprintf("dvc/el/state/%d", slot)), ReceiptsRoot: deriveRoot("dvc/el/receipts"), PrevRandao: [32]byte(deriveRoot("dvc/el/prev_randao")),
		BlockNumber: 20000000 + uint64(slot), GasLimit: 36000000, Timestamp: 1606824023 + 12*uint64(slot), ExtraData: []byte{},
		BaseFeePerGas: uint256.NewInt(7), BlockHash: phase0.Hash32(deriveRoot(fmt.Sprintf("dvc/el/block/%d/%d", slot, tag))),
		Transactions: []bellatrix.Transaction{}, Withdrawals: []*capella.Withdrawal{}}
	parent, state := deriveRoot("dvc/parent"), deriveRoot(fmt.Sprintf("dvc/state/%d", slot))
	if f.electra() {
		list := []*electra.Attestation{}
		for _, a := range atts {
			list = append(list, a.(*electra.Attestation))
		}
		b := &electra.BeaconBlock{
			Slot: slot, ProposerIndex: proposer, ParentRoot: parent, StateRoot: state,
			Body: &electra.BeaconBlockBody{RANDAOReveal: reveal, ETH1Data: eth1, Graffiti: graffiti, ProposerSlashings: []*phase0.ProposerSlashing{},
				AttesterSlashings: []*electra.AttesterSlashing{}, Attestations: list, Deposits: []*phase0.Deposit{}, VoluntaryExits: []*phase0.SignedVoluntaryExit{},
				SyncAggregate: sa, ExecutionPayload: payload, BLSToExecutionChanges: []*capella.SignedBLSToExecutionChange{}, BlobKZGCommitments: []deneb.KZGCommitment{},
				ExecutionRequests: &electra.ExecutionRequests{Deposits: []*electra.DepositRequest{}, Withdrawals: []*electra.WithdrawalRequest{}, Consolidations: []*electra.ConsolidationRequest{}}}}
		if f.Fork == eth2spec.DataVersionFulu {
			return &eth2spec.VersionedBeaconBlock{Version: f.Fork, Fulu: b}
		}
		return &eth2spec.VersionedBeaconBlock{Version: f.Fork, Electra: b}
	}
	if f.Fork != eth2spec.DataVersionDeneb {
		panic(fmt.Sprintf("dvc fixture blocks are deneb, electra or fulu shaped, not %s", f.Fork))
	}
	list := []*phase0.Attestation{}
	for _, a := range atts {
		list = append(list, a.(*phase0.Attestation))
	}
	return &eth2spec.VersionedBeaconBlock{Version: f.Fork, Deneb: &deneb.BeaconBlock{
		Slot: slot, ProposerIndex: proposer, ParentRoot: parent, StateRoot: state,
		Body: &deneb.BeaconBlockBody{RANDAOReveal: reveal, ETH1Data: eth1, Graffiti: graffiti, ProposerSlashings: []*phase0.ProposerSlashing{},
			AttesterSlashings: []*phase0.AttesterSlashing{}, Attestations: list, Deposits: []*phase0.Deposit{}, VoluntaryExits: []*phase0.SignedVoluntaryExit{},
			SyncAggregate: sa, ExecutionPayload: payload, BLSToExecutionChanges: []*capella.SignedBLSToExecutionChange{}, BlobKZGCommitments: []deneb.KZGCommitment{}}}}
}

// committee is the committee (slot, index) of the test chain: validators
// 100+10*index .. +7, with the validator at position 5 of committee 1.
func committee(slot phase0.Slot, index phase0.CommitteeIndex) *dvc.BeaconCommittee {
	vs := make([]phase0.ValidatorIndex, 8)
	for i := range vs {
		vs[i] = phase0.ValidatorIndex(100 + 10*uint64(index) + uint64(i))
	}
	if index == 1 {
		vs[5] = dvcValidator
	}
	return &dvc.BeaconCommittee{Slot: slot, Index: index, Validators: vs}
}

// aggregateSig is the aggregate signature of the given validators' interop
// keys over root (a real aggregate, verified under the aggregate key).
func (f *dvf) aggregateSig(root phase0.Root, validators ...uint64) phase0.BLSSignature {
	var sigs []bls.Signature
	var pks []bls.PublicKey
	for _, v := range validators {
		k := f.env.interop(v)
		sigs = append(sigs, f.sign(k.Secret, root[:]))
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
	return f.env.verified(apk, root[:], agg)
}

// onChainAtt is an aggregate including another member's vote on data and,
// withMine, the validator's (Deneb: committee 1, bits 0 and 5; Electra:
// committees 0 and 1, bits 0 and 8+5), with its real aggregate signature.
func (f *dvf) onChainAtt(d *phase0.AttestationData, withMine bool) any {
	root := f.AttInput(d).SigningRoot
	if f.electra() {
		eb := bitfield.NewBitlist(16)
		eb.SetBitAt(0, true)
		signers := []uint64{100}
		if withMine {
			eb.SetBitAt(13, true)
			signers = append(signers, dvcValidator)
		}
		return electraAtt(d, eb, f.aggregateSig(root, signers...), 0, 1)
	}
	bits := bitfield.NewBitlist(8)
	bits.SetBitAt(0, true)
	signers := []uint64{110}
	if withMine {
		bits.SetBitAt(5, true)
		signers = append(signers, dvcValidator)
	}
	return &phase0.Attestation{AggregationBits: bits, Data: d, Signature: f.aggregateSig(root, signers...)}
}

func electraAtt(d *phase0.AttestationData, bits bitfield.Bitlist, sig phase0.BLSSignature, committees ...int) *electra.Attestation {
	cb := bitfield.NewBitvector64()
	for _, c := range committees {
		cb.SetBitAt(uint64(c), true)
	}
	return &electra.Attestation{AggregationBits: bits, Data: d, CommitteeBits: cb, Signature: sig}
}

// imported is an ImportedNewBlock of a block by validator 7 carrying the
// given attestations, with the committees they need.
func (f *dvf) Imported(slot phase0.Slot, atts ...*phase0.AttestationData) dvc.ImportedNewBlock {
	var list []any
	var committees []*dvc.BeaconCommittee
	for _, d := range atts {
		list = append(list, f.onChainAtt(d, true))
		committees = append(committees, committee(d.Slot, 0), committee(d.Slot, 1))
	}
	vi := f.vi()
	return dvc.ImportedNewBlock{Block: f.block(slot, 7, f.revealOf(7, slot), 0, list...), ValidatorIndex: &vi, Committees: committees}
}

func (f *dvf) PropDuty(slot phase0.Slot) *spec.ProposerDuty {
	return &spec.ProposerDuty{Pubkey: f.PK(), ValidatorIndex: f.vi(), Slot: slot}
}

func (f *dvf) RandaoInput(slot phase0.Slot) signing.SigningInput {
	return mustIn(f.Chain.RandaoReveal(f.epoch(slot)))
}

func (f *dvf) RandaoShare(i int, slot phase0.Slot) *networking.RandaoShare {
	return &networking.RandaoShare{Slot: slot, ValidatorIndex: f.vi(), Signature: f.signShare(i, f.RandaoInput(slot).SigningRoot), ShareIndex: uint64(i)}
}

func (f *dvf) Reveal(slot phase0.Slot) phase0.BLSSignature { return f.revealOf(dvcValidator, slot) }

func (f *dvf) BlockInput(b *eth2spec.VersionedBeaconBlock) signing.SigningInput {
	return mustIn(f.Chain.BeaconBlock(b))
}

func (f *dvf) Versioned(b *eth2spec.VersionedBeaconBlock) *networking.VersionedBlock {
	v, err := networking.NewVersionedBlock(f.Chain, b)
	if err != nil {
		panic(err)
	}
	return v
}

func (f *dvf) BlockShare(i int, b *eth2spec.VersionedBeaconBlock) *networking.BlockShare {
	return &networking.BlockShare{Block: f.Versioned(b), Signature: f.signShare(i, f.BlockInput(b).SigningRoot), ShareIndex: uint64(i)}
}

func (f *dvf) DVBlock(slot phase0.Slot, tag byte) *eth2spec.VersionedBeaconBlock {
	return f.block(slot, f.vi(), f.Reveal(slot), tag)
}

func (f *dvf) ImportedDV(b *eth2spec.VersionedBeaconBlock) dvc.ImportedNewBlock {
	vi := f.vi()
	return dvc.ImportedNewBlock{Block: b, ValidatorIndex: &vi}
}

func (f *dvf) BlockDecided(b *eth2spec.VersionedBeaconBlock) dvc.BlockConsensusDecided {
	slot, _ := b.Slot()
	return dvc.BlockConsensusDecided{ID: f.ID(consensus.DutyProposer, slot), Block: b}
}

// proposerReady serves the proposer duty at slot and delivers the RANDAO
// shares of nodes 1..M, so the block instance runs.
func (f *dvf) ProposerReady(slot phase0.Slot) []dvc.Event {
	evs := []dvc.Event{dvc.ServeProposerDuty{Duty: f.PropDuty(slot)}}
	for i := 1; i <= f.M; i++ {
		evs = append(evs, dvc.ReceivedRandaoShare{Share: f.RandaoShare(i, slot)})
	}
	return evs
}

// syncDuty: sync committee positions 3 and 300, subcommittees 0 and 2 on
// mainnet (128 members per subcommittee).
func (f *dvf) SyncDuty() *spec.SyncCommitteeDuty {
	return &spec.SyncCommitteeDuty{Pubkey: f.PK(), ValidatorIndex: f.vi(), ValidatorSyncCommitteeIndices: []uint64{3, 300}}
}

func (f *dvf) ServeSync(slot phase0.Slot) dvc.ServeSyncCommitteeDuty {
	return dvc.ServeSyncCommitteeDuty{Duty: f.SyncDuty(), Slot: slot, SubcommitteeIndex: 0}
}

// contribution is a contribution of subcommittee 0 without participants
// (infinity signature) on a block root tagged tag.
func (f *dvf) Contribution(slot phase0.Slot, tag byte) *altair.SyncCommitteeContribution {
	return &altair.SyncCommitteeContribution{Slot: slot, BeaconBlockRoot: deriveRoot(fmt.Sprintf("dvc/sync_head/%d/%d", slot, tag)), SubcommitteeIndex: 0,
		AggregationBits: bitfield.NewBitvector128(), Signature: infinitySignature}
}

func (f *dvf) SyncInput(slot phase0.Slot, root phase0.Root) signing.SigningInput {
	return mustIn(f.Chain.SyncCommitteeMessage(slot, root))
}

func (f *dvf) SyncShare(i int, c *altair.SyncCommitteeContribution) *networking.SyncCommitteeMessageShare {
	return &networking.SyncCommitteeMessageShare{Slot: c.Slot, BeaconBlockRoot: c.BeaconBlockRoot, ValidatorIndex: f.vi(),
		Signature: f.signShare(i, f.SyncInput(c.Slot, c.BeaconBlockRoot).SigningRoot), ShareIndex: uint64(i)}
}

func (f *dvf) SyncDecided(c *altair.SyncCommitteeContribution) dvc.SyncCommitteeConsensusDecided {
	return dvc.SyncCommitteeConsensusDecided{ID: f.ID(consensus.DutySyncCommittee, c.Slot), Contribution: c}
}

func (f *dvf) dbWithAttestations(records ...[3]uint64) *slashing.SlashingDB {
	db := slashing.New(f.Chain.GenesisValidatorsRoot)
	for _, r := range records {
		root := deriveRoot(fmt.Sprintf("dvc/db/attestation/%d", r[2]))
		if err := db.InsertAttestation(f.PK(), phase0.Epoch(r[0]), phase0.Epoch(r[1]), &root); err != nil {
			panic(err)
		}
	}
	return db
}

func (f *dvf) dbWithBlocks(slots ...phase0.Slot) *slashing.SlashingDB {
	db := slashing.New(f.Chain.GenesisValidatorsRoot)
	for _, s := range slots {
		root := deriveRoot(fmt.Sprintf("dvc/db/block/%d", s))
		if err := db.InsertBlock(f.PK(), s, &root); err != nil {
			panic(err)
		}
	}
	return db
}

// vcCapture is the validator client's submission for a cached value (or a
// served proposer duty), signed with node i's key share: what a VC sends
// the middleware in the c00dc1e architecture.
func (f *dvf) vcCapture(i int, o dvc.Output) dvc.Event {
	switch o := o.(type) {
	case dvc.CacheAttestationDataForVC:
		sig := f.signShare(i, f.AttInput(o.Data).SigningRoot)
		fork := forkAt(f.Chain, o.Data.Slot)
		if fork >= eth2spec.DataVersionElectra {
			return dvc.CapturedAttestation{Attestation: &networking.SignedAttestation{Version: fork, Electra: &electra.SingleAttestation{
				CommitteeIndex: o.Duty.CommitteeIndex, AttesterIndex: o.Duty.ValidatorIndex, Data: o.Data, Signature: sig}}}
		}
		bits, err := dvc.AggregationBits(o.Duty)
		if err != nil {
			panic(err)
		}
		return dvc.CapturedAttestation{Attestation: &networking.SignedAttestation{Version: fork, Phase0: &phase0.Attestation{AggregationBits: bits, Data: o.Data, Signature: sig}}}
	case dvc.CacheBlockForVC:
		return dvc.CapturedBlock{Block: o.Block, Signature: f.signShare(i, f.BlockInput(o.Block).SigningRoot)}
	case dvc.CacheSyncCommitteeContributionForVC:
		c := o.Contribution
		return dvc.CapturedSyncCommitteeMessage{Message: &altair.SyncCommitteeMessage{Slot: c.Slot, BeaconBlockRoot: c.BeaconBlockRoot, ValidatorIndex: o.Duty.ValidatorIndex,
			Signature: f.signShare(i, f.SyncInput(c.Slot, c.BeaconBlockRoot).SigningRoot)}}
	}
	return nil
}

// vcCaptures returns the VC submissions that follow an event in the
// VC-middleware architecture: one per cached value, and the RANDAO reveal
// share when the event made a proposer duty current.
func (f *dvf) VCCaptures(i int, ev dvc.Event, out []dvc.Output, st *dvc.State) []dvc.Event {
	if f.Mode != dvc.ModeVCMiddleware {
		return nil
	}
	var evs []dvc.Event
	for _, o := range out {
		if c := f.vcCapture(i, o); c != nil {
			evs = append(evs, c)
		}
	}
	if sp, ok := ev.(dvc.ServeProposerDuty); ok && sp.Duty != nil {
		if cur := st.CurrentProposerDuty(); cur != nil && cur.Slot == sp.Duty.Slot {
			evs = append(evs, dvc.CapturedRandaoReveal{Slot: cur.Slot, RandaoReveal: f.signShare(i, f.RandaoInput(cur.Slot).SigningRoot)})
		}
	}
	return evs
}
