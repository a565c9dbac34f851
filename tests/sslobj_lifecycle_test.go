//go:build cgo

package tests

import (
	"bytes"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/membio/membio/bio"
	"github.com/membio/membio/errors"
	"github.com/membio/membio/sslobj"
	"github.com/membio/membio/tests/memtest"
	"github.com/membio/membio/tests/pki"
)

func TestNewRefusesMismatchedContextSide(t *testing.T) {
	p := pki.ForTest(t)
	in, out := newBIOs(t)
	_, err := sslobj.New(clientCtx(t, p), in, out, sslobj.Options{ServerSide: true})
	sslErr(t, err, errors.ErrSSL, 0, "", "", "Cannot create a server socket with a PROTOCOL_TLS_CLIENT context")
	_, err = sslobj.New(serverCtx(t, p, p.ServerRSA), in, out, sslobj.Options{})
	sslErr(t, err, errors.ErrSSL, 0, "", "", "Cannot create a client socket with a PROTOCOL_TLS_SERVER context")
}

func TestNewRejectsMissingArguments(t *testing.T) {
	p := pki.ForTest(t)
	in, out := newBIOs(t)
	ctx := clientCtx(t, p)
	_, err := sslobj.New(nil, in, out, sslobj.Options{})
	assert.ErrorIs(t, err, errors.ErrType)
	_, err = sslobj.New(ctx, nil, out, sslobj.Options{})
	typeErr(t, err, "_wrap_bio() argument 'incoming' must be _ssl.MemoryBIO, not None")
	_, err = sslobj.New(ctx, in, nil, sslobj.Options{})
	typeErr(t, err, "_wrap_bio() argument 'outgoing' must be _ssl.MemoryBIO, not None")
	closed, err := bio.New()
	require.NoError(t, err)
	require.NoError(t, closed.Close())
	_, err = sslobj.New(ctx, closed, out, sslobj.Options{})
	assert.ErrorIs(t, err, bio.ErrClosed)
}

func TestSSLObjectCallsAfterCloseReturnErrClosed(t *testing.T) {
	c, s := defaultPair(t)
	sess := c.Obj.Session()
	require.NoError(t, c.Obj.Close())
	require.NoError(t, c.Obj.Close(), "Close is idempotent")
	o := c.Obj

	assert.ErrorIs(t, o.DoHandshake(), sslobj.ErrClosed)
	_, err := o.Read(10)
	assert.ErrorIs(t, err, sslobj.ErrClosed)
	_, err = o.Read(0)
	assert.ErrorIs(t, err, sslobj.ErrClosed)
	_, err = o.ReadInto(make([]byte, 10))
	assert.ErrorIs(t, err, sslobj.ErrClosed)
	_, err = o.ReadInto(nil)
	assert.ErrorIs(t, err, sslobj.ErrClosed)
	_, err = o.Write([]byte("x"))
	assert.ErrorIs(t, err, sslobj.ErrClosed)
	assert.ErrorIs(t, o.Unwrap(), sslobj.ErrClosed)
	assert.ErrorIs(t, o.VerifyClientPostHandshake(), sslobj.ErrClosed)
	assert.ErrorIs(t, o.SetSession(sess), sslobj.ErrClosed)
	assert.ErrorIs(t, o.SetContext(o.Context()), sslobj.ErrClosed)
	_, err = o.GetPeerCert()
	assert.ErrorIs(t, err, sslobj.ErrClosed)
	_, err = o.GetPeerCertDER()
	assert.ErrorIs(t, err, sslobj.ErrClosed)
	_, err = o.GetPeerX509()
	assert.ErrorIs(t, err, sslobj.ErrClosed)
	_, err = o.GetVerifiedChain()
	assert.ErrorIs(t, err, sslobj.ErrClosed)
	_, err = o.GetUnverifiedChain()
	assert.ErrorIs(t, err, sslobj.ErrClosed)
	_, err = o.GetChannelBinding("tls-unique")
	assert.ErrorIs(t, err, sslobj.ErrClosed)
	assert.ErrorIs(t, err, errors.ErrValue)

	assert.Equal(t, 0, o.Pending())
	_, ok := o.Cipher()
	assert.False(t, ok)
	_, ok = o.SharedCiphers()
	assert.False(t, ok)
	_, ok = o.Version()
	assert.False(t, ok)
	_, ok = o.Compression()
	assert.False(t, ok)
	_, ok = o.SelectedALPNProtocol()
	assert.False(t, ok)
	assert.False(t, o.SessionReused())
	assert.Nil(t, o.Session())
	assert.NotNil(t, o.Context(), "the context reference stays")
	assert.False(t, o.ServerSide())
	assert.Equal(t, pki.Host, o.ServerHostname())

	// The peer is unaffected.
	_, err = s.Obj.Write([]byte("still works"))
	assert.NoError(t, err)
}

