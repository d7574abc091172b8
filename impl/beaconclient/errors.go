package beaconclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	eth2client "github.com/attestantio/go-eth2-client"
	"github.com/attestantio/go-eth2-client/api"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
)

// Error is the failure of one call to one beacon node. It names the beacon
// node, the endpoint, the HTTP status (0 when no response arrived) and the
// beacon node's own message, with the per-item failures of list endpoints.
type Error struct {
	// BeaconNode is the node's URL with any password redacted.
	BeaconNode string
	// Endpoint is the method and path template, e.g.
	// "POST /eth/v2/beacon/pool/attestations".
	Endpoint string
	// StatusCode is the HTTP status, or 0 for a transport failure, a
	// timeout or a node that is down or syncing.
	StatusCode int
	// Message is the message of the standard error body, or a description
	// of the transport failure.
	Message string
	// Failures are the indexed failures of pool and publish endpoints.
	Failures []ethnode.IndexedFailure
	// Err is the underlying error.
	Err error
}

// Error formats the failure with everything a log reader needs: node,
// endpoint, status, message and item failures.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "beacon node %s: %s: ", e.BeaconNode, e.Endpoint)
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, "status %d: ", e.StatusCode)
	}
	b.WriteString(e.Message)
	for _, f := range e.Failures {
		fmt.Fprintf(&b, "; item %d: %s", f.Index, f.Message)
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// maxMessage bounds how much of a non-standard error body is quoted.
const maxMessage = 512

// newError classifies err, returned by a call of endpoint on node.
func newError(node, endpoint string, err error) *Error {
	e := &Error{BeaconNode: node, Endpoint: endpoint, Message: err.Error(), Err: err}
	var apiErr *api.Error
	if errors.As(err, &apiErr) {
		e.StatusCode = apiErr.StatusCode
		e.Message, e.Failures = parseErrorBody(apiErr.Data)
		if e.Message == "" {
			e.Message = http.StatusText(apiErr.StatusCode)
		}
	}
	var own *Error
	if errors.As(err, &own) {
		e.StatusCode, e.Message, e.Failures = own.StatusCode, own.Message, own.Failures
	}
	return e
}

// parseErrorBody reads the standard error body ({code, message,
// failures?}); anything else is quoted, shortened.
func parseErrorBody(body []byte) (string, []ethnode.IndexedFailure) {
	var msg ethnode.ErrorMessage
	if err := json.Unmarshal(body, &msg); err == nil && msg.Message != "" {
		return msg.Message, msg.Failures
	}
	s := strings.TrimSpace(string(body))
	if len(s) > maxMessage {
		s = s[:maxMessage] + "..."
	}
	return s, nil
}

// failover decides whether the next beacon node should be tried after
// this failure. Connection errors, timeouts, 5xx answers and nodes that
// are down or syncing fail over. A 4xx refusal of a submission does not:
// the message itself was refused, and re-submitting it elsewhere would
// only repeat the refusal (or, worse, get a refused message published). A
// read fails over on a 4xx too, except 400 and 414, which say the request
// itself is malformed and would be refused everywhere. Invalid options are
// the caller's mistake and never fail over.
func failover(e *Error, submission bool, parent context.Context) bool {
	if parent.Err() != nil {
		return false
	}
	if errors.Is(e.Err, eth2client.ErrInvalidOptions) || errors.Is(e.Err, eth2client.ErrNoOptions) || errors.Is(e.Err, errInvalidRequest) {
		return false
	}
	switch {
	case e.StatusCode >= 500:
		return true
	case e.StatusCode >= 400:
		if submission {
			return false
		}
		return e.StatusCode != http.StatusBadRequest && e.StatusCode != http.StatusRequestURITooLong
	}
	return true
}

// errInvalidRequest marks a request this client refuses before sending it.
var errInvalidRequest = errors.New("invalid request")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errInvalidRequest, fmt.Sprintf(format, args...))
}
