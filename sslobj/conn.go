package sslobj

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/membio/membio/context"
	"github.com/membio/membio/errors"
)

// Conn is a TLS connection over a net.Conn, shaped like crypto/tls's
// *tls.Conn so that code written for crypto/tls (net/http,
// golang.org/x/net/http2, gRPC) works with it unchanged. It is built on an
// Engine: OpenSSL does the TLS, the Conn moves bytes between the Engine
// and the underlying connection.
//
// Conn implements net.Conn with crypto/tls's semantics: the handshake
// runs on the first Read or Write unless Handshake or HandshakeContext
// ran it first; Read and Write may be called concurrently from two
// goroutines; deadlines are those of the underlying connection; Read
// returns io.EOF after the peer's close_notify and an error matching
// ErrTruncated when the transport ended without one; CloseWrite sends
// close_notify and Close sends it, then closes.
//
// Unlike *tls.Conn, a Write that times out is not fatal: the ciphertext
// of the bytes it accepted is kept and sent first by the next Write, so
// the stream stays intact, and the count it returns is the bytes accepted.
// A Write called when the write deadline has already passed accepts
// nothing.
type Conn struct {
	conn     net.Conn
	e        *Engine
	isClient bool

	hsMu   sync.Mutex
	hsErr  error // guarded by hsMu
	hsDone atomic.Bool

	in   sync.Mutex // the reading side: Read, and the handshake's reads
	rbuf []byte     // ciphertext read from conn; guarded by in

	out  sync.Mutex // the writing side: every write of ciphertext to conn
	wbuf []byte     // staging for ciphertext; guarded by out
	wpos int        // wbuf[wpos:wend] was taken from the engine but not yet sent
	wend int
	werr error // a write error that broke the connection; guarded by out

	dmu       sync.Mutex
	wdeadline time.Time // the write deadline, guarded by dmu

	// activeCall counts Writes in flight (in steps of 2); bit 0 is set by
	// Close. As crypto/tls does, a Close that finds a Write in flight
	// closes the transport at once instead of waiting to send
	// close_notify.
	activeCall atomic.Int32
	closeErr   error // guarded by out
	closed     atomic.Bool
	closeSent  bool // close_notify sent; guarded by out

	state     tls.ConnectionState // cached once the handshake is done; guarded by hsMu
	haveState bool
}

// ErrTruncated is matched (errors.Is) by the error of a Conn's Read when
// the underlying connection ended without the peer's close_notify, which
// an attacker can cause to cut a message short. The error also matches
// errors.ErrEOF and io.ErrUnexpectedEOF, and unwraps to the
// *errors.SSLEOFError that OpenSSL's read produced.
var ErrTruncated = errors.New("sslobj: connection truncated: transport ended without close_notify")

type truncatedError struct{ err error }

func (t *truncatedError) Error() string { return ErrTruncated.Error() + ": " + t.err.Error() }
func (t *truncatedError) Unwrap() error { return t.err }
func (t *truncatedError) Is(target error) bool {
	return target == ErrTruncated || target == io.ErrUnexpectedEOF
}

var errCloseWriteEarly = errors.NewValueError("sslobj: CloseWrite called before the handshake completed")

// Client returns a Conn for the client side of a TLS connection over
// conn, configured by ctx; opts.ServerHostname names the server (for SNI
// and certificate verification) and opts.Session may resume a session.
// The other Options are the Engine's and are ignored: a Conn serialises
// its own calls and sends as it writes. The handshake runs later (see
// Conn). The errors are NewEngine's.
func Client(conn net.Conn, ctx *sslctx.SSLContext, opts Options) (*Conn, error) {
	opts.ServerSide = false
	return newConn(conn, ctx, opts)
}

// Server returns a Conn for the server side of a TLS connection over
// conn, configured by ctx. The errors are NewEngine's.
func Server(conn net.Conn, ctx *sslctx.SSLContext) (*Conn, error) {
	return newConn(conn, ctx, Options{ServerSide: true})
}

