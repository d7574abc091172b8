package e2e

import (
	"strings"
	"testing"

	"github.com/dvspec/go-dvspec/adapter/devnet"
	"github.com/dvspec/go-dvspec/adapter/run"
)

// TestDevnetPerValidatorConsensus runs the literal form (one consensus
// instance per validator and duty, --consensus per-validator) beside the
// per-slot default the other devnets run (SPEC.md amendment A25): both must
// get every duty accepted.
func TestDevnetPerValidatorConsensus(t *testing.T) {
	res := runDevnet(t, devnet.Config{
		Nodes: 4, Validators: 8, Slots: slots(8, 16), SecondsPerSlot: slotSeconds(t), Consensus: run.ConsensusPerValidator, NoAggregation: true,
	})
	checkAllAccepted(t, res)
}

// TestDevnetRefusesUnknownConsensus: a mistyped form fails loudly, naming
// the flag.
func TestDevnetRefusesUnknownConsensus(t *testing.T) {
	_, err := devnet.Run(t.Context(), devnet.Config{Nodes: 4, Validators: 8, Slots: 1, SecondsPerSlot: 1, Consensus: "per-committee", NoAggregation: true})
	if err == nil || !strings.Contains(err.Error(), "--consensus") {
		t.Fatalf("got %v, want an error naming --consensus", err)
	}
}
