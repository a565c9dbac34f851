package cshim

import "sync"

// The public types of membio (bio.MemoryBIO, sslctx.SSLContext) own C
// objects that package sslobj must reach, without exporting anything that
// returns them. Each public type embeds a link (BIOLink, CtxLink) through
// an unexported alias; a link has no exported methods, so nothing shows on
// the public type, and only the functions below, given the public value,
// open it.

// BIOLink connects a bio.MemoryBIO to its *BIO. It is embedded, under an
// unexported alias, in the public type, and set once with SetBIOLink.
type BIOLink struct{ b *BIO }

func (l *BIOLink) cshimBIOLink() *BIOLink { return l }

// bioLinker is implemented only by types that embed a BIOLink.
type bioLinker interface{ cshimBIOLink() *BIOLink }

// SetBIOLink records b as the BIO behind l. The owner calls it once, when
// it creates the BIO.
func SetBIOLink(l *BIOLink, b *BIO) { l.b = b }

// BIOOf returns the BIO behind a value that embeds a BIOLink (v must not be
// a nil pointer), or nil when none was set.
func BIOOf(v bioLinker) *BIO { return v.cshimBIOLink().b }

// CtxLink connects an sslctx.SSLContext to its *Ctx and to the locks that
// order SSL objects' use of the SSL_CTX with the context's setters. It is
// embedded, under an unexported alias, in the public type, and set once
// with SetCtxLink. The locks stay the owner's; the link only lends them,
// through UseCtx and BriefCtx, which always release what they take.
type CtxLink struct {
	use *sync.RWMutex // held shared around SSL_new and handshake steps, exclusively by setters
	mu  *sync.Mutex   // guards *raw and every C call on the Ctx
	raw **Ctx         // nil after Close
}

func (l *CtxLink) cshimCtxLink() *CtxLink { return l }

// ctxLinker is implemented only by types that embed a CtxLink.
type ctxLinker interface{ cshimCtxLink() *CtxLink }

// SetCtxLink records the owner's locks and the field that holds its Ctx.
// The owner calls it once, when it creates the Ctx. Setters hold use
// exclusively and then mu; Close sets *raw to nil under both.
func SetCtxLink(l *CtxLink, use *sync.RWMutex, mu *sync.Mutex, raw **Ctx) {
	l.use, l.mu, l.raw = use, mu, raw
}

// UseCtx runs f with the Ctx behind v while holding v's use lock shared,
// so the context's setters wait until f returns: for SSL_new and for the
// SSL calls that may run handshake code. It reports false, without
// running f, when the context is closed (or v was never linked). UseCtx
// must not be nested for the same context on one goroutine (a setter
// waiting in between would deadlock); BriefCtx may be.
func UseCtx(v ctxLinker, f func(x *Ctx)) bool {
	l := v.cshimCtxLink()
	if l.use == nil {
		return false
	}
	l.use.RLock()
	defer l.use.RUnlock()
	l.mu.Lock()
	x := *l.raw
	l.mu.Unlock()
	if x == nil {
		return false
	}
	f(x)
	return true
}

// BriefCtx runs f with the Ctx behind v while holding only v's field lock:
// setters are excluded, handshakes are not waited for, so it may run
// inside UseCtx of this or another context (an SNI switch from a
// callback). f must be short and must not call back into the context. It
// reports false, without running f, when the context is closed.
func BriefCtx(v ctxLinker, f func(x *Ctx)) bool {
	l := v.cshimCtxLink()
	if l.mu == nil {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	x := *l.raw
	if x == nil {
		return false
	}
	f(x)
	return true
}
