package validatorapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/attestantio/go-eth2-client/api"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/dvc"
)

// attestationData answers GET /eth/v1/validator/attestation_data with the
// data the cluster decided for the slot (and, before Electra, the
// committee), waiting for the decision within the timeout.
func (s *Server) attestationData(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	slot, err := parseSlot(q.Get("slot"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ci, err := strconv.ParseUint(q.Get("committee_index"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("invalid committee_index %q", q.Get("committee_index")))
		return
	}
	// From Electra the data carries index 0 and does not depend on the
	// committee (the VC asks once per slot).
	anyCommittee := false
	if f, err := s.cfg.Chain.ForkAtSlot(slot); err == nil && f.Name >= eth2spec.DataVersionElectra {
		anyCommittee = true
	}
	// The VC asks once for all its validators of the slot (committee),
	// but each validator's data is decided by its own instance: the answer
	// waits for all of them and is the data most of them decided (those
	// that decided other data cannot attest with the VC's request).
	matches := func() map[phase0.Root]*phase0.AttestationData {
		out := map[phase0.Root]*phase0.AttestationData{}
		for k, e := range s.cache.atts {
			if k.slot == slot && (anyCommittee || uint64(e.duty.CommitteeIndex) == ci) {
				if r, err := e.data.HashTreeRoot(); err == nil {
					out[r] = e.data
				}
			}
		}
		return out
	}
	counts := func() map[phase0.Root]int {
		out := map[phase0.Root]int{}
		for k, e := range s.cache.atts {
			if k.slot == slot && (anyCommittee || uint64(e.duty.CommitteeIndex) == ci) {
				if r, err := e.data.HashTreeRoot(); err == nil {
					out[r]++
				}
			}
		}
		return out
	}
	expected := func() int {
		n := 0
		for _, c := range s.cache.attDuties[slot] {
			if anyCommittee || uint64(c) == ci {
				n++
			}
		}
		return n
	}
	var data *phase0.AttestationData
	s.gather(r, func() bool {
		c := counts()
		total := 0
		for _, n := range c {
			total += n
		}
		return total > 0 && total >= expected()
	}, func() {
		if r, ok := mostCommon(counts()); ok {
			data = matches()[r]
		}
	})
	if data == nil {
		writeError(w, http.StatusServiceUnavailable, fmt.Sprintf("no attestation data decided for slot %d committee %d within %s", slot, ci, s.cfg.Timeout))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
}

// produceBlock answers GET /eth/v3/validator/blocks/{slot}: the VC's RANDAO
// reveal, a partial signature with its key share, is captured (the DVC
// verifies it, the shares are combined and consensus runs on a block
// built with the combined reveal), and the decided block is the answer.
// The VC's graffiti is not used: the block is the cluster's.
func (s *Server) produceBlock(w http.ResponseWriter, r *http.Request) {
	slot, err := parseSlot(r.PathValue("slot"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	rb, err := queryHex(r.URL.Query(), "randao_reveal", phase0.SignatureLength)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	var reveal phase0.BLSSignature
	copy(reveal[:], rb)
	ctx, cancel := s.waitCtx(r)
	defer cancel()
	pk, ok := s.proposerAt(ctx, slot)
	if !ok {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("no validator of this DV node proposes at slot %d", slot))
		return
	}
	// The VC may ask before the node's scheduler served the duty (both act
	// at the slot start): the DVC's "no current proposer duty" (its only
	// ErrNotDecided for a RANDAO reveal) is retried.
retry:
	for {
		err = s.cfg.Node.Capture(ctx, pk, dvc.CapturedRandaoReveal{Slot: slot, RandaoReveal: reveal})
		if err == nil || !errors.Is(err, dvc.ErrNotDecided) {
			break
		}
		select {
		case <-ctx.Done():
			break retry
		case <-time.After(20 * time.Millisecond):
		}
	}
	if err != nil {
		writeError(w, statusOf(err), "RANDAO reveal refused: "+err.Error())
		return
	}
	var prop *api.VersionedProposal
	if !s.cache.wait(ctx, func() bool {
		prop = s.cache.blocks[key{pk, slot}]
		return prop != nil
	}) {
		writeError(w, http.StatusServiceUnavailable, fmt.Sprintf("no block decided for slot %d within %s", slot, s.cfg.Timeout))
		return
	}
	w.Header().Set("Eth-Consensus-Version", prop.Version.String())
	w.Header().Set("Eth-Execution-Payload-Blinded", "false")
	w.Header().Set("Eth-Execution-Payload-Value", "0")
	w.Header().Set("Eth-Consensus-Block-Value", "0")
	if prefersSSZ(r) {
		s.writeProposalSSZ(w, prop)
		return
	}
	data, err := proposalJSON(prop)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"version": prop.Version.String(), "execution_payload_blinded": false,
		"execution_payload_value": "0", "consensus_block_value": "0", "data": data,
	})
}

// proposalJSON is the data of a v3 block production answer. A block with
// missing fields makes go-eth2-client's marshalling panic: an error here.
func proposalJSON(p *api.VersionedProposal) (_ json.RawMessage, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("encoding the %s block: %v", p.Version, r)
		}
	}()
	var v any
	switch p.Version {
	case eth2spec.DataVersionPhase0:
		v = p.Phase0
	case eth2spec.DataVersionAltair:
		v = p.Altair
	case eth2spec.DataVersionBellatrix:
		v = p.Bellatrix
	case eth2spec.DataVersionCapella:
		v = p.Capella
	case eth2spec.DataVersionDeneb:
		v = p.Deneb
	case eth2spec.DataVersionElectra:
		v = p.Electra
	case eth2spec.DataVersionFulu:
		v = p.Fulu
	default:
		return nil, fmt.Errorf("unsupported block version %s", p.Version)
	}
	return json.Marshal(v)
}

