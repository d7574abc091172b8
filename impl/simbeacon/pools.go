package simbeacon

import (
	"math/bits"
	"sync"

	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"
	herumi "github.com/herumi/bls-eth-go-binary/bls"
)

// pools hold accepted unaggregated messages until an aggregator asks for
// them. Entries older than poolSlots slots are dropped on insertion, so the
// pools stay small on a long-running devnet.
type pools struct {
	mu   sync.Mutex
	att  map[attKey]*attEntry
	sync map[syncKey]map[phase0.ValidatorIndex]phase0.BLSSignature
	// contrib holds, per slot and subcommittee, the accepted contribution
	// with the most participants: the blocks of the next slot build their
	// sync aggregate from them, as a beacon node's block producer does.
	contrib map[contribKey]*altair.SyncCommitteeContribution
	// prunedAt is the newest slot a pruning pass ran for; pruning again
	// before a newer slot arrives would find nothing.
	prunedAt phase0.Slot
	// version counts the additions to each entry; attAgg and syncAgg
	// memoise the aggregate signature served for an entry at a version.
	// Every aggregator of a committee (subcommittee) asks for the same
	// aggregate, and aggregating decodes every signature (a subgroup check
	// each): without the memo a slot's aggregate requests took the beacon
	// node seconds.
	version map[any]uint64
	attAgg  map[attKey]memoSig
	syncAgg map[syncSubKey]memoSig
	// syncParsed keeps each pooled sync committee message's signature
	// decoded: a contribution is asked for while the slot's messages
	// still arrive (each one a new version), and decoding the
	// subcommittee's 128 signatures again for every request took the
	// beacon node 10 CPU-s of a 16-slot all-seats devnet.
	syncParsed map[syncKey]map[phase0.BLSSignature]*herumi.Sign
}

type memoSig struct {
	version uint64
	sig     phase0.BLSSignature
}

type syncSubKey struct {
	syncKey
	sub uint64
}

const poolSlots = 64

type attKey struct {
	slot      phase0.Slot
	committee phase0.CommitteeIndex
	dataRoot  phase0.Root
}

type attEntry struct {
	data   *phase0.AttestationData
	length uint64
	sigs   map[uint64]phase0.BLSSignature // by position in the committee
}

type contribKey struct {
	slot phase0.Slot
	sub  uint64
}

type syncKey struct {
	slot phase0.Slot
	root phase0.Root
}

func newPools() *pools {
	return &pools{att: map[attKey]*attEntry{}, sync: map[syncKey]map[phase0.ValidatorIndex]phase0.BLSSignature{},
		contrib: map[contribKey]*altair.SyncCommitteeContribution{},
		version: map[any]uint64{}, attAgg: map[attKey]memoSig{}, syncAgg: map[syncSubKey]memoSig{},
		syncParsed: map[syncKey]map[phase0.BLSSignature]*herumi.Sign{}}
}

func (p *pools) addAttestation(k attKey, data *phase0.AttestationData, length, position uint64, sig phase0.BLSSignature) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.prune(k.slot)
	e := p.att[k]
	if e == nil {
		e = &attEntry{data: data, length: length, sigs: map[uint64]phase0.BLSSignature{}}
		p.att[k] = e
	}
	e.sigs[position] = sig
	p.version[k]++
}

// attestation returns a copy of the pool entry and its version.
func (p *pools) attestation(k attKey) (*phase0.AttestationData, uint64, map[uint64]phase0.BLSSignature, uint64, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.att[k]
	if e == nil {
		return nil, 0, nil, 0, false
	}
	sigs := make(map[uint64]phase0.BLSSignature, len(e.sigs))
	for k, v := range e.sigs {
		sigs[k] = v
	}
	return e.data, e.length, sigs, p.version[k], true
}

// attestedPositions returns the committee positions of the attestations
// of k in the pool.
func (p *pools) attestedPositions(k attKey) map[uint64]bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[uint64]bool{}
	if e := p.att[k]; e != nil {
		for pos := range e.sigs {
			out[pos] = true
		}
	}
	return out
}

// attAggregate is the memoised aggregate of an attestation entry at
// version (ok false: not memoised, or memoised at another version).
func (p *pools) attAggregate(k attKey, version uint64) (phase0.BLSSignature, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m, ok := p.attAgg[k]
	return m.sig, ok && m.version == version
}

