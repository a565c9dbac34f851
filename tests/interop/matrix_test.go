package interop_test

import (
	"fmt"
	"net"
	"slices"
	"sort"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/membio/membio/tests/pki"
)

// peers returns the implementations membio is tested against.
func peers(p *pki.PKI) []endpoint {
	return []endpoint{
		pythonEP{p, "sslobject"},
		goTLSEP{p},
		opensslEP{p},
		gnutlsEP{p},
		goOpenSSLEP{p},
	}
}

// tally counts, per peer, the scenarios run and those left out with their
// reason, and logs them when the test ends.
type tally struct {
	mu       sync.Mutex
	ran      map[string]int
	excluded map[string][]string
}

func newTally(t *testing.T, what string) *tally {
	tl := &tally{ran: map[string]int{}, excluded: map[string][]string{}}
	t.Cleanup(func() {
		var names []string
		for n := range tl.ran {
			names = append(names, n)
		}
		for n := range tl.excluded {
			if _, ok := tl.ran[n]; !ok {
				names = append(names, n)
			}
		}
		sort.Strings(names)
		for _, n := range names {
			t.Logf("%-20s %3d %s run, %d left out", n, tl.ran[n], what, len(tl.excluded[n]))
			for _, why := range tl.excluded[n] {
				t.Logf("    left out: %s", why)
			}
		}
	})
	return tl
}

func (tl *tally) run(peer string) {
	tl.mu.Lock()
	tl.ran[peer]++
	tl.mu.Unlock()
}

func (tl *tally) exclude(peer, what string) {
	tl.mu.Lock()
	tl.excluded[peer] = append(tl.excluded[peer], what)
	tl.mu.Unlock()
}

// matrixScenarios are the conversations that must succeed, each played with
// membio as the client against every peer's server and with membio as the
// server against every peer's client.
func matrixScenarios(p *pki.PKI) []scenario {
	return []scenario{
		// Versions and key types; 16 KiB + 1 crosses a record boundary.
		{name: "TLS1.2-RSA", clientMax: tls12, serverMax: tls12, send: 16<<10 + 1},
		{name: "TLS1.3-RSA", clientMin: tls13, serverMin: tls13, send: 16<<10 + 1},
		{name: "TLS1.2-ECDSA", clientMax: tls12, serverMax: tls12, serverCert: p.ServerECDSA, send: 16<<10 + 1},
		{name: "TLS1.3-ECDSA", clientMin: tls13, serverMin: tls13, serverCert: p.ServerECDSA, send: 16<<10 + 1},
		{name: "TLS1.2-chain-through-intermediate", clientMax: tls12, serverMax: tls12, serverCert: p.ServerViaIntermediate, send: 1},
		{name: "TLS1.3-chain-through-intermediate", serverCert: p.ServerViaIntermediate, send: 1},
		{name: "one-byte", send: 1},

		// Client certificates.
		{name: "TLS1.2-client-cert-required-and-sent", clientMax: tls12, serverMax: tls12, auth: authRequired, clientCert: p.Client, send: 1},
		{name: "TLS1.3-client-cert-required-and-sent", auth: authRequired, clientCert: p.ClientECDSA, send: 1},
		{name: "client-cert-optional-and-sent", auth: authOptional, clientCert: p.Client, send: 1},
		{name: "client-cert-optional-and-absent", auth: authOptional, send: 1},

		// ALPN, SNI, names.
		{name: "ALPN-match", alpnClient: []string{"h2", "http/1.1"}, alpnServer: []string{"http/1.1"}, send: 1},
		{name: "ALPN-no-overlap", alpnClient: []string{"h2"}, alpnServer: []string{"http/1.1"}, send: 1},
		{name: "SNI-seen-by-the-server", serverName: pki.WildcardHost, send: 1},
		{name: "SNI-callback-switches-context", serverName: pki.OtherHost, sniSwitch: true, send: 1},
		{name: "hostname-is-an-IP-address", serverName: pki.IP, serverCert: p.IPOnly, send: 1},

		// Resumption: the second connection offers the first one's session.
		{name: "TLS1.2-resumption-by-ticket", clientMax: tls12, serverMax: tls12, sessions: 2, serverName: "localhost"},
		{name: "TLS1.2-resumption-by-session-id", clientMax: tls12, serverMax: tls12, sessions: 2, noTickets: true, serverName: "localhost"},
		{name: "TLS1.3-resumption-by-ticket", clientMin: tls13, serverMin: tls13, sessions: 2, serverName: "localhost"},

		// Post-handshake client authentication (TLS 1.3).
		{name: "post-handshake-auth", clientMin: tls13, serverMin: tls13, pha: true, clientCert: p.Client, send: 1},

		// Who closes, and how.
		{name: "close-by-server", close: closeByServer, send: 16<<10 + 1},
		{name: "truncated-by-server", close: truncByServer, send: 16<<10 + 1},
		{name: "truncated-by-client", close: truncByClient, send: 16<<10 + 1},
	}
}

