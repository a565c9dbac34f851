package errors

import (
	"strconv"
	"strings"
	"syscall"
)

// OSError is Python's OSError for the paths where _ssl raises it from an
// errno: a missing file in load_cert_chain or load_verify_locations
// (FileNotFoundError), an I/O error reported through SSL_ERROR_SYSCALL,
// or an OpenSSL error from the ERR_LIB_SYS library.
//
// Unwrap returns the syscall.Errno, so errors.Is(err, syscall.ENOENT) and
// errors.Is(err, fs.ErrNotExist) work. errors.Is(err, ErrOS) is true.
type OSError struct {
	// Errno is the C errno value.
	Errno syscall.Errno
	// Strerror is the C library's text for Errno, such as "No such file
	// or directory".
	Strerror string
	// Filename is the path involved, or "" (Python's None).
	Filename string
	// Op names the operation that failed, such as "load_cert_chain". It
	// is informational and not part of the message.
	Op string
}

// NewOSError returns an *OSError for errno with its C library text and no
// filename, as Python's PyErr_SetFromErrno(PyExc_OSError) builds it.
func NewOSError(errno syscall.Errno) error {
	return &OSError{Errno: errno, Strerror: Strerror(errno)}
}

// NewPathError returns an *OSError for an operation op on path that failed
// with errno, as Python's PyErr_SetFromErrnoWithFilenameObject builds it;
// with syscall.ENOENT it is Python's FileNotFoundError.
func NewPathError(op, path string, errno syscall.Errno) error {
	return &OSError{Errno: errno, Strerror: Strerror(errno), Filename: path, Op: op}
}

// Error returns the message in Python's format: "[Errno 2] No such file or
// directory", followed by ": 'path'" when there is a filename.
func (e *OSError) Error() string {
	s := "[Errno " + strconv.Itoa(int(e.Errno)) + "] " + e.Strerror
	if e.Filename != "" {
		s += ": " + PythonRepr(e.Filename)
	}
	return s
}

// Unwrap returns the syscall.Errno.
func (e *OSError) Unwrap() error { return e.Errno }

// Is reports whether target is ErrOS.
func (e *OSError) Is(target error) bool { return target == ErrOS }

// PythonClass returns the class Python's OSError constructor picks for
// Errno: "FileNotFoundError" for ENOENT, "PermissionError" for EACCES and
// EPERM, and so on, or "OSError" when no subclass applies.
func (e *OSError) PythonClass() string {
	switch e.Errno {
	case syscall.EAGAIN, syscall.EALREADY, syscall.EINPROGRESS:
		return "BlockingIOError"
	case syscall.ECHILD:
		return "ChildProcessError"
	case syscall.EPIPE, syscall.ESHUTDOWN:
		return "BrokenPipeError"
	case syscall.ECONNABORTED:
		return "ConnectionAbortedError"
	case syscall.ECONNREFUSED:
		return "ConnectionRefusedError"
	case syscall.ECONNRESET:
		return "ConnectionResetError"
	case syscall.EEXIST:
		return "FileExistsError"
	case syscall.ENOENT:
		return "FileNotFoundError"
	case syscall.EISDIR:
		return "IsADirectoryError"
	case syscall.ENOTDIR:
		return "NotADirectoryError"
	case syscall.EINTR:
		return "InterruptedError"
	case syscall.EACCES, syscall.EPERM:
		return "PermissionError"
	case syscall.ESRCH:
		return "ProcessLookupError"
	case syscall.ETIMEDOUT:
		return "TimeoutError"
	}
	return "OSError"
}

// Strerror returns the C library's text for errno, as strerror(3) gives
// it ("No such file or directory"). It is Go's text for the errno with an
// upper-case first letter, which matches glibc for the common values;
// 0 is "Success" and an unknown value N is "Unknown error N", as in glibc.
func Strerror(errno syscall.Errno) string {
	if errno == 0 {
		return "Success"
	}
	s := errno.Error()
	if strings.HasPrefix(s, "errno ") {
		return "Unknown error " + strconv.Itoa(int(errno))
	}
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		s = string(s[0]-'a'+'A') + s[1:]
	}
	return s
}
