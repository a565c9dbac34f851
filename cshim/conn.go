//go:build cgo

package cshim

/*
#include "conn.h"
*/
import "C"

import (
	"runtime"
	"runtime/cgo"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/membio/membio/errors"
)

// Conn is one OpenSSL SSL object attached to two memory BIOs. Its Go owner
// is sslobj.SSLObject, which serialises calls, holds the BIO locks during
// SSL calls, and frees it with Free.
//
// A Conn is reachable from C callbacks through a cgo.Handle stored in the C
// structure. The handle refers to the Conn only, never lastingly to its
// owner: the owner is recorded for the duration of each call (SetOwner /
// ClearOwner), so the handle table does not keep an SSLObject alive.
type Conn struct {
	c      *C.membio_conn
	handle cgo.Handle
	in     *BIO
	out    *BIO

	owner any   // the SSLObject, set for the duration of one call
	cbErr error // first error raised by a Go callback during the current call

	release bool // SSL_MODE_RELEASE_BUFFERS is set (counted in in.release and out.release)

	// cbMu guards inCallback and every SSL call made while a callback
	// runs (see EnterCallback).
	cbMu       sync.Mutex
	inCallback atomic.Bool
}

// ConnConfig holds the per-object settings of NewConn.
type ConnConfig struct {
	// ServerSide selects SSL_set_accept_state instead of connect state.
	ServerSide bool
	// Hostname is the A-label server hostname, or "" for none. It must
	// not contain NUL. An IP address gets no SNI.
	Hostname string
	// CheckHostname makes the certificate verification check Hostname
	// (X509_VERIFY_PARAM_set1_host or set1_ip) with HostFlags.
	CheckHostname bool
	// HostFlags are the context's X509_CHECK_FLAG_* bits.
	HostFlags uint
	// PostHandshakeAuth is the context's post_handshake_auth setting.
	PostHandshakeAuth bool
}

// NewConn creates an SSL object from ctx reading ciphertext from in and
// writing it to out, as CPython's newPySSLSocket does. The caller holds the
// locks of both BIOs (neither closed) and keeps ctx from being reconfigured
// during the call.
func NewConn(ctx *Ctx, in, out *BIO, cfg ConnConfig) (*Conn, *errors.State) {
	var ccfg C.membio_conn_cfg
	if cfg.Hostname != "" {
		h := C.CString(cfg.Hostname)
		defer C.free(unsafe.Pointer(h))
		ccfg.hostname = h
	}
	ccfg.check_hostname = cbool(cfg.CheckHostname)
	ccfg.hostflags = C.uint(cfg.HostFlags)
	ccfg.pha = cbool(cfg.PostHandshakeAuth)
	ccfg.server = cbool(cfg.ServerSide)
	var cc *C.membio_conn
	st := call(func(e *C.membio_err) bool {
		cc = C.membio_conn_new(ctx.c, in.ptr(), out.ptr(), &ccfg, e)
		return cc != nil
	})
	runtime.KeepAlive(ctx)
	if st != nil {
		return nil, st
	}
	c := &Conn{c: cc, in: in, out: out}
	c.handle = cgo.NewHandle(c)
	C.membio_conn_set_handle(cc, C.uintptr_t(c.handle))
	c.countRelease(C.membio_conn_release_buffers(cc) != 0)
	return c, nil
}

