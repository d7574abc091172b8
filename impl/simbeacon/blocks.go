package simbeacon

import (
	"bytes"
	"fmt"

	apiv1deneb "github.com/attestantio/go-eth2-client/api/v1/deneb"
	apiv1electra "github.com/attestantio/go-eth2-client/api/v1/electra"
	apiv1fulu "github.com/attestantio/go-eth2-client/api/v1/fulu"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/capella"
	"github.com/attestantio/go-eth2-client/spec/deneb"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"
	"github.com/holiman/uint256"

	"github.com/dvspec/go-dvspec/spec/bls"
)

// gasLimit and baseFee are the fixed execution values of simulated blocks.
const (
	gasLimit = 30_000_000
	baseFee  = 7
)

// execBlockHash is the execution block hash of slot's payload.
func execBlockHash(slot phase0.Slot) phase0.Hash32 {
	return phase0.Hash32(taggedRoot(tagExecBlock, uint64(slot)))
}

// blockParts are the fork-independent parts of a simulated block.
type blockParts struct {
	slot     phase0.Slot
	proposer phase0.ValidatorIndex
	randao   phase0.BLSSignature
	graffiti [32]byte
	feeTo    bellatrix.ExecutionAddress
}

func (n *Node) eth1Data() *phase0.ETH1Data {
	h := execBlockHash(0)
	return &phase0.ETH1Data{DepositRoot: phase0.Root{}, DepositCount: n.cfg.Validators, BlockHash: h[:]}
}

// syncAggregate is the sync aggregate of a block at slot: the accepted
// contributions of the previous slot (which sign its head, the block's
// parent), one per subcommittee, their bits placed at the subcommittee's
// positions and their signatures aggregated; the empty aggregate when
// there are none.
func (n *Node) syncAggregate(slot phase0.Slot) *altair.SyncAggregate {
	out := &altair.SyncAggregate{
		SyncCommitteeBits:      make([]byte, (n.chain.syncSize+7)/8),
		SyncCommitteeSignature: infinitySignature,
	}
	if slot == 0 {
		return out
	}
	size := n.chain.subcommitteeSize()
	var sigs []phase0.BLSSignature
	for sub, c := range n.pools.contributions(slot - 1) {
		for i := range size {
			if c.AggregationBits[i/8]&(1<<(i%8)) != 0 {
				pos := sub*size + i
				out.SyncCommitteeBits[pos/8] |= 1 << (pos % 8)
			}
		}
		sigs = append(sigs, c.Signature)
	}
	if len(sigs) > 0 {
		if agg, err := bls.AggregateSignatures(sigs); err == nil {
			out.SyncCommitteeSignature = agg
		} else {
			out.SyncCommitteeBits = make([]byte, (n.chain.syncSize+7)/8)
		}
	}
	return out
}

func (n *Node) timestamp(slot phase0.Slot) uint64 {
	return uint64(n.slotStart(slot).Unix())
}

func (n *Node) bellatrixPayload(p blockParts) *bellatrix.ExecutionPayload {
	var fee [32]byte
	fee[0] = baseFee
	return &bellatrix.ExecutionPayload{
		ParentHash: execBlockHash(p.slot - 1), FeeRecipient: p.feeTo,
		StateRoot: taggedRoot("dvspec-simbeacon-execution-state", uint64(p.slot)), ReceiptsRoot: taggedRoot("dvspec-simbeacon-receipts", uint64(p.slot)),
		PrevRandao: randaoMix(n.chain.epochOf(p.slot)), BlockNumber: uint64(p.slot), GasLimit: gasLimit,
		Timestamp: n.timestamp(p.slot), ExtraData: []byte{}, BaseFeePerGas: fee, BlockHash: execBlockHash(p.slot),
		Transactions: []bellatrix.Transaction{},
	}
}

func (n *Node) capellaPayload(p blockParts) *capella.ExecutionPayload {
	b := n.bellatrixPayload(p)
	return &capella.ExecutionPayload{
		ParentHash: b.ParentHash, FeeRecipient: b.FeeRecipient, StateRoot: b.StateRoot, ReceiptsRoot: b.ReceiptsRoot,
		PrevRandao: b.PrevRandao, BlockNumber: b.BlockNumber, GasLimit: b.GasLimit, Timestamp: b.Timestamp,
		ExtraData: b.ExtraData, BaseFeePerGas: b.BaseFeePerGas, BlockHash: b.BlockHash, Transactions: b.Transactions,
		Withdrawals: []*capella.Withdrawal{},
	}
}

