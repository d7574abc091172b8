package aggduty

import (
	"fmt"
	"slices"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/versioned"
)

// Signer is the remote signer holding this co-validator's key share, for
// the four aggregation objects (the Web3Signer AGGREGATION_SLOT,
// SYNC_COMMITTEE_SELECTION_PROOF, AGGREGATE_AND_PROOF and
// SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF types). Each method receives the
// object and its signing input and returns the share's signature of the
// signing root.
type Signer interface {
	SignSelectionProof(slot phase0.Slot, in signing.SigningInput) (phase0.BLSSignature, error)
	SignSyncSelectionProof(data *altair.SyncAggregatorSelectionData, in signing.SigningInput) (phase0.BLSSignature, error)
	SignAggregateAndProof(ap *eth2spec.VersionedAggregateAndProof, in signing.SigningInput) (phase0.BLSSignature, error)
	SignContributionAndProof(cp *altair.ContributionAndProof, in signing.SigningInput) (phase0.BLSSignature, error)
}

// Oracles are the external functions a transition may call; only the
// remote-signer mode calls Signer.
type Oracles struct {
	Signer Signer
	// Verify, when set, replaces bls.Verify (it must return what bls.Verify
	// returns); Recover, when set, bls.RecoverSignature (the same rule).
	Verify  networking.VerifyFunc
	Recover networking.RecoverFunc
}

// KeyShareSigner is a Signer that signs the signing root with a key share:
// the deterministic signer of tests and vectors.
type KeyShareSigner struct {
	Share bls.Share
}

func (k KeyShareSigner) sign(in signing.SigningInput) (phase0.BLSSignature, error) {
	p, err := k.Share.Sign(in.SigningRoot[:])
	if err != nil {
		return phase0.BLSSignature{}, fmt.Errorf("key share signer: %w", err)
	}
	return p.Signature, nil
}

// SignSelectionProof implements Signer.
func (k KeyShareSigner) SignSelectionProof(_ phase0.Slot, in signing.SigningInput) (phase0.BLSSignature, error) {
	return k.sign(in)
}

// SignSyncSelectionProof implements Signer.
func (k KeyShareSigner) SignSyncSelectionProof(_ *altair.SyncAggregatorSelectionData, in signing.SigningInput) (phase0.BLSSignature, error) {
	return k.sign(in)
}

// SignAggregateAndProof implements Signer.
func (k KeyShareSigner) SignAggregateAndProof(_ *eth2spec.VersionedAggregateAndProof, in signing.SigningInput) (phase0.BLSSignature, error) {
	return k.sign(in)
}

// SignContributionAndProof implements Signer.
func (k KeyShareSigner) SignContributionAndProof(_ *altair.ContributionAndProof, in signing.SigningInput) (phase0.BLSSignature, error) {
	return k.sign(in)
}

// Ignore reasons of this machine besides dvc's.
const (
	// IgnoredNotAggregator: a decision or capture for a duty whose
	// validator is not an aggregator.
	IgnoredNotAggregator dvc.IgnoreReason = "not_aggregator"
	// IgnoredGateMismatch: the submitted attestation's data does not fit
	// the served duty (another slot or committee); no aggregate follows.
	IgnoredGateMismatch dvc.IgnoreReason = "submitted_value_mismatch"
)

// Step is the aggregation state machine's transition (this spec, SPEC.md
// section 12, deviation 18): it applies ev to st and returns the new state
// and the outputs. On error the state is st, unchanged, and there are no
// outputs. It uses cfg's chain, validator, share index, peers, public
// shares, threshold, cluster and mode (dvc.Config, which the caller has
// validated with dvc.Config.Validate).
func Step(cfg *dvc.Config, st *State, ev Event, o Oracles) (*State, []Output, error) {
	if err := quickCheck(cfg); err != nil {
		return st, nil, err
	}
	if st == nil || st.flows == nil {
		return st, nil, fmt.Errorf("%w: nil aggregation state", dvc.ErrInvalidState)
	}
	if cfg.Mode == dvc.ModeRemoteSigner && o.Signer == nil {
		return st, nil, fmt.Errorf("%w: remote-signer mode without a signer", dvc.ErrInvalidConfig)
	}
	// PublicSharesChecked as the DVC's verifier has it (A24): a node whose
	// cluster definition is validated does not check each combined
	// selection proof again, one pairing per validator and slot.
	t := &transition{cfg: cfg, o: o, s: st.clone(), v: networking.Verifier{
		Chain: cfg.Chain, ValidatorPubkey: cfg.Validator.Pubkey, PublicShares: cfg.PublicShares, Threshold: cfg.Threshold, Verify: o.Verify, Recover: o.Recover,
		PublicSharesChecked: cfg.PublicSharesChecked,
	}}
	if err := t.dispatch(ev); err != nil {
		return st, nil, err
	}
	return t.s, t.out, nil
}

