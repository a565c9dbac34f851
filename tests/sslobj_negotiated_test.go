//go:build cgo

package tests

import (
	"bufio"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/membio/membio/bio"
	"github.com/membio/membio/context"
	"github.com/membio/membio/cshim"
	"github.com/membio/membio/errors"
	"github.com/membio/membio/sslobj"
	"github.com/membio/membio/tests/memtest"
	"github.com/membio/membio/tests/pki"
)

func groups(list string) ctxOpt {
	return func(t testing.TB, c *sslctx.SSLContext) { require.NoError(t, c.SetGroups(list)) }
}

func serverSigalgs(list string) ctxOpt {
	return func(t testing.TB, c *sslctx.SSLContext) { require.NoError(t, c.SetServerSigalgs(list)) }
}

func clientSigalgs(list string) ctxOpt {
	return func(t testing.TB, c *sslctx.SSLContext) { require.NoError(t, c.SetClientSigalgs(list)) }
}

func versionName(v int) string {
	if v == tls12 {
		return "TLSv1.2"
	}
	return "TLSv1.3"
}

// assertGroup checks that both ends report the group.
func assertGroup(t *testing.T, want string, peers ...*memtest.Peer) {
	t.Helper()
	for _, p := range peers {
		g, ok := p.Obj.Group()
		assert.True(t, ok, "%s: no group", p.Obj)
		assert.Equal(t, want, g, "%s", p.Obj)
	}
}

// assertSigalgs checks what both ends report for the client's and the
// server's signature ("" for none).
func assertSigalgs(t *testing.T, client, server string, peers ...*memtest.Peer) {
	t.Helper()
	for _, p := range peers {
		c, okc := p.Obj.ClientSigalg()
		s, oks := p.Obj.ServerSigalg()
		assert.Equal(t, client, c, "%s: client_sigalg", p.Obj)
		assert.Equal(t, client != "", okc, "%s: client_sigalg", p.Obj)
		assert.Equal(t, server, s, "%s: server_sigalg", p.Obj)
		assert.Equal(t, server != "", oks, "%s: server_sigalg", p.Obj)
	}
}

// Before the handshake there is no group and no signature; both ends
// then report the group the handshake used (x25519, OpenSSL's first
// choice), and after Close nothing.
func TestSSLObjectGroupBeforeDuringAndAfter(t *testing.T) {
	p := pki.ForTest(t)
	for _, v := range []int{tls12, tls13} {
		t.Run(versionName(v), func(t *testing.T) {
			c, s := newPair(t, clientCtx(t, p, maxVersion(v)), serverCtx(t, p, p.ServerRSA), sslobj.Options{ServerHostname: pki.Host})
			for _, o := range []*sslobj.SSLObject{c.Obj, s.Obj} {
				_, ok := o.Group()
				assert.False(t, ok, "no session yet")
			}
			assertSigalgs(t, "", "", c, s)
			cerr, serr := memtest.Handshake(c, s)
			require.NoError(t, cerr)
			require.NoError(t, serr)
			assertGroup(t, "x25519", c, s)
			require.NoError(t, c.Obj.Close())
			_, ok := c.Obj.Group()
			assert.False(t, ok, "after Close")
			_, ok = c.Obj.ServerSigalg()
			assert.False(t, ok, "after Close")
		})
	}
}

// The group is the one SetGroups allows, reported by OpenSSL's name on
// both ends (an alias by its main name), for elliptic curves, X25519/X448
// and finite-field groups, in TLS 1.3 and TLS 1.2; a HelloRetryRequest
// switches to the server's group.
func TestSSLObjectGroupFollowsSetGroups(t *testing.T) {
	p := pki.ForTest(t)
	cases := []struct {
		version        int
		client, server string // group lists ("" for the default)
		want           string
	}{
		{tls13, "secp256r1", "", "secp256r1"},
		{tls13, "P-384", "", "secp384r1"},
		{tls13, "secp521r1", "", "secp521r1"},
		{tls13, "x448", "", "x448"},
		{tls13, "ffdhe2048", "ffdhe2048", "ffdhe2048"},
		{tls13, "x25519:secp384r1", "secp384r1", "secp384r1"}, // HelloRetryRequest
		{tls12, "secp384r1", "", "secp384r1"},
		{tls12, "brainpoolP256r1", "brainpoolP256r1", "brainpoolP256r1"},
		{tls12, "x448", "", "x448"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s/%s/%s", versionName(tc.version), tc.client, tc.server), func(t *testing.T) {
			copts := []ctxOpt{maxVersion(tc.version), groups(tc.client)}
			var sopts []ctxOpt
			if tc.server != "" {
				sopts = append(sopts, groups(tc.server))
			}
			// TLS 1.2 ties an ECDSA certificate's curve to the groups the
			// client offers: use the RSA certificate there.
			cert := p.ServerECDSA
			if tc.version == tls12 {
				cert = p.ServerRSA
			}
			c, s := connected(t, clientCtx(t, p, copts...), serverCtx(t, p, cert, sopts...), sslobj.Options{ServerHostname: pki.Host})
			assertGroup(t, tc.want, c, s)
		})
	}
}

