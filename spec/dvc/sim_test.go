package dvc

import (
	"math/rand"
	"slices"
	"strings"
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
)

// The DV-level simulation: N co-validators (some byzantine) over a lossy,
// duplicating, reordering network, a consensus oracle that satisfies the
// Dafny ConsensusSpec (agreement; validity: a decided value is accepted by
// the current predicates of at least quorum(n) - F honest nodes running the
// instance), a beacon chain that includes DV-signed attestations and
// blocks and is imported by each node at its own pace, and optionally
// validator clients (VC-middleware mode). It checks the Dafny main theorem
// (lem_non_slashable_attestations) and the v2 block theorem on everything
// the validator key could sign: every message for which at least M
// distinct key shares produced valid signature shares, whoever combines.

type verifyKey struct {
	pk   phase0.BLSPubKey
	root phase0.Root
	sig  phase0.BLSSignature
}

// verifyCache memoises bls.Verify (an allowed Oracles.Verify: same
// results). Shared by all nodes of a world.
type verifyCache map[verifyKey]bool

func (v verifyCache) verify(pk phase0.BLSPubKey, msg []byte, sig phase0.BLSSignature) bool {
	k := verifyKey{pk: pk, sig: sig}
	if len(msg) != 32 {
		return memoVerify(pk, msg, sig)
	}
	copy(k.root[:], msg)
	if r, ok := v[k]; ok {
		return r
	}
	r := memoVerify(pk, msg, sig)
	v[k] = r
	return r
}

type simDuty struct {
	slot phase0.Slot
	att  bool // attester (else proposer)
}

type delivery struct {
	to  int
	msg networking.Message
	byz bool // sent by a byzantine node
}

type simInstance struct {
	id         consensus.InstanceID
	candidates [][]byte
	decided    []byte
	delivered  map[int]bool
}

type simNode struct {
	idx     int
	cfg     *Config
	o       Oracles
	st      *State
	nextDut int
	chainAt int // next chain block to import
	vc      []Event
}

type world struct {
	t      testing.TB
	c      *cluster
	rng    *rand.Rand
	n      int
	byz    map[int]bool
	nodes  map[int]*simNode
	duties []simDuty
	net    []delivery
	inst   map[consensus.InstanceID]*simInstance
	cache  verifyCache

	// What the validator key could sign: signing root -> signers.
	attSigners   map[phase0.Root]map[uint64]bool
	attData      map[phase0.Root]*phase0.AttestationData
	blockSigners map[phase0.Root]map[uint64]bool
	blockSlot    map[phase0.Root]phase0.Slot

	submittedAtts   map[phase0.Root]*phase0.AttestationData // by data root
	submittedBlocks map[phase0.Slot]*networking.SignedVersionedBlock
	included        map[phase0.Slot]bool // attestation slots on chain
	proposed        map[phase0.Slot]bool // DV blocks on chain
	chain           []ImportedNewBlock
	chainSlot       phase0.Slot

	pLoss, pDup float64
	relay       bool        // a byzantine relay forges copies of honest shares (sim_relay_test.go)
	clock       phase0.Slot // the last NewSlot given to the nodes (amendment A23)
	steps       int
	events      int
	byzErrors   int
}

type worldOpts struct {
	n        int
	byz      int
	fork     eth2spec.DataVersion
	mode     Mode
	epochs   int
	proposer int // number of proposer duties
	pLoss    float64
	pDup     float64
	relay    bool
}