func (n *Node) denebPayload(p blockParts) *deneb.ExecutionPayload {
	b := n.bellatrixPayload(p)
	return &deneb.ExecutionPayload{
		ParentHash: b.ParentHash, FeeRecipient: b.FeeRecipient, StateRoot: b.StateRoot, ReceiptsRoot: b.ReceiptsRoot,
		PrevRandao: b.PrevRandao, BlockNumber: b.BlockNumber, GasLimit: b.GasLimit, Timestamp: b.Timestamp,
		ExtraData: b.ExtraData, BaseFeePerGas: uint256.NewInt(baseFee), BlockHash: b.BlockHash, Transactions: b.Transactions,
		Withdrawals: []*capella.Withdrawal{},
	}
}

// buildBlock returns the unsigned block (or block contents) of the fork in
// force at the slot, as the v3 production endpoint's data: a real
// fork-shaped block with the previous slot's attestations (aggregated per
// committee), no other operations, an empty sync aggregate, an
// empty execution payload and (Electra on) empty execution requests.
func (n *Node) buildBlock(p blockParts) (eth2spec.DataVersion, any) {
	version := n.chain.fork(n.chain.epochOf(p.slot)).Name
	atts, attsElectra := n.blockAttestations(p.slot, version)
	parent := BlockRoot(p.slot - 1)
	state := StateRoot(p.slot)
	switch version {
	case eth2spec.DataVersionPhase0:
		return version, &phase0.BeaconBlock{Slot: p.slot, ProposerIndex: p.proposer, ParentRoot: parent, StateRoot: state, Body: &phase0.BeaconBlockBody{
			RANDAOReveal: p.randao, ETH1Data: n.eth1Data(), Graffiti: p.graffiti,
			ProposerSlashings: []*phase0.ProposerSlashing{}, AttesterSlashings: []*phase0.AttesterSlashing{},
			Attestations: atts, Deposits: []*phase0.Deposit{}, VoluntaryExits: []*phase0.SignedVoluntaryExit{},
		}}
	case eth2spec.DataVersionAltair:
		return version, &altair.BeaconBlock{Slot: p.slot, ProposerIndex: p.proposer, ParentRoot: parent, StateRoot: state, Body: &altair.BeaconBlockBody{
			RANDAOReveal: p.randao, ETH1Data: n.eth1Data(), Graffiti: p.graffiti,
			ProposerSlashings: []*phase0.ProposerSlashing{}, AttesterSlashings: []*phase0.AttesterSlashing{},
			Attestations: atts, Deposits: []*phase0.Deposit{}, VoluntaryExits: []*phase0.SignedVoluntaryExit{},
			SyncAggregate: n.syncAggregate(p.slot),
		}}
	case eth2spec.DataVersionBellatrix:
		return version, &bellatrix.BeaconBlock{Slot: p.slot, ProposerIndex: p.proposer, ParentRoot: parent, StateRoot: state, Body: &bellatrix.BeaconBlockBody{
			RANDAOReveal: p.randao, ETH1Data: n.eth1Data(), Graffiti: p.graffiti,
			ProposerSlashings: []*phase0.ProposerSlashing{}, AttesterSlashings: []*phase0.AttesterSlashing{},
			Attestations: atts, Deposits: []*phase0.Deposit{}, VoluntaryExits: []*phase0.SignedVoluntaryExit{},
			SyncAggregate: n.syncAggregate(p.slot), ExecutionPayload: n.bellatrixPayload(p),
		}}
	case eth2spec.DataVersionCapella:
		return version, &capella.BeaconBlock{Slot: p.slot, ProposerIndex: p.proposer, ParentRoot: parent, StateRoot: state, Body: &capella.BeaconBlockBody{
			RANDAOReveal: p.randao, ETH1Data: n.eth1Data(), Graffiti: p.graffiti,
			ProposerSlashings: []*phase0.ProposerSlashing{}, AttesterSlashings: []*phase0.AttesterSlashing{},
			Attestations: atts, Deposits: []*phase0.Deposit{}, VoluntaryExits: []*phase0.SignedVoluntaryExit{},
			SyncAggregate: n.syncAggregate(p.slot), ExecutionPayload: n.capellaPayload(p),
			BLSToExecutionChanges: []*capella.SignedBLSToExecutionChange{},
		}}
	case eth2spec.DataVersionDeneb:
		return version, &apiv1deneb.BlockContents{
			Block: &deneb.BeaconBlock{Slot: p.slot, ProposerIndex: p.proposer, ParentRoot: parent, StateRoot: state, Body: &deneb.BeaconBlockBody{
				RANDAOReveal: p.randao, ETH1Data: n.eth1Data(), Graffiti: p.graffiti,
				ProposerSlashings: []*phase0.ProposerSlashing{}, AttesterSlashings: []*phase0.AttesterSlashing{},
				Attestations: atts, Deposits: []*phase0.Deposit{}, VoluntaryExits: []*phase0.SignedVoluntaryExit{},
				SyncAggregate: n.syncAggregate(p.slot), ExecutionPayload: n.denebPayload(p),
				BLSToExecutionChanges: []*capella.SignedBLSToExecutionChange{}, BlobKZGCommitments: []deneb.KZGCommitment{},
			}},
			KZGProofs: []deneb.KZGProof{}, Blobs: []deneb.Blob{},
		}
	default: // electra and fulu share the block
		block := &electra.BeaconBlock{Slot: p.slot, ProposerIndex: p.proposer, ParentRoot: parent, StateRoot: state, Body: &electra.BeaconBlockBody{
			RANDAOReveal: p.randao, ETH1Data: n.eth1Data(), Graffiti: p.graffiti,
			ProposerSlashings: []*phase0.ProposerSlashing{}, AttesterSlashings: []*electra.AttesterSlashing{},
			Attestations: attsElectra, Deposits: []*phase0.Deposit{}, VoluntaryExits: []*phase0.SignedVoluntaryExit{},
			SyncAggregate: n.syncAggregate(p.slot), ExecutionPayload: n.denebPayload(p),
			BLSToExecutionChanges: []*capella.SignedBLSToExecutionChange{}, BlobKZGCommitments: []deneb.KZGCommitment{},
			ExecutionRequests: &electra.ExecutionRequests{
				Deposits: []*electra.DepositRequest{}, Withdrawals: []*electra.WithdrawalRequest{},
				Consolidations: []*electra.ConsolidationRequest{},
			},
		}}
		if version == eth2spec.DataVersionFulu {
			return version, &apiv1fulu.BlockContents{Block: block, KZGProofs: []deneb.KZGProof{}, Blobs: []deneb.Blob{}}
		}
		return version, &apiv1electra.BlockContents{Block: block, KZGProofs: []deneb.KZGProof{}, Blobs: []deneb.Blob{}}
	}
}

