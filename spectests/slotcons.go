package spectests

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// SlotConsensusRequest is one slot_consensus case (SPEC.md amendment A25):
// a node's per-validator consensus instances of one slot, batched into
// one instance per slot and duty kind, and the steps applied to them.
type SlotConsensusRequest struct {
	Chain Chain
	// Preset is the directory preset.
	Preset string
	// ClusterRoot is the node's cluster (slot instance IDs carry it).
	ClusterRoot phase0.Root
	// SlashingDB is the SSZ SlashingDB holding every validator's history:
	// each member's predicate is its per-validator one against it.
	SlashingDB []byte
	// Members are the StartConsensus outputs of the validators' state
	// machines, in the order steps index them.
	Members []SlotMember
	Steps   []SlotStep
}

// SlotMember is one per-validator instance (a spec/dvc StartConsensus).
type SlotMember struct {
	Cluster        phase0.Root      `yaml:"-"`
	DutyType       string           `yaml:"duty_type"` // attester, sync_committee, proposer
	Slot           uint64           `yaml:"slot"`
	ValidatorIndex uint64           `yaml:"validator_index"`
	Pubkey         phase0.BLSPubKey `yaml:"-"`
	// Attester duty.
	CommitteeIndex          uint64 `yaml:"committee_index"`
	CommitteeLength         uint64 `yaml:"committee_length"`
	CommitteesAtSlot        uint64 `yaml:"committees_at_slot"`
	ValidatorCommitteeIndex uint64 `yaml:"validator_committee_index"`
	// Sync committee instance.
	SyncCommitteeIndices []uint64 `yaml:"validator_sync_committee_indices"`
	SubcommitteeIndex    uint64   `yaml:"subcommittee_index"`
}

// SlotStep is one operation: add or remove Member; validity, screen or
// decide Value in the slot instance of (DutyType, Slot), where DutyType
// is the per-validator duty type it batches.
type SlotStep struct {
	Op       string `yaml:"op"`
	Member   int    `yaml:"member"`
	DutyType string `yaml:"duty_type"`
	Slot     uint64 `yaml:"slot"`
	Value    Hex    `yaml:"value"`
}

// SlotStepResult is what a step gives: its named error ("" none), the
// slot instance it concerns, whether add created it, the decided events
// (validator key, event name, the per-validator consensus value), the
// members screening excluded, and the slot instances remove emptied.
type SlotStepResult struct {
	Error        string         `yaml:"error,omitempty"`
	SlotInstance *SlotInstance  `yaml:"slot_instance,omitempty"`
	Start        bool           `yaml:"start,omitempty"`
	Deliveries   []SlotDelivery `yaml:"deliveries,omitempty"`
	Excluded     []Hex          `yaml:"excluded,omitempty"`
	Stopped      []SlotInstance `yaml:"stopped,omitempty"`
}

// SlotInstance names a slot instance: its duty type (slot_attester or
// slot_sync_committee) and slot (the cluster is the request's).
type SlotInstance struct {
	DutyType string `yaml:"duty_type"`
	Slot     uint64 `yaml:"slot"`
}

// SlotDelivery is a decided event for one validator's state machine.
type SlotDelivery struct {
	Validator Hex    `yaml:"validator"`
	Event     string `yaml:"event"`
	Value     Hex    `yaml:"value"`
}

// SlotConsensusImplementation runs the slot_consensus vectors.
type SlotConsensusImplementation interface {
	// RunSlotConsensus applies the steps in order and returns one result
	// per step; a step's refusal is its result's Error, not an error.
	RunSlotConsensus(req SlotConsensusRequest) ([]SlotStepResult, error)
}

func init() {
	register(Runner{
		Name:       "slot_consensus",
		Interface:  "spectests.SlotConsensusImplementation",
		Implements: func(impl any) bool { _, ok := impl.(SlotConsensusImplementation); return ok },
		Check:      func(c Case, impl any) error { return CheckSlotConsensusCase(c, impl.(SlotConsensusImplementation)) },
	})
}

// RunSlotConsensus runs every slot_consensus case under root as a subtest.
func RunSlotConsensus(t *testing.T, root string, impl SlotConsensusImplementation) {
	t.Helper()
	Run(t, root, "slot_consensus", impl)
}

type slotInputs struct {
	ClusterRoot Hex `yaml:"cluster_root"`
	Members     []struct {
		SlotMember `yaml:",inline"`
		Pubkey     Hex `yaml:"validator_pubkey"`
		Cluster    Hex `yaml:"cluster"`
	} `yaml:"members"`
	Steps []SlotStep `yaml:"steps"`
}

// CheckSlotConsensusCase checks one slot_consensus case: the results of
// inputs.yaml's steps, from the slashing DB of pre.ssz_snappy, must be
// output.yaml's.
func CheckSlotConsensusCase(c Case, impl SlotConsensusImplementation) error {
	chain, err := c.ReadChain()
	if err != nil {
		return err
	}
	var in slotInputs
	if err := c.ReadYAML("inputs.yaml", &in); err != nil {
		return err
	}
	var want struct {
		Steps []SlotStepResult `yaml:"steps"`
	}
	if err := c.ReadYAML("output.yaml", &want); err != nil {
		return err
	}
	db, err := c.ReadSSZ("pre")
	if err != nil {
		return err
	}
	if len(in.ClusterRoot) != 32 {
		return caseError("inputs.yaml", "cluster_root is %d bytes", len(in.ClusterRoot))
	}
	req := SlotConsensusRequest{Chain: chain, Preset: c.Preset, ClusterRoot: phase0.Root(in.ClusterRoot), SlashingDB: db, Steps: in.Steps}
	for i, m := range in.Members {
		if len(m.Pubkey) != 48 {
			return caseError("inputs.yaml", "member %d: validator_pubkey is %d bytes", i, len(m.Pubkey))
		}
		if len(m.Cluster) != 32 {
			return caseError("inputs.yaml", "member %d: cluster is %d bytes", i, len(m.Cluster))
		}
		sm := m.SlotMember
		sm.Pubkey = phase0.BLSPubKey(m.Pubkey)
		sm.Cluster = phase0.Root(m.Cluster)
		req.Members = append(req.Members, sm)
	}
	got, err := impl.RunSlotConsensus(req)
	if err != nil {
		return err
	}
	if len(got) != len(want.Steps) {
		return fmt.Errorf("%d step results, want %d", len(got), len(want.Steps))
	}
	for i := range got {
		if !reflect.DeepEqual(normalSlotResult(got[i]), normalSlotResult(want.Steps[i])) {
			return fmt.Errorf("step %d (%s): got %+v, want %+v", i, in.Steps[i].Op, got[i], want.Steps[i])
		}
	}
	return nil
}

// normalSlotResult makes empty and absent lists compare equal.
func normalSlotResult(r SlotStepResult) SlotStepResult {
	if len(r.Deliveries) == 0 {
		r.Deliveries = nil
	}
	if len(r.Excluded) == 0 {
		r.Excluded = nil
	}
	if len(r.Stopped) == 0 {
		r.Stopped = nil
	}
	return r
}
