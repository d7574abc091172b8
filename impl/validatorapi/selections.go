package validatorapi

import (
	"encoding/json"
	"fmt"
	"net/http"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty"
)

// selKey is one selection proof: a validator's slot signature
// (sub = noSub) or sync selection proof of subcommittee sub.
type selKey struct {
	vi   phase0.ValidatorIndex
	slot phase0.Slot
	sub  uint64
}

// noSub marks a beacon committee selection in a selKey.
const noSub = ^uint64(0)

type selection struct {
	proof      phase0.BLSSignature
	aggregator bool
}

// aggCache holds what the aggregation flows of the node's validators
// handed over for the VC (SPEC.md section 12): the combined selection
// proofs and the decided aggregates and contributions. Its waiting and
// pruning are a cache's (c); the maps below are guarded by c.mu.
type aggCache struct {
	c        *cache
	sels     map[selKey]selection
	aggs     map[key]*eth2spec.VersionedAggregateAndProof
	contribs map[selKey]*altair.ContributionAndProof
}

func newAggCache() *aggCache {
	return &aggCache{c: newCache(), sels: map[selKey]selection{}, aggs: map[key]*eth2spec.VersionedAggregateAndProof{}, contribs: map[selKey]*altair.ContributionAndProof{}}
}

// update is cache.update for the aggregation maps (pruned as its own).
func (a *aggCache) update(slot phase0.Slot, f func()) {
	a.c.update(slot, func() {
		f()
		if slot <= keepSlots {
			return
		}
		old := slot - keepSlots
		for k := range a.sels {
			if k.slot < old {
				delete(a.sels, k)
			}
		}
		for k := range a.aggs {
			if k.slot < old {
				delete(a.aggs, k)
			}
		}
		for k := range a.contribs {
			if k.slot < old {
				delete(a.contribs, k)
			}
		}
	})
}

// CacheBeaconCommitteeSelection takes the node's
// aggduty.BeaconCommitteeSelectionCombined: the combined slot signature,
// the answer of beacon_committee_selections.
func (s *Server) CacheBeaconCommitteeSelection(sel *apiv1.BeaconCommitteeSelection, isAggregator bool) error {
	if sel == nil || s.byIndex[sel.ValidatorIndex] == nil {
		return fmt.Errorf("validatorapi: selection without a validator of this node")
	}
	s.cacheSelection(beaconSelections.key(sel), selection{sel.SelectionProof, isAggregator})
	return nil
}

// CacheSyncCommitteeSelection takes the node's
// aggduty.SyncCommitteeSelectionCombined: the answer of
// sync_committee_selections for one subcommittee.
func (s *Server) CacheSyncCommitteeSelection(sel *ethnode.SyncCommitteeSelection, isAggregator bool) error {
	if sel == nil || s.byIndex[sel.ValidatorIndex] == nil || sel.SubcommitteeIndex == noSub {
		return fmt.Errorf("validatorapi: sync selection without a validator of this node")
	}
	s.cacheSelection(syncSelections.key(sel), selection{sel.SelectionProof, isAggregator})
	return nil
}

func (s *Server) cacheSelection(k selKey, sel selection) {
	s.agg.update(k.slot, func() { s.agg.sels[k] = sel })
}

// selectionEndpoint is what tells the two DVT selection endpoints apart,
// over their item type E; serveSelections is the flow they share.
type selectionEndpoint[E any] struct {
	// noun names an item in the endpoint's error messages.
	noun string
	// key is the selection an item asks for (and its validator).
	key func(*E) selKey
	// captured is the event that hands the item's share to the node.
	captured func(*E) dvc.Event
	// answer is the item answered for a combined proof.
	answer func(selKey, phase0.BLSSignature) *E
}

// beaconSelections keys a slot selection per (validator, slot).
var beaconSelections = selectionEndpoint[apiv1.BeaconCommitteeSelection]{
	noun: "beacon committee selection",
	key: func(sel *apiv1.BeaconCommitteeSelection) selKey {
		return selKey{sel.ValidatorIndex, sel.Slot, noSub}
	},
	captured: func(sel *apiv1.BeaconCommitteeSelection) dvc.Event {
		return aggduty.CapturedBeaconCommitteeSelection{Selection: sel}
	},
	answer: func(k selKey, proof phase0.BLSSignature) *apiv1.BeaconCommitteeSelection {
		return &apiv1.BeaconCommitteeSelection{ValidatorIndex: k.vi, Slot: k.slot, SelectionProof: proof}
	},
}

