//go:build cgo

package tests

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/membio/membio/errors"
	"github.com/membio/membio/sslobj"
	"github.com/membio/membio/tests/memtest"
	"github.com/membio/membio/tests/pki"
)

func TestSSLObjectHandshakeAndEchoInMemory(t *testing.T) {
	c, s := defaultPair(t)

	msg := []byte("hello over memory")
	got, err := memtest.Send(c, s, msg)
	require.NoError(t, err)
	assert.Equal(t, msg, got)

	big := bytes.Repeat([]byte("0123456789"), 10000)
	n, err := s.Obj.Write(big)
	require.NoError(t, err)
	assert.Equal(t, len(big), n)
	_, err = memtest.Transfer(s, c)
	require.NoError(t, err)
	var echoed []byte
	for len(echoed) < len(big) {
		b, err := c.Obj.Read(100000)
		require.NoError(t, err)
		echoed = append(echoed, b...)
	}
	assert.Equal(t, big, echoed)

	_, err = c.Obj.Read(10)
	wantRead(t, err)
	assert.Same(t, errors.WantRead(), err, "a plain want-read is the shared value")
}

func TestSSLObjectDoHandshakeWithoutPeerBytesWantsRead(t *testing.T) {
	p := pki.ForTest(t)
	c, s := newPair(t, clientCtx(t, p), serverCtx(t, p, p.ServerRSA), sslobj.Options{ServerHostname: pki.Host})

	wantRead(t, c.Obj.DoHandshake())
	assert.Greater(t, c.Out.Pending(), 0, "the ClientHello is in outgoing")
	wantRead(t, s.Obj.DoHandshake())
	assert.Equal(t, 0, s.Out.Pending(), "a server with no input writes nothing")

	cerr, serr := memtest.Handshake(c, s)
	require.NoError(t, cerr)
	require.NoError(t, serr)
	assert.NoError(t, c.Obj.DoHandshake(), "a finished handshake returns nil again")
	assert.NoError(t, s.Obj.DoHandshake())
}

func TestSSLObjectReadAndWriteBeforeHandshakeRunTheHandshake(t *testing.T) {
	p := pki.ForTest(t)
	for _, op := range []string{"read", "readinto", "write"} {
		t.Run(op, func(t *testing.T) {
			c := newPeer(t, clientCtx(t, p), sslobj.Options{ServerHostname: pki.Host})
			var err error
			switch op {
			case "read":
				_, err = c.Obj.Read(10)
			case "readinto":
				_, err = c.Obj.ReadInto(make([]byte, 10))
			case "write":
				_, err = c.Obj.Write([]byte("x"))
			}
			wantRead(t, err)
			ch, err := c.Out.Read(-1)
			require.NoError(t, err)
			require.NotEmpty(t, ch)
			assert.Equal(t, byte(0x16), ch[0], "a handshake record (ClientHello) was written")
		})
	}
}

func TestSSLObjectBeforeHandshakeAccessorsReportNone(t *testing.T) {
	p := pki.ForTest(t)
	c, s := newPair(t, clientCtx(t, p), serverCtx(t, p, p.ServerRSA), sslobj.Options{ServerHostname: pki.Host})
	for _, peer := range []*memtest.Peer{c, s} {
		o := peer.Obj
		_, ok := o.Cipher()
		assert.False(t, ok, "cipher")
		_, ok = o.Version()
		assert.False(t, ok, "version")
		_, ok = o.SharedCiphers()
		assert.False(t, ok, "shared ciphers")
		cb, err := o.GetChannelBinding("tls-unique")
		assert.NoError(t, err)
		assert.Nil(t, cb, "channel binding")
		_, ok = o.SelectedALPNProtocol()
		assert.False(t, ok, "alpn")
		_, ok = o.SelectedNPNProtocol()
		assert.False(t, ok, "npn")
		_, ok = o.Compression()
		assert.False(t, ok, "compression")
		assert.Nil(t, o.Session(), "session")
		assert.False(t, o.SessionReused())
		assert.Equal(t, 0, o.Pending())
		_, err = o.GetPeerCert()
		valueErr(t, err, "handshake not done yet")
		_, err = o.GetPeerCertDER()
		valueErr(t, err, "handshake not done yet")
		_, err = o.GetPeerX509()
		valueErr(t, err, "handshake not done yet")
		_, err = o.GetChannelBinding("tls-server-end-point")
		valueErr(t, err, "'tls-server-end-point' channel binding type not implemented")
		ch, err := o.GetVerifiedChain()
		assert.NoError(t, err)
		assert.Empty(t, ch)
		ch, err = o.GetUnverifiedChain()
		assert.NoError(t, err)
		assert.Empty(t, ch)
	}
	assert.False(t, c.Obj.ServerSide())
	assert.True(t, s.Obj.ServerSide())
	assert.Equal(t, pki.Host, c.Obj.ServerHostname())
	assert.Equal(t, "", s.Obj.ServerHostname())
}

