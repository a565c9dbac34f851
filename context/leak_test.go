//go:build cgo

package sslctx_test

import (
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"github.com/membio/membio/context"
	"github.com/membio/membio/cshim"
	"github.com/membio/membio/tests/pki"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// exercise runs most of the context's C paths once.
func exercise(t *testing.T, p *pki.PKI, closeIt bool) {
	c, err := sslctx.New(sslctx.ProtocolTLSServer)
	require.NoError(t, err)
	require.NoError(t, c.LoadCertChain(p.EncryptedKey.CertFile, p.EncryptedKey.KeyFile, sslctx.PasswordFunc(func() ([]byte, error) {
		return []byte(p.Password), nil
	})))
	_ = c.LoadCertChain(p.ServerRSA.CertFile, p.ServerECDSA.KeyFile, nil) // fails: mismatch
	require.NoError(t, c.LoadVerifyLocations(p.CAFile, "", sslctx.CADataDER(p.OtherRoot.DER)))
	_ = c.LoadVerifyLocations("", "", sslctx.CADataPEM("garbage"))
	require.NoError(t, c.SetALPNProtocols([]string{"h2"}))
	require.NoError(t, c.SetALPNProtocols([]string{"http/1.1", "h2"}))
	require.NoError(t, c.SetSNICallback(func(sslctx.SNIConn, string, *sslctx.SSLContext) error { return nil }))
	require.NoError(t, c.SetPSKServerCallback(func(string) ([]byte, error) { return nil, nil }, "hint"))
	require.NoError(t, c.LoadDHParams(p.DHParamsFile))
	require.NoError(t, c.SetECDHCurve("prime256v1"))
	_, err = c.GetCiphers()
	require.NoError(t, err)
	_, err = c.GetCACerts()
	require.NoError(t, err)
	_, err = sslctx.DecodeCertificate(p.ServerRSA.DER)
	require.NoError(t, err)
	_, err = sslctx.DecodeCertFile(p.Intermediate.CertFile)
	require.NoError(t, err)
	client := newPeer(t, clientCtx(t), false, pki.Host)
	server := newPeer(t, c, true, "")
	handshake(client, server)
	require.NoError(t, client.err)
	require.NoError(t, server.err)
	if closeIt {
		require.NoError(t, c.Close())
	}
}

// Closing a context, or dropping it, releases all its C memory (counted
// with MEMBIO_MEMDEBUG=1 in a child process, as the counters must be
// installed before OpenSSL's first allocation).
func TestContextsReleaseTheirMemory(t *testing.T) {
	if os.Getenv("MEMBIO_MEMDEBUG") != "1" {
		if testing.Short() {
			t.Skip("leak check runs in a child process")
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestContextsReleaseTheirMemory$", "-test.count=1")
		// One P keeps the work on few OS threads: OpenSSL allocates its
		// per-thread state on each new thread, which is not a leak.
		cmd.Env = append(os.Environ(), "MEMBIO_MEMDEBUG=1", "GOMAXPROCS=1")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		return
	}
	require.GreaterOrEqual(t, cshim.LiveAllocations(), int64(0), "MEMBIO_MEMDEBUG counters not installed")
	p := pki.ForTest(t)
	settle := func() int64 {
		for i := 0; i < 5; i++ {
			runtime.GC()
			time.Sleep(5 * time.Millisecond)
		}
		return cshim.LiveAllocations()
	}
	const n = 40
	batch := func(name string, closeIt bool) int64 {
		for i := 0; i < n; i++ {
			t.Run(name, func(t *testing.T) { exercise(t, p, closeIt) })
		}
		return settle()
	}
	// The first batches warm up OpenSSL's lazily built global and
	// per-thread state; a leak shows as growth in every later batch.
	batch("warmup", true)
	base := batch("closed", true)
	afterClose := batch("closed", true)
	afterDrop := batch("dropped", false)
	afterDrop2 := batch("dropped", false)
	// A leak of one allocation per exercise adds n; the per-thread state of
	// a thread the runtime started meanwhile adds a few dozen at most once.
	assert.Less(t, afterClose-base, int64(n), "Close leaks")
	assert.Less(t, afterDrop2-afterDrop, int64(n), "the cleanup of dropped contexts leaks")
	t.Logf("live allocations: %d %d %d %d", base, afterClose, afterDrop, afterDrop2)
}
