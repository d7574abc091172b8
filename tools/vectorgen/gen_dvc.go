package main

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"slices"
	"strings"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/phase0"
	"gopkg.in/yaml.v3"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/consensus/qbft"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	speccluster "github.com/dvspec/go-dvspec/spec/cluster"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/dvc/dvccases"
	"github.com/dvspec/go-dvspec/spec/names"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/slashing"
	"github.com/dvspec/go-dvspec/spectests"
)

func init() {
	register(generator{
		Runner:   "dvc",
		Summary:  "the co-validator state machine (SPEC.md section 7): pre-state, events, outputs per event (or named error), validity-predicate checks, state root after every step, post-state; attester, proposer and sync committee flows in the remote-signer and VC-middleware architectures; every scenario of spec/dvc/dvccases",
		Generate: genDVC,
	})
}

// dvcValidator is the distributed validator of the dvc vectors (the
// scenarios' fixture, spec/dvc/dvccases).
const dvcValidator = dvccases.Validator

// dvcEnv is the environment of the dvc scenarios' fixtures in this
// generation: the vectors' genesis validators root, the cluster root of
// the cluster definition (impl/keys), and the guard told of every
// signature a fixture makes. generate renews it with the guard.
var dvcEnv = newDVCEnv()

func newDVCEnv() *dvccases.Env {
	return &dvccases.Env{
		GenesisValidatorsRoot: testGenesisValidatorsRoot,
		ClusterRoot: func(k *dvccases.Keys, chain signing.Chain) phase0.Root {
			root, err := dvcClusterDefinition(newCluster(dvcValidator, k.N), chain).ID()
			if err != nil {
				panic(err)
			}
			return root
		},
		Witness: func(pk bls.PublicKey, msg []byte, sig bls.Signature) { verified(pk, msg, sig) },
		SimulatedOutput: func(f *dvccases.Fixture, node int, o dvc.Output) {
			outputNode(f, node, o) // records the signatures node made
		},
	}
}

// dvcFeeRecipient is the fee recipient of the dvc fixtures' validator in
// their cluster definition.
var dvcFeeRecipient = bellatrix.ExecutionAddress{0xfe, 0xe0, 0xfe, 0xe0}

// dvcClusterDefinition is the cluster definition of a dvc fixture: its
// hash tree root is the cluster root of every instance id.
func dvcClusterDefinition(cl *cluster, chain signing.Chain) *speccluster.Definition {
	def := &speccluster.Definition{Version: speccluster.Version, Name: []byte(fmt.Sprintf("dvspec vectors %d-of-%d", cl.M, cl.N)),
		Threshold: uint64(cl.M), Network: speccluster.NetworkFromSchedule("dvspec-test", chain.GenesisValidatorsRoot, chain.SlotsPerEpoch, chain.Forks)}
	for i := 1; i <= cl.N; i++ {
		def.Operators = append(def.Operators, speccluster.NewOperator(uint64(i),
			[32]byte(qbft.TestKey(uint64(i)).Public().(ed25519.PublicKey)),
			fmt.Sprintf("/dns4/node%d.dvspec.test/tcp/9000", i)))
	}
	v := &speccluster.Validator{PublicKey: cl.Validator.Public, ValidatorIndex: []uint64{cl.Validator.Index}, FeeRecipient: dvcFeeRecipient}
	for _, p := range cl.Public {
		v.PublicShares = append(v.PublicShares, p.PublicKey)
	}
	def.Validators = []*speccluster.Validator{v}
	if err := def.Validate(); err != nil {
		panic(err)
	}
	return def
}

// newDVF is the dvc scenarios' fixture of (n, fork, mode).
func newDVF(n int, fork eth2spec.DataVersion, mode dvc.Mode) *dvccases.Fixture {
	return dvcEnv.NewFixture(n, fork, mode)
}

// checkValueNode renders a validity check's value as YAML.
func checkValueNode(obj any) *yaml.Node {
	switch o := obj.(type) {
	case []byte:
		return hexNode(o)
	case *altair.SyncCommitteeContribution:
		return jsonNode(o)
	}
	return containerNode(obj)
}

