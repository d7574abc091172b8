package vc

import (
	"context"
	"log/slog"
	"testing"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/signing"
)

// TestHeadEventDropsStaleDuties checks onHead against the beacon-APIs
// meaning of the two dependent roots of a head event in epoch 1.
func TestHeadEventDropsStaleDuties(t *testing.T) {
	a, b, c := phase0.Root{0xa}, phase0.Root{0xb}, phase0.Root{0xc}
	for _, tc := range []struct {
		name              string
		previous, current phase0.Root
		keepOne, keepTwo  bool
	}{
		{"same roots", a, b, true, true},
		{"zero roots are no news", phase0.Root{}, phase0.Root{}, true, true},
		{"attester shuffling of epoch 1 changed", c, b, false, true},
		{"proposers of 1 and attesters of 2 changed", a, c, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := &VC{chain: signing.Chain{SlotsPerEpoch: 8}, duties: map[phase0.Epoch]*epochDuties{
				1: {attDep: a, propDep: b},
				2: {attDep: b, propDep: c},
			}}
			v.log = discard()
			v.onHead(context.Background(), &apiv1.HeadEvent{Slot: 12, PreviousDutyDependentRoot: tc.previous, CurrentDutyDependentRoot: tc.current})
			if _, kept := v.duties[1]; kept != tc.keepOne {
				t.Errorf("epoch 1 duties kept: %v, want %v", kept, tc.keepOne)
			}
			if _, kept := v.duties[2]; kept != tc.keepTwo {
				t.Errorf("epoch 2 duties kept: %v, want %v", kept, tc.keepTwo)
			}
		})
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
