package validatorapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty"
)

// CacheAggregateAndProofForVC takes the node's
// aggduty.CacheAggregateAndProofForVC: the decided aggregate of the
// aggregator, which the VC gets from aggregate_attestation and signs as
// this AggregateAndProof.
func (s *Server) CacheAggregateAndProofForVC(_ context.Context, ap *eth2spec.VersionedAggregateAndProof) error {
	vi, slot, att, err := aggregateParts(ap)
	if err != nil {
		return fmt.Errorf("validatorapi: %w", err)
	}
	if s.byIndex[vi] == nil || att == nil {
		return fmt.Errorf("validatorapi: aggregate and proof without a validator of this node")
	}
	s.agg.update(slot, func() { s.agg.aggs[key{s.byIndex[vi].Pubkey, slot}] = ap })
	return nil
}

// CacheContributionAndProofForVC takes the node's
// aggduty.CacheContributionAndProofForVC: the decided contribution, which
// the VC gets from sync_committee_contribution.
func (s *Server) CacheContributionAndProofForVC(_ context.Context, cp *altair.ContributionAndProof) error {
	if cp == nil || cp.Contribution == nil || s.byIndex[cp.AggregatorIndex] == nil {
		return fmt.Errorf("validatorapi: contribution and proof without a validator of this node")
	}
	c := cp.Contribution
	s.agg.update(c.Slot, func() { s.agg.contribs[selKey{cp.AggregatorIndex, c.Slot, c.SubcommitteeIndex}] = cp })
	return nil
}

// aggregateParts is the aggregator, slot and aggregate of an unsigned
// aggregate and proof (the aggregate as its versioned attestation).
func aggregateParts(ap *eth2spec.VersionedAggregateAndProof) (phase0.ValidatorIndex, phase0.Slot, *eth2spec.VersionedAttestation, error) {
	if ap == nil {
		return 0, 0, nil, fmt.Errorf("no aggregate and proof")
	}
	att := &eth2spec.VersionedAttestation{Version: ap.Version}
	var m *phase0.AggregateAndProof
	switch ap.Version {
	case eth2spec.DataVersionPhase0:
		m = ap.Phase0
	case eth2spec.DataVersionAltair:
		m = ap.Altair
	case eth2spec.DataVersionBellatrix:
		m = ap.Bellatrix
	case eth2spec.DataVersionCapella:
		m = ap.Capella
	case eth2spec.DataVersionDeneb:
		m = ap.Deneb
	case eth2spec.DataVersionElectra, eth2spec.DataVersionFulu:
		e := ap.Electra
		if ap.Version == eth2spec.DataVersionFulu {
			e = ap.Fulu
		}
		if e == nil || e.Aggregate == nil || e.Aggregate.Data == nil {
			return 0, 0, nil, fmt.Errorf("empty %s aggregate and proof", ap.Version)
		}
		if ap.Version == eth2spec.DataVersionFulu {
			att.Fulu = e.Aggregate
		} else {
			att.Electra = e.Aggregate
		}
		return e.AggregatorIndex, e.Aggregate.Data.Slot, att, nil
	default:
		return 0, 0, nil, fmt.Errorf("unsupported version %s", ap.Version)
	}
	if m == nil || m.Aggregate == nil || m.Aggregate.Data == nil {
		return 0, 0, nil, fmt.Errorf("empty %s aggregate and proof", ap.Version)
	}
	switch ap.Version {
	case eth2spec.DataVersionPhase0:
		att.Phase0 = m.Aggregate
	case eth2spec.DataVersionAltair:
		att.Altair = m.Aggregate
	case eth2spec.DataVersionBellatrix:
		att.Bellatrix = m.Aggregate
	case eth2spec.DataVersionCapella:
		att.Capella = m.Aggregate
	default:
		att.Deneb = m.Aggregate
	}
	return m.AggregatorIndex, m.Aggregate.Data.Slot, att, nil
}

