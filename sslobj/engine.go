package sslobj

import (
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/membio/membio/context"
	"github.com/membio/membio/cshim"
	"github.com/membio/membio/errors"
)

// Status describes the state of an Engine after a call. It is a set of
// flags: several hold at once (a failed handshake step, for instance,
// reports Failed together with OutputPending, because the alert that
// tells the peer why is waiting to be sent).
type Status uint32

// The flags of a Status.
const (
	// NeedMoreData: the call stopped because it needs ciphertext from the
	// peer. Feed what arrives, then call again.
	NeedMoreData Status = 1 << iota
	// HandshakeComplete: the handshake has completed (it stays set for
	// the rest of the connection's life).
	HandshakeComplete
	// OutputPending: ciphertext waits to be sent to the peer. Take it
	// with Output (or FlushTo) after every call, failed ones included.
	OutputPending
	// DataPending: the destination of Read filled up and more plaintext
	// may be ready without more input: call Read again.
	DataPending
	// PeerClosed: the peer sent close_notify. No more plaintext will
	// come; Read reports it with Produced 0 from now on.
	PeerClosed
	// Closed: close_notify went both ways, or the Engine was closed.
	Closed
	// Failed: the call failed; Result.Err says why. A TLS failure is
	// final: every later call reports it again, and only Output still
	// works, to send the alert.
	Failed
	// Truncated: the transport ended (FeedEOF) without the peer's
	// close_notify. It comes with Failed and an *errors.SSLEOFError.
	Truncated
	// OutputFull: the ciphertext waiting to be sent reached the
	// high-water mark (Options.MaxOutput): back off, send, then write
	// again.
	OutputFull
)

var statusNames = [...]string{
	"NeedMoreData", "HandshakeComplete", "OutputPending", "DataPending",
	"PeerClosed", "Closed", "Failed", "Truncated", "OutputFull",
}

// Has reports whether every flag of f is set in s.
func (s Status) Has(f Status) bool { return s&f == f }

// String lists the flags, such as "HandshakeComplete|OutputPending", or
// "0" for none.
func (s Status) String() string {
	if s == 0 {
		return "0"
	}
	var b strings.Builder
	for i, name := range statusNames {
		if s&(1<<i) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		b.WriteString(name)
	}
	if rest := s &^ (1<<len(statusNames) - 1); rest != 0 {
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		b.WriteString("0x")
		b.WriteString(strconv.FormatUint(uint64(rest), 16))
	}
	return b.String()
}

// Result is what an Engine call reports. It is returned by value: no call
// allocates.
type Result struct {
	// Status is the state after the call.
	Status Status
	// Consumed counts the bytes taken from the call's input: the
	// ciphertext fed (Feed, FeedRead) or the plaintext encrypted (Write,
	// WriteOutput). Bytes not consumed are the caller's to offer again.
	Consumed int
	// Produced counts the bytes written into the call's destination: the
	// plaintext decrypted (Read, FeedRead) or the ciphertext taken
	// (Output, WriteOutput). As with io.Reader, use them before looking
	// at Err.
	Produced int
	// Err is set when Status has Failed, and only then.
	Err error
}

// ErrEngineClosed is the error of every Engine call after Close. It is a
// *errors.ValueError.
var ErrEngineClosed = errors.NewValueError("Engine is closed")

// ErrConcurrentUse is the error of an Engine call in single-owner mode
// (Options.SingleOwner) that found another call in progress on the same
// Engine. The call did nothing. It is a *errors.ValueError.
var ErrConcurrentUse = errors.NewValueError("Engine is in use by another goroutine (single-owner mode)")

// ErrWriteAfterClose is the error of Write after CloseWrite. It is a
// *errors.ValueError; the connection is not failed.
var ErrWriteAfterClose = errors.NewValueError("Engine: write after CloseWrite")

// ErrCloseWriteBeforeHandshake is the error of CloseWrite before the
// handshake completed (OpenSSL cannot send close_notify then). It is a
// *errors.ValueError; the connection is not failed.
var ErrCloseWriteBeforeHandshake = errors.NewValueError("Engine: CloseWrite before the handshake completed")

// MaxEngineTickets is the largest number of TLS 1.3 session tickets
// (SSLContext.NumTickets) a server Engine sends. SSLContext accepts any
// count, as Python does, and a typo there would make every handshake
// run, and allocate, without bound; NewEngine refuses a context above
// this limit.
const MaxEngineTickets = 16

// maxRecord is the largest TLS plaintext record.
const maxRecord = 16 << 10

