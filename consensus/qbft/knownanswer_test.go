package qbft

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
)

// knownAnswers is testdata/knownanswers/known_answers.json, produced by
// gen.py: an independent Python implementation (SSZ from the SSZ spec,
// Ed25519 from the `cryptography` package) of what SPEC.md section 8 states.
type knownAnswers struct {
	Quorum         map[string][2]uint64 `json:"quorum"`
	RoundTimeoutMS map[string][2]int64  `json:"round_timeout_ms"`
	Leaders        []struct {
		Instance string   `json:"instance"`
		N        uint64   `json:"n"`
		Rounds   []uint64 `json:"rounds"`
	} `json:"leaders"`
	PublicKeys map[string]string `json:"public_keys"`
	DigestA    string            `json:"digest_value_A"`
	Domain     string            `json:"domain"`
	Messages   map[string]struct {
		SSZ         string `json:"ssz"`
		Root        string `json:"root"`
		MessageRoot string `json:"message_root"`
		SigningRoot string `json:"signing_root"`
		Signature   string `json:"signature"`
	} `json:"messages"`
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func kaInstance2() consensus.InstanceID {
	id := consensus.InstanceID{Cluster: sha256.Sum256([]byte("cluster")), DutyType: 2, Slot: 123456789}
	v1, v2 := sha256.Sum256([]byte("v1")), sha256.Sum256([]byte("v2"))
	copy(id.Validator[:32], v1[:])
	copy(id.Validator[32:], v2[:16])
	return id
}

func TestKnownAnswers(t *testing.T) {
	raw, err := os.ReadFile("testdata/knownanswers/known_answers.json")
	if err != nil {
		t.Fatal(err)
	}
	var ka knownAnswers
	if err := json.Unmarshal(raw, &ka); err != nil {
		t.Fatal(err)
	}
	for k, v := range ka.Quorum {
		n, _ := strconv.ParseUint(k, 10, 64)
		if Quorum(n) != v[0] || F(n) != v[1] {
			t.Errorf("n=%d: Quorum %d F %d, want %d %d", n, Quorum(n), F(n), v[0], v[1])
		}
	}
	for k, v := range ka.RoundTimeoutMS {
		r, _ := strconv.ParseUint(k, 10, 64)
		if RoundTimeout(r) != time.Duration(v[0])*time.Millisecond || RoundDeadline(r) != time.Duration(v[1])*time.Millisecond {
			t.Errorf("round %d: timeout %v deadline %v, want %dms %dms", r, RoundTimeout(r), RoundDeadline(r), v[0], v[1])
		}
	}
	ids := map[string]consensus.InstanceID{"INST": testID, "INST2": kaInstance2()}
	for _, l := range ka.Leaders {
		for r, want := range l.Rounds {
			if got := Leader(ids[l.Instance], uint64(r), l.N); got != want {
				t.Errorf("%s n=%d round %d: leader %d, want %d", l.Instance, l.N, r, got, want)
			}
		}
	}
	for k, pk := range ka.PublicKeys {
		i, _ := strconv.ParseUint(k, 10, 64)
		if got := TestKey(i).Public().(ed25519.PublicKey); !bytes.Equal(got, unhex(t, pk)) {
			t.Errorf("TestKey(%d) public key %x, want %s", i, got, pk)
		}
	}
	if d := Digest(vA); !bytes.Equal(d[:], unhex(t, ka.DigestA)) {
		t.Errorf("Digest(value-A) = %x", d)
	}
	if d := Domain(); !bytes.Equal(d[:], unhex(t, ka.Domain)) {
		t.Errorf("Domain() = %x", d)
	}

	c := newCluster(4)
	dA := Digest(vA)
	id2 := kaInstance2()
	commit3 := c.commit(3, 3, dA)
	commit3.Message.Instance = id2
	msgs := map[string]*SignedMessage{
		"prepare_round0":          c.prepare(2, 0, dA),
		"commit_round3_inst2":     c.sign(commit3),
		"round_change_unprepared": c.rc(1, 1, 0, nil, nil),
		"round_change_prepared":   c.rc(4, 2, 1, vA, c.prepares(1, vA, 1, 2, 3)),
		"proposal_round1_reproposal": c.proposal(2, 1, vA,
			append(payloads(c.rc(1, 1, 0, vA, nil)), c.rcs(1, 3, 4)...), c.prepares(0, vA, 1, 2, 3)),
		"decided": c.decided(2, 0, vA, c.commits(0, vA, 1, 3, 4)),
	}
	if len(msgs) != len(ka.Messages) {
		t.Fatalf("%d messages, known answers have %d", len(msgs), len(ka.Messages))
	}
	for name, m := range msgs {
		want, ok := ka.Messages[name]
		if !ok {
			t.Fatalf("no known answer for %s", name)
		}
		enc, err := m.MarshalSSZ()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(enc, unhex(t, want.SSZ)) {
			t.Errorf("%s: SSZ\n got %x\nwant %s", name, enc, want.SSZ)
		}
		root, _ := m.HashTreeRoot()
		mroot, _ := m.Message.HashTreeRoot()
		sroot, _ := SigningRoot(&m.Message)
		for _, cmp := range []struct {
			what string
			got  []byte
			want string
		}{{"root", root[:], want.Root}, {"message root", mroot[:], want.MessageRoot}, {"signing root", sroot[:], want.SigningRoot}, {"signature", m.Signature[:], want.Signature}} {
			if !bytes.Equal(cmp.got, unhex(t, cmp.want)) {
				t.Errorf("%s: %s %x, want %s", name, cmp.what, cmp.got, cmp.want)
			}
		}
		// The signing root is compute_signing_root's: the hash tree root of
		// a phase0.SigningData.
		sd := phase0.SigningData{ObjectRoot: mroot, Domain: Domain()}
		if r, _ := sd.HashTreeRoot(); r != sroot {
			t.Errorf("%s: signing root is not hash_tree_root(SigningData)", name)
		}
	}
}