func newWorld(t testing.TB, seed int64, o worldOpts) *world {
	c := newCluster(t, o.n, o.fork, o.mode)
	w := &world{
		t: t, c: c, rng: rand.New(rand.NewSource(seed)), n: o.n,
		byz: map[int]bool{}, nodes: map[int]*simNode{}, inst: map[consensus.InstanceID]*simInstance{},
		cache:      verifyCache{},
		attSigners: map[phase0.Root]map[uint64]bool{}, attData: map[phase0.Root]*phase0.AttestationData{},
		blockSigners: map[phase0.Root]map[uint64]bool{}, blockSlot: map[phase0.Root]phase0.Slot{},
		submittedAtts: map[phase0.Root]*phase0.AttestationData{}, submittedBlocks: map[phase0.Slot]*networking.SignedVersionedBlock{},
		included: map[phase0.Slot]bool{}, proposed: map[phase0.Slot]bool{},
		pLoss: o.pLoss, pDup: o.pDup, relay: o.relay,
	}
	// Byzantine nodes: a random subset of size o.byz.
	perm := w.rng.Perm(o.n)
	for _, i := range perm[:o.byz] {
		w.byz[i+1] = true
	}
	for i := 1; i <= o.n; i++ {
		if w.byz[i] {
			continue
		}
		cfg := c.cfg(i)
		or := memoOracles(c.oracles(i))
		or.Verify = w.cache.verify
		w.nodes[i] = &simNode{idx: i, cfg: cfg, o: or, st: c.fresh(i)}
	}
	// Duties: one attester duty per epoch from epoch 2, plus proposer
	// duties at random slots, in slot order.
	for e := 2; e < 2+o.epochs; e++ {
		w.duties = append(w.duties, simDuty{slot: phase0.Slot(8*e + w.rng.Intn(8)), att: true})
	}
	for k := 0; k < o.proposer; k++ {
		s := phase0.Slot(16 + w.rng.Intn(8*o.epochs))
		if !slices.ContainsFunc(w.duties, func(d simDuty) bool { return !d.att && d.slot == s }) {
			w.duties = append(w.duties, simDuty{slot: s})
		}
	}
	slices.SortStableFunc(w.duties, func(a, b simDuty) int { return int(a.slot) - int(b.slot) })
	return w
}

func (w *world) honest() []int {
	var out []int
	for i := 1; i <= w.n; i++ {
		if !w.byz[i] {
			out = append(out, i)
		}
	}
	return out
}

// step delivers one event to an honest node and routes its outputs. An
// error is allowed only for byzantine-origin events; a panic (Step does
// not recover) fails the test by itself.
func (w *world) step(i int, ev Event, fromByz bool) {
	nd := w.nodes[i]
	next, out, err := Step(nd.cfg, nd.st, ev, nd.o)
	w.events++
	if err != nil {
		if !fromByz {
			w.t.Fatalf("node %d, event %s (byzantine origin %v): %v", i, ev.EventName(), fromByz, err)
		}
		w.byzErrors++
		return
	}
	nd.st = next
	for _, o := range out {
		w.route(i, o)
	}
}

func (w *world) route(i int, o Output) {
	switch x := o.(type) {
	case Broadcast:
		w.recordShare(x.Message)
		for _, to := range x.To {
			w.net = append(w.net, delivery{to: int(to), msg: x.Message})
		}
	case StartConsensus:
		if _, ok := w.inst[x.ID]; !ok {
			w.inst[x.ID] = &simInstance{id: x.ID, candidates: w.candidates(x), delivered: map[int]bool{}}
		}
	case SubmitAttestation:
		if !w.genuineFields(x.Attestation) {
			break // a forged bucket combined (amendment A22): the beacon node refuses it
		}
		data := x.Attestation.Data()
		in := w.c.attInput(data)
		if !w.cache.verify(w.c.keys.pk, in.SigningRoot[:], x.Attestation.Signature()) {
			w.t.Fatalf("node %d submitted an attestation that does not verify under the validator key", i)
		}
		r, _ := data.HashTreeRoot()
		w.submittedAtts[r] = data
	case SubmitBlock:
		b, err := x.Block.Block.Decode(w.c.chain)
		if err != nil {
			w.t.Fatal(err)
		}
		in := w.c.blockInput(b)
		if !w.cache.verify(w.c.keys.pk, in.SigningRoot[:], x.Block.Signature) {
			w.t.Fatalf("node %d submitted a block that does not verify", i)
		}
		slot, _ := b.Slot()
		if prev := w.submittedBlocks[slot]; prev != nil && string(prev.Block.Block) != string(x.Block.Block.Block) {
			w.t.Fatalf("two different blocks submitted for slot %d", slot)
		}
		w.submittedBlocks[slot] = x.Block
	case CacheAttestationDataForVC:
		sig := w.c.signShare(i, w.c.attInput(x.Data).SigningRoot)
		att := &networking.SignedAttestation{Version: w.c.fork}
		if w.c.electra() {
			att.Electra = electraSingle(x.Duty, x.Data, sig)
		} else {
			att.Phase0 = &phase0.Attestation{AggregationBits: ethBits(), Data: x.Data, Signature: sig}
		}
		w.nodes[i].vc = append(w.nodes[i].vc, CapturedAttestation{Attestation: att})
	case CacheBlockForVC:
		w.nodes[i].vc = append(w.nodes[i].vc, CapturedBlock{Block: x.Block, Signature: w.c.signShare(i, w.c.blockInput(x.Block).SigningRoot)})
	}
}

