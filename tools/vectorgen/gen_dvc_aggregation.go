package main

import (
	"fmt"

	"github.com/attestantio/go-eth2-client/spec/phase0"
	"gopkg.in/yaml.v3"

	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty/aggcases"
	"github.com/dvspec/go-dvspec/spec/dvc/dvccases"
	"github.com/dvspec/go-dvspec/spec/versioned"
)

func init() {
	register(generator{
		Runner:   "dvc_aggregation",
		Summary:  "the aggregation duties' state machine (SPEC.md section 12, spec/dvc/aggduty): attestation aggregation and sync committee contributions, events to exact outputs (or named error) from the empty state, in the remote-signer and VC-middleware architectures, phase0..fulu shapes; every case of spec/dvc/aggduty/aggcases",
		Generate: genDVCAggregation,
	})
}

func genDVCAggregation(w *Writer) {
	env := aggcases.NewEnv(dvcEnv)
	for _, sc := range aggcases.Scenarios() {
		f := env.NewF(sc.Fork, sc.Mode)
		steps, res, err := aggcases.Run(f, sc)
		if err != nil {
			panic(fmt.Sprintf("dvc_aggregation %s/%s (%s, %s): %v", sc.Handler, sc.Name, sc.Fork, sc.Mode, err))
		}
		c := &Case{Preset: "mainnet", Fork: sc.Fork.String(), Runner: "dvc_aggregation", Handler: sc.Handler, Suite: sc.Mode.String(), Name: sc.Name}
		ks := newCluster(dvcValidator, f.N).keysNode()
		ks.Content = append(ks.Content, strNode("node_under_test"), uintNode(aggcases.Node),
			strNode("cluster_root"), strNode(fmt.Sprintf("hash_tree_root of the cluster definition ssz_static/ClusterDefinition/ssz_realistic/dvc_%d_of_%d_%s", f.M, f.N, f.Fork)),
			strNode("committee"), strNode(fmt.Sprintf("attester committee of %d members, the validator at position %d, position p otherwise interop key %d + p", aggcases.CommitteeLength, aggcases.CommitteePosition, aggcases.CommitteeKeyBase)),
			strNode("sync_committee"), strNode(fmt.Sprintf("the validator at sync committee positions %v, position j otherwise interop key %d + j", aggcases.SyncPositions, aggcases.SyncKeyBase)))
		c.Meta = Meta{Description: sc.Description, Proves: sc.Proves, References: sc.References, Keys: ks}
		c.YAML("chain", chainNode(f.Chain))
		c.YAML("config", aggConfigNode(f.Fixture, aggcases.Node, sc.Mode))
		var nodes []*yaml.Node
		for k, s := range steps {
			step := mapNode("event", aggEventNode(s.Ev))
			outs := seqNode()
			if res[k].Err == nil {
				for _, o := range s.Want {
					outs.Content = append(outs.Content, aggOutputNode(o))
				}
			}
			step.Content = append(step.Content, strNode("outputs"), outs)
			if res[k].Err != nil {
				errorFields("dvc", step, res[k].Err)
			}
			nodes = append(nodes, step)
		}
		c.YAML("steps", seqNode(nodes...))
		w.Add(c)
	}
}

// aggConfigNode is config.yaml of a dvc_aggregation case: the dvc
// runner's config.yaml.
func aggConfigNode(f *dvccases.Fixture, node int, mode dvc.Mode) *yaml.Node {
	pubs := seqNode()
	for _, p := range f.Keys.Public {
		pubs.Content = append(pubs.Content, mapNode("index", p.Index, "public_key", Hex(p.PublicKey[:])))
	}
	peers := seqNode()
	for _, p := range f.Peers() {
		peers.Content = append(peers.Content, uintNode(p))
	}
	cfg := mapNode("preset", "mainnet", "validator", mapNode("pubkey", Hex(f.Keys.Validator.Public[:]), "index", uint64(dvcValidator)),
		"share_index", uint64(node), "peers", peers, "public_shares", pubs, "threshold", f.M, "cluster", Hex(f.ClusterRoot[:]), "mode", mode.String())
	if mode == dvc.ModeRemoteSigner {
		sk := f.Keys.Shares[node-1].SecretKey
		cfg.Content = append(cfg.Content, strNode("signer"), mapNode("share_index", uint64(node), "secret_key", Hex(sk[:])))
	}
	return cfg
}

func keysNode(keys []phase0.BLSPubKey) *yaml.Node {
	n := seqNode()
	for _, k := range keys {
		n.Content = append(n.Content, hexNode(k[:]))
	}
	return n
}

// beaconCont renders a beacon container as <name> (beacon-API YAML) and
// <name>_ssz.
func beaconCont(n *yaml.Node, name string, obj beaconObject) {
	cont(n, name, obj, jsNode(obj))
}

