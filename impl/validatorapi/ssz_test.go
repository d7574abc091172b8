package validatorapi

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"

	apiv1deneb "github.com/attestantio/go-eth2-client/api/v1/deneb"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/deneb"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/dvc"
)

// TestBlockSSZ: a VC asking for SSZ gets the decided block contents as
// SSZ with the chain's (minimal preset) sizes and the beacon-API headers,
// and may publish its signed block as SSZ; a block other than the decided
// one, or malformed SSZ, is refused with 400 and changes nothing.
func TestBlockSSZ(t *testing.T) {
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
	reveal := f.sign(1, rin.SigningRoot)
	req, err := http.NewRequest(http.MethodGet, f.http.URL+fmt.Sprintf("/eth/v3/validator/blocks/%d?randao_reveal=%#x", proposalSlot, reveal[:]), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/octet-stream;q=1.0,application/json;q=0.9")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("SSZ block production: %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	for h, want := range map[string]string{"Eth-Consensus-Version": "deneb", "Eth-Execution-Payload-Blinded": "false"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("header %s: %q, want %q", h, got, want)
		}
	}
	var contents apiv1deneb.BlockContents
	if err := f.chain.DecodeCanonical(body, &contents); err != nil {
		t.Fatalf("the answer is not the chain's SSZ of block contents: %v", err)
	}
	want, _ := f.chain.BlockRoot(decided)
	if got, _ := f.chain.BlockRoot(&eth2spec.VersionedBeaconBlock{Version: eth2spec.DataVersionDeneb, Deneb: contents.Block}); got != want {
		t.Fatalf("served block %#x, decided %#x", got, want)
	}

	signedSSZ := func(b *eth2spec.VersionedBeaconBlock, share int) []byte {
		in, err := f.chain.BeaconBlock(b)
		if err != nil {
			t.Fatal(err)
		}
		sb := &apiv1deneb.SignedBlockContents{SignedBlock: &deneb.SignedBeaconBlock{Message: b.Deneb, Signature: f.sign(share, in.SigningRoot)}, KZGProofs: []deneb.KZGProof{}, Blobs: []deneb.Blob{}}
		out, err := f.chain.MarshalSSZ(sb)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	sszHeader := map[string]string{"Eth-Consensus-Version": "deneb", "Content-Type": "application/octet-stream"}
	good := signedSSZ(decided, 1)
	before, sent := f.l.snapshot(), f.broadcasts()
	for name, c := range map[string]struct {
		path   string
		header map[string]string
		body   []byte
	}{
		"a block other than the decided one": {"/eth/v2/beacon/blocks", sszHeader, signedSSZ(f.block(proposalSlot, contents.Block.Body.RANDAOReveal, 2), 1)},
		"an invalid partial signature":       {"/eth/v1/beacon/blocks", sszHeader, signedSSZ(decided, 2)},
		"truncated SSZ":                      {"/eth/v2/beacon/blocks", sszHeader, good[:len(good)-3]},
		"SSZ without its version":            {"/eth/v1/beacon/blocks", map[string]string{"Content-Type": "application/octet-stream"}, good},
	} {
		if code, body := f.do(http.MethodPost, c.path, c.header, c.body); code != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", name, code, body)
		}
		if !bytes.Equal(f.l.snapshot(), before) || f.broadcasts() != sent {
			t.Fatalf("%s changed the DVC state or sent a share", name)
		}
	}
	if code, body := f.do(http.MethodPost, "/eth/v2/beacon/blocks", sszHeader, good); code != http.StatusOK {
		t.Fatalf("the decided block as SSZ: %d %s", code, body)
	}
	if f.broadcasts() != sent+1 {
		t.Fatal("the VC's SSZ block did not become this node's share")
	}
}

func TestPrefersSSZ(t *testing.T) {
	for accept, want := range map[string]bool{
		"":                         false,
		"application/json":         false,
		"application/octet-stream": true,
		"*/*":                      false,
		"application/octet-stream;q=1.0,application/json;q=0.9": true,
		"application/octet-stream;q=0.5,application/json":       false,
		"application/octet-stream, */*;q=0.1":                   true,
		"text/html":                                             false,
	} {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept", accept)
		if got := prefersSSZ(r); got != want {
			t.Errorf("Accept %q: SSZ %v, want %v", accept, got, want)
		}
	}
}
