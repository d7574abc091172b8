package validatorapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	bitfield "github.com/OffchainLabs/go-bitfield"
	"github.com/attestantio/go-eth2-client/api"
	apiv1deneb "github.com/attestantio/go-eth2-client/api/v1/deneb"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/deneb"
	"github.com/attestantio/go-eth2-client/spec/phase0"
	"github.com/holiman/uint256"

	"github.com/dvspec/go-dvspec/impl/metrics"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// The test DV: interop key 3 split 3-of-4; this node holds share 1; the
// validator has index 42 and proposes at slot 17. The chain is the
// minimal preset at Deneb from genesis.
const (
	valIndex     = phase0.ValidatorIndex(42)
	proposalSlot = phase0.Slot(17)
)

// loop stands in for impl/node's event loop: it owns the DVC state, steps
// the captured events with spec/dvc.Step, loops this node's broadcasts
// back, decides every instance with the value the test gives, and hands
// Cache*ForVC outputs to the server.
type loop struct {
	mu     sync.Mutex
	t      *testing.T
	cfg    *dvc.Config
	st     *dvc.State
	srv    *Server
	decide func(dvc.StartConsensus) dvc.Event
	outs   []dvc.Output // every output so far
}

func (l *loop) Capture(_ context.Context, pk phase0.BLSPubKey, ev dvc.Event) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if pk != l.cfg.Validator.Pubkey {
		return fmt.Errorf("no validator %#x", pk[:4])
	}
	return l.step(ev)
}

func (l *loop) step(ev dvc.Event) error {
	next, outs, err := dvc.Step(l.cfg, l.st, ev, dvc.Oracles{})
	if err != nil {
		return err
	}
	l.st = next
	l.outs = append(l.outs, outs...)
	for _, o := range outs {
		var follow dvc.Event
		switch o := o.(type) {
		case dvc.Broadcast:
			switch m := o.Message.(type) {
			case *networking.RandaoShare:
				follow = dvc.ReceivedRandaoShare{Share: m}
			case *networking.AttestationShare:
				follow = dvc.ReceivedAttestationShare{Share: m}
			case *networking.BlockShare:
				follow = dvc.ReceivedBlockShare{Share: m}
			case *networking.SyncCommitteeMessageShare:
				follow = dvc.ReceivedSyncCommitteeMessageShare{Share: m}
			}
		case dvc.StartConsensus:
			if l.decide != nil {
				follow = l.decide(o)
			}
		case dvc.CacheAttestationDataForVC:
			if err := l.srv.CacheAttestationDataForVC(context.Background(), o.Data, o.Duty); err != nil {
				l.t.Error(err)
			}
		case dvc.CacheSyncCommitteeContributionForVC:
			if err := l.srv.CacheSyncCommitteeContributionForVC(context.Background(), o.Contribution, o.Duty); err != nil {
				l.t.Error(err)
			}
		case dvc.CacheBlockForVC:
			prop := &api.VersionedProposal{Version: o.Block.Version, Deneb: &apiv1deneb.BlockContents{Block: o.Block.Deneb, KZGProofs: []deneb.KZGProof{}, Blobs: []deneb.Blob{}}}
			if err := l.srv.CacheBlockForVC(context.Background(), prop, o.Duty); err != nil {
				l.t.Error(err)
			}
		}
		if follow != nil {
			if err := l.step(follow); err != nil {
				l.t.Errorf("%s: %v", follow.EventName(), err)
			}
		}
	}
	return nil
}

// snapshot is the state's SSZ form: equal snapshots, unchanged state.
func (l *loop) snapshot() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, err := l.st.Snapshot().MarshalSSZ()
	if err != nil {
		l.t.Fatal(err)
	}
	return b
}