// Engine is one TLS connection driven by its caller, for event loops: the
// caller feeds the ciphertext that arrives from the network (Feed), takes
// the ciphertext to send (Output), reads plaintext into its own buffer
// (Read) and writes plaintext (Write). The Engine never touches a socket
// and never allocates on these calls. Every call returns a Result whose
// Status says what to do next, instead of sentinel errors.
//
// The rule of every sans-I/O TLS engine is built in: after every call,
// failed ones included, send what Output gives (the status has
// OutputPending), so that handshake messages and alerts reach the peer.
//
// An Engine owns an SSLObject and its two memory buffers; Close frees all
// three. SSLObject gives the Python-shaped getters (Version, Cipher,
// GetPeerCert, ...) of the connection.
//
// By default an Engine is safe for concurrent use: its calls are
// serialised. With Options.SingleOwner, one goroutine is expected to own
// it; a call that overlaps another fails with ErrConcurrentUse.
type Engine struct {
	o      *SSLObject
	single bool
	maxOut int

	// Guarded by o.mu.
	err     error // the final failure, or nil
	trunc   bool  // err is a truncation
	done    bool  // the handshake completed once
	eof     bool  // FeedEOF was called
	wclosed bool  // CloseWrite sent close_notify
}

// NewEngine returns an Engine for one connection configured by ctx: a
// client, or a server with opts.ServerSide. The options are New's
// (ServerHostname, Session) and the Engine's own (SingleOwner,
// MaxOutput). The errors are New's, and a *errors.ValueError for a
// negative MaxOutput or a server context whose NumTickets exceeds
// MaxEngineTickets.
func NewEngine(ctx *sslctx.SSLContext, opts Options) (*Engine, error) {
	if !cshim.Available {
		return nil, cshim.ErrNoCgo
	}
	if ctx == nil {
		return nil, errors.NewTypeError("NewEngine: the context must be an *sslctx.SSLContext, not nil")
	}
	if opts.MaxOutput < 0 {
		return nil, errors.NewValueError("NewEngine: MaxOutput must not be negative")
	}
	if opts.ServerSide {
		if n := ctx.NumTickets(); n > MaxEngineTickets {
			return nil, errors.NewValueError("NewEngine: the context's NumTickets (" + strconv.Itoa(n) +
				") exceeds the Engine's limit of " + strconv.Itoa(MaxEngineTickets))
		}
	}
	hostname := ""
	if opts.ServerHostname != "" {
		h, err := EncodeHostname(opts.ServerHostname)
		if err != nil {
			return nil, err
		}
		hostname = h
	}
	switch {
	case opts.ServerSide && ctx.Protocol() == sslctx.ProtocolTLSClient:
		return nil, errors.FromLibMessage("Cannot create a server socket with a PROTOCOL_TLS_CLIENT context")
	case !opts.ServerSide && ctx.Protocol() == sslctx.ProtocolTLSServer:
		return nil, errors.FromLibMessage("Cannot create a client socket with a PROTOCOL_TLS_SERVER context")
	}
	inR, st := cshim.NewBIO()
	if st != nil {
		return nil, errors.FromLib(st)
	}
	outR, st := cshim.NewBIO()
	if st != nil {
		inR.Lock()
		inR.Free()
		inR.Unlock()
		return nil, errors.FromLib(st)
	}
	o, err := newObject(ctx, inR, outR, hostname, opts, true)
	if err != nil {
		cshim.LockPair(inR, outR)
		inR.Free()
		outR.Free()
		cshim.UnlockPair(inR, outR)
		return nil, err
	}
	return &Engine{o: o, single: opts.SingleOwner, maxOut: opts.MaxOutput}, nil
}

// SSLObject returns the SSLObject of the connection, for the
// Python-shaped getters. Its I/O calls work too, but mixing them with the
// Engine's gives up the Engine's status and failure tracking.
func (e *Engine) SSLObject() *SSLObject { return e.o }

// lock takes the object lock for one call, or returns the error of a
// call that cannot proceed.
func (e *Engine) lock() error {
	if e == nil || e.o == nil {
		return errNilEngine
	}
	o := e.o
	if !o.mu.TryLock() {
		if o.raw.InCallback() {
			return ErrInCallback
		}
		if e.single {
			return ErrConcurrentUse
		}
		o.mu.Lock()
	}
	if o.raw.Closed() {
		o.mu.Unlock()
		return ErrEngineClosed
	}
	return nil
}

var errNilEngine = errors.NewValueError("Engine is nil")

