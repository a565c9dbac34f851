//go:build cgo

package sslctx_test

import (
	"testing"

	"github.com/membio/membio/context"
	"github.com/stretchr/testify/assert"
)

// Python's private _TLSContentType, _TLSAlertType and _TLSMessageType have
// Go enumerations with the same members and values, whose String is the
// member name and PythonRepr the repr (TestEnumerations).
func TestPrivateTLSEnumsMatchPythonMembers(t *testing.T) {
	var want map[string]map[string]int
	pythonJSON(t, `
import json, ssl, sys
out = {}
for cls in (ssl._TLSContentType, ssl._TLSAlertType, ssl._TLSMessageType):
    out[cls.__name__] = {name: int(m.value) for name, m in cls.__members__.items()}
    out[cls.__name__ + " repr"] = {repr(m): int(m.value) for m in cls}
json.dump(out, sys.stdout)
`, &want)
	names := func(name func(int) string, repr func(int) string, max int) (map[string]int, map[string]int) {
		members, reprs := map[string]int{}, map[string]int{}
		for n := 0; n <= max; n++ {
			if s := name(n); s != itoa(n) {
				members[s] = n
				reprs[repr(n)] = n
			}
		}
		return members, reprs
	}
	m, r := names(func(n int) string { return sslctx.TLSContentType(n).String() },
		func(n int) string { return sslctx.TLSContentType(n).PythonRepr() }, 0x200)
	assert.Equal(t, want["_TLSContentType"], m)
	assert.Equal(t, want["_TLSContentType repr"], r)
	m, r = names(func(n int) string { return sslctx.TLSAlertType(n).String() },
		func(n int) string { return sslctx.TLSAlertType(n).PythonRepr() }, 0x200)
	assert.Equal(t, want["_TLSAlertType"], m)
	assert.Equal(t, want["_TLSAlertType repr"], r)
	m, r = names(func(n int) string { return sslctx.TLSMessageType(n).String() },
		func(n int) string { return sslctx.TLSMessageType(n).PythonRepr() }, 0x200)
	assert.Equal(t, want["_TLSMessageType"], m)
	assert.Equal(t, want["_TLSMessageType repr"], r)

	// spot checks of the Go constant names
	assert.Equal(t, 22, int(sslctx.TLSContentTypeHandshake))
	assert.Equal(t, 0x101, int(sslctx.TLSContentTypeInnerContentType))
	assert.Equal(t, 90, int(sslctx.TLSAlertTypeUserCanceled))
	assert.Equal(t, 120, int(sslctx.TLSAlertTypeNoApplicationProtocol))
	assert.Equal(t, "NEWSESSION_TICKET", sslctx.TLSMessageTypeNewSessionTicket.String())
	assert.Equal(t, 0x101, int(sslctx.TLSMessageTypeChangeCipherSpec))
	assert.Equal(t, "<_TLSAlertType: 7>", sslctx.TLSAlertType(7).PythonRepr())
}

// MsgTypeString converts a message callback's msgType with the enumeration
// ssl.py picks for the content type: _TLSContentType for a record header,
// _TLSAlertType for an alert, _TLSMessageType otherwise.
func TestMsgTypeStringPicksTheEnumOfTheContentType(t *testing.T) {
	assert.Equal(t, "HANDSHAKE", sslctx.MsgTypeString(sslctx.TLSContentTypeHeader, 22))
	assert.Equal(t, "DECRYPT_ERROR", sslctx.MsgTypeString(sslctx.TLSContentTypeAlert, 51))
	assert.Equal(t, "CLIENT_HELLO", sslctx.MsgTypeString(sslctx.TLSContentTypeHandshake, 1))
	assert.Equal(t, "CHANGE_CIPHER_SPEC", sslctx.MsgTypeString(sslctx.TLSContentTypeChangeCipherSpec, 0x101))
	// ssl.py converts the inner content type with _TLSMessageType too
	assert.Equal(t, "CERTIFICATE_STATUS", sslctx.MsgTypeString(sslctx.TLSContentTypeInnerContentType, 22))
	assert.Equal(t, "-1", sslctx.MsgTypeString(sslctx.TLSContentTypeApplicationData, -1))
	assert.Equal(t, "99", sslctx.MsgTypeString(sslctx.TLSContentTypeHandshake, 99))
}
