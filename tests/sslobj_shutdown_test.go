//go:build cgo

package tests

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/membio/membio/errors"
	"github.com/membio/membio/sslobj"
	"github.com/membio/membio/tests/memtest"
	"github.com/membio/membio/tests/pki"
)

var versions = []struct {
	name    string
	version int
	cipher  string
	bits    int
}{
	{"TLSv1.3", tls13, "TLS_AES_256_GCM_SHA384", 256},
	{"TLSv1.2", tls12, "ECDHE-RSA-AES256-GCM-SHA384", 256},
}

const (
	eofMsg          = "EOF occurred in violation of protocol"
	unexpectedEOF   = "[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol"
	protoShutdown   = "[SSL: PROTOCOL_IS_SHUTDOWN] protocol is shutdown"
	zeroReturnMsg   = "TLS/SSL connection has been closed (EOF)"
	shutdownInInit  = "[SSL: SHUTDOWN_WHILE_IN_INIT] shutdown while in init"
	handshakeNotYet = "handshake not done yet"
)

// Python's test_unwrap: both sides unwrap over four BIOs; the client's
// first unwrap wants read, the server's succeeds once it has the client's
// close_notify, and the client's second then succeeds. The §3.5 table
// details each step.
func TestSSLObjectUnwrapSequence(t *testing.T) {
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			c, s := defaultPair(t, maxVersion(v.version))
			ver, ok := c.Obj.Version()
			require.True(t, ok)
			require.Equal(t, v.name, ver)

			wantRead(t, c.Obj.Unwrap())
			assert.Greater(t, c.Out.Pending(), 0, "close_notify is in outgoing")
			_, err := memtest.Transfer(c, s)
			require.NoError(t, err)

			// The server sees the close_notify as an empty read, repeatedly,
			// and may still write (half-close).
			for i := 0; i < 2; i++ {
				b, err := s.Obj.Read(10)
				require.NoError(t, err)
				assert.Empty(t, b)
				n, err := s.Obj.ReadInto(make([]byte, 4))
				require.NoError(t, err)
				assert.Equal(t, 0, n)
			}
			n, err := s.Obj.Write([]byte("after close_notx"))
			require.NoError(t, err)
			assert.Equal(t, 16, n)

			require.NoError(t, s.Obj.Unwrap(), "the server completes its shutdown")
			_, err = s.Obj.Read(10)
			sslErr(t, err, errors.ErrZeroReturn, 6, "", "", zeroReturnMsg)
			_, err = s.Obj.Write([]byte("x"))
			sslErr(t, err, errors.ErrSSL, 1, "SSL", "PROTOCOL_IS_SHUTDOWN", protoShutdown)

			// The half-close data reaches a client that already sent its
			// close_notify: OpenSSL refuses it, as Python shows.
			_, err = memtest.Transfer(s, c)
			require.NoError(t, err)
			sslErr(t, c.Obj.Unwrap(), errors.ErrSSL, 1, "SSL", "APPLICATION_DATA_AFTER_CLOSE_NOTIFY",
				"[SSL: APPLICATION_DATA_AFTER_CLOSE_NOTIFY] application data after close notify")
			sslErr(t, c.Obj.Unwrap(), errors.ErrSSL, 1, "SSL", "SHUTDOWN_WHILE_IN_INIT", shutdownInInit)
			_, err = c.Obj.Write([]byte("x"))
			sslErr(t, err, errors.ErrSSL, 1, "SSL", "PROTOCOL_IS_SHUTDOWN", protoShutdown)
		})
	}
}

func TestSSLObjectCleanUnwrapKeepsAccessorValues(t *testing.T) {
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			c, s := defaultPair(t, maxVersion(v.version))
			wantRead(t, c.Obj.Unwrap())
			_, err := memtest.Transfer(c, s)
			require.NoError(t, err)
			b, err := s.Obj.Read(10)
			require.NoError(t, err)
			assert.Empty(t, b)
			require.NoError(t, s.Obj.Unwrap())
			_, err = memtest.Transfer(s, c)
			require.NoError(t, err)
			assert.NoError(t, c.Obj.Unwrap())
			assert.NoError(t, c.Obj.Unwrap(), "a finished unwrap returns nil again")
			_, err = c.Obj.Read(5)
			sslErr(t, err, errors.ErrZeroReturn, 6, "", "", zeroReturnMsg)
			_, err = c.Obj.Write([]byte("x"))
			sslErr(t, err, errors.ErrSSL, 1, "SSL", "PROTOCOL_IS_SHUTDOWN", protoShutdown)

			// Accessors keep their values after unwrap.
			ci, ok := c.Obj.Cipher()
			assert.True(t, ok)
			assert.Equal(t, v.cipher, ci.Name)
			ver, ok := c.Obj.Version()
			assert.True(t, ok)
			assert.Equal(t, v.name, ver)
			cert, err := c.Obj.GetPeerCertDER()
			assert.NoError(t, err)
			assert.NotEmpty(t, cert)
			cb, err := c.Obj.GetChannelBinding("tls-unique")
			assert.NoError(t, err)
			assert.NotEmpty(t, cb)
		})
	}
}

