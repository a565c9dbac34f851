//go:build cgo

package tests

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/membio/membio/context"
	"github.com/membio/membio/errors"
	"github.com/membio/membio/sslobj"
	"github.com/membio/membio/tests/memtest"
	"github.com/membio/membio/tests/pki"
	"github.com/membio/membio/tests/pypeer"
)

// msgLog records what a message callback receives.
type msgLog struct {
	mu    sync.Mutex
	conns []sslctx.SNIConn
	msgs  []string // "direction version content-type msg-type length"
}

func (l *msgLog) callback(conn sslctx.SNIConn, direction string, version sslctx.TLSVersion, ct sslctx.TLSContentType, mt int, data []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.conns = append(l.conns, conn)
	l.msgs = append(l.msgs, fmt.Sprintf("%s %d %d %d %d", direction, int(version), int(ct), mt, len(data)))
	return nil
}

func (l *msgLog) has(direction string, version sslctx.TLSVersion, ct sslctx.TLSContentType, mt int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	prefix := fmt.Sprintf("%s %d %d %d ", direction, int(version), int(ct), mt)
	for _, m := range l.msgs {
		if len(m) > len(prefix) && m[:len(prefix)] == prefix {
			return true
		}
	}
	return false
}

func msgCallback(l *msgLog) ctxOpt {
	return func(t testing.TB, c *sslctx.SSLContext) { require.NoError(t, c.SetMsgCallback(l.callback)) }
}

// test_msg_callback_tls12: a TLS 1.2 client's callback sees the server's
// ServerKeyExchange come in and its own ChangeCipherSpec go out, and
// receives the SSLObject as the connection.
func TestSSLObjectMsgCallbackTLS12(t *testing.T) {
	p := pki.ForTest(t)
	var log msgLog
	c, _ := connected(t, clientCtx(t, p, maxVersion(tls12), msgCallback(&log)), serverCtx(t, p, p.ServerRSA),
		sslobj.Options{ServerHostname: pki.Host})
	assert.True(t, log.has("read", sslctx.TLSv1_2, sslctx.TLSContentTypeHandshake, int(sslctx.TLSMessageTypeServerKeyExchange)))
	assert.True(t, log.has("write", sslctx.TLSv1_2, sslctx.TLSContentTypeChangeCipherSpec, int(sslctx.TLSMessageTypeChangeCipherSpec)))
	require.NotEmpty(t, log.conns)
	for _, conn := range log.conns {
		assert.Same(t, c.Obj, conn)
	}
}

// pyMsgScript runs a client/server handshake over MemoryBIOs with Python's
// ssl and prints what the client's _msg_callback received.
const pyMsgScript = `
import json, ssl, sys
ca, chain, key, host, maxv = sys.argv[1:6]
cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
cctx.load_verify_locations(ca)
if maxv == "12":
    cctx.maximum_version = ssl.TLSVersion.TLSv1_2
sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
sctx.load_cert_chain(chain, key)
msgs = []
def cb(conn, direction, version, content_type, msg_type, data):
    assert isinstance(conn, ssl.SSLObject)
    msgs.append("%s %d %d %d %d" % (direction, version, content_type, msg_type, len(data)))
cctx._msg_callback = cb
cin, cout, sin, sout = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
c = cctx.wrap_bio(cin, cout, server_hostname=host)
s = sctx.wrap_bio(sin, sout, server_side=True)
cdone = sdone = False
for _ in range(20):
    if not cdone:
        try:
            c.do_handshake(); cdone = True
        except ssl.SSLWantReadError:
            pass
    sin.write(cout.read())
    if not sdone:
        try:
            s.do_handshake(); sdone = True
        except ssl.SSLWantReadError:
            pass
    cin.write(sout.read())
    if cdone and sdone:
        break
s.write(b"ping")
cin.write(sout.read())
assert c.read(4) == b"ping"
json.dump(msgs, sys.stdout)
`

