//go:build cgo

package tests

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/membio/membio/bio"
	"github.com/membio/membio/context"
	"github.com/membio/membio/sslobj"
	"github.com/membio/membio/tests/memtest"
	"github.com/membio/membio/tests/pki"
)

// Protocol versions for maxVersion and minVersion.
const (
	tls12 = int(sslctx.TLSv1_2)
	tls13 = int(sslctx.TLSv1_3)
)

// Verify modes for verifyMode.
const (
	certNone     = int(sslctx.CertNone)
	certOptional = int(sslctx.CertOptional)
	certRequired = int(sslctx.CertRequired)
)

// ctxOpt configures a test context.
type ctxOpt func(t testing.TB, c *sslctx.SSLContext)

func maxVersion(v int) ctxOpt {
	return func(t testing.TB, c *sslctx.SSLContext) {
		require.NoError(t, c.SetMaximumVersion(sslctx.TLSVersion(v)))
	}
}

func minVersion(v int) ctxOpt {
	return func(t testing.TB, c *sslctx.SSLContext) {
		require.NoError(t, c.SetMinimumVersion(sslctx.TLSVersion(v)))
	}
}

func alpn(protos ...string) ctxOpt {
	return func(t testing.TB, c *sslctx.SSLContext) { require.NoError(t, c.SetALPNProtocols(protos)) }
}

func ciphers(list string) ctxOpt {
	return func(t testing.TB, c *sslctx.SSLContext) { require.NoError(t, c.SetCiphers(list)) }
}

// verifyMode sets the verify mode; CERT_NONE turns hostname checking off
// first, as Python requires.
func verifyMode(mode int) ctxOpt {
	return func(t testing.TB, c *sslctx.SSLContext) {
		if mode == certNone {
			require.NoError(t, c.SetCheckHostname(false))
		}
		require.NoError(t, c.SetVerifyMode(sslctx.VerifyMode(mode)))
	}
}

func checkHostname(on bool) ctxOpt {
	return func(t testing.TB, c *sslctx.SSLContext) { setCheckHostname(t, c, on) }
}

func setCheckHostname(t testing.TB, c *sslctx.SSLContext, on bool) {
	require.NoError(t, c.SetCheckHostname(on))
}

func loadCA(file string) ctxOpt {
	return func(t testing.TB, c *sslctx.SSLContext) {
		require.NoError(t, c.LoadVerifyLocations(file, "", sslctx.CAData{}))
	}
}

func certChain(cert *pki.Cert) ctxOpt {
	return func(t testing.TB, c *sslctx.SSLContext) {
		require.NoError(t, c.LoadCertChain(cert.ChainFile, cert.KeyFile, nil))
	}
}

func postHandshakeAuth() ctxOpt {
	return func(t testing.TB, c *sslctx.SSLContext) { require.NoError(t, c.SetPostHandshakeAuth(true)) }
}

func ignoreUnexpectedEOF() ctxOpt {
	return func(t testing.TB, c *sslctx.SSLContext) {
		require.NoError(t, c.SetOptions(c.Options()|sslctx.OpIgnoreUnexpectedEOF))
	}
}

func numTickets(n int) ctxOpt {
	return func(t testing.TB, c *sslctx.SSLContext) { require.NoError(t, c.SetNumTickets(n)) }
}

func isEmptyCert(c *sslctx.Certificate) bool { return c.IsZero() }

func newCtx(t testing.TB, p sslctx.Protocol, opts ...ctxOpt) *sslctx.SSLContext {
	t.Helper()
	c, err := sslctx.New(p)
	require.NoError(t, err)
	for _, o := range opts {
		o(t, c)
	}
	return c
}

// clientCtxBare is a ProtocolTLSClient context with Python's defaults
// (CERT_REQUIRED, check_hostname) and nothing loaded.
func clientCtxBare(t testing.TB, opts ...ctxOpt) *sslctx.SSLContext {
	t.Helper()
	return newCtx(t, sslctx.ProtocolTLSClient, opts...)
}

// serverCtxBare is a ProtocolTLSServer context with nothing loaded.
func serverCtxBare(t testing.TB, opts ...ctxOpt) *sslctx.SSLContext {
	t.Helper()
	return newCtx(t, sslctx.ProtocolTLSServer, opts...)
}

// clientCtx trusts the test root.
func clientCtx(t testing.TB, p *pki.PKI, opts ...ctxOpt) *sslctx.SSLContext {
	t.Helper()
	return clientCtxBare(t, append([]ctxOpt{loadCA(p.CAFile)}, opts...)...)
}

// serverCtx serves cert.
func serverCtx(t testing.TB, p *pki.PKI, cert *pki.Cert, opts ...ctxOpt) *sslctx.SSLContext {
	t.Helper()
	return serverCtxBare(t, append([]ctxOpt{certChain(cert)}, opts...)...)
}

func newPeer(t testing.TB, ctx *sslctx.SSLContext, opts sslobj.Options) *memtest.Peer {
	t.Helper()
	p, err := memtest.NewPeer(ctx, opts)
	require.NoError(t, err)
	t.Cleanup(p.Close)
	return p
}

func newPair(t testing.TB, cctx, sctx *sslctx.SSLContext, copts sslobj.Options) (c, s *memtest.Peer) {
	t.Helper()
	return newPeer(t, cctx, copts), newPeer(t, sctx, sslobj.Options{ServerSide: true})
}

// connected returns a client and server that completed the handshake.
func connected(t testing.TB, cctx, sctx *sslctx.SSLContext, copts sslobj.Options) (c, s *memtest.Peer) {
	t.Helper()
	c, s = newPair(t, cctx, sctx, copts)
	cerr, serr := memtest.Handshake(c, s)
	require.NoError(t, cerr)
	require.NoError(t, serr)
	return c, s
}

// defaultPair is a connected pair with the RSA server certificate and
// example.test as server hostname; opts configure the client context.
func defaultPair(t testing.TB, copts ...ctxOpt) (c, s *memtest.Peer) {
	t.Helper()
	p := pki.ForTest(t)
	return connected(t, clientCtx(t, p, copts...), serverCtx(t, p, p.ServerRSA), sslobj.Options{ServerHostname: pki.Host})
}

func newBIOs(t testing.TB) (in, out *bio.MemoryBIO) {
	t.Helper()
	in, err := bio.New()
	require.NoError(t, err)
	out, err = bio.New()
	require.NoError(t, err)
	t.Cleanup(func() { in.Close(); out.Close() })
	return in, out
}
