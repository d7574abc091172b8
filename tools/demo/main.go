// Command demo runs the pure specification end to end on embedded
// defaults: it splits an interop validator key into threshold shares,
// signs one message of every type on every fork with a threshold of the
// shares, recombines and verifies the signatures, and shows slashing
// protection refusing slashable attestations and blocks.
//
//	go run ./tools/demo [-n 4] [-validator 0]
package main

import (
	"flag"
	"fmt"
	"os"
	"text/tabwriter"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

func main() {
	n := flag.Int("n", 4, "number of co-validators")
	validator := flag.Uint64("validator", 0, "interop validator index whose key is split")
	flag.Parse()
	if err := run(*n, *validator); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

type message struct {
	name string
	in   func(signing.Chain, phase0.Slot) (signing.SigningInput, error)
}

func messages() []message {
	root := phase0.Root{0xaa}
	return []message{
		{"attestation", func(c signing.Chain, s phase0.Slot) (signing.SigningInput, error) {
			e, _ := c.EpochAtSlot(s)
			return c.AttestationData(&phase0.AttestationData{Slot: s, BeaconBlockRoot: root,
				Source: &phase0.Checkpoint{Epoch: e - 1}, Target: &phase0.Checkpoint{Epoch: e, Root: root}})
		}},
		{"block header", func(c signing.Chain, s phase0.Slot) (signing.SigningInput, error) {
			return c.BeaconBlockHeader(&phase0.BeaconBlockHeader{Slot: s, ProposerIndex: 1, BodyRoot: root})
		}},
		{"randao reveal", func(c signing.Chain, s phase0.Slot) (signing.SigningInput, error) {
			e, _ := c.EpochAtSlot(s)
			return c.RandaoReveal(e)
		}},
		{"selection proof", func(c signing.Chain, s phase0.Slot) (signing.SigningInput, error) { return c.AggregationSlot(s) }},
		{"sync message", func(c signing.Chain, s phase0.Slot) (signing.SigningInput, error) {
			return c.SyncCommitteeMessage(s, root)
		}},
		{"sync selection", func(c signing.Chain, s phase0.Slot) (signing.SigningInput, error) {
			return c.SyncCommitteeSelectionProof(&altair.SyncAggregatorSelectionData{Slot: s, SubcommitteeIndex: 1})
		}},
		{"voluntary exit", func(c signing.Chain, s phase0.Slot) (signing.SigningInput, error) {
			e, _ := c.EpochAtSlot(s)
			return c.VoluntaryExit(&phase0.VoluntaryExit{Epoch: e, ValidatorIndex: 1}, e)
		}},
	}
}

func run(n int, validator uint64) error {
	if n < 1 || n > spec.MaxCoValidators {
		return fmt.Errorf("-n must be in 1..%d", spec.MaxCoValidators)
	}
	m := spec.Threshold(n)
	secret, err := bls.InteropSecretKey(validator)
	if err != nil {
		return err
	}
	pubkey, err := secret.PublicKey()
	if err != nil {
		return err
	}
	shares, err := bls.Split(secret, m, n, []byte("go-dvspec demo"))
	if err != nil {
		return err
	}
	fmt.Printf("validator %d %#x\nsplit %d-of-%d (F = %d); signing every message with shares %d..%d\n\n",
		validator, pubkey[:8], m, n, spec.Faulty(n), n-m+1, n)

	w := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "fork\tmessage\tsigning root\tcombined signature\tverifies")
	const slot = phase0.Slot(100)
	for fork := eth2spec.DataVersionPhase0; fork <= signing.LatestName; fork++ {
		forks, err := signing.MainnetVersionsFromGenesis(fork)
		if err != nil {
			return err
		}
		chain := signing.Chain{Forks: forks, GenesisValidatorsRoot: phase0.Root{0x42}, SlotsPerEpoch: spec.MainnetConfig().SlotsPerEpoch}
		for _, msg := range messages() {
			in, err := msg.in(chain, slot)
			if err != nil {
				fmt.Fprintf(w, "%s\t%s\t(no such message in this fork)\t\t\n", fork, msg.name)
				continue
			}
			sig, err := thresholdSign(shares[n-m:], in.SigningRoot[:], m)
			if err != nil {
				return fmt.Errorf("%s %s: %w", fork, msg.name, err)
			}
			ok := bls.Verify(pubkey, in.SigningRoot[:], sig)
			fmt.Fprintf(w, "%s\t%s\t%#x\t%#x\t%v\n", fork, msg.name, in.SigningRoot[:6], sig[:6], ok)
			if !ok {
				w.Flush()
				return fmt.Errorf("%s %s: combined signature does not verify", fork, msg.name)
			}
		}
	}
	w.Flush()
	return slashingDemo(pubkey)
}

// thresholdSign signs with each share, verifies each partial signature
// against its public share, and recombines them.
func thresholdSign(shares []bls.Share, root []byte, threshold int) (bls.Signature, error) {
	parts := make([]bls.PartialSignature, 0, len(shares))
	for _, s := range shares {
		part, err := s.Sign(root)
		if err != nil {
			return bls.Signature{}, err
		}
		pub, err := s.PublicShare()
		if err != nil {
			return bls.Signature{}, err
		}
		if !bls.VerifyPartial(pub, root, part) {
			return bls.Signature{}, fmt.Errorf("partial signature %d does not verify", s.Index)
		}
		parts = append(parts, part)
	}
	return bls.RecoverSignature(parts, threshold)
}

func slashingDemo(pubkey phase0.BLSPubKey) error {
	db := slashing.New(phase0.Root{0x42})
	fmt.Println("\nslashing protection (EIP-3076, complete strategy):")
	try := func(what string, source, target phase0.Epoch, root byte) {
		r := phase0.Root{root}
		err := db.InsertAttestation(pubkey, source, target, &r)
		verdict := "signed"
		if err != nil {
			verdict = "refused: " + err.Error()
		}
		fmt.Printf("  %-34s source=%d target=%d  %s\n", what, source, target, verdict)
	}
	try("first attestation", 10, 11, 1)
	try("same message again (repeat)", 10, 11, 1)
	try("double vote", 10, 11, 2)
	try("next epoch", 11, 12, 3)
	try("surrounds an earlier vote", 10, 13, 4)
	try("a later vote", 12, 14, 5)
	blockRoot := phase0.Root{9}
	if err := db.InsertBlock(pubkey, 100, &blockRoot); err != nil {
		return err
	}
	other := phase0.Root{8}
	if err := db.InsertBlock(pubkey, 100, &other); err == nil {
		return fmt.Errorf("double proposal was not refused")
	} else {
		fmt.Printf("  %-34s slot=100  refused: %v\n", "second block at one slot", err)
	}
	return nil
}
