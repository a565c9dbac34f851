// Package sslctx holds membio's SSLContext, Python's ssl.SSLContext, with
// the enumerations and constants of Python's ssl module (TLSVersion,
// VerifyMode, VerifyFlags, Options, AlertDescription, Purpose,
// SSLErrorNumber) and its module-level helpers (CreateDefaultContext,
// DERCertToPEMCert, CertTimeToSeconds, ...).
//
// The package lives in the directory context/ but is named sslctx, so a
// file can use it beside the standard library's context with no alias:
//
//	import (
//		"context"
//
//		"github.com/membio/membio/context" // package sslctx
//	)
//
//	ctx, err := sslctx.New(sslctx.ProtocolTLSClient)
//	if err != nil { ... }
//	defer ctx.Close()
//	if err := ctx.LoadVerifyLocations("ca.pem", "", sslctx.CAData{}); err != nil { ... }
//
// SSL objects are created from a context by package sslobj.
//
// Errors are the typed errors of package errors with Python's messages:
// *errors.SSLError for OpenSSL failures, *errors.ValueError and
// *errors.TypeError for bad arguments, *errors.OSError for files.
// Python's keyword arguments that mean "none" are the zero value ("" for a
// path, the zero CAData, a nil *Password).
package sslctx
