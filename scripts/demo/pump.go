package main

import (
	"io"
	"net"

	"github.com/membio/membio/bio"
	"github.com/membio/membio/errors"
	"github.com/membio/membio/sslobj"
)

// netPump drives one SSLObject over a TCP connection: the shape of the
// loop an event-driven program runs, written here with blocking calls.
type netPump struct {
	obj     *sslobj.SSLObject
	in, out *bio.MemoryBIO
	conn    net.Conn
	buf     []byte
}

// flush sends everything the SSLObject wrote to its outgoing BIO. It runs
// after every call, failed ones included, so that an alert OpenSSL queued
// on a failure reaches the peer before the connection closes.
func (p *netPump) flush() error {
	for {
		n, err := p.out.ReadInto(p.buf)
		if err != nil || n == 0 {
			return err
		}
		if _, err := p.conn.Write(p.buf[:n]); err != nil {
			return err
		}
	}
}

// fill reads what the network has into the incoming BIO; the end of the
// TCP stream becomes WriteEOF.
func (p *netPump) fill() error {
	n, err := p.conn.Read(p.buf)
	if n > 0 {
		if _, werr := p.in.Write(p.buf[:n]); werr != nil {
			return werr
		}
	}
	if err == io.EOF {
		return p.in.WriteEOF()
	}
	return err
}

// do repeats op until it no longer asks for more ciphertext.
func (p *netPump) do(op func() error) error {
	for {
		err := op()
		if ferr := p.flush(); ferr != nil && err == nil {
			return ferr
		}
		if !errors.Is(err, errors.ErrWantRead) {
			return err
		}
		if err := p.fill(); err != nil {
			return err
		}
	}
}

// echo sends data and reads back as many bytes.
func (p *netPump) echo(data []byte) ([]byte, error) {
	got := make([]byte, 0, len(data))
	buf := make([]byte, 16<<10)
	const chunk = 64 << 10
	for off := 0; off < len(data); off += chunk {
		end := min(off+chunk, len(data))
		if err := p.do(func() error { _, err := p.obj.Write(data[off:end]); return err }); err != nil {
			return nil, err
		}
		for len(got) < end {
			err := p.do(func() error {
				n, err := p.obj.ReadInto(buf)
				got = append(got, buf[:n]...)
				return err
			})
			if err != nil {
				return nil, err
			}
		}
	}
	return got, nil
}

// serveEcho echoes plaintext until the peer sends close_notify, then
// answers it.
func (p *netPump) serveEcho() (int, error) {
	buf := make([]byte, 16<<10)
	total := 0
	for {
		var n int
		err := p.do(func() error {
			var err error
			n, err = p.obj.ReadInto(buf)
			return err
		})
		if err != nil {
			if errors.Is(err, errors.ErrZeroReturn) {
				break
			}
			return total, err
		}
		if n == 0 { // close_notify received
			break
		}
		total += n
		if err := p.do(func() error { _, err := p.obj.Write(buf[:n]); return err }); err != nil {
			return total, err
		}
	}
	return total, p.do(p.obj.Unwrap)
}
