package validitycases

import (
	"fmt"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec"
)

// SyncPositions are the sync committee positions of the duty of the sync
// contribution cases on a preset: one in subcommittee 0, one in another
// (1 on mainnet, 2 on minimal).
func SyncPositions(p spec.ChainConfig, minimal bool) []uint64 {
	subSize := p.SyncCommitteeSize / p.SyncCommitteeSubnetCount
	if minimal {
		return []uint64{3, 2*subSize + 1}
	}
	return []uint64{3, subSize + 2}
}

// SyncSlot is the slot of the sync contribution cases: the second slot of
// epoch 10.
func SyncSlot(slotsPerEpoch uint64) phase0.Slot { return phase0.Slot(10*slotsPerEpoch + 1) }

// Sync is one sync committee contribution case: a contribution at
// SyncSlot (or Slot) for subcommittee Sub with one participant, for the
// duty at SyncPositions, checked at SyncSlot.
type Sync struct {
	Name, Desc string
	Slot       phase0.Slot
	Sub        uint64
	// ZeroRoot: the contribution is for the zero block root.
	ZeroRoot bool
	Want     string
}

// Syncs are the sync contribution cases of fork on a preset.
func Syncs(fork eth2spec.DataVersion, p spec.ChainConfig, minimal bool, slotsPerEpoch uint64) []Sync {
	if fork == eth2spec.DataVersionPhase0 {
		return []Sync{{Name: "before_altair", Desc: "a contribution in phase0, before sync committees exist (its signature is made with altair's domain)", Want: "wrong_fork"}}
	}
	positions := SyncPositions(p, minimal)
	subSize := p.SyncCommitteeSize / p.SyncCommitteeSubnetCount
	second := p.SyncSubcommitteeIndex(positions[1])
	return []Sync{
		{Name: "valid_first_subcommittee", Desc: fmt.Sprintf("a contribution for subcommittee 0 (position %d)", positions[0])},
		{Name: "valid_second_subcommittee", Desc: fmt.Sprintf("a contribution for subcommittee %d (position %d; subcommittee size %d)", second, positions[1], subSize), Sub: second},
		{Name: "subcommittee_not_assigned", Desc: "a contribution for a subcommittee the validator is not in", Sub: second + 1, Want: "subcommittee_not_assigned"},
		{Name: "slot_mismatch", Desc: "a contribution for the next slot", Slot: SyncSlot(slotsPerEpoch) + 1, Want: "slot_mismatch"},
		{Name: "zero_block_root", Desc: "a contribution for the zero block root", ZeroRoot: true, Want: "zero_block_root"},
	}
}