// headRoot answers GET /eth/v1/beacon/blocks/head/root. A VC signs its
// sync committee message over this root, so while a validator of the node
// is in the sync committee it is the block root the cluster decided for
// the current slot (waited for); otherwise the beacon node answers.
func (s *Server) headRoot(w http.ResponseWriter, r *http.Request) {
	slot := s.currentSlot()
	epoch := s.epochOf(slot)
	var inSync bool
	s.cache.read(func() { inSync = len(s.cache.syncVals[epoch]) > 0 })
	if !inSync {
		s.proxy.ServeHTTP(w, r)
		return
	}
	counts := func() map[phase0.Root]int {
		out := map[phase0.Root]int{}
		for k, c := range s.cache.syncs {
			if k.slot == slot {
				out[c.BeaconBlockRoot]++
			}
		}
		return out
	}
	var (
		root  phase0.Root
		found bool
	)
	s.gather(r, func() bool {
		total := 0
		for _, n := range counts() {
			total += n
		}
		return total > 0 && total >= len(s.cache.syncVals[epoch])
	}, func() { root, found = mostCommon(counts()) })
	if !found {
		writeError(w, http.StatusServiceUnavailable, fmt.Sprintf("no sync committee block root decided for slot %d within %s", slot, s.cfg.Timeout))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"execution_optimistic": false, "finalized": false,
		"data": map[string]string{"root": fmt.Sprintf("%#x", root[:])}})
}

// gather waits (under the cache lock) until all is true or three quarters
// of the timeout passed, so that the VC still gets an answer in its slot,
// then calls pick.
func (s *Server) gather(r *http.Request, all func() bool, pick func()) {
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.Timeout*3/4)
	defer cancel()
	s.cache.wait(ctx, all)
	s.cache.read(pick)
}

// mostCommon is the root with the highest count, the lowest root on a tie.
func mostCommon(counts map[phase0.Root]int) (phase0.Root, bool) {
	var (
		best  phase0.Root
		n     int
		found bool
	)
	for r, c := range counts {
		if c > n || (c == n && bytes.Compare(r[:], best[:]) < 0) {
			best, n, found = r, c, true
		}
	}
	return best, found
}
