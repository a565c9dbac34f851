// Package bio provides MemoryBIO, an in-memory byte buffer that an SSLObject
// reads ciphertext from (its incoming side) or writes ciphertext to (its
// outgoing side). It is Python's ssl.MemoryBIO over OpenSSL's BIO_s_mem.
//
// The caller moves bytes between the network and two MemoryBIOs: bytes that
// arrive from the peer go into the incoming BIO with Write; bytes to send to
// the peer come out of the outgoing BIO with Read or ReadInto. When the peer
// closes its end, WriteEOF on the incoming BIO tells the SSLObject that no
// more bytes will come.
package bio

import (
	"runtime"

	"github.com/membio/membio/cshim"
	"github.com/membio/membio/errors"
)

// MemoryBIO is a growable in-memory buffer of bytes, first in first out.
//
// MemoryBIO is safe for concurrent use by multiple goroutines: one goroutine
// may write network bytes into it while another drives the SSLObject that
// reads them. Every call is serialised with the others and with the SSL
// calls of the SSLObjects that use it.
//
// After Close, Read, ReadInto, Write and WriteEOF return ErrClosed; Pending
// reports 0 and EOF reports true.
type MemoryBIO struct {
	// bioLink lends raw to package sslobj (see cshim.BIOOf).
	bioLink
	raw *cshim.BIO
}

// bioLink is embedded under an unexported name, so that the link shows
// nowhere in the public API.
type bioLink = cshim.BIOLink

// New returns an empty MemoryBIO, as Python's MemoryBIO() does.
func New() (*MemoryBIO, error) {
	if !cshim.Available {
		return nil, cshim.ErrNoCgo
	}
	raw, st := cshim.NewBIO()
	if st != nil {
		return nil, errors.FromLib(st)
	}
	m := &MemoryBIO{raw: raw}
	cshim.SetBIOLink(&m.bioLink, raw)
	runtime.AddCleanup(m, func(raw *cshim.BIO) {
		raw.Lock()
		raw.Free()
		raw.Unlock()
	}, raw)
	return m, nil
}

// Pending returns the number of bytes currently buffered (Python's pending).
// It returns 0 for a nil or closed MemoryBIO.
func (m *MemoryBIO) Pending() int {
	if m == nil || m.raw == nil {
		return 0
	}
	m.raw.Lock()
	n := 0
	if !m.raw.Closed() {
		n = m.raw.Pending()
	}
	m.raw.Unlock()
	return n
}

// EOF reports whether WriteEOF has been called and every buffered byte has
// been read (Python's eof). It reports true for a nil or closed MemoryBIO.
func (m *MemoryBIO) EOF() bool {
	if m == nil || m.raw == nil {
		return true
	}
	m.raw.Lock()
	eof := m.raw.Closed() || m.raw.EOFWritten() && m.raw.Pending() == 0
	m.raw.Unlock()
	return eof
}

// Read removes and returns up to n buffered bytes (Python's read(n)). A
// negative n, or an n larger than Pending, reads everything buffered; n == 0
// reads nothing. An empty buffer is not an error: Read returns a zero-length
// slice and a nil error, before and after EOF alike (use EOF to tell them
// apart). The returned slice is newly allocated and owned by the caller.
func (m *MemoryBIO) Read(n int) ([]byte, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	m.raw.Lock()
	defer m.raw.Unlock()
	if m.raw.Closed() {
		return nil, ErrClosed
	}
	pending := m.raw.Pending()
	if n < 0 || n > pending {
		n = pending
	}
	if n == 0 {
		return []byte{}, nil
	}
	buf := make([]byte, n)
	got, st := m.raw.Read(buf)
	if st != nil {
		return nil, errors.FromLib(st)
	}
	return buf[:got], nil
}

// ReadInto removes up to len(p) buffered bytes, copies them into p and
// returns how many it copied. It does not allocate. An empty buffer gives
// 0 and a nil error, before and after EOF alike (use EOF to tell them
// apart); ReadInto never returns io.EOF.
func (m *MemoryBIO) ReadInto(p []byte) (int, error) {
	if err := m.check(); err != nil {
		return 0, err
	}
	// No defer on the per-record path: the unlocks are explicit.
	m.raw.Lock()
	if m.raw.Closed() {
		m.raw.Unlock()
		return 0, ErrClosed
	}
	n, st := m.raw.Read(p)
	m.raw.Unlock()
	if st != nil {
		return 0, errors.FromLib(st)
	}
	return n, nil
}

// Write appends p to the buffer and returns len(p) (Python's write). It
// implements io.Writer. After WriteEOF, every Write, even of zero bytes,
// fails with the SSLError "cannot write() after write_eof()" and leaves the
// buffer unchanged. Write does not retain p.
func (m *MemoryBIO) Write(p []byte) (int, error) {
	if err := m.check(); err != nil {
		return 0, err
	}
	m.raw.Lock()
	switch {
	case m.raw.Closed():
		m.raw.Unlock()
		return 0, ErrClosed
	case m.raw.EOFWritten():
		m.raw.Unlock()
		return 0, errWriteAfterEOF
	}
	n, st := m.raw.Write(p)
	m.raw.Unlock()
	if st != nil {
		return 0, errors.FromLib(st)
	}
	return n, nil
}

// WriteEOF marks the end of the stream (Python's write_eof). Buffered bytes
// can still be read; once they are, EOF reports true and an SSLObject
// reading from this BIO sees the end of the transport. Calling it again has
// no effect.
func (m *MemoryBIO) WriteEOF() error {
	if err := m.check(); err != nil {
		return err
	}
	m.raw.Lock()
	defer m.raw.Unlock()
	if m.raw.Closed() {
		return ErrClosed
	}
	m.raw.WriteEOF()
	return nil
}

// Close frees the buffer. Bytes still buffered are discarded. An SSLObject
// that uses this BIO keeps its own reference to the underlying buffer and
// goes on working. Close is idempotent and always returns nil.
func (m *MemoryBIO) Close() error {
	if m == nil || m.raw == nil {
		return nil
	}
	m.raw.Lock()
	m.raw.Free()
	m.raw.Unlock()
	return nil
}

func (m *MemoryBIO) check() error {
	if m == nil || m.raw == nil {
		return ErrNilBIO
	}
	return nil
}

// ErrClosed is returned by calls on a MemoryBIO after Close. It is a
// *errors.ValueError, as Python reports I/O on a closed object.
var ErrClosed = errors.NewValueError("MemoryBIO is closed")

// ErrNilBIO is returned by calls on a nil *MemoryBIO.
var ErrNilBIO = errors.NewValueError("MemoryBIO is nil")

// errWriteAfterEOF is Python's args-only SSLError for writes after
// write_eof().
var errWriteAfterEOF = errors.Plain("cannot write() after write_eof()")
