package node

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/impl/beaconclient"
	"github.com/dvspec/go-dvspec/impl/keys"
	"github.com/dvspec/go-dvspec/impl/slashingstore"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/cluster"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// aggVC is a VC-facing API that serves aggregation and records what it is
// handed.
type aggVC struct {
	nopVC
	sels int
}

func (a *aggVC) CacheBeaconCommitteeSelection(*apiv1.BeaconCommitteeSelection, bool) error {
	a.sels++
	return nil
}
func (a *aggVC) CacheSyncCommitteeSelection(*ethnode.SyncCommitteeSelection, bool) error {
	a.sels++
	return nil
}
func (a *aggVC) CacheAggregateAndProofForVC(context.Context, *eth2spec.VersionedAggregateAndProof) error {
	return nil
}
func (a *aggVC) CacheContributionAndProofForVC(context.Context, *altair.ContributionAndProof) error {
	return nil
}

// vcNodeConfig is a VC-middleware node of a 4-operator, 1-validator
// cluster whose beacon node is never reached.
func vcNodeConfig(t *testing.T) (Config, *cluster.Definition) {
	t.Helper()
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
	def, err := keys.GenerateDevnet(dir, keys.DevnetConfig{Operators: 4, Validators: 1, Seed: []byte("vcagg"),
		Network: cluster.NetworkFromSchedule("devnet", gvr, 32, forks)})
	if err != nil {
		t.Fatal(err)
	}
	nodeKey, err := keys.ReadNodeKeyFile(filepath.Join(keys.NodeDir(dir, 1), keys.NodeKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	store, err := slashingstore.Open(filepath.Join(dir, "slashing.db"), gvr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	bn, err := beaconclient.New(beaconclient.Config{URLs: []string{"http://127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bn.Close)
	return Config{Cluster: def, Self: 1, NodeKey: nodeKey, Chain: chain, Genesis: time.Now().Add(time.Hour), SlotDuration: time.Second,
		BeaconNode: bn, Slashing: store, Transport: NewMemNetwork().Endpoint(1), VC: &aggVC{}}, def
}

func runNode(t *testing.T, n *Node) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = n.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	<-n.running
}

func TestVCMiddlewareAggregationNeedsAnAPIThatServesIt(t *testing.T) {
	cfg, _ := vcNodeConfig(t)
	cfg.VC, cfg.Aggregation = nopVC{}, true
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "Aggregation") {
		t.Fatalf("Aggregation with a VC API that cannot serve it: %v", err)
	}
}

func TestVCMiddlewareAggregationCaptures(t *testing.T) {
	cfg, def := vcNodeConfig(t)
	pk := def.Validators[0].PublicKey
	vi := phase0.ValidatorIndex(def.Validators[0].ValidatorIndex[0])
	// Any signature but the node's share's: interop key 1's.
	sk, err := bls.InteropSecretKey(1)
	if err != nil {
		t.Fatal(err)
	}
	in, err := cfg.Chain.AggregationSlot(40)
	if err != nil {
		t.Fatal(err)
	}
	bad, err := bls.Sign(sk, in.SigningRoot[:])
	if err != nil {
		t.Fatal(err)
	}
	sel := aggduty.CapturedBeaconCommitteeSelection{Selection: &apiv1.BeaconCommitteeSelection{ValidatorIndex: vi, Slot: 40, SelectionProof: bad}}

	// Without aggregation the VC hears 501, not a success.
	off, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	runNode(t, off)
	err = off.Capture(context.Background(), pk, sel)
	var sc interface{ StatusCode() int }
	if !errors.As(err, &sc) || sc.StatusCode() != 501 {
		t.Fatalf("a selection with aggregation off: %v, want a 501 refusal", err)
	}

	cfg.Aggregation = true
	cfg.Transport = NewMemNetwork().Endpoint(1)
	on, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	runNode(t, on)
	state := func() *aggduty.State {
		got := make(chan *aggduty.State, 1)
		on.post(func() { got <- on.aggOf(on.vals[pk]).st })
		return <-got
	}
	before := state()
	if err := on.Capture(context.Background(), pk, sel); !errors.Is(err, dvc.ErrInvalidShare) {
		t.Fatalf("a selection proof not signed with the node's share: %v, want ErrInvalidShare", err)
	}
	if state() != before {
		t.Fatal("a refused selection proof changed the aggregation state")
	}
	other := sel
	other.Selection = &apiv1.BeaconCommitteeSelection{ValidatorIndex: vi + 1, Slot: 40, SelectionProof: bad}
	if err := on.Capture(context.Background(), pk, other); !errors.Is(err, dvc.ErrWrongValidator) {
		t.Fatalf("a selection of another validator: %v, want ErrWrongValidator", err)
	}
}
