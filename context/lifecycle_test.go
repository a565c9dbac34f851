//go:build cgo

package sslctx_test

import (
	"sync"
	"testing"

	"github.com/membio/membio/context"
	"github.com/membio/membio/cshim"
	"github.com/membio/membio/errors"
	"github.com/membio/membio/tests/pki"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// After Close every method returns ErrClosed and every getter its zero
// value; Close is idempotent and nothing crashes.
func TestEveryMethodAfterCloseFails(t *testing.T) {
	p := pki.ForTest(t)
	c, err := sslctx.New(sslctx.ProtocolTLSServer)
	require.NoError(t, err)
	require.NoError(t, c.SetKeylogFilename(t.TempDir()+"/k"))
	require.NoError(t, c.Close())
	require.NoError(t, c.Close())
	assert.True(t, c.Closed())

	noop := func(sslctx.SNIConn, string, *sslctx.SSLContext) error { return nil }
	errs := map[string]error{
		"SetOptions":                  c.SetOptions(0),
		"SetVerifyMode":               c.SetVerifyMode(sslctx.CertRequired),
		"SetVerifyFlags":              c.SetVerifyFlags(0),
		"SetCheckHostname":            c.SetCheckHostname(true),
		"SetHostFlags":                c.SetHostFlags(0),
		"SetHostnameChecksCommonName": c.SetHostnameChecksCommonName(false),
		"SetMinimumVersion":           c.SetMinimumVersion(sslctx.TLSv1_2),
		"SetMaximumVersion":           c.SetMaximumVersion(sslctx.TLSv1_3),
		"SetNumTickets":               c.SetNumTickets(1),
		"SetPostHandshakeAuth":        c.SetPostHandshakeAuth(true),
		"SetCiphers":                  c.SetCiphers("ALL"),
		"SetKeylogFilename":           c.SetKeylogFilename(""),
		"SetSNICallback":              c.SetSNICallback(noop),
		"SetServernameCallback":       c.SetServernameCallback(noop),
		"SetPSKClientCallback":        c.SetPSKClientCallback(nil),
		"SetPSKServerCallback":        c.SetPSKServerCallback(nil, ""),
		"LoadCertChain":               c.LoadCertChain(p.ServerRSA.ChainFile, p.ServerRSA.KeyFile, nil),
		"LoadVerifyLocations":         c.LoadVerifyLocations(p.CAFile, "", sslctx.CAData{}),
		"LoadDefaultCerts":            c.LoadDefaultCerts(sslctx.PurposeServerAuth),
		"SetDefaultVerifyPaths":       c.SetDefaultVerifyPaths(),
		"LoadDHParams":                c.LoadDHParams(p.DHParamsFile),
		"SetECDHCurve":                c.SetECDHCurve("prime256v1"),
		"SetALPNProtocols":            c.SetALPNProtocols([]string{"h2"}),
		"SetNPNProtocols":             c.SetNPNProtocols([]string{"h2"}),
	}
	_, errs["GetCiphers"] = c.GetCiphers()
	_, errs["GetCACerts"] = c.GetCACerts()
	_, errs["GetCACertsDER"] = c.GetCACertsDER()
	for name, err := range errs {
		assert.ErrorIs(t, err, sslctx.ErrClosed, name)
	}
	assert.False(t, cshim.UseCtx(c, func(*cshim.Ctx) { t.Error("UseCtx ran f after Close") }))
	assert.False(t, cshim.BriefCtx(c, func(*cshim.Ctx) { t.Error("BriefCtx ran f after Close") }))
	assert.Zero(t, c.Protocol())
	assert.Zero(t, c.Options())
	assert.Zero(t, c.VerifyMode())
	assert.Zero(t, c.VerifyFlags())
	assert.False(t, c.CheckHostname())
	assert.Zero(t, c.HostFlags())
	assert.False(t, c.HostnameChecksCommonName())
	assert.Zero(t, c.MinimumVersion())
	assert.Zero(t, c.MaximumVersion())
	assert.Zero(t, c.NumTickets())
	assert.False(t, c.PostHandshakeAuth())
	assert.Zero(t, c.SecurityLevel())
	assert.Equal(t, "", c.KeylogFilename())
	assert.Nil(t, c.SNICallback())
	assert.Equal(t, sslctx.SessionStats{}, c.SessionStats())
	assert.Equal(t, sslctx.CertStoreStats{}, c.CertStoreStats())
}

// An SSL object made before Close keeps working as far as C is concerned
// (OpenSSL refcounts the SSL_CTX), but its next handshake step is refused,
// and a late callback finds no handler rather than crashing.
func TestCloseWithLiveObjects(t *testing.T) {
	p := pki.ForTest(t)
	sctx, err := sslctx.New(sslctx.ProtocolTLSServer)
	require.NoError(t, err)
	require.NoError(t, sctx.LoadCertChain(p.ServerRSA.ChainFile, p.ServerRSA.KeyFile, nil))
	require.NoError(t, sctx.SetSNICallback(func(sslctx.SNIConn, string, *sslctx.SSLContext) error {
		return errors.New("must not run after Close")
	}))
	client := newPeer(t, clientCtx(t), false, pki.Host)
	server := newPeer(t, sctx, true, "")
	require.NoError(t, sctx.Close())
	handshake(client, server)
	assert.ErrorIs(t, server.err, sslctx.ErrClosed)
}

// Many goroutines calling setters and getters on one context, while
// handshakes use it, neither race nor corrupt it (run with -race).
func TestConcurrentSettersGettersAndHandshakes(t *testing.T) {
	p := pki.ForTest(t)
	sctx := serverCtx(t, p.ServerRSA)
	cctx := clientCtx(t)
	other := serverCtx(t, p.ServerOther)
	require.NoError(t, sctx.SetSNICallback(func(conn sslctx.SNIConn, name string, ctx *sslctx.SSLContext) error {
		_ = ctx.Options()
		if name == pki.OtherHost {
			return conn.SetContext(other)
		}
		return nil
	}))
	var setters, handshakers sync.WaitGroup
	stop := make(chan struct{})
	for i := 0; i < 4; i++ {
		setters.Add(1)
		go func() {
			defer setters.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				for _, c := range []*sslctx.SSLContext{sctx, cctx, other} {
					assert.NoError(t, c.SetOptions(c.Options()|sslctx.OpNoCompression))
					assert.NoError(t, c.SetVerifyFlags(c.VerifyFlags()|sslctx.VerifyX509TrustedFirst))
					assert.NoError(t, c.SetALPNProtocols([]string{"h2", "http/1.1"}))
					assert.NoError(t, c.SetMaximumVersion(sslctx.MaximumSupported))
					assert.NoError(t, c.SetCiphers(ciphersFor(n)))
					assert.NoError(t, c.SetHostnameChecksCommonName(n%2 == 0))
					_ = c.VerifyMode()
					_ = c.MinimumVersion()
					_ = c.CertStoreStats()
					_ = c.SessionStats()
					_, err := c.GetCiphers()
					assert.NoError(t, err)
				}
				assert.NoError(t, cctx.LoadVerifyLocations(p.CAFile, "", sslctx.CAData{}))
				assert.NoError(t, other.LoadCertChain(p.ServerOther.ChainFile, p.ServerOther.KeyFile, nil))
			}
		}()
	}
	for i := 0; i < 4; i++ {
		handshakers.Add(1)
		go func(i int) {
			defer handshakers.Done()
			for n := 0; n < 8; n++ {
				host := pki.Host
				if (i+n)%2 == 0 {
					host = pki.OtherHost
				}
				client := newPeer(t, cctx, false, host)
				server := newPeer(t, sctx, true, "")
				handshake(client, server)
				assert.NoError(t, client.err)
				assert.NoError(t, server.err)
			}
		}(i)
	}
	handshakers.Wait()
	close(stop)
	setters.Wait()
}

func ciphersFor(n int) string {
	if n%2 == 0 {
		return "ECDHE+AESGCM"
	}
	return "DEFAULT"
}
