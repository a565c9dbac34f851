//go:build cgo

package sslctx_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/membio/membio/context"
	"github.com/membio/membio/cshim"
	"github.com/membio/membio/errors"
	"github.com/membio/membio/tests/pki"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func serverCtx(t *testing.T, cert *pki.Cert) *sslctx.SSLContext {
	t.Helper()
	c, err := sslctx.New(sslctx.ProtocolTLSServer)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.LoadCertChain(cert.ChainFile, cert.KeyFile, nil))
	return c
}

func clientCtx(t *testing.T) *sslctx.SSLContext {
	t.Helper()
	p := pki.ForTest(t)
	c, err := sslctx.New(sslctx.ProtocolTLSClient)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.LoadVerifyLocations(p.CAFile, "", sslctx.CAData{}))
	return c
}

// The SNI callback receives the connection, the A-label the client sent
// and the context; switching the connection's context there makes the
// server present the other context's certificate.
func TestSNICallbackSwitchesContext(t *testing.T) {
	p := pki.ForTest(t)
	sctx := serverCtx(t, p.ServerRSA)
	other := serverCtx(t, p.ServerOther)
	var gotName string
	var gotCtx *sslctx.SSLContext
	var gotServerSide bool
	require.NoError(t, sctx.SetSNICallback(func(conn sslctx.SNIConn, name string, ctx *sslctx.SSLContext) error {
		gotName, gotCtx, gotServerSide = name, ctx, conn.ServerSide()
		// getters of the running context are fine inside the callback
		_ = ctx.VerifyMode()
		_ = ctx.Options()
		if name == pki.OtherHost {
			return conn.SetContext(other)
		}
		return nil
	}))
	require.NotNil(t, sctx.SNICallback())
	client := newPeer(t, clientCtx(t), false, pki.OtherHost)
	server := newPeer(t, sctx, true, "")
	handshake(client, server)
	require.NoError(t, client.err)
	require.NoError(t, server.err)
	assert.Equal(t, pki.OtherHost, gotName)
	assert.Same(t, sctx, gotCtx)
	assert.True(t, gotServerSide)
	assert.Same(t, other, server.ctx)
	assert.True(t, server.conn.UsesCtx(mustRaw(t, other)))
	der, _, _ := client.conn.PeerCertificate()
	assert.Equal(t, p.ServerOther.DER, der)
}

func mustRaw(t *testing.T, c *sslctx.SSLContext) *cshimCtx {
	t.Helper()
	var raw *cshimCtx
	require.True(t, cshim.BriefCtx(c, func(x *cshim.Ctx) { raw = x }))
	return raw
}

// Without SNI (an IP address as server_hostname) the callback gets "".
func TestSNICallbackWithoutServerName(t *testing.T) {
	p := pki.ForTest(t)
	sctx := serverCtx(t, p.ServerRSA)
	called := false
	gotName := "unset"
	require.NoError(t, sctx.SetServernameCallback(func(conn sslctx.SNIConn, name string, ctx *sslctx.SSLContext) error {
		called, gotName = true, name
		return nil
	}))
	client := newPeer(t, clientCtx(t), false, pki.IP)
	server := newPeer(t, sctx, true, "")
	handshake(client, server)
	require.NoError(t, client.err)
	require.NoError(t, server.err)
	assert.True(t, called)
	assert.Equal(t, "", gotName)
}

// An alert returned by the callback is sent to the client, and the
// server's handshake fails with CALLBACK_FAILED as in Python.
func TestSNICallbackAlertAbortsHandshake(t *testing.T) {
	p := pki.ForTest(t)
	sctx := serverCtx(t, p.ServerRSA)
	require.NoError(t, sctx.SetSNICallback(func(sslctx.SNIConn, string, *sslctx.SSLContext) error {
		return sslctx.Alert(sslctx.AlertDescriptionUnrecognizedName)
	}))
	client := newPeer(t, clientCtx(t), false, pki.Host)
	server := newPeer(t, sctx, true, "")
	handshake(client, server)
	var se *errors.SSLError
	require.True(t, errors.As(server.err, &se), "%v", server.err)
	assert.Equal(t, "CALLBACK_FAILED", se.Reason)
	var ce *errors.CallbackError
	assert.False(t, errors.As(server.err, &ce))
	require.True(t, errors.As(client.err, &se), "%v", client.err)
	assert.Equal(t, "TLSV1_UNRECOGNIZED_NAME", se.Reason)
}

