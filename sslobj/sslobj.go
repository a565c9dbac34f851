// Package sslobj provides SSLObject, a TLS connection driven through two
// memory buffers, and SSLSession, a TLS session that can be resumed. They
// are Python's ssl.SSLObject and ssl.SSLSession over OpenSSL.
//
// An SSLObject does no I/O of its own (it is a sans-I/O engine). Ciphertext
// that arrives from the peer is written into the incoming MemoryBIO;
// ciphertext the object produces appears in the outgoing MemoryBIO, from
// which the caller sends it. Plaintext goes in with Write and comes out with
// Read or ReadInto. When a call needs more ciphertext than the incoming
// buffer holds, it returns an error matching errors.ErrWantRead (the shared
// value errors.WantRead()): move bytes and call again.
//
//	obj, err := sslobj.New(ctx, incoming, outgoing, sslobj.Options{ServerHostname: "example.test"})
//	for {
//		err = obj.DoHandshake()
//		// send outgoing's bytes to the peer, write the peer's bytes into incoming
//		if !errors.Is(err, errors.ErrWantRead) {
//			break
//		}
//	}
package sslobj

import (
	"crypto/x509"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/membio/membio/bio"
	"github.com/membio/membio/context"
	"github.com/membio/membio/cshim"
	"github.com/membio/membio/errors"
)

// SSL_get_error values used here.
const (
	sslErrorWantRead   = 2
	sslErrorZeroReturn = 6
)

// maxReadAlloc bounds the buffer Read allocates. One SSL_read_ex returns the
// plaintext of at most one TLS record (16 KiB), so a larger buffer is never
// filled.
const maxReadAlloc = 64 << 10

// ErrClosed is returned by the calls of an SSLObject after Close. It is a
// *errors.ValueError.
var ErrClosed = errors.NewValueError("SSLObject is closed")

// ErrInCallback is returned by the calls of an SSLObject that need its
// lock while a callback (the SNI callback) runs inside another call on the
// same object. The callback itself may use ServerSide, ServerHostname,
// Context and SetContext; other calls would wait for the call that runs the
// callback, which waits for the callback, so they fail with this error
// instead. It is a *errors.ValueError.
var ErrInCallback = errors.NewValueError("SSLObject is busy running a callback")

// Options holds the optional arguments of Python's SSLContext.wrap_bio.
type Options struct {
	// ServerSide makes the object the server end of the connection.
	ServerSide bool
	// ServerHostname is the name of the server the client connects to,
	// used for SNI and, when the context's CheckHostname is set, for
	// certificate verification. The empty string stands for Python's
	// None: no SNI and no hostname check. See EncodeHostname for the
	// encoding and the errors.
	ServerHostname string
	// Session is a session to resume (client side only), or nil.
	Session *SSLSession

	// The fields below configure the Go-native layer (NewEngine and the
	// Conn constructors); New ignores them.

	// SingleOwner drops the per-call lock wait of an Engine: one
	// goroutine (an event loop) owns the connection, and a call that
	// finds another call in progress fails at once with
	// ErrConcurrentUse instead of waiting. Misuse is an error, never
	// memory corruption.
	SingleOwner bool
	// MaxOutput is the high-water mark of the ciphertext waiting to be
	// taken (Engine.Output), in bytes; 0 means no limit. At or above it,
	// Write encrypts nothing and reports OutputFull; below it, one Write
	// encrypts at most what keeps the pending ciphertext under the mark,
	// rounded up to one full record (16 KiB), so the mark is exceeded by
	// at most one record and its overhead. Records the engine must send
	// on its own (handshake messages, alerts, key update answers) are
	// never held back. Negative values are a *errors.ValueError.
	MaxOutput int
}

// SSLObject is one end of a TLS connection over two MemoryBIOs (Python's
// ssl.SSLObject).
//
// SSLObject is safe for concurrent use: its calls are serialised with each
// other and with the calls on its two MemoryBIOs, so one goroutine may feed
// the incoming BIO while another reads plaintext. Every call that reaches
// OpenSSL is one cgo call.
//
// An SSLObject holds the C resources of an OpenSSL SSL object; Close frees
// them. A garbage-collected SSLObject is freed too, but Close makes it
// deterministic. After Close, the calls that return an error return
// ErrClosed and the others report "none" (Pending is 0, Version false).
type SSLObject struct {
	mu   sync.Mutex
	raw  *cshim.Conn // never changes; raw.Closed() after Close
	in   *bio.MemoryBIO
	out  *bio.MemoryBIO
	inR  *cshim.BIO
	outR *cshim.BIO
	bios cshim.Pair // inR and outR in lock order
	// private is set for an object that owns BIOs nothing else reaches
	// (an Engine's): o's lock alone serialises their use.
	private bool

	serverSide bool
	hostname   string

	ctx      atomic.Pointer[sslctx.SSLContext]
	initDone bool // SSL_is_init_finished after the last I/O call

	cleanup runtime.Cleanup
}

