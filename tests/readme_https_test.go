//go:build cgo

package tests

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/membio/membio/context"
	"github.com/membio/membio/sslobj"
	"github.com/membio/membio/tests/pki"
)

// The README's HTTPS GET, run against a local crypto/tls server; the
// README must show the same calls.
func TestReadmeHTTPSGet(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	for _, line := range []string{
		`ctx, _ := sslctx.CreateDefaultContext(sslctx.PurposeServerAuth, "", "", sslctx.CAData{})`,
		`DialTLSContext: (&sslobj.Dialer{Context: ctx}).DialContext,`,
		`resp, err := client.Get("https://example.test/")`,
	} {
		assert.Contains(t, string(readme), line)
	}

	p := pki.ForTest(t)
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello from "+r.Host)
	}))
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{p.ServerRSA.TLS}}
	ts.StartTLS()
	defer ts.Close()
	port := ts.URL[strings.LastIndex(ts.URL, ":"):]

	// The README's lines, with the test root as trust store and
	// localhost (which the certificate names) as host.
	ctx, _ := sslctx.CreateDefaultContext(sslctx.PurposeServerAuth, p.CAFile, "", sslctx.CAData{})
	client := &http.Client{Transport: &http.Transport{
		DialTLSContext: (&sslobj.Dialer{Context: ctx}).DialContext,
	}}
	resp, err := client.Get("https://localhost" + port + "/")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "hello from localhost"+port, string(body))
}
