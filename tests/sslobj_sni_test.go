//go:build cgo

package tests

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/membio/membio/context"
	"github.com/membio/membio/errors"
	"github.com/membio/membio/sslobj"
	"github.com/membio/membio/tests/memtest"
	"github.com/membio/membio/tests/pki"
)

func TestSSLObjectSNICallbackSwitchesContext(t *testing.T) {
	p := pki.ForTest(t)
	sctx := serverCtx(t, p, p.ServerRSA)
	other := serverCtx(t, p, p.ServerOther)
	type call struct {
		conn       sslctx.SNIConn
		name       string
		ctx        *sslctx.SSLContext
		before     *sslctx.SSLContext
		after      *sslctx.SSLContext
		setErr     error
		versionErr error
	}
	var calls []call
	require.NoError(t, sctx.SetSNICallback(func(conn sslctx.SNIConn, name string, ctx *sslctx.SSLContext) error {
		c := call{conn: conn, name: name, ctx: ctx, before: conn.Context()}
		if name == pki.OtherHost {
			c.setErr = conn.SetContext(other)
		}
		c.after = conn.Context()
		// A call that needs the object's lock fails instead of waiting
		// for the handshake that runs this callback.
		_, c.versionErr = conn.(*sslobj.SSLObject).GetPeerCertDER()
		calls = append(calls, c)
		return nil
	}))

	c, s := connected(t, clientCtx(t, p), sctx, sslobj.Options{ServerHostname: pki.OtherHost})
	require.Len(t, calls, 1)
	got := calls[0]
	assert.Same(t, s.Obj, got.conn, "the callback receives the SSLObject")
	assert.Equal(t, pki.OtherHost, got.name)
	assert.Same(t, sctx, got.ctx, "the callback receives the original context")
	assert.Same(t, sctx, got.before)
	assert.NoError(t, got.setErr)
	assert.Same(t, other, got.after)
	assert.ErrorIs(t, got.versionErr, sslobj.ErrInCallback)
	assert.Same(t, other, s.Obj.Context(), "the switch sticks")
	der, err := c.Obj.GetPeerCertDER()
	require.NoError(t, err)
	assert.Equal(t, p.ServerOther.DER, der, "the server presented the other context's certificate")

	// Without a switch the original certificate is used.
	calls = nil
	c, s = connected(t, clientCtx(t, p), sctx, sslobj.Options{ServerHostname: pki.Host})
	require.Len(t, calls, 1)
	assert.Equal(t, pki.Host, calls[0].name)
	assert.Same(t, sctx, s.Obj.Context())
	der, err = c.Obj.GetPeerCertDER()
	require.NoError(t, err)
	assert.Equal(t, p.ServerRSA.DER, der)
}

func TestSSLObjectSNICallbackNames(t *testing.T) {
	p := pki.ForTest(t)
	sctx := serverCtx(t, p, p.ServerRSA)
	var names []string
	require.NoError(t, sctx.SetSNICallback(func(conn sslctx.SNIConn, name string, ctx *sslctx.SSLContext) error {
		names = append(names, name)
		return nil
	}))
	cctx := clientCtx(t, p, checkHostname(false))
	for _, h := range []string{"pythön.test", pki.IP, "Example.Test"} {
		c, s := newPair(t, cctx, sctx, sslobj.Options{ServerHostname: h})
		memtest.Handshake(c, s)
	}
	assert.Equal(t, []string{"xn--pythn-mua.test", "", "Example.Test"}, names,
		"the A-label, none for an IP address, the case as sent")
}

