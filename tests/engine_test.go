//go:build cgo

package tests

import (
	"bytes"
	"crypto/rand"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/membio/membio/context"
	"github.com/membio/membio/errors"
	"github.com/membio/membio/sslobj"
	"github.com/membio/membio/tests/pki"
)

func newEngine(t testing.TB, ctx *sslctx.SSLContext, opts sslobj.Options) *sslobj.Engine {
	t.Helper()
	e, err := sslobj.NewEngine(ctx, opts)
	require.NoError(t, err)
	t.Cleanup(func() { e.Close() })
	return e
}

func enginePair(t testing.TB, opts ...ctxOpt) (c, s *sslobj.Engine) {
	t.Helper()
	p := pki.ForTest(t)
	c = newEngine(t, clientCtx(t, p, opts...), sslobj.Options{ServerHostname: pki.Host})
	s = newEngine(t, serverCtx(t, p, p.ServerRSA), sslobj.Options{ServerSide: true})
	return c, s
}

// ship moves all of from's pending ciphertext into to and returns how
// many bytes it moved.
func ship(t testing.TB, from, to *sslobj.Engine) int {
	t.Helper()
	buf := make([]byte, 4096)
	total := 0
	for {
		r := from.Output(buf)
		if r.Produced == 0 {
			assert.False(t, r.Status.Has(sslobj.OutputPending), "Output produced nothing but reports %v", r.Status)
			return total
		}
		total += r.Produced
		f := to.Feed(buf[:r.Produced])
		require.Equal(t, r.Produced, f.Consumed)
	}
}

// engineHandshake drives both ends with Handshake until neither needs
// anything, and returns the last results.
func engineHandshake(t testing.TB, c, s *sslobj.Engine) (cr, sr sslobj.Result) {
	t.Helper()
	for i := 0; i < 20; i++ {
		cr = c.Handshake()
		ship(t, c, s)
		sr = s.Handshake()
		ship(t, s, c)
		if cr.Err != nil || sr.Err != nil {
			return cr, sr
		}
		if cr.Status.Has(sslobj.HandshakeComplete) && sr.Status.Has(sslobj.HandshakeComplete) {
			return cr, sr
		}
	}
	t.Fatal("handshake made no progress")
	return
}

func readAll(t testing.TB, e *sslobj.Engine) ([]byte, sslobj.Result) {
	t.Helper()
	var got []byte
	buf := make([]byte, 1000)
	for {
		r := e.Read(buf)
		got = append(got, buf[:r.Produced]...)
		if !r.Status.Has(sslobj.DataPending) {
			return got, r
		}
	}
}

