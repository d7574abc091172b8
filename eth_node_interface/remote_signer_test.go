package ethnode

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/signing"
)

// rsForks: mainnet fork versions, fork k active from epoch k.
func rsForks(t testing.TB) signing.ForkSchedule {
	t.Helper()
	var forks []signing.Fork
	for v := eth2spec.DataVersionPhase0; v <= eth2spec.DataVersionFulu; v++ {
		i := byte(v - eth2spec.DataVersionPhase0)
		forks = append(forks, signing.Fork{Name: v, Version: phase0.Version{i, 0, 0, 0}, Epoch: phase0.Epoch(i)})
	}
	s, err := signing.NewForkSchedule(forks...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func rsForkInfo(t testing.TB, epoch phase0.Epoch) *ForkInfo {
	t.Helper()
	fi, err := ForkInfoAt(rsForks(t), phase0.Root{1}, epoch)
	if err != nil {
		t.Fatal(err)
	}
	return fi
}

func rsAttData(slot phase0.Slot, src, tgt phase0.Epoch) *phase0.AttestationData {
	return &phase0.AttestationData{Slot: slot, Source: &phase0.Checkpoint{Epoch: src}, Target: &phase0.Checkpoint{Epoch: tgt}}
}

func TestForkInfo(t *testing.T) {
	fi := rsForkInfo(t, 3)
	if fi.Fork.Epoch != 3 || fi.Fork.CurrentVersion != (phase0.Version{3}) || fi.Fork.PreviousVersion != (phase0.Version{2}) {
		t.Fatalf("fork %+v", fi.Fork)
	}
	for epoch, want := range map[phase0.Epoch]phase0.Version{0: {2}, 2: {2}, 3: {3}, 100: {3}} {
		got, err := fi.VersionAt(epoch)
		if err != nil || got != want {
			t.Errorf("epoch %d: %x %v", epoch, got, err)
		}
	}
	if _, err := (&ForkInfo{}).VersionAt(1); err == nil {
		t.Error("fork_info without fork")
	}
}

func TestSignRequestValidate(t *testing.T) {
	fi := rsForkInfo(t, 1)
	two := NewAttestationSignRequest(fi, rsAttData(33, 0, 1), nil)
	two.RandaoReveal = &RandaoReveal{Epoch: 1}
	noFork := NewAttestationSignRequest(nil, rsAttData(33, 0, 1), nil)
	for name, r := range map[string]*SignRequest{
		"nil":             nil,
		"unknown type":    {Type: "FOO", ForkInfo: fi, RandaoReveal: &RandaoReveal{}},
		"missing payload": {Type: SignTypeAttestation, ForkInfo: fi},
		"two payloads":    two,
		"no fork_info":    noFork,
		"wrong payload":   {Type: SignTypeAttestation, ForkInfo: fi, RandaoReveal: &RandaoReveal{}},
	} {
		err := r.Validate()
		if !errors.Is(err, ErrBadRequest) {
			t.Errorf("%s: %v", name, err)
		}
		if _, err := json.Marshal(r); err == nil && r != nil {
			t.Errorf("%s: encoded", name)
		}
	}
	if err := NewValidatorRegistrationSignRequest(nil, nil).Validate(); err == nil {
		t.Error("registration without payload")
	}
}

func TestSignerErrors(t *testing.T) {
	for status, sentinel := range map[int]error{400: ErrBadRequest, 404: ErrUnknownKey, 412: ErrSlashingRefused, 500: ErrSignerInternal, 503: ErrSignerInternal, 0: ErrSignerInternal} {
		err := fmt.Errorf("wrapped: %w", NewSignerError(status, "details %d", status))
		if !errors.Is(err, sentinel) {
			t.Errorf("%d: %v", status, err)
		}
		want := status
		if status != 400 && status != 404 && status != 412 {
			want = 500
		}
		if StatusCode(err) != want {
			t.Errorf("%d: StatusCode %d", status, StatusCode(err))
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("details %d", status)) {
			t.Errorf("message %q", err)
		}
	}
	inner := errors.New("connection refused")
	err := &SignerError{Err: inner}
	if !errors.Is(err, inner) || !errors.Is(err, ErrSignerInternal) {
		t.Error("transport error not wrapped")
	}
	if StatusCode(errors.New("x")) != http.StatusInternalServerError {
		t.Error("plain error")
	}
}

func TestSignRequestJSONReading(t *testing.T) {
	fi := rsForkInfo(t, 1)
	base := NewRandaoRevealSignRequest(fi, 1, nil)
	in, err := base.SigningInput(signing.Chain{Forks: rsForks(t), SlotsPerEpoch: 32})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(base)
	var m map[string]any
	json.Unmarshal(b, &m)
	root := fmt.Sprintf("%#x", in.SigningRoot[:])
	enc := func(fn func(m map[string]any)) []byte {
		c := map[string]any{}
		for k, v := range m {
			c[k] = v
		}
		fn(c)
		out, _ := json.Marshal(c)
		return out
	}
	ok := map[string][]byte{
		"lower-case type":        enc(func(c map[string]any) { c["type"] = "randao_reveal" }),
		"unknown field":          enc(func(c map[string]any) { c["something"] = []int{1} }),
		"other payload ignored":  enc(func(c map[string]any) { c["aggregation_slot"] = map[string]any{"slot": "1"} }),
		"signingRoot":            enc(func(c map[string]any) { c["signingRoot"] = root }),
		"signing_root alias":     enc(func(c map[string]any) { c["signing_root"] = root }),
		"both roots, same value": enc(func(c map[string]any) { c["signing_root"] = root; c["signingRoot"] = root }),
	}
	for name, data := range ok {
		var r SignRequest
		if err := json.Unmarshal(data, &r); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if _, err := r.SigningInput(signing.Chain{Forks: rsForks(t), SlotsPerEpoch: 32}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	other := fmt.Sprintf("%#x", make([]byte, 32))
	bad := map[string][]byte{
		"roots differ":    enc(func(c map[string]any) { c["signing_root"] = root; c["signingRoot"] = other }),
		"null payload":    enc(func(c map[string]any) { c["randao_reveal"] = nil }),
		"epoch as number": enc(func(c map[string]any) { c["randao_reveal"] = map[string]any{"epoch": 1} }),
		"epoch hex":       enc(func(c map[string]any) { c["randao_reveal"] = map[string]any{"epoch": "0x1"} }),
		"epoch too big":   enc(func(c map[string]any) { c["randao_reveal"] = map[string]any{"epoch": "18446744073709551616"} }),
		"short gvr": enc(func(c map[string]any) {
			c["fork_info"] = map[string]any{"fork": fi.Fork, "genesis_validators_root": "0x01"}
		}),
		"no gvr":           enc(func(c map[string]any) { c["fork_info"] = map[string]any{"fork": fi.Fork} }),
		"empty":            []byte(`{}`),
		"array":            []byte(`[]`),
		"type null":        enc(func(c map[string]any) { c["type"] = nil }),
		"signingRoot bool": enc(func(c map[string]any) { c["signingRoot"] = true }),
	}
	for name, data := range bad {
		var r SignRequest
		err := json.Unmarshal(data, &r)
		if err == nil {
			_, err = r.SigningInput(signing.Chain{Forks: rsForks(t), SlotsPerEpoch: 32})
		}
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestSigningInputRefusals(t *testing.T) {
	forks := rsForks(t)
	hdr := &phase0.BeaconBlockHeader{Slot: 33}
	gen := &DepositRequest{GenesisForkVersion: phase0.Version{9}}
	cases := map[string]*SignRequest{
		"fork_info of the previous fork": NewAttestationSignRequest(rsForkInfo(t, 1), rsAttData(64, 1, 2), nil),
		"fork_info two forks later":      NewRandaoRevealSignRequest(rsForkInfo(t, 4), 2, nil),
		"altair header":                  NewBlockHeaderSignRequest(rsForkInfo(t, 1), eth2spec.DataVersionAltair, hdr, nil),
		"header of the wrong fork":       NewBlockHeaderSignRequest(rsForkInfo(t, 1), eth2spec.DataVersionCapella, hdr, nil),
		"sync message in phase0":         NewSyncCommitteeMessageSignRequest(rsForkInfo(t, 0), 1, phase0.Root{}, nil),
		"selection proof in phase0":      NewSyncCommitteeSelectionProofSignRequest(rsForkInfo(t, 0), &altair.SyncAggregatorSelectionData{Slot: 1}, nil),
		"exit with a stale fork_info":    NewVoluntaryExitSignRequest(rsForkInfo(t, 1), &phase0.VoluntaryExit{Epoch: 4}, nil),
		"deposit for another chain":      NewDepositSignRequest(gen, nil),
		"aggregate of the wrong fork": NewAggregateAndProofSignRequest(rsForkInfo(t, 5), &eth2spec.VersionedAggregateAndProof{
			Version: eth2spec.DataVersionDeneb, Deneb: &phase0.AggregateAndProof{Aggregate: &phase0.Attestation{Data: rsAttData(165, 4, 5)}}}, nil),
		"attestation without target": NewAttestationSignRequest(rsForkInfo(t, 1), &phase0.AttestationData{Source: &phase0.Checkpoint{}}, nil),
		"contribution missing":       NewContributionAndProofSignRequest(rsForkInfo(t, 1), &altair.ContributionAndProof{}, nil),
	}
	for name, r := range cases {
		_, err := r.SigningInput(signing.Chain{Forks: forks, SlotsPerEpoch: 32})
		if !errors.Is(err, ErrBadRequest) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// The exit rule: fork_info in force now decides the domain.
	exit := &phase0.VoluntaryExit{Epoch: 1}
	in, err := NewVoluntaryExitSignRequest(rsForkInfo(t, 6), exit, nil).SigningInput(signing.Chain{Forks: forks, SlotsPerEpoch: 32})
	if err != nil || in.ForkVersion != (phase0.Version{3}) {
		t.Fatalf("exit after deneb: %x %v (want the capella version)", in.ForkVersion, err)
	}
	in, err = NewVoluntaryExitSignRequest(rsForkInfo(t, 2), exit, nil).SigningInput(signing.Chain{Forks: forks, SlotsPerEpoch: 32})
	if err != nil || in.ForkVersion != (phase0.Version{1}) {
		t.Fatalf("exit before deneb: %x %v (want the previous version)", in.ForkVersion, err)
	}
	// Encoding a block request of the wrong shape fails.
	if _, err := json.Marshal(&BeaconBlockRequest{Version: eth2spec.DataVersionPhase0, BlockHeader: hdr}); err == nil {
		t.Error("encoded a phase0 header")
	}
	if _, err := json.Marshal(&BeaconBlockRequest{Version: eth2spec.DataVersionDeneb}); err == nil {
		t.Error("encoded a deneb request without header")
	}
	// Nor an aggregate and proof without its fork's container, or of no fork.
	for name, ap := range map[string]*eth2spec.VersionedAggregateAndProof{
		"nil":           nil,
		"electra empty": {Version: eth2spec.DataVersionElectra, Deneb: &phase0.AggregateAndProof{}},
		"unknown fork":  {Version: eth2spec.DataVersionFulu + 1, Fulu: &electra.AggregateAndProof{}},
	} {
		if _, err := json.Marshal(NewAggregateAndProofSignRequest(rsForkInfo(t, 5), ap, nil)); err == nil {
			t.Errorf("encoded the aggregate and proof %s", name)
		}
	}
}

func TestVersionNames(t *testing.T) {
	for v := eth2spec.DataVersionPhase0; v <= eth2spec.DataVersionFulu; v++ {
		name, err := VersionName(v)
		if err != nil || name != strings.ToUpper(v.String()) {
			t.Fatal(v, name, err)
		}
		back, err := ParseVersionName(name)
		if err != nil || back != v {
			t.Fatal(name, err)
		}
	}
	if _, err := ParseVersionName("phase0"); err == nil {
		t.Error("lower case accepted")
	}
	if _, err := VersionName(eth2spec.DataVersionUnknown); err == nil {
		t.Error("unknown version named")
	}
}

func FuzzSignRequestJSON(f *testing.F) {
	fi, _ := ForkInfoAt(rsForks(f), phase0.Root{1}, 1)
	for _, r := range []*SignRequest{
		NewAttestationSignRequest(fi, rsAttData(33, 0, 1), nil),
		NewRandaoRevealSignRequest(fi, 1, nil),
		NewBlockHeaderSignRequest(fi, eth2spec.DataVersionAltair, &phase0.BeaconBlockHeader{Slot: 33}, nil),
		NewSyncCommitteeMessageSignRequest(fi, 33, phase0.Root{}, nil),
		NewVoluntaryExitSignRequest(fi, &phase0.VoluntaryExit{}, nil),
	} {
		b, err := json.Marshal(r)
		if err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"type":"BLOCK_V2","fork_info":null,"beacon_block":{"version":"PHASE0","block":{}}}`))
	forks := rsForks(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var r SignRequest
		if err := json.Unmarshal(data, &r); err != nil {
			var syntax *json.SyntaxError
			if !errors.Is(err, ErrBadRequest) && !errors.As(err, &syntax) {
				t.Fatalf("decode error not a bad request: %v", err)
			}
			return
		}
		if _, err := r.SigningInput(signing.Chain{Forks: forks, SlotsPerEpoch: 32}); err != nil && !errors.Is(err, ErrBadRequest) {
			t.Fatalf("signing input error not a bad request: %v", err)
		}
		if _, err := json.Marshal(&r); err != nil && r.Validate() == nil {
			// A decoded request re-encodes unless its contents are
			// inconsistent in ways only SigningInput reports.
			if _, sErr := r.SigningInput(signing.Chain{Forks: forks, SlotsPerEpoch: 32}); sErr == nil {
				t.Fatalf("valid request does not encode: %v", err)
			}
		}
	})
}