// New returns an SSLObject that reads ciphertext from incoming and writes
// ciphertext to outgoing, configured by ctx. It is Python's
// ctx.wrap_bio(incoming, outgoing, server_side, server_hostname, session);
// like tls.Client, it takes the shared configuration first.
//
// The checks and their order are Python's: the hostname is encoded
// (EncodeHostname: a *errors.ValueError or *errors.TypeError); a server
// object on a PROTOCOL_TLS_CLIENT context, or a client object on a
// PROTOCOL_TLS_SERVER one, is refused with an *errors.SSLError ("Cannot
// create a server socket with a PROTOCOL_TLS_CLIENT context"); then
// OpenSSL's failures (*errors.SSLError); then the session checks of
// SetSession.
//
// When the context checks hostnames, the name (or IP address) is captured
// now: changing CheckHostname later does not affect this object. A
// ServerHostname that is an IP address sends no SNI but is verified as an
// address. As in Python's wrap_bio, a client with no ServerHostname on a
// context that checks hostnames is accepted and checks no name.
//
// The object keeps references to incoming and outgoing; closing them does
// not stop the object, which holds its own references to the buffers.
func New(ctx *sslctx.SSLContext, incoming, outgoing *bio.MemoryBIO, opts Options) (*SSLObject, error) {
	if !cshim.Available {
		return nil, cshim.ErrNoCgo
	}
	hostname := ""
	if opts.ServerHostname != "" {
		h, err := EncodeHostname(opts.ServerHostname)
		if err != nil {
			return nil, err
		}
		hostname = h
	}
	if ctx == nil {
		return nil, errors.NewTypeError("wrap_bio() argument 'context' must be ssl.SSLContext, not None")
	}
	if incoming == nil || cshim.BIOOf(incoming) == nil {
		return nil, errors.NewTypeError("_wrap_bio() argument 'incoming' must be _ssl.MemoryBIO, not None")
	}
	if outgoing == nil || cshim.BIOOf(outgoing) == nil {
		return nil, errors.NewTypeError("_wrap_bio() argument 'outgoing' must be _ssl.MemoryBIO, not None")
	}
	switch {
	case opts.ServerSide && ctx.Protocol() == sslctx.ProtocolTLSClient:
		return nil, errors.FromLibMessage("Cannot create a server socket with a PROTOCOL_TLS_CLIENT context")
	case !opts.ServerSide && ctx.Protocol() == sslctx.ProtocolTLSServer:
		return nil, errors.FromLibMessage("Cannot create a client socket with a PROTOCOL_TLS_SERVER context")
	}

	o, err := newObject(ctx, cshim.BIOOf(incoming), cshim.BIOOf(outgoing), hostname, opts, false)
	if err != nil {
		return nil, err
	}
	o.in, o.out = incoming, outgoing
	return o, nil
}

// newObject creates the SSL object over inR and outR (hostname already
// encoded). A private object owns its BIOs, which nothing else can reach
// (the Engine's): its I/O calls skip the BIO locks, and its cleanup and
// Close free the BIOs too.
func newObject(ctx *sslctx.SSLContext, inR, outR *cshim.BIO, hostname string, opts Options, private bool) (*SSLObject, error) {
	var raw *cshim.Conn
	var st *errors.State
	var err error
	if !cshim.UseCtx(ctx, func(rawCtx *cshim.Ctx) {
		cfg := cshim.ConnConfig{
			ServerSide:        opts.ServerSide,
			Hostname:          hostname,
			CheckHostname:     ctx.CheckHostname(),
			HostFlags:         uint(ctx.HostFlags()),
			PostHandshakeAuth: ctx.PostHandshakeAuth(),
		}
		cshim.LockPair(inR, outR)
		if inR.Closed() || outR.Closed() {
			err = bio.ErrClosed
		} else {
			raw, st = cshim.NewConn(rawCtx, inR, outR, cfg)
		}
		cshim.UnlockPair(inR, outR)
	}) {
		return nil, sslctx.ErrClosed
	}
	if err != nil {
		return nil, err
	}
	if st != nil {
		return nil, errors.FromLib(st)
	}
	o := &SSLObject{
		raw:        raw,
		inR:        inR,
		outR:       outR,
		bios:       cshim.MakePair(inR, outR),
		private:    private,
		serverSide: opts.ServerSide,
		hostname:   hostname,
	}
	o.ctx.Store(ctx)
	if private {
		o.cleanup = runtime.AddCleanup(o, freePrivateConn, raw)
	} else {
		o.cleanup = runtime.AddCleanup(o, freeConn, raw)
	}
	if opts.Session != nil {
		if err := o.SetSession(opts.Session); err != nil {
			o.Close()
			return nil, err
		}
	}
	return o, nil
}

// freePrivateConn is the cleanup of an unreachable private SSLObject: it
// frees the SSL object and the Go owner's references to both BIOs.
func freePrivateConn(c *cshim.Conn) {
	in, out := c.In(), c.Out()
	cshim.LockPair(in, out)
	c.Free()
	in.Free()
	out.Free()
	cshim.UnlockPair(in, out)
}

