//go:build cgo

package cshim

/*
#include "shim.h"
*/
import "C"

import (
	"unsafe"

	"github.com/membio/membio/errors"
)

// ErrBuf is a C-allocated capture area for one object's calls. Its owner
// serialises calls, so one buffer per object is enough, and the hot path
// passes no Go pointer for it.
type errBuf = C.membio_err

// stateOf converts a captured C error record into an errors.State. It is
// only called on failure paths: it allocates.
func stateOf(e *C.membio_err) *errors.State {
	st := &errors.State{
		Ret:          int(e.ret),
		SSLError:     int(e.ssl_error),
		Errno:        int(e.sys_errno),
		VerifyResult: int64(e.verify_result),
		Dropped:      int(e.dropped),
	}
	if e.verify_str != nil && e.verify_result >= 0 {
		st.VerifyMessage = C.GoString(e.verify_str)
	}
	n := int(e.nqueue)
	if n > 0 && e.queue != nil {
		queue := unsafe.Slice(e.queue, n)
		st.Queue = make([]errors.Entry, n)
		for i := 0; i < n; i++ {
			q := &queue[i]
			ent := errors.Entry{
				Code:   uint64(q.code),
				Lib:    int(q.lib),
				Reason: int(q.reason),
				Line:   int(q.line),
			}
			if q.reason_str != nil {
				ent.ReasonString = C.GoString(q.reason_str)
			}
			if q.file != nil {
				ent.File = C.GoString(q.file)
			}
			st.Queue[i] = ent
		}
	}
	return st
}

// newErrBuf allocates a capture area in C memory. Free it with freeErrBuf.
func newErrBuf() *C.membio_err {
	return (*C.membio_err)(C.calloc(1, C.size_t(unsafe.Sizeof(C.membio_err{}))))
}

func freeErrBuf(e *C.membio_err) {
	C.membio_err_release(e)
	C.free(unsafe.Pointer(e))
}

// call runs f with a fresh capture area and returns the captured state when
// ok reports failure. It is for calls off the hot path.
func call(f func(e *C.membio_err) bool) *errors.State {
	e := newErrBuf()
	defer freeErrBuf(e)
	if f(e) {
		return nil
	}
	return stateOf(e)
}

// QueueIsEmpty reports whether the calling thread's OpenSSL error queue is
// empty. Tests use it after a shim call, in the same goroutine; it is only
// meaningful while the goroutine stays on one thread, so callers lock it.
func QueueIsEmpty() bool { return C.membio_err_queue_len() == 0 }

// TestFail makes one shim call that queues the error (lib, reason) and
// captures it, as any failing OpenSSL call would. It exists to test error
// capture and isolation under the Go scheduler.
func TestFail(lib, reason int) *errors.State {
	return call(func(e *C.membio_err) bool {
		C.membio_test_fail(C.int(lib), C.int(reason), e)
		return false
	})
}

// LiveAllocations returns the number of OpenSSL allocations not yet freed,
// when the process was started with MEMBIO_MEMDEBUG=1 in its environment
// (counting must be installed before OpenSSL's first allocation), and -1
// otherwise. Leak tests use it.
func LiveAllocations() int64 { return int64(C.membio_memdebug_live()) }
