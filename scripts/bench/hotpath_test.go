//go:build cgo

package main

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/membio/membio/bio"
	"github.com/membio/membio/context"
	"github.com/membio/membio/errors"
	"github.com/membio/membio/sslobj"
	"github.com/membio/membio/tests/pki"
)

// The hot-call benchmarks measure membio's per-call cost and allocations
// (the target is 0 allocs/op on every steady-state call):
//
//	go test -run '^$' -bench . -benchmem ./scripts/bench/

var hotSizes = []int{64, 1 << 10, 16 << 10}

func newBIO(tb testing.TB) *bio.MemoryBIO {
	m, err := bio.New()
	require.NoError(tb, err)
	tb.Cleanup(func() { m.Close() })
	return m
}

// BenchmarkMemoryBIOWriteReadInto moves one chunk through a MemoryBIO: the
// pump's two calls per direction.
func BenchmarkMemoryBIOWriteReadInto(b *testing.B) {
	for _, size := range hotSizes {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			m := newBIO(b)
			p := make([]byte, size)
			q := make([]byte, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.Write(p); err != nil {
					b.Fatal(err)
				}
				if n, err := m.ReadInto(q); err != nil || n != size {
					b.Fatal(n, err)
				}
			}
		})
	}
}

// BenchmarkMemoryBIOReadIntoEmpty is the pump's last call per drain: an
// empty outgoing BIO.
func BenchmarkMemoryBIOReadIntoEmpty(b *testing.B) {
	m := newBIO(b)
	q := make([]byte, 16<<10)
	b.ReportAllocs()
	for b.Loop() {
		if n, err := m.ReadInto(q); err != nil || n != 0 {
			b.Fatal(n, err)
		}
	}
}

// hotPair is an established TLS 1.3 client/server pair over MemoryBIOs,
// with the contexts' defaults (OpenSSL picks TLS_AES_256_GCM_SHA384 unless
// OPENSSL_CONF says otherwise).
type hotPair struct {
	c, s                 *sslobj.SSLObject
	cIn, cOut, sIn, sOut *bio.MemoryBIO
	buf                  []byte
}

func newHotPair(tb testing.TB) *hotPair {
	p := pki.ForTest(tb)
	sctx, err := sslctx.New(sslctx.ProtocolTLSServer)
	require.NoError(tb, err)
	require.NoError(tb, sctx.LoadCertChain(p.ServerECDSA.ChainFile, p.ServerECDSA.KeyFile, nil))
	cctx, err := sslctx.New(sslctx.ProtocolTLSClient)
	require.NoError(tb, err)
	require.NoError(tb, cctx.LoadVerifyLocations(p.CAFile, "", sslctx.CAData{}))

	h := &hotPair{cIn: newBIO(tb), cOut: newBIO(tb), sIn: newBIO(tb), sOut: newBIO(tb), buf: make([]byte, 64<<10)}
	h.c, err = sslobj.New(cctx, h.cIn, h.cOut, sslobj.Options{ServerHostname: pki.Host})
	require.NoError(tb, err)
	h.s, err = sslobj.New(sctx, h.sIn, h.sOut, sslobj.Options{ServerSide: true})
	require.NoError(tb, err)
	tb.Cleanup(func() {
		h.c.Close()
		h.s.Close()
	})
	cdone, sdone := false, false
	for i := 0; !(cdone && sdone); i++ {
		require.Less(tb, i, 20, "handshake does not finish")
		if !cdone {
			err := h.c.DoHandshake()
			require.True(tb, err == nil || errors.Is(err, errors.ErrWantRead), "client: %v", err)
			cdone = err == nil
		}
		h.pump(tb, h.cOut, h.sIn)
		if !sdone {
			err := h.s.DoHandshake()
			require.True(tb, err == nil || errors.Is(err, errors.ErrWantRead), "server: %v", err)
			sdone = err == nil
		}
		h.pump(tb, h.sOut, h.cIn)
	}
	// Let the client consume the session tickets.
	_, err = h.c.ReadInto(h.buf)
	require.ErrorIs(tb, err, errors.ErrWantRead)
	return h
}

