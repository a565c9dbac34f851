//go:build cgo

package sslctx_test

import (
	"net"
	"os/exec"
	"strings"
	"testing"

	"github.com/membio/membio/context"
	"github.com/membio/membio/errors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// openssl runs the openssl command line tool and returns its combined
// output and whether it exited with status 0. A missing tool fails the
// test: make deps installs it.
func openssl(t testing.TB, args ...string) (string, bool) {
	t.Helper()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatal("openssl not found on PATH: make deps installs it")
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader("")
	out, err := cmd.CombinedOutput()
	if _, isExit := err.(*exec.ExitError); err != nil && !isExit {
		t.Fatalf("openssl %v: %v", args, err)
	}
	return string(out), err == nil
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// opensslAccepts reports whether openssl s_client accepts the option
// (-groups, -sigalgs) with value: it configures its SSL_CTX with it before
// connecting, so a refused value fails before the (refused) connection.
func opensslAccepts(t testing.TB, option, value string) bool {
	t.Helper()
	out, _ := openssl(t, "s_client", "-connect", closedPort(t), option, value)
	if strings.Contains(out, "SSL_CONF_cmd") {
		return false
	}
	require.Contains(t, out, "connect", "unexpected s_client output: %s", out)
	return true
}

func tls13Suites(t *testing.T, c *sslctx.SSLContext) string {
	t.Helper()
	ciphers, err := c.GetCiphers()
	require.NoError(t, err)
	var names []string
	for _, ci := range ciphers {
		if ci.Protocol == "TLSv1.3" {
			names = append(names, ci.Name)
		}
	}
	return strings.Join(names, ":")
}

// SetCiphersuites sets the TLS 1.3 suites exactly as OpenSSL's own
// "openssl ciphers -ciphersuites" configures them, unknown names ignored;
// a list with no valid suite fails in both.
func TestSetCiphersuitesConfiguresTheSuitesOpenSSLDoes(t *testing.T) {
	for _, s := range []string{
		"TLS_AES_128_GCM_SHA256",
		"TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384",
		"TLS_AES_128_GCM_SHA256:bogus",
		"TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256:TLS_AES_256_GCM_SHA384",
		"",
	} {
		c := newCtx(t, sslctx.ProtocolTLSClient)
		require.NoError(t, c.SetCiphersuites(s), s)
		out, ok := openssl(t, "ciphers", "-s", "-tls1_3", "-ciphersuites", s)
		require.True(t, ok, out)
		assert.Equal(t, strings.TrimSpace(out), tls13Suites(t, c), s)
	}

	c := newCtx(t, sslctx.ProtocolTLSServer)
	before := tls13Suites(t, c)
	var err error
	assert.True(t, queueEmptyAfter(func() { err = c.SetCiphersuites("bogus:AES128-SHA") }))
	_, ok := openssl(t, "ciphers", "-s", "-tls1_3", "-ciphersuites", "bogus:AES128-SHA")
	assert.False(t, ok, "openssl accepts the list")
	var se *errors.SSLError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "No cipher suite can be selected.", se.Error())
	assert.True(t, se.ArgsOnly, "built as set_ciphers builds its error")
	assert.Equal(t, before, tls13Suites(t, c), "a failed call leaves the suites alone")

	var ve *errors.ValueError
	assert.ErrorAs(t, c.SetCiphersuites("TLS_AES_128_GCM_SHA256\x00"), &ve)
	require.NoError(t, c.Close())
	assert.ErrorIs(t, c.SetCiphersuites("TLS_AES_128_GCM_SHA256"), sslctx.ErrClosed)
}

// set_groups accepts OpenSSL group names and aliases and refuses unknown
// ones with an SSLError (test_set_groups), leaving the queue empty.
func TestSetGroupsAcceptsNamesAndRefusesUnknownOnes(t *testing.T) {
	c := newCtx(t, sslctx.ProtocolTLSClient)
	assert.NoError(t, c.SetGroups("P-256:X25519"))
	assert.NoError(t, c.SetGroups("x448:secp521r1:ffdhe3072"))
	for _, bad := range []string{"P-256:xxx", "", "x25519:x25519"} {
		var err error
		assert.True(t, queueEmptyAfter(func() { err = c.SetGroups(bad) }), bad)
		var se *errors.SSLError
		require.ErrorAs(t, err, &se, bad)
		assert.Equal(t, "unrecognized group", se.Error())
		assert.Equal(t, "", se.Library)
		assert.Equal(t, 0, se.Errno)
	}
	var ve *errors.ValueError
	assert.ErrorAs(t, c.SetGroups("x25519\x00"), &ve)
	require.NoError(t, c.Close())
	assert.ErrorIs(t, c.SetGroups("x25519"), sslctx.ErrClosed)
}

// get_groups lists the groups OpenSSL implements, by TLS group number,
// without aliases unless asked (test_get_groups: "P-256" only with
// include_aliases), filtered by the context's version bounds; OpenSSL
// itself accepts every name listed.
func TestGetGroupsListsTheImplementedGroups(t *testing.T) {
	c := newCtx(t, sslctx.ProtocolTLSClient)
	var names, all []string
	var err, err2 error
	assert.True(t, queueEmptyAfter(func() {
		names, err = c.GetGroups(false)
		all, err2 = c.GetGroups(true)
	}))
	require.NoError(t, err)
	require.NoError(t, err2)
	assert.NotContains(t, names, "P-256")
	assert.Contains(t, all, "P-256")
	for _, g := range []string{"secp256r1", "secp384r1", "secp521r1", "x25519", "x448", "ffdhe2048", "ffdhe8192"} {
		assert.Contains(t, names, g)
	}
	assert.Less(t, indexOf(names, "secp256r1"), indexOf(names, "x25519"), "ascending by group number (23 < 29)")
	assert.Less(t, indexOf(names, "x25519"), indexOf(names, "ffdhe2048"), "ascending by group number (29 < 256)")
	assert.Equal(t, indexOf(all, "secp256r1")+1, indexOf(all, "P-256"), "an alias follows its group")
	for _, n := range names {
		assert.Contains(t, all, n)
	}

	// OpenSSL accepts every listed name, main names and aliases alike
	// (a list must not name a group twice, hence two calls).
	var aliases []string
	for _, n := range all {
		if indexOf(names, n) < 0 {
			aliases = append(aliases, n)
		}
	}
	assert.True(t, opensslAccepts(t, "-groups", strings.Join(names, ":")))
	assert.True(t, opensslAccepts(t, "-groups", strings.Join(aliases, ":")))
	assert.False(t, opensslAccepts(t, "-groups", "x25519:bogus"))
	assert.NoError(t, c.SetGroups(strings.Join(names, ":")))
	assert.NoError(t, c.SetGroups(strings.Join(aliases, ":")))

	// TLS 1.3 only: the groups limited to TLS 1.2 and older go.
	require.NoError(t, c.SetMinimumVersion(sslctx.TLSv1_3))
	tls13, err := c.GetGroups(false)
	require.NoError(t, err)
	assert.Contains(t, tls13, "ffdhe2048")
	assert.Contains(t, tls13, "x25519")
	assert.NotContains(t, tls13, "secp256k1")
	assert.NotContains(t, tls13, "brainpoolP256r1")
	// TLS 1.2 at most: the TLS 1.3-only FFDHE groups go.
	require.NoError(t, c.SetMinimumVersion(sslctx.TLSv1_2))
	require.NoError(t, c.SetMaximumVersion(sslctx.TLSv1_2))
	tls12, err := c.GetGroups(false)
	require.NoError(t, err)
	assert.NotContains(t, tls12, "ffdhe2048")
	assert.Contains(t, tls12, "secp256k1")

	require.NoError(t, c.Close())
	_, err = c.GetGroups(false)
	assert.ErrorIs(t, err, sslctx.ErrClosed)
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// set_client_sigalgs and set_server_sigalgs accept OpenSSL's signature
// algorithm names and refuse unknown ones with an SSLError
// (test_set_sigalgs).
func TestSetSigalgsAcceptsNamesAndRefusesUnknownOnes(t *testing.T) {
	c := newCtx(t, sslctx.ProtocolTLSClient)
	assert.NoError(t, c.SetClientSigalgs("rsa_pss_rsae_sha256"))
	assert.NoError(t, c.SetServerSigalgs("rsa_pss_rsae_sha256"))
	assert.NoError(t, c.SetServerSigalgs("ECDSA+SHA256:RSA-PSS+SHA384:ed25519"))
	for _, set := range []func(string) error{c.SetClientSigalgs, c.SetServerSigalgs} {
		for _, bad := range []string{"foo", "", "rsa_pss_rsae_sha256:foo"} {
			var err error
			assert.True(t, queueEmptyAfter(func() { err = set(bad) }), bad)
			var se *errors.SSLError
			require.ErrorAs(t, err, &se, bad)
			assert.Equal(t, "unrecognized signature algorithm", se.Error())
			assert.Equal(t, "", se.Library)
		}
		var ve *errors.ValueError
		assert.ErrorAs(t, set("ed25519\x00"), &ve)
	}
	require.NoError(t, c.Close())
	assert.ErrorIs(t, c.SetClientSigalgs("ed25519"), sslctx.ErrClosed)
	assert.ErrorIs(t, c.SetServerSigalgs("ed25519"), sslctx.ErrClosed)
}

// get_sigalgs lists OpenSSL's built-in signature algorithms by the names
// OpenSSL accepts for them, in table order (ECDSA, EdDSA, RSA-PSS, RSA
// PKCS#1); the context setters and the openssl tool accept every one.
func TestGetSigalgsListsNamesOpenSSLAccepts(t *testing.T) {
	var names []string
	var err error
	assert.True(t, queueEmptyAfter(func() { names, err = sslctx.GetSigalgs() }),
		"the names OpenSSL 3.0 refuses leave no error behind")
	require.NoError(t, err)
	for _, n := range []string{"ecdsa_secp256r1_sha256", "ecdsa_secp384r1_sha384", "ed25519", "ed448",
		"rsa_pss_rsae_sha256", "rsa_pss_pss_sha256", "rsa_pkcs1_sha256", "rsa_pkcs1_sha1"} {
		assert.Contains(t, names, n)
	}
	assert.Less(t, indexOf(names, "ecdsa_secp256r1_sha256"), indexOf(names, "ed25519"))
	assert.Less(t, indexOf(names, "ed25519"), indexOf(names, "rsa_pss_rsae_sha256"))
	assert.Less(t, indexOf(names, "rsa_pss_rsae_sha256"), indexOf(names, "rsa_pkcs1_sha256"))
	c := newCtx(t, sslctx.ProtocolTLSServer)
	for _, n := range names {
		assert.NoError(t, c.SetServerSigalgs(n), n)
		assert.NoError(t, c.SetClientSigalgs(n), n)
	}
	assert.True(t, opensslAccepts(t, "-sigalgs", strings.Join(names, ":")))
	assert.False(t, opensslAccepts(t, "-sigalgs", "rsa_pss_rsae_sha256:foo"))
	again, err := sslctx.GetSigalgs()
	require.NoError(t, err)
	assert.Equal(t, names, again, "the list is stable")
}

// TLS 1.3 external PSKs work with OpenSSL (Python 3.15's HAS_PSK_TLS13;
// TestPSKCallbacks runs the TLS 1.3 handshake).
func TestHasPSKTLS13(t *testing.T) {
	assert.True(t, sslctx.HasPSKTLS13)
}
