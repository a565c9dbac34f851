//go:build cgo

package main

import (
	"runtime"
	"time"

	"github.com/membio/membio/bio"
	"github.com/membio/membio/context"
	"github.com/membio/membio/errors"
	"github.com/membio/membio/sslobj"
)

// membioBench pumps two SSLObjects over MemoryBIO pairs in one goroutine,
// the way an event loop would: read everything pending in an outgoing BIO
// into one reusable buffer and write it into the peer's incoming BIO.
//
// Two columns share it. "membio" moves bulk data with the fast calls an
// event loop would use: WriteDrain (encrypt and drain the ciphertext into
// the loop's buffer in one call) and FeedReadAll (feed it to the peer and
// decrypt every complete record in one call). "membio-py" uses only the
// Python-shaped calls: Write, MemoryBIO.ReadInto/Write, ReadInto until
// want-read. Handshakes are the same in both: DoHandshake and the pump.
type membioBench struct {
	sctx, cctx *sslctx.SSLContext
	fast       bool
	pumpBuf    []byte
	rbuf       []byte
	backBuf    []byte
}

func init() {
	impls["membio"] = func() (impl, error) { return newMembio(true) }
	impls["membio-py"] = func() (impl, error) { return newMembio(false) }
}

// yieldEvery is how many bulk rounds the loop runs between two
// runtime.Gosched calls. An event loop goes back to its poller between
// bursts, and the crypto/tls and go-openssl columns switch goroutines on
// every read; this loop never blocks, and Go's sysmon treats a goroutine
// that has not been rescheduled for 10 ms as hogging its P: it takes the P
// away in the middle of a cgo call and wakes another thread, then polls
// every 20 us for a while, which on one pinned CPU costs 10-15% of a bulk
// run (about 12 000 context switches a second, against 500 with the yield).
const yieldEvery = 256

func newMembioCtx(protocol sslctx.Protocol) (*sslctx.SSLContext, error) {
	ctx, err := sslctx.New(protocol)
	if err != nil {
		return nil, err
	}
	if err := ctx.SetCiphers(a.ciphers); err != nil {
		return nil, err
	}
	if err := ctx.SetMinimumVersion(sslctx.TLSv1_2); err != nil {
		return nil, err
	}
	maxVersion := sslctx.TLSv1_3
	if a.tls == "1.2" {
		maxVersion = sslctx.TLSv1_2
	}
	if err := ctx.SetMaximumVersion(maxVersion); err != nil {
		return nil, err
	}
	// The TLS 1.3 suites come from OPENSSL_CONF, as for Python.
	return ctx, nil
}

func newMembio(fast bool) (impl, error) {
	if a.rb {
		die("membio: rb=1 is not a setting (SSLContext always releases buffers, as Python's does)")
	}
	m := &membioBench{fast: fast, pumpBuf: make([]byte, 64<<10), rbuf: make([]byte, readBuf), backBuf: make([]byte, 64<<10)}
	if fast {
		// FeedReadAll decrypts every record it was fed; room for a few
		// records saves the call that would end in want-read.
		m.rbuf = make([]byte, 64<<10)
	}
	var err error
	if m.sctx, err = newMembioCtx(sslctx.ProtocolTLSServer); err != nil {
		return nil, err
	}
	if err := m.sctx.LoadCertChain(a.cert, a.key, nil); err != nil {
		return nil, err
	}
	if m.cctx, err = newMembioCtx(sslctx.ProtocolTLSClient); err != nil {
		return nil, err
	}
	if err := m.cctx.LoadVerifyLocations(a.ca, "", sslctx.CAData{}); err != nil {
		return nil, err
	}
	return m, nil
}

type membioPair struct {
	c, s                 *sslobj.SSLObject
	cIn, cOut, sIn, sOut *bio.MemoryBIO
}

func newBIO() *bio.MemoryBIO {
	b, err := bio.New()
	if err != nil {
		die("MemoryBIO: %v", err)
	}
	return b
}