// recordShare adds a share with a valid signature to the "could be signed
// by the validator key" sets.
func (w *world) recordShare(m networking.Message) {
	switch s := m.(type) {
	case *networking.AttestationShare:
		in, err := w.c.chain.AttestationData(s.Data)
		if err != nil {
			return
		}
		if !w.cache.verify(w.c.keys.pubs[s.ShareIndex], in.SigningRoot[:], s.Signature) {
			return
		}
		if w.attSigners[in.SigningRoot] == nil {
			w.attSigners[in.SigningRoot] = map[uint64]bool{}
			w.attData[in.SigningRoot] = s.Data
		}
		w.attSigners[in.SigningRoot][s.ShareIndex] = true
	case *networking.BlockShare:
		b, err := s.Block.Decode(w.c.chain)
		if err != nil {
			return
		}
		in := w.c.blockInput(b)
		if !w.cache.verify(w.c.keys.pubs[s.ShareIndex], in.SigningRoot[:], s.Signature) {
			return
		}
		if w.blockSigners[in.SigningRoot] == nil {
			w.blockSigners[in.SigningRoot] = map[uint64]bool{}
			w.blockSlot[in.SigningRoot], _ = b.Slot()
		}
		w.blockSigners[in.SigningRoot][s.ShareIndex] = true
	}
}

