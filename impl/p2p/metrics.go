package p2p

import (
	"sync/atomic"
)

// DropReason says why a message was dropped. The values are stable label
// values for metrics.
type DropReason string

// Reasons for dropping an outgoing message (counted in
// ProtocolStats.SendDropped).
const (
	// DropNotConnected: the peer was not connected when the message was
	// sent or when its turn to be written came.
	DropNotConnected DropReason = "not_connected"
	// DropQueueFull: the peer's send queue of the protocol stayed full
	// until the context of Send or Broadcast was done.
	DropQueueFull DropReason = "queue_full"
	// DropStreamError: no stream could be opened to the peer.
	DropStreamError DropReason = "stream_error"
	// DropWriteError: writing failed on the stream and on a fresh one.
	DropWriteError DropReason = "write_error"
	// DropClosed: the transport closed with the message still queued.
	DropClosed DropReason = "closed"
)

// Reasons for dropping an incoming message (counted in
// ProtocolStats.ReceiveDropped).
const (
	// DropTooLarge: the frame length exceeded the protocol's limit; it is
	// refused before the payload is read and the stream is reset.
	DropTooLarge DropReason = "too_large"
	// DropMalformed: a bad frame length (the stream is reset), a malformed
	// envelope, or a message type of another protocol (the frame is
	// skipped, the stream goes on).
	DropMalformed DropReason = "malformed"
	// DropTruncated: the stream ended, was reset or timed out inside a
	// frame.
	DropTruncated DropReason = "truncated"
	// DropNoHandler: no handler is registered for the message type.
	DropNoHandler DropReason = "no_handler"
	// DropVerifyFailed: Config.Verify returned an error.
	DropVerifyFailed DropReason = "verify_failed"
)

var sendReasons = [...]DropReason{DropNotConnected, DropQueueFull, DropStreamError, DropWriteError, DropClosed}

var recvReasons = [...]DropReason{DropTooLarge, DropMalformed, DropTruncated, DropNoHandler, DropVerifyFailed}

// Stats is a snapshot of the transport's counters, shaped for export as
// Prometheus metrics (counters are monotonic from New; ConnectedPeers is a
// gauge).
type Stats struct {
	// ConnectedPeers is the number of cluster peers with at least one
	// open connection.
	ConnectedPeers int
	// DialAttempts and DialFailures count the reconnect loop's dials.
	DialAttempts uint64
	DialFailures uint64
	// Connects and Disconnects count transitions of a cluster peer to and
	// from the connected state.
	Connects    uint64
	Disconnects uint64
	// GaterRefused counts connections refused because the remote peer is
	// not a cluster operator (inbound or outbound).
	GaterRefused uint64
	// ClusterMismatches counts hellos naming another cluster ID;
	// DuplicateKeys counts peers seen with one node key in two processes.
	ClusterMismatches uint64
	DuplicateKeys     uint64
	// Protocols holds the counters of each protocol, by protocol name.
	Protocols map[string]ProtocolStats
}

// ProtocolStats are the counters of one protocol. Bytes are frame bytes
// (length prefix, envelope and payload), without Noise and yamux overhead.
type ProtocolStats struct {
	MessagesSent     uint64
	BytesSent        uint64
	MessagesReceived uint64
	BytesReceived    uint64
	// SendDropped and ReceiveDropped count dropped messages by reason;
	// every reason of the direction is present, zero or not.
	SendDropped    map[DropReason]uint64
	ReceiveDropped map[DropReason]uint64
}

type protoCounters struct {
	msgsSent, bytesSent, msgsRecv, bytesRecv atomic.Uint64
	sendDropped                              [len(sendReasons)]atomic.Uint64
	recvDropped                              [len(recvReasons)]atomic.Uint64
}

func reasonIndex(list []DropReason, r DropReason) int {
	for i, x := range list {
		if x == r {
			return i
		}
	}
	panic("p2p: unknown drop reason " + string(r))
}

func (c *protoCounters) dropSend(r DropReason) { c.sendDropped[reasonIndex(sendReasons[:], r)].Add(1) }
func (c *protoCounters) dropRecv(r DropReason) { c.recvDropped[reasonIndex(recvReasons[:], r)].Add(1) }

func (c *protoCounters) snapshot() ProtocolStats {
	s := ProtocolStats{
		MessagesSent:     c.msgsSent.Load(),
		BytesSent:        c.bytesSent.Load(),
		MessagesReceived: c.msgsRecv.Load(),
		BytesReceived:    c.bytesRecv.Load(),
		SendDropped:      make(map[DropReason]uint64, len(sendReasons)),
		ReceiveDropped:   make(map[DropReason]uint64, len(recvReasons)),
	}
	for i, r := range sendReasons {
		s.SendDropped[r] = c.sendDropped[i].Load()
	}
	for i, r := range recvReasons {
		s.ReceiveDropped[r] = c.recvDropped[i].Load()
	}
	return s
}

type transportCounters struct {
	dialAttempts, dialFailures, connects, disconnects, gaterRefused atomic.Uint64
	clusterMismatch, duplicateKey                                   atomic.Uint64
}
