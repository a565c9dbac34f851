package sslctx

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"weak"

	"github.com/membio/membio/cshim"
	"github.com/membio/membio/errors"
)

// ErrClosed is returned by every method of an SSLContext after Close, and
// by the handshake steps of SSL objects whose context was closed. It is a *errors.ValueError, as for the other closed
// objects (bio.ErrClosed, sslobj.ErrClosed).
var ErrClosed = errors.NewValueError("SSLContext is closed")

// SSLContext is Python's ssl.SSLContext: the settings, certificates and
// keys shared by the SSL objects (package sslobj) created from it.
//
// An SSLContext is safe for concurrent use. Every setter and configuration
// method (Set*, Load*, Close) is serialised with the creation of SSL
// objects and with their handshake steps: it waits until those in progress
// finish, and they wait for it. Settings that OpenSSL copies into each SSL
// object when it is created (verify mode, verify flags, options, host
// name checking, post-handshake authentication, minimum and maximum
// version, ciphers) affect only objects created afterwards; the trust
// store, certificate chain, key, ALPN list and the callbacks are read
// during each handshake and so also affect objects that already exist.
//
// Getters never wait for handshakes. A callback (SNI, PSK) may call any
// getter, but must not call a setter or Close on the context whose
// handshake runs it: the setter would wait for that handshake.
//
// Python's DeprecationWarnings have no Go equivalent; the deprecated
// protocols, versions and options are marked Deprecated in their
// documentation.
type SSLContext struct {
	// ctxLink lends raw and the two locks to package sslobj (see
	// cshim.UseCtx and cshim.BriefCtx).
	ctxLink
	// use is held shared by SSL objects around SSL_new and each
	// handshake-phase call (cshim.UseCtx), and exclusively by setters and
	// Close.
	use sync.RWMutex
	// mu guards the fields below and every C call of the methods; setters
	// take it after use.
	mu            sync.Mutex
	raw           *cshim.Ctx
	protocol      Protocol
	checkHostname bool
	hostFlags     HostFlags
	pha           bool
	keylogName    string
	cleanup       runtime.Cleanup

	// cbmu guards the callbacks and the keylog file, which callbacks read
	// during handshakes.
	cbmu       sync.Mutex
	sni        SNICallback
	pskClient  PSKClientCallback
	pskServer  PSKServerCallback
	msgCb      MsgCallback
	keylogFile *os.File
}

// ctxLink is embedded under an unexported name, so that the link shows
// nowhere in the public API.
type ctxLink = cshim.CtxLink

// methodOf maps a protocol to its shim method.
func methodOf(p Protocol) (cshim.Method, bool) {
	switch p {
	case ProtocolTLS:
		return cshim.MethodTLS, true
	case ProtocolTLSClient:
		return cshim.MethodTLSClient, true
	case ProtocolTLSServer:
		return cshim.MethodTLSServer, true
	case ProtocolTLSv1:
		return cshim.MethodTLSv1, true
	case ProtocolTLSv1_1:
		return cshim.MethodTLSv1_1, true
	case ProtocolTLSv1_2:
		return cshim.MethodTLSv1_2, true
	}
	return 0, false
}

