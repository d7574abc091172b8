package ethnode

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/versioned"
)

// JSON encoding of the Web3Signer eth2 signing API. Field names, nesting
// and value formats follow the Web3Signer eth2 OpenAPI schemas
// (components/schemas in signing/schemas.yaml): uint64 values are decimal
// strings, byte values 0x-prefixed hex, fork names upper case ("PHASE0" ..
// "FULU"). The Ethereum containers inside use go-eth2-client's JSON, which
// is the beacon-API encoding the schemas describe.

// VersionName returns the upper-case fork name Web3Signer uses in the
// version field of BLOCK_V2 and AGGREGATE_AND_PROOF_V2 requests.
func VersionName(v eth2spec.DataVersion) (string, error) {
	if v < eth2spec.DataVersionPhase0 || v > eth2spec.DataVersionFulu {
		return "", fmt.Errorf("unknown fork version %d", uint64(v))
	}
	return strings.ToUpper(v.String()), nil
}

// ParseVersionName parses an upper-case fork name. As in Web3Signer, the
// name must be upper case.
func ParseVersionName(s string) (eth2spec.DataVersion, error) {
	for v := eth2spec.DataVersionPhase0; v <= eth2spec.DataVersionFulu; v++ {
		if name, _ := VersionName(v); name == s {
			return v, nil
		}
	}
	return eth2spec.DataVersionUnknown, fmt.Errorf("unknown fork version %q", s)
}

func hex0x(b []byte) string { return "0x" + hex.EncodeToString(b) }

// parseFixedHex parses a 0x-prefixed hex string of exactly n bytes.
func parseFixedHex(field, s string, n int) ([]byte, error) {
	if !strings.HasPrefix(s, "0x") && !strings.HasPrefix(s, "0X") {
		return nil, fmt.Errorf("%s: %q is not 0x-prefixed hex", field, s)
	}
	b, err := hex.DecodeString(s[2:])
	if err != nil {
		return nil, fmt.Errorf("%s: %q is not hex", field, s)
	}
	if len(b) != n {
		return nil, fmt.Errorf("%s: %d bytes, want %d", field, len(b), n)
	}
	return b, nil
}

// parseDecimal parses a uint64 given as a decimal string.
func parseDecimal(field, s string) (uint64, error) {
	if s == "" {
		return 0, fmt.Errorf("%s: missing", field)
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %q is not a decimal uint64", field, s)
	}
	return v, nil
}

// ParsePubKey parses a 0x-prefixed 48-byte hex public key (the
// {identifier} of the signing endpoint and the entries of publicKeys).
func ParsePubKey(s string) (phase0.BLSPubKey, error) {
	var pk phase0.BLSPubKey
	b, err := parseFixedHex("public key", s, len(pk))
	if err != nil {
		return pk, err
	}
	copy(pk[:], b)
	return pk, nil
}

// ParseSignature parses a 0x-prefixed 96-byte hex signature.
func ParseSignature(s string) (phase0.BLSSignature, error) {
	var sig phase0.BLSSignature
	b, err := parseFixedHex("signature", s, len(sig))
	if err != nil {
		return sig, err
	}
	copy(sig[:], b)
	return sig, nil
}

