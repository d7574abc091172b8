package simbeacon

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/attestantio/go-eth2-client/spec/phase0"
	herumi "github.com/herumi/bls-eth-go-binary/bls"

	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// maxEffectiveBalance is MAX_EFFECTIVE_BALANCE, the balance of every
// simulated validator (so every validator weighs the same in committees).
const maxEffectiveBalance = phase0.Gwei(32_000_000_000)

// interopKeys caches interop public keys across simulated nodes: deriving
// one costs a scalar multiplication, and tests start many nodes.
var interopKeys struct {
	mu   sync.Mutex
	pubs []phase0.BLSPubKey
}

// InteropPublicKey returns the public key of interop validator index (the
// key of spec/bls.InteropSecretKey).
func InteropPublicKey(index uint64) (phase0.BLSPubKey, error) {
	pks, err := interopPublicKeys(index + 1)
	if err != nil {
		return phase0.BLSPubKey{}, err
	}
	return pks[index], nil
}

// interopPublicKeys returns the public keys of interop validators 0..n-1,
// deriving the missing ones on every core (a 300,000-validator registry is
// 300,000 scalar multiplications). The slice is shared: read only.
func interopPublicKeys(n uint64) ([]phase0.BLSPubKey, error) {
	interopKeys.mu.Lock()
	defer interopKeys.mu.Unlock()
	have := uint64(len(interopKeys.pubs))
	if have >= n {
		return interopKeys.pubs[:n:n], nil
	}
	fresh := make([]phase0.BLSPubKey, n-have)
	err := parallel(uint64(len(fresh)), func(i uint64) error {
		sk, err := bls.InteropSecretKey(have + i)
		if err != nil {
			return err
		}
		fresh[i], err = sk.PublicKey()
		return err
	})
	if err != nil {
		return nil, err
	}
	interopKeys.pubs = append(interopKeys.pubs, fresh...)
	return interopKeys.pubs[:n:n], nil
}

// parallel runs f(0..n-1) on every core and returns the error of the
// lowest index that failed.
func parallel(n uint64, f func(i uint64) error) error {
	workers := uint64(max(runtime.GOMAXPROCS(0), 1))
	chunk := (n + workers - 1) / workers
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := uint64(0); w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, n)
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func(w, lo, hi uint64) {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				if err := f(i); err != nil {
					errs[w] = fmt.Errorf("%d: %w", i, err)
					return
				}
			}
		}(w, lo, hi)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// registry is the validator set: genesis validators with interop keys, all
// active from epoch 0 with 32 ETH. Public keys are kept deserialised, so a
// signature check costs one pairing and no point decompression.
type registry struct {
	pubkeys    []phase0.BLSPubKey
	keys       []herumi.PublicKey
	byPubkey   map[phase0.BLSPubKey]phase0.ValidatorIndex
	validators []*phase0.Validator
	gvr        phase0.Root
	seen       seenSignatures
	sameRoot   sameRootBatcher
	counts     verifyCounts
}

// seenSignatures remembers single signatures that verified, so that the
// same message submitted again (every node of a DV cluster submits the same
// combined signature) costs no second pairing, as a beacon node's
// seen-caches do. Only byte-identical (validator, root, signature) triples
// hit, and those verified before, so the answer is the same. It is cleared
// when full rather than evicted entry by entry: duplicates arrive within a
// slot of each other.
type seenSignatures struct {
	mu sync.Mutex
	m  map[seenKey]struct{}
	// inflight: a triple being verified now; the copies submitted
	// meanwhile (the cluster's nodes submit within milliseconds of each
	// other) wait for that answer instead of pairing too.
	inflight map[seenKey]chan struct{}
	// waiting, if set, is called when claim is about to wait for another
	// caller's verification: tests use it to know a copy is waiting (nil
	// outside tests).
	waiting func(seenKey)
}

type seenKey struct {
	v    phase0.ValidatorIndex
	root phase0.Root
	sig  phase0.BLSSignature
}