// Both ends report the signature algorithms the handshake used, in TLS
// 1.2 and 1.3, for RSA and ECDSA server and client certificates: RSA keys
// sign with RSA-PSS, P-256 keys with ECDSA over SHA-256. Without a client
// certificate there is no client signature.
func TestSSLObjectSigalgsOfRSAAndECDSACertificates(t *testing.T) {
	p := pki.ForTest(t)
	name := map[*pki.Cert]string{
		p.ServerRSA: "rsa_pss_rsae_sha256", p.ServerECDSA: "ecdsa_secp256r1_sha256",
		p.Client: "rsa_pss_rsae_sha256", p.ClientECDSA: "ecdsa_secp256r1_sha256",
	}
	for _, v := range []int{tls12, tls13} {
		for _, srv := range []*pki.Cert{p.ServerRSA, p.ServerECDSA} {
			for _, cli := range []*pki.Cert{nil, p.Client, p.ClientECDSA} {
				label := "none"
				if cli != nil {
					label = cli.Name
				}
				t.Run(fmt.Sprintf("%s/%s/%s", versionName(v), srv.Name, label), func(t *testing.T) {
					copts := []ctxOpt{maxVersion(v)}
					sopts := []ctxOpt{}
					want := ""
					if cli != nil {
						copts = append(copts, certChain(cli))
						sopts = append(sopts, verifyMode(certRequired), loadCA(p.CAFile))
						want = name[cli]
					}
					c, s := connected(t, clientCtx(t, p, copts...), serverCtx(t, p, srv, sopts...), sslobj.Options{ServerHostname: pki.Host})
					assertSigalgs(t, want, name[srv], c, s)
				})
			}
		}
	}
}

// The server signs with the algorithm the client's SetServerSigalgs list
// allows, and the client with the one the server's SetClientSigalgs list
// allows; both ends report the name that was configured.
func TestSSLObjectSigalgsFollowTheConfiguredLists(t *testing.T) {
	p := pki.ForTest(t)
	cases := []struct {
		version int
		cert    *pki.Cert
		sigalg  string
	}{
		{tls13, p.ServerRSA, "rsa_pss_rsae_sha384"},
		{tls13, p.ServerRSA, "rsa_pss_rsae_sha512"},
		{tls12, p.ServerRSA, "rsa_pkcs1_sha256"},
		{tls12, p.ServerRSA, "rsa_pkcs1_sha512"},
		{tls12, p.ServerRSA, "rsa_pss_rsae_sha384"},
		{tls13, p.ServerECDSA, "ecdsa_secp256r1_sha256"},
		{tls12, p.ServerECDSA, "ecdsa_secp384r1_sha384"}, // TLS 1.2 does not tie the curve to the hash
	}
	client := map[*pki.Cert]*pki.Cert{p.ServerRSA: p.Client, p.ServerECDSA: p.ClientECDSA}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s/%s", versionName(tc.version), tc.sigalg), func(t *testing.T) {
			cctx := clientCtx(t, p, maxVersion(tc.version), serverSigalgs(tc.sigalg), certChain(client[tc.cert]))
			sctx := serverCtx(t, p, tc.cert, clientSigalgs(tc.sigalg), verifyMode(certRequired), loadCA(p.CAFile))
			c, s := connected(t, cctx, sctx, sslobj.Options{ServerHostname: pki.Host})
			assertSigalgs(t, tc.sigalg, tc.sigalg, c, s)
		})
	}
}