// bigEcho is the 16 MiB echo, run only with the peers whose echo path is
// fast enough to keep the suite short.
func bigEcho() scenario { return scenario{name: "echo-16MiB", send: 16 << 20} }

// bigEchoWith reports whether the 16 MiB echo runs with e playing r.
func bigEchoWith(e endpoint, r role) bool {
	switch e.(type) {
	case pythonEP, goTLSEP:
		return true
	case goOpenSSLEP:
		return r == asServer
	case gnutlsEP:
		return r == asClient
	}
	return false
}

// TestInteropMatrix plays every matrix scenario between membio and every
// peer, membio on either side, and checks what both sides observed.
func TestInteropMatrix(t *testing.T) {
	p := testPKI(t)
	m := membioEP{p}
	tl := newTally(t, "matrix scenarios")
	var jobs []job
	for _, peer := range peers(p) {
		scs := matrixScenarios(p)
		scs = append(scs, bigEcho())
		for _, sc := range scs {
			for _, membioRole := range []role{asClient, asServer} {
				cli, srv := endpoint(m), peer
				peerRole := asServer
				if membioRole == asServer {
					cli, srv, peerRole = peer, m, asClient
				}
				name := fmt.Sprintf("%s/membio-%s", sc.name, membioRole)
				sc.text = cli.textOnly(asClient) || srv.textOnly(asServer)
				if sc.name == bigEcho().name && !bigEchoWith(peer, peerRole) {
					tl.exclude(peer.String(), name+": 16 MiB echo kept to the fast peers")
					continue
				}
				if why := peer.cannot(peerRole, &sc); why != "" {
					tl.exclude(peer.String(), name+": "+why)
					continue
				}
				jobs = append(jobs, job{peer.String() + "/" + name, func(t *testing.T) {
					tl.run(peer.String())
					c, s := play(t, cli, srv, sc)
					checkSuccess(t, p, &sc, cli, srv, c, s)
				}})
			}
		}
	}
	runJobs(t, workers(), jobs)
}

// TestInteropPythonSSLSocket runs a few scenarios against Python's
// SSLSocket (the blocking socket API) rather than SSLObject.
func TestInteropPythonSSLSocket(t *testing.T) {
	p := testPKI(t)
	m := membioEP{p}
	peer := pythonEP{p, "sslsocket"}
	for _, sc := range []scenario{
		{name: "TLS1.2", clientMax: tls12, serverMax: tls12, send: 16<<10 + 1},
		{name: "TLS1.3-client-cert", auth: authRequired, clientCert: p.Client, send: 16<<10 + 1},
		{name: "TLS1.3-resumption", clientMin: tls13, serverMin: tls13, sessions: 2, serverName: "localhost"},
	} {
		t.Run(sc.name+"/membio-client", func(t *testing.T) {
			t.Parallel()
			c, s := play(t, m, peer, sc)
			checkSuccess(t, p, &sc, m, peer, c, s)
		})
		t.Run(sc.name+"/membio-server", func(t *testing.T) {
			t.Parallel()
			c, s := play(t, peer, m, sc)
			checkSuccess(t, p, &sc, peer, m, c, s)
		})
	}
}

// expectedALPN is the protocol the server picks: the first of its own
// protocols that the client offered, or "" without overlap.
func expectedALPN(sc *scenario) string {
	for _, s := range sc.alpnServer {
		if slices.Contains(sc.alpnClient, s) {
			return s
		}
	}
	return ""
}

// refusesALPNMismatch reports whether a server aborts the handshake when
// the client's ALPN protocols and its own do not overlap.
func refusesALPNMismatch(srv endpoint) bool {
	switch srv.(type) {
	case goTLSEP, opensslEP:
		return true
	}
	return false
}

// answersCloseNotify reports whether a client answers the server's
// close_notify with its own. gnutls-cli exits without answering; the
// server's Unwrap then meets a transport EOF, which membio (like Python)
// reports as an SSLEOFError.
func answersCloseNotify(cli endpoint) bool {
	_, ok := cli.(gnutlsEP)
	return !ok
}