const maxSeenSignatures = 1 << 16

// claim reports whether k verified before; if not, the caller verifies it
// and calls done with the answer. A caller finding k being verified waits
// for that verification first.
func (s *seenSignatures) claim(k seenKey) (seen bool, done func(verified bool)) {
	for {
		seen, done, busy := s.tryClaim(k)
		if busy == nil {
			return seen, done
		}
		if s.waiting != nil {
			s.waiting(k)
		}
		<-busy
		// verified (seen) or refused (verify it again: the answer is the
		// caller's)
	}
}

// tryClaim is claim without waiting: if k is being verified by another
// caller, it returns busy, closed when that verification ends, and the
// caller claims again then. A caller holding claims must not wait on busy
// before it has called their done functions: two callers could each wait
// for the other's claim.
func (s *seenSignatures) tryClaim(k seenKey) (seen bool, done func(verified bool), busy <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[k]; ok {
		return true, nil, nil
	}
	if ch, ok := s.inflight[k]; ok {
		return false, nil, ch
	}
	ch := make(chan struct{})
	if s.inflight == nil {
		s.inflight = map[seenKey]chan struct{}{}
	}
	s.inflight[k] = ch
	return false, func(verified bool) {
		s.mu.Lock()
		if verified {
			if s.m == nil || len(s.m) >= maxSeenSignatures {
				s.m = make(map[seenKey]struct{})
			}
			s.m[k] = struct{}{}
		}
		delete(s.inflight, k)
		s.mu.Unlock()
		close(ch)
	}, nil
}

