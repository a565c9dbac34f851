// Package memtest connects two SSLObjects through memory, with no sockets:
// each Peer owns an SSLObject and its two MemoryBIOs, and Transfer moves
// the ciphertext one peer wrote into the other's incoming BIO. It is the
// pump that membio's black-box tests, benchmarks and demo share.
package memtest

import (
	"fmt"

	"github.com/membio/membio/bio"
	"github.com/membio/membio/context"
	"github.com/membio/membio/errors"
	"github.com/membio/membio/sslobj"
)

// Peer is one end of an in-memory TLS connection.
type Peer struct {
	// Obj reads ciphertext from In and writes ciphertext to Out.
	Obj     *sslobj.SSLObject
	In, Out *bio.MemoryBIO
}

// NewPeer creates two MemoryBIOs and an SSLObject over them.
func NewPeer(ctx *sslctx.SSLContext, opts sslobj.Options) (*Peer, error) {
	in, err := bio.New()
	if err != nil {
		return nil, err
	}
	out, err := bio.New()
	if err != nil {
		in.Close()
		return nil, err
	}
	obj, err := sslobj.New(ctx, in, out, opts)
	if err != nil {
		in.Close()
		out.Close()
		return nil, err
	}
	return &Peer{Obj: obj, In: in, Out: out}, nil
}

// Close closes the SSLObject and both BIOs.
func (p *Peer) Close() {
	if p == nil {
		return
	}
	p.Obj.Close()
	p.In.Close()
	p.Out.Close()
}

// Transfer moves every byte buffered in from's outgoing BIO into to's
// incoming BIO and returns the count.
func Transfer(from, to *Peer) (int, error) {
	b, err := from.Out.Read(-1)
	if err != nil {
		return 0, err
	}
	if len(b) == 0 {
		return 0, nil
	}
	return to.In.Write(b)
}

// Exchange moves buffered ciphertext both ways and returns the bytes moved.
func Exchange(a, b *Peer) (int, error) {
	n1, err := Transfer(a, b)
	if err != nil {
		return n1, err
	}
	n2, err := Transfer(b, a)
	return n1 + n2, err
}

// IsWantRead reports whether err asks for more incoming data.
func IsWantRead(err error) bool { return errors.Is(err, errors.ErrWantRead) }

// ErrStuck is returned by Handshake when neither side makes progress.
var ErrStuck = errors.New("memtest: handshake made no progress")

// Handshake drives the handshake of client and server until both finish or
// one fails, moving bytes between them after every step. It returns each
// side's last DoHandshake error: both nil on success. When one side fails,
// its last bytes (an alert) go to the other, which makes one more step, so
// the other side's error shows the alert it received.
func Handshake(client, server *Peer) (clientErr, serverErr error) {
	cDone, sDone := false, false
	for round := 0; round < 64; round++ {
		moved := 0
		if !cDone {
			clientErr = client.Obj.DoHandshake()
			cDone = clientErr == nil
		}
		n, err := Transfer(client, server)
		if err != nil {
			return err, err
		}
		moved += n
		if clientErr != nil && !IsWantRead(clientErr) {
			if !sDone {
				serverErr = server.Obj.DoHandshake()
				Transfer(server, client)
			}
			return clientErr, serverErr
		}
		if !sDone {
			serverErr = server.Obj.DoHandshake()
			sDone = serverErr == nil
		}
		n, err = Transfer(server, client)
		if err != nil {
			return err, err
		}
		moved += n
		if serverErr != nil && !IsWantRead(serverErr) {
			if !cDone {
				clientErr = client.Obj.DoHandshake()
				Transfer(client, server)
			}
			return clientErr, serverErr
		}
		if cDone && sDone {
			return nil, nil
		}
		if moved == 0 {
			return fmt.Errorf("%w (client: %v, server: %v)", ErrStuck, clientErr, serverErr), serverErr
		}
	}
	return ErrStuck, ErrStuck
}

// Send writes p on from, moves the records to to, and reads them back,
// returning the plaintext to received. It reads until len(p) bytes arrived
// or to wants more data.
func Send(from, to *Peer, p []byte) ([]byte, error) {
	if _, err := from.Obj.Write(p); err != nil {
		return nil, err
	}
	if _, err := Transfer(from, to); err != nil {
		return nil, err
	}
	var got []byte
	buf := make([]byte, 16384)
	for len(got) < len(p) {
		n, err := to.Obj.ReadInto(buf)
		if err != nil {
			if IsWantRead(err) {
				break
			}
			return got, err
		}
		if n == 0 {
			break
		}
		got = append(got, buf[:n]...)
	}
	return got, nil
}
