package qbft

import (
	"testing"
)

// seedMessages are valid encodings of every message type, used as fuzz
// seeds.
func seedMessages(tb testing.TB) [][]byte {
	c := newCluster(4)
	r1 := append(payloads(c.preparedRC(1, 1, 0, vA)), c.rcs(1, 2, 3)...)
	msgs := []*SignedMessage{
		c.proposal(c.leader(0), 0, vA, nil, nil),
		c.proposal(c.leader(1), 1, vA, r1, c.prepares(0, vA, 1, 2, 3)),
		c.justifiedProposal(2, vB),
		c.prepare(2, 0, Digest(vA)),
		c.commit(3, 0, Digest(vA)),
		c.rc(2, 1, 0, nil, nil),
		c.preparedRC(3, 2, 1, vB),
		c.decided(2, 0, vA, c.commits(0, vA, 1, 2, 3)),
	}
	var out [][]byte
	for _, m := range msgs {
		b, err := m.MarshalSSZ()
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func FuzzDecodeSignedMessage(f *testing.F) {
	for _, b := range seedMessages(f) {
		f.Add(b)
	}
	f.Add([]byte{})
	checker := &Checker{ID: testID, N: 4, Verifier: newCluster(4).verifier}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeSignedMessage(b)
		if err != nil {
			return
		}
		enc, err := m.MarshalSSZ()
		if err != nil || string(enc) != string(b) {
			t.Fatalf("decoded message does not re-encode to its input: %v", err)
		}
		if _, err := m.HashTreeRoot(); err != nil {
			t.Fatal(err)
		}
		_ = checker.ValidateMessage(m)
	})
}

func FuzzUnmarshalMessage(f *testing.F) {
	for _, b := range seedMessages(f) {
		m, _ := DecodeSignedMessage(b)
		enc, _ := m.Message.MarshalSSZ()
		f.Add(enc)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var m Message
		if m.UnmarshalSSZ(b) != nil {
			return
		}
		if _, err := m.HashTreeRoot(); err != nil {
			t.Fatal(err)
		}
		if _, err := SigningRoot(&m); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzUnmarshalSignedPayload(f *testing.F) {
	for _, b := range seedMessages(f) {
		m, _ := DecodeSignedMessage(b)
		enc, _ := m.Payload().MarshalSSZ()
		f.Add(enc)
	}
	checker := &Checker{ID: testID, N: 4, Verifier: newCluster(4).verifier}
	f.Fuzz(func(t *testing.T, b []byte) {
		var p SignedPayload
		if p.UnmarshalSSZ(b) != nil {
			return
		}
		_ = checker.ValidRoundChange(&p, p.Message.Round)
		_ = checker.ValidSignedPrepare(&p, p.Message.Round, p.Message.Digest)
		_ = checker.ValidateCommit(&p, p.Message.Round, p.Message.Digest)
	})
}

func FuzzDecodeSnapshot(f *testing.F) {
	c := newCluster(4)
	for _, inst := range fuzzInstances(f) {
		enc, err := inst.Snapshot().MarshalSSZ()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeSnapshot(b)
		if err != nil {
			return
		}
		if _, err := s.HashTreeRoot(); err != nil {
			t.Fatal(err)
		}
		if s.Self == 0 || s.Self > 4 || s.N != 4 {
			return
		}
		inst, err := Restore(s, c.cfg(s.Self), testValidity)
		if err != nil {
			return
		}
		// A restored instance snapshots back to its input.
		enc, err := inst.Snapshot().MarshalSSZ()
		if err != nil || string(enc) != string(b) {
			t.Fatalf("restored snapshot differs from its input: %v", err)
		}
	})
}

// fuzzInstances are instances of node 4 (never a leader-dependent special
// case) in several states: fresh, started, round 0 accepted and
// committed, moved to round 1 with a prepared value, decided.
func fuzzInstances(tb testing.TB) []*Instance {
	c := newCluster(4)
	self := c.notLeader(0, 1)
	var out []*Instance
	for _, pre := range [][]in{
		nil,
		{start()},
		committedR0(c, self, vA),
		cat(committedR0(c, self, vA), timeout(0), recv(c.rc(c.others(1, self)[0], 1, 0, nil, nil))),
		{start(), recv(c.decided(2, 0, vA, c.commits(0, vA, 1, 2, 3)))},
	} {
		i := c.instance(tb, self)
		for _, x := range pre {
			if _, err := x.apply(i); err != nil {
				tb.Fatal(err)
			}
		}
		out = append(out, i)
	}
	return out
}

// FuzzReceive feeds arbitrary bytes to instances in several states: no
// panic, and a rejected message never changes the state. When resign is
// set, the harness re-signs the decoded message (and, with bit 1, every
// justification entry) with the key of its claimed sender, so the fuzzer
// reaches the rules and justification checks behind the signature check.
func FuzzReceive(f *testing.F) {
	for k, b := range seedMessages(f) {
		f.Add(b, uint8(k%5), uint8(k%4))
	}
	c := newCluster(4)
	bases := fuzzInstances(f)
	resignList := func(list []*SignedPayload) {
		for _, p := range list {
			if s := p.Message.Sender; s >= 1 && s <= 4 {
				p.Signature, _ = Sign(&p.Message, c.signers[s-1])
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte, state uint8, resign uint8) {
		msg, err := DecodeSignedMessage(b)
		if err != nil {
			return
		}
		if resign&1 != 0 {
			if s := msg.Message.Sender; s >= 1 && s <= 4 {
				msg.Signature, _ = Sign(&msg.Message, c.signers[s-1])
			}
		}
		if resign&2 != 0 {
			resignList(msg.RoundChanges)
			resignList(msg.Prepares)
			resignList(msg.Commits)
		}
		inst := bases[int(state)%len(bases)].Clone()
		before := snapRoot(t, inst)
		out, err := inst.Receive(msg)
		if err != nil {
			if len(out) != 0 || snapRoot(t, inst) != before {
				t.Fatalf("rejected message (%v) changed the state or produced outputs", err)
			}
			return
		}
		for _, o := range out {
			if b, ok := o.(Broadcast); ok {
				if err := inst.check.ValidateMessage(b.Msg); err != nil {
					t.Fatalf("own output does not validate: %v", err)
				}
			}
		}
		// The state stays restorable.
		if _, err := Restore(inst.Snapshot(), c.cfg(inst.self), testValidity); err != nil {
			t.Fatalf("state after a valid message does not restore: %v", err)
		}
		// Timeouts keep working.
		_, _ = inst.Timeout(inst.Round())
	})
}
