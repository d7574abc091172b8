package simbeacon

import (
	"fmt"
	"net/http"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"
	herumi "github.com/herumi/bls-eth-go-binary/bls"

	"github.com/dvspec/go-dvspec/spec/signing"
)

// checkSyncSlot refuses sync committee messages outside Altair+ and outside
// [current slot - 1, current slot]. The p2p rule is the current slot only;
// one slot of slack lets a DV cluster that needs a few hundred milliseconds
// for consensus still count.
func (n *Node) checkSyncSlot(slot phase0.Slot) error {
	if aerr := n.requireAltair(n.chain.epochOf(slot)); aerr != nil {
		return fmt.Errorf("%s", aerr.message)
	}
	if !n.slotNotInFuture(slot) {
		return fmt.Errorf("slot %d is in the future (current slot %d)", slot, n.CurrentSlot())
	}
	if cur := n.CurrentSlot(); slot+1 < cur {
		return fmt.Errorf("slot %d is too old (current slot %d)", slot, cur)
	}
	return nil
}

// checkSyncSubcommitteeMember checks that v holds a position in
// subcommittee of the sync committee that signs at slot.
func (n *Node) checkSyncSubcommitteeMember(v phase0.ValidatorIndex, slot phase0.Slot, subcommittee uint64) error {
	if aerr := n.requireAltair(n.chain.epochOf(slot)); aerr != nil {
		return fmt.Errorf("%s", aerr.message)
	}
	if subcommittee >= n.chain.syncSubnets {
		return fmt.Errorf("subcommittee index %d is out of range (%d subcommittees)", subcommittee, n.chain.syncSubnets)
	}
	if uint64(v) >= n.reg.size() {
		return fmt.Errorf("unknown validator %d", v)
	}
	size := n.chain.subcommitteeSize()
	for _, p := range n.chain.syncForMessageSlot(slot).positions[v] {
		if p/size == subcommittee {
			return nil
		}
	}
	return fmt.Errorf("validator %d is not in sync subcommittee %d at slot %d", v, subcommittee, slot)
}

// checkSyncMessage applies the rules of a sync committee message other
// than its signature and returns the signature check that remains.
func (n *Node) checkSyncMessage(m *altair.SyncCommitteeMessage) (sigCheck, error) {
	if m == nil {
		return sigCheck{}, fmt.Errorf("missing sync committee message")
	}
	if err := n.checkSyncSlot(m.Slot); err != nil {
		return sigCheck{}, err
	}
	if uint64(m.ValidatorIndex) >= n.reg.size() {
		return sigCheck{}, fmt.Errorf("unknown validator %d", m.ValidatorIndex)
	}
	if len(n.chain.syncForMessageSlot(m.Slot).positions[m.ValidatorIndex]) == 0 {
		return sigCheck{}, fmt.Errorf("validator %d is not in the sync committee that signs at slot %d", m.ValidatorIndex, m.Slot)
	}
	if want := BlockRoot(m.Slot); m.BeaconBlockRoot != want {
		return sigCheck{}, fmt.Errorf("beacon_block_root %#x is not the head %#x of slot %d", m.BeaconBlockRoot, want, m.Slot)
	}
	in, err := n.signing.SyncCommitteeMessage(m.Slot, m.BeaconBlockRoot)
	if err != nil {
		return sigCheck{}, err
	}
	return sigCheck{v: m.ValidatorIndex, root: in.SigningRoot, sig: m.Signature}, nil
}

// syncMessageError is the answer for a message whose signature was refused.
func syncMessageError(m *altair.SyncCommitteeMessage, err error) error {
	return fmt.Errorf("sync committee message of validator %d: %w", m.ValidatorIndex, err)
}

// admitSyncMessage records and pools a message whose signature verified
// over signingRoot; decoded, if not nil, is its signature decoded, kept
// for the contributions.
func (n *Node) admitSyncMessage(m *altair.SyncCommitteeMessage, signingRoot phase0.Root, decoded *herumi.Sign) {
	n.rec.add(Acceptance{Validator: m.ValidatorIndex, Kind: KindSyncCommitteeMessage, Slot: m.Slot, At: n.cfg.Clock.Now(), SigningRoot: signingRoot}, n.chain.epochOf(m.Slot))
	n.pools.addSyncMessage(syncKey{slot: m.Slot, root: m.BeaconBlockRoot}, m.ValidatorIndex, m.Signature, decoded)
}