// countRelease records whether the SSL object is in release-buffers mode
// in the release counts of its BIOs. The caller holds the BIO locks.
func (c *Conn) countRelease(on bool) {
	if on == c.release {
		return
	}
	d := 1
	if !on {
		d = -1
	}
	c.release = on
	c.in.release += d
	if c.out != c.in {
		c.out.release += d
	}
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// Free releases the SSL object (and its references to the BIOs and the
// SSL_CTX). It is idempotent. The caller serialises it with every other
// call.
func (c *Conn) Free() {
	if c == nil || c.c == nil {
		return
	}
	C.membio_conn_free(c.c)
	c.countRelease(false)
	c.c = nil
	c.handle.Delete()
	c.handle = 0
	c.owner = nil
}

// Closed reports whether Free has run.
func (c *Conn) Closed() bool { return c == nil || c.c == nil }

// In and Out return the BIOs given to NewConn.
func (c *Conn) In() *BIO  { return c.in }
func (c *Conn) Out() *BIO { return c.out }

// SetOwner records the Go object that callbacks during the next call receive.
func (c *Conn) SetOwner(o any) { c.owner = o }

// ClearOwner forgets the owner recorded by SetOwner.
func (c *Conn) ClearOwner() { c.owner = nil }

// Owner returns the object recorded by SetOwner, or nil outside a call.
func (c *Conn) Owner() any { return c.owner }

// SetCallbackError records err as raised by a callback during the current
// call. The first one wins.
func (c *Conn) SetCallbackError(err error) {
	if c.cbErr == nil {
		c.cbErr = err
	}
}

// TakeCallbackError returns and clears the error recorded by a callback.
func (c *Conn) TakeCallbackError() error {
	err := c.cbErr
	c.cbErr = nil
	return err
}

// EnterCallback marks the start of a user callback that runs inside a call
// on this Conn and may call back into the owner (the SNI callback may
// switch the context). The dispatcher calls ExitCallback when the callback
// returns. While the mark is set, the owner's lock is held by the
// goroutine running the callback, so the owner uses InCallback and
// CallbackLock instead of its own lock for what a callback may do.
func (c *Conn) EnterCallback() {
	c.cbMu.Lock()
	c.inCallback.Store(true)
	c.cbMu.Unlock()
}

// ExitCallback clears the mark set by EnterCallback.
func (c *Conn) ExitCallback() {
	c.cbMu.Lock()
	c.inCallback.Store(false)
	c.cbMu.Unlock()
}

// InCallback reports whether a callback is running inside a call on c.
func (c *Conn) InCallback() bool { return c.inCallback.Load() }

// CallbackLock takes the lock that serialises SSL calls made from inside a
// callback with the end of the callback. It reports whether a callback is
// still running; if not, the caller unlocks and takes the owner's lock
// instead.
func (c *Conn) CallbackLock() bool {
	c.cbMu.Lock()
	return c.inCallback.Load()
}

// CallbackUnlock releases CallbackLock.
func (c *Conn) CallbackUnlock() { c.cbMu.Unlock() }

// connFromHandle returns the Conn behind a handle stored in C, or nil.
func connFromHandle(h C.uintptr_t) *Conn {
	if h == 0 {
		return nil
	}
	c, _ := cgo.Handle(h).Value().(*Conn)
	return c
}

// connFromSSL returns the Conn of an SSL object created by NewConn, or nil.
// Callbacks that receive an SSL* use it.
func connFromSSL(ssl *C.SSL) *Conn {
	if ssl == nil {
		return nil
	}
	return connFromHandle(C.membio_ssl_handle(ssl))
}

// SSL_get_shutdown bits.
const (
	SentShutdown     = 1
	ReceivedShutdown = 2
)

func ioResult(r C.membio_io) IOResult {
	return IOResult{
		Ret:          int(r.ret),
		SSLError:     int(r.ssl_error),
		QueueLen:     int(r.nqueue),
		Shutdown:     int(r.shutdown),
		InitFinished: r.init_finished != 0,
		N:            int(r.n),
		Moved:        int(r.moved),
		OutPending:   int(r.out_pending),
	}
}

// State returns the error state captured by the last call on c. It
// allocates; call it on failure paths only.
func (c *Conn) State() *errors.State {
	st := stateOf(C.membio_conn_err(c.c))
	runtime.KeepAlive(c)
	return st
}

// bytePtr returns the address of p's first byte (nil for a nil slice) as
// the C type the I/O functions take. A byte pointer, unlike an
// unsafe.Pointer, is not checked for Go pointers on every call: bytes hold
// none.
func bytePtr(p []byte) *C.uchar { return (*C.uchar)(unsafe.SliceData(p)) }

// Handshake makes one SSL_do_handshake call. The caller holds the BIO locks.
func (c *Conn) Handshake() IOResult {
	return ioResult(C.membio_conn_handshake(c.c))
}

// Read makes one SSL_read_ex call into p (len(p) > 0). The caller holds the
// BIO locks.
func (c *Conn) Read(p []byte) IOResult {
	return ioResult(C.membio_conn_read(c.c, bytePtr(p), C.size_t(len(p))))
}

// Write makes one SSL_write_ex call with p (which may be empty). The caller
// holds the BIO locks.
func (c *Conn) Write(p []byte) IOResult {
	return ioResult(C.membio_conn_write(c.c, bytePtr(p), C.size_t(len(p))))
}

// WriteDrain makes one SSL_write_ex call with p, then moves up to len(out)
// bytes of the outgoing BIO into out, in one cgo call. The caller holds the
// BIO locks.
func (c *Conn) WriteDrain(p, out []byte) IOResult {
	return ioResult(C.membio_conn_write_drain(c.c, bytePtr(p), C.size_t(len(p)), bytePtr(out), C.size_t(len(out))))
}

// FeedRead appends in to the incoming BIO, then, when p is not empty,
// makes one SSL_read_ex call into p, in one cgo call. A failure to feed
// returns Ret -1 and SSLError 0 (State has the details). The caller holds
// the BIO locks.
func (c *Conn) FeedRead(in, p []byte) IOResult {
	return ioResult(C.membio_conn_feed_read(c.c, bytePtr(in), C.size_t(len(in)), bytePtr(p), C.size_t(len(p))))
}

// FeedReadAll appends in to the incoming BIO, makes SSL_read_ex calls
// into p until p is full or a call fails, then moves up to len(out) bytes
// of the outgoing BIO into out, in one cgo call. N counts the bytes of
// every successful read and Moved the bytes drained; Ret is 1 when p
// filled up, else the failed read's result (SSLError and State describe
// it). A failure to feed is reported as by FeedRead. The caller holds the
// BIO locks.
func (c *Conn) FeedReadAll(in, p, out []byte) IOResult {
	return ioResult(C.membio_conn_feed_read_all(c.c, bytePtr(in), C.size_t(len(in)),
		bytePtr(p), C.size_t(len(p)), bytePtr(out), C.size_t(len(out))))
}

// SetReleaseBuffers sets or clears SSL_MODE_RELEASE_BUFFERS; setting it
// also frees the record buffers and the BIOs' storage now if they hold no
// data. The caller holds the BIO locks.
func (c *Conn) SetReleaseBuffers(on bool) {
	C.membio_conn_set_release_buffers(c.c, cbool(on))
	c.countRelease(on)
}

// ReleaseBuffers reports whether SSL_MODE_RELEASE_BUFFERS is set.
func (c *Conn) ReleaseBuffers() bool { return C.membio_conn_release_buffers(c.c) != 0 }

// FreeBuffers is SSL_free_buffers: it frees the record buffers and
// reports true, or reports false when they hold data.
func (c *Conn) FreeBuffers() bool { return C.membio_conn_free_buffers(c.c) != 0 }

// Shutdown runs CPython's unwrap loop (up to two SSL_shutdown calls). The
// caller holds the BIO locks.
func (c *Conn) Shutdown() IOResult {
	return ioResult(C.membio_conn_shutdown(c.c))
}

// Take moves up to len(out) bytes of the outgoing BIO into out (N) and
// reports what is left (OutPending). The caller holds the outgoing BIO's
// lock.
func (c *Conn) Take(out []byte) IOResult {
	return ioResult(C.membio_conn_take(c.c, bytePtr(out), C.size_t(len(out))))
}

// CloseNotify makes one SSL_shutdown call: it queues close_notify when it
// was not sent yet and never reads. Ret is 1 when the peer's close_notify
// was received too, 0 when not yet, -1 on failure. The caller holds the
// BIO locks.
func (c *Conn) CloseNotify() IOResult {
	return ioResult(C.membio_conn_close_notify(c.c))
}

// OutPending returns the outgoing BIO's pending byte count. The caller
// holds the outgoing BIO's lock.
func (c *Conn) OutPending() int { return int(C.membio_conn_out_pending(c.c)) }

// ConnState returns what the connection reports of itself in one call.
func (c *Conn) ConnState() ConnState {
	var s C.membio_conn_state
	C.membio_conn_get_state(c.c, &s)
	st := ConnState{
		Version:         int(s.version),
		CipherID:        int(s.cipher_id),
		SessionReused:   s.session_reused != 0,
		InitFinished:    s.init_finished != 0,
		AlertReceived:   int(s.alert_recv) - 1,
		FatalReceived:   int(s.alert_recv_fatal) - 1,
		AlertSent:       int(s.alert_sent) - 1,
		FatalSent:       int(s.alert_sent_fatal) - 1,
		CloseNotifyRecv: s.close_notify_recv != 0,
		CloseNotifySent: s.close_notify_sent != 0,
		Shutdown:        int(s.shutdown),
	}
	if s.servername != nil {
		st.ServerName = C.GoString(s.servername)
	}
	return st
}

// ExportKeyingMaterial is SSL_export_keying_material into out, with
// context used when useContext is set.
func (c *Conn) ExportKeyingMaterial(out []byte, label string, context []byte, useContext bool) *errors.State {
	l := C.CString(label)
	defer C.free(unsafe.Pointer(l))
	ok := C.membio_conn_export(c.c, bytePtr(out), C.size_t(len(out)), l, C.size_t(len(label)),
		bytePtr(context), C.size_t(len(context)), cbool(useContext))
	if ok != 0 {
		return nil
	}
	return c.State()
}

// Pending returns SSL_pending.
func (c *Conn) Pending() int { return int(C.membio_conn_pending(c.c)) }

// InitFinished returns SSL_is_init_finished.
func (c *Conn) InitFinished() bool { return C.membio_conn_init_finished(c.c) != 0 }

// Cipher describes one SSL_CIPHER.
type Cipher struct {
	// Name is SSL_CIPHER_get_name and Protocol SSL_CIPHER_get_version;
	// either is "" when OpenSSL returns NULL.
	Name, Protocol string
	// Bits is SSL_CIPHER_get_bits.
	Bits int
}

func goCipher(ci *C.membio_cipher) Cipher {
	var r Cipher
	if ci.name != nil {
		r.Name = C.GoString(ci.name)
	}
	if ci.protocol != nil {
		r.Protocol = C.GoString(ci.protocol)
	}
	r.Bits = int(ci.bits)
	return r
}

// CurrentCipher returns the current cipher, and false when there is none.
func (c *Conn) CurrentCipher() (Cipher, bool) {
	var ci C.membio_cipher
	if C.membio_conn_cipher(c.c, &ci) == 0 {
		return Cipher{}, false
	}
	return goCipher(&ci), true
}

// SharedCiphers returns the server's ciphers that the client also offered,
// in server order, and false when OpenSSL has no client list (client side,
// before the handshake, resumed session).
func (c *Conn) SharedCiphers() ([]Cipher, bool) {
	max := int(C.membio_conn_num_ciphers(c.c))
	if max == 0 {
		max = 1
	}
	buf := (*C.membio_cipher)(C.calloc(C.size_t(max), C.size_t(unsafe.Sizeof(C.membio_cipher{}))))
	defer C.free(unsafe.Pointer(buf))
	n := int(C.membio_conn_shared_ciphers(c.c, buf, C.int(max)))
	if n < 0 {
		return nil, false
	}
	cs := unsafe.Slice(buf, max)
	out := make([]Cipher, n)
	for i := 0; i < n; i++ {
		out[i] = goCipher(&cs[i])
	}
	return out, true
}

// Version returns SSL_get_version once the handshake has finished, and
// false before or when OpenSSL says "unknown".
func (c *Conn) Version() (string, bool) {
	v := C.membio_conn_version(c.c)
	if v == nil {
		return "", false
	}
	return C.GoString(v), true
}

// ALPN returns the selected ALPN protocol, and false when none was.
func (c *Conn) ALPN() (string, bool) {
	var p *C.uchar
	var n C.uint
	C.membio_conn_alpn(c.c, &p, &n)
	if p == nil {
		return "", false
	}
	return C.GoStringN((*C.char)(unsafe.Pointer(p)), C.int(n)), true
}

// Compression returns the compression method's short name, and false when
// there is none.
func (c *Conn) Compression() (string, bool) {
	s := C.membio_conn_compression(c.c)
	if s == nil {
		return "", false
	}
	return C.GoString(s), true
}

// TLSUnique returns the tls-unique channel binding (CPython's choice of
// Finished message), or nil when it is empty.
func (c *Conn) TLSUnique() []byte {
	var buf [128]byte
	n := int(C.membio_conn_tls_unique(c.c, unsafe.Pointer(&buf[0]), C.size_t(len(buf))))
	if n <= 0 {
		return nil
	}
	if n > len(buf) {
		n = len(buf)
	}
	out := make([]byte, n)
	copy(out, buf[:n])
	return out
}

// SessionReused returns SSL_session_reused.
func (c *Conn) SessionReused() bool { return C.membio_conn_session_reused(c.c) != 0 }

// Session returns the current session with its own reference, or nil.
// The caller frees it with Session.Free.
func (c *Conn) Session() *Session {
	s := C.membio_conn_get1_session(c.c)
	if s == nil {
		return nil
	}
	return &Session{s: s}
}

// SetSession sets s as the session to resume (SSL_set_session).
func (c *Conn) SetSession(s *Session) *errors.State {
	if C.membio_conn_set_session(c.c, s.s) != 0 {
		return nil
	}
	return c.State()
}

// UsesCtx reports whether x is the SSL_CTX the SSL object currently uses.
func (c *Conn) UsesCtx(x *Ctx) bool { return x != nil && C.membio_conn_ssl_ctx(c.c) == x.c }

// SetCtx switches the SSL object to x (SSL_set_SSL_CTX) and reports
// whether OpenSSL accepted it. The caller keeps x from being reconfigured
// during the call. It may run inside a callback of a call in progress on c
// (an SNI switch): it leaves that call's error state alone.
func (c *Conn) SetCtx(x *Ctx) bool {
	ok := C.membio_conn_set_ssl_ctx(c.c, x.c) != 0
	runtime.KeepAlive(x)
	return ok
}

// CtxVerifyMode returns the verify mode of the SSL_CTX in use.
func (c *Conn) CtxVerifyMode() int { return int(C.membio_conn_ctx_verify_mode(c.c)) }

// VerifyClientPostHandshake calls SSL_verify_client_post_handshake.
func (c *Conn) VerifyClientPostHandshake() *errors.State {
	if C.membio_conn_verify_client_post_handshake(c.c) != 0 {
		return nil
	}
	return c.State()
}

// PeerCertificate results.
const (
	PeerCertNotDone = -1 // the handshake has not finished
	PeerCertNone    = 0  // the peer sent no certificate
	PeerCertOK      = 1
)

// PeerCertificate returns the DER of the peer certificate with status
// PeerCertOK, or a nil slice with PeerCertNotDone or PeerCertNone.
func (c *Conn) PeerCertificate() ([]byte, int, *errors.State) {
	var der *C.uchar
	var n C.int
	r := int(C.membio_conn_peer_cert(c.c, &der, &n))
	switch r {
	case -2:
		return nil, 0, c.State()
	case PeerCertOK:
		out := C.GoBytes(unsafe.Pointer(der), n)
		C.membio_free(unsafe.Pointer(der))
		return out, PeerCertOK, nil
	}
	return nil, r, nil
}

// Chain returns the verified chain (SSL_get0_verified_chain) or the
// unverified one (SSL_get_peer_cert_chain, with the peer certificate first
// on the server side) as DER, or nil when OpenSSL has none.
func (c *Conn) Chain(verified bool) ([][]byte, *errors.State) {
	which := C.int(1)
	if verified {
		which = 0
	}
	var b C.membio_blobs
	if C.membio_conn_chain(c.c, which, &b) != 0 {
		return nil, c.State()
	}
	defer C.membio_blobs_free(&b)
	n := int(b.n)
	if n == 0 {
		return nil, nil
	}
	ends := unsafe.Slice(b.ends, n)
	data := C.GoBytes(unsafe.Pointer(b.data), C.int(ends[n-1]))
	out := make([][]byte, n)
	start := 0
	for i := 0; i < n; i++ {
		end := int(ends[i])
		out[i] = data[start:end:end]
		start = end
	}
	return out, nil
}

// Session is an OpenSSL SSL_SESSION reference. Its Go owner is
// sslobj.SSLSession, which frees it with Free.
type Session struct {
	s *C.SSL_SESSION
}

// Free drops the reference. It is idempotent.
func (s *Session) Free() {
	if s != nil && s.s != nil {
		C.membio_session_free(s.s)
		s.s = nil
	}
}

// Closed reports whether Free has run.
func (s *Session) Closed() bool { return s == nil || s.s == nil }

// ID returns SSL_SESSION_get_id.
func (s *Session) ID() []byte {
	var buf [C.SSL_MAX_SSL_SESSION_ID_LENGTH]byte
	n := C.membio_session_id(s.s, (*C.uchar)(unsafe.Pointer(&buf[0])))
	out := make([]byte, int(n))
	copy(out, buf[:n])
	return out
}

// Time returns SSL_SESSION_get_time (seconds since the epoch).
func (s *Session) Time() int64 { return int64(C.membio_session_time(s.s)) }

// Timeout returns SSL_SESSION_get_timeout in seconds.
func (s *Session) Timeout() int64 { return int64(C.membio_session_timeout(s.s)) }

// TicketLifetimeHint returns SSL_SESSION_get_ticket_lifetime_hint.
func (s *Session) TicketLifetimeHint() uint64 {
	return uint64(C.membio_session_ticket_lifetime_hint(s.s))
}

// HasTicket returns SSL_SESSION_has_ticket.
func (s *Session) HasTicket() bool { return C.membio_session_has_ticket(s.s) != 0 }
