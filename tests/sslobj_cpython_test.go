//go:build cgo

package tests

// Ports of the intent of CPython's test_ssl tests for SSLObject that are
// not covered elsewhere (spec §4), in their own words.

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/membio/membio/cshim"
	"github.com/membio/membio/errors"
	"github.com/membio/membio/sslobj"
	"github.com/membio/membio/tests/memtest"
	"github.com/membio/membio/tests/pki"
)

// test_private_init: an SSLObject only comes from New. The zero value is
// not usable, and says so instead of crashing.
func TestSSLObjectZeroValueIsNotUsable(t *testing.T) {
	var o sslobj.SSLObject
	assert.ErrorIs(t, o.DoHandshake(), errors.ErrValue)
	_, err := o.Read(1)
	assert.ErrorIs(t, err, errors.ErrValue)
	_, err = o.Write([]byte("x"))
	assert.ErrorIs(t, err, errors.ErrValue)
	assert.ErrorIs(t, o.SetContext(clientCtxBare(t)), errors.ErrValue)
	assert.Equal(t, 0, o.Pending())
	assert.NoError(t, o.Close())
	var nilObj *sslobj.SSLObject
	assert.NoError(t, nilObj.Close())
	var s *sslobj.SSLSession
	assert.Nil(t, s.ID())
	assert.True(t, s.Equal(nil))
}

// SSLErrorTests.test_subclass: a non-blocking handshake step raises the
// want-read kind, errno SSL_ERROR_WANT_READ, with Python's message.
func TestSSLObjectWantReadIsTheSubclassWithErrno2(t *testing.T) {
	p := pki.ForTest(t)
	c := newPeer(t, clientCtx(t, p), sslobj.Options{ServerHostname: pki.Host})
	err := c.Obj.DoHandshake()
	var wr *errors.SSLWantReadError
	require.True(t, errors.As(err, &wr))
	assert.Equal(t, 2, wr.Errno)
	assert.Equal(t, "The operation did not complete (read)", err.Error())
	assert.ErrorIs(t, err, errors.ErrSSL)
	assert.ErrorIs(t, err, errors.ErrOS)
}

// SimpleBackgroundTests.test_bio_handshake and test_bio_read_write_data:
// before the handshake nothing is known; afterwards the values are set
// (no shared ciphers on the client); data round-trips; unwrap completes;
// a write after unwrap fails.
func TestSSLObjectBIOHandshakeReadWriteAndUnwrap(t *testing.T) {
	p := pki.ForTest(t)
	c, s := newPair(t, clientCtx(t, p), serverCtx(t, p, p.ServerRSA), sslobj.Options{ServerHostname: pki.Host})
	_, ok := c.Obj.Cipher()
	assert.False(t, ok)
	_, err := c.Obj.GetPeerCert()
	assert.ErrorIs(t, err, errors.ErrValue)

	cerr, serr := memtest.Handshake(c, s)
	require.NoError(t, cerr)
	require.NoError(t, serr)
	_, ok = c.Obj.Cipher()
	assert.True(t, ok)
	_, ok = c.Obj.SharedCiphers()
	assert.False(t, ok)
	cert, err := c.Obj.GetPeerCert()
	require.NoError(t, err)
	require.NotNil(t, cert)
	require.NotEmpty(t, cert.Subject)
	assert.Equal(t, "commonName", cert.Subject[len(cert.Subject)-1][0].Name)
	assert.Equal(t, pki.Host, cert.Subject[len(cert.Subject)-1][0].Value)

	req := []byte("FOO\n")
	got, err := memtest.Send(c, s, req)
	require.NoError(t, err)
	assert.Equal(t, req, got)
	got, err = memtest.Send(s, c, []byte("foo\n"))
	require.NoError(t, err)
	assert.Equal(t, "foo\n", string(got))

	for i := 0; i < 4; i++ {
		cerr = c.Obj.Unwrap()
		memtest.Exchange(c, s)
		s.Obj.Read(10)
		s.Obj.Unwrap()
		memtest.Exchange(c, s)
		if cerr == nil {
			break
		}
	}
	assert.NoError(t, cerr)
	_, err = c.Obj.Write([]byte("foo"))
	assert.ErrorIs(t, err, errors.ErrSSL)
}

// ThreadedTests.test_check_hostname_idn: an IDN server_hostname is checked
// as its A-label, which the message reports.
func TestSSLObjectIDNHostnameMismatchReportsALabel(t *testing.T) {
	p := pki.ForTest(t)
	c, s := newPair(t, clientCtx(t, p), serverCtx(t, p, p.ServerRSA), sslobj.Options{ServerHostname: "pythön.test"})
	cerr, serr := memtest.Handshake(c, s)
	certErr(t, cerr, 62, "Hostname mismatch, certificate is not valid for 'xn--pythn-mua.test'.")
	sslErr(t, serr, errors.ErrSSL, 1, "SSL", "SSLV3_ALERT_BAD_CERTIFICATE", "[SSL: SSLV3_ALERT_BAD_CERTIFICATE] sslv3 alert bad certificate")
}

