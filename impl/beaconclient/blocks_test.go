package beaconclient

import (
	"context"
	"strconv"
	"testing"
	"time"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/impl/simbeacon/simtest"
)

// A block the beacon node accepts is announced on the block event stream
// and can then be fetched by its root, its slot and as the head, on every
// fork and both presets; an unknown block is a 404.
func TestBlockEventsAndFetch(t *testing.T) {
	for _, tc := range forkCases {
		if tc.through < eth2spec.DataVersionAltair && tc.name != "phase0-mainnet" {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			n, clock, url := simtest.Start(t, simbeacon.Config{Chain: builtin(t, tc.preset), Validators: 64, Forks: schedule(t, tc.preset, tc.through)})
			c := newClient(t, tc.json, url)
			ctx := ctxT(t)
			events := make(chan *apiv1.BlockEvent, 4)
			if err := c.SubscribeBlockEvents(ctx, func(_ context.Context, ev *apiv1.BlockEvent) { events <- ev }); err != nil {
				t.Fatal(err)
			}
			for n.EventSubscribers() == 0 {
				time.Sleep(5 * time.Millisecond)
			}
			slot := phase0.Slot(3)
			simtest.ToSlot(n, clock, slot)
			s := simtest.Signer{T: t, Node: n}
			proposal, err := c.ProduceBlock(ctx, slot, s.RandaoReveal(slot), [32]byte{})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.SubmitBlock(ctx, s.SignProposal(proposal)); err != nil {
				t.Fatal(err)
			}
			var ev *apiv1.BlockEvent
			select {
			case ev = <-events:
			case <-ctx.Done():
				t.Fatal("no block event")
			}
			if ev.Slot != slot {
				t.Fatalf("event for slot %d, want %d", ev.Slot, slot)
			}
			// go-eth2-client hashes with the mainnet-sized containers, so
			// under the minimal preset its root is not the event's; the
			// three ids must still give the same block.
			want := ev.Block
			for i, id := range []string{"0x" + hexRoot(ev.Block), strconv.Itoa(int(slot)), "head"} {
				b, err := c.SignedBeaconBlock(ctx, id)
				if err != nil {
					t.Fatalf("%s: %v", id, err)
				}
				root, err := b.Root()
				if i == 0 && tc.preset != "mainnet" {
					want = root
				}
				bslot, _ := b.Slot()
				if err != nil || root != want || b.Version != tc.through || bslot != slot {
					t.Errorf("%s: %s block of slot %d with root %#x (%v), want %s %#x at %d", id, b.Version, bslot, root, err, tc.through, want, slot)
				}
			}
			_, err = c.SignedBeaconBlock(ctx, "0x"+hexRoot(phase0.Root{1}))
			if e, ok := err.(*Error); !ok || e.StatusCode != 404 {
				t.Errorf("unknown block: %v, want a 404", err)
			}
		})
	}
}

func hexRoot(r phase0.Root) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 64)
	for i, b := range r {
		out[2*i], out[2*i+1] = digits[b>>4], digits[b&15]
	}
	return string(out)
}
