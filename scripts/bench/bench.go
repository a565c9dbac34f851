package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// handshakeSlack is how many bytes a handshake record may differ between
// two OpenSSL-based columns: an ECDSA signature is 70 to 72 bytes of DER,
// and a session ticket's encoding varies by a byte with its random fields.
const handshakeSlack = 3

// bench holds the measurements of a run.
type bench struct {
	e      *env
	ws     []workload
	is     []impl
	vals   map[string]map[string][]float64 // workload -> impl -> value per round (NaN: failed)
	fails  []string
	marked map[string]bool // "workload impl" cells with a failed check
	wire   []string        // summary of the record checks
}

// run builds everything, runs the rounds and prints the table to out;
// progress goes to log. It returns an error when a check failed.
func run(cfg config, out, log io.Writer) (*bench, error) {
	start := time.Now()
	ws, is, err := selected(cfg)
	if err != nil {
		return nil, err
	}
	e, err := setup(cfg, log)
	if e != nil {
		defer e.cleanup()
	}
	if err != nil {
		return nil, err
	}
	b := &bench{e: e, ws: ws, vals: map[string]map[string][]float64{}, marked: map[string]bool{}}
	for _, im := range is {
		if e.available(im) {
			b.is = append(b.is, im)
		} else if !slices.ContainsFunc(e.notes, func(n string) bool { return strings.HasPrefix(n, im.id+":") }) {
			e.notes = append(e.notes, fmt.Sprintf("%s: not compiled into gobench on this build, column left empty", im.id))
		}
	}
	b.checkRecords()
	for r := range cfg.rounds {
		b.round(r)
	}
	b.print(out, time.Since(start))
	if len(b.fails) > 0 {
		return b, fmt.Errorf("%d check(s) failed (listed under the table)", len(b.fails))
	}
	return b, nil
}

func (b *bench) fail(w, im, format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	b.fails = append(b.fails, fmt.Sprintf("%s / %s: %s", w, im, msg))
	b.marked[w+" "+im] = true
	fmt.Fprintf(b.e.log, "CHECK FAILED %s / %s: %s\n", w, im, msg)
}

func (b *bench) count(w workload) int64 {
	if b.e.cfg.quick {
		return w.quickN
	}
	n := int64(float64(w.n) * b.e.cfg.scale)
	if w.kind == "bulk" {
		n = max(n/w.wsize, 1) * w.wsize
	}
	return max(n, 1)
}

func (b *bench) warm() int {
	if b.e.cfg.quick {
		return 2
	}
	return 10
}

// runsOn reports whether an implementation measures a workload.
func runsOn(im impl, w workload) bool {
	if w.from != "" {
		return false // shown from another workload's processes
	}
	return !im.rssOnly || w.kind == "rss"
}

// round runs every implementation on every workload once. The order of
// the implementations rotates from round to round so that slow drifts of
// the machine do not always favour the same column.
func (b *bench) round(r int) {
	order := slices.Clone(b.is)
	if len(order) > 0 {
		k := r % len(order)
		order = append(order[k:], order[:k]...)
	}
	for _, w := range b.ws {
		if w.from != "" {
			continue
		}
		if b.vals[w.id] == nil {
			b.vals[w.id] = map[string][]float64{}
		}
		res := map[string]result{}
		for _, im := range order {
			if !runsOn(im, w) {
				continue
			}
			rs := b.e.runJob(job{im: im, w: w, n: b.count(w), warm: b.warm()})
			v := nan
			if rs.err != nil {
				b.fail(w.id, im.id, "%v", rs.err)
			} else {
				v = rs.value
				res[im.id] = rs
			}
			b.vals[w.id][im.id] = append(b.vals[w.id][im.id], v)
			if b.e.cfg.verbose {
				fmt.Fprintf(b.e.log, "round %d/%d %-14s %-10s %s\n", r+1, b.e.cfg.rounds, w.id, im.id, formatFields(rs.fields))
			}
		}
		b.checkResults(w, res)
		fmt.Fprintf(b.e.log, "round %d/%d %-14s %s\n", r+1, b.e.cfg.rounds, w.id, b.progress(w, res))
	}
}

func (b *bench) progress(w workload, res map[string]result) string {
	var parts []string
	for _, im := range b.is {
		if r, ok := res[im.id]; ok {
			parts = append(parts, fmt.Sprintf("%s %s", im.id, formatValue(w, r.value)))
		}
	}
	return strings.Join(parts, "  ")
}

func formatFields(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var sb strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&sb, "%s=%s ", k, m[k])
	}
	return sb.String()
}

// expected returns the protocol and suite every column must negotiate.
func expected(w workload) (proto, cipher string) {
	if w.tls == "1.2" {
		return "TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
	}
	return "TLSv1.3", w.suite
}