// --- rendering -------------------------------------------------------------

// cont renders a container as <name> (YAML) and <name>_ssz; a nil container
// is YAML null with an empty encoding.
func cont(n *yaml.Node, name string, obj sszObject, value func() *yaml.Node) []byte {
	if obj == nil || isNilPtr(obj) {
		n.Content = append(n.Content, strNode(name), toNode(nil), strNode(name+"_ssz"), hexNode(nil))
		return []byte{}
	}
	enc, err := obj.MarshalSSZ()
	if err != nil {
		panic(fmt.Sprintf("%s: %v", name, err))
	}
	n.Content = append(n.Content, strNode(name), value(), strNode(name+"_ssz"), hexNode(enc))
	return enc
}

func isNilPtr(x any) bool {
	switch v := x.(type) {
	case *spec.AttestationDuty:
		return v == nil
	case *spec.ProposerDuty:
		return v == nil
	case *spec.SyncCommitteeDuty:
		return v == nil
	case *phase0.AttestationData:
		return v == nil
	case *altair.SyncCommitteeContribution:
		return v == nil
	case *altair.SyncCommitteeMessage:
		return v == nil
	case *networking.AttestationShare:
		return v == nil
	case *networking.RandaoShare:
		return v == nil
	case *networking.BlockShare:
		return v == nil
	case *networking.SyncCommitteeMessageShare:
		return v == nil
	case *networking.SignedVersionedBlock:
		return v == nil
	}
	return false
}

func dvNode(obj any) func() *yaml.Node { return func() *yaml.Node { return containerNode(obj) } }

func jsNode(obj beaconObject) func() *yaml.Node { return func() *yaml.Node { return jsonNode(obj) } }

// blockFields renders block_fork, block and block_ssz; a nil or empty
// block has an empty encoding.
func blockFields(n *yaml.Node, b *eth2spec.VersionedBeaconBlock, defFork eth2spec.DataVersion) (string, []byte) {
	if b == nil || b.IsEmpty() {
		fork := defFork
		if b != nil {
			fork = b.Version
		}
		n.Content = append(n.Content, strNode("block_fork"), strNode(fork.String()), strNode("block"), toNode(nil), strNode("block_ssz"), hexNode(nil))
		return fork.String(), []byte{}
	}
	fork, enc, err := spectests.EncodeBeaconBlock(b)
	if err != nil {
		panic(err)
	}
	n.Content = append(n.Content, strNode("block_fork"), strNode(fork), strNode("block"), jsonNode(blockObject(b)), strNode("block_ssz"), hexNode(enc))
	return fork, enc
}

