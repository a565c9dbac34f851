package pki_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/membio/membio/tests/pki"
)

func verify(c *pki.Cert, roots, inters *x509.CertPool, usage x509.ExtKeyUsage, host string) error {
	_, err := c.Cert.Verify(x509.VerifyOptions{
		DNSName:       host,
		Roots:         roots,
		Intermediates: inters,
		KeyUsages:     []x509.ExtKeyUsage{usage},
	})
	return err
}

func TestEveryCertificateVerifiesAgainstItsCA(t *testing.T) {
	p := pki.ForTest(t)
	roots := p.RootPool()
	inters := p.Intermediate.Pool()
	server := x509.ExtKeyUsageServerAuth

	for _, c := range []*pki.Cert{p.ServerRSA, p.ServerECDSA, p.ServerViaIntermediate, p.EncryptedKey} {
		for _, host := range []string{pki.Host, pki.WildcardHost, "localhost", pki.IP} {
			assert.NoError(t, verify(c, roots, inters, server, host), "%s for %s", c.Name, host)
		}
		var hostErr x509.HostnameError
		assert.ErrorAs(t, verify(c, roots, inters, server, "::1"), &hostErr, "%s must not cover ::1", c.Name)
	}
	assert.NoError(t, verify(p.ServerOther, roots, nil, server, pki.OtherHost))
	assert.NoError(t, verify(p.WrongHost, roots, nil, server, pki.WrongHost))
	assert.NoError(t, verify(p.IPOnly, roots, nil, server, pki.IP))
	assert.NoError(t, verify(p.UnknownCAServer, p.OtherRoot.Pool(), nil, server, pki.Host))
	assert.NoError(t, verify(p.SelfSigned, p.SelfSigned.Pool(), nil, server, pki.Host))
	for _, c := range []*pki.Cert{p.Client, p.ClientECDSA} {
		assert.NoError(t, verify(c, roots, nil, x509.ExtKeyUsageClientAuth, ""), c.Name)
		assert.Equal(t, "client", c.Cert.Subject.CommonName)
	}
	assert.NoError(t, verify(p.Intermediate, roots, nil, x509.ExtKeyUsageAny, ""))
}

func TestBadCertificatesFailAsIntended(t *testing.T) {
	p := pki.ForTest(t)
	roots := p.RootPool()
	server := x509.ExtKeyUsageServerAuth

	var invalid x509.CertificateInvalidError
	require.ErrorAs(t, verify(p.Expired, roots, nil, server, pki.Host), &invalid)
	assert.Equal(t, x509.Expired, invalid.Reason)
	assert.True(t, p.Expired.Cert.NotAfter.Before(time.Now()))

	var hostErr x509.HostnameError
	assert.ErrorAs(t, verify(p.WrongHost, roots, nil, server, pki.Host), &hostErr)
	assert.ErrorAs(t, verify(p.IPOnly, roots, nil, server, pki.Host), &hostErr)
	assert.ErrorAs(t, verify(p.ServerOther, roots, nil, server, pki.Host), &hostErr)

	var unknown x509.UnknownAuthorityError
	assert.ErrorAs(t, verify(p.UnknownCAServer, roots, nil, server, pki.Host), &unknown)
	assert.ErrorAs(t, verify(p.SelfSigned, roots, nil, server, pki.Host), &unknown)
	assert.ErrorAs(t, verify(p.ServerViaIntermediate, roots, nil, server, pki.Host), &unknown,
		"without the intermediate the chain must not build")
}

