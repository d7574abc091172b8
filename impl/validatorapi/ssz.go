package validatorapi

import (
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/attestantio/go-eth2-client/api"
	eth2spec "github.com/attestantio/go-eth2-client/spec"

	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/sszutil"
)

// SSZ bodies (beacon-APIs: application/octet-stream) of block production and
// publication. Encoding and decoding use the chain's container sizes
// (signing.Chain's dynamic SSZ), so a chain on the minimal preset gets
// its own shapes, not go-eth2-client's mainnet ones.

const mediaSSZ = "application/octet-stream"

// prefersSSZ tells whether the Accept header asks for SSZ before JSON
// (quality values compared; a tie, or no Accept, is JSON).
func prefersSSZ(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	bestJSON, bestSSZ := -1.0, -1.0
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, err := strconv.ParseFloat(params["q"], 64); err == nil {
			q = v
		}
		switch mt {
		case "application/json", "*/*", "application/*":
			bestJSON = max(bestJSON, q)
		case mediaSSZ:
			bestSSZ = max(bestSSZ, q)
		}
	}
	return bestSSZ > 0 && bestSSZ > bestJSON
}

// decodeSSZ decodes the canonical SSZ of dst (a go-eth2-client container)
// with the chain's sizes; malformed input is an error, never a panic.
func decodeSSZ(chain signing.Chain, dst any, body []byte) error {
	c, ok := dst.(sszutil.Codec)
	if !ok {
		return fmt.Errorf("no SSZ form of %T", dst)
	}
	if err := chain.DecodeCanonical(body, c); err != nil {
		return fmt.Errorf("malformed SSZ: %w", err)
	}
	return nil
}

// proposalSSZ is the SSZ body of a v3 block production answer: the block
// before Deneb, the block contents (block, KZG proofs, blobs) from Deneb on.
func proposalSSZ(chain signing.Chain, p *api.VersionedProposal) (_ []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("encoding the %s block: %v", p.Version, r)
		}
	}()
	var c sszutil.Codec
	switch p.Version {
	case eth2spec.DataVersionPhase0:
		c = p.Phase0
	case eth2spec.DataVersionAltair:
		c = p.Altair
	case eth2spec.DataVersionBellatrix:
		c = p.Bellatrix
	case eth2spec.DataVersionCapella:
		c = p.Capella
	case eth2spec.DataVersionDeneb:
		c = p.Deneb
	case eth2spec.DataVersionElectra:
		c = p.Electra
	case eth2spec.DataVersionFulu:
		c = p.Fulu
	default:
		return nil, fmt.Errorf("unsupported block version %s", p.Version)
	}
	return chain.MarshalSSZ(c)
}

// writeProposalSSZ answers a v3 block production with SSZ; the metadata
// the JSON envelope carries are headers (beacon-APIs produceBlockV3).
func (s *Server) writeProposalSSZ(w http.ResponseWriter, p *api.VersionedProposal) {
	b, err := proposalSSZ(s.cfg.Chain, p)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", mediaSSZ)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}
