package interop_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/membio/membio/bio"
	"github.com/membio/membio/errors"
	"github.com/membio/membio/sslobj"
	"github.com/membio/membio/tests/pki"
)

// membioEP is membio itself, driven by Pump over TCP.
type membioEP struct{ p *pki.PKI }

func (membioEP) String() string                { return "membio" }
func (membioEP) cannot(role, *scenario) string { return "" }
func (membioEP) textOnly(role) bool            { return false }

// pythonClass is the Python exception class an error stands for, or its Go
// type when it is not an SSL error.
func pythonClass(err error) string {
	if pc, ok := err.(interface{ PythonClass() string }); ok {
		return pc.PythonClass()
	}
	return fmt.Sprintf("%T", err)
}

// fail records err as the failure of r at stage.
func (r *result) fail(stage string, err error) {
	r.ok = false
	r.stage = stage
	r.class = pythonClass(err)
	r.verifyCode = -1
	var se *errors.SSLError
	if errors.As(err, &se) {
		r.library, r.reason = se.Library, se.Reason
	}
	var ce *errors.SSLCertVerificationError
	if errors.As(err, &ce) {
		r.verifyCode = int(ce.VerifyCode)
	}
	if isAlertReason(r.reason) {
		r.alert = r.reason
	}
	r.message = err.Error()
	if r.detail == "" {
		r.detail = err.Error()
	} else {
		r.detail += "\n" + err.Error()
	}
}

// isSSLError reports whether err came from the TLS layer rather than the
// network.
func isSSLError(err error) bool { return errors.Is(err, errors.ErrSSL) }

// describe fills in what the handshake negotiated.
func describeMembio(r *result, obj *sslobj.SSLObject) {
	r.version, _ = obj.Version()
	if c, ok := obj.Cipher(); ok {
		r.cipher = c.Name
	}
	r.alpn, _ = obj.SelectedALPNProtocol()
	r.resumed = obj.SessionReused()
	if cert, err := obj.GetPeerX509(); err == nil && cert != nil {
		r.peerCN = cert.Subject.CommonName
	}
}

func (e membioEP) serve(t *testing.T, sc *scenario) (string, func() []result) {
	t.Helper()
	sni := &sniRecorder{}
	ctx, err := membioServerContext(e.p, sc, sni)
	require.NoError(t, err, "membio server context")
	return serveTCP(t, "membio", sc, func(conn net.Conn) result {
		return membioServeConn(ctx, sni, conn, sc)
	})
}

func membioServeConn(ctx membioContext, sni *sniRecorder, conn net.Conn, sc *scenario) (r result) {
	r.ok = true
	r.reports = membioReports
	if sc.pha {
		r.reports |= fPHA
	}
	_ = conn.SetDeadline(time.Now().Add(connTimeout))
	sni.set("")
	p, err := NewPump(conn, func(in, out *bio.MemoryBIO) (*sslobj.SSLObject, error) {
		return sslobj.New(ctx, in, out, sslobj.Options{ServerSide: true})
	})
	if err != nil {
		conn.Close()
		r.fail("setup", err)
		return r
	}
	defer p.Close()

	if err := p.Handshake(); err != nil {
		r.sni = sni.get()
		r.fail("handshake", err)
		return r
	}
	describeMembio(&r, p.Obj)
	r.sni = sni.get()
	if sc.pha {
		// The CertificateRequest goes out with the next read.
		if err := p.Obj.VerifyClientPostHandshake(); err != nil {
			r.fail("pha", err)
			return r
		}
	}

	h := sha256.New()
	defer func() { r.sha = hex.EncodeToString(h.Sum(nil)) }()
	buf := make([]byte, 64<<10)
	serverCloses := sc.close == closeByServer || sc.close == truncByServer
	for !serverCloses || r.received < int64(sc.send) {
		n, err := membioRead(p, buf, h, &r)
		if err == io.EOF {
			break
		}
		if err != nil {
			return r
		}
		if _, err := p.Write(buf[:n]); err != nil {
			r.fail("write", err)
			return r
		}
	}
	if sc.pha {
		if cert, err := p.Obj.GetPeerX509(); err == nil && cert != nil {
			r.pha = true
			r.peerCN = cert.Subject.CommonName
		}
	}

	switch {
	case r.peerClose == "close_notify":
		// Answer the peer's close_notify. The peer may have closed TCP
		// already; only a TLS error counts.
		if err := p.Unwrap(); err != nil && isSSLError(err) {
			r.fail("unwrap", err)
		}
	case sc.close == closeByServer:
		if err := p.Unwrap(); err != nil {
			r.fail("unwrap", err)
			return r
		}
		r.peerClose = "close_notify"
	case sc.close == truncByServer:
		// p.Close, deferred, closes TCP with no close_notify.
	}
	return r
}

