package sslctx

import (
	"encoding/base64"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/membio/membio/cshim"
	"github.com/membio/membio/errors"
)

// Purpose is Python's ssl.Purpose, an _ASN1Object: an extended key usage
// by NID, short name, long name and dotted OID.
type Purpose struct {
	NID       int
	ShortName string
	LongName  string
	OID       string
}

// The two purposes of Python's ssl.Purpose.
var (
	// PurposeServerAuth is for authenticating servers: a client context.
	PurposeServerAuth = Purpose{129, "serverAuth", "TLS Web Server Authentication", "1.3.6.1.5.5.7.3.1"}
	// PurposeClientAuth is for authenticating clients: a server context.
	PurposeClientAuth = Purpose{130, "clientAuth", "TLS Web Client Authentication", "1.3.6.1.5.5.7.3.2"}
)

// String returns Python's member name ("SERVER_AUTH", "CLIENT_AUTH") or the
// _ASN1Object repr for another object.
func (p Purpose) String() string {
	switch p {
	case PurposeServerAuth:
		return "SERVER_AUTH"
	case PurposeClientAuth:
		return "CLIENT_AUTH"
	}
	return p.objRepr()
}

func (p Purpose) objRepr() string {
	oid := "None"
	if p.OID != "" {
		oid = errors.PythonRepr(p.OID)
	}
	return fmt.Sprintf("_ASN1Object(nid=%d, shortname=%s, longname=%s, oid=%s)",
		p.NID, errors.PythonRepr(p.ShortName), errors.PythonRepr(p.LongName), oid)
}

// PythonRepr returns Python's repr, such as "<Purpose.SERVER_AUTH:
// _ASN1Object(nid=129, shortname='serverAuth', longname='TLS Web Server
// Authentication', oid='1.3.6.1.5.5.7.3.1')>".
func (p Purpose) PythonRepr() string {
	switch p {
	case PurposeServerAuth, PurposeClientAuth:
		return "<Purpose." + p.String() + ": " + p.objRepr() + ">"
	}
	return p.objRepr()
}

func purposeOf(o cshim.ObjInfo) Purpose {
	return Purpose{NID: o.NID, ShortName: o.ShortName, LongName: o.LongName, OID: o.OID}
}

// ASN1ObjectFromOID looks an object up by dotted OID (Python's
// _ASN1Object(oid)). An unknown OID is a *errors.ValueError "unknown object
// 'x'".
func ASN1ObjectFromOID(oid string) (Purpose, error) { return objFromText(oid, true) }

// ASN1ObjectFromName looks an object up by short name, long name or dotted
// OID (Python's _ASN1Object.fromname).
func ASN1ObjectFromName(name string) (Purpose, error) { return objFromText(name, false) }

func objFromText(s string, oidOnly bool) (Purpose, error) {
	if !cshim.Available {
		return Purpose{}, cshim.ErrNoCgo
	}
	if strings.IndexByte(s, 0) >= 0 {
		return Purpose{}, errors.NewValueError("embedded null character")
	}
	o, r := cshim.ObjFromText(s, oidOnly)
	switch r {
	case 1:
		return purposeOf(o), nil
	case -1:
		return Purpose{}, errors.NewValueError("Unknown object")
	}
	short := s
	if len(short) > 100 {
		short = short[:100]
	}
	return Purpose{}, errors.NewValueError("unknown object " + errors.PythonRepr(short))
}

// ASN1ObjectFromNID looks an object up by NID (Python's
// _ASN1Object.fromnid). A negative NID is a *errors.ValueError "NID must be
// positive."; an unknown one "unknown NID 100000".
func ASN1ObjectFromNID(nid int) (Purpose, error) {
	if !cshim.Available {
		return Purpose{}, cshim.ErrNoCgo
	}
	if nid < 0 {
		return Purpose{}, errors.NewValueError("NID must be positive.")
	}
	o, r := cshim.ObjFromNID(nid)
	switch r {
	case 1:
		return purposeOf(o), nil
	case -1:
		return Purpose{}, errors.NewValueError("Unknown object")
	}
	return Purpose{}, errors.NewValueError("unknown NID " + strconv.Itoa(nid))
}