func quickCheck(c *dvc.Config) error {
	switch {
	case c == nil:
		return fmt.Errorf("%w: nil config", dvc.ErrInvalidConfig)
	case c.Mode != dvc.ModeRemoteSigner && c.Mode != dvc.ModeVCMiddleware:
		return fmt.Errorf("%w: unknown mode %d", dvc.ErrInvalidConfig, c.Mode)
	case c.Chain.SlotsPerEpoch == 0:
		return fmt.Errorf("%w: slots per epoch", dvc.ErrInvalidConfig)
	case len(c.Peers) == 0 || c.Threshold < 1 || c.Threshold > len(c.Peers):
		return fmt.Errorf("%w: peers or threshold", dvc.ErrInvalidConfig)
	}
	if _, ok := c.PublicShares[c.ShareIndex]; !ok || c.ShareIndex == 0 {
		return fmt.Errorf("%w: no public share for own share index %d", dvc.ErrInvalidConfig, c.ShareIndex)
	}
	return nil
}

type transition struct {
	cfg *dvc.Config
	o   Oracles
	v   networking.Verifier
	s   *State
	out []Output
}

func (t *transition) emit(o ...Output) { t.out = append(t.out, o...) }

func (t *transition) ignore(reason dvc.IgnoreReason, slot phase0.Slot, format string, args ...any) {
	t.emit(dvc.Ignored{Reason: reason, Slot: slot, Detail: fmt.Sprintf(format, args...)})
}

func (t *transition) broadcast(m networking.Message) {
	peers := slices.Clone(t.cfg.Peers)
	slices.Sort(peers)
	t.emit(dvc.Broadcast{Message: m, To: peers})
}

func (t *transition) requireVC() error {
	if t.cfg.Mode != dvc.ModeVCMiddleware {
		return fmt.Errorf("%w: VC submissions exist only in VC-middleware mode", dvc.ErrWrongMode)
	}
	return nil
}

func (t *transition) id(kind flowKind, slot phase0.Slot) consensus.InstanceID {
	d := consensus.DutyAggregator
	if kind == flowContribution {
		d = consensus.DutySyncContribution
	}
	return consensus.InstanceID{Cluster: t.cfg.Cluster, Validator: t.cfg.Validator.Pubkey, DutyType: uint64(d), Slot: slot}
}

func (t *transition) dispatch(ev Event) error {
	switch e := ev.(type) {
	case ServeAggregatorDuty:
		return t.serveAggregatorDuty(e)
	case ServeSyncContributionDuty:
		return t.serveSyncContributionDuty(e)
	case CapturedBeaconCommitteeSelection:
		if err := t.requireVC(); err != nil {
			return err
		}
		return t.capturedBeaconCommitteeSelection(e)
	case CapturedSyncCommitteeSelection:
		if err := t.requireVC(); err != nil {
			return err
		}
		return t.capturedSyncCommitteeSelection(e)
	case AttestationSubmitted:
		return t.attestationSubmitted(e)
	case SyncCommitteeMessageSubmitted:
		return t.syncCommitteeMessageSubmitted(e)
	case AggregateConsensusDecided:
		return t.aggregateConsensusDecided(e)
	case ContributionConsensusDecided:
		return t.contributionConsensusDecided(e)
	case CapturedAggregateAndProof:
		if err := t.requireVC(); err != nil {
			return err
		}
		return t.capturedAggregateAndProof(e)
	case CapturedContributionAndProof:
		if err := t.requireVC(); err != nil {
			return err
		}
		return t.capturedContributionAndProof(e)
	case ReceivedAggregationShare:
		return t.receivedAggregationShare(e.Share)
	case nil:
		return fmt.Errorf("%w: nil event", dvc.ErrMalformedEvent)
	}
	return fmt.Errorf("%w: unknown event %T (events are passed by value)", dvc.ErrMalformedEvent, ev)
}

// served records a served duty's slot and forgets the flows more than an
// epoch older (an aggregate is useful for ATTESTATION_PROPAGATION_SLOT_RANGE
// slots, a contribution only in its slot; an epoch bounds the state).
func (t *transition) served(slot phase0.Slot) {
	if t.s.latest == nil || slot > *t.s.latest {
		s := slot
		t.s.latest = &s
	}
	for k := range t.s.flows {
		if uint64(k.slot)+t.cfg.Chain.SlotsPerEpoch < uint64(*t.s.latest) {
			delete(t.s.flows, k)
		}
	}
}