// eventNode renders an event as steps.yaml writes it and as the harness
// gives it to an implementation.
func eventNode(f *dvccases.Fixture, ev dvc.Event) (*yaml.Node, spectests.DVCEvent) {
	body := mapNode()
	ne := spectests.DVCEvent{Name: ev.EventName()}
	switch e := ev.(type) {
	case dvc.ServeAttestationDuty:
		ne.Duty = cont(body, "duty", e.Duty, dvNode(e.Duty))
	case dvc.AttestationConsensusDecided:
		body.Content = append(body.Content, instanceFields(e.ID)...)
		ne.Instance = spectests.VectorInstanceID(e.ID)
		ne.Data = cont(body, "data", e.Data, dvNode(e.Data))
	case dvc.ReceivedAttestationShare:
		ne.Share = cont(body, "share", e.Share, dvNode(e.Share))
	case dvc.ImportedNewBlock:
		ne.BlockFork, ne.Block = blockFields(body, e.Block, f.Fork)
		if e.ValidatorIndex == nil {
			body.Content = append(body.Content, strNode("validator_index"), toNode(nil))
		} else {
			v := uint64(*e.ValidatorIndex)
			ne.ValidatorIndex = &v
			body.Content = append(body.Content, strNode("validator_index"), uintNode(v))
		}
		cs := seqNode()
		for _, c := range e.Committees {
			vs := seqNode()
			bc := spectests.BeaconCommittee{Slot: uint64(c.Slot), Index: uint64(c.Index)}
			for _, v := range c.Validators {
				vs.Content = append(vs.Content, uintNode(uint64(v)))
				bc.Validators = append(bc.Validators, uint64(v))
			}
			cs.Content = append(cs.Content, mapNode("slot", uint64(c.Slot), "index", uint64(c.Index), "validators", vs))
			ne.Committees = append(ne.Committees, bc)
		}
		body.Content = append(body.Content, strNode("committees"), cs)
	case dvc.ServeProposerDuty:
		ne.Duty = cont(body, "duty", e.Duty, dvNode(e.Duty))
	case dvc.ReceivedRandaoShare:
		ne.Share = cont(body, "share", e.Share, dvNode(e.Share))
	case dvc.BlockConsensusDecided:
		body.Content = append(body.Content, instanceFields(e.ID)...)
		ne.Instance = spectests.VectorInstanceID(e.ID)
		ne.BlockFork, ne.Block = blockFields(body, e.Block, f.Fork)
	case dvc.ReceivedBlockShare:
		ne.Share = cont(body, "share", e.Share, dvNode(e.Share))
	case dvc.ServeSyncCommitteeDuty:
		ne.Duty = cont(body, "duty", e.Duty, dvNode(e.Duty))
		body.Content = append(body.Content, strNode("slot"), uintNode(uint64(e.Slot)), strNode("subcommittee_index"), uintNode(e.SubcommitteeIndex))
		ne.Slot, ne.SubcommitteeIndex = uint64(e.Slot), e.SubcommitteeIndex
	case dvc.SyncCommitteeConsensusDecided:
		body.Content = append(body.Content, instanceFields(e.ID)...)
		ne.Instance = spectests.VectorInstanceID(e.ID)
		ne.Contribution = cont(body, "contribution", e.Contribution, jsNode(e.Contribution))
	case dvc.ReceivedSyncCommitteeMessageShare:
		ne.Share = cont(body, "share", e.Share, dvNode(e.Share))
	case dvc.CapturedAttestation:
		a := e.Attestation
		if a == nil {
			a = &networking.SignedAttestation{Version: f.Fork}
		}
		body.Content = append(body.Content, strNode("attestation_fork"), strNode(a.Version.String()))
		ne.AttestationFork = a.Version.String()
		switch {
		case a.Electra != nil:
			ne.Attestation = cont(body, "attestation", a.Electra, jsNode(a.Electra))
		case a.Phase0 != nil:
			ne.Attestation = cont(body, "attestation", a.Phase0, jsNode(a.Phase0))
		default:
			ne.Attestation = cont(body, "attestation", nil, nil)
		}
	case dvc.CapturedRandaoReveal:
		body.Content = append(body.Content, strNode("slot"), uintNode(uint64(e.Slot)), strNode("randao_reveal"), hexNode(e.RandaoReveal[:]))
		ne.Slot, ne.RandaoReveal = uint64(e.Slot), e.RandaoReveal
	case dvc.CapturedBlock:
		ne.BlockFork, ne.Block = blockFields(body, e.Block, f.Fork)
		body.Content = append(body.Content, strNode("signature"), hexNode(e.Signature[:]))
		ne.Signature = e.Signature
	case dvc.CapturedSyncCommitteeMessage:
		ne.Message = cont(body, "message", e.Message, jsNode(e.Message))
	case dvc.NewSlot:
		body.Content = append(body.Content, strNode("slot"), uintNode(uint64(e.Slot)))
		ne.Slot = uint64(e.Slot)
	case dvc.ResendAttestationShares, dvc.ResendRandaoShares, dvc.ResendBlockShares, dvc.ResendSyncCommitteeMessageShares, dvc.NoEvent:
	default:
		panic(fmt.Sprintf("eventNode: unsupported event %T", ev))
	}
	return mapNode(ev.EventName(), body), ne
}

