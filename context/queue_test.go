//go:build cgo

package sslctx_test

import (
	"testing"

	"github.com/membio/membio/context"
	"github.com/membio/membio/tests/pki"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every call leaves the calling thread's OpenSSL error queue empty, on
// success and on failure (the failures of §3.8 are checked in
// TestContextErrorsMatchPython).
func TestEveryCallLeavesErrorQueueEmpty(t *testing.T) {
	p := pki.ForTest(t)
	var c *sslctx.SSLContext
	calls := []struct {
		name string
		f    func()
	}{
		{"New", func() { c, _ = sslctx.New(sslctx.ProtocolTLSServer) }},
		{"New bad", func() { _, _ = sslctx.New(42) }},
		{"New TLSv1", func() {
			x, _ := sslctx.New(sslctx.ProtocolTLSv1)
			x.Close()
		}},
		{"SetOptions", func() { _ = c.SetOptions(c.Options() | sslctx.OpNoTicket) }},
		{"SetVerifyMode", func() { _ = c.SetVerifyMode(sslctx.CertOptional) }},
		{"SetVerifyFlags", func() { _ = c.SetVerifyFlags(sslctx.VerifyCRLCheckLeaf) }},
		{"SetCheckHostname", func() { _ = c.SetCheckHostname(true) }},
		{"SetHostFlags", func() { _ = c.SetHostFlags(sslctx.HostFlagNoPartialWildcards) }},
		{"SetMinimumVersion", func() { _ = c.SetMinimumVersion(sslctx.TLSv1_2) }},
		{"SetMaximumVersion", func() { _ = c.SetMaximumVersion(sslctx.TLSv1_3) }},
		{"SetMaximumVersion bad", func() { _ = c.SetMaximumVersion(0x305) }},
		{"SetNumTickets", func() { _ = c.SetNumTickets(3) }},
		{"SetCiphers", func() { _ = c.SetCiphers("ECDHE+AESGCM") }},
		{"GetCiphers", func() { _, _ = c.GetCiphers() }},
		{"LoadCertChain", func() { _ = c.LoadCertChain(p.ServerRSA.ChainFile, p.ServerRSA.KeyFile, nil) }},
		{"LoadCertChain encrypted", func() {
			_ = c.LoadCertChain(p.EncryptedKey.CertFile, p.EncryptedKey.KeyFile, sslctx.PasswordString(p.Password))
		}},
		{"LoadVerifyLocations", func() { _ = c.LoadVerifyLocations(p.CAFile, "", sslctx.CAData{}) }},
		{"LoadVerifyLocations cadata", func() { _ = c.LoadVerifyLocations("", "", sslctx.CADataDER(p.Root.DER)) }},
		{"SetDefaultVerifyPaths", func() { _ = c.SetDefaultVerifyPaths() }},
		{"LoadDHParams", func() { _ = c.LoadDHParams(p.DHParamsFile) }},
		{"SetECDHCurve", func() { _ = c.SetECDHCurve("prime256v1") }},
		{"SetALPNProtocols", func() { _ = c.SetALPNProtocols([]string{"h2"}) }},
		{"SetSNICallback", func() {
			_ = c.SetSNICallback(func(sslctx.SNIConn, string, *sslctx.SSLContext) error { return nil })
		}},
		{"SetPSKServerCallback", func() { _ = c.SetPSKServerCallback(func(string) ([]byte, error) { return nil, nil }, "hint") }},
		{"SetKeylogFilename", func() { _ = c.SetKeylogFilename(t.TempDir() + "/k") }},
		{"CertStoreStats", func() { _ = c.CertStoreStats() }},
		{"GetCACerts", func() { _, _ = c.GetCACerts() }},
		{"SessionStats", func() { _ = c.SessionStats() }},
		{"DecodeCertificate", func() { _, _ = sslctx.DecodeCertificate(p.ServerRSA.DER) }},
		{"DecodeCertificate bad", func() { _, _ = sslctx.DecodeCertificate([]byte{0x30, 0x03, 1, 2, 3}) }},
		{"DecodeCertFile", func() { _, _ = sslctx.DecodeCertFile(p.ServerRSA.CertFile) }},
		{"ASN1ObjectFromName bad", func() { _, _ = sslctx.ASN1ObjectFromName("no such object") }},
		{"ASN1ObjectFromNID bad", func() { _, _ = sslctx.ASN1ObjectFromNID(100000) }},
		{"RANDBytes", func() { _, _ = sslctx.RANDBytes(8) }},
		{"Close", func() { _ = c.Close() }},
	}
	for _, call := range calls {
		assert.True(t, queueEmptyAfter(call.f), call.name)
		if call.name == "New" {
			require.NotNil(t, c)
		}
	}
}
