package beaconclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	eth2client "github.com/attestantio/go-eth2-client"
	"github.com/attestantio/go-eth2-client/api"
	eth2http "github.com/attestantio/go-eth2-client/http"
	"github.com/rs/zerolog"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	dvspec "github.com/dvspec/go-dvspec/spec"
)

// Config configures a Client.
type Config struct {
	// URLs are the beacon nodes, in order of preference. At least one.
	URLs []string
	// Timeout bounds one attempt on one beacon node (default 5s). A call
	// that fails over may take up to len(URLs) times this, bounded by the
	// caller's context.
	Timeout time.Duration
	// EnforceJSON makes every request and response JSON. By default block
	// production is fetched as SSZ and blocks are published as SSZ, as
	// go-eth2-client prefers, except that blocks for a beacon node whose
	// PRESET_BASE is not mainnet are published as JSON: go-eth2-client
	// v0.29.0 encodes published blocks with mainnet SSZ shapes.
	EnforceJSON bool
	// ResponseLimits override DefaultResponseLimits, keyed by path
	// template (the key "" sets the default of other endpoints). Every
	// answer is read through its endpoint's limit; a larger one fails
	// the call with ErrResponseTooLarge.
	ResponseLimits map[string]int64
}

// Client is ethnode.BeaconNode over the standard beacon API, built on
// go-eth2-client's HTTP client, with failover across several beacon nodes.
// Every call starts at the last beacon node that answered and moves to the
// next one when failover allows (see Error and failover). It is safe for
// concurrent use.
type Client struct {
	nodes     []*node
	preferred atomic.Int64
	timeout   time.Duration
	ctx       context.Context
	cancel    context.CancelFunc
}

var _ ethnode.BeaconNode = (*Client)(nil)

// node is one beacon node.
type node struct {
	name string
	svc  *eth2http.Service
	// jsonSvc is a JSON-only client of the same node, for publishing blocks
	// on chains whose SSZ shapes go-eth2-client cannot encode.
	jsonSvc *eth2http.Service
	base    *url.URL
	http    *http.Client
}

// New connects to the beacon nodes. A node that is down is not an error:
// calls skip it until it answers again. The client owns background
// goroutines (connection checks, event streams) until Close.
func New(cfg Config) (*Client, error) {
	if len(cfg.URLs) == 0 {
		return nil, errors.New("beaconclient: no beacon node URL")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	limits, err := newResponseLimits(cfg.ResponseLimits)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Client{timeout: cfg.Timeout, ctx: ctx, cancel: cancel}
	for _, raw := range cfg.URLs {
		n, err := newNode(ctx, raw, cfg, limits)
		if err != nil {
			cancel()
			return nil, err
		}
		c.nodes = append(c.nodes, n)
	}
	return c, nil
}

func newNode(ctx context.Context, raw string, cfg Config, limits *responseLimits) (*node, error) {
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("beaconclient: invalid beacon node URL %q", raw)
	}
	httpClient := &http.Client{Transport: &limitTransport{limits: limits, next: &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
	}}}
	open := func(enforceJSON bool) (*eth2http.Service, error) {
		svc, err := eth2http.New(ctx,
			eth2http.WithAddress(raw),
			eth2http.WithTimeout(cfg.Timeout),
			eth2http.WithAllowDelayedStart(true),
			eth2http.WithLogLevel(zerolog.Disabled),
			eth2http.WithCustomSpecSupport(true),
			eth2http.WithEnforceJSON(enforceJSON),
			eth2http.WithHTTPClient(httpClient),
		)
		if err != nil {
			return nil, fmt.Errorf("beaconclient: %s: %w", u.Redacted(), err)
		}
		hs, ok := svc.(*eth2http.Service)
		if !ok {
			return nil, fmt.Errorf("beaconclient: unexpected go-eth2-client service %T", svc)
		}
		return hs, nil
	}
	svc, err := open(cfg.EnforceJSON)
	if err != nil {
		return nil, err
	}
	jsonSvc := svc
	if !cfg.EnforceJSON {
		if jsonSvc, err = open(true); err != nil {
			return nil, err
		}
	}
	base := *u
	base.Path = strings.TrimSuffix(base.Path, "/")
	return &node{name: u.Redacted(), svc: svc, jsonSvc: jsonSvc, base: &base, http: httpClient}, nil
}

// blockService picks the client that publishes blocks: the default one
// (SSZ, go-eth2-client's mainnet-sized code) on chains whose containers
// have the mainnet sizes, the JSON-only one otherwise.
func (n *node) blockService(ctx context.Context) *eth2http.Service {
	if n.jsonSvc == n.svc {
		return n.svc
	}
	spec, err := n.svc.Spec(ctx, &api.SpecOpts{})
	if err != nil {
		return n.jsonSvc
	}
	values := map[string]uint64{}
	for k, v := range spec.Data {
		if u, ok := v.(uint64); ok {
			values[k] = u
		}
	}
	if cfg, err := dvspec.NewChainConfig("", values); err == nil && cfg.HasMainnetSizes() {
		return n.svc
	}
	return n.jsonSvc
}

// Close stops the client's background work (connection checks, event
// streams). Calls made after Close fail.
func (c *Client) Close() { c.cancel() }

// Preferred returns the URL (password redacted) of the beacon node the next
// call starts with: the last one that answered.
func (c *Client) Preferred() string { return c.nodes[c.preferred.Load()].name }

// call runs fn on the preferred node and fails over as failover allows.
// The error of a call that failed everywhere joins every attempt's Error.
func call[T any](c *Client, ctx context.Context, endpoint string, submission bool, fn func(ctx context.Context, n *node) (T, error)) (T, error) {
	var zero T
	if err := c.ctx.Err(); err != nil {
		return zero, fmt.Errorf("beaconclient: closed")
	}
	start := int(c.preferred.Load())
	var errs []error
	for i := range c.nodes {
		idx := (start + i) % len(c.nodes)
		n := c.nodes[idx]
		attemptCtx, cancel := context.WithTimeout(ctx, c.timeout)
		v, err := fn(attemptCtx, n)
		cancel()
		if err == nil {
			c.preferred.Store(int64(idx))
			return v, nil
		}
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			err = fmt.Errorf("no answer within %s: %w", c.timeout, err)
		}
		if errors.Is(err, eth2client.ErrNotActive) {
			err = fmt.Errorf("beacon node unreachable: %w", err)
		}
		e := newError(n.name, endpoint, err)
		errs = append(errs, e)
		if !failover(e, submission, ctx) {
			break
		}
	}
	if len(errs) == 1 {
		return zero, errs[0]
	}
	return zero, fmt.Errorf("%s failed on %d beacon nodes: %w", endpoint, len(errs), errors.Join(errs...))
}

// do is call for functions without a result.
func do(c *Client, ctx context.Context, endpoint string, submission bool, fn func(ctx context.Context, n *node) error) error {
	_, err := call(c, ctx, endpoint, submission, func(ctx context.Context, n *node) (struct{}, error) {
		return struct{}{}, fn(ctx, n)
	})
	return err
}
