package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/impl/trace"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

// errNeedSignature is what the loop's signer answers when it does not have
// the signature yet: the step fails without effect and is repeated once the
// signature is there.
var errNeedSignature = errors.New("node: signature requested")

type sigKey struct {
	kind dvc.SignKind
	root phase0.Root
}

type sigResult struct {
	sig phase0.BLSSignature
	err error
}

// sigRequest is one signing the DVC asked for.
type sigRequest struct {
	key   sigKey
	in    signing.SigningInput
	epoch phase0.Epoch // RANDAO
	slot  phase0.Slot  // sync committee message
	root  phase0.Root  // sync committee message: the beacon block root
	data  *phase0.AttestationData
	block *eth2spec.VersionedBeaconBlock
}

// loopSigner is the dvc.Signer of one step: it answers from the
// validator's signatures obtained so far and records what is missing.
type loopSigner struct {
	v       *validator
	missing *sigRequest
}

func (s *loopSigner) lookup(req *sigRequest) (phase0.BLSSignature, error) {
	if r, ok := s.v.sigs[req.key]; ok {
		return r.sig, r.err
	}
	s.missing = req
	return phase0.BLSSignature{}, errNeedSignature
}

func (s *loopSigner) SignAttestation(data *phase0.AttestationData, in signing.SigningInput) (phase0.BLSSignature, error) {
	return s.lookup(&sigRequest{key: sigKey{dvc.SignAttestation, in.SigningRoot}, in: in, data: data})
}

func (s *loopSigner) SignRandaoReveal(epoch phase0.Epoch, in signing.SigningInput) (phase0.BLSSignature, error) {
	return s.lookup(&sigRequest{key: sigKey{dvc.SignRandaoReveal, in.SigningRoot}, in: in, epoch: epoch})
}

func (s *loopSigner) SignBlock(block *eth2spec.VersionedBeaconBlock, in signing.SigningInput) (phase0.BLSSignature, error) {
	return s.lookup(&sigRequest{key: sigKey{dvc.SignBlock, in.SigningRoot}, in: in, block: block})
}

func (s *loopSigner) SignSyncCommitteeMessage(slot phase0.Slot, root phase0.Root, in signing.SigningInput) (phase0.BLSSignature, error) {
	return s.lookup(&sigRequest{key: sigKey{dvc.SignSyncCommitteeMessage, in.SigningRoot}, in: in, slot: slot, root: root})
}

// deliver gives an event to a validator's state machine, after the events
// that wait for a signature.
func (n *Node) deliver(v *validator, ev dvc.Event) {
	if v.blocked != nil {
		v.backlog = append(v.backlog, ev)
		return
	}
	n.step(v, ev)
}

// CaptureRefused is a validator client's submission the DVC took without
// effect because its duty is over (an Ignored output, not an error of the
// step); the VC-facing API answers it with StatusCode.
type CaptureRefused struct {
	Reason string
	Detail string
}

func (e *CaptureRefused) Error() string { return "node: " + e.Reason + ": " + e.Detail }

// StatusCode is the beacon API's status of the refusal.
func (e *CaptureRefused) StatusCode() int { return http.StatusBadRequest }

// deliverCaptured is deliver for an event of the validator client, whose
// step's error goes back to it (done gets exactly one value). In
// VC-middleware mode nothing blocks on a signer, so the event is stepped
// at once unless earlier events wait.
func (n *Node) deliverCaptured(v *validator, ev dvc.Event, done chan<- error) {
	if n.captureAggregation(v, ev, done) {
		return
	}
	if v.blocked != nil {
		done <- errors.New("node: the validator's state machine is busy, try again")
		return
	}
	n.lastOuts = nil
	err := n.step(v, ev)
	if err == nil {
		// A submission for a duty that is over changes nothing: the VC
		// hears it, as a beacon node would refuse a late message, and does
		// not take it for a success.
		for _, o := range n.lastOuts {
			if ig, ok := o.(dvc.Ignored); ok && ig.Reason == dvc.IgnoredSlotCompleted {
				err = &CaptureRefused{Reason: string(ig.Reason), Detail: ig.Detail}
			}
		}
	}
	n.lastOuts = nil
	done <- err
}

// errSpecPanic: spec/dvc.Step panicked. Step does not recover (a panic is
// a bug in the spec, never a refused input); the node does, so that one
// event, perhaps from a peer, cannot stop every validator it runs. The
// event is dropped, the state kept, and the bug logged with its stack
// under a kind of its own that no vector has.
var errSpecPanic = errors.New("node: spec/dvc.Step panicked (a bug in the spec)")