func newConn(conn net.Conn, ctx *sslctx.SSLContext, opts Options) (*Conn, error) {
	if conn == nil {
		return nil, errors.NewTypeError("sslobj: the net.Conn must not be nil")
	}
	opts.SingleOwner = false
	opts.MaxOutput = 0
	e, err := NewEngine(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &Conn{conn: conn, e: e, isClient: !opts.ServerSide}, nil
}

// Dial connects to addr on the named network and runs the client
// handshake, honouring ctx's cancellation and deadline. When
// opts.ServerHostname is empty the host part of addr is used, as
// tls.Dial uses it. On failure the connection is closed.
func Dial(ctx context.Context, network, addr string, sctx *sslctx.SSLContext, opts Options) (*Conn, error) {
	return (&Dialer{Context: sctx, Options: opts}).dial(ctx, network, addr)
}

// Dialer dials TLS connections (crypto/tls's Dialer). Its DialContext
// fits net/http's Transport.DialTLSContext and golang.org/x/net/http2's
// Transport.DialTLSContext (through a closure).
type Dialer struct {
	// NetDialer dials the underlying connections; nil means a zero
	// net.Dialer.
	NetDialer *net.Dialer
	// Context configures the connections; it must be a client context.
	Context *sslctx.SSLContext
	// Options are the client options (ServerHostname defaults to the host
	// of the address dialed).
	Options Options
}

// Dial connects and runs the handshake (see the package-level Dial).
func (d *Dialer) Dial(network, addr string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, addr)
}

// DialContext connects and runs the handshake, honouring ctx (see the
// package-level Dial). The returned net.Conn is a *Conn.
func (d *Dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := d.dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (d *Dialer) dial(ctx context.Context, network, addr string) (*Conn, error) {
	opts := d.Options
	if opts.ServerHostname == "" {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			host = addr
		}
		opts.ServerHostname = host
	}
	nd := d.NetDialer
	if nd == nil {
		nd = new(net.Dialer)
	}
	raw, err := nd.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	c, err := Client(raw, d.Context, opts)
	if err != nil {
		raw.Close()
		return nil, err
	}
	if err := c.HandshakeContext(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

type listener struct {
	net.Listener
	ctx *sslctx.SSLContext
}

// NewListener returns a net.Listener whose Accept wraps each connection
// of inner with Server(conn, ctx) (crypto/tls's NewListener). The
// handshake runs on the connection's first Read or Write.
func NewListener(inner net.Listener, ctx *sslctx.SSLContext) net.Listener {
	return &listener{Listener: inner, ctx: ctx}
}

// Accept waits for the next connection and returns it as a *Conn.
func (l *listener) Accept() (net.Conn, error) {
	raw, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	c, err := Server(raw, l.ctx)
	if err != nil {
		raw.Close()
		return nil, err
	}
	return c, nil
}

// Engine returns the Engine of the connection; its SSLObject gives the
// Python-shaped getters. Reading or writing through it bypasses the Conn.
func (c *Conn) Engine() *Engine { return c.e }

// SSLObject returns the SSLObject of the connection, for the
// Python-shaped getters.
func (c *Conn) SSLObject() *SSLObject { return c.e.o }

// NetConn returns the underlying connection. Reading from or writing to
// it corrupts the TLS stream.
func (c *Conn) NetConn() net.Conn { return c.conn }

// LocalAddr returns the local network address.
func (c *Conn) LocalAddr() net.Addr { return c.conn.LocalAddr() }

// RemoteAddr returns the remote network address.
func (c *Conn) RemoteAddr() net.Addr { return c.conn.RemoteAddr() }

// SetDeadline sets the read and write deadlines of the underlying
// connection (see net.Conn).
func (c *Conn) SetDeadline(t time.Time) error {
	c.dmu.Lock()
	c.wdeadline = t
	c.dmu.Unlock()
	return c.conn.SetDeadline(t)
}

// SetReadDeadline sets the read deadline of the underlying connection.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.conn.SetReadDeadline(t) }

// SetWriteDeadline sets the write deadline of the underlying connection.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.dmu.Lock()
	c.wdeadline = t
	c.dmu.Unlock()
	return c.conn.SetWriteDeadline(t)
}

func (c *Conn) writeDeadlinePassed() bool {
	c.dmu.Lock()
	t := c.wdeadline
	c.dmu.Unlock()
	return !t.IsZero() && !time.Now().Before(t)
}

func (c *Conn) timeoutError(op string) error {
	return &net.OpError{Op: op, Net: c.conn.LocalAddr().Network(), Source: c.conn.LocalAddr(),
		Addr: c.conn.RemoteAddr(), Err: os.ErrDeadlineExceeded}
}

// Handshake runs the TLS handshake if it has not run yet; see
// HandshakeContext.
func (c *Conn) Handshake() error { return c.HandshakeContext(context.Background()) }

// HandshakeContext runs the TLS handshake if it has not run yet, and
// returns its result (the same error on every later call after a failure).
// Read and Write call it first. If ctx is cancelled or its deadline passes
// before the handshake completes, the underlying connection is closed, as
// crypto/tls does, and the error is ctx's. The alert of a failed
// handshake is sent to the peer before it returns.
func (c *Conn) HandshakeContext(ctx context.Context) error {
	if c.hsDone.Load() {
		return nil
	}
	c.hsMu.Lock()
	defer c.hsMu.Unlock()
	if c.hsErr != nil {
		return c.hsErr
	}
	if c.hsDone.Load() {
		return nil
	}
	if c.closed.Load() {
		return net.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var interrupted atomic.Bool
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() {
			interrupted.Store(true)
			c.conn.Close()
		})
		defer stop()
	}
	err := c.handshake()
	if err != nil && interrupted.Load() {
		err = ctx.Err()
	}
	if err != nil {
		c.hsErr = err
		return err
	}
	c.state = c.e.ConnectionState()
	c.haveState = true
	c.hsDone.Store(true)
	return nil
}

