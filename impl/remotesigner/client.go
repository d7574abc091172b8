package remotesigner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
)

// DefaultTimeout bounds one call of the client when the caller's context
// has no earlier deadline.
const DefaultTimeout = 10 * time.Second

// maxResponseBody bounds what the client reads of an answer.
const maxResponseBody = 4 << 20

// Client is an HTTP client of a Web3Signer-API remote signer (Web3Signer
// itself, the embedded Server, or anything else speaking the API). It
// implements ethnode.RemoteSigner and is safe for concurrent use.
type Client struct {
	base    *url.URL
	http    *http.Client
	timeout time.Duration
}

var _ ethnode.RemoteSigner = (*Client)(nil)

// ClientOption configures a Client.
type ClientOption func(*Client)

// WithHTTPClient sets the http.Client (for TLS settings, proxies, tests).
func WithHTTPClient(c *http.Client) ClientOption { return func(cl *Client) { cl.http = c } }

// WithTimeout sets the per-call timeout (default DefaultTimeout).
func WithTimeout(d time.Duration) ClientOption { return func(cl *Client) { cl.timeout = d } }

// NewClient returns a client of the signer at baseURL (scheme http or
// https, e.g. "http://127.0.0.1:9000").
func NewClient(baseURL string, opts ...ClientOption) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("remote signer client: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("remote signer client: base URL %q is not http(s)://host[:port]", baseURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	c := &Client{base: u, http: &http.Client{}, timeout: DefaultTimeout}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

func (c *Client) endpoint(path string) string {
	u := *c.base
	u.Path += path
	return u.String()
}

func (c *Client) do(ctx context.Context, method, path string, body []byte, accept string) (*http.Response, []byte, error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.endpoint(path), rd)
	if err != nil {
		return nil, nil, &ethnode.SignerError{Message: method + " " + path, Err: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, &ethnode.SignerError{Message: method + " " + path, Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody+1))
	if err != nil {
		return nil, nil, &ethnode.SignerError{StatusCode: resp.StatusCode, Message: "reading the answer of " + method + " " + path, Err: err}
	}
	if len(data) > maxResponseBody {
		return nil, nil, &ethnode.SignerError{StatusCode: resp.StatusCode, Message: fmt.Sprintf("the answer of %s %s exceeds %d bytes", method, path, maxResponseBody)}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, &ethnode.SignerError{StatusCode: resp.StatusCode, Message: method + " " + path + ": " + errorMessage(data)}
	}
	return resp, data, nil
}

// errorMessage extracts the message of an error answer: the "message" of a
// JSON body, else the text, shortened.
func errorMessage(data []byte) string {
	var e struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(data, &e) == nil && e.Message != "" {
		return e.Message
	}
	s := strings.TrimSpace(string(data))
	if len(s) > 512 {
		s = s[:512] + "..."
	}
	if s == "" {
		return "no details"
	}
	return s
}

// Sign implements ethnode.RemoteSigner: POST /api/v1/eth2/sign/{pubkey}
// with the request as JSON and Accept: application/json. The answer may be
// {"signature": "0x..."} or a bare hex signature as text/plain (what
// Web3Signer sends to clients that do not accept JSON). A request the
// client cannot encode is an error wrapping ErrBadRequest, without a call.
func (c *Client) Sign(ctx context.Context, pubkey phase0.BLSPubKey, req *ethnode.SignRequest) (phase0.BLSSignature, error) {
	if req == nil {
		return phase0.BLSSignature{}, ethnode.NewSignerError(http.StatusBadRequest, "missing request")
	}
	body, err := json.Marshal(req)
	if err != nil {
		var se *ethnode.SignerError
		if errors.As(err, &se) {
			return phase0.BLSSignature{}, se
		}
		return phase0.BLSSignature{}, ethnode.NewSignerError(http.StatusBadRequest, "encoding the request: %v", err)
	}
	resp, data, err := c.do(ctx, http.MethodPost, fmt.Sprintf("/api/v1/eth2/sign/%#x", pubkey[:]), body, "application/json")
	if err != nil {
		return phase0.BLSSignature{}, err
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt == "text/plain" {
		sig, err := ethnode.ParseSignature(strings.TrimSpace(string(data)))
		if err != nil {
			return phase0.BLSSignature{}, &ethnode.SignerError{StatusCode: resp.StatusCode, Message: "invalid signature in the answer", Err: err}
		}
		return sig, nil
	}
	var out ethnode.SignResponse
	if err := json.Unmarshal(data, &out); err != nil {
		return phase0.BLSSignature{}, &ethnode.SignerError{StatusCode: resp.StatusCode, Message: "invalid answer", Err: err}
	}
	return out.Signature, nil
}

// PublicKeys implements ethnode.RemoteSigner: GET /api/v1/eth2/publicKeys.
func (c *Client) PublicKeys(ctx context.Context) ([]phase0.BLSPubKey, error) {
	_, data, err := c.do(ctx, http.MethodGet, "/api/v1/eth2/publicKeys", nil, "application/json")
	if err != nil {
		return nil, err
	}
	var list []string
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, &ethnode.SignerError{StatusCode: http.StatusOK, Message: "invalid public key list", Err: err}
	}
	out := make([]phase0.BLSPubKey, 0, len(list))
	for _, s := range list {
		pk, err := ethnode.ParsePubKey(s)
		if err != nil {
			return nil, &ethnode.SignerError{StatusCode: http.StatusOK, Message: "invalid public key list", Err: err}
		}
		out = append(out, pk)
	}
	return out, nil
}

// Upcheck implements ethnode.RemoteSigner: GET /upcheck must answer 200.
func (c *Client) Upcheck(ctx context.Context) error {
	_, _, err := c.do(ctx, http.MethodGet, "/upcheck", nil, "")
	return err
}
