package errors

import (
	"fmt"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ent builds a queue entry as the shim captures it (OpenSSL 3 packing).
func ent(lib, reason int, text string) Entry {
	return Entry{Code: uint64(lib)<<23 | uint64(reason), Lib: lib, Reason: reason, ReasonString: text}
}

// pythonClass returns the Python class name of an error of this package.
func pythonClass(t *testing.T, err error) string {
	t.Helper()
	c, ok := err.(interface{ PythonClass() string })
	require.Truef(t, ok, "%T has no PythonClass method", err)
	return c.PythonClass()
}

var (
	entCertVerify = ent(LibSSL, ReasonCertificateVerifyFailed, "certificate verify failed")
	entHandshake  = ent(LibSSL, 1040, "sslv3 alert handshake failure")
	entPEMLib     = ent(LibSSL, RFlagCommon|9, "PEM lib")
	entNoStart    = ent(9, 108, "no start line")
	entUnexpected = ent(LibSSL, ReasonUnexpectedEOFWhileReading, "unexpected eof while reading")
)

func TestFromSSLFollowsPySSLSetErrorTable(t *testing.T) {
	tests := []struct {
		name    string
		st      State
		host    string
		class   string
		errno   int
		msg     string
		lib     string
		reason  string
		verify  string
		vcode   int64
		isCert  bool
		osErrno syscall.Errno
	}{
		{name: "zero return", st: State{SSLError: sslErrorZeroReturn},
			class: "SSLZeroReturnError", errno: 6, msg: "TLS/SSL connection has been closed (EOF)"},
		{name: "want read", st: State{SSLError: sslErrorWantRead},
			class: "SSLWantReadError", errno: 2, msg: "The operation did not complete (read)"},
		{name: "want write", st: State{SSLError: sslErrorWantWrite},
			class: "SSLWantWriteError", errno: 3, msg: "The operation did not complete (write)"},
		{name: "want read with a stale queue entry names it", st: State{SSLError: sslErrorWantRead, Queue: []Entry{entNoStart}},
			class: "SSLWantReadError", errno: 2, msg: "[PEM: NO_START_LINE] The operation did not complete (read)",
			lib: "PEM", reason: "NO_START_LINE"},
		{name: "want write with a stale queue entry names it", st: State{SSLError: sslErrorWantWrite, Queue: []Entry{entNoStart}},
			class: "SSLWantWriteError", errno: 3, msg: "[PEM: NO_START_LINE] The operation did not complete (write)",
			lib: "PEM", reason: "NO_START_LINE"},
		{name: "want x509 lookup", st: State{SSLError: sslErrorWantX509Lookup},
			class: "SSLError", errno: 4, msg: "The operation did not complete (X509 lookup)"},
		{name: "want connect", st: State{SSLError: sslErrorWantConnect},
			class: "SSLError", errno: 7, msg: "The operation did not complete (connect)"},
		{name: "syscall with empty queue and no errno is EOF", st: State{SSLError: sslErrorSyscall, Ret: -1},
			class: "SSLEOFError", errno: 8, msg: "EOF occurred in violation of protocol"},
		{name: "syscall with empty queue and errno is OSError", st: State{SSLError: sslErrorSyscall, Errno: int(syscall.ECONNRESET)},
			class: "ConnectionResetError", osErrno: syscall.ECONNRESET, msg: "[Errno 104] Connection reset by peer"},
		{name: "syscall with certificate verify failed", st: State{SSLError: sslErrorSyscall, Queue: []Entry{entCertVerify},
			VerifyResult: 18, VerifyMessage: "self-signed certificate"},
			class: "SSLCertVerificationError", errno: 5, isCert: true, vcode: 18, verify: "self-signed certificate",
			msg: "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate",
			lib: "SSL", reason: "CERTIFICATE_VERIFY_FAILED"},
		{name: "syscall with a SYS library entry is OSError", st: State{SSLError: sslErrorSyscall, Queue: []Entry{ent(LibSYS, int(syscall.EPIPE), "")}},
			class: "BrokenPipeError", osErrno: syscall.EPIPE, msg: "[Errno 32] Broken pipe"},
		{name: "syscall with another entry is the base SSLError", st: State{SSLError: sslErrorSyscall, Queue: []Entry{entHandshake}},
			class: "SSLError", errno: 5, msg: "[SSL: SSLV3_ALERT_HANDSHAKE_FAILURE] sslv3 alert handshake failure",
			lib: "SSL", reason: "SSLV3_ALERT_HANDSHAKE_FAILURE"},
		{name: "ssl with empty queue", st: State{SSLError: sslErrorSSL},
			class: "SSLError", errno: 1, msg: "A failure in the SSL library occurred"},
		{name: "ssl with certificate verify failed", st: State{SSLError: sslErrorSSL, Queue: []Entry{entCertVerify},
			VerifyResult: 20, VerifyMessage: "unable to get local issuer certificate"},
			class: "SSLCertVerificationError", errno: 1, isCert: true, vcode: 20, verify: "unable to get local issuer certificate",
			msg: "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate",
			lib: "SSL", reason: "CERTIFICATE_VERIFY_FAILED"},
		{name: "ssl with hostname mismatch uses the server hostname", st: State{SSLError: sslErrorSSL, Queue: []Entry{entCertVerify},
			VerifyResult: 62, VerifyMessage: "hostname mismatch"}, host: "wrong.test",
			class: "SSLCertVerificationError", errno: 1, isCert: true, vcode: 62,
			verify: "Hostname mismatch, certificate is not valid for 'wrong.test'.",
			msg:    "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, certificate is not valid for 'wrong.test'.",
			lib:    "SSL", reason: "CERTIFICATE_VERIFY_FAILED"},
		{name: "ssl with IP address mismatch uses the server hostname", st: State{SSLError: sslErrorSSL, Queue: []Entry{entCertVerify},
			VerifyResult: 64, VerifyMessage: "IP address mismatch"}, host: "127.0.0.2",
			class: "SSLCertVerificationError", errno: 1, isCert: true, vcode: 64,
			verify: "IP address mismatch, certificate is not valid for '127.0.0.2'.",
			msg:    "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: IP address mismatch, certificate is not valid for '127.0.0.2'.",
			lib:    "SSL", reason: "CERTIFICATE_VERIFY_FAILED"},
		{name: "ssl with hostname mismatch and no hostname shows None", st: State{SSLError: sslErrorSSL, Queue: []Entry{entCertVerify},
			VerifyResult: 62},
			class: "SSLCertVerificationError", errno: 1, isCert: true, vcode: 62,
			verify: "Hostname mismatch, certificate is not valid for 'None'.",
			msg:    "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, certificate is not valid for 'None'.",
			lib:    "SSL", reason: "CERTIFICATE_VERIFY_FAILED"},
		{name: "ssl with certificate verify failed and no verify text", st: State{SSLError: sslErrorSSL, Queue: []Entry{entCertVerify},
			VerifyResult: 9999},
			class: "SSLCertVerificationError", errno: 1, isCert: true, vcode: 9999,
			msg: "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed",
			lib: "SSL", reason: "CERTIFICATE_VERIFY_FAILED"},
		{name: "ssl with unexpected EOF is SSLEOFError with library and reason", st: State{SSLError: sslErrorSSL, Queue: []Entry{entUnexpected}},
			class: "SSLEOFError", errno: 8, msg: "[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol",
			lib: "SSL", reason: "UNEXPECTED_EOF_WHILE_READING"},
		{name: "ssl with a SYS library entry is OSError", st: State{SSLError: sslErrorSSL, Queue: []Entry{ent(LibSYS, int(syscall.ENOENT), "")}},
			class: "FileNotFoundError", osErrno: syscall.ENOENT, msg: "[Errno 2] No such file or directory"},
		{name: "ssl with another entry", st: State{SSLError: sslErrorSSL, Queue: []Entry{ent(LibSSL, 267, "wrong version number")}},
			class: "SSLError", errno: 1, msg: "[SSL: WRONG_VERSION_NUMBER] wrong version number",
			lib: "SSL", reason: "WRONG_VERSION_NUMBER"},
		{name: "ssl with a common reason shows the library only", st: State{SSLError: sslErrorSSL, Queue: []Entry{entPEMLib}},
			class: "SSLError", errno: 1, msg: "[SSL] PEM lib", lib: "SSL"},
		{name: "ssl with unknown library and no text", st: State{SSLError: sslErrorSSL, Queue: []Entry{ent(200, 7, "")}},
			class: "SSLError", errno: 1, msg: "unknown error"},
		{name: "ssl uses the last queue entry", st: State{SSLError: sslErrorSSL, Queue: []Entry{entNoStart, entHandshake}},
			class: "SSLError", errno: 1, msg: "[SSL: SSLV3_ALERT_HANDSHAKE_FAILURE] sslv3 alert handshake failure",
			lib: "SSL", reason: "SSLV3_ALERT_HANDSHAKE_FAILURE"},
		{name: "SSL_ERROR_NONE is an invalid code", st: State{SSLError: sslErrorNone},
			class: "SSLError", errno: 10, msg: "Invalid error code"},
		{name: "SSL_ERROR_WANT_ACCEPT is an invalid code", st: State{SSLError: 8},
			class: "SSLError", errno: 10, msg: "Invalid error code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := FromSSL(&tt.st, tt.host)
			require.Error(t, err)
			assert.Equal(t, tt.msg, err.Error())
			assert.Equal(t, tt.class, pythonClass(t, err))
			if tt.osErrno != 0 {
				var oe *OSError
				require.ErrorAs(t, err, &oe)
				assert.Equal(t, tt.osErrno, oe.Errno)
				assert.ErrorIs(t, err, tt.osErrno)
				assert.ErrorIs(t, err, ErrOS)
				assert.NotErrorIs(t, err, ErrSSL)
				return
			}
			var se *SSLError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tt.errno, se.Errno)
			assert.Equal(t, tt.msg, se.Strerror)
			assert.Equal(t, tt.lib, se.Library)
			assert.Equal(t, tt.reason, se.Reason)
			assert.False(t, se.ArgsOnly)
			assert.Equal(t, tt.st.Queue, se.Queue)
			var ce *SSLCertVerificationError
			assert.Equal(t, tt.isCert, As(err, &ce))
			if tt.isCert {
				assert.Equal(t, tt.vcode, ce.VerifyCode)
				assert.Equal(t, tt.verify, ce.VerifyMessage)
			}
		})
	}
}

