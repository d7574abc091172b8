package simtest

import (
	"context"
	"testing"
	"time"

	"github.com/attestantio/go-eth2-client/api"
	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/versioned"
)

// Exercise drives every ethnode.BeaconNode method of c against the node
// (which must have 64 validators and a manual clock), checks each answer
// against the node's own view, and checks that every signed submission was
// accepted and no offence recorded. It is the conformance run of a beacon
// client: the same flow a DV node goes through for every duty.
func Exercise(t *testing.T, c ethnode.BeaconNode, n *simbeacon.Node, clock *simbeacon.ManualClock) {
	t.Helper()
	s := Signer{T: t, Node: n}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	spe := n.ChainConfig().SlotsPerEpoch
	// Epoch 2, so source and target differ and the chain has history.
	epoch := phase0.Epoch(2)
	through := n.Fork(phase0.Slot(uint64(epoch) * spe))
	ToSlot(n, clock, phase0.Slot(uint64(epoch)*spe))

	// Chain information.
	gvr, err := c.GenesisValidatorsRoot(ctx)
	if err != nil || gvr != n.GenesisValidatorsRoot() {
		t.Fatalf("GenesisValidatorsRoot = %#x, %v; want %#x", gvr, err, n.GenesisValidatorsRoot())
	}
	g, err := c.Genesis(ctx)
	if err != nil || !g.GenesisTime.Equal(n.GenesisTime()) {
		t.Fatalf("Genesis = %+v, %v", g, err)
	}
	fv, err := c.ForkVersion(ctx, phase0.Slot(uint64(epoch)*spe))
	if err != nil {
		t.Fatalf("ForkVersion: %v", err)
	}
	want, _ := n.Config().Forks.ByName(through)
	if fv != want.Version {
		t.Fatalf("ForkVersion = %#x, want %#x", fv, want.Version)
	}
	fs, err := c.ForkSchedule(ctx)
	if err != nil || len(fs) != int(through) {
		t.Fatalf("ForkSchedule = %d entries, %v; want %d", len(fs), err, through)
	}
	sf, err := c.StateFork(ctx, "head")
	if err != nil || sf.CurrentVersion != want.Version {
		t.Fatalf("StateFork = %+v, %v", sf, err)
	}
	spec, err := c.Spec(ctx)
	if err != nil || spec["SLOTS_PER_EPOCH"] != spe || spec["SECONDS_PER_SLOT"] != time.Duration(n.Config().SecondsPerSlot)*time.Second {
		t.Fatalf("Spec: %v (SLOTS_PER_EPOCH %v SECONDS_PER_SLOT %v)", err, spec["SLOTS_PER_EPOCH"], spec["SECONDS_PER_SLOT"])
	}
	sync, err := c.NodeSyncing(ctx)
	if err != nil || sync.IsSyncing || sync.HeadSlot != n.CurrentSlot() {
		t.Fatalf("NodeSyncing = %+v, %v", sync, err)
	}
	if v, err := c.NodeVersion(ctx); err != nil || v != n.Config().NodeVersion {
		t.Fatalf("NodeVersion = %q, %v", v, err)
	}

	// Registry and committees.
	all := make([]phase0.ValidatorIndex, 64)
	for i := range all {
		all[i] = phase0.ValidatorIndex(i)
	}
	pk3, _ := simbeacon.InteropPublicKey(3)
	vals, err := c.Validators(ctx, "head", []phase0.ValidatorIndex{1, 2, 999}, []phase0.BLSPubKey{pk3})
	if err != nil || len(vals) != 3 || vals[3] == nil || vals[3].Validator.PublicKey != pk3 || vals[1].Status != apiv1.ValidatorStateActiveOngoing {
		t.Fatalf("Validators = %v, %v", vals, err)
	}
	comms, err := c.BeaconCommittees(ctx, "head", &epoch)
	if err != nil || len(comms) == 0 {
		t.Fatalf("BeaconCommittees = %d, %v", len(comms), err)
	}
	members := 0
	for _, cm := range comms {
		members += len(cm.Validators)
		if got := n.Committee(cm.Slot, cm.Index); len(got) != len(cm.Validators) {
			t.Fatalf("committee %d/%d differs from the node's", cm.Slot, cm.Index)
		}
	}
	if members != 64 {
		t.Fatalf("committees hold %d validators, want 64", members)
	}

	// Attester duties, data, submission, aggregation.
	duties, err := c.AttesterDuties(ctx, epoch, all)
	if err != nil || len(duties.Duties) != 64 {
		t.Fatalf("AttesterDuties = %v, %v", duties, err)
	}
	if duties.DependentRoot != simbeacon.BlockRoot(phase0.Slot(uint64(epoch-1)*spe-1)) {
		t.Fatalf("attester dependent root %#x", duties.DependentRoot)
	}
	// Attest as every validator of the first slot's committees.
	first := duties.Duties[0]
	for _, d := range duties.Duties {
		if d.Slot < first.Slot {
			first = d
		}
	}
	slot := first.Slot
	ToSlot(n, clock, slot)
	data, err := c.ProduceAttestationData(ctx, slot, first.CommitteeIndex)
	if err != nil {
		t.Fatalf("ProduceAttestationData: %v", err)
	}
	if !sameData(data, n.AttestationData(slot, first.CommitteeIndex)) || data.Source.Epoch != epoch-1 || data.Target.Epoch != epoch {
		t.Fatalf("attestation data %+v", data)
	}
	var atts []*eth2spec.VersionedAttestation
	var attesters []phase0.ValidatorIndex
	for _, d := range duties.Duties {
		if d.Slot == slot && d.CommitteeIndex == first.CommitteeIndex {
			atts = append(atts, s.Attestation(d.ValidatorIndex, epoch))
			attesters = append(attesters, d.ValidatorIndex)
		}
	}
	if err := c.SubmitAttestations(ctx, atts); err != nil {
		t.Fatalf("SubmitAttestations: %v", err)
	}
	for _, v := range attesters {
		if len(n.Accepted(v, simbeacon.KindAttestation)) != 1 {
			t.Fatalf("attestation of %d not recorded", v)
		}
	}
	dataRoot, _ := data.HashTreeRoot()
	agg, err := c.AggregateAttestation(ctx, slot, dataRoot, first.CommitteeIndex)
	if err != nil {
		t.Fatalf("AggregateAttestation: %v", err)
	}
	bits, _ := agg.AggregationBits()
	if bits.Count() != uint64(len(attesters)) {
		t.Fatalf("aggregate has %d bits, want %d", bits.Count(), len(attesters))
	}
	aggregator := attesters[0]
	sel := []*apiv1.BeaconCommitteeSelection{{ValidatorIndex: aggregator, Slot: slot, SelectionProof: s.SelectionProof(aggregator, slot)}}
	gotSel, err := c.BeaconCommitteeSelections(ctx, sel)
	if err != nil || len(gotSel) != 1 || gotSel[0].SelectionProof != sel[0].SelectionProof {
		t.Fatalf("BeaconCommitteeSelections = %v, %v", gotSel, err)
	}
	if !n.ChainConfig().IsAggregator(uint64(len(attesters)), sel[0].SelectionProof) {
		t.Fatalf("test setup: validator %d is not an aggregator", aggregator)
	}
	sap := SignedAggregate(t, s, agg, aggregator, sel[0].SelectionProof, epoch)
	if err := c.SubmitAggregateAndProofs(ctx, []*eth2spec.VersionedSignedAggregateAndProof{sap}); err != nil {
		t.Fatalf("SubmitAggregateAndProofs: %v", err)
	}
	if len(n.Accepted(aggregator, simbeacon.KindAggregateAndProof)) != 1 {
		t.Fatal("aggregate not recorded")
	}
	if err := c.SubmitBeaconCommitteeSubscriptions(ctx, []*apiv1.BeaconCommitteeSubscription{{
		ValidatorIndex: aggregator, Slot: slot, CommitteeIndex: first.CommitteeIndex, CommitteesAtSlot: first.CommitteesAtSlot, IsAggregator: true,
	}}); err != nil {
		t.Fatalf("SubmitBeaconCommitteeSubscriptions: %v", err)
	}

	// Proposals.
	pd, err := c.ProposerDuties(ctx, epoch)
	if err != nil || uint64(len(pd.Duties)) != spe {
		t.Fatalf("ProposerDuties = %v, %v", pd, err)
	}
	bslot := pd.Duties[1].Slot
	ToSlot(n, clock, bslot)
	proposer := pd.Duties[1].ValidatorIndex
	if err := c.SubmitProposalPreparations(ctx, []*apiv1.ProposalPreparation{{ValidatorIndex: proposer, FeeRecipient: [20]byte{0xfe}}}); err != nil {
		t.Fatalf("SubmitProposalPreparations: %v", err)
	}
	graffiti := [32]byte{'d', 'v'}
	proposal, err := c.ProduceBlock(ctx, bslot, s.RandaoReveal(bslot), graffiti)
	if err != nil {
		t.Fatalf("ProduceBlock: %v", err)
	}
	if proposal.Version != through || proposal.Blinded {
		t.Fatalf("proposal version %s blinded %v", proposal.Version, proposal.Blinded)
	}
	if through >= eth2spec.DataVersionBellatrix {
		fr, err := proposal.FeeRecipient()
		if err != nil || fr[0] != 0xfe {
			t.Fatalf("fee recipient %#x, %v", fr, err)
		}
	}
	if err := c.SubmitBlock(ctx, s.SignProposal(proposal)); err != nil {
		t.Fatalf("SubmitBlock: %v", err)
	}
	if len(n.Accepted(proposer, simbeacon.KindBlock)) != 1 {
		t.Fatal("block not recorded")
	}

	// Registrations and exits.
	if err := c.SubmitValidatorRegistrations(ctx, []*api.VersionedSignedValidatorRegistration{{
		Version: eth2spec.BuilderVersionV1, V1: s.Registration(5, Genesis),
	}}); err != nil {
		t.Fatalf("SubmitValidatorRegistrations: %v", err)
	}
	if err := c.SubmitVoluntaryExit(ctx, s.Exit(6, epoch, epoch)); err != nil {
		t.Fatalf("SubmitVoluntaryExit: %v", err)
	}

	// Liveness.
	live, err := c.ValidatorLiveness(ctx, epoch, []phase0.ValidatorIndex{attesters[0], 63})
	if err != nil || len(live) != 2 || !live[0].IsLive {
		t.Fatalf("ValidatorLiveness = %v, %v", live, err)
	}

	// Sync committee duties (Altair on).
	if through < eth2spec.DataVersionAltair {
		if _, err := c.SyncCommitteeDuties(ctx, epoch, all); err == nil {
			t.Fatal("SyncCommitteeDuties before Altair succeeded")
		}
		return
	}
	sd, err := c.SyncCommitteeDuties(ctx, epoch, all)
	if err != nil || len(sd) == 0 {
		t.Fatalf("SyncCommitteeDuties = %v, %v", sd, err)
	}
	sslot := bslot
	committee := n.SyncCommittee(sslot)
	var msgs []*altair.SyncCommitteeMessage
	seen := map[phase0.ValidatorIndex]bool{}
	for _, v := range committee {
		if !seen[v] {
			seen[v] = true
			msgs = append(msgs, s.SyncMessage(v, sslot))
		}
	}
	if err := c.SubmitSyncCommitteeMessages(ctx, msgs); err != nil {
		t.Fatalf("SubmitSyncCommitteeMessages: %v", err)
	}
	if err := c.SubmitSyncCommitteeSubscriptions(ctx, []*apiv1.SyncCommitteeSubscription{{
		ValidatorIndex: committee[0], SyncCommitteeIndices: []phase0.CommitteeIndex{0}, UntilEpoch: epoch + 1,
	}}); err != nil {
		t.Fatalf("SubmitSyncCommitteeSubscriptions: %v", err)
	}
	// Find a selected aggregator of subcommittee 0.
	subSize := uint64(len(committee)) / n.ChainConfig().SyncCommitteeSubnetCount
	var agg0 phase0.ValidatorIndex
	var proof phase0.BLSSignature
	found := false
	for _, v := range committee[:subSize] {
		p := s.SyncSelectionProof(v, sslot, 0)
		if n.ChainConfig().IsSyncCommitteeAggregator(p) {
			agg0, proof, found = v, p, true
			break
		}
	}
	if !found {
		t.Fatal("test setup: no sync aggregator in subcommittee 0")
	}
	ssel, err := c.SyncCommitteeSelections(ctx, []*ethnode.SyncCommitteeSelection{{ValidatorIndex: agg0, Slot: sslot, SubcommitteeIndex: 0, SelectionProof: proof}})
	if err != nil || len(ssel) != 1 || ssel[0].SelectionProof != proof {
		t.Fatalf("SyncCommitteeSelections = %v, %v", ssel, err)
	}
	contrib, err := c.ProduceSyncCommitteeContribution(ctx, sslot, 0, simbeacon.BlockRoot(sslot))
	if err != nil {
		t.Fatalf("ProduceSyncCommitteeContribution: %v", err)
	}
	if got := bitCount(contrib.AggregationBits); got != int(subSize) {
		t.Fatalf("contribution has %d bits, want %d", got, subSize)
	}
	cp := &altair.ContributionAndProof{AggregatorIndex: agg0, Contribution: contrib, SelectionProof: proof}
	scp := &altair.SignedContributionAndProof{Message: cp, Signature: s.SignedRoot(agg0, cp, signing.DomainContributionAndProof, epoch)}
	if err := c.SubmitSyncCommitteeContributions(ctx, []*altair.SignedContributionAndProof{scp}); err != nil {
		t.Fatalf("SubmitSyncCommitteeContributions: %v", err)
	}
	if len(n.Accepted(agg0, simbeacon.KindContributionAndProof)) != 1 {
		t.Fatal("contribution not recorded")
	}
	if off := n.Offences(); len(off) != 0 {
		t.Fatalf("offences: %+v", off)
	}
}

