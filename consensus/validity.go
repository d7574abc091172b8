package consensus

import (
	"errors"
	"fmt"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

// Reasons a proposed value is invalid. Every rejection wraps exactly one of
// them, so tests and vectors can name the rule that failed.
var (
	ErrMissingValue            = errors.New("value or a required field is missing")
	ErrSlotMismatch            = errors.New("slot differs from the duty's slot")
	ErrCommitteeIndexMismatch  = errors.New("committee index differs from the duty's committee index")
	ErrCommitteeIndexNotZero   = errors.New("committee index is not 0 (required from Electra on)")
	ErrSourceNotBeforeTarget   = errors.New("source epoch is not before target epoch")
	ErrTargetEpochMismatch     = errors.New("target epoch is not the epoch of the slot")
	ErrSlashable               = errors.New("slashable with respect to the slashing DB")
	ErrRandaoRevealMismatch    = errors.New("RANDAO reveal differs from the combined reveal")
	ErrProposerIndexMismatch   = errors.New("proposer index differs from the duty's validator index")
	ErrWrongFork               = errors.New("value has the shape of another fork than the one in force")
	ErrSubcommitteeNotAssigned = errors.New("subcommittee is not one of the duty's sync subcommittees")
	ErrZeroBlockRoot           = errors.New("beacon block root is zero")
	ErrFeeRecipientMismatch    = errors.New("execution payload fee recipient differs from the validator's configured fee recipient")
)

func reject(reason error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{reason}, args...)...)
}

// IsValidAttestationData is consensus.py consensus_is_valid_attestation_data
// with the Dafny model's and Ethereum's amendments. It returns nil when data
// may be decided for duty, and otherwise an error wrapping the rule that
// failed:
//   - data.slot == duty.slot (Python, Dafny);
//   - data.index == duty.committee_index before Electra, and 0 from Electra
//     on (EIP-7549);
//   - data.source.epoch < data.target.epoch (Dafny), except the genesis
//     attestation whose source and target are both epoch 0;
//   - data.target.epoch is the epoch of data.slot (consensus-specs
//     process_attestation; without it a byzantine leader could make every
//     honest node sign a far-future target and block all later attestations
//     through the surround rule);
//   - not slashable under EIP-3076 with the message's real signing root
//     (Python passes the data root; the repeat-signing exception needs the
//     signing root).
func IsValidAttestationData(db *slashing.SlashingDB, chain signing.Chain, data *phase0.AttestationData, duty *spec.AttestationDuty) error {
	if data == nil || data.Source == nil || data.Target == nil || duty == nil || db == nil {
		return reject(ErrMissingValue, "attestation data")
	}
	if data.Slot != duty.Slot {
		return reject(ErrSlotMismatch, "data slot %d, duty slot %d", data.Slot, duty.Slot)
	}
	fork, err := chain.ForkAtSlot(data.Slot)
	if err != nil {
		return reject(ErrMissingValue, "fork at slot %d: %v", data.Slot, err)
	}
	if fork.Name >= eth2spec.DataVersionElectra {
		if data.Index != 0 {
			return reject(ErrCommitteeIndexNotZero, "index %d in %s", data.Index, fork.Name)
		}
	} else if data.Index != duty.CommitteeIndex {
		return reject(ErrCommitteeIndexMismatch, "data index %d, duty committee index %d", data.Index, duty.CommitteeIndex)
	}
	epoch, _ := chain.EpochAtSlot(data.Slot) // ForkAtSlot succeeded, so this does
	if data.Target.Epoch != epoch {
		return reject(ErrTargetEpochMismatch, "target epoch %d, slot %d is in epoch %d", data.Target.Epoch, data.Slot, epoch)
	}
	genesis := data.Source.Epoch == 0 && data.Target.Epoch == 0
	if data.Source.Epoch >= data.Target.Epoch && !genesis {
		return reject(ErrSourceNotBeforeTarget, "source %d, target %d", data.Source.Epoch, data.Target.Epoch)
	}
	in, err := chain.AttestationData(data)
	if err != nil {
		return reject(ErrMissingValue, "signing root: %v", err)
	}
	if err := db.CheckAttestation(duty.Pubkey, data.Source.Epoch, data.Target.Epoch, &in.SigningRoot); err != nil {
		return fmt.Errorf("%w: %w", ErrSlashable, err)
	}
	return nil
}

