package conformance

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// Offer is attestation data one node's beacon endpoint answered with.
type Offer struct {
	Node uint64
	Data *phase0.AttestationData
	At   time.Time
}

// Submission is one attestation or block a node submitted to its beacon
// endpoint, as the kit decoded it (whether or not the chain accepted it).
type Submission struct {
	Node uint64
	// Kind is "attestation" or "block".
	Kind      string
	Validator phase0.ValidatorIndex
	// Slot is the attestation's slot, or for a block the slot during which
	// it arrived.
	Slot phase0.Slot
	// Data is the attestation data (attestations only).
	Data *phase0.AttestationData
	// Body is the SHA-256 of a block submission's body (blocks only).
	Body [32]byte
	// Refused is the chain's answer when it refused a block ("" when
	// accepted).
	Refused string
	At      time.Time
	// Fork and SSZ are the submitted message in the trace format
	// (adapter/TRACE.md): attestation_fork and attestation_ssz, block_fork
	// and the SignedVersionedBlock, or the SyncCommitteeMessage; SSZ is
	// nil when the kit could not decode the submission.
	Fork string
	SSZ  []byte
}

// Submission kinds.
const (
	KindAttestation = "attestation"
	KindBlock       = "block"
	KindSyncMessage = "sync_committee_message"
)

// Record is everything the kit saw during a run; safe for concurrent use.
type Record struct {
	mu          sync.Mutex
	offers      []Offer
	submissions []Submission
	requests    map[uint64]int
	signing     []SigningRequest
	vcs         []VCResult
}

func (r *Record) addVC(v VCResult) {
	r.mu.Lock()
	r.vcs = append(r.vcs, v)
	r.mu.Unlock()
}

// VCResults returns a copy of the scripted validator clients' duty
// outcomes.
func (r *Record) VCResults() []VCResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]VCResult(nil), r.vcs...)
}

func (r *Record) addSigning(s SigningRequest) {
	r.mu.Lock()
	r.signing = append(r.signing, s)
	r.mu.Unlock()
}

// SigningRequests returns a copy of the recording signers' requests.
func (r *Record) SigningRequests() []SigningRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]SigningRequest(nil), r.signing...)
}

// NewRecord returns an empty record.
func NewRecord() *Record { return &Record{requests: map[uint64]int{}} }

func (r *Record) request(node uint64) {
	r.mu.Lock()
	r.requests[node]++
	r.mu.Unlock()
}

// Requests returns how many requests node made.
func (r *Record) Requests(node uint64) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests[node]
}

// AddOffer records an offer.
func (r *Record) AddOffer(o Offer) {
	r.mu.Lock()
	r.offers = append(r.offers, o)
	r.mu.Unlock()
}

// AddSubmission records a submission.
func (r *Record) AddSubmission(s Submission) {
	r.mu.Lock()
	r.submissions = append(r.submissions, s)
	r.mu.Unlock()
}

// Offers returns a copy of the offers.
func (r *Record) Offers() []Offer {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Offer(nil), r.offers...)
}

// Submissions returns a copy of the submissions.
func (r *Record) Submissions() []Submission {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Submission(nil), r.submissions...)
}

func bodyHash(b []byte) [32]byte { return sha256.Sum256(b) }
