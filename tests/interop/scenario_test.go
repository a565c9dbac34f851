package interop_test

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/membio/membio/tests/pki"
)

// role is the side an endpoint plays in a connection.
type role int

const (
	asClient role = iota
	asServer
)

func (r role) String() string {
	if r == asClient {
		return "client"
	}
	return "server"
}

// TLS versions as Python's version() names them.
const (
	tls12 = "TLSv1.2"
	tls13 = "TLSv1.3"
)

// clientAuth is what the server asks of the client.
type clientAuth int

const (
	authNone     clientAuth = iota // no CertificateRequest
	authOptional                   // CERT_OPTIONAL: verified if sent
	authRequired                   // CERT_REQUIRED: the handshake fails without one
)

// closeMode says who ends the connection after the data, and how.
type closeMode int

const (
	// closeByClient: the client sends close_notify (Unwrap) and waits for
	// the server's; the server answers with its own.
	closeByClient closeMode = iota
	// closeByServer: the server, having echoed everything, sends
	// close_notify first; the client reads it (Read returns 0 bytes) and
	// answers.
	closeByServer
	// truncByServer: the server, having echoed everything, closes TCP
	// without close_notify; the client's next read is an SSLEOFError.
	truncByServer
	// truncByClient: the client, having read the echo, closes TCP without
	// close_notify; the server's next read is an SSLEOFError.
	truncByClient
	// waitForServer: the client sends nothing and reads until the server
	// closes. The failure scenarios use it, so that the client's first
	// action after the handshake is a read (where TLS 1.3 reports a
	// client certificate the server refused) and the client sends nothing
	// a failing server would leave unread (the server's close would then
	// reset the connection and could destroy its alert in transit).
	waitForServer
)

// scenario is one TLS conversation, described independently of the
// implementations that play it. The zero value is a TLS connection with
// ServerRSA, the library's default versions, hostname checking against
// example.test, no client certificate, no data and a close by the client.
type scenario struct {
	name string

	// Version bounds for each side; "" leaves the library's default.
	clientMin, clientMax, serverMin, serverMax string

	serverCert *pki.Cert // nil: ServerRSA
	// sniSwitch: the server's SNI callback switches to a context holding
	// ServerOther when the client asks for other.test.
	sniSwitch bool
	clientCA  string // file the client trusts; "": CAFile
	// serverName is the client's server_hostname: the SNI name and the
	// name (or IP address) checked. "": pki.Host.
	serverName      string
	noCheckHostname bool

	clientCert *pki.Cert // nil: the client has no certificate
	auth       clientAuth
	serverCA   string // file the server trusts for client certificates; "": CAFile

	alpnClient, alpnServer []string
	// TLS 1.2 cipher lists (OpenSSL syntax); "": default.
	clientCiphers, serverCiphers string

	// sessions is the number of connections the client makes, each
	// offering the previous one's session; 0 means 1.
	sessions  int
	noTickets bool // server: no session tickets (TLS 1.2 resumes by session id)

	// pha: the client allows post-handshake authentication and the
	// server asks for the client's certificate right after the handshake.
	pha bool

	send  int // bytes the client sends; the server echoes them
	close closeMode

	// text is set by the runner when an endpoint handles text only.
	text bool
}

func (sc *scenario) conns() int { return max(sc.sessions, 1) }

func (sc *scenario) cert(p *pki.PKI) *pki.Cert {
	if sc.serverCert != nil {
		return sc.serverCert
	}
	return p.ServerRSA
}

func (sc *scenario) hostname() string {
	if sc.serverName == "" {
		return pki.Host
	}
	return sc.serverName
}

func (sc *scenario) clientCAFile(p *pki.PKI) string {
	if sc.clientCA != "" {
		return sc.clientCA
	}
	return p.CAFile
}

func (sc *scenario) serverCAFile(p *pki.PKI) string {
	if sc.serverCA != "" {
		return sc.serverCA
	}
	return p.CAFile
}

// data returns the bytes the client sends.
func (sc *scenario) data() []byte {
	if sc.text {
		return textPattern(sc.send)
	}
	return binaryPattern(sc.send)
}

// pinned returns the single version both sides are limited to, or "".
func (sc *scenario) pinned() string {
	if sc.clientMax != "" && sc.clientMax == sc.serverMax {
		return sc.clientMax
	}
	if sc.clientMax == tls12 || sc.serverMax == tls12 {
		return tls12
	}
	if sc.clientMin == tls13 || sc.serverMin == tls13 {
		return tls13
	}
	return ""
}

// field names what a result reports.
type field uint