// An error or a panic in the callback aborts with handshake_failure and
// becomes the server's handshake error, wrapped, with the SSLError as its
// context.
func TestSNICallbackErrorAndPanicBecomeHandshakeError(t *testing.T) {
	p := pki.ForTest(t)
	sentinel := errors.New("no such virtual host")
	for name, cb := range map[string]sslctx.SNICallback{
		"error": func(sslctx.SNIConn, string, *sslctx.SSLContext) error { return sentinel },
		"panic": func(sslctx.SNIConn, string, *sslctx.SSLContext) error { panic(sentinel) },
	} {
		t.Run(name, func(t *testing.T) {
			sctx := serverCtx(t, p.ServerRSA)
			require.NoError(t, sctx.SetSNICallback(cb))
			client := newPeer(t, clientCtx(t), false, pki.Host)
			server := newPeer(t, sctx, true, "")
			handshake(client, server)
			assert.ErrorIs(t, server.err, sentinel)
			var ce *errors.CallbackError
			require.True(t, errors.As(server.err, &ce))
			assert.Equal(t, "sni", ce.Callback)
			var se *errors.SSLError
			require.True(t, errors.As(ce.Context, &se), "%v", ce.Context)
			assert.Equal(t, "CALLBACK_FAILED", se.Reason)
			require.True(t, errors.As(client.err, &se), "%v", client.err)
			assert.Equal(t, "SSLV3_ALERT_HANDSHAKE_FAILURE", se.Reason)
			if name == "panic" {
				var pe *errors.PanicError
				assert.True(t, errors.As(server.err, &pe))
			}
		})
	}
}

// Removing the callback (nil) restores the plain handshake; setting one on
// a client context is refused.
func TestSNICallbackRemovalAndClientRefusal(t *testing.T) {
	p := pki.ForTest(t)
	sctx := serverCtx(t, p.ServerRSA)
	require.NoError(t, sctx.SetSNICallback(func(sslctx.SNIConn, string, *sslctx.SSLContext) error {
		return errors.New("must not run")
	}))
	require.NoError(t, sctx.SetSNICallback(nil))
	assert.Nil(t, sctx.SNICallback())
	client := newPeer(t, clientCtx(t), false, pki.Host)
	server := newPeer(t, sctx, true, "")
	handshake(client, server)
	require.NoError(t, client.err)
	require.NoError(t, server.err)

	err := clientCtx(t).SetSNICallback(func(sslctx.SNIConn, string, *sslctx.SSLContext) error { return nil })
	assert.EqualError(t, err, "sni_callback cannot be set on TLS_CLIENT context")
	assert.True(t, errors.Is(err, errors.ErrValue))
	// TLS (generic) contexts accept it
	c, err := sslctx.New(sslctx.ProtocolTLS)
	require.NoError(t, err)
	defer c.Close()
	assert.NoError(t, c.SetSNICallback(func(sslctx.SNIConn, string, *sslctx.SSLContext) error { return nil }))
}

// A context that refers to itself from its SNI callback is still
// collected: the callback handle does not keep it alive
// (test_sni_callback_refcycle).
func TestSNICallbackCycleIsCollected(t *testing.T) {
	collected := make(chan struct{})
	func() {
		c, err := sslctx.New(sslctx.ProtocolTLSServer)
		require.NoError(t, err)
		require.NoError(t, c.SetSNICallback(func(conn sslctx.SNIConn, name string, ctx *sslctx.SSLContext) error {
			_ = c // cycle through the closure
			return nil
		}))
		runtimeAddCleanup(c, func() { close(collected) })
	}()
	waitCollected(t, collected)
}

