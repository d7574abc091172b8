package main

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/capella"
	"github.com/attestantio/go-eth2-client/spec/deneb"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"
	"github.com/holiman/uint256"

	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/versioned"
)

// Beacon messages for the vectors. Every BLS value in them is real: a
// public key is an interop public key (or a value documented as a G1
// point), and a signature is produced by sign() with the key that signs
// that field on the beacon chain (the interop key of the validator index
// the message names), over the signing root the field carries on the given
// chain, so a reader can verify each one. Where verifying would need a
// beacon state (an aggregate's committee), the aggregate has a single
// participant, its aggregator, whose key signs it.

// presetOf is the chain config of a chain.
func presetOf(c signing.Chain) spec.ChainConfig { return c.ChainConfig() }

// beaconObject is a go-eth2-client container: SSZ and beacon-API JSON.
type beaconObject interface {
	sszObject
	json.Marshaler
}

// domainBLSToExecutionChange is consensus-specs (capella)
// DOMAIN_BLS_TO_EXECUTION_CHANGE.
var domainBLSToExecutionChange = phase0.DomainType{0x0a, 0x00, 0x00, 0x00}

func signRoot(k keyPair, in signing.SigningInput, err error) phase0.BLSSignature {
	if err != nil {
		panic(err)
	}
	return sign(k.Secret, in.SigningRoot[:])
}

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

// signedExit is a voluntary exit of validator v at epoch, signed with the
// domain the chain verifies it with at currentEpoch.
func signedExit(c signing.Chain, v uint64, epoch, currentEpoch phase0.Epoch) *phase0.SignedVoluntaryExit {
	exit := &phase0.VoluntaryExit{Epoch: epoch, ValidatorIndex: phase0.ValidatorIndex(v)}
	in, err := c.VoluntaryExit(exit, currentEpoch)
	return &phase0.SignedVoluntaryExit{Message: exit, Signature: signRoot(interop(v), in, err)}
}

// blsChange is a BLS-to-execution change of validator v signed by its
// withdrawal key, interop key 1000000+v (capella
// process_bls_to_execution_change: GENESIS_FORK_VERSION with the genesis
// validators root).
func blsChange(c signing.Chain, v uint64, label string) *capella.SignedBLSToExecutionChange {
	wk := interop(1000000 + v)
	msg := &capella.BLSToExecutionChange{ValidatorIndex: phase0.ValidatorIndex(v), FromBLSPubkey: wk.Public, ToExecutionAddress: address(label + "/to")}
	genesis, err := c.Forks.Genesis()
	if err != nil {
		panic(err)
	}
	domain, err := signing.ComputeDomain(domainBLSToExecutionChange, genesis.Version, c.GenesisValidatorsRoot)
	if err != nil {
		panic(err)
	}
	root, err := signing.ComputeSigningRoot(msg, domain)
	if err != nil {
		panic(err)
	}
	return &capella.SignedBLSToExecutionChange{Message: msg, Signature: sign(wk.Secret, root[:])}
}

func withdrawalCredentials(pk phase0.BLSPubKey) []byte {
	h := sha256.Sum256(pk[:])
	h[0] = 0x00 // BLS_WITHDRAWAL_PREFIX
	return h[:]
}

// depositRequest is an Electra deposit request of interop key v with a real
// deposit signature (DOMAIN_DEPOSIT, GENESIS_FORK_VERSION, zero root).
func depositRequest(c signing.Chain, v uint64, index uint64) *electra.DepositRequest {
	k := interop(v)
	msg := &phase0.DepositMessage{PublicKey: k.Public, WithdrawalCredentials: withdrawalCredentials(k.Public), Amount: 32000000000}
	in, err := c.DepositMessage(msg)
	return &electra.DepositRequest{
		Pubkey: k.Public, WithdrawalCredentials: msg.WithdrawalCredentials, Amount: msg.Amount,
		Signature: signRoot(k, in, err), Index: index,
	}
}

