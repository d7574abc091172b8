package validatorapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	bitfield "github.com/OffchainLabs/go-bitfield"
	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// aggLoop stands in for impl/node's aggregation runtime in VC-middleware
// mode: it owns the validator's aggregation state, steps the captured
// events with aggduty.Step, loops this node's broadcasts back and hands
// the VC-facing outputs to the server. Expected values in the tests are
// computed from the secret keys, never from the state machine.
type aggLoop struct {
	mu        sync.Mutex
	t         *testing.T
	cfg       *dvc.Config
	st        *aggduty.State
	srv       *Server
	starts    []aggduty.StartAggregateConsensus
	cstarts   []aggduty.StartContributionConsensus
	submitted []aggduty.SubmitAggregateAndProof
	csubmit   []aggduty.SubmitContributionAndProof
	bcasts    int
	// onCapture, when set, runs after each accepted capture (outside the
	// lock): the test's co-validators answering the VC's shares.
	onCapture func()
}

func (l *aggLoop) Capture(_ context.Context, pk phase0.BLSPubKey, ev dvc.Event) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if pk != l.cfg.Validator.Pubkey {
		return fmt.Errorf("no validator %#x", pk[:4])
	}
	ae, ok := ev.(aggduty.Event)
	if !ok {
		return fmt.Errorf("not an aggregation event")
	}
	if err := l.step(ae); err != nil {
		return err
	}
	if l.onCapture != nil {
		l.mu.Unlock()
		l.onCapture()
		l.mu.Lock()
	}
	return nil
}

func (l *aggLoop) inject(ev aggduty.Event) {
	l.t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.step(ev); err != nil {
		l.t.Fatalf("%s: %v", ev.EventName(), err)
	}
}

func (l *aggLoop) step(ev aggduty.Event) error {
	next, outs, err := aggduty.Step(l.cfg, l.st, ev, aggduty.Oracles{})
	if err != nil {
		return err
	}
	l.st = next
	ctx := context.Background()
	for _, o := range outs {
		switch o := o.(type) {
		case dvc.Broadcast:
			l.bcasts++
			if err := l.step(aggduty.ReceivedAggregationShare{Share: o.Message.(*networking.AggregationShare)}); err != nil {
				l.t.Errorf("own share: %v", err)
			}
		case aggduty.BeaconCommitteeSelectionCombined:
			if err := l.srv.CacheBeaconCommitteeSelection(o.Selection, o.IsAggregator); err != nil {
				l.t.Error(err)
			}
		case aggduty.SyncCommitteeSelectionCombined:
			if err := l.srv.CacheSyncCommitteeSelection(o.Selection, o.IsAggregator); err != nil {
				l.t.Error(err)
			}
		case aggduty.CacheAggregateAndProofForVC:
			if err := l.srv.CacheAggregateAndProofForVC(ctx, o.AggregateAndProof); err != nil {
				l.t.Error(err)
			}
		case aggduty.CacheContributionAndProofForVC:
			if err := l.srv.CacheContributionAndProofForVC(ctx, o.ContributionAndProof); err != nil {
				l.t.Error(err)
			}
		case aggduty.StartAggregateConsensus:
			l.starts = append(l.starts, o)
		case aggduty.StartContributionConsensus:
			l.cstarts = append(l.cstarts, o)
		case aggduty.SubmitAggregateAndProof:
			l.submitted = append(l.submitted, o)
		case aggduty.SubmitContributionAndProof:
			l.csubmit = append(l.csubmit, o)
		}
	}
	return nil
}

func (l *aggLoop) counts() (bcasts, submitted, csubmit int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bcasts, len(l.submitted), len(l.csubmit)
}

// aggFixture: interop key 1 (validator 42) split 3-of-4, this node holds
// share 1; its committee is interop keys 1..8, the validator first. The
// chain is the minimal preset at Deneb from genesis.
type aggFixture struct {
	*fixture
	sk     bls.SecretKey
	member []phase0.BLSPubKey
	al     *aggLoop
}

const aggSlot = phase0.Slot(9)

