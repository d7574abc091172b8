package slashingstore

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/impl/remotesigner"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// TestEmbeddedSignerOnStore runs the embedded remote signer on a Store:
// every slashable signature is recorded in the file before it is made, and
// a signer restarted on the reopened file refuses a conflicting one.
func TestEmbeddedSignerOnStore(t *testing.T) {
	forks, err := signing.NewForkSchedule(signing.Fork{Name: eth2spec.DataVersionPhase0, Version: phase0.Version{}, Epoch: 0})
	if err != nil {
		t.Fatal(err)
	}
	sk, err := bls.InteropSecretKey(0)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := sk.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "slashing.db")
	newSigner := func() (*remotesigner.Server, *Store) {
		s, err := Open(path, testGVR)
		if err != nil {
			t.Fatal(err)
		}
		srv, err := remotesigner.NewServer(remotesigner.Config{
			Keys: []bls.SecretKey{sk}, Forks: forks, SlotsPerEpoch: 32, GenesisValidatorsRoot: testGVR, Slashing: s,
		})
		if err != nil {
			t.Fatal(err)
		}
		return srv, s
	}
	attestation := func(src, tgt phase0.Epoch, block byte) *ethnode.SignRequest {
		fi, err := ethnode.ForkInfoAt(forks, testGVR, tgt)
		if err != nil {
			t.Fatal(err)
		}
		return ethnode.NewAttestationSignRequest(fi, &phase0.AttestationData{
			Slot: phase0.Slot(tgt)*32 + 1, BeaconBlockRoot: phase0.Root{block},
			Source: &phase0.Checkpoint{Epoch: src}, Target: &phase0.Checkpoint{Epoch: tgt},
		}, nil)
	}
	ctx := context.Background()
	srv, s := newSigner()
	for tgt := phase0.Epoch(1); tgt <= 3; tgt++ {
		if _, err := srv.Sign(ctx, phase0.BLSPubKey(pk), attestation(tgt-1, tgt, 1)); err != nil {
			t.Fatal(err)
		}
	}
	db, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if len(db.Data) != 1 || len(db.Data[0].SignedAttestations) != 3 {
		t.Fatalf("stored %+v", db.Data)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	srv, s = newSigner()
	defer s.Close()
	if _, err := srv.Sign(ctx, phase0.BLSPubKey(pk), attestation(2, 3, 2)); !errors.Is(err, ethnode.ErrSlashingRefused) {
		t.Fatalf("double vote after restart: %v", err)
	}
	if _, err := srv.Sign(ctx, phase0.BLSPubKey(pk), attestation(2, 3, 1)); err != nil {
		t.Fatalf("repeat signing after restart: %v", err)
	}
	// Import through the signer is a whole-DB Save, which merges.
	export, err := s.ExportInterchange()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.ImportInterchange(export); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ExportInterchange(); string(got) != string(export) {
		t.Fatal("re-importing the export changed the store")
	}
}
