package errors

import (
	stderrors "errors"
)

// Is reports whether any error in err's tree matches target. It is the
// standard library's errors.Is, re-exported so that a file can import this
// package instead of the standard one.
func Is(err, target error) bool { return stderrors.Is(err, target) }

// As finds the first error in err's tree that matches target and, if one
// is found, sets target to that error value and returns true. It is the
// standard library's errors.As.
func As(err error, target any) bool { return stderrors.As(err, target) }

// Unwrap returns the result of calling the Unwrap method on err, if err's
// type has one returning error, and nil otherwise. It is the standard
// library's errors.Unwrap.
func Unwrap(err error) error { return stderrors.Unwrap(err) }

// Join returns an error that wraps the given errors, discarding nil
// values; it returns nil if every value is nil. It is the standard
// library's errors.Join.
func Join(errs ...error) error { return stderrors.Join(errs...) }

// New returns an error whose Error method returns text. Each call returns
// a distinct value. It is the standard library's errors.New.
func New(text string) error { return stderrors.New(text) }

// Sentinels for Python's exception classes. errors.Is(err, ErrX) reports
// whether err is, or wraps, an instance of the Python class X, subclasses
// included: ErrSSL matches every SSL error kind, ErrWantRead matches only
// SSLWantReadError, and ErrOS matches OSError and every SSL error (in
// Python SSLError subclasses OSError).
//
// The sentinels are markers; no function of this package returns them
// directly.
var (
	// ErrOS matches *OSError and every SSL error kind (Python's OSError).
	ErrOS = stderrors.New("OSError")
	// ErrSSL matches every SSL error kind (Python's ssl.SSLError).
	ErrSSL = stderrors.New("ssl.SSLError")
	// ErrZeroReturn matches *SSLZeroReturnError.
	ErrZeroReturn = stderrors.New("ssl.SSLZeroReturnError")
	// ErrWantRead matches *SSLWantReadError.
	ErrWantRead = stderrors.New("ssl.SSLWantReadError")
	// ErrWantWrite matches *SSLWantWriteError.
	ErrWantWrite = stderrors.New("ssl.SSLWantWriteError")
	// ErrSyscall matches *SSLSyscallError.
	ErrSyscall = stderrors.New("ssl.SSLSyscallError")
	// ErrEOF matches *SSLEOFError. It is unrelated to io.EOF: it reports
	// a transport EOF that violated the TLS protocol.
	ErrEOF = stderrors.New("ssl.SSLEOFError")
	// ErrCertVerification matches *SSLCertVerificationError (Python's
	// ssl.SSLCertVerificationError, also known as ssl.CertificateError).
	ErrCertVerification = stderrors.New("ssl.SSLCertVerificationError")
	// ErrValue matches *ValueError and *SSLCertVerificationError, which
	// subclasses ValueError in Python.
	ErrValue = stderrors.New("ValueError")
	// ErrType matches *TypeError.
	ErrType = stderrors.New("TypeError")
	// ErrNotImplemented matches *NotImplementedError.
	ErrNotImplemented = stderrors.New("NotImplementedError")
)

// SSLError is Python's ssl.SSLError: an error reported by OpenSSL, or by
// the binding on OpenSSL's behalf.
//
// The more specific kinds (SSLZeroReturnError, SSLWantReadError,
// SSLWantWriteError, SSLSyscallError, SSLEOFError and
// SSLCertVerificationError) embed an SSLError. For every kind,
// errors.As(err, &p) with p of type *SSLError succeeds and sets p to the
// embedded SSLError, and errors.Is(err, ErrSSL) is true, mirroring
// Python's subclass relation. errors.As with a kind's own pointer type
// succeeds only for that kind.
type SSLError struct {
	// Errno is Python's errno attribute: the SSL_ERROR_* based code chosen
	// by PySSL_SetError (1 for SSL_ERROR_SSL, 2 for want-read, ...), or
	// ERR_GET_REASON of the packed OpenSSL code for context-level errors
	// (for example 116 or 524297), or 0 when the message was supplied by
	// the binding.
	Errno int
	// Strerror is the full formatted message, as Python's strerror
	// attribute, without the "(_ssl.c:N)" suffix. Error returns it.
	// For an ArgsOnly error it is the message Python keeps in args[0].
	Strerror string
	// Library is the OpenSSL library mnemonic, such as "SSL", "PEM" or
	// "X509". The empty string stands for Python's None.
	Library string
	// Reason is the OpenSSL reason mnemonic, such as
	// "CERTIFICATE_VERIFY_FAILED". The empty string stands for Python's
	// None.
	Reason string
	// Queue is the OpenSSL error queue drained by the failing call,
	// oldest entry first. The message is built from its last entry only;
	// the rest is kept for diagnostics. It may be nil. It is shared with
	// the State it came from and must not be modified.
	Queue []Entry
	// ArgsOnly marks an error raised with a message only, which Python
	// creates as SSLError(msg): its args are (msg,), its errno and
	// strerror are None and it has no library or reason attribute, so
	// str() shows "('msg',)". Errno, Library and Reason are zero then.
	ArgsOnly bool
}

