package simbeacon

import (
	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// The Go view of the simulated chain, for tests and the devnet: the same
// answers the beacon API gives, without HTTP, so a test can say which
// validator should have done what.

// AttesterDuty returns validator v's attester duty in epoch (every
// validator has exactly one per epoch), or nil for an unknown validator.
func (n *Node) AttesterDuty(v phase0.ValidatorIndex, epoch phase0.Epoch) *apiv1.AttesterDuty {
	if uint64(v) >= n.reg.size() {
		return nil
	}
	ec := n.chain.epoch(epoch)
	a := ec.duty[v]
	return &apiv1.AttesterDuty{
		PubKey: n.reg.pubkeys[v], Slot: a.slot, ValidatorIndex: v, CommitteeIndex: a.committee,
		CommitteeLength: a.length, CommitteesAtSlot: ec.perSlot, ValidatorCommitteeIndex: a.position,
	}
}

// Committee returns the members of committee index at slot, or nil if the
// slot has fewer committees.
func (n *Node) Committee(slot phase0.Slot, index phase0.CommitteeIndex) []phase0.ValidatorIndex {
	return append([]phase0.ValidatorIndex(nil), n.chain.committee(slot, index)...)
}

// Proposer returns the proposer of slot.
func (n *Node) Proposer(slot phase0.Slot) phase0.ValidatorIndex { return n.chain.proposer(slot) }

// SyncCommittee returns the sync committee that signs at slot, by
// position (a validator may hold several positions).
func (n *Node) SyncCommittee(slot phase0.Slot) []phase0.ValidatorIndex {
	return append([]phase0.ValidatorIndex(nil), n.chain.syncForMessageSlot(slot).members...)
}

// AttestationData returns the data an honest attester of committee index
// at slot signs (index is 0 from Electra on, as the API returns).
func (n *Node) AttestationData(slot phase0.Slot, index phase0.CommitteeIndex) *phase0.AttestationData {
	if n.chain.fork(n.chain.epochOf(slot)).Name >= eth2spec.DataVersionElectra {
		index = 0
	}
	return n.chain.attestationData(slot, index)
}

// Fork returns the fork in force at slot.
func (n *Node) Fork(slot phase0.Slot) eth2spec.DataVersion {
	return n.chain.fork(n.chain.epochOf(slot)).Name
}

// SigningRoot is the signing root of message under domainType at epoch,
// with the message hashed in this chain's preset (dynamic SSZ), which is
// how the node verifies blocks, aggregates and contributions.
func (n *Node) SigningRoot(message any, domainType phase0.DomainType, epoch phase0.Epoch) (phase0.Root, error) {
	return n.signingRoot(message, domainType, epoch)
}
