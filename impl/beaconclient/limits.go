package beaconclient

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
)

// Response size limits. A beacon node's answer is read through the limit
// of its endpoint: go-eth2-client reads answers whole, so without a limit
// a beacon node (or anything between) sending a 50 MB or endless body
// took a node to gigabytes (issue 17). The limits are generous multiples
// of the largest honest answer for the calls a DV node makes; lists that
// grow with the validators asked about are sized for tens of thousands.
const (
	// DefaultResponseLimit applies to every endpoint without its own.
	DefaultResponseLimit = 1 << 20
)

// DefaultResponseLimits are the per-endpoint limits, keyed by path
// template (eth_node_interface's Path* constants).
func DefaultResponseLimits() map[string]int64 {
	return map[string]int64{
		// A v3 block in JSON with its blobs: blocks on mainnet are a few
		// hundred KB, blobs 256 KiB of hex each; a block at the 10 MiB
		// gossip limit is 20 MiB of hex.
		ethnode.PathProduceBlockV3: 32 << 20,
		// An imported block (block import), without blobs: the same
		// bound.
		ethnode.PathSignedBlockV2: 32 << 20,
		// Lists whose length follows the validators asked about (or the
		// whole registry for committees).
		ethnode.PathStateValidators:     32 << 20,
		ethnode.PathStateCommittees:     64 << 20,
		ethnode.PathAttesterDuties:      16 << 20,
		ethnode.PathSyncCommitteeDuties: 16 << 20,
		ethnode.PathLiveness:            16 << 20,
		ethnode.PathProposerDuties:      1 << 20,
		// An Electra aggregate carries up to 64 committees' bits.
		ethnode.PathAggregateAttestation: 4 << 20,
		ethnode.PathSpec:                 1 << 20,
		ethnode.PathAttestationData:      64 << 10,
		ethnode.PathSyncContribution:     64 << 10,
		ethnode.PathGenesis:              64 << 10,
		ethnode.PathNodeSyncing:          64 << 10,
		ethnode.PathNodeVersion:          64 << 10,
		ethnode.PathForkSchedule:         64 << 10,
		ethnode.PathStateFork:            64 << 10,
	}
}

// ErrResponseTooLarge is the failure of a call whose answer is larger than
// its endpoint's limit.
var ErrResponseTooLarge = errors.New("beaconclient: response larger than the endpoint's limit")

// responseLimits maps a request path to its limit.
type responseLimits struct {
	templates [][]string // split path templates
	limits    []int64
	def       int64
}

func newResponseLimits(override map[string]int64) (*responseLimits, error) {
	all := DefaultResponseLimits()
	def := int64(DefaultResponseLimit)
	for k, v := range override {
		if v <= 0 {
			return nil, fmt.Errorf("beaconclient: Config.ResponseLimits[%q] = %d, want > 0", k, v)
		}
		if k == "" {
			def = v
			continue
		}
		if !strings.HasPrefix(k, "/") {
			return nil, fmt.Errorf("beaconclient: Config.ResponseLimits key %q is not a path template", k)
		}
		all[k] = v
	}
	rl := &responseLimits{def: def}
	for k, v := range all {
		rl.templates = append(rl.templates, strings.Split(k, "/"))
		rl.limits = append(rl.limits, v)
	}
	return rl, nil
}

// of returns the limit for path: that of the template it matches ({...}
// segments match any segment), else the default. A beacon node behind a
// path prefix is matched by the template's tail.
func (rl *responseLimits) of(path string) int64 {
	segs := strings.Split(strings.TrimSuffix(path, "/"), "/")
	for i, tpl := range rl.templates {
		if len(segs) < len(tpl) {
			continue
		}
		tail := segs[len(segs)-len(tpl)+1:]
		ok := true
		for j, s := range tpl[1:] {
			if !(strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}")) && s != tail[j] {
				ok = false
				break
			}
		}
		if ok {
			return rl.limits[i]
		}
	}
	return rl.def
}

// limitTransport reads every response body through its endpoint's limit.
type limitTransport struct {
	next   http.RoundTripper
	limits *responseLimits
}

func (t *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	limit := t.limits.of(req.URL.Path)
	if resp.ContentLength > limit {
		resp.Body.Close()
		return nil, fmt.Errorf("%w: %s %s announces %d bytes, the limit is %d", ErrResponseTooLarge, req.Method, req.URL.Path, resp.ContentLength, limit)
	}
	resp.Body = &limitedBody{rc: resp.Body, left: limit, limit: limit, what: req.Method + " " + req.URL.Path}
	return resp, nil
}

// limitedBody fails the read that would go past the limit, instead of
// cutting the body silently (a cut JSON body could still decode).
type limitedBody struct {
	rc    io.ReadCloser
	left  int64
	limit int64
	what  string
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, b.err()
	}
	// Read one byte more than is left, to tell a body that ends at the
	// limit from one that goes on.
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return 0, b.err()
	}
	return n, err
}

func (b *limitedBody) err() error {
	return fmt.Errorf("%w: %s, limit %d bytes", ErrResponseTooLarge, b.what, b.limit)
}

func (b *limitedBody) Close() error { return b.rc.Close() }