// selfSigned makes a self-signed certificate for pki.Host with the openssl
// tool (keyAlg as -newkey takes it) and returns its certificate and key
// files.
func selfSigned(t *testing.T, keyAlg string, keyOpts ...string) (certFile, keyFile string) {
	t.Helper()
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	args := []string{"req", "-x509", "-newkey", keyAlg}
	for _, o := range keyOpts {
		args = append(args, "-pkeyopt", o)
	}
	args = append(args, "-nodes", "-days", "2", "-subj", "/CN="+pki.Host,
		"-addext", "subjectAltName=DNS:"+pki.Host, "-keyout", keyFile, "-out", certFile)
	out, err := exec.Command("openssl", args...).CombinedOutput()
	require.NoError(t, err, "openssl req: %s", out)
	return certFile, keyFile
}

// Keys that only some algorithms fit: an RSASSA-PSS key signs with
// rsa_pss_pss_* (not rsa_pss_rsae_*, which needs an rsaEncryption key),
// an Ed25519 key with ed25519, in both versions and on both ends.
func TestSSLObjectSigalgsOfRSAPSSAndEd25519Keys(t *testing.T) {
	pssCert, pssKey := selfSigned(t, "rsa-pss", "rsa_keygen_bits:2048")
	edCert, edKey := selfSigned(t, "ed25519")
	cases := []struct {
		cert, key, want string
	}{
		{pssCert, pssKey, "rsa_pss_pss_sha256"},
		{edCert, edKey, "ed25519"},
	}
	for _, v := range []int{tls12, tls13} {
		for _, tc := range cases {
			t.Run(versionName(v)+"/"+tc.want, func(t *testing.T) {
				sctx := serverCtxBare(t, func(t testing.TB, c *sslctx.SSLContext) {
					require.NoError(t, c.LoadCertChain(tc.cert, tc.key, nil))
				}, verifyMode(certRequired), loadCA(tc.cert))
				cctx := clientCtxBare(t, maxVersion(v), loadCA(tc.cert), func(t testing.TB, c *sslctx.SSLContext) {
					require.NoError(t, c.LoadCertChain(tc.cert, tc.key, nil))
				})
				c, s := connected(t, cctx, sctx, sslobj.Options{ServerHostname: pki.Host})
				assertSigalgs(t, tc.want, tc.want, c, s)
			})
		}
	}
}

// A TLS 1.3 resumption signs nothing: both ends report no signature
// algorithm, while the (PSK with ECDHE) key exchange still has a group.
func TestSSLObjectSigalgsOfAResumedSession(t *testing.T) {
	p := pki.ForTest(t)
	cctx := clientCtx(t, p)
	sctx := serverCtx(t, p, p.ServerRSA)
	c, s := connected(t, cctx, sctx, sslobj.Options{ServerHostname: pki.Host})
	got, err := memtest.Send(s, c, []byte("ticket"))
	require.NoError(t, err)
	require.Equal(t, "ticket", string(got))
	sess := c.Obj.Session()
	require.NotNil(t, sess)
	defer sess.Close()

	c2, s2 := connected(t, cctx, sctx, sslobj.Options{ServerHostname: pki.Host, Session: sess})
	require.True(t, c2.Obj.SessionReused())
	assertSigalgs(t, "", "", c2, s2)
	assertGroup(t, "x25519", c2, s2)
}

// opensslClient connects "openssl s_client" with args to a membio server
// over loopback, runs the handshake, and returns s_client's output with
// the server object (closed by the test's cleanup).
func opensslClient(t *testing.T, sctx *sslctx.SSLContext, args ...string) (string, *sslobj.SSLObject) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	type result struct {
		obj *sslobj.SSLObject
		err error
	}
	done := make(chan result, 1)
	go func() {
		conn, err := l.Accept()
		if err != nil {
			done <- result{nil, err}
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(20 * time.Second))
		in, _ := bio.New()
		out, _ := bio.New()
		obj, err := sslobj.New(sctx, in, out, sslobj.Options{ServerSide: true})
		if err != nil {
			done <- result{nil, err}
			return
		}
		buf := make([]byte, 16384)
		flush := func() error {
			b, _ := out.Read(-1)
			_, err := conn.Write(b)
			return err
		}
		for {
			herr := obj.DoHandshake()
			if err := flush(); err != nil {
				done <- result{obj, err}
				return
			}
			if herr == nil {
				break
			}
			if !errors.Is(herr, errors.ErrWantRead) {
				done <- result{obj, herr}
				return
			}
			n, err := conn.Read(buf)
			if err != nil {
				done <- result{obj, err}
				return
			}
			in.Write(buf[:n])
		}
		// Drain until s_client closes (after its stdin's EOF).
		for {
			n, err := conn.Read(buf)
			if err != nil {
				break
			}
			in.Write(buf[:n])
			obj.ReadInto(buf)
			flush()
		}
		done <- result{obj, nil}
	}()
	cmd := exec.Command("openssl", append([]string{"s_client", "-connect", l.Addr().String()}, args...)...)
	cmd.Stdin = strings.NewReader("")
	outb, cerr := cmd.CombinedOutput()
	r := <-done
	if r.obj != nil {
		t.Cleanup(func() { r.obj.Close() })
	}
	require.NoError(t, r.err, "server side; s_client said: %s", outb)
	require.NoError(t, cerr, "s_client: %s", outb)
	return string(outb), r.obj
}

