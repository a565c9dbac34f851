//go:build cgo

package cshim

/*
#include "ctx.h"
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"

	"github.com/membio/membio/errors"
)

// ServerName results (SSL_TLSEXT_ERR_*).
const (
	ServerNameOK         = C.SSL_TLSEXT_ERR_OK
	ServerNameAlertFatal = C.SSL_TLSEXT_ERR_ALERT_FATAL
	ServerNameNoAck      = C.SSL_TLSEXT_ERR_NOACK
)

// TLS alert numbers the dispatchers use.
const (
	AlertHandshakeFailure = 40
	AlertInternalError    = 80
)

// Hooks receives the OpenSSL callbacks of one Ctx (see Ctx.SetHooks). The
// methods run on the goroutine that drives the SSL call that triggered
// them, inside that cgo call; conn is the SSL object's Conn (nil when the
// SSL was not made by NewConn). A method must not panic: the dispatchers
// recover a panic as a last resort, record it on conn and fail the
// callback.
type Hooks interface {
	// ServerName handles the servername (SNI) callback. name is the
	// host name the client sent and ok is false when it sent none. It
	// returns one of ServerNameOK, ServerNameAlertFatal (with the alert
	// to send) or ServerNameNoAck.
	ServerName(conn *Conn, name string, ok bool) (result int, alert int)
	// KeylogLine receives one NSS key log line (without newline).
	KeylogLine(conn *Conn, line string)
	// PSKClient returns the identity and key for the server's hint ("" for
	// none), or ok false to fail the handshake. The identity must be
	// shorter than maxIdentity bytes and the key at most maxPSK bytes.
	PSKClient(conn *Conn, hint string, maxIdentity, maxPSK int) (identity string, psk []byte, ok bool)
	// PSKServer returns the key for the client's identity ("" for none),
	// or ok false (or an empty key) to refuse it. The key must be at most
	// maxPSK bytes.
	PSKServer(conn *Conn, identity string, maxPSK int) (psk []byte, ok bool)
	// Message receives one TLS protocol message seen by the message
	// callback: write is true for a message sent, version is the
	// protocol version (for a record header, the header's), contentType
	// the record content type or one of OpenSSL's pseudo types (0x100
	// record header, 0x101 TLS 1.3 inner content type), msgType the
	// message, alert or record type read from the data (-1 when there is
	// none), and data the message, valid only during the call.
	Message(conn *Conn, write bool, version, contentType, msgType int, data []byte)
}

// hooksFromHandle returns the Hooks behind a handle read from C, or nil.
// A handle deleted concurrently (a context freed while a callback of an
// object that outlived it runs) reads as nil instead of panicking.
func hooksFromHandle(h C.uintptr_t) (hk Hooks) {
	if h == 0 {
		return nil
	}
	defer func() {
		if recover() != nil {
			hk = nil
		}
	}()
	hk, _ = cgo.Handle(h).Value().(Hooks)
	return hk
}

// callbackPanic records a panic that escaped a hook on conn.
func callbackPanic(conn *Conn, name string, v any) {
	if conn != nil {
		conn.SetCallbackError(errors.RecoverCallback(name, v))
	}
}

//export membioGoServername
func membioGoServername(h, ch C.uintptr_t, name *C.char, al *C.int) (ret C.int) {
	conn := connFromHandle(ch)
	defer func() {
		if v := recover(); v != nil {
			callbackPanic(conn, "sni", v)
			*al = AlertHandshakeFailure
			ret = ServerNameAlertFatal
		}
	}()
	hk := hooksFromHandle(h)
	if hk == nil {
		return ServerNameOK
	}
	var s string
	if name != nil {
		s = C.GoString(name)
	}
	r, alert := hk.ServerName(conn, s, name != nil)
	if r == ServerNameAlertFatal {
		*al = C.int(alert)
	}
	return C.int(r)
}

//export membioGoKeylog
func membioGoKeylog(h, ch C.uintptr_t, line *C.char) {
	conn := connFromHandle(ch)
	defer func() {
		if v := recover(); v != nil {
			callbackPanic(conn, "keylog", v)
		}
	}()
	if hk := hooksFromHandle(h); hk != nil {
		hk.KeylogLine(conn, C.GoString(line))
	}
}

//export membioGoMsg
func membioGoMsg(h, ch C.uintptr_t, write, version, contentType, msgType C.int, buf unsafe.Pointer, n C.size_t) {
	conn := connFromHandle(ch)
	defer func() {
		if v := recover(); v != nil {
			callbackPanic(conn, "msg_callback", v)
		}
	}()
	hk := hooksFromHandle(h)
	if hk == nil {
		return
	}
	// The message is only valid during the call: lend it without a copy;
	// the hooks copy what they keep.
	var data []byte
	if n > 0 {
		data = unsafe.Slice((*byte)(buf), int(n))
	}
	hk.Message(conn, write != 0, int(version), int(contentType), int(msgType), data)
}

//export membioGoPSKClient
func membioGoPSKClient(h, ch C.uintptr_t, hint *C.char, identity *C.char, maxID C.uint, psk *C.uchar, maxPSK C.uint) (n C.uint) {
	conn := connFromHandle(ch)
	defer func() {
		if v := recover(); v != nil {
			callbackPanic(conn, "psk_client", v)
			n = 0
		}
	}()
	hk := hooksFromHandle(h)
	if hk == nil {
		return 0
	}
	var hs string
	if hint != nil {
		hs = C.GoString(hint)
	}
	id, key, ok := hk.PSKClient(conn, hs, int(maxID), int(maxPSK))
	if !ok || len(id)+1 > int(maxID) || len(key) > int(maxPSK) {
		return 0
	}
	idBuf := unsafe.Slice((*byte)(unsafe.Pointer(identity)), int(maxID))
	copy(idBuf, id)
	idBuf[len(id)] = 0
	if len(key) > 0 {
		copy(unsafe.Slice((*byte)(unsafe.Pointer(psk)), int(maxPSK)), key)
	}
	return C.uint(len(key))
}

//export membioGoPSKServer
func membioGoPSKServer(h, ch C.uintptr_t, identity *C.char, psk *C.uchar, maxPSK C.uint) (n C.uint) {
	conn := connFromHandle(ch)
	defer func() {
		if v := recover(); v != nil {
			callbackPanic(conn, "psk_server", v)
			n = 0
		}
	}()
	hk := hooksFromHandle(h)
	if hk == nil {
		return 0
	}
	var ids string
	if identity != nil {
		ids = C.GoString(identity)
	}
	key, ok := hk.PSKServer(conn, ids, int(maxPSK))
	if !ok || len(key) > int(maxPSK) {
		return 0
	}
	if len(key) > 0 {
		copy(unsafe.Slice((*byte)(unsafe.Pointer(psk)), int(maxPSK)), key)
	}
	return C.uint(len(key))
}

//export membioGoPassword
func membioGoPassword(h C.uintptr_t, buf *C.char, size C.int) (n C.int) {
	defer func() {
		if v := recover(); v != nil {
			n = -1
		}
	}()
	if h == 0 {
		return -1
	}
	src, _ := cgo.Handle(h).Value().(PasswordSource)
	if src == nil {
		return -1
	}
	pw, err := src.Password(int(size))
	if err != nil || len(pw) > int(size) {
		return -1
	}
	if len(pw) > 0 {
		copy(unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(size)), pw)
	}
	return C.int(len(pw))
}
