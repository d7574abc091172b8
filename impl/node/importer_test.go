package node

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/OffchainLabs/go-bitfield"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/impl/beaconclient"
	"github.com/dvspec/go-dvspec/impl/scheduler"
	"github.com/dvspec/go-dvspec/spec/dvc"
)

// fakeBlocks is a beacon node whose event stream is down and which has
// blocks at some slots.
type fakeBlocks struct {
	ethnode.BeaconNode
	mu      sync.Mutex
	fetched []string
	blocks  map[string]*eth2spec.VersionedSignedBeaconBlock
}

func (f *fakeBlocks) SubscribeBlockEvents(context.Context, beaconclient.BlockEventHandler) error {
	return errors.New("events: 503")
}

func (f *fakeBlocks) SignedBeaconBlock(_ context.Context, id string) (*eth2spec.VersionedSignedBeaconBlock, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fetched = append(f.fetched, id)
	if b := f.blocks[id]; b != nil {
		return b, nil
	}
	return nil, &beaconclient.Error{StatusCode: 404, Message: "not found", Err: errors.New("not found")}
}

func phase0Block(slot phase0.Slot) *eth2spec.VersionedSignedBeaconBlock {
	return &eth2spec.VersionedSignedBeaconBlock{Version: eth2spec.DataVersionPhase0, Phase0: &phase0.SignedBeaconBlock{
		Message: &phase0.BeaconBlock{Slot: slot, ProposerIndex: 3, Body: &phase0.BeaconBlockBody{
			ETH1Data: &phase0.ETH1Data{BlockHash: make([]byte, 32)},
		}},
	}}
}

// Without an event stream, the importer fetches by slot every past slot
// since it started that it has not imported, skips slots without a block,
// and imports each block once however it learns of it.
func TestImportFallsBackToFetchingBySlot(t *testing.T) {
	genesis := time.Unix(1_000_000, 0)
	now := genesis.Add(2*time.Second + 100*time.Millisecond) // slot 2
	src := &fakeBlocks{blocks: map[string]*eth2spec.VersionedSignedBeaconBlock{}}
	for _, s := range []phase0.Slot{1, 3, 5, 6, 8} {
		src.blocks[strconv.Itoa(int(s))] = phase0Block(s)
	}
	n := &Node{log: slog.New(slog.DiscardHandler), now: func() time.Time { return now }, inbox: make(chan func(), 64)}
	n.cfg.SlotDuration = time.Second
	n.cfg.BeaconNode = src
	n.clock = scheduler.SlotClock{Genesis: genesis, SlotDuration: time.Second, SlotsPerEpoch: 8}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n.ctx = ctx
	im := newImporter(n)
	if im == nil {
		t.Fatal("a block source was not taken for one")
	}
	if s, ok := n.clock.SlotAt(n.now()); ok {
		im.checked = s
	}
	now = genesis.Add(8*time.Second + 10*time.Millisecond) // slot 8
	im.catchUp(ctx)
	// Slots 3..7 were past and not imported; slot 1 was before the start.
	if want := []string{"3", "4", "5", "6", "7"}; !equalStrings(src.fetched, want) {
		t.Errorf("fetched %v, want %v", src.fetched, want)
	}
	if got := len(n.inbox); got != 3 {
		t.Errorf("%d blocks handed to the loop, want 3 (slots 3, 5, 6)", got)
	}
	// The stream (or a second poll) reporting slot 5's block again does
	// not import it twice; the next poll looks at slot 8 only.
	root, _ := src.blocks["5"].Root()
	im.importBlock(ctx, "0x", root)
	now = now.Add(time.Second)
	src.fetched = nil
	im.catchUp(ctx)
	if want := []string{"8"}; !equalStrings(src.fetched, want) {
		t.Errorf("second poll fetched %v, want %v", src.fetched, want)
	}
	if got := len(n.inbox); got != 4 {
		t.Errorf("%d blocks handed to the loop, want 4", got)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// attestersOf reads the attesters of an Electra aggregate spanning two
// committees (members concatenated in committee order in the bits).
func TestAttestersOf(t *testing.T) {
	cb := bitfield.NewBitvector64()
	cb.SetBitAt(0, true)
	cb.SetBitAt(2, true)
	bits := bitfield.NewBitlist(5)
	bits.SetBitAt(1, true) // committee 0, position 1: validator 11
	bits.SetBitAt(4, true) // committee 2, position 1: validator 21
	data := &phase0.AttestationData{Slot: 9, Index: 0, Source: &phase0.Checkpoint{}, Target: &phase0.Checkpoint{}}
	b := &eth2spec.VersionedBeaconBlock{Version: eth2spec.DataVersionElectra, Electra: &electra.BeaconBlock{Slot: 10, Body: &electra.BeaconBlockBody{
		Attestations: []*electra.Attestation{{AggregationBits: bits, Data: data, CommitteeBits: cb}},
	}}}
	committees := []*dvc.BeaconCommittee{
		{Slot: 9, Index: 0, Validators: []phase0.ValidatorIndex{10, 11, 12}},
		{Slot: 9, Index: 1, Validators: []phase0.ValidatorIndex{30, 31}},
		{Slot: 9, Index: 2, Validators: []phase0.ValidatorIndex{20, 21}},
	}
	got := attestersOf(b, committees)
	if len(got) != 2 || len(got[11]) != 1 || got[11][0] != 9 || len(got[21]) != 1 || got[21][0] != 9 {
		t.Errorf("attesters %v, want 11 and 21 at slot 9", got)
	}
}