func TestEngineHandshakeEchoAndCloseReportStatus(t *testing.T) {
	c, s := enginePair(t)

	// The client's first step produces the ClientHello and waits.
	r := c.Handshake()
	require.NoError(t, r.Err)
	assert.True(t, r.Status.Has(sslobj.NeedMoreData|sslobj.OutputPending), r.Status.String())
	assert.False(t, r.Status.Has(sslobj.HandshakeComplete))
	assert.Greater(t, c.OutputPending(), 0)

	// The server needs no Handshake call: Read runs it.
	ship(t, c, s)
	sr := s.Read(make([]byte, 100))
	require.NoError(t, sr.Err)
	assert.True(t, sr.Status.Has(sslobj.NeedMoreData|sslobj.OutputPending), sr.Status.String())
	ship(t, s, c)
	cr := c.Handshake()
	require.NoError(t, cr.Err)
	assert.True(t, cr.Status.Has(sslobj.HandshakeComplete), cr.Status.String())
	assert.True(t, c.HandshakeComplete())
	ship(t, c, s)

	msg := bytes.Repeat([]byte("membio engine "), 5000) // several records
	w := c.Write(msg)
	require.NoError(t, w.Err)
	assert.Equal(t, len(msg), w.Consumed)
	assert.True(t, w.Status.Has(sslobj.OutputPending|sslobj.HandshakeComplete))
	ship(t, c, s)
	got, last := readAll(t, s)
	assert.Equal(t, msg, got)
	assert.True(t, last.Status.Has(sslobj.NeedMoreData|sslobj.HandshakeComplete), last.Status.String())
	ship(t, s, c) // session tickets

	// The client closes its side; the server sees PeerClosed, as io.EOF.
	cw := c.CloseWrite()
	require.NoError(t, cw.Err)
	assert.True(t, cw.Status.Has(sslobj.OutputPending))
	assert.False(t, cw.Status.Has(sslobj.Closed))
	ship(t, c, s)
	for i := 0; i < 2; i++ {
		sr = s.Read(make([]byte, 10))
		require.NoError(t, sr.Err)
		assert.Zero(t, sr.Produced)
		assert.True(t, sr.Status.Has(sslobj.PeerClosed), sr.Status.String())
		assert.False(t, sr.Status.Has(sslobj.Closed))
	}
	// Writing after CloseWrite is refused without failing the connection.
	cw = c.Write([]byte("late"))
	assert.ErrorIs(t, cw.Err, sslobj.ErrWriteAfterClose)
	assert.Nil(t, c.Err())

	// The server still writes (half-close), then closes.
	require.NoError(t, s.Write([]byte("bye")).Err)
	sr = s.CloseWrite()
	require.NoError(t, sr.Err)
	assert.True(t, sr.Status.Has(sslobj.Closed|sslobj.PeerClosed|sslobj.OutputPending), sr.Status.String())
	ship(t, s, c)
	got, last = readAll(t, c)
	assert.Equal(t, "bye", string(got))
	assert.True(t, last.Status.Has(sslobj.PeerClosed|sslobj.Closed), last.Status.String())
	require.NoError(t, last.Err)

	v, ok := c.SSLObject().Version()
	assert.True(t, ok)
	assert.Equal(t, "TLSv1.3", v)
}

func TestEngineFailedHandshakeLeavesTheAlertToSend(t *testing.T) {
	p := pki.ForTest(t)
	// The client trusts nothing: verification fails.
	c := newEngine(t, clientCtxBare(t), sslobj.Options{ServerHostname: pki.Host})
	s := newEngine(t, serverCtx(t, p, p.ServerRSA), sslobj.Options{ServerSide: true})
	cr, sr := engineHandshake(t, c, s)
	_ = sr
	require.Error(t, cr.Err)
	var verr *errors.SSLCertVerificationError
	require.ErrorAs(t, cr.Err, &verr)
	assert.EqualValues(t, 20, verr.VerifyCode)
	assert.True(t, cr.Status.Has(sslobj.Failed))
	// engineHandshake shipped the alert; the server got it.
	sr = s.Read(make([]byte, 10))
	require.Error(t, sr.Err)
	assert.True(t, sr.Status.Has(sslobj.Failed))
	assert.Contains(t, sr.Err.Error(), "TLSV1_ALERT_UNKNOWN_CA")
	// The failure is final and repeated, on every call.
	again := c.Read(make([]byte, 10))
	assert.Same(t, cr.Err, again.Err)
	assert.Same(t, cr.Err, c.Write([]byte("x")).Err)
	assert.Same(t, cr.Err, c.Handshake().Err)
	assert.Same(t, cr.Err, c.Err())
}

func TestEngineAlertIsPendingOnTheFailingCall(t *testing.T) {
	p := pki.ForTest(t)
	c := newEngine(t, clientCtxBare(t), sslobj.Options{ServerHostname: pki.Host})
	s := newEngine(t, serverCtx(t, p, p.ServerRSA), sslobj.Options{ServerSide: true})
	c.Handshake()
	ship(t, c, s)
	s.Handshake()
	ship(t, s, c)
	r := c.Handshake()
	require.Error(t, r.Err)
	assert.True(t, r.Status.Has(sslobj.Failed|sslobj.OutputPending), "the alert waits: %v", r.Status)
	// Output still works after the failure.
	out := c.Output(make([]byte, 100))
	assert.Greater(t, out.Produced, 0)
	assert.Same(t, r.Err, out.Err)
}

