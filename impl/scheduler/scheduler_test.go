package scheduler

import (
	"context"
	"sync"
	"testing"
	"time"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/signing"
)

func TestSlotClock(t *testing.T) {
	g := time.Unix(100, 0)
	c := SlotClock{Genesis: g, SlotDuration: 12 * time.Second, SlotsPerEpoch: 32}
	if s, ok := c.SlotAt(g.Add(-time.Second)); ok || s != 0 {
		t.Fatal("slot before genesis")
	}
	if s, _ := c.SlotAt(g.Add(25 * time.Second)); s != 2 {
		t.Fatalf("slot %d", s)
	}
	if c.AttestationTime(2) != g.Add(28*time.Second) || c.EpochOf(64) != 2 || c.EpochStart(2) != 64 {
		t.Fatal("clock arithmetic")
	}
}

type fakeDuties struct{ pk phase0.BLSPubKey }

func (f fakeDuties) AttesterDuties(_ context.Context, epoch phase0.Epoch, _ []phase0.ValidatorIndex) (*ethnode.AttesterDuties, error) {
	return &ethnode.AttesterDuties{Duties: []*apiv1.AttesterDuty{
		{PubKey: f.pk, ValidatorIndex: 5, Slot: phase0.Slot(uint64(epoch)*4 + 1), CommitteeLength: 4, CommitteesAtSlot: 1},
		{PubKey: phase0.BLSPubKey{9}, ValidatorIndex: 6, Slot: 1}, // not ours
	}}, nil
}

func (f fakeDuties) ProposerDuties(_ context.Context, epoch phase0.Epoch) (*ethnode.ProposerDuties, error) {
	return &ethnode.ProposerDuties{Duties: []*apiv1.ProposerDuty{
		{PubKey: f.pk, ValidatorIndex: 5, Slot: phase0.Slot(uint64(epoch)*4 + 2)},
		{PubKey: phase0.BLSPubKey{9}, ValidatorIndex: 6, Slot: phase0.Slot(uint64(epoch)*4 + 3)},
	}}, nil
}

func (f fakeDuties) SyncCommitteeDuties(context.Context, phase0.Epoch, []phase0.ValidatorIndex) ([]*apiv1.SyncCommitteeDuty, error) {
	return []*apiv1.SyncCommitteeDuty{{PubKey: f.pk, ValidatorIndex: 5, ValidatorSyncCommitteeIndices: []phase0.CommitteeIndex{300, 200}}}, nil
}

type event struct {
	kind string
	slot phase0.Slot
	sub  uint64
	at   time.Duration
}

type recorder struct {
	mu      sync.Mutex
	genesis time.Time
	events  []event
}

func (r *recorder) add(kind string, slot phase0.Slot, sub uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, event{kind, slot, sub, time.Since(r.genesis)})
}

func (r *recorder) SlotStarted(s phase0.Slot)                    { r.add("slot", s, 0) }
func (r *recorder) ServeProposerDuty(d *spec.ProposerDuty)       { r.add("proposer", d.Slot, 0) }
func (r *recorder) ServeAttestationDuty(d *spec.AttestationDuty) { r.add("attester", d.Slot, 0) }
func (r *recorder) ServeSyncCommitteeDuty(_ *spec.SyncCommitteeDuty, s phase0.Slot, sub uint64) {
	r.add("sync", s, sub)
}
func (r *recorder) PrepareSyncCommitteeDuty(_ *spec.SyncCommitteeDuty, s phase0.Slot) {
	r.add("prepare", s, 0)
}

func TestDutiesAtTheirTimes(t *testing.T) {
	forks, err := signing.MainnetVersionsFromGenesis(eth2spec.DataVersionElectra)
	if err != nil {
		t.Fatal(err)
	}
	pk := phase0.BLSPubKey{5}
	slot := 450 * time.Millisecond
	genesis := time.Now().Add(100 * time.Millisecond)
	rec := &recorder{genesis: genesis}
	s, err := New(Config{
		Clock:  SlotClock{Genesis: genesis, SlotDuration: slot, SlotsPerEpoch: 4},
		Duties: fakeDuties{pk}, Validators: map[phase0.ValidatorIndex]phase0.BLSPubKey{5: pk},
		Chain: signing.Chain{Forks: forks, SlotsPerEpoch: 4}, Sink: rec,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), genesis.Add(6*slot+slot/2).Sub(time.Now()))
	defer cancel()
	_ = s.Run(ctx)
	want := map[string][]phase0.Slot{"proposer": {2, 6}, "attester": {1, 5}, "sync": {0, 1, 2, 3, 4, 5, 6}, "slot": {0, 1, 2, 3, 4, 5, 6}}
	got := map[string][]phase0.Slot{}
	for _, e := range rec.events {
		got[e.kind] = append(got[e.kind], e.slot)
		off := e.at - time.Duration(e.slot)*slot
		switch e.kind {
		case "proposer", "slot", "prepare":
			if off < 0 || off > slot/3 {
				t.Errorf("%s of slot %d at %s into the slot, want its start", e.kind, e.slot, off)
			}
		case "attester", "sync":
			if off < slot/3 || off > 2*slot/3 {
				t.Errorf("%s of slot %d at %s into the slot, want a third in", e.kind, e.slot, off)
			}
		}
		if e.kind == "sync" && e.sub != 1 { // indices 200 and 300: subcommittees 1 and 2
			t.Errorf("sync subcommittee %d, want the lowest (1)", e.sub)
		}
	}
	for k, w := range want {
		if len(got[k]) != len(w) {
			t.Errorf("%s duties at slots %v, want %v", k, got[k], w)
			continue
		}
		for i := range w {
			if got[k][i] != w[i] {
				t.Errorf("%s duties at slots %v, want %v", k, got[k], w)
				break
			}
		}
	}
	// The sync committee duties are announced at the slot's start, before
	// they are served (slot 0's only if the fetch that started before
	// genesis had finished: it is not waited for).
	prepared := map[phase0.Slot]int{}
	for i, e := range rec.events {
		switch e.kind {
		case "prepare":
			prepared[e.slot] = i
		case "sync":
			if p, ok := prepared[e.slot]; !ok && e.slot > 0 || ok && p > i {
				t.Errorf("sync duty of slot %d served without being prepared at the slot's start", e.slot)
			}
		}
	}
	if len(prepared) < 6 {
		t.Errorf("sync duties prepared at slots %v, want every slot from 1", got["prepare"])
	}
}