// handshake drives the Engine until the handshake completes. c.hsMu is
// held.
func (c *Conn) handshake() error {
	c.in.Lock()
	defer c.in.Unlock()
	for {
		r := c.e.Handshake()
		if r.Status.Has(OutputPending) && !c.deferTickets(r) {
			if err := c.flush(); err != nil && r.Err == nil {
				return err
			}
		}
		if r.Err != nil {
			return r.Err
		}
		if r.Status.Has(HandshakeComplete) {
			return nil
		}
		if err := c.readRecord(); err != nil {
			return err
		}
	}
}

// deferTickets reports whether the output of a server's last handshake
// step, which completed a TLS 1.3 handshake, is left for the next Write
// or Close: it holds only session tickets, which the client needs only
// to resume later. Sending them at once would make a server that reads
// first wait for a client that is not reading (a synchronous transport
// such as net.Pipe, or a full window). A TLS 1.2 server's last step
// carries its Finished message and is always sent.
func (c *Conn) deferTickets(r Result) bool {
	if c.isClient || r.Err != nil || !r.Status.Has(HandshakeComplete) {
		return false
	}
	v, _ := c.e.o.Version()
	return v == "TLSv1.3"
}

// readRecord reads what the underlying connection has and feeds it to the
// Engine; a clean EOF becomes FeedEOF, which the next Engine call turns
// into PeerClosed or a truncation. c.in is held.
func (c *Conn) readRecord() error {
	if c.rbuf == nil {
		c.rbuf = make([]byte, maxRecord+512)
	}
	n, err := c.conn.Read(c.rbuf)
	if n > 0 {
		if r := c.e.Feed(c.rbuf[:n]); r.Err != nil {
			return r.Err
		}
	}
	if err == io.EOF {
		c.e.FeedEOF()
		return nil
	}
	return err
}