// instanceFields are an InstanceID written as every inline container is:
// the YAML value and, next to it, its SSZ encoding.
func instanceFields(id consensus.InstanceID) []*yaml.Node {
	return []*yaml.Node{strNode("instance"), instanceNode(id), strNode("instance_ssz"), hexNode(instanceSSZ(id))}
}

func instanceSSZ(id consensus.InstanceID) []byte {
	b, err := id.MarshalSSZ()
	if err != nil {
		panic(err)
	}
	return b
}

// idsFields are a list of InstanceIDs and the list of their encodings.
func idsFields(list []consensus.InstanceID) []*yaml.Node {
	ids, enc := seqNode(), seqNode()
	for _, id := range list {
		ids.Content = append(ids.Content, instanceNode(id))
		enc.Content = append(enc.Content, hexNode(instanceSSZ(id)))
	}
	return []*yaml.Node{strNode("instances"), ids, strNode("instances_ssz"), enc}
}

// outputNode renders an output and records the signatures it carries as
// verified (the spec produced them; each is checked here).
func outputNode(f *dvccases.Fixture, node int, o dvc.Output) *yaml.Node {
	body := mapNode()
	switch o := o.(type) {
	case dvc.StartConsensus:
		body.Content = append(body.Content, instanceFields(o.ID)...)
		sub := mapNode()
		switch {
		case o.Attester != nil:
			cont(sub, "duty", o.Attester, dvNode(o.Attester))
			body.Content = append(body.Content, strNode("attester"), sub)
		case o.Proposer != nil:
			cont(sub, "duty", o.Proposer.Duty, dvNode(o.Proposer.Duty))
			root := f.RandaoInput(o.Proposer.Duty.Slot).SigningRoot
			verified(f.PK(), root[:], o.Proposer.RandaoReveal)
			sub.Content = append(sub.Content, strNode("randao_reveal"), hexNode(o.Proposer.RandaoReveal[:]))
			body.Content = append(body.Content, strNode("proposer"), sub)
		case o.SyncCommittee != nil:
			cont(sub, "duty", o.SyncCommittee.Duty, dvNode(o.SyncCommittee.Duty))
			sub.Content = append(sub.Content, strNode("slot"), uintNode(uint64(o.SyncCommittee.Slot)), strNode("subcommittee_index"), uintNode(o.SyncCommittee.SubcommitteeIndex))
			body.Content = append(body.Content, strNode("sync_committee"), sub)
		}
	case dvc.StopConsensus:
		body.Content = append(body.Content, idsFields(o.IDs)...)
	case dvc.UpdateValidity:
		body.Content = append(body.Content, idsFields(o.IDs)...)
	case dvc.Signed:
		verified(f.Keys.Public[node-1].PublicKey, o.Input.SigningRoot[:], o.Signature)
		body = mapNode("kind", o.Kind.String(), "slot", uint64(o.Slot), "object_root", Hex(o.Input.ObjectRoot[:]), "fork_version", Hex(o.Input.ForkVersion[:]),
			"domain", Hex(o.Input.Domain[:]), "signing_root", Hex(o.Input.SigningRoot[:]), "signature", Hex(o.Signature[:]))
	case dvc.Broadcast:
		in, err := (networking.Verifier{Chain: f.Chain}).SigningInput(o.Message)
		if err != nil {
			panic(err)
		}
		signer := o.Message.Signer()
		verified(f.Keys.Public[signer-1].PublicKey, in.SigningRoot[:], o.Message.PartialSignature())
		body.Content = append(body.Content, strNode("message_kind"), strNode(o.Message.Kind().String()))
		cont(body, "message", o.Message, dvNode(o.Message))
		to := seqNode()
		for _, p := range o.To {
			to.Content = append(to.Content, uintNode(p))
		}
		body.Content = append(body.Content, strNode("to"), to)
	case dvc.SubmitAttestation:
		a := o.Attestation
		root := f.AttInput(a.Data()).SigningRoot
		verified(f.PK(), root[:], a.Signature())
		body.Content = append(body.Content, strNode("attestation_fork"), strNode(a.Version.String()))
		if a.Electra != nil {
			cont(body, "attestation", a.Electra, jsNode(a.Electra))
		} else {
			cont(body, "attestation", a.Phase0, jsNode(a.Phase0))
		}
	case dvc.SubmitBlock:
		b, err := o.Block.Block.Decode(f.Chain)
		if err != nil {
			panic(err)
		}
		root := f.BlockInput(b).SigningRoot
		verified(f.PK(), root[:], o.Block.Signature)
		cont(body, "block", o.Block, dvNode(o.Block))
	case dvc.SubmitSyncCommitteeMessage:
		m := o.Message
		root := f.SyncInput(m.Slot, m.BeaconBlockRoot).SigningRoot
		verified(f.PK(), root[:], m.Signature)
		cont(body, "message", m, jsNode(m))
	case dvc.CacheAttestationDataForVC:
		cont(body, "duty", o.Duty, dvNode(o.Duty))
		cont(body, "data", o.Data, dvNode(o.Data))
	case dvc.CacheBlockForVC:
		cont(body, "duty", o.Duty, dvNode(o.Duty))
		blockFields(body, o.Block, f.Fork)
	case dvc.CacheSyncCommitteeContributionForVC:
		cont(body, "duty", o.Duty, dvNode(o.Duty))
		cont(body, "contribution", o.Contribution, jsNode(o.Contribution))
	case dvc.Ignored:
		body = mapNode("reason", string(o.Reason), "slot", uint64(o.Slot))
	default:
		panic(fmt.Sprintf("outputNode: unsupported output %T", o))
	}
	return mapNode(o.OutputName(), body)
}

