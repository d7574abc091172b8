package ethnode

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/signing"
)

// This file holds the remote-signer (RS) side of eth_node_interface.py
// (HEAD, remote-signer architecture): the RemoteSigner interface and the
// request and response shapes of the Web3Signer eth2 signing API, which the
// Python functions rs_sign_attestation, rs_sign_randao_reveal and
// rs_sign_block call. The Go spec covers every message type of that API a
// validator signs, not only the three the Python names.
//
// Web3Signer endpoints (Web3Signer eth2 OpenAPI, version 2.0.0):
//
//	POST /api/v1/eth2/sign/{identifier}   sign one message; identifier is the 0x-prefixed public key
//	GET  /api/v1/eth2/publicKeys          the public keys the signer holds
//	GET  /upcheck                         liveness ("OK", text/plain)
//
// Status codes of the signing endpoint: 200 with {"signature": "0x..."}
// (application/json when the Accept header allows it, else the bare hex
// signature as text/plain), 400 bad request, 404 unknown public key, 412
// refused by slashing protection, 500 internal error.

// SignType is the "type" discriminator of a Web3Signer eth2 signing request.
type SignType string

// The signing request types. The strings are the Web3Signer API's.
const (
	// SignTypeAttestation signs AttestationData (rs_sign_attestation).
	SignTypeAttestation SignType = "ATTESTATION"
	// SignTypeBlockV2 signs a beacon block or block header (rs_sign_block).
	SignTypeBlockV2 SignType = "BLOCK_V2"
	// SignTypeRandaoReveal signs an epoch (rs_sign_randao_reveal).
	SignTypeRandaoReveal SignType = "RANDAO_REVEAL"
	// SignTypeAggregationSlot signs a slot: the attestation aggregator
	// selection proof.
	SignTypeAggregationSlot SignType = "AGGREGATION_SLOT"
	// SignTypeAggregateAndProofV2 signs a versioned AggregateAndProof.
	SignTypeAggregateAndProofV2 SignType = "AGGREGATE_AND_PROOF_V2"
	// SignTypeSyncCommitteeMessage signs the beacon block root of a sync
	// committee message.
	SignTypeSyncCommitteeMessage SignType = "SYNC_COMMITTEE_MESSAGE"
	// SignTypeSyncCommitteeSelectionProof signs SyncAggregatorSelectionData.
	SignTypeSyncCommitteeSelectionProof SignType = "SYNC_COMMITTEE_SELECTION_PROOF"
	// SignTypeSyncCommitteeContributionAndProof signs a ContributionAndProof.
	SignTypeSyncCommitteeContributionAndProof SignType = "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF"
	// SignTypeValidatorRegistration signs a builder ValidatorRegistrationV1.
	SignTypeValidatorRegistration SignType = "VALIDATOR_REGISTRATION"
	// SignTypeVoluntaryExit signs a VoluntaryExit.
	SignTypeVoluntaryExit SignType = "VOLUNTARY_EXIT"
	// SignTypeDeposit signs a DepositMessage.
	SignTypeDeposit SignType = "DEPOSIT"
)

// SignTypes lists every request type this package encodes, in a fixed order.
// The deprecated Web3Signer types BLOCK and AGGREGATE_AND_PROOF are not
// among them: BLOCK_V2 and AGGREGATE_AND_PROOF_V2 replace them.
var SignTypes = []SignType{
	SignTypeAttestation, SignTypeBlockV2, SignTypeRandaoReveal, SignTypeAggregationSlot,
	SignTypeAggregateAndProofV2, SignTypeSyncCommitteeMessage, SignTypeSyncCommitteeSelectionProof,
	SignTypeSyncCommitteeContributionAndProof, SignTypeValidatorRegistration, SignTypeVoluntaryExit,
	SignTypeDeposit,
}

// NeedsForkInfo reports whether requests of type t must carry fork_info.
// Builder registrations and deposits are signed with the genesis fork
// version and a zero genesis validators root, so they carry none.
func (t SignType) NeedsForkInfo() bool {
	return t != SignTypeValidatorRegistration && t != SignTypeDeposit
}