// syncSelections keys a sync selection per (validator, slot,
// subcommittee).
var syncSelections = selectionEndpoint[ethnode.SyncCommitteeSelection]{
	noun: "sync committee selection",
	key: func(sel *ethnode.SyncCommitteeSelection) selKey {
		return selKey{sel.ValidatorIndex, sel.Slot, sel.SubcommitteeIndex}
	},
	captured: func(sel *ethnode.SyncCommitteeSelection) dvc.Event {
		return aggduty.CapturedSyncCommitteeSelection{Selection: sel}
	},
	answer: func(k selKey, proof phase0.BLSSignature) *ethnode.SyncCommitteeSelection {
		return &ethnode.SyncCommitteeSelection{ValidatorIndex: k.vi, Slot: k.slot, SubcommitteeIndex: k.sub, SelectionProof: proof}
	},
}

// beaconCommitteeSelections answers POST
// /eth/v1/validator/beacon_committee_selections (serveSelections).
func (s *Server) beaconCommitteeSelections(w http.ResponseWriter, r *http.Request) {
	serveSelections(s, w, r, beaconSelections)
}

// syncCommitteeSelections answers POST
// /eth/v1/validator/sync_committee_selections (serveSelections).
func (s *Server) syncCommitteeSelections(w http.ResponseWriter, r *http.Request) {
	serveSelections(s, w, r, syncSelections)
}

// serveSelections answers a DVT selection endpoint of the beacon API
// (beacon-APIs, the DVT middleware endpoints): the VC's selection proofs
// are partial signatures with its key shares; each is captured (verified
// against the share key and sent to the co-validators) and the answer is
// the combined proofs, in request order, waited for within the request's
// deadline. A refused item makes the answer a 400 naming it; what was not
// combined in time is left out of the answer (503 when nothing was).
func serveSelections[E any](s *Server, w http.ResponseWriter, r *http.Request, e selectionEndpoint[E]) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	var list []*E
	if err := json.Unmarshal(body, &list); err != nil {
		writeError(w, http.StatusBadRequest, "invalid "+e.noun+" list: "+err.Error())
		return
	}
	keys := make([]selKey, len(list))
	var failures []ethnode.IndexedFailure
	var errs []error
	for i, sel := range list {
		var err error
		if sel != nil {
			keys[i] = e.key(sel)
		}
		switch val := s.byIndex[keys[i].vi]; {
		case sel == nil:
			err = fmt.Errorf("empty selection")
		case val == nil:
			err = fmt.Errorf("validator %d is not a validator of this DV node", keys[i].vi)
		default:
			err = s.cfg.Node.Capture(r.Context(), val.Pubkey, e.captured(sel))
		}
		if err != nil {
			failures = append(failures, ethnode.IndexedFailure{Index: i, Message: err.Error()})
			errs = append(errs, err)
		}
	}
	if len(failures) > 0 {
		writeRefusals(w, "some "+e.noun+"s were refused", len(list), failures, errs)
		return
	}
	out := make([]*E, 0, len(keys))
	for _, k := range s.combined(r, keys) {
		out = append(out, e.answer(k, s.selProof(k)))
	}
	s.answerSelections(w, len(keys), len(out), out)
}

// writeRefusals answers refused items: the 400 with failures, or, when
// every item was refused for a reason with one status of its own (501: the
// node runs no such flow), that status.
func writeRefusals(w http.ResponseWriter, msg string, n int, failures []ethnode.IndexedFailure, errs []error) {
	if len(errs) == n && n > 0 {
		code := statusOf(errs[0])
		same := code != http.StatusInternalServerError
		for _, err := range errs[1:] {
			same = same && statusOf(err) == code
		}
		if same && code != http.StatusBadRequest {
			writeError(w, code, errs[0].Error())
			return
		}
	}
	writeFailures(w, msg, failures)
}

// combined waits, within the request's deadline, until every key's proof
// is combined and returns the keys that are, in request order.
func (s *Server) combined(r *http.Request, keys []selKey) []selKey {
	ctx, cancel := s.waitCtx(r)
	defer cancel()
	all := func() bool {
		for _, k := range keys {
			if _, ok := s.agg.sels[k]; !ok {
				return false
			}
		}
		return true
	}
	s.agg.c.wait(ctx, all)
	var out []selKey
	s.agg.c.read(func() {
		for _, k := range keys {
			if _, ok := s.agg.sels[k]; ok {
				out = append(out, k)
			}
		}
	})
	return out
}

func (s *Server) selProof(k selKey) phase0.BLSSignature {
	var p phase0.BLSSignature
	s.agg.c.read(func() { p = s.agg.sels[k].proof })
	return p
}

func (s *Server) answerSelections(w http.ResponseWriter, asked, got int, data any) {
	if asked > 0 && got == 0 {
		writeError(w, http.StatusServiceUnavailable, fmt.Sprintf("no selection proof was combined with the other nodes' shares within %s", s.cfg.Timeout))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
}
