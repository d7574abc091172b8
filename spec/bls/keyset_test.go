package bls

import (
	"errors"
	"testing"
)

// keysAndSigs returns n interop keys, their public keys and each key's
// signature of msg.
func keysAndSigs(t testing.TB, n int, msg []byte) ([]PublicKey, []Signature) {
	t.Helper()
	pks := make([]PublicKey, n)
	sigs := make([]Signature, n)
	for i := range n {
		sk, err := InteropSecretKey(uint64(i))
		if err != nil {
			t.Fatal(err)
		}
		if pks[i], err = sk.PublicKey(); err != nil {
			t.Fatal(err)
		}
		if sigs[i], err = Sign(sk, msg); err != nil {
			t.Fatal(err)
		}
	}
	return pks, sigs
}

// TestPublicKeysAgreesWithFastAggregateVerify checks the parsed list's
// answer against the package's FastAggregateVerify over the same keys, for
// right and wrong subsets, messages and signatures.
func TestPublicKeysAgreesWithFastAggregateVerify(t *testing.T) {
	msg := []byte("sync committee message signing root, 32 bytes")
	pks, sigs := keysAndSigs(t, 6, msg)
	set, err := NewPublicKeys(pks)
	if err != nil {
		t.Fatal(err)
	}
	if set.Len() != 6 || !set.Holds(pks) || set.Holds(pks[:5]) {
		t.Fatalf("Len %d, Holds(all) %v, Holds(first five) %v", set.Len(), set.Holds(pks), set.Holds(pks[:5]))
	}
	other := append([]PublicKey(nil), pks...)
	other[2], other[3] = other[3], other[2]
	if set.Holds(other) {
		t.Fatal("Holds accepted the keys in another order")
	}
	agg := func(idx ...int) Signature {
		var ss []Signature
		for _, i := range idx {
			ss = append(ss, sigs[i])
		}
		s, err := AggregateSignatures(ss)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	keysAt := func(idx []int) []PublicKey {
		var out []PublicKey
		for _, i := range idx {
			out = append(out, pks[i])
		}
		return out
	}
	cases := []struct {
		name      string
		positions []int
		msg       []byte
		sig       Signature
		want      bool
	}{
		{"all signers", []int{0, 1, 2, 3, 4, 5}, msg, agg(0, 1, 2, 3, 4, 5), true},
		{"subset", []int{1, 4}, msg, agg(1, 4), true},
		{"subset in another order", []int{4, 1}, msg, agg(1, 4), true},
		{"one signer", []int{3}, msg, sigs[3], true},
		{"a key too many", []int{1, 2, 4}, msg, agg(1, 4), false},
		{"a key missing", []int{1}, msg, agg(1, 4), false},
		{"other message", []int{1, 4}, []byte("another message"), agg(1, 4), false},
		{"no positions", nil, msg, agg(1, 4), false},
		{"position out of range", []int{1, 6}, msg, agg(1, 4), false},
		{"negative position", []int{-1}, msg, sigs[0], false},
		{"not a signature", []int{1, 4}, msg, Signature{0x01}, false},
	}
	// Every case through one memo, twice: the second pass answers from it
	// (a digest shared by two cases would give one of them the other's
	// answer).
	memo := &mapMemo{m: map[[32]byte]bool{}}
	memoised := set.WithMemo(memo)
	for pass := 0; pass < 2; pass++ {
		for _, c := range cases {
			if got := memoised.FastAggregateVerify(c.positions, c.msg, c.sig); got != c.want {
				t.Errorf("pass %d, %s: memoised answer %v, want %v", pass, c.name, got, c.want)
			}
		}
	}
	if memo.hits == 0 || len(memo.m) != len(cases)-3 { // no positions, and those out of range, are refused before the memo
		t.Errorf("memo: %d hits, %d digests for %d cases", memo.hits, len(memo.m), len(cases))
	}
	// One memo shared by two lists: an answer for one list's keys is never
	// the other's, though positions, message and signature are the same.
	other6, _ := keysAndSigs(t, 7, msg)
	shifted, err := NewPublicKeys(other6[1:])
	if err != nil {
		t.Fatal(err)
	}
	shiftedMemo := shifted.WithMemo(memo)
	if !memoised.FastAggregateVerify([]int{1, 4}, msg, agg(1, 4)) || shiftedMemo.FastAggregateVerify([]int{1, 4}, msg, agg(1, 4)) {
		t.Error("a memo shared by two lists gave one list's answer for the other's keys")
	}
	if set.memo != nil || !memoised.Holds(pks) {
		t.Error("WithMemo changed the list it was called on, or lost its keys")
	}
	// A lazy list (NewLazyPublicKeys) answers every case as the parsed
	// one, first parsing its keys and then from them, and parses only the
	// keys the checks need.
	lazy := NewLazyPublicKeys(pks)
	if !lazy.Holds(pks) || lazy.Len() != len(pks) {
		t.Fatal("a lazy list does not hold its keys")
	}
	if lazy.FastAggregateVerify([]int{1, 4}, msg, agg(1, 4)) != true {
		t.Fatal("lazy list: a valid subset refused")
	}
	for p, st := range lazy.lazy.state {
		if want := p == 1 || p == 4; (st == keyParsed) != want {
			t.Errorf("lazy list: key %d parse state %d after a check of keys 1 and 4", p, st)
		}
	}
	for pass := 0; pass < 2; pass++ {
		for _, c := range cases {
			if got := lazy.FastAggregateVerify(c.positions, c.msg, c.sig); got != c.want {
				t.Errorf("lazy list, pass %d, %s: %v, want %v", pass, c.name, got, c.want)
			}
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := set.FastAggregateVerify(c.positions, c.msg, c.sig)
			if got != c.want {
				t.Fatalf("PublicKeys.FastAggregateVerify = %v, want %v", got, c.want)
			}
			inRange := true
			for _, p := range c.positions {
				inRange = inRange && p >= 0 && p < len(pks)
			}
			if inRange {
				if ref := FastAggregateVerify(keysAt(c.positions), c.msg, c.sig); ref != got {
					t.Fatalf("FastAggregateVerify over the same keys = %v, PublicKeys = %v", ref, got)
				}
			}
		})
	}
}

