package cshim

// IOResult is what an SSL I/O call reports. It is returned by value so the
// hot path allocates nothing; the full capture stays in C memory until the
// next call on the Conn, and State converts it.
type IOResult struct {
	// Ret is the OpenSSL function's return value.
	Ret int
	// SSLError is SSL_get_error when the call failed, 0 otherwise.
	SSLError int
	// QueueLen is the number of error queue entries captured.
	QueueLen int
	// Shutdown is SSL_get_shutdown after the call.
	Shutdown int
	// InitFinished is SSL_is_init_finished after the call.
	InitFinished bool
	// N is the count of bytes read or written.
	N int
	// Moved is the count of ciphertext bytes fed (FeedRead) or drained
	// (WriteDrain).
	Moved int
	// OutPending is the count of ciphertext bytes left in the outgoing
	// BIO after the call.
	OutPending int
}

// ConnState is what a connection reports of itself (see Conn.ConnState).
// Alert fields hold a TLS alert description, or -1 for none.
type ConnState struct {
	// Version is the protocol version number (0x0304 for TLS 1.3) once the
	// handshake finished, else 0.
	Version int
	// CipherID is the IANA number of the current cipher suite, -1 for none.
	CipherID int
	// SessionReused and InitFinished are SSL_session_reused and
	// SSL_is_init_finished.
	SessionReused, InitFinished bool
	// ServerName is the SNI host name sent (client) or received (server).
	ServerName string
	// AlertReceived and AlertSent are the last alerts of each direction;
	// FatalReceived and FatalSent the first fatal ones.
	AlertReceived, FatalReceived, AlertSent, FatalSent int
	// CloseNotifyRecv and CloseNotifySent report close_notify each way.
	CloseNotifyRecv, CloseNotifySent bool
	// Shutdown is SSL_get_shutdown.
	Shutdown int
}