// dvcRun is one run of a scenario in one architecture.
type dvcRun struct {
	steps     []*yaml.Node
	pre, post *dvc.State
	// for the cross-architecture comparison
	errs     []string
	submits  []string
	verdicts []string
}

func genDVC(w *Writer) {
	for _, sc := range dvccases.Scenarios() {
		w.addDVC(sc)
		for _, fork := range sc.Forks {
			x := sc
			x.Fork = fork
			w.addDVC(x)
		}
	}
}

func (w *Writer) addDVC(sc dvccases.Scenario) {
	path := sc.Handler + "/" + sc.Name
	prim := runDVC(sc, sc.Primary, true, path)
	w.writeDVC(sc, sc.Primary, prim)
	if !sc.Both {
		return
	}
	other := dvc.ModeVCMiddleware
	if sc.Primary == dvc.ModeVCMiddleware {
		other = dvc.ModeRemoteSigner
	}
	alt := runDVC(sc, other, false, path)
	for _, c := range []struct {
		what string
		a, b []string
	}{{"errors", prim.errs, alt.errs}, {"submissions", prim.submits, alt.submits}, {"validity verdicts", prim.verdicts, alt.verdicts}} {
		if !slices.Equal(c.a, c.b) {
			panic(fmt.Sprintf("dvc %s: the %s differ between the architectures:\n%s: %v\n%s: %v", path, c.what, sc.Primary, c.a, other, c.b))
		}
	}
	if !bytes.Equal(mustSSZ(prim.post.SlashingDB()), mustSSZ(alt.post.SlashingDB())) {
		panic(fmt.Sprintf("dvc %s: the slashing DBs differ between the architectures", path))
	}
	w.writeDVC(sc, other, alt)
}

