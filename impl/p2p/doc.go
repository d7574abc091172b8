// Package p2p is the transport between the co-validators of a DV cluster:
// go-libp2p over TCP, with Noise (encrypted and mutually authenticated by
// the operators' Ed25519 node keys) and yamux, carrying the SSZ messages the
// upper layers give it (QBFT consensus messages, signature shares) to the
// other operators, all-to-all.
//
// # Identity and admission
//
// Each operator of the cluster definition (impl/keys) is a libp2p peer: its
// peer ID is derived from its node_public_key (Ed25519, the identity
// multihash of the libp2p public key), and this node's host uses its own
// node key. A connection gater admits cluster operators only: dials to any
// other peer are refused, and every connection, inbound or outbound, whose
// peer authenticated by the Noise handshake is not an operator is closed
// at once (before any stream). The sender of every received message is that
// authenticated peer, mapped to its operator index.
//
// Everything libp2p would add beyond that is off: no QUIC, WebSocket or
// WebTransport (TCP only, without SO_REUSEPORT), no relay, no NAT port
// mapping, no hole punching, no AutoNAT probing (reachability is forced
// public), no address discovery through identify, no ping service, no DHT,
// no mDNS, no Prometheus registration (Stats is the metrics source), and no
// connection pruning (a null connection manager). Identify stays: libp2p
// uses it to learn the protocols a peer speaks.
//
// # Wire format
//
// Each protocol (DefaultProtocols: "qbft", 16 MiB; "share", 1 MiB;
// configurable) has the libp2p protocol ID
//
//	/dvspec/<cluster ID, 64 lower-case hex>/<name>/1
//
// so nodes with different cluster definitions never exchange messages. On
// a stream every message is one frame:
//
//	frame    = uvarint(len(envelope)) || envelope      (minimal LEB128, at most 10 bytes)
//	envelope = SSZ Envelope { msg_type: ByteList[64], payload: ByteList[2**25] }
//	         = uint32_le(8) || uint32_le(8 + len(msg_type)) || msg_type || payload
//
// msg_type is the protocol's name or name/<sub-type> ([a-z0-9_.-] and /),
// so one protocol (one stream, one limit, one order) can carry several
// message types; payload is the SSZ encoding of the message, opaque here.
// The receiver checks the frame length against the protocol's limit
// (MaxMessageSize + 72 bytes of envelope) before it reads or allocates
// anything: a longer frame is counted (DropTooLarge) and the stream is
// reset, since it cannot be resynchronised without reading the frame. The
// connection and the other streams survive; the sender's next write on the
// reset stream fails and it retries on a new stream. A malformed envelope,
// or a message type of another protocol, drops that frame only.
//
// # Streams: one long-lived stream per peer, protocol and direction
//
// Each node opens, for every peer and protocol, one outbound stream that it
// only writes; the peer only reads it. A stream is opened on the first
// message and reused until it fails. This keeps the order of messages per
// sender and protocol (a QBFT proposal arrives before the same sender's
// later messages of the instance), costs no stream opening and protocol
// negotiation per message (negligible for a 200 KiB block, but not for the
// many small QBFT and share messages), and bounds the number of streams
// (the node keeps at most one inbound stream per operator and protocol: a
// new one replaces the old). Head-of-line
// blocking is limited to one protocol of one peer pair: a 16 MiB proposal
// delays the same sender's later QBFT messages to that peer (they could not
// be processed before the proposal anyway), never shares, nor messages to
// or from other peers, since each (peer, protocol) has its own yamux stream
// with its own flow-control window and its own writer goroutine and queue.
//
// # Sending
//
// Send and Broadcast queue the message (the payload is not copied) in the
// peer's queue of the protocol and return; a writer goroutine per peer and
// protocol writes the frames (WriteTimeout per frame). Broadcast sends to
// every other operator; it never delivers to this node: self-delivery is
// the caller's business (the DV protocol processes its own message
// directly). A message to a peer that is not connected is dropped at once
// (ErrNotConnected, DropNotConnected), not buffered: QBFT has round timers
// and the DV protocol re-sends shares, and a buffer would only deliver stale
// messages late. When a queue is full, Send and Broadcast wait for room
// until their context is done. Messages of one protocol from one sender to
// one receiver are delivered in order; none is retried after a connection
// loss, and a write that fails after its frame left (rare) may deliver it
// twice: upper layers de-duplicate (QBFT and share handling are
// idempotent).
//
// # Receiving
//
// Handle registers a handler per message type. For every frame the reader
// goroutine of the stream decodes the envelope, finds the handler, calls
// Config.Verify(from, type, payload) when set (the upper layer checks the
// Ed25519 signature inside a QBFT message against the key of operator
// from, and that the sender named in the message is from; an error drops
// the message, counted as DropVerifyFailed), then calls the handler. A
// stream idle between frames waits without limit; once a frame's first byte
// arrived, the whole frame must arrive within ReadTimeout.
//
// # Reconnecting
//
// After Start, one goroutine per peer keeps it connected: while the peer is
// not connected it dials (DialTimeout), and after a failure it waits with
// exponential backoff from MinBackoff (100 ms) to MaxBackoff (5 s), with
// ±20% jitter (math/rand/v2, unseeded: nothing here needs determinism). A
// disconnect wakes it at once and resets the backoff, so a peer that comes
// back is reconnected within about MaxBackoff; while connected it re-checks
// every MaxBackoff. Both sides dial, so either can restore the link; libp2p
// tolerates the occasional duplicate connection. yamux keep-alives (every
// 30 s) detect a connection that died silently.
//
// # Metrics
//
// Stats returns counters (messages and bytes sent and received per
// protocol, drops by protocol, direction and reason, dials, connects,
// disconnects, gater refusals) and the number of connected peers, for the
// node to export.
package p2p
