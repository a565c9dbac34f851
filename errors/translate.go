package errors

import (
	"strings"
	"syscall"
)

// SSL_get_error results (OpenSSL's SSL_ERROR_*) and Python's own codes
// PY_SSL_ERROR_EOF and PY_SSL_ERROR_INVALID_ERROR_CODE. The public
// enumeration is SSLErrorNumber in the context package; these stay
// unexported so the two never compete.
const (
	sslErrorNone           = 0
	sslErrorSSL            = 1
	sslErrorWantRead       = 2
	sslErrorWantWrite      = 3
	sslErrorWantX509Lookup = 4
	sslErrorSyscall        = 5
	sslErrorZeroReturn     = 6
	sslErrorWantConnect    = 7
	pyErrorEOF             = 8
	pyErrorInvalidCode     = 10
)

// OpenSSL constants used by the translation.
const (
	// LibSYS is ERR_LIB_SYS: the reason of an error from this library is
	// a C errno value.
	LibSYS = 2
	// LibSSL is ERR_LIB_SSL.
	LibSSL = 20
	// ReasonCertificateVerifyFailed is SSL_R_CERTIFICATE_VERIFY_FAILED.
	ReasonCertificateVerifyFailed = 134
	// ReasonUnexpectedEOFWhileReading is SSL_R_UNEXPECTED_EOF_WHILE_READING,
	// OpenSSL 3's report of a transport EOF without close_notify.
	ReasonUnexpectedEOFWhileReading = 294
	// RFlagCommon is ERR_RFLAG_COMMON, the reason flag of the ERR_R_*
	// reasons shared by all libraries (OpenSSL 3). A reason with this flag
	// is not in the mnemonic table, so such an error shows the library
	// only, as in "[SSL] PEM lib".
	RFlagCommon = 0x2 << 18
	// VerifyHostnameMismatch is X509_V_ERR_HOSTNAME_MISMATCH.
	VerifyHostnameMismatch = 62
	// VerifyIPAddressMismatch is X509_V_ERR_IP_ADDRESS_MISMATCH.
	VerifyIPAddressMismatch = 64
)

// Fixed messages of PySSL_SetError.
const (
	msgZeroReturn   = "TLS/SSL connection has been closed (EOF)"
	msgWantRead     = "The operation did not complete (read)"
	msgWantWrite    = "The operation did not complete (write)"
	msgWantX509     = "The operation did not complete (X509 lookup)"
	msgWantConnect  = "The operation did not complete (connect)"
	msgEOF          = "EOF occurred in violation of protocol"
	msgSSLFailure   = "A failure in the SSL library occurred"
	msgInvalidCode  = "Invalid error code"
	msgUnknownError = "unknown error"
)

// FromSSL translates the state captured after a failed SSL I/O call
// (SSL_do_handshake, SSL_read_ex, SSL_write_ex, SSL_shutdown, ...) into
// the error Python's PySSL_SetError raises, on the Python 3.13+ baseline.
// It returns nil when st is nil.
//
// The branch is chosen on st.SSLError; the error details come from the
// last queue entry (ERR_peek_last_error). serverHostname is the
// connection's server_hostname (the A-label form), used in the message of
// verify results 62 and 64; "" stands for None. The package
// documentation has the full table.
//
// For want-read and want-write with an empty queue FromSSL returns the
// shared values of WantRead and WantWrite and does not allocate.
func FromSSL(st *State, serverHostname string) error {
	if st == nil {
		return nil
	}
	e, hasE := st.Last()
	switch st.SSLError {
	case sslErrorWantRead:
		if !hasE {
			return wantRead
		}
		return &SSLWantReadError{fill(st, sslErrorWantRead, msgWantRead, e, hasE, "")}
	case sslErrorWantWrite:
		if !hasE {
			return wantWrite
		}
		return &SSLWantWriteError{fill(st, sslErrorWantWrite, msgWantWrite, e, hasE, "")}
	case sslErrorZeroReturn:
		return &SSLZeroReturnError{fill(st, sslErrorZeroReturn, msgZeroReturn, e, hasE, "")}
	case sslErrorWantX509Lookup:
		return newBase(fill(st, sslErrorWantX509Lookup, msgWantX509, e, hasE, ""))
	case sslErrorWantConnect:
		return newBase(fill(st, sslErrorWantConnect, msgWantConnect, e, hasE, ""))
	case sslErrorSyscall:
		if !hasE {
			// gh-115627 (3.13+): the queue is empty, so the BIO reported
			// the failure. Python 3.11 looked at ret and the socket here
			// and raised SSLSyscallError for memory BIOs with ret == -1.
			if st.Errno != 0 {
				return NewOSError(syscall.Errno(st.Errno))
			}
			return &SSLEOFError{fill(st, pyErrorEOF, msgEOF, e, hasE, "")}
		}
		if isCertVerifyFailed(e) {
			return certVerifyError(st, sslErrorSyscall, e, serverHostname)
		}
		if e.Lib == LibSYS {
			// gh-127257 (3.14, backported to 3.13): not in 3.11.
			return NewOSError(syscall.Errno(e.Reason))
		}
		// Python keeps the base SSLError type here, not SSLSyscallError.
		return newBase(fill(st, sslErrorSyscall, "", e, hasE, ""))
	case sslErrorSSL:
		if !hasE {
			return newBase(fill(st, sslErrorSSL, msgSSLFailure, e, hasE, ""))
		}
		if isCertVerifyFailed(e) {
			return certVerifyError(st, sslErrorSSL, e, serverHostname)
		}
		if e.Lib == LibSSL && e.Reason == ReasonUnexpectedEOFWhileReading {
			return &SSLEOFError{fill(st, pyErrorEOF, msgEOF, e, hasE, "")}
		}
		if e.Lib == LibSYS {
			// gh-127257 (3.14, backported to 3.13): not in 3.11.
			return NewOSError(syscall.Errno(e.Reason))
		}
		return newBase(fill(st, sslErrorSSL, "", e, hasE, ""))
	default:
		return newBase(fill(st, pyErrorInvalidCode, msgInvalidCode, e, hasE, ""))
	}
}

