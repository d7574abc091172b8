package node

import (
	"testing"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// TestSyncWaitsForAttestations: what waits for a slot's attestations runs
// at once when none is in flight, waits while one is, runs when the beacon
// node answered the last one, and runs at the cap when an answer never
// comes.
func TestSyncWaitsForAttestations(t *testing.T) {
	fx := newLoopFixture(t, &scriptedSigner{})
	settle := fx.startLoop(t)
	inLoop := func(f func()) {
		fx.n.post(f)
		settle()
	}
	n := fx.n
	slot := phase0.Slot(3)
	fx.now.Store(n.clock.AttestationTime(slot).UnixNano())
	var ran []string
	run := func(name string) func() { return func() { ran = append(ran, name) } }

	inLoop(func() { n.afterAttestations(slot, run("none in flight")) })
	inLoop(func() {
		n.attestationServed(slot)
		n.attestationServed(slot)
		n.afterAttestations(slot, run("first"))
		n.afterAttestations(slot, run("second"))
		n.afterAttestations(slot+1, run("other slot"))
		n.attestationAnswered(slot)
	})
	inLoop(func() {
		if len(ran) != 2 || ran[0] != "none in flight" || ran[1] != "other slot" {
			t.Fatalf("with one attestation of the slot unanswered: ran %v", ran)
		}
		n.attestationAnswered(slot)
	})
	inLoop(func() {
		if len(ran) != 4 || ran[2] != "first" || ran[3] != "second" {
			t.Fatalf("after the last answer: ran %v, want the held work in order", ran)
		}
		n.attestationAnswered(slot) // an extra answer changes nothing
	})

	// No answer: the cap releases it (the clock is 20 ms before the cap).
	capAt := n.clock.AttestationTime(slot + 5).Add(n.cfg.SlotDuration / syncWaitFraction)
	fx.now.Store(capAt.Add(-20 * time.Millisecond).UnixNano())
	released := make(chan struct{})
	inLoop(func() {
		n.attestationServed(slot + 5)
		n.afterAttestations(slot+5, func() { close(released) })
	})
	select {
	case <-released:
	case <-time.After(time.Minute):
		t.Fatal("the cap did not release the held work")
	}
	// Past the cap, nothing waits.
	ranPast := false
	inLoop(func() {
		n.attestationServed(slot + 6)
		fx.now.Store(n.clock.AttestationTime(slot + 7).UnixNano())
		n.afterAttestations(slot+6, func() { ranPast = true })
	})
	if !ranPast {
		t.Fatal("work of a slot past its cap waited")
	}
}
