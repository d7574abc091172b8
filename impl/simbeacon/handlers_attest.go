package simbeacon

import (
	"fmt"
	"net/http"

	"github.com/OffchainLabs/go-bitfield"
	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/spec/signing"
)

func (n *Node) handleAttestationData(w http.ResponseWriter, r *request) *apiError {
	slotV, _, aerr := queryUint(r, "slot", true)
	if aerr != nil {
		return aerr
	}
	ciV, _, aerr := queryUint(r, "committee_index", true)
	if aerr != nil {
		return aerr
	}
	slot := phase0.Slot(slotV)
	if !n.slotNotInFuture(slot) {
		return badRequest("invalid slot %d: it has not started (current slot %d)", slot, n.CurrentSlot())
	}
	if cps := n.chain.epoch(n.chain.epochOf(slot)).perSlot; ciV >= cps {
		return badRequest("invalid committee_index %d: slot %d has %d committees", ciV, slot, cps)
	}
	ssz, aerr := negotiate(r, true)
	if aerr != nil {
		return aerr
	}
	index := phase0.CommitteeIndex(ciV)
	if n.chain.fork(n.chain.epochOf(slot)).Name >= eth2spec.DataVersionElectra {
		index = 0 // EIP-7549: the committee moved out of the signed data
	}
	data := n.chain.attestationData(slot, index)
	if ssz {
		b, err := data.MarshalSSZ()
		if err != nil {
			return &apiError{status: http.StatusInternalServerError, message: err.Error()}
		}
		writeSSZ(w, b, nil)
		return nil
	}
	writeJSON(w, http.StatusOK, &dataEnvelope{Data: data})
	return nil
}

// checkAttestationData applies the rules every attestation and aggregate
// shares: the fork matches the declared version, the slot is neither in
// the future nor older than the previous epoch, the target is the slot's
// epoch, the source and target are exactly this chain's checkpoints (so a
// cluster that decided other FFG votes is caught) and the head vote is a
// recent block.
func (n *Node) checkAttestationData(data *phase0.AttestationData, version eth2spec.DataVersion) error {
	if data == nil || data.Source == nil || data.Target == nil {
		return fmt.Errorf("attestation data or a checkpoint is missing")
	}
	epoch := n.chain.epochOf(data.Slot)
	if f := n.chain.fork(epoch); f.Name != version {
		return fmt.Errorf("slot %d is in %s, but the message is declared %s", data.Slot, f.Name, version)
	}
	if data.Target.Epoch != epoch {
		return fmt.Errorf("target epoch %d is not the epoch %d of slot %d", data.Target.Epoch, epoch, data.Slot)
	}
	if !n.slotNotInFuture(data.Slot) {
		return fmt.Errorf("slot %d is in the future (current slot %d)", data.Slot, n.CurrentSlot())
	}
	if cur := n.CurrentEpoch(); epoch+1 < cur {
		return fmt.Errorf("slot %d is too old: attestations must be from epoch %d or %d", data.Slot, cur-1, cur)
	}
	if version >= eth2spec.DataVersionElectra && data.Index != 0 {
		return fmt.Errorf("attestation data index is %d; from Electra on it must be 0", data.Index)
	}
	if !knownBlockAtOrBefore(data.BeaconBlockRoot, data.Slot) {
		return fmt.Errorf("beacon_block_root %#x is not a block of slot %d or of the %d slots before it", data.BeaconBlockRoot, data.Slot, headLookback)
	}
	want := n.chain.attestationData(data.Slot, data.Index)
	switch {
	case *data.Source != *want.Source:
		return fmt.Errorf("source %d/%#x is not the justified checkpoint %d/%#x", data.Source.Epoch, data.Source.Root, want.Source.Epoch, want.Source.Root)
	case *data.Target != *want.Target:
		return fmt.Errorf("target root %#x is not the epoch boundary root %#x", data.Target.Root, want.Target.Root)
	}
	return nil
}

