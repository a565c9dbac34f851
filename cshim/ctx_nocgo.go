//go:build !cgo

package cshim

import "github.com/membio/membio/errors"

// Method selects the SSL_METHOD of a new SSL_CTX.
type Method int

// Methods for NewCtx and NewDefaultCtx.
const (
	MethodTLS       Method = 0
	MethodTLSClient Method = 1
	MethodTLSServer Method = 2
	MethodTLSv1     Method = 3
	MethodTLSv1_1   Method = 4
	MethodTLSv1_2   Method = 5
)

// DefaultCiphers is CPython's default cipher string.
const DefaultCiphers = "@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM"

// SessionIDContext is the session id context of server-side SSL objects.
const SessionIDContext = "membio"

// Ctx is the cgo-less stand-in for an SSL_CTX; the constructors never
// return one.
type Ctx struct{}

func noCgoState() *errors.State { return &errors.State{VerifyResult: -1} }

// NewCtx cannot allocate without cgo.
func NewCtx(m Method) (*Ctx, *errors.State) { return nil, noCgoState() }

// DefaultStage tells which step of NewDefaultCtx failed.
type DefaultStage int

// Stages of NewDefaultCtx.
const (
	StageOK        DefaultStage = 0
	StageNew       DefaultStage = 1
	StageCiphers   DefaultStage = 2
	StageMinimum   DefaultStage = 3
	StageSessionID DefaultStage = 4
)

// NewDefaultCtx cannot allocate without cgo.
func NewDefaultCtx(m Method, verifyRequired bool) (*Ctx, DefaultStage, *errors.State) {
	return nil, StageNew, noCgoState()
}

func (x *Ctx) Free()                                                   {}
func (x *Ctx) Closed() bool                                            { return true }
func (x *Ctx) SetHooks(h Hooks)                                        {}
func (x *Ctx) Options() uint64                                         { return 0 }
func (x *Ctx) UpdateOptions(set, clear uint64)                         {}
func (x *Ctx) VerifyMode() int                                         { return 0 }
func (x *Ctx) SetVerifyMode(mode int)                                  {}
func (x *Ctx) VerifyFlags() uint64                                     { return 0 }
func (x *Ctx) UpdateVerifyFlags(set, clear uint64) *errors.State       { return noCgoState() }
func (x *Ctx) SetHostFlags(flags uint32)                               {}
func (x *Ctx) MinVersion() int                                         { return 0 }
func (x *Ctx) MaxVersion() int                                         { return 0 }
func (x *Ctx) SetMinVersion(v int) *errors.State                       { return noCgoState() }
func (x *Ctx) SetMaxVersion(v int) *errors.State                       { return noCgoState() }
func (x *Ctx) NumTickets() uint64                                      { return 0 }
func (x *Ctx) SetNumTickets(n uint64) *errors.State                    { return noCgoState() }
func (x *Ctx) SecurityLevel() int                                      { return 0 }
func (x *Ctx) SetPostHandshakeAuth(on bool)                            {}
func (x *Ctx) SetCiphers(list string) *errors.State                    { return noCgoState() }
func (x *Ctx) Ciphers() ([]CipherInfo, *errors.State)                  { return nil, noCgoState() }
func (x *Ctx) LoadVerifyLocations(cafile, capath string) *errors.State { return noCgoState() }
func (x *Ctx) SetDefaultVerifyPaths() *errors.State                    { return noCgoState() }
func (x *Ctx) LoadDHParams(path string) *errors.State                  { return noCgoState() }
func (x *Ctx) SetECDHCurve(name string) (bool, *errors.State)          { return true, noCgoState() }
func (x *Ctx) SessionStats() SessionStats                              { return SessionStats{} }
func (x *Ctx) CertStoreStats() (x509, crl, x509CA int)                 { return 0, 0, 0 }
func (x *Ctx) CACerts() ([][]byte, *errors.State)                      { return nil, noCgoState() }
func (x *Ctx) SetALPN(wire []byte) *errors.State                       { return noCgoState() }
func (x *Ctx) EnableSNI(on bool)                                       {}
func (x *Ctx) EnableKeylog(on bool)                                    {}
func (x *Ctx) EnablePSKClient(on bool)                                 {}
func (x *Ctx) EnablePSKServer(on bool, hint string) *errors.State      { return noCgoState() }

// AddCACerts cannot run without cgo.
func (x *Ctx) AddCACerts(data []byte, der bool) (int, *errors.State) {
	return CADataLib, noCgoState()
}