func aggEventNode(ev aggduty.Event) *yaml.Node {
	body := mapNode()
	switch e := ev.(type) {
	case aggduty.ServeAggregatorDuty:
		cont(body, "duty", e.Duty, dvNode(e.Duty))
		body.Content = append(body.Content, strNode("committee"), keysNode(e.Committee))
	case aggduty.ServeSyncContributionDuty:
		cont(body, "duty", e.Duty, dvNode(e.Duty))
		subs := seqNode()
		for s := uint64(0); s < 4; s++ {
			if keys, ok := e.Subcommittees[s]; ok {
				subs.Content = append(subs.Content, mapNode("index", s, "public_keys", keysNode(keys)))
			}
		}
		body.Content = append(body.Content, strNode("slot"), uintNode(uint64(e.Slot)), strNode("subcommittees"), subs)
	case aggduty.CapturedBeaconCommitteeSelection:
		s := e.Selection
		body = mapNode("validator_index", uint64(s.ValidatorIndex), "slot", uint64(s.Slot), "selection_proof", Hex(s.SelectionProof[:]))
	case aggduty.CapturedSyncCommitteeSelection:
		s := e.Selection
		body = mapNode("validator_index", uint64(s.ValidatorIndex), "slot", uint64(s.Slot), "subcommittee_index", s.SubcommitteeIndex, "selection_proof", Hex(s.SelectionProof[:]))
	case aggduty.AttestationSubmitted:
		cont(body, "data", e.Data, dvNode(e.Data))
	case aggduty.SyncCommitteeMessageSubmitted:
		body = mapNode("slot", uint64(e.Slot), "beacon_block_root", Hex(e.BeaconBlockRoot[:]))
	case aggduty.AggregateConsensusDecided:
		body.Content = append(body.Content, instanceFields(e.ID)...)
		body.Content = append(body.Content, strNode("aggregate_fork"), strNode(e.Aggregate.Version.String()))
		beaconCont(body, "aggregate", must(versioned.Attestation(e.Aggregate)))
	case aggduty.ContributionConsensusDecided:
		body.Content = append(body.Content, instanceFields(e.ID)...)
		vals, encs := seqNode(), seqNode()
		for _, c := range e.Contributions {
			vals.Content = append(vals.Content, jsonNode(c))
			enc, err := c.MarshalSSZ()
			if err != nil {
				panic(err)
			}
			encs.Content = append(encs.Content, hexNode(enc))
		}
		body.Content = append(body.Content, strNode("contributions"), vals, strNode("contributions_ssz"), encs)
	case aggduty.CapturedAggregateAndProof:
		body.Content = append(body.Content, strNode("aggregate_and_proof_fork"), strNode(e.Signed.Version.String()))
		beaconCont(body, "signed_aggregate_and_proof", must(versioned.SignedAggregateAndProof(e.Signed)))
	case aggduty.CapturedContributionAndProof:
		beaconCont(body, "signed_contribution_and_proof", e.Signed)
	case aggduty.ReceivedAggregationShare:
		cont(body, "share", e.Share, dvNode(e.Share))
	default:
		panic(fmt.Sprintf("aggEventNode: unsupported event %T", ev))
	}
	return mapNode(ev.EventName(), body)
}

func aggOutputNode(o aggduty.Output) *yaml.Node {
	body := mapNode()
	switch o := o.(type) {
	case dvc.Broadcast:
		body.Content = append(body.Content, strNode("message_kind"), strNode(o.Message.Kind().String()))
		cont(body, "message", o.Message, dvNode(o.Message))
		to := seqNode()
		for _, p := range o.To {
			to.Content = append(to.Content, uintNode(p))
		}
		body.Content = append(body.Content, strNode("to"), to)
	case dvc.Ignored:
		body = mapNode("reason", string(o.Reason), "slot", uint64(o.Slot))
	case aggduty.BeaconCommitteeSelectionCombined:
		s := o.Selection
		body = mapNode("validator_index", uint64(s.ValidatorIndex), "slot", uint64(s.Slot), "selection_proof", Hex(s.SelectionProof[:]), "served", o.Served, "is_aggregator", o.IsAggregator)
	case aggduty.SyncCommitteeSelectionCombined:
		s := o.Selection
		body = mapNode("validator_index", uint64(s.ValidatorIndex), "slot", uint64(s.Slot), "subcommittee_index", s.SubcommitteeIndex,
			"selection_proof", Hex(s.SelectionProof[:]), "served", o.Served, "is_aggregator", o.IsAggregator)
	case aggduty.StartAggregateConsensus:
		body.Content = append(body.Content, instanceFields(o.ID)...)
		cont(body, "data", o.Validity.Data, dvNode(o.Validity.Data))
		body.Content = append(body.Content, strNode("committee_index"), uintNode(uint64(o.Validity.CommitteeIndex)), strNode("committee"), keysNode(o.Validity.Committee))
	case aggduty.StartContributionConsensus:
		body.Content = append(body.Content, instanceFields(o.ID)...)
		vs := seqNode()
		for _, v := range o.Validity {
			vs.Content = append(vs.Content, mapNode("slot", uint64(v.Slot), "subcommittee_index", v.SubcommitteeIndex,
				"beacon_block_root", Hex(v.BeaconBlockRoot[:]), "subcommittee", keysNode(v.Subcommittee)))
		}
		body.Content = append(body.Content, strNode("validities"), vs)
	case aggduty.CacheAggregateAndProofForVC:
		body.Content = append(body.Content, strNode("aggregate_and_proof_fork"), strNode(o.AggregateAndProof.Version.String()))
		beaconCont(body, "aggregate_and_proof", must(versioned.AggregateAndProof(o.AggregateAndProof)))
	case aggduty.CacheContributionAndProofForVC:
		beaconCont(body, "contribution_and_proof", o.ContributionAndProof)
	case aggduty.SubmitAggregateAndProof:
		body.Content = append(body.Content, strNode("aggregate_and_proof_fork"), strNode(o.Signed.Version.String()))
		beaconCont(body, "signed_aggregate_and_proof", must(versioned.SignedAggregateAndProof(o.Signed)))
	case aggduty.SubmitContributionAndProof:
		beaconCont(body, "signed_contribution_and_proof", o.Signed)
	default:
		panic(fmt.Sprintf("aggOutputNode: unsupported output %T", o))
	}
	return mapNode(o.OutputName(), body)
}