// headLookback is how far back an attestation's head vote may point. The
// FFG votes (source, target) must be exactly the chain's; the head vote may
// name any recent block, as on a real network where attesters' views of
// the head differ, which is what lets a double vote be signed and caught.
const headLookback = 64

func knownBlockAtOrBefore(root phase0.Root, slot phase0.Slot) bool {
	for s := slot; ; s-- {
		if BlockRoot(s) == root {
			return true
		}
		if s == 0 || slot-s >= headLookback {
			return false
		}
	}
}

// member returns validator v's position in committee (slot, index).
func (n *Node) member(v phase0.ValidatorIndex, slot phase0.Slot, index phase0.CommitteeIndex) (uint64, []phase0.ValidatorIndex, error) {
	committee := n.chain.committee(slot, index)
	if committee == nil {
		return 0, nil, fmt.Errorf("committee index %d is out of range: slot %d has %d committees", index, slot, n.chain.epoch(n.chain.epochOf(slot)).perSlot)
	}
	if uint64(v) >= n.reg.size() {
		return 0, nil, fmt.Errorf("unknown validator %d", v)
	}
	a := n.chain.epoch(n.chain.epochOf(slot)).duty[v]
	if a.slot != slot || a.committee != index {
		return 0, nil, fmt.Errorf("validator %d is not a member of committee %d at slot %d", v, index, slot)
	}
	return a.position, committee, nil
}

// acceptAttestation verifies and records one unaggregated attestation of
// validator v at position pos of committee index.
func (n *Node) acceptAttestation(v phase0.ValidatorIndex, index phase0.CommitteeIndex, pos uint64, committee []phase0.ValidatorIndex, data *phase0.AttestationData, sig phase0.BLSSignature) error {
	in, err := n.signing.AttestationData(data)
	if err != nil {
		return err
	}
	if err := n.reg.verify(v, in.SigningRoot, sig); err != nil {
		return fmt.Errorf("attestation of validator %d: %w", v, err)
	}
	dataRoot, err := data.HashTreeRoot()
	if err != nil {
		return err
	}
	now := n.cfg.Clock.Now()
	if err := n.rec.checkVote(v, data, dataRoot, in.SigningRoot, now); err != nil {
		return err
	}
	n.rec.add(Acceptance{Validator: v, Kind: KindAttestation, Slot: data.Slot, At: now, SigningRoot: in.SigningRoot}, n.chain.epochOf(data.Slot))
	n.pools.addAttestation(attKey{slot: data.Slot, committee: index, dataRoot: dataRoot}, data, uint64(len(committee)), pos, sig)
	return nil
}

func (n *Node) acceptSingleAttestation(version eth2spec.DataVersion, a *electra.SingleAttestation) error {
	if a == nil {
		return fmt.Errorf("missing attestation")
	}
	if err := n.checkAttestationData(a.Data, version); err != nil {
		return err
	}
	pos, committee, err := n.member(a.AttesterIndex, a.Data.Slot, a.CommitteeIndex)
	if err != nil {
		return err
	}
	return n.acceptAttestation(a.AttesterIndex, a.CommitteeIndex, pos, committee, a.Data, a.Signature)
}

func (n *Node) acceptPhase0Attestation(version eth2spec.DataVersion, a *phase0.Attestation) error {
	if a == nil {
		return fmt.Errorf("missing attestation")
	}
	if err := n.checkAttestationData(a.Data, version); err != nil {
		return err
	}
	committee := n.chain.committee(a.Data.Slot, a.Data.Index)
	if committee == nil {
		return fmt.Errorf("committee index %d is out of range at slot %d", a.Data.Index, a.Data.Slot)
	}
	if a.AggregationBits.Len() != uint64(len(committee)) {
		return fmt.Errorf("aggregation bits have length %d; committee %d at slot %d has %d members", a.AggregationBits.Len(), a.Data.Index, a.Data.Slot, len(committee))
	}
	bits := a.AggregationBits.BitIndices()
	if len(bits) != 1 {
		return fmt.Errorf("an unaggregated attestation has exactly one aggregation bit set; this one has %d", len(bits))
	}
	pos := uint64(bits[0])
	return n.acceptAttestation(committee[pos], a.Data.Index, pos, committee, a.Data, a.Signature)
}