func (e membioEP) dial(t *testing.T, sc *scenario, addr string) []result {
	t.Helper()
	ctx, err := membioClientContext(e.p, sc)
	require.NoError(t, err, "membio client context")
	var out []result
	var sess *sslobj.SSLSession
	for range sc.conns() {
		r, s := membioDialOnce(ctx, sc, addr, sess)
		out = append(out, r)
		if s != nil {
			sess = s
		}
	}
	return out
}

func membioDialOnce(ctx membioContext, sc *scenario, addr string, sess *sslobj.SSLSession) (r result, next *sslobj.SSLSession) {
	r.ok = true
	r.reports = membioReports &^ fSNI
	conn, err := dialRetry(addr)
	if err != nil {
		r.fail("connect", err)
		return r, nil
	}
	_ = conn.SetDeadline(time.Now().Add(connTimeout))
	p, err := NewPump(conn, func(in, out *bio.MemoryBIO) (*sslobj.SSLObject, error) {
		return sslobj.New(ctx, in, out, sslobj.Options{ServerHostname: sc.hostname(), Session: sess})
	})
	if err != nil {
		conn.Close()
		r.fail("setup", err)
		return r, nil
	}
	defer p.Close()
	// The session to offer next time is the last one seen: with TLS 1.3
	// it arrives in a ticket after the handshake.
	defer func() {
		if r.ok || r.stage != "handshake" {
			next = p.Obj.Session()
		}
	}()

	if err := p.Handshake(); err != nil {
		r.fail("handshake", err)
		return r, nil
	}
	describeMembio(&r, p.Obj)

	h := sha256.New()
	defer func() { r.sha = hex.EncodeToString(h.Sum(nil)) }()
	if !membioEcho(p, sc.data(), h, &r) {
		return r, nil
	}

	switch sc.close {
	case closeByClient:
		if err := p.Unwrap(); err != nil {
			r.fail("unwrap", err)
			return r, nil
		}
		r.peerClose = "close_notify"
	case closeByServer, truncByServer, waitForServer:
		if !membioReadToEnd(p, h, &r) {
			return r, nil
		}
		if err := p.Unwrap(); err != nil && isSSLError(err) {
			r.fail("unwrap", err)
		}
	case truncByClient:
		// p.Close, deferred, closes TCP with no close_notify.
	}
	return r, nil
}

// membioEcho sends data in 64 KiB pieces and reads each piece's echo before
// the next. It reports false after recording a failure.
func membioEcho(p *Pump, data []byte, h hash.Hash, r *result) bool {
	buf := make([]byte, 64<<10)
	for off := 0; off < len(data); {
		piece := data[off:min(off+len(buf), len(data))]
		off += len(piece)
		if _, err := p.Write(piece); err != nil {
			r.fail("write", err)
			return false
		}
		for need := len(piece); need > 0; {
			n, err := membioRead(p, buf[:min(need, len(buf))], h, r)
			if err != nil {
				return err == io.EOF
			}
			need -= n
		}
	}
	return true
}

// membioReadToEnd reads until the peer's close_notify (true) or an error
// (false, recorded).
func membioReadToEnd(p *Pump, h hash.Hash, r *result) bool {
	if r.peerClose == "close_notify" {
		return true
	}
	buf := make([]byte, 64<<10)
	for {
		if _, err := membioRead(p, buf, h, r); err != nil {
			return err == io.EOF
		}
	}
}

// membioRead reads once into buf and adds what arrives to h and r.received.
// On the peer's close_notify it records it and returns io.EOF; on another
// error it records the failure and returns the error.
func membioRead(p *Pump, buf []byte, h hash.Hash, r *result) (int, error) {
	n, err := p.Read(buf)
	if err == io.EOF {
		r.peerClose = "close_notify"
		return 0, err
	}
	if err != nil {
		if errors.Is(err, errors.ErrEOF) {
			r.peerClose = "eof"
		}
		r.fail("read", err)
		return 0, err
	}
	h.Write(buf[:n])
	r.received += int64(n)
	return n, nil
}