type fixture struct {
	t      *testing.T
	chain  signing.Chain
	shares []bls.Share
	pk     phase0.BLSPubKey
	share1 phase0.BLSPubKey
	l      *loop
	srv    *Server
	http   *httptest.Server
	bn     *httptest.Server
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	forks, err := signing.MinimalForkSchedule(eth2spec.DataVersionDeneb)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := signing.NewChain(forks, phase0.Root{1}, spec.MinimalConfig())
	if err != nil {
		t.Fatal(err)
	}
	sk, err := bls.InteropSecretKey(3)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := sk.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	shares, err := bls.Split(sk, 3, 4, []byte("validatorapi-test"))
	if err != nil {
		t.Fatal(err)
	}
	pubs := map[uint64]phase0.BLSPubKey{}
	for _, s := range shares {
		ps, err := s.PublicShare()
		if err != nil {
			t.Fatal(err)
		}
		pubs[s.Index] = ps.PublicKey
	}
	cfg := &dvc.Config{Chain: chain, Validator: spec.ValidatorIdentity{Pubkey: pk, Index: valIndex}, ShareIndex: 1,
		Peers: []uint64{1, 2, 3, 4}, PublicShares: pubs, Threshold: 3, Mode: dvc.ModeVCMiddleware}
	st, err := dvc.NewState(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, chain: chain, shares: shares, pk: pk, share1: pubs[1]}
	// The beacon node: proposer duties (validator key) and nothing else.
	f.bn = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/eth/v1/validator/duties/proposer/") {
			fmt.Fprintf(w, `{"dependent_root":"0x%064x","data":[{"pubkey":"%#x","validator_index":"%d","slot":"%d"}]}`, 0, pk[:], valIndex, proposalSlot)
			return
		}
		http.Error(w, `{"code":404,"message":"not in this test"}`, http.StatusNotFound)
	}))
	t.Cleanup(f.bn.Close)
	f.l = &loop{t: t, cfg: cfg, st: st}
	f.srv, err = New(Config{BeaconURL: f.bn.URL, Chain: chain, Genesis: time.Now().Add(-time.Hour), SlotDuration: 6 * time.Second,
		Validators: []Validator{{Pubkey: pk, SharePubkey: pubs[1], Index: valIndex}}, Node: f.l, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	f.l.srv = f.srv
	f.http = httptest.NewServer(f.srv.Handler())
	t.Cleanup(f.http.Close)
	return f
}

func (f *fixture) sign(share int, root phase0.Root) phase0.BLSSignature {
	sig, err := bls.Sign(f.shares[share-1].SecretKey, root[:])
	if err != nil {
		f.t.Fatal(err)
	}
	return sig
}

func (f *fixture) do(method, path string, header map[string]string, body []byte) (int, []byte) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.http.URL+path, bytes.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// attesting serves the attester duty of slot 9 (committee 1, position 5 of
// 8) and decides data.
func (f *fixture) attesting(data *phase0.AttestationData) *spec.AttestationDuty {
	duty := &spec.AttestationDuty{Pubkey: f.pk, ValidatorIndex: valIndex, CommitteeIndex: 1, CommitteeLength: 8, CommitteesAtSlot: 2, ValidatorCommitteeIndex: 5, Slot: data.Slot}
	f.l.decide = func(o dvc.StartConsensus) dvc.Event {
		if o.Attester == nil {
			return nil
		}
		return dvc.AttestationConsensusDecided{ID: o.ID, Data: data}
	}
	f.l.mu.Lock()
	err := f.l.step(dvc.ServeAttestationDuty{Duty: duty})
	f.l.mu.Unlock()
	if err != nil {
		f.t.Fatal(err)
	}
	return duty
}

func attData(slot phase0.Slot, tag byte) *phase0.AttestationData {
	return &phase0.AttestationData{Slot: slot, Index: 1, BeaconBlockRoot: phase0.Root{0xbb, tag},
		Source: &phase0.Checkpoint{Epoch: 0, Root: phase0.Root{0x50}}, Target: &phase0.Checkpoint{Epoch: 1, Root: phase0.Root{0x7a, tag}}}
}

func (f *fixture) attestation(data *phase0.AttestationData, share int) *phase0.Attestation {
	in, err := f.chain.AttestationData(data)
	if err != nil {
		f.t.Fatal(err)
	}
	bits := bitfield.NewBitlist(8)
	bits.SetBitAt(5, true)
	return &phase0.Attestation{AggregationBits: bits, Data: data, Signature: f.sign(share, in.SigningRoot)}
}

func (f *fixture) broadcasts() int {
	f.l.mu.Lock()
	defer f.l.mu.Unlock()
	n := 0
	for _, o := range f.l.outs {
		if _, ok := o.(dvc.Broadcast); ok {
			n++
		}
	}
	return n
}

func TestAttestationDataIsTheDecidedOne(t *testing.T) {
	f := newFixture(t)
	decided := attData(9, 1)
	f.attesting(decided)
	code, body := f.do(http.MethodGet, "/eth/v1/validator/attestation_data?slot=9&committee_index=1", nil, nil)
	if code != http.StatusOK {
		t.Fatalf("attestation_data: %d %s", code, body)
	}
	var got struct{ Data *phase0.AttestationData }
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	want, _ := decided.HashTreeRoot()
	if r, _ := got.Data.HashTreeRoot(); r != want {
		t.Fatalf("served %v, decided %v", got.Data, decided)
	}
}

func TestAttestationRefusals(t *testing.T) {
	f := newFixture(t)
	decided := attData(9, 1)
	f.attesting(decided)
	before, sent := f.l.snapshot(), f.broadcasts()
	for _, tc := range []struct {
		name string
		att  *phase0.Attestation
		want string
	}{
		// Signed by share 2's key: not this node's share.
		{"invalid partial signature", f.attestation(decided, 2), "invalid"},
		// Same target epoch, other data: a double vote.
		{"slashable attestation", f.attestation(attData(9, 2), 1), "other attestation data"},
	} {
		code, body := f.do(http.MethodPost, "/eth/v1/beacon/pool/attestations", nil, mustJSON(t, []*phase0.Attestation{tc.att}))
		if code != http.StatusBadRequest || !strings.Contains(string(body), tc.want) || !strings.Contains(string(body), `"failures"`) {
			t.Errorf("%s: got %d %s, want 400 with %q in a failure", tc.name, code, body, tc.want)
		}
		if !bytes.Equal(f.l.snapshot(), before) || f.broadcasts() != sent {
			t.Fatalf("%s changed the DVC state or sent a share", tc.name)
		}
	}
	code, body := f.do(http.MethodPost, "/eth/v1/beacon/pool/attestations", nil, mustJSON(t, []*phase0.Attestation{f.attestation(decided, 1)}))
	if code != http.StatusOK {
		t.Fatalf("the VC's valid attestation: %d %s", code, body)
	}
	if f.broadcasts() != sent+1 {
		t.Fatal("the valid attestation did not become this node's share")
	}
}

func (f *fixture) block(slot phase0.Slot, reveal phase0.BLSSignature, tag byte) *eth2spec.VersionedBeaconBlock {
	return &eth2spec.VersionedBeaconBlock{Version: eth2spec.DataVersionDeneb, Deneb: &deneb.BeaconBlock{
		Slot: slot, ProposerIndex: valIndex, ParentRoot: phase0.Root{0x9a}, StateRoot: phase0.Root{0x5a, tag},
		Body: &deneb.BeaconBlockBody{RANDAOReveal: reveal, ETH1Data: &phase0.ETH1Data{BlockHash: make([]byte, 32)}, Graffiti: [32]byte{tag},
			SyncAggregate: &altair.SyncAggregate{SyncCommitteeBits: make([]byte, f.chain.Config.SyncCommitteeSize/8)}, ExecutionPayload: &deneb.ExecutionPayload{BaseFeePerGas: uint256.NewInt(7)}}}}
}

func TestBlockProductionAndRefusals(t *testing.T) {
	f := newFixture(t)
	epoch := phase0.Epoch(uint64(proposalSlot) / f.chain.SlotsPerEpoch)
	rin, err := f.chain.RandaoReveal(epoch)
	if err != nil {
		t.Fatal(err)
	}
	var decided *eth2spec.VersionedBeaconBlock
	f.l.decide = func(o dvc.StartConsensus) dvc.Event {
		if o.Proposer == nil {
			return nil
		}
		decided = f.block(proposalSlot, o.Proposer.RandaoReveal, 1)
		return dvc.BlockConsensusDecided{ID: o.ID, Block: decided}
	}
	f.l.mu.Lock()
	err = f.l.step(dvc.ServeProposerDuty{Duty: &spec.ProposerDuty{Pubkey: f.pk, ValidatorIndex: valIndex, Slot: proposalSlot}})
	for i := 2; i <= 3 && err == nil; i++ {
		err = f.l.step(dvc.ReceivedRandaoShare{Share: &networking.RandaoShare{Slot: proposalSlot, ValidatorIndex: valIndex, Signature: f.sign(i, rin.SigningRoot), ShareIndex: uint64(i)}})
	}
	f.l.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/eth/v3/validator/blocks/%d?graffiti=0x%064x&randao_reveal=", proposalSlot, 0)
	// A reveal signed with another share is refused, and changes nothing.
	before := f.l.snapshot()
	bad := f.sign(4, rin.SigningRoot)
	if code, body := f.do(http.MethodGet, path+fmt.Sprintf("%#x", bad[:]), nil, nil); code != http.StatusBadRequest {
		t.Fatalf("RANDAO reveal of another share: %d %s, want 400", code, body)
	}
	if !bytes.Equal(f.l.snapshot(), before) {
		t.Fatal("a refused RANDAO reveal changed the DVC state")
	}
	good := f.sign(1, rin.SigningRoot)
	code, body := f.do(http.MethodGet, path+fmt.Sprintf("%#x", good[:]), nil, nil)
	if code != http.StatusOK {
		t.Fatalf("block production: %d %s", code, body)
	}
	var resp struct {
		Version eth2spec.DataVersion
		Data    apiv1deneb.BlockContents
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatal(err)
	}
	want, _ := f.chain.BlockRoot(decided)
	got, _ := f.chain.BlockRoot(&eth2spec.VersionedBeaconBlock{Version: resp.Version, Deneb: resp.Data.Block})
	if resp.Version != eth2spec.DataVersionDeneb || got != want {
		t.Fatalf("served a %s block %#x, decided %#x", resp.Version, got, want)
	}
	// The combined reveal is the validator's: the DV's block carries it.
	sk, _ := bls.InteropSecretKey(3)
	full, _ := bls.Sign(sk, rin.SigningRoot[:])
	if resp.Data.Block.Body.RANDAOReveal != full {
		t.Fatal("the served block does not carry the combined RANDAO reveal")
	}

	submit := func(b *eth2spec.VersionedBeaconBlock, share int) (int, []byte) {
		in, err := f.chain.BeaconBlock(b)
		if err != nil {
			t.Fatal(err)
		}
		sb := &apiv1deneb.SignedBlockContents{SignedBlock: &deneb.SignedBeaconBlock{Message: b.Deneb, Signature: f.sign(share, in.SigningRoot)}, KZGProofs: []deneb.KZGProof{}, Blobs: []deneb.Blob{}}
		return f.do(http.MethodPost, "/eth/v2/beacon/blocks", map[string]string{"Eth-Consensus-Version": "deneb", "Content-Type": "application/json"}, mustJSON(t, sb))
	}
	before, sent := f.l.snapshot(), f.broadcasts()
	other := f.block(proposalSlot, full, 2)
	for name, c := range map[string]func() (int, []byte){
		"a block other than the decided one": func() (int, []byte) { return submit(other, 1) },
		"an invalid partial signature":       func() (int, []byte) { return submit(decided, 2) },
	} {
		code, body := c()
		if code != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", name, code, body)
		}
		if !bytes.Equal(f.l.snapshot(), before) || f.broadcasts() != sent {
			t.Fatalf("%s changed the DVC state or sent a share", name)
		}
	}
	if code, body := submit(decided, 1); code != http.StatusOK {
		t.Fatalf("the decided block signed with the node's share: %d %s", code, body)
	}
	if f.broadcasts() != sent+1 {
		t.Fatal("the VC's block did not become this node's share")
	}
}