func (m *membioBench) newPair(session *sslobj.SSLSession) *membioPair {
	p := &membioPair{cIn: newBIO(), cOut: newBIO(), sIn: newBIO(), sOut: newBIO()}
	var err error
	p.c, err = sslobj.New(m.cctx, p.cIn, p.cOut, sslobj.Options{ServerHostname: hostname, Session: session})
	if err != nil {
		die("client SSLObject: %v", err)
	}
	p.s, err = sslobj.New(m.sctx, p.sIn, p.sOut, sslobj.Options{ServerSide: true})
	if err != nil {
		die("server SSLObject: %v", err)
	}
	return p
}

// pump moves everything pending in from into to. This is the place for
// a faster call that drains the outgoing BIO straight into the caller's
// buffer, when membio has one.
func (m *membioBench) pump(from, to *bio.MemoryBIO, dir int) {
	for {
		n, err := from.ReadInto(m.pumpBuf)
		if err != nil {
			die("pump read: %v", err)
		}
		if n == 0 {
			return
		}
		wire[dir].add(m.pumpBuf[:n])
		if _, err := to.Write(m.pumpBuf[:n]); err != nil {
			die("pump write: %v", err)
		}
	}
}

func step(obj *sslobj.SSLObject, who string) bool {
	err := obj.DoHandshake()
	if err == nil {
		return true
	}
	if !errors.Is(err, errors.ErrWantRead) {
		die("%s handshake: %v", who, err)
	}
	return false
}

// establish runs the handshake, then the server writes one byte that the
// client reads, as cbench.c does.
func (m *membioBench) establish(p *membioPair) {
	cdone, sdone := false, false
	for rounds := 0; !(cdone && sdone); rounds++ {
		if rounds > 20 {
			die("handshake does not finish")
		}
		if !cdone {
			cdone = step(p.c, "client")
		}
		m.pump(p.cOut, p.sIn, c2s)
		if !sdone {
			sdone = step(p.s, "server")
		}
		m.pump(p.sOut, p.cIn, s2c)
	}
	if _, err := p.s.Write([]byte{'x'}); err != nil {
		die("server write: %v", err)
	}
	m.pump(p.sOut, p.cIn, s2c)
	var one [1]byte
	if n, err := p.c.ReadInto(one[:]); err != nil || n != 1 {
		die("client read: %d %v", n, err)
	}
}

// close frees both endpoints and their BIOs at once, as cbench.c does,
// instead of leaving them to the garbage collector.
func (p *membioPair) close() {
	p.c.Close()
	p.s.Close()
	for _, b := range []*bio.MemoryBIO{p.cIn, p.cOut, p.sIn, p.sOut} {
		b.Close()
	}
}

func (m *membioBench) state(p *membioPair) connState {
	st := connState{reused: p.c.SessionReused()}
	st.proto, _ = p.c.Version()
	if c, ok := p.c.Cipher(); ok {
		st.cipher = standardName(c.Name)
	}
	return st
}

func (m *membioBench) hs() {
	for range a.warm {
		p := m.newPair(nil)
		m.establish(p)
		p.close()
	}
	resetWire()
	var p *membioPair
	t0 := time.Now()
	for i := range a.n {
		p = m.newPair(nil)
		m.establish(p)
		if i+1 < a.n {
			p.close()
		}
	}
	secs := since(t0)
	traceFlush("hs")
	result(secs, float64(a.n)/secs, "hs/s", m.state(p), 0)
	p.close()
}

func (m *membioBench) resume() {
	first := m.newPair(nil)
	m.establish(first)
	session := first.c.Session()
	if session == nil {
		die("no session after the first handshake")
	}
	for range a.warm {
		p := m.newPair(session)
		m.establish(p)
		p.close()
	}
	traceFlush("first")
	resetWire()
	var p *membioPair
	var reused int64
	t0 := time.Now()
	for i := range a.n {
		p = m.newPair(session)
		m.establish(p)
		if p.c.SessionReused() {
			reused++
		}
		if i+1 < a.n {
			p.close()
		}
	}
	secs := since(t0)
	traceFlush("hs")
	result(secs, float64(a.n)/secs, "hs/s", m.state(p), reused)
	p.close()
	// first stays open until here: freeing an SSL that was not shut down
	// marks the session it holds as not resumable.
	first.close()
}

