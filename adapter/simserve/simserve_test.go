package simserve

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dvspec/go-dvspec/internal/freeports"

	"github.com/dvspec/go-dvspec/adapter/dutytable"
	"github.com/dvspec/go-dvspec/adapter/run"
	"github.com/dvspec/go-dvspec/impl/keys"
	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/internal/testslots"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/cluster"
)

// The keystores written for splitting hold the interop keys of the
// chain's validators, under the password of password.txt and of the
// per-keystore file.
func TestWriteKeystores(t *testing.T) {
	dir := t.TempDir()
	if err := WriteKeystores(dir, 3, keys.KDFInsecureFast); err != nil {
		t.Fatal(err)
	}
	pw, err := keys.ReadPasswordFile(filepath.Join(dir, PasswordFile))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		path := filepath.Join(dir, KeystoreName(i))
		own, err := keys.ReadPasswordFile(strings.TrimSuffix(path, ".json") + ".txt")
		if err != nil || own != pw {
			t.Fatalf("keystore %d: password file %q, %v; want the shared one", i, own, err)
		}
		sk, ks, err := keys.ReadKeystoreFile(path, pw)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := bls.InteropSecretKey(uint64(i))
		if sk != want {
			t.Errorf("keystore %d does not hold interop key %d", i, i)
		}
		pk, _ := want.PublicKey()
		if ks.Pubkey != fmt.Sprintf("%x", pk[:]) {
			t.Errorf("keystore %d names public key %s", i, ks.Pubkey)
		}
		if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("keystore %d: mode %v, %v; want 0600", i, st.Mode().Perm(), err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, KeystoreName(3))); !os.IsNotExist(err) {
		t.Errorf("a keystore beyond the validators was written: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		flag string
	}{
		{Config{Validators: 0, Slots: 1, SecondsPerSlot: 1}, "--validators"},
		{Config{Validators: 4, CountValidators: 5, Slots: 1, SecondsPerSlot: 1}, "--count-validators"},
		{Config{Validators: 4, Slots: 0, SecondsPerSlot: 1}, "--slots"},
		{Config{Validators: 4, Slots: 1, SecondsPerSlot: 0}, "--seconds-per-slot"},
		{Config{Validators: 4, Slots: 1, SecondsPerSlot: 1, Preset: "interop"}, "--preset"},
		{Config{Validators: 4, Slots: 1, SecondsPerSlot: 1, Listen: "256.0.0.1:1"}, "--listen"},
	} {
		_, err := Run(context.Background(), c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.flag) {
			t.Errorf("%+v: error %v, want one naming %s", c.cfg, err, c.flag)
		}
	}
}

// freePorts finds n consecutive free ports on 127.0.0.1.
func freePorts(t *testing.T, n int) int {
	base, err := freeports.Consecutive(n)
	if err != nil {
		t.Fatal(err)
	}
	return base
}

// A 4-node cluster started separately and pointed at the standalone
// server gets every duty of the counted validators accepted, and the
// printed table says so line by line.
func TestClusterAgainstStandaloneServer(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a cluster")
	}
	const validators, slots = 8, 8
	dir := t.TempDir()
	// The cluster definition needs the chain's genesis validators root and
	// fork schedule: a node built from the same configuration has them.
	// The minimal config: 8-slot epochs, so the run covers a whole epoch
	// of attestations.
	sel := &Config{Preset: "minimal"}
	chain, forks, err := sel.chain()
	if err != nil {
		t.Fatal(err)
	}
	sps := testslots.Seconds(t)
	probe, err := simbeacon.New(simbeacon.Config{Validators: validators, SecondsPerSlot: sps, Chain: chain, Forks: forks})
	if err != nil {
		t.Fatal(err)
	}
	ch := probe.SigningChain()
	if _, err := keys.GenerateDevnet(dir, keys.DevnetConfig{
		Operators: 4, Validators: validators, Seed: []byte("simserve test"),
		Network:  cluster.NetworkFromSchedule("simbeacon", ch.GenesisValidatorsRoot, ch.SlotsPerEpoch, ch.Forks),
		BasePort: freePorts(t, 4),
	}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var svcs []*run.Service
	defer func() {
		for _, s := range svcs {
			s.Stop()
		}
	}()
	var out bytes.Buffer
	res, err := Run(ctx, Config{
		Validators: validators, Listen: "127.0.0.1:0", Slots: slots, SecondsPerSlot: sps, Preset: "minimal",
		KeystoresOut: filepath.Join(dir, "keystores"), GenesisDelay: 4 * time.Second, Out: &out,
		OnListen: func(addr string) {
			for i := uint64(1); i <= 4; i++ {
				s, err := run.Start(ctx, run.Options{
					ClusterFile: filepath.Join(dir, "cluster.json"), NodeDir: keys.NodeDir(dir, i),
					BeaconURLs: []string{"http://" + addr}, NoAggregation: true,
				})
				if err != nil {
					t.Errorf("node %d: %v", i, err)
					continue
				}
				svcs = append(svcs, s)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	res.Print(&out)
	t.Log(out.String())
	if res.Failed() {
		t.Fatalf("failed duties or offences: %+v, %d offences", res.Total, len(res.Offences))
	}
	for _, typ := range []string{dutytable.TypeAttester, dutytable.TypeProposer, dutytable.TypeSync} {
		st := res.ByType[typ]
		if st == nil || st.Count == 0 {
			t.Fatalf("no %s duties", typ)
		}
		line := fmt.Sprintf("DUTY type=%s duties=%d succeeded=%d failed=0 ", typ, st.Count, st.Count)
		if !strings.Contains(out.String(), line) {
			t.Errorf("output lacks %q", line)
		}
	}
	// Every validator attests once per epoch: one epoch of 8 slots.
	if got := res.ByType[dutytable.TypeAttester].Count; got != validators {
		t.Errorf("%d attester duties, want %d", got, validators)
	}
	if !strings.Contains(out.String(), fmt.Sprintf("SUMMARY duties=%d succeeded=%d failed=0 ", res.Total.Count, res.Total.Count)) {
		t.Error("no SUMMARY line with every duty succeeded")
	}
}