func TestDutiesAreTranslatedToShareKeys(t *testing.T) {
	f := newFixture(t)
	code, body := f.do(http.MethodGet, "/eth/v1/validator/duties/proposer/2", nil, nil)
	if code != http.StatusOK {
		t.Fatalf("%d %s", code, body)
	}
	if !strings.Contains(string(body), fmt.Sprintf("%#x", f.share1[:])) || strings.Contains(string(body), fmt.Sprintf("%#x", f.pk[:])) {
		t.Fatalf("proposer duties not answered with the share key: %s", body)
	}
}

func TestNotServedIsNotASilentSuccess(t *testing.T) {
	f := newFixture(t)
	code, _ := f.do(http.MethodPost, "/eth/v1/beacon/pool/voluntary_exits", nil, []byte("[]"))
	if code != http.StatusNotImplemented {
		t.Fatalf("voluntary_exits: %d, want 501", code)
	}
}

func TestRequestsCountedByEndpointAndStatus(t *testing.T) {
	f := newFixture(t)
	m := metrics.New(1, nil, nil)
	f.srv.SetMetrics(m)
	f.do(http.MethodPost, "/eth/v1/beacon/pool/voluntary_exits", nil, []byte("[]"))
	f.do(http.MethodGet, "/eth/v1/node/version", nil, nil) // the test beacon node answers 404
	f.do(http.MethodGet, "/eth/v1/validator/attestation_data?slot=x&committee_index=0", nil, nil)
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, fam := range families {
		if fam.GetName() != "dvnode_vc_requests_total" {
			continue
		}
		for _, mt := range fam.GetMetric() {
			l := map[string]string{}
			for _, p := range mt.GetLabel() {
				l[p.GetName()] = p.GetValue()
			}
			got[l["endpoint"]+" "+l["status"]] += mt.GetCounter().GetValue()
		}
	}
	want := map[string]float64{"not_served 501": 1, "proxy 404": 1, "attestation_data 400": 1}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: counted %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
}