// IsValidBlock is consensus.py consensus_is_valid_block (HEAD) with its TODO
// done. It returns nil when block may be decided for duty:
//   - block.slot == duty.slot;
//   - block.proposer_index == duty.validator_index (the Python TODO);
//   - block.body.randao_reveal == randaoReveal, the reveal the cluster
//     combined before consensus;
//   - the block has the shape of the fork in force at its slot;
//   - when feeRecipient is not nil and the block is of Bellatrix or later,
//     body.execution_payload.fee_recipient == *feeRecipient (this spec,
//     SPEC.md deviation 15: the sources never look at the payload, so a
//     byzantine leader could redirect the validator's fees; nil means the
//     validator has no configured fee recipient, as in the sources);
//   - not slashable under EIP-3076 with the block's signing root.
//
// It is also Dafny v2 ci_decision_is_valid_beacon_block.
func IsValidBlock(db *slashing.SlashingDB, chain signing.Chain, block *eth2spec.VersionedBeaconBlock, duty *spec.ProposerDuty, randaoReveal phase0.BLSSignature, feeRecipient *bellatrix.ExecutionAddress) error {
	if block == nil || block.IsEmpty() || duty == nil || db == nil {
		return reject(ErrMissingValue, "beacon block")
	}
	slot, err := block.Slot()
	if err != nil {
		return reject(ErrMissingValue, "block slot: %v", err)
	}
	if slot != duty.Slot {
		return reject(ErrSlotMismatch, "block slot %d, duty slot %d", slot, duty.Slot)
	}
	proposer, err := block.ProposerIndex()
	if err != nil {
		return reject(ErrMissingValue, "proposer index: %v", err)
	}
	if proposer != duty.ValidatorIndex {
		return reject(ErrProposerIndexMismatch, "block proposer %d, duty validator %d", proposer, duty.ValidatorIndex)
	}
	reveal, err := block.RandaoReveal()
	if err != nil {
		return reject(ErrMissingValue, "randao reveal: %v", err)
	}
	if reveal != randaoReveal {
		return reject(ErrRandaoRevealMismatch, "block reveal %#x", reveal[:8])
	}
	in, err := chain.BeaconBlock(block)
	if err != nil {
		return reject(ErrWrongFork, "%v", err)
	}
	if feeRecipient != nil && block.Version >= eth2spec.DataVersionBellatrix {
		payload, err := block.ExecutionPayload()
		if err != nil {
			return reject(ErrMissingValue, "execution payload: %v", err)
		}
		got, err := payload.FeeRecipient()
		if err != nil {
			return reject(ErrMissingValue, "execution payload: %v", err)
		}
		if got != *feeRecipient {
			return reject(ErrFeeRecipientMismatch, "block pays %#x, configured %#x", got[:], feeRecipient[:])
		}
	}
	if err := db.CheckBlock(duty.Pubkey, slot, &in.SigningRoot); err != nil {
		return fmt.Errorf("%w: %w", ErrSlashable, err)
	}
	return nil
}

// IsValidSyncCommitteeContribution is c00dc1e consensus.py
// consensus_is_valid_sync_committee_contribution, which the Python spec
// left empty. The contribution is decided so that every co-validator signs
// the same beacon block root for the slot (shares over different roots
// never combine). Sync committee messages are not slashable, so no slashing
// DB is consulted; the predicate only ties the value to the duty:
//   - the slot is in Altair or later and equals the duty's slot;
//   - the subcommittee is one the validator serves in
//     (validator_sync_committee_indices / subcommittee size);
//   - the beacon block root is not zero (a zero root is never a head).
func IsValidSyncCommitteeContribution(chain signing.Chain, contribution *altair.SyncCommitteeContribution, duty *spec.SyncCommitteeDuty, slot phase0.Slot) error {
	if contribution == nil || duty == nil {
		return reject(ErrMissingValue, "sync committee contribution")
	}
	if contribution.Slot != slot {
		return reject(ErrSlotMismatch, "contribution slot %d, duty slot %d", contribution.Slot, slot)
	}
	fork, err := chain.ForkAtSlot(slot)
	if err != nil {
		return reject(ErrMissingValue, "fork at slot %d: %v", slot, err)
	}
	if fork.Name < eth2spec.DataVersionAltair {
		return reject(ErrWrongFork, "slot %d is in %s, before sync committees", slot, fork.Name)
	}
	assigned := false
	for _, i := range duty.ValidatorSyncCommitteeIndices {
		if chain.ChainConfig().SyncSubcommitteeIndex(i) == contribution.SubcommitteeIndex {
			assigned = true
			break
		}
	}
	if !assigned {
		return reject(ErrSubcommitteeNotAssigned, "subcommittee %d", contribution.SubcommitteeIndex)
	}
	if contribution.BeaconBlockRoot == (phase0.Root{}) {
		return reject(ErrZeroBlockRoot, "slot %d", slot)
	}
	return nil
}
