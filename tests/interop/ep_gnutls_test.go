package interop_test

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/membio/membio/tests/pki"
)

// gnutlsEP is GnuTLS's command-line tools, a TLS stack that shares no code
// with OpenSSL: gnutls-serv --echo as a server, gnutls-cli as a client.
//
// gnutls-serv's echo works on text lines, so the data is the text pattern.
// gnutls-serv 3.7 has no option to choose its listening address: it binds
// the wildcard address (IPv4 and IPv6) on a port chosen at run time, for
// the length of one test; the tests connect to 127.0.0.1 only. It runs
// under stdbuf -oL: without it, what it prints on stdout about a failed
// handshake (the alert it received) stays in its stdio buffer and is lost
// when it is stopped.
type gnutlsEP struct{ p *pki.PKI }

func (gnutlsEP) String() string     { return "gnutls" }
func (gnutlsEP) textOnly(role) bool { return true }

func (gnutlsEP) cannot(r role, sc *scenario) string {
	switch {
	case sc.pha:
		return "gnutls-serv cannot request a certificate after the handshake; the issue asks for Python and OpenSSL"
	case r == asServer && sc.sniSwitch:
		return "gnutls-serv has a single certificate set and no SNI callback"
	case r == asServer && (sc.close == closeByServer || sc.close == truncByServer):
		return "gnutls-serv --echo closes only when the client does"
	case r == asClient && sc.conns() > 2:
		return "gnutls-cli --resume makes exactly two connections"
	case r == asClient && sc.conns() == 2 && sc.send > 0:
		return "gnutls-cli --resume sends data on the second connection only"
	}
	return ""
}

// gnutlsPriority is the priority string for the scenario's versions and
// TLS 1.2 ciphers.
func gnutlsPriority(minV, maxV, ciphers string) string {
	prio := "NORMAL"
	lo, hi := minV, maxV
	if lo == "" {
		lo = tls12
	}
	if hi == "" {
		hi = tls13
	}
	if lo != tls12 || hi != tls13 {
		prio += ":-VERS-ALL"
		if lo == tls12 {
			prio += ":+VERS-TLS1.2"
		}
		if hi == tls13 {
			prio += ":+VERS-TLS1.3"
		}
	}
	if ciphers != "" {
		prio += ":-CIPHER-ALL"
		for _, c := range strings.Split(ciphers, ":") {
			switch {
			case strings.Contains(c, "AES128-GCM"):
				prio += ":+AES-128-GCM"
			case strings.Contains(c, "AES256-GCM"):
				prio += ":+AES-256-GCM"
			}
		}
	}
	return prio
}

var (
	reGnutlsVersion = regexp.MustCompile(`- Version: TLS(1\.[23])`)
	reGnutlsDesc    = regexp.MustCompile(`- Description: \(TLS(1\.[23])`)
	reGnutlsALPN    = regexp.MustCompile(`- Application protocol: (\S+)`)
	reGnutlsSNI     = regexp.MustCompile(`- Given server name\[1\]: (\S+)`)
	reGnutlsSubject = regexp.MustCompile("subject `CN=([^,']+)")
	// gnutls-serv prints the client's certificate in full.
	reGnutlsClientSubject = regexp.MustCompile(`Certificate\[0\] info:[\s\S]*?Subject: CN=([^,\n]+)`)
	reGnutlsAlert         = regexp.MustCompile(`Received alert (?:'|\[)(\d+)`)
)

func gnutlsAlert(log string) string {
	if m := reGnutlsAlert.FindAllStringSubmatch(log, -1); m != nil {
		n, _ := strconv.Atoi(m[len(m)-1][1])
		return alertName(n)
	}
	return ""
}

