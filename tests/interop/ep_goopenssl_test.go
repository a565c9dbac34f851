package interop_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	openssl "github.com/libp2p/go-openssl"
	"github.com/stretchr/testify/require"

	"github.com/membio/membio/tests/pki"
)

// goOpenSSLEP is github.com/libp2p/go-openssl v0.1.0, the maintained fork
// of spacemonkeygo/openssl (which calls FIPS_mode_set, gone in OpenSSL 3,
// and does not build here). It is another Go binding of the same OpenSSL,
// with its own BIO plumbing: a peer in the tests only, never imported by
// the library.
type goOpenSSLEP struct{ p *pki.PKI }

func (goOpenSSLEP) String() string     { return "go-openssl" }
func (goOpenSSLEP) textOnly(role) bool { return false }

func (goOpenSSLEP) cannot(r role, sc *scenario) string {
	switch {
	case len(sc.alpnClient) > 0 || len(sc.alpnServer) > 0:
		return "go-openssl v0.1.0 has no ALPN selection callback and does not report the protocol"
	case sc.pha:
		return "go-openssl v0.1.0 has no post-handshake authentication"
	case r == asServer && sc.close == truncByClient, r == asClient && sc.close == truncByServer:
		return "go-openssl v0.1.0 returns io.EOF for a transport EOF as for close_notify, so it cannot report the truncation"
	case r == asClient && sc.conns() > 1:
		return "go-openssl v0.1.0 resumes only through DialSession, whose setSession passes d2i_SSL_SESSION a Go pointer to a Go pointer, which cgo's pointer check rejects (panic)"
	}
	return ""
}

func goOpenSSLVersion(v string) openssl.Version {
	if v == tls12 {
		return openssl.TLS1_2_VERSION
	}
	return openssl.TLS1_3_VERSION
}

// goOpenSSLCtx builds a context for one side.
func goOpenSSLCtx(certFile, keyFile, minV, maxV, ciphers string) (*openssl.Ctx, error) {
	var ctx *openssl.Ctx
	var err error
	if certFile != "" {
		ctx, err = openssl.NewCtxFromFiles(certFile, keyFile)
	} else {
		ctx, err = openssl.NewCtx()
	}
	if err != nil {
		return nil, err
	}
	if minV != "" {
		ctx.SetMinProtoVersion(goOpenSSLVersion(minV))
	}
	if maxV != "" {
		ctx.SetMaxProtoVersion(goOpenSSLVersion(maxV))
	}
	if ciphers != "" {
		if err := ctx.SetCipherList(ciphers); err != nil {
			return nil, err
		}
	}
	return ctx, nil
}

// goOpenSSLFail records a go-openssl failure; its errors are strings made
// from OpenSSL's reason texts.
func (r *result) goOpenSSLFail(stage string, err error) {
	r.ok = false
	r.stage = stage
	r.class = fmt.Sprintf("%T", err)
	r.verifyCode = -1
	r.detail = "go-openssl: " + err.Error()
	text := reasonFromText(err.Error())
	for _, name := range alertNames {
		if strings.Contains(text, name) {
			r.alert = name
		}
	}
	if strings.Contains(text, "UNEXPECTED_EOF_WHILE_READING") {
		r.peerClose = "eof"
	}
}

const goOpenSSLReports = fVersion | fCipher | fResumed | fPeerCN | fData | fPeerClose | fAlert

func goOpenSSLDescribe(r *result, c *openssl.Conn) {
	r.cipher, _ = c.CurrentCipher()
	r.version = versionOfCipher(r.cipher)
	r.resumed = c.SessionReused()
	if cert, err := c.PeerCertificate(); err == nil {
		if name, err := cert.GetSubjectName(); err == nil {
			r.peerCN, _ = name.GetEntry(openssl.NID_commonName)
		}
	}
}

func (e goOpenSSLEP) serve(t *testing.T, sc *scenario) (string, func() []result) {
	t.Helper()
	build := func(cert *pki.Cert) *openssl.Ctx {
		ctx, err := goOpenSSLCtx(cert.ChainFile, cert.KeyFile, sc.serverMin, sc.serverMax, sc.serverCiphers)
		require.NoError(t, err)
		require.NoError(t, ctx.SetSessionId([]byte("membio-interop")))
		if sc.auth != authNone {
			require.NoError(t, ctx.LoadVerifyLocations(sc.serverCAFile(e.p), ""))
			mode := openssl.VerifyPeer
			if sc.auth == authRequired {
				mode |= openssl.VerifyFailIfNoPeerCert
			}
			ctx.SetVerifyMode(mode)
		}
		if sc.noTickets {
			ctx.SetOptions(openssl.NoTicket)
		}
		return ctx
	}
	ctx := build(sc.cert(e.p))
	sni := &sniRecorder{}
	var other *openssl.Ctx
	if sc.sniSwitch {
		other = build(e.p.ServerOther)
	}
	ctx.SetTLSExtServernameCallback(func(ssl *openssl.SSL) openssl.SSLTLSExtErr {
		name := ssl.GetServername()
		sni.set(name)
		if other != nil && name == pki.OtherHost {
			ssl.SetSSLCtx(other)
		}
		return openssl.SSLTLSExtErrOK
	})

	return serveTCP(t, "go-openssl", sc, func(raw net.Conn) result {
		sni.set("")
		r := goOpenSSLServeConn(raw, ctx, sc)
		r.sni = sni.get()
		return r
	})
}

