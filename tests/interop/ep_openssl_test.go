package interop_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/membio/membio/tests/pki"
)

// opensslEP is the OpenSSL command-line tools: openssl s_server as a
// server, openssl s_client as a client.
//
// s_server runs in its default (verbose) mode: it prints "ACCEPT
// 127.0.0.1:PORT" for the port it got, and per connection the negotiated
// parameters, then the bytes it receives, on stdout. The test echoes those
// bytes back through s_server's stdin, which s_server sends to the client.
// Because s_server reads command letters at the start of what it reads from
// stdin, the data is the text pattern.
//
// s_client runs with -brief (stdout carries only the bytes received) when
// the scenario needs no more than the version, the cipher and the server
// certificate, and in its verbose mode otherwise (ALPN, resumption), where
// the data is found by search in stdout.
type opensslEP struct{ p *pki.PKI }

func (opensslEP) String() string     { return "openssl" }
func (opensslEP) textOnly(role) bool { return true }

func (opensslEP) cannot(r role, sc *scenario) string {
	switch {
	case r == asServer && sc.close == closeByServer:
		return "s_server cannot be told to send close_notify first"
	case r == asServer && sc.sniSwitch && len(sc.alpnServer) > 0:
		return "s_server's second context has no ALPN callback"
	}
	return ""
}

func opensslTool(t testing.TB) string { return lookTool(t, "openssl", "openssl") }

// versionArgs limits the protocol versions.
func versionArgs(minV, maxV string) []string {
	var a []string
	if minV != "" {
		a = append(a, "-min_protocol", minV)
	}
	if maxV != "" {
		a = append(a, "-max_protocol", maxV)
	}
	return a
}

var (
	reAlertNumber = regexp.MustCompile(`SSL alert number (\d+)`)
	reErrorReason = regexp.MustCompile(`error:[0-9A-F]+:SSL routines:[^:]*:([^:]+):`)
	reSubjectCN   = regexp.MustCompile(`CN = ([^,\n]+)`)
)

// opensslAlert finds the alert an OpenSSL tool reports having received.
func opensslAlert(log string) string {
	if m := reAlertNumber.FindAllStringSubmatch(log, -1); m != nil {
		n, _ := strconv.Atoi(m[len(m)-1][1])
		return alertName(n)
	}
	return ""
}

// opensslReason finds the last SSL reason an OpenSSL tool printed.
func opensslReason(log string) string {
	if m := reErrorReason.FindAllStringSubmatch(log, -1); m != nil {
		return reasonFromText(m[len(m)-1][1])
	}
	return ""
}

func firstMatch(re *regexp.Regexp, s string) string {
	if m := re.FindStringSubmatch(s); m != nil {
		return strings.TrimSpace(m[1])
	}
	return ""
}

func versionOfCipher(c string) string {
	if strings.HasPrefix(c, "TLS_") {
		return tls13
	}
	return tls12
}

// sServerMarker ends the parameters s_server prints for a connection; the
// data follows it.
var sServerMarker = []byte("Secure Renegotiation IS")

