package simbeacon

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/attestantio/go-eth2-client/spec/phase0"
	herumi "github.com/herumi/bls-eth-go-binary/bls"

	"github.com/dvspec/go-dvspec/impl/blsbatch"
)

// sigCheck is one signature for verifyBatch: sig over root under validator
// v's key.
type sigCheck struct {
	v    phase0.ValidatorIndex
	root phase0.Root
	sig  phase0.BLSSignature
}

// verifyBatch answers for every check what verify answers for it, in list
// order (a later copy of a triple gets the first copy's answer, as verify
// would give it from the seen-cache or by refusing it again), but verifies
// the signatures of one root together: a slot's sync committee messages
// all sign the slot's head root, and one pairing equation
// (blsbatch.SameMessage) replaces hundreds of pairings. The checks of
// concurrent calls join the same equations (sameRootBatcher). A triple
// another caller is verifying is left to that caller and answered after
// this call's own claims are settled, so no two callers wait for each
// other. decoded[i] is check i's signature if this call decoded it (nil for
// a copy, a seen-cache hit or an error), for the pool's decode cache.
func (r *registry) verifyBatch(cs []sigCheck) (errs []error, decoded []*herumi.Sign) {
	errs = make([]error, len(cs))
	decoded = make([]*herumi.Sign, len(cs))
	first := make(map[seenKey]int, len(cs))
	copyOf := map[int]int{}
	var (
		jobs  []*sameRootJob
		owned []int                 // check index of each job
		dones []func(verified bool) // claim of each job
		later []int                 // checks another caller is verifying
	)
	for i, c := range cs {
		if uint64(c.v) >= r.size() {
			errs[i] = fmt.Errorf("unknown validator %d", c.v)
			continue
		}
		k := seenKey{v: c.v, root: c.root, sig: c.sig}
		if j, dup := first[k]; dup {
			copyOf[i] = j
			continue
		}
		first[k] = i
		seen, done, busy := r.seen.tryClaim(k)
		switch {
		case seen:
			continue
		case busy != nil:
			later = append(later, i)
			continue
		}
		s, err := parseSignature(c.sig)
		if err != nil {
			done(false)
			errs[i] = err
			continue
		}
		decoded[i] = s
		jobs = append(jobs, &sameRootJob{pub: &r.keys[c.v], root: c.root, sig: s})
		owned = append(owned, i)
		dones = append(dones, done)
	}
	r.sameRoot.check(jobs)
	for n, j := range jobs {
		dones[n](j.ok)
		if !j.ok {
			errs[owned[n]] = errDoesNotVerify(cs[owned[n]].v)
		}
	}
	for _, i := range later {
		errs[i] = r.verify(cs[i].v, cs[i].root, cs[i].sig)
	}
	for i, j := range copyOf {
		errs[i] = errs[j]
	}
	return errs, decoded
}

func errDoesNotVerify(v phase0.ValidatorIndex) error {
	return fmt.Errorf("signature does not verify under the public key of validator %d", v)
}

// sameRootJob is one decoded signature for sameRootBatcher; ok is its
// answer, set before done is closed.
type sameRootJob struct {
	pub  *herumi.PublicKey
	root phase0.Root
	sig  *herumi.Sign
	ok   bool
	done chan struct{}
}

// sameRootBatcher verifies the signatures of concurrent requests together:
// one goroutine at a time takes everything queued and checks each root's
// signatures with one pairing equation; what arrives meanwhile waits and
// makes the next batch larger. The goroutine ends when the queue is empty.
type sameRootBatcher struct {
	mu      sync.Mutex
	queue   []*sameRootJob
	running bool
	counts  *verifyCounts
}

// verifyCounts counts the registry's verification work, so tests and
// benchmarks can tell one equation from many pairings.
type verifyCounts struct {
	equations atomic.Int64 // same-root equations computed
	batched   atomic.Int64 // signatures a passing equation verified
	single    atomic.Int64 // signatures verified alone (a pairing each)
}

// check verifies jobs (with whatever else is queued) and returns when
// every job has its answer.
func (b *sameRootBatcher) check(jobs []*sameRootJob) {
	if len(jobs) == 0 {
		return
	}
	for _, j := range jobs {
		j.done = make(chan struct{})
	}
	b.mu.Lock()
	b.queue = append(b.queue, jobs...)
	if !b.running {
		b.running = true
		go b.run()
	}
	b.mu.Unlock()
	for _, j := range jobs {
		<-j.done
	}
}

func (b *sameRootBatcher) run() {
	for {
		b.mu.Lock()
		batch := b.queue
		b.queue = nil
		if len(batch) == 0 {
			b.running = false
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		checkSameRoot(batch, b.counts)
		for _, j := range batch {
			close(j.done)
		}
	}
}

// checkSameRoot sets every job's answer: the jobs of a root with one
// equation; a root with one job, or whose equation fails (one signature or
// more is invalid), one by one on every core, so each answer is the single
// verification's.
func checkSameRoot(batch []*sameRootJob, counts *verifyCounts) {
	byRoot := map[phase0.Root][]*sameRootJob{}
	var roots []phase0.Root
	for _, j := range batch {
		if byRoot[j.root] == nil {
			roots = append(roots, j.root)
		}
		byRoot[j.root] = append(byRoot[j.root], j)
	}
	var single []*sameRootJob
	for _, root := range roots {
		group := byRoot[root]
		if len(group) >= 2 {
			sigs := make([]*herumi.Sign, len(group))
			pubs := make([]*herumi.PublicKey, len(group))
			for i, j := range group {
				sigs[i], pubs[i] = j.sig, j.pub
			}
			counts.equations.Add(1)
			if blsbatch.SameMessage(sigs, pubs, root[:]) {
				counts.batched.Add(int64(len(group)))
				for _, j := range group {
					j.ok = true
				}
				continue
			}
		}
		single = append(single, group...)
	}
	counts.single.Add(int64(len(single)))
	_ = parallel(uint64(len(single)), func(i uint64) error {
		j := single[i]
		root := j.root // a copy: cgo may not see the job's Go pointers
		j.ok = j.sig.VerifyByte(j.pub, root[:])
		return nil
	})
}
