package spectests

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

// Deliberately wrong implementations, each with one bug a real client could
// have. TestBrokenImplementationsAreCaught requires the vectors to fail
// each of them in the named cases: the vectors pin the rules down, they do
// not merely agree with the Go spec.

// oneWaySurround checks only one surround direction, like the Python
// helper (SPEC.md deviation 10): a vote that surrounds a signed one passes
// and is recorded.
type oneWaySurround struct{ GoSpec }

func (b oneWaySurround) LoadSlashingDB(ssz []byte) (SlashingDB, error) {
	db, err := b.GoSpec.LoadSlashingDB(ssz)
	if err != nil {
		return nil, err
	}
	return oneWaySurroundDB{db.(GoSlashingDB)}, nil
}

type oneWaySurroundDB struct{ GoSlashingDB }

func (d oneWaySurroundDB) CheckAttestation(s Strategy, pk phase0.BLSPubKey, source, target uint64, root *phase0.Root) error {
	err := d.GoSlashingDB.CheckAttestation(s, pk, source, target, root)
	if errors.Is(err, slashing.ErrSurroundsExisting) {
		return nil
	}
	return err
}

func (d oneWaySurroundDB) InsertAttestation(s Strategy, pk phase0.BLSPubKey, source, target uint64, root *phase0.Root) error {
	err := d.GoSlashingDB.InsertAttestation(s, pk, source, target, root)
	if !errors.Is(err, slashing.ErrSurroundsExisting) {
		return err
	}
	// Record it anyway, through an import (which never refuses).
	rootField := ""
	if root != nil {
		rootField = fmt.Sprintf(`, "signing_root": "%#x"`, root[:])
	}
	file := fmt.Sprintf(`{"metadata": {"interchange_format_version": "5", "genesis_validators_root": "%#x"},
		"data": [{"pubkey": "%#x", "signed_blocks": [], "signed_attestations": [{"source_epoch": "%d", "target_epoch": "%d"%s}]}]}`,
		d.DB.GenesisValidatorsRoot[:], pk[:], source, target, rootField)
	return d.ImportInterchange([]byte(file))
}

// thresholdMinusOne recombines with one share fewer than the threshold.
type thresholdMinusOne struct{ GoSpec }

func (b thresholdMinusOne) RecoverSignature(parts []PartialSignature, threshold int) (phase0.BLSSignature, error) {
	if threshold > 1 {
		threshold--
	}
	return b.GoSpec.RecoverSignature(parts, threshold)
}

// legacyQuorum uses the threshold of the Python spec before ee72097,
// floor(2N/3)+1.
type legacyQuorum struct{ GoSpec }

func (legacyQuorum) Threshold(n int) int { return spec.LegacyThreshold(n) }

// ignoresElectraIndex accepts any committee index from Electra on
// (EIP-7549 requires 0).
type ignoresElectraIndex struct{ GoSpec }

func (b ignoresElectraIndex) IsValidAttestationData(preset string, chain Chain, db, duty, data []byte) error {
	err := b.GoSpec.IsValidAttestationData(preset, chain, db, duty, data)
	if errors.Is(err, consensus.ErrCommitteeIndexNotZero) {
		return nil
	}
	return err
}

// noEIP7044 signs voluntary exits from Deneb on with the state's fork
// version, as before Deneb, instead of Capella's.
type noEIP7044 struct{ GoSpec }

func (b noEIP7044) SigningRoots(req SigningRequest) (SigningRoots, error) {
	out, err := b.GoSpec.SigningRoots(req)
	if err != nil || req.MessageType != "voluntary_exit" {
		return out, err
	}
	chain, err := SpecChain(req.Chain)
	if err != nil {
		return out, err
	}
	current := phase0.Epoch(*req.CurrentEpoch)
	state, err := chain.Forks.StateFork(current)
	if err != nil {
		return out, err
	}
	exit := new(phase0.VoluntaryExit)
	if err := decode(req.Message, exit); err != nil {
		return out, err
	}
	version := state.CurrentVersion
	if exit.Epoch < state.Epoch {
		version = state.PreviousVersion
	}
	domain, err := signing.ComputeDomain(signing.DomainVoluntaryExit, version, chain.GenesisValidatorsRoot)
	if err != nil {
		return out, err
	}
	root, err := signing.ComputeSigningRootFromObjectRoot(out.ObjectRoot, domain)
	return SigningRoots{ObjectRoot: out.ObjectRoot, ForkVersion: version, Domain: domain, SigningRoot: root}, err
}

// lenientSSZ decodes without the canonical-encoding check (SPEC.md
// deviation 13), as the generated decoders do on their own.
type lenientSSZ struct{ GoSpec }

func (lenientSSZ) SSZDecode(container string, serialized []byte) (SSZObject, error) {
	obj, err := newContainer(container)
	if err != nil {
		return nil, err
	}
	return obj, obj.UnmarshalSSZ(serialized)
}

