// Command prysmtool is the Go half of the opt-in Prysm end-to-end test
// (../run.sh): the steps a shell script does badly. It writes EIP-2335
// keystores of interop keys (what the DV splits), completes geth's genesis
// with the Prague system contracts, and checks from block contents that a
// cluster's validators did their duties on chain.
//
//	prysmtool keystores --from I --to J --password-file F --out DIR
//	prysmtool patch-genesis --geth-dir DIR genesis.json
//	prysmtool check --beacon-node-url URL --cluster cluster.json --from-epoch E --to-epoch F
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `prysmtool: helpers of the Prysm end-to-end test

  prysmtool keystores --from I --to J --password-file F --out DIR
      EIP-2335 keystores of interop keys [I, J) (pbkdf2), password from F
  prysmtool patch-genesis --geth-dir DIR genesis.json
      add the Prague system contracts, read from geth's params in DIR, to genesis.json's alloc
  prysmtool check --beacon-node-url URL --cluster cluster.json --from-epoch E --to-epoch F
      from block contents: the cluster validators' attestations, proposals (with
      their fee recipients) and sync committee bits of epochs [E, F]; exit 1 on a miss
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "keystores":
		return cmdKeystores(args[1:], stdout, stderr)
	case "patch-genesis":
		return cmdPatchGenesis(args[1:], stdout, stderr)
	case "check":
		return cmdCheck(args[1:], stdout, stderr)
	default:
		fmt.Fprint(stderr, usage)
		return 2
	}
}
