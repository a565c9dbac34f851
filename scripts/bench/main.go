// Command bench runs the membio performance comparison (make bench).
//
// It builds the C program (cbench.c, against the system OpenSSL), the Go
// program (gobench: crypto/tls, go-openssl and membio) and uses pybench.py
// for Python's ssl module. Then, for each round, it runs every
// implementation on every workload as a separate process pinned to one CPU
// (GOMAXPROCS=1 for Go), checks that they all put the same records on the
// wire, and prints one table: the median of the rounds, the min-max, and the
// median of the per-round ratios to the C column.
//
// Usage:
//
//	go run ./scripts/bench [-rounds 5] [-quick] [-only REGEX] [-impls LIST] [-markdown]
package main

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
)

type config struct {
	rounds   int
	quick    bool
	only     string
	impls    string
	markdown bool
	verbose  bool
	keep     bool
	cpu      string
	scale    float64
}

func main() {
	var cfg config
	flag.IntVar(&cfg.rounds, "rounds", 0, "rounds to run (default 5, or 1 with -quick)")
	flag.BoolVar(&cfg.quick, "quick", false, "smoke run: tiny iteration counts, one round")
	flag.StringVar(&cfg.only, "only", "", "run only the workloads whose id matches this regular expression")
	flag.StringVar(&cfg.impls, "impls", "", "comma-separated implementations to run (default all): c,python,gotls,goopenssl,membio,membio-py")
	flag.BoolVar(&cfg.markdown, "markdown", false, "print the table as Markdown")
	flag.BoolVar(&cfg.verbose, "v", false, "print every result line as it arrives")
	flag.BoolVar(&cfg.keep, "keep", false, "keep the build and certificate directory")
	flag.StringVar(&cfg.cpu, "cpu", "0", "the CPU (taskset list) every process is pinned to")
	flag.Float64Var(&cfg.scale, "scale", 1, "multiply every iteration count by this factor")
	flag.Parse()
	if cfg.rounds == 0 {
		cfg.rounds = 5
		if cfg.quick {
			cfg.rounds = 1
		}
	}
	if _, err := run(cfg, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// selected filters the workloads and implementations by -only and -impls.
func selected(cfg config) ([]workload, []impl, error) {
	var ws []workload
	re, err := regexp.Compile(cfg.only)
	if err != nil {
		return nil, nil, fmt.Errorf("-only: %w", err)
	}
	all := workloads()
	for _, w := range all {
		if re.MatchString(w.id) {
			ws = append(ws, w)
		}
	}
	// A row that shows another workload's measurements needs that workload.
	for i := 0; i < len(ws); i++ {
		if from := ws[i].from; from != "" && !slices.ContainsFunc(ws, func(w workload) bool { return w.id == from }) {
			j := slices.IndexFunc(all, func(w workload) bool { return w.id == from })
			ws = slices.Insert(ws, i, all[j])
		}
	}
	if len(ws) == 0 {
		return nil, nil, fmt.Errorf("-only %q matches no workload", cfg.only)
	}
	want := map[string]bool{}
	for _, s := range strings.Split(cfg.impls, ",") {
		if s = strings.TrimSpace(s); s != "" {
			want[s] = true
		}
	}
	var is []impl
	for _, im := range allImpls {
		if len(want) == 0 || want[im.id] || (im.id == "c-rb" && want["c"]) {
			is = append(is, im)
			delete(want, im.id)
		}
	}
	for s := range want {
		return nil, nil, fmt.Errorf("-impls: unknown implementation %q", s)
	}
	return ws, is, nil
}