// freeConn is the cleanup of an unreachable SSLObject.
func freeConn(c *cshim.Conn) {
	in, out := c.In(), c.Out()
	cshim.LockPair(in, out)
	c.Free()
	cshim.UnlockPair(in, out)
}

// lock takes o's lock and reports ErrClosed after Close. A nil error means
// the caller holds the lock and must unlock it.
func (o *SSLObject) lock() error {
	if o == nil || o.raw == nil {
		return errNil
	}
	if !o.mu.TryLock() {
		if o.raw.InCallback() {
			return ErrInCallback
		}
		o.mu.Lock()
	}
	if o.raw.Closed() {
		o.mu.Unlock()
		return ErrClosed
	}
	return nil
}

var errNil = errors.NewValueError("SSLObject is nil")

// io runs call, one SSL I/O call, with o's lock held by the caller: it
// records o as the owner that callbacks see and locks both BIOs around it.
// While the handshake is not finished (the call may run handshake code
// that reads the SSL_CTX), or when handshake is set, it also holds the
// context's shared lock (cshim.UseCtx), which fails with sslctx.ErrClosed
// once the context is closed. It records the handshake state afterwards.
func (o *SSLObject) io(handshake bool, call func() cshim.IOResult) (cshim.IOResult, error) {
	var r cshim.IOResult
	if handshake || !o.initDone {
		if !cshim.UseCtx(o.ctx.Load(), func(*cshim.Ctx) { r = o.step(call) }) {
			return r, sslctx.ErrClosed
		}
		return r, nil
	}
	return o.step(call), nil
}

// step is io without the context lock.
func (o *SSLObject) step(call func() cshim.IOResult) cshim.IOResult {
	o.raw.SetOwner(o)
	if o.private {
		r := call()
		o.raw.ClearOwner()
		o.initDone = r.InitFinished
		return r
	}
	o.bios.Lock()
	r := call()
	o.bios.Unlock()
	o.raw.ClearOwner()
	o.initDone = r.InitFinished
	return r
}

// ioError translates a failed I/O call. A plain want-read returns the shared
// value without allocating.
func (o *SSLObject) ioError(r cshim.IOResult) error {
	var err error
	if r.SSLError == sslErrorWantRead && r.QueueLen == 0 {
		err = errors.WantRead()
	} else {
		err = errors.FromSSL(o.raw.State(), o.hostname)
	}
	if cb := o.raw.TakeCallbackError(); cb != nil {
		return errors.ChainCallback(cb, err)
	}
	return err
}

// callbackError returns the error of a callback that failed during a call
// that itself succeeded, or nil.
func (o *SSLObject) callbackError() error {
	if cb := o.raw.TakeCallbackError(); cb != nil {
		return errors.ChainCallback(cb, nil)
	}
	return nil
}

// DoHandshake makes one step of the TLS handshake (Python's do_handshake).
// It returns nil once the handshake is complete, and keeps returning nil
// when called again. Until then it returns an error matching
// errors.ErrWantRead when it needs bytes from the peer: move the outgoing
// bytes to the peer, write the peer's bytes into incoming, and call again.
// Other failures are SSL errors as Python raises them, for example an
// *errors.SSLCertVerificationError.
func (o *SSLObject) DoHandshake() error {
	if err := o.lock(); err != nil {
		return err
	}
	// The I/O calls unlock without defer: they are on the per-record path.
	r, err := o.io(true, o.raw.Handshake)
	if err != nil {
		o.mu.Unlock()
		return err
	}
	if r.Ret < 1 {
		err = o.ioError(r)
	} else {
		err = o.callbackError()
	}
	o.mu.Unlock()
	return err
}

// Read decrypts and returns up to n bytes of plaintext (Python's
// read(len)). n < 0 is a *errors.ValueError ("size should not be
// negative"); n == 0 returns an empty slice without touching OpenSSL.
//
// Read runs the handshake first if it has not completed. With no
// plaintext available it returns an error matching errors.ErrWantRead.
// After the peer's close_notify it returns an empty slice and a nil error
// (Python's b”), repeatedly, until this side has also sent its own
// close_notify with Unwrap; then it returns an *errors.SSLZeroReturnError.
// A transport EOF without close_notify is an *errors.SSLEOFError.
//
// The returned slice is newly allocated and owned by the caller; ReadInto
// reads into the caller's buffer instead.
func (o *SSLObject) Read(n int) ([]byte, error) {
	if n < 0 {
		return nil, errors.NewValueError("size should not be negative")
	}
	if err := o.lock(); err != nil {
		return nil, err
	}
	defer o.mu.Unlock()
	if n == 0 {
		return []byte{}, nil
	}
	buf := make([]byte, min(n, maxReadAlloc))
	got, err := o.readLocked(buf)
	if err != nil {
		return nil, err
	}
	return buf[:got], nil
}

