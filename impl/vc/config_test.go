package vc_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dvspec/go-dvspec/impl/slashingstore"
	"github.com/dvspec/go-dvspec/impl/vc"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
)

func TestNewNamesTheBadField(t *testing.T) {
	store, err := slashingstore.Open(filepath.Join(t.TempDir(), "s.db"), [32]byte{1})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	keys := interopKeys(t, 2)
	good := vc.Config{BeaconURL: "http://127.0.0.1:1", Keys: keys, Slashing: store}
	cases := []struct {
		edit func(*vc.Config)
		want string
	}{
		{func(c *vc.Config) { c.BeaconURL = "" }, "Config.BeaconURL"},
		{func(c *vc.Config) { c.BeaconURL = "127.0.0.1:5052" }, "Config.BeaconURL"},
		{func(c *vc.Config) { c.Keys = nil }, "Config.Keys"},
		{func(c *vc.Config) { c.Keys = []bls.SecretKey{keys[0], keys[0]} }, "Config.Keys[1]"},
		{func(c *vc.Config) { c.Keys = []bls.SecretKey{{}} }, "Config.Keys[0]"},
		{func(c *vc.Config) { c.Slashing = nil }, "Config.Slashing"},
		{func(c *vc.Config) { c.Timeout = -1 }, "Config.Timeout"},
		{func(c *vc.Config) { c.Pattern.SyncSelectionBatch = -1 }, "Config.Pattern"},
		{func(c *vc.Config) { c.Chain = &signing.Chain{} }, "Config.Chain"},
	}
	for _, tc := range cases {
		cfg := good
		tc.edit(&cfg)
		v, err := vc.New(cfg)
		if err == nil {
			v.Close()
			t.Errorf("want an error naming %s, got none", tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %q does not name %s", err, tc.want)
		}
	}
	v, err := vc.New(good)
	if err != nil {
		t.Fatalf("good config: %v", err)
	}
	defer v.Close()
	// Before Start the steps know no chain: they do nothing, and say so
	// in the log, instead of failing every duty or dividing by zero.
	if rs := v.Attest(context.Background(), 1); rs != nil {
		t.Errorf("Attest before Start: %v", rs)
	}
}

// TestStartRefusesAnotherChain gives the client a Config.Chain of another
// network than the beacon node's: Start must fail at once, naming it,
// rather than retry.
func TestStartRefusesAnotherChain(t *testing.T) {
	f := newFixture(t, signing.ForkSchedule{})
	other := f.node.SigningChain()
	other.GenesisValidatorsRoot[0] ^= 1
	v, err := vc.New(vc.Config{BeaconURL: f.url, Keys: interopKeys(t, 1), Slashing: f.store, Chain: &other, Clock: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	err = v.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "Config.Chain genesis validators root") {
		t.Fatalf("Start: %v", err)
	}
}