// New creates an SSLContext for protocol p with Python's defaults: the
// options OpAll|OpNoSSLv3|OpNoCompression|OpCipherServerPreference (plus
// OpenSSL's own OpEnableMiddleboxCompat), Python's default cipher string,
// VerifyX509TrustedFirst, a minimum of TLS 1.2 (for ProtocolTLS,
// ProtocolTLSClient and ProtocolTLSServer), security level 2, two session
// tickets, post-handshake authentication off, the NO_PARTIAL_WILDCARDS host
// flag, and SSL_MODE_RELEASE_BUFFERS. ProtocolTLSClient contexts verify the
// peer (CertRequired) and check the host name; the others use CertNone.
//
// The session id context (which scopes session resumption on the server)
// is "membio": set on ProtocolTLSServer contexts, and on each server-side
// SSL object of the other protocols when it is created, as CPython 3.14
// does (3.11 to 3.13 set "Python" on every context, client ones included,
// which breaks TLS 1.3 PSK on the client).
//
// An unknown protocol is a *errors.ValueError "invalid or unsupported
// protocol version 42". Without cgo New returns cshim.ErrNoCgo.
func New(p Protocol) (*SSLContext, error) {
	if !cshim.Available {
		return nil, cshim.ErrNoCgo
	}
	m, ok := methodOf(p)
	if !ok {
		return nil, errors.NewValueError(fmt.Sprintf("invalid or unsupported protocol version %d", int(p)))
	}
	raw, stage, st := cshim.NewDefaultCtx(m, p == ProtocolTLSClient)
	if st != nil {
		switch stage {
		case cshim.StageCiphers:
			return nil, errors.Plain("No cipher can be selected.")
		case cshim.StageMinimum:
			return nil, errors.NewValueError(fmt.Sprintf("Failed to set minimum protocol 0x%x", int(TLSv1_2)))
		case cshim.StageNew:
			if len(st.Queue) == 0 {
				return nil, errors.NewValueError(fmt.Sprintf("invalid or unsupported protocol version %d", int(p)))
			}
		}
		return nil, errors.FromLib(st)
	}
	c := &SSLContext{
		raw:           raw,
		protocol:      p,
		checkHostname: p == ProtocolTLSClient,
		hostFlags:     HostFlagNoPartialWildcards,
	}
	cshim.SetCtxLink(&c.ctxLink, &c.use, &c.mu, &c.raw)
	raw.SetHooks(&ctxHooks{w: weak.Make(c)})
	c.cleanup = runtime.AddCleanup(c, freeRaw, raw)
	return c, nil
}

// freeRaw is the cleanup of an SSLContext that was not closed. It must not
// refer to the SSLContext.
func freeRaw(raw *cshim.Ctx) { raw.Free() }

// Close releases the OpenSSL context. SSL objects created from it keep the
// underlying SSL_CTX alive, but their callbacks into Go (SNI, keylog, PSK,
// message)
// stop, and they can make no further handshake step (those steps fail
// with ErrClosed).
// Close waits for handshake steps in progress. Every later method call
// returns ErrClosed, and getters return zero values. Close is idempotent.
func (c *SSLContext) Close() error {
	c.use.Lock()
	defer c.use.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.raw == nil {
		return nil
	}
	c.cleanup.Stop()
	c.raw.Free()
	c.raw = nil
	c.cbmu.Lock()
	c.sni, c.pskClient, c.pskServer, c.msgCb = nil, nil, nil, nil
	f := c.keylogFile
	c.keylogFile = nil
	c.cbmu.Unlock()
	if f != nil {
		f.Close()
	}
	return nil
}

// lockSet takes the locks of a setter and returns the raw context.
func (c *SSLContext) lockSet() (*cshim.Ctx, error) {
	c.use.Lock()
	c.mu.Lock()
	if c.raw == nil {
		c.mu.Unlock()
		c.use.Unlock()
		return nil, ErrClosed
	}
	return c.raw, nil
}

func (c *SSLContext) unlockSet() {
	c.mu.Unlock()
	c.use.Unlock()
}

// lockGet takes the lock of a getter and returns the raw context, or nil
// (and no lock) after Close.
func (c *SSLContext) lockGet() *cshim.Ctx {
	c.mu.Lock()
	if c.raw == nil {
		c.mu.Unlock()
		return nil
	}
	return c.raw
}

// Protocol returns the protocol the context was created with (0 after Close).
func (c *SSLContext) Protocol() Protocol {
	if c.lockGet() == nil {
		return 0
	}
	defer c.mu.Unlock()
	return c.protocol
}

// Options returns the context's SSL_OP_* options.
func (c *SSLContext) Options() Options {
	raw := c.lockGet()
	if raw == nil {
		return 0
	}
	defer c.mu.Unlock()
	return Options(raw.Options())
}

