package main

import (
	"encoding/binary"
	"fmt"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/consensus/qbft"
	"github.com/dvspec/go-dvspec/consensus/qbft/qbftcases"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/dvc/dvccases"
)

// The containers of SPEC.md sections 7.5 (share messages, DVC state
// snapshot) and 8.4/8.14 (QBFT), consensus.InstanceID, and the cluster
// definition of SPEC.md section 11, with values from
// the fixtures of the dvc and qbft vectors.

const (
	sszRefNet  = "SPEC.md section 7.5 (share messages)"
	sszRefDVC  = "SPEC.md section 7.5 (DVC state snapshot)"
	sszRefQBFT = "SPEC.md section 8.4 (message containers) and 8.14 (Snapshot)"
)

func sszCaseRef(w *Writer, container, suite, name, description, ref string, obj sszObject) {
	c := &Case{Preset: "general", Fork: "phase0", Runner: "ssz_static", Handler: container, Suite: suite, Name: name}
	c.Meta = Meta{
		Description: description,
		Proves:      "the implementation's " + container + " has the SPEC.md field order, types and list limits: it encodes the value to exactly serialized.ssz_snappy, decodes it back, and hashes it to roots.yaml root",
		References:  []string{ref, "consensus-specs ssz/simple-serialize.md"},
	}
	c.StaticSSZ(obj, containerNode(obj))
	w.Add(c)
}

func sszInvalidRef(w *Writer, container, name, description, ref string, serialized []byte) {
	c := &Case{Preset: "general", Fork: "phase0", Runner: "ssz_static", Handler: container, Suite: "ssz_invalid", Name: name}
	c.Meta = Meta{
		Description: description,
		Proves:      "the implementation refuses this encoding of " + container + ": only the canonical encoding of a value is accepted (SPEC.md deviation 13)",
		References:  []string{ref, "SPEC.md deviation 13 (canonical SSZ only)", "consensus-specs ssz/simple-serialize.md (deserialization)"},
	}
	c.put("serialized.ssz_snappy", snappyBlock(serialized))
	w.Add(c)
}

// qbftChecked returns a qbft container after checking every Ed25519
// signature in it.
func qbftChecked[T any](n uint64, obj T) T {
	g := newEdGuard(n)
	switch x := any(obj).(type) {
	case *qbft.SignedMessage:
		g.message(x)
	case *qbft.SignedPayload:
		g.payload(x)
	case *qbft.Snapshot:
		g.snapshot(x)
	}
	if len(g.bad) > 0 {
		panic("ssz_static: a qbft signature does not verify")
	}
	return obj
}