func runDVC(sc dvccases.Scenario, mode dvc.Mode, primary bool, path string) *dvcRun {
	f := newDVF(sc.N, sc.Fork, mode)
	cfg, o := f.Config(sc.Node), f.Oracles(sc.Node)
	var db *slashing.SlashingDB
	if sc.Pre != nil {
		db = sc.Pre(f)
	}
	st, err := dvc.NewState(cfg, db)
	if err != nil {
		panic(err)
	}
	autoCapture := mode == dvc.ModeVCMiddleware && sc.Primary == dvc.ModeRemoteSigner
	if sc.Setup != nil {
		queue := sc.Setup(f)
		for len(queue) > 0 {
			e := queue[0]
			queue = queue[1:]
			next, out, err := dvc.Step(cfg, st, e, o)
			if err != nil {
				panic(fmt.Sprintf("dvc %s (%s): setup event %s: %v", path, mode, e.EventName(), err))
			}
			st = next
			for _, x := range out {
				outputNode(f, sc.Node, x) // records the signatures the pre-state holds
			}
			if autoCapture {
				queue = append(f.VCCaptures(sc.Node, e, out, st), queue...)
			}
		}
	}
	r := &dvcRun{pre: st}
	var all []dvc.Output
	type item struct {
		s    dvccases.Step
		auto bool
	}
	var queue []item
	for _, s := range sc.Steps(f) {
		queue = append(queue, item{s: s})
	}
	for k := 0; len(queue) > 0; k++ {
		it := queue[0]
		queue = queue[1:]
		s := it.s
		step := mapNode()
		if s.Check != nil {
			c := s.Check
			step.Content = append(step.Content, strNode("check_validity"), mapNode("instance", instanceNode(c.ID), "instance_ssz", Hex(instanceSSZ(c.ID)), "value_type", c.ValueType,
				"value", checkValueNode(c.Obj), "value_ssz", Hex(c.Value)))
			err := dvc.ValidityFor(cfg, st, c.ID)(c.Value)
			if (err == nil) != (c.Want == nil) || (c.Want != nil && !errors.Is(err, c.Want)) {
				panic(fmt.Sprintf("dvc %s (%s): check %d: the predicate gives %v, the author states %v", path, mode, k, err, c.Want))
			}
			step.Content = append(step.Content, strNode("valid"), boolNode(err == nil))
			verdict := "valid"
			if err != nil {
				errorFields("dvc", step, err)
				verdict = strings.Join(names.ErrorNames(err), "/")
			}
			r.verdicts = append(r.verdicts, verdict)
		} else {
			evNode, ne := eventNode(f, s.Ev)
			step.Content = append(step.Content, strNode("event"), evNode)
			var out []dvc.Output
			dec, err := spectests.DecodeDVCEvent(cfg.Chain, ne)
			next := st
			if err == nil {
				next, out, err = dvc.Step(cfg, st, dec, o)
			}
			outs := seqNode()
			if err == nil {
				all = append(all, out...)
				for _, x := range out {
					outs.Content = append(outs.Content, outputNode(f, sc.Node, x))
					switch x.(type) {
					case dvc.SubmitAttestation, dvc.SubmitBlock, dvc.SubmitSyncCommitteeMessage:
						r.submits = append(r.submits, string(yamlBytes(outputNode(f, sc.Node, x))))
					}
				}
			}
			step.Content = append(step.Content, strNode("outputs"), outs)
			if err != nil {
				errorFields("dvc", step, err)
			}
			if !it.auto {
				r.errs = append(r.errs, strings.Join(names.ErrorNames(err), "/"))
			}
			if primary && !it.auto {
				switch {
				case s.WantErr != nil:
					if !errors.Is(err, s.WantErr) {
						panic(fmt.Sprintf("dvc %s (%s): step %d (%s): the spec gives %v, the author states %v", path, mode, k, s.Ev.EventName(), err, s.WantErr))
					}
				case err != nil:
					panic(fmt.Sprintf("dvc %s (%s): step %d (%s): %v", path, mode, k, s.Ev.EventName(), err))
				case s.Want != "-" && dvccases.OutputNames(out) != s.Want:
					panic(fmt.Sprintf("dvc %s (%s): step %d (%s): the spec outputs %q, the author states %q", path, mode, k, s.Ev.EventName(), dvccases.OutputNames(out), s.Want))
				}
				if s.Then != nil {
					if terr := s.Then(f, next, out); terr != nil {
						panic(fmt.Sprintf("dvc %s (%s): step %d (%s): %v", path, mode, k, s.Ev.EventName(), terr))
					}
				}
			}
			st = next
			if autoCapture && err == nil {
				var ins []item
				for _, c := range f.VCCaptures(sc.Node, dec, out, st) {
					ins = append(ins, item{s: dvccases.Step{Ev: c, Want: "-"}, auto: true})
				}
				queue = append(ins, queue...)
			}
		}
		root, err := st.HashTreeRoot()
		if err != nil {
			panic(err)
		}
		step.Content = append(step.Content, strNode("state_root"), hexNode(root[:]))
		r.steps = append(r.steps, step)
	}
	r.post = st
	if primary && sc.Assert != nil {
		if msg := sc.Assert(f, all); msg != "" {
			panic(fmt.Sprintf("dvc %s (%s): %s", path, mode, msg))
		}
	}
	return r
}

