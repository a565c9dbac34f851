package sslctx

import (
	"strconv"
	"strings"
)

// Protocol is Python's ssl._SSLMethod: the protocol an SSLContext is made
// for.
type Protocol int

// Protocols accepted by New.
const (
	// ProtocolTLS negotiates the highest version both sides support and
	// can act as client or server.
	//
	// Deprecated: Python deprecates PROTOCOL_TLS (3.10); use
	// ProtocolTLSClient or ProtocolTLSServer.
	ProtocolTLS Protocol = 2
	// ProtocolSSLv23 is Python's alias of ProtocolTLS.
	//
	// Deprecated: use ProtocolTLSClient or ProtocolTLSServer.
	ProtocolSSLv23 = ProtocolTLS
	// ProtocolTLSv1 allows TLS 1.0 only.
	//
	// Deprecated: Python deprecates the version-specific protocols (3.6).
	ProtocolTLSv1 Protocol = 3
	// ProtocolTLSv1_1 allows TLS 1.1 only.
	//
	// Deprecated: Python deprecates the version-specific protocols (3.6).
	ProtocolTLSv1_1 Protocol = 4
	// ProtocolTLSv1_2 allows TLS 1.2 only.
	//
	// Deprecated: Python deprecates the version-specific protocols (3.6).
	ProtocolTLSv1_2 Protocol = 5
	// ProtocolTLSClient is for client-side objects; it verifies the peer
	// and checks the host name by default.
	ProtocolTLSClient Protocol = 16
	// ProtocolTLSServer is for server-side objects.
	ProtocolTLSServer Protocol = 17
)

var protocolNames = map[Protocol]string{
	ProtocolTLS:       "PROTOCOL_TLS",
	ProtocolTLSv1:     "PROTOCOL_TLSv1",
	ProtocolTLSv1_1:   "PROTOCOL_TLSv1_1",
	ProtocolTLSv1_2:   "PROTOCOL_TLSv1_2",
	ProtocolTLSClient: "PROTOCOL_TLS_CLIENT",
	ProtocolTLSServer: "PROTOCOL_TLS_SERVER",
}

// String returns Python's member name, such as "PROTOCOL_TLS_CLIENT", or
// the number for an unknown value. (Python's str() of the IntEnum is the
// number; its repr shows the name.)
func (p Protocol) String() string { return enumName(protocolNames, p) }

// PythonRepr returns Python's repr, such as "<_SSLMethod.PROTOCOL_TLS_CLIENT: 16>".
func (p Protocol) PythonRepr() string { return enumRepr("_SSLMethod", protocolNames, p) }

// TLSVersion is Python's ssl.TLSVersion: a protocol version number, or
// one of the two markers MinimumSupported and MaximumSupported.
type TLSVersion int

// TLS versions.
const (
	MinimumSupported TLSVersion = -2
	MaximumSupported TLSVersion = -1
	// Deprecated: Python deprecates setting SSLv3 as a bound (3.10).
	SSLv3 TLSVersion = 0x300
	// Deprecated: Python deprecates setting TLS 1.0 as a bound (3.10).
	TLSv1 TLSVersion = 0x301
	// Deprecated: Python deprecates setting TLS 1.1 as a bound (3.10).
	TLSv1_1 TLSVersion = 0x302
	TLSv1_2 TLSVersion = 0x303
	TLSv1_3 TLSVersion = 0x304
)

var tlsVersionNames = map[TLSVersion]string{
	MinimumSupported: "MINIMUM_SUPPORTED",
	MaximumSupported: "MAXIMUM_SUPPORTED",
	SSLv3:            "SSLv3",
	TLSv1:            "TLSv1",
	TLSv1_1:          "TLSv1_1",
	TLSv1_2:          "TLSv1_2",
	TLSv1_3:          "TLSv1_3",
}

// String returns Python's member name, such as "TLSv1_2".
func (v TLSVersion) String() string { return enumName(tlsVersionNames, v) }

// PythonRepr returns Python's repr, such as "<TLSVersion.TLSv1_2: 771>".
func (v TLSVersion) PythonRepr() string { return enumRepr("TLSVersion", tlsVersionNames, v) }

