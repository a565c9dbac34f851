package sslctx

import (
	"fmt"
	"io/fs"
	"os"
	"strings"
	"syscall"

	"github.com/membio/membio/cshim"
	"github.com/membio/membio/errors"
)

// pathError turns a Go file error into Python's OSError with the file name.
func pathError(op, name string, err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errors.NewPathError(op, name, errno)
	}
	return &fs.PathError{Op: op, Path: name, Err: err}
}

func checkPath(what, p string) error {
	if strings.IndexByte(p, 0) >= 0 {
		return errors.NewValueError("embedded null byte")
	}
	return nil
}

// Password supplies the passphrase of an encrypted private key to
// LoadCertChain: fixed bytes or a function called when OpenSSL needs it.
// A nil *Password means none (an encrypted key then fails with
// "[SSL] PEM lib" instead of prompting on the terminal).
type Password struct {
	fixed []byte
	fn    func() ([]byte, error)
}

// PasswordBytes returns a fixed password. The bytes are copied.
func PasswordBytes(b []byte) *Password {
	return &Password{fixed: append([]byte{}, b...)}
}

// PasswordString returns a fixed password given as text (its UTF-8 bytes).
func PasswordString(s string) *Password { return &Password{fixed: []byte(s)} }

// PasswordFunc returns a password computed by f when OpenSSL needs it.
// An error returned by f, or a panic in f, becomes the error of
// LoadCertChain, wrapped in an *errors.CallbackError. f runs on the
// goroutine calling LoadCertChain, at most once, while the context is
// locked: it must not call methods of the context.
func PasswordFunc(f func() ([]byte, error)) *Password { return &Password{fn: f} }

// maxPasswordLen is OpenSSL's PEM_BUFSIZE, the buffer it offers to the
// password callback.
const maxPasswordLen = 1024

// pwSource adapts a PasswordFunc to cshim.PasswordSource and keeps the
// first error, as CPython's _PySSLPasswordInfo.
type pwSource struct {
	fn  func() ([]byte, error)
	err error
}

func (s *pwSource) Password(max int) (pw []byte, err error) {
	if s.err != nil {
		return nil, s.err
	}
	defer func() {
		if v := recover(); v != nil {
			s.err = errors.RecoverCallback("password", v)
			pw, err = nil, s.err
		}
	}()
	pw, err = s.fn()
	if err != nil {
		s.err = errors.WrapCallback("password", err)
		return nil, s.err
	}
	if len(pw) > max {
		s.err = errors.NewValueError(fmt.Sprintf("password cannot be longer than %d bytes", max))
		return nil, s.err
	}
	return pw, nil
}

// LoadCertChain loads a certificate chain (PEM: the certificate followed by
// its intermediates) from certfile and the private key from keyfile (or
// from certfile when keyfile is ""), and checks that they match.
//
// Errors, as Python's load_cert_chain: certfile "" is a *errors.TypeError
// "certfile should be a valid filesystem path"; a missing or unreadable
// file is an *errors.OSError with the file name (errors.Is(err,
// fs.ErrNotExist) for a missing one; Python leaves the name out); a key
// that does not match is "[X509: KEY_VALUES_MISMATCH] key values mismatch";
// a missing key, a wrong password or a file that is not PEM is
// "[SSL] PEM lib". A password longer than 1024 bytes is a
// *errors.ValueError "password cannot be longer than 1024 bytes" (only
// when the key is encrypted); an error of a PasswordFunc is returned
// wrapped in an *errors.CallbackError.
func (c *SSLContext) LoadCertChain(certfile, keyfile string, password *Password) error {
	if certfile == "" {
		return errors.NewTypeError("certfile should be a valid filesystem path")
	}
	if err := checkPath("certfile", certfile); err != nil {
		return err
	}
	if err := checkPath("keyfile", keyfile); err != nil {
		return err
	}
	raw, err := c.lockSet()
	if err != nil {
		return err
	}
	defer c.unlockSet()
	var fixed []byte
	var src *pwSource
	if password != nil {
		if password.fn != nil {
			src = &pwSource{fn: password.fn}
		} else {
			fixed = password.fixed
			if fixed == nil {
				fixed = []byte{}
			}
		}
	}
	var res cshim.LoadResult
	if src != nil {
		res = raw.LoadCertChain(certfile, keyfile, nil, src)
	} else {
		res = raw.LoadCertChain(certfile, keyfile, fixed, nil)
	}
	if res.State == nil {
		return nil
	}
	switch res.PwFail {
	case cshim.PasswordCallback:
		if src != nil && src.err != nil {
			return src.err
		}
	case cshim.PasswordTooLong:
		return errors.NewValueError(fmt.Sprintf("password cannot be longer than %d bytes", res.PwMax))
	}
	if res.Stage != cshim.LoadCheckKey && res.State.Errno != 0 {
		name := certfile
		if res.Stage == cshim.LoadPrivateKey && keyfile != "" {
			name = keyfile
		}
		return errors.NewPathError("load_cert_chain", name, syscall.Errno(res.State.Errno))
	}
	return errors.FromLib(res.State)
}

