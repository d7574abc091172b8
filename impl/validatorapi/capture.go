package validatorapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/attestantio/go-eth2-client/api"
	apiv1deneb "github.com/attestantio/go-eth2-client/api/v1/deneb"
	apiv1electra "github.com/attestantio/go-eth2-client/api/v1/electra"
	apiv1fulu "github.com/attestantio/go-eth2-client/api/v1/fulu"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/capella"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/signing"
)

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
	if err != nil || len(body) > maxRequest {
		writeError(w, http.StatusBadRequest, "request body unreadable or too large")
		return nil, false
	}
	return body, true
}

// submitAttestations takes POST /eth/v1|v2/beacon/pool/attestations: each
// attestation, signed with the VC's key share, is captured by the DVC of
// the validator whose duty it is (phase0 form: the committee and
// aggregation bit of a cached duty; SingleAttestation: the attester
// index). Refused items are listed in the 400's failures; the others are
// taken.
func (s *Server) submitAttestations(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	var atts []*networking.SignedAttestation
	version := r.Header.Get("Eth-Consensus-Version")
	if strings.HasPrefix(r.URL.Path, "/eth/v2/") && version == "" {
		writeError(w, http.StatusBadRequest, "missing Eth-Consensus-Version header")
		return
	}
	var v eth2spec.DataVersion
	if version != "" {
		if err := v.UnmarshalJSON([]byte(`"` + strings.ToLower(version) + `"`)); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("unknown Eth-Consensus-Version %q", version))
			return
		}
	}
	if version != "" && v >= eth2spec.DataVersionElectra {
		var list []*electra.SingleAttestation
		if err := json.Unmarshal(body, &list); err != nil {
			writeError(w, http.StatusBadRequest, "invalid SingleAttestation list: "+err.Error())
			return
		}
		for _, a := range list {
			atts = append(atts, &networking.SignedAttestation{Version: v, Electra: a})
		}
	} else {
		var list []*phase0.Attestation
		if err := json.Unmarshal(body, &list); err != nil {
			writeError(w, http.StatusBadRequest, "invalid attestation list: "+err.Error())
			return
		}
		for _, a := range list {
			sa := &networking.SignedAttestation{Phase0: a}
			if a != nil && a.Data != nil {
				if f, err := s.cfg.Chain.ForkAtSlot(a.Data.Slot); err == nil {
					sa.Version = f.Name
				}
			}
			atts = append(atts, sa)
		}
	}
	ctx, cancel := s.waitCtx(r)
	defer cancel()
	var failures []ethnode.IndexedFailure
	for i, a := range atts {
		// A VC may sign data decided for another validator of the node
		// before this one's instance decided: wait for its decision, so
		// that the DVC compares with it.
		pk, err := s.attester(a)
		if data := a.Data(); err == nil && data != nil {
			s.cache.wait(ctx, func() bool { return s.cache.atts[key{pk, data.Slot}] != nil })
		}
		if err == nil {
			err = s.cfg.Node.Capture(r.Context(), pk, dvc.CapturedAttestation{Attestation: a})
		}
		if err != nil {
			failures = append(failures, ethnode.IndexedFailure{Index: i, Message: err.Error()})
		}
	}
	if len(failures) > 0 {
		writeFailures(w, "some attestations were refused", failures)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// attester finds the validator of the node whose attestation a is.
func (s *Server) attester(a *networking.SignedAttestation) (phase0.BLSPubKey, error) {
	data := a.Data()
	if data == nil {
		return phase0.BLSPubKey{}, fmt.Errorf("attestation without data")
	}
	if a.Electra != nil {
		v := s.byIndex[a.Electra.AttesterIndex]
		if v == nil {
			return phase0.BLSPubKey{}, fmt.Errorf("attester %d is not a validator of this DV node", a.Electra.AttesterIndex)
		}
		return v.Pubkey, nil
	}
	var (
		pk    phase0.BLSPubKey
		found bool
	)
	s.cache.read(func() {
		for k, e := range s.cache.atts {
			d := e.duty
			if k.slot == data.Slot && d.CommitteeIndex == data.Index && a.Phase0.AggregationBits.Len() == d.CommitteeLength &&
				d.ValidatorCommitteeIndex < d.CommitteeLength && a.Phase0.AggregationBits.BitAt(d.ValidatorCommitteeIndex) {
				pk, found = k.pk, true
				return
			}
		}
	})
	if !found {
		return pk, fmt.Errorf("no attester duty of this DV node's validators at slot %d committee %d with that aggregation bit", data.Slot, data.Index)
	}
	return pk, nil
}

// submitSyncMessages takes POST /eth/v1/beacon/pool/sync_committees.
func (s *Server) submitSyncMessages(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	var list []*altair.SyncCommitteeMessage
	if err := json.Unmarshal(body, &list); err != nil {
		writeError(w, http.StatusBadRequest, "invalid sync committee message list: "+err.Error())
		return
	}
	ctx, cancel := s.waitCtx(r)
	defer cancel()
	var failures []ethnode.IndexedFailure
	for i, m := range list {
		var err error
		if m == nil {
			err = fmt.Errorf("empty message")
		} else if v := s.byIndex[m.ValidatorIndex]; v == nil {
			err = fmt.Errorf("validator %d is not a validator of this DV node", m.ValidatorIndex)
		} else {
			s.cache.wait(ctx, func() bool { return s.cache.syncs[key{v.Pubkey, m.Slot}] != nil })
			err = s.cfg.Node.Capture(r.Context(), v.Pubkey, dvc.CapturedSyncCommitteeMessage{Message: m})
		}
		if err != nil {
			failures = append(failures, ethnode.IndexedFailure{Index: i, Message: err.Error()})
		}
	}
	if len(failures) > 0 {
		writeFailures(w, "some sync committee messages were refused", failures)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// submitBlock takes POST /eth/v1|v2/beacon/blocks (JSON or SSZ): the block,
// signed with the VC's key share, must be the decided one; the DVC
// combines the shares and publishes it (with its blobs) once.
func (s *Server) submitBlock(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	ssz := strings.HasPrefix(r.Header.Get("Content-Type"), "application/octet-stream")
	version := r.Header.Get("Eth-Consensus-Version")
	var v eth2spec.DataVersion
	switch {
	case version != "":
		if err := v.UnmarshalJSON([]byte(`"` + strings.ToLower(version) + `"`)); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("unknown Eth-Consensus-Version %q", version))
			return
		}
	case strings.HasPrefix(r.URL.Path, "/eth/v2/") || ssz:
		writeError(w, http.StatusBadRequest, "missing Eth-Consensus-Version header")
		return
	default:
		// v1 JSON: the fork of the block's slot.
		var probe struct {
			Message *struct {
				Slot string `json:"slot"`
			} `json:"message"`
			SignedBlock *struct {
				Message *struct {
					Slot string `json:"slot"`
				} `json:"message"`
			} `json:"signed_block"`
		}
		_ = json.Unmarshal(body, &probe)
		var slotStr string
		switch {
		case probe.Message != nil:
			slotStr = probe.Message.Slot
		case probe.SignedBlock != nil && probe.SignedBlock.Message != nil:
			slotStr = probe.SignedBlock.Message.Slot
		}
		slot, err := parseSlot(slotStr)
		if err != nil {
			writeError(w, http.StatusBadRequest, "block without a slot")
			return
		}
		f, err := s.cfg.Chain.ForkAtSlot(slot)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		v = f.Name
	}
	sp, err := decodeSignedProposal(s.cfg.Chain, v, body, ssz)
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("invalid %s block: %v", v, err))
		return
	}
	block, sig, err := unsigned(sp)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	slot, err1 := block.Slot()
	proposer, err2 := block.ProposerIndex()
	if err1 != nil || err2 != nil {
		writeError(w, http.StatusBadRequest, "block without slot or proposer")
		return
	}
	val := s.byIndex[proposer]
	if val == nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("proposer %d is not a validator of this DV node", proposer))
		return
	}
	if err := s.cfg.Node.Capture(r.Context(), val.Pubkey, dvc.CapturedBlock{Block: block, Signature: sig}); err != nil {
		writeError(w, statusOf(err), fmt.Sprintf("block of slot %d refused: %v", slot, err))
		return
	}
	w.WriteHeader(http.StatusOK)
}