// Read reads plaintext into b (see Conn). It returns io.EOF after the
// peer's close_notify and an error matching ErrTruncated when the
// transport ended without it.
func (c *Conn) Read(b []byte) (int, error) {
	if err := c.Handshake(); err != nil {
		return 0, err
	}
	if len(b) == 0 {
		return 0, nil
	}
	c.in.Lock()
	defer c.in.Unlock()
	var in []byte
	for {
		r := c.e.FeedRead(in, b)
		in = nil
		// What reading produces waits for the next Write, which sends
		// pending output first (a TLS 1.3 key update answer may wait
		// until then, RFC 8446 section 4.6.3), except on a client,
		// where it may be the certificate a post-handshake
		// authentication waits for, and except alerts.
		if r.Status.Has(OutputPending) && (c.isClient || r.Err != nil) {
			c.kick()
		}
		if r.Produced > 0 {
			return r.Produced, nil
		}
		if r.Err != nil {
			return 0, c.readError(r)
		}
		if r.Status.Has(PeerClosed) {
			return 0, io.EOF
		}
		if c.rbuf == nil {
			c.rbuf = make([]byte, maxRecord+512)
		}
		n, err := c.conn.Read(c.rbuf)
		if n > 0 {
			in = c.rbuf[:n]
			continue
		}
		if err == io.EOF {
			c.e.FeedEOF()
			continue
		}
		if err != nil {
			if c.closed.Load() {
				return 0, net.ErrClosed
			}
			return 0, err
		}
	}
}

func (c *Conn) readError(r Result) error {
	if r.Err == ErrEngineClosed || c.closed.Load() {
		return net.ErrClosed
	}
	if r.Status.Has(Truncated) {
		return &truncatedError{r.Err}
	}
	return r.Err
}

// flush sends the Engine's pending ciphertext, waiting for the writing
// side.
func (c *Conn) flush() error {
	c.out.Lock()
	err := c.flushLocked()
	c.out.Unlock()
	return err
}

// kick sends the Engine's pending ciphertext unless a writer holds the
// writing side, in which case the writer sends it: every holder of c.out
// looks for pending output after unlocking.
func (c *Conn) kick() {
	for c.e.OutputPending() > 0 {
		if !c.out.TryLock() {
			return
		}
		c.flushLocked()
		c.out.Unlock()
	}
}

// unlockOut releases the writing side and sends what arrived meanwhile.
func (c *Conn) unlockOut() {
	c.out.Unlock()
	c.kick()
}

// flushLocked sends what was staged and what the Engine has pending.
// c.out is held. A timeout keeps the unsent bytes for the next flush; any
// other error breaks the connection for writing.
func (c *Conn) flushLocked() error {
	if c.werr != nil {
		return c.werr
	}
	if c.wbuf == nil {
		c.wbuf = make([]byte, 2*(maxRecord+512))
	}
	for {
		if c.wpos == c.wend {
			r := c.e.Output(c.wbuf)
			c.wpos, c.wend = 0, r.Produced
			if r.Produced == 0 {
				return nil
			}
		}
		n, err := c.conn.Write(c.wbuf[c.wpos:c.wend])
		c.wpos += n
		if err != nil {
			if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
				c.werr = err
			}
			return err
		}
	}
}

// Write encrypts b and sends it (see Conn for timeouts).
func (c *Conn) Write(b []byte) (int, error) {
	for {
		x := c.activeCall.Load()
		if x&1 != 0 {
			return 0, net.ErrClosed
		}
		if c.activeCall.CompareAndSwap(x, x+2) {
			break
		}
	}
	defer c.activeCall.Add(-2)
	if err := c.Handshake(); err != nil {
		return 0, err
	}
	c.out.Lock()
	defer c.unlockOut()
	if c.closeSent {
		return 0, ErrWriteAfterClose
	}
	if c.writeDeadlinePassed() {
		return 0, c.timeoutError("write")
	}
	if err := c.flushLocked(); err != nil {
		return 0, err
	}
	n := 0
	for n < len(b) {
		chunk := b[n:min(len(b), n+maxRecord)]
		if c.wbuf == nil {
			c.wbuf = make([]byte, 2*(maxRecord+512))
		}
		r := c.e.WriteOutput(chunk, c.wbuf)
		n += r.Consumed
		c.wpos, c.wend = 0, r.Produced
		if err := c.flushLocked(); err != nil {
			return n, err
		}
		if r.Err != nil {
			if r.Err == ErrEngineClosed {
				return n, net.ErrClosed
			}
			return n, r.Err
		}
	}
	return n, nil
}