// aggregateAttestation answers GET /eth/v1|v2/validator/aggregate_attestation
// with the aggregate the cluster decided for the attestation data (and,
// from Electra, the committee), waiting for the decisions of the node's
// aggregators of that slot within the timeout. The request names no
// aggregator: when two of the node's validators decided different
// aggregates of one committee, the one most of them decided is the answer
// (the others' AggregateAndProof shares will not match their decisions and
// are refused).
func (s *Server) aggregateAttestation(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	slot, err := parseSlot(q.Get("slot"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	rb, err := queryHex(q, "attestation_data_root", 32)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	var root phase0.Root
	copy(root[:], rb)
	v2 := strings.HasPrefix(r.URL.Path, "/eth/v2/")
	var ci *uint64
	if v2 {
		c, err := strconv.ParseUint(q.Get("committee_index"), 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("invalid committee_index %q", q.Get("committee_index")))
			return
		}
		ci = &c
	}
	fork, err := s.cfg.Chain.ForkAtSlot(slot)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if !v2 && fork.Name >= eth2spec.DataVersionElectra {
		writeError(w, http.StatusBadRequest, "GET /eth/v1/validator/aggregate_attestation serves no Electra aggregates: use v2")
		return
	}
	match := func(a *eth2spec.VersionedAttestation) bool {
		d, err := a.Data()
		if err != nil || d.Slot != slot {
			return false
		}
		if dr, err := d.HashTreeRoot(); err != nil || dr != root {
			return false
		}
		if ci == nil {
			return true
		}
		if a.Version >= eth2spec.DataVersionElectra {
			bits, err := a.CommitteeBits()
			return err == nil && onlyBit(bits, *ci)
		}
		return uint64(d.Index) == *ci
	}
	matching := func() map[phase0.Root]*eth2spec.VersionedAttestation {
		out := map[phase0.Root]*eth2spec.VersionedAttestation{}
		for k, ap := range s.agg.aggs {
			if k.slot != slot {
				continue
			}
			if _, _, a, err := aggregateParts(ap); err == nil && match(a) {
				if hr, err := attestationRoot(a); err == nil {
					out[hr] = a
				}
			}
		}
		return out
	}
	counts := func() map[phase0.Root]int {
		out := map[phase0.Root]int{}
		for k, ap := range s.agg.aggs {
			if k.slot != slot {
				continue
			}
			if _, _, a, err := aggregateParts(ap); err == nil && match(a) {
				if hr, err := attestationRoot(a); err == nil {
					out[hr]++
				}
			}
		}
		return out
	}
	// The node's aggregators at the slot (from their combined selection
	// proofs) are the decisions worth waiting for.
	expected := func() int {
		n := 0
		for k, sel := range s.agg.sels {
			if k.slot == slot && k.sub == noSub && sel.aggregator {
				n++
			}
		}
		return n
	}
	var att *eth2spec.VersionedAttestation
	ctx, cancel := s.waitCtx(r)
	defer cancel()
	// At least one decision (within the timeout), then all expected ones
	// within three quarters of it.
	s.agg.c.wait(ctx, func() bool { return len(counts()) > 0 })
	gctx, gcancel := context.WithTimeout(ctx, s.cfg.Timeout*3/4)
	defer gcancel()
	s.agg.c.wait(gctx, func() bool {
		total := 0
		for _, n := range counts() {
			total += n
		}
		return total >= expected()
	})
	s.agg.c.read(func() {
		if hr, ok := mostCommon(counts()); ok {
			att = matching()[hr]
		}
	})
	if att == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no aggregate decided for slot %d and attestation data %#x within %s", slot, root[:4], s.cfg.Timeout))
		return
	}
	data, err := attestationJSON(att)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if !v2 {
		writeJSON(w, http.StatusOK, map[string]any{"data": data})
		return
	}
	w.Header().Set("Eth-Consensus-Version", att.Version.String())
	writeJSON(w, http.StatusOK, map[string]any{"version": att.Version.String(), "data": data})
}

// onlyBit tells whether bit i is the one bit set in bits. The bytes are
// read directly: go-bitfield's Bitvector64 methods refuse a vector of
// another preset's length (MAX_COMMITTEES_PER_SLOT is 4 on minimal).
func onlyBit(bits []byte, i uint64) bool {
	n := 0
	for _, b := range bits {
		for ; b != 0; b &= b - 1 {
			n++
		}
	}
	return n == 1 && i/8 < uint64(len(bits)) && bits[i/8]&(1<<(i%8)) != 0
}