func (p *pools) memoAttAggregate(k attKey, version uint64, sig phase0.BLSSignature) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, live := p.att[k]; live {
		p.attAgg[k] = memoSig{version, sig}
	}
}

// syncAggregate is the memoised aggregate of a subcommittee's messages at
// version.
func (p *pools) syncAggregate(k syncSubKey, version uint64) (phase0.BLSSignature, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m, ok := p.syncAgg[k]
	return m.sig, ok && m.version == version
}

func (p *pools) memoSyncAggregate(k syncSubKey, version uint64, sig phase0.BLSSignature) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, live := p.sync[k.syncKey]; live {
		p.syncAgg[k] = memoSig{version, sig}
	}
}

// addSyncMessage pools validator v's signature of k; decoded, if not nil,
// is sig decoded (by the verification), so that serving a contribution
// need not decode it again.
func (p *pools) addSyncMessage(k syncKey, v phase0.ValidatorIndex, sig phase0.BLSSignature, decoded *herumi.Sign) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.prune(k.slot)
	m := p.sync[k]
	if m == nil {
		m = map[phase0.ValidatorIndex]phase0.BLSSignature{}
		p.sync[k] = m
	}
	if decoded != nil && p.syncParsed[k][sig] == nil {
		if p.syncParsed[k] == nil {
			p.syncParsed[k] = map[phase0.BLSSignature]*herumi.Sign{}
		}
		p.syncParsed[k][sig] = decoded
	}
	if old, ok := m[v]; ok && old == sig {
		return // a copy (every node of a DV submits it): nothing changes
	}
	m[v] = sig
	p.version[k]++
}

// syncSignature returns sig of a message pooled under k decoded, decoding
// it once.
func (p *pools) syncSignature(k syncKey, sig phase0.BLSSignature) (*herumi.Sign, error) {
	p.mu.Lock()
	h := p.syncParsed[k][sig]
	p.mu.Unlock()
	if h != nil {
		return h, nil
	}
	h, err := parseSignature(sig)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, live := p.sync[k]; live {
		if p.syncParsed[k] == nil {
			p.syncParsed[k] = map[phase0.BLSSignature]*herumi.Sign{}
		}
		p.syncParsed[k][sig] = h
	}
	return h, nil
}

// syncMessages returns a copy of the messages of k and their version.
func (p *pools) syncMessages(k syncKey) (map[phase0.ValidatorIndex]phase0.BLSSignature, uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[phase0.ValidatorIndex]phase0.BLSSignature, len(p.sync[k]))
	for v, s := range p.sync[k] {
		out[v] = s
	}
	return out, p.version[k]
}

// prune drops entries more than poolSlots older than slot; the caller holds
// the lock.
func (p *pools) prune(slot phase0.Slot) {
	if slot <= p.prunedAt {
		return
	}
	p.prunedAt = slot
	for old := range p.att {
		if old.slot+poolSlots < slot {
			delete(p.att, old)
			delete(p.attAgg, old)
			delete(p.version, old)
		}
	}
	for old := range p.sync {
		if old.slot+poolSlots < slot {
			delete(p.sync, old)
			delete(p.syncParsed, old)
			delete(p.version, old)
		}
	}
	for old := range p.syncAgg {
		if old.slot+poolSlots < slot {
			delete(p.syncAgg, old)
		}
	}
	for old := range p.contrib {
		if old.slot+poolSlots < slot {
			delete(p.contrib, old)
		}
	}
}

// addContribution keeps c if it has more participants than the kept
// contribution of its slot and subcommittee (contributions with
// overlapping bits cannot be merged).
func (p *pools) addContribution(c *altair.SyncCommitteeContribution) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.prune(c.Slot)
	k := contribKey{c.Slot, c.SubcommitteeIndex}
	if old := p.contrib[k]; old == nil || bitCount(c.AggregationBits) > bitCount(old.AggregationBits) {
		p.contrib[k] = c
	}
}

// contributions returns the kept contributions of slot by subcommittee.
func (p *pools) contributions(slot phase0.Slot) map[uint64]*altair.SyncCommitteeContribution {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[uint64]*altair.SyncCommitteeContribution{}
	for k, c := range p.contrib {
		if k.slot == slot {
			out[k.sub] = c
		}
	}
	return out
}

func bitCount(b []byte) int {
	n := 0
	for _, x := range b {
		n += bits.OnesCount8(x)
	}
	return n
}