// refused is the Result of a call that could not run.
func refused(err error) Result {
	s := Failed
	if err == ErrEngineClosed {
		s |= Closed
	}
	return Result{Status: s, Err: err}
}

// status turns the state reported by a call into flags. o's lock is held.
func (e *Engine) status(r cshim.IOResult) Status {
	var s Status
	if r.InitFinished {
		e.done = true
	}
	if e.done {
		s |= HandshakeComplete
	}
	if r.OutPending > 0 {
		s |= OutputPending
		if e.maxOut > 0 && r.OutPending >= e.maxOut {
			s |= OutputFull
		}
	}
	if r.Shutdown&cshim.ReceivedShutdown != 0 {
		s |= PeerClosed
		if r.Shutdown&cshim.SentShutdown != 0 {
			s |= Closed
		}
	}
	if e.err != nil {
		s |= Failed
		if e.trunc {
			s |= Truncated
		}
	}
	return s
}

// current returns the status without an I/O call. o's lock is held.
func (e *Engine) current() Status {
	// A take of nothing reports the state in one call.
	return e.status(e.o.raw.Take(nil))
}

// failed returns the sticky failure's Result. o's lock is held.
func (e *Engine) failed() Result {
	return Result{Status: e.current(), Err: e.err}
}

// finish classifies a failed I/O call r: a want-read, a clean close by
// the peer, or a final failure. o's lock is held.
func (e *Engine) finish(r cshim.IOResult, res Result) Result {
	o := e.o
	switch {
	case r.SSLError == sslErrorZeroReturn && r.Shutdown&cshim.ReceivedShutdown != 0:
		if err := o.callbackError(); err != nil {
			e.fail(err)
		}
	default:
		err := o.ioError(r)
		if err == errors.WantRead() {
			res.Status = e.status(r) | NeedMoreData
			return res
		}
		e.fail(err)
	}
	res.Status = e.status(r)
	res.Err = e.err
	return res
}

// fail records the final failure. o's lock is held.
func (e *Engine) fail(err error) {
	if e.err != nil {
		return
	}
	e.err = err
	e.trunc = e.eof && errors.Is(err, errors.ErrEOF)
}

// unlock releases the object lock.
func (e *Engine) unlock() { e.o.mu.Unlock() }

// Handshake makes one step of the handshake. The status has
// HandshakeComplete once it is done (and on every call after), or
// NeedMoreData while it waits for the peer; send Output in either case.
// Read and Write run the handshake on their own, so an event loop may
// skip Handshake altogether.
func (e *Engine) Handshake() Result {
	if err := e.lock(); err != nil {
		return refused(err)
	}
	if e.err != nil {
		res := e.failed()
		e.unlock()
		return res
	}
	r, err := e.o.io(true, e.o.raw.Handshake)
	var res Result
	switch {
	case err != nil:
		e.fail(err)
		res = e.failed()
	case r.Ret == 1:
		if cb := e.o.callbackError(); cb != nil {
			e.fail(cb)
		}
		res = Result{Status: e.status(r), Err: e.err}
	default:
		res = e.finish(r, res)
	}
	e.unlock()
	return res
}

// Feed hands the engine ciphertext received from the peer. It takes all
// of in (Consumed is len(in)); nothing is decrypted until Read, FeedRead
// or Handshake. After FeedEOF, Feed takes nothing and fails with the
// SSLError "cannot write() after write_eof()" (the connection is not
// failed by it).
func (e *Engine) Feed(in []byte) Result {
	if err := e.lock(); err != nil {
		return refused(err)
	}
	var res Result
	switch {
	case e.err != nil:
		res = e.failed()
	case e.eof && len(in) > 0:
		res = Result{Status: e.current() | Failed, Err: errWriteAfterEOF}
	default:
		r := e.o.raw.FeedRead(in, nil)
		if r.Ret < 0 {
			// Out of memory: nothing sensible is left to do.
			e.fail(errors.FromLib(e.o.raw.State()))
			res = e.failed()
			res.Consumed = r.Moved
		} else {
			res = Result{Status: e.status(r), Consumed: len(in)}
		}
	}
	e.unlock()
	return res
}

// FeedEOF tells the engine that the transport ended: no more ciphertext
// will come. The next Read reports PeerClosed if the peer's close_notify
// came first, or else Failed|Truncated with an *errors.SSLEOFError. It is
// idempotent.
func (e *Engine) FeedEOF() Result {
	if err := e.lock(); err != nil {
		return refused(err)
	}
	if !e.eof {
		e.eof = true
		e.o.inR.WriteEOF()
	}
	res := Result{Status: e.current(), Err: e.err}
	e.unlock()
	return res
}

