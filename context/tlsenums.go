package sslctx

// TLSContentType is Python's private ssl._TLSContentType: the content type
// of a TLS record, plus OpenSSL's two pseudo types for a record header and
// the TLS 1.3 inner content type. The message callback (SetMsgCallback)
// receives it.
type TLSContentType int

// TLS content types.
const (
	TLSContentTypeChangeCipherSpec TLSContentType = 20
	TLSContentTypeAlert            TLSContentType = 21
	TLSContentTypeHandshake        TLSContentType = 22
	TLSContentTypeApplicationData  TLSContentType = 23
	// TLSContentTypeHeader is OpenSSL's pseudo type for a record header
	// (SSL3_RT_HEADER).
	TLSContentTypeHeader TLSContentType = 0x100
	// TLSContentTypeInnerContentType is OpenSSL's pseudo type for the
	// content type byte inside a TLS 1.3 record (SSL3_RT_INNER_CONTENT_TYPE).
	TLSContentTypeInnerContentType TLSContentType = 0x101
)

var tlsContentTypeNames = map[TLSContentType]string{
	20: "CHANGE_CIPHER_SPEC", 21: "ALERT", 22: "HANDSHAKE", 23: "APPLICATION_DATA",
	0x100: "HEADER", 0x101: "INNER_CONTENT_TYPE",
}

// String returns Python's member name, such as "HANDSHAKE", or the number
// for an unknown value.
func (c TLSContentType) String() string { return enumName(tlsContentTypeNames, c) }

// PythonRepr returns Python's repr, such as "<_TLSContentType.HANDSHAKE: 22>".
func (c TLSContentType) PythonRepr() string {
	return enumRepr("_TLSContentType", tlsContentTypeNames, c)
}

// TLSAlertType is Python's private ssl._TLSAlertType: the description of
// a TLS alert, as the message callback receives it for alert records. It
// lists more alerts than AlertDescription (for example
// TLSAlertTypeCertificateRequired and TLSAlertTypeNoApplicationProtocol)
// and spells USER_CANCELED with one L, as Python does.
type TLSAlertType int

// TLS alert types.
const (
	TLSAlertTypeCloseNotify                  TLSAlertType = 0
	TLSAlertTypeUnexpectedMessage            TLSAlertType = 10
	TLSAlertTypeBadRecordMAC                 TLSAlertType = 20
	TLSAlertTypeDecryptionFailed             TLSAlertType = 21
	TLSAlertTypeRecordOverflow               TLSAlertType = 22
	TLSAlertTypeDecompressionFailure         TLSAlertType = 30
	TLSAlertTypeHandshakeFailure             TLSAlertType = 40
	TLSAlertTypeNoCertificate                TLSAlertType = 41
	TLSAlertTypeBadCertificate               TLSAlertType = 42
	TLSAlertTypeUnsupportedCertificate       TLSAlertType = 43
	TLSAlertTypeCertificateRevoked           TLSAlertType = 44
	TLSAlertTypeCertificateExpired           TLSAlertType = 45
	TLSAlertTypeCertificateUnknown           TLSAlertType = 46
	TLSAlertTypeIllegalParameter             TLSAlertType = 47
	TLSAlertTypeUnknownCA                    TLSAlertType = 48
	TLSAlertTypeAccessDenied                 TLSAlertType = 49
	TLSAlertTypeDecodeError                  TLSAlertType = 50
	TLSAlertTypeDecryptError                 TLSAlertType = 51
	TLSAlertTypeExportRestriction            TLSAlertType = 60
	TLSAlertTypeProtocolVersion              TLSAlertType = 70
	TLSAlertTypeInsufficientSecurity         TLSAlertType = 71
	TLSAlertTypeInternalError                TLSAlertType = 80
	TLSAlertTypeInappropriateFallback        TLSAlertType = 86
	TLSAlertTypeUserCanceled                 TLSAlertType = 90
	TLSAlertTypeNoRenegotiation              TLSAlertType = 100
	TLSAlertTypeMissingExtension             TLSAlertType = 109
	TLSAlertTypeUnsupportedExtension         TLSAlertType = 110
	TLSAlertTypeCertificateUnobtainable      TLSAlertType = 111
	TLSAlertTypeUnrecognizedName             TLSAlertType = 112
	TLSAlertTypeBadCertificateStatusResponse TLSAlertType = 113
	TLSAlertTypeBadCertificateHashValue      TLSAlertType = 114
	TLSAlertTypeUnknownPSKIdentity           TLSAlertType = 115
	TLSAlertTypeCertificateRequired          TLSAlertType = 116
	TLSAlertTypeNoApplicationProtocol        TLSAlertType = 120
)