func (t *transition) serveAggregatorDuty(e ServeAggregatorDuty) error {
	d := e.Duty
	if d == nil {
		return fmt.Errorf("%w: nil attestation duty", dvc.ErrMalformedEvent)
	}
	if d.Pubkey != t.cfg.Validator.Pubkey || d.ValidatorIndex != t.cfg.Validator.Index {
		return fmt.Errorf("%w: attestation duty of validator %d", dvc.ErrWrongValidator, d.ValidatorIndex)
	}
	if d.CommitteeLength == 0 || d.CommitteeLength > networking.MaxValidatorsPerCommittee || d.ValidatorCommitteeIndex >= d.CommitteeLength {
		return fmt.Errorf("%w: committee length %d, position %d", dvc.ErrMalformedEvent, d.CommitteeLength, d.ValidatorCommitteeIndex)
	}
	if uint64(len(e.Committee)) != d.CommitteeLength || e.Committee[d.ValidatorCommitteeIndex] != d.Pubkey {
		return fmt.Errorf("%w: %d committee keys for committee length %d, or the validator not at its position", dvc.ErrInconsistentOracle, len(e.Committee), d.CommitteeLength)
	}
	if _, err := t.cfg.Chain.ForkAtSlot(d.Slot); err != nil {
		return fmt.Errorf("%w: %w", dvc.ErrMalformedEvent, err)
	}
	k := flowKey{flowAggregator, d.Slot}
	if f := t.s.flows[k]; f != nil && f.served() {
		return fmt.Errorf("%w: aggregator duty at slot %d already served", dvc.ErrDutyOutOfOrder, d.Slot)
	}
	t.served(d.Slot)
	f := t.s.own(k)
	f.attDuty = d
	p := f.ownPart(0)
	p.keys = slices.Clone(e.Committee)
	if e.Parsed.Holds(p.keys) {
		p.parsed = e.Parsed
	}
	if t.cfg.Mode == dvc.ModeRemoteSigner {
		in, err := t.cfg.Chain.AggregationSlot(d.Slot)
		if err != nil {
			return fmt.Errorf("%w: %w", dvc.ErrMalformedEvent, err)
		}
		sig, err := t.o.Signer.SignSelectionProof(d.Slot, in)
		if err != nil {
			return fmt.Errorf("%w: %w", dvc.ErrSigner, err)
		}
		t.broadcast(t.share(networking.ShareSelectionProof, d.Slot, 0, in.SigningRoot, sig))
	}
	return t.advance(k)
}

func (t *transition) share(typ networking.AggregationShareType, slot phase0.Slot, sub uint64, root phase0.Root, sig phase0.BLSSignature) *networking.AggregationShare {
	return &networking.AggregationShare{Type: uint64(typ), Slot: slot, SubcommitteeIndex: sub, ValidatorIndex: t.cfg.Validator.Index, SigningRoot: root, Signature: sig, ShareIndex: t.cfg.ShareIndex}
}

// dutySubcommittees returns the subcommittees of the duty's positions,
// ascending and without repeats.
func (t *transition) dutySubcommittees(indices []uint64) []uint64 {
	var subs []uint64
	for _, i := range indices {
		s := t.cfg.Chain.ChainConfig().SyncSubcommitteeIndex(i)
		if !slices.Contains(subs, s) {
			subs = append(subs, s)
		}
	}
	slices.Sort(subs)
	return subs
}

func (t *transition) serveSyncContributionDuty(e ServeSyncContributionDuty) error {
	d := e.Duty
	if d == nil {
		return fmt.Errorf("%w: nil sync committee duty", dvc.ErrMalformedEvent)
	}
	if d.Pubkey != t.cfg.Validator.Pubkey || d.ValidatorIndex != t.cfg.Validator.Index {
		return fmt.Errorf("%w: sync committee duty of validator %d", dvc.ErrWrongValidator, d.ValidatorIndex)
	}
	fork, err := t.cfg.Chain.ForkAtSlot(e.Slot)
	if err != nil || fork.Name < eth2spec.DataVersionAltair {
		return fmt.Errorf("%w: no sync committees at slot %d", dvc.ErrMalformedEvent, e.Slot)
	}
	cc := t.cfg.Chain.ChainConfig()
	size := cc.SyncSubcommitteeSize()
	for _, i := range d.ValidatorSyncCommitteeIndices {
		if i >= cc.SyncCommitteeSize {
			return fmt.Errorf("%w: sync committee position %d of %d", dvc.ErrMalformedEvent, i, cc.SyncCommitteeSize)
		}
	}
	subs := t.dutySubcommittees(d.ValidatorSyncCommitteeIndices)
	if len(subs) == 0 || len(e.Subcommittees) != len(subs) {
		return fmt.Errorf("%w: %d subcommittee key lists for the duty's %d subcommittees", dvc.ErrInconsistentOracle, len(e.Subcommittees), len(subs))
	}
	for _, s := range subs {
		if uint64(len(e.Subcommittees[s])) != size {
			return fmt.Errorf("%w: subcommittee %d has %d keys, not %d", dvc.ErrInconsistentOracle, s, len(e.Subcommittees[s]), size)
		}
	}
	for _, i := range d.ValidatorSyncCommitteeIndices {
		if e.Subcommittees[i/size][i%size] != d.Pubkey {
			return fmt.Errorf("%w: sync committee position %d is not the validator's key", dvc.ErrInconsistentOracle, i)
		}
	}
	k := flowKey{flowContribution, e.Slot}
	if f := t.s.flows[k]; f != nil && f.served() {
		return fmt.Errorf("%w: sync contribution duty at slot %d already served", dvc.ErrDutyOutOfOrder, e.Slot)
	}
	t.served(e.Slot)
	f := t.s.own(k)
	f.syncDuty = d
	// Shares stored before the duty for subcommittees the validator is
	// not in are dropped: they would hold the flow back forever.
	for s := range f.parts {
		if !slices.Contains(subs, s) {
			delete(f.parts, s)
		}
	}
	for _, s := range subs {
		p := f.ownPart(s)
		p.keys = slices.Clone(e.Subcommittees[s])
		if pk := e.Parsed[s]; pk.Holds(p.keys) {
			p.parsed = pk
		}
	}
	if t.cfg.Mode == dvc.ModeRemoteSigner {
		for _, s := range subs {
			data := &altair.SyncAggregatorSelectionData{Slot: e.Slot, SubcommitteeIndex: s}
			in, err := t.cfg.Chain.SyncCommitteeSelectionProof(data)
			if err != nil {
				return fmt.Errorf("%w: %w", dvc.ErrMalformedEvent, err)
			}
			sig, err := t.o.Signer.SignSyncSelectionProof(data, in)
			if err != nil {
				return fmt.Errorf("%w: %w", dvc.ErrSigner, err)
			}
			t.broadcast(t.share(networking.ShareSyncSelectionProof, e.Slot, s, in.SigningRoot, sig))
		}
	}
	return t.advance(k)
}

