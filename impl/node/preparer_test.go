package node

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/impl/keys"
	"github.com/dvspec/go-dvspec/impl/remotesigner"
	"github.com/dvspec/go-dvspec/impl/slashingstore"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/cluster"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// preparingBN records proposal preparations; every other beacon node
// method is unused here (nil embedded interface).
type preparingBN struct {
	ethnode.BeaconNode
	got  [][]*apiv1.ProposalPreparation
	fail error
}

func (b *preparingBN) SubmitProposalPreparations(_ context.Context, p []*apiv1.ProposalPreparation) error {
	if b.fail != nil {
		return b.fail
	}
	b.got = append(b.got, p)
	return nil
}

// TestPrepareSendsTheClusterFeeRecipients: the node tells its beacon node
// the cluster definition's fee recipient of every one of its validators,
// and the DVC's block validity predicate holds the same address.
func TestPrepareSendsTheClusterFeeRecipients(t *testing.T) {
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
	def, err := keys.GenerateDevnet(dir, keys.DevnetConfig{Operators: 4, Validators: 3, InteropStart: 5, Seed: []byte("prepare"),
		Network: cluster.NetworkFromSchedule("devnet", gvr, 32, forks)})
	if err != nil {
		t.Fatal(err)
	}
	store, err := slashingstore.Open(filepath.Join(dir, "slashing.db"), gvr)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	nodeKey, err := keys.ReadNodeKeyFile(filepath.Join(keys.NodeDir(dir, 1), keys.NodeKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := remotesigner.NewServer(remotesigner.Config{Forks: forks, SlotsPerEpoch: 32, GenesisValidatorsRoot: gvr, Slashing: store})
	if err != nil {
		t.Fatal(err)
	}
	bn := &preparingBN{}
	n, err := New(Config{Cluster: def, Self: 1, NodeKey: nodeKey, Chain: chain,
		Genesis: time.Now(), SlotDuration: time.Second, BeaconNode: bn, Signer: signer, Slashing: store,
		Transport: NewMemNetwork().Endpoint(1)})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.prepareOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(bn.got) != 1 || len(bn.got[0]) != len(def.Validators) {
		t.Fatalf("preparations %v, want one call with %d validators", bn.got, len(def.Validators))
	}
	for i, p := range bn.got[0] {
		cv := def.Validators[i]
		if uint64(p.ValidatorIndex) != cv.ValidatorIndex[0] || p.FeeRecipient != cv.FeeRecipient {
			t.Errorf("preparation %d: validator %d pays %#x, cluster says validator %d pays %#x", i, p.ValidatorIndex, p.FeeRecipient[:], cv.ValidatorIndex[0], cv.FeeRecipient[:])
		}
		if v := n.vals[cv.PublicKey]; v == nil || v.cfg.FeeRecipient == nil || *v.cfg.FeeRecipient != cv.FeeRecipient {
			t.Errorf("validator %d: the DVC does not check the cluster's fee recipient", cv.ValidatorIndex[0])
		}
	}
	bn.fail = errors.New("503")
	if err := n.prepareOnce(context.Background()); err == nil {
		t.Fatal("a failed POST is not reported")
	}
}