// ThreadedTests.test_version_basic and test_min_max_version_*: the
// negotiated version follows the bounds of both sides.
func TestSSLObjectVersionFollowsBounds(t *testing.T) {
	p := pki.ForTest(t)
	for _, tc := range []struct {
		name     string
		client   []ctxOpt
		server   []ctxOpt
		expected string
	}{
		{"defaults", nil, nil, "TLSv1.3"},
		{"client max 1.2", []ctxOpt{maxVersion(tls12)}, nil, "TLSv1.2"},
		{"server max 1.2", nil, []ctxOpt{maxVersion(tls12)}, "TLSv1.2"},
		{"both min 1.3", []ctxOpt{minVersion(tls13)}, []ctxOpt{minVersion(tls13)}, "TLSv1.3"},
		{"server min 1.2 max 1.2, client min 1.2", []ctxOpt{minVersion(tls12)}, []ctxOpt{minVersion(tls12), maxVersion(tls12)}, "TLSv1.2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, s := connected(t, clientCtx(t, p, tc.client...), serverCtx(t, p, p.ServerRSA, tc.server...), sslobj.Options{ServerHostname: pki.Host})
			for _, o := range []*sslobj.SSLObject{c.Obj, s.Obj} {
				v, ok := o.Version()
				assert.True(t, ok)
				assert.Equal(t, tc.expected, v)
			}
		})
	}
	c, s := newPair(t, clientCtx(t, p, maxVersion(tls12)), serverCtx(t, p, p.ServerRSA, minVersion(tls13)), sslobj.Options{ServerHostname: pki.Host})
	cerr, serr := memtest.Handshake(c, s)
	libReason(t, serr, "SSL", "UNSUPPORTED_PROTOCOL")
	libReason(t, cerr, "SSL", "TLSV1_ALERT_PROTOCOL_VERSION")
}

// ThreadedTests.test_wrong_cert_tls12 / tls13: a client certificate from an
// unknown CA is refused by the server; with TLS 1.3 the client learns it
// on its first read after its handshake completed.
func TestSSLObjectWrongClientCertificate(t *testing.T) {
	p := pki.ForTest(t)
	sctx := serverCtx(t, p, p.ServerRSA, verifyMode(certRequired), loadCA(p.CAFile))
	t.Run("TLSv1.2", func(t *testing.T) {
		c, s := newPair(t, clientCtx(t, p, certChain(p.UnknownCAServer), maxVersion(tls12)), sctx, sslobj.Options{ServerHostname: pki.Host})
		cerr, serr := memtest.Handshake(c, s)
		certErr(t, serr, 20, "unable to get local issuer certificate")
		libReason(t, cerr, "SSL", "TLSV1_ALERT_UNKNOWN_CA")
	})
	t.Run("TLSv1.3", func(t *testing.T) {
		c, s := newPair(t, clientCtx(t, p, certChain(p.UnknownCAServer)), sctx, sslobj.Options{ServerHostname: pki.Host})
		cerr, serr := memtest.Handshake(c, s)
		require.NoError(t, cerr, "the client finishes before the server checks its certificate")
		certErr(t, serr, 20, "unable to get local issuer certificate")
		_, err := c.Obj.Read(10)
		libReason(t, err, "SSL", "TLSV1_ALERT_UNKNOWN_CA")
	})
}

// The calls leave the thread's OpenSSL error queue empty, failing or not
// (the goroutine is locked to its thread so the check sees the same
// queue).
func TestSSLObjectCallsLeaveErrorQueueEmpty(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	p := pki.ForTest(t)
	check := func(what string) {
		t.Helper()
		assert.True(t, cshim.QueueIsEmpty(), "queue not empty after %s", what)
	}
	c, s := newPair(t, clientCtx(t, p), serverCtx(t, p, p.SelfSigned), sslobj.Options{ServerHostname: pki.Host})
	check("New")
	cerr, serr := memtest.Handshake(c, s)
	require.Error(t, cerr)
	require.Error(t, serr)
	check("a failed handshake")
	_, err := c.Obj.Read(5)
	require.Error(t, err)
	check("a read after failure")
	require.Error(t, c.Obj.Unwrap())
	check("unwrap in init")
	_, err = c.Obj.GetPeerCertDER()
	require.Error(t, err)
	check("getpeercert")
	require.Error(t, s.Obj.VerifyClientPostHandshake())
	check("verify_client_post_handshake")

	c, s = defaultPair(t)
	check("a good handshake")
	_, err = c.Obj.Read(5)
	wantRead(t, err)
	check("want-read")
	_, err = c.Obj.GetVerifiedChain()
	require.NoError(t, err)
	check("chains")
	require.NoError(t, c.In.WriteEOF())
	_, err = c.Obj.Read(5)
	require.Error(t, err)
	check("EOF")
	_, err = sslobj.New(serverCtx(t, p, p.ServerRSA), c.In, c.Out, sslobj.Options{ServerHostname: "x"})
	require.Error(t, err)
	check("a refused New")
}

func TestSSLObjectFastPathsAfterClose(t *testing.T) {
	c, _ := defaultPair(t)
	require.NoError(t, c.Obj.Close())
	_, _, err := c.Obj.WriteDrain([]byte("x"), make([]byte, 10))
	assert.ErrorIs(t, err, sslobj.ErrClosed)
	_, err = c.Obj.FeedReadInto([]byte("x"), make([]byte, 10))
	assert.ErrorIs(t, err, sslobj.ErrClosed)
}

// A closed context stops handshake steps (its callbacks are gone) but not
// the data path of established connections.
func TestSSLObjectWithClosedContext(t *testing.T) {
	p := pki.ForTest(t)
	cctx := clientCtx(t, p)
	c, s := connected(t, cctx, serverCtx(t, p, p.ServerRSA), sslobj.Options{ServerHostname: pki.Host})
	fresh := newPeer(t, cctx, sslobj.Options{ServerHostname: pki.Host})
	require.NoError(t, cctx.Close())
	got, err := memtest.Send(c, s, []byte("after close"))
	require.NoError(t, err)
	assert.Equal(t, "after close", string(got))
	assert.Error(t, fresh.Obj.DoHandshake())
	_, err = sslobj.New(cctx, fresh.In, fresh.Out, sslobj.Options{})
	assert.Error(t, err)
}
