//go:build cgo

package tests

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
	"golang.org/x/net/nettest"

	sslctx "github.com/membio/membio/context"
	merrors "github.com/membio/membio/errors"
	"github.com/membio/membio/sslobj"
	"github.com/membio/membio/tests/pki"
)

// loopback returns a connected pair of TCP connections on 127.0.0.1.
func loopback(t testing.TB) (client, server net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := l.Accept()
		ch <- res{c, err}
	}()
	client, err = net.Dial("tcp", l.Addr().String())
	require.NoError(t, err)
	r := <-ch
	require.NoError(t, r.err)
	return client, r.c
}

// handshakeBoth runs both handshakes concurrently.
func handshakeBoth(a, b interface{ Handshake() error }) (errA, errB error) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); errB = b.Handshake() }()
	errA = a.Handshake()
	wg.Wait()
	return errA, errB
}

func membioConnPair(t testing.TB, c1, c2 net.Conn, cctx, sctx *sslctx.SSLContext) (client, server *sslobj.Conn) {
	t.Helper()
	client, err := sslobj.Client(c1, cctx, sslobj.Options{ServerHostname: pki.Host})
	require.NoError(t, err)
	server, err = sslobj.Server(c2, sctx)
	require.NoError(t, err)
	return client, server
}

// The standard net.Conn conformance suite, over loopback TCP and over
// net.Pipe, with membio on both ends.
func TestConnPassesNettestConformance(t *testing.T) {
	p := pki.ForTest(t)
	cctx := clientCtx(t, p)
	sctx := serverCtx(t, p, p.ServerECDSA)
	for _, transport := range []string{"tcp", "pipe"} {
		t.Run(transport, func(t *testing.T) {
			nettest.TestConn(t, func() (net.Conn, net.Conn, func(), error) {
				var c1, c2 net.Conn
				if transport == "tcp" {
					c1, c2 = loopback(t)
				} else {
					c1, c2 = net.Pipe()
				}
				client, server := membioConnPair(t, c1, c2, cctx, sctx)
				if err, serr := handshakeBoth(client, server); err != nil || serr != nil {
					return nil, nil, nil, fmt.Errorf("handshake: %v / %v", err, serr)
				}
				stop := func() {
					// The server's transport goes first, so the client's
					// close_notify finds no reader instead of waiting
					// for one on a synchronous pipe.
					server.NetConn().Close()
					client.Close()
					server.Close()
				}
				return client, server, stop, nil
			})
		})
	}
}

func TestConnStateMatchesCryptoTLSPeer(t *testing.T) {
	p := pki.ForTest(t)
	c1, c2 := loopback(t)
	cctx := clientCtx(t, p, alpn("h2", "http/1.1"))
	client, err := sslobj.Client(c1, cctx, sslobj.Options{ServerHostname: pki.Host})
	require.NoError(t, err)
	defer client.Close()
	server := tls.Server(c2, &tls.Config{
		Certificates: []tls.Certificate{p.ServerECDSA.TLS},
		NextProtos:   []string{"h2"},
		MinVersion:   tls.VersionTLS12,
	})
	defer server.Close()
	cerr, serr := handshakeBoth(client, server)
	require.NoError(t, cerr)
	require.NoError(t, serr)

	cs := client.ConnectionState()
	ss := server.ConnectionState()
	assert.True(t, cs.HandshakeComplete)
	assert.Equal(t, ss.Version, cs.Version)
	assert.Equal(t, ss.CipherSuite, cs.CipherSuite)
	assert.Equal(t, "h2", cs.NegotiatedProtocol)
	assert.True(t, cs.NegotiatedProtocolIsMutual)
	assert.Equal(t, pki.Host, cs.ServerName)
	assert.Equal(t, pki.Host, ss.ServerName)
	assert.False(t, cs.DidResume)
	require.NotEmpty(t, cs.PeerCertificates)
	assert.Equal(t, p.ServerECDSA.DER, cs.PeerCertificates[0].Raw)
	require.Len(t, cs.VerifiedChains, 1)
	assert.Equal(t, p.Root.DER, cs.VerifiedChains[0][len(cs.VerifiedChains[0])-1].Raw)
	assert.Equal(t, ss.CurveID, cs.CurveID)
	assert.NotZero(t, cs.CurveID)
	assert.NoError(t, client.VerifyHostname(pki.Host))
	assert.Error(t, client.VerifyHostname(pki.WrongHost))

	// The exporter agrees with crypto/tls's, with and without context.
	for _, ctxt := range [][]byte{nil, {}, []byte("context bytes")} {
		mine, err := client.ExportKeyingMaterial("EXPERIMENTAL membio", ctxt, 42)
		require.NoError(t, err)
		theirs, err := ss.ExportKeyingMaterial("EXPERIMENTAL membio", ctxt, 42)
		require.NoError(t, err)
		assert.Equal(t, theirs, mine, "context %q", ctxt)
	}
	_, err = client.ExportKeyingMaterial("master secret", nil, 10)
	assert.ErrorIs(t, err, merrors.ErrValue)

	// Data both ways, then close_notify both ways.
	go func() {
		io.Copy(server, server)
		server.Close()
	}()
	msg := make([]byte, 300000)
	rand.Read(msg)
	go func() {
		client.Write(msg)
		client.CloseWrite()
	}()
	got, err := io.ReadAll(client)
	require.NoError(t, err, "the peer's close_notify is io.EOF")
	assert.Equal(t, sha256.Sum256(msg), sha256.Sum256(got))
}

