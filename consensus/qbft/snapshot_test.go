package qbft

import (
	"bytes"
	"errors"
	"testing"
)

func TestSnapshotRoundTrip(t *testing.T) {
	c := newCluster(4)
	for k, inst := range fuzzInstances(t) {
		enc, err := inst.Snapshot().MarshalSSZ()
		if err != nil {
			t.Fatal(err)
		}
		s, err := DecodeSnapshot(enc)
		if err != nil {
			t.Fatalf("state %d: %v", k, err)
		}
		r, err := Restore(s, c.cfg(inst.self), testValidity)
		if err != nil {
			t.Fatalf("state %d: %v", k, err)
		}
		again, _ := r.Snapshot().MarshalSSZ()
		if !bytes.Equal(enc, again) {
			t.Fatalf("state %d: restored snapshot differs", k)
		}
		// The restored instance behaves as the original.
		for _, x := range []in{start(), timeout(inst.Round()), recv(c.rc(c.others(1, inst.self)[0], inst.Round()+1, 0, nil, nil))} {
			a, errA := x.apply(inst.Clone())
			b, errB := x.apply(r.Clone())
			if outputKinds(a) != outputKinds(b) || (errA == nil) != (errB == nil) {
				t.Fatalf("state %d: original %s %v, restored %s %v", k, outputKinds(a), errA, outputKinds(b), errB)
			}
		}
	}
}

func TestCloneIsIndependent(t *testing.T) {
	c := newCluster(4)
	self := c.notLeader(0)
	i := c.instance(t, self)
	for _, x := range acceptedR0(c, vA) {
		if _, err := x.apply(i); err != nil {
			t.Fatal(err)
		}
	}
	before := snapRoot(t, i)
	cl := i.Clone()
	o := c.others(2, self)
	for _, m := range []*SignedMessage{c.prepare(o[0], 0, Digest(vA)), c.prepare(o[1], 0, Digest(vA))} {
		if _, err := cl.Receive(m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cl.Timeout(0); err != nil {
		t.Fatal(err)
	}
	if snapRoot(t, i) != before {
		t.Fatal("changing a clone changed the original")
	}
	if snapRoot(t, cl) == before {
		t.Fatal("clone did not change")
	}
}

func TestRestoreRejectsInconsistentSnapshots(t *testing.T) {
	c := newCluster(4)
	bases := fuzzInstances(t)
	committed := bases[3] // round 1, prepared, messages of rounds 0 and 1
	decided := bases[4]
	cases := []struct {
		name  string
		base  *Instance
		tweak func(s *Snapshot)
	}{
		{"forged_message_signature", committed, func(s *Snapshot) { s.Messages[0].Signature[0] ^= 1 }},
		{"messages_unsorted", committed, func(s *Snapshot) { s.Messages[0], s.Messages[1] = s.Messages[1], s.Messages[0] }},
		{"duplicate_message", committed, func(s *Snapshot) { s.Messages = append(s.Messages[:1], s.Messages...) }},
		{"values_unsorted", committed, func(s *Snapshot) { s.Values = append(s.Values, s.Values[0]) }},
		{"value_missing", committed, func(s *Snapshot) { s.Values = nil }},
		{"answered_wrong_length", committed, func(s *Snapshot) { s.Answered = s.Answered[:2] }},
		{"round_above_max", committed, func(s *Snapshot) { s.Round = MaxRound + 1 }},
		{"prepared_without_digest", committed, func(s *Snapshot) { s.PreparedDigest = nil }},
		{"prepared_justification_short", committed, func(s *Snapshot) { s.PreparedJustification = s.PreparedJustification[:2] }},
		{"decided_commits_short", decided, func(s *Snapshot) { s.DecidedCommits = s.DecidedCommits[:1] }},
		{"decided_commits_without_decision", decided, func(s *Snapshot) { s.DecidedRound, s.DecidedDigest = nil, nil }},
		{"rejected_rounds_unsorted", committed, func(s *Snapshot) { s.RejectedRounds = []uint64{3, 1} }},
		{"other_node", committed, func(s *Snapshot) { s.Self = s.Self%4 + 1 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.base.Snapshot()
			if _, err := Restore(s, c.cfg(tc.base.self), testValidity); err != nil {
				t.Fatalf("untouched snapshot: %v", err)
			}
			tc.tweak(s)
			if _, err := Restore(s, c.cfg(tc.base.self), testValidity); !errors.Is(err, ErrConfig) {
				t.Fatalf("restore: %v", err)
			}
		})
	}
	if _, err := Restore(nil, c.cfg(1), testValidity); !errors.Is(err, ErrConfig) {
		t.Fatal(err)
	}
	if _, err := DecodeSnapshot([]byte{1, 2, 3}); !errors.Is(err, ErrMalformed) {
		t.Fatal(err)
	}
}
