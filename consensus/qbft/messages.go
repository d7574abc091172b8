package qbft

import (
	"crypto/sha256"
	"fmt"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
)

// MsgType is the kind of a QBFT message. The values are part of every
// message root and never change meaning.
type MsgType uint64

const (
	// MsgProposal is the Dafny Proposal (the paper's PRE-PREPARE).
	MsgProposal MsgType = 1
	// MsgPrepare is the Dafny Prepare.
	MsgPrepare MsgType = 2
	// MsgCommit is the Dafny Commit.
	MsgCommit MsgType = 3
	// MsgRoundChange is the Dafny RoundChange.
	MsgRoundChange MsgType = 4
	// MsgDecided is the Dafny NewBlock made instance-local: a decided value
	// with a quorum of COMMITs, for peers that lag behind.
	MsgDecided MsgType = 5
)

// String returns the upper-case name used in SPEC.md and vectors.
func (t MsgType) String() string {
	switch t {
	case MsgProposal:
		return "PROPOSAL"
	case MsgPrepare:
		return "PREPARE"
	case MsgCommit:
		return "COMMIT"
	case MsgRoundChange:
		return "ROUND_CHANGE"
	case MsgDecided:
		return "DECIDED"
	}
	return fmt.Sprintf("MSG_TYPE_%d", uint64(t))
}

// Valid reports whether t is one of the five message types.
func (t MsgType) Valid() bool { return t >= MsgProposal && t <= MsgDecided }

// Signature is an Ed25519 signature (RFC 8032), SSZ ByteVector[64].
type Signature [64]byte

// Message is the signed part of every QBFT message: the Dafny
// UnsignedProposal, UnsignedPrepare, UnsignedCommit and UnsignedRoundChange
// in one container, with the instance id in place of the Dafny height and
// the sender's node index made explicit (Dafny recovers it from the
// signature).
//
// Which fields a type uses:
//
//	PROPOSAL, PREPARE, COMMIT, DECIDED: Digest = Digest(value); no prepared fields.
//	ROUND_CHANGE: Digest is zero; PreparedRound and PreparedDigest are both
//	              absent (not prepared) or both present (prepared).
type Message struct {
	// Type is a MsgType.
	Type MsgType
	// Instance is the consensus instance (the Dafny height).
	Instance consensus.InstanceID
	// Round is the QBFT round, from 0.
	Round uint64
	// Sender is the node index of the signer, 1..N.
	Sender uint64
	// Digest is the digest of the value the message is about.
	Digest phase0.Root
	// PreparedRound is the round of the sender's last prepared value
	// (ROUND_CHANGE only), an optional: empty or one element. SSZ:
	// List[uint64, 1].
	PreparedRound []uint64 `ssz-max:"1"`
	// PreparedDigest is the digest of the sender's last prepared value
	// (ROUND_CHANGE only), an optional. SSZ: List[Root, 1].
	PreparedDigest []phase0.Root `ssz-max:"1"`
}

// Prepared returns the prepared round and digest of a ROUND_CHANGE when
// both are present (the Dafny optionIsPresent/optionGet on preparedRound
// and preparedValue).
func (m *Message) Prepared() (round uint64, digest phase0.Root, ok bool) {
	if len(m.PreparedRound) != 1 || len(m.PreparedDigest) != 1 {
		return 0, phase0.Root{}, false
	}
	return m.PreparedRound[0], m.PreparedDigest[0], true
}

// SetPrepared sets both prepared fields (the Dafny createRoundChange's
// digestOptionalBlock(lastPreparedBlock), lastPreparedRound).
func (m *Message) SetPrepared(round uint64, digest phase0.Root) {
	m.PreparedRound = []uint64{round}
	m.PreparedDigest = []phase0.Root{digest}
}

// hasPreparedFields reports whether either prepared field is present.
func (m *Message) hasPreparedFields() bool {
	return len(m.PreparedRound) > 0 || len(m.PreparedDigest) > 0
}

// SignedPayload is a Message with its sender's signature: the form in which
// messages travel inside justifications (the Dafny SignedPrepare,
// SignedCommit and SignedRoundChange). It carries no value: justifications
// reference values by digest.
type SignedPayload struct {
	Message   Message
	Signature Signature
}

