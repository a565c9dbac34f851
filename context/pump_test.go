//go:build cgo

package sslctx_test

import (
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/membio/membio/context"
	"github.com/membio/membio/cshim"
	"github.com/membio/membio/errors"
	"github.com/stretchr/testify/require"
)

// peer is a minimal SSL object built directly on cshim, standing in for
// sslobj.SSLObject so that the context's callbacks can be tested here. Its
// SetContext shows what an SNIConn implementation does when called from
// inside the SNI callback.
type peer struct {
	t      testing.TB
	mu     sync.Mutex // the object's own lock, held during each step
	conn   *cshim.Conn
	in     *cshim.BIO
	out    *cshim.BIO
	ctx    *sslctx.SSLContext
	server bool
	host   string
	done   bool
	err    error
}

func newPeer(t testing.TB, ctx *sslctx.SSLContext, server bool, host string) *peer {
	t.Helper()
	in, st := cshim.NewBIO()
	require.Nil(t, st)
	out, st := cshim.NewBIO()
	require.Nil(t, st)
	var conn *cshim.Conn
	require.True(t, cshim.UseCtx(ctx, func(raw *cshim.Ctx) {
		cshim.LockPair(in, out)
		conn, st = cshim.NewConn(raw, in, out, cshim.ConnConfig{
			ServerSide: server, Hostname: host, CheckHostname: ctx.CheckHostname(),
			HostFlags: uint(ctx.HostFlags()), PostHandshakeAuth: ctx.PostHandshakeAuth(),
		})
		cshim.UnlockPair(in, out)
	}))
	require.Nil(t, st)
	p := &peer{t: t, conn: conn, in: in, out: out, ctx: ctx, server: server, host: host}
	t.Cleanup(func() {
		cshim.LockPair(in, out)
		conn.Free()
		cshim.UnlockPair(in, out)
		in.Free()
		out.Free()
	})
	return p
}

func (p *peer) ServerSide() bool            { return p.server }
func (p *peer) ServerHostname() string      { return p.host }
func (p *peer) Context() *sslctx.SSLContext { return p.ctx }
func (p *peer) SetContext(c *sslctx.SSLContext) error {
	if p.conn.CallbackLock() {
		// Inside a callback of a step in progress: p.mu is held by the
		// goroutine running it (this one).
		defer p.conn.CallbackUnlock()
		return p.switchTo(c)
	}
	p.conn.CallbackUnlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.switchTo(c)
}

func (p *peer) switchTo(c *sslctx.SSLContext) error {
	var ok bool
	if !cshim.BriefCtx(c, func(raw *cshim.Ctx) { ok = p.conn.SetCtx(raw) }) {
		return sslctx.ErrClosed
	}
	if !ok {
		return errors.New("SSL_set_SSL_CTX failed")
	}
	p.ctx = c
	return nil
}

// step makes one handshake call. It reports whether the handshake is
// complete; a failure is recorded in p.err.
func (p *peer) step() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done || p.err != nil {
		return p.done
	}
	var r cshim.IOResult
	var st *errors.State
	if !cshim.UseCtx(p.ctx, func(*cshim.Ctx) {
		cshim.LockPair(p.in, p.out)
		p.conn.SetOwner(p)
		r = p.conn.Handshake()
		p.conn.ClearOwner()
		if r.Ret != 1 {
			st = p.conn.State()
		}
		cshim.UnlockPair(p.in, p.out)
	}) {
		p.err = sslctx.ErrClosed
		return false
	}
	cbErr := p.conn.TakeCallbackError()
	switch {
	case r.Ret == 1:
		p.done = true
		p.err = cbErr
	case r.SSLError == 2 && cbErr == nil: // want read
	default:
		p.err = errors.ChainCallback(cbErr, errors.FromSSL(st, p.host))
	}
	return p.done
}

func move(from, to *peer) {
	buf := make([]byte, 1<<16)
	for {
		from.out.Lock()
		n, _ := from.out.Read(buf)
		from.out.Unlock()
		if n == 0 {
			return
		}
		to.in.Lock()
		to.in.Write(buf[:n])
		to.in.Unlock()
	}
}

// handshake pumps both sides until both finish or one fails.
func handshake(client, server *peer) {
	for i := 0; i < 20; i++ {
		c := client.step()
		move(client, server)
		s := server.step()
		move(server, client)
		if (c && s) || client.err != nil || server.err != nil {
			// let the other side see the alert
			client.step()
			server.step()
			return
		}
	}
}

type cshimCtx = cshim.Ctx

func runtimeAddCleanup(c *sslctx.SSLContext, f func()) {
	runtime.AddCleanup(c, func(struct{}) { f() }, struct{}{})
}

func waitCollected(t *testing.T, done <-chan struct{}) {
	t.Helper()
	for i := 0; i < 50; i++ {
		runtime.GC()
		select {
		case <-done:
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatal("the SSLContext was not collected")
}