func TestSyncCommitteeMessageRefusals(t *testing.T) {
	f := newFixture(t)
	const slot = phase0.Slot(20)
	decidedRoot := phase0.Root{0xd1}
	duty := &spec.SyncCommitteeDuty{Pubkey: f.pk, ValidatorIndex: valIndex, ValidatorSyncCommitteeIndices: []uint64{3}}
	f.l.decide = func(o dvc.StartConsensus) dvc.Event {
		if o.SyncCommittee == nil {
			return nil
		}
		// The subcommittee's bits in the minimal config's size.
		bits := make(bitfield.Bitvector128, f.chain.ChainConfig().SyncCommitteeSize/4/8)
		return dvc.SyncCommitteeConsensusDecided{ID: o.ID, Contribution: &altair.SyncCommitteeContribution{
			Slot: slot, BeaconBlockRoot: decidedRoot, SubcommitteeIndex: 0, AggregationBits: bits}}
	}
	f.l.mu.Lock()
	err := f.l.step(dvc.ServeSyncCommitteeDuty{Duty: duty, Slot: slot, SubcommitteeIndex: 0})
	f.l.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	msg := func(root phase0.Root, share int) []byte {
		in, err := f.chain.SyncCommitteeMessage(slot, root)
		if err != nil {
			t.Fatal(err)
		}
		return mustJSON(t, []*altair.SyncCommitteeMessage{{Slot: slot, BeaconBlockRoot: root, ValidatorIndex: valIndex, Signature: f.sign(share, in.SigningRoot)}})
	}
	before, sent := f.l.snapshot(), f.broadcasts()
	for name, body := range map[string][]byte{
		"another block root than the decided one": msg(phase0.Root{0xd2}, 1),
		"an invalid partial signature":            msg(decidedRoot, 2),
	} {
		code, resp := f.do(http.MethodPost, "/eth/v1/beacon/pool/sync_committees", nil, body)
		if code != http.StatusBadRequest || !strings.Contains(string(resp), `"failures"`) {
			t.Errorf("%s: %d %s, want 400 with failures", name, code, resp)
		}
		if !bytes.Equal(f.l.snapshot(), before) || f.broadcasts() != sent {
			t.Fatalf("%s changed the DVC state or sent a share", name)
		}
	}
	if code, resp := f.do(http.MethodPost, "/eth/v1/beacon/pool/sync_committees", nil, msg(decidedRoot, 1)); code != http.StatusOK {
		t.Fatalf("the decided root signed with the node's share: %d %s", code, resp)
	}
	if f.broadcasts() != sent+1 {
		t.Fatal("the VC's message did not become this node's share")
	}
}