// VerifyMode is Python's ssl.VerifyMode.
type VerifyMode int

// Verify modes.
const (
	// CertNone does not verify the peer (SSL_VERIFY_NONE). A server does
	// not request a client certificate.
	CertNone VerifyMode = 0
	// CertOptional verifies a certificate the peer sends; a server
	// requests one but does not require it (SSL_VERIFY_PEER).
	CertOptional VerifyMode = 1
	// CertRequired requires and verifies the peer's certificate
	// (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT).
	CertRequired VerifyMode = 2
)

var verifyModeNames = map[VerifyMode]string{
	CertNone: "CERT_NONE", CertOptional: "CERT_OPTIONAL", CertRequired: "CERT_REQUIRED",
}

// String returns Python's member name, such as "CERT_REQUIRED".
func (m VerifyMode) String() string { return enumName(verifyModeNames, m) }

// PythonRepr returns Python's repr, such as "<VerifyMode.CERT_REQUIRED: 2>".
func (m VerifyMode) PythonRepr() string { return enumRepr("VerifyMode", verifyModeNames, m) }

// VerifyFlags is Python's ssl.VerifyFlags: X509_V_FLAG_* bits.
type VerifyFlags uint64

// Verify flags.
const (
	VerifyDefault          VerifyFlags = 0
	VerifyCRLCheckLeaf     VerifyFlags = 0x4
	VerifyCRLCheckChain    VerifyFlags = 0xc
	VerifyX509Strict       VerifyFlags = 0x20
	VerifyAllowProxyCerts  VerifyFlags = 0x40
	VerifyX509TrustedFirst VerifyFlags = 0x8000
	VerifyX509PartialChain VerifyFlags = 0x80000
)

var verifyFlagMembers = []flagMember{
	{"VERIFY_DEFAULT", 0},
	{"VERIFY_CRL_CHECK_LEAF", 0x4},
	{"VERIFY_CRL_CHECK_CHAIN", 0xc},
	{"VERIFY_X509_STRICT", 0x20},
	{"VERIFY_ALLOW_PROXY_CERTS", 0x40},
	{"VERIFY_X509_TRUSTED_FIRST", 0x8000},
	{"VERIFY_X509_PARTIAL_CHAIN", 0x80000},
}

// String returns the member names joined by "|" as Python 3.11's Flag repr
// lists them, such as "VERIFY_CRL_CHECK_LEAF|VERIFY_X509_TRUSTED_FIRST",
// with unnamed bits as a decimal number.
func (f VerifyFlags) String() string { return flagName(verifyFlagMembers, uint64(f)) }

// PythonRepr returns Python 3.11's repr, such as
// "<VerifyFlags.VERIFY_X509_TRUSTED_FIRST: 32768>".
func (f VerifyFlags) PythonRepr() string {
	return flagRepr("VerifyFlags", verifyFlagMembers, uint64(f))
}

// Options is Python's ssl.Options: SSL_OP_* bits.
type Options uint64

// Options. OP_NO_SSLv2, OP_SINGLE_DH_USE and OP_SINGLE_ECDH_USE are 0 with
// OpenSSL 1.1.0 and newer and are kept for compatibility.
const (
	// OpAll is SSL_OP_ALL without SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS: the
	// bug workarounds.
	OpAll     Options = 0x80000050
	OpNoSSLv2 Options = 0
	// OpNoSSLv3 is set by default.
	OpNoSSLv3 Options = 0x2000000
	// Deprecated: Python deprecates the OP_NO_TLS* options (3.7); use
	// SetMinimumVersion and SetMaximumVersion.
	OpNoTLSv1 Options = 0x4000000
	// Deprecated: Python deprecates the OP_NO_TLS* options (3.7); use
	// SetMinimumVersion and SetMaximumVersion.
	OpNoTLSv1_1 Options = 0x10000000
	// Deprecated: Python deprecates the OP_NO_TLS* options (3.7); use
	// SetMinimumVersion and SetMaximumVersion.
	OpNoTLSv1_2 Options = 0x8000000
	// Deprecated: Python deprecates the OP_NO_TLS* options (3.7); use
	// SetMinimumVersion and SetMaximumVersion.
	OpNoTLSv1_3              Options = 0x20000000
	OpCipherServerPreference Options = 0x400000
	OpSingleDHUse            Options = 0
	OpSingleECDHUse          Options = 0
	OpNoCompression          Options = 0x20000
	OpNoTicket               Options = 0x4000
	OpNoRenegotiation        Options = 0x40000000
	// OpEnableMiddleboxCompat is OpenSSL's default for TLS 1.3.
	OpEnableMiddleboxCompat Options = 0x100000
	OpIgnoreUnexpectedEOF   Options = 0x80
	// OpLegacyServerConnect and OpEnableKTLS are in Python 3.12+.
	OpLegacyServerConnect Options = 0x4
	OpEnableKTLS          Options = 0x8
)

