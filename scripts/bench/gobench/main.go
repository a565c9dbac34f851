// Command gobench runs the Go columns of the membio benchmark: crypto/tls
// and libp2p/go-openssl over a buffered in-memory net.Conn pair, and membio
// pumped through its memory BIOs.
//
// Arguments are key=value pairs, the same as cbench.c and pybench.py take,
// plus impl=gotls|goopenssl|membio. It prints one "RESULT ..." line, and
// "TRACE ..." lines when trace=1. The runner (go run ./scripts/bench) is
// the way to use it.
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	hostname = "example.test"
	readBuf  = 16 << 10
)

// args are the benchmark parameters; see cbench.c for their meaning.
type args struct {
	impl, kind, tls, ciphers, suites string
	n, wsize                         int64
	cert, key, ca, sidctx            string
	trace, rb                        bool
	warm                             int
}

var a = args{tls: "1.3", ciphers: "DEFAULT", suites: "TLS_AES_128_GCM_SHA256", warm: 10, sidctx: "Python"}

// The two directions of every connection.
const (
	c2s = 0
	s2c = 1
)

// dirStats counts the bytes that crossed one direction of the wire, over
// every connection of the run, and splits them into records when tracing.
type dirStats struct {
	bytes atomic.Int64
	mu    sync.Mutex
	tr    tracer
}

var (
	wire    [2]dirStats
	tracing bool
)

func (d *dirStats) add(p []byte) {
	d.bytes.Add(int64(len(p)))
	if tracing {
		d.mu.Lock()
		d.tr.feed(p)
		d.mu.Unlock()
	}
}

func resetWire() {
	wire[c2s].bytes.Store(0)
	wire[s2c].bytes.Store(0)
}

// tracer splits a byte stream into TLS records and lists "type:length".
type tracer struct {
	hdr  [5]byte
	hlen int
	body int
	recs []string
}

func (t *tracer) feed(p []byte) {
	for len(p) > 0 {
		if t.body > 0 {
			k := min(t.body, len(p))
			t.body -= k
			p = p[k:]
			continue
		}
		t.hdr[t.hlen] = p[0]
		t.hlen++
		p = p[1:]
		if t.hlen == 5 {
			t.body = int(t.hdr[3])<<8 | int(t.hdr[4])
			t.recs = append(t.recs, fmt.Sprintf("%d:%d", t.hdr[0], t.body))
			t.hlen = 0
		}
	}
}

func traceFlush(phase string) {
	if !tracing {
		return
	}
	for d, name := range []string{"c2s", "s2c"} {
		wire[d].mu.Lock()
		fmt.Printf("TRACE phase=%s dir=%s recs=%s\n", phase, name, strings.Join(wire[d].tr.recs, ","))
		wire[d].tr.recs = nil
		wire[d].mu.Unlock()
	}
}

// standardNames maps the OpenSSL names of the suites the benchmark uses to
// their IANA names, which is what the RESULT line reports.
var standardNames = map[string]string{
	"ECDHE-RSA-AES128-GCM-SHA256":   "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
	"ECDHE-ECDSA-AES128-GCM-SHA256": "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
}

func standardName(s string) string {
	if n, ok := standardNames[s]; ok {
		return n
	}
	return s
}

// connState describes the client end of the last connection of a run.
type connState struct {
	proto, cipher string
	reused        bool
}

func result(secs, value float64, unit string, st connState, reused int64) {
	fmt.Printf("RESULT impl=%s n=%d secs=%.6f value=%.3f unit=%s c2s=%d s2c=%d proto=%s cipher=%s reused=%d\n",
		a.impl, a.n, secs, value, unit, wire[c2s].bytes.Load(), wire[s2c].bytes.Load(), st.proto, st.cipher, reused)
}

func die(format string, v ...any) {
	fmt.Fprintf(os.Stderr, "gobench: "+format+"\n", v...)
	os.Exit(1)
}

// rssKiB returns the resident set size after a full collection, with the
// freed heap returned to the OS, so that it counts live memory.
func rssKiB() int64 {
	runtime.GC()
	debug.FreeOSMemory()
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		die("%v", err)
	}
	f := strings.Fields(string(b))
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		die("statm: %v", err)
	}
	return pages * int64(os.Getpagesize()) / 1024
}

// impl is one Go implementation of the workloads.
type impl interface {
	hs()
	resume()
	bulk()
	rss()
}

// impls holds the implementations compiled into this binary.
var impls = map[string]func() (impl, error){}

func parseArgs() {
	for _, arg := range os.Args[1:] {
		k, v, ok := strings.Cut(arg, "=")
		if !ok {
			die("argument %q is not key=value", arg)
		}
		var err error
		switch k {
		case "impl":
			a.impl = v
		case "kind":
			a.kind = v
		case "tls":
			a.tls = v
		case "ciphers":
			a.ciphers = v
		case "suites":
			a.suites = v
		case "n":
			a.n, err = strconv.ParseInt(v, 10, 64)
		case "wsize":
			a.wsize, err = strconv.ParseInt(v, 10, 64)
		case "cert":
			a.cert = v
		case "key":
			a.key = v
		case "ca":
			a.ca = v
		case "sidctx":
			a.sidctx = v
		case "trace":
			a.trace = v == "1"
		case "rb":
			a.rb = v == "1"
		case "warm":
			a.warm, err = strconv.Atoi(v)
		default:
			die("unknown argument %q", k)
		}
		if err != nil {
			die("%s: %v", k, err)
		}
	}
	if a.n <= 0 || a.cert == "" || a.key == "" || a.ca == "" || (a.kind == "bulk" && a.wsize <= 0) {
		die("usage: gobench impl=gotls|goopenssl|membio kind=hs|resume|bulk|rss tls=1.2|1.3 ciphers=LIST " +
			"suites=LIST n=N [wsize=BYTES] cert=CHAIN key=KEY ca=CAFILE [trace=1] [warm=N]")
	}
	tracing = a.trace
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "list" {
		names := make([]string, 0, len(impls))
		for name := range impls {
			names = append(names, name)
		}
		sort.Strings(names)
		fmt.Println(strings.Join(names, " "))
		return
	}
	parseArgs()
	mk, ok := impls[a.impl]
	if !ok {
		die("unknown impl %q", a.impl)
	}
	im, err := mk()
	if err != nil {
		die("%s: %v", a.impl, err)
	}
	switch a.kind {
	case "hs":
		im.hs()
	case "resume":
		im.resume()
	case "bulk":
		im.bulk()
	case "rss":
		im.rss()
	default:
		die("unknown kind %q", a.kind)
	}
}

func since(t0 time.Time) float64 { return time.Since(t0).Seconds() }
