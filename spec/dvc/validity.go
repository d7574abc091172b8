package dvc

import (
	"fmt"

	"github.com/dvspec/go-dvspec/consensus"
)

// ValidityFor returns the validity predicate of the consensus instance id in
// state st: Dafny's validityPredicate of active_*_consensus_instances[id],
// applied to a consensus value's bytes (consensus/value.go encodings). It
// is evaluated against st's slashing DB, so a driver that calls it with the
// latest state always uses the predicate the Dafny model re-binds on every
// DB change (updateConsensusInstanceValidityCheck; UpdateValidity lists the
// instances concerned). The rules are consensus.IsValidAttestationData,
// consensus.IsValidBlock (with the instance's combined RANDAO reveal) and
// consensus.IsValidSyncCommitteeContribution (and the instance's
// subcommittee). For an id that is not an active instance of st the
// predicate rejects every value with ErrNoInstance.
func ValidityFor(cfg *Config, st *State, id consensus.InstanceID) func(value []byte) error {
	return func(value []byte) error {
		if cfg == nil || st == nil || st.db == nil {
			return fmt.Errorf("%w: nil config or state", ErrInvalidState)
		}
		if id.Cluster != cfg.Cluster || id.Validator != cfg.Validator.Pubkey {
			return fmt.Errorf("%w: instance %s", ErrWrongValidator, id)
		}
		switch consensus.DutyType(id.DutyType) {
		case consensus.DutyAttester:
			duty := st.att.instances[id.Slot]
			if duty == nil {
				return fmt.Errorf("%w: %s", ErrNoInstance, id)
			}
			data, err := consensus.DecodeAttestationData(value)
			if err != nil {
				return err
			}
			return consensus.IsValidAttestationData(st.db, cfg.Chain, data, duty)
		case consensus.DutyProposer:
			v := st.prop.instances[id.Slot]
			if v == nil {
				return fmt.Errorf("%w: %s", ErrNoInstance, id)
			}
			block, err := consensus.DecodeBlock(cfg.Chain, value)
			if err != nil {
				return err
			}
			return consensus.IsValidBlock(st.db, cfg.Chain, block, v.Duty, v.RandaoReveal, cfg.FeeRecipient)
		case consensus.DutySyncCommittee:
			inst := st.sync.instances[id.Slot]
			if inst == nil {
				return fmt.Errorf("%w: %s", ErrNoInstance, id)
			}
			c, err := consensus.DecodeSyncCommitteeContribution(cfg.Chain, value)
			if err != nil {
				return err
			}
			return validSyncValue(cfg, inst.validity, c)
		}
		return fmt.Errorf("%w: unknown duty type %d", ErrNoInstance, id.DutyType)
	}
}