func (e opensslEP) serve(t *testing.T, sc *scenario) (string, func() []result) {
	t.Helper()
	cert := sc.cert(e.p)
	args := []string{opensslTool(t), "s_server", "-accept", "127.0.0.1:0", "-naccept", fmt.Sprint(sc.conns()),
		"-key", cert.KeyFile}
	args = append(args, certArgs(t, cert)...)
	switch sc.auth {
	case authOptional:
		args = append(args, "-verify", "4", "-verify_return_error")
	case authRequired:
		args = append(args, "-Verify", "4", "-verify_return_error")
	}
	if sc.auth != authNone || sc.pha {
		args = append(args, "-CAfile", sc.serverCAFile(e.p))
	}
	args = append(args, versionArgs(sc.serverMin, sc.serverMax)...)
	if sc.serverCiphers != "" {
		args = append(args, "-cipher", sc.serverCiphers)
	}
	if len(sc.alpnServer) > 0 {
		args = append(args, "-alpn", strings.Join(sc.alpnServer, ","))
	}
	if sc.sniSwitch {
		args = append(args, "-servername", pki.OtherHost, "-cert2", e.p.ServerOther.ChainFile, "-key2", e.p.ServerOther.KeyFile)
	}
	if sc.noTickets {
		args = append(args, "-no_ticket")
	}
	// With post-handshake authentication, s_server's own report of the
	// client certificate covers the handshake only; its message trace shows
	// the Certificate that answers the CertificateRequest.
	msgFile := filepath.Join(t.TempDir(), "s_server-msg.txt")
	if sc.pha {
		args = append(args, "-msg", "-msgfile", msgFile)
	}
	p := startProcess(t, true, args...)
	deadline := time.Now().Add(startTimeout)
	reAccept := regexp.MustCompile(`ACCEPT 127\.0\.0\.1:(\d+)\n`)
	var port string
	if !p.stdout.waitFor(deadline, func(b []byte) bool {
		m := reAccept.FindSubmatch(b)
		if m != nil {
			port = string(m[1])
		}
		return m != nil
	}) {
		t.Fatalf("s_server did not start:\n%s", p.log())
	}

	// The echo: for each connection, the bytes after the parameters go
	// back in through stdin.
	type echoed struct {
		n   int
		sha string
	}
	var mu sync.Mutex
	var echoes []echoed
	go func() {
		pos := 0
		for {
			var start int
			if !p.stdout.waitFor(time.Now().Add(procTimeout), func(b []byte) bool {
				i := bytes.Index(b[pos:], sServerMarker)
				if i < 0 {
					return false
				}
				j := bytes.IndexByte(b[pos+i:], '\n')
				if j < 0 {
					return false
				}
				start = pos + i + j + 1
				return true
			}) {
				return
			}
			pos = start
			if sc.pha {
				// "c" must be the whole of one stdin read: s_server
				// drops the rest of a read that starts with a command.
				// Send the echo only once the CertificateRequest is out.
				p.writeStdin([]byte("c\n"))
				waitFile(msgFile, "CertificateRequest", time.Now().Add(connTimeout))
			}
			h := sha256.New()
			for left := sc.send; left > 0; {
				var chunk []byte
				if !p.stdout.waitFor(time.Now().Add(connTimeout), func(b []byte) bool {
					if len(b) > pos {
						chunk = bytes.Clone(b[pos:min(len(b), pos+left)])
						return true
					}
					return false
				}) {
					return
				}
				p.writeStdin(chunk)
				h.Write(chunk)
				pos += len(chunk)
				left -= len(chunk)
			}
			mu.Lock()
			echoes = append(echoes, echoed{sc.send, hex.EncodeToString(h.Sum(nil))})
			mu.Unlock()
			if sc.close == truncByServer {
				// At EOF on stdin s_server closes the socket, then
				// fails to send close_notify on it.
				p.closeStdin()
				return
			}
		}
	}()

	return "127.0.0.1:" + port, func() []result {
		if !p.wait(connTimeout) {
			t.Errorf("s_server did not exit after %d connections:\n%s", sc.conns(), p.log())
		}
		p.stop()
		out := p.stdout.String()
		errLog := p.stderr.String()
		pha := false
		if sc.pha {
			trace, _ := os.ReadFile(msgFile)
			pha = phaCertificateArrived(string(trace))
		}
		var res []result
		blocks := strings.SplitAfter(out, "CONNECTION CLOSED\n")
		mu.Lock()
		defer mu.Unlock()
		k := 0
		for _, b := range blocks {
			if !strings.Contains(b, "CONNECTION CLOSED") {
				continue
			}
			r := result{ok: true, verifyCode: -1, reports: fVersion | fCipher | fALPN | fResumed | fPeerCN | fPeerClose | fAlert,
				detail: "s_server:\n" + p.log()}
			if sc.sniSwitch {
				r.reports |= fSNI
				r.sni = firstMatch(regexp.MustCompile(`Hostname in TLS extension: "([^"]*)"`), b)
			}
			r.cipher = firstMatch(regexp.MustCompile(`CIPHER is (\S+)`), b)
			if r.cipher == "" {
				r.ok = false
				r.stage = "handshake"
				r.alert = opensslAlert(errLog)
				r.reason = opensslReason(errLog)
				res = append(res, r)
				continue
			}
			r.version = versionOfCipher(r.cipher)
			r.alpn = firstMatch(regexp.MustCompile(`ALPN protocols selected: (\S+)`), b)
			r.resumed = strings.Contains(b, "Reused session-id")
			if i := strings.Index(b, "Client certificate\n"); i >= 0 {
				r.peerCN = firstMatch(reSubjectCN, b[i:])
			}
			if sc.pha {
				r.reports = r.reports&^fPeerCN | fPHA
				r.pha = pha
			}
			if k < len(echoes) {
				r.reports |= fData
				r.received = int64(echoes[k].n)
				r.sha = echoes[k].sha
				k++
			}
			switch {
			case strings.Contains(b, "\nDONE\n"):
				r.peerClose = "close_notify"
			case strings.Contains(b, "\nERROR\n"):
				r.ok = false
				r.stage = "read"
				r.reason = opensslReason(errLog)
				r.alert = opensslAlert(errLog)
				if r.reason == "UNEXPECTED_EOF_WHILE_READING" {
					r.peerClose = "eof"
				}
			}
			res = append(res, r)
		}
		return res
	}
}