// SetOptions sets the options to o: the bits of o not yet set are set and
// the set bits not in o are cleared, as Python's setter (3.13: a 64-bit
// unsigned value, so Python's ValueError for -1 and OverflowError for 2**100
// cannot occur). Python warns when o sets an OpNoSSLv3/OpNoTLSv1* bit;
// those options are Deprecated.
func (c *SSLContext) SetOptions(o Options) error {
	raw, err := c.lockSet()
	if err != nil {
		return err
	}
	defer c.unlockSet()
	cur := raw.Options()
	raw.UpdateOptions(^cur&uint64(o), cur&^uint64(o))
	return nil
}

// VerifyMode returns the verify mode, ignoring SSL_VERIFY_CLIENT_ONCE and
// SSL_VERIFY_POST_HANDSHAKE.
func (c *SSLContext) VerifyMode() VerifyMode {
	raw := c.lockGet()
	if raw == nil {
		return CertNone
	}
	defer c.mu.Unlock()
	return verifyModeOf(raw.VerifyMode())
}

const (
	sslVerifyPeer             = 0x01
	sslVerifyFailIfNoPeerCert = 0x02
	sslVerifyMask             = 0x03
)

func verifyModeOf(bits int) VerifyMode {
	switch bits & sslVerifyMask {
	case sslVerifyPeer:
		return CertOptional
	case sslVerifyPeer | sslVerifyFailIfNoPeerCert:
		return CertRequired
	}
	return CertNone
}

func verifyBits(m VerifyMode) (int, bool) {
	switch m {
	case CertNone:
		return 0, true
	case CertOptional:
		return sslVerifyPeer, true
	case CertRequired:
		return sslVerifyPeer | sslVerifyFailIfNoPeerCert, true
	}
	return 0, false
}

// SetVerifyMode sets the verify mode. CertNone while CheckHostname is on
// is a *errors.ValueError "Cannot set verify_mode to CERT_NONE when
// check_hostname is enabled."; a value outside the three modes is a
// *errors.ValueError "invalid value for verify_mode".
func (c *SSLContext) SetVerifyMode(m VerifyMode) error {
	raw, err := c.lockSet()
	if err != nil {
		return err
	}
	defer c.unlockSet()
	if m == CertNone && c.checkHostname {
		return errors.NewValueError("Cannot set verify_mode to CERT_NONE when check_hostname is enabled.")
	}
	bits, ok := verifyBits(m)
	if !ok {
		return errors.NewValueError("invalid value for verify_mode")
	}
	raw.SetVerifyMode(bits)
	return nil
}

// VerifyFlags returns the X509_V_FLAG_* verification flags.
func (c *SSLContext) VerifyFlags() VerifyFlags {
	raw := c.lockGet()
	if raw == nil {
		return 0
	}
	defer c.mu.Unlock()
	return VerifyFlags(raw.VerifyFlags())
}

// SetVerifyFlags sets the verification flags to f (bits are set and
// cleared as needed, as Python's setter). OpenSSL may add bits it implies
// (for example a policy flag adds X509_V_FLAG_POLICY_CHECK).
func (c *SSLContext) SetVerifyFlags(f VerifyFlags) error {
	raw, err := c.lockSet()
	if err != nil {
		return err
	}
	defer c.unlockSet()
	cur := raw.VerifyFlags()
	if st := raw.UpdateVerifyFlags(^cur&uint64(f), cur&^uint64(f)); st != nil {
		return errors.FromLib(st)
	}
	return nil
}

// CheckHostname reports whether SSL objects created from the context
// verify the server's host name.
func (c *SSLContext) CheckHostname() bool {
	if c.lockGet() == nil {
		return false
	}
	defer c.mu.Unlock()
	return c.checkHostname
}

// SetCheckHostname turns host name checking on or off for SSL objects
// created afterwards. Turning it on while the verify mode is CertNone
// switches the verify mode to CertRequired, as Python 3.7+ does.
func (c *SSLContext) SetCheckHostname(on bool) error {
	raw, err := c.lockSet()
	if err != nil {
		return err
	}
	defer c.unlockSet()
	if on && raw.VerifyMode() == 0 {
		bits, _ := verifyBits(CertRequired)
		raw.SetVerifyMode(bits)
	}
	c.checkHostname = on
	return nil
}