func sameData(a, b *phase0.AttestationData) bool {
	ra, errA := a.HashTreeRoot()
	rb, errB := b.HashTreeRoot()
	return errA == nil && errB == nil && ra == rb
}

func bitCount(b []byte) int {
	c := 0
	for _, x := range b {
		for ; x != 0; x &= x - 1 {
			c++
		}
	}
	return c
}

// SignedAggregate wraps an aggregate into a signed aggregate and proof of
// the aggregate's version, signed by aggregator.
func SignedAggregate(t *testing.T, s Signer, agg *eth2spec.VersionedAttestation, aggregator phase0.ValidatorIndex, proof phase0.BLSSignature, epoch phase0.Epoch) *eth2spec.VersionedSignedAggregateAndProof {
	t.Helper()
	a, err := versioned.Attestation(agg)
	if err != nil {
		t.Fatal(err)
	}
	var sap versioned.Container
	switch a := a.(type) {
	case *electra.Attestation:
		msg := &electra.AggregateAndProof{AggregatorIndex: aggregator, Aggregate: a, SelectionProof: proof}
		sap = &electra.SignedAggregateAndProof{Message: msg, Signature: s.SignedRoot(aggregator, msg, signing.DomainAggregateAndProof, epoch)}
	case *phase0.Attestation:
		msg := &phase0.AggregateAndProof{AggregatorIndex: aggregator, Aggregate: a, SelectionProof: proof}
		sap = &phase0.SignedAggregateAndProof{Message: msg, Signature: s.SignedRoot(aggregator, msg, signing.DomainAggregateAndProof, epoch)}
	}
	out := &eth2spec.VersionedSignedAggregateAndProof{Version: agg.Version}
	if err := versioned.SetSignedAggregateAndProof(out, sap); err != nil {
		t.Fatal(err)
	}
	return out
}
