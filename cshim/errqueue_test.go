//go:build cgo

package cshim_test

import (
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/membio/membio/cshim"
)

// OpenSSL library and reason codes used to raise errors on purpose.
const (
	libSSL = 20
	libPEM = 9
)

func TestCapturedStateHoldsExactlyTheCallsOwnError(t *testing.T) {
	st := cshim.TestFail(libSSL, 134)
	require.NotNil(t, st)
	require.Len(t, st.Queue, 1)
	e := st.Queue[0]
	assert.Equal(t, libSSL, e.Lib)
	assert.Equal(t, 134, e.Reason)
	assert.Equal(t, "certificate verify failed", e.ReasonString)
	assert.NotZero(t, e.Code)
	assert.Equal(t, -1, int(st.VerifyResult), "no SSL object, no verify result")
}

func TestShimCallsLeaveTheErrorQueueEmpty(t *testing.T) {
	runtime.LockOSThread() // the test inspects this thread's queue
	defer runtime.UnlockOSThread()
	_ = cshim.TestFail(libPEM, 108)
	assert.True(t, cshim.QueueIsEmpty())
	b, st := cshim.NewBIO()
	require.Nil(t, st)
	b.Lock()
	_, st = b.Write([]byte("x"))
	assert.Nil(t, st)
	assert.True(t, cshim.QueueIsEmpty())
	b.Free()
	b.Unlock()
}

// TestErrorQueueIsolationUnderTheScheduler runs failing and succeeding shim
// calls from many goroutines at once, with GOMAXPROCS >= 2 and forced
// rescheduling between calls, so goroutines hop between OS threads. Each
// failing call must see exactly its own error, and no succeeding call may
// see a stale one: the capture happens inside the same C call.
func TestErrorQueueIsolationUnderTheScheduler(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	}
	const goroutines, iterations = 16, 2000
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			b, st := cshim.NewBIO()
			if st != nil {
				errs <- fmt.Errorf("NewBIO failed: %+v", st)
				return
			}
			defer func() { b.Lock(); b.Free(); b.Unlock() }()
			reason := 100 + g // distinct per goroutine
			buf := make([]byte, 8)
			for i := 0; i < iterations; i++ {
				if g%2 == 0 || i%3 == 0 {
					st := cshim.TestFail(libSSL, reason)
					if st == nil || len(st.Queue) != 1 || st.Queue[0].Reason != reason || st.Queue[0].Lib != libSSL {
						errs <- fmt.Errorf("goroutine %d iteration %d: want only reason %d, got %+v", g, i, reason, st)
						return
					}
				} else {
					b.Lock()
					_, st1 := b.Write([]byte("payload"))
					_, st2 := b.Read(buf)
					b.Unlock()
					if st1 != nil || st2 != nil {
						errs <- fmt.Errorf("goroutine %d iteration %d: a succeeding call saw an error: %+v %+v", g, i, st1, st2)
						return
					}
				}
				if i%16 == 0 {
					runtime.Gosched()
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestVersionsAreReportedAndAtLeast111(t *testing.T) {
	rn, rt := cshim.RuntimeVersion()
	cn, ct := cshim.CompileVersion()
	assert.GreaterOrEqual(t, rn, uint64(0x10101000))
	assert.GreaterOrEqual(t, cn, uint64(0x10101000))
	assert.Contains(t, rt, "OpenSSL")
	assert.Contains(t, ct, "OpenSSL")
}