// sclientLine returns the value of the first "key: value" line of
// s_client's output with that key.
func sclientLine(out, key string) string {
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key+": "); ok {
			return v
		}
	}
	return ""
}

// Against OpenSSL's own client, told which group and signature algorithm
// to allow: the membio server reports that group and algorithm, and
// s_client's report of the server's temporary key and signature agrees.
func TestSSLObjectGroupAndSigalgAgreeWithOpenSSLClient(t *testing.T) {
	p := pki.ForTest(t)
	cases := []struct {
		version, group, sigalg string
		cert                   *pki.Cert
		tempKey, sigType, hash string // what s_client prints
		wantGroup              string // when group is an alias
	}{
		{"-tls1_3", "secp384r1", "rsa_pss_rsae_sha384", p.ServerRSA, "ECDH, secp384r1, 384 bits", "RSA-PSS", "SHA384", ""},
		{"-tls1_3", "ffdhe2048", "rsa_pss_rsae_sha512", p.ServerRSA, "DH, 2048 bits", "RSA-PSS", "SHA512", ""},
		{"-tls1_3", "x448", "ecdsa_secp256r1_sha256", p.ServerECDSA, "X448, 448 bits", "ECDSA", "SHA256", ""},
		{"-tls1_2", "x25519", "rsa_pkcs1_sha384", p.ServerRSA, "X25519, 253 bits", "RSA", "SHA384", ""},
		{"-tls1_2", "secp521r1", "rsa_pss_rsae_sha256", p.ServerRSA, "ECDH, secp521r1, 521 bits", "RSA-PSS", "SHA256", ""},
		// TLS 1.2: the P-256 key's curve must be offered; SHA-384 may go with it.
		{"-tls1_2", "P-256", "ecdsa_secp384r1_sha384", p.ServerECDSA, "ECDH, prime256v1, 256 bits", "ECDSA", "SHA384", "secp256r1"},
	}
	for _, tc := range cases {
		t.Run(tc.version+"/"+tc.group+"/"+tc.sigalg, func(t *testing.T) {
			out, obj := opensslClient(t, serverCtx(t, p, tc.cert), tc.version, "-groups", tc.group,
				"-sigalgs", tc.sigalg, "-CAfile", p.CAFile, "-servername", pki.Host)
			want := tc.group
			if tc.wantGroup != "" {
				want = tc.wantGroup
			}
			g, ok := obj.Group()
			assert.True(t, ok)
			assert.Equal(t, want, g)
			s, ok := obj.ServerSigalg()
			assert.True(t, ok)
			assert.Equal(t, tc.sigalg, s)
			_, ok = obj.ClientSigalg()
			assert.False(t, ok)
			assert.Equal(t, tc.tempKey, sclientLine(out, "Server Temp Key"), out)
			assert.Equal(t, tc.sigType, sclientLine(out, "Peer signature type"), out)
			assert.Equal(t, tc.hash, sclientLine(out, "Peer signing digest"), out)
		})
	}
}

// The accessors leave the thread's OpenSSL error queue empty, before and
// after the handshake (the goroutine is locked to its thread so the check
// sees the same queue).
func TestSSLObjectGroupAndSigalgLeaveErrorQueueEmpty(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	p := pki.ForTest(t)
	c, s := newPair(t, clientCtx(t, p, certChain(p.Client)), serverCtx(t, p, p.ServerRSA, verifyMode(certRequired), loadCA(p.CAFile)),
		sslobj.Options{ServerHostname: pki.Host})
	check := func(what string) {
		t.Helper()
		for _, o := range []*sslobj.SSLObject{c.Obj, s.Obj} {
			o.Group()
			o.ClientSigalg()
			o.ServerSigalg()
		}
		assert.True(t, cshim.QueueIsEmpty(), "queue not empty %s", what)
	}
	check("before the handshake")
	cerr, serr := memtest.Handshake(c, s)
	require.NoError(t, cerr)
	require.NoError(t, serr)
	check("after the handshake")
}