// Slashable reports whether a signature of type t can be slashed, so that a
// signer must check and record it in its slashing-protection DB first.
func (t SignType) Slashable() bool {
	return t == SignTypeAttestation || t == SignTypeBlockV2
}

// ForkInfo is Web3Signer's fork_info: the beacon-state Fork object in force
// (previous version, current version, activation epoch of the current fork)
// and the genesis validators root. It is what the Python passes as
// fork_version, completed with what the domain also needs.
type ForkInfo struct {
	Fork                  *phase0.Fork
	GenesisValidatorsRoot phase0.Root
}

// ForkInfoAt is new: the fork_info for a message of the given epoch on the
// chain described by forks and genesisValidatorsRoot (the beacon API's
// /eth/v1/beacon/states/{id}/fork at that epoch, without asking a beacon
// node).
func ForkInfoAt(forks signing.ForkSchedule, genesisValidatorsRoot phase0.Root, epoch phase0.Epoch) (*ForkInfo, error) {
	f, err := forks.StateFork(epoch)
	if err != nil {
		return nil, err
	}
	return &ForkInfo{Fork: f, GenesisValidatorsRoot: genesisValidatorsRoot}, nil
}

// VersionAt is the fork version Web3Signer (like consensus-specs get_domain
// on a state with this fork) uses for a message of the given epoch: the
// previous version before the fork's activation epoch, the current one from
// it on.
func (fi *ForkInfo) VersionAt(epoch phase0.Epoch) (phase0.Version, error) {
	if fi == nil || fi.Fork == nil {
		return phase0.Version{}, errors.New("fork_info: missing fork")
	}
	if epoch < fi.Fork.Epoch {
		return fi.Fork.PreviousVersion, nil
	}
	return fi.Fork.CurrentVersion, nil
}

// BeaconBlockRequest is Web3Signer's beacon_block object of a BLOCK_V2
// request: the fork name (version) and, for phase0 and altair, the whole
// block, for bellatrix and later only its header (a block and its header
// have the same hash tree root, so the header is enough to sign).
type BeaconBlockRequest struct {
	// Version is the fork of the block.
	Version eth2spec.DataVersion
	// Block is the whole block; set for phase0 and altair only.
	Block *eth2spec.VersionedBeaconBlock
	// BlockHeader is the block's header; set for bellatrix and later only.
	BlockHeader *phase0.BeaconBlockHeader
}

// RandaoReveal is Web3Signer's randao_reveal object: the epoch whose RANDAO
// reveal is signed.
type RandaoReveal struct {
	Epoch phase0.Epoch
}

// AggregationSlot is Web3Signer's aggregation_slot object: the slot whose
// aggregator selection proof is signed.
type AggregationSlot struct {
	Slot phase0.Slot
}

// SyncCommitteeMessageData is Web3Signer's sync_committee_message object:
// the block root a sync committee member signs at a slot (the signature
// itself is what the sync committee message carries).
type SyncCommitteeMessageData struct {
	BeaconBlockRoot phase0.Root
	Slot            phase0.Slot
}

// DepositRequest is Web3Signer's deposit object: a DepositMessage and the
// genesis fork version of the chain it is for.
type DepositRequest struct {
	Pubkey                phase0.BLSPubKey
	WithdrawalCredentials [32]byte
	Amount                phase0.Gwei
	GenesisForkVersion    phase0.Version
}