func TestFromSSLNeverReturnsSyscallError(t *testing.T) {
	// The 3.13+ baseline: a memory-BIO handshake that fails with
	// SSL_ERROR_SYSCALL, ret -1 and an empty queue is an EOF, not
	// Python 3.11's SSLSyscallError("Some I/O error occurred").
	for _, st := range []State{
		{SSLError: sslErrorSyscall, Ret: -1},
		{SSLError: sslErrorSyscall, Ret: 0},
		{SSLError: sslErrorSyscall, Queue: []Entry{entHandshake}},
	} {
		err := FromSSL(&st, "")
		assert.NotErrorIs(t, err, ErrSyscall)
	}
}

func TestFromSSLWithNilStateIsNil(t *testing.T) {
	assert.NoError(t, FromSSL(nil, "x"))
	assert.NoError(t, FromLib(nil))
}

func TestFromSSLWantReadAndWantWriteReturnSharedValues(t *testing.T) {
	assert.Same(t, WantRead(), FromSSL(&State{SSLError: sslErrorWantRead}, ""))
	assert.Same(t, WantWrite(), FromSSL(&State{SSLError: sslErrorWantWrite}, ""))
	assert.NotSame(t, WantRead(), FromSSL(&State{SSLError: sslErrorWantRead, Queue: []Entry{entNoStart}}, ""))
}

