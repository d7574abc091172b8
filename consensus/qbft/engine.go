package qbft

import (
	"bytes"
	"cmp"
	"maps"
	"slices"

	"github.com/dvspec/go-dvspec/consensus"
)

// Engine is how a co-validator starts, feeds and stops its consensus
// instances: the consensus engine of the Dafny DV model (v2
// consensus_engine.dfy: f_start_*_consensus_instance,
// f_stop_*_consensus_instances, active_consensus_instances,
// f_update_*_consensus_engine_state), with the inputs of an instance routed
// by instance id.
type Engine interface {
	// Start starts instance id with its validity predicate; it fails with
	// ErrAlreadyStarted when id is active.
	Start(id consensus.InstanceID, validity Validity) ([]Output, error)
	// Stop stops the given instances (stop_multiple); unknown ids are
	// ignored.
	Stop(ids ...consensus.InstanceID)
	// Active returns the ids of the active instances, sorted by slot, duty
	// type, validator and cluster.
	Active() []consensus.InstanceID
	// SetValidity re-binds the validity predicate of an active instance.
	SetValidity(id consensus.InstanceID, validity Validity) error
	// SetOwnValue gives an active instance this node's own value.
	SetOwnValue(id consensus.InstanceID, value []byte) ([]Output, error)
	// Receive routes a message to its instance.
	Receive(msg *SignedMessage) ([]Output, error)
	// Timeout routes a timer expiry to its instance.
	Timeout(id consensus.InstanceID, round uint64) ([]Output, error)
}

// Instances is the in-memory, pure Engine: a map from instance id to
// Instance. Inputs for an id that is not active fail with
// ErrUnknownInstance (a driver may buffer messages for instances it is
// about to start).
type Instances struct {
	cfg       Config
	instances map[consensus.InstanceID]*Instance
}

var _ Engine = (*Instances)(nil)

// NewInstances returns an engine with no active instance for node
// cfg.Self.
func NewInstances(cfg Config) (*Instances, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Instances{cfg: cfg, instances: map[consensus.InstanceID]*Instance{}}, nil
}

// Start implements Engine (f_start_att_consensus_instance,
// f_start_block_consensus_instance).
func (e *Instances) Start(id consensus.InstanceID, validity Validity) ([]Output, error) {
	if _, ok := e.instances[id]; ok {
		return nil, reject(ErrAlreadyStarted, "%s", id)
	}
	inst, err := New(e.cfg, id, validity)
	if err != nil {
		return nil, err
	}
	e.instances[id] = inst
	return inst.Start()
}

// Stop implements Engine (f_stop_att_consensus_instances,
// f_stop_block_consensus_instances).
func (e *Instances) Stop(ids ...consensus.InstanceID) {
	for _, id := range ids {
		delete(e.instances, id)
	}
}

// Active implements Engine (active_consensus_instances.Keys).
func (e *Instances) Active() []consensus.InstanceID {
	return slices.SortedFunc(maps.Keys(e.instances), compareIDs)
}

func compareIDs(a, b consensus.InstanceID) int {
	return cmp.Or(
		cmp.Compare(a.Slot, b.Slot),
		cmp.Compare(a.DutyType, b.DutyType),
		bytes.Compare(a.Validator[:], b.Validator[:]),
		bytes.Compare(a.Cluster[:], b.Cluster[:]),
	)
}

// Instance returns the active instance id, or nil.
func (e *Instances) Instance(id consensus.InstanceID) *Instance {
	return e.instances[id]
}

// SetValidity implements Engine (f_update_att_consensus_engine_state for
// one instance).
func (e *Instances) SetValidity(id consensus.InstanceID, validity Validity) error {
	inst, ok := e.instances[id]
	if !ok {
		return reject(ErrUnknownInstance, "%s", id)
	}
	return inst.SetValidity(validity)
}

// SetOwnValue implements Engine.
func (e *Instances) SetOwnValue(id consensus.InstanceID, value []byte) ([]Output, error) {
	inst, ok := e.instances[id]
	if !ok {
		return nil, reject(ErrUnknownInstance, "%s", id)
	}
	return inst.SetOwnValue(value)
}

// Receive implements Engine.
func (e *Instances) Receive(msg *SignedMessage) ([]Output, error) {
	if msg == nil {
		return nil, reject(ErrMalformed, "nil message")
	}
	inst, ok := e.instances[msg.Message.Instance]
	if !ok {
		return nil, reject(ErrUnknownInstance, "%s", msg.Message.Instance)
	}
	return inst.Receive(msg)
}

// Timeout implements Engine.
func (e *Instances) Timeout(id consensus.InstanceID, round uint64) ([]Output, error) {
	inst, ok := e.instances[id]
	if !ok {
		return nil, reject(ErrUnknownInstance, "%s", id)
	}
	return inst.Timeout(round)
}
