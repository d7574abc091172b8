package main

import (
	_ "embed"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/golang/snappy"

	"github.com/dvspec/go-dvspec/spec/names"
	"github.com/dvspec/go-dvspec/spectests"
)

//go:embed README.tmpl.md
var readmeTemplate string

func snappyBlock(b []byte) []byte { return snappy.Encode(nil, b) }

// readme renders vectors/README.md: the format documentation of
// README.tmpl.md with the generated tables (case counts, error names)
// substituted, so the counts can never drift from the tree.
func readme(w *Writer, ran []generator) []byte {
	out := readmeMarker + "\n\n" + readmeTemplate
	out = strings.Replace(out, "{{RUNNERS}}", runnersTable(w, ran), 1)
	out = strings.Replace(out, "{{COUNTS}}", countsTables(w, ran), 1)
	out = strings.Replace(out, "{{ERRORS}}", errorsTable(w), 1)
	out = strings.Replace(out, "{{SHAPES}}", shapesTable(), 1)
	if strings.Contains(out, "{{") {
		panic("README.tmpl.md: unknown placeholder")
	}
	return []byte(out)
}

func runnersTable(w *Writer, ran []generator) string {
	count := map[string]int{}
	for _, p := range w.order {
		count[w.cases[p].Runner]++
	}
	var sb strings.Builder
	sb.WriteString("| runner | cases | what it covers |\n|---|---:|---|\n")
	total := 0
	for _, g := range ran {
		fmt.Fprintf(&sb, "| `%s` | %d | %s |\n", g.Runner, count[g.Runner], g.Summary)
		total += count[g.Runner]
	}
	fmt.Fprintf(&sb, "| **total** | **%d** | |\n", total)
	return sb.String()
}

func countsTables(w *Writer, ran []generator) string {
	var sb strings.Builder
	// Per runner and handler.
	type key struct{ runner, handler string }
	perHandler := map[key]int{}
	suites := map[key]map[string]bool{}
	for _, p := range w.order {
		c := w.cases[p]
		k := key{c.Runner, c.Handler}
		perHandler[k]++
		if suites[k] == nil {
			suites[k] = map[string]bool{}
		}
		suites[k][c.Suite] = true
	}
	sb.WriteString("### Per runner and handler\n\n| runner | handler | suites | cases |\n|---|---|---|---:|\n")
	for _, g := range ran {
		var handlers []string
		for k := range perHandler {
			if k.runner == g.Runner {
				handlers = append(handlers, k.handler)
			}
		}
		sort.Strings(handlers)
		for _, h := range handlers {
			k := key{g.Runner, h}
			var ss []string
			for s := range suites[k] {
				ss = append(ss, s)
			}
			sort.Strings(ss)
			fmt.Fprintf(&sb, "| `%s` | `%s` | %s | %d |\n", g.Runner, h, strings.Join(ss, ", "), perHandler[k])
		}
	}
	// Per preset and fork.
	presets := []string{"general", "mainnet", "minimal"}
	sb.WriteString("\n### Per preset and fork\n\n| runner | preset |")
	for _, f := range forkNames {
		fmt.Fprintf(&sb, " %s |", f)
	}
	sb.WriteString("\n|---|---|")
	for range forkNames {
		sb.WriteString("---:|")
	}
	sb.WriteString("\n")
	type pkey struct{ runner, preset, fork string }
	per := map[pkey]int{}
	for _, p := range w.order {
		c := w.cases[p]
		per[pkey{c.Runner, c.Preset, c.Fork}]++
	}
	for _, g := range ran {
		for _, pr := range presets {
			row := fmt.Sprintf("| `%s` | %s |", g.Runner, pr)
			any := false
			for _, f := range forkNames {
				n := per[pkey{g.Runner, pr, f.String()}]
				any = any || n > 0
				if n == 0 {
					row += " |"
				} else {
					row += fmt.Sprintf(" %d |", n)
				}
			}
			if any {
				sb.WriteString(row + "\n")
			}
		}
	}
	return sb.String()
}

// resultField finds the named results a case expects.
var resultField = regexp.MustCompile(`(?m)^\s*(?:result|error|reason|slashing_reason|cause): ([a-z_]+)$`)

func errorsTable(w *Writer) string {
	uses := map[string]map[string]int{} // runner -> name -> cases
	for _, p := range w.order {
		c := w.cases[p]
		seen := map[string]bool{}
		names := make([]string, 0, len(c.files))
		for n := range c.files {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if !strings.HasSuffix(n, ".yaml") || n == "meta.yaml" {
				continue
			}
			for _, m := range resultField.FindAllSubmatch(c.files[n], -1) {
				seen[string(m[1])] = true
			}
		}
		if uses[c.Runner] == nil {
			uses[c.Runner] = map[string]int{}
		}
		for name := range seen {
			uses[c.Runner][name]++
		}
	}
	var sb strings.Builder
	sb.WriteString("| runner | name | Go spec sentinel | cases expecting it |\n|---|---|---|---:|\n")
	for _, e := range names.Errors {
		fmt.Fprintf(&sb, "| `%s` | `%s` | `%s` | %d |\n", e.Runner, e.Name, e.GoSymbol, uses[e.Runner][e.Name])
	}
	return sb.String()
}

// shapesTable prints spectests.FileShapes, the shapes TestVectorShapes
// checks, so the README states exactly what is checked.
func shapesTable() string {
	var runners []string
	for r := range spectests.FileShapes {
		runners = append(runners, r)
	}
	sort.Strings(runners)
	var sb strings.Builder
	sb.WriteString("| runner | file | shape |\n|---|---|---|\n")
	for _, r := range runners {
		var files []string
		for f := range spectests.FileShapes[r] {
			files = append(files, f)
		}
		sort.Strings(files)
		for _, f := range files {
			fmt.Fprintf(&sb, "| `%s` | `%s` | `%s` |\n", r, f, strings.ReplaceAll(spectests.FileShapes[r][f].String(), "|", "\\|"))
		}
	}
	return sb.String()
}