// SignRequest is the body of POST /api/v1/eth2/sign/{identifier}: the type,
// the fork_info (every type but VALIDATOR_REGISTRATION and DEPOSIT), an
// optional signing root the signer checks against its own computation, and
// exactly the one payload field that belongs to the type. Its JSON form is
// exactly Web3Signer's (MarshalJSON, UnmarshalJSON): snake_case fields,
// numbers as decimal strings, byte strings as 0x-prefixed hex, the signing
// root under "signingRoot" (also read from "signing_root", as Web3Signer
// does).
type SignRequest struct {
	Type        SignType
	ForkInfo    *ForkInfo
	SigningRoot *phase0.Root

	Attestation                 *phase0.AttestationData
	BeaconBlock                 *BeaconBlockRequest
	RandaoReveal                *RandaoReveal
	AggregationSlot             *AggregationSlot
	AggregateAndProof           *eth2spec.VersionedAggregateAndProof
	SyncCommitteeMessage        *SyncCommitteeMessageData
	SyncAggregatorSelectionData *altair.SyncAggregatorSelectionData
	ContributionAndProof        *altair.ContributionAndProof
	ValidatorRegistration       *apiv1.ValidatorRegistration
	VoluntaryExit               *phase0.VoluntaryExit
	Deposit                     *DepositRequest
}

// SignResponse is the 200 answer of the signing endpoint in JSON form.
type SignResponse struct {
	Signature phase0.BLSSignature
}

// RemoteSigner is the remote signer (RS) of the DV spec's remote-signer
// architecture: a service with the Web3Signer eth2 API that holds this
// co-validator's key shares and its own slashing protection.
//
// Implementations: impl/remotesigner.Client (HTTP client of any
// Web3Signer-API signer) and impl/remotesigner.Server (the embedded signer,
// served over HTTP and callable directly).
type RemoteSigner interface {
	// Sign is eth_node_interface.py rs_sign_attestation (type ATTESTATION),
	// rs_sign_randao_reveal (RANDAO_REVEAL) and rs_sign_block (BLOCK_V2),
	// and new for every other type: POST /api/v1/eth2/sign/{pubkey} with
	// req as the body. Build req with the New*SignRequest functions. The
	// Python functions take a fork version and a signing root; the Go
	// spec passes fork_info (the Fork and the genesis validators root, from
	// which a Web3Signer computes the domain itself) and the optional
	// signing root the signer verifies. Errors wrap ErrBadRequest (400),
	// ErrUnknownKey (404), ErrSlashingRefused (412) or ErrSignerInternal
	// (500 or any other failure of the signer or the transport).
	Sign(ctx context.Context, pubkey phase0.BLSPubKey, req *SignRequest) (phase0.BLSSignature, error)
	// PublicKeys is new: GET /api/v1/eth2/publicKeys, the public keys the
	// signer can sign for.
	PublicKeys(ctx context.Context) ([]phase0.BLSPubKey, error)
	// Upcheck is new: GET /upcheck; nil when the signer answers 200.
	Upcheck(ctx context.Context) error
}

// Sentinel errors of a remote signer, one per Web3Signer status code class.
var (
	// ErrBadRequest is HTTP 400: the request is malformed or inconsistent
	// (bad JSON, wrong field types, unknown type, missing fork_info, a
	// signingRoot that is not the signing root of the data, a fork_info
	// that disagrees with the signer's fork schedule).
	ErrBadRequest = errors.New("remote signer: bad request")
	// ErrUnknownKey is HTTP 404: the signer holds no key for the public key.
	ErrUnknownKey = errors.New("remote signer: unknown public key")
	// ErrSlashingRefused is HTTP 412: slashing protection refused to sign.
	ErrSlashingRefused = errors.New("remote signer: refused by slashing protection")
	// ErrSignerInternal is HTTP 500, any other status, or a transport
	// failure.
	ErrSignerInternal = errors.New("remote signer: internal error")
)

// SignerError is the error of a remote-signer call that the signer
// answered (or would answer) with a non-200 status. It wraps the sentinel
// of its status code.
type SignerError struct {
	// StatusCode is the HTTP status code (0 when there was no answer).
	StatusCode int
	// Message is the signer's explanation, if any.
	Message string
	// Err is the underlying error, if any (for example a transport error).
	Err error
}

