package node

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/beaconclient"
	"github.com/dvspec/go-dvspec/impl/keys"
	"github.com/dvspec/go-dvspec/impl/remotesigner"
	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/impl/slashingstore"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/cluster"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty"
)

// aggCluster runs four nodes with four distributed validators against a
// simulated beacon node on the minimal preset, where committees are so
// small that every attester is an aggregator and every sync committee
// member a sync subcommittee aggregator, for slots slots; it returns the
// beacon node (its records of what it verified and accepted) once the
// nodes stopped, and the number of sync committee bits set in the sync
// aggregate of each block it imported, by slot.
func aggCluster(t *testing.T, slots uint64, noAggregation bool, tracer Tracer) (*simbeacon.Node, map[phase0.Slot]int) {
	t.Helper()
	const operators, validators, secondsPerSlot = 4, 4, 2
	chainCfg, forks, err := simbeacon.BuiltinChain("minimal", 0)
	if err != nil {
		t.Fatal(err)
	}
	genesis := time.Now().Add(4 * time.Second).Truncate(time.Second)
	sb, err := simbeacon.New(simbeacon.Config{Chain: chainCfg, Forks: forks, Validators: 8, SecondsPerSlot: secondsPerSlot, GenesisTime: genesis})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := sb.ListenAndServe("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	chain := sb.SigningChain()
	gvr := chain.GenesisValidatorsRoot
	dir := t.TempDir()
	seed := []byte("impl/node aggregation test")
	def, err := keys.GenerateDevnet(dir, keys.DevnetConfig{Operators: operators, Validators: validators, Seed: seed,
		Network: cluster.NetworkFromSchedule("devnet", gvr, chain.SlotsPerEpoch, chain.Forks)})
	if err != nil {
		t.Fatal(err)
	}
	// The shares GenerateDevnet wrote, split again from the interop keys.
	shares := make([][]bls.SecretKey, operators)
	for v := uint64(0); v < validators; v++ {
		sk, err := bls.InteropSecretKey(v)
		if err != nil {
			t.Fatal(err)
		}
		res, err := keys.SplitKey(sk, operators, 0, keys.DevnetPolynomialSeed(seed, v))
		if err != nil {
			t.Fatal(err)
		}
		if res.ValidatorPublicKey != def.Validators[v].PublicKey {
			t.Fatal("test setup: the split does not match the cluster definition")
		}
		for i := range shares {
			shares[i] = append(shares[i], res.Shares[i].SecretKey)
		}
	}
	ctx, cancel := context.WithDeadline(context.Background(), genesis.Add(time.Duration(slots)*secondsPerSlot*time.Second))
	defer cancel()
	mem := NewMemNetwork()
	done := make(chan error, operators)
	for i := uint64(1); i <= operators; i++ {
		store, err := slashingstore.Open(filepath.Join(dir, fmt.Sprintf("slashing-%d.db", i)), gvr)
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		signer, err := remotesigner.NewServer(remotesigner.Config{Keys: shares[i-1], Forks: chain.Forks, ChainConfig: chainCfg, GenesisValidatorsRoot: gvr, Slashing: store})
		if err != nil {
			t.Fatal(err)
		}
		bn, err := beaconclient.New(beaconclient.Config{URLs: []string{"http://" + addr}})
		if err != nil {
			t.Fatal(err)
		}
		defer bn.Close()
		n, err := New(Config{Cluster: def, Self: i, NodeKey: keys.NodeKeyFromSeed(seed, i), Chain: chain,
			Genesis: genesis, SlotDuration: secondsPerSlot * time.Second, BeaconNode: bn, Signer: signer, Slashing: store,
			Transport: mem.Endpoint(i), Aggregation: !noAggregation})
		if i == 1 && tracer != nil {
			n.cfg.Tracer = tracer
		}
		if err != nil {
			t.Fatal(err)
		}
		go func() { done <- n.Run(ctx) }()
	}
	for i := 0; i < operators; i++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	reader, err := beaconclient.New(beaconclient.Config{URLs: []string{"http://" + addr}})
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	syncBits := map[phase0.Slot]int{}
	for s := uint64(1); s < slots; s++ {
		b, err := reader.SignedBeaconBlock(context.Background(), fmt.Sprint(s))
		if err != nil || b == nil || b.Electra == nil || b.Electra.Message == nil || b.Electra.Message.Body == nil {
			continue // no block (its proposal failed) or not Electra
		}
		if sa := b.Electra.Message.Body.SyncAggregate; sa != nil {
			syncBits[phase0.Slot(s)] = int(sa.SyncCommitteeBits.Count())
		}
	}
	return sb, syncBits
}

// Four nodes aggregate: the simulated beacon node accepted aggregates and
// contributions of the distributed validators, each of which it checked
// (the selection proof selects the validator, the signatures verify, every
// attestation or sync committee message counted reached it), and the
// blocks it produced carry the contributions' sync committee bits.
// Turning aggregation off leaves none.
func TestAggregationThroughNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two clusters for 24 s")
	}
	count := func(sb *simbeacon.Node, kind simbeacon.Kind) (n int, slots map[phase0.Slot]bool) {
		slots = map[phase0.Slot]bool{}
		for v := phase0.ValidatorIndex(0); v < 4; v++ {
			for _, a := range sb.Accepted(v, kind) {
				n++
				slots[a.Slot] = true
			}
		}
		return n, slots
	}
	const slots = 8
	order := &syncServeOrder{}
	sb, bits := aggCluster(t, slots, false, order)
	aggs, aggSlots := count(sb, simbeacon.KindAggregateAndProof)
	contribs, contribSlots := count(sb, simbeacon.KindContributionAndProof)
	atts, _ := count(sb, simbeacon.KindAttestation)
	t.Logf("accepted: %d attestations, %d aggregates in slots %v, %d contributions in slots %v; sync committee bits of the blocks by slot %v", atts, aggs, aggSlots, contribs, contribSlots, bits)
	// A block is produced after its slot starts: one whose previous slot
	// had a contribution accepted before that carries its bits.
	for s, n := range bits {
		for v := phase0.ValidatorIndex(0); v < 4; v++ {
			for _, a := range sb.Accepted(v, simbeacon.KindContributionAndProof) {
				if a.Slot+1 == s && a.At.Before(sb.GenesisTime().Add(time.Duration(s)*2*time.Second)) && n == 0 {
					t.Errorf("the block of slot %d has no sync committee bit, though validator %d's contribution of slot %d was accepted before the slot", s, v, a.Slot)
				}
			}
		}
	}
	if aggs == 0 {
		t.Error("the beacon node accepted no aggregate of the distributed validators")
	}
	if contribs < 2 || len(contribSlots) < 2 {
		t.Errorf("the beacon node accepted %d contributions in %d slots, want several", contribs, len(contribSlots))
	}

	order.check(t)

	sb, bits = aggCluster(t, 4, true, nil)
	for s, n := range bits {
		if n != 0 {
			t.Errorf("aggregation off: %d sync committee bits in the block of slot %d, which only contributions put there", n, s)
		}
	}
	if n, _ := count(sb, simbeacon.KindAggregateAndProof); n != 0 {
		t.Errorf("aggregation off: %d aggregates accepted", n)
	}
	if n, _ := count(sb, simbeacon.KindContributionAndProof); n != 0 {
		t.Errorf("aggregation off: %d contributions accepted", n)
	}
	if n, _ := count(sb, simbeacon.KindSyncCommitteeMessage); n == 0 {
		t.Error("aggregation off: no sync committee message accepted either (the cluster did not run)")
	}
}