func TestEngineTruncationIsTyped(t *testing.T) {
	c, s := enginePair(t)
	_, sr := engineHandshake(t, c, s)
	require.NoError(t, sr.Err)
	require.NoError(t, c.Write([]byte("partial")).Err)
	ship(t, c, s)
	// The transport ends without close_notify.
	s.FeedEOF()
	got, r := readAll(t, s)
	assert.Equal(t, "partial", string(got))
	require.Error(t, r.Err)
	assert.ErrorIs(t, r.Err, errors.ErrEOF)
	assert.True(t, r.Status.Has(sslobj.Failed|sslobj.Truncated), r.Status.String())
	assert.False(t, r.Status.Has(sslobj.PeerClosed))
	// Feeding after EOF is refused.
	f := s.Feed([]byte{1})
	assert.Zero(t, f.Consumed)
}

func TestEngineEOFAfterCloseNotifyIsAClean(t *testing.T) {
	c, s := enginePair(t)
	engineHandshake(t, c, s)
	require.NoError(t, c.CloseWrite().Err)
	ship(t, c, s)
	s.FeedEOF()
	r := s.Read(make([]byte, 10))
	require.NoError(t, r.Err)
	assert.True(t, r.Status.Has(sslobj.PeerClosed))
	assert.False(t, r.Status.Has(sslobj.Truncated))
}

func TestEngineOutputIntoSmallBuffersLosesNothing(t *testing.T) {
	c, s := enginePair(t)
	engineHandshake(t, c, s)
	msg := make([]byte, 40000)
	rand.Read(msg)
	require.NoError(t, c.Write(msg).Err)
	pending := c.OutputPending()
	var wire []byte
	tiny := make([]byte, 7)
	for {
		r := c.Output(tiny)
		wire = append(wire, tiny[:r.Produced]...)
		if !r.Status.Has(sslobj.OutputPending) {
			break
		}
		assert.Equal(t, len(tiny), r.Produced)
	}
	assert.Len(t, wire, pending)
	// Plaintext out in small pieces too.
	require.Equal(t, len(wire), s.Feed(wire).Consumed)
	var got []byte
	small := make([]byte, 5)
	for {
		r := s.Read(small)
		require.NoError(t, r.Err)
		got = append(got, small[:r.Produced]...)
		if r.Status.Has(sslobj.NeedMoreData) {
			break
		}
	}
	assert.Equal(t, msg, got)
}

func TestEngineHighWaterMarkBacksOffWithoutLosingBytes(t *testing.T) {
	p := pki.ForTest(t)
	const mark = 40 << 10
	c := newEngine(t, clientCtx(t, p), sslobj.Options{ServerHostname: pki.Host, MaxOutput: mark})
	s := newEngine(t, serverCtx(t, p, p.ServerRSA), sslobj.Options{ServerSide: true})
	engineHandshake(t, c, s)

	msg := make([]byte, 1<<20)
	rand.Read(msg)
	sent := 0
	full := 0
	var got []byte
	buf := make([]byte, 64<<10)
	for sent < len(msg) {
		w := c.Write(msg[sent:])
		require.NoError(t, w.Err)
		sent += w.Consumed
		if w.Status.Has(sslobj.OutputFull) {
			full++
			// Never much above the mark.
			assert.LessOrEqual(t, c.OutputPending(), mark+(16<<10)+256)
			if w.Consumed == 0 {
				ship(t, c, s)
				for {
					r := s.Read(buf)
					got = append(got, buf[:r.Produced]...)
					if !r.Status.Has(sslobj.DataPending) {
						break
					}
				}
			}
		}
	}
	ship(t, c, s)
	for {
		r := s.Read(buf)
		got = append(got, buf[:r.Produced]...)
		if !r.Status.Has(sslobj.DataPending) {
			break
		}
	}
	assert.Greater(t, full, 10)
	assert.Equal(t, msg, got)
}