var tlsAlertTypeNames = map[TLSAlertType]string{
	0: "CLOSE_NOTIFY", 10: "UNEXPECTED_MESSAGE", 20: "BAD_RECORD_MAC", 21: "DECRYPTION_FAILED",
	22: "RECORD_OVERFLOW", 30: "DECOMPRESSION_FAILURE", 40: "HANDSHAKE_FAILURE",
	41: "NO_CERTIFICATE", 42: "BAD_CERTIFICATE", 43: "UNSUPPORTED_CERTIFICATE",
	44: "CERTIFICATE_REVOKED", 45: "CERTIFICATE_EXPIRED", 46: "CERTIFICATE_UNKNOWN",
	47: "ILLEGAL_PARAMETER", 48: "UNKNOWN_CA", 49: "ACCESS_DENIED", 50: "DECODE_ERROR",
	51: "DECRYPT_ERROR", 60: "EXPORT_RESTRICTION", 70: "PROTOCOL_VERSION",
	71: "INSUFFICIENT_SECURITY", 80: "INTERNAL_ERROR", 86: "INAPPROPRIATE_FALLBACK",
	90: "USER_CANCELED", 100: "NO_RENEGOTIATION", 109: "MISSING_EXTENSION",
	110: "UNSUPPORTED_EXTENSION", 111: "CERTIFICATE_UNOBTAINABLE", 112: "UNRECOGNIZED_NAME",
	113: "BAD_CERTIFICATE_STATUS_RESPONSE", 114: "BAD_CERTIFICATE_HASH_VALUE",
	115: "UNKNOWN_PSK_IDENTITY", 116: "CERTIFICATE_REQUIRED", 120: "NO_APPLICATION_PROTOCOL",
}

// String returns Python's member name, such as "HANDSHAKE_FAILURE", or the
// number for an unknown value.
func (a TLSAlertType) String() string { return enumName(tlsAlertTypeNames, a) }

// PythonRepr returns Python's repr, such as "<_TLSAlertType.HANDSHAKE_FAILURE: 40>".
func (a TLSAlertType) PythonRepr() string { return enumRepr("_TLSAlertType", tlsAlertTypeNames, a) }

// TLSMessageType is Python's private ssl._TLSMessageType: the type of a
// handshake message, plus OpenSSL's pseudo type for change_cipher_spec
// (SSL3_MT_CHANGE_CIPHER_SPEC, 0x101).
type TLSMessageType int

// TLS message types.
const (
	TLSMessageTypeHelloRequest       TLSMessageType = 0
	TLSMessageTypeClientHello        TLSMessageType = 1
	TLSMessageTypeServerHello        TLSMessageType = 2
	TLSMessageTypeHelloVerifyRequest TLSMessageType = 3
	// TLSMessageTypeNewSessionTicket is Python's NEWSESSION_TICKET.
	TLSMessageTypeNewSessionTicket    TLSMessageType = 4
	TLSMessageTypeEndOfEarlyData      TLSMessageType = 5
	TLSMessageTypeHelloRetryRequest   TLSMessageType = 6
	TLSMessageTypeEncryptedExtensions TLSMessageType = 8
	TLSMessageTypeCertificate         TLSMessageType = 11
	TLSMessageTypeServerKeyExchange   TLSMessageType = 12
	TLSMessageTypeCertificateRequest  TLSMessageType = 13
	TLSMessageTypeServerDone          TLSMessageType = 14
	TLSMessageTypeCertificateVerify   TLSMessageType = 15
	TLSMessageTypeClientKeyExchange   TLSMessageType = 16
	TLSMessageTypeFinished            TLSMessageType = 20
	TLSMessageTypeCertificateURL      TLSMessageType = 21
	TLSMessageTypeCertificateStatus   TLSMessageType = 22
	TLSMessageTypeSupplementalData    TLSMessageType = 23
	TLSMessageTypeKeyUpdate           TLSMessageType = 24
	TLSMessageTypeNextProto           TLSMessageType = 67
	TLSMessageTypeMessageHash         TLSMessageType = 254
	TLSMessageTypeChangeCipherSpec    TLSMessageType = 0x101
)

var tlsMessageTypeNames = map[TLSMessageType]string{
	0: "HELLO_REQUEST", 1: "CLIENT_HELLO", 2: "SERVER_HELLO", 3: "HELLO_VERIFY_REQUEST",
	4: "NEWSESSION_TICKET", 5: "END_OF_EARLY_DATA", 6: "HELLO_RETRY_REQUEST",
	8: "ENCRYPTED_EXTENSIONS", 11: "CERTIFICATE", 12: "SERVER_KEY_EXCHANGE",
	13: "CERTIFICATE_REQUEST", 14: "SERVER_DONE", 15: "CERTIFICATE_VERIFY",
	16: "CLIENT_KEY_EXCHANGE", 20: "FINISHED", 21: "CERTIFICATE_URL", 22: "CERTIFICATE_STATUS",
	23: "SUPPLEMENTAL_DATA", 24: "KEY_UPDATE", 67: "NEXT_PROTO", 254: "MESSAGE_HASH",
	0x101: "CHANGE_CIPHER_SPEC",
}

// String returns Python's member name, such as "CLIENT_HELLO", or the
// number for an unknown value.
func (m TLSMessageType) String() string { return enumName(tlsMessageTypeNames, m) }

// PythonRepr returns Python's repr, such as "<_TLSMessageType.CLIENT_HELLO: 1>".
func (m TLSMessageType) PythonRepr() string {
	return enumRepr("_TLSMessageType", tlsMessageTypeNames, m)
}

// MsgTypeString names the msgType a message callback received with
// contentType, as Python's ssl.py converts it before calling the callback:
// a TLSContentType for a record header, a TLSAlertType for an alert, a
// TLSMessageType otherwise; the decimal number when the enumeration has no
// such member (-1, OpenSSL's "none", included).
func MsgTypeString(contentType TLSContentType, msgType int) string {
	switch contentType {
	case TLSContentTypeHeader:
		return TLSContentType(msgType).String()
	case TLSContentTypeAlert:
		return TLSAlertType(msgType).String()
	}
	return TLSMessageType(msgType).String()
}