func TestKeysAndSubjectsHaveTheDocumentedShape(t *testing.T) {
	p := pki.ForTest(t)
	assert.Equal(t, x509.RSA, p.ServerRSA.Cert.PublicKeyAlgorithm)
	assert.Equal(t, 2048, p.ServerRSA.Cert.PublicKey.(interface{ Size() int }).Size()*8)
	assert.Equal(t, x509.ECDSA, p.ServerECDSA.Cert.PublicKeyAlgorithm)
	assert.Equal(t, x509.RSA, p.Client.Cert.PublicKeyAlgorithm)
	assert.Equal(t, x509.ECDSA, p.ClientECDSA.Cert.PublicKeyAlgorithm)
	assert.Equal(t, p.ServerRSA.DER, p.EncryptedKey.DER)
	assert.NotEqual(t, p.ServerRSA.KeyFile, p.EncryptedKey.KeyFile)
	assert.Equal(t, pki.Password, p.Password)

	seen := map[string]bool{}
	for _, c := range p.Certs() {
		require.NotNil(t, c)
		s := c.Cert.Subject
		assert.Equal(t, []string{"XY"}, s.Country, c.Name)
		assert.Equal(t, []string{"membio test"}, s.Organization, c.Name)
		assert.NotEmpty(t, s.CommonName, c.Name)
		assert.Equal(t, 1, c.Cert.SerialNumber.Sign(), c.Name)
		if c != p.EncryptedKey {
			assert.False(t, seen[c.Cert.SerialNumber.String()], "serial of %s reused", c.Name)
			seen[c.Cert.SerialNumber.String()] = true
		}
		for _, f := range []string{c.CertFile, c.KeyFile, c.ChainFile} {
			assert.FileExists(t, f)
		}
	}

	// The chain file of the intermediate-signed leaf holds leaf + intermediate.
	data, err := os.ReadFile(p.ServerViaIntermediate.ChainFile)
	require.NoError(t, err)
	assert.Equal(t, 2, strings.Count(string(data), "BEGIN CERTIFICATE"))
	assert.Len(t, p.ServerViaIntermediate.TLS.Certificate, 2)
	data, err = os.ReadFile(p.ServerRSA.ChainFile)
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(string(data), "BEGIN CERTIFICATE"))
	data, err = os.ReadFile(p.CAFileWithIntermediate)
	require.NoError(t, err)
	assert.Equal(t, 2, strings.Count(string(data), "BEGIN CERTIFICATE"))

	// The plain key files load with crypto/tls.
	for _, c := range []*pki.Cert{p.ServerRSA, p.ServerECDSA, p.ServerViaIntermediate, p.Client} {
		_, err := tls.LoadX509KeyPair(c.ChainFile, c.KeyFile)
		assert.NoError(t, err, c.Name)
	}

	// The encrypted key uses the legacy PEM headers.
	data, err = os.ReadFile(p.EncryptedKey.KeyFile)
	require.NoError(t, err)
	block, _ := pem.Decode(data)
	require.NotNil(t, block)
	assert.Equal(t, "RSA PRIVATE KEY", block.Type)
	assert.Equal(t, "4,ENCRYPTED", block.Headers["Proc-Type"])
	assert.True(t, strings.HasPrefix(block.Headers["DEK-Info"], "AES-256-CBC,"))
}

func TestDHParamsAreASafePrime(t *testing.T) {
	prime, g := pki.DHParams()
	assert.Equal(t, 2048, prime.BitLen())
	assert.Equal(t, int64(2), g.Int64())
	assert.True(t, prime.ProbablyPrime(10))
	q := new(big.Int).Rsh(prime, 1)
	assert.True(t, q.ProbablyPrime(10), "(p-1)/2 must be prime")
}

func TestGenerateWritesTheSameMaterialToAnotherDir(t *testing.T) {
	p := pki.ForTest(t)
	dir := t.TempDir()
	q, err := pki.Generate(dir)
	require.NoError(t, err)
	assert.Equal(t, dir, q.Dir)
	assert.Equal(t, p.ServerRSA.DER, q.ServerRSA.DER)
	assert.FileExists(t, q.DHParamsFile)
	assert.NotEqual(t, p.CAFile, q.CAFile)
}

func openssl(t *testing.T, args ...string) {
	t.Helper()
	path, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatal("openssl CLI not on PATH: make deps installs it")
	}
	out, err := exec.Command(path, args...).CombinedOutput()
	assert.NoError(t, err, "openssl %s:\n%s", strings.Join(args, " "), out)
}

func TestOpenSSLRejectsTheBadCertificatesWithTheExpectedCode(t *testing.T) {
	p := pki.ForTest(t)
	path, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatal("openssl CLI not on PATH: make deps installs it")
	}
	for _, tc := range []struct {
		cert *pki.Cert
		want string
	}{
		{p.UnknownCAServer, "error 20 at 0 depth"},
		{p.Expired, "error 10 at 0 depth"},
		{p.SelfSigned, "error 18 at 0 depth"},
	} {
		out, err := exec.Command(path, "verify", "-CAfile", p.CAFile, tc.cert.CertFile).CombinedOutput()
		assert.Error(t, err, tc.cert.Name)
		assert.Contains(t, string(out), tc.want, tc.cert.Name)
	}
}

func TestOpenSSLAcceptsTheFiles(t *testing.T) {
	p := pki.ForTest(t)
	t.Run("verify server-rsa", func(t *testing.T) {
		openssl(t, "verify", "-x509_strict", "-purpose", "sslserver", "-verify_hostname", pki.Host,
			"-CAfile", p.CAFile, p.ServerRSA.CertFile)
	})
	t.Run("verify via intermediate", func(t *testing.T) {
		openssl(t, "verify", "-x509_strict", "-purpose", "sslserver", "-verify_ip", pki.IP,
			"-CAfile", p.CAFile, "-untrusted", p.Intermediate.CertFile, p.ServerViaIntermediate.CertFile)
		openssl(t, "verify", "-x509_strict", "-CAfile", p.CAFileWithIntermediate, p.ServerViaIntermediate.CertFile)
	})
	t.Run("verify client", func(t *testing.T) {
		openssl(t, "verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", p.CAFile, p.Client.CertFile)
	})
	t.Run("encrypted key", func(t *testing.T) {
		openssl(t, "rsa", "-in", p.EncryptedKey.KeyFile, "-passin", "pass:"+p.Password, "-noout", "-check")
	})
	t.Run("dh params", func(t *testing.T) {
		openssl(t, "dhparam", "-in", p.DHParamsFile, "-noout", "-check")
		openssl(t, "pkeyparam", "-in", p.DHParamsFile, "-noout")
	})
}
