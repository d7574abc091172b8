package remotesigner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/capella"
	"github.com/attestantio/go-eth2-client/spec/deneb"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/impl/keys"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

// fullSyncAggregate is an empty mainnet-sized sync aggregate: every block
// from Altair on has one, and the signer refuses a block without it.
func fullSyncAggregate() *altair.SyncAggregate {
	return &altair.SyncAggregate{SyncCommitteeBits: make([]byte, 64)}
}

// blockAt returns a block of fork v at slot: whole (and JSON-complete) for
// phase0 and altair, with an empty body from bellatrix on (only its header
// is sent).
func blockAt(v eth2spec.DataVersion, slot phase0.Slot) *eth2spec.VersionedBeaconBlock {
	switch v {
	case eth2spec.DataVersionPhase0:
		return phase0Block(slot)
	case eth2spec.DataVersionAltair:
		return altairBlock(slot)
	case eth2spec.DataVersionBellatrix:
		return &eth2spec.VersionedBeaconBlock{Version: v, Bellatrix: &bellatrix.BeaconBlock{Slot: slot, ProposerIndex: 9, Body: &bellatrix.BeaconBlockBody{SyncAggregate: fullSyncAggregate()}}}
	case eth2spec.DataVersionCapella:
		return &eth2spec.VersionedBeaconBlock{Version: v, Capella: &capella.BeaconBlock{Slot: slot, ProposerIndex: 9, Body: &capella.BeaconBlockBody{SyncAggregate: fullSyncAggregate()}}}
	case eth2spec.DataVersionDeneb:
		return &eth2spec.VersionedBeaconBlock{Version: v, Deneb: &deneb.BeaconBlock{Slot: slot, ProposerIndex: 9, Body: &deneb.BeaconBlockBody{SyncAggregate: fullSyncAggregate()}}}
	case eth2spec.DataVersionElectra:
		return &eth2spec.VersionedBeaconBlock{Version: v, Electra: &electra.BeaconBlock{Slot: slot, ProposerIndex: 9, Body: &electra.BeaconBlockBody{SyncAggregate: fullSyncAggregate()}}}
	default:
		return &eth2spec.VersionedBeaconBlock{Version: v, Fulu: &electra.BeaconBlock{Slot: slot, ProposerIndex: 9, Body: &electra.BeaconBlockBody{SyncAggregate: fullSyncAggregate()}}}
	}
}

type roundTrip struct {
	name  string
	req   *ethnode.SignRequest
	input func(c signing.Chain) (signing.SigningInput, error)
}

