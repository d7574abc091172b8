// Package blsbatch checks many BLS signatures of one message with one
// pairing equation. A beacon node receives a slot's sync committee
// messages (and, from Electra, its attestations) as hundreds of signatures
// of the same signing root; checking them one by one costs a pairing each.
//
// It is impl, not the pure spec layer: the equation takes fresh randomness
// from crypto/rand, so a forger cannot choose signatures that cancel.
//
// impl/simbeacon uses it for sync committee messages, impl/node's batch
// verifier for the shares of one signing root.
package blsbatch

import (
	"crypto/rand"
	"encoding/binary"
	"sync"

	herumi "github.com/herumi/bls-eth-go-binary/bls"

	// herumi initialised in Ethereum mode with the subgroup checks on.
	_ "github.com/dvspec/go-dvspec/spec/bls"
)

// SameMessage reports whether every sigs[i] is a signature of msg under
// pubs[i], with one pairing equation over a random linear combination:
// e(g1, sum r_i sig_i) == e(sum r_i pk_i, H(msg)), r_i random nonzero
// 64-bit. The caller must have decoded every signature with the subgroup
// check (spec/bls enables it for the process) and every key as a valid
// key; zero keys are refused here. Then a false pass needs r chosen after
// the signatures that cancels their errors: probability at most 2^-64
// per call. A true answer means every signature verifies; a false answer
// means at least one does not (or the lists are unusable, or randomness
// failed), and the caller checks them one by one to learn which.
func SameMessage(sigs []*herumi.Sign, pubs []*herumi.PublicKey, msg []byte) bool {
	if len(sigs) == 0 || len(sigs) != len(pubs) {
		return false
	}
	g2s := make([]herumi.G2, len(sigs))
	g1s := make([]herumi.G1, len(sigs))
	rs := make([]herumi.Fr, len(sigs))
	rnd := make([]byte, 8*len(sigs))
	if _, err := rand.Read(rnd); err != nil {
		return false
	}
	for i := range sigs {
		if sigs[i] == nil || pubs[i] == nil || pubs[i].IsZero() {
			return false
		}
		g2s[i] = *herumi.CastFromSign(sigs[i])
		g1s[i] = *herumi.CastFromPublicKey(pubs[i])
		r := rnd[8*i : 8*i+8]
		if binary.LittleEndian.Uint64(r) == 0 {
			// A zero weight would drop signature i from the equation;
			// any fixed nonzero value is as unpredictable as the rest
			// was (the event itself has probability 2^-64).
			r[0] = 1
		}
		if err := rs[i].SetLittleEndian(r); err != nil {
			return false
		}
	}
	var aggSig herumi.G2
	var aggPub herumi.G1
	herumi.G2MulVec(&aggSig, g2s, rs)
	herumi.G1MulVec(&aggPub, g1s, rs)
	hm, ok := hashes.get(msg)
	if !ok {
		return false
	}
	// e(-g1, aggSig) * e(aggPub, H(msg)) == 1: two Miller loops, one
	// final exponentiation.
	var e herumi.GT
	herumi.MillerLoopVec(&e, []herumi.G1{negG1(), aggPub}, []herumi.G2{aggSig, hm})
	herumi.FinalExp(&e, &e)
	return e.IsOne()
}

// hashCache keeps H(msg) of recent messages: hashing to G2 costs about a
// quarter of a millisecond, a third of the equation's fixed cost, and a
// node's batches repeat a few roots all slot long (every sync committee
// share of a slot signs one root, every sync selection proof of a
// subcommittee another). Two generations of hashCacheLimit roots.
type hashCache struct {
	mu       sync.Mutex
	cur, old map[string]herumi.G2
}

const hashCacheLimit = 256

var hashes = &hashCache{cur: map[string]herumi.G2{}, old: map[string]herumi.G2{}}

// get returns H(msg), hashing it unless cached; false if it cannot be
// hashed.
func (c *hashCache) get(msg []byte) (herumi.G2, bool) {
	c.mu.Lock()
	h, ok := c.cur[string(msg)]
	if !ok {
		if h, ok = c.old[string(msg)]; ok {
			c.cur[string(msg)] = h
		}
	}
	c.mu.Unlock()
	if ok {
		return h, true
	}
	// A copy: cgo may not see a pointer into memory holding Go pointers.
	if err := h.HashAndMapTo(append([]byte(nil), msg...)); err != nil {
		return herumi.G2{}, false
	}
	c.mu.Lock()
	if len(c.cur) >= hashCacheLimit {
		c.old, c.cur = c.cur, make(map[string]herumi.G2, hashCacheLimit)
	}
	c.cur[string(msg)] = h
	c.mu.Unlock()
	return h, true
}

var (
	negG1Once sync.Once
	negG1Gen  herumi.G1
)

// negG1 is minus the generator of public keys (in Ethereum mode the
// standard G1 generator).
func negG1() herumi.G1 {
	negG1Once.Do(func() {
		var gen herumi.PublicKey
		herumi.GetGeneratorOfPublicKey(&gen)
		herumi.G1Neg(&negG1Gen, herumi.CastFromPublicKey(&gen))
	})
	return negG1Gen
}