// buildBlock is a block of the given fork's shape at slot, proposed by
// proposer, whose body holds one operation of every kind that can carry a
// verifiable signature without a beacon state: a RANDAO reveal, a voluntary
// exit, a BLS-to-execution change (capella+), an Electra deposit request;
// an empty sync aggregate (infinity signature); an execution payload with
// transactions and withdrawals; a blob commitment (a G1 point: interop
// public key 2000000+slot%1000, not a real blob's commitment).
func buildBlock(c signing.Chain, fork eth2spec.DataVersion, slot phase0.Slot, proposer uint64, label string) *eth2spec.VersionedBeaconBlock {
	epoch := phase0.Epoch(uint64(slot) / c.SlotsPerEpoch)
	prop := interop(proposer)
	reveal, err := c.RandaoReveal(epoch)
	randao := signRoot(prop, reveal, err)
	exitV := 100 + deriveUint(label+"/exit", 1<<20)
	exits := []*phase0.SignedVoluntaryExit{signedExit(c, exitV, epoch, epoch)}
	var graffiti [32]byte
	copy(graffiti[:], "dvspec vectors "+label)
	eth1 := &phase0.ETH1Data{DepositRoot: deriveRoot(label + "/deposit_root"), DepositCount: 1000 + deriveUint(label+"/deposits", 1<<20), BlockHash: bytesOf(label+"/eth1_block", 32)}
	syncAgg := &altair.SyncAggregate{SyncCommitteeBits: make([]byte, presetOf(c).SyncCommitteeSize/8), SyncCommitteeSignature: infinitySignature}
	parent := deriveRoot(label + "/parent")
	state := deriveRoot(label + "/state")
	txs := []bellatrix.Transaction{bytesOf(label+"/tx/0", 17), bytesOf(label+"/tx/1", 130)}
	var bloom [256]byte
	copy(bloom[:], bytesOf(label+"/bloom", 256))
	withdrawals := []*capella.Withdrawal{
		{Index: capella.WithdrawalIndex(deriveUint(label+"/w0", 1<<30)), ValidatorIndex: phase0.ValidatorIndex(deriveUint(label+"/w0v", 1<<20)), Address: address(label + "/w0a"), Amount: 12345678},
		{Index: capella.WithdrawalIndex(deriveUint(label+"/w0", 1<<30) + 1), ValidatorIndex: phase0.ValidatorIndex(deriveUint(label+"/w1v", 1<<20)), Address: address(label + "/w1a"), Amount: 32000000000},
	}
	baseFee := uint64(7000000000)
	var baseFeeLE [32]byte
	binary.LittleEndian.PutUint64(baseFeeLE[:8], baseFee)
	payloadHead := func() (phase0.Hash32, bellatrix.ExecutionAddress, [32]byte, [32]byte, [32]byte, phase0.Hash32) {
		return phase0.Hash32(deriveRoot(label + "/el_parent")), address(label + "/fee"), [32]byte(deriveRoot(label + "/el_state")),
			[32]byte(deriveRoot(label + "/el_receipts")), [32]byte(deriveRoot(label + "/prev_randao")), phase0.Hash32(deriveRoot(label + "/el_block"))
	}
	elParent, fee, elState, receipts, prevRandao, elBlock := payloadHead()
	blockNumber := 20000000 + uint64(slot)%1000000
	timestamp := 1606824023 + 12*uint64(slot)
	extra := []byte("dvspec")

	b := &eth2spec.VersionedBeaconBlock{Version: fork}
	switch fork {
	case eth2spec.DataVersionPhase0:
		b.Phase0 = &phase0.BeaconBlock{Slot: slot, ProposerIndex: phase0.ValidatorIndex(proposer), ParentRoot: parent, StateRoot: state,
			Body: &phase0.BeaconBlockBody{RANDAOReveal: randao, ETH1Data: eth1, Graffiti: graffiti,
				ProposerSlashings: []*phase0.ProposerSlashing{}, AttesterSlashings: []*phase0.AttesterSlashing{}, Attestations: []*phase0.Attestation{},
				Deposits: []*phase0.Deposit{}, VoluntaryExits: exits}}
	case eth2spec.DataVersionAltair:
		b.Altair = &altair.BeaconBlock{Slot: slot, ProposerIndex: phase0.ValidatorIndex(proposer), ParentRoot: parent, StateRoot: state,
			Body: &altair.BeaconBlockBody{RANDAOReveal: randao, ETH1Data: eth1, Graffiti: graffiti,
				ProposerSlashings: []*phase0.ProposerSlashing{}, AttesterSlashings: []*phase0.AttesterSlashing{}, Attestations: []*phase0.Attestation{},
				Deposits: []*phase0.Deposit{}, VoluntaryExits: exits, SyncAggregate: syncAgg}}
	case eth2spec.DataVersionBellatrix:
		b.Bellatrix = &bellatrix.BeaconBlock{Slot: slot, ProposerIndex: phase0.ValidatorIndex(proposer), ParentRoot: parent, StateRoot: state,
			Body: &bellatrix.BeaconBlockBody{RANDAOReveal: randao, ETH1Data: eth1, Graffiti: graffiti,
				ProposerSlashings: []*phase0.ProposerSlashing{}, AttesterSlashings: []*phase0.AttesterSlashing{}, Attestations: []*phase0.Attestation{},
				Deposits: []*phase0.Deposit{}, VoluntaryExits: exits, SyncAggregate: syncAgg,
				ExecutionPayload: &bellatrix.ExecutionPayload{ParentHash: elParent, FeeRecipient: fee, StateRoot: elState, ReceiptsRoot: receipts,
					LogsBloom: bloom, PrevRandao: prevRandao, BlockNumber: blockNumber, GasLimit: 30000000, GasUsed: 21000, Timestamp: timestamp,
					ExtraData: extra, BaseFeePerGas: baseFeeLE, BlockHash: elBlock, Transactions: txs}}}
	case eth2spec.DataVersionCapella:
		b.Capella = &capella.BeaconBlock{Slot: slot, ProposerIndex: phase0.ValidatorIndex(proposer), ParentRoot: parent, StateRoot: state,
			Body: &capella.BeaconBlockBody{RANDAOReveal: randao, ETH1Data: eth1, Graffiti: graffiti,
				ProposerSlashings: []*phase0.ProposerSlashing{}, AttesterSlashings: []*phase0.AttesterSlashing{}, Attestations: []*phase0.Attestation{},
				Deposits: []*phase0.Deposit{}, VoluntaryExits: exits, SyncAggregate: syncAgg,
				ExecutionPayload: &capella.ExecutionPayload{ParentHash: elParent, FeeRecipient: fee, StateRoot: elState, ReceiptsRoot: receipts,
					LogsBloom: bloom, PrevRandao: prevRandao, BlockNumber: blockNumber, GasLimit: 30000000, GasUsed: 21000, Timestamp: timestamp,
					ExtraData: extra, BaseFeePerGas: baseFeeLE, BlockHash: elBlock, Transactions: txs, Withdrawals: withdrawals},
				BLSToExecutionChanges: []*capella.SignedBLSToExecutionChange{blsChange(c, 50+uint64(slot)%1000, label)}}}
	case eth2spec.DataVersionDeneb, eth2spec.DataVersionElectra, eth2spec.DataVersionFulu:
		payload := &deneb.ExecutionPayload{ParentHash: elParent, FeeRecipient: fee, StateRoot: phase0.Root(elState), ReceiptsRoot: phase0.Root(receipts),
			LogsBloom: bloom, PrevRandao: prevRandao, BlockNumber: blockNumber, GasLimit: 36000000, GasUsed: 21000, Timestamp: timestamp,
			ExtraData: extra, BaseFeePerGas: uint256.NewInt(baseFee), BlockHash: elBlock, Transactions: txs, Withdrawals: withdrawals,
			BlobGasUsed: 131072, ExcessBlobGas: 0}
		commitment := deneb.KZGCommitment(interop(2000000 + uint64(slot)%1000).Public)
		changes := []*capella.SignedBLSToExecutionChange{blsChange(c, 50+uint64(slot)%1000, label)}
		if fork == eth2spec.DataVersionDeneb {
			b.Deneb = &deneb.BeaconBlock{Slot: slot, ProposerIndex: phase0.ValidatorIndex(proposer), ParentRoot: parent, StateRoot: state,
				Body: &deneb.BeaconBlockBody{RANDAOReveal: randao, ETH1Data: eth1, Graffiti: graffiti,
					ProposerSlashings: []*phase0.ProposerSlashing{}, AttesterSlashings: []*phase0.AttesterSlashing{}, Attestations: []*phase0.Attestation{},
					Deposits: []*phase0.Deposit{}, VoluntaryExits: exits, SyncAggregate: syncAgg, ExecutionPayload: payload,
					BLSToExecutionChanges: changes, BlobKZGCommitments: []deneb.KZGCommitment{commitment}}}
			break
		}
		requests := &electra.ExecutionRequests{
			Deposits: []*electra.DepositRequest{depositRequest(c, 3000000+uint64(slot)%1000, deriveUint(label+"/deposit_index", 1<<30))},
			Withdrawals: []*electra.WithdrawalRequest{{SourceAddress: address(label + "/wr"), ValidatorPubkey: interop(deriveUint(label+"/wr_v", 1<<20)).Public,
				Amount: 1000000000}},
			Consolidations: []*electra.ConsolidationRequest{{SourceAddress: address(label + "/cr"), SourcePubkey: interop(deriveUint(label+"/cr_s", 1<<20)).Public,
				TargetPubkey: interop(deriveUint(label+"/cr_t", 1<<20)).Public}},
		}
		blk := &electra.BeaconBlock{Slot: slot, ProposerIndex: phase0.ValidatorIndex(proposer), ParentRoot: parent, StateRoot: state,
			Body: &electra.BeaconBlockBody{RANDAOReveal: randao, ETH1Data: eth1, Graffiti: graffiti,
				ProposerSlashings: []*phase0.ProposerSlashing{}, AttesterSlashings: []*electra.AttesterSlashing{}, Attestations: []*electra.Attestation{},
				Deposits: []*phase0.Deposit{}, VoluntaryExits: exits, SyncAggregate: syncAgg, ExecutionPayload: payload,
				BLSToExecutionChanges: changes, BlobKZGCommitments: []deneb.KZGCommitment{commitment}, ExecutionRequests: requests}}
		if fork == eth2spec.DataVersionElectra {
			b.Electra = blk
		} else {
			b.Fulu = blk
		}
	default:
		panic(fmt.Sprintf("no block for %s", fork))
	}
	return b
}

