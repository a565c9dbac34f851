package interop_test

import (
	"io"
	"net"
	"time"

	"github.com/membio/membio/bio"
	"github.com/membio/membio/errors"
	"github.com/membio/membio/sslobj"
)

// Pump drives an SSLObject over a net.Conn: it is the loop every membio
// user writes, and the one the README shows.
//
// The rule is simple: after every call on the SSLObject, whatever it put in
// the outgoing MemoryBIO goes to the network first, whether the call
// succeeded or not. So when a handshake fails, the alert OpenSSL queued
// (unknown_ca, bad_certificate, ...) reaches the peer before the error is
// returned and before the connection is closed. When the call wants to
// read, bytes from the network go into the incoming MemoryBIO; when the
// network reaches EOF, incoming.WriteEOF tells the SSLObject that nothing
// more will come.
//
// Pump is not safe for concurrent use.
type Pump struct {
	Conn     net.Conn
	Obj      *sslobj.SSLObject
	Incoming *bio.MemoryBIO
	Outgoing *bio.MemoryBIO

	buf []byte
}

// NewPump wraps conn with a new SSLObject made by newObj from two new
// MemoryBIOs.
func NewPump(conn net.Conn, newObj func(in, out *bio.MemoryBIO) (*sslobj.SSLObject, error)) (*Pump, error) {
	in, err := bio.New()
	if err != nil {
		return nil, err
	}
	out, err := bio.New()
	if err != nil {
		in.Close()
		return nil, err
	}
	obj, err := newObj(in, out)
	if err != nil {
		in.Close()
		out.Close()
		return nil, err
	}
	return &Pump{Conn: conn, Obj: obj, Incoming: in, Outgoing: out, buf: make([]byte, 64<<10)}, nil
}

// flush sends everything the SSLObject has queued.
func (p *Pump) flush() error {
	for p.Outgoing.Pending() > 0 {
		n, err := p.Outgoing.ReadInto(p.buf)
		if err != nil {
			return err
		}
		if _, err := p.Conn.Write(p.buf[:n]); err != nil {
			return err
		}
	}
	return nil
}

// fill moves one read's worth of bytes from the network into the incoming
// BIO; at EOF it marks the incoming BIO's end.
func (p *Pump) fill() error {
	n, err := p.Conn.Read(p.buf)
	if n > 0 {
		if _, werr := p.Incoming.Write(p.buf[:n]); werr != nil {
			return werr
		}
	}
	if err == io.EOF {
		return p.Incoming.WriteEOF()
	}
	return err
}

// do calls op until it stops asking for input, flushing after every call.
// The error of op wins over a failed flush: the peer may already have gone
// when our alert is sent.
func (p *Pump) do(op func() error) error {
	for {
		err := op()
		ferr := p.flush()
		if err == nil {
			return ferr
		}
		if !errors.Is(err, errors.ErrWantRead) || ferr != nil {
			return err
		}
		if p.Incoming.EOF() {
			// Cannot happen: with the incoming EOF written, OpenSSL
			// reports an EOF error rather than want-read.
			return err
		}
		if err := p.fill(); err != nil {
			return err
		}
	}
}

// Handshake runs the TLS handshake.
func (p *Pump) Handshake() error { return p.do(p.Obj.DoHandshake) }

// Read reads plaintext into b. After the peer's close_notify it returns
// io.EOF; a transport EOF without close_notify is an *errors.SSLEOFError.
func (p *Pump) Read(b []byte) (int, error) {
	var n int
	err := p.do(func() (err error) {
		n, err = p.Obj.ReadInto(b)
		return err
	})
	if err == nil && n == 0 && len(b) > 0 {
		return 0, io.EOF
	}
	return n, err
}

// Write writes all of b.
func (p *Pump) Write(b []byte) (int, error) {
	done := 0
	for done < len(b) {
		var n int
		err := p.do(func() (err error) {
			n, err = p.Obj.Write(b[done:])
			return err
		})
		done += n
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// Unwrap sends close_notify and waits for the peer's.
func (p *Pump) Unwrap() error { return p.do(p.Obj.Unwrap) }

// Close closes the TCP connection gracefully and frees the SSLObject and
// the BIOs. Call Unwrap first for a TLS close; Close alone is what the peer
// sees as a truncation (a TCP close without close_notify).
//
// The TCP close half-closes, drains what the peer still sends until the
// peer closes too (bounded by lingerTimeout), then closes. Closing with
// unread input would send a TCP reset, which can overtake the last bytes we
// sent (an alert, a close_notify) on their way into the peer's TLS stack.
func (p *Pump) Close() error {
	if tc, ok := p.Conn.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
		_ = tc.SetReadDeadline(time.Now().Add(lingerTimeout))
		_, _ = io.Copy(io.Discard, tc)
	}
	err := p.Conn.Close()
	p.Obj.Close()
	p.Incoming.Close()
	p.Outgoing.Close()
	return err
}