// candidates are the values proposers may propose for an instance: for an
// attester slot, data with the right target and several sources and roots
// (conflicting with each other and, across slots, surrounding); for a
// proposer slot, DV blocks with different bodies plus blocks with a wrong
// RANDAO reveal or proposer.
func (w *world) candidates(s StartConsensus) [][]byte {
	var out [][]byte
	switch {
	case s.Attester != nil:
		slot := s.Attester.Slot
		target := phase0.Epoch(uint64(slot) / 8)
		for k := 0; k < 4; k++ {
			src := target - 1 - phase0.Epoch(w.rng.Intn(3))
			if src > target {
				src = 0
			}
			d := w.c.attDataEpochs(slot, src, target, byte(w.rng.Intn(3)))
			out = append(out, encodeData(w.t, d))
		}
		// A far-future target and a wrong slot: never valid.
		out = append(out, encodeData(w.t, w.c.attDataEpochs(slot, target, target+5, 9)))
	case s.Proposer != nil:
		slot := s.Proposer.Duty.Slot
		for k := 0; k < 3; k++ {
			out = append(out, mustEncodeBlock(w.t, w.c, w.c.block(slot, testValidatorIndex, s.Proposer.RandaoReveal, byte(w.rng.Intn(4)))))
		}
		out = append(out, mustEncodeBlock(w.t, w.c, w.c.block(slot, testValidatorIndex, phase0.BLSSignature{0xc0}, 1)))
		out = append(out, mustEncodeBlock(w.t, w.c, w.c.block(slot, 7, s.Proposer.RandaoReveal, 1)))
	}
	w.rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// tryDecide is the consensus oracle: decide the first candidate that the
// current predicates of at least quorum(n) - F honest nodes running the
// instance accept (agreement: never again). The Dafny ConsensusSpec asks
// quorum(n) - |byz| with |byz| <= F; quorum(n) - F is the weakest form of
// that rule, so the oracle is at least as adversarial as the model's.
func (w *world) tryDecide(in *simInstance) bool {
	if in.decided != nil {
		return false
	}
	need := w.c.m - spec.Faulty(w.n)
	for _, v := range in.candidates {
		ok := 0
		for _, i := range w.honest() {
			nd := w.nodes[i]
			if ValidityFor(nd.cfg, nd.st, in.id)(v) == nil {
				ok++
			}
		}
		if ok >= need && ok > 0 {
			in.decided = v
			return true
		}
	}
	return false
}

// deliverDecision gives a decided value to an honest node running the
// instance.
func (w *world) deliverDecision(in *simInstance, i int) {
	in.delivered[i] = true
	switch consensus.DutyType(in.id.DutyType) {
	case consensus.DutyAttester:
		d, err := consensus.DecodeAttestationData(in.decided)
		if err != nil {
			w.t.Fatal(err)
		}
		w.step(i, AttestationConsensusDecided{ID: in.id, Data: d}, false)
	case consensus.DutyProposer:
		b, err := consensus.DecodeBlock(w.c.chain, in.decided)
		if err != nil {
			w.t.Fatal(err)
		}
		w.step(i, BlockConsensusDecided{ID: in.id, Block: b}, false)
	}
}

func running(nd *simNode, id consensus.InstanceID) bool {
	return slices.Contains(nd.st.ActiveInstances(nd.cfg), id)
}

func (w *world) serveNext(i int) bool {
	nd := w.nodes[i]
	if nd.nextDut >= len(w.duties) {
		return false
	}
	d := w.duties[nd.nextDut]
	nd.nextDut++
	if d.att {
		w.step(i, ServeAttestationDuty{Duty: w.c.attDuty(d.slot)}, false)
	} else {
		w.step(i, ServeProposerDuty{Duty: w.c.propDuty(d.slot)}, false)
		if w.c.mode == ModeVCMiddleware {
			nd.vc = append(nd.vc, CapturedRandaoReveal{Slot: d.slot, RandaoReveal: w.c.signShare(i, w.c.randaoInput(d.slot).SigningRoot)})
		}
	}
	return true
}

func (w *world) deliverNet(k int) {
	d := w.net[k]
	if w.rng.Float64() >= w.pDup {
		w.net = slices.Delete(w.net, k, k+1)
	}
	if w.rng.Float64() < w.pLoss || w.byz[d.to] {
		return
	}
	if w.relay && !d.byz {
		w.relayForgeries(d)
	}
	var ev Event
	switch m := d.msg.(type) {
	case *networking.AttestationShare:
		ev = ReceivedAttestationShare{Share: m}
	case *networking.RandaoShare:
		ev = ReceivedRandaoShare{Share: m}
	case *networking.BlockShare:
		ev = ReceivedBlockShare{Share: m}
	case *networking.SyncCommitteeMessageShare:
		ev = ReceivedSyncCommitteeMessageShare{Share: m}
	}
	w.step(d.to, ev, d.byz)
}

// byzantineSend: a byzantine node sends an arbitrary share to a random
// honest node: a real signature under its own key share over arbitrary
// data (recorded as signable), or garbage.
func (w *world) byzantineSend() {
	var byz []int
	for i := range w.byz {
		byz = append(byz, i)
	}
	slices.Sort(byz)
	b := byz[w.rng.Intn(len(byz))]
	hon := w.honest()
	to := hon[w.rng.Intn(len(hon))]
	slot := w.duties[w.rng.Intn(len(w.duties))].slot + phase0.Slot(w.rng.Intn(3))
	target := phase0.Epoch(uint64(slot)/8) + phase0.Epoch(w.rng.Intn(2))
	src := phase0.Epoch(w.rng.Intn(int(target) + 1))
	data := w.c.attDataEpochs(slot, src, target, byte(w.rng.Intn(4)))
	var m networking.Message
	switch w.rng.Intn(6) {
	case 0, 1: // real attestation share over arbitrary data
		m = w.c.attShare(b, data)
	case 2: // a real share over some candidate value of a running instance
		for _, id := range w.sortedInstances() {
			if in := w.inst[id]; in.id.DutyType == uint64(consensus.DutyAttester) {
				d, _ := consensus.DecodeAttestationData(in.candidates[w.rng.Intn(len(in.candidates))])
				m = w.c.attShare(b, d)
				break
			}
		}
		if m == nil {
			m = w.c.attShare(b, data)
		}
	case 3: // garbage signature, or an honest node's index
		s := w.c.attShare(b, data)
		if w.rng.Intn(2) == 0 {
			w.rng.Read(s.Signature[:])
		} else {
			s.ShareIndex = uint64(hon[w.rng.Intn(len(hon))])
		}
		m = s
	case 4: // real block share over an arbitrary block
		blk := w.c.block(slot, testValidatorIndex, w.c.reveal(slot), byte(w.rng.Intn(4)))
		m = w.c.blockShare(b, blk)
	case 5: // RANDAO share (real) or malformed block bytes
		if w.rng.Intn(2) == 0 {
			m = w.c.randaoShare(b, slot)
		} else {
			m = &networking.BlockShare{Block: &networking.VersionedBlock{ForkVersion: phase0.Version{6, 0, 0, 1}, Block: []byte{1, 2, 3}}, ShareIndex: uint64(b)}
		}
	}
	w.recordShare(m)
	w.net = append(w.net, delivery{to: to, msg: m, byz: true})
}

// makeChainBlock appends a block to the simulated chain: it includes the
// DV-signed attestations not yet on chain (one per slot) and, when one was
// submitted, the DV's block for a slot.
func (w *world) makeChainBlock() {
	var atts []*phase0.AttestationData
	slots := map[phase0.Slot]bool{}
	var roots []phase0.Root
	for r := range w.submittedAtts {
		roots = append(roots, r)
	}
	slices.SortFunc(roots, func(a, b phase0.Root) int { return strings.Compare(string(a[:]), string(b[:])) })
	for _, r := range roots {
		d := w.submittedAtts[r]
		if !w.included[d.Slot] && !slots[d.Slot] && len(atts) < 8 && w.rng.Intn(3) > 0 {
			atts = append(atts, d)
			slots[d.Slot] = true
		}
	}
	var dvBlock *eth2spec.VersionedBeaconBlock
	for _, s := range sortedKeys(w.submittedBlocks) {
		if !w.proposed[s] {
			b, err := w.submittedBlocks[s].Block.Decode(w.c.chain)
			if err != nil {
				w.t.Fatal(err)
			}
			dvBlock, w.proposed[s] = b, true
			break
		}
	}
	if len(atts) == 0 && dvBlock == nil {
		return
	}
	for s := range slots {
		w.included[s] = true
	}
	if dvBlock != nil {
		vi := testValidatorIndex
		w.chain = append(w.chain, ImportedNewBlock{Block: dvBlock, ValidatorIndex: &vi})
	}
	if len(atts) > 0 {
		maxSlot := phase0.Slot(0)
		for _, d := range atts {
			maxSlot = max(maxSlot, d.Slot)
		}
		w.chainSlot = max(w.chainSlot+1, maxSlot+1)
		ev := w.c.imported(w.chainSlot, atts...)
		w.chain = append(w.chain, ev)
	}
}

// checkTheorem is the Dafny main theorem on everything M shares could sign,
// and the block theorem.
func (w *world) checkTheorem() {
	var signable []*phase0.AttestationData
	for r, s := range w.attSigners {
		if len(s) >= w.c.m {
			signable = append(signable, w.attData[r])
		}
	}
	for i, a := range signable {
		for _, b := range signable[i+1:] {
			if sameData(a, b) {
				continue
			}
			as, at, bs, bt := a.Source.Epoch, a.Target.Epoch, b.Source.Epoch, b.Target.Epoch
			if at == bt {
				w.t.Fatalf("double vote signable: %v and %v", a, b)
			}
			if (as < bs && bt < at) || (bs < as && at < bt) {
				w.t.Fatalf("surround vote signable: %v and %v", a, b)
			}
		}
	}
	bySlot := map[phase0.Slot]phase0.Root{}
	for r, s := range w.blockSigners {
		if len(s) < w.c.m {
			continue
		}
		slot := w.blockSlot[r]
		if prev, ok := bySlot[slot]; ok && prev != r {
			w.t.Fatalf("two different blocks signable for slot %d", slot)
		}
		bySlot[slot] = r
	}
}

// run executes a random schedule of at most steps actions. Now and then
// (1 in 150 steps, so the clock crosses the duties' slots over a run
// rather than leaving them all behind) the clock advances a slot (not
// behind a relay, whose test wants every signed attestation combined), so
// duties and instances expire (amendment A23) amid everything else.
func (w *world) run(steps int) {
	hon := w.honest()
	for k := 0; k < steps; k++ {
		w.steps++
		if !w.relay && w.rng.Intn(150) == 0 {
			w.tick()
		}
		switch r := w.rng.Intn(100); {
		case r < 10:
			w.serveNext(hon[w.rng.Intn(len(hon))])
		case r < 55:
			if len(w.net) > 0 {
				w.deliverNet(w.rng.Intn(len(w.net)))
			}
		case r < 63:
			ids := w.sortedInstances()
			if len(ids) > 0 {
				w.tryDecide(w.inst[ids[w.rng.Intn(len(ids))]])
			}
		case r < 75:
			w.deliverSomeDecision()
		case r < 80:
			if len(w.byz) > 0 {
				w.byzantineSend()
			}
		case r < 83:
			w.makeChainBlock()
		case r < 89:
			nd := w.nodes[hon[w.rng.Intn(len(hon))]]
			if nd.chainAt < len(w.chain) {
				ev := w.chain[nd.chainAt]
				nd.chainAt++
				w.step(nd.idx, ev, false)
			}
		case r < 92:
			i := hon[w.rng.Intn(len(hon))]
			switch w.rng.Intn(3) {
			case 0:
				w.step(i, ResendAttestationShares{}, false)
			case 1:
				w.step(i, ResendRandaoShares{}, false)
			default:
				w.step(i, ResendBlockShares{}, false)
			}
		default:
			nd := w.nodes[hon[w.rng.Intn(len(hon))]]
			if len(nd.vc) > 0 {
				ev := nd.vc[0]
				nd.vc = nd.vc[1:]
				w.step(nd.idx, ev, false)
			}
		}
	}
	w.checkTheorem()
}

// tick starts the next slot at every honest node.
func (w *world) tick() {
	if w.clock == 0 {
		w.clock = w.duties[0].slot
	}
	w.clock++
	for _, i := range w.honest() {
		w.step(i, NewSlot{Slot: w.clock}, false)
	}
}

func (w *world) sortedInstances() []consensus.InstanceID {
	ids := make([]consensus.InstanceID, 0, len(w.inst))
	for id := range w.inst {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b consensus.InstanceID) int {
		if a.DutyType != b.DutyType {
			return int(a.DutyType) - int(b.DutyType)
		}
		return int(a.Slot) - int(b.Slot)
	})
	return ids
}

