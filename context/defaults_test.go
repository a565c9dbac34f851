//go:build cgo

package sslctx_test

import (
	"testing"

	"github.com/membio/membio/context"
	"github.com/membio/membio/cshim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type pyDefaults struct {
	Options        uint64 `json:"options"`
	VerifyMode     int    `json:"verify_mode"`
	CheckHostname  bool   `json:"check_hostname"`
	VerifyFlags    uint64 `json:"verify_flags"`
	Minimum        int    `json:"minimum_version"`
	Maximum        int    `json:"maximum_version"`
	SecurityLevel  int    `json:"security_level"`
	NumTickets     int    `json:"num_tickets"`
	PHA            bool   `json:"post_handshake_auth"`
	CommonName     bool   `json:"hostname_checks_common_name"`
	HostFlags      uint32 `json:"host_flags"`
	SNI            bool   `json:"sni_callback"`
	Keylog         bool   `json:"keylog_filename"`
	Protocol       int    `json:"protocol"`
	DefaultCiphers string `json:"default_ciphers"`
}

const pyDefaultsScript = `
import json, ssl, sys
out = {}
for p in (2, 3, 4, 5, 16, 17):
    c = ssl.SSLContext(p)
    out[str(p)] = dict(options=int(c.options), verify_mode=int(c.verify_mode),
        check_hostname=c.check_hostname, verify_flags=int(c.verify_flags),
        minimum_version=int(c.minimum_version), maximum_version=int(c.maximum_version),
        security_level=c.security_level, num_tickets=c.num_tickets,
        post_handshake_auth=c.post_handshake_auth,
        hostname_checks_common_name=c.hostname_checks_common_name,
        host_flags=c._host_flags, sni_callback=c.sni_callback is not None,
        keylog_filename=c.keylog_filename is not None, protocol=int(c.protocol),
        default_ciphers=ssl._DEFAULT_CIPHERS)
json.dump(out, sys.stdout)
`