func newRegistry(n uint64) (*registry, error) {
	r := &registry{
		pubkeys:    make([]phase0.BLSPubKey, n),
		keys:       make([]herumi.PublicKey, n),
		byPubkey:   make(map[phase0.BLSPubKey]phase0.ValidatorIndex, n),
		validators: make([]*phase0.Validator, n),
	}
	r.sameRoot.counts = &r.counts
	pks, err := interopPublicKeys(n)
	if err != nil {
		return nil, fmt.Errorf("simbeacon: interop key %w", err)
	}
	copy(r.pubkeys, pks)
	roots := make([][32]byte, n)
	// Every validator on its own: the keys are deserialised (subgroup
	// check) and the validators hashed on every core.
	err = parallel(n, func(i uint64) error {
		pk := r.pubkeys[i]
		if err := r.keys[i].Deserialize(pk[:]); err != nil {
			return fmt.Errorf("does not deserialise: %w", err)
		}
		// Interop genesis withdrawal credentials: BLS_WITHDRAWAL_PREFIX
		// followed by sha256(pubkey)[1:].
		wc := sha256.Sum256(pk[:])
		wc[0] = 0x00
		v := &phase0.Validator{
			PublicKey:                  pk,
			WithdrawalCredentials:      wc[:],
			EffectiveBalance:           maxEffectiveBalance,
			ActivationEligibilityEpoch: 0,
			ActivationEpoch:            0,
			ExitEpoch:                  signing.FarFutureEpoch,
			WithdrawableEpoch:          signing.FarFutureEpoch,
		}
		r.validators[i] = v
		root, err := v.HashTreeRoot()
		if err != nil {
			return fmt.Errorf("root: %w", err)
		}
		roots[i] = root
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("simbeacon: validator %w", err)
	}
	for i, pk := range r.pubkeys {
		r.byPubkey[pk] = phase0.ValidatorIndex(i)
	}
	r.gvr = listRoot(roots, 40)
	return r, nil
}

func (r *registry) size() uint64 { return uint64(len(r.pubkeys)) }

// listRoot is the SSZ hash tree root of a List[T, 2^depth] whose element
// roots are given: the roots merkleized to depth with zero-subtree padding,
// then mixed with the length. genesis_validators_root is this over the
// genesis validators with depth 40 (VALIDATOR_REGISTRY_LIMIT = 2^40).
func listRoot(roots [][32]byte, depth int) phase0.Root {
	zero := make([][32]byte, depth+1)
	for i := 1; i <= depth; i++ {
		zero[i] = sha256.Sum256(append(zero[i-1][:], zero[i-1][:]...))
	}
	layer := append([][32]byte(nil), roots...)
	for d := 0; d < depth; d++ {
		if len(layer) == 0 {
			layer = [][32]byte{zero[d]}
		}
		if len(layer)%2 == 1 {
			layer = append(layer, zero[d])
		}
		next := make([][32]byte, len(layer)/2)
		for i := range next {
			next[i] = sha256.Sum256(append(layer[2*i][:], layer[2*i+1][:]...))
		}
		layer = next
	}
	var length [32]byte
	binary.LittleEndian.PutUint64(length[:8], uint64(len(roots)))
	return sha256.Sum256(append(layer[0][:], length[:]...))
}

// parseSignature deserialises a signature with the subgroup check
// (spec/bls enables it for the whole process) and refuses the point at
// infinity, which no validator key produces.
func parseSignature(sig phase0.BLSSignature) (*herumi.Sign, error) {
	var s herumi.Sign
	if err := s.Deserialize(sig[:]); err != nil {
		return nil, fmt.Errorf("signature is not a valid compressed G2 point in the subgroup")
	}
	if s.IsZero() {
		return nil, fmt.Errorf("signature is the point at infinity")
	}
	return &s, nil
}

// verify checks sig over root under validator v's key.
func (r *registry) verify(v phase0.ValidatorIndex, root phase0.Root, sig phase0.BLSSignature) error {
	if uint64(v) >= r.size() {
		return fmt.Errorf("unknown validator %d", v)
	}
	seen, done := r.seen.claim(seenKey{v: v, root: root, sig: sig})
	if seen {
		return nil
	}
	s, err := parseSignature(sig)
	if err != nil {
		done(false)
		return err
	}
	r.counts.single.Add(1)
	if !s.VerifyByte(&r.keys[v], root[:]) {
		done(false)
		return errDoesNotVerify(v)
	}
	done(true)
	return nil
}

// verifyAggregate checks an aggregate signature of root by every validator
// listed, each counted as often as it is listed (a sync committee member
// can hold several positions, and each position adds its signature).
func (r *registry) verifyAggregate(vs []phase0.ValidatorIndex, root phase0.Root, sig phase0.BLSSignature) error {
	if len(vs) == 0 {
		return fmt.Errorf("aggregate has no participants")
	}
	s, err := parseSignature(sig)
	if err != nil {
		return err
	}
	keys := make([]herumi.PublicKey, len(vs))
	for i, v := range vs {
		if uint64(v) >= r.size() {
			return fmt.Errorf("unknown validator %d", v)
		}
		keys[i] = r.keys[v]
	}
	if !s.FastAggregateVerify(keys, root[:]) {
		return fmt.Errorf("aggregate signature does not verify under the %d participants' public keys", len(vs))
	}
	return nil
}

// aggregate sums signatures that were verified when they arrived. Each
// distinct signature is decoded once: a sync committee member holding
// several positions of a subcommittee adds its one signature once per
// position, and decoding (a subgroup check) is what aggregating costs.
func aggregate(sigs []phase0.BLSSignature) (phase0.BLSSignature, error) {
	if len(sigs) == 0 {
		return phase0.BLSSignature{}, errors.New("no signatures to aggregate")
	}
	parsed := make(map[phase0.BLSSignature]*herumi.Sign, len(sigs))
	var agg herumi.Sign
	for i, s := range sigs {
		h := parsed[s]
		if h == nil {
			h = new(herumi.Sign)
			if err := h.Deserialize(s[:]); err != nil {
				return phase0.BLSSignature{}, fmt.Errorf("signature %d does not decode: %w", i, err)
			}
			parsed[s] = h
		}
		if i == 0 {
			agg = *h
		} else {
			agg.Add(h)
		}
	}
	var out phase0.BLSSignature
	copy(out[:], agg.Serialize())
	return out, nil
}
