package beaconclient

import (
	"context"
	"fmt"
	"sort"

	"github.com/attestantio/go-eth2-client/api"
	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
)

// Endpoint labels used in errors.
const (
	epGenesis        = "GET " + ethnode.PathGenesis
	epForkSchedule   = "GET " + ethnode.PathForkSchedule
	epStateFork      = "GET " + ethnode.PathStateFork
	epSpec           = "GET " + ethnode.PathSpec
	epSyncing        = "GET " + ethnode.PathNodeSyncing
	epVersion        = "GET " + ethnode.PathNodeVersion
	epAttesterDuties = "POST " + ethnode.PathAttesterDuties
	epProposerDuties = "GET " + ethnode.PathProposerDuties
	epSyncDuties     = "POST " + ethnode.PathSyncCommitteeDuties
	epAttData        = "GET " + ethnode.PathAttestationData
	epPoolAtt        = "POST " + ethnode.PathPoolAttestationsV2
	epAggregate      = "GET " + ethnode.PathAggregateAttestation
	epAggAndProofs   = "POST " + ethnode.PathAggregateAndProofs
	epBeaconSel      = "POST " + ethnode.PathBeaconCommitteeSel
	epBeaconSubs     = "POST " + ethnode.PathBeaconCommitteeSubs
	epProduceBlock   = "GET " + ethnode.PathProduceBlockV3
	epPublishBlock   = "POST " + ethnode.PathPublishBlockV2
	epPrepare        = "POST " + ethnode.PathPrepareBeaconProp
	epRegister       = "POST " + ethnode.PathRegisterValidator
	epContribution   = "GET " + ethnode.PathSyncContribution
	epPoolSync       = "POST " + ethnode.PathPoolSyncCommittees
	epContribProofs  = "POST " + ethnode.PathContributionAndProof
	epSyncSel        = "POST " + ethnode.PathSyncCommitteeSel
	epSyncSubs       = "POST " + ethnode.PathSyncCommitteeSubs
	epValidators     = "POST " + ethnode.PathStateValidators
	epCommittees     = "GET " + ethnode.PathStateCommittees
	epSyncCommittee  = "GET " + ethnode.PathStateSyncCommittees
	epLiveness       = "POST " + ethnode.PathLiveness
	epExit           = "POST " + ethnode.PathPoolVoluntaryExits
	epEvents         = "GET " + ethnode.PathEvents
)

// GenesisValidatorsRoot is bn_get_genesis_validators_root.
func (c *Client) GenesisValidatorsRoot(ctx context.Context) (phase0.Root, error) {
	g, err := c.Genesis(ctx)
	if err != nil {
		return phase0.Root{}, err
	}
	return g.GenesisValidatorsRoot, nil
}

// Genesis fetches the chain's genesis.
func (c *Client) Genesis(ctx context.Context) (*apiv1.Genesis, error) {
	return call(c, ctx, epGenesis, false, func(ctx context.Context, n *node) (*apiv1.Genesis, error) {
		r, err := n.svc.Genesis(ctx, &api.GenesisOpts{})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	})
}

// ForkSchedule fetches the fork schedule.
func (c *Client) ForkSchedule(ctx context.Context) ([]*phase0.Fork, error) {
	return call(c, ctx, epForkSchedule, false, func(ctx context.Context, n *node) ([]*phase0.Fork, error) {
		r, err := n.svc.ForkSchedule(ctx, &api.ForkScheduleOpts{})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	})
}

// ForkVersion is bn_get_fork_version: the version of the last scheduled
// fork at or before the slot's epoch. Schedule and SLOTS_PER_EPOCH come
// from the same beacon node.
func (c *Client) ForkVersion(ctx context.Context, slot phase0.Slot) (phase0.Version, error) {
	return call(c, ctx, epForkSchedule, false, func(ctx context.Context, n *node) (phase0.Version, error) {
		spe, err := n.svc.SlotsPerEpoch(ctx)
		if err != nil {
			return phase0.Version{}, err
		}
		if spe == 0 {
			return phase0.Version{}, fmt.Errorf("SLOTS_PER_EPOCH is 0")
		}
		r, err := n.svc.ForkSchedule(ctx, &api.ForkScheduleOpts{})
		if err != nil {
			return phase0.Version{}, err
		}
		forks := append([]*phase0.Fork(nil), r.Data...)
		sort.SliceStable(forks, func(i, j int) bool { return forks[i].Epoch < forks[j].Epoch })
		epoch := phase0.Epoch(uint64(slot) / spe)
		var found *phase0.Fork
		for _, f := range forks {
			if f != nil && f.Epoch <= epoch {
				found = f
			}
		}
		if found == nil {
			return phase0.Version{}, fmt.Errorf("no fork scheduled at or before epoch %d", epoch)
		}
		return found.CurrentVersion, nil
	})
}

