package node

import (
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"
	herumi "github.com/herumi/bls-eth-go-binary/bls"

	"github.com/dvspec/go-dvspec/consensus/qbft"
	"github.com/dvspec/go-dvspec/impl/blsbatch"
	"github.com/dvspec/go-dvspec/spec/bls"
)

// memo remembers signature checks so that each signature is verified once:
// the transport's reader goroutines check incoming messages in parallel
// before they reach the event loop, and the pure state machines, which
// verify again (share on receipt, shares again in construct_signed_*, QBFT
// justifications), find the answer here. Two generations bound its memory.
type memo struct {
	mu       sync.Mutex
	cur, old map[[32]byte]bool
	limit    int
}

func newMemo(limit int) *memo {
	return &memo{cur: map[[32]byte]bool{}, old: map[[32]byte]bool{}, limit: limit}
}

func (m *memo) get(k [32]byte) (ok, found bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, f := m.cur[k]; f {
		return v, true
	}
	if v, f := m.old[k]; f {
		m.cur[k] = v
		return v, true
	}
	return false, false
}

func (m *memo) put(k [32]byte, v bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.cur) >= m.limit {
		m.old, m.cur = m.cur, make(map[[32]byte]bool, m.limit)
	}
	m.cur[k] = v
}

// verifyMemo is a memo as a bls.VerifyMemo (nil m: remembers nothing).
type verifyMemo struct{ m *memo }

func (v verifyMemo) Get(d [32]byte) (valid, found bool) {
	if v.m == nil {
		return false, false
	}
	return v.m.get(d)
}

func (v verifyMemo) Put(d [32]byte, valid bool) {
	if v.m != nil {
		v.m.put(d, valid)
	}
}

// blsMemo is a networking.VerifyFunc (and dvc Oracles.Verify) that returns
// exactly bls.Verify's answer, memoised. It also keeps the deserialised
// public keys (the cluster's keys are few and fixed), doing the same checks
// as bls.Verify: a compressed G1 point in the subgroup, not infinity.
type blsMemo struct {
	m    *memo
	keys *keyCache
	// sigs keeps the signatures the batch verifier decoded (subgroup
	// points other than infinity), so that threshold recovery, which
	// combines shares just verified, does not decompress and
	// subgroup-check them again (Recover).
	sigs *sigCache
}

// sigCache is a two-generation map of decoded signatures (nil: keeps
// nothing).
type sigCache struct {
	mu       sync.Mutex
	cur, old map[phase0.BLSSignature]*herumi.Sign
}

// sigCacheLimit per generation: a node checks about 4,400 shares a slot at
// 512 validators holding every sync seat, and recovers within the slot.
const sigCacheLimit = 1 << 14

func (c *sigCache) get(sig phase0.BLSSignature) *herumi.Sign {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if h := c.cur[sig]; h != nil {
		return h
	}
	return c.old[sig]
}

// put keeps h, the decoding of sig, unless it is infinity.
func (c *sigCache) put(sig phase0.BLSSignature, h *herumi.Sign) {
	if c == nil || h.IsZero() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.cur) >= sigCacheLimit {
		c.old, c.cur = c.cur, make(map[phase0.BLSSignature]*herumi.Sign, sigCacheLimit)
	}
	c.cur[sig] = h
}

// Recover is bls.RecoverSignature over the decoded signatures kept
// (bls.RecoverSignatureWith): the same answer.
func (b blsMemo) Recover(parts []bls.PartialSignature, threshold int) (bls.Signature, error) {
	return bls.RecoverSignatureWith(parts, threshold, b.sigs.get)
}

type keyCache struct {
	mu   sync.RWMutex
	keys map[phase0.BLSPubKey]*herumi.PublicKey
}

func newBLSMemo() blsMemo {
	return blsMemo{m: newMemo(1 << 18), keys: &keyCache{keys: map[phase0.BLSPubKey]*herumi.PublicKey{}},
		sigs: &sigCache{cur: map[phase0.BLSSignature]*herumi.Sign{}, old: map[phase0.BLSSignature]*herumi.Sign{}}}
}