func genSSZStaticDV(w *Writer) {
	// consensus.InstanceID
	f := newDVF(4, eth2spec.DataVersionElectra, dvc.ModeRemoteSigner)
	sszCaseRef(w, "InstanceID", "ssz_realistic", "qbft_vectors", "the instance of the qbft vectors: validator 42's attester duty at slot 100 of cluster sha256(\"dvspec/vectors/qbft/cluster\")", sszRefQBFT, &qbftID)
	for _, d := range []consensus.DutyType{consensus.DutyAttester, consensus.DutyProposer, consensus.DutySyncCommittee} {
		id := f.ID(d, dvccases.Slot(20))
		sszCaseRef(w, "InstanceID", "ssz_realistic", "dvc_"+d.String(), fmt.Sprintf("the %s instance at slot 80 of the dvc vectors' cluster (its root is the hash tree root of the cluster definition)", d), sszRefQBFT, &id)
	}
	id := consensus.InstanceID{Validator: interop(1).Public, DutyType: uint64(consensus.DutyAttester), Slot: ^phase0.Slot(0)}
	sszCaseRef(w, "InstanceID", "ssz_max", "zero_cluster_max_slot", "a zero cluster root and the largest slot", sszRefQBFT, &id)

	// QBFT messages.
	c := qbftcases.NewCluster(4, qbftID)
	prep := c.Prepare(2, 0, qbft.Digest(qbftcases.ValueA))
	sszCaseRef(w, "Message", "ssz_realistic", "prepare", "node 2's PREPARE of value-A in round 0", sszRefQBFT, &prep.Message)
	rc := c.RoundChange(3, 2, 0, nil, nil)
	sszCaseRef(w, "Message", "ssz_realistic", "round_change_unprepared", "node 3's ROUND_CHANGE to round 2, not prepared: both optionals empty", sszRefQBFT, &rc.Message)
	prc := c.PreparedRC(3, 2, 1, qbftcases.ValueA)
	sszCaseRef(w, "Message", "ssz_realistic", "round_change_prepared", "node 3's ROUND_CHANGE to round 2, prepared in round 1 (both optionals present)", sszRefQBFT, &prc.Message)
	sszCaseRef(w, "SignedPayload", "ssz_realistic", "commit", "node 4's COMMIT of value-A in round 0 with its signature", sszRefQBFT, qbftChecked(4, c.Commit(4, 0, qbft.Digest(qbftcases.ValueA)).Payload()))
	sszCaseRef(w, "SignedMessage", "ssz_realistic", "proposal_round0", "the round-0 leader's PROPOSAL of value-A", sszRefQBFT, qbftChecked(4, c.Proposal(c.Leader(0), 0, qbftcases.ValueA, nil, nil)))
	just := append(qbftcases.Payloads(c.PreparedRC(1, 1, 0, qbftcases.ValueA)), c.RoundChanges(1, 2, 3)...)
	sszCaseRef(w, "SignedMessage", "ssz_realistic", "proposal_round1_reproposed", "the round-1 leader's PROPOSAL re-proposing value-A, prepared in round 0: a quorum of ROUND_CHANGEs and the prepare quorum",
		sszRefQBFT, qbftChecked(4, c.Proposal(c.Leader(1), 1, qbftcases.ValueA, just, c.Prepares(0, qbftcases.ValueA, 1, 2, 3))))
	sszCaseRef(w, "SignedMessage", "ssz_realistic", "round_change_prepared", "a prepared ROUND_CHANGE with its value and prepare quorum", sszRefQBFT, qbftChecked(4, prc))
	sszCaseRef(w, "SignedMessage", "ssz_realistic", "decided", "a DECIDED of value-A in round 0 with three COMMITs", sszRefQBFT, qbftChecked(4, c.Decided(2, 0, qbftcases.ValueA, c.Commits(0, qbftcases.ValueA, 1, 2, 3))))
	prepWire := mustSSZ(prep)

	// QBFT snapshots: fresh, decided, and with a rejected round.
	fresh, err := qbft.New(c.Config(1), c.ID, qbftcases.Validity(nil))
	if err != nil {
		panic(err)
	}
	sszCaseRef(w, "Snapshot", "ssz_realistic", "fresh", "node 1 of 4, new: round 0, not started, nothing received", sszRefQBFT, fresh.Snapshot())
	for _, name := range []string{"commit/quorum_decides", "proposal/invalid_value_no_prepare", "timeout/round_change_carries_prepared_value_and_quorum"} {
		for _, rule := range qbftcases.Rules() {
			if rule.Name != name {
				continue
			}
			rc := qbftcases.NewCluster(rule.N, qbftID)
			self, pre, last := rule.Build(rc)
			inputs := append(pre, last)
			inst, err := qbft.New(rc.Config(self), rc.ID, qbftcases.Validity(qbftcases.InvalidValues(inputs)))
			if err != nil {
				panic(err)
			}
			for _, x := range inputs {
				if _, err := x.Apply(inst); err != nil {
					panic(err)
				}
			}
			sszCaseRef(w, "Snapshot", "ssz_realistic", snakeName(name), fmt.Sprintf("node %d of %d after the inputs of qbftcases rule case %s", self, rule.N, name), sszRefQBFT, qbftChecked(rule.N, inst.Snapshot()))
		}
	}

	// Share messages.
	d := f.AttData(dvccases.Slot(17), 1)
	sszCaseRef(w, "AttestationShare", "ssz_realistic", "electra", "node 2's share of the dvc vectors' attestation at slot 68 (Electra: data.index 0, committee index 1)", sszRefNet, f.AttShare(2, d))
	fd := newDVF(4, eth2spec.DataVersionDeneb, dvc.ModeRemoteSigner)
	sszCaseRef(w, "AttestationShare", "ssz_realistic", "deneb", "node 3's share of an attestation at slot 68 before Electra (data.index = committee index 1)", sszRefNet, fd.AttShare(3, fd.AttData(dvccases.Slot(17), 1)))
	sszCaseRef(w, "RandaoShare", "ssz_realistic", "slot_80", "node 1's RANDAO reveal share for epoch 2 (slot 80)", sszRefNet, f.RandaoShare(1, dvccases.Slot(20)))
	b := f.DVBlock(dvccases.Slot(20), 1)
	sszCaseRef(w, "VersionedBlock", "ssz_realistic", "electra_block", "the DV's Electra block at slot 80 with its fork version", sszRefNet, f.Versioned(b))
	sszCaseRef(w, "BlockShare", "ssz_realistic", "electra_block", "node 4's share of the DV's Electra block at slot 80", sszRefNet, f.BlockShare(4, b))
	sig := f.SignValidator(f.BlockInput(b).SigningRoot)
	sszCaseRef(w, "SignedVersionedBlock", "ssz_realistic", "electra_block", "the DV's Electra block signed by the validator key (the combined block)", sszRefNet, &networking.SignedVersionedBlock{Block: f.Versioned(b), Signature: sig})
	sszCaseRef(w, "SyncCommitteeMessageShare", "ssz_realistic", "slot_80", "node 2's sync committee message share for a block root at slot 80", sszRefNet, f.SyncShare(2, f.Contribution(dvccases.Slot(20), 1)))

	// DVC state snapshot parts.
	sszCaseRef(w, "BucketRef", "ssz_realistic", "attestation_bucket", "the bucket of the attestation at slot 68: its slot and message root", sszRefDVC, &dvc.BucketRef{Slot: dvccases.Slot(17), MessageRoot: must(f.AttShare(1, d).MessageRoot())})
	sszCaseRef(w, "PendingAttestation", "ssz_realistic", "slot_68", "decided attestation data waiting for the VC", sszRefDVC, &dvc.PendingAttestation{Duty: f.AttDuty(dvccases.Slot(17)), Data: d})
	sszCaseRef(w, "ProposerValidity", "ssz_realistic", "slot_80", "a proposer instance's duty and combined RANDAO reveal", sszRefDVC, &dvc.ProposerValidity{Duty: f.PropDuty(dvccases.Slot(20)), RandaoReveal: f.Reveal(dvccases.Slot(20))})
	sszCaseRef(w, "PendingBlock", "ssz_realistic", "slot_80", "a decided block waiting for the VC", sszRefDVC, &dvc.PendingBlock{Duty: f.PropDuty(dvccases.Slot(20)), Block: f.Versioned(b)})
	sszCaseRef(w, "SyncInstance", "ssz_realistic", "decided", "a decided sync committee instance of subcommittee 0", sszRefDVC, &dvc.SyncInstance{Duty: f.SyncDuty(), Slot: dvccases.Slot(20), SubcommitteeIndex: 0, Decided: true})
	for _, mode := range []dvc.Mode{dvc.ModeRemoteSigner, dvc.ModeVCMiddleware} {
		st := richDVCState(mode)
		snap := st.Snapshot()
		sszCaseRef(w, "AttesterSnapshot", "ssz_realistic", mode.String(), "the attester part of a "+mode.String()+" co-validator's state after the events of richDVCState", sszRefDVC, snap.Attester)
		sszCaseRef(w, "ProposerSnapshot", "ssz_realistic", mode.String(), "the proposer part of that state", sszRefDVC, snap.Proposer)
		sszCaseRef(w, "SyncCommitteeSnapshot", "ssz_realistic", mode.String(), "the sync committee part of that state", sszRefDVC, snap.SyncCommittee)
		sszCaseRef(w, "DVCStateSnapshot", "ssz_realistic", mode.String(), "a "+mode.String()+" co-validator's state with duties, instances, shares, combined buckets, decisions learnt from blocks and completed slots", sszRefDVC, snap)
	}
	freshState, err := dvc.NewState(f.Config(1), nil)
	if err != nil {
		panic(err)
	}
	sszCaseRef(w, "DVCStateSnapshot", "ssz_realistic", "fresh", "a new co-validator: an empty slashing DB of the chain, nothing else", sszRefDVC, freshState.Snapshot())

	// Cluster definitions (SPEC.md section 11): the clusters of the dvc vectors.
	for _, fork := range forkNames {
		ff := newDVF(4, fork, dvc.ModeRemoteSigner)
		c := &Case{Preset: "general", Fork: "phase0", Runner: "ssz_static", Handler: "ClusterDefinition", Suite: "ssz_realistic", Name: fmt.Sprintf("dvc_%d_of_%d_%s", ff.M, ff.N, fork)}
		c.Meta = Meta{
			Description: fmt.Sprintf("the cluster definition of the dvc vectors on the %s chain: 4 operators with the qbft test node keys, validator 42 split 3-of-4; its root is the cluster root of their instance ids", fork),
			Proves:      "the cluster definition container (SPEC.md section 11) encodes and hashes as the Go spec's: the cluster ID other implementations must agree on (operator addresses are not part of it)",
			References:  []string{"SPEC.md section 11", "spec/cluster Definition", "consensus-specs ssz/simple-serialize.md"},
			Keys:        newCluster(dvcValidator, ff.N).keysNode(),
		}
		def := dvcClusterDefinition(newCluster(dvcValidator, ff.N), ff.Chain)
		c.StaticSSZ(def, containerNode(def))
		w.Add(c)
	}

	// Malformed encodings.
	sm := mustSSZ(qbftChecked(4, c.Proposal(c.Leader(0), 0, qbftcases.ValueA, nil, nil)))
	sszInvalidRef(w, "SignedMessage", "truncated", "a round-0 PROPOSAL missing its last byte (the value is one byte short, so the digest no longer matters: the encoding itself is refused)", sszRefQBFT, sm[:len(sm)-1])
	bad := append([]byte{}, prepWire...)
	binary.LittleEndian.PutUint32(bad[0:4], 0x55)
	sszInvalidRef(w, "SignedMessage", "bad_first_offset", "a PREPARE whose first offset (the message) is 85, not the end of the fixed part (84)", sszRefQBFT, bad)
	m := mustSSZ(&qbft.Message{Type: qbft.MsgRoundChange, Instance: qbftID, Round: 2, Sender: 3, PreparedRound: []uint64{1}})
	two := append(append(append([]byte{}, m[:168]...), 7, 0, 0, 0, 0, 0, 0, 0), m[168:]...)
	binary.LittleEndian.PutUint32(two[156:160], 176)
	sszInvalidRef(w, "Message", "prepared_round_two_elements", "a ROUND_CHANGE whose prepared_round list holds two uint64; its limit is 1", sszRefQBFT, two)
	iid := mustSSZ(&qbftID)
	sszInvalidRef(w, "InstanceID", "trailing_byte", "97 bytes: the 96-byte container with a trailing byte", sszRefQBFT, append(append([]byte{}, iid...), 0))
	sh := mustSSZ(f.AttShare(2, d))
	noDelim := append([]byte{}, sh...)
	noDelim[len(noDelim)-1] = 0
	sszInvalidRef(w, "AttestationShare", "bitlist_without_delimiter", "aggregation bits whose last byte is zero: a bitlist without its delimiter bit", sszRefNet, noDelim)
	vb := mustSSZ(f.Versioned(b))
	badOff := append([]byte{}, vb...)
	binary.LittleEndian.PutUint32(badOff[4:8], 9)
	sszInvalidRef(w, "VersionedBlock", "bad_offset", "the block offset is 9, not 8", sszRefNet, badOff)
	snapEnc := mustSSZ(richDVCState(dvc.ModeRemoteSigner).Snapshot())
	sszInvalidRef(w, "DVCStateSnapshot", "truncated", "a state snapshot missing its last byte", sszRefDVC, snapEnc[:len(snapEnc)-1])
	qs := mustSSZ(fresh.Snapshot())
	sszInvalidRef(w, "Snapshot", "truncated", "a fresh instance's snapshot missing its last byte", sszRefQBFT, qs[:len(qs)-1])
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func snakeName(rule string) string {
	out := []byte(rule)
	for i, c := range out {
		if c == '/' {
			out[i] = '_'
		}
	}
	return string(out)
}

// richDVCState is node 1 after events that fill most of the state:
// attester duties (one decided and combined, one current; the queue is
// empty between steps since amendment A23),
// decisions learnt from a block, a completed slot, a proposer instance
// with its shares, a sync committee instance with its shares; in
// VC-middleware mode, values waiting for the validator client.
func richDVCState(mode dvc.Mode) *dvc.State {
	f := newDVF(4, eth2spec.DataVersionElectra, mode)
	cfg, o := f.Config(1), f.Oracles(1)
	st, err := dvc.NewState(cfg, nil)
	if err != nil {
		panic(err)
	}
	d9, d17 := f.AttData(dvccases.Slot(9), 1), f.AttData(dvccases.Slot(17), 1)
	evs := []dvc.Event{
		dvc.ServeAttestationDuty{Duty: f.AttDuty(dvccases.Slot(9))}, f.Decided(d9),
		dvc.ReceivedAttestationShare{Share: f.AttShare(2, d9)}, dvc.ReceivedAttestationShare{Share: f.AttShare(3, d9)}, dvc.ReceivedAttestationShare{Share: f.AttShare(4, d9)},
		f.Imported(dvccases.Slot(10), d9, f.AttData(dvccases.Slot(33), 1)),
		dvc.ServeAttestationDuty{Duty: f.AttDuty(dvccases.Slot(17))},
		dvc.ReceivedAttestationShare{Share: f.AttShare(2, d17)},
		f.ImportedDV(f.DVBlock(dvccases.Slot(28), 1)),
	}
	evs = append(evs, f.ProposerReady(dvccases.Slot(20))...)
	evs = append(evs, f.BlockDecided(f.DVBlock(dvccases.Slot(20), 1)), dvc.ReceivedBlockShare{Share: f.BlockShare(2, f.DVBlock(dvccases.Slot(20), 1))},
		f.ServeSync(dvccases.Slot(20)), f.SyncDecided(f.Contribution(dvccases.Slot(20), 1)), dvc.ReceivedSyncCommitteeMessageShare{Share: f.SyncShare(3, f.Contribution(dvccases.Slot(20), 1))})
	for _, e := range evs {
		var out []dvc.Output
		st, out, err = dvc.Step(cfg, st, e, o)
		if err != nil {
			panic(fmt.Sprintf("richDVCState %s: %v", e.EventName(), err))
		}
		for _, x := range out {
			outputNode(f, 1, x)
		}
	}
	return st
}
