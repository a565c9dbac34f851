//go:build cgo

package cshim

/*
#include "ctx.h"
#include "conn.h"
*/
import "C"

import (
	"runtime"
	"strings"
	"unsafe"

	"github.com/membio/membio/errors"
)

// SetCiphersuites calls SSL_CTX_set_ciphersuites (the TLS 1.3 suites).
func (x *Ctx) SetCiphersuites(list string) *errors.State {
	cs := cstr(list)
	defer C.free(unsafe.Pointer(cs))
	return call(func(e *C.membio_err) bool { return C.membio_ctx_set_ciphersuites(x.c, cs, e) != 0 })
}

// SetGroups calls SSL_CTX_set1_groups_list.
func (x *Ctx) SetGroups(list string) *errors.State {
	cs := cstr(list)
	defer C.free(unsafe.Pointer(cs))
	return call(func(e *C.membio_err) bool { return C.membio_ctx_set_groups(x.c, cs, e) != 0 })
}

// SetSigalgs calls SSL_CTX_set1_client_sigalgs_list when client, and
// SSL_CTX_set1_sigalgs_list otherwise.
func (x *Ctx) SetSigalgs(list string, client bool) *errors.State {
	cs := cstr(list)
	defer C.free(unsafe.Pointer(cs))
	return call(func(e *C.membio_err) bool { return C.membio_ctx_set_sigalgs(x.c, cs, cbool(client), e) != 0 })
}

// nameList converts a colon-separated list allocated by C into names and
// frees it.
func nameList(p *C.char) []string {
	if p == nil {
		return nil
	}
	s := C.GoString(p)
	C.free(unsafe.Pointer(p))
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ":")
}

// Groups lists the key-exchange groups implemented for the context's
// protocol version bounds, in OpenSSL 3.5's SSL_CTX_get0_implemented_groups
// order, with aliases when includeAliases. supported is false when this
// OpenSSL cannot list them (before 3.0).
func (x *Ctx) Groups(includeAliases bool) (names []string, supported bool, st *errors.State) {
	var p *C.char
	var r C.int
	st = call(func(e *C.membio_err) bool {
		r = C.membio_ctx_get_groups(x.c, cbool(includeAliases), &p, e)
		return r != 0
	})
	runtime.KeepAlive(x)
	if r == C.MEMBIO_UNSUPPORTED {
		return nil, false, nil
	}
	if st != nil {
		return nil, true, st
	}
	return nameList(p), true, nil
}

// Sigalgs lists the names of OpenSSL's built-in TLS signature algorithms
// available with the loaded providers (SSL_get1_builtin_sigalgs, or its
// equivalent before OpenSSL 3.4). supported is false before OpenSSL 3.0.
func Sigalgs() (names []string, supported bool, st *errors.State) {
	var p *C.char
	var r C.int
	st = call(func(e *C.membio_err) bool {
		r = C.membio_get_sigalgs(&p, e)
		return r != 0
	})
	if r == C.MEMBIO_UNSUPPORTED {
		return nil, false, nil
	}
	if st != nil {
		return nil, true, st
	}
	return nameList(p), true, nil
}

// EnableMsgCallback installs or removes the message callback, which calls
// Hooks.Message. SSL objects created afterwards, and those that switch to
// this context with SetCtx, follow the setting.
func (x *Ctx) EnableMsgCallback(on bool) { C.membio_ctx_enable_msg_callback(x.c, cbool(on)) }

// Group returns the name of the key-exchange group in use, such as
// "x25519" or "secp256r1", and false when there is none.
func (c *Conn) Group() (string, bool) {
	s := C.membio_conn_group(c.c)
	if s == nil {
		return "", false
	}
	return C.GoString(s), true
}

// Sigalg returns the name of the signature algorithm the client (client
// true) or the server used in the handshake, such as
// "rsa_pss_rsae_sha256", and false when that side signed nothing.
func (c *Conn) Sigalg(client bool) (string, bool) {
	s := C.membio_conn_sigalg(c.c, cbool(client))
	if s == nil {
		return "", false
	}
	return C.GoString(s), true
}