func TestSSLObjectUnwrapBeforeHandshakeIsShutdownWhileInInit(t *testing.T) {
	p := pki.ForTest(t)
	c := newPeer(t, clientCtx(t, p), sslobj.Options{ServerHostname: pki.Host})
	sslErr(t, c.Obj.Unwrap(), errors.ErrSSL, 1, "SSL", "SHUTDOWN_WHILE_IN_INIT",
		"[SSL: SHUTDOWN_WHILE_IN_INIT] shutdown while in init")
}

func TestSSLObjectReadLengthRules(t *testing.T) {
	c, s := defaultPair(t)

	_, err := c.Obj.Read(-1)
	valueErr(t, err, "size should not be negative")

	_, err = s.Obj.Write([]byte("hello"))
	require.NoError(t, err)
	_, err = memtest.Transfer(s, c)
	require.NoError(t, err)

	b, err := c.Obj.Read(0)
	require.NoError(t, err)
	assert.NotNil(t, b)
	assert.Empty(t, b, "read(0) returns empty without OpenSSL")
	assert.Equal(t, 0, c.Obj.Pending(), "read(0) did not decrypt the record")

	b, err = c.Obj.Read(2)
	require.NoError(t, err)
	assert.Equal(t, []byte("he"), b)
	assert.Equal(t, 3, c.Obj.Pending(), "the rest of the record is buffered plaintext")

	n, err := c.Obj.ReadInto(nil)
	require.NoError(t, err)
	assert.Equal(t, 0, n, "an empty buffer reads nothing")

	buf := bytes.Repeat([]byte{'z'}, 10)
	n, err = c.Obj.ReadInto(buf)
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	assert.Equal(t, []byte("llozzzzzzz"), buf, "the rest of the buffer is untouched")
	assert.Equal(t, 0, c.Obj.Pending())

	_, err = s.Obj.Write([]byte("0123456789"))
	require.NoError(t, err)
	_, err = memtest.Transfer(s, c)
	require.NoError(t, err)
	small := make([]byte, 4)
	n, err = c.Obj.ReadInto(small)
	require.NoError(t, err)
	assert.Equal(t, 4, n)
	assert.Equal(t, []byte("0123"), small)
	b, err = c.Obj.Read(100)
	require.NoError(t, err)
	assert.Equal(t, []byte("456789"), b)
}

func TestSSLObjectPendingCountsOnlyDecryptedBytes(t *testing.T) {
	c, s := defaultPair(t)
	_, err := s.Obj.Write([]byte("abcde"))
	require.NoError(t, err)
	_, err = memtest.Transfer(s, c)
	require.NoError(t, err)
	assert.Greater(t, c.In.Pending(), 0)
	assert.Equal(t, 0, c.Obj.Pending(), "ciphertext in the incoming BIO is not pending plaintext")
	b, err := c.Obj.Read(2)
	require.NoError(t, err)
	assert.Equal(t, "ab", string(b))
	assert.Equal(t, 3, c.Obj.Pending())
}

func TestSSLObjectWriteEmptyAfterHandshakeWritesNothing(t *testing.T) {
	c, _ := defaultPair(t)
	before := c.Out.Pending()
	n, err := c.Obj.Write(nil)
	require.NoError(t, err)
	assert.Equal(t, 0, n)
	n, err = c.Obj.Write([]byte{})
	require.NoError(t, err)
	assert.Equal(t, 0, n)
	assert.Equal(t, before, c.Out.Pending())
}

func TestSSLObjectLargeWritesCompleteInOneCall(t *testing.T) {
	c, s := defaultPair(t)
	for _, size := range []int{100000, 10 << 20} {
		data := bytes.Repeat([]byte{0xab}, size)
		n, err := c.Obj.Write(data)
		require.NoError(t, err)
		assert.Equal(t, size, n)
		assert.Greater(t, c.Out.Pending(), size, "records and overhead are all in outgoing")
		_, err = memtest.Transfer(c, s)
		require.NoError(t, err)
		total := 0
		buf := make([]byte, 1<<16)
		for {
			n, err := s.Obj.ReadInto(buf)
			if memtest.IsWantRead(err) {
				break
			}
			require.NoError(t, err)
			require.LessOrEqual(t, n, 16384, "one read returns at most one record")
			total += n
		}
		assert.Equal(t, size, total)
	}
}

func TestSSLObjectErrorQueueIsEmptyAfterCalls(t *testing.T) {
	c, s := defaultPair(t)
	_, err := c.Obj.Read(10)
	wantRead(t, err)
	// A failing call leaves nothing behind for the next one: after a
	// protocol error on a fresh pair, a new pair works.
	p := pki.ForTest(t)
	bad := newPeer(t, serverCtx(t, p, p.ServerRSA), sslobj.Options{ServerSide: true})
	_, err = bad.In.Write([]byte("GET / HTTP/1.0\r\n\r\n"))
	require.NoError(t, err)
	libReason(t, bad.Obj.DoHandshake(), "SSL", "HTTP_REQUEST")
	got, err := memtest.Send(s, c, []byte("still fine"))
	require.NoError(t, err)
	assert.Equal(t, "still fine", string(got))
}
