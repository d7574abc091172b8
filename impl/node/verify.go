package node

import (
	"crypto/sha256"
	"encoding/binary"
	"sync"

	"github.com/attestantio/go-eth2-client/spec/phase0"
	herumi "github.com/herumi/bls-eth-go-binary/bls"

	"github.com/dvspec/go-dvspec/consensus/qbft"
	_ "github.com/dvspec/go-dvspec/spec/bls" // sets herumi's Ethereum mode
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

// blsMemo is a networking.VerifyFunc (and dvc Oracles.Verify) that returns
// exactly bls.Verify's answer, memoised. It also keeps the deserialised
// public keys (the cluster's keys are few and fixed), doing the same checks
// as bls.Verify: a compressed G1 point in the subgroup, not infinity.
type blsMemo struct {
	m    *memo
	keys *keyCache
}

type keyCache struct {
	mu   sync.RWMutex
	keys map[phase0.BLSPubKey]*herumi.PublicKey
}

func newBLSMemo() blsMemo {
	return blsMemo{m: newMemo(1 << 18), keys: &keyCache{keys: map[phase0.BLSPubKey]*herumi.PublicKey{}}}
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
}

// batchVerifier checks share signatures in the background, several at a
// time: a worker takes what is queued (up to maxVerifyBatch) and checks it
// with one multi-pairing (herumi MultiVerify: random 64-bit linear
// combination, so a batch with an invalid signature fails except with
// probability 2^-64), falling back to one-by-one checks when the batch
// fails, so every result is bls.Verify's. Results go into the memo, where
// the state machines find them.
type batchVerifier struct {
	b    blsMemo
	jobs chan verifyJob
}

const maxVerifyBatch = 64

// minBatch is the smallest batch checked with one multi-pairing; a single
// signature is checked alone. Two already gain (BenchmarkBatchCheck: one
// final exponentiation and three Miller loops instead of two and four), and
// at low load most batches are that small.
var minBatch = 2

func newBatchVerifier(b blsMemo, workers int) *batchVerifier {
	bv := &batchVerifier{b: b, jobs: make(chan verifyJob, 1<<14)}
	for i := 0; i < workers; i++ {
		go bv.work()
	}
	return bv
}

// submit queues a job (waiting while the queue is full: backpressure on
// the transport).
func (bv *batchVerifier) submit(j verifyJob) { bv.jobs <- j }

func (bv *batchVerifier) work() {
	for j := range bv.jobs {
		batch := []verifyJob{j}
	drain:
		for len(batch) < maxVerifyBatch {
			select {
			case more, ok := <-bv.jobs:
				if !ok {
					break drain
				}
				batch = append(batch, more)
			default:
				break drain
			}
		}
		bv.check(batch)
		for _, j := range batch {
			if j.done != nil {
				j.done()
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
	for i := range batch {
		k := batch[i].key()
		if _, ok := bv.b.m.get(k); !ok {
			todo = append(todo, batch[i])
			keys = append(keys, k)
		}
	}
	if len(todo) == 0 {
		return
	}
	if len(todo) >= minBatch {
		sigs := make([]herumi.Sign, 0, len(todo))
		pubs := make([]herumi.PublicKey, 0, len(todo))
		msgs := make([]byte, 0, 32*len(todo))
		ok := true
		for i := range todo {
			hpk := bv.b.keys.publicKey(todo[i].pk)
			var s herumi.Sign
			sig := todo[i].sig // a copy: cgo may not see the job's Go pointers
			if hpk == nil || s.Deserialize(sig[:]) != nil {
				ok = false
				break
			}
			sigs = append(sigs, s)
			pubs = append(pubs, *hpk)
			msgs = append(msgs, todo[i].root[:]...)
		}
		if ok && herumi.MultiVerify(sigs, pubs, msgs) {
			for _, k := range keys {
				bv.b.m.put(k, true)
			}
			return
		}
	}
	for i := range todo {
		root := todo[i].root // a copy: cgo may not see the job's Go pointers
		bv.b.m.put(keys[i], bv.b.verify(todo[i].pk, root[:], todo[i].sig))
	}
}