// ReadInto decrypts up to len(p) bytes of plaintext into p and returns the
// count (Python's read(len, buffer) with len <= 0). It does not allocate
// and leaves the rest of p untouched. An empty p returns 0 without touching
// OpenSSL. The results are Read's: after the peer's close_notify, 0 and a
// nil error.
func (o *SSLObject) ReadInto(p []byte) (int, error) {
	if err := o.lock(); err != nil {
		return 0, err
	}
	if len(p) == 0 {
		o.mu.Unlock()
		return 0, nil
	}
	n, err := o.readLocked(p)
	o.mu.Unlock()
	return n, err
}

func (o *SSLObject) readLocked(p []byte) (int, error) {
	r, err := o.io(false, func() cshim.IOResult { return o.raw.Read(p) })
	if err != nil {
		return 0, err
	}
	if r.Ret == 1 {
		return r.N, o.callbackError()
	}
	if r.SSLError == sslErrorZeroReturn && r.Shutdown == cshim.ReceivedShutdown {
		return 0, o.callbackError()
	}
	return 0, o.ioError(r)
}

// Write encrypts p and returns len(p) (Python's write). The records go to
// the outgoing BIO, which never fills up, so a successful Write always
// writes all of p. Write runs the handshake first if it has not completed,
// and returns an error matching errors.ErrWantRead while it waits for the
// peer. An empty p writes nothing and returns 0 once the handshake is done.
// After Unwrap it fails with "[SSL: PROTOCOL_IS_SHUTDOWN]". Write does not
// retain p and does not allocate.
func (o *SSLObject) Write(p []byte) (int, error) {
	if err := o.lock(); err != nil {
		return 0, err
	}
	r, err := o.io(false, func() cshim.IOResult { return o.raw.Write(p) })
	if err != nil {
		o.mu.Unlock()
		return 0, err
	}
	n := 0
	if r.Ret == 1 {
		n, err = r.N, o.callbackError()
	} else {
		err = o.ioError(r)
	}
	o.mu.Unlock()
	return n, err
}

// WriteDrain is Write followed by the outgoing MemoryBIO's ReadInto(out),
// in one call into OpenSSL: it encrypts p and moves up to len(out) bytes of
// ciphertext into out. It returns the plaintext count n (len(p) on
// success, 0 on failure) and the ciphertext count m. Ciphertext that does
// not fit stays in the outgoing BIO. Even when the write fails (it wants
// to read during the handshake, or an alert was produced) the bytes to
// send are drained into out. It does not allocate. It is the fast path
// for event loops that send right after writing: once the handshake is
// done, a write of 2 KiB or more with the outgoing BIO empty is encrypted
// straight into out (only what does not fit goes through the BIO), which
// saves the memory BIO's copy. After the outgoing MemoryBIO was closed it
// returns bio.ErrClosed.
func (o *SSLObject) WriteDrain(p, out []byte) (n, m int, err error) {
	if err := o.lock(); err != nil {
		return 0, 0, err
	}
	var closed bool
	r, err := o.io(false, func() cshim.IOResult {
		// The BIO's state is read under its lock, which io holds.
		if len(out) > 0 && o.outR.Closed() {
			closed = true
			return cshim.IOResult{InitFinished: o.initDone}
		}
		return o.raw.WriteDrain(p, out)
	})
	if err == nil && closed {
		err = bio.ErrClosed
	}
	if err != nil {
		o.mu.Unlock()
		return 0, 0, err
	}
	if r.Ret == 1 {
		n, err = r.N, o.callbackError()
	} else {
		err = o.ioError(r)
	}
	o.mu.Unlock()
	return n, r.Moved, err
}

// FeedReadInto is the incoming MemoryBIO's Write(in) followed by
// ReadInto(p), in one call into OpenSSL: it appends the ciphertext in to
// the incoming BIO, then decrypts up to len(p) bytes into p with ReadInto's
// rules (an empty p only feeds). The ciphertext is always fed in full
// unless the BIO refuses it: after the incoming BIO's WriteEOF (the
// *errors.SSLError "cannot write() after write_eof()") or Close
// (bio.ErrClosed), nothing is fed or read. It does not allocate. It is the
// fast path for event loops that read right after receiving.
func (o *SSLObject) FeedReadInto(in, p []byte) (int, error) {
	if err := o.lock(); err != nil {
		return 0, err
	}
	var refused error
	r, err := o.io(false, func() cshim.IOResult {
		if refused = o.feedRefused(in, nil); refused != nil {
			return cshim.IOResult{InitFinished: o.initDone}
		}
		return o.raw.FeedRead(in, p)
	})
	if err == nil {
		err = refused
	}
	if err != nil {
		o.mu.Unlock()
		return 0, err
	}
	n := 0
	switch {
	case r.Ret == 1:
		n, err = r.N, o.callbackError()
	case r.Ret < 0 && r.SSLError == 0:
		err = errors.FromLib(o.raw.State())
	case r.SSLError == sslErrorZeroReturn && r.Shutdown == cshim.ReceivedShutdown:
		err = o.callbackError()
	default:
		err = o.ioError(r)
	}
	o.mu.Unlock()
	return n, err
}