// acceptSyncMessages answers each message as checking it alone would (rules,
// then its signature), admitting the accepted ones in list order, but
// verifies the signatures together (registry.verifyBatch): every message of
// a slot signs the same root.
func (n *Node) acceptSyncMessages(items []*altair.SyncCommitteeMessage) []error {
	errs := make([]error, len(items))
	checks := make([]sigCheck, 0, len(items))
	idx := make([]int, 0, len(items))
	for i, m := range items {
		c, err := n.checkSyncMessage(m)
		if err != nil {
			errs[i] = err
			continue
		}
		checks = append(checks, c)
		idx = append(idx, i)
	}
	verrs, decoded := n.reg.verifyBatch(checks)
	for k, i := range idx {
		if verrs[k] != nil {
			errs[i] = syncMessageError(items[i], verrs[k])
			continue
		}
		n.admitSyncMessage(items[i], checks[k].root, decoded[k])
	}
	return errs
}

func (n *Node) handlePoolSyncCommittees(w http.ResponseWriter, r *request) *apiError {
	if _, aerr := bodyIsSSZ(r, false); aerr != nil {
		return aerr
	}
	var items []*altair.SyncCommitteeMessage
	if aerr := decodeStrict(r.body, &items); aerr != nil {
		return aerr
	}
	errs := n.acceptSyncMessages(items)
	if aerr := collect(len(items), func(i int) error { return errs[i] }); aerr != nil {
		return aerr
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// contributionBytes is the byte length of a contribution's aggregation
// bits: SYNC_COMMITTEE_SIZE / SYNC_COMMITTEE_SUBNET_COUNT bits.
func (n *Node) contributionBytes() int { return int((n.chain.subcommitteeSize() + 7) / 8) }

func (n *Node) handleSyncContribution(w http.ResponseWriter, r *request) *apiError {
	slotV, _, aerr := queryUint(r, "slot", true)
	if aerr != nil {
		return aerr
	}
	sub, _, aerr := queryUint(r, "subcommittee_index", true)
	if aerr != nil {
		return aerr
	}
	rootB, aerr := queryHex(r, "beacon_block_root", 32)
	if aerr != nil {
		return aerr
	}
	slot := phase0.Slot(slotV)
	if aerr := n.requireAltair(n.chain.epochOf(slot)); aerr != nil {
		return aerr
	}
	if sub >= n.chain.syncSubnets {
		return badRequest("invalid subcommittee_index %d (%d subcommittees)", sub, n.chain.syncSubnets)
	}
	var root phase0.Root
	copy(root[:], rootB)
	msgs, version := n.pools.syncMessages(syncKey{slot: slot, root: root})
	size := n.chain.subcommitteeSize()
	members := n.chain.syncForMessageSlot(slot).members[sub*size : (sub+1)*size]
	bits := make([]byte, n.contributionBytes())
	var sigs []phase0.BLSSignature
	for i, v := range members {
		if s, ok := msgs[v]; ok {
			bits[i/8] |= 1 << (i % 8)
			sigs = append(sigs, s) // once per position the member holds
		}
	}
	if len(sigs) == 0 {
		return notFound("no sync committee messages for slot %d, subcommittee %d and block root %#x", slot, sub, root)
	}
	mk := syncSubKey{syncKey{slot: slot, root: root}, sub}
	sig, ok := n.pools.syncAggregate(mk, version)
	if !ok {
		var agg herumi.Sign
		for i, s := range sigs {
			h, err := n.pools.syncSignature(mk.syncKey, s)
			if err != nil {
				return &apiError{status: http.StatusInternalServerError, message: fmt.Sprintf("signature %d does not decode: %v", i, err)}
			}
			if i == 0 {
				agg = *h
			} else {
				agg.Add(h)
			}
		}
		copy(sig[:], agg.Serialize())
		n.pools.memoSyncAggregate(mk, version, sig)
	}
	writeJSON(w, http.StatusOK, &dataEnvelope{Data: &altair.SyncCommitteeContribution{
		Slot: slot, BeaconBlockRoot: root, SubcommitteeIndex: sub, AggregationBits: bits, Signature: sig,
	}})
	return nil
}

// acceptContribution verifies a signed contribution and proof: slot,
// subcommittee membership and selection of the aggregator, the selection
// proof, the aggregator's signature and the contribution's aggregate
// signature (each set bit adds its member's key once).
func (n *Node) acceptContribution(s *altair.SignedContributionAndProof) error {
	if s == nil || s.Message == nil || s.Message.Contribution == nil {
		return fmt.Errorf("missing contribution and proof")
	}
	c := s.Message.Contribution
	agg := s.Message.AggregatorIndex
	if err := n.checkSyncSlot(c.Slot); err != nil {
		return err
	}
	if err := n.checkSyncSubcommitteeMember(agg, c.Slot, c.SubcommitteeIndex); err != nil {
		return fmt.Errorf("aggregator: %w", err)
	}
	if len(c.AggregationBits) != n.contributionBytes() {
		return fmt.Errorf("aggregation bits have %d bytes; a subcommittee of %d needs %d", len(c.AggregationBits), n.chain.subcommitteeSize(), n.contributionBytes())
	}
	if want := BlockRoot(c.Slot); c.BeaconBlockRoot != want {
		return fmt.Errorf("beacon_block_root %#x is not the head %#x of slot %d", c.BeaconBlockRoot, want, c.Slot)
	}
	if !n.preset.IsSyncCommitteeAggregator(s.Message.SelectionProof) {
		return fmt.Errorf("validator %d is not a sync committee aggregator: its selection proof does not select it", agg)
	}
	sel, err := n.signing.SyncCommitteeSelectionProof(&altair.SyncAggregatorSelectionData{Slot: c.Slot, SubcommitteeIndex: c.SubcommitteeIndex})
	if err != nil {
		return err
	}
	if err := n.reg.verify(agg, sel.SigningRoot, s.Message.SelectionProof); err != nil {
		return fmt.Errorf("selection proof: %w", err)
	}
	root, err := n.signingRoot(s.Message, signing.DomainContributionAndProof, n.chain.epochOf(c.Slot))
	if err != nil {
		return err
	}
	if err := n.reg.verify(agg, root, s.Signature); err != nil {
		return fmt.Errorf("contribution and proof signature: %w", err)
	}
	size := n.chain.subcommitteeSize()
	members := n.chain.syncForMessageSlot(c.Slot).members[c.SubcommitteeIndex*size : (c.SubcommitteeIndex+1)*size]
	var participants []phase0.ValidatorIndex
	pooled, _ := n.pools.syncMessages(syncKey{slot: c.Slot, root: c.BeaconBlockRoot})
	for i := range members {
		if c.AggregationBits[i/8]&(1<<(i%8)) != 0 {
			// The contribution matches the pool (as an aggregate does).
			if _, ok := pooled[members[i]]; !ok {
				return fmt.Errorf("the contribution counts subcommittee position %d, whose sync committee message never reached the beacon node", i)
			}
			participants = append(participants, members[i])
		}
	}
	msg, err := n.signing.SyncCommitteeMessage(c.Slot, c.BeaconBlockRoot)
	if err != nil {
		return err
	}
	if err := n.reg.verifyAggregate(participants, msg.SigningRoot, c.Signature); err != nil {
		return fmt.Errorf("contribution: %w", err)
	}
	n.rec.add(Acceptance{Validator: agg, Kind: KindContributionAndProof, Slot: c.Slot, At: n.cfg.Clock.Now(), SigningRoot: root}, n.chain.epochOf(c.Slot))
	n.pools.addContribution(c)
	return nil
}

func (n *Node) handleContributionAndProofs(w http.ResponseWriter, r *request) *apiError {
	if _, aerr := bodyIsSSZ(r, false); aerr != nil {
		return aerr
	}
	var items []*altair.SignedContributionAndProof
	if aerr := decodeStrict(r.body, &items); aerr != nil {
		return aerr
	}
	if aerr := collect(len(items), func(i int) error { return n.acceptContribution(items[i]) }); aerr != nil {
		return aerr
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (n *Node) handleSyncCommitteeSubscriptions(w http.ResponseWriter, r *request) *apiError {
	if _, aerr := bodyIsSSZ(r, false); aerr != nil {
		return aerr
	}
	var items []*apiv1.SyncCommitteeSubscription
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
		for _, p := range s.SyncCommitteeIndices {
			if uint64(p) >= n.chain.syncSize {
				return badRequest("subscription %d: sync committee index %d is out of range (%d members)", i, p, n.chain.syncSize)
			}
		}
	}
	w.WriteHeader(http.StatusOK)
	return nil
}