func TestWantReadAndWantWriteDoNotAllocate(t *testing.T) {
	rd := &State{SSLError: sslErrorWantRead, Ret: -1, VerifyResult: -1}
	wr := &State{SSLError: sslErrorWantWrite, Ret: -1, VerifyResult: -1}
	var sink error
	allocs := testing.AllocsPerRun(1000, func() {
		sink = FromSSL(rd, "example.test")
		sink = FromSSL(wr, "example.test")
		sink = WantRead()
		sink = WantWrite()
	})
	assert.Zero(t, allocs)
	allocs = testing.AllocsPerRun(1000, func() {
		if !Is(FromSSL(rd, ""), ErrWantRead) || Is(FromSSL(wr, ""), ErrWantRead) {
			panic("want-read matching is broken")
		}
	})
	assert.Zero(t, allocs, "errors.Is on the shared values allocates")
	_ = sink
}

func TestFromLibFollowsSetSSLError(t *testing.T) {
	tests := []struct {
		name   string
		queue  []Entry
		errno  int
		msg    string
		lib    string
		reason string
	}{
		{name: "empty queue", errno: 0, msg: "unknown error"},
		{name: "key values mismatch", queue: []Entry{ent(11, 116, "key values mismatch")},
			errno: 116, msg: "[X509: KEY_VALUES_MISMATCH] key values mismatch", lib: "X509", reason: "KEY_VALUES_MISMATCH"},
		{name: "PEM lib is masked to the library and errno keeps the flag", queue: []Entry{entNoStart, entPEMLib},
			errno: 524297, msg: "[SSL] PEM lib", lib: "SSL"},
		{name: "no start line", queue: []Entry{entNoStart},
			errno: 108, msg: "[PEM: NO_START_LINE] no start line", lib: "PEM", reason: "NO_START_LINE"},
		{name: "not enough data", queue: []Entry{ent(13, 142, "not enough data")},
			errno: 142, msg: "[ASN1: NOT_ENOUGH_DATA] not enough data", lib: "ASN1", reason: "NOT_ENOUGH_DATA"},
		{name: "no certificate or CRL found", queue: []Entry{ent(11, 136, "no certificate or crl found")},
			errno: 136, msg: "[X509: NO_CERTIFICATE_OR_CRL_FOUND] no certificate or crl found", lib: "X509", reason: "NO_CERTIFICATE_OR_CRL_FOUND"},
		{name: "certificate verify failed stays a base SSLError", queue: []Entry{entCertVerify},
			errno: 134, msg: "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed", lib: "SSL", reason: "CERTIFICATE_VERIFY_FAILED"},
		{name: "SYS library stays an SSLError", queue: []Entry{ent(LibSYS, 2, "")},
			errno: 2, msg: "[SYS] unknown error", lib: "SYS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &State{VerifyResult: 18, VerifyMessage: "self-signed certificate", Queue: tt.queue}
			err := FromLib(st)
			se, ok := err.(*SSLError)
			require.Truef(t, ok, "FromLib returned %T, want *SSLError", err)
			assert.Equal(t, tt.errno, se.Errno)
			assert.Equal(t, tt.msg, se.Error())
			assert.Equal(t, tt.lib, se.Library)
			assert.Equal(t, tt.reason, se.Reason)
			assert.Equal(t, []any{tt.errno, tt.msg}, se.Args())
			assert.NotErrorIs(t, err, ErrCertVerification)
		})
	}
}