// LoadCertChain cannot run without cgo.
func (x *Ctx) LoadCertChain(certfile, keyfile string, fixed []byte, src PasswordSource) LoadResult {
	return LoadResult{Stage: LoadChain, State: noCgoState()}
}

// CipherInfo is one entry of Ciphers.
type CipherInfo struct {
	ID                           uint64
	Name, Protocol, Description  string
	Symmetric, Digest, KEA, Auth string
	StrengthBits, AlgBits        int
	AEAD                         bool
}

// LoadStage tells which step of LoadCertChain failed.
type LoadStage int

// Stages of LoadCertChain.
const (
	LoadOK         LoadStage = 0
	LoadChain      LoadStage = 1
	LoadPrivateKey LoadStage = 2
	LoadCheckKey   LoadStage = 3
)

// PasswordFailure tells why the password callback failed.
type PasswordFailure int

// Password failures.
const (
	PasswordOK       PasswordFailure = 0
	PasswordCallback PasswordFailure = 1
	PasswordTooLong  PasswordFailure = 2
)

// PasswordSource supplies a key password on demand, during LoadCertChain.
type PasswordSource interface {
	Password(max int) ([]byte, error)
}

// LoadResult is the outcome of LoadCertChain.
type LoadResult struct {
	Stage  LoadStage
	PwFail PasswordFailure
	PwMax  int
	State  *errors.State
}

// CAData result codes of AddCACerts.
const (
	CADataOK         = 0
	CADataNoneLoaded = 1
	CADataLib        = 2
)

// SessionStats are the SSL_CTX_sess_* counters.
type SessionStats struct {
	Number, Connect, ConnectGood, ConnectRenegotiate, Accept, AcceptGood,
	AcceptRenegotiate, Hits, Misses, Timeouts, CacheFull int64
}

// Record is one entry of a record stream produced by the C side.
type Record struct {
	Tag  byte
	Data []byte
}

// ParseRecords splits a record stream.
func ParseRecords(b []byte) []Record {
	var out []Record
	for len(b) >= 5 {
		n := int(uint32(b[1]) | uint32(b[2])<<8 | uint32(b[3])<<16 | uint32(b[4])<<24)
		if n < 0 || len(b)-5 < n {
			break
		}
		out = append(out, Record{Tag: b[0], Data: b[5 : 5+n : 5+n]})
		b = b[5+n:]
	}
	return out
}

// DecodeCertDER cannot run without cgo.
func DecodeCertDER(der []byte) ([]Record, *errors.State) { return nil, noCgoState() }

// DecodeCertPEM cannot run without cgo.
func DecodeCertPEM(pem []byte) ([]Record, *errors.State) { return nil, noCgoState() }

// ObjInfo describes an ASN.1 object.
type ObjInfo struct {
	NID                 int
	ShortName, LongName string
	OID                 string
}

// ObjFromNID reports every NID as unknown without cgo.
func ObjFromNID(nid int) (ObjInfo, int) { return ObjInfo{}, 0 }

// ObjFromText reports every object as unknown without cgo.
func ObjFromText(txt string, oidOnly bool) (ObjInfo, int) { return ObjInfo{}, 0 }

// DefaultVerifyPaths returns empty strings without cgo.
func DefaultVerifyPaths() (fileEnv, file, dirEnv, dir string) { return "", "", "", "" }

// RandBytes fails without cgo.
func RandBytes(p []byte) *errors.State { return noCgoState() }

// RandStatus is false without cgo.
func RandStatus() bool { return false }

// RandAdd does nothing without cgo.
func RandAdd(p []byte, entropy float64) {}

// ServerName results (SSL_TLSEXT_ERR_*).
const (
	ServerNameOK         = 0
	ServerNameAlertFatal = 2
	ServerNameNoAck      = 3
)

// TLS alert numbers the dispatchers use.
const (
	AlertHandshakeFailure = 40
	AlertInternalError    = 80
)

// Hooks receives the OpenSSL callbacks of one Ctx.
type Hooks interface {
	ServerName(conn *Conn, name string, ok bool) (result int, alert int)
	KeylogLine(conn *Conn, line string)
	PSKClient(conn *Conn, hint string, maxIdentity, maxPSK int) (identity string, psk []byte, ok bool)
	PSKServer(conn *Conn, identity string, maxPSK int) (psk []byte, ok bool)
	Message(conn *Conn, write bool, version, contentType, msgType int, data []byte)
}
