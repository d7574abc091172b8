package simbeacon

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// lookback bounds how far a state or block root is searched for
// (SLOTS_PER_HISTORICAL_ROOT of mainnet, the roots a state keeps).
const lookback = 8192

// resolveSlot maps a state or block id to the slot it names. The chain has
// a block and a state at every slot, so ids resolve to slots.
func (n *Node) resolveSlot(id string, rootOf func(phase0.Slot) phase0.Root, what string) (phase0.Slot, *apiError) {
	cur := n.CurrentSlot()
	epoch := n.chain.epochOf(cur)
	switch id {
	case "head":
		return cur, nil
	case "genesis":
		return 0, nil
	case "finalized":
		return n.chain.startSlot(n.chain.finalized(epoch).Epoch), nil
	case "justified":
		return n.chain.startSlot(n.chain.justified(epoch).Epoch), nil
	}
	if strings.HasPrefix(id, "0x") {
		b, aerr := parseHex(what+" id", id, 32)
		if aerr != nil {
			return 0, aerr
		}
		var root phase0.Root
		copy(root[:], b)
		for s := cur; ; s-- {
			if rootOf(s) == root {
				return s, nil
			}
			if s == 0 || cur-s >= lookback {
				break
			}
		}
		return 0, notFound("%s not found", what)
	}
	v, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return 0, badRequest("invalid %s id: %s", what, id)
	}
	if phase0.Slot(v) > cur {
		return 0, notFound("%s not found", what)
	}
	return phase0.Slot(v), nil
}

func (n *Node) stateSlot(r *request) (phase0.Slot, *apiError) {
	return n.resolveSlot(r.params["state_id"], StateRoot, "state")
}

func (n *Node) isFinalized(slot phase0.Slot) bool {
	fin := n.chain.finalized(n.CurrentEpoch())
	return slot <= n.chain.startSlot(fin.Epoch) && (fin.Epoch > 0 || slot == 0)
}

func (n *Node) handleStateRoot(w http.ResponseWriter, r *request) *apiError {
	slot, aerr := n.stateSlot(r)
	if aerr != nil {
		return aerr
	}
	writeJSON(w, http.StatusOK, &stateEnvelope{Finalized: n.isFinalized(slot), Data: map[string]string{"root": hex0x(StateRoot(slot))}})
	return nil
}

func (n *Node) handleStateFork(w http.ResponseWriter, r *request) *apiError {
	slot, aerr := n.stateSlot(r)
	if aerr != nil {
		return aerr
	}
	f, err := n.cfg.Forks.StateFork(n.chain.epochOf(slot))
	if err != nil {
		return &apiError{status: http.StatusInternalServerError, message: err.Error()}
	}
	writeJSON(w, http.StatusOK, &stateEnvelope{Finalized: n.isFinalized(slot), Data: f})
	return nil
}

func (n *Node) handleFinality(w http.ResponseWriter, r *request) *apiError {
	slot, aerr := n.stateSlot(r)
	if aerr != nil {
		return aerr
	}
	e := n.chain.epochOf(slot)
	writeJSON(w, http.StatusOK, &stateEnvelope{Finalized: n.isFinalized(slot), Data: map[string]*phase0.Checkpoint{
		"previous_justified": n.chain.previousJustified(e),
		"current_justified":  n.chain.justified(e),
		"finalized":          n.chain.finalized(e),
	}})
	return nil
}

// statusFilter parses status filters: a ValidatorStatus or one of the four
// groups. Every simulated validator is active_ongoing.
func statusFilter(statuses []string) (matchAll bool, match bool, aerr *apiError) {
	if len(statuses) == 0 {
		return true, true, nil
	}
	for _, s := range statuses {
		switch s {
		case "active", "active_ongoing":
			match = true
		case "pending_initialized", "pending_queued", "active_exiting", "active_slashed", "exited_unslashed",
			"exited_slashed", "withdrawal_possible", "withdrawal_done", "pending", "exited", "withdrawal":
		default:
			return false, false, badRequest("invalid validator status %q", s)
		}
	}
	return false, match, nil
}