func (w *world) deliverSomeDecision() {
	for _, id := range w.sortedInstances() {
		in := w.inst[id]
		if in.decided == nil {
			continue
		}
		for _, i := range w.honest() {
			if !in.delivered[i] && running(w.nodes[i], id) && w.rng.Intn(2) == 0 {
				w.deliverDecision(in, i)
				return
			}
		}
	}
}

// quiesce runs the world deterministically to the end: each round serves
// the next duty to every honest node (one at a time: a later duty
// supersedes an undecided one, amendment A23), delivers every message,
// decides every instance with its first valid candidate and delivers the
// decisions and every VC submission.
func (w *world) quiesce(rounds int) {
	for r := 0; r < rounds; r++ {
		progress := false
		for _, i := range w.honest() {
			if w.serveNext(i) {
				progress = true
				w.drain()
			}
		}
		for _, id := range w.sortedInstances() {
			in := w.inst[id]
			if w.tryDecide(in) {
				progress = true
			}
			if in.decided == nil {
				continue
			}
			for _, i := range w.honest() {
				if !in.delivered[i] && running(w.nodes[i], id) {
					w.deliverDecision(in, i)
					progress = true
					w.drain()
				}
			}
		}
		if !progress {
			break
		}
	}
	w.checkTheorem()
}

// drain delivers every message and VC submission, FIFO.
func (w *world) drain() {
	for {
		if len(w.net) > 0 {
			w.deliverNet(0)
			continue
		}
		done := true
		for _, i := range w.honest() {
			nd := w.nodes[i]
			if len(nd.vc) > 0 {
				ev := nd.vc[0]
				nd.vc = nd.vc[1:]
				w.step(i, ev, false)
				done = false
			}
		}
		if done {
			return
		}
	}
}

func electraSingle(duty *spec.AttestationDuty, data *phase0.AttestationData, sig phase0.BLSSignature) *electra.SingleAttestation {
	return &electra.SingleAttestation{CommitteeIndex: duty.CommitteeIndex, AttesterIndex: duty.ValidatorIndex, Data: data, Signature: sig}
}
