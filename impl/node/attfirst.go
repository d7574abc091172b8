package node

import (
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// Attestations first (issue 16 item 4, "proposals and attestations take
// priority over sync and aggregation"). Attester and sync committee duties
// start together, a third into the slot, and every node of the cluster
// does them in the same few milliseconds; the queues' lanes order the
// work, but most of a duty's time is spent off the loop (the signer's
// round trip, share checks, the beacon node's answer), where the slot's
// sync committee signatures competed with its attestation for the cores
// (8 validators, 1-s slots: 32 sync committee signatures, share checks,
// combinations and submissions per node against one attestation; the
// attestation's signer round trip took 7 to 44 ms). So a sync committee
// decision of slot s reaches the validators' state machines, and with it
// its signing, only once the beacon node has answered every attestation
// of s this node served, and so does an aggregator duty (its first step is
// signing a selection proof); at the latest syncWaitFraction of a slot
// after the attestation time, whatever is still in flight. A sync
// committee message is due in the slot (the next block carries it; the
// contribution is made at two thirds), so the wait costs it nothing but
// latency. VC-middleware mode has no gate: the validator client signs.
//
// attFirst counts, per slot, the attestations served and not yet answered
// by the beacon node, and holds what waits for them.
type attFirst struct {
	pending map[phase0.Slot]int
	held    map[phase0.Slot][]func()
	// timer: a release at the cap is scheduled for the slot.
	timer map[phase0.Slot]bool
}

// syncWaitFraction bounds the wait: SlotDuration / syncWaitFraction after
// the attestation time (1 s of a 12-s slot).
const syncWaitFraction = 12

func newAttFirst() *attFirst {
	return &attFirst{pending: map[phase0.Slot]int{}, held: map[phase0.Slot][]func(){}, timer: map[phase0.Slot]bool{}}
}

// attestationServed counts an attestation of slot the node will submit.
func (n *Node) attestationServed(slot phase0.Slot) {
	if n.att == nil {
		return
	}
	n.att.pending[slot]++
}

// attestationAnswered uncounts an attestation of slot the beacon node
// accepted or refused, and releases what waited when none is left.
func (n *Node) attestationAnswered(slot phase0.Slot) {
	if n.att == nil || n.att.pending[slot] == 0 {
		return
	}
	n.att.pending[slot]--
	if n.att.pending[slot] == 0 {
		n.releaseAfterAttestations(slot)
	}
}

// afterAttestations runs f in the loop once the node's attestations of
// slot are answered, at once if none is in flight (or the cap passed).
func (n *Node) afterAttestations(slot phase0.Slot, f func()) {
	a := n.att
	if a == nil || a.pending[slot] == 0 {
		f()
		return
	}
	wait := n.clock.AttestationTime(slot).Add(n.cfg.SlotDuration / syncWaitFraction).Sub(n.now())
	if wait <= 0 {
		f()
		return
	}
	a.held[slot] = append(a.held[slot], f)
	if !a.timer[slot] {
		a.timer[slot] = true
		time.AfterFunc(wait, func() { n.post(func() { n.releaseAfterAttestations(slot) }) })
	}
}

// releaseAfterAttestations runs what waited for slot's attestations, in
// the order it came.
func (n *Node) releaseAfterAttestations(slot phase0.Slot) {
	held := n.att.held[slot]
	delete(n.att.held, slot)
	for _, f := range held {
		f()
	}
}

// attFirstPrune forgets slots before slot: whatever still waits for them
// is released (the cap's timer does it first unless the loop was far
// behind).
func (n *Node) attFirstPrune(slot phase0.Slot) {
	if n.att == nil {
		return
	}
	for s := range n.att.held {
		if s < slot {
			n.releaseAfterAttestations(s)
		}
	}
	for s := range n.att.pending {
		if s < slot {
			delete(n.att.pending, s)
		}
	}
	for s := range n.att.timer {
		if s < slot {
			delete(n.att.timer, s)
		}
	}
}