func TestConnServerAgainstCryptoTLSClientTLS12(t *testing.T) {
	p := pki.ForTest(t)
	c1, c2 := loopback(t)
	server, err := sslobj.Server(c2, serverCtx(t, p, p.ServerRSA, alpn("http/1.1")))
	require.NoError(t, err)
	defer server.Close()
	client := tls.Client(c1, &tls.Config{
		RootCAs: p.RootPool(), ServerName: pki.Host, MaxVersion: tls.VersionTLS12,
		NextProtos: []string{"http/1.1"},
	})
	defer client.Close()
	cerr, serr := handshakeBoth(server, client)
	require.NoError(t, cerr)
	require.NoError(t, serr)
	ss, cs := server.ConnectionState(), client.ConnectionState()
	assert.Equal(t, uint16(tls.VersionTLS12), ss.Version)
	assert.Equal(t, cs.CipherSuite, ss.CipherSuite)
	assert.Equal(t, pki.Host, ss.ServerName)
	assert.Equal(t, "http/1.1", ss.NegotiatedProtocol)
	assert.Equal(t, cs.TLSUnique, ss.TLSUnique)
	assert.NotEmpty(t, ss.TLSUnique)
	assert.Empty(t, ss.PeerCertificates)
	mine, err := server.ExportKeyingMaterial("EXPERIMENTAL x", nil, 32)
	require.NoError(t, err)
	theirs, err := cs.ExportKeyingMaterial("EXPERIMENTAL x", nil, 32)
	require.NoError(t, err)
	assert.Equal(t, theirs, mine)
}

func TestConnTruncationIsTyped(t *testing.T) {
	p := pki.ForTest(t)
	c1, c2 := loopback(t)
	client, server := membioConnPair(t, c1, c2, clientCtx(t, p), serverCtx(t, p, p.ServerRSA))
	defer client.Close()
	cerr, serr := handshakeBoth(client, server)
	require.NoError(t, cerr)
	require.NoError(t, serr)
	_, err := server.Write([]byte("half a message"))
	require.NoError(t, err)
	// The server's transport ends without close_notify.
	server.NetConn().Close()
	got, err := io.ReadAll(client)
	assert.Equal(t, "half a message", string(got))
	require.Error(t, err)
	assert.ErrorIs(t, err, sslobj.ErrTruncated)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.ErrorIs(t, err, merrors.ErrEOF)
	server.Close()
}

func TestConnFailedHandshakeSendsTheAlert(t *testing.T) {
	p := pki.ForTest(t)
	c1, c2 := loopback(t)
	client, err := sslobj.Client(c1, clientCtxBare(t), sslobj.Options{ServerHostname: pki.Host})
	require.NoError(t, err)
	defer client.Close()
	server := tls.Server(c2, &tls.Config{Certificates: []tls.Certificate{p.ServerRSA.TLS}, MaxVersion: tls.VersionTLS12})
	defer server.Close()
	cerr, serr := handshakeBoth(client, server)
	var verr *merrors.SSLCertVerificationError
	require.ErrorAs(t, cerr, &verr)
	require.Error(t, serr)
	assert.Contains(t, serr.Error(), "unknown certificate authority")
	// The failure is sticky.
	_, err = client.Write([]byte("x"))
	assert.Equal(t, cerr, err)
	_, err = client.Read(make([]byte, 1))
	assert.Equal(t, cerr, err)
}

