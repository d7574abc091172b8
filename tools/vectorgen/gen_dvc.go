package main

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"slices"
	"strings"

	bitfield "github.com/OffchainLabs/go-bitfield"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/capella"
	"github.com/attestantio/go-eth2-client/spec/deneb"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"
	"github.com/holiman/uint256"
	"gopkg.in/yaml.v3"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/consensus/qbft"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	speccluster "github.com/dvspec/go-dvspec/spec/cluster"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/names"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/slashing"
	"github.com/dvspec/go-dvspec/spectests"
)

func init() {
	register(generator{
		Runner:   "dvc",
		Summary:  "the co-validator state machine (SPEC.md section 7): pre-state, events, outputs per event (or named error), validity-predicate checks, state root after every step, post-state; attester, proposer and sync committee flows in the remote-signer and VC-middleware architectures; every scenario of spec/dvc's table tests",
		Generate: genDVC,
	})
}

// The distributed validator of the dvc vectors: registry index 42, interop
// key 42, split M-of-N with the standard cluster seed.
const dvcValidator = 42

// dvf is the fixture of a dvc case (spec/dvc's test cluster, on mainnet):
// validator 42 split M-of-N, a mainnet chain with every fork up to fork
// active from genesis, the cluster root of the cluster's definition.
type dvf struct {
	n, m        int
	fork        eth2spec.DataVersion
	chain       signing.Chain
	preset      spec.ChainConfig
	cl          *cluster
	mode        dvc.Mode
	def         *speccluster.Definition
	clusterRoot phase0.Root
}

// sl maps a slot of spec/dvc's tests (minimal preset, 8 slots per epoch)
// to the mainnet slot in the same position of the same epoch: times 4.
func sl(x uint64) phase0.Slot { return phase0.Slot(4 * x) }

var dvfCache = map[string]*dvf{}

func newDVF(n int, fork eth2spec.DataVersion, mode dvc.Mode) *dvf {
	key := fmt.Sprintf("%d/%s/%d", n, fork, mode)
	if f, ok := dvfCache[key]; ok {
		return f
	}
	f := &dvf{n: n, m: spec.Threshold(n), fork: fork, chain: fromGenesisChain("mainnet", fork), preset: spec.MainnetConfig(),
		cl: newCluster(dvcValidator, n), mode: mode}
	f.def = dvcClusterDefinition(f.cl, f.chain)
	root, err := f.def.ID()
	if err != nil {
		panic(err)
	}
	f.clusterRoot = root
	dvfCache[key] = f
	return f
}

// dvcFeeRecipient is the fee recipient of the dvc fixtures' validator in
// their cluster definition.
var dvcFeeRecipient = bellatrix.ExecutionAddress{0xfe, 0xe0, 0xfe, 0xe0}

// dvcClusterDefinition is the cluster definition of a dvc fixture: its
// hash tree root is the cluster root of every instance id.
func dvcClusterDefinition(cl *cluster, chain signing.Chain) *speccluster.Definition {
	def := &speccluster.Definition{Version: speccluster.Version, Name: []byte(fmt.Sprintf("dvspec vectors %d-of-%d", cl.M, cl.N)),
		Threshold: uint64(cl.M), Network: speccluster.NetworkFromSchedule("dvspec-test", chain.GenesisValidatorsRoot, chain.SlotsPerEpoch, chain.Forks)}
	for i := 1; i <= cl.N; i++ {
		def.Operators = append(def.Operators, speccluster.NewOperator(uint64(i),
			[32]byte(qbft.TestKey(uint64(i)).Public().(ed25519.PublicKey)),
			fmt.Sprintf("/dns4/node%d.dvspec.test/tcp/9000", i)))
	}
	v := &speccluster.Validator{PublicKey: cl.Validator.Public, ValidatorIndex: []uint64{cl.Validator.Index}, FeeRecipient: dvcFeeRecipient}
	for _, p := range cl.Public {
		v.PublicShares = append(v.PublicShares, p.PublicKey)
	}
	def.Validators = []*speccluster.Validator{v}
	if err := def.Validate(); err != nil {
		panic(err)
	}
	return def
}

func (f *dvf) vi() phase0.ValidatorIndex { return phase0.ValidatorIndex(dvcValidator) }
func (f *dvf) pk() phase0.BLSPubKey      { return f.cl.Validator.Public }

func (f *dvf) peers() []uint64 {
	out := make([]uint64, f.n)
	for j := range out {
		out[j] = uint64(j + 1)
	}
	return out
}

func (f *dvf) cfg(i int) *dvc.Config {
	pubs := map[uint64]phase0.BLSPubKey{}
	for _, p := range f.cl.Public {
		pubs[p.Index] = p.PublicKey
	}
	return &dvc.Config{Chain: f.chain, Validator: spec.ValidatorIdentity{Pubkey: f.pk(), Index: f.vi()},
		ShareIndex: uint64(i), Peers: f.peers(), PublicShares: pubs, Threshold: f.m, Cluster: f.clusterRoot, Mode: f.mode}
}

func (f *dvf) oracles(i int) dvc.Oracles {
	if f.mode == dvc.ModeVCMiddleware {
		return dvc.Oracles{}
	}
	return dvc.Oracles{Signer: dvc.KeyShareSigner{Share: f.cl.Shares[i-1]}}
}

func (f *dvf) id(d consensus.DutyType, slot phase0.Slot) consensus.InstanceID {
	return consensus.InstanceID{Cluster: f.clusterRoot, Validator: f.pk(), DutyType: uint64(d), Slot: slot}
}