// The client's message callback receives, in TLS 1.2 and 1.3, the same
// messages in the same order, with the same direction, version, content
// type, message type and length, as Python's _msg_callback does for the
// same handshake and first read.
func TestSSLObjectMsgCallbackMatchesPython(t *testing.T) {
	p := pki.ForTest(t)
	py, err := pypeer.Python()
	require.NoError(t, err, "python3 is needed for the parity tests (make deps)")
	for _, v := range []int{tls12, tls13} {
		t.Run(versionName(v), func(t *testing.T) {
			maxv := "13"
			if v == tls12 {
				maxv = "12"
			}
			out, err := exec.Command(py, "-c", pyMsgScript, p.CAFile, p.ServerRSA.ChainFile, p.ServerRSA.KeyFile, pki.Host, maxv).Output()
			require.NoError(t, err)
			var want []string
			require.NoError(t, json.Unmarshal(out, &want))

			var log msgLog
			c, s := connected(t, clientCtx(t, p, maxVersion(v), msgCallback(&log)), serverCtx(t, p, p.ServerRSA),
				sslobj.Options{ServerHostname: pki.Host})
			got, err := memtest.Send(s, c, []byte("ping"))
			require.NoError(t, err)
			require.Equal(t, "ping", string(got))
			log.mu.Lock()
			defer log.mu.Unlock()
			assert.Equal(t, want, log.msgs)
			assert.Greater(t, len(want), 10)
		})
	}
}

// test_msg_callback_deadlock_bpo43577: a server whose message callback and
// SNI callback are both set, and whose SNI callback switches to a context
// without a message callback, completes its handshakes; once switched,
// the object follows the new context's (absent) callback, while a second
// context with its own callback receives the rest.
func TestSSLObjectMsgCallbackWithSNIContextSwitch(t *testing.T) {
	p := pki.ForTest(t)
	var log, log2 msgLog
	sctx := serverCtx(t, p, p.ServerRSA, msgCallback(&log))
	plain := serverCtx(t, p, p.ServerRSA)
	logged := serverCtx(t, p, p.ServerRSA, msgCallback(&log2))
	target := plain
	require.NoError(t, sctx.SetSNICallback(func(conn sslctx.SNIConn, _ string, _ *sslctx.SSLContext) error {
		return conn.SetContext(target)
	}))
	for i := 0; i < 2; i++ {
		connectedWithin(t, clientCtx(t, p), sctx, sslobj.Options{ServerHostname: pki.Host})
	}
	assert.True(t, log.has("read", sslctx.TLSv1_3, sslctx.TLSContentTypeHandshake, int(sslctx.TLSMessageTypeClientHello)))
	assert.False(t, log.has("write", sslctx.TLSv1_3, sslctx.TLSContentTypeHandshake, int(sslctx.TLSMessageTypeServerHello)),
		"after the switch the object follows the new context")

	target = logged
	connected(t, clientCtx(t, p), sctx, sslobj.Options{ServerHostname: pki.Host})
	assert.True(t, log2.has("write", sslctx.TLSv1_3, sslctx.TLSContentTypeHandshake, int(sslctx.TLSMessageTypeServerHello)),
		"the new context's callback takes over")
	assert.False(t, log2.has("read", sslctx.TLSv1_3, sslctx.TLSContentTypeHandshake, int(sslctx.TLSMessageTypeClientHello)))
}