// Every default of §3.7, for every protocol, equals the value python3
// reports for the same protocol on the same OpenSSL.
func TestNewMatchesPythonDefaultsForEveryProtocol(t *testing.T) {
	var want map[string]pyDefaults
	pythonJSON(t, pyDefaultsScript, &want)
	for _, p := range []sslctx.Protocol{sslctx.ProtocolTLS, sslctx.ProtocolTLSv1, sslctx.ProtocolTLSv1_1,
		sslctx.ProtocolTLSv1_2, sslctx.ProtocolTLSClient, sslctx.ProtocolTLSServer} {
		t.Run(p.String(), func(t *testing.T) {
			w, ok := want[itoa(int(p))]
			require.True(t, ok)
			c, err := sslctx.New(p)
			require.NoError(t, err)
			defer c.Close()
			assert.Equal(t, sslctx.Options(w.Options), c.Options(), "options")
			assert.Equal(t, sslctx.VerifyMode(w.VerifyMode), c.VerifyMode(), "verify_mode")
			assert.Equal(t, w.CheckHostname, c.CheckHostname(), "check_hostname")
			assert.Equal(t, sslctx.VerifyFlags(w.VerifyFlags), c.VerifyFlags(), "verify_flags")
			assert.Equal(t, sslctx.TLSVersion(w.Minimum), c.MinimumVersion(), "minimum_version")
			assert.Equal(t, sslctx.TLSVersion(w.Maximum), c.MaximumVersion(), "maximum_version")
			assert.Equal(t, w.SecurityLevel, c.SecurityLevel(), "security_level")
			assert.Equal(t, w.NumTickets, c.NumTickets(), "num_tickets")
			assert.Equal(t, w.PHA, c.PostHandshakeAuth(), "post_handshake_auth")
			assert.Equal(t, w.CommonName, c.HostnameChecksCommonName(), "hostname_checks_common_name")
			assert.Equal(t, sslctx.HostFlags(w.HostFlags), c.HostFlags(), "_host_flags")
			assert.Equal(t, w.SNI, c.SNICallback() != nil, "sni_callback")
			assert.Equal(t, w.Keylog, c.KeylogFilename() != "", "keylog_filename")
			assert.Equal(t, sslctx.Protocol(w.Protocol), c.Protocol(), "protocol")
			assert.Equal(t, w.DefaultCiphers, cshim.DefaultCiphers)
		})
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

type pyCipher struct {
	ID           uint64  `json:"id"`
	Name         string  `json:"name"`
	Protocol     string  `json:"protocol"`
	Description  string  `json:"description"`
	StrengthBits int     `json:"strength_bits"`
	AlgBits      int     `json:"alg_bits"`
	AEAD         bool    `json:"aead"`
	Symmetric    *string `json:"symmetric"`
	Digest       *string `json:"digest"`
	KEA          *string `json:"kea"`
	Auth         *string `json:"auth"`
}

func strOrEmpty(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// GetCiphers returns, field for field and in order, what Python's
// get_ciphers() returns for a default context and after set_ciphers.
func TestGetCiphersMatchesPython(t *testing.T) {
	for _, setting := range []string{"", "ECDHE+AESGCM", "ALL"} {
		t.Run("set_ciphers("+setting+")", func(t *testing.T) {
			var want []pyCipher
			pythonJSON(t, `
import json, ssl, sys
c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
if sys.argv[1]:
    c.set_ciphers(sys.argv[1])
json.dump(c.get_ciphers(), sys.stdout)
`, &want, setting)
			c, err := sslctx.New(sslctx.ProtocolTLSClient)
			require.NoError(t, err)
			defer c.Close()
			if setting != "" {
				require.NoError(t, c.SetCiphers(setting))
			}
			got, err := c.GetCiphers()
			require.NoError(t, err)
			require.Len(t, got, len(want))
			for i, w := range want {
				assert.Equal(t, sslctx.Cipher{
					ID: w.ID, Name: w.Name, Protocol: w.Protocol, Description: w.Description,
					StrengthBits: w.StrengthBits, AlgBits: w.AlgBits, AEAD: w.AEAD,
					Symmetric: strOrEmpty(w.Symmetric), Digest: strOrEmpty(w.Digest),
					KEA: strOrEmpty(w.KEA), Auth: strOrEmpty(w.Auth),
				}, got[i], "cipher %d", i)
			}
		})
	}
}

// The default cipher list is Python's: 17 entries, TLS 1.3 suites first,
// AES-GCM among them, and none of PSK, SRP, MD5, RC4 or 3DES
// (test_python_ciphers, test_get_ciphers).
func TestDefaultCiphersExcludeWeakSuites(t *testing.T) {
	c, err := sslctx.New(sslctx.ProtocolTLSServer)
	require.NoError(t, err)
	defer c.Close()
	got, err := c.GetCiphers()
	require.NoError(t, err)
	require.Len(t, got, 17)
	for i := 0; i < 3; i++ {
		assert.Equal(t, "TLSv1.3", got[i].Protocol)
	}
	sawGCM := false
	for _, ci := range got {
		for _, bad := range []string{"PSK", "SRP", "MD5", "RC4", "3DES"} {
			assert.NotContains(t, ci.Name, bad)
		}
		if ci.Symmetric == "aes-256-gcm" || ci.Symmetric == "aes-128-gcm" {
			sawGCM = true
		}
	}
	assert.True(t, sawGCM)
}

// CreateDefaultContext follows Python 3.13: the TLS_CLIENT defaults plus
// PARTIAL_CHAIN and STRICT (python3 3.11 on this machine leaves those two
// out; the rest must match it).
func TestCreateDefaultContextUsesPython313Flags(t *testing.T) {
	var want map[string]pyDefaults
	pythonJSON(t, `
import json, ssl, sys
out = {}
for name, p in (("server", ssl.Purpose.SERVER_AUTH), ("client", ssl.Purpose.CLIENT_AUTH)):
    c = ssl.create_default_context(p)
    out[name] = dict(options=int(c.options), verify_mode=int(c.verify_mode),
        check_hostname=c.check_hostname, verify_flags=int(c.verify_flags),
        minimum_version=int(c.minimum_version), protocol=int(c.protocol))
json.dump(out, sys.stdout)
`, &want)
	t.Setenv("SSLKEYLOGFILE", "")
	for name, purpose := range map[string]sslctx.Purpose{"server": sslctx.PurposeServerAuth, "client": sslctx.PurposeClientAuth} {
		t.Run(name, func(t *testing.T) {
			w := want[name]
			c, err := sslctx.CreateDefaultContext(purpose, "", "", sslctx.CAData{})
			require.NoError(t, err)
			defer c.Close()
			assert.Equal(t, sslctx.Protocol(w.Protocol), c.Protocol())
			assert.Equal(t, sslctx.Options(w.Options), c.Options())
			assert.Equal(t, sslctx.VerifyMode(w.VerifyMode), c.VerifyMode())
			assert.Equal(t, w.CheckHostname, c.CheckHostname())
			assert.Equal(t, sslctx.TLSVersion(w.Minimum), c.MinimumVersion())
			// 3.11 has TRUSTED_FIRST only; 3.13 adds PARTIAL_CHAIN|STRICT.
			assert.Equal(t, sslctx.VerifyFlags(w.VerifyFlags)|sslctx.VerifyX509PartialChain|sslctx.VerifyX509Strict, c.VerifyFlags())
		})
	}
	_, err := sslctx.CreateDefaultContext(sslctx.Purpose{NID: 1, ShortName: "x", LongName: "y"}, "", "", sslctx.CAData{})
	assert.ErrorContains(t, err, "_ASN1Object(nid=1")
}