func goOpenSSLServeConn(raw net.Conn, ctx *openssl.Ctx, sc *scenario) (r result) {
	r.ok = true
	r.verifyCode = -1
	r.reports = goOpenSSLReports | fSNI
	defer raw.Close()
	_ = raw.SetDeadline(time.Now().Add(connTimeout))
	c, err := openssl.Server(raw, ctx)
	if err != nil {
		r.goOpenSSLFail("setup", err)
		return r
	}
	if err := c.Handshake(); err != nil {
		r.goOpenSSLFail("handshake", err)
		// go-openssl sends the alert from a goroutine it starts as
		// Handshake returns; closing the connection at once would lose it.
		time.Sleep(200 * time.Millisecond)
		return r
	}
	goOpenSSLDescribe(&r, c)
	h := sha256.New()
	defer func() { r.sha = hex.EncodeToString(h.Sum(nil)) }()
	buf := make([]byte, 64<<10)
	serverCloses := sc.close == closeByServer || sc.close == truncByServer
	for !serverCloses || r.received < int64(sc.send) {
		n, err := c.Read(buf)
		h.Write(buf[:n])
		r.received += int64(n)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				r.goOpenSSLFail("write", werr)
				return r
			}
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			// go-openssl's report of close_notify; it has answered it.
			r.peerClose = "close_notify"
			return r
		}
		if err != nil {
			r.goOpenSSLFail("read", err)
			return r
		}
	}
	if sc.close == closeByServer {
		if err := c.Close(); err != nil { // sends close_notify, waits for the client's
			r.goOpenSSLFail("unwrap", err)
			return r
		}
		r.peerClose = "close_notify"
	}
	return r
}

func (e goOpenSSLEP) dial(t *testing.T, sc *scenario, addr string) []result {
	t.Helper()
	var certFile, keyFile string
	if sc.clientCert != nil {
		certFile, keyFile = sc.clientCert.ChainFile, sc.clientCert.KeyFile
	}
	ctx, err := goOpenSSLCtx(certFile, keyFile, sc.clientMin, sc.clientMax, sc.clientCiphers)
	require.NoError(t, err)
	require.NoError(t, ctx.LoadVerifyLocations(sc.clientCAFile(e.p), ""))
	ctx.SetVerifyMode(openssl.VerifyPeer)
	var out []result
	for range sc.conns() {
		out = append(out, goOpenSSLDialOnce(ctx, sc, addr))
	}
	return out
}

func goOpenSSLDialOnce(ctx *openssl.Ctx, sc *scenario, addr string) (r result) {
	r.ok = true
	r.verifyCode = -1
	r.reports = goOpenSSLReports
	host := sc.hostname()
	raw, err := dialRetry(addr)
	if err != nil {
		r.goOpenSSLFail("connect", err)
		return r
	}
	c, err := openssl.Client(raw, ctx)
	if err != nil {
		raw.Close()
		r.goOpenSSLFail("setup", err)
		return r
	}
	if net.ParseIP(host) == nil {
		if err := c.SetTlsExtHostName(host); err != nil {
			raw.Close()
			r.goOpenSSLFail("setup", err)
			return r
		}
	}
	if err := c.Handshake(); err != nil {
		// The alert goes out from a goroutine go-openssl starts as
		// Handshake returns; closing at once would lose it.
		time.Sleep(200 * time.Millisecond)
		raw.Close()
		r.goOpenSSLFail("handshake", err)
		return r
	}
	if net.ParseIP(host) == nil && !sc.noCheckHostname {
		if err := c.VerifyHostname(host); err != nil {
			raw.Close()
			r.goOpenSSLFail("handshake", err)
			return r
		}
	}
	defer raw.Close()
	_ = c.SetDeadline(time.Now().Add(connTimeout))
	goOpenSSLDescribe(&r, c)
	h := sha256.New()
	defer func() { r.sha = hex.EncodeToString(h.Sum(nil)) }()
	if !echoPieces(c, sc.data(), h, &r, r.goOpenSSLFail) {
		return r
	}
	switch sc.close {
	case closeByClient:
		if err := c.Close(); err != nil { // sends close_notify, waits for the server's
			r.goOpenSSLFail("unwrap", err)
			return r
		}
		r.peerClose = "close_notify"
	case closeByServer, truncByServer, waitForServer:
		_, err := c.Read(make([]byte, 64<<10))
		if err != io.EOF && err != io.ErrUnexpectedEOF {
			if err == nil {
				err = fmt.Errorf("data after the echo")
			}
			r.goOpenSSLFail("read", err)
			return r
		}
		r.peerClose = "close_notify"
	}
	return r
}