// capturedOwn turns a VC's partial signature into this node's share: it
// must verify under the node's public share; a share already stored is
// not sent again. It returns whether the share is new.
func (t *transition) capturedOwn(k flowKey, s *networking.AggregationShare, stored func(*part) *networking.AggregationShare) (bool, error) {
	if reason, detail := t.outside(s.Slot); reason != "" {
		return false, fmt.Errorf("%w: %s (%s)", dvc.ErrDutyOutOfOrder, detail, reason)
	}
	if t.unservedFull(k) {
		return false, fmt.Errorf("%w: %d slots already wait for their duty (%s)", dvc.ErrDutyOutOfOrder, t.maxUnserved(), dvc.IgnoredStoreFull)
	}
	if err := t.v.VerifyShare(s); err != nil {
		return false, fmt.Errorf("%w: %w", dvc.ErrInvalidShare, err)
	}
	if f := t.s.flows[k]; f != nil && f.parts[s.SubcommitteeIndex] != nil {
		if prev := stored(f.parts[s.SubcommitteeIndex]); prev != nil && prev.Signature == s.Signature {
			t.ignore(dvc.IgnoredAlreadyCaptured, s.Slot, "%s already captured", networking.AggregationShareType(s.Type))
			return false, nil
		}
	}
	t.broadcast(s)
	return true, nil
}

func (t *transition) capturedBeaconCommitteeSelection(e CapturedBeaconCommitteeSelection) error {
	sel := e.Selection
	if sel == nil {
		return fmt.Errorf("%w: missing beacon committee selection", dvc.ErrMalformedEvent)
	}
	if sel.ValidatorIndex != t.cfg.Validator.Index {
		return fmt.Errorf("%w: selection of validator %d", dvc.ErrWrongValidator, sel.ValidatorIndex)
	}
	in, err := t.cfg.Chain.AggregationSlot(sel.Slot)
	if err != nil {
		return fmt.Errorf("%w: %w", dvc.ErrMalformedEvent, err)
	}
	k := flowKey{flowAggregator, sel.Slot}
	s := t.share(networking.ShareSelectionProof, sel.Slot, 0, in.SigningRoot, sel.SelectionProof)
	if _, err := t.capturedOwn(k, s, func(p *part) *networking.AggregationShare { return p.selection[t.cfg.ShareIndex] }); err != nil {
		return err
	}
	// A repeated request is answered again once the proof is combined.
	if f := t.s.flows[k]; f != nil && f.parts[0] != nil && f.parts[0].proof != nil {
		t.emitSelection(k, 0, f.parts[0])
	}
	return nil
}

func (t *transition) capturedSyncCommitteeSelection(e CapturedSyncCommitteeSelection) error {
	sel := e.Selection
	if sel == nil {
		return fmt.Errorf("%w: missing sync committee selection", dvc.ErrMalformedEvent)
	}
	if sel.ValidatorIndex != t.cfg.Validator.Index {
		return fmt.Errorf("%w: selection of validator %d", dvc.ErrWrongValidator, sel.ValidatorIndex)
	}
	if sel.SubcommitteeIndex >= t.cfg.Chain.ChainConfig().SyncCommitteeSubnetCount {
		return fmt.Errorf("%w: subcommittee %d", dvc.ErrMalformedEvent, sel.SubcommitteeIndex)
	}
	in, err := t.cfg.Chain.SyncCommitteeSelectionProof(&altair.SyncAggregatorSelectionData{Slot: sel.Slot, SubcommitteeIndex: sel.SubcommitteeIndex})
	if err != nil {
		return fmt.Errorf("%w: %w", dvc.ErrMalformedEvent, err)
	}
	k := flowKey{flowContribution, sel.Slot}
	s := t.share(networking.ShareSyncSelectionProof, sel.Slot, sel.SubcommitteeIndex, in.SigningRoot, sel.SelectionProof)
	if _, err := t.capturedOwn(k, s, func(p *part) *networking.AggregationShare { return p.selection[t.cfg.ShareIndex] }); err != nil {
		return err
	}
	if f := t.s.flows[k]; f != nil && f.parts[sel.SubcommitteeIndex] != nil && f.parts[sel.SubcommitteeIndex].proof != nil {
		t.emitSelection(k, sel.SubcommitteeIndex, f.parts[sel.SubcommitteeIndex])
	}
	return nil
}