// certArgs are the flags for a certificate and its intermediates: -cert
// loads the leaf only, -cert_chain the certificates sent after it.
func certArgs(t *testing.T, cert *pki.Cert) []string {
	t.Helper()
	data, err := os.ReadFile(cert.ChainFile)
	if err != nil {
		t.Fatal(err)
	}
	var rest []byte
	for first := true; ; first = false {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if !first {
			rest = append(rest, pem.EncodeToMemory(block)...)
		}
	}
	args := []string{"-cert", cert.CertFile}
	if len(rest) > 0 {
		f := filepath.Join(t.TempDir(), cert.Name+"-intermediates.pem")
		if err := os.WriteFile(f, rest, 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "-cert_chain", f)
	}
	return args
}

// waitFile waits until file contains s, or the deadline passes.
func waitFile(file, s string, deadline time.Time) bool {
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(file); err == nil && strings.Contains(string(b), s) {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// phaCertificateArrived reports whether an s_server -msg trace shows a
// non-empty Certificate from the client after the server's
// CertificateRequest.
func phaCertificateArrived(trace string) bool {
	i := strings.Index(trace, "], CertificateRequest\n")
	if i < 0 {
		return false
	}
	m := regexp.MustCompile(`<<< TLS 1\.3, Handshake \[length ([0-9a-f]+)\], Certificate\n`).FindStringSubmatch(trace[i:])
	if m == nil {
		return false
	}
	n, err := strconv.ParseUint(m[1], 16, 32)
	return err == nil && n > 16
}

// hostArgs are s_client's flags for the server's name.
func hostArgs(sc *scenario) []string {
	host := sc.hostname()
	if net.ParseIP(host) != nil {
		a := []string{"-noservername"}
		if !sc.noCheckHostname {
			a = append(a, "-verify_ip", host)
		}
		return a
	}
	a := []string{"-servername", host}
	if !sc.noCheckHostname {
		a = append(a, "-verify_hostname", host)
	}
	return a
}

func (e opensslEP) dial(t *testing.T, sc *scenario, addr string) []result {
	t.Helper()
	brief := sc.conns() == 1 && len(sc.alpnClient) == 0
	sess := filepath.Join(t.TempDir(), "session.pem")
	var out []result
	for i := range sc.conns() {
		args := []string{opensslTool(t), "s_client", "-connect", addr, "-CAfile", sc.clientCAFile(e.p),
			"-verify_return_error", "-nocommands", "-no_ign_eof"}
		args = append(args, hostArgs(sc)...)
		if brief {
			args = append(args, "-brief")
		}
		if sc.clientCert != nil {
			args = append(args, "-key", sc.clientCert.KeyFile)
			args = append(args, certArgs(t, sc.clientCert)...)
		}
		args = append(args, versionArgs(sc.clientMin, sc.clientMax)...)
		if sc.clientCiphers != "" {
			args = append(args, "-cipher", sc.clientCiphers)
		}
		if len(sc.alpnClient) > 0 {
			args = append(args, "-alpn", strings.Join(sc.alpnClient, ","))
		}
		if sc.pha {
			args = append(args, "-enable_pha")
		}
		last := i == sc.conns()-1
		if i > 0 {
			args = append(args, "-sess_in", sess)
		}
		if !last {
			args = append(args, "-sess_out", sess+".next")
		}
		out = append(out, e.dialOnce(t, sc, brief, sess, !last, args))
	}
	return out
}

func (e opensslEP) dialOnce(t *testing.T, sc *scenario, brief bool, sess string, saveSession bool, args []string) result {
	t.Helper()
	_ = os.Remove(sess + ".next")
	p := startProcess(t, true, args...)
	data := sc.data()
	p.writeStdin(data)
	deadline := time.Now().Add(connTimeout)
	echoed := p.stdout.waitFor(deadline, func(b []byte) bool {
		if brief {
			return len(b) >= len(data)
		}
		return bytes.Contains(b, data)
	})
	if saveSession {
		// The session (for TLS 1.3, the first ticket) must be saved before
		// the connection ends.
		for time.Now().Before(deadline) {
			if st, err := os.Stat(sess + ".next"); err == nil && st.Size() > 0 {
				break
			}
			if p.wait(10 * time.Millisecond) {
				break
			}
		}
	}
	switch sc.close {
	case closeByClient:
		p.closeStdin() // s_client sends close_notify and exits
	case truncByClient:
		_ = p.cmd.Process.Kill()
	}
	if !p.wait(connTimeout) {
		t.Errorf("s_client did not exit:\n%s", p.log())
	}
	p.stop()
	if saveSession {
		_ = os.Rename(sess+".next", sess)
	}

	stdout, stderr := p.stdout.String(), p.stderr.String()
	r := result{ok: true, verifyCode: -1, reports: fVersion | fCipher | fPeerCN | fData | fAlert, detail: "s_client:\n" + p.log()}
	if brief {
		r.version = firstMatch(regexp.MustCompile(`Protocol version: (\S+)`), stderr)
		r.cipher = firstMatch(regexp.MustCompile(`Ciphersuite: (\S+)`), stderr)
		r.peerCN = firstMatch(reSubjectCN, firstMatch(regexp.MustCompile(`Peer certificate: (.*)`), stderr))
	} else {
		r.reports |= fALPN | fResumed
		if m := regexp.MustCompile(`(New|Reused), (TLSv1\.[23]), Cipher is (\S+)`).FindStringSubmatch(stdout); m != nil {
			r.resumed = m[1] == "Reused"
			r.version, r.cipher = m[2], m[3]
		}
		r.alpn = firstMatch(regexp.MustCompile(`ALPN protocol: (\S+)`), stdout)
		if i := strings.Index(stdout, "Server certificate\n"); i >= 0 {
			r.peerCN = firstMatch(reSubjectCN, stdout[i:])
		}
	}
	if echoed {
		r.received = int64(len(data))
		r.sha = sha(data)
	} else if brief {
		r.received = int64(len(stdout))
		r.sha = sha([]byte(stdout))
	}
	r.alert = opensslAlert(stderr)
	r.reason = opensslReason(stderr)
	if r.version == "" || r.reason != "" {
		r.ok = false
		r.stage = "handshake"
		if r.version != "" {
			r.stage = "read"
		}
	}
	if r.reason == "UNEXPECTED_EOF_WHILE_READING" {
		r.reports |= fPeerClose
		r.peerClose = "eof"
	}
	return r
}
