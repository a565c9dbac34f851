package context_test

import (
	"testing"

	sslctx "github.com/membio/membio/context"
	"github.com/membio/membio/tests/pki"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewClientContextHasPythonDefaults(t *testing.T) {
	c, err := sslctx.New(sslctx.ProtocolTLSClient)
	require.NoError(t, err)
	defer c.Close()
	assert.Equal(t, sslctx.Options(0x82520050), c.Options())
	assert.Equal(t, sslctx.CertRequired, c.VerifyMode())
	assert.True(t, c.CheckHostname())
	assert.Equal(t, sslctx.VerifyX509TrustedFirst, c.VerifyFlags())
	assert.Equal(t, sslctx.TLSv1_2, c.MinimumVersion())
	assert.Equal(t, sslctx.MaximumSupported, c.MaximumVersion())
	assert.Equal(t, 2, c.SecurityLevel())
	assert.Equal(t, 2, c.NumTickets())
	p := pki.ForTest(t)
	require.NoError(t, c.LoadVerifyLocations(p.CAFile, "", sslctx.CAData{}))
	require.NoError(t, c.LoadCertChain(p.ServerRSA.ChainFile, p.ServerRSA.KeyFile, nil))
	ciphers, err := c.GetCiphers()
	require.NoError(t, err)
	assert.Len(t, ciphers, 17)
	cert, err := sslctx.DecodeCertificate(p.ServerRSA.DER)
	require.NoError(t, err)
	t.Log(cert.PythonRepr())
}