func (t *transition) attestationSubmitted(e AttestationSubmitted) error {
	d := e.Data
	if d == nil || d.Source == nil || d.Target == nil {
		return fmt.Errorf("%w: submitted attestation without data", dvc.ErrMalformedEvent)
	}
	k := flowKey{flowAggregator, d.Slot}
	if f := t.s.flows[k]; f != nil && f.gateData != nil {
		t.ignore(dvc.IgnoredAlreadySubmitted, d.Slot, "attestation of slot %d already submitted", d.Slot)
		return nil
	}
	f := t.s.own(k)
	c := *d
	f.gateData = &c
	return t.advance(k)
}

func (t *transition) syncCommitteeMessageSubmitted(e SyncCommitteeMessageSubmitted) error {
	k := flowKey{flowContribution, e.Slot}
	if f := t.s.flows[k]; f != nil && f.gateRoot != nil {
		t.ignore(dvc.IgnoredAlreadySubmitted, e.Slot, "sync committee message of slot %d already submitted", e.Slot)
		return nil
	}
	f := t.s.own(k)
	r := e.BeaconBlockRoot
	f.gateRoot = &r
	return t.advance(k)
}

// advance takes every step the flow's state allows: combine selection
// proofs (at the threshold, served or not: a selection proof is the slot's
// signature and needs no duty), judge them (is_aggregator, once the duty is
// served), start the consensus (when every proof is judged, one says
// aggregator, and the gate is open), and combine the object's shares (when
// decided).
func (t *transition) advance(k flowKey) error {
	if t.s.flows[k] == nil {
		return nil
	}
	f := t.s.own(k)
	subs := sortedSubs(f)
	for _, s := range subs {
		p := f.parts[s]
		if p.proof == nil && len(p.selection) >= t.cfg.Threshold {
			proof, err := networking.ConstructAggregationSignature(t.v, sortedShares(p.selection))
			if err != nil {
				t.ignore(dvc.IgnoredCombineFailed, k.slot, "%v", err)
				continue
			}
			p = f.ownPart(s)
			p.proof = &proof
			if !f.served() {
				// The answer the validator client waits for; the duty
				// (the committee length) judges it when it is served.
				t.emitSelection(k, s, p)
				continue
			}
		}
		if p.proof != nil && !p.judged && f.served() {
			p = f.ownPart(s)
			p.judged = true
			if k.kind == flowAggregator {
				p.aggregator = t.cfg.Chain.ChainConfig().IsAggregator(f.attDuty.CommitteeLength, *p.proof)
			} else {
				p.aggregator = t.cfg.Chain.ChainConfig().IsSyncCommitteeAggregator(*p.proof)
			}
			t.emitSelection(k, s, p)
		}
		if p.objectRoot != nil && !p.submitted {
			var shares []*networking.AggregationShare
			for _, sh := range sortedShares(p.final) {
				if sh.SigningRoot == *p.objectRoot {
					shares = append(shares, sh)
				}
			}
			if len(shares) >= t.cfg.Threshold {
				sig, err := networking.ConstructAggregationSignature(t.v, shares)
				if err != nil {
					t.ignore(dvc.IgnoredCombineFailed, k.slot, "%v", err)
					continue
				}
				p = f.ownPart(s)
				p.submitted = true
				if k.kind == flowAggregator {
					signed, err := versioned.SignedAggregateAndProofOf(p.aggregate, sig)
					if err != nil {
						t.ignore(dvc.IgnoredCombineFailed, k.slot, "%v", err)
						continue
					}
					t.emit(SubmitAggregateAndProof{Signed: signed})
				} else {
					t.emit(SubmitContributionAndProof{Signed: &altair.SignedContributionAndProof{Message: p.contrib, Signature: sig}})
				}
			}
		}
	}
	if f.started || !f.served() {
		return nil
	}
	var agg []uint64
	for _, s := range subs {
		if !f.parts[s].judged {
			return nil
		}
		if f.parts[s].aggregator {
			agg = append(agg, s)
		}
	}
	if len(agg) == 0 {
		return nil
	}
	switch k.kind {
	case flowAggregator:
		if f.gateData == nil {
			return nil
		}
		d := f.attDuty
		fork, err := t.cfg.Chain.ForkAtSlot(k.slot)
		if err != nil {
			return fmt.Errorf("%w: %w", dvc.ErrMalformedEvent, err)
		}
		if f.gateData.Slot != d.Slot || (fork.Name < eth2spec.DataVersionElectra && f.gateData.Index != d.CommitteeIndex) {
			f.started = true
			t.ignore(IgnoredGateMismatch, k.slot, "submitted data of slot %d committee %d, duty committee %d", f.gateData.Slot, f.gateData.Index, d.CommitteeIndex)
			return nil
		}
		f.started = true
		t.emit(StartAggregateConsensus{ID: t.id(k.kind, k.slot), Validity: consensus.AggregateValidity{
			Data: f.gateData, CommitteeIndex: d.CommitteeIndex, Committee: f.parts[0].keys, Parsed: f.parts[0].parsed,
		}})
	case flowContribution:
		if f.gateRoot == nil {
			return nil
		}
		f.started = true
		vs := make([]consensus.ContributionValidity, 0, len(agg))
		for _, s := range agg {
			vs = append(vs, consensus.ContributionValidity{Slot: k.slot, SubcommitteeIndex: s, BeaconBlockRoot: *f.gateRoot, Subcommittee: f.parts[s].keys, Parsed: f.parts[s].parsed})
		}
		t.emit(StartContributionConsensus{ID: t.id(k.kind, k.slot), Validity: vs})
	}
	return nil
}