func (m *membioBench) bulk() {
	p := m.newPair(nil)
	m.establish(p)
	traceFlush("hs")
	wbuf := make([]byte, a.wsize)
	resetWire()
	var sent, got int64
	t0 := time.Now()
	if m.fast {
		// A connection about to stream keeps its buffers for the burst
		// (the C loop's bulk runs keep them too) and lets them go after.
		release(p, false)
	}
	for round := 1; sent < a.n; round++ {
		if round%yieldEvery == 0 {
			runtime.Gosched()
		}
		w := min(a.wsize, a.n-sent)
		if m.fast {
			got += m.sendFast(p, wbuf[:w])
		} else {
			got += m.sendPy(p, wbuf[:w])
			m.pump(p.sOut, p.cIn, s2c)
		}
		sent += w
	}
	if m.fast {
		release(p, true)
	}
	secs := since(t0)
	if got != a.n {
		die("received %d of %d bytes", got, a.n)
	}
	traceFlush("data")
	result(secs, float64(a.n)/secs/1e6, "MB/s", m.state(p), 0)
}

func release(p *membioPair, on bool) {
	if err := p.c.SetReleaseBuffers(on); err != nil {
		die("client release buffers: %v", err)
	}
	if err := p.s.SetReleaseBuffers(on); err != nil {
		die("server release buffers: %v", err)
	}
}

// sendPy writes w on the client and moves it to the server with the
// Python-shaped calls; it returns the plaintext bytes the server read.
func (m *membioBench) sendPy(p *membioPair, w []byte) int64 {
	if _, err := p.c.Write(w); err != nil {
		die("client write: %v", err)
	}
	m.pump(p.cOut, p.sIn, c2s)
	var got int64
	for {
		n, err := p.s.ReadInto(m.rbuf)
		if err != nil {
			if errors.Is(err, errors.ErrWantRead) {
				return got
			}
			die("server read: %v", err)
		}
		got += int64(n)
	}
}

// sendFast does what sendPy and the pump back do, with WriteDrain and
// FeedReadAll: two calls when the ciphertext fits the pump buffer.
func (m *membioBench) sendFast(p *membioPair, w []byte) int64 {
	_, k, err := p.c.WriteDrain(w, m.pumpBuf)
	if err != nil {
		die("client write: %v", err)
	}
	var got int64
	for {
		wire[c2s].add(m.pumpBuf[:k])
		in := m.pumpBuf[:k]
		for {
			n, back, err := p.s.FeedReadAll(in, m.rbuf, m.backBuf)
			got += int64(n)
			in = nil
			if back > 0 {
				// What the server's reads produced goes back to the client.
				wire[s2c].add(m.backBuf[:back])
				if _, err := p.cIn.Write(m.backBuf[:back]); err != nil {
					die("pump write: %v", err)
				}
				m.pump(p.sOut, p.cIn, s2c)
			}
			if err == nil && n == len(m.rbuf) {
				continue // the buffer filled up: more may be waiting
			}
			if err == nil {
				die("server read: unexpected end of data")
			}
			if !errors.Is(err, errors.ErrWantRead) {
				die("server read: %v", err)
			}
			break
		}
		if k < len(m.pumpBuf) {
			return got
		}
		// The ciphertext did not fit: drain the rest the ordinary way.
		if k, err = p.cOut.ReadInto(m.pumpBuf); err != nil {
			die("pump read: %v", err)
		}
		if k == 0 {
			return got
		}
	}
}

func (m *membioBench) rss() {
	for range max(a.warm, 1) {
		p := m.newPair(nil)
		m.establish(p)
		p.close()
	}
	pairs := make([]*membioPair, 0, a.n)
	before := rssKiB()
	t0 := time.Now()
	for range a.n {
		p := m.newPair(nil)
		m.establish(p)
		pairs = append(pairs, p)
	}
	secs := since(t0)
	after := rssKiB()
	result(secs, float64(after-before)/float64(a.n), "KiB/pair", m.state(pairs[len(pairs)-1]), 0)
	for _, p := range pairs {
		p.close()
	}
}
