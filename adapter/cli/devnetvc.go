package cli

import (
	"context"

	"github.com/dvspec/go-dvspec/spec/bls"
)

// devnetVC starts a node's validator client in a VC-middleware devnet. The
// repository's validator client (impl/vc) is not on this branch yet: nil
// makes dvnode devnet --mode vc-middleware refuse to start, saying so.
var devnetVC func(ctx context.Context, i uint64, beaconURL string, keys []bls.SecretKey, slashingDB string) (func(), error)
