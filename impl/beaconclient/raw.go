package beaconclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
)

// SyncCommitteeSelections exchanges sync committee selection proofs (DVT
// endpoint). go-eth2-client v0.29.0 has no call for this endpoint, so it
// is sent here over the node's HTTP client, with the same failover.
func (c *Client) SyncCommitteeSelections(ctx context.Context, selections []*ethnode.SyncCommitteeSelection) ([]*ethnode.SyncCommitteeSelection, error) {
	if len(selections) == 0 {
		return nil, invalid("no selections")
	}
	for i, s := range selections {
		if s == nil {
			return nil, invalid("selection %d is nil", i)
		}
	}
	body, err := json.Marshal(selections)
	if err != nil {
		return nil, invalid("encoding selections: %v", err)
	}
	return call(c, ctx, epSyncSel, true, func(ctx context.Context, n *node) ([]*ethnode.SyncCommitteeSelection, error) {
		var out struct {
			Data []*ethnode.SyncCommitteeSelection `json:"data"`
		}
		if err := n.postJSON(ctx, ethnode.PathSyncCommitteeSel, body, &out); err != nil {
			return nil, err
		}
		if out.Data == nil {
			return nil, fmt.Errorf("response lacks data")
		}
		return out.Data, nil
	})
}

// maxResponse bounds a response body read by postJSON.
const maxResponse = 16 << 20

// postJSON posts body to path and decodes a 2xx JSON answer into out. A
// non-2xx answer becomes an *Error carrying the status and the standard
// error body.
func (n *node) postJSON(ctx context.Context, path string, body []byte, out any) error {
	u := *n.base
	u.Path += path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := n.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	// One byte over the limit tells a too-large answer from one that
	// fits exactly, instead of decoding a silently cut one.
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return fmt.Errorf("reading the response: %w", err)
	}
	if len(data) > maxResponse {
		return fmt.Errorf("the response of POST %s exceeds %d bytes", path, maxResponse)
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