func TestEngineFeedReadAndWriteOutputAreTheFastPaths(t *testing.T) {
	c, s := enginePair(t)
	engineHandshake(t, c, s)
	ship(t, s, c)
	msg := make([]byte, 100000)
	rand.Read(msg)
	wire := make([]byte, 0, 2*len(msg))
	out := make([]byte, 8192)
	w := c.WriteOutput(msg, out)
	require.NoError(t, w.Err)
	assert.Equal(t, len(msg), w.Consumed)
	assert.Equal(t, len(out), w.Produced)
	wire = append(wire, out[:w.Produced]...)
	for c.OutputPending() > 0 {
		r := c.Output(out)
		wire = append(wire, out[:r.Produced]...)
	}
	plain := make([]byte, len(msg))
	r := s.FeedRead(wire, plain)
	require.NoError(t, r.Err)
	assert.Equal(t, len(wire), r.Consumed)
	assert.Equal(t, len(msg), r.Produced)
	assert.Equal(t, msg, plain)
}

func TestEngineAfterCloseEveryCallIsRefused(t *testing.T) {
	c, _ := enginePair(t)
	require.NoError(t, c.Close())
	require.NoError(t, c.Close())
	for name, r := range map[string]sslobj.Result{
		"Handshake":   c.Handshake(),
		"Feed":        c.Feed([]byte{1}),
		"FeedEOF":     c.FeedEOF(),
		"Read":        c.Read(make([]byte, 1)),
		"FeedRead":    c.FeedRead([]byte{1}, make([]byte, 1)),
		"Write":       c.Write([]byte{1}),
		"WriteOutput": c.WriteOutput([]byte{1}, make([]byte, 10)),
		"Output":      c.Output(make([]byte, 1)),
		"CloseWrite":  c.CloseWrite(),
		"Status":      c.Status(),
	} {
		assert.ErrorIs(t, r.Err, sslobj.ErrEngineClosed, name)
		assert.True(t, r.Status.Has(sslobj.Failed|sslobj.Closed), name)
	}
	assert.Zero(t, c.OutputPending())
	assert.False(t, c.HandshakeComplete())
	n, err := c.FlushTo(&bytes.Buffer{})
	assert.Zero(t, n)
	assert.NoError(t, err)
}

func TestEngineCloseWriteBeforeHandshakeIsRefused(t *testing.T) {
	c, _ := enginePair(t)
	r := c.CloseWrite()
	assert.ErrorIs(t, r.Err, sslobj.ErrCloseWriteBeforeHandshake)
	assert.Nil(t, c.Err())
}

func TestNewEngineRefusesBadConfiguration(t *testing.T) {
	p := pki.ForTest(t)
	_, err := sslobj.NewEngine(nil, sslobj.Options{})
	assert.ErrorIs(t, err, errors.ErrType)
	_, err = sslobj.NewEngine(clientCtx(t, p), sslobj.Options{MaxOutput: -1})
	assert.ErrorIs(t, err, errors.ErrValue)
	sctx := serverCtx(t, p, p.ServerRSA, numTickets(1<<40))
	_, err = sslobj.NewEngine(sctx, sslobj.Options{ServerSide: true})
	assert.ErrorIs(t, err, errors.ErrValue)
	assert.Contains(t, err.Error(), "NumTickets")
	_, err = sslobj.NewEngine(clientCtx(t, p), sslobj.Options{ServerSide: true})
	assert.ErrorIs(t, err, errors.ErrSSL)
	_, err = sslobj.NewEngine(clientCtx(t, p), sslobj.Options{ServerHostname: ".bad"})
	assert.ErrorIs(t, err, errors.ErrValue)
}