func (e gnutlsEP) serve(t *testing.T, sc *scenario) (string, func() []result) {
	t.Helper()
	tool := lookTool(t, "gnutls-serv", "gnutls-bin")
	cert := sc.cert(e.p)
	var p *process
	var port int
	for attempt := 0; ; attempt++ {
		port = freePort(t)
		args := []string{tool, "--echo", "-p", fmt.Sprint(port), "--x509certfile", cert.ChainFile, "--x509keyfile", cert.KeyFile,
			"--priority", gnutlsPriority(sc.serverMin, sc.serverMax, sc.serverCiphers)}
		switch sc.auth {
		case authNone:
			args = append(args, "--disable-client-cert")
		case authOptional:
			args = append(args, "--verify-client-cert", "--x509cafile", sc.serverCAFile(e.p))
		case authRequired:
			args = append(args, "--require-client-cert", "--verify-client-cert", "--x509cafile", sc.serverCAFile(e.p))
		}
		for _, a := range sc.alpnServer {
			args = append(args, "--alpn", a)
		}
		if sc.noTickets {
			args = append(args, "--noticket")
		}
		if stdbuf, err := exec.LookPath("stdbuf"); err == nil {
			args = append([]string{stdbuf, "-oL"}, args...)
		}
		p = startProcess(t, false, args...)
		// It binds IPv4 first; a port taken meanwhile shows as "bind()
		// failed" on that line.
		ready := fmt.Sprintf("IPv4 0.0.0.0 port %d...done", port)
		p.stderr.waitFor(time.Now().Add(startTimeout), func(b []byte) bool {
			return bytes.Contains(b, []byte(ready)) || bytes.Contains(b, []byte("failed"))
		})
		if strings.Contains(p.stderr.String(), ready) {
			break
		}
		p.stop()
		if attempt == 3 {
			t.Fatalf("gnutls-serv did not start:\n%s", p.log())
		}
	}
	return fmt.Sprintf("127.0.0.1:%d", port), func() []result {
		p.stop() // SIGTERM: gnutls-serv flushes its report and exits
		out := p.stdout.String()
		var res []result
		for _, b := range strings.Split(out, "* Accepted connection from")[1:] {
			r := result{ok: true, verifyCode: -1, reports: fVersion | fALPN | fResumed | fSNI | fAlert, detail: "gnutls-serv:\n" + p.log()}
			r.version = "TLSv" + firstMatch(reGnutlsVersion, b)
			if r.version == "TLSv" {
				r.version = ""
				r.ok = false
				r.stage = "handshake"
			}
			r.alpn = firstMatch(reGnutlsALPN, b)
			r.sni = firstMatch(reGnutlsSNI, b)
			r.resumed = strings.Contains(b, "*** This is a resumed session")
			r.alert = gnutlsAlert(b)
			if sc.auth != authNone {
				r.reports |= fPeerCN
				r.peerCN = firstMatch(reGnutlsClientSubject, b)
			}
			res = append(res, r)
		}
		if len(res) == 1 && !res[0].ok && res[0].alert == "" {
			// Failures are reported on stderr, not per connection.
			res[0].alert = gnutlsAlert(p.stderr.String())
		}
		return res
	}
}

func (e gnutlsEP) dial(t *testing.T, sc *scenario, addr string) []result {
	t.Helper()
	tool := lookTool(t, "gnutls-cli", "gnutls-bin")
	host, port, _ := strings.Cut(addr, ":")
	logFile := filepath.Join(t.TempDir(), "gnutls-cli.log")
	args := []string{tool, "-p", port, "--x509cafile", sc.clientCAFile(e.p), "--logfile", logFile,
		"--priority", gnutlsPriority(sc.clientMin, sc.clientMax, sc.clientCiphers)}
	name := sc.hostname()
	if net.ParseIP(name) != nil {
		args = append(args, "--disable-sni")
	} else {
		args = append(args, "--sni-hostname", name)
	}
	if !sc.noCheckHostname {
		args = append(args, "--verify-hostname", name)
	}
	if sc.clientCert != nil {
		args = append(args, "--x509certfile", sc.clientCert.ChainFile, "--x509keyfile", sc.clientCert.KeyFile)
	}
	for _, a := range sc.alpnClient {
		args = append(args, "--alpn", a)
	}
	if sc.conns() == 2 {
		args = append(args, "--resume", "--waitresumption")
	}
	args = append(args, host)

	p := startProcess(t, true, args...)
	data := sc.data()
	p.writeStdin(data)
	p.stdout.waitFor(time.Now().Add(connTimeout), func(b []byte) bool { return len(b) >= len(data) })
	switch sc.close {
	case closeByClient:
		p.closeStdin() // gnutls-cli sends close_notify, then waits for the server's
	case truncByClient:
		_ = p.cmd.Process.Kill()
	}
	if !p.wait(connTimeout) {
		t.Errorf("gnutls-cli did not exit:\n%s", p.log())
	}
	p.stop()
	logText, _ := os.ReadFile(logFile)
	all := string(logText) + "\n" + p.stderr.String()
	detail := "gnutls-cli:\n" + p.log() + "\n--- log ---\n" + clip(string(logText))

	// With --resume the log has two connections, split at the reconnect.
	parts := []string{all}
	if sc.conns() == 2 {
		if i := strings.Index(all, "- Connecting again"); i >= 0 {
			parts = []string{all[:i], all[i:]}
		}
	}
	if sc.close == truncByClient {
		// Killed: its log is lost with its stdio buffers. Only the data
		// it printed is known.
		got := p.stdout.Bytes()
		return []result{{ok: true, verifyCode: -1, reports: fData, received: int64(len(got)), sha: sha(got), detail: detail}}
	}
	var res []result
	for i, part := range parts {
		r := result{ok: true, verifyCode: -1, reports: fVersion | fALPN | fResumed | fPeerCN | fAlert | fData, detail: detail}
		r.version = "TLSv" + firstMatch(reGnutlsDesc, part)
		if r.version == "TLSv" {
			r.version = ""
		}
		r.alpn = firstMatch(reGnutlsALPN, part)
		r.resumed = strings.Contains(part, "*** This is a resumed session")
		r.peerCN = firstMatch(reGnutlsSubject, part)
		r.alert = gnutlsAlert(part)
		if i == len(parts)-1 {
			got := p.stdout.Bytes()
			r.received = int64(len(got))
			r.sha = sha(got)
		}
		if r.version == "" || strings.Contains(part, "*** Fatal error") || strings.Contains(part, "Error in handshake") {
			r.ok = false
			r.stage = "handshake"
		}
		res = append(res, r)
	}
	if len(res) == 1 && sc.conns() == 2 {
		res = append(res, res[0])
	}
	return res
}
