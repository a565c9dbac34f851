//go:build cgo

package cshim

/*
#include "shim.h"
*/
import "C"

import (
	"runtime/cgo"
)

// Conn is one OpenSSL SSL object attached to two memory BIOs. Its Go owner
// is sslobj.SSLObject, which serialises calls, holds the BIO locks during
// SSL calls, and frees it with Free.
//
// A Conn is reachable from C callbacks through a cgo.Handle stored in the C
// structure. The handle refers to the Conn only, never lastingly to its
// owner: the owner is recorded for the duration of each call (SetOwner /
// ClearOwner), so the handle table does not keep an SSLObject alive.
type Conn struct {
	c      *C.membio_conn
	handle cgo.Handle
	in     *BIO
	out    *BIO

	owner any   // the SSLObject, set for the duration of one call
	cbErr error // first error raised by a Go callback during the current call
}

// SetOwner records the Go object that callbacks during the next call receive.
func (c *Conn) SetOwner(o any) { c.owner = o }

// ClearOwner forgets the owner recorded by SetOwner.
func (c *Conn) ClearOwner() { c.owner = nil }

// Owner returns the object recorded by SetOwner, or nil outside a call.
func (c *Conn) Owner() any { return c.owner }

// SetCallbackError records err as raised by a callback during the current
// call. The first one wins.
func (c *Conn) SetCallbackError(err error) {
	if c.cbErr == nil {
		c.cbErr = err
	}
}

// TakeCallbackError returns and clears the error recorded by a callback.
func (c *Conn) TakeCallbackError() error {
	err := c.cbErr
	c.cbErr = nil
	return err
}

// connFromHandle returns the Conn behind a handle stored in C, or nil.
func connFromHandle(h C.uintptr_t) *Conn {
	if h == 0 {
		return nil
	}
	c, _ := cgo.Handle(h).Value().(*Conn)
	return c
}