const (
	fVersion   field = 1 << iota
	fCipher          // cipher suite name
	fALPN            // the selected ALPN protocol
	fResumed         // session_reused
	fPeerCN          // the CN of the certificate received from the other side
	fSNI             // server: the SNI name received
	fData            // received and sha
	fPeerClose       // how the other side ended
	fPHA             // server: the client certificate arrived after the handshake
	fError           // class, library, reason (and stage, verify code)
	fAlert           // the alert received from the other side
)

// result is what one side observed of one connection.
type result struct {
	ok    bool
	stage string // where it failed: handshake, read, write, unwrap, pha

	// Python's exception class and attributes; verifyCode is -1 when
	// Python's verify_code is None.
	class, library, reason string
	verifyCode             int
	// message is str() of the exception without Python's "(_ssl.c:N)".
	message string

	version, cipher, alpn string
	resumed               bool
	peerCN                string
	sni                   string
	received              int64
	sha                   string
	peerClose             string // "close_notify", "eof" or ""
	pha                   bool
	alert                 string // mnemonic, as alertName gives it
	detail                string // the peer's own log or message

	reports field
}

func (r result) has(f field) bool { return r.reports&f != 0 }

func (r result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ok=%v", r.ok)
	if !r.ok {
		fmt.Fprintf(&b, " stage=%s class=%s library=%s reason=%s verify=%d", r.stage, r.class, r.library, r.reason, r.verifyCode)
	}
	fmt.Fprintf(&b, " version=%q cipher=%q alpn=%q resumed=%v peerCN=%q sni=%q received=%d peerClose=%q pha=%v alert=%q",
		r.version, r.cipher, r.alpn, r.resumed, r.peerCN, r.sni, r.received, r.peerClose, r.pha, r.alert)
	if r.detail != "" {
		b.WriteString("\n" + r.detail)
	}
	return b.String()
}

// sniRecorder keeps the last name the server's SNI callback received.
type sniRecorder struct {
	mu   sync.Mutex
	name string
}

func (s *sniRecorder) set(name string) {
	s.mu.Lock()
	s.name = name
	s.mu.Unlock()
}

func (s *sniRecorder) get() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.name
}

// membioReports is what membio, and Python in its place, report.
const membioReports = fVersion | fCipher | fALPN | fResumed | fPeerCN | fSNI | fData | fPeerClose | fError | fAlert

// endpoint is an implementation that can play a side of a scenario.
type endpoint interface {
	String() string
	// cannot returns why the endpoint cannot play r in sc, or "".
	cannot(r role, sc *scenario) string
	// textOnly reports whether the endpoint needs the text pattern when it
	// plays r.
	textOnly(r role) bool
	// serve starts a server for sc that accepts sc.conns() connections
	// and returns its address; wait waits for the server to finish (or
	// stops it) and returns one result per connection it saw.
	serve(t *testing.T, sc *scenario) (addr string, wait func() []result)
	// dial plays the client side of sc against addr, sc.conns() times in
	// a row, and returns one result per connection.
	dial(t *testing.T, sc *scenario, addr string) []result
}

// play runs sc between cli and srv and returns both sides' results.
func play(t *testing.T, cli, srv endpoint, sc scenario) (c, s []result) {
	t.Helper()
	sc.text = cli.textOnly(asClient) || srv.textOnly(asServer)
	addr, wait := srv.serve(t, &sc)
	c = cli.dial(t, &sc, addr)
	s = wait()
	return c, s
}

// job is one subtest for runJobs.
type job struct {
	name string
	fn   func(t *testing.T)
}

// runJobs runs the jobs as subtests of t, concurrently, at most workers at
// a time. The subtests spend most of their time waiting for peer processes
// and sockets, so they run concurrently regardless of -parallel (which
// defaults to the number of CPUs); t.Run may be called from several
// goroutines at once.
func runJobs(t *testing.T, workers int, jobs []job) {
	t.Helper()
	ch := make(chan job)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range ch {
				t.Run(j.name, j.fn)
			}
		}()
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
}

// workers is the number of interop subtests that run at once.
func workers() int { return max(4, 4*runtime.GOMAXPROCS(0)) }

// dump logs both sides' results, for failure messages.
func dump(c, s []result) string {
	var b strings.Builder
	for i, r := range c {
		fmt.Fprintf(&b, "client[%d]: %s\n", i, r)
	}
	for i, r := range s {
		fmt.Fprintf(&b, "server[%d]: %s\n", i, r)
	}
	return b.String()
}

// checkEcho asserts that a client result saw its data come back intact.
func checkEcho(t *testing.T, sc *scenario, r result, who string) {
	t.Helper()
	if !r.has(fData) {
		return
	}
	assert.EqualValues(t, sc.send, r.received, "%s: bytes echoed", who)
	if sc.send > 0 {
		assert.Equal(t, sha(sc.data()), r.sha, "%s: SHA-256 of the echo", who)
	}
}
