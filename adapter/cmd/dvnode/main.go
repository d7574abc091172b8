// Command dvnode is the go-dvspec reference distributed-validator node:
// `dvnode run` runs one node of a cluster, `dvnode devnet` a whole cluster
// against the embedded simulated beacon node, `dvnode slashing-db`
// imports and exports its slashing DB (EIP-3076), and `dvnode replay` and
// `dvnode diff` check traces against the pure spec. See adapter/README.md.
package main

import (
	"os"

	"github.com/dvspec/go-dvspec/adapter/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