// collect runs accept on every item, gathering the standard indexed
// failures; valid items are accepted even when others fail, as the pool
// endpoints require.
func collect(count int, accept func(i int) error) *apiError {
	if count == 0 {
		return badRequest("the request list is empty")
	}
	var failures []ethnode.IndexedFailure
	for i := 0; i < count; i++ {
		if err := accept(i); err != nil {
			failures = append(failures, ethnode.IndexedFailure{Index: i, Message: err.Error()})
		}
	}
	if len(failures) > 0 {
		return &apiError{status: http.StatusBadRequest, message: fmt.Sprintf("%d of %d items failed validation", len(failures), count), failures: failures}
	}
	return nil
}

func (n *Node) handlePoolAttestations(w http.ResponseWriter, r *request) *apiError {
	version, aerr := parseVersionHeader(r)
	if aerr != nil {
		return aerr
	}
	if _, aerr := bodyIsSSZ(r, false); aerr != nil {
		return aerr
	}
	if version >= eth2spec.DataVersionElectra {
		var items []*electra.SingleAttestation
		if aerr := decodeStrict(r.body, &items); aerr != nil {
			return aerr
		}
		if aerr := collect(len(items), func(i int) error { return n.acceptSingleAttestation(version, items[i]) }); aerr != nil {
			return aerr
		}
	} else {
		var items []*phase0.Attestation
		if aerr := decodeStrict(r.body, &items); aerr != nil {
			return aerr
		}
		if aerr := collect(len(items), func(i int) error { return n.acceptPhase0Attestation(version, items[i]) }); aerr != nil {
			return aerr
		}
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// committeeBits returns an Electra committee_bits vector with one bit set.
func (n *Node) committeeBits(index phase0.CommitteeIndex) bitfield.Bitvector64 {
	b := make([]byte, (n.table["MAX_COMMITTEES_PER_SLOT"]+7)/8)
	b[index/8] |= 1 << (index % 8)
	return b
}

// singleCommittee reads Electra committee_bits that must name exactly one
// committee (an aggregate of one committee, as the aggregator duty makes).
func (n *Node) singleCommittee(bits bitfield.Bitvector64) (phase0.CommitteeIndex, error) {
	limit := n.table["MAX_COMMITTEES_PER_SLOT"]
	if uint64(len(bits)) != (limit+7)/8 {
		return 0, fmt.Errorf("committee_bits has %d bytes; MAX_COMMITTEES_PER_SLOT %d needs %d", len(bits), limit, (limit+7)/8)
	}
	var set []uint64
	for i := uint64(0); i < uint64(len(bits))*8; i++ {
		if bits[i/8]&(1<<(i%8)) != 0 {
			if i >= limit {
				return 0, fmt.Errorf("committee_bits sets bit %d beyond MAX_COMMITTEES_PER_SLOT %d", i, limit)
			}
			set = append(set, i)
		}
	}
	if len(set) != 1 {
		return 0, fmt.Errorf("committee_bits must name exactly one committee; it names %d", len(set))
	}
	return phase0.CommitteeIndex(set[0]), nil
}

func (n *Node) handleAggregateAttestation(w http.ResponseWriter, r *request) *apiError {
	rootB, aerr := queryHex(r, "attestation_data_root", 32)
	if aerr != nil {
		return aerr
	}
	slotV, _, aerr := queryUint(r, "slot", true)
	if aerr != nil {
		return aerr
	}
	ciV, _, aerr := queryUint(r, "committee_index", true)
	if aerr != nil {
		return aerr
	}
	ssz, aerr := negotiate(r, true)
	if aerr != nil {
		return aerr
	}
	var root phase0.Root
	copy(root[:], rootB)
	slot, ci := phase0.Slot(slotV), phase0.CommitteeIndex(ciV)
	ak := attKey{slot: slot, committee: ci, dataRoot: root}
	data, length, sigs, poolVersion, ok := n.pools.attestation(ak)
	if !ok {
		return notFound("no attestation for attestation_data_root %#x, slot %d, committee %d", root, slot, ci)
	}
	bits := bitfield.NewBitlist(length)
	list := make([]phase0.BLSSignature, 0, len(sigs))
	for pos, s := range sigs {
		bits.SetBitAt(pos, true)
		list = append(list, s)
	}
	sig, memo := n.pools.attAggregate(ak, poolVersion)
	if !memo {
		var err error
		if sig, err = aggregate(list); err != nil {
			return &apiError{status: http.StatusInternalServerError, message: err.Error()}
		}
		n.pools.memoAttAggregate(ak, poolVersion, sig)
	}
	version := n.chain.fork(n.chain.epochOf(slot)).Name
	var att any
	if version >= eth2spec.DataVersionElectra {
		att = &electra.Attestation{AggregationBits: bits, Data: data, Signature: sig, CommitteeBits: n.committeeBits(ci)}
	} else {
		att = &phase0.Attestation{AggregationBits: bits, Data: data, Signature: sig}
	}
	headers := map[string]string{ethnode.HeaderConsensusVersion: versionName(version)}
	if ssz {
		b, err := n.ssz.MarshalSSZ(att)
		if err != nil {
			return &apiError{status: http.StatusInternalServerError, message: err.Error()}
		}
		writeSSZ(w, b, headers)
		return nil
	}
	w.Header().Set(ethnode.HeaderConsensusVersion, versionName(version))
	writeJSON(w, http.StatusOK, &versionedEnvelope{Version: versionName(version), Data: att})
	return nil
}

// acceptAggregate verifies one aggregate and proof: the aggregate's data,
// the committee and its bits, the aggregator's membership and selection
// (is_aggregator), the selection proof, the aggregator's signature over the
// AggregateAndProof and the aggregate signature over the data.
func (n *Node) acceptAggregate(version eth2spec.DataVersion, aggregator phase0.ValidatorIndex, data *phase0.AttestationData, bits bitfield.Bitlist, aggSig phase0.BLSSignature, committeeIndex phase0.CommitteeIndex, selectionProof phase0.BLSSignature, message any, signature phase0.BLSSignature) error {
	if err := n.checkAttestationData(data, version); err != nil {
		return err
	}
	_, committee, err := n.member(aggregator, data.Slot, committeeIndex)
	if err != nil {
		return fmt.Errorf("aggregator: %w", err)
	}
	if bits.Len() != uint64(len(committee)) {
		return fmt.Errorf("aggregation bits have length %d; the committee has %d members", bits.Len(), len(committee))
	}
	var participants []phase0.ValidatorIndex
	for _, p := range bits.BitIndices() {
		participants = append(participants, committee[p])
	}
	if len(participants) == 0 {
		return fmt.Errorf("the aggregate has no participants")
	}
	// The aggregate matches the pool: every attestation it counts reached
	// this beacon node (the only way in on a simulated chain), so a bit
	// without one is an aggregator's invention.
	dataRoot, err := data.HashTreeRoot()
	if err != nil {
		return err
	}
	pooled := n.pools.attestedPositions(attKey{slot: data.Slot, committee: committeeIndex, dataRoot: dataRoot})
	for _, p := range bits.BitIndices() {
		if !pooled[uint64(p)] {
			return fmt.Errorf("the aggregate counts committee position %d, whose attestation of this data never reached the beacon node", p)
		}
	}
	if !n.preset.IsAggregator(uint64(len(committee)), selectionProof) {
		return fmt.Errorf("validator %d is not an aggregator: its selection proof does not select it for a committee of %d", aggregator, len(committee))
	}
	sel, err := n.signing.AggregationSlot(data.Slot)
	if err != nil {
		return err
	}
	if err := n.reg.verify(aggregator, sel.SigningRoot, selectionProof); err != nil {
		return fmt.Errorf("selection proof: %w", err)
	}
	root, err := n.signingRoot(message, signing.DomainAggregateAndProof, n.chain.epochOf(data.Slot))
	if err != nil {
		return err
	}
	if err := n.reg.verify(aggregator, root, signature); err != nil {
		return fmt.Errorf("aggregate and proof signature: %w", err)
	}
	att, err := n.signing.AttestationData(data)
	if err != nil {
		return err
	}
	if err := n.reg.verifyAggregate(participants, att.SigningRoot, aggSig); err != nil {
		return fmt.Errorf("aggregate: %w", err)
	}
	n.rec.add(Acceptance{Validator: aggregator, Kind: KindAggregateAndProof, Slot: data.Slot, At: n.cfg.Clock.Now(), SigningRoot: root}, n.chain.epochOf(data.Slot))
	return nil
}

// signingRoot hashes message with this chain's preset (dynamic SSZ, so the
// minimal preset's container shapes hash correctly) and mixes in the domain
// of domainType at epoch.
func (n *Node) signingRoot(message any, domainType phase0.DomainType, epoch phase0.Epoch) (phase0.Root, error) {
	objectRoot, err := n.hashTreeRoot(message)
	if err != nil {
		return phase0.Root{}, err
	}
	domain, _, err := n.signing.Domain(domainType, epoch)
	if err != nil {
		return phase0.Root{}, err
	}
	return signing.ComputeSigningRootFromObjectRoot(objectRoot, domain)
}

func (n *Node) hashTreeRoot(obj any) (root phase0.Root, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("hashing %T: %v", obj, r)
		}
	}()
	r, err := n.ssz.HashTreeRoot(obj)
	if err != nil {
		return phase0.Root{}, fmt.Errorf("hashing %T: %w", obj, err)
	}
	return r, nil
}