// TestStartMidEpochServesTheEpochsEarlierAttesterDuties: a scheduler
// started in slot 2 (a restarted node) serves the attester duty of slot 1
// of the same epoch (its attestation can still be included; its peers may
// still run its instance), before the duties of later slots, and no duty
// of an earlier epoch.
func TestStartMidEpochServesTheEpochsEarlierAttesterDuties(t *testing.T) {
	forks, err := signing.MainnetVersionsFromGenesis(eth2spec.DataVersionElectra)
	if err != nil {
		t.Fatal(err)
	}
	pk := phase0.BLSPubKey{5}
	slot := 300 * time.Millisecond
	genesis := time.Now().Add(-2*slot - slot/2)
	rec := &recorder{genesis: genesis}
	s, err := New(Config{
		Clock:  SlotClock{Genesis: genesis, SlotDuration: slot, SlotsPerEpoch: 4},
		Duties: fakeDuties{pk}, Validators: map[phase0.ValidatorIndex]phase0.BLSPubKey{5: pk},
		Chain: signing.Chain{Forks: forks, SlotsPerEpoch: 4}, Sink: rec, NoSync: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), genesis.Add(6*slot+slot/2).Sub(time.Now()))
	defer cancel()
	_ = s.Run(ctx)
	var att []phase0.Slot
	for _, e := range rec.events {
		if e.kind == "attester" {
			att = append(att, e.slot)
		}
	}
	if len(att) != 2 || att[0] != 1 || att[1] != 5 {
		t.Fatalf("attester duties served for slots %v, want [1 5] (slot 1 caught up at the start)", att)
	}
}

// movingProposer answers an epoch's first proposer duties request with the
// validator at the epoch's slot 2 and every later one with slot 3 under
// another dependent root: a beacon node that lagged the clock when the
// duties were fetched ahead, and imported the deciding block since.
type movingProposer struct {
	fakeDuties
	mu    sync.Mutex
	calls map[phase0.Epoch]int
}

func (f *movingProposer) ProposerDuties(_ context.Context, epoch phase0.Epoch) (*ethnode.ProposerDuties, error) {
	f.mu.Lock()
	f.calls[epoch]++
	n := f.calls[epoch]
	f.mu.Unlock()
	slot, root := uint64(epoch)*4+2, phase0.Root{1}
	if n > 1 {
		slot, root = uint64(epoch)*4+3, phase0.Root{2}
	}
	return &ethnode.ProposerDuties{DependentRoot: root, Duties: []*apiv1.ProposerDuty{{PubKey: f.pk, ValidatorIndex: 5, Slot: phase0.Slot(slot)}}}, nil
}

func TestProposerDutiesFollowTheirDependentRoot(t *testing.T) {
	forks, err := signing.MainnetVersionsFromGenesis(eth2spec.DataVersionElectra)
	if err != nil {
		t.Fatal(err)
	}
	pk := phase0.BLSPubKey{5}
	slot := 300 * time.Millisecond
	genesis := time.Now().Add(100 * time.Millisecond)
	rec := &recorder{genesis: genesis}
	duties := &movingProposer{fakeDuties: fakeDuties{pk}, calls: map[phase0.Epoch]int{}}
	s, err := New(Config{
		Clock:  SlotClock{Genesis: genesis, SlotDuration: slot, SlotsPerEpoch: 4},
		Duties: duties, Validators: map[phase0.ValidatorIndex]phase0.BLSPubKey{5: pk},
		Chain: signing.Chain{Forks: forks, SlotsPerEpoch: 4}, Sink: rec, NoSync: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), genesis.Add(8*slot-slot/2).Sub(time.Now()))
	defer cancel()
	_ = s.Run(ctx)
	var got []phase0.Slot
	for _, e := range rec.events {
		if e.kind == "proposer" {
			got = append(got, e.slot)
		}
	}
	if len(got) != 2 || got[0] != 3 || got[1] != 7 {
		t.Fatalf("proposer duties served at slots %v, want [3 7] (the duties under the later dependent root)", got)
	}
}