func attestationRoot(a *eth2spec.VersionedAttestation) (phase0.Root, error) {
	if a.Version >= eth2spec.DataVersionElectra {
		e := a.Electra
		if a.Version == eth2spec.DataVersionFulu {
			e = a.Fulu
		}
		if e == nil {
			return phase0.Root{}, fmt.Errorf("empty attestation")
		}
		return e.HashTreeRoot()
	}
	p := map[eth2spec.DataVersion]*phase0.Attestation{
		eth2spec.DataVersionPhase0: a.Phase0, eth2spec.DataVersionAltair: a.Altair, eth2spec.DataVersionBellatrix: a.Bellatrix,
		eth2spec.DataVersionCapella: a.Capella, eth2spec.DataVersionDeneb: a.Deneb,
	}[a.Version]
	if p == nil {
		return phase0.Root{}, fmt.Errorf("empty attestation")
	}
	return p.HashTreeRoot()
}

func attestationJSON(a *eth2spec.VersionedAttestation) (json.RawMessage, error) {
	switch a.Version {
	case eth2spec.DataVersionPhase0:
		return json.Marshal(a.Phase0)
	case eth2spec.DataVersionAltair:
		return json.Marshal(a.Altair)
	case eth2spec.DataVersionBellatrix:
		return json.Marshal(a.Bellatrix)
	case eth2spec.DataVersionCapella:
		return json.Marshal(a.Capella)
	case eth2spec.DataVersionDeneb:
		return json.Marshal(a.Deneb)
	case eth2spec.DataVersionElectra:
		return json.Marshal(a.Electra)
	case eth2spec.DataVersionFulu:
		return json.Marshal(a.Fulu)
	}
	return nil, fmt.Errorf("unsupported attestation version %s", a.Version)
}

