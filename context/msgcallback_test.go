//go:build cgo

package sslctx_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/membio/membio/context"
	"github.com/membio/membio/errors"
	"github.com/membio/membio/tests/pki"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The message callback is read back as set and removed with nil
// (test_msg_callback); after Close it cannot be set and reads as nil.
func TestMsgCallbackGetterAndSetter(t *testing.T) {
	c := clientCtx(t)
	assert.Nil(t, c.MsgCallback())
	calls := 0
	cb := func(sslctx.SNIConn, string, sslctx.TLSVersion, sslctx.TLSContentType, int, []byte) error {
		calls++
		return nil
	}
	require.NoError(t, c.SetMsgCallback(cb))
	got := c.MsgCallback()
	require.NotNil(t, got)
	require.NoError(t, got(nil, "read", sslctx.TLSv1_3, sslctx.TLSContentTypeHandshake, 1, nil))
	assert.Equal(t, 1, calls, "the getter returns the callback that was set")
	require.NoError(t, c.SetMsgCallback(nil))
	assert.Nil(t, c.MsgCallback())
	require.NoError(t, c.SetMsgCallback(cb))
	require.NoError(t, c.Close())
	assert.Nil(t, c.MsgCallback())
	assert.ErrorIs(t, c.SetMsgCallback(cb), sslctx.ErrClosed)
}

type recordedMsg struct {
	conn        sslctx.SNIConn
	direction   string
	version     sslctx.TLSVersion
	contentType sslctx.TLSContentType
	msgType     int
	data        []byte
}

func (m recordedMsg) String() string {
	return fmt.Sprintf("%s %s %s %s", m.direction, m.version, m.contentType, sslctx.MsgTypeString(m.contentType, m.msgType))
}

type msgRecorder struct {
	mu   sync.Mutex
	msgs []recordedMsg
}

func (r *msgRecorder) cb(conn sslctx.SNIConn, direction string, version sslctx.TLSVersion, ct sslctx.TLSContentType, mt int, data []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, recordedMsg{conn, direction, version, ct, mt, data})
	return nil
}

func (r *msgRecorder) strings() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, len(r.msgs))
	for i, m := range r.msgs {
		out[i] = m.String()
	}
	return out
}

// A TLS 1.3 client's callback sees its ClientHello go out and the
// server's messages come in, each with the connection, the direction, the
// decoded types and the message bytes.
func TestMsgCallbackRecordsTheHandshake(t *testing.T) {
	p := pki.ForTest(t)
	cctx := clientCtx(t)
	var rec msgRecorder
	require.NoError(t, cctx.SetMsgCallback(rec.cb))
	client := newPeer(t, cctx, false, pki.Host)
	server := newPeer(t, serverCtx(t, p.ServerECDSA), true, "")
	handshake(client, server)
	require.NoError(t, client.err)
	require.NoError(t, server.err)

	got := rec.strings()
	assert.Contains(t, got, "write TLSv1 HEADER HANDSHAKE", "the first record header carries TLS 1.0")
	assert.Contains(t, got, "write TLSv1_3 HANDSHAKE CLIENT_HELLO")
	assert.Contains(t, got, "read TLSv1_3 HANDSHAKE SERVER_HELLO")
	assert.Contains(t, got, "read TLSv1_3 HANDSHAKE ENCRYPTED_EXTENSIONS")
	assert.Contains(t, got, "read TLSv1_3 HANDSHAKE CERTIFICATE_VERIFY")
	assert.Contains(t, got, "write TLSv1_3 HANDSHAKE FINISHED")
	for _, m := range rec.msgs {
		assert.Same(t, client, m.conn.(*peer))
		assert.NotEqual(t, sslctx.TLSContentTypeApplicationData, m.contentType, "never application data")
		if m.contentType == sslctx.TLSContentTypeHandshake {
			require.NotEmpty(t, m.data)
			assert.Equal(t, m.msgType, int(m.data[0]), "the handshake type is the first byte")
		}
		if m.contentType == sslctx.TLSContentTypeHeader {
			assert.Len(t, m.data, 5)
		}
	}
}

// An error returned by the message callback, or a panic in it, becomes the
// error of the handshake step that ran it (the first one), wrapped in a
// CallbackError; the handshake itself is not aborted.
func TestMsgCallbackErrorsBecomeTheCallsError(t *testing.T) {
	p := pki.ForTest(t)
	sentinel := errors.New("recorder full")
	for name, fail := range map[string]func() error{
		"error": func() error { return sentinel },
		"panic": func() error { panic(sentinel) },
	} {
		t.Run(name, func(t *testing.T) {
			cctx := clientCtx(t)
			n := 0
			require.NoError(t, cctx.SetMsgCallback(func(sslctx.SNIConn, string, sslctx.TLSVersion, sslctx.TLSContentType, int, []byte) error {
				n++
				if n == 2 { // the ClientHello, after its record header
					return fail()
				}
				return nil
			}))
			client := newPeer(t, cctx, false, pki.Host)
			server := newPeer(t, serverCtx(t, p.ServerRSA), true, "")
			assert.False(t, client.step())
			var ce *errors.CallbackError
			require.ErrorAs(t, client.err, &ce)
			assert.Equal(t, "msg_callback", ce.Callback)
			assert.ErrorIs(t, client.err, sentinel)
			assert.ErrorIs(t, ce.Context, errors.ErrWantRead, "the step itself wanted to read")
			if name == "panic" {
				var pe *errors.PanicError
				assert.ErrorAs(t, client.err, &pe)
			}
			// The ClientHello went out all the same; the handshake goes on.
			client.err = nil
			move(client, server)
			handshake(client, server)
			assert.NoError(t, client.err)
			assert.NoError(t, server.err)
			assert.Greater(t, n, 5)
		})
	}
}

// Removing the callback silences the objects created while it was set.
func TestMsgCallbackRemovalSilencesExistingObjects(t *testing.T) {
	p := pki.ForTest(t)
	cctx := clientCtx(t)
	var rec msgRecorder
	require.NoError(t, cctx.SetMsgCallback(rec.cb))
	client := newPeer(t, cctx, false, pki.Host)
	server := newPeer(t, serverCtx(t, p.ServerRSA), true, "")
	require.NoError(t, cctx.SetMsgCallback(nil))
	handshake(client, server)
	require.NoError(t, client.err)
	assert.Empty(t, rec.strings())
}