// blockObject returns the fork-specific block inside b.
func blockObject(b *eth2spec.VersionedBeaconBlock) beaconObject {
	switch b.Version {
	case eth2spec.DataVersionPhase0:
		return b.Phase0
	case eth2spec.DataVersionAltair:
		return b.Altair
	case eth2spec.DataVersionBellatrix:
		return b.Bellatrix
	case eth2spec.DataVersionCapella:
		return b.Capella
	case eth2spec.DataVersionDeneb:
		return b.Deneb
	case eth2spec.DataVersionElectra:
		return b.Electra
	case eth2spec.DataVersionFulu:
		return b.Fulu
	}
	panic("empty block")
}

// attestationData is a well-formed attestation of slot: target the epoch
// of the slot, source the epoch before (0 at genesis).
func attestationData(c signing.Chain, slot phase0.Slot, index phase0.CommitteeIndex, label string) *phase0.AttestationData {
	epoch := phase0.Epoch(uint64(slot) / c.SlotsPerEpoch)
	source := epoch
	if source > 0 {
		source--
	}
	return &phase0.AttestationData{
		Slot: slot, Index: index, BeaconBlockRoot: deriveRoot(label + "/head"),
		Source: &phase0.Checkpoint{Epoch: source, Root: deriveRoot(label + "/source")},
		Target: &phase0.Checkpoint{Epoch: epoch, Root: deriveRoot(label + "/target")},
	}
}