// checkSuccess checks both sides' results of a scenario that must succeed
// (up to the truncation the scenario asks for).
func checkSuccess(t *testing.T, p *pki.PKI, sc *scenario, cli, srv endpoint, c, s []result) {
	t.Helper()
	info := dump(c, s)
	require.Len(t, c, sc.conns(), "client results\n%s", info)
	require.Len(t, s, sc.conns(), "server results\n%s", info)

	// crypto/tls and openssl s_server refuse a client whose ALPN list does
	// not overlap theirs (RFC 7301's no_application_protocol alert);
	// Python's, membio's and gnutls-serv's servers go on without ALPN.
	if refusesALPNMismatch(srv) && len(sc.alpnClient) > 0 && len(sc.alpnServer) > 0 && expectedALPN(sc) == "" {
		assert.False(t, c[0].ok, info)
		assert.Equal(t, "TLSV1_ALERT_NO_APPLICATION_PROTOCOL", c[0].alert, info)
		assert.False(t, s[0].ok, info)
		return
	}

	serverCN := sc.cert(p).Cert.Subject.CommonName
	if sc.sniSwitch && sc.hostname() == pki.OtherHost {
		serverCN = p.ServerOther.Cert.Subject.CommonName
	}
	clientCN := ""
	if sc.clientCert != nil && (sc.auth != authNone || sc.pha) {
		clientCN = sc.clientCert.Cert.Subject.CommonName
	}
	wantSNI := sc.hostname()
	if net.ParseIP(wantSNI) != nil {
		wantSNI = ""
	}

	for i := range sc.conns() {
		cr, sr := c[i], s[i]
		who := func(side string) string { return fmt.Sprintf("connection %d, %s\n%s", i, side, info) }

		switch sc.close {
		case truncByServer:
			assert.False(t, cr.ok, who("client must see a truncation"))
			if cr.has(fPeerClose) {
				assert.Equal(t, "eof", cr.peerClose, who("client"))
			}
			if cr.has(fError) && cr.class != "" {
				assert.Equal(t, "SSLEOFError", cr.class, who("client"))
				assert.Equal(t, "SSL", cr.library, who("client"))
				assert.Equal(t, "UNEXPECTED_EOF_WHILE_READING", cr.reason, who("client"))
				assert.Equal(t, "read", cr.stage, who("client"))
			}
			assert.True(t, sr.ok, who("server"))
		case truncByClient:
			assert.True(t, cr.ok, who("client"))
			if sr.has(fPeerClose) {
				assert.Equal(t, "eof", sr.peerClose, who("server must see a truncation"))
			}
			if sr.has(fError) && sr.class != "" {
				assert.Equal(t, "SSLEOFError", sr.class, who("server"))
				assert.Equal(t, "SSL", sr.library, who("server"))
				assert.Equal(t, "UNEXPECTED_EOF_WHILE_READING", sr.reason, who("server"))
				assert.Equal(t, "read", sr.stage, who("server"))
			}
		case closeByServer:
			assert.True(t, cr.ok, who("client"))
			if cr.has(fPeerClose) {
				assert.Equal(t, "close_notify", cr.peerClose, who("client"))
			}
			if answersCloseNotify(cli) {
				assert.True(t, sr.ok, who("server"))
				break
			}
			assert.False(t, sr.ok, who("server's Unwrap must see the EOF"))
			if sr.has(fError) {
				assert.Equal(t, "SSLEOFError", sr.class, who("server"))
				assert.Equal(t, "unwrap", sr.stage, who("server"))
			}
		default:
			assert.True(t, cr.ok, who("client"))
			assert.True(t, sr.ok, who("server"))
			if cr.has(fPeerClose) {
				assert.Equal(t, "close_notify", cr.peerClose, who("client"))
			}
			if sr.has(fPeerClose) {
				assert.Equal(t, "close_notify", sr.peerClose, who("server"))
			}
		}

		if v := sc.pinned(); v != "" {
			for _, r := range []result{cr, sr} {
				if r.has(fVersion) {
					assert.Equal(t, v, r.version, who("version"))
				}
			}
		}
		if cr.has(fVersion) && sr.has(fVersion) {
			assert.Equal(t, cr.version, sr.version, who("both sides' version"))
		}
		if cr.has(fCipher) && sr.has(fCipher) {
			assert.Equal(t, cr.cipher, sr.cipher, who("both sides' cipher"))
		}
		for _, r := range []result{cr, sr} {
			if r.has(fALPN) {
				assert.Equal(t, expectedALPN(sc), r.alpn, who("ALPN"))
			}
			if r.has(fResumed) {
				assert.Equal(t, i > 0, r.resumed, who("session reused"))
			}
		}
		if cr.has(fPeerCN) && i == 0 {
			// A resumed session carries the certificate too, but not every
			// peer reports it.
			assert.Equal(t, serverCN, cr.peerCN, who("client saw the server certificate"))
		}
		if sr.has(fPeerCN) && (i == 0 || !sr.resumed) {
			assert.Equal(t, clientCN, sr.peerCN, who("server saw the client certificate"))
		}
		if sr.has(fSNI) && i == 0 {
			assert.Equal(t, wantSNI, sr.sni, who("server saw the SNI name"))
		}
		if sc.pha && sr.has(fPHA) {
			assert.True(t, sr.pha, who("post-handshake certificate arrived"))
		}
		checkEcho(t, sc, cr, who("client"))
		if sr.has(fData) && sc.close != truncByClient {
			assert.EqualValues(t, sc.send, sr.received, who("server received"))
		}
	}
	if t.Failed() {
		t.Logf("scenario %s between %s (client) and %s (server)", sc.name, cli, srv)
	}
}