func TestBrokenImplementationsAreCaught(t *testing.T) {
	for _, b := range []struct {
		name   string
		runner string
		impl   any
		// mustFail are cases the bug must fail.
		mustFail []string
	}{
		{"slashing: one surround direction", "slashing", oneWaySurround{}, []string{
			"general/phase0/slashing/attestation/complete/surrounds_existing",
			"general/phase0/slashing/attestation/complete/surrounds_existing_wide",
			"general/phase0/slashing/attestation/precedence/surrounds_before_surrounded",
			"general/phase0/slashing/sequence/complete/surrounds_in_both_directions",
			"general/phase0/slashing/sequence/complete/refusals_leave_db_unchanged",
		}},
		{"bls: recombination with threshold-1 shares", "bls", thresholdMinusOne{}, []string{
			"general/phase0/bls/recover_signature/valid/n4_shares_123",
			"general/phase0/bls/recover_signature/valid/n7_shares_23567",
			"general/phase0/bls/recover_signature/invalid/too_few_shares",
		}},
		{"bls: quorum floor(2N/3)+1", "bls", legacyQuorum{}, []string{
			"general/phase0/bls/threshold/formula/n_3",
			"general/phase0/bls/threshold/formula/n_6",
			"general/phase0/bls/threshold/formula/n_9",
		}},
		{"consensus_validity: no Electra index rule", "consensus_validity", ignoresElectraIndex{}, []string{
			"mainnet/electra/consensus_validity/attestation_data/invalid/duty_committee_index_refused",
			"mainnet/fulu/consensus_validity/attestation_data/invalid/duty_committee_index_refused",
			"mainnet/electra/consensus_validity/attestation_data/fork_boundary/first_electra_slot_committee_index",
			"minimal/electra/consensus_validity/attestation_data/invalid/duty_committee_index_refused",
		}},
		{"signing: voluntary exits without EIP-7044", "signing", noEIP7044{}, []string{
			"mainnet/deneb/signing/voluntary_exit/known_answer/deneb_exit_in_deneb",
			"mainnet/electra/signing/voluntary_exit/known_answer/deneb_exit_in_electra",
			"mainnet/fulu/signing/voluntary_exit/known_answer/genesis_exit_in_fulu",
			"minimal/electra/signing/voluntary_exit/fork_staircase/deneb_exit_in_electra",
			"minimal/fulu/signing/voluntary_exit/fork_staircase/fulu_exit_in_fulu",
		}},
		{"ssz_static: non-canonical decoding", "ssz_static", lenientSSZ{}, []string{
			"general/phase0/ssz_static/SlashingDBBlock/ssz_invalid/root_31_bytes",
			"general/phase0/ssz_static/SlashingDBBlock/ssz_invalid/two_roots",
		}},
		{"qbft: prepare quorum reduced by one", "qbft", earlyCommitQBFT{}, []string{
			"general/phase0/qbft/rules/prepare/below_quorum_no_commit",
			"general/phase0/qbft/rules/prepare/quorum_sends_commit",
			"general/phase0/qbft/rules/commit/quorum_decides",
			"general/phase0/qbft/scenarios/happy_path_round0/n4_non_leader_node_1",
		}},
		{"qbft: COMMIT sent twice in a round", "qbft", doubleCommitQBFT{}, []string{
			"general/phase0/qbft/rules/prepare/commit_sent_once_per_round",
			"general/phase0/qbft/restore/prepare/commit_sent_once_per_round",
		}},
		{"dvc: Dafny aggregation bits from the validator index", "dvc", dafnyBitsDVC{}, []string{
			"mainnet/electra/dvc/attester/remote_signer/decided_current_emits_share_multicast_to_all_peers_incl_self",
			"mainnet/deneb/dvc/attester/remote_signer/aggregation_bits_formation",
			"mainnet/deneb/dvc/attester/vc_middleware/aggregation_bits_formation",
			"mainnet/electra/dvc/attester/remote_signer/resend_sends_all_pending",
			"mainnet/electra/dvc/vc_middleware/vc_middleware/vc_attestation_cached_then_captured_and_broadcast",
		}},
		{"dvc: submits again for every late share", "dvc", resubmitDVC{}, []string{
			"mainnet/electra/dvc/attester/remote_signer/share_threshold_reached_submits_once_per_share",
			"mainnet/electra/dvc/attester/vc_middleware/share_threshold_reached_submits_once_per_share",
			"mainnet/electra/dvc/attester/remote_signer/duplicate_share_after_threshold_resubmits_same_attestation",
		}},
		{"networking: shares not verified", "networking", unverifiedCombiner{}, []string{
			"mainnet/electra/networking/attestation_share/invalid/invalid_share",
			"mainnet/deneb/networking/block_share/invalid/impostor_share",
			"mainnet/electra/networking/randao_share/invalid/invalid_combination",
			"mainnet/electra/networking/sync_committee_message_share/invalid/invalid_share",
		}},
	} {
		t.Run(b.name, func(t *testing.T) {
			results, err := Check(vectorsRoot, b.runner, b.impl)
			if err != nil {
				t.Fatal(err)
			}
			var failed []string
			passed := 0
			for _, r := range results {
				if r.Err != nil {
					failed = append(failed, r.Case.Path())
				} else if !r.Skipped {
					passed++
				}
			}
			for _, want := range b.mustFail {
				if !slices.Contains(failed, want) {
					t.Errorf("the vectors do not catch the bug in %s", want)
				}
			}
			// The bug is narrow: most cases still pass, so the failures
			// point at it.
			if passed == 0 || len(failed) > len(results)/2 {
				t.Errorf("%d of %d cases fail: the broken implementation is broken everywhere, not in one rule", len(failed), len(results))
			}
			t.Logf("%d of %d cases catch the bug", len(failed), len(results))
		})
	}
}
