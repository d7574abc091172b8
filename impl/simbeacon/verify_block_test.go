package simbeacon_test

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	apiv1electra "github.com/attestantio/go-eth2-client/api/v1/electra"
	"github.com/attestantio/go-eth2-client/spec/deneb"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"
	dynssz "github.com/pk910/dynamic-ssz"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/spec/signing"
)

func hex0x(b []byte) string { return "0x" + hex.EncodeToString(b) }

// produce fetches the JSON block of slot with the proposer's reveal.
func (h *harness) produce(slot phase0.Slot, reveal phase0.BLSSignature, extra string) (int, []byte) {
	h.t.Helper()
	return h.do(http.MethodGet, fmt.Sprintf("/eth/v3/validator/blocks/%d?randao_reveal=%s%s", slot, hex0x(reveal[:]), extra), map[string]string{"Accept": "application/json"}, nil)
}

func (h *harness) electraBlock(slot phase0.Slot) *apiv1electra.BlockContents {
	h.t.Helper()
	st, body := h.produce(slot, h.s.RandaoReveal(slot), "")
	if st != http.StatusOK {
		h.t.Fatalf("produce: %d %s", st, body)
	}
	var resp struct {
		Version string                      `json:"version"`
		Data    *apiv1electra.BlockContents `json:"data"`
	}
	if err := json.Unmarshal(body, &resp); err != nil || resp.Version != "electra" {
		h.t.Fatalf("produce: %v %s", err, resp.Version)
	}
	return resp.Data
}

func (h *harness) signBlock(signer phase0.ValidatorIndex, b *electra.BeaconBlock) *apiv1electra.SignedBlockContents {
	epoch := phase0.Epoch(uint64(b.Slot) / h.n.ChainConfig().SlotsPerEpoch)
	return &apiv1electra.SignedBlockContents{
		SignedBlock: &electra.SignedBeaconBlock{Message: b, Signature: h.s.SignedRoot(signer, b, signing.DomainBeaconProposer, epoch)},
		KZGProofs:   []deneb.KZGProof{}, Blobs: []deneb.Blob{},
	}
}

