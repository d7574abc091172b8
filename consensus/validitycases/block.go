package validitycases

import (
	"fmt"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// BlockSlot is the duty's slot of the block cases: the tenth slot of
// epoch 10 (32 slots per epoch).
const BlockSlot = phase0.Slot(10*32 + 9)

// Fee says which fee recipient a block case configures.
type Fee int

const (
	FeeNone  Fee = iota // none configured: the rule does not apply
	FeeSame             // the one the block's payload pays
	FeeOther            // another address
)

// Block is one block case: a proposer duty at BlockSlot, a block of the
// fork's shape for it carrying the validator's RANDAO reveal of epoch 10,
// with what the case changes, checked against a slashing DB.
type Block struct {
	Name, Desc string
	// Slot is the block's slot when not BlockSlot.
	Slot phase0.Slot
	// OtherProposer: the block names the next validator index as proposer.
	OtherProposer bool
	// PreviousShape: the block has the previous fork's shape.
	PreviousShape bool
	// WrongReveal: the cluster combined the validator's reveal of the
	// next epoch, not the block's.
	WrongReveal bool
	// Prior is the slot of another block the DB holds; PriorSame: the DB
	// holds this very block's signing root.
	Prior     *phase0.Slot
	PriorSame bool
	Fee       Fee
	// Want names the rule that refuses the block ("" for valid), and
	// WantSlashing the slashing rule under "slashable".
	Want, WantSlashing string
}

// Blocks are the block cases of fork.
func Blocks(fork eth2spec.DataVersion) []Block {
	slot := BlockSlot
	sp := func(s phase0.Slot) *phase0.Slot { return &s }
	cases := []Block{
		{Name: "valid", Desc: "a block of the fork's shape for the duty, with the combined RANDAO reveal, empty slashing DB"},
		{Name: "valid_after_history", Desc: "a valid block after an earlier proposal at the previous slot", Prior: sp(slot - 1)},
		{Name: "valid_repeat_of_signed_block", Desc: "the DB already holds this very block's signing root", PriorSame: true},
		{Name: "slot_mismatch", Desc: "a block for the next slot", Slot: slot + 1, Want: "slot_mismatch"},
		{Name: "proposer_index_mismatch", Desc: "a block naming validator 78 as proposer (the Python TODO, SPEC.md deviation 9)", OtherProposer: true, Want: "proposer_index_mismatch"},
		{Name: "randao_reveal_mismatch", Desc: "the cluster combined a reveal other than the block's (inputs.yaml randao_reveal is the validator's reveal of the next epoch)", WrongReveal: true, Want: "randao_reveal_mismatch"},
		{Name: "double_proposal", Desc: "the DB holds another block at the slot", Prior: sp(slot), Want: "slashable", WantSlashing: "double_proposal"},
		{Name: "slot_below_minimum", Desc: "the DB holds a block at a later slot", Prior: sp(slot + 5), Want: "slashable", WantSlashing: "slot_below_minimum"},
	}
	if fork > eth2spec.DataVersionPhase0 {
		cases = append(cases, Block{Name: "previous_fork_shape", Desc: fmt.Sprintf("a %s-shaped block in %s", fork-1, fork), PreviousShape: true, Want: "wrong_fork"})
	}
	if fork >= eth2spec.DataVersionBellatrix {
		cases = append(cases,
			Block{Name: "fee_recipient_configured", Desc: "the validator's configured fee recipient (inputs.yaml fee_recipient) is the one the block's execution payload pays (SPEC.md deviation 15)", Fee: FeeSame},
			Block{Name: "fee_recipient_mismatch", Desc: "a byzantine leader's block paying another fee recipient than the configured one (inputs.yaml fee_recipient; SPEC.md deviation 15)", Fee: FeeOther, Want: "fee_recipient_mismatch"})
	} else {
		cases = append(cases, Block{Name: "fee_recipient_pre_bellatrix", Desc: "a fee recipient is configured but the block has no execution payload before Bellatrix: the rule does not apply (SPEC.md deviation 15)", Fee: FeeOther})
	}
	return cases
}
