package validitycases_test

import (
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/capella"
	"github.com/attestantio/go-eth2-client/spec/deneb"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"
	"github.com/holiman/uint256"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/consensus/validitycases"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/names"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

// emptyBlock is a block of fork with only the fields the block predicate
// reads set (the predicate compares the reveal, it does not verify it).
func emptyBlock(c signing.Chain, fork eth2spec.DataVersion, slot phase0.Slot, proposer phase0.ValidatorIndex, reveal phase0.BLSSignature, fee bellatrix.ExecutionAddress) *eth2spec.VersionedBeaconBlock {
	eth1 := &phase0.ETH1Data{BlockHash: make([]byte, 32)}
	sync := &altair.SyncAggregate{SyncCommitteeBits: make([]byte, c.ChainConfig().SyncCommitteeSize/8)}
	b := &eth2spec.VersionedBeaconBlock{Version: fork}
	switch fork {
	case eth2spec.DataVersionPhase0:
		b.Phase0 = &phase0.BeaconBlock{Slot: slot, ProposerIndex: proposer, Body: &phase0.BeaconBlockBody{RANDAOReveal: reveal, ETH1Data: eth1}}
	case eth2spec.DataVersionAltair:
		b.Altair = &altair.BeaconBlock{Slot: slot, ProposerIndex: proposer, Body: &altair.BeaconBlockBody{RANDAOReveal: reveal, ETH1Data: eth1, SyncAggregate: sync}}
	case eth2spec.DataVersionBellatrix:
		b.Bellatrix = &bellatrix.BeaconBlock{Slot: slot, ProposerIndex: proposer, Body: &bellatrix.BeaconBlockBody{RANDAOReveal: reveal, ETH1Data: eth1, SyncAggregate: sync,
			ExecutionPayload: &bellatrix.ExecutionPayload{FeeRecipient: fee}}}
	case eth2spec.DataVersionCapella:
		b.Capella = &capella.BeaconBlock{Slot: slot, ProposerIndex: proposer, Body: &capella.BeaconBlockBody{RANDAOReveal: reveal, ETH1Data: eth1, SyncAggregate: sync,
			ExecutionPayload: &capella.ExecutionPayload{FeeRecipient: fee}}}
	case eth2spec.DataVersionDeneb:
		b.Deneb = &deneb.BeaconBlock{Slot: slot, ProposerIndex: proposer, Body: &deneb.BeaconBlockBody{RANDAOReveal: reveal, ETH1Data: eth1, SyncAggregate: sync,
			ExecutionPayload: &deneb.ExecutionPayload{FeeRecipient: fee, BaseFeePerGas: uint256.NewInt(0)}}}
	default:
		blk := &electra.BeaconBlock{Slot: slot, ProposerIndex: proposer, Body: &electra.BeaconBlockBody{RANDAOReveal: reveal, ETH1Data: eth1, SyncAggregate: sync,
			ExecutionPayload: &deneb.ExecutionPayload{FeeRecipient: fee, BaseFeePerGas: uint256.NewInt(0)}, ExecutionRequests: &electra.ExecutionRequests{}}}
		if fork == eth2spec.DataVersionElectra {
			b.Electra = blk
		} else {
			b.Fulu = blk
		}
	}
	return b
}

// TestBlocks runs every block case on the unit tests' own fixtures and
// checks the rule its author names, and that the predicate leaves the
// slashing DB as it was.
func TestBlocks(t *testing.T) {
	pk := phase0.BLSPubKey{0xa9}
	const v = phase0.ValidatorIndex(5)
	gvr := phase0.Root{7}
	reveal, otherReveal := phase0.BLSSignature{0xaa}, phase0.BLSSignature{0xbb}
	pays, other := bellatrix.ExecutionAddress{1}, bellatrix.ExecutionAddress{2}
	for _, fork := range forks {
		schedule, err := signing.MinimalForkSchedule(fork)
		if err != nil {
			t.Fatal(err)
		}
		chain, err := signing.NewChain(schedule, gvr, spec.MainnetConfig())
		if err != nil {
			t.Fatal(err)
		}
		duty := &spec.ProposerDuty{Pubkey: pk, ValidatorIndex: v, Slot: validitycases.BlockSlot}
		for _, c := range validitycases.Blocks(fork) {
			slot, prop, shape, in := validitycases.BlockSlot, v, fork, reveal
			if c.Slot != 0 {
				slot = c.Slot
			}
			if c.OtherProposer {
				prop = v + 1
			}
			if c.PreviousShape {
				shape = fork - 1
			}
			if c.WrongReveal {
				in = otherReveal
			}
			var fee *bellatrix.ExecutionAddress
			switch c.Fee {
			case validitycases.FeeSame:
				fee = &pays
			case validitycases.FeeOther:
				fee = &other
			}
			block := emptyBlock(chain, shape, slot, prop, reveal, pays)
			db := slashing.New(gvr)
			if c.Prior != nil {
				r := phase0.Root{0xee}
				if err := db.InsertBlock(pk, *c.Prior, &r); err != nil {
					t.Fatal(err)
				}
			}
			if c.PriorSame {
				si, err := chain.BeaconBlock(block)
				if err != nil {
					t.Fatal(err)
				}
				if err := spec.UpdateBlockSlashingDB(db, block, si.SigningRoot, pk); err != nil {
					t.Fatal(err)
				}
			}
			before, err := db.MarshalSSZ()
			if err != nil {
				t.Fatal(err)
			}
			err = consensus.IsValidBlock(db, chain, block, duty, in, fee)
			got := append(names.ErrorNames(err), "", "")
			if got[0] != c.Want || got[1] != c.WantSlashing || (err != nil && got[0] == "") {
				t.Errorf("%s/%s: got %v, the case states %q/%q", fork, c.Name, err, c.Want, c.WantSlashing)
			}
			after, err := db.MarshalSSZ()
			if err != nil {
				t.Fatal(err)
			}
			if string(after) != string(before) {
				t.Errorf("%s/%s: the predicate changed the slashing DB", fork, c.Name)
			}
		}
	}
}
