package errors

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// kinds returns one value of each SSL error kind with the sentinel that
// names it.
func kinds() []struct {
	name     string
	err      error
	sentinel error
} {
	base := SSLError{Errno: 1, Strerror: "m"}
	return []struct {
		name     string
		err      error
		sentinel error
	}{
		{"SSLError", &SSLError{Errno: 1, Strerror: "m"}, ErrSSL},
		{"SSLZeroReturnError", &SSLZeroReturnError{base}, ErrZeroReturn},
		{"SSLWantReadError", &SSLWantReadError{base}, ErrWantRead},
		{"SSLWantWriteError", &SSLWantWriteError{base}, ErrWantWrite},
		{"SSLSyscallError", &SSLSyscallError{base}, ErrSyscall},
		{"SSLEOFError", &SSLEOFError{base}, ErrEOF},
		{"SSLCertVerificationError", &SSLCertVerificationError{SSLError: base}, ErrCertVerification},
	}
}

var kindSentinels = []error{ErrZeroReturn, ErrWantRead, ErrWantWrite, ErrSyscall, ErrEOF, ErrCertVerification}

func TestEveryKindMatchesItsSentinelOnly(t *testing.T) {
	for _, k := range kinds() {
		for _, wrapped := range []error{k.err, fmt.Errorf("ctx: %w", k.err)} {
			assert.ErrorIs(t, wrapped, ErrSSL, k.name)
			assert.ErrorIs(t, wrapped, ErrOS, k.name)
			assert.ErrorIs(t, wrapped, k.sentinel, k.name)
			for _, s := range kindSentinels {
				if s != k.sentinel {
					assert.NotErrorIs(t, wrapped, s, "%s matched %v", k.name, s)
				}
			}
			assert.NotErrorIs(t, wrapped, ErrType, k.name)
			assert.Equal(t, k.name == "SSLCertVerificationError", Is(wrapped, ErrValue), k.name)
		}
		assert.Equal(t, k.name, pythonClass(t, k.err))
	}
}

func TestEveryKindIsAnSSLErrorForAs(t *testing.T) {
	for _, k := range kinds() {
		var se *SSLError
		require.ErrorAs(t, fmt.Errorf("wrapped: %w", k.err), &se, k.name)
		assert.Equal(t, 1, se.Errno)
		assert.Equal(t, "m", se.Error())
	}
	// The pointer refers to the embedded value, not to a copy.
	wr := &SSLWantReadError{SSLError{Errno: 2}}
	var se *SSLError
	require.ErrorAs(t, wr, &se)
	assert.Same(t, &wr.SSLError, se)
}

func TestAsWithAKindTypeMatchesOnlyThatKind(t *testing.T) {
	for _, k := range kinds() {
		var (
			zr *SSLZeroReturnError
			rd *SSLWantReadError
			wr *SSLWantWriteError
			sc *SSLSyscallError
			eo *SSLEOFError
			cv *SSLCertVerificationError
			ve *ValueError
			oe *OSError
		)
		assert.Equal(t, k.name == "SSLZeroReturnError", As(k.err, &zr), k.name)
		assert.Equal(t, k.name == "SSLWantReadError", As(k.err, &rd), k.name)
		assert.Equal(t, k.name == "SSLWantWriteError", As(k.err, &wr), k.name)
		assert.Equal(t, k.name == "SSLSyscallError", As(k.err, &sc), k.name)
		assert.Equal(t, k.name == "SSLEOFError", As(k.err, &eo), k.name)
		assert.Equal(t, k.name == "SSLCertVerificationError", As(k.err, &cv), k.name)
		assert.False(t, As(k.err, &ve), k.name)
		assert.False(t, As(k.err, &oe), k.name)
	}
}