// roundTrips lists one request of every type valid in fork v, at the
// second slot of its first epoch (the sync committee types from altair
// on; registration and deposit, which have no fork, only with phase0).
func roundTrips(t *testing.T, v eth2spec.DataVersion) []roundTrip {
	slot := firstSlot(v) + 1
	epoch := phase0.Epoch(slot / testSlotsPerEpoch)
	fi := forkInfo(t, epoch)
	src := phase0.Epoch(0)
	if epoch > 0 {
		src = epoch - 1
	}
	index := phase0.CommitteeIndex(1)
	if v >= eth2spec.DataVersionElectra {
		index = 0
	}
	data := attData(slot, index, src, epoch)
	block := blockAt(v, slot)
	blockReq, err := ethnode.NewBlockSignRequest(signing.Chain{}, fi, block, nil)
	if err != nil {
		t.Fatal(err)
	}
	var agg *eth2spec.VersionedAggregateAndProof
	if v >= eth2spec.DataVersionElectra {
		agg = electraAggregate(slot, src, epoch, v)
	} else {
		agg = capellaAggregate(slot, src, epoch, v)
	}
	exit := &phase0.VoluntaryExit{Epoch: epoch, ValidatorIndex: 9}
	out := []roundTrip{
		{"attestation", ethnode.NewAttestationSignRequest(fi, data, nil), func(c signing.Chain) (signing.SigningInput, error) { return c.AttestationData(data) }},
		{"block", blockReq, func(c signing.Chain) (signing.SigningInput, error) { return c.BeaconBlock(block) }},
		{"randao", ethnode.NewRandaoRevealSignRequest(fi, epoch, nil), func(c signing.Chain) (signing.SigningInput, error) { return c.RandaoReveal(epoch) }},
		{"aggregation_slot", ethnode.NewAggregationSlotSignRequest(fi, slot, nil), func(c signing.Chain) (signing.SigningInput, error) { return c.AggregationSlot(slot) }},
		{"aggregate_and_proof", ethnode.NewAggregateAndProofSignRequest(fi, agg, nil), func(c signing.Chain) (signing.SigningInput, error) { return c.AggregateAndProof(agg) }},
		{"voluntary_exit", ethnode.NewVoluntaryExitSignRequest(fi, exit, nil), func(c signing.Chain) (signing.SigningInput, error) { return c.VoluntaryExit(exit, epoch) }},
	}
	if v >= eth2spec.DataVersionAltair {
		sel := &altair.SyncAggregatorSelectionData{Slot: slot, SubcommitteeIndex: 2}
		cp := contribution(slot)
		out = append(out,
			roundTrip{"sync_committee_message", ethnode.NewSyncCommitteeMessageSignRequest(fi, slot, fill32(0x5a), nil),
				func(c signing.Chain) (signing.SigningInput, error) { return c.SyncCommitteeMessage(slot, fill32(0x5a)) }},
			roundTrip{"sync_committee_selection_proof", ethnode.NewSyncCommitteeSelectionProofSignRequest(fi, sel, nil),
				func(c signing.Chain) (signing.SigningInput, error) { return c.SyncCommitteeSelectionProof(sel) }},
			roundTrip{"contribution_and_proof", ethnode.NewContributionAndProofSignRequest(fi, cp, nil),
				func(c signing.Chain) (signing.SigningInput, error) { return c.ContributionAndProof(cp) }},
		)
	}
	if v == eth2spec.DataVersionPhase0 {
		reg := registration()
		d := deposit()
		out = append(out,
			roundTrip{"validator_registration", ethnode.NewValidatorRegistrationSignRequest(reg, nil),
				func(c signing.Chain) (signing.SigningInput, error) { return c.ValidatorRegistration(reg) }},
			roundTrip{"deposit", ethnode.NewDepositSignRequest(d, nil),
				func(c signing.Chain) (signing.SigningInput, error) {
					return c.DepositMessage(&phase0.DepositMessage{PublicKey: d.Pubkey, WithdrawalCredentials: d.WithdrawalCredentials[:], Amount: d.Amount})
				}},
		)
	}
	return out
}

// TestRoundTripEveryTypeEveryFork signs every message type in every fork
// where it exists, through the HTTP client and the embedded server, for both
// held keys, with and without a (correct) signingRoot, and verifies each
// signature against the share public key and the root spec/signing
// computes. The in-process Server.Sign must give the same signature.
func TestRoundTripEveryTypeEveryFork(t *testing.T) {
	f := newSigner(t, nil)
	ctx := context.Background()
	count := 0
	for v := eth2spec.DataVersionPhase0; v <= eth2spec.DataVersionFulu; v++ {
		for _, rt := range roundTrips(t, v) {
			t.Run(v.String()+"/"+rt.name, func(t *testing.T) {
				want, err := rt.input(testChain())
				if err != nil {
					t.Fatal(err)
				}
				for _, pk := range []phase0.BLSPubKey{f.share, f.share2} {
					sig, err := f.client.Sign(ctx, pk, rt.req)
					if err != nil {
						t.Fatalf("client: %v", err)
					}
					if !bls.Verify(pk, want.SigningRoot[:], sig) {
						t.Fatal("signature does not verify")
					}
					withRoot := *rt.req
					root := want.SigningRoot
					withRoot.SigningRoot = &root
					sig2, err := f.client.Sign(ctx, pk, &withRoot)
					if err != nil {
						t.Fatalf("client with signingRoot: %v", err)
					}
					direct, err := f.srv.Sign(ctx, pk, rt.req)
					if err != nil {
						t.Fatalf("in process: %v", err)
					}
					if sig2 != sig || direct != sig {
						t.Fatal("signatures differ between calls")
					}
				}
				count++
			})
		}
	}
	if count != 7*6+6*3+2 {
		t.Errorf("%d cases", count)
	}
}

