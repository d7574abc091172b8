package ethnode

import (
	"fmt"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/signing"
)

// SigningInput is new: the signing input (object root, fork version,
// domain, signing root) of a signing request, computed as a remote signer
// must compute it, from the message and fork_info alone, by spec/signing on
// the chain with the given fork schedule and SLOTS_PER_EPOCH. The genesis
// validators root is fork_info's (a zero root for VALIDATOR_REGISTRATION
// and DEPOSIT, whose domain never uses one).
//
// Web3Signer picks the fork version from fork_info as get_domain does on a
// state (the previous version before fork_info.fork.epoch, the current one
// from it on); spec/signing picks it from the fork schedule by the message's
// epoch. Where the two disagree the signature could not be valid on the
// chain, so the request is refused:
//
//   - ATTESTATION (target epoch), BLOCK_V2 (epoch of the slot),
//     RANDAO_REVEAL (the epoch), AGGREGATION_SLOT, AGGREGATE_AND_PROOF_V2,
//     SYNC_COMMITTEE_* (epoch of the slot): fork_info must give the
//     version the schedule gives for that epoch;
//   - VOLUNTARY_EXIT: fork_info names the fork in force now; the current
//     epoch is taken as max(fork_info.fork.epoch, exit epoch), the version
//     in force then must be fork_info's current version, and the domain is
//     spec/signing's (EIP-7044 from deneb on);
//   - DEPOSIT: genesis_fork_version must be the schedule's genesis version;
//   - BLOCK_V2 and AGGREGATE_AND_PROOF_V2: the version field must name the
//     fork in force at the message's slot.
//
// When the request carries a signing root it must equal the computed one.
// Every error is a *SignerError with status 400 (wrapping ErrBadRequest).
//
// chain gives the fork schedule, SLOTS_PER_EPOCH and the container sizes
// (a block or contribution is hashed in the chain config's shapes); its
// genesis validators root is replaced by fork_info's.
func (r *SignRequest) SigningInput(chain signing.Chain) (signing.SigningInput, error) {
	in, err := r.signingInput(chain)
	if err != nil {
		return signing.SigningInput{}, badRequest("%s: %v", r.typeName(), err)
	}
	if r.SigningRoot != nil && *r.SigningRoot != in.SigningRoot {
		return signing.SigningInput{}, badRequest("%s: signingRoot %#x is not the signing root of the data (%#x)", r.Type, r.SigningRoot[:], in.SigningRoot[:])
	}
	return in, nil
}

func (r *SignRequest) typeName() string {
	if r == nil {
		return "request"
	}
	return string(r.Type)
}

func (r *SignRequest) signingInput(chain signing.Chain) (signing.SigningInput, error) {
	if err := r.Validate(); err != nil {
		return signing.SigningInput{}, err
	}
	chain.GenesisValidatorsRoot = phase0.Root{}
	if r.ForkInfo != nil {
		chain.GenesisValidatorsRoot = r.ForkInfo.GenesisValidatorsRoot
	}
	epochOfSlot := func(slot phase0.Slot) (phase0.Epoch, error) { return chain.EpochAtSlot(slot) }

	var (
		in    signing.SigningInput
		epoch phase0.Epoch
		err   error
	)
	switch r.Type {
	case SignTypeAttestation:
		if in, err = chain.AttestationData(r.Attestation); err != nil {
			return in, err
		}
		epoch = r.Attestation.Target.Epoch
	case SignTypeBlockV2:
		if in, epoch, err = r.blockInput(chain); err != nil {
			return in, err
		}
	case SignTypeRandaoReveal:
		epoch = r.RandaoReveal.Epoch
		if in, err = chain.RandaoReveal(epoch); err != nil {
			return in, err
		}
	case SignTypeAggregationSlot:
		if in, err = chain.AggregationSlot(r.AggregationSlot.Slot); err != nil {
			return in, err
		}
		epoch, err = epochOfSlot(r.AggregationSlot.Slot)
	case SignTypeAggregateAndProofV2:
		if in, err = chain.AggregateAndProof(r.AggregateAndProof); err != nil {
			return in, err
		}
		epoch, err = epochOfSlot(aggregateSlot(r.AggregateAndProof))
	case SignTypeSyncCommitteeMessage:
		m := r.SyncCommitteeMessage
		if in, err = chain.SyncCommitteeMessage(m.Slot, m.BeaconBlockRoot); err != nil {
			return in, err
		}
		epoch, err = epochOfSlot(m.Slot)
	case SignTypeSyncCommitteeSelectionProof:
		if in, err = chain.SyncCommitteeSelectionProof(r.SyncAggregatorSelectionData); err != nil {
			return in, err
		}
		epoch, err = epochOfSlot(r.SyncAggregatorSelectionData.Slot)
	case SignTypeSyncCommitteeContributionAndProof:
		if in, err = chain.ContributionAndProof(r.ContributionAndProof); err != nil {
			return in, err
		}
		epoch, err = epochOfSlot(r.ContributionAndProof.Contribution.Slot)
	case SignTypeValidatorRegistration:
		return chain.ValidatorRegistration(r.ValidatorRegistration)
	case SignTypeDeposit:
		return r.depositInput(chain)
	case SignTypeVoluntaryExit:
		return r.exitInput(chain)
	}
	if err != nil {
		return signing.SigningInput{}, err
	}
	want, err := r.ForkInfo.VersionAt(epoch)
	if err != nil {
		return signing.SigningInput{}, err
	}
	if want != in.ForkVersion {
		return signing.SigningInput{}, fmt.Errorf("fork_info gives fork version %#x for epoch %d, where the chain's fork version is %#x", want[:], epoch, in.ForkVersion[:])
	}
	return in, nil
}