// CloseWrite sends close_notify: the peer's Read returns io.EOF, while
// this side can still read. It must be called after the handshake; it
// does not close the underlying connection's writing side.
func (c *Conn) CloseWrite() error {
	if !c.hsDone.Load() {
		return errCloseWriteEarly
	}
	c.out.Lock()
	defer c.unlockOut()
	return c.closeNotifyLocked()
}

// closeNotifyLocked sends close_notify once. c.out is held.
func (c *Conn) closeNotifyLocked() error {
	if c.closeSent {
		return c.closeErr
	}
	c.closeSent = true
	r := c.e.CloseWrite()
	if r.Err != nil && r.Err != ErrEngineClosed {
		c.closeErr = r.Err
	}
	if err := c.flushLocked(); err != nil && c.closeErr == nil {
		c.closeErr = err
	}
	return c.closeErr
}

// Close sends close_notify (when the handshake completed; within five
// seconds), closes the underlying connection and frees the Engine. A
// close_notify that cannot be sent because the peer already closed its
// end is not an error. As
// with crypto/tls, a Close that runs while a Write is in progress closes
// at once without close_notify. Later calls return net.ErrClosed.
func (c *Conn) Close() error {
	var x int32
	for {
		x = c.activeCall.Load()
		if x&1 != 0 {
			return net.ErrClosed
		}
		if c.activeCall.CompareAndSwap(x, x|1) {
			break
		}
	}
	c.closed.Store(true)
	if x != 0 {
		err := c.conn.Close()
		c.e.Close()
		return err
	}
	var alertErr error
	if c.hsDone.Load() {
		c.out.Lock()
		c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if err := c.closeNotifyLocked(); err != nil && !peerGone(err) {
			alertErr = errors.Join(errors.New("sslobj: failed to send close_notify (the connection was closed anyway)"), err)
		}
		c.out.Unlock()
	}
	err := c.conn.Close()
	c.e.Close()
	if err != nil {
		return err
	}
	return alertErr
}

// peerGone reports whether a write failed because the peer had already
// closed its end: close_notify then has no one to reach, and Close does
// not report it.
func peerGone(err error) bool {
	return errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.ErrClosedPipe) || errors.Is(err, net.ErrClosed)
}

// ConnectionState describes the connection as *tls.Conn's does (see
// Engine.ConnectionState): after the handshake, a snapshot taken when it
// completed.
func (c *Conn) ConnectionState() tls.ConnectionState {
	c.hsMu.Lock()
	defer c.hsMu.Unlock()
	if c.haveState {
		return c.state
	}
	return c.e.ConnectionState()
}

// ExportKeyingMaterial derives keying material from the connection (see
// SSLObject.ExportKeyingMaterial).
func (c *Conn) ExportKeyingMaterial(label string, context []byte, length int) ([]byte, error) {
	return c.e.ExportKeyingMaterial(label, context, length)
}

// VerifyHostname reports whether the peer's leaf certificate is valid for
// host, with crypto/x509's rules (as *tls.Conn's VerifyHostname). It
// needs a completed handshake.
func (c *Conn) VerifyHostname(host string) error {
	cs := c.ConnectionState()
	if !cs.HandshakeComplete {
		return errors.NewValueError("sslobj: VerifyHostname called before the handshake")
	}
	if len(cs.PeerCertificates) == 0 {
		return errors.NewValueError("sslobj: the peer sent no certificate")
	}
	return cs.PeerCertificates[0].VerifyHostname(host)
}
