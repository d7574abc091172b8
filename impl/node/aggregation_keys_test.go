package node

import (
	"maps"
	"slices"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty"
)

func interopKeys(t *testing.T, from, n uint64) []phase0.BLSPubKey {
	t.Helper()
	out := make([]phase0.BLSPubKey, n)
	for i := range out {
		sk, err := bls.InteropSecretKey(from + uint64(i))
		if err != nil {
			t.Fatal(err)
		}
		if out[i], err = sk.PublicKey(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestOwnCommittees: the committees holding one of the node's keys get a
// lazy list holding exactly their keys, others none; a committee with a
// key that does not parse gets one too, which refuses only the checks
// that need that key.
func TestOwnCommittees(t *testing.T) {
	keys := interopKeys(t, 0, 12)
	mine := keys[5]
	bad := append([]phase0.BLSPubKey{mine}, keys[9:11]...)
	bad[2][0] ^= 0xff // not a point
	cs := map[committeeAt][]phase0.BLSPubKey{
		{3, 0}: keys[0:4],                    // none of the node's keys
		{3, 1}: keys[4:8],                    // the node's at position 1
		{3, 2}: bad,                          // the node's, and an invalid key
		{4, 0}: {keys[8], mine, keys[11]},    // the node's, another slot
		{5, 3}: {keys[2], keys[3], keys[11]}, // none of the node's keys
	}
	n := &Node{vals: map[phase0.BLSPubKey]*validator{mine: {pubkey: mine}}, agg: newAggRunner(newBLSMemo(), 0)}
	own := n.ownCommittees(cs)
	if len(own) != 3 {
		t.Fatalf("%d lists, want the 3 committees holding the node's key", len(own))
	}
	for _, c := range []committeeAt{{3, 1}, {3, 2}, {4, 0}} {
		if !own[c].Holds(cs[c]) {
			t.Errorf("committee %v: the list does not hold its keys", c)
		}
	}
	msg := []byte("attestation data signing root....")
	sk, err := bls.InteropSecretKey(5)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := bls.Sign(sk, msg)
	if err != nil {
		t.Fatal(err)
	}
	if !own[committeeAt{3, 2}].FastAggregateVerify([]int{0}, msg, sig) || own[committeeAt{3, 2}].FastAggregateVerify([]int{0, 2}, msg, sig) {
		t.Error("the list with an invalid key: a check of the valid key refused, or one over the invalid key passed")
	}
}

// TestAggServeCarriesParsedCommittee: an aggregator duty served after its
// epoch's committees were parsed carries its committee's parsed keys; one
// served before carries none (the spec decodes the keys per check).
func TestAggServeCarriesParsedCommittee(t *testing.T) {
	fx := newLoopFixture(t, &scriptedSigner{})
	fx.n.agg = newAggRunner(fx.n.bls, 0)
	settle := fx.startLoop(t)
	d := fx.attDuty(3)
	d.CommitteeIndex = 2
	committee := interopKeys(t, 100, 4)
	committee[d.ValidatorCommitteeIndex] = fx.v.pubkey
	if _, err := bls.NewPublicKeys(committee); err != nil {
		t.Fatalf("test setup: %v", err)
	}
	epoch := fx.n.clock.EpochOf(d.Slot)
	cs := map[committeeAt][]phase0.BLSPubKey{{3, 2}: committee, {3, 0}: interopKeys(t, 200, 4)}
	serve := func() (ev aggduty.ServeAggregatorDuty, ok bool) {
		fx.n.post(func() { ev, ok = fx.n.aggServeEvent(d, cs) })
		settle()
		return ev, ok
	}
	fx.n.post(func() { fx.n.agg.committees[epoch] = cs })
	if ev, ok := serve(); !ok || ev.Parsed != nil || !slices.Equal(ev.Committee, committee) {
		t.Fatalf("before parsing: ok %v, parsed %v, %d keys", ok, ev.Parsed, len(ev.Committee))
	}
	fx.n.post(func() { maps.Copy(fx.n.agg.parsed, fx.n.ownCommittees(cs)) }) // as aggCommittees does
	settle()
	ev, ok := serve()
	if !ok || !ev.Parsed.Holds(committee) || !slices.Equal(ev.Committee, committee) {
		t.Fatalf("after parsing: ok %v, parsed holds the committee %v", ok, ev.Parsed.Holds(committee))
	}
	var others int
	fx.n.post(func() { others = len(fx.n.agg.parsed) })
	settle()
	if others != 1 {
		t.Fatalf("%d committees parsed, want the one the node's validator sits in", others)
	}
	d.CommitteeLength = 5
	if _, ok := serve(); ok {
		t.Fatal("served with 4 keys for a committee of 5")
	}
}
