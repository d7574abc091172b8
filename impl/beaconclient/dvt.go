package beaconclient

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/attestantio/go-eth2-client/api"
	apiv1deneb "github.com/attestantio/go-eth2-client/api/v1/deneb"
	apiv1electra "github.com/attestantio/go-eth2-client/api/v1/electra"
	apiv1fulu "github.com/attestantio/go-eth2-client/api/v1/fulu"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/capella"
	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// ProduceBlockFromMiddleware is ProduceBlock for a validator client that
// sends a partial RANDAO reveal to a DV node's validator API
// (VC-middleware mode): the block comes back with the combined reveal.
// go-eth2-client v0.29.0 refuses such a block ("inconsistent result")
// unless the node's version string contains "charon", so the request is
// made here over the node's HTTP client, as JSON, and only the slot is
// checked. Blinded blocks are refused.
func (c *Client) ProduceBlockFromMiddleware(ctx context.Context, slot phase0.Slot, randaoReveal phase0.BLSSignature, graffiti [32]byte) (*api.VersionedProposal, error) {
	q := url.Values{}
	q.Set("randao_reveal", fmt.Sprintf("%#x", randaoReveal[:]))
	q.Set("graffiti", fmt.Sprintf("%#x", graffiti[:]))
	q.Set("builder_boost_factor", "0")
	path := "/eth/v3/validator/blocks/" + strconv.FormatUint(uint64(slot), 10)
	return call(c, ctx, epProduceBlock, false, func(ctx context.Context, n *node) (*api.VersionedProposal, error) {
		var out struct {
			Version eth2spec.DataVersion `json:"version"`
			Blinded bool                 `json:"execution_payload_blinded"`
			Data    json.RawMessage      `json:"data"`
		}
		if err := n.getJSON(ctx, path, q, &out); err != nil {
			return nil, err
		}
		if out.Blinded {
			return nil, fmt.Errorf("the validator API produced a blinded block")
		}
		p := &api.VersionedProposal{Version: out.Version}
		var dst any
		switch out.Version {
		case eth2spec.DataVersionPhase0:
			p.Phase0 = &phase0.BeaconBlock{}
			dst = p.Phase0
		case eth2spec.DataVersionAltair:
			p.Altair = &altair.BeaconBlock{}
			dst = p.Altair
		case eth2spec.DataVersionBellatrix:
			p.Bellatrix = &bellatrix.BeaconBlock{}
			dst = p.Bellatrix
		case eth2spec.DataVersionCapella:
			p.Capella = &capella.BeaconBlock{}
			dst = p.Capella
		case eth2spec.DataVersionDeneb:
			p.Deneb = &apiv1deneb.BlockContents{}
			dst = p.Deneb
		case eth2spec.DataVersionElectra:
			p.Electra = &apiv1electra.BlockContents{}
			dst = p.Electra
		case eth2spec.DataVersionFulu:
			p.Fulu = &apiv1fulu.BlockContents{}
			dst = p.Fulu
		default:
			return nil, fmt.Errorf("unsupported block version %q", out.Version)
		}
		if err := json.Unmarshal(out.Data, dst); err != nil {
			return nil, fmt.Errorf("decoding the %s block: %w", out.Version, err)
		}
		got, err := p.Slot()
		if err != nil {
			return nil, err
		}
		if got != slot {
			return nil, fmt.Errorf("block for slot %d, asked for %d", got, slot)
		}
		return p, nil
	})
}

// getJSON gets path?query and decodes a 2xx JSON answer into out, as
// postJSON does for POST.
func (n *node) getJSON(ctx context.Context, path string, query url.Values, out any) error {
	u := *n.base
	u.Path += path
	u.RawQuery = query.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := n.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return fmt.Errorf("reading the response: %w", err)
	}
	if len(data) > maxResponse {
		return fmt.Errorf("the response of GET %s exceeds %d bytes", path, maxResponse)
	}
	if resp.StatusCode/100 != 2 {
		msg, failures := parseErrorBody(data)
		return &Error{StatusCode: resp.StatusCode, Message: msg, Failures: failures}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decoding the response: %w", err)
	}
	return nil
}
