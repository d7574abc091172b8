package netcases_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/capella"
	"github.com/attestantio/go-eth2-client/spec/deneb"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"
	"github.com/holiman/uint256"

	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/networking/netcases"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spectests"
)

// testEnv builds the cases on the unit tests' own fixtures (minimal
// chains, 8 slots per epoch, plain beacon objects), not vectorgen's: the
// cases' statements must hold for any keys, chain and objects. secrets
// gets each validator's secret key, to sign the expected combinations.
func testEnv(t *testing.T, secrets map[phase0.BLSPubKey]bls.SecretKey) netcases.Env {
	root := func(label string) phase0.Root { return sha256.Sum256([]byte("netcases-test/" + label)) }
	return netcases.Env{
		Keys: func(v uint64, n int) *netcases.Keys {
			sk, err := bls.InteropSecretKey(v)
			if err != nil {
				t.Fatal(err)
			}
			pk, err := sk.PublicKey()
			if err != nil {
				t.Fatal(err)
			}
			secrets[pk] = sk
			m := spec.Threshold(n)
			shares, err := bls.Split(sk, m, n, []byte(fmt.Sprintf("netcases-test/%d/%d", v, n)))
			if err != nil {
				t.Fatal(err)
			}
			k := &netcases.Keys{ValidatorIndex: v, ValidatorPublic: pk, N: n, M: m, Shares: shares}
			for _, s := range shares {
				p, err := s.PublicShare()
				if err != nil {
					t.Fatal(err)
				}
				k.Public = append(k.Public, p)
			}
			return k
		},
		Chain: func(fork eth2spec.DataVersion) signing.Chain {
			forks, err := signing.MinimalForkSchedule(fork)
			if err != nil {
				t.Fatal(err)
			}
			return signing.Chain{Forks: forks, GenesisValidatorsRoot: root("gvr"), SlotsPerEpoch: 8}
		},
		AttestationData: func(c signing.Chain, slot phase0.Slot, index phase0.CommitteeIndex, label string) *phase0.AttestationData {
			e := phase0.Epoch(uint64(slot) / c.SlotsPerEpoch)
			return &phase0.AttestationData{Slot: slot, Index: index, BeaconBlockRoot: root(label),
				Source: &phase0.Checkpoint{Epoch: e - 1, Root: root(label + "/source")}, Target: &phase0.Checkpoint{Epoch: e, Root: root(label + "/target")}}
		},
		Block: func(c signing.Chain, fork eth2spec.DataVersion, slot phase0.Slot, proposer uint64, label string) *eth2spec.VersionedBeaconBlock {
			return testBlock(c, fork, slot, phase0.ValidatorIndex(proposer), root(label))
		},
		Root: root,
		Sign: func(sk bls.SecretKey, msg []byte) bls.Signature {
			sig, err := bls.Sign(sk, msg)
			if err != nil {
				t.Fatal(err)
			}
			return sig
		},
	}
}

// testBlock is an empty block of fork whose state root is tag.
func testBlock(c signing.Chain, fork eth2spec.DataVersion, slot phase0.Slot, proposer phase0.ValidatorIndex, tag phase0.Root) *eth2spec.VersionedBeaconBlock {
	eth1 := &phase0.ETH1Data{BlockHash: make([]byte, 32)}
	sync := &altair.SyncAggregate{SyncCommitteeBits: make([]byte, c.ChainConfig().SyncCommitteeSize/8)}
	b := &eth2spec.VersionedBeaconBlock{Version: fork}
	switch fork {
	case eth2spec.DataVersionPhase0:
		b.Phase0 = &phase0.BeaconBlock{Slot: slot, ProposerIndex: proposer, StateRoot: tag, Body: &phase0.BeaconBlockBody{ETH1Data: eth1}}
	case eth2spec.DataVersionAltair:
		b.Altair = &altair.BeaconBlock{Slot: slot, ProposerIndex: proposer, StateRoot: tag, Body: &altair.BeaconBlockBody{ETH1Data: eth1, SyncAggregate: sync}}
	case eth2spec.DataVersionBellatrix:
		b.Bellatrix = &bellatrix.BeaconBlock{Slot: slot, ProposerIndex: proposer, StateRoot: tag, Body: &bellatrix.BeaconBlockBody{ETH1Data: eth1, SyncAggregate: sync,
			ExecutionPayload: &bellatrix.ExecutionPayload{}}}
	case eth2spec.DataVersionCapella:
		b.Capella = &capella.BeaconBlock{Slot: slot, ProposerIndex: proposer, StateRoot: tag, Body: &capella.BeaconBlockBody{ETH1Data: eth1, SyncAggregate: sync,
			ExecutionPayload: &capella.ExecutionPayload{}}}
	case eth2spec.DataVersionDeneb:
		b.Deneb = &deneb.BeaconBlock{Slot: slot, ProposerIndex: proposer, StateRoot: tag, Body: &deneb.BeaconBlockBody{ETH1Data: eth1, SyncAggregate: sync,
			ExecutionPayload: &deneb.ExecutionPayload{BaseFeePerGas: uint256.NewInt(0)}}}
	default:
		blk := &electra.BeaconBlock{Slot: slot, ProposerIndex: proposer, StateRoot: tag, Body: &electra.BeaconBlockBody{ETH1Data: eth1, SyncAggregate: sync,
			ExecutionPayload: &deneb.ExecutionPayload{BaseFeePerGas: uint256.NewInt(0)}, ExecutionRequests: &electra.ExecutionRequests{}}}
		if fork == eth2spec.DataVersionElectra {
			b.Electra = blk
		} else {
			b.Fulu = blk
		}
	}
	return b
}

// TestCases combines the shares of every case as the vectors do and checks
// its author's statement: the named error, or a combined message carrying
// the signature the validator's whole key makes of the message.
func TestCases(t *testing.T) {
	secrets := map[phase0.BLSPubKey]bls.SecretKey{}
	cases, err := netcases.Cases(testEnv(t, secrets))
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no cases")
	}
	seen := map[string]bool{}
	for _, c := range cases {
		path := fmt.Sprintf("%s/%s/%s/%s", c.Cluster.Fork, c.Kind, c.Suite, c.Name)
		if seen[path] {
			t.Errorf("%s: two cases of this name", path)
		}
		seen[path] = true
		res, err := spectests.CombineWith(c.Verifier(), c.Kind.String(), c.Shares)
		if c.Err != nil {
			if !errors.Is(err, c.Err) {
				t.Errorf("%s: got %v, the case states %v", path, err, c.Err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		in, err := (networking.Verifier{Chain: c.Cluster.Chain}).SigningInput(c.Shares[0])
		if err != nil {
			t.Fatal(err)
		}
		want, err := bls.Sign(secrets[c.Cluster.Keys.ValidatorPublic], in.SigningRoot[:])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(res.Combined, want[:]) {
			t.Errorf("%s: the combined %s does not carry the validator's signature", path, res.Type)
		}
	}
}

// TestCasesNameMissingEnvField: a partial Env is refused, naming the field.
func TestCasesNameMissingEnvField(t *testing.T) {
	env := testEnv(t, map[phase0.BLSPubKey]bls.SecretKey{})
	env.Block = nil
	if _, err := netcases.Cases(env); err == nil || !bytes.Contains([]byte(err.Error()), []byte("Env.Block")) {
		t.Fatalf("got %v, want an error naming Env.Block", err)
	}
}
