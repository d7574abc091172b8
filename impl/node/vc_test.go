package node

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/attestantio/go-eth2-client/api"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/beaconclient"
	"github.com/dvspec/go-dvspec/impl/keys"
	"github.com/dvspec/go-dvspec/impl/remotesigner"
	"github.com/dvspec/go-dvspec/impl/slashingstore"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/cluster"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/signing"
)

type nopVC struct{}

func (nopVC) CacheAttestationDataForVC(context.Context, *phase0.AttestationData, *spec.AttestationDuty) error {
	return nil
}
func (nopVC) CacheBlockForVC(context.Context, *api.VersionedProposal, *spec.ProposerDuty) error {
	return nil
}
func (nopVC) CacheSyncCommitteeContributionForVC(context.Context, *altair.SyncCommitteeContribution, *spec.SyncCommitteeDuty) error {
	return nil
}

func TestVCMiddlewareNodeReturnsTheRefusalOfACapture(t *testing.T) {
	dir := t.TempDir()
	forks, err := signing.MainnetVersionsFromGenesis(eth2spec.DataVersionElectra)
	if err != nil {
		t.Fatal(err)
	}
	gvr := phase0.Root{0x12}
	chain, err := signing.NewChain(forks, gvr, spec.MainnetConfig())
	if err != nil {
		t.Fatal(err)
	}
	def, err := keys.GenerateDevnet(dir, keys.DevnetConfig{Operators: 4, Validators: 1, Seed: []byte("vc"),
		Network: cluster.NetworkFromSchedule("devnet", gvr, 32, forks)})
	if err != nil {
		t.Fatal(err)
	}
	self := uint64(1)
	nodeKey, err := keys.ReadNodeKeyFile(filepath.Join(keys.NodeDir(dir, self), keys.NodeKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	store, err := slashingstore.Open(filepath.Join(dir, "slashing.db"), gvr)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	bn, err := beaconclient.New(beaconclient.Config{URLs: []string{"http://127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer bn.Close()
	signer, err := remotesigner.NewServer(remotesigner.Config{Forks: forks, SlotsPerEpoch: 32, GenesisValidatorsRoot: gvr, Slashing: store})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Cluster: def, Self: self, NodeKey: nodeKey, Chain: chain, Genesis: time.Now().Add(time.Hour), SlotDuration: time.Second,
		BeaconNode: bn, Slashing: store, Transport: NewMemNetwork().Endpoint(self)}
	both, neither := cfg, cfg
	both.Signer, both.VC = signer, nopVC{}
	for name, c := range map[string]Config{"signer and VC API": both, "neither": neither} {
		if _, err := New(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	cfg.VC = nopVC{}
	n, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	pk := def.Validators[0].PublicKey
	v := n.vals[pk]
	if v.cfg.Mode != dvc.ModeVCMiddleware {
		t.Fatalf("mode %v, want VC-middleware", v.cfg.Mode)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = n.Run(ctx) }()
	defer func() { cancel(); <-done }()
	<-n.running
	before := v.st
	att := &networking.SignedAttestation{Version: eth2spec.DataVersionPhase0, Phase0: &phase0.Attestation{
		Data: &phase0.AttestationData{Slot: 5, Source: &phase0.Checkpoint{}, Target: &phase0.Checkpoint{}}}}
	err = n.Capture(context.Background(), pk, dvc.CapturedAttestation{Attestation: att})
	if !errors.Is(err, dvc.ErrNotDecided) {
		t.Fatalf("an attestation nothing was decided for: %v, want ErrNotDecided", err)
	}
	got := make(chan *dvc.State, 1)
	n.post(func() { got <- v.st })
	if <-got != before {
		t.Fatal("a refused capture changed the DVC state")
	}
	// After a duty of slot 7, a submission for slot 5 is for a duty that
	// is over: the DVC ignores it, and the VC hears a 400, not a success.
	cv := def.Validators[0]
	served := make(chan struct{})
	n.post(func() {
		n.deliver(v, dvc.ServeAttestationDuty{Duty: &spec.AttestationDuty{Pubkey: pk, ValidatorIndex: phase0.ValidatorIndex(cv.ValidatorIndex[0]),
			CommitteeLength: 4, CommitteesAtSlot: 1, ValidatorCommitteeIndex: 1, Slot: 7}})
		close(served)
	})
	<-served
	err = n.Capture(context.Background(), pk, dvc.CapturedAttestation{Attestation: att})
	var refused *CaptureRefused
	if !errors.As(err, &refused) || refused.StatusCode() != 400 || refused.Reason != string(dvc.IgnoredSlotCompleted) {
		t.Fatalf("a submission for a duty that is over: %v, want a CaptureRefused (400, %s)", err, dvc.IgnoredSlotCompleted)
	}
	if err := n.Capture(context.Background(), phase0.BLSPubKey{1}, dvc.CapturedAttestation{Attestation: att}); err == nil {
		t.Fatal("a capture for an unknown validator accepted")
	}
}