var optionMembers = []flagMember{
	{"OP_NO_SSLv2", 0},
	{"OP_SINGLE_DH_USE", 0},
	{"OP_SINGLE_ECDH_USE", 0},
	{"OP_LEGACY_SERVER_CONNECT", 0x4},
	{"OP_ENABLE_KTLS", 0x8},
	{"OP_IGNORE_UNEXPECTED_EOF", 0x80},
	{"OP_NO_TICKET", 0x4000},
	{"OP_NO_COMPRESSION", 0x20000},
	{"OP_ENABLE_MIDDLEBOX_COMPAT", 0x100000},
	{"OP_CIPHER_SERVER_PREFERENCE", 0x400000},
	{"OP_NO_SSLv3", 0x2000000},
	{"OP_NO_TLSv1", 0x4000000},
	{"OP_NO_TLSv1_2", 0x8000000},
	{"OP_NO_TLSv1_1", 0x10000000},
	{"OP_NO_TLSv1_3", 0x20000000},
	{"OP_NO_RENEGOTIATION", 0x40000000},
	{"OP_ALL", 0x80000050},
}

// optNoVersions are the OP_NO_SSL*/OP_NO_TLS* bits, deprecated by Python.
const optNoVersions = OpNoSSLv3 | OpNoTLSv1 | OpNoTLSv1_1 | OpNoTLSv1_2 | OpNoTLSv1_3

// String returns the member names joined by "|" as Python 3.11's Flag repr
// lists them, such as "OP_NO_COMPRESSION|...|OP_ALL".
func (o Options) String() string { return flagName(optionMembers, uint64(o)) }

// PythonRepr returns Python 3.11's repr, such as "<Options.OP_NO_TICKET: 16384>".
func (o Options) PythonRepr() string { return flagRepr("Options", optionMembers, uint64(o)) }

// HostFlags are X509_CHECK_FLAG_* bits for host name checking (Python's
// private _host_flags and the _ssl.HOSTFLAG_* constants).
type HostFlags uint32

// Host flags.
const (
	HostFlagAlwaysCheckSubject    HostFlags = 0x1
	HostFlagNoWildcards           HostFlags = 0x2
	HostFlagNoPartialWildcards    HostFlags = 0x4
	HostFlagMultiLabelWildcards   HostFlags = 0x8
	HostFlagSingleLabelSubdomains HostFlags = 0x10
	HostFlagNeverCheckSubject     HostFlags = 0x20
)

// AlertDescription is Python's ssl.AlertDescription: a TLS alert number.
type AlertDescription int

