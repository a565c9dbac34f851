package interop_test

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/membio/membio/tests/pki"
)

// goTLSEP is Go's crypto/tls, in process.
type goTLSEP struct{ p *pki.PKI }

func (goTLSEP) String() string     { return "crypto/tls" }
func (goTLSEP) textOnly(role) bool { return false }

func (goTLSEP) cannot(r role, sc *scenario) string {
	switch {
	case sc.pha:
		return "crypto/tls does not implement post-handshake authentication"
	case sc.noTickets:
		return "crypto/tls resumes with tickets only (no session-id cache, no session-id resumption)"
	case r == asServer && sc.close == truncByClient, r == asClient && sc.close == truncByServer:
		return "crypto/tls reads a TCP EOF at a record boundary as a clean close (io.EOF), so it cannot report the truncation"
	}
	return ""
}

// goCiphers maps the OpenSSL names the scenarios use to crypto/tls IDs.
var goCiphers = map[string]uint16{
	"ECDHE-RSA-AES128-GCM-SHA256":   tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	"ECDHE-RSA-AES256-GCM-SHA384":   tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	"ECDHE-ECDSA-AES128-GCM-SHA256": tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	"ECDHE-ECDSA-AES256-GCM-SHA384": tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
}

func goVersion(v string) uint16 {
	switch v {
	case tls12:
		return tls.VersionTLS12
	case tls13:
		return tls.VersionTLS13
	}
	return 0
}

// goConfig sets what both roles share.
func goConfig(minV, maxV, ciphers string, alpn []string) *tls.Config {
	cfg := &tls.Config{MinVersion: goVersion(minV), MaxVersion: goVersion(maxV), NextProtos: alpn}
	for _, c := range strings.Split(ciphers, ":") {
		if id, ok := goCiphers[c]; ok {
			cfg.CipherSuites = append(cfg.CipherSuites, id)
		}
	}
	return cfg
}

func poolFromFile(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("no certificates in %s", file)
	}
	return pool, nil
}

// goAlert returns the mnemonic of the alert a crypto/tls error reports
// having received ("remote error: tls: ..."), or "".
func goAlert(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "remote error" && op.Err != nil {
		v := reflect.ValueOf(op.Err)
		if v.Kind() == reflect.Uint8 {
			return alertName(int(v.Uint()))
		}
	}
	return ""
}

// goFail records a crypto/tls failure.
func (r *result) goFail(stage string, err error) {
	r.ok = false
	r.stage = stage
	r.class = fmt.Sprintf("%T", err)
	r.verifyCode = -1
	r.alert = goAlert(err)
	r.detail = "crypto/tls: " + err.Error()
	if errors.Is(err, io.ErrUnexpectedEOF) {
		r.peerClose = "eof"
	}
}

const goReports = fVersion | fALPN | fResumed | fPeerCN | fData | fPeerClose | fAlert

func goDescribe(r *result, st tls.ConnectionState) {
	r.version = strings.Replace(tls.VersionName(st.Version), "TLS 1", "TLSv1", 1)
	r.alpn = st.NegotiatedProtocol
	r.resumed = st.DidResume
	if len(st.PeerCertificates) > 0 {
		r.peerCN = st.PeerCertificates[0].Subject.CommonName
	}
}

func (e goTLSEP) serve(t *testing.T, sc *scenario) (string, func() []result) {
	t.Helper()
	sni := &sniRecorder{}
	base := goConfig(sc.serverMin, sc.serverMax, sc.serverCiphers, sc.alpnServer)
	base.Certificates = []tls.Certificate{sc.cert(e.p).TLS}
	if sc.auth != authNone {
		pool, err := poolFromFile(sc.serverCAFile(e.p))
		require.NoError(t, err)
		base.ClientCAs = pool
		base.ClientAuth = tls.VerifyClientCertIfGiven
		if sc.auth == authRequired {
			base.ClientAuth = tls.RequireAndVerifyClientCert
		}
	}
	other := base.Clone()
	other.Certificates = []tls.Certificate{e.p.ServerOther.TLS}
	cfg := base.Clone()
	cfg.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		sni.set(hello.ServerName)
		if sc.sniSwitch && hello.ServerName == pki.OtherHost {
			return other, nil
		}
		return nil, nil
	}

	return serveTCP(t, "crypto/tls", sc, func(raw net.Conn) result {
		sni.set("")
		r := goServeConn(raw, cfg, sc)
		r.sni = sni.get()
		return r
	})
}