// StateFork fetches the Fork object of a state.
func (c *Client) StateFork(ctx context.Context, stateID string) (*phase0.Fork, error) {
	return call(c, ctx, epStateFork, false, func(ctx context.Context, n *node) (*phase0.Fork, error) {
		r, err := n.svc.Fork(ctx, &api.ForkOpts{State: stateID})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	})
}

// Spec fetches the chain's configuration.
func (c *Client) Spec(ctx context.Context) (map[string]any, error) {
	return call(c, ctx, epSpec, false, func(ctx context.Context, n *node) (map[string]any, error) {
		r, err := n.svc.Spec(ctx, &api.SpecOpts{})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	})
}

// NodeSyncing fetches the sync state.
func (c *Client) NodeSyncing(ctx context.Context) (*apiv1.SyncState, error) {
	return call(c, ctx, epSyncing, false, func(ctx context.Context, n *node) (*apiv1.SyncState, error) {
		r, err := n.svc.NodeSyncing(ctx, &api.NodeSyncingOpts{})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	})
}

// NodeVersion fetches the node's version string.
func (c *Client) NodeVersion(ctx context.Context) (string, error) {
	return call(c, ctx, epVersion, false, func(ctx context.Context, n *node) (string, error) {
		r, err := n.svc.NodeVersion(ctx, &api.NodeVersionOpts{})
		if err != nil {
			return "", err
		}
		return r.Data, nil
	})
}

func metaRoot(md map[string]any, key string) (phase0.Root, error) {
	v, ok := md[key]
	if !ok {
		return phase0.Root{}, fmt.Errorf("response lacks %s", key)
	}
	r, ok := v.(phase0.Root)
	if !ok {
		return phase0.Root{}, fmt.Errorf("response %s has type %T", key, v)
	}
	return r, nil
}

func metaBool(md map[string]any, key string) bool {
	b, _ := md[key].(bool)
	return b
}

// AttesterDuties is bn_get_attestation_duties_for_epoch.
func (c *Client) AttesterDuties(ctx context.Context, epoch phase0.Epoch, indices []phase0.ValidatorIndex) (*ethnode.AttesterDuties, error) {
	if len(indices) == 0 {
		return nil, invalid("attester duties need at least one validator index")
	}
	return call(c, ctx, epAttesterDuties, false, func(ctx context.Context, n *node) (*ethnode.AttesterDuties, error) {
		r, err := n.svc.AttesterDuties(ctx, &api.AttesterDutiesOpts{Epoch: epoch, Indices: indices})
		if err != nil {
			return nil, err
		}
		root, err := metaRoot(r.Metadata, "dependent_root")
		if err != nil {
			return nil, err
		}
		return &ethnode.AttesterDuties{DependentRoot: root, ExecutionOptimistic: metaBool(r.Metadata, "execution_optimistic"), Duties: r.Data}, nil
	})
}

// ProposerDuties is bn_get_proposer_duties_for_epoch.
func (c *Client) ProposerDuties(ctx context.Context, epoch phase0.Epoch) (*ethnode.ProposerDuties, error) {
	return call(c, ctx, epProposerDuties, false, func(ctx context.Context, n *node) (*ethnode.ProposerDuties, error) {
		r, err := n.svc.ProposerDuties(ctx, &api.ProposerDutiesOpts{Epoch: epoch})
		if err != nil {
			return nil, err
		}
		root, err := metaRoot(r.Metadata, "dependent_root")
		if err != nil {
			return nil, err
		}
		return &ethnode.ProposerDuties{DependentRoot: root, ExecutionOptimistic: metaBool(r.Metadata, "execution_optimistic"), Duties: r.Data}, nil
	})
}

