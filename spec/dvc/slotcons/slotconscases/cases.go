// Package slotconscases holds the slot consensus cases (SPEC.md amendment
// A25), written once: the unit test here runs them against
// spec/dvc/slotcons, and tools/vectorgen renders them into
// vectors/mainnet/<fork>/slot_consensus. A case is a node's batcher given
// per-validator StartConsensus outputs (as spec/dvc emits them), one
// slashing DB holding every validator's history, and steps whose results
// the case's author states; the checks compare them with what the spec
// computes. The package is pure: no I/O, clocks or randomness.
package slotconscases

import (
	"crypto/sha256"
	"fmt"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/dvc/slotcons"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

// Op is what a step does to the batcher.
type Op string

// The operations of a step.
const (
	// OpAdd batches the member's StartConsensus (slotcons.Batcher.Add).
	OpAdd Op = "add"
	// OpValidity applies the slot instance's predicate to Value.
	OpValidity Op = "validity"
	// OpScreen gives the slot instance this node's own value (Screen).
	OpScreen Op = "screen"
	// OpDecide decides the slot instance on Value (Decide).
	OpDecide Op = "decide"
	// OpRemove stops the member's per-validator instance (Remove).
	OpRemove Op = "remove"
)

// Member is one validator's per-validator instance: an attester duty
// (committee Committee) or a sync committee instance (sync committee
// position Position, so subcommittee Position / subcommittee size).
type Member struct {
	// Validator is the registry index; the key is interop key Validator.
	Validator uint64
	Duty      consensus.DutyType
	Slot      phase0.Slot
	Committee phase0.CommitteeIndex
	Position  uint64
	// Proposer makes the member a proposer instance (never batched).
	Proposer bool
	// OtherCluster puts the instance in another cluster.
	OtherCluster bool
}

// Step is one operation and what its author states of it.
type Step struct {
	Op Op
	// Member is the index into Case.Members (add, remove).
	Member int
	// Slot and Duty name the slot instance (validity, screen, decide):
	// Duty is the per-validator duty type it batches.
	Slot phase0.Slot
	Duty consensus.DutyType
	// Value is the slot value (validity, screen, decide).
	Value []byte
	// WantErr is the slotcons.Reason of the step's error ("" none).
	WantErr string
	// WantStart (add): the slot instance is new.
	WantStart bool
	// WantDeliver are the members (indices into Case.Members) given a
	// decided event, in order (add, decide).
	WantDeliver []int
	// WantExcluded are the members screening excludes (screen).
	WantExcluded []int
	// WantStopped counts the slot instances removing empties (remove).
	WantStopped int
}

// Case is one slot consensus case.
type Case struct {
	Handler, Name string
	Fork          eth2spec.DataVersion
	Description   string
	Proves        string
	Members       []Member
	// DB are slashing records [validator, source, target, root label].
	DB    [][4]uint64
	Steps []Step
}

// Env is the shared setup of the cases: a mainnet chain with every fork
// up to a case's fork active from genesis.
type Env struct {
	GenesisValidatorsRoot phase0.Root
	pubkeys               map[uint64]phase0.BLSPubKey
}

// ClusterRoot is the cluster root of the cases' instance IDs: sha256 of
// "dvspec/vectors/slotcons/cluster".
var ClusterRoot = phase0.Root(sha256.Sum256([]byte("dvspec/vectors/slotcons/cluster")))

// OtherClusterRoot is the root of a foreign cluster.
var OtherClusterRoot = phase0.Root(sha256.Sum256([]byte("dvspec/vectors/slotcons/other")))

// RecordRoot is the signing root of a slashing record with a label:
// sha256 of "dvspec/vectors/slotcons/db/<label>".
func RecordRoot(label uint64) phase0.Root {
	return phase0.Root(sha256.Sum256([]byte(fmt.Sprintf("dvspec/vectors/slotcons/db/%d", label))))
}

// Chain is the cases' chain of fork.
func (e *Env) Chain(fork eth2spec.DataVersion) signing.Chain {
	forks, err := signing.MainnetVersionsFromGenesis(fork)
	if err != nil {
		panic(err)
	}
	chain, err := signing.NewChain(forks, e.GenesisValidatorsRoot, spec.MainnetConfig())
	if err != nil {
		panic(err)
	}
	return chain
}

// Pubkey is interop key i's public key.
func (e *Env) Pubkey(i uint64) phase0.BLSPubKey {
	if pk, ok := e.pubkeys[i]; ok {
		return pk
	}
	sk, err := bls.InteropSecretKey(i)
	if err != nil {
		panic(err)
	}
	pk, err := sk.PublicKey()
	if err != nil {
		panic(err)
	}
	if e.pubkeys == nil {
		e.pubkeys = map[uint64]phase0.BLSPubKey{}
	}
	e.pubkeys[i] = pk
	return pk
}

// Start is the StartConsensus spec/dvc emits for member m.
func (e *Env) Start(chain signing.Chain, m Member) dvc.StartConsensus {
	pk := e.Pubkey(m.Validator)
	cluster := ClusterRoot
	if m.OtherCluster {
		cluster = OtherClusterRoot
	}
	d := m.Duty
	if m.Proposer {
		d = consensus.DutyProposer
	}
	id := consensus.InstanceID{Cluster: cluster, Validator: pk, DutyType: uint64(d), Slot: m.Slot}
	switch d {
	case consensus.DutyAttester:
		return dvc.StartConsensus{ID: id, Attester: &spec.AttestationDuty{
			Pubkey: pk, ValidatorIndex: phase0.ValidatorIndex(m.Validator), CommitteeIndex: m.Committee,
			CommitteeLength: 128, CommitteesAtSlot: 64, ValidatorCommitteeIndex: m.Validator % 128, Slot: m.Slot}}
	case consensus.DutySyncCommittee:
		sub := chain.ChainConfig().SyncSubcommitteeIndex(m.Position)
		return dvc.StartConsensus{ID: id, SyncCommittee: &dvc.SyncCommitteeValidity{
			Duty: &spec.SyncCommitteeDuty{Pubkey: pk, ValidatorIndex: phase0.ValidatorIndex(m.Validator), ValidatorSyncCommitteeIndices: []uint64{m.Position}},
			Slot: m.Slot, SubcommitteeIndex: sub}}
	}
	return dvc.StartConsensus{ID: id, Proposer: &dvc.ProposerValidity{Duty: &spec.ProposerDuty{Pubkey: pk, ValidatorIndex: phase0.ValidatorIndex(m.Validator), Slot: m.Slot}}}
}

// DB is the case's slashing DB.
func (e *Env) DB(c Case) *slashing.SlashingDB {
	db := slashing.New(e.GenesisValidatorsRoot)
	for _, r := range c.DB {
		root := RecordRoot(r[3])
		if err := db.InsertAttestation(e.Pubkey(r[0]), phase0.Epoch(r[1]), phase0.Epoch(r[2]), &root); err != nil {
			panic(err)
		}
	}
	return db
}

// Predicate is the per-validator predicate of the cases: what
// dvc.ValidityFor gives for an active instance started by start, against
// db (consensus.IsValidAttestationData; consensus.IsValidSyncCommitteeContribution
// and the instance's subcommittee).
func Predicate(chain signing.Chain, db *slashing.SlashingDB, starts map[consensus.InstanceID]dvc.StartConsensus) slotcons.Predicate {
	return func(id consensus.InstanceID) func([]byte) error {
		s, ok := starts[id]
		if !ok {
			return nil
		}
		return func(value []byte) error {
			switch {
			case s.Attester != nil:
				data, err := consensus.DecodeAttestationData(value)
				if err != nil {
					return err
				}
				return consensus.IsValidAttestationData(db, chain, data, s.Attester)
			case s.SyncCommittee != nil:
				c, err := consensus.DecodeSyncCommitteeContribution(chain, value)
				if err != nil {
					return err
				}
				if err := consensus.IsValidSyncCommitteeContribution(chain, c, s.SyncCommittee.Duty, s.SyncCommittee.Slot); err != nil {
					return err
				}
				if c.SubcommitteeIndex != s.SyncCommittee.SubcommitteeIndex {
					return fmt.Errorf("subcommittee %d, instance %d", c.SubcommitteeIndex, s.SyncCommittee.SubcommitteeIndex)
				}
				return nil
			}
			return fmt.Errorf("no predicate")
		}
	}
}

// Result is what a step did: the error's reason, and what it returned.
type Result struct {
	Err      string
	Slot     consensus.InstanceID
	Start    bool
	Deliver  []slotcons.Delivery
	Excluded []phase0.BLSPubKey
	Stopped  []consensus.InstanceID
	// Values are the per-validator values of Deliver, in order.
	Values [][]byte
}

// StepInput is a step as an implementation is given it: Member indexes
// Input.Starts.
type StepInput struct {
	Op     Op
	Member int
	Slot   phase0.Slot
	Duty   consensus.DutyType
	Value  []byte
}

// Input is everything a case gives an implementation: the chain, the
// node's slashing DB (every validator's history), the cluster root, the
// StartConsensus outputs of the validators' state machines, and the
// steps.
type Input struct {
	Chain   signing.Chain
	DB      *slashing.SlashingDB
	Cluster phase0.Root
	Starts  []dvc.StartConsensus
	Steps   []StepInput
}

// Input is case c as an implementation is given it.
func (e *Env) Input(c Case) Input {
	chain := e.Chain(c.Fork)
	in := Input{Chain: chain, DB: e.DB(c), Cluster: ClusterRoot}
	for _, m := range c.Members {
		in.Starts = append(in.Starts, e.Start(chain, m))
	}
	for _, s := range c.Steps {
		in.Steps = append(in.Steps, StepInput{Op: s.Op, Member: s.Member, Slot: s.Slot, Duty: s.Duty, Value: s.Value})
	}
	return in
}

// Run runs a case through spec/dvc/slotcons and returns each step's result.
func (e *Env) Run(c Case) []Result { return Execute(e.Input(c)) }

// Execute runs an input through spec/dvc/slotcons: the per-validator
// predicates are Predicate's over in.DB.
func Execute(in Input) []Result {
	chain := in.Chain
	b := slotcons.New(in.Cluster, chain)
	starts := map[consensus.InstanceID]dvc.StartConsensus{}
	type vk struct {
		pk   phase0.BLSPubKey
		slot consensus.InstanceID
	}
	byPK := map[vk]dvc.StartConsensus{}
	pred := Predicate(chain, in.DB, starts)
	var out []Result
	for _, s := range in.Steps {
		var r Result
		var err error
		switch s.Op {
		case OpAdd, OpRemove:
			if s.Member < 0 || s.Member >= len(in.Starts) {
				err = fmt.Errorf("%w: no member %d", slotcons.ErrMalformed, s.Member)
				break
			}
			st := in.Starts[s.Member]
			if s.Op == OpRemove {
				delete(starts, st.ID)
				r.Stopped = b.Remove(st.ID)
				break
			}
			var a slotcons.Added
			a, err = b.Add(st)
			if err == nil {
				starts[st.ID] = st
				byPK[vk{st.ID.Validator, a.Slot}] = st
			}
			r.Slot, r.Start, r.Deliver = a.Slot, a.Start, a.Deliver
		case OpValidity, OpScreen, OpDecide:
			sid, e2 := slotcons.SlotInstanceID(in.Cluster, s.Duty, s.Slot)
			if e2 != nil {
				err = e2
				break
			}
			r.Slot = sid
			switch s.Op {
			case OpValidity:
				err = b.Validity(sid, pred)(s.Value)
			case OpScreen:
				r.Excluded, err = b.Screen(sid, s.Value, pred)
			case OpDecide:
				r.Deliver, err = b.Decide(sid, s.Value)
			}
		default:
			err = fmt.Errorf("%w: unknown op %q", slotcons.ErrMalformed, s.Op)
		}
		for _, d := range r.Deliver {
			v, _, e3 := slotcons.MemberValue(chain, byPK[vk{d.Validator, r.Slot}], b.Decided(r.Slot))
			if e3 != nil && err == nil {
				err = e3
			}
			r.Values = append(r.Values, v)
		}
		r.Err = slotcons.Reason(err)
		out = append(out, r)
	}
	return out
}

// Check compares a case's results with its author's statements and
// returns what differs ("" when nothing).
func (e *Env) Check(c Case, res []Result) string {
	if len(res) != len(c.Steps) {
		return fmt.Sprintf("%d results for %d steps", len(res), len(c.Steps))
	}
	pk := func(i int) phase0.BLSPubKey { return e.Pubkey(c.Members[i].Validator) }
	for i, s := range c.Steps {
		r := res[i]
		if r.Err != s.WantErr {
			return fmt.Sprintf("step %d (%s): error %q, want %q", i, s.Op, r.Err, s.WantErr)
		}
		if s.Op == OpAdd && r.Start != s.WantStart {
			return fmt.Sprintf("step %d: start %v, want %v", i, r.Start, s.WantStart)
		}
		if len(r.Deliver) != len(s.WantDeliver) {
			return fmt.Sprintf("step %d (%s): %d deliveries, want %d", i, s.Op, len(r.Deliver), len(s.WantDeliver))
		}
		want := map[phase0.BLSPubKey]int{}
		for _, m := range s.WantDeliver {
			want[pk(m)] = m
		}
		for j, d := range r.Deliver {
			m, ok := want[d.Validator]
			if !ok {
				return fmt.Sprintf("step %d: delivery %d to %#x, no member stated", i, j, d.Validator[:6])
			}
			if msg := e.checkValue(c, m, r.Slot, res, i, r.Values[j]); msg != "" {
				return fmt.Sprintf("step %d: delivery to member %d: %s", i, m, msg)
			}
		}
		if len(r.Excluded) != len(s.WantExcluded) {
			return fmt.Sprintf("step %d: %d excluded, want %d", i, len(r.Excluded), len(s.WantExcluded))
		}
		for j, m := range s.WantExcluded {
			if r.Excluded[j] != pk(m) {
				return fmt.Sprintf("step %d: excluded %d is %#x, want member %d", i, j, r.Excluded[j][:6], m)
			}
		}
		if s.Op == OpRemove && len(r.Stopped) != s.WantStopped {
			return fmt.Sprintf("step %d: %d slot instances stopped, want %d", i, len(r.Stopped), s.WantStopped)
		}
	}
	return ""
}

// checkValue states what member m's decided value is, from the member and
// the slot value the slot instance decided (the latest decide step up to
// step i): the slot's attestation data with the member's committee index
// before Electra and 0 from Electra on; for a sync member the slot's block
// root in the member's subcommittee.
func (e *Env) checkValue(c Case, m int, sid consensus.InstanceID, res []Result, i int, got []byte) string {
	var slotValue []byte
	for j := 0; j <= i; j++ {
		if s := c.Steps[j]; s.Op == OpDecide && res[j].Err == "" && res[j].Slot == sid {
			slotValue = s.Value
		}
	}
	if slotValue == nil {
		return "no decided slot value stated"
	}
	chain := e.Chain(c.Fork)
	mem := c.Members[m]
	switch mem.Duty {
	case consensus.DutyAttester:
		data, err := consensus.DecodeAttestationData(got)
		if err != nil {
			return err.Error()
		}
		want, _ := consensus.DecodeAttestationData(slotValue)
		if c.Fork < eth2spec.DataVersionElectra {
			want.Index = mem.Committee
		}
		if a, b := mustRoot(data), mustRoot(want); a != b {
			return fmt.Sprintf("attestation data index %d, want %d (or other fields differ)", data.Index, want.Index)
		}
	case consensus.DutySyncCommittee:
		cb, err := consensus.DecodeSyncCommitteeContribution(chain, got)
		if err != nil {
			return err.Error()
		}
		subSize := chain.ChainConfig().SyncCommitteeSize / chain.ChainConfig().SyncCommitteeSubnetCount
		if cb.BeaconBlockRoot != phase0.Root(slotValue) || cb.SubcommitteeIndex != mem.Position/subSize || cb.Slot != mem.Slot {
			return fmt.Sprintf("contribution root %#x subcommittee %d slot %d", cb.BeaconBlockRoot[:4], cb.SubcommitteeIndex, cb.Slot)
		}
	}
	return ""
}

func mustRoot(d *phase0.AttestationData) [32]byte {
	r, err := d.HashTreeRoot()
	if err != nil {
		panic(err)
	}
	return r
}