// HostFlags returns the X509_CHECK_FLAG_* bits used for host name checks
// (Python's private _host_flags; HostFlagNoPartialWildcards by default).
func (c *SSLContext) HostFlags() HostFlags {
	if c.lockGet() == nil {
		return 0
	}
	defer c.mu.Unlock()
	return c.hostFlags
}

// SetHostFlags sets the X509_CHECK_FLAG_* bits used for host name checks.
func (c *SSLContext) SetHostFlags(f HostFlags) error {
	raw, err := c.lockSet()
	if err != nil {
		return err
	}
	defer c.unlockSet()
	c.hostFlags = f
	raw.SetHostFlags(uint32(f))
	return nil
}

// HostnameChecksCommonName reports whether host name checks fall back to
// the subject's common name when the certificate has no DNS names (true
// unless HostFlagNeverCheckSubject is set).
func (c *SSLContext) HostnameChecksCommonName() bool {
	return c.HostFlags()&HostFlagNeverCheckSubject == 0 && !c.Closed()
}

// SetHostnameChecksCommonName clears or sets HostFlagNeverCheckSubject.
func (c *SSLContext) SetHostnameChecksCommonName(on bool) error {
	raw, err := c.lockSet()
	if err != nil {
		return err
	}
	defer c.unlockSet()
	if on {
		c.hostFlags &^= HostFlagNeverCheckSubject
	} else {
		c.hostFlags |= HostFlagNeverCheckSubject
	}
	raw.SetHostFlags(uint32(c.hostFlags))
	return nil
}

// Closed reports whether Close has run.
func (c *SSLContext) Closed() bool {
	if c.lockGet() == nil {
		return true
	}
	c.mu.Unlock()
	return false
}

// MinimumVersion returns the lowest protocol version allowed;
// MinimumSupported when OpenSSL has no bound.
func (c *SSLContext) MinimumVersion() TLSVersion {
	raw := c.lockGet()
	if raw == nil {
		return 0
	}
	defer c.mu.Unlock()
	v := raw.MinVersion()
	if v == 0 {
		return MinimumSupported
	}
	return TLSVersion(v)
}

// MaximumVersion returns the highest protocol version allowed;
// MaximumSupported when OpenSSL has no bound.
func (c *SSLContext) MaximumVersion() TLSVersion {
	raw := c.lockGet()
	if raw == nil {
		return 0
	}
	defer c.mu.Unlock()
	v := raw.MaxVersion()
	if v == 0 {
		return MaximumSupported
	}
	return TLSVersion(v)
}

// SetMinimumVersion sets the lowest protocol version. MinimumSupported
// removes the bound and MaximumSupported means TLS 1.3. Setting SSLv3 also
// clears OpNoSSLv3, as Python's ssl.py does. On a version-specific
// protocol it is a *errors.ValueError "The context's protocol doesn't
// support modification of highest and lowest version."; an unknown value
// is a *errors.ValueError "Unsupported TLS/SSL version 0x999". SSLv3,
// TLSv1 and TLSv1_1 are Deprecated.
func (c *SSLContext) SetMinimumVersion(v TLSVersion) error {
	return c.setVersion(v, false)
}

// SetMaximumVersion sets the highest protocol version. MaximumSupported
// removes the bound and MinimumSupported means the lowest version OpenSSL
// knows (TLS 1.0 without SSLv3 support). Errors are as SetMinimumVersion's.
func (c *SSLContext) SetMaximumVersion(v TLSVersion) error {
	return c.setVersion(v, true)
}

