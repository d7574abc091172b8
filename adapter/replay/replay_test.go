package replay

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/OffchainLabs/go-bitfield"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/deneb"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/impl/trace"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// cluster is a 3-of-4 distributed validator with real key shares.
type cluster struct {
	t      *testing.T
	chain  signing.Chain
	shares []bls.Share
	cfgs   []*dvc.Config
	vpk    phase0.BLSPubKey
}

const vi = phase0.ValidatorIndex(7)

func newCluster(t *testing.T) *cluster {
	t.Helper()
	forks, err := signing.MainnetVersionsFromGenesis(eth2spec.DataVersionElectra)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := signing.NewChain(forks, phase0.Root{0x42}, spec.MainnetConfig())
	if err != nil {
		t.Fatal(err)
	}
	sk, err := bls.InteropSecretKey(7)
	if err != nil {
		t.Fatal(err)
	}
	vpk, _ := sk.PublicKey()
	shares, err := bls.Split(sk, 3, 4, []byte("replay test"))
	if err != nil {
		t.Fatal(err)
	}
	pub := map[uint64]phase0.BLSPubKey{}
	for _, s := range shares {
		p, _ := s.PublicShare()
		pub[s.Index] = p.PublicKey
	}
	c := &cluster{t: t, chain: chain, shares: shares, vpk: vpk}
	for i := uint64(1); i <= 4; i++ {
		c.cfgs = append(c.cfgs, &dvc.Config{
			Chain: chain, Validator: spec.ValidatorIdentity{Pubkey: vpk, Index: vi},
			ShareIndex: i, Peers: []uint64{1, 2, 3, 4}, PublicShares: pub, Threshold: 3, Cluster: phase0.Root{0xc1},
			Mode: dvc.ModeRemoteSigner,
		})
	}
	return c
}

func (c *cluster) sign(i int, root phase0.Root) phase0.BLSSignature {
	p, err := c.shares[i].Sign(root[:])
	if err != nil {
		c.t.Fatal(err)
	}
	return p.Signature
}

func (c *cluster) id(d consensus.DutyType, slot phase0.Slot) consensus.InstanceID {
	return consensus.InstanceID{Cluster: phase0.Root{0xc1}, Validator: c.vpk, DutyType: uint64(d), Slot: slot}
}