// publicKey returns the parsed key, or nil when bls.Verify would refuse it.
func (c *keyCache) publicKey(pk phase0.BLSPubKey) *herumi.PublicKey {
	c.mu.RLock()
	h, ok := c.keys[pk]
	c.mu.RUnlock()
	if ok {
		return h
	}
	var p herumi.PublicKey
	if err := p.Deserialize(pk[:]); err == nil && !p.IsZero() {
		h = &p
	}
	c.mu.Lock()
	if len(c.keys) < 1<<16 {
		c.keys[pk] = h
	}
	c.mu.Unlock()
	return h
}

// verify is bls.Verify with the public key from the cache.
func (b blsMemo) verify(pk phase0.BLSPubKey, msg []byte, sig phase0.BLSSignature) bool {
	hpk := b.keys.publicKey(pk)
	if hpk == nil {
		return false
	}
	var hsig herumi.Sign
	if err := hsig.Deserialize(sig[:]); err != nil {
		return false
	}
	b.sigs.put(sig, &hsig)
	// A copy: cgo panics on a pointer into an allocation holding Go
	// pointers (see spec/bls cgoBytes).
	return hsig.VerifyByte(hpk, append(make([]byte, 0, len(msg)), msg...))
}

func (b blsMemo) Verify(pk phase0.BLSPubKey, msg []byte, sig phase0.BLSSignature) bool {
	h := sha256.New()
	h.Write(pk[:])
	h.Write(sig[:])
	h.Write(msg)
	var k [32]byte
	copy(k[:], h.Sum(nil))
	if v, ok := b.m.get(k); ok {
		return v
	}
	v := b.verify(pk, msg, sig)
	b.m.put(k, v)
	return v
}

// edMemo is a qbft.Verifier over the cluster's node keys, memoised.
type edMemo struct {
	m     *memo
	inner qbft.Verifier
}

func (e edMemo) Verify(sender uint64, root phase0.Root, sig qbft.Signature) bool {
	var buf [8 + 32 + 64]byte
	binary.LittleEndian.PutUint64(buf[:8], sender)
	copy(buf[8:40], root[:])
	copy(buf[40:], sig[:])
	k := sha256.Sum256(buf[:])
	if v, ok := e.m.get(k); ok {
		return v
	}
	v := e.inner.Verify(sender, root, sig)
	e.m.put(k, v)
	return v
}

// verifyJob is one share signature to check off the loop.
type verifyJob struct {
	pk   phase0.BLSPubKey
	root [32]byte
	sig  phase0.BLSSignature
	done func()
	// low: sync committee or aggregation work, checked when no proposal or
	// attestation share waits (overload.go's lanes, applied to the CPU the
	// checks take); in the aggregation runtime's own verifier, the sync
	// committee selection proofs (aggShareLow).
	low bool
}