// signedBlock is what the publication checks need from any fork's signed
// block: the unsigned message (for its root) and the fields checked.
type signedBlock struct {
	message     any
	slot        phase0.Slot
	proposer    phase0.ValidatorIndex
	parent      phase0.Root
	randao      phase0.BLSSignature
	signature   phase0.BLSSignature
	commitments int
	proofs      int
	blobs       int
	// signed is the SignedBeaconBlock, kept once the block is accepted.
	signed any
}

// newSignedContainer returns an empty signed container of version, the
// body POST /eth/v2/beacon/blocks takes.
func newSignedContainer(version eth2spec.DataVersion) any {
	switch version {
	case eth2spec.DataVersionPhase0:
		return &phase0.SignedBeaconBlock{}
	case eth2spec.DataVersionAltair:
		return &altair.SignedBeaconBlock{}
	case eth2spec.DataVersionBellatrix:
		return &bellatrix.SignedBeaconBlock{}
	case eth2spec.DataVersionCapella:
		return &capella.SignedBeaconBlock{}
	case eth2spec.DataVersionDeneb:
		return &apiv1deneb.SignedBlockContents{}
	case eth2spec.DataVersionElectra:
		return &apiv1electra.SignedBlockContents{}
	default:
		return &apiv1fulu.SignedBlockContents{}
	}
}

