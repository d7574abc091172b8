package spectests

import (
	"crypto/ed25519"

	bitfield "github.com/OffchainLabs/go-bitfield"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus/qbft"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec/dvc"
)

// Broken implementations of the qbft, dvc and networking runners, each
// with one bug a real client could have (TestBrokenImplementationsAreCaught).

// --- qbft ---------------------------------------------------------------------

// earlyCommitQBFT sends its COMMIT when it has accepted a proposal and
// holds PREPAREs for it from Quorum(N)-1 senders: the prepare quorum
// reduced by one.
type earlyCommitQBFT struct{ GoSpec }

type earlyCommit struct {
	GoQBFTInstance
	signer qbft.Signer
	sent   map[uint64]bool
}

func (b earlyCommitQBFT) NewQBFTInstance(cfg QBFTConfig) (QBFTInstance, error) {
	i, err := b.GoSpec.NewQBFTInstance(cfg)
	if err != nil {
		return nil, err
	}
	return &earlyCommit{i.(GoQBFTInstance), qbft.Ed25519Signer{Key: ed25519.NewKeyFromSeed(cfg.SelfSeed[:])}, map[uint64]bool{}}, nil
}

func (b earlyCommitQBFT) RestoreQBFTInstance(cfg QBFTConfig, snap []byte) (QBFTInstance, error) {
	i, err := b.GoSpec.RestoreQBFTInstance(cfg, snap)
	if err != nil {
		return nil, err
	}
	return &earlyCommit{i.(GoQBFTInstance), qbft.Ed25519Signer{Key: ed25519.NewKeyFromSeed(cfg.SelfSeed[:])}, map[uint64]bool{}}, nil
}

func (e *earlyCommit) after(out []QBFTOutput, err error) ([]QBFTOutput, error) {
	if err != nil {
		return out, err
	}
	s := e.I.Snapshot()
	for _, o := range out {
		if o.Kind == "broadcast" {
			if m, err := qbft.DecodeSignedMessage(o.Message); err == nil && m.Message.Type == qbft.MsgCommit {
				e.sent[m.Message.Round] = true
			}
		}
	}
	if len(s.AcceptedDigest) != 1 || len(s.DecidedRound) == 1 || e.sent[s.Round] || (len(s.CommittedRound) == 1 && s.CommittedRound[0] >= s.Round) {
		return out, nil
	}
	prepares := uint64(0)
	for _, m := range s.Messages {
		if m.Message.Type == qbft.MsgPrepare && m.Message.Round == s.Round && m.Message.Digest == s.AcceptedDigest[0] {
			prepares++
		}
	}
	if prepares+1 < qbft.Quorum(s.N) {
		return out, nil
	}
	c := &qbft.SignedMessage{Message: qbft.Message{Type: qbft.MsgCommit, Instance: s.Instance, Round: s.Round, Sender: s.Self, Digest: s.AcceptedDigest[0]}}
	sig, err := qbft.Sign(&c.Message, e.signer)
	if err != nil {
		return nil, err
	}
	c.Signature = sig
	enc, err := c.MarshalSSZ()
	if err != nil {
		return nil, err
	}
	e.sent[s.Round] = true
	return append(out, QBFTOutput{Kind: "broadcast", Message: enc}), nil
}

func (e *earlyCommit) Start() ([]QBFTOutput, error) { return e.after(e.GoQBFTInstance.Start()) }
func (e *earlyCommit) SetOwnValue(v []byte) ([]QBFTOutput, error) {
	return e.after(e.GoQBFTInstance.SetOwnValue(v))
}
func (e *earlyCommit) Receive(m []byte) ([]QBFTOutput, error) {
	return e.after(e.GoQBFTInstance.Receive(m))
}
func (e *earlyCommit) Timeout(r uint64) ([]QBFTOutput, error) {
	return e.after(e.GoQBFTInstance.Timeout(r))
}

// doubleCommitQBFT sends its COMMIT again when another PREPARE of a round
// it committed in arrives: more than one COMMIT per round.
type doubleCommitQBFT struct{ GoSpec }

type doubleCommit struct{ GoQBFTInstance }

func (b doubleCommitQBFT) NewQBFTInstance(cfg QBFTConfig) (QBFTInstance, error) {
	i, err := b.GoSpec.NewQBFTInstance(cfg)
	if err != nil {
		return nil, err
	}
	return doubleCommit{i.(GoQBFTInstance)}, nil
}

func (b doubleCommitQBFT) RestoreQBFTInstance(cfg QBFTConfig, snap []byte) (QBFTInstance, error) {
	i, err := b.GoSpec.RestoreQBFTInstance(cfg, snap)
	if err != nil {
		return nil, err
	}
	return doubleCommit{i.(GoQBFTInstance)}, nil
}

