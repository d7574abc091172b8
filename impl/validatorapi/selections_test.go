package validatorapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty"
)

// selEndpoint is one of the two DVT selection endpoints as the tests see
// it: how an item of it is written, what its proof signs, and the two
// selections (a, b) a test asks for.
type selEndpoint struct {
	path  string
	noun  string // as the endpoint names its list in errors
	share networking.AggregationShareType
	a, b  selAt
	// prepare serves whatever duty the selections need.
	prepare func(f *aggFixture)
	item    func(vi phase0.ValidatorIndex, at selAt, proof phase0.BLSSignature) any
	root    func(f *aggFixture, at selAt) phase0.Root
}

type selAt struct {
	slot phase0.Slot
	sub  uint64
}

func selEndpoints() []selEndpoint {
	return []selEndpoint{{
		path:  "/eth/v1/validator/beacon_committee_selections",
		noun:  "beacon committee selection",
		share: networking.ShareSelectionProof,
		a:     selAt{aggSlot, 0}, b: selAt{aggSlot + 1, 0},
		prepare: func(*aggFixture) {},
		item: func(vi phase0.ValidatorIndex, at selAt, proof phase0.BLSSignature) any {
			return &apiv1.BeaconCommitteeSelection{ValidatorIndex: vi, Slot: at.slot, SelectionProof: proof}
		},
		root: func(f *aggFixture, at selAt) phase0.Root {
			in, err := f.chain.AggregationSlot(at.slot)
			if err != nil {
				f.t.Fatal(err)
			}
			return in.SigningRoot
		},
	}, {
		path:  "/eth/v1/validator/sync_committee_selections",
		noun:  "sync committee selection",
		share: networking.ShareSyncSelectionProof,
		a:     selAt{aggSlot, 1}, b: selAt{aggSlot, 0},
		prepare: func(f *aggFixture) {
			size := f.chain.ChainConfig().SyncSubcommitteeSize()
			keys := make([]phase0.BLSPubKey, size)
			for i := range keys {
				keys[i] = f.member[i%len(f.member)]
			}
			keys[0] = f.pk
			duty := &spec.SyncCommitteeDuty{Pubkey: f.pk, ValidatorIndex: valIndex, ValidatorSyncCommitteeIndices: []uint64{0, size}}
			f.al.inject(aggduty.ServeSyncContributionDuty{Duty: duty, Slot: aggSlot, Subcommittees: map[uint64][]phase0.BLSPubKey{0: keys, 1: keys}})
		},
		item: func(vi phase0.ValidatorIndex, at selAt, proof phase0.BLSSignature) any {
			return &ethnode.SyncCommitteeSelection{ValidatorIndex: vi, Slot: at.slot, SubcommitteeIndex: at.sub, SelectionProof: proof}
		},
		root: func(f *aggFixture, at selAt) phase0.Root {
			in, err := f.chain.SyncCommitteeSelectionProof(&altair.SyncAggregatorSelectionData{Slot: at.slot, SubcommitteeIndex: at.sub})
			if err != nil {
				f.t.Fatal(err)
			}
			return in.SigningRoot
		},
	}}
}

// peers hands the node the co-validators' shares of the proof at at, so
// that the VC's share completes the threshold.
func (e selEndpoint) peers(f *aggFixture, at selAt) {
	for _, i := range []int{2, 3} {
		f.al.inject(aggduty.ReceivedAggregationShare{Share: f.share(e.share, at.slot, at.sub, e.root(f, at), i)})
	}
}

