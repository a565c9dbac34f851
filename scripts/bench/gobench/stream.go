package main

import (
	"io"
	"net"
	"runtime"
	"time"
)

// streamConn is a TLS connection over a net.Conn that blocks in Handshake,
// Read and Write, as crypto/tls and go-openssl connections do.
type streamConn interface {
	io.ReadWriter
	Handshake() error
}

// streamTLS is a TLS library driven through blocking connections. With
// GOMAXPROCS=1 the client and server goroutines take turns on one CPU,
// switching whenever one blocks on an empty pipe.
type streamTLS interface {
	// client wraps conn; with resume it offers the saved session.
	client(conn net.Conn, resume bool) (streamConn, error)
	server(conn net.Conn) (streamConn, error)
	// checkClient runs the checks that the library leaves to the caller
	// after the handshake (the hostname for go-openssl).
	checkClient(c streamConn) error
	// save keeps the session of an established client for resume.
	save(c streamConn) error
	state(c streamConn) connState
}

// streamBench runs the workloads for a streamTLS.
type streamBench struct{ t streamTLS }

type streamPair struct{ c, s streamConn }

// establish makes a connection pair, runs the handshake, then has the
// server write one byte that the client reads, as cbench.c does.
func (b streamBench) establish(resume bool) streamPair {
	cc, sc := newPipe()
	c, err := b.t.client(cc, resume)
	if err != nil {
		die("client: %v", err)
	}
	s, err := b.t.server(sc)
	if err != nil {
		die("server: %v", err)
	}
	errc := make(chan error, 1)
	go func() {
		err := s.Handshake()
		if err == nil {
			_, err = s.Write([]byte{'x'})
		}
		errc <- err
	}()
	if err := c.Handshake(); err != nil {
		die("client handshake: %v", err)
	}
	if err := b.t.checkClient(c); err != nil {
		die("client check: %v", err)
	}
	var one [1]byte
	if _, err := io.ReadFull(c, one[:]); err != nil {
		die("client read: %v", err)
	}
	if err := <-errc; err != nil {
		die("server: %v", err)
	}
	return streamPair{c, s}
}

func (b streamBench) hs() {
	for range a.warm {
		b.establish(false)
	}
	resetWire()
	var p streamPair
	t0 := time.Now()
	for range a.n {
		p = b.establish(false)
	}
	secs := since(t0)
	traceFlush("hs")
	result(secs, float64(a.n)/secs, "hs/s", b.t.state(p.c), 0)
}

func (b streamBench) resume() {
	first := b.establish(true) // nothing saved yet: a full handshake
	if err := b.t.save(first.c); err != nil {
		die("save session: %v", err)
	}
	for range a.warm {
		b.establish(true)
	}
	traceFlush("first")
	resetWire()
	var p streamPair
	var reused int64
	t0 := time.Now()
	for range a.n {
		p = b.establish(true)
		if b.t.state(p.c).reused {
			reused++
		}
	}
	secs := since(t0)
	traceFlush("hs")
	result(secs, float64(a.n)/secs, "hs/s", b.t.state(p.c), reused)
	runtime.KeepAlive(first)
}

func (b streamBench) bulk() {
	p := b.establish(false)
	traceFlush("hs")
	wbuf := make([]byte, a.wsize)
	rbuf := make([]byte, readBuf)
	resetWire()
	errc := make(chan error, 1)
	t0 := time.Now()
	go func() {
		var err error
		for sent := int64(0); sent < a.n && err == nil; {
			w := min(a.wsize, a.n-sent)
			_, err = p.c.Write(wbuf[:w])
			sent += w
		}
		errc <- err
	}()
	var got int64
	for got < a.n {
		n, err := p.s.Read(rbuf)
		if err != nil {
			die("server read: %v", err)
		}
		got += int64(n)
	}
	secs := since(t0)
	if err := <-errc; err != nil {
		die("client write: %v", err)
	}
	traceFlush("data")
	result(secs, float64(a.n)/secs/1e6, "MB/s", b.t.state(p.c), 0)
}

func (b streamBench) rss() {
	for range max(a.warm, 1) {
		b.establish(false)
	}
	pairs := make([]streamPair, 0, a.n)
	before := rssKiB()
	t0 := time.Now()
	for range a.n {
		pairs = append(pairs, b.establish(false))
	}
	secs := since(t0)
	after := rssKiB()
	result(secs, float64(after-before)/float64(a.n), "KiB/pair", b.t.state(pairs[len(pairs)-1].c), 0)
	runtime.KeepAlive(pairs)
}