// isNull reports whether a raw JSON value is absent or null.
func isNull(raw json.RawMessage) bool {
	return len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// ---- fork_info ----

type forkInfoJSON struct {
	Fork                  json.RawMessage `json:"fork"`
	GenesisValidatorsRoot string          `json:"genesis_validators_root"`
}

// MarshalJSON implements json.Marshaler.
func (fi *ForkInfo) MarshalJSON() ([]byte, error) {
	if fi.Fork == nil {
		return nil, errors.New("fork_info: missing fork")
	}
	fork, err := json.Marshal(fi.Fork)
	if err != nil {
		return nil, err
	}
	return json.Marshal(&forkInfoJSON{Fork: fork, GenesisValidatorsRoot: hex0x(fi.GenesisValidatorsRoot[:])})
}

// UnmarshalJSON implements json.Unmarshaler. Both fields are required.
func (fi *ForkInfo) UnmarshalJSON(input []byte) error {
	var j forkInfoJSON
	if err := json.Unmarshal(input, &j); err != nil {
		return fmt.Errorf("fork_info: %w", err)
	}
	if isNull(j.Fork) {
		return errors.New("fork_info: fork missing")
	}
	var fork phase0.Fork
	if err := json.Unmarshal(j.Fork, &fork); err != nil {
		return fmt.Errorf("fork_info.fork: %w", err)
	}
	if j.GenesisValidatorsRoot == "" {
		return errors.New("fork_info: genesis_validators_root missing")
	}
	b, err := parseFixedHex("fork_info.genesis_validators_root", j.GenesisValidatorsRoot, 32)
	if err != nil {
		return err
	}
	fi.Fork = &fork
	copy(fi.GenesisValidatorsRoot[:], b)
	return nil
}

// ---- beacon_block ----

type beaconBlockRequestJSON struct {
	Version     string          `json:"version"`
	Block       json.RawMessage `json:"block,omitempty"`
	BlockHeader json.RawMessage `json:"block_header,omitempty"`
}

// MarshalJSON implements json.Marshaler: {"version", "block"} for phase0
// and altair, {"version", "block_header"} from bellatrix on.
func (b *BeaconBlockRequest) MarshalJSON() ([]byte, error) {
	name, err := VersionName(b.Version)
	if err != nil {
		return nil, fmt.Errorf("beacon_block: %w", err)
	}
	out := beaconBlockRequestJSON{Version: name}
	switch b.Version {
	case eth2spec.DataVersionPhase0, eth2spec.DataVersionAltair:
		if b.Block == nil || b.Block.Version != b.Version || b.BlockHeader != nil {
			return nil, fmt.Errorf("beacon_block: a %s request carries exactly a %s block", name, name)
		}
		var inner any = b.Block.Phase0
		if b.Version == eth2spec.DataVersionAltair {
			inner = b.Block.Altair
		}
		if out.Block, err = json.Marshal(inner); err != nil {
			return nil, err
		}
	default:
		if b.BlockHeader == nil || b.Block != nil {
			return nil, fmt.Errorf("beacon_block: a %s request carries exactly a block header", name)
		}
		if out.BlockHeader, err = json.Marshal(b.BlockHeader); err != nil {
			return nil, err
		}
	}
	return json.Marshal(&out)
}

// UnmarshalJSON implements json.Unmarshaler. As in Web3Signer, phase0 and
// altair requests must carry "block" and later ones "block_header".
func (b *BeaconBlockRequest) UnmarshalJSON(input []byte) error {
	var j beaconBlockRequestJSON
	if err := json.Unmarshal(input, &j); err != nil {
		return fmt.Errorf("beacon_block: %w", err)
	}
	v, err := ParseVersionName(j.Version)
	if err != nil {
		return fmt.Errorf("beacon_block.version: %w", err)
	}
	out := BeaconBlockRequest{Version: v}
	switch v {
	case eth2spec.DataVersionPhase0, eth2spec.DataVersionAltair:
		if isNull(j.Block) {
			return fmt.Errorf("beacon_block: %s request without block", j.Version)
		}
		out.Block = &eth2spec.VersionedBeaconBlock{Version: v}
		if v == eth2spec.DataVersionPhase0 {
			out.Block.Phase0 = &phase0.BeaconBlock{}
			err = json.Unmarshal(j.Block, out.Block.Phase0)
		} else {
			out.Block.Altair = &altair.BeaconBlock{}
			err = json.Unmarshal(j.Block, out.Block.Altair)
		}
		if err != nil {
			return fmt.Errorf("beacon_block.block: %w", err)
		}
	default:
		if isNull(j.BlockHeader) {
			return fmt.Errorf("beacon_block: %s request without block_header", j.Version)
		}
		out.BlockHeader = &phase0.BeaconBlockHeader{}
		if err := json.Unmarshal(j.BlockHeader, out.BlockHeader); err != nil {
			return fmt.Errorf("beacon_block.block_header: %w", err)
		}
	}
	*b = out
	return nil
}

// ---- small payloads ----

type epochJSON struct {
	Epoch string `json:"epoch"`
}

// MarshalJSON implements json.Marshaler: {"epoch": "<decimal>"}.
func (r *RandaoReveal) MarshalJSON() ([]byte, error) {
	return json.Marshal(&epochJSON{Epoch: strconv.FormatUint(uint64(r.Epoch), 10)})
}

// UnmarshalJSON implements json.Unmarshaler.
func (r *RandaoReveal) UnmarshalJSON(input []byte) error {
	var j epochJSON
	if err := json.Unmarshal(input, &j); err != nil {
		return fmt.Errorf("randao_reveal: %w", err)
	}
	e, err := parseDecimal("randao_reveal.epoch", j.Epoch)
	if err != nil {
		return err
	}
	r.Epoch = phase0.Epoch(e)
	return nil
}

type slotJSON struct {
	Slot string `json:"slot"`
}

// MarshalJSON implements json.Marshaler: {"slot": "<decimal>"}.
func (a *AggregationSlot) MarshalJSON() ([]byte, error) {
	return json.Marshal(&slotJSON{Slot: strconv.FormatUint(uint64(a.Slot), 10)})
}

// UnmarshalJSON implements json.Unmarshaler.
func (a *AggregationSlot) UnmarshalJSON(input []byte) error {
	var j slotJSON
	if err := json.Unmarshal(input, &j); err != nil {
		return fmt.Errorf("aggregation_slot: %w", err)
	}
	s, err := parseDecimal("aggregation_slot.slot", j.Slot)
	if err != nil {
		return err
	}
	a.Slot = phase0.Slot(s)
	return nil
}

type syncCommitteeMessageJSON struct {
	BeaconBlockRoot string `json:"beacon_block_root"`
	Slot            string `json:"slot"`
}

// MarshalJSON implements json.Marshaler: {"beacon_block_root", "slot"}.
func (m *SyncCommitteeMessageData) MarshalJSON() ([]byte, error) {
	return json.Marshal(&syncCommitteeMessageJSON{
		BeaconBlockRoot: hex0x(m.BeaconBlockRoot[:]),
		Slot:            strconv.FormatUint(uint64(m.Slot), 10),
	})
}

// UnmarshalJSON implements json.Unmarshaler. Both fields are required.
func (m *SyncCommitteeMessageData) UnmarshalJSON(input []byte) error {
	var j syncCommitteeMessageJSON
	if err := json.Unmarshal(input, &j); err != nil {
		return fmt.Errorf("sync_committee_message: %w", err)
	}
	if j.BeaconBlockRoot == "" {
		return errors.New("sync_committee_message.beacon_block_root: missing")
	}
	root, err := parseFixedHex("sync_committee_message.beacon_block_root", j.BeaconBlockRoot, 32)
	if err != nil {
		return err
	}
	slot, err := parseDecimal("sync_committee_message.slot", j.Slot)
	if err != nil {
		return err
	}
	copy(m.BeaconBlockRoot[:], root)
	m.Slot = phase0.Slot(slot)
	return nil
}

type syncAggregatorSelectionDataJSON struct {
	Slot              string `json:"slot"`
	SubcommitteeIndex string `json:"subcommittee_index"`
}

func marshalSelectionData(d *altair.SyncAggregatorSelectionData) ([]byte, error) {
	return json.Marshal(&syncAggregatorSelectionDataJSON{
		Slot:              strconv.FormatUint(uint64(d.Slot), 10),
		SubcommitteeIndex: strconv.FormatUint(d.SubcommitteeIndex, 10),
	})
}

func unmarshalSelectionData(input []byte) (*altair.SyncAggregatorSelectionData, error) {
	var j syncAggregatorSelectionDataJSON
	if err := json.Unmarshal(input, &j); err != nil {
		return nil, fmt.Errorf("sync_aggregator_selection_data: %w", err)
	}
	slot, err := parseDecimal("sync_aggregator_selection_data.slot", j.Slot)
	if err != nil {
		return nil, err
	}
	sub, err := parseDecimal("sync_aggregator_selection_data.subcommittee_index", j.SubcommitteeIndex)
	if err != nil {
		return nil, err
	}
	return &altair.SyncAggregatorSelectionData{Slot: phase0.Slot(slot), SubcommitteeIndex: sub}, nil
}

type aggregateAndProofJSON struct {
	Version string          `json:"version"`
	Data    json.RawMessage `json:"data"`
}

func marshalAggregateAndProof(ap *eth2spec.VersionedAggregateAndProof) ([]byte, error) {
	inner, err := versioned.AggregateAndProof(ap)
	if err != nil {
		return nil, fmt.Errorf("aggregate_and_proof: %w", err)
	}
	name, err := VersionName(ap.Version)
	if err != nil {
		return nil, fmt.Errorf("aggregate_and_proof: %w", err)
	}
	data, err := json.Marshal(inner)
	if err != nil {
		return nil, err
	}
	return json.Marshal(&aggregateAndProofJSON{Version: name, Data: data})
}

func unmarshalAggregateAndProof(input []byte) (*eth2spec.VersionedAggregateAndProof, error) {
	var j aggregateAndProofJSON
	if err := json.Unmarshal(input, &j); err != nil {
		return nil, fmt.Errorf("aggregate_and_proof: %w", err)
	}
	v, err := ParseVersionName(j.Version)
	if err != nil {
		return nil, fmt.Errorf("aggregate_and_proof.version: %w", err)
	}
	if isNull(j.Data) {
		return nil, errors.New("aggregate_and_proof: data missing")
	}
	inner, err := versioned.NewAggregateAndProof(v)
	if err != nil {
		return nil, fmt.Errorf("aggregate_and_proof.version: %w", err)
	}
	if err := json.Unmarshal(j.Data, inner); err != nil {
		return nil, fmt.Errorf("aggregate_and_proof.data: %w", err)
	}
	out := &eth2spec.VersionedAggregateAndProof{Version: v}
	if err := versioned.SetAggregateAndProof(out, inner); err != nil {
		return nil, fmt.Errorf("aggregate_and_proof: %w", err)
	}
	return out, nil
}

type depositJSON struct {
	Pubkey                string `json:"pubkey"`
	WithdrawalCredentials string `json:"withdrawal_credentials"`
	Amount                string `json:"amount"`
	GenesisForkVersion    string `json:"genesis_fork_version"`
}

// MarshalJSON implements json.Marshaler.
func (d *DepositRequest) MarshalJSON() ([]byte, error) {
	return json.Marshal(&depositJSON{
		Pubkey:                hex0x(d.Pubkey[:]),
		WithdrawalCredentials: hex0x(d.WithdrawalCredentials[:]),
		Amount:                strconv.FormatUint(uint64(d.Amount), 10),
		GenesisForkVersion:    hex0x(d.GenesisForkVersion[:]),
	})
}

// UnmarshalJSON implements json.Unmarshaler. Every field is required.
func (d *DepositRequest) UnmarshalJSON(input []byte) error {
	var j depositJSON
	if err := json.Unmarshal(input, &j); err != nil {
		return fmt.Errorf("deposit: %w", err)
	}
	pk, err := parseFixedHex("deposit.pubkey", j.Pubkey, 48)
	if err != nil {
		return err
	}
	wc, err := parseFixedHex("deposit.withdrawal_credentials", j.WithdrawalCredentials, 32)
	if err != nil {
		return err
	}
	amount, err := parseDecimal("deposit.amount", j.Amount)
	if err != nil {
		return err
	}
	gv, err := parseFixedHex("deposit.genesis_fork_version", j.GenesisForkVersion, 4)
	if err != nil {
		return err
	}
	copy(d.Pubkey[:], pk)
	copy(d.WithdrawalCredentials[:], wc)
	d.Amount = phase0.Gwei(amount)
	copy(d.GenesisForkVersion[:], gv)
	return nil
}

// ---- the request ----

// signRequestJSON is the wire form. Payloads are raw so that only the one
// named by the type is decoded.
type signRequestJSON struct {
	Type                        string          `json:"type"`
	ForkInfo                    json.RawMessage `json:"fork_info,omitempty"`
	SigningRoot                 string          `json:"signingRoot,omitempty"`
	SigningRootAlias            string          `json:"signing_root,omitempty"`
	Attestation                 json.RawMessage `json:"attestation,omitempty"`
	BeaconBlock                 json.RawMessage `json:"beacon_block,omitempty"`
	RandaoReveal                json.RawMessage `json:"randao_reveal,omitempty"`
	AggregationSlot             json.RawMessage `json:"aggregation_slot,omitempty"`
	AggregateAndProof           json.RawMessage `json:"aggregate_and_proof,omitempty"`
	SyncCommitteeMessage        json.RawMessage `json:"sync_committee_message,omitempty"`
	SyncAggregatorSelectionData json.RawMessage `json:"sync_aggregator_selection_data,omitempty"`
	ContributionAndProof        json.RawMessage `json:"contribution_and_proof,omitempty"`
	ValidatorRegistration       json.RawMessage `json:"validator_registration,omitempty"`
	VoluntaryExit               json.RawMessage `json:"voluntary_exit,omitempty"`
	Deposit                     json.RawMessage `json:"deposit,omitempty"`
}

func payloadField(t SignType) string {
	switch t {
	case SignTypeAttestation:
		return "attestation"
	case SignTypeBlockV2:
		return "beacon_block"
	case SignTypeRandaoReveal:
		return "randao_reveal"
	case SignTypeAggregationSlot:
		return "aggregation_slot"
	case SignTypeAggregateAndProofV2:
		return "aggregate_and_proof"
	case SignTypeSyncCommitteeMessage:
		return "sync_committee_message"
	case SignTypeSyncCommitteeSelectionProof:
		return "sync_aggregator_selection_data"
	case SignTypeSyncCommitteeContributionAndProof:
		return "contribution_and_proof"
	case SignTypeValidatorRegistration:
		return "validator_registration"
	case SignTypeVoluntaryExit:
		return "voluntary_exit"
	case SignTypeDeposit:
		return "deposit"
	}
	return "payload"
}

// MarshalJSON implements json.Marshaler. The request must pass Validate.
// fork_info is written only for the types that carry it.
func (r *SignRequest) MarshalJSON() ([]byte, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	out := signRequestJSON{Type: string(r.Type)}
	var err error
	if r.Type.NeedsForkInfo() {
		if out.ForkInfo, err = json.Marshal(r.ForkInfo); err != nil {
			return nil, err
		}
	}
	if r.SigningRoot != nil {
		out.SigningRoot = hex0x(r.SigningRoot[:])
	}
	var payload []byte
	switch r.Type {
	case SignTypeAttestation:
		payload, err = json.Marshal(r.Attestation)
	case SignTypeBlockV2:
		payload, err = json.Marshal(r.BeaconBlock)
	case SignTypeRandaoReveal:
		payload, err = json.Marshal(r.RandaoReveal)
	case SignTypeAggregationSlot:
		payload, err = json.Marshal(r.AggregationSlot)
	case SignTypeAggregateAndProofV2:
		payload, err = marshalAggregateAndProof(r.AggregateAndProof)
	case SignTypeSyncCommitteeMessage:
		payload, err = json.Marshal(r.SyncCommitteeMessage)
	case SignTypeSyncCommitteeSelectionProof:
		payload, err = marshalSelectionData(r.SyncAggregatorSelectionData)
	case SignTypeSyncCommitteeContributionAndProof:
		payload, err = json.Marshal(r.ContributionAndProof)
	case SignTypeValidatorRegistration:
		payload, err = json.Marshal(r.ValidatorRegistration)
	case SignTypeVoluntaryExit:
		payload, err = json.Marshal(r.VoluntaryExit)
	case SignTypeDeposit:
		payload, err = json.Marshal(r.Deposit)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", payloadField(r.Type), err)
	}
	switch r.Type {
	case SignTypeAttestation:
		out.Attestation = payload
	case SignTypeBlockV2:
		out.BeaconBlock = payload
	case SignTypeRandaoReveal:
		out.RandaoReveal = payload
	case SignTypeAggregationSlot:
		out.AggregationSlot = payload
	case SignTypeAggregateAndProofV2:
		out.AggregateAndProof = payload
	case SignTypeSyncCommitteeMessage:
		out.SyncCommitteeMessage = payload
	case SignTypeSyncCommitteeSelectionProof:
		out.SyncAggregatorSelectionData = payload
	case SignTypeSyncCommitteeContributionAndProof:
		out.ContributionAndProof = payload
	case SignTypeValidatorRegistration:
		out.ValidatorRegistration = payload
	case SignTypeVoluntaryExit:
		out.VoluntaryExit = payload
	case SignTypeDeposit:
		out.Deposit = payload
	}
	return json.Marshal(&out)
}

// UnmarshalJSON implements json.Unmarshaler with Web3Signer's reading
// rules: "type" is required and matched case-insensitively; unknown fields
// are ignored; the payload of the type is required and decoded, payloads of
// other types are ignored; fork_info is required for every type except
// VALIDATOR_REGISTRATION and DEPOSIT; the signing root may be given as
// "signingRoot" or "signing_root" (if both, they must agree). Every error
// wraps ErrBadRequest.
func (r *SignRequest) UnmarshalJSON(input []byte) error {
	var j signRequestJSON
	if err := json.Unmarshal(input, &j); err != nil {
		return badRequest("malformed request: %v", err)
	}
	if j.Type == "" {
		return badRequest("request without type")
	}
	out := SignRequest{Type: SignType(strings.ToUpper(j.Type))}
	if !knownType(out.Type) {
		return badRequest("unknown signing type %q", j.Type)
	}
	if !isNull(j.ForkInfo) {
		out.ForkInfo = &ForkInfo{}
		if err := json.Unmarshal(j.ForkInfo, out.ForkInfo); err != nil {
			return badRequest("%v", err)
		}
	} else if out.Type.NeedsForkInfo() {
		return badRequest("%s request without fork_info", out.Type)
	}
	root := j.SigningRoot
	if j.SigningRootAlias != "" {
		if root != "" && !strings.EqualFold(root, j.SigningRootAlias) {
			return badRequest("signingRoot and signing_root differ")
		}
		root = j.SigningRootAlias
	}
	if root != "" {
		b, err := parseFixedHex("signingRoot", root, 32)
		if err != nil {
			return badRequest("%v", err)
		}
		out.SigningRoot = &phase0.Root{}
		copy(out.SigningRoot[:], b)
	}
	raw := map[SignType]json.RawMessage{
		SignTypeAttestation:                       j.Attestation,
		SignTypeBlockV2:                           j.BeaconBlock,
		SignTypeRandaoReveal:                      j.RandaoReveal,
		SignTypeAggregationSlot:                   j.AggregationSlot,
		SignTypeAggregateAndProofV2:               j.AggregateAndProof,
		SignTypeSyncCommitteeMessage:              j.SyncCommitteeMessage,
		SignTypeSyncCommitteeSelectionProof:       j.SyncAggregatorSelectionData,
		SignTypeSyncCommitteeContributionAndProof: j.ContributionAndProof,
		SignTypeValidatorRegistration:             j.ValidatorRegistration,
		SignTypeVoluntaryExit:                     j.VoluntaryExit,
		SignTypeDeposit:                           j.Deposit,
	}[out.Type]
	if isNull(raw) {
		return badRequest("%s request without %s", out.Type, payloadField(out.Type))
	}
	var err error
	switch out.Type {
	case SignTypeAttestation:
		out.Attestation = &phase0.AttestationData{}
		err = json.Unmarshal(raw, out.Attestation)
	case SignTypeBlockV2:
		out.BeaconBlock = &BeaconBlockRequest{}
		err = json.Unmarshal(raw, out.BeaconBlock)
	case SignTypeRandaoReveal:
		out.RandaoReveal = &RandaoReveal{}
		err = json.Unmarshal(raw, out.RandaoReveal)
	case SignTypeAggregationSlot:
		out.AggregationSlot = &AggregationSlot{}
		err = json.Unmarshal(raw, out.AggregationSlot)
	case SignTypeAggregateAndProofV2:
		out.AggregateAndProof, err = unmarshalAggregateAndProof(raw)
	case SignTypeSyncCommitteeMessage:
		out.SyncCommitteeMessage = &SyncCommitteeMessageData{}
		err = json.Unmarshal(raw, out.SyncCommitteeMessage)
	case SignTypeSyncCommitteeSelectionProof:
		out.SyncAggregatorSelectionData, err = unmarshalSelectionData(raw)
	case SignTypeSyncCommitteeContributionAndProof:
		out.ContributionAndProof = &altair.ContributionAndProof{}
		err = json.Unmarshal(raw, out.ContributionAndProof)
	case SignTypeValidatorRegistration:
		out.ValidatorRegistration, err = unmarshalRegistration(raw)
	case SignTypeVoluntaryExit:
		out.VoluntaryExit = &phase0.VoluntaryExit{}
		err = json.Unmarshal(raw, out.VoluntaryExit)
	case SignTypeDeposit:
		out.Deposit = &DepositRequest{}
		err = json.Unmarshal(raw, out.Deposit)
	}
	if err != nil {
		return badRequest("%s: %v", payloadField(out.Type), err)
	}
	*r = out
	return nil
}

// ---- the response ----

type signResponseJSON struct {
	Signature string `json:"signature"`
}

// MarshalJSON implements json.Marshaler: {"signature": "0x..."}.
func (s *SignResponse) MarshalJSON() ([]byte, error) {
	return json.Marshal(&signResponseJSON{Signature: hex0x(s.Signature[:])})
}

// UnmarshalJSON implements json.Unmarshaler.
func (s *SignResponse) UnmarshalJSON(input []byte) error {
	var j signResponseJSON
	if err := json.Unmarshal(input, &j); err != nil {
		return fmt.Errorf("signing response: %w", err)
	}
	if j.Signature == "" {
		return errors.New("signing response: signature missing")
	}
	sig, err := ParseSignature(j.Signature)
	if err != nil {
		return fmt.Errorf("signing response: %w", err)
	}
	s.Signature = sig
	return nil
}

type registrationCheckJSON struct {
	FeeRecipient string `json:"fee_recipient"`
	Timestamp    string `json:"timestamp"`
}

// unmarshalRegistration decodes a validator_registration with
// go-eth2-client, after checking what it leaves unchecked: a 20-byte fee
// recipient and a timestamp that is a decimal uint64 (go-eth2-client
// accepts negative values, which SSZ cannot encode).
func unmarshalRegistration(raw []byte) (*apiv1.ValidatorRegistration, error) {
	var j registrationCheckJSON
	if err := json.Unmarshal(raw, &j); err != nil {
		return nil, err
	}
	if _, err := parseFixedHex("fee_recipient", j.FeeRecipient, 20); err != nil {
		return nil, err
	}
	ts, err := parseDecimal("timestamp", j.Timestamp)
	if err != nil {
		return nil, err
	}
	if ts > math.MaxInt64 {
		return nil, fmt.Errorf("timestamp: %d out of range", ts)
	}
	var reg apiv1.ValidatorRegistration
	if err := json.Unmarshal(raw, &reg); err != nil {
		return nil, err
	}
	return &reg, nil
}