// submitAggregateAndProofs takes POST /eth/v1|v2/validator/aggregate_and_proofs:
// each AggregateAndProof, signed with the VC's key share, must be the one
// its aggregator decided; the share is verified, sent to the co-validators
// and the combined one submitted once. Refused items are the 400's
// failures.
func (s *Server) submitAggregateAndProofs(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	v2 := strings.HasPrefix(r.URL.Path, "/eth/v2/")
	version := r.Header.Get("Eth-Consensus-Version")
	if v2 && version == "" {
		writeError(w, http.StatusBadRequest, "missing Eth-Consensus-Version header")
		return
	}
	var v eth2spec.DataVersion
	if v2 {
		if err := v.UnmarshalJSON([]byte(`"` + strings.ToLower(version) + `"`)); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("unknown Eth-Consensus-Version %q", version))
			return
		}
	}
	var items []*eth2spec.VersionedSignedAggregateAndProof
	if v2 && v >= eth2spec.DataVersionElectra {
		var list []*electra.SignedAggregateAndProof
		if err := json.Unmarshal(body, &list); err != nil {
			writeError(w, http.StatusBadRequest, "invalid aggregate and proof list: "+err.Error())
			return
		}
		for _, a := range list {
			it := &eth2spec.VersionedSignedAggregateAndProof{Version: v}
			if v == eth2spec.DataVersionFulu {
				it.Fulu = a
			} else {
				it.Electra = a
			}
			items = append(items, it)
		}
	} else {
		var list []*phase0.SignedAggregateAndProof
		if err := json.Unmarshal(body, &list); err != nil {
			writeError(w, http.StatusBadRequest, "invalid aggregate and proof list: "+err.Error())
			return
		}
		for _, a := range list {
			iv := v
			if !v2 {
				// v1: the fork of the aggregate's slot, which must be
				// before Electra.
				iv = eth2spec.DataVersionUnknown
				if a != nil && a.Message != nil && a.Message.Aggregate != nil && a.Message.Aggregate.Data != nil {
					if f, err := s.cfg.Chain.ForkAtSlot(a.Message.Aggregate.Data.Slot); err == nil && f.Name < eth2spec.DataVersionElectra {
						iv = f.Name
					}
				}
			}
			it := &eth2spec.VersionedSignedAggregateAndProof{Version: iv}
			switch iv {
			case eth2spec.DataVersionPhase0:
				it.Phase0 = a
			case eth2spec.DataVersionAltair:
				it.Altair = a
			case eth2spec.DataVersionBellatrix:
				it.Bellatrix = a
			case eth2spec.DataVersionCapella:
				it.Capella = a
			case eth2spec.DataVersionDeneb:
				it.Deneb = a
			}
			items = append(items, it)
		}
	}
	var failures []ethnode.IndexedFailure
	var errs []error
	for i, it := range items {
		err := s.captureAggregate(r, it)
		if err != nil {
			failures = append(failures, ethnode.IndexedFailure{Index: i, Message: err.Error()})
			errs = append(errs, err)
		}
	}
	if len(failures) > 0 {
		writeRefusals(w, "some aggregate and proofs were refused", len(items), failures, errs)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (s *Server) captureAggregate(r *http.Request, it *eth2spec.VersionedSignedAggregateAndProof) error {
	if it.IsEmpty() {
		return fmt.Errorf("empty or unversioned aggregate and proof (v1 serves phase0 to deneb)")
	}
	vi, err := it.AggregatorIndex()
	if err != nil {
		return err
	}
	val := s.byIndex[vi]
	if val == nil {
		return fmt.Errorf("aggregator %d is not a validator of this DV node", vi)
	}
	return s.cfg.Node.Capture(r.Context(), val.Pubkey, aggduty.CapturedAggregateAndProof{Signed: it})
}

// syncCommitteeContribution answers GET
// /eth/v1/validator/sync_committee_contribution with the contribution the
// cluster decided for the slot, subcommittee and block root, as
// aggregateAttestation does.
func (s *Server) syncCommitteeContribution(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	slot, err := parseSlot(q.Get("slot"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	sub, err := strconv.ParseUint(q.Get("subcommittee_index"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("invalid subcommittee_index %q", q.Get("subcommittee_index")))
		return
	}
	rb, err := queryHex(q, "beacon_block_root", 32)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	var root phase0.Root
	copy(root[:], rb)
	counts := func() (map[phase0.Root]int, map[phase0.Root]*altair.SyncCommitteeContribution) {
		n, by := map[phase0.Root]int{}, map[phase0.Root]*altair.SyncCommitteeContribution{}
		for k, cp := range s.agg.contribs {
			c := cp.Contribution
			if k.slot != slot || k.sub != sub || c.BeaconBlockRoot != root {
				continue
			}
			if hr, err := c.HashTreeRoot(); err == nil {
				n[hr]++
				by[hr] = c
			}
		}
		return n, by
	}
	expected := func() int {
		n := 0
		for k, sel := range s.agg.sels {
			if k.slot == slot && k.sub == sub && sel.aggregator {
				n++
			}
		}
		return n
	}
	ctx, cancel := s.waitCtx(r)
	defer cancel()
	s.agg.c.wait(ctx, func() bool { n, _ := counts(); return len(n) > 0 })
	gctx, gcancel := context.WithTimeout(ctx, s.cfg.Timeout*3/4)
	defer gcancel()
	s.agg.c.wait(gctx, func() bool {
		n, _ := counts()
		total := 0
		for _, c := range n {
			total += c
		}
		return total >= expected()
	})
	var c *altair.SyncCommitteeContribution
	s.agg.c.read(func() {
		n, by := counts()
		if hr, ok := mostCommon(n); ok {
			c = by[hr]
		}
	})
	if c == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no contribution decided for slot %d subcommittee %d block %#x within %s", slot, sub, root[:4], s.cfg.Timeout))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": c})
}

// submitContributionAndProofs takes POST
// /eth/v1/validator/contribution_and_proofs as submitAggregateAndProofs
// does.
func (s *Server) submitContributionAndProofs(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	var list []*altair.SignedContributionAndProof
	if err := json.Unmarshal(body, &list); err != nil {
		writeError(w, http.StatusBadRequest, "invalid contribution and proof list: "+err.Error())
		return
	}
	var failures []ethnode.IndexedFailure
	var errs []error
	for i, sc := range list {
		var err error
		switch {
		case sc == nil || sc.Message == nil || sc.Message.Contribution == nil:
			err = fmt.Errorf("empty contribution and proof")
		case s.byIndex[sc.Message.AggregatorIndex] == nil:
			err = fmt.Errorf("aggregator %d is not a validator of this DV node", sc.Message.AggregatorIndex)
		default:
			err = s.cfg.Node.Capture(r.Context(), s.byIndex[sc.Message.AggregatorIndex].Pubkey, aggduty.CapturedContributionAndProof{Signed: sc})
		}
		if err != nil {
			failures = append(failures, ethnode.IndexedFailure{Index: i, Message: err.Error()})
			errs = append(errs, err)
		}
	}
	if len(failures) > 0 {
		writeRefusals(w, "some contribution and proofs were refused", len(list), failures, errs)
		return
	}
	w.WriteHeader(http.StatusOK)
}