// TestSyncCommitteeBeforeAltair: the sync committee types do not exist in
// phase0.
func TestSyncCommitteeBeforeAltair(t *testing.T) {
	f := newSigner(t, nil)
	fi := forkInfo(t, 0)
	for _, req := range []*ethnode.SignRequest{
		ethnode.NewSyncCommitteeMessageSignRequest(fi, 3, fill32(1), nil),
		ethnode.NewSyncCommitteeSelectionProofSignRequest(fi, &altair.SyncAggregatorSelectionData{Slot: 3}, nil),
		ethnode.NewContributionAndProofSignRequest(fi, contribution(3), nil),
	} {
		if _, err := f.client.Sign(context.Background(), f.share, req); !errors.Is(err, ethnode.ErrBadRequest) {
			t.Errorf("%s in phase0: %v, want a bad request", req.Type, err)
		}
	}
}

func TestAcceptHeader(t *testing.T) {
	f := newSigner(t, nil)
	body := mustJSON(t, ethnode.NewRandaoRevealSignRequest(forkInfo(t, 2), 2, nil))
	want, err := testChain().RandaoReveal(2)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		accept string
		json   bool
	}{
		{"", false},
		{"text/plain", false},
		{"application/json", true},
		{"text/html, */*;q=0.1", true},
		{"application/json; charset=utf-8", true},
	} {
		status, out := f.post(t, f.share, body, tc.accept)
		if status != http.StatusOK {
			t.Fatalf("Accept %q: status %d", tc.accept, status)
		}
		var sigHex string
		if tc.json {
			var r struct{ Signature string }
			if err := json.Unmarshal(out, &r); err != nil {
				t.Fatalf("Accept %q: %v (%s)", tc.accept, err, out)
			}
			sigHex = r.Signature
		} else {
			sigHex = string(out)
		}
		sig, err := ethnode.ParseSignature(sigHex)
		if err != nil {
			t.Fatalf("Accept %q: %v", tc.accept, err)
		}
		if !bls.Verify(f.share, want.SigningRoot[:], sig) {
			t.Fatalf("Accept %q: bad signature", tc.accept)
		}
	}
}

// TestClientReadsPlainText: a signer that answers text/plain (Web3Signer
// without a JSON Accept header) is understood too.
func TestClientReadsPlainText(t *testing.T) {
	f := newSigner(t, nil)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Del("Accept")
		f.srv.Handler().ServeHTTP(w, r)
	}))
	defer ts.Close()
	c, err := NewClient(ts.URL, WithBearerToken(testToken))
	if err != nil {
		t.Fatal(err)
	}
	sig, err := c.Sign(context.Background(), f.share, ethnode.NewRandaoRevealSignRequest(forkInfo(t, 2), 2, nil))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := testChain().RandaoReveal(2)
	if !bls.Verify(f.share, want.SigningRoot[:], sig) {
		t.Fatal("bad signature")
	}
}

func TestPublicKeysAndUpcheck(t *testing.T) {
	f := newSigner(t, nil)
	ctx := context.Background()
	pks, err := f.client.PublicKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(pks) != 2 || !((pks[0] == f.share && pks[1] == f.share2) || (pks[0] == f.share2 && pks[1] == f.share)) {
		t.Fatalf("public keys %x", pks)
	}
	if err := f.client.Upcheck(ctx); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(f.url + "/upcheck")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("upcheck content type %q", ct)
	}
	f.srv.Close()
	if err := f.client.Upcheck(ctx); !errors.Is(err, ethnode.ErrSignerInternal) {
		t.Fatalf("upcheck of a stopped signer: %v", err)
	}
}