// unpackSigned extracts the checked fields; a nil inner part is an error
// (a JSON body can omit nested objects the decoder does not require).
func unpackSigned(c any) (*signedBlock, error) {
	missing := fmt.Errorf("signed block: missing message or body")
	switch b := c.(type) {
	case *phase0.SignedBeaconBlock:
		if b.Message == nil || b.Message.Body == nil {
			return nil, missing
		}
		m := b.Message
		return &signedBlock{message: m, slot: m.Slot, proposer: m.ProposerIndex, parent: m.ParentRoot, randao: m.Body.RANDAOReveal, signature: b.Signature}, nil
	case *altair.SignedBeaconBlock:
		if b.Message == nil || b.Message.Body == nil {
			return nil, missing
		}
		m := b.Message
		return &signedBlock{message: m, slot: m.Slot, proposer: m.ProposerIndex, parent: m.ParentRoot, randao: m.Body.RANDAOReveal, signature: b.Signature}, nil
	case *bellatrix.SignedBeaconBlock:
		if b.Message == nil || b.Message.Body == nil {
			return nil, missing
		}
		m := b.Message
		return &signedBlock{message: m, slot: m.Slot, proposer: m.ProposerIndex, parent: m.ParentRoot, randao: m.Body.RANDAOReveal, signature: b.Signature}, nil
	case *capella.SignedBeaconBlock:
		if b.Message == nil || b.Message.Body == nil {
			return nil, missing
		}
		m := b.Message
		return &signedBlock{message: m, slot: m.Slot, proposer: m.ProposerIndex, parent: m.ParentRoot, randao: m.Body.RANDAOReveal, signature: b.Signature}, nil
	case *apiv1deneb.SignedBlockContents:
		if b.SignedBlock == nil || b.SignedBlock.Message == nil || b.SignedBlock.Message.Body == nil {
			return nil, missing
		}
		m := b.SignedBlock.Message
		return &signedBlock{message: m, slot: m.Slot, proposer: m.ProposerIndex, parent: m.ParentRoot, randao: m.Body.RANDAOReveal, signature: b.SignedBlock.Signature,
			commitments: len(m.Body.BlobKZGCommitments), proofs: len(b.KZGProofs), blobs: len(b.Blobs)}, nil
	case *apiv1electra.SignedBlockContents:
		if b.SignedBlock == nil || b.SignedBlock.Message == nil || b.SignedBlock.Message.Body == nil {
			return nil, missing
		}
		m := b.SignedBlock.Message
		return &signedBlock{message: m, slot: m.Slot, proposer: m.ProposerIndex, parent: m.ParentRoot, randao: m.Body.RANDAOReveal, signature: b.SignedBlock.Signature,
			commitments: len(m.Body.BlobKZGCommitments), proofs: len(b.KZGProofs), blobs: len(b.Blobs)}, nil
	case *apiv1fulu.SignedBlockContents:
		if b.SignedBlock == nil || b.SignedBlock.Message == nil || b.SignedBlock.Message.Body == nil {
			return nil, missing
		}
		m := b.SignedBlock.Message
		return &signedBlock{message: m, slot: m.Slot, proposer: m.ProposerIndex, parent: m.ParentRoot, randao: m.Body.RANDAOReveal, signature: b.SignedBlock.Signature,
			commitments: len(m.Body.BlobKZGCommitments), proofs: len(b.KZGProofs), blobs: len(b.Blobs)}, nil
	}
	return nil, fmt.Errorf("signed block: unsupported container %T", c)
}

// decodeSSZ decodes a preset-shaped SSZ body canonically: it must re-encode
// to the same bytes, and a decoder panic is an error, never a crash.
func (n *Node) decodeSSZ(body []byte, target any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("ssz: decoder panicked: %v", r)
		}
	}()
	if err := n.ssz.UnmarshalSSZ(target, body); err != nil {
		return fmt.Errorf("ssz: %w", err)
	}
	again, err := n.ssz.MarshalSSZ(target)
	if err != nil {
		return fmt.Errorf("ssz: re-encode: %w", err)
	}
	if !bytes.Equal(again, body) {
		return fmt.Errorf("ssz: non-canonical encoding")
	}
	return nil
}
