package conformance

import (
	"fmt"
	"sort"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/impl/vc"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

// Check names, as reports print them.
const (
	CheckSafety    = "safety"
	CheckValidity  = "validity"
	CheckAgreement = "agreement"
	CheckLiveness  = "liveness"
	CheckLatency   = "latency"
	CheckAnswers   = "answers"
)

// Duty is one duty the chain assigned to a validator of the cluster.
type Duty struct {
	Type      string
	Validator phase0.ValidatorIndex
	Slot      phase0.Slot
	// Start is when the duty may start (attester and sync committee
	// duties: a third into the slot; proposals: the slot start).
	Start time.Time
	// Done is when the chain accepted it (zero: never).
	Done time.Time
}

// Duty types.
const (
	DutyAttester = "attester"
	DutyProposer = "proposer"
	DutySync     = "sync_committee"
)

// Input is what the checks judge.
type Input struct {
	Chain       signing.Chain
	Offers      []Offer
	Submissions []Submission
	// Duties are the cluster's duties with their outcome on the chain.
	Duties []Duty
	// Blocks are the signing roots of the blocks the chain accepted, by
	// slot (several roots in a slot is a double proposal).
	Blocks map[phase0.Slot][]phase0.Root
	// SigningRequests are what the recording signers saw (empty when the
	// implementation uses its own signer).
	SigningRequests []SigningRequest
	// ChainOffences counts the slashable pairs the chain itself refused.
	ChainOffences int
	// MinLiveness is the share of duties that must be done (0: 1).
	MinLiveness float64
	// VCMode: scripted validator clients drove the nodes' validator APIs
	// (VC-middleware mode), and VCResults are their duty outcomes.
	VCMode    bool
	VCResults []VCResult
}

// Result is the outcome of one check.
type Result struct {
	Check  string   `json:"check"`
	Pass   bool     `json:"pass"`
	Detail string   `json:"detail"`
	Errors []string `json:"errors,omitempty"`
	// Notes are informative lines that do not fail the check (the first
	// few duties a scripted validator client lost otherwise than to a bad
	// answer, with the reason).
	Notes []string `json:"notes,omitempty"`
}

// maxErrors bounds the errors a result lists.
const maxErrors = 10

func (r *Result) fail(format string, args ...any) {
	r.Pass = false
	if len(r.Errors) < maxErrors {
		r.Errors = append(r.Errors, fmt.Sprintf(format, args...))
	}
}

// Judge runs every check over in.
func Judge(in Input) []Result {
	out := []Result{Safety(in), Validity(in), Agreement(in), Liveness(in), Latency(in)}
	if in.VCMode {
		out = append(out, Answers(in))
	}
	return out
}

// Answers (VC-middleware mode): the scripted validator clients refused
// no answer of a node's validator API, neither as invalid for the duty
// asked (attestation data of another slot or epoch, a block of another
// slot or proposer) nor as slashable under their own EIP-3076 protection.
// A duty that failed otherwise (a timeout, a node that had nothing to
// give while its beacon node was down) is liveness's business.
func Answers(in Input) Result {
	r := Result{Check: CheckAnswers, Pass: true}
	ok, other := 0, 0
	nodes := map[uint64]string{}
	for _, x := range in.VCResults {
		nodes[x.Node] = x.Pattern
		switch {
		case x.OK:
			ok++
		case vc.IsBadAnswer(x.Err):
			r.fail("node %d (%s pattern) %s duty of validator %d slot %d: %v", x.Node, x.Pattern, x.Type, x.Validator, x.Slot, x.Err)
		default:
			other++
			if len(r.Notes) < maxErrors {
				r.Notes = append(r.Notes, fmt.Sprintf("node %d (%s pattern) %s duty of validator %d slot %d failed: %v", x.Node, x.Pattern, x.Type, x.Validator, x.Slot, x.Err))
			}
		}
	}
	if len(nodes) == 0 {
		r.fail("no scripted validator client reported a duty")
	}
	bad := len(in.VCResults) - ok - other
	r.Detail = fmt.Sprintf("%d duties by %d scripted validator clients: %d done, %d refused answers, %d failed otherwise", len(in.VCResults), len(nodes), ok, bad, other)
	return r
}

// pubkeyOf is the slashing-DB key the checks file a validator under: the
// checks need one key per validator, not the real public key.
func pubkeyOf(v phase0.ValidatorIndex) phase0.BLSPubKey {
	var pk phase0.BLSPubKey
	for i := 0; i < 8; i++ {
		pk[i] = byte(uint64(v) >> (8 * i))
	}
	return pk
}

func sortedSubmissions(subs []Submission) []Submission {
	out := append([]Submission(nil), subs...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Slot != out[j].Slot {
			return out[i].Slot < out[j].Slot
		}
		return out[i].At.Before(out[j].At)
	})
	return out
}