// FeedReadAll is the event loop's receive step in one call into OpenSSL:
// the incoming MemoryBIO's Write(in), then ReadInto(p) record after record
// until p is full or no complete record is left, then the outgoing
// MemoryBIO's ReadInto(out). It returns the count n of plaintext bytes
// decrypted into p[:n], the count m of ciphertext bytes drained into
// out[:m] (whatever the reads produced, such as a TLS 1.3 key update
// answer or an alert, to send to the peer; what does not fit stays in the
// outgoing BIO), and:
//
//   - nil when p filled up: more plaintext may be waiting, call again
//     (with nil in);
//   - an error matching errors.ErrWantRead when it stopped for lack of
//     ciphertext, possibly with n > 0;
//   - nil with n < len(p) after the peer's close_notify, as ReadInto
//     reports it (0 and nil on later calls);
//   - any other error of ReadInto, possibly with n > 0: the plaintext
//     before the failing record is in p[:n].
//
// As with io.Reader, process p[:n] (and send out[:m]) before looking at
// the error. in is fed with FeedReadInto's rules: after the incoming BIO's
// WriteEOF or Close nothing is fed, read or drained. An empty p only feeds
// and drains; an empty out leaves the outgoing BIO alone (after the
// outgoing BIO's Close, out must be empty). It does not allocate. With a p
// of a few records it also saves the call that ends in want-read. Once
// the handshake is done, an in of 2 KiB or more arriving at an empty
// incoming BIO is decrypted where it lies, and only what the reads leave
// (a partial record, or records that did not fit in p) is copied into the
// incoming BIO.
func (o *SSLObject) FeedReadAll(in, p, out []byte) (n, m int, err error) {
	if err := o.lock(); err != nil {
		return 0, 0, err
	}
	var refused error
	r, err := o.io(false, func() cshim.IOResult {
		if refused = o.feedRefused(in, out); refused != nil {
			return cshim.IOResult{InitFinished: o.initDone}
		}
		return o.raw.FeedReadAll(in, p, out)
	})
	if err == nil {
		err = refused
	}
	if err != nil {
		o.mu.Unlock()
		return 0, 0, err
	}
	switch {
	case r.Ret == 1:
		err = o.callbackError()
	case r.Ret < 0 && r.SSLError == 0:
		err = errors.FromLib(o.raw.State())
	case r.SSLError == sslErrorZeroReturn && r.Shutdown == cshim.ReceivedShutdown:
		err = o.callbackError()
	default:
		err = o.ioError(r)
	}
	o.mu.Unlock()
	return r.N, r.Moved, err
}

// SetReleaseBuffers turns OpenSSL's SSL_MODE_RELEASE_BUFFERS on or off for
// o. SSLContext turns it on for every object, as Python's does: a
// connection then frees its two record buffers (about 17 KiB each)
// whenever they are empty, and membio also frees the storage (up to 64
// KiB) of o's memory BIOs whenever a call on o, or a read of the BIO,
// leaves them empty (a memory BIO otherwise keeps its largest buffer), so
// an idle connection holds no buffer at all. The price is an allocation and a
// free for every record read and written. A connection about to move a
// burst of records can turn it off and turn it back on when it goes idle;
// turning it on frees the buffers at once if they hold no data. It
// reports ErrClosed after Close.
func (o *SSLObject) SetReleaseBuffers(on bool) error {
	return o.withConn(func(c *cshim.Conn) {
		o.bios.Lock()
		c.SetReleaseBuffers(on)
		o.bios.Unlock()
	})
}

// ReleaseBuffers reports whether SSL_MODE_RELEASE_BUFFERS is on (see
// SetReleaseBuffers). It is false after Close.
func (o *SSLObject) ReleaseBuffers() bool {
	var on bool
	o.withConn(func(c *cshim.Conn) { on = c.ReleaseBuffers() })
	return on
}

// FreeBuffers frees o's record buffers now, whatever the mode, and reports
// true, or reports false when they hold data not yet processed or sent (or
// after Close). An event loop with release buffers off calls it when the
// connection goes idle.
func (o *SSLObject) FreeBuffers() bool {
	var ok bool
	o.withConn(func(c *cshim.Conn) { ok = c.FreeBuffers() })
	return ok
}

var errWriteAfterEOF = errors.Plain("cannot write() after write_eof()")

// feedRefused reports why in cannot be fed to the incoming BIO, or out
// filled from the outgoing one: a closed BIO, or EOF written on the
// incoming one. Call it with the BIO locks held.
func (o *SSLObject) feedRefused(in, out []byte) error {
	if len(in) > 0 {
		if o.inR.Closed() {
			return bio.ErrClosed
		}
		if o.inR.EOFWritten() {
			return errWriteAfterEOF
		}
	}
	if len(out) > 0 && o.outR.Closed() {
		return bio.ErrClosed
	}
	return nil
}