// CreateDefaultContext returns a context with Python 3.13's secure
// defaults for purpose: PurposeServerAuth gives a ProtocolTLSClient context
// (CertRequired, host name checking), PurposeClientAuth a
// ProtocolTLSServer context. Both get VerifyX509PartialChain and
// VerifyX509Strict in addition to VerifyX509TrustedFirst (new in Python
// 3.13; Python 3.11 does not add them). The CA certificates come from
// cafile, capath and cadata when any is given (non-empty), otherwise from
// LoadDefaultCerts when the context verifies peers. When the SSLKEYLOGFILE
// environment variable is set, the context logs keys to that file.
//
// Another purpose is a *errors.ValueError.
func CreateDefaultContext(purpose Purpose, cafile, capath string, cadata CAData) (*SSLContext, error) {
	var p Protocol
	switch purpose {
	case PurposeServerAuth:
		p = ProtocolTLSClient
	case PurposeClientAuth:
		p = ProtocolTLSServer
	default:
		return nil, errors.NewValueError(purpose.String())
	}
	c, err := New(p)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*SSLContext, error) {
		c.Close()
		return nil, err
	}
	if p == ProtocolTLSClient {
		if err := c.SetVerifyMode(CertRequired); err != nil {
			return fail(err)
		}
		if err := c.SetCheckHostname(true); err != nil {
			return fail(err)
		}
	}
	if err := c.SetVerifyFlags(c.VerifyFlags() | VerifyX509PartialChain | VerifyX509Strict); err != nil {
		return fail(err)
	}
	if cafile != "" || capath != "" || !cadata.empty() {
		d := cadata
		if d.empty() {
			d = CAData{}
		}
		if err := c.LoadVerifyLocations(cafile, capath, d); err != nil {
			return fail(err)
		}
	} else if c.VerifyMode() != CertNone {
		if err := c.LoadDefaultCerts(purpose); err != nil {
			return fail(err)
		}
	}
	if name := os.Getenv("SSLKEYLOGFILE"); name != "" {
		if err := c.SetKeylogFilename(name); err != nil {
			return fail(err)
		}
	}
	return c, nil
}

const (
	pemHeader = "-----BEGIN CERTIFICATE-----"
	pemFooter = "-----END CERTIFICATE-----"
)

// DERCertToPEMCert encodes a DER certificate as PEM: the header line,
// base64 in lines of 64 characters, and the footer line, each ending in a
// newline (Python's DER_cert_to_PEM_cert).
func DERCertToPEMCert(der []byte) string {
	f := base64.StdEncoding.EncodeToString(der)
	var b strings.Builder
	b.WriteString(pemHeader + "\n")
	for len(f) > 64 {
		b.WriteString(f[:64])
		b.WriteByte('\n')
		f = f[64:]
	}
	b.WriteString(f)
	b.WriteString("\n" + pemFooter + "\n")
	return b.String()
}

// PEMCertToDERCert decodes a PEM certificate (Python's
// PEM_cert_to_DER_cert). The text must start with the header (leading
// white space is not skipped) and end with the footer (trailing white space
// is), otherwise it is a *errors.ValueError "Invalid PEM encoding; must
// start with -----BEGIN CERTIFICATE-----" (or "end with ..."). Characters
// outside the base64 alphabet are ignored, as Python's base64.decodebytes
// does; bad padding is a *errors.ValueError "Incorrect padding".
func PEMCertToDERCert(pem string) ([]byte, error) {
	if !strings.HasPrefix(pem, pemHeader) {
		return nil, errors.NewValueError("Invalid PEM encoding; must start with " + pemHeader)
	}
	s := strings.TrimSpace(pem)
	if !strings.HasSuffix(s, pemFooter) {
		return nil, errors.NewValueError("Invalid PEM encoding; must end with " + pemFooter)
	}
	if len(s) < len(pemHeader)+len(pemFooter) {
		return nil, errors.NewValueError("Invalid PEM encoding; must end with " + pemFooter)
	}
	return decodeBase64Lenient(s[len(pemHeader) : len(s)-len(pemFooter)])
}

