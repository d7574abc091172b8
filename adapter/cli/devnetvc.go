package cli

import (
	"context"

	"github.com/dvspec/go-dvspec/adapter/devnet"
)

// devnetVC starts a node's validator client in a VC-middleware devnet. The
// repository's validator client (impl/vc) is not on this branch yet: nil
// makes dvnode devnet --mode vc-middleware refuse to start, saying so.
var devnetVC func(ctx context.Context, p devnet.VCParams) (func(), error)