func TestSSLObjectSNICallbackRejects(t *testing.T) {
	p := pki.ForTest(t)
	sentinel := errors.New("no such host here")
	for _, tc := range []struct {
		name        string
		ret         func() error
		clientLib   string
		clientRsn   string
		callbackErr bool
	}{
		{"alert", func() error { return sslctx.Alert(sslctx.AlertDescriptionUnrecognizedName) },
			"SSL", "TLSV1_UNRECOGNIZED_NAME", false},
		{"other alert", func() error { return sslctx.Alert(sslctx.AlertDescriptionAccessDenied) },
			"SSL", "TLSV1_ALERT_ACCESS_DENIED", false},
		{"error", func() error { return sentinel }, "SSL", "SSLV3_ALERT_HANDSHAKE_FAILURE", true},
		{"panic", func() error { panic(sentinel) }, "SSL", "SSLV3_ALERT_HANDSHAKE_FAILURE", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sctx := serverCtx(t, p, p.ServerRSA)
			require.NoError(t, sctx.SetSNICallback(func(sslctx.SNIConn, string, *sslctx.SSLContext) error {
				return tc.ret()
			}))
			c, s := newPair(t, clientCtx(t, p), sctx, sslobj.Options{ServerHostname: pki.Host})
			cerr, serr := memtest.Handshake(c, s)
			libReason(t, cerr, tc.clientLib, tc.clientRsn)
			if !tc.callbackErr {
				sslErr(t, serr, errors.ErrSSL, 1, "SSL", "CALLBACK_FAILED", "[SSL: CALLBACK_FAILED] callback failed")
				return
			}
			// The callback's error is the error of the server's handshake
			// step, with the SSL error as its context.
			var ce *errors.CallbackError
			require.True(t, errors.As(serr, &ce), "%T %v", serr, serr)
			assert.Equal(t, "sni", ce.Callback)
			assert.ErrorIs(t, serr, sentinel)
			assert.NotErrorIs(t, serr, errors.ErrSSL, "as in Python, the callback's error is not an SSLError")
			sslErr(t, ce.Context, errors.ErrSSL, 1, "SSL", "CALLBACK_FAILED", "[SSL: CALLBACK_FAILED] callback failed")
			// The next step reports only the SSL state.
			err := s.Obj.DoHandshake()
			require.Error(t, err)
			assert.False(t, errors.As(err, &ce))
		})
	}
}

func TestSSLObjectSetContextOutsideCallback(t *testing.T) {
	p := pki.ForTest(t)
	sctx := serverCtx(t, p, p.ServerRSA)
	other := serverCtx(t, p, p.ServerECDSA)
	c, s := newPair(t, clientCtx(t, p), sctx, sslobj.Options{ServerHostname: pki.Host})
	typeErr(t, s.Obj.SetContext(nil), "The value must be a SSLContext")
	require.NoError(t, s.Obj.SetContext(other))
	assert.Same(t, other, s.Obj.Context())
	cerr, serr := memtest.Handshake(c, s)
	require.NoError(t, cerr)
	require.NoError(t, serr)
	der, err := c.Obj.GetPeerCertDER()
	require.NoError(t, err)
	assert.Equal(t, p.ServerECDSA.DER, der)
}

func TestSSLObjectSetContextConcurrentWithHandshakes(t *testing.T) {
	p := pki.ForTest(t)
	sctx := serverCtx(t, p, p.ServerRSA)
	other := serverCtx(t, p, p.ServerOther)
	require.NoError(t, sctx.SetSNICallback(func(conn sslctx.SNIConn, name string, ctx *sslctx.SSLContext) error {
		return conn.SetContext(other)
	}))
	cctx := clientCtx(t, p)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				c, s := newPair(t, cctx, sctx, sslobj.Options{ServerHostname: pki.OtherHost})
				done := make(chan struct{})
				go func() {
					defer close(done)
					// Another goroutine switching the same object while
					// its handshake runs: the calls serialise.
					assert.NoError(t, s.Obj.SetContext(other))
				}()
				cerr, serr := memtest.Handshake(c, s)
				<-done
				assert.NoError(t, cerr)
				assert.NoError(t, serr)
			}
		}()
	}
	wg.Wait()
}