// decodeBase64Lenient is binascii.a2b_base64 in its default (non-strict)
// mode: characters outside the alphabet are skipped and data after
// complete padding is ignored.
func decodeBase64Lenient(s string) ([]byte, error) {
	var clean []byte
	quad := 0
	pads := 0
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '=':
			if quad >= 2 && quad+pads+1 >= 4 {
				// padding completes the quad: end of data
				pads++
				for j := 0; j < pads; j++ {
					clean = append(clean, '=')
				}
				return base64.StdEncoding.DecodeString(string(clean))
			}
			if quad >= 2 {
				pads++
			}
		case ch >= 'A' && ch <= 'Z', ch >= 'a' && ch <= 'z', ch >= '0' && ch <= '9', ch == '+', ch == '/':
			if pads > 0 {
				pads = 0
			}
			clean = append(clean, ch)
			quad = (quad + 1) % 4
		}
	}
	if quad != 0 {
		if quad == 1 {
			return nil, errors.NewValueError(fmt.Sprintf(
				"Invalid base64-encoded string: number of data characters (%d) cannot be 1 more than a multiple of 4",
				len(clean)))
		}
		return nil, errors.NewValueError("Incorrect padding")
	}
	return base64.StdEncoding.DecodeString(string(clean))
}

var months = []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// certTimeRE is the regular expression Python's strptime builds for
// ' %d %H:%M:%S %Y GMT' (case-insensitive, spaces as \s+).
var certTimeRE = regexp.MustCompile(`(?i)^\s+(3[01]|[12]\d|0[1-9]|[1-9]| [1-9])\s+(2[0-3]|[0-1]\d|\d):([0-5]\d|\d):(6[0-1]|[0-5]\d|\d)\s+(\d\d\d\d)\s+GMT`)

// CertTimeToSeconds converts a certificate time such as
// "Jan  5 09:34:43 2018 GMT" (the NotBefore/NotAfter form) to seconds since
// the Unix epoch, as Python's cert_time_to_seconds: the month is matched
// case-insensitively on its first three letters, the day may have one or
// two digits, seconds up to 61 are accepted and days beyond the month's
// end roll over. Other input is a *errors.ValueError with Python's
// message.
func CertTimeToSeconds(certTime string) (int64, error) {
	const format = " %d %H:%M:%S %Y GMT"
	monthNum := 0
	if len(certTime) >= 3 {
		m := certTime[:3]
		title := strings.ToUpper(m[:1]) + strings.ToLower(m[1:])
		for i, name := range months {
			if name == title {
				monthNum = i + 1
			}
		}
	}
	if monthNum == 0 {
		return 0, errors.NewValueError(fmt.Sprintf("time data %s does not match format \"%%b%s\"", errors.PythonRepr(certTime), format))
	}
	rest := certTime[3:]
	m := certTimeRE.FindStringSubmatchIndex(rest)
	if m == nil {
		return 0, errors.NewValueError(fmt.Sprintf("time data %s does not match format %s", errors.PythonRepr(rest), errors.PythonRepr(format)))
	}
	if m[1] != len(rest) {
		return 0, errors.NewValueError("unconverted data remains: " + rest[m[1]:])
	}
	num := func(k int) int {
		n, _ := strconv.Atoi(strings.TrimSpace(rest[m[2*k]:m[2*k+1]]))
		return n
	}
	day, hour, min, sec, year := num(1), num(2), num(3), num(4), num(5)
	if year < 1 {
		return 0, errors.NewValueError("year 0 is out of range")
	}
	t := time.Date(year, time.Month(monthNum), 1, 0, 0, 0, 0, time.UTC)
	return t.Unix() + int64(day-1)*86400 + int64(hour)*3600 + int64(min)*60 + int64(sec), nil
}

// DefaultVerifyPaths is Python's ssl.DefaultVerifyPaths: where OpenSSL
// looks for CA certificates by default.
type DefaultVerifyPaths struct {
	// CAFile and CAPath are the file and directory in effect (from the
	// environment variable, else OpenSSL's default), "" (Python's None)
	// when they do not exist.
	CAFile, CAPath string
	// OpenSSLCAFileEnv and OpenSSLCAPathEnv name the environment
	// variables ("SSL_CERT_FILE", "SSL_CERT_DIR"); OpenSSLCAFile and
	// OpenSSLCAPath are OpenSSL's compiled-in defaults.
	OpenSSLCAFileEnv, OpenSSLCAFile, OpenSSLCAPathEnv, OpenSSLCAPath string
}