// checkResults checks one round of a workload: the negotiated protocol and
// suite, that resumptions resumed, and the bytes on the wire. Bulk
// transfers must put exactly the bytes of ceil(n/wsize) full records on the
// wire in every column; handshakes of the OpenSSL-based columns must match
// C's bytes per handshake within the signature and ticket slack.
func (b *bench) checkResults(w workload, res map[string]result) {
	proto, cipher := expected(w)
	ref, haveRef := res["c"]
	for _, im := range b.is {
		r, ok := res[im.id]
		if !ok {
			continue
		}
		n := r.int("n")
		if r.fields["proto"] != proto || r.fields["cipher"] != cipher {
			b.fail(w.id, im.id, "negotiated %s %s, want %s %s", r.fields["proto"], r.fields["cipher"], proto, cipher)
		}
		if w.kind == "resume" && r.int("reused") != n {
			b.fail(w.id, im.id, "%d of %d handshakes resumed", r.int("reused"), n)
		}
		switch {
		case w.kind == "bulk":
			records := (n + w.wsize - 1) / w.wsize
			want := n + records*(5+1+16) // header, content type, AEAD tag
			if r.int("c2s") != want || r.int("s2c") != 0 {
				b.fail(w.id, im.id, "wire bytes c2s=%d s2c=%d, want %d and 0 (%d records)", r.int("c2s"), r.int("s2c"), want, records)
			}
		case im.openssl && haveRef && im.id != "c":
			for _, dir := range []string{"c2s", "s2c"} {
				d := r.int(dir) - ref.int(dir)*n/max(ref.int("n"), 1)
				if d < -handshakeSlack*n || d > handshakeSlack*n {
					b.fail(w.id, im.id, "%s: %d wire bytes for %d handshakes, C had %d for %d", dir, r.int(dir), n, ref.int(dir), ref.int("n"))
				}
			}
		}
	}
}

// checkRecords runs every implementation once with tracing on and compares
// the records each put on the wire with C's: the sequence of record types
// and lengths, per direction and phase. Bulk records must be identical in
// every column. Handshake records must be identical, within
// handshakeSlack bytes per record, in the OpenSSL-based columns; crypto/tls
// is a different TLS stack (its own ClientHello, one ticket instead of
// OpenSSL's two) and its handshakes are listed, not compared.
func (b *bench) checkRecords() {
	var hsChecked, dataChecked []string
	maxDev := 0
	for _, w := range b.ws {
		if w.from != "" || w.kind == "rss" {
			continue
		}
		n := int64(1)
		if w.kind == "bulk" {
			n = 3*w.wsize + w.wsize/2
		}
		traces := map[string]map[string]string{}
		for _, im := range b.is {
			if im.rssOnly {
				continue
			}
			r := b.e.runJob(job{im: im, w: w, n: n, trace: true})
			if r.err != nil {
				b.fail(w.id, im.id, "trace run: %v", r.err)
				continue
			}
			traces[im.id] = r.traces
		}
		ref, ok := traces["c"]
		if !ok {
			continue
		}
		for _, im := range b.is {
			t, ok := traces[im.id]
			if !ok || im.id == "c" {
				continue
			}
			for key, want := range ref {
				got, have := t[key]
				if !have {
					b.fail(w.id, im.id, "no %q records in the trace", key)
					continue
				}
				exact := strings.HasPrefix(key, "data ")
				if !exact && !im.openssl {
					continue
				}
				slack := handshakeSlack
				if exact {
					slack = 0
				}
				dev, err := compareRecords(want, got, slack)
				if err != nil {
					b.fail(w.id, im.id, "%s records differ from C: %v\n    C:    %s\n    %-5s %s", key, err, want, im.id+":", got)
					continue
				}
				maxDev = max(maxDev, dev)
			}
			if !im.openssl && w.kind != "bulk" {
				b.e.notes = append(b.e.notes, fmt.Sprintf("%s %s handshake, not compared: %s; C: %s",
					im.label, w.id, summarize(t), summarize(ref)))
			}
			if w.kind == "bulk" {
				dataChecked = appendOnce(dataChecked, im.id)
			} else if im.openssl {
				hsChecked = appendOnce(hsChecked, im.id)
			}
		}
		fmt.Fprintf(b.e.log, "records %-14s checked\n", w.id)
	}
	if len(hsChecked) > 0 {
		b.wire = append(b.wire, fmt.Sprintf("handshake records of %s equal C's record for record (types and count exact, lengths within %d bytes; largest difference seen: %d)",
			strings.Join(hsChecked, ", "), handshakeSlack, maxDev))
	}
	if len(dataChecked) > 0 {
		b.wire = append(b.wire, fmt.Sprintf("bulk records of %s identical to C's; every timed bulk run put exactly n + 22*ceil(n/wsize) bytes on the wire",
			strings.Join(dataChecked, ", ")))
	}
}

func appendOnce(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// compareRecords compares two "type:len,type:len" lists and returns the
// largest length difference.
func compareRecords(want, got string, slack int) (int, error) {
	a, b := splitRecords(want), splitRecords(got)
	if len(a) != len(b) {
		return 0, fmt.Errorf("%d records, C has %d", len(b), len(a))
	}
	dev := 0
	for i := range a {
		if a[i].typ != b[i].typ {
			return 0, fmt.Errorf("record %d has type %d, C's has %d", i, b[i].typ, a[i].typ)
		}
		d := b[i].n - a[i].n
		if d < 0 {
			d = -d
		}
		if d > slack {
			return 0, fmt.Errorf("record %d is %d bytes, C's is %d", i, b[i].n, a[i].n)
		}
		dev = max(dev, d)
	}
	return dev, nil
}

type record struct{ typ, n int }

func splitRecords(s string) []record {
	var rs []record
	for _, item := range strings.Split(s, ",") {
		t, n, ok := strings.Cut(item, ":")
		if !ok {
			continue
		}
		ti, _ := strconv.Atoi(t)
		ni, _ := strconv.Atoi(n)
		rs = append(rs, record{ti, ni})
	}
	return rs
}

// summarize describes the timed handshake of a trace by record count and
// bytes per direction.
func summarize(t map[string]string) string {
	var parts []string
	for _, dir := range []string{"c2s", "s2c"} {
		rs := splitRecords(t["hs "+dir])
		total := 0
		for _, r := range rs {
			total += 5 + r.n
		}
		parts = append(parts, fmt.Sprintf("%s %d records %d bytes", dir, len(rs), total))
	}
	return strings.Join(parts, ", ")
}
