//go:build cgo

package cshim

/*
#include "ctx.h"
*/
import "C"

import (
	"github.com/membio/membio/errors"
)

// Method selects the SSL_METHOD of a new SSL_CTX.
type Method int

// Methods for NewCtx.
const (
	MethodTLS       Method = C.MEMBIO_METHOD_TLS
	MethodTLSClient Method = C.MEMBIO_METHOD_TLS_CLIENT
	MethodTLSServer Method = C.MEMBIO_METHOD_TLS_SERVER
)

// Ctx is an OpenSSL SSL_CTX. Its Go owner is context.SSLContext, which
// serialises configuration calls and frees it with Free.
type Ctx struct {
	c *C.SSL_CTX
}

// NewCtx creates an SSL_CTX with OpenSSL's defaults for method m.
func NewCtx(m Method) (*Ctx, *errors.State) {
	var c *C.SSL_CTX
	st := call(func(e *C.membio_err) bool {
		c = C.membio_ctx_new(C.int(m), e)
		return c != nil
	})
	if st != nil {
		return nil, st
	}
	return &Ctx{c: c}, nil
}

// Free drops the Go owner's reference to the SSL_CTX. SSL objects created
// from it hold their own references. Free is idempotent.
func (x *Ctx) Free() {
	if x != nil && x.c != nil {
		C.membio_ctx_free(x.c)
		x.c = nil
	}
}

// Closed reports whether Free has run.
func (x *Ctx) Closed() bool { return x == nil || x.c == nil }
