package slotcons_test

import (
	"fmt"
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/dvc/slotcons"
	"github.com/dvspec/go-dvspec/spec/dvc/slotcons/slotconscases"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

// machine is one validator's literal state machine at node 1 of 4.
type machine struct {
	cfg *dvc.Config
	st  *dvc.State
	o   dvc.Oracles
}

func newMachine(t *testing.T, env *slotconscases.Env, fork eth2spec.DataVersion, v uint64, db *slashing.SlashingDB) *machine {
	t.Helper()
	sk, err := bls.InteropSecretKey(v)
	if err != nil {
		t.Fatal(err)
	}
	shares, err := bls.Split(sk, 3, 4, []byte(fmt.Sprintf("slotcons-test/%d", v)))
	if err != nil {
		t.Fatal(err)
	}
	pubs := map[uint64]phase0.BLSPubKey{}
	for _, s := range shares {
		p, err := s.PublicShare()
		if err != nil {
			t.Fatal(err)
		}
		pubs[p.Index] = p.PublicKey
	}
	cfg := &dvc.Config{Chain: env.Chain(fork), Validator: spec.ValidatorIdentity{Pubkey: env.Pubkey(v), Index: phase0.ValidatorIndex(v)},
		ShareIndex: 1, Peers: []uint64{1, 2, 3, 4}, PublicShares: pubs, Threshold: 3, Cluster: slotconscases.ClusterRoot, Mode: dvc.ModeRemoteSigner}
	st, err := dvc.NewState(cfg, db)
	if err != nil {
		t.Fatal(err)
	}
	return &machine{cfg: cfg, st: st, o: dvc.Oracles{Signer: dvc.KeyShareSigner{Share: shares[0]}}}
}

func (m *machine) step(t *testing.T, ev dvc.Event) []dvc.Output {
	t.Helper()
	st, outs, err := dvc.Step(m.cfg, m.st, ev, m.o)
	if err != nil {
		t.Fatalf("step %T: %v", ev, err)
	}
	m.st = st
	return outs
}

// TestLiteralMachinesDecideThroughSlotInstance runs real spec/dvc machines
// through a slot instance: validator 12's history refuses the slot value;
// screening keeps it from blocking validator 11, and its own machine
// refuses the decision it is given while validator 11's signs.
func TestLiteralMachinesDecideThroughSlotInstance(t *testing.T) {
	env := &slotconscases.Env{}
	fork := eth2spec.DataVersionDeneb
	conflict := slashing.New(phase0.Root{})
	r := slotconscases.RecordRoot(1)
	if err := conflict.InsertAttestation(env.Pubkey(12), 9, 10, &r); err != nil {
		t.Fatal(err)
	}
	ms := map[phase0.BLSPubKey]*machine{
		env.Pubkey(11): newMachine(t, env, fork, 11, nil),
		env.Pubkey(12): newMachine(t, env, fork, 12, conflict),
	}
	b := slotcons.New(slotconscases.ClusterRoot, env.Chain(fork))
	var sid consensus.InstanceID
	for i, v := range []uint64{11, 12} {
		m := ms[env.Pubkey(v)]
		duty := &spec.AttestationDuty{Pubkey: env.Pubkey(v), ValidatorIndex: phase0.ValidatorIndex(v), CommitteeIndex: phase0.CommitteeIndex(3 + i),
			CommitteeLength: 16, CommitteesAtSlot: 8, ValidatorCommitteeIndex: uint64(i), Slot: slotconscases.S}
		var start *dvc.StartConsensus
		for _, o := range m.step(t, dvc.ServeAttestationDuty{Duty: duty}) {
			if s, ok := o.(dvc.StartConsensus); ok {
				start = &s
			}
		}
		if start == nil {
			t.Fatalf("validator %d started no instance", v)
		}
		a, err := b.Add(*start)
		if err != nil {
			t.Fatal(err)
		}
		if a.Start != (i == 0) {
			t.Fatalf("validator %d: start %v", v, a.Start)
		}
		sid = a.Slot
	}
	pred := func(id consensus.InstanceID) func([]byte) error {
		m := ms[id.Validator]
		return dvc.ValidityFor(m.cfg, m.st, id)
	}
	value := slotconscases.AttValue(slotconscases.S, 9, 10, "head")
	if err := b.Validity(sid, pred)(value); slotcons.Reason(err) != "member_rejects" {
		t.Fatalf("before screening: %v, want member_rejects", err)
	}
	ex, err := b.Screen(sid, value, pred)
	if err != nil || len(ex) != 1 || ex[0] != env.Pubkey(12) {
		t.Fatalf("screen excluded %x, %v; want validator 12", ex, err)
	}
	if err := b.Validity(sid, pred)(value); err != nil {
		t.Fatalf("after screening: %v", err)
	}
	deliveries, err := b.Decide(sid, value)
	if err != nil || len(deliveries) != 2 {
		t.Fatalf("decide: %d deliveries, %v", len(deliveries), err)
	}
	for _, d := range deliveries {
		m := ms[d.Validator]
		ev := d.Event.(dvc.AttestationConsensusDecided)
		if ev.Data.Index != m.st.CurrentAttestationDuty().CommitteeIndex {
			t.Fatalf("validator %d decided index %d, its committee is %d", m.cfg.Validator.Index, ev.Data.Index, m.st.CurrentAttestationDuty().CommitteeIndex)
		}
		// The per-validator form's own predicate on the same value.
		own, _ := consensus.EncodeAttestationData(ev.Data)
		literal := dvc.ValidityFor(m.cfg, m.st, ev.ID)(own)
		outs := m.step(t, ev)
		signed := false
		for _, o := range outs {
			if _, ok := o.(dvc.Signed); ok {
				signed = true
			}
		}
		if signed != (literal == nil) {
			t.Fatalf("validator %d: signed %v, its per-validator predicate says %v", m.cfg.Validator.Index, signed, literal)
		}
		if m.cfg.Validator.Index == 12 {
			ig, ok := outs[0].(dvc.Ignored)
			if !ok || ig.Reason != dvc.IgnoredDecidedInvalid || signed {
				t.Fatalf("validator 12 must refuse its decision: %v", outs)
			}
		} else if !signed {
			t.Fatalf("validator 11 did not sign: %v", outs)
		}
	}
}

// TestBadInputLeavesBatcherUnchanged: refused calls change nothing.
func TestBadInputLeavesBatcherUnchanged(t *testing.T) {
	env := &slotconscases.Env{}
	chain := env.Chain(eth2spec.DataVersionElectra)
	b := slotcons.New(slotconscases.ClusterRoot, chain)
	m := slotconscases.Member{Validator: 11, Duty: consensus.DutyAttester, Slot: slotconscases.S}
	st := env.Start(chain, m)
	if _, err := b.Add(st); err != nil {
		t.Fatal(err)
	}
	sid, _ := slotcons.SlotInstanceID(slotconscases.ClusterRoot, consensus.DutyAttester, slotconscases.S)
	bad := st
	bad.Attester = nil
	bad.ID.Validator = env.Pubkey(12)
	if _, err := b.Add(bad); slotcons.Reason(err) != "malformed" {
		t.Fatalf("nil duty: %v", err)
	}
	for _, v := range [][]byte{nil, {0}, make([]byte, 128)} {
		if _, err := b.Decide(sid, v); err == nil {
			t.Fatalf("decided %x", v)
		}
		if _, err := b.Screen(sid, v, func(consensus.InstanceID) func([]byte) error { return nil }); err == nil {
			t.Fatalf("screened %x", v)
		}
	}
	if got := b.Members(sid); len(got) != 1 || got[0].Excluded != "" || b.Decided(sid) != nil {
		t.Fatalf("batcher changed: %+v decided %x", got, b.Decided(sid))
	}
}

func FuzzDecide(f *testing.F) {
	env := &slotconscases.Env{}
	chain := env.Chain(eth2spec.DataVersionElectra)
	f.Add(slotconscases.AttValue(slotconscases.S, 9, 10, "head"), []byte{1})
	f.Fuzz(func(t *testing.T, att, root []byte) {
		b := slotcons.New(slotconscases.ClusterRoot, chain)
		for _, m := range []slotconscases.Member{
			{Validator: 11, Duty: consensus.DutyAttester, Slot: slotconscases.S},
			{Validator: 11, Duty: consensus.DutySyncCommittee, Slot: slotconscases.S, Position: 5},
		} {
			if _, err := b.Add(env.Start(chain, m)); err != nil {
				t.Fatal(err)
			}
		}
		for d, v := range map[consensus.DutyType][]byte{consensus.DutyAttester: att, consensus.DutySyncCommittee: root} {
			sid, _ := slotcons.SlotInstanceID(slotconscases.ClusterRoot, d, slotconscases.S)
			out, err := b.Decide(sid, v)
			if (err == nil) != (len(out) == 1) || (err == nil) != (b.Decided(sid) != nil) {
				t.Fatalf("decide %x: %d deliveries, err %v", v, len(out), err)
			}
		}
	})
}
