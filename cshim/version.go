//go:build cgo

package cshim

/*
#include "shim.h"
*/
import "C"

import stderrors "errors"

// OpenSSL loads its error strings once, before any object exists, so that
// captured errors always carry their reason text.
func init() { C.membio_init() }

// ErrNoCgo is returned by every constructor when membio was built without
// cgo. In this build cgo is on, so it is never returned.
var ErrNoCgo = stderrors.New("membio: built without cgo; cgo and OpenSSL (libssl-dev) are required")

// Available reports whether OpenSSL is linked in.
const Available = true

// RuntimeVersion returns OpenSSL_version_num() and
// OpenSSL_version(OPENSSL_VERSION) of the library loaded at run time.
func RuntimeVersion() (uint64, string) {
	return uint64(C.membio_runtime_version_num()), C.GoString(C.membio_runtime_version_text())
}

// CompileVersion returns OPENSSL_VERSION_NUMBER and OPENSSL_VERSION_TEXT of
// the headers membio was compiled against.
func CompileVersion() (uint64, string) {
	return uint64(C.membio_compile_version_num()), C.GoString(C.membio_compile_version_text())
}
