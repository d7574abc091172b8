package validatorapi

import (
	"context"
	"errors"

	"github.com/attestantio/go-eth2-client/api"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/spec"
)

var _ ethnode.ValidatorClientAPI = (*Server)(nil)

// CacheAttestationDataForVC is c00dc1e cache_attestation_data_for_vc: the
// VC gets data when it asks attestation_data for the duty's slot.
func (s *Server) CacheAttestationDataForVC(_ context.Context, data *phase0.AttestationData, duty *spec.AttestationDuty) error {
	if data == nil || duty == nil || s.byPub[duty.Pubkey] == nil {
		return errors.New("validatorapi: attestation data without a duty of this node's validators")
	}
	s.cache.update(duty.Slot, func() { s.cache.atts[key{duty.Pubkey, duty.Slot}] = &attEntry{duty: duty, data: data} })
	return nil
}

// CacheBlockForVC is c00dc1e cache_block_for_vc: the VC gets block as the
// answer of its v3 block production for the duty's slot.
func (s *Server) CacheBlockForVC(_ context.Context, block *api.VersionedProposal, duty *spec.ProposerDuty) error {
	if block == nil || duty == nil || s.byPub[duty.Pubkey] == nil {
		return errors.New("validatorapi: block without a duty of this node's validators")
	}
	s.cache.update(duty.Slot, func() { s.cache.blocks[key{duty.Pubkey, duty.Slot}] = block })
	return nil
}

// CacheSyncCommitteeContributionForVC is c00dc1e
// cache_sync_committee_contribution_for_vc: the VC signs the
// contribution's block root, which it gets as the head root of the slot.
func (s *Server) CacheSyncCommitteeContributionForVC(_ context.Context, c *altair.SyncCommitteeContribution, duty *spec.SyncCommitteeDuty) error {
	if c == nil || duty == nil || s.byPub[duty.Pubkey] == nil {
		return errors.New("validatorapi: contribution without a duty of this node's validators")
	}
	s.cache.update(c.Slot, func() { s.cache.syncs[key{duty.Pubkey, c.Slot}] = c })
	return nil
}
