package e2e

import (
	"testing"

	"github.com/dvspec/go-dvspec/internal/testslots"
)

// slotSeconds is the slot length of the end-to-end devnets (testslots.Seconds).
func slotSeconds(t *testing.T) uint64 { return testslots.Seconds(t) }