// events is a run of node 1: an attestation, a block proposal and a sync
// committee message, each combined from node 1's own share and those of
// nodes 2 and 3, plus a share with a bad signature.
func (c *cluster) events() []dvc.Event {
	t := c.t
	duty := &spec.AttestationDuty{Pubkey: c.vpk, ValidatorIndex: vi, CommitteeIndex: 0, CommitteeLength: 4, CommitteesAtSlot: 1, ValidatorCommitteeIndex: 2, Slot: 5}
	data := &phase0.AttestationData{Slot: 5, Index: 0, BeaconBlockRoot: phase0.Root{5}, Source: &phase0.Checkpoint{Root: phase0.Root{1}}, Target: &phase0.Checkpoint{Root: phase0.Root{2}}}
	in, err := c.chain.AttestationData(data)
	if err != nil {
		t.Fatal(err)
	}
	bits, err := dvc.AggregationBits(duty)
	if err != nil {
		t.Fatal(err)
	}
	attShare := func(i int) *networking.AttestationShare {
		return &networking.AttestationShare{Data: data, AggregationBits: bits, CommitteeIndex: 0, ValidatorIndex: vi, Signature: c.sign(i, in.SigningRoot), ShareIndex: uint64(i + 1)}
	}
	bad := attShare(2)
	bad.Signature = c.sign(3, in.SigningRoot)

	epochIn, _ := c.chain.RandaoReveal(0)
	prop := &spec.ProposerDuty{Pubkey: c.vpk, ValidatorIndex: vi, Slot: 6}
	randao := func(i int) *networking.RandaoShare {
		return &networking.RandaoShare{Slot: 6, ValidatorIndex: vi, Signature: c.sign(i, epochIn.SigningRoot), ShareIndex: uint64(i + 1)}
	}
	skFull, _ := bls.InteropSecretKey(7)
	reveal, _ := bls.Sign(skFull, epochIn.SigningRoot[:])
	block := &eth2spec.VersionedBeaconBlock{Version: eth2spec.DataVersionElectra, Electra: &electra.BeaconBlock{
		Slot: 6, ProposerIndex: vi, ParentRoot: phase0.Root{0x9a}, StateRoot: phase0.Root{0x5a},
		Body: &electra.BeaconBlockBody{RANDAOReveal: reveal, ETH1Data: &phase0.ETH1Data{BlockHash: make([]byte, 32)}, Graffiti: [32]byte{1},
			SyncAggregate: &altair.SyncAggregate{SyncCommitteeBits: bitfield.NewBitvector512()}, ExecutionPayload: &deneb.ExecutionPayload{}, ExecutionRequests: &electra.ExecutionRequests{}}}}
	bin, err := c.chain.BeaconBlock(block)
	if err != nil {
		t.Fatal(err)
	}
	vb, err := networking.NewVersionedBlock(c.chain, block)
	if err != nil {
		t.Fatal(err)
	}
	blockShare := func(i int) *networking.BlockShare {
		return &networking.BlockShare{Block: vb, Signature: c.sign(i, bin.SigningRoot), ShareIndex: uint64(i + 1)}
	}
	syncDuty := &spec.SyncCommitteeDuty{Pubkey: c.vpk, ValidatorIndex: vi, ValidatorSyncCommitteeIndices: []uint64{3}}
	head := phase0.Root{0x77}
	sin, err := c.chain.SyncCommitteeMessage(7, head)
	if err != nil {
		t.Fatal(err)
	}
	contrib := &altair.SyncCommitteeContribution{Slot: 7, BeaconBlockRoot: head, SubcommitteeIndex: 0, AggregationBits: make([]byte, 16)}
	syncShare := func(i int) *networking.SyncCommitteeMessageShare {
		return &networking.SyncCommitteeMessageShare{Slot: 7, BeaconBlockRoot: head, ValidatorIndex: vi, Signature: c.sign(i, sin.SigningRoot), ShareIndex: uint64(i + 1)}
	}
	return []dvc.Event{
		dvc.ServeAttestationDuty{Duty: duty},
		dvc.ReceivedAttestationShare{Share: attShare(1)},
		dvc.AttestationConsensusDecided{ID: c.id(consensus.DutyAttester, 5), Data: data},
		dvc.ReceivedAttestationShare{Share: attShare(0)},
		dvc.ReceivedAttestationShare{Share: bad},
		dvc.ReceivedAttestationShare{Share: attShare(2)},
		dvc.ServeProposerDuty{Duty: prop},
		dvc.ReceivedRandaoShare{Share: randao(0)},
		dvc.ReceivedRandaoShare{Share: randao(1)},
		dvc.ReceivedRandaoShare{Share: randao(2)},
		dvc.BlockConsensusDecided{ID: c.id(consensus.DutyProposer, 6), Block: block},
		dvc.ReceivedBlockShare{Share: blockShare(0)},
		dvc.ReceivedBlockShare{Share: blockShare(1)},
		dvc.ReceivedBlockShare{Share: blockShare(2)},
		dvc.ServeSyncCommitteeDuty{Duty: syncDuty, Slot: 7, SubcommitteeIndex: 0},
		dvc.SyncCommitteeConsensusDecided{ID: c.id(consensus.DutySyncCommittee, 7), Contribution: contrib},
		dvc.ReceivedSyncCommitteeMessageShare{Share: syncShare(0)},
		dvc.ReceivedSyncCommitteeMessageShare{Share: syncShare(1)},
		dvc.ReceivedSyncCommitteeMessageShare{Share: syncShare(3)},
		dvc.ResendAttestationShares{},
		dvc.NoEvent{},
	}
}

