package dvc

import (
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"

	"github.com/dvspec/go-dvspec/networking"
)

// FuzzStepShares feeds arbitrary wire messages to a co-validator with a
// running attester and proposer duty: Step never panics (it does not
// recover, so a panic fails the fuzzer) and a rejected message never
// changes the state.
func FuzzStepShares(f *testing.F) {
	c := newCluster(f, 4, eth2spec.DataVersionElectra, ModeRemoteSigner)
	for _, m := range []networking.Message{c.attShare(2, c.attData(17, 1)), c.randaoShare(2, 20), c.blockShare(2, c.dvBlock(20, 1))} {
		raw, err := networking.MarshalMessage(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	cfg, o := c.cfg(1), c.oracles(1)
	st := c.fresh(1)
	var err error
	for _, ev := range []Event{ServeAttestationDuty{Duty: c.attDuty(17)}, ServeProposerDuty{Duty: c.propDuty(20)}} {
		if st, _, err = Step(cfg, st, ev, o); err != nil {
			f.Fatal(err)
		}
	}
	root := mustRoot(f, st)
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := networking.UnmarshalMessage(raw)
		if err != nil {
			return
		}
		var ev Event
		switch x := m.(type) {
		case *networking.AttestationShare:
			ev = ReceivedAttestationShare{Share: x}
		case *networking.RandaoShare:
			ev = ReceivedRandaoShare{Share: x}
		case *networking.BlockShare:
			ev = ReceivedBlockShare{Share: x}
		case *networking.SyncCommitteeMessageShare:
			ev = ReceivedSyncCommitteeMessageShare{Share: x}
		}
		next, _, err := Step(cfg, st, ev, o)
		if err != nil {
			if next != st {
				t.Fatal("a rejected event returned another state")
			}
		}
		if mustRoot(t, st) != root {
			t.Fatal("Step changed its input state")
		}
	})
}

// FuzzDecodeSnapshot: the snapshot decoder and StateFromSnapshot never
// panic.
func FuzzDecodeSnapshot(f *testing.F) {
	c := newCluster(f, 4, eth2spec.DataVersionElectra, ModeRemoteSigner)
	st := c.fresh(1)
	st, _, _ = Step(c.cfg(1), st, ServeAttestationDuty{Duty: c.attDuty(17)}, c.oracles(1))
	raw, err := st.Snapshot().MarshalSSZ()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Fuzz(func(t *testing.T, b []byte) {
		snap, err := DecodeSnapshot(b)
		if err != nil {
			return
		}
		_, _ = StateFromSnapshot(c.cfg(1), snap)
	})
}
