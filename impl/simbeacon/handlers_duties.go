package simbeacon

import (
	"net/http"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// dutyEpoch parses {epoch} and refuses epochs more than one epoch ahead,
// whose shuffling a real beacon node cannot know yet.
func (n *Node) dutyEpoch(r *request) (phase0.Epoch, *apiError) {
	v, aerr := pathUint(r, "epoch")
	if aerr != nil {
		return 0, aerr
	}
	if cur := n.CurrentEpoch(); v > uint64(cur)+1 {
		return 0, badRequest("invalid epoch %d: more than one epoch after the current epoch %d", v, cur)
	}
	return phase0.Epoch(v), nil
}

// requestedValidators parses a duties or liveness body: known validator
// indices, without repeats, in request order.
func (n *Node) requestedValidators(r *request) ([]phase0.ValidatorIndex, *apiError) {
	if _, aerr := bodyIsSSZ(r, false); aerr != nil {
		return nil, aerr
	}
	raw, aerr := decodeIndexList(r.body)
	if aerr != nil {
		return nil, aerr
	}
	seen := map[uint64]bool{}
	out := make([]phase0.ValidatorIndex, 0, len(raw))
	for _, v := range raw {
		if v >= n.reg.size() {
			return nil, badRequest("invalid validator index %d: the registry has %d validators", v, n.reg.size())
		}
		if !seen[v] {
			seen[v] = true
			out = append(out, phase0.ValidatorIndex(v))
		}
	}
	return out, nil
}

func (n *Node) handleAttesterDuties(w http.ResponseWriter, r *request) *apiError {
	epoch, aerr := n.dutyEpoch(r)
	if aerr != nil {
		return aerr
	}
	vals, aerr := n.requestedValidators(r)
	if aerr != nil {
		return aerr
	}
	ec := n.chain.epoch(epoch)
	duties := make([]*apiv1.AttesterDuty, 0, len(vals))
	for _, v := range vals {
		a := ec.duty[v]
		duties = append(duties, &apiv1.AttesterDuty{
			PubKey:                  n.reg.pubkeys[v],
			Slot:                    a.slot,
			ValidatorIndex:          v,
			CommitteeIndex:          a.committee,
			CommitteeLength:         a.length,
			CommitteesAtSlot:        ec.perSlot,
			ValidatorCommitteeIndex: a.position,
		})
	}
	writeJSON(w, http.StatusOK, &dutiesEnvelope{DependentRoot: hex0x(n.chain.attesterDependentRoot(epoch)), Data: duties})
	return nil
}

func (n *Node) handleProposerDuties(w http.ResponseWriter, r *request) *apiError {
	epoch, aerr := n.dutyEpoch(r)
	if aerr != nil {
		return aerr
	}
	duties := make([]*apiv1.ProposerDuty, 0, n.chain.slotsPerEpoch)
	start := n.chain.startSlot(epoch)
	for i := uint64(0); i < n.chain.slotsPerEpoch; i++ {
		slot := start + phase0.Slot(i)
		if slot == 0 {
			continue // the genesis block has no proposer
		}
		v := n.chain.proposer(slot)
		duties = append(duties, &apiv1.ProposerDuty{PubKey: n.reg.pubkeys[v], Slot: slot, ValidatorIndex: v})
	}
	writeJSON(w, http.StatusOK, &dutiesEnvelope{DependentRoot: hex0x(n.chain.proposerDependentRoot(epoch)), Data: duties})
	return nil
}

func (n *Node) handleSyncDuties(w http.ResponseWriter, r *request) *apiError {
	v, aerr := pathUint(r, "epoch")
	if aerr != nil {
		return aerr
	}
	epoch := phase0.Epoch(v)
	cur := n.CurrentEpoch()
	if n.chain.period(epoch) > n.chain.period(cur)+1 {
		return badRequest("invalid epoch %d: its sync committee period is more than one after the current period", v)
	}
	if aerr := n.requireAltair(epoch); aerr != nil {
		return aerr
	}
	vals, aerr := n.requestedValidators(r)
	if aerr != nil {
		return aerr
	}
	sc := n.chain.sync(n.chain.period(epoch))
	duties := []*apiv1.SyncCommitteeDuty{}
	for _, v := range vals {
		pos := sc.positions[v]
		if len(pos) == 0 {
			continue
		}
		d := &apiv1.SyncCommitteeDuty{PubKey: n.reg.pubkeys[v], ValidatorIndex: v}
		for _, p := range pos {
			d.ValidatorSyncCommitteeIndices = append(d.ValidatorSyncCommitteeIndices, phase0.CommitteeIndex(p))
		}
		duties = append(duties, d)
	}
	writeJSON(w, http.StatusOK, &optimisticEnvelope{Data: duties})
	return nil
}

func (n *Node) handleLiveness(w http.ResponseWriter, r *request) *apiError {
	v, aerr := pathUint(r, "epoch")
	if aerr != nil {
		return aerr
	}
	if cur := n.CurrentEpoch(); v > uint64(cur) {
		return badRequest("invalid epoch %d: after the current epoch %d", v, cur)
	}
	vals, aerr := n.requestedValidators(r)
	if aerr != nil {
		return aerr
	}
	out := make([]*apiv1.ValidatorLiveness, 0, len(vals))
	for _, idx := range vals {
		out = append(out, &apiv1.ValidatorLiveness{Index: idx, IsLive: n.rec.isLive(phase0.Epoch(v), idx)})
	}
	writeJSON(w, http.StatusOK, &dataEnvelope{Data: out})
	return nil
}