func (h *hotPair) pump(tb testing.TB, from, to *bio.MemoryBIO) {
	for {
		n, err := from.ReadInto(h.buf)
		if err != nil {
			tb.Fatal(err)
		}
		if n == 0 {
			return
		}
		if _, err := to.Write(h.buf[:n]); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkSSLObjectWrite encrypts one record and drains it from the
// outgoing BIO.
func BenchmarkSSLObjectWrite(b *testing.B) {
	for _, size := range hotSizes {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			h := newHotPair(b)
			p := make([]byte, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := h.c.Write(p); err != nil {
					b.Fatal(err)
				}
				if _, err := h.cOut.ReadInto(h.buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSSLObjectReadInto decrypts one record that is already in the
// incoming BIO. Records are made in batches outside the timer.
func BenchmarkSSLObjectReadInto(b *testing.B) {
	const batch = 256
	for _, size := range hotSizes {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			h := newHotPair(b)
			p := make([]byte, size)
			q := make([]byte, size)
			left := 0
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if left == 0 {
					b.StopTimer()
					for range batch {
						if _, err := h.c.Write(p); err != nil {
							b.Fatal(err)
						}
						h.pump(b, h.cOut, h.sIn)
					}
					left = batch
					b.StartTimer()
				}
				if n, err := h.s.ReadInto(q); err != nil || n != size {
					b.Fatal(n, err)
				}
				left--
			}
		})
	}
}

// BenchmarkSSLObjectReadIntoWantRead is a read with nothing to read: the
// want-read error must not allocate.
func BenchmarkSSLObjectReadIntoWantRead(b *testing.B) {
	h := newHotPair(b)
	q := make([]byte, 16<<10)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.s.ReadInto(q); !errors.Is(err, errors.ErrWantRead) {
			b.Fatal(err)
		}
	}
}

// BenchmarkSSLObjectRoundTrip is the bulk workload's unit: write, pump,
// read until want-read.
func BenchmarkSSLObjectRoundTrip(b *testing.B) {
	for _, size := range hotSizes {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			h := newHotPair(b)
			p := make([]byte, size)
			q := make([]byte, 16<<10)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := h.c.Write(p); err != nil {
					b.Fatal(err)
				}
				h.pump(b, h.cOut, h.sIn)
				for {
					_, err := h.s.ReadInto(q)
					if err != nil {
						if errors.Is(err, errors.ErrWantRead) {
							break
						}
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// BenchmarkDoHandshakeWantRead is a client handshake step with no new
// bytes from the server.
func BenchmarkDoHandshakeWantRead(b *testing.B) {
	p := pki.ForTest(b)
	cctx, err := sslctx.New(sslctx.ProtocolTLSClient)
	require.NoError(b, err)
	require.NoError(b, cctx.LoadVerifyLocations(p.CAFile, "", sslctx.CAData{}))
	in, out := newBIO(b), newBIO(b)
	c, err := sslobj.New(cctx, in, out, sslobj.Options{ServerHostname: pki.Host})
	require.NoError(b, err)
	defer c.Close()
	require.ErrorIs(b, c.DoHandshake(), errors.ErrWantRead)
	b.ReportAllocs()
	for b.Loop() {
		if err := c.DoHandshake(); !errors.Is(err, errors.ErrWantRead) {
			b.Fatal(err)
		}
	}
}

// BenchmarkSSLObjectFastRoundTrip is the membio column's bulk unit: the
// client's WriteDrain into a buffer, the server's FeedReadAll of it (which
// ends in want-read) with the answer drained, release buffers off.
func BenchmarkSSLObjectFastRoundTrip(b *testing.B) {
	for _, size := range hotSizes {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			h := newHotPair(b)
			require.NoError(b, h.c.SetReleaseBuffers(false))
			require.NoError(b, h.s.SetReleaseBuffers(false))
			p := make([]byte, size)
			plain := make([]byte, 64<<10)
			back := make([]byte, 64<<10)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				_, m, err := h.c.WriteDrain(p, h.buf)
				if err != nil {
					b.Fatal(err)
				}
				n, k, err := h.s.FeedReadAll(h.buf[:m], plain, back)
				if n != size || k != 0 || !errors.Is(err, errors.ErrWantRead) {
					b.Fatal(n, k, err)
				}
			}
		})
	}
}

// newEnginePair returns two connected Engines (the client trusts the
// test root; the server serves the RSA certificate) after the handshake.
func newEnginePair(tb testing.TB) (c, s *sslobj.Engine) {
	tb.Helper()
	p := pki.ForTest(tb)
	cctx, err := sslctx.New(sslctx.ProtocolTLSClient)
	if err != nil {
		tb.Fatal(err)
	}
	if err := cctx.LoadVerifyLocations(p.CAFile, "", sslctx.CAData{}); err != nil {
		tb.Fatal(err)
	}
	sctx, err := sslctx.New(sslctx.ProtocolTLSServer)
	if err != nil {
		tb.Fatal(err)
	}
	if err := sctx.LoadCertChain(p.ServerRSA.ChainFile, p.ServerRSA.KeyFile, nil); err != nil {
		tb.Fatal(err)
	}
	c, err = sslobj.NewEngine(cctx, sslobj.Options{ServerHostname: pki.Host, SingleOwner: true})
	if err != nil {
		tb.Fatal(err)
	}
	s, err = sslobj.NewEngine(sctx, sslobj.Options{ServerSide: true, SingleOwner: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close(); s.Close() })
	buf := make([]byte, 32<<10)
	ship := func(from, to *sslobj.Engine) {
		for {
			r := from.Output(buf)
			if r.Produced == 0 {
				return
			}
			to.Feed(buf[:r.Produced])
		}
	}
	for i := 0; i < 10 && !(c.HandshakeComplete() && s.HandshakeComplete()); i++ {
		c.Read(buf)
		ship(c, s)
		s.Read(buf)
		ship(s, c)
	}
	c.Read(buf) // session tickets
	if !c.HandshakeComplete() || !s.HandshakeComplete() {
		tb.Fatal("no handshake")
	}
	return c, s
}

// BenchmarkEngineRoundTrip is one record through two Engines with the
// combined calls: WriteOutput on one side, FeedRead on the other.
func BenchmarkEngineRoundTrip(b *testing.B) {
	for _, size := range []int{64, 1 << 10, 16 << 10} {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			c, s := newEnginePair(b)
			msg := make([]byte, size)
			wire := make([]byte, size+1024)
			plain := make([]byte, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				w := c.WriteOutput(msg, wire)
				r := s.FeedRead(wire[:w.Produced], plain)
				if r.Produced != size {
					b.Fatalf("round trip: %d bytes, %v", r.Produced, r.Err)
				}
			}
		})
	}
}