func TestNewPublicKeysRefusesInvalidKey(t *testing.T) {
	pks, _ := keysAndSigs(t, 3, []byte("m"))
	pks[1][0] ^= 0x01
	set, err := NewPublicKeys(pks)
	if !errors.Is(err, ErrInvalidPublicKey) || set != nil {
		t.Fatalf("NewPublicKeys with a corrupted key: set %v, err %v", set, err)
	}
	if want := "key 1:"; len(err.Error()) < len(want) || err.Error()[:len(want)] != want {
		t.Fatalf("error %q does not name position 1", err)
	}
	if _, err := NewPublicKeys([]PublicKey{{}}); !errors.Is(err, ErrInvalidPublicKey) {
		t.Fatalf("the zero key: %v", err)
	}
	// A lazy list takes the invalid key and refuses only the checks that
	// need it, as FastAggregateVerify over the raw keys does.
	msg := []byte("m")
	good, sigs := keysAndSigs(t, 3, msg)
	lazy := NewLazyPublicKeys(pks)
	if lazy.FastAggregateVerify([]int{0, 1}, msg, sigs[0]) || FastAggregateVerify([]PublicKey{pks[0], pks[1]}, msg, sigs[0]) {
		t.Fatal("a check over an invalid key passed")
	}
	if lazy.lazy.state[1] != keyInvalid || lazy.FastAggregateVerify([]int{1}, msg, sigs[1]) {
		t.Fatal("the invalid key is not remembered as invalid")
	}
	if !lazy.FastAggregateVerify([]int{2}, msg, sigs[2]) || pks[2] != good[2] {
		t.Fatal("a valid key of a list holding an invalid one refused")
	}
	var nilSet *PublicKeys
	if nilSet.Len() != 0 || !nilSet.Holds(nil) || nilSet.FastAggregateVerify([]int{0}, []byte("m"), Signature{}) {
		t.Fatal("a nil list must hold no keys and verify nothing")
	}
}

// BenchmarkFastAggregateVerify128 compares verifying a full sync
// subcommittee's contribution from raw keys with the parsed list.
func BenchmarkFastAggregateVerify128(b *testing.B) {
	msg := []byte("sync committee message signing root, 32 bytes")
	pks, sigs := keysAndSigs(b, 128, msg)
	sig, err := AggregateSignatures(sigs)
	if err != nil {
		b.Fatal(err)
	}
	positions := make([]int, len(pks))
	for i := range positions {
		positions[i] = i
	}
	b.Run("raw_keys", func(b *testing.B) {
		for b.Loop() {
			if !FastAggregateVerify(pks, msg, sig) {
				b.Fatal("did not verify")
			}
		}
	})
	set, err := NewPublicKeys(pks)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("parsed_keys", func(b *testing.B) {
		for b.Loop() {
			if !set.FastAggregateVerify(positions, msg, sig) {
				b.Fatal("did not verify")
			}
		}
	})
}

// mapMemo is a VerifyMemo counting its hits.
type mapMemo struct {
	m    map[[32]byte]bool
	hits int
}

func (m *mapMemo) Get(d [32]byte) (bool, bool) {
	v, ok := m.m[d]
	if ok {
		m.hits++
	}
	return v, ok
}

func (m *mapMemo) Put(d [32]byte, v bool) { m.m[d] = v }