func cloneBlock(t *testing.T, b *electra.BeaconBlock) *electra.BeaconBlock {
	t.Helper()
	data, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	var c electra.BeaconBlock
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

// TestBlockVerification publishes one valid block and every way of getting
// a block wrong.
func TestBlockVerification(t *testing.T) {
	h := newHarness(t, simbeacon.Config{Validators: 64})
	slot := phase0.Slot(40)
	toSlot(h, slot)
	proposer := h.n.Proposer(slot)
	other := (proposer + 1) % 64
	contents := h.electraBlock(slot)
	block := contents.Block
	epoch := phase0.Epoch(1)
	blockRoot, _ := block.HashTreeRoot()
	gvr := h.n.GenesisValidatorsRoot()
	good := h.signBlock(proposer, block)

	publish := func(b *apiv1electra.SignedBlockContents, v string) (int, []byte) {
		return h.post(ethnode.PathPublishBlockV2, version(v), b)
	}
	variant := func(f func(b *electra.BeaconBlock), signer phase0.ValidatorIndex) *apiv1electra.SignedBlockContents {
		c := cloneBlock(t, block)
		f(c)
		return h.signBlock(signer, c)
	}
	withSig := func(sig phase0.BLSSignature) *apiv1electra.SignedBlockContents {
		return &apiv1electra.SignedBlockContents{SignedBlock: &electra.SignedBeaconBlock{Message: block, Signature: sig}, KZGProofs: []deneb.KZGProof{}, Blobs: []deneb.Blob{}}
	}
	tampered := h.signBlock(proposer, block)
	tampered.SignedBlock.Message = cloneBlock(t, block)
	tampered.SignedBlock.Message.Body.Graffiti[0] ^= 1
	withProof := h.signBlock(proposer, block)
	withProof.KZGProofs = []deneb.KZGProof{{}}

	cases := []struct {
		name   string
		b      *apiv1electra.SignedBlockContents
		header string
		reason string
	}{
		{"signed by another key", h.signBlock(other, block), "electra", "block signature"},
		{"another proposer index", variant(func(b *electra.BeaconBlock) { b.ProposerIndex = other }, other), "electra", "is not the proposer"},
		{"RANDAO reveal of another epoch", variant(func(b *electra.BeaconBlock) {
			in, _ := h.n.SigningChain().RandaoReveal(epoch + 1)
			b.Body.RANDAOReveal = h.s.Sign(proposer, in.SigningRoot)
		}, proposer), "electra", "randao reveal"},
		{"RANDAO reveal by another key", variant(func(b *electra.BeaconBlock) {
			in, _ := h.n.SigningChain().RandaoReveal(epoch)
			b.Body.RANDAOReveal = h.s.Sign(other, in.SigningRoot)
		}, proposer), "electra", "randao reveal"},
		{"unknown parent", variant(func(b *electra.BeaconBlock) { b.ParentRoot = phase0.Root{9} }, proposer), "electra", "parent root"},
		{"tampered after signing", tampered, "electra", "block signature"},
		{"wrong domain (attester)", withSig(h.signWith(proposer, blockRoot, signing.DomainBeaconAttester, h.forkVersion("electra"), gvr)), "electra", "block signature"},
		{"wrong fork version (deneb)", withSig(h.signWith(proposer, blockRoot, signing.DomainBeaconProposer, h.forkVersion("deneb"), gvr)), "electra", "block signature"},
		{"infinity signature", withSig(infinity), "electra", "point at infinity"},
		{"malformed signature", withSig(garbage), "electra", "not a valid compressed G2 point"},
		{"declared fulu", good, "fulu", "declared fulu"},
		{"proofs without blobs", withProof, "electra", "do not match"},
	}
	for _, tc := range cases {
		st, body := publish(tc.b, tc.header)
		h.refused(tc.name, st, body, tc.reason, 0)
	}
	st, body := h.post(ethnode.PathPublishBlockV2, version("deneb"), good)
	h.refused("declared deneb (other shape)", st, body, "invalid request body", 0)
	if st, body := h.post(ethnode.PathPublishBlockV2+"?broadcast_validation=everything", version("electra"), good); st != http.StatusBadRequest {
		t.Errorf("bad broadcast_validation: %d %s", st, body)
	}

	// SSZ, as go-eth2-client publishes by default.
	ssz, err := dynssz.NewDynSsz(nil).MarshalSSZ(good)
	if err != nil {
		t.Fatal(err)
	}
	if st, body := h.post(ethnode.PathPublishBlockV2, map[string]string{ethnode.HeaderConsensusVersion: "electra", "Content-Type": "application/octet-stream"}, ssz); st != http.StatusOK {
		t.Fatalf("valid SSZ block refused: %d %s", st, body)
	}
	if st, body := publish(good, "electra"); st != http.StatusOK {
		t.Fatalf("repeated valid block refused: %d %s", st, body)
	}
	if acc := h.n.Accepted(proposer, simbeacon.KindBlock); len(acc) != 1 || acc[0].Slot != slot {
		t.Fatalf("block acceptances %+v", acc)
	}
	equivocation := variant(func(b *electra.BeaconBlock) { b.Body.Graffiti[31] = 1 }, proposer)
	st, body = publish(equivocation, "electra")
	h.refused("second block for the slot", st, body, "slashable proposal", 1)
	if off := h.n.Offences(); len(off) != 1 || off[0].Kind != "double_proposal" {
		t.Fatalf("offences %+v", off)
	}
	// Too late: two slots on.
	toSlot(h, slot+2)
	st, body = publish(good, "electra")
	h.refused("slot no longer current", st, body, "not the current slot", 1)
	st, body = h.post(ethnode.PathPublishBlockV2, map[string]string{ethnode.HeaderConsensusVersion: "electra", "Content-Type": "application/octet-stream"}, ssz[:100])
	h.refused("truncated SSZ", st, body, "ssz", 1)
}

// TestBlockProduction covers the v3 production request checks and the SSZ
// answer.
func TestBlockProduction(t *testing.T) {
	h := newHarness(t, simbeacon.Config{Validators: 64})
	slot := phase0.Slot(9)
	toSlot(h, slot)
	proposer := h.n.Proposer(slot)
	reveal := h.s.RandaoReveal(slot)
	in, _ := h.n.SigningChain().RandaoReveal(0)
	otherReveal := h.s.Sign((proposer+1)%64, in.SigningRoot)
	for _, tc := range []struct {
		name, path string
		status     int
	}{
		{"randao by another validator", fmt.Sprintf("/eth/v3/validator/blocks/%d?randao_reveal=%s", slot, hex0x(otherReveal[:])), 400},
		{"randao malformed", fmt.Sprintf("/eth/v3/validator/blocks/%d?randao_reveal=%s", slot, hex0x(garbage[:])), 400},
		{"randao missing", fmt.Sprintf("/eth/v3/validator/blocks/%d", slot), 400},
		{"randao without 0x", fmt.Sprintf("/eth/v3/validator/blocks/%d?randao_reveal=%s", slot, hex.EncodeToString(reveal[:])), 400},
		{"skip verification needs infinity", fmt.Sprintf("/eth/v3/validator/blocks/%d?randao_reveal=%s&skip_randao_verification", slot, hex0x(reveal[:])), 400},
		{"skip verification with infinity", fmt.Sprintf("/eth/v3/validator/blocks/%d?randao_reveal=%s&skip_randao_verification", slot, hex0x(infinity[:])), 200},
		{"graffiti too short", fmt.Sprintf("/eth/v3/validator/blocks/%d?randao_reveal=%s&graffiti=0x01", slot, hex0x(reveal[:])), 400},
		{"builder boost not a number", fmt.Sprintf("/eth/v3/validator/blocks/%d?randao_reveal=%s&builder_boost_factor=-1", slot, hex0x(reveal[:])), 400},
		{"future slot", fmt.Sprintf("/eth/v3/validator/blocks/%d?randao_reveal=%s", slot+5, hex0x(reveal[:])), 400},
		{"genesis slot", fmt.Sprintf("/eth/v3/validator/blocks/0?randao_reveal=%s", hex0x(reveal[:])), 400},
		{"slot not a number", "/eth/v3/validator/blocks/x?randao_reveal=" + hex0x(reveal[:]), 400},
		{"valid", fmt.Sprintf("/eth/v3/validator/blocks/%d?randao_reveal=%s&builder_boost_factor=100", slot, hex0x(reveal[:])), 200},
	} {
		st, body := h.do(http.MethodGet, tc.path, nil, nil)
		if st != tc.status {
			t.Errorf("%s: status %d, want %d: %s", tc.name, st, tc.status, body)
		}
	}
	// SSZ answer: the same block as the JSON answer.
	st, sszBody := h.do(http.MethodGet, fmt.Sprintf("/eth/v3/validator/blocks/%d?randao_reveal=%s", slot, hex0x(reveal[:])), map[string]string{"Accept": "application/octet-stream;q=1,application/json;q=0.9"}, nil)
	if st != http.StatusOK {
		t.Fatalf("SSZ production: %d", st)
	}
	var fromSSZ apiv1electra.BlockContents
	if err := dynssz.NewDynSsz(nil).UnmarshalSSZ(&fromSSZ, sszBody); err != nil {
		t.Fatalf("SSZ body: %v", err)
	}
	fromJSON := h.electraBlock(slot)
	r1, _ := fromSSZ.Block.HashTreeRoot()
	r2, _ := fromJSON.Block.HashTreeRoot()
	if r1 != r2 || fromSSZ.Block.ProposerIndex != proposer {
		t.Fatal("SSZ and JSON production differ")
	}
	if st, _ := h.do(http.MethodGet, fmt.Sprintf("/eth/v3/validator/blocks/%d?randao_reveal=%s", slot, hex0x(reveal[:])), map[string]string{"Accept": "text/html"}, nil); st != http.StatusNotAcceptable {
		t.Errorf("Accept text/html: status %d, want 406", st)
	}
}