func newAggFixture(t *testing.T, fork ...eth2spec.DataVersion) *aggFixture {
	t.Helper()
	at := eth2spec.DataVersionDeneb
	if len(fork) > 0 {
		at = fork[0]
	}
	forks, err := signing.MinimalForkSchedule(at)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := signing.NewChain(forks, phase0.Root{1}, spec.MinimalConfig())
	if err != nil {
		t.Fatal(err)
	}
	f := &aggFixture{fixture: &fixture{t: t, chain: chain}}
	for i := uint64(1); i <= 8; i++ {
		sk, err := bls.InteropSecretKey(i)
		if err != nil {
			t.Fatal(err)
		}
		pk, err := sk.PublicKey()
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			f.sk, f.pk = sk, pk
		}
		f.member = append(f.member, pk)
	}
	f.shares, err = bls.Split(f.sk, 3, 4, []byte("validatorapi-agg-test"))
	if err != nil {
		t.Fatal(err)
	}
	pubs := map[uint64]phase0.BLSPubKey{}
	for _, s := range f.shares {
		ps, err := s.PublicShare()
		if err != nil {
			t.Fatal(err)
		}
		pubs[s.Index] = ps.PublicKey
	}
	f.share1 = pubs[1]
	cfg := &dvc.Config{Chain: chain, Validator: spec.ValidatorIdentity{Pubkey: f.pk, Index: valIndex}, ShareIndex: 1,
		Peers: []uint64{1, 2, 3, 4}, PublicShares: pubs, Threshold: 3, Mode: dvc.ModeVCMiddleware}
	f.al = &aggLoop{t: t, cfg: cfg, st: aggduty.NewState()}
	// No request of these tests reaches the beacon node.
	f.srv, err = New(Config{BeaconURL: "http://127.0.0.1:1", Chain: chain, Genesis: time.Now().Add(-time.Hour), SlotDuration: 6 * time.Second,
		Validators: []Validator{{Pubkey: f.pk, SharePubkey: pubs[1], Index: valIndex}}, Node: f.al, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	f.al.srv = f.srv
	f.http = httptest.NewServer(f.srv.Handler())
	t.Cleanup(f.http.Close)
	return f
}

func (f *aggFixture) full(root phase0.Root) phase0.BLSSignature {
	sig, err := bls.Sign(f.sk, root[:])
	if err != nil {
		f.t.Fatal(err)
	}
	return sig
}

func (f *aggFixture) share(typ networking.AggregationShareType, slot phase0.Slot, sub uint64, root phase0.Root, signer int) *networking.AggregationShare {
	return &networking.AggregationShare{Type: uint64(typ), Slot: slot, SubcommitteeIndex: sub, ValidatorIndex: valIndex, SigningRoot: root, Signature: f.sign(signer, root), ShareIndex: uint64(signer)}
}

// aggregate is an aggregate of the committee over data with the
// validator's bit (and position 3's) set, signed by those members.
func (f *aggFixture) aggregate(data *phase0.AttestationData, extra bool) *eth2spec.VersionedAttestation {
	in, err := f.chain.AttestationData(data)
	if err != nil {
		f.t.Fatal(err)
	}
	bits := bitfield.NewBitlist(8)
	bits.SetBitAt(0, true)
	sigs := []bls.Signature{f.full(in.SigningRoot)}
	if extra {
		sk, err := bls.InteropSecretKey(4)
		if err != nil {
			f.t.Fatal(err)
		}
		s, err := bls.Sign(sk, in.SigningRoot[:])
		if err != nil {
			f.t.Fatal(err)
		}
		bits.SetBitAt(3, true)
		sigs = append(sigs, s)
	}
	sig, err := bls.AggregateSignatures(sigs)
	if err != nil {
		f.t.Fatal(err)
	}
	return &eth2spec.VersionedAttestation{Version: eth2spec.DataVersionDeneb, Deneb: &phase0.Attestation{AggregationBits: bits, Data: data, Signature: sig}}
}

func TestAggregationThroughTheValidatorAPI(t *testing.T) {
	f := newAggFixture(t)
	duty := &spec.AttestationDuty{Pubkey: f.pk, ValidatorIndex: valIndex, CommitteeIndex: 1, CommitteeLength: 8, CommitteesAtSlot: 2, ValidatorCommitteeIndex: 0, Slot: aggSlot}
	f.al.inject(aggduty.ServeAggregatorDuty{Duty: duty, Committee: f.member})
	sel, err := f.chain.AggregationSlot(aggSlot)
	if err != nil {
		t.Fatal(err)
	}
	// The co-validators' shares arrive first; the VC's completes the
	// threshold.
	for _, i := range []int{2, 3} {
		f.al.inject(aggduty.ReceivedAggregationShare{Share: f.share(networking.ShareSelectionProof, aggSlot, 0, sel.SigningRoot, i)})
	}
	post := func(s phase0.BLSSignature) (int, []byte) {
		return f.do(http.MethodPost, "/eth/v1/validator/beacon_committee_selections", nil,
			mustJSON(t, []*apiv1.BeaconCommitteeSelection{{ValidatorIndex: valIndex, Slot: aggSlot, SelectionProof: s}}))
	}
	b0, _, _ := f.al.counts()
	if code, body := post(f.sign(2, sel.SigningRoot)); code != http.StatusBadRequest {
		t.Fatalf("selection signed with another share: %d %s, want 400", code, body)
	}
	if b, _, _ := f.al.counts(); b != b0 {
		t.Fatal("a refused selection proof was sent to the co-validators")
	}
	code, body := post(f.sign(1, sel.SigningRoot))
	if code != http.StatusOK {
		t.Fatalf("selection: %d %s", code, body)
	}
	var sresp struct {
		Data []*apiv1.BeaconCommitteeSelection `json:"data"`
	}
	if err := json.Unmarshal(body, &sresp); err != nil || len(sresp.Data) != 1 {
		t.Fatalf("selection answer %s: %v", body, err)
	}
	if got := sresp.Data[0]; got.SelectionProof != f.full(sel.SigningRoot) || got.ValidatorIndex != valIndex || got.Slot != aggSlot {
		t.Fatalf("answered %+v, want the validator key's slot signature", got)
	}

	// The attestation gate opens the consensus; the cluster decides.
	data := attData(aggSlot, 1)
	f.al.inject(aggduty.AttestationSubmitted{Data: data})
	if len(f.al.starts) != 1 {
		t.Fatalf("%d aggregate consensus starts, want 1", len(f.al.starts))
	}
	decided := f.aggregate(data, true)
	f.al.inject(aggduty.AggregateConsensusDecided{ID: f.al.starts[0].ID, Aggregate: decided})

	root, err := data.HashTreeRoot()
	if err != nil {
		t.Fatal(err)
	}
	code, body = f.do(http.MethodGet, fmt.Sprintf("/eth/v1/validator/aggregate_attestation?slot=%d&attestation_data_root=%#x", aggSlot, root[:]), nil, nil)
	if code != http.StatusOK {
		t.Fatalf("aggregate_attestation: %d %s", code, body)
	}
	var aresp struct {
		Data *phase0.Attestation `json:"data"`
	}
	if err := json.Unmarshal(body, &aresp); err != nil || aresp.Data == nil {
		t.Fatalf("aggregate answer %s: %v", body, err)
	}
	want, _ := decided.Deneb.HashTreeRoot()
	if got, _ := aresp.Data.HashTreeRoot(); got != want {
		t.Fatalf("aggregate_attestation answered another aggregate than the decided one: %s", body)
	}
	code, body = f.do(http.MethodGet, fmt.Sprintf("/eth/v2/validator/aggregate_attestation?slot=%d&attestation_data_root=%#x&committee_index=1", aggSlot, root[:]), nil, nil)
	if code != http.StatusOK || !json.Valid(body) {
		t.Fatalf("aggregate_attestation v2: %d %s", code, body)
	}
	other := attData(aggSlot, 2)
	oroot, _ := other.HashTreeRoot()
	if code, body := f.do(http.MethodGet, fmt.Sprintf("/eth/v1/validator/aggregate_attestation?slot=%d&attestation_data_root=%#x", aggSlot, oroot[:]), nil, nil); code != http.StatusNotFound {
		t.Fatalf("aggregate of data nobody decided: %d %s, want 404", code, body)
	}

	// The VC signs the AggregateAndProof with its share.
	signedAP := func(agg *eth2spec.VersionedAttestation, signer int) *phase0.SignedAggregateAndProof {
		ap := &eth2spec.VersionedAggregateAndProof{Version: eth2spec.DataVersionDeneb, Deneb: &phase0.AggregateAndProof{AggregatorIndex: valIndex, Aggregate: agg.Deneb, SelectionProof: f.full(sel.SigningRoot)}}
		in, err := f.chain.AggregateAndProof(ap)
		if err != nil {
			t.Fatal(err)
		}
		return &phase0.SignedAggregateAndProof{Message: ap.Deneb, Signature: f.sign(signer, in.SigningRoot)}
	}
	submit := func(s *phase0.SignedAggregateAndProof) (int, []byte) {
		return f.do(http.MethodPost, "/eth/v1/validator/aggregate_and_proofs", nil, mustJSON(t, []*phase0.SignedAggregateAndProof{s}))
	}
	b0, _, _ = f.al.counts()
	for name, s := range map[string]*phase0.SignedAggregateAndProof{
		"signed with another share": signedAP(decided, 2),
		"not the decided aggregate": signedAP(f.aggregate(data, false), 1),
	} {
		if code, body := submit(s); code != http.StatusBadRequest {
			t.Fatalf("%s: %d %s, want 400", name, code, body)
		}
	}
	if b, n, _ := f.al.counts(); b != b0 || n != 0 {
		t.Fatalf("refused aggregate and proofs changed something: %d broadcasts, %d submissions", b-b0, n)
	}
	good := signedAP(decided, 1)
	if code, body := submit(good); code != http.StatusOK {
		t.Fatalf("aggregate and proof: %d %s", code, body)
	}
	in, err := f.chain.AggregateAndProof(&eth2spec.VersionedAggregateAndProof{Version: eth2spec.DataVersionDeneb, Deneb: good.Message})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{2, 3} {
		f.al.inject(aggduty.ReceivedAggregationShare{Share: f.share(networking.ShareAggregateAndProof, aggSlot, 0, in.SigningRoot, i)})
	}
	// Sent again, the VC's share changes nothing.
	if code, body := submit(good); code != http.StatusOK {
		t.Fatalf("aggregate and proof again: %d %s", code, body)
	}
	if _, n, _ := f.al.counts(); n != 1 {
		t.Fatalf("%d submissions, want 1", n)
	}
	sig, err := f.al.submitted[0].Signed.Signature()
	if err != nil || sig != f.full(in.SigningRoot) {
		t.Fatalf("submitted signature is not the validator key's: %v", err)
	}
}

func TestContributionThroughTheValidatorAPI(t *testing.T) {
	f := newAggFixture(t)
	cc := f.chain.ChainConfig()
	size := cc.SyncSubcommitteeSize()
	// The validator holds position 0 of subcommittee 0; the others are
	// interop keys 2..8 repeated.
	keys := make([]phase0.BLSPubKey, size)
	for i := range keys {
		keys[i] = f.member[i%len(f.member)]
	}
	keys[0] = f.pk
	slot := aggSlot
	duty := &spec.SyncCommitteeDuty{Pubkey: f.pk, ValidatorIndex: valIndex, ValidatorSyncCommitteeIndices: []uint64{0}}
	f.al.inject(aggduty.ServeSyncContributionDuty{Duty: duty, Slot: slot, Subcommittees: map[uint64][]phase0.BLSPubKey{0: keys}})
	sel, err := f.chain.SyncCommitteeSelectionProof(&altair.SyncAggregatorSelectionData{Slot: slot, SubcommitteeIndex: 0})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{2, 3} {
		f.al.inject(aggduty.ReceivedAggregationShare{Share: f.share(networking.ShareSyncSelectionProof, slot, 0, sel.SigningRoot, i)})
	}
	post := func(s phase0.BLSSignature) (int, []byte) {
		return f.do(http.MethodPost, "/eth/v1/validator/sync_committee_selections", nil,
			mustJSON(t, []*ethnode.SyncCommitteeSelection{{ValidatorIndex: valIndex, Slot: slot, SubcommitteeIndex: 0, SelectionProof: s}}))
	}
	if code, body := post(f.sign(3, sel.SigningRoot)); code != http.StatusBadRequest {
		t.Fatalf("sync selection signed with another share: %d %s, want 400", code, body)
	}
	code, body := post(f.sign(1, sel.SigningRoot))
	if code != http.StatusOK {
		t.Fatalf("sync selection: %d %s", code, body)
	}
	var sresp struct {
		Data []*ethnode.SyncCommitteeSelection `json:"data"`
	}
	if err := json.Unmarshal(body, &sresp); err != nil || len(sresp.Data) != 1 || sresp.Data[0].SelectionProof != f.full(sel.SigningRoot) {
		t.Fatalf("sync selection answer %s: %v", body, err)
	}
	proof := f.full(sel.SigningRoot)
	if !cc.IsSyncCommitteeAggregator(proof) {
		t.Fatal("the fixture needs interop key 1 to be a sync aggregator at this slot (minimal preset: every proof is)")
	}
	head := phase0.Root{0xee}
	f.al.inject(aggduty.SyncCommitteeMessageSubmitted{Slot: slot, BeaconBlockRoot: head})
	if len(f.al.cstarts) != 1 {
		t.Fatalf("%d contribution consensus starts, want 1", len(f.al.cstarts))
	}
	msg, err := f.chain.SyncCommitteeMessage(slot, head)
	if err != nil {
		t.Fatal(err)
	}
	// The subcommittee's bits (the preset's size), the validator's set.
	bits := bitfield.Bitvector128(make([]byte, (size+7)/8))
	bits[0] |= 1
	contrib := &altair.SyncCommitteeContribution{Slot: slot, BeaconBlockRoot: head, SubcommitteeIndex: 0, AggregationBits: bits, Signature: f.full(msg.SigningRoot)}
	f.al.inject(aggduty.ContributionConsensusDecided{ID: f.al.cstarts[0].ID, Contributions: []*altair.SyncCommitteeContribution{contrib}})

	code, body = f.do(http.MethodGet, fmt.Sprintf("/eth/v1/validator/sync_committee_contribution?slot=%d&subcommittee_index=0&beacon_block_root=%#x", slot, head[:]), nil, nil)
	if code != http.StatusOK {
		t.Fatalf("sync_committee_contribution: %d %s", code, body)
	}
	var cresp struct {
		Data *altair.SyncCommitteeContribution `json:"data"`
	}
	if err := json.Unmarshal(body, &cresp); err != nil || cresp.Data == nil {
		t.Fatalf("contribution answer %s: %v", body, err)
	}
	want, _ := contrib.HashTreeRoot()
	if got, _ := cresp.Data.HashTreeRoot(); got != want {
		t.Fatalf("answered another contribution than the decided one: %s", body)
	}
	cp := &altair.ContributionAndProof{AggregatorIndex: valIndex, Contribution: contrib, SelectionProof: proof}
	in, err := f.chain.ContributionAndProof(cp)
	if err != nil {
		t.Fatal(err)
	}
	submit := func(signer int) (int, []byte) {
		return f.do(http.MethodPost, "/eth/v1/validator/contribution_and_proofs", nil,
			mustJSON(t, []*altair.SignedContributionAndProof{{Message: cp, Signature: f.sign(signer, in.SigningRoot)}}))
	}
	b0, _, _ := f.al.counts()
	if code, body := submit(2); code != http.StatusBadRequest {
		t.Fatalf("contribution signed with another share: %d %s, want 400", code, body)
	}
	if b, _, n := f.al.counts(); b != b0 || n != 0 {
		t.Fatal("a refused contribution and proof changed something")
	}
	if code, body := submit(1); code != http.StatusOK {
		t.Fatalf("contribution and proof: %d %s", code, body)
	}
	for _, i := range []int{2, 3} {
		f.al.inject(aggduty.ReceivedAggregationShare{Share: f.share(networking.ShareContributionAndProof, slot, 0, in.SigningRoot, i)})
	}
	if _, _, n := f.al.counts(); n != 1 || f.al.csubmit[0].Signed.Signature != f.full(in.SigningRoot) {
		t.Fatalf("%d contribution submissions, want 1 with the validator key's signature", n)
	}
}

// offNode refuses every capture as a node that runs no aggregation does.
type offNode struct{}

type notServed struct{}

func (notServed) Error() string   { return "not served" }
func (notServed) StatusCode() int { return http.StatusNotImplemented }

func (offNode) Capture(context.Context, phase0.BLSPubKey, dvc.Event) error { return notServed{} }

// TestAggregationOffIsA501: when the node refuses every item because it
// runs no such flow, the VC hears that status, not a list of 400s.
func TestAggregationOffIsA501(t *testing.T) {
	f := newAggFixture(t)
	f.srv.cfg.Node = offNode{}
	for path, body := range map[string][]byte{
		"/eth/v1/validator/beacon_committee_selections": mustJSON(t, []*apiv1.BeaconCommitteeSelection{{ValidatorIndex: valIndex, Slot: 3}}),
		"/eth/v1/validator/sync_committee_selections":   mustJSON(t, []*ethnode.SyncCommitteeSelection{{ValidatorIndex: valIndex, Slot: 3}}),
		"/eth/v1/validator/contribution_and_proofs": mustJSON(t, []*altair.SignedContributionAndProof{{Message: &altair.ContributionAndProof{AggregatorIndex: valIndex,
			Contribution: &altair.SyncCommitteeContribution{AggregationBits: bitfield.Bitvector128(make([]byte, 16))}}}}),
	} {
		if code, b := f.do(http.MethodPost, path, nil, body); code != http.StatusNotImplemented {
			t.Errorf("%s: %d %s, want 501", path, code, b)
		}
	}
}

// TestElectraAggregationThroughTheValidatorAPI: from Electra the aggregate
// names its committee in its committee bits (one byte on the minimal
// preset), v2 serves it with its version and takes the Electra
// SignedAggregateAndProof; v1 serves no Electra aggregate.
func TestElectraAggregationThroughTheValidatorAPI(t *testing.T) {
	f := newAggFixture(t, eth2spec.DataVersionElectra)
	duty := &spec.AttestationDuty{Pubkey: f.pk, ValidatorIndex: valIndex, CommitteeIndex: 1, CommitteeLength: 8, CommitteesAtSlot: 2, ValidatorCommitteeIndex: 0, Slot: aggSlot}
	f.al.inject(aggduty.ServeAggregatorDuty{Duty: duty, Committee: f.member})
	sel, err := f.chain.AggregationSlot(aggSlot)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{2, 3} {
		f.al.inject(aggduty.ReceivedAggregationShare{Share: f.share(networking.ShareSelectionProof, aggSlot, 0, sel.SigningRoot, i)})
	}
	if code, body := f.do(http.MethodPost, "/eth/v1/validator/beacon_committee_selections", nil,
		mustJSON(t, []*apiv1.BeaconCommitteeSelection{{ValidatorIndex: valIndex, Slot: aggSlot, SelectionProof: f.sign(1, sel.SigningRoot)}})); code != http.StatusOK {
		t.Fatalf("selection: %d %s", code, body)
	}
	data := attData(aggSlot, 1)
	data.Index = 0
	f.al.inject(aggduty.AttestationSubmitted{Data: data})
	if len(f.al.starts) != 1 {
		t.Fatalf("%d aggregate consensus starts, want 1", len(f.al.starts))
	}
	in, err := f.chain.AttestationData(data)
	if err != nil {
		t.Fatal(err)
	}
	bits := bitfield.NewBitlist(8)
	bits.SetBitAt(0, true)
	cb := make([]byte, (f.chain.ChainConfig().MaxCommitteesPerSlot+7)/8)
	cb[0] = 1 << 1
	agg := &electra.Attestation{AggregationBits: bits, Data: data, Signature: f.full(in.SigningRoot), CommitteeBits: cb}
	f.al.inject(aggduty.AggregateConsensusDecided{ID: f.al.starts[0].ID, Aggregate: &eth2spec.VersionedAttestation{Version: eth2spec.DataVersionElectra, Electra: agg}})

	root, _ := data.HashTreeRoot()
	q := fmt.Sprintf("?slot=%d&attestation_data_root=%#x", aggSlot, root[:])
	req, _ := http.NewRequest(http.MethodGet, f.http.URL+"/eth/v2/validator/aggregate_attestation"+q+"&committee_index=1", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var aresp struct {
		Version string               `json:"version"`
		Data    *electra.Attestation `json:"data"`
	}
	err = json.NewDecoder(resp.Body).Decode(&aresp)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || err != nil || aresp.Data == nil || aresp.Version != "electra" || resp.Header.Get("Eth-Consensus-Version") != "electra" {
		t.Fatalf("aggregate_attestation v2: %d %+v %v", resp.StatusCode, aresp, err)
	}
	if got, want := mustRoot(t, f, aresp.Data), mustRoot(t, f, agg); got != want {
		t.Fatal("v2 served another aggregate than the decided one")
	}
	if code, body := f.do(http.MethodGet, "/eth/v2/validator/aggregate_attestation"+q+"&committee_index=0", nil, nil); code != http.StatusNotFound {
		t.Fatalf("aggregate of another committee: %d %s, want 404", code, body)
	}
	if code, body := f.do(http.MethodGet, "/eth/v1/validator/aggregate_attestation"+q, nil, nil); code != http.StatusBadRequest {
		t.Fatalf("v1 at Electra: %d %s, want 400", code, body)
	}

	ap := &electra.AggregateAndProof{AggregatorIndex: valIndex, Aggregate: agg, SelectionProof: f.full(sel.SigningRoot)}
	apin, err := f.chain.AggregateAndProof(&eth2spec.VersionedAggregateAndProof{Version: eth2spec.DataVersionElectra, Electra: ap})
	if err != nil {
		t.Fatal(err)
	}
	body := mustJSON(t, []*electra.SignedAggregateAndProof{{Message: ap, Signature: f.sign(1, apin.SigningRoot)}})
	if code, b := f.do(http.MethodPost, "/eth/v2/validator/aggregate_and_proofs", nil, body); code != http.StatusBadRequest {
		t.Fatalf("v2 without Eth-Consensus-Version: %d %s, want 400", code, b)
	}
	if code, b := f.do(http.MethodPost, "/eth/v2/validator/aggregate_and_proofs", map[string]string{"Eth-Consensus-Version": "electra"}, body); code != http.StatusOK {
		t.Fatalf("v2 Electra aggregate and proof: %d %s", code, b)
	}
	for _, i := range []int{2, 3} {
		f.al.inject(aggduty.ReceivedAggregationShare{Share: f.share(networking.ShareAggregateAndProof, aggSlot, 0, apin.SigningRoot, i)})
	}
	if _, n, _ := f.al.counts(); n != 1 {
		t.Fatalf("%d submissions, want 1", n)
	}
	if sig, err := f.al.submitted[0].Signed.Signature(); err != nil || sig != f.full(apin.SigningRoot) {
		t.Fatalf("submitted signature is not the validator key's: %v", err)
	}
}

func mustRoot(t *testing.T, f *aggFixture, a *electra.Attestation) phase0.Root {
	t.Helper()
	r, err := f.chain.HashTreeRoot(a)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestSelectionsAheadPrysmPattern: Prysm v6.0.4 with --distributed asks
// beacon_committee_selections once per epoch for every duty of the current
// and the next epoch, and takes the answer only whole (impl/vc
// Pattern.SelectionsAllBack). The DV node's duties for those slots are not
// served yet; the proofs combine anyway (SPEC.md section 12, selections
// ahead of the duty), and the answer holds every selection asked, in
// request order, as soon as the last is combined. Half of the peers'
// shares arrive before the request, the other half only after the VC's
// shares were sent. A duty served later judges its proof.
func TestSelectionsAheadPrysmPattern(t *testing.T) {
	f := newAggFixture(t)
	// The answer comes when the last proof combines; the deadline is only
	// the bound of a failing run.
	f.srv.cfg.Timeout = time.Minute
	spe := phase0.Slot(f.chain.SlotsPerEpoch)
	served := spe // the first slot of epoch 1: the node's latest duty
	f.al.inject(aggduty.ServeAggregatorDuty{Duty: &spec.AttestationDuty{Pubkey: f.pk, ValidatorIndex: valIndex, CommitteeIndex: 1, CommitteeLength: 8,
		CommitteesAtSlot: 2, Slot: served}, Committee: f.member})
	// The rest of epoch 1 and all of epoch 2, asked in an order other than
	// the slots' so that the answer's order is the request's.
	var slots []phase0.Slot
	for s := 3*spe - 1; s > served; s-- {
		slots = append(slots, s)
	}
	roots := map[phase0.Slot]phase0.Root{}
	for _, s := range slots {
		in, err := f.chain.AggregationSlot(s)
		if err != nil {
			t.Fatal(err)
		}
		roots[s] = in.SigningRoot
	}
	early, late := slots[:len(slots)/2], slots[len(slots)/2:]
	for _, s := range early {
		for _, i := range []int{2, 3} {
			f.al.inject(aggduty.ReceivedAggregationShare{Share: f.share(networking.ShareSelectionProof, s, 0, roots[s], i)})
		}
	}
	var once sync.Once
	captured := 0
	f.al.onCapture = func() {
		f.al.mu.Lock()
		captured++
		all := captured == len(slots)
		f.al.mu.Unlock()
		if !all {
			return
		}
		once.Do(func() {
			go func() {
				f.al.mu.Lock()
				defer f.al.mu.Unlock()
				for _, s := range late {
					for _, i := range []int{2, 4} {
						if err := f.al.step(aggduty.ReceivedAggregationShare{Share: f.share(networking.ShareSelectionProof, s, 0, roots[s], i)}); err != nil {
							t.Errorf("slot %d share %d: %v", s, i, err)
						}
					}
				}
			}()
		})
	}
	req := make([]*apiv1.BeaconCommitteeSelection, 0, len(slots))
	for _, s := range slots {
		req = append(req, &apiv1.BeaconCommitteeSelection{ValidatorIndex: valIndex, Slot: s, SelectionProof: f.sign(1, roots[s])})
	}
	code, body := f.do(http.MethodPost, "/eth/v1/validator/beacon_committee_selections", nil, mustJSON(t, req))
	if code != http.StatusOK {
		t.Fatalf("selections: %d %s", code, body)
	}
	var resp struct {
		Data []*apiv1.BeaconCommitteeSelection `json:"data"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp.Data) != len(slots) {
		t.Fatalf("%d selections answered for %d asked: Prysm refuses the answer", len(resp.Data), len(slots))
	}
	for i, got := range resp.Data {
		if got.ValidatorIndex != valIndex || got.Slot != slots[i] || got.SelectionProof != f.full(roots[slots[i]]) {
			t.Fatalf("answer %d: %+v, want slot %d with the validator key's slot signature", i, got, slots[i])
		}
	}
	if len(f.al.starts) != 0 {
		t.Fatalf("%d aggregate instances started before any of the duties was served", len(f.al.starts))
	}

	// The duty of one of the slots is served: its proof is judged
	// (is_aggregator over a committee of one is always true) and the node
	// still answers it.
	s := slots[3]
	f.al.inject(aggduty.ServeAggregatorDuty{Duty: &spec.AttestationDuty{Pubkey: f.pk, ValidatorIndex: valIndex, CommitteeIndex: 1, CommitteeLength: 1,
		CommitteesAtSlot: 2, Slot: s}, Committee: f.member[:1]})
	var sel selection
	f.srv.agg.c.read(func() { sel = f.srv.agg.sels[selKey{valIndex, s, noSub}] })
	if !sel.aggregator || sel.proof != f.full(roots[s]) {
		t.Fatalf("after the duty: cached %+v, want the proof judged an aggregator's", sel)
	}
	f.al.inject(aggduty.AttestationSubmitted{Data: attData(s, 1)})
	if len(f.al.starts) != 1 || f.al.starts[0].ID.Slot != s {
		t.Fatalf("aggregate instances %+v, want one at slot %d", f.al.starts, s)
	}
}

// TestSyncSelectionsPrysmShape posts sync_committee_selections as Prysm
// v6.0.4 does (validator/client/validator.go isSyncCommitteeAggregator,
// sync_committee.go selectionProofs): one item per sync committee
// position, so a subcommittee repeats when the validator holds several of
// its positions, and the answer is matched by position and must hold as
// many items as were sent. Subcommittees 1 and 0 are asked in that order
// to show the answer keeps the request's order, not a sorted one.
func TestSyncSelectionsPrysmShape(t *testing.T) {
	f := newAggFixture(t)
	size := f.chain.ChainConfig().SyncSubcommitteeSize()
	slot := aggSlot
	keys := make([]phase0.BLSPubKey, size)
	for i := range keys {
		keys[i] = f.member[i%len(f.member)]
	}
	keys[0], keys[1] = f.pk, f.pk
	duty := &spec.SyncCommitteeDuty{Pubkey: f.pk, ValidatorIndex: valIndex, ValidatorSyncCommitteeIndices: []uint64{0, 1, size}}
	f.al.inject(aggduty.ServeSyncContributionDuty{Duty: duty, Slot: slot, Subcommittees: map[uint64][]phase0.BLSPubKey{0: keys, 1: keys}})
	roots := map[uint64]phase0.Root{}
	for _, sub := range []uint64{0, 1} {
		in, err := f.chain.SyncCommitteeSelectionProof(&altair.SyncAggregatorSelectionData{Slot: slot, SubcommitteeIndex: sub})
		if err != nil {
			t.Fatal(err)
		}
		roots[sub] = in.SigningRoot
		for _, i := range []int{2, 3} {
			f.al.inject(aggduty.ReceivedAggregationShare{Share: f.share(networking.ShareSyncSelectionProof, slot, sub, in.SigningRoot, i)})
		}
	}
	asked := []uint64{1, 0, 0}
	var req []*ethnode.SyncCommitteeSelection
	for _, sub := range asked {
		req = append(req, &ethnode.SyncCommitteeSelection{ValidatorIndex: valIndex, Slot: slot, SubcommitteeIndex: sub, SelectionProof: f.sign(1, roots[sub])})
	}
	code, body := f.do(http.MethodPost, "/eth/v1/validator/sync_committee_selections", nil, mustJSON(t, req))
	if code != http.StatusOK {
		t.Fatalf("sync selections: %d %s", code, body)
	}
	var resp struct {
		Data []*ethnode.SyncCommitteeSelection `json:"data"`
	}
	if err := json.Unmarshal(body, &resp); err != nil || len(resp.Data) != len(asked) {
		t.Fatalf("answer %s: %v (want %d items, Prysm refuses any other count)", body, err, len(asked))
	}
	for i, sub := range asked {
		got := resp.Data[i]
		if got == nil || got.ValidatorIndex != valIndex || got.Slot != slot || got.SubcommitteeIndex != sub || got.SelectionProof != f.full(roots[sub]) {
			t.Errorf("item %d: %+v, want validator %d slot %d subcommittee %d with the combined proof of that subcommittee", i, got, valIndex, slot, sub)
		}
	}
}
