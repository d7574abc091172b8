package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/dvspec/go-dvspec/adapter/run"
	"github.com/dvspec/go-dvspec/impl/keys"
	"github.com/dvspec/go-dvspec/impl/slashingstore"
)

// cmdSlashing is "dvnode slashing-db import|export": EIP-3076 (v5)
// interchange of the node's slashing DB. The DB holds the history of the
// keys the node signs with — its key shares — so an export is what a
// Web3Signer holding those shares imports, and the other way round.
func cmdSlashing(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "import" && args[0] != "export") {
		fmt.Fprintln(stderr, "usage: dvnode slashing-db import|export --cluster cluster.json --data-dir DIR [FILE]")
		return ExitUsage
	}
	sub := args[0]
	fs := flag.NewFlagSet("dvnode slashing-db "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cluster := fs.String("cluster", "", "cluster definition (gives the chain's genesis validators root)")
	dataDir := fs.String("data-dir", "", "the node's data directory (holds "+run.SlashingDBFile+"; by default the node directory)")
	pos, err := parse(fs, args[1:])
	if err != nil {
		return ExitUsage
	}
	if *cluster == "" || *dataDir == "" {
		fmt.Fprintln(stderr, "dvnode slashing-db: --cluster and --data-dir are required")
		return ExitUsage
	}
	def, err := keys.LoadClusterDefinition(*cluster)
	if err != nil {
		fmt.Fprintln(stderr, "dvnode slashing-db:", err)
		return ExitUsage
	}
	path := filepath.Join(*dataDir, run.SlashingDBFile)
	if sub == "export" {
		if _, err := os.Stat(path); err != nil {
			fmt.Fprintln(stderr, "dvnode slashing-db export:", err)
			return ExitUsage
		}
	}
	clusterID, err := def.ID()
	if err != nil {
		fmt.Fprintln(stderr, "dvnode slashing-db:", err)
		return ExitUsage
	}
	store, err := slashingstore.OpenWithOptions(path, def.Network.GenesisValidatorsRoot, slashingstore.Options{ClusterID: clusterID})
	if err != nil {
		fmt.Fprintln(stderr, "dvnode slashing-db:", err)
		return ExitFailure
	}
	defer store.Close()
	switch sub {
	case "import":
		if len(pos) != 1 {
			fmt.Fprintln(stderr, "dvnode slashing-db import: want one interchange file")
			return ExitUsage
		}
		data, err := os.ReadFile(pos[0])
		if err != nil {
			fmt.Fprintln(stderr, "dvnode slashing-db import:", err)
			return ExitUsage
		}
		rep, err := store.ImportInterchange(data)
		if err != nil {
			fmt.Fprintln(stderr, "dvnode slashing-db import:", err)
			return ExitFailure
		}
		fmt.Fprintf(stdout, "imported %d validators (%d new): %d blocks (%d new), %d attestations (%d new)\n",
			rep.Validators, rep.NewValidators, rep.Blocks, rep.NewBlocks, rep.Attestations, rep.NewAttestations)
	case "export":
		data, err := store.ExportInterchange()
		if err != nil {
			fmt.Fprintln(stderr, "dvnode slashing-db export:", err)
			return ExitFailure
		}
		if len(pos) == 1 {
			if err := os.WriteFile(pos[0], data, 0o600); err != nil {
				fmt.Fprintln(stderr, "dvnode slashing-db export:", err)
				return ExitFailure
			}
		} else {
			_, _ = stdout.Write(append(data, '\n'))
		}
	}
	return ExitOK
}