// SignedMessage is what a node sends and receives: a signed Message with
// what the message type piggybacks.
//
//	PROPOSAL:     Value = the proposed value; round > 0: RoundChanges = a quorum
//	              of ROUND_CHANGEs for the round, and, when one of them is
//	              prepared, Prepares = a quorum of PREPAREs of the highest
//	              prepared (round, digest).
//	PREPARE, COMMIT: nothing.
//	ROUND_CHANGE: when prepared, Value = the prepared value and Prepares = a
//	              quorum of PREPAREs for (PreparedRound, PreparedDigest).
//	DECIDED:      Value = the decided value, Commits = a quorum of COMMITs for
//	              (Round, Digest).
//
// A value is carried at most once per message; every other reference to it
// is its digest.
type SignedMessage struct {
	Message      Message
	Signature    Signature
	Value        []byte           `ssz-max:"10485760"`
	RoundChanges []*SignedPayload `ssz-max:"256"`
	Prepares     []*SignedPayload `ssz-max:"256"`
	Commits      []*SignedPayload `ssz-max:"256"`
}

// Payload returns the signed part of m, as carried in a justification (the
// Dafny extractSignedPrepares / extractSignedRoundChanges for one message).
func (m *SignedMessage) Payload() *SignedPayload {
	return &SignedPayload{Message: m.Message, Signature: m.Signature}
}

// Digest is the digest of a value: sha256 of its bytes (not the hash tree
// root of a ByteList), so that any language computes it with one call. It is
// the Dafny digest(block) without the block's round (values carry no round,
// so the Dafny re-stamping is not needed).
func Digest(value []byte) phase0.Root {
	return sha256.Sum256(value)
}

func optU64(v uint64) *uint64 { return &v }

func optRoot(r phase0.Root) *phase0.Root { return &r }

// The optionals of a Snapshot are SSZ List[T, 1]; the instance keeps them
// as pointers.

func listU64(p *uint64) []uint64 {
	if p == nil {
		return nil
	}
	return []uint64{*p}
}

func listRoot(p *phase0.Root) []phase0.Root {
	if p == nil {
		return nil
	}
	return []phase0.Root{*p}
}

func ptrU64(l []uint64) *uint64 {
	if len(l) == 0 {
		return nil
	}
	return optU64(l[0])
}

func ptrRoot(l []phase0.Root) *phase0.Root {
	if len(l) == 0 {
		return nil
	}
	return optRoot(l[0])
}

// Snapshot is the SSZ form of an Instance's state (no Dafny counterpart: the
// Dafny NodeState restricted to one instance). Instance.Snapshot produces it
// deterministically, and Restore rebuilds an Instance from it, so a
// conformance vector can state a pre-state and a post-state. Values are
// stored once, in Values, sorted by digest; every other field refers to them
// by digest. Messages are the messages the instance has accepted into its
// state (its own included), without their values, sorted by (round, type,
// sender).
type Snapshot struct {
	Instance consensus.InstanceID
	N        uint64
	Self     uint64
	Started  bool
	Round    uint64
	// OwnDigest is the digest of the node's own candidate value, when known.
	// Every optional field of the snapshot is an SSZ List[T, 1].
	OwnDigest []phase0.Root `ssz-max:"1"`
	// AcceptedDigest is the digest of the proposal accepted in Round (the
	// Dafny proposalAcceptedForCurrentRound), when one was.
	AcceptedDigest []phase0.Root `ssz-max:"1"`
	// ProposedRound is the highest round in which this node proposed.
	ProposedRound []uint64 `ssz-max:"1"`
	// CommittedRound is the highest round in which this node sent a COMMIT.
	CommittedRound []uint64 `ssz-max:"1"`
	// PreparedRound, PreparedDigest and PreparedJustification are the Dafny
	// lastPreparedRound, lastPreparedBlock (by digest) and the quorum of
	// PREPAREs that justifies them.
	PreparedRound         []uint64         `ssz-max:"1"`
	PreparedDigest        []phase0.Root    `ssz-max:"1"`
	PreparedJustification []*SignedPayload `ssz-max:"256"`
	// DecidedRound and DecidedDigest are set once the instance decided;
	// DecidedCommits is the quorum of COMMITs that decided it.
	DecidedRound   []uint64         `ssz-max:"1"`
	DecidedDigest  []phase0.Root    `ssz-max:"1"`
	DecidedCommits []*SignedPayload `ssz-max:"256"`
	// RejectedRounds lists, ascending, the rounds whose proposal failed the
	// validity predicate.
	RejectedRounds []uint64 `ssz-max:"65"`
	// Answered holds, for node i at index i-1, the highest ROUND_CHANGE round
	// of i that this node answered with DECIDED (0: none).
	Answered []uint64 `ssz-max:"256"`
	// Messages are the accepted messages without their values.
	Messages []*SignedMessage `ssz-max:"131072"`
	// Values are the values referred to by digest, sorted by digest.
	Values [][]byte `ssz-max:"131072,10485760"`
}