// Pending returns the number of decrypted bytes buffered and readable
// without more input (Python's pending()). Ciphertext waiting in the
// incoming BIO does not count. It is 0 after Close.
func (o *SSLObject) Pending() int {
	if o.lock() != nil {
		return 0
	}
	defer o.mu.Unlock()
	return o.raw.Pending()
}

// Unwrap performs the TLS closing handshake (Python's unwrap()). The first
// call sends close_notify and returns an error matching errors.ErrWantRead
// until the peer's close_notify arrives; it returns nil once the shutdown
// is complete, and again on later calls. Before the handshake it fails with
// "[SSL: SHUTDOWN_WHILE_IN_INIT]". The incoming and outgoing BIOs stay
// usable for unencrypted traffic afterwards.
func (o *SSLObject) Unwrap() error {
	if err := o.lock(); err != nil {
		return err
	}
	defer o.mu.Unlock()
	r, err := o.io(false, o.raw.Shutdown)
	if err != nil {
		return err
	}
	if r.Ret < 0 {
		return o.ioError(r)
	}
	return o.callbackError()
}

// Close frees the OpenSSL resources of o. Later calls return ErrClosed.
// Close is idempotent and returns nil, except while a callback runs inside
// another call on o (ErrInCallback). It does not close the MemoryBIOs.
func (o *SSLObject) Close() error {
	if o == nil || o.raw == nil {
		return nil
	}
	if err := o.lock(); err != nil {
		if err == ErrClosed {
			return nil
		}
		return err
	}
	defer o.mu.Unlock()
	o.cleanup.Stop()
	cshim.LockPair(o.inR, o.outR)
	o.raw.Free()
	if o.private {
		o.inR.Free()
		o.outR.Free()
	}
	cshim.UnlockPair(o.inR, o.outR)
	return nil
}

// ServerSide reports whether o is the server end (Python's server_side).
func (o *SSLObject) ServerSide() bool { return o.serverSide }

// ServerHostname returns the server hostname in its encoded (A-label) form,
// as given to New (Python's server_hostname), or "" for none.
func (o *SSLObject) ServerHostname() string { return o.hostname }

// Context returns the SSLContext o uses (Python's context).
func (o *SSLObject) Context() *sslctx.SSLContext { return o.ctx.Load() }

// SetContext switches o to ctx (Python's context setter): the OpenSSL
// SSL_CTX and the Go reference change together, so the certificate, key
// and verification settings of ctx apply from now on. Its main use is in
// an SNI callback, to serve a certificate chosen by the client's server
// name; the switch then applies to the handshake in progress. A nil ctx
// is a *errors.TypeError ("The value must be a SSLContext").
func (o *SSLObject) SetContext(ctx *sslctx.SSLContext) error {
	if ctx == nil {
		return errors.NewTypeError("The value must be a SSLContext")
	}
	if o == nil || o.raw == nil {
		return errNil
	}
	for {
		if o.raw.CallbackLock() {
			// A callback runs inside a call that holds o's lock: the SSL
			// object is paused in that call, and the callback lock orders
			// this switch with the callback's end.
			err := o.setContext(ctx)
			o.raw.CallbackUnlock()
			return err
		}
		o.raw.CallbackUnlock()
		if o.mu.TryLock() {
			break
		}
		if o.raw.InCallback() {
			continue
		}
		o.mu.Lock()
		break
	}
	defer o.mu.Unlock()
	return o.setContext(ctx)
}

// setContext swaps the SSL_CTX, excluding ctx's setters for the moment of
// the switch (without waiting for handshakes on ctx).
func (o *SSLObject) setContext(ctx *sslctx.SSLContext) error {
	if o.raw.Closed() {
		return ErrClosed
	}
	var ok bool
	if !cshim.BriefCtx(ctx, func(raw *cshim.Ctx) { ok = o.raw.SetCtx(raw) }) {
		return sslctx.ErrClosed
	}
	if !ok {
		return errors.FromLibMessage("cannot switch the SSL object to the new SSLContext")
	}
	o.ctx.Store(ctx)
	return nil
}

// withConn runs f with o's lock held and reports ErrClosed after Close.
func (o *SSLObject) withConn(f func(c *cshim.Conn)) error {
	if err := o.lock(); err != nil {
		return err
	}
	defer o.mu.Unlock()
	f(o.raw)
	return nil
}

// CipherInfo describes a cipher suite as Python's cipher() tuple does.
type CipherInfo struct {
	// Name is the OpenSSL name, such as "TLS_AES_256_GCM_SHA384".
	Name string
	// Protocol is the protocol version that defined the cipher (not the
	// version in use): "TLSv1.3", "TLSv1.2", or "SSLv3" for AES128-SHA.
	Protocol string
	// Bits is the number of secret bits.
	Bits int
}

func cipherInfo(c cshim.Cipher) CipherInfo {
	return CipherInfo{Name: c.Name, Protocol: c.Protocol, Bits: c.Bits}
}

