package remotesigner

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
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

// Answer size limits, per endpoint: a signer that answers more is refused
// without reading further (an endless body cannot grow the node).
const (
	// MaxSignResponse bounds a signing answer (a signature, in JSON or
	// text, or an error message).
	MaxSignResponse = 64 << 10
	// MaxPublicKeysResponse bounds the key list (about 100 bytes a key:
	// some 40,000 keys).
	MaxPublicKeysResponse = 4 << 20
	// MaxUpcheckResponse bounds the health answer.
	MaxUpcheckResponse = 64 << 10
	// MaxIdleSignerConns is how many idle connections the default client
	// keeps to its signer: as many as a node signs in parallel.
	MaxIdleSignerConns = 64
)

// Client is an HTTP client of a Web3Signer-API remote signer (Web3Signer
// itself, the embedded Server, or anything else speaking the API). It
// implements ethnode.RemoteSigner and is safe for concurrent use.
type Client struct {
	base    *url.URL
	http    *http.Client
	timeout time.Duration
	token   string
	tls     *tls.Config
	unix    string
}

var _ ethnode.RemoteSigner = (*Client)(nil)

// ClientOption configures a Client.
type ClientOption func(*Client)

// WithHTTPClient sets the http.Client (for TLS settings, proxies, tests).
func WithHTTPClient(c *http.Client) ClientOption { return func(cl *Client) { cl.http = c } }

// WithTimeout sets the per-call timeout (default DefaultTimeout).
func WithTimeout(d time.Duration) ClientOption { return func(cl *Client) { cl.timeout = d } }

// WithBearerToken sends "Authorization: Bearer token" with every request
// (Web3Signer behind an authenticating proxy, or the embedded Server
// served over TCP).
func WithBearerToken(token string) ClientOption { return func(cl *Client) { cl.token = token } }

// WithTLS sets the TLS configuration of https signers (a private CA, a
// client certificate). Ignored with WithHTTPClient.
func WithTLS(cfg *tls.Config) ClientOption { return func(cl *Client) { cl.tls = cfg } }

// NewClient returns a client of the signer at baseURL: http or https
// (e.g. "http://127.0.0.1:9000"), or unix:PATH for a signer on a Unix
// socket.
func NewClient(baseURL string, opts ...ClientOption) (*Client, error) {
	c := &Client{timeout: DefaultTimeout}
	if path, ok := strings.CutPrefix(baseURL, "unix:"); ok {
		if path == "" {
			return nil, errors.New("remote signer client: unix: URL without a socket path")
		}
		c.unix = path
		baseURL = "http://unix"
	}
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("remote signer client: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("remote signer client: base URL %q is not http(s)://host[:port] or unix:PATH", baseURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	c.base = u
	for _, o := range opts {
		o(c)
	}
	if c.token != "" && strings.ContainsAny(c.token, "\r\n") {
		return nil, errors.New("remote signer client: the bearer token contains a line break")
	}
	if c.http == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = c.tls
		// A node signs a slot's duties at once (up to its 64 signing
		// slots); with the default two idle connections per host, every
		// burst dialled and closed dozens of connections to one signer.
		tr.MaxIdleConnsPerHost = MaxIdleSignerConns
		tr.MaxIdleConns = MaxIdleSignerConns
		if c.unix != "" {
			path := c.unix
			tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "unix", path)
			}
		}
		c.http = &http.Client{Transport: tr}
	}
	return c, nil
}

func (c *Client) endpoint(path string) string {
	u := *c.base
	u.Path += path
	return u.String()
}

func (c *Client) do(ctx context.Context, method, path string, body []byte, accept string, maxResponseBody int) (*http.Response, []byte, error) {
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
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, &ethnode.SignerError{Message: method + " " + path, Err: err}
	}
	defer resp.Body.Close()
	if resp.ContentLength > int64(maxResponseBody) {
		return nil, nil, &ethnode.SignerError{StatusCode: resp.StatusCode, Message: fmt.Sprintf("the answer of %s %s announces %d bytes, the limit is %d", method, path, resp.ContentLength, maxResponseBody)}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, int64(maxResponseBody)+1))
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
	resp, data, err := c.do(ctx, http.MethodPost, fmt.Sprintf("/api/v1/eth2/sign/%#x", pubkey[:]), body, "application/json", MaxSignResponse)
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
	_, data, err := c.do(ctx, http.MethodGet, "/api/v1/eth2/publicKeys", nil, "application/json", MaxPublicKeysResponse)
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
	_, _, err := c.do(ctx, http.MethodGet, "/upcheck", nil, "", MaxUpcheckResponse)
	return err
}