func TestConnHandshakeContextCancellation(t *testing.T) {
	p := pki.ForTest(t)
	c1, c2 := loopback(t)
	defer c2.Close() // a server that never answers
	client, err := sslobj.Client(c1, clientCtx(t, p), sslobj.Options{ServerHostname: pki.Host})
	require.NoError(t, err)
	defer client.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- client.HandshakeContext(ctx) }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	err = <-done
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, client.Handshake(), context.Canceled, "the failure is sticky")

	// An expired deadline fails before any I/O.
	c3, c4 := loopback(t)
	defer c4.Close()
	client2, err := sslobj.Client(c3, clientCtx(t, p), sslobj.Options{ServerHostname: pki.Host})
	require.NoError(t, err)
	defer client2.Close()
	dctx, dcancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer dcancel()
	assert.ErrorIs(t, client2.HandshakeContext(dctx), context.DeadlineExceeded)
}

func TestConnCloseThenEveryCallFails(t *testing.T) {
	p := pki.ForTest(t)
	c1, c2 := loopback(t)
	client, server := membioConnPair(t, c1, c2, clientCtx(t, p), serverCtx(t, p, p.ServerRSA))
	cerr, serr := handshakeBoth(client, server)
	require.NoError(t, cerr)
	require.NoError(t, serr)
	require.NoError(t, client.Close())
	assert.ErrorIs(t, client.Close(), net.ErrClosed)
	_, err := client.Write([]byte("x"))
	assert.ErrorIs(t, err, net.ErrClosed)
	_, err = client.Read(make([]byte, 1))
	assert.ErrorIs(t, err, net.ErrClosed)
	// The server saw close_notify.
	_, err = server.Read(make([]byte, 1))
	assert.ErrorIs(t, err, io.EOF)
	server.Close()
}

func TestConnWriteTimeoutKeepsTheStreamIntact(t *testing.T) {
	p := pki.ForTest(t)
	c1, c2 := net.Pipe()
	client, server := membioConnPair(t, c1, c2, clientCtx(t, p), serverCtx(t, p, p.ServerRSA))
	defer client.Close()
	defer server.Close()
	cerr, serr := handshakeBoth(client, server)
	require.NoError(t, cerr)
	require.NoError(t, serr)
	// Nobody reads: a write times out part way.
	chunk := bytes.Repeat([]byte{'a'}, 50000)
	client.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
	var accepted int
	for {
		n, err := client.Write(chunk)
		accepted += n
		if err != nil {
			var ne net.Error
			require.ErrorAs(t, err, &ne)
			require.True(t, ne.Timeout())
			break
		}
	}
	// Past deadline: nothing is accepted.
	n, err := client.Write(chunk)
	assert.Zero(t, n)
	require.Error(t, err)
	client.SetWriteDeadline(time.Time{})
	done := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(server)
		done <- b
	}()
	_, err = client.Write([]byte("end"))
	require.NoError(t, err)
	require.NoError(t, client.Close())
	got := <-done
	assert.Equal(t, accepted+3, len(got))
	assert.Equal(t, "end", string(got[len(got)-3:]))
	assert.Equal(t, bytes.Repeat([]byte{'a'}, accepted), got[:accepted])
}

func TestDialHandshakesAndDefaultsTheServerName(t *testing.T) {
	p := pki.ForTest(t)
	sctx := serverCtx(t, p, p.ServerRSA)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ln := sslobj.NewListener(l, sctx)
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	// With no ServerHostname the host of the address is the name checked
	// and sent: the certificate carries localhost, not other.test.
	c, err := sslobj.Dial(context.Background(), "tcp", "localhost:"+port, clientCtx(t, p), sslobj.Options{})
	require.NoError(t, err)
	defer c.Close()
	assert.Equal(t, "localhost", c.ConnectionState().ServerName)
	_, err = sslobj.Dial(context.Background(), "tcp", "127.0.0.1:"+port, clientCtx(t, p), sslobj.Options{ServerHostname: pki.OtherHost})
	var verr *merrors.SSLCertVerificationError
	require.ErrorAs(t, err, &verr)
	assert.EqualValues(t, 62, verr.VerifyCode, "hostname mismatch")
	assert.True(t, c.ConnectionState().HandshakeComplete)
	_, err = c.Write([]byte("ping"))
	require.NoError(t, err)
	buf := make([]byte, 4)
	_, err = io.ReadFull(c, buf)
	require.NoError(t, err)
	assert.Equal(t, "ping", string(buf))
}