// In single-owner mode a call that overlaps another fails at once; the
// overlap is made deterministic by a PSK callback (which runs inside the
// client's first handshake step) that waits while another goroutine
// calls.
func TestEngineSingleOwnerRefusesAnOverlappingCall(t *testing.T) {
	p := pki.ForTest(t)
	cctx := clientCtx(t, p)
	var e *sslobj.Engine
	var overlap sslobj.Result
	called := false
	require.NoError(t, cctx.SetPSKClientCallback(func(hint string) (string, []byte, error) {
		if !called {
			called = true
			done := make(chan struct{})
			go func() {
				overlap = e.Write([]byte("x"))
				close(done)
			}()
			<-done
		}
		return "id", []byte("0123456789abcdef"), nil
	}))
	e = newEngine(t, cctx, sslobj.Options{ServerHostname: pki.Host, SingleOwner: true})
	r := e.Handshake()
	require.NoError(t, r.Err)
	require.True(t, called)
	assert.ErrorIs(t, overlap.Err, sslobj.ErrConcurrentUse)
	assert.True(t, overlap.Status.Has(sslobj.Failed))
	assert.Nil(t, e.Err(), "the refused call does not fail the connection")

	// Without SingleOwner the second call waits instead.
	cctx2 := clientCtx(t, p)
	var e2 *sslobj.Engine
	waited := make(chan sslobj.Result, 1)
	started := false
	require.NoError(t, cctx2.SetPSKClientCallback(func(hint string) (string, []byte, error) {
		if !started {
			started = true
			go func() { waited <- e2.Output(make([]byte, 1)) }()
		}
		return "id", []byte("0123456789abcdef"), nil
	}))
	e2 = newEngine(t, cctx2, sslobj.Options{ServerHostname: pki.Host})
	require.NoError(t, e2.Handshake().Err)
	r2 := <-waited
	assert.NoError(t, r2.Err)
	assert.Equal(t, 1, r2.Produced, "the waiting Output ran after the handshake step")
}

func TestEngineCallsAllocateNothing(t *testing.T) {
	c, s := enginePair(t)
	engineHandshake(t, c, s)
	ship(t, s, c)
	c.Read(make([]byte, 100)) // tickets
	msg := make([]byte, 1024)
	wire := make([]byte, 4096)
	plain := make([]byte, 4096)
	allocs := testing.AllocsPerRun(200, func() {
		w := c.Write(msg)
		o := c.Output(wire)
		s.Feed(wire[:o.Produced])
		r := s.Read(plain)
		if w.Err != nil || r.Err != nil || r.Produced != len(msg) {
			panic("round trip failed")
		}
		w = c.WriteOutput(msg, wire)
		r = s.FeedRead(wire[:w.Produced], plain)
		if r.Produced != len(msg) {
			panic("fast round trip failed")
		}
		r = s.Read(plain) // want-read
		if !r.Status.Has(sslobj.NeedMoreData) {
			panic("no want-read")
		}
		_ = c.Status()
		_ = c.OutputPending()
	})
	assert.Zero(t, allocs)
}

func TestEngineStatusString(t *testing.T) {
	assert.Equal(t, "0", sslobj.Status(0).String())
	assert.Equal(t, "NeedMoreData|OutputPending", (sslobj.NeedMoreData | sslobj.OutputPending).String())
	assert.Equal(t, "Failed|0x10000", (sslobj.Failed | 1<<16).String())
}

func TestEngineFlushToWritesEverything(t *testing.T) {
	c, s := enginePair(t)
	engineHandshake(t, c, s)
	msg := make([]byte, 200000)
	rand.Read(msg)
	require.NoError(t, c.Write(msg).Err)
	want := c.OutputPending()
	var wire bytes.Buffer
	n, err := c.FlushTo(&wire)
	require.NoError(t, err)
	assert.Equal(t, want, n)
	assert.Equal(t, want, wire.Len())
	assert.Zero(t, c.OutputPending())
	s.Feed(wire.Bytes())
	got, _ := readAll(t, s)
	assert.Equal(t, msg, got)
}