// Alert descriptions.
const (
	AlertDescriptionCloseNotify                  AlertDescription = 0
	AlertDescriptionUnexpectedMessage            AlertDescription = 10
	AlertDescriptionBadRecordMAC                 AlertDescription = 20
	AlertDescriptionRecordOverflow               AlertDescription = 22
	AlertDescriptionDecompressionFailure         AlertDescription = 30
	AlertDescriptionHandshakeFailure             AlertDescription = 40
	AlertDescriptionBadCertificate               AlertDescription = 42
	AlertDescriptionUnsupportedCertificate       AlertDescription = 43
	AlertDescriptionCertificateRevoked           AlertDescription = 44
	AlertDescriptionCertificateExpired           AlertDescription = 45
	AlertDescriptionCertificateUnknown           AlertDescription = 46
	AlertDescriptionIllegalParameter             AlertDescription = 47
	AlertDescriptionUnknownCA                    AlertDescription = 48
	AlertDescriptionAccessDenied                 AlertDescription = 49
	AlertDescriptionDecodeError                  AlertDescription = 50
	AlertDescriptionDecryptError                 AlertDescription = 51
	AlertDescriptionProtocolVersion              AlertDescription = 70
	AlertDescriptionInsufficientSecurity         AlertDescription = 71
	AlertDescriptionInternalError                AlertDescription = 80
	AlertDescriptionUserCancelled                AlertDescription = 90
	AlertDescriptionNoRenegotiation              AlertDescription = 100
	AlertDescriptionUnsupportedExtension         AlertDescription = 110
	AlertDescriptionCertificateUnobtainable      AlertDescription = 111
	AlertDescriptionUnrecognizedName             AlertDescription = 112
	AlertDescriptionBadCertificateStatusResponse AlertDescription = 113
	AlertDescriptionBadCertificateHashValue      AlertDescription = 114
	AlertDescriptionUnknownPSKIdentity           AlertDescription = 115
)

var alertNames = map[AlertDescription]string{
	0: "ALERT_DESCRIPTION_CLOSE_NOTIFY", 10: "ALERT_DESCRIPTION_UNEXPECTED_MESSAGE",
	20: "ALERT_DESCRIPTION_BAD_RECORD_MAC", 22: "ALERT_DESCRIPTION_RECORD_OVERFLOW",
	30: "ALERT_DESCRIPTION_DECOMPRESSION_FAILURE", 40: "ALERT_DESCRIPTION_HANDSHAKE_FAILURE",
	42: "ALERT_DESCRIPTION_BAD_CERTIFICATE", 43: "ALERT_DESCRIPTION_UNSUPPORTED_CERTIFICATE",
	44: "ALERT_DESCRIPTION_CERTIFICATE_REVOKED", 45: "ALERT_DESCRIPTION_CERTIFICATE_EXPIRED",
	46: "ALERT_DESCRIPTION_CERTIFICATE_UNKNOWN", 47: "ALERT_DESCRIPTION_ILLEGAL_PARAMETER",
	48: "ALERT_DESCRIPTION_UNKNOWN_CA", 49: "ALERT_DESCRIPTION_ACCESS_DENIED",
	50: "ALERT_DESCRIPTION_DECODE_ERROR", 51: "ALERT_DESCRIPTION_DECRYPT_ERROR",
	70: "ALERT_DESCRIPTION_PROTOCOL_VERSION", 71: "ALERT_DESCRIPTION_INSUFFICIENT_SECURITY",
	80: "ALERT_DESCRIPTION_INTERNAL_ERROR", 90: "ALERT_DESCRIPTION_USER_CANCELLED",
	100: "ALERT_DESCRIPTION_NO_RENEGOTIATION", 110: "ALERT_DESCRIPTION_UNSUPPORTED_EXTENSION",
	111: "ALERT_DESCRIPTION_CERTIFICATE_UNOBTAINABLE", 112: "ALERT_DESCRIPTION_UNRECOGNIZED_NAME",
	113: "ALERT_DESCRIPTION_BAD_CERTIFICATE_STATUS_RESPONSE",
	114: "ALERT_DESCRIPTION_BAD_CERTIFICATE_HASH_VALUE", 115: "ALERT_DESCRIPTION_UNKNOWN_PSK_IDENTITY",
}

// String returns Python's member name, such as
// "ALERT_DESCRIPTION_HANDSHAKE_FAILURE".
func (a AlertDescription) String() string { return enumName(alertNames, a) }

// PythonRepr returns Python's repr, such as
// "<AlertDescription.ALERT_DESCRIPTION_HANDSHAKE_FAILURE: 40>".
func (a AlertDescription) PythonRepr() string { return enumRepr("AlertDescription", alertNames, a) }

// SSLErrorNumber is Python's ssl.SSLErrorNumber: SSL_get_error results
// and Python's own EOF and invalid-code values. It is the Errno of the
// errors returned by SSL I/O.
type SSLErrorNumber int

