//go:build cgo

package sslctx_test

import (
	"encoding/json"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/membio/membio/cshim"
	"github.com/membio/membio/tests/pypeer"
	"github.com/stretchr/testify/require"
)

// python runs script with python3 and returns its standard output. A
// missing python3 fails the test: make deps installs it.
func python(t testing.TB, script string, args ...string) string {
	t.Helper()
	py, err := pypeer.Python()
	if err != nil {
		t.Fatal("python3 not found on PATH: make deps installs it")
	}
	cmd := exec.Command(py, append([]string{"-W", "ignore", "-c", script}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "python3: %s", stderr.String())
	return string(out)
}

// pythonJSON runs script, which prints one JSON document, and decodes it
// into v.
func pythonJSON(t testing.TB, script string, v any, args ...string) {
	t.Helper()
	out := python(t, script, args...)
	require.NoError(t, json.Unmarshal([]byte(out), v), "python output: %s", out)
}

// queueEmptyAfter runs f on a locked OS thread and reports whether the
// thread's OpenSSL error queue is empty afterwards. Only tests lock the
// thread: the library itself never needs to.
func queueEmptyAfter(f func()) bool {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	f()
	return cshim.QueueIsEmpty()
}

func jsonString(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
