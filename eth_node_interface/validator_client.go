package ethnode

import (
	"context"

	"github.com/attestantio/go-eth2-client/api"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec"
)

// The validator client (VC) side of eth_node_interface.py at c00dc1e, the
// VC-middleware architecture. The DV node stands between an ordinary VC and
// the beacon node and serves the VC the beacon API: it proxies everything
// except duties, the data to sign, and the signed results. The Python
// functions split into two directions, so Go has two interfaces:
//
//   - ValidatorClientAPI: the node hands decided data to the VC-facing API
//     server, which serves it when the VC asks (cache_*_for_vc).
//   - ValidatorClientCapture: the VC-facing API server hands what the VC
//     signed with its key share back to the node (capture_threshold_signed_*),
//     which starts recombination (networking.py broadcast_threshold_signed_*).

// ValidatorClientAPI is implemented by the VC-facing beacon-API server and
// called by the DV node once consensus has decided what the VC may sign.
type ValidatorClientAPI interface {
	// CacheAttestationDataForVC is cache_attestation_data_for_vc (c00dc1e):
	// the VC receives data as the answer of
	// GET /eth/v1/validator/attestation_data for the duty's slot and
	// committee.
	CacheAttestationDataForVC(ctx context.Context, data *phase0.AttestationData, duty *spec.AttestationDuty) error

	// CacheBlockForVC is cache_block_for_vc (c00dc1e): the VC receives block
	// as the answer of GET /eth/v3/validator/blocks/{slot} for the duty's
	// slot. (The Python docstring links produceAttestationData by mistake.)
	CacheBlockForVC(ctx context.Context, block *api.VersionedProposal, duty *spec.ProposerDuty) error

	// CacheSyncCommitteeContributionForVC is
	// cache_sync_committee_contribution_for_vc (c00dc1e): the VC receives
	// contribution as the answer of
	// GET /eth/v1/validator/sync_committee_contribution.
	CacheSyncCommitteeContributionForVC(ctx context.Context, contribution *altair.SyncCommitteeContribution, duty *spec.SyncCommitteeDuty) error
}

// ValidatorClientCapture is implemented by the DV node and called by the
// VC-facing API server when the VC submits something it signed with its key
// share (a threshold signature, not yet the validator's).
type ValidatorClientCapture interface {
	// CaptureThresholdSignedAttestation is
	// capture_threshold_signed_attestation (c00dc1e): the VC submitted
	// attestation through POST /eth/v2/beacon/pool/attestations.
	CaptureThresholdSignedAttestation(ctx context.Context, attestation *eth2spec.VersionedAttestation) error

	// CaptureThresholdSignedBlock is capture_threshold_signed_block
	// (c00dc1e): the VC submitted block through POST /eth/v2/beacon/blocks.
	CaptureThresholdSignedBlock(ctx context.Context, block *api.VersionedSignedProposal) error

	// CaptureThresholdSignedSyncCommitteeSignature is
	// capture_threshold_signed_sync_committee_signature (c00dc1e): the VC
	// submitted message through POST /eth/v1/beacon/pool/sync_committees.
	// (The Python docstring describes a block by mistake.)
	CaptureThresholdSignedSyncCommitteeSignature(ctx context.Context, message *altair.SyncCommitteeMessage) error
}
