//go:build cgo

package tests

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/membio/membio/context"
	"github.com/membio/membio/sslobj"
	"github.com/membio/membio/tests/memtest"
	"github.com/membio/membio/tests/pki"
)

// resumable returns the client's session after a full handshake, once the
// TLS 1.3 tickets (sent after the handshake) have been read.
func resumable(t *testing.T, c, s *memtest.Peer) *sslobj.SSLSession {
	t.Helper()
	_, err := memtest.Exchange(c, s)
	require.NoError(t, err)
	_, err = c.Obj.Read(1)
	wantRead(t, err) // processes the tickets, no application data
	sess := c.Obj.Session()
	require.NotNil(t, sess)
	return sess
}

func TestSSLObjectSessionResumption(t *testing.T) {
	p := pki.ForTest(t)
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			cctx := clientCtx(t, p, maxVersion(v.version))
			sctx := serverCtx(t, p, p.ServerRSA)
			c, s := connected(t, cctx, sctx, sslobj.Options{ServerHostname: pki.Host})
			assert.False(t, c.Obj.SessionReused())
			assert.False(t, s.Obj.SessionReused())
			sess := resumable(t, c, s)
			assert.Len(t, sess.ID(), 32)
			assert.Greater(t, sess.Time(), int64(1600000000))
			assert.Equal(t, int64(7200), sess.Timeout())
			assert.True(t, sess.HasTicket())
			if v.version == tls13 {
				assert.Equal(t, uint64(7200), sess.TicketLifetimeHint())
			}
			assert.True(t, sess.Equal(c.Obj.Session()), "each access returns an equal session")
			srvSess := s.Obj.Session()
			require.NotNil(t, srvSess, "the server has a session too")

			c2, s2 := connected(t, cctx, sctx, sslobj.Options{ServerHostname: pki.Host, Session: sess})
			assert.True(t, c2.Obj.SessionReused(), "client resumed")
			assert.True(t, s2.Obj.SessionReused(), "server resumed")
			sh, ok := s2.Obj.SharedCiphers()
			if v.version == tls12 {
				assert.False(t, ok, "no shared ciphers on a resumed TLS 1.2 session")
			} else {
				assert.True(t, ok)
				assert.NotEmpty(t, sh)
			}
			got, err := memtest.Send(c2, s2, []byte("resumed"))
			require.NoError(t, err)
			assert.Equal(t, "resumed", string(got))
			cbC, err := c2.Obj.GetChannelBinding("tls-unique")
			require.NoError(t, err)
			cbS, err := s2.Obj.GetChannelBinding("tls-unique")
			require.NoError(t, err)
			assert.Equal(t, cbC, cbS, "tls-unique agrees on a resumed session")

			// SetSession after construction works the same way.
			c3 := newPeer(t, cctx, sslobj.Options{ServerHostname: pki.Host})
			require.NoError(t, c3.Obj.SetSession(sess))
			s3 := newPeer(t, sctx, sslobj.Options{ServerSide: true})
			cerr, serr := memtest.Handshake(c3, s3)
			require.NoError(t, cerr)
			require.NoError(t, serr)
			assert.True(t, c3.Obj.SessionReused())
			require.NoError(t, sess.Close())
			require.NoError(t, sess.Close(), "Close is idempotent")
			assert.Nil(t, sess.ID())
		})
	}
}

func TestSSLObjectSetSessionChecksInPythonOrder(t *testing.T) {
	p := pki.ForTest(t)
	cctx := clientCtx(t, p)
	sctx := serverCtx(t, p, p.ServerRSA)
	c, s := connected(t, cctx, sctx, sslobj.Options{ServerHostname: pki.Host})
	sess := resumable(t, c, s)

	typeErr(t, c.Obj.SetSession(nil), "Value is not a SSLSession.")

	other := newPeer(t, clientCtx(t, p), sslobj.Options{ServerHostname: pki.Host})
	valueErr(t, other.Obj.SetSession(sess), "Session refers to a different SSLContext.")

	// A server object on the same context as the session: the context
	// check passes, the server check fails.
	tlsCtx := serverCtx(t, p, p.ServerRSA)
	srvA, srvB := connected(t, clientCtx(t, p), tlsCtx, sslobj.Options{ServerHostname: pki.Host})
	_ = srvA
	srvSess := srvB.Obj.Session()
	require.NotNil(t, srvSess)
	srv2 := newPeer(t, tlsCtx, sslobj.Options{ServerSide: true})
	valueErr(t, srv2.Obj.SetSession(srvSess), "Cannot set session for server-side SSLSocket.")

	valueErr(t, c.Obj.SetSession(sess), "Cannot set session after handshake.")

	// The same checks run in New.
	_, err := sslobj.New(clientCtx(t, p), c.In, c.Out, sslobj.Options{Session: sess})
	valueErr(t, err, "Session refers to a different SSLContext.")
}

// TestSSLObjectResumesWithClientCertsOnGenericServerContext pins the
// session id context of server-side objects made from a ProtocolTLS
// context: without one, OpenSSL refuses to resume a session that carries a
// verified client certificate.
func TestSSLObjectResumesWithClientCertsOnGenericServerContext(t *testing.T) {
	p := pki.ForTest(t)
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			cctx := clientCtx(t, p, maxVersion(v.version), certChain(p.Client))
			sctx := newCtx(t, sslctx.ProtocolTLS, certChain(p.ServerRSA), loadCA(p.CAFile), verifyMode(int(sslctx.CertRequired)))
			c, s := connected(t, cctx, sctx, sslobj.Options{ServerHostname: pki.Host})
			peer, err := s.Obj.GetPeerCert()
			require.NoError(t, err)
			require.NotNil(t, peer, "the server saw the client certificate")
			sess := resumable(t, c, s)

			c2, s2 := connected(t, cctx, sctx, sslobj.Options{ServerHostname: pki.Host, Session: sess})
			assert.True(t, c2.Obj.SessionReused(), "client resumed")
			assert.True(t, s2.Obj.SessionReused(), "server resumed")
			peer, err = s2.Obj.GetPeerCert()
			require.NoError(t, err)
			assert.NotNil(t, peer, "the resumed session keeps the client certificate")
		})
	}
}

// TestSSLObjectSessionOutlivesItsObject pins that a session taken from a
// client stays resumable after that client is closed without a TLS
// shutdown, as a Python session (a copy) does. OpenSSL otherwise marks the
// session of a connection freed without close_notify as not resumable.
func TestSSLObjectSessionOutlivesItsObject(t *testing.T) {
	p := pki.ForTest(t)
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			cctx := clientCtx(t, p, maxVersion(v.version))
			sctx := serverCtx(t, p, p.ServerRSA)
			c, s := connected(t, cctx, sctx, sslobj.Options{ServerHostname: pki.Host})
			sess := resumable(t, c, s)
			c.Close()
			s.Close()

			c2, s2 := connected(t, cctx, sctx, sslobj.Options{ServerHostname: pki.Host, Session: sess})
			assert.True(t, c2.Obj.SessionReused(), "client resumed")
			assert.True(t, s2.Obj.SessionReused(), "server resumed")
		})
	}
}