// aggregateAndProof is an aggregate and proof of the given fork's shape for
// slot by aggregator: its selection proof is the aggregator's real slot
// signature, and the aggregate holds one attestation, the aggregator's own
// (aggregation bit 5 of a committee of 16; from Electra committee bit 2).
func aggregateAndProof(c signing.Chain, fork eth2spec.DataVersion, slot phase0.Slot, aggregator uint64, label string) *eth2spec.VersionedAggregateAndProof {
	k := interop(aggregator)
	sel, err := c.AggregationSlot(slot)
	proof := signRoot(k, sel, err)
	bits := []byte{0x20, 0x00, 0x01} // bitlist of length 16, bit 5 set
	var ap versioned.Container
	if fork >= eth2spec.DataVersionElectra {
		data := attestationData(c, slot, 0, label)
		in, err := c.AttestationData(data)
		committee := make([]byte, (presetOf(c).MaxCommitteesPerSlot+7)/8)
		committee[0] = 0x04 // committee 2
		ap = &electra.AggregateAndProof{AggregatorIndex: phase0.ValidatorIndex(aggregator), SelectionProof: proof,
			Aggregate: &electra.Attestation{AggregationBits: bits, Data: data, Signature: signRoot(k, in, err), CommitteeBits: committee}}
	} else {
		data := attestationData(c, slot, 2, label)
		in, err := c.AttestationData(data)
		ap = &phase0.AggregateAndProof{AggregatorIndex: phase0.ValidatorIndex(aggregator), SelectionProof: proof,
			Aggregate: &phase0.Attestation{AggregationBits: bits, Data: data, Signature: signRoot(k, in, err)}}
	}
	out := &eth2spec.VersionedAggregateAndProof{Version: fork}
	if err := versioned.SetAggregateAndProof(out, ap); err != nil {
		panic(err)
	}
	return out
}