func stepSpec(cfg *dvc.Config, st *dvc.State, ev dvc.Event, o dvc.Oracles) (next *dvc.State, outs []dvc.Output, err error) {
	defer func() {
		if r := recover(); r != nil {
			next, outs, err = st, nil, fmt.Errorf("%w: %v\n%s", errSpecPanic, r, debug.Stack())
		}
	}()
	return dvc.Step(cfg, st, ev, o)
}

// MaxPeerBacklog bounds the events from peers that wait behind a validator's
// event blocked on its signer; beyond it a peer's share is dropped (the
// node's own events always wait).
const MaxPeerBacklog = 4096

// deliverFromPeer is deliver for an event a peer sent. A peer's event does
// not wait behind the validator's own event blocked on its signer: it is
// stepped at once unless it needs a signature itself. Peers' messages
// arrive in no particular order relative to the node's own events, so
// stepping one earlier is an order the network could have produced (the
// trace records the order taken); waiting cost a whole signer round trip
// per blocked decision: with consensus per slot a validator's attestation
// and sync committee decisions land together, and the peers' attestation
// shares waited behind the sync committee signature.
func (n *Node) deliverFromPeer(from uint64, v *validator, ev dvc.Event) {
	if v.blocked == nil {
		n.step(v, ev)
		return
	}
	if waits, _ := n.stepOrWait(v, ev, false); !waits {
		return
	}
	if len(v.backlog) >= MaxPeerBacklog {
		n.cfg.Metrics.Dropped(MsgShare, "backlog_full")
		n.cfg.Metrics.QueueDropped("validator_backlog")
		n.drops.dropped(from, MsgShare, "backlog_full", nil, nil)
		return
	}
	v.backlog = append(v.backlog, ev)
}

// step runs one transition of v and carries out its outputs; it returns
// the state machine's refusal (nil when the event was taken or is waiting
// for a signature).
func (n *Node) step(v *validator, ev dvc.Event) error {
	_, err := n.stepOrWait(v, ev, true)
	return err
}

// stepOrWait is step that reports whether the event needs a signature not
// there yet (waits). With request, the validator then blocks on ev and the
// signature is asked for; without, the step has had no effect and the
// caller keeps the event.
func (n *Node) stepOrWait(v *validator, ev dvc.Event, request bool) (waits bool, _ error) {
	signer := &loopSigner{v: v}
	next, outs, err := stepSpec(v.cfg, v.st, ev, dvc.Oracles{Signer: signer, Verify: n.bls.Verify, Recover: n.bls.Recover})
	if err != nil && signer.missing != nil && errors.Is(err, errNeedSignature) {
		if request {
			v.blocked = ev
			n.requestSignature(v, signer.missing)
		}
		return true, nil
	}
	if signer.missing == nil {
		// Signatures used (or refused) by this step are not needed again.
		for _, o := range outs {
			if s, ok := o.(dvc.Signed); ok {
				delete(v.sigs, sigKey{s.Kind, s.Input.SigningRoot})
			}
		}
	}
	if n.cfg.Tracer != nil {
		post := next
		if err != nil {
			post = v.st
		}
		n.cfg.Tracer.Step(n.cfg.Self, v.cfg, ev, outs, err, post)
	}
	if err != nil {
		// Metrics and logs name the refusal as traces and vectors do
		// (spec/names), so one vocabulary covers all three.
		kind, cause := trace.ErrorNames(err)
		lvl := slog.LevelDebug
		switch {
		case errors.Is(err, errSpecPanic):
			kind, lvl = "spec_panic", slog.LevelError
		case errors.Is(err, dvc.ErrSigner) || errors.Is(err, dvc.ErrMalformedEvent) || errors.Is(err, dvc.ErrDutyOutOfOrder):
			lvl = slog.LevelWarn
		}
		n.cfg.Metrics.Step(ev.EventName(), kind)
		n.log.Log(context.Background(), lvl, "event rejected", "validator", v.index, "event", ev.EventName(), "error", kind, "cause", cause, "err", err)
		if errors.Is(err, dvc.ErrSigner) {
			// The refusal is final for this signing root.
			for k, r := range v.sigs {
				if r.err != nil {
					delete(v.sigs, k)
				}
			}
		}
		return false, err
	}
	n.cfg.Metrics.Step(ev.EventName(), "")
	v.st = next
	n.lastOuts = outs
	n.execute(v, outs)
	return false, nil
}

// drain steps the events that waited for a signature.
func (n *Node) drain(v *validator) {
	for v.blocked == nil && len(v.backlog) > 0 {
		ev := v.backlog[0]
		v.backlog[0] = nil
		v.backlog = v.backlog[1:]
		_ = n.step(v, ev)
	}
}