func TestFromLibMessageHasNoLibraryAndErrnoZero(t *testing.T) {
	err := FromLibMessage("no start line: cadata does not contain a certificate")
	var se *SSLError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "no start line: cadata does not contain a certificate", err.Error())
	assert.Equal(t, 0, se.Errno)
	assert.Empty(t, se.Library)
	assert.Empty(t, se.Reason)
	assert.False(t, se.ArgsOnly)
	assert.Equal(t, err.Error(), se.PythonString())
	assert.Equal(t, []any{0, err.Error()}, se.Args())
}

func TestPlainErrorIsArgsOnly(t *testing.T) {
	err := Plain("No cipher can be selected.")
	var se *SSLError
	require.ErrorAs(t, err, &se)
	assert.True(t, se.ArgsOnly)
	assert.Equal(t, "No cipher can be selected.", err.Error())
	assert.Equal(t, "('No cipher can be selected.',)", se.PythonString())
	assert.Equal(t, []any{"No cipher can be selected."}, se.Args())
	assert.ErrorIs(t, err, ErrSSL)
	assert.ErrorIs(t, err, ErrOS)
	assert.Equal(t, "SSLError", se.PythonClass())
}

func TestFormatMessageOmitsMissingParts(t *testing.T) {
	assert.Equal(t, "[L: R] text: v", formatMessage("L", "R", "text", "v"))
	assert.Equal(t, "[L: R] text", formatMessage("L", "R", "text", ""))
	assert.Equal(t, "[L] text", formatMessage("L", "", "text", ""))
	assert.Equal(t, "text", formatMessage("", "", "text", ""))
	assert.Equal(t, "text: v", formatMessage("", "", "text", "v"))
}

func ExampleFromSSL() {
	st := &State{
		Ret:           -1,
		SSLError:      1, // SSL_ERROR_SSL
		VerifyResult:  18,
		VerifyMessage: "self-signed certificate",
		Queue: []Entry{{
			Lib: 20, Reason: 134, ReasonString: "certificate verify failed",
		}},
	}
	err := FromSSL(st, "example.test")
	fmt.Println(err)
	var ce *SSLCertVerificationError
	if As(err, &ce) {
		fmt.Println(ce.VerifyCode, Is(err, ErrSSL), Is(err, ErrValue))
	}
	// Output:
	// [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate
	// 18 true true
}

func ExampleFromLib() {
	// SSL_CTX_use_PrivateKey_file with no key: ERR_R_PEM_LIB raised by the
	// SSL library.
	st := &State{Queue: []Entry{{Lib: 20, Reason: 0x80009, ReasonString: "PEM lib"}}}
	err := FromLib(st)
	var se *SSLError
	As(err, &se)
	fmt.Println(se.Errno, err)
	// Output:
	// 524297 [SSL] PEM lib
}

func ExamplePlain() {
	err := Plain("No cipher can be selected.")
	var se *SSLError
	As(err, &se)
	fmt.Println(err)
	fmt.Println(se.PythonString())
	// Output:
	// No cipher can be selected.
	// ('No cipher can be selected.',)
}

func ExampleWantRead() {
	// A want-read result is the normal "feed me more bytes" signal of a
	// memory-BIO handshake; it is matched with errors.Is and is cheap.
	err := FromSSL(&State{SSLError: 2 /* SSL_ERROR_WANT_READ */}, "")
	fmt.Println(Is(err, ErrWantRead), Is(err, ErrSSL), Is(err, ErrWantWrite))
	fmt.Println(err == WantRead())
	// Output:
	// true true false
	// true
}
