//go:build !cgo

package cshim

import "github.com/membio/membio/errors"

// Conn is the cgo-less stand-in for an SSL object; NewConn never returns one.
type Conn struct{}

// ConnConfig holds the per-object settings of NewConn.
type ConnConfig struct {
	ServerSide        bool
	Hostname          string
	CheckHostname     bool
	HostFlags         uint
	PostHandshakeAuth bool
}

// Cipher describes one SSL_CIPHER.
type Cipher struct {
	Name, Protocol string
	Bits           int
}

// Session is the cgo-less stand-in for an SSL_SESSION.
type Session struct{}

// SSL_get_shutdown bits.
const (
	SentShutdown     = 1
	ReceivedShutdown = 2
)

// PeerCertificate results.
const (
	PeerCertNotDone = -1
	PeerCertNone    = 0
	PeerCertOK      = 1
)

// NewConn cannot create an SSL object without cgo.
func NewConn(ctx *Ctx, in, out *BIO, cfg ConnConfig) (*Conn, *errors.State) {
	return nil, &errors.State{VerifyResult: -1}
}

func (c *Conn) Free()                                  {}
func (c *Conn) Closed() bool                           { return true }
func (c *Conn) In() *BIO                               { return nil }
func (c *Conn) Out() *BIO                              { return nil }
func (c *Conn) SetOwner(o any)                         {}
func (c *Conn) ClearOwner()                            {}
func (c *Conn) Owner() any                             { return nil }
func (c *Conn) SetCallbackError(err error)             {}
func (c *Conn) TakeCallbackError() error               { return nil }
func (c *Conn) EnterCallback()                         {}
func (c *Conn) ExitCallback()                          {}
func (c *Conn) InCallback() bool                       { return false }
func (c *Conn) CallbackLock() bool                     { return false }
func (c *Conn) CallbackUnlock()                        {}
func (c *Conn) State() *errors.State                   { return &errors.State{VerifyResult: -1} }
func (c *Conn) Handshake() IOResult                    { return IOResult{} }
func (c *Conn) Read(p []byte) IOResult                 { return IOResult{} }
func (c *Conn) Write(p []byte) IOResult                { return IOResult{} }
func (c *Conn) WriteDrain(p, out []byte) IOResult      { return IOResult{} }
func (c *Conn) FeedRead(in, p []byte) IOResult         { return IOResult{} }
func (c *Conn) FeedReadAll(in, p, out []byte) IOResult { return IOResult{} }
func (c *Conn) SetReleaseBuffers(on bool)              {}
func (c *Conn) ReleaseBuffers() bool                   { return false }
func (c *Conn) FreeBuffers() bool                      { return false }
func (c *Conn) Shutdown() IOResult                     { return IOResult{} }
func (c *Conn) Pending() int                           { return 0 }
func (c *Conn) Take(out []byte) IOResult               { return IOResult{} }
func (c *Conn) CloseNotify() IOResult                  { return IOResult{} }
func (c *Conn) OutPending() int                        { return 0 }
func (c *Conn) ConnState() ConnState                   { return ConnState{} }
func (c *Conn) ExportKeyingMaterial(out []byte, label string, context []byte, useContext bool) *errors.State {
	return &errors.State{VerifyResult: -1}
}
func (c *Conn) InitFinished() bool                            { return false }
func (c *Conn) CurrentCipher() (Cipher, bool)                 { return Cipher{}, false }
func (c *Conn) SharedCiphers() ([]Cipher, bool)               { return nil, false }
func (c *Conn) Version() (string, bool)                       { return "", false }
func (c *Conn) ALPN() (string, bool)                          { return "", false }
func (c *Conn) Compression() (string, bool)                   { return "", false }
func (c *Conn) TLSUnique() []byte                             { return nil }
func (c *Conn) SessionReused() bool                           { return false }
func (c *Conn) Session() *Session                             { return nil }
func (c *Conn) SetSession(s *Session) *errors.State           { return nil }
func (c *Conn) UsesCtx(x *Ctx) bool                           { return false }
func (c *Conn) SetCtx(x *Ctx) bool                            { return false }
func (c *Conn) CtxVerifyMode() int                            { return 0 }
func (c *Conn) VerifyClientPostHandshake() *errors.State      { return nil }
func (c *Conn) PeerCertificate() ([]byte, int, *errors.State) { return nil, PeerCertNotDone, nil }
func (c *Conn) Chain(verified bool) ([][]byte, *errors.State) { return nil, nil }

func (s *Session) Free()                      {}
func (s *Session) Closed() bool               { return true }
func (s *Session) ID() []byte                 { return nil }
func (s *Session) Time() int64                { return 0 }
func (s *Session) Timeout() int64             { return 0 }
func (s *Session) TicketLifetimeHint() uint64 { return 0 }
func (s *Session) HasTicket() bool            { return false }