// batchVerifier checks share signatures in the background, several at a
// time: a worker takes what is queued (up to maxVerifyBatch), proposal and
// attestation shares before the low lane's, and checks it with as few
// pairings as it can: the signatures of one message (every sync committee
// share of a slot, every attestation share of a slot from Electra) with
// one pairing equation (sameMessage), the rest with one multi-pairing
// (herumi MultiVerify). Both take a random 64-bit linear combination, so a
// batch with an invalid signature passes with probability 2^-64 at most;
// a batch that fails is checked one by one, so every result is
// bls.Verify's. Results go into the memo, where the state machines find
// them.
type batchVerifier struct {
	b      blsMemo
	hi, lo chan verifyJob
	// wake has a token for a queued job (or more: a worker empties both
	// lanes before it waits again), so a worker blocks on one channel and
	// then picks the lane.
	wake chan struct{}
	// lowBusy is held by the one worker checking the low lane: low-lane
	// checks never take more than one core of the node, and what arrives
	// meanwhile makes the next batch larger (one pairing equation for a
	// slot's sync shares) instead of another single check.
	lowBusy atomic.Bool
	// lowLinger and firstLinger are how long a worker that took a small
	// batch of the low (first) lane lets it grow before checking it (0:
	// never): shares arrive a few at a time over a third of a slot, and
	// each check has a fixed cost of about 0.6 ms (two Miller loops and a
	// final exponentiation) whatever its size, which batches of a dozen
	// shares, or single ones, paid again and again (about 7% of the CPU
	// at 512 validators holding every sync seat). The node's verifier
	// lingers on its low lane only (with more than one worker, another
	// takes the first lane meanwhile); the aggregation runtime's on both.
	lowLinger, firstLinger time.Duration
	// sleep lingers (time.Sleep; a test's hook) and checked, if set, sees
	// every batch before it is checked (a test's hook).
	sleep   func(time.Duration)
	checked func(batch []verifyJob, low bool)
}

// maxVerifyBatch bounds a batch; a batch that lingered may reach
// maxLingeredBatch (a failed batch is checked one by one, so the bound
// also bounds that).
const (
	maxVerifyBatch   = 64
	maxLingeredBatch = 256
	// lingerBelow: a batch this small lingers, where its lane does.
	lingerBelow = 32
)

// minBatch is the smallest batch checked with one multi-pairing; a single
// signature is checked alone. Two already gain (BenchmarkBatchCheck: one
// final exponentiation and three Miller loops instead of two and four), and
// at low load most batches are that small.
var minBatch = 2

func newBatchVerifier(b blsMemo, workers int, lowLinger, firstLinger time.Duration) *batchVerifier {
	bv := &batchVerifier{b: b, hi: make(chan verifyJob, 1<<14), lo: make(chan verifyJob, 1<<14), wake: make(chan struct{}, 1<<10),
		lowLinger: lowLinger, firstLinger: firstLinger, sleep: time.Sleep}
	for i := 0; i < workers; i++ {
		go bv.work()
	}
	return bv
}

// submit queues a job (waiting while its lane is full: backpressure on the
// transport).
func (bv *batchVerifier) submit(j verifyJob) {
	if j.low {
		bv.lo <- j
	} else {
		bv.hi <- j
	}
	select {
	case bv.wake <- struct{}{}:
	default: // tokens are pending: a worker will find the job
	}
}

// next takes up to maxVerifyBatch queued jobs of one lane: the first lane
// if it has any, else the low lane unless another worker checks it (low
// reports that the caller holds it). It returns nil when there is nothing
// this worker may take.
func (bv *batchVerifier) next() (batch []verifyJob, low bool) {
	if batch = drainLane(bv.hi, nil, maxVerifyBatch); len(batch) > 0 {
		return batch, false
	}
	if len(bv.lo) == 0 || !bv.lowBusy.CompareAndSwap(false, true) {
		return nil, false
	}
	if batch = drainLane(bv.lo, nil, maxVerifyBatch); len(batch) == 0 {
		bv.lowBusy.Store(false)
		return nil, false
	}
	return batch, true
}

// drainLane appends queued jobs of lane to batch, up to max in all.
func drainLane(lane chan verifyJob, batch []verifyJob, max int) []verifyJob {
	for len(batch) < max {
		select {
		case j := <-lane:
			batch = append(batch, j)
		default:
			return batch
		}
	}
	return batch
}

// work checks batches until both lanes are empty (or the low lane is
// another worker's), then waits for a token. The low lane's holder looks
// again after releasing it, so a low job whose token another worker took
// while the lane was held is not left behind.
func (bv *batchVerifier) work() {
	for range bv.wake {
		for {
			batch, low := bv.next()
			if len(batch) == 0 {
				break
			}
			lane, linger := bv.hi, bv.firstLinger
			if low {
				lane, linger = bv.lo, bv.lowLinger
			}
			if linger > 0 && len(batch) < lingerBelow {
				// What arrives in the lane meanwhile joins the batch.
				bv.sleep(linger)
				batch = drainLane(lane, batch, maxLingeredBatch)
			}
			if bv.checked != nil {
				bv.checked(batch, low)
			}
			bv.check(batch)
			if low {
				bv.lowBusy.Store(false)
			}
			for _, j := range batch {
				if j.done != nil {
					j.done()
				}
			}
		}
	}
}

