// Command vectorgen regenerates the language-neutral conformance vectors of
// the DV spec (vectors/, format in vectors/README.md) from the pure Go spec.
//
//	go run ./tools/vectorgen [-out vectors]      # (re)write the tree
//	go run ./tools/vectorgen -check vectors      # regenerate into memory, compare byte for byte
//
// Generation is deterministic and offline: every key derives from a
// documented seed, every other value from a documented label, nothing
// depends on time, randomness, map order or the network. Every signature it
// writes is verified before it is written (see guard.go), and every expected
// result is both computed by the Go spec and stated by the case's author;
// the two must agree or generation fails.
//
// -out replaces the directory: it writes the new tree next to it and swaps
// it in, so removed cases disappear. It refuses to replace a non-empty
// directory that vectorgen did not generate.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	out := flag.String("out", "vectors", "directory to (re)generate")
	check := flag.String("check", "", "compare a committed vectors directory with a fresh generation instead of writing; exit status 1 on any difference")
	only := flag.String("runners", "", "comma-separated runners to generate (development only: the README counts then cover those runners only)")
	flag.Parse()
	start := time.Now()
	var runners []string
	if *only != "" {
		runners = strings.Split(*only, ",")
	}
	if err := run(*out, *check, runners); err != nil {
		fmt.Fprintln(os.Stderr, "vectorgen:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "vectorgen: done in %s\n", time.Since(start).Round(time.Millisecond))
}

func run(out, check string, runners []string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("generation failed: %v", r)
		}
	}()
	files, err := generate(runners)
	if err != nil {
		return err
	}
	if check != "" {
		committed, err := readTree(check)
		if err != nil {
			return err
		}
		diffs := diffTrees(files, committed)
		if len(diffs) > 0 {
			const show = 50
			for i, d := range diffs {
				if i == show {
					fmt.Fprintf(os.Stderr, "... and %d more\n", len(diffs)-show)
					break
				}
				fmt.Fprintln(os.Stderr, d)
			}
			return fmt.Errorf("%s differs from a fresh generation in %d files: run `go run ./tools/vectorgen -out %s` and commit the result", check, len(diffs), check)
		}
		fmt.Fprintf(os.Stderr, "vectorgen: %s is up to date (%d files)\n", check, len(files))
		return nil
	}
	return replaceTree(out, files)
}

// replaceTree writes files into a fresh sibling directory of dir and swaps
// it in place of dir.
func replaceTree(dir string, files map[string][]byte) error {
	ok, err := isGeneratedTree(dir)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s is not empty and has no generated README.md; refusing to replace it", dir)
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, ".vectorgen-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := writeTree(tmp, files); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	old := tmp + ".old"
	if _, err := os.Stat(dir); err == nil {
		if err := os.Rename(dir, old); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		return err
	}
	if err := os.RemoveAll(old); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "vectorgen: wrote %d files to %s\n", len(files), dir)
	return nil
}