// newBase returns a pointer to a copy of v, for errors of the base
// SSLError type.
func newBase(v SSLError) *SSLError { return &v }

func isCertVerifyFailed(e Entry) bool {
	return e.Lib == LibSSL && e.Reason == ReasonCertificateVerifyFailed
}

// certVerifyError builds the SSLCertVerificationError of fill_and_set_sslerror.
func certVerifyError(st *State, p int, e Entry, serverHostname string) error {
	code := st.VerifyResult
	var msg string
	switch code {
	case VerifyHostnameMismatch:
		msg = "Hostname mismatch, certificate is not valid for '" + pyStrOrNone(serverHostname) + "'."
	case VerifyIPAddressMismatch:
		msg = "IP address mismatch, certificate is not valid for '" + pyStrOrNone(serverHostname) + "'."
	default:
		msg = st.VerifyMessage
	}
	return &SSLCertVerificationError{
		SSLError:      fill(st, p, "", e, true, msg),
		VerifyCode:    code,
		VerifyMessage: msg,
	}
}

func pyStrOrNone(s string) string {
	if s == "" {
		return "None"
	}
	return s
}

// fill is fill_and_set_sslerror: it names the library and reason of e (if
// hasE), defaults errstr to e's reason text or "unknown error", and formats
// the message.
func fill(st *State, p int, errstr string, e Entry, hasE bool, verify string) SSLError {
	var lib, reason string
	if hasE {
		lib, _ = LibName(e.Lib)
		reason, _ = ReasonName(e.Lib, e.Reason)
		if errstr == "" {
			errstr = e.ReasonString
		}
	}
	if errstr == "" {
		errstr = msgUnknownError
	}
	var q []Entry
	if st != nil {
		q = st.Queue
	}
	return SSLError{
		Errno:    p,
		Strerror: formatMessage(lib, reason, errstr, verify),
		Library:  lib,
		Reason:   reason,
		Queue:    q,
	}
}

// formatMessage builds the message as Python 3.14 does, without the
// "(_ssl.c:N)" suffix: "[lib" + ": reason" + "] " + errstr + ": verify",
// each bracketed part present only when known. For every combination
// OpenSSL produces this equals the 3.11 format.
func formatMessage(lib, reason, errstr, verify string) string {
	if lib == "" && verify == "" {
		return errstr
	}
	var b strings.Builder
	b.Grow(len(lib) + len(reason) + len(errstr) + len(verify) + 6)
	if lib != "" {
		b.WriteByte('[')
		b.WriteString(lib)
		if reason != "" {
			b.WriteString(": ")
			b.WriteString(reason)
		}
		b.WriteString("] ")
	}
	b.WriteString(errstr)
	if verify != "" {
		b.WriteString(": ")
		b.WriteString(verify)
	}
	return b.String()
}

// FromLib translates the state captured after a failed context-level
// OpenSSL call (SSL_CTX_use_certificate_chain_file, X509_STORE_add_cert,
// SSL_set1_host, ...) into the error Python's _setSSLError(errstr=NULL)
// raises. It returns nil when st is nil.
//
// The details come from the last queue entry. The error is always a plain
// *SSLError (never a subclass, never with verify fields) whose Errno is
// ERR_GET_REASON of the packed code, for example 116 for
// "[X509: KEY_VALUES_MISMATCH] key values mismatch" or 524297 for
// "[SSL] PEM lib". With an empty queue the message is "unknown error" and
// Errno is 0.
func FromLib(st *State) error {
	if st == nil {
		return nil
	}
	e, hasE := st.Last()
	errno := 0
	if hasE {
		errno = e.Reason
	}
	return newBase(fill(st, errno, "", e, hasE, ""))
}

// FromLibMessage returns the error Python's _setSSLError(errstr) raises
// when the binding supplies the message: an *SSLError with Errno 0, the
// message as is, and Library and Reason None, for example "no start line:
// cadata does not contain a certificate".
func FromLibMessage(msg string) error {
	return &SSLError{Strerror: msg}
}

// Plain returns an args-only *SSLError, as Python's
// PyErr_SetString(SSLError, msg) raises it (for example "No cipher can be
// selected."). Its Error method returns msg; its PythonString method
// returns Python's str() form "('msg',)".
func Plain(msg string) error {
	return &SSLError{Strerror: msg, ArgsOnly: true}
}