// Inside the callback the SSLObject's lock-free getters work and the other
// methods fail with ErrInCallback instead of deadlocking; an error the
// callback returns during Write is Write's error, and the data is sent.
func TestSSLObjectMsgCallbackReentryAndErrors(t *testing.T) {
	p := pki.ForTest(t)
	sentinel := errors.New("stop logging")
	var mu sync.Mutex
	var sides []bool
	var lockedErr error
	fail := false
	cctx := clientCtx(t, p, func(t testing.TB, c *sslctx.SSLContext) {
		require.NoError(t, c.SetMsgCallback(func(conn sslctx.SNIConn, direction string, _ sslctx.TLSVersion, ct sslctx.TLSContentType, _ int, _ []byte) error {
			mu.Lock()
			defer mu.Unlock()
			sides = append(sides, conn.ServerSide())
			if conn.ServerHostname() != pki.Host || conn.Context() != c {
				return errors.New("wrong getters")
			}
			_, lockedErr = conn.(*sslobj.SSLObject).GetPeerCertDER()
			if fail && direction == "write" && ct == sslctx.TLSContentTypeHeader {
				return sentinel
			}
			return nil
		}))
	})
	c, s := connectedWithin(t, cctx, serverCtx(t, p, p.ServerECDSA), sslobj.Options{ServerHostname: pki.Host})
	mu.Lock()
	assert.NotEmpty(t, sides)
	for _, side := range sides {
		assert.False(t, side)
	}
	assert.ErrorIs(t, lockedErr, sslobj.ErrInCallback)
	fail = true
	mu.Unlock()

	n, err := c.Obj.Write([]byte("data"))
	assert.Equal(t, 4, n, "the write happened")
	var ce *errors.CallbackError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "msg_callback", ce.Callback)
	assert.ErrorIs(t, err, sentinel)
	assert.Nil(t, ce.Context, "the write itself succeeded")
	_, err = memtest.Transfer(c, s)
	require.NoError(t, err)
	got, err := s.Obj.Read(16)
	require.NoError(t, err)
	assert.Equal(t, "data", string(got))
}

// connectedWithin is connected with a deadline: the handshake runs on
// another goroutine, so a deadlock inside a callback fails the test instead
// of hanging it.
func connectedWithin(t *testing.T, cctx, sctx *sslctx.SSLContext, copts sslobj.Options) (c, s *memtest.Peer) {
	t.Helper()
	c, s = newPair(t, cctx, sctx, copts)
	type result struct{ cerr, serr error }
	done := make(chan result, 1)
	go func() {
		cerr, serr := memtest.Handshake(c, s)
		done <- result{cerr, serr}
	}()
	select {
	case r := <-done:
		require.NoError(t, r.cerr)
		require.NoError(t, r.serr)
	case <-time.After(20 * time.Second):
		t.Fatal("the handshake did not finish: a callback deadlocked")
	}
	return c, s
}

// SetCiphersuites decides the TLS 1.3 suite the handshake picks.
func TestSSLObjectCiphersuitesChooseTheTLS13Suite(t *testing.T) {
	p := pki.ForTest(t)
	for _, suite := range []string{"TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256", "TLS_AES_128_CCM_SHA256"} {
		cctx := clientCtx(t, p, func(t testing.TB, c *sslctx.SSLContext) { require.NoError(t, c.SetCiphersuites(suite)) })
		sctx := serverCtx(t, p, p.ServerRSA, func(t testing.TB, c *sslctx.SSLContext) {
			require.NoError(t, c.SetCiphersuites("TLS_AES_256_GCM_SHA384:"+suite))
		})
		c, s := connected(t, cctx, sctx, sslobj.Options{ServerHostname: pki.Host})
		for _, o := range []*sslobj.SSLObject{c.Obj, s.Obj} {
			ci, ok := o.Cipher()
			require.True(t, ok)
			assert.Equal(t, suite, ci.Name)
			assert.Equal(t, "TLSv1.3", ci.Protocol)
		}
	}
	// No common TLS 1.3 suite: the handshake fails.
	cctx := clientCtx(t, p, maxVersion(tls13), minVersion(tls13),
		func(t testing.TB, c *sslctx.SSLContext) {
			require.NoError(t, c.SetCiphersuites("TLS_AES_128_GCM_SHA256"))
		})
	sctx := serverCtx(t, p, p.ServerRSA,
		func(t testing.TB, c *sslctx.SSLContext) {
			require.NoError(t, c.SetCiphersuites("TLS_AES_256_GCM_SHA384"))
		})
	c, s := newPair(t, cctx, sctx, sslobj.Options{ServerHostname: pki.Host})
	_, serr := memtest.Handshake(c, s)
	var se *errors.SSLError
	require.ErrorAs(t, serr, &se)
	assert.Equal(t, "NO_SHARED_CIPHER", se.Reason)
}