// post sends the items (nil stands for a JSON null) and decodes the answer.
func (e selEndpoint) post(t *testing.T, f *aggFixture, items ...any) (int, []json.RawMessage, *ethnode.ErrorMessage) {
	t.Helper()
	code, body := f.do(http.MethodPost, e.path, nil, mustJSON(t, items))
	if code == http.StatusOK {
		var resp struct {
			Data []json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(body, &resp); err != nil || resp.Data == nil {
			t.Fatalf("%s: answer %s: %v", e.path, body, err)
		}
		return code, resp.Data, nil
	}
	var em ethnode.ErrorMessage
	if err := json.Unmarshal(body, &em); err != nil || em.Code != code {
		t.Fatalf("%s: error answer %d %s: %v", e.path, code, body, err)
	}
	return code, nil, &em
}

// TestSelectionsRefuseNamingTheItem: a list with a null item and an item
// of a validator the node does not serve is a 400 whose failures name
// those items by position, and the others; the good item is still
// captured (its share goes to the co-validators).
func TestSelectionsRefuseNamingTheItem(t *testing.T) {
	for _, e := range selEndpoints() {
		t.Run(e.noun, func(t *testing.T) {
			f := newAggFixture(t)
			e.prepare(f)
			good := e.item(valIndex, e.a, f.sign(1, e.root(f, e.a)))
			b0, _, _ := f.al.counts()
			code, _, em := e.post(t, f, nil, e.item(valIndex+1, e.a, f.sign(1, e.root(f, e.a))), good)
			if code != http.StatusBadRequest {
				t.Fatalf("%d, want 400", code)
			}
			if em.Message != "some "+e.noun+"s were refused" {
				t.Errorf("message %q", em.Message)
			}
			if len(em.Failures) != 2 || em.Failures[0].Index != 0 || em.Failures[1].Index != 1 ||
				em.Failures[0].Message != "empty selection" || !strings.Contains(em.Failures[1].Message, "validator 43 ") {
				t.Errorf("failures %+v, want items 0 (empty) and 1 (validator 43)", em.Failures)
			}
			if b, _, _ := f.al.counts(); b != b0+1 {
				t.Errorf("%d broadcasts, want the good item's share sent once", b-b0)
			}
		})
	}
}

// TestSelectionsMalformedList: a body that is no list of the endpoint's
// items is a 400 saying which list.
func TestSelectionsMalformedList(t *testing.T) {
	for _, e := range selEndpoints() {
		t.Run(e.noun, func(t *testing.T) {
			f := newAggFixture(t)
			code, body := f.do(http.MethodPost, e.path, nil, []byte(`{"validator_index":"42"}`))
			var em ethnode.ErrorMessage
			if code != http.StatusBadRequest || json.Unmarshal(body, &em) != nil || !strings.HasPrefix(em.Message, "invalid "+e.noun+" list: ") {
				t.Fatalf("%d %s, want a 400 naming the %s list", code, body, e.noun)
			}
		})
	}
}

// TestSelectionsAnswerWhatCombined: the answer holds, in request order,
// the proofs combined within the deadline and leaves the others out; with
// none combined it is a 503; an empty list is an empty answer.
func TestSelectionsAnswerWhatCombined(t *testing.T) {
	for _, e := range selEndpoints() {
		t.Run(e.noun, func(t *testing.T) {
			f := newAggFixture(t)
			e.prepare(f)
			ask := func(at selAt) any { return e.item(valIndex, at, f.sign(1, e.root(f, at))) }

			if code, data, em := e.post(t, f); code != http.StatusOK || len(data) != 0 {
				t.Fatalf("empty list: %d %v %+v, want an empty answer", code, data, em)
			}
			code, _, em := e.post(t, f, ask(e.a))
			if code != http.StatusServiceUnavailable || !strings.Contains(em.Message, "no selection proof was combined") {
				t.Fatalf("nothing combined: %d %+v, want 503", code, em)
			}

			e.peers(f, e.b)
			code, data, em := e.post(t, f, ask(e.a), ask(e.b))
			if code != http.StatusOK {
				t.Fatalf("one of two combined: %d %+v", code, em)
			}
			want := mustJSON(t, e.item(valIndex, e.b, f.full(e.root(f, e.b))))
			if len(data) != 1 || string(data[0]) != string(want) {
				t.Fatalf("one of two combined: answered %s, want only %s", data, want)
			}

			e.peers(f, e.a)
			code, data, em = e.post(t, f, ask(e.b), ask(e.a))
			if code != http.StatusOK || len(data) != 2 {
				t.Fatalf("both combined: %d %s %+v", code, data, em)
			}
			for i, at := range []selAt{e.b, e.a} {
				if want := mustJSON(t, e.item(valIndex, at, f.full(e.root(f, at)))); string(data[i]) != string(want) {
					t.Errorf("item %d: %s, want %s", i, data[i], want)
				}
			}
		})
	}
}