// CAData is the cadata argument of LoadVerifyLocations: PEM text or DER
// bytes. The zero value means none.
type CAData struct {
	kind int // 0 none, 1 PEM, 2 DER
	pem  string
	der  []byte
}

// CADataPEM returns PEM text holding one or more certificates (text
// around them is ignored). The text must be ASCII.
func CADataPEM(pem string) CAData { return CAData{kind: 1, pem: pem} }

// CADataDER returns DER bytes holding one or more concatenated
// certificates.
func CADataDER(der []byte) CAData { return CAData{kind: 2, der: der} }

// IsZero reports whether d is the zero value (no cadata).
func (d CAData) IsZero() bool { return d.kind == 0 }

// empty reports whether d is falsy in Python's sense.
func (d CAData) empty() bool { return d.kind == 0 || len(d.pem) == 0 && len(d.der) == 0 }

// LoadVerifyLocations adds trusted CA certificates from cafile (a PEM
// file), capath (a directory of hashed names, looked up during
// verification) and cadata. At least one must be given ("" and the zero
// CAData mean none), or it is a *errors.TypeError "cafile, capath and
// cadata cannot be all omitted".
//
// Errors, as Python's: a missing cafile is an *errors.OSError with the
// file name (errors.Is(err, fs.ErrNotExist)); a missing capath is not an
// error; a file without certificates is "[X509: NO_CERTIFICATE_OR_CRL_FOUND]
// no certificate or crl found". For cadata: empty data is a
// *errors.ValueError "Empty certificate data"; PEM text without a
// certificate is "no start line: cadata does not contain a certificate" and
// DER bytes without one "not enough data: cadata does not contain a
// certificate" (*errors.SSLError with Errno 0); DER followed by junk is
// "[ASN1: NOT_ENOUGH_DATA] not enough data"; non-ASCII PEM text is a
// *errors.TypeError "cadata should be an ASCII string or a bytes-like
// object". Certificates already in the store are skipped silently.
func (c *SSLContext) LoadVerifyLocations(cafile, capath string, cadata CAData) error {
	if cafile == "" && capath == "" && cadata.IsZero() {
		return errors.NewTypeError("cafile, capath and cadata cannot be all omitted")
	}
	if err := checkPath("cafile", cafile); err != nil {
		return err
	}
	if err := checkPath("capath", capath); err != nil {
		return err
	}
	var data []byte
	switch cadata.kind {
	case 1:
		for i := 0; i < len(cadata.pem); i++ {
			if cadata.pem[i] >= 0x80 {
				return errors.NewTypeError("cadata should be an ASCII string or a bytes-like object")
			}
		}
		data = []byte(cadata.pem)
	case 2:
		data = cadata.der
	}
	raw, err := c.lockSet()
	if err != nil {
		return err
	}
	defer c.unlockSet()
	if cadata.kind != 0 {
		if len(data) == 0 {
			return errors.NewValueError("Empty certificate data")
		}
		code, st := raw.AddCACerts(data, cadata.kind == 2)
		switch code {
		case cshim.CADataNoneLoaded:
			if cadata.kind == 1 {
				return errors.FromLibMessage("no start line: cadata does not contain a certificate")
			}
			return errors.FromLibMessage("not enough data: cadata does not contain a certificate")
		case cshim.CADataLib:
			return errors.FromLib(st)
		}
	}
	if cafile != "" || capath != "" {
		if st := raw.LoadVerifyLocations(cafile, capath); st != nil {
			if st.Errno != 0 {
				name := cafile
				if name == "" {
					name = capath
				}
				return errors.NewPathError("load_verify_locations", name, syscall.Errno(st.Errno))
			}
			return errors.FromLib(st)
		}
	}
	return nil
}

// SetDefaultVerifyPaths loads OpenSSL's default CA file and directory
// (overridden by the SSL_CERT_FILE and SSL_CERT_DIR environment
// variables).
func (c *SSLContext) SetDefaultVerifyPaths() error {
	raw, err := c.lockSet()
	if err != nil {
		return err
	}
	defer c.unlockSet()
	if st := raw.SetDefaultVerifyPaths(); st != nil {
		return errors.FromLib(st)
	}
	return nil
}