// Error returns the message in Python's format, without the "(_ssl.c:N)"
// suffix: "[LIB: REASON] text: verify message", "[LIB] text" or just the
// text. For an ArgsOnly error it returns the message itself; see
// PythonString for Python's str() form.
func (e *SSLError) Error() string { return e.Strerror }

// Is reports whether target is ErrSSL or ErrOS.
func (e *SSLError) Is(target error) bool { return target == ErrSSL || target == ErrOS }

// PythonString returns what Python's str() would show for this error:
// the message, or "('msg',)" for an ArgsOnly error (SSLError_str falls
// back to str(self.args) when strerror is None).
func (e *SSLError) PythonString() string {
	if e.ArgsOnly {
		return "(" + PythonRepr(e.Strerror) + ",)"
	}
	return e.Strerror
}

// Args returns Python's args tuple: (Errno, Strerror), or (Strerror,) for
// an ArgsOnly error.
func (e *SSLError) Args() []any {
	if e.ArgsOnly {
		return []any{e.Strerror}
	}
	return []any{e.Errno, e.Strerror}
}

// PythonClass returns the Python exception class name, "SSLError".
func (e *SSLError) PythonClass() string { return "SSLError" }

// asBase implements the As method of the kinds: it sets a **SSLError
// target to e.
func (e *SSLError) asBase(target any) bool {
	p, ok := target.(**SSLError)
	if ok {
		*p = e
	}
	return ok
}

// SSLZeroReturnError is Python's ssl.SSLZeroReturnError: the peer closed
// the TLS connection cleanly (SSL_ERROR_ZERO_RETURN). Its Errno is 6.
type SSLZeroReturnError struct{ SSLError }

// Is reports whether target is ErrZeroReturn, ErrSSL or ErrOS.
func (e *SSLZeroReturnError) Is(target error) bool {
	return target == ErrZeroReturn || e.SSLError.Is(target)
}

// As sets a **SSLError target to the embedded SSLError.
func (e *SSLZeroReturnError) As(target any) bool { return e.SSLError.asBase(target) }

// PythonClass returns "SSLZeroReturnError".
func (e *SSLZeroReturnError) PythonClass() string { return "SSLZeroReturnError" }

// SSLWantReadError is Python's ssl.SSLWantReadError: the operation needs
// more incoming data before it can complete (SSL_ERROR_WANT_READ). Its
// Errno is 2. The value returned by WantRead and by FromSSL in the common
// case is shared and must not be modified.
type SSLWantReadError struct{ SSLError }

// Is reports whether target is ErrWantRead, ErrSSL or ErrOS.
func (e *SSLWantReadError) Is(target error) bool {
	return target == ErrWantRead || e.SSLError.Is(target)
}

// As sets a **SSLError target to the embedded SSLError.
func (e *SSLWantReadError) As(target any) bool { return e.SSLError.asBase(target) }

// PythonClass returns "SSLWantReadError".
func (e *SSLWantReadError) PythonClass() string { return "SSLWantReadError" }

// SSLWantWriteError is Python's ssl.SSLWantWriteError: the operation needs
// to write before it can complete (SSL_ERROR_WANT_WRITE). Its Errno is 3.
// The value returned by WantWrite and by FromSSL in the common case is
// shared and must not be modified.
type SSLWantWriteError struct{ SSLError }

// Is reports whether target is ErrWantWrite, ErrSSL or ErrOS.
func (e *SSLWantWriteError) Is(target error) bool {
	return target == ErrWantWrite || e.SSLError.Is(target)
}

// As sets a **SSLError target to the embedded SSLError.
func (e *SSLWantWriteError) As(target any) bool { return e.SSLError.asBase(target) }

// PythonClass returns "SSLWantWriteError".
func (e *SSLWantWriteError) PythonClass() string { return "SSLWantWriteError" }

// SSLSyscallError is Python's ssl.SSLSyscallError (SSL_ERROR_SYSCALL with
// no further information). Its Errno is 5. On the Python 3.13+ baseline
// that this package follows, FromSSL never returns it; Python 3.11 raised
// it for a failed handshake or unwrap on memory BIOs. It exists so that
// code written against either version compiles and matches.
type SSLSyscallError struct{ SSLError }

// Is reports whether target is ErrSyscall, ErrSSL or ErrOS.
func (e *SSLSyscallError) Is(target error) bool {
	return target == ErrSyscall || e.SSLError.Is(target)
}

// As sets a **SSLError target to the embedded SSLError.
func (e *SSLSyscallError) As(target any) bool { return e.SSLError.asBase(target) }

// PythonClass returns "SSLSyscallError".
func (e *SSLSyscallError) PythonClass() string { return "SSLSyscallError" }

