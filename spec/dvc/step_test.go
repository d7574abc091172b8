package dvc

import (
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec"
)

// syncDuty: positions 3 and 17 of the sync committee, i.e. subcommittees 0
// and 2 in the minimal preset (8 members per subcommittee).
func (c *cluster) syncDuty() *spec.SyncCommitteeDuty {
	return &spec.SyncCommitteeDuty{Pubkey: c.keys.pk, ValidatorIndex: testValidatorIndex, ValidatorSyncCommitteeIndices: []uint64{3, 17}}
}

// TestGoLevelBadEvents: the refusals of inputs that have no wire form (a
// nil event, events passed by pointer) and so are not in the vectors; the
// wire-level bad events are dvccases' bad_events_rejected.
func TestGoLevelBadEvents(t *testing.T) {
	scenario{
		name:  "go_level_bad_events_rejected",
		setup: func(c *cluster) []Event { return []Event{ServeAttestationDuty{Duty: c.attDuty(17)}} },
		steps: func(c *cluster) []step {
			var nilDuty *ServeAttestationDuty
			return []step{
				{ev: nil, wantErr: ErrMalformedEvent},
				{ev: nilDuty, wantErr: ErrMalformedEvent},
				{ev: &NoEvent{}, wantErr: ErrMalformedEvent},
				{ev: &ServeAttestationDuty{Duty: c.attDuty(25)}, wantErr: ErrMalformedEvent},
				{ev: NoEvent{}, want: nil},
			}
		},
	}.run(t)
}

// TestStepRejectsBadConfigAndState: a broken config or state is an error,
// not a panic.
func TestStepRejectsBadConfigAndState(t *testing.T) {
	c := newCluster(t, 4, eth2spec.DataVersionElectra, ModeRemoteSigner)
	st := c.fresh(1)
	ev := ServeAttestationDuty{Duty: c.attDuty(17)}
	if _, _, err := Step(nil, st, ev, c.oracles(1)); err == nil {
		t.Fatal("nil config accepted")
	}
	if _, _, err := Step(c.cfg(1), nil, ev, c.oracles(1)); err == nil {
		t.Fatal("nil state accepted")
	}
	if _, _, err := Step(c.cfg(1), st, ev, Oracles{}); err == nil {
		t.Fatal("remote-signer mode without a signer accepted")
	}
	bad := c.cfg(1)
	bad.Threshold = 9
	if _, _, err := Step(bad, st, ev, c.oracles(1)); err == nil {
		t.Fatal("threshold above N accepted")
	}
	if err := bad.Validate(); err == nil {
		t.Fatal("Validate accepted threshold above N")
	}
	if _, _, err := StepVCMiddleware(c.cfg(1), st, ev, c.oracles(1)); err == nil {
		t.Fatal("VC entry point accepted a remote-signer config")
	}
	if _, _, err := StepRemoteSigner(c.cfg(1), st, ev, c.oracles(1)); err != nil {
		t.Fatalf("remote-signer entry point: %v", err)
	}
	vc := newCluster(t, 4, eth2spec.DataVersionElectra, ModeVCMiddleware)
	if _, _, err := StepVCMiddleware(vc.cfg(1), vc.fresh(1), ev, Oracles{}); err != nil {
		t.Fatalf("VC entry point: %v", err)
	}
	for _, mut := range []func(*Config){
		func(c *Config) { c.Mode = 0 },
		func(c *Config) { c.ShareIndex = 9 },
		func(c *Config) { c.Peers = append(c.Peers, 2) },
		func(c *Config) { c.PublicShares = map[uint64]phase0.BLSPubKey{1: c.PublicShares[1]} },
		func(c *Config) { c.Chain.SlotsPerEpoch = 32 },
		func(c *Config) { c.Validator.Pubkey = phase0.BLSPubKey{1} },
	} {
		x := c.cfg(1)
		mut(x)
		if err := x.Validate(); err == nil {
			t.Fatal("Validate accepted a broken config")
		}
	}
}
