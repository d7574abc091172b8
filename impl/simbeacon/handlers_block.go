package simbeacon

import (
	"fmt"
	"net/http"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// produceBlockResponse is the v3 production body of beacon-APIs v4.0.0.
type produceBlockResponse struct {
	Version                 string `json:"version"`
	ExecutionPayloadBlinded bool   `json:"execution_payload_blinded"`
	ExecutionPayloadValue   string `json:"execution_payload_value"`
	ConsensusBlockValue     string `json:"consensus_block_value"`
	Data                    any    `json:"data"`
}

func (n *Node) verifyRandao(proposer phase0.ValidatorIndex, slot phase0.Slot, reveal phase0.BLSSignature) error {
	in, err := n.signing.RandaoReveal(n.chain.epochOf(slot))
	if err != nil {
		return err
	}
	if err := n.reg.verify(proposer, in.SigningRoot, reveal); err != nil {
		return fmt.Errorf("randao reveal of proposer %d for epoch %d: %w", proposer, n.chain.epochOf(slot), err)
	}
	return nil
}

func (n *Node) handleProduceBlock(w http.ResponseWriter, r *request) *apiError {
	slotV, aerr := pathUint(r, "slot")
	if aerr != nil {
		return aerr
	}
	slot := phase0.Slot(slotV)
	if slot == 0 {
		return badRequest("invalid slot 0: the genesis block is not produced")
	}
	if !n.isCurrentSlot(slot) {
		return badRequest("invalid slot %d: not the current slot %d", slot, n.CurrentSlot())
	}
	revealB, aerr := queryHex(r, "randao_reveal", 96)
	if aerr != nil {
		return aerr
	}
	var reveal phase0.BLSSignature
	copy(reveal[:], revealB)
	var graffiti [32]byte
	if vals, ok := r.URL.Query()["graffiti"]; ok {
		if len(vals) != 1 {
			return badRequest("query parameter graffiti given %d times", len(vals))
		}
		b, aerr := parseHex("graffiti", vals[0], 32)
		if aerr != nil {
			return aerr
		}
		copy(graffiti[:], b)
	}
	if _, _, aerr := queryUint(r, "builder_boost_factor", false); aerr != nil {
		return aerr
	}
	proposer := n.chain.proposer(slot)
	if _, skip := r.URL.Query()["skip_randao_verification"]; skip {
		if reveal != infinitySignature {
			return badRequest("skip_randao_verification requires the randao_reveal to be the point at infinity")
		}
	} else if err := n.verifyRandao(proposer, slot, reveal); err != nil {
		return badRequest("%v", err)
	}
	ssz, aerr := negotiate(r, true)
	if aerr != nil {
		return aerr
	}
	n.mu.Lock()
	feeTo := n.feeRecipients[proposer]
	n.mu.Unlock()
	version, block := n.buildBlock(blockParts{slot: slot, proposer: proposer, randao: reveal, graffiti: graffiti, feeTo: feeTo})
	headers := map[string]string{
		ethnode.HeaderConsensusVersion: versionName(version),
		ethnode.HeaderPayloadBlinded:   "false",
		ethnode.HeaderPayloadValue:     "0",
		ethnode.HeaderBlockValue:       "0",
	}
	if ssz {
		b, err := n.ssz.MarshalSSZ(block)
		if err != nil {
			return &apiError{status: http.StatusInternalServerError, message: err.Error()}
		}
		writeSSZ(w, b, headers)
		return nil
	}
	for k, v := range headers {
		w.Header().Set(k, v)
	}
	writeJSON(w, http.StatusOK, &produceBlockResponse{
		Version: versionName(version), ExecutionPayloadValue: "0", ConsensusBlockValue: "0", Data: block,
	})
	return nil
}

func (n *Node) handlePublishBlock(w http.ResponseWriter, r *request) *apiError {
	version, aerr := parseVersionHeader(r)
	if aerr != nil {
		return aerr
	}
	if vals, ok := r.URL.Query()["broadcast_validation"]; ok {
		if len(vals) != 1 || (vals[0] != "gossip" && vals[0] != "consensus" && vals[0] != "consensus_and_equivocation") {
			return badRequest("invalid broadcast_validation %q", vals)
		}
	}
	ssz, aerr := bodyIsSSZ(r, true)
	if aerr != nil {
		return aerr
	}
	container := newSignedContainer(version)
	if ssz {
		if err := n.decodeSSZ(r.body, container); err != nil {
			return badRequest("invalid %s signed block: %v", version, err)
		}
	} else if aerr := decodeStrict(r.body, container); aerr != nil {
		return aerr
	}
	b, err := unpackSigned(container)
	if err != nil {
		return badRequest("invalid block: %v", err)
	}
	b.signed = signedMessage(container)
	if err := n.checkBlock(version, b); err != nil {
		return badRequest("invalid block: %v", err)
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// checkBlock verifies a signed block and, if it is valid, records it: the
// fork matches, the slot is current, the proposer is the slot's, the
// parent is the chain's, the blob lists agree, the RANDAO reveal and the
// block signature verify, and it is not a second block for the slot.
func (n *Node) checkBlock(version eth2spec.DataVersion, b *signedBlock) error {
	epoch := n.chain.epochOf(b.slot)
	if f := n.chain.fork(epoch); f.Name != version {
		return fmt.Errorf("slot %d is in %s, but the block is declared %s", b.slot, f.Name, version)
	}
	if b.slot == 0 {
		return fmt.Errorf("slot 0 is the genesis block")
	}
	if !n.isCurrentSlot(b.slot) {
		return fmt.Errorf("slot %d is not the current slot %d", b.slot, n.CurrentSlot())
	}
	if want := n.chain.proposer(b.slot); b.proposer != want {
		return fmt.Errorf("proposer index %d is not the proposer %d of slot %d", b.proposer, want, b.slot)
	}
	if want := BlockRoot(b.slot - 1); b.parent != want {
		return fmt.Errorf("parent root %#x is not the block %#x of slot %d", b.parent, want, b.slot-1)
	}
	if version >= eth2spec.DataVersionDeneb {
		wantProofs := b.blobs
		if version >= eth2spec.DataVersionFulu {
			wantProofs = b.blobs * int(n.table["CELLS_PER_EXT_BLOB"])
		}
		if b.blobs != b.commitments || b.proofs != wantProofs {
			return fmt.Errorf("%d blobs, %d KZG commitments and %d proofs do not match", b.blobs, b.commitments, b.proofs)
		}
	}
	if err := n.verifyRandao(b.proposer, b.slot, b.randao); err != nil {
		return err
	}
	root, err := n.hashTreeRoot(b.message)
	if err != nil {
		return err
	}
	signingRoot, err := n.signingRoot(b.message, signing.DomainBeaconProposer, epoch)
	if err != nil {
		return err
	}
	if err := n.reg.verify(b.proposer, signingRoot, b.signature); err != nil {
		return fmt.Errorf("block signature: %w", err)
	}
	now := n.cfg.Clock.Now()
	if err := n.rec.checkProposal(b.proposer, b.slot, signingRoot, now); err != nil {
		return err
	}
	if n.rec.add(Acceptance{Validator: b.proposer, Kind: KindBlock, Slot: b.slot, At: now, SigningRoot: signingRoot}, epoch) {
		if b.signed != nil {
			n.imported.add(root, &importedBlock{version: version, slot: b.slot, signed: b.signed})
		}
		n.events.publish("block", &blockEvent{Slot: u64s(uint64(b.slot)), Block: hex0x(root)})
	}
	return nil
}

func (n *Node) handlePrepareBeaconProposer(w http.ResponseWriter, r *request) *apiError {
	if _, aerr := bodyIsSSZ(r, false); aerr != nil {
		return aerr
	}
	var items []*apiv1.ProposalPreparation
	if aerr := decodeStrict(r.body, &items); aerr != nil {
		return aerr
	}
	if len(items) == 0 {
		return badRequest("the request list is empty")
	}
	for i, p := range items {
		if p == nil {
			return badRequest("preparation %d: missing", i)
		}
	}
	n.mu.Lock()
	for _, p := range items {
		// Unknown indices are accepted, as the endpoint requires; they may
		// become active later (not in this simulation, where they never do).
		n.feeRecipients[p.ValidatorIndex] = p.FeeRecipient
	}
	n.mu.Unlock()
	w.WriteHeader(http.StatusOK)
	return nil
}

// FeeRecipient returns the fee recipient last prepared for validator v.
func (n *Node) FeeRecipient(v phase0.ValidatorIndex) ([20]byte, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	f, ok := n.feeRecipients[v]
	return f, ok
}

func (n *Node) handleRegisterValidator(w http.ResponseWriter, r *request) *apiError {
	if _, aerr := bodyIsSSZ(r, false); aerr != nil {
		return aerr
	}
	var items []*apiv1.SignedValidatorRegistration
	if aerr := decodeStrict(r.body, &items); aerr != nil {
		return aerr
	}
	if len(items) == 0 {
		return badRequest("the request list is empty")
	}
	type ok struct {
		v    phase0.ValidatorIndex
		root phase0.Root
	}
	var accepted []ok
	for i, s := range items {
		if s == nil || s.Message == nil {
			return badRequest("registration %d: missing", i)
		}
		v, known := n.reg.byPubkey[s.Message.Pubkey]
		if !known {
			continue // unknown validators are filtered out, not refused
		}
		in, err := n.signing.ValidatorRegistration(s.Message)
		if err != nil {
			return badRequest("registration %d: %v", i, err)
		}
		if err := n.reg.verify(v, in.SigningRoot, s.Signature); err != nil {
			return badRequest("registration %d (validator %d): %v", i, v, err)
		}
		accepted = append(accepted, ok{v, in.SigningRoot})
	}
	now := n.cfg.Clock.Now()
	slot := n.CurrentSlot()
	for _, a := range accepted {
		n.rec.add(Acceptance{Validator: a.v, Kind: KindValidatorRegistration, Slot: slot, At: now, SigningRoot: a.root}, n.chain.epochOf(slot))
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (n *Node) handleVoluntaryExit(w http.ResponseWriter, r *request) *apiError {
	if _, aerr := bodyIsSSZ(r, false); aerr != nil {
		return aerr
	}
	var exit phase0.SignedVoluntaryExit
	if aerr := decodeStrict(r.body, &exit); aerr != nil {
		return aerr
	}
	if exit.Message == nil {
		return badRequest("invalid voluntary exit: missing message")
	}
	v := exit.Message.ValidatorIndex
	if uint64(v) >= n.reg.size() {
		return badRequest("invalid voluntary exit: unknown validator %d", v)
	}
	in, err := n.signing.VoluntaryExit(exit.Message, n.CurrentEpoch())
	if err != nil {
		return badRequest("invalid voluntary exit: %v", err)
	}
	if err := n.reg.verify(v, in.SigningRoot, exit.Signature); err != nil {
		return badRequest("invalid voluntary exit: %v", err)
	}
	slot := n.chain.startSlot(exit.Message.Epoch)
	n.rec.add(Acceptance{Validator: v, Kind: KindVoluntaryExit, Slot: slot, At: n.cfg.Clock.Now(), SigningRoot: in.SigningRoot}, exit.Message.Epoch)
	w.WriteHeader(http.StatusOK)
	return nil
}
