//go:build !cgo

package cshim

import stderrors "errors"

// ErrNoCgo is returned by every constructor when membio was built without
// cgo: membio needs cgo and OpenSSL 1.1.1 or newer (3.x recommended).
var ErrNoCgo = stderrors.New("membio: built without cgo; cgo and OpenSSL (libssl-dev) are required")

// Available reports whether OpenSSL is linked in.
const Available = false

// RuntimeVersion returns 0 and "" without cgo.
func RuntimeVersion() (uint64, string) { return 0, "" }

// CompileVersion returns 0 and "" without cgo.
func CompileVersion() (uint64, string) { return 0, "" }

// LiveAllocations returns -1 without cgo.
func LiveAllocations() int64 { return -1 }

// QueueIsEmpty reports true without cgo: there is no OpenSSL queue.
func QueueIsEmpty() bool { return true }