func (j *verifyJob) key() [32]byte {
	h := sha256.New()
	h.Write(j.pk[:])
	h.Write(j.sig[:])
	h.Write(j.root[:])
	var k [32]byte
	copy(k[:], h.Sum(nil))
	return k
}

// check verifies a batch into the memo.
func (bv *batchVerifier) check(batch []verifyJob) {
	var todo []verifyJob
	var keys [][32]byte
	seen := map[[32]byte]bool{}
	for i := range batch {
		k := batch[i].key()
		if seen[k] {
			continue
		}
		seen[k] = true
		if _, ok := bv.b.m.get(k); !ok {
			todo = append(todo, batch[i])
			keys = append(keys, k)
		}
	}
	if len(todo) == 0 {
		return
	}
	// Signatures of the same message first: one pairing equation each.
	byRoot := map[[32]byte][]int{}
	for i := range todo {
		byRoot[todo[i].root] = append(byRoot[todo[i].root], i)
	}
	var rest []int
	for _, idx := range byRoot {
		if len(idx) < 2 || !bv.sameMessage(todo, idx) {
			rest = append(rest, idx...)
			continue
		}
		for _, i := range idx {
			bv.b.m.put(keys[i], true)
		}
	}
	if len(rest) >= minBatch && bv.multi(todo, rest) {
		for _, i := range rest {
			bv.b.m.put(keys[i], true)
		}
		return
	}
	for _, i := range rest {
		root := todo[i].root // a copy: cgo may not see the job's Go pointers
		bv.b.m.put(keys[i], bv.b.verify(todo[i].pk, root[:], todo[i].sig))
	}
}

// multi checks the jobs idx of todo with one herumi MultiVerify.
func (bv *batchVerifier) multi(todo []verifyJob, idx []int) bool {
	sigs := make([]herumi.Sign, 0, len(idx))
	pubs := make([]herumi.PublicKey, 0, len(idx))
	msgs := make([]byte, 0, 32*len(idx))
	for _, i := range idx {
		hpk := bv.b.keys.publicKey(todo[i].pk)
		var s herumi.Sign
		sig := todo[i].sig // a copy: cgo may not see the job's Go pointers
		if hpk == nil || s.Deserialize(sig[:]) != nil {
			return false
		}
		bv.b.sigs.put(sig, &s)
		sigs = append(sigs, s)
		pubs = append(pubs, *hpk)
		msgs = append(msgs, todo[i].root[:]...)
	}
	return herumi.MultiVerify(sigs, pubs, msgs)
}

// sameMessage checks the jobs idx of todo, which sign one message, with
// one pairing equation (blsbatch.SameMessage). Each signature is decoded
// with the subgroup check and kept for threshold recovery; each key is a
// valid non-zero key (keyCache).
func (bv *batchVerifier) sameMessage(todo []verifyJob, idx []int) bool {
	sigs := make([]*herumi.Sign, len(idx))
	pubs := make([]*herumi.PublicKey, len(idx))
	for n, i := range idx {
		hpk := bv.b.keys.publicKey(todo[i].pk)
		s := new(herumi.Sign)
		sig := todo[i].sig // a copy: cgo may not see the job's Go pointers
		if hpk == nil || s.Deserialize(sig[:]) != nil {
			return false
		}
		bv.b.sigs.put(sig, s)
		sigs[n], pubs[n] = s, hpk
	}
	root := todo[idx[0]].root
	return blsbatch.SameMessage(sigs, pubs, root[:])
}
