package main

import (
	"os"
	"testing"

	"github.com/membio/membio/tests/pki"
)

// The harness runs end to end on tiny counts.
func TestQuickRunPrintsTheTable(t *testing.T) {
	var out testWriter
	if err := run(1, true, &out); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no table")
	}
}

type testWriter []byte

func (w *testWriter) Write(p []byte) (int, error) { *w = append(*w, p...); return len(p), nil }

func BenchmarkConnThroughput1K(b *testing.B) {
	p := pki.ForTest(b)
	impls, err := implementations(p)
	if err != nil {
		b.Fatal(err)
	}
	name := os.Getenv("CONNBENCH_IMPL")
	for _, im := range impls {
		if name != "" && im.name != name {
			continue
		}
		b.Run(im.name, func(b *testing.B) {
			b.SetBytes(1 << 10)
			if _, err := throughput(1<<10)(im, b.N<<10); err != nil {
				b.Fatal(err)
			}
		})
	}
}
