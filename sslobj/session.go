package sslobj

import (
	"bytes"
	"runtime"
	"sync"

	"github.com/membio/membio/context"
	"github.com/membio/membio/cshim"
	"github.com/membio/membio/errors"
)

var errSessionClosed = errors.NewValueError("SSLSession is closed")

// SSLSession is a TLS session that a later client connection can resume
// (Python's ssl.SSLSession). It comes from SSLObject.Session and goes to
// Options.Session or SSLObject.SetSession of a client using the same
// SSLContext.
//
// An SSLSession holds a reference to an OpenSSL SSL_SESSION, released by
// Close or, failing that, when the SSLSession is garbage collected. It is
// safe for concurrent use. After Close its accessors return zero values
// and SetSession refuses it.
type SSLSession struct {
	mu      sync.Mutex
	raw     *cshim.Session
	ctx     *sslctx.SSLContext
	cleanup runtime.Cleanup
}

func newSession(raw *cshim.Session, ctx *sslctx.SSLContext) *SSLSession {
	s := &SSLSession{raw: raw, ctx: ctx}
	s.cleanup = runtime.AddCleanup(s, func(r *cshim.Session) { r.Free() }, raw)
	return s
}

// Close releases the session. It is idempotent and returns nil.
func (s *SSLSession) Close() error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.raw.Closed() {
		s.cleanup.Stop()
		s.raw.Free()
	}
	return nil
}

func (s *SSLSession) with(f func(r *cshim.Session)) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.raw.Closed() {
		f(s.raw)
	}
}

// ID returns the session ID (Python's id), 32 bytes for the sessions
// OpenSSL makes. The slice is owned by the caller.
func (s *SSLSession) ID() []byte {
	var id []byte
	s.with(func(r *cshim.Session) { id = r.ID() })
	return id
}

// Time returns the session's creation time in seconds since the epoch
// (Python's time).
func (s *SSLSession) Time() int64 {
	var v int64
	s.with(func(r *cshim.Session) { v = r.Time() })
	return v
}

// Timeout returns the session's lifetime in seconds (Python's timeout).
func (s *SSLSession) Timeout() int64 {
	var v int64
	s.with(func(r *cshim.Session) { v = r.Timeout() })
	return v
}

// TicketLifetimeHint returns the lifetime hint of the session ticket in
// seconds (Python's ticket_lifetime_hint), 0 without a ticket.
func (s *SSLSession) TicketLifetimeHint() uint64 {
	var v uint64
	s.with(func(r *cshim.Session) { v = r.TicketLifetimeHint() })
	return v
}

// HasTicket reports whether the session has a ticket (Python's
// has_ticket).
func (s *SSLSession) HasTicket() bool {
	var v bool
	s.with(func(r *cshim.Session) { v = r.HasTicket() })
	return v
}

// Equal reports whether s and t are the same session, by session ID as
// Python's == does. Two nil sessions are equal; a nil and a non-nil one
// are not.
func (s *SSLSession) Equal(t *SSLSession) bool {
	if s == t {
		return true
	}
	if s == nil || t == nil {
		return false
	}
	return bytes.Equal(s.ID(), t.ID())
}
