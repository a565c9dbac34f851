// Package errors defines membio's typed errors, which mirror the exception
// classes of Python's ssl module, and translates the OpenSSL error state
// captured by the C shim into them.
//
// The package shares its name with the standard library's errors package
// and re-exports Is, As, Unwrap, Join and New, so a file can import it
// instead of the standard one.
//
// # Types
//
// Python's hierarchy is
//
//	OSError
//	 └─ SSLError
//	     ├─ SSLZeroReturnError
//	     ├─ SSLWantReadError
//	     ├─ SSLWantWriteError
//	     ├─ SSLSyscallError
//	     ├─ SSLEOFError
//	     └─ SSLCertVerificationError (also a ValueError)
//
// Each class is a Go struct: *SSLError for the base class, and one struct
// per kind that embeds an SSLError, such as *SSLWantReadError. Every kind
// has an As method, so errors.As(err, &p) with p of type *SSLError
// succeeds for all of them and points p at the embedded SSLError;
// errors.As with a kind's own pointer type succeeds only for that kind.
// Each class also has a sentinel (ErrSSL, ErrWantRead, ..., ErrOS) and
// errors.Is(err, ErrX) reports whether err is an instance of class X,
// subclasses included. *SSLCertVerificationError also matches ErrValue,
// since Python's class subclasses ValueError; errors.As to *ValueError
// does not succeed for it.
//
// *OSError stands for the OSError that Python raises from an errno
// (FileNotFoundError and friends); it unwraps to a syscall.Errno, so
// errors.Is(err, fs.ErrNotExist) works. *ValueError and *TypeError stand
// for argument errors. *CallbackError carries an error returned by, or a
// panic recovered from, a user callback.
//
// # Messages
//
// Messages follow Python's format without the "(_ssl.c:N)" suffix, which
// only names a line of CPython's C source:
//
//	[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate
//	[X509: KEY_VALUES_MISMATCH] key values mismatch
//	[SSL] PEM lib
//	The operation did not complete (read)
//
// The library and reason mnemonics come from tables generated from the
// OpenSSL headers (see LibName and ReasonName). A reason that is not in
// the table is left out of the brackets, as in Python; this includes the
// reasons common to all libraries, which carry the ERR_RFLAG_COMMON flag
// (reason 0x80009 of library SSL gives "[SSL] PEM lib").
//
// An args-only SSLError (see Plain) returns its message from Error, while
// Python's str() shows "('message',)"; PythonString gives that form.
//
// # Translation of SSL_get_error
//
// FromSSL implements CPython's PySSL_SetError on the Python 3.13+
// baseline. e is the last entry of the captured queue
// (ERR_peek_last_error); "SSL/X" means library SSL with reason X.
//
//	SSL_get_error     condition                      result                                 Errno
//	ZERO_RETURN       -                              SSLZeroReturnError [1]                 6
//	WANT_READ         -                              SSLWantReadError [2]                   2
//	WANT_WRITE        -                              SSLWantWriteError [2]                  3
//	WANT_X509_LOOKUP  -                              SSLError [3]                           4
//	WANT_CONNECT      -                              SSLError [3]                           7
//	SYSCALL           no e, captured errno != 0      *OSError(errno)                        errno
//	SYSCALL           no e, captured errno == 0      SSLEOFError [4]                        8
//	SYSCALL           e is SSL/CERTIFICATE_VERIFY_FAILED  SSLCertVerificationError          5
//	SYSCALL           e is in library SYS            *OSError(reason of e)                  reason
//	SYSCALL           any other e                    SSLError (not SSLSyscallError)         5
//	SSL               no e                           SSLError [5]                           1
//	SSL               e is SSL/CERTIFICATE_VERIFY_FAILED  SSLCertVerificationError          1
//	SSL               e is SSL/UNEXPECTED_EOF_WHILE_READING  SSLEOFError [4]                8
//	SSL               e is in library SYS            *OSError(reason of e)                  reason
//	SSL               any other e                    SSLError                               1
//	anything else     -                              SSLError "Invalid error code"          10
//
// The fixed texts are [1] "TLS/SSL connection has been closed (EOF)",
// [2] "The operation did not complete (read)" or "(write)", from a shared
// value when the queue is empty, [3] "The operation did not complete
// (X509 lookup)" or "(connect)", [4] "EOF occurred in violation of
// protocol" and [5] "A failure in the SSL library occurred".
//
// When the table gives no text, the text is e's reason string, or
// "unknown error". When e exists its library and reason fill Library,
// Reason and the "[LIB: REASON]" prefix, also for the want and
// zero-return rows. For SSLCertVerificationError, VerifyCode is the
// captured verify result and VerifyMessage is "Hostname mismatch,
// certificate is not valid for 'host'." (62), "IP address mismatch,
// certificate is not valid for 'host'." (64), or the OpenSSL text
// captured with the state.
//
// FromLib implements _setSSLError without a message, used for
// context-level calls: always a base *SSLError, Errno is ERR_GET_REASON of
// the packed code of e (116, 524297, ...), or 0 with "unknown error" when
// the queue is empty. FromLibMessage is _setSSLError with a message and
// Plain is PyErr_SetString(SSLError, msg).
//
// # Differences from Python 3.11
//
// Python 3.11 (the version whose observed behaviour the membio
// specification records) differs from the 3.13+ rules above as follows:
//
//   - SYSCALL with an empty queue (gh-115627): 3.11 raises SSLEOFError
//     only when ret == 0; with ret == -1 on memory BIOs (a failed
//     do_handshake or unwrap) it raises SSLSyscallError("Some I/O error
//     occurred", Errno 5). FromSSL never returns SSLSyscallError.
//   - Library SYS (gh-127257, backported to 3.13): 3.11 raises an
//     SSLError such as "[SYS] ..." where FromSSL returns an *OSError.
//   - Python 3.14 appends the packed code to the fallback text
//     ("unknown error (0x...)"); this package keeps "unknown error".
//   - Messages never carry the "(_ssl.c:N)" suffix of any version.
//
// Python's gh-127257 code returns without clearing the OpenSSL error
// queue; the shim always leaves the queue empty, so that quirk has no
// counterpart here.
package errors