func TestSSLObjectTransportEOFWithoutCloseNotify(t *testing.T) {
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			c, _ := defaultPair(t, maxVersion(v.version))
			require.NoError(t, c.In.WriteEOF())
			_, err := c.Obj.Read(10)
			sslErr(t, err, errors.ErrEOF, 8, "SSL", "UNEXPECTED_EOF_WHILE_READING", unexpectedEOF)
			_, err = c.Obj.Read(10)
			sslErr(t, err, errors.ErrEOF, 8, "", "", eofMsg)
			_, err = c.Obj.Write([]byte("x"))
			sslErr(t, err, errors.ErrEOF, 8, "", "", eofMsg)
			sslErr(t, c.Obj.Unwrap(), errors.ErrSSL, 1, "SSL", "SHUTDOWN_WHILE_IN_INIT", shutdownInInit)
		})
	}
}

func TestSSLObjectIgnoreUnexpectedEOFReadsEmpty(t *testing.T) {
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			c, _ := defaultPair(t, maxVersion(v.version), ignoreUnexpectedEOF())
			require.NoError(t, c.In.WriteEOF())
			for i := 0; i < 2; i++ {
				b, err := c.Obj.Read(10)
				require.NoError(t, err)
				assert.Empty(t, b)
			}
		})
	}
}

func TestSSLObjectHalfRecordThenEOF(t *testing.T) {
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			c, s := defaultPair(t, maxVersion(v.version))
			_, err := s.Obj.Write([]byte("some application data"))
			require.NoError(t, err)
			rec, err := s.Out.Read(-1)
			require.NoError(t, err)
			_, err = c.In.Write(rec[:len(rec)/2])
			require.NoError(t, err)
			_, err = c.Obj.Read(100)
			wantRead(t, err)
			require.NoError(t, c.In.WriteEOF())
			_, err = c.Obj.Read(100)
			sslErr(t, err, errors.ErrEOF, 8, "SSL", "UNEXPECTED_EOF_WHILE_READING", unexpectedEOF)
		})
	}
}

func TestSSLObjectUnwrapWithTransportEOF(t *testing.T) {
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			c, _ := defaultPair(t, maxVersion(v.version))
			require.NoError(t, c.In.WriteEOF())
			sslErr(t, c.Obj.Unwrap(), errors.ErrEOF, 8, "SSL", "UNEXPECTED_EOF_WHILE_READING", unexpectedEOF)
		})
	}
}

func TestSSLObjectEOFDuringHandshake(t *testing.T) {
	p := pki.ForTest(t)
	t.Run("client", func(t *testing.T) {
		c := newPeer(t, clientCtx(t, p), sslobj.Options{ServerHostname: pki.Host})
		wantRead(t, c.Obj.DoHandshake())
		require.NoError(t, c.In.WriteEOF())
		err := c.Obj.DoHandshake()
		sslErr(t, err, errors.ErrEOF, 8, "SSL", "UNEXPECTED_EOF_WHILE_READING", unexpectedEOF)

		// Python 3.13+: a second handshake after the failure is an
		// SSLEOFError with no library (3.11 raised SSLSyscallError).
		err = c.Obj.DoHandshake()
		sslErr(t, err, errors.ErrEOF, 8, "", "", eofMsg)
		_, err = c.Obj.Read(1)
		sslErr(t, err, errors.ErrEOF, 8, "", "", eofMsg)
		_, err = c.Obj.Write([]byte("x"))
		sslErr(t, err, errors.ErrEOF, 8, "", "", eofMsg)
		_, ok := c.Obj.Version()
		assert.False(t, ok, "no version after a failed handshake")
		_, err = c.Obj.GetPeerCert()
		valueErr(t, err, handshakeNotYet)
	})
	t.Run("server", func(t *testing.T) {
		s := newPeer(t, serverCtx(t, p, p.ServerRSA), sslobj.Options{ServerSide: true})
		require.NoError(t, s.In.WriteEOF())
		err := s.Obj.DoHandshake()
		sslErr(t, err, errors.ErrEOF, 8, "SSL", "UNEXPECTED_EOF_WHILE_READING", unexpectedEOF)
	})
}