// Read decrypts plaintext into p, record after record, until p is full
// or no complete record is left, running the handshake first if needed.
// Produced counts the bytes in p[:Produced]. The status has DataPending
// when p filled up (call again), NeedMoreData when it stopped for lack of
// ciphertext, PeerClosed after the peer's close_notify (Produced is then
// 0 on later calls, as io.EOF), or Failed; the plaintext before a failing
// record is still in p[:Produced]. Reading can produce ciphertext to send
// (handshake messages, a key update answer, an alert): check
// OutputPending. An empty p decrypts nothing.
func (e *Engine) Read(p []byte) Result {
	return e.feedRead(nil, p)
}

// FeedRead is Feed(in) followed by Read(p) in one call into OpenSSL:
// Consumed counts the ciphertext fed, Produced the plaintext decrypted.
// Once the handshake is done, a large in arriving when nothing is
// buffered is decrypted where it lies, without a copy into the engine.
func (e *Engine) FeedRead(in, p []byte) Result {
	return e.feedRead(in, p)
}

func (e *Engine) feedRead(in, p []byte) Result {
	if err := e.lock(); err != nil {
		return refused(err)
	}
	o := e.o
	if e.err != nil {
		res := e.failed()
		e.unlock()
		return res
	}
	if e.eof && len(in) > 0 {
		res := Result{Status: e.current() | Failed, Err: errWriteAfterEOF}
		e.unlock()
		return res
	}
	r, err := o.io(false, func() cshim.IOResult { return o.raw.FeedReadAll(in, p, nil) })
	res := Result{Consumed: len(in), Produced: r.N}
	switch {
	case err != nil:
		res.Consumed = 0
		e.fail(err)
		res.Status, res.Err = e.current(), e.err
	case r.Ret < 0 && r.SSLError == 0:
		// The feed itself failed (out of memory).
		res.Consumed = r.Moved
		e.fail(errors.FromLib(o.raw.State()))
		res.Status, res.Err = e.current(), e.err
	case r.Ret == 1:
		if cb := o.callbackError(); cb != nil {
			e.fail(cb)
		}
		res.Status, res.Err = e.status(r), e.err
		if len(p) > 0 && res.Err == nil {
			res.Status |= DataPending
		}
	default:
		res = e.finish(r, res)
	}
	e.unlock()
	return res
}

// limit returns how much of a write of n bytes may be encrypted under the
// high-water mark, given pending bytes of ciphertext.
func (e *Engine) limit(n, pending int) int {
	if e.maxOut == 0 || n == 0 {
		return n
	}
	room := e.maxOut - pending
	if room <= 0 {
		return 0
	}
	if n > room {
		n = max(room, min(n, maxRecord))
	}
	return n
}

// Write encrypts p, running the handshake first if needed. Consumed
// counts the plaintext encrypted: all of p, unless the high-water mark
// (Options.MaxOutput) stops it early (OutputFull: send Output, then write
// the rest), or the handshake is still waiting for the peer (NeedMoreData
// with Consumed 0: feed the peer's bytes, then write again). The
// ciphertext waits for Output. Write does not retain p.
func (e *Engine) Write(p []byte) Result {
	return e.write(p, nil)
}

// WriteOutput is Write(p) followed by Output(out) in one call into
// OpenSSL: Consumed counts the plaintext encrypted and Produced the
// ciphertext moved into out[:Produced]. Once the handshake is done, a
// large p is encrypted straight into out when nothing else waits to be
// sent. What does not fit in out stays pending (OutputPending).
func (e *Engine) WriteOutput(p, out []byte) Result {
	if len(out) == 0 {
		return e.write(p, nil)
	}
	return e.write(p, out)
}

func (e *Engine) write(p, out []byte) Result {
	if err := e.lock(); err != nil {
		return refused(err)
	}
	o := e.o
	var res Result
	switch {
	case e.err != nil:
		res = e.failed()
	case e.wclosed:
		res = Result{Status: e.current() | Failed, Err: ErrWriteAfterClose}
	default:
		n := len(p)
		if e.maxOut > 0 {
			n = e.limit(n, o.raw.OutPending())
			if n == 0 && len(p) > 0 {
				res = Result{Status: e.current() | OutputFull}
				break
			}
		}
		q := p[:n]
		r, err := o.io(false, func() cshim.IOResult {
			if out == nil {
				return o.raw.Write(q)
			}
			return o.raw.WriteDrain(q, out)
		})
		res.Produced = r.Moved
		switch {
		case err != nil:
			e.fail(err)
			res.Status, res.Err = e.current(), e.err
		case r.Ret == 1:
			res.Consumed = r.N
			if cb := o.callbackError(); cb != nil {
				e.fail(cb)
			}
			res.Status, res.Err = e.status(r), e.err
			if res.Consumed < len(p) && res.Err == nil {
				res.Status |= OutputFull
			}
		default:
			res = e.finish(r, res)
		}
	}
	e.unlock()
	return res
}