// Cipher returns the cipher in use (Python's cipher()), and false before
// the handshake has chosen one or after Close. It may report a cipher after
// a failed handshake, and keeps reporting it after Unwrap.
func (o *SSLObject) Cipher() (CipherInfo, bool) {
	var ci cshim.Cipher
	var ok bool
	o.withConn(func(c *cshim.Conn) { ci, ok = c.CurrentCipher() })
	return cipherInfo(ci), ok
}

// SharedCiphers returns the ciphers both sides offered, in the server's
// order of preference (Python's shared_ciphers()). It reports false on the
// client side, before the handshake, on a resumed TLS 1.2 session, and
// after Close.
func (o *SSLObject) SharedCiphers() ([]CipherInfo, bool) {
	var cs []cshim.Cipher
	var ok bool
	o.withConn(func(c *cshim.Conn) { cs, ok = c.SharedCiphers() })
	if !ok {
		return nil, false
	}
	out := make([]CipherInfo, len(cs))
	for i, c := range cs {
		out[i] = cipherInfo(c)
	}
	return out, true
}

// Version returns the negotiated protocol version, such as "TLSv1.3"
// (Python's version()), and false while the handshake is not finished
// (including during a post-handshake authentication exchange) or after
// Close.
func (o *SSLObject) Version() (string, bool) {
	var v string
	var ok bool
	o.withConn(func(c *cshim.Conn) { v, ok = c.Version() })
	return v, ok
}

// Compression returns the compression method's short name (Python's
// compression()), and false when there is none, which is always the case
// with OpenSSL 3.
func (o *SSLObject) Compression() (string, bool) {
	var v string
	var ok bool
	o.withConn(func(c *cshim.Conn) { v, ok = c.Compression() })
	return v, ok
}

// SelectedALPNProtocol returns the protocol chosen by ALPN (Python's
// selected_alpn_protocol()), and false when none was: before the
// handshake, when a side offered no protocols, or when the lists did not
// overlap (the handshake still succeeds then).
func (o *SSLObject) SelectedALPNProtocol() (string, bool) {
	var v string
	var ok bool
	o.withConn(func(c *cshim.Conn) { v, ok = c.ALPN() })
	return v, ok
}

// SelectedNPNProtocol always reports none, as Python does with OpenSSL 3
// (NPN is deprecated and never negotiated).
func (o *SSLObject) SelectedNPNProtocol() (string, bool) { return "", false }

// SessionReused reports whether the handshake resumed a session (Python's
// session_reused). It is false after Close.
func (o *SSLObject) SessionReused() bool {
	var v bool
	o.withConn(func(c *cshim.Conn) { v = c.SessionReused() })
	return v
}

// GetChannelBinding returns the channel binding data of type cbType
// (Python's get_channel_binding). Only "tls-unique" is implemented; any
// other type is a *errors.ValueError ("'X' channel binding type not
// implemented"). It returns nil and a nil error when there is no data yet
// (before the handshake). As in Python, TLS 1.3 connections return data
// although RFC 9266 deprecates tls-unique there.
func (o *SSLObject) GetChannelBinding(cbType string) ([]byte, error) {
	if cbType != "tls-unique" {
		return nil, errors.NewValueError("'" + cbType + "' channel binding type not implemented")
	}
	var b []byte
	if err := o.withConn(func(c *cshim.Conn) { b = c.TLSUnique() }); err != nil {
		return nil, err
	}
	return b, nil
}

// VerifyClientPostHandshake asks a TLS 1.3 client for its certificate
// after the handshake (Python's verify_client_post_handshake). The request
// goes out with the server's next Write; the client answers in its next
// Read, and the server processes the answer in its next Read. OpenSSL's
// refusals come back as *errors.SSLError: WRONG_SSL_VERSION (before the
// handshake or on TLS 1.2), NOT_SERVER, EXTENSION_NOT_RECEIVED (the client
// did not enable post-handshake authentication), INVALID_CONFIG (the
// server does not verify clients), STILL_IN_INIT (a request is pending).
func (o *SSLObject) VerifyClientPostHandshake() error {
	if err := o.lock(); err != nil {
		return err
	}
	defer o.mu.Unlock()
	var st *errors.State
	_, err := o.io(false, func() cshim.IOResult {
		st = o.raw.VerifyClientPostHandshake()
		return cshim.IOResult{InitFinished: o.raw.InitFinished()}
	})
	if err != nil {
		return err
	}
	if st != nil {
		return errors.FromLib(st)
	}
	return nil
}

var errNotDone = errors.NewValueError("handshake not done yet")

// GetPeerCertDER returns the DER encoding of the peer's certificate
// (Python's getpeercert(binary_form=True)). It returns nil and a nil error
// when the peer sent no certificate (a client not asked for one), and a
// *errors.ValueError ("handshake not done yet") while the handshake is not
// finished, including after a failed handshake and during a
// post-handshake authentication exchange. The slice is owned by the
// caller.
func (o *SSLObject) GetPeerCertDER() ([]byte, error) {
	var der []byte
	var status int
	var st *errors.State
	if err := o.withConn(func(c *cshim.Conn) { der, status, st = c.PeerCertificate() }); err != nil {
		return nil, err
	}
	if st != nil {
		return nil, errors.FromLib(st)
	}
	if status == cshim.PeerCertNotDone {
		return nil, errNotDone
	}
	return der, nil
}