// syncServeOrder is a Tracer of one node recording, per validator and
// slot, the order of its sync committee duty's DVC serve and its
// contribution duty's serve (and how often the latter was served).
type syncServeOrder struct {
	mu     sync.Mutex
	n      int
	dvc    map[syncSlotKey]int // order of the DVC's ServeSyncCommitteeDuty
	agg    map[syncSlotKey]int // order of the first ServeSyncContributionDuty
	served map[syncSlotKey]int // ServeSyncContributionDuty steps taken without error
}

type syncSlotKey struct {
	v    phase0.ValidatorIndex
	slot phase0.Slot
}

func (o *syncServeOrder) Init(uint64, *dvc.Config, *dvc.State) {}

func (o *syncServeOrder) Step(_ uint64, cfg *dvc.Config, ev dvc.Event, _ []dvc.Output, _ error, _ *dvc.State) {
	if e, ok := ev.(dvc.ServeSyncCommitteeDuty); ok {
		o.mu.Lock()
		defer o.mu.Unlock()
		o.n++
		if o.dvc == nil {
			o.dvc = map[syncSlotKey]int{}
		}
		o.dvc[syncSlotKey{cfg.Validator.Index, e.Slot}] = o.n
	}
}

func (o *syncServeOrder) AggInit(uint64, *dvc.Config) {}

func (o *syncServeOrder) AggStep(_ uint64, cfg *dvc.Config, ev aggduty.Event, _ []aggduty.Output, err error) {
	e, ok := ev.(aggduty.ServeSyncContributionDuty)
	if !ok || err != nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.n++
	if o.agg == nil {
		o.agg, o.served = map[syncSlotKey]int{}, map[syncSlotKey]int{}
	}
	k := syncSlotKey{cfg.Validator.Index, e.Slot}
	if _, seen := o.agg[k]; !seen {
		o.agg[k] = o.n
	}
	o.served[k]++
}

// check: contribution duties are served at their slot's start, before
// the sync committee duty a third into the slot (aggPrepareSync; not in
// slot 0, whose committee keys are fetched then, nor after a slot whose
// sync committee message was late, so a loaded machine may have fewer),
// and each once.
func (o *syncServeOrder) check(t *testing.T) {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	early := 0
	for k, at := range o.dvc {
		if a, ok := o.agg[k]; ok && a < at {
			early++
		}
	}
	for k, n := range o.served {
		if n != 1 {
			t.Errorf("validator %d slot %d: contribution duty served %d times", k.v, k.slot, n)
		}
	}
	if early == 0 {
		t.Error("no contribution duty served at its slot's start")
	}
}
