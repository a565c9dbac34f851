package main

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/membio/membio/bio"
)

// The hot-call benchmarks measure membio's per-call cost and allocations
// (the target is 0 allocs/op on every steady-state call):
//
//	go test -run '^$' -bench . -benchmem ./scripts/bench/

var hotSizes = []int{64, 1 << 10, 16 << 10}

func newBIO(tb testing.TB) *bio.MemoryBIO {
	m, err := bio.New()
	require.NoError(tb, err)
	tb.Cleanup(func() { m.Close() })
	return m
}

// BenchmarkMemoryBIOWriteReadInto moves one chunk through a MemoryBIO: the
// pump's two calls per direction.
func BenchmarkMemoryBIOWriteReadInto(b *testing.B) {
	for _, size := range hotSizes {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			m := newBIO(b)
			p := make([]byte, size)
			q := make([]byte, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.Write(p); err != nil {
					b.Fatal(err)
				}
				if n, err := m.ReadInto(q); err != nil || n != size {
					b.Fatal(n, err)
				}
			}
		})
	}
}

// BenchmarkMemoryBIOReadIntoEmpty is the pump's last call per drain: an
// empty outgoing BIO.
func BenchmarkMemoryBIOReadIntoEmpty(b *testing.B) {
	m := newBIO(b)
	q := make([]byte, 16<<10)
	b.ReportAllocs()
	for b.Loop() {
		if n, err := m.ReadInto(q); err != nil || n != 0 {
			b.Fatal(n, err)
		}
	}
}
