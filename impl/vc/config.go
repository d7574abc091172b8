package vc

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

// SlashingStore is the client's EIP-3076 protection, keyed by the public
// keys the client signs with (share public keys in VC-middleware mode).
// *slashingstore.Store satisfies it. Each Record call comes before the
// signature; an error means the message is not signed.
type SlashingStore interface {
	RecordAttestation(pubkey phase0.BLSPubKey, rec *slashing.SlashingDBAttestation) error
	RecordBlock(pubkey phase0.BLSPubKey, rec *slashing.SlashingDBBlock) error
}

// Clock is the client's time; simbeacon.Clock has the same method set, so
// a test moves a whole client with a *simbeacon.ManualClock.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type wallClock struct{}

func (wallClock) Now() time.Time                         { return time.Now() }
func (wallClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Config configures a VC.
type Config struct {
	// BeaconURL is the beacon API base URL: a beacon node, or dvnode's
	// validator-facing API in VC-middleware mode.
	BeaconURL string
	// Keys are the secret keys the client signs with: key shares in
	// VC-middleware mode, validator keys against a plain beacon node. Each
	// key's validator index is looked up by its public key.
	Keys []bls.SecretKey
	// Slashing is the client's slashing protection (required).
	Slashing SlashingStore
	// Distributed is VC-middleware mode (Prysm's --distributed flag).
	Distributed bool
	// Chain, when set, is the signing chain; nil reads it from the beacon
	// API at start. Either way its genesis validators root must be the
	// beacon node's.
	Chain *signing.Chain
	// Pattern is how requests are batched (zero value: DefaultPattern).
	Pattern Pattern
	// Aggregation turns on aggregate attestations and sync committee
	// contributions. Its callers choose (dvnode vc and devnet turn it on
	// unless --aggregation=false, as dvnode run does for the node).
	Aggregation bool
	// NoSync turns off sync committee duties.
	NoSync bool
	// Graffiti is put into proposed blocks.
	Graffiti [32]byte
	// FeeRecipient is sent with prepare_beacon_proposer every epoch (zero:
	// not sent).
	FeeRecipient bellatrix.ExecutionAddress
	// Timeout bounds one request (default 12 s).
	Timeout time.Duration
	// Logger (nil: discard).
	Logger *slog.Logger
	// OnDuty is told every duty outcome (nil: nobody). It must not block.
	OnDuty func(Result)
	// Clock (nil: the wall clock).
	Clock Clock
}

// Pattern is the request pattern of a validator client family: how many
// items go into one request. The duties done are the same whatever the
// pattern; only the traffic differs.
type Pattern struct {
	// Name names the pattern in logs.
	Name string
	// AttestationDataPerCommittee asks attestation_data once per committee
	// from Electra on too (before Electra the data differs per committee
	// and is always asked per committee).
	AttestationDataPerCommittee bool
	// SubmitBatch caps the items of one pool submission (0: everything of
	// the slot in one request).
	SubmitBatch int
	// BeaconSelectionBatch and SyncSelectionBatch cap the items of one DVT
	// selections request (0: everything of the slot in one; 1: one request
	// per validator and, for sync, per subcommittee).
	BeaconSelectionBatch int
	SyncSelectionBatch   int
	// SelectionsAllBack takes a DVT selections answer only when it holds
	// as many proofs as were asked for (Prysm's check); otherwise proofs
	// missing from a shorter answer fail alone.
	SelectionsAllBack bool
	// AttestOnHead attests (and sends sync committee messages) as soon as
	// the beacon node reports the slot's head, if that comes before a
	// third of the slot, instead of always waiting for the third.
	AttestOnHead bool
	// SyncAggregatorLastSeat decides whether a validator aggregates sync
	// committee contributions at all from the selection proof of its
	// last sync committee position only, as Prysm v6.0.4 does
	// (validator/client/validator.go isSyncCommitteeAggregator keeps one
	// verdict per validator index, each selection overwriting the one
	// before): a validator selected in an earlier subcommittee but not in
	// its last one contributes nothing. Once selected, it still
	// contributes for every subcommittee whose own proof selects it.
	// PrysmPattern leaves it off: it is the request shape, and the
	// devnet and conformance runs with it expect every duty accepted,
	// which this rule refuses by design.
	SyncAggregatorLastSeat bool
}

// DefaultPattern batches everything of a slot into one request per
// endpoint.
func DefaultPattern() Pattern { return Pattern{Name: "default"} }

// PrysmPattern is Prysm's VC as issue 15 describes it: one sync committee
// selection per validator per subcommittee per request, one attestation
// data request per committee.
func PrysmPattern() Pattern {
	return Pattern{Name: "prysm", AttestationDataPerCommittee: true, SyncSelectionBatch: 1, SelectionsAllBack: true}
}

// Duty types of Result.Type.
const (
	DutyAttestation  = "attestation"
	DutyProposal     = "proposal"
	DutySyncMessage  = "sync_message"
	DutyAggregate    = "aggregate"
	DutyContribution = "contribution"
)

// Result is the outcome of one duty of one key.
type Result struct {
	Type      string
	Validator phase0.ValidatorIndex
	// PubKey is the client's key (a share public key in VC-middleware mode).
	PubKey phase0.BLSPubKey
	Slot   phase0.Slot
	OK     bool
	// Err says why the duty failed; a refusal by slashing protection wraps
	// a *slashing.ConflictError.
	Err error
}

func (c *Config) check() error {
	if c.BeaconURL == "" {
		return errors.New("vc: Config.BeaconURL is empty")
	}
	u, err := url.Parse(c.BeaconURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("vc: Config.BeaconURL %q is not an http(s) URL", c.BeaconURL)
	}
	if len(c.Keys) == 0 {
		return errors.New("vc: Config.Keys is empty")
	}
	if c.Slashing == nil {
		return errors.New("vc: Config.Slashing is nil: a validator client signs nothing without slashing protection")
	}
	if c.Timeout < 0 {
		return fmt.Errorf("vc: Config.Timeout %v is negative", c.Timeout)
	}
	p := c.Pattern
	if p.SubmitBatch < 0 || p.BeaconSelectionBatch < 0 || p.SyncSelectionBatch < 0 {
		return errors.New("vc: Config.Pattern: batch sizes must not be negative")
	}
	if c.Chain != nil && c.Chain.SlotsPerEpoch == 0 {
		return errors.New("vc: Config.Chain has zero slots per epoch")
	}
	return nil
}