// NewSignerError returns a SignerError for an HTTP status code.
func NewSignerError(status int, format string, args ...any) *SignerError {
	return &SignerError{StatusCode: status, Message: fmt.Sprintf(format, args...)}
}

// Error implements error.
func (e *SignerError) Error() string {
	s := StatusSentinel(e.StatusCode).Error()
	if e.StatusCode != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.StatusCode)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the status sentinel and the underlying error.
func (e *SignerError) Unwrap() []error {
	errs := []error{StatusSentinel(e.StatusCode)}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// StatusSentinel maps an HTTP status code of the signing endpoint to its
// sentinel error.
func StatusSentinel(status int) error {
	switch status {
	case http.StatusBadRequest:
		return ErrBadRequest
	case http.StatusNotFound:
		return ErrUnknownKey
	case http.StatusPreconditionFailed:
		return ErrSlashingRefused
	}
	return ErrSignerInternal
}

// StatusCode maps an error to the HTTP status a Web3Signer-API server
// answers with: 400, 404, 412 for the matching sentinels, 500 otherwise.
func StatusCode(err error) int {
	switch {
	case errors.Is(err, ErrBadRequest):
		return http.StatusBadRequest
	case errors.Is(err, ErrUnknownKey):
		return http.StatusNotFound
	case errors.Is(err, ErrSlashingRefused):
		return http.StatusPreconditionFailed
	}
	return http.StatusInternalServerError
}

// badRequest returns a SignerError with status 400.
func badRequest(format string, args ...any) error {
	return NewSignerError(http.StatusBadRequest, format, args...)
}

// NewAttestationSignRequest is the request of eth_node_interface.py
// rs_sign_attestation: POST /api/v1/eth2/sign/{pubkey}, type ATTESTATION.
// signingRoot may be nil.
func NewAttestationSignRequest(forkInfo *ForkInfo, data *phase0.AttestationData, signingRoot *phase0.Root) *SignRequest {
	return &SignRequest{Type: SignTypeAttestation, ForkInfo: forkInfo, SigningRoot: signingRoot, Attestation: data}
}

// NewBlockSignRequest is the request of eth_node_interface.py rs_sign_block:
// POST /api/v1/eth2/sign/{pubkey}, type BLOCK_V2. Phase0 and altair blocks
// are sent whole; from bellatrix on only the header is sent, as the
// Web3Signer API prescribes (its body root is computed here, in the sizes
// of chain's config: go-eth2-client's BodyRoot has the mainnet sizes).
func NewBlockSignRequest(chain signing.Chain, forkInfo *ForkInfo, block *eth2spec.VersionedBeaconBlock, signingRoot *phase0.Root) (*SignRequest, error) {
	if block == nil || block.IsEmpty() {
		return nil, errors.New("block sign request: missing block")
	}
	br := &BeaconBlockRequest{Version: block.Version}
	switch block.Version {
	case eth2spec.DataVersionPhase0, eth2spec.DataVersionAltair:
		br.Block = block
	default:
		h, err := blockHeader(block.Slot, block.ProposerIndex, block.ParentRoot, block.StateRoot, func() (phase0.Root, error) {
			return chain.BlockBodyRoot(block)
		})
		if err != nil {
			return nil, fmt.Errorf("block sign request: %w", err)
		}
		br.BlockHeader = h
	}
	return &SignRequest{Type: SignTypeBlockV2, ForkInfo: forkInfo, SigningRoot: signingRoot, BeaconBlock: br}, nil
}

// NewBlockHeaderSignRequest is rs_sign_block for a block given by its
// header (a blinded block, or any block from bellatrix on): POST
// /api/v1/eth2/sign/{pubkey}, type BLOCK_V2 with block_header. version must
// be bellatrix or later; Web3Signer takes whole blocks before that.
func NewBlockHeaderSignRequest(forkInfo *ForkInfo, version eth2spec.DataVersion, header *phase0.BeaconBlockHeader, signingRoot *phase0.Root) *SignRequest {
	return &SignRequest{Type: SignTypeBlockV2, ForkInfo: forkInfo, SigningRoot: signingRoot,
		BeaconBlock: &BeaconBlockRequest{Version: version, BlockHeader: header}}
}

func blockHeader(
	slot func() (phase0.Slot, error),
	proposer func() (phase0.ValidatorIndex, error),
	parent, state, body func() (phase0.Root, error),
) (*phase0.BeaconBlockHeader, error) {
	var h phase0.BeaconBlockHeader
	var err error
	if h.Slot, err = slot(); err != nil {
		return nil, err
	}
	if h.ProposerIndex, err = proposer(); err != nil {
		return nil, err
	}
	if h.ParentRoot, err = parent(); err != nil {
		return nil, err
	}
	if h.StateRoot, err = state(); err != nil {
		return nil, err
	}
	if h.BodyRoot, err = body(); err != nil {
		return nil, err
	}
	return &h, nil
}

// NewRandaoRevealSignRequest is the request of eth_node_interface.py
// rs_sign_randao_reveal: POST /api/v1/eth2/sign/{pubkey}, type
// RANDAO_REVEAL.
func NewRandaoRevealSignRequest(forkInfo *ForkInfo, epoch phase0.Epoch, signingRoot *phase0.Root) *SignRequest {
	return &SignRequest{Type: SignTypeRandaoReveal, ForkInfo: forkInfo, SigningRoot: signingRoot, RandaoReveal: &RandaoReveal{Epoch: epoch}}
}

// NewAggregationSlotSignRequest is new (the attestation aggregator's slot
// selection proof): POST /api/v1/eth2/sign/{pubkey}, type AGGREGATION_SLOT.
func NewAggregationSlotSignRequest(forkInfo *ForkInfo, slot phase0.Slot, signingRoot *phase0.Root) *SignRequest {
	return &SignRequest{Type: SignTypeAggregationSlot, ForkInfo: forkInfo, SigningRoot: signingRoot, AggregationSlot: &AggregationSlot{Slot: slot}}
}

// NewAggregateAndProofSignRequest is new: POST /api/v1/eth2/sign/{pubkey},
// type AGGREGATE_AND_PROOF_V2 (phase0 AggregateAndProof before electra,
// electra AggregateAndProof from electra on).
func NewAggregateAndProofSignRequest(forkInfo *ForkInfo, ap *eth2spec.VersionedAggregateAndProof, signingRoot *phase0.Root) *SignRequest {
	return &SignRequest{Type: SignTypeAggregateAndProofV2, ForkInfo: forkInfo, SigningRoot: signingRoot, AggregateAndProof: ap}
}

// NewSyncCommitteeMessageSignRequest is new (c00dc1e's sync committee duty,
// signed by the RS): POST /api/v1/eth2/sign/{pubkey}, type
// SYNC_COMMITTEE_MESSAGE.
func NewSyncCommitteeMessageSignRequest(forkInfo *ForkInfo, slot phase0.Slot, beaconBlockRoot phase0.Root, signingRoot *phase0.Root) *SignRequest {
	return &SignRequest{Type: SignTypeSyncCommitteeMessage, ForkInfo: forkInfo, SigningRoot: signingRoot,
		SyncCommitteeMessage: &SyncCommitteeMessageData{BeaconBlockRoot: beaconBlockRoot, Slot: slot}}
}

// NewSyncCommitteeSelectionProofSignRequest is new: POST
// /api/v1/eth2/sign/{pubkey}, type SYNC_COMMITTEE_SELECTION_PROOF.
func NewSyncCommitteeSelectionProofSignRequest(forkInfo *ForkInfo, data *altair.SyncAggregatorSelectionData, signingRoot *phase0.Root) *SignRequest {
	return &SignRequest{Type: SignTypeSyncCommitteeSelectionProof, ForkInfo: forkInfo, SigningRoot: signingRoot, SyncAggregatorSelectionData: data}
}

// NewContributionAndProofSignRequest is new: POST
// /api/v1/eth2/sign/{pubkey}, type SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF.
func NewContributionAndProofSignRequest(forkInfo *ForkInfo, cp *altair.ContributionAndProof, signingRoot *phase0.Root) *SignRequest {
	return &SignRequest{Type: SignTypeSyncCommitteeContributionAndProof, ForkInfo: forkInfo, SigningRoot: signingRoot, ContributionAndProof: cp}
}

// NewValidatorRegistrationSignRequest is new: POST
// /api/v1/eth2/sign/{pubkey}, type VALIDATOR_REGISTRATION (no fork_info).
func NewValidatorRegistrationSignRequest(reg *apiv1.ValidatorRegistration, signingRoot *phase0.Root) *SignRequest {
	return &SignRequest{Type: SignTypeValidatorRegistration, SigningRoot: signingRoot, ValidatorRegistration: reg}
}

// NewVoluntaryExitSignRequest is new: POST /api/v1/eth2/sign/{pubkey}, type
// VOLUNTARY_EXIT. forkInfo is the fork in force now (the signer derives
// the EIP-7044 domain from it).
func NewVoluntaryExitSignRequest(forkInfo *ForkInfo, exit *phase0.VoluntaryExit, signingRoot *phase0.Root) *SignRequest {
	return &SignRequest{Type: SignTypeVoluntaryExit, ForkInfo: forkInfo, SigningRoot: signingRoot, VoluntaryExit: exit}
}

// NewDepositSignRequest is new: POST /api/v1/eth2/sign/{pubkey}, type
// DEPOSIT (no fork_info).
func NewDepositSignRequest(deposit *DepositRequest, signingRoot *phase0.Root) *SignRequest {
	return &SignRequest{Type: SignTypeDeposit, SigningRoot: signingRoot, Deposit: deposit}
}

// payloadCount returns how many payload fields are set and whether the one
// belonging to r.Type is among them.
func (r *SignRequest) payloadCount() (n int, own bool) {
	set := map[SignType]bool{
		SignTypeAttestation:                       r.Attestation != nil,
		SignTypeBlockV2:                           r.BeaconBlock != nil,
		SignTypeRandaoReveal:                      r.RandaoReveal != nil,
		SignTypeAggregationSlot:                   r.AggregationSlot != nil,
		SignTypeAggregateAndProofV2:               r.AggregateAndProof != nil,
		SignTypeSyncCommitteeMessage:              r.SyncCommitteeMessage != nil,
		SignTypeSyncCommitteeSelectionProof:       r.SyncAggregatorSelectionData != nil,
		SignTypeSyncCommitteeContributionAndProof: r.ContributionAndProof != nil,
		SignTypeValidatorRegistration:             r.ValidatorRegistration != nil,
		SignTypeVoluntaryExit:                     r.VoluntaryExit != nil,
		SignTypeDeposit:                           r.Deposit != nil,
	}
	for t, ok := range set {
		if ok {
			n++
			if t == r.Type {
				own = true
			}
		}
	}
	return n, own
}

// Validate checks the request's structure: a known type, its payload and no
// other, fork_info (with a fork) where the type needs it. It does not
// check the payload's contents; SigningInput does.
func (r *SignRequest) Validate() error {
	if r == nil {
		return badRequest("missing request")
	}
	if !knownType(r.Type) {
		return badRequest("unknown signing type %q", string(r.Type))
	}
	n, own := r.payloadCount()
	if !own {
		return badRequest("%s request without its %s", r.Type, payloadField(r.Type))
	}
	if n != 1 {
		return badRequest("%s request with more than one payload", r.Type)
	}
	if r.Type.NeedsForkInfo() && (r.ForkInfo == nil || r.ForkInfo.Fork == nil) {
		return badRequest("%s request without fork_info", r.Type)
	}
	return nil
}

func knownType(t SignType) bool {
	for _, k := range SignTypes {
		if k == t {
			return true
		}
	}
	return false
}