// SSLEOFError is Python's ssl.SSLEOFError: the transport reached EOF
// without a TLS close_notify ("EOF occurred in violation of protocol").
// Its Errno is 8.
type SSLEOFError struct{ SSLError }

// Is reports whether target is ErrEOF, ErrSSL or ErrOS.
func (e *SSLEOFError) Is(target error) bool {
	return target == ErrEOF || e.SSLError.Is(target)
}

// As sets a **SSLError target to the embedded SSLError.
func (e *SSLEOFError) As(target any) bool { return e.SSLError.asBase(target) }

// PythonClass returns "SSLEOFError".
func (e *SSLEOFError) PythonClass() string { return "SSLEOFError" }

// SSLCertVerificationError is Python's ssl.SSLCertVerificationError
// (alias ssl.CertificateError): certificate verification failed during
// the handshake.
//
// In Python it subclasses both SSLError and ValueError. Here
// errors.Is(err, ErrValue) is true and errors.As to *SSLError succeeds,
// but errors.As to *ValueError does not: there is no ValueError value
// inside to point at.
type SSLCertVerificationError struct {
	SSLError
	// VerifyCode is SSL_get_verify_result, an X509_V_ERR_* value such as
	// 18 (self-signed certificate), 20 (unable to get local issuer
	// certificate), 62 (hostname mismatch) or 64 (IP address mismatch).
	VerifyCode int64
	// VerifyMessage is the text for VerifyCode:
	// X509_verify_cert_error_string, or Python's own text for 62 and 64
	// ("Hostname mismatch, certificate is not valid for 'x'."). The empty
	// string stands for Python's None.
	VerifyMessage string
}

// Is reports whether target is ErrCertVerification, ErrValue, ErrSSL or
// ErrOS.
func (e *SSLCertVerificationError) Is(target error) bool {
	return target == ErrCertVerification || target == ErrValue || e.SSLError.Is(target)
}

// As sets a **SSLError target to the embedded SSLError.
func (e *SSLCertVerificationError) As(target any) bool { return e.SSLError.asBase(target) }

// PythonClass returns "SSLCertVerificationError".
func (e *SSLCertVerificationError) PythonClass() string { return "SSLCertVerificationError" }

// ValueError is Python's ValueError, for an argument with the right type
// but a bad value (for example "password cannot be longer than 1024
// bytes").
type ValueError struct {
	// Msg is the message; Python's str() shows it as is.
	Msg string
}

// Error returns Msg.
func (e *ValueError) Error() string { return e.Msg }

// Is reports whether target is ErrValue.
func (e *ValueError) Is(target error) bool { return target == ErrValue }

// PythonClass returns "ValueError".
func (e *ValueError) PythonClass() string { return "ValueError" }

// TypeError is Python's TypeError, for an argument of the wrong type (for
// example "password callback must return a string").
type TypeError struct {
	// Msg is the message; Python's str() shows it as is.
	Msg string
}

// Error returns Msg.
func (e *TypeError) Error() string { return e.Msg }

// Is reports whether target is ErrType.
func (e *TypeError) Is(target error) bool { return target == ErrType }

// PythonClass returns "TypeError".
func (e *TypeError) PythonClass() string { return "TypeError" }

// NotImplementedError is Python's NotImplementedError, for a feature the
// OpenSSL library in use does not provide (for example "Getting
// implemented groups requires OpenSSL 3.0 or later.").
type NotImplementedError struct {
	// Msg is the message; Python's str() shows it as is.
	Msg string
}

// Error returns Msg.
func (e *NotImplementedError) Error() string { return e.Msg }

// Is reports whether target is ErrNotImplemented.
func (e *NotImplementedError) Is(target error) bool { return target == ErrNotImplemented }

// PythonClass returns "NotImplementedError".
func (e *NotImplementedError) PythonClass() string { return "NotImplementedError" }

// NewNotImplementedError returns a *NotImplementedError with the message
// msg.
func NewNotImplementedError(msg string) error { return &NotImplementedError{Msg: msg} }

// NewValueError returns a *ValueError with the message msg.
func NewValueError(msg string) error { return &ValueError{Msg: msg} }

// NewTypeError returns a *TypeError with the message msg.
func NewTypeError(msg string) error { return &TypeError{Msg: msg} }

// Pre-built values for the hot path: returning them does not allocate.
var (
	wantRead = &SSLWantReadError{SSLError{
		Errno:    sslErrorWantRead,
		Strerror: msgWantRead,
	}}
	wantWrite = &SSLWantWriteError{SSLError{
		Errno:    sslErrorWantWrite,
		Strerror: msgWantWrite,
	}}
)

// WantRead returns the shared *SSLWantReadError value, "The operation did
// not complete (read)" with Errno 2. It does not allocate. Callers must
// not modify the value.
func WantRead() error { return wantRead }

// WantWrite returns the shared *SSLWantWriteError value, "The operation
// did not complete (write)" with Errno 3. It does not allocate. Callers
// must not modify the value.
func WantWrite() error { return wantWrite }
