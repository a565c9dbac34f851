//go:build cgo

package sslctx_test

import (
	"path/filepath"
	"testing"

	"github.com/membio/membio/context"
	"github.com/membio/membio/cshim"
	"github.com/membio/membio/errors"
	"github.com/membio/membio/tests/pki"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newCtx(t *testing.T, p sslctx.Protocol) *sslctx.SSLContext {
	t.Helper()
	c, err := sslctx.New(p)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// Each protocol round-trips through Protocol(); unknown ones are refused
// with Python's message (test_constructor).
func TestConstructorProtocols(t *testing.T) {
	for _, p := range []sslctx.Protocol{sslctx.ProtocolTLS, sslctx.ProtocolTLSv1, sslctx.ProtocolTLSv1_1,
		sslctx.ProtocolTLSv1_2, sslctx.ProtocolTLSClient, sslctx.ProtocolTLSServer} {
		assert.Equal(t, p, newCtx(t, p).Protocol())
	}
	for _, p := range []sslctx.Protocol{-1, 0, 1, 42} {
		_, err := sslctx.New(p)
		assert.True(t, errors.Is(err, errors.ErrValue), "%d", p)
	}
	_, err := sslctx.New(42)
	assert.EqualError(t, err, "invalid or unsupported protocol version 42")
	assert.True(t, cshim.Available)
}

// Options are set and cleared as a whole value, including 0 and the
// deprecated OP_NO_TLS* bits (test_options).
func TestOptionsSetAndClear(t *testing.T) {
	c := newCtx(t, sslctx.ProtocolTLSClient)
	def := c.Options()
	require.NoError(t, c.SetOptions(def|sslctx.OpNoTLSv1))
	assert.Equal(t, def|sslctx.OpNoTLSv1, c.Options())
	require.NoError(t, c.SetOptions(c.Options()&^sslctx.OpNoTLSv1))
	assert.Equal(t, def, c.Options())
	require.NoError(t, c.SetOptions(0))
	assert.Equal(t, sslctx.Options(0), c.Options())
	require.NoError(t, c.SetOptions(sslctx.OpNoTicket|sslctx.OpIgnoreUnexpectedEOF))
	assert.Equal(t, sslctx.OpNoTicket|sslctx.OpIgnoreUnexpectedEOF, c.Options())
}

// Verify modes per protocol, the three values round-trip, and others are
// refused (test_verify_mode_protocol); check_hostname and verify_mode
// interact as in Python (test_check_hostname).
func TestVerifyModeAndCheckHostname(t *testing.T) {
	c := newCtx(t, sslctx.ProtocolTLSServer)
	assert.Equal(t, sslctx.CertNone, c.VerifyMode())
	for _, m := range []sslctx.VerifyMode{sslctx.CertOptional, sslctx.CertRequired, sslctx.CertNone} {
		require.NoError(t, c.SetVerifyMode(m))
		assert.Equal(t, m, c.VerifyMode())
	}
	assert.EqualError(t, c.SetVerifyMode(42), "invalid value for verify_mode")

	c = newCtx(t, sslctx.ProtocolTLSClient)
	assert.True(t, c.CheckHostname())
	assert.Equal(t, sslctx.CertRequired, c.VerifyMode())
	assert.EqualError(t, c.SetVerifyMode(sslctx.CertNone),
		"Cannot set verify_mode to CERT_NONE when check_hostname is enabled.")
	require.NoError(t, c.SetCheckHostname(false))
	require.NoError(t, c.SetVerifyMode(sslctx.CertNone))
	// turning check_hostname on switches CERT_NONE to CERT_REQUIRED
	require.NoError(t, c.SetCheckHostname(true))
	assert.Equal(t, sslctx.CertRequired, c.VerifyMode())
	// but leaves CERT_OPTIONAL alone
	require.NoError(t, c.SetCheckHostname(false))
	require.NoError(t, c.SetVerifyMode(sslctx.CertOptional))
	require.NoError(t, c.SetCheckHostname(true))
	assert.Equal(t, sslctx.CertOptional, c.VerifyMode())
}

// hostname_checks_common_name toggles HOSTFLAG_NEVER_CHECK_SUBJECT in the
// host flags (test_hostname_checks_common_name).
func TestHostnameChecksCommonName(t *testing.T) {
	c := newCtx(t, sslctx.ProtocolTLSClient)
	assert.True(t, c.HostnameChecksCommonName())
	require.NoError(t, c.SetHostnameChecksCommonName(false))
	assert.False(t, c.HostnameChecksCommonName())
	assert.Equal(t, sslctx.HostFlagNoPartialWildcards|sslctx.HostFlagNeverCheckSubject, c.HostFlags())
	require.NoError(t, c.SetHostnameChecksCommonName(true))
	assert.True(t, c.HostnameChecksCommonName())
	assert.Equal(t, sslctx.HostFlagNoPartialWildcards, c.HostFlags())
	require.NoError(t, c.SetHostFlags(sslctx.HostFlagNeverCheckSubject))
	assert.False(t, c.HostnameChecksCommonName())
}

// Minimum and maximum versions map MINIMUM/MAXIMUM_SUPPORTED as Python
// does; the values read back equal Python's after the same assignments
// (test_min_max_version).
func TestMinMaxVersionMatchesPython(t *testing.T) {
	type step struct {
		Max bool `json:"max"`
		V   int  `json:"v"`
	}
	steps := []step{
		{false, int(sslctx.TLSv1_1)}, {true, int(sslctx.TLSv1_2)},
		{false, int(sslctx.MinimumSupported)}, {true, int(sslctx.MaximumSupported)},
		{false, int(sslctx.MaximumSupported)}, {true, int(sslctx.MinimumSupported)},
		{false, int(sslctx.TLSv1_3)}, {true, int(sslctx.TLSv1_3)},
		{false, int(sslctx.SSLv3)}, {true, int(sslctx.TLSv1)},
	}
	var want [][2]int
	pythonJSON(t, `
import json, ssl, sys
c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
out = []
for s in json.loads(sys.argv[1]):
    if s["max"]:
        c.maximum_version = s["v"]
    else:
        c.minimum_version = s["v"]
    out.append([int(c.minimum_version), int(c.maximum_version)])
print(json.dumps(out))
`, &want, jsonString(t, steps))
	c := newCtx(t, sslctx.ProtocolTLSClient)
	for i, s := range steps {
		if s.Max {
			require.NoError(t, c.SetMaximumVersion(sslctx.TLSVersion(s.V)))
		} else {
			require.NoError(t, c.SetMinimumVersion(sslctx.TLSVersion(s.V)))
		}
		assert.Equal(t, want[i], [2]int{int(c.MinimumVersion()), int(c.MaximumVersion())}, "step %d", i)
	}
	// SSLv3 as minimum also clears OP_NO_SSLv3 (ssl.py)
	assert.Zero(t, c.Options()&sslctx.OpNoSSLv3)
	locked := newCtx(t, sslctx.ProtocolTLSv1_2)
	assert.Equal(t, sslctx.MinimumSupported, locked.MinimumVersion())
	assert.Equal(t, sslctx.MaximumSupported, locked.MaximumVersion())
	assert.EqualError(t, locked.SetMaximumVersion(sslctx.TLSv1_3),
		"The context's protocol doesn't support modification of highest and lowest version.")
}

// The security level is in 0..5 and follows @SECLEVEL in the cipher
// string (test_security_level).
func TestSecurityLevel(t *testing.T) {
	c := newCtx(t, sslctx.ProtocolTLSClient)
	assert.Equal(t, 2, c.SecurityLevel())
	require.NoError(t, c.SetCiphers("DEFAULT:@SECLEVEL=1"))
	assert.Equal(t, 1, c.SecurityLevel())
}

// Verify flags round-trip, including CRL checking and the 3.13 flags
// (test_verify_flags).
func TestVerifyFlagsRoundTrip(t *testing.T) {
	c := newCtx(t, sslctx.ProtocolTLSClient)
	for _, f := range []sslctx.VerifyFlags{
		sslctx.VerifyCRLCheckLeaf, sslctx.VerifyCRLCheckChain,
		sslctx.VerifyX509TrustedFirst | sslctx.VerifyX509Strict | sslctx.VerifyX509PartialChain,
		sslctx.VerifyDefault, sslctx.VerifyAllowProxyCerts,
	} {
		require.NoError(t, c.SetVerifyFlags(f))
		assert.Equal(t, f, c.VerifyFlags(), f.String())
	}
}

// num_tickets: readable everywhere, settable on server contexts only
// (test_num_tickest).
func TestNumTickets(t *testing.T) {
	s := newCtx(t, sslctx.ProtocolTLSServer)
	require.NoError(t, s.SetNumTickets(1))
	assert.Equal(t, 1, s.NumTickets())
	require.NoError(t, s.SetNumTickets(0))
	assert.Equal(t, 0, s.NumTickets())
	assert.EqualError(t, s.SetNumTickets(-1), "value must be non-negative")
	c := newCtx(t, sslctx.ProtocolTLSClient)
	assert.Equal(t, 2, c.NumTickets())
	assert.EqualError(t, c.SetNumTickets(1), "SSLContext is not a server context.")
	assert.EqualError(t, c.SetNumTickets(-1), "value must be non-negative")
}

// post_handshake_auth is a stored flag, off by default.
func TestPostHandshakeAuthFlag(t *testing.T) {
	c := newCtx(t, sslctx.ProtocolTLSClient)
	assert.False(t, c.PostHandshakeAuth())
	require.NoError(t, c.SetPostHandshakeAuth(true))
	assert.True(t, c.PostHandshakeAuth())
}

// A fresh context has 11 zero session counters (test_session_stats).
func TestSessionStatsStartAtZero(t *testing.T) {
	for _, p := range []sslctx.Protocol{sslctx.ProtocolTLSClient, sslctx.ProtocolTLSServer} {
		assert.Equal(t, sslctx.SessionStats{}, newCtx(t, p).SessionStats())
	}
}

// The server counts accepted handshakes and the client connects.
func TestSessionStatsCountHandshakes(t *testing.T) {
	p := pki.ForTest(t)
	cctx := clientCtx(t)
	sctx := serverCtx(t, p.ServerRSA)
	client, server := newPeer(t, cctx, false, pki.Host), newPeer(t, sctx, true, "")
	handshake(client, server)
	require.NoError(t, client.err)
	require.NoError(t, server.err)
	assert.Equal(t, int64(1), sctx.SessionStats().Accept)
	assert.Equal(t, int64(1), sctx.SessionStats().AcceptGood)
	assert.Equal(t, int64(1), cctx.SessionStats().Connect)
}

// cert_store_stats and get_ca_certs list only CA certificates, with the
// dictionaries Python returns for the same store (test_cert_store_stats,
// test_get_ca_certs).
func TestCertStoreStatsAndCACertsMatchPython(t *testing.T) {
	p := pki.ForTest(t)
	var want struct {
		Stats map[string]int `json:"stats"`
		Empty map[string]int `json:"empty"`
		Certs []string       `json:"certs"`
		DER   int            `json:"der"`
	}
	pythonJSON(t, `
import json, ssl, sys
c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
empty = c.cert_store_stats()
c.load_verify_locations(sys.argv[1])
c.load_verify_locations(sys.argv[2])
c.load_verify_locations(cadata=open(sys.argv[3], "rb").read())
json.dump({"empty": empty, "stats": c.cert_store_stats(),
           "certs": [repr(x) for x in c.get_ca_certs()], "der": len(c.get_ca_certs(True))}, sys.stdout)
`, &want, p.CAFile, p.ServerRSA.CertFile, writeFile(t, "i.der", p.Intermediate.DER))
	c := newCtx(t, sslctx.ProtocolTLSClient)
	assert.Equal(t, sslctx.CertStoreStats{}, c.CertStoreStats())
	assert.Equal(t, want.Empty, map[string]int{"x509": 0, "crl": 0, "x509_ca": 0})
	require.NoError(t, c.LoadVerifyLocations(p.CAFile, "", sslctx.CAData{}))
	require.NoError(t, c.LoadVerifyLocations(p.ServerRSA.CertFile, "", sslctx.CAData{}))
	require.NoError(t, c.LoadVerifyLocations("", "", sslctx.CADataDER(p.Intermediate.DER)))
	st := c.CertStoreStats()
	assert.Equal(t, want.Stats, map[string]int{"x509": st.X509, "crl": st.CRL, "x509_ca": st.X509CA})
	certs, err := c.GetCACerts()
	require.NoError(t, err)
	var reprs []string
	for _, cert := range certs {
		reprs = append(reprs, cert.PythonRepr())
	}
	assert.Equal(t, want.Certs, reprs)
	ders, err := c.GetCACertsDER()
	require.NoError(t, err)
	assert.Len(t, ders, want.DER)
}

// load_default_certs and set_default_verify_paths honour SSL_CERT_FILE and
// SSL_CERT_DIR (test_load_default_certs, test_load_default_certs_env).
func TestLoadDefaultCertsHonoursEnvironment(t *testing.T) {
	p := pki.ForTest(t)
	t.Setenv("SSL_CERT_FILE", p.CAFile)
	t.Setenv("SSL_CERT_DIR", filepath.Dir(p.CAFile))
	for _, purpose := range []sslctx.Purpose{sslctx.PurposeServerAuth, sslctx.PurposeClientAuth} {
		c := newCtx(t, sslctx.ProtocolTLSClient)
		require.NoError(t, c.LoadDefaultCerts(purpose))
		assert.Equal(t, sslctx.CertStoreStats{X509: 1, X509CA: 1}, c.CertStoreStats())
	}
	c := newCtx(t, sslctx.ProtocolTLSClient)
	require.NoError(t, c.SetDefaultVerifyPaths())
	assert.Equal(t, 1, c.CertStoreStats().X509)
}

// CreateDefaultContext loads the given CA data instead of the defaults,
// treats empty data as absent, and sets the keylog file from SSLKEYLOGFILE.
func TestCreateDefaultContextLoadsCAsAndKeylog(t *testing.T) {
	p := pki.ForTest(t)
	keylog := filepath.Join(t.TempDir(), "keys")
	t.Setenv("SSLKEYLOGFILE", keylog)
	c, err := sslctx.CreateDefaultContext(sslctx.PurposeServerAuth, "", "", sslctx.CADataDER(p.Root.DER))
	require.NoError(t, err)
	defer c.Close()
	assert.Equal(t, sslctx.CertStoreStats{X509: 1, X509CA: 1}, c.CertStoreStats())
	assert.Equal(t, keylog, c.KeylogFilename())
	_, err = sslctx.CreateDefaultContext(sslctx.PurposeServerAuth, filepath.Join(t.TempDir(), "none"), "", sslctx.CAData{})
	assert.Error(t, err)
	t.Setenv("SSLKEYLOGFILE", "")
	c2, err := sslctx.CreateDefaultContext(sslctx.PurposeClientAuth, "", "", sslctx.CADataPEM(""))
	require.NoError(t, err)
	defer c2.Close()
	assert.Equal(t, sslctx.CertNone, c2.VerifyMode())
	assert.Equal(t, "", c2.KeylogFilename())
}

// Client and server contexts can be configured symmetrically
// (test_context_client_server).
func TestContextClientServer(t *testing.T) {
	c := newCtx(t, sslctx.ProtocolTLSClient)
	assert.True(t, c.CheckHostname())
	assert.Equal(t, sslctx.CertRequired, c.VerifyMode())
	s := newCtx(t, sslctx.ProtocolTLSServer)
	assert.False(t, s.CheckHostname())
	assert.Equal(t, sslctx.CertNone, s.VerifyMode())
}

// NPN is unavailable with OpenSSL 3, as in Python.
func TestSetNPNProtocolsIsUnsupported(t *testing.T) {
	c := newCtx(t, sslctx.ProtocolTLSClient)
	assert.ErrorIs(t, c.SetNPNProtocols([]string{"http/1.1"}), sslctx.ErrNPNUnsupported)
	assert.False(t, sslctx.HasNPN)
}