// LoadDefaultCerts loads the system's default CA certificates for purpose.
// On POSIX systems this is SetDefaultVerifyPaths for either purpose, as in
// Python (which reads the Windows certificate stores on Windows).
func (c *SSLContext) LoadDefaultCerts(purpose Purpose) error {
	return c.SetDefaultVerifyPaths()
}

// LoadDHParams loads Diffie-Hellman parameters (PEM "DH PARAMETERS") for
// the DHE key exchange. A missing file is an *errors.OSError with the
// file name; a file without parameters is "[PEM: NO_START_LINE] no start
// line".
func (c *SSLContext) LoadDHParams(path string) error {
	if err := checkPath("path", path); err != nil {
		return err
	}
	raw, err := c.lockSet()
	if err != nil {
		return err
	}
	defer c.unlockSet()
	if st := raw.LoadDHParams(path); st != nil {
		if st.Errno != 0 {
			return errors.NewPathError("load_dh_params", path, syscall.Errno(st.Errno))
		}
		return errors.FromLib(st)
	}
	return nil
}

// SetECDHCurve restricts the key exchange to the one elliptic curve (or
// group) with the OpenSSL short name, such as "prime256v1". An unknown
// name is a *errors.ValueError "unknown elliptic curve name 'foo'".
func (c *SSLContext) SetECDHCurve(name string) error {
	if strings.IndexByte(name, 0) >= 0 {
		return errors.NewValueError("embedded null byte")
	}
	raw, err := c.lockSet()
	if err != nil {
		return err
	}
	defer c.unlockSet()
	known, st := raw.SetECDHCurve(name)
	if !known {
		return errors.NewValueError("unknown elliptic curve name " + errors.PythonRepr(name))
	}
	if st != nil {
		return errors.FromLib(st)
	}
	return nil
}

// SetALPNProtocols sets the protocols offered (client) or accepted
// (server) with ALPN, in order of preference. Each must be 1 to 255 ASCII
// bytes, otherwise the error is Python's args-only SSLError "ALPN protocols
// must be 1 to 255 in length" (non-ASCII: a *errors.ValueError, Python's
// UnicodeEncodeError). A server picks the first of its protocols the
// client offers; with no overlap the handshake goes on without ALPN. An
// empty list turns ALPN off.
func (c *SSLContext) SetALPNProtocols(protocols []string) error {
	var wire []byte
	for _, p := range protocols {
		for i := 0; i < len(p); i++ {
			if p[i] >= 0x80 {
				return errors.NewValueError(fmt.Sprintf(
					"'ascii' codec can't encode character in position %d: ordinal not in range(128)", i))
			}
		}
		if len(p) == 0 || len(p) > 255 {
			return errors.Plain("ALPN protocols must be 1 to 255 in length")
		}
		wire = append(wire, byte(len(p)))
		wire = append(wire, p...)
	}
	raw, err := c.lockSet()
	if err != nil {
		return err
	}
	defer c.unlockSet()
	if st := raw.SetALPN(wire); st != nil {
		return errors.FromLib(st)
	}
	return nil
}

// ErrNPNUnsupported is returned by SetNPNProtocols: OpenSSL 3 builds of
// Python have no NPN (HasNPN is false) and set_npn_protocols raises
// AttributeError there. It is a *errors.NotImplementedError.
var ErrNPNUnsupported = errors.NewNotImplementedError("NPN is not supported: HAS_NPN is false with OpenSSL 3")

// SetNPNProtocols is Python's set_npn_protocols, which is unavailable with
// OpenSSL 3; it always returns ErrNPNUnsupported.
//
// Deprecated: NPN was superseded by ALPN; use SetALPNProtocols.
func (c *SSLContext) SetNPNProtocols(protocols []string) error {
	if c.Closed() {
		return ErrClosed
	}
	return ErrNPNUnsupported
}

// KeylogFilename returns the key log file name, or "" when logging is off.
func (c *SSLContext) KeylogFilename() string {
	if c.lockGet() == nil {
		return ""
	}
	defer c.mu.Unlock()
	return c.keylogName
}