// net/http over membio, both roles, against crypto/tls peers.
func TestConnServesHTTP1BothWays(t *testing.T) {
	p := pki.ForTest(t)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s over %s", r.URL.Path, r.Proto)
	})

	// membio server, crypto/tls client.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: handler}
	go srv.Serve(sslobj.NewListener(l, serverCtx(t, p, p.ServerRSA, alpn("http/1.1"))))
	defer srv.Close()
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: p.RootPool(), ServerName: pki.Host}}
	defer tr.CloseIdleConnections()
	body := httpGet(t, &http.Client{Transport: tr}, "https://"+l.Addr().String()+"/a")
	assert.Equal(t, "hello /a over HTTP/1.1", body)

	// crypto/tls server, membio client through DialTLSContext.
	ts := httptest.NewUnstartedServer(handler)
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{p.ServerECDSA.TLS}}
	ts.StartTLS()
	defer ts.Close()
	d := &sslobj.Dialer{Context: clientCtx(t, p, alpn("http/1.1")), Options: sslobj.Options{ServerHostname: pki.Host}}
	tr2 := &http.Transport{DialTLSContext: d.DialContext}
	defer tr2.CloseIdleConnections()
	client := &http.Client{Transport: tr2}
	for i := 0; i < 3; i++ {
		assert.Equal(t, "hello /b over HTTP/1.1", httpGet(t, client, ts.URL+"/b"))
	}
}

func httpGet(t testing.TB, c *http.Client, url string) string {
	t.Helper()
	resp, err := c.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return string(b)
}

// HTTP/2 with golang.org/x/net/http2 over membio, both roles, against
// crypto/tls peers, with ALPN h2.
func TestConnServesHTTP2BothWays(t *testing.T) {
	p := pki.ForTest(t)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s %d", r.Proto, r.URL.Path, len(b))
	})

	// membio server: http2.Server.ServeConn on each accepted Conn.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ln := sslobj.NewListener(l, serverCtx(t, p, p.ServerRSA, alpn("h2")))
	defer ln.Close()
	h2srv := &http2.Server{}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				sc := c.(*sslobj.Conn)
				if err := sc.Handshake(); err != nil {
					sc.Close()
					return
				}
				h2srv.ServeConn(sc, &http2.ServeConnOpts{Handler: handler})
			}()
		}
	}()
	h2tr := &http2.Transport{TLSClientConfig: &tls.Config{RootCAs: p.RootPool(), ServerName: pki.Host}}
	defer h2tr.CloseIdleConnections()
	body := make([]byte, 100000)
	resp, err := (&http.Client{Transport: h2tr}).Post("https://"+l.Addr().String()+"/up", "application/octet-stream", bytes.NewReader(body))
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "HTTP/2.0 /up 100000", string(b))

	// crypto/tls HTTP/2 server, membio client.
	ts := httptest.NewUnstartedServer(handler)
	ts.EnableHTTP2 = true
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{p.ServerECDSA.TLS}}
	ts.StartTLS()
	defer ts.Close()
	d := &sslobj.Dialer{Context: clientCtx(t, p, alpn("h2")), Options: sslobj.Options{ServerHostname: pki.Host}}
	tr := &http2.Transport{DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if proto := c.(*sslobj.Conn).ConnectionState().NegotiatedProtocol; proto != "h2" {
			c.Close()
			return nil, errors.New("no h2: " + proto)
		}
		return c, nil
	}}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := client.Post(ts.URL+"/many", "text/plain", bytes.NewReader(make([]byte, 5000)))
			if !assert.NoError(t, err) {
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, "HTTP/2.0 /many 5000", string(b))
		}()
	}
	wg.Wait()
}

// Read and Write on a Conn allocate nothing in the steady state.
func TestConnReadWriteAllocateNothing(t *testing.T) {
	p := pki.ForTest(t)
	c1, c2 := loopback(t)
	client, server := membioConnPair(t, c1, c2, clientCtx(t, p), serverCtx(t, p, p.ServerRSA))
	defer client.Close()
	defer server.Close()
	cerr, serr := handshakeBoth(client, server)
	require.NoError(t, cerr)
	require.NoError(t, serr)
	msg := make([]byte, 1024)
	buf := make([]byte, 2048)
	echo := func() {
		errc := make(chan error, 1)
		go func() { _, err := client.Write(msg); errc <- err }()
		n := 0
		for n < len(msg) {
			k, err := server.Read(buf)
			if err != nil {
				panic(err)
			}
			n += k
		}
		if err := <-errc; err != nil {
			panic(err)
		}
	}
	for i := 0; i < 5; i++ {
		echo() // tickets and buffers
	}
	// The goroutine and channel of each round are the test's own: count
	// them with an empty round.
	base := testing.AllocsPerRun(50, func() {
		errc := make(chan error, 1)
		go func() { errc <- nil }()
		<-errc
	})
	allocs := testing.AllocsPerRun(50, echo)
	assert.LessOrEqual(t, allocs, base)
}
