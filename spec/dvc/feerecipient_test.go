package dvc

import (
	"errors"
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/bellatrix"

	"github.com/dvspec/go-dvspec/consensus"
)

// TestDecidedBlockPayingAnotherFeeRecipientIsNotSigned: with the cluster's
// fee recipient configured, a byzantine leader's block that pays another
// address is refused by the validity predicate the QBFT instance uses and,
// if decided anyway, ignored unsigned (SPEC.md deviation 15); the block
// paying the configured address is signed.
func TestDecidedBlockPayingAnotherFeeRecipientIsNotSigned(t *testing.T) {
	c := newCluster(t, 4, eth2spec.DataVersionElectra, ModeRemoteSigner)
	cfg := c.cfg(1)
	fee := bellatrix.ExecutionAddress{0xfe, 0xe1}
	cfg.FeeRecipient = &fee
	st, err := NewState(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range c.proposerReady(20) {
		if st, _, err = Step(cfg, st, ev, c.oracles(1)); err != nil {
			t.Fatal(err)
		}
	}
	paysOther := c.dvBlock(20, 1) // the fixture's payload pays the zero address
	paysCluster := c.dvBlock(20, 1)
	payload := *paysCluster.Electra.Body.ExecutionPayload
	payload.FeeRecipient = fee
	paysCluster.Electra.Body.ExecutionPayload = &payload

	valid := ValidityFor(cfg, st, c.id(consensus.DutyProposer, 20))
	if err := valid(mustEncodeBlock(t, c, paysOther)); !errors.Is(err, consensus.ErrFeeRecipientMismatch) {
		t.Fatalf("the predicate on a block paying another address: %v", err)
	}
	if err := valid(mustEncodeBlock(t, c, paysCluster)); err != nil {
		t.Fatalf("the predicate on the block paying the cluster: %v", err)
	}
	_, outs, err := Step(cfg, st, c.blockDecided(paysOther), c.oracles(1))
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) != 1 {
		t.Fatalf("decided block paying another address: outputs %v, want it ignored unsigned", outs)
	}
	if ig, ok := outs[0].(Ignored); !ok || ig.Reason != IgnoredDecidedInvalid || ig.Slot != 20 {
		t.Fatalf("decided block paying another address: outputs %v, want it ignored unsigned", outs)
	}
	_, outs, err = Step(cfg, st, c.blockDecided(paysCluster), c.oracles(1))
	if err != nil {
		t.Fatal(err)
	}
	signed := false
	for _, o := range outs {
		if s, ok := o.(Signed); ok && s.Kind == SignBlock {
			signed = true
		}
	}
	if !signed {
		t.Fatalf("decided block paying the cluster: outputs %v, want it signed", outs)
	}
}