func TestSharedWantValuesHavePythonFields(t *testing.T) {
	var rd *SSLWantReadError
	require.ErrorAs(t, WantRead(), &rd)
	assert.Equal(t, 2, rd.Errno)
	assert.Equal(t, "The operation did not complete (read)", rd.Error())
	assert.Empty(t, rd.Library)
	var wr *SSLWantWriteError
	require.ErrorAs(t, WantWrite(), &wr)
	assert.Equal(t, 3, wr.Errno)
	assert.Equal(t, "The operation did not complete (write)", wr.Error())
	assert.ErrorIs(t, WantRead(), ErrWantRead)
	assert.NotErrorIs(t, WantRead(), ErrWantWrite)
	assert.ErrorIs(t, WantWrite(), ErrWantWrite)
}

func TestValueAndTypeErrors(t *testing.T) {
	ve := NewValueError("password cannot be longer than 1024 bytes")
	te := NewTypeError("password callback must return a string")
	assert.Equal(t, "password cannot be longer than 1024 bytes", ve.Error())
	assert.Equal(t, "password callback must return a string", te.Error())
	assert.ErrorIs(t, ve, ErrValue)
	assert.NotErrorIs(t, ve, ErrType)
	assert.NotErrorIs(t, ve, ErrSSL)
	assert.ErrorIs(t, te, ErrType)
	assert.NotErrorIs(t, te, ErrValue)
	assert.NotErrorIs(t, te, ErrOS)
	var v *ValueError
	require.ErrorAs(t, ve, &v)
	assert.Equal(t, "ValueError", v.PythonClass())
	var ty *TypeError
	require.ErrorAs(t, te, &ty)
	assert.Equal(t, "TypeError", ty.PythonClass())
}

func TestPathErrorIsFileNotFound(t *testing.T) {
	err := NewPathError("load_cert_chain", "missing.pem", syscall.ENOENT)
	assert.Equal(t, "[Errno 2] No such file or directory: 'missing.pem'", err.Error())
	assert.ErrorIs(t, err, syscall.ENOENT)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.ErrorIs(t, err, ErrOS)
	assert.NotErrorIs(t, err, ErrSSL)
	var oe *OSError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "FileNotFoundError", oe.PythonClass())
	assert.Equal(t, "load_cert_chain", oe.Op)
	assert.Equal(t, "missing.pem", oe.Filename)
	assert.Equal(t, "No such file or directory", oe.Strerror)
}

func TestOSErrorMessagesAndClasses(t *testing.T) {
	tests := []struct {
		errno syscall.Errno
		msg   string
		class string
	}{
		{syscall.EACCES, "[Errno 13] Permission denied", "PermissionError"},
		{syscall.ECONNRESET, "[Errno 104] Connection reset by peer", "ConnectionResetError"},
		{syscall.EPIPE, "[Errno 32] Broken pipe", "BrokenPipeError"},
		{syscall.EISDIR, "[Errno 21] Is a directory", "IsADirectoryError"},
		{syscall.EIO, "[Errno 5] Input/output error", "OSError"},
		{0, "[Errno 0] Success", "OSError"},
		{4000, "[Errno 4000] Unknown error 4000", "OSError"},
	}
	for _, tt := range tests {
		err := NewOSError(tt.errno)
		assert.Equal(t, tt.msg, err.Error())
		assert.Equal(t, tt.class, pythonClass(t, err))
		if tt.errno != 0 {
			assert.ErrorIs(t, err, tt.errno)
		}
	}
	assert.ErrorIs(t, NewOSError(syscall.EACCES), fs.ErrPermission)
}

