package simbeacon_test

import (
	"fmt"
	"github.com/dvspec/go-dvspec/spec"
	"net/http"
	"testing"

	"github.com/OffchainLabs/go-bitfield"
	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// TestAggregateAndProofVerification: a minimal-preset chain with two slots
// per epoch and 256 validators has committees of 32, where
// is_aggregator selects about half, so every rule can be broken.
func TestAggregateAndProofVerification(t *testing.T) {
	h := newHarness(t, simbeacon.Config{Chain: spec.MinimalConfig(), SlotsPerEpoch: 2, Validators: 256})
	const epoch = phase0.Epoch(3)
	slot := phase0.Slot(6)
	toSlot(h, slot)
	committee := h.n.Committee(slot, 0)
	if len(committee) != 32 {
		t.Fatalf("test setup: committee of %d", len(committee))
	}
	// Everyone in committee 0 attests.
	var atts []*electra.SingleAttestation
	for _, v := range committee {
		atts = append(atts, h.s.SingleAttestation(v, epoch))
	}
	if st, body := h.post(ethnode.PathPoolAttestationsV2, version("electra"), atts); st != http.StatusOK {
		t.Fatalf("attestations: %d %s", st, body)
	}
	before := len(h.n.AllAccepted())
	data := h.n.AttestationData(slot, 0)
	dataRoot, _ := data.HashTreeRoot()
	st, body := h.do(http.MethodGet, fmt.Sprintf("%s?attestation_data_root=%s&slot=%d&committee_index=0", ethnode.PathAggregateAttestation, hex0x(dataRoot[:]), slot), nil, nil)
	if st != http.StatusOK {
		t.Fatalf("aggregate: %d %s", st, body)
	}
	var aggregator, notAggregator phase0.ValidatorIndex = 9999, 9999
	for _, v := range committee {
		if h.n.ChainConfig().IsAggregator(32, h.s.SelectionProof(v, slot)) {
			if aggregator == 9999 {
				aggregator = v
			}
		} else if notAggregator == 9999 {
			notAggregator = v
		}
	}
	if aggregator == 9999 || notAggregator == 9999 {
		t.Fatal("test setup: no aggregator or no non-aggregator")
	}
	outsider := h.n.Committee(slot, 1)[0]
	sigs := make([]phase0.BLSSignature, len(atts))
	for i, a := range atts {
		sigs[i] = a.Signature
	}
	full := bitfield.NewBitlist(32)
	for i := range committee {
		full.SetBitAt(uint64(i), true)
	}
	cbits := bitfield.Bitvector64{0x01}
	build := func(agg phase0.ValidatorIndex, f func(ap *electra.AggregateAndProof)) *electra.SignedAggregateAndProof {
		a := &electra.Attestation{AggregationBits: append(bitfield.Bitlist(nil), full...), Data: data, Signature: aggregateOf(t, sigs...), CommitteeBits: append(bitfield.Bitvector64(nil), cbits...)}
		ap := &electra.AggregateAndProof{AggregatorIndex: agg, Aggregate: a, SelectionProof: h.s.SelectionProof(agg, slot)}
		f(ap)
		return &electra.SignedAggregateAndProof{Message: ap, Signature: h.trySign(agg, ap, signing.DomainAggregateAndProof, epoch)}
	}
	none := func(*electra.AggregateAndProof) {}
	good := build(aggregator, none)
	wrongSig := build(aggregator, none)
	wrongSig.Signature = h.s.SignedRoot(notAggregator, wrongSig.Message, signing.DomainAggregateAndProof, epoch)
	wrongDomain := build(aggregator, none)
	wrongDomain.Signature = h.s.SignedRoot(aggregator, wrongDomain.Message, signing.DomainSelectionProof, epoch)
	cases := []struct {
		name   string
		sap    *electra.SignedAggregateAndProof
		reason string
	}{
		{"not selected", build(notAggregator, none), "is not an aggregator"},
		{"aggregator outside the committee", build(outsider, none), "not a member of committee"},
		{"selection proof by another key", build(aggregator, func(ap *electra.AggregateAndProof) {
			// A proof that selects, but signed by someone else.
			for _, v := range committee {
				if p := h.s.SelectionProof(v, slot); v != aggregator && h.n.ChainConfig().IsAggregator(32, p) {
					ap.SelectionProof = p
					return
				}
			}
			t.Fatal("test setup: no second aggregator")
		}), "selection proof"},
		{"selection proof for another slot", build(aggregator, func(ap *electra.AggregateAndProof) { ap.SelectionProof = h.s.SelectionProof(aggregator, slot+1) }), ""},
		{"aggregator signature by another key", wrongSig, "aggregate and proof signature"},
		{"aggregator signature in the wrong domain", wrongDomain, "aggregate and proof signature"},
		{"aggregate missing a signature", build(aggregator, func(ap *electra.AggregateAndProof) { ap.Aggregate.Signature = aggregateOf(t, sigs[1:]...) }), "aggregate:"},
		{"aggregate claims a non-signer", build(aggregator, func(ap *electra.AggregateAndProof) {
			ap.Aggregate.AggregationBits = bitfield.NewBitlist(32)
			ap.Aggregate.AggregationBits.SetBitAt(0, true)
			ap.Aggregate.Signature = sigs[1]
		}), "aggregate:"},
		{"no participants", build(aggregator, func(ap *electra.AggregateAndProof) { ap.Aggregate.AggregationBits = bitfield.NewBitlist(32) }), "no participants"},
		{"bits of the wrong length", build(aggregator, func(ap *electra.AggregateAndProof) { ap.Aggregate.AggregationBits = bitfield.NewBitlist(33) }), "length"},
		{"two committee bits", build(aggregator, func(ap *electra.AggregateAndProof) { ap.Aggregate.CommitteeBits = bitfield.Bitvector64{0x03} }), "exactly one committee"},
		{"mainnet-sized committee bits on minimal", build(aggregator, func(ap *electra.AggregateAndProof) { ap.Aggregate.CommitteeBits = bitfield.NewBitvector64() }), "committee_bits has 8 bytes"},
		{"infinity aggregate", build(aggregator, func(ap *electra.AggregateAndProof) { ap.Aggregate.Signature = infinity }), "point at infinity"},
	}
	for _, tc := range cases {
		st, body := h.post(ethnode.PathAggregateAndProofs, version("electra"), []*electra.SignedAggregateAndProof{tc.sap})
		if tc.reason == "" {
			// A proof for another slot either fails is_aggregator or the
			// signature check; both are refusals.
			tc.reason = "aggregat"
		}
		h.refused(tc.name, st, body, tc.reason, before)
	}
	if st, body := h.post(ethnode.PathAggregateAndProofs, version("electra"), []*electra.SignedAggregateAndProof{good}); st != http.StatusOK {
		t.Fatalf("valid aggregate refused: %d %s", st, body)
	}
	if len(h.n.Accepted(aggregator, simbeacon.KindAggregateAndProof)) != 1 {
		t.Fatal("aggregate not recorded")
	}
	// Committee 1: all but its first member's attestations reach the
	// beacon node; an aggregate that counts the first member, whose
	// signature it holds, does not match the pool and is refused.
	c1 := h.n.Committee(slot, 1)
	var atts1 []*electra.SingleAttestation
	for _, v := range c1 {
		atts1 = append(atts1, h.s.SingleAttestation(v, epoch))
	}
	if st, body := h.post(ethnode.PathPoolAttestationsV2, version("electra"), atts1[1:]); st != http.StatusOK {
		t.Fatalf("attestations of committee 1: %d %s", st, body)
	}
	agg1 := phase0.ValidatorIndex(9999)
	for _, v := range c1[1:] {
		if h.n.ChainConfig().IsAggregator(uint64(len(c1)), h.s.SelectionProof(v, slot)) {
			agg1 = v
			break
		}
	}
	if agg1 == 9999 {
		t.Fatal("test setup: no aggregator in committee 1")
	}
	sigs1 := make([]phase0.BLSSignature, len(atts1))
	for i, a := range atts1 {
		sigs1[i] = a.Signature
	}
	build1 := func(from int) *electra.SignedAggregateAndProof {
		bits := bitfield.NewBitlist(uint64(len(c1)))
		for i := from; i < len(c1); i++ {
			bits.SetBitAt(uint64(i), true)
		}
		a := &electra.Attestation{AggregationBits: bits, Data: atts1[0].Data, Signature: aggregateOf(t, sigs1[from:]...), CommitteeBits: bitfield.Bitvector64{0x02}}
		ap := &electra.AggregateAndProof{AggregatorIndex: agg1, Aggregate: a, SelectionProof: h.s.SelectionProof(agg1, slot)}
		return &electra.SignedAggregateAndProof{Message: ap, Signature: h.trySign(agg1, ap, signing.DomainAggregateAndProof, epoch)}
	}
	before = len(h.n.AllAccepted())
	st, body = h.post(ethnode.PathAggregateAndProofs, version("electra"), []*electra.SignedAggregateAndProof{build1(0)})
	h.refused("aggregate counting an attestation the beacon node never saw", st, body, "never reached the beacon node", before)
	if st, body := h.post(ethnode.PathAggregateAndProofs, version("electra"), []*electra.SignedAggregateAndProof{build1(1)}); st != http.StatusOK {
		t.Fatalf("aggregate of the pool refused: %d %s", st, body)
	}
	// Beacon committee selections: verified full proofs come back.
	sel := []*apiv1.BeaconCommitteeSelection{{ValidatorIndex: aggregator, Slot: slot, SelectionProof: h.s.SelectionProof(aggregator, slot)}}
	if st, body := h.post(ethnode.PathBeaconCommitteeSel, nil, sel); st != http.StatusOK {
		t.Fatalf("selection refused: %d %s", st, body)
	}
	before = len(h.n.AllAccepted())
	bad := []*apiv1.BeaconCommitteeSelection{sel[0], {ValidatorIndex: notAggregator, Slot: slot, SelectionProof: sel[0].SelectionProof}}
	st, body = h.post(ethnode.PathBeaconCommitteeSel, nil, bad)
	h.refused("selection signed by another key", st, body, "selection 1: selection proof", before)
	bad = []*apiv1.BeaconCommitteeSelection{{ValidatorIndex: aggregator, Slot: slot, SelectionProof: infinity}}
	st, body = h.post(ethnode.PathBeaconCommitteeSel, nil, bad)
	h.refused("infinity selection", st, body, "point at infinity", before)
}

// TestSyncCommitteeVerification covers sync committee messages,
// contributions and proofs, and sync committee selections on a
// minimal-preset chain (a sync committee of 32 out of 64 validators, so
// some validators are outside it).
func TestSyncCommitteeVerification(t *testing.T) {
	h := newHarness(t, simbeacon.Config{Chain: spec.MinimalConfig(), Validators: 64})
	slot := phase0.Slot(12)
	toSlot(h, slot)
	committee := h.n.SyncCommittee(slot)
	member := committee[0]
	in := map[phase0.ValidatorIndex]bool{}
	for _, v := range committee {
		in[v] = true
	}
	var outsider phase0.ValidatorIndex = 9999
	for v := phase0.ValidatorIndex(0); v < 64; v++ {
		if !in[v] {
			outsider = v
			break
		}
	}
	if outsider == 9999 {
		t.Fatal("test setup: everyone is in the sync committee")
	}
	good := h.s.SyncMessage(member, slot)
	root := simbeacon.BlockRoot(slot)
	gvr := h.n.GenesisValidatorsRoot()
	mutate := func(f func(m *altair.SyncCommitteeMessage)) *altair.SyncCommitteeMessage {
		c := *good
		f(&c)
		return &c
	}
	cases := []struct {
		name   string
		m      *altair.SyncCommitteeMessage
		reason string
	}{
		{"signed by another key", mutate(func(m *altair.SyncCommitteeMessage) { m.Signature = h.s.SyncMessage(committee[1], slot).Signature }), "does not verify"},
		{"not in the sync committee", h.s.SyncMessage(outsider, slot), "not in the sync committee"},
		{"not the head", mutate(func(m *altair.SyncCommitteeMessage) { m.BeaconBlockRoot = simbeacon.BlockRoot(slot - 1) }), "is not the head"},
		{"old slot", h.s.SyncMessage(member, slot-5), "too old"},
		{"future slot", h.s.SyncMessage(member, slot+3), "in the future"},
		{"wrong domain", mutate(func(m *altair.SyncCommitteeMessage) {
			m.Signature = h.signWith(member, root, signing.DomainBeaconAttester, h.forkVersion("electra"), gvr)
		}), "does not verify"},
		{"wrong fork version", mutate(func(m *altair.SyncCommitteeMessage) {
			m.Signature = h.signWith(member, root, signing.DomainSyncCommittee, h.forkVersion("altair"), gvr)
		}), "does not verify"},
		{"infinity", mutate(func(m *altair.SyncCommitteeMessage) { m.Signature = infinity }), "point at infinity"},
		{"unknown validator", mutate(func(m *altair.SyncCommitteeMessage) { m.ValidatorIndex = 64 }), "unknown validator"},
	}
	for _, tc := range cases {
		st, body := h.post(ethnode.PathPoolSyncCommittees, nil, []*altair.SyncCommitteeMessage{tc.m})
		h.refused(tc.name, st, body, tc.reason, 0)
	}
	// Every member signs; then contributions.
	var msgs []*altair.SyncCommitteeMessage
	seen := map[phase0.ValidatorIndex]bool{}
	for _, v := range committee {
		if !seen[v] {
			seen[v] = true
			msgs = append(msgs, h.s.SyncMessage(v, slot))
		}
	}
	if st, body := h.post(ethnode.PathPoolSyncCommittees, nil, msgs); st != http.StatusOK {
		t.Fatalf("sync messages: %d %s", st, body)
	}
	sub := uint64(1)
	size := uint64(len(committee)) / 4
	subMembers := committee[sub*size : (sub+1)*size]
	agg := subMembers[0]
	var sigs []phase0.BLSSignature
	for _, v := range subMembers {
		sigs = append(sigs, h.s.SyncMessage(v, slot).Signature)
	}
	epoch := phase0.Epoch(uint64(slot) / 8)
	build := func(a phase0.ValidatorIndex, f func(cp *altair.ContributionAndProof)) *altair.SignedContributionAndProof {
		c := &altair.SyncCommitteeContribution{Slot: slot, BeaconBlockRoot: root, SubcommitteeIndex: sub, AggregationBits: []byte{0xff}, Signature: aggregateOf(t, sigs...)}
		cp := &altair.ContributionAndProof{AggregatorIndex: a, Contribution: c, SelectionProof: h.s.SyncSelectionProof(a, slot, sub)}
		f(cp)
		return &altair.SignedContributionAndProof{Message: cp, Signature: h.trySign(a, cp, signing.DomainContributionAndProof, epoch)}
	}
	none := func(*altair.ContributionAndProof) {}
	goodCP := build(agg, none)
	wrongSig := build(agg, none)
	wrongSig.Signature = h.s.SignedRoot(subMembers[1], wrongSig.Message, signing.DomainContributionAndProof, epoch)
	before := len(h.n.AllAccepted())
	for _, tc := range []struct {
		name   string
		cp     *altair.SignedContributionAndProof
		reason string
	}{
		{"aggregator outside the subcommittee", build(committee[0], func(cp *altair.ContributionAndProof) {
			if cp.AggregatorIndex == agg {
				t.Skip("test setup: subcommittee 0 and 1 start with the same validator")
			}
		}), "not in sync subcommittee"},
		{"selection proof for another subcommittee", build(agg, func(cp *altair.ContributionAndProof) { cp.SelectionProof = h.s.SyncSelectionProof(agg, slot, 2) }), "selection proof"},
		{"aggregator signature by another key", wrongSig, "contribution and proof signature"},
		{"contribution missing a signature", build(agg, func(cp *altair.ContributionAndProof) { cp.Contribution.Signature = aggregateOf(t, sigs[1:]...) }), "contribution:"},
		{"bits of the wrong size", build(agg, func(cp *altair.ContributionAndProof) { cp.Contribution.AggregationBits = make([]byte, 16) }), "aggregation bits have 16 bytes"},
		{"no participants", build(agg, func(cp *altair.ContributionAndProof) { cp.Contribution.AggregationBits = []byte{0} }), "no participants"},
		{"not the head", build(agg, func(cp *altair.ContributionAndProof) { cp.Contribution.BeaconBlockRoot = simbeacon.BlockRoot(slot - 1) }), "is not the head"},
		{"subcommittee out of range", build(agg, func(cp *altair.ContributionAndProof) { cp.Contribution.SubcommitteeIndex = 4 }), "out of range"},
	} {
		st, body := h.post(ethnode.PathContributionAndProof, nil, []*altair.SignedContributionAndProof{tc.cp})
		h.refused(tc.name, st, body, tc.reason, before)
	}
	if st, body := h.post(ethnode.PathContributionAndProof, nil, []*altair.SignedContributionAndProof{goodCP}); st != http.StatusOK {
		t.Fatalf("valid contribution refused: %d %s", st, body)
	}
	if len(h.n.Accepted(agg, simbeacon.KindContributionAndProof)) != 1 {
		t.Fatal("contribution not recorded")
	}
	// The node's own contribution for the subcommittee is the same.
	st, body := h.do(http.MethodGet, fmt.Sprintf("%s?slot=%d&subcommittee_index=%d&beacon_block_root=%s", ethnode.PathSyncContribution, slot, sub, hex0x(root[:])), nil, nil)
	if st != http.StatusOK {
		t.Fatalf("contribution: %d %s", st, body)
	}
	st, body = h.do(http.MethodGet, fmt.Sprintf("%s?slot=%d&subcommittee_index=%d&beacon_block_root=%s", ethnode.PathSyncContribution, slot, sub, hex0x(make([]byte, 32))), nil, nil)
	if st != http.StatusNotFound {
		t.Fatalf("contribution for an unseen root: %d %s", st, body)
	}
	// Sync committee selections.
	before = len(h.n.AllAccepted())
	sel := []*ethnode.SyncCommitteeSelection{{ValidatorIndex: agg, Slot: slot, SubcommitteeIndex: sub, SelectionProof: h.s.SyncSelectionProof(agg, slot, sub)}}
	if st, body := h.post(ethnode.PathSyncCommitteeSel, nil, sel); st != http.StatusOK {
		t.Fatalf("sync selection refused: %d %s", st, body)
	}
	before++
	for _, tc := range []struct {
		name   string
		sel    *ethnode.SyncCommitteeSelection
		reason string
	}{
		{"outsider", &ethnode.SyncCommitteeSelection{ValidatorIndex: outsider, Slot: slot, SubcommitteeIndex: sub, SelectionProof: h.s.SyncSelectionProof(outsider, slot, sub)}, "not in sync subcommittee"},
		{"another key", &ethnode.SyncCommitteeSelection{ValidatorIndex: agg, Slot: slot, SubcommitteeIndex: sub, SelectionProof: h.s.SyncSelectionProof(subMembers[1], slot, sub)}, "selection proof"},
		{"wrong subcommittee", &ethnode.SyncCommitteeSelection{ValidatorIndex: agg, Slot: slot, SubcommitteeIndex: 9, SelectionProof: sel[0].SelectionProof}, "out of range"},
	} {
		st, body := h.post(ethnode.PathSyncCommitteeSel, nil, []*ethnode.SyncCommitteeSelection{tc.sel})
		h.refused(tc.name, st, body, tc.reason, before)
	}
	// The next slot's block carries the accepted contribution in its sync
	// aggregate: subcommittee 1's positions, its signature.
	toSlot(h, slot+1)
	agg1 := h.electraBlock(slot + 1).Block.Body.SyncAggregate
	for pos := uint64(0); pos < uint64(len(committee)); pos++ {
		set := agg1.SyncCommitteeBits[pos/8]&(1<<(pos%8)) != 0
		if set != (pos >= sub*size && pos < (sub+1)*size) {
			t.Fatalf("sync aggregate bit %d is %v (subcommittee %d of size %d contributed)", pos, set, sub, size)
		}
	}
	if agg1.SyncCommitteeSignature != aggregateOf(t, sigs...) {
		t.Fatal("sync aggregate signature is not the contribution's")
	}
}

// TestRegistrationAndExitVerification covers builder registrations (genesis
// fork version, zero genesis validators root) and voluntary exits (Capella
// version from Deneb on).
func TestRegistrationAndExitVerification(t *testing.T) {
	h := newHarness(t, simbeacon.Config{Validators: 16})
	toSlot(h, 70)
	reg := h.s.Registration(3, h.n.GenesisTime())
	regRoot, _ := reg.Message.HashTreeRoot()
	mutate := func(sig phase0.BLSSignature) *apiv1.SignedValidatorRegistration {
		return &apiv1.SignedValidatorRegistration{Message: reg.Message, Signature: sig}
	}
	for _, tc := range []struct {
		name   string
		r      *apiv1.SignedValidatorRegistration
		reason string
	}{
		{"another key", mutate(h.s.Registration(4, h.n.GenesisTime()).Signature), "does not verify"},
		{"chain's genesis validators root", mutate(h.signWith(3, regRoot, signing.DomainApplicationBuilder, h.forkVersion("phase0"), h.n.GenesisValidatorsRoot())), "does not verify"},
		{"current fork version", mutate(h.signWith(3, regRoot, signing.DomainApplicationBuilder, h.forkVersion("electra"), phase0.Root{})), "does not verify"},
	} {
		st, body := h.post(ethnode.PathRegisterValidator, nil, []*apiv1.SignedValidatorRegistration{tc.r})
		h.refused(tc.name, st, body, tc.reason, 0)
	}
	unknown := *reg.Message
	unknown.Pubkey[0] ^= 0xff
	if st, body := h.post(ethnode.PathRegisterValidator, nil, []*apiv1.SignedValidatorRegistration{{Message: &unknown, Signature: reg.Signature}}); st != http.StatusOK {
		t.Fatalf("unknown validator's registration not filtered: %d %s", st, body)
	}
	if st, body := h.post(ethnode.PathRegisterValidator, nil, []*apiv1.SignedValidatorRegistration{reg}); st != http.StatusOK {
		t.Fatalf("valid registration refused: %d %s", st, body)
	}
	if len(h.n.AllAccepted()) != 1 {
		t.Fatalf("acceptances %+v", h.n.AllAccepted())
	}
	current := phase0.Epoch(70 / 32)
	exit := h.s.Exit(5, current, current)
	exitRoot, _ := exit.Message.HashTreeRoot()
	for _, tc := range []struct {
		name   string
		e      *phase0.SignedVoluntaryExit
		reason string
	}{
		{"another key", &phase0.SignedVoluntaryExit{Message: exit.Message, Signature: h.s.Exit(6, current, current).Signature}, "does not verify"},
		{"electra version (EIP-7044 wants capella)", &phase0.SignedVoluntaryExit{Message: exit.Message, Signature: h.signWith(5, exitRoot, signing.DomainVoluntaryExit, h.forkVersion("electra"), h.n.GenesisValidatorsRoot())}, "does not verify"},
		{"future epoch", h.s.Exit(5, current+1, current+1), "after the current epoch"},
		{"unknown validator", &phase0.SignedVoluntaryExit{Message: &phase0.VoluntaryExit{Epoch: current, ValidatorIndex: 99}, Signature: exit.Signature}, "unknown validator"},
	} {
		st, body := h.post(ethnode.PathPoolVoluntaryExits, nil, tc.e)
		h.refused(tc.name, st, body, tc.reason, 1)
	}
	if st, body := h.post(ethnode.PathPoolVoluntaryExits, nil, exit); st != http.StatusOK {
		t.Fatalf("valid exit refused: %d %s", st, body)
	}
	if len(h.n.Accepted(5, simbeacon.KindVoluntaryExit)) != 1 {
		t.Fatal("exit not recorded")
	}
}