func (f *dvf) electra() bool { return f.fork >= eth2spec.DataVersionElectra }

func (f *dvf) epoch(slot phase0.Slot) phase0.Epoch { return phase0.Epoch(uint64(slot) / 32) }

// attDuty is the validator's attester duty: committee 1 of 2, 8 members,
// the validator at position 5 (so the Dafny bits, from validator index 42,
// and the Ethereum bits differ).
func (f *dvf) attDuty(slot phase0.Slot) *spec.AttestationDuty {
	return &spec.AttestationDuty{Pubkey: f.pk(), ValidatorIndex: f.vi(), CommitteeIndex: 1, CommitteeLength: 8, CommitteesAtSlot: 2,
		ValidatorCommitteeIndex: 5, Slot: slot}
}

func (f *dvf) attData(slot phase0.Slot, tag byte) *phase0.AttestationData {
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

func (f *dvf) attInput(d *phase0.AttestationData) signing.SigningInput {
	return mustIn(f.chain.AttestationData(d))
}

func (f *dvf) signShare(i int, root phase0.Root) phase0.BLSSignature {
	return sign(f.cl.Shares[i-1].SecretKey, root[:])
}

func (f *dvf) signValidator(root phase0.Root) phase0.BLSSignature {
	return sign(f.cl.Validator.Secret, root[:])
}

// ethBits is the Ethereum aggregation bits of attDuty: 8 bits, bit 5 set.
func ethBits() bitfield.Bitlist { return bitfield.Bitlist{0x20, 0x01} }

func (f *dvf) attShare(i int, d *phase0.AttestationData) *networking.AttestationShare {
	return &networking.AttestationShare{Data: d, AggregationBits: ethBits(), CommitteeIndex: 1, ValidatorIndex: f.vi(),
		Signature: f.signShare(i, f.attInput(d).SigningRoot), ShareIndex: uint64(i)}
}

func (f *dvf) decided(d *phase0.AttestationData) dvc.AttestationConsensusDecided {
	return dvc.AttestationConsensusDecided{ID: f.id(consensus.DutyAttester, d.Slot), Data: d}
}

// revealOf is validator v's RANDAO reveal for the epoch of slot.
func (f *dvf) revealOf(v uint64, slot phase0.Slot) phase0.BLSSignature {
	in := mustIn(f.chain.RandaoReveal(f.epoch(slot)))
	return sign(interop(v).Secret, in.SigningRoot[:])
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
		if f.fork == eth2spec.DataVersionFulu {
			return &eth2spec.VersionedBeaconBlock{Version: f.fork, Fulu: b}
		}
		return &eth2spec.VersionedBeaconBlock{Version: f.fork, Electra: b}
	}
	if f.fork != eth2spec.DataVersionDeneb {
		panic(fmt.Sprintf("dvc fixture blocks are deneb, electra or fulu shaped, not %s", f.fork))
	}
	list := []*phase0.Attestation{}
	for _, a := range atts {
		list = append(list, a.(*phase0.Attestation))
	}
	return &eth2spec.VersionedBeaconBlock{Version: f.fork, Deneb: &deneb.BeaconBlock{
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
func aggregateSig(root phase0.Root, validators ...uint64) phase0.BLSSignature {
	var sigs []bls.Signature
	var pks []bls.PublicKey
	for _, v := range validators {
		k := interop(v)
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

// onChainAtt is an aggregate including another member's vote on data and,
// withMine, the validator's (Deneb: committee 1, bits 0 and 5; Electra:
// committees 0 and 1, bits 0 and 8+5), with its real aggregate signature.
func (f *dvf) onChainAtt(d *phase0.AttestationData, withMine bool) any {
	root := f.attInput(d).SigningRoot
	if f.electra() {
		eb := bitfield.NewBitlist(16)
		eb.SetBitAt(0, true)
		signers := []uint64{100}
		if withMine {
			eb.SetBitAt(13, true)
			signers = append(signers, dvcValidator)
		}
		return electraAtt(d, eb, aggregateSig(root, signers...), 0, 1)
	}
	bits := bitfield.NewBitlist(8)
	bits.SetBitAt(0, true)
	signers := []uint64{110}
	if withMine {
		bits.SetBitAt(5, true)
		signers = append(signers, dvcValidator)
	}
	return &phase0.Attestation{AggregationBits: bits, Data: d, Signature: aggregateSig(root, signers...)}
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
func (f *dvf) imported(slot phase0.Slot, atts ...*phase0.AttestationData) dvc.ImportedNewBlock {
	var list []any
	var committees []*dvc.BeaconCommittee
	for _, d := range atts {
		list = append(list, f.onChainAtt(d, true))
		committees = append(committees, committee(d.Slot, 0), committee(d.Slot, 1))
	}
	vi := f.vi()
	return dvc.ImportedNewBlock{Block: f.block(slot, 7, f.revealOf(7, slot), 0, list...), ValidatorIndex: &vi, Committees: committees}
}

func (f *dvf) propDuty(slot phase0.Slot) *spec.ProposerDuty {
	return &spec.ProposerDuty{Pubkey: f.pk(), ValidatorIndex: f.vi(), Slot: slot}
}

func (f *dvf) randaoInput(slot phase0.Slot) signing.SigningInput {
	return mustIn(f.chain.RandaoReveal(f.epoch(slot)))
}

func (f *dvf) randaoShare(i int, slot phase0.Slot) *networking.RandaoShare {
	return &networking.RandaoShare{Slot: slot, ValidatorIndex: f.vi(), Signature: f.signShare(i, f.randaoInput(slot).SigningRoot), ShareIndex: uint64(i)}
}

func (f *dvf) reveal(slot phase0.Slot) phase0.BLSSignature { return f.revealOf(dvcValidator, slot) }

func (f *dvf) blockInput(b *eth2spec.VersionedBeaconBlock) signing.SigningInput {
	return mustIn(f.chain.BeaconBlock(b))
}

func (f *dvf) versioned(b *eth2spec.VersionedBeaconBlock) *networking.VersionedBlock {
	v, err := networking.NewVersionedBlock(f.chain, b)
	if err != nil {
		panic(err)
	}
	return v
}

func (f *dvf) blockShare(i int, b *eth2spec.VersionedBeaconBlock) *networking.BlockShare {
	return &networking.BlockShare{Block: f.versioned(b), Signature: f.signShare(i, f.blockInput(b).SigningRoot), ShareIndex: uint64(i)}
}

func (f *dvf) dvBlock(slot phase0.Slot, tag byte) *eth2spec.VersionedBeaconBlock {
	return f.block(slot, f.vi(), f.reveal(slot), tag)
}

func (f *dvf) importedDV(b *eth2spec.VersionedBeaconBlock) dvc.ImportedNewBlock {
	vi := f.vi()
	return dvc.ImportedNewBlock{Block: b, ValidatorIndex: &vi}
}

func (f *dvf) blockDecided(b *eth2spec.VersionedBeaconBlock) dvc.BlockConsensusDecided {
	slot, _ := b.Slot()
	return dvc.BlockConsensusDecided{ID: f.id(consensus.DutyProposer, slot), Block: b}
}

// proposerReady serves the proposer duty at slot and delivers the RANDAO
// shares of nodes 1..M, so the block instance runs.
func (f *dvf) proposerReady(slot phase0.Slot) []dvc.Event {
	evs := []dvc.Event{dvc.ServeProposerDuty{Duty: f.propDuty(slot)}}
	for i := 1; i <= f.m; i++ {
		evs = append(evs, dvc.ReceivedRandaoShare{Share: f.randaoShare(i, slot)})
	}
	return evs
}

// syncDuty: sync committee positions 3 and 300, subcommittees 0 and 2 on
// mainnet (128 members per subcommittee).
func (f *dvf) syncDuty() *spec.SyncCommitteeDuty {
	return &spec.SyncCommitteeDuty{Pubkey: f.pk(), ValidatorIndex: f.vi(), ValidatorSyncCommitteeIndices: []uint64{3, 300}}
}

func (f *dvf) serveSync(slot phase0.Slot) dvc.ServeSyncCommitteeDuty {
	return dvc.ServeSyncCommitteeDuty{Duty: f.syncDuty(), Slot: slot, SubcommitteeIndex: 0}
}

// contribution is a contribution of subcommittee 0 without participants
// (infinity signature) on a block root tagged tag.
func (f *dvf) contribution(slot phase0.Slot, tag byte) *altair.SyncCommitteeContribution {
	return &altair.SyncCommitteeContribution{Slot: slot, BeaconBlockRoot: deriveRoot(fmt.Sprintf("dvc/sync_head/%d/%d", slot, tag)), SubcommitteeIndex: 0,
		AggregationBits: bitfield.NewBitvector128(), Signature: infinitySignature}
}

func (f *dvf) syncInput(slot phase0.Slot, root phase0.Root) signing.SigningInput {
	return mustIn(f.chain.SyncCommitteeMessage(slot, root))
}

func (f *dvf) syncShare(i int, c *altair.SyncCommitteeContribution) *networking.SyncCommitteeMessageShare {
	return &networking.SyncCommitteeMessageShare{Slot: c.Slot, BeaconBlockRoot: c.BeaconBlockRoot, ValidatorIndex: f.vi(),
		Signature: f.signShare(i, f.syncInput(c.Slot, c.BeaconBlockRoot).SigningRoot), ShareIndex: uint64(i)}
}

func (f *dvf) syncDecided(c *altair.SyncCommitteeContribution) dvc.SyncCommitteeConsensusDecided {
	return dvc.SyncCommitteeConsensusDecided{ID: f.id(consensus.DutySyncCommittee, c.Slot), Contribution: c}
}

func (f *dvf) dbWithAttestations(records ...[3]uint64) *slashing.SlashingDB {
	db := slashing.New(f.chain.GenesisValidatorsRoot)
	for _, r := range records {
		root := deriveRoot(fmt.Sprintf("dvc/db/attestation/%d", r[2]))
		if err := db.InsertAttestation(f.pk(), phase0.Epoch(r[0]), phase0.Epoch(r[1]), &root); err != nil {
			panic(err)
		}
	}
	return db
}

func (f *dvf) dbWithBlocks(slots ...phase0.Slot) *slashing.SlashingDB {
	db := slashing.New(f.chain.GenesisValidatorsRoot)
	for _, s := range slots {
		root := deriveRoot(fmt.Sprintf("dvc/db/block/%d", s))
		if err := db.InsertBlock(f.pk(), s, &root); err != nil {
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
		sig := f.signShare(i, f.attInput(o.Data).SigningRoot)
		fork := forkAt(f.chain, o.Data.Slot)
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
		return dvc.CapturedBlock{Block: o.Block, Signature: f.signShare(i, f.blockInput(o.Block).SigningRoot)}
	case dvc.CacheSyncCommitteeContributionForVC:
		c := o.Contribution
		return dvc.CapturedSyncCommitteeMessage{Message: &altair.SyncCommitteeMessage{Slot: c.Slot, BeaconBlockRoot: c.BeaconBlockRoot, ValidatorIndex: o.Duty.ValidatorIndex,
			Signature: f.signShare(i, f.syncInput(c.Slot, c.BeaconBlockRoot).SigningRoot)}}
	}
	return nil
}

// vcCaptures returns the VC submissions that follow an event in the
// VC-middleware architecture: one per cached value, and the RANDAO reveal
// share when the event made a proposer duty current.
func (f *dvf) vcCaptures(i int, ev dvc.Event, out []dvc.Output, st *dvc.State) []dvc.Event {
	if f.mode != dvc.ModeVCMiddleware {
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
			evs = append(evs, dvc.CapturedRandaoReveal{Slot: cur.Slot, RandaoReveal: f.signShare(i, f.randaoInput(cur.Slot).SigningRoot)})
		}
	}
	return evs
}

// --- rendering -------------------------------------------------------------

// cont renders a container as <name> (YAML) and <name>_ssz; a nil container
// is YAML null with an empty encoding.
func cont(n *yaml.Node, name string, obj sszObject, value func() *yaml.Node) []byte {
	if obj == nil || isNilPtr(obj) {
		n.Content = append(n.Content, strNode(name), toNode(nil), strNode(name+"_ssz"), hexNode(nil))
		return []byte{}
	}
	enc, err := obj.MarshalSSZ()
	if err != nil {
		panic(fmt.Sprintf("%s: %v", name, err))
	}
	n.Content = append(n.Content, strNode(name), value(), strNode(name+"_ssz"), hexNode(enc))
	return enc
}

func isNilPtr(x any) bool {
	switch v := x.(type) {
	case *spec.AttestationDuty:
		return v == nil
	case *spec.ProposerDuty:
		return v == nil
	case *spec.SyncCommitteeDuty:
		return v == nil
	case *phase0.AttestationData:
		return v == nil
	case *altair.SyncCommitteeContribution:
		return v == nil
	case *altair.SyncCommitteeMessage:
		return v == nil
	case *networking.AttestationShare:
		return v == nil
	case *networking.RandaoShare:
		return v == nil
	case *networking.BlockShare:
		return v == nil
	case *networking.SyncCommitteeMessageShare:
		return v == nil
	case *networking.SignedVersionedBlock:
		return v == nil
	}
	return false
}

func dvNode(obj any) func() *yaml.Node { return func() *yaml.Node { return containerNode(obj) } }

func jsNode(obj beaconObject) func() *yaml.Node { return func() *yaml.Node { return jsonNode(obj) } }

// blockFields renders block_fork, block and block_ssz; a nil or empty
// block has an empty encoding.
func blockFields(n *yaml.Node, b *eth2spec.VersionedBeaconBlock, defFork eth2spec.DataVersion) (string, []byte) {
	if b == nil || b.IsEmpty() {
		fork := defFork
		if b != nil {
			fork = b.Version
		}
		n.Content = append(n.Content, strNode("block_fork"), strNode(fork.String()), strNode("block"), toNode(nil), strNode("block_ssz"), hexNode(nil))
		return fork.String(), []byte{}
	}
	fork, enc, err := spectests.EncodeBeaconBlock(b)
	if err != nil {
		panic(err)
	}
	n.Content = append(n.Content, strNode("block_fork"), strNode(fork), strNode("block"), jsonNode(blockObject(b)), strNode("block_ssz"), hexNode(enc))
	return fork, enc
}

// eventNode renders an event as steps.yaml writes it and as the harness
// gives it to an implementation.
func (f *dvf) eventNode(ev dvc.Event) (*yaml.Node, spectests.DVCEvent) {
	body := mapNode()
	ne := spectests.DVCEvent{Name: ev.EventName()}
	switch e := ev.(type) {
	case dvc.ServeAttestationDuty:
		ne.Duty = cont(body, "duty", e.Duty, dvNode(e.Duty))
	case dvc.AttestationConsensusDecided:
		body.Content = append(body.Content, instanceFields(e.ID)...)
		ne.Instance = spectests.VectorInstanceID(e.ID)
		ne.Data = cont(body, "data", e.Data, dvNode(e.Data))
	case dvc.ReceivedAttestationShare:
		ne.Share = cont(body, "share", e.Share, dvNode(e.Share))
	case dvc.ImportedNewBlock:
		ne.BlockFork, ne.Block = blockFields(body, e.Block, f.fork)
		if e.ValidatorIndex == nil {
			body.Content = append(body.Content, strNode("validator_index"), toNode(nil))
		} else {
			v := uint64(*e.ValidatorIndex)
			ne.ValidatorIndex = &v
			body.Content = append(body.Content, strNode("validator_index"), uintNode(v))
		}
		cs := seqNode()
		for _, c := range e.Committees {
			vs := seqNode()
			bc := spectests.BeaconCommittee{Slot: uint64(c.Slot), Index: uint64(c.Index)}
			for _, v := range c.Validators {
				vs.Content = append(vs.Content, uintNode(uint64(v)))
				bc.Validators = append(bc.Validators, uint64(v))
			}
			cs.Content = append(cs.Content, mapNode("slot", uint64(c.Slot), "index", uint64(c.Index), "validators", vs))
			ne.Committees = append(ne.Committees, bc)
		}
		body.Content = append(body.Content, strNode("committees"), cs)
	case dvc.ServeProposerDuty:
		ne.Duty = cont(body, "duty", e.Duty, dvNode(e.Duty))
	case dvc.ReceivedRandaoShare:
		ne.Share = cont(body, "share", e.Share, dvNode(e.Share))
	case dvc.BlockConsensusDecided:
		body.Content = append(body.Content, instanceFields(e.ID)...)
		ne.Instance = spectests.VectorInstanceID(e.ID)
		ne.BlockFork, ne.Block = blockFields(body, e.Block, f.fork)
	case dvc.ReceivedBlockShare:
		ne.Share = cont(body, "share", e.Share, dvNode(e.Share))
	case dvc.ServeSyncCommitteeDuty:
		ne.Duty = cont(body, "duty", e.Duty, dvNode(e.Duty))
		body.Content = append(body.Content, strNode("slot"), uintNode(uint64(e.Slot)), strNode("subcommittee_index"), uintNode(e.SubcommitteeIndex))
		ne.Slot, ne.SubcommitteeIndex = uint64(e.Slot), e.SubcommitteeIndex
	case dvc.SyncCommitteeConsensusDecided:
		body.Content = append(body.Content, instanceFields(e.ID)...)
		ne.Instance = spectests.VectorInstanceID(e.ID)
		ne.Contribution = cont(body, "contribution", e.Contribution, jsNode(e.Contribution))
	case dvc.ReceivedSyncCommitteeMessageShare:
		ne.Share = cont(body, "share", e.Share, dvNode(e.Share))
	case dvc.CapturedAttestation:
		a := e.Attestation
		if a == nil {
			a = &networking.SignedAttestation{Version: f.fork}
		}
		body.Content = append(body.Content, strNode("attestation_fork"), strNode(a.Version.String()))
		ne.AttestationFork = a.Version.String()
		switch {
		case a.Electra != nil:
			ne.Attestation = cont(body, "attestation", a.Electra, jsNode(a.Electra))
		case a.Phase0 != nil:
			ne.Attestation = cont(body, "attestation", a.Phase0, jsNode(a.Phase0))
		default:
			ne.Attestation = cont(body, "attestation", nil, nil)
		}
	case dvc.CapturedRandaoReveal:
		body.Content = append(body.Content, strNode("slot"), uintNode(uint64(e.Slot)), strNode("randao_reveal"), hexNode(e.RandaoReveal[:]))
		ne.Slot, ne.RandaoReveal = uint64(e.Slot), e.RandaoReveal
	case dvc.CapturedBlock:
		ne.BlockFork, ne.Block = blockFields(body, e.Block, f.fork)
		body.Content = append(body.Content, strNode("signature"), hexNode(e.Signature[:]))
		ne.Signature = e.Signature
	case dvc.CapturedSyncCommitteeMessage:
		ne.Message = cont(body, "message", e.Message, jsNode(e.Message))
	case dvc.ResendAttestationShares, dvc.ResendRandaoShares, dvc.ResendBlockShares, dvc.ResendSyncCommitteeMessageShares, dvc.NoEvent:
	default:
		panic(fmt.Sprintf("eventNode: unsupported event %T", ev))
	}
	return mapNode(ev.EventName(), body), ne
}

// instanceFields are an InstanceID written as every inline container is:
// the YAML value and, next to it, its SSZ encoding.
func instanceFields(id consensus.InstanceID) []*yaml.Node {
	return []*yaml.Node{strNode("instance"), instanceNode(id), strNode("instance_ssz"), hexNode(instanceSSZ(id))}
}

func instanceSSZ(id consensus.InstanceID) []byte {
	b, err := id.MarshalSSZ()
	if err != nil {
		panic(err)
	}
	return b
}

// idsFields are a list of InstanceIDs and the list of their encodings.
func idsFields(list []consensus.InstanceID) []*yaml.Node {
	ids, enc := seqNode(), seqNode()
	for _, id := range list {
		ids.Content = append(ids.Content, instanceNode(id))
		enc.Content = append(enc.Content, hexNode(instanceSSZ(id)))
	}
	return []*yaml.Node{strNode("instances"), ids, strNode("instances_ssz"), enc}
}

// outputNode renders an output and records the signatures it carries as
// verified (the spec produced them; each is checked here).
func (f *dvf) outputNode(node int, o dvc.Output) *yaml.Node {
	body := mapNode()
	switch o := o.(type) {
	case dvc.StartConsensus:
		body.Content = append(body.Content, instanceFields(o.ID)...)
		sub := mapNode()
		switch {
		case o.Attester != nil:
			cont(sub, "duty", o.Attester, dvNode(o.Attester))
			body.Content = append(body.Content, strNode("attester"), sub)
		case o.Proposer != nil:
			cont(sub, "duty", o.Proposer.Duty, dvNode(o.Proposer.Duty))
			root := f.randaoInput(o.Proposer.Duty.Slot).SigningRoot
			verified(f.pk(), root[:], o.Proposer.RandaoReveal)
			sub.Content = append(sub.Content, strNode("randao_reveal"), hexNode(o.Proposer.RandaoReveal[:]))
			body.Content = append(body.Content, strNode("proposer"), sub)
		case o.SyncCommittee != nil:
			cont(sub, "duty", o.SyncCommittee.Duty, dvNode(o.SyncCommittee.Duty))
			sub.Content = append(sub.Content, strNode("slot"), uintNode(uint64(o.SyncCommittee.Slot)), strNode("subcommittee_index"), uintNode(o.SyncCommittee.SubcommitteeIndex))
			body.Content = append(body.Content, strNode("sync_committee"), sub)
		}
	case dvc.StopConsensus:
		body.Content = append(body.Content, idsFields(o.IDs)...)
	case dvc.UpdateValidity:
		body.Content = append(body.Content, idsFields(o.IDs)...)
	case dvc.Signed:
		verified(f.cl.Public[node-1].PublicKey, o.Input.SigningRoot[:], o.Signature)
		body = mapNode("kind", o.Kind.String(), "slot", uint64(o.Slot), "object_root", Hex(o.Input.ObjectRoot[:]), "fork_version", Hex(o.Input.ForkVersion[:]),
			"domain", Hex(o.Input.Domain[:]), "signing_root", Hex(o.Input.SigningRoot[:]), "signature", Hex(o.Signature[:]))
	case dvc.Broadcast:
		in, err := (networking.Verifier{Chain: f.chain}).SigningInput(o.Message)
		if err != nil {
			panic(err)
		}
		signer := o.Message.Signer()
		verified(f.cl.Public[signer-1].PublicKey, in.SigningRoot[:], o.Message.PartialSignature())
		body.Content = append(body.Content, strNode("message_kind"), strNode(o.Message.Kind().String()))
		cont(body, "message", o.Message, dvNode(o.Message))
		to := seqNode()
		for _, p := range o.To {
			to.Content = append(to.Content, uintNode(p))
		}
		body.Content = append(body.Content, strNode("to"), to)
	case dvc.SubmitAttestation:
		a := o.Attestation
		root := f.attInput(a.Data()).SigningRoot
		verified(f.pk(), root[:], a.Signature())
		body.Content = append(body.Content, strNode("attestation_fork"), strNode(a.Version.String()))
		if a.Electra != nil {
			cont(body, "attestation", a.Electra, jsNode(a.Electra))
		} else {
			cont(body, "attestation", a.Phase0, jsNode(a.Phase0))
		}
	case dvc.SubmitBlock:
		b, err := o.Block.Block.Decode(f.chain)
		if err != nil {
			panic(err)
		}
		root := f.blockInput(b).SigningRoot
		verified(f.pk(), root[:], o.Block.Signature)
		cont(body, "block", o.Block, dvNode(o.Block))
	case dvc.SubmitSyncCommitteeMessage:
		m := o.Message
		root := f.syncInput(m.Slot, m.BeaconBlockRoot).SigningRoot
		verified(f.pk(), root[:], m.Signature)
		cont(body, "message", m, jsNode(m))
	case dvc.CacheAttestationDataForVC:
		cont(body, "duty", o.Duty, dvNode(o.Duty))
		cont(body, "data", o.Data, dvNode(o.Data))
	case dvc.CacheBlockForVC:
		cont(body, "duty", o.Duty, dvNode(o.Duty))
		blockFields(body, o.Block, f.fork)
	case dvc.CacheSyncCommitteeContributionForVC:
		cont(body, "duty", o.Duty, dvNode(o.Duty))
		cont(body, "contribution", o.Contribution, jsNode(o.Contribution))
	case dvc.Ignored:
		body = mapNode("reason", string(o.Reason), "slot", uint64(o.Slot))
	default:
		panic(fmt.Sprintf("outputNode: unsupported output %T", o))
	}
	return mapNode(o.OutputName(), body)
}

// outputNames describes outputs as the scenarios' authors state them:
// "signed broadcast ignored:already_combined".
func outputNames(out []dvc.Output) string {
	s := make([]string, 0, len(out))
	for _, o := range out {
		if ig, ok := o.(dvc.Ignored); ok {
			s = append(s, "ignored:"+string(ig.Reason))
			continue
		}
		s = append(s, o.OutputName())
	}
	return strings.Join(s, " ")
}

// --- scenarios -------------------------------------------------------------

// dvcStep is one step of a scenario: an event or a validity check, with
// what the scenario's author states about it.
type dvcStep struct {
	ev    dvc.Event
	check *dvcCheck
	// want is the author's statement of the outputs' names (outputNames
	// notation); "-" states nothing.
	want    string
	wantErr error
}

// dvcCheck applies the validity predicate of instance id to a value.
type dvcCheck struct {
	id        consensus.InstanceID
	valueType string
	value     []byte
	node      *yaml.Node
	want      error // nil: valid
}

func ev(e dvc.Event, want string) dvcStep        { return dvcStep{ev: e, want: want} }
func evErr(e dvc.Event, err error) dvcStep       { return dvcStep{ev: e, wantErr: err} }
func chk(c *dvcCheck) dvcStep                    { return dvcStep{check: c} }
func evAny(e dvc.Event) dvcStep                  { return dvcStep{ev: e, want: "-"} }
func (f *dvf) evs(list ...dvc.Event) []dvc.Event { return list }

func (f *dvf) checkAtt(slot phase0.Slot, d *phase0.AttestationData, want error) *dvcCheck {
	v, err := consensus.EncodeAttestationData(d)
	if err != nil {
		panic(err)
	}
	return &dvcCheck{id: f.id(consensus.DutyAttester, slot), valueType: "AttestationData", value: v, node: containerNode(d), want: want}
}

func (f *dvf) checkBlock(slot phase0.Slot, b *eth2spec.VersionedBeaconBlock, want error) *dvcCheck {
	v, err := consensus.EncodeBlock(f.chain, b)
	if err != nil {
		panic(err)
	}
	return &dvcCheck{id: f.id(consensus.DutyProposer, slot), valueType: "VersionedBlock", value: v, node: containerNode(f.versioned(b)), want: want}
}

func (f *dvf) checkSync(slot phase0.Slot, c *altair.SyncCommitteeContribution, want error) *dvcCheck {
	v, err := consensus.EncodeSyncCommitteeContribution(f.chain, c)
	if err != nil {
		panic(err)
	}
	return &dvcCheck{id: f.id(consensus.DutySyncCommittee, slot), valueType: "SyncCommitteeContribution", value: v, node: jsonNode(c), want: want}
}

// dvcScenario is a named scenario of spec/dvc's table tests, ported to the
// mainnet preset (slots times 4).
type dvcScenario struct {
	handler, name string
	fork          eth2spec.DataVersion
	n, node       int
	// primary is the architecture the author's statements are about;
	// both also runs it in the other architecture (checked against the
	// primary run: same errors, same submissions, same validity verdicts,
	// same slashing DB).
	primary dvc.Mode
	both    bool
	pre     func(f *dvf) *slashing.SlashingDB
	setup   func(f *dvf) []dvc.Event
	steps   func(f *dvf) []dvcStep
	desc    string
	proves  string
	refs    []string
	invalid func(f *dvf) []InvalidValue
	// forks are further forks the scenario runs in (its directory is per
	// fork): the shapes of attestations and blocks differ.
	forks []eth2spec.DataVersion
	// assert checks the outputs of all steps of the primary run (for the
	// DV-level scenarios, whose events come from a simulation); it returns
	// what is wrong.
	assert func(f *dvf, out []dvc.Output) string
}

// dvcRun is one run of a scenario in one architecture.
type dvcRun struct {
	steps     []*yaml.Node
	pre, post *dvc.State
	// for the cross-architecture comparison
	errs     []string
	submits  []string
	verdicts []string
}

func genDVC(w *Writer) {
	for _, sc := range dvcScenarios() {
		w.addDVC(sc)
		for _, fork := range sc.forks {
			x := sc
			x.fork = fork
			w.addDVC(x)
		}
	}
}

func (w *Writer) addDVC(sc dvcScenario) {
	if sc.n == 0 {
		sc.n = 4
	}
	if sc.node == 0 {
		sc.node = 1
	}
	if sc.fork == eth2spec.DataVersionUnknown {
		sc.fork = eth2spec.DataVersionElectra
	}
	if sc.primary == 0 {
		sc.primary = dvc.ModeRemoteSigner
	}
	path := sc.handler + "/" + sc.name
	prim := runDVC(sc, sc.primary, true, path)
	w.writeDVC(sc, sc.primary, prim)
	if !sc.both {
		return
	}
	other := dvc.ModeVCMiddleware
	if sc.primary == dvc.ModeVCMiddleware {
		other = dvc.ModeRemoteSigner
	}
	alt := runDVC(sc, other, false, path)
	for _, c := range []struct {
		what string
		a, b []string
	}{{"errors", prim.errs, alt.errs}, {"submissions", prim.submits, alt.submits}, {"validity verdicts", prim.verdicts, alt.verdicts}} {
		if !slices.Equal(c.a, c.b) {
			panic(fmt.Sprintf("dvc %s: the %s differ between the architectures:\n%s: %v\n%s: %v", path, c.what, sc.primary, c.a, other, c.b))
		}
	}
	if !bytes.Equal(mustSSZ(prim.post.SlashingDB()), mustSSZ(alt.post.SlashingDB())) {
		panic(fmt.Sprintf("dvc %s: the slashing DBs differ between the architectures", path))
	}
	w.writeDVC(sc, other, alt)
}

func runDVC(sc dvcScenario, mode dvc.Mode, primary bool, path string) *dvcRun {
	f := newDVF(sc.n, sc.fork, mode)
	cfg, o := f.cfg(sc.node), f.oracles(sc.node)
	var db *slashing.SlashingDB
	if sc.pre != nil {
		db = sc.pre(f)
	}
	st, err := dvc.NewState(cfg, db)
	if err != nil {
		panic(err)
	}
	autoCapture := mode == dvc.ModeVCMiddleware && sc.primary == dvc.ModeRemoteSigner
	if sc.setup != nil {
		queue := sc.setup(f)
		for len(queue) > 0 {
			e := queue[0]
			queue = queue[1:]
			next, out, err := dvc.Step(cfg, st, e, o)
			if err != nil {
				panic(fmt.Sprintf("dvc %s (%s): setup event %s: %v", path, mode, e.EventName(), err))
			}
			st = next
			for _, x := range out {
				f.outputNode(sc.node, x) // records the signatures the pre-state holds
			}
			if autoCapture {
				queue = append(f.vcCaptures(sc.node, e, out, st), queue...)
			}
		}
	}
	r := &dvcRun{pre: st}
	var all []dvc.Output
	type item struct {
		s    dvcStep
		auto bool
	}
	var queue []item
	for _, s := range sc.steps(f) {
		queue = append(queue, item{s: s})
	}
	for k := 0; len(queue) > 0; k++ {
		it := queue[0]
		queue = queue[1:]
		s := it.s
		step := mapNode()
		if s.check != nil {
			c := s.check
			step.Content = append(step.Content, strNode("check_validity"), mapNode("instance", instanceNode(c.id), "instance_ssz", Hex(instanceSSZ(c.id)), "value_type", c.valueType,
				"value", c.node, "value_ssz", Hex(c.value)))
			err := dvc.ValidityFor(cfg, st, c.id)(c.value)
			if (err == nil) != (c.want == nil) || (c.want != nil && !errors.Is(err, c.want)) {
				panic(fmt.Sprintf("dvc %s (%s): check %d: the predicate gives %v, the author states %v", path, mode, k, err, c.want))
			}
			step.Content = append(step.Content, strNode("valid"), boolNode(err == nil))
			verdict := "valid"
			if err != nil {
				errorFields("dvc", step, err)
				verdict = strings.Join(names.ErrorNames(err), "/")
			}
			r.verdicts = append(r.verdicts, verdict)
		} else {
			evNode, ne := f.eventNode(s.ev)
			step.Content = append(step.Content, strNode("event"), evNode)
			var out []dvc.Output
			dec, err := spectests.DecodeDVCEvent(cfg.Chain, ne)
			next := st
			if err == nil {
				next, out, err = dvc.Step(cfg, st, dec, o)
			}
			outs := seqNode()
			if err == nil {
				all = append(all, out...)
				for _, x := range out {
					outs.Content = append(outs.Content, f.outputNode(sc.node, x))
					switch x.(type) {
					case dvc.SubmitAttestation, dvc.SubmitBlock, dvc.SubmitSyncCommitteeMessage:
						r.submits = append(r.submits, string(yamlBytes(f.outputNode(sc.node, x))))
					}
				}
			}
			step.Content = append(step.Content, strNode("outputs"), outs)
			if err != nil {
				errorFields("dvc", step, err)
			}
			if !it.auto {
				r.errs = append(r.errs, strings.Join(names.ErrorNames(err), "/"))
			}
			if primary && !it.auto {
				switch {
				case s.wantErr != nil:
					if !errors.Is(err, s.wantErr) {
						panic(fmt.Sprintf("dvc %s (%s): step %d (%s): the spec gives %v, the author states %v", path, mode, k, s.ev.EventName(), err, s.wantErr))
					}
				case err != nil:
					panic(fmt.Sprintf("dvc %s (%s): step %d (%s): %v", path, mode, k, s.ev.EventName(), err))
				case s.want != "-" && outputNames(out) != s.want:
					panic(fmt.Sprintf("dvc %s (%s): step %d (%s): the spec outputs %q, the author states %q", path, mode, k, s.ev.EventName(), outputNames(out), s.want))
				}
			}
			st = next
			if autoCapture && err == nil {
				var ins []item
				for _, c := range f.vcCaptures(sc.node, dec, out, st) {
					ins = append(ins, item{s: dvcStep{ev: c, want: "-"}, auto: true})
				}
				queue = append(ins, queue...)
			}
		}
		root, err := st.HashTreeRoot()
		if err != nil {
			panic(err)
		}
		step.Content = append(step.Content, strNode("state_root"), hexNode(root[:]))
		r.steps = append(r.steps, step)
	}
	r.post = st
	if primary && sc.assert != nil {
		if msg := sc.assert(f, all); msg != "" {
			panic(fmt.Sprintf("dvc %s (%s): %s", path, mode, msg))
		}
	}
	return r
}

func yamlBytes(n *yaml.Node) []byte { return encodeYAML(n) }

func (w *Writer) writeDVC(sc dvcScenario, mode dvc.Mode, r *dvcRun) {
	f := newDVF(sc.n, sc.fork, mode)
	c := &Case{Preset: "mainnet", Fork: sc.fork.String(), Runner: "dvc", Handler: sc.handler, Suite: mode.String(), Name: sc.name}
	desc := sc.desc
	if mode != sc.primary {
		desc += fmt.Sprintf(" Run in the %s architecture", mode)
		if mode == dvc.ModeVCMiddleware {
			desc += ": the validator client's captured_* submissions (signed with the node's key share) follow each cache_*_for_vc output and each proposer duty made current"
		}
		desc += "; it submits the same messages, refuses the same events and keeps the same slashing DB as the " + sc.primary.String() + " run."
	}
	refs := append([]string{"SPEC.md section 7 (the co-validator state machine)"}, sc.refs...)
	ks := f.cl.keysNode()
	ks.Content = append(ks.Content, strNode("node_under_test"), uintNode(uint64(sc.node)),
		strNode("cluster_root"), strNode(fmt.Sprintf("hash_tree_root of the cluster definition ssz_static/ClusterDefinition/ssz_realistic/dvc_%d_of_%d_%s", f.m, f.n, f.fork)))
	c.Meta = Meta{Description: desc, Proves: sc.proves, References: refs, Keys: ks}
	if sc.invalid != nil {
		c.Meta.DeliberatelyInvalid = sc.invalid(f)
	}
	c.YAML("chain", chainNode(f.chain))
	pubs := seqNode()
	for _, p := range f.cl.Public {
		pubs.Content = append(pubs.Content, mapNode("index", p.Index, "public_key", Hex(p.PublicKey[:])))
	}
	peers := seqNode()
	for _, p := range f.peers() {
		peers.Content = append(peers.Content, uintNode(p))
	}
	cfg := mapNode("preset", "mainnet", "validator", mapNode("pubkey", Hex(f.cl.Validator.Public[:]), "index", uint64(dvcValidator)),
		"share_index", uint64(sc.node), "peers", peers, "public_shares", pubs, "threshold", f.m, "cluster", Hex(f.clusterRoot[:]), "mode", mode.String())
	if mode == dvc.ModeRemoteSigner {
		sk := f.cl.Shares[sc.node-1].SecretKey
		cfg.Content = append(cfg.Content, strNode("signer"), mapNode("share_index", uint64(sc.node), "secret_key", Hex(sk[:])))
	}
	c.YAML("config", cfg)
	c.SSZ("pre", r.pre.Snapshot(), containerNode(r.pre.Snapshot()))
	c.YAML("steps", seqNode(r.steps...))
	c.SSZ("post", r.post.Snapshot(), containerNode(r.post.Snapshot()))
	w.Add(c)
}