// GetDefaultVerifyPaths returns the default CA locations (Python's
// get_default_verify_paths).
func GetDefaultVerifyPaths() DefaultVerifyPaths {
	fenv, file, denv, dir := cshim.DefaultVerifyPaths()
	p := DefaultVerifyPaths{OpenSSLCAFileEnv: fenv, OpenSSLCAFile: file, OpenSSLCAPathEnv: denv, OpenSSLCAPath: dir}
	cafile, capath := file, dir
	if v, ok := os.LookupEnv(fenv); ok && fenv != "" {
		cafile = v
	}
	if v, ok := os.LookupEnv(denv); ok && denv != "" {
		capath = v
	}
	if fi, err := os.Stat(cafile); err == nil && fi.Mode().IsRegular() {
		p.CAFile = cafile
	}
	if fi, err := os.Stat(capath); err == nil && fi.IsDir() {
		p.CAPath = capath
	}
	return p
}

// Feature flags (Python's HAS_* constants) for the OpenSSL 1.1.1+/3.x
// builds membio supports.
const (
	HasSNI                  = true
	HasECDH                 = true
	HasNPN                  = false
	HasALPN                 = true
	HasNeverCheckCommonName = true
	HasSSLv2                = false
	HasSSLv3                = false
	HasTLSv1                = true
	HasTLSv1_1              = true
	HasTLSv1_2              = true
	HasTLSv1_3              = true
	HasPSK                  = true
	HasPHA                  = true
	// HasPSKTLS13 (Python 3.15) reports external pre-shared keys in TLS
	// 1.3 (RFC 9258): OpenSSL supports them through the PSK callbacks
	// (only libraries such as AWS-LC define OPENSSL_NO_EXTERNAL_PSK_TLS13).
	HasPSKTLS13 = true
)

// ChannelBindingTypes returns the channel binding types SSLObject supports
// (Python's CHANNEL_BINDING_TYPES): ["tls-unique"].
func ChannelBindingTypes() []string { return []string{"tls-unique"} }

// VersionInfo is Python's OPENSSL_VERSION_INFO tuple.
type VersionInfo struct {
	Major, Minor, Fix, Patch, Status int
}

// parseVersion decodes a version number with CPython's
// parse_openssl_version, which uses OpenSSL 1.x's nibble layout even for
// 3.x numbers (so 0x30000130 gives 3, 0, 0, 19, 0: the patch number lands
// in the fourth slot).
func parseVersion(n uint64) VersionInfo {
	status := int(n & 0xf)
	n >>= 4
	patch := int(n & 0xff)
	n >>= 8
	fix := int(n & 0xff)
	n >>= 8
	minor := int(n & 0xff)
	n >>= 8
	major := int(n & 0xff)
	return VersionInfo{Major: major, Minor: minor, Fix: fix, Patch: patch, Status: status}
}

// OpenSSLVersion returns the version text of the OpenSSL library in use,
// such as "OpenSSL 3.0.19 27 Jan 2026" (Python's OPENSSL_VERSION).
func OpenSSLVersion() string {
	_, s := cshim.RuntimeVersion()
	return s
}

// OpenSSLVersionNumber returns OpenSSL_version_num() (Python's
// OPENSSL_VERSION_NUMBER).
func OpenSSLVersionNumber() uint64 {
	n, _ := cshim.RuntimeVersion()
	return n
}

// OpenSSLVersionInfo returns Python's OPENSSL_VERSION_INFO for the library
// in use.
func OpenSSLVersionInfo() VersionInfo { return parseVersion(OpenSSLVersionNumber()) }

// OpenSSLAPIVersion returns Python's _OPENSSL_API_VERSION: the version of
// the headers membio was compiled against.
func OpenSSLAPIVersion() VersionInfo {
	n, _ := cshim.CompileVersion()
	return parseVersion(n)
}

// RANDBytes returns n cryptographically strong random bytes from OpenSSL.
// A negative n is a *errors.ValueError "num must be positive".
func RANDBytes(n int) ([]byte, error) {
	if n < 0 {
		return nil, errors.NewValueError("num must be positive")
	}
	if !cshim.Available {
		return nil, cshim.ErrNoCgo
	}
	if n > 1<<31-1 {
		return nil, errors.NewValueError("num too large")
	}
	b := make([]byte, n)
	if st := cshim.RandBytes(b); st != nil {
		return nil, errors.FromLib(st)
	}
	return b, nil
}

// RANDStatus reports whether OpenSSL's generator is seeded.
func RANDStatus() bool { return cshim.RandStatus() }

// RANDAdd mixes buf into OpenSSL's generator, crediting entropy bytes of
// randomness.
func RANDAdd(buf []byte, entropy float64) { cshim.RandAdd(buf, entropy) }