// ALPN: the server picks its first protocol the client offers; with no
// overlap the handshake succeeds without ALPN.
func TestALPNSelection(t *testing.T) {
	p := pki.ForTest(t)
	cases := []struct {
		client, server []string
		want           string
	}{
		{[]string{"h2", "http/1.1"}, []string{"http/1.1", "h2"}, "http/1.1"},
		{[]string{"h2", "http/1.1"}, []string{"spdy/3", "h2"}, "h2"},
		{[]string{"h2"}, []string{"http/1.1"}, ""},
		{[]string{"h2"}, nil, ""},
		{nil, []string{"h2"}, ""},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.client, ",")+"|"+strings.Join(tc.server, ","), func(t *testing.T) {
			cctx := clientCtx(t)
			sctx := serverCtx(t, p.ServerRSA)
			if tc.client != nil {
				require.NoError(t, cctx.SetALPNProtocols(tc.client))
			}
			if tc.server != nil {
				require.NoError(t, sctx.SetALPNProtocols(tc.server))
			}
			client := newPeer(t, cctx, false, pki.Host)
			server := newPeer(t, sctx, true, "")
			handshake(client, server)
			require.NoError(t, client.err)
			require.NoError(t, server.err)
			got, _ := client.conn.ALPN()
			assert.Equal(t, tc.want, got)
			got, _ = server.conn.ALPN()
			assert.Equal(t, tc.want, got)
		})
	}
}

// The keylog file gets Python's header once and one NSS line per secret;
// turning logging off stops it.
func TestKeylogFileReceivesSecrets(t *testing.T) {
	p := pki.ForTest(t)
	name := filepath.Join(t.TempDir(), "keys.log")
	cctx := clientCtx(t)
	require.NoError(t, cctx.SetKeylogFilename(name))
	assert.Equal(t, name, cctx.KeylogFilename())
	require.NoError(t, cctx.SetKeylogFilename(name)) // reopening does not repeat the header
	client := newPeer(t, cctx, false, pki.Host)
	server := newPeer(t, serverCtx(t, p.ServerRSA), true, "")
	handshake(client, server)
	require.NoError(t, client.err)
	data := string(mustRead(t, name))
	lines := strings.Split(strings.TrimSpace(data), "\n")
	assert.Equal(t, "# TLS secrets log file, generated by OpenSSL / Python", lines[0])
	assert.Equal(t, 1, strings.Count(data, "# TLS secrets"))
	labels := map[string]bool{}
	for _, l := range lines[1:] {
		labels[strings.Fields(l)[0]] = true
	}
	for _, l := range []string{"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
		"CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"} {
		assert.True(t, labels[l], l)
	}
	require.NoError(t, cctx.SetKeylogFilename(""))
	assert.Equal(t, "", cctx.KeylogFilename())
	before := len(mustRead(t, name))
	client = newPeer(t, cctx, false, pki.Host)
	server = newPeer(t, serverCtx(t, p.ServerRSA), true, "")
	handshake(client, server)
	require.NoError(t, client.err)
	assert.Equal(t, before, len(mustRead(t, name)))
	_ = os.Remove(name)
}

// TLS-PSK on TLS 1.2 and 1.3: the callbacks receive the hint and identity
// and the handshake succeeds without certificates (3.13's test_psk,
// test_psk_tls1_3).
func TestPSKCallbacks(t *testing.T) {
	psk := []byte("0123456789abcdef0123456789abcdef")
	for _, v := range []sslctx.TLSVersion{sslctx.TLSv1_2, sslctx.TLSv1_3} {
		t.Run(v.String(), func(t *testing.T) {
			cctx, err := sslctx.New(sslctx.ProtocolTLSClient)
			require.NoError(t, err)
			defer cctx.Close()
			require.NoError(t, cctx.SetCheckHostname(false))
			require.NoError(t, cctx.SetVerifyMode(sslctx.CertNone))
			sctx, err := sslctx.New(sslctx.ProtocolTLSServer)
			require.NoError(t, err)
			defer sctx.Close()
			if v == sslctx.TLSv1_2 {
				for _, c := range []*sslctx.SSLContext{cctx, sctx} {
					require.NoError(t, c.SetMaximumVersion(sslctx.TLSv1_2))
					require.NoError(t, c.SetCiphers("PSK"))
				}
			}
			var gotHint, gotIdentity string
			require.NoError(t, cctx.SetPSKClientCallback(func(hint string) (string, []byte, error) {
				gotHint = hint
				return "client-identity", psk, nil
			}))
			require.NoError(t, sctx.SetPSKServerCallback(func(identity string) ([]byte, error) {
				gotIdentity = identity
				return psk, nil
			}, "server-hint"))
			client := newPeer(t, cctx, false, "")
			server := newPeer(t, sctx, true, "")
			handshake(client, server)
			require.NoError(t, client.err)
			require.NoError(t, server.err)
			assert.Equal(t, "client-identity", gotIdentity)
			if v == sslctx.TLSv1_2 {
				assert.Equal(t, "server-hint", gotHint)
			} else {
				assert.Equal(t, "", gotHint) // TLS 1.3 has no hint
			}
		})
	}
}

