package spectests

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/consensus/qbft"
)

var _ QBFTImplementation = GoSpec{}

// errInvalidTestValue is what the vectors' validity predicate returns for
// a value config.yaml lists as invalid.
var errInvalidTestValue = errors.New("spectests: value listed as invalid in config.yaml")

// SpecInstanceID converts an InstanceID to consensus.InstanceID.
func SpecInstanceID(id InstanceID) consensus.InstanceID {
	return consensus.InstanceID{Cluster: id.Cluster, Validator: id.Validator, DutyType: id.DutyType, Slot: phase0.Slot(id.Slot)}
}

// VectorInstanceID converts a consensus.InstanceID to InstanceID.
func VectorInstanceID(id consensus.InstanceID) InstanceID {
	return InstanceID{Cluster: id.Cluster, Validator: id.Validator, DutyType: id.DutyType, Slot: uint64(id.Slot)}
}

// QBFTSpecConfig returns the consensus/qbft Config and validity predicate
// of a QBFTConfig.
func QBFTSpecConfig(cfg QBFTConfig) (qbft.Config, qbft.Validity) {
	keys := make([]ed25519.PublicKey, len(cfg.NodePublicKeys))
	for i, k := range cfg.NodePublicKeys {
		keys[i] = ed25519.PublicKey(bytes.Clone(k[:]))
	}
	invalid := cfg.InvalidValues
	validity := func(v []byte) error {
		for _, x := range invalid {
			if bytes.Equal(x, v) {
				return errInvalidTestValue
			}
		}
		return nil
	}
	return qbft.Config{
		N: cfg.N, Self: cfg.Self,
		Signer:   qbft.Ed25519Signer{Key: ed25519.NewKeyFromSeed(cfg.SelfSeed[:])},
		Verifier: qbft.Ed25519Verifier{Keys: keys},
	}, validity
}

// GoQBFTInstance is a consensus/qbft.Instance behind QBFTInstance.
type GoQBFTInstance struct{ I *qbft.Instance }

// NewQBFTInstance implements QBFTImplementation.
func (GoSpec) NewQBFTInstance(cfg QBFTConfig) (QBFTInstance, error) {
	c, v := QBFTSpecConfig(cfg)
	i, err := qbft.New(c, SpecInstanceID(cfg.Instance), v)
	if err != nil {
		return nil, err
	}
	return GoQBFTInstance{i}, nil
}

// RestoreQBFTInstance implements QBFTImplementation.
func (GoSpec) RestoreQBFTInstance(cfg QBFTConfig, snapshot []byte) (QBFTInstance, error) {
	s, err := qbft.DecodeSnapshot(snapshot)
	if err != nil {
		return nil, err
	}
	c, v := QBFTSpecConfig(cfg)
	i, err := qbft.Restore(s, c, v)
	if err != nil {
		return nil, err
	}
	return GoQBFTInstance{i}, nil
}

// QBFTParams implements QBFTImplementation.
func (GoSpec) QBFTParams(q QBFTParamsQuery) (uint64, error) {
	switch q.Function {
	case "quorum":
		return qbft.Quorum(q.N), nil
	case "f":
		return qbft.F(q.N), nil
	case "leader":
		return qbft.Leader(SpecInstanceID(q.Instance), q.Round, q.N), nil
	case "round_timeout_ms":
		return uint64(qbft.RoundTimeout(q.Round).Milliseconds()), nil
	case "round_deadline_ms":
		return uint64(qbft.RoundDeadline(q.Round).Milliseconds()), nil
	}
	return 0, fmt.Errorf("unknown function %q", q.Function)
}

// QBFTOutputs converts consensus/qbft outputs to QBFTOutputs.
func QBFTOutputs(out []qbft.Output) ([]QBFTOutput, error) {
	res := make([]QBFTOutput, 0, len(out))
	for _, o := range out {
		switch o := o.(type) {
		case qbft.Broadcast:
			b, err := o.Msg.MarshalSSZ()
			if err != nil {
				return nil, err
			}
			res = append(res, QBFTOutput{Kind: "broadcast", Message: b})
		case qbft.SetTimer:
			res = append(res, QBFTOutput{Kind: "set_timer", Round: o.Round,
				DurationMs: uint64(o.Duration.Milliseconds()), DeadlineMs: uint64(o.Deadline.Milliseconds())})
		case qbft.Decide:
			d := QBFTOutput{Kind: "decide", Round: o.Round, Value: o.Value}
			for _, c := range o.Commits {
				b, err := c.MarshalSSZ()
				if err != nil {
					return nil, err
				}
				d.Commits = append(d.Commits, b)
			}
			res = append(res, d)
		default:
			return nil, fmt.Errorf("unknown qbft output %T", o)
		}
	}
	return res, nil
}

func qbftResult(out []qbft.Output, err error) ([]QBFTOutput, error) {
	if err != nil {
		return nil, err
	}
	return QBFTOutputs(out)
}

// Start implements QBFTInstance.
func (g GoQBFTInstance) Start() ([]QBFTOutput, error) { return qbftResult(g.I.Start()) }

// SetOwnValue implements QBFTInstance.
func (g GoQBFTInstance) SetOwnValue(v []byte) ([]QBFTOutput, error) {
	return qbftResult(g.I.SetOwnValue(bytes.Clone(v)))
}

// Receive implements QBFTInstance: the wire format is decoded strictly
// (qbft.DecodeSignedMessage).
func (g GoQBFTInstance) Receive(message []byte) ([]QBFTOutput, error) {
	m, err := qbft.DecodeSignedMessage(message)
	if err != nil {
		return nil, err
	}
	return qbftResult(g.I.Receive(m))
}

// Timeout implements QBFTInstance.
func (g GoQBFTInstance) Timeout(round uint64) ([]QBFTOutput, error) {
	return qbftResult(g.I.Timeout(round))
}

// Snapshot implements QBFTInstance.
func (g GoQBFTInstance) Snapshot() ([]byte, error) { return g.I.Snapshot().MarshalSSZ() }

// SnapshotRoot is the hash tree root of the SSZ encoding of a qbft
// Snapshot.
func SnapshotRoot(ssz []byte) ([32]byte, error) {
	s, err := qbft.DecodeSnapshot(ssz)
	if err != nil {
		return [32]byte{}, err
	}
	return s.HashTreeRoot()
}
