package dvc

import (
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"

	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

// TestStateFromSnapshotRefusesAMissingBlockShare: a snapshot built in Go
// (not decoded from SSZ, which never yields nil entries) with a nil block
// share to broadcast is refused with an error, not a panic.
func TestStateFromSnapshotRefusesAMissingBlockShare(t *testing.T) {
	c := newCluster(t, 4, eth2spec.DataVersionElectra, ModeRemoteSigner)
	cfg := c.cfg(1)
	st, err := NewState(cfg, slashing.New(testGVR))
	if err != nil {
		t.Fatal(err)
	}
	snap := st.Snapshot()
	if snap.Proposer == nil {
		snap.Proposer = &ProposerSnapshot{}
	}
	snap.Proposer.BlockSharesToBroadcast = []*networking.BlockShare{nil}
	if _, err := StateFromSnapshot(cfg, snap); err == nil {
		t.Fatal("a nil block share to broadcast was accepted")
	}
}
