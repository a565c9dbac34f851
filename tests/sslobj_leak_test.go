//go:build cgo

package tests

import (
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/membio/membio/cshim"
	"github.com/membio/membio/sslobj"
	"github.com/membio/membio/tests/memtest"
	"github.com/membio/membio/tests/pki"
)

// exerciseObjects runs the C paths of SSLObject and SSLSession: a full
// handshake with client authentication, data, accessors, chains, a
// resumption, a failed handshake and a shutdown. With closeIt false the
// objects are dropped for the garbage collector.
func exerciseObjects(t *testing.T, p *pki.PKI, closeIt bool) {
	cctx := clientCtx(t, p, certChain(p.Client), maxVersion(tls12))
	sctx := serverCtx(t, p, p.ServerViaIntermediate, verifyMode(certRequired), loadCA(p.CAFile))
	peer := func(o sslobj.Options, server bool) *memtest.Peer {
		ctx := cctx
		if server {
			ctx = sctx
		}
		pe, err := memtest.NewPeer(ctx, o)
		require.NoError(t, err)
		return pe
	}
	c, s := peer(sslobj.Options{ServerHostname: pki.Host}, false), peer(sslobj.Options{ServerSide: true}, true)
	cerr, serr := memtest.Handshake(c, s)
	require.NoError(t, cerr)
	require.NoError(t, serr)
	_, err := memtest.Send(c, s, []byte("data"))
	require.NoError(t, err)
	_, err = s.Obj.GetPeerCert()
	require.NoError(t, err)
	_, err = c.Obj.GetVerifiedChain()
	require.NoError(t, err)
	_, err = s.Obj.GetUnverifiedChain()
	require.NoError(t, err)
	s.Obj.SharedCiphers()
	_, err = c.Obj.GetChannelBinding("tls-unique")
	require.NoError(t, err)
	sess := c.Obj.Session()
	require.NotNil(t, sess)
	sess.ID()

	c2, s2 := peer(sslobj.Options{ServerHostname: pki.Host, Session: sess}, false), peer(sslobj.Options{ServerSide: true}, true)
	cerr, serr = memtest.Handshake(c2, s2)
	require.NoError(t, cerr)
	require.NoError(t, serr)
	wantRead(t, c2.Obj.Unwrap())

	bad := peer(sslobj.Options{ServerHostname: "wrong.example"}, false)
	s3 := peer(sslobj.Options{ServerSide: true}, true)
	cerr, _ = memtest.Handshake(bad, s3)
	require.Error(t, cerr)

	if closeIt {
		for _, pe := range []*memtest.Peer{c, s, c2, s2, bad, s3} {
			pe.Close()
		}
		sess.Close()
		cctx.Close()
		sctx.Close()
	}
}

// Closing SSLObjects and SSLSessions, or dropping them, releases all their
// C memory (counted with MEMBIO_MEMDEBUG=1 in a child process, as the
// counters must be installed before OpenSSL's first allocation).
func TestSSLObjectsReleaseTheirMemory(t *testing.T) {
	if os.Getenv("MEMBIO_MEMDEBUG") != "1" {
		if testing.Short() {
			t.Skip("leak check runs in a child process")
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestSSLObjectsReleaseTheirMemory$", "-test.count=1")
		// One P keeps the work on few OS threads: OpenSSL allocates its
		// per-thread state on each new thread, which is not a leak.
		cmd.Env = append(os.Environ(), "MEMBIO_MEMDEBUG=1", "GOMAXPROCS=1")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		return
	}
	require.GreaterOrEqual(t, cshim.LiveAllocations(), int64(0), "MEMBIO_MEMDEBUG counters not installed")
	runtime.LockOSThread() // see above: per-thread state is not a leak
	defer runtime.UnlockOSThread()
	p := pki.ForTest(t)
	settle := func() int64 {
		for i := 0; i < 5; i++ {
			runtime.GC()
			time.Sleep(5 * time.Millisecond)
		}
		return cshim.LiveAllocations()
	}
	const n = 20
	batch := func(closeIt bool) int64 {
		for i := 0; i < n; i++ {
			exerciseObjects(t, p, closeIt)
		}
		return settle()
	}
	batch(true) // warm up OpenSSL's global and per-thread state
	batch(false)
	base := batch(true)
	afterClose := batch(true)
	afterDrop := batch(false)
	afterDrop2 := batch(false)
	t.Logf("live allocations: %d %d %d %d", base, afterClose, afterDrop, afterDrop2)
	// A leak of even one allocation per exercise adds n; per-thread state
	// of a thread the runtime started meanwhile adds a handful.
	assert.Less(t, afterClose-base, int64(n), "Close leaks")
	assert.Less(t, afterDrop2-afterDrop, int64(n), "the cleanups of dropped objects leak")
}
