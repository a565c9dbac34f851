//go:build cgo

package sslctx_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/membio/membio/context"
	"github.com/membio/membio/cshim"
	"github.com/membio/membio/errors"
	"github.com/membio/membio/tests/pki"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// DER and PEM conversions round-trip and produce Python's exact text
// (test_DER_to_PEM), including Python's lenient header/footer rules.
func TestDERAndPEMConversionsMatchPython(t *testing.T) {
	p := pki.ForTest(t)
	der := p.ServerRSA.DER
	var want struct {
		PEM string `json:"pem"`
	}
	pythonJSON(t, `
import json, ssl, sys
der = open(sys.argv[1], "rb").read()
json.dump({"pem": ssl.DER_cert_to_PEM_cert(ssl.PEM_cert_to_DER_cert(open(sys.argv[1]).read()))}, sys.stdout)
`, &want, p.ServerRSA.CertFile)
	pem := sslctx.DERCertToPEMCert(der)
	assert.Equal(t, want.PEM, pem)
	back, err := sslctx.PEMCertToDERCert(pem)
	require.NoError(t, err)
	assert.Equal(t, der, back)
	// trailing white space is fine, leading is not
	back, err = sslctx.PEMCertToDERCert(pem + "\n\n  ")
	require.NoError(t, err)
	assert.Equal(t, der, back)
	_, err = sslctx.PEMCertToDERCert(" " + pem)
	assert.EqualError(t, err, "Invalid PEM encoding; must start with -----BEGIN CERTIFICATE-----")
	assert.True(t, errors.Is(err, errors.ErrValue))
	_, err = sslctx.PEMCertToDERCert(pem[:len(pem)-10])
	assert.EqualError(t, err, "Invalid PEM encoding; must end with -----END CERTIFICATE-----")
	assert.Equal(t, "-----BEGIN CERTIFICATE-----\n\n-----END CERTIFICATE-----\n", sslctx.DERCertToPEMCert(nil))
}

// CertTimeToSeconds agrees with Python's cert_time_to_seconds on valid and
// invalid input (test_cert_time_to_seconds).
func TestCertTimeToSecondsMatchesPython(t *testing.T) {
	inputs := []string{
		"Jan  5 09:34:43 2018 GMT", "Jan 5 09:34:43 2018 GMT", "JaN  5 09:34:43 2018 GmT",
		"Jan  5 09:34 2018 GMT", "Jan  5 09:34:43 2018 UTC", "Jan  5 09:34:43 2018",
		"Jan  5 09:34:61 2018 GMT", "Jan  5 09:34:62 2018 GMT", "Feb 31 00:00:00 2018 GMT",
		"Dec 31 23:59:60 2017 GMT", "Jan  5 09:34:43 2018 GMT ", "Xyz  5 09:34:43 2018 GMT",
		"Janvier 5 09:34:43 2018 GMT", "Jan05 09:34:43 2018 GMT", "Jan 05 09:34:43 2018 GMT",
		"Jan 32 09:34:43 2018 GMT", "", "Jan",
	}
	var want []struct {
		OK  bool   `json:"ok"`
		V   int64  `json:"v"`
		Err string `json:"err"`
	}
	pythonJSON(t, `
import json, ssl, sys
out = []
for s in json.loads(sys.argv[1]):
    try:
        out.append({"ok": True, "v": ssl.cert_time_to_seconds(s)})
    except ValueError as e:
        out.append({"ok": False, "err": str(e)})
json.dump(out, sys.stdout)
`, &want, jsonString(t, inputs))
	require.Len(t, want, len(inputs))
	for i, in := range inputs {
		got, err := sslctx.CertTimeToSeconds(in)
		if want[i].OK {
			if assert.NoError(t, err, in) {
				assert.Equal(t, want[i].V, got, in)
			}
		} else if assert.Error(t, err, in) {
			assert.Equal(t, want[i].Err, err.Error(), in)
			assert.True(t, errors.Is(err, errors.ErrValue))
		}
	}
	v, err := sslctx.CertTimeToSeconds("Jan  5 09:34:43 2018 GMT")
	require.NoError(t, err)
	assert.Equal(t, int64(1515144883), v)
}