// Safety: no two submitted attestations of one validator form a slashable
// pair under EIP-3076 (double vote, surround vote; the pure layer's
// slashing DB decides, in submission order), no slot has two different
// blocks accepted, and the chain refused no slashable pair.
func Safety(in Input) Result {
	r := Result{Check: CheckSafety, Pass: true}
	db := slashing.New(in.Chain.GenesisValidatorsRoot)
	n := 0
	for _, s := range sortedSubmissions(in.Submissions) {
		if s.Kind != KindAttestation {
			continue
		}
		n++
		att, err := in.Chain.AttestationData(s.Data)
		if err != nil {
			r.fail("node %d validator %d slot %d: signing root: %v", s.Node, s.Validator, s.Slot, err)
			continue
		}
		pk := pubkeyOf(s.Validator)
		if err := db.CheckAttestation(pk, s.Data.Source.Epoch, s.Data.Target.Epoch, &att.SigningRoot); err != nil {
			r.fail("node %d submitted a slashable attestation for validator %d at slot %d (source %d, target %d): %v", s.Node, s.Validator, s.Slot, s.Data.Source.Epoch, s.Data.Target.Epoch, err)
			continue
		}
		if err := db.InsertAttestation(pk, s.Data.Source.Epoch, s.Data.Target.Epoch, &att.SigningRoot); err != nil {
			r.fail("slashing DB: %v", err)
		}
	}
	shares := shareSafety(in, &r)
	slots := make([]phase0.Slot, 0, len(in.Blocks))
	for s := range in.Blocks {
		slots = append(slots, s)
	}
	sort.Slice(slots, func(i, j int) bool { return slots[i] < slots[j] })
	for _, s := range slots {
		if roots := distinctRoots(in.Blocks[s]); roots > 1 {
			r.fail("slot %d: %d different blocks accepted", s, roots)
		}
	}
	if in.ChainOffences > 0 {
		r.fail("the chain refused %d slashable messages", in.ChainOffences)
	}
	r.Detail = fmt.Sprintf("%d attestation submissions, %d block slots", n, len(slots))
	if len(in.SigningRequests) > 0 {
		r.Detail += fmt.Sprintf(", %d signatures under %d share keys", shares.signed, shares.keys)
	}
	return r
}

type shareCount struct{ signed, keys int }

// shareSafety checks the signatures the recording signers gave, in
// arrival order, under each share key: no slashable attestation pair and
// no two different blocks in a slot (the pure layer's slashing DB rules).
func shareSafety(in Input, r *Result) shareCount {
	db := slashing.New(in.Chain.GenesisValidatorsRoot)
	reqs := append([]SigningRequest(nil), in.SigningRequests...)
	sort.SliceStable(reqs, func(i, j int) bool { return reqs[i].At.Before(reqs[j].At) })
	var c shareCount
	keys := map[phase0.BLSPubKey]bool{}
	for _, q := range reqs {
		if !q.Signed {
			continue
		}
		c.signed++
		keys[q.Pubkey] = true
		root := q.SigningRoot
		switch q.Kind {
		case KindAttestation:
			if err := db.CheckAttestation(q.Pubkey, q.Data.Source.Epoch, q.Data.Target.Epoch, &root); err != nil {
				r.fail("node %d's signer signed a slashable attestation under share %#x at slot %d: %v", q.Node, q.Pubkey[:6], q.Slot, err)
				continue
			}
			_ = db.InsertAttestation(q.Pubkey, q.Data.Source.Epoch, q.Data.Target.Epoch, &root)
		case KindBlock:
			if err := db.CheckBlock(q.Pubkey, q.Slot, &root); err != nil {
				r.fail("node %d's signer signed a slashable block under share %#x at slot %d: %v", q.Node, q.Pubkey[:6], q.Slot, err)
				continue
			}
			_ = db.InsertBlock(q.Pubkey, q.Slot, &root)
		}
	}
	c.keys = len(keys)
	return c
}

