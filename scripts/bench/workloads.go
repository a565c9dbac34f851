package main

import "fmt"

// pythonCiphers is the TLS 1.2 cipher string of Python's SSLContext
// (_ssl._DEFAULT_CIPHERS). Every implementation sets it explicitly so that
// the ClientHellos of the OpenSSL-based columns are byte-for-byte the same
// length.
const pythonCiphers = "@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM"

const (
	suiteAES    = "TLS_AES_128_GCM_SHA256"
	suiteChaCha = "TLS_CHACHA20_POLY1305_SHA256"
	tls12Suite  = "ECDHE-RSA-AES128-GCM-SHA256"
)

// A workload is one row of the table.
type workload struct {
	id    string // short name, matched by -only
	label string // row label
	kind  string // hs, resume, bulk or rss: what the programs run
	tls   string // highest version offered: "1.2" or "1.3"
	rsa   bool   // RSA-2048 server certificate instead of ECDSA P-256
	ciphers,
	suite string
	n, quickN int64 // iterations, bytes or pairs
	wsize     int64 // bulk write size
	unit      string
	// lowerIsBetter is true for memory rows.
	lowerIsBetter bool
	// baseline is the column the ratios are taken against: "c", or "c-rb"
	// for the row that compares with SSL_MODE_RELEASE_BUFFERS.
	baseline string
	// from names the workload whose measurements this row shows again
	// (the second memory row re-uses the first one's processes).
	from string
}

// Iteration counts aim at about one second per process for the C column on
// a 2020s x86 core; the slower columns take up to a few seconds.
func workloads() []workload {
	w := []workload{
		{id: "hs-ecdsa", label: "full handshake TLS1.3 X25519 ECDSA-P256", kind: "hs", tls: "1.3",
			ciphers: pythonCiphers, suite: suiteAES, n: 2000, quickN: 10, unit: "hs/s"},
		{id: "hs-rsa", label: "full handshake TLS1.3 X25519 RSA-2048", kind: "hs", tls: "1.3", rsa: true,
			ciphers: pythonCiphers, suite: suiteAES, n: 1400, quickN: 10, unit: "hs/s"},
		{id: "hs-tls12", label: "full handshake TLS1.2 ECDHE-RSA-AES128-GCM", kind: "hs", tls: "1.2", rsa: true,
			ciphers: tls12Suite, suite: suiteAES, n: 1600, quickN: 10, unit: "hs/s"},
		{id: "resume", label: "resumed handshake TLS1.3 (ticket)", kind: "resume", tls: "1.3",
			ciphers: pythonCiphers, suite: suiteAES, n: 4000, quickN: 10, unit: "hs/s"},
	}
	for _, c := range []struct{ tag, suite, name string }{{"aes", suiteAES, "AES128-GCM"}, {"chacha", suiteChaCha, "CHACHA20"}} {
		for _, s := range []struct {
			tag          string
			wsize, total int64
		}{{"16k", 16 << 10, 1 << 30}, {"1k", 1 << 10, 256 << 20}, {"64", 64, 32 << 20}} {
			quick := int64(256 << 10)
			if s.wsize == 64 {
				quick = 32 << 10
			}
			w = append(w, workload{
				id:    fmt.Sprintf("bulk-%s-%s", c.tag, s.tag),
				label: fmt.Sprintf("bulk %s, %s writes (%d MiB)", c.name, sizeName(s.wsize), s.total>>20),
				kind:  "bulk", tls: "1.3", ciphers: pythonCiphers, suite: c.suite,
				n: s.total, quickN: quick, wsize: s.wsize, unit: "MB/s",
			})
		}
	}
	w = append(w,
		workload{id: "rss", label: "idle pair RSS (ratio to C default)", kind: "rss", tls: "1.3",
			ciphers: pythonCiphers, suite: suiteAES, n: 2000, quickN: 100, unit: "KiB/pair", lowerIsBetter: true},
		workload{id: "rss-rb", label: "idle pair RSS (ratio to C RELEASE_BUFFERS)", kind: "rss", tls: "1.3",
			ciphers: pythonCiphers, suite: suiteAES, n: 2000, quickN: 100, unit: "KiB/pair", lowerIsBetter: true,
			baseline: "c-rb", from: "rss"},
	)
	for i := range w {
		if w[i].baseline == "" {
			w[i].baseline = "c"
		}
	}
	return w
}

func sizeName(n int64) string {
	if n >= 1<<10 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// An impl is one column.
type impl struct {
	id, label string
	// rssOnly marks the C variant with SSL_MODE_RELEASE_BUFFERS, which runs
	// only for the memory rows.
	rssOnly bool
	// openssl is true for the columns built on the system OpenSSL, whose
	// handshakes must match C's record for record.
	openssl bool
	// note, when set, is printed under the table.
	note string
}

var allImpls = []impl{
	{id: "c", label: "C (OpenSSL)", openssl: true},
	{id: "python", label: "Python ssl", openssl: true},
	{id: "gotls", label: "crypto/tls"},
	{id: "goopenssl", label: "go-openssl", openssl: true},
	{id: "membio", label: "membio", openssl: true,
		note: "bulk moves each write with two calls, SSLObject.WriteDrain (encrypt and drain into the pump buffer) and FeedReadAll (feed, decrypt every complete record, drain the answer), with SetReleaseBuffers(false) for the transfer, as the C loop keeps its buffers; handshakes and RSS use DoHandshake, the MemoryBIO pump and the default settings"},
	{id: "membio-py", label: "membio Python calls", openssl: true,
		note: "only the Python-shaped calls (Write, MemoryBIO.ReadInto/Write, ReadInto until want-read) and the default settings (release buffers on, as Python)"},
	{id: "c-rb", label: "C RELEASE_BUFFERS", openssl: true, rssOnly: true},
}
