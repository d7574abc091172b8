package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// errNotFound is a 404: an empty slot when asking for a block.
var errNotFound = errors.New("not found")

// beacon reads the standard beacon API as plain JSON: the check needs a few
// fields of blocks, committees and duties, and reading them as the API
// spells them keeps the check independent of dvnode's own client.
type beacon struct {
	url    string
	client *http.Client
}

func (b *beacon) get(ctx context.Context, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.url+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := b.client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	if resp.StatusCode == http.StatusNotFound {
		return fmt.Errorf("GET %s: %w", path, errNotFound)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d: %.300s", path, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	return nil
}

// uintStr is a beacon API quoted integer.
type uintStr uint64

func (u *uintStr) UnmarshalJSON(b []byte) error {
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return fmt.Errorf("integer %s: not a quoted string", b)
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return err
	}
	*u = uintStr(v)
	return nil
}

// hexBytes is a 0x-prefixed byte string.
type hexBytes []byte

func (h *hexBytes) UnmarshalJSON(b []byte) error {
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return fmt.Errorf("hex %s: not a string", b)
	}
	v, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

type attestationJSON struct {
	AggregationBits hexBytes `json:"aggregation_bits"`
	CommitteeBits   hexBytes `json:"committee_bits"`
	Data            struct {
		Slot  uintStr `json:"slot"`
		Index uintStr `json:"index"`
	} `json:"data"`
}

type blockJSON struct {
	Slot          uintStr `json:"slot"`
	ProposerIndex uintStr `json:"proposer_index"`
	Body          struct {
		Attestations  []attestationJSON `json:"attestations"`
		SyncAggregate *struct {
			SyncCommitteeBits hexBytes `json:"sync_committee_bits"`
		} `json:"sync_aggregate"`
		ExecutionPayload *struct {
			FeeRecipient hexBytes `json:"fee_recipient"`
		} `json:"execution_payload"`
	} `json:"body"`
}

// block is the canonical block at slot, or nil for an empty slot.
func (b *beacon) block(ctx context.Context, slot uint64) (*blockJSON, string, error) {
	var resp struct {
		Version string `json:"version"`
		Data    struct {
			Message blockJSON `json:"message"`
		} `json:"data"`
	}
	err := b.get(ctx, fmt.Sprintf("/eth/v2/beacon/blocks/%d", slot), &resp)
	if errors.Is(err, errNotFound) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	return &resp.Data.Message, resp.Version, nil
}

type committeeJSON struct {
	Index      uintStr   `json:"index"`
	Slot       uintStr   `json:"slot"`
	Validators []uintStr `json:"validators"`
}

// committees are the beacon committees of an epoch, read at the state of
// the epoch's first slot.
func (b *beacon) committees(ctx context.Context, epoch, slotsPerEpoch uint64) ([]committeeJSON, error) {
	var resp struct {
		Data []committeeJSON `json:"data"`
	}
	err := b.get(ctx, fmt.Sprintf("/eth/v1/beacon/states/%d/committees?epoch=%d", epoch*slotsPerEpoch, epoch), &resp)
	return resp.Data, err
}

// syncCommittee is the sync committee in force at slot, one validator index
// per seat.
func (b *beacon) syncCommittee(ctx context.Context, slot uint64) ([]uint64, error) {
	var resp struct {
		Data struct {
			Validators []uintStr `json:"validators"`
		} `json:"data"`
	}
	if err := b.get(ctx, fmt.Sprintf("/eth/v1/beacon/states/%d/sync_committees", slot), &resp); err != nil {
		return nil, err
	}
	out := make([]uint64, len(resp.Data.Validators))
	for i, v := range resp.Data.Validators {
		out[i] = uint64(v)
	}
	return out, nil
}

type proposerDutyJSON struct {
	ValidatorIndex uintStr `json:"validator_index"`
	Slot           uintStr `json:"slot"`
}

func (b *beacon) proposerDuties(ctx context.Context, epoch uint64) ([]proposerDutyJSON, error) {
	var resp struct {
		Data []proposerDutyJSON `json:"data"`
	}
	err := b.get(ctx, fmt.Sprintf("/eth/v1/validator/duties/proposer/%d", epoch), &resp)
	return resp.Data, err
}

// validatorIndex resolves a public key to its registry index.
func (b *beacon) validatorIndex(ctx context.Context, pubkey []byte) (uint64, error) {
	var resp struct {
		Data struct {
			Index uintStr `json:"index"`
		} `json:"data"`
	}
	if err := b.get(ctx, fmt.Sprintf("/eth/v1/beacon/states/head/validators/0x%x", pubkey), &resp); err != nil {
		return 0, err
	}
	return uint64(resp.Data.Index), nil
}

type specJSON struct {
	Data map[string]any `json:"data"`
}

func (b *beacon) specUint(ctx context.Context, name string) (uint64, error) {
	var resp specJSON
	if err := b.get(ctx, "/eth/v1/config/spec", &resp); err != nil {
		return 0, err
	}
	v, ok := resp.Data[name].(string)
	if !ok {
		return 0, fmt.Errorf("/eth/v1/config/spec: %s missing", name)
	}
	return strconv.ParseUint(v, 10, 64)
}

func (b *beacon) headSlot(ctx context.Context) (uint64, error) {
	var resp struct {
		Data struct {
			Header struct {
				Message struct {
					Slot uintStr `json:"slot"`
				} `json:"message"`
			} `json:"header"`
		} `json:"data"`
	}
	if err := b.get(ctx, "/eth/v1/beacon/headers/head", &resp); err != nil {
		return 0, err
	}
	return uint64(resp.Data.Header.Message.Slot), nil
}

func newBeacon(url string) *beacon {
	return &beacon{url: strings.TrimRight(url, "/"), client: &http.Client{Timeout: 2 * time.Minute}}
}