// requestSignature obtains a signature in a worker: the slashing-DB record
// first when the node records for its signer, then the remote signer. The
// blocked event is stepped again with the answer (a refusal included:
// spec/dvc then rejects the event with ErrSigner and the trace shows it).
func (n *Node) requestSignature(v *validator, req *sigRequest) {
	go func() {
		select {
		case n.signSem <- struct{}{}:
		case <-n.ctx.Done():
			return
		}
		start := n.now()
		sig, err := n.sign(v, req)
		<-n.signSem
		n.cfg.Metrics.Signed(req.key.kind.String(), n.now().Sub(start), err)
		if err != nil && n.ctx.Err() == nil {
			n.log.Warn("signing failed", "validator", v.index, "kind", req.key.kind, "err", err)
		}
		result := func() {
			v.sigs[req.key] = sigResult{sig: sig, err: err}
			ev := v.blocked
			v.blocked = nil
			if ev != nil {
				n.step(v, ev)
			}
			n.drain(v)
		}
		if err != nil {
			n.post(result)
			return
		}
		// The share comes back to this node's state machine, which checks
		// it: check it in the batch verifier first. A sync committee
		// message share goes to the low lane, after the slot's attestation
		// and proposal shares and, when they are queued together, in one
		// pairing equation with the peers' shares of the slot; peers'
		// events do not wait for it (deliverFromPeer).
		low := req.key.kind == dvc.SignSyncCommitteeMessage
		n.bv.submit(verifyJob{pk: v.sharePub, root: req.in.SigningRoot, sig: sig, low: low, done: func() { n.post(result) }})
	}()
}

// sign makes the signing request, retrying transient failures within the
// sign timeout.
func (n *Node) sign(v *validator, req *sigRequest) (phase0.BLSSignature, error) {
	ctx, cancel := context.WithTimeout(n.ctx, n.cfg.SignTimeout)
	defer cancel()
	chain := n.cfg.Chain
	var (
		epoch phase0.Epoch
		err   error
	)
	switch req.key.kind {
	case dvc.SignAttestation:
		epoch = req.data.Target.Epoch
	case dvc.SignRandaoReveal:
		epoch = req.epoch
	case dvc.SignBlock:
		var slot phase0.Slot
		if slot, err = req.block.Slot(); err == nil {
			epoch, err = chain.EpochAtSlot(slot)
		}
	case dvc.SignSyncCommitteeMessage:
		epoch, err = chain.EpochAtSlot(req.slot)
	}
	if err != nil {
		return phase0.BLSSignature{}, err
	}
	fi, err := ethnode.ForkInfoAt(chain.Forks, chain.GenesisValidatorsRoot, epoch)
	if err != nil {
		return phase0.BLSSignature{}, err
	}
	root := req.in.SigningRoot
	var sr *ethnode.SignRequest
	switch req.key.kind {
	case dvc.SignAttestation:
		sr = ethnode.NewAttestationSignRequest(fi, req.data, &root)
	case dvc.SignRandaoReveal:
		sr = ethnode.NewRandaoRevealSignRequest(fi, req.epoch, &root)
	case dvc.SignBlock:
		if sr, err = ethnode.NewBlockSignRequest(n.cfg.Chain, fi, req.block, &root); err != nil {
			return phase0.BLSSignature{}, err
		}
	case dvc.SignSyncCommitteeMessage:
		sr = ethnode.NewSyncCommitteeMessageSignRequest(fi, req.slot, req.root, &root)
	}
	if n.cfg.RecordBeforeSign {
		if err := n.record(v, req); err != nil {
			return phase0.BLSSignature{}, err
		}
	}
	for attempt := 0; ; attempt++ {
		sig, err := n.cfg.Signer.Sign(ctx, v.sharePub, sr)
		if err == nil {
			return sig, nil
		}
		status := ethnode.StatusCode(err)
		if (status != 0 && status < http.StatusInternalServerError) || attempt >= 2 || ctx.Err() != nil {
			return phase0.BLSSignature{}, err
		}
		select {
		case <-ctx.Done():
			return phase0.BLSSignature{}, err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// record writes a slashable signing into the durable slashing DB before it
// is signed (external signers; the embedded signer records itself).
func (n *Node) record(v *validator, req *sigRequest) error {
	root := req.in.SigningRoot
	switch req.key.kind {
	case dvc.SignAttestation:
		return n.cfg.Slashing.RecordAttestation(v.sharePub, &slashing.SlashingDBAttestation{SourceEpoch: req.data.Source.Epoch, TargetEpoch: req.data.Target.Epoch, SigningRoot: &root})
	case dvc.SignBlock:
		slot, err := req.block.Slot()
		if err != nil {
			return err
		}
		return n.cfg.Slashing.RecordBlock(v.sharePub, &slashing.SlashingDBBlock{Slot: slot, SigningRoot: &root})
	}
	return nil
}