// SyncCommitteeDuties is bn_get_sync_committee_duties_for_epoch.
func (c *Client) SyncCommitteeDuties(ctx context.Context, epoch phase0.Epoch, indices []phase0.ValidatorIndex) ([]*apiv1.SyncCommitteeDuty, error) {
	if len(indices) == 0 {
		return nil, invalid("sync committee duties need at least one validator index")
	}
	return call(c, ctx, epSyncDuties, false, func(ctx context.Context, n *node) ([]*apiv1.SyncCommitteeDuty, error) {
		r, err := n.svc.SyncCommitteeDuties(ctx, &api.SyncCommitteeDutiesOpts{Epoch: epoch, Indices: indices})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	})
}

// ProduceAttestationData is bn_produce_attestation_data.
func (c *Client) ProduceAttestationData(ctx context.Context, slot phase0.Slot, committeeIndex phase0.CommitteeIndex) (*phase0.AttestationData, error) {
	return call(c, ctx, epAttData, false, func(ctx context.Context, n *node) (*phase0.AttestationData, error) {
		r, err := n.svc.AttestationData(ctx, &api.AttestationDataOpts{Slot: slot, CommitteeIndex: committeeIndex})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	})
}

// checkAttestations refuses what go-eth2-client would mangle: mixed
// versions, and Electra entries it cannot turn into a SingleAttestation
// (it drops those silently and would post the rest, or an empty list).
func checkAttestations(atts []*eth2spec.VersionedAttestation) error {
	if len(atts) == 0 {
		return invalid("no attestations")
	}
	for i, a := range atts {
		if a == nil || a.IsEmpty() {
			return invalid("attestation %d is empty", i)
		}
		if a.Version != atts[0].Version {
			return invalid("attestation %d is %s, attestation 0 is %s; one request carries one version", i, a.Version, atts[0].Version)
		}
		var e interface {
			CommitteeIndex() (phase0.CommitteeIndex, error)
		}
		switch a.Version {
		case eth2spec.DataVersionElectra:
			e = a.Electra
		case eth2spec.DataVersionFulu:
			e = a.Fulu
		}
		if e == nil {
			if a.Version >= eth2spec.DataVersionElectra {
				return invalid("attestation %d: no %s attestation", i, a.Version)
			}
			continue
		}
		if a.ValidatorIndex == nil {
			return invalid("attestation %d: a %s attestation is sent as a SingleAttestation and needs its ValidatorIndex", i, a.Version)
		}
		if _, err := e.CommitteeIndex(); err != nil {
			return invalid("attestation %d: %v", i, err)
		}
	}
	return nil
}

// SubmitAttestations is bn_submit_attestation.
func (c *Client) SubmitAttestations(ctx context.Context, attestations []*eth2spec.VersionedAttestation) error {
	if err := checkAttestations(attestations); err != nil {
		return err
	}
	return do(c, ctx, epPoolAtt, true, func(ctx context.Context, n *node) error {
		return n.svc.SubmitAttestations(ctx, &api.SubmitAttestationsOpts{Attestations: attestations})
	})
}

// AggregateAttestation fetches the aggregate of an attestation data root.
func (c *Client) AggregateAttestation(ctx context.Context, slot phase0.Slot, attestationDataRoot phase0.Root, committeeIndex phase0.CommitteeIndex) (*eth2spec.VersionedAttestation, error) {
	return call(c, ctx, epAggregate, false, func(ctx context.Context, n *node) (*eth2spec.VersionedAttestation, error) {
		r, err := n.svc.AggregateAttestation(ctx, &api.AggregateAttestationOpts{Slot: slot, AttestationDataRoot: attestationDataRoot, CommitteeIndex: committeeIndex})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	})
}

// SubmitAggregateAndProofs publishes signed aggregates and proofs.
func (c *Client) SubmitAggregateAndProofs(ctx context.Context, aggregates []*eth2spec.VersionedSignedAggregateAndProof) error {
	if len(aggregates) == 0 {
		return invalid("no aggregates")
	}
	return do(c, ctx, epAggAndProofs, true, func(ctx context.Context, n *node) error {
		return n.svc.SubmitAggregateAttestations(ctx, &api.SubmitAggregateAttestationsOpts{SignedAggregateAndProofs: aggregates})
	})
}

// BeaconCommitteeSelections exchanges selection proofs (DVT endpoint).
func (c *Client) BeaconCommitteeSelections(ctx context.Context, selections []*apiv1.BeaconCommitteeSelection) ([]*apiv1.BeaconCommitteeSelection, error) {
	if len(selections) == 0 {
		return nil, invalid("no selections")
	}
	return call(c, ctx, epBeaconSel, true, func(ctx context.Context, n *node) ([]*apiv1.BeaconCommitteeSelection, error) {
		r, err := n.svc.BeaconCommitteeSelections(ctx, &api.BeaconCommitteeSelectionsOpts{Selections: selections})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	})
}