// Output moves up to len(dst) bytes of the ciphertext waiting to be sent
// into dst; Produced counts them. The status has OutputPending when more
// is waiting (dst was too small: nothing is lost, call again). Output
// works after a failure too, so the alert reaches the peer.
func (e *Engine) Output(dst []byte) Result {
	if err := e.lock(); err != nil {
		return refused(err)
	}
	r := e.o.raw.Take(dst)
	res := Result{Status: e.status(r), Produced: r.N, Err: e.err}
	e.unlock()
	return res
}

// OutputPending returns the number of ciphertext bytes waiting to be
// sent (0 after Close).
func (e *Engine) OutputPending() int {
	if e.lock() != nil {
		return 0
	}
	n := e.o.raw.OutPending()
	e.unlock()
	return n
}

// flushBufs lends FlushTo a staging buffer; it holds two full records.
var flushBufs = sync.Pool{New: func() any { b := make([]byte, 2*(maxRecord+512)); return &b }}

// FlushTo writes all the ciphertext waiting to be sent to w, through a
// pooled staging buffer, and returns the count written. It stops at the
// first error of w; the bytes not written stay pending. The Engine is not
// locked while w.Write runs.
func (e *Engine) FlushTo(w io.Writer) (int, error) {
	bp := flushBufs.Get().(*[]byte)
	buf := *bp
	total := 0
	var err error
	for {
		if e.lock() != nil {
			break
		}
		r := e.o.raw.Take(buf)
		e.unlock()
		if r.N == 0 {
			break
		}
		var n int
		n, err = w.Write(buf[:r.N])
		total += n
		if err == nil && n < r.N {
			err = io.ErrShortWrite
		}
		if err != nil {
			break
		}
		if r.OutPending == 0 {
			break
		}
	}
	flushBufs.Put(bp)
	return total, err
}

// CloseWrite sends close_notify (queued for Output): this side will write
// no more, and later Writes fail with ErrWriteAfterClose. Reading goes
// on: the status has Closed once the peer's close_notify has also come.
// It is idempotent. Before the handshake completed it fails with
// ErrCloseWriteBeforeHandshake; the connection is not failed by it (Close
// it, or finish the handshake).
func (e *Engine) CloseWrite() Result {
	if err := e.lock(); err != nil {
		return refused(err)
	}
	o := e.o
	var res Result
	switch {
	case e.err != nil:
		res = e.failed()
	case !e.done && !o.raw.InitFinished():
		res = Result{Status: e.current() | Failed, Err: ErrCloseWriteBeforeHandshake}
	default:
		r, err := o.io(false, o.raw.CloseNotify)
		switch {
		case err != nil:
			e.fail(err)
			res = e.failed()
		case r.Ret >= 0:
			e.wclosed = true
			res = Result{Status: e.status(r)}
		default:
			res = e.finish(r, res)
			if res.Err == nil {
				e.wclosed = true
			}
		}
	}
	e.unlock()
	return res
}

// Status returns the state of the connection without doing anything
// (Closed|Failed with ErrEngineClosed after Close).
func (e *Engine) Status() Result {
	if err := e.lock(); err != nil {
		return refused(err)
	}
	res := Result{Status: e.current(), Err: e.err}
	e.unlock()
	return res
}

// HandshakeComplete reports whether the handshake has completed.
func (e *Engine) HandshakeComplete() bool {
	if e.lock() != nil {
		return false
	}
	done := e.done || e.o.raw.InitFinished()
	e.unlock()
	return done
}

// Err returns the final failure of the connection, or nil.
func (e *Engine) Err() error {
	if e.lock() != nil {
		return nil
	}
	err := e.err
	e.unlock()
	return err
}

// Close frees the connection and both of its buffers. Pending ciphertext
// is discarded: to close cleanly, CloseWrite and send Output first.
// Later calls fail with ErrEngineClosed. Close is idempotent and returns
// nil, except while a callback runs inside a call on e
// (ErrInCallback).
func (e *Engine) Close() error {
	if e == nil || e.o == nil {
		return nil
	}
	return e.o.Close()
}