func (c *SSLContext) setVersion(v TLSVersion, max bool) error {
	raw, err := c.lockSet()
	if err != nil {
		return err
	}
	defer c.unlockSet()
	switch c.protocol {
	case ProtocolTLS, ProtocolTLSClient, ProtocolTLSServer:
	default:
		return errors.NewValueError("The context's protocol doesn't support modification of highest and lowest version.")
	}
	switch v {
	case MinimumSupported, MaximumSupported, SSLv3, TLSv1, TLSv1_1, TLSv1_2, TLSv1_3:
	default:
		return errors.NewValueError(fmt.Sprintf("Unsupported TLS/SSL version 0x%x", uint32(int32(v))))
	}
	n := int(v)
	var st *errors.State
	if !max {
		switch v {
		case MinimumSupported:
			n = 0
		case MaximumSupported:
			n = int(TLSv1_3)
		case SSLv3:
			cur := raw.Options()
			raw.UpdateOptions(0, cur&uint64(OpNoSSLv3))
		}
		st = raw.SetMinVersion(n)
	} else {
		switch v {
		case MaximumSupported:
			n = 0
		case MinimumSupported:
			n = minimumAvailable
		}
		st = raw.SetMaxVersion(n)
	}
	if st != nil {
		return errors.NewValueError(fmt.Sprintf("Unsupported protocol version 0x%x", n))
	}
	return nil
}

// minimumAvailable is Python's PY_PROTO_MINIMUM_AVAILABLE with an OpenSSL
// built without SSLv3 (as OpenSSL 3 distributions are): TLS 1.0.
const minimumAvailable = int(TLSv1)

// NumTickets returns the number of TLS 1.3 session tickets a server sends
// after the handshake (2 by default).
func (c *SSLContext) NumTickets() int {
	raw := c.lockGet()
	if raw == nil {
		return 0
	}
	defer c.mu.Unlock()
	return int(raw.NumTickets())
}

// SetNumTickets sets the number of TLS 1.3 session tickets. A negative n
// is a *errors.ValueError "value must be non-negative"; on a context that
// is not ProtocolTLSServer it is "SSLContext is not a server context.".
func (c *SSLContext) SetNumTickets(n int) error {
	raw, err := c.lockSet()
	if err != nil {
		return err
	}
	defer c.unlockSet()
	if n < 0 {
		return errors.NewValueError("value must be non-negative")
	}
	if c.protocol != ProtocolTLSServer {
		return errors.NewValueError("SSLContext is not a server context.")
	}
	if st := raw.SetNumTickets(uint64(n)); st != nil {
		return errors.NewValueError("failed to set num tickets.")
	}
	return nil
}

// PostHandshakeAuth reports whether SSL objects created from the context
// enable TLS 1.3 post-handshake client authentication.
func (c *SSLContext) PostHandshakeAuth() bool {
	if c.lockGet() == nil {
		return false
	}
	defer c.mu.Unlock()
	return c.pha
}

// SetPostHandshakeAuth enables or disables post-handshake authentication
// for SSL objects created afterwards (a client offers it; a server with
// CertOptional or CertRequired may request a certificate after the
// handshake).
func (c *SSLContext) SetPostHandshakeAuth(on bool) error {
	if _, err := c.lockSet(); err != nil {
		return err
	}
	defer c.unlockSet()
	c.pha = on
	return nil
}

// SecurityLevel returns OpenSSL's security level (2 by default, or the
// @SECLEVEL of the cipher string).
func (c *SSLContext) SecurityLevel() int {
	raw := c.lockGet()
	if raw == nil {
		return 0
	}
	defer c.mu.Unlock()
	return raw.SecurityLevel()
}

// SetCiphers sets the TLS 1.2 and older cipher suites with an OpenSSL
// cipher list string. When no cipher can be selected the error is Python's
// args-only SSLError "No cipher can be selected." (errors.Plain).
func (c *SSLContext) SetCiphers(ciphers string) error {
	if strings.IndexByte(ciphers, 0) >= 0 {
		return errors.NewValueError("embedded null character")
	}
	raw, err := c.lockSet()
	if err != nil {
		return err
	}
	defer c.unlockSet()
	if st := raw.SetCiphers(ciphers); st != nil {
		return errors.Plain("No cipher can be selected.")
	}
	return nil
}
