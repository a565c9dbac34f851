package interop_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/membio/membio/tests/pki"
	"github.com/membio/membio/tests/pypeer"
)

// pythonEP is Python's ssl module through tests/pypeer/peer.py: SSLObject
// with two MemoryBIOs pumped over a socket (mode "sslobject") or a plain
// SSLSocket (mode "sslsocket").
type pythonEP struct {
	p    *pki.PKI
	mode string
}

func (e pythonEP) String() string { return "python-" + e.mode }

func (pythonEP) textOnly(role) bool { return false }

func (e pythonEP) cannot(r role, sc *scenario) string {
	if r == asClient && sc.text && sc.send > 0 {
		return "peer.py sends binary data only"
	}
	return ""
}

func pyVersion(v string) string { return strings.ReplaceAll(strings.TrimPrefix(v, "TLSv"), ".", "_") }

// commonArgs are the flags both roles share.
func (e pythonEP) commonArgs(sc *scenario, minV, maxV, ciphers string, alpn []string) []string {
	args := []string{"--mode", e.mode, "--timeout", "15"}
	if minV != "" {
		args = append(args, "--min-version", "TLSv"+pyVersion(minV))
	}
	if maxV != "" {
		args = append(args, "--max-version", "TLSv"+pyVersion(maxV))
	}
	if ciphers != "" {
		args = append(args, "--ciphers", ciphers)
	}
	if len(alpn) > 0 {
		args = append(args, "--alpn", strings.Join(alpn, ","))
	}
	if sc.pha {
		args = append(args, "--pha")
	}
	return args
}

func (e pythonEP) serve(t *testing.T, sc *scenario) (string, func() []result) {
	t.Helper()
	cert := sc.cert(e.p)
	args := e.commonArgs(sc, sc.serverMin, sc.serverMax, sc.serverCiphers, sc.alpnServer)
	args = append(args, "--certfile", cert.ChainFile, "--keyfile", cert.KeyFile, "--accept", fmt.Sprint(sc.conns()))
	switch {
	case sc.auth == authOptional:
		args = append(args, "--verify", "optional")
	case sc.auth == authRequired:
		args = append(args, "--verify", "required")
	}
	if sc.pha || sc.auth != authNone {
		args = append(args, "--cafile", sc.serverCAFile(e.p))
	}
	if sc.noTickets {
		args = append(args, "--no-ticket")
	}
	if sc.sniSwitch {
		args = append(args, "--sni-switch", e.p.ServerOther.ChainFile+":"+e.p.ServerOther.KeyFile)
	}
	switch sc.close {
	case closeByServer:
		args = append(args, "--close-after", fmt.Sprint(sc.send), "--close", "unwrap")
	case truncByServer:
		args = append(args, "--close-after", fmt.Sprint(sc.send), "--close", "abrupt")
	}
	port, results := pypeer.StartServer(t, args...)
	return fmt.Sprintf("127.0.0.1:%d", port), func() []result {
		var out []result
		for _, r := range results() {
			out = append(out, fromPython(r, true))
		}
		return out
	}
}

func (e pythonEP) dial(t *testing.T, sc *scenario, addr string) []result {
	t.Helper()
	_, port, _ := strings.Cut(addr, ":")
	args := e.commonArgs(sc, sc.clientMin, sc.clientMax, sc.clientCiphers, sc.alpnClient)
	args = append(args, "--port", port, "--server-hostname", sc.hostname(), "--cafile", sc.clientCAFile(e.p),
		"--send", fmt.Sprint(sc.send), "--sessions", fmt.Sprint(sc.conns()))
	if sc.noCheckHostname {
		args = append(args, "--no-check-hostname")
	}
	if sc.clientCert != nil {
		args = append(args, "--certfile", sc.clientCert.ChainFile, "--keyfile", sc.clientCert.KeyFile)
	}
	switch sc.close {
	case closeByClient, closeByServer:
		args = append(args, "--close", "unwrap")
	case truncByServer, waitForServer:
		args = append(args, "--close", "wait")
	case truncByClient:
		args = append(args, "--close", "abrupt")
	}
	var out []result
	for _, r := range pypeer.RunClient(t, args...) {
		out = append(out, fromPython(r, false))
	}
	return out
}

// fromPython converts peer.py's report.
func fromPython(r pypeer.Result, server bool) result {
	out := result{
		ok:         r.OK,
		stage:      r.Stage,
		class:      r.Class,
		library:    r.Library,
		reason:     r.Reason,
		verifyCode: -1,
		version:    r.Version,
		alpn:       r.ALPN,
		resumed:    r.SessionReused,
		peerCN:     subjectCN(r.PeerCert),
		received:   r.Received,
		sha:        r.SHA256,
		peerClose:  r.PeerClose,
		detail:     "python: " + r.String(),
		reports:    membioReports &^ fSNI,
	}
	if r.VerifyCode != nil {
		out.verifyCode = *r.VerifyCode
	}
	if !r.OK {
		out.message = reSSLCLine.ReplaceAllString(r.Str, "")
	}
	if r.Cipher != nil {
		out.cipher = r.Cipher.Name
	}
	if isAlertReason(r.Reason) {
		out.alert = r.Reason
	}
	if server {
		out.reports |= fSNI
		if r.SNISeen != nil {
			out.sni = *r.SNISeen
		}
		if r.PHACert != nil {
			out.reports |= fPHA
			out.pha = *r.PHACert
		}
	}
	return out
}

// reSSLCLine matches the C source position Python appends to its SSL
// error messages.
var reSSLCLine = regexp.MustCompile(` \(_ssl\.c:\d+\)`)

// subjectCN finds the commonName in a getpeercert() dict.
func subjectCN(cert map[string]any) string {
	rdns, _ := cert["subject"].([]any)
	for _, rdn := range rdns {
		pairs, _ := rdn.([]any)
		for _, pair := range pairs {
			kv, _ := pair.([]any)
			if len(kv) == 2 && kv[0] == "commonName" {
				s, _ := kv[1].(string)
				return s
			}
		}
	}
	return ""
}