// SetKeylogFilename appends the TLS secrets of every later handshake to
// name in the NSS key log format, for debugging with tools such as
// Wireshark; "" turns logging off. The file is opened in append mode and
// gets the header "# TLS secrets log file, generated by OpenSSL / Python"
// when it is a new or empty regular file. A file that cannot be opened is
// an *errors.OSError with the name (for example FileNotFoundError for a
// missing directory). A write error during a handshake becomes the error of
// that handshake step.
func (c *SSLContext) SetKeylogFilename(name string) error {
	if err := checkPath("keylog_filename", name); err != nil {
		return err
	}
	raw, err := c.lockSet()
	if err != nil {
		return err
	}
	defer c.unlockSet()
	raw.EnableKeylog(false)
	c.cbmu.Lock()
	old := c.keylogFile
	c.keylogFile = nil
	c.cbmu.Unlock()
	c.keylogName = ""
	if old != nil {
		old.Close()
	}
	if name == "" {
		return nil
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666)
	if err != nil {
		return pathError("keylog_filename", name, err)
	}
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() == 0 {
		f.WriteString("# TLS secrets log file, generated by OpenSSL / Python\n")
	}
	c.cbmu.Lock()
	c.keylogFile = f
	c.cbmu.Unlock()
	c.keylogName = name
	raw.EnableKeylog(true)
	return nil
}

// Cipher is one entry of GetCiphers, the fields of Python's get_ciphers()
// dictionaries. Symmetric, Digest, KEA and Auth are OpenSSL long names, ""
// where Python has None (Digest for AEAD ciphers).
type Cipher struct {
	ID           uint64
	Name         string
	Protocol     string
	Description  string
	StrengthBits int
	AlgBits      int
	AEAD         bool
	Symmetric    string
	Digest       string
	KEA          string
	Auth         string
}

// GetCiphers returns the ciphers an SSL object made from the context would
// offer, in preference order, TLS 1.3 suites first.
func (c *SSLContext) GetCiphers() ([]Cipher, error) {
	raw := c.lockGet()
	if raw == nil {
		return nil, ErrClosed
	}
	defer c.mu.Unlock()
	infos, st := raw.Ciphers()
	if st != nil {
		return nil, errors.FromLib(st)
	}
	out := make([]Cipher, len(infos))
	for i, in := range infos {
		out[i] = Cipher{
			ID: in.ID, Name: in.Name, Protocol: in.Protocol, Description: in.Description,
			StrengthBits: in.StrengthBits, AlgBits: in.AlgBits, AEAD: in.AEAD,
			Symmetric: in.Symmetric, Digest: in.Digest, KEA: in.KEA, Auth: in.Auth,
		}
	}
	return out, nil
}

// SessionStats are the context's session cache counters (Python's
// session_stats() dictionary).
type SessionStats struct {
	Number             int64
	Connect            int64
	ConnectGood        int64
	ConnectRenegotiate int64
	Accept             int64
	AcceptGood         int64
	AcceptRenegotiate  int64
	Hits               int64
	Misses             int64
	Timeouts           int64
	CacheFull          int64
}

// SessionStats returns the session cache counters (zero after Close).
func (c *SSLContext) SessionStats() SessionStats {
	raw := c.lockGet()
	if raw == nil {
		return SessionStats{}
	}
	defer c.mu.Unlock()
	s := raw.SessionStats()
	return SessionStats(s)
}

// CertStoreStats counts the objects in the trust store (Python's
// cert_store_stats()). Certificates found through a capath directory are
// counted only once a verification has loaded them.
type CertStoreStats struct {
	X509   int // certificates
	CRL    int // certificate revocation lists
	X509CA int // certificates that are CAs
}

// CertStoreStats returns the trust store counts (zero after Close).
func (c *SSLContext) CertStoreStats() CertStoreStats {
	raw := c.lockGet()
	if raw == nil {
		return CertStoreStats{}
	}
	defer c.mu.Unlock()
	x, crl, ca := raw.CertStoreStats()
	return CertStoreStats{X509: x, CRL: crl, X509CA: ca}
}

// GetCACertsDER returns the DER of the CA certificates in the trust store
// (Python's get_ca_certs(binary_form=True)). Certificates that are not CAs
// and those in a capath directory not yet loaded are left out.
func (c *SSLContext) GetCACertsDER() ([][]byte, error) {
	raw := c.lockGet()
	if raw == nil {
		return nil, ErrClosed
	}
	defer c.mu.Unlock()
	ders, st := raw.CACerts()
	if st != nil {
		return nil, errors.FromLib(st)
	}
	return ders, nil
}

// GetCACerts returns the CA certificates in the trust store decoded as
// Python's get_ca_certs() does.
func (c *SSLContext) GetCACerts() ([]*Certificate, error) {
	ders, err := c.GetCACertsDER()
	if err != nil {
		return nil, err
	}
	out := make([]*Certificate, 0, len(ders))
	for _, d := range ders {
		cert, err := DecodeCertificate(d)
		if err != nil {
			return nil, err
		}
		out = append(out, cert)
	}
	return out, nil
}
