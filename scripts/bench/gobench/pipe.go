package main

import (
	"io"
	"net"
	"sync"
	"time"
)

// pipeLimit is how many bytes one direction of a pipe holds before a
// writer blocks, like a socket buffer.
const pipeLimit = 64 << 10

// half is one direction of an in-memory connection: a byte queue that a
// writer fills without waiting for the reader (up to pipeLimit) and a
// reader drains, blocking only when it is empty.
type half struct {
	mu     sync.Mutex
	cond   sync.Cond
	buf    []byte // pending bytes are buf[r:]
	r      int
	closed bool
	wire   *dirStats
}

func newHalf(w *dirStats) *half {
	h := &half{wire: w}
	h.cond.L = &h.mu
	return h
}

func (h *half) write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.wire.add(p)
	n := 0
	for n < len(p) {
		if h.closed {
			return n, io.ErrClosedPipe
		}
		room := pipeLimit - (len(h.buf) - h.r)
		if room == 0 {
			h.cond.Wait()
			continue
		}
		k := min(room, len(p)-n)
		if h.r > 0 && len(h.buf)+k > cap(h.buf) {
			m := copy(h.buf, h.buf[h.r:])
			h.buf = h.buf[:m]
			h.r = 0
		}
		h.buf = append(h.buf, p[n:n+k]...)
		n += k
		h.cond.Broadcast()
	}
	return n, nil
}

func (h *half) read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for h.r == len(h.buf) {
		if h.closed {
			return 0, io.EOF
		}
		h.cond.Wait()
	}
	n := copy(p, h.buf[h.r:])
	h.r += n
	if h.r == len(h.buf) {
		h.buf = h.buf[:0]
		h.r = 0
	}
	h.cond.Broadcast()
	return n, nil
}

func (h *half) close() {
	h.mu.Lock()
	h.closed = true
	h.cond.Broadcast()
	h.mu.Unlock()
}

// memConn is one end of a buffered in-memory connection. Unlike net.Pipe,
// a Write returns as soon as its bytes are queued.
type memConn struct {
	rx, tx *half
}

// newPipe returns the client and server ends of a new connection.
func newPipe() (client, server *memConn) {
	c2s, s2c := newHalf(&wire[c2s]), newHalf(&wire[s2c])
	return &memConn{rx: s2c, tx: c2s}, &memConn{rx: c2s, tx: s2c}
}

func (c *memConn) Read(p []byte) (int, error)  { return c.rx.read(p) }
func (c *memConn) Write(p []byte) (int, error) { return c.tx.write(p) }

func (c *memConn) Close() error {
	c.rx.close()
	c.tx.close()
	return nil
}

type memAddr struct{}

func (memAddr) Network() string { return "mem" }
func (memAddr) String() string  { return "mem" }

func (c *memConn) LocalAddr() net.Addr  { return memAddr{} }
func (c *memConn) RemoteAddr() net.Addr { return memAddr{} }

// Deadlines are accepted and ignored: nothing in the benchmark waits on
// a peer that may not answer.
func (c *memConn) SetDeadline(time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(time.Time) error { return nil }

var _ net.Conn = (*memConn)(nil)
