//go:build cgo

package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestQuickRunPrintsEveryRowWithWireChecksPassing keeps the harness from
// rotting: it builds every column, runs each workload once with tiny
// counts (a few milliseconds each), and requires a full table with every
// record check passing.
func TestQuickRunPrintsEveryRowWithWireChecksPassing(t *testing.T) {
	var out, log bytes.Buffer
	cfg := config{rounds: 1, quick: true, cpu: "0", scale: 1}
	b, err := run(cfg, &out, &log)
	require.NoError(t, err, "stdout:\n%s\nstderr:\n%s", out.String(), log.String())

	table := out.String()
	for _, w := range workloads() {
		line := lineStarting(table, w.label)
		require.NotEmpty(t, line, "row %q missing from:\n%s", w.label, table)
		assert.NotContains(t, line, "!", "row %q has a failed check", w.label)
		for _, im := range b.columns() {
			c, ok := b.cellFor(w, im)
			// Memory rows of a quick run are too small to be sure of a
			// positive difference; they only have to be there.
			if assert.True(t, ok, "%s / %s has no value", w.id, im.id) && !w.lowerIsBetter {
				assert.Positive(t, c.median, "%s / %s", w.id, im.id)
				assert.Positive(t, c.ratio, "%s / %s", w.id, im.id)
			}
		}
	}
	for _, im := range b.columns() {
		assert.True(t, b.e.available(im), "%s is not built", im.id)
	}
	assert.Contains(t, table, "Wire check: handshake records of python, goopenssl, membio, membio-py equal C's")
	assert.Contains(t, table, "Wire check: bulk records of python, gotls, goopenssl, membio, membio-py identical to C's")
	assert.Contains(t, table, "OpenSSL (C, go-openssl, membio): OpenSSL 3.")
	assert.NotContains(t, table, "FAILED")
}

func lineStarting(s, prefix string) string {
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, prefix) {
			return line
		}
	}
	return ""
}

func TestCompareRecordsAllowsLengthSlackButNotOtherDifferences(t *testing.T) {
	dev, err := compareRecords("22:512,20:1,23:96", "22:512,20:1,23:94", 3)
	require.NoError(t, err)
	assert.Equal(t, 2, dev)

	_, err = compareRecords("22:512,20:1,23:96", "22:512,20:1,23:94", 0)
	assert.ErrorContains(t, err, "record 2 is 94 bytes")
	_, err = compareRecords("22:512,20:1", "22:512,23:1", 3)
	assert.ErrorContains(t, err, "record 1 has type 23")
	_, err = compareRecords("22:512,20:1", "22:512", 3)
	assert.ErrorContains(t, err, "1 records, C has 2")
}

func TestMedianOfEvenAndOddCounts(t *testing.T) {
	assert.Equal(t, 2.0, median([]float64{3, 1, 2}))
	assert.Equal(t, 2.5, median([]float64{4, 1, 3, 2}))
}
