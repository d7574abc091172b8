package node

import (
	"context"
	"crypto/ed25519"
	"log/slog"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/impl/metrics"
	"github.com/dvspec/go-dvspec/spec/cluster"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

// Message types on the transport.
const (
	// MsgQBFT carries a consensus/qbft SignedMessage (SSZ).
	MsgQBFT = "qbft"
	// MsgShare carries a share message in the networking wire form (kind
	// byte + SSZ).
	MsgShare = "share"
)

// Transport carries messages between the co-validators: impl/p2p in a
// real node (see P2P), MemNetwork in tests. Broadcast and Send never
// deliver to this node; Handle's handler runs on the transport's goroutine
// and must return quickly.
type Transport interface {
	Broadcast(ctx context.Context, msgType string, payload []byte) error
	Send(ctx context.Context, to uint64, msgType string, payload []byte) error
	Handle(msgType string, h func(from uint64, payload []byte)) error
	ConnectedPeers() []uint64
}

// SlashingStore is the node's durable slashing-protection DB
// (impl/slashingstore). Load gives the history the node starts from; the
// Record* calls persist a record before the share is signed.
type SlashingStore interface {
	Load(genesisValidatorsRoot phase0.Root) (*slashing.SlashingDB, error)
	RecordAttestation(pubkey phase0.BLSPubKey, rec *slashing.SlashingDBAttestation) error
	RecordBlock(pubkey phase0.BLSPubKey, rec *slashing.SlashingDBBlock) error
}

// Tracer records the DVC steps (impl/trace.Writer).
type Tracer interface {
	Init(node uint64, cfg *dvc.Config, st *dvc.State)
	Step(node uint64, cfg *dvc.Config, ev dvc.Event, outs []dvc.Output, err error, post *dvc.State)
}

// Outbound lets a test or the devnet change what this node sends (fault
// injection: a byzantine node). It is called in the event loop for every
// message this node sends, with the intended recipients; it returns the
// message each recipient gets (nil: nothing). A nil Outbound sends every
// message unchanged.
type Outbound interface {
	// QBFT is called for every consensus message.
	QBFT(msg []byte, to []uint64) map[uint64][]byte
	// Share is called for every share message.
	Share(msg []byte, to []uint64) map[uint64][]byte
}

// Config is everything a node needs. Files and flags are turned into a
// Config by the adapter (adapter/run).
type Config struct {
	// Cluster is the cluster definition (impl/keys) and Self this node's
	// operator index in it (= its share index). It must be valid
	// (cluster.Parse or Definition.Validate): the node relies on its public
	// shares being a threshold sharing of each validator key and does not
	// check combined signatures again (amendment A24; with inconsistent
	// shares duties would fail at the beacon node, nothing unsafe signed).
	Cluster *cluster.Definition
	Self    uint64
	// NodeKey is this node's Ed25519 identity key, which signs its QBFT
	// messages.
	NodeKey ed25519.PrivateKey
	// Chain is the network: fork schedule and genesis validators root of
	// the cluster definition, chain config of the beacon node (the caller
	// checks that they describe the same chain).
	Chain signing.Chain
	// Genesis and SlotDuration are the slot clock (from the beacon node).
	Genesis      time.Time
	SlotDuration time.Duration

	// BeaconNode is the beacon node (impl/beaconclient).
	BeaconNode ethnode.BeaconNode
	// Signer is the remote signer holding this node's key shares (the
	// embedded impl/remotesigner server, or any Web3Signer).
	Signer ethnode.RemoteSigner
	// Slashing is the durable slashing DB. The DVC states start from it.
	Slashing SlashingStore
	// RecordBeforeSign makes the node write every slashable signing into
	// Slashing before it calls Signer. Set it for an external signer; the
	// embedded signer records into the same store itself (its RecordStore),
	// so the node does not need to.
	RecordBeforeSign bool

	// Transport connects the co-validators.
	Transport Transport
	// Outbound, when set, rewrites outgoing messages (fault injection).
	Outbound Outbound
	// Logger (nil: discard).
	Logger *slog.Logger
	// Metrics (nil: none).
	Metrics *metrics.Metrics
	// Tracer (nil: none).
	Tracer Tracer
	// VC is the VC-facing API of VC-middleware mode (not served yet: the
	// node runs in remote-signer mode and rejects a nil Signer).
	VC ethnode.ValidatorClientAPI

	// DutyDeadline is how long after its start a duty that this node has
	// not completed counts as failed (default: two slots).
	DutyDeadline time.Duration
	// SignTimeout bounds one signing request (default: one slot, at most
	// 5 s).
	SignTimeout time.Duration
	// Graffiti is put into proposed blocks.
	Graffiti [32]byte
	// NoSync disables sync committee duties.
	NoSync bool
	// NoBlockImport leaves out following the beacon node's imported
	// blocks (importer.go); a beacon node that is not a BlockSource has
	// none anyway.
	NoBlockImport bool
	// Aggregation runs the aggregation duties (spec/dvc/aggduty): in
	// remote-signer mode attestation aggregation and sync committee
	// contributions; in VC-middleware mode VC must implement AggregationVC.
	// The low-level node is told explicitly: adapter/run sets it from
	// run.Options.NoAggregation, whose zero value (aggregation on) is the
	// one default, shared by dvnode run and devnet.
	Aggregation bool
	// ConsensusPerSlot decides attestations and sync committee messages
	// once per slot and duty kind for all the cluster's validators (SPEC.md
	// amendment A25, slotcons.go) instead of once per validator (the
	// literal form, the default here). Every node of a cluster must use
	// the same form: the instances differ.
	ConsensusPerSlot bool
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// OnDuty, when set, is told about every duty outcome (tests, devnet
	// progress). It is called in the event loop and must not block.
	OnDuty func(DutyResult)
}

// DutyResult is a duty's outcome as this node saw it.
type DutyResult struct {
	Type      string
	Validator phase0.ValidatorIndex
	Slot      phase0.Slot
	OK        bool
	// Reason names the stage that failed (tracker.go's Reason*), Detail
	// what the beacon node answered where it failed.
	Reason  string
	Detail  string
	Latency time.Duration
	// Phases say when the duty reached each phase on this node.
	Phases PhaseTimes
}
