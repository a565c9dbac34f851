package errors

// Entry is one record drained from OpenSSL's per-thread error queue.
type Entry struct {
	// Code is the packed error code as returned by ERR_get_error.
	Code uint64
	// Lib and Reason are ERR_GET_LIB(Code) and ERR_GET_REASON(Code).
	Lib, Reason int
	// ReasonString is ERR_reason_error_string(Code), or "" when OpenSSL
	// has no text for it.
	ReasonString string
	// File and Line locate the C source that queued the error, when the
	// OpenSSL build records them.
	File string
	Line int
}

// State is everything captured by one shim call right after the OpenSSL
// call it made, on the same OS thread: the return value, SSL_get_error,
// errno, the verify result and the drained error queue (oldest first).
//
// A State describes one call only; the queue it was taken from is empty
// again when the shim function returns.
type State struct {
	// Ret is the OpenSSL function's return value.
	Ret int
	// SSLError is SSL_get_error(ssl, Ret) for SSL I/O calls, 0 otherwise.
	SSLError int
	// Errno is the C errno right after the call (0 when unset).
	Errno int
	// VerifyResult is SSL_get_verify_result, or -1 when the call has no SSL.
	VerifyResult int64
	// VerifyMessage is X509_verify_cert_error_string(VerifyResult), captured
	// in C, or "" when there is no verify result or OpenSSL has no text.
	VerifyMessage string
	// Queue is the drained error queue, oldest entry first, at most
	// MaxQueue entries (the newest ones are kept when more were queued).
	Queue []Entry
	// Dropped counts queue entries that did not fit.
	Dropped int
}

// MaxQueue is the number of queue entries a State keeps.
const MaxQueue = 16

// Last returns the most recent queue entry, as ERR_peek_last_error would
// have seen it, and false when the queue was empty.
func (s *State) Last() (Entry, bool) {
	if s == nil || len(s.Queue) == 0 {
		return Entry{}, false
	}
	return s.Queue[len(s.Queue)-1], true
}
