package beaconclient

import (
	"context"
	"github.com/dvspec/go-dvspec/spec"
	"testing"
	"time"

	eth2spec "github.com/attestantio/go-eth2-client/spec"

	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/impl/simbeacon/simtest"
	"github.com/dvspec/go-dvspec/spec/signing"
)

func newClient(t *testing.T, enforceJSON bool, urls ...string) *Client {
	t.Helper()
	c, err := New(Config{URLs: urls, Timeout: 3 * time.Second, EnforceJSON: enforceJSON})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// forkCases are the chains the round trip runs on: every fork from genesis
// that changes a container the validator flow touches, both presets.
var forkCases = []struct {
	name    string
	preset  string
	through eth2spec.DataVersion
	json    bool
}{
	{"phase0-mainnet", "mainnet", eth2spec.DataVersionPhase0, false},
	{"altair-mainnet", "mainnet", eth2spec.DataVersionAltair, false},
	{"bellatrix-mainnet", "mainnet", eth2spec.DataVersionBellatrix, false},
	{"capella-mainnet", "mainnet", eth2spec.DataVersionCapella, false},
	{"deneb-mainnet", "mainnet", eth2spec.DataVersionDeneb, false},
	{"electra-mainnet", "mainnet", eth2spec.DataVersionElectra, false},
	{"electra-mainnet-json", "mainnet", eth2spec.DataVersionElectra, true},
	{"fulu-mainnet", "mainnet", eth2spec.DataVersionFulu, false},
	{"electra-minimal", "minimal", eth2spec.DataVersionElectra, true},
	{"electra-minimal-ssz", "minimal", eth2spec.DataVersionElectra, false},
	{"fulu-minimal", "minimal", eth2spec.DataVersionFulu, true},
}

func schedule(t *testing.T, preset string, through eth2spec.DataVersion) signing.ForkSchedule {
	t.Helper()
	var (
		s   signing.ForkSchedule
		err error
	)
	if preset == "minimal" {
		s, err = signing.MinimalForkSchedule(through)
	} else {
		s, err = signing.MainnetVersionsFromGenesis(through)
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRoundTripEveryEndpoint drives every BeaconNode method through
// go-eth2-client against the simulated node, on every fork and both
// presets, and checks the answers against the node's own view and that
// every signed submission was accepted.
func TestRoundTripEveryEndpoint(t *testing.T) {
	for _, tc := range forkCases {
		t.Run(tc.name, func(t *testing.T) {
			roundTrip(t, tc.preset, tc.through, tc.json)
		})
	}
}

func roundTrip(t *testing.T, preset string, through eth2spec.DataVersion, enforceJSON bool) {
	n, clock, url := simtest.Start(t, simbeacon.Config{Chain: builtin(t, preset), Validators: 64, Forks: schedule(t, preset, through)})
	simtest.Exercise(t, newClient(t, enforceJSON, url), n, clock)
}

func builtin(t testing.TB, preset string) spec.ChainConfig {
	t.Helper()
	c, err := spec.BuiltinConfig(preset)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
