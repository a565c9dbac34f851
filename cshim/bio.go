//go:build cgo

package cshim

/*
#include "shim.h"
*/
import "C"

import (
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/membio/membio/errors"
)

var bioSeq atomic.Uint64

// BIO is an OpenSSL memory BIO (BIO_s_mem) with CPython's MemoryBIO set-up:
// reads of an empty buffer ask to retry until WriteEOF is called.
//
// BIO carries the mutex that serialises every use of the C object: its Go
// owner (bio.MemoryBIO) takes it for each call, and an SSL object using the
// BIO as its incoming or outgoing side takes it for each SSL call, so
// feeding a BIO from one goroutine while another drives the SSL object is
// safe. Lock BIOs in the order given by LockPair.
type BIO struct {
	mu  sync.Mutex
	id  uint64
	c   *C.membio_bio
	eof bool
	// release counts the SSL objects in release-buffers mode that use
	// this BIO; while it is not zero, a read that empties the BIO frees
	// its storage, as their I/O calls do.
	release int
}

// NewBIO allocates a memory BIO.
func NewBIO() (*BIO, *errors.State) {
	var c *C.membio_bio
	st := call(func(e *C.membio_err) bool {
		c = C.membio_bio_new(e)
		return c != nil
	})
	if st != nil {
		return nil, st
	}
	b := &BIO{id: bioSeq.Add(1), c: c}
	return b, nil
}

// Lock and Unlock take the BIO's mutex.
func (b *BIO) Lock()   { b.mu.Lock() }
func (b *BIO) Unlock() { b.mu.Unlock() }

// LockPair locks two BIOs (which may be the same) in a global order, so that
// two SSL objects sharing BIOs in opposite roles cannot deadlock. It returns
// the function that unlocks them.
func LockPair(a, b *BIO) {
	switch {
	case a == b:
		a.mu.Lock()
	case a.id < b.id:
		a.mu.Lock()
		b.mu.Lock()
	default:
		b.mu.Lock()
		a.mu.Lock()
	}
}

// UnlockPair undoes LockPair.
func UnlockPair(a, b *BIO) {
	a.mu.Unlock()
	if a != b {
		b.mu.Unlock()
	}
}

// Pair is two BIOs (possibly the same one) in LockPair's order, computed
// once for a caller that locks the same pair on every call.
type Pair struct {
	first, second *BIO // second is nil when both are the same BIO
}

// MakePair orders a and b as LockPair does.
func MakePair(a, b *BIO) Pair {
	switch {
	case a == b:
		return Pair{first: a}
	case a.id < b.id:
		return Pair{first: a, second: b}
	default:
		return Pair{first: b, second: a}
	}
}

// Lock locks both BIOs, in LockPair's order.
func (p Pair) Lock() {
	p.first.mu.Lock()
	if p.second != nil {
		p.second.mu.Lock()
	}
}

// Unlock undoes Lock.
func (p Pair) Unlock() {
	if p.second != nil {
		p.second.mu.Unlock()
	}
	p.first.mu.Unlock()
}

// Closed reports whether Free has run. Call with the lock held.
func (b *BIO) Closed() bool { return b.c == nil }

// Free releases the Go owner's reference to the C BIO. An SSL object that
// took its own reference keeps the BIO alive until it is freed. Free is
// idempotent. Call with the lock held.
func (b *BIO) Free() {
	if b.c != nil {
		C.membio_bio_free(b.c)
		b.c = nil
	}
}

// Pending returns the number of buffered bytes. Call with the lock held and
// the BIO not closed.
func (b *BIO) Pending() int {
	n := int(C.membio_bio_pending(b.c))
	runtime.KeepAlive(b)
	return n
}

// EOFWritten reports whether WriteEOF was called. Call with the lock held.
func (b *BIO) EOFWritten() bool { return b.eof }

// Read copies up to len(p) buffered bytes into p and returns the count; an
// empty buffer gives 0 and no error. Call with the lock held and the BIO not
// closed.
func (b *BIO) Read(p []byte) (int, *errors.State) {
	if len(p) == 0 {
		return 0, nil
	}
	n := C.membio_bio_read(b.c, (*C.uchar)(unsafe.Pointer(&p[0])), C.size_t(len(p)), cbool(b.release > 0))
	if n < 0 {
		return 0, stateOf(C.membio_bio_err(b.c))
	}
	return int(n), nil
}

// Write appends all of p to the buffer. Call with the lock held and the BIO
// not closed.
func (b *BIO) Write(p []byte) (int, *errors.State) {
	if len(p) == 0 {
		return 0, nil
	}
	n := C.membio_bio_write(b.c, (*C.uchar)(unsafe.Pointer(&p[0])), C.size_t(len(p)))
	if n < 0 {
		return 0, stateOf(C.membio_bio_err(b.c))
	}
	return int(n), nil
}

// WriteEOF marks the end of the stream: once the buffer is drained, reads
// report EOF instead of asking to retry. Call with the lock held.
func (b *BIO) WriteEOF() {
	if b.c != nil {
		C.membio_bio_write_eof(b.c)
	}
	b.eof = true
}

// ptr returns the underlying BIO* for attaching to an SSL object. Call with
// the lock held.
func (b *BIO) ptr() *C.BIO {
	if b.c == nil {
		return nil
	}
	return C.membio_bio_ptr(b.c)
}