// SubmitBeaconCommitteeSubscriptions subscribes to attestation subnets.
func (c *Client) SubmitBeaconCommitteeSubscriptions(ctx context.Context, subscriptions []*apiv1.BeaconCommitteeSubscription) error {
	if len(subscriptions) == 0 {
		return invalid("no subscriptions")
	}
	return do(c, ctx, epBeaconSubs, true, func(ctx context.Context, n *node) error {
		return n.svc.SubmitBeaconCommitteeSubscriptions(ctx, subscriptions)
	})
}

// ProduceBlock is bn_produce_block. It asks for a full block
// (builder_boost_factor=0): builder flows are out of scope, and only a full
// block's execution payload shows the fee recipient the DVC checks.
func (c *Client) ProduceBlock(ctx context.Context, slot phase0.Slot, randaoReveal phase0.BLSSignature, graffiti [32]byte) (*api.VersionedProposal, error) {
	return call(c, ctx, epProduceBlock, false, func(ctx context.Context, n *node) (*api.VersionedProposal, error) {
		noBuilder := uint64(0)
		r, err := n.svc.Proposal(ctx, &api.ProposalOpts{Slot: slot, RandaoReveal: randaoReveal, Graffiti: graffiti, BuilderBoostFactor: &noBuilder})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	})
}

// SubmitBlock is bn_submit_block.
func (c *Client) SubmitBlock(ctx context.Context, block *api.VersionedSignedProposal) error {
	if block == nil {
		return invalid("no block")
	}
	if block.Blinded {
		return invalid("a blinded block is published through /eth/v2/beacon/blinded_blocks, which this client does not offer")
	}
	if err := block.AssertPresent(); err != nil {
		return invalid("%v", err)
	}
	return do(c, ctx, epPublishBlock, true, func(ctx context.Context, n *node) error {
		return n.blockService(ctx).SubmitProposal(ctx, &api.SubmitProposalOpts{Proposal: block})
	})
}

// SubmitProposalPreparations sends fee recipients.
func (c *Client) SubmitProposalPreparations(ctx context.Context, preparations []*apiv1.ProposalPreparation) error {
	if len(preparations) == 0 {
		return invalid("no preparations")
	}
	return do(c, ctx, epPrepare, true, func(ctx context.Context, n *node) error {
		return n.svc.SubmitProposalPreparations(ctx, preparations)
	})
}

// SubmitValidatorRegistrations sends builder registrations.
func (c *Client) SubmitValidatorRegistrations(ctx context.Context, registrations []*api.VersionedSignedValidatorRegistration) error {
	if len(registrations) == 0 {
		return invalid("no registrations")
	}
	return do(c, ctx, epRegister, true, func(ctx context.Context, n *node) error {
		return n.svc.SubmitValidatorRegistrations(ctx, registrations)
	})
}

// ProduceSyncCommitteeContribution is bn_produce_sync_committee_contribution.
func (c *Client) ProduceSyncCommitteeContribution(ctx context.Context, slot phase0.Slot, subcommitteeIndex uint64, beaconBlockRoot phase0.Root) (*altair.SyncCommitteeContribution, error) {
	return call(c, ctx, epContribution, false, func(ctx context.Context, n *node) (*altair.SyncCommitteeContribution, error) {
		r, err := n.svc.SyncCommitteeContribution(ctx, &api.SyncCommitteeContributionOpts{Slot: slot, SubcommitteeIndex: subcommitteeIndex, BeaconBlockRoot: beaconBlockRoot})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	})
}

// SubmitSyncCommitteeMessages is bn_submit_sync_committee_signature.
func (c *Client) SubmitSyncCommitteeMessages(ctx context.Context, messages []*altair.SyncCommitteeMessage) error {
	if len(messages) == 0 {
		return invalid("no sync committee messages")
	}
	return do(c, ctx, epPoolSync, true, func(ctx context.Context, n *node) error {
		return n.svc.SubmitSyncCommitteeMessages(ctx, messages)
	})
}