// TestBadRequests: every malformed or inconsistent request gets its status
// and leaves the slashing DB exactly as it was.
func TestBadRequests(t *testing.T) {
	f := newSigner(t, nil)
	ctx := context.Background()
	// Some history, so "unchanged" means something.
	if _, err := f.client.Sign(ctx, f.share, ethnode.NewAttestationSignRequest(forkInfo(t, 2), attData(65, 1, 1, 2), nil)); err != nil {
		t.Fatal(err)
	}
	good := func() map[string]any {
		var m map[string]any
		if err := json.Unmarshal(mustJSON(t, ethnode.NewAttestationSignRequest(forkInfo(t, 3), attData(97, 1, 2, 3), nil)), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	edit := func(fn func(m map[string]any)) []byte {
		m := good()
		fn(m)
		return mustJSON(t, m)
	}
	att := func(m map[string]any) map[string]any { return m["attestation"].(map[string]any) }
	otherGVR := forkInfo(t, 3)
	otherGVR.GenesisValidatorsRoot = fill32(0x01)
	wrongRoot := fill32(0xee)
	validatorPK := func() phase0.BLSPubKey { _, def := testDevnet(t); return def.Validators[0].PublicKey }()

	cases := []struct {
		name   string
		pk     phase0.BLSPubKey
		path   string
		body   []byte
		status int
	}{
		{"malformed JSON", f.share, "", []byte(`{"type": "ATTESTATION",`), 400},
		{"not an object", f.share, "", []byte(`[1,2]`), 400},
		{"empty body", f.share, "", nil, 400},
		{"number instead of decimal string", f.share, "", edit(func(m map[string]any) { att(m)["slot"] = 97 }), 400},
		{"negative number string", f.share, "", edit(func(m map[string]any) { att(m)["slot"] = "-1" }), 400},
		{"type as number", f.share, "", edit(func(m map[string]any) { m["type"] = 7 }), 400},
		{"short root", f.share, "", edit(func(m map[string]any) { att(m)["beacon_block_root"] = "0x1234" }), 400},
		{"missing type", f.share, "", edit(func(m map[string]any) { delete(m, "type") }), 400},
		{"unknown type", f.share, "", edit(func(m map[string]any) { m["type"] = "ATTESTATION_V9" }), 400},
		{"deprecated BLOCK type", f.share, "", edit(func(m map[string]any) { m["type"] = "BLOCK" }), 400},
		{"missing fork_info", f.share, "", edit(func(m map[string]any) { delete(m, "fork_info") }), 400},
		{"null fork_info", f.share, "", edit(func(m map[string]any) { m["fork_info"] = nil }), 400},
		{"fork_info without fork", f.share, "", edit(func(m map[string]any) { delete(m["fork_info"].(map[string]any), "fork") }), 400},
		{"missing payload", f.share, "", edit(func(m map[string]any) { delete(m, "attestation") }), 400},
		{"payload of another type", f.share, "", edit(func(m map[string]any) { m["randao_reveal"] = m["attestation"]; delete(m, "attestation") }), 400},
		{"missing target", f.share, "", edit(func(m map[string]any) { delete(att(m), "target") }), 400},
		{"mismatching signingRoot", f.share, "", edit(func(m map[string]any) { m["signingRoot"] = fmt.Sprintf("%#x", wrongRoot[:]) }), 400},
		{"mismatching signing_root", f.share, "", edit(func(m map[string]any) { m["signing_root"] = fmt.Sprintf("%#x", wrongRoot[:]) }), 400},
		{"malformed signingRoot", f.share, "", edit(func(m map[string]any) { m["signingRoot"] = "0xzz" }), 400},
		{"fork_info of another fork", f.share, "", edit(func(m map[string]any) { m["fork_info"] = forkInfo(t, 1) }), 400},
		{"source after target", f.share, "", edit(func(m map[string]any) { att(m)["source"].(map[string]any)["epoch"] = "9" }), 412},
		{"attestation for another chain", f.share, "", edit(func(m map[string]any) { m["fork_info"] = otherGVR }), 412},
		{"randao for another chain", f.share, "", mustJSON(t, ethnode.NewRandaoRevealSignRequest(otherGVR, 3, nil)), 400},
		{"header of the wrong fork", f.share, "", mustJSON(t, ethnode.NewBlockHeaderSignRequest(forkInfo(t, 3), eth2spec.DataVersionDeneb,
			&phase0.BeaconBlockHeader{Slot: 97}, nil)), 400},
		{"phase0 block sent as header", f.share, "", []byte(`{"type":"BLOCK_V2","fork_info":` + string(mustJSON(t, forkInfo(t, 0))) +
			`,"beacon_block":{"version":"PHASE0","block_header":{"slot":"3","proposer_index":"1","parent_root":"` + fmt.Sprintf("%#x", wrongRoot[:]) +
			`","state_root":"` + fmt.Sprintf("%#x", wrongRoot[:]) + `","body_root":"` + fmt.Sprintf("%#x", wrongRoot[:]) + `"}}}`), 400},
		{"lower-case version", f.share, "", []byte(strings.Replace(string(mustJSON(t, ethnode.NewBlockHeaderSignRequest(forkInfo(t, 4), eth2spec.DataVersionDeneb,
			&phase0.BeaconBlockHeader{Slot: 130}, nil))), `"DENEB"`, `"deneb"`, 1)), 400},
		{"exit from the future of fork_info", f.share, "", mustJSON(t, ethnode.NewVoluntaryExitSignRequest(forkInfo(t, 2), &phase0.VoluntaryExit{Epoch: 4}, nil)), 400},
		{"unknown key", validatorPK, "", mustJSON(t, good()), 404},
		{"malformed identifier", f.share, "/api/v1/eth2/sign/0x1234", mustJSON(t, good()), 404},
	}
	before := f.dbRoot(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.path
			if path == "" {
				path = fmt.Sprintf("/api/v1/eth2/sign/%#x", tc.pk[:])
			}
			status, body := f.postPath(t, path, tc.body, "application/json")
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			var e struct {
				Code    int
				Message string
			}
			if err := json.Unmarshal(body, &e); err != nil || e.Code != tc.status || e.Message == "" {
				t.Errorf("error body %s", body)
			}
			if f.dbRoot(t) != before {
				t.Fatal("the slashing DB changed")
			}
		})
	}
	// The good request itself is fine.
	if status, body := f.post(t, f.share, mustJSON(t, good()), ""); status != 200 {
		t.Fatalf("good request: %d %s", status, body)
	}
	// The typed errors of the client.
	_, err := f.client.Sign(ctx, validatorPK, ethnode.NewRandaoRevealSignRequest(forkInfo(t, 1), 1, nil))
	var se *ethnode.SignerError
	if !errors.Is(err, ethnode.ErrUnknownKey) || !errors.As(err, &se) || se.StatusCode != 404 {
		t.Errorf("unknown key: %v", err)
	}
	_, err = f.client.Sign(ctx, f.share, &ethnode.SignRequest{Type: ethnode.SignTypeAttestation})
	if !errors.Is(err, ethnode.ErrBadRequest) {
		t.Errorf("client-side invalid request: %v", err)
	}
}