func (t *transition) emitSelection(k flowKey, sub uint64, p *part) {
	if k.kind == flowAggregator {
		t.emit(BeaconCommitteeSelectionCombined{Served: p.judged, IsAggregator: p.aggregator, Selection: &apiv1BeaconCommitteeSelection{
			ValidatorIndex: t.cfg.Validator.Index, Slot: k.slot, SelectionProof: *p.proof,
		}})
		return
	}
	t.emit(SyncCommitteeSelectionCombined{Served: p.judged, IsAggregator: p.aggregator, Selection: &ethnode.SyncCommitteeSelection{
		ValidatorIndex: t.cfg.Validator.Index, Slot: k.slot, SubcommitteeIndex: sub, SelectionProof: *p.proof,
	}})
}

func sortedSubs(f *flow) []uint64 {
	var subs []uint64
	for s := range f.parts {
		subs = append(subs, s)
	}
	slices.Sort(subs)
	return subs
}

func sortedShares(m map[uint64]*networking.AggregationShare) []*networking.AggregationShare {
	idx := make([]uint64, 0, len(m))
	for i := range m {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	out := make([]*networking.AggregationShare, 0, len(m))
	for _, i := range idx {
		out = append(out, m[i])
	}
	return out
}

// decidedFlow returns the started, undecided flow of a decision, marking it
// decided, or nil (after an Ignored) when there is none.
func (t *transition) decidedFlow(id consensus.InstanceID, kind flowKind, d consensus.DutyType) (*flow, error) {
	if id.Cluster != t.cfg.Cluster || id.Validator != t.cfg.Validator.Pubkey {
		return nil, fmt.Errorf("%w: instance %s", dvc.ErrWrongValidator, id)
	}
	if id.DutyType != uint64(d) {
		return nil, fmt.Errorf("%w: instance %s is not a %s instance", dvc.ErrMalformedEvent, id, d)
	}
	k := flowKey{kind, id.Slot}
	if f := t.s.flows[k]; f == nil || !f.started || f.decided {
		t.ignore(dvc.IgnoredNoInstance, id.Slot, "no undecided %s instance at slot %d", d, id.Slot)
		return nil, nil
	}
	f := t.s.own(k)
	f.decided = true
	return f, nil
}

func (t *transition) aggregateConsensusDecided(e AggregateConsensusDecided) error {
	if e.Aggregate == nil {
		return fmt.Errorf("%w: missing decided aggregate", dvc.ErrMalformedEvent)
	}
	f, err := t.decidedFlow(e.ID, flowAggregator, consensus.DutyAggregator)
	if f == nil {
		return err
	}
	v := consensus.AggregateValidity{Data: f.gateData, CommitteeIndex: f.attDuty.CommitteeIndex, Committee: f.parts[0].keys, Parsed: f.parts[0].parsed}
	if err := consensus.IsValidAggregate(t.cfg.Chain, e.Aggregate, v); err != nil {
		t.ignore(dvc.IgnoredDecidedInvalid, e.ID.Slot, "%v", err)
		return nil
	}
	p := f.ownPart(0)
	ap, err := versioned.AggregateAndProofOf(t.cfg.Validator.Index, e.Aggregate, *p.proof)
	if err != nil {
		t.ignore(dvc.IgnoredDecidedInvalid, e.ID.Slot, "%v", err)
		return nil
	}
	in, err := t.cfg.Chain.AggregateAndProof(ap)
	if err != nil {
		t.ignore(dvc.IgnoredDecidedInvalid, e.ID.Slot, "%v", err)
		return nil
	}
	p.aggregate, p.objectRoot = ap, &in.SigningRoot
	switch t.cfg.Mode {
	case dvc.ModeRemoteSigner:
		sig, err := t.o.Signer.SignAggregateAndProof(ap, in)
		if err != nil {
			return fmt.Errorf("%w: %w", dvc.ErrSigner, err)
		}
		t.broadcast(t.share(networking.ShareAggregateAndProof, e.ID.Slot, 0, in.SigningRoot, sig))
	case dvc.ModeVCMiddleware:
		t.emit(CacheAggregateAndProofForVC{AggregateAndProof: ap})
	}
	return t.advance(flowKey{flowAggregator, e.ID.Slot})
}

func (t *transition) contributionConsensusDecided(e ContributionConsensusDecided) error {
	f, err := t.decidedFlow(e.ID, flowContribution, consensus.DutySyncContribution)
	if f == nil {
		return err
	}
	var vs []consensus.ContributionValidity
	var subs []uint64
	for _, s := range sortedSubs(f) {
		if f.parts[s].aggregator {
			subs = append(subs, s)
			vs = append(vs, consensus.ContributionValidity{Slot: e.ID.Slot, SubcommitteeIndex: s, BeaconBlockRoot: *f.gateRoot, Subcommittee: f.parts[s].keys, Parsed: f.parts[s].parsed})
		}
	}
	if err := consensus.IsValidContributions(t.cfg.Chain, e.Contributions, vs); err != nil {
		t.ignore(dvc.IgnoredDecidedInvalid, e.ID.Slot, "%v", err)
		return nil
	}
	for i, s := range subs {
		p := f.ownPart(s)
		cp := &altair.ContributionAndProof{AggregatorIndex: t.cfg.Validator.Index, Contribution: e.Contributions[i], SelectionProof: *p.proof}
		in, err := t.cfg.Chain.ContributionAndProof(cp)
		if err != nil {
			t.ignore(dvc.IgnoredDecidedInvalid, e.ID.Slot, "%v", err)
			continue
		}
		p.contrib, p.objectRoot = cp, &in.SigningRoot
		switch t.cfg.Mode {
		case dvc.ModeRemoteSigner:
			sig, err := t.o.Signer.SignContributionAndProof(cp, in)
			if err != nil {
				return fmt.Errorf("%w: %w", dvc.ErrSigner, err)
			}
			t.broadcast(t.share(networking.ShareContributionAndProof, e.ID.Slot, s, in.SigningRoot, sig))
		case dvc.ModeVCMiddleware:
			t.emit(CacheContributionAndProofForVC{ContributionAndProof: cp})
		}
	}
	return t.advance(flowKey{flowContribution, e.ID.Slot})
}

func (t *transition) capturedAggregateAndProof(e CapturedAggregateAndProof) error {
	sp, err := splitSignedAggregateAndProof(e.Signed)
	if err != nil {
		return fmt.Errorf("%w: %w", dvc.ErrMalformedEvent, err)
	}
	if sp.aggregator != t.cfg.Validator.Index {
		return fmt.Errorf("%w: aggregate and proof of validator %d", dvc.ErrWrongValidator, sp.aggregator)
	}
	in, err := t.cfg.Chain.AggregateAndProof(sp.message)
	if err != nil {
		return fmt.Errorf("%w: %w", dvc.ErrMalformedEvent, err)
	}
	slot, sig := sp.slot, sp.signature
	k := flowKey{flowAggregator, slot}
	f := t.s.flows[k]
	if f == nil || f.parts[0] == nil || f.parts[0].objectRoot == nil || *f.parts[0].objectRoot != in.SigningRoot {
		return fmt.Errorf("%w: no decided aggregate and proof with signing root %#x at slot %d", dvc.ErrNotDecided, in.SigningRoot[:4], slot)
	}
	s := t.share(networking.ShareAggregateAndProof, slot, 0, in.SigningRoot, sig)
	_, err = t.capturedOwn(k, s, func(p *part) *networking.AggregationShare { return p.final[t.cfg.ShareIndex] })
	return err
}

func (t *transition) capturedContributionAndProof(e CapturedContributionAndProof) error {
	sc := e.Signed
	if sc == nil || sc.Message == nil || sc.Message.Contribution == nil {
		return fmt.Errorf("%w: missing signed contribution and proof", dvc.ErrMalformedEvent)
	}
	cp := sc.Message
	if cp.AggregatorIndex != t.cfg.Validator.Index {
		return fmt.Errorf("%w: contribution and proof of validator %d", dvc.ErrWrongValidator, cp.AggregatorIndex)
	}
	in, err := t.cfg.Chain.ContributionAndProof(cp)
	if err != nil {
		return fmt.Errorf("%w: %w", dvc.ErrMalformedEvent, err)
	}
	slot, sub := cp.Contribution.Slot, cp.Contribution.SubcommitteeIndex
	k := flowKey{flowContribution, slot}
	f := t.s.flows[k]
	if f == nil || f.parts[sub] == nil || f.parts[sub].objectRoot == nil || *f.parts[sub].objectRoot != in.SigningRoot {
		return fmt.Errorf("%w: no decided contribution and proof with signing root %#x at slot %d", dvc.ErrNotDecided, in.SigningRoot[:4], slot)
	}
	s := t.share(networking.ShareContributionAndProof, slot, sub, in.SigningRoot, sc.Signature)
	_, err = t.capturedOwn(k, s, func(p *part) *networking.AggregationShare { return p.final[t.cfg.ShareIndex] })
	return err
}

// maxUnserved bounds, per flow kind, the slots whose shares are held
// before their duty is served (two epochs: a validator client asks for
// the selection proofs of the current and the next epoch at once).
func (t *transition) maxUnserved() int { return int(2 * t.cfg.Chain.SlotsPerEpoch) }

// outside tells why shares of slot are not held (an ignore reason and its
// detail), or "" when they are: from an epoch before the latest served
// duty to the end of the second epoch after that duty's epoch. A validator
// attests once an epoch, so its latest duty may be early in the epoch
// before the current one while its VC asks for the next epoch's.
func (t *transition) outside(slot phase0.Slot) (dvc.IgnoreReason, string) {
	if l := t.s.latest; l != nil {
		spe := t.cfg.Chain.SlotsPerEpoch
		if uint64(slot)/spe > uint64(*l)/spe+2 {
			return dvc.IgnoredBeyondHorizon, fmt.Sprintf("slot %d beyond the second epoch after latest duty slot %d", slot, *l)
		}
		if uint64(slot)+spe < uint64(*l) {
			return dvc.IgnoredSlotCompleted, fmt.Sprintf("slot %d more than an epoch before %d", slot, *l)
		}
	}
	return "", ""
}

// unservedFull reports whether a new flow k would exceed maxUnserved flows
// of its kind that wait for their duty.
func (t *transition) unservedFull(k flowKey) bool {
	if t.s.flows[k] != nil {
		return false
	}
	n := 0
	for fk, f := range t.s.flows {
		if fk.kind == k.kind && !f.served() {
			n++
		}
	}
	return n >= t.maxUnserved()
}

// receivedAggregationShare admits a share: for this validator (error),
// from an epoch before the latest served duty to the end of the second
// epoch after its epoch
// (Ignored), the first of its signer for its object (Ignored), of the
// decided object where the node knows it (error), valid under its signer's
// public share (error); then the flow advances.
func (t *transition) receivedAggregationShare(s *networking.AggregationShare) error {
	if s == nil {
		return fmt.Errorf("%w: nil share", dvc.ErrMalformedEvent)
	}
	if s.ValidatorIndex != t.cfg.Validator.Index {
		return fmt.Errorf("%w: share for validator %d, this is validator %d", dvc.ErrWrongValidator, s.ValidatorIndex, t.cfg.Validator.Index)
	}
	if reason, detail := t.outside(s.Slot); reason != "" {
		t.ignore(reason, s.Slot, "%s", detail)
		return nil
	}
	var k flowKey
	final := false
	switch networking.AggregationShareType(s.Type) {
	case networking.ShareSelectionProof:
		k = flowKey{flowAggregator, s.Slot}
	case networking.ShareAggregateAndProof:
		k, final = flowKey{flowAggregator, s.Slot}, true
	case networking.ShareSyncSelectionProof:
		k = flowKey{flowContribution, s.Slot}
	case networking.ShareContributionAndProof:
		k, final = flowKey{flowContribution, s.Slot}, true
	default:
		return fmt.Errorf("%w: %w: unknown aggregation share type %d", dvc.ErrInvalidShare, networking.ErrMalformedShare, s.Type)
	}
	if t.unservedFull(k) {
		t.ignore(dvc.IgnoredStoreFull, s.Slot, "%d slots already wait for their duty", t.maxUnserved())
		return nil
	}
	f := t.s.flows[k]
	if f != nil && f.syncDuty != nil && f.parts[s.SubcommitteeIndex] == nil {
		t.ignore(dvc.IgnoredShareFiltered, s.Slot, "subcommittee %d is not the validator's", s.SubcommitteeIndex)
		return nil
	}
	var p *part
	if f != nil {
		p = f.parts[s.SubcommitteeIndex]
	}
	if p != nil {
		book := p.selection
		if final {
			book = p.final
		}
		if prev := book[s.ShareIndex]; prev != nil {
			reason := dvc.IgnoredDuplicateShare
			if prev.SigningRoot != s.SigningRoot {
				reason = dvc.IgnoredSignerEquivocated
			}
			t.ignore(reason, s.Slot, "%s from share index %d", networking.AggregationShareType(s.Type), s.ShareIndex)
			return nil
		}
		if final && p.objectRoot != nil && *p.objectRoot != s.SigningRoot {
			return fmt.Errorf("%w: %w: %s from share index %d signs %#x, decided %#x", dvc.ErrInvalidShare, dvc.ErrFieldsDiffer, networking.AggregationShareType(s.Type), s.ShareIndex, s.SigningRoot[:4], p.objectRoot[:4])
		}
	}
	if err := t.v.VerifyShare(s); err != nil {
		return fmt.Errorf("%w: %w", dvc.ErrInvalidShare, err)
	}
	p = t.s.own(k).ownPart(s.SubcommitteeIndex)
	if final {
		p.final[s.ShareIndex] = s
	} else {
		p.selection[s.ShareIndex] = s
	}
	return t.advance(k)
}
