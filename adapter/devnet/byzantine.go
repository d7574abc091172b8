package devnet

import (
	"crypto/ed25519"
	"crypto/rand"
	"sort"
	"sync"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/consensus/qbft"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// Byzantine is a node.Outbound that makes a node byzantine towards its
// peers while its own state machines stay honest:
//
//   - equivocating proposals: when it leads a round with a fresh value, the
//     peer with the lowest index gets the honest PROPOSAL and every other
//     peer a PROPOSAL of a different, valid-looking value (another head
//     block root, another graffiti), correctly signed with the node key;
//   - wrong shares: every signature share it sends is invalid, alternately
//     signed with a key that is not its key share ("wrong key") and
//     carrying another message than the one its signature covers ("other
//     data").
//
// With at most F such nodes the cluster must still do every duty.
type Byzantine struct {
	Self  uint64
	Key   ed25519.PrivateKey
	Chain signing.Chain

	mu    sync.Mutex
	count uint64
	wrong bls.SecretKey
	ok    bool

	// Equivocations and BadShares count what was sent.
	Equivocations, BadShares uint64
}

// SetChain replaces the chain the forged values are encoded for (the
// cluster definition's network has no chain config; run.Start calls this
// with the beacon node's before the node sends anything).
func (b *Byzantine) SetChain(c signing.Chain) { b.Chain = c }

// QBFT implements node.Outbound.
func (b *Byzantine) QBFT(msg []byte, to []uint64) map[uint64][]byte {
	out := make(map[uint64][]byte, len(to))
	for _, t := range to {
		out[t] = msg
	}
	m, err := qbft.DecodeSignedMessage(msg)
	if err != nil || m.Message.Type != qbft.MsgProposal || len(m.Prepares) > 0 || len(to) < 2 {
		return out
	}
	alt := b.altValue(consensus.DutyType(m.Message.Instance.DutyType), m.Value)
	if alt == nil {
		return out
	}
	eq := &qbft.SignedMessage{Message: m.Message, Value: alt, RoundChanges: m.RoundChanges}
	eq.Message.Digest = qbft.Digest(alt)
	sig, err := qbft.Sign(&eq.Message, qbft.Ed25519Signer{Key: b.Key})
	if err != nil {
		return out
	}
	eq.Signature = sig
	raw, err := eq.MarshalSSZ()
	if err != nil {
		return out
	}
	sorted := append([]uint64(nil), to...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	for _, t := range sorted[1:] {
		out[t] = raw
	}
	b.mu.Lock()
	b.Equivocations++
	b.mu.Unlock()
	return out
}

// altValue is a different value of the same duty that passes the validity
// predicates.
func (b *Byzantine) altValue(typ consensus.DutyType, value []byte) []byte {
	switch typ {
	case consensus.DutySlotSyncCommittee:
		// The slot value is the block root itself (SPEC.md A25).
		if len(value) != 32 {
			return nil
		}
		v := append([]byte(nil), value...)
		v[0] ^= 0xff
		return v
	case consensus.DutyAttester, consensus.DutySlotAttester:
		// A slot attester value is AttestationData with index 0 (A25).
		d, err := consensus.DecodeAttestationData(value)
		if err != nil {
			return nil
		}
		d.BeaconBlockRoot[0] ^= 0xff
		v, _ := consensus.EncodeAttestationData(d)
		return v
	case consensus.DutySyncCommittee:
		c, err := consensus.DecodeSyncCommitteeContribution(b.Chain, value)
		if err != nil {
			return nil
		}
		c.BeaconBlockRoot[0] ^= 0xff
		v, _ := consensus.EncodeSyncCommitteeContribution(b.Chain, c)
		return v
	case consensus.DutyProposer:
		blk, err := consensus.DecodeBlock(b.Chain, value)
		if err != nil {
			return nil
		}
		switch {
		case blk.Electra != nil:
			blk.Electra.Body.Graffiti[0] ^= 0xff
		case blk.Fulu != nil:
			blk.Fulu.Body.Graffiti[0] ^= 0xff
		case blk.Deneb != nil:
			blk.Deneb.Body.Graffiti[0] ^= 0xff
		case blk.Capella != nil:
			blk.Capella.Body.Graffiti[0] ^= 0xff
		default:
			return nil
		}
		v, _ := consensus.EncodeBlock(b.Chain, blk)
		return v
	}
	return nil
}

// Share implements node.Outbound.
func (b *Byzantine) Share(msg []byte, to []uint64) map[uint64][]byte {
	out := make(map[uint64][]byte, len(to))
	bad := b.badShare(msg)
	for _, t := range to {
		out[t] = bad
	}
	return out
}

func (b *Byzantine) badShare(msg []byte) []byte {
	m, err := networking.UnmarshalMessage(msg)
	if err != nil {
		return msg
	}
	b.mu.Lock()
	b.count++
	wrongKey := b.count%2 == 1
	if !b.ok {
		var seed [32]byte
		_, _ = rand.Read(seed[:])
		if sk, err := bls.InteropSecretKey(uint64(seed[0])<<8 | uint64(seed[1]) + 1_000_000); err == nil {
			b.wrong, b.ok = sk, true
		}
	}
	sk := b.wrong
	b.BadShares++
	b.mu.Unlock()
	if wrongKey {
		v := networking.Verifier{Chain: b.Chain}
		in, err := v.SigningInput(m)
		if err != nil {
			return msg
		}
		s, err := bls.Sign(sk, in.SigningRoot[:])
		if err != nil {
			return msg
		}
		setSignature(m, s)
	} else {
		otherData(m)
	}
	raw, err := networking.MarshalMessage(m)
	if err != nil {
		return msg
	}
	return raw
}

func setSignature(m networking.Message, s phase0.BLSSignature) {
	switch x := m.(type) {
	case *networking.AttestationShare:
		x.Signature = s
	case *networking.RandaoShare:
		x.Signature = s
	case *networking.BlockShare:
		x.Signature = s
	case *networking.SyncCommitteeMessageShare:
		x.Signature = s
	}
}

// otherData changes what the share claims to sign, keeping its signature.
func otherData(m networking.Message) {
	switch x := m.(type) {
	case *networking.AttestationShare:
		d := *x.Data
		d.BeaconBlockRoot[0] ^= 0xff
		x.Data = &d
	case *networking.RandaoShare:
		// A RANDAO share signs the epoch: move it to the epoch's other end
		// would change the slot's epoch only sometimes; flip a signature
		// byte instead (a share over no message at all).
		x.Signature[10] ^= 0xff
	case *networking.BlockShare:
		x.Signature[10] ^= 0xff
	case *networking.SyncCommitteeMessageShare:
		x.BeaconBlockRoot[0] ^= 0xff
	}
}