// TestSlashingProtection: slashable attestations and blocks get 412 and
// leave the DB unchanged; the identical message may be signed again.
func TestSlashingProtection(t *testing.T) {
	f := newSigner(t, nil)
	ctx := context.Background()
	sign := func(req *ethnode.SignRequest) (phase0.BLSSignature, error) { return f.client.Sign(ctx, f.share, req) }

	a := attData(97, 1, 2, 3)
	first, err := sign(ethnode.NewAttestationSignRequest(forkInfo(t, 3), a, nil))
	if err != nil {
		t.Fatal(err)
	}
	double := attData(97, 1, 2, 3)
	double.BeaconBlockRoot = fill32(0x99)
	surrounding := attData(130, 1, 1, 4)
	surrounded := attData(97, 1, 2, 3) // placeholder, replaced below
	// A record (2, 5) is surrounded by nothing yet; sign (1, 6)? Use an
	// existing wide vote instead: sign (3, 6), then (4, 5) is surrounded.
	wide := attData(200, 1, 3, 6)
	if _, err := sign(ethnode.NewAttestationSignRequest(forkInfo(t, 6), wide, nil)); err != nil {
		t.Fatal(err)
	}
	surrounded = attData(165, 0, 4, 5)
	blockA := blockAt(eth2spec.DataVersionCapella, 100)
	reqA, _ := ethnode.NewBlockSignRequest(signing.Chain{}, forkInfo(t, 3), blockA, nil)
	sigBlock, err := sign(reqA)
	if err != nil {
		t.Fatal(err)
	}
	blockB := blockAt(eth2spec.DataVersionCapella, 100)
	blockB.Capella.ProposerIndex = 10
	reqB, _ := ethnode.NewBlockSignRequest(signing.Chain{}, forkInfo(t, 3), blockB, nil)
	lower := blockAt(eth2spec.DataVersionCapella, 99)
	reqLower, _ := ethnode.NewBlockSignRequest(signing.Chain{}, forkInfo(t, 3), lower, nil)

	refused := []struct {
		name string
		req  *ethnode.SignRequest
	}{
		{"double vote", ethnode.NewAttestationSignRequest(forkInfo(t, 3), double, nil)},
		{"surrounding vote", ethnode.NewAttestationSignRequest(forkInfo(t, 4), surrounding, nil)},
		{"surrounded vote", ethnode.NewAttestationSignRequest(forkInfo(t, 5), surrounded, nil)},
		{"target below the minimum", ethnode.NewAttestationSignRequest(forkInfo(t, 2), attData(65, 1, 1, 2), nil)},
		{"double proposal", reqB},
		{"block below the minimum slot", reqLower},
	}
	before := f.dbRoot(t)
	for _, tc := range refused {
		_, err := sign(tc.req)
		var se *ethnode.SignerError
		if !errors.Is(err, ethnode.ErrSlashingRefused) || !errors.As(err, &se) || se.StatusCode != 412 {
			t.Errorf("%s: %v, want 412", tc.name, err)
		}
		if f.dbRoot(t) != before {
			t.Fatalf("%s: the slashing DB changed", tc.name)
		}
	}
	again, err := sign(ethnode.NewAttestationSignRequest(forkInfo(t, 3), a, nil))
	if err != nil || again != first {
		t.Fatalf("repeat attestation: %v", err)
	}
	againBlock, err := sign(reqA)
	if err != nil || againBlock != sigBlock {
		t.Fatalf("repeat block: %v", err)
	}
	if f.dbRoot(t) != before {
		t.Fatal("repeats changed the DB")
	}
	// Each key has its own history: the other share may sign the double vote.
	if _, err := f.client.Sign(ctx, f.share2, ethnode.NewAttestationSignRequest(forkInfo(t, 3), double, nil)); err != nil {
		t.Fatalf("other key: %v", err)
	}
	// The DB holds the real signing roots.
	in, _ := testChain().AttestationData(a)
	if err := f.srv.SlashingDB().CheckAttestation(f.share, 2, 3, &in.SigningRoot); err != nil {
		t.Fatalf("stored root: %v", err)
	}
}