// Receive sends the node's COMMIT of the round again when a PREPARE of a
// round it committed in arrives and changes nothing.
func (d doubleCommit) Receive(wire []byte) ([]QBFTOutput, error) {
	out, err := d.GoQBFTInstance.Receive(wire)
	if err != nil || len(out) > 0 {
		return out, err
	}
	m, err := qbft.DecodeSignedMessage(wire)
	if err != nil || m.Message.Type != qbft.MsgPrepare {
		return out, nil
	}
	s := d.I.Snapshot()
	for _, c := range s.Messages {
		if c.Message.Type == qbft.MsgCommit && c.Message.Sender == s.Self && c.Message.Round == m.Message.Round {
			enc, err := c.MarshalSSZ()
			if err != nil {
				return nil, err
			}
			return []QBFTOutput{{Kind: "broadcast", Message: enc}}, nil
		}
	}
	return out, nil
}

// --- dvc ----------------------------------------------------------------------

// dafnyBitsDVC forms its attestation shares' aggregation bits as the Dafny
// get_aggregation_bits(validator_index) does: validator_index bits with the
// last set, instead of committee_length bits with
// validator_committee_index set (amendment A1).
type dafnyBitsDVC struct{ GoSpec }

type dafnyBits struct{ *GoDVC }

func (b dafnyBitsDVC) NewDVC(cfg DVCConfig, pre []byte) (DVC, error) {
	d, err := b.GoSpec.NewDVC(cfg, pre)
	if err != nil {
		return nil, err
	}
	return dafnyBits{d.(*GoDVC)}, nil
}

func (d dafnyBits) Step(ev DVCEvent) ([]DVCOutput, error) {
	out, err := d.GoDVC.Step(ev)
	if err != nil {
		return out, err
	}
	for i, o := range out {
		if o.Name != "broadcast" || o.MessageKind != networking.KindAttestationShare.String() {
			continue
		}
		s := new(networking.AttestationShare)
		if err := s.UnmarshalSSZ(o.Message); err != nil {
			return nil, err
		}
		bools := dvc.DafnyAggregationBits(uint64(s.ValidatorIndex))
		bits := bitfield.NewBitlist(uint64(len(bools)))
		for j, b := range bools {
			bits.SetBitAt(uint64(j), b)
		}
		s.AggregationBits = bits
		if out[i].Message, err = s.MarshalSSZ(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// resubmitDVC submits the combined attestation again for every share that
// arrives after the threshold, duplicates included, as the Dafny model
// does (amendment A5 submits once).
type resubmitDVC struct{ GoSpec }

type resubmit struct{ *GoDVC }

func (b resubmitDVC) NewDVC(cfg DVCConfig, pre []byte) (DVC, error) {
	d, err := b.GoSpec.NewDVC(cfg, pre)
	if err != nil {
		return nil, err
	}
	return resubmit{d.(*GoDVC)}, nil
}

func (d resubmit) Step(ev DVCEvent) ([]DVCOutput, error) {
	out, err := d.GoDVC.Step(ev)
	if err != nil || ev.Name != "received_attestation_share" {
		return out, err
	}
	for i, o := range out {
		if o.Name != "ignored" || (o.Reason != string(dvc.IgnoredAlreadySubmitted) && o.Reason != string(dvc.IgnoredDuplicateShare)) {
			continue
		}
		// Combine the slot's combined bucket again from the stored shares.
		snap := d.St.Snapshot().Attester
		var root phase0.Root
		for _, b := range snap.CombinedMessages {
			if uint64(b.Slot) == o.Slot {
				root = b.MessageRoot
			}
		}
		var shares []*networking.AttestationShare
		for _, s := range snap.ReceivedShares {
			if r, err := s.MessageRoot(); err == nil && r == root {
				shares = append(shares, s)
			}
		}
		v := networking.Verifier{Chain: d.Cfg.Chain, ValidatorPubkey: d.Cfg.Validator.Pubkey, PublicShares: d.Cfg.PublicShares, Threshold: d.Cfg.Threshold}
		att, err := networking.ConstructSignedAttestation(v, shares)
		if err != nil {
			continue
		}
		r, err := EncodeSignedAttestation(att)
		if err != nil {
			return nil, err
		}
		out[i] = DVCOutput{Name: "submit_attestation", AttestationFork: att.Version.String(), Attestation: r.Combined}
	}
	return out, nil
}

// --- networking ---------------------------------------------------------------

// unverifiedCombiner combines shares without verifying them or the result
// (the Dafny construct oracle trusted with unverified shares, amendment
// A4): its verifier accepts every signature.
type unverifiedCombiner struct{ GoSpec }

func (unverifiedCombiner) CombineShares(req CombineRequest) (CombineResult, error) {
	chain, err := SpecPresetChain(req.Chain, req.Preset)
	if err != nil {
		return CombineResult{}, err
	}
	pubs := map[uint64]phase0.BLSPubKey{}
	for _, p := range req.PublicShares {
		pubs[p.Index] = p.PublicKey
	}
	v := networking.Verifier{Chain: chain, ValidatorPubkey: req.ValidatorPublicKey, PublicShares: pubs, Threshold: req.Threshold,
		Verify: func(phase0.BLSPubKey, []byte, phase0.BLSSignature) bool { return true }}
	msgs := make([]networking.Message, 0, len(req.Shares))
	for _, b := range req.Shares {
		m, err := DecodeShare(req.Kind, b)
		if err != nil {
			return CombineResult{}, err
		}
		msgs = append(msgs, m)
	}
	return CombineWith(v, req.Kind, msgs)
}
