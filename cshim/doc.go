// Package cshim is membio's cgo boundary: the only package that imports "C".
//
// It is not an API. Packages bio, context (sslctx) and sslobj are built on
// it and are what programs use; cshim's types and functions change without
// notice, carry no compatibility promise, and can crash the process when
// used other than as those packages use them (freeing an object twice,
// calling without the locks its owner takes). The public packages export
// nothing of cshim's: their values reach their C objects through links
// (BIOLink, CtxLink) that show in no public signature.
//
// It wraps OpenSSL's memory BIOs, SSL_CTX and SSL objects in thin Go types
// and knows nothing of Python's semantics; packages bio, context and sslobj
// build those on top of it.
//
// Every C function behind this package that can fail clears the calling
// thread's OpenSSL error queue and errno, makes its OpenSSL call, then
// captures SSL_get_error, errno, the verify result and the drained error
// queue into an out-structure, all within one C call. A goroutine may move
// to another OS thread between two cgo calls, so the queue is never read by a
// second call, and runtime.LockOSThread is never needed. The queue is empty
// when each function returns.
//
// Go memory is lent to C for the duration of one call only, without copies;
// C never stores a Go pointer. Callbacks from OpenSSL into Go go through
// runtime/cgo.Handle values.
//
// The types here are not safe for concurrent use on their own; their owners
// (MemoryBIO, SSLContext, SSLObject) serialise calls. Each C object has
// exactly one Go owner, which frees it with an idempotent Close.
//
// Building without cgo compiles a stub whose constructors return ErrNoCgo.
// The "static" build tag links OpenSSL statically (pkg-config --static).
package cshim