// decodeSignedProposal decodes the body of a block submission of version v.
func decodeSignedProposal(chain signing.Chain, v eth2spec.DataVersion, body []byte, ssz bool) (*api.VersionedSignedProposal, error) {
	p := &api.VersionedSignedProposal{Version: v}
	var dst any
	switch v {
	case eth2spec.DataVersionPhase0:
		p.Phase0 = &phase0.SignedBeaconBlock{}
		dst = p.Phase0
	case eth2spec.DataVersionAltair:
		p.Altair = &altair.SignedBeaconBlock{}
		dst = p.Altair
	case eth2spec.DataVersionBellatrix:
		p.Bellatrix = &bellatrix.SignedBeaconBlock{}
		dst = p.Bellatrix
	case eth2spec.DataVersionCapella:
		p.Capella = &capella.SignedBeaconBlock{}
		dst = p.Capella
	case eth2spec.DataVersionDeneb:
		p.Deneb = &apiv1deneb.SignedBlockContents{}
		dst = p.Deneb
	case eth2spec.DataVersionElectra:
		p.Electra = &apiv1electra.SignedBlockContents{}
		dst = p.Electra
	case eth2spec.DataVersionFulu:
		p.Fulu = &apiv1fulu.SignedBlockContents{}
		dst = p.Fulu
	default:
		return nil, fmt.Errorf("unsupported version %s", v)
	}
	if ssz {
		// With the chain's sizes (ssz.go): go-eth2-client's generated
		// code has the mainnet ones.
		if err := decodeSSZ(chain, dst, body); err != nil {
			return nil, err
		}
		return p, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(dst); err != nil {
		return nil, err
	}
	return p, nil
}

// unsigned splits a signed proposal into the block and its signature.
func unsigned(p *api.VersionedSignedProposal) (*eth2spec.VersionedBeaconBlock, phase0.BLSSignature, error) {
	b := &eth2spec.VersionedBeaconBlock{Version: p.Version}
	var sig phase0.BLSSignature
	switch p.Version {
	case eth2spec.DataVersionPhase0:
		if p.Phase0 != nil {
			b.Phase0, sig = p.Phase0.Message, p.Phase0.Signature
		}
	case eth2spec.DataVersionAltair:
		if p.Altair != nil {
			b.Altair, sig = p.Altair.Message, p.Altair.Signature
		}
	case eth2spec.DataVersionBellatrix:
		if p.Bellatrix != nil {
			b.Bellatrix, sig = p.Bellatrix.Message, p.Bellatrix.Signature
		}
	case eth2spec.DataVersionCapella:
		if p.Capella != nil {
			b.Capella, sig = p.Capella.Message, p.Capella.Signature
		}
	case eth2spec.DataVersionDeneb:
		if p.Deneb != nil && p.Deneb.SignedBlock != nil {
			b.Deneb, sig = p.Deneb.SignedBlock.Message, p.Deneb.SignedBlock.Signature
		}
	case eth2spec.DataVersionElectra:
		if p.Electra != nil && p.Electra.SignedBlock != nil {
			b.Electra, sig = p.Electra.SignedBlock.Message, p.Electra.SignedBlock.Signature
		}
	case eth2spec.DataVersionFulu:
		if p.Fulu != nil && p.Fulu.SignedBlock != nil {
			b.Fulu, sig = p.Fulu.SignedBlock.Message, p.Fulu.SignedBlock.Signature
		}
	}
	if b.IsEmpty() {
		return nil, sig, fmt.Errorf("empty %s block", p.Version)
	}
	return b, sig, nil
}