// TestConcurrentConflicts: of many concurrent conflicting requests exactly
// one is signed.
func TestConcurrentConflicts(t *testing.T) {
	f := newSigner(t, nil)
	const n = 24
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, refused := 0, 0
	for i := 0; i < n; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			d := attData(161, 0, 4, 5)
			d.BeaconBlockRoot = fill32(byte(i))
			_, err := f.client.Sign(context.Background(), f.share, ethnode.NewAttestationSignRequest(forkInfo(t, 5), d, nil))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, ethnode.ErrSlashingRefused):
				refused++
			default:
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			if _, err := f.client.Sign(context.Background(), f.share2, ethnode.NewRandaoRevealSignRequest(forkInfo(t, 5), 5, nil)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if ok != 1 || refused != n-1 {
		t.Fatalf("%d signed, %d refused", ok, refused)
	}
}

// failingStore fails every save.
type failingStore struct{ MemoryStore }

func (failingStore) Save(*slashing.SlashingDB) error { return errors.New("disk full") }

// recordingStore records single records and counts whole-DB saves.
type recordingStore struct {
	MemoryStore
	mu    sync.Mutex
	atts  int
	saves int
}

func (s *recordingStore) Save(*slashing.SlashingDB) error {
	s.mu.Lock()
	s.saves++
	s.mu.Unlock()
	return nil
}
func (s *recordingStore) RecordAttestation(phase0.BLSPubKey, *slashing.SlashingDBAttestation) error {
	s.mu.Lock()
	s.atts++
	s.mu.Unlock()
	return nil
}
func (s *recordingStore) RecordBlock(phase0.BLSPubKey, *slashing.SlashingDBBlock) error { return nil }