func goServeConn(raw net.Conn, cfg *tls.Config, sc *scenario) (r result) {
	r.ok = true
	r.reports = goReports | fSNI
	defer raw.Close()
	_ = raw.SetDeadline(time.Now().Add(connTimeout))
	tc := tls.Server(raw, cfg)
	if err := tc.Handshake(); err != nil {
		r.goFail("handshake", err)
		return r
	}
	goDescribe(&r, tc.ConnectionState())
	h := sha256.New()
	defer func() { r.sha = hex.EncodeToString(h.Sum(nil)) }()
	buf := make([]byte, 64<<10)
	serverCloses := sc.close == closeByServer || sc.close == truncByServer
	for !serverCloses || r.received < int64(sc.send) {
		n, err := tc.Read(buf)
		h.Write(buf[:n])
		r.received += int64(n)
		if n > 0 {
			if _, werr := tc.Write(buf[:n]); werr != nil {
				r.goFail("write", werr)
				return r
			}
		}
		if err == io.EOF {
			r.peerClose = "close_notify"
			break
		}
		if err != nil {
			r.goFail("read", err)
			return r
		}
	}
	switch {
	case r.peerClose == "close_notify":
		_ = tc.Close() // answers with close_notify
	case sc.close == closeByServer:
		if err := tc.CloseWrite(); err != nil {
			r.goFail("unwrap", err)
			return r
		}
		if _, err := io.Copy(io.Discard, tc); err != nil {
			r.goFail("unwrap", err)
			return r
		}
		r.peerClose = "close_notify"
	case sc.close == truncByServer:
		// raw.Close, deferred.
	}
	return r
}

func (e goTLSEP) dial(t *testing.T, sc *scenario, addr string) []result {
	t.Helper()
	cfg := goConfig(sc.clientMin, sc.clientMax, sc.clientCiphers, sc.alpnClient)
	pool, err := poolFromFile(sc.clientCAFile(e.p))
	require.NoError(t, err)
	cfg.RootCAs = pool
	cfg.ServerName = sc.hostname()
	cfg.InsecureSkipVerify = sc.noCheckHostname // not used by the scenarios with crypto/tls
	if sc.clientCert != nil {
		cfg.Certificates = []tls.Certificate{sc.clientCert.TLS}
	}
	cfg.ClientSessionCache = tls.NewLRUClientSessionCache(4)
	var out []result
	for range sc.conns() {
		out = append(out, goDialOnce(cfg, sc, addr))
	}
	return out
}

func goDialOnce(cfg *tls.Config, sc *scenario, addr string) (r result) {
	r.ok = true
	r.reports = goReports
	raw, err := dialRetry(addr)
	if err != nil {
		r.goFail("connect", err)
		return r
	}
	defer raw.Close()
	_ = raw.SetDeadline(time.Now().Add(connTimeout))
	tc := tls.Client(raw, cfg)
	if err := tc.Handshake(); err != nil {
		r.goFail("handshake", err)
		return r
	}
	goDescribe(&r, tc.ConnectionState())
	h := sha256.New()
	defer func() { r.sha = hex.EncodeToString(h.Sum(nil)) }()
	if !echoPieces(tc, sc.data(), h, &r, r.goFail) {
		return r
	}
	switch sc.close {
	case closeByClient:
		if err := tc.CloseWrite(); err != nil {
			r.goFail("unwrap", err)
			return r
		}
		fallthrough
	case closeByServer, truncByServer, waitForServer:
		n, err := io.Copy(io.Discard, tc)
		r.received += n
		if err != nil {
			r.goFail("read", err)
			return r
		}
		r.peerClose = "close_notify"
		_ = tc.Close()
	case truncByClient:
		// raw.Close, deferred.
	}
	return r
}