// A PSK callback's error, panic or oversized identity aborts the handshake
// and becomes the error of that side's handshake; the role checks match
// Python 3.13's.
func TestPSKCallbackFailures(t *testing.T) {
	sentinel := errors.New("unknown client")
	mk := func(t *testing.T) (*sslctx.SSLContext, *sslctx.SSLContext) {
		cctx, err := sslctx.New(sslctx.ProtocolTLSClient)
		require.NoError(t, err)
		t.Cleanup(func() { cctx.Close() })
		require.NoError(t, cctx.SetCheckHostname(false))
		require.NoError(t, cctx.SetVerifyMode(sslctx.CertNone))
		sctx, err := sslctx.New(sslctx.ProtocolTLSServer)
		require.NoError(t, err)
		t.Cleanup(func() { sctx.Close() })
		return cctx, sctx
	}
	good := func(string) (string, []byte, error) { return "id", []byte("0123456789abcdef"), nil }
	t.Run("server error", func(t *testing.T) {
		cctx, sctx := mk(t)
		require.NoError(t, cctx.SetPSKClientCallback(good))
		require.NoError(t, sctx.SetPSKServerCallback(func(string) ([]byte, error) { return nil, sentinel }, ""))
		client, server := newPeer(t, cctx, false, ""), newPeer(t, sctx, true, "")
		handshake(client, server)
		assert.ErrorIs(t, server.err, sentinel)
		assert.Error(t, client.err)
	})
	t.Run("client panic", func(t *testing.T) {
		cctx, sctx := mk(t)
		require.NoError(t, cctx.SetPSKClientCallback(func(string) (string, []byte, error) { panic("boom") }))
		require.NoError(t, sctx.SetPSKServerCallback(func(string) ([]byte, error) { return []byte("k"), nil }, ""))
		client, server := newPeer(t, cctx, false, ""), newPeer(t, sctx, true, "")
		handshake(client, server)
		var pe *errors.PanicError
		require.True(t, errors.As(client.err, &pe), "%v", client.err)
		assert.Equal(t, "boom", pe.Value)
	})
	t.Run("identity too long", func(t *testing.T) {
		cctx, sctx := mk(t)
		require.NoError(t, cctx.SetPSKClientCallback(func(string) (string, []byte, error) {
			return strings.Repeat("x", 300), []byte("k"), nil
		}))
		require.NoError(t, sctx.SetPSKServerCallback(func(string) ([]byte, error) { return []byte("k"), nil }, ""))
		client, server := newPeer(t, cctx, false, ""), newPeer(t, sctx, true, "")
		handshake(client, server)
		assert.True(t, errors.Is(client.err, errors.ErrValue), "%v", client.err)
	})
	t.Run("roles", func(t *testing.T) {
		cctx, sctx := mk(t)
		err := sctx.SetPSKClientCallback(good)
		assert.EqualError(t, err, "Cannot add PSK client callback to a PROTOCOL_TLS_SERVER context")
		var se *errors.SSLError
		assert.True(t, errors.As(err, &se))
		err = cctx.SetPSKServerCallback(func(string) ([]byte, error) { return nil, nil }, "")
		assert.EqualError(t, err, "Cannot add PSK server callback to a PROTOCOL_TLS_CLIENT context")
		assert.NoError(t, cctx.SetPSKClientCallback(nil))
		assert.NoError(t, sctx.SetPSKServerCallback(nil, ""))
	})
}