func (n *Node) handleAggregateAndProofs(w http.ResponseWriter, r *request) *apiError {
	version, aerr := parseVersionHeader(r)
	if aerr != nil {
		return aerr
	}
	if _, aerr := bodyIsSSZ(r, false); aerr != nil {
		return aerr
	}
	var count int
	var accept func(i int) error
	if version >= eth2spec.DataVersionElectra {
		var items []*electra.SignedAggregateAndProof
		if aerr := decodeStrict(r.body, &items); aerr != nil {
			return aerr
		}
		count = len(items)
		accept = func(i int) error {
			it := items[i]
			if it == nil || it.Message == nil || it.Message.Aggregate == nil {
				return fmt.Errorf("missing aggregate and proof")
			}
			agg := it.Message.Aggregate
			ci, err := n.singleCommittee(agg.CommitteeBits)
			if err != nil {
				return err
			}
			return n.acceptAggregate(version, it.Message.AggregatorIndex, agg.Data, agg.AggregationBits, agg.Signature, ci, it.Message.SelectionProof, it.Message, it.Signature)
		}
	} else {
		var items []*phase0.SignedAggregateAndProof
		if aerr := decodeStrict(r.body, &items); aerr != nil {
			return aerr
		}
		count = len(items)
		accept = func(i int) error {
			it := items[i]
			if it == nil || it.Message == nil || it.Message.Aggregate == nil || it.Message.Aggregate.Data == nil {
				return fmt.Errorf("missing aggregate and proof")
			}
			agg := it.Message.Aggregate
			return n.acceptAggregate(version, it.Message.AggregatorIndex, agg.Data, agg.AggregationBits, agg.Signature, agg.Data.Index, it.Message.SelectionProof, it.Message, it.Signature)
		}
	}
	if aerr := collect(count, accept); aerr != nil {
		return aerr
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (n *Node) handleBeaconCommitteeSubscriptions(w http.ResponseWriter, r *request) *apiError {
	if _, aerr := bodyIsSSZ(r, false); aerr != nil {
		return aerr
	}
	var items []*apiv1.BeaconCommitteeSubscription
	if aerr := decodeStrict(r.body, &items); aerr != nil {
		return aerr
	}
	if len(items) == 0 {
		return badRequest("the request list is empty")
	}
	for i, s := range items {
		if s == nil {
			return badRequest("subscription %d: missing", i)
		}
		if uint64(s.ValidatorIndex) >= n.reg.size() {
			return badRequest("subscription %d: unknown validator %d", i, s.ValidatorIndex)
		}
		if s.CommitteesAtSlot == 0 || s.CommitteesAtSlot > n.table["MAX_COMMITTEES_PER_SLOT"] || uint64(s.CommitteeIndex) >= s.CommitteesAtSlot {
			return badRequest("subscription %d: committee %d of %d committees at slot %d is impossible", i, s.CommitteeIndex, s.CommitteesAtSlot, s.Slot)
		}
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (n *Node) handleBeaconCommitteeSelections(w http.ResponseWriter, r *request) *apiError {
	if _, aerr := bodyIsSSZ(r, false); aerr != nil {
		return aerr
	}
	var items []*apiv1.BeaconCommitteeSelection
	if aerr := decodeStrict(r.body, &items); aerr != nil {
		return aerr
	}
	if len(items) == 0 {
		return badRequest("the request list is empty")
	}
	// A beacon node has no partial proofs to combine: it holds full proofs,
	// verifies them and answers with them, so a validator client talking to
	// it directly sees its own proofs back.
	roots := make([]phase0.Root, len(items))
	for i, s := range items {
		if s == nil {
			return badRequest("selection %d: missing", i)
		}
		if n.chain.epochOf(s.Slot) > n.CurrentEpoch()+1 {
			return badRequest("selection %d: slot %d is more than one epoch ahead", i, s.Slot)
		}
		in, err := n.signing.AggregationSlot(s.Slot)
		if err != nil {
			return badRequest("selection %d: %v", i, err)
		}
		if err := n.reg.verify(s.ValidatorIndex, in.SigningRoot, s.SelectionProof); err != nil {
			return badRequest("selection %d: selection proof: %v", i, err)
		}
		roots[i] = in.SigningRoot
	}
	now := n.cfg.Clock.Now()
	for i, s := range items {
		n.rec.add(Acceptance{Validator: s.ValidatorIndex, Kind: KindBeaconCommitteeSelection, Slot: s.Slot, At: now, SigningRoot: roots[i]}, n.chain.epochOf(s.Slot))
	}
	writeJSON(w, http.StatusOK, &dataEnvelope{Data: items})
	return nil
}

func (n *Node) handleSyncCommitteeSelections(w http.ResponseWriter, r *request) *apiError {
	if _, aerr := bodyIsSSZ(r, false); aerr != nil {
		return aerr
	}
	var items []*ethnode.SyncCommitteeSelection
	if aerr := decodeStrict(r.body, &items); aerr != nil {
		return aerr
	}
	if len(items) == 0 {
		return badRequest("the request list is empty")
	}
	roots := make([]phase0.Root, len(items))
	for i, s := range items {
		if s == nil {
			return badRequest("selection %d: missing", i)
		}
		if err := n.checkSyncSubcommitteeMember(s.ValidatorIndex, s.Slot, s.SubcommitteeIndex); err != nil {
			return badRequest("selection %d: %v", i, err)
		}
		in, err := n.signing.SyncCommitteeSelectionProof(&altair.SyncAggregatorSelectionData{Slot: s.Slot, SubcommitteeIndex: s.SubcommitteeIndex})
		if err != nil {
			return badRequest("selection %d: %v", i, err)
		}
		if err := n.reg.verify(s.ValidatorIndex, in.SigningRoot, s.SelectionProof); err != nil {
			return badRequest("selection %d: selection proof: %v", i, err)
		}
		roots[i] = in.SigningRoot
	}
	now := n.cfg.Clock.Now()
	for i, s := range items {
		n.rec.add(Acceptance{Validator: s.ValidatorIndex, Kind: KindSyncCommitteeSelection, Slot: s.Slot, At: now, SigningRoot: roots[i]}, n.chain.epochOf(s.Slot))
	}
	writeJSON(w, http.StatusOK, &dataEnvelope{Data: items})
	return nil
}