func distinctRoots(roots []phase0.Root) int {
	m := map[phase0.Root]bool{}
	for _, x := range roots {
		m[x] = true
	}
	return len(m)
}

// Validity: every submitted attestation passes the consensus validity
// predicate (consensus.IsValidAttestationData; its slashing part is the
// safety check's, so each submission is judged against an empty DB) and
// is data some node's beacon endpoint offered.
func Validity(in Input) Result {
	r := Result{Check: CheckValidity, Pass: true}
	offered := map[phase0.Root]bool{}
	for _, o := range in.Offers {
		if root, err := o.Data.HashTreeRoot(); err == nil {
			offered[root] = true
		}
	}
	n := 0
	for _, s := range sortedSubmissions(in.Submissions) {
		if s.Kind != KindAttestation {
			continue
		}
		n++
		duty := &spec.AttestationDuty{Pubkey: pubkeyOf(s.Validator), ValidatorIndex: s.Validator, Slot: s.Slot, CommitteeIndex: s.Data.Index}
		if err := consensus.IsValidAttestationData(slashing.New(in.Chain.GenesisValidatorsRoot), in.Chain, s.Data, duty); err != nil {
			r.fail("node %d validator %d slot %d: %v", s.Node, s.Validator, s.Slot, err)
			continue
		}
		root, err := s.Data.HashTreeRoot()
		if err != nil || !offered[root] {
			r.fail("node %d validator %d slot %d: attestation data %#x was offered to no node", s.Node, s.Validator, s.Slot, root)
		}
	}
	r.Detail = fmt.Sprintf("%d attestation submissions against %d offers", n, len(in.Offers))
	return r
}

// Agreement: for every validator and slot, every node that submitted an
// attestation submitted the same data; for every slot, every node that
// submitted a block submitted the same bytes.
func Agreement(in Input) Result {
	r := Result{Check: CheckAgreement, Pass: true}
	type key struct {
		v    phase0.ValidatorIndex
		slot phase0.Slot
	}
	atts := map[key]map[phase0.Root][]uint64{}
	blocks := map[phase0.Slot]map[[32]byte][]uint64{}
	for _, s := range in.Submissions {
		switch s.Kind {
		case KindAttestation:
			root, err := s.Data.HashTreeRoot()
			if err != nil {
				continue
			}
			k := key{s.Validator, s.Slot}
			if atts[k] == nil {
				atts[k] = map[phase0.Root][]uint64{}
			}
			atts[k][root] = append(atts[k][root], s.Node)
		case KindBlock:
			if blocks[s.Slot] == nil {
				blocks[s.Slot] = map[[32]byte][]uint64{}
			}
			blocks[s.Slot][s.Body] = append(blocks[s.Slot][s.Body], s.Node)
		}
	}
	keys := make([]key, 0, len(atts))
	for k := range atts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].slot != keys[j].slot {
			return keys[i].slot < keys[j].slot
		}
		return keys[i].v < keys[j].v
	})
	for _, k := range keys {
		if len(atts[k]) > 1 {
			r.fail("validator %d slot %d: nodes submitted %d different attestation data (%s)", k.v, k.slot, len(atts[k]), nodesByValue(atts[k]))
		}
	}
	for s, m := range blocks {
		if len(m) > 1 {
			r.fail("slot %d: nodes submitted %d different blocks", s, len(m))
		}
	}
	r.Detail = fmt.Sprintf("%d attestation duties, %d block slots submitted", len(atts), len(blocks))
	return r
}

func nodesByValue[K comparable](m map[K][]uint64) string {
	var parts []string
	for _, nodes := range m {
		parts = append(parts, fmt.Sprint(nodes))
	}
	sort.Strings(parts)
	return fmt.Sprint(parts)
}

