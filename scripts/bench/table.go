package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

var nan = math.NaN()

// cell is one workload x implementation entry of the table.
type cell struct {
	median, lo, hi, ratio float64
	rounds                int
	marked                bool
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return nan
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// cellFor summarises the rounds of one column of one row. The C column of
// a row shows the row's baseline (C with SSL_MODE_RELEASE_BUFFERS on the
// second memory row).
func (b *bench) cellFor(w workload, im impl) (cell, bool) {
	src := w.id
	if w.from != "" {
		src = w.from
	}
	col := im.id
	if col == "c" {
		col = w.baseline
	}
	vals := b.vals[src][col]
	base := b.vals[src][w.baseline]
	var ok, ratios []float64
	for r, v := range vals {
		if math.IsNaN(v) {
			continue
		}
		ok = append(ok, v)
		if r < len(base) && !math.IsNaN(base[r]) && base[r] != 0 {
			ratios = append(ratios, v/base[r])
		}
	}
	if len(ok) == 0 {
		return cell{}, false
	}
	return cell{
		median: median(ok),
		lo:     slices.Min(ok),
		hi:     slices.Max(ok),
		ratio:  median(ratios),
		rounds: len(ok),
		marked: b.marked[src+" "+col] || len(ok) < len(vals),
	}, true
}

func formatValue(w workload, v float64) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case w.unit == "KiB/pair":
		return fmt.Sprintf("%.1f", v)
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	default:
		return fmt.Sprintf("%.1f", v)
	}
}

func (b *bench) formatCell(w workload, im impl) string {
	c, ok := b.cellFor(w, im)
	if !ok {
		if b.marked[w.id+" "+im.id] {
			return "failed!"
		}
		return "-"
	}
	s := fmt.Sprintf("%s (%s–%s)", formatValue(w, c.median), formatValue(w, c.lo), formatValue(w, c.hi))
	if !math.IsNaN(c.ratio) {
		s += fmt.Sprintf(" %.2fx", c.ratio)
	}
	if c.marked {
		s += " !"
	}
	return s
}

// columns are the implementations shown as columns, available or not.
func (b *bench) columns() []impl {
	_, is, _ := selected(b.e.cfg)
	var cols []impl
	for _, im := range is {
		if !im.rssOnly {
			cols = append(cols, im)
		}
	}
	return cols
}

func (b *bench) print(out io.Writer, elapsed time.Duration) {
	cols := b.columns()
	header := []string{"workload", "unit"}
	for _, im := range cols {
		header = append(header, im.label)
	}
	rows := [][]string{header}
	for _, w := range b.ws {
		row := []string{w.label, w.unit}
		for _, im := range cols {
			row = append(row, b.formatCell(w, im))
		}
		rows = append(rows, row)
	}

	fmt.Fprintf(out, "membio benchmark: %d round(s); each cell is the median (min–max) of the rounds and the median of the per-round ratios to the C column\n", b.e.cfg.rounds)
	fmt.Fprintln(out, "(higher is better except for RSS; a \"!\" marks a cell with a failed check, listed below)")
	fmt.Fprintln(out)
	if b.e.cfg.markdown {
		for i, row := range rows {
			fmt.Fprintf(out, "| %s |\n", strings.Join(row, " | "))
			if i == 0 {
				fmt.Fprintf(out, "|%s\n", strings.Repeat("---|", len(row)))
			}
		}
	} else {
		width := make([]int, len(header))
		for _, row := range rows {
			for i, s := range row {
				width[i] = max(width[i], len([]rune(s)))
			}
		}
		for _, row := range rows {
			var sb strings.Builder
			for i, s := range row {
				sb.WriteString(s)
				if i < len(row)-1 {
					sb.WriteString(strings.Repeat(" ", width[i]-len([]rune(s))+2))
				}
			}
			fmt.Fprintln(out, strings.TrimRight(sb.String(), " "))
		}
	}
	fmt.Fprintln(out)
	for _, line := range b.e.machine() {
		fmt.Fprintln(out, line)
	}
	fmt.Fprintf(out, "Counts: %s\n", b.countsLine())
	for _, line := range b.wire {
		fmt.Fprintln(out, "Wire check:", line)
	}
	for _, im := range cols {
		if im.note != "" {
			fmt.Fprintf(out, "Note: %s: %s\n", im.id, im.note)
		}
	}
	for _, line := range b.e.notes {
		fmt.Fprintln(out, "Note:", line)
	}
	for _, f := range b.fails {
		fmt.Fprintln(out, "FAILED:", f)
	}
	fmt.Fprintf(out, "Took %s. Reproduce with: make bench (go run ./scripts/bench", elapsed.Round(time.Second))
	if b.e.cfg.rounds != 5 {
		fmt.Fprintf(out, " -rounds %d", b.e.cfg.rounds)
	}
	if b.e.cfg.quick {
		fmt.Fprint(out, " -quick")
	}
	if b.e.cfg.only != "" {
		fmt.Fprintf(out, " -only '%s'", b.e.cfg.only)
	}
	fmt.Fprintln(out, ")")
}

func (b *bench) countsLine() string {
	var parts []string
	for _, w := range b.ws {
		if w.from != "" {
			continue
		}
		n := b.count(w)
		switch w.kind {
		case "bulk":
			if n >= 1<<20 {
				parts = append(parts, fmt.Sprintf("%s %d MiB", w.id, n>>20))
			} else {
				parts = append(parts, fmt.Sprintf("%s %d KiB", w.id, n>>10))
			}
		case "rss":
			parts = append(parts, fmt.Sprintf("%s %d pairs", w.id, n))
		default:
			parts = append(parts, fmt.Sprintf("%s %d", w.id, n))
		}
	}
	return strings.Join(parts, ", ") + " per process (handshakes end with one byte from server to client, so the client has read the tickets)"
}