// SubmitSyncCommitteeContributions publishes contributions and proofs.
func (c *Client) SubmitSyncCommitteeContributions(ctx context.Context, contributions []*altair.SignedContributionAndProof) error {
	if len(contributions) == 0 {
		return invalid("no contributions")
	}
	return do(c, ctx, epContribProofs, true, func(ctx context.Context, n *node) error {
		return n.svc.SubmitSyncCommitteeContributions(ctx, contributions)
	})
}

// SubmitSyncCommitteeSubscriptions subscribes to sync committee subnets.
func (c *Client) SubmitSyncCommitteeSubscriptions(ctx context.Context, subscriptions []*apiv1.SyncCommitteeSubscription) error {
	if len(subscriptions) == 0 {
		return invalid("no subscriptions")
	}
	return do(c, ctx, epSyncSubs, true, func(ctx context.Context, n *node) error {
		return n.svc.SubmitSyncCommitteeSubscriptions(ctx, subscriptions)
	})
}

// Validators fetches validators by index and public key.
func (c *Client) Validators(ctx context.Context, stateID string, indices []phase0.ValidatorIndex, pubkeys []phase0.BLSPubKey) (map[phase0.ValidatorIndex]*apiv1.Validator, error) {
	if len(indices) == 0 && len(pubkeys) == 0 {
		return nil, invalid("validators need at least one index or public key (the whole registry is not fetched)")
	}
	if stateID == "" {
		return nil, invalid("no state id")
	}
	return call(c, ctx, epValidators, false, func(ctx context.Context, n *node) (map[phase0.ValidatorIndex]*apiv1.Validator, error) {
		r, err := n.svc.Validators(ctx, &api.ValidatorsOpts{State: stateID, Indices: indices, PubKeys: pubkeys})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	})
}

// BeaconCommittees fetches the committees of an epoch at a state.
func (c *Client) BeaconCommittees(ctx context.Context, stateID string, epoch *phase0.Epoch) ([]*apiv1.BeaconCommittee, error) {
	if stateID == "" {
		return nil, invalid("no state id")
	}
	return call(c, ctx, epCommittees, false, func(ctx context.Context, n *node) ([]*apiv1.BeaconCommittee, error) {
		r, err := n.svc.BeaconCommittees(ctx, &api.BeaconCommitteesOpts{State: stateID, Epoch: epoch})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	})
}

// SyncCommittee returns the validator indices of the sync committee, in
// committee order (GET /eth/v1/beacon/states/{state_id}/sync_committees),
// for the given epoch or, when epoch is nil, the state's epoch. It is not
// part of ethnode.BeaconNode: the aggregation runtime of impl/node needs
// the members of a sync subcommittee (to check a contribution's
// signature) and asks for it where the beacon node has it.
func (c *Client) SyncCommittee(ctx context.Context, stateID string, epoch *phase0.Epoch) ([]phase0.ValidatorIndex, error) {
	if stateID == "" {
		return nil, invalid("no state id")
	}
	return call(c, ctx, epSyncCommittee, false, func(ctx context.Context, n *node) ([]phase0.ValidatorIndex, error) {
		r, err := n.svc.SyncCommittee(ctx, &api.SyncCommitteeOpts{State: stateID, Epoch: epoch})
		if err != nil {
			return nil, err
		}
		if r.Data == nil {
			return nil, fmt.Errorf("no sync committee in the answer")
		}
		return r.Data.Validators, nil
	})
}

// ValidatorLiveness asks which validators were seen live in an epoch.
func (c *Client) ValidatorLiveness(ctx context.Context, epoch phase0.Epoch, indices []phase0.ValidatorIndex) ([]*apiv1.ValidatorLiveness, error) {
	if len(indices) == 0 {
		return nil, invalid("liveness needs at least one validator index")
	}
	return call(c, ctx, epLiveness, false, func(ctx context.Context, n *node) ([]*apiv1.ValidatorLiveness, error) {
		r, err := n.svc.ValidatorLiveness(ctx, &api.ValidatorLivenessOpts{Epoch: epoch, Indices: indices})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	})
}

// SubmitVoluntaryExit publishes a signed voluntary exit.
func (c *Client) SubmitVoluntaryExit(ctx context.Context, exit *phase0.SignedVoluntaryExit) error {
	if exit == nil || exit.Message == nil {
		return invalid("no voluntary exit")
	}
	return do(c, ctx, epExit, true, func(ctx context.Context, n *node) error {
		return n.svc.SubmitVoluntaryExit(ctx, exit)
	})
}