func TestSlashingPersistence(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "slashing.json")
	store := InterchangeFileStore{Path: path}
	f := newSigner(t, store)
	if _, err := f.client.Sign(ctx, f.share, ethnode.NewAttestationSignRequest(forkInfo(t, 3), attData(97, 1, 2, 3), nil)); err != nil {
		t.Fatal(err)
	}
	f.srv.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"interchange_format_version": "5"`) && !strings.Contains(string(data), `"interchange_format_version":"5"`) {
		t.Fatalf("not an EIP-3076 file: %s", data)
	}
	// A new signer on the same store remembers.
	g := newSigner(t, store)
	d := attData(97, 1, 2, 3)
	d.BeaconBlockRoot = fill32(0x42)
	if _, err := g.client.Sign(ctx, g.share, ethnode.NewAttestationSignRequest(forkInfo(t, 3), d, nil)); !errors.Is(err, ethnode.ErrSlashingRefused) {
		t.Fatalf("after restart: %v", err)
	}
	// A signer on another chain refuses the file.
	cfg := Config{Forks: testForks(), SlotsPerEpoch: testSlotsPerEpoch, GenesisValidatorsRoot: fill32(1), Slashing: store}
	if _, err := NewServer(cfg); err == nil {
		t.Fatal("loaded a slashing DB of another chain")
	}
	// A failing store means no signature.
	h := newSigner(t, failingStore{})
	if _, err := h.client.Sign(ctx, h.share, ethnode.NewAttestationSignRequest(forkInfo(t, 3), attData(97, 1, 2, 3), nil)); !errors.Is(err, ethnode.ErrSignerInternal) {
		t.Fatalf("failing store: %v", err)
	}
	// Non-slashable types do not touch the store.
	if _, err := h.client.Sign(ctx, h.share, ethnode.NewRandaoRevealSignRequest(forkInfo(t, 3), 3, nil)); err != nil {
		t.Fatal(err)
	}
	// A RecordStore gets single records and no whole-DB saves.
	rs := &recordingStore{}
	r := newSigner(t, rs)
	if _, err := r.client.Sign(ctx, r.share, ethnode.NewAttestationSignRequest(forkInfo(t, 3), attData(97, 1, 2, 3), nil)); err != nil {
		t.Fatal(err)
	}
	if rs.atts != 1 || rs.saves != 0 {
		t.Fatalf("record store: %d records, %d saves", rs.atts, rs.saves)
	}
	// A RecordStore that refuses (its own check found a conflict the
	// in-memory DB did not know of) is a refusal to sign, not a server
	// failure to retry.
	ref := newSigner(t, &refusingStore{})
	if _, err := ref.client.Sign(ctx, ref.share, ethnode.NewAttestationSignRequest(forkInfo(t, 3), attData(97, 1, 2, 3), nil)); !errors.Is(err, ethnode.ErrSlashingRefused) {
		t.Fatalf("refusing record store: %v", err)
	}
}

// refusingStore is a RecordStore whose own check refuses every record.
type refusingStore struct{ recordingStore }

func (*refusingStore) RecordAttestation(pk phase0.BLSPubKey, rec *slashing.SlashingDBAttestation) error {
	return &slashing.ConflictError{Err: slashing.ErrDoubleVote, Pubkey: pk, Attestation: rec}
}

func TestInterchangeImportExport(t *testing.T) {
	f := newSigner(t, nil)
	ctx := context.Background()
	if _, err := f.client.Sign(ctx, f.share, ethnode.NewAttestationSignRequest(forkInfo(t, 3), attData(97, 1, 2, 3), nil)); err != nil {
		t.Fatal(err)
	}
	exported, err := f.srv.ExportInterchange()
	if err != nil {
		t.Fatal(err)
	}
	g := newSigner(t, nil)
	if _, err := g.srv.ImportInterchange(exported); err != nil {
		t.Fatal(err)
	}
	d := attData(97, 1, 2, 3)
	d.BeaconBlockRoot = fill32(0x42)
	if _, err := g.client.Sign(ctx, g.share, ethnode.NewAttestationSignRequest(forkInfo(t, 3), d, nil)); !errors.Is(err, ethnode.ErrSlashingRefused) {
		t.Fatalf("after import: %v", err)
	}
	before := g.dbRoot(t)
	if _, err := g.srv.ImportInterchange([]byte(`{"metadata":{}}`)); err == nil {
		t.Fatal("imported garbage")
	}
	if g.dbRoot(t) != before {
		t.Fatal("a failed import changed the DB")
	}
}

func TestNewServerErrors(t *testing.T) {
	_, def := testDevnet(t)
	cfg, err := ConfigFromCluster(def)
	if err != nil {
		t.Fatal(err)
	}
	sk, err := bls.InteropSecretKey(1)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Keys = []bls.SecretKey{sk, sk}
	if _, err := NewServer(cfg); err == nil {
		t.Error("accepted a key twice")
	}
	cfg.Keys = []bls.SecretKey{{}}
	if _, err := NewServer(cfg); err == nil {
		t.Error("accepted an invalid key")
	}
	cfg.Keys = nil
	cfg.SlotsPerEpoch = 0
	if _, err := NewServer(cfg); err == nil {
		t.Error("accepted zero slots per epoch")
	}
	if _, err := NewClient("ftp://x"); err == nil {
		t.Error("accepted a non-http URL")
	}
}

func TestLoadKeystores(t *testing.T) {
	dir, def := testDevnet(t)
	node := keys.NodeDir(dir, 2)
	ksDir := filepath.Join(node, keys.KeystoresDir)
	sks, err := LoadKeystores(KeystoreConfig{Dir: ksDir, PasswordFile: filepath.Join(node, keys.KeystorePasswordFile)})
	if err != nil {
		t.Fatal(err)
	}
	got := map[phase0.BLSPubKey]bool{}
	for _, sk := range sks {
		pk, _ := sk.PublicKey()
		got[pk] = true
	}
	for _, v := range def.Validators {
		if !got[v.PublicShares[1]] {
			t.Errorf("missing share of %x", v.PublicKey[:4])
		}
	}
	// Per-keystore password files (the keys:passwords layout).
	pwDir := t.TempDir()
	pw, _ := keys.ReadPasswordFile(filepath.Join(node, keys.KeystorePasswordFile))
	entries, _ := os.ReadDir(ksDir)
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".json") + ".txt"
		if err := os.WriteFile(filepath.Join(pwDir, name), []byte(pw+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := LoadKeystores(KeystoreConfig{Dir: ksDir, PasswordDir: pwDir}); err != nil {
		t.Fatal(err)
	}
	wrong := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(wrong, []byte("nope"), 0o600)
	if _, err := LoadKeystores(KeystoreConfig{Dir: ksDir, PasswordFile: wrong}); !errors.Is(err, keys.ErrWrongPassword) {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := LoadKeystores(KeystoreConfig{Dir: t.TempDir(), PasswordFile: wrong}); err == nil {
		t.Fatal("empty directory accepted")
	}
	if _, err := LoadKeystores(KeystoreConfig{Dir: ksDir}); err == nil {
		t.Fatal("no password source accepted")
	}
}

// TestThresholdSigning: M of the N embedded signers of a cluster sign one
// attestation; any M partial signatures recombine into the validator's
// signature.
func TestThresholdSigning(t *testing.T) {
	dir, def := testDevnet(t)
	cfg, err := ConfigFromCluster(def)
	if err != nil {
		t.Fatal(err)
	}
	req := ethnode.NewAttestationSignRequest(forkInfo(t, 3), attData(97, 1, 2, 3), nil)
	v := def.Validators[1]
	var parts []bls.PartialSignature
	for i := uint64(1); i <= 4; i++ {
		node := keys.NodeDir(dir, i)
		sks, err := LoadKeystores(KeystoreConfig{Dir: filepath.Join(node, keys.KeystoresDir), PasswordFile: filepath.Join(node, keys.KeystorePasswordFile)})
		if err != nil {
			t.Fatal(err)
		}
		c := cfg
		c.Keys = sks
		s, err := NewServer(c)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := s.Sign(context.Background(), v.PublicShares[i-1], req)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, bls.PartialSignature{Index: i, Signature: sig})
	}
	in, _ := testChain().AttestationData(attData(97, 1, 2, 3))
	for skip := 0; skip < 4; skip++ {
		var subset []bls.PartialSignature
		for i, p := range parts {
			if i != skip {
				subset = append(subset, p)
			}
		}
		sig, err := bls.RecoverSignature(subset, int(def.Threshold))
		if err != nil {
			t.Fatal(err)
		}
		if !bls.Verify(v.PublicKey, in.SigningRoot[:], sig) {
			t.Fatalf("shares without %d do not recombine", skip+1)
		}
	}
}