// contributionAndProof is a sync committee contribution and proof for slot
// by aggregator in subcommittee sub: its selection proof is the real sync
// selection proof, and the contribution has one participant, the
// aggregator, whose real sync committee message signature it carries
// (aggregation bit 3). signChain is the chain the signatures are made on
// (it differs from the vector's chain only for a refused phase0 case).
func contributionAndProof(signChain signing.Chain, slot phase0.Slot, aggregator, sub uint64, label string) *altair.ContributionAndProof {
	k := interop(aggregator)
	root := deriveRoot(label + "/head")
	msg, err := signChain.SyncCommitteeMessage(slot, root)
	contribSig := signRoot(k, msg, err)
	sel, err := signChain.SyncCommitteeSelectionProof(&altair.SyncAggregatorSelectionData{Slot: slot, SubcommitteeIndex: sub})
	p := presetOf(signChain)
	bits := make([]byte, p.SyncCommitteeSize/p.SyncCommitteeSubnetCount/8)
	bits[0] = 0x08
	return &altair.ContributionAndProof{
		AggregatorIndex: phase0.ValidatorIndex(aggregator),
		Contribution: &altair.SyncCommitteeContribution{Slot: slot, BeaconBlockRoot: root, SubcommitteeIndex: sub,
			AggregationBits: bits, Signature: contribSig},
		SelectionProof: signRoot(k, sel, err),
	}
}

func validatorRegistration(v uint64, label string) *apiv1.ValidatorRegistration {
	return &apiv1.ValidatorRegistration{
		FeeRecipient: address(label + "/fee_recipient"), GasLimit: 36000000,
		Timestamp: time.Unix(int64(1606824023+deriveUint(label+"/timestamp", 1<<28)), 0).UTC(),
		Pubkey:    interop(v).Public,
	}
}

func depositMessage(v uint64, amount phase0.Gwei) *phase0.DepositMessage {
	pk := interop(v).Public
	return &phase0.DepositMessage{PublicKey: pk, WithdrawalCredentials: withdrawalCredentials(pk), Amount: amount}
}
