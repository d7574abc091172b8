package e2e

import (
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dvspec/go-dvspec/internal/freeports"

	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/adapter/create"
	"github.com/dvspec/go-dvspec/adapter/run"
	"github.com/dvspec/go-dvspec/impl/keys"
	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/spec/bls"
)

// TestCreatedClusterProposesWithItsFeeRecipient is an operator's path:
// validator keys in EIP-2335 keystores, split by create cluster with the
// chain read from the beacon node, four nodes started from the written
// directories. Every proposal of the DV's validators must reach the beacon
// node, and the beacon node must hold the cluster's fee recipients (the
// nodes prepared them; the DVC refuses blocks paying anyone else).
func TestCreatedClusterProposesWithItsFeeRecipient(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end cluster (-short)")
	}
	t.Parallel()
	const (
		dvValidators = 4
		registry     = 6
		runSlots     = 10
	)
	// At least 2-second slots, longer on a busy machine (slots_test.go).
	secsPerSlot := max(2, slotSeconds(t))
	slotDur := time.Duration(secsPerSlot) * time.Second
	dir := t.TempDir()
	genesis := time.Now().Add(10 * time.Second).Truncate(time.Second)
	sb, err := simbeacon.New(simbeacon.Config{Validators: registry, SecondsPerSlot: secsPerSlot, GenesisTime: genesis})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	addr, err := sb.ListenAndServe("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	keysDir := filepath.Join(dir, "validator_keys")
	if err := os.MkdirAll(keysDir, 0o700); err != nil {
		t.Fatal(err)
	}
	for i := uint64(0); i < dvValidators; i++ {
		sk, err := bls.InteropSecretKey(i)
		if err != nil {
			t.Fatal(err)
		}
		ks, err := keys.EncryptKeystore(sk, "interop", keys.KDFInsecureFast, nil, "", "")
		if err != nil {
			t.Fatal(err)
		}
		pk, _ := sk.PublicKey()
		if err := keys.WriteKeystoreFile(filepath.Join(keysDir, "keystore-"+hex.EncodeToString(pk[:])+".json"), ks); err != nil {
			t.Fatal(err)
		}
	}
	pwFile := filepath.Join(dir, "interop-password")
	if err := os.WriteFile(pwFile, []byte("interop\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fee := bellatrix.ExecutionAddress{0xfe, 0xe5}
	out := filepath.Join(dir, "cluster")
	ports, err := freeports.Consecutive(4)
	if err != nil {
		t.Fatal(err)
	}
	res, err := create.Create(t.Context(), create.Options{Nodes: 4, SplitDir: keysDir, PasswordFile: pwFile, BeaconURL: "http://" + addr,
		FeeRecipients: []bellatrix.ExecutionAddress{fee}, OutDir: out, KDF: keys.KDFInsecureFast, BasePort: ports})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	for i, nodeDir := range res.NodeDirs {
		svc, err := run.Start(ctx, run.Options{ClusterFile: filepath.Join(nodeDir, "cluster.json"), NodeDir: nodeDir,
			BeaconURLs: []string{"http://" + addr}, NoSync: true, NoAggregation: true})
		if err != nil {
			t.Fatalf("node %d: %v", i+1, err)
		}
		defer svc.Stop()
	}
	// On a busy machine the nodes may start after genesis: only slots that
	// begin after they all run are checked.
	started := time.Now()
	// Run the slots, then a grace slot for the last submissions.
	time.Sleep(time.Until(genesis.Add((runSlots + 1) * slotDur)))
	proposals := 0
	for s := phase0.Slot(1); s < runSlots; s++ {
		p := sb.Proposer(s)
		if p >= dvValidators || genesis.Add(time.Duration(s)*slotDur).Before(started) {
			continue
		}
		proposals++
		found := false
		for _, a := range sb.Accepted(p, simbeacon.KindBlock) {
			found = found || a.Slot == s
		}
		if !found {
			t.Errorf("slot %d: validator %d's block was not accepted", s, p)
		}
	}
	if proposals == 0 {
		t.Fatal("the DV had no proposal to make; the test proves nothing")
	}
	for v := phase0.ValidatorIndex(0); v < dvValidators; v++ {
		if got, ok := sb.FeeRecipient(v); !ok || got != fee {
			t.Errorf("validator %d: the beacon node has fee recipient %#x (prepared %v), want %#x", v, got[:], ok, fee[:])
		}
	}
	t.Logf("%d proposals accepted", proposals)
}