// Liveness: the share of duties the chain accepted, per type and in all,
// is at least the scenario's minimum.
func Liveness(in Input) Result {
	r := Result{Check: CheckLiveness, Pass: true}
	min := in.MinLiveness
	if min == 0 {
		min = 1
	}
	type count struct{ done, all int }
	by := map[string]*count{}
	total := count{}
	why := missedReasons(in)
	never, refused := 0, 0
	for _, d := range in.Duties {
		c := by[d.Type]
		if c == nil {
			c = &count{}
			by[d.Type] = c
		}
		c.all++
		total.all++
		if !d.Done.IsZero() {
			c.done++
			total.done++
			continue
		}
		reason, submitted := why(d)
		if submitted {
			refused++
		} else {
			never++
		}
		if len(r.Errors) < maxErrors {
			r.Errors = append(r.Errors, fmt.Sprintf("%s duty of validator %d at slot %d not done: %s", d.Type, d.Validator, d.Slot, reason))
		}
	}
	if total.all == 0 {
		r.fail("no duties were expected: the run judged nothing")
	}
	var parts []string
	for _, t := range []string{DutyAttester, DutyProposer, DutySync} {
		if c := by[t]; c != nil {
			parts = append(parts, fmt.Sprintf("%s %d/%d", t, c.done, c.all))
		}
	}
	if total.all > 0 && float64(total.done) < min*float64(total.all) {
		r.Pass = false
		if len(r.Errors) == 0 {
			r.Errors = []string{fmt.Sprintf("%d of %d duties done, below %.2f", total.done, total.all, min)}
		}
	}
	if r.Pass {
		r.Errors = nil
	}
	r.Detail = fmt.Sprint(parts)
	if never+refused > 0 {
		r.Detail += fmt.Sprintf(" not done: %d never submitted, %d submitted and refused by the chain", never, refused)
	}
	return r
}

// missedReasons returns, for a duty the chain never accepted, what the kit
// saw of it: no submission at all (the implementation never got there), or
// submissions, when (relative to the duty's start) and why the chain
// refused them (late: the wrong slot; a head the chain does not accept).
func missedReasons(in Input) func(Duty) (string, bool) {
	kinds := map[string]string{DutyAttester: KindAttestation, DutyProposer: KindBlock, DutySync: KindSyncMessage}
	type key struct {
		kind string
		v    phase0.ValidatorIndex
		s    phase0.Slot
	}
	subs := map[key][]Submission{}
	for _, s := range in.Submissions {
		k := key{s.Kind, s.Validator, s.Slot}
		subs[k] = append(subs[k], s)
	}
	return func(d Duty) (string, bool) {
		got := subs[key{kinds[d.Type], d.Validator, d.Slot}]
		if len(got) == 0 {
			return "no node submitted it", false
		}
		s := got[0]
		for _, x := range got {
			if x.Refused != "" {
				s = x
				break
			}
		}
		refusal := s.Refused
		if refusal == "" {
			refusal = "not refused, but not accepted"
		}
		return fmt.Sprintf("%d submission(s), node %d's at %+dms from duty start: %s", len(got), s.Node, s.At.Sub(d.Start).Milliseconds(), refusal), true
	}
}

// Latency reports p50 and p99 from duty start to the chain's acceptance;
// it fails only when no duty was done (there is nothing to measure).
func Latency(in Input) Result {
	r := Result{Check: CheckLatency, Pass: true}
	var ls []time.Duration
	for _, d := range in.Duties {
		if !d.Done.IsZero() {
			ls = append(ls, d.Done.Sub(d.Start))
		}
	}
	if len(ls) == 0 {
		r.fail("no duty was done")
		r.Detail = "no samples"
		return r
	}
	sort.Slice(ls, func(i, j int) bool { return ls[i] < ls[j] })
	r.Detail = fmt.Sprintf("p50=%s p99=%s samples=%d", Percentile(ls, 50).Round(time.Millisecond), Percentile(ls, 99).Round(time.Millisecond), len(ls))
	return r
}

// Percentile returns the p-th percentile (nearest rank) of sorted.
func Percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}
