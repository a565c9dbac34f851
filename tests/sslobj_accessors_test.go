//go:build cgo

package tests

import (
	"crypto/x509"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/membio/membio/sslobj"
	"github.com/membio/membio/tests/pki"
)

func TestSSLObjectAccessorsAfterHandshake(t *testing.T) {
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			c, s := defaultPair(t, maxVersion(v.version))
			for _, o := range []*sslobj.SSLObject{c.Obj, s.Obj} {
				ci, ok := o.Cipher()
				require.True(t, ok)
				assert.Equal(t, sslobj.CipherInfo{Name: v.cipher, Protocol: v.name, Bits: v.bits}, ci)
				ver, ok := o.Version()
				require.True(t, ok)
				assert.Equal(t, v.name, ver)
				_, ok = o.Compression()
				assert.False(t, ok, "OpenSSL 3 never compresses")
				_, ok = o.SelectedNPNProtocol()
				assert.False(t, ok)
				_, ok = o.SelectedALPNProtocol()
				assert.False(t, ok, "no ALPN configured")
			}
			_, ok := c.Obj.SharedCiphers()
			assert.False(t, ok, "the client has no shared ciphers")
			sh, ok := s.Obj.SharedCiphers()
			require.True(t, ok)
			require.NotEmpty(t, sh)
			names := map[string]bool{}
			for _, ci := range sh {
				names[ci.Name] = true
				assert.NotEmpty(t, ci.Protocol)
				assert.Positive(t, ci.Bits)
			}
			assert.True(t, names[v.cipher], "the chosen cipher is shared")

			cbC, err := c.Obj.GetChannelBinding("tls-unique")
			require.NoError(t, err)
			cbS, err := s.Obj.GetChannelBinding("tls-unique")
			require.NoError(t, err)
			assert.Equal(t, cbC, cbS, "both sides agree")
			if v.version == tls13 {
				assert.Len(t, cbC, 48)
			} else {
				assert.Len(t, cbC, 12)
			}
			_, err = c.Obj.GetChannelBinding("tls-exporter")
			valueErr(t, err, "'tls-exporter' channel binding type not implemented")
		})
	}
}

func TestSSLObjectLegacyCipherReportsItsOwnProtocol(t *testing.T) {
	p := pki.ForTest(t)
	c, _ := connected(t, clientCtx(t, p, maxVersion(tls12), ciphers("AES128-SHA")),
		serverCtx(t, p, p.ServerRSA, ciphers("AES128-SHA")), sslobj.Options{ServerHostname: pki.Host})
	ci, ok := c.Obj.Cipher()
	require.True(t, ok)
	assert.Equal(t, sslobj.CipherInfo{Name: "AES128-SHA", Protocol: "SSLv3", Bits: 128}, ci)
	ver, _ := c.Obj.Version()
	assert.Equal(t, "TLSv1.2", ver)
}

func TestSSLObjectPeerCertificateForms(t *testing.T) {
	p := pki.ForTest(t)
	c, s := defaultPair(t)

	der, err := c.Obj.GetPeerCertDER()
	require.NoError(t, err)
	assert.Equal(t, p.ServerRSA.DER, der)
	x, err := c.Obj.GetPeerX509()
	require.NoError(t, err)
	assert.Equal(t, p.ServerRSA.Cert.SerialNumber, x.SerialNumber)
	cert, err := c.Obj.GetPeerCert()
	require.NoError(t, err)
	require.NotNil(t, cert)
	assert.False(t, isEmptyCert(cert), "a verifying client gets the decoded certificate")

	// The server did not ask for a client certificate: None.
	sder, err := s.Obj.GetPeerCertDER()
	require.NoError(t, err)
	assert.Nil(t, sder)
	scert, err := s.Obj.GetPeerCert()
	require.NoError(t, err)
	assert.Nil(t, scert)
	sx, err := s.Obj.GetPeerX509()
	require.NoError(t, err)
	assert.Nil(t, sx)
}

func TestSSLObjectPeerCertIsEmptyWithoutVerification(t *testing.T) {
	p := pki.ForTest(t)
	c, _ := connected(t, clientCtx(t, p, verifyMode(certNone)), serverCtx(t, p, p.SelfSigned), sslobj.Options{ServerHostname: pki.Host})
	cert, err := c.Obj.GetPeerCert()
	require.NoError(t, err)
	require.NotNil(t, cert, "Python's {} is an empty, non-nil certificate")
	assert.True(t, isEmptyCert(cert))
	der, err := c.Obj.GetPeerCertDER()
	require.NoError(t, err)
	assert.Equal(t, p.SelfSigned.DER, der, "the DER form is still available")
}

func TestSSLObjectCertificateChains(t *testing.T) {
	p := pki.ForTest(t)
	cctx := clientCtx(t, p, certChain(p.Client))
	sctx := serverCtx(t, p, p.ServerViaIntermediate, verifyMode(certRequired), loadCA(p.CAFile))
	c, s := connected(t, cctx, sctx, sslobj.Options{ServerHostname: pki.Host})

	verified, err := c.Obj.GetVerifiedChain()
	require.NoError(t, err)
	require.Len(t, verified, 3, "leaf, intermediate, root")
	assert.Equal(t, p.ServerViaIntermediate.DER, verified[0])
	assert.Equal(t, p.Intermediate.DER, verified[1])
	assert.Equal(t, p.Root.DER, verified[2])

	unverified, err := c.Obj.GetUnverifiedChain()
	require.NoError(t, err)
	require.Len(t, unverified, 2, "what the server sent")
	assert.Equal(t, p.ServerViaIntermediate.DER, unverified[0])
	assert.Equal(t, p.Intermediate.DER, unverified[1])
	for _, d := range append(verified, unverified...) {
		_, err := x509.ParseCertificate(d)
		assert.NoError(t, err)
	}

	// The server side: the client certificate comes first in the
	// unverified chain although OpenSSL leaves it out.
	sun, err := s.Obj.GetUnverifiedChain()
	require.NoError(t, err)
	require.NotEmpty(t, sun)
	assert.Equal(t, p.Client.DER, sun[0])
	sver, err := s.Obj.GetVerifiedChain()
	require.NoError(t, err)
	require.NotEmpty(t, sver)
	assert.Equal(t, p.Client.DER, sver[0])
	assert.Equal(t, p.Root.DER, sver[len(sver)-1])
}