// record runs node 1 over the events, writing a trace, and returns its
// path and the names of the outputs produced.
func (c *cluster) record(dir string) (string, []string) {
	t := c.t
	path := filepath.Join(dir, "trace.jsonl")
	w, err := trace.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := c.cfgs[0]
	st, err := dvc.NewState(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.Init(1, cfg, st)
	signer := dvc.KeyShareSigner{Share: c.shares[0]}
	var names []string
	for _, ev := range c.events() {
		next, outs, err := dvc.Step(cfg, st, ev, dvc.Oracles{Signer: signer})
		post := next
		if err != nil {
			post = st
			names = append(names, "error:"+ev.EventName())
		}
		w.Step(1, cfg, ev, outs, err, post)
		for _, o := range outs {
			names = append(names, o.OutputName())
		}
		st = post
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path, names
}

func TestReplayOfARecordedRun(t *testing.T) {
	c := newCluster(t)
	path, names := c.record(t.TempDir())
	all := strings.Join(names, " ")
	for _, want := range []string{"submit_attestation", "submit_block", "submit_sync_committee_message", "signed", "broadcast", "start_consensus", "error:received_attestation_share"} {
		if !strings.Contains(all, want) {
			t.Fatalf("the scenario produced no %s: %s", want, all)
		}
	}
	rep, err := Replay(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Divergence != nil || rep.Steps != len(c.events()) || rep.Rejected != 1 {
		t.Fatalf("replay: %+v %+v", rep, rep.Divergence)
	}
	// Re-signing with the node's key share gives the same run.
	rep, err = Replay(path, Options{Signer: map[phase0.BLSPubKey]bls.SecretKey{c.cfgs[0].PublicShares[1]: c.shares[0].SecretKey}})
	if err != nil || rep.Divergence != nil {
		t.Fatalf("re-signing replay: %v %+v", err, rep.Divergence)
	}
	// Every event and output decodes back to what was recorded.
	err = trace.ReadFile(path, func(r *trace.Record) error {
		if r.Record != trace.KindStep {
			return nil
		}
		ev, err := trace.DecodeEvent(c.chain, r.Event)
		if err != nil {
			return err
		}
		again, err := trace.EncodeEvent(c.chain, ev)
		if err != nil {
			return err
		}
		if js(again) != js(r.Event) {
			t.Errorf("event %s does not round-trip", r.Event.Name())
		}
		for _, o := range r.Outputs {
			out, err := trace.DecodeOutput(c.chain, o)
			if err != nil {
				return err
			}
			again, err := trace.EncodeOutput(c.chain, out)
			if err != nil {
				return err
			}
			if js(again) != js(o) {
				t.Errorf("output %s does not round-trip", o.Name())
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// tamper rewrites the first record for which f changes something.
func tamper(t *testing.T, path string, f func(r *trace.Record) bool) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	done := false
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		r := new(trace.Record)
		if err := json.Unmarshal([]byte(line), r); err != nil {
			t.Fatal(err)
		}
		if !done && f(r) {
			done = true
			b, _ := json.Marshal(r)
			line = string(b)
		}
		out = append(out, line)
	}
	if !done {
		t.Fatal("nothing tampered")
	}
	p := path + ".tampered"
	if err := os.WriteFile(p, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReplayReportsTheFirstDivergence(t *testing.T) {
	c := newCluster(t)
	path, _ := c.record(t.TempDir())
	cases := []struct {
		name string
		f    func(r *trace.Record) bool
		want string
	}{
		{"submitted attestation", func(r *trace.Record) bool {
			for _, o := range r.Outputs {
				if f := o["submit_attestation"]; f != nil {
					f.AttestationSSZ[len(f.AttestationSSZ)-1] ^= 1
					return true
				}
			}
			return false
		}, "field attestation_ssz"},
		{"missing output", func(r *trace.Record) bool {
			if len(r.Outputs) > 1 {
				r.Outputs = r.Outputs[:len(r.Outputs)-1]
				return true
			}
			return false
		}, "extra output"},
		{"rejection", func(r *trace.Record) bool {
			if r.Error != "" {
				r.Error = "malformed_event"
				return true
			}
			return false
		}, "rejection"},
		{"state root", func(r *trace.Record) bool {
			if r.Record == trace.KindStep && len(r.StateRoot) == 32 && r.Seq > 5 {
				r.StateRoot[0] ^= 1
				return true
			}
			return false
		}, "state root"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Replay(tamper(t, path, tc.f), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Divergence == nil || !strings.Contains(rep.Divergence.What, tc.want) {
				t.Fatalf("divergence %+v, want %q", rep.Divergence, tc.want)
			}
		})
	}
}

func TestDiffDutyByDuty(t *testing.T) {
	c := newCluster(t)
	path, _ := c.record(t.TempDir())
	d, err := Diff(path, path, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Differences) != 0 || d.Compared != 3 {
		t.Fatalf("a trace against itself: %d compared, differences %v", d.Compared, d.Differences)
	}
	other := tamper(t, path, func(r *trace.Record) bool {
		if f := r.Event["attestation_consensus_decided"]; f != nil {
			f.DataSSZ[8] ^= 1
			return true
		}
		return false
	})
	d, err = Diff(path, other, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Differences) != 1 || !strings.Contains(d.Differences[0], "decided value") {
		t.Fatalf("differences %v", d.Differences)
	}
}

// A node that combined the others' shares before its own consensus
// decided (so it never decided or signed for the duty) behaved the same
// as one that decided first: diff compares what was submitted, and
// decisions and signatures only where both traces have them. A different
// submission is still a difference.
func TestDiffIgnoresWhenANodeDecided(t *testing.T) {
	c := newCluster(t)
	path, _ := c.record(t.TempDir())
	undecided := tamper(t, path, func(r *trace.Record) bool {
		if r.Event["attestation_consensus_decided"] != nil {
			r.Error, r.Outputs = "not_decided_yet", nil
			return true
		}
		return false
	})
	s, err := Summaries(undecided, 0)
	if err != nil {
		t.Fatal(err)
	}
	var decidedLess int
	for k, d := range s {
		if k.Type == consensus.DutyAttester.String() && d.Decided == "" && d.Signed["attestation"] == "" && d.Submitted != "" {
			decidedLess++
		}
	}
	if decidedLess != 1 {
		t.Fatalf("the tampered trace does not have an attester duty submitted without a decision: %+v", s)
	}
	for _, pair := range [][2]string{{path, undecided}, {undecided, path}} {
		d, err := Diff(pair[0], pair[1], 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Differences) != 0 {
			t.Errorf("differences %v", d.Differences)
		}
	}
	// tamper writes <path>.tampered: start from a copy so undecided stays.
	copyPath := path + ".copy"
	if b, err := os.ReadFile(path); err != nil || os.WriteFile(copyPath, b, 0o644) != nil {
		t.Fatal("copying the trace failed")
	}
	resubmitted := tamper(t, copyPath, func(r *trace.Record) bool {
		for _, o := range r.Outputs {
			if f := o["submit_attestation"]; f != nil {
				f.AttestationSSZ[len(f.AttestationSSZ)-1] ^= 1
				return true
			}
		}
		return false
	})
	d, err := Diff(undecided, resubmitted, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Differences) != 1 || !strings.Contains(d.Differences[0], "submitted") {
		t.Fatalf("differences %v", d.Differences)
	}
	// A node that never combined (the block import told it the duty was
	// on chain) submitted nothing: listed, not a difference.
	unsubmitted := tamper(t, copyPath, func(r *trace.Record) bool {
		for i, o := range r.Outputs {
			if o["submit_attestation"] != nil {
				r.Outputs = append(r.Outputs[:i:i], r.Outputs[i+1:]...)
				return true
			}
		}
		return false
	})
	d, err = Diff(path, unsubmitted, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Differences) != 0 || len(d.OneSided) != 1 {
		t.Fatalf("differences %v, one-sided %v", d.Differences, d.OneSided)
	}
}