func TestOSErrorTextMatchesPython(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 not found on PATH: make deps installs it")
	}
	codes := []syscall.Errno{syscall.EPERM, syscall.ENOENT, syscall.EIO, syscall.EACCES, syscall.EEXIST,
		syscall.EISDIR, syscall.EPIPE, syscall.EAGAIN, syscall.ECONNRESET, syscall.ECONNREFUSED, syscall.ETIMEDOUT}
	var args []string
	for _, c := range codes {
		args = append(args, fmt.Sprint(int(c)))
	}
	out, err := exec.Command(py, append([]string{"-c", `
import os, sys
for a in sys.argv[1:]:
    e = OSError(int(a), os.strerror(int(a)), 'f.pem')
    print(type(e).__name__ + '|' + str(e))
`}, args...)...).Output()
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	require.Len(t, lines, len(codes))
	for i, c := range codes {
		e := NewPathError("op", "f.pem", c)
		assert.Equal(t, lines[i], pythonClass(t, e)+"|"+e.Error())
	}
}

func TestPythonReprMatchesPython(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 not found on PATH: make deps installs it")
	}
	inputs := []string{"x", "it's", `say "hi"`, `both ' and "`, "tab\tnl\nr\r", `back\slash`,
		"é", "\x00\x1f\x7f", "\u00a0\u00ad", "\u200b", "😀", "\U000e0001", "日本語",
		"\u00ad", "soft\u00adhyphen"} // U+00AD SOFT HYPHEN is a format character: '\xad'
	in, err := json.Marshal(inputs)
	require.NoError(t, err)
	cmd := exec.Command(py, "-c", "import json, sys\nfor a in json.load(sys.stdin): print(repr(a))")
	cmd.Stdin = bytes.NewReader(in)
	cmd.Env = append(os.Environ(), "PYTHONIOENCODING=utf-8")
	out, err := cmd.Output()
	require.NoError(t, err)
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	require.Len(t, lines, len(inputs))
	for i, s := range inputs {
		assert.Equal(t, lines[i], PythonRepr(s), "repr(%q)", s)
	}
}

func TestCallbackErrorUnwrapsToTheCallbacksError(t *testing.T) {
	userErr := New("no such server")
	assert.NoError(t, WrapCallback("sni", nil))
	err := WrapCallback("sni", userErr)
	assert.Equal(t, "sni callback: no such server", err.Error())
	assert.ErrorIs(t, err, userErr)
	assert.Same(t, err, WrapCallback("other", err), "an already wrapped error is kept")

	callErr := FromSSL(&State{SSLError: sslErrorSSL, Queue: []Entry{ent(LibSSL, 1112, "tlsv1 unrecognized name")}}, "")
	chained := ChainCallback(err, callErr)
	assert.ErrorIs(t, chained, userErr)
	assert.NotErrorIs(t, chained, ErrSSL, "the SSL error is the context, not the cause")
	var ce *CallbackError
	require.ErrorAs(t, chained, &ce)
	assert.Equal(t, "sni", ce.Callback)
	assert.Same(t, callErr, ce.Context)

	assert.Same(t, callErr, ChainCallback(nil, callErr))
	plain := ChainCallback(userErr, callErr)
	require.ErrorAs(t, plain, &ce)
	assert.Equal(t, "callback", ce.Callback)
	assert.ErrorIs(t, plain, userErr)
}

func TestRecoveredPanicBecomesAnError(t *testing.T) {
	run := func(f func()) (err error) {
		defer func() { err = RecoverCallback("password", recover()) }()
		f()
		return nil
	}
	assert.NoError(t, run(func() {}))

	err := run(func() { panic("boom") })
	require.Error(t, err)
	assert.Equal(t, "password callback: panic: boom", err.Error())
	var pe *PanicError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "boom", pe.Value)
	assert.Contains(t, string(pe.Stack), "TestRecoveredPanicBecomesAnError")

	sentinel := New("inner")
	err = run(func() { panic(sentinel) })
	assert.ErrorIs(t, err, sentinel)
	assert.Equal(t, "password callback: panic: inner", err.Error())
}

func TestReexportsAreTheStandardFunctions(t *testing.T) {
	a := New("a")
	j := Join(a, ErrValue)
	assert.True(t, Is(j, a))
	assert.Nil(t, Unwrap(a))
	w := fmt.Errorf("w: %w", a)
	assert.Same(t, a, Unwrap(w))
}