func (r *SignRequest) blockInput(chain signing.Chain) (signing.SigningInput, phase0.Epoch, error) {
	b := r.BeaconBlock
	var (
		in   signing.SigningInput
		slot phase0.Slot
		err  error
	)
	switch {
	case b.Block != nil:
		if b.Block.Version != b.Version {
			return in, 0, fmt.Errorf("beacon_block: version %s with a %s block", b.Version, b.Block.Version)
		}
		if in, err = chain.BeaconBlock(b.Block); err != nil {
			return in, 0, err
		}
		slot, err = b.Block.Slot()
	case b.BlockHeader != nil:
		if b.Version < eth2spec.DataVersionBellatrix {
			return in, 0, fmt.Errorf("beacon_block: a %s block is sent whole, not as a header", b.Version)
		}
		if in, err = chain.BeaconBlockHeader(b.BlockHeader); err != nil {
			return in, 0, err
		}
		slot = b.BlockHeader.Slot
		var fork signing.Fork
		if fork, err = chain.ForkAtSlot(slot); err == nil && fork.Name != b.Version {
			err = fmt.Errorf("beacon_block: %s block header at slot %d, where %s is in force", b.Version, slot, fork.Name)
		}
	default:
		return in, 0, fmt.Errorf("beacon_block: neither block nor block_header")
	}
	if err != nil {
		return signing.SigningInput{}, 0, err
	}
	epoch, err := chain.EpochAtSlot(slot)
	return in, epoch, err
}

// aggregateSlot returns the slot of an aggregate and proof's attestation
// data (zero if missing; Chain.AggregateAndProof has already refused that).
func aggregateSlot(ap *eth2spec.VersionedAggregateAndProof) phase0.Slot {
	switch ap.Version {
	case eth2spec.DataVersionElectra, eth2spec.DataVersionFulu:
		p := ap.Electra
		if ap.Version == eth2spec.DataVersionFulu {
			p = ap.Fulu
		}
		if p != nil && p.Aggregate != nil && p.Aggregate.Data != nil {
			return p.Aggregate.Data.Slot
		}
	default:
		for _, p := range []*phase0.AggregateAndProof{ap.Phase0, ap.Altair, ap.Bellatrix, ap.Capella, ap.Deneb} {
			if p != nil && p.Aggregate != nil && p.Aggregate.Data != nil {
				return p.Aggregate.Data.Slot
			}
		}
	}
	return 0
}

func (r *SignRequest) exitInput(chain signing.Chain) (signing.SigningInput, error) {
	exit := r.VoluntaryExit
	current := r.ForkInfo.Fork.Epoch
	if exit.Epoch > current {
		current = exit.Epoch
	}
	fork, err := chain.Forks.ForkAtEpoch(current)
	if err != nil {
		return signing.SigningInput{}, err
	}
	if fork.Version != r.ForkInfo.Fork.CurrentVersion {
		return signing.SigningInput{}, fmt.Errorf("fork_info current version %#x is not the version in force at epoch %d (%#x)", r.ForkInfo.Fork.CurrentVersion[:], current, fork.Version[:])
	}
	return chain.VoluntaryExit(exit, current)
}

func (r *SignRequest) depositInput(chain signing.Chain) (signing.SigningInput, error) {
	d := r.Deposit
	msg := &phase0.DepositMessage{PublicKey: d.Pubkey, WithdrawalCredentials: d.WithdrawalCredentials[:], Amount: d.Amount}
	in, err := chain.DepositMessage(msg)
	if err != nil {
		return in, err
	}
	if in.ForkVersion != d.GenesisForkVersion {
		return signing.SigningInput{}, fmt.Errorf("deposit: genesis_fork_version %#x is not the chain's (%#x)", d.GenesisForkVersion[:], in.ForkVersion[:])
	}
	return in, nil
}