// GetDefaultVerifyPaths reports what Python reports, including the
// environment override (test_get_default_verify_paths).
func TestGetDefaultVerifyPathsMatchesPython(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SSL_CERT_DIR", dir)
	var want []*string
	pythonJSON(t, `
import json, ssl, sys
json.dump(list(ssl.get_default_verify_paths()), sys.stdout)
`, &want)
	got := sslctx.GetDefaultVerifyPaths()
	s := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	require.Len(t, want, 6)
	assert.Equal(t, s(want[0]), got.CAFile)
	assert.Equal(t, dir, got.CAPath)
	assert.Equal(t, s(want[1]), got.CAPath)
	assert.Equal(t, s(want[2]), got.OpenSSLCAFileEnv)
	assert.Equal(t, s(want[3]), got.OpenSSLCAFile)
	assert.Equal(t, s(want[4]), got.OpenSSLCAPathEnv)
	assert.Equal(t, s(want[5]), got.OpenSSLCAPath)
}

// The OpenSSL version values equal Python's, including its nibble decoding
// of the 3.x number (test_openssl_version); the HAS_* constants agree with
// Python's on this OpenSSL (test_constants).
func TestVersionsAndFeatureFlagsMatchPython(t *testing.T) {
	var want struct {
		Version string          `json:"version"`
		Number  uint64          `json:"number"`
		Info    []int           `json:"info"`
		API     []int           `json:"api"`
		Has     map[string]bool `json:"has"`
		CB      []string        `json:"cb"`
	}
	pythonJSON(t, `
import json, ssl, sys
has = {n: getattr(ssl, n) for n in dir(ssl) if n.startswith("HAS_")}
json.dump({"version": ssl.OPENSSL_VERSION, "number": ssl.OPENSSL_VERSION_NUMBER,
           "info": list(ssl.OPENSSL_VERSION_INFO), "api": list(ssl._ssl._OPENSSL_API_VERSION),
           "has": has, "cb": ssl.CHANNEL_BINDING_TYPES}, sys.stdout)
`, &want)
	assert.Equal(t, want.Version, sslctx.OpenSSLVersion())
	assert.Equal(t, want.Number, sslctx.OpenSSLVersionNumber())
	info := sslctx.OpenSSLVersionInfo()
	assert.Equal(t, want.Info, []int{info.Major, info.Minor, info.Fix, info.Patch, info.Status})
	// The API version is that of the headers each was compiled against:
	// the same release series, not necessarily the same patch release
	// (Debian's python3 may have been built against older 3.0 headers).
	api := sslctx.OpenSSLAPIVersion()
	require.Len(t, want.API, 5)
	assert.Equal(t, want.API[:2], []int{api.Major, api.Minor})
	compiled, _ := cshim.CompileVersion()
	assert.Equal(t, compiled>>20, uint64(api.Major)<<8|uint64(api.Minor), "API version decodes the compile-time number")
	goHas := map[string]bool{
		"HAS_SNI": sslctx.HasSNI, "HAS_ECDH": sslctx.HasECDH, "HAS_NPN": sslctx.HasNPN,
		"HAS_ALPN": sslctx.HasALPN, "HAS_NEVER_CHECK_COMMON_NAME": sslctx.HasNeverCheckCommonName,
		"HAS_SSLv2": sslctx.HasSSLv2, "HAS_SSLv3": sslctx.HasSSLv3, "HAS_TLSv1": sslctx.HasTLSv1,
		"HAS_TLSv1_1": sslctx.HasTLSv1_1, "HAS_TLSv1_2": sslctx.HasTLSv1_2, "HAS_TLSv1_3": sslctx.HasTLSv1_3,
		"HAS_PSK": sslctx.HasPSK, "HAS_PHA": sslctx.HasPHA, "HAS_PSK_TLS13": sslctx.HasPSKTLS13,
	}
	for name, v := range want.Has { // 3.11 lacks HAS_PSK and HAS_PHA
		assert.Equal(t, v, goHas[name], name)
	}
	assert.Equal(t, want.CB, sslctx.ChannelBindingTypes())
}

// RANDBytes returns fresh bytes of the asked length, RANDStatus is true,
// RANDAdd accepts data, and a negative length is a ValueError (test_random).
func TestRandomFunctions(t *testing.T) {
	assert.True(t, sslctx.RANDStatus())
	a, err := sslctx.RANDBytes(16)
	require.NoError(t, err)
	b, err := sslctx.RANDBytes(16)
	require.NoError(t, err)
	assert.Len(t, a, 16)
	assert.False(t, bytes.Equal(a, b))
	z, err := sslctx.RANDBytes(0)
	require.NoError(t, err)
	assert.Empty(t, z)
	_, err = sslctx.RANDBytes(-1)
	assert.EqualError(t, err, "num must be positive")
	sslctx.RANDAdd([]byte("this is a random string"), 75.0)
	sslctx.RANDAdd(nil, 0)
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, data, 0o600))
	return p
}