func TestSSLObjectOutlivesClosedMemoryBIOs(t *testing.T) {
	c, s := defaultPair(t)
	// The object holds its own references to the buffers: closing the Go
	// owners of the client's BIOs does not break it.
	require.NoError(t, c.In.Close())
	require.NoError(t, c.Out.Close())
	_, err := c.Obj.Write([]byte("into a closed BIO"))
	assert.NoError(t, err)
	_, err = c.Obj.Read(5)
	wantRead(t, err)
	_, err = s.Obj.Write([]byte("x"))
	assert.NoError(t, err)
}

func TestSSLObjectAndBIOsCloseInAnyOrder(t *testing.T) {
	p := pki.ForTest(t)
	for i := 0; i < 3; i++ {
		in, out := newBIOs(t)
		o, err := sslobj.New(clientCtx(t, p), in, out, sslobj.Options{ServerHostname: pki.Host})
		require.NoError(t, err)
		wantRead(t, o.DoHandshake())
		switch i {
		case 0:
			require.NoError(t, o.Close())
			require.NoError(t, in.Close())
			require.NoError(t, out.Close())
		case 1:
			require.NoError(t, in.Close())
			require.NoError(t, out.Close())
			require.NoError(t, o.Close())
		case 2:
			require.NoError(t, out.Close())
			require.NoError(t, o.Close())
			require.NoError(t, in.Close())
		}
	}
}

func TestSSLObjectGarbageCollectedWithoutClose(t *testing.T) {
	p := pki.ForTest(t)
	ctx := clientCtx(t, p)
	for i := 0; i < 50; i++ {
		in, out := newBIOs(t)
		o, err := sslobj.New(ctx, in, out, sslobj.Options{ServerHostname: pki.Host})
		require.NoError(t, err)
		wantRead(t, o.DoHandshake())
	}
	runtime.GC()
	runtime.GC()
}

func TestSSLObjectConcurrentUseIsSerialised(t *testing.T) {
	c, s := defaultPair(t)
	const writers, perWriter = 4, 200
	msg := bytes.Repeat([]byte("m"), 100)

	var wg sync.WaitGroup
	done := make(chan struct{})
	var received int
	// Writers on the client.
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				_, err := c.Obj.Write(msg)
				if !assert.NoError(t, err) {
					return
				}
			}
		}()
	}
	// A pump moving ciphertext from the client's outgoing BIO into the
	// server's incoming BIO, while the server reads in another goroutine.
	pumpDone := make(chan struct{})
	go func() {
		defer close(pumpDone)
		buf := make([]byte, 4096)
		for {
			n, err := c.Out.ReadInto(buf)
			if !assert.NoError(t, err) {
				return
			}
			if n > 0 {
				_, err = s.In.Write(buf[:n])
				assert.NoError(t, err)
				continue
			}
			select {
			case <-done:
				if c.Out.Pending() == 0 {
					return
				}
			default:
				runtime.Gosched()
			}
		}
	}()
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		buf := make([]byte, 16384)
		for received < writers*perWriter*len(msg) {
			n, err := s.Obj.ReadInto(buf)
			if memtest.IsWantRead(err) {
				runtime.Gosched()
				continue
			}
			if !assert.NoError(t, err) {
				return
			}
			received += n
		}
	}()
	// Readers of accessors hammering the same objects.
	for r := 0; r < 2; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				c.Obj.Pending()
				c.Obj.Cipher()
				c.Obj.Version()
				s.Obj.Pending()
				c.In.Pending()
				s.Out.Pending()
			}
		}()
	}
	wg.Wait()
	close(done)
	<-pumpDone
	<-readerDone
	assert.Equal(t, writers*perWriter*len(msg), received)
}

func TestSSLObjectCloseRacesWithCalls(t *testing.T) {
	for round := 0; round < 20; round++ {
		c, s := defaultPair(t)
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				buf := make([]byte, 64)
				for i := 0; i < 50; i++ {
					var err error
					switch (g + i) % 5 {
					case 0:
						_, err = c.Obj.Write([]byte("data"))
					case 1:
						_, err = c.Obj.ReadInto(buf)
					case 2:
						_, err = c.Obj.GetPeerCertDER()
					case 3:
						_, err = memtest.Transfer(c, s)
					case 4:
						err = c.Obj.Close()
					}
					if err != nil && !errors.Is(err, sslobj.ErrClosed) && !errors.Is(err, errors.ErrWantRead) {
						t.Errorf("unexpected error %v", err)
					}
				}
			}(g)
		}
		wg.Wait()
		c.Obj.Close()
		_, err := c.Obj.Write([]byte("x"))
		assert.ErrorIs(t, err, sslobj.ErrClosed)
	}
}