func yamlBytes(n *yaml.Node) []byte { return encodeYAML(n) }

func (w *Writer) writeDVC(sc dvccases.Scenario, mode dvc.Mode, r *dvcRun) {
	f := newDVF(sc.N, sc.Fork, mode)
	c := &Case{Preset: "mainnet", Fork: sc.Fork.String(), Runner: "dvc", Handler: sc.Handler, Suite: mode.String(), Name: sc.Name}
	desc := sc.Description
	if mode != sc.Primary {
		desc += fmt.Sprintf(" Run in the %s architecture", mode)
		if mode == dvc.ModeVCMiddleware {
			desc += ": the validator client's captured_* submissions (signed with the node's key share) follow each cache_*_for_vc output and each proposer duty made current"
		}
		desc += "; it submits the same messages, refuses the same events and keeps the same slashing DB as the " + sc.Primary.String() + " run."
	}
	refs := append([]string{"SPEC.md section 7 (the co-validator state machine)"}, sc.References...)
	ks := newCluster(dvcValidator, f.N).keysNode()
	ks.Content = append(ks.Content, strNode("node_under_test"), uintNode(uint64(sc.Node)),
		strNode("cluster_root"), strNode(fmt.Sprintf("hash_tree_root of the cluster definition ssz_static/ClusterDefinition/ssz_realistic/dvc_%d_of_%d_%s", f.M, f.N, f.Fork)))
	c.Meta = Meta{Description: desc, Proves: sc.Proves, References: refs, Keys: ks}
	if sc.Invalid != nil {
		for _, v := range sc.Invalid(f) {
			c.Meta.DeliberatelyInvalid = append(c.Meta.DeliberatelyInvalid, InvalidValue{Value: Hex(v.Value), Why: v.Why})
		}
	}
	c.YAML("chain", chainNode(f.Chain))
	pubs := seqNode()
	for _, p := range f.Keys.Public {
		pubs.Content = append(pubs.Content, mapNode("index", p.Index, "public_key", Hex(p.PublicKey[:])))
	}
	peers := seqNode()
	for _, p := range f.Peers() {
		peers.Content = append(peers.Content, uintNode(p))
	}
	cfg := mapNode("preset", "mainnet", "validator", mapNode("pubkey", Hex(f.Keys.Validator.Public[:]), "index", uint64(dvcValidator)),
		"share_index", uint64(sc.Node), "peers", peers, "public_shares", pubs, "threshold", f.M, "cluster", Hex(f.ClusterRoot[:]), "mode", mode.String())
	if mode == dvc.ModeRemoteSigner {
		sk := f.Keys.Shares[sc.Node-1].SecretKey
		cfg.Content = append(cfg.Content, strNode("signer"), mapNode("share_index", uint64(sc.Node), "secret_key", Hex(sk[:])))
	}
	c.YAML("config", cfg)
	c.SSZ("pre", r.pre.Snapshot(), containerNode(r.pre.Snapshot()))
	c.YAML("steps", seqNode(r.steps...))
	c.SSZ("post", r.post.Snapshot(), containerNode(r.post.Snapshot()))
	w.Add(c)
}