// SSL error numbers.
const (
	SSLErrorSSL              SSLErrorNumber = 1
	SSLErrorWantRead         SSLErrorNumber = 2
	SSLErrorWantWrite        SSLErrorNumber = 3
	SSLErrorWantX509Lookup   SSLErrorNumber = 4
	SSLErrorSyscall          SSLErrorNumber = 5
	SSLErrorZeroReturn       SSLErrorNumber = 6
	SSLErrorWantConnect      SSLErrorNumber = 7
	SSLErrorEOF              SSLErrorNumber = 8
	SSLErrorInvalidErrorCode SSLErrorNumber = 10
)

var sslErrorNames = map[SSLErrorNumber]string{
	1: "SSL_ERROR_SSL", 2: "SSL_ERROR_WANT_READ", 3: "SSL_ERROR_WANT_WRITE",
	4: "SSL_ERROR_WANT_X509_LOOKUP", 5: "SSL_ERROR_SYSCALL", 6: "SSL_ERROR_ZERO_RETURN",
	7: "SSL_ERROR_WANT_CONNECT", 8: "SSL_ERROR_EOF", 10: "SSL_ERROR_INVALID_ERROR_CODE",
}

// String returns Python's member name, such as "SSL_ERROR_WANT_READ".
func (n SSLErrorNumber) String() string { return enumName(sslErrorNames, n) }

// PythonRepr returns Python's repr, such as "<SSLErrorNumber.SSL_ERROR_SSL: 1>".
func (n SSLErrorNumber) PythonRepr() string { return enumRepr("SSLErrorNumber", sslErrorNames, n) }

func enumName[K ~int](names map[K]string, v K) string {
	if s, ok := names[v]; ok {
		return s
	}
	return strconv.Itoa(int(v))
}

func enumRepr[K ~int](class string, names map[K]string, v K) string {
	if s, ok := names[v]; ok {
		return "<" + class + "." + s + ": " + strconv.Itoa(int(v)) + ">"
	}
	return "<" + class + ": " + strconv.Itoa(int(v)) + ">"
}

type flagMember struct {
	name  string
	value uint64
}

func isSingleBit(v uint64) bool { return v != 0 && v&(v-1) == 0 }

// flagNames lists the member names Python 3.11's Flag repr shows for v:
// the exact member if there is one, else the single-bit members in
// ascending order, then the multi-bit members fully contained in v, then
// the remaining bits as a decimal number.
func flagNames(members []flagMember, v uint64) (names []string, rest uint64) {
	for _, m := range members {
		if m.value == v {
			return []string{m.name}, 0
		}
	}
	type single struct {
		name string
		bit  uint64
	}
	var singles []single
	covered := uint64(0)
	for _, m := range members {
		if isSingleBit(m.value) && v&m.value != 0 {
			singles = append(singles, single{m.name, m.value})
		}
	}
	// ascending by bit
	for i := 1; i < len(singles); i++ {
		for j := i; j > 0 && singles[j].bit < singles[j-1].bit; j-- {
			singles[j], singles[j-1] = singles[j-1], singles[j]
		}
	}
	for _, s := range singles {
		names = append(names, s.name)
		covered |= s.bit
	}
	for _, m := range members {
		if m.value != 0 && !isSingleBit(m.value) && v&m.value == m.value {
			names = append(names, m.name)
			covered |= m.value
		}
	}
	return names, v &^ covered
}

func flagName(members []flagMember, v uint64) string {
	names, rest := flagNames(members, v)
	if rest != 0 || len(names) == 0 {
		names = append(names, strconv.FormatUint(rest, 10))
	}
	return strings.Join(names, "|")
}

func flagRepr(class string, members []flagMember, v uint64) string {
	names, rest := flagNames(members, v)
	num := strconv.FormatUint(v, 10)
	if len(names) == 0 {
		return "<" + class + ": " + num + ">"
	}
	if rest != 0 {
		names = append(names, strconv.FormatUint(rest, 10))
	}
	return "<" + class + "." + strings.Join(names, "|") + ": " + num + ">"
}