// GetPeerCert returns the peer's certificate decoded as Python's
// getpeercert() dict (see sslctx.Certificate). The results follow Python:
//
//   - the handshake is not finished: a *errors.ValueError ("handshake not
//     done yet");
//   - the peer sent no certificate (Python's None): nil, nil;
//   - the context in use does not verify the peer (CERT_NONE), although a
//     certificate was received (Python's {}): a non-nil, empty
//     *sslctx.Certificate (its zero value); GetPeerCertDER still returns
//     the bytes;
//   - otherwise the decoded certificate.
func (o *SSLObject) GetPeerCert() (*sslctx.Certificate, error) {
	var der []byte
	var status, mode int
	var st *errors.State
	if err := o.withConn(func(c *cshim.Conn) {
		der, status, st = c.PeerCertificate()
		mode = c.CtxVerifyMode()
	}); err != nil {
		return nil, err
	}
	if st != nil {
		return nil, errors.FromLib(st)
	}
	switch status {
	case cshim.PeerCertNotDone:
		return nil, errNotDone
	case cshim.PeerCertNone:
		return nil, nil
	}
	if mode&sslVerifyPeer == 0 {
		return &sslctx.Certificate{}, nil
	}
	return sslctx.DecodeCertificate(der)
}

// SSL_VERIFY_PEER.
const sslVerifyPeer = 1

// GetPeerX509 returns the peer's certificate parsed by crypto/x509, with
// GetPeerCertDER's rules for the handshake and a missing certificate.
func (o *SSLObject) GetPeerX509() (*x509.Certificate, error) {
	der, err := o.GetPeerCertDER()
	if err != nil || der == nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

// GetVerifiedChain returns the certificate chain that verification built,
// leaf first and trust anchor last, as DER (Python's get_verified_chain).
// It is empty when there is none (no verification took place, or before
// the handshake).
func (o *SSLObject) GetVerifiedChain() ([][]byte, error) {
	return o.chain(true)
}

// GetUnverifiedChain returns the certificates the peer sent, leaf first,
// as DER (Python's get_unverified_chain). On the server side the client's
// certificate is included first, as in Python (OpenSSL leaves it out). It
// is empty when the peer sent none.
func (o *SSLObject) GetUnverifiedChain() ([][]byte, error) {
	return o.chain(false)
}

func (o *SSLObject) chain(verified bool) ([][]byte, error) {
	var out [][]byte
	var st *errors.State
	if err := o.withConn(func(c *cshim.Conn) { out, st = c.Chain(verified) }); err != nil {
		return nil, err
	}
	if st != nil {
		return nil, errors.FromLib(st)
	}
	return out, nil
}

// Session returns the TLS session of the connection (Python's session), or
// nil when there is none (before the handshake, or after Close). Each call
// returns a new *SSLSession; use Equal to compare them. With TLS 1.3 the
// client's resumable session arrives after the handshake, in a ticket that
// a later Read processes.
func (o *SSLObject) Session() *SSLSession {
	var s *cshim.Session
	o.withConn(func(c *cshim.Conn) { s = c.Session() })
	if s == nil {
		return nil
	}
	return newSession(s, o.ctx.Load())
}

// SetSession sets the session that the client's handshake will try to
// resume (Python's session setter). The checks, in Python's order: s is
// nil, a *errors.TypeError ("Value is not a SSLSession."); s came from an
// object with another context, a *errors.ValueError ("Session refers to a
// different SSLContext."); o is a server ("Cannot set session for
// server-side SSLSocket."); the handshake is done ("Cannot set session
// after handshake.").
func (o *SSLObject) SetSession(s *SSLSession) error {
	if s == nil {
		return errors.NewTypeError("Value is not a SSLSession.")
	}
	if err := o.lock(); err != nil {
		return err
	}
	defer o.mu.Unlock()
	if s.ctx != o.ctx.Load() {
		return errors.NewValueError("Session refers to a different SSLContext.")
	}
	if o.serverSide {
		return errors.NewValueError("Cannot set session for server-side SSLSocket.")
	}
	if o.raw.InitFinished() {
		return errors.NewValueError("Cannot set session after handshake.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.raw.Closed() {
		return errSessionClosed
	}
	if st := o.raw.SetSession(s.raw); st != nil {
		return errors.FromLib(st)
	}
	return nil
}

// String returns a short description for debugging.
func (o *SSLObject) String() string {
	side := "client"
	if o.serverSide {
		side = "server"
	}
	return "sslobj.SSLObject(" + side + ", server_hostname=" + strconv.Quote(o.hostname) + ")"
}