// selectValidators resolves validator ids (indices or public keys);
// unknown validators are skipped, as the endpoint requires.
func (n *Node) selectValidators(ids, statuses []string) ([]*apiv1.Validator, *apiError) {
	all, match, aerr := statusFilter(statuses)
	if aerr != nil {
		return nil, aerr
	}
	chosen := map[phase0.ValidatorIndex]bool{}
	if len(ids) == 0 {
		for i := uint64(0); i < n.reg.size(); i++ {
			chosen[phase0.ValidatorIndex(i)] = true
		}
	}
	for _, id := range ids {
		if strings.HasPrefix(id, "0x") {
			b, aerr := parseHex("validator id", id, 48)
			if aerr != nil {
				return nil, aerr
			}
			var pk phase0.BLSPubKey
			copy(pk[:], b)
			if v, ok := n.reg.byPubkey[pk]; ok {
				chosen[v] = true
			}
			continue
		}
		v, err := strconv.ParseUint(id, 10, 64)
		if err != nil {
			return nil, badRequest("invalid validator id %q", id)
		}
		if v < n.reg.size() {
			chosen[phase0.ValidatorIndex(v)] = true
		}
	}
	out := []*apiv1.Validator{}
	if !all && !match {
		return out, nil
	}
	for v := range chosen {
		out = append(out, n.validator(v))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out, nil
}

func (n *Node) validator(v phase0.ValidatorIndex) *apiv1.Validator {
	return &apiv1.Validator{Index: v, Balance: maxEffectiveBalance, Status: apiv1.ValidatorStateActiveOngoing, Validator: n.reg.validators[v]}
}

func (n *Node) handleValidatorsGet(w http.ResponseWriter, r *request) *apiError {
	slot, aerr := n.stateSlot(r)
	if aerr != nil {
		return aerr
	}
	var ids []string
	for _, v := range r.URL.Query()["id"] {
		ids = append(ids, strings.Split(v, ",")...)
	}
	if len(ids) > 64 {
		return &apiError{status: http.StatusRequestURITooLong, message: "too many validator ids in request (at most 64)"}
	}
	var statuses []string
	for _, v := range r.URL.Query()["status"] {
		statuses = append(statuses, strings.Split(v, ",")...)
	}
	vals, aerr := n.selectValidators(ids, statuses)
	if aerr != nil {
		return aerr
	}
	writeJSON(w, http.StatusOK, &stateEnvelope{Finalized: n.isFinalized(slot), Data: vals})
	return nil
}

func (n *Node) handleValidatorsPost(w http.ResponseWriter, r *request) *apiError {
	slot, aerr := n.stateSlot(r)
	if aerr != nil {
		return aerr
	}
	if _, aerr := bodyIsSSZ(r, false); aerr != nil {
		return aerr
	}
	var body struct {
		IDs      []string `json:"ids"`
		Statuses []string `json:"statuses"`
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		return badRequest("invalid request body: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("malformed JSON: data after the top-level value")
	}
	vals, aerr := n.selectValidators(body.IDs, body.Statuses)
	if aerr != nil {
		return aerr
	}
	writeJSON(w, http.StatusOK, &stateEnvelope{Finalized: n.isFinalized(slot), Data: vals})
	return nil
}

func (n *Node) handleValidator(w http.ResponseWriter, r *request) *apiError {
	slot, aerr := n.stateSlot(r)
	if aerr != nil {
		return aerr
	}
	vals, aerr := n.selectValidators([]string{r.params["validator_id"]}, nil)
	if aerr != nil {
		return aerr
	}
	if len(vals) == 0 {
		return notFound("validator not found")
	}
	writeJSON(w, http.StatusOK, &stateEnvelope{Finalized: n.isFinalized(slot), Data: vals[0]})
	return nil
}

func (n *Node) handleCommittees(w http.ResponseWriter, r *request) *apiError {
	stateSlot, aerr := n.stateSlot(r)
	if aerr != nil {
		return aerr
	}
	epoch := n.chain.epochOf(stateSlot)
	if v, ok, aerr := queryUint(r, "epoch", false); aerr != nil {
		return aerr
	} else if ok {
		if v > uint64(epoch)+1 {
			return badRequest("epoch %d is more than one epoch after the state's epoch %d", v, epoch)
		}
		epoch = phase0.Epoch(v)
	}
	index, hasIndex, aerr := queryUint(r, "index", false)
	if aerr != nil {
		return aerr
	}
	slotFilter, hasSlot, aerr := queryUint(r, "slot", false)
	if aerr != nil {
		return aerr
	}
	if hasSlot && n.chain.epochOf(phase0.Slot(slotFilter)) != epoch {
		return badRequest("slot %d does not belong in epoch %d", slotFilter, epoch)
	}
	ec := n.chain.epoch(epoch)
	out := []*apiv1.BeaconCommittee{}
	for k, members := range ec.committees {
		slot := n.chain.startSlot(epoch) + phase0.Slot(uint64(k)/ec.perSlot)
		ci := uint64(k) % ec.perSlot
		if (hasIndex && ci != index) || (hasSlot && uint64(slot) != slotFilter) {
			continue
		}
		out = append(out, &apiv1.BeaconCommittee{Slot: slot, Index: phase0.CommitteeIndex(ci), Validators: members})
	}
	writeJSON(w, http.StatusOK, &stateEnvelope{Finalized: n.isFinalized(stateSlot), Data: out})
	return nil
}

// handleSyncCommittees serves the sync committee of the state's period, or
// of the period of the epoch asked for (the state's period or the next):
// its members in committee order and split into subcommittees.
func (n *Node) handleSyncCommittees(w http.ResponseWriter, r *request) *apiError {
	stateSlot, aerr := n.stateSlot(r)
	if aerr != nil {
		return aerr
	}
	epoch := n.chain.epochOf(stateSlot)
	if n.chain.fork(epoch).Name < eth2spec.DataVersionAltair {
		return badRequest("no sync committees before Altair (state epoch %d)", epoch)
	}
	period := n.chain.period(epoch)
	if v, ok, aerr := queryUint(r, "epoch", false); aerr != nil {
		return aerr
	} else if ok {
		p := n.chain.period(phase0.Epoch(v))
		if p != period && p != period+1 {
			return badRequest("epoch %d is not in the state's sync committee period %d or the next", v, period)
		}
		period = p
	}
	members := n.chain.sync(period).members
	size := n.chain.subcommitteeSize()
	subs := make([][]phase0.ValidatorIndex, 0, n.chain.syncSubnets)
	for i := uint64(0); i < n.chain.syncSubnets; i++ {
		subs = append(subs, members[i*size:(i+1)*size])
	}
	writeJSON(w, http.StatusOK, &stateEnvelope{Finalized: n.isFinalized(stateSlot), Data: &apiv1.SyncCommittee{Validators: members, ValidatorAggregates: subs}})
	return nil
}

func (n *Node) blockSlot(r *request) (phase0.Slot, *apiError) {
	return n.resolveSlot(r.params["block_id"], BlockRoot, "block")
}

// bodyRoot is the synthetic body root of the block header at slot.
func bodyRoot(slot phase0.Slot) phase0.Root {
	return taggedRoot("dvspec-simbeacon-body-root", uint64(slot))
}

// infinitySignature is the compressed G2 point at infinity, the only
// signature-shaped value that decodes without being anyone's signature.
var infinitySignature = phase0.BLSSignature{0xc0}

func (n *Node) handleHeader(w http.ResponseWriter, r *request) *apiError {
	slot, aerr := n.blockSlot(r)
	if aerr != nil {
		return aerr
	}
	var proposer phase0.ValidatorIndex
	parent := phase0.Root{}
	if slot > 0 {
		proposer = n.chain.proposer(slot)
		parent = BlockRoot(slot - 1)
	}
	writeJSON(w, http.StatusOK, &stateEnvelope{Finalized: n.isFinalized(slot), Data: &apiv1.BeaconBlockHeader{
		Root:      BlockRoot(slot),
		Canonical: true,
		Header: &phase0.SignedBeaconBlockHeader{
			Message: &phase0.BeaconBlockHeader{
				Slot: slot, ProposerIndex: proposer, ParentRoot: parent,
				StateRoot: StateRoot(slot), BodyRoot: bodyRoot(slot),
			},
			Signature: infinitySignature,
		},
	}})
	return nil
}

func (n *Node) handleBlockRoot(w http.ResponseWriter, r *request) *apiError {
	slot, aerr := n.blockSlot(r)
	if aerr != nil {
		return aerr
	}
	writeJSON(w, http.StatusOK, &stateEnvelope{Finalized: n.isFinalized(slot), Data: map[string]string{"root": hex0x(BlockRoot(slot))}})
	return nil
}

// requireAltair refuses sync committee requests for a pre-Altair epoch.
func (n *Node) requireAltair(epoch phase0.Epoch) *apiError {
	if f := n.chain.fork(epoch); f.Name < eth2spec.DataVersionAltair {
		return badRequest("epoch %d is in %s; sync committees start at Altair", epoch, f.Name)
	}
	return nil
}
