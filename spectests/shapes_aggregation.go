package spectests

// The dvc_aggregation runner's file shapes, registered next to the others
// of FileShapes (kept in a file of their own).

var aggEventFields = map[string][]Key{
	"serve_aggregator_duty":               {ssz("duty"), req("committee", nil)},
	"serve_sync_contribution_duty":        {ssz("duty"), req("slot", nil), req("subcommittees", listOf(plain("index", "public_keys")))},
	"captured_beacon_committee_selection": plainKeys("validator_index", "slot", "selection_proof"),
	"captured_sync_committee_selection":   plainKeys("validator_index", "slot", "subcommittee_index", "selection_proof"),
	"attestation_submitted":               {ssz("data")},
	"sync_committee_message_submitted":    plainKeys("slot", "beacon_block_root"),
	"aggregate_consensus_decided":         {ssz("instance"), req("aggregate_fork", nil), ssz("aggregate")},
	"contribution_consensus_decided":      {ssz("instance"), ssz("contributions")},
	"captured_aggregate_and_proof":        {req("aggregate_and_proof_fork", nil), ssz("signed_aggregate_and_proof")},
	"captured_contribution_and_proof":     {ssz("signed_contribution_and_proof")},
	"received_aggregation_share":          {ssz("share")},
}

var aggOutputFields = map[string]*Shape{
	"broadcast":                           mapOf(req("message_kind", nil), ssz("message"), req("to", nil)),
	"ignored":                             plain("reason", "slot"),
	"beacon_committee_selection_combined": plain("validator_index", "slot", "selection_proof", "served", "is_aggregator"),
	"sync_committee_selection_combined":   plain("validator_index", "slot", "subcommittee_index", "selection_proof", "served", "is_aggregator"),
	"start_aggregate_consensus":           mapOf(ssz("instance"), ssz("data"), req("committee_index", nil), req("committee", nil)),
	"start_contribution_consensus": mapOf(ssz("instance"),
		req("validities", listOf(plain("slot", "subcommittee_index", "beacon_block_root", "subcommittee")))),
	"cache_aggregate_and_proof_for_vc":    mapOf(req("aggregate_and_proof_fork", nil), ssz("aggregate_and_proof")),
	"cache_contribution_and_proof_for_vc": mapOf(ssz("contribution_and_proof")),
	"submit_aggregate_and_proof":          mapOf(req("aggregate_and_proof_fork", nil), ssz("signed_aggregate_and_proof")),
	"submit_contribution_and_proof":       mapOf(ssz("signed_contribution_and_proof")),
}

func init() {
	FileShapes["dvc_aggregation"] = map[string]*Shape{
		"chain.yaml":  FileShapes["dvc"]["chain.yaml"],
		"config.yaml": FileShapes["dvc"]["config.yaml"],
		"steps.yaml": listOf(&Shape{
			Keys:  append([]Key{req("outputs", listOf(&Shape{OneOf: oneOfShapes(aggOutputFields)}))}, refusal...),
			OneOf: []Key{req("event", &Shape{OneOf: oneOfFields(aggEventFields)})},
		}),
	}
}
